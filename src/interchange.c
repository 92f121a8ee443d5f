/*
 * interchange.c: the "weft interchange" helper role, the task broker
 * between main and the pools.
 *
 * Main sends batches of ready tasks; the interchange queues them and
 * hands them to pools by free capacity: first to fill every free slot
 * across the pools, then, while tasks are short, up to one extra task per
 * slot as a prefetch, so that a pool starts its next task the moment one
 * ends instead of waiting for a round trip.  Prefetching long tasks would
 * gain nothing and could leave a task queued behind a long one while
 * another pool idles, so it stops when the average task is long.  Results
 * come back from pools in batches and are passed to main unchanged.
 *
 * Endpoints (relative to the run directory, which is the working
 * directory of every helper, so the path never overflows sun_path):
 * ipc://sock/main, bound by main, which the interchange connects to, and
 * ipc://sock/pools, a ROUTER bound here, which pools connect to.
 *
 * Descriptor 3 is the lifeline from main: EOF means stop now.
 */

#include <sys/signalfd.h>

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zmq.h>

#include "weft.h"
#include "proto.h"

#define IX_LIFELINE_FD		3
#define IX_PREFETCH_MAX_US	50000	/* prefetch while tasks are shorter */
#define IX_PREFETCH_SAMPLES	8	/* results seen before prefetching */

struct ix_task {
	uint32_t	 index;
	char		*data;		/* the packed task, passed on as is */
	size_t		 len;
};

struct ix_pool {
	char		 ident[32];
	size_t		 identlen;
	int		 id;
	uint32_t	 slots;
	uint32_t	 outstanding;	/* sent, no result yet */
	pid_t		 pid;
	/* Batch being built by ix_dispatch. */
	size_t		*batch;
	size_t		 nbatch;
};

struct ix {
	const char	*run_name;
	void		*ctx;
	void		*main_sock;
	void		*pool_sock;
	int		 sigfd;

	struct ix_task	*queue;
	size_t		 qhead, qtail, qcap;

	struct ix_pool	*pools;
	size_t		 npools;

	struct monitor	*mon;		/* NULL: monitoring off */
	unsigned long	 received, dispatched, done;
	double		 avg_wall_us;	/* moving average of task wall time */
};

static void
ix_enqueue(struct ix *ix, const msgpack_object *o, uint32_t index)
{
	msgpack_sbuffer	 sb;
	msgpack_packer	 pk;
	struct ix_task	*t;

	ix->queue = fifo_room(ix->queue, &ix->qhead, &ix->qtail, &ix->qcap,
	    sizeof *ix->queue, 1024);
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_object(&pk, *o);
	t = &ix->queue[ix->qtail++];
	t->index = index;
	t->len = sb.size;
	t->data = msgpack_sbuffer_release(&sb);
	ix->received++;
}

static struct ix_pool *
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

/*
 * Hands queued tasks to pools.  Two rounds: first one task per free slot,
 * spreading over pools; then one prefetched task per slot.
 */
static void
ix_dispatch(struct ix *ix)
{
	struct ix_pool	*pp;
	struct msg_out	 m;
	struct ix_task	*t;
	size_t		 i, j, round, rounds, limit;
	int		 progress;

	if (ix->qhead == ix->qtail || ix->npools == 0)
		return;
	rounds = ix->done >= IX_PREFETCH_SAMPLES &&
	    ix->avg_wall_us < IX_PREFETCH_MAX_US ? 2 : 1;
	for (round = 1; round <= rounds; round++) {
		do {
			progress = 0;
			for (i = 0; i < ix->npools; i++) {
				pp = &ix->pools[i];
				limit = pp->slots * round;
				if (ix->qhead == ix->qtail)
					break;
				if (pp->outstanding + pp->nbatch >= limit)
					continue;
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
			msgpack_sbuffer_write(&m.sbuf, t->data, t->len);
			free(t->data);
			t->data = NULL;
		}
		if (msg_send(ix->pool_sock, pp->ident, pp->identlen, &m) == -1)
			fatalx("cannot send tasks to %s: %s", pp->ident,
			    zmq_strerror(errno));
		log_debug("%zu tasks to %s (%u outstanding)", pp->nbatch,
		    pp->ident, pp->outstanding + (unsigned)pp->nbatch);
		pp->outstanding += pp->nbatch;
		ix->dispatched += pp->nbatch;
		pp->nbatch = 0;
	}
	if (ix->qhead == ix->qtail)
		ix->qhead = ix->qtail = 0;
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
			ix_enqueue(ix, &m.fields[0].via.array.ptr[i], t.index);
		}
		msg_in_free(&m);
		zmq_msg_close(&zm);
	}
}

