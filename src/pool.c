/*
 * pool.c: the "weft pool" helper role.  A pool takes tasks from the
 * interchange and runs at most "jobs" of them at a time: a command task
 * with posix_spawn of /bin/sh -c in a process group of its own, with
 * stdout and stderr in the run directory's tasks/<id>/ folder; a function
 * task in one of its workers.  It reports each try's outcome, wall time
 * and rusage back in batches.
 *
 * A pool loads the run's workflow snapshot in definitions mode only: it
 * learns the apps and the env, and never sees the main body, so it cannot
 * submit anything.
 *
 * Its companions, sharing pool.h: pool-try.c, one try of a command (and
 * the start and end of a call's); pool-workers.c, the pool's side of
 * its workers; pool-monitor.c, the monitoring events and /proc samples;
 * pool-queue.c, the tasks and their queues; pool-resources.c, the cores
 * and GPUs its commands hold; pool-remote.c, a pool that connects by
 * itself over tcp://.
 *
 * Descriptor 3 is the lifeline, the read end of a pipe whose write end
 * only main holds.  EOF there means main is gone or wants everyone to
 * stop: running tasks and workers get SIGTERM, then SIGKILL after a grace
 * period, and the pool exits.
 */

#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <zmq.h>

#include "weft.h"
#include "proto.h"
#include "pool.h"

static void	 pool_stop(struct pool *, const char *);

/*
 * The environment of every task: ours (which is main's), with the
 * workflow's env on top, and a last slot for WEFT_TASK_ID.
 */
static void
pool_build_env(struct pool *p, const struct workflow *wf)
{
	extern char	**environ;
	const char	*v;
	size_t		 n, i, j, len;

	for (n = 0; environ[n] != NULL; n++)
		;
	p->envp = xcalloc(n + wf->nenv + 2, sizeof *p->envp);
	p->envn = 0;
	for (i = 0; i < n; i++) {
		if (strncmp(environ[i], "WEFT_TASK_ID=", 13) == 0)
			continue;
		for (j = 0; j < wf->nenv; j++) {
			len = strlen(wf->env[j].key);
			if (strncmp(environ[i], wf->env[j].key, len) == 0 &&
			    environ[i][len] == '=')
				break;
		}
		if (j == wf->nenv)
			p->envp[p->envn++] = environ[i];
	}
	p->envown = p->envn;
	for (j = 0; j < wf->nenv; j++) {
		/* A secret comes from our environment, which is main's. */
		if ((v = workflow_env_value(&wf->env[j])) != NULL)
			p->envp[p->envn++] = xprintf("%s=%s", wf->env[j].key,
			    v);
	}
}

static void
pool_free(struct pool *p)
{
	size_t	 i;
	int	 k;

	for (i = p->envown; i < p->envn; i++)
		free(p->envp[i]);
	free(p->envp);
	queue_free(&p->cmdq);
	queue_free(&p->fnq);
	for (i = 0; i < p->nresults; i++) {
		free((char *)p->results[i].message);
		free((char *)p->results[i].value);
	}
	free(p->results);
	free(p->started_list);
	pool_ready_drop(p);
	for (k = 0; k < p->jobs; k++) {
		capture_end(&p->slots[k].cap, 0);
		try_free(&p->slots[k].pt);
	}
	free(p->slots);
	for (k = 0; p->workers != NULL && k < p->jobs; k++) {
		for (i = 0; i < (size_t)p->workers[k].ncalls; i++)
			task_free(&p->workers[k].calls[i]);
		try_free(&p->workers[k].pt);
		free(p->workers[k].fatal);
		if (p->workers[k].has_u)
			msgpack_unpacker_destroy(&p->workers[k].u);
		if (p->workers[k].fd != -1)
			close(p->workers[k].fd);
	}
	free(p->workers);
	pool_gpus_free(p);
	if (p->remote) {
		strs_free(p->plugin_args, p->nplugin_args);
		free(p->run_own);
		free(p->rundir_own);
		free(p->workdir_own);
		explicit_bzero(&p->keys, sizeof p->keys);
		if (p->console != -1)
			close(p->console);
	} else
		free(p->plugin_args);
}

