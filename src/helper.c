/*
 * helper.c: what every helper role (interchange, pool, router, dbwriter)
 * does before its event loop, so that they all start the same way: log
 * to stderr (which spawn pointed at the role's log file) under the role's
 * name, work from the run directory (whose relative ipc:// paths then
 * never overflow sun_path), and read the signals that stop it from a
 * signalfd in the loop instead of from handlers.  Also the small pieces
 * that every process shares: the monotonic clock, strict numbers.
 */

#include <sys/prctl.h>
#include <sys/signalfd.h>

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "weft.h"

/*
 * Returns the signalfd for SIGTERM, SIGINT, SIGHUP and, when CHILDREN is
 * set, SIGCHLD.  Any failure here ends the helper (exit 3).
 */
int
helper_begin(const char *role, const char *rundir, int verbose,
    int children)
{
	sigset_t	 mask;
	int		 fd;

	log_init(NULL, verbose);
	log_set_role(role);
	if (chdir(rundir) == -1)
		fatal("cannot enter run directory '%s'", rundir);
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	if (children)
		sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	if ((fd = signalfd(-1, &mask, SFD_NONBLOCK|SFD_CLOEXEC)) == -1)
		fatal("signalfd");
	return fd;
}

/*
 * A child without a lifeline pipe (a worker, a hasher) dies with the
 * process that started it, PARENT: posix_spawn cannot ask for that, so the
 * child does, then checks that the parent did not die before it asked.
 * Returns -1 if it did.
 */
int
helper_die_with(long parent)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	return getppid() == (pid_t)parent ? 0 : -1;
}

/*
 * A strict decimal number from MIN to MAX: digits only, no sign, no
 * spaces, nothing after.  Returns -1 for anything else.
 */
int
parse_number(const char *s, long min, long max, int *out)
{
	char	*end;
	long	 v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = (int)v;
	return 0;
}

/* Milliseconds on the monotonic clock, for timeouts. */
int64_t
mono_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
