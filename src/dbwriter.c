/*
 * dbwriter.c: the "weft dbwriter" helper role, the only process that
 * writes the monitoring database.
 *
 * The router feeds it spooled batches with their spool offsets.  Batches
 * are applied in transactions that close when the writer has caught up
 * with the router, by count (DBW_TX_ROWS) or by age (DBW_TX_MS), whichever
 * comes first; then the committed spool offset goes back to the router.
 * The offset and, per sender, the last batch sequence
 * number applied are stored in the same transaction as the rows, so after
 * any death and restart (of this process, the router, or a sender that
 * sends again) every batch is applied exactly once: spool bytes out of
 * order are refused and the router sends again from the committed offset,
 * and a batch seen before is skipped.  A sender's batches can reach the
 * spool out of order (one lost in a dying router is sent again later), so
 * what was applied is kept as "every seq up to N, and these above it".
 * The statements are in dbwriter-sql.c.
 */

#include <sys/file.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>
#include <zmq.h>

#include "weft.h"
#include "proto.h"
#include "dbwriter.h"

#define DBW_LIFELINE_FD	3
#define DBW_TX_ROWS	20000	/* commit after this many rows */
#define DBW_TX_MS	100	/* or when the transaction is this old */
#define DBW_IDLE_MS	1000	/* orphaned and nothing heard: exit */
#define DBW_ORPHAN_MS	2500	/* orphaned: exit after this at most,
				   so nothing outlives main by 3 s */

static struct dbw_sender *
dbw_sender(struct dbw *w, const char *name, size_t len)
{
	struct dbw_sender	*s;
	size_t			 i;

	for (i = 0; i < w->nsenders; i++) {
		s = &w->senders[i];
		if (strlen(s->name) == len && memcmp(s->name, name, len) == 0)
			return s;
	}
	w->senders = xreallocarray(w->senders, w->nsenders + 1,
	    sizeof *w->senders);
	s = &w->senders[w->nsenders++];
	memset(s, 0, sizeof *s);
	s->name = xstrndup(name, len);
	return s;
}

/* Frees what dbw_prepare and dbw_load made; the database stays open. */
static void
dbw_release(struct dbw *w)
{
	size_t	 i;

	for (i = 0; i < ST_NSTMTS; i++)
		sqlite3_finalize(w->st[i]);
	for (i = 0; i < w->nsenders; i++) {
		free(w->senders[i].name);
		free(w->senders[i].now.above);
		free(w->senders[i].saved.above);
	}
	free(w->senders);
}

