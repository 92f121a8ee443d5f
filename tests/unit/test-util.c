/*
 * test-util.c: the clocks and strict numbers of util.c: decimal numbers
 * with no slack, durations ("1m30s") both ways, ages ("7d"), sizes
 * ("10M") both ways, the monotonic and the wall clock.
 */

#include <errno.h>
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
test_ages(void **state)
{
	static const struct { const char *in; int64_t ms; } good[] = {
		{ "90s", 90000 }, { "7d", 604800000 }, { "1d12h", 129600000 },
		{ "0d1s", 1000 }, { "36500d", (int64_t)36500 * 86400000 },
		{ "720h", 2592000000 },
	};
	static const char *const bad[] = {
		"", "0d", "d", "1d5", "36501d", "-1d", "1d1d", "1.5d", "1h1d",
		"999999d", "x", "1d ", "0",
	};
	int64_t	 ms;
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof good / sizeof good[0]; i++) {
		ms = -1;
		assert_int_equal(parse_age(good[i].in, &ms), 0);
		assert_int_equal(ms, good[i].ms);
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (parse_age(bad[i], &ms) != -1)
			fail_msg("parse_age accepted '%s'", bad[i]);
	}
}

static void
test_sizes(void **state)
{
	static const struct { const char *in; int64_t n; } good[] = {
		{ "0", 0 }, { "500", 500 }, { "500K", 512000 },
		{ "10M", 10485760 }, { "1G", 1073741824 }, { "1g", 1073741824 },
		{ "2T", (int64_t)2 << 40 }, { "1048576T", (int64_t)1 << 60 },
	};
	static const char *const bad[] = {
		"", "K", "-1", "1.5M", "10MB", "10X", "1 K", " 1", "1048577T",
		"99999999999999999999", "1 ",
	};
	static const struct { int64_t n; const char *out; } shown[] = {
		{ 0, "0" }, { 1023, "1023" }, { 1536, "1.5K" },
		{ 12 * 1024 * 1024, "12M" }, { (int64_t)3 << 30, "3.0G" },
	};
	int64_t	 n;
	char	*s;
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof good / sizeof good[0]; i++) {
		n = -1;
		assert_int_equal(parse_size(good[i].in, &n), 0);
		assert_int_equal(n, good[i].n);
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (parse_size(bad[i], &n) != -1)
			fail_msg("parse_size accepted '%s'", bad[i]);
	}
	for (i = 0; i < sizeof shown / sizeof shown[0]; i++) {
		s = size_string(shown[i].n);
		assert_string_equal(s, shown[i].out);
		free(s);
	}
}

static void
test_timeout_min(void **state)
{
	(void)state;
	assert_int_equal(timeout_min(-1, -1), -1);
	assert_int_equal(timeout_min(-1, 5), 5);
	assert_int_equal(timeout_min(5, -1), 5);
	assert_int_equal(timeout_min(5, 3), 3);
	assert_int_equal(timeout_min(3, 5), 3);
	assert_int_equal(timeout_min(0, 5), 0);
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

/* Task id patterns: '*' and '?' special, '[' itself, UTF-8 whole. */
static void
test_id_glob_match(void **state)
{
	(void)state;
	assert_true(id_glob_match("qc[s=A]", "qc[s=A]"));
	assert_false(id_glob_match("qc[s=A]", "qc[s=A,l=1]"));
	assert_true(id_glob_match("qc[s=A,*]", "qc[s=A,l=1]"));
	assert_false(id_glob_match("qc[s=A,*]", "qc[s=AB,l=1]"));
	assert_true(id_glob_match("build[os=*,cc=gcc]",
	    "build[os=alpine,cc=gcc]"));
	assert_true(id_glob_match("t[x=?]", "t[x=\xc3\xbc]"));
	assert_false(id_glob_match("t[x=?]", "t[x=ab]"));
	assert_true(id_glob_match("*", ""));
	assert_true(id_glob_match("a**b", "ab"));
	assert_false(id_glob_match("[ab]", "a"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_id_glob_match),
		cmocka_unit_test(test_parse_number),
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_ages),
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_timeout_min),
		cmocka_unit_test(test_clocks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
