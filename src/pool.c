/*
 * pool.c: the "weft pool" helper role.  A pool takes tasks from the
 * interchange and runs each command with posix_spawn of /bin/sh -c in a
 * process group of its own, at most "jobs" at a time, with stdout and
 * stderr in the run directory's tasks/<id>/ folder.  It reports each try's
 * wait status, wall time and rusage back in batches.
 *
 * A pool loads the run's workflow snapshot in definitions mode only: it
 * learns the apps and the env, and never sees the main body, so it cannot
 * submit anything.
 *
 * With monitoring on, the pool records each try's start and end, the
 * rusage of its process group at the end, and /proc samples of every try
 * that runs longer than the resource interval.
 *
 * Descriptor 3 is the lifeline, the read end of a pipe whose write end
 * only main holds.  EOF there means main is gone or wants everyone to
 * stop: running tasks get SIGTERM, then SIGKILL after a grace period, and
 * the pool exits.
 */

#include <sys/resource.h>
#include <sys/sysinfo.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <zmq.h>

#include "weft.h"
#include "proto.h"

#define POOL_LIFELINE_FD	3
#define POOL_KILL_GRACE_MS	1000
#define POOL_DRAIN_MS		1500	/* last events to the router */
#define POOL_DRAIN_FAST_MS	500	/* the same when stopping a run */

struct pool_task {
	uint32_t	 index;
	uint32_t	 attempt;
	char		*id;
	char		*command;
};

struct pool_slot {
	pid_t		 pid;		/* 0: free */
	char		*id;		/* the task's, for status */
	uint32_t	 index;
	uint32_t	 attempt;
	struct timespec	 start;
	double		 began;		/* wall clock, for the record */
};

struct pool {
	int		 id;
	int		 jobs;
	const char	*run_name;
	const char	*workdir;
	void		*ctx;
	void		*sock;
	int		 sigfd;
	int		 lifeline;

	char	       **envp;		/* base environment + one free slot */
	size_t		 envn;		/* index of the free slot */
	size_t		 envown;	/* envp[envown..envn) are ours */

	struct pool_slot *slots;
	int		 busy;
	int		 shown_busy;

	struct pool_task *queue;	/* FIFO: head..tail */
	size_t		 qhead, qtail, qcap;

	struct msg_result *results;	/* finished, not yet reported */
	size_t		 nresults, cresults;
	uint32_t	*started_list;	/* (index, attempt) pairs, unreported */
	size_t		 nstarted;

	int		 stopping;
	int		 killing;	/* tasks were running when told to */
	int		 lost_ix;	/* stopped for want of heartbeats */
	int64_t		 kill_at_ms;	/* SIGKILL deadline when stopping */

	int		 hb_period;	/* ms between heartbeats */
	int64_t		 hb_sent_ms;
	int64_t		 heard_ms;	/* last message from the interchange */

	struct monitor	*mon;		/* NULL: monitoring off */
	struct ctl	*ctl;
	char		 block[16];	/* this pool's number, as text */
	char		 host[256];
	double		 interval;	/* resource samples, seconds */
	int64_t		 sample_at_ms;
	unsigned long	 started, finished;
};

static uint64_t
tv_us(const struct timeval *tv)
{
	return (uint64_t)tv->tv_sec * 1000000 + tv->tv_usec;
}

/*
 * The environment of every task: ours (which is main's), with the
 * workflow's env on top, and a last slot for WEFT_TASK_ID.
 */
static void
pool_build_env(struct pool *p, const struct workflow *wf)
{
	extern char	**environ;
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
	for (j = 0; j < wf->nenv; j++)
		p->envp[p->envn++] = xprintf("%s=%s", wf->env[j].key,
		    wf->env[j].value);
}