static void
dbw_load(struct dbw *w)
{
	sqlite3_stmt		*st;
	struct dbw_sender	*s;
	const char		*name;

	if (sqlite3_prepare_v2(w->db, "SELECT committed FROM weft_spool "
	    "WHERE run_id = ?1", -1, &st, NULL) != SQLITE_OK)
		fatalx("database: %s", sqlite3_errmsg(w->db));
	sqlite3_bind_text(st, 1, w->run, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		w->committed = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (sqlite3_prepare_v2(w->db, "SELECT sender, last_seq, applied_above "
	    "FROM weft_sender WHERE run_id = ?1", -1, &st, NULL) != SQLITE_OK)
		fatalx("database: %s", sqlite3_errmsg(w->db));
	sqlite3_bind_text(st, 1, w->run, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		name = (const char *)sqlite3_column_text(st, 0);
		s = dbw_sender(w, name, strlen(name));
		s->now.base = sqlite3_column_int64(st, 1);
		seqs_parse(&s->now,
		    (const char *)sqlite3_column_text(st, 2));
		seqs_copy(&s->saved, &s->now);
	}
	sqlite3_finalize(st);
	w->pending = w->committed;
	if (sqlite3_prepare_v2(w->db, "SELECT 1 FROM workflow WHERE "
	    "run_id = ?1 AND time_completed IS NOT NULL", -1, &st,
	    NULL) != SQLITE_OK)
		fatalx("database: %s", sqlite3_errmsg(w->db));
	sqlite3_bind_text(st, 1, w->run, -1, SQLITE_STATIC);
	w->settled = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
}

static void
dbw_reply(struct dbw *w, int hello)
{
	struct msg_out	 m;

	msg_begin(&m, MSG_COMMITTED, 2);
	msgpack_pack_uint64(&m.pk, w->committed);
	msgpack_pack_uint32(&m.pk, hello);
	if (msg_send(w->sock, NULL, 0, &m) == -1)
		log_debug("cannot reach the router: %s", zmq_strerror(errno));
}

static int
dbw_exec(struct dbw *w, const char *sql)
{
	if (sqlite3_exec(w->db, sql, NULL, NULL, NULL) != SQLITE_OK) {
		log_warnx("database: %s: %s", sql, sqlite3_errmsg(w->db));
		return -1;
	}
	return 0;
}

/*
 * The disk is full: the open transaction is rolled back (what was
 * committed stays), and the writer ends with EXIT_NOSPACE, which tells
 * main that the run cannot be recorded.  Trying again would only fail
 * again, over and over, while the run went on unrecorded.
 */
static __dead void
dbw_nospace(struct dbw *w)
{
	if (!sqlite3_get_autocommit(w->db))
		sqlite3_exec(w->db, "ROLLBACK", NULL, NULL, NULL);
	log_warnx("database %s: %s; committed up to offset %llu, stopping",
	    w->dbpath, DISK_FULL, (unsigned long long)w->committed);
	sqlite3_close_v2(w->db);
	exit(EXIT_NOSPACE);
}

/* Forgets the open transaction: the router will send it all again. */
static void
dbw_rollback(struct dbw *w)
{
	size_t	 i;

	if (w->full)
		dbw_nospace(w);
	/* A failed COMMIT may have rolled back already. */
	if (!sqlite3_get_autocommit(w->db))
		dbw_exec(w, "ROLLBACK");
	for (i = 0; i < w->nsenders; i++) {
		seqs_copy(&w->senders[i].now, &w->senders[i].saved);
		w->senders[i].dirty = 0;
	}
	w->pending = w->committed;
	w->in_tx = 0;
	w->failing = 1;
}

/*
 * Stores, in the open transaction, what has been applied: each sender's
 * batches and the spool offset.  Returns -1 on an error.
 */
static int
dbw_save(struct dbw *w)
{
	struct dbw_sender	*s;
	sqlite3_stmt		*st;
	char			*above;
	size_t			 i;
	int			 rc;

	for (i = 0; i < w->nsenders; i++) {
		s = &w->senders[i];
		if (!s->dirty)
			continue;
		st = dbw_st(w, ST_SENDER);
		above = seqs_text(&s->now);
		sqlite3_bind_text(st, 1, w->run, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, s->name, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, s->now.base);
		sqlite3_bind_text(st, 4, above, -1, SQLITE_TRANSIENT);
		rc = dbw_step(w, ST_SENDER);
		free(above);
		if (rc == -1)
			return -1;
	}
	if (w->lost && record_settle(w->db, w->run, db_now(), 1) == -1)
		return -1;
	st = dbw_st(w, ST_SPOOL);
	sqlite3_bind_text(st, 1, w->run, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, w->pending);
	return dbw_step(w, ST_SPOOL);
}

static void
dbw_commit(struct dbw *w)
{
	size_t	 i;

	if (!w->in_tx)
		return;
	if (dbw_save(w) == -1)
		goto fail;
	/* With a busy timeout, a competing writer only delays us. */
	while (sqlite3_exec(w->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		if (sqlite3_errcode(w->db) != SQLITE_BUSY) {
			w->full = db_full(w->db);
			log_warnx("database: commit: %s", db_errmsg(w->db));
			goto fail;
		}
	}
	for (i = 0; i < w->nsenders; i++) {
		if (w->senders[i].dirty)
			seqs_copy(&w->senders[i].saved, &w->senders[i].now);
		w->senders[i].dirty = 0;
	}
	log_debug("committed %zu rows up to offset %llu", w->tx_rows,
	    (unsigned long long)w->pending);
	w->committed = w->pending;
	w->in_tx = 0;
	w->commits++;
	if (w->failing)
		log_info("database writable again");
	w->failing = 0;
	dbw_reply(w, 0);
	return;
fail:
	dbw_rollback(w);
}

/* Applies one spooled MSG_EVENTS batch. */
static int
dbw_batch(struct dbw *w, const char *data, size_t len)
{
	struct msg_in		 m;
	struct dbw_sender	*s;
	const msgpack_object	*evs;
	uint64_t		 seq;
	uint32_t		 i;
	int			 rc = 0;

	if (msg_parse(&m, data, len) == -1)
		return 0;
	if (m.type != MSG_EVENTS || m.nfields != 3 ||
	    m.fields[0].type != MSGPACK_OBJECT_STR ||
	    msg_get_uint(&m.fields[1], &seq) == -1 ||
	    m.fields[2].type != MSGPACK_OBJECT_ARRAY) {
		log_warnx("malformed batch ignored");
		goto out;
	}
	s = dbw_sender(w, m.fields[0].via.str.ptr, m.fields[0].via.str.size);
	if (seqs_has(&s->now, seq)) {
		w->skipped++;
		goto out;
	}
	evs = &m.fields[2];
	for (i = 0; i < evs->via.array.size && rc == 0; i++)
		rc = dbw_event(w, &evs->via.array.ptr[i]);
	/* Rows waiting point into this batch. */
	if (rc == 0)
		rc = rows_flush(w);
	else
		rows_drop(w);
	seqs_add(&s->now, seq);
	s->dirty = 1;
	w->batches++;
out:
	msg_in_free(&m);
	return rc;
}

static void
dbw_spooled(struct dbw *w, const struct msg_in *m)
{
	const msgpack_object	*recs;
	uint64_t		 start, end;
	uint32_t		 i;

	if (m->nfields != 3 || msg_get_uint(&m->fields[0], &start) == -1 ||
	    m->fields[1].type != MSGPACK_OBJECT_ARRAY ||
	    msg_get_uint(&m->fields[2], &end) == -1) {
		log_warnx("malformed spool message ignored");
		return;
	}
	/* Only the very next bytes of the spool: the router will resend. */
	if (start != w->pending) {
		log_debug("spool from %llu refused, at %llu",
		    (unsigned long long)start, (unsigned long long)w->pending);
		return;
	}
	if (!w->in_tx) {
		if (dbw_exec(w, "BEGIN IMMEDIATE") == -1) {
			w->failing = 1;
			return;
		}
		w->in_tx = 1;
		w->tx_start_ms = mono_ms();
		w->tx_rows = 0;
	}
	recs = &m->fields[1];
	for (i = 0; i < recs->via.array.size; i++) {
		if (recs->via.array.ptr[i].type != MSGPACK_OBJECT_BIN)
			continue;
		if (dbw_batch(w, recs->via.array.ptr[i].via.bin.ptr,
		    recs->via.array.ptr[i].via.bin.size) == -1) {
			dbw_rollback(w);
			return;
		}
	}
	w->pending = end;
	if (w->tx_rows >= DBW_TX_ROWS ||
	    mono_ms() - w->tx_start_ms >= DBW_TX_MS)
		dbw_commit(w);
}

/* What the router sends; its goodbye ends the loop. */
static int
dbw_recv(struct evloop *loop, void *arg)
{
	struct dbw	*w = arg;
	struct msg_in	 m;
	zmq_msg_t	 zm;
	int		 bye = 0, rc;

	(void)loop;
	w->heard_ms = mono_ms();
	while ((rc = msg_recv(w->sock, &zm, &m, "the router")) != 0) {
		if (rc == -1)
			continue;
		if (m.type == MSG_SPOOLED)
			dbw_spooled(w, &m);
		else if (m.type == MSG_ROUTER_HELLO) {
			dbw_commit(w);
			dbw_reply(w, 1);
		} else if (m.type == MSG_BYE)
			bye = 1;
		msg_in_free(&m);
		zmq_msg_close(&zm);
	}
	/*
	 * Caught up with the router: what came is committed now, so that a
	 * reader sees a sparse event at once.  While the router has more,
	 * transactions grow up to DBW_TX_ROWS rows or DBW_TX_MS
	 * (dbw_spooled).
	 */
	dbw_commit(w);
	return bye ? -1 : 0;
}

/*
 * Main is gone, or done: the writer stays only a while longer, and the
 * lifeline is left out.
 */
static int
dbw_lifeline(struct evloop *loop, void *arg)
{
	struct dbw	*w = arg;

	log_info("lifeline closed");
	w->orphaned = 1;
	w->orphaned_at = mono_ms();
	evloop_remove(loop, w->lifeline);
	return 0;
}

/*
 * Between two polls (no transaction is open: dbw_recv commits what it
 * took): asks for the spool again after a failure; then sees whether an
 * orphaned writer is done, and how long the poll may wait.
 */
static int64_t
dbw_turn(struct evloop *loop, void *arg)
{
	struct dbw	*w = arg;
	int64_t		 now, timeout;

	if (w->failing && !w->in_tx)
		dbw_reply(w, 1);	/* ask for it all again */
	now = mono_ms();
	timeout = w->failing ? 1000 : -1;
	if (w->orphaned) {
		if (now - w->heard_ms >= DBW_IDLE_MS ||
		    now - w->orphaned_at >= DBW_ORPHAN_MS) {
			evloop_stop(loop);
			return -1;
		}
		if (timeout == -1 || timeout > 100)
			timeout = 100;
	}
	return timeout;
}

/* What "weft status" shows of the writer. */
static void
dbw_status_fill(json_t *stats, json_t *hb, void *arg)
{
	struct dbw	*w = arg;

	json_object_set_new(stats, "rows", json_integer(w->rows));
	json_object_set_new(stats, "batches", json_integer(w->batches));
	json_object_set_new(stats, "duplicates", json_integer(w->skipped));
	json_object_set_new(stats, "commits", json_integer(w->commits));
	json_object_set_new(stats, "committed_bytes",
	    json_integer(w->committed));
	json_object_set_new(stats, "in_transaction", json_boolean(w->in_tx));
	json_object_set_new(stats, "failing", json_boolean(w->failing));
	json_object_set_new(hb, "router", ctl_age(w->heard_ms));
}

int
dbwriter_main(int argc, char **argv)
{
	struct roleargs		 a;
	struct dbw		 w;
	struct evloop		*loop;
	const char		*dbpath;
	char			*err = NULL;
	int			 i, lockfd;

	/*
	 * One thread uses SQLite here: its mutexes and memory statistics
	 * were a tenth of this process's time.
	 */
	sqlite3_config(SQLITE_CONFIG_SINGLETHREAD);
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	memset(&w, 0, sizeof w);
	roleargs_get(ROLE_DBWRITER, argc, argv, &a);
	w.run = a.name != NULL ? a.name : "?";
	w.dbpath = dbpath = a.db;
	w.sigfd = helper_begin("dbwriter", a.run, a.verbose, 0);
	proctitle_set("weft: dbwriter run %s", w.run);
	/*
	 * Held for life, so that no other weft command finishes this run's
	 * record from its spool while we write it (see record.c).
	 */
	if ((lockfd = open("dbwriter.lock", O_RDWR|O_CREAT|O_CLOEXEC,
	    0600)) == -1 || flock(lockfd, LOCK_EX) == -1)
		fatal("dbwriter.lock");

	if ((w.db = db_open(dbpath, DB_WRITE, &err)) == NULL) {
		if (errno == ENOSPC) {
			log_warnx("%s", err);
			exit(EXIT_NOSPACE);
		}
		fatalx("%s", err);
	}
	dbw_prepare(&w);
	dbw_load(&w);

	if ((w.ctx = zmq_ctx_new()) == NULL)
		fatal("zmq_ctx_new");
	w.sock = zsock_open(w.ctx, ZMQ_DEALER, NULL);
	if (w.sock == NULL || zsock_connect(w.sock, "ipc://sock/dbwriter"))
		fatalx("cannot connect to the router: %s",
		    zmq_strerror(errno));
	dbw_reply(&w, 1);
	log_info("writer for run %s ready: %s, committed up to %llu", w.run,
	    dbpath, (unsigned long long)w.committed);

	w.ctl = ctl_open(w.ctx, "dbwriter", "dbwriter", dbw_status_fill, &w);

	/* In this order in a turn: the lifeline first, signals next. */
	loop = evloop_new();
	w.lifeline = evloop_fd(loop, DBW_LIFELINE_FD, dbw_lifeline, &w);
	evloop_signalfd(loop, w.sigfd);
	ctl_watch(w.ctl, loop);
	evloop_socket(loop, w.sock, dbw_recv, &w);
	evloop_prepare(loop, dbw_turn, &w);
	w.heard_ms = mono_ms();
	if (evloop_run(loop) == -1)
		fatal("zmq_poll");
	evloop_free(&loop);
	dbw_commit(&w);
	log_info("exiting: %lu rows in %lu batches, %lu commits, %lu "
	    "batches seen before", w.rows, w.batches, w.commits, w.skipped);
	ctl_close(&w.ctl);
	i = 200;
	zmq_setsockopt(w.sock, ZMQ_LINGER, &i, sizeof i);
	zmq_close(w.sock);
	zmq_ctx_term(w.ctx);
	dbw_release(&w);
	db_wal_fold(w.db);
	sqlite3_close(w.db);
	close(lockfd);
	return 0;
}

/*
 * Applies to DB, in the caller's transaction, what is left of run RUN's
 * spool (descriptor FD) past the offset the database has committed, as
 * the writer of the run would have: exactly once, whole records only.
 * For record.c, once nothing of the run is alive.  Returns the number of
 * batches applied, or -1 on an error of the database.
 */
int
dbwriter_import(sqlite3 *db, const char *run, int fd)
{
	struct dbw	 w;
	unsigned char	 hdr[4];
	char		*buf = NULL;
	uint32_t	 len;
	uint64_t	 off;
	int		 rc = 0;

	memset(&w, 0, sizeof w);
	w.run = run;
	w.db = db;
	dbw_prepare(&w);
	dbw_load(&w);
	for (off = w.committed; rc == 0; off += 4 + len) {
		if (pread(fd, hdr, 4, off) != 4)
			break;
		len = spool_length(hdr);
		if (len == 0 || len > SPOOL_RECORD_MAX)
			break;
		buf = xreallocarray(buf, len, 1);
		if (pread(fd, buf, len, off + 4) != (ssize_t)len)
			break;	/* torn by a killed router */
		if ((rc = dbw_batch(&w, buf, len)) == 0)
			w.pending = off + 4 + len;
	}
	if (rc == 0 && w.pending > w.committed)
		rc = dbw_save(&w);
	if (rc == 0)
		log_info("imported %lu batches of run %s's spool, up to %llu",
		    w.batches, run, (unsigned long long)w.pending);
	free(buf);
	dbw_release(&w);
	return rc == -1 ? -1 : (int)w.batches;
}
