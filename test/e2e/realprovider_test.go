//go:build realaws

package e2e

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	logstypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/aws-sdk-go-v2/service/codecommit"
	cognito "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	cognitotypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/yaml"

	"github.com/eks-gitops/function-eks-gitops/test/e2e/awsemu"
)

// The AWS provider families the function composes, each run from its own
// binary as the provider's packages run them.
var awsFamilies = []string{"ec2", "iam", "eks", "cognitoidp", "identitystore", "codecommit", "sqs", "cloudwatchevents", "kms", "cloudwatchlogs"}

// The accounts payments-dev uses: the team's, and the central account
// holding the repositories and Cognito.
const (
	teamAccountID    = "444455556666"
	centralAccountID = "111122223333"
	emulatorRegion   = "eu-west-1"
	// The compute modes' examples: search-prod in EKS Auto Mode,
	// ml-prod with Karpenter.
	autoModeAccountID, autoModeRegion   = "777788889999", "eu-west-1"
	karpenterAccountID, karpenterRegion = "210987654321", "us-west-2"
)

// suiteAppID is in the User-Agent of the suite's own AWS calls.
const suiteAppID = "e2e-suite"

// realReadyTimeout bounds how long an XR may take to become Ready with the
// real provider, which retries on its own schedule.
const realReadyTimeout = 12 * time.Minute

type (
	iamPolicy    = iamtypes.AttachedPolicy
	eksPolicy    = ekstypes.AssociatedAccessPolicy
	cognitoGroup = cognitotypes.GroupType
	cognitoUser  = cognitotypes.UserType
)

// awsClients read the emulator in one account.
type awsClients struct {
	ec2        *ec2.Client
	iam        *iam.Client
	eks        *eks.Client
	cognito    *cognito.Client
	codecommit *codecommit.Client
	sqs        *sqs.Client
	events     *eventbridge.Client
	kms        *kms.Client
	logs       *cloudwatchlogs.Client
	identity   *identitystore.Client
}

func clientsIn(endpoint, account, region string) awsClients {
	cfg := aws.Config{
		// Marks the suite's own calls apart from the provider's.
		AppID:        suiteAppID,
		Region:       region,
		Credentials:  credentials.NewStaticCredentialsProvider(awsemu.AccessKeyID(account), "emulated", ""),
		BaseEndpoint: aws.String(endpoint),
	}
	return awsClients{ec2: ec2.NewFromConfig(cfg), iam: iam.NewFromConfig(cfg), eks: eks.NewFromConfig(cfg),
		cognito: cognito.NewFromConfig(cfg), codecommit: codecommit.NewFromConfig(cfg),
		sqs: sqs.NewFromConfig(cfg), events: eventbridge.NewFromConfig(cfg), kms: kms.NewFromConfig(cfg), logs: cloudwatchlogs.NewFromConfig(cfg),
		identity: identitystore.NewFromConfig(cfg)}
}

// notFound reports whether err is an AWS API's answer that the thing does
// not exist.
func notFound(err error) bool {
	var api smithy.APIError
	if !errors.As(err, &api) {
		return false
	}
	c := api.ErrorCode()
	return strings.Contains(c, "NotFound") || c == "NoSuchEntity" || c == "RepositoryDoesNotExistException" || c == "ApprovalRuleTemplateDoesNotExistException" ||
		c == "ResourceNotFoundException" || c == "AWS.SimpleQueueService.NonExistentQueue" || c == "QueueDoesNotExist"
}

// forProvider reads a string of a managed resource's resolved spec.
func forProvider(o *unstructured.Unstructured, field string) string {
	v, _, _ := unstructured.NestedString(o.Object, "spec", "forProvider", field)
	return v
}

func atProvider(o *unstructured.Unstructured, field string) string {
	v, _, _ := unstructured.NestedString(o.Object, "status", "atProvider", field)
	return v
}

func externalName(o *unstructured.Unstructured) string {
	return o.GetAnnotations()["crossplane.io/external-name"]
}

