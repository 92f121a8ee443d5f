/*
 * proto.c: packing and checking of the messages in proto.h, and the one
 * place where ZeroMQ sockets get their options.  Every received message is
 * checked for version, shape and field types before anyone looks inside,
 * so a confused or hostile peer produces an error, never a crash.
 */

#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zmq.h>

#include "weft.h"
#include "proto.h"

#define MSG_WRITE_WAIT_MS	30000

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

/*
 * Checks the envelope of an unpacked message, [PROTO_VERSION, type,
 * fields...], and points M at its fields.  Returns -1 if it is not one.
 */
static int
msg_envelope(struct msg_in *m)
{
	const msgpack_object	*o = &m->up.data;
	uint64_t		 version, type;

	if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size < 2 ||
	    msg_get_uint(&o->via.array.ptr[0], &version) == -1 ||
	    version != PROTO_VERSION ||
	    msg_get_uint(&o->via.array.ptr[1], &type) == -1 ||
	    type < MSG_HELLO || type > MSG_LAST)
		return -1;
	m->type = type;
	m->fields = o->via.array.ptr + 2;
	m->nfields = o->via.array.size - 2;
	return 0;
}

/* Unpacks and checks the envelope.  Returns -1 for anything malformed. */
int
msg_parse(struct msg_in *m, const void *data, size_t len)
{
	msgpack_unpacked_init(&m->up);
	if (msgpack_unpack_next(&m->up, data, len, NULL) !=
	    MSGPACK_UNPACK_SUCCESS || msg_envelope(m) == -1) {
		msgpack_unpacked_destroy(&m->up);
		memset(m, 0, sizeof *m);
		return -1;
	}
	return 0;
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
	int	 rc;

	if ((rc = msg_recv_frames(sock, id, zm, from)) != 1)
		return rc;
	if (msg_parse(m, zmq_msg_data(zm), zmq_msg_size(zm)) == -1) {
		log_warnx("malformed message from %s ignored", from);
		zmq_msg_close(zm);
		zmq_msg_close(id);
		return -1;
	}
	return 1;
}

/*
 * The same, the message left unread: 1 with both frames for the caller
 * to close, 0 when nothing is waiting, -1 (logged) for a message
 * without its two frames.
 */
int
msg_recv_frames(void *sock, zmq_msg_t *id, zmq_msg_t *zm, const char *from)
{
	zmq_msg_init(id);
	if (zmq_msg_recv(id, sock, ZMQ_DONTWAIT) == -1) {
		zmq_msg_close(id);
		return 0;
	}
	zmq_msg_init(zm);
	if (!zmq_msg_more(id) || zmq_msg_recv(zm, sock, 0) == -1) {
		log_warnx("malformed message from %s ignored", from);
		zmq_msg_close(zm);
		zmq_msg_close(id);
		return -1;
	}
	return 1;
}

/*
 * A cursor over the first bytes of a message, for msg_events_head: each
 * reader takes one MessagePack header of its kind, the shortest forms
 * msgpack-c packs and the longer ones, or fails.  msgpack-c unpacks only
 * whole objects, and a batch's whole object is thousands of events.
 */
struct head_cursor {
	const uint8_t	*p, *end;
};

static int
head_bytes(struct head_cursor *c, size_t n, uint64_t *v)
{
	if ((size_t)(c->end - c->p) < n)
		return -1;
	for (*v = 0; n > 0; n--)
		*v = *v << 8 | *c->p++;
	return 0;
}

static int
head_uint(struct head_cursor *c, uint64_t *v)
{
	uint8_t	 b;

	if (c->p == c->end)
		return -1;
	b = *c->p++;
	if (b <= 0x7f) {
		*v = b;
		return 0;
	}
	if (b >= 0xcc && b <= 0xcf)
		return head_bytes(c, (size_t)1 << (b - 0xcc), v);
	return -1;
}

static int
head_array(struct head_cursor *c, uint64_t *n)
{
	uint8_t	 b;

	if (c->p == c->end)
		return -1;
	b = *c->p++;
	if ((b & 0xf0) == 0x90) {
		*n = b & 0x0f;
		return 0;
	}
	if (b == 0xdc || b == 0xdd)
		return head_bytes(c, b == 0xdc ? 2 : 4, n);
	return -1;
}

static int
head_str(struct head_cursor *c, const char **s, uint64_t *len)
{
	uint8_t	 b;

	if (c->p == c->end)
		return -1;
	b = *c->p++;
	if ((b & 0xe0) == 0xa0)
		*len = b & 0x1f;
	else if (b < 0xd9 || b > 0xdb ||
	    head_bytes(c, (size_t)1 << (b - 0xd9), len) == -1)
		return -1;
	if ((uint64_t)(c->end - c->p) < *len)
		return -1;
	*s = (const char *)c->p;
	c->p += *len;
	return 0;
}

