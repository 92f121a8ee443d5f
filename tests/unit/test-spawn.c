/*
 * test-spawn.c: how spawn_start (spawn.c) starts a child: the
 * descriptors it keeps and nothing else, /dev/null on the standard
 * streams it is not given, files opened for it (truncated or appended),
 * its folder and process group, every signal at its default and none
 * blocked whatever the parent did, the parent's mask as it was; and a
 * child that cannot start: the reason comes back and no process is left.
 */

#include <sys/types.h>
#include <sys/wait.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "weft.h"
#include "unit.h"

/*
 * Runs "sh -c SCRIPT" as SP says, its stdout on a pipe (unless SP names
 * a file), and returns what it wrote; its exit status must be 0.
 */
static char *
run_script(struct spawn *sp, const char *script)
{
	char	*argv[] = { "sh", "-c", (char *)script, NULL };
	char	*out = NULL;
	size_t	 n;
	pid_t	 pid;
	int	 fds[2] = { -1, -1 }, status, error = 0;

	sp->path = "/bin/sh";
	sp->argv = argv;
	if (sp->stdout_path == NULL) {
		assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
		sp->fds[1] = fds[1];
	}
	pid = spawn_start(sp, &error);
	assert_true(pid > 0);
	assert_int_equal(error, 0);
	if (fds[0] != -1) {
		close(fds[1]);
		sp->fds[1] = -1;
		out = read_all(fds[0], &n);
		assert_non_null(out);
		close(fds[0]);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	return out != NULL ? out : xstrdup("");
}

/* Given 1 and 3, the child has them; 0 is /dev/null; the rest is closed. */
static void
test_descriptors(void **state)
{
	struct spawn	 sp;
	char		*out, *script, *got;
	size_t		 n;
	int		 extra[2], leak;

	(void)state;
	assert_int_equal(pipe2(extra, O_CLOEXEC), 0);
	/* Not close-on-exec: only closefrom keeps it from the child. */
	leak = open("/dev/null", O_RDONLY);
	assert_true(leak > 3);
	spawn_init(&sp);
	sp.fds[3] = extra[1];
	sp.nfds = 4;
	script = xprintf("readlink /proc/self/fd/0; echo to3 >&3; "
	    "[ -e /proc/self/fd/%d ] && echo leaked; echo end", leak);
	out = run_script(&sp, script);
	assert_string_equal(out, "/dev/null\nend\n");
	close(extra[1]);
	got = read_all(extra[0], &n);
	assert_string_equal(got, "to3\n");
	free(got);
	free(out);
	free(script);
	close(extra[0]);
	close(leak);
}

/* A descriptor above all others, close-on-exec, for FD, which goes. */
static int
high(int fd)
{
	int	 h = fcntl(fd, F_DUPFD_CLOEXEC, 20);

	assert_true(h >= 20);
	close(fd);
	return h;
}

/* A source at a target's number is not lost to an earlier dup2. */
static void
test_descriptors_crossed(void **state)
{
	struct spawn	 sp;
	char		*out;
	size_t		 n;
	int		 a[2], b[2], k, saved = -1, flags;

	(void)state;
	/* Descriptor 3 may be the test harness's (make's jobserver): kept. */
	if ((flags = fcntl(3, F_GETFD)) != -1)
		saved = high(dup(3));
	assert_int_equal(pipe2(a, O_CLOEXEC), 0);
	assert_int_equal(pipe2(b, O_CLOEXEC), 0);
	for (k = 0; k < 2; k++) {
		a[k] = high(a[k]);
		b[k] = high(b[k]);
	}
	/* b's write end at 3, which the child gets as 4; a's as 3. */
	assert_int_equal(dup2(b[1], 3), 3);
	spawn_init(&sp);
	sp.fds[3] = a[1];
	sp.fds[4] = 3;
	sp.nfds = 5;
	free(run_script(&sp, "echo A >&3; echo B >&4"));
	close(a[1]);
	close(b[1]);
	close(3);
	if (saved != -1) {
		assert_int_equal(dup2(saved, 3), 3);
		fcntl(3, F_SETFD, flags);
		close(saved);
	}
	out = read_all(a[0], &n);
	assert_string_equal(out, "A\n");
	free(out);
	out = read_all(b[0], &n);
	assert_string_equal(out, "B\n");
	free(out);
	close(a[0]);
	close(b[0]);
}

/* stdout_path is made, truncated, or appended to with append. */
static void
test_named_files(void **state)
{
	struct spawn	 sp;
	char		*dir, *path, *got;

	(void)state;
	dir = unit_scratch("spawn");
	path = xprintf("%s/out", dir);
	spawn_init(&sp);
	sp.stdout_path = path;
	free(run_script(&sp, "echo one"));
	free(run_script(&sp, "echo two"));
	got = unit_slurp(path, NULL);
	assert_string_equal(got, "two\n");
	free(got);
	sp.append = 1;
	free(run_script(&sp, "echo three"));
	got = unit_slurp(path, NULL);
	assert_string_equal(got, "two\nthree\n");
	free(got);
	unlink(path);
	rmdir(dir);
	free(path);
	free(dir);
}

/* Its folder and its own process group. */
static void
test_cwd_and_group(void **state)
{
	struct spawn	 sp;
	char		*dir, *out, *want, *real;

	(void)state;
	dir = unit_scratch("spawn");
	real = realpath(dir, NULL);
	assert_non_null(real);
	spawn_init(&sp);
	sp.cwd = dir;
	sp.new_pgroup = 1;
	out = run_script(&sp, "pwd -P; "
	    "set -- $(cut -d')' -f2 /proc/$$/stat); "
	    "[ \"$3\" = $$ ] && echo leader");
	want = xprintf("%s\nleader\n", real);
	assert_string_equal(out, want);
	free(want);
	free(out);
	rmdir(dir);
	free(real);
	free(dir);
}

/*
 * Whatever the parent ignores, handles or blocks, the child starts with
 * every signal at its default and none blocked; the parent's own mask
 * and handlers are as they were.
 */
static void
handler(int sig)
{
	(void)sig;
}

static void
test_signals(void **state)
{
	struct spawn		 sp;
	struct sigaction	 sa, old_usr1, old_usr2, now;
	sigset_t		 block, before, after;
	unsigned long long	 blk, ign;
	char			*out;

	(void)state;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGUSR1, &sa, &old_usr1);
	sa.sa_handler = handler;
	sigaction(SIGUSR2, &sa, &old_usr2);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGCHLD);
	sigprocmask(SIG_BLOCK, &block, &before);
	sigprocmask(SIG_BLOCK, NULL, &before);

	spawn_init(&sp);
	out = run_script(&sp, "grep -E '^Sig(Blk|Ign)' /proc/self/status");
	assert_int_equal(sscanf(out, "SigBlk: %llx SigIgn: %llx", &blk, &ign),
	    2);
	assert_int_equal(blk, 0);
	/* glibc's posix_spawn ignores its own two (32, 33) in the child. */
	assert_int_equal(ign & ~(3ULL << 31), 0);
	free(out);

	sigprocmask(SIG_BLOCK, NULL, &after);
	assert_true(sigismember(&after, SIGTERM));
	assert_true(sigismember(&after, SIGCHLD));
	assert_false(sigismember(&after, SIGUSR1));
	sigaction(SIGUSR1, NULL, &now);
	assert_true(now.sa_handler == SIG_IGN);
	sigaction(SIGUSR2, NULL, &now);
	assert_true(now.sa_handler == handler);
	sigprocmask(SIG_UNBLOCK, &block, NULL);
	sigaction(SIGUSR1, &old_usr1, NULL);
	sigaction(SIGUSR2, &old_usr2, NULL);
}

