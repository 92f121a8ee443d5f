/*
 * workflow-data.c: a foreach variable's values from data, for the main
 * body (workflow-main.c, the only caller: this file is inside its guard).
 *
 *   {glob: PATTERN}   the paths that match, relative to the workflow
 *                     file as PATTERN is, sorted; each has the fields
 *                     name, stem (the name without its last extension)
 *                     and dir
 *   {lines: FILE}     one value a line, blank lines and lines starting
 *                     with '#' left out, each trimmed of blanks
 *   {table: FILE}     one value a record of a CSV, TSV, JSON or YAML
 *                     sample sheet, each column a field (read by
 *                     workflow-table.c)
 *
 * The fields of a value are reached in templates as {VAR.FIELD}.  A file
 * is read once, whole, into one block that the values point into, so a
 * million lines cost the block and a pointer each.  A bad line is
 * reported at the file's own line.
 */

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "weft.h"
#include "workflow.h"

#define DATA_MAX_FILE	((off_t)1 << 30)

static const char *const glob_fields[] = { "name", "stem", "dir" };

/* PATH relative to the workflow's folder, unless it is absolute. */
static char *
data_path(const struct loader *l, const char *path)
{
	return path_abs(l->wf->dir, path);
}

/* DIR with the characters that mean something to glob(3) escaped. */
static char *
glob_escaped(const char *dir)
{
	char	*out, *o;

	out = o = xmalloc(strlen(dir) * 2 + 2);
	for (; *dir != '\0'; dir++) {
		if (strchr("*?[]\\", *dir) != NULL)
			*o++ = '\\';
		*o++ = *dir;
	}
	*o++ = '/';
	*o = '\0';
	return out;
}

/* The first folder that glob(3) could not read, but for missing ones. */
static int	 glob_errno;
static char	*glob_epath;

static int
glob_failed(const char *path, int error)
{
	if (error != ENOENT && error != ENOTDIR && glob_epath == NULL) {
		glob_epath = xstrdup(path);
		glob_errno = error;
	}
	return 0;
}

/*
 * {glob: PATTERN}: sorted paths as the pattern gives them, with their
 * name, stem and dir.  Returns the number of values, or -1.
 */
static long
load_glob(struct loader *l, const struct ynode *v, struct wf_foreach *fe)
{
	glob_t		 g;
	const char	*p, *name, *dot;
	char		*full, *prefix = NULL, *s, **f;
	size_t		 skip = 0, i, size = 0;
	int		 rc;

	if (v->s[0] == '/')
		full = xstrdup(v->s);
	else {
		prefix = glob_escaped(l->wf->dir);
		full = xprintf("%s%s", prefix, v->s);
		skip = strlen(l->wf->dir) + 1;
	}
	glob_epath = NULL;
	rc = glob(full, 0, glob_failed, &g);
	free(full);
	free(prefix);
	/* A folder it could not read may have hidden matches. */
	if (glob_epath != NULL || rc == GLOB_NOSPACE) {
		wf_error(&l->errs, &v->mark, "glob '%s' cannot be read: %s%s%s",
		    v->s, glob_epath != NULL ? glob_epath : "",
		    glob_epath != NULL ? ": " : "", strerror(glob_epath !=
		    NULL ? glob_errno : ENOMEM));
		free(glob_epath);
		glob_epath = NULL;
		globfree(&g);
		return -1;
	}
	if (rc != 0 || g.gl_pathc == 0) {
		wf_error(&l->errs, &v->mark, "glob '%s' matches no file",
		    v->s);
		globfree(&g);
		return -1;
	}
	if (g.gl_pathc > (size_t)l->wf->max_tasks) {
		wf_error(&l->errs, &v->mark, "glob '%s' matches more than %d "
		    "files (config.max_tasks sets the limit)", v->s,
		    l->wf->max_tasks);
		globfree(&g);
		return -1;
	}
	/* One block: each path, then its stem and its dir. */
	for (i = 0; i < g.gl_pathc; i++)
		size += 3 * (strlen(g.gl_pathv[i]) + 1) + 2;
	fe->text = s = xmalloc(size);
	fe->values = xcalloc(g.gl_pathc, sizeof *fe->values);
	fe->nfields = 3;
	fe->fields = xcalloc(3, sizeof *fe->fields);
	memcpy(fe->fields, glob_fields, sizeof glob_fields);
	fe->fieldvals = xcalloc(g.gl_pathc * 3, sizeof *fe->fieldvals);
	for (i = 0; i < g.gl_pathc; i++) {
		p = g.gl_pathv[i] + skip;
		if (has_control(p)) {
			wf_error(&l->errs, &v->mark, "glob '%s' matches a "
			    "name with control characters", v->s);
			globfree(&g);
			return -1;
		}
		f = &fe->fieldvals[i * 3];
		fe->values[i] = s;
		s = stpcpy(s, p) + 1;
		name = strrchr(fe->values[i], '/');
		name = name != NULL ? name + 1 : fe->values[i];
		f[0] = (char *)name;
		/* The stem: the name up to its last dot, if not its first. */
		dot = strrchr(name, '.');
		f[1] = s;
		s = stpcpy(s, name) + 1;
		if (dot != NULL && dot != name)
			f[1][dot - name] = '\0';
		f[2] = s;
		if (name == fe->values[i])
			s = stpcpy(s, ".") + 1;
		else {
			memcpy(s, fe->values[i], (size_t)(name -
			    fe->values[i]) - 1);
			s[name - fe->values[i] - 1] = '\0';
			if (*s == '\0')
				strcpy(s, "/");
			s += strlen(s) + 1;
		}
	}
	fe->nvalues = g.gl_pathc;
	globfree(&g);
	return (long)fe->nvalues;
}

