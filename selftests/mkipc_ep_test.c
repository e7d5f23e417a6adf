// SPDX-License-Identifier: GPL-2.0
/*
 * Endpoints, as the user ABI (include/uapi/linux/mkipc.h) promises them,
 * the contract itself: create, info, minting send-only descriptors and
 * shutdown; every errno the header lists for each ioctl, provoked on
 * purpose (wrong kinds of descriptor, bad pointers, sizes, unknown flags,
 * reserved fields, non-blocking, the queue bound, tokens unknown, given
 * up on and abandoned).
 *
 * Delivery, lifecycle and stress are in mkipc_ep_msg_test.c,
 * mkipc_ep_life_test.c and mkipc_ep_stress_test.c (mkipc_ep_fixture.h
 * says what each holds).
 *
 * The header is the contract: where the module disagrees with it, the test
 * fails and says which promise was broken.
 *
 * Counts scale with MKIPC_TEST_SCALE (percent); assertions do not.
 * Expects mkipc.ko loaded and debugfs mounted (run_tests.sh does both).
 */
#define _GNU_SOURCE
#include "mkipc_ep_fixture.h"

/* ==== version and create ==== */

TEST_F(ep, version_reports_endpoints)
{
	struct mkipc_version ver;

	ASSERT_EQ(0, mkipc_version(self->dev, &ver));
	EXPECT_EQ(MKIPC_ABI_MAJOR, ver.abi_major);
	EXPECT_LE(2, ver.abi_minor);
	EXPECT_EQ(MKIPC_MSG_MAX, ver.max_msg_size);
	EXPECT_EQ(0, ver.reserved0);
}

TEST_F_TIMEOUT(ep, create_and_info, T_SHORT)
{
	struct mkipc_ep_create c;
	struct mkipc_ep_info info;
	int fd, fd2, i;
	__u64 id;

	memset(&c, 0x5a, sizeof(c));	/* fd and id are out: ignored */
	c.flags = 0;
	c.max_msgs = 0;
	c.reserved0 = 0;
	c.reserved[0] = 0;
	c.reserved[1] = 0;
	/* Raw: libmkipc's create zeroes the structure it passes. */
	fd = raw_ioctl(self->dev, MKIPC_IOC_EP_CREATE, &c);
	ASSERT_LE(0, fd) TH_LOG("create: %s", strerror(-fd));
	EXPECT_EQ(fd, c.fd);
	id = c.id;
	EXPECT_EQ(0, fcntl(fd, F_GETFD) & FD_CLOEXEC);
	EXPECT_EQ(0, fcntl(fd, F_GETFL) & O_NONBLOCK);

	ASSERT_EQ(0, ep_info(fd, &info));
	EXPECT_EQ(id, info.id);
	EXPECT_EQ(MKIPC_RIGHT_SEND | MKIPC_RIGHT_RECV, info.rights);
	EXPECT_EQ(0, info.flags & ~BASELINE_FLAGS);
	EXPECT_EQ(MKIPC_EP_DEFAULT_MSGS, info.max_msgs);
	EXPECT_EQ(0, info.queued);
	EXPECT_EQ(0, info.dead);
	EXPECT_EQ(0, info.abandoned);
	for (i = 0; i < 4; i++)
		EXPECT_EQ(0, info.reserved[i]);

	/* A dup shares the open file, and with it both rights. */
	fd2 = dup(fd);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, ep_info(fd2, &info));
	EXPECT_EQ(MKIPC_RIGHT_SEND | MKIPC_RIGHT_RECV, info.rights);
	close(fd2);

	/* A minted sender: same endpoint, send right only. */
	fd2 = mkipc_ep_sender(fd, 0);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, ep_info(fd2, &info));
	EXPECT_EQ(id, info.id);
	EXPECT_EQ(MKIPC_RIGHT_SEND, info.rights);
	EXPECT_EQ(MKIPC_EP_DEFAULT_MSGS, info.max_msgs);
	close(fd2);

	/* Another endpoint has another number. */
	fd2 = mkipc_ep_create(self->dev, 0, 0, &c.id);
	ASSERT_LE(0, fd2);
	EXPECT_NE(id, c.id);
	close(fd2);
	close(fd);
}

TEST_F_TIMEOUT(ep, create_flags, T_SHORT)
{
	static const __u32 baselines[] = {
		MKIPC_EP_QUEUE_SPIN, MKIPC_EP_WAITQ_STOCK, MKIPC_EP_WAKE_PLAIN,
		MKIPC_EP_NO_DIRECT, MKIPC_EP_NO_RECYCLE, BASELINE_FLAGS,
	};
	static const __u32 bounds[] = { 1, 2, 1000, MKIPC_EP_MAX_MSGS };
	struct mkipc_ep_info info;
	int fd, s;
	size_t i;

	fd = mkipc_ep_create(self->dev, MKIPC_EP_CLOEXEC | MKIPC_EP_NONBLOCK,
			     0, NULL);
	ASSERT_LE(0, fd);
	EXPECT_TRUE(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	EXPECT_TRUE(fcntl(fd, F_GETFL) & O_NONBLOCK);

	/* The sender's flags are its own; its file is not the creator's. */
	s = mkipc_ep_sender(fd, 0);
	ASSERT_LE(0, s);
	EXPECT_FALSE(fcntl(s, F_GETFD) & FD_CLOEXEC);
	EXPECT_FALSE(fcntl(s, F_GETFL) & O_NONBLOCK);
	close(s);
	s = mkipc_ep_sender(fd, MKIPC_EP_CLOEXEC | MKIPC_EP_NONBLOCK);
	ASSERT_LE(0, s);
	EXPECT_TRUE(fcntl(s, F_GETFD) & FD_CLOEXEC);
	EXPECT_TRUE(fcntl(s, F_GETFL) & O_NONBLOCK);
	close(s);
	close(fd);

	for (i = 0; i < ARRAY_SIZE(baselines); i++) {
		fd = mkipc_ep_create(self->dev, baselines[i], 0, NULL);
		ASSERT_LE(0, fd) TH_LOG("flags %#x: %s", baselines[i],
					strerror(-fd));
		ASSERT_EQ(0, ep_info(fd, &info));
		EXPECT_EQ(baselines[i], info.flags & baselines[i])
			TH_LOG("asked %#x, info says %#x", baselines[i],
			       info.flags);
		/* And it works: a message goes through. */
		EXPECT_EQ(0, ep_send(fd, 7, NULL, 0, 0, 0));
		EXPECT_EQ(1, ep_queued(fd));
		close(fd);
	}

	for (i = 0; i < ARRAY_SIZE(bounds); i++) {
		fd = mkipc_ep_create(self->dev, 0, bounds[i], NULL);
		ASSERT_LE(0, fd);
		ASSERT_EQ(0, ep_info(fd, &info));
		EXPECT_EQ(bounds[i], info.max_msgs);
		close(fd);
	}
}

TEST_F_TIMEOUT(ep, create_einval, T_SHORT)
{
	struct mkipc_ep_create c;
	int bit, before = next_fd();
	long live = mkipc_live_endpoints();

	for (bit = 0; bit < 32; bit++) {
		if (ALL_EP_FLAGS & (1U << bit))
			continue;
		EXPECT_EQ(-EINVAL,
			  mkipc_ep_create(self->dev, 1U << bit, 0, NULL))
			TH_LOG("flag bit %d accepted", bit);
	}
	EXPECT_EQ(-EINVAL, mkipc_ep_create(self->dev, 0,
					   MKIPC_EP_MAX_MSGS + 1, NULL));
	EXPECT_EQ(-EINVAL, mkipc_ep_create(self->dev, 0, UINT32_MAX, NULL));

	/* Raw: reserved fields libmkipc's create always zeroes. */
	memset(&c, 0, sizeof(c));
	c.reserved0 = 1;
	EXPECT_EQ(-EINVAL, raw_ioctl(self->dev, MKIPC_IOC_EP_CREATE, &c));
	memset(&c, 0, sizeof(c));
	c.reserved[0] = 1;
	EXPECT_EQ(-EINVAL, raw_ioctl(self->dev, MKIPC_IOC_EP_CREATE, &c));
	memset(&c, 0, sizeof(c));
	c.reserved[1] = 1ULL << 63;
	EXPECT_EQ(-EINVAL, raw_ioctl(self->dev, MKIPC_IOC_EP_CREATE, &c));

	/* Nothing was made: no descriptor, no endpoint. */
	EXPECT_EQ(before, next_fd());
	EXPECT_EQ(live, mkipc_live_endpoints());
}

TEST_F_TIMEOUT(ep, create_efault, T_SHORT)
{
	struct pages *m = &self->mem;
	struct mkipc_ep_create c = { 0 };
	void *ptrs[] = {
		NULL, (void *)1, unmapped_addr(), KERNEL_ADDR, NONCANON_ADDR,
		m->none,
		/* readable, the out fields not writable */
		ro_put(m, 0, &c, sizeof(c)),
		/* straddles into read-only memory: fd and id not writable */
		m->rw + m->page - 8,
		/* straddles into inaccessible memory */
		m->ro + m->page - 8,
	};
	int before = next_fd();
	long live = mkipc_live_endpoints();
	size_t i;

	memset(m->rw + m->page - 8, 0, 8);
	for (i = 0; i < ARRAY_SIZE(ptrs); i++) {
		/* Raw: libmkipc's create passes a structure of its own. */
		EXPECT_EQ(-EFAULT, raw_ioctl(self->dev, MKIPC_IOC_EP_CREATE,
					     ptrs[i]))
			TH_LOG("pointer #%zu %p", i, ptrs[i]);
		/* A failed create leaves no descriptor behind. */
		EXPECT_EQ(before, next_fd())
			TH_LOG("pointer #%zu %p: a descriptor was installed",
			       i, ptrs[i]);
		if (next_fd() != before)
			close(before);
	}
	EXPECT_EQ(live, mkipc_wait_live_endpoints(live, 5000))
		TH_LOG("a failed create left an endpoint behind");
}

TEST_F_TIMEOUT(ep, create_and_sender_emfile, T_SHORT)
{
	struct rlimit rl;
	int fd, last = -1;

	rl.rlim_cur = 64;
	rl.rlim_max = 64;
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &rl));
	for (;;) {
		fd = open("/dev/null", O_RDONLY);
		if (fd < 0)
			break;
		last = fd;
	}
	ASSERT_EQ(EMFILE, errno);
	ASSERT_LE(0, last);
	EXPECT_EQ(-EMFILE, mkipc_ep_create(self->dev, 0, 0, NULL));
	EXPECT_EQ(-EMFILE, mkipc_ep_sender(self->rfd, 0));
	close(last);
	fd = mkipc_ep_create(self->dev, 0, 0, NULL);
	EXPECT_EQ(last, fd);
	EXPECT_EQ(-EMFILE, mkipc_ep_sender(fd, 0));
	close(fd);
	fd = mkipc_ep_sender(self->rfd, 0);
	EXPECT_EQ(last, fd);
}

