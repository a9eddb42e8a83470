# SPDX-License-Identifier: MIT
# Self-test case (debug kernels): the module misbehaves at load (leak=1), is removed, and the
# script says PASS; expected verdict: fail, because of what the debug kernel reports.
insmod "$TOA_MODULES/toa_selftest.ko" leak=1
rmmod toa_selftest
echo "RESULT selftest-leak-loaded PASS"
