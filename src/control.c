/*
 * control.c: the control endpoint that every process of a run answers,
 * which "weft status" asks after reading the registry (registry.c).
 *
 * Each process (main, interchange, router, dbwriter, each pool) binds a
 * REP socket at ipc://sock/ctl-NAME in the run directory and answers any
 * request there with one JSON object: who it is (name, role, pid, parent),
 * how it is (state, start time, uptime, RSS, CPU time, open descriptors),
 * its role's counters under "stats", and under "heartbeats" how many
 * seconds ago it last heard from each peer it depends on.  Answering is
 * done in the process's own event loop, so a process that is stopped or
 * stuck does not answer: that is what makes "not responding" mean
 * something.  The sock/ folder is 0700, so only the run's owner can ask.
 */

#include <sys/resource.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zmq.h>

#include "weft.h"
#include "proto.h"

#define CTL_MAX_REQUEST	4096	/* bytes; a ping needs none */

struct ctl {
	char		 name[32];
	const char	*role;
	const char	*state;
	void		*sock;
	double		 started;
	ctl_fill_fn	 fill;
	void		*arg;
	unsigned long	 answered;
};

/* Binds ipc://sock/ctl-NAME; NULL (and a warning) if that fails. */
struct ctl *
ctl_open(void *ctx, const char *name, const char *role, ctl_fill_fn fill,
    void *arg)
{
	struct ctl	*c;
	char		*endpoint;
	int64_t		 max = CTL_MAX_REQUEST;

	c = xcalloc(1, sizeof *c);
	snprintf(c->name, sizeof c->name, "%s", name);
	c->role = role;
	c->state = "running";
	c->fill = fill;
	c->arg = arg;
	c->started = db_now();
	endpoint = xprintf("ipc://sock/ctl-%s", name);
	c->sock = zsock_open(ctx, ZMQ_REP, NULL);
	if (c->sock != NULL)
		zmq_setsockopt(c->sock, ZMQ_MAXMSGSIZE, &max, sizeof max);
	if (c->sock == NULL || zsock_bind(c->sock, endpoint) == -1) {
		log_warnx("cannot bind %s: %s; status will not reach this "
		    "process", endpoint, zmq_strerror(errno));
		if (c->sock != NULL)
			zmq_close(c->sock);
		free(c);
		c = NULL;
	}
	free(endpoint);
	return c;
}

void *
ctl_socket(struct ctl *c)
{
	return c != NULL ? c->sock : NULL;
}

/* STATE is a static string: "running", "stopping", ... */
void
ctl_set_state(struct ctl *c, const char *state)
{
	if (c != NULL)
		c->state = state;
}

/* Resident set size of PID (0: this process) in KiB, or -1. */
long
proc_rss_kb(pid_t pid)
{
	char	 path[64], buf[128];
	long	 pages = 0;
	ssize_t	 n;
	int	 fd;

	if (pid == 0)
		snprintf(path, sizeof path, "/proc/self/statm");
	else
		snprintf(path, sizeof path, "/proc/%ld/statm", (long)pid);
	if ((fd = open(path, O_RDONLY|O_CLOEXEC)) == -1)
		return -1;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	if (sscanf(buf, "%*s %ld", &pages) != 1)
		return -1;
	return pages * (sysconf(_SC_PAGESIZE) / 1024);
}

/* Open descriptors, not counting the one that lists them. */
static long
self_fds(void)
{
	DIR		*d;
	struct dirent	*de;
	long		 n = 0;

	if ((d = opendir("/proc/self/fd")) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] != '.')
			n++;
	}
	closedir(d);
	return n - 1;
}