/*
 * ENFILE: the system-wide file limit, which binds only tasks without
 * CAP_SYS_ADMIN. A child drops to nobody while fs.file-max is lowered to
 * just above the files in use; it changes a system setting, so only in a
 * test guest (MKIPC_GUEST, set by tools/vm/run-guest).
 */
TEST_F_TIMEOUT(ep, create_and_sender_enfile, T_SHORT)
{
	unsigned long max, nr;
	int sync[2], back[2], status;
	char buf[64], c;
	FILE *f;
	pid_t pid;

	if (geteuid() || !getenv("MKIPC_GUEST"))
		SKIP(return, "lowers fs.file-max: root in a test guest only");
	f = fopen("/proc/sys/fs/file-max", "r");
	ASSERT_NE(NULL, f);
	ASSERT_EQ(1, fscanf(f, "%lu", &max));
	fclose(f);
	ASSERT_EQ(0, pipe(sync));
	ASSERT_EQ(0, pipe(back));

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct rlimit rl = { 1 << 16, 1 << 16 };
		int fd, err, r1, r2;

		if (setrlimit(RLIMIT_NOFILE, &rl) || drop_to_nobody())
			_exit(10);
		if (write(sync[1], "r", 1) != 1 || read(back[0], &c, 1) != 1)
			_exit(11);
		do {
			fd = open("/dev/null", O_RDONLY);
		} while (fd >= 0);
		err = errno;
		r1 = mkipc_ep_create(self->dev, 0, 0, NULL);
		r2 = mkipc_ep_sender(self->rfd, 0);
		if (err != ENFILE)
			_exit(12);
		if (r1 != -ENFILE)
			_exit(13);
		_exit(r2 == -ENFILE ? 0 : 14);
	}
	ASSERT_EQ(1, read(sync[0], &c, 1));
	f = fopen("/proc/sys/fs/file-nr", "r");
	ASSERT_NE(NULL, f);
	ASSERT_EQ(1, fscanf(f, "%lu", &nr));
	fclose(f);
	snprintf(buf, sizeof(buf), "%lu", nr + 64);
	f = fopen("/proc/sys/fs/file-max", "w");
	ASSERT_NE(NULL, f);
	fputs(buf, f);
	fclose(f);
	ASSERT_EQ(1, write(back[1], "g", 1));
	status = child_status(pid);
	/* Restore before any assertion can end the test. */
	snprintf(buf, sizeof(buf), "%lu", max);
	f = fopen("/proc/sys/fs/file-max", "w");
	if (f) {
		fputs(buf, f);
		fclose(f);
	}
	EXPECT_EQ(0, status)
		TH_LOG("10/11 setup, 12 open did not hit ENFILE, 13 create, 14 sender not ENFILE");
}

/* ==== descriptors of the wrong kind ==== */

/* The endpoint ioctls with arguments good enough to succeed elsewhere. */
static long ep_cmd_any(int fd, unsigned long cmd, __u64 token)
{
	struct mkipc_ep_info info;
	struct mkipc_ep_sender s = { 0 };
	struct mkipc_send snd = { .flags = MKIPC_F_NONBLOCK };
	struct mkipc_recv rcv = { .flags = MKIPC_F_NONBLOCK };
	struct mkipc_call call = { .flags = MKIPC_F_NONBLOCK,
				   .timeout_ns = 10 * MS };
	struct mkipc_reply rep = { .token = token };
	struct mkipc_reply_recv rr = {
		.reply.token = token,
		.recv.flags = MKIPC_F_NONBLOCK,
	};
	struct mkipc_ep_create c = { 0 };
	struct mkipc_version v;
	void *arg;

	switch (cmd) {
	case MKIPC_IOC_VERSION:
		arg = &v;
		break;
	case MKIPC_IOC_EP_CREATE:
		arg = &c;
		break;
	case MKIPC_IOC_EP_INFO:
		arg = &info;
		break;
	case MKIPC_IOC_EP_SENDER:
		arg = &s;
		break;
	case MKIPC_IOC_SEND:
		arg = &snd;
		break;
	case MKIPC_IOC_RECV:
		arg = &rcv;
		break;
	case MKIPC_IOC_CALL:
		arg = &call;
		break;
	case MKIPC_IOC_REPLY:
		arg = &rep;
		break;
	case MKIPC_IOC_REPLY_RECV:
		arg = &rr;
		break;
	default:
		arg = NULL;
		break;
	}
	/* Raw: any command number, libmkipc's or not. */
	return raw_ioctl(fd, cmd, arg);
}

static const unsigned long ep_cmds[] = {
	MKIPC_IOC_EP_INFO, MKIPC_IOC_EP_SENDER, MKIPC_IOC_EP_SHUTDOWN,
	MKIPC_IOC_SEND, MKIPC_IOC_RECV, MKIPC_IOC_CALL, MKIPC_IOC_REPLY,
	MKIPC_IOC_REPLY_RECV,
};

static const unsigned long all_cmds[] = {
	MKIPC_IOC_VERSION, MKIPC_IOC_EP_CREATE, MKIPC_IOC_EP_INFO,
	MKIPC_IOC_EP_SENDER, MKIPC_IOC_EP_SHUTDOWN, MKIPC_IOC_SEND,
	MKIPC_IOC_RECV, MKIPC_IOC_CALL, MKIPC_IOC_REPLY, MKIPC_IOC_REPLY_RECV,
};

TEST_F_TIMEOUT(ep, endpoint_ioctls_on_device_enotty, T_SHORT)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(ep_cmds); i++) {
		EXPECT_EQ(-ENOTTY, ep_cmd_any(self->dev, ep_cmds[i], 1))
			TH_LOG("cmd %#lx", ep_cmds[i]);
		/* The argument is never looked at (raw: any number). */
		EXPECT_EQ(-ENOTTY, raw_ioctl(self->dev, ep_cmds[i], NULL))
			TH_LOG("cmd %#lx, NULL argument", ep_cmds[i]);
	}
}

TEST_F_TIMEOUT(ep, device_ioctls_on_endpoint_enotty, T_SHORT)
{
	const unsigned long near[] = {
		_IO(MKIPC_IOC_MAGIC, 0x13),
		_IO(MKIPC_IOC_MAGIC, 0x25),
		_IO(MKIPC_IOC_MAGIC, 0xff),
		_IOW(MKIPC_IOC_MAGIC, 0x20, __u32),	/* SEND, wrong size */
		_IOR(MKIPC_IOC_MAGIC, 0x20, struct mkipc_send),
		_IOWR(MKIPC_IOC_MAGIC, 0x20, struct mkipc_send),
		_IOW(MKIPC_IOC_MAGIC, 0x21, struct mkipc_recv),
		_IOR(MKIPC_IOC_MAGIC, 0x12, __u64),	/* SHUTDOWN with arg */
		_IOWR(MKIPC_IOC_MAGIC, 0x22, struct mkipc_send),
		_IOW(MKIPC_IOC_MAGIC + 1, 0x20, struct mkipc_send),
		_IOR(MKIPC_IOC_MAGIC, 0x10, struct mkipc_version),
	};
	int fds[2] = { self->rfd, self->sfd };
	char buf[512] = { 0 };
	size_t i, j;

	for (j = 0; j < 2; j++) {
		EXPECT_EQ(-ENOTTY, ep_cmd_any(fds[j], MKIPC_IOC_EP_CREATE, 0));
		/* Raw: numbers and arguments libmkipc has no call for. */
		EXPECT_EQ(-ENOTTY,
			  raw_ioctl(fds[j], MKIPC_IOC_EP_CREATE, NULL));
		EXPECT_EQ(-ENOTTY, ep_cmd_any(fds[j], MKIPC_IOC_VERSION, 0));
		for (i = 0; i < ARRAY_SIZE(near); i++) {
			EXPECT_EQ(-ENOTTY, raw_ioctl(fds[j], near[i], buf))
				TH_LOG("fd %d cmd %#lx", fds[j], near[i]);
		}
	}
	/* None of that queued anything or killed the endpoint. */
	EXPECT_EQ(0, ep_queued(self->rfd));
	EXPECT_EQ(0, ep_dead(self->rfd));
}

