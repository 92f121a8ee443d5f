/*
 * pool-resources.c: what the pool's commands hold while they run: their
 * cores (a pool of J slots has J cores; a task asks one unless it says
 * more) and their GPUs, which are not interchangeable: each task gets
 * particular devices, never shared by two running tasks, exported to it
 * as CUDA_VISIBLE_DEVICES and WEFT_GPUS.  The devices are those of
 * CUDA_VISIBLE_DEVICES if the pool was given them, else 0..N-1.  The
 * interchange sends a pool only what fits it; this is the pool's own
 * account, so that what runs at once never goes beyond it.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weft.h"
#include "proto.h"
#include "pool.h"

/* The devices' names: the pool's CUDA_VISIBLE_DEVICES, or 0..N-1. */
void
pool_gpus_init(struct pool *p)
{
	const char	*v = getenv("CUDA_VISIBLE_DEVICES");
	char		*copy, *w, *last;
	int		 i;

	if (p->ngpus > POOL_MAX_GPUS)
		p->ngpus = POOL_MAX_GPUS;
	p->gpu_names = xcalloc(p->ngpus + 1, sizeof *p->gpu_names);
	copy = v != NULL ? xstrdup(v) : NULL;
	w = copy != NULL ? strtok_r(copy, ",", &last) : NULL;
	for (i = 0; i < p->ngpus; i++) {
		p->gpu_names[i] = w != NULL ? xstrdup(w) : xprintf("%d", i);
		if (w != NULL)
			w = strtok_r(NULL, ",", &last);
	}
	free(copy);
}

void
pool_gpus_free(struct pool *p)
{
	strs_free(p->gpu_names, p->ngpus);
	p->gpu_names = NULL;
}

static int
gpus_free(const struct pool *p)
{
	int	 i, n = 0;

	for (i = 0; i < p->ngpus; i++)
		n += (p->gpu_used & ((uint64_t)1 << i)) == 0;
	return n;
}

/* Whether command T can start now, next to what runs. */
int
pool_fits(const struct pool *p, const struct pool_task *t)
{
	/* Alone, a task larger than the pool still runs (main checks). */
	if (p->cores_busy > 0 && p->cores_busy + (int)t->cores > p->jobs)
		return 0;
	return t->gpus <= (uint32_t)gpus_free(p) || p->gpu_used == 0;
}

/*
 * Takes T's cores and GPUs for the try of PT, and adds the devices to
 * T's environment.
 */
void
pool_take(struct pool *p, struct pool_task *t, struct pool_try *pt)
{
	char	*list, *s;
	int	 i;
	uint32_t n = 0;

	pt->cores = t->cores;
	p->cores_busy += t->cores;
	pt->gpu_mask = 0;
	if (t->gpus == 0)
		return;
	list = xstrdup("");
	for (i = 0; i < p->ngpus && n < t->gpus; i++) {
		if (p->gpu_used & ((uint64_t)1 << i))
			continue;
		pt->gpu_mask |= (uint64_t)1 << i;
		s = xprintf("%s%s%s", list, n > 0 ? "," : "",
		    p->gpu_names[i]);
		free(list);
		list = s;
		n++;
	}
	p->gpu_used |= pt->gpu_mask;
	t->env = xreallocarray(t->env, t->nenv + 3, sizeof *t->env);
	t->env[t->nenv++] = xprintf("CUDA_VISIBLE_DEVICES=%s", list);
	t->env[t->nenv++] = xprintf("WEFT_GPUS=%s", list);
	t->env[t->nenv] = NULL;
	log_debug("task %s: GPUs %s", t->id, list);
	free(list);
}

/* The try of PT ended: its cores and GPUs are free again. */
void
pool_release(struct pool *p, struct pool_try *pt)
{
	p->cores_busy -= pt->cores;
	if (p->cores_busy < 0)
		p->cores_busy = 0;
	p->gpu_used &= ~pt->gpu_mask;
	pt->cores = 0;
	pt->gpu_mask = 0;
}
