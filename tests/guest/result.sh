# SPDX-License-Identifier: MIT
# The guest scripts' verdict lines, sourced by every script that tests/kernel/vm.sh runs
# (vm.sh puts this file at /result.sh in the guest): `RESULT <name> PASS|FAIL [detail]`.
pass() { echo "RESULT $1 PASS${2:+ $2}"; }
fail() { echo "RESULT $1 FAIL${2:+ $2}"; }
# check <name> <shell condition> [detail]
check() { if eval "$2"; then pass "$1" "$3"; else fail "$1" "$3"; fi; }
