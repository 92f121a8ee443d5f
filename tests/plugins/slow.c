/*
 * slow.c: a test plugin of functions that take their time, for the
 * walltime, status and kill tests of tests/cli/functions.bats.
 *
 *   spin   busy loops for argument seconds, or forever without it
 *   nap    sleeps argument seconds (default 300) on the first try and
 *          argument then (default: the same) on later tries; result
 *          "napped"
 *
 * Both write their process id to the file named by argument pidfile, if
 * given, before they start, so that a test knows which worker runs them.
 */

#define _POSIX_C_SOURCE 200809L

#include <weft/plugin.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

WEFT_PLUGIN("slow", NULL);

static void
note_pid(const struct weft_call *call)
{
	const char	*path = weft_arg(call, "pidfile");
	char		 tmp[4096];
	FILE		*f;

	if (path == NULL)
		return;
	/* Written aside and renamed: a reader sees all of it or nothing. */
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	if ((f = fopen(tmp, "w")) == NULL)
		return;
	fprintf(f, "%ld\n", (long)getpid());
	if (fclose(f) == 0)
		rename(tmp, path);
}

static double
now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double
seconds_arg(const struct weft_call *call, const char *name, double dflt)
{
	const char	*s = weft_arg(call, name);

	return s != NULL ? strtod(s, NULL) : dflt;
}

WEFT_EXPORT int
spin(struct weft_call *call)
{
	volatile unsigned long	 n = 0;
	double			 limit, end;

	note_pid(call);
	limit = seconds_arg(call, "seconds", -1);
	end = now() + limit;
	for (;;) {
		n++;
		if (limit >= 0 && (n & 0xffff) == 0 && now() >= end)
			break;
	}
	return weft_set_result(call, "spun") == 0 ? WEFT_OK : WEFT_FAILED;
}

WEFT_EXPORT int
nap(struct weft_call *call)
{
	struct timespec	 ts;
	double		 s;

	note_pid(call);
	s = seconds_arg(call, "seconds", 300);
	if (call->attempt > 0)
		s = seconds_arg(call, "then", s);
	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
	return weft_set_result(call, "napped") == 0 ? WEFT_OK : WEFT_FAILED;
}
