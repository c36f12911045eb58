# SPDX-License-Identifier: MIT
# Thin wrapper: the build is meson (meson.build), the tests are meson tests.
#   make test           install what is missing, build, run every test suite
#   make run ARGS=...   install what is missing, build, boot OVMF + Debian's kernel
#                       through the paravisor in snpemu (tests/boot/run)
#   make tour ARGS=...  the same for snpemu's own demo SNP guest (tests/snpemu/demo)
#   make bench          the paravisor's cost per exit on the host, then the
#                       boot ratios, exits and start-up (tests/boot/bench); not tests
#   make bench-host     only the cost per exit (build/tests/bench/exit_cost)
#   make smp-io ARGS=.. the SMP I/O integrity run (tests/boot/smp-io, 4 vCPUs)
#   make distro-test    the Debian 12 systemd disk's boot tests (suite distro)
#   make fuzz ARGS=...  every libFuzzer target for ARGS (default -runs=100000;
#                       e.g. ARGS=-runs=10000000), execs/s and total per
#                       target (tests/fuzz/run-all.sh, docs/fuzzing.md)
#   make hostile-test   a hostile hypervisor and guest (suite hostile,
#                       docs/threat-model.md; make test runs it too)
#   make soak ARGS=...  boot the Debian 12 systemd disk N times in a row through
#                       the paravisor (tests/boot/soak --runs N --smp N[,N..]; not a test)
#   make clean          remove build/ (make distclean also drops the .deps/ cache)

BUILD := build
DEPS := .deps
MESON_TEST := meson test -C $(BUILD) --print-errorlogs --num-processes 2 --timeout-multiplier 1

.PHONY: all deps build test run tour bench bench-host smp-io distro-test hostile-test soak fuzz clean distclean

all: build

deps:
	@scripts/deps.sh

# Configure once; reconfigure when the zydis source moved or the build dir is stale.
build: deps
	@src=$$(scripts/zydis-src.sh $(DEPS)) || exit 1; \
	if [ ! -f $(BUILD)/build.ninja ]; then \
		if [ -d $(BUILD)/meson-private ]; then wipe=--wipe; else wipe=; fi; \
		meson setup $$wipe $(BUILD) -Dzydis_src="$$src" || exit 1; \
	elif ! grep -qxF "$$src" $(BUILD)/.zydis_src 2>/dev/null; then \
		meson configure $(BUILD) -Dzydis_src="$$src" || exit 1; \
	fi; \
	echo "$$src" > $(BUILD)/.zydis_src
	ninja -C $(BUILD)

test: build
	ninja -C $(BUILD) tests/boot/distro.img
	@rm -f $(BUILD)/meson-logs/testlog.json; \
	$(MESON_TEST); rc=$$?; \
	scripts/test-summary.py $(BUILD)/meson-logs/testlog.json && [ $$rc -eq 0 ]

# The default demo: stock OVMF + the unmodified Debian kernel at VMPL1 through
# the paravisor in snpemu, the guest's console here (a shell at the end).
run: build
	tests/boot/run --smp 1 $(ARGS)

# snpemu alone, with a demo SNP guest that tours the platform.
tour: build
	tests/snpemu/demo $(ARGS)

# The paravisor's own work per exit against the fake hypervisor
# (docs/performance.md), then whole boots.
# Without ARGS: the cost per exit, the demo's boot ratio and exits with 1 and
# 2 vCPUs (3 boots each, median), the start-up by memory size and the MiB/s
# of each proxied device kind (docs/performance.md); with ARGS, one
# tests/boot/bench run with them.
bench: build
	$(BUILD)/tests/bench/exit_cost
ifeq ($(ARGS),)
	tests/boot/bench --runs 3
	tests/boot/bench --runs 3 --smp 2
	tests/boot/bench --mem-scale 1G,4G,8G
	tests/boot/bench --devices
else
	tests/boot/bench $(ARGS)
endif

bench-host: build
	$(BUILD)/tests/bench/exit_cost

# 256 MiB through virtio-blk and virtio-scsi from every vCPU at once, checked
# in the guest and on the host (make test runs it with 4 vCPUs; ARGS=--smp N).
smp-io: build
	tests/boot/smp-io smp-io-manual --smp 4 --timeout 1500 $(ARGS)

# The Debian 12 systemd disk (mkdistro.sh) booted with 2 and 4 vCPUs alone
# (make test runs them too).
distro-test: build
	ninja -C $(BUILD) tests/boot/distro.img
	@rm -f $(BUILD)/meson-logs/testlog.json; \
	$(MESON_TEST) --suite distro; rc=$$?; \
	scripts/test-summary.py $(BUILD)/meson-logs/testlog.json && [ $$rc -eq 0 ]

# The hostile hypervisor's and guest's attacks alone (make test runs them too).
hostile-test: build
	@rm -f $(BUILD)/meson-logs/testlog.json; \
	$(MESON_TEST) --suite hostile; rc=$$?; \
	scripts/test-summary.py $(BUILD)/meson-logs/testlog.json && [ $$rc -eq 0 ]

soak: build
	ninja -C $(BUILD) tests/boot/distro.img
	tests/boot/soak $(ARGS)

# Each libFuzzer target in turn from its seed corpus (docs/fuzzing.md).
fuzz: build
	tests/fuzz/run-all.sh $(BUILD) $(ARGS)

clean:
	rm -rf $(BUILD)

distclean: clean
	rm -rf $(DEPS)
