package compose

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strconv"
	"strings"

	"github.com/crossplane/function-sdk-go/resource"

	"github.com/eks-gitops/function-eks-gitops/internal/addonversion"
	"github.com/eks-gitops/function-eks-gitops/internal/clusterspec"
	"github.com/eks-gitops/function-eks-gitops/internal/eksversion"
	"github.com/eks-gitops/function-eks-gitops/internal/naming"
)

// NodeGroupFacts are what is observed of one node group.
type NodeGroupFacts struct {
	// Pool is the node pool the node group serves.
	Pool string
	// ExternalName is its name in EKS; ObjectName its Kubernetes name.
	ExternalName string
	ObjectName   string
	// SpecVersion is the version last asked for; Version the version EKS
	// reports.
	SpecVersion string
	Version     string
	// Ready is whether the node group is ready.
	Ready bool
	// Nodes is its desired size: whether nodes run on it.
	Nodes int64
	// Shape is the canonical form of the fields EKS cannot change in place.
	Shape string
}

// NodeGroupPrefix starts every node group's composition resource name.
const NodeGroupPrefix = "eks-nodegroup-"

// NodeGroupAPIVersion and NodeGroupKind are what every node group is, of
// every generation.
const (
	NodeGroupAPIVersion = apiEKS
	NodeGroupKind       = "NodeGroup"
)

// Shape is the canonical form of what a managed node group cannot change in
// place: instance types, AMI type, capacity type, subnets, and the launch
// template it launches from (by name) or, for a node group made without
// one, its disk size. Two node groups of the same shape are
// interchangeable; a pool whose shape changes gets a new node group. A
// launch template's content is not part of the shape: a new version of it
// rolls in place.
func Shape(instanceTypes []string, amiType, capacityType string, diskSize int64, launchTemplate string, subnets []string) string {
	var b strings.Builder
	for _, t := range instanceTypes {
		b.WriteString(strconv.Quote(t))
		b.WriteByte(',')
	}
	b.WriteString("|" + strconv.Quote(amiType) + "|" + strconv.Quote(capacityType) + "|" + strconv.FormatInt(diskSize, 10) + "|")
	for _, s := range subnets {
		b.WriteString(strconv.Quote(s))
		b.WriteByte(',')
	}
	if launchTemplate != "" {
		// Absent from the shapes of node groups made without one, which
		// thus keep their hashes.
		b.WriteString("|lt=" + strconv.Quote(launchTemplate))
	}
	return b.String()
}

func (p Params) shapeOf(pool clusterspec.NodePool) string {
	return Shape(pool.InstanceTypes, pool.AMIType, pool.CapacityType, 0, p.LaunchTemplateName(pool.Name), p.PrivateSubnetObjectNames())
}

// shortHash is the first n hex digits of s's SHA-256: the part of a name
// that tells apart what its readable part cannot.
func shortHash(s string, n int) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])[:n]
}

// NodeGroupRef names a node group: its composition resource name, its
// Kubernetes name and its name in EKS.
type NodeGroupRef struct {
	Resource resource.Name
	Object   string
	AWS      string
}

// NodeGroupOf is the node group that serves a pool now: the observed node
// group of the pool with the pool's shape, under the names it has, or else
// a new one whose names carry a hash of the shape. A change EKS cannot make
// in place thus creates a new node group beside the old one.
func (p Params) NodeGroupOf(pool clusterspec.NodePool, f Facts) NodeGroupRef {
	shape := p.shapeOf(pool)
	var names []resource.Name
	for n, ng := range f.NodeGroups {
		if ng.Pool == pool.Name && ng.Shape == shape && ng.ExternalName != "" && ng.ObjectName != "" {
			names = append(names, n)
		}
	}
	if len(names) > 0 {
		slices.Sort(names)
		ng := f.NodeGroups[names[0]]
		return NodeGroupRef{Resource: names[0], Object: ng.ObjectName, AWS: ng.ExternalName}
	}
	h := shortHash(shape, 8)
	return NodeGroupRef{
		Resource: resource.Name(NodeGroupPrefix + pool.Name + "-" + h),
		Object:   p.ObjectName("ng-" + pool.Name + "-" + h),
		AWS:      p.newNodeGroupName(pool.Name, shape),
	}
}

