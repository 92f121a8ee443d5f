/*
 * report-data.c: one run as the monitoring database records it, read
 * for the run's reports: the workflow row, every task and every try, with
 * times in seconds from the run's start, peak memory from the resource
 * table, and the tail of a failed task's standard error.  It reads inside
 * dbread_open's read transaction, so a live run is seen as one consistent
 * snapshot of what is recorded so far.  Called by cmd-report.c and
 * run-report.c; report-html.c and report-junit.c write what it reads.
 */

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "weft.h"

#define REPORT_TAIL_BYTES	(64 * 1024)	/* read at most this much */

/* Seconds from the run's start (?1 is the run) to column X, or NULL. */
#define REL(x)								\
	"(julianday(" x ") - (SELECT julianday(time_began)"		\
	" FROM workflow WHERE run_id = ?1)) * 86400.0"

static const char *report_run_sql =
	"SELECT run_id, workflow_name, weft_workflow_file, weft_state,"
	"  weft_exit_code, time_began, time_completed, host, user, rundir,"
	"  " REL("time_completed") ", " REL("'now', 'localtime'")
	", weft_monitoring_complete "
	"FROM workflow WHERE run_id = ?1";

/*
 * WHY is task.weft_reason, of schema version 5; ASKED what it asked for
 * (cores, memory, GPUs), of version 6.
 */
#define REPORT_TASK_SQL(why, asked)					\
	"SELECT task_id, weft_task_id, task_func_name, weft_app_kind,"	\
	"  weft_state, task_depends, weft_exit_code, weft_signal,"	\
	"  task_stderr, " why ", " asked " "				\
	"FROM task WHERE run_id = ?1 ORDER BY task_id"
static const char *report_task_sql[3] = {
	REPORT_TASK_SQL("NULL", "NULL, NULL, NULL"),
	REPORT_TASK_SQL("weft_reason", "NULL, NULL, NULL"),
	REPORT_TASK_SQL("weft_reason", "weft_cores, weft_memory, weft_gpus")
};

/* What a task asked beyond one core: "2 cores, 4G, 1 GPU"; or NULL. */
static char *
report_asked(sqlite3_stmt *st, int col)
{
	long long	 cores = sqlite3_column_int64(st, col);
	long long	 gpus = sqlite3_column_int64(st, col + 2);
	char		*mem = NULL, *s;

	if (sqlite3_column_type(st, col + 1) != SQLITE_NULL)
		mem = size_string(sqlite3_column_int64(st, col + 1));
	if (cores <= 1 && mem == NULL && gpus <= 0)
		return NULL;
	s = xprintf("%lld core%s%s%s%s%.0lld%s", cores < 1 ? 1 : cores,
	    cores > 1 ? "s" : "", mem != NULL ? ", " : "",
	    mem != NULL ? mem : "", gpus > 0 ? ", " : "", gpus > 0 ? gpus : 0,
	    gpus > 1 ? " GPUs" : gpus == 1 ? " GPU" : "");
	free(mem);
	return s;
}

/*
 * STATE and ERR are the try's own columns of schema version 2, STRETCH
 * where a call's stderr is in ERR (version 4).
 */
#define REPORT_TRY_SQL(state, err, stretch)				\
	"SELECT y.task_id, y.try_id, y.block_id,"			\
	"  " REL("y.task_try_time_launched") ","			\
	"  " REL("y.task_try_time_running") ","				\
	"  " REL("y.task_try_time_returned") ","			\
	"  coalesce(" state "CASE WHEN y.task_try_time_returned"	\
	"    IS NULL THEN 'running' WHEN y.weft_exit_code = 0"		\
	"    THEN 'done' ELSE 'failed' END),"				\
	"  y.weft_exit_code, y.weft_signal, y.weft_fail_reason,"	\
	"  " err ","							\
	"  (SELECT max(r.psutil_process_memory_resident) FROM resource r" \
	"   WHERE r.run_id = ?1 AND r.task_id = y.task_id"		\
	"   AND r.try_id = y.try_id), " stretch ","			\
	"  y.hostname, y.task_executor "				\
	"FROM try y WHERE y.run_id = ?1 ORDER BY y.task_id, y.try_id"

static const char *report_try_sql[3] = {
	REPORT_TRY_SQL("NULL, ", "NULL", "NULL, NULL"),
	REPORT_TRY_SQL("y.weft_state, ", "y.weft_stderr", "NULL, NULL"),
	REPORT_TRY_SQL("y.weft_state, ", "y.weft_stderr",
	    "y.weft_stderr_offset, y.weft_stderr_length")
};

