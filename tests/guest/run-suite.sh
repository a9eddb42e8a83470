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
# The lifetime suite puts kTLS (AES-GCM) on TOA sockets.
# Only what the line's kernel has (Debian's 5.10 has no kTLS: the suite says SKIP there).
if [ "$suite" = lifetime ]; then
  moddir="$("$kernel/kernels.sh" moddir "$line")"
  for m in tls gcm ghash-generic ctr; do
    grep -q "/$m\.ko" "$moddir/modules.dep" "$moddir/modules.builtin" 2>/dev/null &&
      bins+=(--kmod-from-image "$m")
  done
fi
# The Kubernetes node: Debian's ip, iptables, ipvsadm, nginx, haproxy, kernel modules.
if [ "$suite" = k8s ]; then
  mapfile -t k8s_args < <("$here/k8s-vm-args.sh" "$line")
  bins+=("${k8s_args[@]}")
fi
# The udp suite loads a stand-in for DPVS's uoa.ko (it takes getsockopt 2048).
mods=(--module "$ko")
if [ "$suite" = udp ]; then
  mods+=(--module "$("$kernel/build-kmod.sh" "$line" --src "$here/fake-uoa" | tail -n 1)")
fi
build="${TOA_BUILD_DIR:-$here/../../build}"
exec "$kernel/vm.sh" --line "$line" "${mods[@]}" "${bins[@]}" \
  --script "$here/$suite.sh" --timeout "${TOA_SUITE_TIMEOUT:-1000}" \
  --log "$build/guest-$suite-$line.log"
