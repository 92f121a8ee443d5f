/*
 * logs-print.c: printing what a try of a task wrote, for "weft logs"
 * (cmd-logs.c): one stream or both, whole or as it comes (--follow), as
 * text or as one JSON document.
 *
 * Under --both each line is marked with its stream.  A command's two
 * streams come interleaved as its pool read them, from the try's order
 * file (capture.c); a function call's stdout comes before its stderr,
 * as its worker does not keep their order.
 */

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sqlite3.h>

#include "weft.h"
#include "logs.h"

#define LOGS_CHUNK		65536

/* The mark of each line under --both. */
static const char *const stream_marks[] = { "out| ", "err| " };

/* A fresh snapshot of the database, for --follow. */
static int
refresh(struct logs *lg)
{
	if (sqlite3_exec(lg->db, "COMMIT; BEGIN", NULL, NULL, NULL) !=
	    SQLITE_OK)
		return dbread_error(lg->db, lg->dbpath);
	return 0;
}

/* Ends a last line of stream S that had no newline, under --both. */
static void
end_line(struct logs *lg, int s)
{
	if (lg->streams == (1 << OUT | 1 << ERR) && !lg->at_line_start[s]) {
		putchar('\n');
		lg->at_line_start[s] = 1;
	}
}

/* Writes LEN bytes of BUF from stream S, marking lines under --both. */
static void
emit(struct logs *lg, int s, const char *buf, size_t len)
{
	const char	*nl;
	size_t		 n;

	if (lg->streams != (1 << OUT | 1 << ERR)) {
		fwrite(buf, 1, len, stdout);
		return;
	}
	/* A line of the other stream, cut short by this one, ends here. */
	if (len > 0)
		end_line(lg, !s);
	while (len > 0) {
		if (lg->at_line_start[s])
			fputs(stream_marks[s], stdout);
		nl = memchr(buf, '\n', len);
		n = nl != NULL ? (size_t)(nl - buf) + 1 : len;
		fwrite(buf, 1, n, stdout);
		lg->at_line_start[s] = nl != NULL;
		buf += n;
		len -= n;
	}
}


/*
 * Copies stream S of TL from *POS (absolute) to what is there now, to
 * the end of its stretch, or to LIMIT (-1: none), whichever comes first;
 * into JSON's buffer instead when BUF is not NULL.  Returns 0, or -1
 * with errno when the file cannot be read.
 */
static int
copy_stream(struct logs *lg, const struct try_logs *tl, int s, off_t *pos,
    off_t limit, char **buf, size_t *buflen)
{
	char		 chunk[LOGS_CHUNK];
	ssize_t		 n;
	off_t		 end = -1;
	size_t		 want;
	int		 fd, empty;

	if (tl->path[s] == NULL) {
		errno = ENOENT;
		return -1;
	}
	if (*pos < 0)
		*pos = tl->off[s] >= 0 ? tl->off[s] : 0;
	if (tl->off[s] >= 0 && tl->len[s] >= 0)
		end = tl->off[s] + tl->len[s];
	if (limit >= 0 && (end < 0 || limit < end))
		end = limit;
	if (end >= 0 && *pos >= end)
		return 0;
	if ((fd = capture_stream_open(tl->path[s], &empty)) == -1)
		return empty ? 0 : -1;
	for (;;) {
		want = sizeof chunk;
		if (end >= 0) {
			if (*pos >= end)
				break;
			if ((off_t)want > end - *pos)
				want = (size_t)(end - *pos);
		}
		if ((n = pread(fd, chunk, want, *pos)) == -1) {
			if (errno == EINTR)
				continue;
			close(fd);
			return -1;
		}
		if (n == 0)
			break;
		if (buf != NULL) {
			*buf = xreallocarray(*buf, *buflen + (size_t)n + 1, 1);
			memcpy(*buf + *buflen, chunk, (size_t)n);
			*buflen += (size_t)n;
			(*buf)[*buflen] = '\0';
		} else
			emit(lg, s, chunk, (size_t)n);
		*pos += n;
	}
	close(fd);
	return 0;
}

/*
 * The order file of TL's try when both of a command's streams are shown
 * as text; NULL otherwise (a call's streams have no order).
 */
static char *
order_path(const struct logs *lg, const struct try_logs *tl)
{
	const char	*slash;

	if (lg->streams != (1 << OUT | 1 << ERR) || lg->json ||
	    lg->kind == NULL || strcmp(lg->kind, "command") != 0 ||
	    tl->path[OUT] == NULL ||
	    (slash = strrchr(tl->path[OUT], '/')) == NULL)
		return NULL;
	return xprintf("%.*s/%s", (int)(slash - tl->path[OUT]),
	    tl->path[OUT], CAPTURE_ORDER_FILE);
}

