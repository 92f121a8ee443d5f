/*
 * run-supervise.c: main's children, for "weft run".
 *
 * Owns the table of helpers (interchange, pools, router, dbwriter):
 * spawns them, reaps them, restarts the ones that die, gives up on them,
 * kills the orphans a dead pool leaves, stops them all at the end and
 * waits for the record; keeps helpers.json, main's heartbeats to the
 * interchange and what "weft status" shows of main.  Called from
 * cmd-run.c.
 */

#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <zmq.h>

#include "weft.h"
#include "proto.h"
#include "run.h"

static const char *role_names[] = {
	"interchange", "pool", "router", "dbwriter"
};

/*
 * A helper started, died or was given up: helpers.json is written again
 * before main next waits (publish_helpers), once for all that changed
 * since, so the four helpers started together cost one file, not four.
 */
void
helpers_changed(struct run *r)
{
	r->registry_stale = 1;
}

/*
 * Writes helpers.json, the list of the run's processes that "weft status"
 * reads (see control.c), if it is behind; called before main waits.
 */
void
publish_helpers(struct run *r)
{
	struct registry_proc	*procs, *p;
	struct helper		*h;
	size_t			 i;
	int			 full;

	if (r->registry == NULL || !r->registry_stale)
		return;
	r->registry_stale = 0;
	procs = xcalloc(r->nhelpers + 1, sizeof *procs);
	procs[0].name = "main";
	procs[0].role = "main";
	procs[0].state = "running";
	procs[0].pid = getpid();
	procs[0].start = proc_start_ticks(getpid(), NULL);
	for (i = 0; i < r->nhelpers; i++) {
		h = &r->helpers[i];
		p = &procs[i + 1];
		p->name = h->name;
		p->role = role_names[h->role];
		p->state = h->alive ? "running" : h->restart_at != 0 ?
		    "restarting" : h->given_up ? "given up" : "exited";
		p->pid = h->pid;
		p->start = h->start_ticks;
		p->restarts = h->total_restarts;
	}
	if (registry_write(r->registry, r->rd.name, procs,
	    r->nhelpers + 1) == -1) {
		full = errno == ENOSPC;
		log_warn("cannot write %s", r->registry);
		/* Said once: it is written at every helper's start and end. */
		if (full && !r->registry_full) {
			progress_clear(r);
			fflush(stdout);
			fprintf(stderr, "%s: warning: cannot write %s: %s; "
			    "weft status cannot list the run's processes\n",
			    weft_prog, r->registry, DISK_FULL);
		}
		r->registry_full |= full;
	}
	free(procs);
}

/*
 * Adds a helper to the table; ARGV (roleargs_argv) becomes its own.  The
 * table (and so weft status) lists the router, the writer, the
 * interchange and the pools in this order, whatever order they start in.
 */
static struct helper *
add_helper(struct run *r, enum helper_role role, int pool, const char *name,
    char **argv)
{
	static const int rank[] = {
		[H_ROUTER] = 0, [H_DBWRITER] = 1, [H_INTERCHANGE] = 2,
		[H_POOL] = 3
	};
	struct helper	*h;
	size_t		 i = r->nhelpers;

	while (i > 0 && rank[r->helpers[i - 1].role] > rank[role])
		i--;
	memmove(&r->helpers[i + 1], &r->helpers[i],
	    (r->nhelpers - i) * sizeof *r->helpers);
	r->nhelpers++;
	h = &r->helpers[i];
	memset(h, 0, sizeof *h);
	snprintf(h->name, sizeof h->name, "%s", name);
	h->role = role;
	h->pool = pool;
	h->argv = argv;
	h->lifeline = role == H_ROUTER || role == H_DBWRITER ?
	    r->mon_lifeline[0] : r->lifeline[0];
	return h;
}

