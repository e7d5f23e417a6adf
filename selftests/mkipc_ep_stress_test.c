// SPDX-License-Identifier: GPL-2.0
/*
 * Endpoints, as the user ABI (include/uapi/linux/mkipc.h) promises them,
 * under stress: signals in storms while calls and messages flow; closes
 * racing calls; endpoint churn; every allocation failing in turn (debug
 * lanes: failslab); and conservation of calls under load (every call gets
 * exactly its own reply).
 *
 * The rounds scale with MKIPC_EP_SCALE where it is set, else with
 * MKIPC_TEST_SCALE (mkipc_test.h), so that a lane can shrink this program
 * alone.
 *
 * The header is the contract: where the module disagrees with it, the test
 * fails and says which promise was broken.
 *
 * Counts scale with MKIPC_TEST_SCALE (percent); assertions do not.
 * Expects mkipc.ko loaded and debugfs mounted (run_tests.sh does both).
 */
#define _GNU_SOURCE
#include "mkipc_ep_fixture.h"

/* ==== signal storms ==== */

/* What became of one call or message, as each side saw it. */
enum {
	OUT_NONE,
	OUT_OK,
	OUT_EINTR,
	OUT_ETIMEDOUT,
	OUT_EAGAIN,
	OUT_ESRCH,
	OUT_UNKNOWN,	/* a reply_recv interrupted: its reply went or not */
	OUT_OTHER,
};

static int outcome(long err)
{
	switch (err) {
	case 0:
		return OUT_OK;
	case -EINTR:
		return OUT_EINTR;
	case -ETIMEDOUT:
		return OUT_ETIMEDOUT;
	case -EAGAIN:
		return OUT_EAGAIN;
	case -ESRCH:
		return OUT_ESRCH;
	default:
		return OUT_OTHER;
	}
}

#define STORM_THREADS	8

struct storm {
	int rfd;
	int sfd;
	long per_client;
	int nclients;
	atomic_int clients_done;
	atomic_int stop_signals;
	atomic_int stopping;		/* the endpoint is being shut down */
	atomic_uchar *received;		/* per seq: times a server got it */
	unsigned char *client_out;	/* per seq: OUT_*, as its client saw */
	atomic_uchar *reply_out;	/* per seq: OUT_*, as its server saw */
	atomic_long bad_payloads;	/* a reply or message not as sent */
	atomic_long server_errors;	/* unexpected errors on the far side */
	atomic_long last_server_error;
	atomic_long order_errors;
	atomic_long signals_sent;
	pthread_t thr[STORM_THREADS];	/* every thread that gets signals */
	int nthr;
};

struct storm_thread {
	struct storm *st;
	int id;
};

static void *storm_signaller(void *arg)
{
	struct storm *st = arg;
	unsigned int seed = 4242;

	while (!atomic_load(&st->stop_signals)) {
		pthread_kill(st->thr[rand_r(&seed) % st->nthr],
			     rand_r(&seed) & 1 ? SIGUSR1 : SIGUSR2);
		atomic_fetch_add(&st->signals_sent, 1);
		usleep(rand_r(&seed) % 1500);
	}
	return NULL;
}

/* Calls, half of them with a timeout, a quarter non-blocking. */
static void *storm_caller(void *arg)
{
	struct storm_thread *t = arg;
	struct storm *st = t->st;
	long n;

	for (n = 0; n < st->per_client; n++) {
		__u64 seq = t->id * st->per_client + n;
		__u64 req[2] = { seq, ~seq }, rep[2] = { 0, 0 };
		__u32 flags = n % 4 == 3 ? MKIPC_F_NONBLOCK : 0;
		struct mkipc_call c;
		int r;

		r = ep_call(t->id & 1 ? st->sfd : st->rfd, &c, seq, req,
			    sizeof(req), rep, sizeof(rep), flags,
			    n % 2 ? 2 * SEC : 0);
		st->client_out[seq] = outcome(r);
		if (!r && (c.rep.label != echo_label(seq) ||
			   c.rep.size != sizeof(rep) ||
			   rep[0] != echo_label(seq) || rep[1] != seq))
			atomic_fetch_add(&st->bad_payloads, 1);
	}
	atomic_fetch_add(&st->clients_done, 1);
	return NULL;
}

static void storm_server_error(struct storm *st, long err)
{
	if (atomic_load(&st->stopping) &&
	    (err == -EPIPE || err == -ENOENT))
		return;
	atomic_fetch_add(&st->server_errors, 1);
	atomic_store(&st->last_server_error, err);
}

/* A request arrived: count it, and prepare its reply. */
static __u64 storm_took(struct storm *st, struct mkipc_recv *r, __u64 *req,
			__u64 *rep)
{
	__u64 seq = r->msg.label;

	if (seq >= (__u64)st->per_client * st->nclients || !r->token ||
	    r->msg.size != 16 || req[0] != seq || req[1] != ~seq) {
		atomic_fetch_add(&st->bad_payloads, 1);
		return ~0ULL;
	}
	atomic_fetch_add(&st->received[seq], 1);
	rep[0] = echo_label(seq);
	rep[1] = seq;
	return seq;
}

/*
 * Serves calls: id 0 with REPLY then RECV, others with REPLY_RECV. Every
 * request taken is replied to, and the reply's outcome recorded.
 */
