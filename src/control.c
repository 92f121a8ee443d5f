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
 * What it says of the process itself it reads from /proc (procfs.c).
 */

#include <sys/resource.h>

#include <errno.h>
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
	    "fds", (json_int_t)proc_self_fds(),
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
