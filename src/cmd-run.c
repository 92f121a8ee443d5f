/*
 * cmd-run.c: "weft run", the supervisor of a run.
 *
 * This is the only process that loads the main body of a workflow.  It
 * builds the task graph, creates the run directory, starts the helpers
 * (interchange and pools) by spawning its own binary, sends ready tasks to
 * the interchange in batches, and follows results until every task is
 * done, failed or could not run.  It reaps every child in its event loop
 * (signalfd), and is a child subreaper so that tasks orphaned by a dead
 * pool come back to it to be killed.
 *
 * All helpers hold the read end of one lifeline pipe whose write end only
 * main holds.  Closing it is how main tells them to stop, and the kernel
 * closes it for us when main dies, even by SIGKILL.
 */

#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <zmq.h>

#include "weft.h"
#include "proto.h"

#define RUN_BATCH_MAX		4096	/* tasks per message to interchange */
#define RUN_STOP_GRACE_MS	1800	/* then helpers get SIGKILL */
#define RUN_PROGRESS_MS		100	/* terminal progress refresh */

enum task_state {
	TS_WAITING,		/* dependencies not yet done */
	TS_SENT,		/* handed to the interchange */
	TS_RUNNING,		/* a pool has started it */
	TS_DONE,
	TS_FAILED,
	TS_DEP_FAIL,
	TS_KILLED,		/* running or queued when the run stopped */
	TS_NOT_RUN,		/* never started because the run stopped */
	TS_NSTATES
};

static const char *state_names[TS_NSTATES] = {
	"waiting", "sent", "running", "done", "failed", "dep_fail",
	"killed", "not_run"
};

struct helper {
	char		 name[32];	/* "interchange", "pool-0" */
	pid_t		 pid;
	int		 alive;
	int		 killed;	/* main gave up waiting and killed it */
};

struct task_run {
	uint8_t		 state;
	uint32_t	 waiting;	/* dependencies not yet done */
	uint32_t	 attempt;
	int		 status;
	int		 spawn_errno;
	uint32_t	 cause;		/* dep_fail: the failed task */
	uint64_t	 wall_us;
};

struct run {
	struct workflow	*wf;
	struct dag	*dag;
	struct rundir	 rd;
	int		 jobs;
	int		 pools;
	int		 quiet;
	int		 verbose;
	int		 tty;

	void		*ctx;
	void		*sock;
	int		 sigfd;
	int		 timerfd;
	int		 lifeline[2];

	struct helper	*helpers;
	size_t		 nhelpers;

	struct task_run	*tasks;
	uint32_t	*ready;		/* to send at the end of this turn */
	size_t		 nready;
	size_t		 nfinished;
	size_t		 nsent;		/* in flight: sent or running */
	size_t		 counts[TS_NSTATES];
	size_t		 nretried;

	int		 interrupted;
	int		 aborted;
	int		 progress_shown;
	struct timespec	 t0;
};

static const struct option run_longopts[] = {
	{ "jobs", required_argument, NULL, 'j' },
	{ "run-dir", required_argument, NULL, 'd' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

static void
run_usage(FILE *f)
{
	fprintf(f, "usage: weft run [-qv] [-j N] [--run-dir DIR] FILE\n"
	    "  -j, --jobs N       slots per pool (1-%d; default: config.jobs,"
	    " else CPUs)\n"
	    "      --run-dir DIR  keep runs in DIR instead of .weft next to"
	    " FILE\n"
	    "  -q, --quiet        no line per task, only the summary\n"
	    "  -v, --verbose      debug lines in every process's log\n"
	    "  -h, --help         this help\n", WEFT_MAX_JOBS);
}

static int64_t
elapsed_ms(const struct timespec *t0)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec - t0->tv_sec) * 1000 +
	    (ts.tv_nsec - t0->tv_nsec) / 1000000;
}

/* Parses a -j value strictly: digits only, within range. */
static int
parse_jobs(const char *s, int *out)
{
	char	*end;
	long	 v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < 1 || v > WEFT_MAX_JOBS)
		return -1;
	*out = v;
	return 0;
}

