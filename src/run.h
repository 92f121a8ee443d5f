/*
 * run.h: what "weft run" shares between cmd-run.c and its companions
 * run-options.c, run-sched.c, run-dispatch.c, run-supervise.c,
 * run-events.c, run-output.c, run-live.c, run-dry.c, run-remote.c,
 * run-provider.c and run-resources.c: the state of a run (struct run),
 * of its tasks and of its helpers.  Private to them; include it after
 * weft.h and proto.h.
 */

#ifndef RUN_H
#define RUN_H

#include <time.h>

#define RUN_BATCH_MAX		4096	/* tasks per message to interchange */
#define RUN_AHEAD_MIN		4096	/* sent and not started, at least */
#define RUN_STOP_GRACE_MS	3000	/* then helpers get SIGKILL */
#define RUN_STOP_FAST_MS	1800	/* the same when interrupted */
#define RUN_PROGRESS_MS		100	/* live view: at most one redraw */
#define RUN_REPORT_MS		10000	/* off a terminal: a progress line */
#define RUN_TAIL_LINES		20	/* of a failure's stderr, by default */
#define RUN_MON_DRAIN_MS	10000	/* main's own events to the router */
#define RUN_MON_FINISH_MS	120000	/* router and writer to finish */
#define RUN_MON_WRITER_MS	3000	/* the writer, once the router ended */
#define HELPER_MAX_RESTARTS	5	/* deaths in a row before giving up */
#define HELPER_RESTART_MS	50	/* first pause, doubled each time */
#define HELPER_STABLE_MS	30000	/* ran this long: a new row */
#define POOL_LOST_MAX		3	/* lost with more pools: it fails */
#define WORKER_LOST_MAX		3	/* the same with more workers */

enum task_state {
	TS_WAITING,		/* dependencies not yet done */
	TS_KEYING,		/* ready; resume.c is deciding */
	TS_SENT,		/* handed to the interchange */
	TS_RUNNING,		/* a pool has started it */
	TS_DONE,
	TS_FAILED,
	TS_DEP_FAIL,
	TS_KILLED,		/* running or queued when the run stopped */
	TS_NOT_RUN,		/* never started because the run stopped */
	TS_CACHED,		/* not run: its result is in the cache */
	TS_SKIPPED,		/* not run: its when: said no (why says so) */
	TS_NSTATES
};

enum helper_role {
	H_INTERCHANGE,
	H_POOL,
	H_ROUTER,
	H_DBWRITER
};

struct helper {
	char		 name[32];	/* "interchange", "pool-0" */
	enum helper_role role;
	int		 pool;		/* its number, for a pool */
	char	       **argv;		/* owned, NULL-terminated */
	int		 lifeline;	/* read end it gets as descriptor 3 */
	pid_t		 pid;
	long long	 start_ticks;	/* with pid, names the process */
	int		 alive;
	long long	 silent_cpu;	/* its CPU time when said silent */
	int		 killed;	/* main gave up waiting and killed it */
	int		 given_up;
	int		 restarts;	/* deaths in a row */
	int		 total_restarts;
	int64_t		 started_ms;	/* ms since start of the run */
	int64_t		 restart_at;	/* ms since start; 0: none due */
	int		 nospace;	/* hit a full disk: no restart */
	int		 record_retry;	/* started again for the record */
};

/* A pool that connected by itself, as the interchange told main. */
struct remote_pool {
	int		 id;
	pid_t		 pid;
	char		 host[64];
	char		 block[32];	/* its provider's, or its number */
	char		 executor[16];	/* its provider's kind, or "remote" */
	int		 slots;
	uint32_t	 tries;		/* it has now, as last heard */
	int		 gone;		/* not in the interchange's list */
};

