package fn

import (
	"encoding/base64"

	"github.com/crossplane/function-sdk-go/resource"

	"github.com/eks-gitops/function-eks-gitops/internal/compose"
)

// factsFrom reads what the builders and the XR's status need from the
// observed composed resources. Missing fields stay empty.
func factsFrom(observed map[resource.Name]resource.ObservedComposed) compose.Facts {
	var f compose.Facts
	if vpc, ok := observed[compose.NameVPC]; ok {
		f.VPCID, _ = vpc.Resource.GetString("status.atProvider.id")
	}
	if c, ok := observed[compose.NameCluster]; ok {
		u := c.Resource
		f.Cluster.Name = u.GetAnnotations()[compose.AnnotationExternalName]
		f.Cluster.ARN, _ = u.GetString("status.atProvider.arn")
		f.Cluster.Endpoint, _ = u.GetString("status.atProvider.endpoint")
		f.Cluster.CAData, _ = u.GetString("status.atProvider.certificateAuthority[0].data")
		f.Cluster.Status, _ = u.GetString("status.atProvider.status")
		f.Cluster.Version, _ = u.GetString("status.atProvider.version")
	}
	if r, ok := observed[compose.NameRepository]; ok {
		f.RepositoryCloneURL, _ = r.Resource.GetString("status.atProvider.cloneUrlHttp")
	}
	f.Git = gitFacts(observed)
	return f
}

// gitFacts reads Argo CD's Git credential: the user name the provider
// reports and the password from the credential's connection details. When
// those are not passed (e.g. by crossplane render), the repository Secret
// that already holds them keeps them, so it is never rewritten empty.
func gitFacts(observed map[resource.Name]resource.ObservedComposed) compose.GitFacts {
	var g compose.GitFacts
	if c, ok := observed[compose.NameGitCredential]; ok {
		g.Username, _ = c.Resource.GetString("status.atProvider.serviceUserName")
		g.Password = string(c.ConnectionDetails[compose.KeyGitPassword])
	}
	if g.Username != "" && g.Password != "" {
		return g
	}
	s, ok := observed[compose.NameRepositorySecret]
	if !ok || s.Resource.GetKind() != "Secret" {
		return g
	}
	data, _ := s.Resource.GetStringObject("data")
	decode := func(k string) string {
		b, err := base64.StdEncoding.DecodeString(data[k])
		if err != nil {
			return ""
		}
		return string(b)
	}
	if g.Username == "" {
		g.Username = decode("username")
	}
	if g.Password == "" {
		g.Password = decode("password")
	}
	return g
}
