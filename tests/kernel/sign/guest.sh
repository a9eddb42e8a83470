# SPDX-License-Identifier: MIT
# The guest half of tests/kernel/sign/run.sh, booted with module.sig_enforce=1: the module
# signed with a trusted key loads and works; unsigned, unknown-key and altered copies are
# refused ("Key was rejected by service", EKEYREJECTED) and leave nothing loaded.
. /result.sh
enforce="$(cat /sys/module/module/parameters/sig_enforce 2>/dev/null)"
check sig_enforced '[ "$enforce" = Y ]' "sig_enforce=$enforce"

loaded() { grep -q '^toa ' /proc/modules; }
refused() {  # <name> <module>
  out="$(insmod "$2" 2>&1)" && rc=0 || rc=$?
  if [ "$rc" != 0 ] && ! loaded && echo "$out" | grep -q 'Key was rejected'; then
    pass "$1" "$out"
  else
    fail "$1" "insmod exited $rc: $out"
    rmmod toa 2>/dev/null
  fi
}
refused unsigned_refused /sign/unsigned.ko
refused unknown_key_refused /sign/foreign.ko
refused altered_refused /sign/tampered.ko
check kernel_says_unsigned 'dmesg | grep -q "Loading of unsigned module is rejected"'
check kernel_says_unknown_key 'dmesg | grep -q "Loading of module with unavailable key is rejected"'

if out="$(insmod /sign/signed.ko 2>&1)" && loaded; then
  pass signed_loads
  tainted="$(cat /proc/sys/kernel/tainted)"
  # TAINT_UNSIGNED_MODULE is bit 13 ('E')
  check signed_no_unsigned_taint '[ $((tainted & 8192)) = 0 ]' "tainted=$tainted"
  toa-inspect status >/tmp/status 2>&1 && st=0 || st=$?
  check signed_module_answers '[ $st = 0 ]' "$(head -n2 /tmp/status | tr '\n' ' ')"
  rmmod toa
  check signed_unloads '! loaded'
else
  fail signed_loads "$out"
fi
