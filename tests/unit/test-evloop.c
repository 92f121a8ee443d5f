/*
 * test-evloop.c: the event loop (evloop.c) with real ZeroMQ PAIR sockets
 * over inproc:// and real pipes: handlers called for what is ready and in
 * the order of registration, timers in the order they fall due and the
 * right number of times, removal from inside a handler, the prepare
 * function, and the ways a loop ends.
 */

#include <sys/signalfd.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <zmq.h>

#include "weft.h"

/* What the handlers saw, in order: one letter a call. */
struct seen {
	struct evloop	*loop;
	char		 log[64];
	size_t		 n;
	int		 fd[3][2];	/* pipes */
	int		 id[4];		/* registrations */
	int		 count;
	void		*sock;
};

static void
seen_add(struct seen *s, char c)
{
	assert_true(s->n < sizeof s->log - 1);
	s->log[s->n++] = c;
	s->log[s->n] = '\0';
}

static void
seen_pipes(struct seen *s)
{
	int	 i;

	for (i = 0; i < 3; i++)
		assert_int_equal(pipe(s->fd[i]), 0);
}

static void
seen_close(struct seen *s)
{
	int	 i;

	for (i = 0; i < 3; i++) {
		close(s->fd[i][0]);
		close(s->fd[i][1]);
	}
}

/* A ZeroMQ reader: takes one message a call; the third ends the loop. */
static int
on_message(struct evloop *l, void *arg)
{
	struct seen	*s = arg;
	char		 buf[16];
	int		 n;

	(void)l;
	n = zmq_recv(s->sock, buf, sizeof buf, ZMQ_DONTWAIT);
	assert_int_equal(n, 1);
	seen_add(s, buf[0]);
	return ++s->count == 3 ? -1 : 0;
}

static void
test_socket(void **state)
{
	struct seen	 s;
	void		*ctx, *out;

	(void)state;
	memset(&s, 0, sizeof s);
	ctx = zmq_ctx_new();
	assert_non_null(ctx);
	s.sock = zmq_socket(ctx, ZMQ_PAIR);
	out = zmq_socket(ctx, ZMQ_PAIR);
	assert_int_equal(zmq_bind(s.sock, "inproc://evloop"), 0);
	assert_int_equal(zmq_connect(out, "inproc://evloop"), 0);
	assert_int_equal(zmq_send(out, "x", 1, 0), 1);
	assert_int_equal(zmq_send(out, "y", 1, 0), 1);
	assert_int_equal(zmq_send(out, "z", 1, 0), 1);
	assert_int_equal(zmq_send(out, "w", 1, 0), 1);
	s.loop = evloop_new();
	assert_true(evloop_socket(s.loop, s.sock, on_message, &s) > 0);
	/* The handler's -1 ends the loop: the fourth stays queued. */
	assert_int_equal(evloop_run(s.loop), 0);
	assert_string_equal(s.log, "xyz");
	/* Run again: the loop goes on where it was. */
	s.count = 2;
	assert_int_equal(evloop_run(s.loop), 0);
	assert_string_equal(s.log, "xyzw");
	evloop_free(&s.loop);
	assert_null(s.loop);
	zmq_close(s.sock);
	zmq_close(out);
	zmq_ctx_term(ctx);
}

/* A pipe reader: the bytes, then at the end it removes itself. */
static int
on_pipe(struct evloop *l, void *arg)
{
	struct seen	*s = arg;
	char		 c;
	ssize_t		 n;

	n = read(s->fd[0][0], &c, 1);
	if (n == 1) {
		seen_add(s, c);
		return 0;
	}
	assert_int_equal(n, 0);
	/* Called again at an end that stays readable: removal failed. */
	assert_int_equal(s->count, 0);
	s->count++;
	seen_add(s, '.');
	evloop_remove(l, s->id[0]);
	return 0;
}

static void
test_fd_until_nothing_left(void **state)
{
	struct seen	 s;

	(void)state;
	memset(&s, 0, sizeof s);
	seen_pipes(&s);
	assert_int_equal(write(s.fd[0][1], "ab", 2), 2);
	close(s.fd[0][1]);
	s.fd[0][1] = -1;
	s.loop = evloop_new();
	s.id[0] = evloop_fd(s.loop, s.fd[0][0], on_pipe, &s);
	/* With nothing left to wait for, the loop returns. */
	assert_int_equal(evloop_run(s.loop), 0);
	assert_string_equal(s.log, "ab.");
	evloop_free(&s.loop);
	seen_close(&s);
}

