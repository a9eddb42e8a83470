#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# run.sh <line>: the node agent (tools/toa-agent/toa-agent) in a booted kernel of that line:
# the module built for the line (tests/kernel/build-kmod.sh), the agent and its version
# source (include/toa/uapi.h) in the guest, tests/agent/guest-agent.sh run there (one
# guest at a time: flock /tmp/toa-guest.lock).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
kernel="$repo/tests/kernel"
line="${1:?usage: run.sh <line>}"
ko="$("$kernel/build-kmod.sh" "$line" | tail -n 1)"
build="${TOA_BUILD_DIR:-$repo/build}"
exec flock /tmp/toa-guest.lock "$kernel/vm.sh" --line "$line" --module "$ko" \
  --bin "$repo/tools/toa-agent/toa-agent" \
  --file "$repo/include/toa/uapi.h:/usr/share/toa-agent/src/include/toa/uapi.h" \
  --script "$here/guest-agent.sh" --timeout 300 --log "$build/guest-agent-$line.log"
