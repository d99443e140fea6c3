package e2e

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic/dynamicinformer"
	"k8s.io/client-go/tools/cache"

	"github.com/eks-gitops/function-eks-gitops/internal/awsrules"
	"github.com/eks-gitops/function-eks-gitops/internal/providersim"
)

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }

// managedKinds are the managed resource kinds the function composes, which
// the simulated providers reconcile.
var managedKinds = []schema.GroupVersionResource{
	{Group: "ec2.aws.m.upbound.io", Version: "v1beta1", Resource: "vpcs"},
	{Group: "ec2.aws.m.upbound.io", Version: "v1beta1", Resource: "subnets"},
	{Group: "ec2.aws.m.upbound.io", Version: "v1beta1", Resource: "internetgateways"},
	{Group: "ec2.aws.m.upbound.io", Version: "v1beta1", Resource: "eips"},
	{Group: "ec2.aws.m.upbound.io", Version: "v1beta1", Resource: "natgateways"},
	{Group: "ec2.aws.m.upbound.io", Version: "v1beta1", Resource: "routetables"},
	{Group: "ec2.aws.m.upbound.io", Version: "v1beta1", Resource: "routes"},
	{Group: "ec2.aws.m.upbound.io", Version: "v1beta1", Resource: "routetableassociations"},
	{Group: "ec2.aws.m.upbound.io", Version: "v1beta1", Resource: "launchtemplates"},
	{Group: "iam.aws.m.upbound.io", Version: "v1beta1", Resource: "roles"},
	{Group: "iam.aws.m.upbound.io", Version: "v1beta1", Resource: "rolepolicyattachments"},
	{Group: "iam.aws.m.upbound.io", Version: "v1beta1", Resource: "rolepolicies"},
	{Group: "iam.aws.m.upbound.io", Version: "v1beta1", Resource: "users"},
	{Group: "iam.aws.m.upbound.io", Version: "v1beta1", Resource: "policies"},
	{Group: "iam.aws.m.upbound.io", Version: "v1beta1", Resource: "userpolicyattachments"},
	{Group: "iam.aws.m.upbound.io", Version: "v1beta1", Resource: "servicespecificcredentials"},
	{Group: "iam.aws.m.upbound.io", Version: "v1beta1", Resource: "instanceprofiles"},
	{Group: "sqs.aws.m.upbound.io", Version: "v1beta1", Resource: "queues"},
	{Group: "sqs.aws.m.upbound.io", Version: "v1beta1", Resource: "queuepolicies"},
	{Group: "cloudwatchevents.aws.m.upbound.io", Version: "v1beta1", Resource: "rules"},
	{Group: "cloudwatchevents.aws.m.upbound.io", Version: "v1beta1", Resource: "targets"},
	{Group: "kms.aws.m.upbound.io", Version: "v1beta1", Resource: "keys"},
	{Group: "kms.aws.m.upbound.io", Version: "v1beta1", Resource: "aliases"},
	{Group: "cloudwatchlogs.aws.m.upbound.io", Version: "v1beta1", Resource: "groups"},
	{Group: "eks.aws.m.upbound.io", Version: "v1beta1", Resource: "clusters"},
	{Group: "eks.aws.m.upbound.io", Version: "v1beta1", Resource: "nodegroups"},
	{Group: "eks.aws.m.upbound.io", Version: "v1beta1", Resource: "addons"},
	{Group: "eks.aws.m.upbound.io", Version: "v1beta1", Resource: "accessentries"},
	{Group: "eks.aws.m.upbound.io", Version: "v1beta1", Resource: "accesspolicyassociations"},
	{Group: "eks.aws.m.upbound.io", Version: "v1beta1", Resource: "podidentityassociations"},
	{Group: "cognitoidp.aws.m.upbound.io", Version: "v1beta1", Resource: "usergroups"},
	{Group: "cognitoidp.aws.m.upbound.io", Version: "v1beta1", Resource: "useringroups"},
	{Group: "identitystore.aws.m.upbound.io", Version: "v1beta1", Resource: "groups"},
	{Group: "identitystore.aws.m.upbound.io", Version: "v1beta1", Resource: "groupmemberships"},
	{Group: "codecommit.aws.m.upbound.io", Version: "v1beta1", Resource: "repositories"},
	{Group: "codecommit.aws.m.upbound.io", Version: "v1beta1", Resource: "approvalruletemplates"},
	{Group: "codecommit.aws.m.upbound.io", Version: "v1beta1", Resource: "approvalruletemplateassociations"},
	{Group: "kubernetes.m.crossplane.io", Version: "v1alpha1", Resource: "objects"},
}

