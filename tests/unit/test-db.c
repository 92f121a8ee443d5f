/*
 * test-db.c: the indexes of the monitoring database's status table
 * (db.c, schema version 7).  A new database and one brought up from
 * version 6 index the statuses by run alone and the final ones by run
 * and task; the writer's look for a late final status and record.c's
 * for a task's exec_done or failed status are searches of that partial
 * index, not scans of the run's statuses: its condition in db.c and
 * DB_FINAL_STATUS in weft.h must agree for that, and the writer's own
 * list of the final names must agree with both.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "weft.h"
#include "proto.h"
#include "dbwriter.h"

static char	 dir[] = "/tmp/weft-test-db.XXXXXX";
static char	 path[64];

/* The first column of the first row of SQL, as text ("" for none). */
static char *
one(sqlite3 *db, const char *sql)
{
	sqlite3_stmt	*st;
	char		*s = NULL;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL),
	    SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_text(st, 0) != NULL)
		s = xstrdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return s != NULL ? s : xstrdup("");
}

/* That the first column of SQL's first row is WANT. */
static void
expect_one(sqlite3 *db, const char *sql, const char *want)
{
	char	*s = one(db, sql);

	assert_string_equal(s, want);
	free(s);
}

/* The query plan of SQL, its lines joined by '|'. */
static char *
plan(sqlite3 *db, const char *sql)
{
	sqlite3_stmt	*st;
	char		*q, *s = xstrdup(""), *t;

	q = xprintf("EXPLAIN QUERY PLAN %s", sql);
	assert_int_equal(sqlite3_prepare_v2(db, q, -1, &st, NULL),
	    SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		t = xprintf("%s|%s", s, sqlite3_column_text(st, 3));
		free(s);
		s = t;
	}
	sqlite3_finalize(st);
	free(q);
	return s;
}

static sqlite3 *
open_writer(void)
{
	sqlite3	*db;
	char	*err = NULL;

	db = db_open(path, DB_WRITE, &err);
	if (db == NULL)
		fail_msg("db_open: %s", err);
	return db;
}

/* The indexes on status, and the version. */
static void
check_schema(sqlite3 *db)
{
	char	*s;

	s = one(db, "SELECT value FROM weft_meta WHERE key = "
	    "'schema_version'");
	assert_int_equal(atoi(s), DB_SCHEMA_VERSION);
	assert_int_equal(DB_SCHEMA_VERSION, 7);
	free(s);
	expect_one(db, "SELECT group_concat(name, ',') FROM (SELECT name "
	    "FROM sqlite_master WHERE type = 'index' AND tbl_name = "
	    "'status' ORDER BY name)", "status_final,status_run");
	expect_one(db, "SELECT group_concat(name, ',') FROM "
	    "pragma_index_info('status_run')", "run_id");
	expect_one(db, "SELECT group_concat(name, ',') FROM "
	    "pragma_index_info('status_final')", "run_id,task_id");
	s = one(db, "SELECT sql FROM sqlite_master WHERE name = "
	    "'status_final'");
	if (strstr(s, "WHERE " DB_FINAL_STATUS) == NULL)
		fail_msg("status_final is not on DB_FINAL_STATUS: %s", s);
	free(s);
}

/* The lookups of a task's final status search status_final. */
static void
check_lookups(sqlite3 *db)
{
	static const char *const record[] = {
		"SELECT 1 FROM status s WHERE s.run_id = ?1 AND "
		"s.task_id = ?2 AND s.task_status_name = 'exec_done'",
		"SELECT 1 FROM status s WHERE s.run_id = ?1 AND "
		"s.task_id = ?2 AND s.task_status_name = 'failed' AND "
		"s.try_id = ?3",
	};
	char	*p;
	size_t	 i;

	p = plan(db, dbw_sql[ST_STATUS_FINAL]);
	if (strstr(p, "USING INDEX status_final (run_id=? AND task_id=?)") ==
	    NULL)
		fail_msg("a late final status is looked for so: %s", p);
	free(p);
	for (i = 0; i < sizeof record / sizeof record[0]; i++) {
		p = plan(db, record[i]);
		if (strstr(p, "USING INDEX status_final") == NULL)
			fail_msg("%s: %s", record[i], p);
		free(p);
	}
	/* A run's statuses are found by run. */
	p = plan(db, "SELECT * FROM status WHERE run_id = '0001'");
	if (strstr(p, "USING INDEX status_run (run_id=?)") == NULL)
		fail_msg("a run's statuses are read so: %s", p);
	free(p);
}

