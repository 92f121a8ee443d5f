/*
 * resume.h: what main's side of the task cache (resume.c) and its input
 * hasher (resume-hasher.c) share: the state of the cache's keys.  Private
 * to them; include it after weft.h and proto.h.
 */

#ifndef RESUME_H
#define RESUME_H

#include <sys/stat.h>

enum key_state {
	KEY_NONE,		/* not asked for yet */
	KEY_HASHING,		/* inputs at the hasher */
	KEY_DEPS,		/* waiting for the keys of dependencies */
	KEY_DONE,
	KEY_FAILED		/* an input could not be read */
};

struct rs_task {
	uint8_t		 state;		/* enum key_state */
	uint8_t		 decide;	/* main waits for the verdict */
	uint8_t		 record;	/* it succeeded: record once keyed */
	uint8_t		 corrupt_told;
	uint32_t	 hashes_due;	/* inputs still at the hasher */
	uint8_t		*input_hash;	/* HASH_LEN per input */
	uint8_t		*why;		/* def and text hashes, to record */
	struct task_text *text;		/* filled in, until the key is */
	char		*result;	/* to record */
	uint8_t		 key[HASH_LEN];
};

struct hasher_req {
	uint32_t	 task;
	uint32_t	 input;
};

struct resume {
	const struct workflow *wf;
	const struct dag *dag;
	struct cache	*cache;
	char		*run_name;
	char		*logpath;	/* the hasher's stderr */
	int		 resume;	/* skip what is cached */
	int		 dry_run;	/* hash here, write nothing */
	int		 why;		/* say why each task runs */
	struct rs_task	*t;
	uint8_t	       (*plugin_hash)[HASH_LEN];	/* per app */
	struct wf_kv	*env;		/* the workflow's, sorted by name */

	/* The batch being hashed, and the next one. */
	struct hasher_req *reqs, *next;
	size_t		 nreqs, nnext, cnext;
	size_t		 answered;
	pid_t		 pid;
	int		 fd;		/* its stdout */
	msgpack_unpacker u;
	int		 has_u;
	int		 failures;	/* hashers that died in a row */

	/* Verdicts for main, filled by resume_read. */
	struct rs_verdict *out;
	size_t		 nout, cout;
};

/* resume.c */
/* One input's hash, from the hasher or from right here. */
void		 input_hashed(struct resume *, uint32_t, uint32_t,
		     const struct stat *, const uint8_t *, int);

/* resume-hasher.c */
void		 queue_hash(struct resume *, uint32_t, uint32_t);

#endif /* RESUME_H */
