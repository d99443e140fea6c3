package e2e

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// CodeCommit's Git endpoint also takes an AWS session, as
// git-remote-codecommit and the AWS CLI's credential helper send it: the
// user name is the access key ID and session token joined by "%", the
// password a SigV4 signature of the repository's path with the session's
// secret, "<timestamp>Z<signature>". A push is then judged by the session
// role's policies for codecommit:GitPush with the references it updates
// (codecommit:References), a clone or fetch for codecommit:GitPull.

// sessions are the AWS sessions STS issued, by access key ID.
type sessions interface {
	session(accessKeyID string) (issued, bool)
}

var sigV4Password = regexp.MustCompile(`^(\d{8}T\d{6})Z([0-9a-f]{64})$`)

// codeCommitSignature signs a Git request to host's path at timestamp ts
// (20060102T150405, UTC) with a session's secret: SigV4 over the canonical
// request "GIT", the path, no query, the host header.
func codeCommitSignature(secret, region, host, path, ts string) string {
	canonical := "GIT\n" + path + "\n\nhost:" + host + "\n\nhost\n"
	sum := sha256.Sum256([]byte(canonical))
	scope := ts[:8] + "/" + region + "/codecommit/aws4_request"
	toSign := "AWS4-HMAC-SHA256\n" + ts + "\n" + scope + "\n" + hex.EncodeToString(sum[:])
	mac := func(key []byte, data string) []byte {
		h := hmac.New(sha256.New, key)
		h.Write([]byte(data))
		return h.Sum(nil)
	}
	key := mac(mac(mac(mac([]byte("AWS4"+secret), ts[:8]), region), "codecommit"), "aws4_request")
	return hex.EncodeToString(mac(key, toSign))
}

// serveSession serves a Git request signed by an AWS session, or says why
// CodeCommit refuses it.
func (c *codeCommit) serveSession(w http.ResponseWriter, r *http.Request, repo, user, password string, push bool) (identity string, ok bool) {
	akid, _, _ := strings.Cut(user, "%")
	s, known := c.sessions.session(akid)
	m := sigV4Password.FindStringSubmatch(password)
	if !known || m == nil {
		c.log("git: refused %s to %s: no session STS issued", repo, akid)
		http.Error(w, "The security token included in the request is invalid", http.StatusForbidden)
		return "", false
	}
	at, err := time.Parse("20060102T150405", m[1])
	if err != nil || time.Since(at).Abs() > 15*time.Minute {
		http.Error(w, "Signature expired", http.StatusForbidden)
		return "", false
	}
	want := codeCommitSignature(s.secret, c.region, c.host, "/v1/repos/"+repo, m[1])
	if !hmac.Equal([]byte(want), []byte(m[2])) {
		c.log("git: refused %s to %s: signature does not match", repo, s.arn)
		http.Error(w, "SignatureDoesNotMatch", http.StatusForbidden)
		return "", false
	}
	action, refs := "codecommit:GitPull", []string(nil)
	if push {
		action = "codecommit:GitPush"
		if r.Method == http.MethodPost {
			body, err := io.ReadAll(r.Body)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return "", false
			}
			refs = receivedRefs(body)
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
	}
	why, err := c.iam.roleRefused(r.Context(), s.role, s.arn, action, repo, refs)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return "", false
	}
	if why != "" {
		c.log("git: refused %s %v of %s to %s: %s", action, refs, repo, s.arn, why)
		http.Error(w, why, http.StatusForbidden)
		return "", false
	}
	c.log("git: %s %v of %s by %s: allowed by the role's policies", action, refs, repo, s.arn)
	return s.arn, true
}

// receivedRefs are the references a receive-pack request updates: its
// commands, pkt-lines of "<old> <new> <ref>" (the first with the client's
// capabilities after a NUL) up to a flush packet.
func receivedRefs(body []byte) []string {
	var refs []string
	for len(body) >= 4 {
		n, err := strconv.ParseUint(string(body[:4]), 16, 16)
		if err != nil || n == 0 || int(n) > len(body) || n < 4 {
			break
		}
		line, _, _ := strings.Cut(string(body[4:n]), "\x00")
		if f := strings.Fields(line); len(f) == 3 {
			refs = append(refs, f[2])
		}
		body = body[n:]
	}
	return refs
}

// pushAs commits files onto branch of repo and pushes it over HTTPS,
// through the proxy and trusting the endpoint's CA, as an AWS session
// signs it. Git's own error (CodeCommit's refusal) is returned.
func (c *codeCommit) pushAs(ctx context.Context, creds aws.Credentials, repo, branch, message string, files map[string]string) error {
	if err := c.ensure(ctx, repo); err != nil {
		return err
	}
	work, err := os.MkdirTemp("", "member-push-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work) //nolint:errcheck // Best effort.
	caFile := filepath.Join(work, "ca.pem")
	if err := os.WriteFile(caFile, c.ca.PEM(), 0o600); err != nil {
		return err
	}
	tree := filepath.Join(work, "tree")
	if err := os.Mkdir(tree, 0o700); err != nil {
		return err
	}
	if err := c.commit(repo, tree, branch, message, files); err != nil {
		return err
	}
	ts := time.Now().UTC().Format("20060102T150405")
	cmd := exec.CommandContext(ctx, "git", "-c", "http.proxy="+c.proxy,
		"-c", "credential.helper=", "-c", `credential.helper=!f() { test "$1" = get && printf 'username=%s\npassword=%s\n' "$CC_USER" "$CC_PASS"; }; f`,
		"push", "-q", "https://"+c.host+"/v1/repos/"+repo, "HEAD:refs/heads/"+branch)
	cmd.Dir = tree
	// GIT_SSL_CAINFO, not http.sslCAInfo: a machine's own GIT_SSL_CAINFO
	// would win over the configuration.
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null", "GIT_TERMINAL_PROMPT=0", "GIT_SSL_CAINFO="+caFile,
		"CC_USER="+creds.AccessKeyID+"%"+creds.SessionToken,
		"CC_PASS="+ts+"Z"+codeCommitSignature(creds.SecretAccessKey, c.region, c.host, "/v1/repos/"+repo, ts))
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("git push to %s: %w: %s", branch, err, out)
	}
	return nil
}
