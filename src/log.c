/*
 * log.c: one log per process.  Helpers have their stderr pointed at their
 * own file in the run directory by the spawn module, so logging is writing
 * to stderr with a time and role prefix.  "weft run" logs to weft.log and
 * keeps the terminal for the user.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "weft.h"

static FILE		*log_file;
static int		 log_verbose;
static char		 log_role[32] = "weft";

/* Opens the log (NULL: stderr). */
void
log_init(const char *path, int verbose)
{
	int	 fd;

	log_verbose = verbose;
	if (path == NULL) {
		log_file = stderr;
		return;
	}
	fd = open(path, O_WRONLY|O_CREAT|O_APPEND|O_CLOEXEC, 0644);
	if (fd == -1 || (log_file = fdopen(fd, "a")) == NULL) {
		fprintf(stderr, "%s: cannot open log '%s': %s\n", weft_prog,
		    path, strerror(errno));
		log_file = stderr;
		if (fd != -1)
			close(fd);
	}
	setvbuf(log_file, NULL, _IOLBF, 0);
}

void
log_set_role(const char *role)
{
	snprintf(log_role, sizeof log_role, "%s", role);
}

static void	log_vwrite(const char *, const char *, va_list, int)
		    printflike(2, 0);

static void
log_vwrite(const char *level, const char *fmt, va_list ap, int err)
{
	struct timespec	 ts;
	struct tm	 tm;
	char		 when[32];
	FILE		*f = log_file != NULL ? log_file : stderr;

	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof when, "%H:%M:%S", &tm);
	fprintf(f, "%s.%03ld %s[%ld] %s: ", when, ts.tv_nsec / 1000000,
	    log_role, (long)getpid(), level);
	vfprintf(f, fmt, ap);
	if (err != 0)
		fprintf(f, ": %s", strerror(err));
	fputc('\n', f);
}

/* Before log_init (a command that keeps no log) this says nothing. */
void
log_info(const char *fmt, ...)
{
	va_list	 ap;

	if (log_file == NULL)
		return;
	va_start(ap, fmt);
	log_vwrite("info", fmt, ap, 0);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list	 ap;

	if (!log_verbose)
		return;
	va_start(ap, fmt);
	log_vwrite("debug", fmt, ap, 0);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vwrite("warning", fmt, ap, 0);
	va_end(ap);
}

void
log_warn(const char *fmt, ...)
{
	va_list	 ap;
	int	 err = errno;

	va_start(ap, fmt);
	log_vwrite("warning", fmt, ap, err);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list	 ap;
	int	 err = errno;

	va_start(ap, fmt);
	log_vwrite("fatal", fmt, ap, err);
	va_end(ap);
	exit(EXIT_INTERNAL);
}

void
fatalx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vwrite("fatal", fmt, ap, 0);
	va_end(ap);
	exit(EXIT_INTERNAL);
}

/*
 * strerror(E), except that a full disk is always said the same way, so
 * that one phrase finds every place where weft could not write.
 */
const char *
weft_strerror(int e)
{
	return e == ENOSPC ? DISK_FULL : strerror(e);
}
