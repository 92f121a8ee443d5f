/*
 * run-resources.c: main's side of what tasks ask (resources: cores,
 * memory, GPUs).  A task's request is its entry's, else its app's, else
 * one core.  Before a task is sent, it is held against the largest pool
 * the run can have: local pools have -j cores and this host's memory
 * and GPUs; the slurm provider's, what its blocks ask (cores_per_node,
 * mem_per_node, gpus_per_node); pools that connect by themselves are
 * not known beforehand.  A task no pool could ever run fails at once,
 * with the reason, instead of waiting forever.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weft.h"
#include "proto.h"
#include "dag.h"
#include "run.h"

const struct wf_resources *
task_resources(const struct task *t)
{
	static const struct wf_resources none;

	if (t->call->res.set)
		return &t->call->res;
	if (t->app->res.set)
		return &t->app->res;
	return &none;
}

/* The largest pool this run can have; -1: not known. */
void
resources_setup(struct run *r)
{
	const struct wf_provider *p = &r->wf->prov;

	if (strcmp(r->wf->provider, "slurm") == 0) {
		r->cap_cores = p->cores_per_node > 0 ? p->cores_per_node : -1;
		r->cap_memory = p->mem_per_node > 0 ? p->mem_per_node : -1;
		r->cap_gpus = p->gpus_per_node;
		r->cap_where = "a block of the slurm provider";
	} else if (r->prov != NULL || r->pools == 0) {
		r->cap_cores = r->cap_gpus = -1;
		r->cap_memory = -1;
	} else {
		r->cap_cores = r->jobs;
		r->cap_memory = host_memory();
		r->cap_gpus = host_gpus();
		r->cap_where = "a pool on this host";
	}
}

/* Why task T can never run here, or NULL; the caller frees it. */
char *
resources_unmet(const struct run *r, const struct task *t)
{
	const struct wf_resources *res = task_resources(t);
	char	*a, *b, *why;

	if (r->cap_cores >= 0 && res->cores > r->cap_cores)
		return xprintf("it needs %d cores; %s has %d%s", res->cores,
		    r->cap_where, r->cap_cores, r->prov == NULL ?
		    " (-j, config.jobs)" : " (cores_per_node)");
	if (r->cap_memory >= 0 && res->memory > r->cap_memory) {
		a = size_string(res->memory);
		b = size_string(r->cap_memory);
		why = xprintf("it needs %s of memory; %s has %s", a,
		    r->cap_where, b);
		free(a);
		free(b);
		return why;
	}
	if (r->cap_gpus >= 0 && res->gpus > r->cap_gpus)
		return xprintf("it needs %d GPU%s; %s has %d", res->gpus,
		    res->gpus == 1 ? "" : "s", r->cap_where, r->cap_gpus);
	return NULL;
}
