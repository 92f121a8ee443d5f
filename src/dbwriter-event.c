/*
 * dbwriter-event.c: how the database writer (dbwriter.c) applies one
 * event: its fields bound to the statement of its kind (dbwriter-sql.c),
 * and the rows of statuses, resource samples, tries, tasks and their ends
 * gathered DBW_ROWS to a statement.
 */

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "weft.h"
#include "proto.h"
#include "dbwriter.h"

/*
 * Per event kind: its fields after the kind (and the fewer that an event
 * of an older weft's spool may have, the rest then NULL), its
 * statement, the rows it waits with to go DBW_ROWS at a time (W_NONE:
 * it goes at once), which fields are epoch times (bit i: field i), and
 * which rows must go before it, or before its own rows (bit k: rows k,
 * which come before its own in enum dbw_waiting).  Field positions
 * follow enum event_kind in proto.h.
 */
#define W_NONE		W_NKINDS
#define W_ALL		((1u << W_NKINDS) - 1)
static const struct dbw_kind {
	uint32_t		 nfields, older[2];
	enum dbw_stmt		 stmt;
	enum dbw_waiting	 wait;
	uint32_t		 times;
	uint32_t		 after;
} dbw_kinds[EV_LAST + 1] = {
	[EV_WORKFLOW] = { 8, { 8, 8 }, ST_WORKFLOW, W_NONE, 1u << 0, 0 },
	[EV_WORKFLOW_END] = { 6, { 6, 6 }, ST_WORKFLOW_END, W_NONE, 1u << 0,
	    W_ALL },
	[EV_TASK] = { 17, { 13, 10 }, ST_TASK, W_TASK, 1u << 8, 0 },
	/* Fields: task, try, name, time; columns in that order. */
	[EV_STATUS] = { 4, { 4, 4 }, ST_STATUS, W_STATUS, 1u << 3, 0 },
	[EV_TASK_END] = { 11, { 10, 10 }, ST_TASK_END, W_TASK_END, 1u << 1,
	    1u << W_TASK },
	[EV_TRY] = { 19, { 15, 15 }, ST_TRY, W_TRY,
	    1u << 5 | 1u << 6 | 1u << 7, 0 },
	[EV_RESOURCE] = { 16, { 14, 14 }, ST_RESOURCE, W_RESOURCE, 1u << 2,
	    0 },
	[EV_BLOCK] = { 5, { 4, 4 }, ST_BLOCK, W_NONE, 1u << 2, 0 },
	[EV_NODE] = { 6, { 6, 6 }, ST_NODE, W_NONE, 1u << 5, 0 },
	[EV_WORKFLOW_LOST] = { 1, { 1, 1 }, ST_WORKFLOW_LOST, W_NONE, 1u << 0,
	    W_ALL },
	[EV_TASK_TEXT] = { 5, { 5, 5 }, ST_TASK_TEXT, W_NONE, 0,
	    1u << W_TASK | 1u << W_TASK_END },
};
/* The statement of DBW_ROWS rows of kind K. */
#define ROWS_STMT(k)	((enum dbw_stmt)(ST_STATUS_ROWS + dbw_kinds[k].wait))

/* Binds a msgpack field to parameter I, as its natural SQL type. */
static void
bind_obj(sqlite3_stmt *st, int i, const msgpack_object *o)
{
	switch (o->type) {
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
		sqlite3_bind_int64(st, i, (sqlite3_int64)o->via.u64);
		break;
	case MSGPACK_OBJECT_NEGATIVE_INTEGER:
		sqlite3_bind_int64(st, i, o->via.i64);
		break;
	case MSGPACK_OBJECT_FLOAT32:
	case MSGPACK_OBJECT_FLOAT64:
		sqlite3_bind_double(st, i, o->via.f64);
		break;
	case MSGPACK_OBJECT_STR:
		/* The batch outlives the statement's step. */
		sqlite3_bind_text(st, i, o->via.str.ptr, o->via.str.size,
		    SQLITE_STATIC);
		break;
	case MSGPACK_OBJECT_BOOLEAN:
		sqlite3_bind_int(st, i, o->via.boolean);
		break;
	default:
		sqlite3_bind_null(st, i);
		break;
	}
}

