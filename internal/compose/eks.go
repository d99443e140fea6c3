package compose

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/crossplane/function-sdk-go/resource"

	"github.com/eks-gitops/function-eks-gitops/internal/addoniam"
	"github.com/eks-gitops/function-eks-gitops/internal/addonversion"
	"github.com/eks-gitops/function-eks-gitops/internal/clusterspec"
)

// Composition resource names of the EKS resources.
const (
	NameCluster           = resource.Name("eks-cluster")
	NameAccessEntry       = resource.Name("eks-access-entry-argocd")
	NameAccessAssociation = resource.Name("eks-access-policy-argocd")
)

const (
	componentCluster     = "cluster"
	componentAccessEntry = "argocd-access-entry"
)

// Add-ons every cluster gets. vpc-cni, kube-proxy and the pod identity agent
// are DaemonSets that nodes need to become Ready, so they come with the
// cluster; coredns, metrics-server and the EBS CSI driver's controller are
// Deployments that stay degraded until nodes exist, so they wait for the
// node groups.
var (
	addonsWithCluster = []string{"vpc-cni", "kube-proxy", "eks-pod-identity-agent"}
	addonsWithNodes   = []string{"coredns"}
)

// AddonPrefix begins the composition resource name of every EKS add-on.
const AddonPrefix = "eks-addon-"

// NameAddon is the composition resource name of an EKS add-on.
func NameAddon(addon string) resource.Name { return resource.Name(AddonPrefix + addon) }

// NodeGroupName is the AWS name a new node group of the pool gets with the
// pool's current shape.
func (p Params) NodeGroupName(pool clusterspec.NodePool) string {
	return p.newNodeGroupName(pool.Name, p.shapeOf(pool))
}

// ClusterAdminPolicyARN is the EKS access policy Argo CD gets.
func (p Params) ClusterAdminPolicyARN() string {
	return p.accessPolicyARN("AmazonEKSClusterAdminPolicy")
}

// Addons returns the EKS add-ons the cluster gets, in order. In Auto Mode
// EKS runs the networking, kube-proxy, DNS, Pod Identity and block storage
// itself: only metrics-server remains, if asked for.
func (p Params) Addons() (withCluster, withNodes []string) {
	if p.Spec.AutoMode() {
		if p.Spec.Addons.MetricsServer {
			return nil, []string{addonversion.MetricsServer}
		}
		return nil, nil
	}
	withNodes = addonsWithNodes
	if p.Spec.Addons.MetricsServer || p.ebsCSIAddon() {
		withNodes = append([]string{}, addonsWithNodes...)
	}
	if p.Spec.Addons.MetricsServer {
		withNodes = append(withNodes, addonversion.MetricsServer)
	}
	if p.ebsCSIAddon() {
		withNodes = append(withNodes, addonversion.EBSCSIDriver)
	}
	return addonsWithCluster, withNodes
}

// EKS returns the cluster and the Usage that keeps its VPC until it is gone.
func (p Params) EKS(f Facts) []Object {
	cluster := p.cluster(f)
	return append(p.Compliance(cluster), cluster, p.usage(NameUsageClusterOfVPC, p.vpc(), cluster))
}

