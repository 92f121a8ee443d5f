/*
 * record.c: finishing the record of a run in the monitoring database, so
 * that no run stays "running" and no task "pending" once nothing of the
 * run is left to change them.
 *
 * record_settle makes a run's task rows agree with its try rows when its
 * end is recorded: the database writer calls it when it applies main's
 * end of the run, or the router's word that main is gone.  A task whose
 * try succeeded is done, whatever main knew of it (main's last events may
 * have died with it, or a pool ran a task whose start main never heard
 * of); a task whose last try was still running was killed, and that try
 * is closed; a task that never started did not run; a pool that never
 * said it exited is lost.
 *
 * record_recover is for the runs whose writer could not finish: main was
 * killed, or told three times to leave, or the writer was stalled until
 * main gave up waiting.  Their events wait in runs/NNNN/monitor.spool.
 * Every weft command that opens the database calls it: a run that is not
 * live (main.pid unlocked) and whose router and writer are gone (their
 * locks are free) gets the rest of its spool applied, exactly once, and
 * is recorded as lost if its end never was.
 */

#include <sys/file.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "weft.h"

#define TRY_OF_TASK	"y.run_id = task.run_id AND y.task_id = task.task_id"
#define STATUS_OF_TASK	"s.run_id = task.run_id AND s.task_id = task.task_id"
#define UNFINISHED	"task.weft_state IN ('pending', 'not_run')"
/* A try that succeeded outranks what main thought of its task. */
#define NOT_DONE	"task.weft_state IN ('pending', 'not_run', 'killed')"

/* What a settle changes of the run's tasks and tries. */
static const char *settle_sql[] = {
	/* A try that succeeded: the task is done. */
	"INSERT INTO status (run_id, task_id, try_id, task_status_name, "
	"  timestamp) SELECT task.run_id, task.task_id, (SELECT max(try_id) "
	"  FROM try y WHERE " TRY_OF_TASK " AND y.weft_state = 'done'), "
	"  'exec_done', coalesce((SELECT max(y.task_try_time_returned) FROM "
	"  try y WHERE " TRY_OF_TASK " AND y.weft_state = 'done'), ?2) FROM "
	"  task WHERE task.run_id = ?1 AND " NOT_DONE " AND EXISTS (SELECT 1 "
	"  FROM try y WHERE " TRY_OF_TASK " AND y.weft_state = 'done') AND "
	"  NOT EXISTS (SELECT 1 FROM status s WHERE " STATUS_OF_TASK " AND "
	"  s.task_status_name = 'exec_done')",
	"UPDATE task SET weft_state = 'done', weft_exit_code = 0, "
	"  weft_signal = NULL, task_time_returned = coalesce((SELECT "
	"  max(y.task_try_time_returned) FROM try y WHERE " TRY_OF_TASK
	"  AND y.weft_state = 'done'), ?2) WHERE task.run_id = ?1 AND "
	NOT_DONE " AND EXISTS (SELECT 1 FROM try y WHERE " TRY_OF_TASK
	"  AND y.weft_state = 'done')",
	/* A task that started and did not end: killed with the run. */
	"INSERT INTO status (run_id, task_id, try_id, task_status_name, "
	"  timestamp) SELECT task.run_id, task.task_id, (SELECT max(try_id) "
	"  FROM try y WHERE " TRY_OF_TASK "), 'failed', ?2 FROM task WHERE "
	"  task.run_id = ?1 AND " UNFINISHED " AND EXISTS (SELECT 1 FROM "
	"  try y WHERE " TRY_OF_TASK ") AND NOT EXISTS (SELECT 1 FROM "
	"  status s WHERE " STATUS_OF_TASK " AND s.task_status_name = "
	"  'failed' AND s.try_id = (SELECT max(try_id) FROM try y WHERE "
	TRY_OF_TASK "))",
	"UPDATE task SET weft_state = 'killed', task_time_returned = ?2 "
	"  WHERE task.run_id = ?1 AND " UNFINISHED " AND EXISTS (SELECT 1 "
	"  FROM try y WHERE " TRY_OF_TASK ")",
	"UPDATE try SET task_try_time_returned = ?2, weft_state = 'killed', "
	"  weft_fail_reason = coalesce(weft_fail_reason, ?3) "
	"  WHERE run_id = ?1 AND task_try_time_returned IS NULL",
	/* Never started. */
	"UPDATE task SET weft_state = 'not_run' WHERE run_id = ?1 AND "
	"  weft_state = 'pending'",
};

