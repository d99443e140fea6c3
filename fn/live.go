package fn

import (
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws/arn"
	"google.golang.org/protobuf/types/known/structpb"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/resource"

	"github.com/eks-gitops/function-eks-gitops/internal/clusterspec"
	"github.com/eks-gitops/function-eks-gitops/internal/compose"
	"github.com/eks-gitops/function-eks-gitops/internal/guard"
)

// liveOf reads what exists of the network and the cluster, for the guards.
func liveOf(observed map[string]*fnv1.Resource) guard.Live {
	var l guard.Live
	cluster := observed[string(compose.NameCluster)].GetResource()
	vpc := observed[string(compose.NameVPC)].GetResource()
	for _, o := range []*structpb.Struct{cluster, vpc} {
		if o == nil {
			continue
		}
		if l.Region == "" {
			l.Region = stringAt(o, "spec", "forProvider", "region")
		}
		if a, err := arn.Parse(stringAt(o, "status", "atProvider", "arn")); err == nil && l.AccountID == "" {
			l.AccountID = a.AccountID
		}
	}
	if vpc != nil {
		l.VPCCIDR = stringAt(vpc, "spec", "forProvider", "cidrBlock")
	}
	if cluster != nil {
		l.ComputeMode = clusterspec.ModeManagedNodeGroups
		_, karpenter := observed[string(compose.NameKarpenterQueue)]
		switch {
		case valueAt(cluster, "spec", "forProvider", "computeConfig", "enabled").GetBoolValue() ||
			valueAt(cluster, "status", "atProvider", "computeConfig", "enabled").GetBoolValue():
			l.ComputeMode = clusterspec.ModeAutoMode
		case karpenter:
			// Karpenter's interruption queue exists only in Karpenter mode.
			l.ComputeMode = clusterspec.ModeKarpenter
		}
		l.Protected = valueAt(cluster, "status", "atProvider", "deletionProtection").GetBoolValue()
		l.Environment = stringAt(cluster, "metadata", "labels", compose.LabelEnvironment)
		l.ServiceCIDR = stringAt(cluster, "spec", "forProvider", "kubernetesNetworkConfig", "serviceIpv4Cidr")
		if l.ServiceCIDR == "" {
			l.ServiceCIDR = stringAt(cluster, "status", "atProvider", "kubernetesNetworkConfig", "serviceIpv4Cidr")
		}
	}
	l.Subnets = map[string]guard.Subnet{}
	for name, r := range observed {
		if !strings.HasPrefix(name, compose.SubnetPrefix) {
			continue
		}
		s := r.GetResource()
		l.Subnets[name] = guard.Subnet{
			CIDR: stringAt(s, "spec", "forProvider", "cidrBlock"),
			Zone: stringAt(s, "spec", "forProvider", "availabilityZone"),
		}
	}
	return l
}

// nodeGroupFacts reads every observed node group, of every generation.
func nodeGroupFacts(observed map[string]*fnv1.Resource) map[resource.Name]compose.NodeGroupFacts {
	out := map[resource.Name]compose.NodeGroupFacts{}
	for name, r := range observed {
		if !strings.HasPrefix(name, compose.NodeGroupPrefix) {
			continue
		}
		s := r.GetResource()
		fp := func(path ...any) *structpb.Value { return valueAt(s, append([]any{"spec", "forProvider"}, path...)...) }
		var types, subnets []string
		for _, v := range fp("instanceTypes").GetListValue().GetValues() {
			types = append(types, v.GetStringValue())
		}
		for _, v := range fp("subnetIdRefs").GetListValue().GetValues() {
			subnets = append(subnets, v.GetStructValue().GetFields()["name"].GetStringValue())
		}
		nodes := fp("scalingConfig", "desiredSize").GetNumberValue()
		if n := valueAt(s, "status", "atProvider", "scalingConfig", "desiredSize"); n != nil {
			nodes = n.GetNumberValue()
		}
		status := stringAt(s, "status", "atProvider", "status")
		out[resource.Name(name)] = compose.NodeGroupFacts{
			Pool:         stringAt(s, "metadata", "labels", compose.LabelNodePool),
			ExternalName: stringAt(s, "metadata", "annotations", compose.AnnotationExternalName),
			ObjectName:   stringAt(s, "metadata", "name"),
			SpecVersion:  fp("version").GetStringValue(),
			Version:      stringAt(s, "status", "atProvider", "version"),
			Ready:        isReady(s) && (status == "" || status == "ACTIVE"),
			Nodes:        int64(nodes),
			Shape:        compose.Shape(types, fp("amiType").GetStringValue(), fp("capacityType").GetStringValue(), int64(fp("diskSize").GetNumberValue()), fp("launchTemplate", "name").GetStringValue(), subnets),
		}
	}
	return out
}

