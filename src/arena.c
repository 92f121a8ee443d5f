/*
 * arena.c: a bump allocator for the many small strings and arrays of a
 * task graph.  A graph of ten million tasks holds tens of millions of
 * ids and paths; one malloc each would cost more in headers and time
 * than the text itself.  Everything in an arena is freed at once.
 * Used by the task graph (dag.c, dag-expand.c) and the YAML tree (ytree.c).
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "weft.h"

/*
 * Chunk sizes: the first is small enough for a small workflow; each is
 * as big as all before it, up to the last size, so a big graph takes a
 * few dozen chunks backed by huge pages (xcalloc_big).
 */
#define ARENA_CHUNK	((size_t)1 << 16)
#define ARENA_CHUNK_MAX	((size_t)1 << 26)

struct arena_chunk {
	struct arena_chunk	*next;
	size_t			 used;
	size_t			 size;
	_Alignas(16) unsigned char data[];
};

void
arena_init(struct arena *a)
{
	memset(a, 0, sizeof *a);
}

/* SIZE bytes aligned to ALIGN (a power of two, at most 16). */
void *
arena_alloc(struct arena *a, size_t size, size_t align)
{
	struct arena_chunk	*c = a->head;
	size_t			 off, want, step;

	if (c != NULL) {
		off = (c->used + align - 1) & ~(align - 1);
		if (off <= c->size && size <= c->size - off) {
			c->used = off + size;
			a->bytes += size;
			return c->data + off;
		}
	}
	step = a->bytes < ARENA_CHUNK ? ARENA_CHUNK : a->bytes;
	if (step > ARENA_CHUNK_MAX)
		step = ARENA_CHUNK_MAX;
	/* A big request gets a chunk of its own, behind the current one. */
	want = size > step / 4 ? size : step;
	if (want > SIZE_MAX - sizeof *c)
		want = SIZE_MAX - sizeof *c;	/* xmalloc reports it */
	c = want >= ARENA_CHUNK_MAX / 8 ? xcalloc_big(1, sizeof *c + want) :
	    xmalloc(sizeof *c + want);
	c->next = NULL;
	c->size = want;
	c->used = size;
	if (want != step && a->head != NULL) {
		c->next = a->head->next;
		a->head->next = c;
	} else {
		c->next = a->head;
		a->head = c;
	}
	a->bytes += size;
	return c->data;
}

char *
arena_strndup(struct arena *a, const char *s, size_t len)
{
	char	*p;

	p = arena_alloc(a, len + 1, 1);
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

char *
arena_strdup(struct arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

void
arena_free(struct arena *a)
{
	struct arena_chunk	*c, *next;

	for (c = a->head; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	memset(a, 0, sizeof *a);
}