struct task_run {
	uint32_t	 waiting;	/* dependencies not yet done */
	uint32_t	 attempt;
	int		 status;
	int		 spawn_errno;
	uint32_t	 cause;		/* dep_fail: the failed task */
	uint32_t	 fails;		/* failed tries */
	uint32_t	 lost;		/* tries lost with their pool */
	uint32_t	 wlost;		/* with a worker killed from outside */
	int32_t		 pool;		/* that ran its last try */
	int32_t		 worker;	/* of that pool, for a call; -1 */
	uint64_t	 wall_us;
	char		*why;		/* the last failed try's reason */
	double		 launched;	/* its last try, handed over */
	char		*result;	/* a function task's value, once done */
	int64_t		 running_ms;	/* its try started: ms since t0 */
	/* Flags last, packed: a run holds one of these for every task. */
	uint8_t		 state;
	uint8_t		 ran;		/* a try ended: status is that try's */
	uint8_t		 launch_told;	/* its "launched" status is sent */
	uint8_t		 started;	/* a try of it was started */
	uint8_t		 dep_failed;	/* a dependency failed */
	uint8_t		 allowed;	/* failed, and allowed to */
	uint8_t		 ahead;		/* sent, not yet started (nahead) */
	uint8_t		 text_told;	/* its text went with its task row */
};

enum ci_kind {
	CI_NONE,
	CI_GITHUB,		/* GITHUB_ACTIONS=true: annotations, groups */
	CI_GITLAB		/* GITLAB_CI=true: collapsible sections */
};

struct live;			/* run-live.c */

struct run {
	struct outlock	*outlock;	/* this run's claim on its outputs */
	struct workflow	*wf;
	struct dag	*dag;
	struct rundir	 rd;
	int		 jobs;
	int		 pools;
	int		 quiet;
	int		 verbose;
	int		 tty;

	void		*ctx;
	void		*sock;
	struct ctl	*ctl;
	char		*registry;	/* helpers.json */
	int		 sweep_orphans;	/* a pool died: kill what it left */
	struct heartbeat ix_hb;		/* with the interchange */
	char		*listen;	/* the interchange's --listen */
	char		*ix_url;	/* where pools connect; NULL: none */
	struct remote_pool *remotes;	/* pools that connected by themselves */
	struct provider	*prov;		/* slurm or ssh; NULL: local */
	int		 cap_cores;	/* the largest pool's; -1: unknown */
	int64_t		 cap_memory;
	int		 cap_gpus;
	const char	*cap_where;	/* "a pool on this host" */
	size_t		 nremotes;
	size_t		 requeued;
	int		 sigfd;
	int		 timerfd;
	int		 lifeline[2];
	int		 mon_lifeline[2];
	/* Endpoints main binds for its helpers (ipc_listen); -1: none. */
	int		 bound_pools;
	int		 bound_router[2];	/* sock/router, sock/dbwriter */
	char		*dbpath;
	struct monitor	*mon;		/* NULL: monitoring off */
	int		 mon_finishing;	/* router told to drain and end */
	int		 mon_given_up;
	int		 mon_incomplete;
	int		 mon_spool_left; /* the end: a spool not yet written */
	unsigned long	 mon_lost;	/* the end: batches that went nowhere */
	int		 hurry;		/* a third signal: stop writing */
	int		 nsignals;	/* SIGINT, SIGTERM, SIGHUP so far */
	int64_t		 router_gone_ms; /* it ended while finishing */
	int		 nospace;	/* the record hit a full disk */
	int		 record_retried; /* retry_record was called */
	int		 registry_full;	/* helpers.json hit one */
	int		 registry_stale; /* helpers.json behind the table */
	char		 hostname[256];

	struct helper	*helpers;
	size_t		 nhelpers;

	struct task_run	*tasks;
	/*
	 * Tasks to send, first in first out (a ring of ntasks), and how
	 * many sent ones no pool has started yet: main sends no more than
	 * dispatch_window() ahead, so that neither it nor the interchange
	 * holds a million packed tasks of a wide fan-out.
	 */
	uint32_t	*ready;
	size_t		 ready_head;
	size_t		 nready;
	size_t		 nahead;
	size_t		 nfinished;
	size_t		 nsent;		/* in flight: sent or running */
	size_t		 counts[TS_NSTATES];
	size_t		 nretried;
	size_t		 nallowed;	/* failed tasks allowed to fail */
	uint8_t		*selected;	/* targets and what they need; NULL:
					   every task (run-select.c) */
	size_t		 nselected;
	uint32_t	*ends;		/* tasks whose ending is being told */
	uint8_t		*end_hows;
	size_t		 nends;
	int		 telling;

