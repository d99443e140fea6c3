package awsemu

import (
	"net/http"
	"strings"
)

// eksActions name the IAM action of each EKS REST call, as IAM authorizes
// it; EKS's other APIs name theirs in the request.
var eksActions = []struct{ pattern, action string }{
	{"POST clusters", "CreateCluster"},
	{"GET clusters", "ListClusters"},
	{"GET clusters/{cluster}", "DescribeCluster"},
	{"DELETE clusters/{cluster}", "DeleteCluster"},
	{"POST clusters/{cluster}/update-config", "UpdateClusterConfig"},
	{"POST clusters/{cluster}/encryption-config/associate", "AssociateEncryptionConfig"},
	{"POST clusters/{cluster}/updates", "UpdateClusterVersion"},
	{"GET clusters/{cluster}/updates", "ListUpdates"},
	{"GET clusters/{cluster}/updates/{update}", "DescribeUpdate"},
	{"POST clusters/{cluster}/node-groups", "CreateNodegroup"},
	{"GET clusters/{cluster}/node-groups", "ListNodegroups"},
	{"GET clusters/{cluster}/node-groups/{nodegroup}", "DescribeNodegroup"},
	{"DELETE clusters/{cluster}/node-groups/{nodegroup}", "DeleteNodegroup"},
	{"POST clusters/{cluster}/node-groups/{nodegroup}/update-config", "UpdateNodegroupConfig"},
	{"POST clusters/{cluster}/node-groups/{nodegroup}/update-version", "UpdateNodegroupVersion"},
	{"POST clusters/{cluster}/addons", "CreateAddon"},
	{"GET clusters/{cluster}/addons", "ListAddons"},
	{"GET clusters/{cluster}/addons/{addon}", "DescribeAddon"},
	{"DELETE clusters/{cluster}/addons/{addon}", "DeleteAddon"},
	{"POST clusters/{cluster}/addons/{addon}/update", "UpdateAddon"},
	{"GET addons/supported-versions", "DescribeAddonVersions"},
	{"GET addons/configuration-schemas", "DescribeAddonConfiguration"},
	{"POST clusters/{cluster}/access-entries", "CreateAccessEntry"},
	{"GET clusters/{cluster}/access-entries", "ListAccessEntries"},
	{"GET clusters/{cluster}/access-entries/{principal}", "DescribeAccessEntry"},
	{"DELETE clusters/{cluster}/access-entries/{principal}", "DeleteAccessEntry"},
	{"POST clusters/{cluster}/access-entries/{principal}", "UpdateAccessEntry"},
	{"POST clusters/{cluster}/access-entries/{principal}/access-policies", "AssociateAccessPolicy"},
	{"GET clusters/{cluster}/access-entries/{principal}/access-policies", "ListAssociatedAccessPolicies"},
	{"DELETE clusters/{cluster}/access-entries/{principal}/access-policies/{policy...}", "DisassociateAccessPolicy"},
	{"POST clusters/{cluster}/pod-identity-associations", "CreatePodIdentityAssociation"},
	{"GET clusters/{cluster}/pod-identity-associations", "ListPodIdentityAssociations"},
	{"GET clusters/{cluster}/pod-identity-associations/{association}", "DescribePodIdentityAssociation"},
	{"DELETE clusters/{cluster}/pod-identity-associations/{association}", "DeletePodIdentityAssociation"},
	{"POST clusters/{cluster}/pod-identity-associations/{association}", "UpdatePodIdentityAssociation"},
	{"GET tags/{arn...}", "ListTagsForResource"},
	{"POST tags/{arn...}", "TagResource"},
	{"DELETE tags/{arn...}", "UntagResource"},
}

// actionOf is the IAM action a call is authorized as ("eks:CreateCluster"),
// or "" for what IAM does not authorize against the caller's policies
// (STS's GetCallerIdentity) or the layer cannot name.
func actionOf(c call, r *http.Request, op string) string {
	switch c.service {
	case "", "sts":
		return ""
	case "eks":
		seg := segments(r)
		for _, a := range eksActions {
			if _, ok := matchPath(a.pattern, r.Method, seg); ok {
				return "eks:" + a.action
			}
		}
		return ""
	}
	if op == "" || strings.Contains(op, " ") {
		return ""
	}
	return c.service + ":" + op
}
