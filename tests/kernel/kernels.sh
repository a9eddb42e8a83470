#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Debian distribution kernels for the booted tests, cached outside the work tree.
#
#   kernels.sh [-v] fetch <line>...   download + unpack (instant and silent when cached)
#   kernels.sh kdir <line>            headers build dir (for make -C)
#   kernels.sh vmlinuz <line>         kernel image to boot
#   kernels.sh release <line>         uname -r of that kernel
#   kernels.sh moddir <line>          its unpacked /lib/modules/<release>
#   kernels.sh arch <line>            x86_64 or arm64
#   kernels.sh sysroot <line>         unpacked arm64 userland (busybox, libraries, the k8s tools): arm64 lines
#   kernels.sh lines                  the known lines
#
# Lines: the rows of TOA_LINE_TABLE in lib.sh (suites, arch, compiler, build root). Today
# 5.10 (bullseye + bullseye-security), 6.1 (bookworm + bookworm-security), 6.12
# (bookworm-backports), all amd64; 6.1-arm64 (bookworm + bookworm-security, arm64 image and
# headers, the amd64 linux-kbuild, and an arm64 sysroot: SYSROOT_PKGS below); 6.1-debug (Debian's linux-source-6.1 of
# bookworm + bookworm-security, built here with KASAN, lockdep, atomic-sleep checks and
# kmemleak: see 6.1-debug.config; about 16 minutes on 2 cores, once); Debian 13's
# 6.12-trixie (trixie + trixie-security), 7.3 and 7.3-arm64 (trixie-backports), and sid
# (unstable, for make check-newest). Lines with a build root make it first
# (buildroot.sh ensure: the compilers of every line on that suite) and keep their headers
# unedited in <release>/headers/, to be bound into the root at their /usr/src paths.
# Trixie-era images are split: linux-binary-<rel> (vmlinuz) + linux-modules-<rel>.
# Package versions are resolved through the suites' meta packages
# linux-image-<arch> / linux-headers-<arch> with a private apt configuration (own sources
# list, lists and cache dirs): the machine's apt state is never touched.
# Cache: ${TOA_CACHE:-$HOME/.cache/toa}/kernels/<line>/. TOA_REFRESH=1 re-resolves the
# versions and downloads (or rebuilds) only when they moved. 6.1-debug also rebuilds
# (incrementally) when 6.1-debug.config changed. Env for the build: TOA_KBUILD_JOBS
# (make -j, default: the number of CPUs), TOA_KBUILD_NICE (nice level, default 10).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg

# The arm64 guest userland (the sysroot of a line whose userland is "own"), :arm64
# packages. kernel.env records the list (sysroot_pkgs=): a changed list fetches the
# sysroot again, once, and nothing else.
SYSROOT_PKGS=(
  # busybox, the C and C++ runtime, and what cross builds link against (libmnl)
  busybox-static libc6 libstdc++6 libgcc-s1 libmnl0 libmnl-dev
  # The Kubernetes node suite (tests/guest/k8s-vm-args.sh): Debian's ip, iptables (nft,
  # and its extensions in usr/lib/aarch64-linux-gnu/xtables), ipvsadm, nginx and
  # haproxy, each followed by the libraries it and its extensions need (DT_NEEDED,
  # recursively; vm.sh names a missing one)
  iproute2 libbpf1 libelf1 zlib1g libbsd0 libmd0 libcap2
  iptables libxtables12 libnftnl11 libnetfilter-conntrack3 libnfnetlink0
  ipvsadm libnl-3-200 libnl-genl-3-200 libpopt0
  nginx libcrypt1 libpcre2-8-0 libssl3
  haproxy liblua5.3-0 libopentracing-c-wrapper0 libopentracing1 libsystemd0 libgcrypt20
  libgpg-error0 liblz4-1 liblzma5 libzstd1
)

usage() {
  sed -n '3,12s/^# \{0,1\}//p' "$0" >&2
  exit 2
}

# Suites of a line: "<archive> <suite>" pairs (the table's suites column).
line_suites() {
  local s
  for s in $(toa_line_field "$1" suites | tr , ' '); do
    case "$s" in
      *-security) echo "debian-security $s" ;;
      *) echo "debian $s" ;;
    esac
  done
}

