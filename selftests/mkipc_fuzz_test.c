// SPDX-License-Identifier: GPL-2.0
/*
 * A randomized ioctl fuzzer for /dev/mkipc and its endpoints.
 *
 * A few threads share a table of descriptors (/dev/mkipc, receive and
 * send-only endpoint fds, dead endpoints, closed numbers, pipes, eventfds,
 * sockets, /dev/null) and throw ioctls at them: every mkipc command,
 * numbers near them (other sizes, directions, numbers, magic), random
 * numbers; with argument pointers that are NULL, unmapped, PROT_NONE,
 * read-only, kernel or non-canonical addresses, misaligned, or straddling
 * into an inaccessible page; with random sizes, flags, labels, tokens and
 * reserved fields. Between ioctls they create, mint, duplicate, shut down
 * and close descriptors, toggle O_NONBLOCK and fork children that use the
 * inherited ones and die.
 *
 * Nothing may block for long: every operation that can wait has a timeout
 * of at most 2 ms or MKIPC_F_NONBLOCK, and a watchdog fails the test if
 * the threads stop making progress. Every result must be one the header
 * documents for that command (or ENOTTY/EBADF: a number may have been
 * closed or reused by another thread in the meantime); an undefined mkipc
 * command must fail with ENOTTY. At the end everything is closed and no
 * endpoint may be left alive; run_tests.sh then checks the kernel log.
 *
 * The seed is printed; MKIPC_FUZZ_SEED replays a run's choices (the
 * threads' interleaving is the kernel's). Fuzzed ioctls: 2 x 10^5 scaled
 * by MKIPC_TEST_SCALE (besides those the serve and call turns make).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/mkipc.h>

#include "kselftest_harness.h"
#include "mkipc_test.h"
#include "mkipc_ep_util.h"

#define NSLOTS		24
#define NTHREADS	3
#define MAX_ERRNO	134
/* No progress for this long (ms) means something hangs. */
#define STALL_MS	60000

/* ---- the commands ---- */

enum {
	C_VERSION,
	C_EP_CREATE,
	C_EP_INFO,
	C_EP_SENDER,
	C_EP_SHUTDOWN,
	C_SEND,
	C_RECV,
	C_CALL,
	C_REPLY,
	C_REPLY_RECV,
	C_SWITCH,
	C_NEAR,		/* an undefined number with mkipc's magic */
	C_OTHER,	/* anything else: another magic, random */
	C_NR
};

static const char * const cmd_names[C_NR] = {
	"VERSION", "EP_CREATE", "EP_INFO", "EP_SENDER", "EP_SHUTDOWN", "SEND",
	"RECV", "CALL", "REPLY", "REPLY_RECV", "SWITCH", "near", "other",
};

static const unsigned long cmds[C_NEAR] = {
	MKIPC_IOC_VERSION, MKIPC_IOC_EP_CREATE, MKIPC_IOC_EP_INFO,
	MKIPC_IOC_EP_SENDER, MKIPC_IOC_EP_SHUTDOWN, MKIPC_IOC_SEND,
	MKIPC_IOC_RECV, MKIPC_IOC_CALL, MKIPC_IOC_REPLY, MKIPC_IOC_REPLY_RECV,
	MKIPC_IOC_SWITCH,
};

/*
 * What each command may return besides success, from the header; ENOTTY
 * and EBADF are always possible here (the number may name another file
 * by now, or none). Zero-terminated.
 */
static const int allowed[C_NR][12] = {
	[C_VERSION]	= { EFAULT },
	[C_EP_CREATE]	= { EFAULT, EINVAL, EMFILE, ENFILE, ENOBUFS, ENOMEM },
	[C_EP_INFO]	= { EFAULT },
	[C_EP_SENDER]	= { EBADF, EFAULT, EINVAL, EPIPE, EMFILE, ENFILE,
			    ENOMEM },
	[C_EP_SHUTDOWN]	= { EBADF },
	[C_SEND]	= { EAGAIN, EFAULT, EINTR, EINVAL, ENOBUFS, ENOMEM,
			    EPIPE, ETIMEDOUT },
	[C_RECV]	= { EAGAIN, EBADF, EFAULT, EINTR, EINVAL, EMSGSIZE,
			    EPIPE, ETIMEDOUT },
	[C_CALL]	= { EAGAIN, EFAULT, EINTR, EINVAL, ENOBUFS, ENOMEM,
			    EOWNERDEAD, EPIPE, ETIMEDOUT },
	[C_REPLY]	= { EBADF, EFAULT, EINVAL, EMSGSIZE, ENOBUFS, ENOENT,
			    ENOMEM, ESRCH },
	[C_REPLY_RECV]	= { EBADF, EFAULT, EINVAL, EMSGSIZE, ENOBUFS, ENOENT,
			    ENOMEM, EAGAIN, EINTR, EPIPE, ETIMEDOUT },
	[C_SWITCH]	= { EFAULT, EINVAL, EINTR, ENOMEM, EPERM, ESRCH,
			    ETIMEDOUT, EOPNOTSUPP },
};

