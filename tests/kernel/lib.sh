# SPDX-License-Identifier: MIT
# Shared functions of the booted-kernel harness (kernels.sh, build-kmod.sh, vm.sh,
# selftest.sh). Source it; it defines functions and a few variables, runs nothing.

TOA_KTEST_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
TOA_REPO="$(cd "$TOA_KTEST_DIR/../.." && pwd)"
TOA_LINES=(5.10 6.1 6.12)
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

toa_kernel_kdir() {
  local rel
  rel="$(toa_kernel_field "$1" release)"
  echo "$(toa_kernel_cache "$1")/$rel/usr/src/linux-headers-$rel"
}

toa_kernel_vmlinuz() {
  local rel
  rel="$(toa_kernel_field "$1" release)"
  echo "$(toa_kernel_cache "$1")/$rel/boot/vmlinuz-$rel"
}

toa_kernel_moddir() {
  local rel
  rel="$(toa_kernel_field "$1" release)"
  echo "$(toa_kernel_cache "$1")/$rel/lib/modules/$rel"
}

# Make sure the kernel of a line is in the cache (instant when it is).
toa_kernel_ensure() {
  "$TOA_KTEST_DIR/kernels.sh" fetch "$1"
}

# The C compiler for modules: gcc-12 builds for all three lines.
toa_kernel_cc() {
  if [ -n "${TOA_KCC:-}" ]; then
    echo "$TOA_KCC"
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
