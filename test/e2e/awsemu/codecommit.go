package awsemu

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

const codeCommitTarget = "CodeCommit_20150413."

// repositoryRequest is what the repository calls the layer answers carry.
type repositoryRequest struct {
	RepositoryName string            `json:"repositoryName"`
	ResourceArn    string            `json:"resourceArn"`
	Tags           map[string]string `json:"tags"`
	TagKeys        []string          `json:"tagKeys"`
}

func (q *request) repository() (repositoryRequest, bool) {
	var in repositoryRequest
	if err := json.Unmarshal(q.body, &in); err != nil {
		jsonError(q.w, "InvalidParameterException", err.Error())
		return in, false
	}
	return in, true
}

func (s *Server) getRepository(q *request) {
	if _, ok := q.repository(); !ok {
		return
	}
	rp, err := s.forward(q.r, q.body)
	if err != nil {
		jsonError(q.w, "ServiceFailure", err.Error())
		return
	}
	rp.write(q.w, repositoryDates(rp.body))
}

// createOrDeleteRepository passes the call to moto and keeps the
// repository's tags, which moto does not, and its template associations.
func (s *Server) createOrDeleteRepository(q *request) {
	in, ok := q.repository()
	if !ok {
		return
	}
	rp, err := s.forward(q.r, q.body)
	if err != nil {
		jsonError(q.w, "ServiceFailure", err.Error())
		return
	}
	if rp.ok() {
		arn := fmt.Sprintf("arn:aws:codecommit:%s:%s:%s", q.c.region, q.c.account, in.RepositoryName)
		s.mu.Lock()
		if q.op == "CreateRepository" {
			tags := map[string]string{}
			for k, v := range in.Tags {
				tags[k] = v
			}
			s.repoTags[arn] = tags
		} else {
			delete(s.repoTags, arn)
			s.forgetRepository(q.c.account, q.c.region, in.RepositoryName)
		}
		s.mu.Unlock()
	}
	rp.write(q.w, repositoryDates(rp.body))
}

// listBranches answers that the repository has none: moto keeps no
// branches, and a new repository has none until the first push, which the
// suite never makes through this API.
func (s *Server) listBranches(q *request) {
	if _, ok := q.repository(); !ok {
		return
	}
	get := q.r.Clone(q.r.Context())
	get.Header.Set("X-Amz-Target", codeCommitTarget+"GetRepository")
	rp, err := s.forward(get, q.body)
	if err != nil {
		jsonError(q.w, "ServiceFailure", err.Error())
		return
	}
	if !rp.ok() {
		rp.write(q.w, rp.body)
		return
	}
	writeJSON(q.w, http.StatusOK, map[string]any{"branches": []string{}})
}

// repositoryTags serves TagResource, UntagResource and ListTagsForResource
// for repositories.
func (s *Server) repositoryTags(q *request) {
	in, ok := q.repository()
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	tags, ok := s.repoTags[in.ResourceArn]
	if !ok {
		jsonError(q.w, "RepositoryDoesNotExistException", "Repository does not exist: "+in.ResourceArn)
		return
	}
	switch q.op {
	case "TagResource":
		for k, v := range in.Tags {
			tags[k] = v
		}
		writeJSON(q.w, http.StatusOK, map[string]any{})
	case "UntagResource":
		for _, k := range in.TagKeys {
			delete(tags, k)
		}
		writeJSON(q.w, http.StatusOK, map[string]any{})
	default:
		writeJSON(q.w, http.StatusOK, map[string]any{"tags": tags})
	}
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
