/*
 * dbwriter-sql.c: the statements of the database writer (dbwriter.c),
 * one per kind of event and two for its own bookkeeping.
 *
 * Rows about one task or try come from several processes in no fixed
 * order, so they are upserts in which a missing (nil) field leaves the
 * column alone.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "weft.h"
#include "proto.h"
#include "dbwriter.h"

const char *const dbw_sql[ST_NSTMTS] = {
	[ST_WORKFLOW] = "INSERT INTO workflow (run_id, time_began, "
	    "workflow_name, workflow_version, host, user, rundir, "
	    "weft_workflow_file, weft_task_count, weft_state, "
	    "weft_monitoring_complete) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'running', 0) "
	    "ON CONFLICT (run_id) DO UPDATE SET time_began = ?2, "
	    "workflow_name = ?3, workflow_version = ?4, host = ?5, user = ?6, "
	    "rundir = ?7, weft_workflow_file = ?8, weft_task_count = ?9",
	[ST_WORKFLOW_END] = "UPDATE workflow SET time_completed = ?2, "
	    "tasks_completed_count = ?3, tasks_failed_count = ?4, "
	    "weft_state = ?5, weft_exit_code = ?6, "
	    "weft_monitoring_complete = ?7 WHERE run_id = ?1",
	[ST_TASK] = "INSERT INTO task (run_id, task_id, weft_task_id, "
	    "task_func_name, task_depends, task_inputs, task_outputs, "
	    "task_stdout, task_stderr, task_time_invoked, weft_app_kind, "
	    "task_memoize, task_stdin, weft_state, weft_cores, weft_memory, "
	    "weft_gpus, weft_command, weft_function, weft_plugin, weft_args) "
	    "VALUES (?1, ?2, ?3, ?4, "
	    "?5, ?6, ?7, ?8, ?9, ?10, ?11, 0, '/dev/null', 'pending', ?12, "
	    "?13, ?14, ?15, ?16, ?17, ?18) "
	    "ON CONFLICT (run_id, task_id) DO NOTHING",
	[ST_STATUS] = "INSERT INTO status (run_id, task_id, try_id, "
	    "task_status_name, timestamp) VALUES (?1, ?2, ?3, ?4, ?5)",
	/*
	 * A final status that is already there is not added again: the
	 * record of a run that stopped early may have been settled
	 * (record.c) before main's own last events came.  The test costs a
	 * search of the task's final statuses (DB_FINAL_STATUS lets it use
	 * index status_final), so it is made only once the run's record has
	 * been settled (dbw.settled): no one settles a run while its writer
	 * holds dbwriter.lock.
	 */
	[ST_STATUS_FINAL] = "INSERT INTO status (run_id, task_id, try_id, "
	    "task_status_name, timestamp) SELECT ?1, ?2, ?3, ?4, ?5 WHERE "
	    "NOT EXISTS (SELECT 1 FROM status WHERE run_id = ?1 AND "
	    "task_id = ?2 AND try_id IS ?3 AND task_status_name = ?4 AND "
	    DB_FINAL_STATUS ")",
	/*
	 * An upsert, so that ends go DBW_ROWS to a statement: the task's
	 * row is always there (main's EV_TASK came first, in order; were
	 * it not, the row added would have an empty weft_task_id).
	 */
	[ST_TASK_END] = "INSERT INTO task (run_id, task_id, weft_task_id, "
	    "task_time_returned, weft_state, task_fail_count, task_fail_cost, "
	    "weft_exit_code, weft_signal, weft_result, task_stdout, "
	    "task_stderr, task_memoize, weft_reason) VALUES (?1, ?2, '', ?3, "
	    "?4, ?5, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) "
	    "ON CONFLICT (run_id, task_id) DO UPDATE SET "
	    "task_time_returned = excluded.task_time_returned, "
	    "weft_state = excluded.weft_state, "
	    "task_fail_count = excluded.task_fail_count, "
	    "task_fail_cost = excluded.task_fail_cost, "
	    "weft_exit_code = excluded.weft_exit_code, "
	    "weft_signal = excluded.weft_signal, "
	    "weft_result = excluded.weft_result, "
	    "task_stdout = CASE WHEN excluded.task_stdout IS NULL THEN "
	    "task_stdout WHEN excluded.task_stdout = '' THEN NULL "
	    "ELSE excluded.task_stdout END, "
	    "task_stderr = CASE WHEN excluded.task_stderr IS NULL THEN "
	    "task_stderr WHEN excluded.task_stderr = '' THEN NULL "
	    "ELSE excluded.task_stderr END, "
	    "task_memoize = coalesce(excluded.task_memoize, task_memoize), "
	    "weft_reason = coalesce(excluded.weft_reason, weft_reason)",
	[ST_TRY] = "INSERT INTO try (run_id, task_id, try_id, block_id, "
	    "hostname, task_executor, task_try_time_launched, "
	    "task_try_time_running, task_try_time_returned, weft_pid, "
	    "weft_exit_code, weft_signal, weft_fail_reason, weft_state, "
	    "weft_stdout, weft_stderr, weft_stdout_offset, weft_stdout_length, "
	    "weft_stderr_offset, weft_stderr_length) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, "
	    "?14, ?15, ?16, ?17, ?18, ?19, ?20) "
	    "ON CONFLICT (run_id, task_id, try_id) DO UPDATE SET "
	    "block_id = coalesce(excluded.block_id, block_id), "
	    "hostname = coalesce(excluded.hostname, hostname), "
	    "task_executor = coalesce(excluded.task_executor, task_executor), "
	    "task_try_time_launched = "
	    "coalesce(excluded.task_try_time_launched, "
	    "task_try_time_launched), "
	    "task_try_time_running = coalesce(excluded.task_try_time_running, "
	    "task_try_time_running), "
	    "task_try_time_returned = "
	    "coalesce(excluded.task_try_time_returned, "
	    "task_try_time_returned), "
	    "weft_pid = coalesce(excluded.weft_pid, weft_pid), "
	    "weft_exit_code = coalesce(excluded.weft_exit_code, "
	    "weft_exit_code), "
	    "weft_signal = coalesce(excluded.weft_signal, weft_signal), "
	    "weft_fail_reason = coalesce(excluded.weft_fail_reason, "
	    "weft_fail_reason), "
	    "weft_state = coalesce(excluded.weft_state, weft_state), "
	    "weft_stdout = coalesce(excluded.weft_stdout, weft_stdout), "
	    "weft_stderr = coalesce(excluded.weft_stderr, weft_stderr), "
	    "weft_stdout_offset = coalesce(excluded.weft_stdout_offset, "
	    "weft_stdout_offset), "
	    "weft_stdout_length = coalesce(excluded.weft_stdout_length, "
	    "weft_stdout_length), "
	    "weft_stderr_offset = coalesce(excluded.weft_stderr_offset, "
	    "weft_stderr_offset), "
	    "weft_stderr_length = coalesce(excluded.weft_stderr_length, "
	    "weft_stderr_length)",
	[ST_TASK_TEXT] = "UPDATE task SET "
	    "weft_command = coalesce(?3, weft_command), "
	    "weft_function = coalesce(?4, weft_function), "
	    "weft_plugin = coalesce(?5, weft_plugin), "
	    "weft_args = coalesce(?6, weft_args) "
	    "WHERE run_id = ?1 AND task_id = ?2",
	[ST_RESOURCE] = "INSERT INTO resource (run_id, task_id, try_id, "
	    "timestamp, resource_monitoring_interval, psutil_process_pid, "
	    "psutil_process_time_user, psutil_process_time_system, "
	    "psutil_process_memory_resident, psutil_process_memory_virtual, "
	    "psutil_process_disk_read, psutil_process_disk_write, "
	    "psutil_process_children_count, psutil_process_status, "
	    "weft_final, psutil_process_num_ctx_switches_voluntary, "
	    "psutil_process_num_ctx_switches_involuntary) VALUES (?1, ?2, "
	    "?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, "
	    "?17)",
	[ST_BLOCK] = "INSERT OR REPLACE INTO block (run_id, block_id, status, "
	    "timestamp, job_id, executor_label) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, coalesce(?6, 'local'))",
	[ST_NODE] = "INSERT INTO node (run_id, block_id, hostname, cpu_count, "
	    "total_memory, worker_count, timestamp, last_heartbeat, active, "
	    "uid) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, 1, ?8)",
	[ST_WORKFLOW_LOST] = "UPDATE workflow SET weft_state = 'lost', "
	    "time_completed = ?2, weft_monitoring_complete = 0, "
	    "tasks_completed_count = (SELECT count(*) FROM task WHERE "
	    "run_id = ?1 AND weft_state = 'done'), tasks_failed_count = "
	    "(SELECT count(*) FROM task WHERE run_id = ?1 AND weft_state = "
	    "'failed' AND EXISTS (SELECT 1 FROM try WHERE try.run_id = ?1 "
	    "AND try.task_id = task.task_id AND task_try_time_running IS NOT "
	    "NULL)) WHERE run_id = ?1 AND time_completed IS NULL",
	[ST_SENDER] = "INSERT INTO weft_sender (run_id, sender, last_seq, "
	    "applied_above) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (run_id, "
	    "sender) DO UPDATE SET last_seq = ?3, applied_above = ?4",
	/* In parentheses: clang takes a two-piece last string for a typo. */
	[ST_SPOOL] = ("INSERT INTO weft_spool (run_id, committed) "
	    "VALUES (?1, ?2) ON CONFLICT (run_id) DO UPDATE SET "
	    "committed = ?2"),
};

