/*
 * cmd-logs.c: "weft logs TASK [RUN]", what a task wrote.
 *
 * The monitoring database says where each try's output is: a command's
 * stdout and stderr files under the run's tasks/ folder, or for a
 * function call a stretch (offset, length) of its worker's files.  This
 * command finds the task by its id, a unique prefix of it, or a glob in
 * which only '*' and '?' are special (ids hold '[', ',' and '='), and
 * prints the last try's output or that of --try N.  --follow prints what
 * a running task writes as it comes, try after try, until the task ends
 * or its run does.
 *
 * Exit status: 0 when the output was printed, 1 when the task has none
 * (it did not run, or its logs are gone), 2 for a bad option, run or
 * task id.
 */

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sqlite3.h>

#include "weft.h"
#include "logs.h"

#define LOGS_OPT_STDERR		256
#define LOGS_OPT_BOTH		257
#define LOGS_OPT_TRY		258
#define LOGS_OPT_JSON		259

#define LOGS_SHOWN		8	/* ids shown for an ambiguous pattern */

const char *const logs_stream_names[2] = { "stdout", "stderr" };


static void
logs_usage(FILE *f)
{
	cmd_help(f, "logs");
}

void
try_logs_free(struct try_logs *tl)
{
	free(tl->state);
	free(tl->path[OUT]);
	free(tl->path[ERR]);
	memset(tl, 0, sizeof *tl);
	tl->try_id = -1;
}


/* PAT as a LIKE pattern that finds a superset of what it matches. */
static char *
like_pattern(const char *pat, int prefix)
{
	char	*out, *o;

	out = o = xmalloc(strlen(pat) * 2 + 2);
	for (; *pat != '\0'; pat++) {
		if (*pat == '*')
			*o++ = '%';
		else if (*pat == '?')
			*o++ = '_';
		else {
			if (*pat == '%' || *pat == '_' || *pat == '\\')
				*o++ = '\\';
			*o++ = *pat;
		}
	}
	if (prefix)
		*o++ = '%';
	*o = '\0';
	return out;
}

/*
 * Finds the task PAT names: its exact id, else the one task it matches as
 * a glob (with '*' or '?') or as a prefix.  Returns 0 or an exit code.
 */
static int
find_task(struct logs *lg, const char *pat)
{
	sqlite3_stmt	*st = NULL;
	char		*like, *shown[LOGS_SHOWN];
	const char	*id;
	size_t		 n = 0, i;
	int		 glob, rc;

	glob = strpbrk(pat, "*?") != NULL;
	like = like_pattern(pat, !glob);
	/* The exact id first: "a[i=1]" is not a prefix of "a[i=10]" then. */
	if (sqlite3_prepare_v2(lg->db, "SELECT task_id, weft_task_id, "
	    "task_func_name, weft_app_kind, weft_task_id = ?2 AS exact "
	    "FROM task WHERE run_id = ?1 AND (weft_task_id = ?2 OR "
	    "weft_task_id LIKE ?3 ESCAPE '\\') "
	    "ORDER BY exact DESC, task_id", -1, &st, NULL) != SQLITE_OK) {
		free(like);
		return dbread_error(lg->db, lg->dbpath);
	}
	sqlite3_bind_text(st, 1, lg->run, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, pat, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, like, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		id = (const char *)sqlite3_column_text(st, 1);
		if (id == NULL)
			continue;
		if (sqlite3_column_int(st, 4) && n == 0) {
			n = 1;
			shown[0] = NULL;
			break;
		}
		/* LIKE ignores case: the match itself does not. */
		if (glob ? !id_glob_match(pat, id) :
		    strncmp(id, pat, strlen(pat)) != 0)
			continue;
		if (n < LOGS_SHOWN)
			shown[n] = dbread_text(st, 1);
		n++;
		if (n == 1) {
			lg->task = sqlite3_column_int64(st, 0);
			lg->id = xstrdup(id);
			lg->app = dbread_text(st, 2);
			lg->kind = dbread_text(st, 3);
		}
	}
	if (rc == SQLITE_ROW) {
		lg->task = sqlite3_column_int64(st, 0);
		lg->id = xstrdup(pat);
		lg->app = dbread_text(st, 2);
		lg->kind = dbread_text(st, 3);
		rc = SQLITE_DONE;
	}
	sqlite3_finalize(st);
	free(like);
	if (rc != SQLITE_DONE)
		return dbread_error(lg->db, lg->dbpath);
	if (n == 1) {
		free(shown[0]);
		return 0;
	}
	if (n == 0) {
		fprintf(stderr, "weft logs: no task %s '%s' in run %s "
		    "('weft tasks %s' lists them)\n", glob ? "matches" :
		    "is or begins with", pat, lg->run, lg->run);
		return EXIT_USAGE;
	}
	fprintf(stderr, "weft logs: '%s' matches %zu tasks of run %s; "
	    "say which:\n", pat, n, lg->run);
	for (i = 0; i < n && i < LOGS_SHOWN; i++) {
		fprintf(stderr, "  %s\n", shown[i]);
		free(shown[i]);
	}
	if (n > LOGS_SHOWN)
		fprintf(stderr, "  ... and %zu more\n", n - LOGS_SHOWN);
	free(lg->id);
	free(lg->app);
	free(lg->kind);
	lg->id = lg->app = lg->kind = NULL;
	return EXIT_USAGE;
}

