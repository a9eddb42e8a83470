#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Boots one kernel line in QEMU (TCG) with a busybox initramfs and runs one guest script.
#
#   vm.sh --line <line> --script <guest sh script>
#         [--module <.ko>]...        copied to /modules/ in the guest ($TOA_MODULES)
#         [--bin <host file>]...     copied to /bin/ (dynamic ones with their libraries)
#         [--file <host>:<guest>]... copied to that guest path (file or dir; the
#                                    libraries of the .so files in it too)
#         [--kmod-from-image <name>]... more modules of the kernel image, loaded at boot
#         [--timeout SEC] (300)  [--log FILE]  [--smp N] (2)
#         [--mem MB] (512; 6.1-debug 1536, 6.1-arm64 1024)
#         [--icount]  (-icount shift=0, forces --smp 1: deterministic guest clock)
#         [--no-leak-check]  (skip the kmemleak scan of kernels that have kmemleak)
#         [--append "extra kernel args"]  [-v|--verbose] (print the qemu command line)
#
# The guest's /init mounts proc, sysfs, devtmpfs, tmpfs, brings lo up, insmods tun (and
# veth, and --kmod-from-image modules, with their dependencies; built-in ones are
# skipped), then runs `sh /script` with TOA_LINE, TOA_RELEASE and TOA_MODULES=/modules,
# and prints `TOA-GUEST-EXIT <rc>`. The script prints `RESULT <name> PASS`,
# `RESULT <name> FAIL <detail>` or `RESULT <name> SKIP <why>`. On a kernel with kmemleak
# (6.1-debug) /init scans for leaks after the script (which must have closed its sockets
# and removed its modules by then); on one with lockdep it checks that lockdep is still on.
# arm64 lines boot qemu-system-aarch64 -M virt with the line's arm64 busybox; their --bin
# programs must be arm64 (static, or dynamic with libraries from the line's sysroot).
# Exit 0 only when: at least one RESULT, none FAIL, TOA-GUEST-EXIT 0, no failed guest
# check (leaks, lockdep off), and the console shows no kernel BUG/WARNING/Oops/...
# (see BAD_CONSOLE). Otherwise exit 1 (2: bad usage).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

BAD_CONSOLE='BUG:|WARNING:|Oops|Call Trace|general protection|Kernel panic|KASAN|UBSAN|kmemleak|unreferenced object|possible circular locking|sleeping function called from invalid context|INFO: task .* blocked|INFO: trying to register non-static key|turning off the locking correctness validator'

usage() {
  sed -n '3,29s/^# \{0,1\}//p' "$0" >&2
  exit 2
}

line="" script="" timeout_s=300 log="" smp=2 mem="" icount=0 append="" leak_check=1
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
    --no-leak-check) leak_check=0; shift ;;
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
[ -n "$mem" ] || mem="$(toa_line_mem "$line")"
arch="$(toa_line_arch "$line")"

toa_need_cmd cpio cpio
toa_need_cmd timeout coreutils
toa_need_cmd readelf binutils
if [ "$arch" = arm64 ]; then
  toa_need_cmd qemu-system-aarch64 qemu-system-arm
else
  toa_need_cmd qemu-system-x86_64 qemu-system-x86
  toa_need_cmd busybox busybox-static
fi

toa_kernel_ensure "$line"
release="$(toa_kernel_field "$line" release)"
vmlinuz="$(toa_kernel_vmlinuz "$line")"
moddir="$(toa_kernel_moddir "$line")"
sysroot=""
if [ "$arch" = arm64 ]; then
  sysroot="$(toa_kernel_sysroot "$line")"
  BUSYBOX="$sysroot/bin/busybox"
  elf_machine_want=AArch64
else
  BUSYBOX="$(command -v busybox)"
  elf_machine_want=X86-64
