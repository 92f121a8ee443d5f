/*
 * pool-try.c: one try of a task in "weft pool" (pool.c): a command's
 * capture files and spawn, the walltime of every try, its end and the
 * result to report, and the checks of its outputs.  pool.c starts
 * commands, reaps them and checks the deadlines through this;
 * pool-workers.c begins and ends the tries of its calls here.
 *
 * Walltime: a task past its app's walltime gets SIGTERM on its process
 * group (the worker's, for a function), then SIGKILL after
 * POOL_WALLTIME_GRACE_MS; the try ends as a timeout.  The deadline is
 * the try's, set when it starts: a command when it is spawned, a call
 * when it is sent to an idle worker (a call with a walltime is never sent
 * ahead), whichever worker died or restarted before.
 *
 * Outputs: before a try, the task's declared outputs that are left from
 * before are removed, so that a stale file cannot pass for a new one; a
 * try that exits 0 without having made all of them fails; and the outputs
 * of a try that did not succeed are removed, so that a task's outputs
 * count only once it succeeded.  Only regular files and symlinks inside
 * the workflow's folder are ever removed.
 *
 * Each try of a command has its own stdout and stderr, in
 * tasks/<id>/try-<N>/ of the run directory, where the pool puts what
 * the command writes into its pipes (pool-capture.c).
 */

#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "weft.h"
#include "proto.h"
#include "pool.h"

static uint64_t
tv_us(const struct timeval *tv)
{
	return (uint64_t)tv->tv_sec * 1000000 + tv->tv_usec;
}

uint64_t
since_us(const struct timespec *t0)
{
	struct timespec	 t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1000000ULL +
	    (t1.tv_nsec - t0->tv_nsec) / 1000;
}

void
try_free(struct pool_try *pt)
{
	free(pt->id);
	strs_free(pt->outputs, pt->noutputs);
	free(pt->out_path);
	free(pt->err_path);
	pt->id = pt->out_path = pt->err_path = NULL;
	pt->outputs = NULL;
	pt->noutputs = 0;
}

/*
 * Removes the outputs that are regular files or symlinks inside the
 * workflow's folder; never a directory, never anything outside.
 */
void
outputs_remove(const struct pool *p, char **outputs, size_t n)
{
	struct stat	 st;
	char		*path;
	size_t		 i;

	for (i = 0; i < n; i++) {
		if (!path_inside(p->workdir, outputs[i]))
			continue;
		path = path_abs(p->workdir, outputs[i]);
		if (lstat(path, &st) == 0 && !S_ISDIR(st.st_mode) &&
		    unlink(path) == -1)
			log_warn("cannot remove output '%s'", outputs[i]);
		free(path);
	}
}

/* "missing output: a" or "missing outputs: a, b", or NULL if all are. */
static char *
outputs_missing(const struct pool *p, char **outputs, size_t n)
{
	char	*path, *list = NULL, *tmp;
	size_t	 i, missing = 0;

	for (i = 0; i < n; i++) {
		path = path_abs(p->workdir, outputs[i]);
		if (access(path, F_OK) == -1) {
			tmp = list == NULL ? xstrdup(outputs[i]) :
			    xprintf("%s, %s", list, outputs[i]);
			free(list);
			list = tmp;
			missing++;
		}
		free(path);
	}
	if (missing == 0)
		return NULL;
	tmp = xprintf("missing output%s: %s", missing > 1 ? "s" : "", list);
	free(list);
	return tmp;
}

/* Results and starts, as they will be reported. */

/* A result to report; MESSAGE and VALUE become the pool's to free. */
struct msg_result *
pool_new_result(struct pool *p, const struct pool_try *pt,
    enum try_outcome outcome, char *message, char *value)
{
	struct msg_result	*r;

	if (p->nresults == p->cresults) {
		p->cresults = p->cresults == 0 ? 64 : p->cresults * 2;
		p->results = xreallocarray(p->results, p->cresults,
		    sizeof *p->results);
	}
	r = &p->results[p->nresults++];
	memset(r, 0, sizeof *r);
	r->index = pt->index;
	r->attempt = pt->attempt;
	r->pool = p->id;
	r->outcome = outcome;
	r->message = message;
	r->message_len = message != NULL ? strlen(message) : 0;
	r->value = value;
	r->value_len = value != NULL ? strlen(value) : 0;
	r->maxrss_kb = -1;
	r->worker = -1;
	r->out_offset = r->out_length = -1;
	r->err_offset = r->err_length = -1;
	r->ended = db_now();
	return r;
}

