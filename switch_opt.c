// SPDX-License-Identifier: GPL-2.0
/*
 * switch_opt: kernel-thread pairs that hand a CPU back and forth and time
 * each hand-off with the TSC, so that the paths a context switch can take
 * inside an unmodified kernel are measured, variant against variant, in
 * one boot (MKIPC_IOC_SWITCH; the variants are in the uapi header).
 *
 * One run: two kthreads, A (side 0) and B (side 1), created for the run,
 * bound to their CPUs, and stopped (kthread_stop()) before the ioctl
 * returns, however it returns. They share @turn: the side whose turn it
 * is runs, the other sleeps. A hand-off is
 *
 *   giver                                  taker
 *   t0 = rdtsc_ordered()                   ... asleep, waiting for its turn
 *   smp_store_release(&turn, taker)   (T)
 *   wake the taker (one of three ways)
 *   wait for its own turn (sleeps)         wakes, sees turn == taker  (T')
 *                                          t1 = rdtsc_ordered()
 *
 * Same CPU, a sample is t1 - t0: the wake-up, the giver's way into
 * schedule(), the switch and the taker's way out: one TSC, no skew. Across
 * CPUs two TSCs must not be subtracted (under emulation the kernel marks
 * them unsynchronized), so there A alone times a round trip (its own t0
 * to its own t1, two hand-offs) and a sample is half of it.
 *
 * Ordering: (T) is a release and (T') an acquire (smp_load_acquire()), so
 * the taker sees t0 and everything the giver wrote before handing over;
 * the sleep itself relies on the wake-up's own ordering: set_current_state()
 * (a full barrier) before the sleeper's check of @turn, and the waker's
 * store before wake_up_process() (which orders it before its check of
 * the sleeper's state) or mkipc_waitq_wake() (owaitq.h, (S)/(W)).
 */
#include <linux/cred.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/log2.h>
#include <linux/math64.h>
#include <linux/mutex.h>
#include <linux/prefetch.h>
#include <linux/sched/mm.h>
#include <linux/sched/task.h>
#include <linux/sched/task_stack.h>
#include <linux/slab.h>
#include <linux/seq_file.h>
#include <linux/uaccess.h>

#include <asm/fpu/api.h>
#include <asm/tsc.h>

#include <uapi/linux/mkipc.h>

#include "kswitch.h"
#include "mkipc_trace.h"
#include "owaitq.h"
#include "switch_opt.h"

/* One side of a pair. */
struct mkipc_sw_side {
	struct mkipc_sw_run *run;
	struct task_struct *task;	/* a reference, until mkipc_sw_reap() */
	struct mm_struct *mm;		/* adopted for the run, or NULL */
	struct mkipc_waitq wq;		/* where it waits, waitq mechanisms */
	int id;
};

struct mkipc_sw_run {
	struct mkipc_sw_side side[2];
	struct mkipc_switch arg;	/* the caller's, validated */
	int turn;			/* whose turn: (T)/(T') */
	bool stop;			/* end now: every side leaves its wait */
	u64 t0;				/* TSC at the last hand-off (or A's) */
	u64 samples;			/* taken, by the side that times */
	struct completion finished;	/* the last sample is in */
	struct mkipc_sw_stat stat;	/* this run's, for the caller */
	int cpu_stat;			/* the variant's slot in the CPU tables */
};

/*
 * The per-CPU tables: count, min, max, sum and a log2 histogram, one array
 * of MKIPC_SW_NSLOTS a possible CPU, on its node. Not a percpu allocation:
 * at 40 KB a CPU the table is past what the dynamic percpu allocator
 * gives (32 KB).
 */
static struct mkipc_sw_stat **mkipc_sw_stats;

static struct mkipc_sw_stat *mkipc_sw_table(int cpu)
{
	return mkipc_sw_stats[cpu];
}

/* One run at a time: each CPU's table has one writer. */
static DEFINE_MUTEX(mkipc_sw_lock);

