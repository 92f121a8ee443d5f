/*
 * test-textcol.c: display columns of UTF-8 text (textcol.c): ASCII one
 * column a character, East Asian wide characters two, combining marks
 * none; invalid bytes and control characters one each, shown as '?';
 * a copy cut to a width never splits a character nor passes the width.
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
test_width(void **state)
{
	(void)state;
	assert_int_equal(textcol_width(""), 0);
	assert_int_equal(textcol_width("abc[i=1]"), 8);
	/* U+00FC one column, U+6771 (東) two, U+0301 (combining) none. */
	assert_int_equal(textcol_width("Z\xc3\xbcrich"), 6);
	assert_int_equal(textcol_width("\xe6\x9d\xb1\xe4\xba\xac"), 4);
	assert_int_equal(textcol_width("e\xcc\x81"), 1);
	/* A stray continuation byte, a cut sequence, an overlong form. */
	assert_int_equal(textcol_width("a\x80" "b"), 3);
	assert_int_equal(textcol_width("a\xe6\x9d"), 3);
	assert_int_equal(textcol_width("\xc0\xaf"), 2);
	/* Controls, C1 included, take the one column of their '?'. */
	assert_int_equal(textcol_width("a\tb\x1b[31m"), 8);
	assert_int_equal(textcol_width("\xc2\x9b"), 1);
}

static void
test_char(void **state)
{
	int	 cols;

	(void)state;
	assert_int_equal(textcol_char("\xf0\x9f\x98\x80", 4, &cols), 4);
	assert_int_equal(cols, 2);
	assert_int_equal(textcol_char("\xf0\x9f\x98\x80", 3, &cols), 1);
	assert_int_equal(cols, -1);
	assert_int_equal(textcol_char("\xed\xa0\x80", 3, &cols), 1);
	assert_int_equal(cols, -1);
	assert_int_equal(textcol_char("x", 1, &cols), 1);
	assert_int_equal(cols, 1);
}

static void
test_copy(void **state)
{
	char	 buf[64];
	size_t	 cols, n;

	(void)state;
	/* 東京都 is six columns: five leave room for two characters. */
	n = textcol_copy(buf, sizeof buf,
	    "\xe6\x9d\xb1\xe4\xba\xac\xe9\x83\xbd", 5, &cols);
	assert_int_equal(n, 6);
	assert_int_equal(cols, 4);
	assert_string_equal(buf, "\xe6\x9d\xb1\xe4\xba\xac");
	n = textcol_copy(buf, sizeof buf, "abcdef", 4, &cols);
	assert_string_equal(buf, "abcd");
	assert_int_equal(cols, 4);
	/* What cannot be shown is '?'; a combining mark stays on its base. */
	n = textcol_copy(buf, sizeof buf, "a\nb\x80" "e\xcc\x81", 10, &cols);
	assert_string_equal(buf, "a?b?e\xcc\x81");
	assert_int_equal(cols, 5);
	/* The buffer's end is a limit too, and the result stays whole. */
	n = textcol_copy(buf, 4, "\xc3\xbc\xc3\xbc", 10, &cols);
	assert_int_equal(n, 2);
	assert_string_equal(buf, "\xc3\xbc");
	assert_int_equal(cols, 1);
	n = textcol_copy(buf, sizeof buf, "abc", 0, &cols);
	assert_int_equal(n, 0);
	assert_string_equal(buf, "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_width),
		cmocka_unit_test(test_char),
		cmocka_unit_test(test_copy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
