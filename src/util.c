/*
 * util.c: clocks and strict numbers, the small pieces every process
 * shares: the monotonic clock for timeouts, the wall clock in the
 * seconds the database records, decimal numbers read with no slack,
 * durations ("1m30s") both ways, ages ("7d") and sizes ("10M"), the
 * name error messages start with, and the match of a task id with a
 * pattern ("weft logs", needs).
 * Called by the commands, the helper roles and the modules they share.
 */

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "weft.h"

/*
 * What every message to the user starts with: "weft CMD" once main has
 * found the command (weft.c sets it), "weft" before that.
 */
char	 weft_prog[64] = "weft";

/* The sooner of two waits in ms, where -1 is no limit (poll's). */
int
timeout_min(int a, int b)
{
	if (b != -1 && (a == -1 || b < a))
		return b;
	return a;
}

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

/* The other way: 90000 -> "1m30s", 1500 -> "1s500ms"; caller frees. */
char *
duration_string(int64_t ms)
{
	static const struct { const char *unit; int64_t ms; } units[] = {
		{ "h", 3600000 }, { "m", 60000 }, { "s", 1000 }, { "ms", 1 }
	};
	char	 buf[64];
	size_t	 i, len = 0;

	buf[0] = '\0';
	for (i = 0; i < sizeof units / sizeof units[0]; i++) {
		if (ms < units[i].ms)
			continue;
		len += snprintf(buf + len, sizeof buf - len, "%lld%s",
		    (long long)(ms / units[i].ms), units[i].unit);
		ms %= units[i].ms;
	}
	return xstrdup(len > 0 ? buf : "0s");
}

/*
 * A duration: one or more NUMBER UNIT pairs, largest unit first, with
 * units h, m, s and ms ("1h30m", "90s", "250ms"); a bare number is
 * seconds.  At most 30 days, and not zero.
 */
int
parse_duration(const char *s, int64_t *out)
{
	static const struct { const char *unit; int64_t ms; } units[] = {
		{ "ms", 1 }, { "h", 3600000 }, { "m", 60000 }, { "s", 1000 }
	};
	const int64_t	 max = (int64_t)30 * 24 * 3600000;
	int64_t		 total = 0, n, last = INT64_MAX;
	size_t		 i, len;

	if (*s >= '0' && *s <= '9' && s[strspn(s, "0123456789")] == '\0') {
		if (strlen(s) > 8)
			return -1;
		total = strtoll(s, NULL, 10) * 1000;
		if (total <= 0 || total > max)
			return -1;
		*out = total;
		return 0;
	}
	while (*s != '\0') {
		if (*s < '0' || *s > '9' || (len = strspn(s, "0123456789")) > 8)
			return -1;
		n = strtoll(s, NULL, 10);
		s += len;
		for (i = 0; i < sizeof units / sizeof units[0]; i++) {
			if (strncmp(s, units[i].unit,
			    strlen(units[i].unit)) == 0)
				break;
		}
		if (i == sizeof units / sizeof units[0] ||
		    units[i].ms >= last)
			return -1;
		s += strlen(units[i].unit);
		last = units[i].ms;
		total += n * units[i].ms;
		if (total > max)
			return -1;
	}
	if (total <= 0)
		return -1;
	*out = total;
	return 0;
}

/*
 * An age, as "weft cache prune --older-than" and "weft clean --older-than"
 * take it: a duration as parse_duration reads it, or a number of days
 * first ("7d", "1d12h").  At most 100 years, and not zero.
 */
int
parse_age(const char *s, int64_t *out)
{
	const int64_t	 day = (int64_t)24 * 3600000;
	int64_t		 days = 0, rest = 0;
	size_t		 len;

	len = strspn(s, "0123456789");
	if (len > 0 && s[len] == 'd') {
		if (len > 5 || (days = strtoll(s, NULL, 10)) > 36500)
			return -1;
		s += len + 1;
		if (*s == '\0') {
			if (days == 0)
				return -1;
			*out = days * day;
			return 0;
		}
		/* After days, every number has its unit. */
		if (s[strspn(s, "0123456789")] == '\0')
			return -1;
	}
	if (parse_duration(s, &rest) == -1)
		return -1;
	*out = days * day + rest;
	return 0;
}

/*
 * A size in bytes: digits, then optionally K, M, G or T (either case) for
 * that many KiB, MiB, GiB or TiB.  "0" is allowed; at most 2^60 bytes.
 */
int
parse_size(const char *s, int64_t *out)
{
	const char	*units = "KMGT", *u;
	int64_t		 n, max = (int64_t)1 << 60;
	size_t		 len;
	int		 shift = 0;

	len = strspn(s, "0123456789");
	if (len == 0 || len > 19)
		return -1;
	errno = 0;
	n = strtoll(s, NULL, 10);
	if (errno != 0)
		return -1;
	if (s[len] != '\0') {
		if (s[len + 1] != '\0' || (u = strchr(units,
		    s[len] & ~0x20)) == NULL || (s[len] & ~0x20) == '\0')
			return -1;
		shift = 10 * (int)(u - units + 1);
	}
	if (n > (max >> shift))
		return -1;
	*out = n << shift;
	return 0;
}

/* Bytes for a table: "812", "1.5K", "12M", "3.0G"; caller frees. */
char *
size_string(int64_t n)
{
	const char	*units = "KMGTP";
	double		 v = (double)n;
	int		 i = -1;

	if (n < 1024)
		return xprintf("%lld", (long long)n);
	while (v >= 1024 && i < 4) {
		v /= 1024;
		i++;
	}
	if (v < 10)
		return xprintf("%.1f%c", v, units[i]);
	return xprintf("%.0f%c", v, units[i]);
}

/*
 * Whether ID matches PAT, in which '*' is any run of characters and '?'
 * one character; everything else, '[' included, stands for itself.
 */
int
id_glob_match(const char *pat, const char *id)
{
	const char	*star = NULL, *resume = NULL;

	while (*id != '\0') {
		if (*pat == '*') {
			star = ++pat;
			resume = id;
		} else if (*pat == '?' || *pat == *id) {
			if (*pat++ == '?') {
				/* One character: a whole UTF-8 sequence. */
				while (((unsigned char)*++id & 0xc0) == 0x80)
					;
			} else
				id++;
		} else if (star != NULL) {
			pat = star;
			while (((unsigned char)*++resume & 0xc0) == 0x80)
				;
			id = resume;
		} else
			return 0;
	}
	while (*pat == '*')
		pat++;
	return *pat == '\0';
}