/* Erases the terminal progress line before printing a line of output. */
static void
progress_clear(struct run *r)
{
	if (r->progress_shown) {
		fputs("\r\033[K", stdout);
		r->progress_shown = 0;
	}
}

static void
progress_show(struct run *r)
{
	if (!r->tty || r->quiet)
		return;
	progress_clear(r);
	printf("[%zu/%zu] %zu running, %zu queued, %zu done, %zu failed, "
	    "%zu dep_fail", r->nfinished, r->dag->ntasks,
	    r->counts[TS_RUNNING], r->counts[TS_SENT], r->counts[TS_DONE],
	    r->counts[TS_FAILED], r->counts[TS_DEP_FAIL]);
	r->progress_shown = 1;
	fflush(stdout);
}

/* One line per event; on a terminal only the failures. */
static void
event_line(struct run *r, int always, const char *fmt, ...)
    printflike(3, 4);

static void
event_line(struct run *r, int always, const char *fmt, ...)
{
	va_list	 ap;

	if (r->quiet || (r->tty && !always))
		return;
	progress_clear(r);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static void
set_state(struct run *r, uint32_t i, enum task_state st)
{
	struct task_run	*tr = &r->tasks[i];

	if (tr->state == TS_SENT || tr->state == TS_RUNNING)
		r->nsent--;
	r->counts[tr->state]--;
	tr->state = st;
	r->counts[st]++;
	if (st == TS_SENT || st == TS_RUNNING)
		r->nsent++;
	else if (st != TS_WAITING)
		r->nfinished++;
}

static void
make_ready(struct run *r, uint32_t i)
{
	r->ready[r->nready++] = i;
	set_state(r, i, TS_SENT);
}

/* Sends every ready task, in batches. */
static void
send_ready(struct run *r)
{
	struct msg_out	 m;
	struct msg_task	 mt;
	struct task	*t;
	size_t		 i, n, off;

	for (off = 0; off < r->nready; off += n) {
		n = r->nready - off;
		if (n > RUN_BATCH_MAX)
			n = RUN_BATCH_MAX;
		msg_begin(&m, MSG_TASKS, 1);
		msgpack_pack_array(&m.pk, n);
		for (i = off; i < off + n; i++) {
			t = &r->dag->tasks[r->ready[i]];
			mt.index = t->index;
			mt.attempt = r->tasks[t->index].attempt;
			mt.id = t->id;
			mt.id_len = strlen(t->id);
			mt.command = t->command;
			mt.command_len = strlen(t->command);
			msg_pack_task(&m.pk, &mt);
		}
		if (msg_send(r->sock, NULL, 0, &m) == -1)
			log_warnx("cannot send tasks to the interchange: %s",
			    zmq_strerror(errno));
	}
	r->nready = 0;
}

/* Marks every task downstream of a failed one as dep_fail. */
static void
fail_dependents(struct run *r, uint32_t failed)
{
	struct task	*t;
	uint32_t	*stack, d;
	size_t		 n = 0, i;

	stack = xcalloc(r->dag->ntasks, sizeof *stack);
	stack[n++] = failed;
	while (n > 0) {
		t = &r->dag->tasks[stack[--n]];
		for (i = 0; i < t->ndependents; i++) {
			d = t->dependents[i];
			if (r->tasks[d].state != TS_WAITING)
				continue;
			r->tasks[d].cause = failed;
			set_state(r, d, TS_DEP_FAIL);
			event_line(r, 0, "dep_fail %s (needs %s)",
			    r->dag->tasks[d].id, r->dag->tasks[failed].id);
			stack[n++] = d;
		}
	}
	free(stack);
}

static char *
result_string(const struct task_run *tr)
{
	if (tr->spawn_errno != 0)
		return xprintf("could not start: %s",
		    strerror(tr->spawn_errno));
	return wait_status_string(tr->status);
}

static void
handle_result(struct run *r, const struct msg_result *res)
{
	struct task_run	*tr;
	struct task	*t;
	char		*why;
	size_t		 i;
	int		 ok;

	if (res->index >= r->dag->ntasks) {
		log_warnx("result for unknown task %u ignored", res->index);
		return;
	}
	t = &r->dag->tasks[res->index];
	tr = &r->tasks[res->index];
	if ((tr->state != TS_SENT && tr->state != TS_RUNNING) ||
	    tr->attempt != res->attempt) {
		log_warnx("stale result for %s ignored", t->id);
		return;
	}
	tr->status = res->status;
	tr->spawn_errno = res->spawn_errno;
	tr->wall_us = res->wall_us;
	ok = res->spawn_errno == 0 && WIFEXITED(res->status) &&
	    WEXITSTATUS(res->status) == 0;
	log_debug("%s: try %u on pool %d (pid %lld): %s in %.3fs, user %.3fs, "
	    "system %.3fs, max rss %lld KiB", t->id, res->attempt, res->pool,
	    (long long)res->pid, ok ? "ok" : "failed", res->wall_us / 1e6,
	    res->utime_us / 1e6, res->stime_us / 1e6,
	    (long long)res->maxrss_kb);

	if (ok) {
		set_state(r, res->index, TS_DONE);
		event_line(r, 0, "done     %s %.2fs", t->id,
		    res->wall_us / 1e6);
		for (i = 0; i < t->ndependents; i++) {
			if (--r->tasks[t->dependents[i]].waiting == 0)
				make_ready(r, t->dependents[i]);
		}
		return;
	}

	why = result_string(tr);
	if ((int)tr->attempt < t->retries) {
		tr->attempt++;
		if (tr->attempt == 1)
			r->nretried++;
		event_line(r, 1, "retry    %s %s (try %u of %d)", t->id, why,
		    tr->attempt + 1, t->retries + 1);
		r->ready[r->nready++] = res->index;
		set_state(r, res->index, TS_SENT);
		free(why);
		return;
	}
	set_state(r, res->index, TS_FAILED);
	event_line(r, 1, "failed   %s %s", t->id, why);
	free(why);
	fail_dependents(r, res->index);
}

static void
handle_started(struct run *r, const msgpack_object *o)
{
	uint64_t	 index, attempt;

	if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size != 2 ||
	    msg_get_uint(&o->via.array.ptr[0], &index) == -1 ||
	    msg_get_uint(&o->via.array.ptr[1], &attempt) == -1 ||
	    index >= r->dag->ntasks) {
		log_warnx("malformed start notice ignored");
		return;
	}
	if (r->tasks[index].state == TS_SENT &&
	    r->tasks[index].attempt == attempt)
		set_state(r, index, TS_RUNNING);
}

