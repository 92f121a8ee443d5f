/*
 * cache.h: what the task cache (cache.c) and "weft cache"'s reading and
 * removing of its entries (cache-items.c) share.
 */

#ifndef CACHE_H
#define CACHE_H

enum cache_stmt {
	CS_GET, CS_PUT, CS_DELETE, CS_FILE_GET, CS_FILE_PUT, CS_NSTMTS
};

struct cache {
	char		*path;
	sqlite3		*db;
	sqlite3_stmt	*st[CS_NSTMTS];
	int		 in_tx;
	int64_t		 tx_began_ms;
	size_t		 tx_writes;
	int		 readonly;	/* a dry run: nothing is written */
	int		 failed;	/* writes went wrong: stop trying */
	int		 lock_fd;	/* cache.lock, held shared by a run */
	size_t		 written;
};

int		 cache_exec(sqlite3 *, const char *, char **);
char		*cache_column_text(sqlite3_stmt *, int);
struct cache	*cache_try_open(const char *, int, char **, int *);

#endif
