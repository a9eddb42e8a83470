# SPDX-License-Identifier: MIT
# Self-test case (a): the module loads and unloads cleanly; expected verdict: pass.
if insmod "$TOA_MODULES/toa_selftest.ko" && grep -q '^toa_selftest ' /proc/modules; then
  echo "RESULT selftest-load PASS"
else
  echo "RESULT selftest-load FAIL insmod toa_selftest.ko"
fi
if rmmod toa_selftest; then
  echo "RESULT selftest-unload PASS"
else
  echo "RESULT selftest-unload FAIL rmmod toa_selftest"
fi
