#!/usr/bin/env bash
# Builds the pinned tools into .cache/bin. Each comes from its own small module
# under tools/, so their dependencies never touch the function's go.mod.
# go build is incremental: with a warm Go cache this takes seconds.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin="$root/.cache/bin"
mkdir -p "$bin"

build() { # module-dir package binary-name
  local start=$SECONDS
  (cd "$root/tools/$1" && go build -o "$bin/$3" "$2")
  echo "tools: $3 ready in $((SECONDS - start))s" >&2
}

want=${*:-crossplane controller-gen golangci-lint}
for t in $want; do
  case "$t" in
    crossplane)     build crossplane github.com/crossplane/crossplane/v2/cmd/crank crossplane ;;
    controller-gen) build controller-gen sigs.k8s.io/controller-tools/cmd/controller-gen controller-gen ;;
    golangci-lint)  build lint github.com/golangci/golangci-lint/v2/cmd/golangci-lint golangci-lint ;;
    # The end-to-end control plane: ~15 minutes cold on 2 cores, seconds warm.
    kubernetes)
      build kubernetes k8s.io/kubernetes/cmd/kube-apiserver kube-apiserver
      build kubernetes k8s.io/kubernetes/cmd/kube-controller-manager kube-controller-manager ;;
    crossplane-core)
      start=$SECONDS
      # The version must be stamped, or Crossplane refuses packages that
      # constrain the Crossplane version.
      (cd "$root/tools/crossplane-core" && go build -ldflags "-X github.com/crossplane/crossplane-runtime/v2/pkg/version.version=v2.4.0" \
        -o "$bin/crossplane-core" github.com/crossplane/crossplane/v2/cmd/crossplane)
      echo "tools: crossplane-core ready in $((SECONDS - start))s" >&2 ;;
    # The AWS provider's own controllers, one binary per family the function
    # composes, for the real-provider suite (hack/e2e-aws.sh). Cold: about
    # 30 minutes on 2 cores and up to 18 GB of memory, mostly the Terraform
    # AWS provider they embed; seconds warm. Built without debug
    # information, which halves the link's memory. The provider's Terraform
    # fork is served by the module proxy but unknown to the checksum
    # database.
    provider-aws)
      start=$SECONDS
      mkdir -p "$bin/provider-aws"
      pkgs=""
      for f in ec2 iam eks cognitoidp identitystore codecommit sqs cloudwatchevents kms cloudwatchlogs; do pkgs="$pkgs github.com/upbound/provider-aws/v2/cmd/provider/$f"; done
      # shellcheck disable=SC2086 # One word per package.
      (cd "$root/tools/provider-aws" && GONOSUMDB=github.com/upbound/terraform-provider-aws \
        go build -ldflags "-s -w" -o "$bin/provider-aws/" $pkgs)
      echo "tools: provider-aws ready in $((SECONDS - start))s" >&2 ;;
    # Argo CD's own controllers for the developer's-loop scenarios: one
    # binary that acts by the name it is called by, as in Argo CD's image;
    # and rbaccan, which asks the API server's RBAC enforcer.
    # Argo CD v3.6.1 needs Go 1.27; the toolchain is chosen here only.
    # Cold: about 20 minutes on 2 cores; seconds warm.
    argocd)
      start=$SECONDS
      mkdir -p "$bin/argocd"
      (cd "$root/tools/argocd" && GOTOOLCHAIN=go1.27.3 go build -ldflags "-s -w" \
        -o "$bin/argocd/argocd" github.com/argoproj/argo-cd/v3/cmd &&
        GOTOOLCHAIN=go1.27.3 go build -ldflags "-s -w" -o "$bin/argocd/rbaccan" ./rbaccan)
      for n in argocd-application-controller argocd-repo-server argocd-k8s-auth argocd-git-ask-pass; do
        ln -sf argocd "$bin/argocd/$n"
      done
      # The scripts Argo CD's image installs next to it; the repo server
      # runs git-verify-wrapper.sh on every revision it renders.
      src=$(cd "$root/tools/argocd" && GOTOOLCHAIN=go1.27.3 go list -m -f '{{.Dir}}' github.com/argoproj/argo-cd/v3)
      install -m 0755 "$src/hack/gpg-wrapper.sh" "$src/hack/git-verify-wrapper.sh" "$bin/argocd/"
      echo "tools: argocd ready in $((SECONDS - start))s" >&2 ;;
    *) echo "tools: unknown tool $t" >&2; exit 2 ;;
  esac
done
