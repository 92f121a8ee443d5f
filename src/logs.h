/*
 * logs.h: what the files of "weft logs" share: cmd-logs.c (the options,
 * the task and its try) and logs-print.c (printing a try's output, whole
 * or as it comes).  Private to them: included after weft.h.
 */

#ifndef LOGS_H
#define LOGS_H

#include <sqlite3.h>

#define LOGS_POLL_MS		100	/* --follow: files read this often */

enum { OUT = CAPTURE_OUT, ERR = CAPTURE_ERR };

struct logs {
	int		 streams;	/* bit OUT, bit ERR */
	long		 try_no;	/* --try N; -1: the last */
	int		 follow;
	int		 json;
	sqlite3		*db;
	char		*dbpath;
	char		 run[32];
	char		*rundir;	/* the run's folder, from its row */
	int64_t		 task;		/* task_id */
	char		*id;		/* weft_task_id */
	char		*app;
	char		*kind;		/* command or function */
	/* Partial lines of --both, so that marks start lines. */
	int		 at_line_start[2];
};

/* One try's logs as the try table has them. */
struct try_logs {
	long		 try_id;	/* -1: no try */
	char		*state;		/* NULL: still running */
	char		*path[2];
	int64_t		 off[2];	/* -1: from the start */
	int64_t		 len[2];	/* -1: to the end */
};

extern const char *const logs_stream_names[2];

/* cmd-logs.c */
void		 try_logs_free(struct try_logs *);
int		 read_try(struct logs *, long, struct try_logs *, char **);
int		 no_try(const struct logs *, const char *, long);

/* logs-print.c */
int		 show_try(struct logs *, const struct try_logs *);
int		 follow(struct logs *);

#endif /* LOGS_H */
