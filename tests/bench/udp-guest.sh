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
# rounds <phase suffix>: ROUNDS rounds, ABBA
rounds() {
  sfx=$1 r=1
  while [ "$r" -le "$ROUNDS" ]; do
    if [ $((r % 2)) = 1 ]; then order="without with"; else order="with without"; fi
    for ph in $order; do
      if [ "$ph" = with ]; then insmod "$ko" uoa_max=200000 || { fail "insmod_$r"; exit 1; }; fi
      run "$ph$sfx" "$r"
      if [ "$ph" = with ]; then
        [ -z "$sfx" ] && echo "BENCHINFO mappings_$r $(awk '$1 == "uoa_saved" { print $NF }' /proc/net/toa_stats) saved, $(awk '$1 == "uoa_full" { print $NF }' /proc/net/toa_stats) full"
        rmmod toa || { fail "rmmod_$r"; exit 1; }
      fi
    done
    r=$((r + 1))
  done
}
sleep 2
toa-udp-e2e bench without 0 2000 1000 100 >/dev/null 2>&1 # warm-up
rounds ""
# Then beside conntrack and NAT, as on a Kubernetes node: a nat-table rule (iptables-nft)
# registers their hooks for good (a flushed chain keeps them), so these rounds come last:
# plain datagrams again, phases without_ct and with_ct.
if command -v xtables-nft-multi >/dev/null; then
  export XTABLES_LIBDIR=/usr/lib/xtables
  ln -sf "$(command -v xtables-nft-multi)" /bin/iptables
  if iptables -t nat -A PREROUTING -p udp --dport 9 -j RETURN; then
    rounds _ct
  else
    fail iptables_nat_rule
  fi
fi
pass udp_bench_ran