/*
 * Endpoint files carry no byte stream: read() and write() fail with
 * EINVAL, lseek() with ESPIPE (no .llseek, on every kernel version).
 */
TEST_F_TIMEOUT(ep, endpoint_read_write_seek_refused, T_SHORT)
{
	int fds[2] = { self->rfd, self->sfd };
	char buf[8] = { 0 };
	size_t j;

	for (j = 0; j < 2; j++) {
		errno = 0;
		EXPECT_EQ(-1, read(fds[j], buf, sizeof(buf)));
		EXPECT_EQ(EINVAL, errno);
		errno = 0;
		EXPECT_EQ(-1, write(fds[j], buf, sizeof(buf)));
		EXPECT_EQ(EINVAL, errno);
		errno = 0;
		EXPECT_EQ(-1, lseek(fds[j], 0, SEEK_SET));
		EXPECT_EQ(ESPIPE, errno);
		errno = 0;
		EXPECT_EQ(-1, lseek(fds[j], 0, SEEK_CUR));
		EXPECT_EQ(ESPIPE, errno);
	}
	EXPECT_EQ(0, ep_queued(self->rfd));
	EXPECT_EQ(0, ep_dead(self->rfd));
}

TEST_F_TIMEOUT(ep, mkipc_ioctls_on_other_files_enotty, T_SHORT)
{
	int p[2], sv[2], efd, null;
	int fds[5];
	size_t i, j;

	ASSERT_EQ(0, pipe(p));
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	efd = eventfd(0, 0);
	ASSERT_LE(0, efd);
	null = open("/dev/null", O_RDWR);
	ASSERT_LE(0, null);
	fds[0] = p[0];
	fds[1] = p[1];
	fds[2] = sv[0];
	fds[3] = efd;
	fds[4] = null;
	for (j = 0; j < ARRAY_SIZE(fds); j++)
		for (i = 0; i < ARRAY_SIZE(all_cmds); i++) {
			EXPECT_EQ(-ENOTTY, ep_cmd_any(fds[j], all_cmds[i], 1))
				TH_LOG("file #%zu cmd %#lx", j, all_cmds[i]);
		}
	close(p[0]);
	close(p[1]);
	close(sv[0]);
	close(sv[1]);
	close(efd);
	close(null);
}

/* Everything that needs the receive right fails on a send-only fd. */
TEST_F_TIMEOUT(ep, send_only_fd_ebadf, T_SHORT)
{
	struct mkipc_reply_recv rr;
	struct mkipc_recv r;
	struct op caller;
	char buf[64];
	__u64 token;

	/* Sending works, receiving does not, and takes nothing. */
	ASSERT_EQ(0, ep_send(self->sfd, 11, "abc", 3, 0, 0));
	EXPECT_EQ(-EBADF, ep_recv(self->sfd, &r, buf, sizeof(buf),
				  MKIPC_F_NONBLOCK, 0));
	EXPECT_EQ(-EBADF, ep_recv(self->sfd, &r, buf, sizeof(buf), 0,
				  10 * MS));
	EXPECT_EQ(1, ep_queued(self->sfd));
	ASSERT_EQ(0, ep_recv(self->rfd, &r, buf, sizeof(buf),
			     MKIPC_F_NONBLOCK, 0));
	EXPECT_EQ(11, r.msg.label);

	/* A call from the send-only fd; only the receive fd may answer. */
	ASSERT_EQ(0, op_start(&caller, OP_CALL, self->sfd, 12, 0,
			      WATCHDOG_NS));
	ASSERT_EQ(0, ep_take(self->rfd, &r, buf, sizeof(buf)));
	token = r.token;
	ASSERT_NE(0, token);
	EXPECT_EQ(-EBADF, ep_reply(self->sfd, token, 1, NULL, 0));
	EXPECT_EQ(-EBADF, ep_reply_recv(self->sfd, &rr, token, 1, NULL, 0,
					buf, sizeof(buf), MKIPC_F_NONBLOCK,
					0));
	EXPECT_EQ(-EBADF, mkipc_ep_shutdown(self->sfd));
	EXPECT_EQ(-EBADF, mkipc_ep_sender(self->sfd, 0));
	EXPECT_EQ(0, ep_dead(self->rfd));
	EXPECT_FALSE(atomic_load(&caller.done));
	/* The token survived all that. */
	EXPECT_EQ(0, ep_reply(self->rfd, token, echo_label(12), "ok", 2));
	ASSERT_EQ(0, op_join(&caller, WATCHDOG_MS));
	EXPECT_EQ(0, caller.ret);
	EXPECT_EQ(echo_label(12), caller.call.rep.label);
	EXPECT_EQ(2, caller.call.rep.size);
}

/* ==== bad pointers ==== */

TEST_F_TIMEOUT(ep, argument_pointers_efault, T_SHORT)
{
	struct pages *m = &self->mem;
	void *bad[] = {
		NULL, (void *)1, unmapped_addr(), KERNEL_ADDR, NONCANON_ADDR,
		m->none, m->ro + m->page - 4,
	};
	size_t i, j;

	for (i = 0; i < ARRAY_SIZE(ep_cmds); i++) {
		if (ep_cmds[i] == MKIPC_IOC_EP_SHUTDOWN)
			continue;	/* takes no argument */
		for (j = 0; j < ARRAY_SIZE(bad); j++) {
			/* Raw: every command, one bad pointer each. */
			EXPECT_EQ(-EFAULT, raw_ioctl(self->rfd, ep_cmds[i],
						     bad[j]))
				TH_LOG("cmd %#lx pointer #%zu %p", ep_cmds[i],
				       j, bad[j]);
		}
	}
	EXPECT_EQ(0, ep_queued(self->rfd));
}

/* Out-parameters in memory the kernel may read but not write. */
TEST_F_TIMEOUT(ep, read_only_out_params_efault, T_SHORT)
{
	struct pages *m = &self->mem;
	struct mkipc_ep_info info = { 0 };
	struct mkipc_ep_sender snd = { 0 };
	struct mkipc_recv r;
	struct mkipc_send s;
	struct mkipc_reply rep;
	struct op caller;
	char buf[64];
	int before = next_fd();
	void *p;

	EXPECT_EQ(-EFAULT, mkipc_ep_info(self->rfd,
					 ro_put(m, 0, &info, sizeof(info))));
	/* Raw: libmkipc's sender passes a structure of its own. */
	EXPECT_EQ(-EFAULT, raw_ioctl(self->rfd, MKIPC_IOC_EP_SENDER,
				     ro_put(m, 0, &snd, sizeof(snd))));
	EXPECT_EQ(before, next_fd()) TH_LOG("failed sender left an fd");
	/* Half of it writable, the other half not. */
	p = m->rw + m->page - sizeof(info) / 2;
	memset(p, 0, sizeof(info) / 2);
	EXPECT_EQ(-EFAULT, mkipc_ep_info(self->rfd, p));

	/* SEND only reads its argument: read-only is fine. */
	memset(&s, 0, sizeof(s));
	s.msg.label = 21;
	EXPECT_EQ(0, mkipc_send(self->sfd, ro_put(m, 0, &s, sizeof(s))));
	ASSERT_EQ(0, ep_send(self->sfd, 22, "x", 1, 0, 0));

	/*
	 * RECV from a read-only argument cannot write label and size back:
	 * EFAULT, and the message stays first in line.
	 */
	recv_init(&r, buf, sizeof(buf), MKIPC_F_NONBLOCK, 0);
	EXPECT_EQ(-EFAULT, mkipc_recv(self->rfd, ro_put(m, 0, &r, sizeof(r))));
	/* Straddling: msg writable, sender and token not. */
	p = m->rw + m->page - sizeof(struct mkipc_msg);
	memcpy(p, &r, sizeof(struct mkipc_msg));
	ro_put(m, 0, (char *)&r + sizeof(struct mkipc_msg),
	       sizeof(r) - sizeof(struct mkipc_msg));
	EXPECT_EQ(-EFAULT, mkipc_recv(self->rfd, p));
	EXPECT_EQ(2, ep_queued(self->rfd));
	ASSERT_EQ(0, ep_recv(self->rfd, &r, buf, sizeof(buf),
			     MKIPC_F_NONBLOCK, 0));
	EXPECT_EQ(21, r.msg.label);
	EXPECT_EQ(0, r.msg.size);
	ASSERT_EQ(0, ep_recv(self->rfd, &r, buf, sizeof(buf),
			     MKIPC_F_NONBLOCK, 0));
	EXPECT_EQ(22, r.msg.label);

	/* REPLY only reads its argument too. */
	ASSERT_EQ(0, op_start(&caller, OP_CALL, self->sfd, 23, 0,
			      WATCHDOG_NS));
	ASSERT_EQ(0, ep_take(self->rfd, &r, buf, sizeof(buf)));
	memset(&rep, 0, sizeof(rep));
	rep.token = r.token;
	rep.msg.label = echo_label(23);
	EXPECT_EQ(0, mkipc_reply(self->rfd, ro_put(m, 0, &rep, sizeof(rep))));
	ASSERT_EQ(0, op_join(&caller, WATCHDOG_MS));
	EXPECT_EQ(0, caller.ret);
	EXPECT_EQ(echo_label(23), caller.call.rep.label);
}

