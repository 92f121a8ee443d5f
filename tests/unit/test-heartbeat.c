/*
 * test-heartbeat.c: the heartbeat bookkeeping of main, the pools and the
 * interchange (heartbeat.c), on a clock of the test's own: when ours is
 * due and the poll timeout until then, whole periods of silence and the
 * threshold (HEARTBEAT_MISSES periods, or WEFT_HEARTBEAT_THRESHOLD_MS), a stop of our own forgiven, and the period
 * taken from WEFT_HEARTBEAT_MS only when it is valid.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "weft.h"

static void
test_due_and_next(void **state)
{
	struct heartbeat	 hb;

	(void)state;
	heartbeat_init(&hb, 1000, 5000);
	assert_int_equal(hb.period, 1000);
	assert_int_equal(hb.heard_ms, 5000);
	assert_int_equal(heartbeat_next(&hb, 5000), 1000);
	assert_false(heartbeat_due(&hb, 5999));
	assert_int_equal(heartbeat_next(&hb, 5999), 1);
	assert_true(heartbeat_due(&hb, 6000));
	/* Sent: the next one is a period away, not due twice. */
	assert_int_equal(hb.sent_ms, 6000);
	assert_false(heartbeat_due(&hb, 6000));
	assert_int_equal(heartbeat_next(&hb, 6250), 750);
	/* Late (a long turn): sent now, and the period counts from now. */
	assert_true(heartbeat_due(&hb, 7400));
	assert_int_equal(heartbeat_next(&hb, 7400), 1000);
	/* Overdue without a send: the loop must not wait (<= 0). */
	assert_true(heartbeat_next(&hb, 8500) <= 0);
}

static void
test_silence(void **state)
{
	struct heartbeat	 hb;

	(void)state;
	heartbeat_init(&hb, 1000, 5000);
	assert_int_equal(heartbeat_silent(&hb, 5000), 0);
	assert_int_equal(heartbeat_silent(&hb, 5999), 0);
	assert_int_equal(heartbeat_silent(&hb, 6000), 1);
	assert_int_equal(heartbeat_silent(&hb, 14999), HEARTBEAT_MISSES - 1);
	assert_int_equal(heartbeat_silent(&hb, 15000), HEARTBEAT_MISSES);
	assert_int_equal(heartbeat_silence(&hb, 15000), 10000);
	heartbeat_heard(&hb, 14000);
	assert_int_equal(heartbeat_silent(&hb, 15000), 1);
	assert_int_equal(heartbeat_silence(&hb, 15000), 1000);
	/* Heard after the caller read its clock: no silence at all. */
	heartbeat_heard(&hb, 15010);
	assert_int_equal(heartbeat_silent(&hb, 15000), 0);
	/* Sending ours is not hearing the peer. */
	heartbeat_init(&hb, 100, 0);
	assert_true(heartbeat_due(&hb, 900));
	assert_int_equal(heartbeat_silent(&hb, 900), 9);
}

static void
test_resumed(void **state)
{
	struct heartbeat	 hb;

	(void)state;
	heartbeat_init(&hb, 1000, 0);
	assert_true(heartbeat_due(&hb, 6000));
	/* Looks less than HEARTBEAT_RESUMED periods apart: a real silence. */
	assert_false(heartbeat_resumed(&hb, 6000 + 1000 * HEARTBEAT_RESUMED -
	    1));
	assert_int_equal(hb.heard_ms, 0);
	assert_int_equal(heartbeat_silent(&hb, 10999), 10);
	/* We were stopped since our last heartbeat: the peer starts afresh. */
	assert_true(heartbeat_resumed(&hb, 6000 + 1000 * HEARTBEAT_RESUMED));
	assert_int_equal(hb.heard_ms, 6000 + 1000 * HEARTBEAT_RESUMED);
	assert_int_equal(heartbeat_silent(&hb, 11000), 0);
	/* The same test on a look of the caller's own (the interchange). */
	assert_false(heartbeat_stopped(100, 10, 100 + 10 * HEARTBEAT_RESUMED -
	    1));
	assert_true(heartbeat_stopped(100, 10, 100 + 10 * HEARTBEAT_RESUMED));
}

