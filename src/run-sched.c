/*
 * run-sched.c: main's task state machine, for "weft run".
 *
 * Owns the state of every task: a task whose dependencies are done is
 * keyed by resume.c and sent to the interchange (or cached); results and
 * requeued tries move it on, retry it, or fail it and its dependents.
 * At the end, what is still open is settled and checked against the
 * record.  Called from the loop in cmd-run.c and from run-supervise.c.
 * A task that is to run goes into the ring of ready tasks, and to the
 * interchange from there, in run-dispatch.c.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>
#include <zmq.h>

#include "weft.h"
#include "proto.h"
#include "run.h"

const char *state_names[TS_NSTATES] = {
	"waiting", "keying", "sent", "running", "done", "failed", "dep_fail",
	"killed", "not_run", "cached", "skipped"
};

void
run_set_state(struct run *r, uint32_t i, enum task_state st)
{
	struct task_run	*tr = &r->tasks[i];

	/* Started, ended, or to be sent again: no longer ahead. */
	if (tr->ahead) {
		tr->ahead = 0;
		r->nahead--;
	}
	if (tr->state == TS_SENT || tr->state == TS_RUNNING)
		r->nsent--;
	r->counts[tr->state]--;
	tr->state = st;
	r->counts[st]++;
	if (st == TS_SENT || st == TS_RUNNING)
		r->nsent++;
	else if (st != TS_WAITING && st != TS_KEYING)
		r->nfinished++;
}

/* An empty value ({ID.result} of a call that returned none): shared. */
static char	 no_value[] = "";

/*
 * Sets task I's value (taking VALUE, which may be NULL); an empty one is
 * no_value, so that a million calls that return nothing hold no string.
 */
void
task_result_set(struct task_run *tr, char *value)
{
	if (tr->result != no_value)
		free(tr->result);
	if (value != NULL && *value == '\0') {
		free(value);
		value = no_value;
	}
	tr->result = value;
}

/* The value {ID.result} gives for task I: set once it succeeded. */
const char *
task_result(void *arg, uint32_t i)
{
	struct run	*r = arg;

	return i < r->dag->ntasks ? r->tasks[i].result : NULL;
}

/* How a task ended, for the tasks that need it. */
enum ending {
	END_OK,			/* done, cached, or failed but allowed to */
	END_FAILED,		/* failed, or dep_fail */
	END_SKIPPED		/* its when: said no, or a need's did */
};

static void	 tell_dependents(struct run *, uint32_t, enum ending);
static void	 go_on(struct run *);

/* Task I does not run, for REASON; its dependents are not told. */
static void
settle_skipped(struct run *r, uint32_t i, char *reason)
{
	struct task_run	*tr = &r->tasks[i];

	free(tr->why);
	tr->why = reason;
	run_set_state(r, i, TS_SKIPPED);
	ev_task_end(r, i, "skipped", "skipped", NULL, NULL);
	event_line(r, 0, "skipped  %s (%s)", r->dag->tasks[i].id, reason);
}

/* Task I does not run: its condition said no (REASON). */
static void
skip(struct run *r, uint32_t i, char *reason)
{
	settle_skipped(r, i, reason);
	tell_dependents(r, i, END_SKIPPED);
}

/*
 * Every dependency of task I has ended: its when: decides whether it
 * runs.  The default and a condition need every dependency to have
 * succeeded; those that did not were settled as they ended.
 */
static void
decide(struct run *r, uint32_t i)
{
	const struct task	*t = &r->dag->tasks[i];
	const struct wf_call	*c = t->call;

	switch (c->when) {
	case WHEN_ON_FAILURE:
		if (!r->tasks[i].dep_failed) {
			skip(r, i, xstrdup("when: on_failure, and no "
			    "dependency failed"));
			return;
		}
		break;
	case WHEN_IF:
		if (!dag_task_when(r->dag, t)) {
			skip(r, i, xprintf("when: %s is false",
			    c->when_text));
			return;
		}
		break;
	default:
		break;
	}
	make_ready(r, i);
}

/*
 * Task I has ended (HOW): each task waiting for it hears of it.  A
 * failure or a skip settles at once every task that would not run for
 * it (dep_fail, skipped), all the way down; an always or on_failure
 * task only counts it, and decides once every dependency has ended.
 * The endings wait in one list of the run (a task ends once, so it
 * never holds more than every task): a task settled while the list is
 * worked through joins it, and the outermost call works it through.
 */
