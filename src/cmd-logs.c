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

#define LOGS_OPT_STDERR		256
#define LOGS_OPT_BOTH		257
#define LOGS_OPT_TRY		258
#define LOGS_OPT_JSON		259

#define LOGS_POLL_MS		100	/* --follow: files read this often */
#define LOGS_SHOWN		8	/* ids shown for an ambiguous pattern */
#define LOGS_CHUNK		65536

enum { OUT, ERR };
static const char *const stream_names[] = { "stdout", "stderr" };
/* The mark of each line under --both. */
static const char *const stream_marks[] = { "out| ", "err| " };

struct logs {
	int		 streams;	/* bit OUT, bit ERR */
	long		 try_no;	/* --try N; -1: the last */
	int		 follow;
	int		 json;
	sqlite3		*db;
	char		*dbpath;
	char		 run[32];
	char		*rundir;	/* the run's folder, from its row */
	int64_t		 task;		/* task_id */
	char		*id;		/* weft_task_id */
	char		*app;
	char		*kind;		/* command or function */
	/* Partial lines of --both, so that marks start lines. */
	int		 at_line_start[2];
};

/* One try's logs as the try table has them. */
struct try_logs {
	long		 try_id;	/* -1: no try */
	char		*state;		/* NULL: still running */
	char		*path[2];
	int64_t		 off[2];	/* -1: from the start */
	int64_t		 len[2];	/* -1: to the end */
};

static void
logs_usage(FILE *f)
{
	cmd_help(f, "logs");
}

static void
try_logs_free(struct try_logs *tl)
{
	free(tl->state);
	free(tl->path[OUT]);
	free(tl->path[ERR]);
	memset(tl, 0, sizeof *tl);
	tl->try_id = -1;
}

/*
 * Whether ID matches PAT, in which '*' is any run of characters and '?'
 * one character; everything else, '[' included, stands for itself.
 */
static int
id_match(const char *pat, const char *id)
{
	const char	*star = NULL, *resume = NULL;

	while (*id != '\0') {
		if (*pat == '*') {
			star = ++pat;
			resume = id;
		} else if (*pat == '?' || *pat == *id) {
			if (*pat++ == '?') {
				/* One character: a whole UTF-8 sequence. */
				while (((unsigned char)*++id & 0xc0) == 0x80)
					;
			} else
				id++;
		} else if (star != NULL) {
			pat = star;
			while (((unsigned char)*++resume & 0xc0) == 0x80)
				;
			id = resume;
		} else
			return 0;
	}
	while (*pat == '*')
		pat++;
	return *pat == '\0';
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
		if (glob ? !id_match(pat, id) :
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
static int
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
				    stream_names[s]);
		}
		free(dir);
	}
	return 0;
}

/* A fresh snapshot of the database, for --follow. */
static int
refresh(struct logs *lg)
{
	if (sqlite3_exec(lg->db, "COMMIT; BEGIN", NULL, NULL, NULL) !=
	    SQLITE_OK)
		return dbread_error(lg->db, lg->dbpath);
	return 0;
}

/* Writes LEN bytes of BUF from stream S, marking lines under --both. */
static void
emit(struct logs *lg, int s, const char *buf, size_t len)
{
	const char	*nl;
	size_t		 n;

	if (lg->streams != (1 << OUT | 1 << ERR)) {
		fwrite(buf, 1, len, stdout);
		return;
	}
	while (len > 0) {
		if (lg->at_line_start[s])
			fputs(stream_marks[s], stdout);
		nl = memchr(buf, '\n', len);
		n = nl != NULL ? (size_t)(nl - buf) + 1 : len;
		fwrite(buf, 1, n, stdout);
		lg->at_line_start[s] = nl != NULL;
		buf += n;
		len -= n;
	}
}

/* Ends a last line of stream S that had no newline, under --both. */
static void
end_line(struct logs *lg, int s)
{
	if (lg->streams == (1 << OUT | 1 << ERR) && !lg->at_line_start[s]) {
		putchar('\n');
		lg->at_line_start[s] = 1;
	}
}

