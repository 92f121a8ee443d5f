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
 *
 * The tasks that a task's templates name per item, such as
 * {qc[sample={sample}].outputs} (dag-scope.c), are edges of the same
 * kind: noted as pairs while the task is expanded, added here.
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

/*
 * Whether the error that need NEED of task T, PAT once filled in,
 * matches no task is to be reported: once for the entry when what PAT
 * names is no entry at all, else for each task, whose item is missing.
 */
static int
need_say(struct builder *b, const struct task *t, const struct wf_str *need,
    const char *pat)
{
	char		 entry[TPL_NAME_MAX + 1];
	size_t		 len = strcspn(pat, "[*?");

	if (pat[len] != '[' || len >= sizeof entry)
		return 1;
	memcpy(entry, pat, len);
	entry[len] = '\0';
	if (strmap_get(&b->d->callmap, entry, NULL) == 0)
		return 1;
	return !said_before(b, TASK_CALL(b->d, t), need, 0, "no entry");
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
		if (n == 0 && need_say(b, t, &c->needs[i], pat))
			wf_error(&b->errs, &c->needs[i].mark, "needs '%s' "
			    "matches no task for '%s' ('%s')", c->needs[i].s,
			    t->id, pat);
		free(pat);
		if (n <= 0)
			return -1;
	}
	return 0;
}

int
item_dep(struct builder *b, uint32_t t, uint32_t p)
{
	if (b->nitemdeps >= b->max_edges) {
		if (!b->edges_full)
			wf_error(&b->errs, &b->dag->tasks[t].call->mark, "the "
			    "task graph has more than %zu edges",
			    b->max_edges);
		b->edges_full = 1;
		return -1;
	}
	if (b->nitemdeps == b->citemdeps) {
		b->citemdeps = b->citemdeps == 0 ? 64 : b->citemdeps * 2;
		b->itemdeps = xreallocarray(b->itemdeps, b->citemdeps,
		    sizeof *b->itemdeps);
	}
	b->itemdeps[b->nitemdeps++] = (uint64_t)t << 32 | p;
	return 0;
}

static int
u64_cmp(const void *a, const void *b)
{
	uint64_t	 x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * One task's item edges, noted from FROM on, sorted and each once: its
 * templates may name the same task many times.
 */
void
item_deps_done(struct builder *b, size_t from)
{
	size_t	 i, n = from;

	if (b->nitemdeps - from < 2)
		return;
	qsort(b->itemdeps + from, b->nitemdeps - from, sizeof *b->itemdeps,
	    u64_cmp);
	for (i = from; i < b->nitemdeps; i++) {
		if (n == from || b->itemdeps[n - 1] != b->itemdeps[i])
			b->itemdeps[n++] = b->itemdeps[i];
	}
	b->nitemdeps = n;
}

/* Entries are expanded out of task order: the pairs are put in it. */
void
item_deps_sort(struct builder *b)
{
	if (b->nitemdeps > 1)
		qsort(b->itemdeps, b->nitemdeps, sizeof *b->itemdeps,
		    u64_cmp);
	b->itemdep_at = 0;
}

/* Task T's item edges, appended to EDGES; tasks come in index order. */
int
item_deps_add(struct builder *b, struct task *t, uint32_t *stamp,
    uint32_t **edges, size_t *nedges, size_t *cap)
{
	uint64_t	 pair;

	for (; b->itemdep_at < b->nitemdeps; b->itemdep_at++) {
		pair = b->itemdeps[b->itemdep_at];
		if (pair >> 32 > t->index)
			break;
		if (pair >> 32 == t->index && dep_add(b, edges, nedges, cap,
		    stamp, t->index, (uint32_t)pair) != 0)
			return -1;
	}
	return 0;
}