/* A call whose argument is read-only: EFAULT, whenever it is noticed. */
TEST_F_TIMEOUT(ep, call_read_only_argument_efault, T_SHORT)
{
	struct pages *m = &self->mem;
	struct mkipc_call c;
	struct mkipc_recv r;
	struct op server;
	char buf[64];

	/*
	 * Serves the request if the call queues one: then the kernel fails
	 * to write the reply's label and size back, and the reply is lost.
	 */
	op_prep(&server, OP_SERVE, self->rfd, 0, 0, 2 * SEC);
	ASSERT_EQ(0, op_go(&server));
	memset(&c, 0, sizeof(c));
	c.req.label = 31;
	c.rep.data = (uintptr_t)buf;
	c.rep.size = sizeof(buf);
	c.timeout_ns = WATCHDOG_NS;
	EXPECT_EQ(-EFAULT, mkipc_call(self->sfd, ro_put(m, 0, &c, sizeof(c))));
	ASSERT_EQ(0, op_join(&server, WATCHDOG_MS));
	if (server.ret == 0)
		EXPECT_EQ(0, server.reply_ret);
	/* Nothing is left behind in the queue. */
	EXPECT_EQ(-EAGAIN, ep_recv(self->rfd, &r, buf, sizeof(buf),
				   MKIPC_F_NONBLOCK, 0));
}

TEST_F_TIMEOUT(ep, payload_pointers_efault, T_SHORT)
{
	struct pages *m = &self->mem;
	unsigned int seed = 1;
	char data[64], buf[64];
	struct mkipc_recv r;

	/* Send: nothing is queued from a payload the kernel cannot read. */
	EXPECT_EQ(-EFAULT, ep_send(self->sfd, 1, NULL, 8, 0, 0));
	EXPECT_EQ(-EFAULT, ep_send(self->sfd, 1, (void *)1, 8, 0, 0));
	EXPECT_EQ(-EFAULT, ep_send(self->sfd, 1, unmapped_addr(), 8, 0, 0));
	EXPECT_EQ(-EFAULT, ep_send(self->sfd, 1, KERNEL_ADDR, 8, 0, 0));
	EXPECT_EQ(-EFAULT, ep_send(self->sfd, 1, m->none, 8, 0, 0));
	EXPECT_EQ(-EFAULT, ep_send(self->sfd, 1, m->ro + m->page - 4, 8, 0,
				   0));
	EXPECT_EQ(-EFAULT, ep_send(self->sfd, 1, m->none - 1, MKIPC_MSG_MAX,
				   0, 0));
	EXPECT_EQ(0, ep_queued(self->rfd));
	/* Read-only payloads are fine to send; no payload needs no buffer. */
	fill_random(data, sizeof(data), &seed);
	EXPECT_EQ(0, ep_send(self->sfd, 2, ro_put(m, 256, data, 64), 64, 0,
			     0));
	EXPECT_EQ(0, ep_send(self->sfd, 3, NULL, 0, 0, 0));
	EXPECT_EQ(0, ep_send(self->sfd, 4, "tail", 4, 0, 0));

	/*
	 * Receive into buffers the kernel cannot write: EFAULT each time, and
	 * the message stays first in line, in front of the others.
	 */
	EXPECT_EQ(-EFAULT, ep_recv(self->rfd, &r, NULL, 64, MKIPC_F_NONBLOCK,
				   0));
	EXPECT_EQ(-EFAULT, ep_recv(self->rfd, &r, (void *)1, 64,
				   MKIPC_F_NONBLOCK, 0));
	EXPECT_EQ(-EFAULT, ep_recv(self->rfd, &r, KERNEL_ADDR, 64,
				   MKIPC_F_NONBLOCK, 0));
	EXPECT_EQ(-EFAULT, ep_recv(self->rfd, &r, m->ro, 64,
				   MKIPC_F_NONBLOCK, 0));
	EXPECT_EQ(-EFAULT, ep_recv(self->rfd, &r, m->none, 64,
				   MKIPC_F_NONBLOCK, 0));
	EXPECT_EQ(-EFAULT, ep_recv(self->rfd, &r, m->rw + m->page - 32, 64,
				   MKIPC_F_NONBLOCK, 0));
	EXPECT_EQ(3, ep_queued(self->rfd));
	memset(buf, 0, sizeof(buf));
	ASSERT_EQ(0, ep_recv(self->rfd, &r, buf, sizeof(buf),
			     MKIPC_F_NONBLOCK, 0));
	EXPECT_EQ(2, r.msg.label);
	EXPECT_EQ(64, r.msg.size);
	EXPECT_EQ(0, memcmp(buf, data, 64));
	/* A message without payload needs no buffer. */
	ASSERT_EQ(0, ep_recv(self->rfd, &r, NULL, 0, MKIPC_F_NONBLOCK, 0));
	EXPECT_EQ(3, r.msg.label);
	EXPECT_EQ(0, r.msg.size);
	ASSERT_EQ(0, ep_recv(self->rfd, &r, buf, sizeof(buf),
			     MKIPC_F_NONBLOCK, 0));
	EXPECT_EQ(4, r.msg.label);
}

TEST_F_TIMEOUT(ep, call_payload_pointers_efault, T_SHORT)
{
	struct pages *m = &self->mem;
	struct mkipc_call c;
	struct op server;
	char buf[64];

	/* A request the kernel cannot read is not queued. */
	EXPECT_EQ(-EFAULT, ep_call(self->sfd, &c, 1, NULL, 8, buf, 64, 0,
				   WATCHDOG_NS));
	EXPECT_EQ(-EFAULT, ep_call(self->sfd, &c, 1, m->none, 8, buf, 64, 0,
				   WATCHDOG_NS));
	EXPECT_EQ(-EFAULT, ep_call(self->sfd, &c, 1, KERNEL_ADDR, 8, buf, 64,
				   0, WATCHDOG_NS));
	EXPECT_EQ(-EFAULT, ep_call(self->sfd, &c, 1, m->ro + m->page - 4, 8,
				   buf, 64, 0, WATCHDOG_NS));
	EXPECT_EQ(0, ep_queued(self->rfd));

	/*
	 * A reply buffer the kernel cannot write: the call fails with EFAULT
	 * and the reply is lost; the server's reply itself went through.
	 */
	ASSERT_EQ(0, op_serve(&server, self->rfd, 16));
	EXPECT_EQ(-EFAULT, ep_call(self->sfd, &c, 41, "req", 3, m->ro, 64, 0,
				   WATCHDOG_NS));
	ASSERT_EQ(0, op_join(&server, WATCHDOG_MS));
	EXPECT_EQ(0, server.ret);
	EXPECT_EQ(41, server.rcv.msg.label);
	EXPECT_EQ(0, server.reply_ret);

	ASSERT_EQ(0, op_serve(&server, self->rfd, 16));
	EXPECT_EQ(-EFAULT, ep_call(self->sfd, &c, 42, "req", 3,
				   m->rw + m->page - 8, 16, 0, WATCHDOG_NS));
	ASSERT_EQ(0, op_join(&server, WATCHDOG_MS));
	EXPECT_EQ(0, server.reply_ret);
	EXPECT_EQ(0, ep_queued(self->rfd));
}

TEST_F_TIMEOUT(ep, reply_pointers_efault_token_survives, T_SHORT)
{
	struct pages *m = &self->mem;
	struct mkipc_reply_recv rr;
	struct mkipc_recv r;
	struct op caller;
	char buf[64];
	__u64 token;

	ASSERT_EQ(0, op_start(&caller, OP_CALL, self->sfd, 51, 0,
			      WATCHDOG_NS));
	ASSERT_EQ(0, ep_take(self->rfd, &r, buf, sizeof(buf)));
	token = r.token;
	ASSERT_NE(0, token);
	ASSERT_EQ(0, ep_send(self->sfd, 52, NULL, 0, 0, 0));

	EXPECT_EQ(-EFAULT, ep_reply(self->rfd, token, 1, NULL, 8));
	EXPECT_EQ(-EFAULT, ep_reply(self->rfd, token, 1, m->none, 8));
	EXPECT_EQ(-EFAULT, ep_reply(self->rfd, token, 1, KERNEL_ADDR, 8));
	EXPECT_EQ(-EFAULT, ep_reply(self->rfd, token, 1, m->ro + m->page - 4,
				    8));
	/* REPLY_RECV: a bad reply fails the ioctl before it receives. */
	EXPECT_EQ(-EFAULT, ep_reply_recv(self->rfd, &rr, token, 1, m->none,
					 8, buf, sizeof(buf),
					 MKIPC_F_NONBLOCK, 0));
	EXPECT_EQ(1, ep_queued(self->rfd)) TH_LOG("REPLY_RECV received");
	EXPECT_EQ(-EFAULT, mkipc_reply(self->rfd, NULL));
	EXPECT_FALSE(atomic_load(&caller.done));

	/* The token is still good: the caller gets this reply. */
	ASSERT_EQ(0, ep_reply_recv(self->rfd, &rr, token, echo_label(51),
				   "fine", 4, buf, sizeof(buf),
				   MKIPC_F_NONBLOCK, 0));
	EXPECT_EQ(0, rr.reply_err);
	EXPECT_EQ(52, rr.recv.msg.label);
	EXPECT_EQ(0, rr.recv.token);
	ASSERT_EQ(0, op_join(&caller, WATCHDOG_MS));
	EXPECT_EQ(0, caller.ret);
	EXPECT_EQ(echo_label(51), caller.call.rep.label);
	EXPECT_EQ(4, caller.call.rep.size);
	EXPECT_EQ(0, memcmp(caller.rbuf, "fine", 4));
	/* Used up now. */
	EXPECT_EQ(-ENOENT, ep_reply(self->rfd, token, 1, NULL, 0));
}

