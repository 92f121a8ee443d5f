/*
 * monitor.c: the sending end of monitoring, used by every process of a
 * run that reports events (main, interchange, pools).
 *
 * Events are packed into a batch, which is sent to the router when it is
 * big enough or old enough (MONITOR_FLUSH_MS), so the cost per event is a
 * few bytes of packing.  Each batch carries this sender's name, which
 * includes its pid so that a restarted process never reuses one, and a
 * sequence number.  A batch is kept until the router acknowledges that
 * very batch (acknowledgements are not cumulative: a batch lost in a
 * router that died must not be covered by a later one's); a batch not
 * acknowledged in MONITOR_RESEND_MS is sent again.  The database writer
 * skips a (sender, seq) it has already applied, so a batch sent twice is
 * recorded once.
 */

#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <zmq.h>

#include "weft.h"
#include "proto.h"

#define MONITOR_FLUSH_MS	20	/* oldest event waits at most this */
#define MONITOR_FLUSH_EVENTS	8192	/* or until this many are waiting */
#define MONITOR_RESEND_MS	1000	/* unacknowledged this long: resend */
#define MONITOR_DRAIN_RESEND_MS	250	/* the same, when time is short */
#define MONITOR_MAX_UNACKED	(256u << 20)	/* bytes kept for the router */

struct monitor_batch {
	uint64_t	 seq;
	char		*data;
	size_t		 len;
	int64_t		 sent_ms;
};

struct monitor {
	char		 sender[64];
	void		*sock;
	msgpack_sbuffer	 body;		/* events of the open batch */
	msgpack_packer	 pk;
	uint32_t	 nevents;
	int64_t		 first_ms;	/* when the open batch began */
	uint64_t	 seq;
	struct monitor_batch *unacked;
	size_t		 nunacked, cunacked;
	size_t		 unacked_bytes;
	int		 resend_ms;
	unsigned long	 dropped, resent;
	int		 disabled;
	int		 held;		/* no router: batches kept, not sent */
	int		 writer_silent;	/* the router said so (main only) */
	int		 spill_fd;	/* -1, or the spool batches go to */
	void		(*before_flush)(void *);
	void		*before_flush_arg;
	unsigned long	 lost;		/* batches that could go nowhere */
};

/* Connects to the run's router; ROLE names the sender ("pool-0"). */
struct monitor *
monitor_open(void *ctx, const char *role)
{
	return monitor_connect(ctx, role, "ipc://sock/router", NULL);
}

/*
 * The same, to ENDPOINT: a remote pool's events go to the interchange's
 * tcp:// endpoint with the run's KEYS, which passes them on.
 */
struct monitor *
monitor_connect(void *ctx, const char *role, const char *endpoint,
    const struct curve_keys *keys)
{
	struct monitor	*m;

	m = xcalloc(1, sizeof *m);
	snprintf(m->sender, sizeof m->sender, "%s/%ld", role, (long)getpid());
	m->sock = zsock_open(ctx, ZMQ_DEALER, m->sender);
	if (m->sock != NULL && keys != NULL && certs_client(m->sock, keys))
		log_warnx("monitoring: cannot set its keys");
	if (m->sock == NULL || zsock_connect(m->sock, endpoint)) {
		log_warnx("monitoring: cannot connect to the router: %s",
		    zmq_strerror(errno));
		if (m->sock != NULL)
			zmq_close(m->sock);
		free(m);
		return NULL;
	}
	msgpack_sbuffer_init(&m->body);
	msgpack_packer_init(&m->pk, &m->body, msgpack_sbuffer_write);
	m->resend_ms = MONITOR_RESEND_MS;
	m->spill_fd = -1;
	return m;
}

/*
 * FN(ARG) runs before each batch is closed: main commits the cache there,
 * so that what a batch says is done is cached.
 */
void
monitor_before_flush(struct monitor *m, void (*fn)(void *), void *arg)
{
	m->before_flush = fn;
	m->before_flush_arg = arg;
}

void *
monitor_socket(struct monitor *m)
{
	return m != NULL ? m->sock : NULL;
}

