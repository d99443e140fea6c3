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

// serveIAM answers the IAM calls the layer serves, and refuses DeleteUser
// as IAM does while the user has credentials or attached policies; false
// sends the request to moto.
func (s *Server) serveIAM(w http.ResponseWriter, r *http.Request, c call) bool {
	body, err := readBody(r)
	if err != nil {
		return false
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return false
	}
	action := form.Get("Action")
	switch action {
	case "CreateServiceSpecificCredential", "ListServiceSpecificCredentials", "DeleteServiceSpecificCredential",
		"UpdateServiceSpecificCredential", "ResetServiceSpecificCredential":
	case "DeletePolicy":
		// IAM refuses to delete a policy still attached to a user, group
		// or role; moto deletes it.
		get := url.Values{"Action": {"GetPolicy"}, "PolicyArn": {form.Get("PolicyArn")}, "Version": {"2010-05-08"}}.Encode()
		if rp, err := s.forward(r.Clone(r.Context()), []byte(get)); err == nil && rp.ok() && attached.Match(rp.body) {
			iamError(w, http.StatusConflict, "DeleteConflict", "Cannot delete a policy attached to entities.")
			return true
		}
		return false
	case "DeleteUser":
		// IAM refuses to delete a user that still has service-specific
		// credentials.
		s.mu.Lock()
		n := len(s.creds[userKey{c.account, form.Get("UserName")}])
		s.mu.Unlock()
		if n > 0 {
			iamError(w, http.StatusConflict, "DeleteConflict", "Cannot delete entity, must remove service specific credentials first.")
			return true
		}
		// And one with attached policies, which moto deletes.
		list := url.Values{"Action": {"ListAttachedUserPolicies"}, "UserName": {form.Get("UserName")}, "Version": {"2010-05-08"}}.Encode()
		if rp, err := s.forward(r.Clone(r.Context()), []byte(list)); err == nil && rp.ok() && strings.Contains(string(rp.body), "<PolicyArn>") {
			iamError(w, http.StatusConflict, "DeleteConflict", "Cannot delete entity, must detach all policies first.")
			return true
		}
		return false
	default:
		return false
	}
	user := form.Get("UserName")
	if user == "" {
		iamError(w, http.StatusBadRequest, "ValidationError", "UserName is required")
		return true
	}
	if !s.userExists(w, r, user) {
		return true
	}
	k := userKey{c.account, user}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch action {
	case "CreateServiceSpecificCredential":
		service := form.Get("ServiceName")
		if !slices.Contains(credentialServices, service) {
			s.noteLocked("CreateServiceSpecificCredential: service %q", service)
			iamError(w, http.StatusBadRequest, "NotSupportedService", "The specified service is not supported: "+service)
			return true
		}
		n := 0
		for _, cr := range s.creds[k] {
			if cr.ServiceName == service {
				n++
			}
		}
		if n >= maxCredentials {
			iamError(w, http.StatusConflict, "LimitExceeded", "Cannot exceed quota for ServiceSpecificCredentialsPerUserPerService: 2")
			return true
		}
		s.seq++
		cr := &serviceCredential{
			CreateDate: s.now().UTC().Format(time.RFC3339), ServiceName: service,
			ServiceUserName:             fmt.Sprintf("%s-at-%s", user, c.account),
			ServiceSpecificCredentialID: fmt.Sprintf("ACCA%016d", s.seq), UserName: user, Status: "Active",
		}
		cr.password = password()
		s.creds[k] = append(s.creds[k], cr)
		out := *cr
		out.ServicePassword = cr.password
		iamResult(w, action, credentialResult{Credential: out})
	case "ListServiceSpecificCredentials":
		service := form.Get("ServiceName")
		var list []serviceCredential
		for _, cr := range s.creds[k] {
			if service == "" || cr.ServiceName == service {
				list = append(list, *cr)
			}
		}
		iamResult(w, action, struct {
			XMLName xml.Name            `xml:"R"`
			Members []serviceCredential `xml:"ServiceSpecificCredentials>member"`
		}{Members: list})
	case "DeleteServiceSpecificCredential", "UpdateServiceSpecificCredential", "ResetServiceSpecificCredential":
		id := form.Get("ServiceSpecificCredentialId")
		i := slices.IndexFunc(s.creds[k], func(cr *serviceCredential) bool { return cr.ServiceSpecificCredentialID == id })
		if i < 0 {
			iamError(w, http.StatusNotFound, "NoSuchEntity", fmt.Sprintf("No such credential %s for user %s", id, user))
			return true
		}
		switch action {
		case "DeleteServiceSpecificCredential":
			s.creds[k] = slices.Delete(s.creds[k], i, i+1)
			if len(s.creds[k]) == 0 {
				delete(s.creds, k)
			}
			iamResult(w, action, nil)
		case "UpdateServiceSpecificCredential":
			status := form.Get("Status")
			if status != "Active" && status != "Inactive" {
				iamError(w, http.StatusBadRequest, "ValidationError", "Status must be Active or Inactive")
				return true
			}
			s.creds[k][i].Status = status
			iamResult(w, action, nil)
		default:
			s.creds[k][i].password = password()
			out := *s.creds[k][i]
			out.ServicePassword = s.creds[k][i].password
			iamResult(w, action, credentialResult{Credential: out})
		}
	}
	return true
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
