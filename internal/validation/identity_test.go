package validation

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/eks-gitops/function-eks-gitops/input/v1beta1"
	"github.com/eks-gitops/function-eks-gitops/internal/clusterspec"
)

// onManagedHub is validInput with the hub the EKS Capability and people
// signing in through Identity Center.
func onManagedHub() *v1beta1.Input {
	in := validInput()
	in.ArgoCD.Mode = v1beta1.ArgoCDEKSCapability
	in.ArgoCD.HubRoleARN = ""
	in.ArgoCD.CapabilityRoleARN = "arn:aws:iam::111122223333:role/argocd-capability"
	in.Identity = &v1beta1.Identity{Provider: v1beta1.IdentityCenter, IdentityStoreID: "d-9067a1b2c3", Region: "eu-west-1"}
	in.Cognito = nil
	return in.WithDefaults()
}

func TestHubAndIdentityInput(t *testing.T) {
	cases := map[string]struct {
		reason string
		mutate func(in *v1beta1.Input)
		want   []string
		rule   string
	}{
		"Valid": {
			reason: "The capability's role and an identity store are all the managed hub needs; no Cognito pool.",
			mutate: func(*v1beta1.Input) {},
		},
		"CapabilityWithoutRole": {
			reason: "The capability's role gets each cluster's access entry: without it nothing could reach the cluster.",
			mutate: func(in *v1beta1.Input) { in.ArgoCD.CapabilityRoleARN = "" },
			want:   []string{"input.argocd.capabilityRoleArn"}, rule: "required in EKSCapability mode",
		},
		"CapabilityRoleUnderOwnPath": {
			reason: "A role under the function's own IAM path could be taken over through the provisioning role.",
			mutate: func(in *v1beta1.Input) {
				in.ArgoCD.CapabilityRoleARN = "arn:aws:iam::111122223333:role/eks-gitops/capability"
			},
			want: []string{"input.argocd.capabilityRoleArn"}, rule: "must not be under the IAM path",
		},
		"SelfManagedWithoutHubRole": {
			reason: "A self-managed Argo CD still needs its hub role.",
			mutate: func(in *v1beta1.Input) { in.ArgoCD.Mode = v1beta1.ArgoCDSelfManaged },
			want:   []string{"input.argocd.hubRoleArn"}, rule: "required in SelfManaged mode",
		},
		"UnknownMode": {
			reason: "Only the two hubs exist.",
			mutate: func(in *v1beta1.Input) { in.ArgoCD.Mode = "Managed" },
			want:   []string{"input.argocd.mode"},
		},
		"CapabilityReadsAnotherAccountsRepository": {
			reason: "The capability reads CodeCommit with its own role, which cannot read another account's repository.",
			mutate: func(in *v1beta1.Input) { in.Repository.AccountID = "999988887777" },
			want:   []string{"input.repository.accountId"}, rule: "must be the account of the EKS Capability's role (111122223333)",
		},
		"CenterWithoutStore": {
			reason: "Groups need the identity store they live in.",
			mutate: func(in *v1beta1.Input) { in.Identity.IdentityStoreID = "" },
			want:   []string{"input.identity.identityStoreId"}, rule: "aws sso-admin list-instances",
		},
		"MalformedStore": {
			reason: "An identity store ID has its own form.",
			mutate: func(in *v1beta1.Input) { in.Identity.IdentityStoreID = "store-1" },
			want:   []string{"input.identity.identityStoreId"},
		},
		"CenterWithoutRegion": {
			reason: "The identity store lives in Identity Center's home region.",
			mutate: func(in *v1beta1.Input) { in.Identity.Region = "" },
			want:   []string{"input.identity.region"},
		},
		"CenterWithTeamProviderConfig": {
			reason: "The identity store is the platform's: a namespaced ProviderConfig would resolve in a team's namespace.",
			mutate: func(in *v1beta1.Input) {
				in.Identity.ProviderConfigRef = &v1beta1.ProviderConfigRef{Kind: "ProviderConfig", Name: "aws-central"}
			},
			want: []string{"input.identity.providerConfigRef.kind"},
		},
		"CapabilityWithCognito": {
			reason: "The capability signs people in through Identity Center only: Cognito groups in its AppProjects would let nobody in.",
			mutate: func(in *v1beta1.Input) {
				in.Identity.Provider = v1beta1.IdentityCognito
				in.Cognito = &v1beta1.Cognito{UserPoolID: "eu-west-1_AbCdEfGhI", Region: "eu-west-1", GroupPrefix: "eks-gitops-", ProviderConfigRef: in.Identity.ProviderConfigRef}
			},
			want: []string{"input.argocd.mode"}, rule: "signs people in through IAM Identity Center only, and identity.provider is Cognito",
		},
		"CognitoNeedsItsPool": {
			reason: "Moving back to Cognito, with the self-managed hub, needs the pool again.",
			mutate: func(in *v1beta1.Input) {
				in.ArgoCD.Mode = v1beta1.ArgoCDSelfManaged
				in.ArgoCD.HubRoleARN = "arn:aws:iam::111122223333:role/argocd-hub"
				in.Identity.Provider = v1beta1.IdentityCognito
				in.Cognito = &v1beta1.Cognito{GroupPrefix: "eks-gitops-", ProviderConfigRef: in.Identity.ProviderConfigRef}
			},
			want: []string{"input.cognito.userPoolId", "input.cognito.region"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			in := onManagedHub()
			tc.mutate(in)
			errs := Input(in)
			if diff := cmp.Diff(tc.want, errorFields(errs)); diff != "" {
				t.Fatalf("%s\nInput(...): -want, +got:\n%s\n%v", tc.reason, diff, errs)
			}
			if len(errs) > 0 && !strings.Contains(errs[0].Error(), tc.rule) {
				t.Errorf("%s\nerror %q does not name the rule %q", tc.reason, errs[0].Error(), tc.rule)
			}
		})
	}
}

