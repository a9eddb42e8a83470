#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The benchmark (`make bench`): what the module costs, on each kernel line.
#
#   bench.sh --build <cmake build dir> [--lines "5.10 6.1 6.12"] [--smoke]
#            [--rounds N] [--bin <toa-bench>] [--out DIR] [--publish]
#
# Per line: builds the module (tests/kernel/build-kmod.sh), boots the kernel with
# `vm.sh --icount` (-icount shift=0 -smp 1: the guest clock counts instructions, runs
# repeat within about 1%), runs tests/bench/guest.sh there: rounds alternating without
# and with the module in the one boot, then the data path check and the scale and memory
# run with the module loaded, then the Kubernetes node's rounds (tests/guest/k8s-node.sh
# with Debian's ip and iptables: kube-proxy's NodePort DNAT and MASQUERADE into pods,
# without the module, with it and guard=N, with it and guard=Y). The consoles are turned
# into <out>/results.json (for scripts) and <out>/results.md (the table, also printed) by
# report.py.
#
#   --build DIR   the CMake build dir (toa-bench and toa-lbsim are built there if missing; module
#                 builds and guest logs go there too)
#   --lines L     kernel lines, default "5.10 6.1 6.12"
#   --smoke       a seconds-long run of every code path (make check): small counts,
#                 numbers meaningless; written to <build>/bench-smoke/
#   --rounds N    alternating rounds (default 5; smoke 1)
#   --bin FILE    the toa-bench program (default <build>/tests/bench/toa-bench)
#   --out DIR     where results go (default <build>/bench, smoke <build>/bench-smoke)
#   --publish     also copy results.md to tests/bench/RESULTS.md (the table the README
#                 links)
#
# Exit 0 when every line ran, whether the goals are met or not (the table says); 1 when
# a build, a boot or a guest run failed; 2 on bad usage.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
kernel="$here/../kernel"

usage() {
  sed -n '3,28s/^# \{0,1\}//p' "$0" >&2
  exit 2
}

build="" lines="${TOA_BENCH_LINES:-5.10 6.1 6.12}" smoke=0 rounds="" bin="" out="" publish=0
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build="${2:?}"; shift 2 ;;
    --lines) lines="${2:?}"; shift 2 ;;
    --smoke) smoke=1; shift ;;
    --rounds) rounds="${2:?}"; shift 2 ;;
    --bin) bin="${2:?}"; shift 2 ;;
    --out) out="${2:?}"; shift 2 ;;
    --publish) publish=1; shift ;;
    -h|--help) usage ;;
    *) echo "bench.sh: unknown argument '$1'" >&2; usage ;;
  esac
done
[ -n "$build" ] || usage
[ -d "$build" ] || { echo "bench.sh: no build dir $build (run cmake first, or make bench)" >&2; exit 1; }
build="$(cd "$build" && pwd)"
export TOA_BUILD_DIR="${TOA_BUILD_DIR:-$build}"
command -v python3 >/dev/null || { echo "bench.sh: needs python3" >&2; exit 1; }

if [ -z "$bin" ]; then
  bin="$build/tests/bench/toa-bench"
  if [ ! -x "$bin" ]; then
    cmake --build "$build" --target toa-bench >/dev/null ||
      { echo "bench.sh: cannot build toa-bench in $build" >&2; exit 1; }
  fi
fi
[ -x "$bin" ] || { echo "bench.sh: no toa-bench program at $bin" >&2; exit 1; }
# The Kubernetes node's load balancer TUN (k8s-node.sh's node_up runs toa-lbsim setup).
lbsim="$build/tools/lbsim/toa-lbsim"
[ -x "$lbsim" ] || cmake --build "$build" --target toa-lbsim >/dev/null ||
  { echo "bench.sh: cannot build toa-lbsim in $build" >&2; exit 1; }

if [ "$smoke" = 1 ]; then
  out="${out:-$build/bench-smoke}"
  mem=512 timeout_s=300
  conf="ROUNDS=${rounds:-1} CONNS=40 CALLS=2000 LOOP_SPLIT=2
