# SPDX-License-Identifier: MIT
# In the guest (booted by tests/bench/bench.sh with vm.sh --icount): the benchmark.
#
# Rounds alternate without and with the module in this one boot, in ABBA order (odd
# rounds without first, even rounds with first) so that a slow drift of the guest
# cancels out. Then, with the module loaded: the data path check and the scale and
# memory run. Last, the Kubernetes node (after the rest: conntrack and NAT, once hooked,
# stay): rounds of three phases, without the module, with it and guard=N, with it and
# guard=Y. Parameters come from /etc/toa-bench.conf (written by bench.sh).
#
# toa-bench prints BENCH / BENCHINFO / RESULT lines; RESULT FAIL means the run did not
# work (a goal that is missed is no FAIL: bench.sh reports it).
ko="$TOA_MODULES/toa.ko"
ROUNDS=5 CONNS=2000 CALLS=20000 LOOP_SPLIT=4
SIZES=1000,10000,100000 SCALE_ROUNDS=3 SCALE_CALLS=100000 SAMPLE=1000 PLAIN=1000
MBYTES=100 DATA_CONNS=8
K8S_CONNS=1000 K8S_PACKETS=5000 K8S_SYNS=2000
[ -f /etc/toa-bench.conf ] && . /etc/toa-bench.conf

. /result.sh  # pass, fail, check (tests/guest/result.sh)

# No TIME-WAIT sockets pile up between rounds (the loopback setup metric closes
# orderly, FIN both ways, many thousand times).
echo 0 >/proc/sys/net/ipv4/tcp_max_tw_buckets
echo "1024 65535" >/proc/sys/net/ipv4/ip_local_port_range

echo "BENCHINFO kernel $TOA_RELEASE"
echo "BENCHINFO clocksource $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource 2>/dev/null)"
echo "BENCHINFO cpus $(grep -c ^processor /proc/cpuinfo) $(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2)"
echo "BENCHINFO spectre_v2 $(cat /sys/devices/system/cpu/vulnerabilities/spectre_v2 2>/dev/null)"
echo "BENCHINFO config rounds=$ROUNDS conns=$CONNS calls=$CALLS loop_split=$LOOP_SPLIT sizes=$SIZES scale_rounds=$SCALE_ROUNDS scale_calls=$SCALE_CALLS sample=$SAMPLE plain=$PLAIN mbytes=$MBYTES data_conns=$DATA_CONNS k8s_conns=$K8S_CONNS k8s_packets=$K8S_PACKETS k8s_syns=$K8S_SYNS"

load() {
  # syn=1: the SYN-position rows read the SYN (LVS mode, the costlier superset)
  insmod "$ko" syn=1 || { fail "insmod_$1"; return 1; }
}
unload() {
  rmmod toa || { fail "rmmod_$1"; return 1; }
}
# bench <name> <args>: one toa-bench run; a crash (no RESULT FAIL printed) is a FAIL too.
bench() {
  name="$1"
  shift
  t0=$(cut -d' ' -f1 /proc/uptime)
  toa-bench "$@" || fail "$name" "toa-bench $* exited with $?"
  echo "BENCHINFO elapsed $name $t0 $(cut -d' ' -f1 /proc/uptime)"
}

# Warm-up, not recorded: the first run after boot can be slowed down by boot-time work
# (seen once on 6.12: every metric of the first round twice as slow).
sleep 2
toa-bench micro --phase without --round 0 --conns 100 --calls 1000 >/dev/null 2>&1

