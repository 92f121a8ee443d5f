/*
 * test-util.c: the small shared modules: whole files (file.c), strict
 * numbers, durations and clocks (util.c), the queue array (fifo.c) and aligned
 * tables (table.c).
 */

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "weft.h"

/* A fresh directory under TMPDIR; removed by the caller with rm -r. */
static char *
scratch(void)
{
	const char	*tmp = getenv("TMPDIR");
	char		*dir;

	dir = xprintf("%s/weft-test-util.XXXXXX", tmp != NULL ? tmp : "/tmp");
	assert_non_null(mkdtemp(dir));
	return dir;
}

static char *
slurp(const char *path, size_t *len)
{
	char	*buf;
	int	 fd;

	fd = open(path, O_RDONLY);
	assert_true(fd != -1);
	buf = read_all(fd, len);
	assert_non_null(buf);
	close(fd);
	return buf;
}

static void
unlink_all(const char *dir, const char *const *names)
{
	char	*p;

	for (; *names != NULL; names++) {
		p = xprintf("%s/%s", dir, *names);
		unlink(p);
		rmdir(p);
		free(p);
	}
	rmdir(dir);
}

static void
test_files(void **state)
{
	static const char *const names[] = { "a/b/c", "a/b", "a", "f", "g",
		NULL };
	struct stat	 sb;
	char		*dir, *p, *q, *buf, big[200000];
	size_t		 len;

	(void)state;
	dir = scratch();
	p = xprintf("%s/a/b/c", dir);
	assert_int_equal(mkdir_p(p, 0700), 0);
	assert_int_equal(stat(p, &sb), 0);
	assert_true(S_ISDIR(sb.st_mode));
	assert_int_equal(sb.st_mode & 0777, 0700);
	/* Again: an existing directory is no error. */
	assert_int_equal(mkdir_p(p, 0700), 0);
	free(p);

	/* More than read_all's first buffer, with a NUL inside. */
	memset(big, 'x', sizeof big);
	big[100] = '\0';
	p = xprintf("%s/f", dir);
	assert_int_equal(write_file_atomic(p, big, sizeof big), 0);
	buf = slurp(p, &len);
	assert_int_equal(len, sizeof big);
	assert_memory_equal(buf, big, sizeof big);
	assert_int_equal(buf[len], '\0');
	free(buf);

	/* Rewritten whole, shorter; no temporary file is left. */
	assert_int_equal(write_file_atomic(p, "hello", 5), 0);
	buf = slurp(p, &len);
	assert_int_equal(len, 5);
	assert_string_equal(buf, "hello");
	free(buf);

	q = xprintf("%s/g", dir);
	assert_int_equal(copy_file(p, q), 0);
	buf = slurp(q, &len);
	assert_string_equal(buf, "hello");
	free(buf);
	free(q);

	/* A missing source or an unwritable target: -1 with errno. */
	q = xprintf("%s/missing", dir);
	errno = 0;
	assert_int_equal(copy_file(q, p), -1);
	assert_int_equal(errno, ENOENT);
	free(q);
	q = xprintf("%s/no/such/dir/f", dir);
	assert_int_equal(write_file_atomic(q, "x", 1), -1);
	assert_int_equal(errno, ENOENT);
	free(q);
	free(p);
	unlink_all(dir, names);
	assert_int_equal(access(dir, F_OK), -1);
	free(dir);
}

