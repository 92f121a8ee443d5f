/*
 * file.c: whole files: written atomically (a temporary name, then
 * rename), read to the end, copied, and directories made with their
 * parents.  Called wherever weft keeps a file: the run directory, the
 * cache, the spool, the helpers' registry, "weft run" and the pool.
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
/* Writes a file whole or not at all: to a temporary name, then rename. */
int
write_file_atomic(const char *path, const void *data, size_t len)
{
	char		*tmp;
	const char	*p = data;
	ssize_t		 n;
	int		 fd, saved;

	tmp = xprintf("%s.tmp.%ld", path, (long)getpid());
	fd = open(tmp, O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC, 0644);
	if (fd == -1) {
		free(tmp);
		return -1;
	}
	while (len > 0) {
		n = write(fd, p, len);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		p += n;
		len -= n;
	}
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
	char	*buf = NULL;
	size_t	 len = 0, cap = 0;
	ssize_t	 n;
	int	 saved;

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
