/*
 * dbwriter.h: what the database writer (dbwriter.c) and its statements
 * (dbwriter-sql.c) share.
 */

#ifndef DBWRITER_H
#define DBWRITER_H

enum dbw_stmt {
	ST_WORKFLOW, ST_WORKFLOW_END, ST_TASK, ST_STATUS, ST_STATUS_FINAL,
	ST_TASK_END, ST_TRY,
	ST_RESOURCE, ST_BLOCK, ST_NODE, ST_WORKFLOW_LOST, ST_TASK_TEXT,
	ST_SENDER, ST_SPOOL,
	/* DBW_ROWS rows of ST_STATUS or ST_RESOURCE in one statement */
	ST_STATUS_ROWS, ST_RESOURCE_ROWS,
	ST_NSTMTS
};
#define DBW_ROWS	16

extern const char *const dbw_sql[ST_NSTMTS];
char	*dbw_sql_rows(enum dbw_stmt, unsigned);

#endif