static void
pool_note_start(struct pool *p, const struct pool_try *pt)
{
	if (p->nstarted + 2 > p->cstarted) {
		p->cstarted = p->cstarted == 0 ? 64 : p->cstarted * 2;
		p->started_list = xreallocarray(p->started_list, p->cstarted,
		    sizeof *p->started_list);
	}
	p->started_list[p->nstarted++] = pt->index;
	p->started_list[p->nstarted++] = pt->attempt;
	p->started++;
}

/*
 * The common start of a try: times, walltime, the record.  The task's
 * outputs move to the try, and so do OUT and ERR (NULL for a call).
 */
void
try_begin(struct pool *p, struct pool_try *pt, struct pool_task *t,
    pid_t pid, char *out, char *err)
{
	try_free(pt);
	memset(pt, 0, sizeof *pt);
	pt->id = xstrdup(t->id);
	pt->outputs = t->outputs;
	pt->noutputs = t->noutputs;
	t->outputs = NULL;
	t->noutputs = 0;
	pt->out_path = out;
	pt->err_path = err;
	pt->index = t->index;
	pt->attempt = t->attempt;
	pt->walltime_ms = t->walltime_ms;
	pt->launched = t->launched;
	clock_gettime(CLOCK_MONOTONIC, &pt->start);
	pt->began = db_now();
	if (t->walltime_ms > 0)
		pt->deadline_ms = mono_ms() + t->walltime_ms;
	/* The try row waits for the end of this turn (pool_tell_starts). */
	monitor_status(p->mon, pt->index, pt->attempt, "running",
	    pt->began);
	pool_note_start(p, pt);
}

/* Why a try ended as it did, as people read it; NULL for success. */
char *
try_reason(const struct pool_try *pt, enum try_outcome outcome,
    int status, const char *detail)
{
	char	*s, *wt;

	switch (outcome) {
	case OUT_DONE:
		return NULL;
	case OUT_TIMEOUT:
		wt = duration_string(pt->walltime_ms);
		s = xprintf("timeout after %s (walltime)", wt);
		free(wt);
		return s;
	case OUT_FUNC_FAILED:
		return xprintf("function failed: %s", detail);
	case OUT_WORKER_DIED:
		if (detail != NULL)
			return xprintf("worker %s", detail);
		if (WIFSIGNALED(status)) {
			wt = wait_status_string(status);
			s = xprintf("worker %s", wt);
			free(wt);
			return s;
		}
		return xprintf("worker exited with status %d",
		    WEXITSTATUS(status));
	case OUT_EXIT:
		return wait_status_string(status);
	case OUT_WORKER_LOST:
		return xstrdup("worker lost");
	default:
		return xstrdup(detail != NULL ? detail : "failed");
	}
}

/*
 * A command that fails on a full disk can seldom say so: its complaint
 * goes to its stderr file, on that disk.  When the disk of its capture
 * files has no room left as it ends, the reason says it (REASON is
 * freed).
 */
static char *
capture_full(const struct pool_try *pt, char *reason, int lost)
{
	struct statvfs	 sv;
	char		*s;

	if (reason == NULL || pt->err_path == NULL)
		return reason;
	if (lost != ENOSPC && (statvfs(pt->err_path, &sv) == -1 ||
	    sv.f_bavail > 0)) {
		if (lost == 0)
			return reason;
		s = xprintf("%s; part of its output was lost: %s", reason,
		    strerror(lost));
	} else
		s = xprintf("%s; %s for its stdout and stderr", reason,
		    DISK_FULL);
	free(reason);
	return s;
}

/*
 * The common end of a try: the outputs checked (or removed, if it did not
 * succeed), the record, and the result to report.
 */
struct msg_result *
try_end(struct pool *p, struct pool_try *pt, pid_t pid,
    enum try_outcome outcome, int status, char *message, char *value)
{
	struct msg_result	*r;
	char			*missing;
	double			 now = db_now();

	if (outcome == OUT_DONE &&
	    (missing = outputs_missing(p, pt->outputs, pt->noutputs)) !=
	    NULL) {
		log_info("task %s: %s", pt->id, missing);
		outcome = OUT_MISSING_OUTPUT;
		free(message);
		free(value);
		message = missing;
		value = NULL;
	}
	if (outcome != OUT_DONE)
		outputs_remove(p, pt->outputs, pt->noutputs);

