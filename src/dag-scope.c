/*
 * dag-scope.c: what a template names while an entry of main is expanded
 * (dag-expand.c): a foreach value or one of its fields ({f.stem}, a
 * table's {s.reads}), an argument, the task's inputs and outputs, every
 * output of another entry ({ID.outputs}) or a function's result
 * ({ID.result}).  At build time the lookups also note which entries an
 * entry names and charge the bytes of substituted paths to the bound.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weft.h"
#include "dag.h"

/* Adds CALL to the list *V of *N entries, once. */
static void
note_call(uint32_t **v, size_t *n, uint32_t call)
{
	size_t	 i;

	for (i = 0; i < *n; i++) {
		if ((*v)[i] == call)
			return;
	}
	*v = xreallocarray(*v, *n + 1, sizeof **v);
	(*v)[(*n)++] = call;
}

/* Notes that entry CI's templates name entry CALL, once. */
static void
note_ref(struct call_info *ci, uint32_t call)
{
	note_call(&ci->refs, &ci->nrefs, call);
}

/* Whether entry CI has a result for {NAME} here; else says why not. */
static int
result_ok(struct scope *s, struct call_info *ci, const char *name,
    const char *id)
{
	size_t	 i;

	if (ci->app == NULL || ci->app->function == NULL) {
		snprintf(s->why, sizeof s->why, "'{%s}': '%s' runs a command, "
		    "and only function apps have a result", name, id);
		return 0;
	}
	if (!s->results_ok) {
		snprintf(s->why, sizeof s->why, "'{%s}' is known only once "
		    "'%s' has run: use it in args or a command, not in inputs "
		    "or outputs", name, id);
		return 0;
	}
	if (ci->resultwords == NULL) {
		ci->resultwords = xcalloc(ci->ntasks + 1,
		    sizeof *ci->resultwords);
		for (i = 0; i < ci->ntasks; i++)
			ci->resultwords[i] = xprintf("%c%u%c", RESULT_MARK,
			    (unsigned)(ci->first + i), RESULT_END);
	}
	s->late = 1;
	return 1;
}

static int	 item_lookup(struct scope *, const char *, const char *, int,
		     const char *const **, size_t *);

/* {ID.result}: the stand-ins for the results of every task of ID. */
static int
result_lookup(struct scope *s, const char *name, size_t len,
    const char *const **words, size_t *nwords)
{
	struct dag_private	*d = s->d;
	struct call_info	*ci, *self = &d->ci[s->call];
	char			 id[TPL_NAME_MAX + 1];
	uint32_t		 call;

	memcpy(id, name, len - 7);
	id[len - 7] = '\0';
	if (strchr(id, '[') != NULL)
		return item_lookup(s, name, id, 1, words, nwords);
	if (strmap_get(&d->callmap, id, &call) != 0)
		return -1;
	ci = &d->ci[call];
	if (s->record) {
		note_ref(self, call);
		return 0;
	}
	if (!result_ok(s, ci, name, id))
		return -1;
	*words = (const char *const *)ci->resultwords;
	*nwords = ci->ntasks;
	return 0;
}

/* The tasks of entry CI by id, for the names of one task. */
static void
itemmap_fill(struct dag_private *d, struct call_info *ci)
{
	uint32_t	 p;

	if (ci->in_itemmap)
		return;
	if (!d->have_itemmap) {
		strmap_init(&d->itemmap, ci->ntasks);
		d->have_itemmap = 1;
	}
	for (p = ci->first; p < ci->first + ci->ntasks; p++)
		strmap_put(&d->itemmap, d->dag->tasks[p].id, p);
	ci->in_itemmap = 1;
}

/* Why a name of tasks, ID in {NAME} of entry CI, names none. */
static void
item_none(struct scope *s, const char *name, const char *id,
    const struct call_info *ci)
{
	struct wf_suggest	 hint;
	char			 said[TPL_NAME_MAX + 32];
	uint32_t		 p;

	if (strpbrk(id, "*?") != NULL) {
		snprintf(s->why, sizeof s->why, "'{%s}': no task matches '%s'",
		    name, id);
		return;
	}
	wf_suggest_init(&hint, id);
	for (p = ci->first; p < ci->first + ci->ntasks &&
	    p - ci->first < 1000; p++)
		wf_suggest_try(&hint, s->d->dag->tasks[p].id);
	snprintf(s->why, sizeof s->why, "'{%s}': no task '%s'%s", name, id,
	    wf_suggest_said(&hint, said, sizeof said));
}

/* Why ID in {NAME} names no task: its ENTRY is not one. */
static void
item_no_entry(struct scope *s, const char *name, const char *entry)
{
	struct wf_suggest	 hint;
	char			 said[TPL_NAME_MAX + 32];
	size_t			 i;

	wf_suggest_init(&hint, entry);
	for (i = 0; i < s->d->ncalls && i < 10000; i++)
		wf_suggest_try(&hint, s->d->ci[i].c->id);
	snprintf(s->why, sizeof s->why, "'{%s}': no entry '%s'%s", name,
	    entry, wf_suggest_said(&hint, said, sizeof said));
}

