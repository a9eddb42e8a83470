#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The vm.sh arguments of a Kubernetes node guest (tests/guest/k8s.sh, the demo's TKE
# part), one a line: Debian's ip, iptables (nft), ipvsadm, nginx and haproxy, iptables'
# extensions, tests/guest/k8s-node.sh at /k8s-node.sh, and the kernel's bridge,
# netfilter, NAT and IPVS modules that the line does not build in (5.10: nft_counter too,
# which iptables-nft puts in every rule).
#   k8s-vm-args.sh <line>
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
moddir="$("$here/../kernel/kernels.sh" moddir "$1")"
for b in /usr/sbin/ip /usr/sbin/xtables-nft-multi /usr/sbin/ipvsadm /usr/sbin/nginx \
    /usr/sbin/haproxy; do
  [ -x "$b" ] || { echo "k8s-vm-args: $b missing (make deps installs iproute2, iptables, ipvsadm, nginx, haproxy)" >&2; exit 1; }
  printf '%s\n' --bin "$b"
done
printf '%s\n' --file "/usr/lib/$(gcc -print-multiarch)/xtables:/usr/lib/xtables"
printf '%s\n' --file "$here/k8s-node.sh:/k8s-node.sh"
for m in bridge nf_tables nft_compat nft_chain_nat nf_nat nf_conntrack nf_defrag_ipv4 \
    nf_defrag_ipv6 xt_nat xt_MASQUERADE xt_mark xt_comment xt_addrtype xt_statistic \
    xt_tcpudp xt_multiport nft_counter nft_masq nft_nat nft_ct ip_vs ip_vs_rr; do
  if grep -q "/$m\.ko" "$moddir/modules.dep" 2>/dev/null; then
    printf '%s\n' --kmod-from-image "$m"
  fi
done
