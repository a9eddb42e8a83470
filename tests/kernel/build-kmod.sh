#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds a kernel module against one cached Debian kernel line and prints the path
# of each built .ko (one a line).
#
#   build-kmod.sh <line> [--src DIR] [--out DIR] [--verbose]
#
#   --src DIR   module source dir (default: the repo's kmod/); it is copied with the
#               repo's include/ beside it, so `-I$(src)/../include` works
#   --out DIR   where to copy and build (default: ${TOA_BUILD_DIR:-<repo>/build}/kmod-<line>,
#               or <build>/<basename of --src>-<line>); one dir per line, so the lines
#               never share object files
#   --verbose   show make's output (otherwise it is shown only when the build fails)
#
# The compiler is the line's (the "cc" column of the table in lib.sh). Lines with a build
# root (Debian 13 and later) build in it (buildroot.sh run), with the headers at their own
# /usr/src paths and the build dir at /build, as that release's DKMS would. arm64 lines
# build with ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-; 6.1-debug against its build
# tree in the cache. Env: TOA_KCC (compiler), TOA_JOBS (make -j, default 1).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

usage() {
  sed -n '3,19s/^# \{0,1\}//p' "$0" >&2
  exit 2
}

# Copies a source tree over an existing build tree, keeping mtimes (so make rebuilds
# only what changed) and removing sources that disappeared.
sync_tree() {
  local src="$1" dst="$2" f
  mkdir -p "$dst"
  cp -a "$src/." "$dst/"
  while IFS= read -r -d '' f; do
    [ -e "$src/${f#"$dst"/}" ] || rm -f "$f"
  done < <(find "$dst" -type f \( -name '*.[chS]' -o -name Kbuild -o -name Makefile \) \
    ! -name '*.mod.c' -print0)
}

[ $# -ge 1 ] || usage
line="$1"
shift
toa_check_line "$line"
src="$TOA_REPO/kmod"
out=""
verbose=0
while [ $# -gt 0 ]; do
  case "$1" in
    --src) src="${2:?--src needs a dir}"; shift 2 ;;
    --out) out="${2:?--out needs a dir}"; shift 2 ;;
    --verbose|-v) verbose=1; shift ;;
    *) usage ;;
  esac
done
[ -d "$src" ] || toa_die "no module source dir $src"
src="$(cd "$src" && pwd)"
[ -f "$src/Kbuild" ] || [ -f "$src/Makefile" ] || toa_die "no Kbuild or Makefile in $src"
if [ -z "$out" ]; then
  if [ "$src" = "$TOA_REPO/kmod" ]; then
    out="$(toa_build_dir)/kmod-$line"
  else
    out="$(toa_build_dir)/$(basename "$src")-$line"
  fi
fi

cc="$(toa_kernel_cc "$line")"
broot="$(toa_line_root "$line")"
arch_args=()
if [ "$(toa_line_arch "$line")" = arm64 ]; then
  arch_args=(ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-)
fi
if [ -z "$broot" ]; then
  toa_need_cmd make make
  if [ "$(toa_line_arch "$line")" = arm64 ]; then
    toa_need_cmd "$cc" gcc-aarch64-linux-gnu
  else
    toa_need_cmd "$cc" gcc-12
  fi
  [ "$line" = 6.12 ] && toa_need_cmd pahole dwarves
fi
toa_kernel_ensure "$line"
kdir="$(toa_kernel_kdir "$line")"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
# Parallel builds of the same dir (two tests of one line) take turns.
exec 8>"$out/.lock"
flock 8
sync_tree "$src" "$out/kmod"
if [ -d "$TOA_REPO/include" ]; then
  sync_tree "$TOA_REPO/include" "$out/include"
fi

log="$out/build.log"
if [ -z "$broot" ]; then
  mk=(make -C "$kdir" M="$out/kmod" "${arch_args[@]}" CC="$cc" -j"${TOA_JOBS:-1}" modules)
else
  # In the line's build root, as that release's DKMS would: its compiler, its headers at
  # their own /usr/src paths, the module at /build.
  rel="$(toa_kernel_field "$line" release)"
  binds=()
  mapfile -t binds < <(toa_root_binds "${kdir%/usr/src/*}")
  mk=("$TOA_KTEST_DIR/buildroot.sh" run "$broot" "${binds[@]}" --bind "$out:/build" --cd /build --
    make -C "/usr/src/linux-headers-$rel" M=/build/kmod "${arch_args[@]}" CC="$cc" -j"${TOA_JOBS:-1}" modules)
fi
if [ "$verbose" = 1 ]; then
  "${mk[@]}" 2>&1 | tee "$log" >&2 || toa_die "module build for $line failed (log: $log)"
elif ! "${mk[@]}" >"$log" 2>&1; then
  cat "$log" >&2
  toa_die "module build for $line failed (log: $log)"
fi

kos=("$out/kmod/"*.ko)
[ -e "${kos[0]}" ] || toa_die "module build for $line produced no .ko in $out/kmod (log: $log)"
printf '%s\n' "${kos[@]}"
