/*
 * test-table.c: the aligned text tables of "weft runs" and "weft tasks"
 * (table.c): column widths, right alignment, UTF-8 counted by
 * characters, the last column unpadded.
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

/* What T prints, as a string the caller frees. */
static char *
printed(const struct table *t)
{
	char	*out = NULL;
	size_t	 len = 0;
	FILE	*f;

	f = open_memstream(&out, &len);
	assert_non_null(f);
	table_print(t, f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(strlen(out), len);
	return out;
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

/*
 * A minimum wider than every cell holds; a right-aligned last column is
 * padded on the left; with no rows only the titles are printed.
 */
static void
test_table_widths(void **state)
{
	static const struct table_col cols[] = {
		{ "NAME", 8, 0 },
		{ "STATE", 0, 0 },
		{ "TIME", 6, 1 },
	};
	struct table	 t;
	char		*out;
	int		 i;

	(void)state;
	table_init(&t, cols, 3);
	out = printed(&t);
	assert_string_equal(out, "NAME      STATE    TIME\n");
	free(out);

	table_cell(&t, "%s", "x");
	table_cell(&t, "%s", "running");
	table_cell(&t, "%ds", 5);
	table_cell(&t, "%s", "yy");
	table_cell(&t, "%s", "ok");
	table_cell(&t, "%s", "1m30s");
	out = printed(&t);
	assert_string_equal(out,
	    "NAME      STATE      TIME\n"
	    "x         running      5s\n"
	    "yy        ok        1m30s\n");
	free(out);
	table_free(&t);

	/* Many rows: the cells are kept as the table grows. */
	table_init(&t, cols, 3);
	for (i = 0; i < 1000; i++) {
		table_cell(&t, "n%d", i);
		table_cell(&t, "%s", "s");
		table_cell(&t, "%d", i);
	}
	out = printed(&t);
	assert_non_null(strstr(out, "\nn0        s           0\n"));
	assert_non_null(strstr(out, "\nn999      s         999\n"));
	assert_int_equal(strlen(out), 1001 * 24);
	free(out);
	table_free(&t);
	assert_null(t.cells);
	assert_null(t.cols);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_table_widths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
