/*
 * workflow-config.c: the loader's "config": jobs, retries, max_tasks,
 * resume, monitoring and the provider that runs the pools.
 */

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weft.h"
#include "workflow.h"

static const char *const config_keys[] = {
	"jobs", "retries", "monitoring", "provider", "resume", "max_tasks",
	NULL
};
static const char *const provider_keys[] = { "kind", "pools", NULL };
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

void
load_config(struct loader *l, const struct ynode *map)
{
	struct workflow		*wf = l->wf;
	const struct ynode	*v, *pv;

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
	if ((v = ynode_get(map, "provider")) == NULL)
		return;
	if (v->type == YN_SCALAR && !ynode_null(v))
		pv = v;
	else {
		if (want_map(l, v, "'provider'") != 0)
			return;
		check_keys(l, v, provider_keys, "in config.provider");
		if ((pv = ynode_get(v, "pools")) != NULL)
			get_int(l, pv, "pools", 1, WEFT_MAX_POOLS, &wf->pools);
		pv = ynode_get(v, "kind");
	}
	if (pv == NULL)
		return;
	if (pv->type != YN_SCALAR || ynode_null(pv)) {
		wf_error(&l->errs, &pv->mark, "'kind' must be a string, not %s",
		    ynode_kind(pv));
	} else if (strcmp(pv->s, "local") != 0) {
		wf_error(&l->errs, &pv->mark, "unsupported provider kind '%s' "
		    "(supported: local)", pv->s);
	} else {
		free(wf->provider);
		wf->provider = xstrdup(pv->s);
	}
}
