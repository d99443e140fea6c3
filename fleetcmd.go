package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/eks-gitops/function-eks-gitops/input/v1beta1"
	"github.com/eks-gitops/function-eks-gitops/internal/eksversion"
	"github.com/eks-gitops/function-eks-gitops/internal/fleet"
	"github.com/eks-gitops/function-eks-gitops/internal/repocheck"
)

// FleetCmd looks at the fleet of team clusters as a whole.
type FleetCmd struct {
	Report  FleetReportCmd  `cmd:"" help:"Print the fleet's clusters by Kubernetes version, environment and team, with their EKS support dates and what extended support costs."`
	Upgrade FleetUpgradeCmd `cmd:"" help:"Move the XR manifests of one environment (and team) one Kubernetes minor up, touching nothing else in the files, and print the pull request's description."`
	Next    FleetNextCmd    `cmd:"" help:"Print the environment whose wave comes next: the first, in order, with XRs below the version, once every earlier one runs it and is Ready."`
}

// fleetSource is where the fleet is read from: the platform repository's
// XR manifests, the live XRs of a control plane, or both.
type fleetSource struct {
	Settings   string   `help:"The platform settings (the EnvironmentConfig the Compositions' Inputs name), for defaultKubernetesVersion." short:"s" type:"existingfile"`
	Live       string   `help:"The live XRs, as 'kubectl get teamclusters,namespacedteamclusters -A -o json' prints them: a file, or - for standard input." placeholder:"FILE"`
	Kubeconfig string   `help:"Read the live XRs from this control plane with kubectl." type:"existingfile"`
	Date       string   `help:"Judge on this day (YYYY-MM-DD) instead of today." placeholder:"DAY"`
	Paths      []string `arg:"" optional:"" help:"XR manifests: files, or directories searched for *.yaml and *.yml files."`
}

// now is the day judged.
func (s fleetSource) now() (time.Time, error) {
	if s.Date == "" {
		return time.Now().UTC(), nil
	}
	d, err := time.Parse(time.DateOnly, s.Date)
	if err != nil {
		return time.Time{}, fmt.Errorf("--date %q: want YYYY-MM-DD", s.Date)
	}
	return d, nil
}

// defaultVersion is the platform's defaultKubernetesVersion.
func (s fleetSource) defaultVersion() (string, error) {
	if s.Settings == "" {
		return v1beta1.DefaultKubernetesVersion, nil
	}
	b, err := os.ReadFile(s.Settings)
	if err != nil {
		return "", err
	}
	var ec struct {
		Data struct {
			DefaultKubernetesVersion string `json:"defaultKubernetesVersion"`
		} `json:"data"`
	}
	if err := yaml.Unmarshal(b, &ec); err != nil {
		return "", fmt.Errorf("%s: %w", s.Settings, err)
	}
	if ec.Data.DefaultKubernetesVersion == "" {
		return v1beta1.DefaultKubernetesVersion, nil
	}
	return ec.Data.DefaultKubernetesVersion, nil
}

// manifests reads the XRs of the paths.
func (s fleetSource) manifests(def string) ([]fleet.Cluster, error) {
	if len(s.Paths) == 0 {
		return nil, nil
	}
	files, err := repocheck.Files(s.Paths)
	if err != nil {
		return nil, err
	}
	cs, unreadable, err := fleet.Read(files, def)
	for _, u := range unreadable {
		fmt.Fprintf(os.Stderr, "fleet: warning: not YAML, so no XR is read from it: %v\n", u)
	}
	return cs, err
}

// live reads the live XRs, if asked to.
func (s fleetSource) live(def string) ([]fleet.Cluster, bool, error) {
	var r io.Reader
	switch {
	case s.Live == "-":
		r = os.Stdin
	case s.Live != "":
		f, err := os.Open(s.Live)
		if err != nil {
			return nil, false, err
		}
		defer f.Close() //nolint:errcheck // Read only.
		r = f
	case s.Kubeconfig != "":
		out, err := exec.Command("kubectl", "--kubeconfig", s.Kubeconfig, "get", "teamclusters.platform.eks-gitops.dev,namespacedteamclusters.platform.eks-gitops.dev", "-A", "-o", "json").Output()
		if err != nil {
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				return nil, false, fmt.Errorf("kubectl get the live XRs: %w: %s", err, bytes.TrimSpace(ee.Stderr))
			}
			return nil, false, fmt.Errorf("kubectl get the live XRs: %w", err)
		}
		r = bytes.NewReader(out)
	default:
		return nil, false, nil
	}
	cs, err := fleet.ReadLive(r, def)
	return cs, true, err
}

