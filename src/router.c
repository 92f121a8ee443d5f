/*
 * router.c: the "weft router" helper role, the fan-in of monitoring.
 *
 * Every process of the run sends batches of events here (ipc://sock/router,
 * a ROUTER socket).  Each batch is appended to the spool file,
 * runs/NNNN/monitor.spool, before it is acknowledged to its sender, so an
 * acknowledged batch survives the death of any process.  Only a batch's
 * head (its sender, sequence number and count of events) is read here
 * (msg_events_head); its events go on as they came, and the writer
 * checks them as it applies them.  The database writer is fed from the
 * spool (ipc://sock/dbwriter) with the file offsets of what it gets; it
 * acknowledges the offset it has committed.  Whatever
 * is sent but not committed when the writer dies or goes quiet is sent
 * again from the committed offset, so a slow, stopped or restarting writer
 * delays the record and never loses it.
 *
 * Spool records are [length, 4 bytes little-endian][MSG_EVENTS message].
 * A restarted router finds the spool as its predecessor left it, trims a
 * torn last record, and asks the writer where it stands.
 *
 * Descriptor 3 is the lifeline from main.  After main's MSG_FINISH the
 * router stays until the writer has committed the whole spool; if the
 * lifeline closes without it (main died), it tries for a short while.
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

#define ROUTER_LIFELINE_FD	3
#define ROUTER_WINDOW		(8u << 20)	/* sent, not yet committed */
#define ROUTER_CHUNK		(1u << 20)	/* spool read at once */
#define ROUTER_STALL_MS		3000	/* writer silent: send again */
#define ROUTER_ORPHAN_MS	2000	/* main gone: time to drain */
#define ROUTER_STUCK_MS		5000	/* finishing, and nothing moves */
#define ROUTER_SENDERS		32	/* remembered for status */
#define ROUTER_NAME		64	/* a sender's name kept, with its NUL */

struct router {
	const char	*run_name;
	void		*ctx;
	void		*in;		/* senders */
	void		*out;		/* the writer */
	int		 sigfd;
	int		 spool;
	uint64_t	 written;	/* end of the spool */
	uint64_t	 sent;		/* handed to the writer up to here */
	uint64_t	 committed;	/* in the database up to here */
	int		 writer_known;	/* committed is the writer's word */
	int64_t		 heard_ms;	/* last word from the writer */
	int		 finishing;	/* main said finish */
	int		 orphaned;	/* lifeline closed without finish */
	int64_t		 orphan_deadline;
	int		 lifeline;	/* its id in the loop */
	int		 write_failed;
	int		 gave_up;	/* finishing, and stuck */
	uint64_t	 last_committed;
	int64_t		 moved_ms;	/* when committed last moved */
	int64_t		 finish_ms;	/* when main said finish */
	char		 main_id[64];	/* main's routing id, once it sent */
	int64_t		 told_silent_ms; /* main last told the writer is */
	int64_t		 writer_word_ms; /* the writer's own last word */
	int64_t		 work_since_ms;	/* it had nothing to do until then */
	int64_t		 nospace_ms;	/* the disk was full: stopping */
	uint64_t	 flush_asked;	/* commit asked up to here */
	char		*buf;
	unsigned long	 batches, acked, events;
	/*
	 * Senders one of whose batches could not be spooled: none of their
	 * later batches is spooled before that one, so that a sender's
	 * events reach the writer in the order they were made.
	 */
	struct {
		char	 name[ROUTER_NAME];
		uint64_t seq;	/* the first batch not spooled */
	}		*held;
	size_t		 nheld, cheld;
	struct ctl	*ctl;
	/* When each sender was last heard, for status; oldest replaced. */
	struct {
		char	 name[ROUTER_NAME];
		int64_t	 ms;
	}		 senders[ROUTER_SENDERS];
};

/* The sender of batch H as a C string in NAME, cut to fit. */
static void
router_sender_name(const struct msg_events_head *h, char name[ROUTER_NAME])
{
	size_t	 len = h->sender_len;

	if (len >= ROUTER_NAME)
		len = ROUTER_NAME - 1;
	memcpy(name, h->sender, len);
	name[len] = '\0';
}

