package e2e

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
)

// pullRequests is CodeCommit's pull-request API as the AWS CLI calls it
// (JSON 1.1, X-Amz-Target CodeCommit_20150413.<operation>), over the
// stand-in's bare repositories. Every call must be signed (SigV4) by a
// session STS issued, and is judged by IAM on the session's role
// (gitIAM.roleRefused); a merge needs the approvals the repository's
// approval rule templates ask for, from people other than the author, as
// CodeCommit enforces them (gitIAM.reviewRules).
type pullRequests struct {
	mu   sync.Mutex
	seq  int
	byID map[string]*pullRequest
}

type pullRequest struct {
	ID, Title, Status, RevisionID, Author string
	Repository, Source, Destination       string // references: refs/heads/<branch>
	SourceCommit, DestinationCommit       string
	Rules                                 []string // the rules' contents, from the templates when it was made
	Approvals                             []string // approvers' ARNs
	MergedBy                              string
}

func (p *pullRequest) out() map[string]any {
	approvals := []any{}
	for _, a := range p.Approvals {
		approvals = append(approvals, map[string]any{"userArn": a, "approvalState": "APPROVE"})
	}
	rules := []any{}
	for i, r := range p.Rules {
		rules = append(rules, map[string]any{"approvalRuleName": fmt.Sprintf("template-rule-%d", i+1), "approvalRuleContent": r})
	}
	return map[string]any{
		"pullRequestId": p.ID, "title": p.Title, "pullRequestStatus": p.Status, "revisionId": p.RevisionID, "authorArn": p.Author,
		"pullRequestTargets": []any{map[string]any{
			"repositoryName": p.Repository, "sourceReference": p.Source, "destinationReference": p.Destination,
			"sourceCommit": p.SourceCommit, "destinationCommit": p.DestinationCommit,
			"mergeMetadata": map[string]any{"isMerged": p.MergedBy != "", "mergedBy": p.MergedBy},
		}},
		"approvalRules": rules, "approvals": approvals,
	}
}

// ccError answers as CodeCommit does.
func ccError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": code, "message": msg})
}

// authorization is a SigV4 Authorization header's parts.
var authorization = regexp.MustCompile(`^AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$`)

// verifySigV4 checks a request's SigV4 signature with secret, as AWS does.
func verifySigV4(r *http.Request, body []byte, m []string, secret string) bool {
	date, region, service, signed, signature := m[2], m[3], m[4], m[5], m[6]
	var headers strings.Builder
	for _, h := range strings.Split(signed, ";") {
		v := r.Header.Get(h)
		switch h {
		case "host":
			v = r.Host
		case "content-length":
			v = fmt.Sprint(r.ContentLength)
		}
		headers.WriteString(h + ":" + strings.Join(strings.Fields(v), " ") + "\n")
	}
	q := r.URL.Query()
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var query []string
	for _, k := range keys {
		query = append(query, k+"="+q.Get(k))
	}
	bodySum := sha256.Sum256(body)
	canonical := strings.Join([]string{r.Method, r.URL.EscapedPath(), strings.Join(query, "&"), headers.String(), signed, hex.EncodeToString(bodySum[:])}, "\n")
	canonicalSum := sha256.Sum256([]byte(canonical))
	scope := date + "/" + region + "/" + service + "/aws4_request"
	toSign := "AWS4-HMAC-SHA256\n" + r.Header.Get("X-Amz-Date") + "\n" + scope + "\n" + hex.EncodeToString(canonicalSum[:])
	mac := func(key []byte, s string) []byte {
		h := hmac.New(sha256.New, key)
		h.Write([]byte(s))
		return h.Sum(nil)
	}
	key := mac(mac(mac(mac([]byte("AWS4"+secret), date), region), service), "aws4_request")
	return hmac.Equal([]byte(hex.EncodeToString(mac(key, toSign))), []byte(signature))
}

// approvedBy says whether an approver's ARN is in a rule's pool, whose
// members may end in a wildcard, as CodeCommit matches them.
func approvedBy(pool []string, arn string) bool {
	return slices.ContainsFunc(pool, func(m string) bool {
		if prefix, ok := strings.CutSuffix(m, "*"); ok {
			return strings.HasPrefix(arn, prefix)
		}
		return m == arn
	})
}

