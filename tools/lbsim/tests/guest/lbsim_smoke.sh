#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Guest script (busybox sh, run by tests/kernel/vm.sh): proves that toa-lbsim speaks
# TCP with a real kernel through the TUN, IPv4 and IPv6, with TOA options on the SYN,
# the handshake ACK and the first data segment, echo and FIN/RST close, malformed
# lists, SYN cookies, many connections, and the library API. No toa module is
# needed: the kernel skips options it does not know.
#
# Needs in /bin: toa-lbsim, toa-echo-server-static (examples/echo_server.cpp),
# lbsim_api_test.
# Prints RESULT <name> PASS|FAIL <detail>.

LB=/bin/toa-lbsim
log=/tmp/lbsim.log

. /result.sh  # pass, fail, check (tests/guest/result.sh)

# run <name> <toa-lbsim args...>: PASS when it exits 0
run() {
	name=$1
	shift
	if $LB "$@" >"$log" 2>&1; then
		pass "$name"
		tail -n 1 "$log"
	else
		fail "$name" "exit $? : $(tail -n 3 "$log" | tr '\n' ' ')"
	fi
}

# IPv4 and IPv6 (dual-stack [::]), one line per connection: "accepted client=... via=...".
# Room for the 300 parallel handshakes below: with the default 128 the kernel drops
# (ListenOverflows, 441 in one run of v6_parallel_300 on 6.1-arm64) until the simulator's
# retransmissions give up.
toa-echo-server-static --backlog 1024 8080 >/tmp/echo.log 2>&1 &
echo_pid=$!
# --close-after-echo server: the server closes first (it sends the first FIN)
toa-echo-server-static --close-after-echo 8081 >/tmp/echo2.log 2>&1 &
echo2_pid=$!
for _ in $(seq 50); do
	grep -q '^listening on' /tmp/echo.log && grep -q '^listening on' /tmp/echo2.log && break
	sleep 0.1
done

V4="--server 192.0.2.1:8080 --lb 198.51.100.2"
V6="--server [2001:db8::1]:8080 --lb 2001:db8:ff::2"
ECHO="--send hello-toa --expect-echo --close fin"

# --- handshake + echo + FIN with the option in each position, both families
for at in syn ack data; do
	extra=""
	[ "$at" = data ] && extra="--no-pure-ack"
	run "v4_200_8_at_$at" connect $V4 --format 200/8 --at $at $extra $ECHO
	run "v6_254_20_at_$at" connect $V6 --format 254/20 --client "[2001:db8:c::7]:40000" \
		--at $at $extra $ECHO
done
run v4_all_positions connect $V4 --format 254/8 --at syn,ack,data $ECHO
run v6_253_20_all_positions connect $V6 --format 253/20 --at syn,ack,data $ECHO
run v4_nat64_253_20 connect $V4 --format 253/20 --at ack $ECHO
run v4_249_40_syn_autofit connect $V4 --format 249/40 --at syn,ack $ECHO
run v6_249_40_data connect $V6 --format 249/40 --at data --no-pure-ack $ECHO
run v4_28_7_syn connect $V4 --format 28/7 --at syn $ECHO
run v4_253_8_stack_first connect $V4 --format 253/8 --at syn,ack --stack-first $ECHO
run v4_no_toa connect $V4 --no-toa $ECHO
run v4_raw_option connect $V4 --raw "fe08 1f90 cb007107" --at syn,ack $ECHO
run v4_no_ts_no_ws connect $V4 --no-ts --wscale off --no-sack --mss 1000 --at syn $ECHO

# --- close variants
run v4_close_rst connect $V4 --at ack --send x --close rst
run v6_close_fin_nowait connect $V6 --format 254/20 --client "[2001:db8:c::7]:1" --at ack \
	--send x --close fin-nowait
run v4_server_closes_first connect --server 192.0.2.1:8081 --lb 198.51.100.2 --at ack \
	--send bye --expect-echo --close wait
run v6_server_closes_first connect --server "[2001:db8::1]:8081" --lb 2001:db8:ff::2 \
	--format 254/20 --client "[2001:db8:c::7]:1" --at ack --send bye --expect-echo --close wait

