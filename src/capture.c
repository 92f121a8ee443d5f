/*
 * capture.c: the order of a command's two streams.
 *
 * A command's stdout and stderr are kept apart, each in its own file of
 * the try's folder.  The try's "order" file says in which order their
 * bytes came in: runs, one per line, "o LEN" for LEN bytes of stdout and
 * "e LEN" for stderr, each run the next LEN bytes of its stream.  The
 * pool (pool-capture.c) writes a run when the other stream takes over,
 * so the file exists only for a try that wrote to both, and bytes beyond
 * the runs it lists belong to the run still going on; "weft logs --both"
 * reads it.  The order is the one in which the pool read the two pipes:
 * writes closer together than the pool wakes up may be seen together,
 * and then stdout's come first.
 *
 * A stream's file is made with its first byte, so a stream that stayed
 * empty has none; every reader of a try's streams opens them through
 * capture_stream_open, which tells that apart from a file that is gone.
 */

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "weft.h"

static const char capture_marks[] = { 'o', 'e' };

/* Appends the run of LEN bytes of STREAM to the order file FD. */
int
capture_order_note(int fd, int stream, uint64_t len)
{
	char	 line[32];
	int	 n;

	n = snprintf(line, sizeof line, "%c %" PRIu64 "\n",
	    capture_marks[stream], len);
	return write(fd, line, (size_t)n) == n ? 0 : -1;
}

/*
 * The runs of the order file PATH, in order, *NP of them: NULL with *NP
 * 0 when it does not exist.  A line that is not a run (a file cut short)
 * ends the list.
 */
struct capture_run *
capture_order_read(const char *path, size_t *np)
{
	struct capture_run	*v = NULL;
	FILE			*f;
	char			 line[64], *end;
	size_t			 n = 0, cap = 0;
	uint64_t		 len;

	*np = 0;
	if ((f = fopen(path, "re")) == NULL)
		return NULL;
	while (fgets(line, sizeof line, f) != NULL) {
		if ((line[0] != 'o' && line[0] != 'e') || line[1] != ' ' ||
		    strchr(line, '\n') == NULL)
			break;
		errno = 0;
		len = strtoull(line + 2, &end, 10);
		if (errno != 0 || *end != '\n' || end == line + 2)
			break;
		if (n == cap) {
			cap = cap > 0 ? cap * 2 : 16;
			v = xreallocarray(v, cap, sizeof *v);
		}
		v[n].stream = line[0] == 'o' ? CAPTURE_OUT : CAPTURE_ERR;
		v[n++].len = len;
	}
	fclose(f);
	*np = n;
	return v;
}

/*
 * Opens the captured stream PATH (RUN/tasks/TASK/try-N/STREAM) to read.
 * Returns its descriptor; or -1 with *EMPTYP 1 when the stream stayed
 * empty (no file, in a run whose tasks folder is there); or -1 with
 * errno and *EMPTYP 0.
 */
int
capture_stream_open(const char *path, int *emptyp)
{
	struct stat	 st;
	char		*tasks, *slash;
	int		 fd, k, saved;

	*emptyp = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) != -1 || errno != ENOENT)
		return fd;
	saved = errno;
	tasks = xstrdup(path);
	for (k = 0; k < 3 && (slash = strrchr(tasks, '/')) != NULL; k++)
		*slash = '\0';
	if (k == 3 && (slash = strrchr(tasks, '/')) != NULL &&
	    strcmp(slash, "/tasks") == 0 && stat(tasks, &st) == 0 &&
	    S_ISDIR(st.st_mode))
		*emptyp = 1;
	free(tasks);
	errno = saved;
	return -1;
}
