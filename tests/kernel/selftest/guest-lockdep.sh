# SPDX-License-Identifier: MIT
# Self-test case (debug kernels): the module misbehaves at load (lockdep=1), is removed, and the
# script says PASS; expected verdict: fail, because of what the debug kernel reports.
insmod "$TOA_MODULES/toa_selftest.ko" lockdep=1
rmmod toa_selftest
echo "RESULT selftest-lockdep-loaded PASS"
