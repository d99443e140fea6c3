package awsemu

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
)

const identityStoreTarget = "AWSIdentityStore."

// identityStore is an IAM Identity Center identity store: its users, which
// the organisation's directory owns (AddIdentityStoreUsers), and the
// groups and memberships callers make. It answers only the account that
// holds the Identity Center instance, as AWS does.
type identityStore struct {
	id, account string
	users       map[string]bool
	groups      map[string]*identityGroup
	memberships map[string]*identityMembership
	seq         int
}

type identityGroup struct {
	DisplayName, Description string
}

type identityMembership struct {
	GroupID, UserID string
}

// AddIdentityStoreUsers makes the identity store id, held by account, with
// users of the given IDs: the directory that Identity Center reads users
// from chooses their IDs, so callers cannot make them.
func (s *Server) AddIdentityStoreUsers(account, id string, users ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stores[id]
	if st == nil {
		st = &identityStore{id: id, account: account, users: map[string]bool{}, groups: map[string]*identityGroup{}, memberships: map[string]*identityMembership{}}
		s.stores[id] = st
	}
	for _, u := range users {
		st.users[u] = true
	}
}

// identityRequest is what the group and membership calls carry.
type identityRequest struct {
	IdentityStoreID string `json:"IdentityStoreId"`
	GroupID         string `json:"GroupId"`
	MembershipID    string `json:"MembershipId"`
	DisplayName     string
	Description     string
	MemberID        struct {
		UserID string `json:"UserId"`
	} `json:"MemberId"`
	Operations []struct {
		AttributePath  string
		AttributeValue any
	}
}

// identityCall answers every Identity Store call: groups and memberships
// in the store the call names, which must be one the caller's account
// holds.
func (s *Server) identityCall(q *request) {
	var in identityRequest
	if err := json.Unmarshal(q.body, &in); err != nil {
		jsonError(q.w, "ValidationException", err.Error())
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stores[in.IdentityStoreID]
	if st == nil {
		jsonError(q.w, "ResourceNotFoundException", fmt.Sprintf("IDENTITY_STORE %s not found.", in.IdentityStoreID))
		return
	}
	if st.account != q.c.account {
		jsonError(q.w, "AccessDeniedException", fmt.Sprintf("account %s holds no Identity Center instance of identity store %s", q.c.account, in.IdentityStoreID))
		return
	}
	switch q.op {
	case "CreateGroup":
		st.createGroup(q.w, in)
	case "DescribeGroup":
		if g := st.group(q.w, in.GroupID); g != nil {
			writeJSON(q.w, http.StatusOK, map[string]any{"GroupId": in.GroupID, "IdentityStoreId": in.IdentityStoreID, "DisplayName": g.DisplayName, "Description": g.Description})
		}
	case "UpdateGroup":
		st.updateGroup(q.w, in)
	case "DeleteGroup":
		if st.group(q.w, in.GroupID) != nil {
			// A group goes with its memberships.
			delete(st.groups, in.GroupID)
			for id, m := range st.memberships {
				if m.GroupID == in.GroupID {
					delete(st.memberships, id)
				}
			}
			writeJSON(q.w, http.StatusOK, map[string]any{})
		}
	case "CreateGroupMembership":
		st.createMembership(q.w, in)
	case "DescribeGroupMembership":
		if m := st.membership(q.w, in.MembershipID); m != nil {
			writeJSON(q.w, http.StatusOK, membershipOut(in.IdentityStoreID, in.MembershipID, m))
		}
	case "DeleteGroupMembership":
		if st.membership(q.w, in.MembershipID) != nil {
			delete(st.memberships, in.MembershipID)
			writeJSON(q.w, http.StatusOK, map[string]any{})
		}
	case "ListGroupMemberships":
		if st.group(q.w, in.GroupID) == nil {
			return
		}
		out := []any{}
		for _, id := range slices.Sorted(maps.Keys(st.memberships)) {
			if m := st.memberships[id]; m.GroupID == in.GroupID {
				out = append(out, membershipOut(in.IdentityStoreID, id, m))
			}
		}
		writeJSON(q.w, http.StatusOK, map[string]any{"GroupMemberships": out})
	default:
		s.noteLocked("identitystore %s: not an operation the emulator serves", q.op)
		jsonError(q.w, "ValidationException", "unsupported operation "+q.op)
	}
}

func (st *identityStore) createGroup(w http.ResponseWriter, in identityRequest) {
	if in.DisplayName == "" || len(in.DisplayName) > 1024 {
		jsonError(w, "ValidationException", "DisplayName must be 1 to 1024 characters")
		return
	}
	for _, g := range st.groups {
		if g.DisplayName == in.DisplayName {
			jsonError(w, "ConflictException", "Duplicate GroupDisplayName")
			return
		}
	}
	st.seq++
	id := st.newID()
	st.groups[id] = &identityGroup{DisplayName: in.DisplayName, Description: in.Description}
	writeJSON(w, http.StatusOK, map[string]any{"GroupId": id, "IdentityStoreId": in.IdentityStoreID})
}

func (st *identityStore) updateGroup(w http.ResponseWriter, in identityRequest) {
	g := st.group(w, in.GroupID)
	if g == nil {
		return
	}
	for _, op := range in.Operations {
		v, _ := op.AttributeValue.(string)
		switch op.AttributePath {
		case "displayName", "DisplayName":
			g.DisplayName = v
		case "description", "Description":
			g.Description = v
		default:
			jsonError(w, "ValidationException", "unknown attribute path "+op.AttributePath)
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{})
}

func (st *identityStore) createMembership(w http.ResponseWriter, in identityRequest) {
	if st.group(w, in.GroupID) == nil {
		return
	}
	if !st.users[in.MemberID.UserID] {
		jsonError(w, "ResourceNotFoundException", fmt.Sprintf("USER %s not found.", in.MemberID.UserID))
		return
	}
	for _, m := range st.memberships {
		if m.GroupID == in.GroupID && m.UserID == in.MemberID.UserID {
			jsonError(w, "ConflictException", "Member and Group relationship already exists.")
			return
		}
	}
	st.seq++
	id := st.newID()
	st.memberships[id] = &identityMembership{GroupID: in.GroupID, UserID: in.MemberID.UserID}
	writeJSON(w, http.StatusOK, map[string]any{"MembershipId": id, "IdentityStoreId": in.IdentityStoreID})
}

// newID is a new group or membership ID, shaped as Identity Center's: the
// store's number, then a UUID.
func (st *identityStore) newID() string {
	return fmt.Sprintf("%s-%08x-0000-4000-8000-%012x", strings.TrimPrefix(st.id, "d-"), st.seq, st.seq)
}

func (st *identityStore) group(w http.ResponseWriter, id string) *identityGroup {
	g := st.groups[id]
	if g == nil {
		jsonError(w, "ResourceNotFoundException", fmt.Sprintf("GROUP %s not found.", id))
	}
	return g
}

func (st *identityStore) membership(w http.ResponseWriter, id string) *identityMembership {
	m := st.memberships[id]
	if m == nil {
		jsonError(w, "ResourceNotFoundException", fmt.Sprintf("GROUP_MEMBERSHIP %s not found.", id))
	}
	return m
}

func membershipOut(store, id string, m *identityMembership) map[string]any {
	return map[string]any{"IdentityStoreId": store, "MembershipId": id, "GroupId": m.GroupID, "MemberId": map[string]any{"UserId": m.UserID}}
}
