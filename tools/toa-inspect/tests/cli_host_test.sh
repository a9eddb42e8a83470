#!/bin/sh
# SPDX-License-Identifier: MIT
# toa-inspect on the build host, where the toa module is not loaded: the
# messages and exit statuses an operator sees, help, version and the man page.
# Usage: cli_host_test.sh TOA_INSPECT MANPAGE
set -u
bin=$1
man=$2
fails=0
passes=0

if [ -d /sys/module/toa ]; then
	echo "SKIP: the toa module is loaded on this host"
	exit 77
fi

errfile=$(mktemp)
trap 'rm -f "$errfile"' EXIT

# check NAME EXPECTED_RC EXPECTED_STDERR_LINE [ARGS...]: runs the tool, compares.
check() {
	name=$1 want_rc=$2 want_err=$3
	shift 3
	out=$("$bin" "$@" 2>"$errfile")
	rc=$?
	err=$(cat "$errfile")
	if [ "$rc" -ne "$want_rc" ] || [ "$err" != "$want_err" ]; then
		echo "FAIL: $name: toa-inspect $*"
		echo "  exit $rc (want $want_rc)"
		echo "  stderr: $err"
		echo "  want:   $want_err"
		fails=$((fails + 1))
	else
		echo "ok: $name"
		passes=$((passes + 1))
	fi
	last_out=$out
}

expect_out() {
	name=$1 want=$2
	if [ "$last_out" != "$want" ]; then
		echo "FAIL: $name: stdout: $last_out"
		echo "  want: $want"
		fails=$((fails + 1))
	else
		passes=$((passes + 1))
	fi
}

not_loaded='toa-inspect: the toa module is not loaded (no generic netlink family "toa")'

check "status, not loaded" 1 "$not_loaded" status
expect_out "status prints nothing" ""
check "default subcommand is status" 1 "$not_loaded"
check "status --json, not loaded" 1 "$not_loaded" status --json
expect_out "status --json says loaded:false" '{"loaded":false}'
check "stats, not loaded" 1 "$not_loaded" stats --prometheus
check "conns, not loaded" 1 "$not_loaded" conns --port 8080
check "lookup, not loaded" 1 "$not_loaded" lookup 10.0.0.5:8080 10.0.0.1:40000
check "config show, not loaded" 1 "$not_loaded" config show
check "config set, not loaded" 1 "$not_loaded" config set transparent off

check "bad CIDR" 2 'toa-inspect: bad CIDR "300.1.2.3/33"' config set trusted 300.1.2.3/33
check "bad endpoint" 2 \
	'toa-inspect: bad endpoint "2001:db8::1:80" (expected ADDR:PORT, an IPv6 address as [ADDR]:PORT)' \
	lookup 2001:db8::1:80 '[2001:db8::2]:1'
check "unknown subcommand" 2 'toa-inspect: unknown subcommand "shw" (see toa-inspect --help)' shw

check "--version" 0 "" --version
case $last_out in
"toa-inspect "[0-9]*) passes=$((passes + 1)) ;;
*) echo "FAIL: --version printed: $last_out"; fails=$((fails + 1)) ;;
esac
check "--help" 0 "" --help
for sub in status stats conns lookup config; do
	check "$sub --help" 0 "" "$sub" --help
	case $last_out in
	"Usage: toa-inspect $sub"*) passes=$((passes + 1)) ;;
	*) echo "FAIL: $sub --help printed: $last_out"; fails=$((fails + 1)) ;;
	esac
	# The man page describes every subcommand.
	if grep -q "^\.SS $sub" "$man"; then
		passes=$((passes + 1))
	else
		echo "FAIL: the man page has no section for $sub"
		fails=$((fails + 1))
	fi
done

# The man page lists every counter (as `stats --help` does).
counters=$("$bin" stats --help | sed -n '/^Counters:/,$p' | sed -n 's/^  \([a-z0-9_]*\)$/\1/p')
if [ -z "$counters" ]; then
	echo "FAIL: stats --help lists no counters"
	fails=$((fails + 1))
fi
for c in $counters; do
	if grep -q "^\.B $c\$" "$man"; then
		passes=$((passes + 1))
	else
		echo "FAIL: the man page does not describe the counter $c (SUBCOMMANDS, stats)"
		fails=$((fails + 1))
	fi
done

# The man page is well-formed roff.
if command -v groff >/dev/null 2>&1; then
	warnings=$(groff -t -man -ww -z "$man" 2>&1)
	if [ -n "$warnings" ]; then
		echo "FAIL: groff warns about $man:"
		echo "$warnings"
		fails=$((fails + 1))
	else
		echo "ok: man page"
		passes=$((passes + 1))
	fi
fi

echo "$passes passed, $fails failed"
[ "$fails" -eq 0 ]
