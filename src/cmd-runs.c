/*
 * cmd-runs.c: "weft runs [--json] [--run-dir DIR]", one line per run
 * recorded in the monitoring database, oldest first.
 *
 * This file also holds what "weft runs" and "weft tasks" share: opening
 * DIR/monitoring.db read-only (never creating it), cells made safe for a
 * terminal, aligned tables and JSON output.  Both commands read inside one
 * read transaction, so they see a consistent snapshot while a dbwriter is
 * committing; WAL means neither side waits for the other.
 */

#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sqlite3.h>

#include "weft.h"

#define RUNS_OPT_JSON		256
#define RUNS_OPT_RUNDIR		257

static void
runs_usage(FILE *f)
{
	fprintf(f, "usage: weft runs [--json] [--run-dir DIR]\n"
	    "\n"
	    "options:\n"
	    "  --json         print the runs as a JSON array\n"
	    "  --run-dir DIR  read DIR/monitoring.db (default: .weft)\n"
	    "  -h, --help     show this help\n");
}

/*
 * Reports a bad option the way every command does; returns the usage exit
 * code.  Call right after getopt_long returned '?' or ':'.
 */
int
dbread_bad_option(const char *cmd, int ch, char **argv,
    void (*usage)(FILE *))
{
	const char	*arg = argv[optind - 1];

	/* "--run-dir ''": the empty word is the argument, not the option. */
	if (ch == ':' && *arg == '\0' && optind >= 2)
		arg = argv[optind - 2];
	if (ch == ':')
		fprintf(stderr, "weft %s: option '%s' needs an argument\n",
		    cmd, arg);
	else if (optopt > 0 && optopt < 256 && strncmp(arg, "--", 2) != 0)
		fprintf(stderr, "weft %s: unknown option '-%c'\n", cmd,
		    optopt);
	else
		fprintf(stderr, "weft %s: unknown option '%s'\n", cmd, arg);
	usage(stderr);
	return EXIT_USAGE;
}

/* Prints a failed read of the database; returns the exit code. */
int
dbread_error(sqlite3 *db, const char *path)
{
	fprintf(stderr, "weft: cannot read %s: %s\n", path,
	    sqlite3_errmsg(db));
	return EXIT_INTERNAL;
}

/*
 * Finds and opens DIR/monitoring.db read-only in a read transaction.
 * Returns 0 with *dbp and *pathp (the path as the user would write it,
 * for messages; caller frees), or prints a message and returns an exit
 * code.  *emptyp is set when the file holds no weft schema yet (a writer
 * that has only just created it), which readers treat as "no runs".
 */
int
dbread_open(const char *dir, sqlite3 **dbp, char **pathp, int *emptyp)
{
	struct stat	 sb;
	sqlite3		*db;
	sqlite3_stmt	*st = NULL;
	char		*base, *path, *open_path, *err = NULL;
	size_t		 len;
	int		 rc, version;

	*dbp = NULL;
	*pathp = NULL;
	*emptyp = 0;
	base = xstrdup(dir);
	len = strlen(base);
	while (len > 1 && base[len - 1] == '/')
		base[--len] = '\0';
	path = xprintf("%s/monitoring.db", strcmp(base, "/") == 0 ? "" : base);
	/* "./" keeps a folder named like "file:..." from being a URI. */
	open_path = base[0] == '/' ? xstrdup(path) :
	    xprintf("./%s", path);
	*pathp = path;
	/* Runs that ended without finishing their record get it now. */
	if (stat(open_path, &sb) == 0) {
		if (base[0] == '/')
			record_recover(base, 0);
		else {
			err = xprintf("./%s", base);
			record_recover(err, 0);
			free(err);
			err = NULL;
		}
	}
	free(base);

	if (stat(open_path, &sb) == -1) {
		if (errno == ENOENT || errno == ENOTDIR)
			fprintf(stderr, "weft: no monitoring database at "
			    "%s\n", path);
		else
			fprintf(stderr, "weft: cannot read %s: %s\n", path,
			    strerror(errno));
		free(open_path);
		return EXIT_USAGE;
	}
	if (!S_ISREG(sb.st_mode)) {
		fprintf(stderr, "weft: cannot read %s: not a regular file\n",
		    path);
		free(open_path);
		return EXIT_USAGE;
	}
	db = db_open(open_path, DB_READ, &err);
	free(open_path);
	if (db == NULL) {
		fprintf(stderr, "weft: %s\n", err);
		free(err);
		return EXIT_USAGE;
	}
	if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		goto fail;
	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_master "
	    "WHERE type = 'table' AND name IN ('weft_meta', 'workflow', "
	    "'task', 'try')", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW)
		goto fail;
	if (sqlite3_column_int(st, 0) != 4) {
		sqlite3_finalize(st);
		*emptyp = 1;
		*dbp = db;
		return 0;
	}
	sqlite3_finalize(st);
	if (sqlite3_prepare_v2(db, "SELECT value FROM weft_meta "
	    "WHERE key = 'schema_version'", -1, &st, NULL) != SQLITE_OK)
		goto fail;
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		goto fail;
	version = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
	sqlite3_finalize(st);
	st = NULL;
	if (version > DB_SCHEMA_VERSION) {
		fprintf(stderr, "weft: %s has schema version %d (this weft "
		    "reads version %d)\n", path, version, DB_SCHEMA_VERSION);
		sqlite3_close(db);
		return EXIT_USAGE;
	}
	*dbp = db;
	return 0;

