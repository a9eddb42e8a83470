#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The proof of `make sign`: a kernel that enforces module signatures loads toa.ko signed
# with a key of its trusted keyring and refuses every other toa.ko.
#
#   run.sh <line> <toa-inspect>
#
# The line's kernel must be one built here (6.1-debug): CONFIG_MODULE_SIG=y, and the key
# the build generated (build/certs/signing_key.pem) in its builtin trusted keyring. The
# module is built for the line, then made into four: signed by `make sign` with that key,
# unsigned, signed with a fresh key the kernel does not know, and signed then altered
# (one byte of its description). One boot with module.sig_enforce=1 (guest.sh) must load
# the first and refuse the other three; clean console.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
ktest="$(cd "$here/.." && pwd)"
repo="$(cd "$ktest/../.." && pwd)"
. "$ktest/lib.sh"
[ $# -eq 2 ] || { sed -n '5p' "$0" >&2; exit 2; }
line="$1" inspect="$2"
toa_check_line "$line"
[ -x "$inspect" ] || toa_die "sign: no toa-inspect at $inspect"
toa_kernel_ensure "$line"
kdir="$(toa_kernel_kdir "$line")"
key="$kdir/certs/signing_key.pem" cert="$kdir/certs/signing_key.x509"
[ -r "$key" ] && [ -r "$cert" ] ||
  toa_die "sign: kernel $line has no build key at $key (only kernels built here with CONFIG_MODULE_SIG have one)"

build="$(toa_build_dir)"
out="$build/sign-$line"
rm -rf "$out/ko"
mkdir -p "$out/ko"
ko="$("$ktest/build-kmod.sh" "$line" --out "$out/kmod" | head -n1)"
cp "$ko" "$out/ko/unsigned.ko"
cp "$ko" "$out/ko/signed.ko"
make -s -C "$repo" sign KDIR="$kdir" KEY="$key" CERT="$cert" MODULE="$out/ko/signed.ko"
openssl req -new -x509 -nodes -days 1 -subj "/CN=toa-untrusted-test-key" -newkey rsa:2048 \
  -keyout "$out/foreign.key" -outform DER -out "$out/foreign.der" >/dev/null 2>&1 ||
  toa_die "sign: openssl could not make a key"
cp "$ko" "$out/ko/foreign.ko"
make -s -C "$repo" sign KDIR="$kdir" KEY="$out/foreign.key" CERT="$out/foreign.der" \
  MODULE="$out/ko/foreign.ko"
# Altered after signing: the first letter of the module's description (still a valid
# module, so only the signature can refuse it).
cp "$out/ko/signed.ko" "$out/ko/tampered.ko"
off="$(grep -boa 'description=' "$out/ko/tampered.ko" | head -n1 | cut -d: -f1)"
[ -n "$off" ] || toa_die "sign: no description= in $ko"
off=$((off + 12))
orig="$(dd if="$out/ko/tampered.ko" bs=1 skip="$off" count=1 2>/dev/null)"
new=X
[ "$orig" != X ] || new=Y
printf '%s' "$new" | dd of="$out/ko/tampered.ko" bs=1 seek="$off" conv=notrunc 2>/dev/null
cmp -s "$out/ko/signed.ko" "$out/ko/tampered.ko" && toa_die "sign: the altered copy is unchanged"

flock /tmp/toa-guest.lock "$ktest/vm.sh" --line "$line" --append "module.sig_enforce=1" \
  --file "$out/ko:/sign" --bin "$inspect" --script "$here/guest.sh" --no-leak-check \
  --timeout 400 --log "$build/vm-logs/$line-sign.log"
