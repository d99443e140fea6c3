package compose

import "github.com/crossplane/function-sdk-go/resource"

// Condition types of the XR, one per step of provisioning, in order.
const (
	StepNetwork      = "NetworkReady"
	StepControlPlane = "ControlPlaneReady"
	StepCompute      = "ComputeReady"
)

// Step is one stage of provisioning, reported as one XR condition.
type Step struct {
	// Condition is the XR condition type that reports this step.
	Condition string
	// Phase is the short name shown in the XR's status.phase while this is
	// the first step not done.
	Phase string
	// Objects are the step's composed resources.
	Objects []Object
}

// Facts are what the function observed of the composed resources, for the
// builders whose output depends on it.
type Facts struct {
	// Cluster is the observed EKS cluster.
	Cluster ClusterFacts
	// VPCID is the observed VPC's ID.
	VPCID string
	// Git is Argo CD's observed Git credential.
	Git GitFacts
	// RepositoryCloneURL is the observed repository's HTTPS clone URL.
	RepositoryCloneURL string
	// NodeRoleARN is the observed ARN of the nodes' role, which an Auto
	// Mode cluster names.
	NodeRoleARN string
	// ClusterKeyID is the ID of the cluster's observed KMS key, which
	// encrypts its Secrets. Its ARN is ClusterKeyARN's, never an observed
	// one.
	ClusterKeyID string
	// ArgoCDRoleARN is the observed ARN of the role Argo CD assumes in the
	// team account (ClusterRole mode).
	ArgoCDRoleARN string
	// LaunchTemplateVersions are, by pool, the latest version of the pool's
	// observed launch template, which its node groups launch from.
	LaunchTemplateVersions map[string]string
	// NodeGroups are the observed node groups by composition resource name.
	NodeGroups map[resource.Name]NodeGroupFacts
	// AddonVersions are the observed add-on versions by add-on name, and
	// AddonSpecVersions the versions last asked for.
	AddonVersions     map[string]string
	AddonSpecVersions map[string]string
	// AddonAccess holds, by gitops-bridge key, the add-ons whose AWS access
	// is in place: the role's observed ARN once its Pod Identity association
	// is ready. An add-on the cluster Secret last enabled stays in, with the
	// ARN last applied, while the provider re-observes: a poll must never
	// make Argo CD uninstall a running add-on.
	AddonAccess map[string]string
	// Hub is how the cluster is registered with Argo CD, and which hub's
	// access is ready: what moving hubs is staged on.
	Hub HubFacts
	// Identity is where the team's groups are, as Argo CD's AppProject
	// names them, and the Identity Center groups' observed IDs.
	Identity IdentityFacts
	// Kept are the facts that were observed once but are not observed now
	// (the provider re-observing, a cluster being replaced). The builders
	// use the value last applied instead, and the step that uses it is
	// reported not ready until the fact is observed again.
	Kept []KeptFact
}

// KeptFact is a fact the function no longer observes and whose last
// applied value it keeps.
type KeptFact struct {
	// Step is the condition type of the step that uses the fact.
	Step string
	// Fact says which fact, as a sentence's subject.
	Fact string
}

// ClusterFacts are the observed EKS cluster's atProvider fields.
type ClusterFacts struct {
	Name     string
	ARN      string
	Endpoint string
	// CAData is the base64 of the PEM, exactly as EKS reports it.
	CAData  string
	Status  string
	Version string
}

// Plan returns every step with its objects, in order. The same Params and
// Facts always give the same plan.
func (p Params) Plan(f Facts) []Step { return p.PlanFor(f, p.Upgrade(f)) }

// PlanFor is Plan for where a Kubernetes upgrade stands (p.Upgrade(f)),
// which the plan's versions follow, for callers that already have it.
func (p Params) PlanFor(f Facts, up Upgrade) []Step {
	steps := []Step{
		{Condition: StepNetwork, Phase: "Network", Objects: p.Network()},
		{Condition: StepControlPlane, Phase: "ControlPlane", Objects: append(p.IAM(), p.EKS(f)...)},
		{Condition: StepCompute, Phase: "Compute", Objects: p.compute(f, up)},
	}
	return append(steps, p.Onboarding(f)...)
}

// All returns every object of the plan, in order.
func (p Params) All() []Object {
	var objs []Object
	for _, s := range p.Plan(Facts{}) {
		objs = append(objs, s.Objects...)
	}
	return objs
}
