#!/usr/bin/env bash
# Checks a management cluster against the prerequisites of docs/install.md
# and says, for each, what is there and what to do about what is not.
# Reads the cluster through kubectl (its current context, or KUBECONFIG)
# and needs jq.
#
#   hack/doctor.sh [SETTINGS-NAME]    default: eks-gitops-platform
#
# Exit status: 0 everything is in place, 1 something is missing (each
# missing thing is a line starting with MISSING), 2 the cluster could not
# be read.
set -uo pipefail
settings_name=${1:-eks-gitops-platform}
missing=0
ok() { echo "ok       $*"; }
miss() { echo "MISSING  $*"; missing=$((missing + 1)); }

if ! out=$(kubectl get --raw /version 2>&1); then
  echo "doctor: cannot reach the cluster with kubectl (context $(kubectl config current-context 2>/dev/null || echo none)): $out" >&2
  exit 2
fi

# healthy KIND NAME-FRAGMENT WHAT: a package of KIND whose source contains
# NAME-FRAGMENT exists and reports Installed and Healthy.
healthy() {
  local json
  json=$(kubectl get "$1" -o json 2>/dev/null) || { miss "$3: no $1 (install docs/install.md step 3)"; return; }
  local row
  row=$(jq -r --arg n "$2" '.items[] | select(.spec.package | contains($n)) |
    [.metadata.name, .spec.package,
     ([.status.conditions[]? | select(.type == "Installed") | .status] | first // "Unknown"),
     ([.status.conditions[]? | select(.type == "Healthy") | .status] | first // "Unknown")] | @tsv' <<<"$json" | head -1)
  if [ -z "$row" ]; then
    miss "$3: no $1 of $2 (install the Configuration: docs/install.md step 3)"
    return
  fi
  IFS=$'\t' read -r name pkg installed health <<<"$row"
  if [ "$installed" = True ] && [ "$health" = True ]; then
    ok "$3: $1 $name ($pkg) installed and healthy"
  else
    miss "$3: $1 $name ($pkg) is Installed=$installed Healthy=$health (kubectl describe $1 $name)"
  fi
}

# 1. Crossplane and the packages.
if kubectl get crd compositeresourcedefinitions.apiextensions.crossplane.io >/dev/null 2>&1; then
  ok "Crossplane: its API is served"
else
  miss "Crossplane: compositeresourcedefinitions.apiextensions.crossplane.io is not served (install Crossplane >= v2.4.0)"
fi
healthy configurations.pkg.crossplane.io configuration-eks-gitops "the Configuration"
# The packages it depends on, as Crossplane's package manager resolved them.
deps=$(kubectl get locks.pkg.crossplane.io lock -o json 2>/dev/null | jq -r '.packages[]? |
  select(.source | contains("configuration-eks-gitops")) | .dependencies[]? | "\(.kind // .type) \(.package)"')
if [ -z "$deps" ]; then
  miss "the Configuration's dependencies: Crossplane's package lock lists none (is the Configuration installed?)"
fi
while read -r kind pkg; do
  [ -z "$pkg" ] && continue
  case "$kind" in
    Function) healthy functions.pkg.crossplane.io "$pkg" "dependency $pkg" ;;
    Provider) healthy providers.pkg.crossplane.io "$pkg" "dependency $pkg" ;;
    *) ok "dependency $pkg ($kind)" ;;
  esac
done <<<"$deps"

# 2. The platform settings, and what they name.
settings=$(kubectl get environmentconfigs.apiextensions.crossplane.io "$settings_name" -o json 2>/dev/null)
if [ -z "$settings" ]; then
  miss "platform settings: no EnvironmentConfig $settings_name (docs/install.md step 4)"
  echo "doctor: $missing missing; the rest depends on the settings"
  exit 1
fi
ok "platform settings: EnvironmentConfig $settings_name"
get() { jq -r "$1 // empty" <<<"$settings"; }

# providerconfig GROUP KIND NAME WHAT
providerconfig() {
  local plural
  plural=$(tr '[:upper:]' '[:lower:]' <<<"$2")s
  if kubectl get "$plural.$1" "$3" >/dev/null 2>&1; then
    ok "$4: $2 $3"
  else
    miss "$4: no $2 $3 (example/accounts/providerconfigs.yaml, docs/install.md step 4)"
  fi
}
pc_kind=$(get '.data.providerConfigRef.kind'); pc_kind=${pc_kind:-ClusterProviderConfig}
pc_name=$(get '.data.providerConfigRef.name')
for id in $(get '.data.tenancy.teams[]?.accountIds[]?' | sort -u); do
  providerconfig aws.m.upbound.io "$pc_kind" "${pc_name//\{accountId\}/$id}" "team account $id"
done
for ref in repository cognito; do
  name=$(get ".data.$ref.providerConfigRef.name")
  [ -n "$name" ] && providerconfig aws.m.upbound.io "$(get ".data.$ref.providerConfigRef.kind // \"ClusterProviderConfig\"")" "$name" "central account ($ref)"
done
k8s=$(get '.data.kubernetesProviderConfigRef.name')
[ -n "$k8s" ] && providerconfig kubernetes.m.crossplane.io "$(get '.data.kubernetesProviderConfigRef.kind // "ClusterProviderConfig"')" "$k8s" "provider-kubernetes"

# 3. Crossplane may compose Argo CD's kinds (example/rbac.yaml).
ns=$(get '.data.argocd.namespace'); ns=${ns:-argocd}
for r in appprojects.argoproj.io applications.argoproj.io; do
  if kubectl auth can-i create "$r" -n "$ns" --as system:serviceaccount:crossplane-system:crossplane >/dev/null 2>&1; then
    ok "RBAC: Crossplane may create $r in $ns"
  else
    miss "RBAC: Crossplane may not create $r in $ns (apply example/rbac.yaml, docs/install.md step 5)"
  fi
done

# 4. Argo CD, in the namespace the settings name.
for crd in applications.argoproj.io appprojects.argoproj.io; do
  if kubectl get crd "$crd" >/dev/null 2>&1; then ok "Argo CD: $crd served"; else miss "Argo CD: $crd is not served (install Argo CD in $ns)"; fi
done
cm=$(kubectl get configmap argocd-cm -n "$ns" -o json 2>/dev/null)
if [ -z "$cm" ]; then
  miss "Argo CD: no argocd-cm in $ns (install Argo CD there, or fix argocd.namespace)"
elif [ -n "$(get '.data.cognito.userPoolId')" ]; then
  pool=$(get '.data.cognito.userPoolId')
  if jq -e --arg p "$pool" '.data["oidc.config"] // "" | contains($p)' <<<"$cm" >/dev/null; then
    ok "Argo CD: argocd-cm signs in through Cognito pool $pool"
  else
    miss "Argo CD: argocd-cm's oidc.config does not name Cognito pool $pool (example/argocd/argocd-cm.yaml)"
  fi
fi
rbac=$(kubectl get configmap argocd-rbac-cm -n "$ns" -o json 2>/dev/null)
if [ -n "$rbac" ] && jq -e '.data.scopes // "" | contains("cognito:groups")' <<<"$rbac" >/dev/null; then
  ok "Argo CD: argocd-rbac-cm reads the cognito:groups claim"
else
  miss "Argo CD: argocd-rbac-cm in $ns does not take groups from cognito:groups (example/argocd/argocd-rbac-cm.yaml)"
fi
if kubectl get applications.argoproj.io platform-settings -n "$ns" >/dev/null 2>&1; then
  ok "Argo CD: the platform repository's Applications (platform-settings)"
else
  miss "Argo CD: no Application platform-settings in $ns (example/platform-repo/argocd/platform-repo.yaml, docs/install.md step 6)"
fi

if [ "$missing" -gt 0 ]; then
  echo "doctor: $missing missing"
  exit 1
fi
echo "doctor: everything docs/install.md lists is in place"
