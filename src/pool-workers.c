/*
 * pool-workers.c: the side of "weft pool" (pool.c) that deals with its
 * workers (worker.c): starting and restarting them, sending them calls,
 * ahead while calls are short, reading their results, and what the
 * death of one means for its calls.  pool.c starts them, fills them
 * from its queue, polls their channels and reaps them.
 *
 * Workers ("weft worker", see worker.c) are pre-started when the workflow
 * has function apps, one per slot, each with one end of a socketpair, and
 * reused for every call.  While calls are short a worker is given more
 * than one at a time, about WORKER_AHEAD_US of work and at most
 * WORKER_DEPTH calls, so that it never waits for the pool between two of
 * them; the first one sent is the one running.  A worker that dies
 * takes only its running call with it (that try fails, with the signal or
 * the walltime recorded); the calls queued behind it never started and go
 * back to the queue, and the pool starts a new worker.  A worker killed
 * from outside (SIGKILL or SIGTERM that the pool did not send: the OOM
 * killer, an administrator) is not its call's fault: that try ends as
 * OUT_WORKER_LOST, recorded 'lost', and main runs it again without
 * spending a retry.  A worker that cannot even start is retried with a
 * growing pause and given up after WORKER_MAX_FAILS starts in a row.
 *
 * A worker's stdout goes to worker-P.K.out and its stderr to
 * worker-P.K.log, both in the run directory and opened for appending.
 * Each result names the ranges of both that its call wrote; where the
 * last one ended is where the running call's output begins, so a call
 * that kills its worker is given what the files grew by since.
 */

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "weft.h"
#include "proto.h"
#include "pool.h"

static void	 worker_started(struct pool *, struct pool_worker *);

void
worker_spawn(struct pool *p, struct pool_worker *w)
{
	struct spawn	 sp;
	struct roleargs	 a;
	char		**argv, *logpath, *outpath;
	int		 sv[2], error;

	w->restart_at = 0;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1) {
		error = errno;
		goto fail;
	}
	memset(&a, 0, sizeof a);
	a.run = p->rundir;
	a.name = p->run_name;
	a.pool = p->id;
	a.worker = w->index;
	a.workdir = p->workdir;
	a.parent = getpid();
	a.plugins = p->plugin_args;
	a.nplugins = p->nplugin_args;
	a.verbose = p->verbose;
	argv = roleargs_argv(ROLE_WORKER, &a);
	outpath = xprintf("%s.out", w->name);
	logpath = xprintf("%s.log", w->name);
	spawn_init(&sp);
	sp.path = weft_self;
	sp.argv = argv;
	sp.envp = p->envp;
	sp.new_pgroup = 1;
	sp.stdout_path = outpath;
	sp.stderr_path = logpath;
	sp.append = 1;
	sp.fds[3] = sv[1];
	sp.nfds = 4;
	w->pid = spawn_start(&sp, &error);
	free(outpath);
	free(logpath);
	roleargs_argv_free(argv);
	close(sv[1]);
	if (w->pid == -1) {
		close(sv[0]);
		w->pid = 0;
		goto fail;
	}
	w->fd = sv[0];
	fcntl(w->fd, F_SETFL, fcntl(w->fd, F_GETFL) | O_NONBLOCK);
	worker_watch(p, w);
	if (!msgpack_unpacker_init(&w->u, WORKER_READ_SIZE))
		fatalx("out of memory");
	w->has_u = 1;
	w->state = WS_STARTING;
	w->started_ms = mono_ms();
	w->kill_reason = NULL;
	w->out_at = w->err_at = -1;
	log_info("started %s, pid %ld", w->name, (long)w->pid);
	return;
fail:
	log_warnx("cannot start %s: %s", w->name, strerror(error));
	free(w->fatal);
	w->fatal = xprintf("cannot start %s: %s", w->name, strerror(error));
	w->state = WS_DOWN;
	if (++w->fails > WORKER_MAX_FAILS)
		w->given_up = 1;
	else
		w->restart_at = mono_ms() +
		    ((int64_t)WORKER_RESTART_MS << (w->fails - 1));
}

static int
worker_readable(struct evloop *loop, void *arg)
{
	struct pool_worker	*w = arg;

	(void)loop;
	worker_read(w->pool, w);
	return 0;
}

/*
 * Reads W's channel in the pool's loop, from its start (or, for the
 * workers started before the loop, from the loop's) to its close.
 */
