/*
 * results.c: a test plugin of functions that return results, for the
 * suites tests/cli/plugins.bats and tests/cli/functions.bats (and the
 * robust-execution suites outputs.bats and resume.bats).
 *
 *   add         result x + y, as JSON number text ("11", "2.5")
 *   echo        result the value of argument v
 *   getenv      result "NAME=VALUE" of the environment variable named by
 *               argument name, or "NAME unset": the env of its call
 *   pid         result getpid(), as text: which worker ran the call
 *   sleep_ms    sleeps ms milliseconds, then result getpid()
 *   describe    result "task=ID|attempt=N|args=a=1,b=2|inputs=x,y|
 *               outputs=z|cwd=DIR" (on one line): what weft passed;
 *               writes "described" to each of its outputs
 *   say         writes "say-stdout: MSG" to stdout and "say-stderr: MSG"
 *               to stderr (MSG the argument msg); result "said"
 *   fail        fails with the message of argument msg (default "it
 *               failed on purpose")
 *   fail_quiet  fails with the code of argument code (default 7) and no
 *               message
 *   count       appends the task id and a newline to the file named by
 *               argument file, sets no result: counts how often it ran
 *   cat_inputs  writes the concatenation of its inputs to its first
 *               output; result the number of bytes
 *   nul         sets a result of 3 bytes with a NUL in the middle and
 *               returns WEFT_OK whatever weft_set_result_len says
 *   big         sets a result of n bytes (default WEFT_RESULT_MAX + 1)
 *               and returns WEFT_OK whatever weft_set_result_len says
 *   which       result "results" (crash.c has one that says "crash")
 *   chatter     writes argument lines (default 1) lines "out ID try N
 *               line K" to stdout with printf and as many "err ID try N
 *               line K" to stderr with fprintf, then "raw ID try N" to
 *               each with one write(2), and flushes nothing itself (N
 *               the attempt, K from 0); then fails with "chattered" while
 *               the attempt is below argument fail_tries (default 0),
 *               ends its process if argument die is "segv" (SIGSEGV,
 *               after flushing stdout) or "exit" (exit(3), which
 *               flushes), else sleeps argument sleep_ms milliseconds
 *               (default 0) and succeeds with result "chatted"
 *   write_outputs
 *               appends the task id to the file named by argument file,
 *               if given (counts how often it ran); writes "ID try N"
 *               and a newline to each of its outputs (N the attempt,
 *               from 0); sleeps argument sleep seconds, if given; then
 *               fails with "wrote and failed" if argument fail is "yes",
 *               else succeeds with argument v as its result, if given
 *               (no result without it).  With no outputs declared, it
 *               writes nothing: results.count with outputs declared is
 *               the function that succeeds without making them
 *
 * The init hook acts only under test: if WEFT_TEST_INIT_LOG is set, it
 * appends its process id to that file, so that a test can count the
 * processes that loaded the plugin.
 */

#define _POSIX_C_SOURCE 200809L

