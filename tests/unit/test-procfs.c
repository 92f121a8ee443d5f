/*
 * test-procfs.c: the /proc readers (procfs.c): the stat parser on tricky
 * lines and on the real /proc/self/stat, a child of ours as the stat
 * reader, the walks (all processes, our children), the environ and
 * cmdline readers see it, and what is said of it once it is a zombie and
 * once it is gone.
 */

#include <sys/types.h>
#include <sys/wait.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "weft.h"

/* After the name, each field holds its own number (fields 4 to 26). */
#define FIELDS	"4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 " \
		"24 25 26"

static void
test_parse_fields(void **state)
{
	struct proc_stat	 ps;

	(void)state;
	assert_int_equal(proc_stat_parse("123 (sh) S " FIELDS "\n", &ps), 0);
	assert_int_equal(ps.pid, 123);
	assert_string_equal(ps.comm, "sh");
	assert_int_equal(ps.state, 'S');
	assert_int_equal(ps.ppid, 4);
	assert_int_equal(ps.pgrp, 5);
	assert_int_equal(ps.utime, 14);
	assert_int_equal(ps.stime, 15);
	assert_int_equal(ps.start, 22);
	assert_int_equal(ps.vsize, 23);
	assert_int_equal(ps.rss, 24);
}

/* A name may hold spaces, parentheses and ") S 1": its last ')' ends it. */
static void
test_parse_tricky_names(void **state)
{
	struct proc_stat	 ps;

	(void)state;
	assert_int_equal(proc_stat_parse("123 (a) b) c) R " FIELDS, &ps), 0);
	assert_string_equal(ps.comm, "a) b) c");
	assert_int_equal(ps.state, 'R');
	assert_int_equal(ps.ppid, 4);
	assert_int_equal(ps.start, 22);

	assert_int_equal(proc_stat_parse("7 (x) S 1 2 (y) Z " FIELDS, &ps), 0);
	assert_string_equal(ps.comm, "x) S 1 2 (y");
	assert_int_equal(ps.state, 'Z');
	assert_int_equal(ps.pgrp, 5);

	assert_int_equal(proc_stat_parse("8 () D " FIELDS, &ps), 0);
	assert_string_equal(ps.comm, "");
	assert_int_equal(ps.state, 'D');

	/* A long name is cut short, the fields are still read. */
	assert_int_equal(proc_stat_parse("9 (" "0123456789012345678901234"
	    "5678901234567890123456789012345678901234567890123456789) T "
	    FIELDS, &ps), 0);
	assert_int_equal(strlen(ps.comm), sizeof ps.comm - 1);
	assert_int_equal(ps.state, 'T');
	assert_int_equal(ps.rss, 24);
}

static void
test_parse_refuses(void **state)
{
	struct proc_stat	 ps;

	(void)state;
	assert_int_equal(proc_stat_parse("", &ps), -1);
	assert_int_equal(proc_stat_parse("abc (sh) S " FIELDS, &ps), -1);
	assert_int_equal(proc_stat_parse("0 (sh) S " FIELDS, &ps), -1);
	assert_int_equal(proc_stat_parse("-5 (sh) S " FIELDS, &ps), -1);
	assert_int_equal(proc_stat_parse("12 (sh S " FIELDS, &ps), -1);
	assert_int_equal(proc_stat_parse("12 sh) S " FIELDS, &ps), -1);
	/* Cut before the resident set size. */
	assert_int_equal(proc_stat_parse("12 (sh) S 4 5 6 7 8 9 10 11 12 13 "
	    "14 15 16 17 18 19 20 21 22 23", &ps), -1);
	assert_int_equal(proc_stat_parse("12 (sh) S x 5 6", &ps), -1);
}

static void
test_self(void **state)
{
	struct proc_stat	 ps, ps2;
	char			 path[4096];
	long			 fds;
	int			 fd;

	(void)state;
	assert_int_equal(proc_stat(0, &ps), 0);
	assert_int_equal(ps.pid, getpid());
	assert_int_equal(ps.ppid, getppid());
	assert_int_equal(ps.pgrp, getpgrp());
	assert_int_equal(ps.state, 'R');
	assert_string_equal(ps.comm, "test-procfs");
	assert_true(ps.start > 0);
	assert_true(ps.vsize > 0);
	assert_true(ps.rss > 0);
	assert_int_equal(proc_stat(getpid(), &ps2), 0);
	assert_int_equal(ps2.start, ps.start);
	assert_int_equal(proc_start_ticks(getpid(), NULL), (long long)ps.start);
	assert_true(proc_cpu_ticks(getpid(), NULL) >= 0);
	assert_true(proc_rss_kb(0) > 0);
	assert_true(proc_rss_kb(getpid()) > 0);

	fds = proc_self_fds();
	assert_true(fds >= 3);
	assert_true((fd = open("/dev/null", O_RDONLY)) != -1);
	assert_int_equal(proc_self_fds(), fds + 1);
	close(fd);
	assert_int_equal(proc_self_fds(), fds);

	assert_true(proc_self_exe(path, sizeof path) > 0);
	assert_int_equal(path[0], '/');
	assert_non_null(strstr(path, "/test-procfs"));
	assert_string_equal(strrchr(path, '/'), "/test-procfs");
}

