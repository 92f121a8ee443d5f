/*
 * test-proto.c: a try's result as it travels from a pool through the
 * interchange to main (msg_pack_result and msg_get_result in proto.c):
 * every field comes back as it went, a call's worker and output ranges
 * with them, and a result that is not exactly what a pool sends (another
 * length, a range with half its numbers, a range without a worker) is
 * refused.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "weft.h"
#include "proto.h"

static void
sample(struct msg_result *r)
{
	memset(r, 0, sizeof *r);
	r->index = 7;
	r->attempt = 2;
	r->pool = 1;
	r->outcome = OUT_WORKER_DIED;
	r->status = 11;
	r->pid = 4242;
	r->wall_us = 1500;
	r->maxrss_kb = -1;
	r->began = 1.5;
	r->ended = 2.5;
	r->has_usage = 1;
	r->worker = 3;
	r->out_offset = 100;
	r->out_length = 0;
	r->err_offset = 5000000000LL;
	r->err_length = 42;
	r->message = "worker killed by SIGSEGV";
	r->message_len = strlen(r->message);
}

/* Packs R, unpacks it into GOT; returns msg_get_result's answer. */
static int
round_trip(const struct msg_result *r, struct msg_result *got,
    msgpack_sbuffer *sb, msgpack_unpacked *up)
{
	msgpack_packer	 pk;
	size_t		 off = 0;

	msgpack_sbuffer_init(sb);
	msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
	msg_pack_result(&pk, r);
	msgpack_unpacked_init(up);
	assert_int_equal(msgpack_unpack_next(up, sb->data, sb->size, &off),
	    MSGPACK_UNPACK_SUCCESS);
	return msg_get_result(&up->data, got);
}

static void
done(msgpack_sbuffer *sb, msgpack_unpacked *up)
{
	msgpack_unpacked_destroy(up);
	msgpack_sbuffer_destroy(sb);
}

static void
test_round_trip(void **state)
{
	struct msg_result	 r, got;
	msgpack_sbuffer		 sb;
	msgpack_unpacked	 up;

	(void)state;
	sample(&r);
	assert_int_equal(round_trip(&r, &got, &sb, &up), 0);
	assert_int_equal(got.index, 7);
	assert_int_equal(got.attempt, 2);
	assert_int_equal(got.pool, 1);
	assert_int_equal(got.outcome, OUT_WORKER_DIED);
	assert_int_equal(got.status, 11);
	assert_int_equal(got.pid, 4242);
	assert_int_equal(got.maxrss_kb, -1);
	assert_int_equal(got.worker, 3);
	assert_int_equal(got.out_offset, 100);
	assert_int_equal(got.out_length, 0);
	assert_true(got.err_offset == 5000000000LL);
	assert_int_equal(got.err_length, 42);
	assert_int_equal(got.message_len, r.message_len);
	assert_memory_equal(got.message, r.message, r.message_len);
	assert_null(got.value);
	done(&sb, &up);

	/* A command: no worker, no ranges. */
	r.worker = -1;
	r.out_offset = r.out_length = r.err_offset = r.err_length = -1;
	assert_int_equal(round_trip(&r, &got, &sb, &up), 0);
	assert_int_equal(got.worker, -1);
	assert_int_equal(got.out_offset, -1);
	assert_int_equal(got.err_length, -1);
	done(&sb, &up);

	/* A call whose stderr range is not known. */
	r.worker = 0;
	r.out_offset = 0;
	r.out_length = 9;
	assert_int_equal(round_trip(&r, &got, &sb, &up), 0);
	assert_int_equal(got.out_length, 9);
	assert_int_equal(got.err_offset, -1);
	done(&sb, &up);
}

static void
test_refused(void **state)
{
	struct msg_result	 r, got;
	msgpack_sbuffer		 sb;
	msgpack_unpacked	 up;
	msgpack_packer		 pk;
	size_t			 off = 0;

	(void)state;
	/* Half a range. */
	sample(&r);
	r.out_length = -1;
	assert_int_equal(round_trip(&r, &got, &sb, &up), -1);
	done(&sb, &up);
	sample(&r);
	r.err_offset = -1;
	assert_int_equal(round_trip(&r, &got, &sb, &up), -1);
	done(&sb, &up);
	/* A range without a worker. */
	sample(&r);
	r.worker = -1;
	assert_int_equal(round_trip(&r, &got, &sb, &up), -1);
	done(&sb, &up);
	/* Below -1. */
	sample(&r);
	r.out_offset = -2;
	assert_int_equal(round_trip(&r, &got, &sb, &up), -1);
	done(&sb, &up);
	sample(&r);
	r.worker = -5;
	r.out_offset = r.out_length = r.err_offset = r.err_length = -1;
	assert_int_equal(round_trip(&r, &got, &sb, &up), -1);
	done(&sb, &up);

	/* The 20 fields of a result before ranges travelled. */
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	sample(&r);
	msg_pack_result(&pk, &r);
	msgpack_unpacked_init(&up);
	assert_int_equal(msgpack_unpack_next(&up, sb.data, sb.size, &off),
	    MSGPACK_UNPACK_SUCCESS);
	up.data.via.array.size = 20;
	assert_int_equal(msg_get_result(&up.data, &got), -1);
	up.data.via.array.size = 24;
	assert_int_equal(msg_get_result(&up.data, &got), -1);
	up.data.via.array.size = 25;
	assert_int_equal(msg_get_result(&up.data, &got), 0);
	/* A range that is not a number. */
	up.data.via.array.ptr[21].type = MSGPACK_OBJECT_NIL;
	assert_int_equal(msg_get_result(&up.data, &got), -1);
	done(&sb, &up);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
