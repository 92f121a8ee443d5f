/*
 * test-cond.c: the conditions of "when:".  Values are expanded only after
 * parsing, so a value holding operators must stay one value.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "weft.h"

/* params.deploy = yes, params.env = "a && b", params.empty = "". */
static int
lookup(void *arg, const char *name, const char *const **words,
    size_t *nwords)
{
	static const char *const yes[] = { "yes" };
	static const char *const hostile[] = { "x' || 'x' == 'x" };
	static const char *const amp[] = { "a && b" };
	static const char *const empty[] = { "" };

	(void)arg;
	*nwords = 1;
	if (strcmp(name, "params.deploy") == 0)
		*words = yes;
	else if (strcmp(name, "params.hostile") == 0)
		*words = hostile;
	else if (strcmp(name, "params.env") == 0)
		*words = amp;
	else if (strcmp(name, "params.empty") == 0)
		*words = empty;
	else
		return -1;
	return 0;
}

static int
eval(const char *text)
{
	struct cond		*c;
	struct tpl_error	 err;
	int			 v;

	if (cond_parse(text, &c, &err) == -1)
		fail_msg("parse of \"%s\": %s", text, err.msg);
	v = cond_eval(c, lookup, NULL, &err);
	cond_free(&c);
	return v;
}

/* The parse error's offset, or -1 if it parses. */
static long
parse_error(const char *text, const char *want)
{
	struct cond		*c;
	struct tpl_error	 err;

	if (cond_parse(text, &c, &err) == 0) {
		cond_free(&c);
		return -1;
	}
	assert_non_null(strstr(err.msg, want));
	return (long)err.offset;
}

static void
test_compare(void **state)
{
	(void)state;
	assert_int_equal(eval("{params.deploy} == 'yes'"), 1);
	assert_int_equal(eval("{params.deploy} == yes"), 1);
	assert_int_equal(eval("{params.deploy} != \"yes\""), 0);
	assert_int_equal(eval("'{params.deploy}' == 'yes'"), 1);
	assert_int_equal(eval("{params.deploy}=='no'"), 0);
	assert_int_equal(eval("{params.env} == 'a && b'"), 1);
	assert_int_equal(eval("'a b' == 'a b'"), 1);
}

static void
test_logic(void **state)
{
	(void)state;
	assert_int_equal(eval("yes == yes && no == no"), 1);
	assert_int_equal(eval("yes == yes && no == yes"), 0);
	assert_int_equal(eval("yes == no || no == no"), 1);
	assert_int_equal(eval("!(yes == no)"), 1);
	assert_int_equal(eval("! yes == no"), 1);
	assert_int_equal(eval("!!true"), 1);
	/* && binds tighter than ||. */
	assert_int_equal(eval("true || false && false"), 1);
	assert_int_equal(eval("(true || false) && false"), 0);
}

static void
test_truth(void **state)
{
	(void)state;
	assert_int_equal(eval("true"), 1);
	assert_int_equal(eval("false"), 0);
	assert_int_equal(eval("FALSE"), 0);
	assert_int_equal(eval("0"), 0);
	assert_int_equal(eval("no"), 0);
	assert_int_equal(eval("off"), 0);
	assert_int_equal(eval("1"), 1);
	assert_int_equal(eval("''"), 0);
	assert_int_equal(eval("{params.empty}"), 0);
	assert_int_equal(eval("{params.deploy}"), 1);
}

/* A value is one value, whatever it holds. */
static void
test_values_cannot_inject(void **state)
{
	(void)state;
	assert_int_equal(eval("{params.hostile} == 'y'"), 0);
	assert_int_equal(eval("'{params.hostile}' == \"x' || 'x' == 'x\""),
	    1);
	assert_int_equal(eval("{params.env}"), 1);
}

static void
test_undefined(void **state)
{
	struct cond		*c;
	struct tpl_error	 err;

	(void)state;
	assert_int_equal(cond_parse("yes == {params.nope}", &c, &err), 0);
	assert_int_equal(cond_eval(c, lookup, NULL, &err), -1);
	assert_int_equal(err.offset, 7);
	cond_free(&c);
}

static void
test_syntax_errors(void **state)
{
	(void)state;
	assert_int_equal(parse_error("a == ", "value was expected"), 5);
	assert_int_equal(parse_error("(a == b", "unclosed '('"), 0);
	assert_int_equal(parse_error("a == b)", "without its '('"), 6);
	assert_int_equal(parse_error("a = b", "lone '='"), 2);
	assert_int_equal(parse_error("a & b", "lone '='"), 2);
	assert_int_equal(parse_error("a b", "side by side"), 2);
	assert_int_equal(parse_error("'abc", "unclosed quote"), 0);
	assert_int_equal(parse_error("a == {b", "unclosed"), 5);
	assert_int_equal(parse_error("", "value was expected"), 0);
	assert_int_equal(parse_error("a && || b", "value was expected"), 5);
}

static void
test_depth(void **state)
{
	char	 deep[300];

	(void)state;
	memset(deep, '(', 200);
	strcpy(deep + 200, "a");
	assert_true(parse_error(deep, "too deep") >= 0);
	memset(deep, '!', 200);
	strcpy(deep + 200, "a");
	assert_true(parse_error(deep, "too deep") >= 0);
	assert_int_equal(eval("((((true))))"), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compare),
		cmocka_unit_test(test_logic),
		cmocka_unit_test(test_truth),
		cmocka_unit_test(test_values_cannot_inject),
		cmocka_unit_test(test_undefined),
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_depth),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
