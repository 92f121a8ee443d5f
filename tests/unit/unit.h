/*
 * unit.h: what several unit tests need around the module they test: a
 * scratch folder, a whole file read back, and this test program run
 * again as a child with one of its streams captured.  Included after
 * cmocka.h and weft.h; every function is static, for the one test file
 * that includes it.
 */

#ifndef UNIT_H
#define UNIT_H

#include <sys/wait.h>

#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <unistd.h>

extern char	**environ;

/* A fresh folder under TMPDIR, named after TEST; the caller removes it. */
static inline char *
unit_scratch(const char *test)
{
	const char	*tmp = getenv("TMPDIR");
	char		*dir;

	dir = xprintf("%s/weft-%s.XXXXXX", tmp != NULL ? tmp : "/tmp", test);
	assert_non_null(mkdtemp(dir));
	return dir;
}

/* The whole of PATH, NUL-ended; its length in *LEN if not NULL. */
static inline char *
unit_slurp(const char *path, size_t *len)
{
	char	*buf;
	size_t	 n;
	int	 fd;

	fd = open(path, O_RDONLY);
	assert_true(fd != -1);
	buf = read_all(fd, &n);
	assert_non_null(buf);
	close(fd);
	if (len != NULL)
		*len = n;
	return buf;
}

/*
 * Runs this test program again with ARGV (argv[0] first), its descriptor
 * STREAM on a pipe: returns what it wrote there (NUL-ended, length in
 * *LEN if not NULL), and its pid and wait status.
 */
static inline char *
unit_run_self(char *const argv[], int stream, pid_t *pid, int *status,
    size_t *len)
{
	posix_spawn_file_actions_t	 fa;
	char				*out;
	size_t				 n;
	int				 fds[2];

	assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
	assert_int_equal(posix_spawn_file_actions_init(&fa), 0);
	assert_int_equal(posix_spawn_file_actions_adddup2(&fa, fds[1],
	    stream), 0);
	assert_int_equal(posix_spawn(pid, "/proc/self/exe", &fa, NULL, argv,
	    environ), 0);
	posix_spawn_file_actions_destroy(&fa);
	close(fds[1]);
	out = read_all(fds[0], &n);
	assert_non_null(out);
	close(fds[0]);
	assert_int_equal(waitpid(*pid, status, 0), *pid);
	if (len != NULL)
		*len = n;
	return out;
}

#endif /* UNIT_H */
