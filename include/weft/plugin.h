/*
 * weft/plugin.h: the interface between weft and the plugins that hold
 * function apps.  See weft-plugin(3).
 *
 * A plugin is a shared object that declares itself once with WEFT_PLUGIN
 * and exports functions of type weft_function.  A workflow names it under
 * "plugins:" and calls a function as "function: PLUGIN.SYMBOL".  weft
 * loads the plugin by its path in every process that needs it (weft check
 * and weft run, to verify it, and each worker, to call it), so nothing of
 * a plugin crosses from one process to another but its name.
 *
 * Everything a plugin gets from weft comes through the struct weft_call
 * that it is given, including the host's functions, so a plugin links
 * against nothing of weft's and needs only this header.
 *
 * Compatibility: weft refuses a plugin whose weft_plugin.abi differs from
 * its own WEFT_PLUGIN_ABI.  WEFT_PLUGIN_ABI is bumped whenever anything in
 * this file changes in a way that would break a built plugin; fields are
 * only ever added at the end of the structures, within one ABI.
 */

#ifndef WEFT_PLUGIN_H
#define WEFT_PLUGIN_H

#include <stddef.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

#define WEFT_PLUGIN_ABI		1

/* The largest result value weft accepts, in bytes. */
#define WEFT_RESULT_MAX		(1024 * 1024)

/* What a function returns. */
#define WEFT_OK			0
#define WEFT_FAILED		1

struct weft_call;

/* The host's side of a call; reached through the inline functions below. */
struct weft_host {
	int	(*set_result)(struct weft_call *, const char *, size_t);
	int	(*set_error)(struct weft_call *, const char *);
};

/*
 * One call of a function app: the task, its arguments as name/value
 * strings (the foreach values first, then the entry's args, in file
 * order), and its input and output paths, relative to the workflow
 * file's folder, which is the working directory while the function runs.
 * Everything here belongs to weft and lives until the function returns.
 */
struct weft_call {
	unsigned int		 abi;		/* the host's WEFT_PLUGIN_ABI */
	const char		*task_id;	/* "sim[seed=2]" */
	unsigned int		 attempt;	/* 0 for the first try */
	size_t			 nargs;
	const char *const	*arg_names;
	const char *const	*arg_values;
	size_t			 ninputs;
	const char *const	*inputs;
	size_t			 noutputs;
	const char *const	*outputs;
	const struct weft_host	*host;
	void			*host_data;	/* weft's own */
};

/*
 * A function app.  It returns WEFT_OK on success and anything else on
 * failure; weft then records "function failed: " and the error message
 * (weft_set_error), or "returned N".  It may set a result value either
 * way; only a successful task's result reaches the database and its
 * dependents.
 */
typedef int	weft_function(struct weft_call *);

/*
 * The declaration every plugin makes once, with WEFT_PLUGIN.  "init", if
 * not NULL, runs once in every process that loads the plugin, before any
 * function: it may set up state of its own (tables, caches) but must not
 * act on the world (write files, start threads or processes, talk to the
 * network), because it runs in weft check too, and in every worker.  It
 * returns 0, or anything else to refuse the load, with a reason in the
 * buffer it is given (a NUL-terminated string of at most LEN bytes).
 */
struct weft_plugin {
	unsigned int	 abi;		/* WEFT_PLUGIN_ABI when built */
	const char	*name;		/* for messages; may be NULL */
	int		(*init)(char *, size_t);
};

#define WEFT_EXPORT	__attribute__((__visibility__("default")))

/* Declares the plugin: WEFT_PLUGIN("stats", stats_init); */
#define WEFT_PLUGIN(name, init)						\
	WEFT_EXPORT const struct weft_plugin weft_plugin = {		\
		WEFT_PLUGIN_ABI, (name), (init)				\
	}

/* The value of argument NAME, or NULL if the call has none. */
static inline const char *
weft_arg(const struct weft_call *call, const char *name)
{
	size_t	 i;

	for (i = 0; i < call->nargs; i++) {
		if (strcmp(call->arg_names[i], name) == 0)
			return call->arg_values[i];
	}
	return NULL;
}

/*
 * Sets the call's result value (a string; JSON by convention), replacing
 * any earlier one.  weft copies it.  Returns 0, or -1 if it is longer than
 * WEFT_RESULT_MAX, which fails the task.
 */
static inline int
weft_set_result(struct weft_call *call, const char *value)
{
	return call->host->set_result(call, value, strlen(value));
}

/* The same for LEN bytes that need not end in NUL (and hold none). */
static inline int
weft_set_result_len(struct weft_call *call, const char *value, size_t len)
{
	return call->host->set_result(call, value, len);
}

/* Sets the message recorded when the function fails; weft copies it. */
static inline int
weft_set_error(struct weft_call *call, const char *message)
{
	return call->host->set_error(call, message);
}

#ifdef __cplusplus
}
#endif

#endif /* WEFT_PLUGIN_H */