TEST_F_TIMEOUT(ep, reply_recv_receive_buffer_efault, T_SHORT)
{
	struct pages *m = &self->mem;
	struct mkipc_reply_recv rr;
	char buf[64];

	ASSERT_EQ(0, ep_send(self->sfd, 61, "payload", 7, 0, 0));
	EXPECT_EQ(-EFAULT, ep_reply_recv(self->rfd, &rr, 0, 0, NULL, 0,
					 m->ro, 64, MKIPC_F_NONBLOCK, 0));
	EXPECT_EQ(-EFAULT, ep_reply_recv(self->rfd, &rr, 0, 0, NULL, 0,
					 NULL, 64, MKIPC_F_NONBLOCK, 0));
	EXPECT_EQ(1, ep_queued(self->rfd));
	ASSERT_EQ(0, ep_reply_recv(self->rfd, &rr, 0, 0, NULL, 0, buf,
				   sizeof(buf), MKIPC_F_NONBLOCK, 0));
	EXPECT_EQ(61, rr.recv.msg.label);
	EXPECT_EQ(7, rr.recv.msg.size);
	EXPECT_EQ(0, memcmp(buf, "payload", 7));
}

/* ==== sizes ==== */

TEST_F_TIMEOUT(ep, send_sizes, T_SHORT)
{
	static const __u32 sizes[] = { 0, 1, 7, 64, 4095, MKIPC_MSG_MAX };
	static char data[MKIPC_MSG_MAX + 64], buf[MKIPC_MSG_MAX];
	unsigned int seed = 7;
	struct mkipc_recv r;
	size_t i;

	fill_random(data, sizeof(data), &seed);
	EXPECT_EQ(-EINVAL, ep_send(self->sfd, 1, data, MKIPC_MSG_MAX + 1, 0,
				   0));
	EXPECT_EQ(-EINVAL, ep_send(self->sfd, 1, data, 1U << 31, 0, 0));
	EXPECT_EQ(-EINVAL, ep_send(self->sfd, 1, data, UINT32_MAX, 0, 0));
	EXPECT_EQ(0, ep_queued(self->rfd));
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		ASSERT_EQ(0, ep_send(self->sfd, 100 + i, data + i, sizes[i],
				     0, 0));
		memset(buf, 0, sizeof(buf));
		ASSERT_EQ(0, ep_recv(self->rfd, &r, buf, MKIPC_MSG_MAX,
				     MKIPC_F_NONBLOCK, 0));
		EXPECT_EQ(100 + i, r.msg.label);
		EXPECT_EQ(sizes[i], r.msg.size);
		EXPECT_EQ(0, memcmp(buf, data + i, sizes[i]))
			TH_LOG("payload of %u bytes differs", sizes[i]);
	}
	/* A capacity above MKIPC_MSG_MAX is refused; nothing is taken. */
	ASSERT_EQ(0, ep_send(self->sfd, 9, data, 10, 0, 0));
	EXPECT_EQ(-EINVAL, ep_recv(self->rfd, &r, data, MKIPC_MSG_MAX + 1,
				   MKIPC_F_NONBLOCK, 0));
	EXPECT_EQ(1, ep_queued(self->rfd));
}

TEST_F_TIMEOUT(ep, recv_emsgsize_keeps_message_first, T_SHORT)
{
	char data[100], buf[200];
	unsigned int seed = 3;
	struct mkipc_recv r;

	fill_random(data, sizeof(data), &seed);
	ASSERT_EQ(0, ep_send(self->sfd, 71, data, 100, 0, 0));
	ASSERT_EQ(0, ep_send(self->sfd, 72, "b", 1, 0, 0));

	EXPECT_EQ(-EMSGSIZE, ep_recv(self->rfd, &r, buf, 99,
				     MKIPC_F_NONBLOCK, 0));
	EXPECT_EQ(100, r.msg.size) TH_LOG("size needed not reported");
	EXPECT_EQ(-EMSGSIZE, ep_recv(self->rfd, &r, NULL, 0,
				     MKIPC_F_NONBLOCK, 0));
	EXPECT_EQ(100, r.msg.size);
	EXPECT_EQ(-EMSGSIZE, ep_recv(self->rfd, &r, buf, 1, 0, WATCHDOG_NS));
	EXPECT_EQ(100, r.msg.size);
	EXPECT_EQ(2, ep_queued(self->rfd));

	ASSERT_EQ(0, ep_recv(self->rfd, &r, buf, 100, MKIPC_F_NONBLOCK, 0));
	EXPECT_EQ(71, r.msg.label);
	EXPECT_EQ(100, r.msg.size);
	EXPECT_EQ(0, memcmp(buf, data, 100));
	ASSERT_EQ(0, ep_recv(self->rfd, &r, buf, 1, MKIPC_F_NONBLOCK, 0));
	EXPECT_EQ(72, r.msg.label);
}

TEST_F_TIMEOUT(ep, call_sizes, T_SHORT)
{
	static char req[MKIPC_MSG_MAX + 1], rep[MKIPC_MSG_MAX + 1];
	struct mkipc_reply_recv rr;
	struct mkipc_call c;
	struct mkipc_recv r;
	struct op caller;
	char buf[128];
	__u64 token;

	EXPECT_EQ(-EINVAL, ep_call(self->sfd, &c, 1, req, MKIPC_MSG_MAX + 1,
				   rep, 8, 0, WATCHDOG_NS));
	EXPECT_EQ(-EINVAL, ep_call(self->sfd, &c, 1, req, 8, rep,
				   MKIPC_MSG_MAX + 1, 0, WATCHDOG_NS));
	EXPECT_EQ(-EINVAL, ep_call(self->sfd, &c, 1, req, UINT32_MAX, rep, 8,
				   0, WATCHDOG_NS));
	EXPECT_EQ(0, ep_queued(self->rfd));

	/* The caller's buffer holds 64 bytes (struct op's rbuf). */
	ASSERT_EQ(0, op_start(&caller, OP_CALL, self->sfd, 81, 0,
			      WATCHDOG_NS));
	ASSERT_EQ(0, ep_take(self->rfd, &r, buf, sizeof(buf)));
	token = r.token;
	EXPECT_EQ(64, r.msg.size);
	EXPECT_EQ(-EINVAL, ep_reply(self->rfd, token, 1, rep,
				    MKIPC_MSG_MAX + 1));
	EXPECT_EQ(-EMSGSIZE, ep_reply(self->rfd, token, 1, rep, 65));
	EXPECT_EQ(-EMSGSIZE, ep_reply(self->rfd, token, 1, rep,
				      MKIPC_MSG_MAX));
	ASSERT_EQ(0, ep_send(self->sfd, 82, NULL, 0, 0, 0));
	EXPECT_EQ(-EMSGSIZE, ep_reply_recv(self->rfd, &rr, token, 1, rep,
					   65, buf, sizeof(buf),
					   MKIPC_F_NONBLOCK, 0));
	EXPECT_EQ(1, ep_queued(self->rfd)) TH_LOG("REPLY_RECV received");
	EXPECT_FALSE(atomic_load(&caller.done));
	/* Token still valid; exactly the caller's capacity fits. */
	memset(rep, 'z', 64);
	EXPECT_EQ(0, ep_reply(self->rfd, token, echo_label(81), rep, 64));
	ASSERT_EQ(0, op_join(&caller, WATCHDOG_MS));
	EXPECT_EQ(0, caller.ret);
	EXPECT_EQ(64, caller.call.rep.size);
	EXPECT_EQ(0, memcmp(caller.rbuf, rep, 64));
}

struct sized_server {
	int fd;
	const char *rep;
	__u32 size;
	long recv_ret;
	long reply_ret;
};

static void *serve_sized(void *arg)
{
	struct sized_server *sv = arg;
	struct mkipc_recv r;
	char buf[16];

	sv->recv_ret = ep_take(sv->fd, &r, buf, sizeof(buf));
	if (!sv->recv_ret)
		sv->reply_ret = ep_reply(sv->fd, r.token,
					 echo_label(r.msg.label), sv->rep,
					 sv->size);
	return NULL;
}

