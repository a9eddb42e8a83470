#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# make demo: boots Debian's 6.1 kernel in QEMU as a worker node, loads toa.ko, starts
# the example server (libtoa) and connects through the load-balancer simulator; shows,
# step by step, what the server logged and what toa-inspect sees.
#   demo.sh [--build DIR] [--line 6.1]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
build="$repo/build" line=6.1
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build="$(cd "$2" && pwd)"; shift 2 ;;
    --line) line="$2"; shift 2 ;;
    *) echo "usage: demo.sh [--build DIR] [--line L]" >&2; exit 2 ;;
  esac
done
export TOA_BUILD_DIR="$build"

bins=()
for b in examples/toa-echo-server-static tools/lbsim/toa-lbsim tools/toa-inspect/toa-inspect; do
  [ -x "$build/$b" ] || { echo "demo: $build/$b is missing: run make first" >&2; exit 1; }
  bins+=(--bin "$build/$b")
done

echo "demo: fetching Debian's $line kernel (cached in ${TOA_CACHE:-~/.cache/toa}) and building toa.ko for it"
"$repo/tests/kernel/kernels.sh" fetch "$line"
# The TKE part: a pod behind kube-proxy (Debian's ip, iptables, nginx, the NAT modules).
mapfile -t k8s_args < <("$repo/tests/guest/k8s-vm-args.sh" "$line")
bins+=("${k8s_args[@]}")
ko="$("$repo/tests/kernel/build-kmod.sh" "$line" | tail -n 1)"
echo "demo: booting the worker node"
echo

log="$build/demo-$line.log"
out="$build/demo-$line.out"
: >"$log"
"$repo/tests/kernel/vm.sh" --line "$line" --module "$ko" "${bins[@]}" \
  --script "$here/demo-guest.sh" --log "$log" --timeout 420 >"$out" 2>&1 &
vm=$!
# The guest's narration: console lines that start with "DEMO|".
tail -n +1 -f "$log" --pid=$vm 2>/dev/null | sed -un 's/^.*DEMO| \{0,1\}//p'
rc=0
wait $vm || rc=$?
echo
grep -E '^(RESULT .* FAIL|vm-)' "$out" || true
if [ $rc -eq 0 ]; then
  echo "demo: done: every step showed the expected client (console: $log)"
else
  echo "demo: FAILED (console: $log)"
fi
exit $rc
