# SPDX-License-Identifier: MIT
# Self-test case (b): the script reports a failure; expected verdict: fail.
echo "RESULT selftest-ok PASS"
echo "RESULT selftest-reported-failure FAIL reported on purpose"
