# SPDX-License-Identifier: MIT
# toa: top-level build. `make` builds the module for the running kernel and the
# userspace; `make check` runs every test; `make demo` shows the module at work.

BUILD ?= build
KDIR ?= /lib/modules/$(shell uname -r)/build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all kmod sign userspace deps deb check check-newest demo bench fuzz clean

all: kmod userspace

kmod:
	@if [ -d "$(KDIR)" ]; then \
		$(MAKE) -C "$(KDIR)" M="$(CURDIR)/kmod" modules; \
	else \
		echo "toa: no kernel build dir at $(KDIR) (install linux-headers-$$(uname -r) or set KDIR=); module not built"; \
	fi

# Signs the built module for Secure Boot nodes (scripts/sign.sh, the kernel's sign-file):
#   make kmod && make sign KEY=signing.key CERT=signing.der [KDIR=...] [MODULE=...]
MODULE ?= kmod/toa.ko
sign:
	@if [ -z "$(KEY)" ] || [ -z "$(CERT)" ]; then \
		echo "toa: make sign needs KEY=<private key> CERT=<its certificate> (see README: Secure Boot)"; \
		exit 2; \
	fi
	scripts/sign.sh --kdir "$(KDIR)" --key "$(KEY)" --cert "$(CERT)" $(MODULE)

deps:
	@scripts/deps.sh

# Debian packages toa-dkms, libtoa0, libtoa-dev, toa-tools (debhelper, dh-dkms), checked
# with lintian: in $(BUILD)/deb/<version>/ (scripts/deb.sh).
deb: deps
	scripts/deb.sh --build $(BUILD)

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS)

userspace: $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

# Two tests at a time: a guest is one QEMU thread (TCG, thread=single), so two guests use
# the two cores that one left half idle. The tests that share a thing lock it themselves
# (the kernel cache, a line's module build, a build root).
CHECK_JOBS ?= 2

check: deps
	$(MAKE) userspace
	cd $(BUILD) && ctest --output-on-failure -j $(CHECK_JOBS) -LE newest $(CTEST_FLAGS)

# The same suites on the newest kernel Debian has (TOA_KERNEL_NEWEST_LINES: sid's
# linux-image-amd64, the module built in a sid build root with sid's compiler). Not part
# of `make check` (nor CI): it shows a break in the next kernel before users see it.
check-newest: deps
	$(MAKE) userspace
	cd $(BUILD) && ctest --output-on-failure -j $(CHECK_JOBS) -L newest $(CTEST_FLAGS)

demo: deps
	$(MAKE) userspace
	tests/demo/demo.sh --build $(BUILD)

bench: deps
	$(MAKE) userspace
	tests/bench/bench.sh --build $(BUILD)
	tests/bench/udp.sh --build $(BUILD)

fuzz: deps
	$(MAKE) userspace
	cmake --build $(BUILD) --target fuzz_parse fuzz_uoa_parse fuzz_proxy fuzz_spp fuzz_http
	mkdir -p $(BUILD)/fuzz-corpus
	$(BUILD)/tests/fuzz/fuzz_parse -runs=10000000 -print_final_stats=1 $(BUILD)/fuzz-corpus tests/fuzz/corpus
	mkdir -p $(BUILD)/fuzz-corpus-uoa
	$(BUILD)/tests/fuzz/fuzz_uoa_parse -runs=10000000 -print_final_stats=1 $(BUILD)/fuzz-corpus-uoa tests/fuzz/corpus-uoa
	for f in proxy spp http; do \
		mkdir -p $(BUILD)/fuzz-corpus-$$f && \
		$(BUILD)/tests/fuzz/fuzz_$$f -runs=10000000 -print_final_stats=1 \
			$(BUILD)/fuzz-corpus-$$f tests/fuzz/corpus-$$f || exit 1; \
	done

clean:
	rm -rf $(BUILD)
	@if [ -d "$(KDIR)" ]; then $(MAKE) -C "$(KDIR)" M="$(CURDIR)/kmod" clean; fi
