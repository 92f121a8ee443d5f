/*
 * proctitle.c: lets a helper name itself in ps and top ("weft: pool 0 run
 * 0007 (3/4 busy)").  Linux has no setproctitle, so the title is written
 * over the memory that holds the argv strings, which the kernel shows as
 * /proc/PID/cmdline.  They are copied to the heap first, so argv stays
 * valid for the rest of the program.  The environment strings that follow
 * are left alone: /proc/PID/environ must keep showing WEFT_RUN_DIR, which
 * is how "weft stop --kill" finds every process of a run.  A helper's
 * arguments name the run directory, so they are long enough for a title.
 */

#include <sys/prctl.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weft.h"

static char	*title_area;
static size_t	 title_size;

void
proctitle_init(int argc, char **argv)
{
	char	*end;
	size_t	 i;

	if (argc <= 0 || argv[0] == NULL)
		return;
	title_area = argv[0];
	end = argv[0] + strlen(argv[0]) + 1;
	for (i = 1; i < (size_t)argc; i++) {
		if (argv[i] != end)
			break;
		end = argv[i] + strlen(argv[i]) + 1;
	}
	for (i = 0; i < (size_t)argc; i++)
		argv[i] = xstrdup(argv[i]);
	title_size = end - title_area;
}

void
proctitle_set(const char *fmt, ...)
{
	va_list	 ap;
	char	 buf[256], comm[16];
	size_t	 len, i, k;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);

	/*
	 * The short name that top shows, "weft:pool-0-run": without
	 * spaces, which tools that read /proc/PID/stat word by word
	 * (Slurm's process tracking among them) would take for its end.
	 */
	for (i = k = 0; buf[i] != '\0' && k < sizeof comm - 1; i++) {
		if (buf[i] != ' ')
			comm[k++] = buf[i];
		else if (k > 0 && comm[k - 1] != ':' && comm[k - 1] != '-')
			comm[k++] = '-';
	}
	comm[k] = '\0';
	prctl(PR_SET_NAME, comm, 0, 0, 0);

	if (title_area == NULL || title_size < 2)
		return;
	len = strlen(buf);
	if (len > title_size - 1)
		len = title_size - 1;
	memcpy(title_area, buf, len);
	memset(title_area + len, '\0', title_size - len);
}
