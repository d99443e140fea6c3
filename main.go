// Package main runs function-eks-gitops, a Crossplane composition function
// that gives a product team an EKS cluster wired into the central GitOps
// platform.
package main

import (
	"embed"
	"errors"
	"fmt"
	"math"
	"os"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/alecthomas/kong"

	function "github.com/crossplane/function-sdk-go"
	"github.com/crossplane/function-sdk-go/logging"

	"github.com/eks-gitops/function-eks-gitops/fn"
	"github.com/eks-gitops/function-eks-gitops/internal/fleet"
	"github.com/eks-gitops/function-eks-gitops/internal/grpccodec"
	"github.com/eks-gitops/function-eks-gitops/internal/repocheck"
)

// ValidateCmd checks XR manifests as the function will, and across them.
type ValidateCmd struct {
	Compositions []string `help:"A Composition whose step of this function serves the XRs of its kind, or an XRD (which says whether its kind is namespaced); repeat for each. Default: the Configuration package's Compositions and XRDs of this version, built in." name:"composition" short:"c" type:"existingfile"`
	Settings     string   `help:"The platform settings (the EnvironmentConfig the Compositions' Inputs name)." short:"s" type:"existingfile"`
	Base         string   `help:"The Git revision the change is based on (a pull request's base, e.g. origin/main): each changed XR is judged as an edit of its version there, as the function's guard judges it once the cluster runs; an edit the cluster cannot take (region, account, CIDRs, a Kubernetes version down or two minors up, zones or node pools removed without confirmRemoval) is a problem." placeholder:"REF"`
	Context      []string `help:"The rest of the repository (files or directories): checked with the given paths for names they share and networks that overlap, but its own problems are not reported. For pull requests: pass the changed files as paths and the repository as context." name:"context"`
	Output       string   `help:"How problems are printed: text (one line each), json (one JSON object per line: file, line, column, field, rule, message, severity) or github (workflow commands, which annotate each problem on its line in the pull request)." short:"o" enum:"${outputs}" default:"text"`
	Paths        []string `arg:"" help:"XR manifests: files, or directories searched for *.yaml and *.yml files."`
}

// packageCompositions are the Configuration package's Compositions and
// XRDs, so validate judges with exactly the Compositions of its version and
// knows which kinds are namespaced.
//
//go:embed package/configuration/composition.yaml package/configuration/composition-namespaced.yaml example/xrd.yaml example/xrd-namespaced.yaml
var packageCompositions embed.FS

// newChecker judges XRs as the function will: with the given Compositions,
// or the package's own.
func newChecker(compositions []string, settings string) (*repocheck.Checker, error) {
	f := fn.New(fn.WithLogger(logging.NewNopLogger()))
	if len(compositions) > 0 {
		return repocheck.New(f, compositions, settings)
	}
	var sources []repocheck.Source
	for _, name := range []string{"package/configuration/composition.yaml", "package/configuration/composition-namespaced.yaml", "example/xrd.yaml", "example/xrd-namespaced.yaml"} {
		b, err := packageCompositions.ReadFile(name)
		if err != nil {
			return nil, err
		}
		sources = append(sources, repocheck.Source{Name: name, Data: b})
	}
	return repocheck.NewFromSources(f, sources, settings)
}

// errProblems makes the command exit with status 1 once its findings are
// printed.
var errProblems = errors.New("the manifests have problems")

// Run validates the manifests.
func (c *ValidateCmd) Run() error {
	files, err := repocheck.Files(c.Paths)
	if err != nil {
		return err
	}
	context, err := repocheck.Files(c.Context)
	if err != nil {
		return err
	}
	checker, err := newChecker(c.Compositions, c.Settings)
	if err != nil {
		return err
	}
	if c.Base != "" {
		base, err := repocheck.GitBase(".", c.Base)
		if err != nil {
			return err
		}
		checker.WithBase(base)
	}
	findings, err := repocheck.EmptyDirectories(c.Paths)
	if err != nil {
		return err
	}
	checked, err := checker.CheckChanged(files, context)
	if err != nil {
		return err
	}
	findings = append(findings, checked...)
	errs := 0
	for _, f := range findings {
		line, err := f.Format(c.Output)
		if err != nil {
			return err
		}
		fmt.Println(line)
		if f.Severity == repocheck.SeverityError {
			errs++
		}
	}
	if errs > 0 {
		fmt.Fprintf(os.Stderr, "validate: %d problem(s) in %d file(s)\n", errs, len(files))
		return errProblems
	}
	fmt.Fprintf(os.Stderr, "validate: %d file(s), no problems\n", len(files))
	return nil
}

// CLI of this Function: it serves the function unless told to validate.
type CLI struct {
	Version kong.VersionFlag `help:"Print the version and exit."`

	Serve    ServeCmd    `cmd:"" default:"withargs" help:"Serve the function over gRPC (the default: the function's package runs it with flags only)."`
	Validate ValidateCmd `cmd:"" help:"Give XR manifests the verdict the function will give them, before they are merged: one line per problem, exit status 1 if any."`
	Fleet    FleetCmd    `cmd:"" help:"See where the fleet's Kubernetes versions stand, and move it to a new one in waves of pull requests."`
}

