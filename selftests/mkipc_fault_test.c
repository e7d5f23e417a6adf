// SPDX-License-Identifier: GPL-2.0
/*
 * Fault injection: slab allocations made on behalf of this test fail at
 * random (failslab with task-filter, /proc/thread-self/make-it-fail) while
 * it loads and unloads mkipc.ko and uses /dev/mkipc. Every failure must
 * surface as a clean ENOMEM and leave nothing half-made behind: no module,
 * no device node, no debugfs directory after a failed load. run_tests.sh
 * then asks kmemleak whether anything leaked.
 *
 * Needs a kernel with CONFIG_FAILSLAB and CONFIG_FAULT_INJECTION_DEBUG_FS
 * (the debug lanes). Elsewhere it skips, unless MKIPC_REQUIRE_FAULT=1
 * says the kernel must have them, when it fails.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/mkipc.h>

#include "kselftest_harness.h"
#include "libmkipc.h"
#include "mkipc_test.h"

#define SLAB_SYSFS	"/sys/kernel/slab"

/*
 * Only caches flagged for failslab fail (cache-filter). The flag is set at
 * boot, by slub_debug=A;-,vmap_area on the command line (the debug lanes
 * pass it): every cache but the spared ones below. They are spared because
 * the kernel itself WARNs when their allocations fail, and panic_on_warn
 * would end the run over something that is not mkipc's:
 * - vmap_area: 6.1's alloc_vmap_area() WARNs when splitting a free area
 *   finds no vmap_area (mm/vmalloc.c, adjust_va_to_fit_type() failing);
 *   seen while finit_module() allocated the module's memory.
 * - ftrace_event_field: 6.1's event_define_fields() WARNs when a field of a
 *   module's trace event cannot be allocated (kernel/trace/trace_events.c);
 *   seen while finit_module() registered mkipc's tracepoint.
 */
static const char *const spared_caches[] = { "vmap_area",
					     "ftrace_event_field" };

/*
 * Probabilities (percent) the rounds cycle through. A module load makes so
 * many allocations that it succeeds mostly at the lowest ones: in the
 * checker lanes' 40 rounds, 1 to 5 loads succeeded at 2, 5, 20 and 50 %,
 * and once none did.
 */
static const int probabilities[] = { 1, 2, 5, 20, 50 };
#define NPROB ARRAY_SIZE(probabilities)

static int failslab_probability(int pct)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%d", pct);
	return mkipc_failslab_set("probability", buf);
}

static int cache_flagged(const char *cache)
{
	char path[256], c = '0';
	int fd;

	snprintf(path, sizeof(path), SLAB_SYSFS "/%s/failslab", cache);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (read(fd, &c, 1) != 1)
		c = '?';
	close(fd);
	return c == '1';
}

/*
 * Only this thread's allocations fail, and only between faults_on() and
 * faults_off(). The file stays open: opening it again would itself allocate
 * (a struct file), and so could fail while faults are on.
 */
static int make_it_fail_fd = -1;

static int make_it_fail(const char *val)
{
	int tries;

	for (tries = 0; tries < 100; tries++)
		if (pwrite(make_it_fail_fd, val, 1, 0) == 1)
			return 0;
	return -1;
}

static void faults_on(void)
{
	make_it_fail("1");
}

static void faults_off(void)
{
	if (make_it_fail("0"))
		abort();	/* the rest of the run would be meaningless */
}

/*
 * The module image is loaded from a memfd copy: finit_module() then reads
 * shmem pages under injected faults, not the 9p root the guest shares with
 * the host (whose client, failing a request here, was seen to break the
 * guest's later library loads with EINVAL).
 */
