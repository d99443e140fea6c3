package compose

import (
	"strings"

	"github.com/crossplane/function-sdk-go/resource"

	"github.com/eks-gitops/function-eks-gitops/internal/addoniam"
	"github.com/eks-gitops/function-eks-gitops/internal/addonversion"
)

// NameAddonRole is the composition resource name of an add-on's IAM role.
func NameAddonRole(a addoniam.Addon) resource.Name {
	return resource.Name("iam-role-addon-" + a.Name)
}

// NameAddonPolicy is the add-on role's policy: its own inline policy, or
// the attachment of an AWS-managed one.
func NameAddonPolicy(a addoniam.Addon) resource.Name {
	return resource.Name("iam-policy-addon-" + a.Name)
}

// NameAddonPodIdentity is the add-on's EKS Pod Identity association.
func NameAddonPodIdentity(a addoniam.Addon) resource.Name {
	return resource.Name("eks-pod-identity-" + a.Name)
}

func addonRoleComponent(a addoniam.Addon) string { return "addon-role-" + a.Name }

// AddonsWithAccess are the add-ons that get AWS access, in order: the EBS
// CSI driver unless switched off, the add-ons the XR switches on, and
// cluster-autoscaler when a pool is autoscaled.
func (p Params) AddonsWithAccess() []addoniam.Addon {
	a := p.Spec.Addons
	on := map[string]bool{
		addoniam.EBSCSIDriver.Key:           p.ebsCSIAddon(),
		addoniam.LoadBalancerController.Key: a.AWSLoadBalancerController,
		addoniam.ExternalDNS.Key:            a.ExternalDNS,
		addoniam.CertManager.Key:            a.CertManager,
		addoniam.ExternalSecrets.Key:        a.ExternalSecrets,
		addoniam.ClusterAutoscaler.Key:      p.Spec.Autoscaled(),
		addoniam.Karpenter.Key:              p.Spec.Karpenter(),
	}
	var out []addoniam.Addon
	for _, ad := range addoniam.All() {
		if on[ad.Key] {
			out = append(out, ad)
		}
	}
	return out
}

// AddonRoleName is the AWS name of an add-on's role. These roles are new
// for every XR, so even a Legacy XR's are named from the hashed base and
// live under IAMPath: no name of an earlier version must be kept.
func (p Params) AddonRoleName(a addoniam.Addon) string { return p.hashedBase() + "-" + a.Name }

// SecretPrefix is the name prefix of the Secrets Manager secrets and
// Parameter Store parameters external-secrets may read: the team's, then
// the cluster's, so no other cluster's are in reach.
func (p Params) SecretPrefix() string {
	return p.Spec.Team.Name + "/" + p.ClusterName() + "/"
}

func (p Params) addonScope() addoniam.Scope {
	zones := make([]string, len(p.Spec.Addons.HostedZones))
	for i, z := range p.Spec.Addons.HostedZones {
		zones[i] = z.ID
	}
	return p.karpenterScope(addoniam.Scope{
		Partition: p.Partition(), Region: p.Spec.AWS.Region, AccountID: p.Spec.AWS.AccountID,
		ClusterName: p.ClusterName(), HostedZoneIDs: zones, SecretPrefix: p.SecretPrefix(),
	})
}

// addonAccess returns, for each add-on with AWS access, its role (trusting
// EKS Pod Identity only), its policy and its Pod Identity association. All
// wait for an ACTIVE cluster, and the association for a ready pod identity
// agent too: the provider resolves the cluster name at once, and pods only
// get credentials from an agent that runs.
func (p Params) addonAccess() []Object {
	scope := p.addonScope()
	var objs []Object
	for _, a := range p.AddonsWithAccess() {
		roleName := p.AddonRoleName(a)
		role := p.role(NameAddonRole(a), roleName, IAMPath, addonRoleComponent(a),
			"EKS Pod Identity role of "+a.Name+" on "+p.ClusterName(), servicePrincipal("pods.eks.amazonaws.com"))
		fp := role.Body["spec"].(map[string]any)["forProvider"].(map[string]any) //nolint:forcetypeassert // Built by managed.
		fp["path"] = IAMPath
		// EKS Pod Identity assumes the role for this cluster only: without
		// the source conditions, the service would assume it for any
		// cluster, in any account, that names the role in an association.
		fp["assumeRolePolicy"] = trustPolicyWhen(servicePrincipal("pods.eks.amazonaws.com"), map[string]any{
			"StringEquals": map[string]any{"aws:SourceAccount": p.Spec.AWS.AccountID},
			"ArnEquals":    map[string]any{"aws:SourceArn": p.ClusterARN()},
		})
		role.Requires = []resource.Name{NameCluster}
		objs = append(objs, role)

		roleSel := selector(component(addonRoleComponent(a)))
		if a.ManagedPolicy != "" {
			objs = append(objs, Object{Name: NameAddonPolicy(a), Body: p.managed(apiIAM, "RolePolicyAttachment", string(NameAddonPolicy(a)), nil, map[string]any{
				"policyArn":    "arn:" + p.Partition() + ":iam::aws:policy/" + a.ManagedPolicy,
				"roleSelector": roleSel,
			}), Requires: []resource.Name{NameAddonRole(a)}})
		} else {
			body := p.managed(apiIAM, "RolePolicy", string(NameAddonPolicy(a)), nil, map[string]any{
				"policy":       a.Policy(scope),
				"roleSelector": roleSel,
			})
			// The inline policy's name within the role.
			objs = append(objs, Object{Name: NameAddonPolicy(a), Body: withExternalName(body, "eks-gitops-"+a.Name), Requires: []resource.Name{NameAddonRole(a)}})
		}

		objs = append(objs, Object{
			Name: NameAddonPodIdentity(a),
			Body: p.managed(apiEKS, "PodIdentityAssociation", string(NameAddonPodIdentity(a)), map[string]string{LabelComponent: "pod-identity"}, map[string]any{
				"region":              p.Spec.AWS.Region,
				"clusterNameSelector": selector(component(componentCluster)),
				"namespace":           a.Namespace,
				"serviceAccount":      a.ServiceAccount,
				"roleArnSelector":     roleSel,
				"tags":                p.awsTags(roleName),
			}),
			Requires: p.podIdentityRequires(a),
		})
	}
	return objs
}