// cluster returns the EKS cluster. It is declared with the network: its subnets are
// references by name, which the provider resolves only when every one of
// them has an ID, so the cluster is never created in fewer zones than asked.
func (p Params) cluster(f Facts) Object {
	ep := p.Input.EndpointAccess
	vpcConfig := map[string]any{
		"subnetIdRefs":          refs(p.PrivateSubnetObjectNames()...),
		"endpointPrivateAccess": *ep.Private,
		"endpointPublicAccess":  *ep.Public,
	}
	if *ep.Public {
		vpcConfig["publicAccessCidrs"] = strList(ep.PublicAccessCIDRs)
	}
	fp := map[string]any{
		"region":          p.Spec.AWS.Region,
		"version":         p.Spec.KubernetesVersion,
		"roleArnSelector": selector(component(componentClusterRole)),
		"vpcConfig":       vpcConfig,
		"accessConfig": map[string]any{
			"authenticationMode": "API",
			// Only access entries grant access; whoever runs the provider
			// gets no hidden admin rights.
			"bootstrapClusterCreatorAdminPermissions": false,
		},
		"upgradePolicy":          map[string]any{"supportType": p.Spec.SupportType},
		"enabledClusterLogTypes": strList(p.Input.Compliance.ControlPlaneLogTypes),
		"deletionProtection":     p.DeletionProtection(),
		"tags":                   p.awsTags(p.ClusterName()),
	}
	if *p.Input.Compliance.ZonalShift {
		fp["zonalShiftConfig"] = map[string]any{"enabled": true}
	}
	network := map[string]any{}
	if p.Spec.Network.ServiceCIDR != "" {
		network["serviceIpv4Cidr"] = p.Spec.Network.ServiceCIDR
	}
	// The log group exists, with its retention and key, before EKS
	// writes to it; Secrets are encrypted from the start. The key's ARN
	// has no reference field: the cluster waits for the key to be
	// observed. A running cluster gets its encryption once the key is.
	cluster := Object{Name: NameCluster, Requires: []resource.Name{NameLogGroup, NameClusterKey}}
	if f.ClusterKeyID != "" {
		fp["encryptionConfig"] = map[string]any{
			"provider":  map[string]any{"keyArn": p.ClusterKeyARN(f.ClusterKeyID)},
			"resources": strList(EncryptedResources),
		}
	} else {
		cluster.Missing = "the ARN of the cluster's KMS key"
	}
	if p.Spec.AutoMode() {
		// EKS refuses compute, block storage and load balancing apart:
		// all three are on. The node role's ARN has no reference field, so
		// the cluster waits for the role to be observed.
		fp["computeConfig"] = map[string]any{
			"enabled":     true,
			"nodePools":   strList(clusterspec.AutoModeBuiltInPools),
			"nodeRoleArn": f.NodeRoleARN,
		}
		fp["storageConfig"] = map[string]any{"blockStorage": map[string]any{"enabled": true}}
		network["elasticLoadBalancing"] = map[string]any{"enabled": true}
		// Auto Mode runs networking, DNS and kube-proxy itself; EKS must
		// not install its self-managed ones. Only settable at creation.
		fp["bootstrapSelfManagedAddons"] = false
		cluster.Requires = append(cluster.Requires, p.NodeRoleNames()...)
		if f.NodeRoleARN == "" {
			cluster.Missing = "the ARN of the node role"
		}
	}
	if len(network) > 0 {
		fp["kubernetesNetworkConfig"] = network
	}
	cluster.Body = withExternalName(p.managed(apiEKS, "Cluster", "eks", component(componentCluster), fp), p.ClusterName())
	return cluster
}

