/*
 * pool.h: what the files of the "weft pool" role share: pool.c (setup,
 * the loop, the interchange), pool-try.c (one try), pool-workers.c (the
 * pool's side of its workers), pool-monitor.c (events and samples) and
 * pool-remote.c (a pool that connects by itself, over tcp://),
 * pool-resources.c (the cores and GPUs of its commands) and
 * pool-queue.c (its tasks and their queues).
 * The pool, its tasks and queues, its tries, its workers, and the
 * functions one of them calls in another.  Private to the pool: only
 * pool*.c include it, after weft.h and proto.h.
 */

#ifndef POOL_H
#define POOL_H

#include <time.h>

#define POOL_LIFELINE_FD	3
#define POOL_KILL_GRACE_MS	1000	/* stopping: SIGTERM, then SIGKILL */
#define POOL_HOLD_PERIODS	3	/* interchange silent: start nothing */
#define POOL_WALLTIME_GRACE_MS	2000	/* the same for a task past walltime */
#define POOL_DRAIN_MS		1500	/* last events to the router */
#define POOL_DRAIN_FAST_MS	500	/* the same when stopping a run */
#define POOL_TERM_HOLD_MS	500	/* a task SIGTERMed: the pool next? */
#define POOL_FLUSH_MS		10	/* results wait for company this long */
#define POOL_FLUSH_MAX		256	/* or until this many */
#define WORKER_DEPTH		64	/* calls a worker holds at once */
#define POOL_MAX_GPUS		64	/* devices a pool hands out */
#define WORKER_AHEAD_US		2000	/* work a worker holds, ahead */
#define POOL_READY_MS		10	/* a room verdict made ready holds */
#define WORKER_PREFETCH_US	10000	/* a second call only while shorter */
#define WORKER_PREFETCH_SAMPLES	8	/* calls seen before that */
#define WORKER_PREFETCH_BYTES	(16 * 1024)	/* and while they are small */
#define WORKER_MAX_FAILS	5	/* starts in a row dying before ready */
#define WORKER_RESTART_MS	50	/* first pause, doubled each time */
#define WORKER_READ_SIZE	(64 * 1024)
#define WORKER_MAX_BUFFER	(4 * 1024 * 1024)	/* one message */

struct pool_task {
	uint64_t	 seq;		/* arrival order */
	uint32_t	 index;
	uint32_t	 attempt;
	enum task_kind	 kind;
	int64_t		 walltime_ms;
	double		 launched;	/* by main, for the record */
	char		*id;
	char		*command;	/* commands */
	char		*packed;	/* functions: the task as it came */
	size_t		 packed_len;
	char	       **outputs;	/* as declared */
	size_t		 noutputs;
	char	       **env;		/* commands: "NAME=VALUE" of its own */
	size_t		 nenv;
	uint32_t	 cores;		/* what it asks: 1 core at least */
	uint32_t	 gpus;
};

/* A queue of tasks: head..tail of v. */
struct pool_queue {
	struct pool_task *v;
	size_t		 head, tail, cap;
};

/* A try: a command or a worker's call, for timing and the record. */
struct pool_try {
	char		*id;
	uint32_t	 index;
	uint32_t	 attempt;
	int64_t		 walltime_ms;
	struct timespec	 start;
	double		 launched;	/* by main */
	double		 began;		/* wall clock, for the record */
	int		 start_told;	/* its start is in the record */
	int64_t		 deadline_ms;	/* mono_ms; 0: no walltime */
	int		 timed_out;
	int64_t		 kill_at_ms;	/* SIGKILL due, once timed out */
	char	       **outputs;	/* the task's, moved here */
	size_t		 noutputs;
	char		*out_path;	/* a command's stdout and stderr */
	char		*err_path;
	uint32_t	 cores;		/* what it holds (pool-resources.c) */
	uint64_t	 gpu_mask;
};

/* One of a command's streams, from its pipe to its file. */
struct capture_stream {
	struct pool_capture *cap;	/* for the loop's handler */
	int		 which;		/* CAPTURE_OUT or CAPTURE_ERR */
	int		 pipe;		/* our end; -1: closed */
	int		 file;		/* -1: closed, or lost */
	int		 ev;		/* pipe's reader in the loop; 0: none */
	int		 eof;		/* the pipe's end was read */
	int		 lost;		/* its file failed: the rest goes */
	int		 held;		/* the command's end, held; -1 */
};

