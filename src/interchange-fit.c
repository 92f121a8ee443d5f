/*
 * interchange-fit.c: dispatch once a task has asked for resources
 * (cores, memory, GPUs).  Then each queued task goes, in order, to a
 * pool where it fits now, counting what the tries already there hold:
 * the one it leaves the fewest cores free on, so that the large holes
 * stay for large tasks.  A task that fits nowhere now reserves the pool
 * that could run it and has the most free: nothing smaller is put there
 * until it fits, so a 4-core task is not starved by a stream of 1-core
 * ones, which go on filling the other pools meanwhile.  No task is
 * prefetched: a pool holds only what runs.
 *
 * A pool's memory of 0 (not known) does not limit; GPUs are counted here
 * and handed out by device in the pool (pool-resources.c).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zmq.h>

#include "weft.h"
#include "proto.h"
#include "interchange.h"

#define IX_FIT_SCAN	4096	/* queued tasks looked at per dispatch */

/* Adds (SIGN 1) or takes back (-1) a try's NEED to what PP holds. */
void
ix_hold(struct ix_pool *pp, const struct ix_need *need, int sign)
{
	pp->used.cores += sign * (int)need->cores;
	pp->used.gpus += sign * (int)need->gpus;
	pp->used.memory += sign * need->memory;
}

static int
could_fit(const struct ix_pool *pp, const struct ix_need *n)
{
	return n->cores <= pp->slots && n->gpus <= (uint32_t)pp->gpus &&
	    (pp->memory == 0 || n->memory <= pp->memory);
}

static int
fits_now(const struct ix_pool *pp, const struct ix_need *n)
{
	return pp->used.cores + n->cores <= pp->slots &&
	    pp->used.gpus + n->gpus <= (uint32_t)pp->gpus &&
	    (pp->memory == 0 || pp->used.memory + n->memory <= pp->memory);
}

/* Cores PP has free now (its slots, less what its tries hold). */
static long
free_cores(const struct ix_pool *pp)
{
	return (long)pp->slots - (long)pp->used.cores;
}

/*
 * Places what fits of the first IX_FIT_SCAN queued tasks in the pools'
 * batches, holding their resources; the queue keeps the rest in order.
 */
void
ix_dispatch_fit(struct ix *ix)
{
	struct ix_pool	*pp, *best, *reserved = NULL;
	struct ix_task	*t;
	size_t		 q, end, i, taken = 0;

	end = ix->qtail - ix->qhead > IX_FIT_SCAN ? ix->qhead + IX_FIT_SCAN :
	    ix->qtail;
	for (q = ix->qhead; q < end; q++) {
		t = &ix->queue[q];
		best = NULL;
		for (i = 0; i < ix->npools; i++) {
			pp = &ix->pools[i];
			if (pp->silent || pp == reserved ||
			    !fits_now(pp, &t->need))
				continue;
			if (best == NULL || free_cores(pp) < free_cores(best))
				best = pp;
		}
		if (best != NULL) {
			ix_hold(best, &t->need, 1);
			best->batch[best->nbatch++] = q;
			taken++;
			continue;
		}
		if (reserved != NULL)
			continue;
		/* It waits for the pool that will have room first. */
		for (i = 0; i < ix->npools; i++) {
			pp = &ix->pools[i];
			if (!pp->silent && could_fit(pp, &t->need) &&
			    (reserved == NULL ||
			    free_cores(pp) > free_cores(reserved)))
				reserved = pp;
		}
	}
	ix->fit_end = taken > 0 ? end : 0;
}

/*
 * After the batches were sent (which empties their tasks' data): the
 * tasks left in the window scanned move back, in order, over the ones
 * taken, and the queue's head moves past the gap.
 */
void
ix_compact(struct ix *ix)
{
	size_t	 q, w;

	if (ix->fit_end == 0)
		return;
	for (q = w = ix->fit_end; q > ix->qhead; q--) {
		if (ix->queue[q - 1].data != NULL)
			ix->queue[--w] = ix->queue[q - 1];
	}
	ix->qhead = w;
	ix->fit_end = 0;
}