/*
 * A pool whose last word was not that it exited, or a provider's block
 * not in a final state of its scheduler's: made at every settle.
 */
static const char *settle_blocks_sql =
	"INSERT OR IGNORE INTO block (run_id, block_id, status, timestamp, "
	"  job_id, executor_label) SELECT b.run_id, b.block_id, 'lost', ?2, "
	"  b.job_id, b.executor_label FROM block b WHERE b.run_id = ?1 AND "
	"  b.timestamp = (SELECT max(timestamp) FROM block c WHERE "
	"  c.run_id = b.run_id AND c.block_id = b.block_id) AND "
	"  b.status NOT IN ('exited', 'lost', 'COMPLETED', 'FAILED', "
	"  'CANCELLED', 'TIMEOUT', 'NODE_FAIL', 'PREEMPTED', 'OUT_OF_MEMORY', "
	"  'BOOT_FAIL', 'DEADLINE')";

/*
 * The counts of a run's row, from its tasks, as Parsl counts them: those
 * that ran and succeeded (not cached ones), and those that failed for
 * good after a try of theirs started (not dep_fail, not a missing input
 * or a command that could not start, not a task killed with the run).
 */
static const char *recount_sql =
	"UPDATE workflow SET (tasks_completed_count, tasks_failed_count) = "
	"  (SELECT count(*) FILTER (WHERE weft_state = 'done'), "
	"  count(*) FILTER (WHERE weft_state = 'failed' AND EXISTS (SELECT 1 "
	"  FROM try y WHERE y.run_id = ?1 AND y.task_id = task.task_id AND "
	"  y.task_try_time_running IS NOT NULL)) FROM task WHERE "
	"  run_id = ?1) WHERE run_id = ?1";

/*
 * Whether a task or a try of the run is in a state that settle_sql's
 * statements about tasks and tries would change (each of them scans the
 * run's tasks or tries, a big part of a long run's last transaction).
 */
static const char *unsettled_sql =
	"SELECT EXISTS (SELECT 1 FROM task WHERE task.run_id = ?1 AND "
	NOT_DONE ") OR EXISTS (SELECT 1 FROM try WHERE run_id = ?1 AND "
	"  task_try_time_returned IS NULL)";

/* Runs SQL with ?1 RUN, ?2 the time WHEN, ?3 WHY; -1 on an error. */
static int
settle_step(sqlite3 *db, const char *sql, const char *run, const char *when,
    const char *why, int *changed)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		log_warnx("record: %s", sqlite3_errmsg(db));
		return -1;
	}
	sqlite3_bind_text(st, 1, run, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, when, -1, SQLITE_STATIC);
	if (sqlite3_bind_parameter_count(st) >= 3)
		sqlite3_bind_text(st, 3, why, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		log_warnx("record: %s", sqlite3_errmsg(db));
		return -1;
	}
	*changed += sqlite3_changes(db);
	return 0;
}

/* 1 if the run has a task or try to settle, 0 if not, -1 on an error. */
static int
unsettled(sqlite3 *db, const char *run)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (sqlite3_prepare_v2(db, unsettled_sql, -1, &st, NULL) !=
	    SQLITE_OK) {
		log_warnx("record: %s", sqlite3_errmsg(db));
		return -1;
	}
	sqlite3_bind_text(st, 1, run, -1, SQLITE_STATIC);
	rc = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) != 0 :
	    -1;
	if (rc == -1)
		log_warnx("record: %s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return rc;
}

/*
 * Settles run RUN as of time WHEN (epoch seconds), in the caller's
 * transaction; LOST says that main died without recording the end.
 * Returns how many rows changed, or -1.  A run whose every task and
 * try ended as it should (the usual end) needs only its blocks looked
 * at and its counts made.
 */
int
record_settle(sqlite3 *db, const char *run, double when, int lost)
{
	const char	*why;
	char		 ts[40];
	size_t		 i;
	int		 changed = 0, todo;

	db_time(when, ts, sizeof ts);
	why = lost ? "killed: main died, the run was lost" :
	    "killed: the run stopped";
	if ((todo = unsettled(db, run)) == -1)
		return -1;
	for (i = 0; todo && i < sizeof settle_sql / sizeof settle_sql[0];
	    i++) {
		if (settle_step(db, settle_sql[i], run, ts, why,
		    &changed) == -1)
			return -1;
	}
	if (settle_step(db, settle_blocks_sql, run, ts, why, &changed) == -1)
		return -1;
	if (changed > 0)
		log_info("record of run %s settled: %d rows", run, changed);
	if (settle_step(db, recount_sql, run, ts, why, &changed) == -1)
		return -1;
	return changed;
}

