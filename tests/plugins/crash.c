/*
 * crash.c: a test plugin whose functions end their process, for the
 * isolation tests of tests/cli/functions.bats.  Only the worker that runs
 * one of them may die; the run must go on.
 *
 *   segv       writes through a null pointer (SIGSEGV)
 *   abort_now  abort() (SIGABRT)
 *   exit_now   exit(3): the worker exits with status 3
 *   ok         succeeds and sets no result
 *   flaky      writes through a null pointer on the first try (attempt 0),
 *              succeeds on later ones with result "recovered on try N"
 *   which      result "crash" (results.c has one that says "results")
 *   segv_at    writes through a null pointer when argument n equals
 *              argument at; otherwise its result is n
 *
 * A function given the argument pidfile writes its process id there
 * first, so that a test knows which worker ran it.
 */

#define _POSIX_C_SOURCE 200809L

#include <weft/plugin.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

WEFT_PLUGIN("crash", NULL);

/*
 * A null pointer that the compiler cannot see is null, so that the store
 * through it is a real store (SIGSEGV) and not a trap instruction.
 */
static int *volatile	 nowhere;

static void
note_pid(const struct weft_call *call)
{
	const char	*path = weft_arg(call, "pidfile");
	FILE		*f;

	if (path == NULL || (f = fopen(path, "w")) == NULL)
		return;
	fprintf(f, "%ld\n", (long)getpid());
	fclose(f);
}

static void
crash(void)
{
	*nowhere = 1;
}

WEFT_EXPORT int
segv(struct weft_call *call)
{
	note_pid(call);
	crash();
	return WEFT_OK;
}

WEFT_EXPORT int
abort_now(struct weft_call *call)
{
	note_pid(call);
	abort();
}

WEFT_EXPORT int
exit_now(struct weft_call *call)
{
	note_pid(call);
	exit(3);
}

WEFT_EXPORT int
ok(struct weft_call *call)
{
	note_pid(call);
	return WEFT_OK;
}

WEFT_EXPORT int
flaky(struct weft_call *call)
{
	char	 buf[64];

	note_pid(call);
	if (call->attempt == 0)
		crash();
	snprintf(buf, sizeof buf, "recovered on try %u", call->attempt);
	return weft_set_result(call, buf) == 0 ? WEFT_OK : WEFT_FAILED;
}

WEFT_EXPORT int
which(struct weft_call *call)
{
	return weft_set_result(call, "crash") == 0 ? WEFT_OK : WEFT_FAILED;
}

WEFT_EXPORT int
segv_at(struct weft_call *call)
{
	const char	*n = weft_arg(call, "n"), *at = weft_arg(call, "at");

	note_pid(call);
	if (n == NULL)
		return WEFT_FAILED;
	if (at != NULL && strcmp(n, at) == 0)
		crash();
	return weft_set_result(call, n) == 0 ? WEFT_OK : WEFT_FAILED;
}