static void *storm_server(void *arg)
{
	struct storm_thread *t = arg;
	struct storm *st = t->st;
	__u64 req[2], rep[2], token = 0, seq = 0;
	struct mkipc_reply_recv rr;
	struct mkipc_recv r;
	int ret, rret;

	for (;;) {
		if (t->id == 0) {
			if (token) {
				rret = ep_reply(st->rfd, token,
						echo_label(seq), rep,
						sizeof(rep));
				if (rret && rret != -ESRCH)
					storm_server_error(st, rret);
				st->reply_out[seq] = outcome(rret);
				token = 0;
			}
			ret = ep_recv(st->rfd, &r, req, sizeof(req), 0, 0);
		} else {
			ret = ep_reply_recv(st->rfd, &rr, token,
					    echo_label(seq), rep, sizeof(rep),
					    req, sizeof(req), 0, 0);
			if (token && ret == 0) {
				st->reply_out[seq] = rr.reply_err == 0 ?
					OUT_OK : rr.reply_err == ESRCH ?
					OUT_ESRCH : OUT_OTHER;
			} else if (token) {
				/*
				 * Failed: did the reply go? A plain reply
				 * settles it, unless the first one used the
				 * token up.
				 */
				rret = ep_reply(st->rfd, token,
						echo_label(seq), rep,
						sizeof(rep));
				st->reply_out[seq] = rret == -ENOENT ?
					OUT_UNKNOWN : outcome(rret);
				if (rret && rret != -ESRCH && rret != -ENOENT)
					storm_server_error(st, rret);
			}
			token = 0;
			r = rr.recv;
		}
		if (ret == -EINTR)
			continue;
		if (ret == -EPIPE && atomic_load(&st->stopping))
			break;
		if (ret) {
			storm_server_error(st, ret);
			if (ret == -EPIPE || ret == -EBADF)
				break;
			continue;
		}
		seq = storm_took(st, &r, req, rep);
		if (seq != ~0ULL)
			token = r.token;
	}
	return NULL;
}

static int storm_alloc(struct storm *st, long total)
{
	st->received = calloc(total, sizeof(*st->received));
	st->client_out = calloc(total, 1);
	st->reply_out = calloc(total, sizeof(*st->reply_out));
	return st->received && st->client_out && st->reply_out ? 0 : -1;
}

static void storm_free(struct storm *st)
{
	free(st->received);
	free(st->client_out);
	free(st->reply_out);
}

/* Waits (watchdog) for the clients to finish; 0, or -1 if they hung. */
static int storm_wait_clients(struct storm *st, long ms)
{
	while (atomic_load(&st->clients_done) < st->nclients && ms > 0) {
		usleep(10000);
		ms -= 10;
	}
	return atomic_load(&st->clients_done) < st->nclients ? -1 : 0;
}

/*
 * Calls flow from 3 clients to 2 servers while every one of those threads
 * gets signals at random intervals, with SA_RESTART (SIGUSR1) and without
 * (SIGUSR2). No request may be received twice; a call that succeeded got
 * its own reply, and its server was told so; a call given up was never
 * received, or its server's reply failed with ESRCH.
 */
TEST_F_TIMEOUT(ep, signal_storm_calls, T_LONG)
{
	long n[OUT_OTHER + 1] = { 0 }, rep_n[OUT_OTHER + 1] = { 0 };
	struct mkipc_paths paths;
	long dup = 0, lost = 0, unanswered = 0, phantom = 0, given_up = 0;
	struct storm_thread th[STORM_THREADS];
	struct storm st = { 0 };
	pthread_t sig;
	long seq, total;
	int i, nsrv = 2;

	st.nclients = 3;
	st.per_client = mkipc_ep_scaled(30000);
	total = st.per_client * st.nclients;
	ASSERT_EQ(0, storm_alloc(&st, total));
	mkipc_paths_read(&paths);
	st.rfd = mkipc_ep_create(self->dev, 0, 4, NULL);
	ASSERT_LE(0, st.rfd);
	st.sfd = mkipc_ep_sender(st.rfd, 0);
	ASSERT_LE(0, st.sfd);
	set_handler(SIGUSR1, 1);
	set_handler(SIGUSR2, 0);

	for (i = 0; i < nsrv + st.nclients; i++) {
		th[i].st = &st;
		th[i].id = i < nsrv ? i : i - nsrv;
		ASSERT_EQ(0, pthread_create(&st.thr[i], NULL,
					    i < nsrv ? storm_server :
					    storm_caller, &th[i]));
	}
	st.nthr = nsrv + st.nclients;
	ASSERT_EQ(0, pthread_create(&sig, NULL, storm_signaller, &st));
	ASSERT_EQ(0, storm_wait_clients(&st, 600000))
		TH_LOG("callers hung: %d of %d done",
		       atomic_load(&st.clients_done), st.nclients);
	atomic_store(&st.stop_signals, 1);
	pthread_join(sig, NULL);
	for (i = nsrv; i < st.nthr; i++)
		pthread_join(st.thr[i], NULL);
	atomic_store(&st.stopping, 1);
	ASSERT_EQ(0, mkipc_ep_shutdown(st.rfd));
	for (i = 0; i < nsrv; i++)
		pthread_join(st.thr[i], NULL);

	for (seq = 0; seq < total; seq++) {
		int rcv = atomic_load(&st.received[seq]);
		int co = st.client_out[seq];
		int ro = atomic_load(&st.reply_out[seq]);

		n[co]++;
		rep_n[ro]++;
		if (rcv > 1)
			dup++;
		if (co == OUT_OK && (rcv != 1 || ro == OUT_ESRCH ||
				     ro == OUT_OTHER))
			lost++;
		if ((co == OUT_EINTR || co == OUT_ETIMEDOUT) && rcv) {
			given_up++;
			if (ro == OUT_OK)
				phantom++;
		}
		if (co == OUT_EAGAIN && rcv)
			phantom++;
		if (rcv && ro == OUT_NONE)
			unanswered++;
	}
	ksft_print_msg("calls=%ld ok=%ld eintr=%ld etimedout=%ld eagain=%ld other=%ld\n",
		       total, n[OUT_OK], n[OUT_EINTR], n[OUT_ETIMEDOUT],
		       n[OUT_EAGAIN], n[OUT_OTHER] + n[OUT_NONE]);
	ksft_print_msg("given_up_after_taken=%ld replies_ok=%ld esrch=%ld unknown=%ld\n",
		       given_up, rep_n[OUT_OK], rep_n[OUT_ESRCH],
		       rep_n[OUT_UNKNOWN]);
	paths_check(_metadata, &paths, "signal_storm_calls", true);
	ksft_print_msg("signals_sent=%ld signals_handled=%d\n",
		       atomic_load(&st.signals_sent),
		       atomic_load(&signals_seen));
	fflush(stdout);
	EXPECT_EQ(0, n[OUT_OTHER] + n[OUT_NONE] + n[OUT_ESRCH])
		TH_LOG("calls failed with errors the storm cannot explain");
	EXPECT_EQ(0, dup) TH_LOG("requests received more than once");
	EXPECT_EQ(0, lost) TH_LOG("successful calls whose request or reply went astray");
	EXPECT_EQ(0, phantom)
		TH_LOG("calls given up whose reply was %s",
		       "delivered, or EAGAIN calls received");
	EXPECT_EQ(0, unanswered);
	EXPECT_EQ(0, atomic_load(&st.bad_payloads));
	EXPECT_EQ(0, atomic_load(&st.server_errors))
		TH_LOG("last server error %ld",
		       atomic_load(&st.last_server_error));
	EXPECT_EQ(0, rep_n[OUT_OTHER]);
	EXPECT_LT(0, atomic_load(&signals_seen));
	close(st.sfd);
	close(st.rfd);
	storm_free(&st);
}