static void
tell_dependents(struct run *r, uint32_t i, enum ending how)
{
	struct task	*t;
	struct task_run	*dr;
	uint32_t	 d;
	size_t		 k;
	enum wf_when	 when;

	if (r->ends == NULL) {
		r->ends = xcalloc(r->dag->ntasks + 1, sizeof *r->ends);
		r->end_hows = xcalloc(r->dag->ntasks + 1, 1);
	}
	r->ends[r->nends] = i;
	r->end_hows[r->nends++] = how;
	if (r->telling)
		return;
	r->telling = 1;
	while (r->nends > 0) {
		i = r->ends[--r->nends];
		how = r->end_hows[r->nends];
		t = &r->dag->tasks[i];
		for (k = 0; k < t->ndependents; k++) {
			d = t->dependents[k];
			dr = &r->tasks[d];
			if (dr->state != TS_WAITING)
				continue;
			when = r->dag->tasks[d].call->when;
			if (how == END_FAILED)
				dr->dep_failed = 1;
			if (how == END_OK || when == WHEN_ALWAYS ||
			    when == WHEN_ON_FAILURE) {
				if (--dr->waiting == 0)
					decide(r, d);
				continue;
			}
			dr->cause = i;
			if (how == END_FAILED) {
				run_set_state(r, d, TS_DEP_FAIL);
				ev_task_end(r, d, "dep_fail", "dep_fail", NULL,
				    NULL);
				event_line(r, 0, "dep_fail %s (needs %s)",
				    r->dag->tasks[d].id, t->id);
			} else
				settle_skipped(r, d, xprintf("needs %s, which "
				    "was skipped", t->id));
			r->ends[r->nends] = d;
			r->end_hows[r->nends++] = how;
		}
	}
	r->telling = 0;
}

/* Task I is neither a target nor needed by one. */
void
not_selected(struct run *r, uint32_t i)
{
	r->tasks[i].why = xstrdup("not a target, nor needed by one");
	run_set_state(r, i, TS_NOT_RUN);
	ev_task_end(r, i, NULL, "not_run", NULL, NULL);
}

/*
 * A task that is ready by the graph (its dependencies all ended) runs
 * if its when: says so; the start of a run and resume.c come here.
 */
void
task_ready(struct run *r, uint32_t i)
{
	decide(r, i);
}

/* The retries of a task: --retries, else its app's or the config's. */
static int
task_retries(const struct run *r, const struct task *t)
{
	return r->retries >= 0 ? r->retries : t->retries;
}

/* A task failed for good: its dependents cannot run, and with
   --fail-fast nothing else will. */
static void
failed_for_good(struct run *r, uint32_t i)
{
	struct task_run	*tr = &r->tasks[i];

	if (r->dag->tasks[i].call->allow_failure) {
		/* Its dependents go on, as after a success. */
		tr->allowed = 1;
		r->nallowed++;
		event_line(r, 0, "allowed  %s (allow_failure: the run goes "
		    "on)", r->dag->tasks[i].id);
		tell_dependents(r, i, END_OK);
		/* With --fail-fast the pools hold until told: not for this. */
		go_on(r);
		return;
	}
	tell_dependents(r, i, END_FAILED);
	if (!r->fail_fast || r->failed_fast)
		return;
	r->failed_fast = 1;
	progress_clear(r);
	fflush(stdout);
	fprintf(stderr, "%s: --fail-fast: stopping run %s after '%s' "
	    "failed\n", weft_prog, r->rd.name, r->dag->tasks[i].id);
	log_info("fail-fast: %s failed", r->dag->tasks[i].id);
}

/*
 * With --fail-fast the interchange and the pools hold after a failed try
 * until main has decided; a retry means the run goes on.
 */
static void
go_on(struct run *r)
{
	struct msg_out	 m;

	if (!r->fail_fast)
		return;
	msg_begin(&m, MSG_GO, 0);
	if (msg_send(r->sock, NULL, 0, &m) == -1)
		log_warnx("cannot tell the interchange to go on: %s",
		    zmq_strerror(errno));
}

/* Task I is done or cached: its dependents may be ready. */
static void
task_done(struct run *r, uint32_t i)
{
	tell_dependents(r, i, END_OK);
}