/*
 * Reads the head of the message in DATA: 1 for a MSG_EVENTS message,
 * its head in *H (its events are not looked at: whoever applies them
 * checks them); 0 for a message of another type, for msg_parse; -1 for
 * bytes that are no message of this version.
 */
int
msg_events_head(const void *data, size_t len, struct msg_events_head *h)
{
	struct head_cursor	 c = { data, (const uint8_t *)data + len };
	uint64_t		 n, version, type, slen, nevents;

	if (head_array(&c, &n) == -1 || n < 2 ||
	    head_uint(&c, &version) == -1 || version != PROTO_VERSION ||
	    head_uint(&c, &type) == -1 || type < MSG_HELLO || type > MSG_LAST)
		return -1;
	if (type != MSG_EVENTS)
		return 0;
	if (n != 5 || head_str(&c, &h->sender, &slen) == -1 ||
	    head_uint(&c, &h->seq) == -1 || head_array(&c, &nevents) == -1)
		return -1;
	h->sender_len = (uint32_t)slen;
	h->nevents = (uint32_t)nevents;
	return 1;
}

void
msg_in_free(struct msg_in *m)
{
	msgpack_unpacked_destroy(&m->up);
	memset(m, 0, sizeof *m);
}

/*
 * A string field, with no NUL in it, into BUF of SIZE; -1 if it is not
 * one, or does not fit.
 */
int
msg_get_text(const msgpack_object *o, char *buf, size_t size)
{
	const char	*s;
	uint32_t	 len;

	if (msg_get_str(o, &s, &len) == -1 || len >= size ||
	    memchr(s, '\0', len) != NULL)
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	return 0;
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

void
msg_pack_str(msgpack_packer *pk, const char *s, size_t len)
{
	if (s == NULL) {
		msgpack_pack_nil(pk);
		return;
	}
	msgpack_pack_str(pk, len);
	msgpack_pack_str_body(pk, s, len);
}

/* A string field; nil gives NULL. */
int
msg_get_str(const msgpack_object *o, const char **s, uint32_t *len)
{
	if (o->type == MSGPACK_OBJECT_NIL) {
		*s = NULL;
		*len = 0;
		return 0;
	}
	if (o->type != MSGPACK_OBJECT_STR)
		return -1;
	*s = o->via.str.ptr;
	*len = o->via.str.size;
	return 0;
}

/* An array of N strings (N: UINT32_MAX for any length). */
int
msg_get_strs(const msgpack_object *o, uint32_t n)
{
	uint32_t	 i;

	if (o->type != MSGPACK_OBJECT_ARRAY ||
	    (n != UINT32_MAX && o->via.array.size != n))
		return -1;
	for (i = 0; i < o->via.array.size; i++) {
		if (o->via.array.ptr[i].type != MSGPACK_OBJECT_STR)
			return -1;
	}
	return 0;
}

static void
pack_strs(msgpack_packer *pk, char *const *v, size_t n)
{
	size_t	 i;

	msgpack_pack_array(pk, n);
	for (i = 0; i < n; i++)
		msg_pack_str(pk, v[i], strlen(v[i]));
}

void
msg_pack_task(msgpack_packer *pk, const struct msg_task *t)
{
	int	 fn = t->kind == TASK_FUNCTION;

	msgpack_pack_array(pk, 15);
	msgpack_pack_uint32(pk, t->index);
	msgpack_pack_uint32(pk, t->attempt);
	msg_pack_str(pk, t->id, t->id_len);
	msgpack_pack_int64(pk, t->walltime_ms);
	msgpack_pack_uint32(pk, t->kind);
	msg_pack_str(pk, fn ? NULL : t->command, t->command_len);
	msg_pack_str(pk, fn ? t->plugin : NULL, t->plugin_len);
	msg_pack_str(pk, fn ? t->symbol : NULL, t->symbol_len);
	pack_strs(pk, t->arg_names, fn ? t->nargs : 0);
	pack_strs(pk, t->arg_values, fn ? t->nargs : 0);
	pack_strs(pk, t->inputs, t->ninputs);
	pack_strs(pk, t->outputs, t->noutputs);
	msgpack_pack_double(pk, t->launched);
	pack_strs(pk, t->env, t->nenv);
	msgpack_pack_array(pk, 3);
	msgpack_pack_uint32(pk, t->cores > 0 ? t->cores : 1);
	msgpack_pack_int64(pk, t->memory);
	msgpack_pack_uint32(pk, t->gpus);
}

int
msg_get_task(const msgpack_object *o, struct msg_task *t)
{
	const msgpack_object	*f, *res;
	uint64_t		 index, attempt, kind, cores, gpus;
	int64_t			 walltime, memory;

	if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size != 15 ||
	    o->via.array.ptr[12].type != MSGPACK_OBJECT_FLOAT64)
		return -1;
	f = o->via.array.ptr;
	memset(t, 0, sizeof *t);
	t->launched = f[12].via.f64;
	if (msg_get_uint(&f[0], &index) == -1 || index > UINT32_MAX ||
	    msg_get_uint(&f[1], &attempt) == -1 || attempt > UINT32_MAX ||
	    f[2].type != MSGPACK_OBJECT_STR || f[2].via.str.size == 0 ||
	    msg_get_int(&f[3], &walltime) == -1 || walltime < 0 ||
	    msg_get_uint(&f[4], &kind) == -1 || kind > TASK_FUNCTION ||
	    msg_get_str(&f[5], &t->command, &t->command_len) == -1 ||
	    msg_get_str(&f[6], &t->plugin, &t->plugin_len) == -1 ||
	    msg_get_str(&f[7], &t->symbol, &t->symbol_len) == -1 ||
	    msg_get_strs(&f[8], UINT32_MAX) == -1 ||
	    msg_get_strs(&f[9], f[8].via.array.size) == -1 ||
	    msg_get_strs(&f[10], UINT32_MAX) == -1 ||
	    msg_get_strs(&f[11], UINT32_MAX) == -1 ||
	    msg_get_strs(&f[13], UINT32_MAX) == -1 ||
	    f[14].type != MSGPACK_OBJECT_ARRAY || f[14].via.array.size != 3)
		return -1;
	res = f[14].via.array.ptr;
	if (msg_get_uint(&res[0], &cores) == -1 || cores < 1 ||
	    cores > WEFT_MAX_RESOURCE || msg_get_int(&res[1], &memory) == -1 ||
	    memory < 0 || msg_get_uint(&res[2], &gpus) == -1 ||
	    gpus > WEFT_MAX_RESOURCE)
		return -1;
	t->cores = cores;
	t->memory = memory;
	t->gpus = gpus;
	t->index = index;
	t->attempt = attempt;
	t->id = f[2].via.str.ptr;
	t->id_len = f[2].via.str.size;
	t->walltime_ms = walltime;
	t->kind = kind;
	if (kind == TASK_COMMAND ? t->command == NULL :
	    t->plugin == NULL || t->symbol == NULL)
		return -1;
	t->args_o = &f[8];
	t->values_o = &f[9];
	t->inputs_o = &f[10];
	t->outputs_o = &f[11];
	t->env_o = &f[13];
	return 0;
}

