/*
 * test-path.c: paths judged by their text (path.c): the normal form and
 * whether a path has it, whether a path stays inside a folder, and
 * path_abs.
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
test_normalise(void **state)
{
	static const char *const cases[][2] = {
		{ "a/b", "a/b" },
		{ "./a/b", "a/b" },
		{ "a//b", "a/b" },
		{ "a/b/", "a/b" },
		{ "a/./b/.", "a/b" },
		{ ".//a///b//", "a/b" },
		{ "/abs//x/", "/abs/x" },
		{ "/", "/" },
		{ ".", "." },
		{ "./", "." },
		{ "a/../b", "a/../b" },
		{ "..", ".." },
	};
	char	*n;
	size_t	 i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		n = path_normalise(cases[i][0]);
		assert_string_equal(n, cases[i][1]);
		free(n);
	}
}

/* path_is_normal says exactly whether path_normalise changes a path. */
static void
test_is_normal(void **state)
{
	static const char *const cases[] = {
		"a", "a/b", "/a/b", "/", ".", "..", "a/../b", "../..",
		"", "./a", "a/", "a//b", "//a", "/a/", "a/.", "./", ".a",
		"a/.b", "a..", "...", "/.", "/..", "a/./b", "out/17.txt",
		"x y/z", "a/b/c/d/e/f",
	};
	char	*n;
	size_t	 i;
	int	 same;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		n = path_normalise(cases[i]);
		same = strcmp(n, cases[i]) == 0;
		if (path_is_normal(cases[i]) != same)
			fail_msg("path_is_normal(\"%s\") is not %d (normal "
			    "form \"%s\")", cases[i], same, n);
		free(n);
	}
}

static void
test_inside(void **state)
{
	static const struct {
		const char	*path;
		int		 inside;
	} cases[] = {
		{ "a", 1 },
		{ "a/b/c", 1 },
		{ "./a", 1 },
		{ ".", 1 },
		{ "a/..", 1 },
		{ "a/../b", 1 },
		{ "a//b/./../c", 1 },
		{ "..", 0 },
		{ "../w/a", 0 },
		{ "a/../..", 0 },
		{ "a/../../w/a", 0 },
		{ "/w", 1 },
		{ "/w/", 1 },
		{ "/w/a/b", 1 },
		{ "/w/a/../b", 1 },
		{ "/w/..", 0 },
		{ "/w/../w/a", 0 },
		{ "/wx/a", 0 },
		{ "/wx", 0 },
		{ "/other/a", 0 },
		{ "/", 0 },
	};
	size_t	 i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		if (path_inside("/w", cases[i].path) != cases[i].inside)
			fail_msg("path_inside(\"/w\", \"%s\") is not %d",
			    cases[i].path, cases[i].inside);
	}
}

static void
test_abs(void **state)
{
	static const char *const cases[][3] = {
		{ "/d", "a", "/d/a" },
		{ "/d", "a/b.txt", "/d/a/b.txt" },
		{ "/d", "/x/y", "/x/y" },
		{ "/d", "/", "/" },
		/* Text only: nothing is normalised or resolved. */
		{ "/d", "./a", "/d/./a" },
		{ "/d", "../a", "/d/../a" },
		{ "rel", "a", "rel/a" },
		{ ".", "a", "./a" },
	};
	char	*p;
	size_t	 i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		p = path_abs(cases[i][0], cases[i][1]);
		assert_string_equal(p, cases[i][2]);
		free(p);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_normalise),
		cmocka_unit_test(test_is_normal),
		cmocka_unit_test(test_inside),
		cmocka_unit_test(test_abs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
