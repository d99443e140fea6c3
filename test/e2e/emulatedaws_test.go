//go:build realaws

package e2e

import (
	"context"
	"errors"
	"maps"
	"net/url"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codecommit"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/eks-gitops/function-eks-gitops/internal/iampolicy"
	"github.com/eks-gitops/function-eks-gitops/test/e2e/awsemu"
)

// emulatedAWS is what AWS knows in the real-provider suite: what the
// provider made in the emulator, read back through the AWS APIs, so the
// developer's loop runs on the access entries, trust policies, Git
// credentials and policies as the provider wrote them, never on the
// function's own declarations.
type emulatedAWS struct {
	cp    *controlPlane
	layer *awsemu.Server
	// accounts are every account of the suite's, each with the clients
	// of its region: the team clusters are in several.
	accounts map[string]awsClients
}

// eksOf is the EKS client of the account that holds the cluster name (the
// function's names are unique across accounts), or nil.
func (a emulatedAWS) eksOf(ctx context.Context, name string) (*eks.Client, *eks.DescribeClusterOutput, error) {
	for _, id := range slices.Sorted(maps.Keys(a.accounts)) {
		c := a.accounts[id].eks
		d, err := c.DescribeCluster(ctx, &eks.DescribeClusterInput{Name: aws.String(name)})
		if notFound(err) {
			continue
		} else if err != nil {
			return nil, nil, err
		}
		return c, d, nil
	}
	return nil, nil, nil
}

// clients reads the account an ARN names.
func (a emulatedAWS) clients(arn string) (awsClients, bool) {
	p := strings.Split(arn, ":")
	if len(p) < 6 {
		return awsClients{}, false
	}
	c, ok := a.accounts[p[4]]
	return c, ok
}

func (a emulatedAWS) clusterName(ctx context.Context, tc *teamCluster) (string, error) {
	o, err := a.cp.dyn.Resource(composedAWSKinds[0]).Namespace("crossplane-system").Get(ctx, tc.mr, metav1.GetOptions{})
	if err != nil {
		return "", err
	}
	name := o.GetAnnotations()["crossplane.io/external-name"]
	if c, _, err := a.eksOf(ctx, name); c == nil || err != nil {
		return "", err
	}
	return name, nil
}

func (a emulatedAWS) cluster(ctx context.Context, name string) (*eksCluster, error) {
	_, d, err := a.eksOf(ctx, name)
	if d == nil || err != nil {
		return nil, err
	}
	c := &eksCluster{Name: name, Arn: aws.ToString(d.Cluster.Arn), Endpoint: aws.ToString(d.Cluster.Endpoint), Status: string(d.Cluster.Status)}
	if d.Cluster.CertificateAuthority != nil {
		c.CertificateAuthority.Data = aws.ToString(d.Cluster.CertificateAuthority.Data)
	}
	return c, nil
}

