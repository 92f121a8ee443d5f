/*
 * cmd-runs.c: "weft runs [--json] [--run-dir DIR]", one line per run
 * recorded in the monitoring database, oldest first.  It reads through
 * dbread.c and prints through table.c, as "weft tasks" does.
 */

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sqlite3.h>

#include "weft.h"

#define RUNS_OPT_JSON		256

static void
runs_usage(FILE *f)
{
	cmd_help(f, "runs");
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

static const struct dbread_rows runs_rows = {
	runs_cols, sizeof runs_cols / sizeof runs_cols[0], runs_json_row,
	runs_table_row
};

int
cmd_runs(int argc, char **argv)
{
	static const struct option	 longopts[] = {
		{ "json", no_argument, NULL, RUNS_OPT_JSON },
		LOCATE_LONGOPT,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	sqlite3		*db = NULL;
	sqlite3_stmt	*st = NULL;
	struct locate	 lc = { NULL, NULL, NULL };
	char		*path = NULL, *dir;
	int		 ch, json = 0, empty, rc, ok;

	opterr = 0;
	optind = 1;
	while ((ch = getopt_long(argc, argv, ":hf:C:", longopts, NULL)) != -1) {
		switch (ch) {
		case RUNS_OPT_JSON:
			json = 1;
			break;
		case 'f':
		case 'C':
		case LOCATE_OPT_RUNDIR:
			if ((rc = locate_option(&lc, "runs", ch, optarg)) != 1)
				return rc;
			break;
		case 'h':
			runs_usage(stdout);
			return 0;
		default:
			return cmd_bad_option("runs", ch, argv);
		}
	}
	if (optind < argc) {
		fprintf(stderr, "weft runs: too many arguments\n");
		runs_usage(stderr);
		return EXIT_USAGE;
	}

	if ((rc = locate_base("runs", &lc, &dir)) != 0)
		return rc;
	rc = dbread_open(dir, &db, &path, &empty);
	free(dir);
	if (rc != 0) {
		free(path);
		return rc;
	}
	ok = empty || sqlite3_prepare_v2(db, runs_sql, -1, &st, NULL) ==
	    SQLITE_OK;
	return dbread_print(db, path, st, ok, &runs_rows, json, "runs");
}
