/*
 * cmd-tasks.c: "weft tasks [--tries] [--json] [--state STATE]
 * [--run-dir DIR] [RUN]", the tasks of one run (the newest by default) as
 * the monitoring database records them: state, number of tries, the last
 * try's wall time and how it ended; or, with --tries, every try of every
 * task.  Reads the database only; see cmd-runs.c for what the two reading
 * commands share.
 */

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sqlite3.h>

#include "weft.h"

#define TASKS_OPT_JSON		256
#define TASKS_OPT_STATE		258
#define TASKS_OPT_TRIES		259

/*
 * The states a task can be shown in: those of task.weft_state in the
 * order a task can reach them, and running (pending, a try started).
 */
static const char *task_states[] = {
	"pending", "running", "done", "cached", "failed", "dep_fail",
	"skipped", "killed", "not_run"
};
#define TASK_STATES_HELP \
	"done, cached, failed, dep_fail, skipped, killed, not_run, pending, " \
	"running"

/* The values of try.weft_state: how a try ended, or that it has not. */
static const char *try_states[] = {
	"running", "done", "failed", "timeout", "killed", "lost"
};
#define TRY_STATES_HELP "running, done, failed, timeout, killed, lost"

static void
tasks_usage(FILE *f)
{
	cmd_help(f, "tasks");
}

/*
 * One row per task of run ?1 (only those in state ?2 unless it is NULL),
 * with the number of tries and the last try's times and reason.  A
 * pending task whose last try has started and not ended is running; a
 * task killed with the run has the signal its last try ended by.  The try
 * counts are grouped once rather than looked up per task: the try
 * table's key does not start with the task.  RESULT is the result column,
 * which a database of schema version 1 does not have; RAN what the task
 * runs, which one before version 4 does not have.
 */
#define TASKS_SQL(result, ran, reason)					\
	"SELECT * FROM (SELECT t.weft_task_id, t.task_id,"		\
	"  CASE WHEN t.weft_state = 'pending' AND"			\
	"    y.task_try_time_running IS NOT NULL AND"			\
	"    y.task_try_time_returned IS NULL THEN 'running'"		\
	"    ELSE t.weft_state END AS state,"				\
	"  coalesce(n.tries, 0),"					\
	"  (julianday(y.task_try_time_returned) -"			\
	"   julianday(coalesce(y.task_try_time_running,"		\
	"     y.task_try_time_launched))) * 86400.0,"			\
	"  t.weft_exit_code, coalesce(t.weft_signal, y.weft_signal),"	\
	"  " reason ", t.task_stdout, t.task_stderr, "			\
	result ", t.task_func_name, t.weft_app_kind, " ran " "	\
	"FROM task t "							\
	"LEFT JOIN (SELECT task_id, count(*) AS tries, max(try_id) AS last" \
	"  FROM try WHERE run_id = ?1 GROUP BY task_id) n"		\
	"  ON n.task_id = t.task_id "					\
	"LEFT JOIN try y ON y.run_id = ?1 AND y.task_id = t.task_id"	\
	"  AND y.try_id = n.last "					\
	"WHERE t.run_id = ?1) "						\
	"WHERE ?2 IS NULL OR state = ?2 "				\
	"ORDER BY task_id"

#define TASKS_NOT_RAN	"NULL, NULL, NULL, NULL"
#define TASKS_RAN	\
	"t.weft_command, t.weft_function, t.weft_plugin, t.weft_args"

#define TASKS_TRY_REASON	"y.weft_fail_reason"
/* A task that did not run may say why (schema version 5). */
#define TASKS_REASON	"coalesce(y.weft_fail_reason, t.weft_reason)"

/* By schema: before version 2, before 4, before 5, from version 5. */
static const char *tasks_sql[4] = {
	TASKS_SQL("NULL", TASKS_NOT_RAN, TASKS_TRY_REASON),
	TASKS_SQL("t.weft_result", TASKS_NOT_RAN, TASKS_TRY_REASON),
	TASKS_SQL("t.weft_result", TASKS_RAN, TASKS_TRY_REASON),
	TASKS_SQL("t.weft_result", TASKS_RAN, TASKS_REASON)
};

enum {
	TC_TASK, TC_ID, TC_STATE, TC_TRIES, TC_DURATION, TC_EXIT, TC_SIGNAL,
	TC_REASON, TC_STDOUT, TC_STDERR, TC_RESULT, TC_APP, TC_KIND,
	TC_COMMAND, TC_FUNCTION, TC_PLUGIN, TC_ARGS
};

