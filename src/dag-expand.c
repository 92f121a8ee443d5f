/*
 * dag-expand.c: each entry of main expanded into its tasks.  The foreach
 * cross product gives the tasks and their ids; path templates are filled
 * in from the entry's arguments, its foreach values and other entries'
 * outputs (the names of dag-scope.c), within a bound on their bytes in
 * all (dag.h).  A command or a function's arguments are checked once per
 * entry and expanded only when a task is about to run (dag_task_text),
 * so a graph's size does not grow with its templates.  dag_build (dag.c)
 * calls in here; the edges and the order are dag.c's.
 */

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weft.h"
#include "dag.h"


/* Small helpers. */

/* One path of the task being expanded, into the builder's buffer. */
static void
path_add(struct builder *b, char *s, uint32_t src)
{
	if (b->npathbuf == b->cpathbuf) {
		b->cpathbuf = b->cpathbuf == 0 ? 16 : b->cpathbuf * 2;
		b->pathbuf = xreallocarray(b->pathbuf, b->cpathbuf,
		    sizeof *b->pathbuf);
		b->srcbuf = xreallocarray(b->srcbuf, b->cpathbuf,
		    sizeof *b->srcbuf);
	}
	b->srcbuf[b->npathbuf] = src;
	b->pathbuf[b->npathbuf++] = s;
}

/*
 * A template error, at its column when the value allows, and once: the
 * same fault of the same template in the entry's other tasks is not
 * said again.
 */
static void
tpl_report(struct scope *sc, const struct wf_mark *mark, const char *s,
    const struct tpl_error *te)
{
	struct wf_mark	 m = *mark;
	const char	*key = sc->why[0] != '\0' ? sc->why : te->msg;

	if (!sc->silent && !said_before(sc->b, sc->call, s, te->offset, key)) {
		if (m.text_col > 0 && memchr(s, '\n', te->offset) == NULL)
			m.col = template_column(s, te->offset, m.text_col);
		if (sc->why[0] != '\0')
			wf_error(&sc->b->errs, &m, "%s", sc->why);
		else
			wf_error(&sc->b->errs, &m, "%s in task '%s'", te->msg,
			    sc->t->id);
	}
	sc->why[0] = '\0';
	sc->silent = 0;
}


/* A template of an env, checked with the first task's values. */
static int
check_env(struct scope *s, const struct wf_kv *kv, size_t n)
{
	struct tpl_error	 te;
	size_t			 i;

	for (i = 0; i < n; i++) {
		s->why[0] = '\0';
		if (kv[i].from_env == NULL && template_expand(kv[i].value,
		    TPL_RAW, scope_lookup, s, NULL, &te) != 0) {
			tpl_report(s, &kv[i].mark, kv[i].value, &te);
			return -1;
		}
	}
	return 0;
}

/*
 * The settings of an entry that hold templates, its env and its app's
 * (which see its values, not results) and its condition.
 */
static int
check_settings(struct scope *s, const struct call_info *ci)
{
	struct tpl_error	 te;

	s->results_ok = 0;
	if (check_env(s, ci->app->env, ci->app->nenv) != 0 ||
	    check_env(s, ci->c->env, ci->c->nenv) != 0)
		return -1;
	s->why[0] = '\0';
	if (ci->c->when_cond != NULL &&
	    cond_eval(ci->c->when_cond, scope_lookup, s, &te) == -1) {
		tpl_report(s, &ci->c->when_mark, ci->c->when_text, &te);
		return -1;
	}
	return 0;
}

/*
 * The combination of task ORD of entry C: its listed one, or its place in
 * the cross product, the last key fastest.
 */
void
call_combo(const struct wf_call *c, uint64_t ord, size_t *combo)
{
	size_t	 k;

	if (c->combos != NULL) {
		for (k = 0; k < c->nforeach; k++)
			combo[k] = c->combos[ord * c->nforeach + k];
		return;
	}
	for (k = c->nforeach; k-- > 0;) {
		combo[k] = ord % c->foreach[k].nvalues;
		ord /= c->foreach[k].nvalues;
	}
}

