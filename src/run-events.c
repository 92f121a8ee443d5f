/*
 * run-events.c: the monitoring events of main, for "weft run".
 *
 * Packs the workflow, its tasks and every state change of a task (and
 * the end of each try) as events for the router (see monitor.c).
 * Called from cmd-run.c, run-sched.c and run-supervise.c.
 */

#include <sys/wait.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <pwd.h>

#include "weft.h"
#include "proto.h"
#include "run.h"

/* Monitoring events of main: the workflow, its tasks, their states. */

/*
 * The files of worker K of pool P, which hold its calls' output:
 * worker-P.K.out (stdout) and worker-P.K.log (stderr), absolute, in BUF
 * (no allocation per call).
 */
static const char *
worker_file(char *buf, size_t len, const struct run *r, int pool,
    int worker, int err)
{
	snprintf(buf, len, "%s/worker-%d.%d.%s", r->rd.path, pool, worker,
	    err ? "log" : "out");
	return buf;
}

/* A try's log file PATH, and where in it its output is, if known. */
static void
pack_stream(msgpack_packer *pk, const char *path, int64_t off)
{
	if (off >= 0)
		monitor_pack_str(pk, path);
	else
		msgpack_pack_nil(pk);
}

static void
pack_int_or_nil(msgpack_packer *pk, int has, int v)
{
	if (has)
		msgpack_pack_int(pk, v);
	else
		msgpack_pack_nil(pk);
}

static void
pack_int64_or_nil(msgpack_packer *pk, int64_t v)
{
	if (v >= 0)
		msgpack_pack_int64(pk, v);
	else
		msgpack_pack_nil(pk);
}

static char *
json_paths(char **paths, size_t n)
{
	json_t	*a = json_array();
	char	*s;
	size_t	 i;

	for (i = 0; i < n; i++)
		json_array_append_new(a, json_string(paths[i]));
	s = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	return s != NULL ? s : xstrdup("[]");
}

void
ev_workflow(struct run *r)
{
	msgpack_packer	*pk;
	struct passwd	*pw;
	char		 version[40];

	if (r->mon == NULL)
		return;
	/* As Parsl does, the version is the start time, to the second. */
	db_time(r->began, version, sizeof version);
	version[strcspn(version, ".")] = '\0';
	pw = getpwuid(getuid());
	pk = monitor_event(r->mon, EV_WORKFLOW, 8);
	msgpack_pack_double(pk, r->began);
	monitor_pack_str(pk, r->wf->name);
	monitor_pack_str(pk, version);
	monitor_pack_str(pk, r->hostname);
	monitor_pack_str(pk, pw != NULL ? pw->pw_name : NULL);
	monitor_pack_str(pk, r->rd.path);
	monitor_pack_str(pk, r->wf->path);
	msgpack_pack_uint64(pk, r->dag->ntasks);
}

/*
 * The text of task T, TT, as four fields: a command, or a call's
 * function, plugin and arguments.
 */