static void mkipc_sw_stat_add(struct mkipc_sw_stat *s, u64 cycles)
{
	unsigned int b = cycles ? ilog2(cycles) + 1 : 0;

	if (!s->count || cycles < s->min)
		s->min = cycles;
	if (cycles > s->max)
		s->max = cycles;
	s->sum += cycles;
	s->count++;
	s->hist[min_t(unsigned int, b, MKIPC_SW_HIST - 1)]++;
}

/* Waits until it is @me's turn, or the run ends; false if it ended. */
static bool mkipc_sw_wait(struct mkipc_sw_run *r, struct mkipc_sw_side *me)
{
	/* A direct hand-off is woken as wake_up_process() wakes. */
	if (r->arg.mech == MKIPC_SW_DIRECT ||
	    r->arg.mech == MKIPC_SW_KHANDOFF) {
		for (;;) {
			/* Full barrier: pairs with the waker's store + wake. */
			set_current_state(TASK_INTERRUPTIBLE);
			if (smp_load_acquire(&r->turn) == me->id ||	/* (T') */
			    READ_ONCE(r->stop))
				break;
			schedule();
		}
		__set_current_state(TASK_RUNNING);
	} else {
		mkipc_waitq_wait_event(&me->wq,
				       /* (T'), pairs with the giver's (T) */
				       smp_load_acquire(&r->turn) == me->id ||
				       READ_ONCE(r->stop),
				       TASK_INTERRUPTIBLE, KTIME_MAX, false);
	}
	return !READ_ONCE(r->stop);
}

static void mkipc_sw_wake(struct mkipc_sw_run *r, struct mkipc_sw_side *to)
{
	if (r->arg.mech == MKIPC_SW_DIRECT)
		wake_up_process(to->task);
	else if (r->arg.mech == MKIPC_SW_KHANDOFF)
		wake_up_handoff(to->task);	/* the giver sleeps next */
	else
		mkipc_waitq_wake(&to->wq, MKIPC_WAKE_ONE);
}

/* Ends the run from anywhere: both sides leave their waits. */
static void mkipc_sw_end(struct mkipc_sw_run *r)
{
	int i;

	WRITE_ONCE(r->stop, true);
	/* After the store, as a hand-off: each side sees it or is woken. */
	smp_mb();
	for (i = 0; i < 2; i++) {
		/* Whoever ends the run does not sleep next: no hand-off. */
		if (r->arg.mech == MKIPC_SW_KHANDOFF)
			wake_up_process(r->side[i].task);
		else
			mkipc_sw_wake(r, &r->side[i]);
	}
}

static void mkipc_sw_sample(struct mkipc_sw_run *r, u64 cycles)
{
	trace_mkipc_switch_sample(r->arg.mech, r->arg.mm, r->arg.flags, cycles);
	mkipc_sw_stat_add(&r->stat, cycles);
	/* The CPU this side is bound to: the run's mutex, one writer. */
	mkipc_sw_stat_add(mkipc_sw_table(raw_smp_processor_id()) + r->cpu_stat,
			  cycles);
	if (++r->samples == r->arg.iters)
		complete(&r->finished);
}

/*
 * Stops both kthreads, then drops the references to them. Until both
 * have stopped, either may still wake or prefetch the other (its loop,
 * then mkipc_sw_end() on its way out): the one stopped first must not
 * be freed under the other (a use-after-free KASAN once caught here).
 */
static void mkipc_sw_reap(struct mkipc_sw_run *r)
{
	int i;

	for (i = 0; i < 2; i++)
		if (r->side[i].task)
			kthread_stop(r->side[i].task);
	for (i = 0; i < 2; i++)
		if (r->side[i].task)
			put_task_struct(r->side[i].task);
}

