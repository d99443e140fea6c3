package clusterspec

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// The function reads the XR as Spec and writes Status; TeamCluster exists
// so that controller-gen can generate the XRDs from the two (generate.go).

// A TeamCluster is a product team's production EKS cluster in the team's
// own AWS account, registered in the central Argo CD with the team's
// access, permissions and GitOps repository.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Cluster,categories=crossplane;eks-gitops
// +kubebuilder:printcolumn:name="TEAM",type=string,JSONPath=".spec.team.name"
// +kubebuilder:printcolumn:name="ENV",type=string,JSONPath=".spec.environment"
// +kubebuilder:printcolumn:name="PHASE",type=string,JSONPath=".status.phase"
// +kubebuilder:printcolumn:name="VERSION",type=string,JSONPath=".status.cluster.version"
// +kubebuilder:printcolumn:name="SUPPORT",type=string,JSONPath=".status.support.phase"
// +kubebuilder:printcolumn:name="DAYS LEFT",type=integer,JSONPath=".status.support.daysLeft"
// +kubebuilder:printcolumn:name="FAILING",type=string,JSONPath=".status.failing"
// +kubebuilder:printcolumn:name="ENDPOINT",type=string,JSONPath=".status.cluster.endpoint",priority=1
type TeamCluster struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   Spec   `json:"spec"`
	Status Status `json:"status,omitempty"`
}

// Status is what the function reports on the XR.
type Status struct {
	// The first provisioning step not done yet, or Ready.
	Phase string `json:"phase,omitempty"`
	// The first composed resource, in provisioning order, whose provider
	// reports an error or that has not been ready for longer than the
	// Composition's stuckAfter, with the provider's reason; the step's
	// condition carries the provider's message.
	Failing string `json:"failing,omitempty"`
	// The observed EKS cluster.
	Cluster ClusterStatus `json:"cluster,omitempty"`
	// The observed VPC.
	Network NetworkStatus `json:"network,omitempty"`
	// Where the cluster is registered in the central Argo CD.
	ArgoCD ArgoCDStatus `json:"argocd,omitempty"`
	// The team's GitOps repository.
	Repository RepositoryStatus `json:"repository,omitempty"`
	// A Kubernetes upgrade in progress; absent when everything runs the
	// version asked for.
	Upgrade UpgradeStatus `json:"upgrade,omitempty"`
	// Where the cluster's Kubernetes version stands in EKS's support
	// calendar.
	Support SupportStatus `json:"support,omitempty"`
}

// SupportStatus is where the cluster's Kubernetes version stands in EKS's
// support calendar, from the function's dated version table.
type SupportStatus struct {
	// The version judged: the one the control plane runs, else the one
	// asked for.
	Version string `json:"version,omitempty"`
	// Standard, Extended (at extra cost per hour) or Unsupported.
	Phase string `json:"phase,omitempty"`
	// The first day without standard support.
	StandardSupportEnds string `json:"standardSupportEnds,omitempty"`
	// The first day without any support.
	ExtendedSupportEnds string `json:"extendedSupportEnds,omitempty"`
	// Whole days until the current phase ends.
	DaysLeft int `json:"daysLeft,omitempty"`
	// The date of the version table the dates come from.
	TableDate string `json:"tableDate,omitempty"`
}

// ClusterStatus is the observed EKS cluster.
type ClusterStatus struct {
	// The EKS cluster's name in the team account.
	Name string `json:"name,omitempty"`
	// The EKS cluster's ARN.
	ARN string `json:"arn,omitempty"`
	// The Kubernetes API server's endpoint.
	Endpoint string `json:"endpoint,omitempty"`
	// The cluster's status as EKS reports it, e.g. ACTIVE.
	Status string `json:"status,omitempty"`
	// The Kubernetes version the control plane runs.
	Version string `json:"version,omitempty"`
}

// NetworkStatus is the observed VPC.
type NetworkStatus struct {
	// The VPC's ID.
	VPCID string `json:"vpcId,omitempty"`
}

// ArgoCDStatus is where the cluster is registered in the central Argo CD.
type ArgoCDStatus struct {
	// The cluster's name in Argo CD, which Applications name as their
	// destination.
	ClusterName string `json:"clusterName,omitempty"`
	// The team's AppProject.
	Project string `json:"project,omitempty"`
}

// RepositoryStatus is the team's GitOps repository.
type RepositoryStatus struct {
	// The URL Argo CD clones the team's repository from.
	CloneURL string `json:"cloneUrl,omitempty"`
	// The role in the repository's account the team's members and admins
	// assume to push (CodeCommit, when the platform names team roles).
	PushRoleARN string `json:"pushRoleArn,omitempty"`
}

// UpgradeStatus is a Kubernetes upgrade in progress.
type UpgradeStatus struct {
	// The Kubernetes version the cluster is upgraded from.
	From string `json:"from,omitempty"`
	// The Kubernetes version the cluster is upgraded to.
	To string `json:"to,omitempty"`
	// ControlPlane, NodeGroups or Addons.
	Stage string `json:"stage,omitempty"`
	// What the stage waits for before the next one starts.
	WaitingFor string `json:"waitingFor,omitempty"`
	// How many node groups run the new version, e.g. "1 of 2 upgraded".
	NodeGroups string `json:"nodeGroups,omitempty"`
}
