/*
 * workflow-table.c: {table: FILE}, a foreach variable whose values are the
 * records of a sample sheet, for workflow-data.c (inside the main body's
 * guard, like it).
 *
 * FILE is CSV (RFC 4180: quoted fields may hold commas, quotes doubled
 * and line ends), TSV when its name ends in .tsv or .tab (fields split at
 * tabs, no quoting), or a list of mappings in JSON (.json) or YAML (.yaml,
 * .yml).  The header of a CSV or TSV file, or the keys of the first
 * mapping, name the columns, each a name that {VAR.COLUMN} can reach; the
 * value of a record is its first column's, which names its task
 * (qc[s=A]).  Every record has every column, and nothing else.  A CSV or
 * TSV file is split in place, its fields pointing into the block it was
 * read into; the records of JSON and YAML are copied into one block.
 * Every bad record is reported at its file and line.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "weft.h"
#include "workflow.h"

/* The records being read, before they move to the foreach variable. */
struct sheet {
	struct loader		*l;
	const struct ynode	*src;	/* the file name, for the errors */
	const char		*name;	/* as written */
	const char		**cols;
	size_t			 ncols;
	char			**cells;	/* record R's column C */
	size_t			 ncells, cap;	/* at R * ncols + C */
	size_t			 nrecords;
	size_t			 col;	/* of the next cell */
};

static void
sheet_error(struct sheet *t, long line, const char *fmt, ...)
    printflike(3, 4);

/* An error at LINE of the table's file (0: the file as a whole). */
static void
sheet_error(struct sheet *t, long line, const char *fmt, ...)
{
	va_list	 ap;
	char	*msg;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) == -1)
		msg = NULL;
	va_end(ap);
	if (line > 0)
		wf_error(&t->l->errs, &t->src->mark, "%s:%ld: %s", t->name,
		    line, msg != NULL ? msg : "bad record");
	else
		wf_error(&t->l->errs, &t->src->mark, "%s: %s", t->name,
		    msg != NULL ? msg : "bad table");
	free(msg);
}

/* A column name, checked: a name, not twice. */
static int
sheet_column(struct sheet *t, const char *name, long line)
{
	size_t	 i;

	if (!is_name(name, 1)) {
		sheet_error(t, line, "column '%s' is not a name that {VAR."
		    "COLUMN} can reach (letters, digits, '_' and '-', not "
		    "starting with a digit or '-')", name);
		return -1;
	}
	for (i = 0; i < t->ncols; i++) {
		if (strcmp(t->cols[i], name) == 0) {
			sheet_error(t, line, "column '%s' is named twice",
			    name);
			return -1;
		}
	}
	t->cols = xreallocarray(t->cols, t->ncols + 1, sizeof *t->cols);
	t->cols[t->ncols++] = name;
	return 0;
}

/* A cell of the record being read; -1 past the task limit. */
static int
sheet_cell(struct sheet *t, char *value, long line)
{
	int	 first = t->col == 0;

	if (first && t->nrecords >= (size_t)t->l->wf->max_tasks) {
		sheet_error(t, 0, "more than %d records (config.max_tasks "
		    "sets the limit)", t->l->wf->max_tasks);
		return -1;
	}
	if (has_control(value)) {
		sheet_error(t, line, "a value must not contain control "
		    "characters");
		return -1;
	}
	if (first && *value == '\0') {
		sheet_error(t, line, "the first column, which names the task, "
		    "is empty");
		return -1;
	}
	if (t->ncells == t->cap) {
		t->cap = t->cap > 0 ? t->cap * 2 : 64;
		t->cells = xreallocarray(t->cells, t->cap, sizeof *t->cells);
	}
	t->cells[t->ncells++] = value;
	if (++t->col == t->ncols) {
		t->col = 0;
		t->nrecords++;
	}
	return 0;
}

/* CSV and TSV */

struct csv {
	char		*p, *end;
	long		 line;		/* of p */
	char		 sep;
	int		 quotes;	/* CSV: fields may be quoted */
};

/*
 * The next field, unquoted in place and NUL-ended, in *FIELD; *LAST says
 * whether it ends its record.  Returns 0, 1 at the end of the input, or
 * -1 with the error said.
 */
static int
csv_next(struct sheet *t, struct csv *cs, char **field, int *last)
{
	char	*r = cs->p, *w;
	long	 start = cs->line;

	if (r >= cs->end)
		return 1;
	*field = w = r;
	if (cs->quotes && *r == '"') {
		for (r++;; r++) {
			if (r >= cs->end) {
				sheet_error(t, start, "a quoted field never "
				    "ends");
				return -1;
			}
			if (*r == '"' && r + 1 < cs->end && r[1] == '"')
				r++;
			else if (*r == '"')
				break;
			else if (*r == '\n')
				cs->line++;
			*w++ = *r;
		}
		r++;
		if (r < cs->end && *r == '\r' && r + 1 < cs->end &&
		    r[1] == '\n')
			r++;
		if (r < cs->end && *r != cs->sep && *r != '\n') {
			sheet_error(t, cs->line, "text after a closing quote "
			    "(a quote inside a quoted field is written "
			    "\"\")");
			return -1;
		}
	} else {
		while (r < cs->end && *r != cs->sep && *r != '\n')
			r++;
		w = r;
		if (w > *field && w[-1] == '\r' && (r >= cs->end ||
		    *r == '\n'))
			w--;
	}
	*last = r >= cs->end || *r == '\n';
	if (r < cs->end && *r++ == '\n')
		cs->line++;
	*w = '\0';
	cs->p = r;
	return 0;
}

