/*
 * fifo.c: the growable array that the interchange and the pool keep
 * their queues in.  Called by interchange.c and pool.c.
 */

#include <string.h>

#include "weft.h"

/*
 * Makes room for one more element at the tail of a FIFO kept in
 * ARR[*head..*tail) of *cap elements of SIZE bytes: the live elements
 * move to the front if that frees space, else the array grows (to FIRST
 * elements the first time).  Returns the array, perhaps moved.
 */
void *
fifo_room(void *arr, size_t *head, size_t *tail, size_t *cap, size_t size,
    size_t first)
{
	if (*tail < *cap)
		return arr;
	if (*head > 0) {
		memmove(arr, (char *)arr + *head * size,
		    (*tail - *head) * size);
		*tail -= *head;
		*head = 0;
		return arr;
	}
	*cap = *cap == 0 ? first : *cap * 2;
	return xreallocarray(arr, *cap, size);
}