/*
 * Both streams of a command's try from POS on, in the order in which
 * its pool read them (ORDER, the try's order file), as far as that
 * order is known now: the pool writes a run to the order file before
 * the first byte of the next one, so a list of runs that did not change
 * while the files' sizes were read covers every byte but those of the
 * run going on.  Returns 0, or -1 with errno.
 */
static int
copy_in_order(struct logs *lg, const struct try_logs *tl, const char *order,
    off_t pos[2])
{
	struct capture_run	*runs = NULL, *again;
	struct stat		 st;
	off_t			 size[2], start[2] = { 0, 0 }, end;
	size_t			 n, n2, i;
	int			 s, tries, rc = 0;

	for (tries = 0;; tries++) {
		runs = capture_order_read(order, &n);
		for (s = OUT; s <= ERR; s++)
			size[s] = stat(tl->path[s], &st) == 0 ? st.st_size : 0;
		again = capture_order_read(order, &n2);
		free(again);
		if (n2 == n || tries == 10)
			break;
		free(runs);
	}
	for (s = OUT; s <= ERR; s++) {
		if (pos[s] < 0)
			pos[s] = 0;
	}
	for (i = 0; i < n; i++) {
		s = runs[i].stream;
		end = start[s] + (off_t)runs[i].len;
		if (pos[s] < end) {
			if ((rc = copy_stream(lg, tl, s, &pos[s],
			    end < size[s] ? end : size[s], NULL, NULL)) != 0 ||
			    pos[s] < end)
				goto out;	/* the rest of it is to come */
		}
		start[s] = end;
	}
	/* The run going on; without an order, stdout and then stderr. */
	for (s = OUT; s <= ERR && rc == 0; s++)
		rc = copy_stream(lg, tl, s, &pos[s], size[s], NULL, NULL);
out:
	free(runs);
	return rc;
}

/* The logs of one try, whole, as text or as one JSON document. */
int
show_try(struct logs *lg, const struct try_logs *tl)
{
	json_t	*root = NULL, *o;
	char	*buf;
	size_t	 len;
	off_t	 pos;
	int	 s, rc = 0;
	char	*order;
	off_t	 both[2] = { -1, -1 };

	if (lg->json) {
		root = json_object();
		json_object_set_new(root, "format_version",
		    json_integer(WEFT_JSON_VERSION));
		json_object_set_new(root, "run", json_string(lg->run));
		json_object_set_new(root, "task", dbread_json_string(lg->id));
		json_object_set_new(root, "app", dbread_json_string(lg->app));
		json_object_set_new(root, "kind", dbread_json_string(lg->kind));
		json_object_set_new(root, "try", json_integer(tl->try_id));
		json_object_set_new(root, "state", tl->state != NULL ?
		    json_string(tl->state) : json_string("running"));
	}
	if ((order = order_path(lg, tl)) != NULL) {
		if (copy_in_order(lg, tl, order, both) == -1) {
			fprintf(stderr, "weft logs: the output of %s (try %ld) "
			    "cannot be read: %s\n", lg->id, tl->try_id,
			    strerror(errno));
			rc = 1;
		}
		end_line(lg, OUT);
		end_line(lg, ERR);
	}
	for (s = OUT; s <= ERR && order == NULL; s++) {
		if (!(lg->streams & (1 << s)))
			continue;
		pos = -1;
		buf = NULL;
		len = 0;
		if (copy_stream(lg, tl, s, &pos, -1, root != NULL ? &buf : NULL,
		    &len) == -1) {
			fprintf(stderr, "weft logs: the %s of %s (try %ld) "
			    "cannot be read: %s: %s\n", logs_stream_names[s],
			    lg->id, tl->try_id, tl->path[s] != NULL ?
			    tl->path[s] : "(not recorded)", strerror(errno));
			rc = 1;
		}
		end_line(lg, s);
		if (root == NULL)
			continue;
		o = json_object();
		json_object_set_new(o, "path", dbread_json_string(tl->path[s]));
		json_object_set_new(o, "offset", tl->off[s] >= 0 ?
		    json_integer(tl->off[s]) : json_null());
		json_object_set_new(o, "length", tl->len[s] >= 0 ?
		    json_integer(tl->len[s]) : json_null());
		json_object_set_new(o, "text", rc == 0 ?
		    dbread_json_bytes(buf != NULL ? buf : "", len) :
		    json_null());
		json_object_set_new(root, logs_stream_names[s], o);
		free(buf);
	}
	free(order);
	if (root != NULL && dbread_json_print(root) != 0)
		return EXIT_INTERNAL;
	if (dbread_flush("logs") != 0)
		return EXIT_INTERNAL;
	return rc;
}