/* Binds an epoch time field as the database's text timestamp. */
static void
bind_time(sqlite3_stmt *st, int i, const msgpack_object *o)
{
	char	 buf[40];

	if (o->type != MSGPACK_OBJECT_FLOAT64 &&
	    o->type != MSGPACK_OBJECT_FLOAT32) {
		sqlite3_bind_null(st, i);
		return;
	}
	db_time(o->via.f64, buf, sizeof buf);
	sqlite3_bind_text(st, i, buf, -1, SQLITE_TRANSIENT);
}

/*
 * Whether a status name is one that ends a task (see ST_STATUS_FINAL):
 * one of DB_FINAL_STATUS's names, which test-db checks this agrees with.
 */
int
dbw_status_is_final(const msgpack_object *o)
{
	static const char *const final[] = {
		"exec_done", "failed", "dep_fail", "memo_done"
	};
	size_t	 i;

	if (o->type != MSGPACK_OBJECT_STR)
		return 0;
	for (i = 0; i < sizeof final / sizeof final[0]; i++) {
		if (o->via.str.size == strlen(final[i]) &&
		    memcmp(o->via.str.ptr, final[i], o->via.str.size) == 0)
			return 1;
	}
	return 0;
}

/*
 * Binds the N fields F of an event of KIND from parameter BASE on; fields
 * an older spool's event lacks are NULL.
 */
static void
bind_fields(sqlite3_stmt *st, int base, uint64_t kind,
    const msgpack_object *f, uint32_t n)
{
	uint32_t	 i, times = dbw_kinds[kind].times;

	for (i = 0; i < n; i++) {
		if (times & (1u << i))
			bind_time(st, base + i, &f[i]);
		else
			bind_obj(st, base + i, &f[i]);
	}
	for (i = n; i < dbw_kinds[kind].nfields; i++)
		sqlite3_bind_null(st, base + i);
}

/* Writes the rows waiting in R: DBW_ROWS in one statement, or one by one. */
static int
rows_flush_one(struct dbw *w, struct dbw_rows *r)
{
	sqlite3_stmt	*st;
	size_t		 j, count = r->count;
	int		 rc = 0;

	r->count = 0;
	if (count == DBW_ROWS) {
		st = dbw_st(w, ROWS_STMT(r->kind));
		sqlite3_bind_text(st, 1, w->run, -1, SQLITE_STATIC);
		for (j = 0; j < count; j++)
			bind_fields(st, 2 + j * dbw_kinds[r->kind].nfields,
			    r->kind, r->f[j], r->n[j]);
		if (dbw_step(w, ROWS_STMT(r->kind)) == -1)
			return -1;
		w->tx_rows += DBW_ROWS - 1;
		w->rows += DBW_ROWS - 1;
		return 0;
	}
	st = dbw_st(w, dbw_kinds[r->kind].stmt);
	for (j = 0; j < count && rc == 0; j++) {
		sqlite3_bind_text(st, 1, w->run, -1, SQLITE_STATIC);
		bind_fields(st, 2, r->kind, r->f[j], r->n[j]);
		rc = dbw_step(w, dbw_kinds[r->kind].stmt);
	}
	return rc;
}

/* Writes the rows of the kinds in MASK waiting; -1 if one could not be. */
static int
rows_flush_kinds(struct dbw *w, uint32_t mask)
{
	int	 k, rc = 0;

	for (k = 0; k < W_NKINDS; k++) {
		if ((mask & (1u << k)) &&
		    rows_flush_one(w, &w->waiting[k]) == -1)
			rc = -1;
	}
	return rc;
}

/* Writes every row waiting; -1 if one could not be. */
int
rows_flush(struct dbw *w)
{
	return rows_flush_kinds(w, W_ALL);
}

/* Forgets the rows waiting: their batch is being rolled back. */
void
rows_drop(struct dbw *w)
{
	int	 k;

	for (k = 0; k < W_NKINDS; k++)
		w->waiting[k].count = 0;
}

static int
rows_add(struct dbw *w, struct dbw_rows *r, const msgpack_object *f,
    uint32_t n)
{
	r->f[r->count] = f;
	r->n[r->count] = n;
	if (++r->count == DBW_ROWS)
		return rows_flush_kinds(w, dbw_kinds[r->kind].after |
		    1u << dbw_kinds[r->kind].wait);
	return 0;
}

