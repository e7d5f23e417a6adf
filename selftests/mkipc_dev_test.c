// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/mkipc basics: open/close, the version ioctl, unknown ioctls, bad user
 * pointers, the node's permissions, unprivileged use, and the statistics
 * the module keeps about all of these.
 *
 * Expects mkipc.ko loaded with default parameters (run_tests.sh does that).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/mkipc.h>

#include "kselftest_harness.h"
#include "libmkipc.h"
#include "mkipc_test.h"

#define STATS_PATH	"/sys/kernel/debug/mkipc/stats"

static long read_param(const char *name)
{
	char buf[32];
	long v;

	if (mkipc_param_read(name, buf, sizeof(buf)))
		return -1;
	if (buf[0] == 'Y')
		return 1;
	if (buf[0] == 'N')
		return 0;
	v = strtol(buf, NULL, 0);
	return v;
}

/* Value of one counter in debugfs mkipc/stats, or -1 if absent. */
static long read_stat(const char *name)
{
	char key[64];
	long val, ret = -1;
	FILE *f;

	f = fopen(STATS_PATH, "r");
	if (!f)
		return -1;
	while (fscanf(f, "%63s %ld", key, &val) == 2) {
		if (!strcmp(key, name)) {
			ret = val;
			break;
		}
	}
	fclose(f);
	return ret;
}

FIXTURE(dev) {
	int fd;
};

FIXTURE_SETUP(dev)
{
	self->fd = open(MKIPC_DEV_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd)
		TH_LOG("open %s: %s (is mkipc.ko loaded?)", MKIPC_DEV_PATH,
		       strerror(errno));
}

FIXTURE_TEARDOWN(dev)
{
	close(self->fd);
}

TEST(open_close_repeated)
{
	int i, fd, n = mkipc_scaled(1000);

	for (i = 0; i < n; i++) {
		fd = open(MKIPC_DEV_PATH, i & 1 ? O_RDONLY : O_RDWR);
		ASSERT_LE(0, fd) TH_LOG("open #%d: %s", i, strerror(errno));
		ASSERT_EQ(0, close(fd));
	}
}

TEST(node_is_char_device_with_param_mode)
{
	struct stat st;
	long mode = read_param("dev_mode");

	ASSERT_EQ(0, stat(MKIPC_DEV_PATH, &st));
	ASSERT_TRUE(S_ISCHR(st.st_mode));
	ASSERT_EQ(10, major(st.st_rdev)) TH_LOG("not a misc device");
	ASSERT_LE(0, mode) TH_LOG("dev_mode parameter not readable");
	EXPECT_EQ(mode, st.st_mode & 07777);
}

TEST_F(dev, version)
{
	struct mkipc_version ver;
	size_t i;

	memset(&ver, 0xa5, sizeof(ver));
	ASSERT_EQ(0, mkipc_version(self->fd, &ver));
	EXPECT_EQ(MKIPC_ABI_MAJOR, ver.abi_major);
	EXPECT_EQ(MKIPC_ABI_MINOR, ver.abi_minor);
	EXPECT_EQ(0, ver.features & ~(MKIPC_FEAT_DEBUGFS_STATS |
				      MKIPC_FEAT_ENDPOINTS | MKIPC_FEAT_CALL |
				      MKIPC_FEAT_PRIO | MKIPC_FEAT_DIRECT |
				      MKIPC_FEAT_RECYCLE |
				      MKIPC_FEAT_TAKER_EXIT |
				      MKIPC_FEAT_STOP_RESUME |
				      MKIPC_FEAT_SWITCH |
				      MKIPC_FEAT_KHANDOFF))
		TH_LOG("unknown feature bits %#llx",
		       (unsigned long long)ver.features);
	/* The switch pairs need no kernel feature beyond the module. */
	EXPECT_NE(0, ver.features & MKIPC_FEAT_SWITCH);
	/* Endpoints carry messages: the size they take is the ABI's. */
	EXPECT_EQ(MKIPC_MSG_MAX, ver.max_msg_size);
	EXPECT_EQ(0, ver.reserved0);
	for (i = 0; i < ARRAY_SIZE(ver.reserved); i++)
		EXPECT_EQ(0, ver.reserved[i]);
}