// newNodeGroupName is the EKS name of a new node group of the pool. Node
// group names are unique within their cluster, which is the XR's own.
func (p Params) newNodeGroupName(pool, shape string) string {
	if p.Scheme == naming.Legacy {
		return p.ClusterName() + "-" + pool + "-" + shortHash(shape, 8)
	}
	return pool + "-" + shortHash(shape, 8)
}

// Upgrade stages.
const (
	StageControlPlane = "ControlPlane"
	StageNodeGroups   = "NodeGroups"
	StageAddons       = "Addons"
)

// Upgrade is where a Kubernetes upgrade stands, decided from what is
// observed alone: the control plane first, then the node groups a few at a
// time, then the add-ons.
type Upgrade struct {
	// To is the version asked for; Stage is empty when everything runs it.
	To    string
	Stage string
	// Waiting says what the stage waits for, as a sentence's end.
	Waiting string
	// NodeGroupVersions are the versions the pools' node groups get.
	NodeGroupVersions map[resource.Name]string
	// AddonMinor is the Kubernetes minor whose add-on versions apply.
	AddonMinor string
	// Done and Total count the node groups at To.
	Done, Total int
	// nodeGroups are the pools' node groups, in pool order.
	nodeGroups []NodeGroupRef
}

// Upgrade decides the versions of the node groups and add-ons, one stage
// at a time.
func (p Params) Upgrade(f Facts) Upgrade {
	to := p.Spec.KubernetesVersion
	u := Upgrade{To: to, NodeGroupVersions: map[resource.Name]string{}, AddonMinor: to}
	var current []resource.Name
	for _, pool := range p.ManagedPools() {
		ref := p.NodeGroupOf(pool, f)
		u.nodeGroups = append(u.nodeGroups, ref)
		current = append(current, ref.Resource)
	}
	u.Total = len(current)
	switch cv := f.Cluster.Version; {
	case cv == "":
		// Nothing runs yet: everything is created at the version asked for.
		for _, n := range current {
			u.NodeGroupVersions[n] = to
		}
		u.Done = u.Total
		return u
	case cv != to:
		return controlPlaneStage(u, f, current)
	}
	if u = nodeGroupStage(u, f, current, p.Input.Upgrade.MaxParallelNodeGroups); u.Stage != "" {
		return u
	}
	return p.addonStage(u, f)
}

// controlPlaneStage: the control plane moves to u.To first; node groups
// keep their versions and add-ons follow the oldest of what runs.
func controlPlaneStage(u Upgrade, f Facts, current []resource.Name) Upgrade {
	u.Stage = StageControlPlane
	u.Waiting = "the control plane to run Kubernetes " + u.To + " and be ACTIVE"
	for _, n := range current {
		u.NodeGroupVersions[n] = heldVersion(f, n, u.To)
	}
	u.AddonMinor = oldestRunning(f, current)
	u.Done = count(current, func(n resource.Name) bool { return done(f, n, u.To) })
	return u
}

// nodeGroupStage: the control plane runs u.To. Once it is ACTIVE, the node
// groups move, at most slots at a time, counting those already moving; a
// node group that does not exist yet is created at u.To. The stage is
// left empty once every node group runs u.To.
func nodeGroupStage(u Upgrade, f Facts, current []resource.Name, slots int) Upgrade {
	to := u.To
	if f.Cluster.Status != "ACTIVE" {
		slots = 0
	}
	var moving []string
	for _, n := range current {
		ng, observed := f.NodeGroups[n]
		switch {
		case !observed || !lagging(ng, to):
			u.NodeGroupVersions[n] = to
		case ng.SpecVersion == to:
			u.NodeGroupVersions[n] = to
			slots--
			moving = append(moving, string(n))
		default:
			u.NodeGroupVersions[n] = heldVersion(f, n, to)
		}
	}
	for _, n := range current {
		if slots <= 0 {
			break
		}
		if u.NodeGroupVersions[n] != to {
			u.NodeGroupVersions[n] = to
			slots--
			moving = append(moving, string(n))
		}
	}
	u.Done = count(current, func(n resource.Name) bool { return !lagging(f.NodeGroups[n], to) })
	if u.Done == u.Total {
		return u
	}
	u.Stage = StageNodeGroups
	// The add-ons keep following the oldest node group that runs.
	u.AddonMinor = oldestRunning(f, current)
	u.Waiting = "the control plane to be ACTIVE"
	if len(moving) > 0 {
		u.Waiting = "node groups " + strings.Join(moving, ", ") + " to run Kubernetes " + to
	}
	return u
}