#include <weft/plugin.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* write(2) all of LEN bytes; one call for a short line (O_APPEND). */
static int
write_all(int fd, const char *buf, size_t len)
{
	ssize_t	 n;

	while (len > 0) {
		n = write(fd, buf, len);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Writes LINE (and a newline) to PATH with one write, with FLAGS. */
static int
put_line(const char *path, const char *line, int flags)
{
	char	 buf[4096];
	int	 fd, n, rc;

	n = snprintf(buf, sizeof buf, "%s\n", line);
	if (n < 0 || (size_t)n >= sizeof buf)
		return -1;
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | flags, 0644);
	if (fd == -1)
		return -1;
	rc = write_all(fd, buf, (size_t)n);
	if (close(fd) == -1)
		rc = -1;
	return rc;
}

/* Appends LINE (and a newline) to PATH with one write. */
static int
append_line(const char *path, const char *line)
{
	return put_line(path, line, O_APPEND);
}

static int
results_init(char *why, size_t len)
{
	const char	*log = getenv("WEFT_TEST_INIT_LOG");
	char		 pid[32];

	if (log == NULL || *log == '\0')
		return 0;
	snprintf(pid, sizeof pid, "%ld", (long)getpid());
	if (append_line(log, pid) == -1) {
		snprintf(why, len, "cannot append to %s: %s", log,
		    strerror(errno));
		return 1;
	}
	return 0;
}

WEFT_PLUGIN("results", results_init);

/* Fails the call with "NAME: WHAT". */
static int
failf(struct weft_call *call, const char *name, const char *what)
{
	char	 msg[512];

	snprintf(msg, sizeof msg, "%s: %s", name, what);
	weft_set_error(call, msg);
	return WEFT_FAILED;
}

/* The number in argument NAME, or -1 with an error set. */
static int
num_arg(struct weft_call *call, const char *name, double *out)
{
	const char	*s = weft_arg(call, name);
	char		*end;
	char		 msg[256];

	if (s == NULL) {
		snprintf(msg, sizeof msg, "no argument '%s'", name);
		failf(call, call->task_id, msg);
		return -1;
	}
	errno = 0;
	*out = strtod(s, &end);
	if (end == s || *end != '\0' || errno != 0) {
		snprintf(msg, sizeof msg, "%s is not a number: '%s'", name, s);
		failf(call, call->task_id, msg);
		return -1;
	}
	return 0;
}

WEFT_EXPORT int
add(struct weft_call *call)
{
	double	 x, y, sum;
	char	 buf[64];

	if (num_arg(call, "x", &x) == -1 || num_arg(call, "y", &y) == -1)
		return WEFT_FAILED;
	sum = x + y;
	/* No libm: the plugin links against nothing. */
	if (sum > -1e15 && sum < 1e15 && (double)(long long)sum == sum)
		snprintf(buf, sizeof buf, "%lld", (long long)sum);
	else
		snprintf(buf, sizeof buf, "%.17g", sum);
	return weft_set_result(call, buf) == 0 ? WEFT_OK : WEFT_FAILED;
}

WEFT_EXPORT int
echo(struct weft_call *call)
{
	const char	*v = weft_arg(call, "v");

	if (v == NULL)
		return failf(call, "echo", "no argument 'v'");
	return weft_set_result(call, v) == 0 ? WEFT_OK : WEFT_FAILED;
}

WEFT_EXPORT int
getenv_(struct weft_call *call)
{
	const char	*name = weft_arg(call, "name"), *v;
	char		 buf[512];

	if (name == NULL)
		return failf(call, "getenv", "no argument 'name'");
	if ((v = getenv(name)) != NULL)
		snprintf(buf, sizeof buf, "%s=%s", name, v);
	else
		snprintf(buf, sizeof buf, "%s unset", name);
	return weft_set_result(call, buf) == 0 ? WEFT_OK : WEFT_FAILED;
}

static int
set_pid(struct weft_call *call)
{
	char	 buf[32];

	snprintf(buf, sizeof buf, "%ld", (long)getpid());
	return weft_set_result(call, buf) == 0 ? WEFT_OK : WEFT_FAILED;
}

WEFT_EXPORT int
pid(struct weft_call *call)
{
	return set_pid(call);
}

WEFT_EXPORT int
sleep_ms(struct weft_call *call)
{
	struct timespec	 ts;
	double		 ms;

	if (num_arg(call, "ms", &ms) == -1)
		return WEFT_FAILED;
	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)((ms - ts.tv_sec * 1000.0) * 1e6);
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
	return set_pid(call);
}

/* Writes the N strings of LIST to F, separated by commas. */
static void
put_list(FILE *f, const char *const *list, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		fprintf(f, "%s%s", i > 0 ? "," : "", list[i]);
}

