/*
 * test-capture.c: the order file of a command's try (capture.c): runs
 * written one a line are read back in order, a missing file is no runs,
 * and a file cut short or holding something else ends the list at the
 * last whole run.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include <cmocka.h>

#include "weft.h"

static char	 dir[] = "/tmp/weft-test-capture.XXXXXX";
static char	 path[64];

static int
setup(void **state)
{
	(void)state;
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(path, sizeof path, "%s/%s", dir, CAPTURE_ORDER_FILE);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	unlink(path);
	return rmdir(dir);
}

/* Writes TEXT as the whole order file. */
static void
write_order(const char *text)
{
	FILE	*f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void
test_round_trip(void **state)
{
	struct capture_run	*v;
	size_t			 n;
	int			 fd;

	(void)state;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
	assert_true(fd >= 0);
	assert_int_equal(capture_order_note(fd, CAPTURE_OUT, 4), 0);
	assert_int_equal(capture_order_note(fd, CAPTURE_ERR, 1), 0);
	assert_int_equal(capture_order_note(fd, CAPTURE_OUT,
	    UINT64_C(10000000000)), 0);
	close(fd);
	v = capture_order_read(path, &n);
	assert_int_equal(n, 3);
	assert_int_equal(v[0].stream, CAPTURE_OUT);
	assert_int_equal(v[0].len, 4);
	assert_int_equal(v[1].stream, CAPTURE_ERR);
	assert_int_equal(v[1].len, 1);
	assert_int_equal(v[2].stream, CAPTURE_OUT);
	assert_true(v[2].len == UINT64_C(10000000000));
	free(v);
}

static void
test_missing(void **state)
{
	size_t	 n = 7;

	(void)state;
	unlink(path);
	assert_null(capture_order_read(path, &n));
	assert_int_equal(n, 0);
}

static void
test_cut_short(void **state)
{
	static const struct {
		const char	*text;
		size_t		 runs;
	} bad[] = {
		{ "e 5\nx 3\no 1\n", 1 },
		{ "o \n", 0 },
		{ "o 12x\n", 0 },
		{ "o 99999999999999999999999\n", 0 },
	};
	struct capture_run	*v;
	size_t			 n, i;

	(void)state;
	/* The last line was being written. */
	write_order("o 3\ne 12\no 4");
	v = capture_order_read(path, &n);
	assert_int_equal(n, 2);
	assert_int_equal(v[1].stream, CAPTURE_ERR);
	assert_int_equal(v[1].len, 12);
	free(v);
	/* Not a run: the list ends before it. */
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		write_order(bad[i].text);
		v = capture_order_read(path, &n);
		assert_int_equal(n, bad[i].runs);
		free(v);
	}
}

/* Many runs: the list grows past its first allocation. */
static void
test_many(void **state)
{
	struct capture_run	*v;
	size_t			 n, i;
	int			 fd;

	(void)state;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
	assert_true(fd >= 0);
	for (i = 0; i < 1000; i++)
		assert_int_equal(capture_order_note(fd, (int)(i % 2), i), 0);
	close(fd);
	v = capture_order_read(path, &n);
	assert_int_equal(n, 1000);
	for (i = 0; i < 1000; i++) {
		assert_int_equal(v[i].stream, (int)(i % 2));
		assert_int_equal(v[i].len, i);
	}
	free(v);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_missing),
		cmocka_unit_test(test_cut_short),
		cmocka_unit_test(test_many),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