/* The length of a task's id, and the id written at P (with its NUL). */
static size_t
id_len(const struct wf_call *c, const size_t *combo)
{
	size_t	 i, len = strlen(c->id);

	if (c->nforeach == 0)
		return len;
	len += 2;
	for (i = 0; i < c->nforeach; i++)
		len += strlen(c->foreach[i].key) +
		    strlen(c->foreach[i].values[combo[i]]) + 2;
	return len - 1;
}

static void
id_write(char *o, const struct wf_call *c, const size_t *combo)
{
	size_t	 i;

	o = stpcpy(o, c->id);
	if (c->nforeach == 0)
		return;
	*o++ = '[';
	for (i = 0; i < c->nforeach; i++) {
		if (i > 0)
			*o++ = ',';
		o = stpcpy(o, c->foreach[i].key);
		*o++ = '=';
		o = stpcpy(o, c->foreach[i].values[combo[i]]);
	}
	*o++ = ']';
	*o = '\0';
}

char *
task_id(const struct wf_call *c, const size_t *combo)
{
	char	*id;

	id = xmalloc(id_len(c, combo) + 1);
	id_write(id, c, combo);
	return id;
}

/* A path may not hold a result's stand-in: it must be known before. */
static void
result_in_path(struct scope *s, const struct wf_str *tpl, const char *what)
{
	if (said_before(s->b, s->call, tpl->s, 0, "result in path"))
		return;
	wf_error(&s->b->errs, &tpl->mark, "%s path of task '%s' uses a result "
	    "(through an argument): a task's paths must be known before it "
	    "runs", what, s->t->id);
}

static void
path_empty(struct scope *s, const struct wf_str *tpl, const char *what)
{
	if (said_before(s->b, s->call, tpl->s, 0, "empty path"))
		return;
	wf_error(&s->b->errs, &tpl->mark, "empty %s path in task '%s'", what,
	    s->t->id);
}

/* A path no system call would take: said at its template. */
static int
path_too_long(struct scope *s, const struct wf_str *tpl, const char *what,
    const char *path)
{
	size_t	 len = strlen(path);

	if (len < PATH_MAX)
		return 0;
	if (said_before(s->b, s->call, tpl->s, 0, "path too long"))
		return 1;
	wf_error(&s->b->errs, &tpl->mark, "%s path of task '%s' is %zu bytes "
	    "long (at most %d)", what, s->t->id, len, PATH_MAX - 1);
	return 1;
}

/*
 * The words of one path template that is a single placeholder into the
 * builder's buffer, shared when they are the arena's already.
 */
static int
single_path(struct scope *s, const struct wf_str *tpl, size_t i,
    const char *what, const char *name, int *identity)
{
	struct builder		*b = s->b;
	struct tpl_error	 te;
	const char *const	*words;
	size_t			 j, nwords;

	if (scope_lookup(s, name, &words, &nwords) != 0) {
		/* Said as written, the same for every task: expanded again. */
		if (template_expand(tpl->s, TPL_RAW, scope_lookup, s, NULL,
		    &te) == 0) {
			te.offset = 0;
			snprintf(te.msg, sizeof te.msg, "undefined placeholder "
			    "'{%s}'", name);
		}
		tpl_report(s, &tpl->mark, tpl->s, &te);
		return -1;
	}
	for (j = 0; j < nwords; j++) {
		if (words[j][0] == '\0') {
			path_empty(s, tpl, what);
			return -1;
		}
		if (strchr(words[j], RESULT_MARK) != NULL) {
			result_in_path(s, tpl, what);
			return -1;
		}
		if (!s->shared && path_too_long(s, tpl, what, words[j]))
			return -1;
		path_add(b, s->shared ? (char *)words[j] :
		    arena_strdup(&s->d->arena, words[j]), i);
	}
	*identity = *identity && nwords == 1;
	return 0;
}

/*
 * Expands a list of path templates into the task's arena-held list:
 * *PATHS, *N and *SRC (NULL when path i came from template i).  An item
 * that is exactly one placeholder becomes as many items as the
 * placeholder has words; words already in the arena are shared.  Each
 * template's error is reported, and the list is then left empty.
 */