static int64_t
column_int_or(sqlite3_stmt *st, int col, int64_t dflt)
{
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return dflt;
	return sqlite3_column_int64(st, col);
}

/*
 * Reads the try to show (--try N, else the newest) into TL, with TL's
 * try_id -1 when there is none.  Also returns the task's state in
 * *statep (caller frees).  Returns 0 or an exit code.
 */
int
read_try(struct logs *lg, long try_no, struct try_logs *tl, char **statep)
{
	sqlite3_stmt	*st = NULL;
	char		*dir;
	int		 rc, s;

	try_logs_free(tl);
	*statep = NULL;
	if (sqlite3_prepare_v2(lg->db, "SELECT weft_state FROM task "
	    "WHERE run_id = ?1 AND task_id = ?2", -1, &st, NULL) != SQLITE_OK)
		return dbread_error(lg->db, lg->dbpath);
	sqlite3_bind_text(st, 1, lg->run, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, lg->task);
	if (sqlite3_step(st) == SQLITE_ROW)
		*statep = dbread_text(st, 0);
	sqlite3_finalize(st);
	if (sqlite3_prepare_v2(lg->db, "SELECT try_id, weft_state, "
	    "weft_stdout, weft_stderr, weft_stdout_offset, weft_stdout_length,"
	    " weft_stderr_offset, weft_stderr_length FROM try "
	    "WHERE run_id = ?1 AND task_id = ?2 AND (?3 < 0 OR try_id = ?3) "
	    "ORDER BY try_id DESC LIMIT 1", -1, &st, NULL) != SQLITE_OK)
		return dbread_error(lg->db, lg->dbpath);
	sqlite3_bind_text(st, 1, lg->run, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, lg->task);
	sqlite3_bind_int64(st, 3, try_no);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		tl->try_id = sqlite3_column_int(st, 0);
		tl->state = dbread_text(st, 1);
		for (s = OUT; s <= ERR; s++) {
			if (sqlite3_column_text(st, 2 + s) != NULL)
				tl->path[s] = xstrdup((const char *)
				    sqlite3_column_text(st, 2 + s));
			tl->off[s] = column_int_or(st, 4 + 2 * s, -1);
			tl->len[s] = column_int_or(st, 5 + 2 * s, -1);
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return dbread_error(lg->db, lg->dbpath);
	/* A command's files are where its pool makes them, known or not. */
	if (tl->try_id >= 0 && lg->rundir != NULL && lg->kind != NULL &&
	    strcmp(lg->kind, "command") == 0) {
		dir = rundir_task_dirname(lg->id);
		for (s = OUT; s <= ERR; s++) {
			if (tl->path[s] == NULL)
				tl->path[s] = xprintf("%s/tasks/%s/try-%ld/%s",
				    lg->rundir, dir, tl->try_id,
				    logs_stream_names[s]);
		}
		free(dir);
	}
	return 0;
}





/* Why a task in STATE has no try to show; exit 1. */
int
no_try(const struct logs *lg, const char *state, long try_no)
{
	if (try_no >= 0)
		fprintf(stderr, "weft logs: %s has no try %ld in run %s "
		    "('weft tasks --tries %s' lists its tries)\n", lg->id,
		    try_no, lg->run, lg->run);
	else if (state != NULL && strcmp(state, "cached") == 0)
		fprintf(stderr, "weft logs: %s was cached in run %s: it did "
		    "not run, so it has no output there\n", lg->id, lg->run);
	else if (state != NULL && strcmp(state, "pending") == 0)
		fprintf(stderr, "weft logs: %s has not started yet in run %s "
		    "(--follow waits for it)\n", lg->id, lg->run);
	else
		fprintf(stderr, "weft logs: %s did not run in run %s (%s)\n",
		    lg->id, lg->run, state != NULL ? state : "unknown");
	return try_no >= 0 ? EXIT_USAGE : 1;
}





/* The run's folder, to find a command's files and whether it lives. */
static void
read_rundir(struct logs *lg)
{
	sqlite3_stmt	*st = NULL;

	if (sqlite3_prepare_v2(lg->db, "SELECT rundir FROM workflow WHERE "
	    "run_id = ?1", -1, &st, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_text(st, 1, lg->run, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_text(st, 0) != NULL)
		lg->rundir = xstrdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
}

/*
 * --follow may start with its run, before the run's tasks are recorded:
 * waits while the run (RUN, else the newest) is live and its record does
 * not yet hold every task.
 */
static void
await_record(const char *base, const char *run)
{
	struct timespec	 nap = { 0, LOGS_POLL_MS * 1000000L };
	sqlite3		*db;
	sqlite3_stmt	*st;
	char		 name[32], *dir, *dbpath, *err = NULL;
	pid_t		 pid;
	int		 live, complete = 0;

	dbpath = xprintf("%s/monitoring.db", base);
	for (;;) {
		snprintf(name, sizeof name, "%s", run);
		if (*name == '\0' && !rundir_newest_live(base, name,
		    sizeof name))
			break;
		dir = xprintf("%s/runs/%s", base, name);
		live = rundir_is_live(dir, &pid) == 1;
		free(dir);
		if (!live)
			break;
		if (access(dbpath, F_OK) == 0 &&
		    (db = db_open(dbpath, DB_READ, &err)) != NULL) {
			if (sqlite3_prepare_v2(db, "SELECT (SELECT count(*) "
			    "FROM task t WHERE t.run_id = w.run_id) >= "
			    "w.weft_task_count FROM workflow w WHERE "
			    "w.run_id = ?1", -1, &st, NULL) == SQLITE_OK) {
				sqlite3_bind_text(st, 1, name, -1,
				    SQLITE_STATIC);
				complete = sqlite3_step(st) == SQLITE_ROW &&
				    sqlite3_column_int(st, 0);
				sqlite3_finalize(st);
			}
			sqlite3_close(db);
		}
		free(err);
		err = NULL;
		if (complete)
			break;
		nanosleep(&nap, NULL);
	}
	free(dbpath);
}

static int
logs_options(struct logs *lg, struct locate *lc, int argc, char **argv)
{
	static const struct option	 longopts[] = {
		{ "stderr", no_argument, NULL, LOGS_OPT_STDERR },
		{ "both", no_argument, NULL, LOGS_OPT_BOTH },
		{ "try", required_argument, NULL, LOGS_OPT_TRY },
		{ "follow", no_argument, NULL, 'F' },
		{ "json", no_argument, NULL, LOGS_OPT_JSON },
		LOCATE_LONGOPT,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int	 ch, rc, n;

	opterr = 0;
	optind = 1;
	while ((ch = getopt_long(argc, argv, ":hf:C:", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case LOGS_OPT_STDERR:
			lg->streams = 1 << ERR;
			break;
		case LOGS_OPT_BOTH:
			lg->streams = 1 << OUT | 1 << ERR;
			break;
		case LOGS_OPT_TRY:
			if (parse_number(optarg, 0, 1000000, &n) == -1) {
				fprintf(stderr, "weft logs: invalid --try "
				    "'%s': expected a try number from 0, as "
				    "'weft tasks --tries' shows\n", optarg);
				return EXIT_USAGE;
			}
			lg->try_no = n;
			break;
		case 'F':
			lg->follow = 1;
			break;
		case LOGS_OPT_JSON:
			lg->json = 1;
			break;
		case 'f':
		case 'C':
		case LOCATE_OPT_RUNDIR:
			if ((rc = locate_option(lc, "logs", ch, optarg)) != 1)
				return rc;
			break;
		case 'h':
			logs_usage(stdout);
			return -1;
		default:
			return cmd_bad_option("logs", ch, argv);
		}
	}
	if (argc - optind < 1 || argc - optind > 2) {
		fprintf(stderr, "weft logs: %s\n", argc - optind < 1 ?
		    "which task? give its id" : "too many arguments");
		logs_usage(stderr);
		return EXIT_USAGE;
	}
	if (lg->follow && lg->json) {
		fprintf(stderr, "weft logs: --json and --follow do not go "
		    "together\n");
		return EXIT_USAGE;
	}
	if (optind + 1 < argc && rundir_parse_name(argv[optind + 1], lg->run,
	    sizeof lg->run) == -1) {
		fprintf(stderr, "weft logs: invalid run '%s': expected a run "
		    "number such as 7 or 0007\n", argv[optind + 1]);
		return EXIT_USAGE;
	}
	return 0;
}

int
cmd_logs(int argc, char **argv)
{
	struct logs	 lg;
	struct locate	 lc = { NULL, NULL, NULL };
	struct try_logs	 tl = { .try_id = -1 };
	char		*base, *state = NULL;
	int		 rc, empty;

	memset(&lg, 0, sizeof lg);
	lg.streams = 1 << OUT;
	lg.try_no = -1;
	lg.at_line_start[OUT] = lg.at_line_start[ERR] = 1;
	if ((rc = logs_options(&lg, &lc, argc, argv)) != 0)
		return rc == -1 ? 0 : rc;
	dbread_json_init();
	if ((rc = locate_base("logs", &lc, &base)) != 0)
		return rc;
	if (lg.follow)
		await_record(base, lg.run);
	rc = dbread_open(base, &lg.db, &lg.dbpath, &empty);
	free(base);
	if (rc != 0)
		goto out;
	if ((rc = dbread_find_run(lg.db, lg.dbpath, empty, lg.run,
	    sizeof lg.run)) != 0 ||
	    (rc = find_task(&lg, argv[optind])) != 0)
		goto out;
	read_rundir(&lg);
	if (lg.follow)
		rc = follow(&lg);
	else if ((rc = read_try(&lg, lg.try_no, &tl, &state)) == 0)
		rc = tl.try_id < 0 ? no_try(&lg, state, lg.try_no) :
		    show_try(&lg, &tl);
out:
	free(state);
	try_logs_free(&tl);
	dbread_close(lg.db);
	free(lg.dbpath);
	free(lg.rundir);
	free(lg.id);
	free(lg.app);
	free(lg.kind);
	return rc;
}
