/*
 * dag-expand.c: each entry of main expanded into its tasks.  The foreach
 * cross product gives the tasks and their ids; templates are filled in
 * from the entry's arguments, its foreach values and other entries'
 * outputs and results, within DAG_MAX_SUBST bytes in all.  dag_build
 * (dag.c) calls in here; the edges and the order are dag.c's.
 */

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weft.h"
#include "dag.h"

/*
 * And above this many bytes of substituted values: {ID.outputs} copies a
 * whole list into each task that names it, so without a bound two short
 * entries could ask for the square of their task count in memory.
 */
#define DAG_MAX_SUBST	((size_t)256 * 1024 * 1024)

/* What a template may name while one task is being expanded. */
struct scope {
	struct builder		*b;
	const struct wf_call	*c;
	uint32_t		 call;
	const size_t		*combo;		/* foreach value indices */
	char		       **argv;		/* expanded args; NULL: none */
	size_t			 nargv;
	struct task		*t;
	int			 inputs_ok;
	int			 outputs_ok;
	int			 results_ok;	/* in args and commands only */
	int			 record;	/* only note {ID.outputs} */
	char			 why[256];	/* a lookup's own complaint */
};

struct strvec {
	char	**v;
	size_t	  n;
	size_t	  cap;
};

/* Small helpers. */

static void
strvec_add(struct strvec *v, char *s)
{
	if (v->n == v->cap) {
		v->cap = v->cap == 0 ? 4 : v->cap * 2;
		v->v = xreallocarray(v->v, v->cap, sizeof *v->v);
	}
	v->v[v->n++] = s;
}

/* A template error, at its column when the value allows. */
static void
tpl_report(struct scope *sc, const struct wf_mark *mark, const char *s,
    const struct tpl_error *te)
{
	struct wf_mark	 m = *mark;

	if (m.text_col > 0 && memchr(s, '\n', te->offset) == NULL)
		m.col = template_column(s, te->offset, m.text_col);
	if (sc->why[0] != '\0')
		wf_error(&sc->b->errs, &m, "%s", sc->why);
	else
		wf_error(&sc->b->errs, &m, "%s in task '%s'", te->msg,
		    sc->t->id);
}

/* {ID.result}: the stand-ins for the results of every task of ID. */
static int
result_lookup(struct scope *s, const char *name, size_t len,
    const char *const **words, size_t *nwords)
{
	struct builder		*b = s->b;
	struct call_info	*ci, *self = &b->ci[s->call];
	char			 id[TPL_NAME_MAX + 1];
	uint32_t		 call;
	size_t			 i;

	memcpy(id, name, len - 7);
	id[len - 7] = '\0';
	if (strmap_get(&b->callmap, id, &call) != 0)
		return -1;
	ci = &b->ci[call];
	if (s->record) {
		for (i = 0; i < self->nrefs; i++) {
			if (self->refs[i] == call)
				return 0;
		}
		self->refs = xreallocarray(self->refs, self->nrefs + 1,
		    sizeof *self->refs);
		self->refs[self->nrefs++] = call;
		return 0;
	}
	if (ci->app == NULL || ci->app->function == NULL) {
		snprintf(s->why, sizeof s->why, "'{%s}': '%s' runs a command, "
		    "and only function apps have a result", name, id);
		return -1;
	}
	if (!s->results_ok) {
		snprintf(s->why, sizeof s->why, "'{%s}' is known only once "
		    "'%s' has run: use it in args or a command, not in inputs "
		    "or outputs", name, id);
		return -1;
	}
	if (ci->resultwords == NULL) {
		ci->resultwords = xcalloc(ci->ntasks + 1,
		    sizeof *ci->resultwords);
		for (i = 0; i < ci->ntasks; i++)
			ci->resultwords[i] = xprintf("%c%u%c", RESULT_MARK,
			    (unsigned)(ci->first + i), RESULT_END);
	}
	*words = (const char *const *)ci->resultwords;
	*nwords = ci->ntasks;
	s->t->late = 1;
	return 0;
}