static void *storm_sender(void *arg)
{
	struct storm_thread *t = arg;
	struct storm *st = t->st;
	long n;

	for (n = 0; n < st->per_client; n++) {
		__u64 seq = t->id * st->per_client + n;

		st->client_out[seq] = outcome(ep_send(st->sfd, seq, &seq,
						      sizeof(seq), 0,
						      n % 2 ? 2 * SEC : 0));
	}
	atomic_fetch_add(&st->clients_done, 1);
	return NULL;
}

static void *storm_receiver(void *arg)
{
	struct storm_thread *t = arg;
	struct storm *st = t->st;
	long last[STORM_THREADS];
	struct mkipc_recv r;
	__u64 seq, v;
	int ret, who;

	for (who = 0; who < STORM_THREADS; who++)
		last[who] = -1;
	for (;;) {
		ret = ep_recv(st->rfd, &r, &v, sizeof(v), 0, 0);
		if (ret == -EINTR)
			continue;
		if (ret) {
			if (ret != -EPIPE || !atomic_load(&st->stopping))
				storm_server_error(st, ret);
			break;
		}
		seq = r.msg.label;
		if (seq >= (__u64)st->per_client * st->nclients || v != seq ||
		    r.token) {
			atomic_fetch_add(&st->bad_payloads, 1);
			continue;
		}
		atomic_fetch_add(&st->received[seq], 1);
		who = seq / st->per_client;
		if ((long)(seq % st->per_client) <= last[who])
			atomic_fetch_add(&st->order_errors, 1);
		last[who] = seq % st->per_client;
	}
	return NULL;
}

/*
 * Messages flow from 2 senders through a queue of 4 to 1 receiver, all
 * three signalled at random: a send that succeeded is received exactly
 * once, in its sender's order; an interrupted one never.
 */