/* Replies of every size class arrive intact (up to 64 bytes: inline). */
TEST_F_TIMEOUT(ep, reply_sizes, T_SHORT)
{
	static const __u32 sizes[] = { 0, 1, 63, 64, 65, 200, 4095,
				       MKIPC_MSG_MAX };
	static char rep[MKIPC_MSG_MAX], got[MKIPC_MSG_MAX + 1];
	struct sized_server sv = { .fd = self->rfd, .rep = rep };
	unsigned int seed = 5;
	struct mkipc_call c;
	pthread_t thr;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		fill_random(rep, sizes[i], &seed);
		memset(got, 0xee, sizeof(got));
		sv.size = sizes[i];
		ASSERT_EQ(0, pthread_create(&thr, NULL, serve_sized, &sv));
		/* A buffer that fits exactly, then the largest there is. */
		EXPECT_EQ(0, ep_call(self->sfd, &c, 500 + i, NULL, 0, got,
				     i & 1 ? MKIPC_MSG_MAX : sizes[i], 0,
				     WATCHDOG_NS));
		pthread_join(thr, NULL);
		EXPECT_EQ(0, sv.recv_ret);
		EXPECT_EQ(0, sv.reply_ret);
		EXPECT_EQ(echo_label(500 + i), c.rep.label);
		EXPECT_EQ(sizes[i], c.rep.size);
		EXPECT_EQ(0, memcmp(got, rep, sizes[i]))
			TH_LOG("reply of %u bytes differs", sizes[i]);
		EXPECT_EQ((char)0xee, got[sizes[i]])
			TH_LOG("reply of %u bytes wrote past its size",
			       sizes[i]);
	}
}

/* ==== flags and reserved fields ==== */

TEST_F_TIMEOUT(ep, unknown_flags_einval, T_SHORT)
{
	struct mkipc_reply_recv rr;
	struct mkipc_recv r;
	struct mkipc_call c;
	char buf[64];
	int bit;

	ASSERT_EQ(0, ep_send(self->sfd, 1, NULL, 0, 0, 0));
	for (bit = 1; bit < 32; bit++) {
		__u32 f = 1U << bit;

		EXPECT_EQ(-EINVAL, ep_send(self->sfd, 2, NULL, 0, f, 0))
			TH_LOG("send flag bit %d", bit);
		EXPECT_EQ(-EINVAL, ep_recv(self->rfd, &r, buf, sizeof(buf),
					   f | MKIPC_F_NONBLOCK, 0))
			TH_LOG("recv flag bit %d", bit);
		EXPECT_EQ(-EINVAL, ep_call(self->sfd, &c, 3, NULL, 0, buf,
					   sizeof(buf), f, 10 * MS))
			TH_LOG("call flag bit %d", bit);
		EXPECT_EQ(-EINVAL, ep_reply_recv(self->rfd, &rr, 0, 0, NULL, 0,
						 buf, sizeof(buf),
						 f | MKIPC_F_NONBLOCK, 0))
			TH_LOG("reply_recv flag bit %d", bit);
	}
	for (bit = 0; bit < 32; bit++) {
		if ((1U << bit) & (MKIPC_EP_CLOEXEC | MKIPC_EP_NONBLOCK))
			continue;
		EXPECT_EQ(-EINVAL, mkipc_ep_sender(self->rfd, 1U << bit))
			TH_LOG("sender flag bit %d", bit);
	}
	/* Nothing queued, nothing taken. */
	EXPECT_EQ(1, ep_queued(self->rfd));
}

TEST_F_TIMEOUT(ep, reserved_fields_einval, T_SHORT)
{
	struct mkipc_ep_sender es;
	struct mkipc_reply_recv rr;
	struct mkipc_reply rep;
	struct mkipc_recv r;
	struct mkipc_send s;
	struct mkipc_call c;
	struct op caller;
	char buf[64];
	__u64 token;
	int i;

	/* send */
	for (i = 0; i < 4; i++) {
		memset(&s, 0, sizeof(s));
		s.msg.label = 1;
		if (i == 0)
			s.msg.reserved0 = 1;
		else if (i == 1)
			s.reserved0 = 1;
		else
			s.reserved[i - 2] = 1;
		EXPECT_EQ(-EINVAL, mkipc_send(self->sfd, &s))
			TH_LOG("send reserved #%d", i);
	}
	EXPECT_EQ(0, ep_queued(self->rfd));
	ASSERT_EQ(0, ep_send(self->sfd, 2, NULL, 0, 0, 0));

	/* recv: in-fields reserved; out-fields may hold anything */
	for (i = 0; i < 4; i++) {
		recv_init(&r, buf, sizeof(buf), MKIPC_F_NONBLOCK, 0);
		if (i == 0)
			r.msg.reserved0 = 1;
		else if (i == 1)
			r.reserved0 = 1;
		else
			r.reserved[i - 2] = 1;
		EXPECT_EQ(-EINVAL, mkipc_recv(self->rfd, &r))
			TH_LOG("recv reserved #%d", i);
	}
	EXPECT_EQ(1, ep_queued(self->rfd));
	recv_init(&r, buf, sizeof(buf), MKIPC_F_NONBLOCK, 0);
	r.msg.label = ~0ULL;
	memset(&r.sender, 0xff, sizeof(r.sender));
	r.token = ~0ULL;
	EXPECT_EQ(0, mkipc_recv(self->rfd, &r));
	EXPECT_EQ(2, r.msg.label);
	EXPECT_EQ(0, r.token);

	/* call */
	for (i = 0; i < 5; i++) {
		memset(&c, 0, sizeof(c));
		c.rep.data = (uintptr_t)buf;
		c.rep.size = sizeof(buf);
		c.timeout_ns = 10 * MS;
		if (i == 0)
			c.req.reserved0 = 1;
		else if (i == 1)
			c.rep.reserved0 = 1;
		else if (i == 2)
			c.reserved0 = 1;
		else
			c.reserved[i - 3] = 1;
		EXPECT_EQ(-EINVAL, mkipc_call(self->sfd, &c))
			TH_LOG("call reserved #%d", i);
	}
	EXPECT_EQ(0, ep_queued(self->rfd));

	/* reply and reply_recv, against a live token */
	ASSERT_EQ(0, op_start(&caller, OP_CALL, self->sfd, 91, 0,
			      WATCHDOG_NS));
	ASSERT_EQ(0, ep_take(self->rfd, &r, buf, sizeof(buf)));
	token = r.token;
	for (i = 0; i < 3; i++) {
		memset(&rep, 0, sizeof(rep));
		rep.token = token;
		if (i == 0)
			rep.msg.reserved0 = 1;
		else
			rep.reserved[i - 1] = 1;
		EXPECT_EQ(-EINVAL, mkipc_reply(self->rfd, &rep))
			TH_LOG("reply reserved #%d", i);
	}
	for (i = 0; i < 8; i++) {
		memset(&rr, 0, sizeof(rr));
		rr.reply.token = token;
		rr.recv.flags = MKIPC_F_NONBLOCK;
		if (i == 0)
			rr.reply.msg.reserved0 = 1;
		else if (i < 3)
			rr.reply.reserved[i - 1] = 1;
		else if (i == 3)
			rr.recv.msg.reserved0 = 1;
		else if (i == 4)
			rr.recv.reserved0 = 1;
		else if (i < 7)
			rr.recv.reserved[i - 5] = 1;
		else
			rr.reserved0 = 1;
		EXPECT_EQ(-EINVAL, mkipc_reply_recv(self->rfd, &rr))
			TH_LOG("reply_recv reserved #%d", i);
	}
	EXPECT_EQ(-EINVAL, ep_reply(self->rfd, 0, 1, NULL, 0))
		TH_LOG("token 0");
	EXPECT_FALSE(atomic_load(&caller.done));
	/* reply_err is out: anything in it is ignored. */
	memset(&rr, 0, sizeof(rr));
	rr.reply.token = token;
	rr.reply.msg.label = echo_label(91);
	rr.recv.flags = MKIPC_F_NONBLOCK;
	rr.reply_err = -1;
	EXPECT_EQ(-EAGAIN, mkipc_reply_recv(self->rfd, &rr));
	EXPECT_EQ(0, rr.reply_err);
	ASSERT_EQ(0, op_join(&caller, WATCHDOG_MS));
	EXPECT_EQ(0, caller.ret);
	EXPECT_EQ(echo_label(91), caller.call.rep.label);

	/* sender */
	for (i = 0; i < 2; i++) {
		memset(&es, 0, sizeof(es));
		es.reserved[i] = 1;
		/* Raw: reserved fields libmkipc's sender always zeroes. */
		EXPECT_EQ(-EINVAL,
			  raw_ioctl(self->rfd, MKIPC_IOC_EP_SENDER, &es));
	}
	memset(&es, 0, sizeof(es));
	es.fd = -12345;	/* out; raw, to see it written */
	i = raw_ioctl(self->rfd, MKIPC_IOC_EP_SENDER, &es);
	EXPECT_LE(0, i);
	EXPECT_EQ(i, es.fd);
	close(i);
}

/* ==== non-blocking ==== */