// providers plays the AWS provider and provider-kubernetes: after a short
// delay it marks each new managed resource ready with realistic
// status.atProvider fields and the external-name annotation, writes the Git
// credential's connection Secret, and applies provider-kubernetes Objects'
// manifests for real.
type providers struct {
	cp *controlPlane
	// kinds are the kinds played.
	kinds []schema.GroupVersionResource
	delay time.Duration
	// listers read the played kinds (and Argo CD's) from informers' caches.
	listers map[schema.GroupVersionResource]cache.GenericLister

	mu sync.Mutex
	// applied are the manifests written for Objects, by Object, so they can
	// be removed when the Object goes.
	applied map[string]*unstructured.Unstructured
	// generations are the Object generations last applied.
	generations map[string]int64
	errs        []string

	// stepDelay is how long a version change of a cluster, node group or
	// add-on takes, during which it reports the old version and is not
	// ready, as EKS does while UPDATING.
	stepDelay time.Duration
	// seen are the managed resource generations last carried out;
	// updatingSince when a version change started.
	seen          map[string]int64
	updatingSince map[string]time.Time
	// changes are the version changes, in the order they were asked for.
	changes []versionChange
	// refusals are the calls AWS refused; failing the resources told to
	// fail, with their messages.
	refusals []string
	failing  map[string]string
	// readyAt is when each managed resource was last marked ready.
	readyAt map[string]time.Time
	// endpoints are the API servers that stand in for EKS clusters, by
	// the Cluster's name: their URL and CA, reported as EKS reports them.
	endpoints map[string][2]string
	// argoCDRuns stops the playing of Argo CD's finalizers once Argo CD's
	// own controller runs.
	argoCDRuns atomic.Bool
}

// versionChange is one spec change of a cluster's, node group's or add-on's
// version, as the provider saw it.
type versionChange struct {
	at      time.Time
	kind    string
	name    string
	version string
}

// versionOf is the version a cluster, node group or add-on asks for, and
// whether o is one of those.
func versionOf(o *unstructured.Unstructured) (string, bool) {
	switch o.GetKind() {
	case "Cluster", "NodeGroup":
		v, _, _ := unstructured.NestedString(o.Object, "spec", "forProvider", "version")
		return v, true
	case "Addon":
		v, _, _ := unstructured.NestedString(o.Object, "spec", "forProvider", "addonVersion")
		return v, true
	}
	return "", false
}

func (p *providers) versionChanges() []versionChange {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]versionChange(nil), p.changes...)
}

func (p *providers) readyTime(key string) (time.Time, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	t, ok := p.readyAt[key]
	return t, ok
}

var accountInName = regexp.MustCompile(`^aws-([0-9]{12})$`)

// accountOf reads the account a managed resource lives in from its
// ProviderConfig's name (aws-<account>), as the example Composition names
// them; the central ProviderConfig is the hub account.
func accountOf(o *unstructured.Unstructured) string {
	name, _, _ := unstructured.NestedString(o.Object, "spec", "providerConfigRef", "name")
	if m := accountInName.FindStringSubmatch(name); m != nil {
		return m[1]
	}
	return "111122223333"
}

// argoCDKinds are the Argo CD kinds whose finalizers the providers play
// until Argo CD's own controllers run.
var argoCDKinds = []schema.GroupVersionResource{
	{Group: "argoproj.io", Version: "v1alpha1", Resource: "applications"},
	{Group: "argoproj.io", Version: "v1alpha1", Resource: "appprojects"},
}