static void
apply_verdict(struct run *r, struct rs_verdict *v)
{
	struct task_run	*tr = &r->tasks[v->task];
	struct task	*t = &r->dag->tasks[v->task];
	char		*why;

	if (tr->state != TS_KEYING) {
		/* The run stopped meanwhile. */
		free(v->message);
		free(v->result);
		return;
	}
	switch (v->what) {
	case RS_RUN:
		if ((why = resources_unmet(r, t)) == NULL) {
			run_dispatch_task(r, v->task);
			break;
		}
		/* No pool could ever run it: it fails now. */
		free(tr->why);
		tr->why = why;
		run_set_state(r, v->task, TS_FAILED);
		ev_task_end(r, v->task, "failed", "failed", tr->why, "failed");
		event_failed(r, v->task, tr->why, NULL);
		failed_for_good(r, v->task);
		break;
	case RS_CACHED:
		task_result_set(tr, v->result);
		if (tr->result == NULL && TASK_IS_FUNCTION(t))
			tr->result = no_value;
		run_set_state(r, v->task, TS_CACHED);
		ev_task_end(r, v->task, "memo_done", "cached", NULL, NULL);
		event_line(r, 0, "cached   %s", t->id);
		task_done(r, v->task);
		break;
	case RS_MISSING:
		free(tr->why);
		tr->why = v->message;
		run_set_state(r, v->task, TS_FAILED);
		ev_task_end(r, v->task, "failed", "failed", tr->why, "failed");
		event_failed(r, v->task, tr->why, NULL);
		failed_for_good(r, v->task);
		break;
	}
}

/*
 * Acts on what resume.c has decided.  A cached task makes its dependents
 * ready, which may decide more at once: until there is nothing left.
 */
void
apply_verdicts(struct run *r)
{
	struct rs_verdict	*v, *copy;
	size_t			 n, k;

	for (;;) {
		v = resume_verdicts(r->rs, &n);
		if (n == 0)
			return;
		copy = xcalloc(n, sizeof *copy);
		memcpy(copy, v, n * sizeof *copy);
		for (k = 0; k < n; k++)
			apply_verdict(r, &copy[k]);
		free(copy);
	}
}

char *
result_string(const struct task_run *tr)
{
	if (tr->lost > POOL_LOST_MAX)
		return xprintf("its pool died under it %u times", tr->lost);
	if (tr->why != NULL)
		return xstrdup(tr->why);
	return wait_status_string(tr->status);
}

/*
 * A try whose worker was killed from outside (OUT_WORKER_LOST), which the
 * pool recorded as 'lost': it runs again as a new try without spending a
 * retry, as a try of a lost pool does, up to WORKER_LOST_MAX times.
 */
static void
worker_lost(struct run *r, uint32_t i)
{
	struct task_run	*tr = &r->tasks[i];
	struct task	*t = &r->dag->tasks[i];

	if (++tr->wlost > WORKER_LOST_MAX) {
		free(tr->why);
		tr->why = xprintf("its worker was killed from outside %u times",
		    tr->wlost);
		run_set_state(r, i, TS_FAILED);
		ev_task_end(r, i, "failed", "failed", NULL, NULL);
		event_failed(r, i, tr->why, NULL);
		failed_for_good(r, i);
		return;
	}
	monitor_status(r->mon, i, tr->attempt, "fail_retryable", db_now());
	tr->attempt++;
	event_line(r, 1, "requeue  %s (try %u: its worker was lost)", t->id,
	    tr->attempt);
	r->requeued++;
	run_dispatch_task(r, i);
	go_on(r);
}

