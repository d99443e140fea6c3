package awsemu

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
)

// templateKey names an approval rule template: templates are regional, of
// an account.
type templateKey struct{ account, region, name string }

// approvalRuleTemplate is a CodeCommit approval rule template, in its API's
// shape, and the repositories it is associated with.
type approvalRuleTemplate struct {
	ID, Content, Description string
	Created, Modified        float64
	LastModifiedUser         string
	repositories             []string
}

func (t *approvalRuleTemplate) out(name string) map[string]any {
	sum := sha256.Sum256([]byte(t.Content))
	return map[string]any{
		"approvalRuleTemplateId": t.ID, "approvalRuleTemplateName": name,
		"approvalRuleTemplateDescription": t.Description, "approvalRuleTemplateContent": t.Content,
		"ruleContentSha256": hex.EncodeToString(sum[:]), "creationDate": t.Created, "lastModifiedDate": t.Modified,
		"lastModifiedUser": t.LastModifiedUser,
	}
}

// validTemplateContent is what CodeCommit checks of a template's content:
// JSON of the 2018-11-08 rule language with at least one statement.
func validTemplateContent(content string) bool {
	var c struct {
		Version    string
		Statements []struct {
			Type                    string
			NumberOfApprovalsNeeded int
		}
	}
	if json.Unmarshal([]byte(content), &c) != nil || c.Version != "2018-11-08" || len(c.Statements) == 0 {
		return false
	}
	for _, st := range c.Statements {
		if st.Type != "Approvers" || st.NumberOfApprovalsNeeded < 1 {
			return false
		}
	}
	return true
}

