package e2e

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/yaml"

	"github.com/eks-gitops/function-eks-gitops/internal/naming"
)

var (
	teamClusterGVK       = schema.GroupVersionKind{Group: "platform.eks-gitops.dev", Version: "v1alpha1", Kind: "TeamCluster"}
	nsTeamClusterGVK     = schema.GroupVersionKind{Group: "platform.eks-gitops.dev", Version: "v1alpha1", Kind: "NamespacedTeamCluster"}
	secretGVK            = schema.GroupVersionKind{Version: "v1", Kind: "Secret"}
	configMapGVK         = schema.GroupVersionKind{Version: "v1", Kind: "ConfigMap"}
	appProjectGVK        = schema.GroupVersionKind{Group: "argoproj.io", Version: "v1alpha1", Kind: "AppProject"}
	applicationGVK       = schema.GroupVersionKind{Group: "argoproj.io", Version: "v1alpha1", Kind: "Application"}
	environmentConfigGVK = schema.GroupVersionKind{Group: "apiextensions.crossplane.io", Version: "v1beta1", Kind: "EnvironmentConfig"}
)

// readyTimeout bounds how long one XR may take to become Ready.
const readyTimeout = 4 * time.Minute

// moduleDir finds a module in the module cache, downloading it if needed.
func moduleDir(dir, module string, env ...string) (string, error) {
	cmd := exec.Command("go", "mod", "download", "-json", module)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go mod download %s: %w", module, err)
	}
	var m struct{ Dir string }
	return m.Dir, json.Unmarshal(out, &m)
}

// installArgoCDCRDs installs Argo CD's CRDs: Argo CD is no Crossplane
// package, a platform runs it already. The providers' CRDs come with their
// packages.
func (cp *controlPlane) installArgoCDCRDs(ctx context.Context) error {
	argo, err := moduleDir(filepath.Join(root, "test", "conformance"), "github.com/argoproj/argo-cd/v3@v3.6.1", "GOTOOLCHAIN=go1.27.3")
	if err != nil {
		return err
	}
	crdGVK := schema.GroupVersionKind{Group: "apiextensions.k8s.io", Version: "v1", Kind: "CustomResourceDefinition"}
	for _, c := range []string{"application", "appproject"} {
		if err := cp.applyFile(ctx, filepath.Join(argo, "manifests", "crds", c+"-crd.yaml")); err != nil {
			return err
		}
		if err := cp.waitCondition(ctx, crdGVK, c+"s.argoproj.io", "Established", "True", time.Minute); err != nil {
			return err
		}
	}
	return nil
}

// env is the running end-to-end environment.
type env struct {
	cp        *controlPlane
	providers *providers
}

// setup brings up the whole control plane, installs the Configuration from
// the registry and the platform settings, and starts the simulated
// providers.
func setup(ctx context.Context, t testing.TB) *env {
	t.Helper()
	return setupWith(ctx, t, setupOptions{simulated: append(slices.Clone(managedKinds), gitHostKinds...), withoutRBACYAML: true})
}

// setupOptions are what suites set up differently.
type setupOptions struct {
	// simulated are the managed kinds the suite plays; real providers
	// reconcile the others.
	simulated []schema.GroupVersionResource
	// settings edits the platform settings before they are applied.
	settings func(data map[string]any)
	// withoutRBACYAML leaves example/rbac.yaml for a scenario to apply.
	withoutRBACYAML bool
}

func setupWith(ctx context.Context, t testing.TB, o setupOptions) *env {
	t.Helper()
	for _, b := range []string{"kube-apiserver", "kube-controller-manager", "crossplane-core", "crossplane", "function-eks-gitops"} {
		if _, err := os.Stat(bin(b)); err != nil {
			t.Fatalf("%s is not built; run hack/e2e.sh, which builds it: %v", b, err)
		}
	}
	dir, err := os.MkdirTemp("", "eks-gitops-e2e-")
	if err != nil {
		t.Fatal(err)
	}
	tempDirs.Lock()
	tempDirs.list = append(tempDirs.list, dir)
	tempDirs.Unlock()
	keep := os.Getenv("E2E_KEEP") != ""
	t.Cleanup(func() {
		if keep {
			fmt.Printf("\ne2e: the control plane stays up; press Ctrl-C to stop it and remove %s\n  kubectl --kubeconfig %s get teamclusters,managed -A\n", dir, filepath.Join(dir, "kubeconfig"))
			select {} // The signal handler stops every process and exits.
		}
		stopAll()
		_ = os.RemoveAll(dir)
	})
	step := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v\n%s", what, err, logTails(dir))
		}
		t.Logf("e2e: %s", what)
	}
	started := time.Now()
	cp, err := startControlPlane(ctx, dir)
	step("etcd, kube-apiserver and crossplane core init", err)
	step("registry", cp.startRegistry(ctx))
	step("packages built and pushed: the function's, the Configuration and the providers'", cp.pushPackages(ctx))
	step("function started with mTLS", cp.startFunction())
	step("Crossplane's service accounts, its chart's roles, role aggregation and the RBAC manager", cp.installCrossplaneRBAC(ctx))
	step("crossplane core start, as its service account", cp.startCrossplane())
	step("Configuration installed from the registry, its dependencies resolved and Healthy", cp.installConfiguration(ctx))
	step("Argo CD's CRDs installed", cp.installArgoCDCRDs(ctx))
	step("the Git hosts' CRDs installed", cp.installGitHostCRDs(ctx))
	xrdGVK := schema.GroupVersionKind{Group: "apiextensions.crossplane.io", Version: "v2", Kind: "CompositeResourceDefinition"}
	for _, n := range []string{"teamclusters.platform.eks-gitops.dev", "namespacedteamclusters.platform.eks-gitops.dev"} {
		step("XRD "+n+" established", cp.waitCondition(ctx, xrdGVK, n, "Established", "True", 2*time.Minute))
	}
	// Started after the XRDs, so the garbage collector discovers their kinds
	// at once instead of after its 30s rediscovery.
	step("garbage collector started", cp.startGarbageCollector())
	step("platform settings applied with the suite's teams granted", cp.applySettings(ctx, o.settings))
	if !o.withoutRBACYAML {
		step("rbac.yaml applied", cp.applyFile(ctx, filepath.Join(root, "example", "rbac.yaml")))
	}
	p := &providers{
		cp: cp, kinds: o.simulated, delay: time.Second, stepDelay: 3 * time.Second,
		applied: map[string]*unstructured.Unstructured{}, generations: map[string]int64{},
		seen: map[string]int64{}, updatingSince: map[string]time.Time{}, readyAt: map[string]time.Time{}, failing: map[string]string{}, endpoints: map[string][2]string{},
	}
	pctx, cancel := context.WithCancel(ctx)
	t.Cleanup(cancel)
	go p.run(pctx)
	t.Logf("e2e: control plane ready in %s; kubectl --kubeconfig %s get teamclusters,managed", time.Since(started).Round(time.Second), cp.kubeconfig)
	return &env{cp: cp, providers: p}
}

// logTails returns the end of every process log, for failure reports.
func logTails(dir string) string {
	var b strings.Builder
	logs, _ := filepath.Glob(filepath.Join(dir, "*.log"))
	for _, l := range logs {
		data, _ := os.ReadFile(l)
		lines := strings.Split(strings.TrimSpace(string(data)), "\n")
		fmt.Fprintf(&b, "---- %s (last 25 lines)\n%s\n", filepath.Base(l), strings.Join(lines[max(0, len(lines)-25):], "\n"))
	}
	return b.String()
}

// report prints what a failure needs: the XR's conditions, the events and
// the processes' logs.
func (e *env) report(ctx context.Context, t *testing.T, gvk schema.GroupVersionKind, ns, name string) {
	t.Helper()
	if !t.Failed() {
		return
	}
	if r, err := e.cp.resource(gvk, ns); err == nil {
		if xr, err := r.Get(ctx, name, metav1.GetOptions{}); err == nil {
			conds, _, _ := unstructured.NestedSlice(xr.Object, "status", "conditions")
			y, _ := yaml.Marshal(conds)
			t.Logf("XR %s conditions:\n%s", name, y)
		}
	}
	if ev, err := e.cp.kube.CoreV1().Events("").List(ctx, metav1.ListOptions{}); err == nil {
		var b strings.Builder
		for _, x := range ev.Items[max(0, len(ev.Items)-40):] {
			fmt.Fprintf(&b, "%s %s/%s %s: %s\n", x.Type, x.InvolvedObject.Kind, x.InvolvedObject.Name, x.Reason, x.Message)
		}
		t.Logf("events:\n%s", b.String())
	}
	t.Logf("simulated provider errors: %v", e.providers.errors())
	t.Logf("calls AWS refused: %v", e.providers.refused())
	t.Logf("logs:\n%s", logTails(e.cp.dir))
}

func (e *env) xr(ctx context.Context, gvk schema.GroupVersionKind, ns, name string) (*unstructured.Unstructured, error) {
	r, err := e.cp.resource(gvk, ns)
	if err != nil {
		return nil, err
	}
	return r.Get(ctx, name, metav1.GetOptions{})
}

// composed lists the XR's composed resources by composition resource name,
// from spec.crossplane.resourceRefs.
// composedOf is composed for the XR of that kind, namespace and name.
func (e *env) composedOf(ctx context.Context, t *testing.T, gvk schema.GroupVersionKind, ns, name string) map[string]*unstructured.Unstructured {
	t.Helper()
	xr, err := e.xr(ctx, gvk, ns, name)
	if err != nil {
		t.Fatal(err)
	}
	objs, err := e.composed(ctx, xr)
	if err != nil {
		t.Fatal(err)
	}
	return objs
}

func (e *env) composed(ctx context.Context, xr *unstructured.Unstructured) (map[string]*unstructured.Unstructured, error) {
	refs, _, _ := unstructured.NestedSlice(xr.Object, "spec", "crossplane", "resourceRefs")
	out := map[string]*unstructured.Unstructured{}
	for _, ref := range refs {
		m, _ := ref.(map[string]any)
		apiVersion, _ := m["apiVersion"].(string)
		kind, _ := m["kind"].(string)
		name, _ := m["name"].(string)
		ns, _ := m["namespace"].(string)
		if ns == "" {
			ns = xr.GetNamespace()
		}
		r, err := e.cp.resource(schema.FromAPIVersionAndKind(apiVersion, kind), ns)
		if err != nil {
			return nil, err
		}
		o, err := r.Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out[o.GetAnnotations()["crossplane.io/composition-resource-name"]] = o
	}
	return out, nil
}

// snapshot is each composed resource's UID and resourceVersion.
// snapshot records, per composed object, what tells a replacement (the
// UID), a change of what the function declares (a hash of the spec, data,
// labels and annotations, without the provider's external-name
// bookkeeping) and any write at all (the resourceVersion, which a provider's
// status update moves too).
type snapshot map[string]observedObject

type observedObject struct {
	uid, declared, version string
	// tagged is whether the object carries AWS tags in its spec.
	tagged bool
}

func (e *env) snapshot(ctx context.Context, t *testing.T, gvk schema.GroupVersionKind, name string) snapshot {
	t.Helper()
	xr, err := e.xr(ctx, gvk, "", name)
	if err != nil {
		t.Fatal(err)
	}
	c, err := e.composed(ctx, xr)
	if err != nil {
		t.Fatal(err)
	}
	s := snapshot{}
	for n, o := range c {
		anns := map[string]string{}
		for k, v := range o.GetAnnotations() {
			if !strings.HasPrefix(k, "crossplane.io/external-") {
				anns[k] = v
			}
		}
		b, err := json.Marshal([]any{o.Object["spec"], o.Object["data"], o.Object["stringData"], o.GetLabels(), anns})
		if err != nil {
			t.Fatal(err)
		}
		_, tagged, _ := unstructured.NestedFieldNoCopy(o.Object, "spec", "forProvider", "tags")
		s[n] = observedObject{uid: string(o.GetUID()), declared: string(b), version: o.GetResourceVersion(), tagged: tagged}
	}
	return s
}