/* Whether the task has a try after try N. */
static int
newer_try(struct logs *lg, long n)
{
	sqlite3_stmt	*st = NULL;
	int		 found = 0;

	if (sqlite3_prepare_v2(lg->db, "SELECT 1 FROM try WHERE run_id = ?1 "
	    "AND task_id = ?2 AND try_id > ?3", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, lg->run, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, lg->task);
		sqlite3_bind_int64(st, 3, n);
		found = sqlite3_step(st) == SQLITE_ROW;
	}
	sqlite3_finalize(st);
	return found;
}

/* The task's state says it will not change any more. */
static int
task_over(const char *state)
{
	return state != NULL && strcmp(state, "pending") != 0;
}

/*
 * --follow: prints what the task writes as it comes, the tries one
 * after another, until the task ends (and its last try's output is all
 * out) or its run does.
 */
int
follow(struct logs *lg)
{
	struct try_logs	 tl = { .try_id = -1 };
	struct timespec	 nap = { 0, LOGS_POLL_MS * 1000000L };
	char		*state = NULL;
	off_t		 pos[2] = { -1, -1 };
	long		 shown = -1, next;
	pid_t		 pid;
	char		*order = NULL;
	int		 s, rc, over, live, waited = 0;

	for (;;) {
		/* The try shown, or the one after it once it has ended. */
		next = lg->try_no >= 0 ? lg->try_no : shown >= 0 ?
		    shown + (tl.state != NULL) : waited ? 0 : -1;
		if ((rc = refresh(lg)) != 0 ||
		    (rc = read_try(lg, next, &tl, &state)) != 0)
			break;
		if (tl.try_id < 0 && next > shown && shown >= 0)
			rc = read_try(lg, shown, &tl, &state);
		if (rc != 0)
			break;
		live = lg->rundir != NULL &&
		    rundir_is_live(lg->rundir, &pid) == 1;
		over = task_over(state) || !live;
		if (tl.try_id >= 0 && tl.try_id != shown) {
			if (shown >= 0 || tl.try_id > 0)
				fprintf(stderr, "weft logs: %s: try %ld\n",
				    lg->id, tl.try_id);
			shown = tl.try_id;
			pos[OUT] = pos[ERR] = -1;
			lg->at_line_start[OUT] = lg->at_line_start[ERR] = 1;
		}
		if (tl.try_id < 0) {
			if (over) {
				rc = no_try(lg, state, lg->try_no);
				break;
			}
			if (!waited)
				fprintf(stderr, "weft logs: %s has not "
				    "started yet; waiting\n", lg->id);
			waited = 1;
		} else if (tl.off[OUT] >= 0 || tl.state != NULL ||
		    lg->kind == NULL || strcmp(lg->kind, "function") != 0) {
			/* A call's stretch is known once it ended. */
			order = order_path(lg, &tl);
			if (order != NULL && copy_in_order(lg, &tl, order,
			    pos) == -1 && errno != ENOENT) {
				fprintf(stderr, "weft logs: cannot read the "
				    "output of %s: %s\n", lg->id,
				    strerror(errno));
				rc = 1;
				goto out;
			}
			for (s = OUT; s <= ERR && order == NULL; s++) {
				if ((lg->streams & (1 << s)) &&
				    copy_stream(lg, &tl, s, &pos[s], -1, NULL,
				    NULL) == -1 && errno != ENOENT) {
					fprintf(stderr, "weft logs: cannot "
					    "read %s: %s\n", tl.path[s],
					    strerror(errno));
					rc = 1;
					goto out;
				}
			}
			free(order);
			order = NULL;
			fflush(stdout);
			/*
			 * What was written before the end is out now; the
			 * tries after this one are still to show.
			 */
			if (lg->try_no >= 0 ? tl.state != NULL || !live :
			    (tl.state != NULL || !live) && over &&
			    !newer_try(lg, shown))
				break;
		}
		free(state);
		state = NULL;
		nanosleep(&nap, NULL);
	}
out:
	for (s = OUT; s <= ERR; s++)
		end_line(lg, s);
	free(order);
	free(state);
	try_logs_free(&tl);
	if (dbread_flush("logs") != 0)
		return EXIT_INTERNAL;
	return rc;
}
