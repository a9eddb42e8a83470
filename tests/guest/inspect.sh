# SPDX-License-Identifier: MIT
# In the guest: toa-inspect against the module (run by tests/guest/run-suite.sh).
ko="$TOA_MODULES/toa.ko"
. /result.sh  # pass, fail, check (tests/guest/result.sh)
# Runs toa-inspect; its output in $out, exit status in $rc.
ti() { out=$(toa-inspect "$@" 2>&1); rc=$?; }
json_num() { echo "$out" | tr ',{}' '\n\n\n' | sed -n "s/.*\"$1\": *\([0-9]*\).*/\1/p" | head -n 1; }
nconns() { toa-inspect conns --no-header "$@" | grep -c .; }
open_conns() {
  rm -f /tmp/go
  toa-e2e open --count "$1" >/tmp/open.out 2>&1 &
  opener=$!
  for i in $(seq 1 300); do grep -q READY /tmp/open.out && return 0; sleep 0.1; done
  return 1
}
close_conns() { touch /tmp/go; wait $opener; }

ti status
check status_without_module '[ $rc -eq 1 ] && echo "$out" | grep -q "not loaded"' "rc=$rc $out"
ti --json status
check status_json_without_module '[ $rc -eq 1 ] && echo "$out" | grep -q "\"loaded\": *false"' "rc=$rc $out"

insmod "$ko" || { fail insmod; exit 1; }
ti status
check status_loaded '[ $rc -eq 0 ] && echo "$out" | grep -q "0.1.0"' "rc=$rc $out"
ti --json stats
before=$(json_num syn_recv_sock_toa)

# Connections: IPv4, IPv6 and NAT64, listed while open, forgotten once closed.
open_conns 6 || fail open_conns "$(cat /tmp/open.out)"
ti conns
echo "$out"
check conns_lists_ipv4 'echo "$out" | grep -q "198.51.100.2:[0-9]* *203.0.113.7:4000"' "$out"
check conns_lists_nat64 'echo "$out" | grep -q "192.0.2.1:8004 *198.51.100.2:[0-9]* *\[2001:db8:c::7\]:4000"' "$out"
check conns_lists_ipv6 'echo "$out" | grep -q "\[2001:db8:ff::2\]:[0-9]* *\[2001:db8:c::7\]:4000"' "$out"
n=$(nconns)
check conns_count '[ "$n" -eq 6 ]' "n=$n"
n=$(nconns --port 8006)
check conns_filter_port '[ "$n" -eq 2 ]' "n=$n"
n=$(nconns --client 2001:db8:c::/48)
check conns_filter_client '[ "$n" -eq 4 ]' "n=$n"
ti --json conns
check conns_json '[ $rc -eq 0 ] && echo "$out" | grep -q "\"format\": *\"253/20\""' "$out"
set -- $(toa-inspect conns --no-header --port 8004 | head -n 1)
ti lookup "$1" "$2"
check lookup_4tuple '[ $rc -eq 0 ] && echo "$out" | grep -q "$3"' "lookup $1 $2: rc=$rc $out"
ti lookup 192.0.2.1:8004 198.51.100.2:1
check lookup_missing '[ $rc -eq 1 ]' "rc=$rc $out"
# Every listed connection (IPv4, IPv6, NAT64) is found by its 4-tuple, with its client:
# the kernel's established-socket lookup, IPv4 and IPv6.
found=0 listed=0
while read -r l p c rest; do
  listed=$((listed + 1))
  o=$(toa-inspect lookup "$l" "$p" 2>&1) && echo "$o" | grep -qF "$c" && found=$((found + 1))
done <<EOF2
$(toa-inspect conns --no-header)
EOF2
check lookup_every_conn '[ $listed -eq 6 ] && [ $found -eq 6 ]' "found $found of $listed"
set -- $(toa-inspect conns --no-header --port 8004 | head -n 1)
ti lookup "$2" "$1"
check lookup_reversed_missing '[ $rc -eq 1 ]' "lookup $2 $1: rc=$rc $out"
ti --json stats
after=$(json_num syn_recv_sock_toa)
check stats_move '[ "$after" -eq $((before + 6)) ]' "syn_recv_sock_toa $before -> $after"
ti stats --prometheus
check stats_prometheus 'echo "$out" | grep -q "^toa_syn_recv_sock_toa_total $after" && echo "$out" | grep -q "^# TYPE"' "$out"

# Without CAP_NET_ADMIN: stats yes, the connection list and config changes no.
ti stats
root_stats=$rc
out=$(toa-e2e as-nobody toa-inspect stats 2>&1); rc=$?
check nobody_stats_allowed '[ $rc -eq 0 ] && [ $root_stats -eq 0 ]' "rc=$rc $out"
out=$(toa-e2e as-nobody toa-inspect conns 2>&1); rc=$?
check nobody_conns_refused '[ $rc -eq 1 ] && echo "$out" | grep -qi "CAP_NET_ADMIN\|permission"' "rc=$rc $out"
out=$(toa-e2e as-nobody toa-inspect config set transparent off 2>&1); rc=$?
check nobody_config_set_refused '[ $rc -eq 1 ] && echo "$out" | grep -qi "CAP_NET_ADMIN\|permission"' "rc=$rc $out"
ti config show
check config_unchanged_by_nobody 'echo "$out" | grep -qi "transparent.*on"' "$out"

close_conns
sleep 0.5
n=$(nconns)
check conns_forgets_closed '[ "$n" -eq 0 ]' "n=$n"

# config set applies to the next connection: a trusted range without the simulator's
# load balancer (198.51.100.2) turns TOA off for it.
ti config set trusted 192.0.2.128/25,2001:db8:fe::/48
check config_set_trusted '[ $rc -eq 0 ] && echo "$out" | grep -q "192.0.2.128/25"' "rc=$rc $out"
check config_param_mirrors 'grep -q "192.0.2.128/25" /sys/module/toa/parameters/trusted'
toa-e2e single --want none
ti config set trusted none
check config_set_trusted_none '[ $rc -eq 0 ]' "rc=$rc $out"
toa-e2e single --want toa
ti config set formats 254/8 transparent off
check config_set_two '[ $rc -eq 0 ] && grep -q N /sys/module/toa/parameters/transparent && grep -qx "254/8" /sys/module/toa/parameters/formats' "rc=$rc $out"
toa-e2e single --want none
ti config set formats default transparent on
check config_restore '[ $rc -eq 0 ]' "rc=$rc $out"
toa-e2e single --want toa

# Bad arguments: exit 2 and a message naming the problem.
ti config set trusted 300.1.2.3/33
check bad_cidr '[ $rc -eq 2 ] && echo "$out" | grep -q "300.1.2.3/33"' "rc=$rc $out"
ti config set formats 254/9
check bad_format '[ $rc -eq 2 ]' "rc=$rc $out"
ti lookup 192.0.2.1 nothing
check bad_lookup '[ $rc -eq 2 ]' "rc=$rc $out"
ti frobnicate
check bad_subcommand '[ $rc -eq 2 ]' "rc=$rc $out"

rmmod toa
ti stats
check stats_without_module '[ $rc -eq 1 ] && echo "$out" | grep -q "not loaded"' "rc=$rc $out"
