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

/* Notes that entry CI's templates name entry CALL, once. */
static void
note_ref(struct call_info *ci, uint32_t call)
{
	size_t	 i;

	for (i = 0; i < ci->nrefs; i++) {
		if (ci->refs[i] == call)
			return;
	}
	ci->refs = xreallocarray(ci->refs, ci->nrefs + 1, sizeof *ci->refs);
	ci->refs[ci->nrefs++] = call;
}

/* {ID.result}: the stand-ins for the results of every task of ID. */
static int
result_lookup(struct scope *s, const char *name, size_t len,
    const char *const **words, size_t *nwords)
{
	struct dag_private	*d = s->d;
	struct call_info	*ci, *self = &d->ci[s->call];
	char			 id[TPL_NAME_MAX + 1];
	uint32_t		 call;
	size_t			 i;

	memcpy(id, name, len - 7);
	id[len - 7] = '\0';
	if (strmap_get(&d->callmap, id, &call) != 0)
		return -1;
	ci = &d->ci[call];
	if (s->record) {
		note_ref(self, call);
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
	s->late = 1;
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

	*words = NULL;
	*nwords = 0;
	s->shared = 0;
	if (len > 7 && strcmp(name + len - 7, ".result") == 0)
		return result_lookup(s, name, len, words, nwords);
	if (len > 8 && strcmp(name + len - 8, ".outputs") == 0) {
		memcpy(id, name, len - 8);
		id[len - 8] = '\0';
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
