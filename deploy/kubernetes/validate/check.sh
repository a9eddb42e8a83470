#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# check.sh: ctest k8s-manifests. `npm ci` of this folder's lock file (node_modules here,
# git-ignored; npm's own cache in ~/.npm), then every manifest of deploy/kubernetes/
# checked against the Kubernetes API schemas (validate.mjs, kubernetes-models), and the
# DaemonSet's image tag against the project's one version source.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
cd "$here"
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error >&2
fi
rc=0
node validate.mjs "$here"/../*.yaml || rc=1
v="$(sed -n 's/^#define TOA_VERSION_STRING "\([0-9.]*\)".*/\1/p' "$repo/include/toa/uapi.h")"
tags="$(sed -n 's/^ *image: toa-agent:\(.*\)$/\1/p' "$here/../daemonset.yaml" | sort -u)"
if [ "$tags" = "$v" ]; then
  echo "ok   daemonset.yaml: image toa-agent:$v is the version of include/toa/uapi.h"
else
  echo "FAIL daemonset.yaml: image tags '$tags', TOA_VERSION_STRING $v"
  rc=1
fi
exit $rc
