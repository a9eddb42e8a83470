#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Proves that the harness can fail: three separate boots of one kernel line.
#   (a) the self-test module loads cleanly, the script says PASS  -> vm.sh must exit 0
#   (b) the script reports a FAIL                                  -> vm.sh must exit 1
#   (c) the module does WARN_ON(1), the script says PASS           -> vm.sh must exit 1,
#       because of the WARNING on the console
# On the debug line (6.1-debug) three more, each with a script that says PASS and a
# module that misbehaves: vm.sh must exit 1 because the kernel reports
#   (d) a kmemleak leak, (e) a sleeping function called from atomic context,
#   (f) a lockdep circular locking dependency.
#
#   selftest.sh <line>
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ $# -eq 1 ] || { echo "usage: selftest.sh <line>" >&2; exit 2; }
line="$1"
toa_check_line "$line"
here="$TOA_KTEST_DIR/selftest"
logs="$(toa_build_dir)/vm-logs"

ko="$("$TOA_KTEST_DIR/build-kmod.sh" "$line" --src "$here")"

passed=0 failed=0
timeout_s=120
[ "$(toa_line_kind "$line")" != source ] || timeout_s=400
# check_case <name> <expected vm.sh exit> <grep -E pattern its output must contain> <script>
#            [more vm.sh arguments]
check_case() {
  local name="$1" want="$2" must="$3" script="$4" out rc=0
  shift 4
  out="$("$TOA_KTEST_DIR/vm.sh" --line "$line" --module "$ko" --script "$script" \
    --timeout "$timeout_s" --log "$logs/$line-selftest-$name.log" "$@" 2>&1)" || rc=$?
  if [ "$rc" = "$want" ] && grep -qE "$must" <<<"$out"; then
    echo "RESULT harness-$name PASS"
    passed=$((passed + 1))
  else
    echo "RESULT harness-$name FAIL vm.sh exited $rc (wanted $want, output matching '$must'); its output:"
    sed 's/^/  > /' <<<"$out"
    failed=$((failed + 1))
  fi
}

# The kmemleak scans (about 50 s a boot on 6.1-debug) only where the verdict needs them:
# the clean boot (boot, load and unload leave no leak) and the leak case.
check_case clean 0 "^vm-$line: 2 passed, 0 failed" "$here/guest-load.sh"
check_case reported-fail 1 "^vm-$line: 1 passed, 1 failed" "$here/guest-fail.sh" --no-leak-check
check_case kernel-warning 1 "WARNING:.*toa_selftest" "$here/guest-warn.sh" --no-leak-check
if [ "$(toa_line_kind "$line")" = source ]; then
  check_case kmemleak 1 "FAILED:.*kernel memory leak suspects" "$here/guest-leak.sh"
  check_case atomic-sleep 1 "sleeping function called from invalid context" "$here/guest-sleep.sh" --no-leak-check
  check_case lockdep 1 "possible circular locking dependency" "$here/guest-lockdep.sh" --no-leak-check
fi

echo "selftest-$line: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