/* Words for a lookup, in the graph's buffer: it holds N of them. */
static const char **
words_room(struct dag_private *d, size_t n)
{
	if (n > d->cwordbuf) {
		d->cwordbuf = n < 16 ? 16 : n * 2;
		d->wordbuf = xreallocarray(d->wordbuf, d->cwordbuf,
		    sizeof *d->wordbuf);
	}
	return d->wordbuf;
}

/*
 * {ID.outputs} and {ID.result} (RESULT) where ID names tasks, not an
 * entry: a task's id, such as qc[s=A] (its values usually filled in from
 * the task's own, "{qc[s={s}].outputs}"), or a pattern of ids with '*'
 * and '?'.  The outputs or results of its tasks, in task order; at build
 * time each task named becomes a dependency of the one being expanded.
 */
static int
item_lookup(struct scope *s, const char *name, const char *id, int result,
    const char *const **words, size_t *nwords)
{
	struct dag_private	*d = s->d;
	struct call_info	*ci;
	const struct task	*t;
	char			 entry[TPL_NAME_MAX + 1];
	char			 what[TPL_NAME_MAX + 16];
	size_t			 n = 0, found = 0, elen = strcspn(id, "[");
	uint32_t		 call, p, lo, hi;
	int			 pattern = strpbrk(id + elen, "*?") != NULL;
	const char		**w;

	memcpy(entry, id, elen);
	entry[elen] = '\0';
	if (strmap_get(&d->callmap, entry, &call) != 0) {
		if (!s->record)
			item_no_entry(s, name, entry);
		return -1;
	}
	ci = &d->ci[call];
	if (s->record) {
		note_call(&d->ci[s->call].irefs, &d->ci[s->call].nirefs, call);
		s->item = 1;
		return 0;
	}
	if (ci->failed) {
		/* Its own errors are reported: nothing to add. */
		s->silent = 1;
		return -1;
	}
	/* Said of the entry, the same for each of its tasks. */
	snprintf(what, sizeof what, "%s[...].result", entry);
	if (result && !result_ok(s, ci, what, entry))
		return -1;
	lo = ci->first;
	hi = ci->first + ci->ntasks;
	if (!pattern) {
		itemmap_fill(d, ci);
		if (strmap_get(&d->itemmap, id, &p) != 0)
			hi = lo;
		else {
			lo = p;
			hi = p + 1;
		}
	}
	for (p = lo; p < hi; p++) {
		t = &d->dag->tasks[p];
		if (pattern && !id_glob_match(id, t->id))
			continue;
		if (s->b != NULL && item_dep(s->b, s->t->index, p) != 0) {
			s->silent = 1;
			return -1;
		}
		if (result) {
			w = words_room(d, n + 1);
			w[n++] = ci->resultwords[p - ci->first];
		} else if (t->noutputs > 0) {
			w = words_room(d, n + t->noutputs);
			memcpy(w + n, t->outputs, t->noutputs * sizeof *w);
			n += t->noutputs;
		}
		found++;
	}
	if (found == 0) {
		item_none(s, name, id, ci);
		return -1;
	}
	*words = d->wordbuf;
	*nwords = n;
	s->shared = !result;
	return 0;
}

/* "its fields: a, b" for a message, cut to LEN. */
static void
field_list(const struct wf_foreach *fe, char *buf, size_t len)
{
	size_t	 f, n;

	n = (size_t)snprintf(buf, len, "%s", fe->nfields > 0 ?
	    "its fields:" : "only the values of a glob or a table have "
	    "fields");
	for (f = 0; f < fe->nfields && n < len; f++)
		n += (size_t)snprintf(buf + n, len - n, "%s %s", f > 0 ? "," :
		    "", fe->fields[f]);
}

/*
 * {KEY.FIELD}: a field of the value of foreach variable KEY (NAME, with
 * DOT in it), such as a glob's {f.stem} or a table's {s.reads}.
 */
static int
field_find(struct scope *s, const char *name, const char *dot,
    const char *const **words, size_t *nwords)
{
	const struct wf_foreach	*fe;
	char			 list[160];
	size_t			 i, f, klen = (size_t)(dot - name);

	for (i = 0; i < s->c->nforeach; i++) {
		fe = &s->c->foreach[i];
		if (strlen(fe->key) != klen || strncmp(fe->key, name, klen))
			continue;
		for (f = 0; f < fe->nfields; f++) {
			if (strcmp(fe->fields[f], dot + 1) == 0) {
				*words = (const char *const *)&fe->fieldvals[
				    s->combo[i] * fe->nfields + f];
				*nwords = 1;
				return 0;
			}
		}
		field_list(fe, list, sizeof list);
		snprintf(s->why, sizeof s->why, "'{%s}': foreach '%s' has no "
		    "field '%s' (%s)", name, fe->key, dot + 1, list);
		return -1;
	}
	return -1;
}

/*
 * {params.NAME}: a param's value.  A name that no param has may still be
 * a field of a foreach variable called params; -2 if it is not a param.
 */