static void
pool_title(struct pool *p)
{
	if (p->busy == p->shown_busy)
		return;
	p->shown_busy = p->busy;
	proctitle_set("weft: pool %d run %s (%d/%d busy)", p->id, p->run_name,
	    p->busy, p->jobs);
}

/*
 * The interchange has not been heard from for POOL_HOLD_PERIODS
 * heartbeats (it died, or is stopped): nothing new is started, since
 * nobody may learn that it ran, until it is heard again or the pool
 * gives it up.  What runs goes on.
 */
static int
interchange_silent(struct pool *p)
{
	int64_t	 now = mono_ms();

	if (heartbeat_silent(&p->ix_hb, now) < POOL_HOLD_PERIODS)
		return 0;
	if (!p->ix_hold_told) {
		log_warnx("the interchange has not answered for %lld ms; "
		    "starting nothing until it does",
		    (long long)heartbeat_silence(&p->ix_hb, now));
		p->ix_hold_told = 1;
	}
	return 1;
}

/*
 * Starts queued tasks while slots are free, in the order they came, as
 * far as a free worker allows; then, while calls are short, gives each
 * busy worker its next call (workers_prefetch).
 */
static void
pool_fill(struct pool *p)
{
	struct pool_task	*c, *f, t;
	struct pool_worker	*w;
	int			 i;

	if (interchange_silent(p))
		return;
	while (!p->stopping && !p->held && p->busy < p->jobs) {
		c = queue_head(&p->cmdq);
		f = queue_head(&p->fnq);
		w = f != NULL ? worker_idle(p) : NULL;
		if (f != NULL && w != NULL && (c == NULL || f->seq < c->seq)) {
			queue_pop(&p->fnq, &t);
			worker_send(p, w, &t);
		} else if (c != NULL && pool_fits(p, c)) {
			for (i = 0; p->slots[i].pid != 0; i++)
				;
			queue_pop(&p->cmdq, &t);
			pool_start(p, &t, &p->slots[i]);
		} else
			break;
	}
	workers_prefetch(p);
}

/* The interchange. */

/*
 * Sends a heartbeat when one is due, and gives up on an interchange that
 * has not answered for too long.  Returns ms until the next heartbeat.
 */
static int
pool_heartbeat(struct pool *p)
{
	struct msg_out	 m;
	int64_t		 now = mono_ms();

	if (p->stopping)
		return -1;
	/*
	 * Back from a stop (SIGSTOP, a suspended machine): the silence was
	 * ours, not the interchange's, so it gets a fresh chance to answer.
	 */
	heartbeat_resumed(&p->ix_hb, now);
	if (heartbeat_lost(&p->ix_hb, now)) {
		log_warnx("the interchange has not answered for %lld ms",
		    (long long)heartbeat_silence(&p->ix_hb, now));
		p->lost_ix = 1;
		pool_stop(p, "interchange lost");
		return 0;	/* the loop must see it is stopping now */
	}
	if (heartbeat_due(&p->ix_hb, now)) {
		msg_begin(&m, MSG_HEARTBEAT, 0);
		if (msg_send(p->sock, NULL, 0, &m) == -1)
			log_debug("cannot send a heartbeat");
	}
	return heartbeat_next(&p->ix_hb, now);
}

/* Reaps every finished child: commands and workers. */
static void
pool_reap(struct pool *p)
{
	struct rusage	 ru;
	pid_t		 pid;
	int		 status, i;

	while ((pid = wait4(-1, &status, WNOHANG, &ru)) > 0) {
		for (i = 0; i < p->jobs; i++) {
			if (p->slots[i].pid == pid) {
				command_ended(p, &p->slots[i], status, &ru);
				break;
			}
			if (p->workers != NULL && p->workers[i].pid == pid) {
				worker_died(p, &p->workers[i], status);
				break;
			}
		}
	}
}

