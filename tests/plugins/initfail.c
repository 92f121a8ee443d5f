/*
 * initfail.c: a test plugin whose init hook refuses the load with a
 * reason; weft must report it and run nothing.
 */

#include <weft/plugin.h>

#include <stdio.h>

static int
initfail_init(char *why, size_t len)
{
	snprintf(why, len, "no licence for initfail (test plugin)");
	return 1;
}

WEFT_PLUGIN("initfail", initfail_init);

WEFT_EXPORT int
hello(struct weft_call *call)
{
	(void)call;
	return WEFT_OK;
}