// inEmulator reports whether the AWS resource a managed resource stands for
// exists in the emulator, asking the AWS API of its kind.
func inEmulator(ctx context.Context, c awsClients, o *unstructured.Unstructured) (bool, error) {
	if strings.HasPrefix(o.GroupVersionKind().Group, "identitystore.") {
		return inIdentityStore(ctx, c.identity, o)
	}
	id := externalName(o)
	var err error
	switch o.GetKind() {
	case "VPC":
		var out *ec2.DescribeVpcsOutput
		if out, err = c.ec2.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{VpcIds: []string{id}}); err == nil {
			return len(out.Vpcs) == 1, nil
		}
	case "Subnet":
		var out *ec2.DescribeSubnetsOutput
		if out, err = c.ec2.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{SubnetIds: []string{id}}); err == nil {
			return len(out.Subnets) == 1, nil
		}
	case "InternetGateway":
		var out *ec2.DescribeInternetGatewaysOutput
		if out, err = c.ec2.DescribeInternetGateways(ctx, &ec2.DescribeInternetGatewaysInput{InternetGatewayIds: []string{id}}); err == nil {
			return len(out.InternetGateways) == 1, nil
		}
	case "EIP":
		var out *ec2.DescribeAddressesOutput
		if out, err = c.ec2.DescribeAddresses(ctx, &ec2.DescribeAddressesInput{AllocationIds: []string{id}}); err == nil {
			return len(out.Addresses) == 1, nil
		}
	case "NATGateway":
		var out *ec2.DescribeNatGatewaysOutput
		if out, err = c.ec2.DescribeNatGateways(ctx, &ec2.DescribeNatGatewaysInput{NatGatewayIds: []string{id}}); err == nil {
			return len(out.NatGateways) == 1 && out.NatGateways[0].State != ec2types.NatGatewayStateDeleted, nil
		}
	case "RouteTable":
		var out *ec2.DescribeRouteTablesOutput
		if out, err = c.ec2.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{RouteTableIds: []string{id}}); err == nil {
			return len(out.RouteTables) == 1, nil
		}
	case "Route":
		var out *ec2.DescribeRouteTablesOutput
		if out, err = c.ec2.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{RouteTableIds: []string{forProvider(o, "routeTableId")}}); err == nil {
			for _, t := range out.RouteTables {
				for _, r := range t.Routes {
					if aws.ToString(r.DestinationCidrBlock) == forProvider(o, "destinationCidrBlock") {
						return true, nil
					}
				}
			}
			return false, nil
		}
	case "RouteTableAssociation":
		var out *ec2.DescribeRouteTablesOutput
		if out, err = c.ec2.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{Filters: []ec2types.Filter{{Name: aws.String("association.route-table-association-id"), Values: []string{id}}}}); err == nil {
			return len(out.RouteTables) == 1, nil
		}
	case "LaunchTemplate":
		var out *ec2.DescribeLaunchTemplatesOutput
		if out, err = c.ec2.DescribeLaunchTemplates(ctx, &ec2.DescribeLaunchTemplatesInput{LaunchTemplateIds: []string{id}}); err == nil {
			return len(out.LaunchTemplates) == 1, nil
		}
	case "InstanceProfile":
		_, err = c.iam.GetInstanceProfile(ctx, &iam.GetInstanceProfileInput{InstanceProfileName: aws.String(id)})
	case "Role":
		_, err = c.iam.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(id)})
	case "RolePolicy":
		// The external name is the inline policy's name within the role.
		var out *iam.ListRolePoliciesOutput
		if out, err = c.iam.ListRolePolicies(ctx, &iam.ListRolePoliciesInput{RoleName: aws.String(forProvider(o, "role"))}); err == nil {
			if !slices.Contains(out.PolicyNames, id) {
				return false, fmt.Errorf("role %q has inline policies %v, not %q", forProvider(o, "role"), out.PolicyNames, id)
			}
			return true, nil
		}
	case "RolePolicyAttachment":
		var out *iam.ListAttachedRolePoliciesOutput
		if out, err = c.iam.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(forProvider(o, "role"))}); err == nil {
			return slices.ContainsFunc(out.AttachedPolicies, func(p iamPolicy) bool { return aws.ToString(p.PolicyArn) == forProvider(o, "policyArn") }), nil
		}
	case "User":
		_, err = c.iam.GetUser(ctx, &iam.GetUserInput{UserName: aws.String(id)})
	case "Policy":
		_, err = c.iam.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String(atProvider(o, "arn"))})
	case "UserPolicyAttachment":
		var out *iam.ListAttachedUserPoliciesOutput
		if out, err = c.iam.ListAttachedUserPolicies(ctx, &iam.ListAttachedUserPoliciesInput{UserName: aws.String(forProvider(o, "user"))}); err == nil {
			return slices.ContainsFunc(out.AttachedPolicies, func(p iamPolicy) bool { return aws.ToString(p.PolicyArn) == forProvider(o, "policyArn") }), nil
		}
	case "ServiceSpecificCredential":
		var out *iam.ListServiceSpecificCredentialsOutput
		if out, err = c.iam.ListServiceSpecificCredentials(ctx, &iam.ListServiceSpecificCredentialsInput{UserName: aws.String(forProvider(o, "userName"))}); err == nil {
			return len(out.ServiceSpecificCredentials) == 1, nil
		}
	case "Cluster":
		_, err = c.eks.DescribeCluster(ctx, &eks.DescribeClusterInput{Name: aws.String(id)})
	case "NodeGroup":
		_, err = c.eks.DescribeNodegroup(ctx, &eks.DescribeNodegroupInput{ClusterName: aws.String(forProvider(o, "clusterName")), NodegroupName: aws.String(id)})
	case "Addon":
		_, err = c.eks.DescribeAddon(ctx, &eks.DescribeAddonInput{ClusterName: aws.String(forProvider(o, "clusterName")), AddonName: aws.String(forProvider(o, "addonName"))})
	case "AccessEntry":
		_, err = c.eks.DescribeAccessEntry(ctx, &eks.DescribeAccessEntryInput{ClusterName: aws.String(forProvider(o, "clusterName")), PrincipalArn: aws.String(forProvider(o, "principalArn"))})
	case "AccessPolicyAssociation":
		var out *eks.ListAssociatedAccessPoliciesOutput
		if out, err = c.eks.ListAssociatedAccessPolicies(ctx, &eks.ListAssociatedAccessPoliciesInput{ClusterName: aws.String(forProvider(o, "clusterName")), PrincipalArn: aws.String(forProvider(o, "principalArn"))}); err == nil {
			return slices.ContainsFunc(out.AssociatedAccessPolicies, func(p eksPolicy) bool { return aws.ToString(p.PolicyArn) == forProvider(o, "policyArn") }), nil
		}
	case "PodIdentityAssociation":
		_, err = c.eks.DescribePodIdentityAssociation(ctx, &eks.DescribePodIdentityAssociationInput{ClusterName: aws.String(forProvider(o, "clusterName")), AssociationId: aws.String(atProvider(o, "associationId"))})
	case "UserGroup":
		_, err = c.cognito.GetGroup(ctx, &cognito.GetGroupInput{UserPoolId: aws.String(forProvider(o, "userPoolId")), GroupName: aws.String(forProvider(o, "name"))})
	case "UserInGroup":
		var out *cognito.AdminListGroupsForUserOutput
		if out, err = c.cognito.AdminListGroupsForUser(ctx, &cognito.AdminListGroupsForUserInput{UserPoolId: aws.String(forProvider(o, "userPoolId")), Username: aws.String(forProvider(o, "username"))}); err == nil {
			return slices.ContainsFunc(out.Groups, func(g cognitoGroup) bool { return aws.ToString(g.GroupName) == forProvider(o, "groupName") }), nil
		}
	case "Repository":
		_, err = c.codecommit.GetRepository(ctx, &codecommit.GetRepositoryInput{RepositoryName: aws.String(id)})
	case "ApprovalRuleTemplate":
		_, err = c.codecommit.GetApprovalRuleTemplate(ctx, &codecommit.GetApprovalRuleTemplateInput{ApprovalRuleTemplateName: aws.String(id)})
	case "ApprovalRuleTemplateAssociation":
		var out *codecommit.ListRepositoriesForApprovalRuleTemplateOutput
		if out, err = c.codecommit.ListRepositoriesForApprovalRuleTemplate(ctx, &codecommit.ListRepositoriesForApprovalRuleTemplateInput{ApprovalRuleTemplateName: aws.String(forProvider(o, "approvalRuleTemplateName"))}); err == nil {
			return slices.Contains(out.RepositoryNames, forProvider(o, "repositoryName")), nil
		}
	case "Queue":
		_, err = c.sqs.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(id)})
	case "QueuePolicy":
		var out *sqs.GetQueueAttributesOutput
		if out, err = c.sqs.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(forProvider(o, "queueUrl")), AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNamePolicy}}); err == nil {
			return out.Attributes["Policy"] != "", nil
		}
	case "Rule":
		_, err = c.events.DescribeRule(ctx, &eventbridge.DescribeRuleInput{Name: aws.String(id)})
	case "Target":
		var out *eventbridge.ListTargetsByRuleOutput
		if out, err = c.events.ListTargetsByRule(ctx, &eventbridge.ListTargetsByRuleInput{Rule: aws.String(forProvider(o, "rule"))}); err == nil {
			return slices.ContainsFunc(out.Targets, func(t ebtypes.Target) bool { return aws.ToString(t.Id) == forProvider(o, "targetId") }), nil
		}
	case "Key":
		var out *kms.DescribeKeyOutput
		if out, err = c.kms.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(id)}); err == nil {
			return out.KeyMetadata.KeyState != kmstypes.KeyStatePendingDeletion, nil
		}
	case "Alias":
		var out *kms.ListAliasesOutput
		if out, err = c.kms.ListAliases(ctx, &kms.ListAliasesInput{}); err == nil {
			return slices.ContainsFunc(out.Aliases, func(a kmstypes.AliasListEntry) bool { return aws.ToString(a.AliasName) == "alias/"+id }), nil
		}
	case "Group":
		var out *cloudwatchlogs.DescribeLogGroupsOutput
		if out, err = c.logs.DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String(id)}); err == nil {
			return slices.ContainsFunc(out.LogGroups, func(g logstypes.LogGroup) bool { return aws.ToString(g.LogGroupName) == id }), nil
		}
	default:
		return false, fmt.Errorf("no check for %s", o.GetKind())
	}
	if err == nil {
		return true, nil
	}
	if notFound(err) {
		return false, nil
	}
	return false, fmt.Errorf("%s %s: %w", o.GetKind(), o.GetName(), err)
}

// emulatorClients hands out clients of the emulator per account and region:
// the XRs' managed resources are spread over several of each.
type emulatorClients struct {
	endpoint string
	by       map[[2]string]awsClients
}

