/*
 * cache.c: the task cache, .weft/cache/cache.db, which "weft run
 * --resume" reads to skip tasks that have already succeeded.
 *
 * Main records every task that succeeds under its key (see resume.c for
 * what goes into a key): the task's id, the fingerprints of its outputs
 * (size, modification time and inode, which say whether the file is still
 * the one the task made) and a function task's result value.  Each entry
 * carries a checksum of all of that, so an entry that was damaged, by a
 * crash half-way through a write or by hand, is found out and never
 * trusted.  A database SQLite itself cannot read is set aside whole and a
 * new one started: a cache is only ever a shortcut.
 *
 * The cache also remembers the content hashes of input files by their
 * fingerprint, so that an unchanged input is not read again in the next
 * run.
 *
 * Writes are grouped in a transaction that is committed when it holds
 * CACHE_TX_ENTRIES entries or is CACHE_TX_MS old (cache_due, cache_tick),
 * and by main before it sends the monitoring events of those tasks' ends
 * (cache_commit): a task the record shows done is in the cache, and SQLite's
 * WAL keeps every commit through a crash of any process.  A commit per
 * batch of results made main spend most of a function call's time in
 * SQLite.  Several runs may share the cache; SQLite serialises them.
 *
 * What "weft cache" does with it is in cache-items.c; the two share
 * cache.h.
 */

#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "weft.h"
#include "cache.h"

#define CACHE_SCHEMA_VERSION	2
#define CACHE_TX_ENTRIES	4096	/* commit after this many writes */
#define CACHE_TX_MS		100	/* or once it is this old */


/*
 * Entries are kept in the order of their task's id, not of their key: a
 * key is a hash, so a table in its order took each new entry at a random
 * page, and every commit rewrote pages all over the file.  A fan-out's
 * tasks, recorded in turn, land side by side.  The table's own order
 * finds a task's entries, so there is no index beside it: the one by
 * (task, recorded) that caches before had doubled the B-tree work and
 * the pages written of every entry.  An older weft that opens the cache
 * builds it again, and this one drops it again.
 */
/*
 * task is the id of the task that recorded it, key HASH_LEN bytes,
 * outputs JSON ([[path, size, mtime_ns, ino]...]), result a function
 * task's value, parts JSON of what the key was made of (for "weft run
 * -n --resume").
 */
#define ENTRY_COLUMNS							\
	"  task TEXT NOT NULL,"						\
	"  key BLOB NOT NULL,"						\
	"  outputs TEXT NOT NULL,"					\
	"  result TEXT,"						\
	"  run TEXT,"							\
	"  recorded REAL,"						\
	"  checksum BLOB NOT NULL,"					\
	"  parts TEXT,"							\
	"  PRIMARY KEY (task, key)) WITHOUT ROWID;"

static const char *cache_schema =
	"CREATE TABLE IF NOT EXISTS meta ("
	"  key TEXT PRIMARY KEY,"
	"  value TEXT);"
	"CREATE TABLE IF NOT EXISTS entry (" ENTRY_COLUMNS
	"DROP INDEX IF EXISTS entry_task;"
	"CREATE TABLE IF NOT EXISTS file ("
	"  path TEXT PRIMARY KEY,"	/* absolute */
	"  dev INTEGER, ino INTEGER, size INTEGER, mtime_ns INTEGER,"
	"  hash BLOB NOT NULL,"
	"  checksum BLOB NOT NULL) WITHOUT ROWID;";

static const char *cache_sql[CS_NSTMTS] = {
	[CS_GET] = "SELECT key, task, outputs, result, checksum FROM entry "
	    "WHERE task = ?2 AND key = ?1",
	[CS_PUT] = "INSERT OR REPLACE INTO entry (key, task, outputs, result, "
	    "run, recorded, checksum, parts) VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
	    "?7, ?8)",
	[CS_DELETE] = "DELETE FROM entry WHERE task = ?2 AND key = ?1",
	[CS_FILE_GET] = "SELECT dev, ino, size, mtime_ns, hash, checksum "
	    "FROM file WHERE path = ?1",
	[CS_FILE_PUT] = "INSERT OR REPLACE INTO file (path, dev, ino, size, "
	    "mtime_ns, hash, checksum) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
};

