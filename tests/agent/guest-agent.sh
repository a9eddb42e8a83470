# SPDX-License-Identifier: MIT
# In the guest (tests/agent/run.sh): the node agent tools/toa-agent/toa-agent as a child of
# PID 1, with a ConfigMap-like directory (keys as links into ..data, swapped on a change,
# as the kubelet does):
#   a node with no module and no headers: one line naming the packages, not ready;
#   the module installed for this kernel (as toa-dkms leaves it): modprobe, the
#   ConfigMap's values, ready; a changed value applied live (no reload); an invalid value
#   refused with the kernel's reason, the old one kept, not ready; fixed: ready again;
#   SIGTERM leaves the module loaded; an agent started then keeps it; TOA_AGENT_UNLOAD=1
#   and SIGTERM unload it.
. /result.sh
export TOA_AGENT_CONFIG=/etc/toa/config TOA_AGENT_SRC=/usr/share/toa-agent/src
export TOA_AGENT_INTERVAL=1 TOA_AGENT_RETRY=2
rel="$(uname -r)"
cm=/etc/toa/config
gen=0
# cm_set <key=value>...: a new generation of the ConfigMap, swapped in at once.
cm_set() {
  gen=$((gen + 1))
  d="$cm/..gen$gen"
  mkdir -p "$d"
  if [ "$gen" -gt 1 ]; then cp "$cm/..data/"* "$d/"; fi
  for kv in "$@"; do printf '%s\n' "${kv#*=}" >"$d/${kv%%=*}"; done
  ln -s "..gen$gen" "$cm/..data.tmp"
  rm -f "$cm/..data"
  mv "$cm/..data.tmp" "$cm/..data"
  for f in "$d"/*; do k="$(basename "$f")"; [ -L "$cm/$k" ] || ln -s "..data/$k" "$cm/$k"; done
}
# start [env...]: the agent, re-parented to PID 1 (its starter exits at once).
start() {
  rm -f /run/toa-agent/pid
  (env "$@" toa-agent run >>/tmp/agent.log 2>&1 &)
  for i in $(seq 1 50); do [ -s /run/toa-agent/pid ] && break; sleep 0.1; done
  pid="$(cat /run/toa-agent/pid 2>/dev/null)"
}
# wait_for <seconds> <condition>
wait_for() {
  n=$(($1 * 10))
  while [ "$n" -gt 0 ]; do eval "$2" && return 0; sleep 0.1; n=$((n - 1)); done
  return 1
}
logged() { grep -qF -- "$1" /tmp/agent.log; }
param() { cat "/sys/module/toa/parameters/$1" 2>/dev/null; }
loads() { dmesg | grep -c "toa load success"; }
ready() { toa-agent check 2>/dev/null; }
stop_agent() {
  kill -TERM "$pid"
  wait_for 5 '! kill -0 "$pid" 2>/dev/null'
}

mkdir -p "$cm"
cm_set formats=default trusted=198.51.100.0/24,2001:db8::/32 transparent=N syn=N \
  guard=Y uoa=N uoa_timeout=360 uoa_max=65536

# 1. No module for this kernel and no headers.
: >/tmp/agent.log
start
check agent_child_of_pid1 '[ -n "$pid" ] && grep -q "^PPid:[[:space:]]*1$" /proc/$pid/status' "pid=$pid"
check no_module_one_clear_line \
  'wait_for 10 "logged \"no toa module for kernel $rel and no headers to build one: install toa-dkms and linux-headers-$rel on the node\""' \
  "$(grep 'no toa module' /tmp/agent.log | head -n1)"
check no_module_not_ready '! ready && [ ! -e /run/toa-agent/ready ] && kill -0 "$pid"'
check no_module_sigterm 'stop_agent'

# 2. The module installed for this kernel, as DKMS leaves it: modprobe.
mkdir -p "/lib/modules/$rel/updates/dkms"
cp "$TOA_MODULES/toa.ko" "/lib/modules/$rel/updates/dkms/toa.ko"
depmod
: >/tmp/agent.log
start
check loads_with_modprobe 'wait_for 30 "grep -q \"loaded toa .* with modprobe\" /tmp/agent.log" && [ -d /sys/module/toa ]'
check becomes_ready 'wait_for 20 "[ -e /run/toa-agent/ready ]" && ready'
check config_trusted '[ "$(param trusted)" = "198.51.100.0/24,2001:db8::/32" ]' "trusted=$(param trusted)"
check config_transparent '[ "$(param transparent)" = N ]' "transparent=$(param transparent)"
check config_formats '[ "$(param formats)" = "254/8,254/20,200/8,253/20,253/8" ]' "formats=$(param formats)"
for p in guard uoa uoa_timeout uoa_max; do
  if [ -e "/sys/module/toa/parameters/$p" ]; then
    check "config_$p" '[ "$(param $p)" = "$(cat $cm/$p)" ] || [ "$(param $p)" = Y -a "$(cat $cm/$p)" = Y ]' "$p=$(param $p)"
  else
    check "unknown_param_${p}_skipped" 'grep -q "$p: the loaded module .* has no such parameter; skipped" /tmp/agent.log'
  fi
done
check loaded_once '[ "$(loads)" = 1 ]' "loads=$(loads)"

# 3. A change, applied live.
cm_set trusted=203.0.113.0/24
check change_applied 'wait_for 10 "[ \"\$(param trusted)\" = 203.0.113.0/24 ]"' "trusted=$(param trusted)"
check change_ready_again 'wait_for 10 ready'
check change_no_reload '[ "$(loads)" = 1 ]' "loads=$(loads)"

# 4. An invalid value: refused with the reason, the old one kept, not ready.
cm_set formats=999/1
check invalid_refused_with_reason \
  'wait_for 10 "logged \"formats=999/1 refused: unknown format \\\"999/1\\\"\""' \
  "$(grep 'refused' /tmp/agent.log | tail -n1)"
check invalid_old_value_kept '[ "$(param formats)" = "254/8,254/20,200/8,253/20,253/8" ]' "formats=$(param formats)"
check invalid_not_ready '! ready && wait_for 5 "[ ! -e /run/toa-agent/ready ]"'
check invalid_reported_once '[ "$(grep -c "formats=999/1 refused" /tmp/agent.log)" = 1 ]'
cm_set formats=254/8,200/8
check fixed_applied 'wait_for 10 "[ \"\$(param formats)\" = 254/8,200/8 ]"' "formats=$(param formats)"
check fixed_ready 'wait_for 10 "[ -e /run/toa-agent/ready ]" && ready'
# A hand-made change is put back.
echo any >/sys/module/toa/parameters/trusted
check drift_put_back 'wait_for 10 "[ \"\$(param trusted)\" = 203.0.113.0/24 ]"' "trusted=$(param trusted)"

# 5. SIGTERM leaves the module loaded; the next agent keeps it.
check sigterm_exits 'stop_agent'
check sigterm_keeps_module '[ -d /sys/module/toa ] && grep -q "SIGTERM: leaving toa loaded" /tmp/agent.log'
start TOA_AGENT_UNLOAD=1
check restart_keeps_loaded 'wait_for 10 "logged \"is loaded already: kept\"" && wait_for 10 ready && [ "$(loads)" = 1 ]'
check unload_on_sigterm 'stop_agent && [ ! -d /sys/module/toa ]'
echo "--- agent log"
cat /tmp/agent.log