/*
 * Milliseconds until the results and starts gathered so far must go, 0
 * for now, -1 when there are none.  While the pool has work queued of
 * its own, they wait up to POOL_FLUSH_MS, so that one message (and one
 * wake-up of the interchange and of main) carries several: no slot
 * idles for it.  A failure, an empty queue, a full batch or --fail-fast
 * sends them at once.
 */
static int
pool_flush_wait(struct pool *p, int64_t now)
{
	size_t	 i;

	if (p->nresults == 0 && p->nstarted == 0) {
		p->flush_since_ms = 0;
		return -1;
	}
	if (p->flush_since_ms == 0)
		p->flush_since_ms = now;
	if (p->fail_fast || p->nresults >= POOL_FLUSH_MAX ||
	    queue_len(&p->cmdq) + queue_len(&p->fnq) == 0 ||
	    now - p->flush_since_ms >= POOL_FLUSH_MS)
		return 0;
	for (i = 0; i < p->nresults; i++) {
		if (p->results[i].outcome != OUT_DONE)
			return 0;
	}
	return (int)(p->flush_since_ms + POOL_FLUSH_MS - now);
}

static void
pool_flush(struct pool *p)
{
	struct msg_out	 m;
	size_t		 i;
	int64_t		 now = mono_ms();

	if (p->stopping || now < p->hold_results_ms ||
	    pool_flush_wait(p, now) != 0)
		return;
	p->flush_since_ms = 0;
	msg_begin(&m, MSG_RESULTS, 2);
	msgpack_pack_array(&m.pk, p->nresults);
	for (i = 0; i < p->nresults; i++)
		msg_pack_result(&m.pk, &p->results[i]);
	msgpack_pack_array(&m.pk, p->nstarted / 2);
	for (i = 0; i < p->nstarted; i += 2) {
		msgpack_pack_array(&m.pk, 2);
		msgpack_pack_uint32(&m.pk, p->started_list[i]);
		msgpack_pack_uint32(&m.pk, p->started_list[i + 1]);
	}
	if (msg_send(p->sock, NULL, 0, &m) == -1)
		log_warnx("cannot send results: %s", zmq_strerror(errno));
	for (i = 0; i < p->nresults; i++) {
		free((char *)p->results[i].message);
		free((char *)p->results[i].value);
	}
	p->nresults = 0;
	p->nstarted = 0;
}

/* Signals every task; and the workers, all of them or the busy ones. */
static void
pool_signal_tasks(struct pool *p, int sig, int idle_workers)
{
	struct pool_worker	*w;
	int			 i;

	for (i = 0; i < p->jobs; i++) {
		if (p->slots[i].pid != 0)
			kill(-p->slots[i].pid, sig);
		w = p->workers != NULL ? &p->workers[i] : NULL;
		if (w != NULL && (idle_workers || w->ncalls > 0 ||
		    w->state == WS_STARTING))
			worker_kill(w, sig, NULL);
	}
}

/* Workers still to be reaped. */
static int
workers_alive(const struct pool *p)
{
	int	 i, n = 0;

	for (i = 0; p->workers != NULL && i < p->jobs; i++)
		n += p->workers[i].pid != 0;
	return n;
}

static void
pool_stop(struct pool *p, const char *why)
{
	int	 i;

	if (p->stopping)
		return;
	snprintf(p->stop_why, sizeof p->stop_why, "%s", why);
	log_info("stopping (%s): %d tasks running, %zu queued", why, p->busy,
	    queue_len(&p->cmdq) + queue_len(&p->fnq));
	p->stopping = 1;
	pool_ready_drop(p);
	ctl_set_state(p->ctl, "stopping");
	p->killing = p->busy > 0;
	p->kill_at_ms = mono_ms() + POOL_KILL_GRACE_MS;
	pool_signal_tasks(p, SIGTERM, 0);
	/* An idle worker ends at EOF. */
	for (i = 0; p->workers != NULL && i < p->jobs; i++) {
		if (p->workers[i].fd != -1)
			worker_close(p, &p->workers[i]);
	}
	/* From now on the lifeline stays readable: it is closed. */
	if (p->lifeline_ev != 0)
		evloop_remove(p->loop, p->lifeline_ev);
	p->lifeline_ev = 0;
}

