// Package repocheck gives a platform repository's XR manifests the verdict
// they will get after merge, before it: each XR goes through the function's
// own reading, defaults, validation and name derivation (fn.Function's
// Verdict, with the Composition's Input and the platform settings), and the
// XRs are then checked together for what only a repository-wide look can
// see: two XRs that derive one name, and one team's clusters in one account
// and region whose VPC CIDRs overlap.
package repocheck

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"

	"google.golang.org/protobuf/types/known/structpb"
	"sigs.k8s.io/yaml"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"

	"github.com/eks-gitops/function-eks-gitops/fn"
	"github.com/eks-gitops/function-eks-gitops/input/v1beta1"
	"github.com/eks-gitops/function-eks-gitops/internal/compose"
	"github.com/eks-gitops/function-eks-gitops/internal/platformsettings"
)

// Finding is one problem in one file.
type Finding struct {
	File string `json:"file"`
	// Line and Column are where in File the problem's field is written,
	// when that is known (1-based; 0 otherwise).
	Line   int `json:"line,omitempty"`
	Column int `json:"column,omitempty"`
	// Field is the field the problem is about, when it names one.
	Field string `json:"field,omitempty"`
	// What is the kind of problem, as the function's Fatal result names it
	// (e.g. "invalid XR").
	What string `json:"rule"`
	// Detail is one field's error, or the whole message of an error that
	// names no field.
	Detail string `json:"message"`
	// Severity is SeverityError, which fails the check, or SeverityWarning:
	// a problem of a file outside the change.
	Severity string `json:"severity"`
}

// Severities of a finding.
const (
	SeverityError   = "error"
	SeverityWarning = "warning"
)

func (f Finding) String() string {
	s := f.File + ": " + f.What + ": " + f.Detail
	if f.Severity == SeverityWarning {
		s = "warning: " + s
	}
	return s
}

// Checker checks XR files against Compositions and platform settings.
type Checker struct {
	fn *fn.Function
	// inputs are the function's Inputs by the XR apiVersion and kind their
	// Composition serves.
	inputs map[string]*structpb.Struct
	// settings is the platform settings object, when one is given, and
	// settingsFile the file it is in.
	settings     *structpb.Struct
	settingsFile string
	// namespaced are the XR kinds ("apiVersion/kind") the given XRDs
	// declare namespaced.
	namespaced map[string]bool
	// bindings are the cluster-scoped binding of each XR kind, read once.
	mu       sync.Mutex
	bindings map[string]v1beta1.ClusterScopedBinding
	// base reads changed files as they were before the change, when
	// edits are judged (WithBase).
	base Base
}

// New returns a Checker for the Compositions and platform settings in the
// given files.
func New(f *fn.Function, compositions []string, settings string) (*Checker, error) {
	sources := make([]Source, len(compositions))
	for i, path := range compositions {
		b, err := os.ReadFile(path) //nolint:gosec // The command's arguments.
		if err != nil {
			return nil, err
		}
		sources[i] = Source{Name: path, Data: b}
	}
	return NewFromSources(f, sources, settings)
}

// Source is a file's name and content.
type Source struct {
	Name string
	Data []byte
}

