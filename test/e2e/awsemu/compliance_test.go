package awsemu

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// TestClusterProtectionAndEncryption: a protected cluster is not deleted
// until its protection is off, and encryption is added to a running
// cluster once, never changed.
func TestClusterProtectionAndEncryption(t *testing.T) {
	ctx := context.Background()
	c := eks.NewFromConfig(config("444455556666"))
	key := "arn:aws:kms:eu-west-1:444455556666:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	if _, err := c.CreateCluster(ctx, &eks.CreateClusterInput{
		Name: aws.String("protected"), RoleArn: aws.String("arn:aws:iam::444455556666:role/eks"),
		ResourcesVpcConfig: &ekstypes.VpcConfigRequest{SubnetIds: []string{"subnet-1", "subnet-2"}},
		DeletionProtection: aws.Bool(true),
		EncryptionConfig:   []ekstypes.EncryptionConfig{{Resources: []string{"secrets"}, Provider: &ekstypes.Provider{KeyArn: aws.String(key)}}},
	}); err != nil {
		t.Fatal(err)
	}
	out, err := c.DescribeCluster(ctx, &eks.DescribeClusterInput{Name: aws.String("protected")})
	if err != nil {
		t.Fatal(err)
	}
	if !aws.ToBool(out.Cluster.DeletionProtection) || len(out.Cluster.EncryptionConfig) != 1 || aws.ToString(out.Cluster.EncryptionConfig[0].Provider.KeyArn) != key {
		t.Errorf("deletionProtection %v, encryptionConfig %+v", aws.ToBool(out.Cluster.DeletionProtection), out.Cluster.EncryptionConfig)
	}
	if _, err := c.DeleteCluster(ctx, &eks.DeleteClusterInput{Name: aws.String("protected")}); code(err) != "InvalidRequestException" {
		t.Errorf("deleting a protected cluster: %v, want InvalidRequestException", err)
	}
	if _, err := c.AssociateEncryptionConfig(ctx, &eks.AssociateEncryptionConfigInput{
		ClusterName:      aws.String("protected"),
		EncryptionConfig: []ekstypes.EncryptionConfig{{Resources: []string{"secrets"}, Provider: &ekstypes.Provider{KeyArn: aws.String(key + "0")}}},
	}); code(err) != "InvalidParameterException" {
		t.Errorf("changing a cluster's encryption: %v, want InvalidParameterException", err)
	}
	if _, err := c.UpdateClusterConfig(ctx, &eks.UpdateClusterConfigInput{Name: aws.String("protected"), DeletionProtection: aws.Bool(false)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteCluster(ctx, &eks.DeleteClusterInput{Name: aws.String("protected")}); err != nil {
		t.Errorf("deleting once unprotected: %v", err)
	}

	newCluster(t, c, "unencrypted")
	u, err := c.AssociateEncryptionConfig(ctx, &eks.AssociateEncryptionConfigInput{
		ClusterName:      aws.String("unencrypted"),
		EncryptionConfig: []ekstypes.EncryptionConfig{{Resources: []string{"secrets"}, Provider: &ekstypes.Provider{KeyArn: aws.String(key)}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if u.Update.Type != ekstypes.UpdateTypeAssociateEncryptionConfig {
		t.Errorf("update type %s", u.Update.Type)
	}
	if _, err := c.DescribeUpdate(ctx, &eks.DescribeUpdateInput{Name: aws.String("unencrypted"), UpdateId: u.Update.Id}); err != nil {
		t.Errorf("the update the provider waits on: %v", err)
	}
	out, err = c.DescribeCluster(ctx, &eks.DescribeClusterInput{Name: aws.String("unencrypted")})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Cluster.EncryptionConfig) != 1 || aws.ToBool(out.Cluster.DeletionProtection) {
		t.Errorf("encryptionConfig %+v, deletionProtection %v", out.Cluster.EncryptionConfig, aws.ToBool(out.Cluster.DeletionProtection))
	}
}

// TestKMSAndLogs: the calls the provider makes for the cluster's key, its
// alias and the log group, as the Terraform provider makes them.
func TestKMSAndLogs(t *testing.T) {
	ctx := context.Background()
	k := kms.NewFromConfig(config("444455556666"))
	policy, _ := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{
		"Effect": "Allow", "Principal": map[string]any{"AWS": "arn:aws:iam::444455556666:root"}, "Action": "kms:*", "Resource": "*",
	}}})
	key, err := k.CreateKey(ctx, &kms.CreateKeyInput{Description: aws.String("cluster"), Policy: aws.String(string(policy))})
	if err != nil {
		t.Fatal(err)
	}
	id := key.KeyMetadata.KeyId
	if _, err := k.EnableKeyRotation(ctx, &kms.EnableKeyRotationInput{KeyId: id}); err != nil {
		t.Fatal(err)
	}
	if r, err := k.GetKeyRotationStatus(ctx, &kms.GetKeyRotationStatusInput{KeyId: id}); err != nil || !r.KeyRotationEnabled {
		t.Errorf("rotation: %v %v", r, err)
	}
	if _, err := k.GetKeyPolicy(ctx, &kms.GetKeyPolicyInput{KeyId: id, PolicyName: aws.String("default")}); err != nil {
		t.Errorf("GetKeyPolicy: %v", err)
	}
	if _, err := k.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/eks-gitops/x"), TargetKeyId: id}); err != nil {
		t.Fatal(err)
	}
	logs := cloudwatchlogs.NewFromConfig(config("444455556666"))
	group := "/aws/eks/x/cluster"
	if _, err := logs.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String(group), KmsKeyId: key.KeyMetadata.Arn}); err != nil {
		t.Fatal(err)
	}
	if _, err := logs.PutRetentionPolicy(ctx, &cloudwatchlogs.PutRetentionPolicyInput{LogGroupName: aws.String(group), RetentionInDays: aws.Int32(365)}); err != nil {
		t.Fatal(err)
	}
	d, err := logs.DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String(group)})
	if err != nil || len(d.LogGroups) != 1 {
		t.Fatalf("DescribeLogGroups: %v %v", d, err)
	}
	if g := d.LogGroups[0]; aws.ToInt32(g.RetentionInDays) != 365 || aws.ToString(g.KmsKeyId) != aws.ToString(key.KeyMetadata.Arn) {
		t.Errorf("log group retention %d, key %s", aws.ToInt32(g.RetentionInDays), aws.ToString(g.KmsKeyId))
	}
	if _, err := k.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: id, PendingWindowInDays: aws.Int32(7)}); err != nil {
		t.Errorf("ScheduleKeyDeletion: %v", err)
	}
}