// satisfied says which rule a pull request's approvals do not satisfy, "".
func (p *pullRequest) satisfied() (string, error) {
	for _, content := range p.Rules {
		var rule struct {
			DestinationReferences []string
			Statements            []struct {
				Type                    string
				NumberOfApprovalsNeeded int
				ApprovalPoolMembers     []string
			}
		}
		if err := json.Unmarshal([]byte(content), &rule); err != nil {
			return "", err
		}
		for _, st := range rule.Statements {
			n := 0
			for _, a := range p.Approvals {
				if len(st.ApprovalPoolMembers) == 0 || approvedBy(st.ApprovalPoolMembers, a) {
					n++
				}
			}
			if n < st.NumberOfApprovalsNeeded {
				return content, nil
			}
		}
	}
	return "", nil
}

// appliesTo says whether a template's rule applies to a pull request into
// destination: templates name the branches they guard, or guard all.
func appliesTo(content, destination string) bool {
	var rule struct{ DestinationReferences []string }
	if json.Unmarshal([]byte(content), &rule) != nil {
		return false
	}
	return len(rule.DestinationReferences) == 0 || slices.Contains(rule.DestinationReferences, destination)
}

func branchRef(s string) string {
	if strings.HasPrefix(s, "refs/") {
		return s
	}
	return "refs/heads/" + s
}