	/* Main records the end (and a start not yet told) from R. */
	r = pool_new_result(p, pt, outcome, message, value);
	r->began = pt->began;
	r->ended = now;
	/* With --fail-fast, main decides whether this ends the run. */
	if (outcome != OUT_DONE && p->fail_fast)
		p->held = 1;
	r->status = status;
	r->pid = pid;
	r->wall_us = since_us(&pt->start);
	/* Main no longer reads results: the signal goes to the record. */
	if (p->stopping && outcome != OUT_DONE)
		pool_ev_try_killed(p, pt, status);
	try_free(pt);
	p->finished++;
	return r;
}

/* Commands. */

/* Whether "NAME=..." variable V is set by one of T's own. */
static int
env_overridden(const struct pool_task *t, const char *v)
{
	size_t	 i, len;

	for (i = 0; i < t->nenv; i++) {
		len = strcspn(t->env[i], "=");
		if (strncmp(v, t->env[i], len) == 0 && v[len] == '=')
			return 1;
	}
	return 0;
}

/*
 * The environment of a task with an env of its own (its app's and its
 * entry's): the pool's, with those on top, then WEFT_TASK_ID.  The array
 * is the caller's to free, the strings are not.
 */
static char **
task_env(struct pool *p, const struct pool_task *t, char *idvar)
{
	char	**envp;
	size_t	 i, n = 0;

	envp = xcalloc(p->envn + t->nenv + 2, sizeof *envp);
	for (i = 0; i < p->envn; i++) {
		if (!env_overridden(t, p->envp[i]))
			envp[n++] = p->envp[i];
	}
	for (i = 0; i < t->nenv; i++)
		envp[n++] = t->env[i];
	envp[n++] = idvar;
	envp[n] = NULL;
	return envp;
}

/*
 * ENOSPC when the file system that would hold the try folder DIR
 * ("tasks/TASK/try-N": the task's folder if there is one, else tasks/)
 * has no block or no inode left, else 0.
 */
static int
output_room(const char *dir)
{
	struct statvfs	 sv;
	char		*task;
	int		 rc;

	task = xstrdup(dir);
	*strrchr(task, '/') = '\0';
	rc = statvfs(task, &sv);
	free(task);
	if (rc == -1 && statvfs("tasks", &sv) == -1)
		return 0;	/* what fails shows when the folder is made */
	return sv.f_bavail == 0 || (sv.f_files > 0 && sv.f_favail == 0) ?
	    ENOSPC : 0;
}

/* The folder of T's try: "tasks/TASK/try-N". */
static char *
try_dir(const struct pool_task *t)
{
	char	*dirname, *dir;

	dirname = rundir_task_dirname(t->id);
	dir = xprintf("tasks/%s/try-%u", dirname, t->attempt);
	free(dirname);
	return dir;
}

/* Drops the start made ready, if any. */
void
pool_ready_drop(struct pool *p)
{
	if (!p->ready.made)
		return;
	capture_pipes_close(p->ready.ours, p->ready.theirs);
	free(p->ready.dir);
	p->ready.dir = NULL;
	p->ready.made = 0;
}

/*
 * Between two turns, makes the start of the next command waiting ready
 * (its pipes, and whether the disk has room for its output), so that
 * the time between one command's end and the next one's start is spent
 * on the start alone.
 */
void
pool_ready_next(struct pool *p)
{
	struct pool_ready	*r = &p->ready;
	struct pool_task	*t = queue_head(&p->cmdq);

	if (t == NULL || p->stopping) {
		pool_ready_drop(p);
		return;
	}
	if (r->made && r->seq == t->seq)
		return;
	pool_ready_drop(p);
	/* Not now, then: pool_start tries again, and says why. */
	if (capture_pipes(r->ours, r->theirs) != 0)
		return;
	r->dir = try_dir(t);
	r->room = output_room(r->dir);
	r->seq = t->seq;
	r->made_ms = mono_ms();
	r->made = 1;
}

/*
 * T's try folder *DIRP and its pipes OURS and THEIRS, made ready ahead or
 * now, if the disk has room for that folder: a verdict made ready is
 * asked again once it is POOL_READY_MS old.  Returns 0, or an errno
 * value with no pipe open; *DIRP is the caller's to free either way.
 */
