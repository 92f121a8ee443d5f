/*
 * pool-monitor.c: the monitoring events of "weft pool" (pool.c): its
 * block and its node, the start of each try still running at the end
 * of a turn, and /proc samples of the tries that run.  pool.c calls
 * these from its setup and its loop.
 *
 * With monitoring on, the pool records each try's start (and, when it
 * stops with the run, how the tries it kills ended), the rusage at the
 * end, and /proc samples of every try that runs longer than the resource
 * interval.
 */

#include <sys/sysinfo.h>
#include <sys/wait.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "weft.h"
#include "proto.h"
#include "pool.h"

/*
 * The start of a try still running at the end of a turn: where, when it
 * was handed over and started, its logs: a command's files, or for a
 * call of worker W, its worker's files and where the call's output
 * begins in each (its length comes with the end).  Its end, and the whole row of a
 * try that ended before its start was told, main writes from the result
 * (see ev_try_end in cmd-run.c), so that a pool killed before its events
 * left loses nothing of how a try ended.  Nil fields are left as they
 * are.
 */
static void
pool_ev_try_start(struct pool *p, const struct pool_try *pt, pid_t pid,
    const struct pool_worker *w)
{
	msgpack_packer	*pk;
	char		*path;
	int		 i;

	if (p->mon == NULL)
		return;
	pk = monitor_event(p->mon, EV_TRY, w != NULL ? 19 : 15);
	msgpack_pack_uint32(pk, pt->index);
	msgpack_pack_uint32(pk, pt->attempt);
	monitor_pack_str(pk, p->block);
	monitor_pack_str(pk, p->host);
	monitor_pack_str(pk, p->executor);
	if (pt->launched > 0)
		msgpack_pack_double(pk, pt->launched);
	else
		msgpack_pack_nil(pk);
	msgpack_pack_double(pk, pt->began);
	msgpack_pack_nil(pk);
	msgpack_pack_int64(pk, pid);
	for (i = 0; i < 4; i++)
		msgpack_pack_nil(pk);
	if (w == NULL) {
		monitor_pack_str(pk, pt->out_path);
		monitor_pack_str(pk, pt->err_path);
		return;
	}
	path = xprintf("%s/%s.out", p->rundir, w->name);
	monitor_pack_str(pk, w->out_at >= 0 ? path : NULL);
	strcpy(path + strlen(path) - 3, "log");
	monitor_pack_str(pk, w->err_at >= 0 ? path : NULL);
	free(path);
	for (i = 0; i < 2; i++) {
		if ((i == 0 ? w->out_at : w->err_at) >= 0)
			msgpack_pack_int64(pk, i == 0 ? w->out_at : w->err_at);
		else
			msgpack_pack_nil(pk);
		msgpack_pack_nil(pk);
	}
}

/*
 * A try that ended while the pool was stopping, killed with the run: its
 * exit status or signal.  Main, which no longer reads results then,
 * records the rest of its end ("killed: the run stopped").
 */
void
pool_ev_try_killed(struct pool *p, const struct pool_try *pt, int status)
{
	msgpack_packer	*pk;
	int		 i;

	if (p->mon == NULL)
		return;
	pk = monitor_event(p->mon, EV_TRY, 15);
	msgpack_pack_uint32(pk, pt->index);
	msgpack_pack_uint32(pk, pt->attempt);
	for (i = 0; i < 7; i++)
		msgpack_pack_nil(pk);
	if (WIFEXITED(status))
		msgpack_pack_int(pk, WEXITSTATUS(status));
	else
		msgpack_pack_nil(pk);
	if (WIFSIGNALED(status))
		msgpack_pack_int(pk, WTERMSIG(status));
	else
		msgpack_pack_nil(pk);
	for (i = 0; i < 4; i++)
		msgpack_pack_nil(pk);
}

/* A sample of a running try; its final row main writes (ev_try_end). */
static void
pool_ev_resource(struct pool *p, const struct pool_try *pt, pid_t pid,
    double when, double user, double sys, int64_t rss, int64_t vms,
    int64_t rd, int64_t wr, int64_t children, const char *st)
{
	msgpack_packer	*pk;

	if (p->mon == NULL)
		return;
	pk = monitor_event(p->mon, EV_RESOURCE, 16);
	msgpack_pack_uint32(pk, pt->index);
	msgpack_pack_uint32(pk, pt->attempt);
	msgpack_pack_double(pk, when);
	msgpack_pack_double(pk, p->interval);
	msgpack_pack_int64(pk, pid);
	msgpack_pack_double(pk, user);
	msgpack_pack_double(pk, sys);
	msgpack_pack_int64(pk, rss);
	msgpack_pack_int64(pk, vms);
	msgpack_pack_int64(pk, rd);
	msgpack_pack_int64(pk, wr);
	msgpack_pack_int64(pk, children);
	monitor_pack_str(pk, st);
	msgpack_pack_int(pk, 0);
	/* /proc/PID/stat has no context switches. */
	msgpack_pack_nil(pk);
	msgpack_pack_nil(pk);
}

