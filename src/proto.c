/*
 * proto.c: packing and checking of the messages in proto.h, and the one
 * place where ZeroMQ sockets get their options.  Every received message is
 * checked for version, shape and field types before anyone looks inside,
 * so a confused or hostile peer produces an error, never a crash.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zmq.h>

#include "weft.h"
#include "proto.h"

/* Starts a message of TYPE with NFIELDS fields to follow. */
void
msg_begin(struct msg_out *m, enum msg_type type, uint32_t nfields)
{
	msgpack_sbuffer_init(&m->sbuf);
	msgpack_packer_init(&m->pk, &m->sbuf, msgpack_sbuffer_write);
	msgpack_pack_array(&m->pk, 2 + nfields);
	msgpack_pack_uint32(&m->pk, PROTO_VERSION);
	msgpack_pack_uint32(&m->pk, type);
}

/*
 * Sends the message as one frame, after an identity frame when ID is not
 * NULL (ROUTER sockets).  The message is freed either way.
 */
int
msg_send(void *sock, const void *id, size_t idlen, struct msg_out *m)
{
	int	 rc = 0;

	if (id != NULL && zmq_send(sock, id, idlen, ZMQ_SNDMORE) == -1)
		rc = -1;
	if (rc == 0 && zmq_send(sock, m->sbuf.data, m->sbuf.size, 0) == -1)
		rc = -1;
	msg_out_free(m);
	return rc;
}

void
msg_out_free(struct msg_out *m)
{
	msgpack_sbuffer_destroy(&m->sbuf);
	memset(m, 0, sizeof *m);
}

/* Unpacks and checks the envelope.  Returns -1 for anything malformed. */
int
msg_parse(struct msg_in *m, const void *data, size_t len)
{
	const msgpack_object	*o;
	uint64_t		 version, type;

	msgpack_unpacked_init(&m->up);
	if (msgpack_unpack_next(&m->up, data, len, NULL) !=
	    MSGPACK_UNPACK_SUCCESS)
		goto bad;
	o = &m->up.data;
	if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size < 2)
		goto bad;
	if (msg_get_uint(&o->via.array.ptr[0], &version) == -1 ||
	    version != PROTO_VERSION)
		goto bad;
	if (msg_get_uint(&o->via.array.ptr[1], &type) == -1 ||
	    type < MSG_HELLO || type > MSG_LAST)
		goto bad;
	m->type = type;
	m->fields = o->via.array.ptr + 2;
	m->nfields = o->via.array.size - 2;
	return 0;
bad:
	msgpack_unpacked_destroy(&m->up);
	memset(m, 0, sizeof *m);
	return -1;
}

/*
 * Receives one single-frame message without waiting and checks it.
 * Returns 1 with *zm and *m to be freed by the caller (msg_in_free, then
 * zmq_msg_close), 0 when nothing is waiting, and -1 for a malformed
 * message, which is logged as coming FROM and dropped.
 */
int
msg_recv(void *sock, zmq_msg_t *zm, struct msg_in *m, const char *from)
{
	zmq_msg_init(zm);
	if (zmq_msg_recv(zm, sock, ZMQ_DONTWAIT) == -1) {
		zmq_msg_close(zm);
		return 0;
	}
	if (msg_parse(m, zmq_msg_data(zm), zmq_msg_size(zm)) == -1) {
		log_warnx("malformed message from %s ignored", from);
		zmq_msg_close(zm);
		return -1;
	}
	return 1;
}

/*
 * The same on a ROUTER socket: the sender's identity frame goes to *id,
 * and on 1 the caller closes both frames.
 */
int
msg_recv_routed(void *sock, zmq_msg_t *id, zmq_msg_t *zm, struct msg_in *m,
    const char *from)
{
	zmq_msg_init(id);
	if (zmq_msg_recv(id, sock, ZMQ_DONTWAIT) == -1) {
		zmq_msg_close(id);
		return 0;
	}
	zmq_msg_init(zm);
	if (!zmq_msg_more(id) || zmq_msg_recv(zm, sock, 0) == -1 ||
	    msg_parse(m, zmq_msg_data(zm), zmq_msg_size(zm)) == -1) {
		log_warnx("malformed message from %s ignored", from);
		zmq_msg_close(zm);
		zmq_msg_close(id);
		return -1;
	}
	return 1;
}

void
msg_in_free(struct msg_in *m)
{
	msgpack_unpacked_destroy(&m->up);
	memset(m, 0, sizeof *m);
}

int
msg_get_uint(const msgpack_object *o, uint64_t *v)
{
	if (o->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
		return -1;
	*v = o->via.u64;
	return 0;
}

int
msg_get_int(const msgpack_object *o, int64_t *v)
{
	if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
		if (o->via.u64 > INT64_MAX)
			return -1;
		*v = (int64_t)o->via.u64;
		return 0;
	}
	if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) {
		*v = o->via.i64;
		return 0;
	}
	return -1;
}

static void
pack_str(msgpack_packer *pk, const char *s, size_t len)
{
	msgpack_pack_str(pk, len);
	msgpack_pack_str_body(pk, s, len);
}

void
msg_pack_task(msgpack_packer *pk, const struct msg_task *t)
{
	msgpack_pack_array(pk, 4);
	msgpack_pack_uint32(pk, t->index);
	msgpack_pack_uint32(pk, t->attempt);
	pack_str(pk, t->id, t->id_len);
	pack_str(pk, t->command, t->command_len);
}

