/*
 * workflow-config.c: the loader's "config": jobs, retries, max_tasks,
 * resume, monitoring, the provider that runs the pools, the
 * interchange's tcp:// endpoint and the heartbeats.
 */

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weft.h"
#include "workflow.h"

static const char *const config_keys[] = {
	"jobs", "retries", "monitoring", "provider", "resume", "max_tasks",
	"interchange", "heartbeat_period", "heartbeat_threshold", NULL
};
static const char *const interchange_keys[] = { "address", "port", NULL };
static const char *const monitoring_keys[] = {
	"enabled", "resource_interval", NULL
};

/* monitoring: a boolean, or {enabled: BOOL, resource_interval: SECONDS}. */
static void
load_monitoring(struct loader *l, const struct ynode *v)
{
	const struct ynode	*e;
	char			*end;
	double			 d;

	if (v->type != YN_MAP) {
		get_bool(l, v, "monitoring", &l->wf->monitoring);
		return;
	}
	check_keys(l, v, monitoring_keys, "in config.monitoring");
	if ((e = ynode_get(v, "enabled")) != NULL)
		get_bool(l, e, "enabled", &l->wf->monitoring);
	if ((e = ynode_get(v, "resource_interval")) == NULL)
		return;
	d = 0;
	if (e->type == YN_SCALAR && e->plain && e->s[0] != '\0')
		d = strtod(e->s, &end);
	if (d <= 0 || d > 86400 || e->type != YN_SCALAR || !e->plain ||
	    *end != '\0') {
		wf_error(&l->errs, &e->mark, "'resource_interval' must be a "
		    "number of seconds from 0 to 86400 (not 0)");
		return;
	}
	l->wf->resource_interval = d;
}

/* A duration such as 30s for KEY, in ms from MIN_MS. */
static void
get_duration(struct loader *l, const struct ynode *v, const char *key,
    int64_t min_ms, int64_t *ms)
{
	char	*text = NULL, *what;
	int64_t	 d;

	what = xprintf("'%s'", key);
	if (get_string(l, v, what, &text) == 0) {
		if (parse_duration(text, &d) == 0 && d >= min_ms)
			*ms = d;
		else
			wf_error(&l->errs, &v->mark, "invalid %s '%s' (write a "
			    "duration such as 30s, 2m or 500ms, at least "
			    "%lld ms)", what, text, (long long)min_ms);
	}
	free(text);
	free(what);
}

/* A port: 5000, or a range "5000-5100" (or 5000..5100) to pick from. */
static void
get_port(struct loader *l, const struct ynode *v)
{
	struct workflow	*wf = l->wf;
	char		*end, *sep;
	long		 lo, hi;

	if (v->type != YN_SCALAR || ynode_null(v))
		goto bad;
	lo = strtol(v->s, &end, 10);
	hi = lo;
	if (end == v->s)
		goto bad;
	sep = end;
	if (*sep == '-' || (sep[0] == '.' && sep[1] == '.')) {
		sep += *sep == '-' ? 1 : 2;
		hi = strtol(sep, &end, 10);
		if (end == sep)
			goto bad;
	}
	if (*end != '\0' || lo < 1 || hi > 65535 || lo > hi)
		goto bad;
	wf->ix_port_lo = (int)lo;
	wf->ix_port_hi = (int)hi;
	return;
bad:
	wf_error(&l->errs, &v->mark, "'port' must be a port from 1 to 65535, "
	    "or a range such as 54000-54100");
}

/* interchange: {address: HOST, port: P or a range}: listen on tcp://. */
static void
load_interchange(struct loader *l, const struct ynode *map)
{
	const struct ynode	*v;

	if (want_map(l, map, "'interchange'") != 0)
		return;
	check_keys(l, map, interchange_keys, "in config.interchange");
	l->wf->ix_tcp = 1;
	if ((v = ynode_get(map, "address")) != NULL &&
	    get_string(l, v, "'address'", &l->wf->ix_address) == 0 &&
	    (l->wf->ix_address[0] == '\0' ||
	    strpbrk(l->wf->ix_address, " \t/:[]") != NULL)) {
		wf_error(&l->errs, &v->mark, "'address' must be a host name "
		    "or an IPv4 address, not '%s'", l->wf->ix_address);
	}
	if ((v = ynode_get(map, "port")) != NULL)
		get_port(l, v);
}

void
load_config(struct loader *l, const struct ynode *map)
{
	struct workflow		*wf = l->wf;
	const struct ynode	*v;

	if (want_map(l, map, "'config'") != 0)
		return;
	check_keys(l, map, config_keys, "in config");
	if ((v = ynode_get(map, "jobs")) != NULL)
		get_int(l, v, "jobs", 1, WEFT_MAX_JOBS, &wf->jobs);
	if ((v = ynode_get(map, "retries")) != NULL)
		get_int(l, v, "retries", 0, INT_MAX, &wf->retries);
	if ((v = ynode_get(map, "max_tasks")) != NULL)
		get_int(l, v, "max_tasks", 1, WEFT_TASKS_CEILING,
		    &wf->max_tasks);
	if ((v = ynode_get(map, "monitoring")) != NULL)
		load_monitoring(l, v);
	if ((v = ynode_get(map, "resume")) != NULL)
		get_bool(l, v, "resume", &wf->resume);
	if ((v = ynode_get(map, "interchange")) != NULL)
		load_interchange(l, v);
	if ((v = ynode_get(map, "heartbeat_period")) != NULL)
		get_duration(l, v, "heartbeat_period", 10, &wf->hb_period_ms);
	if ((v = ynode_get(map, "heartbeat_threshold")) != NULL) {
		get_duration(l, v, "heartbeat_threshold", 20,
		    &wf->hb_threshold_ms);
		if (wf->hb_threshold_ms > 0 && wf->hb_threshold_ms <
		    2 * (wf->hb_period_ms > 0 ? wf->hb_period_ms :
		    HEARTBEAT_MS))
			wf_error(&l->errs, &v->mark, "'heartbeat_threshold' "
			    "must be two heartbeat periods at least");
	}
	if ((v = ynode_get(map, "provider")) != NULL)
		load_provider(l, v);
}