static void
ix_hello(struct ix *ix, const void *ident, size_t identlen,
    const struct msg_in *m)
{
	struct ix_pool	*pp;
	msgpack_packer	*pk;
	char		 block[16];
	int64_t		 id, slots, pid;

	if (m->nfields != 3 || msg_get_int(&m->fields[0], &id) == -1 ||
	    msg_get_int(&m->fields[1], &slots) == -1 ||
	    msg_get_int(&m->fields[2], &pid) == -1 || slots < 1 ||
	    slots > WEFT_MAX_JOBS || identlen >= sizeof pp->ident) {
		log_warnx("malformed hello ignored");
		return;
	}
	if ((pp = ix_find_pool(ix, ident, identlen)) == NULL) {
		ix->pools = xreallocarray(ix->pools, ix->npools + 1,
		    sizeof *ix->pools);
		pp = &ix->pools[ix->npools++];
		memset(pp, 0, sizeof *pp);
		memcpy(pp->ident, ident, identlen);
		pp->identlen = identlen;
	} else
		free(pp->batch);
	pp->id = id;
	pp->slots = slots;
	pp->pid = pid;
	pp->outstanding = 0;
	pp->batch = xcalloc(2 * slots, sizeof *pp->batch);
	log_info("pool %d registered: pid %ld, %d slots", pp->id, (long)pid,
	    (int)slots);
	if (ix->mon != NULL) {
		pk = monitor_event(ix->mon, EV_BLOCK, 4);
		snprintf(block, sizeof block, "%d", pp->id);
		monitor_pack_str(pk, block);
		monitor_pack_str(pk, "running");
		msgpack_pack_double(pk, db_now());
		msgpack_pack_int64(pk, pid);
	}
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
		if (pp->outstanding > 0)
			pp->outstanding--;
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

static void
ix_from_pools(struct ix *ix)
{
	struct ix_pool	*pp;
	struct msg_in	 m;
	struct msg_out	 out;
	zmq_msg_t	 idm, zm;
	int		 rc;

	while ((rc = msg_recv_routed(ix->pool_sock, &idm, &zm, &m,
	    "a pool")) != 0) {
		if (rc == -1)
			continue;
		pp = ix_find_pool(ix, zmq_msg_data(&idm), zmq_msg_size(&idm));
		if (m.type == MSG_HELLO)
			ix_hello(ix, zmq_msg_data(&idm), zmq_msg_size(&idm),
			    &m);
		else if (pp == NULL)
			log_warnx("message from an unknown pool ignored");
		else if (m.type == MSG_RESULTS)
			ix_results(ix, pp, &m, &zm);
		else if (m.type == MSG_HEARTBEAT) {
			msg_begin(&out, MSG_HEARTBEAT, 0);
			msg_send(ix->pool_sock, pp->ident, pp->identlen, &out);
		} else
			log_warnx("unexpected message type %d from %s",
			    m.type, pp->ident);
		msg_in_free(&m);
		zmq_msg_close(&zm);
		zmq_msg_close(&idm);
	}
}

static void
ix_free(struct ix *ix)
{
	size_t	 i;

	for (i = ix->qhead; i < ix->qtail; i++)
		free(ix->queue[i].data);
	free(ix->queue);
	for (i = 0; i < ix->npools; i++)
		free(ix->pools[i].batch);
	free(ix->pools);
}

static __dead void
ix_usage(void)
{
	fprintf(stderr, "usage: weft interchange --run DIR [--name NNNN] "
	    "[--monitor] [-v]\n");
	exit(EXIT_USAGE);
}

int
interchange_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "run", required_argument, NULL, 'r' },
		{ "name", required_argument, NULL, 'n' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "monitor", no_argument, NULL, 'm' },
		{ NULL, 0, NULL, 0 }
	};
	struct ix		 ix;
	struct signalfd_siginfo	 si;
	zmq_pollitem_t		 items[5];
	const char		*rundir = NULL;
	int			 ch, verbose = 0, stop = 0, monitoring = 0;

	memset(&ix, 0, sizeof ix);
	ix.run_name = "?";
	while ((ch = getopt_long(argc, argv, "v", longopts, NULL)) != -1) {
		switch (ch) {
		case 'r':
			rundir = optarg;
			break;
		case 'n':
			ix.run_name = optarg;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'm':
			monitoring = 1;
			break;
		default:
			ix_usage();
		}
	}
	if (rundir == NULL || optind != argc)
		ix_usage();
	ix.sigfd = helper_begin("interchange", rundir, verbose, 0);
	proctitle_set("weft: interchange run %s", ix.run_name);

	if ((ix.ctx = zmq_ctx_new()) == NULL)
		fatal("zmq_ctx_new");
	ix.pool_sock = zsock_open(ix.ctx, ZMQ_ROUTER, NULL);
	if (ix.pool_sock == NULL ||
	    zsock_bind(ix.pool_sock, "ipc://sock/pools") == -1)
		fatalx("cannot bind ipc://sock/pools: %s", zmq_strerror(errno));
	ix.main_sock = zsock_open(ix.ctx, ZMQ_DEALER, NULL);
	if (ix.main_sock == NULL ||
	    zsock_connect(ix.main_sock, "ipc://sock/main") == -1)
		fatalx("cannot connect to main: %s", zmq_strerror(errno));
	log_info("interchange for run %s ready", ix.run_name);

	items[0] = (zmq_pollitem_t){ ix.main_sock, 0, ZMQ_POLLIN, 0 };
	items[1] = (zmq_pollitem_t){ ix.pool_sock, 0, ZMQ_POLLIN, 0 };
	items[2] = (zmq_pollitem_t){ NULL, ix.sigfd, ZMQ_POLLIN, 0 };
	items[3] = (zmq_pollitem_t){ NULL, IX_LIFELINE_FD, ZMQ_POLLIN, 0 };
	if (monitoring)
		ix.mon = monitor_open(ix.ctx, "interchange");
	items[4] = (zmq_pollitem_t){ monitor_socket(ix.mon), 0, ZMQ_POLLIN, 0 };
	while (!stop) {
		if (zmq_poll(items, ix.mon != NULL ? 5 : 4,
		    monitor_timeout(ix.mon)) == -1) {
			if (errno == EINTR)
				continue;
			fatal("zmq_poll");
		}
		if (items[3].revents != 0) {
			log_info("lifeline closed: main is done or gone");
			stop = 1;
		}
		if (items[2].revents != 0 &&
		    read(ix.sigfd, &si, sizeof si) == sizeof si) {
			log_info("stopping on %s", strsignal(si.ssi_signo));
			stop = 1;
		}
		if (items[1].revents != 0)
			ix_from_pools(&ix);
		if (items[0].revents != 0)
			ix_from_main(&ix);
		if (ix.mon != NULL && items[4].revents != 0)
			monitor_recv(ix.mon);
		ix_dispatch(&ix);
		monitor_tick(ix.mon);
	}
	monitor_drain(ix.mon, 600);
	monitor_close(&ix.mon);
	log_info("exiting: %lu tasks received, %lu dispatched, %lu done, "
	    "%zu still queued", ix.received, ix.dispatched, ix.done,
	    ix.qtail - ix.qhead);
	zmq_close(ix.main_sock);
	zmq_close(ix.pool_sock);
	zmq_ctx_term(ix.ctx);
	ix_free(&ix);
	return 0;
}