static void
pack_text(msgpack_packer *pk, const struct task *t,
    const struct task_text *tt)
{
	json_t	*args;
	char	*s;
	size_t	 j;

	if (tt->command != NULL) {
		monitor_pack_str(pk, tt->command);
		msgpack_pack_nil(pk);
		msgpack_pack_nil(pk);
		msgpack_pack_nil(pk);
		return;
	}
	msgpack_pack_nil(pk);
	monitor_pack_str(pk, t->app->fn_symbol);
	monitor_pack_str(pk, t->app->fn_plugin);
	args = json_object();
	for (j = 0; j < tt->nargs; j++)
		json_object_set_new(args, tt->arg_names[j],
		    json_string(tt->arg_values[j]));
	s = json_dumps(args, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(args);
	monitor_pack_str(pk, s);
	free(s);
}

/*
 * Whether task I's text goes with its row: it is made ready as the run
 * begins (when: a condition or on_failure may skip it instead), so its
 * text is known now; one more statement a task saved from the writer.
 */
static int
text_with_row(const struct run *r, uint32_t i)
{
	const struct task	*t = &r->dag->tasks[i];

	return !r->aborted && run_ready_at_start(r, i) && !t->late &&
	    (t->call->when == WHEN_SUCCESS || t->call->when == WHEN_ALWAYS);
}

/*
 * A task row for every task, and its first status, pending; with its
 * text when that is known (text_with_row), else ev_task_text gives it
 * once it is.
 */
void
ev_tasks(struct run *r)
{
	const struct wf_resources *res;
	msgpack_packer	*pk;
	struct task	*t;
	struct task_text tt;
	char		*deps, *in, *out, *dir, *path;
	size_t		 i, j, len;
	int		 fn, told;

	if (r->mon == NULL)
		return;
	for (i = 0; i < r->dag->ntasks; i++) {
		t = &r->dag->tasks[i];
		deps = xcalloc(t->ndeps * 11 + 1, 1);
		for (j = 0, len = 0; j < t->ndeps; j++)
			len += sprintf(deps + len, "%s%u", j > 0 ? "," : "",
			    t->deps[j]);
		in = json_paths(t->inputs, t->ninputs);
		out = json_paths(t->outputs, t->noutputs);
		fn = TASK_IS_FUNCTION(t);
		dir = rundir_task_dirname(t->id);
		path = xprintf("%s/tasks/%s/try-0/stdout", r->rd.path, dir);
		told = text_with_row(r, i);
		pk = monitor_event(r->mon, EV_TASK, told ? 17 : 13);
		msgpack_pack_uint32(pk, t->index);
		monitor_pack_str(pk, t->id);
		monitor_pack_str(pk, t->app != NULL ? t->app->name : NULL);
		monitor_pack_str(pk, deps);
		monitor_pack_str(pk, in);
		monitor_pack_str(pk, out);
		/* A function's output goes to its worker's log. */
		monitor_pack_str(pk, fn ? NULL : path);
		path[strlen(path) - 6] = '\0';
		free(dir);
		dir = xprintf("%sstderr", path);
		monitor_pack_str(pk, fn ? NULL : dir);
		msgpack_pack_double(pk, r->began);
		monitor_pack_str(pk, fn ? "function" : "command");
		/* What it asks of its pool: one core, unless it says. */
		res = task_resources(t);
		msgpack_pack_int(pk, res->cores > 0 ? res->cores : 1);
		if (res->memory > 0)
			msgpack_pack_int64(pk, res->memory);
		else
			msgpack_pack_nil(pk);
		msgpack_pack_int(pk, res->gpus);
		if (told) {
			task_text_now(r, t, &tt);
			pack_text(pk, t, &tt);
			task_text_free(&tt);
			r->tasks[i].text_told = 1;
		}
		monitor_status(r->mon, t->index, 0, "pending", r->began);
		free(dir);
		free(path);
		free(in);
		free(out);
		free(deps);
	}
}

/*
 * What task I runs, once its text is known (a late task's holds results
 * of others): a command as the shell gets it, or a call's function,
 * plugin and arguments.
 */
void
ev_task_text(struct run *r, uint32_t i, const struct task_text *tt)
{
	msgpack_packer	*pk;

	if (r->mon == NULL)
		return;
	pk = monitor_event(r->mon, EV_TASK_TEXT, 5);
	msgpack_pack_uint32(pk, i);
	pack_text(pk, &r->dag->tasks[i], tt);
}

/*
 * The try is handed over now.  Its "launched" status, with this time,
 * waits until a pool has it (started it, ended it, or died with it:
 * ev_launch_told), so that a task the run stopped before any pool took
 * it, not_run, has none.  The pool is told this time with the task.
 */
void
ev_launched(struct run *r, uint32_t i)
{
	r->tasks[i].launched = db_now();
	r->tasks[i].launch_told = 0;
}

void
ev_launch_told(struct run *r, uint32_t i)
{
	if (r->tasks[i].launch_told)
		return;
	r->tasks[i].launch_told = 1;
	monitor_status(r->mon, i, r->tasks[i].attempt, "launched",
	    r->tasks[i].launched);
}

/*
 * A task's last status and its final row; REASON and TRY_STATE, when
 * given, close its last try (one that main ended, not a pool).
 */
void
ev_task_end(struct run *r, uint32_t i, const char *status,
    const char *state, const char *reason, const char *try_state)
{
	struct task_run	*tr = &r->tasks[i];
	struct task	*t = &r->dag->tasks[i];
	msgpack_packer	*pk;
	char		*dir, *path, buf[PATH_MAX];
	double		 now;
	int		 ran;

	if (r->mon == NULL)
		return;
	now = db_now();
	if (status != NULL)
		monitor_status(r->mon, i, tr->attempt, status, now);
	if (reason != NULL) {
		pk = monitor_event(r->mon, EV_TRY, 15);
		msgpack_pack_uint32(pk, i);
		msgpack_pack_uint32(pk, tr->attempt);
		for (ran = 0; ran < 5; ran++)
			msgpack_pack_nil(pk);
		msgpack_pack_double(pk, now);
		for (ran = 0; ran < 3; ran++)
			msgpack_pack_nil(pk);
		monitor_pack_str(pk, reason);
		monitor_pack_str(pk, try_state);
		msgpack_pack_nil(pk);
		msgpack_pack_nil(pk);
	}
	ran = tr->ran && tr->spawn_errno == 0 && (tr->state == TS_DONE ||
	    tr->state == TS_FAILED);
	pk = monitor_event(r->mon, EV_TASK_END, 11);
	msgpack_pack_uint32(pk, i);
	msgpack_pack_double(pk, now);
	monitor_pack_str(pk, state);
	msgpack_pack_uint32(pk, tr->fails);
	pack_int_or_nil(pk, ran && WIFEXITED(tr->status),
	    WEXITSTATUS(tr->status));
	pack_int_or_nil(pk, ran && WIFSIGNALED(tr->status),
	    WTERMSIG(tr->status));
	monitor_pack_str(pk, tr->state == TS_DONE || tr->state == TS_CACHED ?
	    tr->result : NULL);
	/*
	 * The logs of its last try, which is where a reader looks; for a
	 * call, its worker's files (the try row says where in them).
	 */
	if (TASK_IS_FUNCTION(t) && tr->ran && tr->worker >= 0) {
		monitor_pack_str(pk, worker_file(buf, sizeof buf, r, tr->pool,
		    tr->worker, 0));
		monitor_pack_str(pk, worker_file(buf, sizeof buf, r, tr->pool,
		    tr->worker, 1));
	} else if (!TASK_IS_FUNCTION(t) && tr->ran) {
		dir = rundir_task_dirname(t->id);
		path = xprintf("%s/tasks/%s/try-%u/stdout", r->rd.path, dir,
		    tr->attempt);
		monitor_pack_str(pk, path);
		free(path);
		path = xprintf("%s/tasks/%s/try-%u/stderr", r->rd.path, dir,
		    tr->attempt);
		monitor_pack_str(pk, path);
		free(path);
		free(dir);
	} else if (tr->state == TS_CACHED) {
		/* No try ran: there are no logs ("" clears the column). */
		monitor_pack_str(pk, "");
		monitor_pack_str(pk, "");
	} else {
		msgpack_pack_nil(pk);
		msgpack_pack_nil(pk);
	}
	msgpack_pack_int(pk, r->resume);
	/* Why it ended so, beyond its tries. */
	if (tr->state == TS_SKIPPED || tr->state == TS_NOT_RUN)
		monitor_pack_str(pk, tr->why);
	else if (tr->state == TS_FAILED && t->call->allow_failure)
		monitor_pack_str(pk, "allowed to fail");
	else
		msgpack_pack_nil(pk);
}

/*
 * How a try ended, from the result its pool sent: the try row (whole,
 * for a try whose start the pool had not told yet), its running_ended
 * status and its final resource row.  Main writes these, not the pool,
 * so that a pool killed right after sending a result, before its own
 * events left, loses nothing of that try's end.
 */
void
ev_try_end(struct run *r, const struct msg_result *res)
{
	const struct task	*t = &r->dag->tasks[res->index];
	msgpack_packer		*pk;
	char			*dir, *path, block[16], buf[PATH_MAX];
	const struct remote_pool *rp;
	int			 has_status, fn, ran = res->began > 0;

	if (ran)
		r->tasks[res->index].started = 1;
	ev_launch_told(r, res->index);
	if (r->mon == NULL)
		return;
	has_status = res->outcome == OUT_DONE || res->outcome == OUT_EXIT ||
	    res->outcome == OUT_TIMEOUT || res->outcome == OUT_WORKER_DIED ||
	    res->outcome == OUT_WORKER_LOST ||
	    (res->outcome == OUT_MISSING_OUTPUT && res->has_usage);
	snprintf(block, sizeof block, "%d", res->pool);
	fn = TASK_IS_FUNCTION(t) && res->worker >= 0;
	pk = monitor_event(r->mon, EV_TRY, fn ? 19 : 15);
	msgpack_pack_uint32(pk, res->index);
	msgpack_pack_uint32(pk, res->attempt);
	/* A pool on another host: where the interchange said it is. */
	if ((rp = remote_find(r, res->pool)) != NULL) {
		monitor_pack_str(pk, rp->block);
		monitor_pack_str(pk, rp->host);
		monitor_pack_str(pk, rp->executor);
	} else {
		monitor_pack_str(pk, block);
		monitor_pack_str(pk, r->hostname);
		monitor_pack_str(pk, "local");
	}
	msgpack_pack_double(pk, r->tasks[res->index].launched);
	if (ran)
		msgpack_pack_double(pk, res->began);
	else
		msgpack_pack_nil(pk);
	msgpack_pack_double(pk, res->ended);
	if (res->pid > 0)
		msgpack_pack_int64(pk, res->pid);
	else
		msgpack_pack_nil(pk);
	pack_int_or_nil(pk, has_status && WIFEXITED(res->status),
	    WEXITSTATUS(res->status));
	pack_int_or_nil(pk, has_status && WIFSIGNALED(res->status),
	    WTERMSIG(res->status));
	if (res->message != NULL)
		msg_pack_str(pk, res->message, res->message_len);
	else
		msgpack_pack_nil(pk);
	monitor_pack_str(pk, res->outcome == OUT_DONE ? "done" :
	    res->outcome == OUT_TIMEOUT ? "timeout" :
	    res->outcome == OUT_WORKER_LOST ? "lost" : "failed");
	/* A command's logs; a call's are ranges of its worker's files. */
	if (fn) {
		pack_stream(pk, worker_file(buf, sizeof buf, r, res->pool,
		    res->worker, 0), res->out_offset);
		pack_stream(pk, worker_file(buf, sizeof buf, r, res->pool,
		    res->worker, 1), res->err_offset);
		pack_int64_or_nil(pk, res->out_offset);
		pack_int64_or_nil(pk, res->out_length);
		pack_int64_or_nil(pk, res->err_offset);
		pack_int64_or_nil(pk, res->err_length);
	} else if (!TASK_IS_FUNCTION(t) && ran) {
		dir = rundir_task_dirname(t->id);
		path = xprintf("%s/tasks/%s/try-%u/stdout", r->rd.path, dir,
		    res->attempt);
		monitor_pack_str(pk, path);
		strcpy(path + strlen(path) - 6, "stderr");
		monitor_pack_str(pk, path);
		free(path);
		free(dir);
	} else {
		msgpack_pack_nil(pk);
		msgpack_pack_nil(pk);
	}
	if (ran)
		monitor_status(r->mon, res->index, res->attempt,
		    "running_ended", res->ended);
	if (!res->has_usage)
		return;
	pk = monitor_event(r->mon, EV_RESOURCE, 16);
	msgpack_pack_uint32(pk, res->index);
	msgpack_pack_uint32(pk, res->attempt);
	msgpack_pack_double(pk, res->ended);
	msgpack_pack_double(pk, r->wf->resource_interval);
	msgpack_pack_int64(pk, res->pid);
	msgpack_pack_double(pk, res->utime_us / 1e6);
	msgpack_pack_double(pk, res->stime_us / 1e6);
	if (res->maxrss_kb >= 0)
		msgpack_pack_int64(pk, res->maxrss_kb * 1024);
	else
		msgpack_pack_nil(pk);
	msgpack_pack_nil(pk);
	msgpack_pack_int64(pk, res->inblock * 512);
	msgpack_pack_int64(pk, res->oublock * 512);
	msgpack_pack_nil(pk);
	monitor_pack_str(pk, TASK_IS_FUNCTION(t) ? "returned" :
	    WIFEXITED(res->status) ? "exited" : "killed");
	msgpack_pack_int(pk, 1);
	msgpack_pack_int64(pk, res->nvcsw);
	msgpack_pack_int64(pk, res->nivcsw);
}

void
ev_workflow_end(struct run *r, const char *state, int rc)
{
	msgpack_packer	*pk;
	uint64_t	 failed = 0;
	size_t		 i;

	if (r->mon == NULL)
		return;
	pk = monitor_event(r->mon, EV_WORKFLOW_END, 6);
	/*
	 * As Parsl counts exec_done and failed tasks: completed are the
	 * tasks that ran and succeeded (not cached ones), failed those that
	 * failed for good after a try of theirs was started (not dep_fail,
	 * nor a task whose input was missing or that could not be started).
	 */
	for (i = 0; i < r->dag->ntasks; i++)
		failed += r->tasks[i].state == TS_FAILED &&
		    r->tasks[i].started;
	msgpack_pack_double(pk, db_now());
	msgpack_pack_uint64(pk, r->counts[TS_DONE]);
	msgpack_pack_uint64(pk, failed);
	monitor_pack_str(pk, state);
	msgpack_pack_int(pk, rc);
	msgpack_pack_int(pk, !r->mon_incomplete);
}