// clusters reads the fleet: the manifests, each with what its live XR
// runs, and the live XRs no manifest holds.
func (s fleetSource) clusters() ([]fleet.Cluster, error) {
	def, err := s.defaultVersion()
	if err != nil {
		return nil, err
	}
	cs, err := s.manifests(def)
	if err != nil {
		return nil, err
	}
	live, ok, err := s.live(def)
	if err != nil || !ok {
		return cs, err
	}
	if len(s.Paths) == 0 {
		return live, nil
	}
	return fleet.Merge(cs, live), nil
}

// FleetReportCmd prints the fleet report.
type FleetReportCmd struct {
	fleetSource
	Output string `help:"text, json or markdown (for a pull request's comment)." short:"o" enum:"${report_outputs}" default:"text"`
}

// Run prints the report.
func (c *FleetReportCmd) Run() error {
	if len(c.Paths) == 0 && c.Live == "" && c.Kubeconfig == "" {
		return errors.New("name XR manifests, --live or --kubeconfig")
	}
	now, err := c.now()
	if err != nil {
		return err
	}
	cs, err := c.clusters()
	if err != nil {
		return err
	}
	out, err := fleet.NewReport(cs, now).Format(c.Output)
	if err != nil {
		return err
	}
	fmt.Print(out)
	return nil
}

// FleetUpgradeCmd rewrites one wave's XR manifests.
type FleetUpgradeCmd struct {
	To           string   `help:"The Kubernetes version to move to, e.g. 1.36: the wave moves the XRs one minor below it." required:""`
	Environment  string   `help:"The environment (spec.environment) of the wave." required:""`
	Team         string   `help:"Only this team's XRs."`
	Max          int      `help:"Move at most this many XRs; 0 is no limit." default:"0"`
	Compositions []string `help:"Compositions and XRDs to judge with, as validate takes them; default: the package's." name:"composition" short:"c" type:"existingfile"`
	Settings     string   `help:"The platform settings (the EnvironmentConfig the Compositions' Inputs name)." short:"s" type:"existingfile"`
	Description  string   `help:"Write the pull request's description here instead of standard output." placeholder:"FILE"`
	Date         string   `help:"Judge support on this day (YYYY-MM-DD) instead of today." placeholder:"DAY"`
	Paths        []string `arg:"" help:"The platform repository's XR manifests: files, or directories."`
}

// Run moves the wave: it rewrites the files, keeps only the rewrites that
// validate accepts as an edit of the running cluster (the function's
// guard), and prints the pull request's description.
func (c *FleetUpgradeCmd) Run() error {
	if eksversion.Minor(c.To) < 0 {
		return fmt.Errorf("--to %q: want a Kubernetes version such as 1.36", c.To)
	}
	src := fleetSource{Settings: c.Settings, Date: c.Date, Paths: c.Paths}
	now, err := src.now()
	if err != nil {
		return err
	}
	def, err := src.defaultVersion()
	if err != nil {
		return err
	}
	cs, err := src.manifests(def)
	if err != nil {
		return err
	}
	move, skip := fleet.Select(cs, fleet.Wave{To: c.To, Environment: c.Environment, Team: c.Team, Max: c.Max})
	checker, err := newChecker(c.Compositions, c.Settings)
	if err != nil {
		return err
	}
	moved, refused, err := applyWave(checker, move, c.To)
	if err != nil {
		return err
	}
	skip = append(skip, refused...)
	after, _, err := fleet.Read(uniqueFiles(cs), def)
	if err != nil {
		return err
	}
	desc := fleet.Description(fleet.Wave{To: c.To, Environment: c.Environment, Team: c.Team, Max: c.Max}, moved, skip, fleet.NewReport(after, now))
	fmt.Fprintf(os.Stderr, "fleet upgrade: %d XR(s) moved to %s, %d left\n", len(moved), c.To, len(skip))
	if c.Description != "" {
		return os.WriteFile(c.Description, []byte(desc), 0o600)
	}
	fmt.Print(desc)
	return nil
}