static void
read_results(struct run *r)
{
	struct msg_in		 m;
	struct msg_result	 res;
	const msgpack_object	*list;
	zmq_msg_t		 zm;
	uint32_t		 i;

	for (;;) {
		zmq_msg_init(&zm);
		if (zmq_msg_recv(&zm, r->sock, ZMQ_DONTWAIT) == -1) {
			zmq_msg_close(&zm);
			break;
		}
		if (msg_parse(&m, zmq_msg_data(&zm), zmq_msg_size(&zm)) == -1) {
			log_warnx("malformed message from the interchange");
			zmq_msg_close(&zm);
			continue;
		}
		if (m.type == MSG_RESULTS && m.nfields == 2 &&
		    m.fields[0].type == MSGPACK_OBJECT_ARRAY &&
		    m.fields[1].type == MSGPACK_OBJECT_ARRAY) {
			list = &m.fields[1];
			for (i = 0; i < list->via.array.size; i++)
				handle_started(r, &list->via.array.ptr[i]);
			list = &m.fields[0];
			for (i = 0; i < list->via.array.size; i++) {
				if (msg_get_result(&list->via.array.ptr[i],
				    &res) == 0)
					handle_result(r, &res);
				else
					log_warnx("malformed result ignored");
			}
		} else
			log_warnx("unexpected message type %d", m.type);
		msg_in_free(&m);
		zmq_msg_close(&zm);
	}
}