// serveApprovalRules answers the approval rule template calls, which moto
// lacks; false for any other call.
func (s *Server) serveApprovalRules(w http.ResponseWriter, r *http.Request, c call, op string, body []byte) bool {
	var in struct {
		Name        string `json:"approvalRuleTemplateName"`
		NewName     string `json:"newApprovalRuleTemplateName"`
		OldName     string `json:"oldApprovalRuleTemplateName"`
		Content     string `json:"approvalRuleTemplateContent"`
		NewContent  string `json:"newRuleContent"`
		Description string `json:"approvalRuleTemplateDescription"`
		Repository  string `json:"repositoryName"`
	}
	switch op {
	case "CreateApprovalRuleTemplate", "GetApprovalRuleTemplate", "DeleteApprovalRuleTemplate",
		"UpdateApprovalRuleTemplateContent", "UpdateApprovalRuleTemplateDescription", "UpdateApprovalRuleTemplateName",
		"AssociateApprovalRuleTemplateWithRepository", "DisassociateApprovalRuleTemplateFromRepository",
		"ListRepositoriesForApprovalRuleTemplate", "ListAssociatedApprovalRuleTemplatesForRepository":
	default:
		return false
	}
	if err := json.Unmarshal(body, &in); err != nil {
		jsonError(w, "InvalidParameterException", err.Error())
		return true
	}
	if op == "UpdateApprovalRuleTemplateName" {
		in.Name = in.OldName
	}
	// The calls naming a repository need it to exist: moto knows.
	if in.Repository != "" {
		get := r.Clone(r.Context())
		get.Header.Set("X-Amz-Target", codeCommitTarget+"GetRepository")
		rp, err := s.forward(get, fmt.Appendf(nil, `{"repositoryName":%q}`, in.Repository))
		if err != nil {
			jsonError(w, "ServiceFailure", err.Error())
			return true
		}
		if !rp.ok() {
			jsonError(w, "RepositoryDoesNotExistException", in.Repository+" does not exist")
			return true
		}
	}
	k := templateKey{c.account, c.region, in.Name}
	s.mu.Lock()
	defer s.mu.Unlock()
	if op == "ListAssociatedApprovalRuleTemplatesForRepository" {
		var names []string
		for tk, t := range s.templates {
			if tk.account == c.account && tk.region == c.region && slices.Contains(t.repositories, in.Repository) {
				names = append(names, tk.name)
			}
		}
		slices.Sort(names)
		writeJSON(w, http.StatusOK, map[string]any{"approvalRuleTemplateNames": names})
		return true
	}
	if in.Name == "" {
		jsonError(w, "ApprovalRuleTemplateNameRequiredException", "An approval rule template name is required.")
		return true
	}
	t, exists := s.templates[k]
	if op == "CreateApprovalRuleTemplate" {
		switch {
		case exists:
			jsonError(w, "ApprovalRuleTemplateNameAlreadyExistsException", "An approval rule template with that name already exists: "+in.Name)
		case !validTemplateContent(in.Content):
			jsonError(w, "InvalidApprovalRuleTemplateContentException", "The content of the approval rule template is not valid.")
		default:
			now := epoch(s.now())
			s.seq++
			t = &approvalRuleTemplate{
				ID: fmt.Sprintf("%08x-0000-4000-8000-%012x", s.seq, s.seq), Content: in.Content, Description: in.Description,
				Created: now, Modified: now, LastModifiedUser: "arn:aws:iam::" + c.account + ":user/emulated",
			}
			s.templates[k] = t
			writeJSON(w, http.StatusOK, map[string]any{"approvalRuleTemplate": t.out(in.Name)})
		}
		return true
	}
	if !exists {
		jsonError(w, "ApprovalRuleTemplateDoesNotExistException", "The approval rule template does not exist: "+in.Name)
		return true
	}
	switch op {
	case "GetApprovalRuleTemplate":
	case "DeleteApprovalRuleTemplate":
		if len(t.repositories) > 0 {
			jsonError(w, "ApprovalRuleTemplateInUseException", "The approval rule template is associated with one or more repositories: "+in.Name)
			return true
		}
		delete(s.templates, k)
		writeJSON(w, http.StatusOK, map[string]any{"approvalRuleTemplateId": t.ID})
		return true
	case "UpdateApprovalRuleTemplateContent":
		if !validTemplateContent(in.NewContent) {
			jsonError(w, "InvalidApprovalRuleTemplateContentException", "The content of the approval rule template is not valid.")
			return true
		}
		t.Content, t.Modified = in.NewContent, epoch(s.now())
	case "UpdateApprovalRuleTemplateDescription":
		t.Description, t.Modified = in.Description, epoch(s.now())
	case "UpdateApprovalRuleTemplateName":
		if _, taken := s.templates[templateKey{c.account, c.region, in.NewName}]; taken {
			jsonError(w, "ApprovalRuleTemplateNameAlreadyExistsException", "An approval rule template with that name already exists: "+in.NewName)
			return true
		}
		delete(s.templates, k)
		s.templates[templateKey{c.account, c.region, in.NewName}] = t
		in.Name = in.NewName
	case "AssociateApprovalRuleTemplateWithRepository":
		if !slices.Contains(t.repositories, in.Repository) {
			t.repositories = append(t.repositories, in.Repository)
		}
		writeJSON(w, http.StatusOK, map[string]any{})
		return true
	case "DisassociateApprovalRuleTemplateFromRepository":
		t.repositories = slices.DeleteFunc(t.repositories, func(r string) bool { return r == in.Repository })
		writeJSON(w, http.StatusOK, map[string]any{})
		return true
	case "ListRepositoriesForApprovalRuleTemplate":
		writeJSON(w, http.StatusOK, map[string]any{"repositoryNames": slices.Sorted(slices.Values(t.repositories))})
		return true
	}
	writeJSON(w, http.StatusOK, map[string]any{"approvalRuleTemplate": t.out(in.Name)})
	return true
}

// forgetRepository drops a deleted repository's template associations, as
// CodeCommit does.
func (s *Server) forgetRepository(account, region, repo string) {
	for k, t := range s.templates {
		if k.account == account && k.region == region {
			t.repositories = slices.DeleteFunc(t.repositories, func(r string) bool { return r == repo })
		}
	}
}
