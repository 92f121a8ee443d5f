/*
 * notaplugin.c: a shared object with a function of the right type but no
 * "weft_plugin" declaration; weft must refuse it as no plugin.
 */

#include <weft/plugin.h>

WEFT_EXPORT int
hello(struct weft_call *call)
{
	(void)call;
	return WEFT_OK;
}
