// Package fuzzcase turns the arguments of the function's fuzz targets into
// the XR and Input they stand for, and reads the targets' committed corpora.
// The fuzz targets and the conformance module share it: every case the
// fuzzer found and the corpus keeps is rendered and, when the function
// accepts it, validated against the providers' schemas.
package fuzzcase

import (
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"k8s.io/apimachinery/pkg/runtime"

	"github.com/eks-gitops/function-eks-gitops/input/v1beta1"
)

// Targets whose cases stand for an XR and an Input.
const (
	TargetTeam  = "FuzzRunFunction"
	TargetSpec  = "FuzzParseSpec"
	TargetInput = "FuzzInput"
)

// Team are FuzzRunFunction's arguments: the fields of a product team's XR.
type Team struct {
	Team, Members, Region, Account, CIDR, Pool string
	MinSize, DesiredSize, MaxSize              int64
	Environment                                string
}

// TeamSeeds are FuzzRunFunction's seeds.
var TeamSeeds = []Team{
	{"payments", "alice,bob", "eu-west-1", "444455556666", "10.20.0.0/16", "general", 2, 3, 6, "dev"},
	{"a", "", "us-east-1", "000000000000", "192.168.0.0/23", "p", 0, 0, 1, "e"},
	{"team\ng, x, role:admin", "bob\n", "cn-north-1", "12", "10.0.0.0/8", "UPPER", -1, 5, 2, "Prod"},
	{"team*", "a,b,a", "us-gov-west-1", "123456789012", "172.16.0.0/12", "x,y", 3, 2, 1, ""},
}

// TeamOf reads FuzzRunFunction's arguments from a corpus file's.
func TeamOf(args []any) (Team, error) {
	var t Team
	if len(args) != 10 {
		return t, fmt.Errorf("%d arguments, want 10", len(args))
	}
	strs := []*string{&t.Team, &t.Members, &t.Region, &t.Account, &t.CIDR, &t.Pool}
	for i, p := range strs {
		s, ok := args[i].(string)
		if !ok {
			return t, fmt.Errorf("argument %d is %T, want string", i, args[i])
		}
		*p = s
	}
	for i, p := range []*int64{&t.MinSize, &t.DesiredSize, &t.MaxSize} {
		n, ok := args[6+i].(int64)
		if !ok {
			return t, fmt.Errorf("argument %d is %T, want int64", 6+i, args[6+i])
		}
		*p = n
	}
	env, ok := args[9].(string)
	if !ok {
		return t, fmt.Errorf("argument 9 is %T, want string", args[9])
	}
	t.Environment = env
	return t, nil
}

// Strings are the team's string arguments.
func (t Team) Strings() []string {
	return []string{t.Team, t.Members, t.Region, t.Account, t.CIDR, t.Pool, t.Environment}
}

// SpecSeeds are FuzzParseSpec's seeds: the XR's spec as JSON.
var SpecSeeds = []string{
	`{"team":{"name":"payments"},"environment":"dev","aws":{"accountId":"444455556666","region":"eu-west-1"},"network":{"vpcCidr":"10.0.0.0/16"}}`,
	`{"team":{"name":"a","members":[1,2]},"nodePools":[{"name":"x","minSize":1.5}]}`,
	`{"network":{"availabilityZones":-3,"zones":["a"]},"tags":{"aws:x":"y"}}`,
	`{"crossplane":{"compositionRef":{"name":"x"}},"addons":{"versions":{"vpc-cni":null}}}`,
}

// InputSeeds are FuzzInput's seeds: the Input as JSON.
var InputSeeds = []string{
	`{"apiVersion":"eksgitops.fn.crossplane.io/v1beta1","kind":"Input","argocd":{"hubRoleArn":"arn:aws:iam::111122223333:role/hub"},"cognito":{"userPoolId":"eu-west-1_AbC","region":"eu-west-1"},"repository":{"accountId":"111122223333","region":"eu-west-1"}}`,
	`{"apiVersion":"eksgitops.fn.crossplane.io/v1beta1","kind":"Input","natGateways":"Single","endpointAccess":{"public":true,"publicAccessCidrs":["0.0.0.0/0"]},"argocd":{"hubRoleArn":"arn:aws-cn:iam::111122223333:role/hub","accessMode":"HubRole","clusterResourceAllowList":[{"group":"*","kind":"*"}]}}`,
	`{"providerConfigRef":{"name":"aws-{accountId}-{team}"},"ttl":"-5s","tags":{"aws:x":"y"},"unknown":1}`,
}