# apt with the line's private configuration; APT_DIR must be set.
papt() {
  local tool="$1"
  shift
  "$tool" -q \
    -o Dir::Etc::SourceList="$APT_DIR/sources.list" \
    -o Dir::Etc::SourceParts=/dev/null \
    -o Dir::Etc::Preferences=/dev/null \
    -o Dir::Etc::PreferencesParts=/dev/null \
    -o Dir::State::Lists="$APT_DIR/lists" \
    -o Dir::State::Status="$APT_DIR/status" \
    -o Dir::Cache="$APT_DIR/cache" \
    -o APT::Architecture=amd64 -o APT::Architectures="amd64${PAPT_FOREIGN:+,$PAPT_FOREIGN}" \
    -o Acquire::Languages=none \
    -o APT::Sandbox::User=root \
    "$@"
}

# Field of a package's candidate version.
pkg_field() {
  papt apt-cache show --no-all-versions "$1" 2>/dev/null | sed -n "s/^$2: //p" | head -n1
}

# Package names in a package's Depends that match an extended regex.
pkg_deps_matching() {
  pkg_field "$1" Depends | tr ',|' '\n\n' | sed 's/^ *//; s/ .*//' | grep -E "$2" || true
}

# Runs a command quietly; on failure prints its output and a one-line reason.
quiet_or_die() {
  local what="$1" out
  shift
  if ! out="$("$@" 2>&1)"; then
    echo "$out" >&2
    toa_die "$what"
  fi
}

# Sets up the line's private apt configuration (APT_DIR, PAPT_FOREIGN) and reads the lists.
apt_setup() {
  local line="$1" cache="$2" archive suite opts
  APT_DIR="$cache/apt"
  PAPT_FOREIGN=""
  opts="signed-by=$KEYRING"
  if [ "$(toa_line_arch "$line")" = arm64 ]; then
    PAPT_FOREIGN=arm64
    opts="arch=amd64,arm64 $opts"
  fi
  mkdir -p "$APT_DIR/lists/partial" "$APT_DIR/cache/archives/partial" "$APT_DIR/debs"
  : >"$APT_DIR/status"
  line_suites "$line" | while read -r archive suite; do
    echo "deb [$opts] $(debian_uri "$archive") $suite main"
  done >"$APT_DIR/sources.list"

  toa_info "kernel $line: reading the package lists ($(awk '{print $(NF-1)}' "$APT_DIR/sources.list" | xargs))"
  local out err
  out="$(papt apt-get update 2>&1)" || true
  err="$(grep -E -A1 '^(Err:|E:|W: Failed to fetch)' <<<"$out" | head -n2 | sed 's/^ *//' | tr '\n' ' ' || true)"
  [ -z "$err" ] || toa_die "kernel $line: cannot fetch: apt-get update failed: $err"
}

# pkg_versions <line> <pkg>...: prints "<pkg>=<candidate version>" each; dies on a missing one.
pkg_versions() {
  local line="$1" p v
  shift
  for p in "$@"; do
    v="$(pkg_field "$p" Version)"
    [ -n "$v" ] || toa_die "kernel $line: cannot fetch: no package $p in $(awk '{print $(NF-1)}' "$APT_DIR/sources.list" | xargs)"
    echo "$p=$v"
  done
}

# The kernel.env fields of a ready line, or nothing.
ready_field() {
  [ -e "$1/ready" ] && sed -n "s/^$2=//p" "$1/kernel.env"
  return 0
}

# Removes what older releases of the line left in the cache (all but the named entries).
prune_cache() {
  local cache="$1" d keep
  shift
  for d in "$cache"/*/; do
    d="${d%/}"
    for keep in apt "$@"; do
      [ "${d##*/}" = "$keep" ] && continue 2
    done
    rm -rf "$d"
  done
  [ -z "${APT_DIR:-}" ] || rm -f "$APT_DIR/debs/"*.deb
}

write_env() {  # <cache> <key=value>...
  local cache="$1"
  shift
  printf '%s\n' "$@" "fetched=$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$cache/kernel.env.new"
  mv "$cache/kernel.env.new" "$cache/kernel.env"
  touch "$cache/ready"
}

update_env() {  # <cache> <key=value>...: kernel.env with these keys set, the others kept
  local cache="$1" kv keep=()
  shift
  mapfile -t keep < <(grep -v '^fetched=' "$cache/kernel.env")
  for kv in "$@"; do
    mapfile -t keep < <(printf '%s\n' "${keep[@]}" | grep -v "^${kv%%=*}=" || true)
  done
  write_env "$cache" "${keep[@]}" "$@"
}

