/*
 * report-html.c: a run as one self-contained HTML page: the page's
 * skeleton, its style sheet and script (report-page.c) inline, and the
 * run itself as a JSON data block that the script draws from.  The page
 * loads nothing: no network, no other file (a Content-Security-Policy
 * says so to the browser too).  The JSON is made safe for a <script>
 * element: '<', '>' and '&' are written as \u escapes, so no task id or
 * stderr text (say "</script>" or "<!--") can end the block.  Called
 * through report_write by cmd-report.c and run-report.c.
 */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "weft.h"

/* S as a JSON string, non-UTF-8 bytes as U+FFFD, or null. */
static json_t *
html_str(const char *s)
{
	json_t	*j;
	char	*u;

	if (s == NULL)
		return json_null();
	u = report_utf8(s, strlen(s));
	j = json_string(u);
	free(u);
	return j != NULL ? j : json_null();
}

/* Seconds to the millisecond, or null. */
static json_t *
html_secs(double secs)
{
	if (isnan(secs))
		return json_null();
	return json_real(round(secs * 1000.0) / 1000.0);
}

/* How a task or try ended: "0", "3", "SIGKILL", or null. */
static json_t *
html_exit(int has_exit, int exit_code, int sig)
{
	json_t	*j;
	char	*s;

	if (sig != 0) {
		s = dbread_signal_name(sig);
		j = json_string(s);
		free(s);
		return j;
	}
	if (!has_exit)
		return json_null();
	s = xprintf("%d", exit_code);
	j = json_string(s);
	free(s);
	return j;
}

/* The positions of the tasks T depends on (task_depends has indexes). */
static json_t *
html_deps(const struct report *rp, const struct report_task *t)
{
	const struct report_task	*d;
	json_t				*a = json_array();
	const char			*p;
	char				*end;

	for (p = t->deps; p != NULL && *p != '\0'; p = end) {
		d = report_task_at(rp, strtoll(p, &end, 10));
		if (end == p)
			break;
		if (*end == ',')
			end++;
		if (d != NULL)
			json_array_append_new(a, json_integer(d - rp->tasks));
	}
	return a;
}

/* The run as the script reads it; see report-page.c for the arrays. */
static json_t *
html_data(const struct report *rp)
{
	const struct report_task	*t;
	const struct report_try		*y;
	json_t				*o, *tasks, *tries, *a;
	size_t				 i;

	o = json_object();
	json_object_set_new(o, "run", html_str(rp->run));
	json_object_set_new(o, "name", html_str(rp->name));
	json_object_set_new(o, "file", html_str(rp->file));
	json_object_set_new(o, "state", html_str(rp->state));
	json_object_set_new(o, "exit", rp->has_exit ?
	    json_integer(rp->exit_code) : json_null());
	json_object_set_new(o, "began", html_str(rp->began));
	json_object_set_new(o, "completed", html_str(rp->completed));
	json_object_set_new(o, "host", html_str(rp->host));
	json_object_set_new(o, "user", html_str(rp->user));
	json_object_set_new(o, "rundir", html_str(rp->rundir));
	json_object_set_new(o, "duration", html_secs(rp->duration));
	json_object_set_new(o, "now", html_secs(rp->now));
	json_object_set_new(o, "live", json_boolean(rp->completed == NULL));
	tasks = json_array();
	for (i = 0; i < rp->ntasks; i++) {
		t = &rp->tasks[i];
		a = json_array();
		json_array_append_new(a, html_str(t->id));
		json_array_append_new(a, html_str(t->app));
		json_array_append_new(a, html_str(t->state));
		json_array_append_new(a, json_integer(t->ntries));
		json_array_append_new(a, html_secs(t->duration));
		json_array_append_new(a, html_exit(t->has_exit, t->exit_code,
		    t->sig));
		json_array_append_new(a, t->rss >= 0 ?
		    json_integer(t->rss) : json_null());
		json_array_append_new(a, html_str(t->why != NULL &&
		    t->reason == NULL ? t->why : t->reason));
		json_array_append_new(a, html_str(t->tail));
		json_array_append_new(a, html_deps(rp, t));
		json_array_append_new(a, html_str(t->asked));
		json_array_append_new(tasks, a);
	}
	json_object_set_new(o, "tasks", tasks);
	tries = json_array();
	for (i = 0; i < rp->ntries; i++) {
		y = &rp->tries[i];
		a = json_array();
		json_array_append_new(a, json_integer(y->task));
		json_array_append_new(a, json_integer(y->try_id));
		json_array_append_new(a, html_str(y->lane));
		json_array_append_new(a, html_secs(isnan(y->started) ?
		    y->launched : y->started));
		json_array_append_new(a, html_secs(y->ended));
		json_array_append_new(a, html_str(y->state));
		json_array_append_new(a, html_str(y->reason));
		json_array_append_new(a, y->rss >= 0 ?
		    json_integer(y->rss) : json_null());
		json_array_append_new(tries, a);
	}
	json_object_set_new(o, "tries", tries);
	return o;
}