// podIdentityRequires is what an add-on's Pod Identity association waits
// for: Auto Mode runs the agent itself.
func (p Params) podIdentityRequires(a addoniam.Addon) []resource.Name {
	if p.Spec.AutoMode() {
		return []resource.Name{NameCluster, NameAddonRole(a), NameAddonPolicy(a)}
	}
	return []resource.Name{NameCluster, NameAddon(addonversion.PodIdentityAgent), NameAddonRole(a), NameAddonPolicy(a)}
}

// addonMetadata is the gitops-bridge metadata of the add-ons Argo CD
// installs: for each one, the enable_<key> label, and for each one switched
// on the <key>_iam_role_arn, <key>_namespace and <key>_service_account
// annotations. The label turns "true" only once the add-on's access is in
// place (Facts.AddonAccess): pods started before their Pod Identity
// association exists get no AWS credentials until they are restarted.
func (p Params) addonMetadata(f Facts, labels, annotations map[string]string) {
	on := map[string]bool{}
	for _, a := range p.AddonsWithAccess() {
		on[a.Key] = true
	}
	for _, a := range addoniam.All() {
		if a.Key == addoniam.EBSCSIDriver.Key {
			continue // An EKS add-on, not installed by Argo CD.
		}
		arn, ready := f.AddonAccess[a.Key]
		ready = ready && on[a.Key]
		labels["enable_"+a.Key] = boolString(ready)
		if !ready {
			continue
		}
		if arn != "" {
			annotations[a.Key+"_iam_role_arn"] = arn
		}
		annotations[a.Key+"_namespace"] = a.Namespace
		annotations[a.Key+"_service_account"] = a.ServiceAccount
		switch a.Key {
		case addoniam.ExternalDNS.Key:
			annotations["external_dns_domain_filters"] = strings.Join(p.domains(), ",")
		case addoniam.ExternalSecrets.Key:
			annotations["external_secrets_secret_prefix"] = p.SecretPrefix()
		case addoniam.Karpenter.Key:
			annotations["karpenter_sqs_queue_name"] = p.KarpenterQueueName()
			annotations["karpenter_node_iam_role_name"] = p.KarpenterNodeRoleName()
			annotations["karpenter_node_instance_profile_name"] = p.KarpenterNodeRoleName()
			annotations["karpenter_node_pools"] = p.KarpenterNodePools()
			annotations["karpenter_node_tags"] = p.KarpenterNodeTags()
		}
	}
	p.autoModeMetadata(labels, annotations)
}

func (p Params) domains() []string {
	out := make([]string, len(p.Spec.Addons.HostedZones))
	for i, z := range p.Spec.Addons.HostedZones {
		out[i] = z.Domain
	}
	return out
}

// ebsCSIDriver reports whether the cluster gets block storage and the gp3
// StorageClass: unless the XR switches it off.
func (p Params) ebsCSIDriver() bool {
	return p.Spec.Addons.EBSCSIDriver == nil || *p.Spec.Addons.EBSCSIDriver
}

// ebsCSIAddon reports whether the cluster gets the aws-ebs-csi-driver EKS
// add-on, with its role: Auto Mode's block storage needs neither.
func (p Params) ebsCSIAddon() bool { return p.ebsCSIDriver() && !p.Spec.AutoMode() }