static int
param_find(struct scope *s, const char *name, const char *const **words,
    size_t *nwords)
{
	const struct workflow	*wf = s->d->wf;
	struct call_info	*ci = &s->d->ci[s->call];
	struct wf_suggest	 hint;
	const char		*best;
	size_t			 i, j;

	for (i = 0; i < wf->nparams; i++) {
		if (strcmp(wf->params[i].key, name + 7) != 0)
			continue;
		if (s->record) {
			for (j = 0; j < ci->nparams; j++) {
				if (ci->params[j] == i)
					return 0;
			}
			ci->params = xreallocarray(ci->params, ci->nparams + 1,
			    sizeof *ci->params);
			ci->params[ci->nparams++] = i;
			return 0;
		}
		/* weft run and check refuse this before a graph is built. */
		if (wf->params[i].value == NULL) {
			snprintf(s->why, sizeof s->why, "'{%s}': param '%s' "
			    "has no value (give it with --set %s=VALUE)", name,
			    name + 7, name + 7);
			return -1;
		}
		*words = (const char *const *)&wf->params[i].value;
		*nwords = 1;
		return 0;
	}
	for (i = 0; i < s->c->nforeach; i++) {
		if (strcmp(s->c->foreach[i].key, "params") == 0)
			return -2;
	}
	if (s->record)
		return 0;
	wf_suggest_init(&hint, name + 7);
	for (i = 0; i < wf->nparams; i++)
		wf_suggest_try(&hint, wf->params[i].key);
	if ((best = wf_suggest_best(&hint)) != NULL)
		snprintf(s->why, sizeof s->why, "'{%s}': no param '%s' (did "
		    "you mean '{params.%s}'?)", name, name + 7, best);
	else if (wf->nparams == 0)
		snprintf(s->why, sizeof s->why, "'{%s}': no param '%s' "
		    "(declare it under top-level 'params:')", name, name + 7);
	else
		snprintf(s->why, sizeof s->why, "'{%s}': no param '%s'",
		    name, name + 7);
	return -1;
}

static int
scope_find(struct scope *s, const char *name, const char *const **words,
    size_t *nwords)
{
	struct dag_private	*d = s->d;
	struct call_info	*ci;
	char			 id[TPL_NAME_MAX + 1];
	const char		*dot;
	size_t			 len = strlen(name), i;
	uint32_t		 call;
	int			 rc;

	*words = NULL;
	*nwords = 0;
	s->shared = 0;
	if (strncmp(name, "params.", 7) == 0 &&
	    (rc = param_find(s, name, words, nwords)) != -2)
		return rc;
	if (len > 7 && strcmp(name + len - 7, ".result") == 0)
		return result_lookup(s, name, len, words, nwords);
	if (len > 8 && strcmp(name + len - 8, ".outputs") == 0) {
		memcpy(id, name, len - 8);
		id[len - 8] = '\0';
		if (strchr(id, '[') != NULL)
			return item_lookup(s, name, id, 0, words, nwords);
		if (strmap_get(&d->callmap, id, &call) != 0)
			return -1;
		ci = &d->ci[call];
		if (s->record) {
			ci->referenced = 1;
			note_ref(&d->ci[s->call], call);
			return 0;
		}
		*words = ci->outwords;
		*nwords = ci->noutwords;
		s->shared = 1;
		return 0;
	}
	if (s->record)
		return 0;
	if (strcmp(name, "inputs") == 0) {
		if (!s->inputs_ok)
			return -1;
		*words = (const char *const *)s->t->inputs;
		*nwords = s->t->ninputs;
		s->shared = 1;
		return 0;
	}
	if (strcmp(name, "outputs") == 0) {
		if (!s->outputs_ok)
			return -1;
		*words = (const char *const *)s->t->outputs;
		*nwords = s->t->noutputs;
		s->shared = 1;
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
	if ((dot = strchr(name, '.')) != NULL)
		return field_find(s, name, dot, words, nwords);
	for (i = 0; s->argv != NULL && i < s->nargv; i++) {
		if (strcmp(s->c->args[i].key, name) == 0) {
			/* It did not expand, and that is reported. */
			if (s->argv[i] == NULL) {
				s->silent = 1;
				return -1;
			}
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

/*
 * The lookup of templates: scope_find, and paths within the builder's
 * max_subst bytes in all.  A word shared from the arena costs its length
 * too: it is not copied, but every path of a task is read again to find
 * the task that makes it.
 */
int
scope_lookup(void *arg, const char *name, const char *const **words,
    size_t *nwords)
{
	struct scope	*s = arg;
	size_t		 i, n = 0;

	if (scope_find(s, name, words, nwords) != 0)
		return -1;
	if (s->record || !s->charge)
		return 0;
	for (i = 0; i < *nwords; i++)
		n += sizeof (char *) + strlen((*words)[i]) + 1;
	if (n > s->b->max_subst - s->b->nsubst) {
		snprintf(s->why, sizeof s->why, "'{%s}': the tasks' paths "
		    "would hold more than %zu MiB of substituted values",
		    name, s->b->max_subst >> 20);
		return -1;
	}
	s->b->nsubst += n;
	return 0;
}
