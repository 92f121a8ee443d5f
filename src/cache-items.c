/*
 * cache-items.c: the task cache (cache.c) as "weft cache" sees it: its
 * entries listed (cache_items) and removed (cache_forget,
 * cache_forget_all).  Removing is kept off a cache that runs use by an
 * flock on cache/cache.lock: every run holds it shared from cache_open
 * to cache_close, "weft cache prune" and "clear" take it exclusive
 * (cache_lock_exclusive) and give up when a run has it.
 */

#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <sqlite3.h>

#include "weft.h"
#include "cache.h"

/*
 * Takes BASE/cache/cache.lock exclusive, without waiting, for removing
 * entries.  Returns 0 with *fdp (the caller closes it; -1 when there is
 * no cache folder, so nothing to keep safe), 1 if a run holds it, or -1
 * with errno.
 */
int
cache_lock_exclusive(const char *base, int *fdp)
{
	struct stat	 st;
	char		*dir, *path;
	int		 fd, rc = 0;

	*fdp = -1;
	dir = xprintf("%s/cache", base);
	path = xprintf("%s/cache.lock", dir);
	if (stat(dir, &st) == -1 && errno == ENOENT)
		goto out;
	if ((fd = open(path, O_RDWR|O_CREAT|O_CLOEXEC, 0644)) == -1) {
		rc = -1;
		goto out;
	}
	if (flock(fd, LOCK_EX|LOCK_NB) == -1) {
		rc = errno == EWOULDBLOCK ? 1 : -1;
		close(fd);
		goto out;
	}
	*fdp = fd;
out:
	free(dir);
	free(path);
	return rc;
}

/*
 * Opens BASE/cache/cache.db if it exists, for "weft cache": read-only
 * for READONLY, else for removing entries.  Returns NULL with *errp NULL
 * when there is none, or with the reason in *errp (caller frees).
 */
struct cache *
cache_open_existing(const char *base, int readonly, char **errp)
{
	struct stat	 st;
	struct cache	*c = NULL;
	char		*path, *err = NULL;
	int		 full;

	*errp = NULL;
	path = xprintf("%s/cache/cache.db", base);
	if (stat(path, &st) == -1) {
		if (errno != ENOENT)
			xasprintf(errp, "%s: %s", path, weft_strerror(errno));
	} else if ((c = cache_try_open(path, readonly, &err, &full)) ==
	    NULL) {
		xasprintf(errp, "%s: %s", path, err);
		free(err);
	}
	free(path);
	return c;
}

/* What the outputs' fingerprints say: how many, and their bytes. */
static void
outputs_sizes(const char *outputs, struct cache_item *it)
{
	json_t	*a, *v;
	size_t	 i;

	if (outputs == NULL || (a = json_loads(outputs, 0, NULL)) == NULL)
		return;
	if (json_is_array(a)) {
		json_array_foreach(a, i, v) {
			it->noutputs++;
			if (json_is_integer(json_array_get(v, 1)) &&
			    json_integer_value(json_array_get(v, 1)) > 0)
				it->outputs_size += json_integer_value(
				    json_array_get(v, 1));
		}
	}
	json_decref(a);
}

/*
 * Every entry of the cache, oldest first (an entry with no time first of
 * all).  Returns 0 with *itemsp and *np (free with cache_items_free), or
 * -1 with the reason in *errp (caller frees).
 */
int
cache_items(struct cache *c, struct cache_item **itemsp, size_t *np,
    char **errp)
{
	struct cache_item	*items = NULL, *it;
	sqlite3_stmt		*st;
	size_t			 n = 0, cap = 0;
	int			 rc;

	*itemsp = NULL;
	*np = 0;
	if (sqlite3_prepare_v2(c->db, "SELECT key, task, run, recorded, "
	    "result, outputs FROM entry ORDER BY recorded IS NOT NULL, "
	    "recorded, task", -1, &st, NULL) != SQLITE_OK) {
		*errp = xstrdup(db_errmsg(c->db));
		return -1;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap == 0 ? 64 : cap * 2;
			items = xreallocarray(items, cap, sizeof *items);
		}
		it = &items[n++];
		memset(it, 0, sizeof *it);
		if (sqlite3_column_bytes(st, 0) == HASH_LEN)
			memcpy(it->key, sqlite3_column_blob(st, 0), HASH_LEN);
		it->task = cache_column_text(st, 1);
		it->run = cache_column_text(st, 2);
		if (sqlite3_column_type(st, 3) != SQLITE_NULL) {
			it->recorded = sqlite3_column_double(st, 3);
			it->has_recorded = 1;
		}
		if (sqlite3_column_type(st, 4) != SQLITE_NULL)
			it->result_size = sqlite3_column_bytes(st, 4);
		outputs_sizes((const char *)sqlite3_column_text(st, 5), it);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		*errp = xstrdup(db_errmsg(c->db));
		cache_items_free(items, n);
		return -1;
	}
	*itemsp = items;
	*np = n;
	return 0;
}

void
cache_items_free(struct cache_item *items, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		free(items[i].task);
		free(items[i].run);
	}
	free(items);
}

/*
 * After entries are gone, the file gives their room back: the WAL is
 * folded in and the database rewritten.  Failing that is no error.
 */
static void
cache_shrink(struct cache *c)
{
	cache_exec(c->db, "PRAGMA wal_checkpoint(TRUNCATE);", NULL);
	cache_exec(c->db, "VACUUM;", NULL);
	cache_exec(c->db, "PRAGMA wal_checkpoint(TRUNCATE);", NULL);
}

/*
 * Removes the entries of ITEMS whose GONE flag is set, in one
 * transaction.  Returns 0, or -1 with the reason in *errp (nothing is
 * removed then).
 */
int
cache_forget(struct cache *c, const struct cache_item *items, size_t n,
    char **errp)
{
	sqlite3_stmt	*st = c->st[CS_DELETE];
	size_t		 i;

	if (cache_exec(c->db, "BEGIN IMMEDIATE;", errp) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		if (!items[i].gone)
			continue;
		sqlite3_bind_blob(st, 1, items[i].key, HASH_LEN,
		    SQLITE_STATIC);
		sqlite3_bind_text(st, 2, items[i].task, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE) {
			*errp = xstrdup(db_errmsg(c->db));
			sqlite3_reset(st);
			cache_exec(c->db, "ROLLBACK;", NULL);
			return -1;
		}
		sqlite3_reset(st);
	}
	if (cache_exec(c->db, "COMMIT;", errp) == -1) {
		if (!sqlite3_get_autocommit(c->db))
			cache_exec(c->db, "ROLLBACK;", NULL);
		return -1;
	}
	cache_shrink(c);
	return 0;
}

/*
 * Removes every entry, and the content hashes of input files too, so
 * that the next run reads every input again.  Returns 0, or -1 with the
 * reason in *errp.
 */
int
cache_forget_all(struct cache *c, char **errp)
{
	if (cache_exec(c->db, "BEGIN IMMEDIATE; DELETE FROM entry; "
	    "DELETE FROM file; COMMIT;", errp) == -1) {
		if (!sqlite3_get_autocommit(c->db))
			cache_exec(c->db, "ROLLBACK;", NULL);
		return -1;
	}
	cache_shrink(c);
	return 0;
}