TEST_F(dev, version_matches_modinfo)
{
	char buf[32] = "", want[32];
	FILE *f = fopen("/sys/module/mkipc/version", "r");

	ASSERT_NE(NULL, f);
	ASSERT_NE(NULL, fgets(buf, sizeof(buf), f));
	fclose(f);
	snprintf(want, sizeof(want), "%u.%u\n", MKIPC_ABI_MAJOR,
		 MKIPC_ABI_MINOR);
	EXPECT_STREQ(want, buf);
}

TEST_F(dev, features_match_module_state)
{
	struct mkipc_version ver;
	int have_stats = access(STATS_PATH, R_OK) == 0;

	ASSERT_EQ(0, mkipc_version(self->fd, &ver));
	EXPECT_EQ(have_stats, !!(ver.features & MKIPC_FEAT_DEBUGFS_STATS))
		TH_LOG("stats file %s, feature bit %s",
		       have_stats ? "present" : "absent",
		       ver.features & MKIPC_FEAT_DEBUGFS_STATS ? "set" : "clear");
}

TEST_F(dev, unknown_ioctls_enotty)
{
	struct mkipc_version ver;
	const unsigned long cmds[] = {
		0,
		_IO(MKIPC_IOC_MAGIC, 0xff),
		_IO(MKIPC_IOC_MAGIC, 0x00),	/* right nr, no direction */
		_IOR(MKIPC_IOC_MAGIC, 0x00, __u32),	/* right nr, wrong size */
		_IOW(MKIPC_IOC_MAGIC, 0x00, struct mkipc_version),
		_IOWR(MKIPC_IOC_MAGIC, 0x00, struct mkipc_version),
		_IOR(MKIPC_IOC_MAGIC + 1, 0x00, struct mkipc_version),
		0xffffffffUL,
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		errno = 0;
		/* Raw: numbers libmkipc has no call for. */
		EXPECT_EQ(-1, ioctl(self->fd, cmds[i], &ver))
			TH_LOG("cmd %#lx succeeded", cmds[i]);
		EXPECT_EQ(ENOTTY, errno)
			TH_LOG("cmd %#lx: %s", cmds[i], strerror(errno));
	}
}

TEST_F(dev, bad_pointers_efault)
{
	long page = sysconf(_SC_PAGESIZE);
	struct mkipc_version *straddle;
	char *map;

	/* libmkipc passes the pointer on as it is: -EFAULT, errno EFAULT. */
	errno = 0;
	EXPECT_EQ(-EFAULT, mkipc_version(self->fd, NULL));
	EXPECT_EQ(EFAULT, errno);

	EXPECT_EQ(-EFAULT, mkipc_version(self->fd, (void *)1));

	/* A kernel address: access_ok() must reject it. */
	EXPECT_EQ(-EFAULT, mkipc_version(self->fd,
					 (void *)0xffff888000000000UL));

	/* Read-only memory. */
	map = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, map);
	ASSERT_EQ(0, mprotect(map, page, PROT_READ));
	EXPECT_EQ(-EFAULT, mkipc_version(self->fd, (void *)map));

	/* A buffer whose second half runs into an unmapped page. */
	ASSERT_EQ(0, mprotect(map, page, PROT_READ | PROT_WRITE));
	ASSERT_EQ(0, munmap(map + page, page));
	straddle = (void *)(map + page - sizeof(*straddle) / 2);
	EXPECT_EQ(-EFAULT, mkipc_version(self->fd, straddle));
	munmap(map, page);
}

TEST_F(dev, read_write_seek_refused)
{
	char buf[8];

	errno = 0;
	EXPECT_EQ(-1, read(self->fd, buf, sizeof(buf)));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(-1, write(self->fd, buf, sizeof(buf)));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(-1, lseek(self->fd, 0, SEEK_SET));
	EXPECT_EQ(ESPIPE, errno);
}

