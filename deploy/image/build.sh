#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# build.sh [--build DIR] [--debs DIR]: the DaemonSet's image toa-agent:<version>, made
# here without any registry: a Debian 13 root by mmdebstrap (minbase: busybox for the
# metrics server, kmod, make, gcc-14, libc6-dev, libelf1t64 and dwarves for a build
# against a Debian 13 kernel's headers, and the project's toa-tools and libtoa0 .debs of
# `make deb`: toa-inspect, toa-agent, installed with dpkg), the module's sources in
# /usr/share/toa-agent/src, the metrics CGI; turned into an OCI image with umoci
# (init, new, insert, config): no daemon, no storage setup, no registry. Writes the OCI
# layout <build>/image/oci (tag <version>) and <build>/image/toa-agent-<version>.oci.tar
# (for `ctr -n k8s.io images import` or `podman load`), prints the tar's path.
# Needs root (mmdebstrap's root mode) and mmdebstrap, umoci.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
. "$repo/tests/kernel/lib.sh"
build="$repo/build" debs=""
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build="$2"; shift 2 ;;
    --debs) debs="$2"; shift 2 ;;
    *) sed -n '3p' "$0" >&2; exit 2 ;;
  esac
done
toa_need_cmd mmdebstrap mmdebstrap
toa_need_cmd umoci umoci
[ "$(id -u)" = 0 ] || toa_die "image: needs root (mmdebstrap --mode=root)"
mkdir -p "$build"
build="$(cd "$build" && pwd)"
v="$(sed -n 's/^#define TOA_VERSION_STRING "\([0-9.]*\)".*/\1/p' "$repo/include/toa/uapi.h")"
debs="${debs:-$build/deb/$v}"
tools_deb="$(ls "$debs"/toa-tools_"$v"_amd64.deb 2>/dev/null || true)"
lib_deb="$(ls "$debs"/libtoa0_"$v"_amd64.deb 2>/dev/null || true)"
[ -n "$tools_deb" ] && [ -n "$lib_deb" ] || toa_die "image: no toa-tools/libtoa0 $v in $debs (make deb first)"

# The last three: what toa-tools and libtoa0 depend on.
pkgs=(busybox kmod make gcc-14 libc6-dev libelf1t64 dwarves xz-utils zstd ca-certificates
      libmnl0 libstdc++6 libgcc-s1)
out="$build/image"
rm -rf "$out"
mkdir -p "$out/src"
cp -r "$repo/kmod" "$out/src/kmod"
mkdir -p "$out/src/include/toa"
cp "$repo/include/toa/uapi.h" "$out/src/include/toa/"
rm -f "$out"/src/kmod/*.o "$out"/src/kmod/*.ko "$out"/src/kmod/*.mod* "$out"/src/kmod/.*.cmd

# The Debian part of the root is cached (${TOA_CACHE:-~/.cache/toa}/image/base-<hash of
# the package list>.tar): it changes with the list, not with every build of ours. The
# project's .debs (dpkg -i in the root) and sources are added to it on each build.
cache="${TOA_CACHE:-$HOME/.cache/toa}/image"
mkdir -p "$cache"
key="$(printf '%s\n' "${pkgs[@]}" | sha256sum | cut -c1-16)"
tar="$cache/base-$key.tar"
exec 9>"$cache/lock"
flock 9
t0=$SECONDS
if [ ! -s "$tar" ]; then
  toa_info "image: mmdebstrap trixie (${pkgs[*]})"
  mirror="$(debian_uri debian)"
  rm -f "$cache"/base-*.tar "$tar.tmp"
  if ! mmdebstrap --mode=root --variant=minbase --format=tar \
      --include="$(IFS=,; echo "${pkgs[*]}")" \
      --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*' \
      --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
      --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/locale/*' \
      trixie "$tar.tmp" "deb $mirror trixie main" "deb $(debian_uri debian-security) trixie-security main" \
      >"$cache/mmdebstrap.log" 2>&1; then
    tail -n 30 "$cache/mmdebstrap.log" >&2
    toa_die "image: mmdebstrap failed (log: $cache/mmdebstrap.log)"
  fi
  mv "$tar.tmp" "$tar"
  toa_info "image: Debian root in $((SECONDS - t0)) s, $(du -h "$tar" | cut -f1)"
fi

t1=$SECONDS
r="$out/rootfs"
mkdir -p "$r"
tar -xf "$tar" -C "$r" --exclude='./dev/*'
# Ours: toa-tools and libtoa0 with dpkg (their dependencies are in the list above), the
# module's sources, the metrics CGI. dpkg's path excludes are those of the image.
mkdir -p "$r/tmp/debs"
cp "$lib_deb" "$tools_deb" "$r/tmp/debs/"
chroot "$r" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin dpkg \
  --path-exclude='/usr/share/doc/*' --path-include='/usr/share/doc/*/copyright' \
  --path-exclude='/usr/share/man/*' -i /tmp/debs/"$(basename "$lib_deb")" /tmp/debs/"$(basename "$tools_deb")" >"$out/dpkg.log" 2>&1 ||
  { cat "$out/dpkg.log" >&2; toa_die "image: dpkg -i of our packages failed"; }
rm -rf "$r/tmp/debs"
mkdir -p "$r/usr/share/toa-agent/www/cgi-bin"
cp -r "$out/src" "$r/usr/share/toa-agent/src"
install -m 755 "$here/metrics.cgi" "$r/usr/share/toa-agent/www/cgi-bin/metrics"

# The OCI image: one layer, the root as it is.
oci="$out/oci"
umoci init --layout "$oci"
umoci new --image "$oci:$v"
umoci insert --image "$oci:$v" --history.created_by "mmdebstrap trixie (deploy/image/build.sh)" "$out/rootfs" /
umoci config --image "$oci:$v" \
  --config.cmd toa-agent --config.cmd run \
  --config.env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  --config.workingdir / \
  --config.label org.opencontainers.image.title=toa-agent \
  --config.label org.opencontainers.image.version="$v" \
  --config.label org.opencontainers.image.licenses=MIT \
  --config.label org.opencontainers.image.description="toa node agent: loads the toa module, applies its configuration live" \
  --os linux --architecture amd64
umoci gc --layout "$oci"
rm -rf "$out/rootfs"
# The tar of the layout; its index names the image toa-agent:<v> for containerd.
python3 - "$oci/index.json" "$v" <<'PY'
import json, sys
p, v = sys.argv[1], sys.argv[2]
idx = json.load(open(p))
for m in idx["manifests"]:
    a = m.setdefault("annotations", {})
    if a.get("org.opencontainers.image.ref.name") == v:
        a["io.containerd.image.name"] = f"docker.io/library/toa-agent:{v}"
json.dump(idx, open(p, "w"))
PY
tar -C "$oci" -cf "$out/toa-agent-$v.oci.tar" .
toa_info "image: toa-agent:$v in $((SECONDS - t1)) s: $oci, $(du -h "$out/toa-agent-$v.oci.tar" | cut -f1)"
echo "$out/toa-agent-$v.oci.tar"