func (a emulatedAWS) entries(ctx context.Context, cluster string) ([]accessEntry, error) {
	c, _, err := a.eksOf(ctx, cluster)
	if c == nil || err != nil {
		return nil, err
	}
	var out []accessEntry
	pages := eks.NewListAccessEntriesPaginator(c, &eks.ListAccessEntriesInput{ClusterName: aws.String(cluster)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, principal := range page.AccessEntries {
			d, err := c.DescribeAccessEntry(ctx, &eks.DescribeAccessEntryInput{ClusterName: aws.String(cluster), PrincipalArn: aws.String(principal)})
			if err != nil {
				return nil, err
			}
			en := accessEntry{principal: principal, username: aws.ToString(d.AccessEntry.Username), groups: d.AccessEntry.KubernetesGroups}
			policies := eks.NewListAssociatedAccessPoliciesPaginator(c, &eks.ListAssociatedAccessPoliciesInput{ClusterName: aws.String(cluster), PrincipalArn: aws.String(principal)})
			for policies.HasMorePages() {
				pp, err := policies.NextPage(ctx)
				if err != nil {
					return nil, err
				}
				for _, ap := range pp.AssociatedAccessPolicies {
					p := accessPolicy{arn: aws.ToString(ap.PolicyArn)}
					if ap.AccessScope != nil && ap.AccessScope.Type == ekstypes.AccessScopeTypeNamespace {
						if len(ap.AccessScope.Namespaces) == 0 {
							return nil, errors.New("an association with namespace scope and no namespaces: " + p.arn)
						}
						p.namespaces = ap.AccessScope.Namespaces
					}
					en.policies = append(en.policies, p)
				}
			}
			out = append(out, en)
		}
	}
	return out, nil
}

// policyDocument decodes a policy document as IAM returns it: URL-encoded.
func policyDocument(doc *string) (string, error) {
	return url.QueryUnescape(aws.ToString(doc))
}

func (a emulatedAWS) trustPolicy(ctx context.Context, roleARN string) (string, error) {
	c, ok := a.clients(roleARN)
	if !ok {
		return "", nil
	}
	r, err := c.iam.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(roleARN[strings.LastIndex(roleARN, "/")+1:])})
	if notFound(err) {
		return "", nil
	} else if err != nil {
		return "", err
	}
	if aws.ToString(r.Role.Arn) != roleARN {
		return "", nil
	}
	return policyDocument(r.Role.AssumeRolePolicyDocument)
}

// repository is a repository's ARN and the account holding it; "" when no
// account has it.
func (a emulatedAWS) repository(ctx context.Context, repo string) (string, string, error) {
	for account, c := range a.accounts {
		r, err := c.codecommit.GetRepository(ctx, &codecommit.GetRepositoryInput{RepositoryName: aws.String(repo)})
		if notFound(err) {
			continue
		} else if err != nil {
			return "", "", err
		}
		return aws.ToString(r.RepositoryMetadata.Arn), account, nil
	}
	return "", "", nil
}

func (a emulatedAWS) exists(ctx context.Context, repo string) (bool, error) {
	arn, _, err := a.repository(ctx, repo)
	return arn != "", err
}

// pullRefused signs in with the credential as CodeCommit asks IAM, and
// judges codecommit:GitPull on the repository by every policy of the user
// the credential belongs to, inline and attached.
func (a emulatedAWS) pullRefused(ctx context.Context, user, password, repo string) (string, error) {
	repoARN, account, err := a.repository(ctx, repo)
	if err != nil || repoARN == "" {
		return "repository " + repo + " does not exist", err
	}
	iamUser := a.layer.GitSignIn(account, user, password)
	if iamUser == "" {
		return "no active CodeCommit credential " + user + " with that password in account " + account, nil
	}
	docs, err := a.policiesOf(ctx, a.accounts[account].iam, iamUserPrincipal, iamUser)
	if err != nil {
		return "", err
	}
	d, err := decide(docs, iampolicy.Request{Action: "codecommit:GitPull", Resource: repoARN})
	if err != nil {
		return "", err
	}
	return refusal(d, "arn:aws:iam::"+account+":user/"+iamUser, "codecommit:GitPull", repoARN), nil
}

// The IAM principals whose policies policiesOf reads.
const (
	iamUserPrincipal = "user"
	iamRolePrincipal = "role"
)

