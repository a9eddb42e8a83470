# SPDX-License-Identifier: MIT
# Self-test case (debug kernels): the module misbehaves at load (sleep=1), is removed, and the
# script says PASS; expected verdict: fail, because of what the debug kernel reports.
insmod "$TOA_MODULES/toa_selftest.ko" sleep=1
rmmod toa_selftest
echo "RESULT selftest-sleep-loaded PASS"