static int
scope_find(struct scope *s, const char *name, const char *const **words,
    size_t *nwords)
{
	struct builder		*b = s->b;
	struct call_info	*ci;
	char			 id[TPL_NAME_MAX + 1];
	size_t			 len = strlen(name), i;
	uint32_t		 call;

	*words = NULL;
	*nwords = 0;
	if (len > 7 && strcmp(name + len - 7, ".result") == 0)
		return result_lookup(s, name, len, words, nwords);
	if (len > 8 && strcmp(name + len - 8, ".outputs") == 0) {
		memcpy(id, name, len - 8);
		id[len - 8] = '\0';
		if (strmap_get(&b->callmap, id, &call) != 0)
			return -1;
		ci = &b->ci[call];
		if (s->record) {
			ci = &b->ci[s->call];
			for (i = 0; i < ci->nrefs; i++) {
				if (ci->refs[i] == call)
					return 0;
			}
			ci->refs = xreallocarray(ci->refs, ci->nrefs + 1,
			    sizeof *ci->refs);
			ci->refs[ci->nrefs++] = call;
			return 0;
		}
		*words = ci->outwords;
		*nwords = ci->noutwords;
		return 0;
	}
	if (s->record)
		return 0;
	if (strcmp(name, "inputs") == 0) {
		if (!s->inputs_ok)
			return -1;
		*words = (const char *const *)s->t->inputs;
		*nwords = s->t->ninputs;
		return 0;
	}
	if (strcmp(name, "outputs") == 0) {
		if (!s->outputs_ok)
			return -1;
		*words = (const char *const *)s->t->outputs;
		*nwords = s->t->noutputs;
		return 0;
	}
	for (i = 0; i < s->c->nforeach; i++) {
		if (strcmp(s->c->foreach[i].key, name) == 0) {
			*words = (const char *const *)
			    &s->c->foreach[i].values[s->combo[i]];
			*nwords = 1;
			return 0;
		}
	}
	for (i = 0; s->argv != NULL && i < s->nargv; i++) {
		if (strcmp(s->c->args[i].key, name) == 0) {
			*words = (const char *const *)&s->argv[i];
			*nwords = 1;
			return 0;
		}
	}
	/* While args are expanded, nargv is 0: they see no args. */
	for (i = 0; s->argv != NULL && s->nargv == 0 && i < s->c->nargs;
	    i++) {
		if (strcmp(s->c->args[i].key, name) == 0) {
			snprintf(s->why, sizeof s->why, "'{%s}': args cannot "
			    "refer to other args ('%s' is an argument of task "
			    "'%s')", name, name, s->c->id);
			return -1;
		}
	}
	return -1;
}

/* The lookup of templates: scope_find, within DAG_MAX_SUBST in all. */
static int
scope_lookup(void *arg, const char *name, const char *const **words,
    size_t *nwords)
{
	struct scope	*s = arg;
	size_t		 i, n = 0;

	if (scope_find(s, name, words, nwords) != 0)
		return -1;
	if (s->record)
		return 0;
	for (i = 0; i < *nwords; i++)
		n += strlen((*words)[i]) + 1;
	if (n > DAG_MAX_SUBST - s->b->nsubst) {
		snprintf(s->why, sizeof s->why, "'{%s}': the tasks' commands, "
		    "arguments and paths would hold more than %zu MiB of "
		    "substituted values", name, DAG_MAX_SUBST >> 20);
		return -1;
	}
	s->b->nsubst += n;
	return 0;
}

char *
task_id(const struct wf_call *c, const size_t *combo)
{
	const char	*v;
	char		*id, *o;
	size_t		 i, len;

	if (c->nforeach == 0)
		return xstrdup(c->id);
	/* Sized first: a million of these are built for a big fan-out. */
	len = strlen(c->id) + 2;
	for (i = 0; i < c->nforeach; i++)
		len += strlen(c->foreach[i].key) +
		    strlen(c->foreach[i].values[combo[i]]) + 2;
	id = o = xmalloc(len + 1);
	o = stpcpy(o, c->id);
	*o++ = '[';
	for (i = 0; i < c->nforeach; i++) {
		v = c->foreach[i].values[combo[i]];
		if (i > 0)
			*o++ = ',';
		o = stpcpy(o, c->foreach[i].key);
		*o++ = '=';
		o = stpcpy(o, v);
	}
	*o++ = ']';
	*o = '\0';
	return id;
}

/* A path may not hold a result's stand-in: it must be known before. */
static void
result_in_path(struct scope *s, const struct wf_str *tpl, const char *what)
{
	wf_error(&s->b->errs, &tpl->mark, "%s path of task '%s' uses a result "
	    "(through an argument): a task's paths must be known before it "
	    "runs", what, s->t->id);
}

/*
 * Expands a list of path templates.  An item that is exactly one
 * placeholder becomes as many items as the placeholder has words.
 */
