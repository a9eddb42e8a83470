#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds the module for one kernel line and boots it with a guest suite.
#   run-suite.sh <line> <suite> <guest binary>...
# The suite is tests/guest/<suite>.sh, run in the guest with the binaries in /bin.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
kernel="$here/../kernel"
line="$1" suite="$2"
shift 2
ko="$("$kernel/build-kmod.sh" "$line" | tail -n 1)"
bins=()
for b in "$@"; do bins+=(--bin "$b"); done
build="${TOA_BUILD_DIR:-$here/../../build}"
exec "$kernel/vm.sh" --line "$line" --module "$ko" "${bins[@]}" \
  --script "$here/$suite.sh" --timeout "${TOA_SUITE_TIMEOUT:-1000}" \
  --log "$build/guest-$suite-$line.log"