// NewFromSources is New for Compositions given as content, e.g. the ones
// built into the binary.
func NewFromSources(f *fn.Function, compositions []Source, settings string) (*Checker, error) {
	c := &Checker{fn: f, inputs: map[string]*structpb.Struct{}, namespaced: map[string]bool{}, bindings: map[string]v1beta1.ClusterScopedBinding{}}
	for _, src := range compositions {
		path := src.Name
		docs, err := Docs(path, bytes.NewReader(src.Data))
		if err != nil {
			return nil, err
		}
		for _, d := range docs {
			if d["kind"] == "CompositeResourceDefinition" {
				c.recordScope(d)
				continue
			}
			if d["kind"] != "Composition" {
				continue
			}
			ref, _ := d["spec"].(map[string]any)["compositeTypeRef"].(map[string]any)
			key := fmt.Sprint(ref["apiVersion"], "/", ref["kind"])
			in := fnInput(d)
			if in == nil {
				continue
			}
			if _, dup := c.inputs[key]; dup {
				return nil, fmt.Errorf("%s: a second Composition for %s: give one Composition per XR kind", path, key)
			}
			s, err := structpb.NewStruct(in)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", path, err)
			}
			c.inputs[key] = s
		}
	}
	if len(c.inputs) == 0 {
		return nil, errors.New("no Composition with a step of this function among the given Compositions")
	}
	if settings == "" {
		for _, key := range slices.Sorted(maps.Keys(c.inputs)) {
			if name := c.inputs[key].GetFields()["platformSettings"].GetStructValue().GetFields()["environmentConfigName"].GetStringValue(); name != "" {
				return nil, fmt.Errorf("the Composition for %s reads the platform settings from %s %s: give that object's manifest with --settings", key, platformsettings.Kind, name)
			}
		}
	}
	if settings != "" {
		docs, err := readDocs(settings)
		if err != nil {
			return nil, err
		}
		for _, d := range docs {
			if d["kind"] == platformsettings.Kind {
				s, err := structpb.NewStruct(d)
				if err != nil {
					return nil, fmt.Errorf("%s: %w", settings, err)
				}
				c.settings, c.settingsFile = s, settings
			}
		}
		if c.settings == nil {
			return nil, fmt.Errorf("%s: no %s", settings, platformsettings.Kind)
		}
	}
	return c, nil
}

// recordScope notes which of an XRD's kinds are namespaced.
func (c *Checker) recordScope(xrd map[string]any) {
	spec, _ := xrd["spec"].(map[string]any)
	if spec["scope"] != "Namespaced" {
		return
	}
	names, _ := spec["names"].(map[string]any)
	versions, _ := spec["versions"].([]any)
	for _, v := range versions {
		vm, _ := v.(map[string]any)
		c.namespaced[fmt.Sprint(spec["group"], "/", vm["name"], "/", names["kind"])] = true
	}
}

// fnInput is the Input of the Composition's step that runs this function.
func fnInput(c map[string]any) map[string]any {
	spec, _ := c["spec"].(map[string]any)
	steps, _ := spec["pipeline"].([]any)
	for _, st := range steps {
		in, _ := st.(map[string]any)["input"].(map[string]any)
		if v, _ := in["apiVersion"].(string); v == fn.InputAPIVersion {
			return in
		}
	}
	return nil
}

// xr is one XR manifest and where it is.
type xr struct {
	file  string
	obj   map[string]any
	input *structpb.Struct
}

// key is the XR's "apiVersion/kind", as the Compositions serve it.
func (x xr) key() string { return fmt.Sprint(x.obj["apiVersion"], "/", x.obj["kind"]) }

func (x xr) id() string {
	md, _ := x.obj["metadata"].(map[string]any)
	id := fmt.Sprint(x.obj["kind"], " ")
	if ns, _ := md["namespace"].(string); ns != "" {
		id += ns + "/"
	}
	return id + fmt.Sprint(md["name"])
}

// Check checks every XR in the files and returns the findings, in file
// order: each XR's own first, then what the XRs share.
func (c *Checker) Check(files []string) ([]Finding, error) {
	return c.CheckChanged(files, nil)
}

// CheckChanged checks the changed files against the rest of the
// repository: only the changed files' own findings are reported, and what
// they share with the context files (shared names, overlapping networks),
// so a pull request is judged on what it changes. A file in both lists
// counts as changed.
func (c *Checker) CheckChanged(changed, context []string) ([]Finding, error) {
	isChanged := map[string]bool{}
	for _, f := range changed {
		isChanged[fileKey(f)] = true
	}
	var files []string
	for _, f := range context {
		if !isChanged[fileKey(f)] {
			files = append(files, f)
		}
	}
	// Context first: a name two XRs share is reported on the later one.
	files = append(files, changed...)
	findings, err := c.check(files, isChanged)
	if err != nil || len(context) == 0 {
		return findings, err
	}
	var out []Finding
	for _, f := range findings {
		switch {
		case isChanged[fileKey(f.File)], f.File == c.settingsFile:
			out = append(out, f)
		case f.What == whatUnreadable:
			// Another team's broken file must not fail this change; it
			// is said, so no one wonders why it was not checked.
			f.Severity = SeverityWarning
			out = append(out, f)
		}
	}
	return out, nil
}