static void
test_new(void **state)
{
	sqlite3	*db;

	(void)state;
	unlink(path);
	db = open_writer();
	check_schema(db);
	check_lookups(db);
	sqlite3_close(db);
}

/*
 * A database of version 6 (statuses indexed by run and task) gets the
 * new indexes and keeps its rows.
 */
static void
test_from_v6(void **state)
{
	sqlite3	*db;

	(void)state;
	unlink(path);
	db = open_writer();
	assert_int_equal(sqlite3_exec(db, "DROP INDEX status_final;"
	    "DROP INDEX status_run;"
	    "CREATE INDEX status_run ON status (run_id, task_id);"
	    "UPDATE weft_meta SET value = '6' WHERE key = 'schema_version';"
	    "INSERT INTO status VALUES (0, 'pending', 't0', '0001', NULL);"
	    "INSERT INTO status VALUES (0, 'exec_done', 't1', '0001', 0);"
	    "INSERT INTO status VALUES (1, 'failed', 't2', '0001', 0);",
	    NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	db = open_writer();
	check_schema(db);
	check_lookups(db);
	expect_one(db, "SELECT group_concat(task_status_name, ',') FROM "
	    "(SELECT task_status_name FROM status WHERE run_id = '0001' "
	    "ORDER BY rowid)", "pending,exec_done,failed");
	expect_one(db, "SELECT count(*) FROM status INDEXED BY status_final "
	    "WHERE run_id = '0001' AND task_id = 0 AND " DB_FINAL_STATUS,
	    "1");
	sqlite3_close(db);
}

/*
 * The writer tells a final status by name (dbw_status_is_final) where
 * SQL has DB_FINAL_STATUS: the two agree on every status weft writes,
 * on Parsl's two that weft does not (unsched, joining), and on near
 * misses.
 */
static void
test_final_names(void **state)
{
	static const char *const names[] = {
		"pending", "launched", "running", "running_ended",
		"fail_retryable", "exec_done", "failed", "dep_fail",
		"memo_done", "skipped", "unsched", "joining", "",
		"exec_don", "exec_done ", "FAILED",
	};
	msgpack_object	 o;
	sqlite3_stmt	*st;
	sqlite3		*db;
	size_t		 i;
	int		 sql, nfinal = 0;

	(void)state;
	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT " DB_FINAL_STATUS
	    " FROM (SELECT ?1 AS task_status_name)", -1, &st, NULL),
	    SQLITE_OK);
	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		sqlite3_bind_text(st, 1, names[i], -1, SQLITE_STATIC);
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		sql = sqlite3_column_int(st, 0);
		sqlite3_reset(st);
		memset(&o, 0, sizeof o);
		o.type = MSGPACK_OBJECT_STR;
		o.via.str.ptr = names[i];
		o.via.str.size = (uint32_t)strlen(names[i]);
		if (dbw_status_is_final(&o) != sql)
			fail_msg("'%s': DB_FINAL_STATUS says %d, the writer %d",
			    names[i], sql, dbw_status_is_final(&o));
		nfinal += sql;
	}
	/* exec_done, failed, dep_fail, memo_done. */
	assert_int_equal(nfinal, 4);
	o.type = MSGPACK_OBJECT_NIL;
	assert_int_equal(dbw_status_is_final(&o), 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
}

static int
setup(void **state)
{
	(void)state;
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(path, sizeof path, "%s/monitoring.db", dir);
	return 0;
}

static int
teardown(void **state)
{
	static const char *const files[] = { "", "-wal", "-shm" };
	char	*f;
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof files / sizeof files[0]; i++) {
		f = xprintf("%s%s", path, files[i]);
		unlink(f);
		free(f);
	}
	return rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new),
		cmocka_unit_test(test_from_v6),
		cmocka_unit_test(test_final_names),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