# The sysroot's package list as kernel.env records it.
sysroot_names() {
  echo "${SYSROOT_PKGS[*]}"
}

# fetch_sysroot <line> <cache> <pkg=version>...: downloads and unpacks the arm64
# userland into <cache>/sysroot, replacing the old one only when the new one is whole
# (guests and cross builds of other runs may be reading it).
fetch_sysroot() {
  local line="$1" cache="$2" deb new="$2/sysroot.new"
  shift 2
  mkdir -p "$APT_DIR/debs/sysroot"
  rm -f "$APT_DIR/debs/sysroot/"*.deb
  quiet_or_die "kernel $line: cannot fetch: apt-get download of $* failed" \
    download_debs "$APT_DIR/debs/sysroot" "$@"
  rm -rf "$new"
  mkdir -p "$new"
  for deb in "$APT_DIR/debs/sysroot/"*.deb; do
    dpkg -x "$deb" "$new"
  done
  rm -f "$APT_DIR/debs/sysroot/"*.deb
  [ -x "$new/bin/busybox" ] || toa_die "kernel $line: busybox-static:arm64 has no bin/busybox"
  [ -e "$new/lib/ld-linux-aarch64.so.1" ] || toa_die "kernel $line: libc6:arm64 has no lib/ld-linux-aarch64.so.1"
  rm -rf "$cache/sysroot.old"
  [ ! -e "$cache/sysroot" ] || mv "$cache/sysroot" "$cache/sysroot.old"
  mv "$new" "$cache/sysroot"
  rm -rf "$cache/sysroot.old"
}

fetch_line() {
  local line="$1" cache
  toa_check_line "$line"
  toa_need_cmd apt-get apt
  toa_need_cmd dpkg dpkg
  toa_need_cmd flock util-linux
  toa_need_cmd depmod kmod
  cache="$(toa_kernel_cache "$line")"
  mkdir -p "$cache"

  exec 9>"$cache/lock"
  if ! flock -n 9; then
    toa_info "kernel $line: waiting for another fetch"
    flock 9
  fi
  if [ "$(toa_line_kind "$line")" = source ]; then
    fetch_source_line "$line" "$cache"
  else
    fetch_deb_line "$line" "$cache"
  fi
}

