/*
 * resume-hasher.c: main's side of the input hasher, for the task cache
 * (resume.c).  Inputs that resume.c could not hash from the cache's
 * fingerprints are queued; a batch at a time goes to a short-lived
 * "weft hash" (hasher.c) on a memfd, whose answers come back on a pipe
 * that main polls.  A hasher that dies leaves its unanswered inputs to
 * the next one, or, after two deaths in a row, to main itself; at the
 * end of a run what is left is hashed here, so that every task that
 * succeeded is recorded.
 */

#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "weft.h"
#include "proto.h"
#include "resume.h"

/* Input INPUT of task TASK goes into the next hasher's batch. */
void
queue_hash(struct resume *rs, uint32_t task, uint32_t input)
{
	if (rs->nnext == rs->cnext) {
		rs->cnext = rs->cnext == 0 ? 64 : rs->cnext * 2;
		rs->next = xreallocarray(rs->next, rs->cnext,
		    sizeof *rs->next);
	}
	rs->next[rs->nnext].task = task;
	rs->next[rs->nnext++].input = input;
}

static void
hasher_spawn(struct resume *rs)
{
	struct spawn	 sp;
	struct roleargs	 a;
	const struct task *t;
	char		**argv, *line;
	int		 in, out[2], error;
	size_t		 i;

	if (rs->pid > 0 || rs->nnext == 0)
		return;
	/* The batch becomes the current one. */
	free(rs->reqs);
	rs->reqs = rs->next;
	rs->nreqs = rs->nnext;
	rs->next = NULL;
	rs->nnext = rs->cnext = 0;
	rs->answered = 0;
	if ((in = memfd_create("weft-hash", MFD_CLOEXEC)) == -1 ||
	    pipe2(out, O_CLOEXEC) == -1)
		fatal("cannot start a hasher");
	for (i = 0; i < rs->nreqs; i++) {
		t = &rs->dag->tasks[rs->reqs[i].task];
		line = xprintf("%zu\t%s", i, t->inputs[rs->reqs[i].input]);
		if (write(in, line, strlen(line) + 1) == -1)
			fatal("cannot start a hasher");
		free(line);
	}
	lseek(in, 0, SEEK_SET);
	memset(&a, 0, sizeof a);
	a.workdir = rs->wf->dir;
	a.parent = getpid();
	argv = roleargs_argv(ROLE_HASH, &a);
	spawn_init(&sp);
	sp.path = weft_self;
	sp.argv = argv;
	sp.new_pgroup = 1;
	sp.fds[0] = in;
	sp.fds[1] = out[1];
	sp.stderr_path = rs->logpath;
	sp.append = 1;
	rs->pid = spawn_start(&sp, &error);
	roleargs_argv_free(argv);
	close(in);
	close(out[1]);
	if (rs->pid == -1) {
		fatalx("cannot start a hasher: %s", strerror(error));
	}
	rs->fd = out[0];
	fcntl(rs->fd, F_SETFL, fcntl(rs->fd, F_GETFL) | O_NONBLOCK);
	if (!msgpack_unpacker_init(&rs->u, 64 * 1024))
		fatalx("out of memory");
	rs->has_u = 1;
	log_debug("hasher %ld: %zu inputs", (long)rs->pid, rs->nreqs);
}

/* MSG_H_HASHED: [index, path, errno, dev, ino, size, mtime_ns, hash]. */
static int
hasher_answer(struct resume *rs, const struct msg_in *m)
{
	struct hasher_req	*q;
	struct stat		 st;
	uint64_t		 index, dev, ino;
	int64_t			 error, size, mtime;

	if (m->type != MSG_H_HASHED || m->nfields != 8 ||
	    msg_get_uint(&m->fields[0], &index) == -1 ||
	    index != rs->answered || index >= rs->nreqs ||
	    msg_get_int(&m->fields[2], &error) == -1 ||
	    msg_get_uint(&m->fields[3], &dev) == -1 ||
	    msg_get_uint(&m->fields[4], &ino) == -1 ||
	    msg_get_int(&m->fields[5], &size) == -1 ||
	    msg_get_int(&m->fields[6], &mtime) == -1 ||
	    (error == 0 && (m->fields[7].type != MSGPACK_OBJECT_BIN ||
	    m->fields[7].via.bin.size != HASH_LEN)))
		return -1;
	q = &rs->reqs[rs->answered++];
	memset(&st, 0, sizeof st);
	st.st_dev = dev;
	st.st_ino = ino;
	st.st_size = size;
	st.st_mtim.tv_sec = mtime / 1000000000;
	st.st_mtim.tv_nsec = mtime % 1000000000;
	st.st_mode = S_IFREG;
	if (rs->t[q->task].state == KEY_HASHING)
		input_hashed(rs, q->task, q->input, &st, error == 0 ?
		    (const uint8_t *)m->fields[7].via.bin.ptr : NULL,
		    (int)error);
	return 0;
}