/*
 * One row per try of run ?1 (only those in state ?2 unless it is NULL),
 * in task order.  A try whose end is not recorded yet is running.  STATE,
 * STDOUT and STDERR are the try's own columns of schema version 2; where
 * there is no state (version 1), a try that ended is done if it exited 0
 * and failed otherwise.
 */
#define TRIES_SQL(state, out, err)					\
	"SELECT * FROM (SELECT t.weft_task_id, y.task_id, y.try_id,"	\
	"  coalesce(" state "CASE WHEN y.task_try_time_returned"	\
	"    IS NULL THEN 'running' WHEN y.weft_exit_code = 0"		\
	"    THEN 'done' ELSE 'failed' END) AS state,"			\
	"  y.block_id, y.task_try_time_launched, y.task_try_time_running," \
	"  y.task_try_time_returned,"					\
	"  (julianday(y.task_try_time_returned) -"			\
	"   julianday(coalesce(y.task_try_time_running,"		\
	"     y.task_try_time_launched))) * 86400.0,"			\
	"  y.weft_exit_code, y.weft_signal, y.weft_fail_reason,"	\
	"  " out ", " err " "						\
	"FROM try y JOIN task t ON t.run_id = y.run_id"			\
	"  AND t.task_id = y.task_id "					\
	"WHERE y.run_id = ?1) "						\
	"WHERE ?2 IS NULL OR state = ?2 "				\
	"ORDER BY task_id, try_id"

static const char *tries_sql[4] = {
	TRIES_SQL("NULL, ", "NULL", "NULL"),
	TRIES_SQL("y.weft_state, ", "y.weft_stdout", "y.weft_stderr"),
	TRIES_SQL("y.weft_state, ", "y.weft_stdout", "y.weft_stderr"),
	TRIES_SQL("y.weft_state, ", "y.weft_stdout", "y.weft_stderr")
};

enum {
	YC_TASK, YC_ID, YC_TRY, YC_STATE, YC_POOL, YC_LAUNCHED, YC_RUNNING,
	YC_RETURNED, YC_DURATION, YC_EXIT, YC_SIGNAL, YC_REASON, YC_STDOUT,
	YC_STDERR
};

/*
 * Which of the queries the database can answer: 0 before schema version
 * 2 (no results), 1 before version 4 (nothing of what ran), 2 before
 * version 5 (no reason of a task that did not run), else 3.
 */
static int
tasks_schema(sqlite3 *db)
{
	int	 v = db_version(db);

	return v < 2 ? 0 : v < 4 ? 1 : v < 5 ? 2 : 3;
}

static const struct table_col tasks_cols[] = {
	{ "TASK", 16, 0 },
	{ "STATE", 8, 0 },
	{ "TRIES", 5, 1 },
	{ "DURATION", 8, 1 },
	{ "EXIT", 4, 0 },
};

static const struct table_col tries_cols[] = {
	{ "TASK", 16, 0 },
	{ "TRY", 3, 1 },
	{ "STATE", 8, 0 },
	{ "DURATION", 8, 1 },
	{ "EXIT", 7, 0 },
	{ "REASON", 0, 0 },
};

/* The text of column COL as a JSON string, or null. */
static json_t *
tasks_json_text(sqlite3_stmt *st, int col)
{
	return dbread_json_string((const char *)sqlite3_column_text(st, col));
}

/* The signal number in column COL, 0 if none. */
static int
tasks_signal(sqlite3_stmt *st, int col)
{
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return 0;
	return sqlite3_column_int(st, col);
}

/*
 * Both views select how a try ended in the same order, from column END
 * on: its duration, exit status, signal, reason, stdout and stderr.
 */
enum { END_DURATION, END_EXIT, END_SIGNAL, END_REASON, END_STDOUT,
    END_STDERR };
_Static_assert(TC_STDERR - TC_DURATION == END_STDERR &&
    TC_REASON - TC_DURATION == END_REASON, "tasks: the end columns");
_Static_assert(YC_STDERR - YC_DURATION == END_STDERR &&
    YC_REASON - YC_DURATION == END_REASON, "tries: the end columns");

/* The keys duration, exit_code, signal, reason, stdout and stderr of O. */
static void
tasks_json_end(json_t *o, sqlite3_stmt *st, int end)
{
	char	*s;
	int	 n, exit = end + END_EXIT;

	json_object_set_new(o, "duration", dbread_json_seconds(
	    sqlite3_column_double(st, end + END_DURATION),
	    sqlite3_column_type(st, end + END_DURATION) != SQLITE_NULL));
	if (sqlite3_column_type(st, exit) == SQLITE_NULL)
		json_object_set_new(o, "exit_code", json_null());
	else
		json_object_set_new(o, "exit_code",
		    json_integer(sqlite3_column_int64(st, exit)));
	if ((n = tasks_signal(st, end + END_SIGNAL)) == 0)
		json_object_set_new(o, "signal", json_null());
	else {
		s = dbread_signal_name(n);
		json_object_set_new(o, "signal", json_string(s));
		free(s);
	}
	json_object_set_new(o, "reason", tasks_json_text(st, end + END_REASON));
	json_object_set_new(o, "stdout", tasks_json_text(st, end + END_STDOUT));
	json_object_set_new(o, "stderr", tasks_json_text(st, end + END_STDERR));
}