void
worker_watch(struct pool *p, struct pool_worker *w)
{
	if (p->loop != NULL && w->fd != -1 && w->ev == 0)
		w->ev = evloop_fd(p->loop, w->fd, worker_readable, w);
}

/* Closes W's channel, and takes it out of the loop. */
void
worker_close(struct pool *p, struct pool_worker *w)
{
	if (w->ev != 0)
		evloop_remove(p->loop, w->ev);
	w->ev = 0;
	close(w->fd);
	w->fd = -1;
}

/* Kills a worker's whole group; it is reaped like any child. */
void
worker_kill(struct pool_worker *w, int sig, const char *why)
{
	if (w->pid == 0)
		return;
	if (why != NULL && w->kill_reason == NULL)
		w->kill_reason = why;
	kill(-w->pid, sig);
}

/* Sends one call; the first one sent to an idle worker runs at once. */
void
worker_send(struct pool *p, struct pool_worker *w, struct pool_task *t)
{
	struct msg_out	 m;

	outputs_remove(p, t->outputs, t->noutputs);
	msg_begin(&m, MSG_W_CALL, 1);
	msgpack_sbuffer_write(&m.sbuf, t->packed, t->packed_len);
	w->calls[w->ncalls++] = *t;
	memset(t, 0, sizeof *t);
	if (w->ncalls == 1) {
		p->busy++;
		worker_started(p, w);
	}
	/*
	 * The socket buffer holds WORKER_DEPTH calls easily; a worker that
	 * does not read them is stuck, and its walltime or death settles it.
	 */
	if (msg_write(w->fd, &m) == -1)
		worker_kill(w, SIGKILL, "could not be sent its call");
}

static void
worker_started(struct pool *p, struct pool_worker *w)
{
	log_debug("task %s: call on %s", w->calls[0].id, w->name);
	try_begin(p, &w->pt, &w->calls[0], w->pid, NULL, NULL);
}

/* The running call is over: the next one sent, if any, runs now. */
static void
worker_next(struct pool *p, struct pool_worker *w)
{
	task_free(&w->calls[0]);
	memmove(w->calls, w->calls + 1, (w->ncalls - 1) * sizeof *w->calls);
	memset(&w->calls[--w->ncalls], 0, sizeof *w->calls);
	if (w->ncalls > 0)
		worker_started(p, w);
	else
		p->busy--;
}

/*
 * A range of a call's output, OFF and LEN from its worker (-1 and -1:
 * not known); *AT, where the next call's begins, follows it.  Returns -1
 * for a range that makes no sense.
 */
static int
worker_range(const msgpack_object *o, int64_t *off, int64_t *len,
    int64_t *at)
{
	if (msg_get_int(&o[0], off) == -1 || msg_get_int(&o[1], len) == -1)
		return -1;
	if (*off == -1 && *len == -1) {
		*at = -1;
		return 0;
	}
	if (*off < 0 || *len < 0 || *len > INT64_MAX - *off)
		return -1;
	*at = *off + *len;
	return 0;
}

/* MSG_W_DONE: [index, attempt, returned, result, error, wall, user,
   system, maxrss, nvcsw, nivcsw, inblock, oublock, stdout offset,
   length, stderr offset, length]. */
