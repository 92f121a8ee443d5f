/*
 * dbwriter.h: what the database writer (dbwriter.c), its statements
 * (dbwriter-sql.c) and its application of events (dbwriter-event.c)
 * share.
 */

#ifndef DBWRITER_H
#define DBWRITER_H

enum dbw_stmt {
	ST_WORKFLOW, ST_WORKFLOW_END, ST_TASK, ST_STATUS, ST_STATUS_FINAL,
	ST_TASK_END, ST_TRY,
	ST_RESOURCE, ST_BLOCK, ST_NODE, ST_WORKFLOW_LOST, ST_TASK_TEXT,
	ST_SENDER, ST_SPOOL,
	/* DBW_ROWS rows of ST_STATUS ... ST_TASK_END, as enum dbw_waiting */
	ST_STATUS_ROWS, ST_RESOURCE_ROWS, ST_TRY_ROWS, ST_TASK_ROWS,
	ST_TASK_END_ROWS,
	ST_NSTMTS
};
#define DBW_ROWS	16
/*
 * The kinds of row that wait to go DBW_ROWS at a time, in the order they
 * go when several do: a kind that must go before another comes first.
 */
enum dbw_waiting {
	W_STATUS, W_RESOURCE, W_TRY, W_TASK, W_TASK_END, W_NKINDS
};

extern const char *const dbw_sql[ST_NSTMTS];
char	*dbw_sql_rows(enum dbw_stmt, unsigned);

struct dbw_sender {
	char		*name;
	struct seqset	 now;		/* applied, maybe not yet committed */
	struct seqset	 saved;		/* committed */
	int		 dirty;
};

/*
 * Rows waiting to go DBW_ROWS at a time: statuses, resource samples,
 * tries, tasks and their ends.  Each kind goes in the order it came, before any
 * statement that reads or updates its table (a task's end, the final
 * status test, the settling).  They point into the batch being applied,
 * and all go before it is freed.
 */
struct dbw_rows {
	uint64_t		 kind;
	const msgpack_object	*f[DBW_ROWS];
	uint32_t		 n[DBW_ROWS];
	size_t			 count;
};

struct dbw {
	const char	*run;
	const char	*dbpath;
	sqlite3		*db;
	sqlite3_stmt	*st[ST_NSTMTS];
	struct dbw_rows	 waiting[W_NKINDS];
	void		*ctx;
	void		*sock;
	int		 sigfd;

	uint64_t	 committed;	/* spool offset in the database */
	uint64_t	 pending;	/* applied in the open transaction */
	int		 in_tx;
	int64_t		 tx_start_ms;
	size_t		 tx_rows;

	struct dbw_sender *senders;
	size_t		 nsenders;

	unsigned long	 rows, batches, skipped, commits;
	int		 failing;
	int		 lost;		/* main is gone: settle each commit */
	int		 settled;	/* the run's record has been settled */
	int		 full;		/* the last failure was a full disk */
	int64_t		 heard_ms;	/* last word from the router */
	int		 orphaned;	/* the lifeline closed */
	int64_t		 orphaned_at;
	int		 lifeline;	/* its id in the loop */
	struct ctl	*ctl;
};

/* dbwriter-event.c */
void	 dbw_prepare(struct dbw *);
sqlite3_stmt *dbw_st(struct dbw *, enum dbw_stmt);
int	 dbw_event(struct dbw *, const msgpack_object *);
int	 dbw_status_is_final(const msgpack_object *);
int	 dbw_step(struct dbw *, enum dbw_stmt);
int	 rows_flush(struct dbw *);
void	 rows_drop(struct dbw *);

#endif