/* Starts (or restarts) a helper: our own binary, its log as stderr. */
static int
spawn_helper(struct run *r, struct helper *h)
{
	struct spawn	 sp;
	char		*logpath;
	pid_t		 pid;
	int		 error;

	logpath = xprintf("%s.log", h->name);
	spawn_init(&sp);
	sp.path = weft_self;
	sp.argv = h->argv;
	sp.stderr_path = logpath;
	sp.append = 1;
	sp.new_pgroup = 1;	/* the terminal's ^C is main's to handle */
	sp.fds[3] = h->lifeline;
	sp.nfds = 4;
	/*
	 * A pool holds the claim on the outputs too (as fd 4, which it
	 * never closes and its tasks never get), so that it outlives a
	 * killed main for as long as the pool's tasks may still run.
	 */
	if (h->role == H_POOL && r->outlock != NULL) {
		sp.fds[4] = outlock_fd(r->outlock);
		sp.nfds = 5;
	}
	/* The endpoints it serves, bound already (ipc_listen). */
	if (h->role == H_INTERCHANGE) {
		sp.fds[BOUND_FD] = r->bound_pools;
		sp.nfds = BOUND_FD + 1;
	} else if (h->role == H_ROUTER) {
		sp.fds[BOUND_FD] = r->bound_router[0];
		sp.fds[BOUND_FD + 1] = r->bound_router[1];
		sp.nfds = BOUND_FD + 2;
	}
	pid = spawn_start(&sp, &error);
	free(logpath);
	if (pid == -1) {
		fprintf(stderr, "%s: cannot start helper %s: %s\n", weft_prog,
		    h->name, weft_strerror(error));
		log_warnx("cannot start %s: %s", h->name, strerror(error));
		return -1;
	}
	h->pid = pid;
	h->start_ticks = proc_start_ticks(pid, NULL);
	h->started_ms = elapsed_ms(&r->t0);
	h->alive = 1;
	h->killed = 0;
	h->silent_cpu = -1;
	log_info("started %s, pid %ld", h->name, (long)pid);
	if (h->role == H_ROUTER)
		monitor_release(r->mon);
	helpers_changed(r);
	return 0;
}

/* What every helper of main is told: the run, and how much to log. */
static void
helper_args(struct run *r, struct roleargs *a)
{
	memset(a, 0, sizeof *a);
	a->run = r->rd.path;
	a->name = r->rd.name;
	a->verbose = r->verbose;
}

/*
 * The router and the writer, after the task side: their endpoints are
 * bound already (run_setup), so no event sent meanwhile is missed.
 */
int
start_monitoring(struct run *r)
{
	struct roleargs	 a;

	helper_args(r, &a);
	if (spawn_helper(r, add_helper(r, H_ROUTER, -1, "router",
	    roleargs_argv(ROLE_ROUTER, &a))) == -1)
		return -1;
	a.db = r->dbpath;
	if (spawn_helper(r, add_helper(r, H_DBWRITER, -1, "dbwriter",
	    roleargs_argv(ROLE_DBWRITER, &a))) == -1)
		return -1;
	return 0;
}

int
start_helpers(struct run *r)
{
	struct roleargs	 a;
	char		 name[32];
	int		 i;

	helper_args(r, &a);
	a.monitor = r->mon != NULL;
	a.fail_fast = r->fail_fast;
	a.workdir = r->wf->dir;
	/* A worker loads these too: it cannot know them otherwise. */
	a.plugins = r->plugin_args;
	a.nplugins = r->nplugin_args;
	if (remote_setup(r, &a) == -1 || spawn_helper(r, add_helper(r,
	    H_INTERCHANGE, -1, "interchange",
	    roleargs_argv(ROLE_INTERCHANGE, &a))) == -1)
		return -1;
	a.listen = NULL;
	a.jobs = r->jobs;
	for (i = 0; i < r->pools; i++) {
		snprintf(name, sizeof name, "pool-%d", i);
		a.pool = i;
		if (spawn_helper(r, add_helper(r, H_POOL, i, name,
		    roleargs_argv(ROLE_POOL, &a))) == -1)
			return -1;
	}
	return 0;
}

static struct helper *
find_helper(struct run *r, pid_t pid)
{
	size_t	 i;

	for (i = 0; i < r->nhelpers; i++) {
		if (r->helpers[i].alive && r->helpers[i].pid == pid)
			return &r->helpers[i];
	}
	return NULL;
}

static int
is_monitoring(const struct helper *h)
{
	return h->role == H_ROUTER || h->role == H_DBWRITER;
}

/* Helpers of one side (task side, or monitoring) alive or due. */
size_t
helpers_alive(struct run *r, int monitoring)
{
	size_t	 i, n = 0;

	for (i = 0; i < r->nhelpers; i++) {
		if (is_monitoring(&r->helpers[i]) == monitoring)
			n += r->helpers[i].alive ||
			    r->helpers[i].restart_at != 0;
	}
	return n;
}

/* Pools alive or due to restart. */
static size_t
pools_left(struct run *r)
{
	size_t	 i, n = 0;

	for (i = 0; i < r->nhelpers; i++) {
		if (r->helpers[i].role == H_POOL)
			n += r->helpers[i].alive ||
			    r->helpers[i].restart_at != 0;
	}
	return n;
}

