/*
 * badabi.c: a test plugin built for a plugin ABI that no weft has.  It
 * declares its struct weft_plugin by hand, as WEFT_PLUGIN would with
 * WEFT_PLUGIN_ABI 999; weft must refuse to load it.
 */

#include <weft/plugin.h>

WEFT_EXPORT const struct weft_plugin weft_plugin = {
	999, "badabi", NULL
};

WEFT_EXPORT int
hello(struct weft_call *call)
{
	(void)call;
	return WEFT_OK;
}