static int
expand_paths(struct scope *s, const struct wf_str *tpl, size_t ntpl,
    const char *what, struct strvec *out, uint32_t **src)
{
	struct tpl_error	 te;
	const char *const	*words;
	char			 name[TPL_NAME_MAX + 1], *e;
	size_t			 i, j, nwords, before;

	for (i = 0; i < ntpl; i++) {
		before = out->n;
		if (template_single(tpl[i].s, name)) {
			if (scope_lookup(s, name, &words, &nwords) != 0) {
				te.offset = 0;
				snprintf(te.msg, sizeof te.msg, "undefined "
				    "placeholder '{%s}'", name);
				tpl_report(s, &tpl[i].mark, tpl[i].s, &te);
				return -1;
			}
			for (j = 0; j < nwords; j++) {
				if (words[j][0] == '\0') {
					wf_error(&s->b->errs, &tpl[i].mark,
					    "empty %s path in task '%s'", what,
					    s->t->id);
					return -1;
				}
				if (strchr(words[j], RESULT_MARK) != NULL) {
					result_in_path(s, &tpl[i], what);
					return -1;
				}
				strvec_add(out, xstrdup(words[j]));
			}
		} else {
			if (template_expand(tpl[i].s, TPL_RAW, scope_lookup,
			    s, &e, &te) != 0) {
				tpl_report(s, &tpl[i].mark, tpl[i].s, &te);
				return -1;
			}
			if (strchr(e, RESULT_MARK) != NULL) {
				free(e);
				result_in_path(s, &tpl[i], what);
				return -1;
			}
			if (e[0] == '\0') {
				free(e);
				wf_error(&s->b->errs, &tpl[i].mark, "empty %s "
				    "path in task '%s'", what, s->t->id);
				return -1;
			}
			strvec_add(out, e);
		}
		if (src != NULL) {
			*src = xreallocarray(*src, out->n + 1, sizeof **src);
			for (j = before; j < out->n; j++)
				(*src)[j] = (uint32_t)i;
		}
	}
	return 0;
}

/*
 * A function task's arguments: its foreach values, then its args, each
 * in file order.  The expanded args move to the task.
 */
static void
function_args(const struct wf_call *c, const size_t *combo, struct scope *s,
    struct task *t)
{
	size_t	 i, n = 0;

	t->nargs = c->nforeach + c->nargs;
	t->arg_names = xcalloc(t->nargs + 1, sizeof *t->arg_names);
	t->arg_values = xcalloc(t->nargs + 1, sizeof *t->arg_values);
	for (i = 0; i < c->nforeach; i++, n++) {
		t->arg_names[n] = xstrdup(c->foreach[i].key);
		t->arg_values[n] = xstrdup(c->foreach[i].values[combo[i]]);
	}
	for (i = 0; i < c->nargs; i++, n++) {
		t->arg_names[n] = xstrdup(c->args[i].key);
		t->arg_values[n] = s->argv[i];
		s->argv[i] = NULL;
	}
}

/* Fills in one task; on error reports it and returns -1. */
static int
expand_task(struct builder *b, uint32_t call, const size_t *combo,
    struct task *t)
{
	struct call_info	*ci = &b->ci[call];
	const struct wf_call	*c = ci->c;
	struct scope		 s;
	struct tpl_error	 te;
	struct strvec		 v;
	size_t			 i;
	int			 rc = -1;

	memset(&s, 0, sizeof s);
	s.b = b;
	s.c = c;
	s.call = call;
	s.combo = combo;
	s.t = t;

	t->id = task_id(c, combo);
	t->call_id = xstrdup(c->id);
	t->call = c;
	t->app = ci->app;
	t->mark = c->mark;
	t->retries = ci->app->retries >= 0 ? ci->app->retries :
	    b->wf->retries;

	/* Arguments see foreach values, others' outputs and results. */
	s.argv = xcalloc(c->nargs + 1, sizeof *s.argv);
	s.results_ok = 1;
	for (i = 0; i < c->nargs; i++) {
		if (template_expand(c->args[i].value, TPL_RAW, scope_lookup,
		    &s, &s.argv[i], &te) != 0) {
			tpl_report(&s, &c->args[i].mark, c->args[i].value,
			    &te);
			goto out;
		}
	}
	s.nargv = c->nargs;
	s.results_ok = 0;

	memset(&v, 0, sizeof v);
	if (expand_paths(&s, c->inputs, c->ninputs, "input", &v,
	    &t->in_src) != 0) {
		t->inputs = v.v;
		t->ninputs = v.n;
		goto out;
	}
	t->inputs = v.v;
	t->ninputs = v.n;

	s.inputs_ok = 1;
	memset(&v, 0, sizeof v);
	if (expand_paths(&s, c->outputs, c->noutputs, "output", &v,
	    &b->out_src[t->index]) != 0) {
		t->outputs = v.v;
		t->noutputs = v.n;
		goto out;
	}
	t->outputs = v.v;
	t->noutputs = v.n;

