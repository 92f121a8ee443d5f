/*
 * seqs.c: a set of sequence numbers, kept as "every number up to BASE,
 * and these above it", as the dbwriter and record.c keep, per sender,
 * which of its monitoring batches have been applied (batches can reach
 * the spool out of order).  Its text form, "N,M,...", is what the
 * weft_sender table stores.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weft.h"

int
seqs_has(const struct seqset *q, uint64_t seq)
{
	size_t	 i;

	if (seq <= q->base)
		return 1;
	for (i = 0; i < q->nabove; i++) {
		if (q->above[i] == seq)
			return 1;
	}
	return 0;
}

void
seqs_add(struct seqset *q, uint64_t seq)
{
	size_t	 i, n;

	q->above = xreallocarray(q->above, q->nabove + 1, sizeof *q->above);
	for (i = q->nabove; i > 0 && q->above[i - 1] > seq; i--)
		q->above[i] = q->above[i - 1];
	q->above[i] = seq;
	q->nabove++;
	for (n = 0; n < q->nabove && q->above[n] == q->base + 1; n++)
		q->base++;
	memmove(q->above, q->above + n, (q->nabove - n) * sizeof *q->above);
	q->nabove -= n;
}

void
seqs_copy(struct seqset *to, const struct seqset *from)
{
	to->base = from->base;
	to->nabove = from->nabove;
	to->above = xreallocarray(to->above, from->nabove + 1,
	    sizeof *to->above);
	/* An empty set may have no array at all. */
	if (from->nabove > 0)
		memcpy(to->above, from->above,
		    from->nabove * sizeof *to->above);
}

char *
seqs_text(const struct seqset *q)
{
	char	*s;
	size_t	 i, len = 0;

	s = xmalloc(q->nabove * 21 + 1);
	s[0] = '\0';
	for (i = 0; i < q->nabove; i++)
		len += sprintf(s + len, "%s%llu", i > 0 ? "," : "",
		    (unsigned long long)q->above[i]);
	return s;
}

void
seqs_parse(struct seqset *q, const char *s)
{
	char	*end;

	while (s != NULL && *s != '\0') {
		seqs_add(q, strtoull(s, &end, 10));
		if (end == s)
			break;
		s = *end == ',' ? end + 1 : end;
	}
}

