/*
 * workflow-matrix.c: the combinations of an entry's foreach values when
 * they are not simply all of them, for the main body (workflow-main.c,
 * the only caller: this file is inside its guard).
 *
 *   zip: {a: [...], b: [...]}     the lists walked in step, as GNU
 *                                 parallel's --link: a[0] with b[0], ...
 *   foreach: [{os: x, cc: y}, ...] the combinations listed, one a mapping
 *   exclude: [{os: x, cc: y}]     takes out every combination that has
 *                                 all of an entry's values
 *   include: [{os: x, cc: z}]     adds one combination, with values of
 *                                 its own if need be
 *
 * as GitHub Actions' matrix does (exclude first, then include; an include
 * gives every key).  The combinations are then listed in the entry
 * (wf_call.combos), each a value index per key.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weft.h"
#include "workflow.h"

/* Every call's combinations listed: index I of each key for task I. */
void
matrix_diagonal(struct wf_call *c, size_t n)
{
	size_t	 i, k;

	c->combos = xreallocarray(NULL, n * c->nforeach + 1,
	    sizeof *c->combos);
	for (i = 0; i < n; i++) {
		for (k = 0; k < c->nforeach; k++)
			c->combos[i * c->nforeach + k] = (uint32_t)i;
	}
	c->ncombos = n;
}

/* The keys of C, "os, cc", for messages. */
static char *
key_list(const struct wf_call *c)
{
	char	*s = xstrdup(""), *t;
	size_t	 k;

	for (k = 0; k < c->nforeach; k++) {
		t = xprintf("%s%s%s", s, k > 0 ? ", " : "", c->foreach[k].key);
		free(s);
		s = t;
	}
	return s;
}

/* A value of a combination: a string or a number, and printable. */
static int
matrix_value(struct loader *l, const struct ynode *v)
{
	if (v->type != YN_SCALAR || ynode_null(v)) {
		wf_error(&l->errs, &v->mark, "a combination's values must be "
		    "strings or numbers, not %s", ynode_kind(v));
		return -1;
	}
	if (has_control(v->s)) {
		wf_error(&l->errs, &v->mark, "a combination's values must not "
		    "contain control characters");
		return -1;
	}
	return 0;
}

/*
 * foreach: a list of mappings, each one combination.  The keys are the
 * first mapping's, and every other gives the same.
 */
void
matrix_list(struct loader *l, struct wf_call *c, const struct ynode *seq)
{
	const struct ynode	*first, *m, *k;
	struct wf_foreach	*fe;
	size_t			 n = seq->nkids, i, j, nkeys;
	int			 bad = 0;

	if (n == 0) {
		wf_error(&l->errs, &seq->mark, "'foreach' is an empty list");
		return;
	}
	first = seq->kids[0];
	if (first->type != YN_MAP || first->nkids == 0) {
		wf_error(&l->errs, &first->mark, "each combination of "
		    "'foreach' must be a mapping of its values, not %s",
		    ynode_kind(first));
		return;
	}
	nkeys = first->nkids / 2;
	for (j = 0; j < nkeys; j++) {
		k = first->kids[2 * j];
		if (k->type != YN_SCALAR || !is_name(k->s, 1)) {
			wf_error(&l->errs, &k->mark, "invalid foreach name "
			    "'%s' (letters, digits, '_' and '-', not starting "
			    "with a digit or '-')", k->type == YN_SCALAR ?
			    k->s : "");
			return;
		}
		for (i = 0; i < c->nargs; i++) {
			if (strcmp(c->args[i].key, k->s) == 0) {
				wf_error(&l->errs, &k->mark, "'%s' is both a "
				    "foreach key and an argument", k->s);
				return;
			}
		}
	}
	for (i = 0; i < n; i++) {
		m = seq->kids[i];
		if (m->type != YN_MAP || m->nkids / 2 != nkeys) {
			wf_error(&l->errs, &m->mark, "each combination of "
			    "'foreach' must be a mapping of the same %zu keys "
			    "as the first", nkeys);
			bad = 1;
			continue;
		}
		for (j = 0; j < nkeys; j++) {
			k = ynode_get(m, first->kids[2 * j]->s);
			if (k == NULL) {
				wf_error(&l->errs, &m->mark, "this combination "
				    "has no '%s', which the first has",
				    first->kids[2 * j]->s);
				bad = 1;
			} else if (matrix_value(l, k) != 0)
				bad = 1;
		}
	}
	if (bad)
		return;
	if (n > (size_t)l->wf->max_tasks ||
	    l->total_tasks - 1 + n > (size_t)l->wf->max_tasks) {
		wf_error(&l->errs, &seq->mark, "foreach gives more than %d "
		    "tasks (config.max_tasks sets the limit)",
		    l->wf->max_tasks);
		return;
	}
	l->total_tasks += n - 1;
	c->foreach = xcalloc(nkeys, sizeof *c->foreach);
	for (j = 0; j < nkeys; j++) {
		fe = &c->foreach[c->nforeach++];
		fe->key = xstrdup(first->kids[2 * j]->s);
		fe->mark = first->kids[2 * j]->mark;
		fe->values = xcalloc(n, sizeof *fe->values);
		for (i = 0; i < n; i++)
			fe->values[i] = xstrdup(ynode_get(seq->kids[i],
			    fe->key)->s);
		fe->nvalues = n;
	}
	matrix_diagonal(c, n);
}