/* Takes an exclusive lock on PATH if it exists; 1 taken, 0 busy. */
static int
lock_if_there(const char *path, int *fd)
{
	*fd = open(path, O_RDWR|O_CLOEXEC);
	if (*fd == -1)
		return errno == ENOENT ? 1 : 0;
	if (flock(*fd, LOCK_EX|LOCK_NB) == -1) {
		close(*fd);
		*fd = -1;
		return 0;
	}
	return 1;
}

/* One line in the run's own weft.log, for whoever reads it later. */
static void
note_in_log(const char *path, const char *what)
{
	FILE	*f;
	char	*file, when[40];

	file = xprintf("%s/weft.log", path);
	if ((f = fopen(file, "ae")) != NULL) {
		db_time(db_now(), when, sizeof when);
		fprintf(f, "%s weft[%ld] info: record finished by a later "
		    "weft command: %s\n", when + 11, (long)getpid(), what);
		fclose(f);
	}
	free(file);
}

/* RUN_OPEN if the run's row in DB waits for its end, RUN_LOST... */
enum run_end { RUN_NONE, RUN_OPEN, RUN_LOST, RUN_ENDED };
static enum run_end
run_end_in(sqlite3 *db, const char *run)
{
	sqlite3_stmt	*st;
	enum run_end	 end = RUN_NONE;
	const char	*state;

	if (sqlite3_prepare_v2(db, "SELECT time_completed IS NULL, weft_state "
	    "FROM workflow WHERE run_id = ?1", -1, &st, NULL) != SQLITE_OK)
		return RUN_NONE;
	sqlite3_bind_text(st, 1, run, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		state = (const char *)sqlite3_column_text(st, 1);
		end = sqlite3_column_int(st, 0) ? RUN_OPEN : state != NULL &&
		    strcmp(state, "lost") == 0 ? RUN_LOST : RUN_ENDED;
	}
	sqlite3_finalize(st);
	return end;
}

static int
exec_sql(sqlite3 *db, const char *sql)
{
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK) {
		log_warnx("record: %s: %s", sql, sqlite3_errmsg(db));
		return -1;
	}
	return 0;
}

/*
 * Finishes the record of run NAME in folder PATH, if nothing of it is
 * alive: its spool goes into the database and, when its end was never
 * recorded, it is recorded as lost.  *DB is opened for writing on first
 * need.  Returns 1 if the run was finished, 0 if there was nothing to
 * do or it is not ours to do now, -1 on an error (said on stderr).
 */
static int
recover_run(const char *dbpath, sqlite3 **db, const char *name,
    const char *path, int tell)
{
	struct stat	 st;
	char		*spool, *lock, *err = NULL, ts[40];
	pid_t		 pid;
	int		 sfd = -1, lfd = -1, has_spool, rc = 0, n = 0, lost;
	enum run_end	 end;

	if (rundir_is_live(path, &pid) != 0)
		return 0;
	spool = xprintf("%s/monitor.spool", path);
	lock = xprintf("%s/dbwriter.lock", path);
	has_spool = stat(spool, &st) == 0;
	/* The router holds the spool, the writer its lock, while alive. */
	if (!lock_if_there(spool, &sfd) || !lock_if_there(lock, &lfd))
		goto out;
	if (*db == NULL && (*db = db_open(dbpath, DB_WRITE, &err)) == NULL) {
		if (tell)
			fprintf(stderr, "%s: cannot finish the record of "
			    "run %s: %s\n", weft_prog, name, err);
		free(err);
		rc = -1;
		goto out;
	}
	if (exec_sql(*db, "BEGIN IMMEDIATE") == -1) {
		if (tell)
			fprintf(stderr, "%s: cannot finish the record of "
			    "run %s: %s\n", weft_prog, name,
			    sqlite3_errmsg(*db));
		rc = -1;
		goto out;
	}
	if (sfd != -1 && dbwriter_import(*db, name, sfd) == -1)
		goto fail;
	end = run_end_in(*db, name);
	lost = end == RUN_OPEN;
	if (lost) {
		db_time(db_now(), ts, sizeof ts);
		if (settle_step(*db, "UPDATE workflow SET weft_state = 'lost', "
		    "time_completed = ?2, weft_monitoring_complete = 0 WHERE "
		    "run_id = ?1 AND time_completed IS NULL", name, ts, NULL,
		    &n) == -1)
			goto fail;
	}
	/* What the spool brought may change what the end settled. */
	if (end != RUN_NONE && record_settle(*db, name, db_now(),
	    lost || end == RUN_LOST) == -1)
		goto fail;
	if (exec_sql(*db, "COMMIT") == -1)
		goto fail;
	/* Everything in it is in the database now. */
	if (has_spool && unlink(spool) == -1)
		log_warn("cannot remove %s", spool);
	note_in_log(path, lost ? "recorded as lost: main ended without "
	    "recording the run's end" : "the rest of its events written");
	rc = 1;
	goto out;
fail:
	if (tell)
		fprintf(stderr, "%s: cannot finish the record of run %s: "
		    "%s\n", weft_prog, name, sqlite3_errmsg(*db));
	exec_sql(*db, "ROLLBACK");
	rc = -1;
out:
	if (sfd != -1)
		close(sfd);
	if (lfd != -1)
		close(lfd);
	free(spool);
	free(lock);
	return rc;
}

