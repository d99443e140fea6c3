package fn

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"
	"sigs.k8s.io/yaml"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"

	"github.com/eks-gitops/function-eks-gitops/internal/platformsettings"
	"github.com/eks-gitops/function-eks-gitops/internal/simulate"
)

// packageInput is the Input of a Composition of the Configuration package.
func packageInput(t *testing.T, composition string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "package", "configuration", composition))
	if err != nil {
		t.Fatal(err)
	}
	c := map[string]any{}
	if err := yaml.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	return c["spec"].(map[string]any)["pipeline"].([]any)[0].(map[string]any)["input"].(map[string]any)
}

// platformSettings is example/platform-settings.yaml.
func platformSettings(t *testing.T) map[string]any { return readYAML(t, "platform-settings.yaml") }

func withSettings(s state, objs ...map[string]any) state {
	s.Required = map[string][]map[string]any{SettingsRequirement: objs}
	return s
}

// TestPackageCompositionsComposeLikeTheExamples: the Configuration
// package's Compositions, with the platform settings from
// example/platform-settings.yaml, compose every example XR exactly as the
// self-contained example Compositions do, at every step to Ready.
func TestPackageCompositionsComposeLikeTheExamples(t *testing.T) {
	// Independent of every other test, and among the longest: with the
	// others of its kind it runs beside them, on the second core.
	t.Parallel()
	for _, ex := range examples {
		t.Run(ex.name, func(t *testing.T) {
			want := converge(t, newExampleState(t, ex))
			settings := exampleSettings(t, ex)
			s := withSettings(simulate.New(readYAML(t, ex.xr), packageInput(t, ex.composition)), settings)
			got := converge(t, s)
			if len(got) != len(want) {
				t.Fatalf("converged in %d rounds, want %d", len(got), len(want))
			}
			for i := range want {
				g, w := got[i].GetDesired(), want[i].GetDesired()
				if diff := protoDiff(t, w, g); diff != "" {
					t.Errorf("round %d: desired state differs from the example Composition's (-want +got):\n%s", i, diff)
				}
				if diff := cmp.Diff(want[i].GetConditions(), got[i].GetConditions(), protocmp.Transform()); diff != "" {
					t.Errorf("round %d: conditions differ (-want +got):\n%s", i, diff)
				}
			}
		})
	}
}

// TestPackageCompositionsHoldNoPlatformSetting: what the package's
// Compositions carry is only what belongs to the Composition, and the
// example Compositions' platform values are exactly the settings object's.
func TestPackageCompositionsHoldNoPlatformSetting(t *testing.T) {
	data := platformSettings(t)["data"].(map[string]any)
	for _, c := range []string{"composition.yaml", "composition-namespaced.yaml"} {
		in := packageInput(t, c)
		for _, f := range platformsettings.Fields {
			if v, ok := platformsettings.Lookup(in, f); ok {
				t.Errorf("package/configuration/%s sets %s = %v: a platform setting", c, strings.Join(f, "."), v)
			}
		}
		ex := exampleInput(t, c)
		for _, f := range platformsettings.Fields {
			want, inExample := platformsettings.Lookup(ex, f)
			got, inSettings := platformsettings.Lookup(data, f)
			if f[0] == "tenancy" {
				continue // The settings grant the teams of both examples.
			}
			if inExample != inSettings || !cmp.Equal(want, got) {
				t.Errorf("%s: example/%s has %v, example/platform-settings.yaml has %v", strings.Join(f, "."), c, want, got)
			}
		}
		for k, v := range in {
			if k == "platformSettings" {
				continue
			}
			if !cmp.Equal(v, ex[k]) && k != "argocd" {
				t.Errorf("package/configuration/%s: %s = %v, example/%s has %v", c, k, v, c, ex[k])
			}
		}
	}
}