/*
 * A pool's turns, every 100 ms on a 1000 ms period: the interchange
 * answers each heartbeat until 20 s, then never again.  The pool sends
 * one a period, holds after POOL_HOLD_PERIODS (3) and gives the
 * interchange up after exactly HEARTBEAT_MISSES periods of silence.
 */
static void
test_pool_turns(void **state)
{
	struct heartbeat	 hb;
	int64_t			 now, held = -1, lost = -1;
	int			 sent = 0;

	(void)state;
	heartbeat_init(&hb, 1000, 0);
	for (now = 0; now <= 60000 && lost == -1; now += 100) {
		assert_false(heartbeat_resumed(&hb, now));
		if (heartbeat_silent(&hb, now) >= HEARTBEAT_MISSES) {
			lost = now;
			break;
		}
		if (held == -1 && heartbeat_silent(&hb, now) >= 3)
			held = now;
		if (heartbeat_due(&hb, now)) {
			sent++;
			if (now <= 20000)
				heartbeat_heard(&hb, now);
		}
		assert_true(heartbeat_next(&hb, now) > 0);
		assert_true(heartbeat_next(&hb, now) <= 1000);
	}
	assert_int_equal(held, 23000);
	assert_int_equal(lost, 30000);
	assert_int_equal(sent, 29);
}

static void
test_period(void **state)
{
	(void)state;
	unsetenv("WEFT_HEARTBEAT_MS");
	assert_int_equal(heartbeat_period(), HEARTBEAT_MS);
	setenv("WEFT_HEARTBEAT_MS", "100", 1);
	assert_int_equal(heartbeat_period(), 100);
	setenv("WEFT_HEARTBEAT_MS", "9", 1);
	assert_int_equal(heartbeat_period(), HEARTBEAT_MS);
	setenv("WEFT_HEARTBEAT_MS", "3600001", 1);
	assert_int_equal(heartbeat_period(), HEARTBEAT_MS);
	setenv("WEFT_HEARTBEAT_MS", "250ms", 1);
	assert_int_equal(heartbeat_period(), HEARTBEAT_MS);
	setenv("WEFT_HEARTBEAT_MS", "", 1);
	assert_int_equal(heartbeat_period(), HEARTBEAT_MS);
	unsetenv("WEFT_HEARTBEAT_MS");
}

/* The threshold: HEARTBEAT_MISSES periods, or a valid override. */
static void
test_threshold(void **state)
{
	struct heartbeat	 hb;

	(void)state;
	unsetenv("WEFT_HEARTBEAT_THRESHOLD_MS");
	heartbeat_init(&hb, 100, 0);
	assert_int_equal(hb.threshold, 100 * HEARTBEAT_MISSES);
	assert_int_equal(heartbeat_misses(&hb), HEARTBEAT_MISSES);
	assert_false(heartbeat_lost(&hb, 100 * HEARTBEAT_MISSES - 1));
	assert_true(heartbeat_lost(&hb, 100 * HEARTBEAT_MISSES));
	setenv("WEFT_HEARTBEAT_THRESHOLD_MS", "350", 1);
	heartbeat_init(&hb, 100, 0);
	assert_int_equal(hb.threshold, 350);
	/* Said in whole periods, rounded up. */
	assert_int_equal(heartbeat_misses(&hb), 4);
	assert_false(heartbeat_lost(&hb, 349));
	assert_true(heartbeat_lost(&hb, 350));
	/* Less than two periods, or not a number: the default. */
	setenv("WEFT_HEARTBEAT_THRESHOLD_MS", "150", 1);
	assert_int_equal(heartbeat_threshold(100), 100 * HEARTBEAT_MISSES);
	setenv("WEFT_HEARTBEAT_THRESHOLD_MS", "2s", 1);
	assert_int_equal(heartbeat_threshold(100), 100 * HEARTBEAT_MISSES);
	unsetenv("WEFT_HEARTBEAT_THRESHOLD_MS");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_due_and_next),
		cmocka_unit_test(test_silence),
		cmocka_unit_test(test_resumed),
		cmocka_unit_test(test_pool_turns),
		cmocka_unit_test(test_period),
		cmocka_unit_test(test_threshold),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