/*
 * A router, dbwriter or pool died while the run goes on: start it again
 * after a pause that doubles with each death in a row, or give it up.
 */
static void
schedule_restart(struct run *r, struct helper *h)
{
	char	*why;

	if (is_monitoring(h) && r->mon_given_up) {
		/* The writer was given up, and now the router ended. */
		if (h->role == H_ROUTER &&
		    monitor_spill(r->mon, "monitor.spool") == -1)
			monitor_disable(r->mon);
		return;
	}
	if (h->restarts >= HELPER_MAX_RESTARTS) {
		why = xprintf("%s died %d times in a row", h->name,
		    h->restarts + 1);
		h->given_up = 1;
		if (is_monitoring(h))
			give_up_monitoring(r, why);
		else {
			progress_clear(r);
			fflush(stdout);
			fprintf(stderr, "%s: %s; giving up on it\n", weft_prog,
			    why);
			log_warnx("%s; given up", why);
			if (pools_left(r) == 0) {
				fprintf(stderr, "%s: no pool left to run "
				    "tasks; stopping run %s\n", weft_prog,
				    r->rd.name);
				r->aborted = 1;
			}
		}
		free(why);
		helpers_changed(r);
		return;
	}
	h->restart_at = elapsed_ms(&r->t0) +
	    ((int64_t)HELPER_RESTART_MS << h->restarts);
	helpers_changed(r);
}

/* Restarts whatever is due; returns ms until the next one, or -1. */
int
restart_due(struct run *r)
{
	struct helper	*h;
	int64_t		 now = elapsed_ms(&r->t0), next = -1;
	size_t		 i;

	for (i = 0; i < r->nhelpers; i++) {
		h = &r->helpers[i];
		if (h->restart_at == 0)
			continue;
		if (is_monitoring(h) && r->mon_given_up) {
			h->restart_at = 0;
			continue;
		}
		if (h->restart_at > now) {
			if (next == -1 || h->restart_at - now < next)
				next = h->restart_at - now;
			continue;
		}
		h->restart_at = 0;
		h->restarts++;
		h->total_restarts++;
		log_info("restarting %s (restart %d of %d in a row)", h->name,
		    h->restarts, HELPER_MAX_RESTARTS);
		if (spawn_helper(r, h) == -1) {
			schedule_restart(r, h);
			continue;
		}
		/* A new router must hear that main is finishing. */
		if (h->role == H_ROUTER && r->mon_finishing)
			monitor_control(r->mon, MSG_FINISH);
	}
	return (int)next;
}

/*
 * A pool died while the run goes on: the interchange is told, so that
 * its tries come back (MSG_REQUEUE), the task processes it left behind
 * (now ours, as subreaper) are killed, and it is restarted.
 */
static void
pool_died(struct run *r, struct helper *h, const char *why)
{
	struct msg_out	 m;
	int		 last;

	/* Its tasks can run again unless it is given up and none is left. */
	last = h->restarts >= HELPER_MAX_RESTARTS && pools_left(r) == 0;
	progress_clear(r);
	fflush(stdout);
	fprintf(stderr, "%s: %s (pid %ld) died: %s%s (see %s/%s.log)\n",
	    weft_prog, h->name, (long)h->pid, why,
	    last ? "" : "; its tasks run again", r->rd.path, h->name);
	msg_begin(&m, MSG_POOL_LOST, 2);
	msgpack_pack_int(&m.pk, h->pool);
	msgpack_pack_int64(&m.pk, h->pid);
	if (msg_send(r->sock, NULL, 0, &m) == -1)
		log_warnx("cannot tell the interchange: %s",
		    zmq_strerror(errno));
	r->sweep_orphans = 1;
	schedule_restart(r, h);
}

/* MSG_POOL_SILENT: [pool, pid]; killing it leads to pool_died. */
void
pool_silent(struct run *r, const struct msg_in *m)
{
	struct helper	*h;
	int64_t		 pool, pid;
	size_t		 i;

	if (m->nfields != 2 || msg_get_int(&m->fields[0], &pool) == -1 ||
	    msg_get_int(&m->fields[1], &pid) == -1)
		return;
	for (i = 0; i < r->nhelpers; i++) {
		h = &r->helpers[i];
		if (h->role != H_POOL || !h->alive || h->pid != pid)
			continue;
		progress_clear(r);
		fflush(stdout);
		fprintf(stderr, "%s: %s (pid %ld) sent no heartbeat for %d "
		    "periods; killing it\n", weft_prog, h->name, (long)pid,
		    heartbeat_misses(&r->ix_hb));
		log_warnx("%s silent; killing it", h->name);
		kill(h->pid, SIGKILL);
	}
}