static int ko_memfd(const char *ko)
{
	char buf[65536];
	int in, out;
	ssize_t n;

	in = open(ko, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -1;
	out = memfd_create("mkipc.ko", MFD_CLOEXEC);
	while (out >= 0 && (n = read(in, buf, sizeof(buf))) > 0) {
		if (write(out, buf, n) != n) {
			close(out);
			out = -1;
		}
	}
	close(in);
	return out;
}

static int load(int ko_fd)
{
	return syscall(__NR_finit_module, ko_fd, "", 0);
}

static int unload(void)
{
	return syscall(__NR_delete_module, "mkipc", O_NONBLOCK);
}

static int loaded(void)
{
	return access("/sys/module/mkipc", F_OK) == 0;
}

static int device_works(void)
{
	struct mkipc_version ver;
	int fd, ok;

	fd = open(MKIPC_DEV_PATH, O_RDWR);
	if (fd < 0)
		return 0;
	ok = mkipc_version(fd, &ver) == 0 &&
	     ver.abi_major == MKIPC_ABI_MAJOR;
	close(fd);
	return ok;
}

FIXTURE(fault) {
	const char *ko;
	int ko_fd;
	int enabled;	/* 6.1's harness runs the body after a setup SKIP */
};

FIXTURE_SETUP(fault)
{
	size_t i;
	int fs;

	fs = mkipc_failslab_present();
	ASSERT_LE(0, fs) TH_LOG("MKIPC_REQUIRE_FAULT=1 but %s is missing",
				MKIPC_FAILSLAB);
	if (!fs)
		SKIP(return, "no %s (kernel without CONFIG_FAILSLAB)",
		     MKIPC_FAILSLAB);
	self->ko = getenv("MKIPC_KO");
	ASSERT_NE(NULL, self->ko) TH_LOG("set MKIPC_KO to the mkipc.ko path");
	ASSERT_EQ(0, getuid());
	self->ko_fd = ko_memfd(self->ko);
	ASSERT_LE(0, self->ko_fd) TH_LOG("%s: %s", self->ko, strerror(errno));

	ASSERT_EQ(0, mkipc_failslab_arm());
	/* The boot-time flags are as the spared list says. */
	ASSERT_EQ(1, cache_flagged("kmalloc-64"))
		TH_LOG("caches not flagged: boot with slub_debug=A;-,vmap_area,ftrace_event_field");
	for (i = 0; i < ARRAY_SIZE(spared_caches); i++) {
		ASSERT_EQ(0, cache_flagged(spared_caches[i]))
			TH_LOG("%s is flagged for failslab", spared_caches[i]);
	}
	ASSERT_EQ(0, mkipc_failslab_set("cache-filter", "Y"));
	make_it_fail_fd = open("/proc/thread-self/make-it-fail",
			       O_WRONLY | O_CLOEXEC);
	ASSERT_LE(0, make_it_fail_fd);
	self->enabled = 1;
}

FIXTURE_TEARDOWN(fault)
{
	if (!self->enabled)
		return;
	faults_off();
	failslab_probability(0);
	mkipc_failslab_set("cache-filter", "N");
	if (!loaded())
		load(self->ko_fd);
}

/*
 * Load and unload under injected faults: a load either succeeds and the
 * device works, or fails with ENOMEM and leaves nothing behind. Both must
 * happen, or a path went untested: until they have, the rounds go on, up
 * to twice their number. The harness's default limit, 30 s, is too short
 * in the KCSAN lane, where each of the 40 loads relocates and instruments
 * the whole module.
 */
TEST_F_TIMEOUT(fault, load_unload, 900)
{
	int i, r, err, rounds = mkipc_scaled(200);
	int loads_ok = 0, loads_enomem = 0;

	if (!self->enabled)
		return;
	if (loaded())
		ASSERT_EQ(0, unload());

	for (i = 0; i < rounds ||
	     (!(loads_ok && loads_enomem) && i < 2 * rounds); i++) {
		ASSERT_EQ(0, failslab_probability(probabilities[i % NPROB]));
		faults_on();
		r = load(self->ko_fd);
		err = errno;
		faults_off();

		if (r == 0) {
			loads_ok++;
			ASSERT_TRUE(device_works())
				TH_LOG("round %d: loaded, device broken", i);
			faults_on();
			r = unload();
			err = errno;
			faults_off();
			if (r) {
				/* Module removal must not depend on memory. */
				EXPECT_EQ(0, r)
					TH_LOG("round %d: unload: %s", i,
					       strerror(err));
				ASSERT_EQ(0, unload());
			}
			ASSERT_FALSE(loaded());
			continue;
		}

		ASSERT_EQ(ENOMEM, err)
			TH_LOG("round %d: load failed with %s, not ENOMEM",
			       i, strerror(err));
		loads_enomem++;
		ASSERT_FALSE(loaded())
			TH_LOG("round %d: failed load left the module", i);
		ASSERT_EQ(-1, access(MKIPC_DEV_PATH, F_OK))
			TH_LOG("round %d: failed load left %s", i, MKIPC_DEV_PATH);
		ASSERT_EQ(-1, access("/sys/kernel/debug/mkipc", F_OK))
			TH_LOG("round %d: failed load left debugfs entries", i);
	}
	ASSERT_EQ(0, failslab_probability(0));
	TH_LOG("%d rounds: %d loads succeeded, %d failed with ENOMEM",
	       i, loads_ok, loads_enomem);
	/* Both outcomes must have happened, or nothing was tested. */
	EXPECT_LT(0, loads_ok);
	EXPECT_LT(0, loads_enomem);
	ASSERT_EQ(0, load(self->ko_fd));
	EXPECT_TRUE(device_works());
}

/* open/ioctl/close under injected faults: ENOMEM or success, nothing else. */
TEST_F_TIMEOUT(fault, open_ioctl_close, 900)
{
	int i, fd, r, err, rounds = mkipc_scaled(2000);
	int opens_ok = 0, opens_enomem = 0;
	struct mkipc_version ver;

	if (!self->enabled)
		return;
	if (!loaded())
		ASSERT_EQ(0, load(self->ko_fd));

	for (i = 0; i < rounds; i++) {
		ASSERT_EQ(0, failslab_probability(probabilities[i % NPROB]));
		faults_on();
		fd = open(MKIPC_DEV_PATH, O_RDWR);
		err = errno;
		if (fd >= 0) {
			r = mkipc_version(fd, &ver);
			err = -r;
			close(fd);
		}
		faults_off();

		if (fd < 0) {
			ASSERT_EQ(ENOMEM, err)
				TH_LOG("round %d: open: %s", i, strerror(err));
			opens_enomem++;
			continue;
		}
		opens_ok++;
		ASSERT_EQ(0, r) TH_LOG("round %d: ioctl: %s", i, strerror(err));
		ASSERT_EQ(MKIPC_ABI_MAJOR, ver.abi_major);
	}
	ASSERT_EQ(0, failslab_probability(0));
	TH_LOG("%d rounds: %d opens succeeded, %d failed with ENOMEM",
	       rounds, opens_ok, opens_enomem);
	EXPECT_LT(0, opens_ok);
	EXPECT_LT(0, opens_enomem);
	EXPECT_TRUE(device_works());
}

TEST_HARNESS_MAIN
