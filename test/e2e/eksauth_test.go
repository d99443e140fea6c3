package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	authorizationv1 "k8s.io/api/authorization/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/eks-gitops/function-eks-gitops/internal/iampolicy"
	"github.com/eks-gitops/function-eks-gitops/internal/testpki"
)

// eksAuth plays what AWS does around the team clusters of the developer's-loop
// scenarios, on top of moto:
//
//   - STS, as a front to moto_server that does what moto does not: it
//     refuses an AssumeRole the role's trust policy does not allow (the
//     trust policy the function wrote), and it verifies the signature of a
//     presigned GetCallerIdentity, x-k8s-aws-id header included, with the
//     secret of the credentials it issued;
//   - the EKS authenticator: a token webhook for each team cluster that
//     accepts only k8s-aws-v1 tokens for that cluster, asks STS who signed
//     them, and maps the caller's role to a user and groups only through
//     the cluster's access entries, whose associated access policies it
//     binds as EKS documents them.
type eksAuth struct {
	moto    string
	sts     string // the STS front's URL, Argo CD's AWS_ENDPOINT_URL_STS
	webhook string // the authenticator's URL; a cluster's path is /<xr>
	ca      *testpki.CA
	access  accessSource

	mu       sync.Mutex
	keys     map[string]issued
	clusters map[string]*teamCluster
	journal
}

// issued are credentials STS handed out: their secret, and the role they
// are a session of.
type issued struct{ secret, role, arn string }

// accessSource is what AWS knows about the team accounts: the access
// entries of an EKS cluster and the trust policies of roles.
type accessSource interface {
	// clusterName is the EKS name of the cluster xr's Cluster stands for,
	// "" while it has none.
	clusterName(ctx context.Context, tc *teamCluster) (string, error)
	// entries are the cluster's access entries with their access policies.
	entries(ctx context.Context, cluster string) ([]accessEntry, error)
	// trustPolicy is the trust policy of the role with the ARN, "" when no
	// such role exists.
	trustPolicy(ctx context.Context, roleARN string) (string, error)
	// cluster is what EKS's DescribeCluster reports of the cluster named
	// name (its ARN, endpoint and base64 CA), nil when none is active.
	cluster(ctx context.Context, name string) (*eksCluster, error)
}

// eksCluster is what DescribeCluster answers of an active cluster.
type eksCluster struct {
	Name                 string `json:"name"`
	Arn                  string `json:"arn"`
	Endpoint             string `json:"endpoint"`
	Status               string `json:"status"`
	CertificateAuthority struct {
		Data string `json:"data"`
	} `json:"certificateAuthority"`
}

// accessEntry is an EKS access entry and the access policies associated
// with it; a policy without namespaces has cluster scope.
type accessEntry struct {
	principal string
	username  string
	groups    []string
	policies  []accessPolicy
}

type accessPolicy struct {
	arn        string
	namespaces []string
}

// accessPolicyRoles are EKS's access policies as the Kubernetes roles they
// correspond to (EKS user guide, access-policy-permissions).
var accessPolicyRoles = map[string]string{
	"arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy": "cluster-admin",
	"arn:aws:eks::aws:cluster-access-policy/AmazonEKSAdminPolicy":        "admin",
	"arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy":         "edit",
	"arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy":         "view",
}

// startEKS serves the STS front and the authenticator on loopback.
func startEKS(moto string, ca *testpki.CA, access accessSource) (*eksAuth, error) {
	e := &eksAuth{moto: moto, ca: ca, access: access, keys: map[string]issued{}, clusters: map[string]*teamCluster{}}
	sts, err := serveLoopback(e.serveSTS, nil)
	if err != nil {
		return nil, err
	}
	e.sts = "http://" + sts
	pair, err := ca.IssuePair("eks-authenticator", x509.ExtKeyUsageServerAuth)
	if err != nil {
		return nil, err
	}
	webhook, err := serveLoopback(e.serveTokenReview, &pair)
	if err != nil {
		return nil, err
	}
	e.webhook = "https://" + webhook
	return e, nil
}

