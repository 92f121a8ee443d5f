/*
 * noop.c: the plugin of bench/functions.sh, a function that does nothing,
 * so that what is measured is weft's cost per call.
 */

#include <weft/plugin.h>

WEFT_PLUGIN("noop", NULL);

WEFT_EXPORT int
noop(struct weft_call *call)
{
	(void)call;
	return WEFT_OK;
}
