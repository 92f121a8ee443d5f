/*
 * dag.c: the task graph.  Each entry of main becomes one task, or one per
 * combination of its foreach values, and its templates are filled in
 * (dag-expand.c); edges come from needs, from {ID.outputs} and from
 * inputs that are another task's outputs.  Everything is kept in flat
 * arrays, an arena and hash maps so that a graph of ten million tasks
 * is built in linear time and a few hundred bytes a task.  weft run and
 * weft check build it with dag_build.
 */

#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weft.h"
#include "dag.h"

/* Above this many edges per allowed task the graph is refused. */
#define DAG_EDGES_PER_TASK	16

/*
 * Walks back from a node left over by Kahn's algorithm until a node
 * repeats: every left-over node waits for another left-over node, so the
 * walk must close a cycle.  Returns the cycle in running order, starting
 * from its lowest index.
 */
static uint32_t *
find_cycle(size_t n, uint32_t start, const uint8_t *done,
    uint32_t (*pred)(void *, uint32_t, const uint8_t *), void *arg,
    size_t *lenp)
{
	uint32_t	*path, *cyc, x;
	int64_t		*pos;
	size_t		 len = 0, clen, i, low;

	pos = xcalloc(n, sizeof *pos);
	for (i = 0; i < n; i++)
		pos[i] = -1;
	path = xcalloc(n + 1, sizeof *path);
	x = start;
	while (pos[x] < 0) {
		pos[x] = len;
		path[len++] = x;
		x = pred(arg, x, done);
	}
	/* path[pos[x]..] waits in turn on the next: reverse for run order. */
	clen = len - pos[x];
	cyc = xcalloc(clen + 1, sizeof *cyc);
	for (i = 0; i < clen; i++)
		cyc[i] = path[len - 1 - i];
	low = 0;
	for (i = 1; i < clen; i++) {
		if (cyc[i] < cyc[low])
			low = i;
	}
	for (i = 0; i < clen; i++)
		path[i] = cyc[(low + i) % clen];
	memcpy(cyc, path, clen * sizeof *cyc);
	free(path);
	free(pos);
	*lenp = clen;
	return cyc;
}

static uint32_t
call_pred(void *arg, uint32_t x, const uint8_t *done)
{
	struct builder	*b = arg;
	const struct call_info *ci = &b->d->ci[x];
	size_t		 i;

	for (i = 0; i < ci->nrefs; i++) {
		if (!done[ci->refs[i]])
			return ci->refs[i];
	}
	for (i = 0; i < ci->nirefs; i++) {
		if (!done[ci->irefs[i]])
			return ci->irefs[i];
	}
	return x;
}

static uint32_t
task_pred(void *arg, uint32_t x, const uint8_t *done)
{
	struct dag	*dag = arg;
	size_t		 i;

	for (i = 0; i < dag->tasks[x].ndeps; i++) {
		if (!done[dag->tasks[x].deps[i]])
			return dag->tasks[x].deps[i];
	}
	return x;
}

static void
report_cycle(struct builder *b, const uint32_t *cyc, size_t len, int calls)
{
	char		*msg, *tmp, **names;
	size_t		*combo, i;
	struct wf_mark	 mark;

	names = xcalloc(len, sizeof *names);
	for (i = 0; i < len; i++) {
		if (calls) {
			combo = xcalloc(b->d->ci[cyc[i]].c->nforeach + 1,
			    sizeof *combo);
			call_combo(b->d->ci[cyc[i]].c, 0, combo);
			names[i] = task_id(b->d->ci[cyc[i]].c, combo);
			free(combo);
		} else
			names[i] = xstrdup(b->dag->tasks[cyc[i]].id);
	}
	msg = xstrdup("dependency cycle:");
	for (i = 0; i <= len; i++) {
		tmp = xprintf("%s%s %s", msg, i > 0 ? " ->" : "",
		    names[i % len]);
		free(msg);
		msg = tmp;
	}
	mark = calls ? b->d->ci[cyc[0]].c->mark :
	    b->dag->tasks[cyc[0]].call->mark;
	wf_error(&b->errs, &mark, "%s", msg);
	free(msg);
	for (i = 0; i < len; i++)
		free(names[i]);
	free(names);
}

/*
 * Orders the entries so that an entry is expanded after those whose
 * outputs its templates name, or whose tasks it names per item (their
 * ids must be known).  Returns the order, or NULL on a cycle.
 */
