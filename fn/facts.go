package fn

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"net/url"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws/arn"
	"google.golang.org/protobuf/types/known/structpb"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"

	"github.com/eks-gitops/function-eks-gitops/internal/addoniam"
	"github.com/eks-gitops/function-eks-gitops/internal/compose"
	"github.com/eks-gitops/function-eks-gitops/internal/lrucache"
)

// Facts that can be kept from what was last applied, as a sentence's subject.
const (
	factEndpoint    = "the EKS cluster's endpoint"
	factCA          = "the EKS cluster's certificate authority"
	factRoleARN     = "the ARN of Argo CD's IAM role"
	factGitUser     = "the Git credential's user name"
	factCloneURL    = "the repository's clone URL"
	factClusterID   = "the EKS cluster's ARN"
	factNodeRoleARN = "the ARN of the node role"
)

// factAddonAccess is the kept fact of an add-on's AWS access.
func factAddonAccess(a addoniam.Addon) string { return "the AWS access of " + a.Name }

// factsFrom reads what the builders and the XR's status need from the
// observed composed resources and checks each value before it is used: an
// endpoint must be an https URL, a CA must decode to PEM certificates, an
// ARN must parse. A fact that was observed once and is not observed now, or
// not valid now, never becomes an empty value: the value last applied (the
// observed cluster Secret, AppProject, Application or repository Secret
// holds it) is kept and reported in Facts.Kept.
func factsFrom(observed map[string]*fnv1.Resource, xr *structpb.Struct) compose.Facts {
	var f compose.Facts
	if vpc := observed[string(compose.NameVPC)].GetResource(); vpc != nil {
		f.VPCID = stringAt(vpc, "status", "atProvider", "id")
	}
	if c := observed[string(compose.NameCluster)].GetResource(); c != nil {
		f.Cluster.Name = stringAt(c, "metadata", "annotations", compose.AnnotationExternalName)
		f.Cluster.ARN = validARN(stringAt(c, "status", "atProvider", "arn"), "eks", "cluster/")
		f.Cluster.Endpoint = validEndpoint(stringAt(c, "status", "atProvider", "endpoint"))
		f.Cluster.CAData = validCA(stringAt(c, "status", "atProvider", "certificateAuthority", 0, "data"))
		f.Cluster.Status = stringAt(c, "status", "atProvider", "status")
		f.Cluster.Version = stringAt(c, "status", "atProvider", "version")
	}
	if r := observed[string(compose.NameNodeRole)].GetResource(); r != nil {
		f.NodeRoleARN = validARN(stringAt(r, "status", "atProvider", "arn"), "iam", "role/")
	}
	if k := observed[string(compose.NameClusterKey)].GetResource(); k != nil {
		f.ClusterKeyID = validKeyID(stringAt(k, "status", "atProvider", "keyId"))
	}
	if r := observed[string(compose.NameArgoCDRole)].GetResource(); r != nil {
		f.ArgoCDRoleARN = validARN(stringAt(r, "status", "atProvider", "arn"), "iam", "role/")
	}
	f.Hub = hubFacts(observed)
	var keptGroups bool
	if f.Identity, keptGroups = identityFacts(observed); keptGroups {
		f.Kept = append(f.Kept, compose.KeptFact{Step: compose.StepArgoCDAccessGranted, Fact: factCenterGroups})
	}
	f.RepositoryCloneURL = cloneURL(observed)
	f.Git = gitFacts(observed)
	f.NodeGroups = nodeGroupFacts(observed)
	f.LaunchTemplateVersions = launchTemplateVersions(observed)
	f.AddonVersions, f.AddonSpecVersions = addonVersions(observed)
	var keptAccess []addoniam.Addon
	f.AddonAccess, keptAccess = addonAccess(observed)
	for _, a := range keptAccess {
		f.Kept = append(f.Kept, compose.KeptFact{Step: compose.StepClusterRegistered, Fact: factAddonAccess(a)})
	}

	keep := func(step, fact string, have *string, last string) {
		if *have == "" && last != "" {
			*have = last
			f.Kept = append(f.Kept, compose.KeptFact{Step: step, Fact: fact})
		}
	}
	// Argo CD reads a GitHub repository with the platform's GitHub App: no
	// user name to keep.
	_, onGitHub := observed[string(compose.NameGitHubRepository)]
	if f.Cluster.Endpoint == "" || f.Cluster.CAData == "" || f.ArgoCDRoleARN == "" || (f.Git.Username == "" && !onGitHub) {
		// Read back only when something is missing: a converged XR's calls
		// skip decoding the applied objects.
		applied := lastApplied(observed)
		keep(compose.StepClusterRegistered, factEndpoint, &f.Cluster.Endpoint, applied.endpoint)
		keep(compose.StepClusterRegistered, factCA, &f.Cluster.CAData, applied.caData)
		keep(compose.StepClusterRegistered, factRoleARN, &f.ArgoCDRoleARN, applied.roleARN)
		keep(compose.StepRepositoryBootstrapped, factGitUser, &f.Git.Username, applied.gitUser)
	}
	status := func(path ...any) string { return stringAt(xr, append([]any{"status"}, path...)...) }
	keep(compose.StepRepositoryBootstrapped, factCloneURL, &f.RepositoryCloneURL, validEndpoint(status("repository", "cloneUrl")))
	keep(compose.StepControlPlane, factClusterID, &f.Cluster.ARN, validARN(status("cluster", "arn"), "eks", "cluster/"))
	if c := observed[string(compose.NameCluster)].GetResource(); c != nil {
		keep(compose.StepControlPlane, factNodeRoleARN, &f.NodeRoleARN, validARN(stringAt(c, "spec", "forProvider", "computeConfig", "nodeRoleArn"), "iam", "role/"))
		// A cluster's encryption, once on, is EKS's to keep: it can neither
		// be removed nor moved to another key. The key the cluster has
		// wins over the one observed (a key made again while the first
		// waits out its deletion window).
		if id := keyIDOf(stringAt(c, "spec", "forProvider", "encryptionConfig", "provider", "keyArn")); id != "" {
			f.ClusterKeyID = id
		}
	}
	return f
}