/* Remembers when NAME last sent a batch. */
static void
router_heard(struct router *r, const char *name)
{
	size_t	 i, oldest = 0;

	for (i = 0; i < ROUTER_SENDERS; i++) {
		if (strcmp(r->senders[i].name, name) == 0)
			break;
		if (r->senders[i].ms < r->senders[oldest].ms)
			oldest = i;
	}
	if (i == ROUTER_SENDERS) {
		i = oldest;
		snprintf(r->senders[i].name, sizeof r->senders[i].name, "%s",
		    name);
	}
	r->senders[i].ms = mono_ms();
}

/* The held sender NAME, or -1. */
static ssize_t
router_held_find(struct router *r, const char *name)
{
	size_t	 i;

	for (i = 0; i < r->nheld; i++) {
		if (strcmp(r->held[i].name, name) == 0)
			return (ssize_t)i;
	}
	return -1;
}

/*
 * Whether batch SEQ of NAME may be spooled now: not while an earlier one
 * of the same sender waits to be sent again.  An older one, sent again,
 * is spooled: the writer skips a batch it has.
 */
static int
router_in_order(struct router *r, const char *name, uint64_t seq)
{
	ssize_t	 i = router_held_find(r, name);

	return i == -1 || seq <= r->held[i].seq;
}

/* Batch SEQ of NAME was spooled (STORED) or not. */
static void
router_spooled(struct router *r, const char *name, uint64_t seq,
    int stored)
{
	ssize_t	 i = router_held_find(r, name);

	if (stored) {
		/* The first held back is in: the others may follow. */
		if (i != -1 && seq == r->held[i].seq) {
			log_info("spool: %s's batches are taken in again",
			    name);
			r->held[i] = r->held[--r->nheld];
		}
		return;
	}
	if (i != -1) {
		if (seq < r->held[i].seq)
			r->held[i].seq = seq;
		return;
	}
	if (r->nheld == r->cheld) {
		r->cheld = r->cheld == 0 ? 8 : r->cheld * 2;
		r->held = xreallocarray(r->held, r->cheld, sizeof *r->held);
	}
	snprintf(r->held[r->nheld].name, sizeof r->held[0].name, "%s", name);
	r->held[r->nheld++].seq = seq;
	log_info("spool: %s's batches from %llu on wait until it sends "
	    "that one again", name, (unsigned long long)seq);
}

/* What "weft status" shows of the router. */
static void
router_status_fill(json_t *stats, json_t *hb, void *arg)
{
	struct router	*r = arg;
	size_t		 i;

	json_object_set_new(stats, "batches", json_integer(r->batches));
	json_object_set_new(stats, "events", json_integer(r->events));
	json_object_set_new(stats, "acknowledged", json_integer(r->acked));
	json_object_set_new(stats, "spooled_bytes",
	    json_integer(r->written));
	json_object_set_new(stats, "committed_bytes",
	    json_integer(r->committed));
	json_object_set_new(stats, "backlog_bytes",
	    json_integer(r->written - r->committed));
	json_object_set_new(stats, "writer_known",
	    json_boolean(r->writer_known));
	json_object_set_new(hb, "dbwriter", r->writer_known ?
	    ctl_age(r->heard_ms) : json_null());
	for (i = 0; i < ROUTER_SENDERS; i++) {
		if (r->senders[i].name[0] != '\0')
			json_object_set_new(hb, r->senders[i].name,
			    ctl_age(r->senders[i].ms));
	}
}


/*
 * Opens the spool and finds its end: the end of the last whole record.
 * A record torn by a killed predecessor is cut off.
 */
static void
router_open_spool(struct router *r)
{
	unsigned char	 hdr[4];
	struct stat	 st;
	uint64_t	 off = 0;
	uint32_t	 len;

	r->spool = open("monitor.spool", O_RDWR|O_CREAT|O_APPEND|O_CLOEXEC,
	    0600);
	if (r->spool == -1 && errno == ENOSPC) {
		log_warnx("cannot create monitor.spool: %s", DISK_FULL);
		exit(EXIT_NOSPACE);
	}
	if (r->spool == -1)
		fatal("cannot open monitor.spool");
	/* Held for life: no weft command imports a spool still written. */
	if (flock(r->spool, LOCK_EX) == -1)
		fatal("cannot lock monitor.spool");
	if (fstat(r->spool, &st) == -1)
		fatal("fstat monitor.spool");
	while (off + 4 <= (uint64_t)st.st_size) {
		if (pread(r->spool, hdr, 4, off) != 4)
			break;
		len = spool_length(hdr);
		if (len == 0 || len > SPOOL_RECORD_MAX ||
		    off + 4 + len > (uint64_t)st.st_size)
			break;
		off += 4 + len;
	}
	if (off != (uint64_t)st.st_size) {
		log_warnx("spool: cutting a torn record at offset %llu",
		    (unsigned long long)off);
		if (ftruncate(r->spool, off) == -1)
			fatal("ftruncate monitor.spool");
	}
	r->written = off;
	if (off > 0)
		log_info("spool: %llu bytes left by a previous router",
		    (unsigned long long)off);
}