// fileKey is what identifies a file however its path is written: absolute
// or relative, from any directory, through symbolic links. A changed file
// also found in the context must be one file, or it would share every name
// with itself.
func fileKey(path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		return filepath.Clean(path)
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		return real
	}
	return abs
}

// check checks the files; the XRs of changed ones (all when changed is
// empty) are judged as edits too, when a base is given.
func (c *Checker) check(files []string, changed map[string]bool) ([]Finding, error) {
	var xrs []xr
	var findings []Finding
	for _, path := range files {
		if f := outOfBounds(path); f != nil {
			findings = append(findings, *f)
			continue
		}
		docs, err := readDocs(path)
		if err != nil {
			findings = append(findings, unreadable(path, err))
			continue
		}
		if len(docs) == 0 {
			findings = append(findings, Finding{File: path, What: whatUnreadable, Detail: "no manifest in it: an empty file in the platform repository is a mistake; add the XR or delete the file"})
			continue
		}
		for _, d := range docs {
			key := fmt.Sprint(d["apiVersion"], "/", d["kind"])
			in, ok := c.inputs[key]
			if !ok {
				findings = append(findings, Finding{File: path, What: "not checked", Detail: fmt.Sprintf("%s is no XR kind of the given Compositions (%s)", key, strings.Join(slices.Sorted(maps.Keys(c.inputs)), ", "))})
				continue
			}
			xrs = append(xrs, xr{file: path, obj: d, input: in})
		}
	}
	// The XRs are judged in parallel, as the function serves calls; the
	// findings keep the files' order.
	type verdict struct {
		findings []Finding
		p        *compose.Params
		err      error
	}
	verdicts := make([]verdict, len(xrs))
	next := make(chan int)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := range next {
				x := xrs[i]
				req, err := c.request(x)
				if err != nil {
					verdicts[i].findings = []Finding{{File: x.file, What: "invalid manifest", Detail: err.Error()}}
					continue
				}
				if f := crossplaneMachinery(x); f != nil {
					verdicts[i].findings = []Finding{*f}
					continue
				}
				if f := c.layout(x, req); len(f) > 0 {
					verdicts[i].findings = f
					continue
				}
				if f := c.syncedFromFolder(x, req); f != nil {
					verdicts[i].findings = []Finding{*f}
					continue
				}
				if err := c.fn.Verdict(req); err != nil {
					verdicts[i].findings = findingsOf(x.file, err)
					continue
				}
				p, err := c.fn.Params(req)
				if err != nil {
					verdicts[i].err = fmt.Errorf("%s: accepted but its parameters are not: %w", x.file, err)
					continue
				}
				verdicts[i].p = &p
				if c.base != nil && (len(changed) == 0 || changed[fileKey(x.file)]) {
					verdicts[i].findings, verdicts[i].err = c.edits(x, p)
				}
			}
		})
	}
	for i := range xrs {
		next <- i
	}
	close(next)
	wg.Wait()
	accepted := make([]acceptedXR, 0, len(xrs))
	for i, v := range verdicts {
		if v.err != nil {
			return nil, v.err
		}
		var pos *positions
		if len(v.findings) > 0 {
			pos = positionsOf(xrs[i].file)
		}
		md, _ := xrs[i].obj["metadata"].(map[string]any)
		name, _ := md["name"].(string)
		namespace, _ := md["namespace"].(string)
		for _, f := range v.findings {
			if field, _, ok := strings.Cut(f.Detail, ": "); ok && fieldRe.MatchString(field) {
				f.Field = field
				f.Line, f.Column = pos.of(name, namespace, field)
			}
			findings = append(findings, f)
		}
		if v.p != nil {
			accepted = append(accepted, acceptedXR{xr: xrs[i], p: *v.p})
		}
	}
	findings = append(findings, sharedNames(accepted)...)
	findings = append(findings, overlappingVPCs(accepted)...)
	findings = c.onTheSettingsFile(findings)
	for i := range findings {
		if findings[i].Severity == "" {
			findings[i].Severity = SeverityError
		}
	}
	return findings, nil
}