// tagged lists the objects of s that carry AWS tags.
func (s snapshot) tagged() []string {
	var out []string
	for n, o := range s {
		if o.tagged {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out
}

// waitReady waits for an XR to be Ready, recording every condition state
// it passes through.
func (e *env) waitReady(ctx context.Context, gvk schema.GroupVersionKind, ns, name string) (map[string]bool, error) {
	seen := map[string]bool{}
	err := poll(ctx, readyTimeout, 250*time.Millisecond, name+" Ready", func() (bool, error) {
		xr, err := e.xr(ctx, gvk, ns, name)
		if err != nil {
			return false, err
		}
		conds, _, _ := unstructured.NestedSlice(xr.Object, "status", "conditions")
		for _, c := range conds {
			m, _ := c.(map[string]any)
			seen[fmt.Sprintf("%v=%v", m["type"], m["status"])] = true
		}
		return conditionStatus(xr, "Ready") == "True", nil
	})
	return seen, err
}

func (e *env) get(ctx context.Context, gvk schema.GroupVersionKind, ns, name string) (*unstructured.Unstructured, error) {
	r, err := e.cp.resource(gvk, ns)
	if err != nil {
		return nil, err
	}
	return r.Get(ctx, name, metav1.GetOptions{})
}

func (e *env) list(ctx context.Context, gvk schema.GroupVersionKind, ns string) ([]unstructured.Unstructured, error) {
	r, err := e.cp.resource(gvk, ns)
	if err != nil {
		return nil, err
	}
	l, err := r.List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	return l.Items, nil
}

func secretString(o *unstructured.Unstructured, key string) string {
	v, _, _ := unstructured.NestedString(o.Object, "data", key)
	b, _ := base64.StdEncoding.DecodeString(v)
	return string(b)
}

// syncedFromTeamFolder writes on a cluster-scoped XR the annotation Argo
// CD writes when the platform repository's Application of the team's
// folder syncs it (tenancy.clusterScopedBinding): the suite plays that
// Application for XRs it edits into another team.
func syncedFromTeamFolder(xr *unstructured.Unstructured) *unstructured.Unstructured {
	if xr.GetNamespace() != "" {
		return xr
	}
	team, _, _ := unstructured.NestedString(xr.Object, "spec", "team", "name")
	ann := xr.GetAnnotations()
	if ann == nil {
		ann = map[string]string{}
	}
	ann["argocd.argoproj.io/tracking-id"] = "clusters-" + team + ":platform.eks-gitops.dev/TeamCluster:/" + xr.GetName()
	xr.SetAnnotations(ann)
	return xr
}

func exampleXR(t *testing.T, file string) *unstructured.Unstructured {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "example", file))
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]any{}
	if err := yaml.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return &unstructured.Unstructured{Object: m}
}

// The suite's own teams, granted in the Compositions next to the example's:
// five teams of one account each for the several-teams scenario (enough to
// tell one team's objects from others'; each XR left standing adds its
// objects to every later scenario's load), and team collide, whose XRs
// would have shared names before hashed names.
var (
	teams       = []string{"alpha", "bravo", "charlie", "delta", "echo"}
	collideAcct = "600000000001"
)

func teamAccount(i int) string { return fmt.Sprintf("5000000000%02d", i) }

// applySettings applies example/platform-settings.yaml, which the
// Configuration's Compositions read, with the suite's teams added to its
// grants.
func (cp *controlPlane) applySettings(ctx context.Context, edit func(data map[string]any)) error {
	return cp.applySettingsFrom(ctx, "platform-settings.yaml", "", edit)
}

// applySettingsFrom applies an example settings file, under another name
// when name is set, with the suite's teams added to its grants.
func (cp *controlPlane) applySettingsFrom(ctx context.Context, file, name string, edit func(data map[string]any)) error {
	b, err := os.ReadFile(filepath.Join(root, "example", file))
	if err != nil {
		return err
	}
	m := map[string]any{}
	if err := yaml.Unmarshal(b, &m); err != nil {
		return err
	}
	if name != "" {
		m["metadata"].(map[string]any)["name"] = name
	}
	tenancy := m["data"].(map[string]any)["tenancy"].(map[string]any)
	grants := tenancy["teams"].([]any)
	for i, team := range teams {
		grants = append(grants, map[string]any{"name": team, "accountIds": []any{teamAccount(i)}})
	}
	grants = append(grants, map[string]any{"name": "collide", "accountIds": []any{collideAcct}, "namespaces": []any{"team-a", "team-a-prod"}})
	tenancy["teams"] = grants
	if err := grantGitHostTeams(m["data"].(map[string]any)); err != nil {
		return err
	}
	if edit != nil {
		edit(m["data"].(map[string]any))
	}
	return cp.apply(ctx, &unstructured.Unstructured{Object: m})
}

// sharedNames are the names an XR's objects get outside its own
// namespace, derived as the function derives them.
type sharedNames struct{ cluster, project string }

func namesOf(ns, name string) sharedNames {
	base := naming.Identity{Namespace: ns, Name: name}.Base()
	return sharedNames{cluster: base, project: "eks-gitops-" + base}
}

// changed returns the resources whose UID or resourceVersion moved.
func changed(before, after snapshot) (recreated, updated, added, removed []string) {
	for n, a := range after {
		b, ok := before[n]
		switch {
		case !ok:
			added = append(added, n)
		case a.uid != b.uid:
			recreated = append(recreated, n)
		case a.declared != b.declared:
			updated = append(updated, n)
		}
	}
	for n := range before {
		if _, ok := after[n]; !ok {
			removed = append(removed, n)
		}
	}
	slices.Sort(updated)
	slices.Sort(added)
	slices.Sort(removed)
	return recreated, updated, added, removed
}

// TestRBAC: Crossplane has what its chart and RBAC manager give it; without
// example/rbac.yaml a cluster-scoped XR fails with Crossplane's own
// permission error on the Argo CD kinds it composes, and converges once it
// is applied. It runs first, before any other test applies rbac.yaml.
func TestRBAC(t *testing.T) {
	ctx, e := suite(t)
	// Crossplane has what its chart and RBAC manager give it; without
	// example/rbac.yaml a cluster-scoped XR fails with Crossplane's own
	// permission error on the Argo CD kinds it composes, and converges
	// once it is applied.
	defer e.report(ctx, t, teamClusterGVK, "", "rbac-dev")
	xr := exampleXR(t, "xr.yaml")
	xr.SetName("rbac-dev")
	if err := e.cp.apply(ctx, xr); err != nil {
		t.Fatal(err)
	}
	// Crossplane fails the XR: Synced=False, with its RoleBasedAccessControl
	// event when the refused call was an apply, or its cache's timeout
	// when it was the watch of the kind; its log names the permission.
	var said string
	if err := poll(ctx, readyTimeout, time.Second, "Crossplane to fail rbac-dev on the Argo CD kinds", func() (bool, error) {
		ev, err := e.cp.kube.CoreV1().Events("default").List(ctx, metav1.ListOptions{FieldSelector: "involvedObject.name=rbac-dev,reason=RoleBasedAccessControl"})
		if err != nil {
			return false, err
		}
		if len(ev.Items) > 0 {
			said = "event: " + ev.Items[0].Message
			return strings.Contains(said, "system:serviceaccount:crossplane-system:crossplane is not allowed to") && strings.Contains(said, "argoproj.io"), nil
		}
		x, err := e.xr(ctx, teamClusterGVK, "", "rbac-dev")
		if err != nil {
			return false, err
		}
		said = "Synced: " + conditionMessage(x, "Synced")
		log, _ := os.ReadFile(filepath.Join(e.cp.dir, "crossplane.log"))
		return conditionStatus(x, "Synced") == "False" && strings.Contains(said, "Informer to sync") &&
			strings.Contains(string(log), `argoproj.io is forbidden: User \"system:serviceaccount:crossplane-system:crossplane\" cannot list`), nil
	}); err != nil {
		t.Fatalf("%v; last: %s", err, said)
	}
	t.Logf("without rbac.yaml, Crossplane says: %s", said)
	if err := e.cp.applyFile(ctx, filepath.Join(root, "example", "rbac.yaml")); err != nil {
		t.Fatal(err)
	}
	if _, err := e.waitReady(ctx, teamClusterGVK, "", "rbac-dev"); err != nil {
		t.Fatal(err)
	}
	// TestDelete deletes it with the others.
}

// TestManagedHub: early, before the other XRs, because the hub and the
// identity provider are the platform's, for every XR. payments-hub
// (example/xr-managed-hub.yaml) converges under
// example/platform-settings-managed-hub.yaml: the cluster Secret names the
// cluster by its ARN with no endpoint, CA or role; the capability's role,
// not a role of the cluster's, has the cluster's access entry; CodeCommit
// is read with that role, so no Git user, credential or repository Secret
// exists; the team's Identity Center groups hold one membership per person,
// by user ID, and the AppProject's roles name the groups by ID. Then the
// platform moves back to example/platform-settings.yaml, keeping the
// capability's role and the identity store while clusters move, as
// docs/gitops.md says: payments-hub moves in stages and ends registered by
// endpoint, with Cognito groups, Ready, its cluster untouched.
func TestManagedHub(t *testing.T) {
	ctx, e := suiteWithRBAC(t)
	const name = "payments-hub"
	defer e.report(ctx, t, teamClusterGVK, "", name)
	defer func() {
		if err := e.cp.applySettings(ctx, nil); err != nil {
			t.Error(err)
		}
	}()
	if err := e.cp.applySettingsFrom(ctx, "platform-settings-managed-hub.yaml", "", nil); err != nil {
		t.Fatal(err)
	}
	if err := e.cp.apply(ctx, exampleXR(t, "xr-managed-hub.yaml")); err != nil {
		t.Fatal(err)
	}
	if _, err := e.waitReady(ctx, teamClusterGVK, "", name); err != nil {
		t.Fatal(err)
	}
	objs := e.composedOf(ctx, t, teamClusterGVK, "", name)
	secret, err := e.get(ctx, secretGVK, "argocd", namesOf("", name).project+"-cluster")
	if err != nil {
		t.Fatalf("no Argo CD cluster Secret: %v", err)
	}
	clusterARN, _, _ := unstructured.NestedString(objs["eks-cluster"].Object, "status", "atProvider", "arn")
	if server := secretString(secret, "server"); server != clusterARN || clusterARN == "" {
		t.Errorf("the cluster Secret's server is %q, want the cluster's ARN %q", server, clusterARN)
	}
	if cfg := secretString(secret, "config"); cfg != "" {
		t.Errorf("the cluster Secret carries a config (%s); the capability reaches the cluster with its own role", cfg)
	}
	entry := objs["eks-access-entry-argocd-capability"]
	if entry == nil {
		t.Fatal("no access entry for the capability's role")
	}
	if p, _, _ := unstructured.NestedString(entry.Object, "spec", "forProvider", "principalArn"); p != "arn:aws:iam::111122223333:role/argocd-capability" {
		t.Errorf("the access entry is for %q, want the capability's role", p)
	}
	for _, n := range []string{"iam-role-argocd", "eks-access-entry-argocd", "codecommit-reader-user", "codecommit-credential", "argocd-repository-secret", "cognito-group", "cognito-group-admins"} {
		if objs[n] != nil {
			t.Errorf("%s exists on the managed hub", n)
		}
	}
	var ids []string
	for _, g := range []string{"identitycenter-group", "identitycenter-group-admins"} {
		id, _, _ := unstructured.NestedString(objs[g].Object, "status", "atProvider", "groupId")
		if id == "" {
			t.Fatalf("%s has no observed group ID", g)
		}
		ids = append(ids, id)
	}
	members := 0
	for n := range objs {
		if strings.HasPrefix(n, "identitycenter-member-") {
			members++
		}
	}
	if members != 3 {
		t.Errorf("%d Identity Center memberships, want one per member (3)", members)
	}
	projectGVK := schema.GroupVersionKind{Group: "argoproj.io", Version: "v1alpha1", Kind: "AppProject"}
	groupsOf := func() (groups []string, server any) {
		project, err := e.get(ctx, projectGVK, "argocd", namesOf("", name).project)
		if err != nil {
			t.Fatal(err)
		}
		roles, _, _ := unstructured.NestedSlice(project.Object, "spec", "roles")
		for _, r := range roles {
			g, _, _ := unstructured.NestedStringSlice(r.(map[string]any), "groups")
			groups = append(groups, g...)
		}
		dest, _, _ := unstructured.NestedSlice(project.Object, "spec", "destinations")
		if len(dest) == 1 {
			server = dest[0].(map[string]any)["server"]
		}
		return groups, server
	}
	if groups, server := groupsOf(); !slices.Equal(groups, ids) || server != clusterARN {
		t.Errorf("the AppProject's roles name groups %v and its destination %v, want the Identity Center groups' IDs %v and the cluster's ARN", groups, server, ids)
	}

	// Back to the self-managed hub and Cognito, the managed hub's role and
	// store kept while the cluster moves.
	before := e.snapshot(ctx, t, teamClusterGVK, name)
	if err := e.cp.applySettings(ctx, func(data map[string]any) {
		data["argocd"].(map[string]any)["capabilityRoleArn"] = "arn:aws:iam::111122223333:role/argocd-capability"
		data["identity"] = map[string]any{"provider": "Cognito", "identityStoreId": "d-9067a1b2c3", "region": "eu-west-1",
			"providerConfigRef": map[string]any{"kind": "ClusterProviderConfig", "name": "aws-central"}}
	}); err != nil {
		t.Fatal(err)
	}
	if err := poll(ctx, readyTimeout, time.Second, name+" registered by endpoint with its Cognito groups", func() (bool, error) {
		s, err := e.get(ctx, secretGVK, "argocd", namesOf("", name).project+"-cluster")
		if err != nil {
			return false, err
		}
		groups, server := groupsOf()
		return strings.HasPrefix(secretString(s, "server"), "https://") && server == secretString(s, "server") &&
			slices.Equal(groups, []string{namesOf("", name).project, namesOf("", name).project + "-admins"}), nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.waitReady(ctx, teamClusterGVK, "", name); err != nil {
		t.Fatal(err)
	}
	after := e.snapshot(ctx, t, teamClusterGVK, name)
	if recreated, _, _, _ := changed(before, after); slices.Contains(recreated, "eks-cluster") || slices.Contains(recreated, "argocd-bootstrap-application") {
		t.Errorf("moving hubs recreated %v", recreated)
	}
	objs = e.composedOf(ctx, t, teamClusterGVK, "", name)
	for _, n := range []string{"eks-access-entry-argocd-capability", "identitycenter-group", "identitycenter-group-admins"} {
		if objs[n] != nil {
			t.Errorf("%s stays once the cluster moved back", n)
		}
	}
}

// TestDoctor: hack/doctor.sh, run as docs/install.md says, finds the
// Configuration and its packages on the suite's management cluster and
// names what the install lacks: the ClusterProviderConfigs of the accounts
// the settings grant, until example/accounts/providerconfigs.yaml is
// applied.
func TestDoctor(t *testing.T) {
	ctx, e := suiteWithRBAC(t)
	doctor := func() (string, int) {
		cmd := exec.CommandContext(ctx, filepath.Join(root, "hack", "doctor.sh"))
		cmd.Env = append(os.Environ(), "KUBECONFIG="+e.cp.kubeconfig)
		out, err := cmd.CombinedOutput()
		var exit *exec.ExitError
		if err != nil && !errors.As(err, &exit) {
			t.Fatalf("hack/doctor.sh: %v\n%s", err, out)
		}
		return string(out), cmd.ProcessState.ExitCode()
	}
	settings := exampleXR(t, "platform-settings.yaml").Object["data"].(map[string]any)
	var accounts []string
	for _, team := range settings["tenancy"].(map[string]any)["teams"].([]any) {
		for _, id := range team.(map[string]any)["accountIds"].([]any) {
			accounts = append(accounts, id.(string))
		}
	}
	out, code := doctor()
	t.Logf("before the ProviderConfigs:\n%s", out)
	if code != 1 {
		t.Errorf("hack/doctor.sh exited %d with ProviderConfigs missing, want 1", code)
	}
	want := []string{
		"ok       the Configuration: configurations.pkg.crossplane.io",
		"ok       dependency xpkg.crossplane.io/eks-gitops/function-eks-gitops: functions.pkg.crossplane.io",
		"ok       platform settings: EnvironmentConfig eks-gitops-platform",
		"ok       RBAC: Crossplane may create appprojects.argoproj.io in argocd",
		"MISSING  central account (repository): no ClusterProviderConfig aws-central",
		"MISSING  provider-kubernetes: no ClusterProviderConfig crossplane-control-plane",
	}
	for _, id := range accounts {
		want = append(want, "MISSING  team account "+id+": no ClusterProviderConfig aws-"+id)
	}
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Errorf("hack/doctor.sh does not say %q", w)
		}
	}
	for _, dep := range []string{"provider-aws-eks", "provider-aws-kms", "provider-kubernetes"} {
		if !strings.Contains(out, "dependency xpkg.") || !strings.Contains(out, dep) {
			t.Errorf("hack/doctor.sh does not report the Configuration's dependency %s", dep)
		}
	}
	if err := e.cp.applyFile(ctx, filepath.Join(root, "example", "accounts", "providerconfigs.yaml")); err != nil {
		t.Fatal(err)
	}
	out, _ = doctor()
	t.Logf("with example/accounts/providerconfigs.yaml:\n%s", out)
	// The suite's own teams' accounts stay missing: the example knows
	// only the example settings' grants.
	for _, still := range []string{"MISSING  central account", "MISSING  provider-kubernetes"} {
		if strings.Contains(out, still) {
			t.Errorf("hack/doctor.sh still says %q once example/accounts/providerconfigs.yaml is applied", still)
		}
	}
	for _, id := range accounts {
		if !strings.Contains(out, "ok       team account "+id+": ClusterProviderConfig aws-"+id) {
			t.Errorf("hack/doctor.sh does not find team account %s's ClusterProviderConfig", id)
		}
	}
}