	s.outputs_ok = 1;
	s.results_ok = 1;
	if (ci->app->function != NULL) {
		function_args(c, combo, &s, t);
		rc = 0;
		goto out;
	}
	if (template_expand(ci->app->command, TPL_SHELL, scope_lookup, &s,
	    &t->command, &te) != 0) {
		tpl_report(&s, &ci->app->command_mark, ci->app->command, &te);
		goto out;
	}
	rc = 0;
out:
	for (i = 0; i < c->nargs; i++)
		free(s.argv[i]);
	free(s.argv);
	return rc;
}

/*
 * Every task gets its own copy of its templates' literal text, so that
 * text counts in DAG_MAX_SUBST too, once per task: a long command
 * template over a big fan-out is refused here, before any of it is
 * copied, rather than running out of memory.
 */
int
charge_literals(struct builder *b, uint32_t call)
{
	const struct call_info	*ci = &b->ci[call];
	const struct wf_call	*c = ci->c;
	size_t			 lit = 0, i;

	if (ci->app->command != NULL)
		lit += strlen(ci->app->command) + 1;
	for (i = 0; i < c->nargs; i++)
		lit += strlen(c->args[i].value) + 1;
	for (i = 0; i < c->ninputs; i++)
		lit += strlen(c->inputs[i].s) + 1;
	for (i = 0; i < c->noutputs; i++)
		lit += strlen(c->outputs[i].s) + 1;
	if (ci->ntasks > 0 && lit > (DAG_MAX_SUBST - b->nsubst) / ci->ntasks) {
		wf_error(&b->errs, &c->mark, "the %u tasks of '%s' would hold "
		    "more than %zu MiB of commands, arguments and paths (%zu "
		    "bytes of templates each)", (unsigned)ci->ntasks, c->id,
		    DAG_MAX_SUBST >> 20, lit);
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

/* Expands every task of one entry, then lists its outputs. */
void
expand_call(struct builder *b, uint32_t call)
{
	struct call_info	*ci = &b->ci[call];
	const struct wf_call	*c = ci->c;
	struct task		*t;
	size_t			*combo, i, j, n = 0;
	uint32_t		 prev;

	combo = xcalloc(c->nforeach + 1, sizeof *combo);
	for (i = 0; i < ci->ntasks; i++) {
		t = &b->dag->tasks[ci->first + i];
		if (expand_task(b, call, combo, t) != 0) {
			ci->failed = 1;
			break;
		}
		if (id_too_long(b, c, t->id)) {
			ci->failed = 1;
			break;
		}
		if (strmap_put(&b->taskmap, t->id, t->index) != 0) {
			strmap_get(&b->taskmap, t->id, &prev);
			wf_error(&b->errs, &c->mark, "duplicate task id '%s' "
			    "(first at line %d)", t->id,
			    b->dag->tasks[prev].mark.line);
			ci->failed = 1;
			break;
		}
		n += t->noutputs;
		/* The last key varies fastest. */
		for (j = c->nforeach; j-- > 0;) {
			if (++combo[j] < c->foreach[j].nvalues)
				break;
			combo[j] = 0;
		}
	}
	free(combo);
	if (ci->failed)
		return;
	ci->outwords = xcalloc(n + 1, sizeof *ci->outwords);
	for (i = 0; i < ci->ntasks; i++) {
		t = &b->dag->tasks[ci->first + i];
		for (j = 0; j < t->noutputs; j++)
			ci->outwords[ci->noutwords++] = t->outputs[j];
	}
}

/* Notes which entries' outputs an entry's templates name. */
void
record_refs(struct builder *b, uint32_t call)
{
	struct call_info	*ci = &b->ci[call];
	const struct wf_call	*c = ci->c;
	struct scope		 s;
	size_t			 i;

	memset(&s, 0, sizeof s);
	s.b = b;
	s.c = c;
	s.call = call;
	s.record = 1;
	for (i = 0; i < c->nargs; i++)
		template_expand(c->args[i].value, TPL_RAW, scope_lookup, &s,
		    NULL, NULL);
	for (i = 0; i < c->ninputs; i++)
		template_expand(c->inputs[i].s, TPL_RAW, scope_lookup, &s,
		    NULL, NULL);
	for (i = 0; i < c->noutputs; i++)
		template_expand(c->outputs[i].s, TPL_RAW, scope_lookup, &s,
		    NULL, NULL);
	if (ci->app->command != NULL)
		template_expand(ci->app->command, TPL_RAW, scope_lookup, &s,
		    NULL, NULL);
}