TEST_F_TIMEOUT(ep, signal_storm_messages, T_LONG)
{
	long n[OUT_OTHER + 1] = { 0 }, bad = 0, seq, total;
	struct mkipc_paths paths;
	struct storm_thread th[STORM_THREADS];
	struct storm st = { 0 };
	pthread_t sig;
	int i, w;

	st.nclients = 2;
	st.per_client = mkipc_ep_scaled(50000);
	total = st.per_client * st.nclients;
	ASSERT_EQ(0, storm_alloc(&st, total));
	mkipc_paths_read(&paths);
	st.rfd = mkipc_ep_create(self->dev, 0, 4, NULL);
	ASSERT_LE(0, st.rfd);
	st.sfd = mkipc_ep_sender(st.rfd, 0);
	ASSERT_LE(0, st.sfd);
	set_handler(SIGUSR1, 1);
	set_handler(SIGUSR2, 0);
	for (i = 0; i < 3; i++) {
		th[i].st = &st;
		th[i].id = i ? i - 1 : 0;
		ASSERT_EQ(0, pthread_create(&st.thr[i], NULL,
					    i ? storm_sender : storm_receiver,
					    &th[i]));
	}
	st.nthr = 3;
	ASSERT_EQ(0, pthread_create(&sig, NULL, storm_signaller, &st));
	ASSERT_EQ(0, storm_wait_clients(&st, 600000));
	atomic_store(&st.stop_signals, 1);
	pthread_join(sig, NULL);
	/* Let the receiver drain the queue before the endpoint dies. */
	for (w = 0; w < WATCHDOG_MS && ep_queued(st.rfd) > 0; w += 10)
		usleep(10000);
	EXPECT_EQ(0, ep_queued(st.rfd));
	atomic_store(&st.stopping, 1);
	ASSERT_EQ(0, mkipc_ep_shutdown(st.rfd));
	for (i = 0; i < 3; i++)
		pthread_join(st.thr[i], NULL);

	for (seq = 0; seq < total; seq++) {
		int rcv = atomic_load(&st.received[seq]);
		int co = st.client_out[seq];

		n[co]++;
		if (rcv > 1 || (co == OUT_OK && rcv != 1) ||
		    (co != OUT_OK && rcv))
			bad++;
	}
	ksft_print_msg("messages=%ld ok=%ld eintr=%ld etimedout=%ld other=%ld\n",
		       total, n[OUT_OK], n[OUT_EINTR], n[OUT_ETIMEDOUT],
		       total - n[OUT_OK] - n[OUT_EINTR] - n[OUT_ETIMEDOUT]);
	ksft_print_msg("signals_sent=%ld signals_handled=%d\n",
		       atomic_load(&st.signals_sent),
		       atomic_load(&signals_seen));
	paths_check(_metadata, &paths, "signal_storm_messages", true);
	fflush(stdout);
	EXPECT_EQ(total, n[OUT_OK] + n[OUT_EINTR] + n[OUT_ETIMEDOUT]);
	EXPECT_EQ(0, bad) TH_LOG("messages lost, duplicated or ghosted");
	EXPECT_EQ(0, atomic_load(&st.order_errors));
	EXPECT_EQ(0, atomic_load(&st.bad_payloads));
	EXPECT_EQ(0, atomic_load(&st.server_errors))
		TH_LOG("last receive error %ld",
		       atomic_load(&st.last_server_error));
	EXPECT_LT(0, atomic_load(&signals_seen));
	close(st.sfd);
	close(st.rfd);
	storm_free(&st);
}

/* ==== closes racing calls ==== */

enum { RACE_SHUTDOWN, RACE_SERVER_CLOSES, RACE_MAIN_CLOSES, RACE_MODES };

struct race {
	int rfd;
	int sfd;
	int mode;
	int close_after;		/* RACE_SERVER_CLOSES: replies first */
	atomic_long ok;
	atomic_long epipe;
	atomic_long orphaned;		/* EOWNERDEAD: its server thread left */
	atomic_long bad;		/* a reply not the call's own */
	atomic_long errors;		/* anything else */
	atomic_long last_error;
};

static void race_error(struct race *rc, long err)
{
	atomic_fetch_add(&rc->errors, 1);
	atomic_store(&rc->last_error, err);
}

static void *race_caller(void *arg)
{
	struct race *rc = arg;
	__u64 label, rep, n = 0;
	pid_t tid = gettid();
	struct mkipc_call c;
	int r;

	for (;;) {
		label = ((__u64)tid << 32) | n++;
		r = ep_call(rc->sfd, &c, label, &label, sizeof(label), &rep,
			    sizeof(rep), 0, WATCHDOG_NS);
		if (r == -EPIPE) {
			atomic_fetch_add(&rc->epipe, 1);
			return NULL;
		}
		/* The thread holding it exited: call again, as a client would. */
		if (r == -EOWNERDEAD) {
			atomic_fetch_add(&rc->orphaned, 1);
			continue;
		}
		if (r) {
			race_error(rc, r);
			return NULL;
		}
		atomic_fetch_add(&rc->ok, 1);
		if (c.rep.label != echo_label(label) || rep != label)
			atomic_fetch_add(&rc->bad, 1);
	}
}

static void *race_server(void *arg)
{
	struct race *rc = arg;
	struct mkipc_reply_recv rr;
	__u64 token = 0, label = 0, req;
	int r, served = 0;

	for (;;) {
		r = ep_reply_recv(rc->rfd, &rr, token, echo_label(label),
				  &label, sizeof(label), &req, sizeof(req), 0,
				  0);
		/* The endpoint died or the fd went: both end the round. */
		if (r == -EPIPE || r == -EBADF || (r == -ENOENT && token))
			return NULL;
		if (r) {
			race_error(rc, r);
			return NULL;
		}
		token = rr.recv.token;
		label = rr.recv.msg.label;
		if (rc->mode == RACE_SERVER_CLOSES &&
		    ++served == rc->close_after) {
			/* Gone without replying to the call it holds. */
			close(rc->rfd);
			return NULL;
		}
	}
}

/*
 * Callers call while the endpoint dies under them: shut down, its receive
 * fd closed by a server holding a call, or closed by another thread while
 * servers work on it. Every caller returns, with its own reply or EPIPE
 * (or EOWNERDEAD for a call a server thread held when it left, and calls
 * again); none hangs; and no endpoint is left when it is over.
 */