// TestPlatformSettingsRefusals: a missing or invalid settings object is a
// Fatal result naming the object and the field, and nothing is composed.
func TestPlatformSettingsRefusals(t *testing.T) {
	edit := func(f func(data map[string]any)) map[string]any {
		o := platformSettings(t)
		f(o["data"].(map[string]any))
		return o
	}
	cases := map[string]struct {
		reason   string
		input    func(in map[string]any)
		settings []map[string]any
		want     []string
	}{
		"NotFound": {
			reason:   "Crossplane answered the requirement with nothing: the platform team has not applied the settings.",
			settings: nil,
			want:     []string{"EnvironmentConfig eks-gitops-platform not found", "platformSettings.environmentConfigName"},
		},
		"RequirementNamesAnother": {
			reason: "A copied Composition whose step still fetches the old settings up front is told to name the same object in both places.",
			input: func(in map[string]any) {
				in["platformSettings"] = map[string]any{"environmentConfigName": "eks-gitops-platform-github"}
			},
			settings: []map[string]any{platformSettings(t)},
			want:     []string{"EnvironmentConfig eks-gitops-platform-github not found", `requirements.requiredResources "platform-settings" names eks-gitops-platform`},
		},
		"InvalidValue": {
			reason: "A bad hub role ARN in the settings is reported as the settings' field.",
			settings: []map[string]any{edit(func(d map[string]any) {
				d["argocd"].(map[string]any)["hubRoleArn"] = "argocd-hub"
			})},
			want: []string{"EnvironmentConfig eks-gitops-platform.data.argocd.hubRoleArn: Invalid value"},
		},
		"CapabilityWithCognito": {
			reason: "The hub moved to the EKS Capability without moving sign-in to Identity Center: the capability has no other sign-in, so nobody could use the AppProject's Cognito groups.",
			settings: []map[string]any{edit(func(d map[string]any) {
				d["argocd"] = readYAML(t, managedHub)["data"].(map[string]any)["argocd"]
			})},
			want: []string{`EnvironmentConfig eks-gitops-platform.data.argocd.mode: Invalid value: "EKSCapability"`, "IAM Identity Center only, and identity.provider is Cognito"},
		},
		"MissingValue": {
			reason: "A required platform value set nowhere says where it belongs.",
			settings: []map[string]any{edit(func(d map[string]any) {
				delete(d["cognito"].(map[string]any), "userPoolId")
			})},
			want: []string{"EnvironmentConfig eks-gitops-platform.data.cognito.userPoolId: Required value"},
		},
		"SetTwice": {
			reason:   "No precedence to guess: a value in both places is refused.",
			input:    func(in map[string]any) { in["namePrefix"] = "acme-" },
			settings: []map[string]any{platformSettings(t)},
			want:     []string{"EnvironmentConfig eks-gitops-platform.data.namePrefix: Forbidden: also set in the Composition's Input"},
		},
		"CompositionFieldInSettings": {
			reason:   "The settings may not change what belongs to the Composition.",
			settings: []map[string]any{edit(func(d map[string]any) { d["ttl"] = "1s" })},
			want:     []string{"EnvironmentConfig eks-gitops-platform.data.ttl: Forbidden: not a platform setting"},
		},
		"NoData": {
			reason:   "An EnvironmentConfig without data holds no settings.",
			settings: []map[string]any{{"apiVersion": platformsettings.APIVersion, "kind": platformsettings.Kind, "metadata": map[string]any{"name": "eks-gitops-platform"}}},
			want:     []string{"EnvironmentConfig eks-gitops-platform has no data"},
		},
		"TeamNotGranted": {
			reason: "The grants come from the settings: a team they do not list is refused.",
			settings: []map[string]any{edit(func(d map[string]any) {
				d["tenancy"].(map[string]any)["teams"] = []any{map[string]any{"name": "search", "accountIds": []any{"777788889999"}}}
			})},
			want: []string{"spec.team.name"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			in := packageInput(t, "composition.yaml")
			if tc.input != nil {
				tc.input(in)
			}
			s := withSettings(simulate.New(readYAML(t, "xr.yaml"), in), tc.settings...)
			rsp := run(t, requestOf(t, s))
			msg := fatal(rsp)
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("%s\nFatal result %q does not contain %q", tc.reason, msg, w)
				}
			}
			if n := len(rsp.GetDesired().GetResources()); n > 0 {
				t.Errorf("%s\n%d resources declared along with the refusal", tc.reason, n)
			}
		})
	}
}

