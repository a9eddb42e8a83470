# SPDX-License-Identifier: MIT
# Shared functions of the booted-kernel harness (kernels.sh, build-kmod.sh, vm.sh,
# selftest.sh). Source it; it defines functions and a few variables, runs nothing.

TOA_KTEST_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
TOA_REPO="$(cd "$TOA_KTEST_DIR/../.." && pwd)"
# The kernel lines, one a row. Adding the next Debian kernel is one row.
#   line      the name used everywhere (kernels.sh fetch <line>, ctest kernel-*-<line>)
#   kind      deb: Debian's binary packages, unpacked; source: linux-source built here
#   arch      x86_64 or arm64 (the guest: qemu-system-x86_64 or qemu-system-aarch64)
#   suites    Debian suites the packages come from, comma-separated (*-security from the
#             security archive); the meta packages linux-image-<arch>/linux-headers-<arch>
#             of these suites name the kernel
#   cc        the compiler the module is built with: the one Debian's headers ask for
#             (their gcc-N-for-host dependency; the fetch fails when they ask for another),
#             or "auto": whatever they ask for. Cross compilers for arm64 lines.
#   root      "-": built on this machine (bookworm); else the Debian suite of a build root
#             made with mmdebstrap (buildroot.sh), in which the module is built as that
#             release's DKMS would build it: its own compiler, headers at /usr/src
#   userland  the guest's busybox and arm64 libraries: "host" (this machine's, x86_64),
#             "own" (the line fetches an arm64 sysroot), or the line whose sysroot it uses
#   mem       guest memory in MB
TOA_LINE_TABLE='
5.10         deb     x86_64  bullseye,bullseye-security  gcc-12                    -       host       512
6.1          deb     x86_64  bookworm,bookworm-security  gcc-12                    -       host       512
6.12         deb     x86_64  bookworm-backports          gcc-12                    -       host       512
6.1-debug    source  x86_64  bookworm,bookworm-security  gcc-12                    -       host       1536
6.1-arm64    deb     arm64   bookworm,bookworm-security  aarch64-linux-gnu-gcc     -       own        1024
6.12-trixie  deb     x86_64  trixie,trixie-security      gcc-14                    trixie  host       512
7.3          deb     x86_64  trixie-backports            gcc-14                    trixie  host       512
7.3-arm64    deb     arm64   trixie-backports            aarch64-linux-gnu-gcc-14  trixie  6.1-arm64  1024
sid          deb     x86_64  sid                         auto                      sid     host       512
'
mapfile -t TOA_LINES < <(awk 'NF { print $1 }' <<<"$TOA_LINE_TABLE")
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

# toa_line_field <line> <column>: one column of the line's row of TOA_LINE_TABLE.
toa_line_field() {
  local col
  case "$2" in
    kind) col=2 ;; arch) col=3 ;; suites) col=4 ;; cc) col=5 ;; root) col=6 ;;
    userland) col=7 ;; mem) col=8 ;;
    *) toa_die "toa_line_field: no column '$2'" ;;
  esac
  awk -v l="$1" -v c="$col" '$1 == l { print $c; found = 1 } END { exit !found }' <<<"$TOA_LINE_TABLE" ||
    toa_die "unknown kernel line '$1' (known: ${TOA_LINES[*]})"
}

# How a line's kernel is made: "deb" (Debian's packages, unpacked) or "source" (Debian's
# linux-source package, configured and built in the cache).
toa_line_kind() { toa_line_field "$1" kind; }

# The line's architecture: x86_64 or arm64.
toa_line_arch() { toa_line_field "$1" arch; }

# Default guest memory (MB) of a line: KASAN needs more (its shadow takes 1/8).
toa_line_mem() { toa_line_field "$1" mem; }

# The Debian suite of the line's build root, or nothing (built on this machine).
toa_line_root() {
  local r
  r="$(toa_line_field "$1" root)"
  [ "$r" = - ] || echo "$r"
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

# The unpacked arm64 userland of a foreign-architecture line (busybox, libc, libmnl...):
# its own, or that of the line its "userland" column names.
toa_kernel_sysroot() {
  local u
  [ "$(toa_line_arch "$1")" != x86_64 ] || toa_die "kernel $1: an x86_64 line has no sysroot (the machine is its own)"
  u="$(toa_line_field "$1" userland)"
  if [ "$u" = own ]; then
    toa_kernel_path "$1" sysroot sysroot
  else
    toa_kernel_sysroot "$u"
  fi
}

# The cache dir of the build root of a Debian suite (buildroot.sh).
toa_root_dir() {
  echo "${TOA_CACHE:-$HOME/.cache/toa}/roots/$1"
}

# The Debian package of a compiler named in the table: gcc-14 -> gcc-14,
# aarch64-linux-gnu-gcc-14 -> gcc-14-aarch64-linux-gnu.
toa_cc_package() {
  case "$1" in
    aarch64-linux-gnu-gcc-*) echo "gcc-${1#aarch64-linux-gnu-gcc-}-aarch64-linux-gnu" ;;
    aarch64-linux-gnu-gcc) echo gcc-aarch64-linux-gnu ;;
    *) echo "$1" ;;
  esac
}

# toa_root_binds <unpacked headers dir>: the buildroot.sh --bind arguments that put the
# headers' usr/src/* and usr/lib/* (linux-kbuild-<rel>) at their own paths in the root.
toa_root_binds() {
  local d
  for d in "$1"/usr/src/* "$1"/usr/lib/*; do
    [ -d "$d" ] || continue
    echo --bind
    echo "$d:${d#"$1"}"
  done
}

# Make sure the kernel of a line is in the cache (instant when it is).
toa_kernel_ensure() {
  "$TOA_KTEST_DIR/kernels.sh" fetch "$1"
}

# The C compiler for modules of a line: its "cc" column ("auto": the one the fetched
# headers ask for, recorded in kernel.env as cc=); TOA_KCC overrides. On bookworm lines
# gcc-12 builds for the three x86 lines (and is what 6.1-debug is built with).
toa_kernel_cc() {
  local cc
  if [ -n "${TOA_KCC:-}" ]; then
    echo "$TOA_KCC"
    return
  fi
  cc="$(toa_line_field "$1" cc)"
  [ "$cc" != auto ] || cc="$(toa_kernel_field "$1" cc)"
  if [ "$cc" = gcc-12 ] && [ -z "$(toa_line_root "$1")" ] && ! command -v gcc-12 >/dev/null; then
    cc=gcc
  fi
  echo "$cc"
}

# First URI of the machine's apt sources for a Debian archive ("debian" or
# "debian-security"), so the private configuration uses the same mirror.
debian_uri() {
  local kind="$1" override uri
  if [ "$kind" = debian ]; then override="${TOA_DEBIAN_MIRROR:-}"; else override="${TOA_DEBIAN_SECURITY_MIRROR:-}"; fi
  if [ -n "$override" ]; then
    echo "$override"
    return
  fi
  uri="$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list 2>/dev/null |
    grep -v '^[[:space:]]*#' | grep -oE "https?://[^][ ]+/$kind/?( |\$)" | head -n1 | tr -d ' ' || true)"
  echo "${uri:-http://deb.debian.org/$kind}"
}

# toa_need_cmd <command> <debian package>
toa_need_cmd() {
  command -v "$1" >/dev/null ||
    toa_die "'$1' not found (install the Debian package $2, or run scripts/deps.sh)"
}
