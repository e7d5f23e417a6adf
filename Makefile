# SPDX-License-Identifier: GPL-2.0
#
# The human wrapper around Kbuild. The two commands a newcomer runs:
#
#   make bench    build, boot a guest, load mkipc.ko, print the benchmark report
#   make check    build, boot a guest, run every selftest, print KTAP
#
# Add HOST=1 to run either directly on the running kernel instead (root, its
# headers installed), or KERNEL=6.12 / KERNEL=6.12-rt to boot Debian's 6.12
# or its PREEMPT_RT build instead of 6.1. Both install missing Debian
# packages (kernels included) themselves.

KVER_RUNNING := $(shell uname -r)

# Where `make` builds the module: the headers of the guest kernel KERNEL=
# names (6.1, 6.12 or 6.12-rt) when it is given; else the running kernel's
# build tree where it exists, else the default guest kernel's (6.1). The
# guest and host lanes pass KDIR explicitly, so a host with headers of its
# own still builds the guest lane against the guest kernel.
ifeq ($(origin KDIR),undefined)
  ifneq ($(KERNEL),)
    KDIR := $(shell KERNEL='$(KERNEL)' tools/vm/guest-kernel.sh kdir 2>/dev/null)
  else ifneq ($(wildcard /lib/modules/$(KVER_RUNNING)/build/Makefile),)
    KDIR := /lib/modules/$(KVER_RUNNING)/build
  else
    KDIR := $(shell tools/vm/guest-kernel.sh kdir 2>/dev/null)
  endif
endif

PWD := $(CURDIR)
comma := ,
HOST ?= 0
V ?= 0

