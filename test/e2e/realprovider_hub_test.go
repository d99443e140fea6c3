//go:build realaws

package e2e

import (
	"context"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	idtypes "github.com/aws/aws-sdk-go-v2/service/identitystore/types"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"

	"github.com/eks-gitops/function-eks-gitops/test/e2e/awsemu"
)

// inIdentityStore reports whether an identitystore Group or GroupMembership
// exists in the emulator's identity store, by the ID the provider read
// back.
func inIdentityStore(ctx context.Context, c *identitystore.Client, o *unstructured.Unstructured) (bool, error) {
	store := forProvider(o, "identityStoreId")
	var err error
	switch o.GetKind() {
	case "Group":
		_, err = c.DescribeGroup(ctx, &identitystore.DescribeGroupInput{IdentityStoreId: aws.String(store), GroupId: aws.String(atProvider(o, "groupId"))})
	case "GroupMembership":
		_, err = c.DescribeGroupMembership(ctx, &identitystore.DescribeGroupMembershipInput{IdentityStoreId: aws.String(store), MembershipId: aws.String(atProvider(o, "membershipId"))})
	}
	if notFound(err) {
		return false, nil
	}
	return err == nil, err
}

// realProviderManagedHub runs payments-hub (example/xr-managed-hub.yaml)
// under example/platform-settings-managed-hub.yaml on the real provider:
// the team's Identity Center groups and each person's membership made in
// the platform's identity store, the capability's role given cluster-admin
// in the team's cluster, no Argo CD role or Git user, and the AppProject
// binding the group IDs the provider read back. Then it is deleted and
// everything it made goes.
func realProviderManagedHub(ctx context.Context, t *testing.T, e *env, clients *emulatorClients, layer *awsemu.Server, restore func(map[string]any), teardown func(from, to int)) {
	const name = "payments-hub"
	defer e.report(ctx, t, teamClusterGVK, "", name)
	xr := exampleXR(t, "xr-managed-hub.yaml")
	ids, _, _ := unstructured.NestedStringMap(xr.Object, "spec", "team", "identityCenterUserIds")
	var settings map[string]any
	if err := e.cp.applySettingsFrom(ctx, "platform-settings-managed-hub.yaml", "", func(data map[string]any) { settings = data }); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := e.cp.applySettings(ctx, restore); err != nil {
			t.Error(err)
		}
	}()
	identity := settings["identity"].(map[string]any)
	store, _ := identity["identityStoreId"].(string)
	region, _ := identity["region"].(string)
	capabilityRole, _ := settings["argocd"].(map[string]any)["capabilityRoleArn"].(string)
	// The organisation's directory holds the people; their IDs are the
	// XR's.
	people := slices.Sorted(maps.Values(ids))
	layer.AddIdentityStoreUsers(centralAccountID, store, people...)
	if err := e.cp.apply(ctx, xr); err != nil {
		t.Fatal(err)
	}
	all := readyOnEmulator(ctx, t, e, clients, name)
	objs := awsManaged(all)
	central := clients.in(centralAccountID, region)
	for _, n := range []string{"iam-role-argocd", "eks-access-entry-argocd", "codecommit-reader-user", "codecommit-credential", "cognito-group", "cognito-group-admins"} {
		if all[n] != nil {
			t.Errorf("%s exists on the managed hub", n)
		}
	}
	if t.Failed() {
		return
	}

	// The capability's role is cluster-admin in the team's cluster, and
	// the cluster is registered by the ARN EKS reports.
	team := clients.in(teamAccountID, emulatorRegion)
	cluster := describeCluster(ctx, t, team, externalName(objs["eks-cluster"]))
	pols, err := team.eks.ListAssociatedAccessPolicies(ctx, &eks.ListAssociatedAccessPoliciesInput{ClusterName: cluster.Name, PrincipalArn: aws.String(capabilityRole)})
	if err != nil || !slices.ContainsFunc(pols.AssociatedAccessPolicies, func(p eksPolicy) bool {
		return aws.ToString(p.PolicyArn) == "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
	}) {
		t.Errorf("the capability's role %s in %s: %+v, %v, want AmazonEKSClusterAdminPolicy", capabilityRole, aws.ToString(cluster.Name), pols, err)
	}
	secret, err := e.get(ctx, secretGVK, "argocd", namesOf("", name).project+"-cluster")
	if err != nil {
		t.Fatal(err)
	}
	if server := secretString(secret, "server"); server != aws.ToString(cluster.Arn) {
		t.Errorf("the cluster Secret's server is %q, want the ARN EKS reports, %q", server, aws.ToString(cluster.Arn))
	}

	// Each group holds one membership per person, and the AppProject
	// binds the groups by the IDs the provider read back from the store.
	var groupIDs []string
	for _, g := range []string{"identitycenter-group", "identitycenter-group-admins"} {
		groupIDs = append(groupIDs, atProvider(objs[g], "groupId"))
	}
	out, err := central.identity.ListGroupMemberships(ctx, &identitystore.ListGroupMembershipsInput{IdentityStoreId: aws.String(store), GroupId: aws.String(groupIDs[0])})
	if err != nil {
		t.Fatal(err)
	}
	var members []string
	for _, m := range out.GroupMemberships {
		if u, ok := m.MemberId.(*idtypes.MemberIdMemberUserId); ok {
			members = append(members, u.Value)
		}
	}
	slices.Sort(members)
	if !slices.Equal(members, people) {
		t.Errorf("the team's group %s holds %v, want the XR's people %v", groupIDs[0], members, people)
	}
	project, err := e.get(ctx, schema.GroupVersionKind{Group: "argoproj.io", Version: "v1alpha1", Kind: "AppProject"}, "argocd", namesOf("", name).project)
	if err != nil {
		t.Fatal(err)
	}
	roles, _, _ := unstructured.NestedSlice(project.Object, "spec", "roles")
	var bound []string
	for _, r := range roles {
		g, _, _ := unstructured.NestedStringSlice(r.(map[string]any), "groups")
		bound = append(bound, g...)
	}
	if !slices.Equal(bound, groupIDs) || slices.Contains(groupIDs, "") {
		t.Errorf("the AppProject's roles bind %v, want the groups' IDs as the provider read them, %v", bound, groupIDs)
	}
	if t.Failed() {
		return
	}

	// Deleting. The capability removes the bootstrap Application's
	// resources from the cluster it names by ARN; upstream Argo CD, which
	// the suite runs, cannot reach a cluster by ARN, and it synced
	// nothing there, so the suite lifts its finalizer as the capability
	// would once done.
	from := len(layer.Journal())
	fg := metav1.DeletePropagationForeground
	r, err := e.cp.resource(teamClusterGVK, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Delete(ctx, name, metav1.DeleteOptions{PropagationPolicy: &fg}); err != nil {
		t.Fatal(err)
	}
	apps, err := e.cp.resource(applicationGVK, "argocd")
	if err != nil {
		t.Fatal(err)
	}
	bootstrap := namesOf("", name).project + "-bootstrap"
	if err := poll(ctx, realReadyTimeout, time.Second, "the bootstrap Application deleted", func() (bool, error) {
		app, err := apps.Get(ctx, bootstrap, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return true, nil
		}
		if err != nil {
			return false, err
		}
		if app.GetDeletionTimestamp() == nil || len(app.GetFinalizers()) == 0 {
			return false, nil
		}
		_, err = apps.Patch(ctx, bootstrap, types.MergePatchType, []byte(`{"metadata":{"finalizers":null}}`), metav1.PatchOptions{})
		return err == nil, err
	}); err != nil {
		t.Fatal(err)
	}
	if err := e.cp.deleteAndWait(ctx, teamClusterGVK, "", name, realReadyTimeout); err != nil {
		t.Fatal(err)
	}
	teardown(from, len(layer.Journal()))
	goneFromEmulator(ctx, t, clients, name, objs)
}