static uint32_t *
order_calls(struct builder *b)
{
	uint32_t	*order, *indeg, **users, *nusers, x, u, *cyc;
	uint8_t		*done;
	size_t		 i, j, head = 0, tail = 0, len, ncalls = b->d->ncalls;
	const struct call_info *ci;

	indeg = xcalloc(ncalls + 1, sizeof *indeg);
	nusers = xcalloc(ncalls + 1, sizeof *nusers);
	users = xcalloc(ncalls + 1, sizeof *users);
	order = xcalloc(ncalls + 1, sizeof *order);
	done = xcalloc(ncalls + 1, 1);
	for (i = 0; i < ncalls; i++) {
		ci = &b->d->ci[i];
		for (j = 0; j < ci->nrefs + ci->nirefs; j++) {
			x = j < ci->nrefs ? ci->refs[j] :
			    ci->irefs[j - ci->nrefs];
			users[x] = xreallocarray(users[x], nusers[x] + 1,
			    sizeof **users);
			users[x][nusers[x]++] = i;
			indeg[i]++;
		}
	}
	for (i = 0; i < ncalls; i++) {
		if (indeg[i] == 0)
			order[tail++] = i;
	}
	while (head < tail) {
		x = order[head++];
		done[x] = 1;
		for (j = 0; j < nusers[x]; j++) {
			u = users[x][j];
			if (--indeg[u] == 0)
				order[tail++] = u;
		}
	}
	if (tail < ncalls) {
		for (i = 0; done[i]; i++)
			;
		cyc = find_cycle(ncalls, i, done, call_pred, b, &len);
		report_cycle(b, cyc, len, 1);
		free(cyc);
		free(order);
		order = NULL;
	}
	for (i = 0; i < ncalls; i++)
		free(users[i]);
	free(users);
	free(nusers);
	free(indeg);
	free(done);
	return order;
}