/* A child that cannot start leaves the reason and no process behind. */
static void
expect_failure(struct spawn *sp, int want)
{
	siginfo_t	 si;
	pid_t		 pid;
	int		 error = 0;

	pid = spawn_start(sp, &error);
	assert_int_equal(pid, -1);
	assert_int_equal(error, want);
	memset(&si, 0, sizeof si);
	assert_int_equal(waitid(P_ALL, 0, &si, WEXITED | WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
}

static void
test_failures(void **state)
{
	struct spawn	 sp;
	char		*argv[] = { "nothing", NULL };
	char		*dir, *file;

	(void)state;
	dir = unit_scratch("spawn");
	spawn_init(&sp);
	sp.argv = argv;
	sp.path = "/nonexistent/nothing";
	expect_failure(&sp, ENOENT);
	/* Not executable. */
	file = xprintf("%s/plain", dir);
	close(open(file, O_WRONLY | O_CREAT, 0644));
	sp.path = file;
	expect_failure(&sp, EACCES);
	/* A file it cannot open, a folder it cannot enter. */
	sp.path = "/bin/true";
	sp.stdout_path = "/nonexistent/out";
	expect_failure(&sp, ENOENT);
	sp.stdout_path = NULL;
	sp.cwd = "/nonexistent";
	expect_failure(&sp, ENOENT);
	unlink(file);
	rmdir(dir);
	free(file);
	free(dir);
}

/* Many in a row: each started, each reaped, the same every time. */
static void
test_many(void **state)
{
	struct spawn	 sp;
	char		*out;
	int		 i;

	(void)state;
	for (i = 0; i < 200; i++) {
		spawn_init(&sp);
		out = run_script(&sp, "echo $#");
		assert_string_equal(out, "0\n");
		free(out);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_descriptors),
		cmocka_unit_test(test_descriptors_crossed),
		cmocka_unit_test(test_named_files),
		cmocka_unit_test(test_cwd_and_group),
		cmocka_unit_test(test_signals),
		cmocka_unit_test(test_failures),
		cmocka_unit_test(test_many),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