// applied are the facts the function last wrote into Argo CD's objects.
type applied struct {
	endpoint, caData, roleARN, gitUser string
}

// lastApplied reads the facts from the observed cluster Secret, AppProject,
// Application and repository Secret: the objects themselves for a
// cluster-scoped XR, the manifests of the provider-kubernetes Objects that
// wrap them for a namespaced XR.
func lastApplied(observed map[string]*fnv1.Resource) applied {
	var a applied
	if s := manifest(observed[string(compose.NameClusterSecret)].GetResource()); s != nil {
		a.endpoint = validEndpoint(appliedSecretValue(s, "server"))
		var cfg struct {
			AWSAuthConfig struct {
				RoleARN string `json:"roleARN"`
			} `json:"awsAuthConfig"`
			TLSClientConfig struct {
				CAData string `json:"caData"`
			} `json:"tlsClientConfig"`
		}
		if json.Unmarshal([]byte(appliedSecretValue(s, "config")), &cfg) == nil {
			a.caData = validCA(cfg.TLSClientConfig.CAData)
			a.roleARN = validARN(cfg.AWSAuthConfig.RoleARN, "iam", "role/")
		}
	}
	if a.endpoint == "" {
		if p := manifest(observed[string(compose.NameAppProject)].GetResource()); p != nil {
			a.endpoint = validEndpoint(stringAt(p, "spec", "destinations", 0, "server"))
		}
	}
	if a.endpoint == "" {
		if app := manifest(observed[string(compose.NameBootstrapApplication)].GetResource()); app != nil {
			a.endpoint = validEndpoint(stringAt(app, "spec", "destination", "server"))
		}
	}
	if s := manifest(observed[string(compose.NameRepositorySecret)].GetResource()); s != nil {
		a.gitUser = appliedSecretValue(s, "username")
	}
	return a
}

// manifest is the Kubernetes object an observed composed resource declares:
// the object itself, or the manifest of the provider-kubernetes Object that
// wraps it.
func manifest(o *structpb.Struct) *structpb.Struct {
	if o == nil {
		return nil
	}
	if stringAt(o, "kind") == "Object" && strings.HasPrefix(stringAt(o, "apiVersion"), "kubernetes.") {
		return valueAt(o, "spec", "forProvider", "manifest").GetStructValue()
	}
	return o
}

// appliedSecretValue decodes a key of a Secret's data, or "" when it is missing or
// not base64.
func appliedSecretValue(s *structpb.Struct, key string) string {
	b, err := base64.StdEncoding.DecodeString(stringAt(s, "data", key))
	if err != nil {
		return ""
	}
	return string(b)
}

// validEndpoint returns u if it is an https URL with a host and nothing
// else (no user, query or fragment), or "".
func validEndpoint(u string) string {
	p, err := url.Parse(u)
	if err != nil || p.Scheme != "https" || p.Host == "" || p.User != nil || p.RawQuery != "" || p.Fragment != "" || p.Opaque != "" {
		return ""
	}
	return u
}

// checkedCAs remembers which CAs were checked, so a converged XR's CA is
// parsed once, not on every poll. An entry is a hash and a bool.
var checkedCAs = lrucache.New[[sha256.Size]byte, bool](256, 256*checkedCASize)

const checkedCASize = 2 * sha256.Size

// validCA returns data if it is base64 of one or more PEM certificates that
// parse, with nothing else in it, or "". Argo CD drops a cluster whose CA
// does not decode.
func validCA(data string) string {
	if data == "" {
		return ""
	}
	key := sha256.Sum256([]byte(data))
	if ok, found := checkedCAs.Get(key); found {
		if ok {
			return data
		}
		return ""
	}
	v := parseCA(data)
	checkedCAs.Add(key, v != "", checkedCASize)
	return v
}

func parseCA(data string) string {
	b, err := base64.StdEncoding.DecodeString(data)
	if err != nil || len(b) == 0 {
		return ""
	}
	n := 0
	for rest := b; len(strings.TrimSpace(string(rest))) > 0; n++ {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil || block.Type != "CERTIFICATE" {
			return ""
		}
		if _, err := x509.ParseCertificate(block.Bytes); err != nil {
			return ""
		}
	}
	if n == 0 {
		return ""
	}
	return data
}

