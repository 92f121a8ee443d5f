/*
 * test-template.c: the placeholder language and shell quoting.  Quoting is
 * checked against exact strings: a value must reach /bin/sh as one literal
 * word whatever it holds.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "weft.h"

static void
check_quote(const char *in, const char *want)
{
	char	*q;

	q = shell_quote(in);
	assert_string_equal(q, want);
	free(q);
}

static void
test_quote_safe_words(void **state)
{
	check_quote("abc/def-1.txt", "abc/def-1.txt");
	check_quote("out/sim-3.txt", "out/sim-3.txt");
	check_quote("-42", "-42");
	check_quote("a_b.c,d:e@f+g", "a_b.c,d:e@f+g");
}

static void
test_quote_hostile(void **state)
{
	check_quote("'; touch /tmp/pwned; echo '",
	    "''\\''; touch /tmp/pwned; echo '\\'''");
	check_quote("$(reboot)", "'$(reboot)'");
	check_quote("`reboot`", "'`reboot`'");
	check_quote("a\nb", "'a\nb'");
	check_quote("", "''");
	check_quote("a b", "'a b'");
	check_quote("it's", "'it'\\''s'");
	check_quote("'", "''\\'''");
	check_quote("A=1", "'A=1'");
	check_quote("~root", "'~root'");
	check_quote("*", "'*'");
	check_quote("$HOME", "'$HOME'");
	check_quote("a;b|c&d>e<f", "'a;b|c&d>e<f'");
	check_quote("\\", "'\\'");
	check_quote("é", "'é'");
}

/* A lookup over a fixed table; "many" has three words, "none" none. */
static int
lookup(void *arg, const char *name, const char *const **words,
    size_t *nwords)
{
	static const char *const one[] = { "a b" };
	static const char *const hostile[] = { "$(reboot)" };
	static const char *const many[] = { "x", "y z", "'" };
	static const char *const plain[] = { "v1" };
	static const char *const qc[] = { "qc-v1.txt", "it's" };
	static char longword[TPL_NAME_MAX];
	static const char *const longp[] = { longword };

	(void)arg;
	if (strcmp(name, "one") == 0) {
		*words = one;
		*nwords = 1;
	} else if (strcmp(name, "hostile") == 0) {
		*words = hostile;
		*nwords = 1;
	} else if (strcmp(name, "many") == 0 ||
	    strcmp(name, "sim.outputs") == 0) {
		*words = many;
		*nwords = 3;
	} else if (strcmp(name, "none") == 0) {
		*words = NULL;
		*nwords = 0;
	} else if (strcmp(name, "v") == 0 || strcmp(name, "with-dash") == 0) {
		*words = plain;
		*nwords = 1;
	} else if (strcmp(name, "qc[s=v1].outputs") == 0 ||
	    strcmp(name, "qc[s=a b].outputs") == 0 ||
	    strcmp(name, "qc[s=*].outputs") == 0) {
		/* A task's name: the one placeholder in it was filled in. */
		*words = qc;
		*nwords = 2;
	} else if (strcmp(name, "fit[n=qc-v1.txt it's].result") == 0) {
		*words = plain;
		*nwords = 1;
	} else if (strcmp(name, "long") == 0) {
		memset(longword, 'a', sizeof longword - 1);
		*words = longp;
		*nwords = 1;
	} else
		return -1;
	return 0;
}

static void
check_expand(const char *tpl, enum tpl_quote q, const char *want)
{
	struct tpl_error	 te;
	char			*out = NULL;

	assert_int_equal(template_expand(tpl, q, lookup, NULL, &out, &te), 0);
	assert_non_null(out);
	assert_string_equal(out, want);
	free(out);
}

static void
check_error(const char *tpl, size_t offset, const char *msg)
{
	struct tpl_error	 te;
	char			*out = (char *)1;

	assert_int_equal(template_expand(tpl, TPL_SHELL, lookup, NULL, &out,
	    &te), -1);
	assert_null(out);
	assert_int_equal(te.offset, offset);
	assert_string_equal(te.msg, msg);
}

static void
test_expand_raw(void **state)
{
	check_expand("", TPL_RAW, "");
	check_expand("plain text", TPL_RAW, "plain text");
	check_expand("{one}", TPL_RAW, "a b");
	check_expand("x{v}y", TPL_RAW, "xv1y");
	check_expand("{many}", TPL_RAW, "x y z '");
	check_expand("[{none}]", TPL_RAW, "[]");
	check_expand("{hostile}", TPL_RAW, "$(reboot)");
	check_expand("{with-dash}", TPL_RAW, "v1");
}

