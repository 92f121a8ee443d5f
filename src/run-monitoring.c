/*
 * run-monitoring.c: main's side of monitoring's helpers, for "weft run".
 *
 * The router and the dbwriter are supervised with the other helpers
 * (run-supervise.c); what is theirs alone is here: a writer that makes no
 * progress, giving monitoring up, a full disk (the run stops, and the
 * helper that met it gets one more start to finish the record), and
 * finishing the record at the end of the run.
 */

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

/*
 * The router or the writer is given up: the run goes on.  Events still
 * have a place to go: the router's spool while it runs (a given-up
 * writer), else main appends its own to the spool itself; the next weft
 * command that opens the database writes them (record.c).
 */
void
give_up_monitoring(struct run *r, const char *why)
{
	if (r->mon_given_up)
		return;
	r->mon_given_up = 1;
	r->mon_incomplete = 1;
	progress_clear(r);
	fflush(stdout);
	fprintf(stderr, "%s: warning: %s; monitoring given up: run %s's "
	    "events are kept in its spool for a later weft command to "
	    "write\n", weft_prog, why, r->rd.name);
	log_warnx("monitoring given up: %s", why);
	if (!router_running(r) && monitor_spill(r->mon, "monitor.spool") == -1)
		monitor_disable(r->mon);
}

/*
 * The router says the database writer has had work and acknowledged none
 * of it for a heartbeat threshold.  A writer that is stopped, or that has
 * used no CPU since the router's previous word (stuck on a lock), is
 * killed like a silent pool, and restarted when it is reaped; the new one
 * takes over from the offset that is committed, so nothing is lost.  A
 * writer that is merely slow (a loaded machine) is left to work.
 */
void
restart_silent_writer(struct run *r)
{
	struct helper	*h;
	long long	 cpu;
	size_t		 i;
	char		 st = '?';

	if (!monitor_writer_silent(r->mon) || r->mon_given_up)
		return;
	for (i = 0; i < r->nhelpers; i++) {
		h = &r->helpers[i];
		if (h->role != H_DBWRITER || !h->alive)
			continue;
		cpu = proc_cpu_ticks(h->pid, &st);
		if (st != 'T' && st != 't' && (h->silent_cpu < 0 ||
		    cpu != h->silent_cpu)) {
			log_info("dbwriter (pid %ld) is slow but working; "
			    "left to it", (long)h->pid);
			h->silent_cpu = cpu;
			continue;
		}
		log_warnx("dbwriter (pid %ld) made no progress for %d "
		    "periods; killing it", (long)h->pid,
		    heartbeat_misses(&r->ix_hb));
		kill(h->pid, SIGKILL);
	}
}

/* CPU time of the writer, to see it work while main waits for it. */
static long long
writer_cpu(struct run *r)
{
	size_t	 i;

	for (i = 0; i < r->nhelpers; i++) {
		if (r->helpers[i].role == H_DBWRITER && r->helpers[i].alive)
			return proc_cpu_ticks(r->helpers[i].pid, NULL);
	}
	return -1;
}

/* Whether the router runs, or is about to again. */
int
router_running(struct run *r)
{
	size_t	 i;

	for (i = 0; i < r->nhelpers; i++) {
		if (r->helpers[i].role == H_ROUTER &&
		    (r->helpers[i].alive || r->helpers[i].restart_at != 0))
			return 1;
	}
	return 0;
}

/* Starts H once more, its last start, to finish the record. */
static void
restart_for_record(struct run *r, struct helper *h)
{
	h->nospace = 0;
	h->record_retry = 1;
	h->restart_at = elapsed_ms(&r->t0) + 1;
	log_info("starting %s again to finish the record", h->name);
}

/*
 * The router could not spool, or the dbwriter could not commit, because
 * the disk is full (they end with EXIT_NOSPACE once what they had is
 * committed): nothing more of the run can be recorded, so the run stops,
 * with exit 3, rather than go on unrecorded.  The helper is not started
 * again while the run stops (it would only meet the same full disk), but
 * once more to finish the record (retry_record); if that one meets a full
 * disk too, monitoring is given up.
 */
