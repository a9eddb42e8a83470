#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Boots one Debian kernel in QEMU (TCG) with a busybox initramfs and runs one guest script.
#
#   vm.sh --line <line> --script <guest sh script>
#         [--module <.ko>]...        copied to /modules/ in the guest ($TOA_MODULES)
#         [--bin <host file>]...     copied to /bin/ (dynamic ones with their libraries)
#         [--file <host>:<guest>]... copied to that guest path (file or dir)
#         [--kmod-from-image <name>]... more modules of the kernel image, loaded at boot
#         [--timeout SEC] (300)  [--log FILE]  [--smp N] (2)  [--mem MB] (512)
#         [--icount]  (-icount shift=0, forces --smp 1: deterministic guest clock)
#         [--append "extra kernel args"]  [-v|--verbose] (print the qemu command line)
#
# The guest's /init mounts proc, sysfs, devtmpfs, tmpfs, brings lo up, insmods tun (and
# veth, and --kmod-from-image modules, with their dependencies), then runs
# `sh /script` with TOA_LINE, TOA_RELEASE and TOA_MODULES=/modules, and prints
# `TOA-GUEST-EXIT <rc>`. The script prints `RESULT <name> PASS`, `RESULT <name> FAIL <detail>`
# or `RESULT <name> SKIP <why>`.
# Exit 0 only when: at least one RESULT, none FAIL, TOA-GUEST-EXIT 0, and the console shows
# no kernel BUG/WARNING/Oops/... (see BAD_CONSOLE). Otherwise exit 1 (2: bad usage).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

BAD_CONSOLE='BUG:|WARNING:|Oops|Call Trace|general protection|Kernel panic|KASAN|UBSAN|kmemleak|possible circular locking|sleeping function called from invalid context|INFO: task .* blocked'

usage() {
  sed -n '3,20s/^# \{0,1\}//p' "$0" >&2
  exit 2
}

line="" script="" timeout_s=300 log="" smp=2 mem=512 icount=0 append=""
modules=() bins=() files=() image_mods=(tun 'veth?')
while [ $# -gt 0 ]; do
  case "$1" in
    --line) line="${2:?}"; shift 2 ;;
    --module) modules+=("${2:?}"); shift 2 ;;
    --bin) bins+=("${2:?}"); shift 2 ;;
    --file) files+=("${2:?}"); shift 2 ;;
    --kmod-from-image) image_mods+=("${2:?}"); shift 2 ;;
    --script) script="${2:?}"; shift 2 ;;
    --timeout) timeout_s="${2:?}"; shift 2 ;;
    --log) log="${2:?}"; shift 2 ;;
    --smp) smp="${2:?}"; shift 2 ;;
    --mem) mem="${2:?}"; shift 2 ;;
    --icount) icount=1; shift ;;
    --append) append="${2?}"; shift 2 ;;
    -v|--verbose) TOA_VERBOSE=1; shift ;;
    -h|--help) usage ;;
    *) echo "vm.sh: unknown argument '$1'" >&2; usage ;;
  esac
done
[ -n "$line" ] && [ -n "$script" ] || usage
toa_check_line "$line"
[ -f "$script" ] || toa_die "no guest script $script"
[ "$icount" = 1 ] && smp=1

toa_need_cmd qemu-system-x86_64 qemu-system-x86
toa_need_cmd busybox busybox-static
toa_need_cmd cpio cpio
toa_need_cmd timeout coreutils
BUSYBOX="$(command -v busybox)"
if ldd "$BUSYBOX" >/dev/null 2>&1; then
  toa_die "$BUSYBOX is dynamically linked: install busybox-static"
fi

toa_kernel_ensure "$line"
release="$(toa_kernel_field "$line" release)"
vmlinuz="$(toa_kernel_vmlinuz "$line")"
moddir="$(toa_kernel_moddir "$line")"

build="$(toa_build_dir)"
if [ -z "$log" ]; then
  mkdir -p "$build/vm-logs"
  log="$build/vm-logs/$line-$(basename "${script%.sh}").log"
fi
mkdir -p "$(dirname "$log")"
work="$(mktemp -d "$build/vm-tmp.XXXXXX")"
trap 'rm -rf "$work"' EXIT
root="$work/root"

# --- initramfs -----------------------------------------------------------------------

mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,tmp,run,root,modules,kmods}
cp "$BUSYBOX" "$root/bin/busybox"
ln -s busybox "$root/bin/sh"  # the other applet links: busybox --install in /init
echo 'root:x:0:0:root:/root:/bin/sh' >"$root/etc/passwd"
echo 'root:x:0:' >"$root/etc/group"
mknod -m 600 "$root/dev/console" c 5 1 2>/dev/null || true