static int
worker_done(struct pool *p, struct pool_worker *w, const struct msg_in *m)
{
	struct msg_result	*r;
	enum try_outcome	 outcome;
	const char		*res, *err;
	uint32_t		 reslen, errlen;
	uint64_t		 index, attempt, wall, ut, st;
	int64_t			 rc, rss, cs[4], so[2], se[2];
	char			*value = NULL, *msg, *detail;

	if (m->nfields != 17 || w->ncalls == 0 ||
	    msg_get_uint(&m->fields[0], &index) == -1 ||
	    msg_get_uint(&m->fields[1], &attempt) == -1 ||
	    index != w->calls[0].index || attempt != w->calls[0].attempt ||
	    msg_get_int(&m->fields[2], &rc) == -1 ||
	    msg_get_str(&m->fields[3], &res, &reslen) == -1 ||
	    msg_get_str(&m->fields[4], &err, &errlen) == -1 ||
	    msg_get_uint(&m->fields[5], &wall) == -1 ||
	    msg_get_uint(&m->fields[6], &ut) == -1 ||
	    msg_get_uint(&m->fields[7], &st) == -1 ||
	    msg_get_int(&m->fields[8], &rss) == -1 ||
	    msg_get_int(&m->fields[9], &cs[0]) == -1 ||
	    msg_get_int(&m->fields[10], &cs[1]) == -1 ||
	    msg_get_int(&m->fields[11], &cs[2]) == -1 ||
	    msg_get_int(&m->fields[12], &cs[3]) == -1 ||
	    worker_range(&m->fields[13], &so[0], &so[1], &w->out_at) == -1 ||
	    worker_range(&m->fields[15], &se[0], &se[1], &w->err_at) == -1)
		return -1;
	if (rc == 0 && err == NULL) {
		outcome = OUT_DONE;
		value = xstrndup(res != NULL ? res : "", reslen);
		msg = NULL;
	} else if (rc == 0) {
		/* It succeeded, but weft refused what it returned. */
		outcome = OUT_BAD_RESULT;
		msg = xstrndup(err, errlen);
	} else {
		outcome = OUT_FUNC_FAILED;
		detail = err != NULL ? xstrndup(err, errlen) :
		    xprintf("returned %lld", (long long)rc);
		msg = try_reason(&w->pt, outcome, 0, detail);
		free(detail);
	}
	r = try_end(p, &w->pt, w->pid, outcome, 0, msg, value);
	r->has_usage = 1;
	r->nvcsw = cs[0];
	r->nivcsw = cs[1];
	r->inblock = cs[2];
	r->oublock = cs[3];
	r->wall_us = wall;
	r->utime_us = ut;
	r->stime_us = st;
	r->maxrss_kb = rss;
	r->worker = w->index;
	r->out_offset = so[0];
	r->out_length = so[1];
	r->err_offset = se[0];
	r->err_length = se[1];
	p->calls_done++;
	p->avg_call_us += (wall - p->avg_call_us) /
	    (p->calls_done < WORKER_PREFETCH_SAMPLES ? p->calls_done :
	    WORKER_PREFETCH_SAMPLES);
	w->done++;
	worker_next(p, w);
	return 0;
}

static int
worker_message(struct pool *p, struct pool_worker *w, const struct msg_in *m)
{
	int64_t		 pid, out, err;
	const char	*s;
	uint32_t	 len;

	switch (m->type) {
	case MSG_W_READY:
		if (w->state != WS_STARTING || m->nfields != 3 ||
		    msg_get_int(&m->fields[0], &pid) == -1 || pid != w->pid ||
		    msg_get_int(&m->fields[1], &out) == -1 || out < -1 ||
		    msg_get_int(&m->fields[2], &err) == -1 || err < -1)
			return -1;
		w->out_at = out;
		w->err_at = err;
		w->state = WS_READY;
		w->fails = 0;
		free(w->fatal);
		w->fatal = NULL;
		log_info("%s (pid %ld) ready", w->name, (long)w->pid);
		return 0;
	case MSG_W_FATAL:
		if (m->nfields != 1 || msg_get_str(&m->fields[0], &s,
		    &len) == -1 || s == NULL)
			return -1;
		free(w->fatal);
		w->fatal = xstrndup(s, len);
		log_warnx("%s cannot start: %s", w->name, w->fatal);
		return 0;
	case MSG_W_DONE:
		return worker_done(p, w, m);
	default:
		return -1;
	}
}

/*
 * The channel closed.  A dying process closes its descriptors a moment
 * before it can be reaped, so a worker that is on its way out is given a
 * few milliseconds to say how it died; one that lives on closed the
 * channel itself (its function did), and is killed, since it can no
 * longer be told anything.
 */
static void
worker_eof(struct pool *p, struct pool_worker *w)
{
	struct timespec	 ts = { 0, 1000000 };
	pid_t		 pid;
	int		 status, i;

	for (i = 0; i < 50; i++) {
		pid = waitpid(w->pid, &status, WNOHANG);
		if (pid == w->pid) {
			worker_died(p, w, status);
			return;
		}
		if (pid == -1)
			return;
		nanosleep(&ts, NULL);
	}
	worker_kill(w, SIGKILL, "closed its channel to the pool");
}