TEST_F_TIMEOUT(ep, close_races_calls, T_LONG)
{
	static const __u32 kinds[] = {
		0, MKIPC_EP_QUEUE_SPIN, MKIPC_EP_WAITQ_STOCK, BASELINE_FLAGS,
	};
	long rounds = mkipc_ep_scaled(60), ok = 0, epipe = 0, orphaned = 0;
	long live;
	unsigned int seed = 99;
	struct mkipc_paths paths;
	struct race rc;
	pthread_t c[4], s[2];
	int round, i, r;

	mkipc_paths_read(&paths);
	for (round = 0; round < rounds; round++) {
		memset(&rc, 0, sizeof(rc));
		rc.mode = round % RACE_MODES;
		rc.close_after = 1 + rand_r(&seed) % 20;
		rc.rfd = mkipc_ep_create(self->dev,
					 kinds[round / RACE_MODES % 4],
					 1 + rand_r(&seed) % 8, NULL);
		ASSERT_LE(0, rc.rfd);
		rc.sfd = mkipc_ep_sender(rc.rfd, 0);
		ASSERT_LE(0, rc.sfd);
		for (i = 0; i < 2; i++)
			ASSERT_EQ(0, pthread_create(&s[i], NULL, race_server,
						    &rc));
		for (i = 0; i < 4; i++)
			ASSERT_EQ(0, pthread_create(&c[i], NULL, race_caller,
						    &rc));
		usleep(rand_r(&seed) % 20000);
		r = 0;
		if (rc.mode == RACE_SHUTDOWN)
			r = mkipc_ep_shutdown(rc.rfd);
		else if (rc.mode == RACE_MAIN_CLOSES)
			r = close(rc.rfd);
		ASSERT_EQ(0, r);
		for (i = 0; i < 4; i++) {
			struct op j = { .thr = c[i] };

			ASSERT_EQ(0, op_join(&j, 60000))
				TH_LOG("round %d (mode %d): a caller hung",
				       round, rc.mode);
		}
		for (i = 0; i < 2; i++) {
			struct op j = { .thr = s[i] };

			ASSERT_EQ(0, op_join(&j, 60000))
				TH_LOG("round %d (mode %d): a server hung",
				       round, rc.mode);
		}
		EXPECT_EQ(0, atomic_load(&rc.errors))
			TH_LOG("round %d (mode %d): error %ld", round, rc.mode,
			       atomic_load(&rc.last_error));
		EXPECT_EQ(0, atomic_load(&rc.bad));
		EXPECT_EQ(4, atomic_load(&rc.epipe));
		ok += atomic_load(&rc.ok);
		epipe += atomic_load(&rc.epipe);
		orphaned += atomic_load(&rc.orphaned);
		if (rc.mode == RACE_SHUTDOWN)
			close(rc.rfd);
		close(rc.sfd);
	}
	ksft_print_msg("rounds=%ld calls_ok=%ld callers_epipe=%ld orphaned=%ld\n",
		       rounds, ok, epipe, orphaned);
	paths_check(_metadata, &paths, "close_races_calls", true);
	fflush(stdout);
	close(self->sfd);
	close(self->rfd);
	self->sfd = -1;
	self->rfd = -1;
	live = mkipc_wait_live_endpoints(0, 10000);
	if (live < 0 && geteuid())
		TH_LOG("endpoint count not checked: debugfs is root's");
	else
		EXPECT_EQ(0, live) TH_LOG("endpoints left behind");
}

/* ==== churn ==== */

TEST_F_TIMEOUT(ep, churn, T_LONG)
{
	static const __u32 kinds[] = {
		0, MKIPC_EP_QUEUE_SPIN, MKIPC_EP_WAITQ_STOCK, BASELINE_FLAGS,
	};
	long i, n = mkipc_ep_scaled(10000), errors = 0, peak = 0, live;
	int fd, s, r;

	close(self->sfd);
	close(self->rfd);
	self->sfd = -1;
	self->rfd = -1;
	if (mkipc_live_endpoints() < 0 && geteuid())
		TH_LOG("endpoint count not checked: debugfs is root's");
	else
		ASSERT_EQ(0, mkipc_wait_live_endpoints(0, 10000))
			TH_LOG("endpoints alive before the churn");
	for (i = 0; i < n; i++) {
		fd = mkipc_ep_create(self->dev, kinds[i % 4], 1 + i % 8, NULL);
		s = fd < 0 ? fd : mkipc_ep_sender(fd, 0);
		if (fd < 0 || s < 0) {
			errors++;
			close(fd);
			continue;
		}
		/* A message left queued, freed with the endpoint. */
		if (ep_send(s, i, &i, sizeof(i), MKIPC_F_NONBLOCK, 0))
			errors++;
		if (i & 1) {
			close(fd);
			r = ep_send(s, i, NULL, 0, MKIPC_F_NONBLOCK, 0);
			if (r != -EPIPE)
				errors++;
			close(s);
		} else {
			close(s);
			close(fd);
		}
		if (i % 1000 == 0) {
			live = mkipc_live_endpoints();
			if (live > peak)
				peak = live;
		}
	}
	live = mkipc_wait_live_endpoints(0, 10000);
	ksft_print_msg("churn cycles=%ld errors=%ld peak_live=%ld live_after=%ld\n",
		       n, errors, peak, live);
	fflush(stdout);
	EXPECT_EQ(0, errors);
	if (live < 0 && geteuid())
		return;		/* counts unreadable, as said above */
	EXPECT_GE(1, peak) TH_LOG("endpoints outlive their descriptors");
	EXPECT_EQ(0, live);
}

/* ==== out of memory (debug lanes: failslab) ==== */

/*
 * Only this thread's slab allocations fail, between faults_on() and
 * faults_off(); the file stays open (opening it would allocate).
 */
static int make_it_fail_fd = -1;

static void faults(int on)
{
	int tries;

	for (tries = 0; tries < 100; tries++)
		if (pwrite(make_it_fail_fd, on ? "1" : "0", 1, 0) == 1)
			return;
	if (!on)
		abort();	/* the rest would fail for no reason of ours */
}

FIXTURE(enomem) {
	int dev;
	int enabled;	/* 6.1's harness runs the body after a setup SKIP */
};

