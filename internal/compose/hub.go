package compose

import (
	"github.com/crossplane/function-sdk-go/resource"

	"github.com/eks-gitops/function-eks-gitops/input/v1beta1"
)

// The EKS Capability's access to the team cluster. Its names differ from
// the self-managed Argo CD's: EKS cannot change an access entry's
// principal, so moving hubs adds the new hub's entry and retires the old.
const (
	NameCapabilityAccessEntry         = resource.Name("eks-access-entry-argocd-capability")
	NameCapabilityAccessAssociation   = resource.Name("eks-access-policy-argocd-capability")
	NameUsageSecretOfCapabilityEntry  = resource.Name("usage-cluster-secret-of-capability-access-entry")
	NameUsageSecretOfCapabilityPolicy = resource.Name("usage-cluster-secret-of-capability-access-policy")

	componentCapabilityAccessEntry = "argocd-capability-access-entry"
)

// HubFacts are how the cluster is registered with Argo CD now, and which
// hub's access to it is ready.
type HubFacts struct {
	// RegisteredBy is the hub the observed cluster Secret registers the
	// cluster for: EKSCapability when its server is the cluster's ARN,
	// SelfManaged when it is the endpoint; empty before it exists.
	RegisteredBy string
	// SelfManagedReady and CapabilityReady are whether each hub's access
	// policy association in the cluster is ready.
	SelfManagedReady, CapabilityReady bool
}

// ready reports whether the named hub's access is ready.
func (h HubFacts) ready(hub string) bool {
	if hub == v1beta1.ArgoCDEKSCapability {
		return h.CapabilityReady
	}
	return h.SelfManagedReady
}

// Capability reports whether the platform's Argo CD is the EKS Capability.
func (p Params) Capability() bool { return p.Input.ArgoCD.Mode == v1beta1.ArgoCDEKSCapability }

// hubMove is the cluster's move from the hub it is registered for to the
// settings' hub. The old hub's access stays while the settings still name
// its role.
func (p Params) hubMove(f Facts) move {
	by := f.Hub.RegisteredBy
	kept := by == v1beta1.ArgoCDSelfManaged && p.Input.ArgoCD.HubRoleARN != "" ||
		by == v1beta1.ArgoCDEKSCapability && p.Input.ArgoCD.CapabilityRoleARN != ""
	return move{from: by, to: p.Input.ArgoCD.Mode, fromKept: kept, toReady: f.Hub.ready(p.Input.ArgoCD.Mode)}
}

// RegistersFor is the hub the cluster Secret, the AppProject and the
// Application are written for: the old hub's until the new hub's access is
// ready, so the running cluster is never registered with a hub that cannot
// reach it.
func (p Params) RegistersFor(f Facts) string { return p.hubMove(f).current() }

// retiringHub is the hub the cluster is still registered for while it
// moves to another: its access stays until the cluster Secret has moved.
func (p Params) retiringHub(f Facts) string { return p.hubMove(f).retiring() }

// server is how the hub names the cluster: the EKS Capability by ARN, a
// self-managed Argo CD by its API endpoint.
func (p Params) server(f Facts) string {
	if p.RegistersFor(f) == v1beta1.ArgoCDEKSCapability {
		return f.Cluster.ARN
	}
	return f.Cluster.Endpoint
}

// serverMissing names the fact the hub's name for the cluster needs, when
// it is not observed yet.
func (p Params) serverMissing(f Facts) string {
	if p.server(f) != "" {
		return ""
	}
	if p.RegistersFor(f) == v1beta1.ArgoCDEKSCapability {
		return "the EKS cluster's ARN"
	}
	return "the EKS cluster's endpoint"
}

// hubAccess is the access entry and cluster-admin association of the hub
// named, for the cluster.
func (p Params) hubAccess(hub string) []Object {
	if hub == v1beta1.ArgoCDEKSCapability {
		return p.accessEntry(NameCapabilityAccessEntry, NameCapabilityAccessAssociation, "access-entry-argocd-capability", "access-policy-argocd-capability",
			componentCapabilityAccessEntry, map[string]any{"principalArn": p.Input.ArgoCD.CapabilityRoleARN}, nil)
	}
	if p.Input.ArgoCD.AccessMode == v1beta1.ArgoCDAccessClusterRole {
		return p.accessEntry(NameAccessEntry, NameAccessAssociation, "access-entry-argocd", "access-policy-argocd", componentAccessEntry,
			map[string]any{"principalArnFromRoleSelector": selector(component(componentArgoCDRole))}, []resource.Name{NameArgoCDRole})
	}
	return p.accessEntry(NameAccessEntry, NameAccessAssociation, "access-entry-argocd", "access-policy-argocd", componentAccessEntry,
		map[string]any{"principalArn": p.Input.ArgoCD.HubRoleARN}, nil)
}

// hubAccessUsages keep the hub's way into the cluster until the cluster
// Secret is gone, which the bootstrap Application outlives: when the XR is
// deleted, Argo CD's finalizer can still remove the team's workloads.
func (p Params) hubAccessUsages(hub string, secret Object) []Object {
	entry, policy := NameUsageSecretOfAccessEntry, NameUsageSecretOfAccessPolicy
	if hub == v1beta1.ArgoCDEKSCapability {
		entry, policy = NameUsageSecretOfCapabilityEntry, NameUsageSecretOfCapabilityPolicy
	}
	var objs []Object
	for _, a := range p.hubAccess(hub) {
		name := entry
		if a.Name == NameAccessAssociation || a.Name == NameCapabilityAccessAssociation {
			name = policy
		}
		objs = append(objs, p.usage(name, a, secret))
	}
	if hub == v1beta1.ArgoCDSelfManaged {
		if role, ok := p.selfManagedRole(); ok {
			objs = append(objs, p.usage(NameUsageSecretOfArgoCDRole, role, secret))
		}
	}
	return objs
}

// hubAccessAssociation is the association the cluster Secret waits for.
func hubAccessAssociation(hub string) resource.Name {
	if hub == v1beta1.ArgoCDEKSCapability {
		return NameCapabilityAccessAssociation
	}
	return NameAccessAssociation
}