/* MSG_STOP: [why], to a pool that connected by itself. */
static void
pool_told_stop(struct pool *p, const struct msg_in *m)
{
	char	 why[128];

	snprintf(why, sizeof why, "told to stop: %.*s", m->nfields == 1 &&
	    m->fields[0].type == MSGPACK_OBJECT_STR ?
	    (int)m->fields[0].via.str.size : 0, m->nfields == 1 &&
	    m->fields[0].type == MSGPACK_OBJECT_STR ?
	    m->fields[0].via.str.ptr : "");
	/* Only the end of the run is a normal end. */
	if (strstr(why, "the run is over") == NULL)
		p->exit_code = EXIT_INTERNAL;
	pool_stop(p, why);
}

static void
pool_recv(struct pool *p)
{
	struct msg_in	 m;
	struct msg_task	 t;
	zmq_msg_t	 zm;
	uint32_t	 i;
	int		 rc;

	while ((rc = msg_recv(p->sock, &zm, &m, "the interchange")) != 0) {
		if (rc == -1)
			continue;
		heartbeat_heard(&p->ix_hb, mono_ms());
		if (p->ix_hold_told) {
			log_info("the interchange answers again");
			p->ix_hold_told = 0;
		}
		if (m.type == MSG_HEARTBEAT)
			;
		else if (m.type == MSG_STOP)
			pool_told_stop(p, &m);
		else if (m.type == MSG_GO)
			p->held = 0;
		else if (m.type == MSG_TASKS && m.nfields == 1 &&
		    m.fields[0].type == MSGPACK_OBJECT_ARRAY) {
			for (i = 0; i < m.fields[0].via.array.size; i++) {
				if (msg_get_task(&m.fields[0].via.array.ptr[i],
				    &t) == -1) {
					log_warnx("malformed task ignored");
					continue;
				}
				pool_enqueue(p, &m.fields[0].via.array.ptr[i],
				    &t);
			}
		} else
			log_warnx("unexpected message type %d", m.type);
		msg_in_free(&m);
		zmq_msg_close(&zm);
	}
}

static void
pool_signal(struct pool *p)
{
	struct signalfd_siginfo	 si;

	while (read(p->sigfd, &si, sizeof si) == sizeof si) {
		if (si.ssi_signo == SIGCHLD)
			pool_reap(p);
		else
			pool_stop(p, strsignal(si.ssi_signo));
	}
}

static json_t *
try_json(const struct pool_try *pt)
{
	return json_pack("{s:s?, s:i, s:f}", "task", pt->id, "try",
	    (int)pt->attempt, "seconds", since_us(&pt->start) / 1e6);
}