/* Room for the cells of the lines from P to END, at most the limit. */
static void
presize(struct sheet *t, const char *p, const char *end)
{
	size_t	 lines = 1;

	while (p < end && (p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		lines++;
		p++;
	}
	if (lines > (size_t)t->l->wf->max_tasks)
		lines = (size_t)t->l->wf->max_tasks;
	t->cap = lines * t->ncols;
	/* Only the header was read: no cell yet.  Big: huge pages. */
	free(t->cells);
	t->cells = xcalloc_big(t->cap, sizeof *t->cells);
}

static int
sheet_csv(struct sheet *t, char *buf, size_t len, char sep)
{
	struct csv	 cs = { buf, buf + len, 1, sep, sep == ',' };
	char		*field;
	long		 line;
	size_t		 n;
	int		 rc, last = 1, header = 1;

	for (;;) {
		line = cs.line;
		n = 0;
		do {
			if ((rc = csv_next(t, &cs, &field, &last)) != 0)
				break;
			/* A blank line holds no record. */
			if (n == 0 && last && *field == '\0')
				continue;
			if (header)
				rc = sheet_column(t, field, line);
			else if (n < t->ncols)
				rc = sheet_cell(t, field, line);
			n++;
		} while (rc == 0 && !last);
		if (rc == -1)
			return -1;
		if (n > 0 && header) {
			header = 0;
			presize(t, cs.p, cs.end);
		} else if (n > 0 && n != t->ncols) {
			sheet_error(t, line, "%zu field%s, where the header "
			    "has %zu", n, n == 1 ? "" : "s", t->ncols);
			return -1;
		}
		if (rc == 1)
			break;
	}
	if (t->ncols == 0) {
		sheet_error(t, 0, "no header line");
		return -1;
	}
	return 0;
}

/* JSON and YAML: records copied into one block, with their columns. */

/* The text of a JSON scalar, NULL for anything else; caller frees. */
static char *
json_scalar(const json_t *v)
{
	if (json_is_string(v))
		return xstrdup(json_string_value(v));
	if (json_is_integer(v))
		return xprintf("%" JSON_INTEGER_FORMAT, json_integer_value(v));
	if (json_is_real(v))
		return xprintf("%.17g", json_real_value(v));
	return NULL;
}

static int
sheet_json(struct sheet *t, const char *buf, size_t len)
{
	json_error_t	 jerr;
	json_t		*root, *rec, *v;
	const char	*key;
	char		*s;
	size_t		 i, c;
	int		 rc = 0;

	if ((root = json_loadb(buf, len, 0, &jerr)) == NULL) {
		sheet_error(t, jerr.line, "%s", jerr.text);
		return -1;
	}
	if (!json_is_array(root) || json_array_size(root) == 0 ||
	    !json_is_object(json_array_get(root, 0))) {
		sheet_error(t, 0, "must be a list of mappings, one a record");
		json_decref(root);
		return -1;
	}
	json_object_foreach(json_array_get(root, 0), key, v) {
		s = xstrdup(key);
		if ((rc = sheet_column(t, s, 0)) != 0) {
			free(s);
			break;
		}
	}
	json_array_foreach(root, i, rec) {
		if (rc != 0)
			break;
		if (!json_is_object(rec) || json_object_size(rec) !=
		    t->ncols) {
			sheet_error(t, 0, "record %zu is not a mapping of the "
			    "%zu columns of record 1", i + 1, t->ncols);
			rc = -1;
			break;
		}
		for (c = 0; c < t->ncols && rc == 0; c++) {
			v = json_object_get(rec, t->cols[c]);
			if ((s = json_scalar(v)) == NULL) {
				sheet_error(t, 0, "record %zu: '%s' %s", i + 1,
				    t->cols[c], v == NULL ? "is missing" :
				    "must be a string or a number");
				rc = -1;
			} else if ((rc = sheet_cell(t, s, 0)) != 0)
				free(s);
		}
	}
	json_decref(root);
	return rc;
}

static int
sheet_yaml(struct sheet *t, const char *path)
{
	struct ytree		 y;
	struct wf_errors	 errs;
	const struct ynode	*rec, *k, *v;
	const char		*why;
	char			*msg;
	size_t			 i, c;
	int			 fd, rc = 0;

	if ((fd = ytree_open(path, &why)) == -1) {
		sheet_error(t, 0, "cannot be read: %s", why != NULL ? why :
		    strerror(errno));
		return -1;
	}
	memset(&y, 0, sizeof y);
	wf_errors_init(&errs, t->name);
	y.errs = &errs;
	y.fd = fd;
	strmap_init(&y.amap, 16);
	if (ytree_build(&y) == -1) {
		msg = wf_errors_take(&errs);
		wf_error(&t->l->errs, &t->src->mark, "%s", msg != NULL ? msg :
		    "cannot be read");
		free(msg);
		rc = -1;
	} else if (y.root == NULL || y.root->type != YN_SEQ ||
	    y.root->nkids == 0 || y.root->kids[0]->type != YN_MAP) {
		sheet_error(t, 0, "must be a list of mappings, one a record");
		rc = -1;
	}
	for (i = 0; rc == 0 && i < y.root->kids[0]->nkids; i += 2) {
		k = y.root->kids[0]->kids[i];
		msg = xstrdup(k->type == YN_SCALAR ? k->s : "");
		if ((rc = sheet_column(t, msg, k->mark.line)) != 0)
			free(msg);
	}
	for (i = 0; rc == 0 && i < y.root->nkids; i++) {
		rec = y.root->kids[i];
		if (rec->type != YN_MAP || rec->nkids / 2 != t->ncols) {
			sheet_error(t, rec->mark.line, "a record must be a "
			    "mapping of the %zu columns of the first",
			    t->ncols);
			rc = -1;
			break;
		}
		for (c = 0; c < t->ncols && rc == 0; c++) {
			v = ynode_get(rec, t->cols[c]);
			if (v == NULL || v->type != YN_SCALAR) {
				sheet_error(t, rec->mark.line, "'%s' %s",
				    t->cols[c], v == NULL ? "is missing" :
				    "must be a string or a number");
				rc = -1;
			} else {
				msg = xstrdup(v->s);
				rc = sheet_cell(t, msg, v->mark.line);
				if (rc != 0)
					free(msg);
			}
		}
	}
	ytree_free(&y);
	free(wf_errors_take(&errs));
	close(fd);
	return rc;
}

/* Whether NAME ends in SUFFIX. */
static int
ends_with(const char *name, const char *suffix)
{
	size_t	 n = strlen(name), m = strlen(suffix);

	return n >= m && strcmp(name + n - m, suffix) == 0;
}

/*
 * {table: FILE} into FE; BUF (LEN bytes, read by the caller) becomes its
 * block when it is CSV or TSV, else it is freed.  PATH is the file's.
 * Returns the number of records, or -1 with the error said.
 */
long
foreach_table(struct loader *l, const struct ynode *src, const char *path,
    char *buf, size_t len, struct wf_foreach *fe)
{
	struct sheet	 t;
	size_t		 i, c, size = 0;
	char		*s, *start;
	int		 copied, rc;

	memset(&t, 0, sizeof t);
	t.l = l;
	t.src = src;
	t.name = src->s;
	copied = ends_with(t.name, ".json") || ends_with(t.name, ".yaml") ||
	    ends_with(t.name, ".yml");
	if (ends_with(t.name, ".json"))
		rc = sheet_json(&t, buf, len);
	else if (copied)
		rc = sheet_yaml(&t, path);
	else
		rc = sheet_csv(&t, buf, len, ends_with(t.name, ".tsv") ||
		    ends_with(t.name, ".tab") ? '\t' : ',');
	if (rc == 0 && t.nrecords == 0) {
		sheet_error(&t, 0, "has a header but no record");
		rc = -1;
	}
	if (copied) {
		/* One block: the columns' names, then every cell. */
		for (c = 0; rc == 0 && c < t.ncols; c++)
			size += strlen(t.cols[c]) + 1;
		for (i = 0; rc == 0 && i < t.ncells; i++)
			size += strlen(t.cells[i]) + 1;
		free(buf);
		buf = s = rc == 0 ? xmalloc(size) : NULL;
		for (c = 0; c < t.ncols; c++) {
			start = s;
			if (s != NULL)
				s = stpcpy(s, t.cols[c]) + 1;
			free((char *)t.cols[c]);
			t.cols[c] = start;
		}
		for (i = 0; i < t.ncells; i++) {
			start = s;
			if (s != NULL)
				s = stpcpy(s, t.cells[i]) + 1;
			free(t.cells[i]);
			t.cells[i] = start;
		}
	}
	if (rc != 0) {
		free(t.cols);
		free(t.cells);
		free(buf);
		return -1;
	}
	fe->text = buf;
	fe->fields = t.cols;
	fe->nfields = t.ncols;
	fe->fieldvals = t.cells;
	fe->nvalues = t.nrecords;
	fe->values = xcalloc_big(t.nrecords, sizeof *fe->values);
	for (i = 0; i < t.nrecords; i++)
		fe->values[i] = t.cells[i * t.ncols];
	return (long)t.nrecords;
}
