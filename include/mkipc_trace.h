/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mkipc tracepoints: perf record -e mkipc:*, trace-cmd record -e mkipc.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM mkipc

#if !defined(_MKIPC_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _MKIPC_TRACE_H

#include <linux/sched.h>
#include <linux/tracepoint.h>

#include <uapi/linux/mkipc.h>

#include "owaitq.h"
#include "prio_boost.h"

/*
 * How an IPC went, in an event's path field: the design's fast path is
 * all of direct, slot and inline (and sync for a call, where enabled);
 * none of them reads "slow" (the queue, the xarray, a separate reply).
 */
#define MKIPC_TP_DIRECT	0x1	/* through the mailbox, not the queue */
#define MKIPC_TP_SLOT	0x2	/* a call slot's token, not the xarray's */
#define MKIPC_TP_INLINE	0x4	/* a reply inside the call's own record */
#define MKIPC_TP_SYNC	0x8	/* a synchronous (WF_SYNC) hand-off */

/*
 * Results in words: the errnos the ioctls document (docs/mkipc.rst), as
 * positive numbers (libtraceevent compares the symbols' values unsigned).
 */
#define mkipc_tp_result(e)						\
	__print_symbolic(e, { 0, "ok" }, { EPERM, "EPERM" },		\
			 { ENOENT, "ENOENT" }, { ESRCH, "ESRCH" },	\
			 { EINTR, "EINTR" }, { EBADF, "EBADF" },	\
			 { EAGAIN, "EAGAIN" }, { ENOMEM, "ENOMEM" },	\
			 { EFAULT, "EFAULT" }, { EINVAL, "EINVAL" },	\
			 { ENOSPC, "ENOSPC" }, { EPIPE, "EPIPE" },	\
			 { EMSGSIZE, "EMSGSIZE" },			\
			 { ETIMEDOUT, "ETIMEDOUT" },			\
			 { EOWNERDEAD, "EOWNERDEAD" },			\
			 { ERESTARTSYS, "ERESTARTSYS" },		\
			 { ERESTARTNOHAND, "ERESTARTNOHAND" })

/*
 * The IPC events, one class: the endpoint's id (as MKIPC_IOC_EP_INFO and
 * debugfs show it), the message's label and payload size (a reply's, for
 * mkipc_call_done), the call's token where there is one, the result, and
 * the path. mkipc_send and mkipc_call fire when the message is queued (or
 * not), mkipc_recv when a receive returns, mkipc_reply when a reply ended
 * a call (or failed to), mkipc_call_done when the caller's wait is over.
 * Bad arguments (EINVAL, EFAULT before anything was read) fire nothing.
 */
DECLARE_EVENT_CLASS(mkipc_ipc,
		    TP_PROTO(u64 ep, u64 label, u32 size, u64 token, int err,
			     unsigned int path),
		    TP_ARGS(ep, label, size, token, err, path),
		    TP_STRUCT__entry(__field(u64, ep)
				     __field(u64, label)
				     __field(u64, token)
				     __field(u32, size)
				     __field(int, err)
				     __field(u8, path)),
		    TP_fast_assign(__entry->ep = ep;
				   __entry->label = label;
				   __entry->token = token;
				   __entry->size = size;
				   __entry->err = -err;
				   __entry->path = path;),
		    TP_printk("ep=%llu label=%#llx size=%u token=%#llx result=%s path=%s",
			      __entry->ep, __entry->label, __entry->size,
			      __entry->token, mkipc_tp_result(__entry->err),
			      __entry->path ?
			      __print_flags(__entry->path, "|",
					    { MKIPC_TP_DIRECT, "direct" },
					    { MKIPC_TP_SLOT, "slot" },
					    { MKIPC_TP_INLINE, "inline" },
					    { MKIPC_TP_SYNC, "sync" }) :
			      "slow")
);

#define MKIPC_IPC_EVENT(name)						\
DEFINE_EVENT(mkipc_ipc, name,						\
	     TP_PROTO(u64 ep, u64 label, u32 size, u64 token, int err,	\
		      unsigned int path),				\
	     TP_ARGS(ep, label, size, token, err, path))

