package fn

import (
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/encoding/protojson"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
)

// converged returns the state just before the final, converged response and
// that response.
func convergedState(t testing.TB, s state) (state, *fnv1.RunFunctionResponse) {
	t.Helper()
	rsps := converge(t, s)
	return stateBefore(t, s, rsps), rsps[len(rsps)-1]
}

func desiredObject(t *testing.T, rsp *fnv1.RunFunctionResponse, name string) map[string]any {
	t.Helper()
	r, ok := rsp.GetDesired().GetResources()[name]
	if !ok {
		t.Fatalf("%s is not declared; declared: %v", name, resourceNames(rsp))
	}
	return r.GetResource().AsMap()
}

func secretValue(t *testing.T, secret map[string]any, key string) string {
	t.Helper()
	data, _ := secret["data"].(map[string]any)
	s, _ := data[key].(string)
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatalf("data.%s is not base64: %v", key, err)
	}
	return string(b)
}

// TestClusterSecret checks the cluster Secret is one Argo CD parses into a
// working cluster: the observed endpoint, the CA copied verbatim, the EKS
// cluster name and the role the access entry was given.
func TestClusterSecret(t *testing.T) {
	before, rsp := convergedState(t, exampleState(t))
	secret := desiredObject(t, rsp, "argocd-cluster-secret")
	cluster := before.Observed["eks-cluster"].Object
	at := cluster["status"].(map[string]any)["atProvider"].(map[string]any)
	ca := at["certificateAuthority"].([]any)[0].(map[string]any)["data"]

	if got := secretValue(t, secret, "server"); got != at["endpoint"] {
		t.Errorf("server %q, want the observed endpoint %q", got, at["endpoint"])
	}
	var cfg map[string]any
	if err := json.Unmarshal([]byte(secretValue(t, secret, "config")), &cfg); err != nil {
		t.Fatalf("config is not JSON, Argo CD would drop the cluster: %v", err)
	}
	p := paramsOf(t, before)
	want := map[string]any{
		"awsAuthConfig":   map[string]any{"clusterName": p.ClusterName(), "roleARN": "arn:aws:iam::444455556666:role/eks-gitops/argocd/" + p.ClusterName() + "-argocd"},
		"tlsClientConfig": map[string]any{"insecure": false, "caData": ca},
	}
	if diff := cmp.Diff(want, cfg); diff != "" {
		t.Errorf("config: -want +got:\n%s", diff)
	}
	md := secret["metadata"].(map[string]any)
	if md["namespace"] != "argocd" || md["labels"].(map[string]any)["argocd.argoproj.io/secret-type"] != "cluster" {
		t.Errorf("the cluster Secret is not where and how Argo CD looks for it: %v", md)
	}
	if got := secretValue(t, secret, "project"); got != p.ProjectName() || !strings.HasPrefix(got, "eks-gitops-payments-dev-") {
		t.Errorf("project %q, want %s", got, p.ProjectName())
	}
}

func TestClusterSecretHubRoleMode(t *testing.T) {
	s := exampleState(t)
	set(s.Input, "argocd.accessMode", "HubRole")
	_, rsp := convergedState(t, s)
	var cfg map[string]map[string]any
	if err := json.Unmarshal([]byte(secretValue(t, desiredObject(t, rsp, "argocd-cluster-secret"), "config")), &cfg); err != nil {
		t.Fatal(err)
	}
	if _, ok := cfg["awsAuthConfig"]["roleARN"]; ok {
		t.Error("roleARN is set in HubRole mode; Argo CD must use its own role")
	}
	if _, ok := rsp.GetDesired().GetResources()["iam-role-argocd"]; ok {
		t.Error("a per-cluster role is composed in HubRole mode")
	}
}

