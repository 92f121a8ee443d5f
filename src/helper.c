/*
 * helper.c: what every helper role (interchange, pool, router, dbwriter)
 * does before its event loop, so that they all start the same way: log
 * to stderr (which spawn pointed at the role's log file) under the role's
 * name, work from the run directory (whose relative ipc:// paths then
 * never overflow sun_path), and read the signals that stop it from a
 * signalfd in the loop instead of from handlers.
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