/* Lists every combination of the cross product, the last key fastest. */
static void
matrix_expand(struct wf_call *c)
{
	size_t	 n = 1, i, k, ord;

	if (c->combos != NULL)
		return;
	for (k = 0; k < c->nforeach; k++)
		n *= c->foreach[k].nvalues;
	c->combos = xreallocarray(NULL, n * c->nforeach + 1,
	    sizeof *c->combos);
	for (i = 0; i < n; i++) {
		ord = i;
		for (k = c->nforeach; k-- > 0;) {
			c->combos[i * c->nforeach + k] =
			    (uint32_t)(ord % c->foreach[k].nvalues);
			ord /= c->foreach[k].nvalues;
		}
	}
	c->ncombos = n;
}

/* The foreach key NAME of C, or -1 with the error said at K. */
static long
matrix_key(struct loader *l, const struct wf_call *c, const struct ynode *k,
    const char *what)
{
	struct wf_suggest	 hint;
	const char		*best;
	char			*keys;
	size_t			 i;

	if (k->type == YN_SCALAR) {
		for (i = 0; i < c->nforeach; i++) {
			if (strcmp(c->foreach[i].key, k->s) == 0)
				return (long)i;
		}
	}
	wf_suggest_init(&hint, k->type == YN_SCALAR ? k->s : "");
	for (i = 0; i < c->nforeach; i++)
		wf_suggest_try(&hint, c->foreach[i].key);
	best = wf_suggest_best(&hint);
	keys = key_list(c);
	if (best != NULL)
		wf_error(&l->errs, &k->mark, "%s names '%s', which is not a "
		    "foreach key (did you mean '%s'?)", what, k->type ==
		    YN_SCALAR ? k->s : "", best);
	else
		wf_error(&l->errs, &k->mark, "%s names '%s', which is not a "
		    "foreach key (%s)", what, k->type == YN_SCALAR ? k->s : "",
		    keys);
	free(keys);
	return -1;
}

/* The index of VALUE among the values of FE, or -1. */
static long
value_index(const struct wf_foreach *fe, const char *value)
{
	size_t	 i;

	for (i = 0; i < fe->nvalues; i++) {
		if (strcmp(fe->values[i], value) == 0)
			return (long)i;
	}
	return -1;
}

/* exclude: takes out the combinations that have an entry's values. */
static int
matrix_exclude(struct loader *l, struct wf_call *c, const struct ynode *seq)
{
	const struct ynode	*m;
	long			*want, key, idx;
	size_t			 e, j, i, kept, matched;
	uint32_t		*combo;
	int			 bad = 0;

	want = xcalloc(c->nforeach, sizeof *want);
	for (e = 0; e < seq->nkids; e++) {
		m = seq->kids[e];
		if (m->type != YN_MAP || m->nkids == 0) {
			wf_error(&l->errs, &m->mark, "each entry of 'exclude' "
			    "must be a mapping of foreach values, not %s",
			    ynode_kind(m));
			bad = 1;
			continue;
		}
		for (j = 0; j < c->nforeach; j++)
			want[j] = -2;		/* any value */
		for (j = 0; j + 1 < m->nkids; j += 2) {
			if ((key = matrix_key(l, c, m->kids[j],
			    "'exclude'")) < 0 ||
			    matrix_value(l, m->kids[j + 1]) != 0) {
				bad = 1;
				break;
			}
			/* A value the key does not have matches nothing. */
			idx = value_index(&c->foreach[key], m->kids[j + 1]->s);
			want[key] = idx;
		}
		if (j + 1 < m->nkids)
			continue;
		for (i = kept = matched = 0; i < c->ncombos; i++) {
			combo = &c->combos[i * c->nforeach];
			for (j = 0; j < c->nforeach; j++) {
				if (want[j] != -2 && want[j] != (long)combo[j])
					break;
			}
			if (j == c->nforeach) {
				matched++;
				continue;
			}
			memmove(&c->combos[kept++ * c->nforeach], combo,
			    c->nforeach * sizeof *combo);
		}
		c->ncombos = kept;
		if (matched == 0) {
			wf_error(&l->errs, &m->mark, "this entry of 'exclude' "
			    "matches no combination");
			bad = 1;
		}
	}
	free(want);
	return bad ? -1 : 0;
}

