package validation

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/eks-gitops/function-eks-gitops/input/v1beta1"
	"github.com/eks-gitops/function-eks-gitops/internal/addonversion"
	"github.com/eks-gitops/function-eks-gitops/internal/clusterspec"
	"github.com/eks-gitops/function-eks-gitops/internal/naming"
)

var day = time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)

func validInput() *v1beta1.Input {
	return (&v1beta1.Input{
		ArgoCD:     v1beta1.ArgoCD{HubRoleARN: "arn:aws:iam::111122223333:role/argocd-hub"},
		Cognito:    &v1beta1.Cognito{UserPoolID: "eu-west-1_AbCdEfGhI", Region: "eu-west-1"},
		Repository: &v1beta1.Repository{AccountID: "111122223333", Region: "eu-west-1"},
		Tenancy: v1beta1.Tenancy{Teams: []v1beta1.TeamGrant{
			{Name: "payments", AccountIDs: []string{"444455556666", "444455557777"}, Namespaces: []string{"team-payments"}},
			{Name: "search", AccountIDs: []string{"777788889999"}, Namespaces: []string{"team-search"}},
		}},
	}).WithDefaults()
}

// syncedFrom gives a cluster-scoped XR the annotation Argo CD writes when
// the Application of a team's folder syncs it, unless the case set its own.
func syncedFrom(xr Composite, folder string) Composite {
	if xr.Namespace == "" && xr.Annotations == nil {
		xr.Annotations = map[string]string{v1beta1.DefaultBindingAnnotation: "clusters-" + folder + ":platform.eks-gitops.dev/TeamCluster:/" + xr.Name}
	}
	return xr
}

func validSpec() clusterspec.Spec {
	return clusterspec.Spec{
		Team:        clusterspec.Team{Name: "payments", Members: []string{"alice", "bob.smith", "carol@example.com"}},
		Environment: "dev",
		AWS:         clusterspec.AWS{AccountID: "444455556666", Region: "eu-west-1"},
		Network:     clusterspec.Network{VPCCIDR: "10.20.0.0/16"},
		NodePools: []clusterspec.NodePool{{
			Name: "general", Labels: map[string]string{"workload": "general"},
			Taints: []clusterspec.Taint{{Key: "dedicated", Value: "general", Effect: "NO_SCHEDULE"}},
		}},
		Tags: map[string]string{"owner": "payments-team"},
	}.WithDefaults("1.35")
}

// errorFields returns the field and value of each error, so a case names
// exactly which errors it expects.
func errorFields(errs field.ErrorList) []string {
	if len(errs) == 0 {
		return nil
	}
	out := make([]string, len(errs))
	for i, e := range errs {
		out[i] = e.Field
	}
	return out
}