void
msg_pack_result(msgpack_packer *pk, const struct msg_result *r)
{
	msgpack_pack_array(pk, 25);
	msgpack_pack_uint32(pk, r->index);
	msgpack_pack_uint32(pk, r->attempt);
	msgpack_pack_int32(pk, r->pool);
	msgpack_pack_uint32(pk, r->outcome);
	msgpack_pack_int32(pk, r->status);
	msgpack_pack_int32(pk, r->spawn_errno);
	msgpack_pack_int64(pk, r->pid);
	msgpack_pack_uint64(pk, r->wall_us);
	msgpack_pack_uint64(pk, r->utime_us);
	msgpack_pack_uint64(pk, r->stime_us);
	msgpack_pack_int64(pk, r->maxrss_kb);
	msg_pack_str(pk, r->message, r->message_len);
	msg_pack_str(pk, r->value, r->value_len);
	msgpack_pack_double(pk, r->began);
	msgpack_pack_double(pk, r->ended);
	msgpack_pack_int(pk, r->has_usage);
	msgpack_pack_int64(pk, r->nvcsw);
	msgpack_pack_int64(pk, r->nivcsw);
	msgpack_pack_int64(pk, r->inblock);
	msgpack_pack_int64(pk, r->oublock);
	msgpack_pack_int32(pk, r->worker);
	msgpack_pack_int64(pk, r->out_offset);
	msgpack_pack_int64(pk, r->out_length);
	msgpack_pack_int64(pk, r->err_offset);
	msgpack_pack_int64(pk, r->err_length);
}

