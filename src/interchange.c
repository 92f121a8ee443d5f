/*
 * interchange.c: the "weft interchange" helper role, the task broker
 * between main and the pools.
 *
 * Main sends batches of ready tasks; the interchange queues them and
 * hands them to pools by free capacity: first to fill every free slot
 * across the pools, then, while tasks are short, extra tasks per slot as
 * a prefetch, so that a pool starts its next task the moment one ends
 * instead of waiting for a round trip: about IX_PREFETCH_WORK_US of work
 * per slot (one extra task for tasks near 50 ms, up to IX_PREFETCH_MAX
 * for calls of microseconds).  Prefetching long tasks would gain nothing
 * and could leave a task queued behind a long one while another pool
 * idles, so it stops when the average task is long.  Results come back
 * from pools in batches and are passed to main unchanged.
 *
 * The interchange keeps, for each pool, the tries it has handed it and
 * not yet seen end.  When main reports a pool dead (MSG_POOL_LOST), those
 * go back to main (MSG_REQUEUE) to run again as new tries.  A pool that
 * sends no heartbeat for the threshold gets no more tasks and
 * is reported to main (MSG_POOL_SILENT), which kills it: a stopped or
 * stuck pool then takes the same path as a dead one.
 *
 * Endpoints (relative to the run directory, which is the working
 * directory of every helper, so the path never overflows sun_path):
 * ipc://sock/main, bound by main, which the interchange connects to, and
 * ipc://sock/pools, a ROUTER bound here, which pools connect to, and
 * ipc://sock/ctl-interchange, the control endpoint (see control.c).
 *
 * With --fail-fast, a failed try holds dispatch until main says go on
 * (MSG_GO, passed on to every pool, which holds likewise): main decides
 * whether the failure ends the run, and until then nothing new starts.
 *
 * Descriptor 3 is the lifeline from main: EOF means stop now.
 */

#include <sys/signalfd.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zmq.h>

#include "weft.h"
#include "proto.h"
#include "interchange.h"

