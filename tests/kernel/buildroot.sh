#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Build roots: a minimal Debian system of one suite (mmdebstrap), in which modules are
# built the way that release's DKMS would build them (its own compiler, headers at
# /usr/src), cached outside the work tree.
#
#   buildroot.sh ensure <root> [package]...    make sure the root exists and has the base
#                                              packages and these; prints its path
#   buildroot.sh path <root>                   the root of a ready build root
#   buildroot.sh run <root> [--bind HOST:GUEST]... [--cd DIR] [--overlay DIR] -- <command>...
#                                              runs a command chrooted in the root, in a
#                                              private mount namespace (/proc, /dev and the
#                                              --bind dirs mounted there, gone afterwards);
#                                              --overlay DIR: the root is the lower layer of
#                                              an overlayfs whose upper layer is DIR/upper,
#                                              so what the command writes (apt-get install)
#                                              stays in DIR and the cached root is unchanged
#
# <root> is a Debian suite (bookworm, trixie, sid), or <suite>-<flavour> (trixie-dkms): a
# root of that suite of its own, for one user (the package tests); such a root made again
# has just the packages asked for this time (no union: a kernel update drops the old
# headers). Stable suites get their -updates, -security and -backports archives too.
#
# The base packages: make libc6-dev bc bison flex libelf-dev kmod python3 dwarves. A root
# that lacks a package asked for is made again with the union (a new root, swapped in).
# `gcc` (and `aarch64-linux-gnu-gcc`) in the root point at the newest gcc-N installed.
# Needs root (chroot, mount) and mmdebstrap. Cache: ${TOA_CACHE:-$HOME/.cache/toa}/roots/
# <suite>/{root/,packages,ready,lock}; `run` holds the lock shared, a remake exclusive.
# TOA_REFRESH=1 makes the root again (newer packages of the suite).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

BASE_PKGS=(make libc6-dev bc bison flex libelf-dev kmod python3 dwarves)

usage() {
  sed -n '3,29s/^# \{0,1\}//p' "$0" >&2
  exit 2
}

need_root() {
  [ "$(id -u)" = 0 ] || toa_die "build root $1: needs root (mmdebstrap, chroot, mount); run as root"
}

ensure() {
  local suite="$1" dir want=() have=() missing=() p t0=$SECONDS
  shift
  need_root "$suite"
  dir="$(toa_root_dir "$suite")"
  local dist="${suite%%-*}"
  mkdir -p "$dir"
  exec 9>"$dir/lock"
  flock 9
  want=("${BASE_PKGS[@]}" "$@")
  if [ -e "$dir/ready" ] && [ "${TOA_REFRESH:-0}" != 1 ]; then
    read -r -a have <"$dir/packages"
    for p in "${want[@]}"; do
      [[ " ${have[*]} " == *" $p "* ]] || missing+=("$p")
    done
    if [ ${#missing[@]} -eq 0 ]; then
      echo "$dir/root"
      return 0
    fi
    toa_info "build root $suite: adding ${missing[*]} (making it again)"
    [ "$dist" != "$suite" ] || want+=("${have[@]}")
  fi
  toa_need_cmd mmdebstrap mmdebstrap
  local pkgs
  pkgs="$(printf '%s\n' "${want[@]}" | sort -u | xargs)"
  local mirror sources=()
  mirror="$(debian_uri debian)"
  sources=("deb $mirror $dist main")
  case "$dist" in
    sid|unstable|experimental) ;;
    *) sources+=("deb $mirror $dist-updates main" "deb $(debian_uri debian-security) $dist-security main"
                 "deb $mirror $dist-backports main") ;;
  esac
  toa_info "build root $suite: mmdebstrap --variant=minbase $dist ($pkgs) from $mirror"
  rm -rf "$dir/root.new" "$dir/ready"
  local log="$dir/mmdebstrap.log"
  # Signatures are checked; the Release file's Valid-Until is not: a mirror that lags
  # (sid's InRelease expires a week after it is signed) must not stop the build.
  if ! mmdebstrap --variant=minbase --include="${pkgs// /,}" \
      --keyring=/usr/share/keyrings/debian-archive-keyring.gpg \
      --aptopt='Acquire::Check-Valid-Until "false"' \
      "$dist" "$dir/root.new" "${sources[@]}" >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    rm -rf "$dir/root.new"
    toa_die "build root $suite: mmdebstrap failed (log: $log)"
  fi
  # The plain names the kernel's Makefiles fall back on, pointing at the newest gcc-N.
  local r="$dir/root.new" g
  g="$(cd "$r/usr/bin" && ls gcc-[0-9]* 2>/dev/null | grep -E '^gcc-[0-9]+$' | sort -V | tail -n1 || true)"
  [ -z "$g" ] || [ -e "$r/usr/bin/gcc" ] || ln -s "$g" "$r/usr/bin/gcc"
  g="$(cd "$r/usr/bin" && ls aarch64-linux-gnu-gcc-[0-9]* 2>/dev/null | grep -E -- '-gcc-[0-9]+$' | sort -V | tail -n1 || true)"
  [ -z "$g" ] || [ -e "$r/usr/bin/aarch64-linux-gnu-gcc" ] || ln -s "$g" "$r/usr/bin/aarch64-linux-gnu-gcc"
  mkdir -p "$r/build"
  # Not needed to build modules: apt's downloaded archives.
  rm -rf "$r/var/cache/apt/archives/"*.deb
  rm -rf "$dir/root"
  mv "$r" "$dir/root"
  echo "$pkgs" >"$dir/packages"
  date -u +%Y-%m-%dT%H:%M:%SZ >"$dir/created"
  touch "$dir/ready"
  toa_info "build root $suite: ready in $((SECONDS - t0)) s, $(du -sh "$dir/root" | cut -f1) ($dir/root)"
  echo "$dir/root"
}

