#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs what building and testing toa needs on Debian bookworm.
# As root it runs apt-get; otherwise it prints the exact command and fails.
set -euo pipefail

pkgs=(
  build-essential cmake pkg-config git python3
  libgtest-dev libgmock-dev libbenchmark-dev libmnl-dev
  clang libclang-rt-14-dev
  qemu-system-x86 busybox-static cpio kmod dwarves
  iproute2 xz-utils
  # the booted-kernel harness: Debian's kernels (gcc-12 builds their modules), fetched
  # with a private apt configuration signed by the archive keyring
  gcc-12 make binutils debian-archive-keyring
  # 6.1-debug: Debian's linux-source-6.1 built here (KASAN, lockdep, kmemleak)
  flex bison bc libelf-dev libssl-dev
  # 6.1-arm64: the arm64 guest and the cross builds (static libc.a, libstdc++.a)
  qemu-system-arm gcc-aarch64-linux-gnu g++-aarch64-linux-gnu libc6-dev-arm64-cross
  # libtoa's carriers: Debian's own HAProxy (PROXY v1/v2 with send-proxy*) and nginx (a
  # layer-7 proxy adding X-Forwarded-For / X-Real-IP), run on loopback by examples/tests
  haproxy nginx
  # Debian 13 and later lines (6.12-trixie, 7.3, 7.3-arm64; sid for make check-newest):
  # the module is built in a build root of that release (tests/kernel/buildroot.sh), made
  # with mmdebstrap and entered with chroot/unshare (util-linux)
  mmdebstrap util-linux
  # make deb (debhelper, dh-dkms, lintian); the package tests install them with apt and
  # DKMS in build roots; the node agent is checked with shellcheck
  debhelper dh-dkms dkms lintian dpkg-dev fakeroot shellcheck zstd
  # the DaemonSet's image (deploy/image): a Debian root made OCI with umoci
  umoci
  # the Kubernetes node in the booted guest (tests/guest/k8s.sh): kube-proxy's rules with
  # Debian's iptables (nft backend) and ipvsadm; ip (iproute2) for the pods' namespaces;
  # the pods' servers are the nginx and haproxy above, copied into the guest
  iptables ipvsadm
)
[ "${TOA_DEPS_EXTRA:-}" ] && pkgs+=(${TOA_DEPS_EXTRA})

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# The manifests' validation (deploy/kubernetes/validate: npm ci): Node.js and npm, from
# Debian unless the machine has them already (another node package brings npm with it).
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "toa: missing packages; run: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "toa: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y -q "${missing[@]}" >/dev/null; then
  apt-get update -q >/dev/null
  apt-get install -y -q "${missing[@]}" >/dev/null
fi
