/*
 * workflow-provider.c: the loader's config.provider, by kind:
 *
 *   local   pools started by main on this host (pools: N)
 *   slurm   pools in Slurm jobs, one block a job: partition, account,
 *           qos, walltime, nodes_per_block, cores_per_node,
 *           mem_per_node, gpus_per_node, exclusive, scheduler_options,
 *           worker_init, launcher (srun: one pool a node)
 *   ssh     a pool on each of hosts, started with the system's ssh:
 *           hosts, ssh_options, worker_init
 *
 * and, for slurm, the blocks: init_blocks, min_blocks, max_blocks,
 * parallelism, max_idletime; for both, connect_timeout (a block that
 * runs but from which no pool connects in that time has failed),
 * poll_interval and weft (the path of weft on the other hosts).  A key
 * of another kind is an error that says which kind it is for.
 */

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weft.h"
#include "workflow.h"

#define K_LOCAL		1
#define K_SLURM		2
#define K_SSH		4
#define K_REMOTE	(K_SLURM | K_SSH)

static const struct {
	const char	*key;
	int		 kinds;
} provider_keys[] = {
	{ "kind", K_LOCAL | K_REMOTE },
	{ "pools", K_LOCAL },
	{ "partition", K_SLURM }, { "account", K_SLURM }, { "qos", K_SLURM },
	{ "walltime", K_SLURM }, { "nodes_per_block", K_SLURM },
	{ "cores_per_node", K_SLURM }, { "mem_per_node", K_SLURM },
	{ "gpus_per_node", K_SLURM }, { "exclusive", K_SLURM },
	{ "scheduler_options", K_SLURM }, { "launcher", K_SLURM },
	{ "init_blocks", K_SLURM }, { "min_blocks", K_SLURM },
	{ "max_blocks", K_SLURM }, { "parallelism", K_SLURM },
	{ "max_idletime", K_SLURM },
	{ "hosts", K_SSH }, { "ssh_options", K_SSH },
	{ "worker_init", K_REMOTE }, { "connect_timeout", K_REMOTE },
	{ "poll_interval", K_REMOTE }, { "weft", K_REMOTE },
};
#define NKEYS	(sizeof provider_keys / sizeof provider_keys[0])

static const char *const kind_names[] = { "local", "slurm", "ssh", NULL };

/* Every key of every kind, for check_keys (and its did-you-mean). */
static const char *const all_keys[] = {
	"kind", "pools", "partition", "account", "qos", "walltime",
	"nodes_per_block", "cores_per_node", "mem_per_node", "gpus_per_node",
	"exclusive", "scheduler_options", "launcher", "init_blocks",
	"min_blocks", "max_blocks", "parallelism", "max_idletime", "hosts",
	"ssh_options", "worker_init", "connect_timeout", "poll_interval",
	"weft", NULL
};

/* A list of strings (or one string, for a list of one). */
static void
get_strings(struct loader *l, const struct ynode *v, const char *key,
    char ***out, size_t *n)
{
	const struct ynode	*e;
	char			*what;
	size_t			 i;

	if (v->type == YN_SCALAR && !ynode_null(v)) {
		*out = xcalloc(2, sizeof **out);
		(*out)[(*n)++] = xstrdup(v->s);
		return;
	}
	if (v->type != YN_SEQ) {
		wf_error(&l->errs, &v->mark, "'%s' must be a list of strings, "
		    "not %s", key, ynode_kind(v));
		return;
	}
	*out = xcalloc(v->nkids + 1, sizeof **out);
	what = xprintf("an item of '%s'", key);
	for (i = 0; i < v->nkids; i++) {
		e = v->kids[i];
		if (get_string(l, e, what, &(*out)[*n]) == 0)
			(*n)++;
	}
	free(what);
}

/* A duration such as 30s for KEY, in ms from MIN_MS. */
static void
get_ms(struct loader *l, const struct ynode *v, const char *key,
    int64_t min_ms, char **text, int64_t *ms)
{
	char	*s = NULL, *what;
	int64_t	 d;

	what = xprintf("'%s'", key);
	if (get_string(l, v, what, &s) == 0) {
		if (parse_duration(s, &d) == 0 && d >= min_ms)
			*ms = d;
		else
			wf_error(&l->errs, &v->mark, "invalid %s '%s' (write a "
			    "duration such as 30s, 2m or 1h30m, at least "
			    "%lld ms)", what, s, (long long)min_ms);
	}
	if (text != NULL) {
		free(*text);
		*text = s;
	} else
		free(s);
	free(what);
}