TEST_F(dev, stats_count_errors)
{
	long opens0, notty0, fault0, ioctls0;
	int fd;

	if (access(STATS_PATH, R_OK))
		SKIP(return, "%s not readable (debugfs not mounted?)",
		     STATS_PATH);

	opens0 = read_stat("opens");
	notty0 = read_stat("errors_enotty");
	fault0 = read_stat("errors_efault");
	ioctls0 = read_stat("ioctls");
	ASSERT_LE(0, opens0);
	ASSERT_LE(0, notty0);
	ASSERT_LE(0, fault0);
	ASSERT_LE(0, ioctls0);

	fd = open(MKIPC_DEV_PATH, O_RDWR);
	ASSERT_LE(0, fd);
	/* Raw: a number libmkipc has no call for. */
	EXPECT_EQ(-1, ioctl(fd, _IO(MKIPC_IOC_MAGIC, 0xfe)));
	EXPECT_EQ(-EFAULT, mkipc_version(fd, NULL));
	close(fd);

	/* Other tests may run in parallel in host mode: at least, not equal. */
	EXPECT_LE(opens0 + 1, read_stat("opens"));
	EXPECT_LE(notty0 + 1, read_stat("errors_enotty"));
	EXPECT_LE(fault0 + 1, read_stat("errors_efault"));
	EXPECT_LE(ioctls0 + 2, read_stat("ioctls"));
	/* The fixture's own file is open; a wrapped count would be huge. */
	EXPECT_LE(1, read_stat("open_files"));
	EXPECT_GT(100000, read_stat("open_files"));
}

/* Descriptors are plain files: fork shares them, the child can use them. */
TEST_F(dev, inherited_across_fork)
{
	struct mkipc_version ver;
	int status;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(mkipc_version(self->fd, &ver) == 0 &&
		      ver.abi_major == MKIPC_ABI_MAJOR ? 0 : 1);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

/* Default mode 0666: an unprivileged user may open and query the device. */
TEST(unprivileged_open)
{
	int status;
	pid_t pid;

	if (read_param("dev_mode") != 0666)
		SKIP(return, "dev_mode is not 0666");
	if (getuid() != 0)
		SKIP(return, "needs root to drop to nobody");

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct mkipc_version ver;
		int fd;

		if (setgid(65534) || setuid(65534))
			_exit(2);
		fd = open(MKIPC_DEV_PATH, O_RDWR);
		if (fd < 0)
			_exit(3);
		_exit(mkipc_version(fd, &ver) ? 4 : 0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

struct hammer {
	int fd;
	atomic_int *stop;
	atomic_long calls;
	long errors;
};

static void *hammer_ioctl(void *arg)
{
	struct hammer *h = arg;
	struct mkipc_version ver;

	while (!atomic_load_explicit(h->stop, memory_order_relaxed)) {
		if (mkipc_version(h->fd, &ver) ||
		    ver.abi_major != MKIPC_ABI_MAJOR)
			h->errors++;
		atomic_fetch_add(&h->calls, 1);
	}
	return NULL;
}

/*
 * Ioctls from two threads on one file while a third opens and closes
 * other files: nothing in the device path may depend on a single caller.
 */
TEST_F(dev, concurrent_ioctl_and_open)
{
	atomic_int stop = 0;
	struct hammer h[2] = {
		{ .fd = self->fd, .stop = &stop },
		{ .fd = self->fd, .stop = &stop },
	};
	int i, n, fd, rounds = mkipc_scaled(2000);
	pthread_t t[2];

	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, pthread_create(&t[i], NULL, hammer_ioctl, &h[i]));
	/* Overlap for real: both threads are in their loops before opens. */
	while (!atomic_load(&h[0].calls) || !atomic_load(&h[1].calls))
		usleep(100);
	for (n = 0; n < rounds; n++) {
		fd = open(MKIPC_DEV_PATH, O_RDWR);
		if (fd < 0)
			break;
		close(fd);
	}
	atomic_store(&stop, 1);
	for (i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	EXPECT_EQ(rounds, n);
	EXPECT_EQ(0, h[0].errors + h[1].errors);
	TH_LOG("%d opens/closes against %ld + %ld ioctls", rounds,
	       atomic_load(&h[0].calls), atomic_load(&h[1].calls));
}

TEST_HARNESS_MAIN