int
msg_get_result(const msgpack_object *o, struct msg_result *r)
{
	const msgpack_object	*f;
	uint64_t		 u[7];
	int64_t			 i[14];
	int			 k;

	if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size != 25 ||
	    o->via.array.ptr[13].type != MSGPACK_OBJECT_FLOAT64 ||
	    o->via.array.ptr[14].type != MSGPACK_OBJECT_FLOAT64)
		return -1;
	f = o->via.array.ptr;
	memset(r, 0, sizeof *r);
	if (msg_get_uint(&f[0], &u[0]) == -1 || u[0] > UINT32_MAX ||
	    msg_get_uint(&f[1], &u[1]) == -1 || u[1] > UINT32_MAX ||
	    msg_get_int(&f[2], &i[0]) == -1 ||
	    msg_get_uint(&f[3], &u[5]) == -1 || u[5] > OUT_LAST ||
	    msg_get_int(&f[4], &i[1]) == -1 ||
	    msg_get_int(&f[5], &i[2]) == -1 ||
	    msg_get_int(&f[6], &i[3]) == -1 ||
	    msg_get_uint(&f[7], &u[2]) == -1 ||
	    msg_get_uint(&f[8], &u[3]) == -1 ||
	    msg_get_uint(&f[9], &u[4]) == -1 ||
	    msg_get_int(&f[10], &i[4]) == -1 ||
	    msg_get_str(&f[11], &r->message, &r->message_len) == -1 ||
	    msg_get_str(&f[12], &r->value, &r->value_len) == -1 ||
	    msg_get_uint(&f[15], &u[6]) == -1 ||
	    msg_get_int(&f[16], &i[5]) == -1 ||
	    msg_get_int(&f[17], &i[6]) == -1 ||
	    msg_get_int(&f[18], &i[7]) == -1 ||
	    msg_get_int(&f[19], &i[8]) == -1)
		return -1;
	/* The worker, then two ranges: each -1 and -1, or both valid. */
	for (k = 9; k < 14; k++) {
		if (msg_get_int(&f[k + 11], &i[k]) == -1 || i[k] < -1)
			return -1;
	}
	if (i[9] > INT32_MAX || (i[10] == -1) != (i[11] == -1) ||
	    (i[12] == -1) != (i[13] == -1) || (i[9] == -1 &&
	    (i[10] != -1 || i[12] != -1)))
		return -1;
	r->worker = i[9];
	r->out_offset = i[10];
	r->out_length = i[11];
	r->err_offset = i[12];
	r->err_length = i[13];
	r->began = f[13].via.f64;
	r->ended = f[14].via.f64;
	r->has_usage = u[6] != 0;
	r->nvcsw = i[5];
	r->nivcsw = i[6];
	r->inblock = i[7];
	r->oublock = i[8];
	r->index = u[0];
	r->attempt = u[1];
	r->pool = i[0];
	r->outcome = u[5];
	r->status = i[1];
	r->spawn_errno = i[2];
	r->pid = i[3];
	r->wall_us = u[2];
	r->utime_us = u[3];
	r->stime_us = u[4];
	r->maxrss_kb = i[4];
	return 0;
}

/*
 * The next whole message from a byte stream (a pool and its workers talk
 * over a socketpair).  Returns 1 with *m to be freed by msg_in_free, 0 when
 * more bytes are needed, and -1 for a malformed stream, which cannot be
 * resynchronised.
 */
int
msg_next(msgpack_unpacker *u, struct msg_in *m)
{
	msgpack_unpack_return	 rc;

	memset(m, 0, sizeof *m);
	msgpack_unpacked_init(&m->up);
	rc = msgpack_unpacker_next(u, &m->up);
	if (rc == MSGPACK_UNPACK_CONTINUE) {
		msgpack_unpacked_destroy(&m->up);
		return 0;
	}
	if (rc == MSGPACK_UNPACK_SUCCESS && msg_envelope(m) == 0)
		return 1;
	msgpack_unpacked_destroy(&m->up);
	memset(m, 0, sizeof *m);
	return -1;
}

/*
 * Reads what is there from a stream into U.  Returns the bytes read, 0 at
 * end of file or an error, and -1 with EAGAIN when there is nothing yet.
 */
ssize_t
msg_read(int fd, msgpack_unpacker *u, size_t chunk)
{
	ssize_t	 n;

	if (!msgpack_unpacker_reserve_buffer(u, chunk))
		fatalx("out of memory");
	do
		n = read(fd, msgpack_unpacker_buffer(u),
		    msgpack_unpacker_buffer_capacity(u));
	while (n == -1 && errno == EINTR);
	if (n == -1 && errno == EAGAIN)
		return -1;
	if (n <= 0)
		return 0;
	msgpack_unpacker_buffer_consumed(u, n);
	return n;
}

