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

#include <poll.h>

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
	 * A source already above the range (a pipe, mostly) stays.
	 */
	for (i = 0; i < n; i++) {
		if (sp->fds[i] < 0)
			continue;
		if (sp->fds[i] >= n) {
			tmp[i] = sp->fds[i];
			continue;
		}
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
		else {
			/*
			 * A gap above 2 is closed, whatever the parent has
			 * there: opened first, so that the close cannot fail.
			 */
			posix_spawn_file_actions_addopen(&fa, i, "/dev/null",
			    O_RDWR, 0);
			if (i >= 3)
				posix_spawn_file_actions_addclose(&fa, i);
		}
	}
	posix_spawn_file_actions_addclosefrom_np(&fa, n);
	if (sp->cwd != NULL)
		posix_spawn_file_actions_addchdir_np(&fa, sp->cwd);

	/*
	 * Every signal at its default, whatever the user's shell ignored:
	 * a task behaves the same however weft was started.  It is also
	 * the cheap way for this glibc, which otherwise asks each signal's
	 * disposition before setting it, two calls a signal.
	 */
	sigemptyset(&none);
	sigfillset(&dflt);
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
		if (tmp[i] != -1 && tmp[i] != sp->fds[i])
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

/* NAME found in $PATH (or NAME itself if it has a slash); NULL: none. */
char *
spawn_which(const char *name)
{
	const char	*path = getenv("PATH"), *p, *end;
	char		*full;

	if (strchr(name, '/') != NULL)
		return access(name, X_OK) == 0 ? xstrdup(name) : NULL;
	if (path == NULL || *path == '\0')
		path = "/usr/local/bin:/usr/bin:/bin";
	for (p = path; *p != '\0'; p = *end != '\0' ? end + 1 : end) {
		end = strchr(p, ':');
		if (end == NULL)
			end = p + strlen(p);
		full = xprintf("%.*s/%s", (int)(end - p),
		    end == p ? "." : p, name);
		if (access(full, X_OK) == 0)
			return full;
		free(full);
	}
	return NULL;
}

/* Appends what FD has now to *BUF; 0 at EOF, -1 on an error. */
static int
drain_into(int fd, char **buf, size_t *len)
{
	char	 chunk[4096];
	ssize_t	 n;

	n = read(fd, chunk, sizeof chunk);
	if (n <= 0)
		return n == -1 && errno == EINTR ? 1 : 0;
	/* Kept to a bound: only its start is ever shown. */
	if (*len < 65536) {
		*buf = xreallocarray(*buf, *len + n + 1, 1);
		memcpy(*buf + *len, chunk, n);
		*len += n;
		(*buf)[*len] = '\0';
	}
	return 1;
}

/*
 * Runs ARGV[0] (looked up in $PATH) with INPUT (NULL: none) on its
 * stdin, and collects its stdout and stderr, for at most TIMEOUT_MS
 * (then it is killed).  For short commands of main's, such as sbatch or
 * squeue: main's loop waits for them.  Returns -1 (with res->spawn_errno)
 * if it cannot be started.
 */
int
spawn_output(char *const argv[], const char *input, int timeout_ms,
    struct spawn_output *res)
{
	struct spawn	 sp;
	struct pollfd	 pf[2];
	int		 out[2], err[2], in[2] = { -1, -1 }, open_fds = 2, i;
	int64_t		 until;
	size_t		 outlen = 0, errlen = 0;
	char		*path;
	pid_t		 pid;

	memset(res, 0, sizeof *res);
	if ((path = spawn_which(argv[0])) == NULL) {
		res->spawn_errno = ENOENT;
		return -1;
	}
	if (pipe2(out, O_CLOEXEC) == -1 || pipe2(err, O_CLOEXEC) == -1 ||
	    (input != NULL && pipe2(in, O_CLOEXEC) == -1))
		fatal("pipe2");
	spawn_init(&sp);
	sp.path = path;
	sp.argv = argv;
	sp.fds[0] = in[0];
	sp.fds[1] = out[1];
	sp.fds[2] = err[1];
	pid = spawn_start(&sp, &res->spawn_errno);
	free(path);
	close(out[1]);
	close(err[1]);
	if (in[0] != -1)
		close(in[0]);
	if (pid == -1) {
		close(out[0]);
		close(err[0]);
		if (in[1] != -1)
			close(in[1]);
		return -1;
	}
	if (in[1] != -1) {
		/* Small (a key file): the pipe takes it whole. */
		if (write_all(in[1], input, strlen(input)) == -1)
			log_warn("cannot give %s its input", argv[0]);
		close(in[1]);
	}
	until = mono_ms() + timeout_ms;
	pf[0].fd = out[0];
	pf[1].fd = err[0];
	pf[0].events = pf[1].events = POLLIN;
	while (open_fds > 0) {
		if (mono_ms() >= until) {
			kill(pid, SIGKILL);
			res->timed_out = 1;
			break;
		}
		if (poll(pf, 2, (int)(until - mono_ms())) == -1 &&
		    errno != EINTR)
			break;
		for (i = 0; i < 2; i++) {
			if (pf[i].fd < 0 || !(pf[i].revents &
			    (POLLIN | POLLHUP | POLLERR)))
				continue;
			if (drain_into(pf[i].fd, i == 0 ? &res->out : &res->err,
			    i == 0 ? &outlen : &errlen) == 0) {
				close(pf[i].fd);
				pf[i].fd = -1;
				open_fds--;
			}
		}
	}
	for (i = 0; i < 2; i++) {
		if (pf[i].fd >= 0)
			close(pf[i].fd);
	}
	while (waitpid(pid, &res->status, 0) == -1 && errno == EINTR)
		;
	if (res->out == NULL)
		res->out = xstrdup("");
	if (res->err == NULL)
		res->err = xstrdup("");
	return 0;
}

void
spawn_output_free(struct spawn_output *res)
{
	free(res->out);
	free(res->err);
	memset(res, 0, sizeof *res);
}