// compute returns the node groups, add-ons and Argo CD's access entry, which
// all need an ACTIVE cluster. Versions follow the upgrade's stage: node
// groups move only once the control plane runs the new version, add-ons
// only once every node group does.
func (p Params) compute(f Facts, up Upgrade) []Object {
	region := p.Spec.AWS.Region
	clusterSel := selector(component(componentCluster))
	upd := p.Input.Upgrade.NodeGroupUpdate
	updateConfig := map[string]any{"updateStrategy": upd.UpdateStrategy}
	if upd.MaxUnavailablePercentage != nil {
		updateConfig["maxUnavailablePercentage"] = *upd.MaxUnavailablePercentage
	} else {
		updateConfig["maxUnavailable"] = *upd.MaxUnavailable
	}
	var objs []Object
	pools := p.ManagedPools()
	nodeGroups := make([]resource.Name, 0, len(pools))
	for i, pool := range pools {
		ref := up.nodeGroups[i]
		name, awsName := ref.Resource, ref.AWS
		nodeGroups = append(nodeGroups, name)
		scaling := map[string]any{"minSize": int64(*pool.MinSize), "maxSize": int64(*pool.MaxSize)}
		fp := map[string]any{
			"region":              region,
			"version":             up.NodeGroupVersions[name],
			"clusterNameSelector": clusterSel,
			"nodeRoleArnSelector": selector(component(componentNodeRole)),
			"subnetIdRefs":        refs(p.PrivateSubnetObjectNames()...),
			"scalingConfig":       scaling,
			"instanceTypes":       strList(pool.InstanceTypes),
			"capacityType":        pool.CapacityType,
			"amiType":             pool.AMIType,
			"launchTemplate":      map[string]any{"name": p.LaunchTemplateName(pool.Name), "version": f.LaunchTemplateVersions[pool.Name]},
			"updateConfig":        maps.Clone(updateConfig),
			"tags":                p.awsTags(awsName),
		}
		if pool.ReleaseVersion != "" && up.NodeGroupVersions[name] == p.Spec.KubernetesVersion {
			// A release of another Kubernetes minor fails the node group's
			// update: the pin applies once the group moves to the XR's version.
			fp["releaseVersion"] = pool.ReleaseVersion
		}
		if pool.NodeRepair {
			fp["nodeRepairConfig"] = map[string]any{"enabled": true}
		}
		if len(pool.Labels) > 0 {
			fp["labels"] = strMap(pool.Labels)
		}
		if len(pool.Taints) > 0 {
			taints := make([]any, len(pool.Taints))
			for i, t := range pool.Taints {
				taints[i] = map[string]any{"key": t.Key, "value": t.Value, "effect": t.Effect}
			}
			fp["taint"] = taints
		}
		body := p.managed(NodeGroupAPIVersion, NodeGroupKind, "", map[string]string{LabelComponent: "node-group", LabelNodePool: pool.Name}, fp)
		body["metadata"].(map[string]any)["name"] = ref.Object //nolint:forcetypeassert // Built by meta.
		spec := body["spec"].(map[string]any)                  //nolint:forcetypeassert // Built by managed.
		if pool.Autoscaled {
			// The autoscaler owns the desired size; setting it here would
			// fight it on every reconcile.
			spec["initProvider"] = map[string]any{"scalingConfig": map[string]any{"desiredSize": int64(*pool.DesiredSize)}}
		} else {
			scaling["desiredSize"] = int64(*pool.DesiredSize)
		}
		ng := Object{
			Name:     name,
			Body:     withExternalName(body, awsName),
			Requires: append([]resource.Name{NameCluster, NameLaunchTemplate(pool.Name)}, p.NodeRoleNames()...),
		}
		if f.LaunchTemplateVersions[pool.Name] == "" {
			ng.Missing = "the version of launch template " + p.LaunchTemplateName(pool.Name)
		}
		objs = append(objs, p.launchTemplate(pool), ng)
	}

	withCluster, withNodes := p.Addons()
	for _, a := range withCluster {
		objs = append(objs, p.addon(a, p.addonVersionFor(a, up.AddonMinor, f), []resource.Name{NameCluster}))
	}
	for _, a := range withNodes {
		requires := append([]resource.Name{NameCluster}, nodeGroups...)
		if a == addonversion.EBSCSIDriver {
			// The controller gets AWS credentials only if its Pod Identity
			// association exists when its pods start.
			requires = append(requires, NameAddonPodIdentity(addoniam.EBSCSIDriver))
		}
		objs = append(objs, p.addon(a, p.addonVersionFor(a, up.AddonMinor, f), requires))
	}
	objs = append(objs, p.addonAccess()...)
	objs = append(objs, p.karpenter()...)
	objs = append(objs, p.autoModeTeamPools()...)
	return append(objs, p.argoCDAccess()...)
}

func (p Params) addon(name, version string, requires []resource.Name) Object {
	fp := map[string]any{
		"region":                   p.Spec.AWS.Region,
		"addonName":                name,
		"addonVersion":             version,
		"clusterNameSelector":      selector(component(componentCluster)),
		"resolveConflictsOnCreate": "OVERWRITE",
		"resolveConflictsOnUpdate": "PRESERVE",
		"tags":                     p.awsTags(p.ClusterName() + "-" + name),
	}
	return Object{
		Name:     NameAddon(name),
		Body:     p.managed(apiEKS, "Addon", "addon-"+name, map[string]string{LabelComponent: "addon"}, fp),
		Requires: requires,
	}
}