void
handle_result(struct run *r, const struct msg_result *res)
{
	struct task_run	*tr;
	struct task	*t;
	char		*why;
	int		 ok;

	if (res->index >= r->dag->ntasks) {
		log_warnx("result for unknown task %u ignored", res->index);
		return;
	}
	t = &r->dag->tasks[res->index];
	tr = &r->tasks[res->index];
	if ((tr->state != TS_SENT && tr->state != TS_RUNNING) ||
	    tr->attempt != res->attempt) {
		log_warnx("stale result for %s ignored", t->id);
		return;
	}
	ev_try_end(r, res);
	tr->status = res->status;
	tr->spawn_errno = res->spawn_errno;
	tr->wall_us = res->wall_us;
	tr->pool = res->pool;
	tr->worker = res->worker;
	tr->ran = 1;
	ok = res->outcome == OUT_DONE;
	free(tr->why);
	tr->why = ok ? NULL : res->message != NULL ?
	    xstrndup(res->message, res->message_len) :
	    xstrdup("failed");
	if (res->outcome == OUT_WORKER_LOST) {
		worker_lost(r, res->index);
		return;
	}
	if (ok && res->value != NULL)
		task_result_set(tr, xstrndup(res->value, res->value_len));
	log_debug("%s: try %u on pool %d (pid %lld): %s in %.3fs, user %.3fs, "
	    "system %.3fs, max rss %lld KiB", t->id, res->attempt, res->pool,
	    (long long)res->pid, ok ? "ok" : "failed", res->wall_us / 1e6,
	    res->utime_us / 1e6, res->stime_us / 1e6,
	    (long long)res->maxrss_kb);

	if (ok) {
		run_set_state(r, res->index, TS_DONE);
		/* Dependents may use it ({ID.result}); an absent one is "". */
		if (TASK_IS_FUNCTION(t) && tr->result == NULL)
			tr->result = no_value;
		/* Cached before its end is in a batch (resume_commit). */
		resume_done(r->rs, res->index, tr->result);
		ev_task_end(r, res->index, "exec_done", "done", NULL, NULL);
		event_line(r, 0, "done     %s %.2fs", t->id,
		    res->wall_us / 1e6);
		task_done(r, res->index);
		return;
	}

	why = result_string(tr);
	tr->fails++;
	/* Tries lost with a pool do not count against the task's retries. */
	if ((int)tr->fails <= task_retries(r, t)) {
		monitor_status(r->mon, res->index, tr->attempt,
		    "fail_retryable", db_now());
		tr->attempt++;
		if (tr->fails == 1)
			r->nretried++;
		event_line(r, 1, "retry    %s %s (retry %u of %d)", t->id,
		    why, tr->fails, task_retries(r, t));
		run_dispatch_task(r, res->index);
		go_on(r);
		free(why);
		return;
	}
	run_set_state(r, res->index, TS_FAILED);
	ev_task_end(r, res->index, "failed", "failed", NULL, NULL);
	event_failed(r, res->index, why, res);
	free(why);
	failed_for_good(r, res->index);
}

void
handle_started(struct run *r, const msgpack_object *o)
{
	uint64_t	 index, attempt;

	if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size != 2 ||
	    msg_get_uint(&o->via.array.ptr[0], &index) == -1 ||
	    msg_get_uint(&o->via.array.ptr[1], &attempt) == -1 ||
	    index >= r->dag->ntasks) {
		log_warnx("malformed start notice ignored");
		return;
	}
	if (r->tasks[index].state == TS_SENT &&
	    r->tasks[index].attempt == attempt) {
		run_set_state(r, index, TS_RUNNING);
		r->tasks[index].started = 1;
		r->tasks[index].running_ms = elapsed_ms(&r->t0);
		ev_launch_told(r, index);
	}
}

/* A try that was on a pool when it died: recorded failed, run again. */
static void
requeue_try(struct run *r, uint32_t i, uint32_t attempt)
{
	struct task_run	*tr = &r->tasks[i];
	struct task	*t = &r->dag->tasks[i];
	msgpack_packer	*pk;
	double		 now = db_now();
	char		*why;
	int		 n;

	if ((tr->state != TS_SENT && tr->state != TS_RUNNING) ||
	    tr->attempt != attempt)
		return;
	tr->lost++;
	ev_launch_told(r, i);
	/* The last try is recorded failed as any try; the task ends there. */
	if (r->mon != NULL) {
		if (tr->lost <= POOL_LOST_MAX)
			monitor_status(r->mon, i, attempt, "fail_retryable",
			    now);
		pk = monitor_event(r->mon, EV_TRY, 15);
		msgpack_pack_uint32(pk, i);
		msgpack_pack_uint32(pk, attempt);
		for (n = 0; n < 5; n++)
			msgpack_pack_nil(pk);
		msgpack_pack_double(pk, now);
		for (n = 0; n < 3; n++)
			msgpack_pack_nil(pk);
		monitor_pack_str(pk, "pool lost");
		monitor_pack_str(pk, "lost");
		msgpack_pack_nil(pk);
		msgpack_pack_nil(pk);
	}
	if (tr->lost > POOL_LOST_MAX) {
		run_set_state(r, i, TS_FAILED);
		ev_task_end(r, i, "failed", "failed", NULL, NULL);
		why = xprintf("its pool died under it %u times", tr->lost);
		event_failed(r, i, why, NULL);
		free(why);
		failed_for_good(r, i);
		return;
	}
	tr->attempt++;
	event_line(r, 1, "requeue  %s (try %u: its pool was lost)", t->id,
	    attempt + 1);
	r->requeued++;
	run_dispatch_task(r, i);
}

