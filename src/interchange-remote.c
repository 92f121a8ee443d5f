/*
 * interchange-remote.c: the interchange's tcp:// endpoint, for pools on
 * other hosts (started by a provider over ssh or Slurm, or by hand with
 * "weft pool --connect URL --certs PATH").
 *
 * The endpoint is a ROUTER of its own, a CURVE server with the run's
 * server key (certs.c), listening on every interface at the port given
 * (or the first free one of a range); main passes "--listen
 * tcp://ADDRESS:PORT", ADDRESS being what pools are told to connect to.
 * A ZAP handler admits only the run's client key: a client with another
 * key is refused at the handshake, as is one that does not know the
 * server's key (seen through the socket's monitor).  Both are logged and
 * counted for "weft status".
 *
 * A pool that connects by itself says hello with the number -1 and what
 * it has (host, CPUs, memory, GPUs, slots); it is given the next number
 * and told the run (MSG_WELCOME): the run directory, which it needs on
 * a shared filesystem, the workflow's folder, the plugins, the
 * heartbeats.  From then on it is one more pool, with two differences:
 * it is not main's child, so its silence for the heartbeat threshold is
 * judged here (its tries go back to main as lost, and it is told to
 * exit), and one that comes back after that, or that left, is only ever
 * told to exit: it never gets work twice.
 *
 * Its monitoring events come over the same endpoint, from a socket of
 * its own, and are passed on to the router by a relay socket with the
 * sender's identity, which the router's acknowledgements come back
 * through: the exactly-once bookkeeping of monitor.c holds end to end.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zmq.h>

#include "weft.h"
#include "proto.h"
#include "interchange.h"

#define IX_ZAP_ENDPOINT		"inproc://zeromq.zap.01"
#define IX_EVENTS_ENDPOINT	"inproc://weft-tcp-events"
#define IX_REFUSED_LOG_MS	10000	/* refusals logged at most this often */
#define IX_STOP_LINGER_MS	1000	/* a last MSG_STOP may take this */
#define IX_REMOTE_DRAIN_MS	2000	/* pools leaving at the end */

static int	 relay_readable(struct evloop *, void *);

/* Logs a refusal; after the first few, once in IX_REFUSED_LOG_MS. */
static void
refused(struct ix *ix, const char *from, const char *why)
{
	int64_t	 now = mono_ms();

	ix->refused++;
	if (ix->refused > 3 && now - ix->refused_told_ms < IX_REFUSED_LOG_MS)
		return;
	ix->refused_told_ms = now;
	log_warnx("refused a connection%s%s: %s (%lu refused so far)",
	    from != NULL ? " from " : "", from != NULL ? from : "", why,
	    ix->refused);
}

/* One frame of a ZAP request into BUF (NUL-terminated); its size. */
static int
zap_frame(void *sock, char *buf, size_t size, int *more)
{
	int	 n;

	if ((n = zmq_recv(sock, buf, size - 1, ZMQ_DONTWAIT)) == -1)
		return -1;
	if ((size_t)n > size - 1)
		n = size - 1;
	buf[n] = '\0';
	*more = 0;
	{
		size_t	 len = sizeof *more;

		zmq_getsockopt(sock, ZMQ_RCVMORE, more, &len);
	}
	return n;
}

/*
 * A ZAP request (ZeroMQ RFC 27): version, request id, domain, address,
 * identity, mechanism, credentials.  Only CURVE with the run's client
 * key passes.
 */