// TestCreate: payments-dev (example/xr.yaml) converges, and the objects the
// central Argo CD reads carry what the providers observed.
func TestCreate(t *testing.T) {
	ctx, e := suiteWithRBAC(t)
	defer e.report(ctx, t, teamClusterGVK, "", "payments-dev")
	xr := exampleXR(t, "xr.yaml")
	if err := e.cp.apply(ctx, xr); err != nil {
		t.Fatal(err)
	}
	seen, err := e.waitReady(ctx, teamClusterGVK, "", "payments-dev")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{"ClusterRegistered=False", "ClusterRegistered=True", "UserAccessConfigured=True", "ArgoCDAccessGranted=True", "RepositoryBootstrapped=False", "RepositoryBootstrapped=True"} {
		if !seen[c] {
			t.Errorf("the XR never showed %s; it showed %v", c, seen)
		}
	}
	n := namesOf("", "payments-dev")
	cluster, err := e.get(ctx, schema.GroupVersionKind{Group: "eks.aws.m.upbound.io", Version: "v1beta1", Kind: "Cluster"}, "crossplane-system", "payments-dev.eks")
	if err != nil {
		t.Fatal(err)
	}
	endpoint, _, _ := unstructured.NestedString(cluster.Object, "status", "atProvider", "endpoint")
	ca, _ := cluster.Object["status"].(map[string]any)["atProvider"].(map[string]any)["certificateAuthority"].([]any)[0].(map[string]any)["data"].(string)
	if got := cluster.GetAnnotations()["crossplane.io/external-name"]; got != n.cluster {
		t.Errorf("EKS cluster name %q, want %q", got, n.cluster)
	}
	secret, err := e.get(ctx, secretGVK, "argocd", n.project+"-cluster")
	if err != nil {
		t.Fatalf("no Argo CD cluster Secret: %v", err)
	}
	if got := secretString(secret, "server"); got != endpoint || endpoint == "" {
		t.Errorf("cluster Secret server %q, want the observed endpoint %q", got, endpoint)
	}
	if !strings.Contains(secretString(secret, "config"), `"caData":"`+ca+`"`) {
		t.Errorf("cluster Secret config does not carry the observed CA verbatim: %s", secretString(secret, "config"))
	}
	if _, err := e.get(ctx, appProjectGVK, "argocd", n.project); err != nil {
		t.Errorf("no AppProject: %v", err)
	}
	repo, err := e.get(ctx, secretGVK, "argocd", n.project+"-repo")
	if err != nil {
		t.Fatalf("no repository Secret: %v", err)
	}
	cred, err := e.cp.kube.CoreV1().Secrets("crossplane-system").Get(ctx, "payments-dev.git-credential", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := secretString(repo, "password"); got == "" || got != string(cred.Data["attribute.service_password"]) {
		t.Error("the repository Secret does not hold the credential's password")
	}
	if _, err := e.get(ctx, applicationGVK, "argocd", n.project+"-bootstrap"); err != nil {
		t.Errorf("no bootstrap Application: %v", err)
	}
	cm, err := e.get(ctx, configMapGVK, "crossplane-system", "cluster-creation-event-"+n.cluster)
	if err != nil {
		t.Fatalf("no cluster-creation-event ConfigMap: %v", err)
	}
	if got, _, _ := unstructured.NestedString(cm.Object, "data", "productTeamMembers"); got != "alice,bob.smith,carol@example.com" {
		t.Errorf("productTeamMembers %q", got)
	}
}

// TestFleet: a converged XR says where its Kubernetes version stands
// (status.support and the KubernetesSupported condition, on today's date),
// and the fleet report over the live XRs, read with kubectl, counts it at
// the version its control plane runs.
func TestFleet(t *testing.T) {
	ctx, e := suiteWithRBAC(t)
	e.needPaymentsDev(ctx, t)
	xr, err := e.xr(ctx, teamClusterGVK, "", "payments-dev")
	if err != nil {
		t.Fatal(err)
	}
	version, _, _ := unstructured.NestedString(xr.Object, "status", "cluster", "version")
	support, _, _ := unstructured.NestedMap(xr.Object, "status", "support")
	if version == "" || support["version"] != version || support["phase"] != "Standard" || support["standardSupportEnds"] == nil {
		t.Errorf("status.support %v, want the running version %q in standard support with its dates", support, version)
	}
	if got := conditionStatus(xr, "KubernetesSupported"); got != "True" {
		t.Errorf("KubernetesSupported is %q, want True", got)
	}
	out, err := exec.CommandContext(ctx, bin("function-eks-gitops"), "fleet", "report", "--kubeconfig", e.cp.kubeconfig, "-o", "json").Output()
	if err != nil {
		t.Fatalf("fleet report --kubeconfig: %v", err)
	}
	var report struct {
		Versions []struct {
			Version      string `json:"version"`
			Phase        string `json:"phase"`
			Clusters     int    `json:"clusters"`
			Environments []struct {
				Name string `json:"name"`
			} `json:"environments"`
		} `json:"versions"`
	}
	if err := json.Unmarshal(out, &report); err != nil {
		t.Fatalf("fleet report -o json: %v\n%s", err, out)
	}
	found := false
	for _, v := range report.Versions {
		if v.Version == version && v.Phase == "Standard" && v.Clusters > 0 {
			found = true
		}
	}
	if !found {
		t.Errorf("the fleet report of the live XRs has no cluster at %s: %s", version, out)
	}
}

// TestChange: edits to a running payments-dev change exactly what they
// should, in place.
func TestChange(t *testing.T) {
	ctx, e := suiteWithRBAC(t)
	e.needPaymentsDev(ctx, t)
	defer e.report(ctx, t, teamClusterGVK, "", "payments-dev")
	r, _ := e.cp.resource(teamClusterGVK, "")
	edit := func(spec map[string]any) {
		t.Helper()
		if err := mergePatch(ctx, r, "payments-dev", map[string]any{"spec": spec}); err != nil {
			t.Fatal(err)
		}
	}
	waitFor := func(what string, f func(snapshot) bool) snapshot {
		t.Helper()
		var s snapshot
		if err := poll(ctx, 2*time.Minute, 300*time.Millisecond, what, func() (bool, error) {
			s = e.snapshot(ctx, t, teamClusterGVK, "payments-dev")
			return f(s), nil
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.waitReady(ctx, teamClusterGVK, "", "payments-dev"); err != nil {
			t.Fatal(err)
		}
		time.Sleep(3 * time.Second) // Let Crossplane settle, then look again.
		return e.snapshot(ctx, t, teamClusterGVK, "payments-dev")
	}
	hasPrefix := func(prefix string) func(snapshot) bool {
		return func(s snapshot) bool {
			for n := range s {
				if strings.HasPrefix(n, prefix) {
					return true
				}
			}
			return false
		}
	}

	before := e.snapshot(ctx, t, teamClusterGVK, "payments-dev")
	edit(map[string]any{"team": map[string]any{"name": "payments", "members": []any{"alice", "bob.smith", "carol@example.com", "dave"}}})
	after := waitFor("dave's membership", hasPrefix("cognito-member-dave-"))
	recreated, updated, added, removed := changed(before, after)
	if len(recreated) > 0 || len(removed) > 0 || len(added) != 1 || !strings.HasPrefix(added[0], "cognito-member-dave-") || !slices.Equal(updated, []string{"cluster-creation-event"}) {
		t.Errorf("adding a member: recreated %v, removed %v, added %v, updated %v; want only dave's membership added and the ConfigMap updated", recreated, removed, added, updated)
	}

	before = after
	edit(map[string]any{"team": map[string]any{"name": "payments", "members": []any{"alice", "carol@example.com", "dave"}}})
	after = waitFor("bob.smith's membership gone", func(s snapshot) bool { return !hasPrefix("cognito-member-bob-smith-")(s) })
	recreated, updated, added, removed = changed(before, after)
	if len(recreated) > 0 || len(added) > 0 || len(removed) != 1 || !strings.HasPrefix(removed[0], "cognito-member-bob-smith-") || !slices.Equal(updated, []string{"cluster-creation-event"}) {
		t.Errorf("removing a member: recreated %v, removed %v, added %v, updated %v; want only bob.smith's membership removed", recreated, removed, added, updated)
	}

	before = after
	xr, _ := e.xr(ctx, teamClusterGVK, "", "payments-dev")
	pools, _, _ := unstructured.NestedSlice(xr.Object, "spec", "nodePools")
	pools = append(pools, map[string]any{"name": "batch", "instanceTypes": []any{"c6i.large"}, "minSize": int64(0), "maxSize": int64(3)})
	edit(map[string]any{"nodePools": pools})
	after = waitFor("the batch node group", hasPrefix("eks-nodegroup-batch"))
	recreated, updated, added, removed = changed(before, after)
	slices.Sort(added)
	if len(recreated) > 0 || len(removed) > 0 || len(updated) > 0 || len(added) != 2 || added[0] != "ec2-launch-template-batch" || !strings.HasPrefix(added[1], "eks-nodegroup-batch-") {
		t.Errorf("adding a node pool: recreated %v, removed %v, updated %v, added %v; want only the new launch template and node group", recreated, removed, updated, added)
	}

	before = after
	edit(map[string]any{"tags": map[string]any{"owner": "payments-platform"}})
	after = waitFor("the new tag", func(snapshot) bool {
		vpc, err := e.get(ctx, schema.GroupVersionKind{Group: "ec2.aws.m.upbound.io", Version: "v1beta1", Kind: "VPC"}, "crossplane-system", "payments-dev.vpc")
		if err != nil {
			return false
		}
		v, _, _ := unstructured.NestedString(vpc.Object, "spec", "forProvider", "tags", "owner")
		return v == "payments-platform"
	})
	recreated, updated, added, removed = changed(before, after)
	if want := after.tagged(); len(recreated) > 0 || len(removed) > 0 || len(added) > 0 || !slices.Equal(updated, want) {
		t.Errorf("changing a tag: recreated %v, removed %v, added %v, updated %v; want exactly the tagged objects updated: %v", recreated, removed, added, updated, want)
	}
}

// TestBadEdit: an edit the XRD accepts and the function refuses changes
// nothing.
func TestBadEdit(t *testing.T) {
	ctx, e := suiteWithRBAC(t)
	e.needPaymentsDev(ctx, t)
	defer e.report(ctx, t, teamClusterGVK, "", "payments-dev")
	r, _ := e.cp.resource(teamClusterGVK, "")
	before := e.snapshot(ctx, t, teamClusterGVK, "payments-dev")
	// Valid for the XRD's schema, refused by the function: the service
	// CIDR overlaps the VPC.
	if err := mergePatch(ctx, r, "payments-dev", map[string]any{"spec": map[string]any{"network": map[string]any{"serviceCidr": "10.20.0.0/20"}}}); err != nil {
		t.Fatal(err)
	}
	var msg string
	if err := poll(ctx, time.Minute, 300*time.Millisecond, "the XR to report the bad edit", func() (bool, error) {
		xr, err := e.xr(ctx, teamClusterGVK, "", "payments-dev")
		if err != nil {
			return false, err
		}
		msg = conditionMessage(xr, "Synced")
		return conditionStatus(xr, "Synced") == "False" && strings.Contains(msg, "serviceCidr"), nil
	}); err != nil {
		t.Fatal(err)
	}
	t.Logf("the XR says: %s", msg)
	time.Sleep(5 * time.Second)
	after := e.snapshot(ctx, t, teamClusterGVK, "payments-dev")
	for n, b := range before {
		if a, ok := after[n]; !ok || a != b {
			t.Errorf("%s changed after a refused edit (%v -> %v)", n, b, a)
		}
	}
	for n := range after {
		if _, ok := before[n]; !ok {
			t.Errorf("%s appeared after a refused edit", n)
		}
	}
	if err := mergePatch(ctx, r, "payments-dev", map[string]any{"spec": map[string]any{"network": map[string]any{"serviceCidr": nil}}}); err != nil {
		t.Fatal(err)
	}
	if err := e.cp.waitCondition(ctx, teamClusterGVK, "payments-dev", "Synced", "True", time.Minute); err != nil {
		t.Fatal(err)
	}
}

// TestProviderError: the provider's error reaches the XR, and its recovery
// clears it.
func TestProviderError(t *testing.T) {
	ctx, e := suiteWithRBAC(t)
	e.needPaymentsDev(ctx, t)
	// The provider reports an error on the EKS cluster, in provider-aws's
	// words: the XR's step condition, status.failing and an event carry
	// them; once the provider recovers, so does the XR.
	defer e.report(ctx, t, teamClusterGVK, "", "payments-dev")
	const msg = "update failed: async update failed: failed to update the resource: [{0 updating EKS Cluster (payments-dev): operation error EKS: UpdateClusterConfig, https response error StatusCode: 400, InvalidParameterException: Cluster is already at the desired configuration []}]"
	e.providers.failWith("payments-dev.eks", msg)
	want := "eks-cluster (Cluster) is failing: ReconcileError: update failed: async update failed"
	if err := e.cp.waitConditionMessage(ctx, teamClusterGVK, "payments-dev", "ControlPlaneReady", "False", want, 2*time.Minute); err != nil {
		t.Fatal(err)
	}
	xr, _ := e.xr(ctx, teamClusterGVK, "", "payments-dev")
	if got, _, _ := unstructured.NestedString(xr.Object, "status", "failing"); got != "eks-cluster: ReconcileError" {
		t.Errorf("status.failing %q, want eks-cluster: ReconcileError", got)
	}
	if err := poll(ctx, time.Minute, time.Second, "the XR's Warning event about the cluster", func() (bool, error) {
		ev, err := e.cp.kube.CoreV1().Events("default").List(ctx, metav1.ListOptions{FieldSelector: "involvedObject.name=payments-dev,type=Warning"})
		if err != nil {
			return false, err
		}
		return slices.ContainsFunc(ev.Items, func(x corev1.Event) bool { return strings.Contains(x.Message, want) }), nil
	}); err != nil {
		t.Error(err)
	}
	t.Logf("the XR says: %s", conditionMessage(xr, "ControlPlaneReady"))
	e.providers.stopFailing("payments-dev.eks")
	// Recovered means all three at once: Ready, the step's condition and
	// status.failing cleared. They are written by different requests
	// (Crossplane applies the function's status before it updates the
	// conditions), so the suite waits for the three together rather than
	// reading once after Ready.
	var failing string
	if err := poll(ctx, 2*time.Minute, 500*time.Millisecond, "payments-dev to recover", func() (bool, error) {
		xr, err := e.xr(ctx, teamClusterGVK, "", "payments-dev")
		if err != nil {
			return false, err
		}
		failing, _, _ = unstructured.NestedString(xr.Object, "status", "failing")
		return conditionStatus(xr, "Ready") == "True" && conditionStatus(xr, "ControlPlaneReady") == "True" && failing == "", nil
	}); err != nil {
		t.Fatalf("%v; status.failing %q", err, failing)
	}
}

// TestRestart: a function killed mid-convergence picks up where it was.
func TestRestart(t *testing.T) {
	ctx, e := suiteWithRBAC(t)
	defer e.report(ctx, t, teamClusterGVK, "", "search-dev")
	if err := e.cp.apply(ctx, exampleXR(t, "xr-minimal.yaml")); err != nil {
		t.Fatal(err)
	}
	// Kill the function once convergence is under way.
	if err := poll(ctx, time.Minute, 200*time.Millisecond, "search-dev's cluster", func() (bool, error) {
		_, err := e.get(ctx, schema.GroupVersionKind{Group: "eks.aws.m.upbound.io", Version: "v1beta1", Kind: "Cluster"}, "crossplane-system", "search-dev.eks")
		return err == nil, nil
	}); err != nil {
		t.Fatal(err)
	}
	e.cp.fn.stop()
	time.Sleep(5 * time.Second)
	xr, _ := e.xr(ctx, teamClusterGVK, "", "search-dev")
	if conditionStatus(xr, "Ready") == "True" {
		t.Fatal("the XR became Ready with the function down; the restart proves nothing")
	}
	if err := e.cp.startFunction(); err != nil {
		t.Fatal(err)
	}
	if _, err := e.waitReady(ctx, teamClusterGVK, "", "search-dev"); err != nil {
		t.Fatal(err)
	}
}

// TestSeveral: ten teams at once, each converging on its own.
func TestSeveral(t *testing.T) {
	ctx, e := suiteWithRBAC(t)
	for i, team := range teams {
		xr := exampleXR(t, "xr.yaml")
		xr.SetName(team + "-prod")
		_ = unstructured.SetNestedField(xr.Object, team, "spec", "team", "name")
		_ = unstructured.SetNestedField(xr.Object, "prod", "spec", "environment")
		_ = unstructured.SetNestedField(xr.Object, teamAccount(i), "spec", "aws", "accountId")
		_ = unstructured.SetNestedStringSlice(xr.Object, []string{team + "-lead", team + "-dev"}, "spec", "team", "members")
		_ = unstructured.SetNestedStringMap(xr.Object, map[string]string{"owner": team + "-team"}, "spec", "tags")
		if err := e.cp.apply(ctx, syncedFromTeamFolder(xr)); err != nil {
			t.Fatal(err)
		}
	}
	for _, team := range teams {
		if _, err := e.waitReady(ctx, teamClusterGVK, "", team+"-prod"); err != nil {
			e.report(ctx, t, teamClusterGVK, "", team+"-prod")
			t.Fatal(err)
		}
	}
	for _, team := range teams {
		xr, _ := e.xr(ctx, teamClusterGVK, "", team+"-prod")
		objs, err := e.composed(ctx, xr)
		if err != nil {
			t.Fatal(err)
		}
		for n, o := range objs {
			b, _ := json.Marshal(map[string]any{"metadata": o.Object["metadata"], "spec": o.Object["spec"], "data": o.Object["data"]})
			for _, other := range append(slices.Clone(teams), "payments", "search") {
				if other != team && strings.Contains(string(b), other+"-") {
					t.Errorf("%s's %s mentions team %s", team, n, other)
				}
			}
		}
	}
}

// TestNamespaced: a namespaced XR converges in its team's namespace.
func TestNamespaced(t *testing.T) {
	ctx, e := suiteWithRBAC(t)
	defer e.report(ctx, t, nsTeamClusterGVK, "team-analytics", "analytics-dev")
	if err := e.cp.apply(ctx, exampleXR(t, "xr-namespaced.yaml")); err != nil {
		t.Fatal(err)
	}
	if _, err := e.waitReady(ctx, nsTeamClusterGVK, "team-analytics", "analytics-dev"); err != nil {
		t.Fatal(err)
	}
	xr, _ := e.xr(ctx, nsTeamClusterGVK, "team-analytics", "analytics-dev")
	objs, err := e.composed(ctx, xr)
	if err != nil {
		t.Fatal(err)
	}
	for n, o := range objs {
		if o.GetNamespace() != "team-analytics" {
			t.Errorf("%s is in namespace %q, want the XR's", n, o.GetNamespace())
		}
	}
	repo, err := e.get(ctx, secretGVK, "argocd", namesOf("team-analytics", "analytics-dev").project+"-repo")
	if err != nil {
		t.Fatalf("provider-kubernetes did not write the repository Secret: %v", err)
	}
	if secretString(repo, "password") == "" {
		t.Error("the repository Secret has no password patched in")
	}
	// The team's group reads its XR and what it composed in its
	// namespace, through Crossplane's own view role, and nothing else:
	// no Secret, no other namespace, no change.
	cfg := rest.CopyConfig(e.cp.cfg)
	cfg.Impersonate = rest.ImpersonationConfig{UserName: "erin@example.com", Groups: []string{"eks-gitops:analytics"}}
	team, err := dynamic.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	xrs := team.Resource(schema.GroupVersionResource{Group: nsTeamClusterGVK.Group, Version: nsTeamClusterGVK.Version, Resource: "namespacedteamclusters"})
	if _, err := xrs.Namespace("team-analytics").Get(ctx, "analytics-dev", metav1.GetOptions{}); err != nil {
		t.Errorf("the team reading its XR: %v", err)
	}
	vpcs := team.Resource(schema.GroupVersionResource{Group: "ec2.aws.m.upbound.io", Version: "v1beta1", Resource: "vpcs"})
	if list, err := vpcs.Namespace("team-analytics").List(ctx, metav1.ListOptions{}); err != nil || len(list.Items) != 1 {
		t.Errorf("the team reading its composed VPC: %v", err)
	}
	forbidden := map[string]error{}
	_, forbidden["a Secret in its namespace"] = team.Resource(schema.GroupVersionResource{Version: "v1", Resource: "secrets"}).Namespace("team-analytics").List(ctx, metav1.ListOptions{})
	_, forbidden["XRs in another namespace"] = xrs.Namespace("crossplane-system").List(ctx, metav1.ListOptions{})
	_, forbidden["cluster-scoped XRs"] = team.Resource(schema.GroupVersionResource{Group: teamClusterGVK.Group, Version: teamClusterGVK.Version, Resource: "teamclusters"}).List(ctx, metav1.ListOptions{})
	forbidden["deleting its XR"] = xrs.Namespace("team-analytics").Delete(ctx, "analytics-dev", metav1.DeleteOptions{DryRun: []string{metav1.DryRunAll}})
	for what, err := range forbidden {
		if !apierrors.IsForbidden(err) {
			t.Errorf("the team's group, %s: %v, want 403", what, err)
		}
	}
}

// colliders are XRs whose names would make the same Hashed base name in
// the shared namespaces: TestTenancy makes them, TestDelete removes them.
type collider struct{ ns, name string }

var colliders = []collider{{"team-a", "prod-eu"}, {"team-a-prod", "eu"}, {"", "team-a-prod-eu"}}

// TestTenancy: an XR that asks for what is not its team's is refused and
// composes nothing.
func TestTenancy(t *testing.T) {
	ctx, e := suiteWithRBAC(t)
	// An XR asking for another team's account is refused and composes
	// nothing at all.
	intruder := exampleXR(t, "xr.yaml")
	intruder.SetName("intruder-dev")
	_ = unstructured.SetNestedField(intruder.Object, "777788889999", "spec", "aws", "accountId")
	_ = unstructured.SetNestedField(intruder.Object, "10.99.0.0/16", "spec", "network", "vpcCidr")
	if err := e.cp.apply(ctx, intruder); err != nil {
		t.Fatal(err)
	}
	if err := e.cp.waitConditionMessage(ctx, teamClusterGVK, "intruder-dev", "Synced", "False", "account 777788889999 is not granted to team payments", time.Minute); err != nil {
		e.report(ctx, t, teamClusterGVK, "", "intruder-dev")
		t.Fatal(err)
	}
	xr, _ := e.xr(ctx, teamClusterGVK, "", "intruder-dev")
	if refs, _, _ := unstructured.NestedSlice(xr.Object, "spec", "crossplane", "resourceRefs"); len(refs) > 0 {
		t.Errorf("the refused XR composed %d resources", len(refs))
	}
	if err := e.cp.deleteAndWait(ctx, teamClusterGVK, "", "intruder-dev", time.Minute); err != nil {
		t.Fatal(err)
	}

	// A team's manifest in its own folder that names another team and
	// that team's account: the folder's Application binds it.
	folder := exampleXR(t, "xr.yaml")
	folder.SetName("folder-dev")
	_ = unstructured.SetNestedField(folder.Object, "search", "spec", "team", "name")
	_ = unstructured.SetNestedField(folder.Object, "777788889999", "spec", "aws", "accountId")
	_ = unstructured.SetNestedField(folder.Object, "10.98.0.0/16", "spec", "network", "vpcCidr")
	if err := e.cp.apply(ctx, folder); err != nil {
		t.Fatal(err)
	}
	if err := e.cp.waitConditionMessage(ctx, teamClusterGVK, "folder-dev", "Synced", "False", `this XR was synced by "clusters-payments"`, time.Minute); err != nil {
		e.report(ctx, t, teamClusterGVK, "", "folder-dev")
		t.Fatal(err)
	}
	if err := e.cp.deleteAndWait(ctx, teamClusterGVK, "", "folder-dev", time.Minute); err != nil {
		t.Fatal(err)
	}

	// A team makes a ConfigMap of its own look like a new XR's Legacy
	// repository and names it in the XR's resourceRefs, which Crossplane
	// passes to the function: the XR still gets hashed names.
	bait := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1", "kind": "ConfigMap",
		"metadata": map[string]any{
			"name": "takeover-dev-repository", "namespace": "default",
			"annotations": map[string]any{"crossplane.io/composition-resource-name": "codecommit-repository"},
		},
	}}
	if err := e.cp.apply(ctx, bait); err != nil {
		t.Fatal(err)
	}
	takeover := exampleXR(t, "xr.yaml")
	takeover.SetName("takeover-dev")
	_ = unstructured.SetNestedField(takeover.Object, "10.97.0.0/16", "spec", "network", "vpcCidr")
	_ = unstructured.SetNestedSlice(takeover.Object, []any{map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "name": "takeover-dev-repository", "namespace": "default"}}, "spec", "crossplane", "resourceRefs")
	if err := e.cp.apply(ctx, takeover); err != nil {
		t.Fatal(err)
	}
	var vpc string
	if err := poll(ctx, 2*time.Minute, time.Second, "the XR's VPC", func() (bool, error) {
		xr, err := e.xr(ctx, teamClusterGVK, "", "takeover-dev")
		if err != nil {
			return false, nil //nolint:nilerr // Not there yet.
		}
		refs, _, _ := unstructured.NestedSlice(xr.Object, "spec", "crossplane", "resourceRefs")
		for _, r := range refs {
			if m, _ := r.(map[string]any); m["kind"] == "VPC" {
				vpc, _ = m["name"].(string)
				return true, nil
			}
		}
		return false, nil
	}); err != nil {
		e.report(ctx, t, teamClusterGVK, "", "takeover-dev")
		t.Fatalf("the XR composed no VPC: %v", err)
	}
	if vpc != "takeover-dev.vpc" {
		t.Errorf("the XR's VPC is %q, want the hashed scheme's takeover-dev.vpc (Legacy would be takeover-dev-vpc)", vpc)
	}
	if err := e.cp.deleteAndWait(ctx, teamClusterGVK, "", "takeover-dev", 5*time.Minute); err != nil {
		t.Fatal(err)
	}

	// The three XRs whose names collided before get names of their own:
	// each its own EKS cluster, repository, Git user and Argo CD objects,
	// and each cluster Secret points at its own cluster.
	for _, c := range colliders {
		file, gvk := "xr.yaml", teamClusterGVK
		if c.ns != "" {
			file, gvk = "xr-namespaced.yaml", nsTeamClusterGVK
		}
		xr := exampleXR(t, file)
		xr.SetName(c.name)
		xr.SetNamespace(c.ns)
		_ = unstructured.SetNestedField(xr.Object, "collide", "spec", "team", "name")
		_ = unstructured.SetNestedField(xr.Object, collideAcct, "spec", "aws", "accountId")
		if err := e.cp.apply(ctx, syncedFromTeamFolder(xr)); err != nil {
			t.Fatalf("%s: %v", gvk.Kind, err)
		}
	}
	owner := map[string]collider{}
	for _, c := range colliders {
		gvk := teamClusterGVK
		if c.ns != "" {
			gvk = nsTeamClusterGVK
		}
		if _, err := e.waitReady(ctx, gvk, c.ns, c.name); err != nil {
			e.report(ctx, t, gvk, c.ns, c.name)
			t.Fatal(err)
		}
		xr, _ := e.xr(ctx, gvk, c.ns, c.name)
		objs, err := e.composed(ctx, xr)
		if err != nil {
			t.Fatal(err)
		}
		var endpoint string
		for _, o := range objs {
			key := ""
			if ext := o.GetAnnotations()["crossplane.io/external-name"]; ext != "" && o.GetKind() != "NodeGroup" {
				key = "aws " + o.GetKind() + " " + ext
			}
			if o.GetKind() == "Cluster" {
				endpoint, _, _ = unstructured.NestedString(o.Object, "status", "atProvider", "endpoint")
			}
			if key == "" {
				continue
			}
			if other, ok := owner[key]; ok {
				t.Errorf("%v and %v share %s", other, c, key)
			}
			owner[key] = c
		}
		n := namesOf(c.ns, c.name)
		secret, err := e.get(ctx, secretGVK, "argocd", n.project+"-cluster")
		if err != nil {
			t.Fatalf("%v: no cluster Secret %s: %v", c, n.project+"-cluster", err)
		}
		if got := secretString(secret, "server"); got != endpoint || got == "" {
			t.Errorf("%v: cluster Secret server %q, want its own cluster's endpoint %q", c, got, endpoint)
		}
		if other, ok := owner["argocd "+n.project]; ok {
			t.Errorf("%v and %v share the Argo CD project %s", other, c, n.project)
		}
		owner["argocd "+n.project] = c
	}
	if len(owner) < 3*8 {
		t.Errorf("compared only %d names", len(owner))
	}
}

