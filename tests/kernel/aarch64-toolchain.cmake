# SPDX-License-Identifier: MIT
# CMake toolchain file: cross builds for arm64 with Debian's aarch64 toolchain
# (gcc-aarch64-linux-gnu, g++-aarch64-linux-gnu) and the arm64 sysroot that
# `tests/kernel/kernels.sh fetch 6.1-arm64` unpacks into the cache (libc6, libstdc++6,
# libgcc-s1, libmnl0, libmnl-dev, busybox-static of Debian's arm64 archive).
#
#   cmake -S . -B build-arm64 -DCMAKE_TOOLCHAIN_FILE=tests/kernel/aarch64-toolchain.cmake
#
# The sysroot: -DTOA_ARM64_SYSROOT=..., else $TOA_ARM64_SYSROOT, else
# ${TOA_CACHE:-$HOME/.cache/toa}/kernels/6.1-arm64/sysroot. It is not passed as
# CMAKE_SYSROOT: the compilers keep their own libc (/usr/aarch64-linux-gnu, with the
# static libc.a and libstdc++.a that guest programs link); the sysroot adds the arm64
# libraries Debian's cross toolchain lacks (libmnl), found through find_library/find_path
# and pkg-config. Programs linked dynamically against them run in the arm64 guest, where
# tests/kernel/vm.sh copies their libraries from the same sysroot.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)

if(NOT TOA_ARM64_SYSROOT)
  if(DEFINED ENV{TOA_ARM64_SYSROOT})
    set(TOA_ARM64_SYSROOT "$ENV{TOA_ARM64_SYSROOT}")
  elseif(DEFINED ENV{TOA_CACHE})
    set(TOA_ARM64_SYSROOT "$ENV{TOA_CACHE}/kernels/6.1-arm64/sysroot")
  else()
    set(TOA_ARM64_SYSROOT "$ENV{HOME}/.cache/toa/kernels/6.1-arm64/sysroot")
  endif()
endif()
if(NOT EXISTS "${TOA_ARM64_SYSROOT}/usr/include/libmnl/libmnl.h")
  get_filename_component(_toa_kernels_sh "${CMAKE_CURRENT_LIST_DIR}/kernels.sh" ABSOLUTE)
  message(FATAL_ERROR "aarch64-toolchain.cmake: no arm64 sysroot at ${TOA_ARM64_SYSROOT} "
                      "(run: ${_toa_kernels_sh} fetch 6.1-arm64)")
endif()
# try_compile projects see it too.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES TOA_ARM64_SYSROOT)

# Libraries, headers and packages: only the arm64 trees; programs: the host's.
set(CMAKE_FIND_ROOT_PATH "${TOA_ARM64_SYSROOT}" /usr/aarch64-linux-gnu)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# pkg-config answers from the sysroot's .pc files, with paths inside the sysroot.
set(ENV{PKG_CONFIG_LIBDIR} "${TOA_ARM64_SYSROOT}/usr/lib/aarch64-linux-gnu/pkgconfig:${TOA_ARM64_SYSROOT}/usr/share/pkgconfig")
set(ENV{PKG_CONFIG_PATH} "")
set(ENV{PKG_CONFIG_SYSROOT_DIR} "${TOA_ARM64_SYSROOT}")

# The sysroot's shared libraries name libc & co. as their own dependencies.
string(APPEND CMAKE_EXE_LINKER_FLAGS_INIT
  " -Wl,-rpath-link,${TOA_ARM64_SYSROOT}/lib/aarch64-linux-gnu"
  " -Wl,-rpath-link,${TOA_ARM64_SYSROOT}/usr/lib/aarch64-linux-gnu")
string(APPEND CMAKE_SHARED_LINKER_FLAGS_INIT
  " -Wl,-rpath-link,${TOA_ARM64_SYSROOT}/lib/aarch64-linux-gnu"
  " -Wl,-rpath-link,${TOA_ARM64_SYSROOT}/usr/lib/aarch64-linux-gnu")
