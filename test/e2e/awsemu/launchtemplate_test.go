package awsemu

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// TestLaunchTemplateVersions plays the provider's calls for a launch
// template and its change, as Terraform's aws_launch_template makes them:
// create, a new version for changed data, the default moved to it, and
// the read that follows.
func TestLaunchTemplateVersions(t *testing.T) {
	ctx := context.Background()
	c := ec2.NewFromConfig(config("444455556666"))
	data := func(team string) *ec2types.RequestLaunchTemplateData {
		return &ec2types.RequestLaunchTemplateData{
			MetadataOptions: &ec2types.LaunchTemplateInstanceMetadataOptionsRequest{HttpTokens: ec2types.LaunchTemplateHttpTokensStateRequired},
			TagSpecifications: []ec2types.LaunchTemplateTagSpecificationRequest{{
				ResourceType: ec2types.ResourceTypeInstance, Tags: []ec2types.Tag{{Key: aws.String("team"), Value: aws.String(team)}},
			}},
		}
	}
	created, err := c.CreateLaunchTemplate(ctx, &ec2.CreateLaunchTemplateInput{LaunchTemplateName: aws.String("versions-general"), LaunchTemplateData: data("a")})
	if err != nil {
		t.Fatal(err)
	}
	id := created.LaunchTemplate.LaunchTemplateId
	if got := aws.ToInt64(created.LaunchTemplate.LatestVersionNumber); got != 1 {
		t.Errorf("created with latest version %d, want 1", got)
	}
	v, err := c.CreateLaunchTemplateVersion(ctx, &ec2.CreateLaunchTemplateVersionInput{LaunchTemplateId: id, ClientToken: aws.String("token-1"), LaunchTemplateData: data("b")})
	if err != nil {
		t.Fatal(err)
	}
	if v.LaunchTemplateVersion == nil || aws.ToInt64(v.LaunchTemplateVersion.VersionNumber) != 2 {
		t.Fatalf("new version %+v, want number 2", v.LaunchTemplateVersion)
	}
	if _, err := c.ModifyLaunchTemplate(ctx, &ec2.ModifyLaunchTemplateInput{LaunchTemplateId: id, DefaultVersion: aws.String("2")}); err != nil {
		t.Fatalf("ModifyLaunchTemplate to version 2: %v", err)
	}
	d, err := c.DescribeLaunchTemplates(ctx, &ec2.DescribeLaunchTemplatesInput{LaunchTemplateIds: []string{aws.ToString(id)}})
	if err != nil || len(d.LaunchTemplates) != 1 {
		t.Fatalf("DescribeLaunchTemplates: %v %+v", err, d)
	}
	lt := d.LaunchTemplates[0]
	if aws.ToInt64(lt.LatestVersionNumber) != 2 || aws.ToInt64(lt.DefaultVersionNumber) != 2 {
		t.Errorf("latest %d, default %d, want 2 and 2", aws.ToInt64(lt.LatestVersionNumber), aws.ToInt64(lt.DefaultVersionNumber))
	}
	dv, err := c.DescribeLaunchTemplateVersions(ctx, &ec2.DescribeLaunchTemplateVersionsInput{LaunchTemplateId: id, Versions: []string{"2"}})
	if err != nil || len(dv.LaunchTemplateVersions) != 1 {
		t.Fatalf("DescribeLaunchTemplateVersions: %v %+v", err, dv)
	}
	if tags := dv.LaunchTemplateVersions[0].LaunchTemplateData.TagSpecifications; len(tags) != 1 || aws.ToString(tags[0].Tags[0].Value) != "b" {
		t.Errorf("version 2's tag specifications %+v, want team b", tags)
	}
}