static int
expand_paths(struct scope *s, const struct wf_str *tpl, size_t ntpl,
    const char *what, char ***paths, uint32_t *n, uint32_t **src)
{
	struct builder		*b = s->b;
	struct arena		*a = &s->d->arena;
	struct tpl_error	 te;
	char			 name[TPL_NAME_MAX + 1], *e;
	size_t			 i;
	int			 identity = 1, one, rc = 0;

	b->npathbuf = 0;
	*n = 0;
	*paths = NULL;
	*src = NULL;
	for (i = 0; i < ntpl; i++) {
		one = template_one(tpl[i].s, scope_lookup, s, name, &te);
		if (one == 1) {
			if (single_path(s, &tpl[i], i, what, name,
			    &identity) != 0)
				rc = -1;
			continue;
		}
		if (one == -1 || template_expand(tpl[i].s, TPL_RAW,
		    scope_lookup, s, &e, &te) != 0) {
			tpl_report(s, &tpl[i].mark, tpl[i].s, &te);
			rc = -1;
			continue;
		}
		if (strchr(e, RESULT_MARK) != NULL) {
			result_in_path(s, &tpl[i], what);
			rc = -1;
		} else if (e[0] == '\0') {
			path_empty(s, &tpl[i], what);
			rc = -1;
		} else if (path_too_long(s, &tpl[i], what, e))
			rc = -1;
		else
			path_add(b, arena_strdup(a, e), i);
		free(e);
	}
	if (rc != 0)
		return -1;
	*n = b->npathbuf;
	*paths = NULL;
	*src = NULL;
	if (b->npathbuf == 0)
		return 0;
	*paths = arena_alloc(a, b->npathbuf * sizeof **paths,
	    _Alignof(char *));
	memcpy(*paths, b->pathbuf, b->npathbuf * sizeof **paths);
	if (!identity) {
		*src = arena_alloc(a, b->npathbuf * sizeof **src,
		    _Alignof(uint32_t));
		memcpy(*src, b->srcbuf, b->npathbuf * sizeof **src);
	}
	return 0;
}

/* Expands an entry's args into s->argv; on error reports it (at build). */
int
expand_args(struct scope *s)
{
	const struct wf_call	*c = s->c;
	struct tpl_error	 te;
	size_t			 i;

	int			 rc = 0;

	s->argv = xcalloc(c->nargs + 1, sizeof *s->argv);
	s->nargv = 0;			/* args see no args */
	s->results_ok = 1;
	for (i = 0; i < c->nargs; i++) {
		if (template_expand(c->args[i].value, TPL_RAW, scope_lookup,
		    s, &s->argv[i], &te) != 0) {
			if (s->b == NULL)
				return -1;
			/* Left NULL: a lookup of it fails, silently. */
			tpl_report(s, &c->args[i].mark, c->args[i].value,
			    &te);
			rc = -1;
		}
	}
	s->nargv = c->nargs;
	s->results_ok = 0;
	return rc;
}

void
free_args(struct scope *s)
{
	size_t	 i;

	for (i = 0; s->argv != NULL && i < s->c->nargs; i++)
		free(s->argv[i]);
	free(s->argv);
	s->argv = NULL;
}

/*
 * Fills in one task's id and paths; the first task of an entry also has
 * its command (or args) checked, and says whether they hold results, as
 * does every task when they name tasks per item.  Reports every error
 * and returns -1 after one.
 */
static int
expand_task(struct builder *b, uint32_t call, const size_t *combo,
    struct task *t, int first)
{
	struct call_info	*ci = &b->d->ci[call];
	const struct wf_call	*c = ci->c;
	struct scope		 s;
	struct tpl_error	 te;
	size_t			 deps = b->nitemdeps;
	int			 rc = 0;

	memset(&s, 0, sizeof s);
	s.d = b->d;
	s.b = b;
	s.c = c;
	s.call = call;
	s.combo = combo;
	s.t = t;

	t->id = arena_alloc(&b->d->arena, id_len(c, combo) + 1, 1);
	id_write((char *)t->id, c, combo);
	t->call_id = c->id;
	t->call = c;
	t->app = ci->app;
	t->retries = c->retries >= 0 ? c->retries : ci->app->retries >= 0 ?
	    ci->app->retries : b->wf->retries;

