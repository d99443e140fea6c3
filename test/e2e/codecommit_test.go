package e2e

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cgi"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"

	"github.com/eks-gitops/function-eks-gitops/internal/testpki"
)

// codeCommit serves CodeCommit's Git endpoint for the developer's-loop
// scenarios: Git's smart HTTP (git http-backend) over TLS as
// git-codecommit.<region>.amazonaws.com, which Argo CD's repo server reaches
// through its HTTPS proxy and trusts through argocd-tls-certs-cm. Like
// CodeCommit it takes an IAM service-specific credential as the user name
// and password and serves a pull only when the user's IAM policies allow
// codecommit:GitPull on the repository.
type codeCommit struct {
	host     string // git-codecommit.<region>.amazonaws.com
	region   string
	ca       *testpki.CA
	repos    string // bare repositories, by name
	addr     string // the TLS server's loopback address
	proxy    string // the HTTPS proxy's URL
	iam      gitIAM
	sessions sessions
	api      string // the pull-request API's URL, AWS_ENDPOINT_URL_CODECOMMIT
	prs      pullRequests

	journal
}

// gitIAM is what IAM and CodeCommit know: which repositories exist and
// whether a credential may pull one.
type gitIAM interface {
	exists(ctx context.Context, repo string) (bool, error)
	// pullRefused says why the credential may not pull repo, or "".
	pullRefused(ctx context.Context, user, password, repo string) (string, error)
	// roleRefused says why IAM refuses a session (caller) of role the
	// action on repo, naming refs, or "".
	roleRefused(ctx context.Context, role, caller, action, repo string, refs []string) (string, error)
	// reviewRules are the contents of the approval rule templates
	// associated with repo.
	reviewRules(ctx context.Context, repo string) ([]string, error)
}

func startCodeCommit(dir, region string, ca *testpki.CA, iam gitIAM, s sessions) (*codeCommit, error) {
	c := &codeCommit{host: "git-codecommit." + region + ".amazonaws.com", region: region, ca: ca, repos: filepath.Join(dir, "codecommit"), iam: iam, sessions: s}
	if err := os.MkdirAll(c.repos, 0o700); err != nil {
		return nil, err
	}
	cert, key, err := ca.IssueFor(c.host, []string{c.host}, x509.ExtKeyUsageServerAuth)
	if err != nil {
		return nil, err
	}
	pair, err := tls.X509KeyPair(cert, key)
	if err != nil {
		return nil, err
	}
	if c.addr, err = serveLoopback(c.serveGit, &pair); err != nil {
		return nil, err
	}
	proxy, err := serveLoopback(c.serveProxy, nil)
	if err != nil {
		return nil, err
	}
	c.proxy = "http://" + proxy
	c.prs.byID = map[string]*pullRequest{}
	api, err := serveLoopback(c.servePullRequests, nil)
	if err != nil {
		return nil, err
	}
	c.api = "http://" + api
	return c, nil
}

func (c *codeCommit) decisions() string { return c.last(20) }

// serveProxy is the HTTPS proxy: CONNECT to the CodeCommit host reaches
// this server; nothing else goes anywhere.
func (c *codeCommit) serveProxy(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodConnect || r.Host != c.host+":443" {
		c.log("proxy: refused %s %s", r.Method, r.Host)
		http.Error(w, "this proxy reaches only "+c.host, http.StatusForbidden)
		return
	}
	upstream, err := net.Dial("tcp", c.addr)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	hj, ok := w.(http.Hijacker)
	if !ok {
		http.Error(w, "no hijacking", http.StatusInternalServerError)
		return
	}
	conn, buf, err := hj.Hijack()
	if err != nil {
		return
	}
	_, _ = conn.Write([]byte("HTTP/1.1 200 Connection established\r\n\r\n"))
	go func() { _, _ = io.Copy(upstream, buf); _ = upstream.Close() }()
	go func() { _, _ = io.Copy(conn, upstream); _ = conn.Close() }()
}