static void
ix_enqueue(struct ix *ix, const msgpack_object *o, const struct msg_task *mt)
{
	static msgpack_sbuffer	 sb;
	msgpack_packer		 pk;
	struct ix_task		*t;

	ix->queue = fifo_room(ix->queue, &ix->qhead, &ix->qtail, &ix->qcap,
	    sizeof *ix->queue, 1024);
	/*
	 * Packed in a buffer kept for the purpose, then copied at its size:
	 * an sbuffer of its own would hold 8 KiB for every queued task.
	 */
	msgpack_sbuffer_clear(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_object(&pk, *o);
	t = &ix->queue[ix->qtail++];
	t->index = mt->index;
	t->attempt = mt->attempt;
	t->need.cores = mt->cores > 0 ? mt->cores : 1;
	t->need.memory = mt->memory;
	t->need.gpus = mt->gpus;
	/* From the first task that asks, every task is placed to fit. */
	if (t->need.cores > 1 || t->need.memory > 0 || t->need.gpus > 0)
		ix->strict = 1;
	t->len = sb.size;
	t->data = xmalloc(sb.size);
	memcpy(t->data, sb.data, sb.size);
	ix->received++;
}

struct ix_pool *
ix_find_pool(struct ix *ix, const void *ident, size_t len)
{
	size_t	 i;

	for (i = 0; i < ix->npools; i++) {
		if (ix->pools[i].identlen == len &&
		    memcmp(ix->pools[i].ident, ident, len) == 0)
			return &ix->pools[i];
	}
	return NULL;
}

/* Tasks per slot a pool may hold: 1, plus the prefetch. */
static size_t
ix_depth(const struct ix *ix)
{
	double	 extra;

	if (ix->done < IX_PREFETCH_SAMPLES ||
	    ix->avg_wall_us >= IX_PREFETCH_WORK_US)
		return 1;
	extra = IX_PREFETCH_WORK_US / (ix->avg_wall_us + 1);
	if (extra > IX_PREFETCH_MAX)
		extra = IX_PREFETCH_MAX;
	return 1 + (extra < 1 ? 1 : (size_t)extra);
}

/*
 * Hands queued tasks to pools, in rounds: first one task per free slot,
 * spreading over pools; then, round after round, one more per slot up to
 * the prefetch depth.
 */
static void
ix_dispatch(struct ix *ix)
{
	struct ix_pool	*pp;
	struct msg_out	 m;
	struct ix_task	*t;
	size_t		 i, j, round, rounds, limit;
	int		 progress;

	if (ix->qhead == ix->qtail || ix->npools == 0 || ix->held)
		return;
	rounds = ix->strict ? 0 : ix_depth(ix);
	if (ix->strict)
		ix_dispatch_fit(ix);
	for (round = 1; round <= rounds; round++) {
		do {
			progress = 0;
			for (i = 0; i < ix->npools; i++) {
				pp = &ix->pools[i];
				limit = pp->slots * round;
				if (ix->qhead == ix->qtail)
					break;
				if (pp->silent ||
				    pp->outstanding + pp->nbatch >= limit)
					continue;
				ix_hold(pp, &ix->queue[ix->qhead].need, 1);
				pp->batch[pp->nbatch++] = ix->qhead++;
				progress = 1;
			}
		} while (progress && ix->qhead != ix->qtail);
	}
	for (i = 0; i < ix->npools; i++) {
		pp = &ix->pools[i];
		if (pp->nbatch == 0)
			continue;
		msg_begin(&m, MSG_TASKS, 1);
		msgpack_pack_array(&m.pk, pp->nbatch);
		for (j = 0; j < pp->nbatch; j++) {
			t = &ix->queue[pp->batch[j]];
			pp->tries[pp->outstanding + j].index = t->index;
			pp->tries[pp->outstanding + j].attempt = t->attempt;
			pp->tries[pp->outstanding + j].need = t->need;
			msgpack_sbuffer_write(&m.sbuf, t->data, t->len);
			free(t->data);
			t->data = NULL;
		}
		if (msg_send(pp->sock, pp->ident, pp->identlen, &m) == -1)
			fatalx("cannot send tasks to %s: %s", pp->ident,
			    zmq_strerror(errno));
		log_debug("%zu tasks to %s (%u outstanding)", pp->nbatch,
		    pp->ident, pp->outstanding + (unsigned)pp->nbatch);
		pp->outstanding += pp->nbatch;
		ix->dispatched += pp->nbatch;
		pp->nbatch = 0;
	}
	ix_compact(ix);
	if (ix->qhead == ix->qtail)
		ix->qhead = ix->qtail = 0;
}

void
ix_ev_block(struct ix *ix, const struct ix_pool *pp, const char *status)
{
	msgpack_packer	*pk;
	char		 block[16];

	/* A provider's block ("slurm-0") is the provider's to record. */
	if (ix->mon == NULL || strchr(pp->block, '-') != NULL)
		return;
	pk = monitor_event(ix->mon, EV_BLOCK, 5);
	snprintf(block, sizeof block, "%d", pp->id);
	monitor_pack_str(pk, block);
	monitor_pack_str(pk, status);
	msgpack_pack_double(pk, db_now());
	msgpack_pack_int64(pk, pp->pid);
	monitor_pack_str(pk, pp->remote ? "remote" : "local");
}

/* A pool's entry, new, for IDENT on SOCK. */
struct ix_pool *
ix_add_pool(struct ix *ix, void *sock, const void *ident, size_t identlen)
{
	struct ix_pool	*pp;

	ix->pools = xreallocarray(ix->pools, ix->npools + 1,
	    sizeof *ix->pools);
	pp = &ix->pools[ix->npools++];
	memset(pp, 0, sizeof *pp);
	memcpy(pp->ident, ident, identlen);
	pp->identlen = identlen;
	pp->sock = sock;
	return pp;
}

/* PP leaves the table. */
void
ix_drop_pool(struct ix *ix, struct ix_pool *pp)
{
	free(pp->batch);
	free(pp->tries);
	*pp = ix->pools[--ix->npools];
}

/*
 * Tells main that pool ID (PID) is gone, with the tries PP had (none if
 * PP is NULL): they come back to run again (MSG_REQUEUE).
 */
void
ix_requeue(struct ix *ix, int64_t id, int64_t pid, const struct ix_pool *pp)
{
	struct msg_out	 out;
	uint32_t	 i, n = pp != NULL ? pp->outstanding : 0;

	msg_begin(&out, MSG_REQUEUE, 3);
	msgpack_pack_int64(&out.pk, id);
	msgpack_pack_int64(&out.pk, pid);
	msgpack_pack_array(&out.pk, n);
	for (i = 0; i < n; i++) {
		msgpack_pack_array(&out.pk, 2);
		msgpack_pack_uint32(&out.pk, pp->tries[i].index);
		msgpack_pack_uint32(&out.pk, pp->tries[i].attempt);
	}
	ix->requeued += n;
	if (msg_send(ix->main_sock, NULL, 0, &out) == -1)
		fatalx("cannot tell main about a lost pool: %s",
		    zmq_strerror(errno));
}

/*
 * Main reaped a pool: its unfinished tries go back to main, and it leaves
 * the table.  Whatever the pool sent before it died is read first, so a
 * try that did end is not run again.
 */
static void
ix_pool_lost(struct ix *ix, const struct msg_in *m)
{
	struct ix_pool	*pp = NULL;
	int64_t		 id, pid;
	size_t		 i;

	if (m->nfields != 2 || msg_get_int(&m->fields[0], &id) == -1 ||
	    msg_get_int(&m->fields[1], &pid) == -1) {
		log_warnx("malformed pool-lost notice ignored");
		return;
	}
	ix_from_pools(ix, ix->pool_sock);
	for (i = 0; i < ix->npools; i++) {
		if (!ix->pools[i].remote && ix->pools[i].id == id &&
		    ix->pools[i].pid == pid) {
			pp = &ix->pools[i];
			break;
		}
	}
	ix_requeue(ix, id, pid, pp);
	if (pp == NULL) {
		/* It died before it said hello: it had nothing. */
		log_info("pool %d (pid %ld) lost before it registered",
		    (int)id, (long)pid);
		return;
	}
	log_warnx("pool %d (pid %ld) lost with %u tries; back to main",
	    (int)id, (long)pid, pp->outstanding);
	ix->lost++;
	ix_ev_block(ix, pp, "lost");
	ix_drop_pool(ix, pp);
}

/*
 * A pool that stopped sending heartbeats is reported once.  Called at
 * least once a period; returns ms until it is due again.
 */
static int
ix_check_silent(struct ix *ix)
{
	struct ix_pool	*pp;
	struct msg_out	 out;
	int64_t		 now = mono_ms();
	size_t		 i;

	/* Back from a stop of our own: the silence was ours, not theirs. */
	if (heartbeat_stopped(ix->checked_ms, ix->hb_period, now)) {
		for (i = 0; i < ix->npools; i++)
			heartbeat_heard(&ix->pools[i].hb, now);
	}
	ix->checked_ms = now;
	for (i = 0; i < ix->npools; i++) {
		pp = &ix->pools[i];
		if (pp->silent || !heartbeat_lost(&pp->hb, now))
			continue;
		if (pp->remote) {
			/* Not main's child: ours to give up, now. */
			ix_remote_lost(ix, pp, "no heartbeat");
			i--;
			continue;
		}
		pp->silent = 1;
		log_warnx("pool %d (pid %ld) silent for %lld ms; no more tasks "
		    "for it", pp->id, (long)pp->pid,
		    (long long)heartbeat_silence(&pp->hb, now));
		ix_ev_block(ix, pp, "silent");
		msg_begin(&out, MSG_POOL_SILENT, 2);
		msgpack_pack_int64(&out.pk, pp->id);
		msgpack_pack_int64(&out.pk, pp->pid);
		if (msg_send(ix->main_sock, NULL, 0, &out) == -1)
			log_warnx("cannot tell main: %s", zmq_strerror(errno));
	}
	return ix->hb_period;
}

/* Main checks on us as pools do: answer at once. */
static void
ix_heartbeat_main(struct ix *ix)
{
	struct msg_out	 out;
	size_t		 i, n;

	heartbeat_heard(&ix->main_hb, mono_ms());
	/* With the tries of each remote pool: a provider scales by them. */
	msg_begin(&out, MSG_HEARTBEAT, 1);
	for (i = n = 0; i < ix->npools; i++)
		n += ix->pools[i].remote;
	msgpack_pack_array(&out.pk, n);
	for (i = 0; i < ix->npools; i++) {
		if (!ix->pools[i].remote)
			continue;
		msgpack_pack_array(&out.pk, 2);
		msgpack_pack_int32(&out.pk, ix->pools[i].id);
		msgpack_pack_uint32(&out.pk, ix->pools[i].outstanding);
	}
	if (msg_send(ix->main_sock, NULL, 0, &out) == -1)
		log_warnx("cannot answer main: %s", zmq_strerror(errno));
}

/* Main decided a failure was not the end: dispatch, and tell pools. */
static void
ix_go(struct ix *ix)
{
	struct msg_out	 out;
	size_t		 i;

	ix->held = 0;
	for (i = 0; i < ix->npools; i++) {
		msg_begin(&out, MSG_GO, 0);
		if (msg_send(ix->pools[i].sock, ix->pools[i].ident,
		    ix->pools[i].identlen, &out) == -1)
			log_warnx("cannot tell %s to go on",
			    ix->pools[i].ident);
	}
}

static void
ix_from_main(struct ix *ix)
{
	struct msg_in	 m;
	struct msg_task	 t;
	zmq_msg_t	 zm;
	uint32_t	 i;
	int		 rc;

	while ((rc = msg_recv(ix->main_sock, &zm, &m, "main")) != 0) {
		if (rc == -1)
			continue;
		if (m.type == MSG_POOL_LOST || m.type == MSG_HEARTBEAT ||
		    m.type == MSG_GO) {
			if (m.type == MSG_POOL_LOST)
				ix_pool_lost(ix, &m);
			else if (m.type == MSG_GO)
				ix_go(ix);
			else
				ix_heartbeat_main(ix);
			msg_in_free(&m);
			zmq_msg_close(&zm);
			continue;
		}
		if (m.type != MSG_TASKS || m.nfields != 1 ||
		    m.fields[0].type != MSGPACK_OBJECT_ARRAY) {
			log_warnx("unexpected message from main ignored");
			msg_in_free(&m);
			zmq_msg_close(&zm);
			continue;
		}
		for (i = 0; i < m.fields[0].via.array.size; i++) {
			if (msg_get_task(&m.fields[0].via.array.ptr[i],
			    &t) == -1) {
				log_warnx("malformed task from main ignored");
				continue;
			}
			ix_enqueue(ix, &m.fields[0].via.array.ptr[i], &t);
		}
		msg_in_free(&m);
		zmq_msg_close(&zm);
	}
}

/* A local pool, started by main: [pool, slots, pid, memory, gpus]. */
static void
ix_hello(struct ix *ix, void *sock, const void *ident, size_t identlen,
    const struct msg_in *m)
{
	struct ix_pool	*pp;
	int64_t		 id, slots, pid, memory = 0, gpus = 0;

	if (m->nfields >= 8 && msg_get_int(&m->fields[0], &id) == 0 &&
	    id == -1) {
		if (sock == ix->tcp_sock)
			ix_remote_hello(ix, ident, identlen, m);
		else
			log_warnx("a pool on ipc:// asked for a number: "
			    "ignored");
		return;
	}
	if ((m->nfields != 5 && m->nfields != 3) ||
	    msg_get_int(&m->fields[0], &id) == -1 ||
	    msg_get_int(&m->fields[1], &slots) == -1 ||
	    msg_get_int(&m->fields[2], &pid) == -1 ||
	    (m->nfields == 5 && (msg_get_int(&m->fields[3], &memory) == -1 ||
	    msg_get_int(&m->fields[4], &gpus) == -1)) || slots < 1 ||
	    slots > WEFT_MAX_JOBS || identlen >= sizeof pp->ident ||
	    sock != ix->pool_sock) {
		log_warnx("malformed hello ignored");
		return;
	}
	if ((pp = ix_find_pool(ix, ident, identlen)) == NULL)
		pp = ix_add_pool(ix, sock, ident, identlen);
	else {
		free(pp->batch);
		free(pp->tries);
	}
	pp->id = id;
	pp->slots = slots;
	pp->pid = pid;
	pp->memory = memory;
	pp->gpus = gpus;
	pp->outstanding = 0;
	memset(&pp->used, 0, sizeof pp->used);
	pp->silent = 0;
	heartbeat_init(&pp->hb, ix->hb_period, mono_ms());
	pp->batch = xcalloc(IX_DEPTH * slots, sizeof *pp->batch);
	pp->tries = xcalloc(IX_DEPTH * slots, sizeof *pp->tries);
	log_info("pool %d registered: pid %ld, %d slots", pp->id, (long)pid,
	    (int)slots);
}

/* The try ended: it is no longer the pool's to lose. */
static void
ix_try_ended(struct ix_pool *pp, uint32_t index, uint32_t attempt)
{
	uint32_t	 i;

	for (i = 0; i < pp->outstanding; i++) {
		if (pp->tries[i].index == index &&
		    pp->tries[i].attempt == attempt) {
			ix_hold(pp, &pp->tries[i].need, -1);
			pp->tries[i] = pp->tries[--pp->outstanding];
			return;
		}
	}
	log_warnx("pool %d reported a try it did not have (task %u)",
	    pp->id, index);
}

static void
ix_results(struct ix *ix, struct ix_pool *pp, const struct msg_in *m,
    zmq_msg_t *zm)
{
	struct msg_result	 r;
	uint32_t		 i, n;

	if (m->nfields != 2 || m->fields[0].type != MSGPACK_OBJECT_ARRAY) {
		log_warnx("malformed results from %s ignored", pp->ident);
		return;
	}
	n = m->fields[0].via.array.size;
	for (i = 0; i < n; i++) {
		if (msg_get_result(&m->fields[0].via.array.ptr[i], &r) == -1) {
			log_warnx("malformed result from %s", pp->ident);
			continue;
		}
		ix_try_ended(pp, r.index, r.attempt);
		if (ix->fail_fast && r.outcome != OUT_DONE)
			ix->held = 1;
		pp->done++;
		ix->done++;
		ix->avg_wall_us += (r.wall_us - ix->avg_wall_us) /
		    (ix->done < IX_PREFETCH_SAMPLES ? ix->done :
		    IX_PREFETCH_SAMPLES);
	}
	log_debug("%u results from %s", n, pp->ident);
	/* Main reads the same batch; no need to pack it again. */
	if (zmq_msg_send(zm, ix->main_sock, 0) == -1)
		fatalx("cannot pass results to main: %s", zmq_strerror(errno));
}

/* Reads what pools sent on SOCK: the ipc:// one, or the tcp:// one. */
void
ix_from_pools(struct ix *ix, void *sock)
{
	struct ix_pool	*pp;
	struct msg_in	 m;
	struct msg_out	 out;
	zmq_msg_t	 idm, zm;
	const void	*ident;
	size_t		 identlen;
	int		 rc;

	while ((rc = msg_recv_routed(sock, &idm, &zm, &m, "a pool")) != 0) {
		if (rc == -1)
			continue;
		ident = zmq_msg_data(&idm);
		identlen = zmq_msg_size(&idm);
		pp = ix_find_pool(ix, ident, identlen);
		if (pp != NULL)
			heartbeat_heard(&pp->hb, mono_ms());
		if (pp == NULL && sock == ix->tcp_sock &&
		    ix_remote_gone(ix, ident, identlen))
			;	/* told to stop; what it says is not heard */
		else if (m.type == MSG_HELLO)
			ix_hello(ix, sock, ident, identlen, &m);
		else if (m.type == MSG_EVENTS && sock == ix->tcp_sock)
			ix_relay(ix, ident, identlen, &zm);
		else if (pp == NULL)
			log_warnx("message from an unknown pool ignored");
		else if (m.type == MSG_RESULTS)
			ix_results(ix, pp, &m, &zm);
		else if (m.type == MSG_HEARTBEAT) {
			msg_begin(&out, MSG_HEARTBEAT, 0);
			msg_send(sock, pp->ident, pp->identlen, &out);
		} else if (m.type == MSG_LEAVING && pp->remote)
			ix_remote_lost(ix, pp, IX_LEFT);
		else
			log_warnx("unexpected message type %d from %s",
			    m.type, pp->ident);
		msg_in_free(&m);
		zmq_msg_close(&zm);
		zmq_msg_close(&idm);
	}
}

/* What "weft status" shows of the interchange. */
static void
ix_status_fill(json_t *stats, json_t *hb, void *arg)
{
	struct ix	*ix = arg;
	struct ix_pool	*pp;
	json_t		*pools = json_array();
	char		 name[32];
	size_t		 i;

	for (i = 0; i < ix->npools; i++) {
		pp = &ix->pools[i];
		snprintf(name, sizeof name, "pool-%d", pp->id);
		json_array_append_new(pools, json_pack("{s:s, s:I, s:i, s:i, "
		    "s:I, s:b, s:b, s:s, s:s?, s:o}", "name", name, "pid",
		    (json_int_t)pp->pid, "slots", (int)pp->slots,
		    "outstanding", (int)pp->outstanding, "done",
		    (json_int_t)pp->done, "silent", pp->silent, "remote",
		    pp->remote, "host", pp->remote ? pp->host : "local",
		    "block", pp->block[0] != '\0' ? pp->block : NULL,
		    "heard", ctl_age(pp->hb.heard_ms)));
		json_object_set_new(hb, name, ctl_age(pp->hb.heard_ms));
	}
	json_object_set_new(stats, "queued",
	    json_integer(ix->qtail - ix->qhead));
	json_object_set_new(stats, "received", json_integer(ix->received));
	json_object_set_new(stats, "dispatched",
	    json_integer(ix->dispatched));
	json_object_set_new(stats, "done", json_integer(ix->done));
	json_object_set_new(stats, "requeued", json_integer(ix->requeued));
	json_object_set_new(stats, "pools_lost", json_integer(ix->lost));
	json_object_set_new(stats, "pools", pools);
	ix_remote_status(ix, stats);
	json_object_set_new(hb, "main", ctl_age(ix->main_hb.heard_ms));
}

static void
ix_free(struct ix *ix)
{
	size_t	 i;

	for (i = ix->qhead; i < ix->qtail; i++)
		free(ix->queue[i].data);
	free(ix->queue);
	for (i = 0; i < ix->npools; i++) {
		free(ix->pools[i].batch);
		free(ix->pools[i].tries);
	}
	free(ix->pools);
}

/*
 * The loop's handlers, in this order in a turn: the lifeline, signals,
 * pools, main, control, the monitor.  The lifeline and a signal stop the
 * interchange only once the turn is over: what came in with them is
 * still read, and dispatched.
 */
static int
ix_lifeline(struct evloop *loop, void *arg)
{
	struct ix	*ix = arg;

	(void)loop;
	log_info("lifeline closed: main is done or gone");
	ix->stopping = 1;
	return 0;
}

static int
ix_signalled(struct evloop *loop, void *arg)
{
	struct ix		*ix = arg;
	struct signalfd_siginfo	 si;

	(void)loop;
	if (read(ix->sigfd, &si, sizeof si) == sizeof si) {
		log_info("stopping on %s", strsignal(si.ssi_signo));
		ix->stopping = 1;
	}
	return 0;
}

static int
ix_pools_readable(struct evloop *loop, void *arg)
{
	struct ix	*ix = arg;

	(void)loop;
	ix_from_pools(ix, ix->pool_sock);
	return 0;
}

static int
ix_main_readable(struct evloop *loop, void *arg)
{
	(void)loop;
	ix_from_main(arg);
	return 0;
}

static int
ix_monitor_readable(struct evloop *loop, void *arg)
{
	struct ix	*ix = arg;

	(void)loop;
	monitor_recv(ix->mon);
	return 0;
}

/*
 * Between two polls: hands out what came in, stops if asked to, and
 * says how long the poll may wait (the next look for silent pools, or
 * the monitor's next flush).
 */
static int64_t
ix_turn(struct evloop *loop, void *arg)
{
	struct ix	*ix = arg;

	if (ix->turned) {
		ix_dispatch(ix);
		monitor_tick(ix->mon);
	}
	ix->turned = 1;
	if (ix->stopping) {
		evloop_stop(loop);
		return -1;
	}
	return timeout_min(ix_check_silent(ix), monitor_timeout(ix->mon));
}

int
interchange_main(int argc, char **argv)
{
	struct roleargs		 a;
	struct ix		 ix;
	struct evloop		*loop;

	memset(&ix, 0, sizeof ix);
	roleargs_get(ROLE_INTERCHANGE, argc, argv, &a);
	ix.run_name = a.name != NULL ? a.name : "?";
	ix.fail_fast = a.fail_fast;
	ix.workdir = a.workdir;
	ix.plugins = a.plugins;
	ix.nplugins = a.nplugins;
	ix.monitor = a.monitor;
	ix.next_id = a.pool;
	ix.sigfd = helper_begin("interchange", a.run, a.verbose, 0);
	proctitle_set("weft: interchange run %s", ix.run_name);

	if ((ix.ctx = zmq_ctx_new()) == NULL)
		fatal("zmq_ctx_new");
	ix.pool_sock = zsock_open(ix.ctx, ZMQ_ROUTER, NULL);
	if (ix.pool_sock == NULL ||
	    zsock_bind_bound(ix.pool_sock, "ipc://sock/pools", BOUND_FD) == -1)
		fatalx("cannot bind ipc://sock/pools: %s", zmq_strerror(errno));
	ix.main_sock = zsock_open(ix.ctx, ZMQ_DEALER, NULL);
	if (ix.main_sock == NULL ||
	    zsock_connect(ix.main_sock, "ipc://sock/main") == -1)
		fatalx("cannot connect to main: %s", zmq_strerror(errno));
	heartbeat_init(&ix.main_hb, heartbeat_period(), mono_ms());
	ix.hb_period = ix.main_hb.period;
	ix.checked_ms = mono_ms();
	ix.ctl = ctl_open(ix.ctx, "interchange", "interchange", ix_status_fill,
	    &ix);
	log_info("interchange for run %s ready", ix.run_name);

	if (a.monitor)
		ix.mon = monitor_open(ix.ctx, "interchange");
	ix.loop = loop = evloop_new();
	/* The endpoint pools on other hosts connect to, if any. */
	if (a.listen != NULL && ix_listen(&ix, a.listen, a.verbose) == -1)
		fatalx("cannot listen on %s", a.listen);
	evloop_fd(loop, IX_LIFELINE_FD, ix_lifeline, &ix);
	evloop_fd(loop, ix.sigfd, ix_signalled, &ix);
	evloop_socket(loop, ix.pool_sock, ix_pools_readable, &ix);
	evloop_socket(loop, ix.main_sock, ix_main_readable, &ix);
	ctl_watch(ix.ctl, loop);
	if (ix.mon != NULL)
		evloop_socket(loop, monitor_socket(ix.mon),
		    ix_monitor_readable, &ix);
	evloop_prepare(loop, ix_turn, &ix);
	if (evloop_run(loop) == -1)
		fatal("zmq_poll");
	ix_remote_stop_all(&ix, "the run is over");
	evloop_free(&loop);
	ctl_close(&ix.ctl);
	/* As a pool's: a loaded router may take a while to acknowledge. */
	if (monitor_drain(ix.mon, IX_DRAIN_MS) == -1)
		monitor_spill(ix.mon, "monitor.spool");
	monitor_close(&ix.mon);
	log_info("exiting: %lu tasks received, %lu dispatched, %lu done, "
	    "%zu still queued", ix.received, ix.dispatched, ix.done,
	    ix.qtail - ix.qhead);
	zmq_close(ix.main_sock);
	zmq_close(ix.pool_sock);
	ix_remote_close(&ix);
	zmq_ctx_term(ix.ctx);
	ix_free(&ix);
	roleargs_clear(&a);
	return 0;
}