int
msg_get_task(const msgpack_object *o, struct msg_task *t)
{
	const msgpack_object	*f;
	uint64_t		 index, attempt;

	if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size != 4)
		return -1;
	f = o->via.array.ptr;
	if (msg_get_uint(&f[0], &index) == -1 || index > UINT32_MAX ||
	    msg_get_uint(&f[1], &attempt) == -1 || attempt > UINT32_MAX ||
	    f[2].type != MSGPACK_OBJECT_STR || f[2].via.str.size == 0 ||
	    f[3].type != MSGPACK_OBJECT_STR)
		return -1;
	t->index = index;
	t->attempt = attempt;
	t->id = f[2].via.str.ptr;
	t->id_len = f[2].via.str.size;
	t->command = f[3].via.str.ptr;
	t->command_len = f[3].via.str.size;
	return 0;
}

void
msg_pack_result(msgpack_packer *pk, const struct msg_result *r)
{
	msgpack_pack_array(pk, 10);
	msgpack_pack_uint32(pk, r->index);
	msgpack_pack_uint32(pk, r->attempt);
	msgpack_pack_int32(pk, r->pool);
	msgpack_pack_int32(pk, r->status);
	msgpack_pack_int32(pk, r->spawn_errno);
	msgpack_pack_int64(pk, r->pid);
	msgpack_pack_uint64(pk, r->wall_us);
	msgpack_pack_uint64(pk, r->utime_us);
	msgpack_pack_uint64(pk, r->stime_us);
	msgpack_pack_int64(pk, r->maxrss_kb);
}

int
msg_get_result(const msgpack_object *o, struct msg_result *r)
{
	const msgpack_object	*f;
	uint64_t		 u[5];
	int64_t			 i[5];

	if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size != 10)
		return -1;
	f = o->via.array.ptr;
	if (msg_get_uint(&f[0], &u[0]) == -1 || u[0] > UINT32_MAX ||
	    msg_get_uint(&f[1], &u[1]) == -1 || u[1] > UINT32_MAX ||
	    msg_get_int(&f[2], &i[0]) == -1 ||
	    msg_get_int(&f[3], &i[1]) == -1 ||
	    msg_get_int(&f[4], &i[2]) == -1 ||
	    msg_get_int(&f[5], &i[3]) == -1 ||
	    msg_get_uint(&f[6], &u[2]) == -1 ||
	    msg_get_uint(&f[7], &u[3]) == -1 ||
	    msg_get_uint(&f[8], &u[4]) == -1 ||
	    msg_get_int(&f[9], &i[4]) == -1)
		return -1;
	r->index = u[0];
	r->attempt = u[1];
	r->pool = i[0];
	r->status = i[1];
	r->spawn_errno = i[2];
	r->pid = i[3];
	r->wall_us = u[2];
	r->utime_us = u[3];
	r->stime_us = u[4];
	r->maxrss_kb = i[4];
	return 0;
}

/* The heartbeat period: HEARTBEAT_MS, or WEFT_HEARTBEAT_MS if valid. */
int
heartbeat_period(void)
{
	const char	*s = getenv("WEFT_HEARTBEAT_MS");
	char		*end;
	long		 v;

	if (s == NULL || *s == '\0')
		return HEARTBEAT_MS;
	v = strtol(s, &end, 10);
	if (*end != '\0' || v < 10 || v > 3600000)
		return HEARTBEAT_MS;
	return (int)v;
}

/*
 * Whether this process was itself stopped (SIGSTOP, a suspended machine)
 * since LAST_MS, its last regular look at its peers: no busy loop leaves
 * HEARTBEAT_RESUMED periods between two looks.  Peers are then not blamed
 * for a silence that was ours, and get a fresh chance to answer.
 */
int
heartbeat_resumed(int64_t last_ms, int period)
{
	int64_t	 gap = mono_ms() - last_ms;

	if (gap < (int64_t)period * HEARTBEAT_RESUMED)
		return 0;
	log_info("no look at heartbeats for %lld ms: this process was "
	    "stopped; peers get a fresh start", (long long)gap);
	return 1;
}

/*
 * Every socket gets LINGER 0 (zmq_ctx_term must never wait for a peer that
 * is gone) and no high-water mark: the number of messages in flight is
 * bounded by the number of tasks, and a blocking or dropping send between
 * weft's own processes would be a deadlock or a lost task.
 */
void *
zsock_open(void *ctx, int type, const char *identity)
{
	void	*s;
	int	 zero = 0, ivl = 10, ivlmax = 200;

	if ((s = zmq_socket(ctx, type)) == NULL)
		return NULL;
	zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof zero);
	zmq_setsockopt(s, ZMQ_SNDHWM, &zero, sizeof zero);
	zmq_setsockopt(s, ZMQ_RCVHWM, &zero, sizeof zero);
	/* A peer that connects before the bind retries quickly. */
	zmq_setsockopt(s, ZMQ_RECONNECT_IVL, &ivl, sizeof ivl);
	zmq_setsockopt(s, ZMQ_RECONNECT_IVL_MAX, &ivlmax, sizeof ivlmax);
	if (identity != NULL)
		zmq_setsockopt(s, ZMQ_ROUTING_ID, identity, strlen(identity));
	return s;
}

int
zsock_bind(void *s, const char *endpoint)
{
	return zmq_bind(s, endpoint);
}

int
zsock_connect(void *s, const char *endpoint)
{
	return zmq_connect(s, endpoint);
}
