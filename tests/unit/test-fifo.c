/*
 * test-fifo.c: the growable queue array of the interchange and the pool
 * (fifo.c): it grows to its first size then doubles, moves the live
 * elements to the front rather than grow when it can, and keeps them in
 * order through any mix of adds and takes.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "weft.h"

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

/* Growing keeps what is there; there is always room for one more. */
static void
test_fifo_grow(void **state)
{
	long	*q = NULL;
	size_t	 head = 0, tail = 0, cap = 0, i;

	(void)state;
	q = fifo_room(q, &head, &tail, &cap, sizeof *q, 3);
	assert_non_null(q);
	assert_int_equal(cap, 3);
	for (i = 0; i < 100; i++) {
		q = fifo_room(q, &head, &tail, &cap, sizeof *q, 3);
		assert_true(tail < cap);
		q[tail++] = (long)i * 1000;
	}
	/* 3, 6, 12, 24, 48, 96, 192. */
	assert_int_equal(cap, 192);
	assert_int_equal(head, 0);
	for (i = 0; i < 100; i++)
		assert_int_equal(q[i], (long)i * 1000);
	free(q);
}

/* Against a model: adds and takes in a pattern come out in order. */
static void
test_fifo_order(void **state)
{
	struct { int n; char pad[13]; } *q = NULL;
	size_t	 head = 0, tail = 0, cap = 0, most = 0, step;
	int	 next_in = 0, next_out = 0, i;

	(void)state;
	for (step = 0; step < 5000; step++) {
		for (i = 0; i < (int)(step % 7); i++) {
			q = fifo_room(q, &head, &tail, &cap, sizeof *q, 4);
			assert_true(tail < cap);
			memset(q[tail].pad, next_in & 0x7f, sizeof q[tail].pad);
			q[tail++].n = next_in++;
			if (tail - head > most)
				most = tail - head;
		}
		for (i = 0; i < (int)(step % 9) && head < tail; i++) {
			assert_int_equal(q[head].n, next_out);
			assert_int_equal(q[head].pad[12], next_out & 0x7f);
			head++;
			next_out++;
		}
	}
	assert_int_equal((int)(tail - head), next_in - next_out);
	while (head < tail)
		assert_int_equal(q[head++].n, next_out++);
	assert_int_equal(next_out, next_in);
	/* It grows only when full: never past twice the most waiting. */
	assert_true(next_in > 10000);
	assert_true(most >= 4);
	assert_true(cap <= 2 * most);
	free(q);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fifo),
		cmocka_unit_test(test_fifo_grow),
		cmocka_unit_test(test_fifo_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