// XR is the cluster-scoped XR the team's arguments stand for.
func (t Team) XR() map[string]any {
	return SpecXR(map[string]any{
		"team":        map[string]any{"name": t.Team, "members": splitList(t.Members)},
		"environment": t.Environment,
		"aws":         map[string]any{"accountId": t.Account, "region": t.Region},
		"network":     map[string]any{"vpcCidr": t.CIDR},
		"nodePools": []any{map[string]any{
			"name": t.Pool, "minSize": t.MinSize, "desiredSize": t.DesiredSize, "maxSize": t.MaxSize,
		}},
	})
}

// SpecXR is a cluster-scoped XR with the given spec, synced by the Argo CD
// Application of the folder of the team it names (when it names one), as
// the platform repository's ApplicationSet would sync it.
func SpecXR(spec map[string]any) map[string]any {
	md := map[string]any{"name": "fuzz"}
	if team, ok := spec["team"].(map[string]any); ok {
		if name, ok := team["name"].(string); ok {
			app := v1beta1.ClusterScopedBinding{Application: v1beta1.DefaultBindingApplication}.ApplicationOf(name)
			md["annotations"] = map[string]any{v1beta1.DefaultBindingAnnotation: v1beta1.TrackingID(app, "platform.eks-gitops.dev", "TeamCluster", "", "fuzz")}
		}
	}
	return map[string]any{
		"apiVersion": "platform.eks-gitops.dev/v1alpha1",
		"kind":       "TeamCluster",
		"metadata":   md,
		"spec":       spec,
	}
}

// JSONObject decodes s as a JSON object (null is an empty one); ok is false
// when it is not one.
func JSONObject(s string) (m map[string]any, ok bool) {
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return nil, false
	}
	return m, true
}

func splitList(s string) []any {
	if s == "" {
		return nil
	}
	var out []any
	for _, p := range strings.Split(s, ",") {
		out = append(out, p)
	}
	return out
}

// ReadCorpus reads every file of a fuzz target's corpus directory, as
// `go test -fuzz` writes them, and returns each file's arguments by file
// name. A missing directory is an empty corpus.
func ReadCorpus(dir string) (map[string][]any, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	out := map[string][]any{}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name())) //nolint:gosec // The committed corpus.
		if err != nil {
			return nil, err
		}
		args, err := parseCorpusFile(string(b))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", filepath.Join(dir, e.Name()), err)
		}
		out[e.Name()] = args
	}
	return out, nil
}

// parseCorpusFile parses the "go test fuzz v1" format: one Go expression a
// line, a conversion of a literal to the argument's type.
func parseCorpusFile(s string) ([]any, error) {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) == 0 || lines[0] != "go test fuzz v1" {
		return nil, errors.New("not a fuzz corpus file")
	}
	var args []any
	for _, line := range lines[1:] {
		if line = strings.TrimSpace(line); line == "" {
			continue
		}
		v, err := parseArg(line)
		if err != nil {
			return nil, fmt.Errorf("%q: %w", line, err)
		}
		args = append(args, v)
	}
	return args, nil
}

func parseArg(line string) (any, error) {
	expr, err := parser.ParseExpr(line)
	if err != nil {
		return nil, err
	}
	call, ok := expr.(*ast.CallExpr)
	if !ok || len(call.Args) != 1 {
		return nil, errors.New("want a conversion such as string(\"x\")")
	}
	arg, sign := call.Args[0], ""
	if u, ok := arg.(*ast.UnaryExpr); ok && u.Op == token.SUB {
		arg, sign = u.X, "-"
	}
	lit, ok := arg.(*ast.BasicLit)
	if !ok {
		return nil, errors.New("want a literal argument")
	}
	typ := ""
	switch f := call.Fun.(type) {
	case *ast.Ident:
		typ = f.Name
	case *ast.ArrayType:
		typ = "[]byte"
	}
	switch {
	case typ == "string" && lit.Kind == token.STRING:
		return strconv.Unquote(lit.Value)
	case typ == "[]byte" && lit.Kind == token.STRING:
		s, err := strconv.Unquote(lit.Value)
		return []byte(s), err
	case typ == "int64" && lit.Kind == token.INT:
		return strconv.ParseInt(sign+lit.Value, 0, 64)
	case (typ == "byte" || typ == "uint8") && lit.Kind == token.CHAR:
		r, _, _, err := strconv.UnquoteChar(lit.Value[1:len(lit.Value)-1], '\'')
		if err != nil || r > 0xff {
			return nil, fmt.Errorf("not a byte: %s", lit.Value)
		}
		return uint8(r), nil //nolint:gosec // At most 0xff, checked above.
	case (typ == "byte" || typ == "uint8") && lit.Kind == token.INT:
		n, err := strconv.ParseUint(lit.Value, 0, 8)
		return uint8(n), err
	}
	return nil, fmt.Errorf("unsupported argument type %s", typ)
}