static int mkipc_sw_fn(void *arg)
{
	struct mkipc_sw_side *me = arg;
	struct mkipc_sw_run *r = me->run;
	struct mkipc_sw_side *other = &r->side[!me->id];
	bool cross = r->arg.flags & MKIPC_SW_CROSS;

	if (me->mm)
		kthread_use_mm(me->mm);
	while (mkipc_sw_wait(r, me)) {
		u64 t1 = rdtsc_ordered();

		/* Across CPUs only A times, and only its own round trips. */
		if (!cross || me->id == 0) {
			if (r->t0)
				mkipc_sw_sample(r, cross ? (t1 - r->t0) / 2 :
						t1 - r->t0);
			if (r->samples >= r->arg.iters)
				break;
		}
		if (r->arg.flags & MKIPC_SW_FPU) {
			/*
			 * What a kthread pays to own the FPU; a kthread has no
			 * user state to save, and nothing restores any on its
			 * way back to the other kthread (ANCHORS.md).
			 */
			kernel_fpu_begin();
			kernel_fpu_end();
		}
		if (r->arg.flags & MKIPC_SW_PREFETCH) {
			prefetchw(other->task);
			prefetch(task_stack_page(other->task) + THREAD_SIZE -
				 L1_CACHE_BYTES);
		}
		if (!cross || me->id == 0)
			r->t0 = rdtsc_ordered();
		smp_store_release(&r->turn, other->id);		/* (T) */
		mkipc_sw_wake(r, other);
	}
	if (me->mm)
		kthread_unuse_mm(me->mm);
	/* The other side may be waiting for a turn that will not come. */
	mkipc_sw_end(r);
	/* kthread_stop() collects this; until then, nothing to do. */
	while (!kthread_should_stop()) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (kthread_should_stop())
			break;
		schedule();
	}
	__set_current_state(TASK_RUNNING);
	return 0;
}

/* The index of a variant in each CPU's table. */
static int mkipc_sw_slot(const struct mkipc_switch *a)
{
	return ((a->mech * MKIPC_SW_NMM + a->mm) * 2 +
		!!(a->flags & MKIPC_SW_FPU)) * 4 +
	       !!(a->flags & MKIPC_SW_PREFETCH) * 2 +
	       !!(a->flags & MKIPC_SW_CROSS);
}

static int mkipc_sw_check(struct mkipc_switch *a)
{
	int i;

	if (a->mech == MKIPC_SW_KHANDOFF && !mkipc_kswitch_have_handoff())
		return -EOPNOTSUPP;
	if (a->mech >= MKIPC_SW_NMECH || a->mm >= MKIPC_SW_NMM ||
	    a->flags & ~MKIPC_SW_FLAGS || a->reserved0 ||
	    !a->iters || a->iters > MKIPC_SW_MAX_ITERS ||
	    a->timeout_ns > MKIPC_SW_MAX_TIMEOUT_NS)
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(a->reserved); i++)
		if (a->reserved[i])
			return -EINVAL;
	if (!(a->flags & MKIPC_SW_CROSS))
		a->cpu2 = a->cpu;
	/* Only on CPUs the caller may run on itself (its cpuset). */
	if (a->cpu < 0 || a->cpu >= nr_cpu_ids || !cpu_online(a->cpu) ||
	    !cpumask_test_cpu(a->cpu, current->cpus_ptr) ||
	    a->cpu2 < 0 || a->cpu2 >= nr_cpu_ids || !cpu_online(a->cpu2) ||
	    !cpumask_test_cpu(a->cpu2, current->cpus_ptr) ||
	    (a->flags & MKIPC_SW_CROSS && a->cpu == a->cpu2))
		return -EINVAL;
	return 0;
}

