/*
 * run-provider.h: what run-provider.c (blocks and scaling) shares with
 * the providers that start blocks: run-slurm.c and run-ssh.c.  Private
 * to them; include it after run.h.
 */

#ifndef RUN_PROVIDER_H
#define RUN_PROVIDER_H

#define PROVIDER_CMD_MS		30000	/* sbatch, squeue, scancel at most */
#define PROVIDER_STOP_MS	30000	/* the end: jobs gone from the queue */
#define PROVIDER_SSH_GRACE_MS	5000	/* the end: ssh sessions end alone */

/* One block: a Slurm job, or a pool started over ssh on one host. */
struct block {
	char		 name[32];	/* "slurm-0", "ssh-1" */
	int		 index;
	char		 job[32];	/* Slurm's job id; ssh: its pid */
	char		 state[24];	/* PENDING, RUNNING, COMPLETED, ... */
	int		 ended;		/* in a final state */
	int		 cancelled;	/* weft cancelled it */
	int		 pools;		/* pools that joined from it */
	int		 slots;		/* theirs, or what it was asked for */
	int		 failed_told;	/* its failure is said */
	int64_t		 submitted_ms;	/* mono_ms */
	int64_t		 running_ms;	/* since when it runs; 0: not yet */
	int64_t		 idle_since;	/* mono_ms; 0: busy */
	char		*script;	/* slurm: the job script */
	char		*output;	/* its output file */
	pid_t		 pid;		/* ssh: the ssh client; 0: reaped */
	char		*host;		/* ssh: the host */
};

struct provider {
	int		 slurm;		/* else ssh */
	struct block	*blocks;
	size_t		 nblocks;
	int		 started;	/* the first blocks are submitted */
	int64_t		 poll_at;	/* mono_ms of the next look */
	int		 failures;	/* blocks that ended without a pool */
};

/* run-provider.c */
void		 block_state(struct run *r, struct block *b, const char *);
struct block	*block_new(struct run *r);
char		*block_pool_command(struct run *r, const struct block *b,
		     const char *certs);
char		*output_tail(const char *path);

/* run-slurm.c */
int		 slurm_submit(struct run *r, struct block *b);
void		 slurm_poll(struct run *r);
void		 slurm_cancel(struct run *r, struct block **, size_t);

/* run-ssh.c */
int		 ssh_start(struct run *r, struct block *b);
void		 ssh_cancel(struct run *r, struct block *b);

#endif /* RUN_PROVIDER_H */