TEST_F_TIMEOUT(ep, nonblocking_recv_eagain, T_SHORT)
{
	struct mkipc_reply_recv rr;
	unsigned long long t0;
	struct mkipc_recv r;
	char buf[64];
	int fd, fl;

	EXPECT_EQ(-EAGAIN, ep_recv(self->rfd, &r, buf, sizeof(buf),
				   MKIPC_F_NONBLOCK, 0));
	EXPECT_EQ(-EAGAIN, ep_recv(self->rfd, &r, buf, sizeof(buf),
				   MKIPC_F_NONBLOCK, 10 * SEC));
	EXPECT_EQ(-EAGAIN, ep_reply_recv(self->rfd, &rr, 0, 0, NULL, 0, buf,
					 sizeof(buf), MKIPC_F_NONBLOCK, 0));

	/* Created non-blocking: every operation as if with the flag. */
	fd = mkipc_ep_create(self->dev, MKIPC_EP_NONBLOCK, 0, NULL);
	ASSERT_LE(0, fd);
	t0 = mkipc_clock_ns();
	EXPECT_EQ(-EAGAIN, ep_recv(fd, &r, buf, sizeof(buf), 0, 0));
	EXPECT_EQ(-EAGAIN, ep_reply_recv(fd, &rr, 0, 0, NULL, 0, buf,
					 sizeof(buf), 0, 0));
	EXPECT_GT(t0 + 5 * SEC, mkipc_clock_ns());
	close(fd);

	/* Set non-blocking with fcntl, then cleared again. */
	fl = fcntl(self->rfd, F_GETFL);
	ASSERT_EQ(0, fcntl(self->rfd, F_SETFL, fl | O_NONBLOCK));
	EXPECT_EQ(-EAGAIN, ep_recv(self->rfd, &r, buf, sizeof(buf), 0, 0));
	ASSERT_EQ(0, fcntl(self->rfd, F_SETFL, fl & ~O_NONBLOCK));
	EXPECT_EQ(-ETIMEDOUT, ep_recv(self->rfd, &r, buf, sizeof(buf), 0,
				      20 * MS));
}

TEST_F_TIMEOUT(ep, nonblocking_send_eagain, T_SHORT)
{
	struct mkipc_call c;
	char buf[64];
	int fd, s, fl;

	fd = mkipc_ep_create(self->dev, 0, 2, NULL);
	ASSERT_LE(0, fd);
	s = mkipc_ep_sender(fd, MKIPC_EP_NONBLOCK);
	ASSERT_LE(0, s);
	ASSERT_EQ(0, send_n(fd, 0, 2));
	EXPECT_EQ(-EAGAIN, ep_send(fd, 9, NULL, 0, MKIPC_F_NONBLOCK, 0));
	EXPECT_EQ(-EAGAIN, ep_send(fd, 9, NULL, 0, MKIPC_F_NONBLOCK,
				   10 * SEC));
	EXPECT_EQ(-EAGAIN, ep_send(s, 9, NULL, 0, 0, 0));
	EXPECT_EQ(-EAGAIN, ep_call(fd, &c, 9, NULL, 0, buf, sizeof(buf),
				   MKIPC_F_NONBLOCK, 10 * SEC));
	EXPECT_EQ(-EAGAIN, ep_call(s, &c, 9, NULL, 0, buf, sizeof(buf), 0,
				   10 * SEC));
	EXPECT_EQ(2, ep_queued(fd)) TH_LOG("EAGAIN queued something");
	close(s);

	/* O_NONBLOCK belongs to one open file: a separate sender blocks. */
	fl = fcntl(fd, F_GETFL);
	ASSERT_EQ(0, fcntl(fd, F_SETFL, fl | O_NONBLOCK));
	EXPECT_EQ(-EAGAIN, ep_send(fd, 9, NULL, 0, 0, 0));
	s = mkipc_ep_sender(fd, 0);
	ASSERT_LE(0, s);
	EXPECT_EQ(-ETIMEDOUT, ep_send(s, 9, NULL, 0, 0, 20 * MS));
	ASSERT_EQ(0, fcntl(s, F_SETFL, O_NONBLOCK));
	EXPECT_EQ(-EAGAIN, ep_send(s, 9, NULL, 0, 0, 0));
	EXPECT_EQ(2, ep_queued(fd));
	close(s);
	close(fd);
}

/* Non-blocking, a call still waits for its reply: only its send does not. */
TEST_F_TIMEOUT(ep, nonblocking_call_waits_for_reply, T_SHORT)
{
	struct mkipc_recv r;
	struct op caller;
	char buf[64];
	int fl;

	fl = fcntl(self->sfd, F_GETFL);
	ASSERT_EQ(0, fcntl(self->sfd, F_SETFL, fl | O_NONBLOCK));
	ASSERT_EQ(0, op_start(&caller, OP_CALL, self->sfd, 101,
			      MKIPC_F_NONBLOCK, 0));
	ASSERT_EQ(0, ep_take(self->rfd, &r, buf, sizeof(buf)));
	ASSERT_EQ(0, op_wait_blocked(&caller))
		TH_LOG("non-blocking call returned %ld before its reply",
		       caller.ret);
	EXPECT_EQ(0, ep_reply(self->rfd, r.token, echo_label(101), "r", 1));
	ASSERT_EQ(0, op_join(&caller, WATCHDOG_MS));
	EXPECT_EQ(0, caller.ret);
	EXPECT_EQ(echo_label(101), caller.call.rep.label);
}

/* ==== the queue bound ==== */

TEST_F_TIMEOUT(ep, full_queue, T_SHORT)
{
	unsigned long long t0, dt;
	struct mkipc_recv r;
	struct op blocked;
	char buf[64];
	int fd, s, i;

	fd = mkipc_ep_create(self->dev, 0, 4, NULL);
	ASSERT_LE(0, fd);
	s = mkipc_ep_sender(fd, 0);
	ASSERT_LE(0, s);
	ASSERT_EQ(0, send_n(s, 0, 4));
	EXPECT_EQ(4, ep_queued(fd));
	EXPECT_EQ(-EAGAIN, ep_send(s, 99, NULL, 0, MKIPC_F_NONBLOCK, 0));
	t0 = mkipc_clock_ns();
	EXPECT_EQ(-ETIMEDOUT, ep_send(s, 99, NULL, 0, 0, 100 * MS));
	dt = mkipc_clock_ns() - t0;
	EXPECT_LE(100 * MS, dt);
	EXPECT_GT(100 * MS + SLACK_NS, dt);

	/* A blocked sender goes on once a receive makes room. */
	ASSERT_EQ(0, op_start(&blocked, OP_SEND, s, 4, 0, 0));
	ASSERT_EQ(0, op_wait_blocked(&blocked))
		TH_LOG("send on a full queue returned %ld", blocked.ret);
	EXPECT_EQ(4, ep_queued(fd));
	ASSERT_EQ(0, ep_recv(fd, &r, buf, sizeof(buf), MKIPC_F_NONBLOCK, 0));
	EXPECT_EQ(0, r.msg.label);
	ASSERT_EQ(0, op_join(&blocked, WATCHDOG_MS));
	EXPECT_EQ(0, blocked.ret);
	EXPECT_EQ(4, ep_queued(fd));
	/* A blocked call too, and the order holds. */
	ASSERT_EQ(0, op_start(&blocked, OP_CALL, s, 5, 0, WATCHDOG_NS));
	ASSERT_EQ(0, op_wait_blocked(&blocked));
	for (i = 1; i <= 5; i++) {
		ASSERT_EQ(0, ep_take(fd, &r, buf, sizeof(buf)));
		EXPECT_EQ(i, r.msg.label);
	}
	EXPECT_NE(0, r.token);
	EXPECT_EQ(0, ep_reply(fd, r.token, echo_label(5), NULL, 0));
	ASSERT_EQ(0, op_join(&blocked, WATCHDOG_MS));
	EXPECT_EQ(0, blocked.ret);
	close(s);
	close(fd);
}

/* ==== tokens: ENOENT and ESRCH ==== */

TEST_F_TIMEOUT(ep, reply_unknown_token_enoent, T_SHORT)
{
	struct mkipc_reply_recv rr;
	struct mkipc_recv r;
	struct op caller;
	char buf[64];
	int other;

	EXPECT_EQ(-ENOENT, ep_reply(self->rfd, 0x5a5a5a5a5a5aULL, 1, NULL,
				    0));
	EXPECT_EQ(-ENOENT, ep_reply(self->rfd, 1, 1, NULL, 0));
	EXPECT_EQ(-ENOENT, ep_reply(self->rfd, ~0ULL, 1, NULL, 0));
	ASSERT_EQ(0, ep_send(self->sfd, 5, NULL, 0, 0, 0));
	EXPECT_EQ(-ENOENT, ep_reply_recv(self->rfd, &rr, 77, 1, NULL, 0, buf,
					 sizeof(buf), MKIPC_F_NONBLOCK, 0));
	EXPECT_EQ(1, ep_queued(self->rfd)) TH_LOG("REPLY_RECV received");
	ASSERT_EQ(0, ep_recv(self->rfd, &r, buf, sizeof(buf),
			     MKIPC_F_NONBLOCK, 0));

	/* A token names a call on one endpoint only. */
	ASSERT_EQ(0, op_start(&caller, OP_CALL, self->sfd, 111, 0,
			      WATCHDOG_NS));
	ASSERT_EQ(0, ep_take(self->rfd, &r, buf, sizeof(buf)));
	other = mkipc_ep_create(self->dev, 0, 0, NULL);
	ASSERT_LE(0, other);
	EXPECT_EQ(-ENOENT, ep_reply(other, r.token, 1, NULL, 0));
	close(other);
	EXPECT_EQ(0, ep_reply(self->rfd, r.token, echo_label(111), NULL, 0));
	ASSERT_EQ(0, op_join(&caller, WATCHDOG_MS));
	EXPECT_EQ(0, caller.ret);
	/* Replied once; twice is once too many. */
	EXPECT_EQ(-ENOENT, ep_reply(self->rfd, r.token, 1, NULL, 0));
}