func TestSpec(t *testing.T) {
	type want struct {
		fields []string
		// rule is a part of the first error's message that names the rule.
		rule string
	}
	autoMode := func(s *clusterspec.Spec) {
		s.Compute.Mode, s.NodePools = clusterspec.ModeAutoMode, nil
	}
	vpcCNI, _ := addonversion.Default("vpc-cni", "1.35")
	cases := map[string]struct {
		reason string
		xr     Composite
		// allow are the compute modes the platform allows, if not the
		// default.
		allow []string
		// environments are the platform's, if any.
		environments []string
		mutate       func(s *clusterspec.Spec)
		want         want
	}{
		"Valid": {
			reason: "The example spec is valid.",
			mutate: func(*clusterspec.Spec) {},
		},
		"PlatformEnvironment": {
			reason:       "An environment the platform lists is valid.",
			environments: []string{"dev", "prod"},
			mutate:       func(*clusterspec.Spec) {},
		},
		"EnvironmentNotThePlatforms": {
			reason:       "Where the platform lists its environments, a team cannot escape prod's defaults by naming another.",
			environments: []string{"dev", "prod"},
			mutate:       func(s *clusterspec.Spec) { s.Environment = "prod2" },
			want:         want{fields: []string{"spec.environment"}, rule: "not one of the platform's environments (dev, prod)"},
		},
		"ModeNotAllowed": {
			reason: "A compute mode the platform has not allowed is refused, naming the ones it allows.",
			mutate: autoMode,
			want:   want{fields: []string{"spec.compute.mode"}, rule: "the platform allows ManagedNodeGroups (compute.modes in its settings), not AutoMode"},
		},
		"AutoMode": {
			reason: "Auto Mode without node pools, where the platform allows it, is valid.",
			allow:  clusterspec.ComputeModes,
			mutate: func(s *clusterspec.Spec) { autoMode(s); s.Addons.MetricsServer = true },
		},
		"AutoModeWithNodePools": {
			reason: "In Auto Mode the team's pools become Auto Mode NodePools beside the built-in ones.",
			allow:  clusterspec.ComputeModes,
			mutate: func(s *clusterspec.Spec) { s.Compute.Mode = clusterspec.ModeAutoMode },
		},
		"AutoModePoolsThatCannotBe": {
			reason: "In Auto Mode the built-in pools' names are taken, and a cluster autoscaler, an AMI release pin, node repair of a node group or a Windows image mean nothing or fight Auto Mode.",
			allow:  clusterspec.ComputeModes,
			mutate: func(s *clusterspec.Spec) {
				s.Compute.Mode = clusterspec.ModeAutoMode
				s.NodePools[0].Name = "general-purpose"
				s.NodePools[0].Autoscaled = true
				s.NodePools[0].ReleaseVersion = "1.35.0-20261120"
				s.NodePools[0].NodeRepair = true
				s.NodePools[0].AMIType = "WINDOWS_CORE_2022_x86_64"
			},
			want: want{fields: []string{"spec.nodePools[0].name", "spec.nodePools[0].autoscaled", "spec.nodePools[0].releaseVersion", "spec.nodePools[0].nodeRepair", "spec.nodePools[0].amiType"}, rule: "EKS Auto Mode has a built-in node pool named general-purpose"},
		},
		"AutoModeWithWhatItRuns": {
			reason: "A second load balancer controller, or a pin of an add-on Auto Mode runs itself, would fight Auto Mode.",
			allow:  clusterspec.ComputeModes,
			mutate: func(s *clusterspec.Spec) {
				autoMode(s)
				s.Addons.AWSLoadBalancerController = true
				s.Addons.Versions = map[string]string{"vpc-cni": vpcCNI}
			},
			want: want{fields: []string{"spec.addons.awsLoadBalancerController", "spec.addons.versions[vpc-cni]"}, rule: "EKS Auto Mode runs load balancing itself"},
		},
		"Karpenter": {
			reason: "Karpenter with the team's pools, where the platform allows it, is valid.",
			allow:  clusterspec.ComputeModes,
			mutate: func(s *clusterspec.Spec) { s.Compute.Mode = clusterspec.ModeKarpenter },
		},
		"KarpenterPoolsThatCannotBe": {
			reason: "In Karpenter mode the system pool's name is taken, a cluster autoscaler would fight Karpenter, and an AMI release pin means nothing to it.",
			allow:  clusterspec.ComputeModes,
			mutate: func(s *clusterspec.Spec) {
				s.Compute.Mode = clusterspec.ModeKarpenter
				s.NodePools[0].Name = "system"
				s.NodePools[0].Autoscaled = true
				s.NodePools[0].ReleaseVersion = "1.35.0-20261120"
			},
			want: want{fields: []string{"spec.nodePools[0].name", "spec.nodePools[0].autoscaled", "spec.nodePools[0].releaseVersion"}, rule: "the managed node group Karpenter runs on is named system"},
		},
		"ReleaseVersion": {
			reason: "An Amazon Linux release for the cluster's Kubernetes version may be pinned.",
			mutate: func(s *clusterspec.Spec) { s.NodePools[0].ReleaseVersion = "1.35.0-20261120" },
		},
		"ReleaseVersionOfAnotherMinor": {
			reason: "An Amazon Linux release of another Kubernetes minor would fail the node group's update at EKS.",
			mutate: func(s *clusterspec.Spec) { s.NodePools[0].ReleaseVersion = "1.34.2-20261101" },
			want:   want{fields: []string{"spec.nodePools[0].releaseVersion"}, rule: "is not a release for Kubernetes 1.35"},
		},
		"ReleaseVersionInjection": {
			reason: "A release version is a version, nothing else.",
			mutate: func(s *clusterspec.Spec) { s.NodePools[0].ReleaseVersion = "1.35.0 --x" },
			want:   want{fields: []string{"spec.nodePools[0].releaseVersion"}, rule: "must be an EKS AMI release version"},
		},
		"AccountIDTooShort": {
			reason: "An account ID must be exactly 12 digits.",
			mutate: func(s *clusterspec.Spec) { s.AWS.AccountID = "12345" },
			want:   want{fields: []string{"spec.aws.accountId"}, rule: "exactly 12 digits"},
		},
		"AccountIDLetters": {
			reason: "An account ID has only digits.",
			mutate: func(s *clusterspec.Spec) { s.AWS.AccountID = "12345678901a" },
			want:   want{fields: []string{"spec.aws.accountId"}, rule: "exactly 12 digits"},
		},
		"UnknownRegion": {
			reason: "A region must look like an AWS region of a supported partition.",
			mutate: func(s *clusterspec.Spec) { s.AWS.Region = "moon-base-1" },
			want:   want{fields: []string{"spec.aws.region"}, rule: "AWS region"},
		},
		"PartitionMismatch": {
			reason: "A China region cannot trust a hub role in the aws partition.",
			mutate: func(s *clusterspec.Spec) { s.AWS.Region = "cn-north-1" },
			want:   want{fields: []string{"spec.aws.region"}, rule: "across partitions"},
		},
		"VPCTooLarge": {
			reason: "AWS allows VPCs of /16 at most.",
			mutate: func(s *clusterspec.Spec) { s.Network.VPCCIDR = "10.0.0.0/8" },
			want:   want{fields: []string{"spec.network.vpcCidr"}, rule: "between /16 and /25"},
		},
		"VPCTooSmall": {
			reason: "Each of the eight subnets must be /28 or larger.",
			mutate: func(s *clusterspec.Spec) { s.Network.VPCCIDR = "10.0.0.0/27" },
			want:   want{fields: []string{"spec.network.vpcCidr"}, rule: "between /16 and /25"},
		},
		"VPCHostBits": {
			reason: "A CIDR with host bits set is a typo.",
			mutate: func(s *clusterspec.Spec) { s.Network.VPCCIDR = "10.20.1.0/16" },
			want:   want{fields: []string{"spec.network.vpcCidr"}, rule: "did you mean 10.20.0.0/16"},
		},
		"VPCPublic": {
			reason: "A VPC must use private address space.",
			mutate: func(s *clusterspec.Spec) { s.Network.VPCCIDR = "8.8.0.0/16" },
			want:   want{fields: []string{"spec.network.vpcCidr"}, rule: "RFC 1918"},
		},
		"VPCNotACIDR": {
			reason: "A VPC CIDR must parse.",
			mutate: func(s *clusterspec.Spec) { s.Network.VPCCIDR = "10.0.0.0" },
			want:   want{fields: []string{"spec.network.vpcCidr"}, rule: "not a CIDR"},
		},
		"ServiceCIDROverlapsVPC": {
			reason: "EKS rejects a service CIDR that overlaps the VPC.",
			mutate: func(s *clusterspec.Spec) { s.Network.ServiceCIDR = "10.20.128.0/20" },
			want:   want{fields: []string{"spec.network.serviceCidr"}, rule: "overlaps the VPC"},
		},
		"ServiceCIDRTooLarge": {
			reason: "EKS needs a /12 to /24 service CIDR.",
			mutate: func(s *clusterspec.Spec) { s.Network.ServiceCIDR = "172.0.0.0/8" },
			want:   want{fields: []string{"spec.network.serviceCidr"}, rule: "/12 and /24"},
		},
		"OneZone": {
			reason: "EKS needs subnets in two zones.",
			mutate: func(s *clusterspec.Spec) { s.Network.AvailabilityZones = 1 },
			want:   want{fields: []string{"spec.network.availabilityZones"}, rule: "two zones"},
		},
		"TooManyZones": {
			reason: "The layout has room for four zones.",
			mutate: func(s *clusterspec.Spec) { s.Network.AvailabilityZones = 5 },
			want:   want{fields: []string{"spec.network.availabilityZones"}, rule: "between 2"},
		},
		"ZoneOfOtherRegion": {
			reason: "Zones must belong to the region.",
			mutate: func(s *clusterspec.Spec) {
				s.Network.AvailabilityZones = 2
				s.Network.Zones = []string{"eu-west-1a", "us-east-1b"}
			},
			want: want{fields: []string{"spec.network.zones[1]"}, rule: "zone of region eu-west-1"},
		},
		"UnsupportedVersion": {
			reason: "A version EKS no longer supports is refused.",
			mutate: func(s *clusterspec.Spec) { s.KubernetesVersion = "1.29" },
			want:   want{fields: []string{"spec.kubernetesVersion"}, rule: "not supported by EKS"},
		},
		"FutureVersion": {
			reason: "A version EKS does not offer yet is refused.",
			mutate: func(s *clusterspec.Spec) { s.KubernetesVersion = "1.40" },
			want:   want{fields: []string{"spec.kubernetesVersion"}, rule: "not supported by EKS"},
		},
		"ExtendedVersionOnStandard": {
			reason: "A version in extended support needs supportType EXTENDED.",
			mutate: func(s *clusterspec.Spec) { s.KubernetesVersion = "1.33" },
			want:   want{fields: []string{"spec.kubernetesVersion"}, rule: "extended support only"},
		},
		"MinAboveMax": {
			reason: "minSize must not exceed maxSize.",
			mutate: func(s *clusterspec.Spec) {
				s.NodePools[0].MinSize, s.NodePools[0].MaxSize = ptr(int32(5)), ptr(int32(3))
			},
			want: want{fields: []string{"spec.nodePools[0].minSize"}, rule: "must not exceed maxSize"},
		},
		"DesiredAboveMax": {
			reason: "desiredSize must lie between minSize and maxSize.",
			mutate: func(s *clusterspec.Spec) { s.NodePools[0].DesiredSize = ptr(int32(9)) },
			want:   want{fields: []string{"spec.nodePools[0].desiredSize"}, rule: "between minSize"},
		},
		"BadInstanceType": {
			reason: "Instance types look like family.size.",
			mutate: func(s *clusterspec.Spec) { s.NodePools[0].InstanceTypes = []string{"large"} },
			want:   want{fields: []string{"spec.nodePools[0].instanceTypes[0]"}, rule: "EC2 instance type"},
		},
		"UnknownInstanceType": {
			reason: "A type EC2 does not have would fail at AWS after the merge; the nearest one is named.",
			mutate: func(s *clusterspec.Spec) { s.NodePools[0].InstanceTypes = []string{"m6i.larg"} },
			want:   want{fields: []string{"spec.nodePools[0].instanceTypes[0]"}, rule: "is not an EC2 instance type (instance type table of"},
		},
		"ArmTypeWithX86AMI": {
			reason: "A Graviton type cannot boot the default x86 AMI; an x86 type of the same size and the Arm build of the same AMI are named.",
			mutate: func(s *clusterspec.Spec) { s.NodePools[0].InstanceTypes = []string{"m6i.large", "m7g.large"} },
			want:   want{fields: []string{"spec.nodePools[0].instanceTypes[1]"}, rule: "runs arm64, and amiType AL2023_x86_64_STANDARD boots x86_64: pick an instance type that runs x86_64, such as m7a.large (2 vCPU, 8 GiB), or set amiType AL2023_ARM_64_STANDARD for every instance type of the pool"},
		},
		"ArmTypeWithArmAMI": {
			reason: "Graviton with the Arm AMI is valid.",
			mutate: func(s *clusterspec.Spec) {
				s.NodePools[0].InstanceTypes, s.NodePools[0].AMIType = []string{"m7g.large", "c7g.large"}, "AL2023_ARM_64_STANDARD"
			},
		},
		"BadAMIType": {
			reason: "AMI types come from the EKS API's enum.",
			mutate: func(s *clusterspec.Spec) { s.NodePools[0].AMIType = "UBUNTU" },
			want:   want{fields: []string{"spec.nodePools[0].amiType"}, rule: "supported values"},
		},
		"CustomAMIType": {
			reason: "CUSTOM needs a launch template, which the function does not build.",
			mutate: func(s *clusterspec.Spec) { s.NodePools[0].AMIType = "CUSTOM" },
			want:   want{fields: []string{"spec.nodePools[0].amiType"}, rule: "supported values"},
		},
		"BadCapacityType": {
			reason: "Capacity types come from the EKS API's enum.",
			mutate: func(s *clusterspec.Spec) { s.NodePools[0].CapacityType = "RESERVED" },
			want:   want{fields: []string{"spec.nodePools[0].capacityType"}, rule: "supported values"},
		},
		"DuplicatePool": {
			reason: "Pool names must be unique.",
			mutate: func(s *clusterspec.Spec) { s.NodePools = append(s.NodePools, s.NodePools[0]) },
			want:   want{fields: []string{"spec.nodePools[1].name"}, rule: "Duplicate"},
		},
		"BadLabel": {
			reason: "Node labels follow Kubernetes label syntax.",
			mutate: func(s *clusterspec.Spec) { s.NodePools[0].Labels = map[string]string{"team": "a b"} },
			want:   want{fields: []string{"spec.nodePools[0].labels[team]"}, rule: "label value"},
		},
		"BadTaintEffect": {
			reason: "Taint effects use the EKS names.",
			mutate: func(s *clusterspec.Spec) { s.NodePools[0].Taints[0].Effect = "NoSchedule" },
			want:   want{fields: []string{"spec.nodePools[0].taints[0].effect"}, rule: "supported values"},
		},
		"ReservedTag": {
			reason: "aws: tags are AWS's.",
			mutate: func(s *clusterspec.Spec) { s.Tags = map[string]string{"aws:createdBy": "me"} },
			want:   want{fields: []string{"spec.tags[aws:createdBy]"}, rule: "reserved by AWS"},
		},
		"BadTagCharacters": {
			reason: "Tags allow a limited character set.",
			mutate: func(s *clusterspec.Spec) { s.Tags = map[string]string{"owner": "a;b"} },
			want:   want{fields: []string{"spec.tags[owner]"}, rule: "tag value"},
		},
		"TeamNameWithComma": {
			reason: "A comma in a team name would break Argo CD's CSV policy.",
			mutate: func(s *clusterspec.Spec) { s.Team.Name = "a,b" },
			want:   want{fields: []string{"spec.team.name"}, rule: "Argo CD RBAC"},
		},
		"TeamNameWithNewline": {
			reason: "A newline in a team name would add a policy line.",
			mutate: func(s *clusterspec.Spec) { s.Team.Name = "a\ng, x, role:admin" },
			want:   want{fields: []string{"spec.team.name"}, rule: "Argo CD RBAC"},
		},
		"TeamNameWithGlob": {
			reason: "A glob in a team name would widen a policy.",
			mutate: func(s *clusterspec.Spec) { s.Team.Name = "team*" },
			want:   want{fields: []string{"spec.team.name"}, rule: "Argo CD RBAC"},
		},
		"MemberWithQuote": {
			reason: "A quote in a member name is refused.",
			mutate: func(s *clusterspec.Spec) { s.Team.Members = []string{`bob"`} },
			want:   want{fields: []string{"spec.team.members[0]"}, rule: "Cognito username"},
		},
		"MemberWithNewline": {
			reason: "A newline in a member name is refused.",
			mutate: func(s *clusterspec.Spec) { s.Team.Members = []string{"bob\ng, bob, role:admin"} },
			want:   want{fields: []string{"spec.team.members[0]"}, rule: "Cognito username"},
		},
		"DuplicateMember": {
			reason: "A member listed twice is refused, case-insensitively.",
			mutate: func(s *clusterspec.Spec) { s.Team.Members = []string{"bob", "Bob"} },
			want:   want{fields: []string{"spec.team.members[1]"}, rule: "Duplicate"},
		},
		"BadEnvironment": {
			reason: "Environments are DNS-safe.",
			mutate: func(s *clusterspec.Spec) { s.Environment = "Prod" },
			want:   want{fields: []string{"spec.environment"}, rule: "lowercase"},
		},
		"XRNameTooLongForIAM": {
			reason: "IAM role names derived from the XR's name must fit 64 characters.",
			xr:     Composite{Name: strings.Repeat("a", 60), Scheme: naming.Legacy},
			mutate: func(*clusterspec.Spec) {},
			want:   want{fields: []string{"metadata.name", "metadata.name", "metadata.name", "spec.nodePools[0].name", "metadata.name"}, rule: "IAM role name"},
		},
		"XRNameTooLongForLabel": {
			reason: "The XR's name becomes a label value on every composed resource.",
			xr:     Composite{Name: strings.Repeat("a", 64)},
			mutate: func(*clusterspec.Spec) {},
			want:   want{fields: []string{"metadata.name"}, rule: "DNS-1123 label"},
		},
		"PoolNameTooLongForNodeGroup": {
			reason: "EKS node group names have at most 63 characters.",
			xr:     Composite{Name: strings.Repeat("a", 40), Scheme: naming.Legacy},
			mutate: func(s *clusterspec.Spec) { s.NodePools[0].Name = strings.Repeat("p", 30) },
			want:   want{fields: []string{"spec.nodePools[0].name"}, rule: "node group name"},
		},
		"HashedNamesAlwaysFit": {
			reason: "In the Hashed scheme a 63-character XR name and a 32-character pool give names within every limit.",
			xr:     Composite{Name: strings.Repeat("a", 63)},
			mutate: func(s *clusterspec.Spec) { s.NodePools[0].Name = strings.Repeat("p", 32) },
		},
		"LegacyXRNamedDefault": {
			reason: "A Legacy XR named default would own Argo CD's default project.",
			xr:     Composite{Name: "default", Scheme: naming.Legacy},
			mutate: func(*clusterspec.Spec) {},
			want:   want{fields: []string{"metadata.name"}, rule: "Argo CD's own"},
		},
		"LegacyXRNamedInCluster": {
			reason: "A Legacy XR named in-cluster would take Argo CD's in-cluster name.",
			xr:     Composite{Name: "in-cluster", Scheme: naming.Legacy},
			mutate: func(*clusterspec.Spec) {},
			want:   want{fields: []string{"metadata.name"}, rule: "Argo CD's own"},
		},
		"HashedXRNamedDefault": {
			reason: "A new XR named default gets prefixed, hashed names and is accepted.",
			xr:     Composite{Name: "default"},
			mutate: func(*clusterspec.Spec) {},
		},
		"TeamNotGranted": {
			reason: "A team the platform granted nothing to is refused.",
			mutate: func(s *clusterspec.Spec) { s.Team.Name = "intruders" },
			want:   want{fields: []string{"spec.team.name"}, rule: "not a team the platform granted"},
		},
		"AccountNotGranted": {
			reason: "Another team's account is refused.",
			mutate: func(s *clusterspec.Spec) { s.AWS.AccountID = "777788889999" },
			want:   want{fields: []string{"spec.aws.accountId"}, rule: "not granted to team payments"},
		},
		"SecondGrantedAccount": {
			reason: "Any of the team's accounts may be used.",
			mutate: func(s *clusterspec.Spec) { s.AWS.AccountID = "444455557777" },
		},
		"ZoneNotGranted": {
			reason: "external-dns may write only in the team's own zones: another team's zone in the same account, or any zone not granted, is refused.",
			mutate: func(s *clusterspec.Spec) {
				s.Addons.ExternalDNS = true
				s.Addons.HostedZones = []clusterspec.HostedZone{{ID: "Z0SEARCH", Domain: "search.example.com"}}
			},
			want: want{fields: []string{"spec.addons.hostedZones[0].id"}, rule: "hosted zone Z0SEARCH is not granted to team payments"},
		},
		"AnotherTeamFromItsFolder": {
			reason: "A manifest in teams/payments/ naming team search and search's account is bound to payments by the Application that synced it.",
			mutate: func(s *clusterspec.Spec) { s.Team.Name = "search"; s.AWS.AccountID = "777788889999" },
			want:   want{fields: []string{"metadata.annotations[argocd.argoproj.io/tracking-id]"}, rule: `must be synced by the Argo CD Application clusters-search, from the platform repository's folder of team search; this XR was synced by "clusters-payments"`},
		},
		"ClusterScopedNotSynced": {
			reason: "A cluster-scoped XR no team's Application synced is bound to no team.",
			xr:     Composite{Name: "payments-dev", Annotations: map[string]string{}},
			mutate: func(*clusterspec.Spec) {},
			want:   want{fields: []string{"metadata.annotations[argocd.argoproj.io/tracking-id]"}, rule: "carries no annotation saying which Application synced it"},
		},
		"ClusterScopedOtherAnnotationsIgnored": {
			reason: "Only the application name before the first colon counts; Argo CD writes the rest.",
			xr:     Composite{Name: "payments-dev", Annotations: map[string]string{v1beta1.DefaultBindingAnnotation: "clusters-payments:anything"}},
			mutate: func(*clusterspec.Spec) {},
		},
		"NamespaceNotGranted": {
			reason: "A namespaced XR in a namespace granted to no team is refused.",
			xr:     Composite{Name: "payments-dev", Namespace: "somewhere"},
			mutate: func(*clusterspec.Spec) {},
			want:   want{fields: []string{"metadata.namespace"}, rule: "not granted to any team"},
		},
		"NamespaceOfAnotherTeam": {
			reason: "A namespaced XR cannot claim another team in a namespace granted to its own.",
			xr:     Composite{Name: "payments-dev", Namespace: "team-search"},
			mutate: func(*clusterspec.Spec) {},
			want:   want{fields: []string{"spec.team.name"}, rule: "belongs to team search"},
		},
		"NamespaceAccountNotGranted": {
			reason: "A namespaced XR in its team's namespace still gets only the team's accounts.",
			xr:     Composite{Name: "payments-dev", Namespace: "team-payments"},
			mutate: func(s *clusterspec.Spec) { s.AWS.AccountID = "777788889999" },
			want:   want{fields: []string{"spec.aws.accountId"}, rule: "not granted to team payments"},
		},
		"NamespacedGranted": {
			reason: "A namespaced XR in its team's namespace with its account is accepted.",
			xr:     Composite{Name: "payments-dev", Namespace: "team-payments"},
			mutate: func(*clusterspec.Spec) {},
		},
		"TooManyMembers": {
			reason: "Members are bounded, so a response stays far below Crossplane's 4 MiB.",
			mutate: func(s *clusterspec.Spec) {
				s.Team.Members = nil
				for i := range MaxMembers + 1 {
					s.Team.Members = append(s.Team.Members, fmt.Sprintf("user%d", i))
				}
			},
			want: want{fields: []string{"spec.team.members"}, rule: "must have at most 1000 items"},
		},
		"TooManyAdmins": {
			reason: "Admins are bounded too.",
			mutate: func(s *clusterspec.Spec) {
				for i := range MaxAdmins + 1 {
					s.Team.Admins = append(s.Team.Admins, fmt.Sprintf("admin%d", i))
				}
			},
			want: want{fields: []string{"spec.team.admins"}, rule: "must have at most 200 items"},
		},
		"TooManyTagsTogether": {
			reason: "The XR's tags, the platform's and the function's own must fit AWS's 50 per resource.",
			mutate: func(s *clusterspec.Spec) {
				s.Tags = map[string]string{}
				for i := range 44 {
					s.Tags[fmt.Sprintf("t%02d", i)] = "v"
				}
			},
			want: want{fields: []string{"spec.tags"}, rule: "must have at most 43 items"},
		},
		"MostTagsThatFit": {
			reason: "43 tags of the XR's own and the function's 7 make exactly 50.",
			mutate: func(s *clusterspec.Spec) {
				s.Tags = map[string]string{}
				for i := range 43 {
					s.Tags[fmt.Sprintf("t%02d", i)] = "v"
				}
			},
		},
		"ZoneNotInRegion": {
			reason: "ca-central-1c does not exist.",
			mutate: func(s *clusterspec.Spec) {
				s.AWS.Region = "ca-central-1"
				s.Network.Zones = []string{"ca-central-1a", "ca-central-1c"}
				s.Network.AvailabilityZones = 2
			},
			want: want{fields: []string{"spec.network.zones[1]"}, rule: "ca-central-1a, ca-central-1b, ca-central-1d"},
		},
		"DefaultZonesSkipMissingLetters": {
			reason: "Three default zones of ca-central-1 are a, b and d.",
			mutate: func(s *clusterspec.Spec) { s.AWS.Region = "ca-central-1" },
		},
		"MoreZonesThanTheRegionHas": {
			reason: "us-west-1 offers two zones to an account.",
			mutate: func(s *clusterspec.Spec) { s.AWS.Region = "us-west-1"; s.Network.AvailabilityZones = 3 },
			want:   want{fields: []string{"spec.network.availabilityZones"}, rule: "only 2 zones"},
		},
		"RegionNotInZoneTable": {
			reason: "A region the zone table does not know is refused rather than guessed at.",
			mutate: func(s *clusterspec.Spec) { s.AWS.Region = "eu-west-9" },
			want:   want{fields: []string{"spec.aws.region"}, rule: "zone table"},
		},
		"SubnetsTooSmallForPools": {
			reason: "A /25 VPC gives /28 private subnets, too small for the VPC CNI.",
			mutate: func(s *clusterspec.Spec) { s.Network.VPCCIDR = "10.20.0.0/25" },
			want:   want{fields: []string{"spec.network.vpcCidr"}, rule: "too small"},
		},
		"SubnetsTooSmallForLargePools": {
			reason: "A /22 VPC cannot hold 1,000 nodes.",
			mutate: func(s *clusterspec.Spec) {
				s.Network.VPCCIDR = "10.20.0.0/22"
				s.NodePools[0].MaxSize = ptr(int32(1000))
			},
			want: want{fields: []string{"spec.network.vpcCidr"}, rule: "334 nodes per zone"},
		},
		"UnknownAddonVersion": {
			reason: "Only known add-ons may be pinned.",
			mutate: func(s *clusterspec.Spec) { s.Addons.Versions = map[string]string{"istio": "v1.0.0"} },
			want:   want{fields: []string{"spec.addons.versions[istio]"}, rule: "supported values"},
		},
		"DNSAddonWithoutZones": {
			reason: "external-dns with no zone would get a policy that names no zone: refused, not half-built.",
			mutate: func(s *clusterspec.Spec) { s.Addons.ExternalDNS = true },
			want:   want{fields: []string{"spec.addons.hostedZones"}, rule: "at least one Route 53 hosted zone"},
		},
		"ZonesWithoutDNSAddon": {
			reason: "Zones nothing uses are a mistake to report, not to ignore.",
			mutate: func(s *clusterspec.Spec) {
				s.Addons.HostedZones = []clusterspec.HostedZone{{ID: "Z1", Domain: "a.example.com"}}
			},
			want: want{fields: []string{"spec.addons.hostedZones"}, rule: "only externalDns and certManager"},
		},
		"HostedZoneIDInjection": {
			reason: "A zone ID lands in an IAM ARN: a wildcard or a path would widen the policy to every zone.",
			mutate: func(s *clusterspec.Spec) {
				s.Addons.CertManager = true
				s.Addons.HostedZones = []clusterspec.HostedZone{{ID: "*", Domain: "a.example.com"}, {ID: "Z1/../*", Domain: "b.example.com"}, {ID: "z1", Domain: "c.example.com"}}
			},
			want: want{fields: []string{"spec.addons.hostedZones[0].id", "spec.addons.hostedZones[1].id", "spec.addons.hostedZones[2].id"}, rule: "Route 53 hosted zone ID"},
		},
		"DomainFilterInjection": {
			reason: "Domains are joined with commas into external-dns's filter: a comma or a wildcard would add domains.",
			mutate: func(s *clusterspec.Spec) {
				s.Addons.ExternalDNS = true
				s.Addons.HostedZones = []clusterspec.HostedZone{{ID: "Z1", Domain: "a.example.com,example.org"}, {ID: "Z2", Domain: "*.example.com"}, {ID: "Z3", Domain: "Example.com."}}
			},
			want: want{fields: []string{"spec.addons.hostedZones[0].domain", "spec.addons.hostedZones[1].domain", "spec.addons.hostedZones[2].domain"}, rule: "lowercase DNS name"},
		},
		"DuplicateZones": {
			reason: "A zone named twice is a copy-paste mistake.",
			mutate: func(s *clusterspec.Spec) {
				s.Addons.ExternalDNS = true
				s.Addons.HostedZones = []clusterspec.HostedZone{{ID: "Z1", Domain: "a.example.com"}, {ID: "Z1", Domain: "a.example.com"}}
			},
			want: want{fields: []string{"spec.addons.hostedZones[1].id", "spec.addons.hostedZones[1].domain"}, rule: "Duplicate"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s := validSpec()
			tc.mutate(&s)
			xr := tc.xr
			if xr.Name == "" {
				xr.Name = "payments-dev"
			}
			in := validInput()
			if tc.allow != nil {
				in.Compute.Modes = tc.allow
			}
			for _, e := range tc.environments {
				if in.Environments == nil {
					in.Environments = map[string]v1beta1.Environment{}
				}
				in.Environments[e] = v1beta1.Environment{}
			}
			errs := Spec(syncedFrom(xr, "payments"), s, in, day)
			if diff := cmp.Diff(tc.want.fields, errorFields(errs)); diff != "" {
				t.Fatalf("%s\nSpec(...): -want fields, +got fields:\n%s\nerrors: %v", tc.reason, diff, errs)
			}
			if len(errs) > 0 && !strings.Contains(errs[0].Error(), tc.want.rule) {
				t.Errorf("%s\nSpec(...): error %q does not name the rule %q", tc.reason, errs[0].Error(), tc.want.rule)
			}
		})
	}
}

