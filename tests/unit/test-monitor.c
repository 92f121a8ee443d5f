/*
 * test-monitor.c: the order in which a sender's batches of events reach
 * a router (monitor.c).  Batches kept while main knows its router is
 * dead (monitor_hold) go, with the one the dead router took and lost,
 * in the order they were made once the next router starts
 * (monitor_release); a batch acknowledged is never sent again.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <zmq.h>

#include "weft.h"
#include "proto.h"

#define ENDPOINT	"inproc://router"

/* The next batch at the router within WAIT ms: its seq, or 0 if none. */
static uint64_t
next_seq(void *router, int wait, zmq_msg_t *id)
{
	zmq_pollitem_t	 it = { router, 0, ZMQ_POLLIN, 0 };
	zmq_msg_t	 body;
	struct msg_in	 in;
	uint64_t	 seq = 0;

	if (zmq_poll(&it, 1, wait) != 1)
		return 0;
	zmq_msg_init(id);
	zmq_msg_init(&body);
	assert_true(zmq_msg_recv(id, router, 0) != -1);
	assert_true(zmq_msg_recv(&body, router, 0) != -1);
	assert_int_equal(msg_parse(&in, zmq_msg_data(&body),
	    zmq_msg_size(&body)), 0);
	assert_int_equal(in.type, MSG_EVENTS);
	assert_int_equal(msg_get_uint(&in.fields[1], &seq), 0);
	msg_in_free(&in);
	zmq_msg_close(&body);
	return seq;
}

/* One status event, in a batch of its own. */
static void
batch(struct monitor *m, uint32_t task)
{
	monitor_status(m, task, 0, "running", 1.0);
	monitor_flush(m);
}

static void
ack(void *router, zmq_msg_t *id, uint64_t seq)
{
	struct msg_out	 out;

	msg_begin(&out, MSG_ACK, 1);
	msgpack_pack_uint64(&out.pk, seq);
	assert_int_equal(zmq_msg_send(id, router, ZMQ_SNDMORE) != -1, 1);
	assert_int_equal(zmq_send(router, out.sbuf.data, out.sbuf.size, 0) !=
	    -1, 1);
	msg_out_free(&out);
}

static void
test_held_batches_follow_the_lost_one(void **state)
{
	void		*ctx, *router;
	struct monitor	*m;
	zmq_msg_t	 id;
	int		 zero = 0;

	(void)state;
	assert_non_null(ctx = zmq_ctx_new());
	assert_non_null(router = zmq_socket(ctx, ZMQ_ROUTER));
	zmq_setsockopt(router, ZMQ_LINGER, &zero, sizeof zero);
	assert_int_equal(zmq_bind(router, ENDPOINT), 0);
	assert_non_null(m = monitor_connect(ctx, "main", ENDPOINT, NULL));

	/* Batch 1 is acknowledged; batch 2 is taken by a router that dies. */
	batch(m, 1);
	assert_int_equal(next_seq(router, 1000, &id), 1);
	ack(router, &id, 1);
	zmq_msg_close(&id);
	batch(m, 2);
	assert_int_equal(next_seq(router, 1000, &id), 2);
	zmq_msg_close(&id);
	usleep(100 * 1000);
	monitor_recv(m);

	/* Main saw it die: batches 3 and 4 are kept, not sent. */
	monitor_hold(m);
	batch(m, 3);
	batch(m, 4);
	monitor_tick(m);
	assert_int_equal(next_seq(router, 200, &id), 0);

	/* The next router gets 2, 3 and 4, in that order; 1 is done. */
	monitor_release(m);
	assert_int_equal(next_seq(router, 1000, &id), 2);
	zmq_msg_close(&id);
	assert_int_equal(next_seq(router, 1000, &id), 3);
	zmq_msg_close(&id);
	assert_int_equal(next_seq(router, 1000, &id), 4);
	zmq_msg_close(&id);
	assert_int_equal(next_seq(router, 200, &id), 0);
	assert_int_equal(monitor_pending(m), 3);

	monitor_close(&m);
	zmq_close(router);
	zmq_ctx_term(ctx);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_held_batches_follow_the_lost_one),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