// TestAppProjectPolicies parses each policy line the way Argo CD does (CSV)
// and checks it grants exactly the team's own applications.
func TestAppProjectPolicies(t *testing.T) {
	before, rsp := convergedState(t, exampleState(t))
	p := paramsOf(t, before)
	project := p.ProjectName()
	spec := desiredObject(t, rsp, "argocd-project")["spec"].(map[string]any)
	if spec["permitOnlyProjectScopedClusters"] != true {
		t.Error("permitOnlyProjectScopedClusters is not true")
	}
	if diff := cmp.Diff([]any{"https://git-codecommit.eu-west-1.amazonaws.com/v1/repos/" + p.RepositoryName()}, spec["sourceRepos"]); diff != "" {
		t.Errorf("sourceRepos: -want +got:\n%s", diff)
	}
	for _, d := range spec["destinations"].([]any) {
		server := d.(map[string]any)["server"].(string)
		if !strings.HasSuffix(server, ".eks.amazonaws.com") || strings.Contains(server, "kubernetes.default") {
			t.Errorf("destination %q is not the team's EKS cluster", server)
		}
	}
	for _, r := range spec["roles"].([]any) {
		role := r.(map[string]any)
		for _, p := range role["policies"].([]any) {
			fields, err := csv.NewReader(strings.NewReader(p.(string))).Read()
			if err != nil || len(fields) != 6 {
				t.Fatalf("policy %q is not a 6-field CSV line (Argo CD would drop the project's whole policy): %v", p, err)
			}
			for i := range fields {
				fields[i] = strings.TrimSpace(fields[i])
			}
			if fields[0] != "p" || fields[1] != "proj:"+project+":"+role["name"].(string) || fields[4] != project+"/*" || fields[5] != "allow" {
				t.Errorf("policy %q grants more than the team's own applications", p)
			}
		}
	}
}

// TestHostileNamesCannotWidenPolicies shows that names an attacker picks are
// refused before anything is emitted, and that among accepted names no
// project's policy object matches another project's applications (Argo CD's
// glob "*" also crosses "/").
func TestHostileNamesCannotWidenPolicies(t *testing.T) {
	t.Parallel()
	hostile := map[string]any{
		"spec.team.name":    "payments\ng, eks-gitops-payments-dev, role:admin",
		"metadata.name":     "payments-dev*",
		"spec.team.members": []any{"alice", "mallory\ng, mallory, role:admin"},
		"spec.team.admins":  []any{`eve", role:admin`},
		"spec.environment":  "dev,prod",
	}
	for path, v := range hostile {
		s := exampleState(t)
		set(s.XR, path, v)
		rsp := run(t, requestOf(t, s))
		if fatal(rsp) == "" {
			t.Errorf("%s: a hostile value was accepted", path)
		}
		if len(rsp.GetDesired().GetResources()) != 0 {
			t.Errorf("%s: resources were declared for a hostile value", path)
		}
	}

	// Names that prefix one another are the classic glob trap.
	names := []string{"team-a", "team-ab", "team-a-b", "a", "ab"}
	objects := map[string]string{}
	for _, n := range names {
		s := exampleState(t)
		set(s.XR, "metadata.name", n)
		_, rsp := convergedState(t, s)
		spec := desiredObject(t, rsp, "argocd-project")["spec"].(map[string]any)
		role := spec["roles"].([]any)[0].(map[string]any)
		fields, _ := csv.NewReader(strings.NewReader(role["policies"].([]any)[0].(string))).Read()
		objects[n] = strings.TrimSpace(fields[4])
	}
	for a, pattern := range objects {
		for _, b := range names {
			if a != b && globMatch(pattern, b+"/some-app") {
				t.Errorf("project %s's policy object %q matches project %s's application", a, pattern, b)
			}
		}
	}
}

// globMatch is Argo CD's policy glob: "*" matches any run of characters,
// "/" included.
func globMatch(pattern, s string) bool {
	prefix, rest, found := strings.Cut(pattern, "*")
	if !found {
		return pattern == s
	}
	if !strings.HasPrefix(s, prefix) {
		return false
	}
	s = s[len(prefix):]
	if rest == "" {
		return true
	}
	for i := range len(s) + 1 {
		if globMatch(rest, s[i:]) {
			return true
		}
	}
	return false
}