#define HELD_CALLS 24

/*
 * A server holds more calls at once than the endpoint has call slots
 * (16), so that tokens come from both the slots and the table (and, with
 * MKIPC_EP_NO_RECYCLE, all from the table), and answers them last first:
 * every token is its own call's, works once, and then names nothing.
 */
TEST_F_TIMEOUT(ep, many_held_calls, T_SHORT)
{
	static const __u32 kinds[] = { 0, MKIPC_EP_NO_RECYCLE };
	__u64 token[HELD_CALLS], label[HELD_CALLS];
	struct op caller[HELD_CALLS];
	struct mkipc_ep_info info;
	struct mkipc_recv r;
	char buf[64];
	int fd, s, i, j, k;

	for (k = 0; k < (int)ARRAY_SIZE(kinds); k++) {
		fd = mkipc_ep_create(self->dev, kinds[k], 2 * HELD_CALLS, NULL);
		ASSERT_LE(0, fd);
		ASSERT_EQ(0, ep_info(fd, &info));
		EXPECT_EQ(kinds[k], info.flags & MKIPC_EP_NO_RECYCLE);
		s = mkipc_ep_sender(fd, 0);
		ASSERT_LE(0, s);
		for (i = 0; i < HELD_CALLS; i++)
			ASSERT_EQ(0, op_start(&caller[i], OP_CALL, s, 500 + i, 0,
					      WATCHDOG_NS));
		for (i = 0; i < HELD_CALLS; i++) {
			ASSERT_EQ(0, ep_take(fd, &r, buf, sizeof(buf)));
			label[i] = r.msg.label;
			token[i] = r.token;
			EXPECT_NE(0, token[i]);
			for (j = 0; j < i; j++)
				EXPECT_NE(token[j], token[i])
					TH_LOG("kind %#x: calls %d and %d share a token",
					       kinds[k], j, i);
		}
		for (i = HELD_CALLS - 1; i >= 0; i--) {
			EXPECT_EQ(0, ep_reply(fd, token[i],
					      echo_label(label[i]), NULL, 0));
			EXPECT_EQ(-ENOENT, ep_reply(fd, token[i], 1, NULL, 0));
		}
		for (i = 0; i < HELD_CALLS; i++) {
			ASSERT_EQ(0, op_join(&caller[i], WATCHDOG_MS));
			EXPECT_EQ(0, caller[i].ret);
			EXPECT_EQ(echo_label(caller[i].label),
				  caller[i].call.rep.label);
		}
		/* Used-up tokens name nothing, slots reused or not. */
		for (i = 0; i < HELD_CALLS; i++)
			EXPECT_EQ(-ENOENT, ep_reply(fd, token[i], 1, NULL, 0));
		close(s);
		close(fd);
	}
}

TEST_F_TIMEOUT(ep, caller_gave_up_esrch, T_SHORT)
{
	struct mkipc_reply_recv rr;
	struct mkipc_recv r;
	struct op caller;
	char buf[64];
	int status;
	pid_t pid;

	/* Timeout after a server took the request. */
	ASSERT_EQ(0, op_start(&caller, OP_CALL, self->sfd, 121, 0, 200 * MS));
	ASSERT_EQ(0, ep_take(self->rfd, &r, buf, sizeof(buf)));
	ASSERT_EQ(0, op_join(&caller, WATCHDOG_MS));
	EXPECT_EQ(-ETIMEDOUT, caller.ret);
	EXPECT_EQ(-ESRCH, ep_reply(self->rfd, r.token, 1, NULL, 0));
	EXPECT_EQ(-ENOENT, ep_reply(self->rfd, r.token, 1, NULL, 0))
		TH_LOG("ESRCH must use the token up");

	/* A signal after a server took the request, with and without
	 * SA_RESTART: a taken call never restarts.
	 */
	for (status = 0; status < 2; status++) {
		set_handler(SIGUSR1, status);
		ASSERT_EQ(0, op_start(&caller, OP_CALL, self->sfd, 122, 0, 0));
		ASSERT_EQ(0, ep_take(self->rfd, &r, buf, sizeof(buf)));
		ASSERT_EQ(0, op_wait_blocked(&caller));
		ASSERT_EQ(0, op_signal(&caller, SIGUSR1));
		ASSERT_EQ(0, op_join(&caller, WATCHDOG_MS))
			TH_LOG("taken call restarted after a signal (SA_RESTART %d)",
			       status);
		EXPECT_EQ(-EINTR, caller.ret);
		EXPECT_EQ(-ESRCH, ep_reply(self->rfd, r.token, 1, NULL, 0));
	}

	/* The calling process dies. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct mkipc_call c;

		ep_call(self->sfd, &c, 123, NULL, 0, NULL, 0, 0, 0);
		_exit(1);
	}
	ASSERT_EQ(0, ep_take(self->rfd, &r, buf, sizeof(buf)));
	EXPECT_EQ(pid, r.sender.pid);
	kill(pid, SIGKILL);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(-ESRCH, ep_reply(self->rfd, r.token, 1, NULL, 0));

	/* REPLY_RECV reports ESRCH in reply_err and goes on receiving. */
	ASSERT_EQ(0, op_start(&caller, OP_CALL, self->sfd, 124, 0, 100 * MS));
	ASSERT_EQ(0, ep_take(self->rfd, &r, buf, sizeof(buf)));
	ASSERT_EQ(0, op_join(&caller, WATCHDOG_MS));
	ASSERT_EQ(0, ep_send(self->sfd, 125, NULL, 0, 0, 0));
	EXPECT_EQ(0, ep_reply_recv(self->rfd, &rr, r.token, 1, NULL, 0, buf,
				   sizeof(buf), MKIPC_F_NONBLOCK, 0));
	EXPECT_EQ(ESRCH, rr.reply_err);
	EXPECT_EQ(125, rr.recv.msg.label);
}

/*
 * Issue 13, item 1: a server that takes calls and never answers, and a
 * caller that gives up on each. Before ABI 0.6 a taken call stopped
 * counting against max_msgs, so every call was taken and its record kept
 * until the endpoint died (20,000 such calls with 4 KiB payloads held
 * 157 MB). Now a taken call counts until its token is used up: the
 * server takes max_msgs of them, the next caller waits for room and
 * times out before any server sees its call.
 */
#define ABANDON_MAX	4

TEST_F_TIMEOUT(ep, abandoned_calls_bounded, T_SHORT)
{
	static const __u32 kinds[] = { 0, MKIPC_EP_NO_RECYCLE };
	__u64 token[3 * ABANDON_MAX];
	struct mkipc_ep_info info;
	struct mkipc_recv r;
	struct mkipc_call c;
	struct op caller;
	int fd, s, i, k, taken;
	char buf[64];

	for (k = 0; k < (int)ARRAY_SIZE(kinds); k++) {
		fd = mkipc_ep_create(self->dev, kinds[k], ABANDON_MAX, NULL);
		ASSERT_LE(0, fd);
		s = mkipc_ep_sender(fd, 0);
		ASSERT_LE(0, s);
		taken = 0;
		for (i = 0; i < 3 * ABANDON_MAX; i++) {
			ASSERT_EQ(0, op_start(&caller, OP_CALL, s, 700 + i, 0,
					      100 * MS));
			if (!ep_recv(fd, &r, buf, sizeof(buf), 0, 500 * MS))
				token[taken++] = r.token;
			ASSERT_EQ(0, op_join(&caller, WATCHDOG_MS));
			EXPECT_EQ(-ETIMEDOUT, caller.ret);
		}
		EXPECT_EQ(ABANDON_MAX, taken)
			TH_LOG("kind %#x: %d calls taken and given up, max_msgs %d",
			       kinds[k], taken, ABANDON_MAX);
		ASSERT_EQ(0, ep_info(fd, &info));
		EXPECT_EQ(ABANDON_MAX, info.abandoned);
		EXPECT_EQ(0, info.queued);
		/* Full: a send waits for room (here: fails at once). */
		EXPECT_EQ(-EAGAIN, ep_send(s, 1, NULL, 0, MKIPC_F_NONBLOCK, 0));
		EXPECT_EQ(-EAGAIN, ep_call(s, &c, 2, NULL, 0, NULL, 0,
					   MKIPC_F_NONBLOCK, 100 * MS));
		/* An answer, even one that fails, makes room for one. */
		EXPECT_EQ(-ESRCH, ep_reply(fd, token[0], 1, NULL, 0));
		ASSERT_EQ(0, ep_info(fd, &info));
		EXPECT_EQ(ABANDON_MAX - 1, info.abandoned);
		EXPECT_EQ(0, ep_send(s, 3, NULL, 0, MKIPC_F_NONBLOCK, 0));
		EXPECT_EQ(-EAGAIN, ep_send(s, 4, NULL, 0, MKIPC_F_NONBLOCK, 0));
		EXPECT_EQ(0, ep_take(fd, &r, buf, sizeof(buf)));
		EXPECT_EQ(3, r.msg.label);
		for (i = 1; i < taken; i++)
			EXPECT_EQ(-ESRCH, ep_reply(fd, token[i], 1, NULL, 0));
		ASSERT_EQ(0, ep_info(fd, &info));
		EXPECT_EQ(0, info.abandoned);
		EXPECT_EQ(0, info.queued);
		close(s);
		close(fd);
	}
}

TEST_HARNESS_MAIN
