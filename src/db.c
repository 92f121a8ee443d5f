/*
 * db.c: the monitoring database, .weft/monitoring.db, shared by every run
 * in that folder.  Table and column names follow Parsl's monitoring schema
 * where the meaning is the same, so that people and tools that know
 * Parsl's database can read this one; weft's own columns are prefixed
 * "weft_".  Timestamps are text, 'YYYY-MM-DD HH:MM:SS.ffffff' in local
 * time, as Parsl stores them, so julianday() works on them.
 *
 * Only the dbwriter writes.  Everyone else opens the file read-only; WAL
 * journaling means readers never block the writer nor it them.
 *
 * Bump DB_SCHEMA_VERSION and add a step to db_migrate() when the schema
 * changes.
 */

#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "weft.h"

static const char *schema_v1 =
	"CREATE TABLE IF NOT EXISTS weft_meta ("
	"  key TEXT PRIMARY KEY,"
	"  value TEXT);"
	"CREATE TABLE IF NOT EXISTS workflow ("
	"  run_id TEXT PRIMARY KEY,"
	"  workflow_name TEXT,"
	"  workflow_version TEXT,"
	"  time_began TEXT,"
	"  time_completed TEXT,"
	"  host TEXT,"
	"  user TEXT,"
	"  rundir TEXT,"
	"  tasks_failed_count INTEGER NOT NULL DEFAULT 0,"
	"  tasks_completed_count INTEGER NOT NULL DEFAULT 0,"
	"  weft_workflow_file TEXT,"
	"  weft_task_count INTEGER,"
	"  weft_state TEXT,"		/* running, done, failed, ... */
	"  weft_exit_code INTEGER,"
	"  weft_monitoring_complete INTEGER);"
	"CREATE TABLE IF NOT EXISTS task ("
	"  task_id INTEGER NOT NULL,"
	"  run_id TEXT NOT NULL,"
	"  task_depends TEXT,"
	"  task_func_name TEXT,"
	"  task_memoize INTEGER,"
	"  task_hashsum TEXT,"
	"  task_inputs TEXT,"
	"  task_outputs TEXT,"
	"  task_stdin TEXT,"
	"  task_stdout TEXT,"
	"  task_stderr TEXT,"
	"  task_time_invoked TEXT,"
	"  task_time_returned TEXT,"
	"  task_fail_count INTEGER NOT NULL DEFAULT 0,"
	"  task_fail_cost REAL NOT NULL DEFAULT 0,"
	"  weft_task_id TEXT NOT NULL,"
	"  weft_app_kind TEXT,"
	"  weft_state TEXT,"
	"  weft_exit_code INTEGER,"
	"  weft_signal INTEGER,"
	"  PRIMARY KEY (run_id, task_id));"
	"CREATE TABLE IF NOT EXISTS try ("
	"  try_id INTEGER NOT NULL,"
	"  task_id INTEGER NOT NULL,"
	"  run_id TEXT NOT NULL,"
	"  block_id TEXT,"
	"  hostname TEXT,"
	"  task_executor TEXT,"
	"  task_try_time_launched TEXT,"
	"  task_try_time_running TEXT,"
	"  task_try_time_returned TEXT,"
	"  task_fail_history TEXT,"
	"  task_joins TEXT,"
	"  weft_pid INTEGER,"
	"  weft_exit_code INTEGER,"
	"  weft_signal INTEGER,"
	"  weft_fail_reason TEXT,"
	"  PRIMARY KEY (run_id, task_id, try_id));"
	"CREATE TABLE IF NOT EXISTS status ("
	"  task_id INTEGER NOT NULL,"
	"  task_status_name TEXT NOT NULL,"
	"  timestamp TEXT NOT NULL,"
	"  run_id TEXT NOT NULL,"
	"  try_id INTEGER);"
	"CREATE INDEX IF NOT EXISTS status_run ON status (run_id, task_id);"
	"CREATE TABLE IF NOT EXISTS resource ("
	"  task_id INTEGER NOT NULL,"
	"  try_id INTEGER NOT NULL,"
	"  run_id TEXT NOT NULL,"
	"  timestamp TEXT NOT NULL,"
	"  resource_monitoring_interval REAL,"
	"  psutil_process_pid INTEGER,"
	"  psutil_process_cpu_percent REAL,"
	"  psutil_process_memory_percent REAL,"
	"  psutil_process_children_count INTEGER,"
	"  psutil_process_time_user REAL,"
	"  psutil_process_time_system REAL,"
	"  psutil_process_memory_virtual INTEGER,"
	"  psutil_process_memory_resident INTEGER,"
	"  psutil_process_disk_read INTEGER,"
	"  psutil_process_disk_write INTEGER,"
	"  psutil_process_status TEXT,"
	"  psutil_cpu_num TEXT,"
	"  weft_final INTEGER NOT NULL DEFAULT 0);"	/* 1: rusage at end */
	"CREATE INDEX IF NOT EXISTS resource_run ON resource (run_id, task_id);"
	"CREATE TABLE IF NOT EXISTS node ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  run_id TEXT NOT NULL,"
	"  hostname TEXT,"
	"  uid TEXT,"
	"  block_id TEXT,"
	"  cpu_count INTEGER,"
	"  total_memory INTEGER,"
	"  active INTEGER,"
	"  worker_count INTEGER,"
	"  python_version TEXT,"
	"  timestamp TEXT,"
	"  last_heartbeat TEXT);"
	"CREATE TABLE IF NOT EXISTS block ("
	"  run_id TEXT NOT NULL,"
	"  executor_label TEXT,"
	"  block_id TEXT NOT NULL,"
	"  job_id TEXT,"
	"  timestamp TEXT NOT NULL,"
	"  status TEXT,"
	"  PRIMARY KEY (run_id, block_id, timestamp));"
	/* Exactly-once bookkeeping of the writer (see dbwriter.c). */
	"CREATE TABLE IF NOT EXISTS weft_sender ("
	"  run_id TEXT NOT NULL,"
	"  sender TEXT NOT NULL,"
	"  last_seq INTEGER NOT NULL,"	/* every seq up to here applied */
	"  applied_above TEXT,"		/* and these, comma-separated */
	"  PRIMARY KEY (run_id, sender));"
	"CREATE TABLE IF NOT EXISTS weft_spool ("
	"  run_id TEXT PRIMARY KEY,"
	"  committed INTEGER NOT NULL);";