static int
on_a(struct evloop *l, void *arg)
{
	struct seen	*s = arg;
	char		 c;

	assert_int_equal(read(s->fd[0][0], &c, 1), 1);
	seen_add(s, 'a');
	if (s->count++ == 0) {
		/* b is ready in this very turn: it must not be called. */
		evloop_remove(l, s->id[1]);
		evloop_remove(l, s->id[0]);
		/* Removing twice, or what never was, does nothing. */
		evloop_remove(l, s->id[0]);
		evloop_remove(l, 9999);
	}
	return 0;
}

static int
on_b(struct evloop *l, void *arg)
{
	struct seen	*s = arg;

	(void)l;
	seen_add(s, 'b');
	return 0;
}

static int
on_c(struct evloop *l, void *arg)
{
	struct seen	*s = arg;
	char		 c;

	assert_int_equal(read(s->fd[2][0], &c, 1), 1);
	seen_add(s, 'c');
	/* The last one: the loop ends with readers still registered. */
	evloop_stop(l);
	return 0;
}

static void
test_remove_in_handler(void **state)
{
	struct seen	 s;

	(void)state;
	memset(&s, 0, sizeof s);
	seen_pipes(&s);
	assert_int_equal(write(s.fd[0][1], "1", 1), 1);
	assert_int_equal(write(s.fd[1][1], "2", 1), 1);
	assert_int_equal(write(s.fd[2][1], "3", 1), 1);
	s.loop = evloop_new();
	s.id[0] = evloop_fd(s.loop, s.fd[0][0], on_a, &s);
	s.id[1] = evloop_fd(s.loop, s.fd[1][0], on_b, &s);
	s.id[2] = evloop_fd(s.loop, s.fd[2][0], on_c, &s);
	assert_true(s.id[0] > 0 && s.id[1] > s.id[0] && s.id[2] > s.id[1]);
	/* Registration order; b was removed by a before its turn came. */
	assert_int_equal(evloop_run(s.loop), 0);
	assert_string_equal(s.log, "ac");
	/* a is gone too, though its pipe is readable again. */
	assert_int_equal(write(s.fd[0][1], "1", 1), 1);
	assert_int_equal(write(s.fd[2][1], "3", 1), 1);
	assert_int_equal(evloop_run(s.loop), 0);
	assert_string_equal(s.log, "acc");
	evloop_free(&s.loop);
	seen_close(&s);
}

static int
on_first_ends(struct evloop *l, void *arg)
{
	struct seen	*s = arg;

	(void)l;
	seen_add(s, '1');
	return -1;
}

static int
on_never(struct evloop *l, void *arg)
{
	struct seen	*s = arg;

	(void)l;
	seen_add(s, '!');
	return 0;
}

/* A handler's -1 ends the loop before the others ready in that turn. */
static void
test_minus_one_ends_turn(void **state)
{
	struct seen	 s;

	(void)state;
	memset(&s, 0, sizeof s);
	seen_pipes(&s);
	assert_int_equal(write(s.fd[0][1], "1", 1), 1);
	assert_int_equal(write(s.fd[1][1], "2", 1), 1);
	s.loop = evloop_new();
	evloop_fd(s.loop, s.fd[0][0], on_first_ends, &s);
	evloop_fd(s.loop, s.fd[1][0], on_never, &s);
	evloop_after(s.loop, 0, on_never, &s);
	assert_int_equal(evloop_run(s.loop), 0);
	assert_string_equal(s.log, "1");
	evloop_free(&s.loop);
	seen_close(&s);
}

static int
on_tick(struct evloop *l, void *arg)
{
	struct seen	*s = arg;

	seen_add(s, 'r');
	if (++s->count == 5)
		evloop_remove(l, s->id[0]);
	return 0;
}

/* A one-shot timer's argument: the letter it adds. */
struct tag {
	struct seen	*s;
	char		 c;
};

static int
on_once(struct evloop *l, void *arg)
{
	struct tag	*t = arg;

	(void)l;
	seen_add(t->s, t->c);
	return 0;
}

/*
 * Timers: one-shots fall due in the order of their times (and, at the
 * same time, of their registration), whatever order they were added in;
 * a repeating one runs until it removes itself, exactly that many times,
 * a period apart; then nothing is left and the loop returns.
 */
static void
test_timers(void **state)
{
	struct seen	 s;
	struct tag	 x = { &s, 'x' }, y = { &s, 'y' }, z = { &s, 'z' };
	int64_t		 t0, took;

	(void)state;
	memset(&s, 0, sizeof s);
	s.loop = evloop_new();
	t0 = mono_ms();
	evloop_after(s.loop, 100, on_once, &z);
	evloop_after(s.loop, 5, on_once, &x);
	evloop_after(s.loop, 5, on_once, &y);
	s.id[0] = evloop_every(s.loop, 40, on_tick, &s);
	assert_int_equal(evloop_run(s.loop), 0);
	took = mono_ms() - t0;
	assert_int_equal(s.count, 5);
	/* x, y at 5; r at 40, 80; z at 100; r at 120, 160, 200. */
	assert_string_equal(s.log, "xyrrzrrr");
	assert_true(took >= 200);
	evloop_free(&s.loop);
}

