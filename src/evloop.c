/*
 * evloop.c: a process's event loop, in the manner of CZMQ's zloop.
 * ZeroMQ sockets and file descriptors are registered with a handler and
 * an argument, and so are timers (once after, or every, so many
 * milliseconds of the monotonic clock); evloop_run polls them all with
 * zmq_poll and calls the handlers of whatever is ready, readers in the
 * order they were registered and then the timers that are due, earliest
 * first, until a handler returns -1 or calls evloop_stop.  A loop that
 * must look at its own state between two polls (deadlines it keeps
 * itself, work to do after whatever came in) gives a prepare function,
 * called before every poll, which says how long the poll may wait.
 *
 * The poll items sit beside the registrations, index for index: adding
 * a reader appends one, and the array is compacted only after a removal,
 * so a turn of the loop allocates nothing.  Any handler may add or
 * remove readers and timers, its own included: a removed one is only
 * marked, its handler is not called again, and it is swept out before
 * the next poll.  One added by a handler is first polled (or, for a
 * timer, first due) in the next turn.
 *
 * Used by the helper roles (router, dbwriter, interchange, pool), "weft
 * status", and the control endpoint (control.c), which answers in its
 * process's loop.
 */

#include <sys/signalfd.h>

#include <errno.h>
#include <stdint.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zmq.h>

#include "weft.h"

struct evreader {
	int		 id;
	evloop_fn	 fn;		/* NULL: removed */
	void		*arg;
};

struct evtimer {
	int		 id;
	int64_t		 due;		/* on mono_ms()'s clock */
	int64_t		 every;		/* 0: once */
	evloop_fn	 fn;		/* NULL: removed, or done */
	void		*arg;
};

struct evloop {
	zmq_pollitem_t	*items;		/* items[i] is readers[i]'s */
	struct evreader	*readers;
	size_t		 nreaders, readers_cap;
	struct evtimer	*timers;
	size_t		 ntimers, timers_cap;
	int		 dirty;		/* something to sweep out */
	int		 stopped;
	int		 last_id;
	evloop_prepare_fn prepare;
	void		*prepare_arg;
};

struct evloop *
evloop_new(void)
{
	return xcalloc(1, sizeof (struct evloop));
}

void
evloop_free(struct evloop **lp)
{
	struct evloop	*l = *lp;

	if (l == NULL)
		return;
	free(l->items);
	free(l->readers);
	free(l->timers);
	free(l);
	*lp = NULL;
}

static int
evloop_reader(struct evloop *l, void *sock, int fd, evloop_fn fn,
    void *arg)
{
	struct evreader	*r;

	if (l->nreaders == l->readers_cap) {
		l->readers_cap = l->readers_cap > 0 ? l->readers_cap * 2 : 8;
		l->items = xreallocarray(l->items, l->readers_cap,
		    sizeof *l->items);
		l->readers = xreallocarray(l->readers, l->readers_cap,
		    sizeof *l->readers);
	}
	memset(&l->items[l->nreaders], 0, sizeof l->items[0]);
	l->items[l->nreaders].socket = sock;
	l->items[l->nreaders].fd = fd;
	l->items[l->nreaders].events = ZMQ_POLLIN;
	r = &l->readers[l->nreaders++];
	r->id = ++l->last_id;
	r->fn = fn;
	r->arg = arg;
	return r->id;
}

/* Calls FN(loop, ARG) whenever SOCK has a message; returns an id. */
int
evloop_socket(struct evloop *l, void *sock, evloop_fn fn, void *arg)
{
	return evloop_reader(l, sock, 0, fn, arg);
}

/* Calls FN(loop, ARG) whenever FD is readable (or at its end). */
int
evloop_fd(struct evloop *l, int fd, evloop_fn fn, void *arg)
{
	return evloop_reader(l, NULL, fd, fn, arg);
}

static int
evloop_timer(struct evloop *l, int64_t ms, int64_t every, evloop_fn fn,
    void *arg)
{
	struct evtimer	*t;

	if (l->ntimers == l->timers_cap) {
		l->timers_cap = l->timers_cap > 0 ? l->timers_cap * 2 : 4;
		l->timers = xreallocarray(l->timers, l->timers_cap,
		    sizeof *l->timers);
	}
	t = &l->timers[l->ntimers++];
	t->id = ++l->last_id;
	t->due = mono_ms() + (ms > 0 ? ms : 0);
	t->every = every;
	t->fn = fn;
	t->arg = arg;
	return t->id;
}

/* Calls FN(loop, ARG) once, MS milliseconds from now; returns an id. */
int
evloop_after(struct evloop *l, int64_t ms, evloop_fn fn, void *arg)
{
	return evloop_timer(l, ms, 0, fn, arg);
}

/*
 * Calls FN(loop, ARG) every MS milliseconds (at least 1) from now, once
 * a turn at most: a loop held up past several periods calls it once, and
 * the next call is a whole period later.
 */
int
evloop_every(struct evloop *l, int64_t ms, evloop_fn fn, void *arg)
{
	if (ms < 1)
		ms = 1;
	return evloop_timer(l, ms, ms, fn, arg);
}