	char	       **plugin_args;	/* --plugin NAME=ABSPATH, for pools */
	size_t		 nplugin_args;

	struct resume	*rs;		/* keys and the task cache */
	int		 resume;	/* --resume, or config.resume */
	int		 retries;	/* --retries, or -1 */
	int		 fail_fast;
	int		 failed_fast;	/* a task failed: stopping */

	int		 interrupted;
	int		 aborted;
	int		 tail;		/* --tail N: stderr lines; -1 unset */
	int		 color;		/* a terminal, and no NO_COLOR */
	enum ci_kind	 ci;
	struct live	*live;		/* NULL: no live view */
	int		 tick_ms;	/* the timerfd's period; 0: none */
	int64_t		 report_ms;	/* off a terminal: progress lines */
	int64_t		 reported_at;	/* the last one, ms since t0 */
	size_t		 reported_done;	/* and what was finished then */
	char		*newest_failure;
	struct timespec	 t0;
	double		 began;		/* wall clock, for the record */
	char		*report_path;	/* --report, absolute (run-report.c) */
	char		*junit_path;	/* --junit, absolute */
	int		 json;		/* --json */
	int		 json_fd;	/* the real stdout, for the document */
};

extern const char *state_names[TS_NSTATES];

/* Milliseconds since T0, on the monotonic clock. */
static inline int64_t
elapsed_ms(const struct timespec *t0)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec - t0->tv_sec) * 1000 +
	    (ts.tv_nsec - t0->tv_nsec) / 1000000;
}

/* run-select.c */
int		 run_select(struct run *, char **, size_t);
int		 run_selected(const struct run *, uint32_t);
int		 run_ready_at_start(const struct run *, uint32_t);

/* cmd-run.c */
void		 pump_once(struct run *r, int64_t timeout);

/* run-options.c */
int		 run_options(struct run *r, int argc, char **argv,
		     char **plugins, size_t *nplugins, char **sets,
		     size_t *nsets, const char **rundir_opt, int *jobs,
		     int *dry, int *resume, int *print);
int		 load_workflow(struct run *r, const char *file,
		     char **plugins, size_t nplugins, char **sets,
		     size_t nsets, int dry);

/* run-sched.c */
void		 run_set_state(struct run *r, uint32_t i, enum task_state st);
const char	*task_result(void *arg, uint32_t i);
void		 task_result_set(struct task_run *, char *);
void		 task_ready(struct run *r, uint32_t i);
void		 not_selected(struct run *r, uint32_t i);
void		 apply_verdicts(struct run *r);
char		*result_string(const struct task_run *tr);
void		 handle_result(struct run *r, const struct msg_result *res);
void		 handle_started(struct run *r, const msgpack_object *o);
void		 handle_requeue(struct run *r, const struct msg_in *m);
void		 reconcile_with_record(struct run *r);
void		 settle_unfinished(struct run *r);

/* run-dispatch.c */
void		 run_dispatch_task(struct run *r, uint32_t i);
void		 make_ready(struct run *r, uint32_t i);
/* A task's command or arguments as it runs now: results filled in. */
void		 task_text_now(struct run *, const struct task *,
		     struct task_text *);
void		 send_ready(struct run *r);

/* run-supervise.c */
void		 helpers_changed(struct run *r);
void		 publish_helpers(struct run *r);
int		 start_monitoring(struct run *r);
int		 start_helpers(struct run *r);
size_t		 helpers_alive(struct run *r, int monitoring);
int		 restart_due(struct run *r);
void		 pool_silent(struct run *r, const struct msg_in *m);
void		 reap_children(struct run *r, int running);
int		 sweep_orphans(struct run *r);
void		 stop_helpers(struct run *r);
int		 main_heartbeat(struct run *r);
void		 main_status_fill(json_t *stats, json_t *hb, void *arg);