/* The cells DURATION and EXIT: how long, and how it ended. */
static void
tasks_table_end(struct table *t, sqlite3_stmt *st, int end)
{
	char	*s;
	int	 n, duration = end + END_DURATION, exit = end + END_EXIT;

	s = dbread_duration(sqlite3_column_double(st, duration),
	    sqlite3_column_type(st, duration) != SQLITE_NULL);
	table_cell(t, "%s", s);
	free(s);
	if ((n = tasks_signal(st, end + END_SIGNAL)) != 0) {
		s = dbread_signal_name(n);
		table_cell(t, "%s", s);
		free(s);
	} else if (sqlite3_column_type(st, exit) != SQLITE_NULL)
		table_cell(t, "%lld",
		    (long long)sqlite3_column_int64(st, exit));
	else
		table_cell(t, "-");
}

/* A text cell, "-" when it is NULL or empty. */
static void
tasks_table_text(struct table *t, sqlite3_stmt *st, int col)
{
	char	*s;

	s = dbread_text(st, col);
	table_cell(t, "%s", s != NULL && *s != '\0' ? s : "-");
	free(s);
}

static json_t *
tasks_json_row(sqlite3_stmt *st)
{
	const unsigned char	*args;
	json_t			*o;

	o = json_object();
	json_object_set_new(o, "task", tasks_json_text(st, TC_TASK));
	json_object_set_new(o, "task_id",
	    json_integer(sqlite3_column_int64(st, TC_ID)));
	json_object_set_new(o, "state", tasks_json_text(st, TC_STATE));
	json_object_set_new(o, "tries",
	    json_integer(sqlite3_column_int64(st, TC_TRIES)));
	tasks_json_end(o, st, TC_DURATION);
	json_object_set_new(o, "result", tasks_json_text(st, TC_RESULT));
	json_object_set_new(o, "app", tasks_json_text(st, TC_APP));
	json_object_set_new(o, "kind", tasks_json_text(st, TC_KIND));
	json_object_set_new(o, "command", tasks_json_text(st, TC_COMMAND));
	json_object_set_new(o, "function", tasks_json_text(st, TC_FUNCTION));
	json_object_set_new(o, "plugin", tasks_json_text(st, TC_PLUGIN));
	args = sqlite3_column_text(st, TC_ARGS);
	json_object_set_new(o, "args", args == NULL ? json_null() :
	    json_loads((const char *)args, 0, NULL));
	if (json_object_get(o, "args") == NULL)
		json_object_set_new(o, "args", json_null());
	return o;
}

static void
tasks_table_row(struct table *t, sqlite3_stmt *st)
{
	const char	*state;
	char		*sig;
	int		 n;

	tasks_table_text(t, st, TC_TASK);
	/* A task killed with the run: by what signal, when it is known. */
	state = (const char *)sqlite3_column_text(st, TC_STATE);
	if (state != NULL && strcmp(state, "killed") == 0 &&
	    (n = tasks_signal(st, TC_SIGNAL)) != 0) {
		sig = dbread_signal_name(n);
		table_cell(t, "killed (%s)", sig);
		free(sig);
	} else
		tasks_table_text(t, st, TC_STATE);
	table_cell(t, "%lld", (long long)sqlite3_column_int64(st, TC_TRIES));
	tasks_table_end(t, st, TC_DURATION);
}

static json_t *
tries_json_row(sqlite3_stmt *st)
{
	json_t	*o;

	o = json_object();
	json_object_set_new(o, "task", tasks_json_text(st, YC_TASK));
	json_object_set_new(o, "task_id",
	    json_integer(sqlite3_column_int64(st, YC_ID)));
	json_object_set_new(o, "try",
	    json_integer(sqlite3_column_int64(st, YC_TRY)));
	json_object_set_new(o, "state", tasks_json_text(st, YC_STATE));
	json_object_set_new(o, "pool", tasks_json_text(st, YC_POOL));
	json_object_set_new(o, "launched", tasks_json_text(st, YC_LAUNCHED));
	json_object_set_new(o, "started", tasks_json_text(st, YC_RUNNING));
	json_object_set_new(o, "ended", tasks_json_text(st, YC_RETURNED));
	tasks_json_end(o, st, YC_DURATION);
	return o;
}

