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
# The Kubernetes node: Debian's ip, iptables (nft), ipvsadm and nginx, and the kernel's
# bridge, netfilter, NAT and IPVS modules (those that are not built in).
if [ "$suite" = k8s ]; then
  moddir="$("$kernel/kernels.sh" moddir "$line")"
  for b in /usr/sbin/ip /usr/sbin/xtables-nft-multi /usr/sbin/ipvsadm /usr/sbin/nginx; do
    [ -x "$b" ] || { echo "run-suite: $b missing (make deps installs iproute2, iptables, ipvsadm, nginx)" >&2; exit 1; }
    bins+=(--bin "$b")
  done
  bins+=(--file "/usr/lib/$(gcc -print-multiarch)/xtables:/usr/lib/xtables")
  for m in bridge nf_tables nft_compat nft_chain_nat nf_nat nf_conntrack nf_defrag_ipv4 \
      nf_defrag_ipv6 xt_nat xt_MASQUERADE xt_mark xt_comment xt_addrtype xt_statistic \
      xt_tcpudp xt_multiport nft_masq nft_nat nft_ct ip_vs ip_vs_rr; do
    grep -q "/$m\.ko" "$moddir/modules.dep" 2>/dev/null && bins+=(--kmod-from-image "$m")
  done
fi
build="${TOA_BUILD_DIR:-$here/../../build}"
exec "$kernel/vm.sh" --line "$line" --module "$ko" "${bins[@]}" \
  --script "$here/$suite.sh" --timeout "${TOA_SUITE_TIMEOUT:-1000}" \
  --log "$build/guest-$suite-$line.log"
