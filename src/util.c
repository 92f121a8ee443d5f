/*
 * util.c: clocks and strict numbers, the small pieces every process
 * shares: the monotonic clock for timeouts, the wall clock in the
 * seconds the database records, and decimal numbers read with no slack.
 * Called by the commands, the helper roles and the modules they share.
 */

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "weft.h"

/*
 * A strict decimal number from MIN to MAX: digits only, no sign, no
 * spaces, nothing after.  Returns -1 for anything else.
 */
int
parse_number(const char *s, long min, long max, int *out)
{
	char	*end;
	long	 v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = (int)v;
	return 0;
}

/* Milliseconds on the monotonic clock, for timeouts. */
int64_t
mono_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The wall clock, in seconds since the epoch. */
double
db_now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}
