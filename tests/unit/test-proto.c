/*
 * test-proto.c: a try's result as it travels from a pool through the
 * interchange to main (msg_pack_result and msg_get_result in proto.c):
 * every field comes back as it went, a call's worker and output ranges
 * with them, and a result that is not exactly what a pool sends (another
 * length, a range with half its numbers, a range without a worker) is
 * refused.  And the head of a batch of events as the router reads it
 * (msg_events_head), which must agree with the whole message unpacked.
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

/* A MSG_EVENTS message from SENDER (LEN bytes), SEQ, with N nil events. */
static void
events_message(struct msg_out *m, const char *sender, size_t len,
    uint64_t seq, uint32_t n)
{
	uint32_t	 i;

	msg_begin(m, MSG_EVENTS, 3);
	msgpack_pack_str(&m->pk, len);
	msgpack_pack_str_body(&m->pk, sender, len);
	msgpack_pack_uint64(&m->pk, seq);
	msgpack_pack_array(&m->pk, n);
	for (i = 0; i < n; i++)
		msgpack_pack_nil(&m->pk);
}

/* The head read from the first bytes agrees with the message unpacked. */
static void
check_head(const char *sender, size_t len, uint64_t seq, uint32_t n)
{
	struct msg_events_head	 h;
	struct msg_out		 m;
	struct msg_in		 in;
	uint64_t		 got;

	events_message(&m, sender, len, seq, n);
	assert_int_equal(msg_events_head(m.sbuf.data, m.sbuf.size, &h), 1);
	assert_int_equal(h.sender_len, len);
	assert_memory_equal(h.sender, sender, len);
	assert_true(h.seq == seq);
	assert_int_equal(h.nevents, n);
	assert_int_equal(msg_parse(&in, m.sbuf.data, m.sbuf.size), 0);
	assert_int_equal(in.type, MSG_EVENTS);
	assert_int_equal(in.fields[0].via.str.size, h.sender_len);
	assert_int_equal(msg_get_uint(&in.fields[1], &got), 0);
	assert_true(got == h.seq);
	assert_int_equal(in.fields[2].via.array.size, h.nevents);
	msg_in_free(&in);
	msg_out_free(&m);
}

static void
test_events_head(void **state)
{
	struct msg_events_head	 h;
	struct msg_out		 m;
	char			 name[70000];
	size_t			 len;

	(void)state;
	memset(name, 'p', sizeof name);
	/* Each length of each header: fixed, 8, 16, 32 and 64 bits. */
	check_head("main/42", 7, 1, 0);
	check_head("pool-0/4242", 11, 127, 15);
	check_head(name, 31, 128, 16);
	check_head(name, 32, 255, 65535);
	check_head(name, 255, 256, 65536);
	check_head(name, 256, 65536, 3);
	check_head(name, sizeof name, 5000000000ULL, 1);
	check_head("", 0, UINT64_MAX, 2);

	/* Another type: msg_parse's, and nothing is read into H. */
	msg_begin(&m, MSG_FINISH, 0);
	assert_int_equal(msg_events_head(m.sbuf.data, m.sbuf.size, &h), 0);
	msg_out_free(&m);

	/* Cut anywhere in its head: no message. */
	events_message(&m, "main/42", 7, 70000, 20);
	for (len = 0; len < 1 + 1 + 1 + 8 + 5 + 3; len++)
		assert_int_equal(msg_events_head(m.sbuf.data, len, &h), -1);
	/* Another version. */
	((uint8_t *)m.sbuf.data)[1] = PROTO_VERSION + 1;
	assert_int_equal(msg_events_head(m.sbuf.data, m.sbuf.size, &h), -1);
	msg_out_free(&m);

	/* Fields that are not a batch's: one too many, a sender in bin. */
	msg_begin(&m, MSG_EVENTS, 4);
	msgpack_pack_str(&m.pk, 1);
	msgpack_pack_str_body(&m.pk, "x", 1);
	msgpack_pack_uint64(&m.pk, 1);
	msgpack_pack_array(&m.pk, 0);
	msgpack_pack_nil(&m.pk);
	assert_int_equal(msg_events_head(m.sbuf.data, m.sbuf.size, &h), -1);
	msg_out_free(&m);
	msg_begin(&m, MSG_EVENTS, 3);
	msgpack_pack_bin(&m.pk, 1);
	msgpack_pack_bin_body(&m.pk, "x", 1);
	msgpack_pack_uint64(&m.pk, 1);
	msgpack_pack_array(&m.pk, 0);
	assert_int_equal(msg_events_head(m.sbuf.data, m.sbuf.size, &h), -1);
	msg_out_free(&m);
	/* A sequence number that is negative. */
	msg_begin(&m, MSG_EVENTS, 3);
	msgpack_pack_str(&m.pk, 1);
	msgpack_pack_str_body(&m.pk, "x", 1);
	msgpack_pack_int64(&m.pk, -3);
	msgpack_pack_array(&m.pk, 0);
	assert_int_equal(msg_events_head(m.sbuf.data, m.sbuf.size, &h), -1);
	msg_out_free(&m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_events_head),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