// TestPlatformSettingsAreAskedFor: until Crossplane has fetched the
// settings the function asks for them by name and composes nothing; it
// asks on every call, or Crossplane would drop the requirement.
func TestPlatformSettingsAreAskedFor(t *testing.T) {
	s := simulate.New(readYAML(t, "xr.yaml"), packageInput(t, "composition.yaml"))
	want := &fnv1.Requirements{Resources: map[string]*fnv1.ResourceSelector{SettingsRequirement: {
		ApiVersion: "apiextensions.crossplane.io/v1beta1", Kind: "EnvironmentConfig",
		Match: &fnv1.ResourceSelector_MatchName{MatchName: "eks-gitops-platform"},
	}}}
	rsp := run(t, requestOf(t, s))
	if diff := cmp.Diff(want, rsp.GetRequirements(), protocmp.Transform()); diff != "" {
		t.Errorf("requirements before the settings are fetched (-want +got):\n%s", diff)
	}
	if len(rsp.GetDesired().GetResources()) > 0 || fatal(rsp) != "" {
		t.Errorf("composed %d resources (fatal %q) before the settings were fetched", len(rsp.GetDesired().GetResources()), fatal(rsp))
	}
	rsp = run(t, requestOf(t, withSettings(s, platformSettings(t))))
	if diff := cmp.Diff(want, rsp.GetRequirements(), protocmp.Transform()); diff != "" {
		t.Errorf("requirements once the settings are there (-want +got):\n%s", diff)
	}
	if len(rsp.GetDesired().GetResources()) == 0 {
		t.Error("nothing composed with the settings")
	}
}

// TestPlatformSettingsChangeTheOutput: an edit of the settings object
// reaches the next call; cached validation and plans are keyed on it.
func TestPlatformSettingsChangeTheOutput(t *testing.T) {
	f := New(WithClock(func() time.Time { return testNow }))
	s := withSettings(simulate.New(readYAML(t, "xr.yaml"), packageInput(t, "composition.yaml")), platformSettings(t))
	first, err := f.RunFunction(context.Background(), requestOf(t, s))
	if err != nil {
		t.Fatal(err)
	}
	changed := platformSettings(t)
	changed["data"].(map[string]any)["tags"] = map[string]any{"cost-center": "platform-2"}
	second, err := f.RunFunction(context.Background(), requestOf(t, withSettings(s, changed)))
	if err != nil {
		t.Fatal(err)
	}
	tags := func(rsp *fnv1.RunFunctionResponse) any {
		return rsp.GetDesired().GetResources()["vpc"].GetResource().AsMap()["spec"].(map[string]any)["forProvider"].(map[string]any)["tags"].(map[string]any)["cost-center"]
	}
	if tags(first) != "platform" || tags(second) != "platform-2" {
		t.Errorf("cost-center tag: %v then %v, want platform then platform-2", tags(first), tags(second))
	}
}

// protoDiff is cmp.Diff of two messages, computed only when their
// deterministic encodings differ: comparing whole desired states with cmp
// is the slowest part of the tests that compare many of them under -race.
func protoDiff(t *testing.T, want, got proto.Message) string {
	t.Helper()
	opts := proto.MarshalOptions{Deterministic: true}
	wb, err := opts.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	gb, err := opts.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(wb, gb) {
		return ""
	}
	return cmp.Diff(want, got, protocmp.Transform())
}
