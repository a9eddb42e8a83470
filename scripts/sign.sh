#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Signs toa.ko for a kernel that checks module signatures (Secure Boot nodes, or
# module.sig_enforce=1), with the kernel's own scripts/sign-file. `make sign` runs it.
#
#   sign.sh --key KEY --cert CERT [--kdir KDIR] [--hash ALGO] [--sign-file PROG] MODULE...
#
#   --key KEY        the private key (PEM), or a "pkcs11:..." URI that sign-file accepts
#   --cert CERT      its X.509 certificate (PEM or DER): the one enrolled with mokutil, or
#                    built into the kernel's trusted keyring
#   --kdir KDIR      the kernel build dir the module was built against
#                    (default /lib/modules/$(uname -r)/build)
#   --hash ALGO      the digest (default: the kernel's CONFIG_MODULE_SIG_HASH)
#   --sign-file PROG (default: KDIR/scripts/sign-file, as Debian's linux-kbuild ships it)
#
# Each MODULE (an uncompressed .ko) is signed in place; one already signed is refused
# (rebuild it: make clean kmod), as is a kernel that checks no signatures. Exit 0 only
# when every module now carries a signature.
set -euo pipefail

die() { echo "toa-sign: $*" >&2; exit 1; }
usage() { sed -n '5,6s/^# \{0,1\}//p' "$0" >&2; exit 2; }

key="" cert="" kdir="/lib/modules/$(uname -r)/build" hash="" sign_file="" mods=()
while [ $# -gt 0 ]; do
  case "$1" in
    --key) key="${2:?}"; shift 2 ;;
    --cert) cert="${2:?}"; shift 2 ;;
    --kdir) kdir="${2:?}"; shift 2 ;;
    --hash) hash="${2:?}"; shift 2 ;;
    --sign-file) sign_file="${2:?}"; shift 2 ;;
    -h|--help) usage ;;
    -*) echo "toa-sign: unknown option $1" >&2; usage ;;
    *) mods+=("$1"); shift ;;
  esac
done
[ -n "$key" ] && [ -n "$cert" ] && [ ${#mods[@]} -gt 0 ] || usage

case "$key" in
  pkcs11:*) ;;
  *) [ -r "$key" ] || die "cannot read the key $key" ;;
esac
[ -r "$cert" ] || die "cannot read the certificate $cert"
[ -d "$kdir" ] || die "no kernel build dir at $kdir (install linux-headers-<release> or give --kdir)"

if [ -z "$hash" ]; then
  config="$kdir/.config"
  [ -r "$config" ] || config="$kdir/include/config/auto.conf"
  [ -r "$config" ] || die "no .config in $kdir: give --hash"
  grep -q '^CONFIG_MODULE_SIG=y' "$config" ||
    die "the kernel of $kdir does not check module signatures (CONFIG_MODULE_SIG is not set): nothing to sign for"
  hash="$(sed -n 's/^CONFIG_MODULE_SIG_HASH="\(.*\)"$/\1/p' "$config")"
  [ -n "$hash" ] || die "$config has no CONFIG_MODULE_SIG_HASH: give --hash"
fi
[ -n "$sign_file" ] || sign_file="$kdir/scripts/sign-file"
[ -x "$sign_file" ] || die "no sign-file at $sign_file (Debian: linux-kbuild-<version>; or give --sign-file)"

magic='~Module signature appended~'
signed() { [ "$(tail -c 28 "$1" | head -c 27 | tr -d '\000')" = "$magic" ]; }

for m in "${mods[@]}"; do
  [ -f "$m" ] || die "no module at $m (build it first: make kmod)"
  case "$m" in
    *.ko) ;;
    *) die "$m: not an uncompressed .ko (sign before compressing)" ;;
  esac
  signed "$m" && die "$m is already signed (rebuild it unsigned: make clean kmod)"
  "$sign_file" "$hash" "$key" "$cert" "$m" || die "$sign_file failed for $m"
  signed "$m" || die "$m: sign-file left no signature"
  echo "toa-sign: signed $m ($hash, $(basename "$cert"))"
done
