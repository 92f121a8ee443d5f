/*
 * test-file.c: whole files (file.c): written atomically (the old content
 * replaced at once, no temporary file left, success or failure), read to
 * the end from files and pipes, copied, and directories made with their
 * parents.
 */

#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "weft.h"
#include "unit.h"
static void
unlink_all(const char *dir, const char *const *names)
{
	char	*p;

	for (; *names != NULL; names++) {
		p = xprintf("%s/%s", dir, *names);
		unlink(p);
		rmdir(p);
		free(p);
	}
	rmdir(dir);
}

static int
rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* rm -r DIR, and frees its name. */
static void
rm_r(char *dir)
{
	assert_int_equal(nftw(dir, rm_one, 16, FTW_DEPTH|FTW_PHYS), 0);
	assert_int_equal(access(dir, F_OK), -1);
	free(dir);
}

/* The names in DIR, sorted, space-separated: "f g". */
static char *
listing(const char *dir)
{
	struct dirent	**ents;
	char		 *out = xstrdup(""), *s;
	int		  i, n;

	n = scandir(dir, &ents, NULL, alphasort);
	assert_true(n >= 0);
	for (i = 0; i < n; i++) {
		if (strcmp(ents[i]->d_name, ".") != 0 &&
		    strcmp(ents[i]->d_name, "..") != 0) {
			s = xprintf("%s%s%s", out, *out != '\0' ? " " : "",
			    ents[i]->d_name);
			free(out);
			out = s;
		}
		free(ents[i]);
	}
	free(ents);
	return out;
}

static void
test_files(void **state)
{
	static const char *const names[] = { "a/b/c", "a/b", "a", "f", "g",
		NULL };
	struct stat	 sb;
	char		*dir, *p, *q, *buf, big[200000];
	size_t		 len;

	(void)state;
	dir = unit_scratch("test-file");
	p = xprintf("%s/a/b/c", dir);
	assert_int_equal(mkdir_p(p, 0700), 0);
	assert_int_equal(stat(p, &sb), 0);
	assert_true(S_ISDIR(sb.st_mode));
	assert_int_equal(sb.st_mode & 0777, 0700);
	/* Again: an existing directory is no error. */
	assert_int_equal(mkdir_p(p, 0700), 0);
	free(p);

	/* More than read_all's first buffer, with a NUL inside. */
	memset(big, 'x', sizeof big);
	big[100] = '\0';
	p = xprintf("%s/f", dir);
	assert_int_equal(write_file_atomic(p, big, sizeof big), 0);
	buf = unit_slurp(p, &len);
	assert_int_equal(len, sizeof big);
	assert_memory_equal(buf, big, sizeof big);
	assert_int_equal(buf[len], '\0');
	free(buf);

	/* Rewritten whole, shorter; no temporary file is left. */
	assert_int_equal(write_file_atomic(p, "hello", 5), 0);
	buf = unit_slurp(p, &len);
	assert_int_equal(len, 5);
	assert_string_equal(buf, "hello");
	free(buf);

	q = xprintf("%s/g", dir);
	assert_int_equal(copy_file(p, q), 0);
	buf = unit_slurp(q, &len);
	assert_string_equal(buf, "hello");
	free(buf);
	free(q);

	/* A missing source or an unwritable target: -1 with errno. */
	q = xprintf("%s/missing", dir);
	errno = 0;
	assert_int_equal(copy_file(q, p), -1);
	assert_int_equal(errno, ENOENT);
	free(q);
	q = xprintf("%s/no/such/dir/f", dir);
	assert_int_equal(write_file_atomic(q, "x", 1), -1);
	assert_int_equal(errno, ENOENT);
	free(q);
	free(p);
	unlink_all(dir, names);
	assert_int_equal(access(dir, F_OK), -1);
	free(dir);
}

/*
 * The new content replaces the old at once: a reader that opened the
 * file before keeps the old content whole, one that opens it after sees
 * only the new, and no temporary name is left beside it.
 */
static void
test_atomic_replace(void **state)
{
	struct stat	 before, after;
	char		*dir, *p, *buf, *names, old[10000];
	size_t		 len;
	int		 fd;

	(void)state;
	dir = unit_scratch("test-file");
	p = xprintf("%s/f", dir);
	memset(old, 'o', sizeof old);
	assert_int_equal(write_file_atomic(p, old, sizeof old), 0);
	assert_int_equal(stat(p, &before), 0);
	assert_int_equal(before.st_size, sizeof old);
	fd = open(p, O_RDONLY);
	assert_true(fd != -1);

	assert_int_equal(write_file_atomic(p, "new", 3), 0);
	assert_int_equal(stat(p, &after), 0);
	assert_true(after.st_ino != before.st_ino);
	buf = unit_slurp(p, &len);
	assert_int_equal(len, 3);
	assert_string_equal(buf, "new");
	free(buf);
	buf = read_all(fd, &len);
	assert_non_null(buf);
	assert_int_equal(len, sizeof old);
	assert_memory_equal(buf, old, sizeof old);
	free(buf);
	close(fd);

	/* An empty file is a file too. */
	assert_int_equal(write_file_atomic(p, "", 0), 0);
	buf = unit_slurp(p, &len);
	assert_int_equal(len, 0);
	free(buf);

	names = listing(dir);
	assert_string_equal(names, "f");
	free(names);
	free(p);
	rm_r(dir);
}