// launchTemplateVersions reads, by pool, the latest version of each
// observed launch template. While one is not observed (the provider
// re-observing), its pool keeps the version its node groups were last
// given: a poll must not hold back or roll back a node group.
func launchTemplateVersions(observed map[string]*fnv1.Resource) map[string]string {
	out := map[string]string{}
	for name, r := range observed {
		if !strings.HasPrefix(name, compose.LaunchTemplatePrefix) {
			continue
		}
		s := r.GetResource()
		v := valueAt(s, "status", "atProvider", "latestVersion").GetNumberValue()
		if pool := stringAt(s, "metadata", "labels", compose.LabelNodePool); pool != "" && v >= 1 && v == math.Trunc(v) {
			out[pool] = strconv.FormatInt(int64(v), 10)
		}
	}
	last := map[string]int64{}
	for name, r := range observed {
		if !strings.HasPrefix(name, compose.NodeGroupPrefix) {
			continue
		}
		s := r.GetResource()
		pool := stringAt(s, "metadata", "labels", compose.LabelNodePool)
		if v, err := strconv.ParseInt(stringAt(s, "spec", "forProvider", "launchTemplate", "version"), 10, 64); err == nil && v > last[pool] {
			last[pool] = v
		}
	}
	for pool, v := range last {
		if _, seen := out[pool]; !seen {
			out[pool] = strconv.FormatInt(v, 10)
		}
	}
	return out
}

// addonVersions reads the version each observed add-on runs and the
// version last asked for.
func addonVersions(observed map[string]*fnv1.Resource) (running, asked map[string]string) {
	running, asked = map[string]string{}, map[string]string{}
	for name, r := range observed {
		addon, ok := strings.CutPrefix(name, compose.AddonPrefix)
		if !ok {
			continue
		}
		s := r.GetResource()
		if v := stringAt(s, "status", "atProvider", "addonVersion"); v != "" {
			running[addon] = v
		}
		if v := stringAt(s, "spec", "forProvider", "addonVersion"); v != "" {
			asked[addon] = v
			if running[addon] == "" {
				running[addon] = v
			}
		}
	}
	return running, asked
}

// retiredNodeGroups re-declares the node groups a pool's replacement has not
// yet made redundant: the old node group of a pool stays until the new one
// is observed ready, so a pool never has no ready node group. Node groups
// of a removed pool, and old ones whose replacement is ready, are left out,
// and Crossplane deletes them.
func retiredNodeGroups(plan *compiledPlan, observed map[string]*fnv1.Resource, isReady readiness, desired map[string]*fnv1.Resource) (kept []string) {
	current := map[string]resource.Name{}
	for _, s := range plan.steps {
		for _, o := range s.Objects {
			if strings.HasPrefix(string(o.Name), compose.NodeGroupPrefix) {
				current[plan.pools[o.Name]] = o.Name
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(observed)) {
		if !strings.HasPrefix(name, compose.NodeGroupPrefix) {
			continue
		}
		if _, ok := plan.bodies[resource.Name(name)]; ok {
			continue
		}
		o := observed[name].GetResource()
		pool := stringAt(o, "metadata", "labels", compose.LabelNodePool)
		replacement, ok := current[pool]
		until := ""
		switch {
		case ok && !isReady[replacement]:
			until = string(replacement) + " is ready"
		case !ok && plan.handedOver[pool]:
			until = "spec.confirmRemoval.nodePools names pool " + pool + ", which Karpenter now serves"
		default:
			continue
		}
		ready := fnv1.Ready_READY_FALSE
		if isReady[resource.Name(name)] {
			ready = fnv1.Ready_READY_TRUE
		}
		desired[name] = &fnv1.Resource{Resource: declaredPart(o), Ready: ready}
		kept = append(kept, name+" until "+until)
		// The launch template it launches from stays with it: a pool
		// Karpenter took over has none in the plan.
		lt := string(compose.NameLaunchTemplate(pool))
		if _, planned := plan.bodies[resource.Name(lt)]; !planned && observed[lt] != nil && desired[lt] == nil {
			ltReady := fnv1.Ready_READY_FALSE
			if isReady[resource.Name(lt)] {
				ltReady = fnv1.Ready_READY_TRUE
			}
			desired[lt] = &fnv1.Resource{Resource: declaredPart(observed[lt].GetResource()), Ready: ltReady}
		}
	}
	return kept
}

// declaredPart is what a function declares of an observed object: its
// identity, labels, annotations and spec, without status or server fields.
func declaredPart(o *structpb.Struct) *structpb.Struct {
	f := o.GetFields()
	md := f["metadata"].GetStructValue().GetFields()
	meta := map[string]*structpb.Value{}
	for _, k := range []string{"name", "namespace", "labels", "annotations"} {
		if v, ok := md[k]; ok {
			meta[k] = v
		}
	}
	return &structpb.Struct{Fields: map[string]*structpb.Value{
		"apiVersion": f["apiVersion"],
		"kind":       f["kind"],
		"metadata":   structpb.NewStructValue(&structpb.Struct{Fields: meta}),
		"spec":       f["spec"],
	}}
}