/* The runs whose row in the database at DBPATH waits for its end. */
static int
open_runs(const char *dbpath, int migrate, char ***names, size_t *n)
{
	sqlite3		*db;
	sqlite3_stmt	*st;
	char		*err = NULL;
	int		 version = 0;

	*names = NULL;
	*n = 0;
	if ((db = db_open(dbpath, DB_READ, &err)) == NULL) {
		free(err);
		return -1;
	}
	/* A reader leaves an older database as it is: a run brings it up. */
	if (sqlite3_prepare_v2(db, "SELECT value FROM weft_meta WHERE key = "
	    "'schema_version'", -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			version = sqlite3_column_int(st, 0);
		sqlite3_finalize(st);
	}
	if (version > DB_SCHEMA_VERSION || (version < DB_SCHEMA_VERSION &&
	    !migrate)) {
		sqlite3_close(db);
		return -1;
	}
	if (sqlite3_prepare_v2(db, "SELECT run_id FROM workflow WHERE "
	    "time_completed IS NULL", -1, &st, NULL) == SQLITE_OK) {
		while (sqlite3_step(st) == SQLITE_ROW) {
			*names = xreallocarray(*names, *n + 1, sizeof **names);
			(*names)[(*n)++] = xstrdup((const char *)
			    sqlite3_column_text(st, 0));
		}
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
	return 0;
}

/*
 * Finishes the record of every run under BASE (a .weft folder) that ended
 * without finishing it, noting it in each run's weft.log.  Quiet when
 * there is nothing to do, when the database does not exist or is not ours
 * to write.  FROM_RUN is for "weft run": it may bring an older database
 * up to date, and it says on stderr when a record cannot be finished;
 * the commands that only read do neither.  KNOWN says the database is as
 * the last run left it, that run's record complete (rundir.c): only runs
 * with a spool left can be unfinished, and the database is not read to
 * find others.  Returns how many runs were finished.
 */
int
record_recover(const char *base, int from_run, int known)
{
	DIR		*d;
	struct dirent	*de;
	struct stat	 st;
	sqlite3		*db = NULL;
	char		*dbpath, *runs, *path, name[16], **open;
	size_t		 nopen, i;
	int		 n = 0, candidate;

	dbpath = xprintf("%s/monitoring.db", base);
	runs = xprintf("%s/runs", base);
	open = NULL;
	nopen = 0;
	if (access(dbpath, W_OK) == -1 || (!known && open_runs(dbpath,
	    from_run, &open, &nopen) == -1))
		d = NULL;
	else if ((d = opendir(runs)) == NULL) {
		for (i = 0; i < nopen; i++)
			free(open[i]);
		free(open);
	}
	if (d == NULL) {
		free(dbpath);
		free(runs);
		return 0;
	}
	while ((de = readdir(d)) != NULL) {
		if (rundir_parse_name(de->d_name, name, sizeof name) == -1 ||
		    strcmp(name, de->d_name) != 0)
			continue;
		path = xprintf("%s/%s/monitor.spool", runs, de->d_name);
		candidate = stat(path, &st) == 0;
		for (i = 0; i < nopen && !candidate; i++)
			candidate = strcmp(open[i], name) == 0;
		free(path);
		if (!candidate)
			continue;
		path = xprintf("%s/%s", runs, de->d_name);
		if (recover_run(dbpath, &db, name, path, from_run) == 1)
			n++;
		free(path);
	}
	closedir(d);
	for (i = 0; i < nopen; i++)
		free(open[i]);
	free(open);
	if (db != NULL)
		sqlite3_close(db);
	free(dbpath);
	free(runs);
	return n;
}
