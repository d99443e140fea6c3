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

// templateRequest is what the approval rule template calls carry.
type templateRequest struct {
	Name        string `json:"approvalRuleTemplateName"`
	NewName     string `json:"newApprovalRuleTemplateName"`
	OldName     string `json:"oldApprovalRuleTemplateName"`
	Content     string `json:"approvalRuleTemplateContent"`
	NewContent  string `json:"newRuleContent"`
	Description string `json:"approvalRuleTemplateDescription"`
	Repository  string `json:"repositoryName"`
}

// template reads an approval rule template call; a repository it names
// must exist, which moto knows. false means it answered already.
func (s *Server) template(q *request) (templateRequest, bool) {
	var in templateRequest
	if err := json.Unmarshal(q.body, &in); err != nil {
		jsonError(q.w, "InvalidParameterException", err.Error())
		return in, false
	}
	if q.op == "UpdateApprovalRuleTemplateName" {
		in.Name = in.OldName
	}
	if in.Repository != "" {
		get := q.r.Clone(q.r.Context())
		get.Header.Set("X-Amz-Target", codeCommitTarget+"GetRepository")
		rp, err := s.forward(get, fmt.Appendf(nil, `{"repositoryName":%q}`, in.Repository))
		if err != nil {
			jsonError(q.w, "ServiceFailure", err.Error())
			return in, false
		}
		if !rp.ok() {
			jsonError(q.w, "RepositoryDoesNotExistException", in.Repository+" does not exist")
			return in, false
		}
	}
	if in.Name == "" && q.op != "ListAssociatedApprovalRuleTemplatesForRepository" {
		jsonError(q.w, "ApprovalRuleTemplateNameRequiredException", "An approval rule template name is required.")
		return in, false
	}
	return in, true
}

func (s *Server) templateKey(q *request, name string) templateKey {
	return templateKey{q.c.account, q.c.region, name}
}

func (s *Server) repositoryTemplates(q *request) {
	in, ok := s.template(q)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var names []string
	for tk, t := range s.templates {
		if tk.account == q.c.account && tk.region == q.c.region && slices.Contains(t.repositories, in.Repository) {
			names = append(names, tk.name)
		}
	}
	slices.Sort(names)
	writeJSON(q.w, http.StatusOK, map[string]any{"approvalRuleTemplateNames": names})
}

func (s *Server) createTemplate(q *request) {
	in, ok := s.template(q)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k := s.templateKey(q, in.Name)
	if _, exists := s.templates[k]; exists {
		jsonError(q.w, "ApprovalRuleTemplateNameAlreadyExistsException", "An approval rule template with that name already exists: "+in.Name)
		return
	}
	if !validTemplateContent(in.Content) {
		jsonError(q.w, "InvalidApprovalRuleTemplateContentException", "The content of the approval rule template is not valid.")
		return
	}
	now := epoch(s.now())
	s.seq++
	t := &approvalRuleTemplate{
		ID: fmt.Sprintf("%08x-0000-4000-8000-%012x", s.seq, s.seq), Content: in.Content, Description: in.Description,
		Created: now, Modified: now, LastModifiedUser: "arn:aws:iam::" + q.c.account + ":user/emulated",
	}
	s.templates[k] = t
	writeJSON(q.w, http.StatusOK, map[string]any{"approvalRuleTemplate": t.out(in.Name)})
}

// withTemplate looks up the template a call names and holds the lock while
// h runs.
func withTemplate(h func(*Server, *request, templateRequest, *approvalRuleTemplate)) func(*Server, *request) {
	return func(s *Server, q *request) {
		in, ok := s.template(q)
		if !ok {
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		t, exists := s.templates[s.templateKey(q, in.Name)]
		if !exists {
			jsonError(q.w, "ApprovalRuleTemplateDoesNotExistException", "The approval rule template does not exist: "+in.Name)
			return
		}
		h(s, q, in, t)
	}
}

func (s *Server) getTemplate(q *request, in templateRequest, t *approvalRuleTemplate) {
	writeJSON(q.w, http.StatusOK, map[string]any{"approvalRuleTemplate": t.out(in.Name)})
}

func (s *Server) deleteTemplate(q *request, in templateRequest, t *approvalRuleTemplate) {
	if len(t.repositories) > 0 {
		jsonError(q.w, "ApprovalRuleTemplateInUseException", "The approval rule template is associated with one or more repositories: "+in.Name)
		return
	}
	delete(s.templates, s.templateKey(q, in.Name))
	writeJSON(q.w, http.StatusOK, map[string]any{"approvalRuleTemplateId": t.ID})
}

func (s *Server) updateTemplateContent(q *request, in templateRequest, t *approvalRuleTemplate) {
	if !validTemplateContent(in.NewContent) {
		jsonError(q.w, "InvalidApprovalRuleTemplateContentException", "The content of the approval rule template is not valid.")
		return
	}
	t.Content, t.Modified = in.NewContent, epoch(s.now())
	writeJSON(q.w, http.StatusOK, map[string]any{"approvalRuleTemplate": t.out(in.Name)})
}

func (s *Server) updateTemplateDescription(q *request, in templateRequest, t *approvalRuleTemplate) {
	t.Description, t.Modified = in.Description, epoch(s.now())
	writeJSON(q.w, http.StatusOK, map[string]any{"approvalRuleTemplate": t.out(in.Name)})
}

func (s *Server) renameTemplate(q *request, in templateRequest, t *approvalRuleTemplate) {
	if _, taken := s.templates[s.templateKey(q, in.NewName)]; taken {
		jsonError(q.w, "ApprovalRuleTemplateNameAlreadyExistsException", "An approval rule template with that name already exists: "+in.NewName)
		return
	}
	delete(s.templates, s.templateKey(q, in.Name))
	s.templates[s.templateKey(q, in.NewName)] = t
	writeJSON(q.w, http.StatusOK, map[string]any{"approvalRuleTemplate": t.out(in.NewName)})
}

func (s *Server) associateTemplate(q *request, in templateRequest, t *approvalRuleTemplate) {
	if !slices.Contains(t.repositories, in.Repository) {
		t.repositories = append(t.repositories, in.Repository)
	}
	writeJSON(q.w, http.StatusOK, map[string]any{})
}

func (s *Server) disassociateTemplate(q *request, in templateRequest, t *approvalRuleTemplate) {
	t.repositories = slices.DeleteFunc(t.repositories, func(r string) bool { return r == in.Repository })
	writeJSON(q.w, http.StatusOK, map[string]any{})
}

func (s *Server) templateRepositories(q *request, _ templateRequest, t *approvalRuleTemplate) {
	writeJSON(q.w, http.StatusOK, map[string]any{"repositoryNames": slices.Sorted(slices.Values(t.repositories))})
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