/*
 * Reaps every child that has ended: helpers, and orphaned task processes
 * that came to us as subreaper.  While the run goes on, a router, dbwriter
 * or pool that ends is restarted, and the interchange's end aborts the
 * run.
 */
void
reap_children(struct run *r, int running)
{
	struct helper	*h;
	char		*why;
	pid_t		 pid;
	int		 status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (resume_reaped(r->rs, pid, status) ||
		    provider_reaped(r, pid, status))
			continue;
		if ((h = find_helper(r, pid)) == NULL) {
			log_debug("reaped orphan %ld", (long)pid);
			/* What it leaves comes to us in turn. */
			r->sweep_orphans = running;
			continue;
		}
		h->alive = 0;
		why = wait_status_string(status);
		log_info("%s (pid %ld) ended: %s", h->name, (long)pid, why);
		if (elapsed_ms(&r->t0) - h->started_ms >= HELPER_STABLE_MS)
			h->restarts = 0;
		if (is_monitoring(h)) {
			/* Until the next router: see monitor_hold. */
			if (h->role == H_ROUTER)
				monitor_hold(r->mon);
			/*
			 * Their normal end is after main's finish; a router
			 * that gave up finishing (exit 3) left the record
			 * incomplete, and another would fare no better.
			 */
			if (h->role == H_ROUTER && r->mon_finishing)
				r->router_gone_ms = mono_ms();
			if (WIFEXITED(status) &&
			    WEXITSTATUS(status) == EXIT_NOSPACE)
				record_nospace(r, h);
			else if (h->role == H_ROUTER && r->mon_finishing &&
			    WIFEXITED(status) &&
			    WEXITSTATUS(status) == EXIT_INTERNAL)
				r->mon_incomplete = 1;
			else if (!r->mon_finishing || !WIFEXITED(status) ||
			    WEXITSTATUS(status) != 0)
				schedule_restart(r, h);
		} else if (h->role == H_POOL && running && !r->aborted &&
		    !r->interrupted)
			pool_died(r, h, why);
		else if (running && !r->aborted && !r->interrupted) {
			progress_clear(r);
			fflush(stdout);
			fprintf(stderr, "%s: helper %s (pid %ld) died: %s "
			    "(see %s/%s.log)\n", weft_prog, h->name, (long)pid,
			    why, r->rd.path, h->name);
			r->aborted = 1;
		} else if (!running && !h->killed &&
		    (!WIFEXITED(status) || WEXITSTATUS(status) != 0)) {
			/* It failed while stopping: tell, it may hide a bug. */
			fprintf(stderr, "%s: warning: helper %s (pid %ld) "
			    "ended badly: %s (see %s/%s.log)\n", weft_prog,
			    h->name, (long)pid, why, r->rd.path, h->name);
		}
		helpers_changed(r);
		free(why);
	}
}

/*
 * One pass over our children (over /proc if the kernel cannot list them)
 * that kills whatever task processes were orphaned to us (their pool
 * died, or they outlived their task), each with its process group.
 * Returns how many were found alive.  They are reaped like any child.
 */
int
sweep_orphans(struct run *r)
{
	struct proc_walk *w;
	struct proc_stat ps;
	pid_t		 pid, me = getpid(), mygroup = getpgrp();
	int		 found = 0;

	r->sweep_orphans = 0;
	if ((w = proc_walk_children()) == NULL &&
	    (w = proc_walk_open()) == NULL)
		return 0;
	while ((pid = proc_walk_next(w)) != 0) {
		if (pid == me || find_helper(r, pid) != NULL ||
		    provider_child(r, pid))
			continue;
		if (proc_stat(pid, &ps) == -1 || ps.ppid != me ||
		    ps.state == 'Z')
			continue;
		log_info("killing leftover process %ld", (long)pid);
		if (ps.pgrp != mygroup && ps.pgrp > 1 &&
		    find_helper(r, ps.pgrp) == NULL)
			kill(-ps.pgrp, SIGKILL);
		kill(pid, SIGKILL);
		found++;
	}
	proc_walk_close(w);
	return found;
}

/* At the end: sweeps and reaps until no orphan is left. */
static void
kill_orphans(struct run *r)
{
	int	 rounds;

	for (rounds = 0; rounds < 50; rounds++) {
		if (sweep_orphans(r) == 0) {
			reap_children(r, 0);
			break;
		}
		usleep(10000);
		reap_children(r, 0);
	}
}