MKIPC_IPC_EVENT(mkipc_send);
MKIPC_IPC_EVENT(mkipc_call);
MKIPC_IPC_EVENT(mkipc_recv);
MKIPC_IPC_EVENT(mkipc_reply);
MKIPC_IPC_EVENT(mkipc_call_done);

TRACE_DEFINE_ENUM(MKIPC_WAITQ_OWAITQ);
TRACE_DEFINE_ENUM(MKIPC_WAITQ_STOCK);
TRACE_DEFINE_ENUM(MKIPC_WAKE_ONE);
TRACE_DEFINE_ENUM(MKIPC_WAKE_ALL);
TRACE_DEFINE_ENUM(MKIPC_WAKE_SYNC);

#define mkipc_tp_kind(k)						\
	__print_symbolic(k, { MKIPC_WAITQ_OWAITQ, "owaitq" },		\
			 { MKIPC_WAITQ_STOCK, "stock" })

/*
 * The wait events: a thread about to sleep on one of mkipc's wait queues
 * (its condition false, listed, state set) and back from that sleep
 * (result: ok, or ETIMEDOUT once the deadline passed; a signal or the
 * condition is for the caller to find). The time between the two, with
 * sched_switch and sched_wakeup, is where a blocked call spends it.
 */
DECLARE_EVENT_CLASS(mkipc_wait,
		    TP_PROTO(enum mkipc_waitq_kind kind, bool timed, int err),
		    TP_ARGS(kind, timed, err),
		    TP_STRUCT__entry(__field(u8, kind)
				     __field(u8, timed)
				     __field(int, err)),
		    TP_fast_assign(__entry->kind = kind;
				   __entry->timed = timed;
				   __entry->err = -err;),
		    TP_printk("kind=%s timed=%s result=%s",
			      mkipc_tp_kind(__entry->kind),
			      __entry->timed ? "yes" : "no",
			      mkipc_tp_result(__entry->err))
);

DEFINE_EVENT(mkipc_wait, mkipc_wait_sleep,
	     TP_PROTO(enum mkipc_waitq_kind kind, bool timed, int err),
	     TP_ARGS(kind, timed, err));

DEFINE_EVENT(mkipc_wait, mkipc_wait_woke,
	     TP_PROTO(enum mkipc_waitq_kind kind, bool timed, int err),
	     TP_ARGS(kind, timed, err));

/*
 * A wake-up: the first thread it woke (pid 0: none, or the stock kind,
 * whose wake_up() does not say), or skipped: nobody was listed, so it
 * took no lock and woke nobody (owaitq's fast path, or a waker's look at
 * an empty queue of either kind).
 */
TRACE_EVENT(mkipc_wait_wake,
	    TP_PROTO(enum mkipc_waitq_kind kind, enum mkipc_wake_how how,
		     pid_t pid, bool skipped),
	    TP_ARGS(kind, how, pid, skipped),
	    TP_STRUCT__entry(__field(pid_t, pid)
			     __field(u8, kind)
			     __field(u8, how)
			     __field(u8, skipped)),
	    TP_fast_assign(__entry->pid = pid;
			   __entry->kind = kind;
			   __entry->how = how;
			   __entry->skipped = skipped;),
	    TP_printk("kind=%s how=%s woke=%d skipped=%s",
		      mkipc_tp_kind(__entry->kind),
		      __print_symbolic(__entry->how,
				       { MKIPC_WAKE_ONE, "one" },
				       { MKIPC_WAKE_ALL, "all" },
				       { MKIPC_WAKE_SYNC, "sync" }),
		      __entry->pid, __entry->skipped ? "yes" : "no")
);

/*
 * The reasons' values, for userspace: __print_symbolic() below names them,
 * and trace-cmd and perf read those names from the event's format file,
 * where an enum constant is only a number unless it is exported here.
 */