static void
pool_free(struct pool *p)
{
	size_t	 i;

	for (i = p->envown; i < p->envn; i++)
		free(p->envp[i]);
	free(p->envp);
	for (i = p->qhead; i < p->qtail; i++) {
		free(p->queue[i].id);
		free(p->queue[i].command);
	}
	free(p->queue);
	free(p->results);
	free(p->started_list);
	for (i = 0; i < (size_t)p->jobs; i++)
		free(p->slots[i].id);
	free(p->slots);
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

static struct msg_result *
pool_new_result(struct pool *p, uint32_t index, uint32_t attempt)
{
	struct msg_result	*r;

	if (p->nresults == p->cresults) {
		p->cresults = p->cresults == 0 ? 64 : p->cresults * 2;
		p->results = xreallocarray(p->results, p->cresults,
		    sizeof *p->results);
	}
	r = &p->results[p->nresults++];
	memset(r, 0, sizeof *r);
	r->index = index;
	r->attempt = attempt;
	r->pool = p->id;
	return r;
}

/* A try row update; NULL and -1 fields are left as they are. */
static void
pool_ev_try(struct pool *p, uint32_t index, uint32_t attempt, int start,
    double when, pid_t pid, int status, const char *reason)
{
	msgpack_packer	*pk;

	if (p->mon == NULL)
		return;
	pk = monitor_event(p->mon, EV_TRY, 12);
	msgpack_pack_uint32(pk, index);
	msgpack_pack_uint32(pk, attempt);
	monitor_pack_str(pk, start ? p->block : NULL);
	monitor_pack_str(pk, start ? p->host : NULL);
	monitor_pack_str(pk, start ? "local" : NULL);
	msgpack_pack_nil(pk);
	if (start) {
		msgpack_pack_double(pk, when);
		msgpack_pack_nil(pk);
		msgpack_pack_int64(pk, pid);
	} else {
		msgpack_pack_nil(pk);
		msgpack_pack_double(pk, when);
		msgpack_pack_nil(pk);
	}
	if (!start && status != -1 && WIFEXITED(status))
		msgpack_pack_int(pk, WEXITSTATUS(status));
	else
		msgpack_pack_nil(pk);
	if (!start && status != -1 && WIFSIGNALED(status))
		msgpack_pack_int(pk, WTERMSIG(status));
	else
		msgpack_pack_nil(pk);
	monitor_pack_str(pk, reason);
}

static void
pool_ev_resource(struct pool *p, const struct pool_slot *slot, double when,
    int final, double user, double sys, int64_t rss, int64_t vms,
    int64_t rd, int64_t wr, int64_t children, const char *state)
{
	msgpack_packer	*pk;

	if (p->mon == NULL)
		return;
	pk = monitor_event(p->mon, EV_RESOURCE, 14);
	msgpack_pack_uint32(pk, slot->index);
	msgpack_pack_uint32(pk, slot->attempt);
	msgpack_pack_double(pk, when);
	msgpack_pack_double(pk, p->interval);
	msgpack_pack_int64(pk, slot->pid);
	msgpack_pack_double(pk, user);
	msgpack_pack_double(pk, sys);
	msgpack_pack_int64(pk, rss);
	msgpack_pack_int64(pk, vms);
	msgpack_pack_int64(pk, rd);
	msgpack_pack_int64(pk, wr);
	msgpack_pack_int64(pk, children);
	monitor_pack_str(pk, state);
	msgpack_pack_int(pk, final);
}

static void
pool_ev_block(struct pool *p, const char *status)
{
	msgpack_packer	*pk;

	if (p->mon == NULL)
		return;
	pk = monitor_event(p->mon, EV_BLOCK, 4);
	monitor_pack_str(pk, p->block);
	monitor_pack_str(pk, status);
	msgpack_pack_double(pk, db_now());
	msgpack_pack_int64(pk, getpid());
}

static void
pool_ev_node(struct pool *p)
{
	msgpack_packer	*pk;
	struct sysinfo	 si;

	if (p->mon == NULL)
		return;
	if (sysinfo(&si) == -1)
		memset(&si, 0, sizeof si);
	pk = monitor_event(p->mon, EV_NODE, 6);
	monitor_pack_str(pk, p->block);
	monitor_pack_str(pk, p->host);
	msgpack_pack_long(pk, sysconf(_SC_NPROCESSORS_ONLN));
	msgpack_pack_uint64(pk, (uint64_t)si.totalram * si.mem_unit);
	msgpack_pack_int(pk, p->jobs);
	msgpack_pack_double(pk, db_now());
}

/* Reads "name value" lines of /proc/PID/io for two counters. */
static void
proc_io(pid_t pid, int64_t *rd, int64_t *wr)
{
	char	 path[64], buf[1024], *s;
	ssize_t	 n;
	int	 fd;

	snprintf(path, sizeof path, "/proc/%ld/io", (long)pid);
	if ((fd = open(path, O_RDONLY|O_CLOEXEC)) == -1)
		return;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	if ((s = strstr(buf, "read_bytes: ")) != NULL)
		*rd += strtoll(s + 12, NULL, 10);
	if ((s = strstr(buf, "write_bytes: ")) != NULL)
		*wr += strtoll(s + 13, NULL, 10);
}

/*
 * Samples every try that has run for at least the interval: CPU time,
 * memory and I/O summed over its process group, from one pass over /proc.
 */
static void
pool_sample(struct pool *p)
{
	struct usage {
		double	 user, sys;
		int64_t	 rss, vms, rd, wr, procs;
		char	 state;
	}		*u;
	DIR		*d;
	struct dirent	*de;
	char		 path[64], buf[1024], *s, st;
	long		 tck = sysconf(_SC_CLK_TCK);
	long		 page = sysconf(_SC_PAGESIZE);
	unsigned long	 utime, stime, vsize;
	long		 rss, pgrp;
	double		 now = db_now();
	ssize_t		 n;
	pid_t		 pid;
	int		 i, fd, any = 0;

	for (i = 0; i < p->jobs; i++)
		any |= p->slots[i].pid != 0 && now - p->slots[i].began >=
		    p->interval;
	if (!any || (d = opendir("/proc")) == NULL)
		return;
	u = xcalloc(p->jobs, sizeof *u);
	while ((de = readdir(d)) != NULL) {
		if ((pid = atoi(de->d_name)) <= 0)
			continue;
		snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
		if ((fd = open(path, O_RDONLY|O_CLOEXEC)) == -1)
			continue;
		n = read(fd, buf, sizeof buf - 1);
		close(fd);
		if (n <= 0)
			continue;
		buf[n] = '\0';
		if ((s = strrchr(buf, ')')) == NULL ||
		    sscanf(s + 1, " %c %*d %ld %*d %*d %*d %*u %*u %*u %*u %*u "
		    "%lu %lu %*d %*d %*d %*d %*d %*d %*u %lu %ld", &st, &pgrp,
		    &utime, &stime, &vsize, &rss) != 6)
			continue;
		for (i = 0; i < p->jobs; i++) {
			if (p->slots[i].pid == 0 || p->slots[i].pid != pgrp)
				continue;
			u[i].user += (double)utime / tck;
			u[i].sys += (double)stime / tck;
			u[i].vms += vsize;
			u[i].rss += rss * page;
			u[i].procs++;
			if (pid == pgrp)
				u[i].state = st;
			proc_io(pid, &u[i].rd, &u[i].wr);
		}
	}
	closedir(d);
	for (i = 0; i < p->jobs; i++) {
		if (p->slots[i].pid == 0 || u[i].procs == 0 ||
		    now - p->slots[i].began < p->interval)
			continue;
		buf[0] = u[i].state != 0 ? u[i].state : '?';
		buf[1] = '\0';
		pool_ev_resource(p, &p->slots[i], now, 0, u[i].user, u[i].sys,
		    u[i].rss, u[i].vms, u[i].rd, u[i].wr, u[i].procs - 1, buf);
	}
	free(u);
}

/* Starts one task in a free slot. */
static void
pool_start(struct pool *p, struct pool_task *t, struct pool_slot *slot)
{
	struct spawn		 sp;
	struct msg_result	*r;
	char			*dirname, *dir, *out, *err, *idvar;
	char			*argv[4];
	pid_t			 pid;
	int			 error = 0;

	dirname = rundir_task_dirname(t->id);
	dir = xprintf("tasks/%s", dirname);
	out = xprintf("%s/stdout", dir);
	err = xprintf("%s/stderr", dir);
	idvar = xprintf("WEFT_TASK_ID=%s", t->id);
	if (mkdir(dir, 0755) == -1 && errno != EEXIST)
		error = errno;

	argv[0] = "sh";
	argv[1] = "-c";
	argv[2] = t->command;
	argv[3] = NULL;
	p->envp[p->envn] = idvar;
	p->envp[p->envn + 1] = NULL;

	spawn_init(&sp);
	sp.path = "/bin/sh";
	sp.argv = argv;
	sp.envp = p->envp;
	sp.cwd = p->workdir;
	sp.new_pgroup = 1;
	sp.stdout_path = out;
	sp.stderr_path = err;
	pid = error == 0 ? spawn_start(&sp, &error) : -1;
	p->envp[p->envn] = NULL;

	if (pid == -1) {
		log_warnx("task %s: cannot start: %s", t->id, strerror(error));
		r = pool_new_result(p, t->index, t->attempt);
		r->spawn_errno = error != 0 ? error : EIO;
		free(idvar);
		idvar = xprintf("could not start: %s",
		    strerror(r->spawn_errno));
		pool_ev_try(p, t->index, t->attempt, 0, db_now(), 0, -1,
		    idvar);
	} else {
		log_debug("task %s: started, pid %ld", t->id, (long)pid);
		slot->pid = pid;
		slot->id = t->id;
		t->id = NULL;
		slot->index = t->index;
		slot->attempt = t->attempt;
		clock_gettime(CLOCK_MONOTONIC, &slot->start);
		slot->began = db_now();
		pool_ev_try(p, t->index, t->attempt, 1, slot->began, pid, -1,
		    NULL);
		monitor_status(p->mon, t->index, t->attempt, "running",
		    slot->began);
		p->busy++;
		p->started++;
		p->started_list[p->nstarted++] = t->index;
		p->started_list[p->nstarted++] = t->attempt;
	}
	free(idvar);
	free(err);
	free(out);
	free(dir);
	free(dirname);
	free(t->id);
	free(t->command);
}

/* Starts queued tasks while slots are free. */
static void
pool_fill(struct pool *p)
{
	int	 i;

	for (i = 0; i < p->jobs && !p->stopping; i++) {
		if (p->qhead == p->qtail)
			break;
		if (p->slots[i].pid != 0)
			continue;
		pool_start(p, &p->queue[p->qhead++], &p->slots[i]);
	}
	if (p->qhead == p->qtail)
		p->qhead = p->qtail = 0;
}

static void
pool_enqueue(struct pool *p, const struct msg_task *mt)
{
	struct pool_task	*t;

	p->queue = fifo_room(p->queue, &p->qhead, &p->qtail, &p->qcap,
	    sizeof *p->queue, 64);
	t = &p->queue[p->qtail++];
	t->index = mt->index;
	t->attempt = mt->attempt;
	t->id = xstrndup(mt->id, mt->id_len);
	t->command = xstrndup(mt->command, mt->command_len);
}

static void	 pool_stop(struct pool *, const char *);

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
	if (heartbeat_resumed(p->hb_sent_ms, p->hb_period))
		p->heard_ms = now;
	if (now - p->heard_ms >= (int64_t)p->hb_period * HEARTBEAT_MISSES) {
		log_warnx("the interchange has not answered for %lld ms",
		    (long long)(now - p->heard_ms));
		p->lost_ix = 1;
		pool_stop(p, "interchange lost");
		return 0;	/* the loop must see it is stopping now */
	}
	if (now - p->hb_sent_ms >= p->hb_period) {
		msg_begin(&m, MSG_HEARTBEAT, 0);
		if (msg_send(p->sock, NULL, 0, &m) == -1)
			log_debug("cannot send a heartbeat");
		p->hb_sent_ms = now;
	}
	return (int)(p->hb_sent_ms + p->hb_period - now);
}