/* A command's stdout and stderr (pool-capture.c). */
struct pool_capture {
	struct pool	*pool;
	struct capture_stream s[2];
	int		 cur;		/* stream of the run going on; -1 */
	uint64_t	 run_len;	/* its bytes so far */
	int		 order;		/* the order file; -1: not made */
	char		*dir;		/* the try's folder */
	int		 error;		/* why output was lost; 0: none */
};

/*
 * The next command's start, made ready between two turns
 * (pool_ready_next): its try's folder, its pipes, and whether the disk
 * had room for that folder then.
 */
struct pool_ready {
	int		 made;
	uint64_t	 seq;		/* of the task it is for */
	int64_t		 made_ms;	/* mono_ms */
	char		*dir;		/* its try's folder */
	int		 room;		/* output_room's verdict: 0, ENOSPC */
	int		 ours[2], theirs[2];	/* capture_pipes' */
};

struct pool_slot {
	pid_t		 pid;		/* 0: free */
	struct pool_try	 pt;
	struct pool_capture cap;
};

enum worker_state {
	WS_STARTING,		/* spawned, not yet ready */
	WS_READY,
	WS_DOWN			/* dead: restart due, or given up */
};

struct pool_worker {
	int		 index;
	char		 name[32];	/* "worker-0.1" */
	enum worker_state state;
	pid_t		 pid;		/* 0: none */
	int		 fd;		/* our end of the socketpair; -1 */
	int		 ev;		/* fd's reader in the loop; 0: none */
	struct pool	*pool;		/* for the loop's handler */
	msgpack_unpacker u;
	int		 has_u;
	struct pool_task calls[WORKER_DEPTH];	/* sent; [0] runs */
	int		 ncalls;
	struct pool_try	 pt;		/* of calls[0] */
	const char	*kill_reason;	/* we killed it, and why */
	char		*fatal;		/* what it said when it gave up */
	int		 fails;		/* deaths before ready, in a row */
	int		 restarts;
	int64_t		 started_ms;	/* mono_ms of its spawn */
	int64_t		 restart_at;	/* mono_ms; 0: none due */
	int		 given_up;
	unsigned long	 done;
	int64_t		 out_at;	/* where calls[0]'s stdout begins */
	int64_t		 err_at;	/* and its stderr; -1: not known */
};

struct pool {
	int		 id;
	int		 jobs;
	const char	*run_name;
	const char	*rundir;
	const char	*workdir;
	void		*ctx;
	void		*sock;
	int		 sigfd;
	int		 lifeline;
	int		 verbose;
	struct evloop	*loop;
	int		 lifeline_ev;	/* its reader; 0: none */
	int		 signalled;	/* this turn: a signal came */
	int		 ix_readable;	/* this turn: the interchange wrote */
	int		 turned;	/* a turn of the loop went by */

	char	       **envp;		/* base environment + one free slot */
	size_t		 envn;		/* index of the free slot */
	size_t		 envown;	/* envp[envown..envn) are ours */

	struct pool_slot *slots;
	struct pool_ready ready;	/* the next command's start */
	struct pool_worker *workers;	/* jobs of them, or NULL */
	char	       **plugin_args;	/* --plugin options for workers */
	int64_t		 start_ms;	/* a worker's time to get ready */
	size_t		 nplugin_args;
	int		 busy;		/* slots in use: commands + calls */
	int		 shown_busy;

	struct pool_queue cmdq;		/* commands waiting for a slot */
	struct pool_queue fnq;		/* calls waiting for a worker */
	uint64_t	 seq;

	struct msg_result *results;	/* finished, not yet reported */
	size_t		 nresults, cresults;
	uint32_t	*started_list;	/* (index, attempt) pairs, unreported */
	size_t		 nstarted, cstarted;

	int		 stopping;
	int		 fail_fast;	/* a failure holds the queue... */
	int		 held;		/* ...until MSG_GO */
	int		 killing;	/* tasks were running when told to */
	int		 lost_ix;	/* stopped for want of heartbeats */
	int64_t		 kill_at_ms;	/* SIGKILL deadline when stopping */

	struct heartbeat ix_hb;		/* with the interchange */
	int		 ix_hold_told;	/* logged that it holds for it */