static int
zap_readable(struct evloop *loop, void *arg)
{
	struct ix	*ix = arg;
	char		 f[7][256];
	int		 len[7], n, more = 1;
	uint8_t		 want[32];
	const char	*code = "400", *text = "not this run's key";

	(void)loop;
	for (;;) {
		for (n = 0; n < 7 && more; n++) {
			if ((len[n] = zap_frame(ix->zap_sock, f[n],
			    sizeof f[n], &more)) == -1)
				break;
		}
		if (n == 0)
			return 0;
		/* Whatever else it sent is not part of an answer. */
		while (more && zap_frame(ix->zap_sock, f[0], sizeof f[0],
		    &more) != -1)
			;
		if (n < 7 || strcmp(f[0], "1.0") != 0)
			log_warnx("malformed ZAP request");
		else if (strcmp(f[5], "CURVE") != 0)
			text = "not CURVE";
		else if (len[6] == 32 && zmq_z85_decode(want,
		    ix->keys.client_public) != NULL &&
		    memcmp(f[6], want, 32) == 0) {
			code = "200";
			text = "OK";
		}
		if (strcmp(code, "200") != 0)
			refused(ix, n >= 4 ? f[3] : NULL, text);
		zmq_send(ix->zap_sock, "1.0", 3, ZMQ_SNDMORE);
		zmq_send(ix->zap_sock, f[1], n >= 2 ? len[1] : 0,
		    ZMQ_SNDMORE);
		zmq_send(ix->zap_sock, code, 3, ZMQ_SNDMORE);
		zmq_send(ix->zap_sock, text, strlen(text), ZMQ_SNDMORE);
		zmq_send(ix->zap_sock, "", 0, ZMQ_SNDMORE);
		zmq_send(ix->zap_sock, "", 0, 0);
		more = 1;
		code = "400";
		text = "not this run's key";
	}
}

/*
 * The endpoint's handshake failures, other than the ZAP handler's own
 * refusals: a client that does not know the server's key, or that does
 * not speak CURVE at all.
 */
static int
events_readable(struct evloop *loop, void *arg)
{
	struct ix	*ix = arg;
	zmq_msg_t	 ev, addr;
	uint16_t	 event;

	(void)loop;
	for (;;) {
		zmq_msg_init(&ev);
		if (zmq_msg_recv(&ev, ix->events_sock, ZMQ_DONTWAIT) == -1) {
			zmq_msg_close(&ev);
			return 0;
		}
		zmq_msg_init(&addr);
		if (zmq_msg_more(&ev))
			zmq_msg_recv(&addr, ix->events_sock, 0);
		memcpy(&event, zmq_msg_data(&ev), zmq_msg_size(&ev) >= 2 ?
		    sizeof event : 0);
		if (zmq_msg_size(&ev) >= 2 &&
		    event != ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)
			refused(ix, NULL, "its handshake failed (a wrong "
			    "server key, or not a weft pool)");
		zmq_msg_close(&addr);
		zmq_msg_close(&ev);
	}
}

static int
tcp_readable(struct evloop *loop, void *arg)
{
	struct ix	*ix = arg;

	(void)loop;
	ix_from_pools(ix, ix->tcp_sock);
	return 0;
}

/* "tcp://ADDRESS:LO[-HI]" into its parts; -1 if it is not that. */
static int
parse_listen(const char *spec, char **address, int *lo, int *hi)
{
	const char	*colon;
	char		*end;
	long		 a, b;

	if (strncmp(spec, "tcp://", 6) != 0 ||
	    (colon = strrchr(spec + 6, ':')) == NULL || colon == spec + 6)
		return -1;
	a = strtol(colon + 1, &end, 10);
	b = a;
	if (*end == '-')
		b = strtol(end + 1, &end, 10);
	if (*end != '\0' || a < 0 || b > 65535 || a > b)
		return -1;
	*address = xstrndup(spec + 6, colon - (spec + 6));
	*lo = (int)a;
	*hi = (int)b;
	return 0;
}

/* Binds S on every interface at a port from LO to HI (0: any); or -1. */
static int
bind_port(void *s, int lo, int hi)
{
	char	 ep[64];
	size_t	 len = sizeof ep;
	int	 port;

	if (lo == 0) {
		if (zmq_bind(s, "tcp://*:*") == -1 ||
		    zmq_getsockopt(s, ZMQ_LAST_ENDPOINT, ep, &len) == -1)
			return -1;
		return atoi(strrchr(ep, ':') + 1);
	}
	for (port = lo; port <= hi; port++) {
		snprintf(ep, sizeof ep, "tcp://*:%d", port);
		if (zmq_bind(s, ep) == 0)
			return port;
		if (errno != EADDRINUSE)
			return -1;
	}
	errno = EADDRINUSE;
	return -1;
}

/*
 * Opens the tcp:// endpoint of SPEC with the keys in certs/server.key,
 * and tells main where pools connect (MSG_LISTENING).  -1: it cannot.
 */
