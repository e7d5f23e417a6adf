// SPDX-License-Identifier: GPL-2.0
/*
 * mkipc(tool): mkipc pingpong's reports: text, ending in one SUMMARY line
 * of every parameter and result (tools/bench/suite.sh parses it), or
 * one JSON object.
 */
#include <stdbool.h>
#include <stdio.h>

#include "json.h"
#include "kcounters.h"
#include "lat.h"
#include "mkipc.h"
#include "modparam.h"
#include "module.h"
#include "pingpong.h"

/* "fifo10", "nice-5" or "default" (as the tool was started). */
static const char *pp_caller_desc(const struct pp_opts *o, char *buf,
				  size_t size)
{
	if (o->caller_fifo)
		snprintf(buf, size, "fifo%lu", o->caller_fifo);
	else if (o->caller_nice_set)
		snprintf(buf, size, "nice%ld", o->caller_nice);
	else
		snprintf(buf, size, "default");
	return buf;
}

static const char *pp_onoff(bool b)
{
	return b ? "on" : "off";
}

void pp_report_text(struct pp_ctx *c, const struct lat_result *r,
		    const char *kernel)
{
	const struct pp_opts *o = c->o;
	bool mk = o->transport == PP_MKIPC;
	char rights[16], abi[32], who[32];

	abi_str(c->have_ver ? &c->ver : NULL, abi, sizeof(abi));
	printf("# mkipc pingpong: transport=%s mode=%s cpus=%s (client CPU %d, server CPU %d)\n",
	       pp_transport_names[o->transport], pp_mode_names[o->mode],
	       o->cpus, c->cpu_a, c->cpu_b);
	printf("# iters=%lu warmup=%lu size=%u\n", o->iters, o->warmup,
	       c->size);
	if (mk) {
		printf("# optimizations: call=%s lfq=%s owaitq=%s sync=%s direct=%s recycle=%s\n",
		       pp_onoff(o->call), pp_onoff(o->lfq),
		       pp_onoff(o->owaitq), pp_onoff(o->sync),
		       pp_onoff(o->direct), pp_onoff(o->recycle));
		printf("# endpoint %llu: queue=%s waitq=%s wake=%s direct=%s",
		       (__u64)c->ep_info.id,
		       c->ep_info.flags & MKIPC_EP_QUEUE_SPIN ? "spin" : "lfq",
		       c->ep_info.flags & MKIPC_EP_WAITQ_STOCK ?
		       "stock" : "owaitq",
		       c->ep_info.flags & MKIPC_EP_WAKE_PLAIN ? "plain" : "sync",
		       c->ep_info.flags & MKIPC_EP_NO_DIRECT ? "off" : "on");
		printf(" recycle=%s max_msgs=%u",
		       c->ep_info.flags & MKIPC_EP_NO_RECYCLE ? "off" : "on",
		       c->ep_info.max_msgs);
		printf("%s;", c->ep_info.flags & MKIPC_EP_INHERIT_RT ?
		       " inherit_rt" : "");
		printf(" client descriptor rights=%s%s\n",
		       pp_rights(c->snd_info.rights, rights, sizeof(rights)),
		       o->call ? "" : " (request endpoint; reply endpoint alike)");
	} else {
		printf("# optimizations: n/a (%s transport)\n",
		       pp_transport_names[o->transport]);
	}
	if (mk) {
		if (o->caller_fifo)
			printf("# priority: client SCHED_FIFO %lu, server SCHED_OTHER nice 0;",
			       o->caller_fifo);
		else if (o->caller_nice_set)
			printf("# priority: client SCHED_OTHER nice %ld, server nice 0;",
			       o->caller_nice);
		else
			printf("# priority: both as started;");
		printf(" endpoint inherit_rt=%s; ",
		       o->inherit_rt ? "yes" : "no");
		prm_print(&o->prm);
		kc_print(&c->kc_before, &c->kc_after);
	}
	printf("# kernel %s, mkipc ABI %s", kernel, abi);
	if (c->have_ver)
		printf(" (features %#llx)", (__u64)c->ver.features);
	printf(", tool built for ABI %u.%u\n", MKIPC_ABI_MAJOR,
	       MKIPC_ABI_MINOR);
	lat_timer_print(&c->timer);
	lat_print("round trip", r, "samples");
	lat_print_hist(r);
	printf("SUMMARY bench=pingpong transport=%s mode=%s cpus=%s",
	       pp_transport_names[o->transport], pp_mode_names[o->mode],
	       o->cpus);
	printf(" cpu_a=%d cpu_b=%d iters=%lu warmup=%lu size=%u", c->cpu_a,
	       c->cpu_b, o->iters, o->warmup, c->size);
	if (mk)
		printf(" call=%d lfq=%d owaitq=%d sync=%d direct=%d recycle=%d",
		       o->call, o->lfq, o->owaitq, o->sync, o->direct,
		       o->recycle);
	else
		printf(" call=- lfq=- owaitq=- sync=- direct=- recycle=-");
	if (mk) {
		printf(" caller=%s inherit_rt=%d",
		       pp_caller_desc(o, who, sizeof(who)), o->inherit_rt);
		prm_summary(&o->prm);
	} else {
		printf(" caller=- inherit_rt=- priority_tracking=- boost_ns=-");
	}
	printf(" kernel=%s abi=%s timer_ns=%llu", kernel, abi,
	       c->timer.median);
	lat_summary(r);
	if (mk)
		kc_summary(&c->kc_before, &c->kc_after);
	printf("\n");
}

