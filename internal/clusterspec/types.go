package clusterspec

import "encoding/json"

// The XR's schema. Each field's comment is its description in the XRD, for
// the engineers who write XRs; the markers are the checks the API server
// makes before the function is called. go generate ./internal/clusterspec
// writes the XRDs and docs/reference.md's field table from them.

// Spec is what a product team asks for.
//
// +kubebuilder:validation:XValidation:rule="!has(self.network.zones) || self.network.zones.all(z, z.startsWith(self.aws.region))",message="every zone in spec.network.zones must be a zone of spec.aws.region"
type Spec struct {
	// The product team that owns the cluster.
	Team Team `json:"team"`
	// The environment, e.g. dev, staging or prod. It reaches names, labels
	// and RBAC.
	//
	// +kubebuilder:validation:Pattern=`^[a-z]([a-z0-9-]*[a-z0-9])?$`
	// +kubebuilder:validation:MaxLength=32
	Environment string `json:"environment"`
	// Where the cluster lives.
	AWS AWS `json:"aws"`
	// The EKS Kubernetes minor version, e.g. "1.35". Defaults to the
	// platform's default. An upgrade moves one minor version at a time; EKS
	// cannot downgrade.
	//
	// +kubebuilder:validation:Pattern=`^1\.[0-9]{1,2}$`
	// +kubebuilder:validation:MaxLength=5
	// +kubebuilder:validation:XValidation:rule="int(self.split('.')[1]) - int(oldSelf.split('.')[1]) in [0, 1]",message="Kubernetes upgrades one minor version at a time and never downgrades"
	KubernetesVersion string `json:"kubernetesVersion,omitempty"`
	// EKS upgrade policy. STANDARD (default) upgrades the cluster when
	// standard support ends; EXTENDED keeps it on extended support, at extra
	// cost.
	//
	// +kubebuilder:validation:Enum=STANDARD;EXTENDED
	SupportType string `json:"supportType,omitempty"`
	// The VPC. It is split into eight equal subnets; each zone gets a
	// private and a public one.
	Network Network `json:"network"`
	// How the cluster gets its nodes. It is chosen when the cluster is
	// created.
	//
	// +kubebuilder:default={}
	Compute Compute `json:"compute,omitempty"`
	// Node pools: a managed node group each, or in Karpenter mode a
	// Karpenter NodePool each. Defaults to one pool named "default". In
	// AutoMode there are none: EKS runs the nodes.
	//
	// +kubebuilder:validation:MaxItems=20
	NodePools []NodePool `json:"nodePools,omitempty"`
	// Add-on switches. vpc-cni, coredns, kube-proxy and
	// eks-pod-identity-agent are always installed; the EBS CSI driver unless
	// switched off. Every add-on that calls AWS gets its own IAM role through
	// EKS Pod Identity.
	Addons Addons `json:"addons,omitempty"`
	// Tags for every AWS resource. The platform's tags win on conflicts. AWS
	// allows 50 tags per resource and the function adds up to 7 of its own,
	// so at most 43 (fewer when the platform adds tags).
	//
	// +kubebuilder:validation:MaxProperties=43
	Tags map[string]string `json:"tags,omitempty"`
	// Names the zones and node pools that may be removed although nodes
	// still run there. Without it, removing a zone or a pool with nodes is
	// refused.
	ConfirmRemoval ConfirmRemoval `json:"confirmRemoval,omitempty"`

	// Crossplane holds Crossplane's own XR machinery; it is not ours to
	// read, and Crossplane adds its schema to the XRD itself.
	Crossplane json.RawMessage `json:"crossplane,omitempty"`
}

// Compute is how the cluster gets its nodes.
type Compute struct {
	// ManagedNodeGroups (default): EKS managed node groups, one per pool.
	// AutoMode: EKS Auto Mode runs the nodes, their networking, storage
	// and load balancing in its built-in pools; each spec.nodePools entry
	// adds an Auto Mode NodePool of the team's (none is needed). Karpenter: Karpenter
	// provisions each pool's nodes (a Karpenter NodePool per pool), and
	// runs on a small managed node group named system. Only the modes the
	// platform allows (compute.modes in its settings) are accepted. A
	// running cluster cannot move into or out of AutoMode, nor out of
	// Karpenter; ManagedNodeGroups to Karpenter is staged (docs/compute.md).
	//
	// +kubebuilder:validation:Enum=ManagedNodeGroups;AutoMode;Karpenter
	// +kubebuilder:default=ManagedNodeGroups
	Mode string `json:"mode,omitempty"`
}

// ConfirmRemoval names what may be removed while it still holds nodes.
type ConfirmRemoval struct {
	// Zones of spec.network.zones that may go.
	//
	// +kubebuilder:validation:MaxItems=4
	Zones []string `json:"zones,omitempty"`
	// Names of node pools that may go.
	//
	// +kubebuilder:validation:MaxItems=20
	NodePools []string `json:"nodePools,omitempty"`
}