func (c *emulatorClients) in(account, region string) awsClients {
	k := [2]string{account, region}
	if _, ok := c.by[k]; !ok {
		c.by[k] = clientsIn(c.endpoint, account, region)
	}
	return c.by[k]
}

// of picks the account a managed resource lives in from its ProviderConfig
// (aws-central, or aws-{accountId} as the platform settings name them) and
// the region from its own field; IAM's kinds have none, IAM being global.
func (c *emulatorClients) of(o *unstructured.Unstructured) awsClients {
	name, _, _ := unstructured.NestedString(o.Object, "spec", "providerConfigRef", "name")
	account := strings.TrimPrefix(name, "aws-")
	if name == "aws-central" {
		account = centralAccountID
	}
	region := forProvider(o, "region")
	if region == "" {
		region = emulatorRegion
	}
	return c.in(account, region)
}

// startEmulator runs moto_server with the layer in front on loopback.
func startEmulator(t *testing.T) (string, *awsemu.Server) {
	t.Helper()
	motoURL, stop, err := awsemu.StartMoto()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	layer, err := awsemu.New(motoURL)
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: layer, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	return "http://" + l.Addr().String(), layer
}

// providerConfigs writes, for each account, the credentials Secret and the
// ClusterProviderConfig the Compositions name, pointing every service the
// function composes at the emulator with the provider's own endpoint
// settings.
func providerConfigs(ctx context.Context, cp *controlPlane, endpoint string, teamAccounts ...string) error {
	names := map[string]string{"aws-central": centralAccountID}
	for _, a := range teamAccounts {
		names["aws-"+a] = a
	}
	for name, account := range names {
		creds := fmt.Sprintf("[default]\naws_access_key_id = %s\naws_secret_access_key = emulated\n", awsemu.AccessKeyID(account))
		s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "crossplane-system"}, Data: map[string][]byte{"credentials": []byte(creds)}}
		if _, err := cp.kube.CoreV1().Secrets("crossplane-system").Create(ctx, s, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return err
		}
		pc := &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "aws.m.upbound.io/v1beta1", "kind": "ClusterProviderConfig",
			"metadata": map[string]any{"name": name},
			"spec": map[string]any{
				"credentials": map[string]any{"source": "Secret", "secretRef": map[string]any{"namespace": "crossplane-system", "name": name, "key": "credentials"}},
				"endpoint": map[string]any{
					"url":               map[string]any{"type": "Static", "static": endpoint},
					"services":          []any{"ec2", "iam", "eks", "cognitoidp", "identitystore", "codecommit", "sqs", "events", "kms", "logs", "sts"},
					"hostnameImmutable": true,
					"source":            "Custom",
				},
				// The provider asks STS for the account: with
				// skip_credentials_validation it assumes 000000000000,
				// and every IAM policy ARN it builds from that (the
				// Policy's ID) names an account that has no such
				// policy, so it creates the policy again and again.
				"skip_metadata_api_check": true,
				"skip_region_validation":  true,
			},
		}}
		if err := cp.apply(ctx, pc); err != nil {
			return err
		}
	}
	return nil
}

// installProviderConfigCRDs installs the ProviderConfig kinds the AWS
// provider family's own package brings.
func installProviderConfigCRDs(ctx context.Context, cp *controlPlane) error {
	dir, err := moduleDir(filepath.Join(root, "test", "conformance"), "github.com/upbound/provider-aws/v2@v2.5.0")
	if err != nil {
		return err
	}
	crdGVK := schema.GroupVersionKind{Group: "apiextensions.k8s.io", Version: "v1", Kind: "CustomResourceDefinition"}
	for _, r := range []string{"clusterproviderconfigs", "providerconfigs", "providerconfigusages"} {
		if err := cp.applyFile(ctx, filepath.Join(dir, "package", "crds", "aws.m.upbound.io_"+r+".yaml")); err != nil {
			return err
		}
		if err := cp.waitCondition(ctx, crdGVK, r+".aws.m.upbound.io", "Established", "True", time.Minute); err != nil {
			return err
		}
	}
	return nil
}

// startAWSProviders runs the provider's controllers of each family out of
// cluster, as the provider's packages run them in one.
func startAWSProviders(cp *controlPlane) error {
	for _, family := range awsFamilies {
		metrics, _ := freePort()
		health, _ := freePort()
		if _, err := start(cp.dir, "provider-aws-"+family, []string{"KUBECONFIG=" + cp.kubeconfig}, bin(filepath.Join("provider-aws", family)),
			"--debug", "--poll", "1m", "--certs-dir=", "--max-reconcile-rate", "20",
			"--metrics-bind-address", fmt.Sprintf("127.0.0.1:%d", metrics),
			"--health-probe-bind-addr", fmt.Sprintf("127.0.0.1:%d", health)); err != nil {
			return err
		}
	}
	return nil
}

// cognitoPool makes the platform's user pool in the central account, with
// the team's members as its users, and returns its ID.
func cognitoPool(ctx context.Context, c awsClients, members ...string) (string, error) {
	pool, err := c.cognito.CreateUserPool(ctx, &cognito.CreateUserPoolInput{PoolName: aws.String("platform")})
	if err != nil {
		return "", err
	}
	id := aws.ToString(pool.UserPool.Id)
	return id, addUsers(ctx, c, id, members...)
}

func addUsers(ctx context.Context, c awsClients, pool string, members ...string) error {
	for _, m := range members {
		if _, err := c.cognito.AdminCreateUser(ctx, &cognito.AdminCreateUserInput{UserPoolId: aws.String(pool), Username: aws.String(m)}); err != nil {
			return fmt.Errorf("user %s: %w", m, err)
		}
	}
	return nil
}

// teardownRetries are the refusals AWS answers while Crossplane deletes an
// XR because a parent's deletion meets a child still there, by service and
// error code, with why. Kubernetes' garbage collector deletes the composed
// resources at once, not in order, so the provider meets these and retries
// until AWS accepts; the deleting stages check that everything went.
// Ordering every pair with a Usage costs more objects per XR than the
// refusals do (docs/testing.md).
var teardownRetries = map[string]string{
	"iam DeleteConflict":         "a policy, role or user deleted while still attached",
	"ec2 DependencyViolation":    "a subnet, gateway, security group or VPC deleted while something in it remains",
	"eks ResourceInUseException": "a cluster deleted while its node groups or add-ons remain",
	"events ValidationException": "a rule deleted while its target remains",
}

// teardownRetry says whether a call refused while an XR is deleted is one
// teardown brings, and why: one of teardownRetries, or a call about what
// AWS had already deleted, itself or with its parent (a subnet's route
// table association goes with the subnet, an access policy association
// with its access entry; the provider retries a child's create or delete
// it had under way). Any other refusal, and any refusal while creating or
// changing, fails the suite.
func teardownRetry(c awsemu.Call) (string, bool) {
	if why, ok := teardownRetries[c.Service+" "+c.Code]; ok {
		// EventBridge's ValidationException says more than dependency.
		if c.Service == "events" && !strings.Contains(c.Error, "since it has targets") {
			return "", false
		}
		return why, true
	}
	for _, gone := range []string{"NotFound", "NotFoundException", "NoSuchEntity"} {
		if strings.HasSuffix(c.Code, gone) {
			return "about what AWS had already deleted, or whose parent it had", true
		}
	}
	return "", false
}

// awsManaged are an XR's composed AWS managed resources.
func awsManaged(objs map[string]*unstructured.Unstructured) map[string]*unstructured.Unstructured {
	out := map[string]*unstructured.Unstructured{}
	for n, o := range objs {
		if strings.HasSuffix(o.GroupVersionKind().Group, ".aws.m.upbound.io") {
			out[n] = o
		}
	}
	return out
}