static pid_t
start_helper(struct run *r, const char *name, char **argv)
{
	struct spawn	 sp;
	struct helper	*h;
	char		*logpath;
	pid_t		 pid;
	int		 error;

	logpath = xprintf("%s.log", name);
	spawn_init(&sp);
	sp.path = weft_self;
	sp.argv = argv;
	sp.stderr_path = logpath;
	sp.append = 1;
	sp.new_pgroup = 1;	/* the terminal's ^C is main's to handle */
	sp.fds[3] = r->lifeline[0];
	sp.nfds = 4;
	pid = spawn_start(&sp, &error);
	free(logpath);
	if (pid == -1) {
		fprintf(stderr, "weft: cannot start helper %s: %s\n", name,
		    strerror(error));
		return -1;
	}
	r->helpers = xreallocarray(r->helpers, r->nhelpers + 1,
	    sizeof *r->helpers);
	h = &r->helpers[r->nhelpers++];
	snprintf(h->name, sizeof h->name, "%s", name);
	h->pid = pid;
	h->alive = 1;
	log_info("started %s, pid %ld", name, (long)pid);
	return pid;
}

static int
start_helpers(struct run *r)
{
	char	*argv[16], name[32], pool[16], jobs[16];
	int	 i, n;

	n = 0;
	argv[n++] = "weft";
	argv[n++] = "interchange";
	argv[n++] = "--run";
	argv[n++] = r->rd.path;
	argv[n++] = "--name";
	argv[n++] = r->rd.name;
	if (r->verbose)
		argv[n++] = "-v";
	argv[n] = NULL;
	if (start_helper(r, "interchange", argv) == -1)
		return -1;

	for (i = 0; i < r->pools; i++) {
		snprintf(name, sizeof name, "pool-%d", i);
		snprintf(pool, sizeof pool, "%d", i);
		snprintf(jobs, sizeof jobs, "%d", r->jobs);
		n = 0;
		argv[n++] = "weft";
		argv[n++] = "pool";
		argv[n++] = "--run";
		argv[n++] = r->rd.path;
		argv[n++] = "--name";
		argv[n++] = r->rd.name;
		argv[n++] = "--pool";
		argv[n++] = pool;
		argv[n++] = "--jobs";
		argv[n++] = jobs;
		argv[n++] = "--workdir";
		argv[n++] = r->wf->dir;
		if (r->verbose)
			argv[n++] = "-v";
		argv[n] = NULL;
		if (start_helper(r, name, argv) == -1)
			return -1;
	}
	return 0;
}

static struct helper *
find_helper(struct run *r, pid_t pid)
{
	size_t	 i;

	for (i = 0; i < r->nhelpers; i++) {
		if (r->helpers[i].pid == pid)
			return &r->helpers[i];
	}
	return NULL;
}

static size_t
helpers_alive(struct run *r)
{
	size_t	 i, n = 0;

	for (i = 0; i < r->nhelpers; i++)
		n += r->helpers[i].alive;
	return n;
}

/*
 * Reaps every child that has ended: helpers, and orphaned task processes
 * that came to us as subreaper.  A helper that ends while the run goes
 * on aborts the run.
 */
static void
reap_children(struct run *r, int running)
{
	struct helper	*h;
	char		*why;
	pid_t		 pid;
	int		 status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if ((h = find_helper(r, pid)) == NULL) {
			log_debug("reaped orphan %ld", (long)pid);
			continue;
		}
		h->alive = 0;
		why = wait_status_string(status);
		log_info("%s (pid %ld) ended: %s", h->name, (long)pid, why);
		if (running && !r->aborted && !r->interrupted) {
			progress_clear(r);
			fflush(stdout);
			fprintf(stderr, "weft: helper %s (pid %ld) died: %s "
			    "(see %s/%s.log)\n", h->name, (long)pid, why,
			    r->rd.path, h->name);
			r->aborted = 1;
		} else if (!running && !h->killed &&
		    (!WIFEXITED(status) || WEXITSTATUS(status) != 0)) {
			/* It failed while stopping: tell, it may hide a bug. */
			fprintf(stderr, "weft: warning: helper %s (pid %ld) "
			    "ended badly: %s (see %s/%s.log)\n", h->name,
			    (long)pid, why, r->rd.path, h->name);
		}
		free(why);
	}
}

static void
handle_signals(struct run *r, int running)
{
	struct signalfd_siginfo	 si;

	while (read(r->sigfd, &si, sizeof si) == sizeof si) {
		if (si.ssi_signo == SIGCHLD) {
			reap_children(r, running);
			continue;
		}
		if (!running || r->interrupted)
			continue;
		progress_clear(r);
		fflush(stdout);
		fprintf(stderr, "weft: interrupted, stopping run %s\n",
		    r->rd.name);
		log_info("interrupted by signal %d", si.ssi_signo);
		r->interrupted = 1;
	}
}