// argoCDAccess gives Argo CD cluster-admin through an access entry: for the
// per-cluster role in ClusterRole mode, for the hub role in HubRole mode.
func (p Params) argoCDAccess() []Object { return p.hubAccess(p.Input.ArgoCD.Mode) }

// eksAccessEntry is the body of an access entry of the given type in the
// team's cluster for principal (principalArn, or a selector of the role),
// its tags named tagName: every access entry the function composes.
func (p Params) eksAccessEntry(suffix string, labels map[string]string, typ string, principal map[string]any, tagName string) map[string]any {
	fp := map[string]any{
		"region":              p.Spec.AWS.Region,
		"clusterNameSelector": selector(component(componentCluster)),
		"type":                typ,
		"tags":                p.awsTags(tagName),
	}
	maps.Copy(fp, principal)
	return p.managed(apiEKS, "AccessEntry", suffix, labels, fp)
}

// accessEntry is an access entry for principal (a principalArn, or a
// selector of the role) with the cluster-admin access policy: what Argo CD
// needs to deploy a team's applications, CRDs and namespaces included.
func (p Params) accessEntry(entryName, policyName resource.Name, entrySuffix, policySuffix, comp string, principal map[string]any, requires []resource.Name) []Object {
	region := p.Spec.AWS.Region
	return []Object{
		{
			Name:     entryName,
			Body:     p.eksAccessEntry(entrySuffix, component(comp), "STANDARD", principal, p.ClusterName()+"-argocd"),
			Requires: append([]resource.Name{NameCluster}, requires...),
		},
		{
			Name: policyName,
			Body: p.managed(apiEKS, "AccessPolicyAssociation", policySuffix, nil, map[string]any{
				"region":               region,
				"clusterNameSelector":  selector(component(componentCluster)),
				"principalArnSelector": selector(component(comp)),
				"policyArn":            p.ClusterAdminPolicyARN(),
				"accessScope":          map[string]any{"type": "cluster"},
			}),
			Requires: []resource.Name{entryName},
		},
	}
}

// Team access: the team's admins and members reach their cluster through
// the roles the platform names (TeamAccess), each with an access entry and
// the EKS access policies of its level. EKS cannot change an entry's
// principal, so the names carry a hash of the role: another role is a new
// entry, and the old one goes.
const (
	TeamAdminEntryPrefix  = "eks-access-entry-team-admins-"
	TeamMemberEntryPrefix = "eks-access-entry-team-members-"
)

// TeamRoleARN fills a team role ARN's placeholders for a team and account.
func TeamRoleARN(template, team, accountID string) string {
	return strings.NewReplacer("{team}", team, "{accountId}", accountID).Replace(template)
}

// accessPolicyARN is the ARN of one of EKS's access policies.
func (p Params) accessPolicyARN(name string) string {
	return "arn:" + p.Partition() + ":eks::aws:cluster-access-policy/" + name
}

// teamAccess declares the access entries of the team's roles, when the
// platform names them: admins cluster-admin on the cluster; members edit in
// their namespaces and view the rest.
func (p Params) teamAccess() []Object {
	a := p.Input.TeamAccess
	if a == nil {
		return nil
	}
	var objs []Object
	if a.AdminRoleARN != "" {
		objs = append(objs, p.teamRole(TeamAdminEntryPrefix, a.AdminRoleARN, []accessGrant{{"AmazonEKSClusterAdminPolicy", nil}})...)
	}
	if a.MemberRoleARN != "" {
		// A set to EKS: sorted, so the order the platform lists them in
		// changes nothing.
		var namespaces []string
		for _, ns := range a.MemberNamespaces {
			namespaces = append(namespaces, strings.ReplaceAll(ns, "{team}", p.Spec.Team.Name))
		}
		slices.Sort(namespaces)
		objs = append(objs, p.teamRole(TeamMemberEntryPrefix, a.MemberRoleARN, []accessGrant{
			{"AmazonEKSEditPolicy", slices.Compact(namespaces)},
			{"AmazonEKSViewPolicy", nil},
		})...)
	}
	return objs
}