/* The checksum of an entry: every field, each with its length. */
static void
entry_checksum(const uint8_t *key, const char *task, const char *outputs,
    const char *result, uint8_t *out)
{
	struct hash	 h;

	hash_begin(&h);
	hash_add_str(&h, "weft-cache-entry-1");
	hash_add(&h, key, HASH_LEN);
	hash_add_str(&h, task);
	hash_add_str(&h, outputs);
	hash_add_str(&h, result);
	hash_end(&h, out);
}

static void
file_checksum(const char *path, const struct stat *st, const uint8_t *hash,
    uint8_t *out)
{
	struct hash	 h;
	int64_t		 v[4];

	v[0] = st->st_dev;
	v[1] = st->st_ino;
	v[2] = st->st_size;
	v[3] = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
	hash_begin(&h);
	hash_add_str(&h, "weft-cache-file-1");
	hash_add_str(&h, path);
	hash_add(&h, v, sizeof v);
	hash_add(&h, hash, HASH_LEN);
	hash_end(&h, out);
}

int
cache_exec(sqlite3 *db, const char *sql, char **errp)
{
	char	*msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK)
		return 0;
	if (errp != NULL)
		*errp = xstrdup(msg != NULL ? msg : sqlite3_errmsg(db));
	sqlite3_free(msg);
	return -1;
}

/*
 * Schema 1 kept entries in the order of their key: they move to a table
 * in the order of their task's id (ENTRY_COLUMNS), once, in one
 * transaction that a second run opening the cache waits for.
 */
static int
cache_rekey(sqlite3 *db, char **errp)
{
	sqlite3_stmt	*st;
	int		 old;

	if (cache_exec(db, "BEGIN IMMEDIATE;", errp) == -1)
		return -1;
	if (sqlite3_prepare_v2(db, "SELECT pk FROM pragma_table_info('entry') "
	    "WHERE name = 'task'", -1, &st, NULL) != SQLITE_OK) {
		*errp = xstrdup(sqlite3_errmsg(db));
		cache_exec(db, "ROLLBACK;", NULL);
		return -1;
	}
	old = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == 0;
	sqlite3_finalize(st);
	if (old && cache_exec(db, "CREATE TABLE entry_v2 (" ENTRY_COLUMNS
	    "INSERT OR REPLACE INTO entry_v2 (task, key, outputs, result, run, "
	    "recorded, checksum, parts) SELECT task, key, outputs, result, "
	    "run, recorded, checksum, parts FROM entry;"
	    "DROP TABLE entry;"
	    "ALTER TABLE entry_v2 RENAME TO entry;", errp) == -1) {
		cache_exec(db, "ROLLBACK;", NULL);
		return -1;
	}
	if (old)
		log_info("cache: entries moved to schema 2's order");
	return cache_exec(db, "COMMIT;", errp);
}

/*
 * A cache made before entries kept their parts gains the column (older
 * entries have none).  Older weft reads and writes the result as
 * before: the column is not in the checksum.
 */
static int
cache_migrate(sqlite3 *db, char **errp)
{
	sqlite3_stmt	*st;

	if (sqlite3_prepare_v2(db, "SELECT parts FROM entry", -1, &st,
	    NULL) != SQLITE_OK &&
	    cache_exec(db, "ALTER TABLE entry ADD COLUMN parts TEXT;",
	    errp) == -1)
		return -1;
	sqlite3_finalize(st);
	return cache_rekey(db, errp);
}

/* Whether an older weft's index of entries by task is there. */
static int
cache_has_task_index(sqlite3 *db)
{
	sqlite3_stmt	*st;
	int		 yes = 0;

	if (sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_master WHERE "
	    "type = 'index' AND name = 'entry_task'", -1, &st,
	    NULL) != SQLITE_OK)
		return 1;	/* then the schema is set up again */
	yes = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return yes;
}

/* Prepares C's statements; -1 (none kept) if one cannot be. */
static int
cache_prepare(struct cache *c)
{
	int	 i;

	for (i = 0; i < CS_NSTMTS; i++) {
		/* Writes name columns an older cache may lack. */
		if (c->readonly && (i == CS_PUT || i == CS_DELETE ||
		    i == CS_FILE_PUT))
			continue;
		if (sqlite3_prepare_v2(c->db, cache_sql[i], -1, &c->st[i],
		    NULL) != SQLITE_OK) {
			for (i = 0; i < CS_NSTMTS; i++) {
				sqlite3_finalize(c->st[i]);
				c->st[i] = NULL;
			}
			return -1;
		}
	}
	return 0;
}

