/*
 * initcrash.c: a test plugin whose init hook crashes: with
 * WEFT_TEST_INIT_CRASH=segv it writes through a null pointer (SIGSEGV),
 * with =abort it calls abort() (SIGABRT), with =fpe it raises SIGFPE;
 * unset, it returns at once.  "weft check" and "weft run" must name the
 * plugin and exit 2 (plugins.bats).  It has one function, ok, which
 * succeeds.
 */

#define _POSIX_C_SOURCE 200809L

#include <weft/plugin.h>

#include <signal.h>
#include <stdlib.h>
#include <string.h>

/* A null pointer the compiler cannot see is null: a real store. */
volatile int *initcrash_null;
volatile int initcrash_zero;

static int
crash_init(char *why, size_t len)
{
	const char	*mode = getenv("WEFT_TEST_INIT_CRASH");

	(void)why;
	(void)len;
	if (mode == NULL)
		return 0;
	if (strcmp(mode, "segv") == 0)
		*initcrash_null = 1;
	else if (strcmp(mode, "abort") == 0)
		abort();
	else if (strcmp(mode, "fpe") == 0)
		raise(SIGFPE);
	return 0;
}

WEFT_PLUGIN("initcrash", crash_init);

int
ok(struct weft_call *call)
{
	(void)call;
	return WEFT_OK;
}
