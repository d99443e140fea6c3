package fn

import (
	"encoding/base64"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"

	"github.com/eks-gitops/function-eks-gitops/internal/compose"
)

// factsFrom reads what the builders and the XR's status need from the
// observed composed resources. Missing fields stay empty.
func factsFrom(observed map[string]*fnv1.Resource) compose.Facts {
	var f compose.Facts
	if vpc := observed[string(compose.NameVPC)].GetResource(); vpc != nil {
		f.VPCID = stringAt(vpc, "status", "atProvider", "id")
	}
	if c := observed[string(compose.NameCluster)].GetResource(); c != nil {
		f.Cluster.Name = stringAt(c, "metadata", "annotations", compose.AnnotationExternalName)
		f.Cluster.ARN = stringAt(c, "status", "atProvider", "arn")
		f.Cluster.Endpoint = stringAt(c, "status", "atProvider", "endpoint")
		f.Cluster.CAData = stringAt(c, "status", "atProvider", "certificateAuthority", 0, "data")
		f.Cluster.Status = stringAt(c, "status", "atProvider", "status")
		f.Cluster.Version = stringAt(c, "status", "atProvider", "version")
	}
	if r := observed[string(compose.NameRepository)].GetResource(); r != nil {
		f.RepositoryCloneURL = stringAt(r, "status", "atProvider", "cloneUrlHttp")
	}
	f.Git = gitFacts(observed)
	return f
}

// gitFacts reads Argo CD's Git credential: the user name the provider
// reports and the password from the credential's connection details. When
// those are not passed (e.g. by crossplane render), the repository Secret
// that already holds them keeps them, so it is never rewritten empty.
func gitFacts(observed map[string]*fnv1.Resource) compose.GitFacts {
	var g compose.GitFacts
	if c, ok := observed[string(compose.NameGitCredential)]; ok {
		g.Username = stringAt(c.GetResource(), "status", "atProvider", "serviceUserName")
		g.Password = string(c.GetConnectionDetails()[compose.KeyGitPassword])
	}
	if g.Username != "" && g.Password != "" {
		return g
	}
	s := observed[string(compose.NameRepositorySecret)].GetResource()
	if s == nil || stringAt(s, "kind") != "Secret" {
		return g
	}
	decode := func(k string) string {
		b, err := base64.StdEncoding.DecodeString(stringAt(s, "data", k))
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