// readyOnEmulator waits for XR name to be Ready and checks that every AWS
// managed resource it composed is Ready, Synced and in the emulator; it
// returns everything it composed.
func readyOnEmulator(ctx context.Context, t *testing.T, e *env, clients *emulatorClients, name string) map[string]*unstructured.Unstructured {
	t.Helper()
	if err := poll(ctx, realReadyTimeout, 2*time.Second, name+" Ready", func() (bool, error) {
		xr, err := e.xr(ctx, teamClusterGVK, "", name)
		return err == nil && conditionStatus(xr, "Ready") == "True", err
	}); err != nil {
		t.Fatal(err)
	}
	xr, err := e.xr(ctx, teamClusterGVK, "", name)
	if err != nil {
		t.Fatal(err)
	}
	all, err := e.composed(ctx, xr)
	if err != nil {
		t.Fatal(err)
	}
	for n, o := range awsManaged(all) {
		if conditionStatus(o, "Ready") != "True" || conditionStatus(o, "Synced") != "True" {
			t.Errorf("%s: %s (%s) is not Ready and Synced: %s", name, n, o.GetKind(), conditionMessage(o, "Synced"))
		}
		if ok, err := inEmulator(ctx, clients.of(o), o); err != nil || !ok {
			t.Errorf("%s: %s (%s, external name %q) is Ready but not in the emulator: %v", name, n, o.GetKind(), externalName(o), err)
		}
	}
	return all
}

// goneFromEmulator checks, once XR name is deleted, that none of the AWS
// resources it made is left in the emulator but its repository, which holds
// the team's history: composed without the Delete management policy, it
// stays.
func goneFromEmulator(ctx context.Context, t *testing.T, clients *emulatorClients, name string, objs map[string]*unstructured.Unstructured) {
	t.Helper()
	for n, o := range objs {
		ok, err := inEmulator(ctx, clients.of(o), o)
		kept := o.GetKind() == "Repository"
		switch {
		case err != nil:
			t.Error(err)
		case ok && !kept:
			t.Errorf("%s: %s (%s %s) is still in the emulator after the XR is gone", name, n, o.GetKind(), externalName(o))
		case !ok && kept:
			t.Errorf("%s: the repository %s was deleted; it is to be kept", name, externalName(o))
		}
	}
}

