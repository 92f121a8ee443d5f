/*
 * plugin.c: loading the plugins of a workflow, the one place where weft
 * calls dlopen.
 *
 * Every process that needs plugins loads them itself, by path, from the
 * workflow's definitions (and the --plugin options main passes on): weft
 * check and weft run, to verify them before anything runs, and each
 * worker, to call them.  Nothing of a plugin crosses between processes but
 * its name, which is what makes a function app work in a fresh child.
 *
 * Loading a plugin checks that it declares itself (the weft_plugin
 * symbol), that it was built for this weft's ABI, and runs its init hook;
 * then every function app's symbol is looked up.  Each failure is one
 * error at the place in the workflow file that named the thing (or about
 * the --plugin option that did), so that "weft check" reports them all.
 */

#include <dlfcn.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "weft.h"
#include "weft/plugin.h"

/* The crash handler's own stack. */
#define CRASH_STACK	(64 * 1024)

/* What the watchdog says, set before each plugin is loaded. */
static char	 watchdog_msg[512];

/*
 * A plugin whose init hook (or whose constructors) never return would
 * hang "weft check" or "weft run" before it starts anything: after the
 * watchdog's time, the process says which plugin and exits 2.
 */
static void
watchdog_fired(int sig)
{
	ssize_t	 rc;

	(void)sig;
	rc = write(STDERR_FILENO, watchdog_msg, strlen(watchdog_msg));
	(void)rc;
	_exit(EXIT_USAGE);
}

/*
 * A plugin whose init hook (or constructors) crash would take "weft
 * check" or "weft run" down with a bare signal, naming nothing: while a
 * plugin loads, these signals say which plugin, and exit 2.  The handler
 * runs on its own stack, so that a hook that overflows its stack is
 * caught too.  It only writes and exits (async-signal-safe); the
 * message is made before the load.
 */
static const int crash_sigs[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };
#define NCRASH_SIGS	(sizeof crash_sigs / sizeof crash_sigs[0])
static char	 crash_msg[512];

static void
crash_caught(int sig)
{
	const char	*name;
	ssize_t		 rc;

	switch (sig) {
	case SIGSEGV:	name = "SIGSEGV"; break;
	case SIGBUS:	name = "SIGBUS"; break;
	case SIGFPE:	name = "SIGFPE"; break;
	case SIGILL:	name = "SIGILL"; break;
	default:	name = "SIGABRT"; break;
	}
	rc = write(STDERR_FILENO, crash_msg, strlen(crash_msg));
	rc = write(STDERR_FILENO, name, strlen(name));
	rc = write(STDERR_FILENO, ")\n", 2);
	(void)rc;
	_exit(EXIT_USAGE);
}

/* Installs (ON) or restores the crash handlers around the loads. */
static void
crash_guard(int on)
{
	static struct sigaction	 old[NCRASH_SIGS];
	static stack_t		 oldstack;
	static char		*altstack;
	struct sigaction	 sa;
	stack_t			 ss;
	size_t			 i;

	if (!on) {
		for (i = 0; i < NCRASH_SIGS; i++)
			sigaction(crash_sigs[i], &old[i], NULL);
		sigaltstack(&oldstack, NULL);
		return;
	}
	if (altstack == NULL)
		altstack = xmalloc(CRASH_STACK);
	memset(&ss, 0, sizeof ss);
	ss.ss_sp = altstack;
	ss.ss_size = CRASH_STACK;
	sigaltstack(&ss, &oldstack);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = crash_caught;
	sa.sa_flags = SA_ONSTACK | SA_RESETHAND;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < NCRASH_SIGS; i++)
		sigaction(crash_sigs[i], &sa, &old[i]);
}

/* The position to report, and how to name a plugin from --plugin. */
static char *
plugin_what(const struct wf_plugin *pl)
{
	if (pl->mark.line < 0)
		return xprintf("--plugin %s=%s: plugin '%s'", pl->name,
		    pl->path, pl->name);
	return xprintf("plugin '%s'", pl->name);
}

/* dlerror's text, without the path that the message already names. */
static const char *
plugin_dlerror(const struct wf_plugin *pl)
{
	const char	*e = dlerror();
	size_t		 n = strlen(pl->abspath);

	if (e == NULL)
		return "unknown error";
	if (strncmp(e, pl->abspath, n) == 0 && strncmp(e + n, ": ", 2) == 0)
		return e + n + 2;
	return e;
}

static int
plugin_open(struct wf_plugin *pl, const char *display, unsigned watchdog_s,
    struct wf_errors *errs)
{
	const struct weft_plugin	*decl;
	char				*what, reason[512];
	void				*h;
	int				 rc = -1;

