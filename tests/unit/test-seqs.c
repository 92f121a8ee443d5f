/*
 * test-seqs.c: sets of sequence numbers (seqs.c), as the dbwriter keeps
 * the batches of each sender it has applied: out of order, folded into
 * the base as gaps close, and round-tripped through their text form.
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
test_in_order(void **state)
{
	struct seqset	 q = { 0, NULL, 0 };
	uint64_t	 i;

	(void)state;
	for (i = 1; i <= 5; i++)
		seqs_add(&q, i);
	assert_int_equal(q.base, 5);
	assert_int_equal(q.nabove, 0);
	assert_true(seqs_has(&q, 3));
	assert_false(seqs_has(&q, 6));
	free(q.above);
}

static void
test_out_of_order(void **state)
{
	struct seqset	 q = { 0, NULL, 0 };
	char		*t;

	(void)state;
	seqs_add(&q, 1);
	seqs_add(&q, 4);
	seqs_add(&q, 3);
	assert_int_equal(q.base, 1);
	assert_int_equal(q.nabove, 2);
	assert_false(seqs_has(&q, 2));
	assert_true(seqs_has(&q, 3));
	t = seqs_text(&q);
	assert_string_equal(t, "3,4");
	free(t);
	/* The gap closes: everything folds into the base. */
	seqs_add(&q, 2);
	assert_int_equal(q.base, 4);
	assert_int_equal(q.nabove, 0);
	free(q.above);
}

static void
test_text_round_trip(void **state)
{
	struct seqset	 q = { 7, NULL, 0 }, r = { 7, NULL, 0 }, c = { 0 };
	char		*t;

	(void)state;
	seqs_add(&q, 10);
	seqs_add(&q, 12);
	t = seqs_text(&q);
	seqs_parse(&r, t);
	assert_int_equal(r.nabove, 2);
	assert_true(seqs_has(&r, 7) && seqs_has(&r, 10) && seqs_has(&r, 12));
	assert_false(seqs_has(&r, 11));
	seqs_copy(&c, &r);
	assert_int_equal(c.base, 7);
	assert_int_equal(c.nabove, 2);
	assert_true(seqs_has(&c, 12));
	seqs_parse(&c, "");
	assert_int_equal(c.nabove, 2);
	free(t);
	free(q.above);
	free(r.above);
	free(c.above);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_in_order),
		cmocka_unit_test(test_out_of_order),
		cmocka_unit_test(test_text_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