TRACE_DEFINE_ENUM(MKIPC_PRIO_INHERIT);
TRACE_DEFINE_ENUM(MKIPC_PRIO_RESTORE);
TRACE_DEFINE_ENUM(MKIPC_PRIO_BOOST);
TRACE_DEFINE_ENUM(MKIPC_PRIO_DECAY);
TRACE_DEFINE_ENUM(MKIPC_PRIO_EXTERNAL);
TRACE_DEFINE_ENUM(MKIPC_PRIO_REFUSED);

/*
 * A thread's scheduling settings, before and after mkipc changed them (or
 * saw them changed). A level is the RT priority under SCHED_FIFO and
 * SCHED_RR, the nice value otherwise.
 */
TRACE_EVENT(mkipc_prio,
	    TP_PROTO(struct task_struct *p, const struct mkipc_prio *old,
		     const struct mkipc_prio *new, enum mkipc_prio_why why),
	    TP_ARGS(p, old, new, why),
	    TP_STRUCT__entry(__field(pid_t, pid)
			     __array(char, comm, TASK_COMM_LEN)
			     __field(u8, old_policy)
			     __field(int, old_prio)
			     __field(u8, new_policy)
			     __field(int, new_prio)
			     __field(int, why)),
	    TP_fast_assign(__entry->pid = task_pid_nr(p);
			   /* Racing a rename at worst mixes two names. */
			   data_race(memcpy(__entry->comm, p->comm,
					    TASK_COMM_LEN));
			   __entry->old_policy = old->policy;
			   __entry->old_prio = old->policy == SCHED_FIFO ||
					       old->policy == SCHED_RR ?
					       old->rt : old->nice;
			   __entry->new_policy = new->policy;
			   __entry->new_prio = new->policy == SCHED_FIFO ||
					       new->policy == SCHED_RR ?
					       new->rt : new->nice;
			   __entry->why = why;),
	    TP_printk("pid=%d comm=%s old_policy=%u old_prio=%d new_policy=%u new_prio=%d reason=%s",
		      __entry->pid, __entry->comm, __entry->old_policy,
		      __entry->old_prio, __entry->new_policy,
		      __entry->new_prio,
		      __print_symbolic(__entry->why,
				       { MKIPC_PRIO_INHERIT, "inherit" },
				       { MKIPC_PRIO_RESTORE, "restore" },
				       { MKIPC_PRIO_BOOST, "boost" },
				       { MKIPC_PRIO_DECAY, "decay" },
				       { MKIPC_PRIO_EXTERNAL, "external" },
				       { MKIPC_PRIO_REFUSED, "refused" }))
);

/*
 * One sample of a switch_opt.c pair (MKIPC_IOC_SWITCH): the cycles of a
 * hand-off on one CPU, or half a round trip across two (cross).
 */
TRACE_EVENT(mkipc_switch_sample,
	    TP_PROTO(unsigned int mech, unsigned int mm, unsigned int flags,
		     u64 cycles),
	    TP_ARGS(mech, mm, flags, cycles),
	    TP_STRUCT__entry(__field(u8, mech)
			     __field(u8, mm)
			     __field(u8, flags)
			     __field(u64, cycles)),
	    TP_fast_assign(__entry->mech = mech;
			   __entry->mm = mm;
			   __entry->flags = flags;
			   __entry->cycles = cycles;),
	    TP_printk("mech=%s mm=%s flags=%s cycles=%llu",
		      __print_symbolic(__entry->mech,
				       { MKIPC_SW_DIRECT, "direct" },
				       { MKIPC_SW_WAITQ, "waitq" },
				       { MKIPC_SW_OWAITQ, "owaitq" }),
		      __print_symbolic(__entry->mm,
				       { MKIPC_SW_MM_NONE, "none" },
				       { MKIPC_SW_MM_SAME, "same" },
				       { MKIPC_SW_MM_DIFF, "diff" }),
		      __entry->flags ?
		      __print_flags(__entry->flags, "|",
				    { MKIPC_SW_FPU, "fpu" },
				    { MKIPC_SW_PREFETCH, "prefetch" },
				    { MKIPC_SW_CROSS, "cross" }) : "none",
		      __entry->cycles)
);

#endif /* _MKIPC_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE mkipc_trace
#include <trace/define_trace.h>