SOURCES := $(filter-out %.mod.c,$(wildcard *.c)) $(wildcard include/*.h) \
	   $(wildcard include/uapi/linux/*.h) $(wildcard ktests/*.c ktests/*.h)
SELFTEST_SOURCES := $(wildcard selftests/*.c) $(wildcard selftests/*.h)
# The userspace programs; the shim headers under tools/userq/include mimic
# kernel headers on purpose and are left out (tools/userq/include/kcompat.h).
USERQ_SOURCES := $(wildcard tools/userq/*.c)
# The command-line tool and its library (sparse runs over them too).
TOOLS_SOURCES := $(wildcard tools/libmkipc/*.c tools/libmkipc/*.h) \
		 $(wildcard tools/mkipc/*.c tools/mkipc/*.h) \
		 $(filter-out %.mod.c,$(wildcard tools/bench/minimal/*.c)) \
		 $(wildcard tools/bench/minimal/*.h) \
		 $(wildcard tools/bench/binder/*.c)

.PHONY: all module modules clean install headers_install dkms-install \
	dkms-uninstall selftests deps lint check check-debug check-kcsan check-patched check-patched-debug \
	bench bench-report bench-compare patch-check patch-bench \
	print-kdir print-version tools tools_install trace

all: module

module modules:
	@test -n "$(KDIR)" -a -f "$(KDIR)/Makefile" || { \
	  echo "No kernel build tree (KDIR='$(KDIR)'$(if $(KERNEL),$(comma) KERNEL='$(KERNEL)'))."; \
	  echo "Run 'make deps$(if $(KERNEL), KERNEL=$(KERNEL))' (installs Debian's kernel headers;"; \
	  echo "KERNEL= is one of 6.1$(comma) 6.12$(comma) 6.12-rt), or pass KDIR=."; \
	  exit 1; }
	$(MAKE) -C $(KDIR) M=$(PWD) modules

clean:
	@if [ -n "$(KDIR)" ] && [ -f "$(KDIR)/Makefile" ]; then \
	  $(MAKE) -C $(KDIR) M=$(PWD) clean; fi
	$(MAKE) -C selftests clean
	$(MAKE) -C tools/mkipc clean
	$(MAKE) -C tools/bench/binder clean
	@if [ -n "$(KDIR)" ] && [ -f "$(KDIR)/Makefile" ]; then \
	  $(MAKE) -C tools/bench/minimal KDIR=$(KDIR) clean; fi

# Installs the module under /lib/modules/<kver>/extra (kbuild runs depmod),
# the uapi header and the mkipc tool (/usr/local/bin); INSTALL_MOD_PATH and
# DESTDIR stage elsewhere.
install: module headers_install tools_install
	$(MAKE) -C $(KDIR) M=$(PWD) INSTALL_MOD_DIR=extra modules_install

# The command-line tool, tools/mkipc/mkipc, and its library libmkipc.a.
tools:
	$(MAKE) -C tools/mkipc

BINDIR ?= /usr/local/bin
tools_install: tools
	$(MAKE) -C tools/mkipc install DESTDIR=$(DESTDIR) BINDIR=$(BINDIR)

# The module's version, from its one home: the ABI numbers in the uapi
# header (MODULE_VERSION is built from the same two macros).
MKIPC_VERSION := $(shell sed -n 's/^\#define MKIPC_ABI_MAJOR[[:space:]]*//p' \
	include/uapi/linux/mkipc.h).$(shell sed -n \
	's/^\#define MKIPC_ABI_MINOR[[:space:]]*//p' include/uapi/linux/mkipc.h)

# DKMS rebuilds the module for every kernel the machine installs: the
# production sources only (no ktests/), under the module's version, for
# DKMS_KVER="<kver>..." (default: the running kernel if it has headers,
# else every installed 6.1, 6.12 and 6.12-rt kernel: tools/make/dkms.sh).
dkms-install:
	tools/make/dkms.sh install $(MKIPC_VERSION) $(DKMS_KVER)

dkms-uninstall:
	tools/make/dkms.sh uninstall $(MKIPC_VERSION)

INSTALL_HDR_PATH ?= $(DESTDIR)/usr/include
headers_install:
	install -D -m 0644 include/uapi/linux/mkipc.h \
		$(INSTALL_HDR_PATH)/linux/mkipc.h

# The selftests run the mkipc tool too (mkipc_trace_test.sh).
selftests: tools
	$(MAKE) -C selftests KSFT_DIR="$$(tools/make/deps.sh ksrc)/tools/testing/selftests"

deps:
	tools/make/deps.sh all

# checkpatch --strict and sparse over every source; fails on any finding.
lint:
	tools/make/deps.sh lint
	tools/make/lint.sh $(SOURCES) $(SELFTEST_SOURCES) $(USERQ_SOURCES) \
		$(TOOLS_SOURCES)

check:
	HOST=$(HOST) tools/make/check.sh

# The same tests under mkipc's own checker kernels (built once, cached).
check-debug:
	LANE=debug tools/make/check.sh

check-kcsan:
	LANE=kcsan tools/make/check.sh

# The companion kernel patch (tools/kernel-patch/): git apply --check of
# the series (make check runs it too); the tests on a kernel built with it,
# where the direct hand-off must be engaged; and the stock kernel against
# the patched one, both built here and booted in turn.
patch-check:
	tools/kernel-patch/apply-check.sh

check-patched:
	LANE=patched tools/make/check.sh

check-patched-debug:
	LANE=patched-debug tools/make/check.sh

patch-bench:
	tools/kernel-patch/patch-bench.sh

# The tracepoints at work: a call followed through trace-cmd and perf, and
# what the tracepoints cost on the round trip (tools/trace/).
trace:
	HOST=$(HOST) tools/make/trace.sh

bench:
	HOST=$(HOST) tools/make/bench.sh

# The report again from a results folder, without rerunning anything:
#   make bench-report R=results/bench-<time>
bench-report:
	@test -n "$(R)" || { echo "usage: make bench-report R=results/bench-<time>"; exit 2; }
	python3 tools/bench/report.py "$(R)"

# Runs side by side, one column each (the same suite on 6.1, 6.12 and
# 6.12-rt, say): every figure a ratio within its own run.
#   make bench-compare R="results/bench-<a> results/bench-<b> ..."
bench-compare:
	@test -n "$(R)" || { echo 'usage: make bench-compare R="results/bench-<a> results/bench-<b> ..."'; exit 2; }
	python3 tools/bench/compare.py $(R)

print-kdir:
	@echo $(KDIR)

print-version:
	@echo $(MKIPC_VERSION)