static int
pool_ready_take(struct pool *p, const struct pool_task *t, char **dirp,
    int ours[2], int theirs[2])
{
	struct pool_ready	*r = &p->ready;
	int			 error, k;

	if (r->made && r->seq == t->seq) {
		for (k = 0; k < 2; k++) {
			ours[k] = r->ours[k];
			theirs[k] = r->theirs[k];
		}
		*dirp = r->dir;
		r->dir = NULL;
		r->made = 0;
		error = mono_ms() - r->made_ms <= POOL_READY_MS ? r->room :
		    output_room(*dirp);
	} else {
		pool_ready_drop(p);
		*dirp = try_dir(t);
		ours[0] = ours[1] = theirs[0] = theirs[1] = -1;
		if ((error = output_room(*dirp)) == 0)
			error = capture_pipes(ours, theirs);
	}
	if (error != 0)
		capture_pipes_close(ours, theirs);
	return error;
}

/* Starts one command in a free slot. */
void
pool_start(struct pool *p, struct pool_task *t, struct pool_slot *slot)
{
	struct spawn		 sp;
	struct msg_result	*r;
	struct pool_try		 failed, held;
	char			*dir, *out, *err, *idvar;
	char			*argv[4], **envp;
	pid_t			 pid;
	int			 ours[2], theirs[2], error;

	/*
	 * The try's folder is made with its first byte of output; a disk
	 * that could not take it stops the task before it runs.
	 */
	if ((error = pool_ready_take(p, t, &dir, ours, theirs)) == 0)
		capture_open(&slot->cap, p, dir, ours);
	out = xprintf("%s/stdout", dir);
	err = xprintf("%s/stderr", dir);
	idvar = xprintf("WEFT_TASK_ID=%s", t->id);
	/* A stale output must not pass for one this try made. */
	outputs_remove(p, t->outputs, t->noutputs);

	argv[0] = "sh";
	argv[1] = "-c";
	argv[2] = t->command;
	argv[3] = NULL;
	/* Its cores and devices, held until it ends. */
	memset(&held, 0, sizeof held);
	pool_take(p, t, &held);
	p->envp[p->envn] = idvar;
	p->envp[p->envn + 1] = NULL;
	envp = t->nenv > 0 ? task_env(p, t, idvar) : p->envp;

	spawn_init(&sp);
	sp.path = "/bin/sh";
	sp.argv = argv;
	sp.envp = envp;
	sp.cwd = p->workdir;
	sp.new_pgroup = 1;
	sp.fds[1] = theirs[0];
	sp.fds[2] = theirs[1];
	pid = error == 0 ? spawn_start(&sp, &error) : -1;
	p->envp[p->envn] = NULL;
	if (envp != p->envp)
		free(envp);
	if (pid != -1)
		capture_watch(&slot->cap, theirs);
	else {
		capture_pipes_close(ours, theirs);
		capture_end(&slot->cap, 0);
	}

	if (pid == -1) {
		pool_release(p, &held);
		log_warnx("task %s: cannot start: %s", t->id, strerror(error));
		memset(&failed, 0, sizeof failed);
		failed.index = t->index;
		failed.attempt = t->attempt;
		free(out);
		free(err);
		out = err = NULL;
		/* Its capture files could not be made: say where. */
		r = pool_new_result(p, &failed, OUT_SPAWN, error == ENOSPC ?
		    xprintf("could not start: %s: %s", dir, DISK_FULL) :
		    xprintf("could not start: %s", strerror(error != 0 ?
		    error : EIO)), NULL);
		r->spawn_errno = error != 0 ? error : EIO;
	} else {
		log_debug("task %s: started, pid %ld", t->id, (long)pid);
		slot->pid = pid;
		try_begin(p, &slot->pt, t, pid, xprintf("%s/%s", p->rundir,
		    out), xprintf("%s/%s", p->rundir, err));
		slot->pt.cores = held.cores;
		slot->pt.gpu_mask = held.gpu_mask;
		p->busy++;
	}
	free(idvar);
	free(err);
	free(out);
	free(dir);
	task_free(t);
}

/*
 * A command's peak memory, from wait4's rusage of it, in KiB; -1 if it
 * cannot be told from the pool's own.  The child was started with
 * posix_spawn, which runs it in the pool's memory until the exec, and
 * Linux keeps that memory's high-water mark as the child's ru_maxrss:
 * a figure not above the pool's own peak may be nothing but the pool's.
 */
