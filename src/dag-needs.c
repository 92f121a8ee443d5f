/*
 * dag-needs.c: the edges that an entry's "needs" make (dag.c's
 * add_deps calls in here).  A needs entry is
 *
 *   an entry's id          every task of that entry;
 *   a task's id            that task;
 *   a template             over the entry's own foreach values and
 *                          arguments, expanded for each task, then a
 *                          task id or a pattern in which '*' and '?'
 *                          are special ("build[os={os},*]"): the tasks
 *                          that match, and at least one must.
 *
 * So trim[sample=C] with needs: ["qc[sample={sample}]"] waits for
 * qc[sample=C] alone.  A pattern whose entry is known before its first
 * '*' or '?' is matched against that entry's tasks only.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weft.h"
#include "dag.h"

/* Whether a needs entry is a template or a pattern, matched per task. */
static int
need_is_pattern(const char *s)
{
	return strpbrk(s, "{*?") != NULL;
}

static void
needs_unknown(struct builder *b, const struct wf_str *need)
{
	struct wf_suggest	 hint;
	const char		*best;
	size_t			 i;

	wf_suggest_init(&hint, need->s);
	for (i = 0; i < b->d->ncalls && i < 10000; i++)
		wf_suggest_try(&hint, b->d->ci[i].c->id);
	if ((best = wf_suggest_best(&hint)) != NULL) {
		wf_error(&b->errs, &need->mark, "needs unknown task '%s' (did "
		    "you mean '%s'?)", need->s, best);
	} else
		wf_error(&b->errs, &need->mark, "needs unknown task '%s'",
		    need->s);
}

/* A needs entry names a task: found by its id. */
static int
need_task(struct builder *b, const char *id, uint32_t *p)
{
	size_t	 i;

	if (!b->have_taskmap) {
		/* Only for a need that is not an entry's id. */
		strmap_init(&b->taskmap, b->dag->ntasks);
		for (i = 0; i < b->dag->ntasks; i++)
			strmap_put(&b->taskmap, b->dag->tasks[i].id, i);
		b->have_taskmap = 1;
	}
	return strmap_get(&b->taskmap, id, p);
}

/* The plain needs (not templates) name an entry or a task. */
void
needs_check(struct builder *b)
{
	struct dag_private	*d = b->d;
	const struct wf_call	*c;
	size_t			 i, j;
	uint32_t		 x;

	for (i = 0; i < d->ncalls; i++) {
		c = d->ci[i].c;
		for (j = 0; j < c->nneeds; j++) {
			if (need_is_pattern(c->needs[j].s))
				continue;
			if (strmap_get(&d->callmap, c->needs[j].s, &x) != 0 &&
			    need_task(b, c->needs[j].s, &x) != 0)
				needs_unknown(b, &c->needs[j]);
		}
	}
}

/*
 * The tasks that pattern PAT names, as dependencies of task T; returns
 * how many, or -1 on an error of dep_add.
 */
static long
need_matches(struct builder *b, struct task *t, const char *pat,
    uint32_t *stamp, uint32_t **edges, size_t *nedges, size_t *cap)
{
	struct dag_private	*d = b->d;
	const struct call_info	*ri;
	char			 entry[TPL_NAME_MAX + 1];
	size_t			 len = strcspn(pat, "[*?");
	uint32_t		 p, lo = 0, hi = (uint32_t)b->dag->ntasks, x;
	long			 n = 0;

	if (strpbrk(pat, "*?") == NULL) {
		/* No wildcard: an entry's id, or a task's. */
		if (strmap_get(&d->callmap, pat, &x) == 0) {
			ri = &d->ci[x];
			lo = ri->first;
			hi = ri->first + ri->ntasks;
		} else if (need_task(b, pat, &p) == 0) {
			lo = p;
			hi = p + 1;
		} else
			return 0;
		for (p = lo; p < hi; p++, n++) {
			if (dep_add(b, edges, nedges, cap, stamp, t->index,
			    p) != 0)
				return -1;
		}
		return n;
	}
	/* The entry before the first '[' or wildcard, when it is one. */
	if (pat[len] == '[' && len < sizeof entry) {
		memcpy(entry, pat, len);
		entry[len] = '\0';
		if (strmap_get(&d->callmap, entry, &x) == 0) {
			lo = d->ci[x].first;
			hi = lo + d->ci[x].ntasks;
		}
	}
	for (p = lo; p < hi; p++) {
		if (!id_glob_match(pat, b->dag->tasks[p].id))
			continue;
		if (dep_add(b, edges, nedges, cap, stamp, t->index, p) != 0)
			return -1;
		n++;
	}
	return n;
}

/* Task T's needs, as dependencies appended to EDGES. */
int
needs_add(struct builder *b, struct task *t, uint32_t *stamp,
    uint32_t **edges, size_t *nedges, size_t *cap)
{
	const struct wf_call	*c = t->call;
	char			*pat;
	size_t			 i;
	long			 n;

	for (i = 0; i < c->nneeds; i++) {
		if (!need_is_pattern(c->needs[i].s)) {
			if (need_matches(b, t, c->needs[i].s, stamp, edges,
			    nedges, cap) < 0)
				return -1;
			continue;
		}
		if ((pat = need_expand(b, t, &c->needs[i])) == NULL)
			return -1;
		n = need_matches(b, t, pat, stamp, edges, nedges, cap);
		if (n == 0)
			wf_error(&b->errs, &c->needs[i].mark, "needs '%s' "
			    "matches no task for '%s' ('%s')", c->needs[i].s,
			    t->id, pat);
		free(pat);
		if (n <= 0)
			return -1;
	}
	return 0;
}