// TestUpgrade: a Kubernetes upgrade of payments-dev runs in order.
func TestUpgrade(t *testing.T) {
	ctx, e := suiteWithRBAC(t)
	e.needPaymentsDev(ctx, t)
	// payments-dev runs 1.35; an upgrade to 1.36 is carried out in order
	// by a provider that takes 3 s per version change: the control plane,
	// then each node group, then the add-ons.
	defer e.report(ctx, t, teamClusterGVK, "", "payments-dev")
	r, err := e.cp.resource(teamClusterGVK, "")
	if err != nil {
		t.Fatal(err)
	}
	addonVersions := func() map[string]string {
		t.Helper()
		objs := e.composedOf(ctx, t, teamClusterGVK, "", "payments-dev")
		out := map[string]string{}
		for _, o := range objs {
			if o.GetKind() == "Addon" {
				out[o.GetName()], _, _ = unstructured.NestedString(o.Object, "spec", "forProvider", "addonVersion")
			}
		}
		return out
	}
	addonsBefore := addonVersions()
	start := time.Now()
	if err := mergePatch(ctx, r, "payments-dev", map[string]any{"spec": map[string]any{"kubernetesVersion": "1.36"}}); err != nil {
		t.Fatal(err)
	}
	// Follow the XR until the upgrade is done, logging each state it
	// shows; it must show the upgrade in progress on the way.
	var states []string
	sawUpgrading := false
	if err := poll(ctx, readyTimeout, 200*time.Millisecond, "the upgrade to finish", func() (bool, error) {
		xr, err := e.xr(ctx, teamClusterGVK, "", "payments-dev")
		if err != nil {
			return false, err
		}
		state := fmt.Sprintf("Synced=%s KubernetesUpgraded=%s Ready=%s: %s %s", conditionStatus(xr, "Synced"), conditionStatus(xr, "KubernetesUpgraded"), conditionStatus(xr, "Ready"),
			conditionMessage(xr, "Synced"), conditionMessage(xr, "KubernetesUpgraded"))
		if len(states) == 0 || states[len(states)-1] != state {
			states = append(states, state)
			t.Logf("%s %s", time.Since(start).Round(100*time.Millisecond), state)
		}
		if conditionStatus(xr, "KubernetesUpgraded") == "False" {
			sawUpgrading = true
		}
		// Done when the status says 1.36 runs: a reconcile that started
		// from Crossplane's cache before the edit can still write the
		// old "1.35 runs" status once after the upgrade began.
		return sawUpgrading && conditionStatus(xr, "KubernetesUpgraded") == "True" && conditionStatus(xr, "Ready") == "True" &&
			strings.Contains(conditionMessage(xr, "KubernetesUpgraded"), "Kubernetes 1.36 runs"), nil
	}); err != nil {
		t.Fatal(err)
	}
	// Every node group and every add-on of payments-dev must have been
	// changed, each node group after the control plane and every add-on
	// after the last node group.
	objs := e.composedOf(ctx, t, teamClusterGVK, "", "payments-dev")
	mine := map[string]string{} // object name -> kind
	for _, o := range objs {
		mine[o.GetName()] = o.GetKind()
	}
	var order []string
	var clusterAt, lastNodeGroupAt time.Time
	changed := map[string]bool{}
	var changes []versionChange
	for _, c := range e.providers.versionChanges() {
		if c.at.Before(start) || mine[c.name] != c.kind {
			continue
		}
		changes = append(changes, c)
		order = append(order, c.kind+" "+c.name+" "+c.version)
		changed[c.name] = true
		switch c.kind {
		case "Cluster":
			clusterAt = c.at
		case "NodeGroup":
			if c.version != "1.36" {
				t.Errorf("node group %s was asked for %s, want 1.36", c.name, c.version)
			}
			if clusterAt.IsZero() || c.at.Before(clusterAt.Add(e.providers.stepDelay)) {
				t.Errorf("node group %s was asked for %s before the control plane had it", c.name, c.version)
			}
			if c.at.After(lastNodeGroupAt) {
				lastNodeGroupAt = c.at
			}
		}
	}
	for _, c := range changes {
		if c.kind == "Addon" && (lastNodeGroupAt.IsZero() || c.at.Before(lastNodeGroupAt.Add(e.providers.stepDelay))) {
			t.Errorf("add-on %s was asked for %s before every node group ran 1.36 (the last was asked at %s)", c.name, c.version, lastNodeGroupAt.Sub(start).Round(time.Millisecond))
		}
	}
	t.Logf("spec changes in order: %s", strings.Join(order, "; "))
	// The cluster and every node group move; an add-on moves when its
	// version for 1.36 differs, and then only after the node groups.
	addonsAfter := addonVersions()
	for name, kind := range mine {
		moved := kind == "Cluster" || kind == "NodeGroup" || (kind == "Addon" && addonsAfter[name] != addonsBefore[name])
		if moved && !changed[name] {
			t.Errorf("%s %s was never changed by the upgrade", kind, name)
		}
	}
	if len(order) > 0 && !strings.HasPrefix(order[0], "Cluster ") {
		t.Errorf("the first change was %s, want the cluster", order[0])
	}
}