/* Appends one batch; returns -1 if it could not be stored. */
static int
router_append(struct router *r, const void *data, size_t len)
{
	ssize_t		 n;

	n = spool_append(r->spool, data, len);
	if (n != (ssize_t)(len + 4)) {
		/*
		 * A short write to a file is a full disk too.  Nothing more
		 * can be recorded: the router stops once the writer has what
		 * the spool holds, and its exit status tells main.
		 */
		if ((n >= 0 || errno == ENOSPC) && r->nospace_ms == 0) {
			log_warnx("spool: cannot append to monitor.spool: %s; "
			    "stopping once %llu spooled bytes are committed",
			    DISK_FULL, (unsigned long long)r->written);
			r->nospace_ms = mono_ms();
		} else if (!r->write_failed && n < 0 && errno != ENOSPC)
			log_warn("spool: cannot append; events wait at their "
			    "senders");
		r->write_failed = 1;
		/* Undo a short write so the spool stays whole. */
		if (n > 0 && ftruncate(r->spool, r->written) == -1)
			fatal("ftruncate monitor.spool");
		return -1;
	}
	r->write_failed = 0;
	r->written += n;
	return 0;
}

/* Main's batches name it "main/PID", which is also its routing id. */
static void
router_note_main(struct router *r, const struct msg_events_head *h)
{
	size_t	 len = h->sender_len;

	if (len >= 5 && len < sizeof r->main_id &&
	    memcmp(h->sender, "main/", 5) == 0) {
		memcpy(r->main_id, h->sender, len);
		r->main_id[len] = '\0';
	}
}

/*
 * The writer has had work for a heartbeat threshold and acknowledged
 * none of it (stopped, or stuck on a lock): main, its supervisor, kills
 * it and starts another, which takes over from the committed offset.
 * Said again every threshold while the silence lasts.
 */
static void
router_writer_silent(struct router *r, int64_t now)
{
	struct msg_out	 m;
	int64_t		 threshold, since;

	/*
	 * Silent since its last word, or since it was given work after
	 * having none: a writer idle for long is not silent the moment a
	 * new batch comes.
	 */
	since = r->writer_word_ms;
	if (r->work_since_ms > since)
		since = r->work_since_ms;
	if (r->finishing && r->finish_ms > since)
		since = r->finish_ms;
	threshold = heartbeat_threshold(heartbeat_period());
	if (r->main_id[0] == '\0' || r->orphaned ||
	    !(r->sent > r->committed || (r->finishing &&
	    r->committed < r->written)) ||
	    now - since < threshold ||
	    now - r->told_silent_ms < threshold)
		return;
	log_warnx("the writer acknowledged nothing for %lld ms with %llu "
	    "bytes to commit; telling main",
	    (long long)(now - since),
	    (unsigned long long)(r->written - r->committed));
	msg_begin(&m, MSG_WRITER_SILENT, 2);
	msgpack_pack_uint64(&m.pk, r->committed);
	msgpack_pack_uint64(&m.pk, r->written);
	if (msg_send(r->in, r->main_id, strlen(r->main_id), &m) == -1)
		log_debug("cannot tell main: %s", zmq_strerror(errno));
	r->told_silent_ms = now;
}

static void
router_ack(struct router *r, zmq_msg_t *id, uint64_t seq)
{
	struct msg_out	 m;

	msg_begin(&m, MSG_ACK, 1);
	msgpack_pack_uint64(&m.pk, seq);
	if (msg_send(r->in, zmq_msg_data(id), zmq_msg_size(id), &m) == -1)
		log_debug("cannot acknowledge: %s", zmq_strerror(errno));
	r->acked++;
}

/*
 * A batch of events from a sender: spooled as it came, only its head
 * read (unpacking the thousands of events of a big one was most of the
 * router's time); the writer checks the events as it applies them.
 */
