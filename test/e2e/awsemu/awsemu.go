// Package awsemu is the AWS API the real-provider suite runs the AWS
// provider's own controllers against: moto_server, behind a layer that
// serves, in the AWS APIs' own request and response shapes, the calls moto
// lacks or answers unlike AWS. Everything else goes to moto unchanged.
//
// What the layer adds:
//   - accounts: an access key made by AccessKeyID names its account, so one
//     moto serves the team accounts and the central account apart;
//   - EKS add-ons, access entries, access policy associations, Pod Identity
//     associations and DescribeUpdate, which moto answers with 404;
//   - node group tags: moto's TagResource does not find node groups;
//   - EKS clusters as AWS describes them: a certificate authority that is a
//     real PEM certificate (moto's is random text), the cluster settings
//     moto drops (accessConfig, upgradePolicy, bootstrapSelfManagedAddons,
//     deletionProtection, which refuses DeleteCluster while on), encryption
//     added by AssociateEncryptionConfig and never changed,
//     UpdateClusterConfig answering with an update as AWS does, and a
//     deleted cluster taking its add-ons, access entries and associations;
//   - IAM service-specific credentials, which moto cannot parse, with
//     DeleteUser refused while a user still has one, as IAM does, and the
//     password kept for CodeCommit's Git sign-in (GitSignIn);
//   - CodeCommit tags, which moto does not keep, ListBranches, dates as
//     numbers, as CodeCommit sends them (moto sends strings), and approval
//     rule templates with their associations, which moto lacks;
//   - IAM Identity Center's identity store, which moto keeps only in part
//     (no DescribeGroupMembership) and with user IDs of its own choosing:
//     groups and memberships callers make, of users the directory holds
//     (AddIdentityStoreUsers);
//   - a cluster placed at a Kubernetes API server of the caller's
//     (PlaceCluster), so clients of what EKS reports reach a real one.
package awsemu

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httputil"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"
)

// DefaultAccount is the account of a request whose access key names none.
const DefaultAccount = "123456789012"

// accessKeyPrefix starts every access key AccessKeyID makes.
const accessKeyPrefix = "AKIAEMU"

// AccessKeyID is the access key of an account: requests signed with it act
// in that account.
func AccessKeyID(account string) string { return accessKeyPrefix + account }

// accountOf is the account an access key acts in.
func accountOf(accessKey string) string {
	if a, ok := strings.CutPrefix(accessKey, accessKeyPrefix); ok && len(a) == 12 {
		return a
	}
	return DefaultAccount
}

var credentialScope = regexp.MustCompile(`Credential=([^/]+)/[0-9]{8}/([^/]+)/([^/]+)/aws4_request`)

// call is who asks what: the request's signing scope.
type call struct {
	account, region, service string
}

func callOf(r *http.Request) call {
	m := credentialScope.FindStringSubmatch(r.Header.Get("Authorization"))
	if m == nil {
		return call{account: DefaultAccount, region: "us-east-1"}
	}
	return call{account: accountOf(m[1]), region: m[2], service: m[3]}
}

// Server is the layer in front of moto.
type Server struct {
	upstream *url.URL
	proxy    *httputil.ReverseProxy
	client   *http.Client
	now      func() time.Time

	mu         sync.Mutex
	seq        int
	clusters   map[clusterKey]*clusterExtra
	addons     map[clusterKey]map[string]*addon
	entries    map[clusterKey]map[string]*accessEntry
	pods       map[clusterKey]map[string]*podIdentity
	updates    map[string]map[string]any
	creds      map[userKey][]*serviceCredential
	repoTags   map[string]map[string]string
	templates  map[templateKey]*approvalRuleTemplate
	ngTags     map[nodegroupKey]map[string]string
	ngVersions map[nodegroupKey]map[string]any
	stores     map[string]*identityStore
	unexpected []string
	journal    []Call
	calls      []Call
}