// Team is the product team.
type Team struct {
	// The team's name: 1-32 lowercase letters, digits and inner dashes,
	// starting with a letter. It names the Argo CD project and the Cognito
	// group. The platform must grant the team (tenancy.teams).
	//
	// +kubebuilder:validation:Pattern=`^[a-z]([a-z0-9-]*[a-z0-9])?$`
	// +kubebuilder:validation:MaxLength=32
	Name string `json:"name"`
	// Usernames in the central Cognito user pool that belong to the team.
	// Adding or removing one adds or removes exactly that membership. At most
	// 1,000: each is a composed resource.
	//
	// +kubebuilder:validation:MaxItems=1000
	// +kubebuilder:validation:items:Pattern=`^[A-Za-z0-9][A-Za-z0-9._@+-]*$`
	// +kubebuilder:validation:items:MaxLength=128
	// +listType=set
	Members []string `json:"members,omitempty"`
	// Usernames that may also create, update and delete the team's Argo CD
	// applications. At most 200.
	//
	// +kubebuilder:validation:MaxItems=200
	// +kubebuilder:validation:items:Pattern=`^[A-Za-z0-9][A-Za-z0-9._@+-]*$`
	// +kubebuilder:validation:items:MaxLength=128
	// +listType=set
	Admins []string `json:"admins,omitempty"`
	// Each member's and admin's user name on the platform's Git host (GitHub
	// login or GitLab username), keyed by their username above. Required for
	// every member and admin when the platform keeps repositories on GitHub
	// or GitLab, where each must be one of the team's people the platform
	// lists (tenancy.teams[].gitUsers); unused on CodeCommit.
	//
	// +kubebuilder:validation:MaxProperties=400
	GitUsernames map[string]GitUsername `json:"gitUsernames,omitempty"`
	// Each member's and admin's user ID in IAM Identity Center's identity
	// store (as aws identitystore get-user-id returns it), keyed by their
	// username above. Required for every member and admin when the platform
	// signs people in with Identity Center (identity.provider); checked on
	// Cognito too, so a team can add them before the platform moves.
	//
	// +kubebuilder:validation:MaxProperties=1200
	IdentityCenterUserIDs map[string]IdentityStoreUserID `json:"identityCenterUserIds,omitempty"`
}

// IdentityStoreUserID is a user's ID in an IAM Identity Center identity
// store.
//
// +kubebuilder:validation:Pattern=`^([0-9a-f]{10}-|)[A-Fa-f0-9]{8}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{12}$`
// +kubebuilder:validation:MaxLength=47
type IdentityStoreUserID = string

// GitUsername is a user name on a Git host.
//
// +kubebuilder:validation:Pattern=`^[A-Za-z0-9_][A-Za-z0-9._-]*$`
// +kubebuilder:validation:MaxLength=255
type GitUsername = string

// AWS is the team's account and region.
type AWS struct {
	// The team's 12-digit AWS account ID, one the platform grants the team.
	// Quote it in YAML. It cannot change once set.
	//
	// +kubebuilder:validation:Pattern=`^[0-9]{12}$`
	// +kubebuilder:validation:MaxLength=12
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="the account of a running cluster cannot change; create a new XR in the new account instead"
	AccountID string `json:"accountId"`
	// The AWS region, e.g. eu-west-1 (partitions aws, aws-cn and aws-us-gov).
	//
	// +kubebuilder:validation:Pattern=`^(?:(?:us|eu|ap|sa|ca|me|af|il|mx)-[a-z]+-[0-9]|cn-[a-z]+-[0-9]|us-gov-[a-z]+-[0-9])$`
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="the region of a running cluster cannot change; create a new XR in the new region instead"
	Region string `json:"region"`
}

// Network is the VPC layout.
type Network struct {
	// The VPC's IPv4 CIDR, /16 to /25, canonical and inside an RFC 1918
	// range. It cannot change once set.
	//
	// +kubebuilder:validation:MaxLength=18
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="the VPC CIDR of a running cluster cannot change"
	VPCCIDR string `json:"vpcCidr"`
	// How many availability zones to span (2-4, default 3).
	//
	// +kubebuilder:validation:Minimum=2
	// +kubebuilder:validation:Maximum=4
	AvailabilityZones int `json:"availabilityZones,omitempty"`
	// The zones to use, e.g. [eu-west-1a, eu-west-1b]. Defaults to the
	// region's first zones. Add zones at the end; a zone cannot move, and
	// removing one needs spec.confirmRemoval.zones.
	//
	// +kubebuilder:validation:MaxItems=4
	// +kubebuilder:validation:items:MaxLength=32
	Zones []string `json:"zones,omitempty"`
	// The Kubernetes service CIDR (RFC 1918, /12 to /24, not overlapping the
	// VPC). EKS picks one if unset. It cannot change once set.
	//
	// +kubebuilder:validation:MaxLength=18
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="EKS cannot change a cluster's service CIDR"
	ServiceCIDR string `json:"serviceCidr,omitempty"`
}