// onTheSettingsFile moves the platform settings' own problems, which every
// XR's verdict repeats, to the settings file, once each.
func (c *Checker) onTheSettingsFile(findings []Finding) []Finding {
	if c.settings == nil {
		return findings
	}
	name := c.settings.GetFields()["metadata"].GetStructValue().GetFields()["name"].GetStringValue()
	prefix := platformsettings.Kind + " " + name + "."
	pos := positionsOf(c.settingsFile)
	seen := map[string]bool{}
	out := findings[:0]
	for _, f := range findings {
		if rest, ok := strings.CutPrefix(f.Detail, prefix); ok {
			field, _, _ := strings.Cut(rest, ": ")
			f = Finding{File: c.settingsFile, Field: field, What: f.What, Detail: f.Detail}
			f.Line, f.Column = pos.of(name, "", field)
			if seen[f.Detail] {
				continue
			}
			seen[f.Detail] = true
		}
		out = append(out, f)
	}
	return out
}

// whatUnreadable is the kind of a file's own problem that stops it from
// being read: it does not parse, or holds nothing.
const whatUnreadable = "unreadable manifest"

// fieldRe is a field path as the function's errors begin with one.
var fieldRe = regexp.MustCompile(`^(spec|metadata|input)(\.[A-Za-z0-9]+|\[[^\]]*\])*$`)

// unreadable is a file that does not parse, at the line the parser names.
func unreadable(path string, err error) Finding {
	f := Finding{File: path, What: whatUnreadable, Detail: strings.TrimPrefix(err.Error(), path+": ")}
	var doc int
	if _, serr := fmt.Sscanf(f.Detail, "document %d:", &doc); serr == nil {
		if m := yamlLineRe.FindStringSubmatch(f.Detail); m != nil {
			line, _ := strconv.Atoi(m[1])
			if b, rerr := os.ReadFile(path); rerr == nil { //nolint:gosec // A file validate was given.
				start := 1
				for _, d := range splitDocs(string(b))[:doc-1] {
					start += docLines(d)
				}
				f.Line = start + line - 1
			}
		}
	}
	return f
}

// request is the RunFunctionRequest Crossplane would send for a new XR:
// nothing observed yet, the Composition's Input, and the platform settings
// when the Input names them.
func (c *Checker) request(x xr) (*fnv1.RunFunctionRequest, error) {
	o, err := structpb.NewStruct(x.obj)
	if err != nil {
		return nil, err
	}
	req := &fnv1.RunFunctionRequest{
		Meta:     &fnv1.RequestMeta{Tag: "validate"},
		Input:    x.input,
		Observed: &fnv1.State{Composite: &fnv1.Resource{Resource: o}},
		Desired:  &fnv1.State{},
	}
	if x.input.GetFields()["platformSettings"] != nil {
		items := &fnv1.Resources{}
		if c.settings != nil {
			items.Items = []*fnv1.Resource{{Resource: c.settings}}
		}
		req.RequiredResources = map[string]*fnv1.Resources{fn.SettingsRequirement: items}
	}
	return req, nil
}

// crossplaneMachinery reports a manifest that writes spec.crossplane:
// Crossplane's own fields, which pick the Composition and its revision and
// list the composed resources. A team has no reason to write them, and
// through them could pin an old Composition revision or hand the function
// objects of its own as composed resources.
func crossplaneMachinery(x xr) *Finding {
	spec, _ := x.obj["spec"].(map[string]any)
	if _, ok := spec["crossplane"]; !ok {
		return nil
	}
	return &Finding{File: x.file, What: "invalid manifest", Detail: "spec.crossplane: Forbidden: Crossplane's own fields (the Composition, its revision, the composed resources) are the platform's; remove them"}
}