/* The hasher's stdout, for main's poll; -1 when there is none. */
int
resume_fd(struct resume *rs)
{
	if (rs->pid <= 0)
		hasher_spawn(rs);
	return rs->fd;
}

/* Reads what the hasher wrote. */
void
resume_read(struct resume *rs)
{
	struct msg_in	 m;
	ssize_t		 n;
	int		 rc;

	while (rs->fd != -1) {
		if ((n = msg_read(rs->fd, &rs->u, 64 * 1024)) == -1)
			return;
		if (n == 0) {
			close(rs->fd);
			rs->fd = -1;
			return;
		}
		while ((rc = msg_next(&rs->u, &m)) == 1) {
			rc = hasher_answer(rs, &m);
			msg_in_free(&m);
			if (rc == -1)
				break;
		}
		if (rc == -1) {
			log_warnx("hasher %ld: malformed answer",
			    (long)rs->pid);
			kill(rs->pid, SIGKILL);
			close(rs->fd);
			rs->fd = -1;
			return;
		}
	}
}

/*
 * Main reaped PID; returns 1 if it was the hasher.  Inputs it did not
 * answer go to the next one, or, when hashers keep dying, are hashed
 * right here.
 */
int
resume_reaped(struct resume *rs, pid_t pid, int status)
{
	struct hasher_req	*q;
	struct stat		 st;
	uint8_t			 hash[HASH_LEN];
	char			*path, *why;
	size_t			 i;
	int			 error;

	if (rs == NULL || pid != rs->pid || pid <= 0)
		return 0;
	if (rs->fd != -1)
		resume_read(rs);
	if (rs->fd != -1)
		close(rs->fd);
	rs->fd = -1;
	if (rs->has_u)
		msgpack_unpacker_destroy(&rs->u);
	rs->has_u = 0;
	rs->pid = 0;
	if (rs->answered == rs->nreqs) {
		rs->failures = 0;
		return 1;
	}
	why = wait_status_string(status);
	log_warnx("hasher %ld ended with %zu of %zu inputs unanswered: %s",
	    (long)pid, rs->nreqs - rs->answered, rs->nreqs, why);
	free(why);
	for (i = rs->answered; i < rs->nreqs; i++) {
		q = &rs->reqs[i];
		if (rs->t[q->task].state != KEY_HASHING)
			continue;
		if (rs->failures < 2) {
			queue_hash(rs, q->task, q->input);
			continue;
		}
		path = path_abs(rs->wf->dir,
		    rs->dag->tasks[q->task].inputs[q->input]);
		error = hash_path(AT_FDCWD, path, &st, hash);
		free(path);
		input_hashed(rs, q->task, q->input, &st, hash, error);
	}
	rs->failures++;
	rs->nreqs = rs->answered = 0;
	return 1;
}

/*
 * At the end of a run: waits for the hasher to answer what it has, hashes
 * here what is left, so that every task that succeeded is recorded, and
 * commits.  Hashing takes as long as it takes: the run is over.  Without
 * WAIT (the run was interrupted: it must end now), only commits: the
 * tasks whose keys were not known yet run again on --resume.
 */
void
resume_finish(struct resume *rs, int wait)
{
	struct pollfd	 pfd;
	struct stat	 st;
	uint8_t		 hash[HASH_LEN];
	char		*path;
	size_t		 i;
	int		 status, error;

	if (rs == NULL)
		return;
	if (!wait) {
		cache_commit(rs->cache);
		return;
	}
	while (rs->pid > 0) {
		if (rs->fd != -1) {
			pfd = (struct pollfd){ rs->fd, POLLIN, 0 };
			if (poll(&pfd, 1, 1000) > 0)
				resume_read(rs);
			continue;
		}
		if (waitpid(rs->pid, &status, 0) == rs->pid)
			resume_reaped(rs, rs->pid, status);
		else
			rs->pid = 0;
	}
	/* The next batch, never started: here. */
	for (i = 0; i < rs->nnext; i++) {
		if (rs->t[rs->next[i].task].state != KEY_HASHING)
			continue;
		path = path_abs(rs->wf->dir,
		    rs->dag->tasks[rs->next[i].task].inputs[rs->next[i].input]);
		error = hash_path(AT_FDCWD, path, &st, hash);
		free(path);
		input_hashed(rs, rs->next[i].task, rs->next[i].input, &st,
		    hash, error);
	}
	rs->nnext = 0;
	cache_commit(rs->cache);
}