// TestRealProvider runs the AWS provider's own controllers against the
// emulator: payments-dev is created, changed and deleted, and each time
// the emulator holds exactly what the provider made.
func TestRealProvider(t *testing.T) {
	for _, f := range awsFamilies {
		if _, err := os.Stat(bin(filepath.Join("provider-aws", f))); err != nil {
			t.Fatalf("the AWS provider's %s controllers are not built; run hack/e2e-aws.sh, which builds them: %v", f, err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Minute)
	defer cancel()
	endpoint, layer := startEmulator(t)
	clients := &emulatorClients{endpoint: endpoint, by: map[[2]string]awsClients{}}
	team, central := clients.in(teamAccountID, emulatorRegion), clients.in(centralAccountID, emulatorRegion)
	pool, err := cognitoPool(ctx, central, "alice", "bob.smith", "carol@example.com")
	if err != nil {
		t.Fatal(err)
	}
	kubernetesOnly := slices.DeleteFunc(slices.Clone(managedKinds), func(g schema.GroupVersionResource) bool {
		return strings.HasSuffix(g.Group, ".aws.m.upbound.io")
	})
	withPool := func(data map[string]any) {
		cog := data["cognito"].(map[string]any)
		cog["userPoolId"], cog["region"] = pool, emulatorRegion
	}
	e := setupWith(ctx, t, setupOptions{simulated: kubernetesOnly, settings: withPool})
	if err := installProviderConfigCRDs(ctx, e.cp); err != nil {
		t.Fatal(err)
	}
	if err := providerConfigs(ctx, e.cp, endpoint, teamAccountID, autoModeAccountID, karpenterAccountID); err != nil {
		t.Fatal(err)
	}
	if err := startAWSProviders(e.cp); err != nil {
		t.Fatal(err)
	}
	t.Logf("real-aws: emulator at %s, providers %v started", endpoint, awsFamilies)
	// The developer's loop on what the provider made: EKS reports a team
	// cluster of the harness's for payments-dev, whose authenticator reads
	// the emulator's access entries; CodeCommit's Git endpoint signs in
	// with the emulator's credentials and judges by the emulator's
	// policies; Argo CD's own controllers play their part.
	// The compute modes' clusters (realProviderModes) get team clusters
	// too: Argo CD's own controller reaches each to sync, and to delete
	// its Application's resources before the cluster goes.
	regions := map[string]string{teamAccountID: emulatorRegion, autoModeAccountID: autoModeRegion, karpenterAccountID: karpenterRegion}
	teams := []loopSpec{{"payments-dev", "payments", teamAccountID}, {"search-prod", "search", autoModeAccountID}, {"ml-prod", "ml", karpenterAccountID}}
	accounts := map[string]awsClients{centralAccountID: central}
	for _, x := range teams {
		accounts[x.account] = clients.in(x.account, regions[x.account])
	}
	l := e.startLoopWith(ctx, t, loopOptions{
		aws:   emulatedAWS{cp: e.cp, layer: layer, accounts: accounts},
		teams: teams,
		place: func(tc *teamCluster) {
			for _, x := range teams {
				if x.xr == tc.xr {
					layer.PlaceCluster(x.account, regions[x.account], namesOf("", tc.xr).cluster, tc.server, tc.caData)
				}
			}
		},
	})
	defer l.report(t)
	defer func() {
		if !t.Failed() {
			agents, err := recordProviderCalls(layer.Calls())
			if err != nil {
				t.Error(err)
			}
			t.Logf("the provider's calls came with User-Agents %v", agents)
		}
	}()
	// teardowns are the journal's windows [from, to) in which XRs were
	// deleted.
	var teardowns [][2]int
	teardown := func(from, to int) { teardowns = append(teardowns, [2]int{from, to}) }
	defer func() {
		// What AWS refused is what the provider had to retry: the objects
		// the function emits must work the first time. Deleting, only
		// the dependency refusals of teardownRetries are expected.
		type retry struct{ service, op, code, why string }
		retries := map[retry]int{}
		for i, c := range layer.Journal() {
			if c.Status < 300 {
				continue
			}
			deleting := slices.ContainsFunc(teardowns, func(w [2]int) bool { return w[0] <= i && i < w[1] })
			if why, ok := teardownRetry(c); deleting && ok {
				retries[retry{c.Service, c.Op, c.Code, why}]++
				continue
			}
			t.Errorf("the emulator refused a call the provider made: %s", c)
		}
		for r, n := range retries {
			t.Logf("refused while deleting: %s %s -> %s, %d times (%s)", r.service, r.op, r.code, n, r.why)
		}
		if u := layer.Unexpected(); len(u) > 0 {
			t.Errorf("the provider sent what AWS would refuse: %v", u)
		}
	}()

	var created map[string]*unstructured.Unstructured
	// observed is payments-dev converged, as Crossplane passes it to the
	// function: a passing run records it for the benchmarks.
	var observed map[string]any
	defer func() {
		if !t.Failed() && observed != nil {
			if err := writeYAMLFile(recordedObserved, observed); err != nil {
				t.Error(err)
			}
		}
	}()
	t.Run("1-create", func(t *testing.T) {
		defer e.report(ctx, t, teamClusterGVK, "", "payments-dev")
		if err := e.cp.apply(ctx, exampleXR(t, "xr.yaml")); err != nil {
			t.Fatal(err)
		}
		if err := poll(ctx, realReadyTimeout, 2*time.Second, "payments-dev Ready", func() (bool, error) {
			xr, err := e.xr(ctx, teamClusterGVK, "", "payments-dev")
			return err == nil && conditionStatus(xr, "Ready") == "True", err
		}); err != nil {
			t.Fatal(err)
		}
		xr, err := e.xr(ctx, teamClusterGVK, "", "payments-dev")
		if err != nil {
			t.Fatal(err)
		}
		objs, err := e.composed(ctx, xr)
		if err != nil {
			t.Fatal(err)
		}
		observed = map[string]any{"composite": xr.Object, "resources": objectsOf(objs)}
		created = awsManaged(objs)
		if len(created) < 30 {
			t.Fatalf("payments-dev composed %d AWS resources, want the whole plan", len(created))
		}
		for n, o := range created {
			if conditionStatus(o, "Ready") != "True" || conditionStatus(o, "Synced") != "True" {
				t.Errorf("%s (%s %s) is not Ready and Synced: %s", n, o.GetKind(), o.GetName(), conditionMessage(o, "Synced"))
			}
			ok, err := inEmulator(ctx, clients.of(o), o)
			if err != nil {
				t.Error(err)
			} else if !ok {
				t.Errorf("%s (%s, external name %q) is Ready but not in the emulator", n, o.GetKind(), externalName(o))
			}
		}
		// The Argo CD cluster Secret carries what EKS reported.
		n := namesOf("", "payments-dev")
		cl, err := team.eks.DescribeCluster(ctx, &eks.DescribeClusterInput{Name: aws.String(n.cluster)})
		if err != nil {
			t.Fatal(err)
		}
		secret, err := e.get(ctx, secretGVK, "argocd", n.project+"-cluster")
		if err != nil {
			t.Fatal(err)
		}
		if got, want := secretString(secret, "server"), aws.ToString(cl.Cluster.Endpoint); got != want {
			t.Errorf("cluster Secret server %q, want EKS's endpoint %q", got, want)
		}
		if want := aws.ToString(cl.Cluster.CertificateAuthority.Data); !strings.Contains(secretString(secret, "config"), `"caData":"`+want+`"`) {
			t.Errorf("cluster Secret config does not carry EKS's CA: %s", secretString(secret, "config"))
		}
		// The repository Secret holds the password IAM made.
		repo, err := e.get(ctx, secretGVK, "argocd", n.project+"-repo")
		if err != nil {
			t.Fatal(err)
		}
		cred, err := e.cp.kube.CoreV1().Secrets("crossplane-system").Get(ctx, "payments-dev.git-credential", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got := secretString(repo, "password"); got == "" || got != string(cred.Data["attribute.service_password"]) {
			t.Errorf("the repository Secret does not hold the password IAM made (connection keys %v)", keys(cred.Data))
		}
		for _, o := range created {
			if o.GetKind() != "ServiceSpecificCredential" {
				continue
			}
			if got, want := secretString(repo, "username"), atProvider(o, "serviceUserName"); got != want {
				t.Errorf("repository Secret username %q, want IAM's %q", got, want)
			}
		}
	})
	if t.Failed() {
		return
	}

	t.Run("onboarding", func(t *testing.T) {
		defer l.report(t)
		a := l.teams["payments-dev"]
		l.observe(ctx, t, a)
		// Argo CD pulls the team's first manifest with the credential IAM
		// issued and deploys it into the cluster EKS reports, through the
		// role and access entry the provider made.
		l.firstDeployment(ctx, t, a)
		// A member reaches the team's namespace and no further, the way
		// docs/first-cluster.md says: aws eks update-kubeconfig, then the
		// kubeconfig's own exec plugin (aws eks get-token) with the
		// member's session; a member pushes a branch through the push
		// role, never the default branch.
		member := l.session(ctx, t, a, "members")
		// The session acts in the team's account; the emulator knows
		// accounts by their access keys, so update-kubeconfig's
		// DescribeCluster signs with the team account's.
		m := awsKubeconfigClient(ctx, t, endpoint, l.eks.sts, a.eksName, member,
			aws.Credentials{AccessKeyID: awsemu.AccessKeyID(teamAccountID), SecretAccessKey: "emulated"})
		cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "by-a-member"}}
		if _, err := m.CoreV1().ConfigMaps("payments").Create(ctx, cm, metav1.CreateOptions{}); err != nil {
			t.Errorf("a member creating in the team's namespace: %v", err)
		}
		if _, err := m.CoreV1().Secrets("kube-system").List(ctx, metav1.ListOptions{}); !apierrors.IsForbidden(err) {
			t.Errorf("a member reading kube-system's Secrets: %v, want 403", err)
		}
		push, err := l.eks.assumeAs(ctx, member, a.pushRole, "alice")
		if err != nil {
			t.Fatal(err)
		}
		if err := l.git.pushAs(ctx, push, a.repo, "feature/review-me", "a change for review", map[string]string{"bootstrap/hello.yaml": hello("payments", "hello", "reviewed")}); err != nil {
			t.Errorf("a member pushing a branch: %v", err)
		}
		if err := l.git.pushAs(ctx, push, a.repo, "main", "straight to main", map[string]string{"bootstrap/hello.yaml": hello("payments", "hello", "unreviewed")}); err == nil {
			t.Error("a member pushed to the default branch")
		}
		// Under the review template the provider made in CodeCommit.
		l.reviewAndMerge(ctx, t, a, push, "feature/review-me")
		l.waitDeployed(ctx, t, a, a.bootstrap, "payments", "hello", "reviewed")
	})
	if t.Failed() {
		return
	}

	t.Run("2-change", func(t *testing.T) {
		defer e.report(ctx, t, teamClusterGVK, "", "payments-dev")
		if err := addUsers(ctx, central, pool, "dave"); err != nil {
			t.Fatal(err)
		}
		r, _ := e.cp.resource(teamClusterGVK, "")
		xr, err := r.Get(ctx, "payments-dev", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		pools, _, _ := unstructured.NestedSlice(xr.Object, "spec", "nodePools")
		pools = append(pools, map[string]any{"name": "batch", "instanceTypes": []any{"c6i.xlarge"}, "minSize": int64(0), "maxSize": int64(4), "desiredSize": int64(1), "capacityType": "SPOT"})
		if err := mergePatch(ctx, r, "payments-dev", map[string]any{"spec": map[string]any{
			"team":      map[string]any{"members": []any{"alice", "bob.smith", "carol@example.com", "dave"}},
			"nodePools": pools,
			"tags":      map[string]any{"owner": "payments-platform"},
		}}); err != nil {
			t.Fatal(err)
		}
		n := namesOf("", "payments-dev")
		if err := poll(ctx, realReadyTimeout, 2*time.Second, "the change in the emulator", func() (bool, error) {
			users, err := central.cognito.ListUsersInGroup(ctx, &cognito.ListUsersInGroupInput{UserPoolId: aws.String(pool), GroupName: aws.String(groupOf(created))})
			if err != nil {
				return false, err
			}
			hasDave := slices.ContainsFunc(users.Users, func(u cognitoUser) bool { return aws.ToString(u.Username) == "dave" })
			ngs, err := team.eks.ListNodegroups(ctx, &eks.ListNodegroupsInput{ClusterName: aws.String(n.cluster)})
			if err != nil {
				return false, err
			}
			cl, err := team.eks.DescribeCluster(ctx, &eks.DescribeClusterInput{Name: aws.String(n.cluster)})
			if err != nil {
				return false, err
			}
			return hasDave && len(ngs.Nodegroups) == 2 && cl.Cluster.Tags["owner"] == "payments-platform", nil
		}); err != nil {
			t.Fatal(err)
		}
		// Ready, and every resource synced: a change the provider could
		// not make leaves it Synced=False while its last state stays Ready.
		if err := poll(ctx, realReadyTimeout, 2*time.Second, "payments-dev Ready and every resource Synced after the change", func() (bool, error) {
			xr, err := e.xr(ctx, teamClusterGVK, "", "payments-dev")
			if err != nil || conditionStatus(xr, "Ready") != "True" {
				return false, err
			}
			objs, err := e.composed(ctx, xr)
			if err != nil {
				return false, err
			}
			for _, o := range awsManaged(objs) {
				if conditionStatus(o, "Synced") != "True" || conditionStatus(o, "Ready") != "True" {
					return false, fmt.Errorf("%s %s: %s", o.GetKind(), o.GetName(), conditionMessage(o, "Synced"))
				}
			}
			return true, nil
		}); err != nil {
			t.Fatal(err)
		}
		ngs, err := team.eks.ListNodegroups(ctx, &eks.ListNodegroupsInput{ClusterName: aws.String(n.cluster)})
		if err != nil {
			t.Fatal(err)
		}
		for _, ng := range ngs.Nodegroups {
			d, err := team.eks.DescribeNodegroup(ctx, &eks.DescribeNodegroupInput{ClusterName: aws.String(n.cluster), NodegroupName: aws.String(ng)})
			if err != nil {
				t.Fatal(err)
			}
			if got := d.Nodegroup.Tags["owner"]; got != "payments-platform" {
				t.Errorf("node group %s has owner tag %q, want the changed payments-platform", ng, got)
			}
		}
		xr, err = e.xr(ctx, teamClusterGVK, "", "payments-dev")
		if err != nil {
			t.Fatal(err)
		}
		objs, err := e.composed(ctx, xr)
		if err != nil {
			t.Fatal(err)
		}
		now := awsManaged(objs)
		for n, o := range created {
			if now[n] == nil {
				t.Errorf("%s went away on the change", n)
			} else if now[n].GetUID() != o.GetUID() {
				t.Errorf("%s was recreated on the change", n)
			}
		}
		for n, o := range now {
			if created[n] == nil {
				t.Logf("added: %s (%s %s)", n, o.GetKind(), externalName(o))
			}
			if ok, err := inEmulator(ctx, clients.of(o), o); err != nil || !ok {
				t.Errorf("%s is not in the emulator after the change: %v", n, err)
			}
		}
		created = now
	})
	if t.Failed() {
		return
	}

	t.Run("3-delete", func(t *testing.T) {
		defer e.report(ctx, t, teamClusterGVK, "", "payments-dev")
		from := len(layer.Journal())
		if err := e.cp.deleteAndWait(ctx, teamClusterGVK, "", "payments-dev", realReadyTimeout); err != nil {
			t.Fatal(err)
		}
		teardown(from, len(layer.Journal()))
		goneFromEmulator(ctx, t, clients, "payments-dev", created)
		// The order the provider deleted in, as the emulator saw it.
		journal := layer.Journal()[from:]
		first := func(service, op string) int {
			return slices.IndexFunc(journal, func(c awsemu.Call) bool {
				matches := c.Op == op || strings.HasSuffix(op, "/") && strings.HasPrefix(c.Op, op)
				return c.Service == service && matches && c.Status < 300
			})
		}
		n := namesOf("", "payments-dev")
		for _, before := range [][2][2]string{
			{{"eks", "DELETE /clusters/" + n.cluster + "/node-groups/"}, {"eks", "DELETE /clusters/" + n.cluster}},
			{{"eks", "DELETE /clusters/" + n.cluster}, {"ec2", "DeleteVpc"}},
			{{"iam", "DeleteServiceSpecificCredential"}, {"iam", "DeleteUser"}},
			{{"iam", "DetachUserPolicy"}, {"iam", "DeleteUser"}},
			{{"iam", "DetachUserPolicy"}, {"iam", "DeletePolicy"}},
		} {
			a, b := first(before[0][0], before[0][1]), first(before[1][0], before[1][1])
			if a < 0 || b < 0 || a > b {
				t.Errorf("%s %s (call %d) did not come before %s %s (call %d)", before[0][0], before[0][1], a, before[1][0], before[1][1], b)
			}
		}
		var deletes []string
		for _, c := range journal {
			if c.Status < 300 {
				deletes = append(deletes, c.Service+" "+c.Op)
			}
		}
		t.Logf("the provider's calls while deleting: %s", strings.Join(deletes, "; "))
	})
	if t.Failed() {
		return
	}

	// The other compute modes and the protection of prod, on the real
	// provider: search-prod in EKS Auto Mode and ml-prod with Karpenter,
	// both prod, so protected from deletion until the platform lifts it.
	t.Run("4-modes", func(t *testing.T) {
		realProviderModes(ctx, t, e, clients, layer, func(data map[string]any) {
			withPool(data)
			data["compliance"].(map[string]any)["deletionProtectionLiftedFor"] = []any{"search-prod", "ml-prod"}
		}, func() error { return addUsers(ctx, central, pool, "sam", "gina") }, teardown)
	})
	if t.Failed() {
		return
	}

	// The managed hub on the real provider: Identity Center's groups and
	// memberships, the capability's access to the team's cluster.
	t.Run("5-managed-hub", func(t *testing.T) {
		realProviderManagedHub(ctx, t, e, clients, layer, withPool, teardown)
	})
}

// realProviderModes creates search-prod (Auto Mode) and ml-prod (Karpenter),
// checks in the emulator what each mode and the compliance baseline made,
// then deletes both: refused while protected, done once lift applies.
func realProviderModes(ctx context.Context, t *testing.T, e *env, clients *emulatorClients, layer *awsemu.Server, lift func(map[string]any), members func() error, teardown func(from, to int)) {
	defer e.report(ctx, t, teamClusterGVK, "", "search-prod")
	defer e.report(ctx, t, teamClusterGVK, "", "ml-prod")
	if err := members(); err != nil {
		t.Fatal(err)
	}
	xrs := []string{"search-prod", "ml-prod"}
	for _, f := range []string{"xr-automode.yaml", "xr-karpenter.yaml"} {
		if err := e.cp.apply(ctx, exampleXR(t, f)); err != nil {
			t.Fatal(err)
		}
	}
	objs := map[string]map[string]*unstructured.Unstructured{}
	for _, name := range xrs {
		objs[name] = awsManaged(readyOnEmulator(ctx, t, e, clients, name))
	}
	if t.Failed() {
		return
	}
	auto, karp := clients.in(autoModeAccountID, autoModeRegion), clients.in(karpenterAccountID, karpenterRegion)
	autoObjs, karpObjs := objs["search-prod"], objs["ml-prod"]
	autoCluster := describeCluster(ctx, t, auto, externalName(autoObjs["eks-cluster"]))
	karpCluster := describeCluster(ctx, t, karp, externalName(karpObjs["eks-cluster"]))

	// Auto Mode: EKS runs the nodes with the node role the function read
	// back from IAM, and its storage and load balancing with them.
	cc := autoCluster.ComputeConfig
	if cc == nil || !aws.ToBool(cc.Enabled) || aws.ToString(cc.NodeRoleArn) != atProvider(autoObjs["iam-role-node"], "arn") ||
		!slices.Contains(cc.NodePools, "general-purpose") || !slices.Contains(cc.NodePools, "system") {
		t.Errorf("search-prod computeConfig %+v, want enabled, general-purpose and system, the node role %s", cc, atProvider(autoObjs["iam-role-node"], "arn"))
	}
	if sc := autoCluster.StorageConfig; sc == nil || sc.BlockStorage == nil || !aws.ToBool(sc.BlockStorage.Enabled) {
		t.Errorf("search-prod storageConfig %+v, want block storage on", sc)
	}
	if nc := autoCluster.KubernetesNetworkConfig; nc == nil || nc.ElasticLoadBalancing == nil || !aws.ToBool(nc.ElasticLoadBalancing.Enabled) {
		t.Errorf("search-prod kubernetesNetworkConfig %+v, want elastic load balancing on", nc)
	}
	if ngs := nodegroups(ctx, t, auto, aws.ToString(autoCluster.Name)); len(ngs) != 0 {
		t.Errorf("search-prod has node groups %v; Auto Mode runs the nodes", ngs)
	}
	if addons, err := auto.eks.ListAddons(ctx, &eks.ListAddonsInput{ClusterName: autoCluster.Name}); err != nil {
		t.Error(err)
	} else if !slices.Equal(addons.Addons, []string{"metrics-server"}) {
		t.Errorf("search-prod add-ons %v, want metrics-server only", addons.Addons)
	}

	// Karpenter: the system node group alone, built from its launch
	// template; the interruption queue fed by the four rules; the
	// controller's Pod Identity; the nodes' instance profile and entry.
	ngs := nodegroups(ctx, t, karp, aws.ToString(karpCluster.Name))
	if len(ngs) != 1 {
		t.Errorf("ml-prod node groups %v, want the system group alone", ngs)
	}
	for _, ng := range ngs {
		d, err := karp.eks.DescribeNodegroup(ctx, &eks.DescribeNodegroupInput{ClusterName: karpCluster.Name, NodegroupName: aws.String(ng)})
		if err != nil {
			t.Fatal(err)
		}
		lt := d.Nodegroup.LaunchTemplate
		if lt == nil || aws.ToString(lt.Id) == "" {
			t.Errorf("node group %s has no launch template", ng)
			continue
		}
		v, err := karp.ec2.DescribeLaunchTemplateVersions(ctx, &ec2.DescribeLaunchTemplateVersionsInput{LaunchTemplateId: lt.Id, Versions: []string{aws.ToString(lt.Version)}})
		if err != nil || len(v.LaunchTemplateVersions) != 1 {
			t.Fatalf("launch template %s version %s: %v", aws.ToString(lt.Id), aws.ToString(lt.Version), err)
		}
		data := v.LaunchTemplateVersions[0].LaunchTemplateData
		if data.MetadataOptions == nil || data.MetadataOptions.HttpTokens != ec2types.LaunchTemplateHttpTokensStateRequired {
			t.Errorf("launch template of %s: metadata options %+v, want IMDSv2 required", ng, data.MetadataOptions)
		}
		if len(data.BlockDeviceMappings) != 1 || data.BlockDeviceMappings[0].Ebs == nil || !aws.ToBool(data.BlockDeviceMappings[0].Ebs.Encrypted) || data.BlockDeviceMappings[0].Ebs.VolumeType != ec2types.VolumeTypeGp3 {
			t.Errorf("launch template of %s: block devices %+v, want one encrypted gp3 root volume", ng, data.BlockDeviceMappings)
		}
		tagged := map[ec2types.ResourceType]bool{}
		for _, ts := range data.TagSpecifications {
			tagged[ts.ResourceType] = slices.ContainsFunc(ts.Tags, func(tg ec2types.Tag) bool { return aws.ToString(tg.Key) == "eks-gitops.dev/team" })
		}
		if !tagged[ec2types.ResourceTypeInstance] || !tagged[ec2types.ResourceTypeVolume] || !tagged[ec2types.ResourceTypeNetworkInterface] {
			t.Errorf("launch template of %s tags instances, volumes and network interfaces with the team: %v", ng, tagged)
		}
	}
	queueURL := externalName(karpObjs["sqs-queue-karpenter"])
	q, err := karp.sqs.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(queueURL), AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameAll}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(q.Attributes["Policy"], "events.amazonaws.com") {
		t.Errorf("the interruption queue's policy does not let EventBridge send: %s", q.Attributes["Policy"])
	}
	for _, r := range []string{"health", "spot", "rebalance", "state"} {
		rule := karpObjs["events-rule-karpenter-"+r]
		out, err := karp.events.ListTargetsByRule(ctx, &eventbridge.ListTargetsByRuleInput{Rule: aws.String(externalName(rule))})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Targets) != 1 || aws.ToString(out.Targets[0].Arn) != q.Attributes["QueueArn"] {
			t.Errorf("rule %s targets %+v, want the interruption queue %s", r, out.Targets, q.Attributes["QueueArn"])
		}
	}
	pia, err := karp.eks.ListPodIdentityAssociations(ctx, &eks.ListPodIdentityAssociationsInput{ClusterName: karpCluster.Name, Namespace: aws.String("kube-system"), ServiceAccount: aws.String("karpenter")})
	if err != nil || len(pia.Associations) != 1 {
		t.Errorf("Karpenter's Pod Identity association: %+v, %v", pia, err)
	}
	profile, err := karp.iam.GetInstanceProfile(ctx, &iam.GetInstanceProfileInput{InstanceProfileName: aws.String(externalName(karpObjs["iam-instance-profile-karpenter-node"]))})
	if err != nil || len(profile.InstanceProfile.Roles) != 1 || aws.ToString(profile.InstanceProfile.Roles[0].RoleName) != externalName(karpObjs["iam-role-karpenter-node"]) {
		t.Errorf("Karpenter's instance profile: %+v, %v, want the Karpenter node role", profile, err)
	}
	entry, err := karp.eks.DescribeAccessEntry(ctx, &eks.DescribeAccessEntryInput{ClusterName: karpCluster.Name, PrincipalArn: aws.String(atProvider(karpObjs["iam-role-karpenter-node"], "arn"))})
	if err != nil || aws.ToString(entry.AccessEntry.Type) != "EC2_LINUX" {
		t.Errorf("Karpenter's node access entry: %+v, %v, want EC2_LINUX", entry, err)
	}

	// The compliance baseline of prod on both: Secrets encrypted with the
	// cluster's own rotating key, audit logs kept a year under that key,
	// deletion protection on.
	for name, c := range map[string]struct {
		cl   *ekstypes.Cluster
		aws  awsClients
		objs map[string]*unstructured.Unstructured
	}{"search-prod": {autoCluster, auto, autoObjs}, "ml-prod": {karpCluster, karp, karpObjs}} {
		keyARN := atProvider(c.objs["kms-key-cluster"], "arn")
		if ec := c.cl.EncryptionConfig; len(ec) != 1 || aws.ToString(ec[0].Provider.KeyArn) != keyARN {
			t.Errorf("%s encryptionConfig %+v, want the cluster's key %s", name, ec, keyARN)
		}
		if !aws.ToBool(c.cl.DeletionProtection) {
			t.Errorf("%s has no deletion protection", name)
		}
		rot, err := c.aws.kms.GetKeyRotationStatus(ctx, &kms.GetKeyRotationStatusInput{KeyId: aws.String(keyARN)})
		if err != nil || !rot.KeyRotationEnabled {
			t.Errorf("%s key rotation: %+v, %v", name, rot, err)
		}
		group := externalName(c.objs["logs-group-cluster"])
		lg, err := c.aws.logs.DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String(group)})
		if err != nil || len(lg.LogGroups) != 1 {
			t.Fatalf("%s log group %s: %+v, %v", name, group, lg, err)
		}
		if g := lg.LogGroups[0]; aws.ToInt32(g.RetentionInDays) != 365 || aws.ToString(g.KmsKeyId) != keyARN {
			t.Errorf("%s log group %s: retention %d, key %q, want 365 days under %s", name, group, aws.ToInt32(g.RetentionInDays), aws.ToString(g.KmsKeyId), keyARN)
		}
	}
	if t.Failed() {
		return
	}

	// Deleting: refused while protected, with the reason; the platform
	// lifts it in its settings, the provider turns EKS's protection off,
	// and everything goes, each key after its cluster.
	r, _ := e.cp.resource(teamClusterGVK, "")
	if err := poll(ctx, time.Minute, time.Second, "search-prod marked in use", func() (bool, error) {
		xr, err := r.Get(ctx, "search-prod", metav1.GetOptions{})
		return err == nil && xr.GetLabels()["crossplane.io/in-use"] == "true", err
	}); err != nil {
		t.Fatal(err)
	}
	if err := r.Delete(ctx, "search-prod", metav1.DeleteOptions{}); err == nil || !strings.Contains(err.Error(), "deletionProtectionLiftedFor") {
		t.Fatalf("deleting search-prod, a prod cluster: %v, want a refusal naming compliance.deletionProtectionLiftedFor", err)
	}
	if err := e.cp.applySettings(ctx, lift); err != nil {
		t.Fatal(err)
	}
	if err := poll(ctx, realReadyTimeout, 2*time.Second, "EKS's deletion protection off", func() (bool, error) {
		for _, c := range []struct {
			aws  awsClients
			name *string
		}{{auto, autoCluster.Name}, {karp, karpCluster.Name}} {
			out, err := c.aws.eks.DescribeCluster(ctx, &eks.DescribeClusterInput{Name: c.name})
			if err != nil || aws.ToBool(out.Cluster.DeletionProtection) {
				return false, err
			}
		}
		return true, nil
	}); err != nil {
		t.Fatal(err)
	}
	// Crossplane unmarks an XR once no Usage protects it any more.
	if err := poll(ctx, realReadyTimeout, 2*time.Second, "the protections lifted", func() (bool, error) {
		for _, name := range xrs {
			xr, err := r.Get(ctx, name, metav1.GetOptions{})
			if err != nil || xr.GetLabels()["crossplane.io/in-use"] == "true" {
				return false, err
			}
		}
		return true, nil
	}); err != nil {
		t.Fatal(err)
	}
	from := len(layer.Journal())
	fg := metav1.DeletePropagationForeground
	for _, name := range xrs {
		if err := r.Delete(ctx, name, metav1.DeleteOptions{PropagationPolicy: &fg}); err != nil {
			t.Fatalf("deleting %s once lifted: %v", name, err)
		}
	}
	for _, name := range xrs {
		if err := e.cp.deleteAndWait(ctx, teamClusterGVK, "", name, realReadyTimeout); err != nil {
			t.Fatal(err)
		}
		goneFromEmulator(ctx, t, clients, name, objs[name])
	}
	teardown(from, len(layer.Journal()))
	journal := layer.Journal()[from:]
	for _, a := range []struct{ account, cluster string }{{autoModeAccountID, aws.ToString(autoCluster.Name)}, {karpenterAccountID, aws.ToString(karpCluster.Name)}} {
		first := func(service, op string) int {
			return slices.IndexFunc(journal, func(c awsemu.Call) bool {
				return c.Account == a.account && c.Service == service && c.Op == op && c.Status < 300
			})
		}
		cl, key := first("eks", "DELETE /clusters/"+a.cluster), first("kms", "ScheduleKeyDeletion")
		if cl < 0 || key < 0 || key < cl {
			t.Errorf("account %s: the cluster's deletion (call %d) did not come before its key's (call %d)", a.account, cl, key)
		}
	}
}

