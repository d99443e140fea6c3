package conformance

import (
	"encoding/json"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kjson "sigs.k8s.io/json"
)

// provider-upjet-github's Go module is not served by the Go module proxy
// this project builds with, so its kinds are decoded strictly into this
// transcription of the fields of provider-upjet-github v0.19.1's CRDs
// (package/crds/{repo,team}.github.m.upbound.io_*.yaml) that the function
// may set: a field it does not have, or a value of another type, fails.
// TestValidateCRDs checks them against the CRD files themselves when
// PROVIDER_UPJET_GITHUB_CRDS names a directory holding them.

type gitHubObject[T any] struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              struct {
		ForProvider        T        `json:"forProvider"`
		ManagementPolicies []string `json:"managementPolicies,omitempty"`
		ProviderConfigRef  struct {
			Kind string `json:"kind"`
			Name string `json:"name"`
		} `json:"providerConfigRef"`
		WriteConnectionSecretToRef *struct {
			Name string `json:"name"`
		} `json:"writeConnectionSecretToRef,omitempty"`
	} `json:"spec"`
}

type gitHubSelector struct {
	MatchControllerRef *bool             `json:"matchControllerRef,omitempty"`
	MatchLabels        map[string]string `json:"matchLabels,omitempty"`
	Namespace          *string           `json:"namespace,omitempty"`
}

type gitHubRepository struct {
	Name                *string `json:"name"`
	Description         *string `json:"description,omitempty"`
	Visibility          *string `json:"visibility,omitempty"`
	AutoInit            *bool   `json:"autoInit,omitempty"`
	HasWiki             *bool   `json:"hasWiki,omitempty"`
	HasIssues           *bool   `json:"hasIssues,omitempty"`
	DeleteBranchOnMerge *bool   `json:"deleteBranchOnMerge,omitempty"`
	VulnerabilityAlerts *bool   `json:"vulnerabilityAlerts,omitempty"`
	ArchiveOnDestroy    *bool   `json:"archiveOnDestroy,omitempty"`
}

type gitHubDefaultBranch struct {
	Branch *string `json:"branch,omitempty"`
	Rename *bool   `json:"rename,omitempty"`
}

type gitHubBranchProtection struct {
	Pattern                    *string         `json:"pattern"`
	RepositoryID               *string         `json:"repositoryId,omitempty"`
	RepositoryIDSelector       *gitHubSelector `json:"repositoryIdSelector,omitempty"`
	EnforceAdmins              *bool           `json:"enforceAdmins,omitempty"`
	AllowsDeletions            *bool           `json:"allowsDeletions,omitempty"`
	AllowsForcePushes          *bool           `json:"allowsForcePushes,omitempty"`
	RequiredPullRequestReviews []struct {
		RequiredApprovingReviewCount *int64 `json:"requiredApprovingReviewCount,omitempty"`
		DismissStaleReviews          *bool  `json:"dismissStaleReviews,omitempty"`
		RequireCodeOwnerReviews      *bool  `json:"requireCodeOwnerReviews,omitempty"`
	} `json:"requiredPullRequestReviews,omitempty"`
}

type gitHubTeam struct {
	Name                    *string `json:"name"`
	Description             *string `json:"description,omitempty"`
	Privacy                 *string `json:"privacy,omitempty"`
	CreateDefaultMaintainer *bool   `json:"createDefaultMaintainer,omitempty"`
}

type gitHubTeamMembership struct {
	TeamIDSelector *gitHubSelector `json:"teamIdSelector,omitempty"`
	Username       *string         `json:"username"`
	Role           *string         `json:"role,omitempty"`
}

type gitHubTeamRepository struct {
	TeamIDSelector *gitHubSelector `json:"teamIdSelector,omitempty"`
	Repository     *string         `json:"repository"`
	Permission     *string         `json:"permission,omitempty"`
}

// gitHubTypes are the transcribed kinds, by apiVersion and kind.
var gitHubTypes = map[string]func() any{
	"repo.github.m.upbound.io/v1alpha1/Repository":       func() any { return &gitHubObject[gitHubRepository]{} },
	"repo.github.m.upbound.io/v1alpha1/DefaultBranch":    func() any { return &gitHubObject[gitHubDefaultBranch]{} },
	"repo.github.m.upbound.io/v1alpha1/BranchProtection": func() any { return &gitHubObject[gitHubBranchProtection]{} },
	"team.github.m.upbound.io/v1alpha1/Team":             func() any { return &gitHubObject[gitHubTeam]{} },
	"team.github.m.upbound.io/v1alpha1/TeamMembership":   func() any { return &gitHubObject[gitHubTeamMembership]{} },
	"team.github.m.upbound.io/v1alpha1/TeamRepository":   func() any { return &gitHubObject[gitHubTeamRepository]{} },
}

// strictDecodeGitHub decodes a GitHub kind into its transcription.
func strictDecodeGitHub(obj map[string]any) error {
	key := fmt.Sprintf("%s/%s", obj["apiVersion"], obj["kind"])
	newType, ok := gitHubTypes[key]
	if !ok {
		return fmt.Errorf("%s is not transcribed from provider-upjet-github's CRDs", key)
	}
	b, err := json.Marshal(obj)
	if err != nil {
		return err
	}
	strict, err := kjson.UnmarshalStrict(b, newType())
	if err != nil {
		return err
	}
	if len(strict) > 0 {
		return fmt.Errorf("strict decoding %s: %v", key, strict)
	}
	return nil
}
