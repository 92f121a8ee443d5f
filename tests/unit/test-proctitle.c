/*
 * test-proctitle.c: the title a helper shows in ps (proctitle.c): after
 * proctitle_init, proctitle_set changes what /proc/self/cmdline shows
 * and the short name in /proc/self/comm; a title longer than the argv
 * strings is cut, never spilling into the environment that follows;
 * argv itself stays valid.  The titles need a real argv, laid out by
 * the kernel, of a known size: so this program runs itself again as
 * "test-proctitle --titled PADDING" and the tests run in that process.
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

#define GUARD		"WEFT_PROCTITLE_GUARD=kept"

static char	**saved_argv;
static size_t	  area_size;	/* the argv strings, NULs and all */
static char	 *environ_before;
static size_t	  environ_len;
/* /proc/self/cmdline is TITLE, then NULs to the end of the argv area. */
static void
expect_cmdline(const char *title)
{
	char	*buf;
	size_t	 len, i;

	buf = unit_slurp("/proc/self/cmdline", &len);
	assert_int_equal(len, area_size);
	assert_true(strlen(title) < area_size);
	assert_string_equal(buf, title);
	for (i = strlen(title); i < len; i++) {
		if (buf[i] != '\0')
			fail_msg("byte %zu of cmdline is '%c'", i, buf[i]);
	}
	free(buf);
}

/* The environment after the argv strings is as it was. */
static void
expect_environ(void)
{
	char	*buf;
	size_t	 len;

	buf = unit_slurp("/proc/self/environ", &len);
	assert_int_equal(len, environ_len);
	assert_memory_equal(buf, environ_before, len);
	assert_non_null(memmem(buf, len, GUARD, sizeof GUARD));
	free(buf);
	assert_non_null(getenv("WEFT_PROCTITLE_GUARD"));
	assert_string_equal(getenv("WEFT_PROCTITLE_GUARD"), "kept");
}

static void
test_set(void **state)
{
	char	*comm;
	size_t	 len;

	(void)state;
	proctitle_set("weft: pool %d run %s (%d/%d busy)", 0, "0007", 3, 4);
	expect_cmdline("weft: pool 0 run 0007 (3/4 busy)");
	/* The short name is the first 15 bytes. */
	comm = unit_slurp("/proc/self/comm", &len);
	/* No spaces: /proc/PID/stat stays word by word. */
	assert_string_equal(comm, "weft:pool-0-run\n");
	free(comm);
	expect_environ();

	/* A shorter title leaves nothing of the longer one behind. */
	proctitle_set("weft: %s", "router");
	expect_cmdline("weft: router");
	comm = unit_slurp("/proc/self/comm", &len);
	assert_string_equal(comm, "weft:router\n");
	free(comm);

	/* argv was copied away first, and still reads as it did. */
	assert_string_equal(saved_argv[1], "--titled");
	assert_int_equal(strspn(saved_argv[2], "p"), 100);
	assert_int_equal(strlen(saved_argv[2]), 100);
}

/* A title longer than the argv strings is cut to fit. */
static void
test_cut(void **state)
{
	char	 want[512];

	(void)state;
	assert_true(area_size < 200);
	memset(want, 'y', area_size - 1);
	want[area_size - 1] = '\0';
	proctitle_set("%s%0*d", want, 300, 7);
	expect_cmdline(want);
	expect_environ();
	assert_string_equal(saved_argv[1], "--titled");

	proctitle_set("weft: short");
	expect_cmdline("weft: short");
	expect_environ();
}

/*
 * Strings not laid end to end stop the area: the title stays within
 * the first run of them.  Last, since it moves the title elsewhere.
 */
static void
test_gap(void **state)
{
	char	 area[32], other[8] = "two";
	char	*argv[4];

	(void)state;
	memcpy(area, "prog\0one\0SENTINEL", sizeof "prog\0one\0SENTINEL");
	argv[0] = area;
	argv[1] = area + 5;
	argv[2] = other;
	argv[3] = NULL;
	proctitle_init(3, argv);
	assert_ptr_not_equal(argv[0], area);
	assert_string_equal(argv[0], "prog");
	assert_string_equal(argv[1], "one");
	assert_string_equal(argv[2], "two");
	proctitle_set("a much longer title");
	assert_memory_equal(area, "a much l\0SENTINEL", 18);
	assert_string_equal(other, "two");
	free(argv[0]);
	free(argv[1]);
	free(argv[2]);
}

/* Runs this program again with a known argv and one more variable. */
static int
respawn(const char *argv0)
{
	char	 pad[101];
	char	*argv[4], **envp;
	size_t	 n;
	pid_t	 pid;
	int	 status;

	memset(pad, 'p', 100);
	pad[100] = '\0';
	argv[0] = (char *)argv0;
	argv[1] = "--titled";
	argv[2] = pad;
	argv[3] = NULL;
	for (n = 0; environ[n] != NULL; n++)
		;
	envp = xreallocarray(NULL, n + 2, sizeof *envp);
	memcpy(envp, environ, n * sizeof *envp);
	envp[n] = GUARD;
	envp[n + 1] = NULL;
	if (posix_spawn(&pid, "/proc/self/exe", NULL, NULL, argv, envp) != 0 ||
	    waitpid(pid, &status, 0) != pid) {
		printf("Bail out! cannot run the tests in a new process\n");
		return 1;
	}
	free(envp);
	if (!WIFEXITED(status)) {
		printf("Bail out! the tests were killed\n");
		return 1;
	}
	return WEXITSTATUS(status);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_set),
		cmocka_unit_test(test_cut),
		cmocka_unit_test(test_gap),
	};
	int	 i;

	if (argc != 3 || strcmp(argv[1], "--titled") != 0)
		return respawn(argv[0]);
	for (i = 0; i < argc; i++)
		area_size += strlen(argv[i]) + 1;
	environ_before = unit_slurp("/proc/self/environ", &environ_len);
	proctitle_init(argc, argv);
	saved_argv = argv;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
