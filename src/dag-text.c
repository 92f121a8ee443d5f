/*
 * dag-text.c: a task's text when it is about to run: its command or its
 * function's arguments, expanded from its entry's templates, its env
 * (its app's, its entry's over it), the fields of its item, whether its
 * condition holds, and the results of the tasks it depends on filled in.
 * The graph keeps none of it (dag-expand.c checked every template at
 * build time), so these cannot fail.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weft.h"
#include "dag.h"

/*
 * The fields of the task's foreach values into TT's item: a record of a
 * table is the task's item whole, whichever columns its templates use.
 */
static void
task_item(const struct wf_call *c, const size_t *combo, struct task_text *tt)
{
	const struct wf_foreach	*fe;
	size_t			 i, f, len = 0;
	char			*p;

	for (i = 0; i < c->nforeach; i++) {
		fe = &c->foreach[i];
		for (f = 0; f < fe->nfields; f++)
			len += strlen(fe->key) + strlen(fe->fields[f]) +
			    strlen(fe->fieldvals[combo[i] * fe->nfields + f]) +
			    3;
	}
	if (len == 0)
		return;
	tt->item = p = xmalloc(len);
	tt->item_len = len;
	for (i = 0; i < c->nforeach; i++) {
		fe = &c->foreach[i];
		for (f = 0; f < fe->nfields; f++) {
			p += sprintf(p, "%s.%s=%s", fe->key, fe->fields[f],
			    fe->fieldvals[combo[i] * fe->nfields + f]) + 1;
		}
	}
}

/* Adds the env entries KV to TT's, a name given again replacing it. */
static void
env_add(struct scope *s, const struct wf_kv *kv, size_t n,
    struct task_text *tt)
{
	struct tpl_error	 te;
	char			*v;
	size_t			 i, j;

	for (i = 0; i < n; i++) {
		for (j = 0; j < tt->nenv; j++) {
			if (strcmp(tt->env_kv[j]->key, kv[i].key) == 0)
				break;
		}
		if (j == tt->nenv)
			tt->nenv++;
		else
			free(tt->env[j]);
		tt->env_kv[j] = &kv[i];
		tt->env[j] = NULL;
		if (kv[i].from_env != NULL)
			continue;
		/* The build has checked these templates. */
		if (template_expand(kv[i].value, TPL_RAW, scope_lookup, s, &v,
		    &te) != 0)
			fatalx("env %s of task %s does not expand: %s",
			    kv[i].key, s->t->id, te.msg);
		tt->env[j] = xprintf("%s=%s", kv[i].key, v);
		free(v);
	}
}

/* The env of a task: its app's, with its entry's over it. */
static void
task_env(struct scope *s, const struct call_info *ci, struct task_text *tt)
{
	size_t	 n = ci->app->nenv + ci->c->nenv;

	if (n == 0)
		return;
	tt->env = xcalloc(n, sizeof *tt->env);
	tt->env_kv = xcalloc(n, sizeof *tt->env_kv);
	s->results_ok = 0;
	env_add(s, ci->app->env, ci->app->nenv, tt);
	env_add(s, ci->c->env, ci->c->nenv, tt);
}

/*
 * The scope of task T as it is about to run, its args expanded; COMBO is
 * the caller's (COMBO_ON_STACK values), or one on the heap.  The build
 * has checked every template: they cannot fail.
 */
static void
scope_open(const struct dag *dag, const struct task *t, struct scope *s,
    size_t *combo)
{
	struct dag_private	*d = dag->priv;
	uint32_t		 call = TASK_CALL(d, t);
	const struct wf_call	*c = d->ci[call].c;

	if (c->nforeach > COMBO_ON_STACK)
		combo = xcalloc(c->nforeach, sizeof *combo);
	call_combo(c, t->index - d->ci[call].first, combo);
	memset(s, 0, sizeof *s);
	s->d = d;
	s->c = c;
	s->call = call;
	s->combo = combo;
	s->t = t;
	s->inputs_ok = s->outputs_ok = 1;
	if (c->nargs > 0 && expand_args(s) != 0)
		fatalx("the args of task %s do not expand", t->id);
}