// ServeCmd serves the function.
type ServeCmd struct {
	Debug bool `help:"Emit debug logs in addition to info logs." short:"d"`

	Network            string `default:"tcp"   help:"Network on which to listen for gRPC connections."`
	Address            string `default:":9443" help:"Address at which to listen for gRPC connections."`
	TLSCertsDir        string `env:"TLS_SERVER_CERTS_DIR" help:"Directory containing server certs (tls.key, tls.crt) and the CA used to verify client certificates (ca.crt)"`
	Insecure           bool   `help:"Run without mTLS credentials. If you supply this flag --tls-certs-dir will be ignored."`
	MaxRecvMessageSize int    `default:"4" help:"Maximum size of received messages in MB."`
	MetricsAddress     string `default:":8080" help:"Address at which to serve Prometheus metrics; empty turns them off."`
	PlanCacheSize      int    `default:"${plan_cache_size}" help:"How many compiled plans to keep, so a converged XR's calls only compute readiness; 0 turns the cache off."`
	PlanCacheMiB       int    `name:"plan-cache-mib" default:"0" help:"How much memory, in MiB, the compiled plans may hold together; 0 chooses an eighth of Go's soft memory limit (GOMEMLIMIT) when one is set, else ${plan_cache_mib}."`
	MaxResponseSize    int    `default:"4" help:"Largest response in MB; a larger one is refused with a message naming the long list (Crossplane accepts 4)."`
}

// Run this Function.
func (c *ServeCmd) Run() error {
	log, err := function.NewLogger(c.Debug)
	if err != nil {
		return err
	}
	if c.MaxRecvMessageSize < 1 {
		return errors.New("--max-recv-message-size must be at least 1 (MB)")
	}
	if c.PlanCacheSize < 0 {
		return errors.New("--plan-cache-size must be 0 (no cache) or more")
	}
	if c.PlanCacheMiB < 0 {
		return errors.New("--plan-cache-mib must be 0 (chosen from the memory limit) or more")
	}
	if c.MaxResponseSize < 1 {
		return errors.New("--max-response-size must be at least 1 (MB)")
	}
	grpccodec.Register()
	opts := []function.ServeOption{
		function.Listen(c.Network, c.Address),
		function.MaxRecvMessageSize(c.MaxRecvMessageSize * 1024 * 1024),
		function.WithMetricsServer(c.MetricsAddress),
	}
	switch {
	case c.Insecure:
		opts = append(opts, function.Insecure(true))
	case c.TLSCertsDir == "":
		return errors.New("TLS certificates are required: set --tls-certs-dir (or TLS_SERVER_CERTS_DIR) to a directory with tls.crt, tls.key and ca.crt, or pass --insecure for local development")
	default:
		opts = append(opts, function.MTLSCertificates(c.TLSCertsDir))
	}
	return function.Serve(fn.NewWire(fn.New(fn.WithLogger(log),
		fn.WithPlanCache(c.PlanCacheSize, planCacheBytes(c.PlanCacheMiB, debug.SetMemoryLimit(-1))),
		fn.WithMaxResponseSize(c.MaxResponseSize<<20))), opts...)
}

// planCacheBytes is how much the plan cache may hold: mib if set, else an
// eighth of the soft memory limit when one is set, else the default. A
// cache larger than the heap the limit allows makes the garbage collector
// run without pause once many distinct XRs fill it: at 10,000 XRs and
// GOMEMLIMIT=32MiB a 64 MiB cache halved the calls a replica serves
// (docs/performance.md).
func planCacheBytes(mib int, memoryLimit int64) int64 {
	if mib > 0 {
		return int64(mib) << 20
	}
	if memoryLimit < math.MaxInt64 {
		return max(1<<20, min(fn.DefaultPlanCacheBytes, memoryLimit/8))
	}
	return fn.DefaultPlanCacheBytes
}

// Exit statuses: a pull request's check tells problems in the manifests
// from a command that could not judge them.
const (
	exitProblems     = 1
	exitCommandError = 2
)

// version is the release's version: set by the release build
// (-ldflags "-X main.version=v1.2.3"), else the module's version when built
// by go install or go run of a tagged version, else "(devel)".
var version string

func versionString() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}

// cliVars are the values the CLI's flags and help read, from where each
// is defined.
func cliVars() kong.Vars {
	return kong.Vars{
		"outputs":         strings.Join(repocheck.Outputs, ","),
		"report_outputs":  strings.Join(fleet.Outputs, ","),
		"plan_cache_size": strconv.Itoa(fn.DefaultPlanCacheSize),
		"plan_cache_mib":  strconv.Itoa(fn.DefaultPlanCacheBytes >> 20),
		"version":         "function-eks-gitops " + versionString(),
	}
}

func main() {
	parser, err := kong.New(&CLI{},
		kong.Name("function-eks-gitops"),
		kong.Description("A Crossplane composition function that composes a team's EKS cluster and its GitOps onboarding."),
		cliVars(),
	)
	if err != nil {
		panic(err) // The CLI's own definition: a programming error.
	}
	ctx, err := parser.Parse(os.Args[1:])
	if err != nil {
		fmt.Fprintf(os.Stderr, "function-eks-gitops: error: %v\n", err)
		os.Exit(exitCommandError)
	}
	switch err := ctx.Run(); {
	case errors.Is(err, errProblems):
		os.Exit(exitProblems) // The findings are printed already.
	case err != nil:
		fmt.Fprintf(os.Stderr, "function-eks-gitops: error: %v\n", err)
		os.Exit(exitCommandError)
	}
}
