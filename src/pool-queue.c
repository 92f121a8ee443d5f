/*
 * pool-queue.c: the pool's tasks as they came from the interchange, and
 * its two queues of them (commands waiting for a slot, calls waiting for
 * a worker), in the order they came.
 */

#include <stdlib.h>
#include <string.h>

#include <zmq.h>

#include "weft.h"
#include "proto.h"
#include "pool.h"

void
strs_free(char **v, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void
task_free(struct pool_task *t)
{
	free(t->id);
	free(t->command);
	free(t->packed);
	strs_free(t->outputs, t->noutputs);
	strs_free(t->env, t->nenv);
	memset(t, 0, sizeof *t);
}

/* Queues. */

size_t
queue_len(const struct pool_queue *q)
{
	return q->tail - q->head;
}

struct pool_task *
queue_head(struct pool_queue *q)
{
	return q->head < q->tail ? &q->v[q->head] : NULL;
}

static void
queue_push(struct pool_queue *q, struct pool_task *t)
{
	q->v = fifo_room(q->v, &q->head, &q->tail, &q->cap, sizeof *q->v, 64);
	q->v[q->tail++] = *t;
	memset(t, 0, sizeof *t);
}

/* Back to the front, for calls that a dead worker never started. */
void
queue_push_front(struct pool_queue *q, struct pool_task *t)
{
	if (q->head == 0) {
		q->v = fifo_room(q->v, &q->head, &q->tail, &q->cap,
		    sizeof *q->v, 64);
		if (q->tail == q->cap)
			q->v = xreallocarray(q->v, q->cap *= 2, sizeof *q->v);
		memmove(q->v + 1, q->v, q->tail * sizeof *q->v);
		q->tail++;
	} else
		q->head--;
	q->v[q->head] = *t;
	memset(t, 0, sizeof *t);
}

void
queue_pop(struct pool_queue *q, struct pool_task *out)
{
	*out = q->v[q->head++];
	if (q->head == q->tail)
		q->head = q->tail = 0;
}

void
queue_free(struct pool_queue *q)
{
	size_t	 i;

	for (i = q->head; i < q->tail; i++)
		task_free(&q->v[i]);
	free(q->v);
	memset(q, 0, sizeof *q);
}

void
pool_enqueue(struct pool *p, const msgpack_object *o,
    const struct msg_task *mt)
{
	static msgpack_sbuffer	 sb;
	struct pool_task	 t;
	const msgpack_object	*e;
	msgpack_packer		 pk;
	size_t			 i;

	memset(&t, 0, sizeof t);
	t.seq = ++p->seq;
	t.index = mt->index;
	t.attempt = mt->attempt;
	t.kind = mt->kind;
	t.walltime_ms = mt->walltime_ms;
	t.launched = mt->launched;
	t.cores = mt->cores > 0 ? mt->cores : 1;
	t.gpus = mt->gpus;
	t.id = xstrndup(mt->id, mt->id_len);
	t.noutputs = mt->outputs_o->via.array.size;
	t.outputs = xcalloc(t.noutputs + 1, sizeof *t.outputs);
	for (i = 0; i < t.noutputs; i++)
		t.outputs[i] = xstrndup(
		    mt->outputs_o->via.array.ptr[i].via.str.ptr,
		    mt->outputs_o->via.array.ptr[i].via.str.size);
	if (mt->kind == TASK_COMMAND) {
		t.command = xstrndup(mt->command, mt->command_len);
		t.env = xcalloc(mt->env_o->via.array.size + 1, sizeof *t.env);
		for (i = 0; i < mt->env_o->via.array.size; i++) {
			e = &mt->env_o->via.array.ptr[i];
			/* NAME=VALUE, or it is no variable at all. */
			if (e->via.str.size > 0 && e->via.str.ptr[0] != '=' &&
			    memchr(e->via.str.ptr, '=', e->via.str.size) !=
			    NULL && memchr(e->via.str.ptr, '\0',
			    e->via.str.size) == NULL)
				t.env[t.nenv++] = xstrndup(e->via.str.ptr,
				    e->via.str.size);
		}
		queue_push(&p->cmdq, &t);
		return;
	}
	/* A call goes to the worker as it came (copied at its size). */
	msgpack_sbuffer_clear(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_object(&pk, *o);
	t.packed_len = sb.size;
	t.packed = xmalloc(sb.size);
	memcpy(t.packed, sb.data, sb.size);
	queue_push(&p->fnq, &t);
}