/* Starts an event of KIND with NFIELDS fields; the caller packs them. */
msgpack_packer *
monitor_event(struct monitor *m, enum event_kind kind, uint32_t nfields)
{
	/*
	 * A full batch goes now, not at the next tick: a row for each of a
	 * million tasks, made in one go, would else be one batch held
	 * whole.  Acknowledgements that came meanwhile free what the router
	 * has.
	 */
	if (m->nevents >= MONITOR_FLUSH_EVENTS) {
		monitor_flush(m);
		monitor_recv(m);
	}
	if (m->nevents == 0)
		m->first_ms = mono_ms();
	m->nevents++;
	msgpack_pack_array(&m->pk, nfields + 1);
	msgpack_pack_uint32(&m->pk, kind);
	return &m->pk;
}

/* Packing helpers for the common field types; NULL packs nil. */
void
monitor_pack_str(msgpack_packer *pk, const char *s)
{
	size_t	 len;

	if (s == NULL) {
		msgpack_pack_nil(pk);
		return;
	}
	len = strlen(s);
	msgpack_pack_str(pk, len);
	msgpack_pack_str_body(pk, s, len);
}

/* The common case, one status transition. */
void
monitor_status(struct monitor *m, uint32_t task, uint32_t attempt,
    const char *status, double when)
{
	msgpack_packer	*pk;

	if (m == NULL)
		return;
	pk = monitor_event(m, EV_STATUS, 4);
	msgpack_pack_uint32(pk, task);
	msgpack_pack_uint32(pk, attempt);
	monitor_pack_str(pk, status);
	msgpack_pack_double(pk, when);
}

static void
monitor_send(struct monitor *m, struct monitor_batch *b)
{
	b->sent_ms = mono_ms();
	if (zmq_send(m->sock, b->data, b->len, ZMQ_DONTWAIT) == -1)
		log_debug("monitoring: send deferred: %s",
		    zmq_strerror(errno));
}

static void	 spill_batch(struct monitor *, const void *, size_t);

/* Closes the open batch and sends it. */
void
monitor_flush(struct monitor *m)
{
	struct monitor_batch	*b;
	struct msg_out		 out;

	if (m == NULL || m->nevents == 0)
		return;
	if (m->before_flush != NULL)
		m->before_flush(m->before_flush_arg);
	msg_begin(&out, MSG_EVENTS, 3);
	monitor_pack_str(&out.pk, m->sender);
	msgpack_pack_uint64(&out.pk, ++m->seq);
	msgpack_pack_array(&out.pk, m->nevents);
	msgpack_sbuffer_write(&out.sbuf, m->body.data, m->body.size);
	msgpack_sbuffer_clear(&m->body);
	m->nevents = 0;

	if (m->disabled) {
		msg_out_free(&out);
		return;
	}
	if (m->spill_fd != -1) {
		spill_batch(m, out.sbuf.data, out.sbuf.size);
		msg_out_free(&out);
		return;
	}
	while (m->unacked_bytes > MONITOR_MAX_UNACKED && m->nunacked > 0) {
		/* The router has been gone too long: keep the newest. */
		if (m->dropped++ == 0)
			log_warnx("monitoring: router unreachable, dropping "
			    "the oldest events");
		m->unacked_bytes -= m->unacked[0].len;
		free(m->unacked[0].data);
		memmove(m->unacked, m->unacked + 1,
		    --m->nunacked * sizeof *m->unacked);
	}
	if (m->nunacked == m->cunacked) {
		m->cunacked = m->cunacked == 0 ? 16 : m->cunacked * 2;
		m->unacked = xreallocarray(m->unacked, m->cunacked,
		    sizeof *m->unacked);
	}
	b = &m->unacked[m->nunacked++];
	b->seq = m->seq;
	b->sent_ms = 0;		/* monitor_send sets it */
	b->len = out.sbuf.size;
	b->data = msgpack_sbuffer_release(&out.sbuf);
	m->unacked_bytes += b->len;
	msg_out_free(&out);
	if (!m->held)
		monitor_send(m, b);
}

/*
 * The router died (main's own knowledge): batches are kept, not sent,
 * until one is started again.  A batch the dead router had taken but
 * not spooled is only sent again later, so anything sent meanwhile
 * would reach the next router first, and the writer would apply, say,
 * the run's end before its start.
 */