/* run-monitoring.c */
void		 give_up_monitoring(struct run *r, const char *why);
void		 restart_silent_writer(struct run *r);
int		 router_running(struct run *r);
void		 record_nospace(struct run *r, struct helper *h);
void		 retry_record(struct run *r);
void		 finish_monitoring(struct run *r);

/* run-remote.c */
void		 remote_heartbeats(const struct workflow *wf);
int		 remote_setup(struct run *r, struct roleargs *a);
void		 remote_listening(struct run *r, const struct msg_in *m);
void		 remote_status(struct run *r, json_t *stats);
void		 remote_joined(struct run *r, const struct msg_in *m);
void		 remote_load(struct run *r, const struct msg_in *m);
const struct remote_pool *remote_find(const struct run *r, int id);

/* run-provider.c */
struct provider;
void		 provider_open(struct run *r);
int		 provider_tick(struct run *r);
void		 provider_joined(struct run *r, const char *name, int slots);
int		 provider_reaped(struct run *r, pid_t pid, int status);
int		 provider_child(const struct run *r, pid_t pid);
void		 provider_stop(struct run *r);
void		 provider_close(struct run *r);
json_t		*provider_json(struct run *r);

/* run-resources.c */
const struct wf_resources *task_resources(const struct task *t);
void		 resources_setup(struct run *r);
char		*resources_unmet(const struct run *r, const struct task *t);

/* run-events.c */
void		 ev_workflow(struct run *r);
void		 ev_tasks(struct run *r);
void		 ev_task_text(struct run *r, uint32_t i,
		     const struct task_text *tt);
void		 ev_launched(struct run *r, uint32_t i);
void		 ev_launch_told(struct run *r, uint32_t i);
void		 ev_task_end(struct run *r, uint32_t i, const char *status,
	    const char *state, const char *reason, const char *try_state);
void		 ev_try_end(struct run *r, const struct msg_result *res);
void		 ev_workflow_end(struct run *r, const char *state, int rc);

/* run-report.c */
int		 run_report_check(struct run *r);
int		 run_report_write(struct run *r);

/* run-dry.c */
/* What a dry run found for one task, and what it would run. */
struct dry_task {
	uint32_t	 task;
	int		 cached;
	char		*why;		/* with resume on: why it runs */
	struct task_text text;		/* with --print: command or call */
};
struct dry_plan {
	struct dry_task	*tasks;		/* by task index */
	size_t		 ntasks;
	size_t		 nrun;
	size_t		 nout;		/* not a target, nor needed by one */
	int		 resume;
};
int		 dry_run(struct run *r, const char *base, int print);

/* run-output.c */
void		 output_setup(struct run *r);
void		 output_free(struct run *r);
void		 progress_clear(struct run *r);
void		 progress_show(struct run *r);
void		 progress_flush(struct run *r);
void		 progress_resized(struct run *r);
void		 event_line(struct run *r, int always, const char *fmt, ...)
	    printflike(3, 4);
void		 event_failed(struct run *r, uint32_t i, const char *why,
		     const struct msg_result *res);
void		 progress_counts(struct run *r, char *buf, size_t len);
void		 progress_times(struct run *r, char *buf, size_t len);
void		 compact_duration(int64_t ms, char *buf, size_t len);
void		 print_summary(struct run *r);
char		*task_log_path(const struct run *r, uint32_t i, int err);

/* run-json.c */
int		 run_json_begin(struct run *r);
int		 run_json_write(struct run *r, const char *state, int rc);

/* run-live.c */
struct live	*live_new(void);
void		 live_free(struct live *lv);
int		 live_width(void);
void		 live_erase(struct run *r);
void		 live_draw(struct run *r, int force);
int		 live_shown(const struct live *lv);

#endif /* RUN_H */