/* A write that fails at the rename leaves neither file nor temporary. */
static void
test_atomic_failure(void **state)
{
	char	*dir, *p, *names;

	(void)state;
	dir = unit_scratch("test-file");
	p = xprintf("%s/d", dir);
	assert_int_equal(mkdir(p, 0700), 0);
	errno = 0;
	assert_int_equal(write_file_atomic(p, "x", 1), -1);
	assert_int_equal(errno, EISDIR);
	names = listing(dir);
	assert_string_equal(names, "d");
	free(names);
	names = listing(p);
	assert_string_equal(names, "");
	free(names);
	free(p);
	rm_r(dir);
}

/* A copy is the same bytes, NULs and all, over a longer old target. */
static void
test_copy(void **state)
{
	char	*dir, *src, *dst, *buf, *names, data[150000];
	size_t	 len, i;

	(void)state;
	dir = unit_scratch("test-file");
	src = xprintf("%s/src", dir);
	dst = xprintf("%s/dst", dir);
	for (i = 0; i < sizeof data; i++)
		data[i] = (char)(i * 7 % 251);
	assert_int_equal(write_file_atomic(src, data, sizeof data), 0);
	assert_int_equal(write_file_atomic(dst, data, sizeof data), 0);
	assert_int_equal(write_file_atomic(src, data, 70000), 0);

	assert_int_equal(copy_file(src, dst), 0);
	buf = unit_slurp(dst, &len);
	assert_int_equal(len, 70000);
	assert_memory_equal(buf, data, 70000);
	free(buf);
	/* The source is untouched. */
	buf = unit_slurp(src, &len);
	assert_int_equal(len, 70000);
	assert_memory_equal(buf, data, 70000);
	free(buf);
	names = listing(dir);
	assert_string_equal(names, "dst src");
	free(names);

	/* A directory as the source cannot be read. */
	errno = 0;
	assert_int_equal(copy_file(dir, dst), -1);
	assert_int_equal(errno, EISDIR);
	free(src);
	free(dst);
	rm_r(dir);
}

/* The bytes the writer sends: a pattern with no period near 4096. */
static char
pattern(size_t i)
{
	return (char)('a' + i % 26);
}

#define PIPE_TOTAL	300000

/* The writer, run as "test-file --writer": sends in odd-sized pieces. */
static int
writer(void)
{
	char	 chunk[4093];
	size_t	 sent, len, i;
	ssize_t	 n;

	for (sent = 0; sent < PIPE_TOTAL; sent += (size_t)n) {
		len = PIPE_TOTAL - sent < sizeof chunk ?
		    PIPE_TOTAL - sent : sizeof chunk;
		for (i = 0; i < len; i++)
			chunk[i] = pattern(sent + i);
		if ((n = write(STDOUT_FILENO, chunk, len)) <= 0)
			return 1;
	}
	return 0;
}

/*
 * A pipe gives its bytes in pieces: read_all takes them all, more than
 * its first buffer, to the writer's end, and ends them with a NUL.  The
 * writer is this program again, spawned with its stdout on the pipe.
 */
static void
test_read_all_pipe(void **state)
{
	char	*argv[] = { "test-file", "--writer", NULL };
	char	*buf;
	size_t	 len, i;
	pid_t	 pid;
	int	 status, fds[2];

	(void)state;
	buf = unit_run_self(argv, STDOUT_FILENO, &pid, &status, &len);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_non_null(buf);
	assert_int_equal(len, PIPE_TOTAL);
	for (i = 0; i < PIPE_TOTAL; i++) {
		if (buf[i] != pattern(i))
			fail_msg("byte %zu is '%c'", i, buf[i]);
	}
	assert_int_equal(buf[PIPE_TOTAL], '\0');
	free(buf);

	/* Nothing to read: an empty string; a bad descriptor: NULL. */
	assert_int_equal(pipe(fds), 0);
	close(fds[1]);
	buf = read_all(fds[0], &len);
	assert_non_null(buf);
	assert_int_equal(len, 0);
	assert_string_equal(buf, "");
	free(buf);
	close(fds[0]);
	errno = 0;
	assert_null(read_all(fds[0], &len));
	assert_int_equal(errno, EBADF);
}

/*
 * read_all_sized takes the whole file whatever size it was told: the
 * right one, one too small (the file grew) or too large (it shrank).
 */