// providerCalls is where a passing run records the IAM actions the
// provider called in each kind of account; internal/provisioning's tests
// hold the provisioning policies against it.
var providerCalls = filepath.Join("testdata", "provider-calls.txt")

// recordProviderCalls writes the IAM actions of the provider's calls: not
// the suite's own (its App ID) nor the AWS CLI's (a member's, in the
// developer's loop).
func recordProviderCalls(calls []awsemu.Call) ([]string, error) {
	seen, agents := map[string]bool{}, map[string]bool{}
	for _, c := range calls {
		if c.Action == "" || strings.Contains(c.UserAgent, "app/"+suiteAppID) || strings.Contains(c.UserAgent, "aws-cli/") {
			continue
		}
		agents[c.UserAgent] = true
		account := "team"
		if c.Account == centralAccountID {
			account = "central"
		}
		seen[account+" "+c.Action] = true
	}
	lines := keys(seen)
	slices.Sort(lines)
	header := "# The IAM actions the AWS provider (v2.5.0) called in each kind of account in\n" +
		"# the real-provider suite (hack/e2e-aws.sh), which writes this file on a pass;\n" +
		"# internal/provisioning's TestRecordedCalls holds the provisioning policies\n" +
		"# against it.\n"
	if err := os.MkdirAll(filepath.Dir(providerCalls), 0o755); err != nil {
		return nil, err
	}
	return keys(agents), os.WriteFile(providerCalls, []byte(header+strings.Join(lines, "\n")+"\n"), 0o644)
}