// policiesOf are the documents of every policy of an IAM user or role,
// inline and attached, as IAM weighs them together.
func (a emulatedAWS) policiesOf(ctx context.Context, c *iam.Client, kind, name string) ([]string, error) {
	var inline []string
	var attached []iamtypes.AttachedPolicy
	var get func(policy string) (*string, error)
	switch kind {
	case iamUserPrincipal:
		l, err := c.ListUserPolicies(ctx, &iam.ListUserPoliciesInput{UserName: aws.String(name)})
		if err != nil {
			return nil, err
		}
		at, err := c.ListAttachedUserPolicies(ctx, &iam.ListAttachedUserPoliciesInput{UserName: aws.String(name)})
		if err != nil {
			return nil, err
		}
		inline, attached = l.PolicyNames, at.AttachedPolicies
		get = func(policy string) (*string, error) {
			p, err := c.GetUserPolicy(ctx, &iam.GetUserPolicyInput{UserName: aws.String(name), PolicyName: aws.String(policy)})
			if err != nil {
				return nil, err
			}
			return p.PolicyDocument, nil
		}
	default:
		l, err := c.ListRolePolicies(ctx, &iam.ListRolePoliciesInput{RoleName: aws.String(name)})
		if err != nil {
			return nil, err
		}
		at, err := c.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(name)})
		if err != nil {
			return nil, err
		}
		inline, attached = l.PolicyNames, at.AttachedPolicies
		get = func(policy string) (*string, error) {
			p, err := c.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String(name), PolicyName: aws.String(policy)})
			if err != nil {
				return nil, err
			}
			return p.PolicyDocument, nil
		}
	}
	var docs []string
	for _, n := range inline {
		raw, err := get(n)
		if err != nil {
			return nil, err
		}
		doc, err := policyDocument(raw)
		if err != nil {
			return nil, err
		}
		docs = append(docs, doc)
	}
	for _, p := range attached {
		doc, err := a.managedPolicy(ctx, c, aws.ToString(p.PolicyArn))
		if err != nil {
			return nil, err
		}
		docs = append(docs, doc)
	}
	return docs, nil
}

// managedPolicy is the default version's document of a managed policy.
func (a emulatedAWS) managedPolicy(ctx context.Context, c *iam.Client, arn string) (string, error) {
	p, err := c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String(arn)})
	if err != nil {
		return "", err
	}
	v, err := c.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: aws.String(arn), VersionId: p.Policy.DefaultVersionId})
	if err != nil {
		return "", err
	}
	return policyDocument(v.PolicyVersion.Document)
}

// roleRefused judges a session of the role by the role's policies, inline
// and attached, as IAM judges a call.
func (a emulatedAWS) roleRefused(ctx context.Context, role, caller, action, repo string, refs []string) (string, error) {
	c, ok := a.clients(role)
	if !ok {
		return "no such role: " + role, nil
	}
	name := role[strings.LastIndex(role, "/")+1:]
	repoARN, _, err := a.repository(ctx, repo)
	if err != nil || repoARN == "" {
		return "repository " + repo + " does not exist", err
	}
	docs, err := a.policiesOf(ctx, c.iam, iamRolePrincipal, name)
	if notFound(err) {
		return "no such role: " + role, nil
	} else if err != nil {
		return "", err
	}
	req := iampolicy.Request{Action: action, Resource: repoARN}
	if refs != nil {
		req.Context = map[string][]string{"codecommit:References": refs}
	}
	d, err := decide(docs, req)
	if err != nil {
		return "", err
	}
	return refusal(d, caller, action, repoARN), nil
}

// reviewRules reads the templates CodeCommit has associated with repo.
func (a emulatedAWS) reviewRules(ctx context.Context, repo string) ([]string, error) {
	_, account, err := a.repository(ctx, repo)
	if err != nil || account == "" {
		return nil, err
	}
	c := a.accounts[account].codecommit
	names, err := c.ListAssociatedApprovalRuleTemplatesForRepository(ctx, &codecommit.ListAssociatedApprovalRuleTemplatesForRepositoryInput{RepositoryName: aws.String(repo)})
	if err != nil {
		return nil, err
	}
	var out []string
	for _, n := range names.ApprovalRuleTemplateNames {
		t, err := c.GetApprovalRuleTemplate(ctx, &codecommit.GetApprovalRuleTemplateInput{ApprovalRuleTemplateName: aws.String(n)})
		if err != nil {
			return nil, err
		}
		out = append(out, aws.ToString(t.ApprovalRuleTemplate.ApprovalRuleTemplateContent))
	}
	return out, nil
}

// decide is IAM's decision over a principal's policies: an explicit deny
// in any wins, else an allow in any.
func decide(docs []string, r iampolicy.Request) (iampolicy.Decision, error) {
	d := iampolicy.ImplicitDeny
	for _, doc := range docs {
		x, err := iampolicy.Evaluate(doc, r)
		if err != nil {
			return d, err
		}
		d = max(d, x)
	}
	return d, nil
}