static void
router_take_events(struct router *r, zmq_msg_t *id, zmq_msg_t *zm,
    const struct msg_events_head *h)
{
	char	 name[ROUTER_NAME];

	r->batches++;
	r->events += h->nevents;
	router_sender_name(h, name);
	router_heard(r, name);
	router_note_main(r, h);
	/* Not acknowledged: its sender sends it again. */
	if (router_in_order(r, name, h->seq) &&
	    router_append(r, zmq_msg_data(zm), zmq_msg_size(zm)) == 0) {
		router_spooled(r, name, h->seq, 1);
		router_ack(r, id, h->seq);
	} else
		router_spooled(r, name, h->seq, 0);
}

static int
router_from_senders(struct evloop *loop, void *arg)
{
	struct router		*r = arg;
	struct msg_events_head	 h;
	struct msg_in		 m;
	zmq_msg_t		 id, zm;
	int			 rc, kind;

	(void)loop;
	while ((rc = msg_recv_frames(r->in, &id, &zm, "a sender")) != 0) {
		if (rc == -1)
			continue;
		kind = msg_events_head(zmq_msg_data(&zm), zmq_msg_size(&zm),
		    &h);
		if (kind == 1)
			router_take_events(r, &id, &zm, &h);
		else if (kind == -1 || msg_parse(&m, zmq_msg_data(&zm),
		    zmq_msg_size(&zm)) == -1)
			log_warnx("malformed message from a sender ignored");
		else {
			if (m.type == MSG_FINISH) {
				log_info("main asks to finish: %llu bytes to "
				    "commit", (unsigned long long)
				    (r->written - r->committed));
				r->finishing = 1;
			} else
				log_warnx("unexpected message type %d ignored",
				    m.type);
			msg_in_free(&m);
		}
		zmq_msg_close(&zm);
		zmq_msg_close(&id);
	}
	return 0;
}

/* Feeds the writer from the spool, within the window. */
static void
router_pump(struct router *r)
{
	struct msg_out	 m;
	uint64_t	 start, end, want;
	uint32_t	 len, nrec;
	size_t		 off, have;
	ssize_t		 n;

	while (r->writer_known && r->sent < r->written &&
	    r->sent - r->committed < ROUTER_WINDOW) {
		want = r->written - r->sent;
		if (want > ROUTER_CHUNK)
			want = ROUTER_CHUNK;
		n = pread(r->spool, r->buf, want, r->sent);
		if (n <= 0) {
			log_warn("spool: cannot read at %llu",
			    (unsigned long long)r->sent);
			return;
		}
		have = n;
		/* Count the whole records in the chunk. */
		off = 0;
		nrec = 0;
		while (off + 4 <= have) {
			len = spool_length((unsigned char *)r->buf + off);
			if (off + 4 + len > have)
				break;
			off += 4 + len;
			nrec++;
		}
		if (nrec == 0) {
			/* One record bigger than the chunk. */
			len = spool_length((unsigned char *)r->buf);
			r->buf = xreallocarray(r->buf, len + 4, 1);
			if (pread(r->spool, r->buf, len + 4, r->sent) !=
			    (ssize_t)len + 4)
				fatal("spool: cannot read a record");
			have = len + 4;
			nrec = 1;
		}
		start = r->sent;
		if (r->sent == r->committed)
			r->work_since_ms = mono_ms();
		msg_begin(&m, MSG_SPOOLED, 3);
		msgpack_pack_uint64(&m.pk, start);
		msgpack_pack_array(&m.pk, nrec);
		off = 0;
		end = start;
		while (nrec-- > 0) {
			len = spool_length((unsigned char *)r->buf + off);
			msgpack_pack_bin(&m.pk, len);
			msgpack_pack_bin_body(&m.pk, r->buf + off + 4, len);
			off += 4 + len;
		}
		end = start + off;
		msgpack_pack_uint64(&m.pk, end);
		if (msg_send(r->out, NULL, 0, &m) == -1) {
			log_debug("cannot feed the writer: %s",
			    zmq_strerror(errno));
			return;
		}
		r->sent = end;
	}
}

