#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# dkms.sh --line LINE --debs DIR --e2e TOA-E2E [--no-boot]
# The Debian packages for real, in a Debian build root of the line's release (Debian 12
# for 6.1 and 6.12, 13 for 6.12-trixie and 7.3) made with mmdebstrap by
# tests/kernel/buildroot.sh (root <release>-dkms<line>: dkms and that line's
# linux-headers-<release> at the booted kernel's exact version, from Debian's archive):
#   1. `apt-get install ./*.deb` of DIR (make deb): DKMS itself builds and installs toa.ko
#      for the line's kernel (AUTOINSTALL) at the package's version, signed with the key
#      that /etc/dkms/framework.conf.d names (DKMS's signing hook); toa-inspect and its
#      man page, /etc/modprobe.d/toa.conf, a C program built against libtoa-dev (-ltoa),
#      pkg-config and find_package(toa) files;
#   2. an upgrade to a higher version built from the same tree (deb.sh --version V.1):
#      DKMS rebuilds the module, the old version is gone from dkms status and /usr/src;
#   3. the DKMS-built (upgraded) module is booted in the line's kernel (tests/kernel/vm.sh,
#      one guest at a time under flock /tmp/toa-guest.lock): it reports the upgraded
#      version, then passes the module suite (tests/guest/module.sh); clean console;
#   4. `apt-get remove toa-dkms` removes the module, `purge` the modprobe.d file.
# The cached root is never changed: everything apt does goes to an overlay upper layer in
# <build>/deb/dkms-<line>/ (buildroot.sh run --overlay), made anew each run. Needs root.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
ktest="$repo/tests/kernel"
. "$ktest/lib.sh"
line="" debs="" e2e="" boot=1
while [ $# -gt 0 ]; do
  case "$1" in
    --line) line="$2"; shift 2 ;;
    --debs) debs="$2"; shift 2 ;;
    --e2e) e2e="$2"; shift 2 ;;
    --no-boot) boot=0; shift ;;
    *) sed -n '3p' "$0" >&2; exit 2 ;;
  esac
done
[ -n "$line" ] && [ -d "$debs" ] && [ -x "$e2e" ] || { sed -n '3p' "$0" >&2; exit 2; }
[ "$(id -u)" = 0 ] || toa_die "dkms.sh needs root (chroot, mounts)"
toa_check_line "$line"
[ "$(toa_line_kind "$line")" = deb ] && [ "$(toa_line_arch "$line")" = x86_64 ] ||
  toa_die "dkms.sh: line $line is not one of Debian's x86_64 kernels"
build="$(toa_build_dir)"
debs="$(cd "$debs" && pwd)"
failed=0
pass() { echo "RESULT $1 PASS${2:+ $2}"; }
check() { if eval "$2"; then pass "$1" "${3:-}"; else fail "$1" "${3:-}"; fi; }
fail() { echo "RESULT $1 FAIL${2:+ $2}"; failed=$((failed + 1)); }
t0=$SECONDS
step() { echo "toa: [$((SECONDS - t0)) s] $*" >&2; }

toa_kernel_ensure "$line"
rel="$(toa_kernel_field "$line" release)"
hdr="$(toa_kernel_field "$line" packages | tr ' ' '\n' | grep -m1 "^linux-headers-$rel=")"
suite="$(toa_line_field "$line" suites)"
suite="${suite%%,*}"
suite="${suite%%-*}"
root_name="$suite-dkms$line"
step "build root $root_name ($hdr)"
"$ktest/buildroot.sh" ensure "$root_name" dkms "$hdr" gcc pkg-config xz-utils zstd libmnl0 >/dev/null

