/*
 * inithang.c: a test plugin whose init hook never returns, for the
 * watchdogs of plugin loading (plugins.bats, isolation.bats).
 *
 * With WEFT_TEST_INIT_HANG=all the hook hangs in every process; with
 * WEFT_TEST_INIT_HANG=workers only in workers, which it tells by their
 * process title, "weft: worker P.K run NNNN".  Unset, it returns at once.
 * It has one function, ok, which succeeds.
 */

#define _POSIX_C_SOURCE 200809L

#include <weft/plugin.h>

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int
in_worker(void)
{
	char	 buf[64];
	ssize_t	 n;
	int	 fd;

	if ((fd = open("/proc/self/cmdline", O_RDONLY)) == -1)
		return 0;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return strncmp(buf, "weft: worker ", 13) == 0;
}

static int
hang_init(char *why, size_t len)
{
	const char	*mode = getenv("WEFT_TEST_INIT_HANG");

	(void)why;
	(void)len;
	if (mode != NULL && (strcmp(mode, "all") == 0 ||
	    (strcmp(mode, "workers") == 0 && in_worker()))) {
		for (;;)
			pause();
	}
	return 0;
}

WEFT_PLUGIN("inithang", hang_init);

int
ok(struct weft_call *call)
{
	(void)call;
	return WEFT_OK;
}