fi
if readelf -l "$BUSYBOX" 2>/dev/null | grep -q 'program interpreter'; then
  toa_die "$BUSYBOX is dynamically linked: install busybox-static"
fi

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

# check_elf_arch <file> <what>: an ELF file must be of the line's architecture.
check_elf_arch() {
  local m
  m="$(readelf -h "$1" 2>/dev/null | sed -n 's/^ *Machine: *//p')" || true
  [ -z "$m" ] || grep -q -- "$elf_machine_want" <<<"$m" ||
    toa_die "$2 $1 is built for $m, but kernel line $line is $arch"
}

# copy_sysroot_libs <host ELF file>: its interpreter and the libraries it needs
# (DT_NEEDED, recursively) into the initramfs: those in its RUNPATH/RPATH (a build
# tree's own libraries) at their host paths, the others from the line's sysroot at the
# same paths as there.
copy_sysroot_libs() {
  local f="$1" interp lib d found rpath dirs=()
  interp="$(readelf -l "$f" | sed -n 's/.*\[Requesting program interpreter: \(.*\)\]$/\1/p')"
  if [ -n "$interp" ] && [ ! -e "$root$interp" ]; then
    [ -e "$sysroot$interp" ] || toa_die "$f: no interpreter $interp in $sysroot"
    mkdir -p "$root$(dirname "$interp")"
    cp -L "$sysroot$interp" "$root$interp"
  fi
  rpath="$(readelf -d "$f" | sed -n 's/.*(R\(UN\)\{0,1\}PATH).*\[\(.*\)\]$/\2/p' | tr '\n' :)"
  IFS=: read -r -a dirs <<<"${rpath//\$ORIGIN/$(dirname "$f")}"
  for lib in $(readelf -d "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p'); do
    found=""
    for d in "${dirs[@]}"; do
      [ -n "$d" ] && [ "${d:0:1}" = / ] && [ -e "$d/$lib" ] || continue
      found=1
      if [ ! -e "$root$d/$lib" ]; then
        mkdir -p "$root$d"
        cp -L "$d/$lib" "$root$d/$lib"
        copy_sysroot_libs "$d/$lib"
      fi
      break
    done
    [ -z "$found" ] || continue
    for d in /lib/aarch64-linux-gnu /usr/lib/aarch64-linux-gnu /lib /usr/lib; do
      [ -e "$sysroot$d/$lib" ] || continue
      found=1
      if [ ! -e "$root$d/$lib" ]; then
        mkdir -p "$root$d"
        cp -L "$sysroot$d/$lib" "$root$d/$lib"
        copy_sysroot_libs "$sysroot$d/$lib"
      fi
      break
    done
    [ -n "$found" ] || toa_die "$f needs $lib: not in its RUNPATH nor in the sysroot of $line ($sysroot)"
  done
}

# copy_with_libs <host file> <guest path>: a program and, when dynamic, every library
# ldd names (at the same paths) and the loader; on arm64 lines those of the sysroot.
copy_with_libs() {
  local src="$1" dst="$2"
  mkdir -p "$root$(dirname "$dst")"
  rm -f "$root$dst"
  cp -L "$src" "$root$dst"
  copy_libs_of "$src"
}

# copy_libs_of <host ELF file>: the libraries of a program or shared library (nothing
# for a static one or a file that is no ELF).
copy_libs_of() {
  local src="$1" deps lib
  if [ "$arch" != x86_64 ]; then
    readelf -h "$src" >/dev/null 2>&1 || return 0  # not an ELF file: a script
    copy_sysroot_libs "$src"
    return 0
  fi
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

# copy_libs_of_sos <host file or dir>: the libraries of the shared objects in it
# (iptables' extensions, which it dlopens), which must be of the line's architecture.
# One readelf for all; ldd (or the sysroot walk) once per distinct DT_NEEDED and
# RUNPATH set (4 among the 122 extensions of iptables on amd64, 6 on arm64).
copy_libs_of_sos() {
  local sos=() so m sig
  local -A done_sigs=()
  mapfile -d '' sos < <(find -L "$1" -type f -name '*.so*' -print0)
  [ ${#sos[@]} -gt 0 ] || return 0
  while IFS=$'\t' read -r so m sig; do
    grep -q -- "$elf_machine_want" <<<"$m" ||
      toa_die "--file $so is built for $m, but kernel line $line is $arch"
    [[ "$sig" != *ORIGIN* ]] || sig="$so"
    [ -z "${done_sigs[$sig]:-}" ] || continue
    done_sigs[$sig]=1
    copy_libs_of "$so"
  done < <(readelf -h -d "${sos[@]}" 2>/dev/null | awk -v first="${sos[0]}" '
    function out() { if (m != "") printf "%s\t%s\t%s\n", f, m, s; m = ""; s = "" }
    BEGIN { f = first }
    /^File: / { out(); f = substr($0, 7); next }
    /^ *Machine:/ { sub(/^ *Machine: */, ""); m = $0; next }
    /\((NEEDED|RUNPATH|RPATH)\)/ { s = s " " $NF }
    END { out() }')
}

for b in "${bins[@]}"; do
  [ -f "$b" ] || toa_die "no --bin file $b"
  check_elf_arch "$b" "--bin"
  copy_with_libs "$b" "/bin/$(basename "$b")"
  chmod +x "$root/bin/$(basename "$b")"
done
for m in "${modules[@]}"; do
  [ -f "$m" ] || toa_die "no --module file $m"
  check_elf_arch "$m" "--module"
  cp "$m" "$root/modules/"
done
for f in "${files[@]}"; do
  host="${f%%:*}" guest="${f#*:}"
  [ "$host" != "$f" ] && [ "${guest:0:1}" = / ] || toa_die "--file wants <host>:<absolute guest path>, got '$f'"
  [ -e "$host" ] || toa_die "no --file source $host"
  mkdir -p "$root$(dirname "$guest")"
  cp -aL "$host" "$root$guest"
  copy_libs_of_sos "$host"
done
cp "$script" "$root/script"
cp "$(dirname "$0")/../guest/result.sh" "$root/result.sh"  # pass/fail/check for the scripts

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
leaks=/sys/kernel/debug/kmemleak
[ '$leak_check' = 1 ] && [ -w \$leaks ] || leaks=""
lockdep_off() { [ -r /proc/lockdep_stats ] && grep -qE 'debug_locks: +0\$' /proc/lockdep_stats; }
if lockdep_off; then
  echo "TOA-GUEST-CHECK FAIL lockdep was off before the script (a splat at boot?)"
fi
if [ -n "\$leaks" ]; then
  # Objects are reported once they are 5 s old: what boot left is set aside first.
  sleep 6
  echo 4 >/proc/sys/kernel/printk
  echo scan >\$leaks
  n=\$(grep -c '^unreferenced object' \$leaks)
  echo clear >\$leaks
  echo 7 >/proc/sys/kernel/printk
  echo "TOA-GUEST-CHECK INFO leak scan: on (\$n boot-time suspects set aside)"
fi
echo TOA-GUEST-START
if [ \$rc = 0 ]; then
  cd /
  TOA_LINE='$line' TOA_RELEASE='$release' TOA_MODULES=/modules sh /script
  rc=\$?
fi
cd /
if lockdep_off; then
  echo "TOA-GUEST-CHECK FAIL lockdep turned itself off during the run"
fi
if [ -n "\$leaks" ]; then
  sleep 6
  echo scan >\$leaks
  echo scan >\$leaks
  n=\$(grep -c '^unreferenced object' \$leaks)
  if [ "\$n" != 0 ]; then
    echo "TOA-GUEST-CHECK FAIL \$n kernel memory leak suspects after the script:"
    cat \$leaks
  else
    echo "TOA-GUEST-CHECK PASS leak scan: no suspects after the script"
  fi
fi
echo "TOA-GUEST-EXIT \$rc"
sync
poweroff -f
sleep 60
EOF
chmod +x "$root/init"

(cd "$root" && find . -print0 | cpio --null -o -H newc --quiet -R 0:0) >"$work/initrd.cpio"

# --- boot ----------------------------------------------------------------------------

# One host thread runs all virtual CPUs: with a thread per virtual CPU (MTTCG), a CPU
# went on running kernel text that another one had just patched (ftrace, when the module
# is loaded or removed), trapping on an int3 that was gone (lockups, Oopses, a hook
# skipped; seen in about one run in four of the reload cycles).
accel=tcg
[ "$smp" -gt 1 ] && accel=tcg,thread=single
if [ "$arch" = arm64 ]; then
  qemu=(qemu-system-aarch64 -M virt -accel "$accel" -cpu "${TOA_QEMU_CPU:-cortex-a57}")
  console=ttyAMA0
else
  qemu=(qemu-system-x86_64 -accel "$accel" -cpu "${TOA_QEMU_CPU:-max}")
  console=ttyS0
fi
qemu+=(-smp "$smp" -m "$mem" -nographic -no-reboot -nic none
  -kernel "$vmlinuz" -initrd "$work/initrd.cpio"
  -append "console=$console quiet panic=-1 $append")
[ "$icount" = 1 ] && qemu+=(-icount shift=0)
toa_debug "vm: ${qemu[*]}"

# The console carries the guest's RESULT lines and the kernel's messages; a message
# printed while a line is being written (7.x prints from its own thread) goes on a line
# of its own, so that neither is lost to the other.
# A kernel problem in the kernel's own boot, before the guest script started (so before
# any module of ours), boots once more; the first console is kept beside the log. The
# debug kernel's boot under TCG now and then hits a KASAN report (an interrupt in
# identify_cpu) that has nothing to do with what is tested.
for attempt in 1 2; do
  t0=$SECONDS
  set +e
  timeout -k 5 "$timeout_s" "${qemu[@]}" </dev/null 2>&1 | sed -u -E 's/\x1b\[[0-9;?]*[A-Za-z]//g; s/\x1bc//g; s/\r$//; s/([^[:space:]])(\[ *[0-9]+\.[0-9]{6}\] )/\1\n\2/g' | tee "$log" |
    grep --line-buffered -E '^RESULT '
  rcs=("${PIPESTATUS[@]}")
  set -e
  qemu_rc="${rcs[0]}"
  elapsed=$((SECONDS - t0))
  start_ln="$(grep -nm1 '^TOA-GUEST-START$' "$log" | cut -d: -f1 || true)"
  bad_ln="$(grep -nm1 -E "$BAD_CONSOLE" "$log" | cut -d: -f1 || true)"
  if [ "$attempt" = 1 ] && [ -n "$bad_ln" ] && { [ -z "$start_ln" ] || [ "$bad_ln" -lt "$start_ln" ]; }; then
    echo "vm-$line: a kernel problem in the kernel's own boot, before the guest script (console line $bad_ln); booting once more (first console: $log.boot1)"
    mv "$log" "$log.boot1"
    continue
  fi
  break
done

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
while IFS= read -r c; do
  problems+=("${c#TOA-GUEST-CHECK FAIL }")
done < <(grep -E '^TOA-GUEST-CHECK FAIL ' "$log" || true)
bad_lines="$(grep -nE "$BAD_CONSOLE" "$log" || true)"
if [ -n "$bad_lines" ]; then
  problems+=("kernel problems on the console")
  echo "vm-$line: the console shows kernel problems:"
  head -n 40 <<<"$bad_lines" | sed 's/^/  /'
fi
if [ -z "$exit_line" ] || grep -qE '^TOA-GUEST(: |-CHECK FAIL )' "$log"; then
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
