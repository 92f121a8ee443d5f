/*
 * diag.c: what goes wrong in a workflow file, said well.  Error lists
 * gather "file:line:col: message" lines, sorted by position and capped at
 * WF_MAX_ERRORS; "did you mean" hints find the known name nearest to an
 * unknown one.  Used by the loader (ytree.c, workflow.c, workflow-main.c),
 * by dag_build and dag_check_paths, and by plugins_load.
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weft.h"


void
wf_errors_init(struct wf_errors *e, const char *display)
{
	memset(e, 0, sizeof *e);
	e->display = display;
}

/*
 * An error is one line: control characters in it, which can only come
 * from the file's own text, are written as escapes ("\n", "\x01").
 */
static char *
escape_controls(char *s)
{
	static const char	 hex[] = "0123456789abcdef";
	unsigned char		 c;
	char			*out, *o;
	const char		*p;
	size_t			 n = 0;

	for (p = s; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			n++;
	}
	if (n == 0)
		return s;
	out = o = xmalloc(strlen(s) + 3 * n + 1);
	for (p = s; *p != '\0'; p++) {
		c = *p;
		if (c >= 0x20 && c != 0x7f) {
			*o++ = c;
			continue;
		}
		*o++ = '\\';
		if (c == '\n')
			*o++ = 'n';
		else if (c == '\t')
			*o++ = 't';
		else {
			*o++ = 'x';
			*o++ = hex[c >> 4];
			*o++ = hex[c & 0xf];
		}
	}
	*o = '\0';
	free(s);
	return out;
}

void
wf_error(struct wf_errors *e, const struct wf_mark *mark, const char *fmt,
    ...)
{
	va_list		 ap;
	struct wf_error	*er;

	if (e->n >= WF_MAX_ERRORS) {
		e->overflow = 1;
		return;
	}
	e->v = xreallocarray(e->v, e->n + 1, sizeof *e->v);
	er = &e->v[e->n];
	memset(er, 0, sizeof *er);
	if (mark != NULL)
		er->mark = *mark;
	er->seq = e->n++;
	va_start(ap, fmt);
	if (vasprintf(&er->msg, fmt, ap) == -1)
		er->msg = xstrdup("out of memory");
	va_end(ap);
	er->msg = escape_controls(er->msg);
}

int
wf_errors_full(const struct wf_errors *e)
{
	return e->overflow;
}

static int
error_cmp(const void *a, const void *b)
{
	const struct wf_error	*x = a, *y = b;
	int			 c;

	/* The workflow file's first, then each included file's. */
	if (x->mark.file != y->mark.file) {
		if (x->mark.file == NULL || y->mark.file == NULL)
			return x->mark.file == NULL ? -1 : 1;
		if ((c = strcmp(x->mark.file, y->mark.file)) != 0)
			return c;
	}
	if (x->mark.line != y->mark.line)
		return x->mark.line < y->mark.line ? -1 : 1;
	if (x->mark.col != y->mark.col)
		return x->mark.col < y->mark.col ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

char *
wf_errors_take(struct wf_errors *e)
{
	char	*out = NULL, *line, *tmp;
	size_t	 i;

	if (e->n == 0)
		return NULL;
	qsort(e->v, e->n, sizeof *e->v, error_cmp);
	for (i = 0; i < e->n; i++) {
		if (e->v[i].mark.line > 0) {
			line = xprintf("%s:%d:%d: %s", e->v[i].mark.file !=
			    NULL ? e->v[i].mark.file : e->display,
			    e->v[i].mark.line, e->v[i].mark.col, e->v[i].msg);
		} else if (e->v[i].mark.line < 0)
			line = xprintf("%s: %s", weft_prog, e->v[i].msg);
		else
			line = xprintf("%s: %s", e->display, e->v[i].msg);
		if (out == NULL)
			out = line;
		else {
			tmp = xprintf("%s\n%s", out, line);
			free(out);
			free(line);
			out = tmp;
		}
		free(e->v[i].msg);
	}
	if (e->overflow) {
		tmp = xprintf("%s\n%s: too many errors, stopped after %d", out,
		    e->display, WF_MAX_ERRORS);
		free(out);
		out = tmp;
	}
	free(e->v);
	e->v = NULL;
	e->n = 0;
	e->overflow = 0;
	return out;
}

/*
 * The optimal string alignment distance: insertions, deletions,
 * substitutions and swaps of neighbours, each one edit, as typos are.
 * Names longer than 64 bytes are never near anything.
 */
size_t
wf_distance(const char *a, const char *b)
{
	size_t	 la = strlen(a), lb = strlen(b), i, j, d;
	size_t	 m[65][65];

	if (la > 64 || lb > 64)
		return SIZE_MAX;
	for (i = 0; i <= la; i++)
		m[i][0] = i;
	for (j = 0; j <= lb; j++)
		m[0][j] = j;
	for (i = 1; i <= la; i++) {
		for (j = 1; j <= lb; j++) {
			d = m[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
			if (m[i - 1][j] + 1 < d)
				d = m[i - 1][j] + 1;
			if (m[i][j - 1] + 1 < d)
				d = m[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && m[i - 2][j - 2] + 1 < d)
				d = m[i - 2][j - 2] + 1;
			m[i][j] = d;
		}
	}
	return m[la][lb];
}

void
wf_suggest_init(struct wf_suggest *s, const char *name)
{
	s->name = name;
	s->best = NULL;
	s->bestd = SIZE_MAX;
}

void
wf_suggest_try(struct wf_suggest *s, const char *candidate)
{
	size_t	 d;

	if (candidate == NULL)
		return;
	if ((d = wf_distance(s->name, candidate)) < s->bestd) {
		s->bestd = d;
		s->best = candidate;
	}
}

/*
 * One edit in a name of up to four bytes, two in a longer one: more and
 * the hint names something else ("defs" is not a typo of "weft").  A
 * one-byte name is near every other short name, so it gets none.
 */
const char *
wf_suggest_best(const struct wf_suggest *s)
{
	size_t	 len = strlen(s->name);

	if (s->best == NULL || s->bestd == 0 || s->bestd >= len ||
	    s->bestd > (len <= 4 ? 1 : 2))
		return NULL;
	return s->best;
}

const char *
wf_suggest_said(const struct wf_suggest *s, char *buf, size_t len)
{
	const char	*best = wf_suggest_best(s);

	if (best == NULL)
		return "";
	snprintf(buf, len, " (did you mean '%s'?)", best);
	return buf;
}
