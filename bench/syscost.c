/*
 * syscost.c: what the kernel charges on this machine for the two things
 * weft's helpers do most per task, so that bench/syscalls.sh can turn
 * its counts into time: one system call (getppid, which does nothing
 * else), and one wake-up of another process (a byte sent back and forth
 * between two processes over pipes: two wake-ups, four calls).  The
 * other process is this program again, started with posix_spawn as
 * "syscost --echo N" on the pipes.
 *
 *     syscost [N]
 *
 * Prints two lines, "syscall NS" and "wakeup NS", in nanoseconds.
 */
#define _GNU_SOURCE		/* pipe2 */

#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static double
now_ns(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* The other end: sends back each byte that comes, N times. */
static int
echo(long n)
{
	char	 c;
	long	 i;

	for (i = 0; i < n; i++) {
		if (read(0, &c, 1) != 1 || write(1, &c, 1) != 1)
			return 1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	posix_spawn_file_actions_t fa;
	long	 n, i;
	int	 there[2], back[2], status;
	double	 t0, call_ns, trip_ns;
	char	 c = 0, count[32];
	char	*args[4];
	pid_t	 pid;

	if (argc == 3 && strcmp(argv[1], "--echo") == 0)
		return echo(atol(argv[2]));
	n = argc > 1 ? atol(argv[1]) : 100000;
	if (n < 1) {
		fprintf(stderr, "usage: syscost [N]\n");
		return 2;
	}
	t0 = now_ns();
	for (i = 0; i < n; i++)
		(void)getppid();
	call_ns = (now_ns() - t0) / n;

	/* Only the copies on 0 and 1 reach the other end. */
	if (pipe2(there, O_CLOEXEC) == -1 || pipe2(back, O_CLOEXEC) == -1) {
		perror("pipe");
		return 1;
	}
	snprintf(count, sizeof count, "%ld", n);
	args[0] = argv[0];
	args[1] = "--echo";
	args[2] = count;
	args[3] = NULL;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, there[0], 0);
	posix_spawn_file_actions_adddup2(&fa, back[1], 1);
	if ((errno = posix_spawn(&pid, "/proc/self/exe", &fa, NULL, args,
	    environ)) != 0) {
		perror("posix_spawn");
		return 1;
	}
	posix_spawn_file_actions_destroy(&fa);
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		if (write(there[1], &c, 1) != 1 || read(back[0], &c, 1) != 1) {
			perror("pipe");
			return 1;
		}
	}
	trip_ns = now_ns() - t0;
	if (waitpid(pid, &status, 0) == -1 || status != 0) {
		fprintf(stderr, "syscost: the echoing process failed\n");
		return 1;
	}
	/* A round trip is two wake-ups and four calls. */
	printf("syscall %.0f\n", call_ns);
	printf("wakeup %.0f\n", (trip_ns / n - 4 * call_ns) / 2);
	return 0;
}