// watch starts an informer per played kind: each pass reads the managed
// resources from the informers' caches, which watches keep current,
// rather than listing every kind from the API server three times a second.
func (p *providers) watch(ctx context.Context) {
	factory := dynamicinformer.NewDynamicSharedInformerFactory(p.cp.dyn, 0)
	p.listers = map[schema.GroupVersionResource]cache.GenericLister{}
	for _, gvr := range append(slices.Clone(p.kinds), argoCDKinds...) {
		p.listers[gvr] = factory.ForResource(gvr).Lister()
	}
	factory.Start(ctx.Done())
}

// list is every object of a kind, as the informer's cache holds it, each a
// copy the pass may change.
func (p *providers) list(gvr schema.GroupVersionResource) []unstructured.Unstructured {
	objs, err := p.listers[gvr].List(labels.Everything())
	if err != nil {
		return nil
	}
	out := make([]unstructured.Unstructured, 0, len(objs))
	for _, o := range objs {
		if u, ok := o.(*unstructured.Unstructured); ok {
			out = append(out, *u.DeepCopy())
		}
	}
	return out
}

func (p *providers) run(ctx context.Context) {
	p.watch(ctx)
	for {
		// One view of every managed resource per pass: references resolve
		// and AWS's refusals are judged against what exists.
		lists := map[schema.GroupVersionResource][]unstructured.Unstructured{}
		var world []map[string]any
		for _, gvr := range p.kinds {
			items := p.list(gvr)
			lists[gvr] = items
			for i := range items {
				world = append(world, items[i].Object)
			}
		}
		for _, gvr := range p.kinds {
			p.reconcileKind(ctx, gvr, lists[gvr], world)
		}
		p.removeOrphans(ctx)
		if !p.argoCDRuns.Load() {
			p.playArgoCDFinalizers(ctx)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(300 * time.Millisecond):
		}
	}
}

func (p *providers) fail(format string, a ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.errs) < 50 {
		p.errs = append(p.errs, fmt.Sprintf(format, a...))
	}
}

func (p *providers) reconcileKind(ctx context.Context, gvr schema.GroupVersionResource, items []unstructured.Unstructured, world []map[string]any) {
	for i := range items {
		o := &items[i]
		key := gvr.Resource + "/" + o.GetNamespace() + "/" + o.GetName()
		if o.GetDeletionTimestamp() != nil {
			p.deleteExternal(ctx, gvr, key, o, world)
			continue
		}
		if time.Since(o.GetCreationTimestamp().Time) < p.delay {
			continue
		}
		if msg, failing := p.failingWith(o.GetName()); failing {
			p.setSynced(ctx, gvr, key, o, true, msg)
			continue
		}
		if o.GetKind() == "Object" {
			p.mu.Lock()
			done := p.generations[key] == o.GetGeneration()
			p.mu.Unlock()
			if done {
				continue
			}
			if err := p.applyObject(ctx, key, o); err != nil {
				p.fail("applying Object %s: %v", key, err)
				continue
			}
		} else if !p.due(ctx, gvr, key, o) {
			continue
		} else if why := awsrules.Unresolved(o.Object, world); why != "" {
			// The provider waits until every reference resolves.
			p.setSynced(ctx, gvr, key, o, true, why)
			continue
		} else if why := awsrules.CreateRefused(o.Object, world); why != "" {
			p.refuse(key, "create", why)
			p.setSynced(ctx, gvr, key, o, true, "create failed: "+why)
			continue
		}
		if err := p.markReady(ctx, gvr, o); err != nil && !apierrors.IsNotFound(err) {
			p.fail("marking %s ready: %v", key, err)
			continue
		}
		p.mu.Lock()
		p.seen[key] = o.GetGeneration()
		p.readyAt[key] = time.Now()
		delete(p.updatingSince, key)
		p.mu.Unlock()
	}
}

