/*
 * recordfloor.c: the least CPU time that SQLite takes to record N
 * function calls in weft's monitoring database, the floor that
 * bench/record.sh sets beside weft's own cost of a recorded call.
 *
 * DB is an empty monitoring database with weft's schema and indexes
 * (record.sh copies the schema of one that weft made).  Each call gets
 * the rows that weft's writer writes at the least: its task row whole,
 * its try row whole, one resource row and its five statuses: eight rows
 * in four plain INSERTs of prepared statements (the statuses in one),
 * bound with the text and numbers such a call has, in transactions of
 * 20,000 rows, with the journal settings of weft's writer.  No upsert,
 * no update, no message, no spool: weft cannot record a call for less.
 * It prints the CPU time it used, in microseconds per call, and the
 * calls per second of one core.
 *
 *     recordfloor DB N
 */
#include <sys/resource.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#define ROWS_PER_TX	20000
#define RUN		"0001"

static const char *const sql[] = {
	"INSERT INTO task (run_id, task_id, weft_task_id, task_func_name, "
	"task_depends, task_inputs, task_outputs, task_stdin, task_stdout, "
	"task_stderr, task_time_invoked, task_time_returned, "
	"task_fail_count, task_fail_cost, weft_app_kind, weft_state, "
	"weft_exit_code, weft_result, weft_function, weft_plugin, weft_args, "
	"task_memoize, weft_cores, weft_gpus) VALUES (?1, ?2, ?3, 'noop', "
	"'', '[]', '[]', '/dev/null', ?4, ?5, ?6, ?7, 0, 0, 'function', "
	"'done', 0, '', 'noop', 'noop', ?8, 0, 1, 0)",
	"INSERT INTO try (run_id, task_id, try_id, block_id, hostname, "
	"task_executor, task_try_time_launched, task_try_time_running, "
	"task_try_time_returned, weft_pid, weft_exit_code, weft_state, "
	"weft_stdout, weft_stderr, weft_stdout_offset, weft_stdout_length, "
	"weft_stderr_offset, weft_stderr_length) VALUES (?1, ?2, 0, '0', "
	"'host', 'local', ?3, ?4, ?5, 4242, 0, 'done', ?6, ?7, 0, 0, 0, 0)",
	"INSERT INTO resource (run_id, task_id, try_id, timestamp, "
	"resource_monitoring_interval, psutil_process_pid, "
	"psutil_process_time_user, psutil_process_time_system, "
	"psutil_process_memory_resident, psutil_process_disk_read, "
	"psutil_process_disk_write, psutil_process_status, weft_final, "
	"psutil_process_num_ctx_switches_voluntary, "
	"psutil_process_num_ctx_switches_involuntary) VALUES (?1, ?2, 0, "
	"?3, 5.0, 4242, 0.0, 0.000003, 5783552, 0, 0, 'returned', 1, 0, 1)",
	/* Five rows in one statement: cheaper a row than five statements. */
	"INSERT INTO status (run_id, task_id, try_id, task_status_name, "
	"timestamp) VALUES (?1, ?2, 0, 'pending', ?3), "
	"(?1, ?2, 0, 'launched', ?3), (?1, ?2, 0, 'running', ?3), "
	"(?1, ?2, 0, 'running_ended', ?3), (?1, ?2, 0, 'exec_done', ?3)",
};
#define NSTMTS	(sizeof sql / sizeof sql[0])

static void
die(sqlite3 *db, const char *what)
{
	fprintf(stderr, "recordfloor: %s: %s\n", what,
	    db != NULL ? sqlite3_errmsg(db) : "out of memory");
	exit(1);
}

static void
step(sqlite3 *db, sqlite3_stmt *st)
{
	if (sqlite3_step(st) != SQLITE_DONE)
		die(db, "insert");
	sqlite3_reset(st);
}

