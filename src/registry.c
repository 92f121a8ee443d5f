/*
 * registry.c: the registry of a run's processes, runs/NNNN/helpers.json.
 *
 * The registry is written by main (atomically, by rename) whenever a
 * helper starts, dies, is due to restart or is given up.  It names every
 * process with its pid and start time, so that status can tell a dead
 * helper (pid gone, a zombie, or reused by a stranger) from one that does
 * not answer, even when main itself does not answer.
 *
 * This file writes it, for main (publish_helpers in run-supervise.c), and
 * reads it, for cmd-status.c.
 */

#include <sys/types.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "weft.h"

/*
 * Writes the registry of run RUN, its N processes PROCS, to PATH at once
 * (by rename), so that a reader never sees half of it.  Returns -1 with
 * errno if it cannot.
 */
int
registry_write(const char *path, const char *run,
    const struct registry_proc *procs, size_t n)
{
	json_t		*list, *o;
	char		*s;
	size_t		 i;
	int		 rc, saved;

	list = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(list, json_pack("{s:s, s:s, s:I, s:I, "
		    "s:s, s:i}", "name", procs[i].name, "role", procs[i].role,
		    "pid", (json_int_t)procs[i].pid, "start",
		    (json_int_t)procs[i].start, "state", procs[i].state,
		    "restarts", procs[i].restarts));
	o = json_pack("{s:i, s:s, s:o}", "version", 1, "run", run,
	    "processes", list);
	s = json_dumps(o, JSON_INDENT(1));
	json_decref(o);
	if (s == NULL) {
		errno = ENOMEM;
		return -1;
	}
	rc = write_file_atomic(path, s, strlen(s));
	saved = errno;
	free(s);
	errno = saved;
	return rc;
}

/*
 * Reads the registry at PATH into REG.  Returns -1 when there is no
 * readable file (main has not written it yet, or the run has gone), with
 * REG empty.  A file without a list of processes leaves reg->listed 0;
 * entries that lack a field are skipped.  The strings in reg->procs
 * belong to REG until registry_free.
 */
int
registry_read(const char *path, struct registry *reg)
{
	json_t		*list, *e;
	json_error_t	 err;
	size_t		 i;
	json_int_t	 pid, start, restarts;
	struct registry_proc *p;

	memset(reg, 0, sizeof *reg);
	reg->doc = json_load_file(path, 0, &err);
	if (reg->doc == NULL)
		return -1;
	list = json_object_get(reg->doc, "processes");
	if (!json_is_array(list))
		return 0;
	reg->listed = 1;
	reg->procs = xcalloc(json_array_size(list) + 1, sizeof *reg->procs);
	json_array_foreach(list, i, e) {
		p = &reg->procs[reg->nprocs];
		pid = start = restarts = 0;
		if (json_unpack(e, "{s:s, s:s, s:s, s:I, s:I, s:I}",
		    "name", &p->name, "role", &p->role,
		    "state", &p->state, "pid", &pid, "start", &start,
		    "restarts", &restarts) == -1)
			continue;
		p->pid = pid;
		p->start = start;
		p->restarts = restarts;
		reg->nprocs++;
	}
	return 0;
}

void
registry_free(struct registry *reg)
{
	free(reg->procs);
	json_decref(reg->doc);
	memset(reg, 0, sizeof *reg);
}