	struct monitor	*mon;		/* NULL: monitoring off */
	struct ctl	*ctl;
	char		 block[32];	/* this pool's number, as text, or
					   its provider's block */
	char		 host[256];
	char		 executor[32];	/* "local", or its provider's kind */
	double		 interval;	/* resource samples, seconds */
	int64_t		 sample_at_ms;
	unsigned long	 started, finished, calls_done;
	double		 avg_call_us;	/* moving average of call wall time */
	char		 stop_why[128];	/* why it stopped */
	int64_t		 hold_results_ms;	/* mono_ms: no results before */
	int64_t		 flush_since_ms;	/* the oldest unsent; 0: none */
	int		 exit_code;

	/* A pool that connected by itself (pool-remote.c). */
	int		 remote;
	const char	*url;		/* --connect */
	const char	*certs;		/* --certs */
	struct curve_keys keys;
	char		*run_own;	/* what the welcome said */
	char		*rundir_own;
	char		*workdir_own;
	int		 remote_monitor;
	int		 console;	/* the stderr it began with; -1 */
	int		 cpus;		/* what it has */
	int64_t		 memory;
	int		 ngpus;
	/* What its commands hold (pool-resources.c). */
	int		 cores_busy;
	uint64_t	 gpu_used;	/* bit i: device i is taken */
	char	       **gpu_names;	/* device i's, as CUDA names it */
};

/* pool-queue.c: tasks and their queues */
void		 strs_free(char **, size_t);
void		 task_free(struct pool_task *);
size_t		 queue_len(const struct pool_queue *);
struct pool_task *queue_head(struct pool_queue *);
void		 queue_push_front(struct pool_queue *, struct pool_task *);
void		 queue_pop(struct pool_queue *, struct pool_task *);
void		 queue_free(struct pool_queue *);
void		 pool_enqueue(struct pool *, const msgpack_object *,
		     const struct msg_task *);

/* pool-try.c: one try */
uint64_t	 since_us(const struct timespec *);
void		 try_free(struct pool_try *);
void		 outputs_remove(const struct pool *, char **, size_t);
struct msg_result *pool_new_result(struct pool *, const struct pool_try *,
		     enum try_outcome, char *, char *);
void		 try_begin(struct pool *, struct pool_try *, struct pool_task *,
		     pid_t, char *, char *);
char		*try_reason(const struct pool_try *, enum try_outcome, int,
		     const char *);
struct msg_result *try_end(struct pool *, struct pool_try *, pid_t,
		     enum try_outcome, int, char *, char *);
void		 pool_start(struct pool *, struct pool_task *,
		     struct pool_slot *);
void		 pool_ready_next(struct pool *);
void		 pool_ready_drop(struct pool *);
void		 command_ended(struct pool *, struct pool_slot *, int,
		     const struct rusage *);
int		 pool_deadlines(struct pool *);

/* pool-capture.c: a command's stdout and stderr */
int		 capture_pipes(int [2], int [2]);
void		 capture_pipes_close(int [2], int [2]);
void		 capture_open(struct pool_capture *, struct pool *,
		     const char *, int [2]);
void		 capture_watch(struct pool_capture *, int [2]);
int		 capture_end(struct pool_capture *, int);
void		 capture_fd_limit(int);

/* pool-workers.c: the workers */
void		 worker_spawn(struct pool *, struct pool_worker *);
void		 worker_watch(struct pool *, struct pool_worker *);
void		 worker_close(struct pool *, struct pool_worker *);
void		 worker_kill(struct pool_worker *, int, const char *);
void		 worker_send(struct pool *, struct pool_worker *,
		     struct pool_task *);
void		 worker_read(struct pool *, struct pool_worker *);
void		 worker_died(struct pool *, struct pool_worker *, int);
int		 workers_tick(struct pool *);
struct pool_worker *worker_idle(struct pool *);
void		 workers_prefetch(struct pool *);

/* pool-remote.c: a pool that connects by itself */
int		 pool_joins(int, char **);
void		 pool_join(struct pool *, const struct roleargs *);
void		 pool_leave(struct pool *, const char *);

/* pool-resources.c: cores and GPUs of commands */
void		 pool_gpus_init(struct pool *);
void		 pool_gpus_free(struct pool *);
int		 pool_fits(const struct pool *, const struct pool_task *);
void		 pool_take(struct pool *, struct pool_task *,
		     struct pool_try *);
void		 pool_release(struct pool *, struct pool_try *);

/* pool-monitor.c: events and samples */
void		 pool_ev_block(struct pool *, const char *);
void		 pool_ev_node(struct pool *);
void		 pool_sample(struct pool *);
void		 pool_tell_starts(struct pool *);
void		 pool_ev_try_killed(struct pool *, const struct pool_try *,
	    int);

#endif /* POOL_H */