static int64_t
command_maxrss(const struct rusage *ru)
{
	static long	 own;	/* the pool's, last asked: it only grows */
	struct rusage	 self;

	if (ru->ru_maxrss > own && getrusage(RUSAGE_SELF, &self) == 0)
		own = self.ru_maxrss;
	return ru->ru_maxrss <= own ? -1 : ru->ru_maxrss;
}

/* A command's process ended: report it, and leave nothing of it. */
void
command_ended(struct pool *p, struct pool_slot *slot, int status,
    const struct rusage *ru)
{
	struct msg_result	*r;
	enum try_outcome	 outcome;
	pid_t			 pid = slot->pid;
	char			*reason;
	int			 lost;

	kill(-pid, SIGKILL);
	pool_release(p, &slot->pt);
	if (slot->pt.timed_out)
		outcome = OUT_TIMEOUT;
	else if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		outcome = OUT_DONE;
	else
		outcome = OUT_EXIT;
	lost = capture_end(&slot->cap, outcome != OUT_DONE);
	/* A command that did its work but whose output was lost failed. */
	if (outcome == OUT_DONE && lost != 0) {
		outcome = OUT_MISSING_OUTPUT;
		reason = capture_full(&slot->pt, xstrdup("exit 0"), lost);
	} else
		reason = capture_full(&slot->pt, try_reason(&slot->pt,
		    outcome, status, NULL), lost);
	/*
	 * A scheduler ending a job (scancel, its walltime) signals every
	 * process of it, our tasks with us: a task killed so is held back
	 * a moment, for the pool's own signal to come and make it a try
	 * lost with its pool, to run elsewhere, not a failure.  So is one
	 * whose shell outlived the child killed so and says it (128 + the
	 * signal).
	 */
	if (p->remote && ((WIFSIGNALED(status) &&
	    (WTERMSIG(status) == SIGTERM || WTERMSIG(status) == SIGKILL)) ||
	    (WIFEXITED(status) && (WEXITSTATUS(status) == 128 + SIGTERM ||
	    WEXITSTATUS(status) == 128 + SIGKILL))))
		p->hold_results_ms = mono_ms() + POOL_TERM_HOLD_MS;
	r = try_end(p, &slot->pt, pid, outcome, status, reason, NULL);
	r->has_usage = 1;
	r->utime_us = tv_us(&ru->ru_utime);
	r->stime_us = tv_us(&ru->ru_stime);
	r->maxrss_kb = command_maxrss(ru);
	r->nvcsw = ru->ru_nvcsw;
	r->nivcsw = ru->ru_nivcsw;
	r->inblock = ru->ru_inblock;
	r->oublock = ru->ru_oublock;
	slot->pid = 0;
	p->busy--;
}

/* Walltime: SIGTERM past the deadline, SIGKILL after the grace. */
static int
try_deadline(struct pool_try *pt, pid_t group, int64_t now)
{
	if (pt->deadline_ms == 0)
		return -1;
	if (!pt->timed_out && now >= pt->deadline_ms) {
		log_warnx("task %s: past its walltime; SIGTERM", pt->id);
		pt->timed_out = 1;
		pt->kill_at_ms = now + POOL_WALLTIME_GRACE_MS;
		kill(-group, SIGTERM);
	} else if (pt->timed_out && now >= pt->kill_at_ms) {
		log_warnx("task %s: still there after SIGTERM; SIGKILL",
		    pt->id);
		pt->kill_at_ms = now + 100;
		kill(-group, SIGKILL);
	}
	return (int)((pt->timed_out ? pt->kill_at_ms : pt->deadline_ms) -
	    now);
}

/* Checks every walltime; returns ms until the next one is due, or -1. */
int
pool_deadlines(struct pool *p)
{
	int64_t	 now = mono_ms();
	int	 i, t, next = -1;

	for (i = 0; i < p->jobs; i++) {
		t = -1;
		if (p->slots[i].pid != 0)
			t = try_deadline(&p->slots[i].pt, p->slots[i].pid,
			    now);
		if (t != -1 && (next == -1 || t < next))
			next = t;
		t = -1;
		if (p->workers != NULL && p->workers[i].ncalls > 0 &&
		    p->workers[i].pid != 0)
			t = try_deadline(&p->workers[i].pt,
			    p->workers[i].pid, now);
		if (t != -1 && (next == -1 || t < next))
			next = t;
	}
	return next < 0 && next != -1 ? 0 : next;
}
