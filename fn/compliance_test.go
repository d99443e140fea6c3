package fn

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/crossplane/function-sdk-go/resource"

	"github.com/eks-gitops/function-eks-gitops/internal/compose"
)

// withObserved returns s with the observed object name edited by edit.
func withObserved(t *testing.T, s state, name string, edit func(o map[string]any)) state {
	t.Helper()
	o, ok := s.Observed[name]
	if !ok {
		t.Fatalf("%s is not observed", name)
	}
	s.Observed = cloneObserved(s.Observed)
	o.Object = clone(o.Object)
	edit(o.Object)
	s.Observed[name] = o
	return s
}

func cloneObserved[M ~map[K]V, K comparable, V any](m M) M {
	out := make(M, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func keyARNOf(t *testing.T, cluster map[string]any) string {
	t.Helper()
	v, _ := lookup(cluster, "spec", "forProvider", "encryptionConfig", "provider", "keyArn").(string)
	return v
}

func lookup(m map[string]any, path ...string) any {
	var v any = m
	for _, k := range path {
		mm, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = mm[k]
	}
	return v
}

// TestClusterKey: the cluster encrypts its Secrets with the key in its own
// account, whatever the observed key says; once encrypted, it keeps its
// key.
func TestClusterKey(t *testing.T) {
	before, converged := convergedState(t, exampleState(t))
	want := keyARNOf(t, desiredObject(t, converged, string(compose.NameCluster)))
	if !strings.HasPrefix(want, "arn:aws:kms:eu-west-1:444455556666:key/") {
		t.Fatalf("the cluster's key is %q, want a key of the team's account and region", want)
	}
	cases := map[string]struct {
		reason string
		edit   func(s state) state
		want   string
	}{
		"AnotherAccountsKey": {
			reason: "An observed key ID that is an ARN of another account's key is no key ID: the cluster keeps its own.",
			edit: func(s state) state {
				return withObserved(t, s, string(compose.NameClusterKey), func(o map[string]any) {
					lookup(o, "status", "atProvider").(map[string]any)["keyId"] = "arn:aws:kms:eu-west-1:999999999999:key/1234abcd-12ab-34cd-56ef-1234567890ab"
				})
			},
			want: want,
		},
		"KeyMadeAgain": {
			reason: "A new key (the old one waiting out its deletion window) never moves the cluster: EKS cannot change a cluster's key.",
			edit: func(s state) state {
				return withObserved(t, s, string(compose.NameClusterKey), func(o map[string]any) {
					lookup(o, "status", "atProvider").(map[string]any)["keyId"] = "1234abcd-12ab-34cd-56ef-1234567890ab"
				})
			},
			want: want,
		},
		"KeyNotObserved": {
			reason: "While the key is re-observed the cluster keeps its encryption.",
			edit: func(s state) state {
				s.Observed = cloneObserved(s.Observed)
				delete(s.Observed, string(compose.NameClusterKey))
				return s
			},
			want: want,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			rsp := run(t, requestOf(t, tc.edit(next(t, before, converged, allReady))))
			if msg := fatal(rsp); msg != "" {
				t.Fatal(msg)
			}
			if diff := cmp.Diff(tc.want, keyARNOf(t, desiredObject(t, rsp, string(compose.NameCluster)))); diff != "" {
				t.Errorf("%s\nkey ARN (-want +got):\n%s", tc.reason, diff)
			}
		})
	}
}

// TestValidKeyID: only KMS key IDs become part of an ARN.
func TestValidKeyID(t *testing.T) {
	for in, want := range map[string]string{
		"1234abcd-12ab-34cd-56ef-1234567890ab":  "1234abcd-12ab-34cd-56ef-1234567890ab",
		"mrk-1234abcd12ab34cd56ef1234567890ab":  "mrk-1234abcd12ab34cd56ef1234567890ab",
		"1234ABCD-12ab-34cd-56ef-1234567890ab":  "",
		"1234abcd-12ab-34cd-56ef-1234567890a":   "",
		"../../key/1234abcd-12ab-34cd-56ef-123": "",
		"alias/eks-gitops/x":                    "",
		"":                                      "",
	} {
		if got := validKeyID(in); got != want {
			t.Errorf("validKeyID(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestDeletionProtection: a protected environment's cluster has EKS's
// deletion protection and a Usage that refuses deleting the XR, with the
// reason; lifting it for the XR removes both, and nothing else changes.
func TestDeletionProtection(t *testing.T) {
	ex := examples[2] // checkout-prod
	before, converged := convergedState(t, newExampleState(t, ex))
	cluster := desiredObject(t, converged, string(compose.NameCluster))
	if lookup(cluster, "spec", "forProvider", "deletionProtection") != true {
		t.Error("a prod cluster has no deletion protection")
	}
	usage := desiredObject(t, converged, string(compose.NameUsageProtection))
	if got := lookup(usage, "spec", "of", "resourceRef", "name"); got != "checkout-prod" || lookup(usage, "kind") != "ClusterUsage" {
		t.Errorf("the protection is a %v of %v, want a ClusterUsage of the XR", lookup(usage, "kind"), got)
	}
	if r, _ := lookup(usage, "spec", "reason").(string); !strings.Contains(r, "deletionProtectionLiftedFor") {
		t.Errorf("the Usage's reason %q does not say how to lift it", r)
	}

	s := next(t, before, converged, allReady)
	s.Input = clone(s.Input)
	s.Input["compliance"].(map[string]any)["deletionProtectionLiftedFor"] = []any{"checkout-prod"}
	lifted := run(t, requestOf(t, s))
	if _, ok := lifted.GetDesired().GetResources()[string(compose.NameUsageProtection)]; ok {
		t.Error("the protection's Usage stays once lifted")
	}
	if got := lookup(desiredObject(t, lifted, string(compose.NameCluster)), "spec", "forProvider", "deletionProtection"); got != false {
		t.Errorf("the cluster's deletionProtection is %v once lifted, want false", got)
	}
	for name := range converged.GetDesired().GetResources() {
		if name == string(compose.NameUsageProtection) || name == string(compose.NameCluster) {
			continue
		}
		if diff := cmp.Diff(desiredObject(t, converged, name), desiredObject(t, lifted, name)); diff != "" {
			t.Errorf("%s changed when the protection was lifted:\n%s", name, diff)
		}
	}

	// A dev cluster has neither.
	_, dev := convergedState(t, exampleState(t))
	if _, ok := dev.GetDesired().GetResources()[string(compose.NameUsageProtection)]; ok {
		t.Error("a dev cluster is protected")
	}
}

// TestExistingClusterGetsTheBaseline: a cluster made before the baseline
// (no key, no log group, no encryption) keeps running while they come: it
// is declared on every call, its name and everything else unchanged, and
// gets its encryption once the key is observed.
func TestExistingClusterGetsTheBaseline(t *testing.T) {
	before, converged := convergedState(t, exampleState(t))
	s := next(t, before, converged, allReady)
	s.Observed = cloneObserved(s.Observed)
	for _, n := range []resource.Name{compose.NameClusterKey, compose.NameClusterKeyAlias, compose.NameLogGroup, compose.NameUsageKeyOfCluster} {
		delete(s.Observed, string(n))
	}
	s = withObserved(t, s, string(compose.NameCluster), func(o map[string]any) {
		delete(lookup(o, "spec", "forProvider").(map[string]any), "encryptionConfig")
	})
	rsp := run(t, requestOf(t, s))
	if msg := fatal(rsp); msg != "" {
		t.Fatal(msg)
	}
	cluster := desiredObject(t, rsp, string(compose.NameCluster))
	if keyARNOf(t, cluster) != "" {
		t.Error("the cluster is encrypted with a key not yet observed")
	}
	was := desiredObject(t, converged, string(compose.NameCluster))
	if got, want := lookup(cluster, "metadata", "annotations"), lookup(was, "metadata", "annotations"); !cmp.Equal(got, want) {
		t.Errorf("the cluster's name changed: %v, was %v", got, want)
	}
	if _, ok := rsp.GetDesired().GetResources()[string(compose.NameClusterKey)]; !ok {
		t.Fatal("the key is not declared for a running cluster")
	}
	for name := range converged.GetDesired().GetResources() {
		if _, ok := rsp.GetDesired().GetResources()[name]; !ok && name != string(compose.NameClusterKeyAlias) && name != string(compose.NameLogGroup) && name != string(compose.NameUsageKeyOfCluster) {
			t.Errorf("%s is no longer declared while the baseline comes", name)
		}
	}
	// The key, then its alias and the log group, then the encryption.
	s = next(t, s, rsp, allReady)
	rsp = run(t, requestOf(t, s))
	if got := keyARNOf(t, desiredObject(t, rsp, string(compose.NameCluster))); !strings.Contains(got, ":key/") {
		t.Errorf("the running cluster is not encrypted once its key is observed: %q", got)
	}
}