// accessGrant is an EKS access policy on the whole cluster (no namespaces)
// or on some namespaces.
type accessGrant struct {
	policy     string
	namespaces []string
}

// teamRole is one team role's access entry and its policy associations.
// EKS changes neither an entry's principal nor an association's scope in
// place, so both are in the names: another role or other namespaces are new
// objects, and the old ones go.
func (p Params) teamRole(prefix, roleARN string, grants []accessGrant) []Object {
	principal := TeamRoleARN(roleARN, p.Spec.Team.Name, p.Spec.AWS.AccountID)
	entryName := resource.Name(prefix + shortHash(principal, 8))
	comp := component(strings.TrimPrefix(string(entryName), "eks-"))
	objs := []Object{{
		Name:     entryName,
		Body:     p.eksAccessEntry(string(entryName), comp, "STANDARD", map[string]any{"principalArn": principal}, p.ClusterName()+"-"+string(entryName)),
		Requires: []resource.Name{NameCluster},
	}}
	for _, g := range grants {
		name := strings.Replace(string(entryName), "access-entry", "access-policy", 1) + "-" + strings.ToLower(strings.TrimSuffix(strings.TrimPrefix(g.policy, "AmazonEKS"), "Policy"))
		scope := map[string]any{"type": "cluster"}
		if g.namespaces != nil {
			ns := make([]any, len(g.namespaces))
			for i, n := range g.namespaces {
				ns[i] = n
			}
			scope = map[string]any{"type": "namespace", "namespaces": ns}
			name += "-" + shortHash(fmt.Sprintf("%q", g.namespaces), 6)
		}
		// An association waits for its entry: EKS refuses a policy for a
		// principal that has no access entry (ResourceNotFoundException).
		objs = append(objs, Object{
			Name: resource.Name(name),
			Body: p.managed(apiEKS, "AccessPolicyAssociation", name, nil, map[string]any{
				"region":               p.Spec.AWS.Region,
				"clusterNameSelector":  selector(component(componentCluster)),
				"principalArnSelector": selector(comp),
				"policyArn":            p.accessPolicyARN(g.policy),
				"accessScope":          scope,
			}),
			Requires: []resource.Name{entryName},
		})
	}
	return objs
}

// NameTeamViewBinding is the binding that lets the team read its namespaced
// XR and what it composed.
const NameTeamViewBinding = resource.Name("team-view-binding")

// TeamViewRole is Crossplane's own aggregated view role (its Helm chart's
// crossplane-view): every Crossplane kind, the XRDs' and the providers'. A
// RoleBinding limits it to the XR's namespace.
const TeamViewRole = "crossplane-view"

// teamViewBinding binds the team's control plane group to TeamViewRole in
// a namespaced XR's namespace, when the platform names the group. A
// cluster-scoped XR has no namespace of its team's to bind in.
func (p Params) teamViewBinding() []Object {
	a := p.Input.TeamAccess
	if a == nil || a.ControlPlaneGroup == "" || !p.Namespaced() {
		return nil
	}
	return []Object{{Name: NameTeamViewBinding, Body: map[string]any{
		"apiVersion": "rbac.authorization.k8s.io/v1",
		"kind":       "RoleBinding",
		"metadata":   p.meta(p.ObjectName("team-view"), p.XRNamespace, nil),
		"roleRef":    map[string]any{"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": TeamViewRole},
		"subjects": []any{map[string]any{
			"apiGroup": "rbac.authorization.k8s.io", "kind": "Group",
			"name": strings.ReplaceAll(a.ControlPlaneGroup, "{team}", p.Spec.Team.Name),
		}},
	}}}
}