static int errno_allowed(int cls, int e)
{
	int i;

	if (e == ENOTTY || e == EBADF)
		return 1;
	for (i = 0; i < 12 && allowed[cls][i]; i++)
		if (allowed[cls][i] == e)
			return 1;
	return 0;
}

/* ---- the descriptor table ---- */

enum {
	K_NONE,
	K_DEV,		/* /dev/mkipc */
	K_RECV,		/* an endpoint's receive fd */
	K_SEND,		/* a send-only fd */
	K_DEAD,		/* a receive fd we shut down */
	K_FOREIGN,	/* a pipe, eventfd, socket or /dev/null */
	K_CLOSED,	/* a number we closed (maybe reused since) */
};

struct slot {
	int fd;
	int kind;
};

/* Memory the fuzzer points the kernel at. */
struct arena {
	long page;
	char *rw;		/* 2 pages, shared payload buffers */
	char *ro;		/* 1 page, read-only, random bytes */
	char *none;		/* 1 page, PROT_NONE */
	char *hole;		/* 1 page, unmapped */
};

struct fuzz {
	pthread_mutex_t lock;		/* the slots and descriptor changes */
	struct slot slot[NSLOTS];
	int dev;			/* kept open for creates */
	struct arena mem;
	long target;			/* ioctls per thread */
	atomic_ullong tokens[16];	/* tokens seen received */
	atomic_uint token_next;
	atomic_long ioctls;
	atomic_long tally[C_NR][MAX_ERRNO + 1];	/* [0]: success */
	atomic_long violations;
	atomic_long children;
	atomic_long child_failures;
	pthread_mutex_t vlock;
	char violation[4][160];		/* the first few, for the log */
};

struct fthread {
	struct fuzz *fz;
	pthread_t thr;
	int id;
	unsigned int seed;
	char *arg;		/* 2 pages of its own, then a PROT_NONE page */
	char *arg_ro;		/* a read-only page of its own */
	atomic_long progress;
	char last[160];		/* the operation in flight */
};

static unsigned int rnd(unsigned int *seed)
{
	return rand_r(seed);
}

static unsigned long long rnd64(unsigned int *seed)
{
	return (unsigned long long)rnd(seed) << 42 ^
	       (unsigned long long)rnd(seed) << 21 ^ rnd(seed);
}

/* True with probability @pct percent. */
static int chance(unsigned int *seed, int pct)
{
	return (int)(rnd(seed) % 100) < pct;
}

