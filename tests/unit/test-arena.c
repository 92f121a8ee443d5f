/*
 * test-arena.c: the bump allocator of the task graph (arena.c): what it
 * hands out is aligned, distinct, keeps its contents while more is
 * handed out, and large requests and many chunks are all freed.
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
test_strings_keep(void **state)
{
	struct arena	 a;
	char		**s, buf[32];
	size_t		 i, n = 200000;

	(void)state;
	arena_init(&a);
	s = xcalloc(n, sizeof *s);
	/* Enough to fill several chunks. */
	for (i = 0; i < n; i++) {
		snprintf(buf, sizeof buf, "t[i=%zu]", i);
		s[i] = arena_strdup(&a, buf);
	}
	for (i = 0; i < n; i++) {
		snprintf(buf, sizeof buf, "t[i=%zu]", i);
		assert_string_equal(s[i], buf);
	}
	assert_string_equal(arena_strndup(&a, "abcdef", 3), "abc");
	assert_true(a.bytes > n * 6);
	free(s);
	arena_free(&a);
	assert_null(a.head);
	assert_int_equal(a.bytes, 0);
}

static void
test_alignment(void **state)
{
	struct arena	 a;
	uint64_t	*p;
	size_t		 i, align;

	(void)state;
	arena_init(&a);
	for (i = 0; i < 10000; i++) {
		arena_strdup(&a, "x");		/* odd offsets between */
		align = (size_t)1 << (i % 5);	/* 1 .. 16 */
		p = arena_alloc(&a, 24, align);
		assert_int_equal((uintptr_t)p % align, 0);
		memset(p, 0xab, 24);
	}
	p = arena_alloc(&a, sizeof *p * 4, _Alignof(uint64_t));
	for (i = 0; i < 4; i++)
		p[i] = i;
	assert_int_equal(p[3], 3);
	arena_free(&a);
}

static void
test_big_requests(void **state)
{
	struct arena	 a;
	char		*small, *big, *after;
	size_t		 big_len = (size_t)3 << 20;

	(void)state;
	arena_init(&a);
	small = arena_strdup(&a, "before");
	big = arena_alloc(&a, big_len, 1);
	memset(big, 'b', big_len);
	/* A big block does not end the chunk that small requests use. */
	after = arena_strdup(&a, "after");
	assert_ptr_equal(after, small + strlen("before") + 1);
	assert_string_equal(small, "before");
	assert_int_equal(big[0], 'b');
	assert_int_equal(big[big_len - 1], 'b');
	assert_int_equal(arena_alloc(&a, 0, 1) != NULL, 1);
	arena_free(&a);
	/* An arena can be used again after it is freed. */
	assert_string_equal(arena_strdup(&a, "again"), "again");
	arena_free(&a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strings_keep),
		cmocka_unit_test(test_alignment),
		cmocka_unit_test(test_big_requests),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