int
ix_listen(struct ix *ix, const char *spec, int verbose)
{
	struct msg_out	 m;
	char		*address, *err;
	int		 lo, hi, port, ev;

	(void)verbose;
	if (parse_listen(spec, &address, &lo, &hi) == -1) {
		log_warnx("bad --listen '%s'", spec);
		return -1;
	}
	if (certs_load("certs", "server.key", CERTS_SERVER, &ix->keys,
	    &err) == -1) {
		log_warnx("%s", err);
		free(err);
		free(address);
		return -1;
	}
	/* The handler must be there before the first handshake. */
	ix->zap_sock = zsock_open(ix->ctx, ZMQ_REP, NULL);
	if (ix->zap_sock == NULL ||
	    zsock_bind(ix->zap_sock, IX_ZAP_ENDPOINT) == -1)
		goto fail;
	ix->tcp_sock = zsock_open(ix->ctx, ZMQ_ROUTER, NULL);
	if (ix->tcp_sock == NULL || certs_server(ix->tcp_sock, &ix->keys))
		goto fail;
	ev = ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL |
	    ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
	    ZMQ_EVENT_HANDSHAKE_FAILED_AUTH;
	if (zmq_socket_monitor(ix->tcp_sock, IX_EVENTS_ENDPOINT, ev) == -1 ||
	    (ix->events_sock = zsock_open(ix->ctx, ZMQ_PAIR, NULL)) == NULL ||
	    zsock_connect(ix->events_sock, IX_EVENTS_ENDPOINT) == -1)
		goto fail;
	if ((port = bind_port(ix->tcp_sock, lo, hi)) <= 0)
		goto fail;
	ix->url = xprintf("tcp://%s:%d", address, port);
	log_info("listening on tcp://*:%d with CURVE; pools connect to %s",
	    port, ix->url);
	evloop_socket(ix->loop, ix->zap_sock, zap_readable, ix);
	evloop_socket(ix->loop, ix->events_sock, events_readable, ix);
	evloop_socket(ix->loop, ix->tcp_sock, tcp_readable, ix);
	msg_begin(&m, MSG_LISTENING, 1);
	msg_pack_str(&m.pk, ix->url, strlen(ix->url));
	if (msg_send(ix->main_sock, NULL, 0, &m) == -1)
		log_warnx("cannot tell main where pools connect: %s",
		    zmq_strerror(errno));
	free(address);
	return 0;
fail:
	log_warnx("cannot open %s: %s", spec, zmq_strerror(errno));
	free(address);
	return -1;
}

/* Tells the pool of IDENT on the tcp:// endpoint to exit, and why. */
static void
tell_stop(struct ix *ix, const void *ident, size_t identlen, const char *why)
{
	struct msg_out	 m;

	msg_begin(&m, MSG_STOP, 1);
	msg_pack_str(&m.pk, why, strlen(why));
	if (msg_send(ix->tcp_sock, ident, identlen, &m) == -1)
		log_debug("cannot tell a pool to stop: %s",
		    zmq_strerror(errno));
}

static void
add_gone(struct ix *ix, const void *ident, size_t identlen)
{
	ix->gone = xreallocarray(ix->gone, ix->ngone + 1, sizeof *ix->gone);
	ix->gone[ix->ngone] = xmalloc(identlen + 1);
	memcpy(ix->gone[ix->ngone], ident, identlen);
	ix->gone[ix->ngone][identlen] = '\0';
	ix->ngone++;
}

/* Whether IDENT is a pool lost or gone; if so, it is told to exit. */
int
ix_remote_gone(struct ix *ix, const void *ident, size_t identlen)
{
	size_t	 i;

	for (i = 0; i < ix->ngone; i++) {
		if (strlen(ix->gone[i]) == identlen &&
		    memcmp(ix->gone[i], ident, identlen) == 0) {
			tell_stop(ix, ident, identlen, "this pool was given "
			    "up (lost, or left); its tasks ran elsewhere");
			return 1;
		}
	}
	return 0;
}