/* Version 2: function apps' results; how each try ended, its logs. */
static const char *schema_v2 =
	"ALTER TABLE task ADD COLUMN weft_result TEXT;"
	"ALTER TABLE try ADD COLUMN weft_state TEXT;"
	"ALTER TABLE try ADD COLUMN weft_stdout TEXT;"
	"ALTER TABLE try ADD COLUMN weft_stderr TEXT;";

/*
 * Version 3: the columns of Parsl's schema that weft lacked.  node's
 * python_v is Parsl's name for what weft called python_version; both
 * stay (weft runs no Python: both are NULL).
 */
static const char *schema_v3 =
	"ALTER TABLE node ADD COLUMN python_v TEXT;"
	"ALTER TABLE resource ADD COLUMN "
	"psutil_process_num_ctx_switches_voluntary REAL;"
	"ALTER TABLE resource ADD COLUMN "
	"psutil_process_num_ctx_switches_involuntary REAL;";

/*
 * Version 4: what ran.  A command task's command as expanded; a function
 * call's function (plugin:symbol), plugin path and arguments (a JSON
 * object).  A call's output is a stretch of its worker's logs: offset and
 * length in weft_stdout and weft_stderr (NULL: the whole file).
 */
static const char *schema_v4 =
	"ALTER TABLE task ADD COLUMN weft_command TEXT;"
	"ALTER TABLE task ADD COLUMN weft_function TEXT;"
	"ALTER TABLE task ADD COLUMN weft_plugin TEXT;"
	"ALTER TABLE task ADD COLUMN weft_args TEXT;"
	"ALTER TABLE try ADD COLUMN weft_stdout_offset INTEGER;"
	"ALTER TABLE try ADD COLUMN weft_stdout_length INTEGER;"
	"ALTER TABLE try ADD COLUMN weft_stderr_offset INTEGER;"
	"ALTER TABLE try ADD COLUMN weft_stderr_length INTEGER;";

/*
 * Version 5: why a task ended as it did beyond its tries: the reason a
 * condition skipped it, or that it was allowed to fail.
 */
static const char *schema_v5 =
	"ALTER TABLE task ADD COLUMN weft_reason TEXT;";
/* Version 6: what a task asked for (resources:). */
static const char *schema_v6 =
	"ALTER TABLE task ADD COLUMN weft_cores INTEGER;"
	"ALTER TABLE task ADD COLUMN weft_memory INTEGER;"
	"ALTER TABLE task ADD COLUMN weft_gpus INTEGER;";