# copy_with_libs <host file> <guest path>: a program and, when dynamic, every library
# ldd names (at the same paths) and the loader.
copy_with_libs() {
  local src="$1" dst="$2" deps lib
  mkdir -p "$root$(dirname "$dst")"
  rm -f "$root$dst"
  cp -L "$src" "$root$dst"
  deps="$(ldd "$src" 2>/dev/null)" || return 0  # static (or not an ELF program)
  if grep -q 'not found' <<<"$deps"; then
    toa_die "$src: missing libraries: $(grep 'not found' <<<"$deps" | xargs)"
  fi
  for lib in $(awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' <<<"$deps"); do
    [ -e "$root$lib" ] && continue
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
  done
}

for b in "${bins[@]}"; do
  [ -f "$b" ] || toa_die "no --bin file $b"
  copy_with_libs "$b" "/bin/$(basename "$b")"
  chmod +x "$root/bin/$(basename "$b")"
done
for m in "${modules[@]}"; do
  [ -f "$m" ] || toa_die "no --module file $m"
  cp "$m" "$root/modules/"
done
for f in "${files[@]}"; do
  host="${f%%:*}" guest="${f#*:}"
  [ "$host" != "$f" ] && [ "${guest:0:1}" = / ] || toa_die "--file wants <host>:<absolute guest path>, got '$f'"
  [ -e "$host" ] || toa_die "no --file source $host"
  mkdir -p "$root$(dirname "$guest")"
  cp -aL "$host" "$root$guest"
done
cp "$script" "$root/script"

# Image modules in load order: soft (pre:) and hard dependencies first. A name ending
# in '?' is optional: skipped when the kernel has no such module. Built-in ones need
# nothing. A name that is no module file is looked up as an alias (a *_generic
# implementation preferred, e.g. crc32c -> crc32c_generic).
declare -A kmod_seen=()
kmod_order=()
kmod_add_path() {  # <path relative to moddir, as in modules.dep>
  local rel="$1" mod deps d
  [ -n "${kmod_seen[$rel]:-}" ] && return 0
  kmod_seen[$rel]=1
  mod="$(basename "${rel%%.ko*}")"
  mod="${mod//-/_}"
  for d in $(awk -v m="$mod" '$1 == "softdep" && $2 == m {
      for (i = 3; i <= NF && $i != "post:"; i++) if ($i != "pre:") print $i }' \
      "$moddir/modules.softdep" 2>/dev/null); do
    kmod_add_name "$d?"
  done
  deps="$(grep -m1 "^$rel:" "$moddir/modules.dep" | cut -d: -f2)"
  for d in $deps; do kmod_add_path "$d"; done
  kmod_order+=("$rel")
}
kmod_path_of() {  # <module name>: its path in modules.dep, or nothing
  local re="${1//[-_]/[-_]}"
  grep -m1 -oE "^([^:]*/)?$re\.ko(\.(xz|zst|gz))?:" "$moddir/modules.dep" | tr -d : || true
}
kmod_add_name() {
  local name="${1%\?}" path alias
  path="$(kmod_path_of "$name")"
  if [ -z "$path" ]; then
    alias="$(awk -v a="$name" '$1 == "alias" && $2 == a { print $3 }' "$moddir/modules.alias" |
      sort | awk '{ all[NR] = $0 } /_generic$/ { print; found = 1; exit }
        END { if (!found && NR) print all[1] }')"
    [ -z "$alias" ] || path="$(kmod_path_of "$alias")"
  fi
  if [ -n "$path" ]; then
    kmod_add_path "$path"
  elif grep -qE "(^|/)${name//[-_]/[-_]}\.ko$" "$moddir/modules.builtin" 2>/dev/null; then
    toa_debug "vm: $name is built into $release"
  elif [ "$1" = "$name" ]; then
    toa_die "kernel $line ($release) has no module '$name'"
  fi
}
for m in "${image_mods[@]}"; do kmod_add_name "$m"; done
for rel in "${kmod_order[@]}"; do
  base="$(basename "$rel")"
  case "$base" in
    *.ko.xz) toa_need_cmd xz xz-utils; xz -dc "$moddir/$rel" >"$root/kmods/${base%.xz}"; base="${base%.xz}" ;;
    *.ko.zst) toa_need_cmd zstd zstd; zstd -qdc "$moddir/$rel" >"$root/kmods/${base%.zst}"; base="${base%.zst}" ;;
    *.ko.gz) gzip -dc "$moddir/$rel" >"$root/kmods/${base%.gz}"; base="${base%.gz}" ;;
    *) cp "$moddir/$rel" "$root/kmods/$base" ;;
  esac
  echo "$base" >>"$root/kmods/order"
done
touch "$root/kmods/order"

