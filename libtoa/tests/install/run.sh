#!/bin/sh
# SPDX-License-Identifier: MIT
# Installs libtoa (component "libtoa") from a configured and built tree into a temporary
# prefix, then builds and runs consumers against the installed copy only:
#   - a CMake project: find_package(toa 0.1 REQUIRED), toa::toa (C++) and toa::toa_static
#     (C++ and C)
#   - pkg-config: a C program (shared), a C++ program (shared), a C program linked -static
# Each consumer makes a loopback connection and checks what libtoa says about it.
set -eu

cmake=cmake build= src= cc=cc cxx=c++ pkgconfig= version= soversion=
while [ $# -gt 0 ]; do
	case "$1" in
	--cmake) cmake=$2; shift 2 ;;
	--build) build=$2; shift 2 ;;
	--src) src=$2; shift 2 ;;
	--cc) cc=$2; shift 2 ;;
	--cxx) cxx=$2; shift 2 ;;
	--pkg-config) pkgconfig=$2; shift 2 ;;
	--version) version=$2; shift 2 ;;
	--soversion) soversion=$2; shift 2 ;;
	*) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/libtoa-install.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
prefix=$tmp/prefix

step() { echo "== $*"; }
fail() { echo "FAIL: $*" >&2; exit 1; }

step "install into $prefix"
"$cmake" --install "$build" --prefix "$prefix" --component libtoa

pc=$(find "$prefix" -name toa.pc -path '*/pkgconfig/*' | head -n1)
cfg=$(find "$prefix" -name toaConfig.cmake | head -n1)
[ -n "$pc" ] || fail "toa.pc not installed"
[ -n "$cfg" ] || fail "toaConfig.cmake not installed"
libdir=$(dirname "$(dirname "$pc")")
for f in include/toa/toa.h include/toa/toa.hpp include/toa/uapi.h include/toa/proxy.h \
	include/toa/spp.h include/toa/http.h include/toa/policy.h include/toa/carriers.hpp; do
	[ -f "$prefix/$f" ] || fail "$f not installed"
done
for f in libtoa.a libtoa.so "libtoa.so.$soversion" "libtoa.so.$version"; do
	[ -e "$libdir/$f" ] || fail "$libdir/$f not installed"
done
[ -f "$(dirname "$cfg")/toaConfigVersion.cmake" ] || fail "toaConfigVersion.cmake not installed"
soname=$(LC_ALL=C readelf -d "$libdir/libtoa.so" 2>/dev/null | sed -n 's/.*SONAME.*\[\(.*\)\]/\1/p')
[ "$soname" = "libtoa.so.$soversion" ] || fail "SONAME is '$soname', want libtoa.so.$soversion"
echo "installed: $(cd "$prefix" && find . -type f -o -type l | sort | tr '\n' ' ')"

step "CMake consumer: find_package(toa)"
"$cmake" -S "$src/cmake-consumer" -B "$tmp/cmake-build" \
	-DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_C_COMPILER="$cc" -DCMAKE_CXX_COMPILER="$cxx" \
	-DEXPECTED_VERSION="$version" >"$tmp/cmake-configure.log" 2>&1 ||
	{ cat "$tmp/cmake-configure.log"; fail "consumer configure"; }
"$cmake" --build "$tmp/cmake-build" >"$tmp/cmake-build.log" 2>&1 ||
	{ cat "$tmp/cmake-build.log"; fail "consumer build"; }
for exe in consumer_cxx_shared consumer_cxx_static consumer_c_static; do
	"$tmp/cmake-build/$exe" || fail "$exe"
done
# The shared consumer uses the installed libtoa.so, the static ones no libtoa.so.
ldd "$tmp/cmake-build/consumer_cxx_shared" | grep -q "$libdir/libtoa.so.$soversion" ||
	{ ldd "$tmp/cmake-build/consumer_cxx_shared"; fail "consumer_cxx_shared does not load the installed libtoa"; }
if ldd "$tmp/cmake-build/consumer_c_static" | grep -q libtoa; then
	fail "consumer_c_static depends on libtoa.so"
fi

if [ -z "$pkgconfig" ] || ! command -v "$pkgconfig" >/dev/null 2>&1; then
	echo "SKIP: no pkg-config"
	exit 77
fi
step "pkg-config consumer"
PKG_CONFIG_PATH=$(dirname "$pc")
export PKG_CONFIG_PATH
unset PKG_CONFIG_LIBDIR PKG_CONFIG_SYSROOT_DIR || true
got=$("$pkgconfig" --modversion toa)
[ "$got" = "$version" ] || fail "pkg-config --modversion toa = '$got', want $version"
cflags=$("$pkgconfig" --cflags toa)
libs=$("$pkgconfig" --libs toa)
echo "cflags: $cflags"
echo "libs:   $libs"
case "$cflags" in *"$prefix/include"*) ;; *) fail "Cflags do not point into the prefix" ;; esac
# shellcheck disable=SC2086
"$cc" -std=c99 -Wall -Werror -o "$tmp/pc_c" "$src/consumer.c" $cflags $libs
LD_LIBRARY_PATH=$libdir "$tmp/pc_c" || fail "pkg-config C consumer"
# shellcheck disable=SC2086
"$cxx" -std=c++17 -Wall -Werror -o "$tmp/pc_cxx" "$src/consumer.cpp" $cflags $libs
LD_LIBRARY_PATH=$libdir "$tmp/pc_cxx" || fail "pkg-config C++ consumer"
# shellcheck disable=SC2086
"$cc" -std=c99 -static -o "$tmp/pc_c_static" "$src/consumer.c" $cflags \
	$("$pkgconfig" --libs --static toa) 2>"$tmp/static.log" ||
	{ cat "$tmp/static.log"; fail "static link"; }
env -u LD_LIBRARY_PATH "$tmp/pc_c_static" || fail "pkg-config static C consumer"
echo "PASS"