SIZES=50,100 SCALE_ROUNDS=1 SCALE_CALLS=2000 SAMPLE=50 PLAIN=20
MBYTES=1 DATA_CONNS=4
K8S_CONNS=20 K8S_PACKETS=200 K8S_SYNS=50"
else
  out="${out:-$build/bench}"
  # 100k open connections: sockets, files and the simulator need about 600 MB.
  mem=2048 timeout_s=2400
  conf="ROUNDS=${rounds:-5} CONNS=2000 CALLS=20000 LOOP_SPLIT=4
SIZES=1000,10000,100000 SCALE_ROUNDS=3 SCALE_CALLS=20000 SAMPLE=1000 PLAIN=1000
MBYTES=100 DATA_CONNS=8
K8S_CONNS=1000 K8S_PACKETS=5000 K8S_SYNS=2000"
fi
mkdir -p "$out"
echo "$conf" >"$out/toa-bench.conf"

consoles=() failed=()
t_all=$SECONDS
for line in $lines; do
  t0=$SECONDS
  echo "bench: $line: building the module"
  if ! ko="$("$kernel/build-kmod.sh" "$line" | tail -n 1)" || [ ! -f "$ko" ]; then
    echo "bench: $line: module build failed" >&2
    failed+=("$line (module build)")
    continue
  fi
  if ! k8s_args="$("$here/../guest/k8s-vm-args.sh" "$line")"; then
    echo "bench: $line: no Kubernetes node tools (tests/guest/k8s-vm-args.sh)" >&2
    failed+=("$line (k8s tools)")
    continue
  fi
  # Without IPVS (the bench takes kube-proxy's iptables mode): the modules load at boot,
  # under every row, and the fewer the rows before the Kubernetes node's share, the better
  # (conntrack's sockopt, on netfilter's list, already moves libtoa's no-module row).
  mapfile -t all <<<"$k8s_args"
  # ctnetlink: toa-bench empties the conntrack table before each phase.
  k8s_args=(--kmod-from-image nf_conntrack_netlink)
  for ((i = 0; i < ${#all[@]}; i++)); do
    if [ "${all[i]}" = --kmod-from-image ] && [[ "${all[i + 1]}" == ip_vs* ]]; then
      i=$((i + 1))
    else
      k8s_args+=("${all[i]}")
    fi
  done
  log="$out/console-$line.log"
  echo "bench: $line: booting (log: $log)"
  set +e
  "$kernel/vm.sh" --line "$line" --icount --mem "$mem" --module "$ko" --bin "$bin" \
    --bin "$lbsim" "${k8s_args[@]}" \
    --file "$out/toa-bench.conf:/etc/toa-bench.conf" --script "$here/guest.sh" \
    --timeout "$timeout_s" --log "$log" | grep -vE '^RESULT [^ ]+ PASS'
  vm_rc=${PIPESTATUS[0]}
  set -e
  if [ "$vm_rc" != 0 ]; then
    echo "bench: $line: the guest run failed (log: $log)" >&2
    failed+=("$line (guest run)")
  fi
  consoles+=("$line=$log")
  echo "bench: $line: $((SECONDS - t0)) s"
done

rc=0
if [ ${#consoles[@]} -gt 0 ]; then
  args=(--json "$out/results.json" --md "$out/results.md")
  [ "$smoke" = 1 ] && args+=(--smoke)
  python3 "$here/report.py" "${args[@]}" "${consoles[@]}" || rc=1
  echo "bench: results in $out/results.json and $out/results.md ($((SECONDS - t_all)) s)"
  if [ "$publish" = 1 ] && [ "$smoke" = 0 ] && [ ${#failed[@]} = 0 ]; then
    cp "$out/results.md" "$here/RESULTS.md"
    echo "bench: published to $here/RESULTS.md"
  fi
fi
if [ ${#failed[@]} -gt 0 ]; then
  echo "bench: FAILED: ${failed[*]}" >&2
  rc=1
fi
exit $rc
