/*
 * strmap.c: a string to uint32_t hash map with open addressing (FNV-1a,
 * linear probing, kept at most half full).  Keys are not copied.  The
 * task graph (dag.c, dag-expand.c), the loader's anchors (ytree.c) and
 * the output locks (outlock.c) key their tables with it.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "weft.h"


static uint64_t
str_hash(const char *s)
{
	uint64_t	 h = 1469598103934665603ULL;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

void
strmap_init(struct strmap *m, size_t hint)
{
	size_t	 cap = 16;

	while (cap < hint * 2)
		cap *= 2;
	m->keys = xcalloc_big(cap, sizeof *m->keys);
	m->vals = xcalloc_big(cap, sizeof *m->vals);
	m->cap = cap;
	m->n = 0;
}

int
strmap_get(const struct strmap *m, const char *key, uint32_t *val)
{
	size_t	 i;

	if (m->cap == 0)
		return -1;
	i = str_hash(key) & (m->cap - 1);
	while (m->keys[i] != NULL) {
		if (strcmp(m->keys[i], key) == 0) {
			if (val != NULL)
				*val = m->vals[i];
			return 0;
		}
		i = (i + 1) & (m->cap - 1);
	}
	return -1;
}

static void
strmap_grow(struct strmap *m)
{
	struct strmap	 new;
	size_t		 i;

	strmap_init(&new, m->cap);
	for (i = 0; i < m->cap; i++) {
		if (m->keys[i] != NULL)
			strmap_put(&new, m->keys[i], m->vals[i]);
	}
	strmap_free(m);
	*m = new;
}

/*
 * The slot of KEY, or of the empty slot where it would go (room made
 * first): one probe serves strmap_put and strmap_add.
 */
static size_t
strmap_slot(struct strmap *m, const char *key)
{
	size_t	 i;

	if (m->cap == 0)
		strmap_init(m, 8);
	if ((m->n + 1) * 2 > m->cap)
		strmap_grow(m);
	i = str_hash(key) & (m->cap - 1);
	while (m->keys[i] != NULL && strcmp(m->keys[i], key) != 0)
		i = (i + 1) & (m->cap - 1);
	return i;
}

int
strmap_put(struct strmap *m, const char *key, uint32_t val)
{
	size_t	 i = strmap_slot(m, key);
	int	 had = m->keys[i] != NULL;

	if (!had) {
		m->keys[i] = key;
		m->n++;
	}
	m->vals[i] = val;
	return had;
}

/*
 * Adds KEY unless it is there: returns 0 if added, else 1 with its value
 * in *PREV (if not NULL), unchanged.  One probe where a get and a put
 * would take two.
 */
int
strmap_add(struct strmap *m, const char *key, uint32_t val, uint32_t *prev)
{
	size_t	 i = strmap_slot(m, key);

	if (m->keys[i] != NULL) {
		if (prev != NULL)
			*prev = m->vals[i];
		return 1;
	}
	m->keys[i] = key;
	m->vals[i] = val;
	m->n++;
	return 0;
}

void
strmap_free(struct strmap *m)
{
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof *m);
}