/*
 * Writes a whole message to a stream descriptor, then frees it.  On a
 * non-blocking one, waits for room up to MSG_WRITE_WAIT_MS in all.
 */
int
msg_write(int fd, struct msg_out *m)
{
	struct pollfd	 pfd = { fd, POLLOUT, 0 };
	const char	*p = m->sbuf.data;
	size_t		 left = m->sbuf.size;
	int64_t		 deadline = mono_ms() + MSG_WRITE_WAIT_MS;
	ssize_t		 n;
	int		 rc = 0;

	while (left > 0) {
		n = write(fd, p, left);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN && mono_ms() < deadline &&
		    poll(&pfd, 1, (int)(deadline - mono_ms())) >= 0)
			continue;
		if (n <= 0) {
			rc = -1;
			break;
		}
		p += n;
		left -= n;
	}
	msg_out_free(m);
	return rc;
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
	int	 zero = 0, ivl = 2, ivlmax = 100;

	if ((s = zmq_socket(ctx, type)) == NULL)
		return NULL;
	zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof zero);
	zmq_setsockopt(s, ZMQ_SNDHWM, &zero, sizeof zero);
	zmq_setsockopt(s, ZMQ_RCVHWM, &zero, sizeof zero);
	/*
	 * A peer that connects before the bind (a pool on another host,
	 * a helper's control endpoint) retries within milliseconds,
	 * backing off to 100 ms; main binds the helpers' own endpoints
	 * before it starts them (ipc_listen).
	 */
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

/* The file path of an ipc:// ENDPOINT, or NULL for another transport. */
static const char *
ipc_path(const char *endpoint)
{
	return strncmp(endpoint, "ipc://", 6) == 0 ? endpoint + 6 : NULL;
}

/*
 * A listening Unix socket at the ipc ENDPOINT's path, for a helper to
 * serve (zsock_bind_bound); main keeps it, so that it outlives a helper
 * that dies and is given again to the one started in its place.
 */
int
ipc_listen(const char *endpoint)
{
	struct sockaddr_un	 sun;
	const char		*path = ipc_path(endpoint);
	int			 fd, saved;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (path == NULL || strlen(path) >= sizeof sun.sun_path) {
		errno = EINVAL;
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path));
	if ((fd = socket(AF_UNIX, SOCK_STREAM|SOCK_NONBLOCK|SOCK_CLOEXEC,
	    0)) == -1)
		return -1;
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sun, sizeof sun) == -1 ||
	    listen(fd, SOMAXCONN) == -1) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

/*
 * Binds S to ENDPOINT, serving descriptor FD if it is a socket listening
 * there (main's, see ipc_listen); else (a helper started by hand) binds
 * anew.
 */
int
zsock_bind_bound(void *s, const char *endpoint, int fd)
{
	struct sockaddr_un	 sun;
	socklen_t		 len = sizeof sun, olen;
	const char		*path = ipc_path(endpoint);
	int			 listening = 0;

	olen = sizeof listening;
	memset(&sun, 0, sizeof sun);
	if (path != NULL &&
	    getsockname(fd, (struct sockaddr *)&sun, &len) == 0 &&
	    sun.sun_family == AF_UNIX &&
	    strncmp(sun.sun_path, path, sizeof sun.sun_path) == 0 &&
	    getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening,
	    &olen) == 0 && listening) {
		fcntl(fd, F_SETFD, FD_CLOEXEC);
		zmq_setsockopt(s, ZMQ_USE_FD, &fd, sizeof fd);
	}
	return zmq_bind(s, endpoint);
}

int
zsock_connect(void *s, const char *endpoint)
{
	return zmq_connect(s, endpoint);
}

/*
 * The spool of a run (runs/NNNN/monitor.spool) is a sequence of records,
 * each a 4-byte little-endian length and a MSG_EVENTS message.  The
 * router appends them, main too when the router is gone, and the
 * dbwriter and record.c read them.
 */
ssize_t
spool_append(int fd, const void *data, size_t len)
{
	unsigned char	 hdr[SPOOL_HEADER];
	struct iovec	 iov[2];

	hdr[0] = len & 0xff;
	hdr[1] = (len >> 8) & 0xff;
	hdr[2] = (len >> 16) & 0xff;
	hdr[3] = (len >> 24) & 0xff;
	iov[0] = (struct iovec){ hdr, SPOOL_HEADER };
	iov[1] = (struct iovec){ (void *)data, len };
	return writev(fd, iov, 2);
}

/* The length a record's header gives. */
uint32_t
spool_length(const unsigned char *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}