/*
 * The whole of PATH, the file that V names, NUL-ended, in *BUF; its
 * length in *LEN.  Only a regular file of at most DATA_MAX_FILE bytes is read (a
 * FIFO or a device could block or never end).  Returns 0, or -1 with
 * the error said.
 */
static int
data_read(struct loader *l, const struct ynode *v, const char *what,
    const char *path, char **buf, size_t *len)
{
	struct stat	 st;
	int		 fd, saved;

	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) != -1 &&
	    fstat(fd, &st) == 0 && (!S_ISREG(st.st_mode) ||
	    st.st_size > DATA_MAX_FILE)) {
		wf_error(&l->errs, &v->mark, "%s file '%s' %s", what, v->s,
		    S_ISREG(st.st_mode) ? "is larger than 1 GiB" :
		    "is not a regular file");
		close(fd);
		return -1;
	}
	if (fd == -1 || (*buf = read_all_sized(fd, (size_t)st.st_size,
	    len)) == NULL) {
		saved = errno;
		wf_error(&l->errs, &v->mark, "%s file '%s' cannot be read: %s",
		    what, v->s, strerror(saved));
		if (fd != -1)
			close(fd);
		return -1;
	}
	close(fd);
	if (memchr(*buf, '\0', *len) != NULL) {
		wf_error(&l->errs, &v->mark, "%s file '%s' is not text: it "
		    "holds a NUL byte", what, v->s);
		free(*buf);
		return -1;
	}
	return 0;
}

/* {lines: FILE}: a value a line.  Returns how many, or -1. */
static long
load_lines(struct loader *l, const struct ynode *v, struct wf_foreach *fe)
{
	char	*buf, *path, *p, *end, *nl, *a, *b;
	size_t	 len, n = 0, cap = 0;
	long	 line = 0;
	int	 rc;

	path = data_path(l, v->s);
	rc = data_read(l, v, "lines", path, &buf, &len);
	free(path);
	if (rc == -1)
		return -1;
	fe->text = buf;
	for (p = buf, end = buf + len; p < end; p = nl + 1) {
		line++;
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		*nl = '\0';
		for (a = p; *a == ' ' || *a == '\t'; a++)
			;
		for (b = nl; b > a && (b[-1] == ' ' || b[-1] == '\t' ||
		    b[-1] == '\r'); b--)
			;
		*b = '\0';
		if (a == b || *a == '#')
			continue;
		if (has_control(a)) {
			wf_error(&l->errs, &v->mark, "%s:%ld: a value must not "
			    "contain control characters", v->s, line);
			return -1;
		}
		if (n == (size_t)l->wf->max_tasks) {
			wf_error(&l->errs, &v->mark, "lines file '%s' has more "
			    "than %d values (config.max_tasks sets the limit)",
			    v->s, l->wf->max_tasks);
			return -1;
		}
		if (n == cap) {
			cap = cap > 0 ? cap * 2 : 64;
			fe->values = xreallocarray(fe->values, cap,
			    sizeof *fe->values);
		}
		fe->values[n++] = a;
	}
	if (n == 0) {
		wf_error(&l->errs, &v->mark, "lines file '%s' has no value "
		    "(blank lines and lines starting with '#' are left out)",
		    v->s);
		return -1;
	}
	fe->nvalues = n;
	return (long)n;
}

/* {table: FILE}: a value a record (workflow-table.c). */
static long
load_table(struct loader *l, const struct ynode *v, struct wf_foreach *fe)
{
	char	*buf, *path;
	size_t	 len;
	long	 n;

	path = data_path(l, v->s);
	n = data_read(l, v, "table", path, &buf, &len) == -1 ? -1 :
	    foreach_table(l, v, path, buf, len, fe);
	free(path);
	return n;
}

/*
 * The values of foreach variable K given as data (the mapping V) into
 * FE.  Returns how many, or -1 with the error said.
 */
long
foreach_data(struct loader *l, const struct ynode *k, const struct ynode *v,
    struct wf_foreach *fe)
{
	const struct ynode	*src;
	const char		*kind;

	if (v->nkids != 2 || v->kids[0]->type != YN_SCALAR) {
		wf_error(&l->errs, &v->mark, "foreach '%s': a mapping must "
		    "be one of {glob: PATTERN}, {lines: FILE} or {table: "
		    "FILE}", k->s);
		return -1;
	}
	kind = v->kids[0]->s;
	src = v->kids[1];
	if (strcmp(kind, "glob") != 0 && strcmp(kind, "lines") != 0 &&
	    strcmp(kind, "table") != 0) {
		wf_error(&l->errs, &v->kids[0]->mark, "foreach '%s': unknown "
		    "source '%s' (glob, lines or table)", k->s, kind);
		return -1;
	}
	if (src->type != YN_SCALAR || ynode_null(src) || *src->s == '\0') {
		wf_error(&l->errs, &src->mark, "foreach '%s': '%s' must be "
		    "a %s, not %s", k->s, kind, strcmp(kind, "glob") == 0 ?
		    "pattern" : "file name", ynode_kind(src));
		return -1;
	}
	if (strcmp(kind, "table") == 0)
		return load_table(l, src, fe);
	return strcmp(kind, "glob") == 0 ? load_glob(l, src, fe) :
	    load_lines(l, src, fe);
}