/*
 * Copies stream S of TL from *POS (absolute) to what is there now, or to
 * the end of its stretch; into JSON's buffer instead when BUF is not
 * NULL.  Returns 0, or -1 with errno when the file cannot be read.
 */
static int
copy_stream(struct logs *lg, const struct try_logs *tl, int s, off_t *pos,
    char **buf, size_t *buflen)
{
	char		 chunk[LOGS_CHUNK];
	ssize_t		 n;
	off_t		 end = -1;
	size_t		 want;
	int		 fd;

	if (tl->path[s] == NULL) {
		errno = ENOENT;
		return -1;
	}
	if ((fd = open(tl->path[s], O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	if (*pos < 0)
		*pos = tl->off[s] >= 0 ? tl->off[s] : 0;
	if (tl->off[s] >= 0 && tl->len[s] >= 0)
		end = tl->off[s] + tl->len[s];
	for (;;) {
		want = sizeof chunk;
		if (end >= 0) {
			if (*pos >= end)
				break;
			if ((off_t)want > end - *pos)
				want = (size_t)(end - *pos);
		}
		if ((n = pread(fd, chunk, want, *pos)) == -1) {
			if (errno == EINTR)
				continue;
			close(fd);
			return -1;
		}
		if (n == 0)
			break;
		if (buf != NULL) {
			*buf = xreallocarray(*buf, *buflen + (size_t)n + 1, 1);
			memcpy(*buf + *buflen, chunk, (size_t)n);
			*buflen += (size_t)n;
			(*buf)[*buflen] = '\0';
		} else
			emit(lg, s, chunk, (size_t)n);
		*pos += n;
	}
	close(fd);
	return 0;
}

/* Why a task in STATE has no try to show; exit 1. */
static int
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

/* The logs of one try, whole, as text or as one JSON document. */
static int
show_try(struct logs *lg, const struct try_logs *tl)
{
	json_t	*root = NULL, *o;
	char	*buf;
	size_t	 len;
	off_t	 pos;
	int	 s, rc = 0;

	if (lg->json) {
		root = json_object();
		json_object_set_new(root, "format_version",
		    json_integer(WEFT_JSON_VERSION));
		json_object_set_new(root, "run", json_string(lg->run));
		json_object_set_new(root, "task", dbread_json_string(lg->id));
		json_object_set_new(root, "app", dbread_json_string(lg->app));
		json_object_set_new(root, "kind", dbread_json_string(lg->kind));
		json_object_set_new(root, "try", json_integer(tl->try_id));
		json_object_set_new(root, "state", tl->state != NULL ?
		    json_string(tl->state) : json_string("running"));
	}
	for (s = OUT; s <= ERR; s++) {
		if (!(lg->streams & (1 << s)))
			continue;
		pos = -1;
		buf = NULL;
		len = 0;
		if (copy_stream(lg, tl, s, &pos, root != NULL ? &buf : NULL,
		    &len) == -1) {
			fprintf(stderr, "weft logs: the %s of %s (try %ld) "
			    "cannot be read: %s: %s\n", stream_names[s],
			    lg->id, tl->try_id, tl->path[s] != NULL ?
			    tl->path[s] : "(not recorded)", strerror(errno));
			rc = 1;
		}
		end_line(lg, s);
		if (root == NULL)
			continue;
		o = json_object();
		json_object_set_new(o, "path", dbread_json_string(tl->path[s]));
		json_object_set_new(o, "offset", tl->off[s] >= 0 ?
		    json_integer(tl->off[s]) : json_null());
		json_object_set_new(o, "length", tl->len[s] >= 0 ?
		    json_integer(tl->len[s]) : json_null());
		json_object_set_new(o, "text", rc == 0 ?
		    dbread_json_bytes(buf != NULL ? buf : "", len) :
		    json_null());
		json_object_set_new(root, stream_names[s], o);
		free(buf);
	}
	if (root != NULL && dbread_json_print(root) != 0)
		return EXIT_INTERNAL;
	if (dbread_flush("logs") != 0)
		return EXIT_INTERNAL;
	return rc;
}

/* Whether the task has a try after try N. */
static int
newer_try(struct logs *lg, long n)
{
	sqlite3_stmt	*st = NULL;
	int		 found = 0;

	if (sqlite3_prepare_v2(lg->db, "SELECT 1 FROM try WHERE run_id = ?1 "
	    "AND task_id = ?2 AND try_id > ?3", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, lg->run, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, lg->task);
		sqlite3_bind_int64(st, 3, n);
		found = sqlite3_step(st) == SQLITE_ROW;
	}
	sqlite3_finalize(st);
	return found;
}

/* The task's state says it will not change any more. */
static int
task_over(const char *state)
{
	return state != NULL && strcmp(state, "pending") != 0;
}

/*
 * --follow: prints what the task writes as it comes, the tries one
 * after another, until the task ends (and its last try's output is all
 * out) or its run does.
 */
static int
follow(struct logs *lg)
{
	struct try_logs	 tl = { .try_id = -1 };
	struct timespec	 nap = { 0, LOGS_POLL_MS * 1000000L };
	char		*state = NULL;
	off_t		 pos[2] = { -1, -1 };
	long		 shown = -1, next;
	pid_t		 pid;
	int		 s, rc, over, live, waited = 0;

	for (;;) {
		/* The try shown, or the one after it once it has ended. */
		next = lg->try_no >= 0 ? lg->try_no : shown >= 0 ?
		    shown + (tl.state != NULL) : waited ? 0 : -1;
		if ((rc = refresh(lg)) != 0 ||
		    (rc = read_try(lg, next, &tl, &state)) != 0)
			break;
		if (tl.try_id < 0 && next > shown && shown >= 0)
			rc = read_try(lg, shown, &tl, &state);
		if (rc != 0)
			break;
		live = lg->rundir != NULL &&
		    rundir_is_live(lg->rundir, &pid) == 1;
		over = task_over(state) || !live;
		if (tl.try_id >= 0 && tl.try_id != shown) {
			if (shown >= 0 || tl.try_id > 0)
				fprintf(stderr, "weft logs: %s: try %ld\n",
				    lg->id, tl.try_id);
			shown = tl.try_id;
			pos[OUT] = pos[ERR] = -1;
			lg->at_line_start[OUT] = lg->at_line_start[ERR] = 1;
		}
		if (tl.try_id < 0) {
			if (over) {
				rc = no_try(lg, state, lg->try_no);
				break;
			}
			if (!waited)
				fprintf(stderr, "weft logs: %s has not "
				    "started yet; waiting\n", lg->id);
			waited = 1;
		} else if (tl.off[OUT] >= 0 || tl.state != NULL ||
		    lg->kind == NULL || strcmp(lg->kind, "function") != 0) {
			/* A call's stretch is known once it ended. */
			for (s = OUT; s <= ERR; s++) {
				if ((lg->streams & (1 << s)) &&
				    copy_stream(lg, &tl, s, &pos[s], NULL,
				    NULL) == -1 && errno != ENOENT) {
					fprintf(stderr, "weft logs: cannot "
					    "read %s: %s\n", tl.path[s],
					    strerror(errno));
					rc = 1;
					goto out;
				}
			}
			fflush(stdout);
			/*
			 * What was written before the end is out now; the
			 * tries after this one are still to show.
			 */
			if (lg->try_no >= 0 ? tl.state != NULL || !live :
			    (tl.state != NULL || !live) && over &&
			    !newer_try(lg, shown))
				break;
		}
		free(state);
		state = NULL;
		nanosleep(&nap, NULL);
	}
out:
	for (s = OUT; s <= ERR; s++)
		end_line(lg, s);
	free(state);
	try_logs_free(&tl);
	if (dbread_flush("logs") != 0)
		return EXIT_INTERNAL;
	return rc;
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