/* Reads what a worker wrote; a broken channel means a dead worker. */
void
worker_read(struct pool *p, struct pool_worker *w)
{
	struct msg_in	 m;
	ssize_t		 n;
	int		 rc;

	for (;;) {
		if ((n = msg_read(w->fd, &w->u, WORKER_READ_SIZE)) == -1)
			break;
		if (n == 0) {
			worker_close(p, w);
			worker_eof(p, w);
			return;
		}
		while ((rc = msg_next(&w->u, &m)) == 1) {
			rc = worker_message(p, w, &m);
			msg_in_free(&m);
			if (rc == -1)
				break;
		}
		if (rc == -1 || msgpack_unpacker_message_size(&w->u) >
		    WORKER_MAX_BUFFER) {
			log_warnx("%s sent a malformed message", w->name);
			worker_close(p, w);
			worker_kill(w, SIGKILL, "sent a malformed message");
			return;
		}
		if ((size_t)n < WORKER_READ_SIZE)
			break;
	}
}

/*
 * Whether a worker that died under a call was killed from outside: by
 * SIGKILL or SIGTERM (the OOM killer, an administrator, a shutdown) that
 * the pool did not send, rather than by a fault of its call (SIGSEGV,
 * SIGABRT, SIGBUS, SIGFPE, SIGILL, an exit).  Its call is not to blame,
 * and main runs it again without spending a retry.
 */
static int
worker_lost(const struct pool *p, const struct pool_worker *w, int status)
{
	if (p->stopping || w->kill_reason != NULL || !WIFSIGNALED(status))
		return 0;
	return WTERMSIG(status) == SIGKILL || WTERMSIG(status) == SIGTERM;
}

/*
 * What the file SUFFIX of dead worker W grew by since its running call
 * began: as far as the pool can tell, that call's output.
 */