/*
 * The statement of DBW_ROWS rows at once of SINGLE, an insert whose
 * values are ?1 (the run) and then NFIELDS parameters, maybe among
 * literals, and whose clause after them (an upsert's) reads no
 * parameter: one statement for many rows costs SQLite much less per
 * row than a statement per row.  Caller frees.
 */
char *
dbw_sql_rows(enum dbw_stmt single, unsigned nfields)
{
	const char	*sql = dbw_sql[single], *values, *q, *end;
	char		*s = NULL, *num;
	size_t		 len;
	unsigned	 j;
	unsigned long	 k;
	FILE		*f;

	values = strstr(sql, "VALUES (");
	end = values != NULL ? strchr(values, ')') : NULL;
	if (end == NULL || strchr(end, '?') != NULL ||
	    (f = open_memstream(&s, &len)) == NULL)
		fatalx("dbw_sql_rows: no statement for %d", single);
	values += 7;
	fwrite(sql, 1, values - sql, f);
	for (j = 0; j < DBW_ROWS; j++) {
		if (j > 0)
			fputs(", ", f);
		/* The tuple again, its ?K renumbered for row J. */
		for (q = values; q <= end; q++) {
			if (*q != '?') {
				fputc(*q, f);
				continue;
			}
			k = strtoul(q + 1, &num, 10);
			fprintf(f, "?%lu", k == 1 ? 1 : j * nfields + k);
			q = num - 1;
		}
	}
	fputs(end + 1, f);
	if (fclose(f) != 0)
		fatalx("dbw_sql_rows: out of memory");
	return s;
}
