#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Drives an echo server build (argument 1) and toa-client-addr (argument 2) over loopback
# and checks the echo and the log lines, whose format is stable (see echo_server.cpp).
# On this host there is no toa module: every client is reported as the plain peer.
set -euo pipefail
server=$1
client_addr=$2
tmp=$(mktemp -d "${TMPDIR:-/tmp}/toa-echo-test.XXXXXX")
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*" >&2
	echo "--- stdout:" >&2
	cat "$tmp/out" >&2 || true
	echo "--- stderr:" >&2
	cat "$tmp/err" >&2 || true
	exit 1
}

# start CMD ARGS...: runs it in the background, waits for its "listening" line, sets $port.
start() {
	: >"$tmp/out"
	"$@" >"$tmp/out" 2>"$tmp/err" &
	pid=$!
	for _ in $(seq 100); do
		grep -q '^listening on' "$tmp/out" && break
		kill -0 "$pid" 2>/dev/null || fail "$* exited early"
		sleep 0.1
	done
	port=$(sed -n 's/^listening on \(.*:\|port \)\([0-9][0-9]*\)$/\2/p' "$tmp/out")
	[ -n "$port" ] || fail "no listening line from $*"
}

# finish: waits (10 s at most) for the server to exit by itself, status 0.
finish() {
	for _ in $(seq 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$pid" 2>/dev/null && fail "server did not exit after its connections"
	wait "$pid" || fail "server exit status $?"
	pid=
}

# talk HOST PORT: sends a line and checks it comes back.
talk() {
	exec 3<>"/dev/tcp/$1/$2"
	printf 'hello toa %s\n' "$1" >&3
	IFS= read -r -t 10 reply <&3 || fail "no echo from $1 port $2"
	exec 3<&-
	[ "$reply" = "hello toa $1" ] || fail "echo from $1 was '$reply'"
}

expect_line() {
	grep -Eq "$1" "$tmp/out" || fail "no line matching: $1"
}

ipv6=1
python3 -c 'import socket; s=socket.socket(socket.AF_INET6); s.bind(("::1",0))' 2>/dev/null || ipv6=0

echo "== IPv4 listener, --once"
start "$server" --once 127.0.0.1:0
expect_line "^listening on 127\.0\.0\.1:$port\$"
talk 127.0.0.1 "$port"
finish
expect_line "^accepted client=127\.0\.0\.1:[0-9]+ via=peer lb=- local=127\.0\.0\.1:$port\$"
[ "$(grep -c '^accepted ' "$tmp/out")" = 1 ] || fail "want exactly one accepted line"

echo "== default dual-stack listener, --count 2"
start "$server" --count 2 0
if [ "$ipv6" = 1 ]; then
	expect_line "^listening on \[::\]:$port\$"
	talk 127.0.0.1 "$port"
	talk ::1 "$port"
	finish
	expect_line "^accepted client=127\.0\.0\.1:[0-9]+ via=peer lb=- local=127\.0\.0\.1:$port\$"
	expect_line "^accepted client=\[::1\]:[0-9]+ via=peer lb=- local=\[::1\]:$port\$"
else
	talk 127.0.0.1 "$port"
	talk 127.0.0.1 "$port"
	finish
fi
[ "$(grep -c '^accepted ' "$tmp/out")" = 2 ] || fail "want exactly two accepted lines"

if [ "$ipv6" = 1 ]; then
	echo "== IPv6 listener"
	start "$server" --once '[::1]:0'
	expect_line "^listening on \[::1\]:$port\$"
	talk ::1 "$port"
	finish
	expect_line "^accepted client=\[::1\]:[0-9]+ via=peer lb=- local=\[::1\]:$port\$"
fi

echo "== concurrent connections (--backlog)"
start "$server" --count 2 --backlog 1024 127.0.0.1:0
exec 4<>"/dev/tcp/127.0.0.1/$port" # held open while another is served
talk 127.0.0.1 "$port"
printf 'second\n' >&4
IFS= read -r -t 10 reply <&4 || fail "no echo on the held connection"
[ "$reply" = second ] || fail "held connection echoed '$reply'"
exec 4<&-
finish

echo "== --close-after-echo: the server closes once it has echoed"
start "$server" --once --close-after-echo 127.0.0.1:0
exec 3<>"/dev/tcp/127.0.0.1/$port"
printf 'bye\n' >&3
IFS= read -r -t 10 reply <&3 || fail "no echo with --close-after-echo"
[ "$reply" = bye ] || fail "--close-after-echo echoed '$reply'"
rc=0
IFS= read -r -t 10 reply <&3 || rc=$?
[ "$rc" = 1 ] || fail "--close-after-echo: no EOF after the echo (read: $rc, '$reply')"
exec 3<&-
finish
expect_line "^accepted client=127\.0\.0\.1:[0-9]+ via=peer lb=- local=127\.0\.0\.1:$port\$"

echo "== bad arguments"
for args in "" "--count 0 8080" "--backlog 0 8080" "--backlog x 8080" "--bogus 8080" "host.example:80" "70000" "1.2.3.4:"; do
	# shellcheck disable=SC2086
	if "$server" $args >/dev/null 2>&1; then
		fail "accepted bad arguments: '$args'"
	else
		[ $? = 2 ] || fail "bad arguments '$args': exit status not 2"
	fi
done

echo "== toa-client-addr (C API)"
start "$client_addr" 0 1
talk_once() {
	exec 3<>"/dev/tcp/127.0.0.1/$port"
	exec 3<&-
}
talk_once
finish
expect_line "^client=127\.0\.0\.1:[0-9]+ via=peer lb=-\$"
echo PASS
