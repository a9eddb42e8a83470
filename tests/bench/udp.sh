#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The UDP part's cost (DPVS's UOA), in booted kernels under `vm.sh --icount`:
#
#   udp.sh --build <cmake build dir> [--lines "6.1"] [--rounds N] [--smoke]
#
# Per line, in one boot: rounds alternating without and with the module (ABBA), each
# writing datagrams into a TUN device for a server (tests/guest/udp.cpp, bench): plain
# datagrams (the receive rate the module must not slow down by more than 1%), the same
# beside conntrack and NAT (an iptables nat rule, as on a Kubernetes node), datagrams
# with UOA in either carrier, and DPVS's lookup with 1k, 10k and 100k mappings. Prints
# the medians per metric and the ratios, and writes <build>/bench-udp/results-<line>.txt.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
kernel="$here/../kernel"
build="" lines="6.1" rounds=5 smoke=0
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build="${2:?}"; shift 2 ;;
    --lines) lines="${2:?}"; shift 2 ;;
    --rounds) rounds="${2:?}"; shift 2 ;;
    --smoke) smoke=1; shift ;;
    *) sed -n '3,11s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
  esac
done
[ -n "$build" ] || { sed -n '3,11s/^# \{0,1\}//p' "$0" >&2; exit 2; }
build="$(cd "$build" && pwd)"
export TOA_BUILD_DIR="${TOA_BUILD_DIR:-$build}"
bin="$build/tests/guest/toa-udp-e2e"
[ -x "$bin" ] || { echo "udp.sh: no $bin (build the project first)" >&2; exit 1; }
out="$build/bench-udp"
if [ "$smoke" = 1 ]; then
  out="$build/bench-udp-smoke" # numbers meaningless: not beside a real run's
  conf="ROUNDS=1 COUNT=512 SIZES=100,1000 CALLS=500"
else
  conf="ROUNDS=$rounds COUNT=20000 SIZES=1000,10000,100000 CALLS=20000"
fi
mkdir -p "$out"
echo "$conf" >"$out/toa-udp-bench.conf"
rc=0
for line in $lines; do
  ko="$("$kernel/build-kmod.sh" "$line" | tail -n 1)"
  log="$out/console-$line.log"
  # Debian's iptables and the kernel's netfilter modules (those of the Kubernetes suite)
  mapfile -t nf_args < <("$here/../guest/k8s-vm-args.sh" "$line")
  "$kernel/vm.sh" --line "$line" --icount --mem 1024 --module "$ko" --bin "$bin" "${nf_args[@]}" \
    --file "$out/toa-udp-bench.conf:/etc/toa-udp-bench.conf" --script "$here/udp-guest.sh" \
    --timeout 2400 --log "$log" | grep -vE '^RESULT [^ ]+ PASS' || rc=1
  # Medians per metric and phase; ratios against the plain datagram without the module.
  tr -d '\r' <"$log" | awk -v line="$line" '
    $1 == "BENCH" { v[$2 " " $3] = v[$2 " " $3] " " $5; keys[$2 " " $3] = 1 }
    $1 == "BENCHINFO" && $2 ~ /^mappings_/ { info = info "\n  " $0 }
    function median(s,   a, n, i, j, t) {
      n = split(s, a, " ")
      for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
      return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
    }
    END {
      printf "UDP cost on %s (instructions per operation, medians of the rounds)\n", line
      base = median(v["udp_plain without"])
      for (k in keys) m[k] = median(v[k])
      printf "  %-28s %10.0f\n", "plain datagram, no module", base
      printf "  %-28s %10.0f  x%.4f (rate ratio %.4f)\n", "plain datagram, module", m["udp_plain with"], m["udp_plain with"] / base, base / m["udp_plain with"]
      if ("udp_plain without_ct" in m) {
        bct = m["udp_plain without_ct"]
        printf "  %-28s %10.0f\n", "plain, conntrack+NAT, no mod", bct
        printf "  %-28s %10.0f  x%.4f (rate ratio %.4f)\n", "plain, conntrack+NAT, module", m["udp_plain with_ct"], m["udp_plain with_ct"] / bct, bct / m["udp_plain with_ct"]
      }
      printf "  %-28s %10.0f  x%.4f\n", "UOA datagram (ipo), module", m["udp_ipo with"], m["udp_ipo with"] / base
      printf "  %-28s %10.0f  x%.4f\n", "UOA datagram (opp), module", m["udp_opp with"], m["udp_opp with"] / base
      printf "  %-28s %10.0f\n", "getsockopt(SO_RCVBUF)", m["getsockopt_plain with"]
      for (k in m) if (k ~ /^uoa_lookup_/) { split(k, p, " "); printf "  %-28s %10.0f  x%.4f of getsockopt(SO_RCVBUF)\n", p[1], m[k], m[k] / m["getsockopt_plain with"] }
      print info
    }' | tee "$out/results-$line.txt"
done
exit $rc
