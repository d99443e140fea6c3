package main

import (
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/alecthomas/kong"
)

func TestPlanCacheBytes(t *testing.T) {
	for name, tc := range map[string]struct {
		mib   int
		limit int64
		want  int64
	}{
		"set":                         {mib: 8, limit: 32 << 20, want: 8 << 20},
		"no memory limit":             {limit: math.MaxInt64, want: 64 << 20},
		"an eighth of GOMEMLIMIT":     {limit: 32 << 20, want: 4 << 20},
		"never more than the default": {limit: 4 << 30, want: 64 << 20},
		"at least one MiB":            {limit: 2 << 20, want: 1 << 20},
		"set beyond the memory limit": {mib: 128, limit: 32 << 20, want: 128 << 20},
	} {
		t.Run(name, func(t *testing.T) {
			if got := planCacheBytes(tc.mib, tc.limit); got != tc.want {
				t.Errorf("planCacheBytes(%d, %d) = %d, want %d", tc.mib, tc.limit, got, tc.want)
			}
		})
	}
}

// TestServeFlags parses the serve flags the docs name, so a flag renamed by
// the CLI library (kong made --plan-cache-mi-b of PlanCacheMiB) fails here.
func TestServeFlags(t *testing.T) {
	var cli CLI
	p, err := kong.New(&cli, cliVars())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Parse([]string{"--plan-cache-mib=4", "--plan-cache-size=8", "--max-response-size=2", "--max-recv-message-size=5", "--metrics-address=", "--insecure"}); err != nil {
		t.Fatal(err)
	}
	if cli.Serve.PlanCacheMiB != 4 || cli.Serve.PlanCacheSize != 8 || cli.Serve.MaxResponseSize != 2 || cli.Serve.MaxRecvMessageSize != 5 || !cli.Serve.Insecure {
		t.Errorf("flags parsed into %+v", cli.Serve)
	}
}

// TestValidateExitStatus: a pull request's check tells problems (1) from a
// command that could not judge (2); the binary says its version.
func TestValidateExitStatus(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "function-eks-gitops")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	b, err := os.ReadFile(filepath.Join("example", "xr.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, []byte(strings.Replace(string(b), `accountId: "444455556666"`, `accountId: "999999999999"`, 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	settings := filepath.Join("example", "platform-settings.yaml")
	cases := map[string]struct {
		args   []string
		status int
		out    string
	}{
		"Version":       {args: []string{"--version"}, status: 0, out: "function-eks-gitops "},
		"NoProblems":    {args: []string{"validate", "--settings", settings, filepath.Join("example", "xr.yaml")}, status: 0},
		"Problems":      {args: []string{"validate", "--settings", settings, bad}, status: exitProblems, out: "spec.aws.accountId"},
		"UnknownFlag":   {args: []string{"validate", "--bogus"}, status: exitCommandError, out: "unknown flag --bogus"},
		"NoSettings":    {args: []string{"validate", "--settings", "/no/such/file", bad}, status: exitCommandError, out: "--settings"},
		"NoSuchBase":    {args: []string{"validate", "--settings", settings, "--base", "no-such-revision", bad}, status: exitCommandError, out: "--base no-such-revision"},
		"MissingFolder": {args: []string{"validate", "--settings", settings, "no/such/folder"}, status: exitCommandError, out: "no/such/folder"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			out, err := exec.Command(bin, tc.args...).CombinedOutput()
			status := 0
			var exit *exec.ExitError
			if errors.As(err, &exit) {
				status = exit.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if status != tc.status || !strings.Contains(string(out), tc.out) {
				t.Errorf("%v: exit status %d, want %d; output %q, want it to contain %q", tc.args, status, tc.status, out, tc.out)
			}
		})
	}
}