/*
 * Version 7: the statuses are indexed by run alone, and the final ones
 * by run and task too.  A run writes every task's pending status first,
 * so each later status went into the middle of an index by task, and
 * that index cost the writer about a tenth of its time; a run's
 * statuses, in the order written, go at the end of an index by run.
 * Looking for a task's final status (record.c, a late final status)
 * uses the partial index, one row of five.  Its condition is weft.h's
 * DB_FINAL_STATUS, written out here (tests/cli/dbfixture.bash reads the
 * schema from this file; test-db checks that the two agree) and as ORs:
 * an IN list would be built again for every row written.
 */
static const char *schema_v7 =
	"DROP INDEX IF EXISTS status_run;"
	"CREATE INDEX status_run ON status (run_id);"
	"CREATE INDEX status_final ON status (run_id, task_id) WHERE "
	"(task_status_name = 'exec_done' OR task_status_name = 'failed' "
	"OR task_status_name = 'dep_fail' OR task_status_name = 'memo_done');";

/* Formats an epoch time as the text timestamps of the database. */
void
db_time(double t, char *buf, size_t len)
{
	/*
	 * The date and time of the last second asked: most times share it.
	 * The writer formats several times a task, so no printf here.
	 */
	static time_t	 last = -1;
	static char	 base[32];
	static size_t	 baselen;
	struct tm	 tm;
	time_t		 s = (time_t)t;
	long		 us = (long)((t - (double)s) * 1e6);
	char		 frac[8];
	int		 i;

	if (us < 0)
		us = 0;
	if (us > 999999)
		us = 999999;
	if (s != last) {
		localtime_r(&s, &tm);
		baselen = strftime(base, sizeof base, "%Y-%m-%d %H:%M:%S",
		    &tm);
		last = s;
	}
	frac[0] = '.';
	for (i = 6; i >= 1; i--, us /= 10)
		frac[i] = '0' + us % 10;
	frac[7] = '\0';
	if (baselen + sizeof frac <= len) {
		memcpy(buf, base, baselen);
		memcpy(buf + baselen, frac, sizeof frac);
	} else if (len > 0)
		buf[0] = '\0';
}