static void
welcome(struct ix *ix, const struct ix_pool *pp)
{
	struct msg_out	 m;
	char		*rundir;
	size_t		 i;

	rundir = getcwd(NULL, 0);
	msg_begin(&m, MSG_WELCOME, 9);
	msgpack_pack_int32(&m.pk, pp->id);
	msg_pack_str(&m.pk, ix->run_name, strlen(ix->run_name));
	msg_pack_str(&m.pk, rundir != NULL ? rundir : ".",
	    rundir != NULL ? strlen(rundir) : 1);
	msg_pack_str(&m.pk, ix->workdir != NULL ? ix->workdir : ".",
	    ix->workdir != NULL ? strlen(ix->workdir) : 1);
	if (ix->monitor)
		msgpack_pack_true(&m.pk);
	else
		msgpack_pack_false(&m.pk);
	if (ix->fail_fast)
		msgpack_pack_true(&m.pk);
	else
		msgpack_pack_false(&m.pk);
	msgpack_pack_array(&m.pk, ix->nplugins);
	for (i = 0; i < ix->nplugins; i++)
		msg_pack_str(&m.pk, ix->plugins[i], strlen(ix->plugins[i]));
	msgpack_pack_int64(&m.pk, ix->hb_period);
	msgpack_pack_int64(&m.pk, heartbeat_threshold(ix->hb_period));
	if (msg_send(ix->tcp_sock, pp->ident, pp->identlen, &m) == -1)
		log_warnx("cannot welcome %s: %s", pp->ident,
		    zmq_strerror(errno));
	free(rundir);
}

/* Main learns of the pool: where its tries run, what it adds. */
static void
tell_main_joined(struct ix *ix, const struct ix_pool *pp)
{
	struct msg_out	 m;

	msg_begin(&m, MSG_POOL_JOINED, 8);
	msgpack_pack_int32(&m.pk, pp->id);
	msgpack_pack_int64(&m.pk, pp->pid);
	msg_pack_str(&m.pk, pp->host, strlen(pp->host));
	msg_pack_str(&m.pk, pp->block, strlen(pp->block));
	msgpack_pack_uint32(&m.pk, pp->slots);
	msgpack_pack_int32(&m.pk, pp->cpus);
	msgpack_pack_int64(&m.pk, pp->memory);
	msgpack_pack_int32(&m.pk, pp->gpus);
	if (msg_send(ix->main_sock, NULL, 0, &m) == -1)
		log_warnx("cannot tell main of pool %d: %s", pp->id,
		    zmq_strerror(errno));
}

/*
 * A pool that connected by itself: [-1, slots, pid, host, cpus, memory,
 * gpus, block, version].  It gets a number and the run.
 */
void
ix_remote_hello(struct ix *ix, const void *ident, size_t identlen,
    const struct msg_in *m)
{
	struct ix_pool	*pp;
	int64_t		 slots, pid, cpus, memory, gpus;
	char		 host[64], block[32], version[32], *why;

	if (m->nfields != 9 || msg_get_int(&m->fields[1], &slots) == -1 ||
	    msg_get_int(&m->fields[2], &pid) == -1 ||
	    msg_get_text(&m->fields[3], host, sizeof host) == -1 ||
	    msg_get_int(&m->fields[4], &cpus) == -1 ||
	    msg_get_int(&m->fields[5], &memory) == -1 ||
	    msg_get_int(&m->fields[6], &gpus) == -1 ||
	    msg_get_text(&m->fields[7], block, sizeof block) == -1 ||
	    msg_get_text(&m->fields[8], version, sizeof version) == -1 ||
	    slots < 1 || slots > WEFT_MAX_JOBS || identlen >= IX_IDENT_MAX) {
		log_warnx("malformed hello from a remote pool ignored");
		return;
	}
	if (strcmp(version, PACKAGE_VERSION) != 0) {
		why = xprintf("this run is weft %s; that pool is weft %s",
		    PACKAGE_VERSION, version);
		log_warnx("refused a pool from %s: %s", host, why);
		tell_stop(ix, ident, identlen, why);
		add_gone(ix, ident, identlen);
		free(why);
		return;
	}
	if ((pp = ix_find_pool(ix, ident, identlen)) != NULL) {
		welcome(ix, pp);	/* it asked twice: the same answer */
		return;
	}
	pp = ix_add_pool(ix, ix->tcp_sock, ident, identlen);
	pp->remote = 1;
	pp->id = ix->next_id++;
	pp->slots = slots;
	pp->pid = pid;
	pp->cpus = cpus;
	pp->memory = memory;
	pp->gpus = gpus;
	memcpy(pp->host, host, sizeof pp->host);
	memcpy(pp->block, block, sizeof pp->block);
	heartbeat_init(&pp->hb, ix->hb_period, mono_ms());
	pp->batch = xcalloc(IX_DEPTH * slots, sizeof *pp->batch);
	pp->tries = xcalloc(IX_DEPTH * slots, sizeof *pp->tries);
	ix->remote_joined++;
	tell_main_joined(ix, pp);
	log_info("pool %d joined from %s: pid %ld, %d slots, %d CPUs, "
	    "%lld MiB, %d GPUs%s%s", pp->id, host, (long)pid, (int)slots,
	    (int)cpus, (long long)(memory >> 20), (int)gpus,
	    block[0] != '\0' ? ", block " : "", block);
	welcome(ix, pp);
}