/*
 * Kills whatever task processes were orphaned to us (their pool died) and
 * reaps them.  Each is the leader of its own process group, so the whole
 * group goes.
 */
static void
kill_orphans(struct run *r)
{
	DIR		*d;
	struct dirent	*de;
	char		 path[64], buf[512], *p;
	long		 ppid;
	pid_t		 pid, me = getpid();
	ssize_t		 n;
	int		 fd, found, rounds;

	for (rounds = 0; rounds < 50; rounds++) {
		found = 0;
		if ((d = opendir("/proc")) == NULL)
			return;
		while ((de = readdir(d)) != NULL) {
			pid = atoi(de->d_name);
			if (pid <= 0 || pid == me)
				continue;
			snprintf(path, sizeof path, "/proc/%ld/stat",
			    (long)pid);
			if ((fd = open(path, O_RDONLY|O_CLOEXEC)) == -1)
				continue;
			n = read(fd, buf, sizeof buf - 1);
			close(fd);
			if (n <= 0)
				continue;
			buf[n] = '\0';
			/* The name may hold anything; ppid follows ") S ". */
			if ((p = strrchr(buf, ')')) == NULL ||
			    sscanf(p + 1, " %*c %ld", &ppid) != 1 ||
			    ppid != me)
				continue;
			log_info("killing leftover process %ld", (long)pid);
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			found = 1;
		}
		closedir(d);
		reap_children(r, 0);
		if (!found)
			break;
		usleep(10000);
	}
}