// decisions is what STS and the authenticator decided, for failure reports.
func (e *eksAuth) decisions() string { return e.last(40) }

// stsCredentials asks STS for a session of role as the harness, which plays
// the identity a platform gives Argo CD's pods (IRSA or Pod Identity):
// Argo CD starts from the hub role's session.
func (e *eksAuth) stsCredentials(ctx context.Context, role string) (aws.Credentials, error) {
	c, arn, err := assumeRole(ctx, e.moto, aws.Credentials{AccessKeyID: "AKIAPLATFORMIRSA0000"}, role, "argocd")
	if err != nil {
		return c, err
	}
	e.mu.Lock()
	e.keys[c.AccessKeyID] = issued{secret: c.SecretAccessKey, role: role, arn: arn}
	e.mu.Unlock()
	return c, nil
}

// assumeAs asks the STS front, as a session it issued, for a session of
// role: what a team member's `aws sts assume-role` does. Refused when the
// role's trust policy does not name the caller's role.
func (e *eksAuth) assumeAs(ctx context.Context, creds aws.Credentials, role, name string) (aws.Credentials, error) {
	c, _, err := assumeRole(ctx, e.sts, creds, role, name)
	return c, err
}

// assumeRole calls STS's AssumeRole at endpoint as the caller's access key
// (named in the Authorization header, which is all the front and moto
// read), and returns the session and its assumed-role ARN.
func assumeRole(ctx context.Context, endpoint string, caller aws.Credentials, role, name string) (aws.Credentials, string, error) {
	form := url.Values{"Action": {"AssumeRole"}, "Version": {"2011-06-15"}, "RoleArn": {role}, "RoleSessionName": {name}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint+"/", strings.NewReader(form.Encode()))
	if err != nil {
		return aws.Credentials{}, "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+caller.AccessKeyID+"/20260101/eu-west-1/sts/aws4_request")
	if caller.SessionToken != "" {
		req.Header.Set("X-Amz-Security-Token", caller.SessionToken)
	}
	rsp, err := http.DefaultClient.Do(req)
	if err != nil {
		return aws.Credentials{}, "", err
	}
	defer rsp.Body.Close() //nolint:errcheck // Read below.
	body, _ := io.ReadAll(rsp.Body)
	var out assumeRoleResponse
	if err := xml.Unmarshal(body, &out); err != nil || out.Result.Credentials.AccessKeyID == "" {
		return aws.Credentials{}, "", fmt.Errorf("AssumeRole %s: %s", role, body)
	}
	c := out.Result.Credentials
	return aws.Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken}, out.Result.AssumedRoleUser.Arn, nil
}

type assumeRoleResponse struct {
	Result struct {
		Credentials struct {
			AccessKeyID     string `xml:"AccessKeyId"`
			SecretAccessKey string `xml:"SecretAccessKey"`
			SessionToken    string `xml:"SessionToken"`
		} `xml:"Credentials"`
		AssumedRoleUser struct {
			Arn string `xml:"Arn"`
		} `xml:"AssumedRoleUser"`
	} `xml:"AssumeRoleResult"`
}

type callerIdentityResponse struct {
	Result struct {
		Arn     string `xml:"Arn"`
		Account string `xml:"Account"`
	} `xml:"GetCallerIdentityResult"`
}

// stsError answers as STS answers a refused call.
func stsError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(status)
	_, _ = fmt.Fprintf(w, `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>eks-e2e</RequestId></ErrorResponse>`, code, xmlEscape(msg))
}