/* Removes reader or timer ID; anything else (0, gone) is ignored. */
void
evloop_remove(struct evloop *l, int id)
{
	size_t	 i;

	for (i = 0; i < l->nreaders; i++) {
		if (l->readers[i].id == id && l->readers[i].fn != NULL) {
			l->readers[i].fn = NULL;
			l->dirty = 1;
			return;
		}
	}
	for (i = 0; i < l->ntimers; i++) {
		if (l->timers[i].id == id && l->timers[i].fn != NULL) {
			l->timers[i].fn = NULL;
			l->dirty = 1;
			return;
		}
	}
}

/*
 * FN(loop, ARG) is called before every poll, and returns the longest
 * the poll may wait in milliseconds, or -1 for as long as it takes; it
 * ends the loop with evloop_stop.
 */
void
evloop_prepare(struct evloop *l, evloop_prepare_fn fn, void *arg)
{
	l->prepare = fn;
	l->prepare_arg = arg;
}

/* Ends evloop_run once the running handler returns. */
void
evloop_stop(struct evloop *l)
{
	l->stopped = 1;
}

/* Sweeps out what was removed, keeping the order of the rest. */
static void
evloop_sweep(struct evloop *l)
{
	size_t	 i, n;

	for (i = n = 0; i < l->nreaders; i++) {
		if (l->readers[i].fn == NULL)
			continue;
		if (n != i) {
			l->readers[n] = l->readers[i];
			l->items[n] = l->items[i];
		}
		n++;
	}
	l->nreaders = n;
	for (i = n = 0; i < l->ntimers; i++) {
		if (l->timers[i].fn == NULL)
			continue;
		if (n != i)
			l->timers[n] = l->timers[i];
		n++;
	}
	l->ntimers = n;
	l->dirty = 0;
}

/* Milliseconds until the first timer is due, at most WAIT (-1: none). */
static int64_t
evloop_wait(struct evloop *l, int64_t wait)
{
	int64_t	 now, t;
	size_t	 i;

	if (l->ntimers == 0)
		return wait;
	now = mono_ms();
	for (i = 0; i < l->ntimers; i++) {
		t = l->timers[i].due - now;
		if (t < 0)
			t = 0;
		if (wait == -1 || t < wait)
			wait = t;
	}
	return wait;
}

/* Among the first N timers, the earliest due by NOW, or -1. */
static ssize_t
evloop_due(struct evloop *l, size_t n, int64_t now)
{
	ssize_t	 best = -1;
	size_t	 i;

	for (i = 0; i < n; i++) {
		if (l->timers[i].fn == NULL || l->timers[i].due > now)
			continue;
		if (best == -1 || l->timers[i].due < l->timers[best].due)
			best = i;
	}
	return best;
}

/* Calls the handlers of the timers due; -1 if the loop is to end. */
static int
evloop_fire(struct evloop *l)
{
	struct evtimer	*t;
	evloop_fn	 fn;
	void		*arg;
	int64_t		 now;
	size_t		 n = l->ntimers;
	ssize_t		 i;

	now = mono_ms();
	while ((i = evloop_due(l, n, now)) != -1) {
		t = &l->timers[i];
		fn = t->fn;
		arg = t->arg;
		if (t->every > 0) {
			t->due += t->every;
			if (t->due <= now)
				t->due = now + t->every;
		} else {
			t->fn = NULL;
			l->dirty = 1;
		}
		/* T may move: FN can add timers. */
		if (fn(l, arg) == -1 || l->stopped)
			return -1;
	}
	return 0;
}

/*
 * Runs until a handler returns -1 or calls evloop_stop, or nothing is
 * left to wait for (no reader, no timer, no limit from the prepare
 * function): returns 0 then.  Returns -1 with errno if zmq_poll fails
 * for another reason than a signal.  Not to be called from a handler.
 */
int
evloop_run(struct evloop *l)
{
	int64_t		 wait;
	size_t		 i, n;
	evloop_fn	 fn;

	l->stopped = 0;
	for (;;) {
		if (l->dirty)
			evloop_sweep(l);
		wait = -1;
		if (l->prepare != NULL) {
			wait = l->prepare(l, l->prepare_arg);
			if (l->stopped)
				return 0;
			if (l->dirty)
				evloop_sweep(l);
		}
		wait = evloop_wait(l, wait);
		n = l->nreaders;
		if (n == 0 && wait == -1)
			return 0;
		if (zmq_poll(l->items, n, wait) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		for (i = 0; i < n; i++) {
			if (l->items[i].revents == 0 ||
			    (fn = l->readers[i].fn) == NULL)
				continue;
			if (fn(l, l->readers[i].arg) == -1 || l->stopped)
				return 0;
		}
		if (l->ntimers > 0 && evloop_fire(l) == -1)
			return 0;
	}
}

static int
evloop_signalled(struct evloop *l, void *arg)
{
	struct signalfd_siginfo	 si;
	int			 fd = (int)(intptr_t)arg;

	(void)l;
	if (read(fd, &si, sizeof si) != sizeof si)
		return 0;
	log_info("stopping on %s", strsignal(si.ssi_signo));
	return -1;
}

/*
 * Reads signalfd FD (helper_begin's) in the loop: a signal that arrives
 * is logged and ends the loop.
 */
int
evloop_signalfd(struct evloop *l, int fd)
{
	return evloop_fd(l, fd, evloop_signalled, (void *)(intptr_t)fd);
}