// syncedFromFolder writes on a cluster-scoped XR in a team's folder
// (tenancy.clusterScopedBinding.folder) the annotation Argo CD writes when that folder's
// Application syncs it, so the verdict is the one the XR gets after the
// merge: bound to the team whose folder it is in. A manifest that writes
// the annotation itself is told that Argo CD writes it. XRs outside that
// layout are judged as written.
func (c *Checker) syncedFromFolder(x xr, req *fnv1.RunFunctionRequest) *Finding {
	md, _ := x.obj["metadata"].(map[string]any)
	if ns, _ := md["namespace"].(string); ns != "" {
		return nil
	}
	b, team, ok := c.folderTeam(x, req)
	if !ok {
		return nil
	}
	if ann, _ := md["annotations"].(map[string]any); ann != nil {
		if _, ok := ann[b.Annotation]; ok {
			return &Finding{File: x.file, What: "invalid manifest", Detail: fmt.Sprintf("metadata.annotations[%s]: Forbidden: Argo CD writes this annotation when it syncs the team's folder, over what the manifest says; remove it", b.Annotation)}
		}
	}
	xrMD := req.GetObserved().GetComposite().GetResource().GetFields()["metadata"].GetStructValue()
	anns := xrMD.GetFields()["annotations"].GetStructValue()
	if anns == nil {
		anns = &structpb.Struct{Fields: map[string]*structpb.Value{}}
		xrMD.Fields["annotations"] = structpb.NewStructValue(anns)
	}
	group, _, _ := strings.Cut(fmt.Sprint(x.obj["apiVersion"]), "/")
	anns.Fields[b.Annotation] = structpb.NewStringValue(v1beta1.TrackingID(b.ApplicationOf(team), group, fmt.Sprint(x.obj["kind"]), "", fmt.Sprint(md["name"])))
	return nil
}

// binding is how the Input and settings of the XR's kind bind a
// cluster-scoped XR to its team. It depends on nothing of the XR, so it is
// read once per kind rather than once per XR.
func (c *Checker) binding(x xr, req *fnv1.RunFunctionRequest) (v1beta1.ClusterScopedBinding, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if b, ok := c.bindings[x.key()]; ok {
		return b, nil
	}
	b, err := c.fn.ClusterScopedBinding(req)
	if err != nil {
		return b, err
	}
	c.bindings[x.key()] = b
	return b, nil
}

// findingsOf splits a refusal into one finding per field.
func findingsOf(file string, err error) []Finding {
	what, details := fn.Refusal(err)
	out := make([]Finding, len(details))
	for i, d := range details {
		out[i] = Finding{File: file, What: what, Detail: d}
	}
	return out
}

type acceptedXR struct {
	xr
	p compose.Params
}

// sharedNames finds names two XRs would both derive: both would write the
// same AWS resource or Argo CD object, and the later one would take the
// earlier one's over. Hashed names make this take two manifests of one XR,
// and the check keeps holding if naming ever changes.
func sharedNames(xrs []acceptedXR) []Finding {
	type owner struct {
		index    int
		file, id string
	}
	type key struct{ scope, name string }
	first := map[key]owner{}
	var out []Finding
	for i, x := range xrs {
		// One finding per XR it collides with, naming every shared name:
		// a copied file is one problem, not one per name.
		shared := map[owner][]string{}
		var owners []owner
		for _, n := range x.p.DerivedNames() {
			if n.Scope == "" {
				continue
			}
			k := key{n.Scope, n.Name}
			o, ok := first[k]
			if !ok {
				first[k] = owner{index: i, file: x.file, id: x.id()}
				continue
			}
			if o.index == i {
				continue
			}
			if _, seen := shared[o]; !seen {
				owners = append(owners, o)
			}
			shared[o] = append(shared[o], fmt.Sprintf("%s %q", n.What, n.Name))
		}
		for _, o := range owners {
			out = append(out, Finding{File: x.file, What: "names shared with another XR", Detail: fmt.Sprintf(
				"%s derives the names of %s in %s: %s; one would take over the other's", x.id(), o.id, o.file, strings.Join(shared[o], ", "))})
		}
	}
	return out
}