/* The value of KEY for a provider of KIND (a K_* bit). */
static void
load_key(struct loader *l, const char *key, const struct ynode *v,
    struct wf_provider *p)
{
	char	*s = NULL;
	double	 d;
	char	*end;

	if (strcmp(key, "partition") == 0)
		get_string(l, v, "'partition'", &p->partition);
	else if (strcmp(key, "account") == 0)
		get_string(l, v, "'account'", &p->account);
	else if (strcmp(key, "qos") == 0)
		get_string(l, v, "'qos'", &p->qos);
	else if (strcmp(key, "walltime") == 0)
		get_ms(l, v, key, 60000, &p->walltime, &p->walltime_ms);
	else if (strcmp(key, "nodes_per_block") == 0)
		get_int(l, v, key, 1, 100000, &p->nodes_per_block);
	else if (strcmp(key, "cores_per_node") == 0)
		get_int(l, v, key, 1, WEFT_MAX_JOBS, &p->cores_per_node);
	else if (strcmp(key, "gpus_per_node") == 0)
		get_int(l, v, key, 0, 1024, &p->gpus_per_node);
	else if (strcmp(key, "mem_per_node") == 0) {
		if (get_string(l, v, "'mem_per_node'", &s) == 0 &&
		    (parse_size(s, &p->mem_per_node) == -1 ||
		    p->mem_per_node < (1 << 20)))
			wf_error(&l->errs, &v->mark, "'mem_per_node' must be a "
			    "size such as 4G or 512M (1M at least)");
		free(s);
	} else if (strcmp(key, "exclusive") == 0)
		get_bool(l, v, "exclusive", &p->exclusive);
	else if (strcmp(key, "scheduler_options") == 0)
		get_strings(l, v, key, &p->scheduler_options,
		    &p->nscheduler_options);
	else if (strcmp(key, "worker_init") == 0)
		get_string(l, v, "'worker_init'", &p->worker_init);
	else if (strcmp(key, "launcher") == 0) {
		if (get_string(l, v, "'launcher'", &s) == 0) {
			if (strcmp(s, "srun") == 0)
				p->srun = 1;
			else if (strcmp(s, "none") != 0)
				wf_error(&l->errs, &v->mark, "'launcher' must "
				    "be srun or none, not '%s'", s);
		}
		free(s);
	} else if (strcmp(key, "init_blocks") == 0)
		get_int(l, v, key, 0, 10000, &p->init_blocks);
	else if (strcmp(key, "min_blocks") == 0)
		get_int(l, v, key, 0, 10000, &p->min_blocks);
	else if (strcmp(key, "max_blocks") == 0)
		get_int(l, v, key, 1, 10000, &p->max_blocks);
	else if (strcmp(key, "parallelism") == 0) {
		d = -1;
		if (v->type == YN_SCALAR && v->plain && v->s[0] != '\0')
			d = strtod(v->s, &end);
		if (d <= 0 || d > 1 || v->type != YN_SCALAR || !v->plain ||
		    *end != '\0')
			wf_error(&l->errs, &v->mark, "'parallelism' must be a "
			    "number above 0, at most 1");
		else
			p->parallelism = d;
	} else if (strcmp(key, "max_idletime") == 0)
		get_ms(l, v, key, 0, NULL, &p->max_idletime_ms);
	else if (strcmp(key, "connect_timeout") == 0)
		get_ms(l, v, key, 1000, NULL, &p->connect_timeout_ms);
	else if (strcmp(key, "poll_interval") == 0)
		get_ms(l, v, key, 100, NULL, &p->poll_ms);
	else if (strcmp(key, "hosts") == 0)
		get_strings(l, v, key, &p->hosts, &p->nhosts);
	else if (strcmp(key, "ssh_options") == 0)
		get_strings(l, v, key, &p->ssh_options, &p->nssh_options);
	else if (strcmp(key, "weft") == 0)
		get_string(l, v, "'weft'", &p->weft_path);
}

