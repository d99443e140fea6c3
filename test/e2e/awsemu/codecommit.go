package awsemu

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

const codeCommitTarget = "CodeCommit_20150413."

// serveCodeCommit keeps repositories' tags, which moto drops, answers
// ListBranches, and sends dates as CodeCommit does; false sends the request
// to moto.
func (s *Server) serveCodeCommit(w http.ResponseWriter, r *http.Request, c call) bool {
	op, ok := strings.CutPrefix(r.Header.Get("X-Amz-Target"), codeCommitTarget)
	if !ok {
		return false
	}
	body, err := readBody(r)
	if err != nil {
		return false
	}
	var in struct {
		RepositoryName string            `json:"repositoryName"`
		ResourceArn    string            `json:"resourceArn"`
		Tags           map[string]string `json:"tags"`
		TagKeys        []string          `json:"tagKeys"`
	}
	if err := json.Unmarshal(body, &in); err != nil {
		jsonError(w, "InvalidParameterException", err.Error())
		return true
	}
	switch op {
	case "GetRepository":
		rp, err := s.forward(r, body)
		if err != nil {
			jsonError(w, "ServiceFailure", err.Error())
			return true
		}
		rp.write(w, repositoryDates(rp.body))
		return true
	case "CreateRepository", "DeleteRepository":
		rp, err := s.forward(r, body)
		if err != nil {
			jsonError(w, "ServiceFailure", err.Error())
			return true
		}
		if rp.ok() {
			arn := fmt.Sprintf("arn:aws:codecommit:%s:%s:%s", c.region, c.account, in.RepositoryName)
			s.mu.Lock()
			if op == "CreateRepository" {
				tags := map[string]string{}
				for k, v := range in.Tags {
					tags[k] = v
				}
				s.repoTags[arn] = tags
			} else {
				delete(s.repoTags, arn)
				s.forgetRepository(c.account, c.region, in.RepositoryName)
			}
			s.mu.Unlock()
		}
		rp.write(w, repositoryDates(rp.body))
		return true
	case "ListBranches":
		// moto keeps no branches; a new repository has none until the
		// first push, which the suite never makes.
		get := r.Clone(r.Context())
		get.Header.Set("X-Amz-Target", codeCommitTarget+"GetRepository")
		rp, err := s.forward(get, body)
		if err != nil {
			jsonError(w, "ServiceFailure", err.Error())
			return true
		}
		if !rp.ok() {
			rp.write(w, rp.body)
			return true
		}
		writeJSON(w, http.StatusOK, map[string]any{"branches": []string{}})
		return true
	case "TagResource", "UntagResource", "ListTagsForResource":
	default:
		return s.serveApprovalRules(w, r, c, op, body)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	tags, ok := s.repoTags[in.ResourceArn]
	if !ok {
		jsonError(w, "RepositoryDoesNotExistException", "Repository does not exist: "+in.ResourceArn)
		return true
	}
	switch op {
	case "TagResource":
		for k, v := range in.Tags {
			tags[k] = v
		}
		writeJSON(w, http.StatusOK, map[string]any{})
	case "UntagResource":
		for _, k := range in.TagKeys {
			delete(tags, k)
		}
		writeJSON(w, http.StatusOK, map[string]any{})
	default:
		writeJSON(w, http.StatusOK, map[string]any{"tags": tags})
	}
	return true
}

// jsonError answers a JSON 1.1 API call with an AWS error.
func jsonError(w http.ResponseWriter, code, message string) {
	writeJSON(w, http.StatusBadRequest, map[string]any{"__type": code, "message": message})
}

// repositoryDates turns the dates moto sends as strings into the epoch
// seconds CodeCommit sends: an SDK refuses a string there.
func repositoryDates(body []byte) []byte {
	var out map[string]any
	if json.Unmarshal(body, &out) != nil {
		return body
	}
	md, ok := out["repositoryMetadata"].(map[string]any)
	if !ok {
		return body
	}
	for _, f := range []string{"creationDate", "lastModifiedDate"} {
		v, ok := md[f].(string)
		if !ok {
			continue
		}
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999", "2006-01-02 15:04:05.999999"} {
			if t, err := time.Parse(layout, v); err == nil {
				md[f] = epoch(t)
				break
			}
		}
	}
	b, err := json.Marshal(out)
	if err != nil {
		return body
	}
	return b
}