static int
router_from_writer(struct evloop *loop, void *arg)
{
	struct router	*r = arg;
	struct msg_in	 m;
	zmq_msg_t	 zm;
	uint64_t	 off, hello;
	int		 rc;

	(void)loop;
	while ((rc = msg_recv(r->out, &zm, &m, "the writer")) != 0) {
		if (rc == 1) {
			if (m.type == MSG_COMMITTED && m.nfields == 2 &&
			    msg_get_uint(&m.fields[0], &off) == 0 &&
			    msg_get_uint(&m.fields[1], &hello) == 0 &&
			    off <= r->written) {
				r->heard_ms = r->writer_word_ms = mono_ms();
				if (hello) {
					/* A new writer, or one that lost its
					   place: start over from its word. */
					log_info("writer committed up to %llu",
					    (unsigned long long)off);
					r->committed = r->sent = off;
					r->writer_known = 1;
				} else if (off > r->committed) {
					r->committed = off;
					if (r->sent < off)
						r->sent = off;
				}
			} else
				log_warnx("unexpected message from the writer");
			msg_in_free(&m);
			zmq_msg_close(&zm);
		}
	}
	return 0;
}

/*
 * Main is gone without asking us to finish: record that the run's end was
 * lost, as this router's own one-event batch, before draining the spool.
 */
static void
router_lost(struct router *r)
{
	struct msg_out	 m;
	char		 sender[64];

	snprintf(sender, sizeof sender, "router/%ld", (long)getpid());
	msg_begin(&m, MSG_EVENTS, 3);
	msgpack_pack_str(&m.pk, strlen(sender));
	msgpack_pack_str_body(&m.pk, sender, strlen(sender));
	msgpack_pack_uint64(&m.pk, 1);
	msgpack_pack_array(&m.pk, 1);
	msgpack_pack_array(&m.pk, 2);
	msgpack_pack_uint32(&m.pk, EV_WORKFLOW_LOST);
	msgpack_pack_double(&m.pk, db_now());
	if (router_append(r, m.sbuf.data, m.sbuf.size) == 0)
		log_info("recorded that main is gone");
	msg_out_free(&m);
}

static void
router_hello(struct router *r)
{
	struct msg_out	 m;

	msg_begin(&m, MSG_ROUTER_HELLO, 0);
	msg_send(r->out, NULL, 0, &m);
}

/*
 * The lifeline closed: main is gone, or done.  If it did not ask us to
 * finish, the run's end is recorded as lost; either way the spool is
 * drained for a short while.  The lifeline is left out from then on.
 */
static int
router_lifeline(struct evloop *loop, void *arg)
{
	struct router	*r = arg;

	r->orphaned = 1;
	r->orphan_deadline = mono_ms() + ROUTER_ORPHAN_MS;
	log_info("lifeline closed");
	if (!r->finishing)
		router_lost(r);
	evloop_remove(loop, r->lifeline);
	return 0;
}

/*
 * Between two polls: feeds the writer what came in, then sees whether
 * the router is done and how long the poll may wait.
 */
static int64_t
router_turn(struct evloop *loop, void *arg)
{
	struct router	*r = arg;
	int64_t		 now, timeout;

	router_pump(r);
	/*
	 * Finishing with everything sent: ask the writer to commit
	 * now rather than when its transaction times out.
	 */
	if ((r->finishing || r->nospace_ms != 0) && r->writer_known &&
	    r->sent == r->written &&
	    r->committed < r->written && r->flush_asked < r->written) {
		router_hello(r);
		r->flush_asked = r->written;
	}
	now = mono_ms();
	if ((r->finishing || r->orphaned || r->nospace_ms != 0) &&
	    r->writer_known && r->committed == r->written)
		goto stop;
	if (r->nospace_ms != 0 &&
	    now - r->nospace_ms >= ROUTER_STUCK_MS) {
		log_warnx("the disk is full, and %llu spooled bytes "
		    "were not committed", (unsigned long long)
		    (r->written - r->committed));
		goto stop;
	}
	/*
	 * Finishing, and the spool cannot be written (a full disk,
	 * say): waiting longer would only hold the run up.  A writer
	 * that is merely slow or stopped is waited for: main bounds
	 * that wait, and restarts a writer that stopped.
	 */
	if (r->committed != r->last_committed) {
		r->last_committed = r->committed;
		r->moved_ms = now;
	}
	if (r->finishing && r->finish_ms == 0)
		r->finish_ms = now;
	if (r->finishing && now - (r->moved_ms > r->finish_ms ?
	    r->moved_ms : r->finish_ms) >= ROUTER_STUCK_MS &&
	    r->write_failed) {
		log_warnx("finishing, and nothing committed for %d s; "
		    "%llu spooled bytes were not committed",
		    ROUTER_STUCK_MS / 1000, (unsigned long long)
		    (r->written - r->committed));
		r->gave_up = 1;
		goto stop;
	}
	if (r->orphaned && !r->finishing && now >= r->orphan_deadline) {
		log_warnx("main is gone; %llu spooled bytes were not "
		    "committed", (unsigned long long)
		    (r->written - r->committed));
		goto stop;
	}
	router_writer_silent(r, now);
	/* A writer that went quiet gets everything again. */
	if ((r->sent > r->committed || !r->writer_known) &&
	    now - r->heard_ms >= ROUTER_STALL_MS) {
		log_info("writer silent; asking where it stands");
		router_hello(r);
		r->sent = r->committed;
		r->heard_ms = now;
	}
	timeout = r->sent > r->committed || !r->writer_known ?
	    ROUTER_STALL_MS : -1;
	if ((r->finishing || r->nospace_ms != 0) &&
	    (timeout == -1 || timeout > 500))
		timeout = 500;
	if (r->orphaned)
		timeout = 100;
	return timeout;
stop:
	evloop_stop(loop);
	return -1;
}