/*
 * Opens and sets up one database file; NULL with *errp on failure, and
 * *fullp set if it failed for a full disk.  A read-only one must exist and
 * is not changed in any way.
 */
struct cache *
cache_try_open(const char *path, int readonly, char **errp, int *fullp)
{
	struct cache	*c;
	char		*sql;
	int		 i, v;

	c = xcalloc(1, sizeof *c);
	c->path = xstrdup(path);
	c->readonly = readonly;
	c->lock_fd = -1;
	if (sqlite3_open_v2(path, &c->db, readonly ? SQLITE_OPEN_READONLY :
	    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		*errp = xstrdup(c->db != NULL ? sqlite3_errmsg(c->db) :
		    "out of memory");
		goto fail;
	}
	sqlite3_busy_timeout(c->db, 10000);
	/*
	 * Closing would fold the WAL into the database, with two syncs, at
	 * the end of every run: the WAL keeps every commit just as well, and
	 * SQLite folds it in as it grows.
	 */
	sqlite3_db_config(c->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
	if (!readonly && (cache_exec(c->db, "PRAGMA journal_mode=WAL;"
	    "PRAGMA synchronous=NORMAL;", errp) == -1))
		goto fail;
	/*
	 * A cache of this schema, without an older weft's index, whose
	 * statements all prepare is ready as it is: no write at every run's
	 * start (and no wait for the write lock).
	 */
	if (!readonly &&
	    db_meta_version(c->db, "meta") == CACHE_SCHEMA_VERSION &&
	    !cache_has_task_index(c->db) && cache_prepare(c) == 0)
		return c;
	if (!readonly && (cache_exec(c->db, cache_schema, errp) == -1 ||
	    cache_migrate(c->db, errp) == -1))
		goto fail;
	if ((v = db_meta_version(c->db, "meta")) == -1) {
		*errp = xstrdup(sqlite3_errmsg(c->db));
		goto fail;
	}
	if (v > CACHE_SCHEMA_VERSION) {
		xasprintf(errp, "its schema version %d is newer than this "
		    "weft's (%d)", v, CACHE_SCHEMA_VERSION);
		goto fail;
	}
	if (!readonly) {
		sql = xprintf("INSERT OR REPLACE INTO meta VALUES "
		    "('schema_version', '%d');", CACHE_SCHEMA_VERSION);
		i = cache_exec(c->db, sql, errp);
		free(sql);
		if (i == -1)
			goto fail;
	}
	if (cache_prepare(c) == -1) {
		/* Read-only, a cache of only some tables is no cache. */
		*errp = xstrdup(sqlite3_errmsg(c->db));
		goto fail;
	}
	return c;
fail:
	*fullp = db_full(c->db);
	if (*fullp) {
		free(*errp);
		*errp = xstrdup(DISK_FULL);
	}
	cache_close(&c);
	return NULL;
}

/*
 * Takes DIR/cache.lock shared, as a run holds it while it has the cache
 * open; waits, saying so, while "weft cache" removes entries.  Returns
 * the descriptor, or -1 (with a line in the log) if there is no lock to
 * take: the run goes on, as it did before there was one.
 */
static int
cache_lock_shared(const char *dir)
{
	char	*path;
	int	 fd;

	path = xprintf("%s/cache.lock", dir);
	fd = open(path, O_RDWR|O_CREAT|O_CLOEXEC, 0644);
	if (fd == -1) {
		log_warn("cache: cannot open %s", path);
		free(path);
		return -1;
	}
	if (flock(fd, LOCK_SH|LOCK_NB) == -1 && errno == EWOULDBLOCK) {
		fprintf(stderr, "%s: waiting for the cache %s: weft cache "
		    "is removing entries\n", weft_prog, dir);
		while (flock(fd, LOCK_SH) == -1 && errno == EINTR)
			;
	}
	free(path);
	return fd;
}

/*
 * Opens BASE/cache/cache.db, creating it.  One that SQLite cannot use is
 * moved to cache.db.damaged (replacing an older one) and a new one made;
 * *warnp then says so (caller frees).  Returns NULL only if no cache can
 * be had at all, with the reason in *warnp.  READONLY (a dry run) opens
 * an existing cache and changes nothing, not even a damaged one.
 */
struct cache *
cache_open(const char *base, int readonly, char **warnp)
{
	struct cache	*c;
	char		*dir, *path, *aside, *err = NULL, *err2 = NULL;
	const char	*sfx[] = { "-wal", "-shm" };
	size_t		 i;
	int		 full = 0, lock_fd;

	*warnp = NULL;
	dir = xprintf("%s/cache", base);
	path = xprintf("%s/cache.db", dir);
	if (readonly) {
		if ((c = cache_try_open(path, 1, &err, &full)) == NULL)
			xasprintf(warnp, "%s: warning: the cache %s cannot "
			    "be read (%s); it is left as it is", weft_prog,
			    path, err);
		free(err);
		free(dir);
		free(path);
		return c;
	}
	if (mkdir_p(dir, 0755) == -1) {
		xasprintf(warnp, "%s: warning: cannot create %s: %s; no "
		    "task is cached", weft_prog, dir, weft_strerror(errno));
		free(dir);
		free(path);
		return NULL;
	}
	lock_fd = cache_lock_shared(dir);
	c = cache_try_open(path, 0, &err, &full);
	/* A full disk damages nothing: the cache is left as it is. */
	if (c == NULL && full) {
		xasprintf(warnp, "%s: warning: the cache %s cannot be "
		    "written: %s; no task is cached", weft_prog, path,
		    DISK_FULL);
		goto out;
	}
	if (c == NULL) {
		aside = xprintf("%s.damaged", path);
		if (rename(path, aside) == -1 && errno != ENOENT) {
			xasprintf(warnp, "%s: warning: the cache %s cannot "
			    "be used (%s) nor set aside (%s); no task is "
			    "cached", weft_prog, path, err, strerror(errno));
			free(aside);
			goto out;
		}
		for (i = 0; i < 2; i++) {
			free(aside);
			aside = xprintf("%s%s", path, sfx[i]);
			unlink(aside);
		}
		free(aside);
		if ((c = cache_try_open(path, 0, &err2, &full)) == NULL)
			xasprintf(warnp, "%s: warning: the cache %s cannot "
			    "be used (%s); no task is cached", weft_prog, path,
			    err2);
		else
			xasprintf(warnp, "%s: warning: the cache %s is "
			    "damaged (%s); set aside as cache.db.damaged, "
			    "starting a new one", weft_prog, path, err);
	}
out:
	if (c != NULL)
		c->lock_fd = lock_fd;
	else if (lock_fd != -1)
		close(lock_fd);
	free(err);
	free(err2);
	free(dir);
	free(path);
	return c;
}

void
cache_close(struct cache **cp)
{
	struct cache	*c = *cp;
	int		 i;

	if (c == NULL)
		return;
	cache_commit(c);
	for (i = 0; i < CS_NSTMTS; i++)
		sqlite3_finalize(c->st[i]);
	if (!c->readonly)
		db_wal_fold(c->db);
	sqlite3_close(c->db);
	if (c->lock_fd != -1)
		close(c->lock_fd);
	free(c->path);
	free(c);
	*cp = NULL;
}

static void
cache_failed(struct cache *c, const char *what)
{
	if (c->failed++ == 0) {
		fprintf(stderr, "%s: warning: cannot %s the cache %s: %s; "
		    "tasks that succeed from here on are not cached\n",
		    weft_prog, what, c->path, db_errmsg(c->db));
		log_warnx("cache: cannot %s: %s", what, db_errmsg(c->db));
	}
}

/* Commits what was written, now. */
void
cache_commit(struct cache *c)
{
	if (c == NULL || !c->in_tx)
		return;
	c->in_tx = 0;
	c->tx_writes = 0;
	if (cache_exec(c->db, "COMMIT;", NULL) == -1) {
		cache_failed(c, "write");
		/* A failed COMMIT may have rolled back already. */
		if (!sqlite3_get_autocommit(c->db))
			cache_exec(c->db, "ROLLBACK;", NULL);
	}
}

static int
cache_begin(struct cache *c)
{
	if (c->failed || c->readonly)
		return -1;
	if (c->in_tx)
		return 0;
	if (cache_exec(c->db, "BEGIN IMMEDIATE;", NULL) == -1) {
		cache_failed(c, "write");
		return -1;
	}
	c->in_tx = 1;
	c->tx_began_ms = mono_ms();
	return 0;
}

/* Milliseconds until the open transaction is due for its commit, or -1. */
int
cache_due(struct cache *c)
{
	int64_t	 d;

	if (c == NULL || !c->in_tx)
		return -1;
	if (c->tx_writes >= CACHE_TX_ENTRIES)
		return 0;
	d = c->tx_began_ms + CACHE_TX_MS - mono_ms();
	return d < 0 ? 0 : (int)d;
}

/* Commits the open transaction if it is due. */
void
cache_tick(struct cache *c)
{
	if (cache_due(c) == 0)
		cache_commit(c);
}

char *
cache_column_text(sqlite3_stmt *st, int i)
{
	const unsigned char	*s = sqlite3_column_text(st, i);

	return s != NULL ? xstrdup((const char *)s) : NULL;
}

/*
 * Looks KEY up for the task TASK.  Returns 1 with *e filled (caller frees
 * it with cache_entry_free), 0 if there is no entry or it was made by
 * another task, -1 if there is one but it is damaged; that one is
 * deleted, so that it is reported once.
 */
int
cache_lookup(struct cache *c, const uint8_t *key, const char *task,
    struct cache_entry *e)
{
	sqlite3_stmt	*st = c->st[CS_GET];
	uint8_t		 sum[HASH_LEN];
	int		 rc, ok, full;

	memset(e, 0, sizeof *e);
	sqlite3_bind_blob(st, 1, key, HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, task, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		/* A full disk is no damage: the entry is only not read. */
		full = rc != SQLITE_DONE && db_full(c->db);
		sqlite3_reset(st);
		return rc == SQLITE_DONE || full ? 0 : -1;
	}
	ok = sqlite3_column_type(st, 0) == SQLITE_BLOB &&
	    sqlite3_column_bytes(st, 0) == HASH_LEN &&
	    sqlite3_column_type(st, 1) == SQLITE_TEXT &&
	    sqlite3_column_type(st, 2) == SQLITE_TEXT &&
	    (sqlite3_column_type(st, 3) == SQLITE_TEXT ||
	    sqlite3_column_type(st, 3) == SQLITE_NULL) &&
	    sqlite3_column_type(st, 4) == SQLITE_BLOB &&
	    sqlite3_column_bytes(st, 4) == HASH_LEN;
	if (ok) {
		memcpy(e->key, key, HASH_LEN);
		e->task = cache_column_text(st, 1);
		e->outputs = cache_column_text(st, 2);
		e->result = cache_column_text(st, 3);
		entry_checksum(key, e->task, e->outputs, e->result, sum);
		ok = memcmp(sum, sqlite3_column_blob(st, 4), HASH_LEN) == 0;
	}
	sqlite3_reset(st);
	/*
	 * The key holds the task's id, so another task's entry under it
	 * would take a hash collision; even then its success is not this
	 * task's.
	 */
	if (ok && strcmp(e->task, task) != 0) {
		cache_entry_free(e);
		return 0;
	}
	if (ok)
		return 1;
	cache_entry_free(e);
	if (cache_begin(c) == 0) {
		st = c->st[CS_DELETE];
		sqlite3_bind_blob(st, 1, key, HASH_LEN, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, task, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			cache_failed(c, "write");
		sqlite3_reset(st);
	}
	return -1;
}

void
cache_entry_free(struct cache_entry *e)
{
	free(e->task);
	free(e->outputs);
	free(e->result);
	memset(e, 0, sizeof *e);
}

/* Records a task that succeeded, in the open transaction. */
void
cache_record(struct cache *c, const uint8_t *key, const char *task,
    const char *outputs, const char *result, const char *run,
    const char *parts)
{
	sqlite3_stmt	*st;
	uint8_t		 sum[HASH_LEN];

	if (c == NULL || cache_begin(c) == -1)
		return;
	entry_checksum(key, task, outputs, result, sum);
	st = c->st[CS_PUT];
	sqlite3_bind_blob(st, 1, key, HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, task, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, outputs, -1, SQLITE_STATIC);
	if (result != NULL)
		sqlite3_bind_text(st, 4, result, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 4);
	sqlite3_bind_text(st, 5, run, -1, SQLITE_STATIC);
	sqlite3_bind_double(st, 6, db_now());
	sqlite3_bind_blob(st, 7, sum, HASH_LEN, SQLITE_STATIC);
	if (parts != NULL)
		sqlite3_bind_text(st, 8, parts, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 8);
	if (sqlite3_step(st) != SQLITE_DONE)
		cache_failed(c, "write");
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	c->written++;
	c->tx_writes++;
}

/*
 * The parts of the newest entry recorded for the task TASK, into *PARTSP
 * (caller frees; NULL for an entry recorded without them).  Returns 1,
 * or 0 if there is none.
 */
int
cache_newest(struct cache *c, const char *task, char **partsp)
{
	sqlite3_stmt	*st;
	int		 rc;

	*partsp = NULL;
	/* A cache older than the column, opened read-only, has none. */
	if (c == NULL || (sqlite3_prepare_v2(c->db, "SELECT parts FROM entry "
	    "WHERE task = ?1 ORDER BY recorded DESC LIMIT 1", -1, &st,
	    NULL) != SQLITE_OK && sqlite3_prepare_v2(c->db, "SELECT NULL "
	    "FROM entry WHERE task = ?1 LIMIT 1", -1, &st, NULL) !=
	    SQLITE_OK))
		return 0;
	sqlite3_bind_text(st, 1, task, -1, SQLITE_STATIC);
	rc = sqlite3_step(st) == SQLITE_ROW;
	if (rc)
		*partsp = cache_column_text(st, 0);
	sqlite3_finalize(st);
	return rc;
}

/*
 * The content hash of the file at PATH (absolute) as it was when its
 * fingerprint was last ST; returns 0 and fills HASH, or -1 if unknown.
 */
int
cache_file_get(struct cache *c, const char *path, const struct stat *st,
    uint8_t *hash)
{
	sqlite3_stmt	*s;
	uint8_t		 sum[HASH_LEN];
	int		 rc = -1;

	if (c == NULL)
		return -1;
	s = c->st[CS_FILE_GET];
	sqlite3_bind_text(s, 1, path, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW &&
	    sqlite3_column_int64(s, 0) == (sqlite3_int64)st->st_dev &&
	    sqlite3_column_int64(s, 1) == (sqlite3_int64)st->st_ino &&
	    sqlite3_column_int64(s, 2) == (sqlite3_int64)st->st_size &&
	    sqlite3_column_int64(s, 3) == (sqlite3_int64)st->st_mtim.tv_sec *
	    1000000000 + st->st_mtim.tv_nsec &&
	    sqlite3_column_bytes(s, 4) == HASH_LEN &&
	    sqlite3_column_bytes(s, 5) == HASH_LEN) {
		memcpy(hash, sqlite3_column_blob(s, 4), HASH_LEN);
		file_checksum(path, st, hash, sum);
		if (memcmp(sum, sqlite3_column_blob(s, 5), HASH_LEN) == 0)
			rc = 0;
	}
	sqlite3_reset(s);
	return rc;
}

void
cache_file_put(struct cache *c, const char *path, const struct stat *st,
    const uint8_t *hash)
{
	sqlite3_stmt	*s;
	uint8_t		 sum[HASH_LEN];

	if (c == NULL || cache_begin(c) == -1)
		return;
	file_checksum(path, st, hash, sum);
	s = c->st[CS_FILE_PUT];
	sqlite3_bind_text(s, 1, path, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, st->st_dev);
	sqlite3_bind_int64(s, 3, st->st_ino);
	sqlite3_bind_int64(s, 4, st->st_size);
	sqlite3_bind_int64(s, 5, (sqlite3_int64)st->st_mtim.tv_sec *
	    1000000000 + st->st_mtim.tv_nsec);
	sqlite3_bind_blob(s, 6, hash, HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_blob(s, 7, sum, HASH_LEN, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_DONE)
		cache_failed(c, "write");
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	c->tx_writes++;
}