cat >"$root/init" <<EOF
#!/bin/sh
# /init of a toa test guest (generated by tests/kernel/vm.sh)
export PATH=/bin:/sbin:/usr/bin:/usr/sbin HOME=/root
/bin/busybox --install -s  # keeps the --bin programs that are already there
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
exec </dev/console >/dev/console 2>&1
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
# Every kernel message up to info on the console (quiet hides warnings otherwise).
echo 7 >/proc/sys/kernel/printk
# Warnings are detected on the console, they must not end the run.
echo 0 >/proc/sys/kernel/panic_on_warn
hostname toa-guest
ip link set lo up
rc=0
while read -r m; do
  insmod "/kmods/\$m" || { echo "TOA-GUEST: insmod \$m failed"; rc=125; break; }
done </kmods/order
if [ \$rc = 0 ]; then
  cd /
  TOA_LINE='$line' TOA_RELEASE='$release' TOA_MODULES=/modules sh /script
  rc=\$?
fi
echo "TOA-GUEST-EXIT \$rc"
sync
poweroff -f
sleep 60
EOF
chmod +x "$root/init"

(cd "$root" && find . -print0 | cpio --null -o -H newc --quiet -R 0:0) >"$work/initrd.cpio"

# --- boot ----------------------------------------------------------------------------

qemu=(qemu-system-x86_64 -accel tcg -cpu "${TOA_QEMU_CPU:-max}" -smp "$smp" -m "$mem"
  -nographic -no-reboot -nic none
  -kernel "$vmlinuz" -initrd "$work/initrd.cpio"
  -append "console=ttyS0 quiet panic=-1 $append")
[ "$icount" = 1 ] && qemu+=(-icount shift=0)
toa_debug "vm: ${qemu[*]}"

t0=$SECONDS
set +e
timeout -k 5 "$timeout_s" "${qemu[@]}" </dev/null 2>&1 | sed -u 's/\x1b\[[0-9;?]*[A-Za-z]//g; s/\x1bc//g; s/\r$//' | tee "$log" |
  grep --line-buffered -E '^RESULT '
rcs=("${PIPESTATUS[@]}")
set -e
qemu_rc="${rcs[0]}"
elapsed=$((SECONDS - t0))

# --- verdict -------------------------------------------------------------------------

problems=()
n_pass="$(grep -cE '^RESULT [^ ]+ PASS( |$)' "$log" || true)"
n_fail="$(grep -cE '^RESULT [^ ]+ FAIL( |$)' "$log" || true)"
n_skip="$(grep -cE '^RESULT [^ ]+ SKIP( |$)' "$log" || true)"
n_bad="$(grep -E '^RESULT ' "$log" | grep -cvE '^RESULT [^ ]+ (PASS|FAIL|SKIP)( |$)' || true)"
exit_line="$(grep -E '^TOA-GUEST-EXIT -?[0-9]+$' "$log" | tail -n1 || true)"

if [ "$qemu_rc" = 124 ] || [ "$qemu_rc" = 137 ]; then
  problems+=("timed out after ${timeout_s} s")
elif [ "$qemu_rc" != 0 ]; then
  problems+=("qemu exited with $qemu_rc")
fi
if [ -z "$exit_line" ]; then
  problems+=("no TOA-GUEST-EXIT line (guest crashed or hung)")
elif [ "$exit_line" != "TOA-GUEST-EXIT 0" ]; then
  problems+=("guest script exited with ${exit_line#TOA-GUEST-EXIT }")
fi
[ "$n_fail" -eq 0 ] || problems+=("$n_fail RESULT FAIL")
[ "$n_bad" -eq 0 ] || problems+=("$n_bad malformed RESULT lines")
[ $((n_pass + n_fail + n_skip)) -gt 0 ] || problems+=("no RESULT lines")
bad_lines="$(grep -nE "$BAD_CONSOLE" "$log" || true)"
if [ -n "$bad_lines" ]; then
  problems+=("kernel problems on the console")
  echo "vm-$line: the console shows kernel problems:"
  head -n 40 <<<"$bad_lines" | sed 's/^/  /'
fi
if [ -z "$exit_line" ] || grep -q '^TOA-GUEST: ' "$log"; then
  echo "vm-$line: last console lines:"
  tail -n 30 "$log" | sed 's/^/  | /'
fi

summary="vm-$line: $n_pass passed, $n_fail failed"
[ "$n_skip" -eq 0 ] || summary+=", $n_skip skipped"
echo "$summary (${elapsed} s, $release, log: $log)"
if [ ${#problems[@]} -gt 0 ]; then
  joined="$(printf '%s; ' "${problems[@]}")"
  echo "vm-$line: FAILED: ${joined%; }"
  exit 1
fi
exit 0
