/*
 * test-dbtime.c: db_time (db.c), the text timestamps of the monitoring
 * database: the local date and time to the second, a dot and six digits
 * of microseconds, the same whichever second was formatted before (it
 * keeps the last second's text), and an empty string in a buffer too
 * small for it.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "weft.h"

/* What db_time must say, made the slow way. */
static void
expected(double t, char *buf, size_t len)
{
	struct tm	 tm;
	time_t		 s = (time_t)t;
	long		 us = (long)((t - (double)s) * 1e6);
	char		 base[32];

	localtime_r(&s, &tm);
	strftime(base, sizeof base, "%Y-%m-%d %H:%M:%S", &tm);
	snprintf(buf, len, "%s.%06ld", base, us);
}

static void
test_utc(void **state)
{
	char	 buf[40];

	(void)state;
	db_time(0.0, buf, sizeof buf);
	assert_string_equal(buf, "1970-01-01 00:00:00.000000");
	db_time(1700000000.25, buf, sizeof buf);
	assert_string_equal(buf, "2023-11-14 22:13:20.250000");
	/* The same second again, another fraction. */
	db_time(1700000000.0000075, buf, sizeof buf);
	assert_string_equal(buf, "2023-11-14 22:13:20.000007");
	db_time(1700000001.5, buf, sizeof buf);
	assert_string_equal(buf, "2023-11-14 22:13:21.500000");
	/* Back to an earlier second: not the kept one. */
	db_time(1700000000.999999, buf, sizeof buf);
	assert_string_equal(buf, "2023-11-14 22:13:20.999999");
}

static void
test_like_strftime(void **state)
{
	char	 buf[40], want[40];
	double	 t;
	int	 i;

	(void)state;
	/* Seconds in and out of order, over a year. */
	for (i = 0; i < 2000; i++) {
		t = 1700000000.0 + (double)((i * 7919) % 31536000) +
		    (double)(i % 1000) / 1000.0 + 0.0000004;
		db_time(t, buf, sizeof buf);
		expected(t, want, sizeof want);
		assert_string_equal(buf, want);
	}
}

static void
test_small_buffer(void **state)
{
	char	 buf[27];

	(void)state;
	/* 26 characters and the NUL fit exactly. */
	db_time(1700000000.25, buf, sizeof buf);
	assert_string_equal(buf, "2023-11-14 22:13:20.250000");
	memset(buf, 'x', sizeof buf);
	db_time(1700000000.25, buf, sizeof buf - 1);
	assert_string_equal(buf, "");
}

/*
 * A zone with daylight saving: the same text as strftime's.  A process's
 * zone never changes under db_time, which keeps the text of the last
 * second it formatted: one no test asks for comes first, so that nothing
 * formatted in UTC is kept.
 */
static void
test_zone_with_dst(void **state)
{
	char	 scratch[40];

	setenv("TZ", "America/New_York", 1);
	tzset();
	db_time(1.0, scratch, sizeof scratch);
	test_like_strftime(state);
	setenv("TZ", "UTC", 1);
	tzset();
	db_time(2.0, scratch, sizeof scratch);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utc),
		cmocka_unit_test(test_like_strftime),
		cmocka_unit_test(test_small_buffer),
		cmocka_unit_test(test_zone_with_dst),
	};

	setenv("TZ", "UTC", 1);
	tzset();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