/*
 * A remote pool is given up (silent for the threshold, or leaving): its
 * tries go back to main, and it is told to exit, now and whenever it
 * speaks again.
 */
void
ix_remote_lost(struct ix *ix, struct ix_pool *pp, const char *why)
{
	size_t	 i;

	if (strcmp(why, IX_LEFT) == 0 && pp->outstanding == 0)
		/* Nothing was lost: its own record says it exited. */
		log_info("pool %d on %s (pid %ld) left", pp->id, pp->host,
		    (long)pp->pid);
	else {
		log_warnx("pool %d on %s (pid %ld) lost: %s; %u tries back "
		    "to main", pp->id, pp->host, (long)pp->pid, why,
		    pp->outstanding);
		ix_requeue(ix, pp->id, pp->pid, pp);
		ix->lost++;
		ix_ev_block(ix, pp, "lost");
		tell_stop(ix, pp->ident, pp->identlen, why);
	}
	add_gone(ix, pp->ident, pp->identlen);
	/* What its monitor says from now on is not the record. */
	for (i = 0; i < ix->nrelays; i++) {
		if (ix->relays[i]->pool == pp->id)
			ix->relays[i]->pool = -1;
	}
	ix_drop_pool(ix, pp);
}

/* The live remote pool numbered ID; NULL if none. */
static struct ix_pool *
remote_pool(struct ix *ix, int id)
{
	size_t	 i;

	for (i = 0; i < ix->npools; i++) {
		if (ix->pools[i].remote && ix->pools[i].id == id)
			return &ix->pools[i];
	}
	return NULL;
}

/*
 * Monitoring events from a remote pool's monitor ("pool-N/PID"): to the
 * router through the relay of that sender.  Returns -1 if dropped.
 */
int
ix_relay(struct ix *ix, const void *ident, size_t identlen, zmq_msg_t *zm)
{
	struct ix_relay	*rl = NULL;
	struct ix_pool	*pp;
	char		 name[IX_IDENT_MAX];
	size_t		 i;
	int		 id;

	for (i = 0; i < ix->nrelays; i++) {
		if (ix->relays[i]->identlen == identlen &&
		    memcmp(ix->relays[i]->ident, ident, identlen) == 0) {
			rl = ix->relays[i];
			break;
		}
	}
	if (rl == NULL) {
		if (identlen >= sizeof name)
			return -1;
		memcpy(name, ident, identlen);
		name[identlen] = '\0';
		if (sscanf(name, "pool-%d/", &id) != 1 ||
		    (pp = remote_pool(ix, id)) == NULL) {
			log_debug("events from %s dropped: no such pool",
			    name);
			return -1;
		}
		rl = xcalloc(1, sizeof *rl);
		memcpy(rl->ident, name, identlen + 1);
		rl->identlen = identlen;
		rl->pool = pp->id;
		rl->ix = ix;
		rl->sock = zsock_open(ix->ctx, ZMQ_DEALER, name);
		if (rl->sock == NULL ||
		    zsock_connect(rl->sock, "ipc://sock/router") == -1)
			fatalx("cannot relay monitoring: %s",
			    zmq_strerror(errno));
		ix->relays = xreallocarray(ix->relays, ix->nrelays + 1,
		    sizeof *ix->relays);
		ix->relays[ix->nrelays++] = rl;
		evloop_socket(ix->loop, rl->sock, relay_readable, rl);
	}
	if (rl->pool == -1)
		return -1;
	if (zmq_msg_send(zm, rl->sock, 0) == -1) {
		log_warnx("cannot relay events: %s", zmq_strerror(errno));
		return -1;
	}
	return 0;
}