// TestReplaceNodeGroup: an instance type change replaces a node group
// beside the old one.
func TestReplaceNodeGroup(t *testing.T) {
	ctx, e := suiteWithRBAC(t)
	e.needPaymentsDev(ctx, t)
	// An instance type change makes a new node group; the old one is
	// deleted only once the new one is ready.
	defer e.report(ctx, t, teamClusterGVK, "", "payments-dev")
	before := e.snapshot(ctx, t, teamClusterGVK, "payments-dev")
	var old string
	for n := range before {
		if strings.HasPrefix(n, "eks-nodegroup-general-") {
			old = n
		}
	}
	xr, _ := e.xr(ctx, teamClusterGVK, "", "payments-dev")
	pools, _, _ := unstructured.NestedSlice(xr.Object, "spec", "nodePools")
	pools[0].(map[string]any)["instanceTypes"] = []any{"m7i.large"}
	r, _ := e.cp.resource(teamClusterGVK, "")
	if err := mergePatch(ctx, r, "payments-dev", map[string]any{"spec": map[string]any{"nodePools": pools}}); err != nil {
		t.Fatal(err)
	}
	var newName, newKey string
	var oldGoneAt time.Time
	if err := poll(ctx, readyTimeout, 200*time.Millisecond, "the old node group to go", func() (bool, error) {
		xr, err := e.xr(ctx, teamClusterGVK, "", "payments-dev")
		if err != nil {
			return false, err
		}
		objs, err := e.composed(ctx, xr)
		if err != nil {
			return false, err
		}
		for n, o := range objs {
			if strings.HasPrefix(n, "eks-nodegroup-general-") && n != old {
				newName, newKey = n, "nodegroups/"+o.GetNamespace()+"/"+o.GetName()
			}
		}
		o, present := objs[old]
		if newName != "" && (!present || o.GetDeletionTimestamp() != nil) {
			oldGoneAt = time.Now()
			return true, nil
		}
		return false, nil
	}); err != nil {
		t.Fatal(err)
	}
	readyAt, ok := e.providers.readyTime(newKey)
	if !ok || readyAt.After(oldGoneAt) {
		t.Errorf("%s was deleted at %s, before the new node group %s was ready (%v, %v)", old, oldGoneAt, newName, readyAt, ok)
	}
	if _, err := e.waitReady(ctx, teamClusterGVK, "", "payments-dev"); err != nil {
		t.Fatal(err)
	}
}

