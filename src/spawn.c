/*
 * spawn.c: the only place where weft starts a process.
 *
 * Every child is created by posix_spawn (glibc implements it with
 * clone(CLONE_VM|CLONE_VFORK), so nothing of the parent runs in the child
 * but the exec, and a failed exec comes back as an error).  The caller
 * names exactly which of its descriptors the child keeps and at which
 * numbers; everything else is closed in the child by closefrom, on top of
 * every descriptor in weft being opened close-on-exec anyway.  Signal
 * handling is reset to defaults and the signal mask emptied, because weft
 * processes block the signals that they read through signalfd.
 */

#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "weft.h"

extern char	**environ;

/* Keeps stdin, stdout and stderr on /dev/null and nothing else. */
void
spawn_init(struct spawn *sp)
{
	int	 i;

	memset(sp, 0, sizeof *sp);
	for (i = 0; i < SPAWN_MAX_FDS; i++)
		sp->fds[i] = -1;
	sp->nfds = 3;
}

/*
 * Starts the child.  Returns its pid, or -1 with the reason in *errp (an
 * errno value: from the exec itself, or from opening a named file).
 */
pid_t
spawn_start(const struct spawn *sp, int *errp)
{
	posix_spawn_file_actions_t	 fa;
	posix_spawnattr_t		 attr;
	sigset_t			 none, dflt;
	int				 tmp[SPAWN_MAX_FDS];
	int				 i, n, flags, oflags, error = 0;
	pid_t				 pid = -1;

	n = sp->nfds > SPAWN_MAX_FDS ? SPAWN_MAX_FDS : sp->nfds;
	for (i = 0; i < SPAWN_MAX_FDS; i++)
		tmp[i] = -1;

	/*
	 * File actions run in order in the child, so a source descriptor
	 * could be overwritten by an earlier dup2 to its number.  Moving
	 * every source above the target range first rules that out, and
	 * dup2 onto a different number clears close-on-exec as wanted.
	 */
	for (i = 0; i < n; i++) {
		if (sp->fds[i] < 0)
			continue;
		tmp[i] = fcntl(sp->fds[i], F_DUPFD_CLOEXEC, SPAWN_MAX_FDS);
		if (tmp[i] == -1) {
			error = errno;
			goto out;
		}
	}

	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&attr);
	oflags = O_WRONLY|O_CREAT|(sp->append ? O_APPEND : O_TRUNC);
	for (i = 0; i < n; i++) {
		if (tmp[i] != -1)
			posix_spawn_file_actions_adddup2(&fa, tmp[i], i);
		else if (i == 1 && sp->stdout_path != NULL)
			posix_spawn_file_actions_addopen(&fa, 1,
			    sp->stdout_path, oflags, 0644);
		else if (i == 2 && sp->stderr_path != NULL)
			posix_spawn_file_actions_addopen(&fa, 2,
			    sp->stderr_path, oflags, 0644);
		else if (i < 3)
			posix_spawn_file_actions_addopen(&fa, i, "/dev/null",
			    O_RDWR, 0);
	}
	posix_spawn_file_actions_addclosefrom_np(&fa, n);
	if (sp->cwd != NULL)
		posix_spawn_file_actions_addchdir_np(&fa, sp->cwd);

	sigemptyset(&none);
	sigemptyset(&dflt);
	sigaddset(&dflt, SIGPIPE);
	sigaddset(&dflt, SIGINT);
	sigaddset(&dflt, SIGTERM);
	sigaddset(&dflt, SIGHUP);
	sigaddset(&dflt, SIGQUIT);
	sigaddset(&dflt, SIGCHLD);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &dflt);
	flags = POSIX_SPAWN_SETSIGMASK|POSIX_SPAWN_SETSIGDEF;
	if (sp->new_pgroup) {
		flags |= POSIX_SPAWN_SETPGROUP;
		posix_spawnattr_setpgroup(&attr, 0);
	}
	posix_spawnattr_setflags(&attr, flags);

	error = posix_spawn(&pid, sp->path, &fa, &attr, sp->argv,
	    sp->envp != NULL ? sp->envp : environ);
	if (error != 0)
		pid = -1;
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
out:
	for (i = 0; i < n; i++) {
		if (tmp[i] != -1)
			close(tmp[i]);
	}
	if (pid == -1 && errp != NULL)
		*errp = error;
	return pid;
}

/* Describes a wait status for people: "exit 3", "killed by SIGKILL". */
char *
wait_status_string(int status)
{
	const char	*abbrev;

	if (WIFEXITED(status)) {
		switch (WEXITSTATUS(status)) {
		case 126:
			return xstrdup("exit 126 (command not executable)");
		case 127:
			return xstrdup("exit 127 (command not found)");
		default:
			return xprintf("exit %d", WEXITSTATUS(status));
		}
	}
	if (WIFSIGNALED(status)) {
		abbrev = sigabbrev_np(WTERMSIG(status));
		if (abbrev == NULL)
			return xprintf("killed by signal %d%s",
			    WTERMSIG(status),
			    WCOREDUMP(status) ? " (core dumped)" : "");
		return xprintf("killed by SIG%s%s", abbrev,
		    WCOREDUMP(status) ? " (core dumped)" : "");
	}
	return xprintf("unknown status 0x%x", status);
}