// due reports whether a managed resource is to be observed now: it is new,
// or its spec changed. A version change of a cluster, node group or add-on
// first makes it UPDATING and not ready, and is carried out stepDelay later.
func (p *providers) due(ctx context.Context, gvr schema.GroupVersionResource, key string, o *unstructured.Unstructured) bool {
	p.mu.Lock()
	last, seen := p.seen[key]
	since, updating := p.updatingSince[key]
	p.mu.Unlock()
	if !seen {
		return true
	}
	if last == o.GetGeneration() {
		return false
	}
	version, versioned := versionOf(o)
	if !versioned {
		return true
	}
	at := "version"
	if o.GetKind() == "Addon" {
		at = "addonVersion"
	}
	running, _, _ := unstructured.NestedString(o.Object, "status", "atProvider", at)
	if running == version {
		return true
	}
	if !updating {
		p.mu.Lock()
		p.updatingSince[key] = time.Now()
		p.changes = append(p.changes, versionChange{at: time.Now(), kind: o.GetKind(), name: o.GetName(), version: version})
		p.mu.Unlock()
		status := map[string]any{"conditions": []any{
			map[string]any{"type": "Ready", "status": "False", "reason": "Updating", "lastTransitionTime": time.Now().UTC().Format(time.RFC3339)},
			map[string]any{"type": "Synced", "status": "True", "reason": "ReconcileSuccess", "lastTransitionTime": time.Now().UTC().Format(time.RFC3339)},
		}}
		if o.GetKind() != "Addon" {
			status["atProvider"] = map[string]any{"status": "UPDATING"}
		}
		if err := mergePatch(ctx, p.cp.dyn.Resource(gvr).Namespace(o.GetNamespace()), o.GetName(), map[string]any{"status": status}, "status"); err != nil && !apierrors.IsNotFound(err) {
			p.fail("marking %s updating: %v", key, err)
		}
		return false
	}
	return time.Since(since) >= p.stepDelay
}

// managedFinalizer is the finalizer the provider puts on every managed
// resource it created: the object stays until the external resource is
// deleted.
const managedFinalizer = "finalizer.managedresource.crossplane.io"

// deleteExternal plays the provider deleting a managed resource's external
// resource: AWS refuses while what it requires gone is still there (the
// refusal is recorded, and tried again on the next pass, as the provider
// retries), and the finalizer goes once it accepts.
func (p *providers) deleteExternal(ctx context.Context, gvr schema.GroupVersionResource, key string, o *unstructured.Unstructured, world []map[string]any) {
	if !slices.Contains(o.GetFinalizers(), managedFinalizer) {
		return
	}
	var others []map[string]any
	for _, w := range world {
		if w["metadata"].(map[string]any)["uid"] != string(o.GetUID()) {
			others = append(others, w)
		}
	}
	if why := awsrules.DeleteRefused(o.Object, others); why != "" {
		p.refuse(key, "delete", why)
		p.setSynced(ctx, gvr, key, o, false, "delete failed: "+why)
		return
	}
	finalizers := slices.DeleteFunc(slices.Clone(o.GetFinalizers()), func(f string) bool { return f == managedFinalizer })
	patch := map[string]any{"metadata": map[string]any{"finalizers": finalizers, "resourceVersion": o.GetResourceVersion()}}
	if err := mergePatch(ctx, p.cp.dyn.Resource(gvr).Namespace(o.GetNamespace()), o.GetName(), patch); err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
		p.fail("removing the finalizer of %s: %v", key, err)
	}
}

