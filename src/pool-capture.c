/*
 * pool-capture.c: a command's stdout and stderr, through the pool.
 *
 * A command writes into two pipes, and the pool moves what comes out of
 * them into the try's stdout and stderr files with splice(2), so that
 * the bytes do not pass through its memory.  Reading both pipes itself,
 * the pool sees which stream wrote when, and keeps it in the try's
 * order file (capture.c): "weft logs --both" interleaves the two
 * streams from it.  The files are written as the bytes come, so what a
 * command wrote is readable while it runs, and stays if the pool dies.
 *
 * A file, and the try's folder, is made only when its stream's first
 * byte comes: most commands write nothing, and a million of them must
 * not make two million files.  A stream without a file was empty
 * (capture.c reads it so).  A try that fails gets both files anyway, so
 * that the stderr its failure line names is there to open.
 *
 * When a file cannot take more (a full disk), the pool goes on reading
 * its pipe and drops what comes, so that the command never blocks on a
 * full pipe; the try's reason says that its output was lost.
 *
 * The pool holds the command's ends of the pipes too, until the command
 * has ended: no pipe reaches its end before that, so a command's exit
 * wakes the pool once (SIGCHLD), not once more for each pipe its exit
 * closes.  What the pipes still hold then is read at once (capture_end):
 * all of it was written before the process ended.
 */

#include <sys/resource.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "weft.h"
#include "proto.h"
#include "pool.h"

#define CAPTURE_CHUNK		65536
#define CAPTURE_TURN_CHUNKS	16	/* a chatty command shares the loop */

static const char *const capture_names[] = { "stdout", "stderr" };

static void
stream_reset(struct pool_capture *c, int k)
{
	c->s[k].cap = c;
	c->s[k].which = k;
	c->s[k].pipe = c->s[k].file = -1;
	c->s[k].ev = 0;
	c->s[k].eof = 0;
	c->s[k].lost = 0;
	c->s[k].held = -1;
}

static void
stream_close(struct pool_capture *c, int k)
{
	struct capture_stream	*cs = &c->s[k];

	if (cs->ev != 0 && c->pool->loop != NULL)
		evloop_remove(c->pool->loop, cs->ev);
	if (cs->pipe != -1)
		close(cs->pipe);
	if (cs->held != -1)
		close(cs->held);
	if (cs->file != -1)
		close(cs->file);
	stream_reset(c, k);
}

/*
 * Makes a command's two pipes: the pool reads OURS[k], without blocking,
 * and the command writes THEIRS[k], blocking as a pipe's writer should.
 * Returns 0, or an errno value with nothing left open.
 */
int
capture_pipes(int ours[2], int theirs[2])
{
	int	 k, fds[2], error = 0;

	ours[0] = ours[1] = theirs[0] = theirs[1] = -1;
	for (k = 0; k < 2 && error == 0; k++) {
		if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) == -1) {
			error = errno;
			break;
		}
		ours[k] = fds[0];
		theirs[k] = fds[1];
		if (fcntl(fds[1], F_SETFL, 0) == -1)
			error = errno;
	}
	if (error != 0)
		capture_pipes_close(ours, theirs);
	return error;
}

/* Closes what capture_pipes made and nobody took. */
void
capture_pipes_close(int ours[2], int theirs[2])
{
	int	 k;

	for (k = 0; k < 2; k++) {
		if (ours[k] != -1)
			close(ours[k]);
		if (theirs[k] != -1)
			close(theirs[k]);
		ours[k] = theirs[k] = -1;
	}
}

/*
 * The capture of a try whose files go to DIR once there is something to
 * keep, from the pool's ends OURS of its pipes (capture_pipes), which
 * become C's.
 */
void
capture_open(struct pool_capture *c, struct pool *p, const char *dir,
    int ours[2])
{
	int	 k;

	memset(c, 0, sizeof *c);
	c->pool = p;
	c->cur = -1;
	c->order = -1;
	for (k = 0; k < 2; k++) {
		stream_reset(c, k);
		c->s[k].pipe = ours[k];
		ours[k] = -1;
	}
	c->dir = xstrdup(dir);
}

/* A write to a stream's file failed: what comes from now on is lost. */
static void
stream_lost(struct pool_capture *c, struct capture_stream *cs, int error)
{
	if (c->error == 0) {
		c->error = error;
		log_warnx("%s/%s: %s; the rest of the command's %s is "
		    "dropped", c->dir, capture_names[cs->which],
		    strerror(error), capture_names[cs->which]);
	}
	if (cs->file != -1)
		close(cs->file);
	cs->file = -1;
	cs->lost = 1;
}

/*
 * Stream K's file, made now if it is not there yet (with the try's
 * folder).  Returns 0, or an errno value: the stream is then lost.
 */
static int
stream_file(struct pool_capture *c, int k)
{
	struct capture_stream	*cs = &c->s[k];
	char			*path;
	int			 error;

	if (cs->file != -1 || cs->lost)
		return cs->lost ? EIO : 0;
	if ((error = mkdir_p(c->dir, 0755) == -1 ? errno : 0) == 0) {
		path = xprintf("%s/%s", c->dir, capture_names[k]);
		cs->file = open(path, O_WRONLY | O_CREAT | O_TRUNC |
		    O_CLOEXEC, 0644);
		if (cs->file == -1)
			error = errno;
		free(path);
	}
	if (error != 0)
		stream_lost(c, cs, error);
	return error;
}