/* The mms the sides adopt: none, the caller's for both, or one each. */
static int mkipc_sw_mms(struct mkipc_sw_run *r)
{
	struct task_struct *peer;
	struct pid *pid;

	if (r->arg.mm == MKIPC_SW_MM_NONE)
		return 0;
	r->side[0].mm = get_task_mm(current);
	if (!r->side[0].mm)
		return -EINVAL;
	if (r->arg.mm == MKIPC_SW_MM_SAME) {
		mmget(r->side[0].mm);
		r->side[1].mm = r->side[0].mm;
		return 0;
	}
	pid = find_get_pid(r->arg.peer_pid);
	peer = pid ? get_pid_task(pid, PIDTYPE_PID) : NULL;
	put_pid(pid);
	if (!peer)
		return -ESRCH;
	r->side[1].mm = get_task_mm(peer);
	put_task_struct(peer);
	if (!r->side[1].mm)
		return -ESRCH;
	if (r->side[1].mm == r->side[0].mm)
		return -EINVAL;	/* a thread of the caller's: not another mm */
	return 0;
}

long mkipc_switch_ioctl(void __user *uarg)
{
	struct mkipc_sw_run *r;
	long left, ret = 0;
	u64 timeout;
	int i;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	if (copy_from_user(&r->arg, uarg, sizeof(r->arg))) {
		ret = -EFAULT;
		goto out_free;
	}
	ret = mkipc_sw_check(&r->arg);
	if (ret)
		goto out_free;
	ret = mkipc_sw_mms(r);
	if (ret)
		goto out_mm;
	if (mutex_lock_interruptible(&mkipc_sw_lock)) {
		ret = -EINTR;
		goto out_mm;
	}
	init_completion(&r->finished);
	r->cpu_stat = mkipc_sw_slot(&r->arg);
	for (i = 0; i < 2; i++) {
		struct mkipc_sw_side *s = &r->side[i];

		s->run = r;
		s->id = i;
		mkipc_waitq_init(&s->wq, r->arg.mech == MKIPC_SW_OWAITQ ?
				 MKIPC_WAITQ_OWAITQ : MKIPC_WAITQ_STOCK);
		s->task = kthread_create(mkipc_sw_fn, s, "mkipc_sw/%c", 'a' + i);
		if (IS_ERR(s->task)) {
			ret = PTR_ERR(s->task);
			s->task = NULL;
			break;
		}
		get_task_struct(s->task);
		kthread_bind(s->task, i ? r->arg.cpu2 : r->arg.cpu);
	}
	if (ret) {
		/* A kthread never woken runs nothing but its exit. */
		mkipc_sw_reap(r);
		goto out_unlock;
	}
	/* A starts with the turn: it hands off first, untimed. */
	r->turn = 0;
	wake_up_process(r->side[1].task);
	wake_up_process(r->side[0].task);

	timeout = r->arg.timeout_ns ?: MKIPC_SW_DEFAULT_TIMEOUT_NS;
	left = wait_for_completion_interruptible_timeout(&r->finished,
							 nsecs_to_jiffies(timeout) + 1);
	if (left == 0)
		ret = -ETIMEDOUT;
	else if (left < 0)
		ret = -EINTR;
	mkipc_sw_end(r);
	mkipc_sw_reap(r);

	r->arg.count = r->stat.count;
	r->arg.min_cycles = r->stat.min;
	r->arg.max_cycles = r->stat.max;
	r->arg.sum_cycles = r->stat.sum;
	r->arg.tsc_khz = tsc_khz;
	r->arg.cpu2 = r->arg.flags & MKIPC_SW_CROSS ? r->arg.cpu2 : -1;
	/* Written out even when cut short: what was measured holds. */
	if (copy_to_user(uarg, &r->arg, sizeof(r->arg)))
		ret = -EFAULT;
out_unlock:
	mutex_unlock(&mkipc_sw_lock);
out_mm:
	for (i = 0; i < 2; i++)
		if (r->side[i].mm)
			mmput(r->side[i].mm);
out_free:
	kfree(r);
	return ret;
}

static const char * const mkipc_sw_mech_names[MKIPC_SW_NMECH] = {
	"direct", "waitq", "owaitq", "khandoff",
};

static const char * const mkipc_sw_mm_names[MKIPC_SW_NMM] = {
	"none", "same", "diff",
};