func xmlEscape(s string) string {
	var b bytes.Buffer
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

func (e *eksAuth) serveSTS(w http.ResponseWriter, r *http.Request) {
	if name, ok := strings.CutPrefix(r.URL.Path, "/clusters/"); ok && r.Method == http.MethodGet {
		e.describeCluster(w, r, name)
		return
	}
	body, _ := io.ReadAll(r.Body)
	form, _ := url.ParseQuery(string(body))
	for k, v := range r.URL.Query() {
		form[k] = v
	}
	switch form.Get("Action") {
	case "AssumeRole":
		role := form.Get("RoleArn")
		caller := e.caller(r.Header.Get("Authorization"))
		if why := e.mayAssume(r.Context(), caller, role); why != "" {
			e.log("STS AssumeRole %s by %s refused: %s", role, caller.arn, why)
			stsError(w, http.StatusForbidden, "AccessDenied", fmt.Sprintf("User: %s is not authorized to perform: sts:AssumeRole on resource: %s", caller.arn, role))
			return
		}
		out := e.forward(w, r, body)
		var ar assumeRoleResponse
		if xml.Unmarshal(out, &ar) == nil && ar.Result.Credentials.AccessKeyID != "" {
			e.mu.Lock()
			e.keys[ar.Result.Credentials.AccessKeyID] = issued{secret: ar.Result.Credentials.SecretAccessKey, role: role, arn: ar.Result.AssumedRoleUser.Arn}
			e.mu.Unlock()
			e.log("STS AssumeRole %s by %s: allowed by its trust policy", role, caller.arn)
		}
	case "GetCallerIdentity":
		q := r.URL.Query()
		if q.Get("X-Amz-Signature") == "" {
			e.forward(w, r, body)
			return
		}
		if why := e.verifyPresigned(r); why != "" {
			e.log("STS GetCallerIdentity refused: %s", why)
			stsError(w, http.StatusForbidden, "SignatureDoesNotMatch", why)
			return
		}
		// moto tells services apart by the credential scope of a signed
		// request, which a presigned URL carries in its query: pass the
		// verified call on as the signed POST moto understands.
		fwd := r.Clone(r.Context())
		fwd.Method = http.MethodPost
		fwd.URL.RawQuery = ""
		fwd.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		fwd.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+q.Get("X-Amz-Credential")+", SignedHeaders=host, Signature=verified")
		if tok := q.Get("X-Amz-Security-Token"); tok != "" {
			fwd.Header.Set("X-Amz-Security-Token", tok)
		}
		e.forward(w, fwd, []byte("Action=GetCallerIdentity&Version=2011-06-15"))
	default:
		e.forward(w, r, body)
	}
}

// describeCluster is EKS's DescribeCluster, as `aws eks update-kubeconfig`
// calls it, for a session STS issued.
func (e *eksAuth) describeCluster(w http.ResponseWriter, r *http.Request, name string) {
	w.Header().Set("Content-Type", "application/json")
	if c := e.caller(r.Header.Get("Authorization")); c.role == "" {
		w.WriteHeader(http.StatusForbidden)
		_, _ = fmt.Fprintf(w, `{"message":"The security token included in the request is invalid."}`)
		return
	}
	c, err := e.access.cluster(r.Context(), name)
	switch {
	case err != nil:
		w.WriteHeader(http.StatusInternalServerError)
		_ = json.NewEncoder(w).Encode(map[string]string{"message": err.Error()})
	case c == nil:
		w.Header().Set("X-Amzn-Errortype", "ResourceNotFoundException")
		w.WriteHeader(http.StatusNotFound)
		_ = json.NewEncoder(w).Encode(map[string]string{"message": "No cluster found for name: " + name + "."})
	default:
		e.log("EKS DescribeCluster %s", name)
		_ = json.NewEncoder(w).Encode(map[string]any{"cluster": c})
	}
}

