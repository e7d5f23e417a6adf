# SPDX-License-Identifier: GPL-2.0
#
# The preprocessor and compiler flags of the mkipc tool's sources, for
# tools/mkipc/Makefile and for the programs that build some of those
# sources too (tools/bench/binder: lat.c, json.c, util.c). The including
# Makefile sets TOP, the repository's top as seen from its directory.
#
# The kernel's __printf() and ____cacheline_aligned spelled for userspace,
# so the source reads (and checkpatch checks) as kernel code does.
MKIPC_TOOL_CPPFLAGS := -D_GNU_SOURCE -I$(TOP)/include/uapi \
	-I$(TOP)/tools/libmkipc -I$(TOP)/tools/bench/minimal \
	'-D__printf(a,b)=__attribute__((format(printf, a, b)))' \
	'-D____cacheline_aligned=__attribute__((aligned(64)))'
MKIPC_TOOL_CFLAGS := -std=gnu11 -Wall -Wextra