// serveGit is CodeCommit's /v1/repos/<name> Git endpoint.
func (c *codeCommit) serveGit(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.Path, "/v1/repos/")
	repo, _, _ := strings.Cut(rest, "/")
	repo = strings.TrimSuffix(repo, ".git")
	if !ok || repo == "" || path.Clean(repo) != repo || strings.ContainsAny(repo, "/\\") {
		http.NotFound(w, r)
		return
	}
	user, password, hasAuth := r.BasicAuth()
	if !hasAuth {
		w.Header().Set("WWW-Authenticate", `Basic realm="`+c.host+`"`)
		http.Error(w, "authentication required", http.StatusUnauthorized)
		return
	}
	push := strings.Contains(r.URL.RawQuery, "git-receive-pack") || strings.HasSuffix(r.URL.Path, "/git-receive-pack")
	if strings.Contains(user, "%") || sigV4Password.MatchString(password) {
		identity, ok := c.serveSession(w, r, repo, user, password, push)
		if ok {
			c.serveRepository(w, r, repo, identity)
		}
		return
	}
	if push {
		c.log("git: refused a push to %s by %s: the function grants only GitPull", repo, user)
		http.Error(w, "User: "+user+" is not authorized to perform: codecommit:GitPush", http.StatusForbidden)
		return
	}
	why, err := c.iam.pullRefused(r.Context(), user, password, repo)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	if why != "" {
		c.log("git: refused %s to %s: %s", repo, user, why)
		http.Error(w, why, http.StatusForbidden)
		return
	}
	c.serveRepository(w, r, repo, user)
}

// serveRepository serves an allowed request with git http-backend.
func (c *codeCommit) serveRepository(w http.ResponseWriter, r *http.Request, repo, user string) {
	if err := c.ensure(r.Context(), repo); err != nil {
		c.log("git: %s: %v", repo, err)
		http.Error(w, "repository "+repo+" does not exist", http.StatusNotFound)
		return
	}
	c.log("git: %s %s by %s", r.Method, r.URL.Path, user)
	// With REMOTE_USER set, git http-backend also takes pushes.
	h := &cgi.Handler{
		Path: gitExec("git-http-backend"), Root: "/v1/repos",
		Env: []string{"GIT_PROJECT_ROOT=" + c.repos, "GIT_HTTP_EXPORT_ALL=1", "REMOTE_USER=" + user},
	}
	h.ServeHTTP(w, r)
}

// ensure creates a repository's bare Git directory once CodeCommit has it,
// with the default branch the function's Application names.
func (c *codeCommit) ensure(ctx context.Context, repo string) error {
	dir := filepath.Join(c.repos, repo)
	if _, err := os.Stat(dir); err == nil {
		return nil
	}
	ok, err := c.iam.exists(ctx, repo)
	if err != nil {
		return err
	}
	if !ok {
		return errors.New("no such repository")
	}
	return run("", "git", "init", "-q", "--bare", "-b", "main", dir)
}

// push commits files (path → content; "" deletes) to repo's main branch, as
// the team would, straight into the repository's storage.
func (c *codeCommit) push(ctx context.Context, repo, message string, files map[string]string) error {
	if err := c.ensure(ctx, repo); err != nil {
		return err
	}
	work, err := os.MkdirTemp("", "team-push-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work) //nolint:errcheck // Best effort.
	if err := c.commit(repo, work, "main", message, files); err != nil {
		return err
	}
	return run(work, "git", "push", "-q", "origin", "main")
}

// commit clones repo into dir and commits files onto branch: a file with
// no content is removed.
func (c *codeCommit) commit(repo, dir, branch, message string, files map[string]string) error {
	if err := run(dir, "git", "clone", "-q", filepath.Join(c.repos, repo), "."); err != nil {
		return err
	}
	_ = run(dir, "git", "checkout", "-q", "-B", branch)
	for p, content := range files {
		f := filepath.Join(dir, p)
		if content == "" {
			_ = os.Remove(f)
			continue
		}
		if err := os.MkdirAll(filepath.Dir(f), 0o700); err != nil {
			return err
		}
		if err := os.WriteFile(f, []byte(content), 0o600); err != nil {
			return err
		}
	}
	if err := run(dir, "git", "add", "-A"); err != nil {
		return err
	}
	return run(dir, "git", "commit", "-q", "--allow-empty", "-m", message)
}

// run runs a command in dir with a fixed Git identity and no user or
// system Git configuration.
func run(dir, name string, args ...string) error {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null",
		"GIT_AUTHOR_NAME=team", "GIT_AUTHOR_EMAIL=team@example.com", "GIT_COMMITTER_NAME=team", "GIT_COMMITTER_EMAIL=team@example.com")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, out)
	}
	return nil
}

// gitExec is a program in Git's exec path.
func gitExec(name string) string {
	out, err := exec.Command("git", "--exec-path").Output()
	if err != nil {
		return name
	}
	return filepath.Join(strings.TrimSpace(string(out)), name)
}