/* Asks every helper to stop, waits a bounded time, then forces them. */
static void
stop_helpers(struct run *r)
{
	zmq_pollitem_t	 item;
	struct timespec	 t0;
	int64_t		 left;
	size_t		 i;

	if (r->lifeline[1] != -1) {
		close(r->lifeline[1]);
		r->lifeline[1] = -1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	item = (zmq_pollitem_t){ NULL, r->sigfd, ZMQ_POLLIN, 0 };
	reap_children(r, 0);
	while (helpers_alive(r) > 0) {
		left = RUN_STOP_GRACE_MS - elapsed_ms(&t0);
		if (left <= 0)
			break;
		if (zmq_poll(&item, 1, left) > 0)
			handle_signals(r, 0);
	}
	for (i = 0; i < r->nhelpers; i++) {
		if (r->helpers[i].alive) {
			log_warnx("%s did not stop in time; killing it",
			    r->helpers[i].name);
			kill(r->helpers[i].pid, SIGKILL);
			r->helpers[i].killed = 1;
		}
	}
	while (helpers_alive(r) > 0) {
		if (zmq_poll(&item, 1, 100) > 0)
			handle_signals(r, 0);
		else
			reap_children(r, 0);
	}
	kill_orphans(r);
}

static void
print_summary(struct run *r)
{
	static const enum task_state order[] = {
		TS_DONE, TS_FAILED, TS_DEP_FAIL, TS_KILLED, TS_NOT_RUN
	};
	struct task	*t;
	char		*dir, *why;
	const char	*sep = "";
	size_t		 i;

	progress_clear(r);
	printf("summary: %zu task%s:", r->dag->ntasks,
	    r->dag->ntasks == 1 ? "" : "s");
	for (i = 0; i < sizeof order / sizeof order[0]; i++) {
		if (r->counts[order[i]] == 0)
			continue;
		printf("%s %zu %s", sep, r->counts[order[i]],
		    state_names[order[i]]);
		sep = ",";
	}
	printf(" in %.2fs", elapsed_ms(&r->t0) / 1000.0);
	if (r->nretried > 0)
		printf(" (%zu needed retries)", r->nretried);
	putchar('\n');
	for (i = 0; i < r->dag->ntasks; i++) {
		if (r->tasks[i].state != TS_FAILED)
			continue;
		t = &r->dag->tasks[i];
		dir = rundir_task_dirname(t->id);
		why = result_string(&r->tasks[i]);
		printf("failed %s: %s, stderr in %s/tasks/%s/stderr\n", t->id,
		    why, r->rd.path, dir);
		free(why);
		free(dir);
	}
}

/* The event loop: results in, ready tasks out, until all are settled. */
static void
run_loop(struct run *r)
{
	zmq_pollitem_t	 items[3];
	uint64_t	 ticks;
	int		 nitems = 2;

	items[0] = (zmq_pollitem_t){ r->sock, 0, ZMQ_POLLIN, 0 };
	items[1] = (zmq_pollitem_t){ NULL, r->sigfd, ZMQ_POLLIN, 0 };
	if (r->timerfd != -1) {
		items[2] = (zmq_pollitem_t){ NULL, r->timerfd, ZMQ_POLLIN, 0 };
		nitems = 3;
	}
	while (r->nfinished < r->dag->ntasks && !r->aborted &&
	    !r->interrupted) {
		send_ready(r);
		fflush(stdout);
		if (zmq_poll(items, nitems, -1) == -1) {
			if (errno == EINTR)
				continue;
			fatal("zmq_poll");
		}
		if (items[1].revents != 0)
			handle_signals(r, 1);
		if (items[0].revents != 0)
			read_results(r);
		if (nitems == 3 && items[2].revents != 0) {
			if (read(r->timerfd, &ticks, sizeof ticks) > 0)
				progress_show(r);
		}
	}
}

/* Everything still open when the run stops is killed or not run. */
static void
settle_unfinished(struct run *r)
{
	size_t	 i;

	for (i = 0; i < r->dag->ntasks; i++) {
		if (r->tasks[i].state == TS_RUNNING)
			set_state(r, i, TS_KILLED);
		else if (r->tasks[i].state == TS_SENT ||
		    r->tasks[i].state == TS_WAITING)
			set_state(r, i, TS_NOT_RUN);
	}
}

static int
run_setup(struct run *r, const char *base)
{
	struct itimerspec	 its;
	sigset_t		 mask;
	char			*err = NULL, *path;
	size_t			 i;

	if (rundir_create(base, &r->rd, &err) == -1) {
		fprintf(stderr, "%s\n", err);
		free(err);
		return -1;
	}
	path = xprintf("%s/workflow.yaml", r->rd.path);
	if (copy_file(r->wf->path, path) == -1) {
		fprintf(stderr, "weft: cannot write '%s': %s\n", path,
		    strerror(errno));
		free(path);
		return -1;
	}
	free(path);
	path = xprintf("%s/weft.log", r->rd.path);
	log_init(path, r->verbose);
	free(path);
	log_set_role("main");
	log_info("weft %s: run %s of %s: %zu tasks, %d pool(s) x %d jobs",
	    PACKAGE_VERSION, r->rd.name, r->wf->path, r->dag->ntasks,
	    r->pools, r->jobs);
	if (chdir(r->rd.path) == -1) {
		fprintf(stderr, "weft: cannot enter '%s': %s\n", r->rd.path,
		    strerror(errno));
		return -1;
	}
	prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);

	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	if ((r->sigfd = signalfd(-1, &mask, SFD_NONBLOCK|SFD_CLOEXEC)) == -1 ||
	    pipe2(r->lifeline, O_CLOEXEC) == -1) {
		fprintf(stderr, "weft: %s\n", strerror(errno));
		return -1;
	}
	r->timerfd = -1;
	if (r->tty && !r->quiet) {
		r->timerfd = timerfd_create(CLOCK_MONOTONIC,
		    TFD_NONBLOCK|TFD_CLOEXEC);
		its.it_interval.tv_sec = 0;
		its.it_interval.tv_nsec = RUN_PROGRESS_MS * 1000000L;
		its.it_value = its.it_interval;
		if (r->timerfd != -1)
			timerfd_settime(r->timerfd, 0, &its, NULL);
	}

	if ((r->ctx = zmq_ctx_new()) == NULL ||
	    (r->sock = zsock_open(r->ctx, ZMQ_DEALER, NULL)) == NULL ||
	    zsock_bind(r->sock, "ipc://sock/main") == -1) {
		fprintf(stderr, "weft: cannot bind ipc://sock/main: %s\n",
		    zmq_strerror(errno));
		return -1;
	}

	r->tasks = xcalloc(r->dag->ntasks, sizeof *r->tasks);
	r->ready = xcalloc(r->dag->ntasks, sizeof *r->ready);
	r->counts[TS_WAITING] = r->dag->ntasks;
	for (i = 0; i < r->dag->ntasks; i++)
		r->tasks[i].waiting = r->dag->tasks[i].ndeps;
	return 0;
}

