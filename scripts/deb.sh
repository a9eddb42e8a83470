#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# deb.sh [--build DIR] [--version V] [--indep] [--no-lintian | --lintian-only]: `make deb`.
# Builds the Debian packages toa-dkms, libtoa0, libtoa-dev and toa-tools with debhelper
# and dh-dkms (debian/) from a copy of the tree (git's tracked and untracked, not ignored,
# files) in <build>/deb/<version>/, then runs lintian on them (any error fails; warnings
# and infos are printed). Prints the directory holding the .debs. --lintian-only: lintian
# on the packages built there before (ctest deb-lintian, after deb-build).
#
# The version is TOA_VERSION_STRING of include/toa/uapi.h, the project's one version
# source: debian/changelog is written from it here, into the copy. --version V builds the
# copy as version V (uapi.h of the copy says V too, so the module reports it): the
# package tests use it for an upgrade to a higher version built from the same tree.
# --indep builds the architecture-independent package only (toa-dkms; no compiling).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
build="$repo/build"
version=""
lint=1
indep=0
build_pkgs=1
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build="$2"; shift 2 ;;
    --version) version="$2"; shift 2 ;;
    --no-lintian) lint=0; shift ;;
    --lintian-only) build_pkgs=0; shift ;;
    --indep) indep=1; shift ;;
    *) echo "usage: deb.sh [--build DIR] [--version V] [--indep] [--no-lintian | --lintian-only]" >&2; exit 2 ;;
  esac
done
mkdir -p "$build"
build="$(cd "$build" && pwd)"

src_version="$(sed -n 's/^#define TOA_VERSION_STRING "\([0-9.]*\)".*/\1/p' "$repo/include/toa/uapi.h")"
[ -n "$src_version" ] || { echo "toa: no TOA_VERSION_STRING in include/toa/uapi.h" >&2; exit 1; }
version="${version:-$src_version}"
case "$version" in
  *[!0-9.]* | "") echo "toa: bad version '$version' (digits and dots)" >&2; exit 2 ;;
esac

out="$build/deb/$version"
src="$out/toa-$version"
if [ "$build_pkgs" = 1 ]; then
  rm -rf "$out"
  mkdir -p "$src"
  (cd "$repo" && git ls-files -z --cached --others --exclude-standard |
    while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
    tar --null -T - -cf -) | tar -xf - -C "$src"
  if [ "$version" != "$src_version" ]; then
    sed -i "s/^#define TOA_VERSION_STRING \"[0-9.]*\"/#define TOA_VERSION_STRING \"$version\"/" \
      "$src/include/toa/uapi.h"
  fi

  # The changelog's date: the last commit's (reproducible builds), or now outside git.
  epoch="$(cd "$repo" && git log -1 --format=%ct 2>/dev/null || date +%s)"
  export SOURCE_DATE_EPOCH="$epoch"
  cat >"$src/debian/changelog" <<CL
toa ($version) unstable; urgency=medium

  * Version $version (TOA_VERSION_STRING in include/toa/uapi.h).

 -- toa developers <toa@packages.invalid>  $(LC_ALL=C date -u -R -d "@$epoch")
CL

  echo "toa: building the Debian packages $version in $out" >&2
  if ! (cd "$src" && DEB_BUILD_OPTIONS="parallel=${TOA_DEB_JOBS:-2} nocheck" \
        nice dpkg-buildpackage "$([ "$indep" = 1 ] && echo -A || echo -b)" -us -uc >"$out/build.log" 2>&1); then
    tail -n 40 "$out/build.log" >&2
    echo "toa: dpkg-buildpackage failed (log: $out/build.log)" >&2
    exit 1
  fi
  ls "$out"/*.deb >&2
fi

if [ "$lint" = 1 ]; then
  changes="$(ls "$out"/toa_"${version}"_*.changes 2>/dev/null | head -n1)"
  [ -n "$changes" ] || { echo "toa: no packages of $version in $out (run deb.sh first)" >&2; exit 1; }
  # --fail-on error: a lintian error fails; warnings are printed (and listed in debian/README).
  if ! lintian --fail-on error --suppress-tags-from-file "$repo/debian/lintian-suppressed" \
       "$changes" >"$out/lintian.txt" 2>"$out/lintian.err"; then
    cat "$out/lintian.txt" "$out/lintian.err" >&2
    echo "toa: lintian reports errors (above)" >&2
    exit 1
  fi
  if [ -s "$out/lintian.txt" ]; then
    echo "toa: lintian (no error):" >&2
    cat "$out/lintian.txt" >&2
  else
    echo "toa: lintian: clean" >&2
  fi
fi
echo "$out"
