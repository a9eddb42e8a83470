# SPDX-License-Identifier: MIT
# In the guest: the module's UDP part, DPVS's UOA (run by tests/guest/run-suite.sh).
ko="$TOA_MODULES/toa.ko"
. /result.sh  # pass, fail, check (tests/guest/result.sh)
stat_total() { awk -v n="$1" '$1 == n { print $NF }' /proc/net/toa_stats; }

insmod "$ko" || { fail insmod; exit 1; }
sleep 1 # the load line on the console first (7.x prints it late)
check uoa_params '[ "$(cat /sys/module/toa/parameters/uoa)" = Y ] &&
  [ "$(cat /sys/module/toa/parameters/uoa_timeout)" = 360 ] &&
  [ "$(cat /sys/module/toa/parameters/uoa_max)" = 65536 ]'
check uoa_stats_dpvs_layout 'head -n 1 /proc/net/uoa_stats | grep -q "Success *Miss *Invalid|UOA *Got *None *Saved *Ack-Fail"' \
  "$(head -n 1 /proc/net/uoa_stats)"
check uoa_stats_percpu 'head -n 1 /proc/net/uoa_stats_percpu | grep -q "^CPU  Success"'
check uoa_counter_names 'grep -q "^uoa_got " /proc/net/toa_stats && grep -q "^uoa_ack_fail " /proc/net/toa_stats'

toa-udp-e2e cases
# Every namespace has the hooks, IPv6 included; its mappings are its own.
unshare -n toa-udp-e2e netns
out=$(toa-inspect udp 2>&1); rc=$?
check inspect_udp_lists '[ $rc -eq 0 ] && echo "$out" | grep -q "198.51.100.15:45000 *203.0.113.18:1800 *opp"' "rc=$rc $(echo "$out" | head -n 3)"
out=$(toa-inspect --json udp 2>&1); rc=$?
check inspect_udp_json '[ $rc -eq 0 ] && echo "$out" | grep -q "\"carrier\": *\"opp\""' "rc=$rc $(echo "$out" | head -c 300)"

# The simulator's command (toa-lbsim-udp): DPVS's first three datagrams of a flow, no
# server listening (the hook runs before UDP's port lookup): one mapping, 3 datagrams.
if command -v toa-lbsim-udp >/dev/null; then
  out=$(toa-lbsim-udp --lb 198.51.100.30:41000 --server 192.0.2.1:9999 \
    --client '[2001:db8:c::30]:3000' --carrier ipo --count 3 2>&1); rc=$?
  check lbsim_udp_sends '[ $rc -eq 0 ]' "rc=$rc $out"
  out=$(toa-inspect udp --port 9999 --no-header 2>&1)
  check lbsim_udp_mapping 'echo "$out" | grep -q "192.0.2.1:9999 *198.51.100.30:41000 *\[2001:db8:c::30\]:3000 *ipo *3 "' "$out"
else
  echo "RESULT lbsim_udp_mapping SKIP no toa-lbsim-udp in this guest"
fi

# rmmod and insmod while datagrams and lookups go on.
toa-udp-e2e load 25 > /tmp/udp-load.out 2>&1 &
pid=$!
sleep 3
cycles=0
for i in 1 2 3 4 5 6; do
  rmmod toa || { fail "rmmod_under_udp_load_$i"; continue; }
  sleep 0.5
  insmod "$ko" || { fail "insmod_under_udp_load_$i"; continue; }
  cycles=$((cycles + 1))
  sleep 2
done
check udp_reload_cycles '[ "$cycles" = 6 ]' "cycles=$cycles"
wait $pid
cat /tmp/udp-load.out
check udp_load_rc "grep -q 'RESULT load_no_wrong_answer PASS' /tmp/udp-load.out"

# uoa=N at load: no UDP part at all (DPVS's uoa.ko could take getsockopt 2048).
rmmod toa
check insmod_uoa_off 'insmod "$ko" uoa=0 && sleep 1'
check uoa_off_no_proc '[ ! -e /proc/net/uoa_stats ]'
check uoa_off_message 'dmesg | grep -q "UDP part (UOA) not loaded: uoa=N"'
check rmmod_uoa_off 'rmmod toa'

# DPVS's uoa.ko loaded (a stand-in that takes getsockopt 2048): toa.ko loads its TCP
# part, refuses its UDP part with one clear line, and leaves the range to uoa.ko.
check fake_uoa_insmod 'insmod "$TOA_MODULES/uoa.ko" && sleep 1'
# (sleep: on 7.x the console prints the load line late, into the RESULT line otherwise)
check insmod_beside_uoa 'insmod "$ko" && sleep 1'
check beside_uoa_message 'dmesg | grep -q "UDP part (UOA) not loaded: getsockopt 2048..2049 is taken (DPVS.s uoa.ko loaded?)"' \
  "$(dmesg | grep 'toa:' | tail -n 2)"
check beside_uoa_no_proc '[ ! -e /proc/net/uoa_stats ]'
check beside_uoa_tcp_part 'dmesg | tail -n 3 | grep -q "toa load success: .* uoa=off"'
check beside_uoa_param_off '[ "$(cat /sys/module/toa/parameters/uoa)" = N ]'
out=$(toa-inspect udp 2>&1); rc=$?
check beside_uoa_inspect_says_why '[ $rc -ne 0 ] && echo "$out" | grep -q "UDP part"' "rc=$rc $out"
check rmmod_beside_uoa 'rmmod toa'
check rmmod_fake_uoa 'rmmod uoa'
