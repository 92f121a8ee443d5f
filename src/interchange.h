/*
 * interchange.h: what the files of the "weft interchange" role share:
 * interchange.c (queues, dispatch, main and local pools),
 * interchange-fit.c (tasks that ask for resources, placed where they
 * fit) and interchange-remote.c (the tcp:// endpoint, its credentials,
 * pools that connect by themselves, and their monitoring).  Private to the role:
 * only interchange*.c include it, after weft.h and proto.h.
 */

#ifndef INTERCHANGE_H
#define INTERCHANGE_H

#define IX_LIFELINE_FD		3
#define IX_PREFETCH_WORK_US	50000	/* work queued ahead, per slot */
#define IX_PREFETCH_MAX		32	/* tasks queued ahead, per slot */
#define IX_PREFETCH_SAMPLES	8	/* results seen before prefetching */
#define IX_DRAIN_MS		1500	/* last events to the router */

/* Tasks a pool holds at most, per slot: one running, the rest ahead. */
#define IX_DEPTH		(1 + IX_PREFETCH_MAX)

#define IX_IDENT_MAX		64
#define IX_LEFT			"it is leaving"	/* MSG_LEAVING's loss */

/* What a task asks of the pool that runs it (resources:). */
struct ix_need {
	uint32_t	 cores;		/* 1 at least */
	uint32_t	 gpus;
	int64_t		 memory;	/* bytes; 0: none asked */
};

struct ix_task {
	uint32_t	 index;
	uint32_t	 attempt;
	char		*data;		/* the packed task, passed on as is;
					   NULL: dispatched */
	size_t		 len;
	struct ix_need	 need;
};

struct ix_try {
	uint32_t	 index;
	uint32_t	 attempt;
	struct ix_need	 need;		/* held while it runs */
};

struct ix_pool {
	char		 ident[IX_IDENT_MAX];
	size_t		 identlen;
	void		*sock;		/* where it is: ipc or tcp */
	int		 remote;	/* connected by itself, over tcp */
	int		 id;
	uint32_t	 slots;
	uint32_t	 outstanding;	/* sent, no result yet */
	struct ix_try	*tries;		/* those tries, IX_DEPTH * slots at
					   most */
	pid_t		 pid;
	struct heartbeat hb;		/* heard: a heartbeat, any word */
	int		 silent;	/* reported to main; no more tasks */
	unsigned long	 done;
	/* What a remote pool said of itself; a local one, its memory and
	   GPUs; and what its tries hold of them and of its slots. */
	char		 host[64];
	char		 block[32];
	int		 cpus;
	int		 gpus;
	int64_t		 memory;	/* bytes; 0: not known */
	struct ix_need	 used;
	/* Batch being built by ix_dispatch. */
	size_t		*batch;
	size_t		 nbatch;
};

/* A remote pool's monitoring, passed on to the router (and back). */
struct ix_relay {
	char		 ident[IX_IDENT_MAX];
	size_t		 identlen;
	void		*sock;		/* to the router, as IDENT */
	int		 pool;		/* its pool's number; -1: given up */
	struct ix	*ix;		/* for the loop's handler */
};

struct ix {
	const char	*run_name;
	void		*ctx;
	void		*main_sock;
	void		*pool_sock;
	int		 sigfd;
	struct evloop	*loop;

	struct ix_task	*queue;
	size_t		 qhead, qtail, qcap;

	struct ix_pool	*pools;
	size_t		 npools;

	struct monitor	*mon;		/* NULL: monitoring off */
	struct ctl	*ctl;
	unsigned long	 received, dispatched, done, requeued, lost;
	double		 avg_wall_us;	/* moving average of task wall time */
	int		 hb_period;
	int64_t		 checked_ms;	/* last look for silent pools */
	int		 fail_fast;	/* a failure holds dispatch... */
	int		 held;		/* ...until main says MSG_GO */
	struct heartbeat main_hb;	/* heard: main's last heartbeat */
	int		 stopping;	/* stop at the end of this turn */
	int		 turned;	/* a turn of the loop went by */
	size_t		 fit_end;	/* the window ix_dispatch_fit took */
	int		 strict;	/* a task asked for resources: each
					   is placed where it fits (no
					   prefetch; interchange-fit.c) */

	/* The tcp:// endpoint (interchange-remote.c); NULL: none. */
	void		*tcp_sock;
	void		*zap_sock;	/* ZAP handler: checks client keys */
	void		*events_sock;	/* tcp_sock's handshake failures */
	char		*url;		/* what pools connect to */
	struct curve_keys keys;
	unsigned long	 refused;	/* clients refused, all causes */
	int64_t		 refused_told_ms;
	int		 next_id;	/* the next remote pool's number */
	char	       **gone;		/* remote pools lost or left */
	size_t		 ngone;
	struct ix_relay	**relays;
	size_t		 nrelays;
	unsigned long	 remote_joined;
	/* What a remote pool is told (MSG_WELCOME). */
	const char	*workdir;
	char	       **plugins;
	size_t		 nplugins;
	int		 monitor;
};

/* interchange.c */
struct ix_pool	*ix_find_pool(struct ix *, const void *, size_t);
struct ix_pool	*ix_add_pool(struct ix *, void *, const void *, size_t);
void		 ix_drop_pool(struct ix *, struct ix_pool *);
void		 ix_ev_block(struct ix *, const struct ix_pool *,
		     const char *);
void		 ix_requeue(struct ix *, int64_t, int64_t,
		     const struct ix_pool *);
void		 ix_from_pools(struct ix *, void *);

/* interchange-fit.c */
void		 ix_dispatch_fit(struct ix *);
void		 ix_compact(struct ix *);
void		 ix_hold(struct ix_pool *, const struct ix_need *, int);

/* interchange-remote.c */
int		 ix_listen(struct ix *, const char *, int);
void		 ix_remote_hello(struct ix *, const void *, size_t,
		     const struct msg_in *);
int		 ix_remote_gone(struct ix *, const void *, size_t);
void		 ix_remote_lost(struct ix *, struct ix_pool *, const char *);
int		 ix_relay(struct ix *, const void *, size_t, zmq_msg_t *);
void		 ix_remote_stop_all(struct ix *, const char *);
void		 ix_remote_status(struct ix *, json_t *);
void		 ix_remote_close(struct ix *);

#endif /* INTERCHANGE_H */
