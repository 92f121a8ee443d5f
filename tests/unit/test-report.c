/*
 * test-report.c: the text pieces of the reports (report-data.c,
 * report-junit.c): bytes that are not UTF-8 become U+FFFD and every
 * valid sequence is kept; the tail of a file is its last lines, with or
 * without a final newline, and only the end of a big file is read; the
 * JUnit XML of a run escapes its texts and leaves out the characters
 * XML 1.0 forbids.
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
#include "unit.h"

static void
test_utf8(void **state)
{
	static const struct {
		const char	*in;
		const char	*out;
	} cases[] = {
		{ "plain", "plain" },
		{ "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
		    "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80" },
		{ "a\xffz", "a\xef\xbf\xbdz" },
		/* Overlong, a surrogate, past U+10FFFF, cut short. */
		{ "\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd" },
		{ "\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },
		{ "\xf4\x90\x80\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
		    "\xef\xbf\xbd" },
		{ "x\xe2\x82", "x\xef\xbf\xbd\xef\xbf\xbd" },
	};
	char	*s;
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		s = report_utf8(cases[i].in, strlen(cases[i].in));
		assert_string_equal(s, cases[i].out);
		free(s);
	}
	/* A NUL inside is dropped. */
	s = report_utf8("a\0b", 3);
	assert_string_equal(s, "ab");
	free(s);
}

static void
write_file(const char *path, const char *text, size_t len)
{
	FILE	*f;

	assert_non_null(f = fopen(path, "w"));
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void
test_tail(void **state)
{
	char	*dir, *path, *s, *big;
	size_t	 i, len;

	(void)state;
	dir = unit_scratch("report");
	path = xprintf("%s/stderr", dir);
	assert_null(report_tail(path, -1, -1, 20));

	write_file(path, "1\n2\n3\n", 6);
	s = report_tail(path, -1, -1, 2);
	assert_string_equal(s, "2\n3");
	free(s);
	s = report_tail(path, -1, -1, 20);
	assert_string_equal(s, "1\n2\n3");
	free(s);
	/* No final newline: the last line counts all the same. */
	write_file(path, "a\nb\nc", 5);
	s = report_tail(path, -1, -1, 1);
	assert_string_equal(s, "c");
	free(s);
	/* An empty file has no tail; a call's stretch is its own. */
	write_file(path, "", 0);
	assert_null(report_tail(path, -1, -1, 20));
	write_file(path, "1\n2\n3\n4\n", 8);
	s = report_tail(path, 2, 4, 20);
	assert_string_equal(s, "2\n3");
	free(s);

	/* A big file: only its end is read, its last 20 lines kept. */
	len = 1000000;
	big = xmalloc(len);
	for (i = 0; i < len; i++)
		big[i] = i % 10 == 9 ? '\n' : (char)('0' + i % 10);
	write_file(path, big, len);
	s = report_tail(path, -1, -1, 20);
	assert_int_equal(strlen(s), 20 * 10 - 1);
	assert_memory_equal(s, "012345678\n", 10);
	free(s);
	free(big);

	unlink(path);
	rmdir(dir);
	free(path);
	free(dir);
}

static void
test_junit(void **state)
{
	struct report_task	 tasks[2];
	struct report		 rp;
	char			*out = NULL;
	size_t			 len = 0;
	FILE			*f;

	(void)state;
	memset(&rp, 0, sizeof rp);
	memset(tasks, 0, sizeof tasks);
	snprintf(rp.run, sizeof rp.run, "0003");
	rp.name = "w\"<&>";
	rp.began = "2026-12-06 04:55:12.123456";
	rp.host = "h";
	rp.duration = 1.5;
	tasks[0].index = 0;
	tasks[0].id = "a[x=</script>]";
	tasks[0].app = "app";
	tasks[0].state = "failed";
	tasks[0].has_exit = 1;
	tasks[0].exit_code = 3;
	tasks[0].reason = "exit 3";
	tasks[0].ntries = 1;
	tasks[0].duration = 0.25;
	tasks[0].rss = -1;
	tasks[0].tail = "bell\a ]]> \xff\x01 tab\tend";
	tasks[1].index = 1;
	tasks[1].id = "b";
	tasks[1].app = "app";
	tasks[1].state = "dep_fail";
	tasks[1].deps = "0";
	tasks[1].rss = -1;
	rp.tasks = tasks;
	rp.ntasks = 2;

	assert_non_null(f = open_memstream(&out, &len));
	assert_int_equal(report_junit(&rp, f), 0);
	assert_int_equal(fclose(f), 0);
	assert_non_null(strstr(out, "<testsuite name=\"w&quot;&lt;&amp;&gt;\" "
	    "tests=\"2\" failures=\"1\" errors=\"0\" skipped=\"1\" "
	    "time=\"1.500\" timestamp=\"2026-12-06T04:55:12\""));
	assert_non_null(strstr(out, "<testcase classname=\"app\" "
	    "name=\"a[x=&lt;/script&gt;]\" time=\"0.250\">"));
	assert_non_null(strstr(out, "<failure message=\"exit 3\" "
	    "type=\"exit 3\">"));
	/* The bell and \x01 are gone, the bad byte is U+FFFD. */
	assert_non_null(strstr(out, "bell ]]&gt; \xef\xbf\xbd tab\tend\n"));
	assert_non_null(strstr(out, "<skipped>dep_fail: not run "
	    "because a[x=&lt;/script&gt;] failed</skipped>"));
	free(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_tail),
		cmocka_unit_test(test_junit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