void
monitor_hold(struct monitor *m)
{
	if (m != NULL)
		m->held = 1;
}

/* A router is started: every batch not acknowledged goes, in order. */
void
monitor_release(struct monitor *m)
{
	size_t	 i;

	if (m == NULL || !m->held)
		return;
	m->held = 0;
	for (i = 0; i < m->nunacked; i++)
		monitor_send(m, &m->unacked[i]);
}

/* Appends one batch to the spool as the router would have. */
static void
spill_batch(struct monitor *m, const void *data, size_t len)
{
	struct stat	 st;
	ssize_t		 n;

	if (fstat(m->spill_fd, &st) == -1)
		st.st_size = -1;
	n = spool_append(m->spill_fd, data, len);
	if (n != (ssize_t)len + SPOOL_HEADER) {
		if (m->lost++ == 0)
			log_warn("monitoring: cannot append to the spool");
		/* A torn record would hide whatever is appended after it. */
		if (n > 0 && st.st_size != -1 &&
		    ftruncate(m->spill_fd, st.st_size) == -1)
			log_warn("monitoring: cannot cut a torn record");
	}
}

/*
 * The router is gone for good: from now on this sender appends its
 * batches to the run's spool itself (PATH, under the lock a router would
 * hold), those not yet acknowledged first, so that whatever reads the
 * spool later (the next weft command, see record.c) finds them.  The
 * writer skips a batch it has seen, so one that the router did spool is
 * harmless.  Returns -1 if the spool cannot be had.
 */
int
monitor_spill(struct monitor *m, const char *path)
{
	size_t	 i;
	int	 fd;

	if (m == NULL || m->spill_fd != -1)
		return m == NULL ? -1 : 0;
	if ((fd = open(path, O_WRONLY|O_APPEND|O_CREAT|O_CLOEXEC,
	    0600)) == -1) {
		log_warn("monitoring: cannot open %s", path);
		return -1;
	}
	if (flock(fd, LOCK_EX|LOCK_NB) == -1) {
		log_warnx("monitoring: %s is still held by a router", path);
		close(fd);
		return -1;
	}
	/* In the order they were made: the open batch comes last. */
	m->spill_fd = fd;
	for (i = 0; i < m->nunacked; i++) {
		spill_batch(m, m->unacked[i].data, m->unacked[i].len);
		free(m->unacked[i].data);
	}
	log_info("monitoring: %zu batches written to %s", m->nunacked, path);
	m->nunacked = 0;
	m->unacked_bytes = 0;
	monitor_flush(m);
	return 0;
}

/* Batches that were neither acknowledged nor spilled: lost. */
unsigned long
monitor_lost(struct monitor *m)
{
	return m != NULL ? m->lost + m->dropped : 0;
}

static void
monitor_acked(struct monitor *m, uint64_t seq)
{
	size_t	 i;

	/* Batches are kept in seq order; the oldest is acked first. */
	for (i = 0; i < m->nunacked; i++) {
		if (m->unacked[i].seq == seq)
			break;
	}
	if (i == m->nunacked)
		return;		/* a duplicate acknowledgement */
	m->unacked_bytes -= m->unacked[i].len;
	free(m->unacked[i].data);
	memmove(m->unacked + i, m->unacked + i + 1,
	    (m->nunacked - i - 1) * sizeof *m->unacked);
	m->nunacked--;
}

/* Reads acknowledgements; call when the socket is readable. */
void
monitor_recv(struct monitor *m)
{
	struct msg_in	 in;
	zmq_msg_t	 zm;
	uint64_t	 seq;
	int		 rc;

	if (m == NULL)
		return;
	while ((rc = msg_recv(m->sock, &zm, &in, "the router")) != 0) {
		if (rc == -1)
			continue;
		if (in.type == MSG_ACK && in.nfields == 1 &&
		    msg_get_uint(&in.fields[0], &seq) == 0)
			monitor_acked(m, seq);
		else if (in.type == MSG_WRITER_SILENT)
			m->writer_silent = 1;
		msg_in_free(&in);
		zmq_msg_close(&zm);
	}
}