static void
test_expand_shell(void **state)
{
	check_expand("echo {one}", TPL_SHELL, "echo 'a b'");
	check_expand("echo {hostile}", TPL_SHELL, "echo '$(reboot)'");
	check_expand("cat {many} > out", TPL_SHELL,
	    "cat x 'y z' ''\\''' > out");
	check_expand("cat {sim.outputs}", TPL_SHELL, "cat x 'y z' ''\\'''");
	check_expand("cat {none}", TPL_SHELL, "cat ");
	check_expand("./sim --seed {v}", TPL_SHELL, "./sim --seed v1");
}

static void
test_braces(void **state)
{
	check_expand("{{", TPL_SHELL, "{");
	check_expand("}}", TPL_SHELL, "}");
	check_expand("{{v}}", TPL_SHELL, "{v}");
	check_expand("awk '{{print $1}}' {v}", TPL_SHELL,
	    "awk '{print $1}' v1");
	check_expand("{{{v}}}", TPL_RAW, "{v1}");
	check_expand("${{HOME}}", TPL_RAW, "${HOME}");
}

static void
test_errors(void **state)
{
	check_error("echo {x", 5, "unclosed '{' (write '{{' for a literal "
	    "brace)");
	check_error("{", 0, "unclosed '{' (write '{{' for a literal brace)");
	check_error("a {b {c}", 2, "unclosed '{' (write '{{' for a literal "
	    "brace)");
	check_error("echo {}", 5, "empty placeholder '{}'");
	check_error("a } b", 2, "single '}' (write '}}' for a literal brace)");
	check_error("x}", 1, "single '}' (write '}}' for a literal brace)");
	check_error("run {nope} now", 4, "undefined placeholder '{nope}'");
	check_error("{v} {other.outputs}", 4,
	    "undefined placeholder '{other.outputs}'");
	check_error("{a b}", 0, "invalid placeholder '{a b}'");
	check_error("{1abc}", 0, "invalid placeholder '{1abc}'");
	check_error("echo '{\"a\": 1}'", 6, "invalid placeholder '{\"a\": 1}'");
	/* Where shell text meets templates: a hint of what to write. */
	check_error("echo ${HOME}", 6, "undefined placeholder '{HOME}' (the "
	    "shell's ${HOME}? write $HOME, or ${{HOME}})");
	check_error("echo ${HOME:-/tmp}", 6, "invalid placeholder "
	    "'{HOME:-/tmp}' (the shell's ${HOME:-/tmp}? write "
	    "${{HOME:-/tmp}})");
	check_error("x; { a; b; } >f", 3, "invalid placeholder '{ a; b; }' "
	    "(a shell brace group? write {{ a; b; }})");
	check_error("{ a b }", 0, "invalid placeholder '{ a b }'");
	/* A long name is cut at a character, never inside one (fuzzing). */
	check_error("{" "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "\xc3\xa9" "bcd}", 0, "invalid placeholder '{"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...'");
}

/* A task's name may hold placeholders, filled in raw before its lookup. */
static void
test_nested(void **state)
{
	check_expand("cat {qc[s={v}].outputs}", TPL_SHELL,
	    "cat qc-v1.txt 'it'\\''s'");
	check_expand("{qc[s={v}].outputs}", TPL_RAW, "qc-v1.txt it's");
	/* The inner words are not quoted: they are part of a name. */
	check_expand("{qc[s={one}].outputs}", TPL_SHELL,
	    "qc-v1.txt 'it'\\''s'");
	check_expand("{qc[s=*].outputs}", TPL_RAW, "qc-v1.txt it's");
	check_expand("{{{qc[s={v}].outputs}}}", TPL_RAW, "{qc-v1.txt it's}");
	check_expand("x{{qc[s={v}].outputs}}", TPL_RAW,
	    "x{qc[s=v1].outputs}");
	/* Two levels: the inner name is itself a task's. */
	check_expand("{fit[n={qc[s={v}].outputs}].result}", TPL_SHELL, "v1");
}

