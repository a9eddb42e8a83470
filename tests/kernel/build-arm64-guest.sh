#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Cross-builds the guest programs for the arm64 kernel line (6.1-arm64) and prints the
# path of each requested program (one a line).
#
#   build-arm64-guest.sh <build dir> [target]...     (default target: toa-e2e)
#
# Configures arm64-guest/ (the repo's libtoa, tools/lbsim, tools/toa-inspect and
# tests/guest, nothing else) with aarch64-toolchain.cmake in <build dir> on the first run,
# then builds incrementally. Makes sure the line's arm64 sysroot is in the cache first
# (kernels.sh fetch 6.1-arm64: instant when it is). Quiet unless something fails.
# Env: TOA_ARM64_BUILD_TYPE (default RelWithDebInfo), TOA_JOBS (default 2).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ $# -ge 1 ] || { sed -n '3,13s/^# \{0,1\}//p' "$0" >&2; exit 2; }
bdir="$1"
shift
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(toa-e2e)

toa_need_cmd cmake cmake
toa_need_cmd aarch64-linux-gnu-gcc gcc-aarch64-linux-gnu
toa_need_cmd aarch64-linux-gnu-g++ g++-aarch64-linux-gnu
toa_kernel_ensure 6.1-arm64
sysroot="$(toa_kernel_sysroot 6.1-arm64)"

mkdir -p "$bdir"
bdir="$(cd "$bdir" && pwd)"
exec 8>"$bdir/.lock"
flock 8
log="$bdir/build.log"
if [ ! -f "$bdir/CMakeCache.txt" ]; then
  if ! cmake -S "$TOA_KTEST_DIR/arm64-guest" -B "$bdir" \
      -DCMAKE_TOOLCHAIN_FILE="$TOA_KTEST_DIR/aarch64-toolchain.cmake" \
      -DTOA_ARM64_SYSROOT="$sysroot" \
      -DCMAKE_BUILD_TYPE="${TOA_ARM64_BUILD_TYPE:-RelWithDebInfo}" >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$bdir/CMakeCache.txt"
    toa_die "arm64 guest programs: cmake configure failed (log: $log)"
  fi
fi
if ! cmake --build "$bdir" -j "${TOA_JOBS:-2}" --target "${targets[@]}" >>"$log" 2>&1; then
  tail -n 60 "$log" >&2
  toa_die "arm64 guest programs: build of ${targets[*]} failed (log: $log)"
fi
for t in "${targets[@]}"; do
  f="$(find "$bdir" -path "$bdir/CMakeFiles" -prune -o -type f -name "$t" -perm -u+x -print | head -n1)"
  [ -n "$f" ] || toa_die "arm64 guest programs: no program $t in $bdir"
  echo "$f"
done
