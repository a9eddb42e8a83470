#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Debian distribution kernels for the booted tests, cached outside the work tree.
#
#   kernels.sh [-v] fetch <line>...   download + unpack (instant and silent when cached)
#   kernels.sh kdir <line>            headers build dir (for make -C)
#   kernels.sh vmlinuz <line>         kernel image to boot
#   kernels.sh release <line>         uname -r of that kernel
#   kernels.sh moddir <line>          its unpacked /lib/modules/<release>
#   kernels.sh lines                  the known lines
#
# Lines: 5.10 (bullseye + bullseye-security), 6.1 (bookworm + bookworm-security),
# 6.12 (bookworm-backports). The version is resolved through the suites' meta packages
# linux-image-amd64 / linux-headers-amd64 with a private apt configuration (own sources
# list, lists and cache dirs): the machine's apt state is never touched.
# Cache: ${TOA_CACHE:-$HOME/.cache/toa}/kernels/<line>/. TOA_REFRESH=1 re-resolves the
# versions and downloads only when they moved.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg

usage() {
  sed -n '3,10s/^# \{0,1\}//p' "$0" >&2
  exit 2
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

# Suites of a line: "<archive> <suite>" pairs.
line_suites() {
  case "$1" in
    5.10) echo "debian bullseye" ; echo "debian-security bullseye-security" ;;
    6.1) echo "debian bookworm" ; echo "debian-security bookworm-security" ;;
    6.12) echo "debian bookworm-backports" ;;
  esac
}

# apt with the line's private configuration; APT_DIR must be set.
papt() {
  local tool="$1"
  shift
  "$tool" -q \
    -o Dir::Etc::SourceList="$APT_DIR/sources.list" \
    -o Dir::Etc::SourceParts=/dev/null \
    -o Dir::Etc::Preferences=/dev/null \
    -o Dir::Etc::PreferencesParts=/dev/null \
    -o Dir::State::Lists="$APT_DIR/lists" \
    -o Dir::State::Status="$APT_DIR/status" \
    -o Dir::Cache="$APT_DIR/cache" \
    -o APT::Architecture=amd64 -o APT::Architectures=amd64 \
    -o Acquire::Languages=none \
    -o APT::Sandbox::User=root \
    "$@"
}

# Field of a package's candidate version.
pkg_field() {
  papt apt-cache show --no-all-versions "$1" 2>/dev/null | sed -n "s/^$2: //p" | head -n1
}

# Package names in a package's Depends that match an extended regex.
pkg_deps_matching() {
  pkg_field "$1" Depends | tr ',|' '\n\n' | sed 's/^ *//; s/ .*//' | grep -E "$2" || true
}

# Runs a command quietly; on failure prints its output and a one-line reason.
quiet_or_die() {
  local what="$1" out
  shift
  if ! out="$("$@" 2>&1)"; then
    echo "$out" >&2
    toa_die "$what"
  fi
}