// TestInterruptionQueue: the calls the provider makes for Karpenter's
// interruption queue, its policy and the EventBridge rules that feed it.
func TestInterruptionQueue(t *testing.T) {
	ctx := context.Background()
	q := sqs.NewFromConfig(config("210987654321"))
	created, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{
		QueueName:  aws.String("ml-prod-karpenter"),
		Attributes: map[string]string{"MessageRetentionPeriod": "300", "SqsManagedSseEnabled": "true"},
	})
	if err != nil {
		t.Fatal(err)
	}
	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":["events.amazonaws.com","sqs.amazonaws.com"]},"Action":"sqs:SendMessage","Resource":"*"}]}`
	if _, err := q.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: created.QueueUrl, Attributes: map[string]string{"Policy": policy}}); err != nil {
		t.Fatal(err)
	}
	attrs, err := q.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: created.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameAll}})
	if err != nil {
		t.Fatal(err)
	}
	if attrs.Attributes["Policy"] == "" || attrs.Attributes["QueueArn"] == "" {
		t.Errorf("queue attributes %v", attrs.Attributes)
	}
	eb := eventbridge.NewFromConfig(config("210987654321"))
	rule, err := eb.PutRule(ctx, &eventbridge.PutRuleInput{
		Name: aws.String("ml-prod-karpenter-spot"), EventPattern: aws.String(`{"source":["aws.ec2"],"detail-type":["EC2 Spot Instance Interruption Warning"]}`),
		Tags: []ebtypes.Tag{{Key: aws.String("team"), Value: aws.String("ml")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := eb.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("ml-prod-karpenter-spot"), Targets: []ebtypes.Target{{Id: aws.String("KarpenterInterruptionQueueTarget"), Arn: aws.String(attrs.Attributes["QueueArn"])}}}); err != nil {
		t.Fatal(err)
	}
	targets, err := eb.ListTargetsByRule(ctx, &eventbridge.ListTargetsByRuleInput{Rule: aws.String("ml-prod-karpenter-spot")})
	if err != nil || len(targets.Targets) != 1 {
		t.Errorf("targets %v %v", targets, err)
	}
	if tags, err := eb.ListTagsForResource(ctx, &eventbridge.ListTagsForResourceInput{ResourceARN: rule.RuleArn}); err != nil || len(tags.Tags) != 1 {
		t.Errorf("rule tags %v %v", tags, err)
	}
}
