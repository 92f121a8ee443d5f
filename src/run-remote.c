/*
 * run-remote.c: main's side of pools on other hosts.  A run whose
 * workflow has config.interchange (or, later, a provider that starts
 * pools elsewhere) makes its credentials (certs.c) in runs/NNNN/certs/,
 * has the interchange listen on tcp:// at the address pools are to use,
 * and, once the interchange says where that is, writes it to the log,
 * to runs/NNNN/interchange.url (for "weft pool --connect") and to what
 * "weft status" shows.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "weft.h"
#include "proto.h"
#include "run.h"

/*
 * The workflow's heartbeats, for main and every helper, which read them
 * from the environment (heartbeat.c).
 */
void
remote_heartbeats(const struct workflow *wf)
{
	char	 num[32];

	if (wf->hb_period_ms > 0) {
		snprintf(num, sizeof num, "%lld", (long long)wf->hb_period_ms);
		setenv("WEFT_HEARTBEAT_MS", num, 1);
	}
	if (wf->hb_threshold_ms > 0) {
		snprintf(num, sizeof num, "%lld",
		    (long long)wf->hb_threshold_ms);
		setenv("WEFT_HEARTBEAT_THRESHOLD_MS", num, 1);
	}
}

/*
 * Before the interchange starts: the credentials, and A's --listen.
 * Returns -1 (said) if they cannot be made.
 */
int
remote_setup(struct run *r, struct roleargs *a)
{
	struct curve_keys	 keys;
	char			*dir, *err, *address;
	int			 rc;

	if (!r->wf->ix_tcp)
		return 0;
	dir = xprintf("%s/certs", r->rd.path);
	rc = certs_create(dir, &keys, &err);
	explicit_bzero(&keys, sizeof keys);
	free(dir);
	if (rc == -1) {
		fprintf(stderr, "%s: %s\n", weft_prog, err);
		free(err);
		return -1;
	}
	address = r->wf->ix_address != NULL ? xstrdup(r->wf->ix_address) :
	    net_address();
	if (r->wf->ix_port_lo == r->wf->ix_port_hi)
		r->listen = xprintf("tcp://%s:%d", address,
		    r->wf->ix_port_lo);
	else
		r->listen = xprintf("tcp://%s:%d-%d", address,
		    r->wf->ix_port_lo, r->wf->ix_port_hi);
	log_info("the interchange is to listen for pools at %s%s", r->listen,
	    r->wf->ix_address == NULL ? " (address found by weft)" : "");
	free(address);
	a->listen = r->listen;
	a->pool = r->pools;	/* remote pools are numbered after ours */
	return 0;
}

/* MSG_LISTENING: [url], where pools connect. */
void
remote_listening(struct run *r, const struct msg_in *m)
{
	const char	*s;
	char		*path, *text;
	uint32_t	 len;

	if (m->nfields != 1 || msg_get_str(&m->fields[0], &s, &len) == -1 ||
	    memchr(s, '\0', len) != NULL) {
		log_warnx("malformed listening notice ignored");
		return;
	}
	free(r->ix_url);
	r->ix_url = xstrndup(s, len);
	log_info("pools connect to %s with the credentials in %s/certs",
	    r->ix_url, r->rd.path);
	path = xprintf("%s/interchange.url", r->rd.path);
	text = xprintf("%s\n", r->ix_url);
	if (write_file_atomic(path, text, strlen(text)) == -1)
		log_warn("cannot write %s", path);
	free(text);
	free(path);
	if (r->pools == 0 && r->prov == NULL && !r->quiet) {
		progress_clear(r);
		printf("weft: waiting for pools: weft pool --connect %s "
		    "--certs %s/certs\n", r->ix_url, r->rd.path);
		fflush(stdout);
	}
}

/* What "weft status" shows of it, in main's part. */
void
remote_status(struct run *r, json_t *stats)
{
	if (r->ix_url != NULL)
		json_object_set_new(stats, "url", json_string(r->ix_url));
	if (r->prov != NULL) {
		json_object_set_new(stats, "provider",
		    json_string(r->wf->provider));
		json_object_set_new(stats, "blocks", provider_json(r));
	}
}

/*
 * MSG_POOL_JOINED: [pool, pid, host, block, slots, cpus, memory, gpus]:
 * where that pool's tries run, for their record.
 */
void
remote_joined(struct run *r, const struct msg_in *m)
{
	struct remote_pool	 rp;
	int64_t			 id, pid, slots;

	memset(&rp, 0, sizeof rp);
	if (m->nfields != 8 || msg_get_int(&m->fields[0], &id) == -1 ||
	    msg_get_int(&m->fields[1], &pid) == -1 ||
	    msg_get_text(&m->fields[2], rp.host, sizeof rp.host) == -1 ||
	    msg_get_text(&m->fields[3], rp.block, sizeof rp.block) == -1 ||
	    msg_get_int(&m->fields[4], &slots) == -1) {
		log_warnx("malformed pool-joined notice ignored");
		return;
	}
	rp.id = (int)id;
	rp.pid = (pid_t)pid;
	rp.slots = (int)slots;
	/* A provider's block is "KIND-N"; a pool started by hand has none. */
	block_executor(rp.block, rp.executor, sizeof rp.executor);
	if (rp.block[0] == '\0')
		snprintf(rp.block, sizeof rp.block, "%d", rp.id);
	r->remotes = xreallocarray(r->remotes, r->nremotes + 1,
	    sizeof *r->remotes);
	r->remotes[r->nremotes++] = rp;
	provider_joined(r, rp.block, rp.slots);
	log_info("pool %d joined from %s (pid %ld, %d slots, block %s)",
	    rp.id, rp.host, (long)rp.pid, rp.slots, rp.block);
}

const struct remote_pool *
remote_find(const struct run *r, int id)
{
	size_t	 i;

	for (i = 0; i < r->nremotes; i++) {
		if (r->remotes[i].id == id)
			return &r->remotes[i];
	}
	return NULL;
}

/*
 * MSG_HEARTBEAT from the interchange: [[pool, tries]...], what each
 * remote pool has now; a pool not listed is gone.
 */
void
remote_load(struct run *r, const struct msg_in *m)
{
	const msgpack_object	*list, *e;
	int64_t			 id, tries;
	size_t			 i, k;

	if (m->nfields != 1 || m->fields[0].type != MSGPACK_OBJECT_ARRAY)
		return;
	list = &m->fields[0];
	for (k = 0; k < r->nremotes; k++)
		r->remotes[k].gone = 1;
	for (i = 0; i < list->via.array.size; i++) {
		e = &list->via.array.ptr[i];
		if (e->type != MSGPACK_OBJECT_ARRAY || e->via.array.size != 2 ||
		    msg_get_int(&e->via.array.ptr[0], &id) == -1 ||
		    msg_get_int(&e->via.array.ptr[1], &tries) == -1)
			continue;
		for (k = 0; k < r->nremotes; k++) {
			if (r->remotes[k].id == id) {
				r->remotes[k].tries = (uint32_t)tries;
				r->remotes[k].gone = 0;
			}
		}
	}
}