/* MSG_REQUEUE: [pool, pid, [[index, attempt]...]]. */
void
handle_requeue(struct run *r, const struct msg_in *m)
{
	const msgpack_object	*list, *e;
	uint64_t		 index, attempt;
	uint32_t		 i;

	if (m->nfields != 3 || m->fields[2].type != MSGPACK_OBJECT_ARRAY) {
		log_warnx("malformed requeue ignored");
		return;
	}
	list = &m->fields[2];
	log_info("%u tries of a lost pool come back", list->via.array.size);
	for (i = 0; i < list->via.array.size; i++) {
		e = &list->via.array.ptr[i];
		if (e->type != MSGPACK_OBJECT_ARRAY || e->via.array.size != 2 ||
		    msg_get_uint(&e->via.array.ptr[0], &index) == -1 ||
		    msg_get_uint(&e->via.array.ptr[1], &attempt) == -1 ||
		    index >= r->dag->ntasks) {
			log_warnx("malformed requeued try ignored");
			continue;
		}
		requeue_try(r, index, attempt);
	}
}

/*
 * After a run that stopped early, the database knows more than main: a
 * pool may have started or finished a task whose news died with the
 * interchange.  Once the record is complete and settled (record.c), the
 * summary takes the tasks' final states from it.
 */
void
reconcile_with_record(struct run *r)
{
	sqlite3		*db;
	sqlite3_stmt	*st;
	char		*err = NULL;
	const char	*state;
	int64_t		 i;
	enum task_state	 want;

	if (r->mon == NULL || r->mon_incomplete || r->dbpath == NULL ||
	    !(r->aborted || r->interrupted))
		return;
	if ((db = db_open(r->dbpath, DB_READ, &err)) == NULL) {
		log_warnx("%s", err);
		free(err);
		return;
	}
	if (sqlite3_prepare_v2(db, "SELECT task_id, weft_state FROM task "
	    "WHERE run_id = ?1 AND weft_state IN ('done', 'killed')", -1,
	    &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, r->rd.name, -1, SQLITE_STATIC);
		while (sqlite3_step(st) == SQLITE_ROW) {
			i = sqlite3_column_int64(st, 0);
			state = (const char *)sqlite3_column_text(st, 1);
			want = strcmp(state, "done") == 0 ? TS_DONE : TS_KILLED;
			if (i < 0 || (size_t)i >= r->dag->ntasks ||
			    r->tasks[i].state == want ||
			    r->tasks[i].state == TS_DONE)
				continue;
			log_info("%s: %s as the record says, not %s",
			    r->dag->tasks[i].id, state_names[want],
			    state_names[r->tasks[i].state]);
			run_set_state(r, i, want);
		}
		sqlite3_finalize(st);
	}
	/*
	 * How a killed task's last try ended: its pool recorded that, as
	 * main no longer reads results while stopping.
	 */
	if (sqlite3_prepare_v2(db, "SELECT y.task_id, y.weft_signal, "
	    "y.weft_exit_code FROM try y JOIN task t ON t.run_id = y.run_id "
	    "AND t.task_id = y.task_id WHERE y.run_id = ?1 AND "
	    "t.weft_state = 'killed' AND (y.weft_signal IS NOT NULL OR "
	    "y.weft_exit_code IS NOT NULL) ORDER BY y.try_id DESC", -1, &st,
	    NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, r->rd.name, -1, SQLITE_STATIC);
		while (sqlite3_step(st) == SQLITE_ROW) {
			i = sqlite3_column_int64(st, 0);
			if (i < 0 || (size_t)i >= r->dag->ntasks ||
			    r->tasks[i].state != TS_KILLED || r->tasks[i].ran)
				continue;
			r->tasks[i].status = sqlite3_column_type(st, 1) !=
			    SQLITE_NULL ? sqlite3_column_int(st, 1) & 0x7f :
			    (sqlite3_column_int(st, 2) & 0xff) << 8;
			r->tasks[i].ran = 1;
		}
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
}

/*
 * Everything still open when the run stops is killed (it had started: a
 * try runs, or one ran and the next was waiting) or not run.
 */
void
settle_unfinished(struct run *r)
{
	struct task_run	*tr;
	size_t		 i;

	for (i = 0; i < r->dag->ntasks; i++) {
		tr = &r->tasks[i];
		if (tr->state == TS_RUNNING) {
			run_set_state(r, i, TS_KILLED);
			ev_task_end(r, i, "failed", "killed",
			    "killed: the run stopped", "killed");
		} else if (tr->state == TS_SENT && tr->attempt > 0) {
			run_set_state(r, i, TS_KILLED);
			ev_task_end(r, i, "failed", "killed", NULL, NULL);
		} else if (tr->state == TS_SENT || tr->state == TS_KEYING ||
		    tr->state == TS_WAITING) {
			run_set_state(r, i, TS_NOT_RUN);
			ev_task_end(r, i, NULL, "not_run", NULL, NULL);
		}
	}
}