path_of() {
  local dir
  dir="$(toa_root_dir "$1")"
  [ -e "$dir/ready" ] || toa_die "build root $1 is not made (run: $0 ensure $1)"
  echo "$dir/root"
}

run() {
  local suite="$1" dir root cd=/ binds=() b overlay=""
  shift
  need_root "$suite"
  while [ $# -gt 0 ]; do
    case "$1" in
      --bind) binds+=("${2:?--bind needs HOST:GUEST}"); shift 2 ;;
      --cd) cd="${2:?--cd needs a dir}"; shift 2 ;;
      --overlay) overlay="${2:?--overlay needs a dir}"; shift 2 ;;
      --) shift; break ;;
      *) usage ;;
    esac
  done
  [ $# -ge 1 ] || usage
  root="$(path_of "$suite")"
  dir="$(toa_root_dir "$suite")"
  toa_need_cmd unshare util-linux
  exec 9>"$dir/lock"
  flock -s 9
  local lower=""
  if [ -n "$overlay" ]; then
    mkdir -p "$overlay/upper" "$overlay/work" "$overlay/merged"
    overlay="$(cd "$overlay" && pwd)"
    lower="$root"
    root="$overlay/merged"
  fi
  # Mount points first (in the root itself: empty dirs, harmless to other users).
  local spec=()
  for b in "${binds[@]}"; do
    local host="${b%%:*}" guest="${b#*:}"
    [ "$host" != "$b" ] && [ "${guest:0:1}" = / ] || toa_die "--bind wants HOST:/GUEST, got '$b'"
    [ -d "$host" ] || toa_die "build root $suite: no dir $host to bind"
    if [ -n "$lower" ]; then mkdir -p "$overlay/upper$guest"; else mkdir -p "$root$guest"; fi
    spec+=("$host" "$root$guest")
  done
  # In a mount namespace of its own: the mounts end with the command.
  unshare --mount --propagation private -- /bin/bash -c '
    set -e
    root="$1" cd="$2" lower="$3" n="$4"
    shift 4
    [ -z "$lower" ] || mount -t overlay overlay \
      -o "lowerdir=$lower,upperdir=${root%/merged}/upper,workdir=${root%/merged}/work" "$root"
    mount -t proc proc "$root/proc"
    mount --rbind /dev "$root/dev"
    while [ "$n" -gt 0 ]; do
      mount --bind "$1" "$2"
      shift 2
      n=$((n - 1))
    done
    cd /
    exec chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
      /bin/sh -c "cd \"\$0\" && exec \"\$@\"" "$cd" "$@"
  ' bash "$root" "$cd" "$lower" "$((${#spec[@]} / 2))" "${spec[@]}" "$@"
}

[ $# -ge 2 ] || usage
cmd="$1"
shift
case "$cmd" in
  ensure) ensure "$@" ;;
  path) [ $# -eq 1 ] || usage; path_of "$1" ;;
  run) run "$@" ;;
  *) usage ;;
esac
