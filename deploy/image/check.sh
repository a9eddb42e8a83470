#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# check.sh [--build DIR]: ctest image-build. Builds the image (build.sh, after deb-build),
# reads its OCI config back with umoci, unpacks it and runs in its root (chroot) what the
# DaemonSet runs: toa-agent (no module here: not ready, and on a kernel without a toa
# module or headers its one line), toa-inspect, and the metrics CGI under busybox httpd's
# CGI conventions (503 without the module). Nothing is loaded into this machine's kernel:
# the agent is given an empty sysfs (TOA_AGENT_SYS) and no /lib/modules.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
build="$repo/build"
[ "${1:-}" != --build ] || build="$2"
failed=0
pass() { echo "RESULT $1 PASS${2:+ $2}"; }
fail() { echo "RESULT $1 FAIL${2:+ $2}"; failed=$((failed + 1)); }
check() { if eval "$2"; then pass "$1" "${3:-}"; else fail "$1" "${3:-}"; fi; }
v="$(sed -n 's/^#define TOA_VERSION_STRING "\([0-9.]*\)".*/\1/p' "$repo/include/toa/uapi.h")"
img="$("$here/build.sh" --build "$build" | tail -n1)"
oci="$build/image/oci"
check image_tar '[ -s "$img" ] && tar -tf "$img" | grep -qx "./index.json"'
check image_tagged 'umoci ls --layout "$oci" | grep -qx "$v"'
bundle="$build/image/bundle"
rm -rf "$bundle"
umoci unpack --image "$oci:$v" "$bundle" >/dev/null
r="$bundle/rootfs"
check image_config_cmd 'python3 -c "import json,sys; c=json.load(open(sys.argv[1]))[\"process\"][\"args\"]; sys.exit(c!=[\"toa-agent\",\"run\"])" "$bundle/config.json"'
inimg() { chroot "$r" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin TOA_AGENT_SYS=/tmp/nosys "$@"; }
mkdir -p "$r/tmp/nosys"
check image_has_tools 'for c in toa-agent toa-inspect busybox modprobe make gcc-14 pahole; do inimg sh -c "command -v $c" >/dev/null || exit 1; done'
check image_agent_version '[ "$(inimg sed -n "s/^#define TOA_VERSION_STRING \"\\([0-9.]*\\)\".*/\\1/p" /usr/share/toa-agent/src/include/toa/uapi.h)" = "$v" ] && inimg test -f /usr/share/toa-agent/src/kmod/Kbuild'
check image_agent_not_ready '! inimg toa-agent check 2>/dev/null && grep -q "not ready: the toa module is not loaded" <<<"$(inimg toa-agent check 2>&1)"'
out="$(inimg timeout 5 toa-agent run 2>&1 || true)"
check image_agent_no_module_line 'grep -q "no toa module for kernel .* install toa-dkms and linux-headers-" <<<"$out"' "$(grep 'no toa module' <<<"$out" | head -n1)"
check image_toa_inspect 'inimg toa-inspect --help >/dev/null 2>&1'
cgi="$(inimg /usr/share/toa-agent/www/cgi-bin/metrics 2>&1 || true)"
check image_metrics_cgi 'head -n1 <<<"$cgi" | grep -q "^Status: 503"' "$(head -n1 <<<"$cgi" | tr -d '\r')"
# Served as the DaemonSet's metrics container serves it (busybox httpd), in a network
# namespace of its own (loopback only).
http="$(unshare --net -- sh -c 'ip link set lo up
  chroot "$1" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin busybox httpd -f -p 127.0.0.1:9476 -h /usr/share/toa-agent/www &
  p=$!; sleep 0.5
  chroot "$1" busybox wget -S -O - http://127.0.0.1:9476/cgi-bin/metrics 2>&1
  kill $p' sh "$r" || true)"
check image_metrics_http 'grep -q "HTTP/1.1 503" <<<"$http"' "$(grep -m1 HTTP/ <<<"$http" | sed 's/^ *//')"
# The build against a kernel's headers, for real, in the image's root: Debian 13's 6.12
# headers (the kernel cache of line 6.12-trixie) at the node's paths: /usr/src, the
# node's /usr/lib at /host/usr/lib, /lib/modules/<rel>/build. insmod/modprobe/rmmod are
# stubs that fail, and the capability to load modules is dropped from the bounding set:
# nothing can reach this machine's kernel; the agent then reports the failed insmod.
line=6.12-trixie
if "$repo/tests/kernel/kernels.sh" fetch "$line" >/dev/null 2>&1; then
  rel="$("$repo/tests/kernel/kernels.sh" release "$line")"
  hdr="${TOA_CACHE:-$HOME/.cache/toa}/kernels/$line/$rel/headers"
  mkdir -p "$r/tmp/stubs" "$r/host/usr/lib" "$r/usr/lib/modules"
  for c in insmod modprobe rmmod; do printf '#!/bin/sh\necho "stub $0 $*" >&2\nexit 1\n' >"$r/tmp/stubs/$c"; chmod +x "$r/tmp/stubs/$c"; done
  s=$SECONDS
  out="$(unshare --mount --propagation private -- setpriv --bounding-set -sys_module -- sh -c '
    r="$1" hdr="$2" rel="$3"
    mount --bind "$hdr/usr/src" "$r/usr/src" && mount --bind "$hdr/usr/lib" "$r/host/usr/lib" &&
      mount --bind "$hdr/usr/lib/modules" "$r/usr/lib/modules" && mount -t proc proc "$r/proc" &&
      exec chroot "$r" /usr/bin/env -i PATH=/tmp/stubs:/usr/sbin:/usr/bin:/sbin:/bin \
        TOA_AGENT_SYS=/tmp/nosys TOA_AGENT_RELEASE="$rel" TOA_AGENT_RETRY=600 \
        timeout 600 sh -c "toa-agent run 2>/tmp/agent.log & p=\$!; while ! grep -q \"insmod .* failed\" /tmp/agent.log 2>/dev/null; do sleep 1; kill -0 \$p || break; done; kill \$p" 2>&1' \
    sh "$r" "$hdr" "$rel" 2>&1 || true)"
  out="$(cat "$r/tmp/agent.log" 2>/dev/null; echo "$out")"
  check image_builds_against_headers 'grep -q "building toa $v against /lib/modules/$rel/build with gcc-14" <<<"$out" && [ -f "$r/run/toa-agent/build/$rel/kmod/toa.ko" ]' \
    "$((SECONDS - s)) s; $(grep -m1 -E "building|failed" <<<"$out")"
  check image_built_module_vermagic '[ "$(modinfo -F vermagic "$r/run/toa-agent/build/$rel/kmod/toa.ko" 2>/dev/null | cut -d" " -f1)" = "$rel" ]'
  check image_kbuild_from_host 'grep -q "using the host.s /usr/lib/linux-kbuild-" <<<"$out"'
else
  echo "RESULT image_builds_against_headers SKIP kernel line $line not fetched"
fi
echo "image: $(du -h "$img" | cut -f1) $img"
rm -rf "$bundle"
echo "$failed failed"
[ "$failed" = 0 ]