FIXTURE_SETUP(enomem)
{
	int fs;

	self->dev = mkipc_open();
	ASSERT_LE(0, self->dev);
	fs = mkipc_failslab_present();
	ASSERT_LE(0, fs) TH_LOG("MKIPC_REQUIRE_FAULT=1 but %s is missing",
				MKIPC_FAILSLAB);
	if (!fs)
		SKIP(return, "no %s (kernel without CONFIG_FAILSLAB)",
		     MKIPC_FAILSLAB);
	ASSERT_EQ(0, mkipc_failslab_arm());
	/* Caches flagged at boot (slub_debug=A...), as mkipc_fault_test. */
	ASSERT_EQ(0, mkipc_failslab_set("cache-filter", "Y"));
	make_it_fail_fd = open("/proc/thread-self/make-it-fail",
			       O_WRONLY | O_CLOEXEC);
	ASSERT_LE(0, make_it_fail_fd);
	self->enabled = 1;
}

FIXTURE_TEARDOWN(enomem)
{
	if (self->enabled) {
		faults(0);
		mkipc_failslab_set("probability", "0");
		mkipc_failslab_set("cache-filter", "N");
	}
	close(self->dev);
}

enum { NM_CREATE, NM_SENDER, NM_SEND, NM_RECV, NM_REPLY, NM_CALL, NM_NR };

static const char * const nm_names[NM_NR] = {
	"create", "sender", "send", "recv", "reply", "call",
};

/*
 * Slab allocations of this thread fail at random while it creates, mints,
 * sends, receives (two calls taken at once), replies and calls. Every
 * failure must be one the header lists for the operation (ENOMEM, where
 * it does) and leave things as they were: no descriptor made, nothing
 * queued, a message not received still first in line, a token still
 * valid. Then nothing may be left alive; run_tests.sh asks kmemleak.
 */
TEST_F_TIMEOUT(enomem, failures_are_documented_and_clean, T_LONG)
{
	static const char * const pct[] = { "5", "20", "50" };
	long ok[NM_NR] = { 0 }, nomem[NM_NR] = { 0 }, bad[NM_NR] = { 0 };
	long rounds = mkipc_ep_scaled(1000), i, lost = 0;
	struct op callers[2], server;
	struct mkipc_recv r;
	struct mkipc_call c;
	int fd, s, k, ret, before;
	char buf[64];
	__u64 tokens[2];

	if (!self->enabled)
		return;
	for (i = 0; i < rounds; i++) {
		ASSERT_EQ(0, mkipc_failslab_set("probability", pct[i % 3]));
		before = next_fd();
		faults(1);
		fd = mkipc_ep_create(self->dev, 0, 4, NULL);
		faults(0);
		if (fd < 0) {
			nomem[NM_CREATE] += fd == -ENOMEM;
			bad[NM_CREATE] += fd != -ENOMEM;
			if (next_fd() != before)
				lost++;
			continue;
		}
		ok[NM_CREATE]++;

		faults(1);
		s = mkipc_ep_sender(fd, 0);
		faults(0);
		if (s < 0) {
			nomem[NM_SENDER] += s == -ENOMEM;
			bad[NM_SENDER] += s != -ENOMEM;
			s = mkipc_ep_sender(fd, 0);
			ASSERT_LE(0, s);
		} else {
			ok[NM_SENDER]++;
		}

		/* send: ENOMEM queues nothing */
		faults(1);
		ret = ep_send(s, 1, "abc", 3, MKIPC_F_NONBLOCK, 0);
		faults(0);
		if (ret) {
			nomem[NM_SEND] += ret == -ENOMEM;
			bad[NM_SEND] += ret != -ENOMEM;
			lost += ep_queued(fd) != 0;
		} else {
			ok[NM_SEND]++;
			ASSERT_EQ(0, ep_recv(fd, &r, buf, sizeof(buf),
					     MKIPC_F_NONBLOCK, 0));
		}

		/*
		 * recv: two calls taken at once, so that the second token
		 * needs room the first did not. The header lists ENOMEM for a
		 * receive (no memory for the call's token); a failed one must
		 * leave the call queued, first in line.
		 */
		for (k = 0; k < 2; k++) {
			ASSERT_EQ(0, op_start(&callers[k], OP_CALL, s, 10 + k,
					      0, WATCHDOG_NS));
			ASSERT_EQ(0, op_wait_blocked(&callers[k]));
		}
		for (k = 0; k < 2; k++) {
			faults(1);
			ret = ep_recv(fd, &r, buf, sizeof(buf),
				      MKIPC_F_NONBLOCK, 0);
			faults(0);
			if (ret) {
				nomem[NM_RECV] += ret == -ENOMEM;
				bad[NM_RECV] += ret != -ENOMEM;
				ret = ep_recv(fd, &r, buf, sizeof(buf),
					      MKIPC_F_NONBLOCK, 0);
				ASSERT_EQ(0, ret) TH_LOG("the call was lost");
			} else {
				ok[NM_RECV]++;
			}
			tokens[k] = r.token;
		}

		/* reply: ENOMEM leaves the token valid */
		for (k = 0; k < 2; k++) {
			faults(1);
			ret = ep_reply(fd, tokens[k], 5, "rep", 3);
			faults(0);
			if (ret) {
				nomem[NM_REPLY] += ret == -ENOMEM;
				bad[NM_REPLY] += ret != -ENOMEM;
				ret = ep_reply(fd, tokens[k], 5, "rep", 3);
				EXPECT_EQ(0, ret) TH_LOG("token lost by ENOMEM");
			} else {
				ok[NM_REPLY]++;
			}
		}
		for (k = 0; k < 2; k++) {
			ASSERT_EQ(0, op_join(&callers[k], WATCHDOG_MS));
			EXPECT_EQ(0, callers[k].ret);
		}

		/* call: ENOMEM queues nothing; else it gets its reply */
		ASSERT_EQ(0, op_serve(&server, fd, 2));
		faults(1);
		ret = ep_call(s, &c, 20, "q", 1, buf, sizeof(buf), 0,
			      WATCHDOG_NS);
		faults(0);
		if (ret) {
			nomem[NM_CALL] += ret == -ENOMEM;
			bad[NM_CALL] += ret != -ENOMEM;
			/* nothing queued: let the server have one anyway */
			ASSERT_EQ(0, ep_send(s, 21, NULL, 0, 0, 0));
		} else {
			ok[NM_CALL]++;
		}
		ASSERT_EQ(0, op_join(&server, WATCHDOG_MS));
		EXPECT_EQ(0, server.ret);
		if (ret) {
			EXPECT_EQ(21, server.rcv.msg.label)
				TH_LOG("a call that failed ENOMEM was queued");
		}
		close(s);
		close(fd);
	}
	faults(0);
	ASSERT_EQ(0, mkipc_failslab_set("probability", "0"));
	for (k = 0; k < NM_NR; k++)
		ksft_print_msg("%s: ok=%ld enomem=%ld undocumented=%ld\n",
			       nm_names[k], ok[k], nomem[k], bad[k]);
	fflush(stdout);
	for (k = 0; k < NM_NR; k++) {
		EXPECT_EQ(0, bad[k])
			TH_LOG("%s failed with an errno its ioctl does not list",
			       nm_names[k]);
	}
	EXPECT_EQ(0, lost) TH_LOG("a failure left a descriptor or message behind");
	EXPECT_EQ(0, mkipc_wait_live_endpoints(0, 10000));
}

