// SPDX-License-Identifier: GPL-2.0
/*
 * binder_pingpong: the round trip of a Binder transaction between two
 * processes, the nearest real peer of an mkipc call. A child becomes the
 * context manager (handle 0) and answers every BR_TRANSACTION with a
 * BC_REPLY of the same size; the parent sends BC_TRANSACTION to handle 0
 * and waits for BR_REPLY, timing each round trip with CLOCK_MONOTONIC.
 * Everything goes through BINDER_WRITE_READ, as libbinder's IPCThreadState
 * does, without libbinder.
 *
 * usage: binder_pingpong [--dev PATH] [--iters N] [--warmup N] [--size B]
 *                        [--cpu N]
 * Prints min, p50, p99, max and avg in ns, and a SUMMARY line. Needs
 * /dev/binder (Debian: modprobe binder_linux devices=binder) and a
 * process allowed to become the context manager (the first to ask).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/android/binder.h>

#define MAP_SIZE	(1024 * 1024)
#define MAX_PAYLOAD	4096

static void die(const char *what)
{
	fprintf(stderr, "binder_pingpong: %s: %s\n", what, strerror(errno));
	exit(1);
}

struct bnd {
	int fd;
	void *map;
};

static void bnd_open(struct bnd *b, const char *dev)
{
	struct binder_version v;

	b->fd = open(dev, O_RDWR | O_CLOEXEC);
	if (b->fd < 0)
		die(dev);
	if (ioctl(b->fd, BINDER_VERSION, &v) < 0)
		die("BINDER_VERSION");
	if (v.protocol_version != BINDER_CURRENT_PROTOCOL_VERSION) {
		fprintf(stderr, "binder_pingpong: protocol %d, built for %d\n",
			v.protocol_version, BINDER_CURRENT_PROTOCOL_VERSION);
		exit(1);
	}
	b->map = mmap(NULL, MAP_SIZE, PROT_READ, MAP_PRIVATE, b->fd, 0);
	if (b->map == MAP_FAILED)
		die("mmap");
}

/* One BINDER_WRITE_READ: @wlen bytes of commands, then read into @rbuf. */
static size_t bnd_wr(struct bnd *b, const void *w, size_t wlen, void *rbuf,
		     size_t rlen)
{
	struct binder_write_read bwr = {
		.write_size = wlen,
		.write_buffer = (uintptr_t)w,
		.read_size = rlen,
		.read_buffer = (uintptr_t)rbuf,
	};

	while (ioctl(b->fd, BINDER_WRITE_READ, &bwr) < 0) {
		if (errno != EINTR)
			die("BINDER_WRITE_READ");
		/* What was consumed stays consumed; go on with the rest. */
		bwr.write_size -= bwr.write_consumed;
		bwr.write_buffer += bwr.write_consumed;
		bwr.write_consumed = 0;
	}
	return bwr.read_consumed;
}

/* Appends command @cmd and its @len bytes of argument to @p. */
static char *put(char *p, uint32_t cmd, const void *arg, size_t len)
{
	memcpy(p, &cmd, sizeof(cmd));
	if (len)
		memcpy(p + sizeof(cmd), arg, len);
	return p + sizeof(cmd) + len;
}

/*
 * Reads returns until one of @want (BR_TRANSACTION or BR_REPLY) arrives;
 * copies its transaction data into @td. Other returns (BR_NOOP,
 * BR_TRANSACTION_COMPLETE, BR_SPAWN_LOOPER) are skipped.
 */
static void bnd_wait(struct bnd *b, const void *w, size_t wlen,
		     uint32_t want, struct binder_transaction_data *td)
{
	char rbuf[256];
	size_t n, off;
	uint32_t cmd;

	for (;;) {
		n = bnd_wr(b, w, wlen, rbuf, sizeof(rbuf));
		w = NULL;
		wlen = 0;
		for (off = 0; off + sizeof(cmd) <= n;) {
			memcpy(&cmd, rbuf + off, sizeof(cmd));
			off += sizeof(cmd);
			switch (cmd) {
			case BR_NOOP:
			case BR_TRANSACTION_COMPLETE:
			case BR_SPAWN_LOOPER:
				break;
			case BR_TRANSACTION:
			case BR_REPLY:
				memcpy(td, rbuf + off, sizeof(*td));
				off += sizeof(*td);
				if (cmd == want)
					return;
				fprintf(stderr, "binder_pingpong: unexpected %s\n",
					cmd == BR_REPLY ? "BR_REPLY" :
					"BR_TRANSACTION");
				exit(1);
			default:
				fprintf(stderr,
					"binder_pingpong: return %#x\n", cmd);
				exit(1);
			}
		}
	}
}