void
record_nospace(struct run *r, struct helper *h)
{
	size_t	 i;
	char	*path;

	path = h->role == H_ROUTER ? xprintf("%s/monitor.spool",
	    r->rd.path) : xstrdup(r->dbpath);
	progress_clear(r);
	fflush(stdout);
	if (!r->nospace)
		fprintf(stderr, "%s: cannot record run %s: %s: %s; %s\n",
		    weft_prog, r->rd.name, path, DISK_FULL, r->mon_finishing ?
		    "the record is incomplete" : "stopping the run");
	log_warnx("%s: %s: %s; run stopped", h->name, path, DISK_FULL);
	free(path);
	r->nospace = 1;
	r->mon_incomplete = 1;
	r->aborted |= !r->mon_finishing;
	if (!r->record_retried)
		h->nospace = 1;
	else if (!h->record_retry) {
		/*
		 * It met the full disk before the retry but ended after it
		 * (a router waits for the writer first): its one more start
		 * is now, and a router needs a writer, which may have ended
		 * on the full disk too.
		 */
		restart_for_record(r, h);
		for (i = 0; i < r->nhelpers && h->role == H_ROUTER; i++) {
			if (r->helpers[i].role == H_DBWRITER &&
			    !r->helpers[i].alive &&
			    r->helpers[i].restart_at == 0)
				restart_for_record(r, &r->helpers[i]);
		}
	} else if (!r->mon_given_up) {
		r->mon_given_up = 1;
		monitor_disable(r->mon);
	}
}

/*
 * Before the record is finished, a router or dbwriter that ended on a
 * full disk is started once more: the disk may have room again (the
 * run's tasks are gone), and then the run's end is recorded.
 */
void
retry_record(struct run *r)
{
	struct helper	*h;
	size_t		 i;

	r->record_retried = 1;
	for (i = 0; i < r->nhelpers; i++) {
		h = &r->helpers[i];
		if (!h->nospace || h->alive || r->mon_given_up)
			continue;
		restart_for_record(r, h);
	}
}

/*
 * Ends monitoring in order: main's last events reach the router, the
 * router is told to finish, and both it and the writer exit once the
 * whole spool is in the database.  A writer that stops making progress
 * meanwhile is restarted (restart_silent_writer).  Bounded in time; what
 * is not in the database then stays in the run's spool, with main's own
 * last events appended by main if the router did not take them, for the
 * next weft command that opens the database (record.c).
 */
void
finish_monitoring(struct run *r)
{
	struct timespec	 t0;
	int64_t		 left;
	long long	 cpu, now_cpu;
	size_t		 i;

	if (r->mon != NULL && router_running(r)) {
		monitor_flush(r->mon);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		while (monitor_pending(r->mon) > 0 && router_running(r)) {
			left = RUN_MON_DRAIN_MS - elapsed_ms(&t0);
			if (left <= 0 || r->hurry) {
				log_warnx("router did not take main's last "
				    "events");
				break;
			}
			pump_once(r, left);
		}
		r->mon_finishing = 1;
		monitor_control(r->mon, MSG_FINISH);
		log_info("waiting for the monitoring record to be written");
		clock_gettime(CLOCK_MONOTONIC, &t0);
		cpu = writer_cpu(r);
		while (helpers_alive(r, 1) > 0 && !r->mon_given_up) {
			/* The wait is bounded while the writer does nothing. */
			if ((now_cpu = writer_cpu(r)) != cpu) {
				cpu = now_cpu;
				clock_gettime(CLOCK_MONOTONIC, &t0);
			}
			left = RUN_MON_FINISH_MS - elapsed_ms(&t0);
			if (left <= 0 || r->hurry) {
				log_warnx("monitoring did not finish in time");
				break;
			}
			/* The writer ends a moment after the router. */
			if (r->router_gone_ms != 0 && !router_running(r)) {
				left = r->router_gone_ms + RUN_MON_WRITER_MS -
				    mono_ms();
				if (left <= 0)
					break;
			}
			pump_once(r, left < 1000 ? left : 1000);
		}
	}
	if (r->mon_lifeline[1] != -1) {
		close(r->mon_lifeline[1]);
		r->mon_lifeline[1] = -1;
	}
	/* No restarts from here on; a helper left gets TERM, then KILL. */
	r->mon_given_up = 1;
	for (i = 0; i < r->nhelpers; i++) {
		r->helpers[i].restart_at = 0;
		if (r->helpers[i].alive) {
			kill(r->helpers[i].pid, SIGTERM);
			r->helpers[i].killed = 1;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (helpers_alive(r, 1) > 0) {
		if (elapsed_ms(&t0) >= 1000) {
			for (i = 0; i < r->nhelpers; i++) {
				if (r->helpers[i].alive)
					kill(r->helpers[i].pid, SIGKILL);
			}
		}
		pump_once(r, 100);
	}
	if (r->mon == NULL)
		return;
	/* The router is gone: what it did not take, main spools itself. */
	if (monitor_pending(r->mon) > 0)
		monitor_spill(r->mon, "monitor.spool");
	r->mon_spool_left = access("monitor.spool", F_OK) == 0;
	r->mon_lost = monitor_lost(r->mon) + monitor_pending(r->mon);
	if (r->mon_spool_left || r->mon_lost > 0)
		r->mon_incomplete = 1;
	else if (r->mon_incomplete) {
		log_info("monitoring: the record is complete after all");
		r->mon_incomplete = 0;
	}
}
