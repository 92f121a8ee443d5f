/*
 * test-diag.c: error lists and "did you mean" hints (diag.c).  Lines come
 * out sorted by position, ties in the order they were reported; the list
 * stops at WF_MAX_ERRORS with one closing line; control characters are
 * escaped; the edit distance counts a swap as one.
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
test_order(void **state)
{
	struct wf_errors	 e;
	struct wf_mark		 m31 = { 3, 1, 0 }, m15 = { 1, 5, 0 };
	struct wf_mark		 m12 = { 1, 12, 0 }, m2 = { 1, 2, 0 };
	struct wf_mark		 none = { -1, 0, 0 };
	char			*out;

	wf_errors_init(&e, "f.yaml");
	assert_null(wf_errors_take(&e));
	wf_error(&e, &m31, "third line");
	wf_error(&e, &m15, "first %s", "tie");
	wf_error(&e, NULL, "about the file");
	wf_error(&e, &m12, "column twelve");
	wf_error(&e, &m15, "second tie");
	wf_error(&e, &none, "not about the file");
	wf_error(&e, &m2, "column %d", 2);
	assert_int_equal(e.n, 7);
	assert_false(wf_errors_full(&e));
	out = wf_errors_take(&e);
	/* Columns compare as numbers, 2 < 5 < 12; ties keep their order. */
	assert_string_equal(out,
	    "weft: not about the file\n"
	    "f.yaml: about the file\n"
	    "f.yaml:1:2: column 2\n"
	    "f.yaml:1:5: first tie\n"
	    "f.yaml:1:5: second tie\n"
	    "f.yaml:1:12: column twelve\n"
	    "f.yaml:3:1: third line");
	free(out);
	/* Taking empties the list. */
	assert_int_equal(e.n, 0);
	assert_null(e.v);
	assert_null(wf_errors_take(&e));
}

static void
test_overflow(void **state)
{
	struct wf_errors	 e;
	struct wf_mark		 m = { 1, 1, 0 };
	char			*out, *p;
	size_t			 lines = 0;
	int			 i;

	wf_errors_init(&e, "f.yaml");
	for (i = 0; i < WF_MAX_ERRORS; i++) {
		m.line = 100 - i;
		wf_error(&e, &m, "error %d", i);
		assert_false(wf_errors_full(&e));
	}
	m.line = 1;
	wf_error(&e, &m, "one too many");
	assert_true(wf_errors_full(&e));
	wf_error(&e, &m, "and another");
	assert_int_equal(e.n, WF_MAX_ERRORS);
	out = wf_errors_take(&e);
	for (p = out; *p != '\0'; p++)
		lines += *p == '\n';
	assert_int_equal(lines, WF_MAX_ERRORS);
	/* The kept ones, sorted; the dropped ones nowhere. */
	assert_true(strncmp(out, "f.yaml:81:1: error 19\n", 22) == 0);
	assert_non_null(strstr(out, "\nf.yaml:100:1: error 0\n"));
	assert_null(strstr(out, "too many\n"));
	assert_null(strstr(out, "another"));
	p = strrchr(out, '\n');
	assert_string_equal(p, "\nf.yaml: too many errors, stopped after 20");
	free(out);
	/* A new list after taking. */
	assert_false(wf_errors_full(&e));
	wf_error(&e, NULL, "fresh");
	out = wf_errors_take(&e);
	assert_string_equal(out, "f.yaml: fresh");
	free(out);
}

/* A message stays one line, whatever the file's text held. */
static void
test_controls(void **state)
{
	struct wf_errors	 e;
	struct wf_mark		 m = { 2, 3, 0 };
	char			*out;

	wf_errors_init(&e, "f.yaml");
	wf_error(&e, &m, "unknown key '%s'", "a\nb\tc\001d\177");
	out = wf_errors_take(&e);
	assert_string_equal(out,
	    "f.yaml:2:3: unknown key 'a\\nb\\tc\\x01d\\x7f'");
	free(out);
}

static void
test_distance(void **state)
{
	assert_int_equal(wf_distance("jobs", "jobs"), 0);
	assert_int_equal(wf_distance("jobz", "jobs"), 1);
	assert_int_equal(wf_distance("comand", "command"), 1);
	assert_int_equal(wf_distance("", "abc"), 3);
	assert_int_equal(wf_distance("abc", ""), 3);
	/* A swap of neighbours is one edit, not two. */
	assert_int_equal(wf_distance("jbos", "jobs"), 1);
	assert_int_equal(wf_distance("retires", "retries"), 1);
	assert_int_equal(wf_distance("defs", "weft"), 2);
	assert_int_equal(wf_distance("kitten", "sitting"), 3);
	assert_int_equal(wf_distance(
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	    "a"), SIZE_MAX);
	/* 64 bytes is still measured. */
	assert_int_equal(wf_distance(
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab"),
	    1);
}

/* The nearest name, if it is near enough to be a typo of the unknown. */
static const char *
suggest(const char *name, const char *const *known)
{
	struct wf_suggest	 hint;

	wf_suggest_init(&hint, name);
	for (; *known != NULL; known++)
		wf_suggest_try(&hint, *known);
	return wf_suggest_best(&hint);
}

static void
test_suggest(void **state)
{
	static const char *const top[] = {
		"weft", "name", "config", "env", "plugins", "apps", "main", NULL
	};
	static const char *const app[] = {
		"command", "function", "retries", "walltime", "env", NULL
	};
	struct wf_suggest	 hint;
	char			 buf[64];

	assert_string_equal(suggest("comand", app), "command");
	assert_string_equal(suggest("retires", app), "retries");
	assert_string_equal(suggest("wallitme", app), "walltime");
	assert_string_equal(suggest("aps", top), "apps");
	assert_string_equal(suggest("mian", top), "main");
	/* Two edits in four bytes is another word. */
	assert_null(suggest("defs", top));
	assert_null(suggest("x", app));
	assert_null(suggest("y", (const char *const[]){ "x", NULL }));
	assert_null(suggest("completely", app));
	/* The name itself is no hint. */
	assert_null(suggest("env", app));
	/* The first of equally near names wins; NULL is passed over. */
	wf_suggest_init(&hint, "cat");
	wf_suggest_try(&hint, NULL);
	wf_suggest_try(&hint, "bat");
	wf_suggest_try(&hint, "cap");
	assert_string_equal(wf_suggest_best(&hint), "bat");
	/* As a message says it, or nothing. */
	assert_string_equal(wf_suggest_said(&hint, buf, sizeof buf),
	    " (did you mean 'bat'?)");
	wf_suggest_init(&hint, "completely");
	wf_suggest_try(&hint, "bat");
	assert_string_equal(wf_suggest_said(&hint, buf, sizeof buf), "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_overflow),
		cmocka_unit_test(test_controls),
		cmocka_unit_test(test_distance),
		cmocka_unit_test(test_suggest),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
