package awsemu

import (
	"net/http"
	"net/url"
	"strings"
)

// request is one call the layer answers itself.
type request struct {
	w    http.ResponseWriter
	r    *http.Request
	c    call
	body []byte
	// op is what the call asks for: the IAM action or CodeCommit
	// operation, or the EKS path pattern it matched.
	op string
	// path are the wildcards of the EKS path pattern, by name.
	path map[string]string
}

// cluster is the EKS cluster an EKS call names.
func (q *request) cluster() clusterKey {
	return clusterKey{q.c.account, q.c.region, q.path["cluster"]}
}

// route is one operation the layer answers itself. For EKS's REST API, op
// is "METHOD path", where {name} stands for one path segment and {name...}
// for the rest; for IAM the action; for CodeCommit the X-Amz-Target
// operation. serve returns false to send the call on to moto.
type route struct {
	service, op string
	serve       func(*Server, *request) bool
}

// answered wraps a handler that always answers.
func answered(h func(*Server, *request)) func(*Server, *request) bool {
	return func(s *Server, q *request) bool { h(s, q); return true }
}

// routes are every call the layer answers, or looks at before moto does;
// every other call goes straight to moto.
var routes = []route{
	// EKS: what moto lacks of clusters, add-ons, access entries, Pod
	// Identity and tags.
	{"eks", "POST clusters", answered((*Server).createCluster)},
	{"eks", "GET clusters/{cluster}", answered((*Server).describeCluster)},
	{"eks", "DELETE clusters/{cluster}", answered((*Server).describeCluster)},
	{"eks", "POST clusters/{cluster}/update-config", answered((*Server).updateClusterConfig)},
	{"eks", "POST clusters/{cluster}/encryption-config/associate", inCluster((*Server).associateEncryptionConfig)},
	{"eks", "POST clusters/{cluster}/updates", answered((*Server).updateClusterVersion)},
	{"eks", "GET clusters/{cluster}/updates/{update}", answered((*Server).describeUpdate)},
	{"eks", "POST clusters/{cluster}/node-groups/{nodegroup}/update-config", answered((*Server).recordUpdate)},
	{"eks", "POST clusters/{cluster}/node-groups/{nodegroup}/update-version", inCluster((*Server).updateNodegroupVersion)},
	{"eks", "GET clusters/{cluster}/node-groups/{nodegroup}", answered((*Server).describeNodegroup)},
	{"eks", "DELETE clusters/{cluster}/node-groups/{nodegroup}", answered((*Server).describeNodegroup)},
	{"eks", "POST clusters/{cluster}/addons", inCluster((*Server).createAddon)},
	{"eks", "GET clusters/{cluster}/addons", inCluster((*Server).listAddons)},
	{"eks", "GET clusters/{cluster}/addons/{addon}", inCluster(withAddon((*Server).describeAddon))},
	{"eks", "DELETE clusters/{cluster}/addons/{addon}", inCluster(withAddon((*Server).deleteAddon))},
	{"eks", "POST clusters/{cluster}/addons/{addon}/update", inCluster(withAddon((*Server).updateAddon))},
	{"eks", "POST clusters/{cluster}/access-entries", inCluster((*Server).createAccessEntry)},
	{"eks", "GET clusters/{cluster}/access-entries", inCluster((*Server).listAccessEntries)},
	{"eks", "GET clusters/{cluster}/access-entries/{principal}", inCluster(withEntry((*Server).describeAccessEntry))},
	{"eks", "DELETE clusters/{cluster}/access-entries/{principal}", inCluster(withEntry((*Server).deleteAccessEntry))},
	{"eks", "POST clusters/{cluster}/access-entries/{principal}", inCluster(withEntry((*Server).updateAccessEntry))},
	{"eks", "POST clusters/{cluster}/access-entries/{principal}/access-policies", inCluster(withEntry((*Server).associateAccessPolicy))},
	{"eks", "GET clusters/{cluster}/access-entries/{principal}/access-policies", inCluster(withEntry((*Server).listAccessPolicies))},
	{"eks", "DELETE clusters/{cluster}/access-entries/{principal}/access-policies/{policy...}", inCluster(withEntry((*Server).disassociateAccessPolicy))},
	{"eks", "POST clusters/{cluster}/pod-identity-associations", inCluster((*Server).createPodIdentity)},
	{"eks", "GET clusters/{cluster}/pod-identity-associations", inCluster((*Server).listPodIdentities)},
	{"eks", "GET clusters/{cluster}/pod-identity-associations/{association}", inCluster(withAssociation((*Server).describePodIdentity))},
	{"eks", "DELETE clusters/{cluster}/pod-identity-associations/{association}", inCluster(withAssociation((*Server).deletePodIdentity))},
	{"eks", "POST clusters/{cluster}/pod-identity-associations/{association}", inCluster(withAssociation((*Server).updatePodIdentity))},
	{"eks", "GET tags/{arn...}", (*Server).tagsOf},
	{"eks", "POST tags/{arn...}", (*Server).tagsOf},
	{"eks", "DELETE tags/{arn...}", (*Server).tagsOf},

	// IAM: service-specific credentials, which moto lacks, and the
	// refusals of deletions IAM makes and moto does not.
	{"iam", "CreateServiceSpecificCredential", withUser((*Server).createCredential)},
	{"iam", "ListServiceSpecificCredentials", withUser((*Server).listCredentials)},
	{"iam", "DeleteServiceSpecificCredential", withUser(withCredential((*Server).deleteCredential))},
	{"iam", "UpdateServiceSpecificCredential", withUser(withCredential((*Server).updateCredential))},
	{"iam", "ResetServiceSpecificCredential", withUser(withCredential((*Server).resetCredential))},
	{"iam", "DeletePolicy", (*Server).refuseAttachedPolicyDeletion},
	{"iam", "DeleteUser", (*Server).refuseUserDeletion},

	// CodeCommit: dates as CodeCommit sends them, tags, branches and
	// approval rule templates.
	{"codecommit", "GetRepository", answered((*Server).getRepository)},
	{"codecommit", "CreateRepository", answered((*Server).createOrDeleteRepository)},
	{"codecommit", "DeleteRepository", answered((*Server).createOrDeleteRepository)},
	{"codecommit", "ListBranches", answered((*Server).listBranches)},
	{"codecommit", "TagResource", answered((*Server).repositoryTags)},
	{"codecommit", "UntagResource", answered((*Server).repositoryTags)},
	{"codecommit", "ListTagsForResource", answered((*Server).repositoryTags)},
	{"codecommit", "CreateApprovalRuleTemplate", answered((*Server).createTemplate)},
	{"codecommit", "GetApprovalRuleTemplate", answered(withTemplate((*Server).getTemplate))},
	{"codecommit", "DeleteApprovalRuleTemplate", answered(withTemplate((*Server).deleteTemplate))},
	{"codecommit", "UpdateApprovalRuleTemplateContent", answered(withTemplate((*Server).updateTemplateContent))},
	{"codecommit", "UpdateApprovalRuleTemplateDescription", answered(withTemplate((*Server).updateTemplateDescription))},
	{"codecommit", "UpdateApprovalRuleTemplateName", answered(withTemplate((*Server).renameTemplate))},
	{"codecommit", "AssociateApprovalRuleTemplateWithRepository", answered(withTemplate((*Server).associateTemplate))},
	{"codecommit", "DisassociateApprovalRuleTemplateFromRepository", answered(withTemplate((*Server).disassociateTemplate))},
	{"codecommit", "ListRepositoriesForApprovalRuleTemplate", answered(withTemplate((*Server).templateRepositories))},
	{"codecommit", "ListAssociatedApprovalRuleTemplatesForRepository", answered((*Server).repositoryTemplates)},
}