static int
db_exec(sqlite3 *db, const char *sql, char **errp)
{
	char	*msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		if (errp != NULL)
			xasprintf(errp, "%s", msg != NULL ? msg :
			    sqlite3_errmsg(db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

/*
 * Opens the database.  The writer (DB_WRITE) creates or migrates the
 * schema and switches to WAL; readers open read-only and never create
 * anything.  Returns NULL with a message in *errp.
 */
sqlite3 *
db_open(const char *path, int mode, char **errp)
{
	sqlite3		*db = NULL;
	int		 flags, full;
	char		*err = NULL;

	flags = mode == DB_WRITE ?
	    SQLITE_OPEN_READWRITE|SQLITE_OPEN_CREATE :
	    SQLITE_OPEN_READONLY;
	if (sqlite3_open_v2(path, &db, flags, NULL) != SQLITE_OK) {
		xasprintf(errp, "cannot open '%s': %s", path,
		    db != NULL ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		return NULL;
	}
	/* Long enough for another run's writer to finish a batch. */
	sqlite3_busy_timeout(db, 30000);
	if (mode != DB_WRITE)
		return db;
	/* The WAL is folded in as it grows, not in two syncs per run. */
	sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
	errno = 0;
	if (db_exec(db, "PRAGMA journal_mode=WAL;"
	    "PRAGMA synchronous=NORMAL;", &err) == -1 ||
	    db_migrate(db, &err) == -1) {
		/* db_migrate's ROLLBACK leaves ENOSPC in errno. */
		full = db_full(db) || errno == ENOSPC;
		xasprintf(errp, "cannot set up '%s': %s", path,
		    full ? DISK_FULL : err);
		free(err);
		sqlite3_close(db);
		/* The writer tells a full disk from other failures. */
		errno = full ? ENOSPC : 0;
		return NULL;
	}
	return db;
}

/*
 * The highest run number the database at PATH holds a record of; 0 when
 * it holds none or cannot be read.  The run folders are not the only
 * memory of the numbers given: a record outlives its folder.  The caller
 * holds the runs lock, so a database locked by another process is waited
 * for 2 s at most, not db_open's 30 s.
 */
unsigned
db_highest_run(const char *path)
{
	sqlite3		*db;
	sqlite3_stmt	*st;
	sqlite3_int64	 n = 0;
	char		*err = NULL;

	if (access(path, F_OK) == -1 ||
	    (db = db_open(path, DB_READ, &err)) == NULL) {
		free(err);
		return 0;
	}
	sqlite3_busy_timeout(db, 2000);
	if (sqlite3_prepare_v2(db, "SELECT max(CAST(run_id AS INTEGER)) "
	    "FROM workflow", -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			n = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
	return n > 0 && n < UINT_MAX ? (unsigned)n : 0;
}

#define DB_WAL_FOLD_BYTES	(1024 * 1024)	/* WAL left at rest, at most */

/*
 * Called by a writer as it closes DB.  The first process to open a WAL
 * database that no other has open reads the whole WAL to rebuild its
 * index, so a WAL left large at rest slows the start of every weft
 * command; past DB_WAL_FOLD_BYTES it is folded into the database and
 * emptied.  A reader in the way for 100 ms only puts that off.
 */
void
db_wal_fold(sqlite3 *db)
{
	const char	*wal;
	struct stat	 st;

	wal = sqlite3_filename_wal(sqlite3_db_filename(db, "main"));
	if (wal == NULL || stat(wal, &st) == -1 ||
	    st.st_size <= DB_WAL_FOLD_BYTES)
		return;
	sqlite3_busy_timeout(db, 100);
	if (sqlite3_wal_checkpoint_v2(db, "main", SQLITE_CHECKPOINT_TRUNCATE,
	    NULL, NULL) == SQLITE_OK)
		log_info("folded the WAL of %s (%lld bytes) into it",
		    sqlite3_db_filename(db, "main"), (long long)st.st_size);
}

/*
 * The schema version that TABLE (key, value) of DB holds: 0 for none, -1
 * if TABLE cannot be read.  The cache keeps one too (cache.c).
 */
int
db_meta_version(sqlite3 *db, const char *table)
{
	sqlite3_stmt	*st;
	char		*sql;
	int		 v = 0, rc;

	sql = xprintf("SELECT value FROM %s WHERE key = 'schema_version'",
	    table);
	rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	free(sql);
	if (rc != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* The schema version a database says it has; 0 for a new one. */
int
db_version(sqlite3 *db)
{
	int	 v = db_meta_version(db, "weft_meta");

	return v == -1 ? 0 : v;
}

/* Rolls back a failed migration; errno says whether the disk is full. */
static int
db_migrate_fail(sqlite3 *db)
{
	int	 full = db_full(db);

	db_exec(db, "ROLLBACK;", NULL);
	errno = full ? ENOSPC : 0;
	return -1;
}

/*
 * Creates the schema, or brings an older one up to date.  A database
 * written by a newer weft is left alone.
 */
int
db_migrate(sqlite3 *db, char **errp)
{
	char	*sql;
	int	 rc, v;

	if (db_exec(db, "BEGIN IMMEDIATE;", errp) == -1)
		return -1;
	if ((v = db_version(db)) > DB_SCHEMA_VERSION) {
		xasprintf(errp, "its schema version %d is newer than this "
		    "weft's (%d)", v, DB_SCHEMA_VERSION);
		db_exec(db, "ROLLBACK;", NULL);
		return -1;
	}
	/* Version 7 builds an index of every status: long, once. */
	if (v > 0 && v < DB_SCHEMA_VERSION)
		log_info("database: schema version %d brought to %d", v,
		    DB_SCHEMA_VERSION);
	if (db_exec(db, schema_v1, errp) == -1 ||
	    (v < 2 && db_exec(db, schema_v2, errp) == -1) ||
	    (v < 3 && db_exec(db, schema_v3, errp) == -1) ||
	    (v < 4 && db_exec(db, schema_v4, errp) == -1) ||
	    (v < 5 && db_exec(db, schema_v5, errp) == -1) ||
	    (v < 6 && db_exec(db, schema_v6, errp) == -1) ||
	    (v < 7 && db_exec(db, schema_v7, errp) == -1))
		return db_migrate_fail(db);
	sql = xprintf("INSERT OR REPLACE INTO weft_meta VALUES "
	    "('schema_version', '%d');", DB_SCHEMA_VERSION);
	rc = db_exec(db, sql, errp);
	free(sql);
	if (rc == -1 || db_exec(db, "COMMIT;", errp) == -1)
		return db_migrate_fail(db);
	return 0;
}

/*
 * Whether the last error of DB is a full disk (SQLite says "database or
 * disk is full", or the write under it failed with ENOSPC).  Such a
 * database is sound: it is never taken for a damaged one.
 */
int
db_full(sqlite3 *db)
{
	return db != NULL && ((sqlite3_errcode(db) & 0xff) == SQLITE_FULL ||
	    sqlite3_system_errno(db) == ENOSPC);
}

/* The last error of DB, in the words weft uses for a full disk. */
const char *
db_errmsg(sqlite3 *db)
{
	if (db == NULL)
		return "out of memory";
	return db_full(db) ? DISK_FULL : sqlite3_errmsg(db);
}
