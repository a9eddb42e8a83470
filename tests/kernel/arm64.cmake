# SPDX-License-Identifier: MIT
# The arm64 kernel lines in ctest: include()d by tests/guest/CMakeLists.txt (inside
# if(TOA_KERNEL_TESTS), after toa-e2e is defined) when a line ending in -arm64 is in
# TOA_KERNEL_LINES (or TOA_KERNEL_NEWEST_LINES).
#
# The arm64 guest programs are a second, cross build (tests/kernel/arm64-guest with
# aarch64-toolchain.cmake) in <build>/arm64-guest, for every arm64 line. It needs the arm64
# sysroot of the kernel cache (that of 6.1-arm64, the guest userland of every arm64 line:
# the "userland" column of the table in lib.sh), which kernels.sh fetches (the
# kernel-fetch-6.1-arm64 fixture), so it is built at test time by a fixture of its own
# rather than by `make`:
#   kernel-arm64-guest-build   FIXTURES_REQUIRED kernel-6.1-arm64, FIXTURES_SETUP arm64-guest
#                              (incremental: a few seconds when nothing changed)
# and for each arm64 line <line>:
#   kernel-module-<line>       run-suite.sh <line> module <arm64 toa-e2e>
#   kernel-inspect-<line>      run-suite.sh <line> inspect <arm64 toa-e2e> <arm64 toa-inspect>
#   kernel-udp-<line>          run-suite.sh <line> udp <arm64 toa-udp-e2e> <arm64 toa-inspect>
#                              <arm64 toa-lbsim-udp>
#   lbsim.guest_<line>         vm.sh ... tools/lbsim/tests/guest/lbsim_smoke.sh, arm64 simulator
#   kernel-k8s-<line>          run-suite.sh <line> k8s <arm64 toa-lbsim> <arm64
#                              toa-echo-server-static> <arm64 toa-inspect> <arm64
#                              toa-lbsim-udp> <arm64 toa-udp-echo-server-static> (Debian's
#                              arm64 ip, iptables, ipvsadm, nginx, haproxy: the sysroot's)
# (the loops over the lines in tests/guest and tools/lbsim skip the -arm64 lines).
# `make toa-arm64-guest` builds the same programs by hand.
set(_toa_arm64_lines "")
foreach(_line IN LISTS TOA_KERNEL_ALL_LINES)
  if(_line MATCHES "-arm64$")
    list(APPEND _toa_arm64_lines ${_line})
  endif()
endforeach()
if(NOT _toa_arm64_lines)
  return()
endif()
# The line whose sysroot the arm64 guest programs are built against (build-arm64-guest.sh).
set(_toa_arm64_userland 6.1-arm64)

find_program(TOA_AARCH64_GCC aarch64-linux-gnu-gcc)
find_program(TOA_AARCH64_GXX aarch64-linux-gnu-g++)
find_program(TOA_QEMU_AARCH64 qemu-system-aarch64)
if(NOT TOA_AARCH64_GCC OR NOT TOA_AARCH64_GXX OR NOT TOA_QEMU_AARCH64)
  message(FATAL_ERROR "kernel lines ${_toa_arm64_lines} need aarch64-linux-gnu-gcc, aarch64-linux-gnu-g++ "
    "and qemu-system-aarch64 (Debian packages gcc-aarch64-linux-gnu, g++-aarch64-linux-gnu, "
    "qemu-system-arm; scripts/deps.sh installs them), or drop them from TOA_KERNEL_LINES")
endif()

set(TOA_ARM64_GUEST_DIR "${CMAKE_BINARY_DIR}/arm64-guest")
set(_toa_arm64_build "${CMAKE_CURRENT_LIST_DIR}/build-arm64-guest.sh")
# toa-echo-server-static: the simulator smoke's server and the k8s suite's pods' server.
set(_toa_arm64_targets toa-e2e toa-udp-e2e toa-lifetime toa-inspect toa-lbsim toa-lbsim-udp
  lbsim_api_test toa-echo-server-static toa-udp-echo-server-static)
set(_toa_arm64_type "${CMAKE_BUILD_TYPE}")
if(NOT _toa_arm64_type)
  set(_toa_arm64_type RelWithDebInfo)
endif()
# Where build-arm64-guest.sh leaves them (the subdirectories of arm64-guest/CMakeLists.txt).
set(_a "${TOA_ARM64_GUEST_DIR}")
set(_toa_arm64_e2e "${_a}/guest/toa-e2e")
set(_toa_arm64_udp "${_a}/guest/toa-udp-e2e")
set(_toa_arm64_lifetime "${_a}/guest/toa-lifetime")
set(_toa_arm64_lbsim_udp "${_a}/lbsim/toa-lbsim-udp")
set(_toa_arm64_inspect "${_a}/toa-inspect/toa-inspect")
set(_toa_arm64_lbsim "${_a}/lbsim/toa-lbsim")
set(_toa_arm64_echo "${_a}/examples/toa-echo-server-static")
set(_toa_arm64_api "${_a}/lbsim/lbsim_api_test")
set(_toa_arm64_echo_static "${_a}/examples/toa-echo-server-static")
set(_toa_arm64_udp_echo_static "${_a}/examples/toa-udp-echo-server-static")