WEFT_EXPORT int
describe(struct weft_call *call)
{
	FILE	*f;
	char	*buf = NULL, cwd[4096];
	size_t	 len = 0, i;
	int	 rc;

	if (getcwd(cwd, sizeof cwd) == NULL)
		return failf(call, "describe", strerror(errno));
	if ((f = open_memstream(&buf, &len)) == NULL)
		return failf(call, "describe", strerror(errno));
	fprintf(f, "task=%s|attempt=%u|args=", call->task_id, call->attempt);
	for (i = 0; i < call->nargs; i++)
		fprintf(f, "%s%s=%s", i > 0 ? "," : "", call->arg_names[i],
		    call->arg_values[i]);
	fputs("|inputs=", f);
	put_list(f, call->inputs, call->ninputs);
	fputs("|outputs=", f);
	put_list(f, call->outputs, call->noutputs);
	fprintf(f, "|cwd=%s", cwd);
	if (fclose(f) != 0) {
		free(buf);
		return failf(call, "describe", "out of memory");
	}
	rc = weft_set_result_len(call, buf, len);
	free(buf);
	/* Its outputs are what it described: the description, each. */
	for (i = 0; rc == 0 && i < call->noutputs; i++)
		rc = put_line(call->outputs[i], "described", O_TRUNC);
	return rc == 0 ? WEFT_OK : WEFT_FAILED;
}

WEFT_EXPORT int
say(struct weft_call *call)
{
	const char	*msg = weft_arg(call, "msg");

	if (msg == NULL)
		msg = "(nothing)";
	printf("say-stdout: %s\n", msg);
	fflush(stdout);
	fprintf(stderr, "say-stderr: %s\n", msg);
	fflush(stderr);
	return weft_set_result(call, "said") == 0 ? WEFT_OK : WEFT_FAILED;
}

WEFT_EXPORT int
fail(struct weft_call *call)
{
	const char	*msg = weft_arg(call, "msg");

	weft_set_error(call, msg != NULL ? msg : "it failed on purpose");
	return WEFT_FAILED;
}

WEFT_EXPORT int
fail_quiet(struct weft_call *call)
{
	const char	*code = weft_arg(call, "code");

	return code != NULL ? atoi(code) : 7;
}

WEFT_EXPORT int
count(struct weft_call *call)
{
	const char	*file = weft_arg(call, "file");

	if (file == NULL)
		return failf(call, "count", "no argument 'file'");
	if (append_line(file, call->task_id) == -1)
		return failf(call, file, strerror(errno));
	return WEFT_OK;
}

WEFT_EXPORT int
cat_inputs(struct weft_call *call)
{
	char		 buf[8192], num[32];
	unsigned long	 total = 0;
	ssize_t		 n;
	size_t		 i;
	int		 in, out;

	if (call->noutputs < 1)
		return failf(call, "cat_inputs", "no output");
	out = open(call->outputs[0], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0644);
	if (out == -1)
		return failf(call, call->outputs[0], strerror(errno));
	for (i = 0; i < call->ninputs; i++) {
		if ((in = open(call->inputs[i], O_RDONLY | O_CLOEXEC)) == -1) {
			close(out);
			return failf(call, call->inputs[i], strerror(errno));
		}
		while ((n = read(in, buf, sizeof buf)) > 0) {
			if (write_all(out, buf, (size_t)n) == -1) {
				close(in);
				close(out);
				return failf(call, call->outputs[0],
				    strerror(errno));
			}
			total += (unsigned long)n;
		}
		close(in);
		if (n == -1) {
			close(out);
			return failf(call, call->inputs[i], strerror(errno));
		}
	}
	if (close(out) == -1)
		return failf(call, call->outputs[0], strerror(errno));
	snprintf(num, sizeof num, "%lu", total);
	return weft_set_result(call, num) == 0 ? WEFT_OK : WEFT_FAILED;
}