/* Reaps every finished child and records its result. */
static void
pool_reap(struct pool *p)
{
	struct rusage		 ru;
	struct timespec		 end;
	struct msg_result	*r;
	struct pool_slot	*slot;
	char			*why;
	double			 now;
	pid_t			 pid;
	int			 status, i;

	for (;;) {
		pid = wait4(-1, &status, WNOHANG, &ru);
		if (pid <= 0)
			break;
		slot = NULL;
		for (i = 0; i < p->jobs; i++) {
			if (p->slots[i].pid == pid) {
				slot = &p->slots[i];
				break;
			}
		}
		if (slot == NULL)
			continue;
		/* Leave nothing of the task behind: its whole group goes. */
		kill(-pid, SIGKILL);
		clock_gettime(CLOCK_MONOTONIC, &end);
		r = pool_new_result(p, slot->index, slot->attempt);
		r->status = status;
		r->pid = pid;
		r->wall_us = (end.tv_sec - slot->start.tv_sec) * 1000000LL +
		    (end.tv_nsec - slot->start.tv_nsec) / 1000;
		r->utime_us = tv_us(&ru.ru_utime);
		r->stime_us = tv_us(&ru.ru_stime);
		r->maxrss_kb = ru.ru_maxrss;
		if (p->mon != NULL) {
			now = db_now();
			why = WIFEXITED(status) && WEXITSTATUS(status) == 0 ?
			    NULL : wait_status_string(status);
			pool_ev_try(p, slot->index, slot->attempt, 0, now, pid,
			    status, why);
			monitor_status(p->mon, slot->index, slot->attempt,
			    "running_ended", now);
			pool_ev_resource(p, slot, now, 1, r->utime_us / 1e6,
			    r->stime_us / 1e6, (int64_t)ru.ru_maxrss * 1024, 0,
			    (int64_t)ru.ru_inblock * 512,
			    (int64_t)ru.ru_oublock * 512, 0,
			    WIFEXITED(status) ? "exited" : "killed");
			free(why);
		}
		slot->pid = 0;
		free(slot->id);
		slot->id = NULL;
		p->busy--;
		p->finished++;
	}
}