add_custom_target(toa-arm64-guest
  COMMAND ${CMAKE_COMMAND} -E env "TOA_ARM64_BUILD_TYPE=${_toa_arm64_type}" "${TOA_KERNEL_TEST_ENV}"
          "${_toa_arm64_build}" "${TOA_ARM64_GUEST_DIR}" ${_toa_arm64_targets}
  COMMENT "Cross-building the arm64 guest programs in ${TOA_ARM64_GUEST_DIR}"
  USES_TERMINAL)

add_test(NAME kernel-arm64-guest-build
         COMMAND "${_toa_arm64_build}" "${TOA_ARM64_GUEST_DIR}" ${_toa_arm64_targets})
set(_fixture "")
if(_toa_arm64_userland IN_LIST TOA_KERNEL_ALL_LINES)
  set(_fixture kernel-${_toa_arm64_userland})
endif()
set_tests_properties(kernel-arm64-guest-build PROPERTIES
  FIXTURES_REQUIRED "${_fixture}"
  FIXTURES_SETUP arm64-guest
  TIMEOUT 1200
  LABELS kernel
  ENVIRONMENT "${TOA_KERNEL_TEST_ENV};TOA_ARM64_BUILD_TYPE=${_toa_arm64_type}")

# The in-guest suites of the x86 lines (tests/guest/CMakeLists.txt, tools/lbsim), with
# the arm64 programs.
set(_toa_guest_dir "${CMAKE_CURRENT_LIST_DIR}/../guest")
set(_toa_lbsim_smoke "${CMAKE_CURRENT_LIST_DIR}/../../tools/lbsim/tests/guest/lbsim_smoke.sh")
foreach(_line IN LISTS _toa_arm64_lines)
  toa_kernel_labels(${_line} _labels)
  add_test(NAME kernel-module-${_line}
           COMMAND "${_toa_guest_dir}/run-suite.sh" ${_line} module "${_toa_arm64_e2e}")
  add_test(NAME kernel-inspect-${_line}
           COMMAND "${_toa_guest_dir}/run-suite.sh" ${_line} inspect
                   "${_toa_arm64_e2e}" "${_toa_arm64_inspect}")
  add_test(NAME kernel-udp-${_line}
           COMMAND "${_toa_guest_dir}/run-suite.sh" ${_line} udp
                   "${_toa_arm64_udp}" "${_toa_arm64_inspect}" "${_toa_arm64_lbsim_udp}")
  add_test(NAME kernel-lifetime-${_line}
           COMMAND "${_toa_guest_dir}/run-suite.sh" ${_line} lifetime
                   "${_toa_arm64_lifetime}" "${_toa_arm64_inspect}")
  set_tests_properties(kernel-module-${_line} kernel-inspect-${_line} kernel-udp-${_line}
                       kernel-lifetime-${_line} PROPERTIES
    FIXTURES_REQUIRED "kernel-${_line};arm64-guest"
    TIMEOUT 1200
    LABELS "${_labels}"
    ENVIRONMENT "${TOA_KERNEL_TEST_ENV}")

  if(EXISTS "${_toa_lbsim_smoke}")
    add_test(NAME lbsim.guest_${_line}
             COMMAND "${CMAKE_CURRENT_LIST_DIR}/vm.sh" --line ${_line} --smp 1
                     --script "${_toa_lbsim_smoke}"
                     --bin "${_toa_arm64_lbsim}" --bin "${_toa_arm64_echo}" --bin "${_toa_arm64_api}"
                     --timeout 900
                     --log "${CMAKE_BINARY_DIR}/vm-logs/lbsim-${_line}.log")
    set_tests_properties(lbsim.guest_${_line} PROPERTIES
      FIXTURES_REQUIRED "kernel-${_line};arm64-guest"
      TIMEOUT 1200
      RUN_SERIAL TRUE
      LABELS "${_labels};lbsim"
      ENVIRONMENT "${TOA_KERNEL_TEST_ENV}")
  endif()

  # The Kubernetes node (kube-proxy's iptables and IPVS paths into pods, the guard).
  add_test(NAME kernel-k8s-${_line}
           COMMAND "${_toa_guest_dir}/run-suite.sh" ${_line} k8s
                   "${_toa_arm64_lbsim}" "${_toa_arm64_echo_static}" "${_toa_arm64_inspect}"
                   "${_toa_arm64_lbsim_udp}" "${_toa_arm64_udp_echo_static}")
  set_tests_properties(kernel-k8s-${_line} PROPERTIES
    FIXTURES_REQUIRED "kernel-${_line};arm64-guest"
    TIMEOUT 900
    LABELS "${_labels}"
    ENVIRONMENT "${TOA_KERNEL_TEST_ENV}")
endforeach()