/* The router's acknowledgements, back to the remote monitor. */
static int
relay_readable(struct evloop *loop, void *arg)
{
	struct ix_relay	*rl = arg;
	struct ix	*ix = rl->ix;
	zmq_msg_t	 zm;

	(void)loop;
	for (;;) {
		zmq_msg_init(&zm);
		if (zmq_msg_recv(&zm, rl->sock, ZMQ_DONTWAIT) == -1) {
			zmq_msg_close(&zm);
			return 0;
		}
		if (rl->pool != -1 && (zmq_send(ix->tcp_sock, rl->ident,
		    rl->identlen, ZMQ_SNDMORE) == -1 ||
		    zmq_msg_send(&zm, ix->tcp_sock, 0) == -1))
			log_debug("cannot relay to %s", rl->ident);
		zmq_msg_close(&zm);
	}
}

static size_t
remote_left(const struct ix *ix)
{
	size_t	 i, n = 0;

	for (i = 0; i < ix->npools; i++)
		n += ix->pools[i].remote;
	return n;
}

/*
 * The run is over: every remote pool is told to exit, and given a while
 * to do so, its last events passed on, until it says it is leaving.
 */
void
ix_remote_stop_all(struct ix *ix, const char *why)
{
	zmq_pollitem_t	 items[2];
	int64_t		 until;
	size_t		 i, n = 0;
	int		 j;

	if (ix->tcp_sock == NULL)
		return;
	for (i = 0; i < ix->npools; i++) {
		if (ix->pools[i].remote) {
			tell_stop(ix, ix->pools[i].ident,
			    ix->pools[i].identlen, why);
			n++;
		}
	}
	if (n == 0)
		return;
	log_info("told %zu remote pools to stop; waiting for them", n);
	until = mono_ms() + IX_REMOTE_DRAIN_MS;
	while (remote_left(ix) > 0 && mono_ms() < until) {
		items[0].socket = ix->tcp_sock;
		items[0].events = ZMQ_POLLIN;
		if (zmq_poll(items, 1, 20) == -1 && errno != EINTR)
			break;
		if (items[0].revents & ZMQ_POLLIN)
			ix_from_pools(ix, ix->tcp_sock);
		for (i = 0; i < ix->nrelays; i++) {
			items[1].socket = ix->relays[i]->sock;
			items[1].events = ZMQ_POLLIN;
			j = zmq_poll(&items[1], 1, 0);
			if (j > 0)
				relay_readable(NULL, ix->relays[i]);
		}
	}
	if (remote_left(ix) > 0)
		log_warnx("%zu remote pools did not say they were leaving",
		    remote_left(ix));
}

/* What "weft status" shows of the endpoint. */
void
ix_remote_status(struct ix *ix, json_t *stats)
{
	if (ix->tcp_sock == NULL)
		return;
	json_object_set_new(stats, "url", json_string(ix->url));
	json_object_set_new(stats, "refused", json_integer(ix->refused));
	json_object_set_new(stats, "remote_pools_joined",
	    json_integer(ix->remote_joined));
}

void
ix_remote_close(struct ix *ix)
{
	int	 linger = IX_STOP_LINGER_MS;
	size_t	 i;

	for (i = 0; i < ix->nrelays; i++) {
		zmq_close(ix->relays[i]->sock);
		free(ix->relays[i]);
	}
	free(ix->relays);
	for (i = 0; i < ix->ngone; i++)
		free(ix->gone[i]);
	free(ix->gone);
	if (ix->tcp_sock != NULL) {
		/* The last MSG_STOPs must get out. */
		zmq_setsockopt(ix->tcp_sock, ZMQ_LINGER, &linger,
		    sizeof linger);
		zmq_socket_monitor(ix->tcp_sock, NULL, 0);
		zmq_close(ix->tcp_sock);
	}
	if (ix->events_sock != NULL)
		zmq_close(ix->events_sock);
	if (ix->zap_sock != NULL)
		zmq_close(ix->zap_sock);
	free(ix->url);
	explicit_bzero(&ix->keys, sizeof ix->keys);
}