/*
 * Timers that fell due while the loop was held up fire in one turn in
 * the order of their times, not of their registration; a repeating one
 * fires once for all the periods missed, and again a period later.
 */
static void
test_timers_held_up(void **state)
{
	struct seen	 s;
	struct tag	 a = { &s, 'a' }, b = { &s, 'b' };
	int64_t		 t0;

	(void)state;
	memset(&s, 0, sizeof s);
	s.loop = evloop_new();
	t0 = mono_ms();
	evloop_after(s.loop, 25, on_once, &b);
	s.id[0] = evloop_every(s.loop, 10, on_tick, &s);
	evloop_after(s.loop, 5, on_once, &a);
	s.count = 3;
	usleep(50 * 1000);
	assert_int_equal(evloop_run(s.loop), 0);
	assert_string_equal(s.log, "arbr");
	assert_true(mono_ms() - t0 >= 60);
	evloop_free(&s.loop);
}

static int
on_reschedule(struct evloop *l, void *arg)
{
	struct seen	*s = arg;

	seen_add(s, 'o');
	/* Added from a handler: due in a later turn, not this one. */
	if (++s->count < 3)
		evloop_after(l, 0, on_reschedule, s);
	return 0;
}

static void
test_timer_added_in_handler(void **state)
{
	struct seen	 s;

	(void)state;
	memset(&s, 0, sizeof s);
	s.loop = evloop_new();
	evloop_after(s.loop, 0, on_reschedule, &s);
	assert_int_equal(evloop_run(s.loop), 0);
	assert_string_equal(s.log, "ooo");
	evloop_free(&s.loop);
}

static int64_t
prepare_three(struct evloop *l, void *arg)
{
	struct seen	*s = arg;

	seen_add(s, 'p');
	if (++s->count == 4) {
		evloop_stop(l);
		return -1;
	}
	return 15;
}

/* The prepare function runs before every poll and bounds its wait. */
static void
test_prepare(void **state)
{
	struct seen	 s;
	int64_t		 t0;

	(void)state;
	memset(&s, 0, sizeof s);
	s.loop = evloop_new();
	evloop_prepare(s.loop, prepare_three, &s);
	evloop_every(s.loop, 1000, on_never, &s);
	t0 = mono_ms();
	assert_int_equal(evloop_run(s.loop), 0);
	assert_string_equal(s.log, "pppp");
	assert_true(mono_ms() - t0 >= 45);
	assert_true(mono_ms() - t0 < 1000);
	evloop_free(&s.loop);
}

static void
test_empty(void **state)
{
	struct evloop	*l;

	(void)state;
	l = evloop_new();
	assert_int_equal(evloop_run(l), 0);
	evloop_free(&l);
	evloop_free(&l);
}

/* A signal read from a signalfd is logged and ends the loop. */
static void
test_signalfd(void **state)
{
	struct seen	 s;
	sigset_t	 mask;
	int		 fd;

	(void)state;
	memset(&s, 0, sizeof s);
	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR1);
	assert_int_equal(sigprocmask(SIG_BLOCK, &mask, NULL), 0);
	fd = signalfd(-1, &mask, SFD_NONBLOCK|SFD_CLOEXEC);
	assert_true(fd >= 0);
	s.loop = evloop_new();
	evloop_signalfd(s.loop, fd);
	evloop_every(s.loop, 10, on_tick, &s);
	s.id[0] = -1;
	assert_int_equal(raise(SIGUSR1), 0);
	assert_int_equal(evloop_run(s.loop), 0);
	/* Read, not left pending: the loop ended before any tick. */
	assert_int_equal(s.count, 0);
	assert_int_equal(sigpending(&mask), 0);
	assert_false(sigismember(&mask, SIGUSR1));
	evloop_free(&s.loop);
	close(fd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_socket),
		cmocka_unit_test(test_fd_until_nothing_left),
		cmocka_unit_test(test_remove_in_handler),
		cmocka_unit_test(test_minus_one_ends_turn),
		cmocka_unit_test(test_timers),
		cmocka_unit_test(test_timers_held_up),
		cmocka_unit_test(test_timer_added_in_handler),
		cmocka_unit_test(test_prepare),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_signalfd),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