/* Text escaped for HTML; non-UTF-8 bytes as U+FFFD. */
static void
html_text(FILE *f, const char *s)
{
	char	*u, *p;

	u = report_utf8(s, strlen(s));
	for (p = u; *p != '\0'; p++) {
		if (*p == '&')
			fputs("&amp;", f);
		else if (*p == '<')
			fputs("&lt;", f);
		else if (*p == '>')
			fputs("&gt;", f);
		else if (*p == '"')
			fputs("&quot;", f);
		else
			fputc(*p, f);
	}
	free(u);
}

/* JSON text made safe inside a <script> element. */
static void
html_script_json(FILE *f, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '<')
			fputs("\\u003c", f);
		else if (*s == '>')
			fputs("\\u003e", f);
		else if (*s == '&')
			fputs("\\u0026", f);
		else
			fputc(*s, f);
	}
}

static const char html_head[] =
	"<!DOCTYPE html>\n"
	"<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	"<meta http-equiv=\"Content-Security-Policy\" content=\""
	"default-src 'none'; style-src 'unsafe-inline'; "
	"script-src 'unsafe-inline'\">\n"
	"<meta name=\"generator\" content=\"weft report\">\n";

static const char html_body[] =
	"<section id=\"summary\"></section>\n"
	"<h2>Timeline</h2>\n"
	"<p>Every try, by pool and slot; colours by app, failed tries "
	"outlined in red, running ones dashed.</p>\n"
	"<div class=\"scroll\" id=\"gantt\"></div>\n"
	"<h2>Task graph</h2>\n"
	"<p>The workflow's entries; the bar under each shows its tasks "
	"by state.</p>\n"
	"<div class=\"scroll\" id=\"dag\"></div>\n"
	"<h2>Apps</h2>\n"
	"<table id=\"appstats\"><thead><tr><th>App</th><th>Tasks</th>"
	"<th>Timed</th><th>Min</th><th>Median</th><th>Mean</th>"
	"<th>Max</th><th>Measured</th><th>Min RSS</th>"
	"<th>Median RSS</th><th>Mean RSS</th><th>Max RSS</th></tr>"
	"</thead><tbody></tbody></table>\n"
	"<h2>Tasks</h2>\n"
	"<div class=\"controls\"><input id=\"filter\" type=\"search\" "
	"placeholder=\"filter by task, app, reason\" size=\"40\"> "
	"<select id=\"state\"><option value=\"\">every state</option>"
	"</select> <span id=\"shown\"></span></div>\n"
	"<div class=\"scroll\" id=\"tasktable\" role=\"table\">"
	"<div class=\"tr\" id=\"thead\" role=\"row\">"
	"<span role=\"columnheader\">Task</span>"
	"<span role=\"columnheader\">App</span>"
	"<span role=\"columnheader\">State</span>"
	"<span role=\"columnheader\">Tries</span>"
	"<span role=\"columnheader\">Duration</span>"
	"<span role=\"columnheader\">Exit</span>"
	"<span role=\"columnheader\">Peak RSS</span>"
	"<span role=\"columnheader\">Reason / stderr</span></div>"
	"<div id=\"tbody\"></div></div>\n<div id=\"tip\"></div>\n";

/* Writes RP as an HTML page to F; returns 0 or -1 on a write error. */
int
report_html(const struct report *rp, FILE *f)
{
	json_t	*data;
	char	*json;

	dbread_json_init();
	data = html_data(rp);
	json = json_dumps(data, JSON_COMPACT|JSON_REAL_PRECISION(10));
	json_decref(data);
	if (json == NULL)
		return -1;
	fputs(html_head, f);
	fputs("<title>weft run ", f);
	html_text(f, rp->run);
	fputs(": ", f);
	html_text(f, rp->name != NULL ? rp->name : "workflow");
	fprintf(f, "</title>\n<style>\n%s</style>\n</head>\n<body>\n",
	    report_page_css);
	fputs("<h1 id=\"title\">weft run ", f);
	html_text(f, rp->run);
	fputs(": ", f);
	html_text(f, rp->name != NULL ? rp->name : "workflow");
	fprintf(f, "</h1>\n%s", html_body);
	fputs("<script type=\"application/json\" id=\"weft-data\">", f);
	html_script_json(f, json);
	free(json);
	fprintf(f, "</script>\n<script>\n%s</script>\n</body>\n</html>\n",
	    report_page_js);
	return ferror(f) ? -1 : 0;
}