fail:
	/* Not a database, or not one we can read: as if there were none. */
	dbread_error(db, path);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return EXIT_USAGE;
}

/* Ends the read transaction and closes. */
void
dbread_close(sqlite3 *db)
{
	if (db == NULL)
		return;
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	sqlite3_close(db);
}

/*
 * A column as text (NULL for SQL NULL), with control characters made
 * visible as '?' so that a hostile task id cannot break a table or send
 * escapes to a terminal.  Caller frees.
 */
char *
dbread_text(sqlite3_stmt *st, int col)
{
	const unsigned char	*s;
	char			*out, *p;

	if ((s = sqlite3_column_text(st, col)) == NULL)
		return NULL;
	out = xstrdup((const char *)s);
	for (p = out; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	}
	return out;
}

/* Seconds as the run output shows them: "0.01s"; "-" if unknown. */
char *
dbread_duration(double secs, int known)
{
	if (!known)
		return xstrdup("-");
	if (secs < 0)
		secs = 0;
	return xprintf("%.2fs", secs);
}

/* "SIGKILL", or "signal 40" for one without a name. */
char *
dbread_signal_name(int sig)
{
	const char	*abbrev;

	if ((abbrev = sigabbrev_np(sig)) == NULL)
		return xprintf("signal %d", sig);
	return xprintf("SIG%s", abbrev);
}

/*
 * A JSON string, or null for NULL.  Text that is not UTF-8 (a path can be
 * anything) has its non-ASCII bytes replaced by '?' rather than lost.
 */
json_t *
dbread_json_string(const char *s)
{
	json_t	*j;
	char	*copy, *p;

	if (s == NULL)
		return json_null();
	if ((j = json_string(s)) != NULL)
		return j;
	copy = xstrdup(s);
	for (p = copy; *p != '\0'; p++) {
		if ((unsigned char)*p >= 0x80)
			*p = '?';
	}
	j = json_string(copy);
	free(copy);
	return j != NULL ? j : json_null();
}

/* Seconds rounded to the millisecond the timestamps give, or null. */
json_t *
dbread_json_seconds(double secs, int known)
{
	if (!known)
		return json_null();
	if (secs < 0)
		secs = 0;
	return json_real(round(secs * 1000.0) / 1000.0);
}

/* Prints a JSON value and frees it; returns an exit code. */
int
dbread_json_print(json_t *root)
{
	int	 rc;

	rc = json_dumpf(root, stdout, JSON_INDENT(2)|JSON_REAL_PRECISION(15));
	json_decref(root);
	if (rc == -1 || fputc('\n', stdout) == EOF)
		return EXIT_INTERNAL;
	return 0;
}

/* Every json_* allocation goes through xmalloc: none returns NULL. */
void
dbread_json_init(void)
{
	json_set_alloc_funcs(xmalloc, free);
}