static void
run_free(struct run *r)
{
	if (r->sock != NULL)
		zmq_close(r->sock);
	if (r->ctx != NULL)
		zmq_ctx_term(r->ctx);
	free(r->tasks);
	free(r->ready);
	free(r->helpers);
	rundir_free(&r->rd);
	dag_free(&r->dag);
	workflow_free(&r->wf);
}

int
cmd_run(int argc, char **argv)
{
	struct run	 r;
	const char	*rundir_opt = NULL;
	char		*err = NULL, *base;
	int		 ch, jobs = 0, rc;
	size_t		 i;
	long		 ncpu;

	memset(&r, 0, sizeof r);
	r.lifeline[0] = r.lifeline[1] = -1;
	while ((ch = getopt_long(argc, argv, "+j:qvh", run_longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'j':
			if (parse_jobs(optarg, &jobs) == -1) {
				fprintf(stderr, "weft: invalid -j value '%s': "
				    "expected an integer from 1 to %d\n",
				    optarg, WEFT_MAX_JOBS);
				return EXIT_USAGE;
			}
			break;
		case 'd':
			rundir_opt = optarg;
			break;
		case 'q':
			r.quiet = 1;
			break;
		case 'v':
			r.verbose = 1;
			break;
		case 'h':
			run_usage(stdout);
			return 0;
		default:
			run_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "weft: run needs exactly one workflow file\n");
		run_usage(stderr);
		return EXIT_USAGE;
	}

	if (workflow_load(argv[optind], argv[optind], NULL, WF_FULL, &r.wf,
	    &err) == -1 || dag_build(r.wf, &r.dag, &err) == -1) {
		fprintf(stderr, "%s\n", err);
		free(err);
		dag_free(&r.dag);
		workflow_free(&r.wf);
		return EXIT_USAGE;
	}
	ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	r.jobs = jobs != 0 ? jobs : r.wf->jobs != 0 ? r.wf->jobs :
	    (ncpu > 0 ? (int)ncpu : 1);
	r.pools = r.wf->pools > 0 ? r.wf->pools : 1;
	r.tty = isatty(STDOUT_FILENO);
	clock_gettime(CLOCK_MONOTONIC, &r.t0);

	base = rundir_opt != NULL ? xstrdup(rundir_opt) :
	    xprintf("%s/.weft", r.wf->dir);
	rc = run_setup(&r, base);
	free(base);
	if (rc == -1) {
		run_free(&r);
		return EXIT_INTERNAL;
	}
	if (!r.tty)
		setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	printf("weft: run %s in %s (%zu task%s, %d pool%s x %d jobs)\n",
	    r.rd.name, r.rd.path, r.dag->ntasks, r.dag->ntasks == 1 ? "" : "s",
	    r.pools, r.pools == 1 ? "" : "s", r.jobs);

	if (start_helpers(&r) == -1)
		r.aborted = 1;
	else {
		for (i = 0; i < r.dag->ntasks; i++) {
			if (r.tasks[i].waiting == 0)
				make_ready(&r, i);
		}
		run_loop(&r);
	}
	stop_helpers(&r);
	settle_unfinished(&r);
	print_summary(&r);
	fflush(stdout);

	if (r.aborted) {
		fprintf(stderr, "weft: run %s aborted\n", r.rd.name);
		rc = EXIT_INTERNAL;
	} else if (r.interrupted)
		rc = EXIT_INTERRUPTED;
	else if (r.counts[TS_FAILED] + r.counts[TS_DEP_FAIL] > 0)
		rc = EXIT_TASK_FAILED;
	else
		rc = 0;
	log_info("run %s finished: exit %d", r.rd.name, rc);
	run_free(&r);
	return rc;
}
