# SPDX-License-Identifier: MIT
# Shared functions of the booted-kernel harness (kernels.sh, build-kmod.sh, vm.sh,
# selftest.sh). Source it; it defines functions and a few variables, runs nothing.

TOA_KTEST_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
TOA_REPO="$(cd "$TOA_KTEST_DIR/../.." && pwd)"
TOA_LINES=(5.10 6.1 6.12 6.1-debug 6.1-arm64)
TOA_VERBOSE="${TOA_VERBOSE:-0}"

toa_die() {
  echo "toa: $*" >&2
  exit 1
}

toa_info() {
  echo "toa: $*" >&2
}

toa_debug() {
  [ "$TOA_VERBOSE" = 1 ] && echo "toa: $*" >&2
  return 0
}

# Build dir for everything the harness produces inside the work tree.
toa_build_dir() {
  local d="${TOA_BUILD_DIR:-$TOA_REPO/build}"
  mkdir -p "$d"
  (cd "$d" && pwd)
}

toa_check_line() {
  local l
  for l in "${TOA_LINES[@]}"; do
    [ "$1" = "$l" ] && return 0
  done
  toa_die "unknown kernel line '$1' (known: ${TOA_LINES[*]})"
}

# Cache of one kernel line, outside the work tree.
toa_kernel_cache() {
  echo "${TOA_CACHE:-$HOME/.cache/toa}/kernels/$1"
}

# toa_kernel_field <line> <key>: a field of the ready kernel's kernel.env
# (release, root, image_pkg, image_version, ...). Fails clearly when not fetched.
toa_kernel_field() {
  local c env
  c="$(toa_kernel_cache "$1")"
  env="$c/kernel.env"
  [ -e "$c/ready" ] && [ -e "$env" ] ||
    toa_die "kernel $1 is not fetched (run: $TOA_KTEST_DIR/kernels.sh fetch $1)"
  local v
  v="$(sed -n "s/^$2=//p" "$env")"
  [ -n "$v" ] || toa_die "kernel $1: no '$2' in $env"
  echo "$v"
}

# How a line's kernel is made: "deb" (Debian's packages, unpacked) or "source" (Debian's
# linux-source package, configured and built in the cache).
toa_line_kind() {
  case "$1" in
    6.1-debug) echo source ;;
    *) echo deb ;;
  esac
}

# The line's architecture: x86_64 or arm64.
toa_line_arch() {
  case "$1" in
    6.1-arm64) echo arm64 ;;
    *) echo x86_64 ;;
  esac
}

# Default guest memory (MB) of a line: KASAN needs more (its shadow takes 1/8).
toa_line_mem() {
  case "$1" in
    6.1-debug) echo 1536 ;;
    6.1-arm64) echo 1024 ;;
    *) echo 512 ;;
  esac
}

# toa_kernel_path <line> <key> <default relative to the cache>: an absolute path of the
# ready kernel; kernel.env names it (key=...) for the lines that are not plain packages.
toa_kernel_path() {
  local c v
  c="$(toa_kernel_cache "$1")"
  toa_kernel_field "$1" release >/dev/null
  v="$(sed -n "s/^$2=//p" "$c/kernel.env")"
  if [ -n "$v" ]; then
    echo "$c/$v"
  else
    echo "$c/$3"
  fi
}

toa_kernel_kdir() {
  local rel
  rel="$(toa_kernel_field "$1" release)"
  toa_kernel_path "$1" kdir "$rel/usr/src/linux-headers-$rel"
}

toa_kernel_vmlinuz() {
  local rel
  rel="$(toa_kernel_field "$1" release)"
  toa_kernel_path "$1" vmlinuz "$rel/boot/vmlinuz-$rel"
}

toa_kernel_moddir() {
  local rel
  rel="$(toa_kernel_field "$1" release)"
  toa_kernel_path "$1" moddir "$rel/lib/modules/$rel"
}

# The unpacked arm64 userland of a foreign-architecture line (busybox, libc, libmnl...).
toa_kernel_sysroot() {
  [ "$(toa_line_arch "$1")" != x86_64 ] || toa_die "kernel $1: an x86_64 line has no sysroot (the machine is its own)"
  toa_kernel_path "$1" sysroot sysroot
}

# Make sure the kernel of a line is in the cache (instant when it is).
toa_kernel_ensure() {
  "$TOA_KTEST_DIR/kernels.sh" fetch "$1"
}

# The C compiler for modules of a line: gcc-12 builds for the three x86 lines (and is
# what 6.1-debug is built with); Debian's aarch64 cross gcc (12 too) for arm64.
toa_kernel_cc() {
  if [ -n "${TOA_KCC:-}" ]; then
    echo "$TOA_KCC"
  elif [ "$(toa_line_arch "${1:-}")" = arm64 ]; then
    echo aarch64-linux-gnu-gcc
  elif command -v gcc-12 >/dev/null; then
    echo gcc-12
  else
    echo gcc
  fi
}

# toa_need_cmd <command> <debian package>
toa_need_cmd() {
  command -v "$1" >/dev/null ||
    toa_die "'$1' not found (install the Debian package $2, or run scripts/deps.sh)"
}
