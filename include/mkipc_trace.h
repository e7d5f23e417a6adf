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

#include "prio_boost.h"

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
		      __print_flags(__entry->flags, "|",
				    { MKIPC_SW_FPU, "fpu" },
				    { MKIPC_SW_PREFETCH, "prefetch" },
				    { MKIPC_SW_CROSS, "cross" }),
		      __entry->cycles)
);

#endif /* _MKIPC_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE mkipc_trace
#include <trace/define_trace.h>