/* What "weft status" shows of a pool, its workers included. */
static void
pool_status_fill(json_t *stats, json_t *hb, void *arg)
{
	static const char *states[] = { "starting", "idle", "down" };
	struct pool		*p = arg;
	struct pool_worker	*w;
	json_t			*running = json_array(), *workers, *o;
	const char		*state;
	int			 i;

	for (i = 0; i < p->jobs; i++) {
		if (p->slots[i].pid == 0)
			continue;
		o = try_json(&p->slots[i].pt);
		json_object_set_new(o, "pid", json_integer(p->slots[i].pid));
		json_array_append_new(running, o);
	}
	workers = p->workers != NULL ? json_array() : json_null();
	for (i = 0; p->workers != NULL && i < p->jobs; i++) {
		w = &p->workers[i];
		state = states[w->state];
		if (w->state == WS_READY && w->ncalls > 0)
			state = "busy";
		else if (w->state == WS_DOWN)
			state = w->given_up ? "given up" : "restarting";
		if (w->ncalls > 0) {
			o = try_json(&w->pt);
			json_object_set_new(o, "pid", json_integer(w->pid));
			json_array_append_new(running, o);
		}
		json_array_append_new(workers, json_pack("{s:s, s:I, s:s, "
		    "s:s?, s:I, s:i, s:I}", "name", w->name, "pid",
		    (json_int_t)w->pid, "state", state, "task",
		    w->ncalls > 0 ? w->pt.id : NULL, "done",
		    (json_int_t)w->done, "restarts", w->restarts, "rss_kb",
		    (json_int_t)(w->pid != 0 ? proc_rss_kb(w->pid) : -1)));
	}
	json_object_set_new(stats, "pool", json_integer(p->id));
	json_object_set_new(stats, "slots", json_integer(p->jobs));
	json_object_set_new(stats, "busy", json_integer(p->busy));
	json_object_set_new(stats, "free", json_integer(p->jobs - p->busy));
	json_object_set_new(stats, "queued",
	    json_integer(queue_len(&p->cmdq) + queue_len(&p->fnq)));
	json_object_set_new(stats, "started", json_integer(p->started));
	json_object_set_new(stats, "finished", json_integer(p->finished));
	json_object_set_new(stats, "running", running);
	json_object_set_new(stats, "workers", workers);
	json_object_set_new(hb, "interchange", ctl_age(p->ix_hb.heard_ms));
}

/*
 * The loop's handlers, in this order in a turn: control, the monitor,
 * the lifeline (until stopping), the workers' channels (results first,
 * so that a worker's last words precede its death), then signals and
 * the interchange, which the prepare function reads once the workers'
 * handlers have run: a worker started again joins the loop after them.
 */
static int
pool_monitor_readable(struct evloop *loop, void *arg)
{
	struct pool	*p = arg;

	(void)loop;
	monitor_recv(p->mon);
	return 0;
}

static int
pool_lifeline(struct evloop *loop, void *arg)
{
	(void)loop;
	pool_stop(arg, "lifeline closed");
	return 0;
}

static int
pool_signal_readable(struct evloop *loop, void *arg)
{
	struct pool	*p = arg;

	(void)loop;
	p->signalled = 1;
	return 0;
}

static int
pool_ix_readable(struct evloop *loop, void *arg)
{
	struct pool	*p = arg;

	(void)loop;
	p->ix_readable = 1;
	return 0;
}

/*
 * Between two polls: the end of the last turn (signals, the
 * interchange, then starting, reporting and sampling), then whether
 * the pool is done, and how long the poll may wait.
 */
static int64_t
pool_turn(struct evloop *loop, void *arg)
{
	struct pool	*p = arg;
	int64_t		 left;
	int		 timeout;

	if (p->turned) {
		if (p->signalled)
			pool_signal(p);
		if (p->ix_readable && !p->stopping)
			pool_recv(p);
		p->signalled = p->ix_readable = 0;
		pool_fill(p);
		pool_flush(p);
		if (p->mon != NULL)
			pool_tell_starts(p);
		pool_ready_next(p);
		pool_title(p);
		if (p->mon != NULL && mono_ms() >= p->sample_at_ms) {
			pool_sample(p);
			p->sample_at_ms = mono_ms() +
			    (int64_t)(p->interval * 1000);
		}
		monitor_tick(p->mon);
	}
	p->turned = 1;
	timeout = -1;
	if (p->stopping) {
		if (p->busy == 0 && workers_alive(p) == 0) {
			evloop_stop(loop);
			return -1;
		}
		left = p->kill_at_ms - mono_ms();
		if (left <= 0) {
			pool_signal_tasks(p, SIGKILL, 1);
			p->kill_at_ms = mono_ms() + 100;
			left = 100;
		}
		timeout = left;
	}
	timeout = timeout_min(timeout, pool_heartbeat(p));
	if (!p->stopping && mono_ms() >= p->hold_results_ms)
		timeout = timeout_min(timeout, pool_flush_wait(p, mono_ms()));
	timeout = timeout_min(timeout, pool_deadlines(p));
	timeout = timeout_min(timeout, workers_tick(p));
	if (p->mon != NULL && p->busy > 0) {
		left = p->sample_at_ms - mono_ms();
		timeout = timeout_min(timeout, left < 0 ? 0 : (int)left);
	}
	timeout = timeout_min(timeout, monitor_timeout(p->mon));
	/* Results held back after a SIGTERM (POOL_TERM_HOLD_MS). */
	if (p->nresults > 0 && !p->stopping && p->hold_results_ms > mono_ms())
		timeout = timeout_min(timeout, (int)(p->hold_results_ms -
		    mono_ms()));
	return timeout;
}

