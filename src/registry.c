/*
 * registry.c: the registry of a run's processes, runs/NNNN/helpers.json.
 *
 * The registry is written by main (atomically, by rename) whenever a
 * helper starts, dies, is due to restart or is given up.  It names every
 * process with its pid and start time, so that status can tell a dead
 * helper (pid gone, a zombie, or reused by a stranger) from one that does
 * not answer, even when main itself does not answer.
 *
 * This file reads it, for cmd-status.c.  Its writer is still
 * registry_write() in cmd-run.c, and belongs here too.
 */

#include <sys/types.h>

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "weft.h"

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