/* ==== conservation under load ==== */

#define LOAD_MAX_REP	256

struct load {
	int rfd;
	long per_client;
	long total;
	__u32 rep_size;			/* bytes, 16..LOAD_MAX_REP */
	atomic_uchar *seen;		/* per call: times a server took it */
	atomic_long calls;
	atomic_long replies_ok;
	atomic_long mismatches;		/* replies not the call's own */
	atomic_long errors;
	atomic_long last_error;
	atomic_long served;
	atomic_long reply_errs;		/* server side: reply failed */
};

struct load_thread {
	struct load *ld;
	int id;
	int fd;
};

#define LOAD_SALT	0x5851f42d4c957f2dULL

/* The reply a server makes to call @id: every word depends on @id. */
static void load_reply(__u64 *rep, __u32 size, __u64 id)
{
	__u32 k;

	rep[0] = ~(id * LOAD_SALT);
	rep[1] = echo_label(id);
	for (k = 2; k < size / 8; k++)
		rep[k] = id * k + LOAD_SALT;
}

static void *load_client(void *arg)
{
	struct load_thread *t = arg;
	struct load *ld = t->ld;
	__u64 req[2], rep[LOAD_MAX_REP / 8], want[LOAD_MAX_REP / 8], id;
	struct mkipc_call c;
	long n;
	int r;

	for (n = 0; n < ld->per_client; n++) {
		id = t->id * ld->per_client + n;
		req[0] = id;
		req[1] = id * LOAD_SALT;
		memset(rep, 0, ld->rep_size);
		r = ep_call(t->fd, &c, id, req, sizeof(req), rep, ld->rep_size,
			    0, WATCHDOG_NS);
		atomic_fetch_add_explicit(&ld->calls, 1, memory_order_relaxed);
		if (r) {
			atomic_fetch_add(&ld->errors, 1);
			atomic_store(&ld->last_error, r);
			continue;
		}
		/* The server's transformation of this call's own values. */
		load_reply(want, ld->rep_size, id);
		if (c.rep.label == echo_label(id) &&
		    c.rep.size == ld->rep_size &&
		    !memcmp(rep, want, ld->rep_size))
			atomic_fetch_add_explicit(&ld->replies_ok, 1,
						  memory_order_relaxed);
		else
			atomic_fetch_add(&ld->mismatches, 1);
	}
	return NULL;
}

/* id 0 and other even ids: REPLY_RECV; odd ids: REPLY, then RECV. */
static void *load_server(void *arg)
{
	struct load_thread *t = arg;
	struct load *ld = t->ld;
	__u64 req[2], rep[LOAD_MAX_REP / 8], token = 0, label = 0;
	struct mkipc_reply_recv rr;
	struct mkipc_recv *r = &rr.recv;
	int ret;

	for (;;) {
		if (t->id & 1) {
			if (token) {
				ret = ep_reply(ld->rfd, token, label, rep,
					       ld->rep_size);
				if (ret)
					atomic_fetch_add(&ld->reply_errs, 1);
			}
			ret = ep_recv(ld->rfd, r, req, sizeof(req), 0, 0);
		} else {
			ret = ep_reply_recv(ld->rfd, &rr, token, label, rep,
					    ld->rep_size, req, sizeof(req), 0,
					    0);
			if (!ret && rr.reply_err)
				atomic_fetch_add(&ld->reply_errs, 1);
		}
		token = 0;
		if (ret == -EPIPE)
			return NULL;
		if (ret) {
			atomic_fetch_add(&ld->errors, 1);
			atomic_store(&ld->last_error, ret);
			continue;
		}
		if (r->msg.label >= (__u64)ld->total || !r->token ||
		    r->msg.size != 16 || req[0] != r->msg.label ||
		    req[1] != r->msg.label * LOAD_SALT) {
			atomic_fetch_add(&ld->mismatches, 1);
			continue;
		}
		atomic_fetch_add_explicit(&ld->seen[r->msg.label], 1,
					  memory_order_relaxed);
		atomic_fetch_add_explicit(&ld->served, 1,
					  memory_order_relaxed);
		token = r->token;
		label = echo_label(r->msg.label);
		load_reply(rep, ld->rep_size, r->msg.label);
	}
}