/* A pool started by main says hello on ipc://, with its number. */
static void
pool_greet(struct pool *p)
{
	struct msg_out	 m;
	char		 ident[48];

	/* With the pid, a restarted pool is never taken for its predecessor. */
	snprintf(ident, sizeof ident, "pool-%d/%ld", p->id, (long)getpid());
	if ((p->ctx = zmq_ctx_new()) == NULL)
		fatal("zmq_ctx_new");
	p->sock = zsock_open(p->ctx, ZMQ_DEALER, ident);
	if (p->sock == NULL || zsock_connect(p->sock, "ipc://sock/pools") == -1)
		fatalx("cannot connect to the interchange: %s",
		    zmq_strerror(errno));
	msg_begin(&m, MSG_HELLO, 5);
	msgpack_pack_int32(&m.pk, p->id);
	msgpack_pack_int32(&m.pk, p->jobs);
	msgpack_pack_int64(&m.pk, getpid());
	msgpack_pack_int64(&m.pk, p->memory);
	msgpack_pack_int32(&m.pk, p->ngpus);
	if (msg_send(p->sock, NULL, 0, &m) == -1)
		fatalx("cannot greet the interchange: %s", zmq_strerror(errno));
}

static void
pool_loop(struct pool *p)
{
	int	 i;

	p->loop = evloop_new();
	ctl_watch(p->ctl, p->loop);
	if (p->mon != NULL)
		evloop_socket(p->loop, monitor_socket(p->mon),
		    pool_monitor_readable, p);
	if (p->lifeline >= 0)
		p->lifeline_ev = evloop_fd(p->loop, p->lifeline,
		    pool_lifeline, p);
	/* The workers started before the loop. */
	for (i = 0; p->workers != NULL && i < p->jobs; i++)
		worker_watch(p, &p->workers[i]);
	evloop_fd(p->loop, p->sigfd, pool_signal_readable, p);
	evloop_socket(p->loop, p->sock, pool_ix_readable, p);
	evloop_prepare(p->loop, pool_turn, p);
	if (evloop_run(p->loop) == -1)
		fatal("zmq_poll");
	evloop_free(&p->loop);
	p->lifeline_ev = 0;
	for (i = 0; p->workers != NULL && i < p->jobs; i++)
		p->workers[i].ev = 0;
}