WEFT_EXPORT int
big(struct weft_call *call)
{
	const char	*ns = weft_arg(call, "n");
	size_t		 n = WEFT_RESULT_MAX + 1;
	char		*buf;

	if (ns != NULL)
		n = (size_t)strtoull(ns, NULL, 10);
	if ((buf = malloc(n > 0 ? n : 1)) == NULL)
		return failf(call, "big", "out of memory");
	memset(buf, 'x', n);
	/* Whatever weft says, the function claims success: weft decides. */
	(void)weft_set_result_len(call, buf, n);
	free(buf);
	return WEFT_OK;
}

WEFT_EXPORT int
nul(struct weft_call *call)
{
	(void)weft_set_result_len(call, "a\0b", 3);
	return WEFT_OK;
}

WEFT_EXPORT int
which(struct weft_call *call)
{
	return weft_set_result(call, "results") == 0 ? WEFT_OK : WEFT_FAILED;
}

WEFT_EXPORT int
write_outputs(struct weft_call *call)
{
	const char	*file = weft_arg(call, "file");
	const char	*fail_s = weft_arg(call, "fail");
	const char	*v = weft_arg(call, "v");
	struct timespec	 ts;
	double		 secs;
	char		 line[4096];
	size_t		 i;

	if (file != NULL && append_line(file, call->task_id) == -1)
		return failf(call, file, strerror(errno));
	snprintf(line, sizeof line, "%s try %u", call->task_id, call->attempt);
	for (i = 0; i < call->noutputs; i++)
		if (put_line(call->outputs[i], line, O_TRUNC) == -1)
			return failf(call, call->outputs[i], strerror(errno));
	if (weft_arg(call, "sleep") != NULL) {
		if (num_arg(call, "sleep", &secs) == -1)
			return WEFT_FAILED;
		ts.tv_sec = (time_t)secs;
		ts.tv_nsec = (long)((secs - (double)ts.tv_sec) * 1e9);
		while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
			;
	}
	if (fail_s != NULL && strcmp(fail_s, "yes") == 0) {
		weft_set_error(call, "wrote and failed");
		return WEFT_FAILED;
	}
	if (v != NULL)
		return weft_set_result(call, v) == 0 ? WEFT_OK : WEFT_FAILED;
	return WEFT_OK;
}

WEFT_EXPORT int
chatter(struct weft_call *call)
{
	const char	*die = weft_arg(call, "die");
	struct timespec	 ts;
	double		 lines = 1, fail_tries = 0, ms = 0;
	char		 raw[512];
	int		 k, n;

	if ((weft_arg(call, "lines") != NULL &&
	    num_arg(call, "lines", &lines) == -1) ||
	    (weft_arg(call, "fail_tries") != NULL &&
	    num_arg(call, "fail_tries", &fail_tries) == -1) ||
	    (weft_arg(call, "sleep_ms") != NULL &&
	    num_arg(call, "sleep_ms", &ms) == -1))
		return WEFT_FAILED;
	for (k = 0; k < (int)lines; k++) {
		printf("out %s try %u line %d\n", call->task_id, call->attempt,
		    k);
		fprintf(stderr, "err %s try %u line %d\n", call->task_id,
		    call->attempt, k);
	}
	n = snprintf(raw, sizeof raw, "raw %s try %u\n", call->task_id,
	    call->attempt);
	if (write_all(1, raw, (size_t)n) == -1 ||
	    write_all(2, raw, (size_t)n) == -1)
		return failf(call, "write", strerror(errno));
	if (call->attempt < (unsigned int)fail_tries) {
		weft_set_error(call, "chattered");
		return WEFT_FAILED;
	}
	if (die != NULL && strcmp(die, "segv") == 0) {
		fflush(stdout);
		raise(SIGSEGV);
	}
	if (die != NULL && strcmp(die, "exit") == 0)
		exit(3);
	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)((ms - (double)ts.tv_sec * 1000) * 1e6);
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
	return weft_set_result(call, "chatted") == 0 ? WEFT_OK : WEFT_FAILED;
}
