/*
 * startup.c: runs one command once and prints its wall time and the CPU
 * time of it and of every process it waited for, in microseconds, and
 * its exit status: "WALL_US CPU_US STATUS".  What the command prints
 * goes to /dev/null.  bench/startup.sh calls it for each run it times.
 * The CPU time comes from wait4: a process's usage includes the children
 * it reaped, so a weft run's covers main, its helpers and its tasks.
 *
 *     startup CMD [ARG...]
 */
#include <sys/resource.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <time.h>

extern char **environ;

static long long
usec(const struct timeval *tv)
{
	return (long long)tv->tv_sec * 1000000 + tv->tv_usec;
}

int
main(int argc, char **argv)
{
	struct timespec	 t0, t1;
	struct rusage	 ru;
	posix_spawn_file_actions_t fa;
	pid_t		 pid;
	int		 status, error;

	if (argc < 2) {
		fprintf(stderr, "usage: startup CMD [ARG...]\n");
		return 2;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	error = posix_spawnp(&pid, argv[1], &fa, NULL, argv + 1, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (error != 0) {
		fprintf(stderr, "startup: cannot run %s\n", argv[1]);
		return 1;
	}
	if (wait4(pid, &status, 0, &ru) != pid) {
		perror("startup: wait4");
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("%lld %lld %d\n", (long long)(t1.tv_sec - t0.tv_sec) *
	    1000000 + (t1.tv_nsec - t0.tv_nsec) / 1000,
	    usec(&ru.ru_utime) + usec(&ru.ru_stime),
	    WIFEXITED(status) ? WEXITSTATUS(status) : 128 +
	    WTERMSIG(status));
	return 0;
}
