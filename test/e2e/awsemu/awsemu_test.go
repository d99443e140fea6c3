package awsemu

import (
	"context"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/codecommit"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"
)

// emulator is moto_server with the layer in front, for the whole package.
var (
	emulator string
	layer    *Server
)

func TestMain(m *testing.M) {
	url, stop, err := StartMoto()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	s, err := New(url)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		stop()
		os.Exit(1)
	}
	srv := httptest.NewServer(s)
	emulator, layer = srv.URL, s
	code := m.Run()
	srv.Close()
	stop()
	os.Exit(code)
}

func config(account string) aws.Config {
	return aws.Config{
		Region:       "eu-west-1",
		Credentials:  credentials.NewStaticCredentialsProvider(AccessKeyID(account), "secret", ""),
		BaseEndpoint: aws.String(emulator),
	}
}

// code is an AWS error's code, or "" for no error.
func code(err error) string {
	var api smithy.APIError
	if errors.As(err, &api) {
		return api.ErrorCode()
	}
	if err != nil {
		return err.Error()
	}
	return ""
}

func newCluster(t *testing.T, c *eks.Client, name string) {
	t.Helper()
	_, err := c.CreateCluster(context.Background(), &eks.CreateClusterInput{
		Name: aws.String(name), RoleArn: aws.String("arn:aws:iam::444455556666:role/eks"),
		ResourcesVpcConfig: &ekstypes.VpcConfigRequest{SubnetIds: []string{"subnet-1", "subnet-2"}},
		AccessConfig:       &ekstypes.CreateAccessConfigRequest{AuthenticationMode: ekstypes.AuthenticationModeApi},
		UpgradePolicy:      &ekstypes.UpgradePolicyRequest{SupportType: ekstypes.SupportTypeStandard},
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestAccountsAreApart(t *testing.T) {
	ctx := context.Background()
	a, b := iam.NewFromConfig(config("444455556666")), iam.NewFromConfig(config("777788889999"))
	if _, err := a.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("apart")}); err != nil {
		t.Fatal(err)
	}
	u, err := a.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("apart")})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := aws.ToString(u.User.Arn), "arn:aws:iam::444455556666:user/apart"; got != want {
		t.Errorf("ARN: got %s, want %s", got, want)
	}
	if _, err := b.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("apart")}); code(err) != "NoSuchEntity" {
		t.Errorf("another account sees the user: %v", err)
	}
	// AWS-managed policies exist in every account.
	if _, err := b.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String("arn:aws:iam::aws:policy/AmazonEKSClusterPolicy")}); err != nil {
		t.Errorf("AWS-managed policy: %v", err)
	}
}

func TestClusterAsEKSDescribesIt(t *testing.T) {
	ctx := context.Background()
	c := eks.NewFromConfig(config("444455556666"))
	newCluster(t, c, "described")
	out, err := c.DescribeCluster(ctx, &eks.DescribeClusterInput{Name: aws.String("described")})
	if err != nil {
		t.Fatal(err)
	}
	ca, err := base64.StdEncoding.DecodeString(aws.ToString(out.Cluster.CertificateAuthority.Data))
	if err != nil {
		t.Fatalf("CA is not base64: %v", err)
	}
	if b, _ := pem.Decode(ca); b == nil || b.Type != "CERTIFICATE" {
		t.Errorf("CA is not a PEM certificate: %.40q", ca)
	}
	if got := out.Cluster.AccessConfig; got == nil || got.AuthenticationMode != ekstypes.AuthenticationModeApi {
		t.Errorf("accessConfig: got %+v, want authenticationMode API", got)
	}
	if got := out.Cluster.UpgradePolicy; got == nil || got.SupportType != ekstypes.SupportTypeStandard {
		t.Errorf("upgradePolicy: got %+v, want STANDARD", got)
	}
	if aws.ToString(out.Cluster.ResourcesVpcConfig.ClusterSecurityGroupId) == "" {
		t.Error("no cluster security group")
	}

	u, err := c.UpdateClusterConfig(ctx, &eks.UpdateClusterConfigInput{Name: aws.String("described"),
		UpgradePolicy: &ekstypes.UpgradePolicyRequest{SupportType: ekstypes.SupportTypeExtended}})
	if err != nil {
		t.Fatal(err)
	}
	d, err := c.DescribeUpdate(ctx, &eks.DescribeUpdateInput{Name: aws.String("described"), UpdateId: u.Update.Id})
	if err != nil || d.Update.Status != ekstypes.UpdateStatusSuccessful {
		t.Fatalf("DescribeUpdate: %v %+v", err, d)
	}
	out, _ = c.DescribeCluster(ctx, &eks.DescribeClusterInput{Name: aws.String("described")})
	if got := out.Cluster.UpgradePolicy.SupportType; got != ekstypes.SupportTypeExtended {
		t.Errorf("upgradePolicy after update: %s", got)
	}
	v, err := c.UpdateClusterVersion(ctx, &eks.UpdateClusterVersionInput{Name: aws.String("described"), Version: aws.String("1.36")})
	if err != nil || v.Update.Type != ekstypes.UpdateTypeVersionUpdate {
		t.Fatalf("UpdateClusterVersion: %v", err)
	}
	out, _ = c.DescribeCluster(ctx, &eks.DescribeClusterInput{Name: aws.String("described")})
	if got := aws.ToString(out.Cluster.Version); got != "1.36" {
		t.Errorf("version after update: %s", got)
	}
	// Placed at a server of the caller's, EKS reports it from then on; the
	// same name in another account is another cluster.
	layer.PlaceCluster("444455556666", "eu-west-1", "described", "https://127.0.0.1:6443", "Y2E=")
	out, _ = c.DescribeCluster(ctx, &eks.DescribeClusterInput{Name: aws.String("described")})
	if got := [2]string{aws.ToString(out.Cluster.Endpoint), aws.ToString(out.Cluster.CertificateAuthority.Data)}; got != [2]string{"https://127.0.0.1:6443", "Y2E="} {
		t.Errorf("a placed cluster's endpoint and CA: %v", got)
	}
	other := eks.NewFromConfig(config("777788889999"))
	newCluster(t, other, "described")
	if out, _ := other.DescribeCluster(ctx, &eks.DescribeClusterInput{Name: aws.String("described")}); aws.ToString(out.Cluster.Endpoint) == "https://127.0.0.1:6443" {
		t.Error("placing a cluster moved another account's of the same name")
	}
}