func (c *codeCommit) revParse(repo, ref string) string {
	out, err := exec.Command("git", "-C", filepath.Join(c.repos, repo), "rev-parse", "--verify", "-q", ref).Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

func (c *codeCommit) servePullRequests(w http.ResponseWriter, r *http.Request) {
	op, ok := strings.CutPrefix(r.Header.Get("X-Amz-Target"), "CodeCommit_20150413.")
	body, _ := io.ReadAll(r.Body)
	m := authorization.FindStringSubmatch(r.Header.Get("Authorization"))
	if !ok || m == nil {
		ccError(w, http.StatusBadRequest, "InvalidSignatureException", "a SigV4-signed CodeCommit call is required")
		return
	}
	caller, known := c.sessions.session(m[1])
	if !known || !verifySigV4(r, body, m, caller.secret) {
		c.log("codecommit %s: refused an unknown or badly signed caller %s", op, m[1])
		ccError(w, http.StatusForbidden, "UnrecognizedClientException", "The security token included in the request is invalid.")
		return
	}
	var in struct {
		Title         string `json:"title"`
		PullRequestID string `json:"pullRequestId"`
		RevisionID    string `json:"revisionId"`
		State         string `json:"approvalState"`
		Repository    string `json:"repositoryName"`
		SourceCommit  string `json:"sourceCommitId"`
		Targets       []struct {
			Repository  string `json:"repositoryName"`
			Source      string `json:"sourceReference"`
			Destination string `json:"destinationReference"`
		} `json:"targets"`
	}
	if err := json.Unmarshal(body, &in); err != nil {
		ccError(w, http.StatusBadRequest, "InvalidParameterException", err.Error())
		return
	}
	c.prs.mu.Lock()
	defer c.prs.mu.Unlock()
	pr := c.prs.byID[in.PullRequestID]
	repo, refs := in.Repository, []string(nil)
	switch op {
	case "CreatePullRequest":
		if len(in.Targets) != 1 {
			ccError(w, http.StatusBadRequest, "MultipleRepositoriesInPullRequestException", "exactly one target is supported")
			return
		}
		repo = in.Targets[0].Repository
	case "GetPullRequest", "UpdatePullRequestApprovalState", "MergePullRequestByFastForward":
		if pr == nil {
			ccError(w, http.StatusBadRequest, "PullRequestDoesNotExistException", "The pull request ID could not be found: "+in.PullRequestID)
			return
		}
		if repo == "" {
			repo = pr.Repository
		}
		if op == "MergePullRequestByFastForward" {
			refs = []string{pr.Destination}
		}
	default:
		ccError(w, http.StatusBadRequest, "UnknownOperationException", op+" is not served here")
		return
	}
	why, err := c.iam.roleRefused(r.Context(), caller.role, caller.arn, "codecommit:"+op, repo, refs)
	if err != nil {
		ccError(w, http.StatusInternalServerError, "ServiceFailure", err.Error())
		return
	}
	if why != "" {
		c.log("codecommit %s on %s by %s refused: %s", op, repo, caller.arn, why)
		ccError(w, http.StatusBadRequest, "AccessDeniedException", why)
		return
	}
	switch op {
	case "CreatePullRequest":
		t := in.Targets[0]
		p := &pullRequest{Title: in.Title, Status: "OPEN", Author: caller.arn, Repository: repo,
			Source: branchRef(t.Source), Destination: branchRef(t.Destination)}
		if p.SourceCommit = c.revParse(repo, p.Source); p.SourceCommit == "" {
			ccError(w, http.StatusBadRequest, "ReferenceDoesNotExistException", "The specified reference does not exist: "+t.Source)
			return
		}
		if p.DestinationCommit = c.revParse(repo, p.Destination); p.DestinationCommit == "" {
			ccError(w, http.StatusBadRequest, "ReferenceDoesNotExistException", "The specified reference does not exist: "+t.Destination)
			return
		}
		rules, err := c.iam.reviewRules(r.Context(), repo)
		if err != nil {
			ccError(w, http.StatusInternalServerError, "ServiceFailure", err.Error())
			return
		}
		for _, rule := range rules {
			if appliesTo(rule, p.Destination) {
				p.Rules = append(p.Rules, rule)
			}
		}
		c.prs.seq++
		p.ID = fmt.Sprint(c.prs.seq)
		rev := make([]byte, 32)
		_, _ = rand.Read(rev)
		p.RevisionID = hex.EncodeToString(rev)
		c.prs.byID[p.ID] = p
		pr = p
		c.log("codecommit: %s opened pull request %s on %s, %s into %s, under %d approval rule(s)", caller.arn, p.ID, repo, p.Source, p.Destination, len(p.Rules))
	case "UpdatePullRequestApprovalState":
		switch {
		case in.RevisionID != pr.RevisionID:
			ccError(w, http.StatusBadRequest, "RevisionNotCurrentException", "The revision ID is not the current revision of the pull request.")
			return
		case pr.Status != "OPEN":
			ccError(w, http.StatusBadRequest, "PullRequestAlreadyClosedException", "The pull request status cannot be updated because it is already closed.")
			return
		case caller.arn == pr.Author:
			c.log("codecommit: %s may not approve its own pull request %s", caller.arn, pr.ID)
			ccError(w, http.StatusBadRequest, "PullRequestCannotBeApprovedByAuthorException", "The approval cannot be applied because the user approving the pull request matches the user who created the pull request.")
			return
		}
		pr.Approvals = slices.DeleteFunc(pr.Approvals, func(a string) bool { return a == caller.arn })
		if in.State == "APPROVE" {
			pr.Approvals = append(pr.Approvals, caller.arn)
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		_, _ = w.Write([]byte("{}"))
		return
	case "MergePullRequestByFastForward":
		if pr.Status != "OPEN" {
			ccError(w, http.StatusBadRequest, "PullRequestAlreadyClosedException", "The pull request is already closed.")
			return
		}
		if in.SourceCommit != "" && in.SourceCommit != pr.SourceCommit {
			ccError(w, http.StatusBadRequest, "TipOfSourceReferenceIsDifferentException", "The tip of the source branch is not the specified commit.")
			return
		}
		rule, err := pr.satisfied()
		if err != nil {
			ccError(w, http.StatusInternalServerError, "ServiceFailure", err.Error())
			return
		}
		if rule != "" {
			c.log("codecommit: pull request %s merge refused: approval rule not satisfied (%d approval(s))", pr.ID, len(pr.Approvals))
			ccError(w, http.StatusBadRequest, "PullRequestApprovalRulesNotSatisfiedException", "The pull request cannot be merged because one or more approval rules applied to the pull request have conditions that have not been met.")
			return
		}
		dir := filepath.Join(c.repos, repo)
		if exec.Command("git", "-C", dir, "merge-base", "--is-ancestor", pr.DestinationCommit, pr.SourceCommit).Run() != nil ||
			c.revParse(repo, pr.Destination) != pr.DestinationCommit {
			ccError(w, http.StatusBadRequest, "ManualMergeRequiredException", "The pull request cannot be merged automatically into the destination branch.")
			return
		}
		if out, err := exec.Command("git", "-C", dir, "update-ref", pr.Destination, pr.SourceCommit, pr.DestinationCommit).CombinedOutput(); err != nil {
			ccError(w, http.StatusInternalServerError, "ServiceFailure", fmt.Sprintf("%v: %s", err, out))
			return
		}
		pr.Status, pr.MergedBy = "CLOSED", caller.arn
		c.log("codecommit: %s merged pull request %s into %s", caller.arn, pr.ID, pr.Destination)
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	_ = json.NewEncoder(w).Encode(map[string]any{"pullRequest": pr.out()})
}