static void serve(const char *dev, int ready)
{
	struct binder_transaction_data td, rep;
	char wbuf[256], *p;
	struct bnd b;
	uint64_t buf;
	char c = 1;

	bnd_open(&b, dev);
	if (ioctl(b.fd, BINDER_SET_CONTEXT_MGR, 0) < 0)
		die("BINDER_SET_CONTEXT_MGR");
	p = put(wbuf, BC_ENTER_LOOPER, NULL, 0);
	if (write(ready, &c, 1) != 1)
		die("ready");
	for (;;) {
		bnd_wait(&b, wbuf, p - wbuf, BR_TRANSACTION, &td);
		/* Give the request's buffer back; reply with its bytes. */
		buf = td.data.ptr.buffer;
		memset(&rep, 0, sizeof(rep));
		rep.code = td.code;
		rep.data_size = td.data_size;
		rep.data.ptr.buffer = td.data.ptr.buffer;
		p = put(wbuf, BC_REPLY, &rep, sizeof(rep));
		p = put(p, BC_FREE_BUFFER, &buf, sizeof(buf));
	}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Nearest rank, as tools/mkipc/lat.c. */
static uint64_t pct(const uint64_t *v, long n, int p)
{
	long rank = (n * p + 99) / 100;

	return v[rank ? rank - 1 : 0];
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dev", required_argument, NULL, 'd' },
		{ "iters", required_argument, NULL, 'n' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "size", required_argument, NULL, 's' },
		{ "cpu", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	long iters = 10000, warmup = -1, size = 0, cpu = -1, i;
	const char *dev = "/dev/binder";
	struct binder_transaction_data td, rep;
	char wbuf[256], *p, payload[MAX_PAYLOAD] = { 0 };
	uint64_t *lat, t0, sum = 0, buf;
	int pipefd[2], o, status;
	struct bnd b;
	pid_t srv;
	char c;

	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'd':
			dev = optarg;
			break;
		case 'n':
			iters = atol(optarg);
			break;
		case 'w':
			warmup = atol(optarg);
			break;
		case 's':
			size = atol(optarg);
			break;
		case 'c':
			cpu = atol(optarg);
			break;
		default:
			fputs("usage: binder_pingpong [--dev PATH] [--iters N] [--warmup N]\n"
			      "                       [--size B] [--cpu N]\n", stderr);
			return 2;
		}
	}
	if (iters < 1 || size < 0 || size > MAX_PAYLOAD) {
		fprintf(stderr, "binder_pingpong: iters >= 1, size 0..%d\n",
			MAX_PAYLOAD);
		return 2;
	}
	if (warmup < 0)
		warmup = iters / 10;
	if (cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set))
			die("sched_setaffinity");
	}
	if (pipe(pipefd))
		die("pipe");
	srv = fork();
	if (srv < 0)
		die("fork");
	if (!srv) {
		close(pipefd[0]);
		serve(dev, pipefd[1]);
		_exit(0);
	}
	close(pipefd[1]);
	if (read(pipefd[0], &c, 1) != 1) {
		fprintf(stderr, "binder_pingpong: the server did not start\n");
		waitpid(srv, NULL, 0);
		return 1;
	}
	bnd_open(&b, dev);
	lat = calloc(iters, sizeof(*lat));
	if (!lat)
		die("calloc");
	p = wbuf;
	for (i = -warmup; i < iters; i++) {
		memset(&td, 0, sizeof(td));
		td.target.handle = 0;
		td.code = 1;
		td.data_size = size;
		td.data.ptr.buffer = (uintptr_t)payload;
		p = put(p, BC_TRANSACTION, &td, sizeof(td));
		t0 = now_ns();
		bnd_wait(&b, wbuf, p - wbuf, BR_REPLY, &rep);
		if (i >= 0)
			lat[i] = now_ns() - t0;
		if (rep.data_size != (binder_size_t)size) {
			fprintf(stderr, "binder_pingpong: reply of %llu bytes, sent %ld\n",
				(unsigned long long)rep.data_size, size);
			return 1;
		}
		/* The reply's buffer goes back with the next transaction. */
		buf = rep.data.ptr.buffer;
		p = put(wbuf, BC_FREE_BUFFER, &buf, sizeof(buf));
	}
	kill(srv, SIGKILL);
	waitpid(srv, &status, 0);
	qsort(lat, iters, sizeof(*lat), cmp_u64);
	for (i = 0; i < iters; i++)
		sum += lat[i];
	printf("# binder_pingpong: %s, two processes, cpu=%ld iters=%ld warmup=%ld size=%ld\n",
	       dev, cpu, iters, warmup, size);
	printf("SUMMARY bench=binder transport=binder mode=procs");
	printf(" cpu=%ld iters=%ld warmup=%ld size=%ld", cpu, iters, warmup,
	       size);
	printf(" min_ns=%llu avg_ns=%.1f p50_ns=%llu p99_ns=%llu max_ns=%llu\n",
	       (unsigned long long)lat[0],
	       (double)sum / iters, (unsigned long long)pct(lat, iters, 50),
	       (unsigned long long)pct(lat, iters, 99),
	       (unsigned long long)lat[iters - 1]);
	return 0;
}