	/* Arguments see foreach values, others' outputs and results. */
	if ((first || c->ninputs + c->noutputs > 0 ||
	    (ci->itemwise & ITEMWISE_ARGS)) && c->nargs > 0 &&
	    expand_args(&s) != 0)
		rc = -1;
	s.charge = 1;
	if (expand_paths(&s, c->inputs, c->ninputs, "input", &t->inputs,
	    &t->ninputs, &t->in_src) != 0)
		rc = -1;
	s.inputs_ok = 1;
	if (expand_paths(&s, c->outputs, c->noutputs, "output", &t->outputs,
	    &t->noutputs, &t->out_src) != 0)
		rc = -1;
	s.charge = 0;
	s.outputs_ok = 1;
	s.results_ok = 1;
	if ((first || (ci->itemwise & ITEMWISE_CMD)) &&
	    ci->app->function == NULL && template_expand(ci->app->command,
	    TPL_SHELL, scope_lookup, &s, NULL, &te) != 0) {
		tpl_report(&s, &ci->app->command_mark, ci->app->command, &te);
		rc = -1;
	}
	if (first)
		ci->late = s.late;
	t->late = ci->late;
	if (first && check_settings(&s, ci) != 0)
		rc = -1;
	item_deps_done(b, deps);
	free_args(&s);
	return rc;
}

/*
 * Every task holds its own copy of its path templates' literal text, so
 * that text counts in the bound too, once per task: long paths over
 * a big fan-out are refused here, before any of it is copied, rather
 * than running out of memory.  A command or args are never copied.
 */
int
charge_literals(struct builder *b, uint32_t call)
{
	const struct call_info	*ci = &b->d->ci[call];
	const struct wf_call	*c = ci->c;
	size_t			 lit = 0, i;

	for (i = 0; i < c->ninputs; i++)
		lit += strlen(c->inputs[i].s) + 1 + sizeof (char *);
	for (i = 0; i < c->noutputs; i++)
		lit += strlen(c->outputs[i].s) + 1 + sizeof (char *);
	if (ci->ntasks > 0 && lit > (b->max_subst - b->nsubst) / ci->ntasks) {
		wf_error(&b->errs, &c->mark, "the %u tasks of '%s' would hold "
		    "more than %zu MiB of paths (%zu bytes of path templates "
		    "each)", (unsigned)ci->ntasks, c->id, b->max_subst >> 20,
		    lit);
		return -1;
	}
	b->nsubst += lit * ci->ntasks;
	return 0;
}

/*
 * Whether a task's folder under tasks/ would have a name longer than a
 * file name can be: the run could not make it, so the workflow is
 * refused (reported at the entry).
 */
static int
id_too_long(struct builder *b, const struct wf_call *c, const char *id)
{
	char	*dir;
	size_t	 len;

	if (strlen(id) <= NAME_MAX / 3)
		return 0;	/* even if every byte were escaped */
	dir = rundir_task_dirname(id);
	len = strlen(dir);
	free(dir);
	if (len <= NAME_MAX)
		return 0;
	wf_error(&b->errs, &c->mark, "task id '%.40s...' is too long: its "
	    "folder name in the run directory would be %zu bytes (limit %d)",
	    id, len, NAME_MAX);
	return 1;
}

/*
 * Whether the entry's ids are unique by construction: an entry's ids
 * all differ from other entries' (they start with its own id), and
 * within it they differ when each key's values do and no value holds
 * the ',' that separates them.  A range's values always differ.
 */
static int
ids_unique(const struct wf_call *c)
{
	const struct wf_foreach	*fe;
	struct strmap		 seen;
	size_t			 i, j;
	int			 unique = 1;

	/* Listed combinations may repeat; a range's values never do. */
	if (c->combos != NULL)
		return 0;
	for (i = 0; i < c->nforeach && unique; i++) {
		fe = &c->foreach[i];
		if (fe->range)
			continue;
		strmap_init(&seen, fe->nvalues);
		for (j = 0; j < fe->nvalues && unique; j++) {
			if (strchr(fe->values[j], ',') != NULL ||
			    strmap_put(&seen, fe->values[j], 0) != 0)
				unique = 0;
		}
		strmap_free(&seen);
	}
	return unique;
}