// forward passes the call to moto and copies its answer, which it returns.
func (e *eksAuth) forward(w http.ResponseWriter, r *http.Request, body []byte) []byte {
	req, err := http.NewRequestWithContext(r.Context(), r.Method, e.moto+r.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		stsError(w, http.StatusInternalServerError, "InternalFailure", err.Error())
		return nil
	}
	req.Header = r.Header.Clone()
	rsp, err := http.DefaultClient.Do(req)
	if err != nil {
		stsError(w, http.StatusInternalServerError, "InternalFailure", err.Error())
		return nil
	}
	defer rsp.Body.Close() //nolint:errcheck // Read below.
	out, _ := io.ReadAll(rsp.Body)
	for k, v := range rsp.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(rsp.StatusCode)
	_, _ = w.Write(out)
	return out
}

// caller is who signed a request, by the access key in its Authorization
// header: a session STS issued, or the platform's own identity.
func (e *eksAuth) caller(authorization string) issued {
	_, cred, _ := strings.Cut(authorization, "Credential=")
	key, _, _ := strings.Cut(cred, "/")
	e.mu.Lock()
	defer e.mu.Unlock()
	if c, ok := e.keys[key]; ok {
		return c
	}
	return issued{arn: "arn:aws:iam::111122223333:user/unknown-" + key}
}

// mayAssume says why IAM refuses caller the assumption of role, or "": the
// role must exist and its trust policy allow sts:AssumeRole to the caller's
// role (by ARN) or account, judged as IAM judges it (internal/iampolicy).
func (e *eksAuth) mayAssume(ctx context.Context, caller issued, role string) string {
	if caller.role == "" {
		return "the caller is no session this STS issued"
	}
	doc, err := e.access.trustPolicy(ctx, role)
	if err != nil {
		return err.Error()
	}
	if doc == "" {
		return "no such role"
	}
	switch d, err := iampolicy.Evaluate(doc, iampolicy.Request{Action: "sts:AssumeRole", Principal: caller.role}); {
	case err != nil:
		return "trust policy: " + err.Error()
	case d == iampolicy.ExplicitDeny:
		return "an explicit deny in the trust policy"
	case d != iampolicy.Allow:
		return "the trust policy allows no sts:AssumeRole by " + caller.role
	}
	return ""
}

// session is the session STS issued with the access key ID.
func (e *eksAuth) session(accessKeyID string) (issued, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	s, ok := e.keys[accessKeyID]
	return s, ok
}

// verifyPresigned checks a presigned call's SigV4 signature, headers
// included, with the secret of the session STS issued, as STS does; moto
// does not.
func (e *eksAuth) verifyPresigned(r *http.Request) string {
	q := r.URL.Query()
	cred := strings.Split(q.Get("X-Amz-Credential"), "/")
	if len(cred) != 5 {
		return "malformed X-Amz-Credential"
	}
	e.mu.Lock()
	key, ok := e.keys[cred[0]]
	e.mu.Unlock()
	if !ok {
		return "The security token included in the request is invalid"
	}
	at, err := time.Parse("20060102T150405Z", q.Get("X-Amz-Date"))
	if err != nil {
		return "malformed X-Amz-Date"
	}
	want := q.Get("X-Amz-Signature")
	q.Del("X-Amz-Signature")
	u := *r.URL
	u.Scheme, u.Host, u.RawQuery = "http", r.Host, q.Encode()
	req, _ := http.NewRequestWithContext(r.Context(), http.MethodGet, u.String(), nil)
	for _, h := range strings.Split(q.Get("X-Amz-SignedHeaders"), ";") {
		if h != "host" {
			req.Header.Set(h, r.Header.Get(h))
		}
	}
	creds := aws.Credentials{AccessKeyID: cred[0], SecretAccessKey: key.secret, SessionToken: q.Get("X-Amz-Security-Token")}
	empty := sha256.Sum256(nil)
	for _, payload := range []string{hex.EncodeToString(empty[:]), "UNSIGNED-PAYLOAD"} {
		signed, _, err := v4.NewSigner().PresignHTTP(r.Context(), creds, req.Clone(r.Context()), payload, cred[3], cred[2], at)
		if err != nil {
			return err.Error()
		}
		su, err := url.Parse(signed)
		if err == nil && su.Query().Get("X-Amz-Signature") == want {
			return ""
		}
	}
	return "The request signature we calculated does not match the signature you provided (signed headers " + q.Get("X-Amz-SignedHeaders") + ")"
}