/* A new run begins: the one before goes to the order file. */
static void
capture_switch(struct pool_capture *c, int k)
{
	char	*path;

	if (c->cur == k)
		return;
	if (c->cur != -1 && c->order == -1) {
		path = xprintf("%s/%s", c->dir, CAPTURE_ORDER_FILE);
		c->order = open(path, O_WRONLY | O_CREAT | O_TRUNC |
		    O_APPEND | O_CLOEXEC, 0644);
		if (c->order == -1)
			log_warn("%s", path);
		free(path);
	}
	if (c->cur != -1 && c->order != -1 &&
	    capture_order_note(c->order, c->cur, c->run_len) == -1) {
		log_warn("%s/%s", c->dir, CAPTURE_ORDER_FILE);
		close(c->order);
		c->order = -2;		/* not made again */
	}
	c->cur = k;
	c->run_len = 0;
}

/*
 * Moves what stream K's pipe holds into its file, at most CHUNKS times
 * (0: until it is empty).  Until the stream's first byte its file is not
 * made: the pipe is read, and what came is the file's start.  Returns 1
 * at the end of the pipe, else 0.
 */
static int
capture_move(struct pool_capture *c, int k, int chunks)
{
	struct capture_stream	*cs = &c->s[k];
	static char		 buf[CAPTURE_CHUNK];
	ssize_t			 n = 0, w;
	int			 i, kept;

	if (cs->eof)
		return 1;
	for (i = 0; chunks == 0 || i < chunks; i++) {
		kept = cs->file != -1;
		if (kept) {
			n = splice(cs->pipe, NULL, cs->file, NULL,
			    CAPTURE_CHUNK, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
			if (n == -1 && errno == EINTR)
				continue;
			if (n == -1 && errno == EAGAIN)
				return 0;
			/* EINVAL: no splice to this file; by hand then. */
			if (n == -1 && errno != EINVAL) {
				stream_lost(c, cs, errno);
				kept = 0;
			}
		}
		if (!kept || n == -1) {
			if ((n = read(cs->pipe, buf, sizeof buf)) == -1) {
				if (errno == EINTR)
					continue;
				return 0;
			}
			if (n > 0 && !kept && !cs->lost &&
			    stream_file(c, k) == 0)
				kept = 1;
			if (n > 0 && kept &&
			    (w = write(cs->file, buf, (size_t)n)) != n) {
				stream_lost(c, cs, w == -1 ? errno : ENOSPC);
				kept = 0;
			}
		}
		if (n == 0) {
			cs->eof = 1;
			return 1;
		}
		if (kept) {
			capture_switch(c, k);
			c->run_len += (uint64_t)n;
		}
	}
	return 0;
}

static int
capture_readable(struct evloop *loop, void *arg)
{
	struct capture_stream	*cs = arg;
	struct pool_capture	*c = cs->cap;

	(void)loop;
	if (capture_move(c, cs->which, CAPTURE_TURN_CHUNKS) == 1 &&
	    cs->ev != 0) {
		/* Closed by the command; the rest waits for its end. */
		evloop_remove(c->pool->loop, cs->ev);
		cs->ev = 0;
	}
	return 0;
}

/*
 * The command runs: the pool reads its own ends of the pipes, and holds
 * the command's ends THEIRS until the command has ended.
 */
void
capture_watch(struct pool_capture *c, int theirs[2])
{
	int	 k;

	for (k = 0; k < 2; k++) {
		c->s[k].held = theirs[k];
		theirs[k] = -1;
		c->s[k].ev = evloop_fd(c->pool->loop, c->s[k].pipe,
		    capture_readable, &c->s[k]);
	}
}

/*
 * The command ended: what its pipes still hold goes to the files (a
 * process it left behind may hold them open: what it writes later is not
 * the try's), and everything is closed.  A try that FAILED gets both
 * files, empty or not.  Returns the errno value of output that was lost,
 * or 0.
 */
int
capture_end(struct pool_capture *c, int failed)
{
	int	 k, error;

	if (c->dir == NULL)
		return 0;
	for (k = 0; k < 2; k++) {
		if (c->s[k].pipe != -1)
			capture_move(c, k, 0);
		if (failed)
			stream_file(c, k);
	}
	if (c->order >= 0) {
		if (c->cur != -1 &&
		    capture_order_note(c->order, c->cur, c->run_len) == -1)
			log_warn("%s/%s", c->dir, CAPTURE_ORDER_FILE);
		close(c->order);
	}
	for (k = 0; k < 2; k++)
		stream_close(c, k);
	error = c->error;
	free(c->dir);
	memset(c, 0, sizeof *c);
	c->order = c->cur = -1;
	for (k = 0; k < 2; k++)
		stream_reset(c, k);
	return error;
}

/*
 * Each running command holds six descriptors of the pool's (both ends of
 * its two pipes, its two files), and the next one's start made ready
 * holds four: the soft limit is raised, within the hard one, so that
 * JOBS of them fit.
 */
void
capture_fd_limit(int jobs)
{
	struct rlimit	 rl;
	rlim_t		 want = (rlim_t)jobs * 6 + 256;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur >= want)
		return;
	rl.rlim_cur = rl.rlim_max != RLIM_INFINITY && rl.rlim_max < want ?
	    rl.rlim_max : want;
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
		log_warn("cannot raise the limit of open files to %llu",
		    (unsigned long long)rl.rlim_cur);
}
