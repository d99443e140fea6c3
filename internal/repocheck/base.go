package repocheck

import (
	"bytes"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/eks-gitops/function-eks-gitops/internal/compose"
	"github.com/eks-gitops/function-eks-gitops/internal/guard"
)

// Base reads a file as it was before the change under review: its
// content, or ok false when the file is new.
type Base func(path string) (data []byte, ok bool, err error)

// GitBase reads files at a Git revision (a pull request's base, e.g.
// origin/main) of the repository that holds them. The revision is checked
// once, in the repository at dir, so a mistyped one is a command error and
// not a finding per file.
func GitBase(dir, ref string) (Base, error) {
	if out, err := exec.Command("git", "-C", dir, "rev-parse", "--verify", "--quiet", ref+"^{commit}").CombinedOutput(); err != nil {
		return nil, fmt.Errorf("--base %s: not a commit of the Git repository at %s (%s)", ref, dir, strings.TrimSpace(string(out)+" "+err.Error()))
	}
	return func(path string) ([]byte, bool, error) {
		abs, err := filepath.Abs(path)
		if err != nil {
			return nil, false, err
		}
		// REF:./name is the file relative to the directory git runs in,
		// wherever that is in the repository.
		var stderr bytes.Buffer
		cmd := exec.Command("git", "-C", filepath.Dir(abs), "show", ref+":./"+filepath.Base(abs))
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		var exit *exec.ExitError
		if errors.As(err, &exit) && (strings.Contains(stderr.String(), "does not exist") || strings.Contains(stderr.String(), "exists on disk, but not in")) {
			return nil, false, nil
		}
		if err != nil {
			return nil, false, fmt.Errorf("%s at %s: %s", path, ref, strings.TrimSpace(stderr.String()))
		}
		return out, true, nil
	}, nil
}

// WithBase makes the Checker judge each changed XR as an edit of its
// version in base, with the function's own guard.
func (c *Checker) WithBase(b Base) *Checker {
	c.base = b
	return c
}

// edits judges an accepted XR as an edit of its version at the base: the
// guard's refusals that need nothing observed (region, account, CIDRs,
// version, zones, pools), against the cluster its base version makes. An
// XR new in the change, or whose base version the function refuses, has no
// running cluster to protect.
func (c *Checker) edits(x xr, p compose.Params) ([]Finding, error) {
	data, ok, err := c.base(x.file)
	if err != nil || !ok {
		return nil, err
	}
	docs, err := Docs(x.file, bytes.NewReader(data))
	if err != nil {
		return nil, nil //nolint:nilerr // A base that does not parse holds no cluster to protect.
	}
	for _, d := range docs {
		old := xr{file: x.file, obj: d, input: x.input}
		if old.id() != x.id() {
			continue
		}
		req, err := c.request(old)
		if err != nil {
			return nil, nil //nolint:nilerr // As above.
		}
		if f := c.syncedFromFolder(old, req); f != nil {
			return nil, nil
		}
		bp, err := c.fn.Params(req)
		if err != nil {
			return nil, nil //nolint:nilerr // As above.
		}
		live, facts := guard.Assumed(bp)
		var out []Finding
		for _, e := range guard.Check(p, facts, live) {
			out = append(out, Finding{File: x.file, What: "refused edit of a running cluster", Detail: e.Error() + " (after the merge the function refuses it and changes nothing)"})
		}
		return out, nil
	}
	return nil, nil
}