static int arena_map(struct arena *a)
{
	char *p;
	long i;

	a->page = sysconf(_SC_PAGESIZE);
	p = mmap(NULL, 5 * a->page, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -1;
	a->rw = p;
	a->ro = p + 2 * a->page;
	a->none = a->ro + a->page;
	a->hole = a->none + a->page;
	for (i = 0; i < a->page; i++)
		a->ro[i] = i * 7;
	if (mprotect(a->ro, a->page, PROT_READ) ||
	    mprotect(a->none, a->page, PROT_NONE) ||
	    munmap(a->hole, a->page))
		return -1;
	return 0;
}

/* A payload pointer, and a length that goes with it (or not). */
static __u64 pick_data(struct fthread *t, __u32 *size)
{
	struct arena *a = &t->fz->mem;
	unsigned int *s = &t->seed;
	long off;

	switch (rnd(s) % 16) {
	case 0:
		return 0;
	case 1:
		return 1;
	case 2:
		return (uintptr_t)a->hole + rnd(s) % a->page;
	case 3:
		return (uintptr_t)a->none + rnd(s) % a->page;
	case 4:
		return 0xffff888000000000ULL + (rnd(s) & ~7U);
	case 5:
		return chance(s, 50) ? 0x8000000000000000ULL : ~0ULL - 4095;
	case 6:
	case 7:
		/* read-only: fine to send from, not to receive into */
		off = rnd(s) % a->page;
		if (chance(s, 70))
			*size = rnd(s) % (a->page - off + 1);
		return (uintptr_t)a->ro + off;
	case 8:
		/* straddling from writable into read-only memory */
		*size = 16 + rnd(s) % 256;
		return (uintptr_t)a->ro - rnd(s) % 16;
	default:
		/* valid, maybe misaligned, maybe running off the end */
		off = rnd(s) % (2 * a->page);
		if (chance(s, 80))
			*size = rnd(s) % (2 * a->page - off + 1);
		return (uintptr_t)a->rw + off;
	}
}

static __u32 pick_size(unsigned int *s)
{
	switch (rnd(s) % 10) {
	case 0:
	case 1:
	case 2:
	case 3:
		return rnd(s) % 65;
	case 4:
	case 5:
		return rnd(s) % (MKIPC_MSG_MAX + 1);
	case 6:
		return MKIPC_MSG_MAX;
	case 7:
		return MKIPC_MSG_MAX + 1 + rnd(s) % 4096;
	case 8:
		return rnd(s) ^ rnd(s) << 16;
	default:
		return 0;
	}
}

/* Message flags: mostly valid, sometimes not. */
static __u32 pick_flags(unsigned int *s)
{
	if (chance(s, 10))
		return 1U << (rnd(s) % 32) | (rnd(s) & 1);
	return chance(s, 50) ? MKIPC_F_NONBLOCK : 0;
}

static __u64 pick_token(struct fthread *t)
{
	unsigned int *s = &t->seed;

	if (chance(s, 60))
		return atomic_load(&t->fz->tokens[rnd(s) % 16]);
	if (chance(s, 30))
		return rnd(s) % 64;
	return rnd64(s);
}

/* Mostly zero; sometimes one bit somewhere. */
static __u64 pick_reserved(unsigned int *s)
{
	return chance(s, 5) ? 1ULL << (rnd(s) % 64) : 0;
}

static void fill_msg(struct fthread *t, struct mkipc_msg *m)
{
	unsigned int *s = &t->seed;

	m->label = rnd64(s);
	m->size = pick_size(s);
	m->data = pick_data(t, &m->size);
	m->reserved0 = pick_reserved(s);
}

/*
 * Blocking is bounded: a wait without MKIPC_F_NONBLOCK gets a timeout of
 * at most 2 ms; with it, any timeout (nothing waits). A call waits for
 * its reply whatever the flags: always the short timeout.
 */
static void bound_wait(unsigned int *s, __u32 *flags, __u64 *timeout,
		       int is_call)
{
	if (!is_call && (*flags & MKIPC_F_NONBLOCK) && chance(s, 50))
		*timeout = chance(s, 50) ? 0 : rnd64(s);
	else
		*timeout = 1 + rnd(s) % (2 * MS);
}

/* Fills a random argument for @c at @p. */
static void fill_arg(struct fthread *t, int c, void *p)
{
	unsigned int *s = &t->seed;
	union {
		struct mkipc_version v;
		struct mkipc_ep_create cr;
		struct mkipc_ep_info in;
		struct mkipc_ep_sender se;
		struct mkipc_send sd;
		struct mkipc_recv rc;
		struct mkipc_call ca;
		struct mkipc_reply rp;
		struct mkipc_reply_recv rr;
		struct mkipc_switch sw;
		char raw[128];
	} u;
	size_t i;

	for (i = 0; i < sizeof(u.raw); i++)
		u.raw[i] = rnd(s);
	switch (c) {
	case C_EP_CREATE:
		u.cr.flags = chance(s, 85) ? rnd(s) & 0x703 : rnd(s);
		u.cr.max_msgs = chance(s, 85) ? rnd(s) % 65 :
				chance(s, 50) ? MKIPC_EP_MAX_MSGS + rnd(s) % 2 :
				rnd(s);
		u.cr.reserved0 = pick_reserved(s);
		u.cr.reserved[0] = pick_reserved(s);
		u.cr.reserved[1] = pick_reserved(s);
		break;
	case C_EP_SENDER:
		u.se.flags = chance(s, 85) ? rnd(s) & 3 : rnd(s);
		u.se.reserved[0] = pick_reserved(s);
		u.se.reserved[1] = pick_reserved(s);
		break;
	case C_SEND:
		fill_msg(t, &u.sd.msg);
		u.sd.flags = pick_flags(s);
		u.sd.reserved0 = pick_reserved(s);
		u.sd.reserved[0] = pick_reserved(s);
		u.sd.reserved[1] = pick_reserved(s);
		bound_wait(s, &u.sd.flags, &u.sd.timeout_ns, 0);
		break;
	case C_RECV:
		fill_msg(t, &u.rc.msg);
		u.rc.flags = pick_flags(s);
		u.rc.reserved0 = pick_reserved(s);
		u.rc.reserved[0] = pick_reserved(s);
		u.rc.reserved[1] = pick_reserved(s);
		bound_wait(s, &u.rc.flags, &u.rc.timeout_ns, 0);
		break;
	case C_CALL:
		fill_msg(t, &u.ca.req);
		fill_msg(t, &u.ca.rep);
		u.ca.flags = pick_flags(s);
		u.ca.reserved0 = pick_reserved(s);
		u.ca.reserved[0] = pick_reserved(s);
		u.ca.reserved[1] = pick_reserved(s);
		bound_wait(s, &u.ca.flags, &u.ca.timeout_ns, 1);
		break;
	case C_REPLY:
		u.rp.token = pick_token(t);
		fill_msg(t, &u.rp.msg);
		u.rp.reserved[0] = pick_reserved(s);
		u.rp.reserved[1] = pick_reserved(s);
		break;
	case C_REPLY_RECV:
		u.rr.reply.token = chance(s, 30) ? 0 : pick_token(t);
		fill_msg(t, &u.rr.reply.msg);
		u.rr.reply.reserved[0] = pick_reserved(s);
		u.rr.reply.reserved[1] = pick_reserved(s);
		fill_msg(t, &u.rr.recv.msg);
		u.rr.recv.flags = pick_flags(s);
		u.rr.recv.reserved0 = pick_reserved(s);
		u.rr.recv.reserved[0] = pick_reserved(s);
		u.rr.recv.reserved[1] = pick_reserved(s);
		u.rr.reserved0 = pick_reserved(s);
		bound_wait(s, &u.rr.recv.flags, &u.rr.recv.timeout_ns, 0);
		break;
	case C_SWITCH:
		/*
		 * Runs short enough for a fuzzer: a few samples, a few ms; a
		 * count past the limit (EINVAL) now and then, never one that
		 * would run for long.
		 */
		u.sw.flags = chance(s, 85) ? rnd(s) & MKIPC_SW_FLAGS : rnd(s);
		u.sw.mech = chance(s, 85) ? rnd(s) % MKIPC_SW_NMECH : rnd(s);
		u.sw.mm = chance(s, 85) ? rnd(s) % MKIPC_SW_NMM : rnd(s);
		u.sw.cpu = chance(s, 85) ? (int)(rnd(s) % 3) - 1 : (int)rnd(s);
		u.sw.cpu2 = chance(s, 85) ? rnd(s) % 3 : (int)rnd(s);
		u.sw.peer_pid = chance(s, 50) ? getppid() : (int)rnd(s);
		u.sw.iters = chance(s, 90) ? 1 + rnd(s) % 64 :
			     MKIPC_SW_MAX_ITERS + 1 + rnd(s) % 4;
		u.sw.timeout_ns = 1000000ULL * (1 + rnd(s) % 20);
		u.sw.reserved0 = pick_reserved(s);
		for (i = 0; i < ARRAY_SIZE(u.sw.reserved); i++)
			u.sw.reserved[i] = pick_reserved(s);
		break;
	default:
		break;
	}
	memcpy(p, &u, sizeof(u));
}

/*
 * The argument pointer for @c: mostly a good buffer of the thread's own,
 * filled at random; else misaligned, read-only, straddling into a
 * PROT_NONE page, or no memory at all. Blocking commands get their bound
 * wherever the kernel will read them.
 */
static void *pick_arg(struct fthread *t, int c)
{
	unsigned int *s = &t->seed;
	long page = t->fz->mem.page;
	char *p;

	switch (rnd(s) % 32) {
	case 0:
		return NULL;
	case 1:
		return (void *)(uintptr_t)(1 + rnd(s) % 4095);
	case 2:
		return t->fz->mem.hole;
	case 3:
		return t->fz->mem.none;
	case 4:
		return (void *)(0xffffffff81000000ULL + (rnd(s) & ~7U));
	case 5:
		return (void *)0x8000000000000000ULL;
	case 6:
	case 7:
		/* read-only, filled first */
		mprotect(t->arg_ro, page, PROT_READ | PROT_WRITE);
		p = t->arg_ro + (rnd(s) % 8) * 8;
		fill_arg(t, c, p);
		mprotect(t->arg_ro, page, PROT_READ);
		return p;
	case 8:
	case 9:
		/* runs into the PROT_NONE page after the thread's area */
		p = t->arg + 2 * page - 1 - rnd(s) % 128;
		/* only what fits is filled; the rest is no memory */
		{
			char tmp[128];
			size_t fit = t->arg + 2 * page - p;

			fill_arg(t, c, tmp);
			memcpy(p, tmp, fit < sizeof(tmp) ? fit : sizeof(tmp));
		}
		return p;
	case 10:
		p = t->arg + 1 + rnd(s) % 7;
		fill_arg(t, c, p);
		return p;
	default:
		p = t->arg + (rnd(s) % 64) * 8;
		fill_arg(t, c, p);
		return p;
	}
}

/* A command number: defined, near one, or random (class in *cls). */
static unsigned long pick_cmd(unsigned int *s, int *cls)
{
	unsigned long c, base;

	switch (rnd(s) % 10) {
	case 0:
		/* a defined command with its size, direction or nr bent */
		base = cmds[rnd(s) % C_NEAR];
		switch (rnd(s) % 4) {
		case 0:
			c = base ^ ((unsigned long)(1 + rnd(s) % 3) <<
				    _IOC_DIRSHIFT);
			break;
		case 1:
			c = (base & ~((unsigned long)_IOC_SIZEMASK <<
				      _IOC_SIZESHIFT)) |
			    (unsigned long)(rnd(s) % 512) << _IOC_SIZESHIFT;
			break;
		case 2:
			c = _IOC(_IOC_DIR(base), MKIPC_IOC_MAGIC,
				 0x02 + rnd(s) % 0x40, _IOC_SIZE(base));
			break;
		default:
			c = _IOC(_IOC_DIR(base), MKIPC_IOC_MAGIC + 1 -
				 2 * (rnd(s) & 1), _IOC_NR(base),
				 _IOC_SIZE(base));
			break;
		}
		break;
	case 1:
		/*
		 * Random, but never the VFS's own numbers (type 0, 'T', 'X',
		 * 'f', 0x94: FIONBIO, FIFREEZE, FICLONE and such), which
		 * are not mkipc's to answer and may do real things.
		 */
		do {
			c = rnd(s) ^ (unsigned long)rnd(s) << 16;
			base = _IOC_TYPE(c);
		} while (base == 0 || base == 'T' || base == 'X' ||
			 base == 'f' || base == 0x94);
		break;
	default:
		*cls = rnd(s) % C_NEAR;
		/* Shut endpoints down less often than the rest. */
		if (*cls == C_EP_SHUTDOWN && chance(s, 75))
			*cls = C_EP_INFO;
		return cmds[*cls];
	}
	*cls = C_OTHER;
	for (base = 0; base < C_NEAR; base++)
		if (c == cmds[base])
			*cls = base;
	if (*cls == C_OTHER && _IOC_TYPE(c) == MKIPC_IOC_MAGIC)
		*cls = C_NEAR;
	return c;
}

static const char *errname(int e)
{
	const char *n = e ? strerrorname_np(e) : "ok";

	return n ? n : "E?";
}

/* Notes a result the header does not allow (not in a child: no locks). */
static void violation(struct fthread *t, int cls, unsigned long c, int kind,
		      long ret)
{
	struct fuzz *fz = t->fz;
	long n = atomic_fetch_add(&fz->violations, 1);

	if (n >= 4)
		return;
	pthread_mutex_lock(&fz->vlock);
	snprintf(fz->violation[n], sizeof(fz->violation[n]),
		 "%s (cmd %#lx) on fd kind %d: %s (%ld)", cmd_names[cls], c,
		 kind, errname(-ret), ret);
	pthread_mutex_unlock(&fz->vlock);
}

/* Puts @fd (of @kind) into a random slot, closing what was there. */
static void slot_put(struct fthread *t, int fd, int kind)
{
	struct fuzz *fz = t->fz;
	struct slot *sl = &fz->slot[rnd(&t->seed) % NSLOTS];

	pthread_mutex_lock(&fz->lock);
	if (sl->kind != K_NONE && sl->kind != K_CLOSED)
		close(sl->fd);
	sl->fd = fd;
	sl->kind = kind;
	pthread_mutex_unlock(&fz->lock);
}

/* Whether a descriptor of @kind is the right one for command @cls. */
static int kind_fits(int kind, int cls)
{
	switch (cls) {
	case C_VERSION:
	case C_EP_CREATE:
	case C_SWITCH:
		return kind == K_DEV;
	case C_EP_INFO:
	case C_SEND:
	case C_CALL:
		return kind == K_RECV || kind == K_SEND || kind == K_DEAD;
	case C_EP_SENDER:
	case C_EP_SHUTDOWN:
	case C_RECV:
	case C_REPLY:
	case C_REPLY_RECV:
		return kind == K_RECV || kind == K_DEAD;
	default:
		return 1;
	}
}

/*
 * A slot for command @cls: mostly one of a kind that fits (so that the
 * command gets past the type checks), else any.
 */
static struct slot slot_get(struct fthread *t, int cls)
{
	struct fuzz *fz = t->fz;
	int i, start = rnd(&t->seed) % NSLOTS;
	struct slot sl;

	pthread_mutex_lock(&fz->lock);
	sl = fz->slot[start];
	if (chance(&t->seed, 75)) {
		for (i = 0; i < NSLOTS; i++) {
			if (kind_fits(fz->slot[(start + i) % NSLOTS].kind,
				      cls)) {
				sl = fz->slot[(start + i) % NSLOTS];
				break;
			}
		}
	}
	pthread_mutex_unlock(&fz->lock);
	return sl;
}

/*
 * Tallies one result and checks it against the header: 1 if the header
 * does not allow it for the command, else 0.
 */
static int account(struct fthread *t, int cls, unsigned long c, int kind,
		   long ret, int in_child)
{
	int bad = 0;

	if (ret > 0)
		ret = 0;
	if (!in_child)
		atomic_fetch_add(&t->fz->tally[cls][ret < -MAX_ERRNO ?
						    MAX_ERRNO : -ret], 1);
	if (cls == C_OTHER)
		return 0;
	if (ret == 0 && cls == C_NEAR)
		bad = 1;
	else if (ret < 0 && !errno_allowed(cls, -ret))
		bad = 1;
	if (bad && !in_child)
		violation(t, cls, c, kind, ret);
	return bad;
}

static void remember_token(struct fuzz *fz, __u64 tok)
{
	unsigned int i = atomic_fetch_add(&fz->token_next, 1);

	if (tok)
		atomic_store(&fz->tokens[i % 16], tok);
}

/*
 * A server's turn, with good arguments: receive (up to 5 ms), and answer
 * a call at once or a little later (its caller may have given up by
 * then), with a reply that may not fit the caller's buffer.
 */
static void fuzz_serve(struct fthread *t)
{
	struct slot sl = slot_get(t, C_RECV);
	unsigned int *s = &t->seed;
	struct mkipc_reply rp;
	struct mkipc_recv r;
	long ret;

	memset(&r, 0, sizeof(r));
	r.msg.data = (uintptr_t)t->arg + t->fz->mem.page;
	r.msg.size = MKIPC_MSG_MAX;
	r.timeout_ns = 1 + rnd(s) % (5 * MS);
	ret = mkipc_recv(sl.fd, &r);
	account(t, C_RECV, MKIPC_IOC_RECV, sl.kind, ret, 0);
	if (ret || !r.token)
		return;
	if (chance(s, 20)) {
		remember_token(t->fz, r.token);	/* a fuzzed reply's */
		return;
	}
	if (chance(s, 30))
		usleep(rnd(s) % 3000);
	memset(&rp, 0, sizeof(rp));
	rp.token = r.token;
	rp.msg.label = ~r.msg.label;
	rp.msg.data = (uintptr_t)t->fz->mem.rw + rnd(s) % 1024;
	rp.msg.size = chance(s, 70) ? rnd(s) % 65 : rnd(s) % 4097;
	ret = mkipc_reply(sl.fd, &rp);
	account(t, C_REPLY, MKIPC_IOC_REPLY, sl.kind, ret, 0);
	if (ret == -EMSGSIZE) {
		rp.msg.size = 0;
		ret = mkipc_reply(sl.fd, &rp);
		account(t, C_REPLY, MKIPC_IOC_REPLY, sl.kind, ret, 0);
	}
}

/* A client's turn, with good arguments: a call of up to 20 ms. */
static void fuzz_call(struct fthread *t)
{
	struct slot sl = slot_get(t, C_CALL);
	unsigned int *s = &t->seed;
	struct mkipc_call c;
	long ret;

	memset(&c, 0, sizeof(c));
	c.req.label = rnd64(s);
	c.req.data = (uintptr_t)t->fz->mem.rw + rnd(s) % 2048;
	c.req.size = rnd(s) % 129;
	c.rep.data = (uintptr_t)t->arg + t->fz->mem.page;
	c.rep.size = rnd(s) % 257;
	c.flags = chance(s, 30) ? MKIPC_F_NONBLOCK : 0;
	c.timeout_ns = 1 + rnd(s) % (20 * MS);
	ret = mkipc_call(sl.fd, &c);
	account(t, C_CALL, MKIPC_IOC_CALL, sl.kind, ret, 0);
}

/*
 * One fuzzed ioctl; 1 if its result is one the header does not allow for
 * the command, else 0.
 */
static int fuzz_ioctl(struct fthread *t, int in_child)
{
	struct fuzz *fz = t->fz;
	struct slot sl;
	unsigned long c;
	int cls, bad;
	void *arg;
	long ret;

	c = pick_cmd(&t->seed, &cls);
	if (in_child)
		sl = fz->slot[rnd(&t->seed) % NSLOTS];	/* no locks here */
	else
		sl = slot_get(t, cls);
	if (sl.kind == K_NONE) {
		sl.fd = fz->dev;
		sl.kind = K_DEV;
	}
	/* Other files get mkipc's numbers only, not random ones. */
	if (sl.kind == K_FOREIGN && cls == C_OTHER) {
		cls = C_VERSION;
		c = cmds[cls];
	}
	if (cls == C_OTHER || cls == C_NEAR) {
		arg = t->arg;
		fill_arg(t, C_REPLY_RECV, arg);
	} else {
		arg = pick_arg(t, cls);
	}
	if (!in_child)
		snprintf(t->last, sizeof(t->last),
			 "ioctl(%d kind %d, %#lx %s, %p)", sl.fd, sl.kind, c,
			 cmd_names[cls], arg);

	/* Raw on purpose: any number, malformed arguments, bad pointers. */
	ret = raw_ioctl(sl.fd, c, arg);

	if (ret >= 0 && (cls == C_EP_CREATE || cls == C_EP_SENDER)) {
		/* A new descriptor: keep it in play. */
		if (in_child)
			close(ret);
		else
			slot_put(t, ret, cls == C_EP_CREATE ? K_RECV : K_SEND);
	}
	bad = account(t, cls, c, sl.kind, ret, in_child);

	/* Tokens received become replies later. */
	if (ret == 0 && !in_child &&
	    (cls == C_RECV || cls == C_REPLY_RECV) &&
	    (char *)arg >= t->arg &&
	    (char *)arg < t->arg + 2 * fz->mem.page - 128) {
		remember_token(fz, cls == C_RECV ?
			       ((struct mkipc_recv *)arg)->token :
			       ((struct mkipc_reply_recv *)arg)->recv.token);
	}
	return bad;
}

/* In a forked child: a few ioctls on the inherited table, then death. */
static void child_run(struct fthread *t)
{
	int i, n = 20 + rnd(&t->seed) % 40, bad = 0;

	for (i = 0; i < n; i++)
		bad += fuzz_ioctl(t, 1);
	_exit(bad ? 1 : 0);
}

/* Everything but an ioctl: descriptors come and go. */
static void fuzz_other(struct fthread *t, int what)
{
	struct fuzz *fz = t->fz;
	unsigned int *s = &t->seed;
	struct slot *sl;
	int fd, p[2], status;
	__u32 flags;
	pid_t pid;

	switch (what) {
	case 0:
	case 1:
	case 2:
		flags = rnd(s) & 0x703;
		fd = mkipc_ep_create(fz->dev, flags, rnd(s) % 33, NULL);
		if (fd >= 0)
			slot_put(t, fd, K_RECV);
		break;
	case 3:
	case 4:
		sl = &fz->slot[rnd(s) % NSLOTS];
		/* Drawn whatever the slot holds: a seed replays the run. */
		flags = rnd(s) & 3;
		pthread_mutex_lock(&fz->lock);
		fd = sl->kind == K_RECV ? mkipc_ep_sender(sl->fd, flags) : -1;
		pthread_mutex_unlock(&fz->lock);
		if (fd >= 0)
			slot_put(t, fd, K_SEND);
		break;
	case 5:
	case 6:
		sl = &fz->slot[rnd(s) % NSLOTS];
		pthread_mutex_lock(&fz->lock);
		if (sl->kind != K_NONE && sl->kind != K_CLOSED) {
			close(sl->fd);
			sl->kind = K_CLOSED;	/* the number stays */
		}
		pthread_mutex_unlock(&fz->lock);
		break;
	case 7:
		sl = &fz->slot[rnd(s) % NSLOTS];
		pthread_mutex_lock(&fz->lock);
		if (sl->kind == K_RECV &&
		    !mkipc_ep_shutdown(sl->fd))
			sl->kind = K_DEAD;
		pthread_mutex_unlock(&fz->lock);
		break;
	case 8:
		sl = &fz->slot[rnd(s) % NSLOTS];
		pthread_mutex_lock(&fz->lock);
		fd = sl->kind != K_NONE && sl->kind != K_CLOSED ?
		     fcntl(sl->fd, F_DUPFD_CLOEXEC, 3) : -1;
		status = sl->kind;
		pthread_mutex_unlock(&fz->lock);
		if (fd >= 0)
			slot_put(t, fd, status);
		break;
	case 9:
		sl = &fz->slot[rnd(s) % NSLOTS];
		pthread_mutex_lock(&fz->lock);
		if (sl->kind != K_NONE && sl->kind != K_CLOSED)
			fcntl(sl->fd, F_SETFL, rnd(s) & 1 ? O_NONBLOCK : 0);
		pthread_mutex_unlock(&fz->lock);
		break;
	case 10:
		switch (rnd(s) % 4) {
		case 0:
			if (pipe2(p, O_CLOEXEC))
				return;
			close(p[rnd(s) & 1]);
			fd = p[0] >= 0 && fcntl(p[0], F_GETFD) >= 0 ? p[0] : p[1];
			break;
		case 1:
			fd = eventfd(0, EFD_CLOEXEC);
			break;
		case 2:
			if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0,
				       p))
				return;
			close(p[1]);
			fd = p[0];
			break;
		default:
			fd = open("/dev/null", O_RDWR | O_CLOEXEC);
			break;
		}
		if (fd >= 0)
			slot_put(t, fd, K_FOREIGN);
		break;
	case 11:
		fd = mkipc_open();
		if (fd >= 0)
			slot_put(t, fd, K_DEV);
		break;
	default:
		/* A child inherits the table, uses it, and dies. */
		pthread_mutex_lock(&fz->lock);
		pid = fork();
		pthread_mutex_unlock(&fz->lock);
		if (pid == 0)
			child_run(t);
		if (pid > 0) {
			atomic_fetch_add(&fz->children, 1);
			if (waitpid(pid, &status, 0) != pid ||
			    !WIFEXITED(status) || WEXITSTATUS(status))
				atomic_fetch_add(&fz->child_failures, 1);
		}
		break;
	}
}