// serveRoute answers the call when a route matches it, and reports whether
// it did; false sends it to moto.
func (s *Server) serveRoute(w http.ResponseWriter, r *http.Request, c call, body []byte) bool {
	q := &request{w: w, r: r, c: c, body: body}
	switch c.service {
	case "iam":
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return false
		}
		q.op = form.Get("Action")
	case "codecommit":
		op, ok := strings.CutPrefix(r.Header.Get("X-Amz-Target"), codeCommitTarget)
		if !ok {
			return false
		}
		q.op = op
	case "identitystore":
		// Answered whole: moto's identity store is not AWS's.
		q.op = strings.TrimPrefix(r.Header.Get("X-Amz-Target"), identityStoreTarget)
		s.identityCall(q)
		return true
	}
	for _, rt := range routes {
		if rt.service != c.service {
			continue
		}
		if c.service == "eks" {
			path, ok := matchPath(rt.op, r.Method, segments(r))
			if !ok {
				continue
			}
			q.op, q.path = rt.op, path
		} else if rt.op != q.op {
			continue
		}
		return rt.serve(s, q)
	}
	return false
}

// matchPath matches a request's method and path segments against a
// "METHOD path" pattern and returns the wildcards.
func matchPath(pattern, method string, seg []string) (map[string]string, bool) {
	m, p, _ := strings.Cut(pattern, " ")
	if m != method {
		return nil, false
	}
	parts := strings.Split(p, "/")
	path := map[string]string{}
	for i, part := range parts {
		name, wild := strings.CutPrefix(part, "{")
		name, _ = strings.CutSuffix(name, "}")
		if rest, ok := strings.CutSuffix(name, "..."); wild && ok {
			if i >= len(seg) {
				return nil, false
			}
			path[rest] = strings.Join(seg[i:], "/")
			return path, true
		}
		if i >= len(seg) || (!wild && seg[i] != part) {
			return nil, false
		}
		if wild {
			path[name] = seg[i]
		}
	}
	return path, len(parts) == len(seg)
}