/* The defaults of KIND, before the file's keys. */
static void
defaults(struct wf_provider *p)
{
	p->nodes_per_block = 1;
	p->init_blocks = 1;
	p->min_blocks = 0;
	p->max_blocks = 1;
	p->parallelism = 1;
	p->max_idletime_ms = 120000;
	p->connect_timeout_ms = 300000;
	p->poll_ms = 5000;
}

/* config.provider: a kind's name, or a map with kind: and its keys. */
void
load_provider(struct loader *l, const struct ynode *v)
{
	struct workflow		*wf = l->wf;
	struct wf_provider	*p = &wf->prov;
	const struct ynode	*kv = v, *k, *e;
	size_t			 i, j;
	int			 kind = 0;

	if (v->type != YN_SCALAR || ynode_null(v)) {
		if (want_map(l, v, "'provider'") != 0)
			return;
		kv = ynode_get(v, "kind");
	}
	if (kv == NULL)
		kind = K_LOCAL;
	else if (kv->type != YN_SCALAR || ynode_null(kv)) {
		wf_error(&l->errs, &kv->mark, "'kind' must be a string, not %s",
		    ynode_kind(kv));
		return;
	} else {
		for (i = 0; kind_names[i] != NULL; i++) {
			if (strcmp(kv->s, kind_names[i]) == 0)
				kind = 1 << i;
		}
		if (kind == 0) {
			wf_error(&l->errs, &kv->mark, "unsupported provider "
			    "kind '%s' (supported: local, slurm, ssh)", kv->s);
			return;
		}
		free(wf->provider);
		wf->provider = xstrdup(kv->s);
	}
	defaults(p);
	if (v->type == YN_MAP)
		check_keys(l, v, all_keys, "in config.provider");
	for (i = 0; v->type == YN_MAP && i + 1 < v->nkids; i += 2) {
		k = v->kids[i];
		e = v->kids[i + 1];
		for (j = 0; j < NKEYS; j++) {
			if (strcmp(k->s, provider_keys[j].key) == 0)
				break;
		}
		if (j == NKEYS)
			continue;	/* check_keys said so */
		if (!(provider_keys[j].kinds & kind))
			wf_error(&l->errs, &k->mark, "'%s' is not a key of "
			    "provider kind '%s' (it is for %s)", k->s,
			    wf->provider, provider_keys[j].kinds & K_LOCAL ?
			    "local" : provider_keys[j].kinds == K_SSH ? "ssh" :
			    provider_keys[j].kinds == K_SLURM ? "slurm" :
			    "slurm and ssh");
		else if (strcmp(k->s, "pools") == 0) {
			if (get_int(l, e, "pools", 0, WEFT_MAX_POOLS,
			    &wf->pools) == 0 && wf->pools == 0 &&
			    !wf->ix_tcp)
				wf_error(&l->errs, &e->mark, "'pools: 0' "
				    "needs config.interchange, for pools "
				    "that connect by themselves (weft pool "
				    "--connect)");
		} else if (strcmp(k->s, "kind") != 0)
			load_key(l, k->s, e, p);
	}
	if (kind == K_LOCAL)
		return;
	/* Pools elsewhere connect back over tcp://; none are local. */
	wf->ix_tcp = 1;
	wf->pools = 0;
	if (kind == K_SSH) {
		if (p->nhosts == 0)
			wf_error(&l->errs, &v->mark, "provider kind 'ssh' "
			    "needs 'hosts', a list of at least one host");
		p->init_blocks = p->min_blocks = p->max_blocks =
		    (int)p->nhosts;
	}
	if (p->min_blocks > p->max_blocks || p->init_blocks > p->max_blocks)
		wf_error(&l->errs, &v->mark, "blocks: min_blocks (%d) and "
		    "init_blocks (%d) must not be above max_blocks (%d)",
		    p->min_blocks, p->init_blocks, p->max_blocks);
}

void
provider_free(struct wf_provider *p)
{
	size_t	 i;

	free(p->partition);
	free(p->account);
	free(p->qos);
	free(p->walltime);
	for (i = 0; i < p->nscheduler_options; i++)
		free(p->scheduler_options[i]);
	free(p->scheduler_options);
	free(p->worker_init);
	for (i = 0; i < p->nhosts; i++)
		free(p->hosts[i]);
	free(p->hosts);
	for (i = 0; i < p->nssh_options; i++)
		free(p->ssh_options[i]);
	free(p->ssh_options);
	free(p->weft_path);
}
