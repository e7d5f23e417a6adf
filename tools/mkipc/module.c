// SPDX-License-Identifier: GPL-2.0
/*
 * mkipc(tool): facts about the running module, shared by info and the
 * benchmarks: its feature bits by name, its ABI version, /dev/mkipc.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "libmkipc.h"
#include "json.h"
#include "mkipc.h"
#include "module.h"

static const struct {
	__u64 bit;
	const char *name;
} feature_names[] = {
	{ MKIPC_FEAT_DEBUGFS_STATS,	"debugfs_stats" },
	{ MKIPC_FEAT_ENDPOINTS,		"endpoints" },
	{ MKIPC_FEAT_CALL,		"call" },
	{ MKIPC_FEAT_PRIO,		"prio" },
	{ MKIPC_FEAT_DIRECT,		"direct" },
	{ MKIPC_FEAT_RECYCLE,		"recycle" },
	{ MKIPC_FEAT_TAKER_EXIT,	"taker_exit" },
	{ MKIPC_FEAT_STOP_RESUME,	"stop_resume" },
	{ MKIPC_FEAT_SWITCH,		"switch" },
};

/* The name of feature bit @i ("bitN" for one this tool does not know). */
static const char *feature_name(unsigned int i, char *buf, size_t size)
{
	size_t k;

	for (k = 0; k < ARRAY_SIZE(feature_names); k++)
		if (feature_names[k].bit == 1ULL << i)
			return feature_names[k].name;
	snprintf(buf, size, "bit%u", i);
	return buf;
}

void print_features(__u64 features)
{
	char buf[16];
	unsigned int i;
	bool any = false;

	for (i = 0; i < 64; i++) {
		if (!(features & (1ULL << i)))
			continue;
		printf("%s%s", any ? " " : "", feature_name(i, buf, sizeof(buf)));
		any = true;
	}
	printf("%s(%#llx)\n", any ? " " : "", features);
}

void json_features(struct jw *w, __u64 features)
{
	char buf[16];
	unsigned int i;

	jw_open(w, "features", '[');
	for (i = 0; i < 64; i++)
		if (features & (1ULL << i))
			jw_str(w, NULL, feature_name(i, buf, sizeof(buf)));
	jw_close(w, ']');
	jw_u64(w, "features_mask", features);
}

/* "0.3" for @ver, "-" without one. */
const char *abi_str(const struct mkipc_version *ver, char *buf,
		    size_t size)
{
	if (ver)
		snprintf(buf, size, "%u.%u", ver->abi_major, ver->abi_minor);
	else
		snprintf(buf, size, "-");
	return buf;
}

/* The baselines an endpoint runs on, by the flags MKIPC_IOC_EP_INFO gives. */
static const char *ep_queue(__u32 flags)
{
	return flags & MKIPC_EP_QUEUE_SPIN ? "spin" : "lfq";
}

static const char *ep_waitq(__u32 flags)
{
	return flags & MKIPC_EP_WAITQ_STOCK ? "stock" : "owaitq";
}

static const char *ep_wake(__u32 flags)
{
	return flags & MKIPC_EP_WAKE_PLAIN ? "plain" : "sync";
}

const char *ep_flags_str(__u32 flags, char *buf, size_t size)
{
	snprintf(buf, size, "queue=%s waitq=%s wake=%s direct=%s recycle=%s",
		 ep_queue(flags), ep_waitq(flags), ep_wake(flags),
		 flags & MKIPC_EP_NO_DIRECT ? "off" : "on",
		 flags & MKIPC_EP_NO_RECYCLE ? "off" : "on");
	return buf;
}

void json_ep_flags(struct jw *w, __u32 flags)
{
	jw_u64(w, "flags", flags);
	jw_str(w, "queue", ep_queue(flags));
	jw_str(w, "waitq", ep_waitq(flags));
	jw_str(w, "wake", ep_wake(flags));
	jw_bool(w, "direct", !(flags & MKIPC_EP_NO_DIRECT));
	jw_bool(w, "recycle", !(flags & MKIPC_EP_NO_RECYCLE));
}

/* "kernel", "abi" and "features" (null "abi" without @ver). */
void json_kernel(struct jw *w, const char *kernel,
		 const struct mkipc_version *ver)
{
	char abi[32];

	jw_str(w, "kernel", kernel);
	if (!ver) {
		jw_null(w, "abi");
		return;
	}
	jw_str(w, "abi", abi_str(ver, abi, sizeof(abi)));
	json_features(w, ver->features);
}

/* Opens /dev/mkipc and reads its version; prints why not on failure. */
int open_mkipc(struct mkipc_version *ver)
{
	int dev, ret;

	dev = mkipc_open();
	if (dev < 0) {
		err("cannot open %s: %s%s", MKIPC_DEV_PATH, strerror(-dev),
		    dev == -ENOENT ? " (is mkipc.ko loaded?)" : "");
		return dev;
	}
	memset(ver, 0, sizeof(*ver));
	ret = mkipc_version(dev, ver);
	if (ret) {
		err("MKIPC_IOC_VERSION: %s", strerror(-ret));
		close(dev);
		return ret;
	}
	if (ver->abi_major != MKIPC_ABI_MAJOR)
		err("warning: module ABI %u.%u, this tool was built for %u.%u",
		    ver->abi_major, ver->abi_minor, MKIPC_ABI_MAJOR,
		    MKIPC_ABI_MINOR);
	return dev;
}

