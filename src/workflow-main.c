/*
 * workflow-main.c: the guarded main body.  The entries of "main" are
 * checked and copied into wf->calls: ids, apps, args, foreach (lists,
 * ranges, and data read by workflow-data.c), inputs, outputs and needs.  Only check_tree (workflow.c) calls
 * in here, and only in WF_FULL mode, which "weft run" and "weft check"
 * alone ask for; in definitions mode ytree_build has passed over main
 * and this file is never reached.  The guard is this file's boundary.
 */

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "weft.h"
#include "workflow.h"

static const char *const call_keys[] = {
	"id", "app", "args", "foreach", "zip", "exclude", "include", "inputs",
	"outputs", "needs", "retries", "walltime", "env", "when", "resources",
	"allow_failure", NULL
};

/*
 * A lone word that is no value a condition could mean: "alwasy" would
 * be true, so it is taken for what it is, a mistake.
 */
static int
when_word(const char *s)
{
	static const char *const truths[] = {
		"true", "false", "yes", "no", "on", "off", "0", "1"
	};
	size_t	 i;

	if (s[strspn(s, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")] != '\0')
		return 0;
	for (i = 0; i < sizeof truths / sizeof truths[0]; i++) {
		if (strcasecmp(s, truths[i]) == 0)
			return 0;
	}
	return 1;
}

/*
 * when: always, on_failure, on_success (the default), or a condition;
 * a condition's fault is reported at its column.
 */
static void
load_when(struct loader *l, struct wf_call *c, const struct ynode *v)
{
	static const char *const words[] = {
		"always", "on_failure", "on_success"
	};
	struct tpl_error	 te;
	struct wf_mark		 m = v->mark;
	struct wf_suggest	 hint;
	char			 said[64];
	size_t			 i;

	if (get_string(l, v, "'when'", &c->when_text) != 0)
		return;
	c->when_mark = v->mark;
	if (strcmp(v->s, "always") == 0)
		c->when = WHEN_ALWAYS;
	else if (strcmp(v->s, "on_failure") == 0)
		c->when = WHEN_ON_FAILURE;
	else if (strcmp(v->s, "on_success") == 0)
		c->when = WHEN_SUCCESS;
	else if (when_word(v->s)) {
		/* A typo of a keyword would be a condition always true. */
		wf_suggest_init(&hint, v->s);
		for (i = 0; i < sizeof words / sizeof words[0]; i++)
			wf_suggest_try(&hint, words[i]);
		wf_error(&l->errs, &v->mark, "unknown when '%s'%s (it takes "
		    "always, on_failure, on_success, true, false or a "
		    "condition)", v->s, wf_suggest_said(&hint, said,
		    sizeof said));
	} else if (cond_parse(v->s, &c->when_cond, &te) == 0)
		c->when = WHEN_IF;
	else {
		if (m.text_col > 0 && memchr(v->s, '\n', te.offset) == NULL)
			m.col = template_column(v->s, te.offset, m.text_col);
		wf_error(&l->errs, &m, "%s", te.msg);
	}
}

/* retries, walltime, env, when and allow_failure of an entry. */
static void
load_settings(struct loader *l, struct wf_call *c, const struct ynode *e)
{
	const struct ynode	*v;

	if ((v = ynode_get(e, "retries")) != NULL)
		get_int(l, v, "retries", 0, INT_MAX, &c->retries);
	if ((v = ynode_get(e, "walltime")) != NULL)
		get_walltime(l, v, &c->walltime, &c->walltime_ms);
	if ((v = ynode_get(e, "env")) != NULL)
		load_env(l, v, "'env'", 1, &c->env, &c->nenv);
	if ((v = ynode_get(e, "when")) != NULL)
		load_when(l, c, v);
	if ((v = ynode_get(e, "allow_failure")) != NULL)
		get_bool(l, v, "allow_failure", &c->allow_failure);
	if ((v = ynode_get(e, "resources")) != NULL)
		get_resources(l, v, &c->res);
}

/* A string, or a list of strings, as wf_str entries. */
static void
load_strs(struct loader *l, const struct ynode *n, const char *what,
    int tpl, struct wf_str **out, size_t *nout)
{
	const struct ynode	*it;
	size_t			 i, count;

	if (n->type == YN_SCALAR && !ynode_null(n))
		count = 1;
	else if (n->type == YN_SEQ)
		count = n->nkids;
	else {
		wf_error(&l->errs, &n->mark, "'%s' must be a string or a list "
		    "of strings, not %s", what, ynode_kind(n));
		return;
	}
	*out = xcalloc(count, sizeof **out);
	for (i = 0; i < count; i++) {
		it = n->type == YN_SEQ ? n->kids[i] : n;
		if (it->type != YN_SCALAR || ynode_null(it)) {
			wf_error(&l->errs, &it->mark, "each item of '%s' must "
			    "be a string, not %s", what, ynode_kind(it));
			continue;
		}
		if (tpl && check_template(l, it) != 0)
			continue;
		(*out)[*nout].s = xstrdup(it->s);
		(*out)[*nout].mark = it->mark;
		(*nout)++;
	}
}

/*
 * "A..B" or "A..B:S" with integers A, B and S (S not 0; 1 by default).
 * Returns 0, -1 when S is not such a range, -2 when a number does not
 * fit (a range still, a bad one), -3 for a step of 0.
 */
static int
parse_range(const char *s, long long *a, long long *b, long long *step)
{
	const char	*dots;
	char		*end;
	int		 overflow;

	*step = 1;
	if ((dots = strstr(s, "..")) == NULL || dots == s)
		return -1;
	errno = 0;
	*a = strtoll(s, &end, 10);
	if (end != dots || end == s)
		return -1;
	overflow = errno == ERANGE;
	if (dots[2] == '\0' || dots[2] == ' ')
		return -1;
	errno = 0;
	*b = strtoll(dots + 2, &end, 10);
	if ((*end != '\0' && *end != ':') || end == dots + 2)
		return -1;
	overflow |= errno == ERANGE;
	if (*end == ':') {
		dots = end + 1;
		if (*dots == '\0' || *dots == ' ')
			return -1;
		errno = 0;
		*step = strtoll(dots, &end, 10);
		if (*end != '\0' || end == dots)
			return -1;
		overflow |= errno == ERANGE;
	}
	if (overflow)
		return -2;
	return *step == 0 ? -3 : 0;
}

/* How many values range A..B:STEP has; 0 when it goes the wrong way. */
static unsigned long long
range_count(long long a, long long b, long long step)
{
	unsigned long long	 span, st;

	if ((step > 0 && a > b) || (step < 0 && a < b))
		return 0;
	span = step > 0 ? (unsigned long long)b - (unsigned long long)a :
	    (unsigned long long)a - (unsigned long long)b;
	st = step > 0 ? (unsigned long long)step :
	    -(unsigned long long)step;
	return span / st + 1;
}

static int
check_var_name(struct loader *l, const struct ynode *k, const char *what)
{
	if (check_name(l, k, what) != 0)
		return -1;
	if (strcmp(k->s, "inputs") == 0 || strcmp(k->s, "outputs") == 0) {
		wf_error(&l->errs, &k->mark, "'%s' is reserved and cannot be "
		    "%s name", k->s, strcmp(what, "argument") == 0 ?
		    "an argument" : "a foreach");
		return -1;
	}
	return 0;
}

/* What a message about the number of tasks adds. */
#define MAX_TASKS_HINT	" (config.max_tasks sets the limit)"

/*
 * Writes V in decimal at P, with its NUL; returns the byte after.
 * snprintf is too slow for ten million of them.
 */
static char *
put_decimal(char *p, long long v)
{
	char			 buf[24];
	unsigned long long	 u;
	size_t			 n = 0;

	if (v < 0) {
		*p++ = '-';
		u = -(unsigned long long)v;
	} else
		u = (unsigned long long)v;
	do {
		buf[n++] = '0' + u % 10;
		u /= 10;
	} while (u > 0);
	while (n > 0)
		*p++ = buf[--n];
	*p++ = '\0';
	return p;
}

/* The N values of range S, their text in one block. */
static void
range_values(struct wf_foreach *fe, const char *s, size_t n)
{
	long long	 a, b, step;
	char		*p;
	size_t		 j;

	parse_range(s, &a, &b, &step);
	fe->text = p = xreallocarray(NULL, n, 21);
	for (j = 0; j < n; j++) {
		fe->values[j] = p;
		/* In unsigned arithmetic: no step past a bound overflows. */
		p = put_decimal(p, (long long)((unsigned long long)a +
		    (unsigned long long)step * j));
	}
}

static void
foreach_free(struct wf_foreach *fe)
{
	free(fe->text);
	free(fe->values);
	free(fe->fieldvals);
	free(fe->fields);
	memset(fe, 0, sizeof *fe);
}

/*
 * foreach (every combination of its keys' values, or with ZIP the lists
 * walked in step) of entry C from MAP.
 */
static void
load_foreach(struct loader *l, struct wf_call *c, const struct ynode *map,
    int zip)
{
	const struct ynode	*k, *v;
	struct wf_foreach	*fe, *data;
	long long		 a, b, step;
	unsigned long long	 count;
	size_t			*counts, product = 1, i, j, n;
	size_t			 max = (size_t)l->wf->max_tasks;
	long			 got;
	int			 bad = 0, kbad, rc;

	if (map->type == YN_SEQ && !zip) {
		matrix_list(l, c, map);
		return;
	}
	if (map->type != YN_MAP) {
		wf_error(&l->errs, &map->mark, "'%s' must be a mapping%s, "
		    "not %s", zip ? "zip" : "foreach", zip ? "" : " or a list "
		    "of mappings", ynode_kind(map));
		return;
	}
	n = map->nkids / 2;
	counts = xcalloc(n + 1, sizeof *counts);
	/* Values read from data, until they move to the call. */
	data = xcalloc(n + 1, sizeof *data);

	/* Count first, so that nothing huge is ever allocated. */
	for (i = 0; i < n; i++) {
		k = map->kids[2 * i];
		v = map->kids[2 * i + 1];
		kbad = 0;
		if (k->type != YN_SCALAR || check_var_name(l, k,
		    "foreach") != 0) {
			bad = 1;
			continue;
		}
		for (j = 0; j < c->nargs; j++) {
			if (strcmp(c->args[j].key, k->s) == 0) {
				wf_error(&l->errs, &k->mark, "'%s' is both a "
				    "foreach key and an argument", k->s);
				kbad = 1;
			}
		}
		if (v->type == YN_SEQ) {
			counts[i] = v->nkids;
			for (j = 0; j < v->nkids; j++) {
				if (v->kids[j]->type != YN_SCALAR ||
				    ynode_null(v->kids[j])) {
					wf_error(&l->errs, &v->kids[j]->mark,
					    "foreach values must be strings or "
					    "numbers, not %s",
					    ynode_kind(v->kids[j]));
					kbad = 1;
				} else if (has_control(v->kids[j]->s)) {
					wf_error(&l->errs, &v->kids[j]->mark,
					    "foreach values must not contain "
					    "control characters");
					kbad = 1;
				}
			}
		} else if (v->type == YN_MAP) {
			if ((got = foreach_data(l, k, v, &data[i])) < 0)
				kbad = 1;
			else
				counts[i] = (size_t)got;
		} else if (v->type == YN_SCALAR && !ynode_null(v) &&
		    (rc = parse_range(v->s, &a, &b, &step)) != -1) {
			count = rc == 0 ? range_count(a, b, step) : 0;
			if (rc == -2) {
				wf_error(&l->errs, &v->mark, "range '%s' is "
				    "out of range: its numbers must be from "
				    "%lld to %lld", v->s, LLONG_MIN,
				    LLONG_MAX);
			} else if (rc == -3) {
				wf_error(&l->errs, &v->mark, "range '%s' has "
				    "a step of 0", v->s);
			} else if (count == 0) {
				wf_error(&l->errs, &v->mark, "range '%s' is "
				    "empty: its start is %s its end%s", v->s,
				    a > b ? "above" : "below", a > b ?
				    " (a negative step counts down)" :
				    " and its step is negative");
			} else if (count > (unsigned long long)max) {
				wf_error(&l->errs, &v->mark, "range '%s' has "
				    "more than %zu values%s", v->s, max,
				    MAX_TASKS_HINT);
			} else
				counts[i] = (size_t)count;
			if (counts[i] == 0)
				kbad = 1;
		} else {
			wf_error(&l->errs, &v->mark, "foreach '%s' must be a "
			    "list, a range \"A..B\" or \"A..B:STEP\", or "
			    "{glob: PATTERN}, {lines: FILE} or {table: FILE}",
			    k->s);
			kbad = 1;
		}
		if (!kbad && counts[i] == 0) {
			wf_error(&l->errs, &v->mark, "foreach '%s' is empty",
			    k->s);
			kbad = 1;
		}
		if (kbad)
			bad = 1;
		else if (zip && i > 0 && counts[i] != counts[0]) {
			wf_error(&l->errs, &v->mark, "zip walks its lists in "
			    "step, so they must be as long as each other: "
			    "'%s' has %zu values, '%s' %zu", k->s, counts[i],
			    map->kids[0]->s, counts[0]);
			bad = 1;
		} else if (zip)
			product = counts[i];
		else {
			if (product > max / counts[i])
				product = max + 1;
			else
				product *= counts[i];
		}
	}
	if (bad)
		goto out;
	if (product > max || l->total_tasks - 1 + product > max) {
		/* Every entry after the limit is over it too: say it once. */
		if (!l->too_many_told++)
			wf_error(&l->errs, &map->mark, "foreach gives more "
			    "than %zu tasks%s", max, MAX_TASKS_HINT);
		goto out;
	}
	l->total_tasks += product - 1;	/* the caller counted one */

	c->foreach = xcalloc(n + 1, sizeof *c->foreach);
	for (i = 0; i < n; i++) {
		k = map->kids[2 * i];
		v = map->kids[2 * i + 1];
		fe = &c->foreach[c->nforeach++];
		if (v->type == YN_MAP) {
			*fe = data[i];
			memset(&data[i], 0, sizeof data[i]);
		} else
			fe->values = xcalloc(counts[i], sizeof *fe->values);
		fe->key = xstrdup(k->s);
		fe->mark = k->mark;
		if (v->type == YN_MAP)
			continue;
		if (v->type == YN_SEQ) {
			for (j = 0; j < counts[i]; j++)
				fe->values[j] = xstrdup(v->kids[j]->s);
		} else {
			range_values(fe, v->s, counts[i]);
			fe->range = 1;
		}
		fe->nvalues = counts[i];
	}
	if (zip)
		matrix_diagonal(c, product);
out:
	for (i = 0; i < n; i++)
		foreach_free(&data[i]);
	free(data);
	free(counts);
}

static void
load_args(struct loader *l, struct wf_call *c, const struct ynode *map)
{
	const struct ynode	*k, *v;
	struct wf_kv		*kv;
	size_t			 i;

	if (map->type != YN_MAP) {
		wf_error(&l->errs, &map->mark, "'args' must be a mapping, not "
		    "%s", ynode_kind(map));
		return;
	}
	c->args = xcalloc(map->nkids / 2 + 1, sizeof *c->args);
	for (i = 0; i + 1 < map->nkids; i += 2) {
		k = map->kids[i];
		v = map->kids[i + 1];
		if (k->type != YN_SCALAR || check_var_name(l, k,
		    "argument") != 0)
			continue;
		if (v->type != YN_SCALAR || ynode_null(v)) {
			wf_error(&l->errs, &v->mark, "argument '%s' must be a "
			    "string, not %s", k->s, ynode_kind(v));
			continue;
		}
		if (check_template(l, v) != 0)
			continue;
		kv = &c->args[c->nargs++];
		kv->key = xstrdup(k->s);
		kv->value = xstrdup(v->s);
		kv->mark = v->mark;
	}
}

static void
load_call(struct loader *l, const struct ynode *e, size_t number)
{
	struct workflow		*wf = l->wf;
	struct wf_call		*c;
	const struct ynode	*v, *w;
	char			*ctx;

	if (e->type != YN_MAP) {
		wf_error(&l->errs, &e->mark, "each entry of 'main' must be a "
		    "mapping, not %s", ynode_kind(e));
		return;
	}
	c = &wf->calls[wf->ncalls++];
	c->mark = e->mark;
	c->retries = -1;
	if ((v = ynode_get(e, "id")) == NULL) {
		wf_error(&l->errs, &e->mark, "missing 'id' in main entry %zu",
		    number);
	} else if (get_string(l, v, "'id'", &c->id) == 0 &&
	    !is_name(c->id, 1)) {
		wf_error(&l->errs, &v->mark, "invalid task id '%s' (letters, "
		    "digits, '_' and '-', not starting with a digit or '-')",
		    c->id);
	}
	if (c->id != NULL)
		ctx = xprintf("in task '%s'", c->id);
	else
		ctx = xprintf("in main entry %zu", number);
	check_keys(l, e, call_keys, ctx);
	if ((v = ynode_get(e, "app")) == NULL)
		wf_error(&l->errs, &e->mark, "missing 'app' %s", ctx);
	else if (get_string(l, v, "'app'", &c->app) == 0)
		c->app_mark = v->mark;
	free(ctx);

	if (l->total_tasks >= (size_t)wf->max_tasks) {
		if (!l->too_many_told++)
			wf_error(&l->errs, &e->mark, "main gives more than %d "
			    "tasks%s", wf->max_tasks, MAX_TASKS_HINT);
		return;
	}
	l->total_tasks++;
	load_settings(l, c, e);
	if ((v = ynode_get(e, "args")) != NULL)
		load_args(l, c, v);
	if ((v = ynode_get(e, "foreach")) != NULL)
		load_foreach(l, c, v, 0);
	if ((w = ynode_get(e, "zip")) != NULL && v != NULL)
		wf_error(&l->errs, &w->mark, "an entry has 'foreach' or 'zip', "
		    "not both");
	else if (w != NULL)
		load_foreach(l, c, w, 1);
	v = ynode_get(e, "exclude");
	w = ynode_get(e, "include");
	if ((v != NULL || w != NULL) && !wf_errors_full(&l->errs))
		matrix_edit(l, c, v, w);
	if ((v = ynode_get(e, "inputs")) != NULL)
		load_strs(l, v, "inputs", 1, &c->inputs, &c->ninputs);
	if ((v = ynode_get(e, "outputs")) != NULL)
		load_strs(l, v, "outputs", 1, &c->outputs, &c->noutputs);
	if ((v = ynode_get(e, "needs")) != NULL)
		load_strs(l, v, "needs", 1, &c->needs, &c->nneeds);
}

void
load_main(struct loader *l, const struct ynode *seq, const struct ynode *key)
{
	struct workflow	*wf = l->wf;
	size_t		 i;

	wf->has_main = 1;
	if (seq->type != YN_SEQ && !ynode_null(seq)) {
		wf_error(&l->errs, &seq->mark, "'main' must be a list, not %s",
		    ynode_kind(seq));
		return;
	}
	if (ynode_null(seq) || seq->nkids == 0) {
		wf_error(&l->errs, &key->mark, "'main' is empty: nothing to "
		    "run");
		return;
	}
	wf->calls = xcalloc(seq->nkids, sizeof *wf->calls);
	for (i = 0; i < seq->nkids; i++) {
		load_call(l, seq->kids[i], i + 1);
		if (wf_errors_full(&l->errs))
			break;
	}
}

void
check_call_apps(struct loader *l)
{
	struct workflow	*wf = l->wf;
	struct wf_call		*c;
	struct wf_suggest	 hint;
	const char		*best;
	size_t			 i, j;

	for (i = 0; i < wf->ncalls; i++) {
		c = &wf->calls[i];
		if (c->app == NULL || workflow_find_app(wf, c->app) != NULL)
			continue;
		wf_suggest_init(&hint, c->app);
		for (j = 0; j < wf->napps; j++)
			wf_suggest_try(&hint, wf->apps[j].name);
		if ((best = wf_suggest_best(&hint)) != NULL) {
			wf_error(&l->errs, &c->app_mark, "unknown app '%s' "
			    "(did you mean '%s'?)", c->app, best);
		} else
			wf_error(&l->errs, &c->app_mark, "unknown app '%s'",
			    c->app);
	}
}
