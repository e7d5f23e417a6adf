// SPDX-License-Identifier: GPL-2.0
/*
 * mkipc.ko life cycle: load, unload and reload with no file open; unload
 * while a file is open (refused, the file keeps working); bad
 * and non-default parameters; nothing left behind after unload.
 *
 * Needs root and the module's path in MKIPC_KO. Leaves the module loaded
 * with default parameters, as it found it or not.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/mkipc.h>

#include "kselftest_harness.h"
#include "libmkipc.h"
#include "mkipc_test.h"

#define SYSFS_PATH	"/sys/module/mkipc"
#define DEBUGFS_DIR	"/sys/kernel/debug/mkipc"

#define DEBUGFS_MAGIC	0x64626720

static int debugfs_mounted(void)
{
	struct statfs sfs;

	return statfs("/sys/kernel/debug", &sfs) == 0 &&
	       sfs.f_type == DEBUGFS_MAGIC;
}

static int load(const char *ko, const char *params)
{
	int fd, ret;

	fd = open(ko, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ret = syscall(__NR_finit_module, fd, params, 0);
	close(fd);
	return ret;
}

static int unload(void)
{
	return syscall(__NR_delete_module, "mkipc", O_NONBLOCK);
}

static int loaded(void)
{
	return access(SYSFS_PATH, F_OK) == 0;
}

static int version_ok(int fd)
{
	struct mkipc_version ver;

	return mkipc_version(fd, &ver) == 0 &&
	       ver.abi_major == MKIPC_ABI_MAJOR;
}

FIXTURE(mod) {
	const char *ko;
};

FIXTURE_SETUP(mod)
{
	self->ko = getenv("MKIPC_KO");
	ASSERT_NE(NULL, self->ko) TH_LOG("set MKIPC_KO to the mkipc.ko path");
	ASSERT_EQ(0, access(self->ko, R_OK))
		TH_LOG("%s: %s", self->ko, strerror(errno));
	ASSERT_EQ(0, getuid()) TH_LOG("module tests need root");
	/* Else every "no debugfs entry left" check would pass vacuously. */
	ASSERT_TRUE(debugfs_mounted())
		TH_LOG("debugfs is not mounted on /sys/kernel/debug");
	if (loaded())
		ASSERT_EQ(0, unload()) TH_LOG("cannot unload mkipc: %s",
					      strerror(errno));
}

FIXTURE_TEARDOWN(mod)
{
	if (!loaded())
		EXPECT_EQ(0, load(self->ko, ""));
}

TEST_F(mod, load_unload_reload_without_fd)
{
	int i, fd, n = mkipc_scaled(5);

	for (i = 0; i < n; i++) {
		ASSERT_EQ(0, load(self->ko, ""))
			TH_LOG("load #%d: %s", i, strerror(errno));
		fd = open(MKIPC_DEV_PATH, O_RDWR);
		ASSERT_LE(0, fd) TH_LOG("open after load #%d: %s", i,
					strerror(errno));
		EXPECT_TRUE(version_ok(fd));
		EXPECT_EQ(0, access(DEBUGFS_DIR "/stats", R_OK));
		ASSERT_EQ(0, close(fd));

		ASSERT_EQ(0, unload()) TH_LOG("unload #%d: %s", i,
					      strerror(errno));
		EXPECT_EQ(-1, access(MKIPC_DEV_PATH, F_OK));
		EXPECT_EQ(-1, access(SYSFS_PATH, F_OK));
		/* debugfs entries die with the module, none is leaked. */
		EXPECT_EQ(-1, access(DEBUGFS_DIR, F_OK));
	}
}

TEST_F(mod, second_load_eexist)
{
	ASSERT_EQ(0, load(self->ko, ""));
	errno = 0;
	EXPECT_EQ(-1, load(self->ko, ""));
	EXPECT_EQ(EEXIST, errno);
}

/*
 * file_operations.owner pins the module while a file is open, so
 * delete_module() refuses: with O_NONBLOCK the kernel answers EWOULDBLOCK
 * (EAGAIN), which rmmod reports as "Module mkipc is in use".
 */
TEST_F(mod, unload_refused_while_open)
{
	int fd, status, pipefd[2];
	char c;
	pid_t pid;

	ASSERT_EQ(0, load(self->ko, ""));
	fd = open(MKIPC_DEV_PATH, O_RDWR);
	ASSERT_LE(0, fd);

	errno = 0;
	EXPECT_EQ(-1, unload());
	EXPECT_EQ(EWOULDBLOCK, errno);
	/* The refused unload left the open file fully working. */
	EXPECT_TRUE(version_ok(fd));
	ASSERT_TRUE(loaded());

	/* A child holding an inherited copy keeps the module pinned. */
	ASSERT_EQ(0, pipe(pipefd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(pipefd[1]);
		if (read(pipefd[0], &c, 1) != 1)
			_exit(2);
		_exit(version_ok(fd) ? 0 : 1);
	}
	close(pipefd[0]);
	ASSERT_EQ(0, close(fd));
	errno = 0;
	EXPECT_EQ(-1, unload());
	EXPECT_EQ(EWOULDBLOCK, errno);
	ASSERT_EQ(1, write(pipefd[1], "x", 1));
	close(pipefd[1]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);

	/* The last close released the module. */
	EXPECT_EQ(0, unload()) TH_LOG("unload after last close: %s",
				      strerror(errno));
	EXPECT_FALSE(loaded());
}

TEST_F(mod, bad_dev_mode_einval)
{
	errno = 0;
	EXPECT_EQ(-1, load(self->ko, "dev_mode=01777"));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(-1, load(self->ko, "dev_mode=0"));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_FALSE(loaded());
	EXPECT_EQ(-1, access(MKIPC_DEV_PATH, F_OK));
	EXPECT_EQ(-1, access(DEBUGFS_DIR, F_OK));
}

TEST_F(mod, dev_mode_0600_keeps_others_out)
{
	struct stat st;
	int status;
	pid_t pid;

	ASSERT_EQ(0, load(self->ko, "dev_mode=0600"));
	ASSERT_EQ(0, stat(MKIPC_DEV_PATH, &st));
	EXPECT_EQ(0600, st.st_mode & 07777);

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (setgid(65534) || setuid(65534))
			_exit(2);
		_exit(open(MKIPC_DEV_PATH, O_RDWR) < 0 && errno == EACCES ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	EXPECT_EQ(0, unload());
}

TEST_F(mod, stats_off_no_stats_file)
{
	struct mkipc_version ver;
	int fd;

	ASSERT_EQ(0, load(self->ko, "stats=0"));
	fd = open(MKIPC_DEV_PATH, O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, mkipc_version(fd, &ver));
	EXPECT_EQ(0, ver.features & MKIPC_FEAT_DEBUGFS_STATS);
	EXPECT_EQ(-1, access(DEBUGFS_DIR "/stats", F_OK));
	close(fd);
	EXPECT_EQ(0, unload());
}

TEST_HARNESS_MAIN