void
stop_helpers(struct run *r)
{
	struct timespec	 t0;
	int64_t		 left;
	size_t		 i;

	if (r->lifeline[1] != -1) {
		close(r->lifeline[1]);
		r->lifeline[1] = -1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	reap_children(r, 0);
	while (helpers_alive(r, 0) > 0) {
		left = (r->interrupted || r->aborted ? RUN_STOP_FAST_MS :
		    RUN_STOP_GRACE_MS) - elapsed_ms(&t0);
		if (left <= 0)
			break;
		pump_once(r, left);
	}
	for (i = 0; i < r->nhelpers; i++) {
		if (r->helpers[i].alive && !is_monitoring(&r->helpers[i])) {
			log_warnx("%s did not stop in time; killing it",
			    r->helpers[i].name);
			kill(r->helpers[i].pid, SIGKILL);
			r->helpers[i].killed = 1;
		}
	}
	while (helpers_alive(r, 0) > 0)
		pump_once(r, 100);
	kill_orphans(r);
}

/*
 * Sends the interchange a heartbeat when one is due; one that has not
 * answered for the threshold ends the run.  Returns ms until
 * the next heartbeat.
 */
int
main_heartbeat(struct run *r)
{
	struct msg_out	 m;
	struct helper	*h = NULL;
	int64_t		 now = mono_ms();
	size_t		 i;

	for (i = 0; i < r->nhelpers && h == NULL; i++) {
		if (r->helpers[i].role == H_INTERCHANGE)
			h = &r->helpers[i];
	}
	if (h == NULL)
		return -1;

	/* Back from a stop of our own: the silence was ours. */
	heartbeat_resumed(&r->ix_hb, now);
	if (heartbeat_lost(&r->ix_hb, now) &&
	    !r->aborted) {
		progress_clear(r);
		fflush(stdout);
		fprintf(stderr, "%s: the interchange (pid %ld) sent no "
		    "heartbeat for %d periods; stopping run %s\n", weft_prog,
		    (long)h->pid, heartbeat_misses(&r->ix_hb), r->rd.name);
		log_warnx("the interchange is not answering");
		r->aborted = 1;
		return 0;	/* the loop must look at its condition now */
	}
	if (heartbeat_due(&r->ix_hb, now)) {
		msg_begin(&m, MSG_HEARTBEAT, 0);
		if (msg_send(r->sock, NULL, 0, &m) == -1)
			log_debug("cannot send a heartbeat");
	}
	return heartbeat_next(&r->ix_hb, now);
}

/* What "weft status" shows of main: the tasks and the helpers. */
void
main_status_fill(json_t *stats, json_t *hb, void *arg)
{
	struct run	*r = arg;
	struct helper	*h;
	json_t		*tasks, *helpers;
	size_t		 i;

	json_object_set_new(hb, "interchange", ctl_age(r->ix_hb.heard_ms));
	tasks = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, "
	    "s:I, s:I, s:I}",
	    "total", (json_int_t)r->dag->ntasks,
	    "pending", (json_int_t)(r->counts[TS_WAITING] +
	    r->counts[TS_KEYING] + r->counts[TS_SENT]),
	    "waiting", (json_int_t)(r->counts[TS_WAITING] +
	    r->counts[TS_KEYING]),
	    "queued", (json_int_t)r->counts[TS_SENT],
	    "running", (json_int_t)r->counts[TS_RUNNING],
	    "done", (json_int_t)r->counts[TS_DONE],
	    "cached", (json_int_t)r->counts[TS_CACHED],
	    "failed", (json_int_t)(r->counts[TS_FAILED] +
	    r->counts[TS_KILLED]),
	    "dep_fail", (json_int_t)r->counts[TS_DEP_FAIL],
	    "skipped", (json_int_t)r->counts[TS_SKIPPED],
	    "retried", (json_int_t)r->nretried,
	    "requeued", (json_int_t)r->requeued);
	helpers = json_array();
	for (i = 0; i < r->nhelpers; i++) {
		h = &r->helpers[i];
		json_array_append_new(helpers, json_pack("{s:s, s:I, s:s, "
		    "s:i}", "name", h->name, "pid", (json_int_t)h->pid,
		    "state", h->alive ? "running" : h->restart_at != 0 ?
		    "restarting" : h->given_up ? "given up" : "exited",
		    "restarts", h->total_restarts));
	}
	json_object_set_new(stats, "run", json_string(r->rd.name));
	json_object_set_new(stats, "workflow", json_string(r->wf->path));
	json_object_set_new(stats, "tasks", tasks);
	json_object_set_new(stats, "helpers", helpers);
	remote_status(r, stats);
}
