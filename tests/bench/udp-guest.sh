# SPDX-License-Identifier: MIT
# In the guest (booted by tests/bench/udp.sh with vm.sh --icount): the UDP part's cost.
# Rounds alternate without and with the module (ABBA) in this one boot; toa-udp-e2e bench
# prints BENCH <metric> <phase> <round> <ns> (guest ns = instructions under -icount).
ko="$TOA_MODULES/toa.ko"
ROUNDS=5 COUNT=20000 SIZES=1000,10000,100000 CALLS=20000
[ -f /etc/toa-udp-bench.conf ] && . /etc/toa-udp-bench.conf
. /result.sh
echo "BENCHINFO kernel $TOA_RELEASE"
echo "BENCHINFO config rounds=$ROUNDS count=$COUNT sizes=$SIZES calls=$CALLS"
run() { toa-udp-e2e bench "$1" "$2" "$COUNT" "$SIZES" "$CALLS" || fail "bench_$1_$2"; }
# Beside conntrack and NAT, as on a Kubernetes node: a nat-table rule (iptables-nft)
# registers their hooks, and the plain datagrams are measured again (phase <ph>_ct).
ct=0
if command -v xtables-nft-multi >/dev/null; then
  export XTABLES_LIBDIR=/usr/lib/xtables
  ln -sf "$(command -v xtables-nft-multi)" /bin/iptables
  ct=1
fi
run_ct() {
  [ "$ct" = 1 ] || return 0
  iptables -t nat -A PREROUTING -p udp --dport 9 -j RETURN || { fail "iptables_$2"; return 0; }
  run "$1_ct" "$2"
  iptables -t nat -F PREROUTING
}
sleep 2
toa-udp-e2e bench without 0 2000 1000 100 >/dev/null 2>&1 # warm-up
r=1
while [ "$r" -le "$ROUNDS" ]; do
  if [ $((r % 2)) = 1 ]; then order="without with"; else order="with without"; fi
  for ph in $order; do
    if [ "$ph" = with ]; then insmod "$ko" uoa_max=200000 || { fail "insmod_$r"; exit 1; }; fi
    run "$ph" "$r"
    run_ct "$ph" "$r"
    if [ "$ph" = with ]; then
      echo "BENCHINFO mappings_$r $(awk '$1 == "uoa_saved" { print $NF }' /proc/net/toa_stats) saved, $(awk '$1 == "uoa_full" { print $NF }' /proc/net/toa_stats) full"
      rmmod toa || { fail "rmmod_$r"; exit 1; }
    fi
  done
  r=$((r + 1))
done
pass udp_bench_ran
