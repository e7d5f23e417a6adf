// SPDX-License-Identifier: GPL-2.0
/*
 * mkipc(tool): the module parameters a benchmark run sets, and puts back
 * after it (also when SIGINT, SIGTERM or SIGHUP ends it), through
 * libmkipc's mkipc_param_*(). See modparam.h.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "mkipc_util.h"
#include "json.h"
#include "mkipc.h"
#include "modparam.h"

/* Sets parameter @name to @val for this run; says why not on failure. */
static int prm_set(const char *name, const char *val)
{
	int ret;

	ret = mkipc_param_save(name);
	if (ret == -ENOSPC) {
		err("module parameter %s: too many set at once", name);
		return ret;
	}
	if (ret) {
		err("module parameter %s: %s%s", name, strerror(-ret),
		    ret == -ENOENT ?
		    " (mkipc not loaded, or built without it)" : "");
		return ret;
	}
	/* Put back also when SIGINT, SIGTERM or SIGHUP ends the run. */
	mkipc_param_restore_on_signals();
	ret = mkipc_param_write(name, val);
	if (ret) {
		err("setting module parameter %s to %s: %s%s", name, val,
		    strerror(-ret), ret == -EACCES || ret == -EPERM ?
		    " (root only)" : "");
		return ret;
	}
	return 0;
}

/*
 * Parses option @c (OPT_PRM_*), its argument @s: --priority-tracking
 * (Y or N; also y, n, 1, 0, on, off) or --boost-ns. 0, or -1 having said
 * why.
 */
int prm_parse_opt(int c, const char *s, struct prm_prio *p)
{
	if (c == OPT_PRM_BOOST_NS) {
		if (parse_ulong("boost-ns", s, 0, BOOST_NS_MAX, &p->boost_ns))
			return -1;
		p->boost_set = true;
	} else if (!strcmp(s, "Y") || !strcmp(s, "y") || !strcmp(s, "1") ||
		   !strcmp(s, "on")) {
		p->tracking = "Y";
	} else if (!strcmp(s, "N") || !strcmp(s, "n") || !strcmp(s, "0") ||
		   !strcmp(s, "off")) {
		p->tracking = "N";
	} else {
		err("--priority-tracking: Y or N, not '%s'", s);
		return -1;
	}
	return 0;
}

/* Sets what @p asks for, then reads back what the run will use. */
int prm_apply(struct prm_prio *p)
{
	char buf[PRM_VALLEN];

	if (p->tracking && prm_set("priority_tracking", p->tracking))
		return -1;
	if (p->boost_set) {
		snprintf(buf, sizeof(buf), "%lu", p->boost_ns);
		if (prm_set("boost_ns", buf))
			return -1;
	}
	if (mkipc_param_read("priority_tracking", p->tracking_now,
			     sizeof(p->tracking_now)))
		snprintf(p->tracking_now, sizeof(p->tracking_now), "-");
	if (mkipc_param_read("boost_ns", p->boost_now, sizeof(p->boost_now)))
		snprintf(p->boost_now, sizeof(p->boost_now), "-");
	return 0;
}

/* "priority_tracking=Y boost_ns=10000 (set by this run...)\n" and the like */
void prm_print(const struct prm_prio *p)
{
	printf("priority_tracking=%s boost_ns=%s", p->tracking_now,
	       p->boost_now);
	if (p->tracking || p->boost_set)
		printf(" (%s%s%s set by this run, restored after)",
		       p->tracking ? "priority_tracking" : "",
		       p->tracking && p->boost_set ? " and " : "",
		       p->boost_set ? "boost_ns" : "");
	printf("\n");
}

/* " priority_tracking=Y boost_ns=10000" for a SUMMARY line */
void prm_summary(const struct prm_prio *p)
{
	printf(" priority_tracking=%s boost_ns=%s", p->tracking_now,
	       p->boost_now);
}

void prm_json(struct jw *w, const struct prm_prio *p)
{
	jw_open(w, "module_parameters", '{');
	jw_token(w, "priority_tracking", p->tracking_now);
	jw_token(w, "boost_ns", p->boost_now);
	jw_bool(w, "set_by_run", p->tracking || p->boost_set);
	jw_close(w, '}');
}