// setSynced reports a managed resource not synced, with the provider's
// message, once per message; notReady also marks it not ready, as for a
// resource the provider could not create.
func (p *providers) setSynced(ctx context.Context, gvr schema.GroupVersionResource, key string, o *unstructured.Unstructured, notReady bool, msg string) {
	old := conditionsOf(o)
	if slices.ContainsFunc(old, func(c map[string]any) bool {
		return c["type"] == "Synced" && c["status"] == "False" && c["message"] == msg
	}) {
		return
	}
	now := time.Now().UTC().Format(time.RFC3339)
	conds := []any{map[string]any{"type": "Synced", "status": "False", "reason": "ReconcileError", "message": msg, "lastTransitionTime": now}}
	for _, c := range old {
		switch {
		case c["type"] == "Synced":
		case c["type"] == "Ready" && notReady:
		default:
			conds = append(conds, c)
		}
	}
	if notReady {
		conds = append(conds, map[string]any{"type": "Ready", "status": "False", "reason": "Unavailable", "lastTransitionTime": now})
	}
	if err := mergePatch(ctx, p.cp.dyn.Resource(gvr).Namespace(o.GetNamespace()), o.GetName(), map[string]any{"status": map[string]any{"conditions": conds}}, "status"); err != nil && !apierrors.IsNotFound(err) {
		p.fail("reporting %s: %v", key, err)
	}
	p.mu.Lock()
	delete(p.seen, key) // Observe it again once it may go on.
	p.mu.Unlock()
}

func conditionsOf(o *unstructured.Unstructured) []map[string]any {
	l, _, _ := unstructured.NestedSlice(o.Object, "status", "conditions")
	out := make([]map[string]any, 0, len(l))
	for _, c := range l {
		if m, ok := c.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

// refuse records a call AWS refused: each is an ordering the function
// should have made (a Usage, a reference) and the suite fails on it.
func (p *providers) refuse(key, call, why string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	entry := fmt.Sprintf("%s %s: %s", call, key, why)
	if !slices.Contains(p.refusals, entry) {
		p.refusals = append(p.refusals, entry)
	}
}

func (p *providers) refused() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.refusals)
}

// failWith makes the provider report the managed resource name as failing
// with msg (Synced=False, as a provider does for an error of the cloud's),
// until stopFailing.
func (p *providers) failWith(name, msg string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.failing[name] = msg
}

func (p *providers) stopFailing(name string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.failing, name)
}

func (p *providers) failingWith(name string) (string, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	msg, ok := p.failing[name]
	return msg, ok
}

func (p *providers) markReady(ctx context.Context, gvr schema.GroupVersionResource, o *unstructured.Unstructured) error {
	region, _, _ := unstructured.NestedString(o.Object, "spec", "forProvider", "region")
	sim := providersim.Provider{AccountID: accountOf(o), Region: region, Partition: "aws"}
	obs := sim.Observe(o.Object, true)
	r := p.cp.dyn.Resource(gvr).Namespace(o.GetNamespace())
	if o.GetKind() != "Object" && !slices.Contains(o.GetFinalizers(), managedFinalizer) {
		if err := mergePatch(ctx, r, o.GetName(), map[string]any{"metadata": map[string]any{"finalizers": append(o.GetFinalizers(), managedFinalizer)}}); err != nil {
			return err
		}
	}
	ext, _, _ := unstructured.NestedString(obs.Object, "metadata", "annotations", "crossplane.io/external-name")
	if ext != "" && o.GetAnnotations()["crossplane.io/external-name"] != ext {
		if err := mergePatch(ctx, r, o.GetName(), map[string]any{"metadata": map[string]any{"annotations": map[string]any{"crossplane.io/external-name": ext}}}); err != nil {
			return err
		}
	}
	if len(obs.ConnectionDetails) > 0 {
		ref, _, _ := unstructured.NestedString(o.Object, "spec", "writeConnectionSecretToRef", "name")
		if ref != "" {
			// Owned by the managed resource, as the provider writes it, so it
			// goes with it.
			owner := metav1.OwnerReference{APIVersion: o.GetAPIVersion(), Kind: o.GetKind(), Name: o.GetName(), UID: o.GetUID()}
			s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: ref, Namespace: o.GetNamespace(), OwnerReferences: []metav1.OwnerReference{owner}}, Data: obs.ConnectionDetails}
			if _, err := p.cp.kube.CoreV1().Secrets(o.GetNamespace()).Create(ctx, s, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
				return err
			}
		}
	}
	status := obs.Object["status"]
	p.mu.Lock()
	ep, standIn := p.endpoints[o.GetName()]
	p.mu.Unlock()
	if o.GetKind() == "Cluster" && standIn {
		at := status.(map[string]any)["atProvider"].(map[string]any)
		at["endpoint"] = ep[0]
		at["certificateAuthority"] = []any{map[string]any{"data": ep[1]}}
	}
	if o.GetKind() == "Object" {
		status = map[string]any{"conditions": obs.Object["status"].(map[string]any)["conditions"]}
	}
	return mergePatch(ctx, r, o.GetName(), map[string]any{"status": status}, "status")
}