// applyWave rewrites each file of the wave and asks validate about it as
// an edit of what the file held: a file validate refuses afterwards (or
// refused already) gets its old bytes back, and its XRs are left with the
// reason.
func applyWave(checker *repocheck.Checker, move []fleet.Cluster, to string) ([]fleet.Cluster, []fleet.Skip, error) {
	byFile := map[string][]fleet.Cluster{}
	var files []string
	for _, m := range move {
		if byFile[m.File] == nil {
			files = append(files, m.File)
		}
		byFile[m.File] = append(byFile[m.File], m)
	}
	original := map[string][]byte{}
	for _, f := range files {
		b, err := os.ReadFile(f) //nolint:gosec // The command's arguments.
		if err != nil {
			return nil, nil, err
		}
		original[f] = b
	}
	var refused []fleet.Skip
	leave := func(f, reason string) {
		for _, m := range byFile[f] {
			refused = append(refused, fleet.Skip{Cluster: m, Reason: reason})
		}
		delete(byFile, f)
	}
	// What validate refuses already is not this wave's to fix.
	before, err := checker.Check(files)
	if err != nil {
		return nil, nil, err
	}
	for _, p := range problems(before) {
		leave(p.File, "validate refuses the file already: "+p.String())
	}
	var written []string
	for _, f := range files {
		if byFile[f] == nil {
			continue
		}
		out, err := fleet.Rewrite(original[f], byFile[f], to)
		if err != nil {
			leave(f, err.Error())
			continue
		}
		if err := os.WriteFile(f, out, 0o644); err != nil { //nolint:gosec // A manifest of the repository keeps its mode.
			return nil, nil, err
		}
		written = append(written, f)
	}
	checker.WithBase(func(path string) ([]byte, bool, error) {
		b, ok := original[path]
		return b, ok, nil
	})
	after, err := checker.Check(written)
	if err != nil {
		return nil, nil, err
	}
	for _, p := range problems(after) {
		if byFile[p.File] == nil {
			continue
		}
		if err := os.WriteFile(p.File, original[p.File], 0o644); err != nil { //nolint:gosec // As above.
			return nil, nil, err
		}
		leave(p.File, "validate would refuse the change: "+p.String())
	}
	var moved []fleet.Cluster
	for _, f := range files {
		moved = append(moved, byFile[f]...)
	}
	return moved, refused, nil
}

// problems are the findings that refuse, the first of each file.
func problems(findings []repocheck.Finding) []repocheck.Finding {
	var out []repocheck.Finding
	seen := map[string]bool{}
	for _, f := range findings {
		if f.Severity == repocheck.SeverityError && !seen[f.File] {
			seen[f.File] = true
			out = append(out, f)
		}
	}
	return out
}

func uniqueFiles(cs []fleet.Cluster) []string {
	var out []string
	for _, c := range cs {
		if !slices.Contains(out, c.File) {
			out = append(out, c.File)
		}
	}
	return out
}

// FleetNextCmd names the next wave's environment.
type FleetNextCmd struct {
	fleetSource
	To           string   `help:"The Kubernetes version the fleet moves to." required:""`
	Environments []string `help:"The environments in the order the waves take them, e.g. dev,staging,prod." required:""`
}

// Run prints the next wave's environment, or nothing (and why, on standard
// error) while a wave has not converged or the fleet is done.
func (c *FleetNextCmd) Run() error {
	if len(c.Paths) == 0 || (c.Live == "" && c.Kubeconfig == "") {
		return errors.New("name the XR manifests and the live XRs (--live or --kubeconfig): a wave is done when the control plane runs what the manifests ask")
	}
	cs, err := c.clusters()
	if err != nil {
		return err
	}
	env, why := fleet.Next(cs, c.To, c.Environments)
	fmt.Fprintln(os.Stderr, "fleet next: "+why)
	if env != "" {
		fmt.Println(env)
	}
	return nil
}
