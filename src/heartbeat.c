/*
 * heartbeat.c: the bookkeeping of heartbeats, written once for the three
 * processes that keep it: main and each pool, which send the interchange
 * a heartbeat every period and give it up when it has not answered for
 * the threshold (run-supervise.c, pool.c), and the interchange,
 * which reports a pool silent that long (interchange.c).
 *
 * One struct heartbeat per watched peer: the period, when the peer was
 * last heard, and when we last sent it ours.  The caller passes the time
 * in (mono_ms), so the arithmetic is the same in every process and a
 * test can run it on a clock of its own.  What to do about a silence (log
 * it, stop, kill, hold) stays with the caller.
 */

#include <stdint.h>
#include <stdlib.h>

#include "weft.h"

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
 * The silence after which a peer is lost: WEFT_HEARTBEAT_THRESHOLD_MS if
 * valid (two periods at least), else HEARTBEAT_MISSES periods.
 */
int64_t
heartbeat_threshold(int period)
{
	const char	*s = getenv("WEFT_HEARTBEAT_THRESHOLD_MS");
	char		*end;
	long long	 v;

	if (s != NULL && *s != '\0') {
		v = strtoll(s, &end, 10);
		if (*end == '\0' && v >= 2LL * period && v <= 86400000)
			return v;
	}
	return (int64_t)period * HEARTBEAT_MISSES;
}

/* A peer heard at NOW, to which ours was sent at NOW. */
void
heartbeat_init(struct heartbeat *hb, int period, int64_t now)
{
	hb->period = period;
	hb->threshold = heartbeat_threshold(period);
	hb->heard_ms = now;
	hb->sent_ms = now;
}

/* The peer said something (a heartbeat, or any word) at NOW. */
void
heartbeat_heard(struct heartbeat *hb, int64_t now)
{
	hb->heard_ms = now;
}

/* Whether ours is due at NOW; if so, it counts as sent. */
int
heartbeat_due(struct heartbeat *hb, int64_t now)
{
	if (now - hb->sent_ms < hb->period)
		return 0;
	hb->sent_ms = now;
	return 1;
}

/* Milliseconds from NOW until ours is due: a poll loop's timeout. */
int
heartbeat_next(const struct heartbeat *hb, int64_t now)
{
	return (int)(hb->sent_ms + hb->period - now);
}

/* Milliseconds since the peer was last heard. */
int64_t
heartbeat_silence(const struct heartbeat *hb, int64_t now)
{
	return now - hb->heard_ms;
}

/* Whole periods since the peer was last heard. */
int64_t
heartbeat_silent(const struct heartbeat *hb, int64_t now)
{
	int64_t	 silence = now - hb->heard_ms;

	return silence < 0 ? 0 : silence / hb->period;
}

/* Whether the peer has been silent for the threshold: it is lost. */
int
heartbeat_lost(const struct heartbeat *hb, int64_t now)
{
	return now - hb->heard_ms >= hb->threshold;
}

/* The threshold in whole periods, for messages. */
int
heartbeat_misses(const struct heartbeat *hb)
{
	return (int)((hb->threshold + hb->period - 1) / hb->period);
}

/*
 * Whether this process was itself stopped (SIGSTOP, a suspended machine)
 * between LAST_MS, its last regular look at its peers, and NOW: no busy
 * loop leaves HEARTBEAT_RESUMED periods between two looks.  Peers are
 * then not to be blamed for a silence that was ours.
 */
int
heartbeat_stopped(int64_t last_ms, int period, int64_t now)
{
	int64_t	 gap = now - last_ms;

	if (gap < (int64_t)period * HEARTBEAT_RESUMED)
		return 0;
	log_info("no look at heartbeats for %lld ms: this process was "
	    "stopped; peers get a fresh start", (long long)gap);
	return 1;
}

/*
 * The same for a peer we send heartbeats to (our last one is our last
 * look): back from a stop, the peer gets a fresh chance to answer, as if
 * heard at NOW.
 */
int
heartbeat_resumed(struct heartbeat *hb, int64_t now)
{
	if (!heartbeat_stopped(hb->sent_ms, hb->period, now))
		return 0;
	hb->heard_ms = now;
	return 1;
}