# A line of Debian's binary kernel packages (amd64, or arm64 with its sysroot).
fetch_deb_line() {
  local line="$1" cache="$2" arch qual="" userland broot
  broot="$(toa_line_root "$line")"
  userland="$(toa_line_field "$line" userland)"
  # A line that borrows another's guest userland (an arm64 sysroot) fetches that first
  # (instant when it is current).
  case "$userland" in
    host | own) ;;
    *) "$TOA_KTEST_DIR/kernels.sh" fetch "$userland" ;;
  esac
  # Cached, and so is its build root (if it has one) and its sysroot (if it has one:
  # of today's package list).
  if [ -e "$cache/ready" ] && [ "${TOA_REFRESH:-0}" != 1 ] &&
    { [ -z "$broot" ] || [ -e "$(toa_root_dir "$broot")/ready" ]; } &&
    { [ "$userland" != own ] || [ "$(ready_field "$cache" sysroot_pkgs)" = "$(sysroot_names)" ]; }; then
    toa_debug "kernel $line: cached, $(sed -n 's/^release=//p' "$cache/kernel.env") in $cache"
    return 0
  fi
  arch=amd64
  if [ "$(toa_line_arch "$line")" = arm64 ]; then
    arch=arm64 qual=:arm64
  fi

  local t0=$SECONDS
  apt_setup "$line" "$cache"

  # Resolve through the meta packages.
  local img_meta hdr_meta rel image hdr common kbuild
  img_meta="$(pkg_deps_matching "linux-image-$arch$qual" '^linux-image-')"
  hdr_meta="$(pkg_deps_matching "linux-headers-$arch$qual" '^linux-headers-')"
  [ -n "$img_meta" ] && [ -n "$hdr_meta" ] ||
    toa_die "kernel $line: cannot fetch: no linux-image-$arch/linux-headers-$arch in $(awk '{print $(NF-1)}' "$APT_DIR/sources.list" | xargs)"
  rel="${img_meta#linux-image-}"
  rel="${rel%-unsigned}"
  [ "$hdr_meta" = "linux-headers-$rel" ] ||
    toa_die "kernel $line: cannot fetch: image $img_meta and headers $hdr_meta disagree"
  # The unsigned image when the archive has it (same kernel, no Secure Boot signature).
  image="linux-image-$rel-unsigned$qual"
  [ -n "$(pkg_field "$image" Version)" ] || image="$img_meta$qual"
  # Trixie-era kernels split the image: linux-image-<rel> only depends on
  # linux-binary-<rel> (vmlinuz) and linux-modules-<rel>; those two are what we need.
  local parts=() p
  mapfile -t parts < <(pkg_deps_matching "$image" "^linux-(binary|modules)-${rel//+/\\+}\$")
  hdr="$hdr_meta$qual"
  common="$(pkg_deps_matching "$hdr" '^linux-headers-.*-common(-rt)?$')"
  # The kbuild tools run on this machine: always the amd64 package.
  kbuild="$(pkg_deps_matching "$hdr" '^linux-kbuild-')"
  [ -n "$common" ] && [ -n "$kbuild" ] ||
    toa_die "kernel $line: cannot fetch: $hdr names no -common headers or linux-kbuild"
  [ -z "$qual" ] || kbuild="${kbuild%%:*}:amd64"

  # The compiler Debian's headers ask for (gcc-N-for-host), against the table's.
  local cc host_gcc want_ver
  cc="$(toa_line_field "$line" cc)"
  host_gcc="$(pkg_deps_matching "$hdr" '^gcc-[0-9]+-for-host' | head -n1)"
  host_gcc="${host_gcc%%:*}"
  if [ "$cc" = auto ]; then
    [ -n "$host_gcc" ] || toa_die "kernel $line: cc is auto, but $hdr names no gcc-N-for-host"
    want_ver="${host_gcc#gcc-}"
    want_ver="${want_ver%-for-host}"
    cc="gcc-$want_ver"
    [ "$arch" = amd64 ] || cc="aarch64-linux-gnu-gcc-$want_ver"
  elif [ -n "$broot" ] && [ -n "$host_gcc" ] && [[ "$cc" =~ gcc-([0-9]+)$ ]] &&
    [ "$host_gcc" != "gcc-${BASH_REMATCH[1]}-for-host" ]; then
    toa_die "kernel $line: the table builds its modules with $cc, but $hdr asks for $host_gcc: change the line's cc in tests/kernel/lib.sh"
  fi

  local pkgs versions=() sysroot_pkgs=() sysroot_versions=()
  if [ ${#parts[@]} -gt 0 ]; then
    pkgs=()
    for p in "${parts[@]}"; do pkgs+=("${p%%:*}$qual"); done
  else
    pkgs=("$image")
  fi
  pkgs+=("$hdr" "$common" "$kbuild")
  mapfile -t versions < <(pkg_versions "$line" "${pkgs[@]}") || exit 1
  [ ${#versions[@]} = ${#pkgs[@]} ] || exit 1
  if [ "$userland" = own ]; then
    # The guest's userland and what cross builds link against.
    sysroot_pkgs=("${SYSROOT_PKGS[@]/%/:arm64}")
    mapfile -t sysroot_versions < <(pkg_versions "$line" "${sysroot_pkgs[@]}") || exit 1
    [ ${#sysroot_versions[@]} = ${#sysroot_pkgs[@]} ] || exit 1
  fi
  # The build root, made (or completed) before anything is downloaded: it holds the
  # compilers of every line of the table that uses it (one root per suite).
  local root_pkgs=() l c
  if [ -n "$broot" ]; then
    for l in "${TOA_LINES[@]}"; do
      [ "$(toa_line_root "$l")" = "$broot" ] || continue
      c="$(toa_line_field "$l" cc)"
      [ "$l" != "$line" ] || c="$cc"
      [ "$c" != auto ] || continue
      root_pkgs+=("$(toa_cc_package "$c")")
    done
    "$TOA_KTEST_DIR/buildroot.sh" ensure "$broot" "${root_pkgs[@]}" >/dev/null
  fi

  local all=("${versions[@]}" "${sysroot_versions[@]}") old_pkgs sysroot_env=()
  [ "$userland" != own ] || sysroot_env=("sysroot_pkgs=$(sysroot_names)")
  old_pkgs="$(ready_field "$cache" packages)"
  if [ "$old_pkgs" = "${all[*]}" ]; then
    [ ${#sysroot_env[@]} = 0 ] || update_env "$cache" "${sysroot_env[@]}"
    toa_info "kernel $line: $rel is current"
    return 0
  fi
  # The kernel is current, only the sysroot is not (its package list changed, or a
  # version moved): the kernel's tree stays as it is.
  if [ ${#sysroot_versions[@]} -gt 0 ] && [ -d "$cache/$rel" ] &&
    [ "${old_pkgs#"${versions[*]} "}" != "$old_pkgs" ]; then
    toa_info "kernel $line: $rel is current; downloading the sysroot: ${sysroot_versions[*]}"
    fetch_sysroot "$line" "$cache" "${sysroot_versions[@]}"
    update_env "$cache" "packages=${all[*]}" "${sysroot_env[@]}"
    toa_info "kernel $line: sysroot ready in $((SECONDS - t0)) s ($cache/sysroot)"
    return 0
  fi

  toa_info "kernel $line: downloading ${all[*]}"
  [ -z "${APT_DIR:-}" ] || rm -f "$APT_DIR/debs/"*.deb
  quiet_or_die "kernel $line: cannot fetch: apt-get download of ${versions[*]} failed" \
    download_debs "$APT_DIR/debs" "${versions[@]}"

  toa_info "kernel $line: unpacking"
  local root="$cache/$rel" deb hroot
  rm -rf "$root" "$cache/ready"
  mkdir -p "$root"
  # Lines with a build root keep the headers apart (headers/), at their own /usr/src
  # paths: they are bound into the build root as they are, unedited.
  hroot="$root"
  [ -z "$broot" ] || hroot="$root/headers"
  mkdir -p "$hroot"
  for deb in "$APT_DIR/debs/"*.deb; do
    case "${deb##*/}" in
      linux-headers-* | linux-kbuild-*) dpkg -x "$deb" "$hroot" ;;
      *) dpkg -x "$deb" "$root" ;;
    esac
  done
  # Trees that moved to /usr/lib/modules: keep /lib/modules working for depmod and us.
  if [ ! -d "$root/lib/modules/$rel" ] && [ -d "$root/usr/lib/modules/$rel" ]; then
    mkdir -p "$root/lib"
    ln -sfn ../usr/lib/modules "$root/lib/modules"
  fi
  local vmlinuz=""
  if [ ! -f "$root/boot/vmlinuz-$rel" ]; then
    [ -f "$root/usr/lib/modules/$rel/vmlinuz" ] ||
      toa_die "kernel $line: ${pkgs[0]} has neither boot/vmlinuz-$rel nor usr/lib/modules/$rel/vmlinuz"
    vmlinuz="$rel/usr/lib/modules/$rel/vmlinuz"
  fi
  local kdir="$hroot/usr/src/linux-headers-$rel"
  [ -f "$kdir/Makefile" ] || toa_die "kernel $line: $hdr has no usr/src/linux-headers-$rel/Makefile"
  local fixdep_out
  if [ -z "$broot" ]; then
    # The headers' Makefile includes the -common tree by an absolute /usr/src path (and
    # trixie-era ones also set KBUILD_OUTPUT to one).
    sed -i "s|^include /usr/src/|include $root/usr/src/|; s|^KBUILD_OUTPUT=/usr/src/|KBUILD_OUTPUT=$root/usr/src/|" "$kdir/Makefile"
    grep -q "^include $root/usr/src/" "$kdir/Makefile" ||
      toa_die "kernel $line: no absolute include of the -common headers in $kdir/Makefile to rewrite"
    fixdep_out="$("$kdir/scripts/basic/fixdep" 2>&1 || true)"
  else
    local binds=()
    mapfile -t binds < <(toa_root_binds "$hroot")
    fixdep_out="$("$TOA_KTEST_DIR/buildroot.sh" run "$broot" "${binds[@]}" -- \
      "/usr/src/linux-headers-$rel/scripts/basic/fixdep" 2>&1 || true)"
  fi
  grep -qi usage <<<"$fixdep_out" ||
    toa_die "kernel $line: the kbuild tools of $kbuild do not run${broot:+ in the $broot build root} (scripts/basic/fixdep: $(head -c 300 <<<"$fixdep_out"))"
  # The image package ships no modules.dep (its postinst runs depmod).
  quiet_or_die "kernel $line: depmod failed" depmod -b "$root" "$rel"

  local env=("line=$line" "release=$rel" "arch=$(toa_line_arch "$line")" "image_pkg=$image" "cc=$cc")
  [ -z "$vmlinuz" ] || env+=("vmlinuz=$vmlinuz")
  [ -z "$broot" ] || env+=("root=$broot" "kdir=$rel/headers/usr/src/linux-headers-$rel")
  if [ ${#sysroot_versions[@]} -gt 0 ]; then
    toa_info "kernel $line: downloading the sysroot"
    fetch_sysroot "$line" "$cache" "${sysroot_versions[@]}"
    env+=("sysroot=sysroot" "busybox=sysroot/bin/busybox")
  fi
  write_env "$cache" "${env[@]}" "packages=${all[*]}" "${sysroot_env[@]}"
  # Older releases of this line and the downloaded archives are no longer needed.
  prune_cache "$cache" "$rel" sysroot
  toa_info "kernel $line: $rel ready in $((SECONDS - t0)) s ($cache)"
}

# A kernel built here from Debian's linux-source package (6.1-debug).
fetch_source_line() {
  local line="$1" cache="$2" frag sha
  frag="$TOA_KTEST_DIR/$line.config"
  [ -f "$frag" ] || toa_die "kernel $line: no configuration fragment $frag"
  sha="$(sha256sum "$frag" | cut -c1-16)"
  if [ -e "$cache/ready" ] && [ "${TOA_REFRESH:-0}" != 1 ] && [ "$(ready_field "$cache" config)" = "$sha" ]; then
    toa_debug "kernel $line: cached, $(sed -n 's/^release=//p' "$cache/kernel.env") in $cache"
    return 0
  fi
  local cc jobs
  cc="$(toa_kernel_cc "$line")"
  toa_need_cmd "$cc" gcc-12
  toa_need_cmd make make
  toa_need_cmd flex flex
  toa_need_cmd bison bison
  toa_need_cmd bc bc
  toa_need_cmd xz xz-utils
  toa_need_cmd perl perl-base
  [ -e /usr/include/gelf.h ] || toa_die "kernel $line: no <gelf.h> (install the Debian package libelf-dev)"
  [ -e /usr/include/openssl/ssl.h ] || toa_die "kernel $line: no <openssl/ssl.h> (install the Debian package libssl-dev)"
  jobs="${TOA_KBUILD_JOBS:-$(nproc)}"

  local t0=$SECONDS pkg ver
  pkg="linux-source-${line%%-*}"
  if [ -e "$cache/ready" ] && [ "${TOA_REFRESH:-0}" != 1 ]; then
    # Only the configuration changed: same source, incremental rebuild.
    ver="$(ready_field "$cache" packages)"
    ver="${ver#*=}"
  else
    apt_setup "$line" "$cache"
    ver="$(pkg_versions "$line" "$pkg")" || exit 1
    ver="${ver#*=}"
    if [ "$(ready_field "$cache" packages)" = "$pkg=$ver" ] && [ "$(ready_field "$cache" config)" = "$sha" ]; then
      toa_info "kernel $line: $pkg $ver is current"
      return 0
    fi
  fi

  local top="$cache/$ver"
  local src="$top/linux-source-${line%%-*}" build="$top/build" root="$top/root" log="$cache/build.log"
  rm -f "$cache/ready"
  if [ ! -e "$top/.unpacked" ]; then
    toa_info "kernel $line: downloading $pkg=$ver"
    rm -rf "$top" "$APT_DIR/debs/"*.deb
    quiet_or_die "kernel $line: cannot fetch: apt-get download of $pkg=$ver failed" \
      download_debs "$APT_DIR/debs" "$pkg=$ver"
    toa_info "kernel $line: unpacking the source"
    mkdir -p "$top/deb"
    dpkg -x "$APT_DIR/debs/"*.deb "$top/deb"
    local tarball="$top/deb/usr/src/$pkg.tar.xz"
    [ -f "$tarball" ] || toa_die "kernel $line: $pkg=$ver has no usr/src/$pkg.tar.xz"
    tar -xf "$tarball" -C "$top"
    rm -rf "$top/deb" "$APT_DIR/debs/"*.deb
    [ -f "$src/Makefile" ] || toa_die "kernel $line: $pkg.tar.xz has no $pkg/Makefile"
    touch "$top/.unpacked"
  fi

  local mk=(nice -n "${TOA_KBUILD_NICE:-10}" make -C "$src" O="$build" CC="$cc" HOSTCC="$cc")
  toa_info "kernel $line: configuring (defconfig kvm_guest.config + $frag)"
  mkdir -p "$build"
  cp "$frag" "$src/kernel/configs/toa-debug.config"
  quiet_or_die "kernel $line: configuration failed" "${mk[@]}" defconfig kvm_guest.config toa-debug.config
  check_config "$line" "$frag" "$build/.config"

  toa_info "kernel $line: building $pkg $ver with -j$jobs (about 16 min on 2 idle cores; log: $log)"
  if ! "${mk[@]}" -j"$jobs" bzImage modules >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    toa_die "kernel $line: the kernel build failed (log: $log)"
  fi
  local rel
  rel="$("${mk[@]}" -s kernelrelease 2>/dev/null | tail -n1)"
  [ -n "$rel" ] || toa_die "kernel $line: make kernelrelease printed nothing"
  rm -rf "$root"
  quiet_or_die "kernel $line: modules_install failed" \
    "${mk[@]}" INSTALL_MOD_PATH="$root" DEPMOD=depmod modules_install
  [ -f "$root/lib/modules/$rel/modules.dep" ] || toa_die "kernel $line: modules_install made no modules.dep"
  [ -f "$build/arch/x86/boot/bzImage" ] || toa_die "kernel $line: no arch/x86/boot/bzImage"
  [ -f "$build/Module.symvers" ] || toa_die "kernel $line: no Module.symvers"

  write_env "$cache" "line=$line" "release=$rel" "arch=x86_64" "packages=$pkg=$ver" "config=$sha" \
    "kdir=$ver/build" "vmlinuz=$ver/build/arch/x86/boot/bzImage" "moddir=$ver/root/lib/modules/$rel"
  prune_cache "$cache" "$ver"
  toa_info "kernel $line: $rel ready in $((SECONDS - t0)) s ($cache)"
}

# check_config <line> <fragment> <.config>: every option of the fragment has its value.
check_config() {
  local line="$1" frag="$2" config="$3" opt want have bad=()
  while IFS='=' read -r opt want; do
    have="$(grep -E "^$opt=" "$config" | cut -d= -f2- || true)"
    if [ "$want" = n ]; then
      [ -z "$have" ] || [ "$have" = n ] || bad+=("$opt=$have (wanted: not set)")
    else
      [ "$have" = "$want" ] || bad+=("$opt=${have:-<not set>} (wanted $want)")
    fi
  done < <(grep -E '^CONFIG_[A-Z0-9_]+=' "$frag")
  [ ${#bad[@]} -eq 0 ] || toa_die "kernel $line: the configuration does not have: ${bad[*]} (see $config)"
}

# Runs in quiet_or_die's subshell: the cd does not leak.
download_debs() {  # <dir> <pkg=version>...
  cd "$1" && shift && papt apt-get download "$@"
}

[ $# -ge 1 ] || usage
if [ "$1" = -v ]; then
  TOA_VERBOSE=1
  shift
fi
[ $# -ge 1 ] || usage
cmd="$1"
shift
case "$cmd" in
  lines)
    echo "${TOA_LINES[*]}"
    ;;
  fetch)
    [ $# -ge 1 ] || usage
    for l in "$@"; do
      # A subshell each, so each line's lock is released when it is done.
      (fetch_line "$l")
    done
    ;;
  kdir | vmlinuz | release | moddir | arch | sysroot)
    [ $# -eq 1 ] || usage
    toa_check_line "$1"
    case "$cmd" in
      kdir) toa_kernel_kdir "$1" ;;
      vmlinuz) toa_kernel_vmlinuz "$1" ;;
      release) toa_kernel_field "$1" release ;;
      moddir) toa_kernel_moddir "$1" ;;
      arch) toa_line_arch "$1" ;;
      sysroot) toa_kernel_sysroot "$1" ;;
    esac
    ;;
  *) usage ;;
esac
