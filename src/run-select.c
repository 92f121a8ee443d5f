/*
 * run-select.c: "weft run FILE TARGET...": the targets, entries or task
 * ids (globs with '*' and '?'), and every task they need, run; the rest
 * of the graph is recorded not_run.  A target that names nothing is a
 * usage error, with the nearest name when one is close.
 */

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>

#include "weft.h"
#include "proto.h"
#include "run.h"

/* Task ids tried for a did-you-mean: enough for a typo, not millions. */
#define SELECT_SUGGEST_MAX	10000

static int
is_glob(const char *s)
{
	return strpbrk(s, "*?") != NULL;
}

/* Marks the tasks TARGET names; the number marked. */
static size_t
mark_target(struct run *r, const char *target, uint8_t *sel)
{
	const struct dag	*dag = r->dag;
	const struct task	*t;
	size_t			 i, n = 0;
	int			 glob = is_glob(target);

	for (i = 0; i < dag->ntasks; i++) {
		t = &dag->tasks[i];
		if (strcmp(t->call_id, target) == 0 ||
		    strcmp(t->id, target) == 0 || (glob &&
		    (id_glob_match(target, t->id) ||
		    id_glob_match(target, t->call_id)))) {
			sel[i] = 1;
			n++;
		}
	}
	return n;
}

static void
no_match(struct run *r, const char *target)
{
	struct wf_suggest	 hint;
	char			 said[PATH_MAX];
	size_t			 i;

	wf_suggest_init(&hint, target);
	for (i = 0; i < r->wf->ncalls; i++)
		wf_suggest_try(&hint, r->wf->calls[i].id);
	for (i = 0; i < r->dag->ntasks && i < SELECT_SUGGEST_MAX; i++)
		wf_suggest_try(&hint, r->dag->tasks[i].id);
	fprintf(stderr, "weft run: no entry or task '%s' in '%s'%s\n", target,
	    r->wf->display, wf_suggest_said(&hint, said, sizeof said));
}

int
run_select(struct run *r, char **targets, size_t ntargets)
{
	const struct task	*t;
	uint32_t		*stack;
	uint8_t			*sel;
	size_t			 i, j, n = 0, bad = 0;

	if (ntargets == 0)
		return 0;
	sel = xcalloc(r->dag->ntasks + 1, 1);
	for (i = 0; i < ntargets; i++) {
		if (mark_target(r, targets[i], sel) == 0) {
			no_match(r, targets[i]);
			bad++;
		}
	}
	if (bad > 0) {
		free(sel);
		return -1;
	}
	/* And what they need, all the way up. */
	stack = xcalloc(r->dag->ntasks + 1, sizeof *stack);
	for (i = 0; i < r->dag->ntasks; i++) {
		if (sel[i])
			stack[n++] = i;
	}
	r->nselected = n;
	while (n > 0) {
		t = &r->dag->tasks[stack[--n]];
		for (j = 0; j < t->ndeps; j++) {
			if (sel[t->deps[j]])
				continue;
			sel[t->deps[j]] = 1;
			r->nselected++;
			stack[n++] = t->deps[j];
		}
	}
	free(stack);
	r->selected = sel;
	return 0;
}

int
run_selected(const struct run *r, uint32_t i)
{
	return r->selected == NULL || r->selected[i];
}

/* Task I is made ready as the run begins: selected, waiting for none. */
int
run_ready_at_start(const struct run *r, uint32_t i)
{
	return run_selected(r, i) && r->tasks[i].waiting == 0 &&
	    r->tasks[i].state == TS_WAITING;
}
