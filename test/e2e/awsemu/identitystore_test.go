package awsemu

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	idtypes "github.com/aws/aws-sdk-go-v2/service/identitystore/types"
	"github.com/google/go-cmp/cmp"
)

// TestIdentityStore makes a group and memberships as the provider does,
// reads them back as it does, and tries what AWS refuses: a user the
// directory does not hold, a second membership of the same user, a
// duplicate group name, another account's calls, and reading what was
// deleted.
func TestIdentityStore(t *testing.T) {
	ctx := context.Background()
	const store, central = "d-1234567890", "111122223333"
	layer.AddIdentityStoreUsers(central, store, "1234567890-aaaa", "1234567890-bbbb")
	c := identitystore.NewFromConfig(config(central))

	g, err := c.CreateGroup(ctx, &identitystore.CreateGroupInput{IdentityStoreId: aws.String(store), DisplayName: aws.String("eks-gitops-payments"), Description: aws.String("team payments")})
	if err != nil {
		t.Fatal(err)
	}
	gid := aws.ToString(g.GroupId)
	d, err := c.DescribeGroup(ctx, &identitystore.DescribeGroupInput{IdentityStoreId: aws.String(store), GroupId: aws.String(gid)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(d.DisplayName) != "eks-gitops-payments" || aws.ToString(d.Description) != "team payments" {
		t.Errorf("DescribeGroup: %q %q", aws.ToString(d.DisplayName), aws.ToString(d.Description))
	}
	if _, err := c.UpdateGroup(ctx, &identitystore.UpdateGroupInput{IdentityStoreId: aws.String(store), GroupId: aws.String(gid),
		Operations: []idtypes.AttributeOperation{{AttributePath: aws.String("description"), AttributeValue: nil}}}); err != nil {
		t.Errorf("UpdateGroup: %v", err)
	}
	m, err := c.CreateGroupMembership(ctx, &identitystore.CreateGroupMembershipInput{IdentityStoreId: aws.String(store), GroupId: aws.String(gid),
		MemberId: &idtypes.MemberIdMemberUserId{Value: "1234567890-aaaa"}})
	if err != nil {
		t.Fatal(err)
	}
	dm, err := c.DescribeGroupMembership(ctx, &identitystore.DescribeGroupMembershipInput{IdentityStoreId: aws.String(store), MembershipId: m.MembershipId})
	if err != nil {
		t.Fatal(err)
	}
	if u, ok := dm.MemberId.(*idtypes.MemberIdMemberUserId); !ok || u.Value != "1234567890-aaaa" || aws.ToString(dm.GroupId) != gid {
		t.Errorf("DescribeGroupMembership: group %q member %#v", aws.ToString(dm.GroupId), dm.MemberId)
	}

	other := identitystore.NewFromConfig(config("444455556666"))
	refusals := map[string]error{}
	_, refusals["a user the directory does not hold"] = c.CreateGroupMembership(ctx, &identitystore.CreateGroupMembershipInput{IdentityStoreId: aws.String(store), GroupId: aws.String(gid),
		MemberId: &idtypes.MemberIdMemberUserId{Value: "1234567890-cccc"}})
	_, refusals["the same user twice"] = c.CreateGroupMembership(ctx, &identitystore.CreateGroupMembershipInput{IdentityStoreId: aws.String(store), GroupId: aws.String(gid),
		MemberId: &idtypes.MemberIdMemberUserId{Value: "1234567890-aaaa"}})
	_, refusals["a duplicate group name"] = c.CreateGroup(ctx, &identitystore.CreateGroupInput{IdentityStoreId: aws.String(store), DisplayName: aws.String("eks-gitops-payments")})
	_, refusals["another account"] = other.DescribeGroup(ctx, &identitystore.DescribeGroupInput{IdentityStoreId: aws.String(store), GroupId: aws.String(gid)})
	_, refusals["an unknown store"] = c.DescribeGroup(ctx, &identitystore.DescribeGroupInput{IdentityStoreId: aws.String("d-0000000000"), GroupId: aws.String(gid)})
	if _, err := c.DeleteGroup(ctx, &identitystore.DeleteGroupInput{IdentityStoreId: aws.String(store), GroupId: aws.String(gid)}); err != nil {
		t.Fatal(err)
	}
	_, refusals["a deleted group"] = c.DescribeGroup(ctx, &identitystore.DescribeGroupInput{IdentityStoreId: aws.String(store), GroupId: aws.String(gid)})
	_, refusals["a membership gone with its group"] = c.DescribeGroupMembership(ctx, &identitystore.DescribeGroupMembershipInput{IdentityStoreId: aws.String(store), MembershipId: m.MembershipId})
	got := map[string]string{}
	for k, err := range refusals {
		got[k] = code(err)
	}
	want := map[string]string{
		"a user the directory does not hold": "ResourceNotFoundException",
		"the same user twice":                "ConflictException",
		"a duplicate group name":             "ConflictException",
		"another account":                    "AccessDeniedException",
		"an unknown store":                   "ResourceNotFoundException",
		"a deleted group":                    "ResourceNotFoundException",
		"a membership gone with its group":   "ResourceNotFoundException",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("refusals (-want +got):\n%s", diff)
	}
}