// validARN returns s if it is an ARN of the service whose resource starts
// with the prefix, or "".
func validARN(s, service, resourcePrefix string) string {
	a, err := arn.Parse(s)
	if err != nil || a.Service != service || !strings.HasPrefix(a.Resource, resourcePrefix) {
		return ""
	}
	return s
}

// validKeyID is s if it is a KMS key ID: a UUID, or mrk- and 32 hex
// digits for a multi-Region key.
func validKeyID(s string) string {
	hex := func(s string) bool {
		return s != "" && strings.Trim(s, "0123456789abcdef") == ""
	}
	if rest, ok := strings.CutPrefix(s, "mrk-"); ok {
		if len(rest) == 32 && hex(rest) {
			return s
		}
		return ""
	}
	parts := strings.Split(s, "-")
	if len(parts) != 5 {
		return ""
	}
	for i, n := range []int{8, 4, 4, 4, 12} {
		if len(parts[i]) != n || !hex(parts[i]) {
			return ""
		}
	}
	return s
}

// keyIDOf is the key ID of a KMS key ARN, or "".
func keyIDOf(s string) string {
	a, err := arn.Parse(s)
	if err != nil || a.Service != "kms" {
		return ""
	}
	id, _ := strings.CutPrefix(a.Resource, "key/")
	return validKeyID(id)
}

// cloneURL is the observed repository's HTTPS clone URL, whichever Git host
// it is on.
func cloneURL(observed map[string]*fnv1.Resource) string {
	for _, r := range []struct {
		name  string
		field string
	}{
		{string(compose.NameRepository), "cloneUrlHttp"},
		{string(compose.NameGitHubRepository), "httpCloneUrl"},
		{string(compose.NameGitLabProject), "httpUrlToRepo"},
	} {
		if o := observed[r.name].GetResource(); o != nil {
			return validEndpoint(stringAt(o, "status", "atProvider", r.field))
		}
	}
	return ""
}

// gitFacts reads Argo CD's Git credential: on CodeCommit the user name the
// provider reports and the password from the credential's connection
// details; on GitLab the deploy token's user name and the token from its
// connection details. When those are not passed (e.g. by crossplane
// render), the repository Secret that already holds them keeps them, so it
// is never rewritten empty.
func gitFacts(observed map[string]*fnv1.Resource) compose.GitFacts {
	var g compose.GitFacts
	if c, ok := observed[string(compose.NameGitCredential)]; ok {
		g.Username = stringAt(c.GetResource(), "status", "atProvider", "serviceUserName")
		g.Password = string(c.GetConnectionDetails()[compose.KeyGitPassword])
	}
	if t, ok := observed[string(compose.NameGitLabDeployToken)]; ok {
		// The provider keeps the user name in the spec, where the function
		// set it; its observation is empty.
		g.Username = stringAt(t.GetResource(), "spec", "forProvider", "username")
		g.Password = string(t.GetConnectionDetails()[compose.KeyGitLabToken])
	}
	if g.Username != "" && g.Password != "" {
		return g
	}
	s := observed[string(compose.NameRepositorySecret)].GetResource()
	if s == nil || stringAt(s, "kind") != "Secret" {
		return g
	}
	if g.Password == "" {
		g.Password = appliedSecretValue(s, "password")
	}
	return g
}

// addonAccess finds, by gitops-bridge key, the add-ons Argo CD installs
// whose AWS access is in place: the role's ARN is observed and its Pod
// Identity association is ready. An add-on whose access is observed only
// in part (the provider re-observing, a role being replaced) keeps what the
// cluster Secret last applied if that enabled it, so a poll never makes
// Argo CD uninstall a running add-on.
func addonAccess(observed map[string]*fnv1.Resource) (access map[string]string, kept []addoniam.Addon) {
	var out map[string]string
	var partial []addoniam.Addon
	for _, a := range addoniam.All() {
		if a.Key == addoniam.EBSCSIDriver.Key {
			continue
		}
		role := observed[string(compose.NameAddonRole(a))].GetResource()
		assoc := observed[string(compose.NameAddonPodIdentity(a))].GetResource()
		if role == nil && assoc == nil {
			continue
		}
		arn := validARN(stringAt(role, "status", "atProvider", "arn"), "iam", "role/")
		if arn != "" && assoc != nil && hasReadyCondition(assoc) {
			if out == nil {
				out = map[string]string{}
			}
			out[a.Key] = arn
			continue
		}
		partial = append(partial, a)
	}
	if len(partial) == 0 {
		return out, nil
	}
	s := manifest(observed[string(compose.NameClusterSecret)].GetResource())
	for _, a := range partial {
		if stringAt(s, "metadata", "labels", "enable_"+a.Key) != "true" {
			continue
		}
		if out == nil {
			out = map[string]string{}
		}
		out[a.Key] = validARN(stringAt(s, "metadata", "annotations", a.Key+"_iam_role_arn"), "iam", "role/")
		kept = append(kept, a)
	}
	return out, kept
}