# --- malformed option lists
# Linux >= 6.7 (tcp_do_parse_auth_options) drops a segment whose list turns malformed
# while at least 18 bytes are left to check, 5 with CONFIG_TCP_AO (7.x: the walk
# looks for TCP-AO too); older kernels do not look.
rel=$(uname -r)
major=${rel%%.*}
minor=${rel#*.}
minor=${minor%%.*}
new_kernel=0 minlen=0
if [ "$major" -gt 6 ] || { [ "$major" -eq 6 ] && [ "$minor" -ge 7 ]; }; then
	new_kernel=1 minlen=18
	grep -q " tcp_ao_" /proc/kallsyms && minlen=5
fi
KM="--kernel-minlen $minlen"
# dropped_or_run <name> <connect args...>: the connection is set up, or, where this
# kernel drops the SYN for its list (kdrop=syn), it gets no SYN-ACK
dropped_or_run() {
	name=$1
	shift
	if [ $new_kernel = 1 ] && $LB connect "$@" $KM --timeout 1500 --rto 200 >"$log" 2>&1; then
		if grep -q "kdrop=syn" "$log"; then
			fail "${name}_dropped_by_kernel" "connected: $(tail -n 2 "$log" | tr '\n' ' ')"
		else
			pass "$name"
		fi
	elif [ $new_kernel = 1 ] && grep -q "kdrop=syn" "$log"; then
		pass "${name}_dropped_by_kernel"
	else
		run "$name" connect "$@" $KM
	fi
}
# Short lists (no ordinary options): every kernel up to 7.x completes the connection;
# those with TCP-AO drop the SYNs with a length 0 or 1 option.
SHORT="--no-ts --no-sack --wscale off --mss off"
for m in len0 len1 truncated badlen forged eol nop len0-after truncated-after; do
	dropped_or_run "v4_malformed_${m}_short" $V4 --at syn,ack,data --malformed $m $SHORT $ECHO
done
dropped_or_run v6_malformed_truncated $V6 --format 253/20 --client "[2001:db8:c::7]:1" \
	--at syn,ack --malformed truncated $ECHO
# The expectation printed for badlen: a malformed TOA while a format of its kind is
# read (the walk stops), an unknown option (none) when none is.
if $LB connect $V4 --at ack --malformed badlen $SHORT $ECHO >"$log" 2>&1 &&
	grep -q " expect=malformed " "$log" &&
	$LB connect $V4 --at ack --malformed badlen --formats 254/8 $SHORT $ECHO >"$log" 2>&1 &&
	grep -q " expect=none " "$log"; then
	pass v4_malformed_badlen_expectation
else
	fail v4_malformed_badlen_expectation "$(tail -n 2 "$log" | tr '\n' ' ')"
fi
# With the ordinary options after them, a length 0/1 option leaves >= 18 bytes to
# check: Linux >= 6.7 drops the segments.
for m in truncated badlen forged eol nop truncated-after; do
	dropped_or_run "v4_malformed_$m" $V4 --at syn,ack,data --malformed $m $ECHO
done
for m in len0 len1 len0-after; do
	if [ $new_kernel = 1 ]; then
		if $LB connect $V4 --at syn,ack,data --malformed $m --timeout 1500 --rto 200 \
			$KM $ECHO >"$log" 2>&1; then
			fail "v4_malformed_${m}_dropped_by_kernel" "connected: $(tail -n 2 "$log" | tr '\n' ' ')"
		elif grep -q "kdrop=syn" "$log"; then
			pass "v4_malformed_${m}_dropped_by_kernel"
		else
			fail "v4_malformed_${m}_dropped_by_kernel" "$(tail -n 2 "$log" | tr '\n' ' ')"
		fi
	else
		run "v4_malformed_$m" connect $V4 --at syn,ack,data --malformed $m $ECHO
	fi
done

# --- bigger data (several segments each way)
run v4_64k_echo connect $V4 --at ack --send-size 65536 --expect-echo
run v4_1m_echo connect $V4 --at syn --send-size 1048576 --expect-echo --timeout 20000
run v6_64k_echo connect $V6 --format 254/20 --client "[2001:db8:c::7]:1" --at data \
	--no-pure-ack --send-size 65536 --expect-echo

# --- SYN cookies: always (2), the ACK carries the option
run v4_syncookies_ack connect $V4 --syncookies 2 --at ack --count 20 $ECHO
run v6_syncookies_data connect $V6 --format 254/20 --client "[2001:db8:c::7]:1" \
	--syncookies 2 --at data --no-pure-ack --count 20 $ECHO
run v4_syncookies_no_ts connect $V4 --syncookies 2 --no-ts --at ack --count 5 $ECHO
echo 1 >/proc/sys/net/ipv4/tcp_syncookies

# --- many connections
t0=$(date +%s)
run v4_sequential_2000 connect $V4 --at ack --count 2000 --quiet $ECHO
t1=$(date +%s)
echo "2000 sequential connections: $((t1 - t0)) s"
run v6_parallel_300 connect $V6 --format 254/20 --client "[2001:db8:c::7]:1" --at ack \
	--count 1000 --parallel 300 --quiet $ECHO
run v4_parallel_300_hold connect $V4 --at syn,ack --count 300 --parallel 300 --hold 500 \
	--quiet $ECHO

# --- random option lists
run v4_random_500 random $V4 --seed 11 --count 500 --parallel 20 --multi --expect-echo --quiet $KM
run v6_random_300 random $V6 --seed 12 --count 300 --parallel 20 --expect-echo --quiet $KM
$LB random $V4 --seed 5 --count 5 --expect-echo

# --- the server saw the load balancer (no toa module loaded here)
if grep -q "^accepted client=198\.51\.100\.2:[0-9]* via=peer " /tmp/echo.log &&
	grep -q "^accepted client=\[2001:db8:ff::2\]:[0-9]* via=peer " /tmp/echo.log; then
	pass echo_server_sees_lb
else
	fail echo_server_sees_lb "$(head -n 3 /tmp/echo.log | tr '\n' ' ')"
fi

# --- the library API
lbsim_api_test --sequential 1000 --concurrent 200 || true

# --- setup --persist / attach / teardown
if $LB setup --dev toap --persist -q && $LB connect --dev toap --no-config $V4 --at ack $ECHO -q &&
	$LB teardown --dev toap -q && ! [ -e /sys/class/net/toap ]; then
	pass persistent_device
else
	fail persistent_device "setup/attach/teardown"
fi

kill $echo_pid $echo2_pid 2>/dev/null
exit 0