/* Flushes stdout; returns an exit code. */
int
dbread_flush(const char *cmd)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "weft %s: cannot write output\n", cmd);
		return EXIT_INTERNAL;
	}
	return 0;
}

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
		fprintf(stderr, "weft: out of memory\n");
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

/*
 * Runs in number order.  While a run goes on (no completion time), its
 * counts come from its task rows, which the writer keeps current; once it
 * has ended, from its task rows too: the workflow row's counts are
 * Parsl's (ran and succeeded, ran and failed), not what DONE and FAILED
 * say (cached tasks are done; dep_fail ones are failed).
 */
static const char *runs_sql =
	"SELECT w.run_id, w.workflow_name, w.time_began, w.time_completed,"
	"  (julianday(w.time_completed) - julianday(w.time_began)) * 86400.0,"
	"  w.weft_state,"
	"  coalesce(w.weft_task_count,"
	"    (SELECT count(*) FROM task t WHERE t.run_id = w.run_id)),"
	"  CASE WHEN w.time_completed IS NULL THEN"
	"    (SELECT count(*) FROM task t WHERE t.run_id = w.run_id"
	"     AND t.weft_state = 'done')"
	"  ELSE (SELECT count(*) FROM task t WHERE t.run_id = w.run_id"
	"     AND t.weft_state IN ('done', 'cached')) END,"
	"  CASE WHEN w.time_completed IS NULL THEN"
	"    (SELECT count(*) FROM task t WHERE t.run_id = w.run_id"
	"     AND t.weft_state IN ('failed', 'dep_fail'))"
	"  ELSE (SELECT count(*) FROM task t WHERE t.run_id = w.run_id"
	"     AND t.weft_state IN ('failed', 'dep_fail')) END,"
	"  w.weft_exit_code, w.weft_monitoring_complete "
	"FROM workflow w "
	"ORDER BY CAST(w.run_id AS INTEGER), w.run_id";

enum {
	RC_RUN, RC_NAME, RC_BEGAN, RC_COMPLETED, RC_DURATION, RC_STATE,
	RC_TASKS, RC_DONE, RC_FAILED, RC_EXIT, RC_COMPLETE
};

static const struct table_col runs_cols[] = {
	{ "RUN", 4, 0 },
	{ "NAME", 8, 0 },
	{ "STARTED", 19, 0 },
	{ "DURATION", 8, 0 },
	{ "STATE", 11, 0 },
	{ "TASKS", 5, 1 },
	{ "DONE", 4, 1 },
	{ "FAILED", 6, 1 },
};

/* An integer column, or null. */
static json_t *
runs_json_int(sqlite3_stmt *st, int col)
{
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return json_null();
	return json_integer(sqlite3_column_int64(st, col));
}

static json_t *
runs_json_row(sqlite3_stmt *st)
{
	json_t	*o;
	int	 known;

	o = json_object();
	json_object_set_new(o, "run", dbread_json_string(
	    (const char *)sqlite3_column_text(st, RC_RUN)));
	json_object_set_new(o, "name", dbread_json_string(
	    (const char *)sqlite3_column_text(st, RC_NAME)));
	json_object_set_new(o, "started", dbread_json_string(
	    (const char *)sqlite3_column_text(st, RC_BEGAN)));
	json_object_set_new(o, "completed", dbread_json_string(
	    (const char *)sqlite3_column_text(st, RC_COMPLETED)));
	known = sqlite3_column_type(st, RC_DURATION) != SQLITE_NULL;
	json_object_set_new(o, "duration", dbread_json_seconds(
	    sqlite3_column_double(st, RC_DURATION), known));
	json_object_set_new(o, "state", dbread_json_string(
	    (const char *)sqlite3_column_text(st, RC_STATE)));
	json_object_set_new(o, "tasks", runs_json_int(st, RC_TASKS));
	json_object_set_new(o, "done", runs_json_int(st, RC_DONE));
	json_object_set_new(o, "failed", runs_json_int(st, RC_FAILED));
	json_object_set_new(o, "exit_code", runs_json_int(st, RC_EXIT));
	if (sqlite3_column_type(st, RC_COMPLETE) == SQLITE_NULL)
		json_object_set_new(o, "monitoring_complete", json_null());
	else
		json_object_set_new(o, "monitoring_complete", json_boolean(
		    sqlite3_column_int(st, RC_COMPLETE) != 0));
	return o;
}

