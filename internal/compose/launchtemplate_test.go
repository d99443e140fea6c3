package compose

import (
	"slices"
	"testing"

	"github.com/crossplane/function-sdk-go/resource"
	"github.com/google/go-cmp/cmp"

	"github.com/eks-gitops/function-eks-gitops/internal/clusterspec"
)

func TestLaunchTemplate(t *testing.T) {
	cases := map[string]struct {
		amiType    string
		diskSize   int32
		wantDevice string
	}{
		"AL2023":       {amiType: "AL2023_x86_64_STANDARD", diskSize: 50, wantDevice: "/dev/xvda"},
		"Bottlerocket": {amiType: "BOTTLEROCKET_ARM_64", diskSize: 80, wantDevice: "/dev/xvdb"},
		"Windows":      {amiType: "WINDOWS_CORE_2022_x86_64", diskSize: 100, wantDevice: "/dev/sda1"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			p := params(func(p *Params) {
				p.Spec.Tags = map[string]string{"cost-center": "cc-42"}
				p.Spec.NodePools[0].AMIType = tc.amiType
				p.Spec.NodePools[0].DiskSizeGiB = &tc.diskSize
			})
			fp := p.launchTemplate(p.Spec.NodePools[0]).Body["spec"].(map[string]any)["forProvider"].(map[string]any)
			if diff := cmp.Diff(map[string]any{"httpEndpoint": "enabled", "httpTokens": "required", "httpPutResponseHopLimit": int64(2)}, fp["metadataOptions"]); diff != "" {
				t.Errorf("IMDS (-want +got):\n%s", diff)
			}
			wantDisk := []any{map[string]any{"deviceName": tc.wantDevice, "ebs": map[string]any{
				"volumeSize": int64(tc.diskSize), "volumeType": "gp3", "encrypted": "true", "deleteOnTermination": "true",
			}}}
			if diff := cmp.Diff(wantDisk, fp["blockDeviceMappings"]); diff != "" {
				t.Errorf("root volume (-want +got):\n%s", diff)
			}
			// The node groups name their version; a default version the
			// provider moves would be ModifyLaunchTemplate with version 0
			// on a change of the template's tags alone.
			for _, k := range []string{"updateDefaultVersion", "defaultVersion"} {
				if v, ok := fp[k]; ok {
					t.Errorf("the launch template sets %s: %v", k, v)
				}
			}
			// The cost tags reach what the instances create, which a node
			// group's own tags never do.
			var types []string
			for _, s := range fp["tagSpecifications"].([]any) {
				spec := s.(map[string]any)
				types = append(types, spec["resourceType"].(string))
				if got := spec["tags"].(map[string]any)["cost-center"]; got != "cc-42" {
					t.Errorf("%s: cost-center %v", spec["resourceType"], got)
				}
			}
			if diff := cmp.Diff([]string{"instance", "volume", "network-interface"}, types); diff != "" {
				t.Errorf("tagged resource types (-want +got):\n%s", diff)
			}
		})
	}
}

// TestNodeGroupLaunchesFromTheTemplate checks the node group names its
// pool's template at the observed version and sets no disk size (EKS
// refuses both), and waits for the version until it is observed.
func TestNodeGroupLaunchesFromTheTemplate(t *testing.T) {
	p := params(func(*Params) {})
	pool := p.Spec.NodePools[0]
	for name, tc := range map[string]struct {
		versions    map[string]string
		wantVersion string
		wantMissing bool
	}{
		"Observed":    {versions: map[string]string{pool.Name: "3"}, wantVersion: "3"},
		"NotObserved": {wantMissing: true},
	} {
		t.Run(name, func(t *testing.T) {
			objs := p.compute(Facts{LaunchTemplateVersions: tc.versions}, p.Upgrade(Facts{}))
			var ng Object
			for _, o := range objs {
				if o.Body["kind"] == NodeGroupKind {
					ng = o
				}
			}
			fp := ng.Body["spec"].(map[string]any)["forProvider"].(map[string]any)
			if _, ok := fp["diskSize"]; ok {
				t.Error("the node group sets diskSize beside a launch template")
			}
			want := map[string]any{"name": p.LaunchTemplateName(pool.Name), "version": tc.wantVersion}
			if diff := cmp.Diff(want, fp["launchTemplate"]); diff != "" {
				t.Errorf("launchTemplate (-want +got):\n%s", diff)
			}
			if got := ng.Missing != ""; got != tc.wantMissing {
				t.Errorf("held for a missing fact: %v, want %v (%q)", got, tc.wantMissing, ng.Missing)
			}
			if !slices.Contains(ng.Requires, NameLaunchTemplate(pool.Name)) {
				t.Error("the node group does not wait for its launch template")
			}
		})
	}
}

// TestLaunchTemplateChanges checks which pool edits replace the node group
// beside the old one and which roll in place through a new template
// version: a node group made without a launch template, which EKS cannot
// give one, is replaced.
func TestLaunchTemplateChanges(t *testing.T) {
	p := params(func(*Params) {})
	pool := p.Spec.NodePools[0]
	// The running node group, under the names it was made with.
	current := NodeGroupRef{Resource: NodeGroupPrefix + "default-0ld", Object: "payments-dev.ng-default-0ld", AWS: "default-0ld"}
	observedAs := func(shape string) Facts {
		return Facts{NodeGroups: map[resource.Name]NodeGroupFacts{current.Resource: {
			Pool: pool.Name, ExternalName: current.AWS, ObjectName: current.Object, Shape: shape,
		}}}
	}
	subnets := p.PrivateSubnetObjectNames()
	type observed struct {
		diskSize       int64
		launchTemplate string
	}
	lt := observed{launchTemplate: p.LaunchTemplateName(pool.Name)}
	cases := map[string]struct {
		observed observed
		edit     func(*clusterspec.NodePool)
		replaced bool
	}{
		"Unchanged":            {observed: lt},
		"DiskSizeRollsInPlace": {observed: lt, edit: func(np *clusterspec.NodePool) { d := int32(200); np.DiskSizeGiB = &d }},
		"InstanceTypesReplace": {observed: lt, edit: func(np *clusterspec.NodePool) { np.InstanceTypes = []string{"m7i.large"} }, replaced: true},
		"MadeWithoutTemplate":  {observed: observed{diskSize: int64(*pool.DiskSizeGiB)}, replaced: true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			np := pool
			if tc.edit != nil {
				tc.edit(&np)
			}
			shape := Shape(pool.InstanceTypes, pool.AMIType, pool.CapacityType, tc.observed.diskSize, tc.observed.launchTemplate, subnets)
			got := p.NodeGroupOf(np, observedAs(shape))
			if replaced := got != current; replaced != tc.replaced {
				t.Errorf("replaced: %v, want %v (%+v)", replaced, tc.replaced, got)
			}
		})
	}
}
