package awsemu

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
)

// userKey names an IAM user.
type userKey struct{ account, name string }

// serviceCredential is an IAM service-specific credential.
type serviceCredential struct {
	CreateDate                  string `xml:"CreateDate"`
	ServiceName                 string `xml:"ServiceName"`
	ServiceUserName             string `xml:"ServiceUserName"`
	ServicePassword             string `xml:"ServicePassword,omitempty"`
	ServiceSpecificCredentialID string `xml:"ServiceSpecificCredentialId"`
	UserName                    string `xml:"UserName"`
	Status                      string `xml:"Status"`
	// password is what IAM checks a Git sign-in against; it is sent
	// once, in the answer that made it.
	password string
}

// attached matches a GetPolicy answer of a policy attached to something.
var attached = regexp.MustCompile(`<AttachmentCount>[1-9][0-9]*</AttachmentCount>`)

// credentialServices are the services IAM makes service-specific
// credentials for.
var credentialServices = []string{"codecommit.amazonaws.com", "cassandra.amazonaws.com", "bedrock.amazonaws.com"}

// maxCredentials is how many service-specific credentials IAM allows a
// user per service.
const maxCredentials = 2

// form is an IAM (query protocol) call's parameters.
func (q *request) form() url.Values {
	f, _ := url.ParseQuery(string(q.body)) // serveRoute parsed it before routing.
	return f
}

// refuseAttachedPolicyDeletion refuses to delete a policy still attached to
// a user, group or role, as IAM does; moto deletes it.
func (s *Server) refuseAttachedPolicyDeletion(q *request) bool {
	get := url.Values{"Action": {"GetPolicy"}, "PolicyArn": {q.form().Get("PolicyArn")}, "Version": {"2010-05-08"}}.Encode()
	if rp, err := s.forward(q.r.Clone(q.r.Context()), []byte(get)); err == nil && rp.ok() && attached.Match(rp.body) {
		iamError(q.w, http.StatusConflict, "DeleteConflict", "Cannot delete a policy attached to entities.")
		return true
	}
	return false
}

// refuseUserDeletion refuses to delete a user that still has
// service-specific credentials or attached policies, as IAM does; moto
// deletes it.
func (s *Server) refuseUserDeletion(q *request) bool {
	user := q.form().Get("UserName")
	s.mu.Lock()
	n := len(s.creds[userKey{q.c.account, user}])
	s.mu.Unlock()
	if n > 0 {
		iamError(q.w, http.StatusConflict, "DeleteConflict", "Cannot delete entity, must remove service specific credentials first.")
		return true
	}
	list := url.Values{"Action": {"ListAttachedUserPolicies"}, "UserName": {user}, "Version": {"2010-05-08"}}.Encode()
	if rp, err := s.forward(q.r.Clone(q.r.Context()), []byte(list)); err == nil && rp.ok() && strings.Contains(string(rp.body), "<PolicyArn>") {
		iamError(q.w, http.StatusConflict, "DeleteConflict", "Cannot delete entity, must detach all policies first.")
		return true
	}
	return false
}