r=1
while [ "$r" -le "$ROUNDS" ]; do
  if [ $((r % 2)) = 1 ]; then order="without with"; else order="with without"; fi
  for ph in $order; do
    if [ "$ph" = with ]; then load "round_$r" || exit 1; fi
    if [ "$ph" = with ] && [ "$r" = 1 ]; then
      # How the probes are attached ([FTRACE]: at a function's fentry call).
      echo "BENCHINFO kprobes $(tr -s '\t\n' ' ;' </sys/kernel/debug/kprobes/list 2>/dev/null)"
    fi
    bench "micro_${ph}_$r" micro --phase "$ph" --round "$r" --conns "$CONNS" --calls "$CALLS" \
      --skip setup_loopback4,setup_loopback6
    # The loopback setup, in LOOP_SPLIT processes: with the module loaded its cost per
    # connection takes one of two values (about 1.2% apart) in each process, at random;
    # the round's value is the mean of the processes.
    k=1
    while [ "$k" -le "$LOOP_SPLIT" ]; do
      bench "loopback_${ph}_${r}_$k" micro --phase "$ph" --round "$r" \
        --conns $((CONNS / LOOP_SPLIT)) --calls 10 --only setup_loopback4,setup_loopback6
      k=$((k + 1))
    done
    if [ "$ph" = with ]; then unload "round_$r" || exit 1; fi
  done
  r=$((r + 1))
done

load datapath || exit 1
bench datapath datapath --mbytes "$MBYTES" --data-conns "$DATA_CONNS"
unload datapath || exit 1

load scale || exit 1
bench scale scale --sizes "$SIZES" --rounds "$SCALE_ROUNDS" --calls "$SCALE_CALLS" \
  --sample "$SAMPLE" --plain "$PLAIN"
# Every TOA connection of the scale run is closed: the state goes with the sockets.
sleep 1
a=$(awk '$1 == "conn_alloc" { print $NF }' /proc/net/toa_stats)
f=$(awk '$1 == "conn_free" { print $NF }' /proc/net/toa_stats)
if [ "$a" = "$f" ]; then pass scale_state_freed "conn_alloc=$a conn_free=$f"; else fail scale_state_freed "conn_alloc=$a conn_free=$f"; fi
unload scale || exit 1

# --- The Kubernetes node: kube-proxy's iptables rules of externalTrafficPolicy: Cluster
# (NodePort 30088 DNATed to port 8080 of pod1 or pod2, MASQUERADEd from cni0), pods in
# their own namespaces behind veth on the bridge (tests/guest/k8s-node.sh). pod_up's
# servers stay out (stand-ins that exit): toa-bench listens on the pods' 8080 itself.
. /k8s-node.sh
node_up
mkdir -p /tmp/no-servers
for s in nginx haproxy toa-echo-server-static; do
  printf '#!/bin/sh\nexit 0\n' >/tmp/no-servers/$s
  chmod +x /tmp/no-servers/$s
done
path=$PATH
PATH=/tmp/no-servers:$PATH
pod_up 1
pod_up 2
PATH=$path
ipt_rules iptables Cluster || fail k8s_rules "iptables-restore failed"
# The flood is answered with SYN cookies only (its SYNs never queue in the listener).
for n in 1 2; do ip netns exec pod$n sysctl -qw net.ipv4.tcp_syncookies=2 || fail k8s_syncookies; done
# conntrack keeps its timeouts; toa-bench empties its table before each phase.
echo "BENCHINFO k8s nf_conntrack_max=$(cat /proc/sys/net/netfilter/nf_conntrack_max) buckets=$(cat /proc/sys/net/netfilter/nf_conntrack_buckets)"
k8s_load() {
  insmod "$ko" trusted=198.51.100.0/24,2001:db8:ff::/48 guard="$1" || { fail "insmod_k8s_$2"; return 1; }
}
r=1
while [ "$r" -le "$ROUNDS" ]; do
  if [ $((r % 2)) = 1 ]; then order="without noguard with"; else order="with noguard without"; fi
  for ph in $order; do
    case $ph in
      with) k8s_load 1 "$r" || exit 1 ;;
      noguard) k8s_load 0 "$r" || exit 1 ;;
    esac
    bench "k8s_${ph}_$r" k8s --phase "$ph" --round "$r" --pods /run/netns/pod1,/run/netns/pod2 \
      --conns "$K8S_CONNS" --packets "$K8S_PACKETS" --syns "$K8S_SYNS"
    if [ "$ph" != without ]; then unload "k8s_$r" || exit 1; fi
  done
  r=$((r + 1))
done

if dmesg | grep -q "toa: .* missed"; then fail kretprobe_missed "$(dmesg | grep 'toa: .* missed' | head -n 3)"; fi
exit 0