// applyObject does what provider-kubernetes does for an Object: resolve its
// patchesFrom references and server-side apply the manifest.
func (p *providers) applyObject(ctx context.Context, key string, o *unstructured.Unstructured) error {
	manifest, _, _ := unstructured.NestedMap(o.Object, "spec", "forProvider", "manifest")
	m := &unstructured.Unstructured{Object: manifest}
	refs, _, _ := unstructured.NestedSlice(o.Object, "spec", "references")
	for _, ref := range refs {
		pf, _ := ref.(map[string]any)["patchesFrom"].(map[string]any)
		to, _ := ref.(map[string]any)["toFieldPath"].(string)
		dataKey, ok := strings.CutPrefix(to, "data.")
		if pf == nil || !ok {
			return fmt.Errorf("unsupported reference %v", ref)
		}
		name, _ := pf["name"].(string)
		ns, _ := pf["namespace"].(string)
		field, _ := pf["fieldPath"].(string)
		key := strings.TrimSuffix(strings.TrimPrefix(field, "data["), "]")
		s, err := p.cp.kube.CoreV1().Secrets(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return fmt.Errorf("reference %s/%s: %w", ns, name, err)
		}
		v, ok := s.Data[key]
		if !ok {
			return fmt.Errorf("reference %s/%s has no key %s", ns, name, key)
		}
		if err := unstructured.SetNestedField(m.Object, base64.StdEncoding.EncodeToString(v), "data", dataKey); err != nil {
			return err
		}
	}
	if err := p.cp.apply(ctx, m); err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.applied[key] = m
	p.generations[key] = o.GetGeneration()
	return nil
}

// removeOrphans deletes what an Object wrote once the Object is gone.
func (p *providers) removeOrphans(ctx context.Context) {
	p.mu.Lock()
	keys := make(map[string]*unstructured.Unstructured, len(p.applied))
	for k, v := range p.applied {
		keys[k] = v
	}
	p.mu.Unlock()
	objects := p.cp.dyn.Resource(schema.GroupVersionResource{Group: "kubernetes.m.crossplane.io", Version: "v1alpha1", Resource: "objects"})
	for key, m := range keys {
		parts := strings.SplitN(key, "/", 3)
		if _, err := objects.Namespace(parts[1]).Get(ctx, parts[2], metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			continue
		}
		r, err := p.cp.resource(m.GroupVersionKind(), m.GetNamespace())
		if err == nil {
			err = r.Delete(ctx, m.GetName(), metav1.DeleteOptions{})
		}
		if err == nil || apierrors.IsNotFound(err) {
			p.mu.Lock()
			delete(p.applied, key)
			delete(p.generations, key)
			p.mu.Unlock()
		}
	}
}

func (p *providers) errors() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.errs...)
}

// playArgoCDFinalizers does what Argo CD does for a deleted Application or
// AppProject with its resources finalizer: once it has cleaned up, it
// removes the finalizer.
func (p *providers) playArgoCDFinalizers(ctx context.Context) {
	for _, gvr := range argoCDKinds {
		r := p.cp.dyn.Resource(gvr)
		for _, o := range p.list(gvr) {
			if o.GetDeletionTimestamp() == nil || len(o.GetFinalizers()) == 0 {
				continue
			}
			if err := mergePatch(ctx, r.Namespace(o.GetNamespace()), o.GetName(), map[string]any{"metadata": map[string]any{"finalizers": nil}}); err != nil && !apierrors.IsNotFound(err) {
				p.fail("removing the finalizer of %s %s: %v", gvr.Resource, o.GetName(), err)
			}
		}
	}
}