/* Appends VALUE to FE's values; a range's become strings of their own. */
static long
value_add(struct wf_foreach *fe, const char *value)
{
	size_t	 i;

	if (fe->text != NULL) {
		for (i = 0; i < fe->nvalues; i++)
			fe->values[i] = xstrdup(fe->values[i]);
		free(fe->text);
		fe->text = NULL;
		fe->range = 0;
	}
	fe->values = xreallocarray(fe->values, fe->nvalues + 1,
	    sizeof *fe->values);
	fe->values[fe->nvalues] = xstrdup(value);
	return (long)fe->nvalues++;
}

/* include: adds a combination per entry, each giving every key. */
static int
matrix_include(struct loader *l, struct wf_call *c, const struct ynode *seq)
{
	const struct ynode	*m, *v;
	struct wf_foreach	*fe;
	uint32_t		*add;
	char			*keys;
	size_t			 e, j, i;
	long			 idx;
	int			 bad = 0;

	add = xcalloc(c->nforeach, sizeof *add);
	for (e = 0; e < seq->nkids; e++) {
		m = seq->kids[e];
		if (m->type != YN_MAP || m->nkids / 2 != c->nforeach) {
			keys = key_list(c);
			wf_error(&l->errs, &m->mark, "each entry of 'include' "
			    "must be a mapping with a value for every foreach "
			    "key (%s)", keys);
			free(keys);
			bad = 1;
			continue;
		}
		for (j = 0; j + 1 < m->nkids; j += 2) {
			if (matrix_key(l, c, m->kids[j], "'include'") < 0 ||
			    matrix_value(l, m->kids[j + 1]) != 0)
				break;
		}
		if (j + 1 < m->nkids) {
			bad = 1;
			continue;
		}
		for (j = 0; j < c->nforeach; j++) {
			fe = &c->foreach[j];
			v = ynode_get(m, fe->key);
			if ((idx = value_index(fe, v->s)) < 0 &&
			    fe->nfields > 0) {
				wf_error(&l->errs, &v->mark, "'include' cannot "
				    "add the value '%s' to '%s', whose values "
				    "are read from data", v->s, fe->key);
				break;
			}
			add[j] = (uint32_t)(idx >= 0 ? idx : value_add(fe,
			    v->s));
		}
		if (j < c->nforeach) {
			bad = 1;
			continue;
		}
		for (i = 0; i < c->ncombos; i++) {
			if (memcmp(&c->combos[i * c->nforeach], add,
			    c->nforeach * sizeof *add) == 0)
				break;
		}
		if (i < c->ncombos)
			continue;	/* there already */
		c->combos = xreallocarray(c->combos, (c->ncombos + 1) *
		    c->nforeach + 1, sizeof *c->combos);
		memcpy(&c->combos[c->ncombos++ * c->nforeach], add,
		    c->nforeach * sizeof *add);
	}
	free(add);
	return bad ? -1 : 0;
}

/*
 * exclude and include of entry C (either may be NULL), once its foreach
 * or zip is loaded.
 */
void
matrix_edit(struct loader *l, struct wf_call *c, const struct ynode *exclude,
    const struct ynode *include)
{
	const struct ynode	*v = exclude != NULL ? exclude : include;
	size_t			 before;

	if (c->nforeach == 0) {
		wf_error(&l->errs, &v->mark, "'%s' needs a foreach or a zip "
		    "to take combinations from", v == exclude ? "exclude" :
		    "include");
		return;
	}
	if ((exclude != NULL && exclude->type != YN_SEQ) ||
	    (include != NULL && include->type != YN_SEQ)) {
		v = exclude != NULL && exclude->type != YN_SEQ ? exclude :
		    include;
		wf_error(&l->errs, &v->mark, "'%s' must be a list of "
		    "mappings, not %s", v == exclude ? "exclude" : "include",
		    ynode_kind(v));
		return;
	}
	matrix_expand(c);
	before = c->ncombos;
	if (exclude != NULL && matrix_exclude(l, c, exclude) != 0)
		return;
	if (include != NULL && matrix_include(l, c, include) != 0)
		return;
	if (c->ncombos == 0) {
		wf_error(&l->errs, &exclude->mark, "'exclude' takes out every "
		    "combination: no task is left");
		return;
	}
	if (c->ncombos > before && l->total_tasks + (c->ncombos - before) >
	    (size_t)l->wf->max_tasks) {
		wf_error(&l->errs, &include->mark, "include gives more than "
		    "%d tasks (config.max_tasks sets the limit)",
		    l->wf->max_tasks);
		return;
	}
	l->total_tasks = l->total_tasks + c->ncombos - before;
}
