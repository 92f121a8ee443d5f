/*
 * spawn.c: the only place where weft starts a process.
 *
 * Every child is created by vfork and exec, as posix_spawn does it
 * (clone(CLONE_VM|CLONE_VFORK)): nothing of the parent runs in the child
 * but a few system calls and the exec, and a failed exec comes back as
 * an error.  Unlike glibc's posix_spawn it maps no stack per child: a
 * task's start is on a pool's critical path.  The caller names exactly
 * which of its descriptors the child keeps and at which numbers;
 * everything else is closed in the child by closefrom, on top of every
 * descriptor in weft being opened close-on-exec anyway.  Signal handling
 * is reset to defaults and the signal mask emptied, because weft
 * processes block the signals that they read through signalfd.
 */

#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <poll.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <pthread.h>
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
 * What the child does between vfork and exec, from the plan the parent
 * made: only system calls, nothing that allocates or locks, since it
 * runs in the parent's memory while the parent waits.
 */
struct spawn_plan {
	const struct spawn *sp;
	const int	*src;		/* [i]: dup2 to i; -1: open or close */
	int		 n;		/* descriptors 0..n-1 are set */
	int		 oflags;	/* for stdout_path and stderr_path */
	char *const	*envp;
	volatile int	 error;		/* the child's errno, if it failed */
};

/* Opens PATH at descriptor I in the child; -1 on failure. */
static int
child_open_at(const char *path, int flags, int i)
{
	int	 fd;

	if ((fd = open(path, flags, 0644)) == -1)
		return -1;
	if (fd != i) {
		if (dup2(fd, i) == -1)
			return -1;
		close(fd);
	}
	return 0;
}

static void __attribute__((noreturn, noinline))
spawn_child(struct spawn_plan *pl)
{
	static const unsigned long kernel_dfl[8];
	const struct spawn	*sp = pl->sp;
	struct sigaction	 dfl;
	sigset_t		 none;
	int			 i, sig, rc;

	/*
	 * Every signal at its default, whatever the user's shell ignored:
	 * a task behaves the same however weft was started.  No handler of
	 * the parent's may run here: all signals stay blocked until then.
	 */
	memset(&dfl, 0, sizeof dfl);
	dfl.sa_handler = SIG_DFL;
	for (sig = 1; sig < NSIG; sig++) {
		/*
		 * glibc keeps the signals below SIGRTMIN to itself, and its
		 * posix_spawn leaves them ignored (inherited, through make
		 * say): the kernel's call, all zeros, is SIG_DFL.
		 */
		if (sigaction(sig, &dfl, NULL) == -1 && sig >= 32 &&
		    sig < SIGRTMIN)
			(void)syscall(SYS_rt_sigaction, sig, kernel_dfl, NULL,
			    (size_t)(NSIG - 1) / 8);
	}
	if (sp->new_pgroup && setpgid(0, 0) == -1)
		goto fail;
	for (i = 0; i < pl->n; i++) {
		if (pl->src[i] != -1)
			rc = dup2(pl->src[i], i);
		else if (i == 1 && sp->stdout_path != NULL)
			rc = child_open_at(sp->stdout_path, pl->oflags, 1);
		else if (i == 2 && sp->stderr_path != NULL)
			rc = child_open_at(sp->stderr_path, pl->oflags, 2);
		else if (i < 3)
			rc = child_open_at("/dev/null", O_RDWR, i);
		else {
			/* A gap above 2 is closed, whatever is there. */
			(void)close(i);
			rc = 0;
		}
		if (rc == -1)
			goto fail;
	}
	closefrom(pl->n);
	if (sp->cwd != NULL && chdir(sp->cwd) == -1)
		goto fail;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	execve(sp->path, sp->argv, pl->envp);
fail:
	pl->error = errno != 0 ? errno : EIO;
	_exit(127);
}

/* Its own frame, so that nothing of the caller's is the child's too. */
static pid_t __attribute__((noinline))
spawn_vfork(struct spawn_plan *pl)
{
	pid_t	 pid;

	if ((pid = vfork()) == 0)
		spawn_child(pl);
	return pid;
}

/*
 * Starts the child.  Returns its pid, or -1 with the reason in *errp (an
 * errno value: from the exec itself, or from opening a named file).
 */
pid_t
spawn_start(const struct spawn *sp, int *errp)
{
	struct spawn_plan	 pl;
	sigset_t		 all, old;
	int			 tmp[SPAWN_MAX_FDS];
	int			 i, n, status, error = 0;
	pid_t			 pid = -1;

	n = sp->nfds > SPAWN_MAX_FDS ? SPAWN_MAX_FDS : sp->nfds;
	for (i = 0; i < SPAWN_MAX_FDS; i++)
		tmp[i] = -1;

	/*
	 * The child sets its descriptors in order, so a source descriptor
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

	memset(&pl, 0, sizeof pl);
	pl.sp = sp;
	pl.src = tmp;
	pl.n = n;
	pl.oflags = O_WRONLY|O_CREAT|(sp->append ? O_APPEND : O_TRUNC);
	pl.envp = sp->envp != NULL ? sp->envp : environ;
	pl.error = 0;

	/*
	 * The child borrows this process's memory until its exec; this
	 * thread waits until then (or its _exit), and a failure comes back
	 * in pl.error.  With every signal blocked, no handler of ours can
	 * run in the child.
	 */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pid = spawn_vfork(&pl);
	if (pid == -1)
		error = errno;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (pid > 0 && pl.error != 0) {
		error = pl.error;
		while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
			;
		pid = -1;
	}
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