/*
 * Whether the router said, since the last call, that the database writer
 * stopped making progress (see router.c); main restarts it then.
 */
int
monitor_writer_silent(struct monitor *m)
{
	int	 silent;

	if (m == NULL)
		return 0;
	silent = m->writer_silent;
	m->writer_silent = 0;
	return silent;
}

/* Milliseconds until monitor_tick has work, or -1. */
int
monitor_timeout(struct monitor *m)
{
	int64_t	 now, t = -1, d;
	size_t	 i;

	if (m == NULL)
		return -1;
	now = mono_ms();
	if (m->nevents > 0) {
		d = m->first_ms + MONITOR_FLUSH_MS - now;
		t = d < 0 ? 0 : d;
	}
	/* Held batches wait for a router, not for a timer. */
	for (i = 0; i < m->nunacked && !m->held; i++) {
		d = m->unacked[i].sent_ms + m->resend_ms - now;
		if (d < 0)
			d = 0;
		if (t == -1 || d < t)
			t = d;
	}
	return (int)t;
}

/* Flushes a batch that is due and resends when the router went quiet. */
void
monitor_tick(struct monitor *m)
{
	int64_t	 now;
	size_t	 i;

	if (m == NULL)
		return;
	now = mono_ms();
	if (m->nevents >= MONITOR_FLUSH_EVENTS ||
	    (m->nevents > 0 && now - m->first_ms >= MONITOR_FLUSH_MS))
		monitor_flush(m);
	for (i = 0; i < m->nunacked && !m->held; i++) {
		if (now - m->unacked[i].sent_ms < m->resend_ms)
			continue;
		if (m->resent++ == 0)
			log_info("monitoring: the router did not acknowledge "
			    "in %d ms; sending again", m->resend_ms);
		monitor_send(m, &m->unacked[i]);
	}
}

/* Events not yet acknowledged by the router. */
size_t
monitor_pending(struct monitor *m)
{
	return m != NULL ? m->nunacked + (m->nevents > 0) : 0;
}

/*
 * Flushes and waits up to TIMEOUT_MS for the router to acknowledge
 * everything.  Returns 0 when all is acknowledged.
 */
int
monitor_drain(struct monitor *m, int timeout_ms)
{
	zmq_pollitem_t	 item;
	int64_t		 deadline, left;
	int		 t;

	if (m == NULL || m->disabled)
		return 0;
	monitor_flush(m);
	m->resend_ms = MONITOR_DRAIN_RESEND_MS;
	deadline = mono_ms() + timeout_ms;
	while (m->nunacked > 0) {
		left = deadline - mono_ms();
		if (left <= 0) {
			log_warnx("monitoring: %zu batches not acknowledged "
			    "by the router", m->nunacked);
			return -1;
		}
		t = monitor_timeout(m);
		if (t == -1 || t > left)
			t = left;
		item = (zmq_pollitem_t){ m->sock, 0, ZMQ_POLLIN, 0 };
		if (zmq_poll(&item, 1, t) > 0)
			monitor_recv(m);
		monitor_tick(m);
	}
	return 0;
}

/* Stops sending: monitoring was given up.  Events are dropped. */
void
monitor_disable(struct monitor *m)
{
	size_t	 i;

	if (m == NULL)
		return;
	m->disabled = 1;
	for (i = 0; i < m->nunacked; i++)
		free(m->unacked[i].data);
	m->nunacked = 0;
	m->unacked_bytes = 0;
}

/* Sends a bare message of TYPE to the router (MSG_FINISH). */
int
monitor_control(struct monitor *m, enum msg_type type)
{
	struct msg_out	 out;

	if (m == NULL)
		return -1;
	msg_begin(&out, type, 0);
	return msg_send(m->sock, NULL, 0, &out);
}

void
monitor_close(struct monitor **mp)
{
	struct monitor	*m = *mp;
	size_t		 i;

	if (m == NULL)
		return;
	for (i = 0; i < m->nunacked; i++)
		free(m->unacked[i].data);
	free(m->unacked);
	if (m->spill_fd != -1)
		close(m->spill_fd);
	msgpack_sbuffer_destroy(&m->body);
	zmq_close(m->sock);
	free(m);
	*mp = NULL;
}
