/*
 * test-strmap.c: the string map of strmap.c.  Put, get, replace, growth
 * past many doublings, a map used before strmap_init, and keys that are
 * kept by pointer, not copied.
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
test_strmap(void **state)
{
	struct strmap	 m;
	char		*keys[5000];
	uint32_t	 v;
	size_t		 i;

	memset(&m, 0, sizeof m);
	assert_int_equal(strmap_get(&m, "x", &v), -1);
	strmap_init(&m, 1);
	for (i = 0; i < 5000; i++) {
		keys[i] = xprintf("key-%zu", i);
		assert_int_equal(strmap_put(&m, keys[i], i), 0);
	}
	assert_int_equal(m.n, 5000);
	assert_int_equal(strmap_put(&m, keys[7], 70), 1);
	for (i = 0; i < 5000; i++) {
		assert_int_equal(strmap_get(&m, keys[i], &v), 0);
		assert_int_equal(v, i == 7 ? 70 : i);
	}
	assert_int_equal(strmap_get(&m, "key-5000", NULL), -1);
	strmap_free(&m);
	for (i = 0; i < 5000; i++)
		free(keys[i]);
}

/* A zeroed map takes a put without strmap_init. */
static void
test_unset(void **state)
{
	struct strmap	 m;
	uint32_t	 v = 99;

	memset(&m, 0, sizeof m);
	assert_int_equal(strmap_get(&m, "a", &v), -1);
	assert_int_equal(v, 99);
	assert_int_equal(strmap_put(&m, "a", 1), 0);
	assert_int_equal(strmap_get(&m, "a", &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(m.n, 1);
	assert_true(m.cap >= 2);
	strmap_free(&m);
	assert_null(m.keys);
	assert_int_equal(m.cap, 0);
	assert_int_equal(m.n, 0);
}

/* Replacing changes the value only: the count and the key stay. */
static void
test_replace(void **state)
{
	struct strmap	 m;
	char		 a1[] = "same", a2[] = "same";
	uint32_t	 v;
	size_t		 i, found = 0;

	strmap_init(&m, 4);
	assert_int_equal(strmap_put(&m, a1, 1), 0);
	assert_int_equal(strmap_put(&m, "other", 2), 0);
	assert_int_equal(strmap_put(&m, a2, 3), 1);
	assert_int_equal(m.n, 2);
	assert_int_equal(strmap_get(&m, "same", &v), 0);
	assert_int_equal(v, 3);
	assert_int_equal(strmap_get(&m, "other", &v), 0);
	assert_int_equal(v, 2);
	/* Keys are kept by pointer: the first one put stays. */
	for (i = 0; i < m.cap; i++) {
		if (m.keys[i] == a1)
			found++;
		assert_true(m.keys[i] != a2);
	}
	assert_int_equal(found, 1);
	/* The empty string is a key like any other. */
	assert_int_equal(strmap_get(&m, "", NULL), -1);
	assert_int_equal(strmap_put(&m, "", 7), 0);
	assert_int_equal(strmap_get(&m, "", &v), 0);
	assert_int_equal(v, 7);
	strmap_free(&m);
}

/* The table doubles, stays a power of two and at most half full. */
static void
test_grow(void **state)
{
	struct strmap	 m;
	char		*keys[300];
	uint32_t	 v;
	size_t		 i, j, cap, grew = 0;

	strmap_init(&m, 1);
	assert_int_equal(m.cap, 16);
	for (i = 0; i < 300; i++) {
		cap = m.cap;
		keys[i] = xprintf("k%zu", i);
		assert_int_equal(strmap_put(&m, keys[i], 1000 + i), 0);
		assert_int_equal(m.cap & (m.cap - 1), 0);
		assert_true(m.n * 2 <= m.cap);
		if (m.cap != cap) {
			assert_int_equal(m.cap, cap * 2);
			grew++;
			/* Everything put before is found after a grow. */
			for (j = 0; j <= i; j++) {
				assert_int_equal(strmap_get(&m, keys[j], &v),
				    0);
				assert_int_equal(v, 1000 + j);
			}
		}
	}
	assert_int_equal(m.n, 300);
	assert_true(grew >= 5);
	strmap_free(&m);
	for (i = 0; i < 300; i++)
		free(keys[i]);

	/* A hint sizes the table up front. */
	strmap_init(&m, 100);
	assert_int_equal(m.cap, 256);
	strmap_free(&m);
}

/* strmap_add keeps what is there, and says so. */
static void
test_add(void **state)
{
	struct strmap	 m;
	char		 keys[3000][16];
	uint32_t	 prev = 99, v;
	size_t		 i;

	(void)state;
	strmap_init(&m, 2);
	for (i = 0; i < 3000; i++) {
		snprintf(keys[i], sizeof keys[i], "out/%zu.txt", i);
		assert_int_equal(strmap_add(&m, keys[i], (uint32_t)i, &prev),
		    0);
		assert_int_equal(prev, 99);
	}
	for (i = 0; i < 3000; i++) {
		assert_int_equal(strmap_add(&m, keys[i], 7, &prev), 1);
		assert_int_equal(prev, i);
		assert_int_equal(strmap_get(&m, keys[i], &v), 0);
		assert_int_equal(v, i);
	}
	assert_int_equal(strmap_add(&m, "out/0.txt", 5, NULL), 1);
	assert_int_equal(m.n, 3000);
	strmap_free(&m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strmap),
		cmocka_unit_test(test_unset),
		cmocka_unit_test(test_replace),
		cmocka_unit_test(test_grow),
		cmocka_unit_test(test_add),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