/* A text column, NULL for SQL NULL; caller frees. */
static char *
report_col(sqlite3_stmt *st, int col)
{
	const unsigned char	*s;

	if ((s = sqlite3_column_text(st, col)) == NULL)
		return NULL;
	return xstrdup((const char *)s);
}

static double
report_col_time(sqlite3_stmt *st, int col)
{
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return NAN;
	return sqlite3_column_double(st, col);
}

static int
report_col_int(sqlite3_stmt *st, int col, int *has)
{
	*has = sqlite3_column_type(st, col) != SQLITE_NULL;
	return *has ? sqlite3_column_int(st, col) : 0;
}

/*
 * Length of the UTF-8 sequence at S (of at most LEN bytes), or 0 if it
 * is not one: overlong forms, surrogates and values past U+10FFFF are
 * not.
 */
static size_t
report_utf8_len(const unsigned char *s, size_t len)
{
	unsigned int	 c;
	size_t		 n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, c = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, c = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, c = s[0] & 0x07;
	else
		return 0;
	if (n > len)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && c < 0x800) || (n == 4 && c < 0x10000) ||
	    (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
		return 0;
	return n;
}

/*
 * LEN bytes of S as valid UTF-8: each byte that does not belong to a
 * sequence becomes U+FFFD, and NUL bytes are dropped.  Caller frees.
 */
char *
report_utf8(const char *s, size_t len)
{
	const unsigned char	*p = (const unsigned char *)s;
	char			*out;
	size_t			 i = 0, o = 0, n;

	out = xmalloc(len * 3 + 1);
	while (i < len) {
		if (p[i] == '\0') {
			i++;
			continue;
		}
		if ((n = report_utf8_len(p + i, len - i)) == 0) {
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
			continue;
		}
		memcpy(out + o, p + i, n);
		o += n;
		i += n;
	}
	out[o] = '\0';
	return out;
}

/*
 * The last LINES lines of the file PATH, or of its stretch from OFF for
 * LEN bytes (-1: the whole file), as valid UTF-8; NULL if there is
 * nothing to read.  Caller frees.
 */
char *
report_tail(const char *path, int64_t off, int64_t len, int lines)
{
	char	*buf, *out;
	size_t	 got;

	if ((buf = file_tail(path, off, len, lines, REPORT_TAIL_BYTES,
	    &got)) == NULL)
		return NULL;
	out = report_utf8(buf, got);
	free(buf);
	return out;
}

static int
report_read_run(sqlite3 *db, struct report *rp)
{
	sqlite3_stmt	*st;
	int		 has;

	if (sqlite3_prepare_v2(db, report_run_sql, -1, &st, NULL) !=
	    SQLITE_OK || sqlite3_bind_text(st, 1, rp->run, -1,
	    SQLITE_STATIC) != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return -1;
	}
	rp->name = report_col(st, 1);
	rp->file = report_col(st, 2);
	rp->state = report_col(st, 3);
	rp->exit_code = report_col_int(st, 4, &rp->has_exit);
	rp->began = report_col(st, 5);
	rp->completed = report_col(st, 6);
	rp->host = report_col(st, 7);
	rp->user = report_col(st, 8);
	rp->rundir = report_col(st, 9);
	rp->duration = report_col_time(st, 10);
	rp->now = report_col_time(st, 11);
	rp->complete = report_col_int(st, 12, &has);
	if (!has)
		rp->complete = -1;
	if (isnan(rp->duration))
		rp->duration = isnan(rp->now) ? 0 : rp->now;
	sqlite3_finalize(st);
	return 0;
}