func TestIdentityCenterUserIDs(t *testing.T) {
	ids := map[string]string{
		"alice":             "9067a1b2c3-0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9",
		"bob.smith":         "9067a1b2c3-1b2c3d4e-5f60-7182-93a4-b5c6d7e8f901",
		"carol@example.com": "a1b2c3d4-5e6f-7081-92a3-b4c5d6e7f809",
	}
	cases := map[string]struct {
		reason string
		center bool
		team   func(t *clusterspec.Team)
		want   []string
		rule   string
	}{
		"Valid": {reason: "Every person has an ID.", center: true, team: func(*clusterspec.Team) {}},
		"CognitoNeedsNone": {
			reason: "With Cognito the IDs are optional: a team adds them before the platform moves.",
			team:   func(t *clusterspec.Team) { t.IdentityCenterUserIDs = nil },
		},
		"MemberWithoutID": {
			reason: "A member without an ID would lose access to the team's applications when the platform moves.", center: true,
			team: func(t *clusterspec.Team) { delete(t.IdentityCenterUserIDs, "bob.smith") },
			want: []string{"spec.team.identityCenterUserIds"}, rule: `spec.team.members[1] needs an IAM Identity Center user ID, keyed by "bob.smith"`,
		},
		"AdminWithoutID": {
			reason: "Admins need one too.", center: true,
			team: func(t *clusterspec.Team) { t.Admins = []string{"dave"} },
			want: []string{"spec.team.identityCenterUserIds"}, rule: "spec.team.admins[0] needs an IAM Identity Center user ID",
		},
		"MalformedID": {
			reason: "An ID that is not the identity store's form would reach the provider as a membership of nobody; checked on Cognito too.",
			team:   func(t *clusterspec.Team) { t.IdentityCenterUserIDs["alice"] = "alice@example.com" },
			want:   []string{"spec.team.identityCenterUserIds[alice]"}, rule: "must be an IAM Identity Center user ID",
		},
		"SharedID": {
			reason: "Two people cannot share one identity: one would act as the other.", center: true,
			team: func(t *clusterspec.Team) {
				t.IdentityCenterUserIDs["carol@example.com"] = "9067a1b2c3-" + strings.ToUpper(strings.TrimPrefix(ids["bob.smith"], "9067a1b2c3-"))
			},
			want: []string{"spec.team.identityCenterUserIds[carol@example.com]"}, rule: `also the user ID of "bob.smith"`,
		},
		"NotInTheTeam": {
			reason: "An ID keyed by someone outside the team is a mistake to name, not a membership to make.", center: true,
			team: func(t *clusterspec.Team) {
				t.IdentityCenterUserIDs["mallory"] = "9067a1b2c3-9b2c3d4e-5f60-7182-93a4-b5c6d7e8f901"
			},
			want: []string{"spec.team.identityCenterUserIds[mallory]"}, rule: "neither a member nor an admin",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s := validSpec()
			s.Team.IdentityCenterUserIDs = map[string]string{}
			for k, v := range ids {
				s.Team.IdentityCenterUserIDs[k] = v
			}
			tc.team(&s.Team)
			in := validInput()
			if tc.center {
				in = onManagedHub()
			}
			errs := identityCenterUserIDs(field.NewPath("spec", "team"), s.Team, in)
			if diff := cmp.Diff(tc.want, errorFields(errs)); diff != "" {
				t.Fatalf("%s\n-want, +got:\n%s\n%v", tc.reason, diff, errs)
			}
			if len(errs) > 0 && !strings.Contains(errs[0].Error(), tc.rule) {
				t.Errorf("%s\nerror %q does not name the rule %q", tc.reason, errs[0].Error(), tc.rule)
			}
		})
	}
}