// NodePool is one managed node group.
type NodePool struct {
	// The pool's name, unique in the cluster.
	//
	// +kubebuilder:validation:Pattern=`^[a-z]([a-z0-9-]*[a-z0-9])?$`
	// +kubebuilder:validation:MaxLength=32
	Name string `json:"name"`
	// EC2 instance types (default [m6i.large]). Each must be one EC2 has
	// and run the architecture amiType boots: Graviton types, such as
	// m7g.large, need an ARM_64 AMI type. Changing the types, capacityType
	// or amiType replaces the node group beside the old one.
	//
	// +kubebuilder:validation:MaxItems=20
	InstanceTypes []string `json:"instanceTypes,omitempty"`
	// Fewest nodes (default 2).
	//
	// +kubebuilder:validation:Minimum=0
	MinSize *int32 `json:"minSize,omitempty"`
	// Most nodes (default 4). minSize <= desiredSize <= maxSize.
	//
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=1000
	MaxSize *int32 `json:"maxSize,omitempty"`
	// Nodes to start with (default minSize).
	//
	// +kubebuilder:validation:Minimum=0
	DesiredSize *int32 `json:"desiredSize,omitempty"`
	// Set when a cluster autoscaler owns the desired size; it is then only
	// set at creation, and the cluster gets cluster-autoscaler's AWS access.
	Autoscaled bool `json:"autoscaled,omitempty"`
	// ON_DEMAND (default), SPOT or CAPACITY_BLOCK.
	CapacityType string `json:"capacityType,omitempty"`
	// The EKS AMI type (default AL2023_x86_64_STANDARD).
	AMIType string `json:"amiType,omitempty"`
	// Root volume size in GiB (default 50): an encrypted gp3 volume, set in
	// the pool's launch template. A change rolls the nodes in place.
	//
	// +kubebuilder:validation:Minimum=20
	// +kubebuilder:validation:Maximum=16384
	DiskSizeGiB *int32 `json:"diskSize,omitempty"`
	// Pins the EKS AMI release, e.g. 1.35.0-20261120 (AL2023) or 1.50.0-8c4c3b1d
	// (Bottlerocket). It must be a release for spec.kubernetesVersion; unset,
	// new nodes get the latest release. The pin applies once the pool's node
	// groups run spec.kubernetesVersion.
	//
	// +kubebuilder:validation:Pattern=`^[0-9][0-9a-z.-]*$`
	// +kubebuilder:validation:MaxLength=64
	ReleaseVersion string `json:"releaseVersion,omitempty"`
	// Let EKS replace nodes that report an unhealthy status (node
	// auto-repair).
	NodeRepair bool `json:"nodeRepair,omitempty"`
	// Kubernetes labels for the nodes.
	Labels map[string]string `json:"labels,omitempty"`
	// Kubernetes taints for the nodes.
	Taints []Taint `json:"taints,omitempty"`
}

// Taint is a node taint, with the EKS effect names.
type Taint struct {
	// The taint's key.
	Key string `json:"key"`
	// The taint's value.
	Value string `json:"value,omitempty"`
	// The taint's effect, as EKS names it.
	//
	// +kubebuilder:validation:Enum=NO_SCHEDULE;NO_EXECUTE;PREFER_NO_SCHEDULE
	Effect string `json:"effect"`
}

// Addons are the add-on switches. The four add-ons every cluster needs
// (vpc-cni, coredns, kube-proxy, eks-pod-identity-agent) are always on.
type Addons struct {
	// Install the EKS metrics-server add-on.
	MetricsServer bool `json:"metricsServer,omitempty"`
	// Ask the central Argo CD to install the AWS Load Balancer Controller.
	// It and the three below are installed through ApplicationSets that
	// select on the cluster Secret's enable_<addon> labels.
	AWSLoadBalancerController bool `json:"awsLoadBalancerController,omitempty"`
	// Ask the central Argo CD to install cert-manager.
	CertManager bool `json:"certManager,omitempty"`
	// Ask the central Argo CD to install external-dns.
	ExternalDNS bool `json:"externalDns,omitempty"`
	// Ask the central Argo CD to install External Secrets, reading only the
	// secrets and parameters named <team>/<cluster>/... in the team account.
	ExternalSecrets bool `json:"externalSecrets,omitempty"`
	// Install the aws-ebs-csi-driver EKS add-on and ask the central Argo CD
	// for the default gp3 StorageClass. Without it, PersistentVolumeClaims
	// stay Pending.
	//
	// +kubebuilder:default=true
	EBSCSIDriver *bool `json:"ebsCsiDriver,omitempty"`
	// The Route 53 hosted zones in the team account that external-dns and
	// cert-manager may write records in; required when either is on, each
	// granted to the team (tenancy.teams[].hostedZoneIds).
	//
	// +kubebuilder:validation:MaxItems=20
	HostedZones []HostedZone `json:"hostedZones,omitempty"`
	// Pinned EKS add-on versions by add-on name, e.g. vpc-cni
	// v1.20.0-eksbuild.1.
	Versions map[string]string `json:"versions,omitempty"`
}

// HostedZone is a Route 53 hosted zone in the team's account.
type HostedZone struct {
	// The hosted zone's ID.
	//
	// +kubebuilder:validation:Pattern=`^Z[A-Z0-9]{1,31}$`
	ID string `json:"id"`
	// The zone's domain name, without the trailing dot.
	//
	// +kubebuilder:validation:MaxLength=253
	Domain string `json:"domain"`
}