	what = plugin_what(pl);
	if (pl->mark.line > 0)
		snprintf(watchdog_msg, sizeof watchdog_msg, "%s:%d:%d: %s: "
		    "still loading after %u s; its init hook does not return\n",
		    display, pl->mark.line, pl->mark.col, what, watchdog_s);
	else
		snprintf(watchdog_msg, sizeof watchdog_msg, "%s: %s: still "
		    "loading after %u s; its init hook does not return\n",
		    weft_prog, what, watchdog_s);
	if (pl->mark.line > 0)
		snprintf(crash_msg, sizeof crash_msg, "%s:%d:%d: %s: crashed "
		    "while loading (in its init hook or constructors: ",
		    display, pl->mark.line, pl->mark.col, what);
	else
		snprintf(crash_msg, sizeof crash_msg, "%s: %s: crashed while "
		    "loading (in its init hook or constructors: ", weft_prog,
		    what);
	alarm(watchdog_s);
	dlerror();
	/* A path with a slash: no library path is searched. */
	if ((h = dlopen(pl->abspath, RTLD_NOW|RTLD_LOCAL)) == NULL) {
		wf_error(errs, &pl->mark, "%s: cannot load '%s': %s", what,
		    pl->path, plugin_dlerror(pl));
		goto out;
	}
	if ((decl = dlsym(h, "weft_plugin")) == NULL) {
		wf_error(errs, &pl->mark, "%s: '%s' is not a weft plugin (it "
		    "has no 'weft_plugin'; see weft-plugin(3))", what,
		    pl->path);
		goto out;
	}
	if (decl->abi != WEFT_PLUGIN_ABI) {
		wf_error(errs, &pl->mark, "%s: built for plugin ABI %u, but "
		    "this weft has ABI %d", what, decl->abi, WEFT_PLUGIN_ABI);
		goto out;
	}
	if (decl->init != NULL) {
		reason[0] = '\0';
		if (decl->init(reason, sizeof reason) != 0) {
			reason[sizeof reason - 1] = '\0';
			wf_error(errs, &pl->mark, "%s: init failed: %s", what,
			    reason[0] != '\0' ? reason : "no reason given");
			goto out;
		}
	}
	log_debug("loaded plugin %s from %s", pl->name, pl->abspath);
	pl->handle = h;
	h = NULL;
	rc = 0;
out:
	alarm(0);
	/* A plugin that failed may hold half-initialised state: unload. */
	if (h != NULL)
		dlclose(h);
	free(what);
	return rc;
}

/*
 * dlsym also finds what the plugin's own libraries define (libc's exit,
 * say): a function app must be the plugin's, so the symbol must lie in
 * the same object as its weft_plugin.
 */
static int
plugin_owns(const struct wf_plugin *pl, void *sym)
{
	Dl_info	 self, it;
	void	*decl;

	if ((decl = dlsym(pl->handle, "weft_plugin")) == NULL ||
	    dladdr(decl, &self) == 0 || dladdr(sym, &it) == 0)
		return 0;
	return self.dli_fbase == it.dli_fbase;
}

/* "unknown plugin", with the nearest name as a hint. */
static void
plugin_unknown(const struct workflow *wf, const struct wf_app *app,
    struct wf_errors *errs)
{
	struct wf_suggest	 hint;
	const char		*best;
	size_t			 i;

	wf_suggest_init(&hint, app->fn_plugin);
	for (i = 0; i < wf->nplugins; i++)
		wf_suggest_try(&hint, wf->plugins[i].name);
	if ((best = wf_suggest_best(&hint)) != NULL)
		wf_error(errs, &app->function_mark, "app '%s': unknown plugin "
		    "'%s' (did you mean '%s'?)", app->name, app->fn_plugin,
		    best);
	else
		wf_error(errs, &app->function_mark, "app '%s': unknown plugin "
		    "'%s'", app->name, app->fn_plugin);
}

/*
 * Loads every plugin of the workflow and resolves every function app;
 * with WATCHDOG_S, a plugin still loading after that many seconds ends
 * the process (exit 2, with a message).  Returns 0, or -1 with the errors
 * in *errp, one per line (caller frees).
 */
int
plugins_load(struct workflow *wf, unsigned watchdog_s, char **errp)
{
	struct sigaction	 sa, old;
	struct wf_errors	 errs;
	struct wf_plugin	*pl;
	struct wf_app		*app;
	size_t			 i;

	*errp = NULL;
	wf_errors_init(&errs, wf->display);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = watchdog_fired;
	sigemptyset(&sa.sa_mask);
	if (watchdog_s > 0)
		sigaction(SIGALRM, &sa, &old);
	crash_guard(1);
	for (i = 0; i < wf->nplugins; i++) {
		if (wf->plugins[i].handle == NULL)
			plugin_open(&wf->plugins[i], wf->display,
			    watchdog_s, &errs);
	}
	crash_guard(0);
	if (watchdog_s > 0)
		sigaction(SIGALRM, &old, NULL);
	for (i = 0; i < wf->napps; i++) {
		app = &wf->apps[i];
		if (app->fn_plugin == NULL)
			continue;
		if ((pl = workflow_find_plugin(wf, app->fn_plugin)) == NULL) {
			plugin_unknown(wf, app, &errs);
			continue;
		}
		if (pl->handle == NULL)
			continue;	/* already reported */
		dlerror();
		app->fn = dlsym(pl->handle, app->fn_symbol);
		if (app->fn == NULL || !plugin_owns(pl, app->fn)) {
			app->fn = NULL;
			wf_error(&errs, &app->function_mark, "app '%s': plugin "
			    "'%s' has no function '%s'", app->name, pl->name,
			    app->fn_symbol);
		}
	}
	if (errs.n == 0)
		return 0;
	*errp = wf_errors_take(&errs);
	return -1;
}

/*
 * Seconds a plugin may take to load, init hook included:
 * PLUGIN_WATCHDOG_S, or WEFT_PLUGIN_TIMEOUT_S from 1 to 3600 (tests).
 */
unsigned
plugin_timeout_s(void)
{
	const char	*s = getenv("WEFT_PLUGIN_TIMEOUT_S");
	char		*end;
	long		 v;

	if (s == NULL || *s == '\0')
		return PLUGIN_WATCHDOG_S;
	v = strtol(s, &end, 10);
	if (*end != '\0' || v < 1 || v > 3600)
		return PLUGIN_WATCHDOG_S;
	return (unsigned)v;
}

/* How many plugins are loaded. */
size_t
plugins_loaded(const struct workflow *wf)
{
	size_t	 i, n = 0;

	for (i = 0; i < wf->nplugins; i++)
		n += wf->plugins[i].handle != NULL;
	return n;
}