static void
test_nested_errors(void **state)
{
	check_error("{qc[s={nope}].outputs}", 6,
	    "undefined placeholder '{nope}'");
	check_error("{qc[s={v}].nope}", 0,
	    "undefined placeholder '{qc[s={v}].nope}'");
	check_error("{qc[s={v].outputs}", 0,
	    "unclosed '{' (write '{{' for a literal brace)");
	check_error("x {qc[s={v}.outputs", 2,
	    "unclosed '{' (write '{{' for a literal brace)");
	check_error("{qc[s={}].outputs}", 6, "empty placeholder '{}'");
	check_error("{qc[s={a b}].outputs}", 6,
	    "invalid placeholder '{a b}'");
	check_error("{qc[s={{v}}].outputs}", 6,
	    "invalid placeholder '{{v}}'");
	/* Only the brackets of a task's name may hold placeholders. */
	check_error("{qc{v}.outputs}", 0, "invalid placeholder "
	    "'{qc{v}.outputs}'");
	check_error("{qc[s=A].{v}}", 0, "invalid placeholder '{qc[s=A].{v}}'");
	check_error("{qc[s=A]}", 0, "invalid placeholder '{qc[s=A]}'");
	check_error("{q c[s=A].x}", 0, "invalid placeholder '{q c[s=A].x}'");
	check_error("awk '{a[$1]++}'", 5, "invalid placeholder '{a[$1]++}'");
	check_error("x; { echo {v}; } >f", 3, "invalid placeholder "
	    "'{ echo {v}; }' (a shell brace group? write {{ echo {v}; }})");
	check_error("{qc[s={long}].outputs}", 0, "invalid placeholder "
	    "'{qc[s={long}].outputs}' (more than 512 bytes once filled in)");
	check_error("{a[{b[{c[{d[{v}].x}].x}].x}].x}", 0, "placeholders "
	    "nested too deep in '{a[{b[{c[{d[{v}].x}].x}].x}].x}'");
	assert_int_equal(template_check("{a[{b[{c[{v}].x}].x}].x}", NULL), 0);
}

static void
test_check_and_single(void **state)
{
	struct tpl_error	 te;
	char			 name[TPL_NAME_MAX + 1];

	assert_int_equal(template_check("echo {anything} {{x}}", &te), 0);
	assert_int_equal(template_check("echo {x", &te), -1);
	assert_int_equal(te.offset, 5);
	assert_int_equal(template_check("{}", NULL), -1);

	assert_int_equal(template_single("{sim.outputs}", name), 1);
	assert_string_equal(name, "sim.outputs");
	assert_int_equal(template_single("{inputs}", name), 1);
	assert_string_equal(name, "inputs");
	assert_int_equal(template_single("x{a}", name), 0);
	assert_int_equal(template_single("{a}x", name), 0);
	assert_int_equal(template_single("{{a}}", name), 0);
	assert_int_equal(template_single("{a}{b}", name), 0);
	assert_int_equal(template_single("{}", name), 0);
	assert_int_equal(template_single("", name), 0);
	assert_int_equal(template_single("{qc[s=A b].outputs}", name), 1);
	assert_string_equal(name, "qc[s=A b].outputs");
	assert_int_equal(template_single("{qc[s={v}].outputs}", name), 0);

	assert_int_equal(template_check("cat {qc[s={x}].outputs} {{", &te), 0);
	assert_int_equal(template_check("{qc[s={x].outputs}", &te), -1);
	assert_int_equal(te.offset, 0);
	assert_int_equal(template_check("{qc[s={}].outputs}", &te), -1);
	assert_int_equal(te.offset, 6);
}

static void
test_one(void **state)
{
	struct tpl_error	 te;
	char			 name[TPL_NAME_MAX + 1];

	assert_int_equal(template_one("{qc[s={v}].outputs}", lookup, NULL,
	    name, &te), 1);
	assert_string_equal(name, "qc[s=v1].outputs");
	assert_int_equal(template_one("{inputs}", lookup, NULL, name, &te), 1);
	assert_string_equal(name, "inputs");
	assert_int_equal(template_one("x{v}", lookup, NULL, name, &te), 0);
	assert_int_equal(template_one("{v}{v}", lookup, NULL, name, &te), 0);
	assert_int_equal(template_one("{{v}}", lookup, NULL, name, &te), 0);
	assert_int_equal(template_one("{qc[s={nope}].outputs}", lookup, NULL,
	    name, &te), -1);
	assert_int_equal(te.offset, 6);
	assert_string_equal(te.msg, "undefined placeholder '{nope}'");
	assert_int_equal(template_one("{}", lookup, NULL, name, &te), -1);
}

static void
test_column(void **state)
{
	assert_int_equal(template_column("echo {x}", 5, 10), 15);
	assert_int_equal(template_column("é {x}", 3, 1), 3);
	assert_int_equal(template_column("abc", 0, 7), 7);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quote_safe_words),
		cmocka_unit_test(test_quote_hostile),
		cmocka_unit_test(test_expand_raw),
		cmocka_unit_test(test_expand_shell),
		cmocka_unit_test(test_braces),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_nested),
		cmocka_unit_test(test_nested_errors),
		cmocka_unit_test(test_check_and_single),
		cmocka_unit_test(test_one),
		cmocka_unit_test(test_column),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
