/*
 * test-xmalloc.c: allocation that cannot fail (xmalloc.c): each function
 * gives what it should, the calloc ones zero-filled, and a size that
 * cannot be had ends the process with EXIT_INTERNAL and "weft: out of
 * memory" on stderr.  Those ends are run in this program spawned again
 * ("test-xmalloc --child NAME"), its stderr read through a pipe.
 */

#include <sys/wait.h>

#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "weft.h"
#include "unit.h"

static void
test_strings(void **state)
{
	const char	*s = "hello, world";
	char		*p, *q;

	(void)state;
	p = xstrdup(s);
	assert_ptr_not_equal(p, s);
	assert_string_equal(p, s);
	free(p);
	p = xstrdup("");
	assert_string_equal(p, "");
	free(p);

	/* At most N bytes, always ended; fewer if the string is shorter. */
	p = xstrndup(s, 5);
	assert_string_equal(p, "hello");
	free(p);
	p = xstrndup(s, 0);
	assert_string_equal(p, "");
	free(p);
	p = xstrndup(s, 1000);
	assert_string_equal(p, s);
	free(p);

	p = xprintf("%s-%d-%05.1f", "a", -42, 3.14159);
	assert_string_equal(p, "a--42-003.1");
	free(p);
	assert_int_equal(xasprintf(&q, "%c%s", 'x', "yz"), 3);
	assert_string_equal(q, "xyz");
	free(q);
	assert_int_equal(xasprintf(&q, "%s", ""), 0);
	assert_string_equal(q, "");
	free(q);
}

static void
test_blocks(void **state)
{
	unsigned char	*p, *q;
	size_t		 i;

	(void)state;
	/* Zero bytes is still a block of its own. */
	p = xmalloc(0);
	q = xmalloc(0);
	assert_non_null(p);
	assert_non_null(q);
	assert_ptr_not_equal(p, q);
	free(p);
	free(q);
	p = xcalloc(0, 8);
	assert_non_null(p);
	free(p);

	p = xmalloc(1000);
	memset(p, 0xa5, 1000);
	/* Growing keeps the contents; zero elements is still a block. */
	p = xreallocarray(p, 1000, 100);
	for (i = 0; i < 1000; i++)
		assert_int_equal(p[i], 0xa5);
	memset(p, 0x5a, 100000);
	p = xreallocarray(p, 10, 4);
	for (i = 0; i < 40; i++)
		assert_int_equal(p[i], 0x5a);
	p = xreallocarray(p, 0, 4);
	assert_non_null(p);
	free(p);
	p = xreallocarray(NULL, 3, 5);
	assert_non_null(p);
	memset(p, 1, 15);
	free(p);
}

/*
 * xcalloc zero-fills even where freed, dirty memory is handed out
 * again.
 */
static void
test_calloc_zero(void **state)
{
	unsigned char	*p;
	size_t		 i, round;

	(void)state;
	for (round = 0; round < 8; round++) {
		p = xmalloc(4096);
		memset(p, 0xff, 4096);
		free(p);
		p = xcalloc(512, 8);
		for (i = 0; i < 4096; i++) {
			if (p[i] != 0)
				fail_msg("byte %zu is %#x", i, p[i]);
		}
		free(p);
	}
}

/* A 64 MiB block for the task graph: all zero, all writable. */
static void
test_calloc_big(void **state)
{
	const size_t	 n = (size_t)8 << 20;
	uint64_t	*p, sum = 0;
	size_t		 i;

	(void)state;
	p = xcalloc_big(n, sizeof *p);
	assert_non_null(p);
	for (i = 0; i < n; i++)
		sum |= p[i];
	assert_true(sum == 0);
	for (i = 0; i < n; i++)
		p[i] = i;
	for (i = 0; i < n; i += 4099)
		assert_true(p[i] == i);
	assert_true(p[n - 1] == n - 1);
	free(p);
	/* Small ones too, and zero elements. */
	p = xcalloc_big(3, sizeof *p);
	assert_true(p[0] == 0 && p[1] == 0 && p[2] == 0);
	free(p);
	p = xcalloc_big(0, sizeof *p);
	assert_non_null(p);
	free(p);
}

/* The children: each asks for what cannot be had. */
static int
child(const char *name)
{
	void	*p = NULL;

	if (strcmp(name, "overflow") == 0)
		p = xreallocarray(NULL, SIZE_MAX / 2, 4);
	else if (strcmp(name, "malloc") == 0)
		p = xmalloc(SIZE_MAX - 4096);
	else if (strcmp(name, "calloc") == 0)
		p = xcalloc(SIZE_MAX / 2, 4);
	else if (strcmp(name, "realloc") == 0)
		p = xreallocarray(xmalloc(16), SIZE_MAX / 4, 2);
	else
		return 100;
	/* Reached only if the allocation "worked". */
	free(p);
	return 0;
}

/* Runs child NAME; returns what it wrote to stderr, and its status. */
static char *
run_child(const char *name, int *status)
{
	char	*argv[] = { "test-xmalloc", "--child", (char *)name, NULL };
	pid_t	 pid;

	return unit_run_self(argv, STDERR_FILENO, &pid, status, NULL);
}

static void
test_out_of_memory(void **state)
{
	static const char *const names[] = {
		"overflow", "malloc", "calloc",
#ifndef __SANITIZE_ADDRESS__
		/* AddressSanitizer's realloc reports a too-big size itself. */
		"realloc"
#endif
	};
	const char	*want = "weft: out of memory";
	char		*out, *line;
	size_t		 i;
	int		 status;

	(void)state;
	/*
	 * Under AddressSanitizer an impossible size aborts in the allocator
	 * unless it may return NULL, as malloc does.
	 */
	assert_int_equal(setenv("ASAN_OPTIONS", "allocator_may_return_null=1",
	    1), 0);
	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		out = run_child(names[i], &status);
		if (!WIFEXITED(status))
			fail_msg("%s: not an exit (status %#x)", names[i],
			    status);
		if (WEXITSTATUS(status) != EXIT_INTERNAL)
			fail_msg("%s: exit %d, not %d", names[i],
			    WEXITSTATUS(status), EXIT_INTERNAL);
		/* AddressSanitizer's own "==PID==" warning may come first. */
		line = out;
		while (strncmp(line, "==", 2) == 0 && strchr(line, '\n'))
			line = strchr(line, '\n') + 1;
		if (strncmp(line, want, strlen(want)) != 0 ||
		    strchr(line, '\n') != line + strlen(line) - 1)
			fail_msg("%s: stderr '%s'", names[i], out);
		free(out);
	}
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_blocks),
		cmocka_unit_test(test_calloc_zero),
		cmocka_unit_test(test_calloc_big),
		cmocka_unit_test(test_out_of_memory),
	};

	if (argc == 3 && strcmp(argv[1], "--child") == 0)
		return child(argv[2]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