static void *fuzz_thread(void *arg)
{
	struct fthread *t = arg;
	long done = 0;
	int r;

	while (done < t->fz->target) {
		r = rnd(&t->seed) % 100;
		if (r < 70) {
			fuzz_ioctl(t, 0);
			done++;
			atomic_fetch_add(&t->fz->ioctls, 1);
		} else if (r < 75) {
			snprintf(t->last, sizeof(t->last), "serve");
			fuzz_serve(t);
		} else if (r < 80) {
			snprintf(t->last, sizeof(t->last), "call");
			fuzz_call(t);
		} else {
			/* 80..98: the other operations; 99: a child, rarely */
			r -= 80;
			if (r == 19 && rnd(&t->seed) % 8)
				r = 0;
			snprintf(t->last, sizeof(t->last), "operation %d", r);
			fuzz_other(t, r < 19 ? r % 12 : 12);
		}
		atomic_fetch_add(&t->progress, 1);
	}
	return NULL;
}

FIXTURE(fuzz) {
	struct fuzz *fz;
	struct fthread th[NTHREADS];
};

FIXTURE_SETUP(fuzz)
{
	long page = sysconf(_SC_PAGESIZE);
	int i;

	self->fz = calloc(1, sizeof(*self->fz));
	ASSERT_NE(NULL, self->fz);
	pthread_mutex_init(&self->fz->lock, NULL);
	pthread_mutex_init(&self->fz->vlock, NULL);
	ASSERT_EQ(0, arena_map(&self->fz->mem));
	self->fz->dev = mkipc_open();
	ASSERT_LE(0, self->fz->dev)
		TH_LOG("open %s: %s", MKIPC_DEV_PATH, strerror(errno));
	for (i = 0; i < NTHREADS; i++) {
		char *p = mmap(NULL, 4 * page, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		ASSERT_NE(MAP_FAILED, p);
		ASSERT_EQ(0, mprotect(p + 2 * page, page, PROT_NONE));
		self->th[i].arg = p;
		self->th[i].arg_ro = p + 3 * page;
	}
}

FIXTURE_TEARDOWN(fuzz)
{
}

TEST_F_TIMEOUT(fuzz, ioctls, 1200)
{
	struct fuzz *fz = self->fz;
	struct mkipc_paths paths;
	unsigned long long seed, t0, dt;
	const char *env = getenv("MKIPC_FUZZ_SEED");
	long total, last = -1, live, n;
	int i, c, e, stalled_ms = 0;
	char line[1024];
	size_t len;

	seed = env ? strtoull(env, NULL, 0) : mkipc_clock_ns() ^ getpid();
	total = mkipc_ep_scaled(200000);
	fz->target = (total + NTHREADS - 1) / NTHREADS;
	ksft_print_msg("seed=%llu ioctls=%ld threads=%d\n", seed,
		       fz->target * NTHREADS, NTHREADS);
	ksft_print_msg("MKIPC_FUZZ_SEED=%llu replays this run's choices\n",
		       seed);
	fflush(stdout);
	srand(seed);
	for (i = 0; i < NSLOTS; i++)
		fz->slot[i].kind = K_NONE;

	mkipc_paths_read(&paths);
	t0 = mkipc_clock_ns();
	for (i = 0; i < NTHREADS; i++) {
		self->th[i].fz = fz;
		self->th[i].id = i;
		self->th[i].seed = seed * (i + 1) + i;
		ASSERT_EQ(0, pthread_create(&self->th[i].thr, NULL,
					    fuzz_thread, &self->th[i]));
	}
	/* The watchdog: the threads must keep making progress. */
	for (;;) {
		long p = 0, done = 0;

		for (i = 0; i < NTHREADS; i++)
			p += atomic_load(&self->th[i].progress);
		done = atomic_load(&fz->ioctls);
		if (done >= fz->target * NTHREADS)
			break;
		if (p == last) {
			stalled_ms += 100;
		} else {
			stalled_ms = 0;
			last = p;
		}
		if (stalled_ms >= STALL_MS) {
			for (i = 0; i < NTHREADS; i++)
				TH_LOG("thread %d stuck in %s", i,
				       self->th[i].last);
			ASSERT_LT(stalled_ms, STALL_MS)
				TH_LOG("no progress for %d ms: a hang", STALL_MS);
		}
		usleep(100000);
	}
	for (i = 0; i < NTHREADS; i++)
		pthread_join(self->th[i].thr, NULL);
	dt = mkipc_clock_ns() - t0;

	/* Close everything: no endpoint may outlive its descriptors. */
	for (i = 0; i < NSLOTS; i++)
		if (fz->slot[i].kind != K_NONE && fz->slot[i].kind != K_CLOSED)
			close(fz->slot[i].fd);
	close(fz->dev);
	live = mkipc_wait_live_endpoints(0, 10000);

	ksft_print_msg("ioctls=%ld secs=%llu.%llu violations=%ld live_endpoints_after=%ld\n",
		       atomic_load(&fz->ioctls), dt / 1000000000ULL,
		       dt / 100000000ULL % 10, atomic_load(&fz->violations),
		       live);
	ksft_print_msg("children=%ld child_failures=%ld\n",
		       atomic_load(&fz->children),
		       atomic_load(&fz->child_failures));
	/* Which delivery paths the random load took: shown, not required. */
	if (mkipc_paths_since(&paths, "fuzz"))
		TH_LOG("delivery paths not shown: debugfs mkipc/stats unreadable");
	/* Per command: how many, how many succeeded, each errno seen. */
	for (c = 0; c < C_NR; c++) {
		len = snprintf(line, sizeof(line), "%-10s", cmd_names[c]);
		for (e = 0; e <= MAX_ERRNO; e++) {
			n = atomic_load(&fz->tally[c][e]);
			if (!n)
				continue;
			len += snprintf(line + len, sizeof(line) - len, " %s=%ld",
					errname(e), n);
			if (len >= sizeof(line))
				break;
		}
		ksft_print_msg("%s\n", line);
	}
	len = snprintf(line, sizeof(line), "all errnos:");
	for (e = 0; e <= MAX_ERRNO; e++) {
		for (n = 0, c = 0; c < C_NR; c++)
			n += atomic_load(&fz->tally[c][e]);
		if (n && len < sizeof(line))
			len += snprintf(line + len, sizeof(line) - len,
					" %s=%ld",
					errname(e), n);
	}
	ksft_print_msg("%s\n", line);
	fflush(stdout);

	for (i = 0; i < 4 && i < atomic_load(&fz->violations); i++)
		TH_LOG("violation: %s", fz->violation[i]);
	EXPECT_EQ(0, atomic_load(&fz->violations));
	EXPECT_EQ(0, atomic_load(&fz->child_failures));
	EXPECT_LE(total, atomic_load(&fz->ioctls));
	if (live < 0 && geteuid())
		TH_LOG("endpoint count not checked: debugfs is root's");
	else
		EXPECT_EQ(0, live)
			TH_LOG("endpoints left alive after every fd closed");
}

TEST_HARNESS_MAIN