// register makes a team cluster's authenticator path answer for it.
func (e *eksAuth) register(tc *teamCluster) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.clusters[tc.xr] = tc
}

type tokenReview struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Spec       struct {
		Token string `json:"token"`
	} `json:"spec"`
	Status struct {
		Authenticated bool `json:"authenticated"`
		User          struct {
			Username string   `json:"username,omitempty"`
			UID      string   `json:"uid,omitempty"`
			Groups   []string `json:"groups,omitempty"`
		} `json:"user"`
		Error string `json:"error,omitempty"`
	} `json:"status"`
}

func (e *eksAuth) serveTokenReview(w http.ResponseWriter, r *http.Request) {
	var tr tokenReview
	if err := json.NewDecoder(r.Body).Decode(&tr); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	e.mu.Lock()
	tc := e.clusters[strings.TrimPrefix(r.URL.Path, "/")]
	e.mu.Unlock()
	if tc == nil {
		http.Error(w, "no such cluster", http.StatusNotFound)
		return
	}
	token := tr.Spec.Token
	tr.Spec.Token = ""
	user, groups, err := e.authenticate(r.Context(), tc, token)
	if err != nil {
		e.log("%s: token refused: %v", tc.xr, err)
		tr.Status.Error = err.Error()
	} else {
		e.log("%s: authenticated %s as %s %v", tc.xr, user, user, groups)
		tr.Status.Authenticated = true
		tr.Status.User.Username = user
		tr.Status.User.Groups = groups
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(tr)
}

// authenticate is the EKS authenticator for tc: who signed the token, and
// what the cluster's access entries make of them.
func (e *eksAuth) authenticate(ctx context.Context, tc *teamCluster, token string) (string, []string, error) {
	enc, ok := strings.CutPrefix(token, "k8s-aws-v1.")
	if !ok {
		return "", nil, fmt.Errorf("not an EKS token")
	}
	raw, err := base64.RawURLEncoding.DecodeString(enc)
	if err != nil {
		return "", nil, fmt.Errorf("token: %w", err)
	}
	u, err := url.Parse(string(raw))
	if err != nil {
		return "", nil, fmt.Errorf("token: %w", err)
	}
	q := u.Query()
	switch {
	case "http://"+u.Host != e.sts:
		return "", nil, fmt.Errorf("token signed for STS at %s, not this region's STS", u.Host)
	case q.Get("Action") != "GetCallerIdentity":
		return "", nil, fmt.Errorf("token is not a GetCallerIdentity call")
	case !slices.Contains(strings.Split(q.Get("X-Amz-SignedHeaders"), ";"), "x-k8s-aws-id"):
		return "", nil, fmt.Errorf("token does not sign x-k8s-aws-id")
	}
	name, err := e.access.clusterName(ctx, tc)
	if err != nil || name == "" {
		return "", nil, fmt.Errorf("cluster %s has no name yet: %w", tc.xr, err)
	}
	// What the authenticator does: send the presigned call with the
	// cluster's own name in x-k8s-aws-id; STS refuses a token made for
	// another cluster.
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	req.Header.Set("x-k8s-aws-id", name)
	rsp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", nil, err
	}
	defer rsp.Body.Close() //nolint:errcheck // Read below.
	body, _ := io.ReadAll(rsp.Body)
	var id callerIdentityResponse
	if rsp.StatusCode != http.StatusOK || xml.Unmarshal(body, &id) != nil || id.Result.Arn == "" {
		return "", nil, fmt.Errorf("STS: %d %s", rsp.StatusCode, body)
	}
	// arn:aws:sts::<account>:assumed-role/<role>/<session>
	parts := strings.Split(id.Result.Arn, ":")
	res := strings.Split(parts[len(parts)-1], "/")
	if len(res) != 3 || res[0] != "assumed-role" {
		return "", nil, fmt.Errorf("caller %s is no role session", id.Result.Arn)
	}
	entries, err := e.access.entries(ctx, name)
	if err != nil {
		return "", nil, err
	}
	for _, en := range entries {
		p := strings.Split(en.principal, ":")
		if len(p) != 6 || p[4] != id.Result.Account || !strings.HasPrefix(p[5], "role/") || p[5][strings.LastIndex(p[5], "/")+1:] != res[1] {
			continue
		}
		user := en.username
		if user == "" {
			user = "arn:aws:sts::{{AccountID}}:assumed-role/" + res[1] + "/{{SessionName}}"
		}
		user = strings.NewReplacer("{{AccountID}}", id.Result.Account, "{{SessionName}}", res[2]).Replace(user)
		groups := slices.Clone(en.groups)
		for _, ap := range en.policies {
			g, err := e.bind(ctx, tc, ap)
			if err != nil {
				return "", nil, err
			}
			groups = append(groups, g...)
		}
		return user, groups, nil
	}
	return "", nil, fmt.Errorf("%s has no access entry on %s", id.Result.Arn, name)
}