/* Whether task T's id was seen before in its entry; reports it. */
static int
id_duplicate(struct builder *b, struct strmap *ids, const struct task *t)
{
	uint32_t	 prev;

	if (strmap_put(ids, t->id, t->index) == 0)
		return 0;
	strmap_get(ids, t->id, &prev);
	wf_error(&b->errs, &t->call->mark, "duplicate task id '%s' (first at "
	    "line %d)", t->id, b->dag->tasks[prev].call->mark.line);
	return 1;
}

/*
 * Whether the first task of an entry, which stored PER bytes of paths,
 * shows the entry far over the bound (twice over, at that rate): said at
 * once, rather than after the bound's worth of paths is built.  Nearer
 * the bound, the exact count decides (scope_lookup).
 */
static int
far_over(struct builder *b, const struct call_info *ci, size_t per)
{
	size_t	 room = b->max_subst - b->nsubst;

	if (ci->ntasks < 2 || per == 0 ||
	    per <= 2 * room / (ci->ntasks - 1))
		return 0;
	wf_error(&b->errs, &ci->c->mark, "the %u tasks of '%s' would hold "
	    "more than %zu MiB of paths (%zu bytes of paths each)",
	    (unsigned)ci->ntasks, ci->c->id, b->max_subst >> 20, per);
	return 1;
}

/* The names of a function entry's arguments: foreach keys, then args. */
static void
function_arg_names(struct call_info *ci)
{
	const struct wf_call	*c = ci->c;
	size_t			 i, n = 0;

	ci->nargs = c->nforeach + c->nargs;
	ci->arg_names = xcalloc(ci->nargs + 1, sizeof *ci->arg_names);
	for (i = 0; i < c->nforeach; i++)
		ci->arg_names[n++] = c->foreach[i].key;
	for (i = 0; i < c->nargs; i++)
		ci->arg_names[n++] = c->args[i].key;
}

/* A task that is not expanded, after errors: its id and entry. */
static void
task_stub(struct builder *b, const struct call_info *ci, const size_t *combo,
    struct task *t)
{
	t->id = arena_alloc(&b->d->arena, id_len(ci->c, combo) + 1, 1);
	id_write((char *)t->id, ci->c, combo);
	t->call_id = ci->c->id;
	t->call = ci->c;
	t->app = ci->app;
}

/*
 * Expands every task of one entry, then lists its outputs if named; a
 * function entry's argument names are made once, for dag_task_text.
 */
void
expand_call(struct builder *b, uint32_t call)
{
	struct call_info	*ci = &b->d->ci[call];
	const struct wf_call	*c = ci->c;
	struct task		*t;
	struct strmap		 ids;
	size_t			*combo, i, j, n = 0, before, nerr;
	unsigned		 idle = 0;
	int			 check_ids, stop = 0;

	check_ids = !ids_unique(c);
	if (check_ids)
		strmap_init(&ids, ci->ntasks);
	combo = xcalloc(c->nforeach + 1, sizeof *combo);
	for (i = 0; i < ci->ntasks; i++) {
		t = &b->dag->tasks[ci->first + i];
		if (c->combos != NULL)
			call_combo(c, i, combo);
		if (stop) {
			/* Its id only, for the checks of needs. */
			task_stub(b, ci, combo, t);
			goto next;
		}
		before = b->nsubst;
		nerr = b->errs.n;
		/* Tasks named per item may fail in each task its own way. */
		if (expand_task(b, call, combo, t, i == 0 ||
		    (ci->itemwise & ITEMWISE_SETTINGS)) != 0) {
			ci->failed = 1;
			stop = !keep_going(b, nerr, &idle);
		}
		if (id_too_long(b, c, t->id) ||
		    (check_ids && id_duplicate(b, &ids, t)) ||
		    (i == 0 && far_over(b, ci, b->nsubst - before))) {
			/* No checks of the graph after these. */
			ci->failed = 1;
			b->partial = 1;
			stop = 1;
		}
		n += t->noutputs;
next:
		/* The last key varies fastest. */
		for (j = c->nforeach; c->combos == NULL && j-- > 0;) {
			if (++combo[j] < c->foreach[j].nvalues)
				break;
			combo[j] = 0;
		}
	}
	free(combo);
	if (check_ids)
		strmap_free(&ids);
	if (!ci->failed && ci->app->function != NULL)
		function_arg_names(ci);
	if (ci->failed || !ci->referenced)
		return;
	ci->outwords = xcalloc(n + 1, sizeof *ci->outwords);
	for (i = 0; i < ci->ntasks; i++) {
		t = &b->dag->tasks[ci->first + i];
		for (j = 0; j < t->noutputs; j++)
			ci->outwords[ci->noutwords++] = t->outputs[j];
	}
}