func TestInput(t *testing.T) {
	cases := map[string]struct {
		reason string
		mutate func(in *v1beta1.Input)
		want   []string
	}{
		"Valid": {
			reason: "The defaults plus a hub role are valid.",
			mutate: func(*v1beta1.Input) {},
		},
		"SupportNoticeDays": {
			reason: "A notice day is within the two years a version's support lasts, and each is given once.",
			mutate: func(in *v1beta1.Input) { in.Upgrade.SupportNoticeDays = []int{90, 0, 800, 90} },
			want:   []string{"input.upgrade.supportNoticeDays[1]", "input.upgrade.supportNoticeDays[2]", "input.upgrade.supportNoticeDays[3]"},
		},
		"AuditLogsOff": {
			reason: "Every cluster sends its audit log: a set without audit is refused.",
			mutate: func(in *v1beta1.Input) { in.Compliance.ControlPlaneLogTypes = []string{"api"} },
			want:   []string{"input.compliance.controlPlaneLogTypes"},
		},
		"UnknownLogType": {
			reason: "Only EKS's five log types exist.",
			mutate: func(in *v1beta1.Input) { in.Compliance.ControlPlaneLogTypes = []string{"audit", "kubelet"} },
			want:   []string{"input.compliance.controlPlaneLogTypes[1]"},
		},
		"RetentionCloudWatchRefuses": {
			reason: "CloudWatch Logs accepts only its own retention periods.",
			mutate: func(in *v1beta1.Input) { in.Compliance.LogRetentionDays = ptr(int64(100)) },
			want:   []string{"input.compliance.logRetentionDays"},
		},
		"KeyWindowTooShort": {
			reason: "KMS waits at least 7 days before deleting a key.",
			mutate: func(in *v1beta1.Input) { in.Compliance.KeyDeletionWindowDays = ptr(int64(3)) },
			want:   []string{"input.compliance.keyDeletionWindowDays"},
		},
		"LiftedForNotAnXR": {
			reason: "A lifted protection names an XR as namespace/name or name.",
			mutate: func(in *v1beta1.Input) { in.Compliance.DeletionProtectionLiftedFor = []string{"team-a/Prod"} },
			want:   []string{"input.compliance.deletionProtectionLiftedFor[0]"},
		},
		"EnvironmentDefaults": {
			reason: "An environment's own defaults are checked like the Input's.",
			mutate: func(in *v1beta1.Input) {
				in.Environments = map[string]v1beta1.Environment{
					"Prod": {},
					"prod": {
						NATGateways:    "Three",
						EndpointAccess: &v1beta1.EndpointAccess{Public: ptr(true)},
						Compliance:     &v1beta1.Compliance{ControlPlaneLogTypes: []string{"api"}, LogRetentionDays: ptr(int64(400))},
					},
				}
			},
			want: []string{"input.environments[Prod]", "input.environments[prod].natGateways", "input.environments[prod].endpointAccess.publicAccessCidrs", "input.environments[prod].compliance.controlPlaneLogTypes"},
		},
		"NoTeams": {
			reason: "The platform must grant teams explicitly; nothing is open by default.",
			mutate: func(in *v1beta1.Input) { in.Tenancy.Teams = nil },
			want:   []string{"input.tenancy.teams"},
		},
		"TeamWithoutAccounts": {
			reason: "A team needs an account.",
			mutate: func(in *v1beta1.Input) { in.Tenancy.Teams[0].AccountIDs = nil },
			want:   []string{"input.tenancy.teams[0].accountIds"},
		},
		"GrantedBadAccount": {
			reason: "Granted accounts are 12 digits.",
			mutate: func(in *v1beta1.Input) { in.Tenancy.Teams[0].AccountIDs = []string{"1234"} },
			want:   []string{"input.tenancy.teams[0].accountIds[0]"},
		},
		"TeamGrantedTwice": {
			reason: "A team is granted once.",
			mutate: func(in *v1beta1.Input) { in.Tenancy.Teams[1].Name = "payments" },
			want:   []string{"input.tenancy.teams[1].name"},
		},
		"NamespaceOfTwoTeams": {
			reason: "A namespace belongs to one team.",
			mutate: func(in *v1beta1.Input) { in.Tenancy.Teams[1].Namespaces = []string{"team-payments"} },
			want:   []string{"input.tenancy.teams[1].namespaces[0]"},
		},
		"EnvironmentPlaceholder": {
			reason: "A team writes its environment freely: a ProviderConfig named after it could be another team's.",
			mutate: func(in *v1beta1.Input) { in.ProviderConfigRef.Name = "aws-{environment}" },
			want:   []string{"input.providerConfigRef.name"},
		},
		"CentralNamespacedProviderConfig": {
			reason: "A namespaced ProviderConfig for the central Cognito pool resolves in a namespaced XR's own namespace, where the team could make one.",
			mutate: func(in *v1beta1.Input) { in.Cognito.ProviderConfigRef.Kind = "ProviderConfig" },
			want:   []string{"input.cognito.providerConfigRef.kind"},
		},
		"CentralPlaceholder": {
			reason: "The central repository account is the same for every team: no placeholder.",
			mutate: func(in *v1beta1.Input) { in.Repository.ProviderConfigRef.Name = "aws-{accountId}" },
			want:   []string{"input.repository.providerConfigRef.name"},
		},
		"HubNamespacedProviderConfig": {
			reason: "provider-kubernetes' ProviderConfig for the hub is the platform's.",
			mutate: func(in *v1beta1.Input) { in.KubernetesProviderConfigRef.Kind = "ProviderConfig" },
			want:   []string{"input.kubernetesProviderConfigRef.kind"},
		},
		"CrossplaneNamespaceGranted": {
			reason: "Crossplane's namespace holds the providers' credentials.",
			mutate: func(in *v1beta1.Input) {
				in.ManagedResourceNamespace = "platform-resources"
				in.Tenancy.Teams[0].Namespaces = []string{"crossplane-system"}
			},
			want: []string{"input.tenancy.teams[0].namespaces[0]"},
		},
		"KubeSystemGranted": {
			reason: "Kubernetes' own namespaces are never a team's.",
			mutate: func(in *v1beta1.Input) { in.Tenancy.Teams[0].Namespaces = []string{"kube-system"} },
			want:   []string{"input.tenancy.teams[0].namespaces[0]"},
		},
		"AccountOfTwoTeams": {
			reason: "One account granted to two teams would let each team's roles reach the other's clusters.",
			mutate: func(in *v1beta1.Input) { in.Tenancy.Teams[1].AccountIDs = []string{"444455556666"} },
			want:   []string{"input.tenancy.teams[1].accountIds[0]"},
		},
		"ZoneOfTwoTeams": {
			reason: "A hosted zone granted to two teams would let one team's external-dns change the other's records.",
			mutate: func(in *v1beta1.Input) {
				in.Tenancy.Teams[0].HostedZoneIDs = []string{"Z0SHARED"}
				in.Tenancy.Teams[1].HostedZoneIDs = []string{"Z0SHARED"}
			},
			want: []string{"input.tenancy.teams[1].hostedZoneIds[0]"},
		},
		"BindingWithoutTeam": {
			reason: "One Application for every team's folder would bind every cluster-scoped XR to any team.",
			mutate: func(in *v1beta1.Input) { in.Tenancy.ClusterScopedBinding.Application = "all-clusters" },
			want:   []string{"input.tenancy.clusterScopedBinding.application"},
		},
		"FolderWithoutTeam": {
			reason: "A folder pattern without {team} would make one folder every team's.",
			mutate: func(in *v1beta1.Input) { in.Tenancy.ClusterScopedBinding.Folder = "teams" },
			want:   []string{"input.tenancy.clusterScopedBinding.folder"},
		},
		"FolderTeamInsideASegment": {
			reason: "{team} must be a whole folder name, or team a's folder would also match team ab's.",
			mutate: func(in *v1beta1.Input) { in.Tenancy.ClusterScopedBinding.Folder = "teams/team-{team}" },
			want:   []string{"input.tenancy.clusterScopedBinding.folder"},
		},
		"FolderLeavesTheRepository": {
			reason: "A folder is relative to the repository's root, without .. or an empty segment.",
			mutate: func(in *v1beta1.Input) { in.Tenancy.ClusterScopedBinding.Folder = "../{team}" },
			want:   []string{"input.tenancy.clusterScopedBinding.folder"},
		},
		"FolderTwoTeams": {
			reason: "Two {team} segments could name two teams.",
			mutate: func(in *v1beta1.Input) { in.Tenancy.ClusterScopedBinding.Folder = "{team}/{team}" },
			want:   []string{"input.tenancy.clusterScopedBinding.folder"},
		},
		"BindingAnnotationInvalid": {
			reason: "The binding annotation must be one Kubernetes can hold.",
			mutate: func(in *v1beta1.Input) { in.Tenancy.ClusterScopedBinding.Annotation = "not an annotation" },
			want:   []string{"input.tenancy.clusterScopedBinding.annotation"},
		},
		"SharedNamespaceGranted": {
			reason: "Argo CD's namespace cannot be a team's.",
			mutate: func(in *v1beta1.Input) { in.Tenancy.Teams[0].Namespaces = []string{"argocd"} },
			want:   []string{"input.tenancy.teams[0].namespaces[0]"},
		},
		"ManagedResourceNamespaceGranted": {
			reason: "The namespace of cluster-scoped XRs' managed resources cannot be a team's.",
			mutate: func(in *v1beta1.Input) { in.Tenancy.Teams[0].Namespaces = []string{"crossplane-system"} },
			want:   []string{"input.tenancy.teams[0].namespaces[0]"},
		},
		"PrefixArgoCD": {
			reason: "A prefix starting like Argo CD's own objects is refused.",
			mutate: func(in *v1beta1.Input) { in.NamePrefix = "argocd-" },
			want:   []string{"input.namePrefix"},
		},
		"PrefixClusterSecret": {
			reason: "cluster- is how Argo CD's CLI names cluster Secrets.",
			mutate: func(in *v1beta1.Input) { in.NamePrefix = "cluster-" },
			want:   []string{"input.namePrefix"},
		},
		"PrefixWithoutDash": {
			reason: "The prefix ends with a dash, so it reads apart from the name.",
			mutate: func(in *v1beta1.Input) { in.NamePrefix = "teams" },
			want:   []string{"input.namePrefix"},
		},
		"PrefixTooLong": {
			reason: "A long prefix would push project names past 63 characters.",
			mutate: func(in *v1beta1.Input) { in.NamePrefix = "a-very-long-prefix-" },
			want:   []string{"input.namePrefix"},
		},
		"NoHubRole": {
			reason: "The hub role is required.",
			mutate: func(in *v1beta1.Input) { in.ArgoCD.HubRoleARN = "" },
			want:   []string{"input.argocd.hubRoleArn"},
		},
		"HubRoleNotARole": {
			reason: "The hub role must be an IAM role ARN.",
			mutate: func(in *v1beta1.Input) { in.ArgoCD.HubRoleARN = "arn:aws:iam::111122223333:user/bob" },
			want:   []string{"input.argocd.hubRoleArn"},
		},
		"HubRoleUnderTheFunctionsPath": {
			reason: "The provisioning role may change every role under /eks-gitops/; the hub role there could be taken over through it.",
			mutate: func(in *v1beta1.Input) { in.ArgoCD.HubRoleARN = "arn:aws:iam::111122223333:role/eks-gitops/argocd-hub" },
			want:   []string{"input.argocd.hubRoleArn"},
		},
		"TeamRolesUnderTheFunctionsPath": {
			reason: "People's roles under /eks-gitops/ could be rewritten through the provisioning role.",
			mutate: func(in *v1beta1.Input) {
				in.TeamAccess = &v1beta1.TeamAccess{
					AdminRoleARN:  "arn:aws:iam::{accountId}:role/eks-gitops/{team}-admins",
					MemberRoleARN: "arn:aws:iam::{accountId}:role/eks-gitops/{team}-members",
				}
			},
			want: []string{"input.teamAccess.adminRoleArn", "input.teamAccess.memberRoleArn"},
		},
		"PublicWithoutCIDRs": {
			reason: "A public endpoint must name who may reach it.",
			mutate: func(in *v1beta1.Input) { in.EndpointAccess.Public = ptr(true) },
			want:   []string{"input.endpointAccess.publicAccessCidrs"},
		},
		"NoEndpoint": {
			reason: "An endpoint must be reachable somehow.",
			mutate: func(in *v1beta1.Input) { in.EndpointAccess.Private = ptr(false) },
			want:   []string{"input.endpointAccess"},
		},
		"BadNAT": {
			reason: "The NAT layout is PerAZ or Single.",
			mutate: func(in *v1beta1.Input) { in.NATGateways = "None" },
			want:   []string{"input.natGateways"},
		},
		"BadProviderConfigPattern": {
			reason: "Only the documented placeholders are allowed.",
			mutate: func(in *v1beta1.Input) { in.ProviderConfigRef.Name = "aws-{account}" },
			want:   []string{"input.providerConfigRef.name"},
		},
		"TTLTooLong": {
			reason: "The TTL is bounded.",
			mutate: func(in *v1beta1.Input) { in.TTL.Duration = 2 * time.Hour },
			want:   []string{"input.ttl"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			in := validInput()
			tc.mutate(in)
			if diff := cmp.Diff(tc.want, errorFields(Input(in))); diff != "" {
				t.Errorf("%s\nInput(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}
