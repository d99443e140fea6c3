#!/usr/bin/env bash
# Installs the Debian packages the test suite runs: an OCI registry
# (docker-registry) for the package test, etcd for the end-to-end control
# plane, Redis for Argo CD's controllers, kubectl and jq for hack/doctor.sh.
# Needs root and apt on a machine that lacks them.
set -euo pipefail
missing=()
command -v docker-registry >/dev/null || missing+=(docker-registry)
command -v etcd >/dev/null || missing+=(etcd-server)
command -v redis-server >/dev/null || missing+=(redis-server)
# kubectl and jq run hack/doctor.sh, which the end-to-end suite tries.
command -v kubectl >/dev/null || missing+=(kubectl)
command -v jq >/dev/null || missing+=(jq)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    echo "deps: please install the Debian packages: ${missing[*]}" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  # Debian's packages may start their own services; the suite starts its own.
  pkill -x etcd 2>/dev/null || true
  pkill -x docker-registry 2>/dev/null || true
  pkill -x redis-server 2>/dev/null || true
fi
# moto_server plays AWS for the emulator's tests and the real-provider suite.
# It comes from Python's package index, which CI machines carry already.
if ! command -v moto_server >/dev/null; then
  echo "deps: moto_server is missing: pip install 'moto[server]==5.2.1'" >&2
  exit 1
fi
# cfn-lint, AWS's template linter, checks the provisioning roles'
# CloudFormation templates (internal/provisioning).
if ! command -v cfn-lint >/dev/null; then
  echo "deps: cfn-lint is missing: pip install 'cfn-lint==1.51.0'" >&2
  exit 1
fi
# The AWS CLI runs the commands docs/first-cluster.md gives a team
# (update-kubeconfig, get-token, the pull request) in the developer's loop.
if ! command -v aws >/dev/null; then
  echo "deps: the AWS CLI is missing: pip install 'awscli==1.45.11'" >&2
  exit 1
fi