static int
dep_cmp(const void *a, const void *b)
{
	uint32_t	 x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Adds dependency p to task t unless it is there already. */
int
dep_add(struct builder *b, uint32_t **v, size_t *n, size_t *cap,
    uint32_t *stamp, uint32_t t, uint32_t p)
{
	if (stamp[p] == t + 1)
		return 0;
	if (*n >= b->max_edges) {
		wf_error(&b->errs, &b->dag->tasks[t].call->mark, "the task "
		    "graph has more than %zu edges", b->max_edges);
		b->edges_full = 1;
		return -1;
	}
	stamp[p] = t + 1;
	if (*n == *cap) {
		*cap = *cap == 0 ? 8 : *cap * 2;
		*v = xreallocarray(*v, *cap, sizeof **v);
	}
	(*v)[(*n)++] = p;
	return 0;
}

/*
 * After a task failed: whether to go on with the next ones, which may
 * fail in their own ways (a task named per item that is not there).  A
 * run of FAILS_IDLE failing tasks that report nothing new ends it, as
 * does a full list of errors.
 */
#define FAILS_IDLE	64
int
keep_going(struct builder *b, size_t nerr, unsigned *idle)
{
	if (wf_errors_full(&b->errs))
		return 0;
	if (b->errs.n > nerr)
		*idle = 0;
	else if (++*idle >= FAILS_IDLE)
		return 0;
	return 1;
}

/*
 * An error that every task of an entry would make is reported for the
 * first, once: at most a list's worth are remembered, as no more are
 * shown.
 */
struct said {
	uint32_t	 call;
	const void	*tpl;
	size_t		 off;
	char		*key;
};

int
said_before(struct builder *b, uint32_t call, const void *tpl, size_t off,
    const char *key)
{
	struct said	*sd;
	size_t		 i;

	for (i = 0; i < b->nsaid; i++) {
		sd = &b->said[i];
		if (sd->call == call && sd->tpl == tpl && sd->off == off &&
		    strcmp(sd->key, key) == 0)
			return 1;
	}
	if (b->nsaid > WF_MAX_ERRORS)
		return 0;
	b->said = xreallocarray(b->said, b->nsaid + 1, sizeof *b->said);
	sd = &b->said[b->nsaid++];
	sd->call = call;
	sd->tpl = tpl;
	sd->off = off;
	sd->key = xstrdup(key);
	return 0;
}

/*
 * The key of a path in the output map: the path itself when it is in
 * normal form already (the usual case, and no copy), else its normal
 * form, in the arena when KEEP, else on the heap (*FREEP set).
 */
static const char *
path_key(struct dag_private *d, const char *path, int keep, char **freep)
{
	char	*n, *k;

	*freep = NULL;
	if (path_is_normal(path))
		return path;
	n = path_normalise(path);
	if (!keep)
		return *freep = n;
	k = arena_strdup(&d->arena, n);
	free(n);
	return k;
}

/* Outputs must be unique: they key the path map. */
static void
index_outputs(struct builder *b)
{
	struct dag		*dag = b->dag;
	struct task		*t;
	const struct wf_call	*c;
	struct wf_mark		 mark;
	const char		*key;
	char			*tmp;
	size_t			 i, j, total = 0;
	uint32_t		 prev;

	for (i = 0; i < dag->ntasks; i++)
		total += dag->tasks[i].noutputs;
	strmap_init(&b->d->outmap, total);
	for (i = 0; i < dag->ntasks; i++) {
		t = &dag->tasks[i];
		c = t->call;
		for (j = 0; j < t->noutputs; j++) {
			key = path_key(b->d, t->outputs[j], 1, &tmp);
			if (strmap_add(&b->d->outmap, key, t->index,
			    &prev) == 0)
				continue;
			mark = c->outputs[TASK_PATH_SRC(t->out_src, j)].mark;
			if (prev == t->index) {
				wf_error(&b->errs, &mark, "output '%s' is "
				    "declared twice by '%s'", t->outputs[j],
				    t->id);
			} else {
				wf_error(&b->errs, &mark, "output '%s' is "
				    "declared by both '%s' and '%s'",
				    t->outputs[j], dag->tasks[prev].id, t->id);
			}
			if (wf_errors_full(&b->errs))
				return;
		}
	}
}


/* Task T's dependencies, sorted, appended to EDGES (*NEDGES, *CAP). */
static int
task_deps(struct builder *b, struct task *t, uint32_t *stamp,
    uint32_t **edges, size_t *nedges, size_t *cap)
{
	struct dag_private	*d = b->d;
	const struct call_info	*ci = &d->ci[TASK_CALL(d, t)], *ri;
	const struct wf_call	*c = ci->c;
	const char		*key;
	char			*tmp;
	size_t			 i, start = *nedges;
	uint32_t		 p;
	int			 found;

	if (c->nneeds > 0 && needs_add(b, t, stamp, edges, nedges, cap) != 0)
		return -1;
	/* An entry with errors has its needs checked, and no more. */
	if (ci->failed)
		return 0;
	if (item_deps_add(b, t, stamp, edges, nedges, cap) != 0)
		return -1;
	for (i = 0; i < ci->nrefs; i++) {
		ri = &d->ci[ci->refs[i]];
		for (p = ri->first; p < ri->first + ri->ntasks; p++) {
			if (dep_add(b, edges, nedges, cap, stamp, t->index,
			    p) != 0)
				return -1;
		}
	}
	for (i = 0; i < t->ninputs; i++) {
		key = path_key(d, t->inputs[i], 0, &tmp);
		found = strmap_get(&d->outmap, key, &p) == 0;
		free(tmp);
		if (found && p == t->index) {
			/* It would have to exist before the task made it. */
			wf_error(&b->errs, &c->inputs[TASK_PATH_SRC(t->in_src,
			    i)].mark, "input '%s' of task '%s' is one of its "
			    "own outputs", t->inputs[i], t->id);
			return -1;
		}
		if (found && dep_add(b, edges, nedges, cap, stamp, t->index,
		    p) != 0)
			return -1;
	}
	t->ndeps = *nedges - start;
	if (t->ndeps > 1)
		qsort(*edges + start, t->ndeps, sizeof **edges, dep_cmp);
	return 0;
}

static void
add_deps(struct builder *b)
{
	struct dag		*dag = b->dag;
	struct dag_private	*d = b->d;
	struct task		*t;
	uint32_t		*stamp, *edges = NULL, x, *back;
	size_t			 i, j, cap = 0, n = 0, nerr = b->errs.n;
	unsigned		 idle = 0;

	needs_check(b);
	if (b->errs.n > nerr)
		return;

	item_deps_sort(b);
	stamp = xcalloc(dag->ntasks + 1, sizeof *stamp);
	for (i = 0; i < dag->ntasks; i++) {
		nerr = b->errs.n;
		if (task_deps(b, &dag->tasks[i], stamp, &edges, &n,
		    &cap) != 0 && (b->edges_full ||
		    !keep_going(b, nerr, &idle)))
			break;
	}
	free(stamp);
	if (b->errs.n > 0) {
		free(edges);
		return;
	}
	/* One array holds every task's deps, in task order. */
	d->edges = n > 0 ? xreallocarray(edges, n, sizeof *edges) : edges;
	dag->nedges = n;
	n = 0;
	for (i = 0; i < dag->ntasks; i++) {
		t = &dag->tasks[i];
		t->deps = t->ndeps > 0 ? d->edges + n : NULL;
		n += t->ndeps;
		for (j = 0; j < t->ndeps; j++)
			dag->tasks[t->deps[j]].ndependents++;
		if (t->ndeps == 0)
			dag->nroots++;
	}
	/* And another the inverse lists. */
	d->back = back = xcalloc(dag->nedges + 1, sizeof *back);
	n = 0;
	for (i = 0; i < dag->ntasks; i++) {
		t = &dag->tasks[i];
		if (t->ndependents > 0) {
			t->dependents = back + n;
			n += t->ndependents;
			t->ndependents = 0;
		}
	}
	for (i = 0; i < dag->ntasks; i++) {
		t = &dag->tasks[i];
		for (j = 0; j < t->ndeps; j++) {
			x = t->deps[j];
			dag->tasks[x].dependents[dag->tasks[x].ndependents++] =
			    t->index;
		}
	}
}

/* Kahn's algorithm; a task left over lies on or behind a cycle. */
static void
check_cycles(struct builder *b)
{
	struct dag	*dag = b->dag;
	struct task	*t;
	uint32_t	*indeg, *queue, *cyc, x, d;
	uint8_t		*done;
	size_t		 i, head = 0, tail = 0, len;

	indeg = xcalloc(dag->ntasks + 1, sizeof *indeg);
	queue = xcalloc(dag->ntasks + 1, sizeof *queue);
	done = xcalloc(dag->ntasks + 1, 1);
	for (i = 0; i < dag->ntasks; i++) {
		indeg[i] = dag->tasks[i].ndeps;
		if (indeg[i] == 0)
			queue[tail++] = i;
	}
	while (head < tail) {
		x = queue[head++];
		done[x] = 1;
		t = &dag->tasks[x];
		for (i = 0; i < t->ndependents; i++) {
			d = t->dependents[i];
			if (--indeg[d] == 0)
				queue[tail++] = d;
		}
	}
	if (tail < dag->ntasks) {
		for (i = 0; done[i]; i++)
			;
		cyc = find_cycle(dag->ntasks, i, done, task_pred, dag, &len);
		report_cycle(b, cyc, len, 0);
		free(cyc);
	}
	free(indeg);
	free(queue);
	free(done);
}

/* Sets up one record per entry and places its tasks. */
static int
plan_calls(struct builder *b)
{
	const struct workflow	*wf = b->wf;
	struct dag_private	*d = b->d;
	const struct wf_call	*c;
	struct call_info	*ci;
	size_t			 i, j, n, total = 0, max = wf->max_tasks;
	uint32_t		 prev;

	d->ncalls = wf->ncalls;
	d->ci = xcalloc(d->ncalls + 1, sizeof *d->ci);
	strmap_init(&d->callmap, d->ncalls);
	for (i = 0; i < d->ncalls; i++) {
		c = &wf->calls[i];
		ci = &d->ci[i];
		ci->c = c;
		if (c->id == NULL || c->app == NULL) {
			wf_error(&b->errs, &c->mark, "main entry %zu has no "
			    "'id' or no 'app'", i + 1);
			continue;
		}
		if ((ci->app = workflow_find_app(wf, c->app)) == NULL) {
			wf_error(&b->errs, &c->app_mark, "unknown app '%s'",
			    c->app);
		} else if (ci->app->command == NULL &&
		    ci->app->function == NULL) {
			wf_error(&b->errs, &c->app_mark, "app '%s' has no "
			    "'command'", c->app);
		}
		if (strmap_get(&d->callmap, c->id, &prev) == 0) {
			wf_error(&b->errs, &c->mark, "duplicate task id '%s' "
			    "(first at line %d)", c->id,
			    wf->calls[prev].mark.line);
		} else
			strmap_put(&d->callmap, c->id, i);
		n = c->combos != NULL ? c->ncombos : 1;
		for (j = 0; c->combos == NULL && j < c->nforeach; j++) {
			if (c->foreach[j].nvalues == 0 ||
			    n > max / c->foreach[j].nvalues) {
				n = max + 1;
				break;
			}
			n *= c->foreach[j].nvalues;
		}
		if (n == 0 || n > max - total) {
			wf_error(&b->errs, &c->mark, "main gives more than %zu "
			    "tasks (config.max_tasks sets the limit)", max);
			return -1;
		}
		ci->first = total;
		ci->ntasks = n;
		total += n;
	}
	if (b->errs.n > 0)
		return -1;
	/* Before a byte per task is allocated. */
	b->max_subst = DAG_MAX_SUBST + DAG_SUBST_PER_TASK * total;
	for (i = 0; i < d->ncalls; i++) {
		if (d->ci[i].app != NULL && charge_literals(b, i) != 0)
			return -1;
	}
	b->dag->ntasks = total;
	b->dag->tasks = xcalloc_big(total + 1, sizeof *b->dag->tasks);
	for (i = 0; i < total; i++)
		b->dag->tasks[i].index = i;
	return 0;
}

static void
builder_free(struct builder *b)
{
	size_t	 i;

	if (b->have_taskmap)
		strmap_free(&b->taskmap);
	free(b->pathbuf);
	free(b->srcbuf);
	free(b->itemdeps);
	for (i = 0; i < b->nsaid; i++)
		free(b->said[i].key);
	free(b->said);
}

int
dag_build(const struct workflow *wf, struct dag **dagp, char **errp)
{
	struct builder	 b;
	uint32_t	*order = NULL;
	size_t		 i;

	*dagp = NULL;
	*errp = NULL;
	memset(&b, 0, sizeof b);
	b.wf = wf;
	b.dag = xcalloc(1, sizeof *b.dag);
	b.dag->priv = b.d = xcalloc(1, sizeof *b.d);
	b.d->dag = b.dag;
	b.d->wf = wf;
	arena_init(&b.d->arena);
	b.max_edges = DAG_EDGES_PER_TASK * (size_t)wf->max_tasks;
	wf_errors_init(&b.errs, wf->display);

	if (wf->ncalls == 0) {
		wf_error(&b.errs, NULL, "'main' is empty: nothing to run");
		goto out;
	}
	if (plan_calls(&b) != 0)
		goto out;
	for (i = 0; i < b.d->ncalls; i++)
		record_refs(&b, i);
	if ((order = order_calls(&b)) == NULL)
		goto out;
	for (i = 0; i < b.d->ncalls; i++) {
		expand_call(&b, order[i]);
		if (wf_errors_full(&b.errs))
			break;
	}
	/* With every id known, the outputs and needs are checked too. */
	if (b.partial || wf_errors_full(&b.errs))
		goto out;
	index_outputs(&b);
	if (wf_errors_full(&b.errs))
		goto out;
	add_deps(&b);
	if (b.errs.n > 0)
		goto out;
	check_cycles(&b);
out:
	free(order);
	builder_free(&b);
	if (b.errs.n > 0) {
		*errp = wf_errors_take(&b.errs);
		dag_free(&b.dag);
		return -1;
	}
	*dagp = b.dag;
	return 0;
}

void
dag_free(struct dag **dagp)
{
	struct dag		*dag = *dagp;
	struct dag_private	*d;
	struct call_info	*ci;
	size_t			 i, j;

	if (dag == NULL)
		return;
	if ((d = dag->priv) != NULL) {
		for (i = 0; i < d->ncalls; i++) {
			ci = &d->ci[i];
			free(ci->refs);
			free(ci->irefs);
			free(ci->params);
			free(ci->outwords);
			free(ci->arg_names);
			for (j = 0; ci->resultwords != NULL &&
			    j < ci->ntasks; j++)
				free(ci->resultwords[j]);
			free(ci->resultwords);
		}
		free(d->ci);
		strmap_free(&d->callmap);
		strmap_free(&d->outmap);
		if (d->have_itemmap)
			strmap_free(&d->itemmap);
		free(d->wordbuf);
		free(d->edges);
		free(d->back);
		arena_free(&d->arena);
		free(d);
	}
	free(dag->tasks);
	free(dag);
	*dagp = NULL;
}

/*
 * A stand-in always sits inside single quotes in a command, so a value
 * goes in with each ' written as '\'' (close, escaped quote, reopen), the
 * same rule as shell_quote; elsewhere the value goes in as it is.
 */
char *
dag_fill_results(const char *s, int shell, dag_result_fn *result, void *arg)
{
	const char	*p, *v, *end;
	char		*out, *o;
	size_t		 len = 0, cap;
	unsigned long	 index;

	/* Sized in a first pass, so that a long list is copied once. */
	for (p = s; *p != '\0'; p++) {
		if (*p != RESULT_MARK) {
			len++;
			continue;
		}
		index = strtoul(p + 1, (char **)&end, 10);
		v = result(arg, (uint32_t)index);
		for (; v != NULL && *v != '\0'; v++)
			len += shell && *v == '\'' ? 4 : 1;
		p = end;
	}
	cap = len + 1;
	out = o = xmalloc(cap);
	for (p = s; *p != '\0'; p++) {
		if (*p != RESULT_MARK) {
			*o++ = *p;
			continue;
		}
		index = strtoul(p + 1, (char **)&end, 10);
		v = result(arg, (uint32_t)index);
		for (; v != NULL && *v != '\0'; v++) {
			if (shell && *v == '\'') {
				memcpy(o, "'\\''", 4);
				o += 4;
			} else
				*o++ = *v;
		}
		p = end;
	}
	*o = '\0';
	return out;
}

/*
 * The checks of a task graph against the file system, for weft run and
 * weft check, after dag_build: an input that no task makes and that does
 * not exist is an error for a task that depends on nothing, since nothing
 * could make it before the task starts (a task with dependencies is
 * checked when it is about to run); an output outside the workflow's
 * folder is a warning, printed to stderr once per output template.
 * Returns 0, or -1 with the errors in *errp.
 */
int
dag_check_paths(const struct workflow *wf, const struct dag *dag,
    char **errp)
{
	struct wf_errors	 errs;
	struct strmap		 warned;
	const struct strmap	*made = &dag->priv->outmap;
	const struct task	*t;
	const struct wf_str	*tpl;
	struct stat		 st;
	const char		*key;
	char			*path, *tmp;
	size_t			 i, j;
	int			 found;

	*errp = NULL;
	wf_errors_init(&errs, wf->display);
	strmap_init(&warned, 16);
	for (i = 0; i < dag->ntasks; i++) {
		t = &dag->tasks[i];
		for (j = 0; j < t->noutputs; j++) {
			if (path_inside(wf->dir, t->outputs[j]))
				continue;
			tpl = &t->call->outputs[TASK_PATH_SRC(t->out_src, j)];
			if (strmap_put(&warned, tpl->s, 0) != 0)
				continue;
			fprintf(stderr, "%s:%d:%d: warning: output '%s' of "
			    "task '%s' is outside the workflow's folder: weft "
			    "checks that it is made but never removes it\n",
			    wf->display, tpl->mark.line, tpl->mark.col,
			    t->outputs[j], t->id);
		}
	}
	for (i = 0; i < dag->ntasks && !wf_errors_full(&errs); i++) {
		t = &dag->tasks[i];
		if (t->ndeps > 0)
			continue;
		for (j = 0; j < t->ninputs; j++) {
			key = path_key(dag->priv, t->inputs[j], 0, &tmp);
			found = strmap_get(made, key, NULL) == 0;
			free(tmp);
			if (found)
				continue;
			path = path_abs(wf->dir, t->inputs[j]);
			if (stat(path, &st) == -1 && errno == ENOENT) {
				tpl = &t->call->inputs[TASK_PATH_SRC(t->in_src,
				    j)];
				wf_error(&errs, &tpl->mark, "input '%s' of "
				    "task '%s' does not exist, and no task "
				    "makes it", t->inputs[j], t->id);
			}
			free(path);
		}
	}
	strmap_free(&warned);
	if (errs.n == 0)
		return 0;
	*errp = wf_errors_take(&errs);
	return -1;
}