var (
	grantable = regexp.MustCompile(`^[a-z]([a-z0-9-]*[a-z0-9])?$`)
	accountRe = regexp.MustCompile(`^[0-9]{12}$`)
)

// Granted returns a copy of the Input that also grants the XR's team the
// account the XR asks for, so a fuzzed XR is judged on everything else; the
// grant rules have their own tests. An XR without a string team name and
// account is left to be refused.
func Granted(input, xr map[string]any) map[string]any {
	out, _ := runtime.DeepCopyJSONValue(input).(map[string]any)
	spec, _ := xr["spec"].(map[string]any)
	team, _ := spec["team"].(map[string]any)
	aws, _ := spec["aws"].(map[string]any)
	name, ok1 := team["name"].(string)
	account, ok2 := aws["accountId"].(string)
	if out == nil || !ok1 || !ok2 || !grantable.MatchString(name) || len(name) > 32 || !accountRe.MatchString(account) {
		// A grant the Input would refuse would hide what is wrong with
		// the XR: the XR is refused for its team or account instead.
		return out
	}
	tenancy, _ := out["tenancy"].(map[string]any)
	if tenancy == nil {
		tenancy = map[string]any{}
		out["tenancy"] = tenancy
	}
	teams, _ := tenancy["teams"].([]any)
	grant := map[string]any{"name": name, "accountIds": []any{account}}
	if md, _ := xr["metadata"].(map[string]any); md != nil {
		if ns, ok := md["namespace"].(string); ok && ns != "" {
			grant["namespaces"] = []any{ns}
		}
	}
	// Replace an existing grant of the same team, so the Input stays valid.
	kept := []any{}
	for _, t := range teams {
		if m, _ := t.(map[string]any); m == nil || m["name"] != name {
			kept = append(kept, t)
		}
	}
	tenancy["teams"] = append(kept, grant)
	// Likewise the XR's environment, where the Input lists the platform's:
	// with the defaults of none.
	envs, _ := out["environments"].(map[string]any)
	if env, ok := spec["environment"].(string); ok && envs != nil && grantable.MatchString(env) && len(env) <= 32 {
		if _, listed := envs[env]; !listed {
			envs[env] = map[string]any{}
		}
	}
	return out
}

// Case is an XR and Input a fuzz target's arguments stand for.
type Case struct {
	Name      string
	XR, Input map[string]any
}

// Cases returns the cases of the seeds and committed corpora (under
// corpus) of the fuzz targets that stand for an XR and an Input, skipping
// what those targets skip (arguments that are not UTF-8 or not JSON
// objects). Teams and specs run with exampleInput, granted what they ask
// for; Inputs with exampleXR.
func Cases(corpus string, exampleXR, exampleInput map[string]any) ([]Case, error) {
	args := func(target string, seeds []string) ([]string, map[string][]any, error) {
		all, err := ReadCorpus(filepath.Join(corpus, target))
		if err != nil {
			return nil, nil, err
		}
		if all == nil {
			all = map[string][]any{}
		}
		for i, s := range seeds {
			all[fmt.Sprintf("seed-%d", i)] = []any{s}
		}
		return slices.Sorted(maps.Keys(all)), all, nil
	}
	var cases []Case
	teams, err := ReadCorpus(filepath.Join(corpus, TargetTeam))
	if err != nil {
		return nil, err
	}
	teamCases := map[string]Team{}
	for n, a := range teams {
		t, err := TeamOf(a)
		if err != nil {
			return nil, fmt.Errorf("%s/%s: %w", TargetTeam, n, err)
		}
		teamCases[n] = t
	}
	for i, t := range TeamSeeds {
		teamCases[fmt.Sprintf("seed-%d", i)] = t
	}
	for _, n := range slices.Sorted(maps.Keys(teamCases)) {
		if t := teamCases[n]; allUTF8(t.Strings()...) {
			cases = append(cases, Case{Name: "team-" + n, XR: t.XR(), Input: Granted(exampleInput, t.XR())})
		}
	}
	names, spec, err := args(TargetSpec, SpecSeeds)
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		s, _ := spec[n][0].(string)
		if m, ok := JSONObject(s); ok {
			cases = append(cases, Case{Name: "spec-" + n, XR: SpecXR(m), Input: Granted(exampleInput, SpecXR(m))})
		}
	}
	names, input, err := args(TargetInput, InputSeeds)
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		s, _ := input[n][0].(string)
		if m, ok := JSONObject(s); ok && utf8.ValidString(s) {
			cases = append(cases, Case{Name: "input-" + n, XR: runtime.DeepCopyJSON(exampleXR), Input: Granted(m, exampleXR)})
		}
	}
	return cases, nil
}

func allUTF8(s ...string) bool {
	for _, v := range s {
		if !utf8.ValidString(v) {
			return false
		}
	}
	return true
}