static int
report_read_tasks(sqlite3 *db, struct report *rp)
{
	struct report_task	*t;
	sqlite3_stmt		*st;
	size_t			 cap = 0;
	int			 rc, v;

	v = db_version(db);
	if (sqlite3_prepare_v2(db, report_task_sql[v >= 6 ? 2 : v >= 5], -1,
	    &st, NULL) !=
	    SQLITE_OK || sqlite3_bind_text(st, 1, rp->run, -1,
	    SQLITE_STATIC) != SQLITE_OK) {
		sqlite3_finalize(st);
		return -1;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (rp->ntasks == cap) {
			cap = cap == 0 ? 256 : cap * 2;
			rp->tasks = xreallocarray(rp->tasks, cap,
			    sizeof *rp->tasks);
		}
		t = &rp->tasks[rp->ntasks++];
		memset(t, 0, sizeof *t);
		t->index = sqlite3_column_int64(st, 0);
		t->id = report_col(st, 1);
		t->app = report_col(st, 2);
		t->kind = report_col(st, 3);
		t->state = report_col(st, 4);
		t->deps = report_col(st, 5);
		t->exit_code = report_col_int(st, 6, &t->has_exit);
		t->sig = report_col_int(st, 7, &rc);
		t->stderr_path = report_col(st, 8);
		t->why = report_col(st, 9);
		t->asked = report_asked(st, 10);
		t->duration = NAN;
		t->rss = -1;
		if (t->id == NULL)
			t->id = xstrdup("?");
		if (t->state == NULL)
			t->state = xstrdup("pending");
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* The task whose index is INDEX, or NULL (the tasks are in order). */
struct report_task *
report_task_at(const struct report *rp, int64_t index)
{
	size_t	 lo = 0, hi = rp->ntasks, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (rp->tasks[mid].index == index)
			return &rp->tasks[mid];
		if (rp->tasks[mid].index < index)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* What a try tells of its task: tries, duration, reason, peak memory. */
static void
report_fold_try(struct report *rp, struct report_try *y)
{
	struct report_task	*t = &rp->tasks[y->task];

	t->ntries++;
	t->last = y - rp->tries;
	t->has_last = 1;
	if (y->rss > t->rss)
		t->rss = y->rss;
	if (!isnan(y->ended))
		t->duration = y->ended - (isnan(y->started) ?
		    (isnan(y->launched) ? y->ended : y->launched) :
		    y->started);
	else
		t->duration = NAN;
	free(t->reason);
	t->reason = y->reason != NULL ? xstrdup(y->reason) : NULL;
}

static int
report_read_tries(sqlite3 *db, struct report *rp)
{
	struct report_task	*t;
	struct report_try	*y;
	sqlite3_stmt		*st;
	const char		*pool, *host, *exec;
	size_t			 cap = 0;
	int			 rc, has, v = db_version(db);

	if (sqlite3_prepare_v2(db, report_try_sql[v >= 4 ? 2 : v >= 2], -1,
	    &st, NULL) != SQLITE_OK || sqlite3_bind_text(st, 1, rp->run, -1,
	    SQLITE_STATIC) != SQLITE_OK) {
		sqlite3_finalize(st);
		return -1;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((t = report_task_at(rp, sqlite3_column_int64(st, 0))) ==
		    NULL)
			continue;
		if (rp->ntries == cap) {
			cap = cap == 0 ? 256 : cap * 2;
			rp->tries = xreallocarray(rp->tries, cap,
			    sizeof *rp->tries);
		}
		y = &rp->tries[rp->ntries++];
		memset(y, 0, sizeof *y);
		y->task = t - rp->tasks;
		y->try_id = sqlite3_column_int(st, 1);
		pool = (const char *)sqlite3_column_text(st, 2);
		host = (const char *)sqlite3_column_text(st, 14);
		exec = (const char *)sqlite3_column_text(st, 15);
		/*
		 * The timeline's lane: a local pool by its number; a pool
		 * elsewhere by its host and block.
		 */
		if (pool == NULL)
			y->lane = NULL;
		else if (exec == NULL || strcmp(exec, "local") == 0)
			y->lane = xprintf("pool %s", pool);
		else
			y->lane = xprintf("%s %s", host != NULL ? host : "?",
			    pool);
		y->launched = report_col_time(st, 3);
		y->started = report_col_time(st, 4);
		y->ended = report_col_time(st, 5);
		y->state = report_col(st, 6);
		y->exit_code = report_col_int(st, 7, &y->has_exit);
		y->sig = report_col_int(st, 8, &has);
		y->reason = report_col(st, 9);
		y->stderr_path = report_col(st, 10);
		y->rss = sqlite3_column_type(st, 11) == SQLITE_NULL ? -1 :
		    sqlite3_column_int64(st, 11);
		y->err_off = sqlite3_column_type(st, 12) == SQLITE_NULL ? -1 :
		    sqlite3_column_int64(st, 12);
		y->err_len = sqlite3_column_type(st, 13) == SQLITE_NULL ? -1 :
		    sqlite3_column_int64(st, 13);
		report_fold_try(rp, y);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Whether a task in STATE gets the tail of its standard error. */
int
report_failed(const char *state)
{
	return strcmp(state, "failed") == 0 || strcmp(state, "killed") == 0;
}

/*
 * Reads run RUN (a run number; empty: the newest) of DIR/monitoring.db
 * into RP.  Returns 0, or prints why not, as "weft CMD: ...", and
 * returns the exit code.
 */
int
report_load(const char *dir, const char *run, struct report *rp,
    const char *cmd)
{
	struct report_task	*t;
	struct report_try	*y;
	sqlite3			*db;
	char			*path, *err;
	size_t			 i;
	int			 empty, rc;

	memset(rp, 0, sizeof *rp);
	snprintf(rp->run, sizeof rp->run, "%s", run);
	if ((rc = dbread_open(dir, &db, &path, &empty)) != 0) {
		free(path);
		return rc;
	}
	(void)cmd;
	if ((rc = dbread_find_run(db, path, empty, rp->run,
	    sizeof rp->run)) != 0)
		goto out;
	if (report_read_run(db, rp) == -1 || report_read_tasks(db, rp) == -1 ||
	    report_read_tries(db, rp) == -1) {
		rc = dbread_error(db, path);
		goto out;
	}
	for (i = 0; i < rp->ntasks; i++) {
		t = &rp->tasks[i];
		/* Not ended (yet), or killed: as its last try ended. */
		if (!t->has_exit && t->sig == 0 && t->has_last) {
			t->has_exit = rp->tries[t->last].has_exit;
			t->exit_code = rp->tries[t->last].exit_code;
			t->sig = rp->tries[t->last].sig;
		}
		if (!report_failed(t->state))
			continue;
		y = t->has_last ? &rp->tries[t->last] : NULL;
		err = y != NULL && y->stderr_path != NULL ? y->stderr_path :
		    t->stderr_path;
		/* A call's stderr is a stretch of its worker's log. */
		if (t->kind == NULL || strcmp(t->kind, "function") != 0)
			t->tail = report_tail(err, -1, -1, REPORT_TAIL_LINES);
		else if (y != NULL && y->err_off >= 0 && y->err_len >= 0)
			t->tail = report_tail(err, y->err_off, y->err_len,
			    REPORT_TAIL_LINES);
		if (t->stderr_path == NULL && err != NULL)
			t->stderr_path = xstrdup(err);
	}
out:
	dbread_close(db);
	free(path);
	if (rc != 0)
		report_free(rp);
	return rc;
}

void
report_free(struct report *rp)
{
	size_t	 i;

	for (i = 0; i < rp->ntasks; i++) {
		free(rp->tasks[i].id);
		free(rp->tasks[i].app);
		free(rp->tasks[i].kind);
		free(rp->tasks[i].state);
		free(rp->tasks[i].deps);
		free(rp->tasks[i].reason);
		free(rp->tasks[i].asked);
		free(rp->tasks[i].why);
		free(rp->tasks[i].stderr_path);
		free(rp->tasks[i].tail);
	}
	for (i = 0; i < rp->ntries; i++) {
		free(rp->tries[i].state);
		free(rp->tries[i].lane);
		free(rp->tries[i].reason);
		free(rp->tries[i].stderr_path);
	}
	free(rp->tasks);
	free(rp->tries);
	free(rp->name);
	free(rp->file);
	free(rp->state);
	free(rp->began);
	free(rp->completed);
	free(rp->host);
	free(rp->user);
	free(rp->rundir);
	memset(rp, 0, sizeof *rp);
}

/*
 * Writes RP to PATH ("-": standard output) with WRITE.  Returns 0, or
 * prints "weft CMD: cannot write PATH: ..." and returns the exit code:
 * EXIT_USAGE when PATH cannot be opened, EXIT_INTERNAL when writing it
 * failed.
 */
int
report_write(const struct report *rp, const char *path,
    int (*write)(const struct report *, FILE *), const char *cmd)
{
	FILE	*f;
	int	 rc, saved;

	if (strcmp(path, "-") == 0)
		f = stdout;
	else if ((f = fopen(path, "w")) == NULL) {
		fprintf(stderr, "weft %s: cannot write %s: %s\n", cmd, path,
		    strerror(errno));
		return EXIT_USAGE;
	}
	errno = 0;
	rc = write(rp, f);
	if (fflush(f) != 0 || ferror(f))
		rc = -1;
	saved = errno;
	if (f != stdout && fclose(f) != 0 && rc == 0) {
		rc = -1;
		saved = errno;
	}
	if (rc == -1) {
		fprintf(stderr, "weft %s: cannot write %s: %s\n", cmd, path,
		    saved != 0 ? strerror(saved) : "write error");
		return EXIT_INTERNAL;
	}
	return 0;
}