// Call is a change the emulator was asked for: every call that is not a
// Describe, Get or List, in the order they came.
type Call struct {
	At      time.Time
	Account string
	Service string
	// Op is the operation's name for query and JSON APIs (CreateVpc,
	// CodeCommit's DeleteRepository), and the method and path for REST
	// APIs (EKS: "DELETE /clusters/payments-dev-x").
	Op string
	// Action is the IAM action the call is authorized as
	// ("eks:CreateCluster"), empty for calls IAM does not authorize
	// against the caller's policies.
	Action string
	// UserAgent tells the provider's calls from the suite's own.
	UserAgent string
	Status    int
	// Error is the start of the answer to a refused call: AWS's reason.
	Error string
	// Code is AWS's error code of a refused call (DeleteConflict,
	// ResourceNotFoundException), however the service's protocol sends it.
	Code string
}

func (c Call) String() string {
	if c.Error != "" {
		return fmt.Sprintf("%s %s %s -> %d: %s", c.Account, c.Service, c.Op, c.Status, c.Error)
	}
	return fmt.Sprintf("%s %s %s -> %d", c.Account, c.Service, c.Op, c.Status)
}

// Calls returns every call so far, reads among them, in the order they
// came: what the caller's IAM policies must allow.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// Journal returns the changes asked for so far.
func (s *Server) Journal() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.journal...)
}

// opOf names a request's operation, and whether it reads only.
func opOf(r *http.Request, body []byte) (string, bool) {
	op := ""
	if t := r.Header.Get("X-Amz-Target"); t != "" {
		op = t[strings.LastIndex(t, ".")+1:]
	} else if strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		if form, err := url.ParseQuery(string(body)); err == nil {
			op = form.Get("Action")
		}
	}
	if op == "" {
		return r.Method + " " + r.URL.EscapedPath(), r.Method == http.MethodGet || r.Method == http.MethodHead
	}
	for _, read := range []string{"Describe", "Get", "List", "AdminGet", "AdminList"} {
		if strings.HasPrefix(op, read) {
			return op, true
		}
	}
	return op, false
}

// statusWriter remembers the status a handler answered with, and the
// start of a refusal's body.
type statusWriter struct {
	http.ResponseWriter
	status  int
	refusal []byte
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	if w.status >= 300 && len(w.refusal) < 400 {
		w.refusal = append(w.refusal, b[:min(len(b), 400-len(w.refusal))]...)
	}
	return w.ResponseWriter.Write(b)
}

var jsonErrorType = regexp.MustCompile(`"__type"\s*:\s*"([^"]+)"`)

// errorCode is the code of a refusal: REST JSON APIs (EKS) send it in a
// header, JSON APIs as the body's __type (possibly namespaced), query APIs
// (IAM, EC2) as the XML's Code.
func errorCode(h http.Header, body []byte) string {
	if c := h.Get("X-Amzn-ErrorType"); c != "" {
		return strings.Split(c, ":")[0]
	}
	// The body kept may be cut short, so no JSON decoding.
	if m := jsonErrorType.FindSubmatch(body); m != nil {
		t := string(m[1])
		return t[strings.LastIndex(t, "#")+1:]
	}
	if _, rest, ok := strings.Cut(string(body), "<Code>"); ok {
		if code, _, ok := strings.Cut(rest, "</Code>"); ok {
			return code
		}
	}
	return ""
}

// New returns a layer in front of the moto_server at upstream
// (http://host:port).
func New(upstream string) (*Server, error) {
	u, err := url.Parse(upstream)
	if err != nil {
		return nil, err
	}
	s := &Server{
		upstream:   u,
		proxy:      httputil.NewSingleHostReverseProxy(u),
		client:     &http.Client{Timeout: 30 * time.Second},
		now:        time.Now,
		clusters:   map[clusterKey]*clusterExtra{},
		addons:     map[clusterKey]map[string]*addon{},
		entries:    map[clusterKey]map[string]*accessEntry{},
		pods:       map[clusterKey]map[string]*podIdentity{},
		updates:    map[string]map[string]any{},
		creds:      map[userKey][]*serviceCredential{},
		repoTags:   map[string]map[string]string{},
		templates:  map[templateKey]*approvalRuleTemplate{},
		ngTags:     map[nodegroupKey]map[string]string{},
		ngVersions: map[nodegroupKey]map[string]any{},
		stores:     map[string]*identityStore{},
	}
	return s, nil
}

