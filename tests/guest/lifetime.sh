# SPDX-License-Identifier: MIT
# In the guest: the module's lifetime and who may configure it (run by run-suite.sh):
# kTLS, sockmap, relistened and reconnected TOA sockets, a listener from before the
# load (toa-lifetime), configuration from another network namespace, ftrace switched
# off under the module.
ko="$TOA_MODULES/toa.ko"
pass() { echo "RESULT $1 PASS${2:+ $2}"; }
fail() { echo "RESULT $1 FAIL${2:+ $2}"; }
check() { if eval "$2"; then pass "$1"; else fail "$1" "$3"; fi; }
param() { cat /sys/module/toa/parameters/"$1"; }

toa-lifetime "$ko" all

# Configuration belongs to the node: a process in its own network namespace (root in
# the initial user namespace, as a container granted NET_ADMIN) changes nothing.
insmod "$ko" trusted=198.51.100.0/24 || fail insmod_for_netns
check netns_sysfs_write_refused \
  '! unshare -n sh -c "echo 10.0.0.0/8 > /sys/module/toa/parameters/trusted" 2>/dev/null' \
  "a write from another namespace succeeded"
check netns_sysfs_kept '[ "$(param trusted)" = 198.51.100.0/24 ]' "trusted=$(param trusted)"
out=$(unshare -n toa-inspect config set trusted 10.0.0.0/8 2>&1); rc=$?
check netns_netlink_set_refused '[ $rc -ne 0 ]' "rc=$rc $out"
check netns_netlink_kept '[ "$(param trusted)" = 198.51.100.0/24 ]' "trusted=$(param trusted) $out"
out=$(toa-inspect config set trusted 198.51.100.0/25 2>&1); rc=$?
check node_netlink_set_works '[ $rc -eq 0 ] && [ "$(param trusted)" = 198.51.100.0/25 ]' "rc=$rc $out"
check node_sysfs_write_works 'echo any > /sys/module/toa/parameters/trusted && [ "$(param trusted)" = any ]'

# ftrace switched off: refused while the module runs, and the load says why.
check ftrace_disable_refused_while_loaded '! sysctl -w kernel.ftrace_enabled=0 2>/dev/null' \
  "ftrace_enabled=$(cat /proc/sys/kernel/ftrace_enabled)"
check ftrace_still_on '[ "$(cat /proc/sys/kernel/ftrace_enabled)" = 1 ]'
check rmmod_for_ftrace 'rmmod toa'
sysctl -w kernel.ftrace_enabled=0 >/dev/null
if dmesg | grep -q "ftrace_enabled file is deprecated and no longer disables ftrace"; then
  # 7.x: the sysctl no longer switches ftrace off, so the hooks still run: the load works.
  check insmod_with_ftrace_enabled_deprecated 'insmod "$ko"'
  check ftrace_enabled_deprecated_module_works 'rmmod toa'
else
  check insmod_refused_with_ftrace_off '! insmod "$ko" 2>/dev/null'
  check load_error_names_ftrace_enabled 'dmesg | grep -q "toa: cannot load: .*kernel.ftrace_enabled"' \
    "$(dmesg | grep 'toa:' | tail -n 2)"
  # toa-inspect status names the same reason.
  out=$(toa-inspect status 2>&1); rc=$?
  check status_names_failed_load '[ $rc -eq 1 ] && echo "$out" | grep -q "its last load failed: toa: cannot load: .*kernel.ftrace_enabled"' \
    "rc=$rc $out"
  out=$(toa-inspect status --json 2>/dev/null)
  check status_json_last_load_error 'echo "$out" | grep -q "\"loaded\":false,\"last_load_error\":\"toa: cannot load: "' "$out"
fi
sysctl -w kernel.ftrace_enabled=1 >/dev/null
check insmod_after_ftrace_on 'insmod "$ko"'
check rmmod_final 'rmmod toa'