out="$build/deb/dkms-$line"
rm -rf "$out"
mkdir -p "$out/debs/v0" "$out/debs/v1" "$out/ko"
for f in "$debs"/*.deb; do case "$f" in *-dbgsym_*) ;; *) cp "$f" "$out/debs/v0/" ;; esac; done
v0="$(dpkg-deb -f "$(ls "$out"/debs/v0/toa-dkms_*_all.deb | head -n1)" Version)"
v1="$v0.1"
step "packages $v0; building $v1 (toa-dkms) for the upgrade"
d1="$("$repo/scripts/deb.sh" --build "$out/upgrade-build" --version "$v1" --indep --no-lintian | tail -n1)"
cp "$d1"/toa-dkms_"$v1"_all.deb "$out/debs/v1/"
cp "$repo/examples/client_addr.c" "$out/debs/v0/"
# DKMS's signing hook: a key pair made here, named in framework.conf.d as the README says,
# must sign every module DKMS builds (the signer's name is read back with modinfo).
openssl req -new -x509 -nodes -days 1 -subj "/CN=toa-dkms-test" -newkey rsa:2048 \
  -keyout "$out/debs/mok.key" -outform DER -out "$out/debs/mok.der" >/dev/null 2>&1 ||
  toa_die "dkms.sh: openssl could not make a signing key"

# A command in the root, with the package dirs at /debs (the overlay keeps what it writes).
inroot() {
  "$ktest/buildroot.sh" run "$root_name" --overlay "$out/overlay" --bind "$out/debs:/debs" -- \
    /usr/bin/env DEBIAN_FRONTEND=noninteractive "$@"
}
apt_in() { inroot apt-get -y -q -o Dpkg::Use-Pty=0 "$@"; }
dkms_status() { inroot dkms status 2>&1 || true; }
ko_path() { inroot sh -c "ls /lib/modules/$rel/updates/dkms/toa.ko* 2>/dev/null | head -n1"; }
# ko_field <field>: modinfo of the module DKMS installed.
ko_field() { inroot sh -c "modinfo -F $1 \$(ls /lib/modules/$rel/updates/dkms/toa.ko* | head -n1)" 2>/dev/null | cut -d' ' -f1; }

# 1. install
inroot sh -c 'mkdir -p /etc/dkms/framework.conf.d &&
  printf "mok_signing_key=/debs/mok.key\nmok_certificate=/debs/mok.der\n" >/etc/dkms/framework.conf.d/toa-sign.conf'
step "apt-get install $(cd "$out/debs/v0" && echo *.deb)"
s=$SECONDS
if apt_in install $(cd "$out/debs/v0" && ls *.deb | sed 's|^|/debs/v0/|') >"$out/apt-install.log" 2>&1; then
  pass deb_install "$((SECONDS - s)) s"
else
  tail -n 30 "$out/apt-install.log"
  fail deb_install "log: $out/apt-install.log"
fi
status="$(dkms_status)"
echo "$status" | sed 's/^/  dkms status: /' >&2
check "dkms_built_$rel" 'grep -q "^toa/$v0, $rel, x86_64: installed" <<<"$status" && [ -n "$(ko_path)" ]' \
  "$(ko_path)"
check dkms_module_version '[ "$(ko_field version)" = "$v0" ] && [ "$(ko_field vermagic)" = "$rel" ]' \
  "version=$(ko_field version) vermagic=$(ko_field vermagic)"
sig_hash="$(inroot sh -c "sed -n 's/^CONFIG_MODULE_SIG_HASH=\"\\(.*\\)\"\$/\\1/p' /lib/modules/$rel/build/.config")"
check dkms_signs_module '[ "$(ko_field signer)" = toa-dkms-test ] && [ "$(ko_field sig_hashalgo)" = "$sig_hash" ]' \
  "signer=$(ko_field signer) sig_hashalgo=$(ko_field sig_hashalgo) (kernel: ${sig_hash:-none})"
check modprobe_conf 'inroot grep -q "^#options toa " /etc/modprobe.d/toa.conf'
check toa_inspect_runs 'inroot toa-inspect --help >/dev/null 2>&1'
check toa_inspect_man 'inroot test -f /usr/share/man/man8/toa-inspect.8.gz'
links="$(inroot sh -c "gcc -Wall -o /debs/client_addr /debs/v0/client_addr.c \$(pkg-config --cflags --libs toa) && ldd /debs/client_addr" 2>&1 || true)"
check libtoa_dev_links 'grep -q "libtoa.so.0 => /lib/x86_64-linux-gnu/libtoa.so.0\|libtoa.so.0 => /usr/lib/x86_64-linux-gnu/libtoa.so.0" <<<"$links"' \
  "$(grep -m1 "libtoa\|error" <<<"$links")"
check libtoa_dev_cmake 'inroot test -f /usr/lib/x86_64-linux-gnu/cmake/toa/toaConfig.cmake'

# 2. upgrade
step "upgrade to $v1"
s=$SECONDS
if apt_in install /debs/v1/toa-dkms_"$v1"_all.deb >"$out/apt-upgrade.log" 2>&1; then
  pass deb_upgrade "$((SECONDS - s)) s"
else
  tail -n 30 "$out/apt-upgrade.log"
  fail deb_upgrade "log: $out/apt-upgrade.log"
fi
status="$(dkms_status)"
echo "$status" | sed 's/^/  dkms status: /' >&2
check dkms_old_version_gone '! grep -q "^toa/$v0," <<<"$status" && ! inroot test -d /usr/src/toa-$v0'
check "dkms_rebuilt_$rel" 'grep -q "^toa/$v1, $rel, x86_64: installed" <<<"$status" && [ "$(ko_field version)" = "$v1" ]' \
  "version=$(ko_field version)"
check dkms_signs_rebuilt '[ "$(ko_field signer)" = toa-dkms-test ]' "signer=$(ko_field signer)"
ko="$out/ko/toa.ko"
case "$(ko_path)" in
  *.xz) inroot sh -c "xz -dc /lib/modules/$rel/updates/dkms/toa.ko.xz" >"$ko" ;;
  *.zst) inroot sh -c "zstd -qdc /lib/modules/$rel/updates/dkms/toa.ko.zst" >"$ko" ;;
  *.ko) inroot cat "/lib/modules/$rel/updates/dkms/toa.ko" >"$ko" ;;
  *) rm -f "$ko" ;;
esac

# 3. boot the DKMS-built (upgraded) module with the module suite
if [ "$boot" = 1 ]; then
  if [ ! -s "$ko" ]; then
    fail "boot_dkms_module_$line" "no DKMS-built module for $rel"
  else
    echo "$v1" >"$out/version"
    step "booting $line ($rel) with the DKMS-built module: the module suite"
    s=$SECONDS
    if flock /tmp/toa-guest.lock "$ktest/vm.sh" --line "$line" --module "$ko" --bin "$e2e" \
        --file "$out/version:/etc/toa-deb-version" --file "$repo/tests/guest/module.sh:/module.sh" \
        --script "$here/guest-dkms.sh" --timeout 1000 --log "$build/guest-deb-dkms-$line.log"; then
      pass "boot_dkms_module_$line" "$((SECONDS - s)) s"
    else
      fail "boot_dkms_module_$line" "console: $build/guest-deb-dkms-$line.log"
    fi
  fi
fi

# 4. remove, purge
step "remove, purge"
apt_in remove toa-dkms >"$out/apt-remove.log" 2>&1 || fail deb_remove "log: $out/apt-remove.log"
status="$(dkms_status)"
check remove_removes_module '[ -z "$(ko_path)" ] && ! grep -q "^toa/" <<<"$status" && ! inroot test -e /var/lib/dkms/toa && ! inroot test -d /usr/src/toa-$v1' \
  "left: $(ko_path)"
check remove_keeps_conffile 'inroot test -f /etc/modprobe.d/toa.conf'
apt_in purge toa-dkms >>"$out/apt-remove.log" 2>&1 || fail deb_purge "log: $out/apt-remove.log"
check purge_removes_conffile '! inroot test -e /etc/modprobe.d/toa.conf'

step "done: $failed failed"
[ "$failed" = 0 ]