// withUser answers NoSuchEntity, as IAM does, when the user a
// service-specific credential call names does not exist, and holds the
// lock while h runs.
func withUser(h func(*Server, *request, userKey)) func(*Server, *request) bool {
	return func(s *Server, q *request) bool {
		user := q.form().Get("UserName")
		if user == "" {
			iamError(q.w, http.StatusBadRequest, "ValidationError", "UserName is required")
			return true
		}
		if !s.userExists(q.w, q.r, user) {
			return true
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		h(s, q, userKey{q.c.account, user})
		return true
	}
}

func (s *Server) createCredential(q *request, k userKey) {
	service := q.form().Get("ServiceName")
	if !slices.Contains(credentialServices, service) {
		s.noteLocked("CreateServiceSpecificCredential: service %q", service)
		iamError(q.w, http.StatusBadRequest, "NotSupportedService", "The specified service is not supported: "+service)
		return
	}
	n := 0
	for _, cr := range s.creds[k] {
		if cr.ServiceName == service {
			n++
		}
	}
	if n >= maxCredentials {
		iamError(q.w, http.StatusConflict, "LimitExceeded", "Cannot exceed quota for ServiceSpecificCredentialsPerUserPerService: 2")
		return
	}
	s.seq++
	cr := &serviceCredential{
		CreateDate: s.now().UTC().Format(time.RFC3339), ServiceName: service,
		ServiceUserName:             fmt.Sprintf("%s-at-%s", k.name, k.account),
		ServiceSpecificCredentialID: fmt.Sprintf("ACCA%016d", s.seq), UserName: k.name, Status: "Active",
	}
	cr.password = password()
	s.creds[k] = append(s.creds[k], cr)
	out := *cr
	out.ServicePassword = cr.password
	iamResult(q.w, q.op, credentialResult{Credential: out})
}

func (s *Server) listCredentials(q *request, k userKey) {
	service := q.form().Get("ServiceName")
	var list []serviceCredential
	for _, cr := range s.creds[k] {
		if service == "" || cr.ServiceName == service {
			list = append(list, *cr)
		}
	}
	iamResult(q.w, q.op, struct {
		XMLName xml.Name            `xml:"R"`
		Members []serviceCredential `xml:"ServiceSpecificCredentials>member"`
	}{Members: list})
}

// withCredential looks up the user's credential a call names.
func withCredential(h func(*Server, *request, userKey, int)) func(*Server, *request, userKey) {
	return func(s *Server, q *request, k userKey) {
		id := q.form().Get("ServiceSpecificCredentialId")
		i := slices.IndexFunc(s.creds[k], func(cr *serviceCredential) bool { return cr.ServiceSpecificCredentialID == id })
		if i < 0 {
			iamError(q.w, http.StatusNotFound, "NoSuchEntity", fmt.Sprintf("No such credential %s for user %s", id, k.name))
			return
		}
		h(s, q, k, i)
	}
}

func (s *Server) deleteCredential(q *request, k userKey, i int) {
	s.creds[k] = slices.Delete(s.creds[k], i, i+1)
	if len(s.creds[k]) == 0 {
		delete(s.creds, k)
	}
	iamResult(q.w, q.op, nil)
}

func (s *Server) updateCredential(q *request, k userKey, i int) {
	status := q.form().Get("Status")
	if status != "Active" && status != "Inactive" {
		iamError(q.w, http.StatusBadRequest, "ValidationError", "Status must be Active or Inactive")
		return
	}
	s.creds[k][i].Status = status
	iamResult(q.w, q.op, nil)
}

func (s *Server) resetCredential(q *request, k userKey, i int) {
	s.creds[k][i].password = password()
	out := *s.creds[k][i]
	out.ServicePassword = s.creds[k][i].password
	iamResult(q.w, q.op, credentialResult{Credential: out})
}

// GitSignIn is the IAM user in account whose active CodeCommit credential
// has the user name and password, as CodeCommit's Git endpoint asks IAM;
// "" when none has.
func (s *Server) GitSignIn(account, user, pass string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, list := range s.creds {
		if k.account != account {
			continue
		}
		for _, cr := range list {
			if cr.ServiceName == "codecommit.amazonaws.com" && cr.Status == "Active" && cr.ServiceUserName == user &&
				subtle.ConstantTimeCompare([]byte(cr.password), []byte(pass)) == 1 {
				return cr.UserName
			}
		}
	}
	return ""
}

// userExists asks moto whether the user exists, answering NoSuchEntity
// when not, as IAM does.
func (s *Server) userExists(w http.ResponseWriter, r *http.Request, user string) bool {
	body := url.Values{"Action": {"GetUser"}, "UserName": {user}, "Version": {"2010-05-08"}}.Encode()
	req := r.Clone(r.Context())
	rp, err := s.forward(req, []byte(body))
	if err != nil {
		iamError(w, http.StatusBadGateway, "ServiceFailure", err.Error())
		return false
	}
	if !rp.ok() {
		iamError(w, http.StatusNotFound, "NoSuchEntity", fmt.Sprintf("The user with name %s cannot be found.", user))
		return false
	}
	return true
}

func password() string {
	b := make([]byte, 33)
	_, _ = rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}

const iamNamespace = "https://iam.amazonaws.com/doc/2010-05-08/"

// credentialResult is the result of the calls that return a credential.
type credentialResult struct {
	XMLName    xml.Name          `xml:"R"`
	Credential serviceCredential `xml:"ServiceSpecificCredential"`
}

// iamResult answers an IAM (query protocol) call. result marshals to an
// element <R>, whose content goes into the element named after the action.
func iamResult(w http.ResponseWriter, action string, result any) {
	inner := ""
	if result != nil {
		b, err := xml.Marshal(result)
		if err != nil {
			iamError(w, http.StatusInternalServerError, "ServiceFailure", err.Error())
			return
		}
		inner = strings.TrimSuffix(strings.TrimPrefix(string(b), "<R>"), "</R>")
	}
	w.Header().Set("Content-Type", "text/xml")
	_, _ = fmt.Fprintf(w, `<%sResponse xmlns="%s"><%sResult>%s</%sResult><ResponseMetadata><RequestId>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</RequestId></ResponseMetadata></%sResponse>`,
		action, iamNamespace, action, inner, action, action)
}

// iamError answers an IAM call with an error.
func iamError(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(status)
	var msg strings.Builder
	_ = xml.EscapeText(&msg, []byte(message))
	_, _ = fmt.Fprintf(w, `<ErrorResponse xmlns="%s"><Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</RequestId></ErrorResponse>`,
		iamNamespace, code, msg.String())
}