// converge applies a cluster-scoped example XR, waits for it to be Ready
// and returns what it composed, by composition resource name, and its
// Argo CD cluster Secret.
func (e *env) converge(ctx context.Context, t *testing.T, file, name string) (map[string]*unstructured.Unstructured, *unstructured.Unstructured) {
	t.Helper()
	if err := e.cp.apply(ctx, exampleXR(t, file)); err != nil {
		t.Fatal(err)
	}
	if _, err := e.waitReady(ctx, teamClusterGVK, "", name); err != nil {
		t.Fatal(err)
	}
	secret, err := e.get(ctx, secretGVK, "argocd", namesOf("", name).project+"-cluster")
	if err != nil {
		t.Fatalf("no Argo CD cluster Secret: %v", err)
	}
	return e.composedOf(ctx, t, teamClusterGVK, "", name), secret
}

// TestAutoMode: search-prod (example/xr-automode.yaml) converges in EKS Auto
// Mode: its cluster names the node role's observed ARN, it has no node
// groups or launch templates and no add-on but metrics-server, its team
// pool's nodes get a role with an EC2 access entry, and the cluster Secret
// tells the add-ons' ApplicationSets. Moving it out of Auto
// Mode is refused, and nothing changes.
func TestAutoMode(t *testing.T) {
	ctx, e := suiteWithRBAC(t)
	defer e.report(ctx, t, teamClusterGVK, "", "search-prod")
	objs, secret := e.converge(ctx, t, "xr-automode.yaml", "search-prod")
	cluster, role := objs["eks-cluster"], objs["iam-role-node"]
	if cluster == nil || role == nil {
		t.Fatalf("no cluster or node role among %d composed objects", len(objs))
	}
	roleARN, _, _ := unstructured.NestedString(role.Object, "status", "atProvider", "arn")
	compute, _, _ := unstructured.NestedMap(cluster.Object, "spec", "forProvider", "computeConfig")
	if compute["nodeRoleArn"] != roleARN || roleARN == "" || compute["enabled"] != true {
		t.Errorf("computeConfig %v, want enabled with the node role's observed ARN %q", compute, roleARN)
	}
	if b, ok, _ := unstructured.NestedBool(cluster.Object, "spec", "forProvider", "bootstrapSelfManagedAddons"); !ok || b {
		t.Error("the cluster does not set bootstrapSelfManagedAddons: false")
	}
	for name, o := range objs {
		switch kind := o.GetKind(); {
		case kind == "NodeGroup", kind == "LaunchTemplate", kind == "Addon" && name != "eks-addon-metrics-server":
			t.Errorf("an Auto Mode cluster has %s %s", kind, name)
		}
	}
	if got := secret.GetLabels()["eks_auto_mode"]; got != "true" {
		t.Errorf("cluster Secret label eks_auto_mode %q, want true", got)
	}
	// The team's batch pool: its nodes' role joins through an EC2 access
	// entry with the Auto Mode node policy, and the cluster Secret tells
	// the pools' ApplicationSet about the pool and the role.
	entry, assoc := objs["eks-access-entry-auto-node"], objs["eks-access-policy-auto-node"]
	if entry == nil || assoc == nil {
		t.Fatal("no access entry or access policy for the team pools' node role")
	}
	if typ, _, _ := unstructured.NestedString(entry.Object, "spec", "forProvider", "type"); typ != "EC2" {
		t.Errorf("the team pools' node access entry has type %q, want EC2", typ)
	}
	if pol, _, _ := unstructured.NestedString(assoc.Object, "spec", "forProvider", "policyArn"); !strings.HasSuffix(pol, "/AmazonEKSAutoNodePolicy") {
		t.Errorf("the team pools' node access policy is %q, want AmazonEKSAutoNodePolicy", pol)
	}
	if got := secret.GetLabels()["enable_auto_mode_node_pools"]; got != "true" {
		t.Errorf("cluster Secret label enable_auto_mode_node_pools %q, want true", got)
	}
	if pools := secret.GetAnnotations()["auto_mode_node_pools"]; !strings.Contains(pools, `"name":"batch"`) {
		t.Errorf("cluster Secret annotation auto_mode_node_pools %q, want the batch pool", pools)
	}

	before := e.snapshot(ctx, t, teamClusterGVK, "search-prod")
	r, _ := e.cp.resource(teamClusterGVK, "")
	if err := mergePatch(ctx, r, "search-prod", map[string]any{"spec": map[string]any{"compute": map[string]any{"mode": "ManagedNodeGroups"}}}); err != nil {
		t.Fatal(err)
	}
	if err := e.cp.waitConditionMessage(ctx, teamClusterGVK, "search-prod", "Synced", "False", "the cluster runs in AutoMode, and this XR asks for ManagedNodeGroups", time.Minute); err != nil {
		t.Fatal(err)
	}
	after := e.snapshot(ctx, t, teamClusterGVK, "search-prod")
	if recreated, updated, added, removed := changed(before, after); len(recreated)+len(updated)+len(added)+len(removed) > 0 {
		t.Errorf("a refused mode change changed recreated %v, updated %v, added %v, removed %v", recreated, updated, added, removed)
	}
	// Back to what runs: a refused XR takes no change at all, so neither
	// would the lifting of its deletion protection (TestDelete deletes it
	// with the others).
	if err := mergePatch(ctx, r, "search-prod", map[string]any{"spec": map[string]any{"compute": map[string]any{"mode": "AutoMode"}}}); err != nil {
		t.Fatal(err)
	}
	if err := e.cp.waitCondition(ctx, teamClusterGVK, "search-prod", "Synced", "True", time.Minute); err != nil {
		t.Fatal(err)
	}
}

// TestKarpenter: ml-prod (example/xr-karpenter.yaml) converges in Karpenter
// mode: the system node group only, Karpenter's node role, instance
// profile, EC2_LINUX access entry, interruption queue and its four rules,
// and the cluster Secret carries the metadata Karpenter's ApplicationSet
// reads, the team's pools among it.
func TestKarpenter(t *testing.T) {
	ctx, e := suiteWithRBAC(t)
	defer e.report(ctx, t, teamClusterGVK, "", "ml-prod")
	objs, secret := e.converge(ctx, t, "xr-karpenter.yaml", "ml-prod")
	kinds := map[string]int{}
	for name, o := range objs {
		kinds[o.GetKind()]++
		if o.GetKind() == "NodeGroup" && !strings.HasPrefix(name, "eks-nodegroup-system-") {
			t.Errorf("a Karpenter cluster has node group %s", name)
		}
	}
	for kind, want := range map[string]int{"NodeGroup": 1, "Queue": 1, "QueuePolicy": 1, "Rule": 4, "Target": 4, "InstanceProfile": 1} {
		if kinds[kind] != want {
			t.Errorf("%d %s, want %d", kinds[kind], kind, want)
		}
	}
	entry := objs["eks-access-entry-karpenter-node"]
	if typ, _, _ := unstructured.NestedString(entry.Object, "spec", "forProvider", "type"); typ != "EC2_LINUX" {
		t.Errorf("Karpenter's node access entry has type %q, want EC2_LINUX", typ)
	}
	if got := secret.GetLabels()["enable_karpenter"]; got != "true" {
		t.Errorf("enable_karpenter %q", got)
	}
	queue, _, _ := unstructured.NestedString(objs["sqs-queue-karpenter"].Object, "spec", "forProvider", "name")
	a := secret.GetAnnotations()
	if a["karpenter_sqs_queue_name"] != queue || !strings.Contains(a["karpenter_node_pools"], `"name":"general"`) || a["karpenter_iam_role_arn"] == "" {
		t.Errorf("cluster Secret's Karpenter metadata: %v", a)
	}
	// TestDelete deletes it with the others.
}

