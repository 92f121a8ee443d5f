/*
 * table.c: aligned text tables for the terminal, as "weft runs" and
 * "weft tasks" print them.  Called by cmd-runs.c and cmd-tasks.c.
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weft.h"

/*
 * Tables: columns get the width of their widest cell, at least their
 * title's and their minimum; two spaces between columns; the last column
 * is not padded.  Cells are added row by row, left to right.
 */
void
table_init(struct table *t, const struct table_col *cols, size_t ncols)
{
	size_t	 i;

	memset(t, 0, sizeof *t);
	t->ncols = ncols;
	t->cols = xreallocarray(NULL, ncols, sizeof *t->cols);
	memcpy(t->cols, cols, ncols * sizeof *cols);
	for (i = 0; i < ncols; i++) {
		if (t->cols[i].width < strlen(cols[i].title))
			t->cols[i].width = strlen(cols[i].title);
	}
}

/* Display width: UTF-8 continuation bytes take no column. */
static size_t
table_width(const char *s)
{
	size_t	 n = 0;

	for (; *s != '\0'; s++) {
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	}
	return n;
}

void
table_cell(struct table *t, const char *fmt, ...)
{
	va_list	 ap;
	char	*s;
	size_t	 col, w;

	if (t->ncells == t->cap) {
		t->cap = t->cap == 0 ? 64 : t->cap * 2;
		t->cells = xreallocarray(t->cells, t->cap, sizeof *t->cells);
	}
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) == -1) {
		fprintf(stderr, "%s: out of memory\n", weft_prog);
		exit(EXIT_INTERNAL);
	}
	va_end(ap);
	col = t->ncells % t->ncols;
	if ((w = table_width(s)) > t->cols[col].width)
		t->cols[col].width = w;
	t->cells[t->ncells++] = s;
}

static void
table_put(FILE *f, const struct table_col *c, const char *s, int last)
{
	size_t	 pad, w = table_width(s);

	pad = c->width > w ? c->width - w : 0;
	if (c->right)
		fprintf(f, "%*s%s", (int)pad, "", s);
	else if (last)
		fputs(s, f);
	else
		fprintf(f, "%s%*s", s, (int)pad, "");
	fputs(last ? "\n" : "  ", f);
}

void
table_print(const struct table *t, FILE *f)
{
	size_t	 i, col;

	for (col = 0; col < t->ncols; col++)
		table_put(f, &t->cols[col], t->cols[col].title,
		    col == t->ncols - 1);
	for (i = 0; i + t->ncols <= t->ncells; i += t->ncols) {
		for (col = 0; col < t->ncols; col++)
			table_put(f, &t->cols[col], t->cells[i + col],
			    col == t->ncols - 1);
	}
}

void
table_free(struct table *t)
{
	size_t	 i;

	for (i = 0; i < t->ncells; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t->cols);
	memset(t, 0, sizeof *t);
}