void
pool_ev_block(struct pool *p, const char *status)
{
	msgpack_packer	*pk;

	/* A provider's block is the provider's to record (run-provider.c). */
	if (p->mon == NULL || (p->remote && strcmp(p->executor, "remote")))
		return;
	pk = monitor_event(p->mon, EV_BLOCK, 5);
	monitor_pack_str(pk, p->block);
	monitor_pack_str(pk, status);
	msgpack_pack_double(pk, db_now());
	msgpack_pack_int64(pk, getpid());
	monitor_pack_str(pk, p->executor);
}

void
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
	/* A remote pool's are what it said it has. */
	if (p->cpus > 0)
		msgpack_pack_int(pk, p->cpus);
	else
		msgpack_pack_long(pk, sysconf(_SC_NPROCESSORS_ONLN));
	if (p->memory > 0)
		msgpack_pack_int64(pk, p->memory);
	else
		msgpack_pack_uint64(pk, (uint64_t)si.totalram * si.mem_unit);
	msgpack_pack_int(pk, p->jobs);
	msgpack_pack_double(pk, db_now());
}

/* Every try running now: its process group and its record. */
static size_t
pool_running(struct pool *p, pid_t *groups, const struct pool_try **tries)
{
	size_t	 n = 0;
	int	 i;

	for (i = 0; i < p->jobs; i++) {
		if (p->slots[i].pid != 0) {
			groups[n] = p->slots[i].pid;
			tries[n++] = &p->slots[i].pt;
		}
		if (p->workers != NULL && p->workers[i].ncalls > 0 &&
		    p->workers[i].pid != 0) {
			groups[n] = p->workers[i].pid;
			tries[n++] = &p->workers[i].pt;
		}
	}
	return n;
}

/*
 * Samples every try that has run for at least the interval: CPU time,
 * memory and I/O summed over its process group, from one pass over /proc.
 */
void
pool_sample(struct pool *p)
{
	struct usage {
		double	 user, sys;
		int64_t	 rss, vms, rd, wr, procs;
		char	 state;
	}			*u;
	const struct pool_try	**tries;
	struct proc_walk	*w;
	struct proc_stat	 ps;
	char			 buf[2];
	long			 tck = sysconf(_SC_CLK_TCK);
	long			 page = sysconf(_SC_PAGESIZE);
	double			 now = db_now();
	pid_t			 pid, *groups;
	size_t			 i, ntry;
	int			 any = 0;

	groups = xcalloc(2 * p->jobs + 1, sizeof *groups);
	tries = xcalloc(2 * p->jobs + 1, sizeof *tries);
	ntry = pool_running(p, groups, tries);
	for (i = 0; i < ntry; i++)
		any |= now - tries[i]->began >= p->interval;
	if (!any || (w = proc_walk_open()) == NULL) {
		free(groups);
		free(tries);
		return;
	}
	u = xcalloc(ntry + 1, sizeof *u);
	while ((pid = proc_walk_next(w)) != 0) {
		if (proc_stat(pid, &ps) == -1)
			continue;
		for (i = 0; i < ntry; i++) {
			if (groups[i] != ps.pgrp)
				continue;
			u[i].user += (double)ps.utime / tck;
			u[i].sys += (double)ps.stime / tck;
			u[i].vms += ps.vsize;
			u[i].rss += ps.rss * page;
			u[i].procs++;
			if (pid == ps.pgrp)
				u[i].state = ps.state;
			proc_io(pid, &u[i].rd, &u[i].wr);
		}
	}
	proc_walk_close(w);
	for (i = 0; i < ntry; i++) {
		if (u[i].procs == 0 || now - tries[i]->began < p->interval)
			continue;
		buf[0] = u[i].state != 0 ? u[i].state : '?';
		buf[1] = '\0';
		pool_ev_resource(p, tries[i], groups[i], now, u[i].user,
		    u[i].sys, u[i].rss, u[i].vms, u[i].rd, u[i].wr,
		    u[i].procs - 1, buf);
	}
	free(u);
	free(groups);
	free(tries);
}

/*
 * The try rows of what started this turn and is still running; main
 * writes the whole row of a try that has ended already from its result.
 */
void
pool_tell_starts(struct pool *p)
{
	struct pool_try	*pt;
	int		 i, k;

	for (i = 0; i < p->jobs; i++) {
		for (k = 0; k < 2; k++) {
			if (k == 0 && p->slots[i].pid != 0)
				pt = &p->slots[i].pt;
			else if (k == 1 && p->workers != NULL &&
			    p->workers[i].ncalls > 0 && p->workers[i].pid != 0)
				pt = &p->workers[i].pt;
			else
				continue;
			if (pt->start_told)
				continue;
			if (k == 0)
				pool_ev_try_start(p, pt, p->slots[i].pid,
				    NULL);
			else
				pool_ev_try_start(p, pt, p->workers[i].pid,
				    &p->workers[i]);
			pt->start_told = 1;
		}
	}
}
