/*
 * dbread.c: what "weft runs" and "weft tasks" share to read the
 * monitoring database: opening DIR/monitoring.db read-only (never
 * creating it), cells made safe for a terminal, durations and signal
 * names in words, JSON output, and the message for a bad option.  Both
 * commands read inside one read transaction, so they see a consistent
 * snapshot while a dbwriter is committing; WAL means neither side waits
 * for the other.  Called by cmd-runs.c and cmd-tasks.c.
 */

#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sqlite3.h>

#include "weft.h"

/* Prints a failed read of the database; returns the exit code. */
int
dbread_error(sqlite3 *db, const char *path)
{
	fprintf(stderr, "%s: cannot read %s: %s\n", weft_prog, path,
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
			record_recover(base, 0, 0);
		else {
			err = xprintf("./%s", base);
			record_recover(err, 0, 0);
			free(err);
			err = NULL;
		}
	}
	free(base);

	if (stat(open_path, &sb) == -1) {
		if (errno == ENOENT || errno == ENOTDIR)
			fprintf(stderr, "%s: no monitoring database at "
			    "%s\n", weft_prog, path);
		else
			fprintf(stderr, "%s: cannot read %s: %s\n", weft_prog,
			    path,
			    strerror(errno));
		free(open_path);
		return EXIT_USAGE;
	}
	if (!S_ISREG(sb.st_mode)) {
		fprintf(stderr, "%s: cannot read %s: not a regular file\n",
		    weft_prog, path);
		free(open_path);
		return EXIT_USAGE;
	}
	db = db_open(open_path, DB_READ, &err);
	free(open_path);
	if (db == NULL) {
		fprintf(stderr, "%s: %s\n", weft_prog, err);
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
		fprintf(stderr, "%s: %s has schema version %d (this weft "
		    "reads version %d)\n", weft_prog, path, version,
		    DB_SCHEMA_VERSION);
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

/*
 * Finds the run to show: the one named, or the newest.  Returns 0, or
 * prints why not and returns the exit code.
 */
int
dbread_find_run(sqlite3 *db, const char *path, int empty, char *name,
    size_t len)
{
	sqlite3_stmt	*st = NULL;
	int		 rc;

	if (*name != '\0') {
		if (empty)
			goto none;
		if (sqlite3_prepare_v2(db, "SELECT 1 FROM workflow "
		    "WHERE run_id = ?1", -1, &st, NULL) != SQLITE_OK ||
		    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC) !=
		    SQLITE_OK)
			goto fail;
		if ((rc = sqlite3_step(st)) == SQLITE_DONE)
			goto none;
		if (rc != SQLITE_ROW)
			goto fail;
		sqlite3_finalize(st);
		return 0;
	}
	if (empty)
		goto no_runs;
	if (sqlite3_prepare_v2(db, "SELECT run_id FROM workflow "
	    "ORDER BY CAST(run_id AS INTEGER) DESC, run_id DESC LIMIT 1",
	    -1, &st, NULL) != SQLITE_OK)
		goto fail;
	if ((rc = sqlite3_step(st)) == SQLITE_DONE)
		goto no_runs;
	if (rc != SQLITE_ROW)
		goto fail;
	snprintf(name, len, "%s", sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return 0;

none:
	sqlite3_finalize(st);
	fprintf(stderr, "%s: no run %s in %s\n", weft_prog, name, path);
	return EXIT_USAGE;
no_runs:
	sqlite3_finalize(st);
	fprintf(stderr, "%s: no runs in %s\n", weft_prog, path);
	return EXIT_USAGE;
fail:
	rc = dbread_error(db, path);
	sqlite3_finalize(st);
	return rc;
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

/*
 * A JSON string of LEN bytes of output: valid UTF-8 as it is, each byte
 * of an invalid sequence as U+FFFD, NUL bytes left out (report_utf8).
 */
json_t *
dbread_json_bytes(const char *s, size_t len)
{
	json_t	*j;
	char	*text;

	text = report_utf8(s, len);
	j = json_string(text);
	free(text);
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

/*
 * The rows of ST printed as a table or, with JSON, a JSON array; ST NULL
 * prints none, and OK 0 says the statement could not be made (the
 * database's error is reported).  Closes ST and DB and frees PATH;
 * returns CMD's exit code.
 */
int
dbread_print(struct sqlite3 *db, char *path, struct sqlite3_stmt *st,
    int ok, const struct dbread_rows *rows, int json, const char *cmd)
{
	struct table	 t;
	json_t		*arr = NULL;
	int		 rc = SQLITE_DONE;

	dbread_json_init();
	table_init(&t, rows->cols, rows->ncols);
	if (json)
		arr = json_array();
	while (ok && st != NULL && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (json)
			json_array_append_new(arr, rows->json_row(st));
		else
			rows->table_row(&t, st);
	}
	if (!ok || rc != SQLITE_DONE) {
		rc = dbread_error(db, path);
		json_decref(arr);
	} else if (json)
		rc = dbread_json_print(arr);
	else {
		table_print(&t, stdout);
		rc = 0;
	}
	sqlite3_finalize(st);
	dbread_close(db);
	free(path);
	table_free(&t);
	if (rc == 0)
		rc = dbread_flush(cmd);
	return rc;
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
