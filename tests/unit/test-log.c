/*
 * test-log.c: the log of every process (log.c): each line is "HH:MM:SS.mmm
 * ROLE[PID] LEVEL: MESSAGE", in the file log_init opened (appended to)
 * or on stderr; debug lines only when verbose, nothing from log_info
 * before log_init, log_warn and fatal add strerror(errno), and fatal
 * and fatalx exit with EXIT_INTERNAL.  Whatever ends or must start
 * with no log is run in this program spawned again ("test-log --child
 * NAME"), its stderr read through a pipe.
 */

#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "weft.h"
#include "unit.h"
/*
 * Checks that TEXT, from *POS, holds the line "HH:MM:SS.mmm ROLE[PID]
 * LEVEL: MSG" with a time within a few seconds of now, and moves *POS
 * past it.
 */
static void
expect_line(const char *text, size_t *pos, const char *role, long pid,
    const char *level, const char *msg)
{
	regex_t		 re;
	struct tm	 tm;
	time_t		 now;
	const char	*line = text + *pos, *nl;
	char		 stamp[13], *want;
	long		 then, diff;
	int		 h, m, s;

	if ((nl = strchr(line, '\n')) == NULL)
		fail_msg("no line for '%s' in '%s'", msg, line);
	if (nl - line < 12)
		fail_msg("short line '%.*s'", (int)(nl - line), line);
	memcpy(stamp, line, 12);
	stamp[12] = '\0';
	assert_int_equal(regcomp(&re,
	    "^[0-2][0-9]:[0-5][0-9]:[0-6][0-9]\\.[0-9]{3}$",
	    REG_EXTENDED|REG_NOSUB), 0);
	if (regexec(&re, stamp, 0, NULL, 0) != 0)
		fail_msg("bad time '%s' in '%.*s'", stamp, (int)(nl - line),
		    line);
	regfree(&re);
	assert_int_equal(sscanf(stamp, "%d:%d:%d", &h, &m, &s), 3);
	now = time(NULL);
	localtime_r(&now, &tm);
	then = h * 3600L + m * 60 + s;
	diff = labs(tm.tm_hour * 3600L + tm.tm_min * 60 + tm.tm_sec - then);
	if (diff > 86400 - diff)
		diff = 86400 - diff;
	if (diff > 5)
		fail_msg("time '%s' is %lds from now", stamp, diff);

	want = xprintf(" %s[%ld] %s: %s", role, pid, level, msg);
	if (strlen(want) != (size_t)(nl - line - 12) ||
	    strncmp(line + 12, want, strlen(want)) != 0)
		fail_msg("line '%.*s', wanted '%s%s'", (int)(nl - line), line,
		    stamp, want);
	free(want);
	*pos = (size_t)(nl + 1 - text);
}

/* The children: each does one thing a test cannot do in-process. */
static int
child(const char *name)
{
	if (strcmp(name, "no-init") == 0) {
		log_info("not said: no log yet");
		log_debug("not said: not verbose");
		log_warnx("said %d", 1);
		return 0;
	}
	if (strcmp(name, "bad-path") == 0) {
		log_init("/nonexistent/dir/weft.log", 0);
		log_info("to stderr");
		return 0;
	}
	if (strcmp(name, "fatal") == 0) {
		log_init(NULL, 0);
		log_set_role("router");
		errno = ENOENT;
		fatal("gone %d", 7);
	}
	if (strcmp(name, "fatalx") == 0) {
		log_init(NULL, 0);
		log_set_role("router");
		errno = ENOENT;
		fatalx("bad %s", "input");
	}
	return 100;
}

/* Runs child NAME: what it wrote to stderr, its pid and status. */
static char *
run_child(const char *name, pid_t *pid, int *status)
{
	char	*argv[] = { "test-log", "--child", (char *)name, NULL };

	return unit_run_self(argv, STDERR_FILENO, pid, status, NULL);
}

/* Before log_init: log_info and log_debug say nothing, warnings go out. */
static void
test_no_init(void **state)
{
	char	*out;
	size_t	 pos = 0;
	pid_t	 pid;
	int	 status;

	(void)state;
	out = run_child("no-init", &pid, &status);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	expect_line(out, &pos, "weft", pid, "warning", "said 1");
	assert_string_equal(out + pos, "");
	free(out);
}