/*
 * debugfs mkipc/switch_stats: a line for each CPU and variant with
 * samples: count, min/avg/max in cycles and ns, then the histogram's
 * nonzero buckets as b:n (b: samples of [2^(b-1), 2^b) cycles). Any write
 * resets every table (root only). Reads race with a run: each number is
 * one the table held, the line not a snapshot.
 */
static int mkipc_sw_show(struct seq_file *m, void *unused)
{
	u32 khz = tsc_khz ?: 1;
	int cpu, slot, b;

	seq_printf(m, "tsc_khz %u\n", tsc_khz);
	seq_puts(m, "cpu mech mm fpu prefetch cross count min_cyc avg_cyc max_cyc min_ns avg_ns max_ns hist\n");
	for_each_possible_cpu(cpu) {
		for (slot = 0; slot < MKIPC_SW_NSLOTS; slot++) {
			struct mkipc_sw_stat st;
			u64 avg;

			/* A run may be adding to it: see above. */
			st = data_race(*(mkipc_sw_table(cpu) + slot));

			if (!st.count)
				continue;
			avg = div64_u64(st.sum, st.count);
			seq_printf(m, "%d %s %s %d %d %d %llu %llu %llu %llu %llu %llu %llu",
				   cpu, mkipc_sw_mech_names[slot / (MKIPC_SW_NMM * 8)],
				   mkipc_sw_mm_names[slot / 8 % MKIPC_SW_NMM],
				   slot / 4 % 2, slot / 2 % 2, slot % 2, st.count,
				   st.min, avg, st.max,
				   div_u64(st.min * 1000000, khz),
				   div_u64(avg * 1000000, khz),
				   div_u64(st.max * 1000000, khz));
			for (b = 0; b < MKIPC_SW_HIST; b++)
				if (st.hist[b])
					seq_printf(m, " %d:%llu", b, st.hist[b]);
			seq_putc(m, '\n');
		}
	}
	return 0;
}

static int mkipc_sw_open(struct inode *inode, struct file *file)
{
	return single_open(file, mkipc_sw_show, NULL);
}

static ssize_t mkipc_sw_write(struct file *file, const char __user *ubuf,
			      size_t count, loff_t *ppos)
{
	int cpu;

	/* Not while a run writes the tables. */
	if (mutex_lock_interruptible(&mkipc_sw_lock))
		return -EINTR;
	for_each_possible_cpu(cpu)
		memset(mkipc_sw_table(cpu), 0,
		       sizeof(struct mkipc_sw_stat) * MKIPC_SW_NSLOTS);
	mutex_unlock(&mkipc_sw_lock);
	return count;
}

static const struct file_operations mkipc_sw_fops = {
	.owner		= THIS_MODULE,
	.open		= mkipc_sw_open,
	.read		= seq_read,
	.write		= mkipc_sw_write,
	.llseek		= seq_lseek,
	.release	= single_release,
};

void mkipc_switch_debugfs_init(struct dentry *dir)
{
	debugfs_create_file("switch_stats", 0644, dir, NULL, &mkipc_sw_fops);
}

void mkipc_switch_uninit(void)
{
	int cpu;

	if (!mkipc_sw_stats)
		return;
	for_each_possible_cpu(cpu)
		kvfree(mkipc_sw_stats[cpu]);
	kfree(mkipc_sw_stats);
	mkipc_sw_stats = NULL;
}

int mkipc_switch_init(void)
{
	int cpu;

	mkipc_sw_stats = kcalloc(nr_cpu_ids, sizeof(*mkipc_sw_stats),
				 GFP_KERNEL);
	if (!mkipc_sw_stats)
		return -ENOMEM;
	for_each_possible_cpu(cpu) {
		mkipc_sw_stats[cpu] =
			kvzalloc_node(array_size(MKIPC_SW_NSLOTS,
						 sizeof(struct mkipc_sw_stat)),
				      GFP_KERNEL, cpu_to_node(cpu));
		if (!mkipc_sw_stats[cpu]) {
			mkipc_switch_uninit();
			return -ENOMEM;
		}
	}
	return 0;
}