int
dbw_step(struct dbw *w, enum dbw_stmt which)
{
	sqlite3_stmt	*st = dbw_st(w, which);
	int		 rc;

	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE) {
		w->full = db_full(w->db);
		log_warnx("database: %s", db_errmsg(w->db));
	}
	/* No clear_bindings: dbw_event binds every parameter each time. */
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return -1;
	w->tx_rows++;
	w->rows++;
	return 0;
}

/* Applies one event. */
int
dbw_event(struct dbw *w, const msgpack_object *ev)
{
	const msgpack_object	*f;
	sqlite3_stmt		*st;
	uint64_t		 kind;
	enum dbw_stmt		 which;
	uint32_t		 n;

	if (ev->type != MSGPACK_OBJECT_ARRAY || ev->via.array.size < 1 ||
	    msg_get_uint(&ev->via.array.ptr[0], &kind) == -1 ||
	    kind < EV_WORKFLOW || kind > EV_LAST ||
	    (ev->via.array.size - 1 != dbw_kinds[kind].nfields &&
	    ev->via.array.size - 1 != dbw_kinds[kind].older[0] &&
	    ev->via.array.size - 1 != dbw_kinds[kind].older[1])) {
		log_warnx("malformed event ignored");
		return 0;
	}
	f = ev->via.array.ptr + 1;
	n = ev->via.array.size - 1;
	which = dbw_kinds[kind].stmt;
	/* It reads the statuses. */
	if (which == ST_STATUS && w->settled && dbw_status_is_final(&f[2])) {
		which = ST_STATUS_FINAL;
		if (rows_flush(w) == -1)
			return -1;
	} else if (dbw_kinds[kind].wait != W_NONE)
		return rows_add(w, &w->waiting[dbw_kinds[kind].wait], f, n);
	if (rows_flush_kinds(w, dbw_kinds[kind].after) == -1)
		return -1;
	st = dbw_st(w, which);
	sqlite3_bind_text(st, 1, w->run, -1, SQLITE_STATIC);
	bind_fields(st, 2, kind, f, n);
	if (kind == EV_NODE)
		sqlite3_bind_int64(st, 8, getuid());
	if (dbw_step(w, which) == -1)
		return -1;
	/*
	 * The run's end: its tasks agree with their tries from now on.  When
	 * main is gone, its pools' last events may still come: settled again
	 * with each commit.
	 */
	if (kind == EV_WORKFLOW_LOST)
		w->lost = 1;
	if (kind == EV_WORKFLOW_END || kind == EV_WORKFLOW_LOST)
		w->settled = 1;
	if ((kind == EV_WORKFLOW_END || kind == EV_WORKFLOW_LOST) &&
	    (f[0].type == MSGPACK_OBJECT_FLOAT64 ||
	    f[0].type == MSGPACK_OBJECT_FLOAT32) &&
	    record_settle(w->db, w->run, f[0].via.f64,
	    kind == EV_WORKFLOW_LOST) == -1)
		return -1;
	return 0;
}

/* Sets up the waiting rows of each kind; statements wait for dbw_st. */
void
dbw_prepare(struct dbw *w)
{
	uint64_t	 kind;

	for (kind = EV_WORKFLOW; kind <= EV_LAST; kind++) {
		if (dbw_kinds[kind].wait == W_NONE)
			continue;
		w->waiting[dbw_kinds[kind].wait] =
		    (struct dbw_rows){ .kind = kind };
	}
}

/*
 * Statement WHICH, prepared at its first use: a small run needs few of
 * them (none of DBW_ROWS rows), and the writer starts while the run's
 * other processes do, on the same CPUs.
 */
sqlite3_stmt *
dbw_st(struct dbw *w, enum dbw_stmt which)
{
	uint64_t	 kind;
	char		*sql;

	if (w->st[which] != NULL)
		return w->st[which];
	if (which >= ST_STATUS_ROWS) {
		kind = w->waiting[which - ST_STATUS_ROWS].kind;
		sql = dbw_sql_rows(dbw_kinds[kind].stmt,
		    dbw_kinds[kind].nfields);
	} else
		sql = xstrdup(dbw_sql[which]);
	if (sqlite3_prepare_v3(w->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
	    &w->st[which], NULL) != SQLITE_OK)
		fatalx("database: %s", sqlite3_errmsg(w->db));
	free(sql);
	return w->st[which];
}