// Unexpected lists the requests the layer refused as malformed: a
// provider sending what AWS would reject is a finding.
func (s *Server) Unexpected() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.unexpected...)
}

func (s *Server) note(format string, a ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.noteLocked(format, a...)
}

func (s *Server) noteLocked(format string, a ...any) {
	if len(s.unexpected) < 100 {
		s.unexpected = append(s.unexpected, fmt.Sprintf(format, a...))
	}
}

func (s *Server) nextID() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	return s.seq
}

// ServeHTTP answers what the layer serves and sends the rest to moto, in
// the account the access key names.
func (s *Server) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	c := callOf(r)
	r.Header.Set("x-moto-account-id", c.account)
	body, err := readBody(r)
	if err != nil {
		http.Error(rw, err.Error(), http.StatusBadRequest)
		return
	}
	w := &statusWriter{ResponseWriter: rw}
	op, read := opOf(r, body)
	action := actionOf(c, r, op)
	defer func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		call := Call{At: s.now(), Account: c.account, Service: c.service, Op: op, Action: action, UserAgent: r.UserAgent(), Status: w.status,
			Error: strings.Join(strings.Fields(string(w.refusal)), " "), Code: errorCode(w.Header(), w.refusal)}
		s.calls = append(s.calls, call)
		if !read {
			s.journal = append(s.journal, call)
		}
	}()
	if s.serveRoute(w, r, c, body) {
		return
	}
	s.proxy.ServeHTTP(w, r)
}

// reply is moto's answer to a request the layer passes on and looks at.
type reply struct {
	status int
	header http.Header
	body   []byte
}

func (rp reply) ok() bool { return rp.status >= 200 && rp.status < 300 }

// forward sends a request to moto and returns its answer.
func (s *Server) forward(r *http.Request, body []byte) (reply, error) {
	u := *s.upstream
	u.Path = r.URL.Path
	u.RawPath = r.URL.RawPath
	u.RawQuery = r.URL.RawQuery
	req, err := http.NewRequestWithContext(r.Context(), r.Method, u.String(), bytes.NewReader(body))
	if err != nil {
		return reply{}, err
	}
	req.Header = r.Header.Clone()
	req.Host = r.Host
	rsp, err := s.client.Do(req) //nolint:gosec // The upstream is the moto_server the layer was made for, never a URL from the request.
	if err != nil {
		return reply{}, err
	}
	defer rsp.Body.Close() //nolint:errcheck // Read to the end below.
	b, err := io.ReadAll(rsp.Body)
	return reply{status: rsp.StatusCode, header: rsp.Header, body: b}, err
}

// write sends moto's answer on, with body in place of its own.
func (rp reply) write(w http.ResponseWriter, body []byte) {
	for k, v := range rp.header {
		if k == "Content-Length" {
			continue
		}
		w.Header()[k] = v
	}
	w.WriteHeader(rp.status)
	_, _ = w.Write(body)
}

// readBody reads a request's body and puts it back for the proxy.
func readBody(r *http.Request) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	r.Body = io.NopCloser(bytes.NewReader(b))
	return b, nil
}

// writeJSON answers a JSON (REST or JSON 1.1) API call.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// restError answers a REST JSON API call with an AWS error.
func restError(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("X-Amzn-ErrorType", code)
	writeJSON(w, status, map[string]any{"message": message})
}

// epoch is a timestamp as the REST JSON APIs send it.
func epoch(t time.Time) float64 { return float64(t.UnixMilli()) / 1000 }