// bound waits until the API server's authorizer honours a binding just
// made: it reads bindings from a cache, and the team cluster's
// kube-controller-manager fills the aggregated roles (edit, view) some time
// after it starts. EKS's own access policies hold from the first request
// the authenticator lets through. Every role an access policy stands for
// may get pods.
func bound(ctx context.Context, tc *teamCluster, group, ns string) error {
	return poll(ctx, 2*time.Minute, 100*time.Millisecond, "the binding of "+group, func() (bool, error) {
		r, err := tc.admin.AuthorizationV1().SubjectAccessReviews().Create(ctx, &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
			User: "eks-access-check", Groups: []string{group},
			ResourceAttributes: &authorizationv1.ResourceAttributes{Namespace: ns, Verb: "get", Resource: "pods"},
		}}, metav1.CreateOptions{})
		return err == nil && r.Status.Allowed, err
	})
}

// bind makes sure the Kubernetes role an access policy stands for is bound
// to the group the authenticator hands out for it, in the policy's scope,
// and returns those groups. Only the authenticator hands them out.
func (e *eksAuth) bind(ctx context.Context, tc *teamCluster, ap accessPolicy) ([]string, error) {
	role, ok := accessPolicyRoles[ap.arn]
	if !ok {
		return nil, fmt.Errorf("unknown access policy %s", ap.arn)
	}
	name := "eks:access-policy:" + ap.arn[strings.LastIndex(ap.arn, "/")+1:]
	ref := rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: role}
	if len(ap.namespaces) == 0 {
		crb := &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name}, RoleRef: ref,
			Subjects: []rbacv1.Subject{{Kind: "Group", APIGroup: "rbac.authorization.k8s.io", Name: name}}}
		_, err := tc.admin.RbacV1().ClusterRoleBindings().Create(ctx, crb, metav1.CreateOptions{})
		if err != nil && !apierrors.IsAlreadyExists(err) {
			return nil, err
		}
		if err == nil {
			if err := bound(ctx, tc, name, ""); err != nil {
				return nil, err
			}
		}
		return []string{name}, nil
	}
	var groups []string
	for _, ns := range ap.namespaces {
		g := name + ":" + ns
		rb := &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}, RoleRef: ref,
			Subjects: []rbacv1.Subject{{Kind: "Group", APIGroup: "rbac.authorization.k8s.io", Name: g}}}
		_, err := tc.admin.RbacV1().RoleBindings(ns).Create(ctx, rb, metav1.CreateOptions{})
		if err != nil && !apierrors.IsAlreadyExists(err) && !apierrors.IsNotFound(err) {
			return nil, err
		}
		if err == nil {
			if err := bound(ctx, tc, g, ns); err != nil {
				return nil, err
			}
		}
		groups = append(groups, g)
	}
	return groups, nil
}