static void
test_read_all_sized(void **state)
{
	const size_t	 total = 3 * 65536 + 17;
	const size_t	 hints[] = { 3 * 65536 + 17, 1, 100000, 1 << 20 };
	char		*buf, path[] = "/tmp/weft-test-sized.XXXXXX";
	size_t		 len, i, k;
	int		 fd;

	(void)state;
	assert_int_not_equal(fd = mkstemp(path), -1);
	buf = xmalloc(total);
	for (i = 0; i < total; i++)
		buf[i] = pattern(i);
	assert_int_equal(write(fd, buf, total), (ssize_t)total);
	free(buf);
	for (k = 0; k < sizeof hints / sizeof hints[0]; k++) {
		assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
		buf = read_all_sized(fd, hints[k], &len);
		assert_non_null(buf);
		assert_int_equal(len, total);
		for (i = 0; i < total; i++) {
			if (buf[i] != pattern(i))
				fail_msg("hint %zu: byte %zu", hints[k], i);
		}
		assert_int_equal(buf[total], '\0');
		free(buf);
	}
	close(fd);
	unlink(path);
}

/* TAIL: file_tail of PATH as given gives WANT (NULL: nothing). */
static void
check_tail(const char *path, int64_t off, int64_t len, int n, size_t window,
    const char *want)
{
	char	*got;
	size_t	 glen;

	got = file_tail(path, off, len, n, window, &glen);
	if (want == NULL) {
		assert_null(got);
		assert_int_equal(glen, 0);
		return;
	}
	assert_non_null(got);
	assert_string_equal(got, want);
	assert_int_equal(glen, strlen(want));
	free(got);
}

/*
 * The last lines of a file or of a stretch of it: trailing line ends
 * dropped, a first line the window cut left out, a stretch past the end
 * of the file cut to it, nothing for an empty stretch or a missing file.
 */
static void
test_tail(void **state)
{
	static const char text[] = "one\ntwo\nthree\nfour\n\n";
	char	*dir, *path;

	(void)state;
	dir = unit_scratch("test-file-tail");
	path = xprintf("%s/t", dir);
	assert_int_equal(write_file_atomic(path, text, strlen(text)), 0);
	check_tail(path, -1, -1, 2, 4096, "three\nfour");
	check_tail(path, -1, -1, 10, 4096, "one\ntwo\nthree\nfour");
	check_tail(path, -1, -1, 1, 4096, "four");
	/* The stretch "two\nthree\n": from offset 4, 10 bytes. */
	check_tail(path, 4, 10, 5, 4096, "two\nthree");
	check_tail(path, 4, 10, 1, 4096, "three");
	/* A window of 8 bytes, "\nfour\n\n": "hree" is a cut line. */
	check_tail(path, -1, -1, 5, 8, "four");
	/* Past the end of the file, an empty stretch, no such file. */
	check_tail(path, 14, 1000, 3, 4096, "four");
	check_tail(path, 4, 0, 3, 4096, NULL);
	check_tail(path, 100, 5, 3, 4096, NULL);
	check_tail(path, -1, -1, 0, 4096, NULL);
	free(path);
	path = xprintf("%s/none", dir);
	check_tail(path, -1, -1, 3, 4096, NULL);
	free(path);
	/* One line longer than the window: no whole line to show. */
	path = xprintf("%s/long", dir);
	assert_int_equal(write_file_atomic(path, "abcdefghij", 10), 0);
	check_tail(path, -1, -1, 3, 4, NULL);
	check_tail(path, -1, -1, 3, 10, "abcdefghij");
	free(path);
	rm_r(dir);
}

/* Nested directories all made; a file in the way is an error. */
static void
test_mkdir_p(void **state)
{
	struct stat	 sb;
	char		*dir, *p, *q;

	(void)state;
	dir = unit_scratch("test-file");
	p = xprintf("%s/a/b/c/d/e", dir);
	assert_int_equal(mkdir_p(p, 0700), 0);
	assert_int_equal(stat(p, &sb), 0);
	assert_true(S_ISDIR(sb.st_mode));
	assert_int_equal(sb.st_mode & 0777, 0700);
	free(p);
	p = xprintf("%s/a/b/c", dir);
	assert_int_equal(stat(p, &sb), 0);
	assert_true(S_ISDIR(sb.st_mode));
	free(p);

	/* A trailing slash, and a sibling beside what exists. */
	p = xprintf("%s/a/b/x/", dir);
	assert_int_equal(mkdir_p(p, 0700), 0);
	assert_int_equal(stat(p, &sb), 0);
	assert_true(S_ISDIR(sb.st_mode));
	free(p);

	p = xprintf("%s/a/file", dir);
	assert_int_equal(write_file_atomic(p, "x", 1), 0);
	q = xprintf("%s/sub/dir", p);
	errno = 0;
	assert_int_equal(mkdir_p(q, 0700), -1);
	assert_int_equal(errno, ENOTDIR);
	free(q);
	free(p);
	rm_r(dir);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_files),
		cmocka_unit_test(test_atomic_replace),
		cmocka_unit_test(test_atomic_failure),
		cmocka_unit_test(test_copy),
		cmocka_unit_test(test_read_all_pipe),
		cmocka_unit_test(test_read_all_sized),
		cmocka_unit_test(test_mkdir_p),
		cmocka_unit_test(test_tail),
	};

	if (argc == 2 && strcmp(argv[1], "--writer") == 0)
		return writer();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