// overlappingVPCs finds two clusters of one team in one account and region
// whose VPC CIDRs overlap: they can never be peered or joined through a
// transit gateway, which is how a team's clusters usually talk.
func overlappingVPCs(xrs []acceptedXR) []Finding {
	var out []Finding
	for i, a := range xrs {
		pa, err := netip.ParsePrefix(a.p.Spec.Network.VPCCIDR)
		if err != nil {
			continue
		}
		for _, b := range xrs[:i] {
			if a.p.Spec.Team.Name != b.p.Spec.Team.Name || a.p.Spec.AWS != b.p.Spec.AWS {
				continue
			}
			pb, err := netip.ParsePrefix(b.p.Spec.Network.VPCCIDR)
			if err != nil || !pa.Overlaps(pb) {
				continue
			}
			out = append(out, Finding{File: a.file, What: "overlapping networks", Detail: fmt.Sprintf(
				"spec.network.vpcCidr: %s of %s overlaps %s of %s in %s, both team %s's in account %s, %s: choose disjoint CIDRs so the clusters can be connected",
				pa, a.id(), pb, b.id(), b.file, a.p.Spec.Team.Name, a.p.Spec.AWS.AccountID, a.p.Spec.AWS.Region)})
		}
	}
	return out
}

// MaxManifestBytes is the largest manifest validate reads: far above any
// XR (the API server stores at most about 1.5 MiB per object), far below
// what would slow a pull request's check.
const MaxManifestBytes = 1 << 20

// outOfBounds reports a manifest validate must not read: a symbolic link
// that leads out of the working directory (the repository CI checks out),
// whose target's contents would otherwise reach the output, or a file
// larger than MaxManifestBytes.
func outOfBounds(path string) *Finding {
	abs, err := filepath.Abs(path)
	if err != nil {
		return &Finding{File: path, What: "not checked", Detail: err.Error()}
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return &Finding{File: path, What: "not checked", Detail: "cannot resolve the path: " + err.Error()}
	}
	if real != abs {
		wd, err := os.Getwd()
		if err == nil {
			wd, err = filepath.EvalSymlinks(wd)
		}
		if rel, rerr := filepath.Rel(wd, real); err != nil || rerr != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return &Finding{File: path, What: "not checked", Detail: "a symbolic link that leads out of the repository; validate reads only the repository's own files"}
		}
	}
	info, err := os.Stat(real)
	if err != nil {
		return &Finding{File: path, What: "not checked", Detail: err.Error()}
	}
	if info.Size() > MaxManifestBytes {
		return &Finding{File: path, What: "not checked", Detail: fmt.Sprintf("%d bytes, more than the %d a manifest may have", info.Size(), MaxManifestBytes)}
	}
	return nil
}

// readDocs reads every YAML document of a file that is an object.
func readDocs(path string) ([]map[string]any, error) {
	b, err := os.ReadFile(path) //nolint:gosec // The files to check are the command's arguments.
	if err != nil {
		return nil, err
	}
	return Docs(path, bytes.NewReader(b))
}

// Docs splits a YAML stream into its objects; empty documents are skipped.
func Docs(name string, r io.Reader) ([]map[string]any, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	if t := bytes.TrimSpace(b); len(t) > 0 && t[0] == '{' {
		// A JSON manifest. JSON is YAML too, but the YAML reader refuses
		// some characters JSON carries unescaped.
		o := map[string]any{}
		if err := json.Unmarshal(t, &o); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		return []map[string]any{o}, nil
	}
	var out []map[string]any
	for i, d := range splitDocs(string(b)) {
		o := map[string]any{}
		if err := yaml.Unmarshal([]byte(d), &o); err != nil {
			return nil, fmt.Errorf("%s: document %d: %w", name, i+1, err)
		}
		if len(o) > 0 {
			out = append(out, o)
		}
	}
	return out, nil
}

func splitDocs(s string) []string {
	var docs []string
	var cur []string
	for _, line := range strings.Split(s, "\n") {
		if strings.TrimRight(line, " \t\r") == "---" {
			docs = append(docs, strings.Join(cur, "\n"))
			cur = nil
			continue
		}
		cur = append(cur, line)
	}
	return append(docs, strings.Join(cur, "\n"))
}

// Files expands the paths: a file as is, a directory into its *.yaml,
// *.yml and *.json files, recursively, in lexical order.
func Files(paths []string) ([]string, error) {
	var out []string
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !info.IsDir() {
			out = append(out, p)
			continue
		}
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() && (strings.HasSuffix(path, ".yaml") || strings.HasSuffix(path, ".yml") || strings.HasSuffix(path, ".json")) {
				out = append(out, path)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}