FIXTURE(load) {
	int dev;
};

FIXTURE_VARIANT(load) {
	int clients;
	int servers;
	long calls;
	__u32 rep_size;
	__u32 ep_flags;
};

/*
 * 2 x 500000 calls: the 10^6 of the default lane; replies that travel
 * inline (up to 64 bytes) and replies that do not.
 */
FIXTURE_VARIANT_ADD(load, c4_s2) {
	.clients = 4, .servers = 2, .calls = 500000, .rep_size = 16,
};

FIXTURE_VARIANT_ADD(load, c2_s4_rep256) {
	.clients = 2, .servers = 4, .calls = 500000, .rep_size = 256,
};

/* The slow path alone: every call through the queue. */
FIXTURE_VARIANT_ADD(load, c4_s2_queued) {
	.clients = 4, .servers = 2, .calls = 100000, .rep_size = 16,
	.ep_flags = MKIPC_EP_NO_DIRECT,
};

/* The baselines, fewer calls: they are there to compare, not to load. */
FIXTURE_VARIANT_ADD(load, c2_s2_baselines) {
	.clients = 2, .servers = 2, .calls = 50000, .rep_size = 64,
	.ep_flags = BASELINE_FLAGS,
};

FIXTURE_SETUP(load)
{
	self->dev = mkipc_open();
	ASSERT_LE(0, self->dev);
}

FIXTURE_TEARDOWN(load)
{
	close(self->dev);
}

/*
 * M clients x N servers on one endpoint: every call gets exactly its own
 * reply (the server transforms values unique to the call, the client
 * checks them), every request is served exactly once.
 */
TEST_F_TIMEOUT(load, conservation, T_LONG)
{
	struct mkipc_paths paths;
	struct load_thread th[16];
	struct load ld = { 0 };
	pthread_t thr[16];
	long i, dup = 0, missing = 0, secs_x10;
	unsigned long long t0, dt;
	int sfd, n = variant->clients + variant->servers;

	ld.per_client = mkipc_ep_scaled(variant->calls) / variant->clients;
	ld.total = ld.per_client * variant->clients;
	ld.rep_size = variant->rep_size;
	ld.seen = calloc(ld.total, sizeof(*ld.seen));
	ASSERT_NE(NULL, ld.seen);
	ld.rfd = mkipc_ep_create(self->dev, variant->ep_flags, 0, NULL);
	ASSERT_LE(0, ld.rfd);
	sfd = mkipc_ep_sender(ld.rfd, 0);
	ASSERT_LE(0, sfd);

	mkipc_paths_read(&paths);
	t0 = mkipc_clock_ns();
	for (i = 0; i < n; i++) {
		th[i].ld = &ld;
		th[i].id = i < variant->servers ? i : i - variant->servers;
		/* Clients call on both kinds of descriptor. */
		th[i].fd = th[i].id & 1 ? sfd : ld.rfd;
		ASSERT_EQ(0, pthread_create(&thr[i], NULL,
					    i < variant->servers ?
					    load_server : load_client, &th[i]));
	}
	for (i = variant->servers; i < n; i++)
		pthread_join(thr[i], NULL);
	dt = mkipc_clock_ns() - t0;
	ASSERT_EQ(0, mkipc_ep_shutdown(ld.rfd));
	for (i = 0; i < variant->servers; i++)
		pthread_join(thr[i], NULL);

	for (i = 0; i < ld.total; i++) {
		int s = atomic_load(&ld.seen[i]);

		if (s > 1)
			dup++;
		if (!s)
			missing++;
	}
	secs_x10 = dt / (SEC / 10);
	ksft_print_msg("calls=%ld replies_ok=%ld mismatches=%ld served=%ld dup=%ld missing=%ld\n",
		       atomic_load(&ld.calls), atomic_load(&ld.replies_ok),
		       atomic_load(&ld.mismatches), atomic_load(&ld.served),
		       dup, missing);
	ksft_print_msg("clients=%d servers=%d rep_size=%u flags=%#x errors=%ld\n",
		       variant->clients, variant->servers, ld.rep_size,
		       variant->ep_flags, atomic_load(&ld.errors));
	ksft_print_msg("secs=%ld.%ld us_per_call=%.1f\n", secs_x10 / 10,
		       secs_x10 % 10, (double)dt / 1000 / ld.total);
	paths_check(_metadata, &paths, "conservation",
		    !(variant->ep_flags & MKIPC_EP_NO_DIRECT));
	fflush(stdout);
	EXPECT_EQ(ld.total, atomic_load(&ld.calls));
	EXPECT_EQ(ld.total, atomic_load(&ld.replies_ok));
	EXPECT_EQ(0, atomic_load(&ld.mismatches));
	EXPECT_EQ(0, atomic_load(&ld.errors))
		TH_LOG("last error %ld", atomic_load(&ld.last_error));
	EXPECT_EQ(ld.total, atomic_load(&ld.served));
	EXPECT_EQ(0, dup);
	EXPECT_EQ(0, missing);
	EXPECT_EQ(0, atomic_load(&ld.reply_errs));
	close(sfd);
	close(ld.rfd);
	free(ld.seen);
}

TEST_HARNESS_MAIN
