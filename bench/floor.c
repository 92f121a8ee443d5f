/*
 * floor.c: the cheapest way to run N commands J at a time on this
 * machine, the floor that bench/compare.sh measures weft against.
 * A loop of posix_spawn of "/bin/sh -c CMD" keeping J in flight,
 * reaping with waitpid; nothing recorded.
 *
 *     floor N J [CMD]
 */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

extern char **environ;

int
main(int argc, char **argv)
{
	long n, jobs, started = 0, running = 0, failed = 0;
	char *cmd;
	int status;

	if (argc < 3) {
		fprintf(stderr, "usage: floor N J [CMD]\n");
		return 2;
	}
	n = atol(argv[1]);
	jobs = atol(argv[2]);
	cmd = argc > 3 ? argv[3] : "true";
	if (n < 1 || jobs < 1) {
		fprintf(stderr, "floor: N and J must be positive\n");
		return 2;
	}
	while (started < n || running > 0) {
		while (started < n && running < jobs) {
			char *args[] = { "/bin/sh", "-c", cmd, NULL };
			pid_t pid;

			if (posix_spawn(&pid, "/bin/sh", NULL, NULL, args,
			    environ) != 0) {
				perror("floor: posix_spawn");
				return 1;
			}
			started++;
			running++;
		}
		if (wait(&status) < 0) {
			perror("floor: wait");
			return 1;
		}
		running--;
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			failed++;
	}
	if (failed > 0) {
		fprintf(stderr, "floor: %ld commands failed\n", failed);
		return 1;
	}
	return 0;
}