// addonStage: every node group runs u.To, and the add-ons follow.
func (p Params) addonStage(u Upgrade, f Facts) Upgrade {
	var behind []string
	for _, a := range p.addonNames() {
		want := p.addonVersionFor(a, u.To, f)
		if have, ok := f.AddonVersions[a]; ok && have != want {
			behind = append(behind, a)
		}
	}
	if len(behind) > 0 {
		u.Stage = StageAddons
		u.Waiting = "add-ons " + strings.Join(behind, ", ") + " to run their versions for Kubernetes " + u.To
	}
	return u
}

// heldVersion is the version node group n keeps while it waits: what EKS
// reports, or what was last asked, or the control plane's. A version
// already asked for is never taken back, even when what is observed lags
// behind (a stale cache): EKS cannot downgrade.
func heldVersion(f Facts, n resource.Name, to string) string {
	ng, ok := f.NodeGroups[n]
	v := to
	switch {
	case ok && ng.Version != "":
		v = ng.Version
	case ok && ng.SpecVersion != "":
		v = ng.SpecVersion
	case f.Cluster.Version != "":
		v = f.Cluster.Version
	}
	if ok && eksversion.Minor(ng.SpecVersion) > eksversion.Minor(v) {
		v = ng.SpecVersion
	}
	return v
}

// oldestRunning is the Kubernetes minor the add-ons follow while an
// upgrade moves: the control plane's, or an older one a node group still
// runs.
func oldestRunning(f Facts, current []resource.Name) string {
	cv := f.Cluster.Version
	if o := oldestObserved(f, current); o != "" && eksversion.Minor(o) < eksversion.Minor(cv) {
		return o
	}
	return cv
}

// done reports whether node group n is observed ready at version v.
func done(f Facts, n resource.Name, v string) bool {
	ng, ok := f.NodeGroups[n]
	return ok && ng.Ready && ng.Version == v
}

// lagging reports whether an observed node group still runs a version
// other than v. EKS reports a node group's new version once its update is
// done.
func lagging(ng NodeGroupFacts, v string) bool {
	return (ng.Version != "" && ng.Version != v) || (ng.Version == "" && ng.SpecVersion != "" && ng.SpecVersion != v)
}

func count(names []resource.Name, pred func(resource.Name) bool) int {
	c := 0
	for _, n := range names {
		if pred(n) {
			c++
		}
	}
	return c
}

// oldestObserved is the oldest version a current node group reports.
func oldestObserved(f Facts, current []resource.Name) string {
	out := ""
	for _, n := range current {
		v := f.NodeGroups[n].Version
		if v != "" && (out == "" || eksversion.Minor(v) < eksversion.Minor(out)) {
			out = v
		}
	}
	return out
}

// addonNames are every managed add-on the cluster gets.
func (p Params) addonNames() []string {
	withCluster, withNodes := p.Addons()
	return append(slices.Clone(withCluster), withNodes...)
}

// AddonVersion is the version an add-on gets now (see addonVersionFor).
func (p Params) AddonVersion(addon string, f Facts) string {
	return p.addonVersionFor(addon, p.Upgrade(f).AddonMinor, f)
}

// addonVersionFor is the version an add-on gets when the add-ons follow
// Kubernetes minor: the XR's pin, or the table's version for that minor, or
// a newer version that already runs and supports it (an add-on is never
// moved backwards).
func (p Params) addonVersionFor(addon, minor string, f Facts) string {
	if v, ok := p.Spec.Addons.Versions[addon]; ok {
		return v
	}
	v, _ := addonversion.Default(addon, minor)
	if have := f.AddonVersions[addon]; have != "" && addonversion.Compare(have, v) > 0 && addonversion.Supports(addon, have, minor) {
		v = have
	}
	if asked := f.AddonSpecVersions[addon]; asked != "" && addonversion.Compare(asked, v) > 0 && addonversion.Supports(addon, asked, p.Spec.KubernetesVersion) {
		// Asked for before, for the version being upgraded to: observed
		// state that lags behind never takes it back.
		v = asked
	}
	return v
}