static void
test_parse_number(void **state)
{
	int	 v = -7;

	(void)state;
	assert_int_equal(parse_number("0", 0, 10, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(parse_number("10", 0, 10, &v), 0);
	assert_int_equal(v, 10);
	assert_int_equal(parse_number("11", 0, 10, &v), -1);
	assert_int_equal(parse_number("0", 1, 10, &v), -1);
	assert_int_equal(parse_number("", 0, 10, &v), -1);
	assert_int_equal(parse_number("-1", -5, 10, &v), -1);
	assert_int_equal(parse_number("+1", 0, 10, &v), -1);
	assert_int_equal(parse_number(" 1", 0, 10, &v), -1);
	assert_int_equal(parse_number("1 ", 0, 10, &v), -1);
	assert_int_equal(parse_number("1x", 0, 10, &v), -1);
	assert_int_equal(parse_number("99999999999999999999", 0, 10, &v),
	    -1);
	assert_int_equal(v, 10);
}

static void
test_durations(void **state)
{
	static const struct { const char *in; int64_t ms; } good[] = {
		{ "90", 90000 }, { "1h30m", 5400000 }, { "90s", 90000 },
		{ "250ms", 250 }, { "1m1s1ms", 61001 }, { "720h", 2592000000 },
	};
	static const char *const bad[] = {
		"", "0", "0s", "1x", "s", "1s1m", "1s1s", "-1s", "1.5s",
		"721h", "999999999", "1 s", "1s ",
	};
	static const struct { int64_t ms; const char *out; } shown[] = {
		{ 0, "0s" }, { 1500, "1s500ms" }, { 90000, "1m30s" },
		{ 3600000, "1h" }, { 3723004, "1h2m3s4ms" },
	};
	int64_t	 ms;
	char	*s;
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof good / sizeof good[0]; i++) {
		ms = -1;
		if (parse_duration(good[i].in, &ms) != 0 || ms != good[i].ms)
			fail_msg("'%s' gave %lld", good[i].in, (long long)ms);
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (parse_duration(bad[i], &ms) == 0)
			fail_msg("'%s' was accepted as %lld", bad[i],
			    (long long)ms);
	}
	for (i = 0; i < sizeof shown / sizeof shown[0]; i++) {
		s = duration_string(shown[i].ms);
		assert_string_equal(s, shown[i].out);
		/* What is shown reads back as the same duration. */
		if (shown[i].ms > 0) {
			assert_int_equal(parse_duration(s, &ms), 0);
			assert_int_equal(ms, shown[i].ms);
		}
		free(s);
	}
}

static void
test_clocks(void **state)
{
	int64_t	 a, b;
	double	 now;

	(void)state;
	a = mono_ms();
	usleep(20000);
	b = mono_ms();
	assert_true(b - a >= 20);
	assert_true(b - a < 5000);
	now = db_now();
	/* After 2020 and within a second of time(). */
	assert_true(now > 1577836800.0);
	assert_true(now - (double)time(NULL) > -1.0);
	assert_true(now - (double)time(NULL) < 1.0);
}

static void
test_fifo(void **state)
{
	int	*q = NULL;
	size_t	 head = 0, tail = 0, cap = 0, i;

	(void)state;
	for (i = 0; i < 5; i++) {
		q = fifo_room(q, &head, &tail, &cap, sizeof *q, 4);
		q[tail++] = (int)i;
	}
	assert_int_equal(cap, 8);
	/* Take three; the next adds fill the room, then the live move up. */
	head = 3;
	for (i = 5; i < 11; i++) {
		q = fifo_room(q, &head, &tail, &cap, sizeof *q, 4);
		q[tail++] = (int)i;
	}
	assert_int_equal(cap, 8);
	assert_int_equal(head, 0);
	assert_int_equal(tail, 8);
	for (i = 0; i < 8; i++)
		assert_int_equal(q[i], (int)i + 3);
	free(q);
}

static void
test_table(void **state)
{
	static const struct table_col cols[] = {
		{ "ID", 4, 0 },
		{ "N", 0, 1 },
		{ "NOTE", 0, 0 },
	};
	struct table	 t;
	char		*out = NULL;
	size_t		 len = 0;
	FILE		*f;

	(void)state;
	table_init(&t, cols, 3);
	table_cell(&t, "%s", "a");
	table_cell(&t, "%d", 7);
	table_cell(&t, "%s", "short");
	table_cell(&t, "%s", "caf\xc3\xa9s");
	table_cell(&t, "%d", 1234);
	table_cell(&t, "%s", "x");
	f = open_memstream(&out, &len);
	assert_non_null(f);
	table_print(&t, f);
	fclose(f);
	/* Widths: the widest cell, the title, the minimum; UTF-8 is one. */
	assert_string_equal(out,
	    "ID        N  NOTE\n"
	    "a         7  short\n"
	    "caf\xc3\xa9s  1234  x\n");
	free(out);
	table_free(&t);
	assert_null(t.cells);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_files),
		cmocka_unit_test(test_parse_number),
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_clocks),
		cmocka_unit_test(test_fifo),
		cmocka_unit_test(test_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