/* A log that cannot be opened is said so, and stderr is the log. */
static void
test_bad_path(void **state)
{
	const char	*want = "weft: cannot open log "
			    "'/nonexistent/dir/weft.log': "
			    "No such file or directory\n";
	char		*out;
	size_t		 pos;
	pid_t		 pid;
	int		 status;

	(void)state;
	out = run_child("bad-path", &pid, &status);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_memory_equal(out, want, strlen(want));
	pos = strlen(want);
	expect_line(out, &pos, "weft", pid, "info", "to stderr");
	assert_string_equal(out + pos, "");
	free(out);
}

/* fatal adds strerror(errno), fatalx does not; both exit 3. */
static void
test_fatal(void **state)
{
	char	*out;
	size_t	 pos = 0;
	pid_t	 pid;
	int	 status;

	(void)state;
	out = run_child("fatal", &pid, &status);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), EXIT_INTERNAL);
	expect_line(out, &pos, "router", pid, "fatal",
	    "gone 7: No such file or directory");
	assert_string_equal(out + pos, "");
	free(out);

	pos = 0;
	out = run_child("fatalx", &pid, &status);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), EXIT_INTERNAL);
	expect_line(out, &pos, "router", pid, "fatal", "bad input");
	assert_string_equal(out + pos, "");
	free(out);
}

/*
 * In a log file: appended after what is there, in order, with the role;
 * debug lines only when verbose; log_warn adds strerror(errno).
 */
static void
test_file(void **state)
{
	char	*dir, *path, *text;
	size_t	 pos;
	long	 pid = (long)getpid();

	(void)state;
	dir = unit_scratch("test-log");
	path = xprintf("%s/weft.log", dir);
	assert_int_equal(write_file_atomic(path, "old\n", 4), 0);
	log_init(path, 0);
	log_set_role("pool");
	log_info("hello %s %d", "x", 42);
	log_debug("not verbose: dropped");
	errno = EACCES;
	log_warn("open %s", "f");
	errno = EACCES;
	log_warnx("no %s", "errno");
	text = unit_slurp(path, NULL);
	assert_memory_equal(text, "old\n", 4);
	pos = 4;
	expect_line(text, &pos, "pool", pid, "info", "hello x 42");
	expect_line(text, &pos, "pool", pid, "warning",
	    "open f: Permission denied");
	expect_line(text, &pos, "pool", pid, "warning", "no errno");
	assert_string_equal(text + pos, "");
	free(text);
	free(path);

	/* Verbose: debug lines are kept; a long role is cut, not spilt. */
	path = xprintf("%s/verbose.log", dir);
	log_init(path, 1);
	log_set_role("a-role-name-longer-than-thirty-one-bytes");
	log_debug("shown %d", 1);
	log_info("%s", "");
	text = unit_slurp(path, NULL);
	pos = 0;
	expect_line(text, &pos, "a-role-name-longer-than-thirty-", pid,
	    "debug", "shown 1");
	expect_line(text, &pos, "a-role-name-longer-than-thirty-", pid,
	    "info", "");
	assert_string_equal(text + pos, "");
	free(text);
	log_set_role("weft");
	unlink(path);
	free(path);
	path = xprintf("%s/weft.log", dir);
	unlink(path);
	free(path);
	assert_int_equal(rmdir(dir), 0);
	free(dir);
}

/* A full disk is always said the same way; other errors as strerror. */
static void
test_strerror(void **state)
{
	(void)state;
	assert_string_equal(weft_strerror(ENOSPC), DISK_FULL);
	assert_string_equal(weft_strerror(ENOENT), strerror(ENOENT));
	assert_string_equal(weft_strerror(EACCES), strerror(EACCES));
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_init),
		cmocka_unit_test(test_bad_path),
		cmocka_unit_test(test_fatal),
		cmocka_unit_test(test_file),
		cmocka_unit_test(test_strerror),
	};

	if (argc == 3 && strcmp(argv[1], "--child") == 0)
		return child(argv[2]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