static void
pool_flush(struct pool *p)
{
	struct msg_out	 m;
	size_t		 i;

	if ((p->nresults == 0 && p->nstarted == 0) || p->stopping)
		return;
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
	p->nresults = 0;
	p->nstarted = 0;
}

static void
pool_signal_tasks(struct pool *p, int sig)
{
	int	 i;

	for (i = 0; i < p->jobs; i++) {
		if (p->slots[i].pid != 0)
			kill(-p->slots[i].pid, sig);
	}
}

static void
pool_stop(struct pool *p, const char *why)
{
	if (p->stopping)
		return;
	log_info("stopping (%s): %d tasks running, %zu queued", why, p->busy,
	    p->qtail - p->qhead);
	p->stopping = 1;
	ctl_set_state(p->ctl, "stopping");
	p->killing = p->busy > 0;
	p->kill_at_ms = mono_ms() + POOL_KILL_GRACE_MS;
	pool_signal_tasks(p, SIGTERM);
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
		p->heard_ms = mono_ms();
		if (m.type == MSG_HEARTBEAT)
			;
		else if (m.type == MSG_TASKS && m.nfields == 1 &&
		    m.fields[0].type == MSGPACK_OBJECT_ARRAY) {
			for (i = 0; i < m.fields[0].via.array.size; i++) {
				if (msg_get_task(&m.fields[0].via.array.ptr[i],
				    &t) == -1) {
					log_warnx("malformed task ignored");
					continue;
				}
				pool_enqueue(p, &t);
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

/* What "weft status" shows of a pool. */
static void
pool_status_fill(json_t *stats, json_t *hb, void *arg)
{
	struct pool	*p = arg;
	struct timespec	 now;
	json_t		*running = json_array();
	int		 i;

	clock_gettime(CLOCK_MONOTONIC, &now);
	for (i = 0; i < p->jobs; i++) {
		if (p->slots[i].pid == 0)
			continue;
		json_array_append_new(running, json_pack("{s:s?, s:i, s:I, "
		    "s:f}", "task", p->slots[i].id, "try",
		    (int)p->slots[i].attempt, "pid",
		    (json_int_t)p->slots[i].pid, "seconds",
		    (now.tv_sec - p->slots[i].start.tv_sec) +
		    (now.tv_nsec - p->slots[i].start.tv_nsec) / 1e9));
	}
	json_object_set_new(stats, "pool", json_integer(p->id));
	json_object_set_new(stats, "slots", json_integer(p->jobs));
	json_object_set_new(stats, "busy", json_integer(p->busy));
	json_object_set_new(stats, "free", json_integer(p->jobs - p->busy));
	json_object_set_new(stats, "queued",
	    json_integer(p->qtail - p->qhead));
	json_object_set_new(stats, "started", json_integer(p->started));
	json_object_set_new(stats, "finished", json_integer(p->finished));
	json_object_set_new(stats, "running", running);
	json_object_set_new(hb, "interchange", ctl_age(p->heard_ms));
}

static __dead void
pool_usage(void)
{
	fprintf(stderr, "usage: weft pool --run DIR --pool N --jobs N "
	    "--workdir DIR [--name NNNN] [-v]\n");
	exit(EXIT_USAGE);
}

int
pool_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "run", required_argument, NULL, 'r' },
		{ "name", required_argument, NULL, 'n' },
		{ "pool", required_argument, NULL, 'p' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "workdir", required_argument, NULL, 'w' },
		{ "verbose", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 }
	};
	struct pool		 p;
	struct workflow		*wf;
	struct msg_out		 m;
	zmq_pollitem_t		 items[5];
	const char		*rundir = NULL;
	char			*err = NULL, logname[32], ident[48];
	int			 ch, verbose = 0, timeout, t, nitems;
	int			 ictl, imon, ilife;
	int64_t			 left;

	memset(&p, 0, sizeof p);
	p.id = -1;
	p.shown_busy = -1;
	p.run_name = "?";
	while ((ch = getopt_long(argc, argv, "v", longopts, NULL)) != -1) {
		switch (ch) {
		case 'r':
			rundir = optarg;
			break;
		case 'n':
			p.run_name = optarg;
			break;
		case 'p':
			p.id = atoi(optarg);
			break;
		case 'j':
			p.jobs = atoi(optarg);
			break;
		case 'w':
			p.workdir = optarg;
			break;
		case 'v':
			verbose = 1;
			break;
		default:
			pool_usage();
		}
	}
	if (rundir == NULL || p.workdir == NULL || p.id < 0 || p.jobs < 1 ||
	    p.jobs > WEFT_MAX_JOBS || optind != argc)
		pool_usage();

	snprintf(logname, sizeof logname, "pool-%d", p.id);
	p.sigfd = helper_begin(logname, rundir, verbose, 1);
	p.lifeline = POOL_LIFELINE_FD;
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
	    "%zu YAML events skipped)", p.id, rundir, wf->napps, wf->nenv,
	    wf->main_events_skipped);
	pool_build_env(&p, wf);
	p.slots = xcalloc(p.jobs, sizeof *p.slots);
	/* At most one start per slot between two flushes. */
	p.started_list = xcalloc(2 * p.jobs, sizeof *p.started_list);

	/* With the pid, a restarted pool is never taken for its predecessor. */
	snprintf(ident, sizeof ident, "pool-%d/%ld", p.id, (long)getpid());
	if ((p.ctx = zmq_ctx_new()) == NULL)
		fatal("zmq_ctx_new");
	p.sock = zsock_open(p.ctx, ZMQ_DEALER, ident);
	if (p.sock == NULL || zsock_connect(p.sock, "ipc://sock/pools") == -1)
		fatalx("cannot connect to the interchange: %s",
		    zmq_strerror(errno));
	msg_begin(&m, MSG_HELLO, 3);
	msgpack_pack_int32(&m.pk, p.id);
	msgpack_pack_int32(&m.pk, p.jobs);
	msgpack_pack_int64(&m.pk, getpid());
	if (msg_send(p.sock, NULL, 0, &m) == -1)
		fatalx("cannot greet the interchange: %s", zmq_strerror(errno));
	p.hb_period = heartbeat_period();
	p.heard_ms = p.hb_sent_ms = mono_ms();

	snprintf(p.block, sizeof p.block, "%d", p.id);
	if (gethostname(p.host, sizeof p.host - 1) == -1)
		snprintf(p.host, sizeof p.host, "localhost");
	p.interval = wf->resource_interval;
	if (wf->monitoring && (p.mon = monitor_open(p.ctx, logname)) != NULL)
		pool_ev_node(&p);
	p.ctl = ctl_open(p.ctx, logname, "pool", pool_status_fill, &p);
	p.sample_at_ms = mono_ms() + (int64_t)(p.interval * 1000);

	for (;;) {
		timeout = -1;
		if (p.stopping) {
			if (p.busy == 0)
				break;
			left = p.kill_at_ms - mono_ms();
			if (left <= 0) {
				pool_signal_tasks(&p, SIGKILL);
				p.kill_at_ms = mono_ms() + 100;
				left = 100;
			}
			timeout = left;
		}
		t = pool_heartbeat(&p);
		if (t != -1 && (timeout == -1 || t < timeout))
			timeout = t;
		if (p.mon != NULL && p.busy > 0) {
			left = p.sample_at_ms - mono_ms();
			t = left < 0 ? 0 : (int)left;
			if (timeout == -1 || t < timeout)
				timeout = t;
		}
		t = monitor_timeout(p.mon);
		if (t != -1 && (timeout == -1 || t < timeout))
			timeout = t;
		/*
		 * Socket, signals, control, monitoring, and the lifeline until
		 * stopping (after which it stays readable: it is closed).
		 */
		memset(items, 0, sizeof items);
		items[0] = (zmq_pollitem_t){ p.sock, 0, ZMQ_POLLIN, 0 };
		items[1] = (zmq_pollitem_t){ NULL, p.sigfd, ZMQ_POLLIN, 0 };
		nitems = 2;
		ictl = imon = ilife = -1;
		if (p.ctl != NULL) {
			ictl = nitems++;
			items[ictl].socket = ctl_socket(p.ctl);
			items[ictl].events = ZMQ_POLLIN;
		}
		if (p.mon != NULL) {
			imon = nitems++;
			items[imon].socket = monitor_socket(p.mon);
			items[imon].events = ZMQ_POLLIN;
		}
		if (!p.stopping) {
			ilife = nitems++;
			items[ilife].fd = p.lifeline;
			items[ilife].events = ZMQ_POLLIN;
		}
		if (zmq_poll(items, nitems, timeout) == -1) {
			if (errno == EINTR)
				continue;
			fatal("zmq_poll");
		}
		if (ictl != -1 && items[ictl].revents != 0)
			ctl_answer(p.ctl);
		if (imon != -1 && items[imon].revents != 0)
			monitor_recv(p.mon);
		if (ilife != -1 && items[ilife].revents != 0)
			pool_stop(&p, "lifeline closed");
		if (items[1].revents != 0)
			pool_signal(&p);
		if (items[0].revents != 0 && !p.stopping)
			pool_recv(&p);
		pool_fill(&p);
		pool_flush(&p);
		pool_title(&p);
		if (p.mon != NULL && mono_ms() >= p.sample_at_ms) {
			pool_sample(&p);
			p.sample_at_ms = mono_ms() +
			    (int64_t)(p.interval * 1000);
		}
		monitor_tick(p.mon);
	}
	ctl_close(&p.ctl);
	pool_ev_block(&p, "exited");
	/* A run being stopped must be gone within two seconds. */
	monitor_drain(p.mon, p.killing ? POOL_DRAIN_FAST_MS : POOL_DRAIN_MS);
	monitor_close(&p.mon);
	log_info("exiting: %lu tasks started, %lu finished", p.started,
	    p.finished);
	zmq_close(p.sock);
	zmq_ctx_term(p.ctx);
	pool_free(&p);
	workflow_free(&wf);
	/* Main reports a pool that ended by itself as died: say why here. */
	return p.lost_ix ? EXIT_INTERNAL : 0;
}