static void
scope_close(struct scope *s, size_t *stack)
{
	free_args(s);
	if (s->combo != stack)
		free((size_t *)s->combo);
}

void
dag_task_text(const struct dag *dag, const struct task *t,
    struct task_text *tt)
{
	struct call_info	*ci = &dag->priv->ci[TASK_CALL(dag->priv, t)];
	const struct wf_call	*c = ci->c;
	struct scope		 s;
	struct tpl_error	 te;
	size_t			 stack[COMBO_ON_STACK], i, k;

	memset(tt, 0, sizeof *tt);
	scope_open(dag, t, &s, stack);
	if (ci->app->function == NULL) {
		s.results_ok = 1;
		if (template_expand(ci->app->command, TPL_SHELL, scope_lookup,
		    &s, &tt->command, &te) != 0)
			fatalx("the command of task %s does not expand: %s",
			    t->id, te.msg);
	} else {
		tt->arg_names = ci->arg_names;
		tt->nargs = ci->nargs;
		tt->arg_values = xcalloc(tt->nargs + 1,
		    sizeof *tt->arg_values);
		for (i = 0; i < c->nforeach; i++)
			tt->arg_values[i] = xstrdup(
			    c->foreach[i].values[s.combo[i]]);
		for (k = 0; k < c->nargs; k++, i++) {
			tt->arg_values[i] = s.argv[k];
			s.argv[k] = NULL;
		}
	}
	task_env(&s, ci, tt);
	task_item(c, s.combo, tt);
	scope_close(&s, stack);
}

const struct workflow *
dag_workflow(const struct dag *dag)
{
	return dag->priv->wf;
}

size_t
dag_task_params(const struct dag *dag, const struct task *t,
    const uint32_t **params)
{
	struct dag_private	*d = dag->priv;
	const struct call_info	*ci = &d->ci[TASK_CALL(d, t)];

	*params = ci->params;
	return ci->nparams;
}

int
dag_task_when(const struct dag *dag, const struct task *t)
{
	const struct wf_call	*c = t->call;
	struct scope		 s;
	struct tpl_error	 te;
	size_t			 stack[COMBO_ON_STACK];
	int			 v;

	if (c->when_cond == NULL)
		return 1;
	scope_open(dag, t, &s, stack);
	if ((v = cond_eval(c->when_cond, scope_lookup, &s, &te)) == -1)
		fatalx("the condition of task %s does not expand: %s", t->id,
		    te.msg);
	scope_close(&s, stack);
	return v;
}

void
task_text_free(struct task_text *tt)
{
	size_t	 i;

	for (i = 0; i < tt->nenv; i++)
		free(tt->env[i]);
	free(tt->env);
	free(tt->env_kv);
	free(tt->item);
	free(tt->command);
	for (i = 0; tt->arg_values != NULL && i < tt->nargs; i++)
		free(tt->arg_values[i]);
	free(tt->arg_values);
	memset(tt, 0, sizeof *tt);
}

/*
 * Task T's command or arguments as it runs now: a late task's with the
 * results RESULT gives filled in (main's real ones, or a dry run's).
 */
void
dag_task_text_filled(const struct dag *dag, const struct task *t,
    struct task_text *tt, dag_result_fn *result, void *arg)
{
	char	*filled;
	size_t	 j;

	dag_task_text(dag, t, tt);
	if (!t->late)
		return;
	if (tt->command != NULL) {
		filled = dag_fill_results(tt->command, 1, result, arg);
		free(tt->command);
		tt->command = filled;
	}
	for (j = 0; j < tt->nargs; j++) {
		filled = dag_fill_results(tt->arg_values[j], 0, result, arg);
		free(tt->arg_values[j]);
		tt->arg_values[j] = filled;
	}
}