static void
tries_table_row(struct table *t, sqlite3_stmt *st)
{
	tasks_table_text(t, st, YC_TASK);
	table_cell(t, "%lld", (long long)sqlite3_column_int64(st, YC_TRY));
	tasks_table_text(t, st, YC_STATE);
	tasks_table_end(t, st, YC_DURATION);
	tasks_table_text(t, st, YC_REASON);
}

/* What the two views of the command differ in. */
struct tasks_view {
	const char		 *what;		/* for --state's message */
	const char		**states;
	size_t			  nstates;
	const char		 *states_help;
	const char		**sql;		/* by schema: 1, 2 */
	struct dbread_rows	  rows;
};

static const struct tasks_view tasks_view = {
	"", task_states, sizeof task_states / sizeof task_states[0],
	TASK_STATES_HELP, tasks_sql, { tasks_cols,
	sizeof tasks_cols / sizeof tasks_cols[0], tasks_json_row,
	tasks_table_row }
};

static const struct tasks_view tries_view = {
	" with --tries", try_states, sizeof try_states / sizeof try_states[0],
	TRY_STATES_HELP, tries_sql, { tries_cols,
	sizeof tries_cols / sizeof tries_cols[0], tries_json_row,
	tries_table_row }
};

int
cmd_tasks(int argc, char **argv)
{
	static const struct option	 longopts[] = {
		{ "json", no_argument, NULL, TASKS_OPT_JSON },
		LOCATE_LONGOPT,
		{ "state", required_argument, NULL, TASKS_OPT_STATE },
		{ "tries", no_argument, NULL, TASKS_OPT_TRIES },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const struct tasks_view	*view = &tasks_view;
	sqlite3		*db = NULL;
	sqlite3_stmt	*st = NULL;
	struct locate	 lc = { NULL, NULL, NULL };
	const char	*state = NULL;
	char		*path = NULL, *dir, run[32] = "";
	size_t		 i;
	int		 ch, json = 0, empty, rc, ok;

	opterr = 0;
	optind = 1;
	while ((ch = getopt_long(argc, argv, ":hf:C:", longopts, NULL)) != -1) {
		switch (ch) {
		case TASKS_OPT_JSON:
			json = 1;
			break;
		case 'f':
		case 'C':
		case LOCATE_OPT_RUNDIR:
			if ((rc = locate_option(&lc, "tasks", ch, optarg)) != 1)
				return rc;
			break;
		case TASKS_OPT_STATE:
			state = optarg;
			break;
		case TASKS_OPT_TRIES:
			view = &tries_view;
			break;
		case 'h':
			tasks_usage(stdout);
			return 0;
		default:
			return cmd_bad_option("tasks", ch, argv);
		}
	}
	if (optind + 1 < argc) {
		fprintf(stderr, "weft tasks: too many arguments\n");
		tasks_usage(stderr);
		return EXIT_USAGE;
	}
	if (optind < argc && rundir_parse_name(argv[optind], run,
	    sizeof run) == -1) {
		fprintf(stderr, "weft tasks: invalid run '%s': expected a run "
		    "number such as 7 or 0007\n", argv[optind]);
		return EXIT_USAGE;
	}
	if (state != NULL) {
		for (i = 0; i < view->nstates; i++) {
			if (strcmp(state, view->states[i]) == 0)
				break;
		}
		if (i == view->nstates) {
			fprintf(stderr, "weft tasks: invalid --state value "
			    "'%s'%s: "
			    "expected one of %s\n", state, view->what,
			    view->states_help);
			return EXIT_USAGE;
		}
	}

	if ((rc = locate_base("tasks", &lc, &dir)) != 0)
		return rc;
	rc = dbread_open(dir, &db, &path, &empty);
	free(dir);
	if (rc != 0) {
		free(path);
		return rc;
	}
	if ((rc = dbread_find_run(db, path, empty, run, sizeof run)) != 0) {
		dbread_close(db);
		free(path);
		return rc;
	}
	ok = sqlite3_prepare_v2(db, view->sql[tasks_schema(db)], -1,
	    &st, NULL) == SQLITE_OK &&
	    sqlite3_bind_text(st, 1, run, -1, SQLITE_STATIC) == SQLITE_OK &&
	    (state != NULL ? sqlite3_bind_text(st, 2, state, -1,
	    SQLITE_STATIC) : sqlite3_bind_null(st, 2)) == SQLITE_OK;
	return dbread_print(db, path, st, ok, &view->rows, json, "tasks");
}
