# SPDX-License-Identifier: GPL-2.0
#
# The human wrapper around Kbuild. The two commands a newcomer runs:
#
#   make bench    build, boot a guest, load mkipc.ko, print the benchmark report
#   make check    build, boot a guest, run every selftest, print KTAP
#
# Add HOST=1 to run either directly on the running kernel instead (root, its
# headers installed). Both install missing Debian packages themselves.

KVER_RUNNING := $(shell uname -r)

# Where `make` builds the module: the running kernel's build tree where it
# exists, else the headers of the kernel the guest boots. The guest and
# host lanes pass KDIR explicitly, so a host with headers of its own still
# builds the guest lane against the guest kernel.
ifeq ($(origin KDIR),undefined)
  ifneq ($(wildcard /lib/modules/$(KVER_RUNNING)/build/Makefile),)
    KDIR := /lib/modules/$(KVER_RUNNING)/build
  else
    KDIR := $(shell tools/guest-kernel.sh kdir 2>/dev/null)
  endif
endif

PWD := $(CURDIR)
HOST ?= 0
V ?= 0

SOURCES := $(wildcard *.c) $(wildcard include/*.h) \
	   $(wildcard include/uapi/linux/*.h)
SELFTEST_SOURCES := $(wildcard selftests/*.c) $(wildcard selftests/*.h)

.PHONY: all module modules clean install headers_install selftests deps \
	lint check bench

all: module

module modules:
	@test -n "$(KDIR)" -a -f "$(KDIR)/Makefile" || { \
	  echo "No kernel build tree (KDIR='$(KDIR)')."; \
	  echo "Run 'make deps' (installs Debian's kernel headers), or pass KDIR=."; \
	  exit 1; }
	$(MAKE) -C $(KDIR) M=$(PWD) modules

clean:
	@if [ -n "$(KDIR)" ] && [ -f "$(KDIR)/Makefile" ]; then \
	  $(MAKE) -C $(KDIR) M=$(PWD) clean; fi
	$(MAKE) -C selftests clean

# Installs the module under /lib/modules/<kver>/extra and the uapi header.
install: module headers_install
	$(MAKE) -C $(KDIR) M=$(PWD) INSTALL_MOD_DIR=extra modules_install
	depmod -a $(notdir $(patsubst %/build,%,$(realpath $(KDIR))))

INSTALL_HDR_PATH ?= $(DESTDIR)/usr/include
headers_install:
	install -D -m 0644 include/uapi/linux/mkipc.h \
		$(INSTALL_HDR_PATH)/linux/mkipc.h

selftests:
	$(MAKE) -C selftests KSFT_DIR="$$(tools/deps.sh ksrc)/tools/testing/selftests"

deps:
	tools/deps.sh all

# checkpatch --strict and sparse over every source; fails on any finding.
lint:
	tools/deps.sh lint
	tools/lint.sh $(SOURCES) $(SELFTEST_SOURCES)

check:
	HOST=$(HOST) tools/check.sh

bench:
	HOST=$(HOST) tools/bench.sh