int
pool_main(int argc, char **argv)
{
	struct roleargs		 a;
	struct pool		 p;
	struct workflow		*wf;
	char			*err = NULL, logname[32];
	int			 i;

	memset(&p, 0, sizeof p);
	p.shown_busy = -1;
	p.console = -1;
	if (pool_joins(argc, argv)) {
		roleargs_get(ROLE_JOIN, argc, argv, &a);
		p.verbose = a.verbose;
		p.sigfd = helper_begin("pool", ".", p.verbose, 1);
		p.lifeline = -1;
		pool_join(&p, &a);
		snprintf(logname, sizeof logname, "pool-%d", p.id);
	} else {
		roleargs_get(ROLE_POOL, argc, argv, &a);
		p.rundir = a.run;
		p.run_name = a.name != NULL ? a.name : "?";
		p.id = a.pool;
		p.jobs = a.jobs;
		p.workdir = a.workdir;
		/* Ours now: pool_free frees it. */
		p.plugin_args = a.plugins;
		p.nplugin_args = a.nplugins;
		p.fail_fast = a.fail_fast;
		p.verbose = a.verbose;
		snprintf(logname, sizeof logname, "pool-%d", p.id);
		p.sigfd = helper_begin(logname, p.rundir, p.verbose, 1);
		p.lifeline = POOL_LIFELINE_FD;
	}
	pool_title(&p);

	/*
	 * Definitions only: this is what makes the main body unreachable
	 * from here, whatever the file holds.
	 */
	if (workflow_load("workflow.yaml", NULL, p.workdir, WF_DEFINITIONS,
	    &wf, &err) == -1)
		fatalx("cannot load the workflow snapshot:\n%s", err);
	log_info("pool %d: loaded definitions from %s/workflow.yaml "
	    "(%zu apps, %zu env vars); main body not loaded (definitions mode, "
	    "%zu YAML events skipped)", p.id, p.rundir, wf->napps, wf->nenv,
	    wf->main_events_skipped);
	pool_build_env(&p, wf);
	if (!p.remote) {
		p.ngpus = host_gpus();
		p.cpus = host_cpus();
		p.memory = host_memory();
	}
	pool_gpus_init(&p);
	p.slots = xcalloc(p.jobs, sizeof *p.slots);
	capture_fd_limit(p.jobs);

	/* Workers first: they load plugins while the rest gets ready. */
	p.start_ms = (int64_t)plugin_timeout_s() * 1000;
	if (wf->nfunctions > 0) {
		p.workers = xcalloc(p.jobs, sizeof *p.workers);
		for (i = 0; i < p.jobs; i++) {
			p.workers[i].index = i;
			p.workers[i].fd = -1;
			p.workers[i].pool = &p;
			snprintf(p.workers[i].name, sizeof p.workers[i].name,
			    "worker-%d.%d", p.id, i);
			worker_spawn(&p, &p.workers[i]);
		}
	}

	if (!p.remote)
		pool_greet(&p);
	heartbeat_init(&p.ix_hb, heartbeat_period(), mono_ms());

	if (!p.remote) {
		snprintf(p.executor, sizeof p.executor, "local");
		snprintf(p.block, sizeof p.block, "%d", p.id);
		if (gethostname(p.host, sizeof p.host - 1) == -1)
			snprintf(p.host, sizeof p.host, "localhost");
	}
	p.interval = wf->resource_interval;
	/*
	 * The pool says itself that its block runs: a pool whose run ended
	 * before the interchange heard from it still ran, and its "exited"
	 * must not come without a "running" before it.
	 */
	if (p.remote ? p.remote_monitor && wf->monitoring : wf->monitoring)
		p.mon = p.remote ? monitor_connect(p.ctx, logname, p.url,
		    &p.keys) : monitor_open(p.ctx, logname);
	if (p.mon != NULL) {
		pool_ev_block(&p, "running");
		pool_ev_node(&p);
	}
	/* A remote pool's status is the interchange's to show. */
	if (!p.remote)
		p.ctl = ctl_open(p.ctx, logname, "pool", pool_status_fill,
		    &p);
	p.sample_at_ms = mono_ms() + (int64_t)(p.interval * 1000);

	pool_loop(&p);

	ctl_close(&p.ctl);
	pool_ev_block(&p, "exited");
	/*
	 * A run being stopped must be gone within two seconds.  What the
	 * router did not take (it is gone: a full disk) goes to the spool,
	 * for the next router or weft command.
	 */
	if (monitor_drain(p.mon, p.killing ? POOL_DRAIN_FAST_MS :
	    POOL_DRAIN_MS) == -1 && !p.remote)
		monitor_spill(p.mon, "monitor.spool");
	monitor_close(&p.mon);
	log_info("exiting: %lu tasks started, %lu finished", p.started,
	    p.finished);
	pool_leave(&p, p.stop_why[0] != '\0' ? p.stop_why : "done");
	zmq_close(p.sock);
	zmq_ctx_term(p.ctx);
	pool_free(&p);
	workflow_free(&wf);
	/* Main reports a pool that ended by itself as died: say why here. */
	return p.lost_ix ? EXIT_INTERNAL : p.exit_code;
}