int
router_main(int argc, char **argv)
{
	struct roleargs		 a;
	struct router		 r;
	struct msg_out		 bye;
	struct evloop		*loop;
	int			 n;

	memset(&r, 0, sizeof r);
	roleargs_get(ROLE_ROUTER, argc, argv, &a);
	r.run_name = a.name != NULL ? a.name : "?";
	r.sigfd = helper_begin("router", a.run, a.verbose, 0);
	proctitle_set("weft: router run %s", r.run_name);
	router_open_spool(&r);
	r.buf = xmalloc(ROUTER_CHUNK);

	if ((r.ctx = zmq_ctx_new()) == NULL)
		fatal("zmq_ctx_new");
	r.in = zsock_open(r.ctx, ZMQ_ROUTER, NULL);
	r.out = zsock_open(r.ctx, ZMQ_DEALER, NULL);
	if (r.in == NULL || r.out == NULL ||
	    zsock_bind_bound(r.in, "ipc://sock/router", BOUND_FD) == -1 ||
	    zsock_bind_bound(r.out, "ipc://sock/dbwriter", BOUND_FD + 1) == -1)
		fatalx("cannot bind the router's endpoints: %s",
		    zmq_strerror(errno));
	/* No writer connected: a send must fail, never block the router. */
	n = 0;
	zmq_setsockopt(r.out, ZMQ_SNDTIMEO, &n, sizeof n);
	router_hello(&r);
	r.heard_ms = r.writer_word_ms = mono_ms();
	log_info("router for run %s ready", r.run_name);

	r.ctl = ctl_open(r.ctx, "router", "router", router_status_fill, &r);

	/* In this order in a turn: the lifeline first, signals next. */
	loop = evloop_new();
	r.lifeline = evloop_fd(loop, ROUTER_LIFELINE_FD, router_lifeline, &r);
	evloop_signalfd(loop, r.sigfd);
	ctl_watch(r.ctl, loop);
	evloop_socket(loop, r.in, router_from_senders, &r);
	evloop_socket(loop, r.out, router_from_writer, &r);
	evloop_prepare(loop, router_turn, &r);
	if (evloop_run(loop) == -1)
		fatal("zmq_poll");
	evloop_free(&loop);
	/*
	 * Everything is in the database: the spool has done its job, and
	 * the writer is told to go.  Not when the disk was full: a router
	 * started again to finish the record goes on from the spool's end,
	 * with this writer.
	 */
	if (r.writer_known && r.committed == r.written && r.nospace_ms == 0) {
		msg_begin(&bye, MSG_BYE, 0);
		msg_send(r.out, NULL, 0, &bye);
		if (unlink("monitor.spool") == -1)
			log_warn("cannot remove monitor.spool");
	}
	log_info("exiting: %lu batches received, %lu acknowledged, %llu "
	    "bytes spooled, %llu committed", r.batches, r.acked,
	    (unsigned long long)r.written, (unsigned long long)r.committed);
	/* Give the goodbye a moment to leave; LINGER is 0 elsewhere. */
	n = 200;
	zmq_setsockopt(r.out, ZMQ_LINGER, &n, sizeof n);
	ctl_close(&r.ctl);
	zmq_close(r.in);
	zmq_close(r.out);
	zmq_ctx_term(r.ctx);
	free(r.buf);
	free(r.held);
	close(r.spool);
	/* Main records the run as incomplete when it sees this. */
	if (r.nospace_ms != 0)
		return EXIT_NOSPACE;
	return r.gave_up ? EXIT_INTERNAL : 0;
}