static json_t *
ctl_reply(struct ctl *c)
{
	struct rusage	 ru;
	json_t		*o, *stats, *hb;
	double		 now = db_now();

	getrusage(RUSAGE_SELF, &ru);
	stats = json_object();
	hb = json_object();
	if (c->fill != NULL)
		c->fill(stats, hb, c->arg);
	o = json_pack("{s:s, s:s, s:I, s:I, s:s, s:f, s:f, s:I, s:f, s:I, "
	    "s:o, s:o}",
	    "name", c->name,
	    "role", c->role,
	    "pid", (json_int_t)getpid(),
	    "ppid", (json_int_t)getppid(),
	    "state", c->state,
	    "started", c->started,
	    "uptime", now - c->started,
	    "rss_kb", (json_int_t)proc_rss_kb(0),
	    "cpu", ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
	    (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6,
	    "fds", (json_int_t)self_fds(),
	    "stats", stats,
	    "heartbeats", hb);
	return o;
}

/* Answers every request waiting on the endpoint. */
void
ctl_answer(struct ctl *c)
{
	zmq_msg_t	 req;
	json_t		*o;
	char		*s;

	if (c == NULL)
		return;
	for (;;) {
		zmq_msg_init(&req);
		if (zmq_msg_recv(&req, c->sock, ZMQ_DONTWAIT) == -1) {
			zmq_msg_close(&req);
			return;
		}
		/* A REP socket hands over whole requests; drain any parts. */
		while (zmq_msg_more(&req)) {
			zmq_msg_close(&req);
			zmq_msg_init(&req);
			if (zmq_msg_recv(&req, c->sock, ZMQ_DONTWAIT) == -1)
				break;
		}
		zmq_msg_close(&req);
		o = ctl_reply(c);
		s = o != NULL ? json_dumps(o, JSON_COMPACT |
		    JSON_REAL_PRECISION(15)) : NULL;
		json_decref(o);
		if (s == NULL)
			s = xstrdup("{}");
		if (zmq_send(c->sock, s, strlen(s), ZMQ_DONTWAIT) == -1)
			log_debug("cannot answer a status request: %s",
			    zmq_strerror(errno));
		free(s);
		c->answered++;
	}
}

static int
ctl_readable(struct evloop *loop, void *arg)
{
	(void)loop;
	ctl_answer(arg);
	return 0;
}

/* Answers requests in LOOP's turns; nothing without an endpoint. */
void
ctl_watch(struct ctl *c, struct evloop *loop)
{
	if (c != NULL)
		evloop_socket(loop, c->sock, ctl_readable, c);
}

void
ctl_close(struct ctl **cp)
{
	struct ctl	*c = *cp;

	if (c == NULL)
		return;
	zmq_close(c->sock);
	free(c);
	*cp = NULL;
}

/* Seconds since MS (a mono_ms() time), or null if never. */
json_t *
ctl_age(int64_t ms)
{
	if (ms <= 0)
		return json_null();
	return json_real((mono_ms() - ms) / 1000.0);
}

/*
 * The fields of /proc/PID/stat after the command name (which may hold
 * anything, so they follow its last ')'), in BUF; NULL if PID is gone.
 */
static const char *
proc_stat_fields(pid_t pid, char *buf, size_t len)
{
	char		 path[64], *p;
	ssize_t		 n;
	int		 fd;

	snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
	if ((fd = open(path, O_RDONLY|O_CLOEXEC)) == -1)
		return NULL;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	if ((p = strrchr(buf, ')')) == NULL)
		return NULL;
	return p + 1;
}

/*
 * The start time of process PID in clock ticks since boot (field 22 of
 * /proc/PID/stat), with its state letter in *STATE; -1 if it is gone.
 * Together with the pid it names a process even after its pid is reused.
 */
long long
proc_start_ticks(pid_t pid, char *state)
{
	char		 buf[1024];
	const char	*f;
	long long	 start;
	char		 st;

	if ((f = proc_stat_fields(pid, buf, sizeof buf)) == NULL ||
	    sscanf(f, " %c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u "
	    "%*u %*d %*d %*d %*d %*d %*d %lld", &st, &start) != 2)
		return -1;
	if (state != NULL)
		*state = st;
	return start;
}

/*
 * The CPU time of process PID so far, user and system, in clock ticks
 * (fields 14 and 15 of /proc/PID/stat), with its state letter in *STATE;
 * -1 if it is gone.  Whether it grows tells a slow process from a stuck
 * one.
 */
long long
proc_cpu_ticks(pid_t pid, char *state)
{
	char		 buf[1024];
	const char	*f;
	long long	 utime, stime;
	char		 st;

	if ((f = proc_stat_fields(pid, buf, sizeof buf)) == NULL ||
	    sscanf(f, " %c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
	    "%lld %lld", &st, &utime, &stime) != 3)
		return -1;
	if (state != NULL)
		*state = st;
	return utime + stime;
}
