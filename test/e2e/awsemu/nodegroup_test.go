package awsemu

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
)

// TestUpdateNodegroupVersion: a node group rolls to its launch template's
// new version (the provider's call when the template changes), and
// reports it; one made without a template cannot be given one.
func TestUpdateNodegroupVersion(t *testing.T) {
	ctx := context.Background()
	c := eks.NewFromConfig(config("444455556666"))
	newCluster(t, c, "rolls")
	role := "arn:aws:iam::444455556666:role/eks-gitops/rolls-node"
	if _, err := c.CreateNodegroup(ctx, &eks.CreateNodegroupInput{ClusterName: aws.String("rolls"), NodegroupName: aws.String("general"),
		NodeRole: aws.String(role), Subnets: []string{"subnet-1"},
		LaunchTemplate: &ekstypes.LaunchTemplateSpecification{Name: aws.String("rolls-general"), Version: aws.String("1")}}); err != nil {
		t.Fatal(err)
	}
	u, err := c.UpdateNodegroupVersion(ctx, &eks.UpdateNodegroupVersionInput{ClusterName: aws.String("rolls"), NodegroupName: aws.String("general"),
		LaunchTemplate: &ekstypes.LaunchTemplateSpecification{Name: aws.String("rolls-general"), Version: aws.String("2")}})
	if err != nil {
		t.Fatal(err)
	}
	d, err := c.DescribeUpdate(ctx, &eks.DescribeUpdateInput{Name: aws.String("rolls"), NodegroupName: aws.String("general"), UpdateId: u.Update.Id})
	if err != nil || d.Update.Status != ekstypes.UpdateStatusSuccessful {
		t.Errorf("DescribeUpdate: %v %+v", err, d)
	}
	ng, err := c.DescribeNodegroup(ctx, &eks.DescribeNodegroupInput{ClusterName: aws.String("rolls"), NodegroupName: aws.String("general")})
	if err != nil {
		t.Fatal(err)
	}
	if lt := ng.Nodegroup.LaunchTemplate; lt == nil || aws.ToString(lt.Version) != "2" || aws.ToString(lt.Name) != "rolls-general" {
		t.Errorf("launch template after the update: %+v", lt)
	}
	if _, err := c.CreateNodegroup(ctx, &eks.CreateNodegroupInput{ClusterName: aws.String("rolls"), NodegroupName: aws.String("plain"),
		NodeRole: aws.String(role), Subnets: []string{"subnet-1"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UpdateNodegroupVersion(ctx, &eks.UpdateNodegroupVersionInput{ClusterName: aws.String("rolls"), NodegroupName: aws.String("plain"),
		LaunchTemplate: &ekstypes.LaunchTemplateSpecification{Name: aws.String("rolls-general"), Version: aws.String("2")}}); code(err) != "InvalidParameterException" {
		t.Errorf("giving a template to a node group made without one: %v", err)
	}
	if _, err := c.UpdateNodegroupVersion(ctx, &eks.UpdateNodegroupVersionInput{ClusterName: aws.String("rolls"), NodegroupName: aws.String("none"),
		LaunchTemplate: &ekstypes.LaunchTemplateSpecification{Name: aws.String("rolls-general"), Version: aws.String("2")}}); code(err) != "ResourceNotFoundException" {
		t.Errorf("updating a node group that does not exist: %v", err)
	}
}