/* A text cell, "-" for NULL or empty; max > 0 cuts it to max bytes. */
static void
runs_text_cell(struct table *t, sqlite3_stmt *st, int col, int max)
{
	char	*s;

	s = dbread_text(st, col);
	if (s == NULL || *s == '\0')
		table_cell(t, "-");
	else if (max > 0)
		table_cell(t, "%.*s", max, s);
	else
		table_cell(t, "%s", s);
	free(s);
}

static void
runs_table_row(struct table *t, sqlite3_stmt *st)
{
	char	*s;
	int	 known;

	runs_text_cell(t, st, RC_RUN, 0);
	runs_text_cell(t, st, RC_NAME, 0);
	/* "YYYY-MM-DD HH:MM:SS", without the microseconds. */
	runs_text_cell(t, st, RC_BEGAN, 19);
	/* The type first: reading a NULL as a number may change it. */
	known = sqlite3_column_type(st, RC_DURATION) != SQLITE_NULL;
	s = dbread_duration(sqlite3_column_double(st, RC_DURATION), known);
	table_cell(t, "%s", s);
	free(s);
	runs_text_cell(t, st, RC_STATE, 0);
	table_cell(t, "%lld", (long long)sqlite3_column_int64(st, RC_TASKS));
	table_cell(t, "%lld", (long long)sqlite3_column_int64(st, RC_DONE));
	table_cell(t, "%lld", (long long)sqlite3_column_int64(st, RC_FAILED));
}

int
cmd_runs(int argc, char **argv)
{
	static const struct option	 longopts[] = {
		{ "json", no_argument, NULL, RUNS_OPT_JSON },
		{ "run-dir", required_argument, NULL, RUNS_OPT_RUNDIR },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct table	 t;
	sqlite3		*db = NULL;
	sqlite3_stmt	*st = NULL;
	json_t		*arr = NULL;
	const char	*dir = ".weft";
	char		*path = NULL;
	int		 ch, json = 0, empty, rc;

	opterr = 0;
	optind = 1;
	while ((ch = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (ch) {
		case RUNS_OPT_JSON:
			json = 1;
			break;
		case RUNS_OPT_RUNDIR:
			if (*optarg == '\0')
				return dbread_bad_option("runs", ':', argv,
				    runs_usage);
			dir = optarg;
			break;
		case 'h':
			runs_usage(stdout);
			return 0;
		default:
			return dbread_bad_option("runs", ch, argv,
			    runs_usage);
		}
	}
	if (optind < argc) {
		fprintf(stderr, "weft runs: too many arguments\n");
		runs_usage(stderr);
		return EXIT_USAGE;
	}

	if ((rc = dbread_open(dir, &db, &path, &empty)) != 0) {
		free(path);
		return rc;
	}
	dbread_json_init();
	table_init(&t, runs_cols, sizeof runs_cols / sizeof runs_cols[0]);
	if (json)
		arr = json_array();
	if (!empty) {
		if (sqlite3_prepare_v2(db, runs_sql, -1, &st, NULL) !=
		    SQLITE_OK)
			goto fail;
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			if (json)
				json_array_append_new(arr, runs_json_row(st));
			else
				runs_table_row(&t, st);
		}
		if (rc != SQLITE_DONE)
			goto fail;
		sqlite3_finalize(st);
	}
	dbread_close(db);
	free(path);
	if (json)
		rc = dbread_json_print(arr);
	else {
		table_print(&t, stdout);
		rc = 0;
	}
	table_free(&t);
	if (rc == 0)
		rc = dbread_flush("runs");
	return rc;

fail:
	rc = dbread_error(db, path);
	sqlite3_finalize(st);
	dbread_close(db);
	free(path);
	json_decref(arr);
	table_free(&t);
	return rc;
}