// TestAutoModeCluster: an Auto Mode cluster is described with its compute,
// storage and load balancing settings, and one with them apart is refused
// as EKS refuses it.
func TestAutoModeCluster(t *testing.T) {
	ctx := context.Background()
	c := eks.NewFromConfig(config("444455556666"))
	create := func(name string, storage bool) error {
		_, err := c.CreateCluster(ctx, &eks.CreateClusterInput{
			Name: aws.String(name), RoleArn: aws.String("arn:aws:iam::444455556666:role/eks"),
			ResourcesVpcConfig:         &ekstypes.VpcConfigRequest{SubnetIds: []string{"subnet-1", "subnet-2"}},
			AccessConfig:               &ekstypes.CreateAccessConfigRequest{AuthenticationMode: ekstypes.AuthenticationModeApi},
			BootstrapSelfManagedAddons: aws.Bool(false),
			ComputeConfig: &ekstypes.ComputeConfigRequest{
				Enabled: aws.Bool(true), NodePools: []string{"general-purpose", "system"},
				NodeRoleArn: aws.String("arn:aws:iam::444455556666:role/eks-gitops/auto-node"),
			},
			StorageConfig:           &ekstypes.StorageConfigRequest{BlockStorage: &ekstypes.BlockStorage{Enabled: aws.Bool(storage)}},
			KubernetesNetworkConfig: &ekstypes.KubernetesNetworkConfigRequest{ElasticLoadBalancing: &ekstypes.ElasticLoadBalancing{Enabled: aws.Bool(true)}},
		})
		return err
	}
	if err := create("auto-apart", false); code(err) != "InvalidParameterException" {
		t.Errorf("compute and load balancing without block storage: %v, want InvalidParameterException", err)
	}
	if _, err := c.DescribeCluster(ctx, &eks.DescribeClusterInput{Name: aws.String("auto-apart")}); code(err) != "ResourceNotFoundException" {
		t.Errorf("the refused cluster exists: %v", err)
	}
	if err := create("auto", true); err != nil {
		t.Fatal(err)
	}
	out, err := c.DescribeCluster(ctx, &eks.DescribeClusterInput{Name: aws.String("auto")})
	if err != nil {
		t.Fatal(err)
	}
	cl := out.Cluster
	if cl.ComputeConfig == nil || !aws.ToBool(cl.ComputeConfig.Enabled) || aws.ToString(cl.ComputeConfig.NodeRoleArn) != "arn:aws:iam::444455556666:role/eks-gitops/auto-node" ||
		!slices.Equal(cl.ComputeConfig.NodePools, []string{"general-purpose", "system"}) {
		t.Errorf("computeConfig %+v", cl.ComputeConfig)
	}
	if cl.StorageConfig == nil || cl.StorageConfig.BlockStorage == nil || !aws.ToBool(cl.StorageConfig.BlockStorage.Enabled) {
		t.Errorf("storageConfig %+v", cl.StorageConfig)
	}
	if n := cl.KubernetesNetworkConfig; n == nil || n.ElasticLoadBalancing == nil || !aws.ToBool(n.ElasticLoadBalancing.Enabled) {
		t.Errorf("kubernetesNetworkConfig %+v", n)
	}
}

