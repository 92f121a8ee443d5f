/*
 * workflow-env.c: the loader's environments and params.  An env is a
 * mapping of variable names to values: literal strings at top level (as
 * they always were), templates in an app or an entry of main.  Any of
 * them may be a secret, {from_env: NAME}, read from weft run's own
 * environment when a task starts and never written anywhere.  params
 * declare the names that templates reach as {params.NAME}, with their
 * defaults; --set overrides them.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weft.h"
#include "workflow.h"

/* {from_env: NAME}: the name, or NULL after reporting. */
static char *
secret_source(struct loader *l, const struct ynode *v, const char *key)
{
	const struct ynode	*n = ynode_get(v, "from_env");

	if (v->nkids != 2 || n == NULL) {
		wf_error(&l->errs, &v->mark, "env '%s' must be a string or "
		    "{from_env: VARIABLE}", key);
		return NULL;
	}
	if (n->type != YN_SCALAR) {
		wf_error(&l->errs, &n->mark, "env '%s': 'from_env' must name "
		    "an environment variable, not %s", key, ynode_kind(n));
		return NULL;
	}
	if (!is_name(n->s, 0)) {
		wf_error(&l->errs, &n->mark, "env '%s': 'from_env' must name "
		    "an environment variable, not '%s'", key, n->s);
		return NULL;
	}
	return xstrdup(n->s);
}

/*
 * env of WHAT: a mapping of variable names to strings (templates if
 * TEMPLATES) or secrets, appended to *kvs.
 */
void
load_env(struct loader *l, const struct ynode *map, const char *what,
    int templates, struct wf_kv **kvs, size_t *nkvs)
{
	const struct ynode	*k, *v;
	struct wf_kv		*kv;
	char			*from;
	size_t			 i, j;

	if (want_map(l, map, what) != 0)
		return;
	*kvs = xreallocarray(*kvs, *nkvs + map->nkids / 2 + 1, sizeof **kvs);
	for (i = 0; i + 1 < map->nkids; i += 2) {
		k = map->kids[i];
		v = map->kids[i + 1];
		if (k->type != YN_SCALAR)
			continue;
		if (!is_name(k->s, 0)) {
			wf_error(&l->errs, &k->mark, "invalid environment "
			    "variable name '%s'", k->s);
			continue;
		}
		/* Top-level env comes from each included file too. */
		for (j = 0; j < *nkvs && strcmp((*kvs)[j].key, k->s); j++)
			;
		if (j < *nkvs) {
			defined_twice(l, "env", k->s, &k->mark,
			    &(*kvs)[j].mark);
			continue;
		}
		from = NULL;
		if (v->type == YN_MAP) {
			if ((from = secret_source(l, v, k->s)) == NULL)
				continue;
		} else if (v->type != YN_SCALAR) {
			wf_error(&l->errs, &v->mark, "env '%s' must be a "
			    "string, not %s", k->s, ynode_kind(v));
			continue;
		} else if (templates && check_template(l, v) != 0)
			continue;
		kv = &(*kvs)[(*nkvs)++];
		memset(kv, 0, sizeof *kv);
		kv->key = xstrdup(k->s);
		kv->from_env = from;
		/* An empty env value is an empty string, not null. */
		if (from == NULL)
			kv->value = xstrdup(ynode_null(v) && v->plain ? "" :
			    v->s);
		kv->mark = v->mark;
	}
}

/* params: NAME: DEFAULT; a null default must be given with --set. */
void
load_params(struct loader *l, const struct ynode *map)
{
	struct workflow		*wf = l->wf;
	const struct ynode	*k, *v;
	struct wf_kv		*kv;
	size_t			 i, j;

	if (want_map(l, map, "'params'") != 0)
		return;
	wf->params = xreallocarray(wf->params, wf->nparams + map->nkids / 2 +
	    1, sizeof *wf->params);
	for (i = 0; i + 1 < map->nkids; i += 2) {
		k = map->kids[i];
		v = map->kids[i + 1];
		if (k->type != YN_SCALAR)
			continue;
		if (check_name(l, k, "param") != 0)
			continue;
		if (v->type != YN_SCALAR) {
			wf_error(&l->errs, &v->mark, "param '%s' must be a "
			    "string, a number or a boolean, not %s", k->s,
			    ynode_kind(v));
			continue;
		}
		if (has_control(v->s)) {
			wf_error(&l->errs, &v->mark, "param '%s' holds a "
			    "control character", k->s);
			continue;
		}
		for (j = 0; j < wf->nparams &&
		    strcmp(wf->params[j].key, k->s) != 0; j++)
			;
		if (j < wf->nparams) {
			defined_twice(l, "param", k->s, &k->mark,
			    &wf->params[j].mark);
			continue;
		}
		kv = &wf->params[wf->nparams++];
		memset(kv, 0, sizeof *kv);
		kv->key = xstrdup(k->s);
		kv->value = ynode_null(v) && v->plain ? NULL : xstrdup(v->s);
		kv->mark = k->mark;
	}
}