// TestMembershipChanges checks that adding or removing a member changes
// exactly that membership and nothing else.
func TestMembershipChanges(t *testing.T) {
	before, base := convergedState(t, exampleState(t))
	render := func(members []any) *fnv1.RunFunctionResponse {
		s := before
		s.XR = withConditions(s.XR, base)
		set(s.XR, "spec.team.members", members)
		return run(t, requestOf(t, s))
	}
	added := render([]any{"alice", "bob.smith", "carol@example.com", "dave"})
	removed := render([]any{"alice", "carol@example.com"})

	diffNames := func(a, b *fnv1.RunFunctionResponse) (onlyA, onlyB, changed []string) {
		for n, r := range a.GetDesired().GetResources() {
			o, ok := b.GetDesired().GetResources()[n]
			switch {
			case !ok:
				onlyA = append(onlyA, n)
			case n != "cluster-creation-event" && !cmp.Equal(protojson.Format(r.GetResource()), protojson.Format(o.GetResource())):
				changed = append(changed, n)
			}
		}
		for n := range b.GetDesired().GetResources() {
			if _, ok := a.GetDesired().GetResources()[n]; !ok {
				onlyB = append(onlyB, n)
			}
		}
		slices.Sort(onlyA)
		slices.Sort(onlyB)
		slices.Sort(changed)
		return onlyA, onlyB, changed
	}
	_, onlyAdded, changed := diffNames(base, added)
	if len(onlyAdded) != 1 || !strings.HasPrefix(onlyAdded[0], "cognito-member-dave-") || len(changed) != 0 {
		t.Errorf("adding dave: new %v, changed %v; want exactly one new membership", onlyAdded, changed)
	}
	onlyBase, _, changed := diffNames(base, removed)
	if len(onlyBase) != 1 || !strings.HasPrefix(onlyBase[0], "cognito-member-bob-smith-") || len(changed) != 0 {
		t.Errorf("removing bob.smith: gone %v, changed %v; want exactly his membership gone", onlyBase, changed)
	}
	event := desiredObject(t, added, "cluster-creation-event")["data"].(map[string]any)["productTeamMembers"]
	if event != "alice,bob.smith,carol@example.com,dave" {
		t.Errorf("cluster-creation-event members %q", event)
	}
}

// TestOnboardingOrder checks the dependency order: the repository Secret only
// once the credential exists, the Application only once the cluster is
// registered.
func TestOnboardingOrder(t *testing.T) {
	s := exampleState(t)
	var rsps []*fnv1.RunFunctionResponse
	for range maxRounds {
		rsp := run(t, requestOf(t, s))
		rsps = append(rsps, rsp)
		if converged(rsp) {
			break
		}
		s = next(t, s, rsp, allReady)
	}
	if !converged(rsps[len(rsps)-1]) {
		t.Fatalf("not converged in %d rounds", maxRounds)
	}
	declaredIn := map[string]int{}
	for i, rsp := range rsps {
		for n := range rsp.GetDesired().GetResources() {
			if _, ok := declaredIn[n]; !ok {
				declaredIn[n] = i
			}
		}
	}
	for _, order := range [][2]string{
		{"codecommit-credential", "argocd-repository-secret"},
		{"argocd-cluster-secret", "argocd-bootstrap-application"},
		{"argocd-project", "argocd-bootstrap-application"},
		{"eks-access-policy-argocd", "argocd-cluster-secret"},
		{"eks-cluster", "argocd-cluster-secret"},
	} {
		first, ok0 := declaredIn[order[0]]
		then, ok1 := declaredIn[order[1]]
		switch {
		case !ok0 || !ok1:
			t.Errorf("%s (declared: %t) and %s (declared: %t) must both be declared by convergence", order[0], ok0, order[1], ok1)
		case first >= then:
			t.Errorf("%s (round %d) is not declared before %s (round %d)", order[0], first, order[1], then)
		}
	}
}

// TestNamespacedOnboarding checks that a namespaced XR wraps what lives
// outside its namespace in provider-kubernetes Objects, and that the
// repository password is patched in by the provider, never written into the
// Object's spec.
func TestNamespacedOnboarding(t *testing.T) {
	s := newState(t, "xr-namespaced.yaml", "composition-namespaced.yaml")
	before, rsp := convergedState(t, s)
	for _, n := range []string{"argocd-cluster-secret", "argocd-project", "argocd-repository-secret", "argocd-bootstrap-application", "cluster-creation-event"} {
		o := desiredObject(t, rsp, n)
		if o["kind"] != "Object" || o["apiVersion"] != "kubernetes.m.crossplane.io/v1alpha1" {
			t.Errorf("%s is a %v, want a provider-kubernetes Object", n, o["kind"])
		}
	}
	password := string(before.Observed["codecommit-credential"].ConnectionDetails["attribute.service_password"])
	if password == "" {
		t.Fatal("the simulated credential has no password")
	}
	if b, _ := protojson.Marshal(rsp); strings.Contains(string(b), password) || strings.Contains(string(b), base64.StdEncoding.EncodeToString([]byte(password))) {
		t.Error("the password reaches the response of a namespaced XR")
	}
	refs := desiredObject(t, rsp, "argocd-repository-secret")["spec"].(map[string]any)["references"]
	if !strings.Contains(protojsonString(t, refs), "attribute.service_password") {
		t.Errorf("the repository Secret does not patch the password from the credential: %v", refs)
	}
}

func protojsonString(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