// recordedObserved is payments-dev's converged XR and composed resources
// with the status the real provider filled in.
var recordedObserved = filepath.Join("testdata", "observed-payments-dev.yaml")

func objectsOf(objs map[string]*unstructured.Unstructured) map[string]any {
	out := make(map[string]any, len(objs))
	for n, o := range objs {
		out[n] = o.Object
	}
	return out
}

func writeYAMLFile(path string, v any) error {
	b, err := yaml.Marshal(v)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

// describeCluster is EKS's view of a cluster.
func describeCluster(ctx context.Context, t *testing.T, c awsClients, name string) *ekstypes.Cluster {
	t.Helper()
	out, err := c.eks.DescribeCluster(ctx, &eks.DescribeClusterInput{Name: aws.String(name)})
	if err != nil {
		t.Fatalf("cluster %s: %v", name, err)
	}
	return out.Cluster
}

// nodegroups lists a cluster's node groups.
func nodegroups(ctx context.Context, t *testing.T, c awsClients, cluster string) []string {
	t.Helper()
	out, err := c.eks.ListNodegroups(ctx, &eks.ListNodegroupsInput{ClusterName: aws.String(cluster)})
	if err != nil {
		t.Fatalf("node groups of %s: %v", cluster, err)
	}
	return out.Nodegroups
}

// groupOf is the Cognito group of an XR's composed resources.
func groupOf(objs map[string]*unstructured.Unstructured) string {
	for _, o := range objs {
		if o.GetKind() == "UserGroup" {
			return forProvider(o, "name")
		}
	}
	return ""
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