fetch_line() {
  local line="$1" cache
  toa_check_line "$line"
  toa_need_cmd apt-get apt
  toa_need_cmd dpkg dpkg
  toa_need_cmd flock util-linux
  toa_need_cmd depmod kmod
  cache="$(toa_kernel_cache "$line")"
  mkdir -p "$cache"

  exec 9>"$cache/lock"
  if ! flock -n 9; then
    toa_info "kernel $line: waiting for another fetch"
    flock 9
  fi
  if [ -e "$cache/ready" ] && [ "${TOA_REFRESH:-0}" != 1 ]; then
    toa_debug "kernel $line: cached, $(sed -n 's/^release=//p' "$cache/kernel.env") in $cache"
    return 0
  fi

  local t0=$SECONDS
  APT_DIR="$cache/apt"
  mkdir -p "$APT_DIR/lists/partial" "$APT_DIR/cache/archives/partial" "$APT_DIR/debs"
  : >"$APT_DIR/status"
  local archive suite
  line_suites "$line" | while read -r archive suite; do
    echo "deb [signed-by=$KEYRING] $(debian_uri "$archive") $suite main"
  done >"$APT_DIR/sources.list"

  toa_info "kernel $line: reading the package lists ($(awk '{print $4}' "$APT_DIR/sources.list" | xargs))"
  local out err
  out="$(papt apt-get update 2>&1)" || true
  err="$(grep -E -A1 '^(Err:|E:|W: Failed to fetch)' <<<"$out" | head -n2 | sed 's/^ *//' | tr '\n' ' ' || true)"
  [ -z "$err" ] || toa_die "kernel $line: cannot fetch: apt-get update failed: $err"

  # Resolve through the meta packages.
  local img_meta hdr_meta rel image hdr common kbuild
  img_meta="$(pkg_deps_matching linux-image-amd64 '^linux-image-')"
  hdr_meta="$(pkg_deps_matching linux-headers-amd64 '^linux-headers-')"
  [ -n "$img_meta" ] && [ -n "$hdr_meta" ] ||
    toa_die "kernel $line: cannot fetch: no linux-image-amd64/linux-headers-amd64 in $(awk '{print $4}' "$APT_DIR/sources.list" | xargs)"
  rel="${img_meta#linux-image-}"
  rel="${rel%-unsigned}"
  [ "$hdr_meta" = "linux-headers-$rel" ] ||
    toa_die "kernel $line: cannot fetch: image $img_meta and headers $hdr_meta disagree"
  # The unsigned image when the archive has it (same kernel, no Secure Boot signature).
  image="linux-image-$rel-unsigned"
  [ -n "$(pkg_field "$image" Version)" ] || image="$img_meta"
  hdr="$hdr_meta"
  common="$(pkg_deps_matching "$hdr" '^linux-headers-.*-common(-rt)?$')"
  kbuild="$(pkg_deps_matching "$hdr" '^linux-kbuild-')"
  [ -n "$common" ] && [ -n "$kbuild" ] ||
    toa_die "kernel $line: cannot fetch: $hdr names no -common headers or linux-kbuild"

  local pkgs=("$image" "$hdr" "$common" "$kbuild") p versions=()
  for p in "${pkgs[@]}"; do
    versions+=("$p=$(pkg_field "$p" Version)")
  done
  if [ -e "$cache/ready" ] && [ "$(sed -n 's/^packages=//p' "$cache/kernel.env")" = "${versions[*]}" ]; then
    toa_info "kernel $line: $rel is current"
    return 0
  fi

  toa_info "kernel $line: downloading ${versions[*]}"
  rm -f "$APT_DIR/debs/"*.deb
  quiet_or_die "kernel $line: cannot fetch: apt-get download of ${versions[*]} failed" \
    download_debs "${versions[@]}"

  toa_info "kernel $line: unpacking"
  local root="$cache/$rel" deb
  rm -rf "$root" "$cache/ready"
  mkdir -p "$root"
  for deb in "$APT_DIR/debs/"*.deb; do
    dpkg -x "$deb" "$root"
  done
  # Trees that moved to /usr/lib/modules: keep /lib/modules working for depmod and us.
  if [ ! -d "$root/lib/modules/$rel" ] && [ -d "$root/usr/lib/modules/$rel" ]; then
    mkdir -p "$root/lib"
    ln -sfn ../usr/lib/modules "$root/lib/modules"
  fi
  [ -f "$root/boot/vmlinuz-$rel" ] || toa_die "kernel $line: $image has no boot/vmlinuz-$rel"
  local kdir="$root/usr/src/linux-headers-$rel"
  [ -f "$kdir/Makefile" ] || toa_die "kernel $line: $hdr has no usr/src/linux-headers-$rel/Makefile"
  # The headers' Makefile includes the -common tree by an absolute /usr/src path.
  sed -i "s|^include /usr/src/|include $root/usr/src/|" "$kdir/Makefile"
  grep -q "^include $root/usr/src/" "$kdir/Makefile" ||
    toa_die "kernel $line: no absolute include of the -common headers in $kdir/Makefile to rewrite"
  # The image package ships no modules.dep (its postinst runs depmod).
  quiet_or_die "kernel $line: depmod failed" depmod -b "$root" "$rel"

  {
    echo "line=$line"
    echo "release=$rel"
    echo "image_pkg=$image"
    echo "packages=${versions[*]}"
    echo "fetched=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  } >"$cache/kernel.env.new"
  mv "$cache/kernel.env.new" "$cache/kernel.env"
  touch "$cache/ready"
  # Older releases of this line and the downloaded archives are no longer needed.
  local d
  for d in "$cache"/*/; do
    d="${d%/}"
    case "${d##*/}" in apt | "$rel") ;; *) rm -rf "$d" ;; esac
  done
  rm -f "$APT_DIR/debs/"*.deb
  toa_info "kernel $line: $rel ready in $((SECONDS - t0)) s ($cache)"
}

# Runs in quiet_or_die's subshell: the cd does not leak.
download_debs() {
  cd "$APT_DIR/debs" && papt apt-get download "$@"
}

[ $# -ge 1 ] || usage
if [ "$1" = -v ]; then
  TOA_VERBOSE=1
  shift
fi
[ $# -ge 1 ] || usage
cmd="$1"
shift
case "$cmd" in
  lines)
    echo "${TOA_LINES[*]}"
    ;;
  fetch)
    [ $# -ge 1 ] || usage
    for l in "$@"; do
      # A subshell each, so each line's lock is released when it is done.
      (fetch_line "$l")
    done
    ;;
  kdir | vmlinuz | release | moddir)
    [ $# -eq 1 ] || usage
    toa_check_line "$1"
    case "$cmd" in
      kdir) toa_kernel_kdir "$1" ;;
      vmlinuz) toa_kernel_vmlinuz "$1" ;;
      release) toa_kernel_field "$1" release ;;
      moddir) toa_kernel_moddir "$1" ;;
    esac
    ;;
  *) usage ;;
esac