// TestAddons: add-ons switched on and off one at a time.
func TestAddons(t *testing.T) {
	ctx, e := suiteWithRBAC(t)
	e.needPaymentsDev(ctx, t)
	// Every add-on on: each gets a role, a policy and a Pod Identity
	// association, and the cluster Secret carries the role ARNs the
	// provider reported. Switching one off removes exactly its three
	// resources and its annotations.
	defer e.report(ctx, t, teamClusterGVK, "", "payments-dev")
	r, _ := e.cp.resource(teamClusterGVK, "")
	xr, _ := e.xr(ctx, teamClusterGVK, "", "payments-dev")
	pools, _, _ := unstructured.NestedSlice(xr.Object, "spec", "nodePools")
	pools[0].(map[string]any)["autoscaled"] = true
	if err := mergePatch(ctx, r, "payments-dev", map[string]any{"spec": map[string]any{
		"nodePools": pools,
		"addons": map[string]any{
			"awsLoadBalancerController": true, "certManager": true, "externalDns": true, "externalSecrets": true,
			"hostedZones": []any{map[string]any{"id": "Z0PAYMENTSDEV", "domain": "payments.example.com"}},
		},
	}}); err != nil {
		t.Fatal(err)
	}
	addons := []string{"lb-controller", "external-dns", "cert-manager", "external-secrets", "cluster-autoscaler", "ebs-csi-driver"}
	keys := map[string]string{"lb-controller": "aws_load_balancer_controller", "external-dns": "external_dns", "cert-manager": "cert_manager", "external-secrets": "external_secrets", "cluster-autoscaler": "cluster_autoscaler"}
	var objs map[string]*unstructured.Unstructured
	if err := poll(ctx, readyTimeout, 300*time.Millisecond, "every add-on's access and metadata", func() (bool, error) {
		xr, err := e.xr(ctx, teamClusterGVK, "", "payments-dev")
		if err != nil {
			return false, err
		}
		if objs, err = e.composed(ctx, xr); err != nil {
			return false, err
		}
		secret := objs["argocd-cluster-secret"]
		if secret == nil {
			return false, nil
		}
		for _, k := range keys {
			if secret.GetLabels()["enable_"+k] != "true" {
				return false, nil
			}
		}
		return true, nil
	}); err != nil {
		t.Fatal(err)
	}
	secret := objs["argocd-cluster-secret"]
	for _, a := range addons {
		role, policy, assoc := objs["iam-role-addon-"+a], objs["iam-policy-addon-"+a], objs["eks-pod-identity-"+a]
		if role == nil || policy == nil || assoc == nil {
			t.Errorf("%s: role %v, policy %v, association %v", a, role != nil, policy != nil, assoc != nil)
			continue
		}
		for _, o := range []*unstructured.Unstructured{role, policy, assoc} {
			if conditionStatus(o, "Ready") != "True" {
				t.Errorf("%s %s is not Ready", o.GetKind(), o.GetName())
			}
		}
		key, viaArgo := keys[a]
		if !viaArgo {
			continue
		}
		arn, _, _ := unstructured.NestedString(role.Object, "status", "atProvider", "arn")
		if got := secret.GetAnnotations()[key+"_iam_role_arn"]; arn == "" || got != arn {
			t.Errorf("%s_iam_role_arn = %q, want the observed %q", key, got, arn)
		}
	}
	if _, err := e.waitReady(ctx, teamClusterGVK, "", "payments-dev"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(3 * time.Second) // Let Crossplane settle, then look again.

	before := e.snapshot(ctx, t, teamClusterGVK, "payments-dev")
	if err := mergePatch(ctx, r, "payments-dev", map[string]any{"spec": map[string]any{"addons": map[string]any{"awsLoadBalancerController": false}}}); err != nil {
		t.Fatal(err)
	}
	var after snapshot
	if err := poll(ctx, readyTimeout, 300*time.Millisecond, "the load balancer controller's access to go", func() (bool, error) {
		after = e.snapshot(ctx, t, teamClusterGVK, "payments-dev")
		_, role := after["iam-role-addon-lb-controller"]
		_, policy := after["iam-policy-addon-lb-controller"]
		_, assoc := after["eks-pod-identity-lb-controller"]
		return !role && !policy && !assoc, nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.waitReady(ctx, teamClusterGVK, "", "payments-dev"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(3 * time.Second)
	after = e.snapshot(ctx, t, teamClusterGVK, "payments-dev")
	recreated, updated, added, removed := changed(before, after)
	if want := []string{"eks-pod-identity-lb-controller", "iam-policy-addon-lb-controller", "iam-role-addon-lb-controller"}; len(recreated) > 0 || len(added) > 0 || !slices.Equal(removed, want) || !slices.Equal(updated, []string{"argocd-cluster-secret"}) {
		t.Errorf("switching the load balancer controller off: recreated %v, added %v, removed %v (want %v), updated %v (want only the cluster Secret)", recreated, added, removed, want, updated)
	}
	xr, _ = e.xr(ctx, teamClusterGVK, "", "payments-dev")
	objs, _ = e.composed(ctx, xr)
	for k := range objs["argocd-cluster-secret"].GetAnnotations() {
		if strings.HasPrefix(k, "aws_load_balancer_controller_") {
			t.Errorf("annotation %s is still on the cluster Secret", k)
		}
	}
	if l := objs["argocd-cluster-secret"].GetLabels()["enable_aws_load_balancer_controller"]; l != "false" {
		t.Errorf("enable_aws_load_balancer_controller = %q, want false", l)
	}
}

// TestRefusedEdits: edits a running cluster cannot take never reach it.
func TestRefusedEdits(t *testing.T) {
	ctx, e := suiteWithRBAC(t)
	e.needPaymentsDev(ctx, t)
	// A region change never reaches the cluster: the XRD refuses it, and
	// every composed object keeps its UID and resourceVersion.
	before := e.snapshot(ctx, t, teamClusterGVK, "payments-dev")
	r, _ := e.cp.resource(teamClusterGVK, "")
	err := mergePatch(ctx, r, "payments-dev", map[string]any{"spec": map[string]any{"aws": map[string]any{"region": "eu-central-1"}}})
	if err == nil || !strings.Contains(err.Error(), "region of a running cluster cannot change") {
		t.Fatalf("the region change gave %v, want it refused by the XRD", err)
	}
	time.Sleep(3 * time.Second)
	after := e.snapshot(ctx, t, teamClusterGVK, "payments-dev")
	if recreated, updated, added, removed := changed(before, after); len(recreated)+len(updated)+len(added)+len(removed) > 0 {
		t.Errorf("a refused region change changed recreated %v, updated %v, added %v, removed %v", recreated, updated, added, removed)
	}

	// Reordering the zones passes the XRD but not the function: the
	// subnets would move under running nodes. Nothing changes.
	if err := mergePatch(ctx, r, "payments-dev", map[string]any{"spec": map[string]any{"network": map[string]any{"zones": []any{"eu-west-1b", "eu-west-1a", "eu-west-1c"}}}}); err != nil {
		t.Fatal(err)
	}
	if err := e.cp.waitConditionMessage(ctx, teamClusterGVK, "payments-dev", "Synced", "False", "keep the zones in the order they were first listed", time.Minute); err != nil {
		e.report(ctx, t, teamClusterGVK, "", "payments-dev")
		t.Fatal(err)
	}
	after = e.snapshot(ctx, t, teamClusterGVK, "payments-dev")
	if recreated, updated, added, removed := changed(before, after); len(recreated)+len(updated)+len(added)+len(removed) > 0 {
		t.Errorf("a refused zone reorder changed recreated %v, updated %v, added %v, removed %v", recreated, updated, added, removed)
	}
	if err := mergePatch(ctx, r, "payments-dev", map[string]any{"spec": map[string]any{"network": map[string]any{"zones": nil}}}); err != nil {
		t.Fatal(err)
	}
	if err := e.cp.waitCondition(ctx, teamClusterGVK, "payments-dev", "Synced", "True", time.Minute); err != nil {
		t.Fatal(err)
	}
}

// TestGitHosts: repositories on GitHub, GitLab and CodeCommit.
func TestGitHosts(t *testing.T) {
	ctx, e := suiteWithRBAC(t)
	e.gitHosts(ctx, t)
}

// TestDelete: every XR the suite made goes, payments-dev in the order its
// Usages set, so the developer's loop runs on a quiet control plane.
func TestDelete(t *testing.T) {
	ctx, e := suiteWithRBAC(t)
	e.needPaymentsDev(ctx, t)
	all := []xrRef{
		{teamClusterGVK, "", "payments-dev"}, {teamClusterGVK, "", "search-dev"}, {nsTeamClusterGVK, "team-analytics", "analytics-dev"},
		{teamClusterGVK, "", "ledger-gh"}, {teamClusterGVK, "", "ledger-cc"}, {nsTeamClusterGVK, gitLabTeamNamespace, "insights-gl"},
		// The compute modes' clusters (TestAutoMode, TestKarpenter).
		{teamClusterGVK, "", "search-prod"}, {teamClusterGVK, "", "ml-prod"},
		// The managed hub's (TestManagedHub) and TestRBAC's.
		{teamClusterGVK, "", "payments-hub"}, {teamClusterGVK, "", "rbac-dev"},
	}
	for _, team := range teams {
		all = append(all, xrRef{teamClusterGVK, "", team + "-prod"})
	}
	for _, c := range colliders {
		gvk := teamClusterGVK
		if c.ns != "" {
			gvk = nsTeamClusterGVK
		}
		all = append(all, xrRef{gvk, c.ns, c.name})
	}
	// The rest go beside payments-dev, whose deletion order is read
	// from revisions and so holds under load, and are waited for even
	// when the order check fails: the developer's loop runs next, on a
	// control plane with no other XR left. payments-dev itself is
	// deleted by the order check, once it watches every object.
	e.protectionRefusesDeletion(ctx, t, xrRef{teamClusterGVK, "", "search-prod"}, all)
	e.startDeleting(ctx, t, all[1:])
	defer e.waitGone(ctx, t, all)
	e.deletionOrder(ctx, t)
}

// protectionRefusesDeletion: deleting a cluster of a protected environment
// is refused, with the reason and how to lift it, until a platform
// engineer lists the XRs in the platform settings; then their protection
// goes and they can be deleted.
func (e *env) protectionRefusesDeletion(ctx context.Context, t *testing.T, protected xrRef, all []xrRef) {
	t.Helper()
	r, err := e.cp.resource(protected.gvk, protected.ns)
	if err != nil {
		t.Fatal(err)
	}
	// Crossplane marks what a Usage protects, and its webhook refuses
	// deleting what is marked.
	if err := poll(ctx, time.Minute, 500*time.Millisecond, protected.name+" marked in use", func() (bool, error) {
		xr, err := r.Get(ctx, protected.name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		return xr.GetLabels()["crossplane.io/in-use"] == "true", nil
	}); err != nil {
		t.Fatal(err)
	}
	err = r.Delete(ctx, protected.name, metav1.DeleteOptions{})
	if err == nil || !strings.Contains(err.Error(), "deletionProtectionLiftedFor") {
		t.Fatalf("deleting %s, a prod cluster: %v, want a refusal naming compliance.deletionProtectionLiftedFor", protected.name, err)
	}
	t.Logf("deleting %s: %v", protected.name, err)
	lifted := make([]any, 0, len(all))
	for _, x := range all {
		id := x.name
		if x.ns != "" {
			id = x.ns + "/" + x.name
		}
		lifted = append(lifted, id)
	}
	if err := e.cp.applySettings(ctx, func(data map[string]any) {
		data["compliance"].(map[string]any)["deletionProtectionLiftedFor"] = lifted
	}); err != nil {
		t.Fatal(err)
	}
	usages := []schema.GroupVersionResource{
		{Group: "protection.crossplane.io", Version: "v1beta1", Resource: "clusterusages"},
		{Group: "protection.crossplane.io", Version: "v1beta1", Resource: "usages"},
	}
	var left []string
	var leftObjs []unstructured.Unstructured
	if err := poll(ctx, 4*time.Minute, time.Second, "the protections to be lifted", func() (bool, error) {
		left, leftObjs = nil, nil
		for _, gvr := range usages {
			l, err := e.cp.dyn.Resource(gvr).List(ctx, metav1.ListOptions{})
			if err != nil {
				return false, err
			}
			for _, u := range l.Items {
				// A protection is a Usage of the XR itself.
				if of, _, _ := unstructured.NestedString(u.Object, "spec", "of", "kind"); of == teamClusterGVK.Kind || of == nsTeamClusterGVK.Kind {
					left = append(left, u.GetName())
					leftObjs = append(leftObjs, u)
				}
			}
		}
		return len(left) == 0, nil
	}); err != nil {
		for _, u := range leftObjs {
			y, _ := yaml.Marshal(u.Object)
			t.Logf("%s", y)
		}
		t.Errorf("%v: %v", err, left)
		e.report(ctx, t, protected.gvk, protected.ns, protected.name)
		t.FailNow()
	}
}

// TestDevelopersLoop: last, with the other XRs gone: from here Argo CD's own
// controllers run instead of the played finalizers.
func TestDevelopersLoop(t *testing.T) {
	ctx, e := suiteWithRBAC(t)
	e.developersLoop(ctx, t)
}

// xrRef names an XR.
type xrRef struct {
	gvk      schema.GroupVersionKind
	ns, name string
}

// startDeleting deletes the XRs, in the foreground, without waiting.
func (e *env) startDeleting(ctx context.Context, t *testing.T, all []xrRef) {
	t.Helper()
	// All at once: with the Usages enforced, each XR's objects go
	// in order over tens of seconds, which the XRs may spend together.
	for _, x := range all {
		r, err := e.cp.resource(x.gvk, x.ns)
		if err != nil {
			t.Error(err)
			return
		}
		fg := metav1.DeletePropagationForeground
		if err := r.Delete(ctx, x.name, metav1.DeleteOptions{PropagationPolicy: &fg}); err != nil && !apierrors.IsNotFound(err) {
			t.Error(err)
			return
		}
	}
}

// waitGone waits until the XRs and everything they composed are gone, and
// fails on any call the simulated AWS refused on the way. It reports with
// Errorf: it runs deferred, also after a failed check.
func (e *env) waitGone(ctx context.Context, t *testing.T, all []xrRef) {
	t.Helper()
	for _, x := range all {
		if err := e.cp.deleteAndWait(ctx, x.gvk, x.ns, x.name, 6*time.Minute); err != nil {
			t.Error(err)
			return
		}
	}
	var left []string
	if err := poll(ctx, 2*time.Minute, time.Second, "every composed resource to be garbage collected", func() (bool, error) {
		left = nil
		for _, gvr := range append(slices.Clone(managedKinds), gitHostKinds...) {
			list, err := e.cp.dyn.Resource(gvr).List(ctx, metav1.ListOptions{})
			if err != nil {
				return false, err
			}
			for _, o := range list.Items {
				left = append(left, gvr.Resource+"/"+o.GetName())
			}
		}
		for _, gvk := range []schema.GroupVersionKind{secretGVK, configMapGVK, appProjectGVK, applicationGVK, {Group: "protection.crossplane.io", Version: "v1beta1", Kind: "Usage"}} {
			r, err := e.cp.resource(gvk, "")
			if err != nil {
				return false, err
			}
			list, err := r.List(ctx, metav1.ListOptions{LabelSelector: "eks-gitops.dev/team"})
			if err != nil {
				return false, err
			}
			for _, o := range list.Items {
				left = append(left, gvk.Kind+"/"+o.GetNamespace()+"/"+o.GetName())
			}
		}
		return len(left) == 0, nil
	}); err != nil {
		t.Errorf("%v; left behind: %v", err, left)
		return
	}
	// Every call the simulated AWS refused is an ordering the function
	// missed (a Usage, a reference), as on the real provider.
	if r := e.providers.refused(); len(r) > 0 {
		t.Errorf("AWS refused %d calls:\n%s", len(r), strings.Join(r, "\n"))
	}
}

// usagePairs resolves every composed Usage to the composed objects it names,
// as {by, of}; a Usage naming something that is not composed fails the test.
func usagePairs(t *testing.T, objs map[string]*unstructured.Unstructured) [][2]string {
	t.Helper()
	type ref struct{ kind, ns, name string }
	named := map[ref]string{}
	for n, o := range objs {
		named[ref{o.GetKind(), o.GetNamespace(), o.GetName()}] = n
	}
	var pairs [][2]string
	for _, n := range slices.Sorted(maps.Keys(objs)) {
		u := objs[n]
		if u.GetKind() != "Usage" {
			continue
		}
		var names [2]string
		for i, side := range []string{"by", "of"} {
			kind, _, _ := unstructured.NestedString(u.Object, "spec", side, "kind")
			name, _, _ := unstructured.NestedString(u.Object, "spec", side, "resourceRef", "name")
			ns, ok, _ := unstructured.NestedString(u.Object, "spec", side, "resourceRef", "namespace")
			if !ok {
				ns = u.GetNamespace()
			}
			c, found := named[ref{kind, ns, name}]
			if !found {
				t.Fatalf("Usage %s: %s %s %s/%s is not one of the XR's composed objects", n, side, kind, ns, name)
			}
			names[i] = c
		}
		pairs = append(pairs, names)
	}
	if len(pairs) == 0 {
		t.Fatal("the XR composes no Usage")
	}
	return pairs
}

// deletionOrder checks the Usages with Crossplane's webhooks on: deleting
// a used object directly is refused with Crossplane's message, and when
// payments-dev is deleted its objects disappear in the Usages' order: the
// Application and the repository Secret before the repository and the Git
// credential, the cluster Secret before the EKS cluster, the cluster
// before its VPC.
func (e *env) deletionOrder(ctx context.Context, t *testing.T) {
	t.Helper()
	objs := e.composedOf(ctx, t, teamClusterGVK, "", "payments-dev")
	// Every Usage payments-dev composes, resolved to the composed objects it
	// names: each "by" must go before its "of". The pairs named below are
	// the ones the docs promise; they must be among them.
	pairs := usagePairs(t, objs)
	for _, want := range [][2]string{
		{"argocd-bootstrap-application", "codecommit-repository"},
		{"argocd-bootstrap-application", "codecommit-credential"},
		{"argocd-repository-secret", "codecommit-repository"},
		{"argocd-repository-secret", "codecommit-credential"},
		{"argocd-bootstrap-application", "argocd-cluster-secret"},
		{"argocd-cluster-secret", "eks-cluster"},
	} {
		if !slices.Contains(pairs, want) {
			t.Errorf("no Usage keeps %s until %s is gone; Usages: %v", want[1], want[0], pairs)
		}
	}
	watchedSet := map[string]bool{}
	for _, p := range append(pairs, [2]string{"eks-cluster", "vpc"}) {
		watchedSet[p[0]], watchedSet[p[1]] = true, true
	}
	watched := slices.Sorted(maps.Keys(watchedSet))
	for _, n := range watched {
		if objs[n] == nil {
			t.Fatalf("payments-dev has no %s", n)
		}
	}

	for _, n := range []string{"eks-cluster", "vpc", "codecommit-repository"} {
		o := objs[n]
		r, err := e.cp.resource(o.GroupVersionKind(), o.GetNamespace())
		if err != nil {
			t.Fatal(err)
		}
		err = r.Delete(ctx, o.GetName(), metav1.DeleteOptions{})
		if err == nil || !strings.Contains(err.Error(), "This resource is in-use by") {
			t.Errorf("deleting the used %s %s directly: %v; want Crossplane's refusal", o.GetKind(), o.GetName(), err)
			continue
		}
		t.Logf("deleting %s %s directly: %v", o.GetKind(), o.GetName(), err)
	}

	// Watch each object from the API server's current revision: the
	// DELETED event's resourceVersion is etcd's revision of the deletion,
	// which orders deletions exactly, however close together they are.
	type deletion struct {
		name string
		rev  int64
		at   time.Time
		err  error
	}
	deleted := make(chan deletion, len(watched))
	wctx, stop := context.WithCancel(ctx)
	defer stop()
	for _, n := range watched {
		o := objs[n]
		r, err := e.cp.resource(o.GroupVersionKind(), o.GetNamespace())
		if err != nil {
			t.Fatal(err)
		}
		// From the list's version, not the object's: an object untouched
		// since its creation keeps a version older than the watch cache's
		// window, and a watch from it ends at once with 410 Gone.
		sel := metav1.ListOptions{FieldSelector: "metadata.name=" + o.GetName()}
		list, err := r.List(ctx, sel)
		if err != nil || len(list.Items) != 1 {
			t.Fatalf("listing %s: %d found, %v", n, len(list.Items), err)
		}
		sel.ResourceVersion = list.GetResourceVersion()
		w, err := r.Watch(wctx, sel)
		if err != nil {
			t.Fatal(err)
		}
		go func() {
			defer w.Stop()
			for ev := range w.ResultChan() {
				switch ev.Type {
				case watch.Deleted:
					u, _ := ev.Object.(*unstructured.Unstructured)
					rev, _ := strconv.ParseInt(u.GetResourceVersion(), 10, 64)
					deleted <- deletion{name: n, rev: rev, at: time.Now()}
					return
				case watch.Error:
					deleted <- deletion{name: n, err: apierrors.FromObject(ev.Object)}
					return
				case watch.Added, watch.Modified, watch.Bookmark:
				}
			}
			if wctx.Err() == nil {
				deleted <- deletion{name: n, err: errors.New("the watch ended before the deletion")}
			}
		}()
	}
	start := time.Now()
	r, err := e.cp.resource(teamClusterGVK, "")
	if err != nil {
		t.Fatal(err)
	}
	fg := metav1.DeletePropagationForeground
	if err := r.Delete(ctx, "payments-dev", metav1.DeleteOptions{PropagationPolicy: &fg}); err != nil {
		t.Fatal(err)
	}
	gone := map[string]deletion{}
	timeout := time.After(5 * time.Minute)
	for len(gone) < len(watched) {
		select {
		case d := <-deleted:
			if d.err != nil {
				t.Fatalf("watching %s: %v", d.name, d.err)
			}
			gone[d.name] = d
		case <-timeout:
			var left []string
			for _, n := range watched {
				if _, ok := gone[n]; !ok {
					left = append(left, n)
				}
			}
			t.Fatalf("payments-dev's objects did not all disappear in 5 minutes; left: %v", left)
		}
	}
	var order []string
	for _, n := range watched {
		order = append(order, fmt.Sprintf("%s %s (revision %d)", n, gone[n].at.Sub(start).Round(10*time.Millisecond), gone[n].rev))
	}
	t.Logf("disappeared after: %s", strings.Join(order, ", "))
	// The cluster before its VPC is the garbage collector's order (the
	// VPC's deletion waits on its dependents), not a Usage's.
	for _, before := range append(pairs, [2]string{"eks-cluster", "vpc"}) {
		a, b := gone[before[0]], gone[before[1]]
		if a.rev == 0 || b.rev == 0 || a.rev >= b.rev {
			t.Errorf("%s was deleted at revision %d, not before %s at revision %d", before[0], a.rev, before[1], b.rev)
		}
	}
	if err := e.cp.deleteAndWait(ctx, teamClusterGVK, "", "payments-dev", 6*time.Minute); err != nil {
		t.Fatal(err)
	}
}

// TestRuntimeConfig: example/runtimeconfig.yaml reaches the function's pods
// the way a package-manager-installed function gets its runtime config.
// Crossplane makes the Function itself (a dependency of the Configuration,
// under a name of its choosing), so the example attaches its
// DeploymentRuntimeConfig with an ImageConfig matching the package's
// source. The suite runs functions out of cluster (the External runtime);
// here Crossplane runs once more with the Deployment runtime and must
// write the function's Deployment with the runtime config's memory limit
// and resources, and say on the FunctionRevision which ImageConfig chose
// it. Then the suite's Crossplane comes back.
func TestRuntimeConfig(t *testing.T) {
	ctx, e := suiteWithRBAC(t)
	b, err := os.ReadFile(filepath.Join(root, "example", "runtimeconfig.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var imageConfig string
	for _, doc := range strings.Split(string(b), "\n---") {
		o := &unstructured.Unstructured{Object: map[string]any{}}
		if err := yaml.Unmarshal([]byte(doc), &o.Object); err != nil {
			t.Fatal(err)
		}
		if o.GetKind() == "ImageConfig" {
			// Crossplane matches a runtime ImageConfig against the
			// package's resolved source: behind the suite's ImageConfigs,
			// which rewrite xpkg.crossplane.io/eks-gitops/ to the local
			// registry, that is the registry's path (docs/install.md says
			// so for mirrored registries).
			imageConfig = o.GetName()
			prefixes, _, _ := unstructured.NestedSlice(o.Object, "spec", "matchImages")
			if len(prefixes) != 1 || prefixes[0].(map[string]any)["prefix"] != "xpkg.crossplane.io/eks-gitops/function-eks-gitops" {
				t.Fatalf("example/runtimeconfig.yaml's ImageConfig matches %v, want the function's package", prefixes)
			}
			_ = unstructured.SetNestedSlice(o.Object, []any{map[string]any{"type": "Prefix", "prefix": e.cp.registry + "/eks-gitops/function-eks-gitops"}}, "spec", "matchImages")
		}
		if err := e.cp.apply(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		e.cp.xp.stop()
		if err := e.cp.startCrossplane(); err != nil {
			t.Errorf("restarting the suite's Crossplane: %v", err)
			return
		}
		if err := poll(ctx, 2*time.Minute, time.Second, "the function Healthy again", func() (bool, error) {
			if _, err := e.cp.playRuntime(ctx); err != nil {
				return false, err
			}
			o, err := e.get(ctx, schema.GroupVersionKind{Group: "pkg.crossplane.io", Version: "v1", Kind: "Function"}, "", functionName)
			return err == nil && conditionStatus(o, "Healthy") == "True", nil
		}); err != nil {
			t.Error(err)
		}
	})
	e.cp.xp.stop()
	if err := e.cp.startCrossplaneWith("Function=Deployment;Provider=External"); err != nil {
		t.Fatal(err)
	}

	revs := schema.GroupVersionKind{Group: "pkg.crossplane.io", Version: "v1", Kind: "FunctionRevision"}
	var dep *unstructured.Unstructured
	if err := poll(ctx, 2*time.Minute, time.Second, "the function's Deployment from the runtime config", func() (bool, error) {
		list, err := e.list(ctx, schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: "Deployment"}, "crossplane-system")
		if err != nil {
			return false, nil //nolint:nilerr // Not there yet.
		}
		for i := range list {
			for _, ref := range list[i].GetOwnerReferences() {
				if ref.Kind == revs.Kind && strings.HasPrefix(ref.Name, functionName) {
					dep = &list[i]
					return true, nil
				}
			}
		}
		return false, nil
	}); err != nil {
		t.Fatal(err)
	}
	containers, _, _ := unstructured.NestedSlice(dep.Object, "spec", "template", "spec", "containers")
	var runtime map[string]any
	for _, c := range containers {
		if c.(map[string]any)["name"] == "package-runtime" {
			runtime = c.(map[string]any)
		}
	}
	if runtime == nil {
		t.Fatalf("Deployment %s has no package-runtime container: %v", dep.GetName(), containers)
	}
	env, _ := json.Marshal(runtime["env"])
	if !strings.Contains(string(env), `{"name":"GOMEMLIMIT","value":"32MiB"}`) {
		t.Errorf("the function's container has env %s, want GOMEMLIMIT=32MiB from the runtime config", env)
	}
	if mem, _, _ := unstructured.NestedString(runtime, "resources", "limits", "memory"); mem != "256Mi" {
		t.Errorf("the function's container has memory limit %q, want the runtime config's 256Mi", mem)
	}
	// The revision says the ImageConfig chose its runtime config.
	if err := poll(ctx, time.Minute, time.Second, "the revision's applied ImageConfig", func() (bool, error) {
		list, err := e.list(ctx, revs, "")
		if err != nil {
			return false, nil //nolint:nilerr // Not there yet.
		}
		for _, r := range list {
			refs, _, _ := unstructured.NestedSlice(r.Object, "status", "appliedImageConfigRefs")
			for _, ref := range refs {
				if m := ref.(map[string]any); m["name"] == imageConfig && m["reason"] == "ConfigureRuntime" {
					return true, nil
				}
			}
		}
		return false, nil
	}); err != nil {
		t.Error(err)
	}
}