/*
 * The needs entry NEED of task T, its placeholders filled in from T's
 * foreach values and arguments; NULL after the error is reported.  No
 * outputs or results: a need names tasks, not what they make.
 */
char *
need_expand(struct builder *b, const struct task *t,
    const struct wf_str *need)
{
	struct dag_private	*d = b->d;
	uint32_t		 call = TASK_CALL(d, t);
	struct call_info	*ci = &d->ci[call];
	struct scope		 s;
	struct tpl_error	 te;
	size_t			 stack[COMBO_ON_STACK], *combo = stack;
	char			*out = NULL;

	if (ci->c->nforeach > COMBO_ON_STACK)
		combo = xcalloc(ci->c->nforeach, sizeof *combo);
	call_combo(ci->c, t->index - ci->first, combo);
	memset(&s, 0, sizeof s);
	s.d = d;
	s.b = b;
	s.c = ci->c;
	s.call = call;
	s.combo = combo;
	s.t = t;
	if ((ci->c->nargs == 0 || expand_args(&s) == 0) &&
	    template_expand(need->s, TPL_RAW, scope_lookup, &s, &out,
	    &te) != 0) {
		tpl_report(&s, &need->mark, need->s, &te);
		out = NULL;
	}
	free_args(&s);
	if (combo != stack)
		free(combo);
	return out;
}

/*
 * Notes which entries' outputs an entry's templates name, and which of
 * its templates name tasks per item.
 */
void
record_refs(struct builder *b, uint32_t call)
{
	struct call_info	*ci = &b->d->ci[call];
	const struct wf_call	*c = ci->c;
	struct scope		 s;
	struct tpl_error	 te;
	size_t			 i;

	memset(&s, 0, sizeof s);
	s.d = b->d;
	s.b = b;
	s.c = c;
	s.call = call;
	s.record = 1;
	for (i = 0; i < c->nargs; i++)
		template_expand(c->args[i].value, TPL_RAW, scope_lookup, &s,
		    NULL, NULL);
	if (s.item)
		ci->itemwise |= ITEMWISE_ARGS;
	s.item = 0;
	for (i = 0; i < c->ninputs; i++)
		template_expand(c->inputs[i].s, TPL_RAW, scope_lookup, &s,
		    NULL, NULL);
	for (i = 0; i < c->noutputs; i++)
		template_expand(c->outputs[i].s, TPL_RAW, scope_lookup, &s,
		    NULL, NULL);
	s.item = 0;
	if (ci->app->command != NULL)
		template_expand(ci->app->command, TPL_RAW, scope_lookup, &s,
		    NULL, NULL);
	if (s.item)
		ci->itemwise |= ITEMWISE_CMD;
	s.item = 0;
	for (i = 0; i < ci->app->nenv; i++) {
		if (ci->app->env[i].from_env == NULL)
			template_expand(ci->app->env[i].value, TPL_RAW,
			    scope_lookup, &s, NULL, NULL);
	}
	for (i = 0; i < c->nenv; i++) {
		if (c->env[i].from_env == NULL)
			template_expand(c->env[i].value, TPL_RAW,
			    scope_lookup, &s, NULL, NULL);
	}
	if (c->when_cond != NULL)
		cond_eval(c->when_cond, scope_lookup, &s, &te);
	if (s.item)
		ci->itemwise |= ITEMWISE_SETTINGS;
}
