/*
 * file.c: whole files: written atomically (a temporary name, then
 * rename), read to the end, copied, and directories made with their
 * parents; and the last lines of a file or of a stretch of one.  Called
 * wherever weft keeps a file: the run directory, the cache, the spool,
 * the helpers' registry, "weft run" and the pool; the tails by "weft
 * run" (a failure's stderr) and the reports.
 */

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "weft.h"

/* Like mkdir -p; the last component gets the mode. */
int
mkdir_p(const char *path, mode_t mode)
{
	char	*copy, *p;
	int	 rc = 0;

	copy = xstrdup(path);
	for (p = copy + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(copy, 0755) == -1 && errno != EEXIST) {
			rc = -1;
			break;
		}
		*p = '/';
	}
	if (rc == 0 && mkdir(copy, mode) == -1 && errno != EEXIST)
		rc = -1;
	free(copy);
	return rc;
}
/* Writes all of DATA to FD, through short writes and EINTR. */
int
write_all(int fd, const void *data, size_t len)
{
	const char	*p = data;
	ssize_t		 n;

	while (len > 0) {
		if ((n = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= n;
	}
	return 0;
}

/* Writes a file whole or not at all: to a temporary name, then rename. */
int
write_file_atomic(const char *path, const void *data, size_t len)
{
	char		*tmp;
	int		 fd, saved;

	tmp = xprintf("%s.tmp.%ld", path, (long)getpid());
	fd = open(tmp, O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC, 0644);
	if (fd == -1) {
		free(tmp);
		return -1;
	}
	if (write_all(fd, data, len) == -1)
		goto fail;
	if (close(fd) == -1) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) == -1)
		goto fail;
	free(tmp);
	return 0;
fail:
	saved = errno;
	if (fd != -1)
		close(fd);
	unlink(tmp);
	free(tmp);
	errno = saved;
	return -1;
}

char *
read_all(int fd, size_t *lenp)
{
	return read_all_sized(fd, 0, lenp);
}

/*
 * read_all of a file that fstat says is SIZE bytes: one block of that
 * size from the start (huge pages when big), grown only if it grew.
 */
char *
read_all_sized(int fd, size_t size, size_t *lenp)
{
	char	*buf = NULL;
	size_t	 len = 0, cap = 0;
	ssize_t	 n;
	int	 saved;

	if (size > 0) {
		cap = size + 4096;
		buf = xcalloc_big(cap + 1, 1);
	}
	for (;;) {
		if (cap - len < 4096) {
			cap = cap == 0 ? 65536 : cap * 2;
			buf = xreallocarray(buf, cap + 1, 1);
		}
		if ((n = read(fd, buf + len, cap - len)) == -1) {
			if (errno == EINTR)
				continue;
			saved = errno;
			free(buf);
			errno = saved;
			return NULL;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	*lenp = len;
	return buf;
}

/*
 * The last N lines of the stretch of PATH that starts at OFF and is LEN
 * bytes long (OFF -1: from the start, LEN -1: to the end of the file),
 * read from the last WINDOW bytes of it at most: a first line that the
 * window may have cut is left out, and so are the line ends after the
 * last line.  Returns them NUL-terminated, with their length in *LENP,
 * or NULL when there is nothing to read.  Caller frees.
 */
char *
file_tail(const char *path, int64_t off, int64_t len, int n, size_t window,
    size_t *lenp)
{
	struct stat	 st;
	char		*buf, *p, *nl;
	int64_t		 end, from;
	size_t		 got = 0;
	ssize_t		 r;
	int		 fd, k = 0;

	*lenp = 0;
	if (path == NULL || n <= 0 || window == 0 ||
	    (fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return NULL;
	if (fstat(fd, &st) == -1) {
		close(fd);
		return NULL;
	}
	if (off < 0)
		off = 0;
	end = len >= 0 && off + len < st.st_size ? off + len : st.st_size;
	if (end <= off) {
		close(fd);
		return NULL;
	}
	from = end - off > (int64_t)window ? end - (int64_t)window : off;
	buf = xmalloc((size_t)(end - from) + 1);
	while (got < (size_t)(end - from) && (r = pread(fd, buf + got,
	    (size_t)(end - from) - got, from + (int64_t)got)) != 0) {
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			break;
		got += (size_t)r;
	}
	close(fd);
	while (got > 0 && buf[got - 1] == '\n')
		got--;
	/* Back from the end, to the start of the Nth line. */
	for (p = buf + got; p > buf; p--) {
		if (p[-1] == '\n' && ++k == n)
			break;
	}
	if (p == buf && from > off) {
		nl = memchr(buf, '\n', got);
		p = nl != NULL ? nl + 1 : buf + got;
	}
	got -= (size_t)(p - buf);
	memmove(buf, p, got);
	buf[got] = '\0';
	if (got == 0) {
		free(buf);
		return NULL;
	}
	*lenp = got;
	return buf;
}

/* Copies SRC to DST atomically. */
int
copy_file(const char *src, const char *dst)
{
	char	*buf;
	size_t	 len;
	int	 fd, rc, saved;

	if ((fd = open(src, O_RDONLY|O_CLOEXEC)) == -1)
		return -1;
	buf = read_all(fd, &len);
	saved = errno;
	close(fd);
	if (buf == NULL) {
		errno = saved;
		return -1;
	}
	rc = write_file_atomic(dst, buf, len);
	free(buf);
	return rc;
}