static void
worker_grown(const struct pool_worker *w, const char *suffix, int64_t at,
    int64_t *off, int64_t *len)
{
	struct stat	 st;
	char		 path[48];

	*off = *len = -1;
	snprintf(path, sizeof path, "%s.%s", w->name, suffix);
	if (at < 0 || stat(path, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size < at)
		return;
	*off = at;
	*len = st.st_size - at;
}

/*
 * A worker was reaped.  Its running call ends with it; the calls queued
 * behind it never started and go back to the front of the queue.
 */
void
worker_died(struct pool *p, struct pool_worker *w, int status)
{
	struct msg_result	*r;
	enum try_outcome	 outcome;
	pid_t			 pid = w->pid;
	char			*why;
	const char		*killed_for;
	int			 was_ready = w->state == WS_READY, i;

	why = wait_status_string(status);
	log_info("%s (pid %ld) ended: %s", w->name, (long)pid, why);
	if (w->fd != -1) {
		/* What it wrote before it died still counts. */
		worker_read(p, w);
		if (w->fd != -1)
			worker_close(p, w);
	}
	if (w->has_u)
		msgpack_unpacker_destroy(&w->u);
	w->has_u = 0;
	kill(-pid, SIGKILL);
	/* Ours only if it was what killed it: it may have died first. */
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
		w->kill_reason = NULL;
	if (w->ncalls > 0) {
		if (w->pt.timed_out)
			outcome = OUT_TIMEOUT;
		else if (worker_lost(p, w, status))
			outcome = OUT_WORKER_LOST;
		else
			outcome = OUT_WORKER_DIED;
		r = try_end(p, &w->pt, pid, outcome, status,
		    try_reason(&w->pt, outcome, status, w->kill_reason), NULL);
		r->worker = w->index;
		worker_grown(w, "out", w->out_at, &r->out_offset,
		    &r->out_length);
		worker_grown(w, "log", w->err_at, &r->err_offset,
		    &r->err_length);
		for (i = w->ncalls - 1; i >= 1; i--)
			queue_push_front(&p->fnq, &w->calls[i]);
		task_free(&w->calls[0]);
		w->ncalls = 0;
		p->busy--;
	}
	killed_for = w->kill_reason;
	w->pid = 0;
	w->state = WS_DOWN;
	w->kill_reason = NULL;
	if (p->stopping) {
		free(why);
		return;
	}
	if (was_ready) {
		/* A call killed it, not a fault of its own: start anew. */
		w->restarts++;
		w->restart_at = mono_ms();
	} else if (++w->fails > WORKER_MAX_FAILS) {
		w->given_up = 1;
		if (w->fatal == NULL && killed_for != NULL)
			w->fatal = xprintf("%s %s", w->name, killed_for);
		else if (w->fatal == NULL)
			w->fatal = xprintf("%s ended before it was ready: %s",
			    w->name, why);
		log_warnx("%s given up after %d failed starts: %s", w->name,
		    w->fails, w->fatal);
	} else {
		w->restarts++;
		w->restart_at = mono_ms() +
		    ((int64_t)WORKER_RESTART_MS << (w->fails - 1));
	}
	free(why);
}

/*
 * Starts workers whose restart is due.  When every worker is given up,
 * the calls waiting can never run: they fail, saying why.  Returns ms
 * until the next restart, or -1.
 */
int
workers_tick(struct pool *p)
{
	struct pool_worker	*w;
	struct pool_task	 t;
	struct pool_try		 pt;
	const char		*why = NULL;
	int64_t			 now = mono_ms(), next = -1;
	int			 i, alive = 0;

	if (p->workers == NULL || p->stopping)
		return -1;
	for (i = 0; i < p->jobs; i++) {
		w = &p->workers[i];
		/* An init hook that never returns must not hang the run. */
		if (w->state == WS_STARTING && w->kill_reason == NULL &&
		    now - w->started_ms >= p->start_ms) {
			log_warnx("%s not ready after %lld ms; killing it",
			    w->name, (long long)p->start_ms);
			worker_kill(w, SIGKILL, "did not get ready in time "
			    "(its plugins still loading)");
		}
		if (w->state == WS_STARTING && w->kill_reason == NULL) {
			if (next == -1 || w->started_ms + p->start_ms - now <
			    next)
				next = w->started_ms + p->start_ms - now;
		}
		if (w->state == WS_DOWN && !w->given_up && w->restart_at != 0) {
			if (w->restart_at <= now)
				worker_spawn(p, w);
			else if (next == -1 || w->restart_at - now < next)
				next = w->restart_at - now;
		}
		if (!w->given_up)
			alive++;
		else
			why = w->fatal;
	}
	while (alive == 0 && queue_len(&p->fnq) > 0) {
		queue_pop(&p->fnq, &t);
		outputs_remove(p, t.outputs, t.noutputs);
		memset(&pt, 0, sizeof pt);
		pt.index = t.index;
		pt.attempt = t.attempt;
		pool_new_result(p, &pt, OUT_NO_WORKER, xprintf("no worker "
		    "could start: %s", why != NULL ? why : "unknown"), NULL);
		task_free(&t);
	}
	return (int)next;
}

struct pool_worker *
worker_idle(struct pool *p)
{
	int	 i;

	for (i = 0; p->workers != NULL && i < p->jobs; i++) {
		if (p->workers[i].state == WS_READY &&
		    p->workers[i].ncalls == 0 && p->workers[i].fd != -1)
			return &p->workers[i];
	}
	return NULL;
}

/* While calls are short, gives each busy worker its next call. */
void
workers_prefetch(struct pool *p)
{
	struct pool_task	 t;
	struct pool_worker	*w;
	int			 i, depth;

	/* A call sent ahead would start even after a failure: not then. */
	if (p->stopping || p->held || p->fail_fast ||
	    p->calls_done < WORKER_PREFETCH_SAMPLES ||
	    p->avg_call_us >= WORKER_PREFETCH_US)
		return;
	depth = 1 + (int)(WORKER_AHEAD_US / (p->avg_call_us + 1));
	depth = depth < 2 ? 2 : depth > WORKER_DEPTH ? WORKER_DEPTH : depth;
	for (i = 0; i < p->jobs && queue_len(&p->fnq) > 0; i++) {
		w = &p->workers[i];
		/*
		 * Small calls only: a busy worker does not read its socket.
		 * And none with a walltime: a call sent ahead starts when
		 * the worker is done with those before it, which the pool
		 * learns only as their results arrive; a call sent to an
		 * idle worker starts at once, and its deadline counts from
		 * then, wherever the calls before it went.
		 */
		while (w->state == WS_READY && w->fd != -1 && w->ncalls > 0 &&
		    w->ncalls < depth && queue_len(&p->fnq) > 0 &&
		    queue_head(&p->fnq)->walltime_ms == 0 &&
		    queue_head(&p->fnq)->packed_len <= WORKER_PREFETCH_BYTES) {
			queue_pop(&p->fnq, &t);
			worker_send(p, w, &t);
		}
	}
}