/* Whether the walk over /proc comes upon PID. */
static int
walk_finds(pid_t pid)
{
	struct proc_walk	*w;
	pid_t			 p;
	int			 found = 0, n = 0;

	assert_non_null(w = proc_walk_open());
	while ((p = proc_walk_next(w)) != 0) {
		assert_true(p > 0);
		found |= p == pid;
		n++;
	}
	proc_walk_close(w);
	assert_true(n >= 2);
	return found;
}

/* Whether the walk over our children comes upon PID, and only them. */
static int
children_have(pid_t pid)
{
	struct proc_walk	*w;
	struct proc_stat	 ps;
	pid_t			 p;
	int			 found = 0;

	assert_non_null(w = proc_walk_children());
	while ((p = proc_walk_next(w)) != 0) {
		found |= p == pid;
		if (proc_stat(p, &ps) == 0)
			assert_int_equal(ps.ppid, getpid());
	}
	proc_walk_close(w);
	return found;
}

static void
test_child(void **state)
{
	struct spawn		 sp;
	struct proc_stat	 ps;
	siginfo_t		 si;
	char			*argv[] = { "sleep", "30", NULL };
	char			*envp[] = { "WEFT_TEST_PROCFS=yes", "A=b",
				    NULL };
	char			 buf[64], st = 0;
	int64_t			 rd = 5, wr = 7;
	ssize_t			 n;
	pid_t			 pid;
	int			 error, status, i;

	(void)state;
	spawn_init(&sp);
	sp.path = "/bin/sleep";
	sp.argv = argv;
	sp.envp = envp;
	sp.new_pgroup = 1;
	pid = spawn_start(&sp, &error);
	assert_true(pid > 0);

	/*
	 * Until the exec is done, the child is a copy of us, and its name
	 * changes before its new arguments and environment are in place:
	 * wait until it sleeps with its arguments there.
	 */
	for (i = 0; i < 500; i++) {
		assert_int_equal(proc_stat(pid, &ps), 0);
		if (strcmp(ps.comm, "sleep") == 0 && ps.state == 'S' &&
		    proc_cmdline(pid, buf, sizeof buf) > 0)
			break;
		usleep(10000);
	}
	assert_string_equal(ps.comm, "sleep");
	assert_int_equal(ps.pid, pid);
	assert_int_equal(ps.ppid, getpid());
	assert_int_equal(ps.pgrp, pid);
	assert_int_equal(ps.state, 'S');
	assert_int_equal(proc_start_ticks(pid, &st), (long long)ps.start);
	assert_true(st == 'S' || st == 'R');
	assert_true(proc_cpu_ticks(pid, NULL) >= 0);
	assert_true(walk_finds(pid));
	assert_true(children_have(pid));

	assert_true(proc_has_env(pid, "WEFT_TEST_PROCFS=yes"));
	assert_true(proc_has_env(pid, "A=b"));
	assert_false(proc_has_env(pid, "WEFT_TEST_PROCFS=no"));
	assert_false(proc_has_env(pid, "WEFT_TEST_PROCFS=ye"));
	assert_false(proc_has_env(pid, "WEFT_TEST_PROCFS"));

	n = proc_cmdline(pid, buf, sizeof buf);
	assert_int_equal(n, sizeof "sleep" + sizeof "30");
	assert_string_equal(buf, "sleep");
	assert_string_equal(buf + sizeof "sleep", "30");
	/* Cut to the buffer, still NUL-ended. */
	assert_int_equal(proc_cmdline(pid, buf, 4), 3);
	assert_string_equal(buf, "sle");

	/* A zombie is still there, as such. */
	assert_int_equal(kill(pid, SIGKILL), 0);
	memset(&si, 0, sizeof si);
	assert_int_equal(waitid(P_PID, pid, &si, WEXITED | WNOWAIT), 0);
	assert_int_equal(proc_stat(pid, &ps), 0);
	assert_int_equal(ps.state, 'Z');
	assert_true(proc_start_ticks(pid, &st) > 0);
	assert_int_equal(st, 'Z');

	/* Gone: every reader says so, or leaves its counters alone. */
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(proc_stat(pid, &ps), -1);
	assert_int_equal(proc_start_ticks(pid, NULL), -1);
	assert_int_equal(proc_cpu_ticks(pid, NULL), -1);
	assert_int_equal(proc_rss_kb(pid), -1);
	assert_false(proc_has_env(pid, "WEFT_TEST_PROCFS=yes"));
	assert_int_equal(proc_cmdline(pid, buf, sizeof buf), -1);
	proc_io(pid, &rd, &wr);
	assert_int_equal(rd, 5);
	assert_int_equal(wr, 7);
	assert_false(walk_finds(pid));
	assert_false(children_have(pid));
}

/* What the host has: its CPUs and memory, GPUs from the environment. */
static void
test_host(void **state)
{
	(void)state;
	assert_true(host_cpus() >= 1);
	assert_true(host_cpus() <= sysconf(_SC_NPROCESSORS_ONLN));
	assert_true(host_memory() > (int64_t)64 << 20);
	setenv("CUDA_VISIBLE_DEVICES", "3,5,7", 1);
	assert_int_equal(host_gpus(), 3);
	setenv("CUDA_VISIBLE_DEVICES", "", 1);
	assert_int_equal(host_gpus(), 0);
	unsetenv("CUDA_VISIBLE_DEVICES");
	assert_true(host_gpus() >= 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_fields),
		cmocka_unit_test(test_parse_tricky_names),
		cmocka_unit_test(test_parse_refuses),
		cmocka_unit_test(test_self),
		cmocka_unit_test(test_child),
		cmocka_unit_test(test_host),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
