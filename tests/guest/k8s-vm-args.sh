#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The vm.sh arguments of a Kubernetes node guest (tests/guest/k8s.sh, the demo's TKE
# part), one a line: Debian's ip, iptables (nft), ipvsadm, nginx and haproxy, iptables'
# extensions, tests/guest/k8s-node.sh at /k8s-node.sh, and the kernel's bridge,
# netfilter, NAT and IPVS modules that the line does not build in (5.10: nft_counter too,
# which iptables-nft puts in every rule). On an x86_64 line the programs are this
# machine's; on an arm64 line those of the line's sysroot (Debian's arm64 packages that
# tests/kernel/kernels.sh unpacks there), their libraries taken from it by vm.sh.
#   k8s-vm-args.sh <line>
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
kernels="$here/../kernel/kernels.sh"
moddir="$("$kernels" moddir "$1")"
if [ "$("$kernels" arch "$1")" = arm64 ]; then
  sysroot="$("$kernels" sysroot "$1")"
  for p in ip xtables-nft-multi ipvsadm nginx haproxy; do
    b=""
    for d in usr/sbin sbin usr/bin bin; do
      # not a link: iproute2's sbin/ip -> /bin/ip would name this machine's
      [ -x "$sysroot/$d/$p" ] && [ ! -L "$sysroot/$d/$p" ] && { b="$sysroot/$d/$p"; break; }
    done
    [ -n "$b" ] || { echo "k8s-vm-args: no $p in the arm64 sysroot $sysroot (SYSROOT_PKGS in tests/kernel/kernels.sh)" >&2; exit 1; }
    printf '%s\n' --bin "$b"
  done
  xtables="$sysroot/usr/lib/aarch64-linux-gnu/xtables"
else
  for b in /usr/sbin/ip /usr/sbin/xtables-nft-multi /usr/sbin/ipvsadm /usr/sbin/nginx \
      /usr/sbin/haproxy; do
    [ -x "$b" ] || { echo "k8s-vm-args: $b missing (make deps installs iproute2, iptables, ipvsadm, nginx, haproxy)" >&2; exit 1; }
    printf '%s\n' --bin "$b"
  done
  xtables="/usr/lib/$(gcc -print-multiarch)/xtables"
fi
[ -d "$xtables" ] || { echo "k8s-vm-args: no iptables extensions in $xtables" >&2; exit 1; }
printf '%s\n' --file "$xtables:/usr/lib/xtables"
printf '%s\n' --file "$here/k8s-node.sh:/k8s-node.sh"
for m in bridge nf_tables nft_compat nft_chain_nat nf_nat nf_conntrack nf_defrag_ipv4 \
    nf_defrag_ipv6 xt_nat xt_MASQUERADE xt_mark xt_comment xt_addrtype xt_statistic \
    xt_tcpudp xt_multiport nft_counter nft_masq nft_nat nft_ct ip_vs ip_vs_rr; do
  if grep -q "/$m\.ko" "$moddir/modules.dep" 2>/dev/null; then
    printf '%s\n' --kmod-from-image "$m"
  fi
done