int
workflow_set_param(struct workflow *wf, const char *arg, char **errp)
{
	struct wf_suggest	 hint;
	const char		*eq = strchr(arg, '='), *best;
	char			*name;
	size_t			 i;

	if (eq == NULL || eq == arg) {
		*errp = xprintf("%s: invalid --set '%s': expected NAME=VALUE",
		    weft_prog, arg);
		return -1;
	}
	if (has_control(eq + 1)) {
		*errp = xprintf("%s: invalid --set '%s': a control character "
		    "in the value", weft_prog, arg);
		return -1;
	}
	name = xstrndup(arg, eq - arg);
	for (i = 0; i < wf->nparams; i++) {
		if (strcmp(wf->params[i].key, name) == 0) {
			free(wf->params[i].value);
			wf->params[i].value = xstrdup(eq + 1);
			free(name);
			return 0;
		}
	}
	wf_suggest_init(&hint, name);
	for (i = 0; i < wf->nparams; i++)
		wf_suggest_try(&hint, wf->params[i].key);
	if ((best = wf_suggest_best(&hint)) != NULL)
		*errp = xprintf("%s: --set '%s': no param '%s' in '%s' (did "
		    "you mean '%s'?)", weft_prog, arg, name, wf->display, best);
	else if (wf->nparams == 0)
		*errp = xprintf("%s: --set '%s': '%s' declares no params "
		    "(declare them under 'params:')", weft_prog, arg,
		    wf->display);
	else
		*errp = xprintf("%s: --set '%s': no param '%s' in '%s'",
		    weft_prog, arg, name, wf->display);
	free(name);
	return -1;
}

const char *
workflow_env_value(const struct wf_kv *kv)
{
	return kv->from_env != NULL ? getenv(kv->from_env) : kv->value;
}

static void
check_secrets(const struct workflow *wf, const struct wf_kv *kv, size_t n,
    char **msg)
{
	char	*line;
	size_t	 i;

	for (i = 0; i < n; i++) {
		if (kv[i].from_env == NULL || getenv(kv[i].from_env) != NULL)
			continue;
		line = xprintf("%s%s:%d:%d: env '%s': '%s' is not set in the "
		    "environment\n", *msg != NULL ? *msg : "",
		    kv[i].mark.file != NULL ? kv[i].mark.file : wf->display,
		    kv[i].mark.line, kv[i].mark.col, kv[i].key,
		    kv[i].from_env);
		free(*msg);
		*msg = line;
	}
}

int
workflow_check_ready(const struct workflow *wf, int secrets, char **errp)
{
	char	*msg = NULL, *line;
	size_t	 i;

	for (i = 0; i < wf->nparams; i++) {
		if (wf->params[i].value != NULL)
			continue;
		line = xprintf("%s%s:%d:%d: param '%s' has no default: give "
		    "it with --set %s=VALUE\n", msg != NULL ? msg : "",
		    wf->params[i].mark.file != NULL ? wf->params[i].mark.file :
		    wf->display, wf->params[i].mark.line,
		    wf->params[i].mark.col, wf->params[i].key,
		    wf->params[i].key);
		free(msg);
		msg = line;
	}
	if (secrets)
		check_secrets(wf, wf->env, wf->nenv, &msg);
	for (i = 0; secrets && i < wf->napps; i++)
		check_secrets(wf, wf->apps[i].env, wf->apps[i].nenv, &msg);
	for (i = 0; secrets && i < wf->ncalls; i++)
		check_secrets(wf, wf->calls[i].env, wf->calls[i].nenv, &msg);
	if (msg == NULL)
		return 0;
	msg[strlen(msg) - 1] = '\0';
	*errp = msg;
	return -1;
}