static double
cpu_seconds(void)
{
	struct rusage	 ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
	    (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

int
main(int argc, char **argv)
{
	sqlite3		*db;
	sqlite3_stmt	*st[NSTMTS];
	char		 id[32], now[32], out[64], err[64], args[32];
	long		 n, i, rows = 0;
	size_t		 k;
	double		 t0, t;

	if (argc != 3 || (n = atol(argv[2])) < 1) {
		fprintf(stderr, "usage: recordfloor DB N\n");
		return 2;
	}
	sqlite3_config(SQLITE_CONFIG_SINGLETHREAD);
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	if (sqlite3_open(argv[1], &db) != SQLITE_OK)
		die(db, argv[1]);
	if (sqlite3_exec(db, "PRAGMA journal_mode=WAL; "
	    "PRAGMA synchronous=NORMAL", NULL, NULL, NULL) != SQLITE_OK)
		die(db, "journal");
	for (k = 0; k < NSTMTS; k++) {
		if (sqlite3_prepare_v3(db, sql[k], -1,
		    SQLITE_PREPARE_PERSISTENT, &st[k], NULL) != SQLITE_OK)
			die(db, "prepare");
	}
	snprintf(out, sizeof out, "/home/user/wf/.weft/runs/%s/worker-0.0.out",
	    RUN);
	snprintf(err, sizeof err, "/home/user/wf/.weft/runs/%s/worker-0.0.log",
	    RUN);
	t0 = cpu_seconds();
	sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	for (i = 0; i < n; i++) {
		snprintf(id, sizeof id, "call[i=%ld]", i + 1);
		snprintf(args, sizeof args, "{\"i\":\"%ld\"}", i + 1);
		/* A new time for every row, as a call's rows have. */
		snprintf(now, sizeof now, "2026-12-07 20:52:%02ld.%06ld",
		    i / 100000 % 60, i % 1000000);
		sqlite3_bind_text(st[0], 1, RUN, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st[0], 2, i);
		sqlite3_bind_text(st[0], 3, id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st[0], 4, out, -1, SQLITE_STATIC);
		sqlite3_bind_text(st[0], 5, err, -1, SQLITE_STATIC);
		sqlite3_bind_text(st[0], 6, now, -1, SQLITE_STATIC);
		sqlite3_bind_text(st[0], 7, now, -1, SQLITE_STATIC);
		sqlite3_bind_text(st[0], 8, args, -1, SQLITE_STATIC);
		step(db, st[0]);
		sqlite3_bind_text(st[1], 1, RUN, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st[1], 2, i);
		for (k = 3; k <= 5; k++)
			sqlite3_bind_text(st[1], k, now, -1, SQLITE_STATIC);
		sqlite3_bind_text(st[1], 6, out, -1, SQLITE_STATIC);
		sqlite3_bind_text(st[1], 7, err, -1, SQLITE_STATIC);
		step(db, st[1]);
		sqlite3_bind_text(st[2], 1, RUN, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st[2], 2, i);
		sqlite3_bind_text(st[2], 3, now, -1, SQLITE_STATIC);
		step(db, st[2]);
		sqlite3_bind_text(st[3], 1, RUN, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st[3], 2, i);
		sqlite3_bind_text(st[3], 3, now, -1, SQLITE_STATIC);
		step(db, st[3]);
		rows += 8;
		if (rows >= ROWS_PER_TX) {
			if (sqlite3_exec(db, "COMMIT; BEGIN IMMEDIATE", NULL,
			    NULL, NULL) != SQLITE_OK)
				die(db, "commit");
			rows = 0;
		}
	}
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		die(db, "commit");
	t = cpu_seconds() - t0;
	for (k = 0; k < NSTMTS; k++)
		sqlite3_finalize(st[k]);
	sqlite3_close(db);
	printf("%ld calls, %ld rows, %.3f s of CPU: %.2f us a call, "
	    "%.0f calls/s on one core\n", n, n * 8, t, t * 1e6 / n, n / t);
	return 0;
}
