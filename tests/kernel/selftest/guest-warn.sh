# SPDX-License-Identifier: MIT
# Self-test case (c): the module warns at load, the script says PASS; expected verdict:
# fail, because of the kernel WARNING on the console.
insmod "$TOA_MODULES/toa_selftest.ko" warn=1
echo "RESULT selftest-warn-loaded PASS"