void pp_report_json(struct pp_ctx *c, const struct lat_result *r,
		    const char *kernel)
{
	const struct pp_opts *o = c->o;
	struct jw w = { .f = stdout };
	char rights[16], who[32];

	jw_open(&w, NULL, '{');
	jw_str(&w, "command", "pingpong");
	jw_open(&w, "params", '{');
	jw_str(&w, "transport", pp_transport_names[o->transport]);
	jw_str(&w, "mode", pp_mode_names[o->mode]);
	jw_str(&w, "cpus", o->cpus);
	jw_i64(&w, "cpu_a", c->cpu_a);
	jw_i64(&w, "cpu_b", c->cpu_b);
	jw_u64(&w, "iters", o->iters);
	jw_u64(&w, "warmup", o->warmup);
	jw_u64(&w, "size", c->size);
	if (o->transport == PP_MKIPC) {
		jw_open(&w, "optimizations", '{');
		jw_bool(&w, "call", o->call);
		jw_bool(&w, "lfq", o->lfq);
		jw_bool(&w, "owaitq", o->owaitq);
		jw_bool(&w, "sync", o->sync);
		jw_bool(&w, "direct", o->direct);
		jw_bool(&w, "recycle", o->recycle);
		jw_close(&w, '}');
		jw_open(&w, "priority", '{');
		jw_str(&w, "caller", pp_caller_desc(o, who, sizeof(who)));
		jw_str(&w, "caller_policy", !pp_prio_given(o) ? NULL :
		       o->caller_fifo ? "SCHED_FIFO" : "SCHED_OTHER");
		if (o->caller_fifo)
			jw_u64(&w, "caller_priority", o->caller_fifo);
		else if (o->caller_nice_set)
			jw_i64(&w, "caller_nice", o->caller_nice);
		jw_str(&w, "server", pp_prio_given(o) ?
		       "SCHED_OTHER nice 0" : NULL);
		jw_bool(&w, "inherit_rt", o->inherit_rt);
		jw_close(&w, '}');
		prm_json(&w, &o->prm);
	} else {
		jw_null(&w, "optimizations");
	}
	json_kernel(&w, kernel, c->have_ver ? &c->ver : NULL);
	jw_close(&w, '}');
	if (o->transport == PP_MKIPC) {
		jw_open(&w, "endpoint", '{');
		jw_u64(&w, "id", c->ep_info.id);
		jw_u64(&w, "flags", c->ep_info.flags);
		jw_str(&w, "queue", c->ep_info.flags & MKIPC_EP_QUEUE_SPIN ?
		       "spin" : "lfq");
		jw_str(&w, "waitq", c->ep_info.flags & MKIPC_EP_WAITQ_STOCK ?
		       "stock" : "owaitq");
		jw_str(&w, "wake", c->ep_info.flags & MKIPC_EP_WAKE_PLAIN ?
		       "plain" : "sync");
		jw_u64(&w, "max_msgs", c->ep_info.max_msgs);
		jw_bool(&w, "inherit_rt",
			c->ep_info.flags & MKIPC_EP_INHERIT_RT);
		jw_str(&w, "client_rights",
		       pp_rights(c->snd_info.rights, rights, sizeof(rights)));
		jw_close(&w, '}');
	}
	if (o->transport == PP_MKIPC)
		kc_json(&w, &c->kc_before, &c->kc_after);
	lat_timer_json(&w, &c->timer);
	jw_open(&w, "results", '{');
	lat_json(&w, r);
	lat_json_hist(&w, r);
	jw_close(&w, '}');
	jw_close(&w, '}');
}