func TestAddons(t *testing.T) {
	ctx := context.Background()
	c := eks.NewFromConfig(config("444455556666"))
	if _, err := c.CreateAddon(ctx, &eks.CreateAddonInput{ClusterName: aws.String("nowhere"), AddonName: aws.String("vpc-cni")}); code(err) != "ResourceNotFoundException" {
		t.Errorf("add-on on a missing cluster: %v", err)
	}
	newCluster(t, c, "addons")
	in := &eks.CreateAddonInput{ClusterName: aws.String("addons"), AddonName: aws.String("aws-ebs-csi-driver"),
		AddonVersion: aws.String("v1.64.0-eksbuild.1"), ResolveConflicts: ekstypes.ResolveConflictsOverwrite,
		Tags: map[string]string{"team": "payments"}}
	out, err := c.CreateAddon(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if out.Addon.Status != ekstypes.AddonStatusCreating {
		t.Errorf("new add-on: %s, want CREATING", out.Addon.Status)
	}
	if _, err := c.CreateAddon(ctx, in); code(err) != "ResourceInUseException" {
		t.Errorf("second add-on of a name: %v", err)
	}
	bad := *in
	bad.AddonName, bad.ServiceAccountRoleArn = aws.String("other"), aws.String("arn:aws:iam::444455556666:user/x")
	if _, err := c.CreateAddon(ctx, &bad); code(err) != "InvalidParameterException" {
		t.Errorf("a user as the service account role: %v", err)
	}
	var status ekstypes.AddonStatus
	for range 2 {
		d, err := c.DescribeAddon(ctx, &eks.DescribeAddonInput{ClusterName: aws.String("addons"), AddonName: aws.String("aws-ebs-csi-driver")})
		if err != nil {
			t.Fatal(err)
		}
		status = d.Addon.Status
	}
	if status != ekstypes.AddonStatusActive {
		t.Errorf("add-on: %s, want ACTIVE", status)
	}
	u, err := c.UpdateAddon(ctx, &eks.UpdateAddonInput{ClusterName: aws.String("addons"), AddonName: aws.String("aws-ebs-csi-driver"), AddonVersion: aws.String("v1.65.0-eksbuild.1")})
	if err != nil {
		t.Fatal(err)
	}
	if d, err := c.DescribeUpdate(ctx, &eks.DescribeUpdateInput{Name: aws.String("addons"), UpdateId: u.Update.Id, AddonName: aws.String("aws-ebs-csi-driver")}); err != nil || d.Update.Status != ekstypes.UpdateStatusSuccessful {
		t.Errorf("DescribeUpdate: %v", err)
	}
	if _, err := c.TagResource(ctx, &eks.TagResourceInput{ResourceArn: out.Addon.AddonArn, Tags: map[string]string{"env": "dev"}}); err != nil {
		t.Fatal(err)
	}
	d, _ := c.DescribeAddon(ctx, &eks.DescribeAddonInput{ClusterName: aws.String("addons"), AddonName: aws.String("aws-ebs-csi-driver")})
	if diff := cmp.Diff(map[string]string{"team": "payments", "env": "dev"}, d.Addon.Tags); diff != "" {
		t.Errorf("tags (-want +got):\n%s", diff)
	}
	if got := aws.ToString(d.Addon.AddonVersion); got != "v1.65.0-eksbuild.1" {
		t.Errorf("version after update: %s", got)
	}
	l, _ := c.ListAddons(ctx, &eks.ListAddonsInput{ClusterName: aws.String("addons")})
	if diff := cmp.Diff([]string{"aws-ebs-csi-driver"}, l.Addons); diff != "" {
		t.Errorf("ListAddons (-want +got):\n%s", diff)
	}
	if _, err := c.DeleteAddon(ctx, &eks.DeleteAddonInput{ClusterName: aws.String("addons"), AddonName: aws.String("aws-ebs-csi-driver")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DescribeAddon(ctx, &eks.DescribeAddonInput{ClusterName: aws.String("addons"), AddonName: aws.String("aws-ebs-csi-driver")}); code(err) != "ResourceNotFoundException" {
		t.Errorf("deleted add-on: %v", err)
	}
}

func TestAccessEntriesAndPolicies(t *testing.T) {
	ctx := context.Background()
	c := eks.NewFromConfig(config("444455556666"))
	newCluster(t, c, "access")
	hub := "arn:aws:iam::111122223333:role/argocd-hub"
	if _, err := c.CreateAccessEntry(ctx, &eks.CreateAccessEntryInput{ClusterName: aws.String("access"), PrincipalArn: aws.String("argocd-hub")}); code(err) != "InvalidParameterException" {
		t.Errorf("a principal that is no ARN: %v", err)
	}
	if _, err := c.CreateAccessEntry(ctx, &eks.CreateAccessEntryInput{ClusterName: aws.String("access"), PrincipalArn: aws.String(hub), KubernetesGroups: []string{"system:masters"}}); code(err) != "InvalidParameterException" {
		t.Errorf("a system: group: %v", err)
	}
	e, err := c.CreateAccessEntry(ctx, &eks.CreateAccessEntryInput{ClusterName: aws.String("access"), PrincipalArn: aws.String(hub)})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := aws.ToString(e.AccessEntry.Username), "arn:aws:sts::111122223333:assumed-role/argocd-hub/{{SessionName}}"; got != want {
		t.Errorf("user name: got %s, want %s", got, want)
	}
	if _, err := c.CreateAccessEntry(ctx, &eks.CreateAccessEntryInput{ClusterName: aws.String("access"), PrincipalArn: aws.String(hub)}); code(err) != "ResourceInUseException" {
		t.Errorf("second entry: %v", err)
	}
	d, err := c.DescribeAccessEntry(ctx, &eks.DescribeAccessEntryInput{ClusterName: aws.String("access"), PrincipalArn: aws.String(hub)})
	if err != nil || aws.ToString(d.AccessEntry.AccessEntryArn) != aws.ToString(e.AccessEntry.AccessEntryArn) {
		t.Fatalf("DescribeAccessEntry: %v", err)
	}
	admin := "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
	for name, tc := range map[string]struct {
		policy string
		scope  ekstypes.AccessScope
		want   string
	}{
		"cluster scope":                {admin, ekstypes.AccessScope{Type: ekstypes.AccessScopeTypeCluster}, ""},
		"namespace scope without any":  {admin, ekstypes.AccessScope{Type: ekstypes.AccessScopeTypeNamespace}, "InvalidParameterException"},
		"cluster scope with namespace": {admin, ekstypes.AccessScope{Type: ekstypes.AccessScopeTypeCluster, Namespaces: []string{"a"}}, "InvalidParameterException"},
		"an IAM policy":                {"arn:aws:iam::aws:policy/AdministratorAccess", ekstypes.AccessScope{Type: ekstypes.AccessScopeTypeCluster}, "InvalidParameterException"},
	} {
		_, err := c.AssociateAccessPolicy(ctx, &eks.AssociateAccessPolicyInput{ClusterName: aws.String("access"), PrincipalArn: aws.String(hub), PolicyArn: aws.String(tc.policy), AccessScope: &tc.scope})
		if got := code(err); got != tc.want {
			t.Errorf("%s: got %q, want %q", name, got, tc.want)
		}
	}
	l, err := c.ListAssociatedAccessPolicies(ctx, &eks.ListAssociatedAccessPoliciesInput{ClusterName: aws.String("access"), PrincipalArn: aws.String(hub)})
	if err != nil || len(l.AssociatedAccessPolicies) != 1 || aws.ToString(l.AssociatedAccessPolicies[0].PolicyArn) != admin {
		t.Fatalf("ListAssociatedAccessPolicies: %v %+v", err, l)
	}
	if _, err := c.DisassociateAccessPolicy(ctx, &eks.DisassociateAccessPolicyInput{ClusterName: aws.String("access"), PrincipalArn: aws.String(hub), PolicyArn: aws.String(admin)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteAccessEntry(ctx, &eks.DeleteAccessEntryInput{ClusterName: aws.String("access"), PrincipalArn: aws.String(hub)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DescribeAccessEntry(ctx, &eks.DescribeAccessEntryInput{ClusterName: aws.String("access"), PrincipalArn: aws.String(hub)}); code(err) != "ResourceNotFoundException" {
		t.Errorf("deleted entry: %v", err)
	}
}

// TestNodeAccessEntries: node entries take no access policy, except an EC2
// entry (an Auto Mode NodeClass's role), which takes the Auto Mode node
// policy alone.
func TestNodeAccessEntries(t *testing.T) {
	ctx := context.Background()
	c := eks.NewFromConfig(config("444455556666"))
	newCluster(t, c, "nodes")
	autoNode := "arn:aws:eks::aws:cluster-access-policy/AmazonEKSAutoNodePolicy"
	admin := "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
	cluster := &ekstypes.AccessScope{Type: ekstypes.AccessScopeTypeCluster}
	for name, tc := range map[string]struct {
		entryType, policy, want string
	}{
		"Auto Mode node policy on an EC2 entry":       {"EC2", autoNode, ""},
		"cluster admin on an EC2 entry":               {"EC2", admin, "InvalidParameterException"},
		"Auto Mode node policy on an EC2_LINUX entry": {"EC2_LINUX", autoNode, "InvalidParameterException"},
	} {
		role := "arn:aws:iam::444455556666:role/eks-gitops/" + strings.ReplaceAll(name, " ", "-")
		if _, err := c.CreateAccessEntry(ctx, &eks.CreateAccessEntryInput{ClusterName: aws.String("nodes"), PrincipalArn: aws.String(role), Type: aws.String(tc.entryType)}); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		_, err := c.AssociateAccessPolicy(ctx, &eks.AssociateAccessPolicyInput{ClusterName: aws.String("nodes"), PrincipalArn: aws.String(role), PolicyArn: aws.String(tc.policy), AccessScope: cluster})
		if got := code(err); got != tc.want {
			t.Errorf("%s: got %q, want %q", name, got, tc.want)
		}
	}
}

func TestPodIdentityAssociations(t *testing.T) {
	ctx := context.Background()
	c := eks.NewFromConfig(config("444455556666"))
	newCluster(t, c, "pods")
	role := "arn:aws:iam::444455556666:role/eks-gitops/pods-ebs"
	in := &eks.CreatePodIdentityAssociationInput{ClusterName: aws.String("pods"), Namespace: aws.String("kube-system"), ServiceAccount: aws.String("ebs-csi-controller-sa"), RoleArn: aws.String(role)}
	p, err := c.CreatePodIdentityAssociation(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreatePodIdentityAssociation(ctx, in); code(err) != "ResourceInUseException" {
		t.Errorf("second association of a service account: %v", err)
	}
	bad := *in
	bad.ServiceAccount, bad.RoleArn = aws.String("other"), aws.String("role")
	if _, err := c.CreatePodIdentityAssociation(ctx, &bad); code(err) != "InvalidParameterException" {
		t.Errorf("a role that is no ARN: %v", err)
	}
	other := *in
	other.ServiceAccount = aws.String("karpenter")
	if _, err := c.CreatePodIdentityAssociation(ctx, &other); err != nil {
		t.Fatal(err)
	}
	for _, f := range []struct {
		ns, sa string
		want   int
	}{{"", "", 2}, {"kube-system", "", 2}, {"kube-system", "karpenter", 1}, {"", "ebs-csi-controller-sa", 1}, {"default", "", 0}} {
		l, err := c.ListPodIdentityAssociations(ctx, &eks.ListPodIdentityAssociationsInput{ClusterName: aws.String("pods"),
			Namespace: aws.String(f.ns), ServiceAccount: aws.String(f.sa)})
		if err != nil || len(l.Associations) != f.want {
			t.Errorf("ListPodIdentityAssociations namespace %q service account %q: %v, %d associations, want %d", f.ns, f.sa, err, len(l.Associations), f.want)
		}
	}
	l, err := c.ListPodIdentityAssociations(ctx, &eks.ListPodIdentityAssociationsInput{ClusterName: aws.String("pods"), ServiceAccount: aws.String("karpenter")})
	if err != nil || len(l.Associations) != 1 {
		t.Fatalf("ListPodIdentityAssociations: %v %+v", err, l)
	}
	if _, err := c.DeletePodIdentityAssociation(ctx, &eks.DeletePodIdentityAssociationInput{ClusterName: aws.String("pods"), AssociationId: l.Associations[0].AssociationId}); err != nil {
		t.Fatal(err)
	}
	id := p.Association.AssociationId
	newRole := "arn:aws:iam::444455556666:role/eks-gitops/pods-ebs-2"
	if _, err := c.UpdatePodIdentityAssociation(ctx, &eks.UpdatePodIdentityAssociationInput{ClusterName: aws.String("pods"), AssociationId: id, RoleArn: aws.String(newRole)}); err != nil {
		t.Fatal(err)
	}
	d, err := c.DescribePodIdentityAssociation(ctx, &eks.DescribePodIdentityAssociationInput{ClusterName: aws.String("pods"), AssociationId: id})
	if err != nil || aws.ToString(d.Association.RoleArn) != newRole {
		t.Fatalf("DescribePodIdentityAssociation: %v %+v", err, d)
	}
	ng, err := c.CreateNodegroup(ctx, &eks.CreateNodegroupInput{ClusterName: aws.String("pods"), NodegroupName: aws.String("general"),
		NodeRole: aws.String(role), Subnets: []string{"subnet-1"}, Tags: map[string]string{"owner": "a"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.TagResource(ctx, &eks.TagResourceInput{ResourceArn: ng.Nodegroup.NodegroupArn, Tags: map[string]string{"owner": "b"}}); err != nil {
		t.Fatalf("tagging a node group: %v", err)
	}
	dn, err := c.DescribeNodegroup(ctx, &eks.DescribeNodegroupInput{ClusterName: aws.String("pods"), NodegroupName: aws.String("general")})
	if err != nil || dn.Nodegroup.Tags["owner"] != "b" {
		t.Errorf("node group tags after TagResource: %v %v", err, dn)
	}
	if _, err := c.DeleteNodegroup(ctx, &eks.DeleteNodegroupInput{ClusterName: aws.String("pods"), NodegroupName: aws.String("general")}); err != nil {
		t.Fatal(err)
	}
	l, _ = c.ListPodIdentityAssociations(ctx, &eks.ListPodIdentityAssociationsInput{ClusterName: aws.String("pods")})
	if len(l.Associations) != 1 || aws.ToString(l.Associations[0].AssociationId) != aws.ToString(id) {
		t.Errorf("ListPodIdentityAssociations: %+v", l.Associations)
	}
	// Deleting the cluster takes its associations, add-ons and entries.
	if _, err := c.DeleteCluster(ctx, &eks.DeleteClusterInput{Name: aws.String("pods")}); err != nil {
		t.Fatal(err)
	}
	newCluster(t, c, "pods")
	l, _ = c.ListPodIdentityAssociations(ctx, &eks.ListPodIdentityAssociationsInput{ClusterName: aws.String("pods")})
	if len(l.Associations) != 0 {
		t.Errorf("a new cluster of the old name has the old associations: %+v", l.Associations)
	}
}

func TestServiceSpecificCredentials(t *testing.T) {
	ctx := context.Background()
	c := iam.NewFromConfig(config("111122223333"))
	if _, err := c.CreateServiceSpecificCredential(ctx, &iam.CreateServiceSpecificCredentialInput{UserName: aws.String("ghost"), ServiceName: aws.String("codecommit.amazonaws.com")}); code(err) != "NoSuchEntity" {
		t.Errorf("credential of a missing user: %v", err)
	}
	if _, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("git")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateServiceSpecificCredential(ctx, &iam.CreateServiceSpecificCredentialInput{UserName: aws.String("git"), ServiceName: aws.String("s3.amazonaws.com")}); code(err) != "NotSupportedService" {
		t.Errorf("credential for S3: %v", err)
	}
	cr, err := c.CreateServiceSpecificCredential(ctx, &iam.CreateServiceSpecificCredentialInput{UserName: aws.String("git"), ServiceName: aws.String("codecommit.amazonaws.com")})
	if err != nil {
		t.Fatal(err)
	}
	got := cr.ServiceSpecificCredential
	if aws.ToString(got.ServicePassword) == "" || aws.ToString(got.ServiceUserName) != "git-at-111122223333" || got.Status != "Active" {
		t.Errorf("credential: %+v", got)
	}
	// CodeCommit's Git endpoint signs in with the user name and password,
	// in the credential's account, while it is active.
	pass := aws.ToString(got.ServicePassword)
	if u := layer.GitSignIn("111122223333", "git-at-111122223333", pass); u != "git" {
		t.Errorf("Git sign-in with the credential: %q, want user git", u)
	}
	for _, tc := range []struct{ account, user, pass string }{
		{"111122223333", "git-at-111122223333", pass + "x"},
		{"444455556666", "git-at-111122223333", pass},
		{"111122223333", "other-at-111122223333", pass},
	} {
		if u := layer.GitSignIn(tc.account, tc.user, tc.pass); u != "" {
			t.Errorf("Git sign-in %+v: %q, want refused", tc, u)
		}
	}
	if _, err := c.UpdateServiceSpecificCredential(ctx, &iam.UpdateServiceSpecificCredentialInput{UserName: aws.String("git"), ServiceSpecificCredentialId: got.ServiceSpecificCredentialId, Status: "Inactive"}); err != nil {
		t.Fatal(err)
	}
	if u := layer.GitSignIn("111122223333", "git-at-111122223333", pass); u != "" {
		t.Errorf("Git sign-in with an inactive credential: %q, want refused", u)
	}
	if _, err := c.UpdateServiceSpecificCredential(ctx, &iam.UpdateServiceSpecificCredentialInput{UserName: aws.String("git"), ServiceSpecificCredentialId: got.ServiceSpecificCredentialId, Status: "Active"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateServiceSpecificCredential(ctx, &iam.CreateServiceSpecificCredentialInput{UserName: aws.String("git"), ServiceName: aws.String("codecommit.amazonaws.com")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateServiceSpecificCredential(ctx, &iam.CreateServiceSpecificCredentialInput{UserName: aws.String("git"), ServiceName: aws.String("codecommit.amazonaws.com")}); code(err) != "LimitExceeded" {
		t.Errorf("third credential: %v", err)
	}
	l, err := c.ListServiceSpecificCredentials(ctx, &iam.ListServiceSpecificCredentialsInput{UserName: aws.String("git"), ServiceName: aws.String("codecommit.amazonaws.com")})
	if err != nil || len(l.ServiceSpecificCredentials) != 2 || aws.ToString(l.ServiceSpecificCredentials[0].ServiceSpecificCredentialId) != aws.ToString(got.ServiceSpecificCredentialId) {
		t.Fatalf("ListServiceSpecificCredentials: %v %+v", err, l)
	}
	if _, err := c.UpdateServiceSpecificCredential(ctx, &iam.UpdateServiceSpecificCredentialInput{UserName: aws.String("git"), ServiceSpecificCredentialId: got.ServiceSpecificCredentialId, Status: "Inactive"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("git")}); code(err) != "DeleteConflict" {
		t.Errorf("deleting a user with credentials: %v", err)
	}
	for _, cr := range l.ServiceSpecificCredentials {
		if _, err := c.DeleteServiceSpecificCredential(ctx, &iam.DeleteServiceSpecificCredentialInput{UserName: aws.String("git"), ServiceSpecificCredentialId: cr.ServiceSpecificCredentialId}); err != nil {
			t.Fatal(err)
		}
	}
	p, err := c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("pull"), PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"codecommit:GitPull","Resource":"*"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	policy := aws.ToString(p.Policy.Arn)
	if _, err := c.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("git"), PolicyArn: aws.String(policy)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("git")}); code(err) != "DeleteConflict" {
		t.Errorf("deleting a user with an attached policy: %v", err)
	}
	if _, err := c.DeletePolicy(ctx, &iam.DeletePolicyInput{PolicyArn: aws.String(policy)}); code(err) != "DeleteConflict" {
		t.Errorf("deleting an attached policy: %v", err)
	}
	if _, err := c.DetachUserPolicy(ctx, &iam.DetachUserPolicyInput{UserName: aws.String("git"), PolicyArn: aws.String(policy)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeletePolicy(ctx, &iam.DeletePolicyInput{PolicyArn: aws.String(policy)}); err != nil {
		t.Errorf("deleting a detached policy: %v", err)
	}
	if _, err := c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("git")}); err != nil {
		t.Errorf("deleting a user without credentials or policies: %v", err)
	}
	// The journal holds the changes in order, with their outcome, and no
	// reads.
	var journal []string
	for _, call := range layer.Journal() {
		if call.Account == "111122223333" && call.Service == "iam" {
			journal = append(journal, fmt.Sprintf("%s %d", call.Op, call.Status))
		}
	}
	want := []string{"CreateServiceSpecificCredential 404", "CreateUser 200", "CreateServiceSpecificCredential 400",
		"CreateServiceSpecificCredential 200", "UpdateServiceSpecificCredential 200", "UpdateServiceSpecificCredential 200",
		"CreateServiceSpecificCredential 200", "CreateServiceSpecificCredential 409",
		"UpdateServiceSpecificCredential 200", "DeleteUser 409", "DeleteServiceSpecificCredential 200",
		"DeleteServiceSpecificCredential 200", "CreatePolicy 200", "AttachUserPolicy 200", "DeleteUser 409", "DeletePolicy 409",
		"DetachUserPolicy 200", "DeletePolicy 200", "DeleteUser 200"}
	if diff := cmp.Diff(want, journal); diff != "" {
		t.Errorf("journal (-want +got):\n%s", diff)
	}
}

func TestCodeCommitTags(t *testing.T) {
	ctx := context.Background()
	c := codecommit.NewFromConfig(config("111122223333"))
	r, err := c.CreateRepository(ctx, &codecommit.CreateRepositoryInput{RepositoryName: aws.String("gitops"), Tags: map[string]string{"team": "payments"}})
	if err != nil {
		t.Fatal(err)
	}
	arn := r.RepositoryMetadata.Arn
	if b, err := c.ListBranches(ctx, &codecommit.ListBranchesInput{RepositoryName: aws.String("gitops")}); err != nil || len(b.Branches) != 0 {
		t.Errorf("branches of a new repository: %v %v", err, b)
	}
	if _, err := c.ListBranches(ctx, &codecommit.ListBranchesInput{RepositoryName: aws.String("nowhere")}); code(err) != "RepositoryDoesNotExistException" {
		t.Errorf("branches of a missing repository: %v", err)
	}
	if _, err := c.TagResource(ctx, &codecommit.TagResourceInput{ResourceArn: arn, Tags: map[string]string{"env": "dev"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UntagResource(ctx, &codecommit.UntagResourceInput{ResourceArn: arn, TagKeys: []string{"team"}}); err != nil {
		t.Fatal(err)
	}
	l, err := c.ListTagsForResource(ctx, &codecommit.ListTagsForResourceInput{ResourceArn: arn})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]string{"env": "dev"}, l.Tags); diff != "" {
		t.Errorf("tags (-want +got):\n%s", diff)
	}
	if _, err := c.DeleteRepository(ctx, &codecommit.DeleteRepositoryInput{RepositoryName: aws.String("gitops")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ListTagsForResource(ctx, &codecommit.ListTagsForResourceInput{ResourceArn: arn}); code(err) != "RepositoryDoesNotExistException" {
		t.Errorf("tags of a deleted repository: %v", err)
	}
}

func TestApprovalRuleTemplates(t *testing.T) {
	ctx := context.Background()
	c := codecommit.NewFromConfig(config("111122223333"))
	content := `{"Version":"2018-11-08","DestinationReferences":["refs/heads/main"],"Statements":[{"Type":"Approvers","NumberOfApprovalsNeeded":1,"ApprovalPoolMembers":["arn:aws:sts::111122223333:assumed-role/push/*"]}]}`
	if _, err := c.CreateApprovalRuleTemplate(ctx, &codecommit.CreateApprovalRuleTemplateInput{ApprovalRuleTemplateName: aws.String("bad"), ApprovalRuleTemplateContent: aws.String(`{"Version":"2018-11-08"}`)}); code(err) != "InvalidApprovalRuleTemplateContentException" {
		t.Errorf("a template without statements: %v", err)
	}
	made, err := c.CreateApprovalRuleTemplate(ctx, &codecommit.CreateApprovalRuleTemplateInput{ApprovalRuleTemplateName: aws.String("review"), ApprovalRuleTemplateContent: aws.String(content), ApprovalRuleTemplateDescription: aws.String("one approval")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateApprovalRuleTemplate(ctx, &codecommit.CreateApprovalRuleTemplateInput{ApprovalRuleTemplateName: aws.String("review"), ApprovalRuleTemplateContent: aws.String(content)}); code(err) != "ApprovalRuleTemplateNameAlreadyExistsException" {
		t.Errorf("a second template of the name: %v", err)
	}
	got, err := c.GetApprovalRuleTemplate(ctx, &codecommit.GetApprovalRuleTemplateInput{ApprovalRuleTemplateName: aws.String("review")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(got.ApprovalRuleTemplate.ApprovalRuleTemplateContent) != content || aws.ToString(got.ApprovalRuleTemplate.ApprovalRuleTemplateId) != aws.ToString(made.ApprovalRuleTemplate.ApprovalRuleTemplateId) || got.ApprovalRuleTemplate.CreationDate == nil {
		t.Errorf("template read back: %+v", got.ApprovalRuleTemplate)
	}
	if _, err := c.GetApprovalRuleTemplate(ctx, &codecommit.GetApprovalRuleTemplateInput{ApprovalRuleTemplateName: aws.String("nowhere")}); code(err) != "ApprovalRuleTemplateDoesNotExistException" {
		t.Errorf("a missing template: %v", err)
	}
	assoc := &codecommit.AssociateApprovalRuleTemplateWithRepositoryInput{ApprovalRuleTemplateName: aws.String("review"), RepositoryName: aws.String("reviewed")}
	if _, err := c.AssociateApprovalRuleTemplateWithRepository(ctx, assoc); code(err) != "RepositoryDoesNotExistException" {
		t.Errorf("associating with a missing repository: %v", err)
	}
	if _, err := c.CreateRepository(ctx, &codecommit.CreateRepositoryInput{RepositoryName: aws.String("reviewed")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AssociateApprovalRuleTemplateWithRepository(ctx, assoc); err != nil {
		t.Fatal(err)
	}
	repos, err := c.ListRepositoriesForApprovalRuleTemplate(ctx, &codecommit.ListRepositoriesForApprovalRuleTemplateInput{ApprovalRuleTemplateName: aws.String("review")})
	if err != nil || !slices.Equal(repos.RepositoryNames, []string{"reviewed"}) {
		t.Errorf("repositories of the template: %v %v", repos, err)
	}
	names, err := c.ListAssociatedApprovalRuleTemplatesForRepository(ctx, &codecommit.ListAssociatedApprovalRuleTemplatesForRepositoryInput{RepositoryName: aws.String("reviewed")})
	if err != nil || !slices.Equal(names.ApprovalRuleTemplateNames, []string{"review"}) {
		t.Errorf("templates of the repository: %v %v", names, err)
	}
	// Another account has no such template.
	if _, err := codecommit.NewFromConfig(config("444455556666")).GetApprovalRuleTemplate(ctx, &codecommit.GetApprovalRuleTemplateInput{ApprovalRuleTemplateName: aws.String("review")}); code(err) != "ApprovalRuleTemplateDoesNotExistException" {
		t.Errorf("the template from another account: %v", err)
	}
	del := &codecommit.DeleteApprovalRuleTemplateInput{ApprovalRuleTemplateName: aws.String("review")}
	if _, err := c.DeleteApprovalRuleTemplate(ctx, del); code(err) != "ApprovalRuleTemplateInUseException" {
		t.Errorf("deleting an associated template: %v", err)
	}
	if _, err := c.DisassociateApprovalRuleTemplateFromRepository(ctx, &codecommit.DisassociateApprovalRuleTemplateFromRepositoryInput{ApprovalRuleTemplateName: aws.String("review"), RepositoryName: aws.String("reviewed")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteApprovalRuleTemplate(ctx, del); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteRepository(ctx, &codecommit.DeleteRepositoryInput{RepositoryName: aws.String("reviewed")}); err != nil {
		t.Fatal(err)
	}
}

// TestRefusalCodes: the code a refused call is recorded with is the one
// the SDK reads, in each protocol the provider's services use.
func TestRefusalCodes(t *testing.T) {
	ctx := context.Background()
	cfg := config("444455556666")
	last := func() string {
		calls := layer.Calls()
		return calls[len(calls)-1].Code
	}
	for name, call := range map[string]func() error{
		"query (IAM)": func() error {
			_, err := iam.NewFromConfig(cfg).DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("never-made")})
			return err
		},
		"REST JSON (EKS)": func() error {
			_, err := eks.NewFromConfig(cfg).CreateAddon(ctx, &eks.CreateAddonInput{ClusterName: aws.String("nowhere"), AddonName: aws.String("vpc-cni")})
			return err
		},
		"JSON (CodeCommit)": func() error {
			_, err := codecommit.NewFromConfig(cfg).GetRepository(ctx, &codecommit.GetRepositoryInput{RepositoryName: aws.String("never-made")})
			return err
		},
	} {
		err := call()
		if err == nil {
			t.Fatalf("%s: the call was not refused", name)
		}
		if got, want := last(), code(err); got != want {
			t.Errorf("%s: recorded code %q, the SDK read %q", name, got, want)
		}
	}
}
