/*
 * dag.h: what the task graph's two files share, dag.c (the plan, the
 * edges, the order and the public dag_ functions) and dag-expand.c (the
 * tasks of each entry of main).  Private to those two.
 */

#ifndef DAG_H
#define DAG_H

/*
 * {ID.result} stands for values known only once ID has run: at build time
 * it becomes one stand-in per task of ID, RESULT_MARK, the task's index,
 * RESULT_END.  Neither byte can come from a workflow file (the loader
 * refuses control characters in values), and a word that holds them is
 * always single-quoted in a command, which is what lets
 * dag_fill_results put any value in its place safely.
 */
#define RESULT_MARK	'\001'
#define RESULT_END	'\002'

struct call_info {
	const struct wf_call	*c;
	const struct wf_app	*app;
	uint32_t		 first;		/* index of its first task */
	uint32_t		 ntasks;
	uint32_t		*refs;		/* {ID.outputs} named */
	size_t			 nrefs;
	const char	       **outwords;	/* every output of its tasks */
	size_t			 noutwords;
	char		       **resultwords;	/* stand-ins for its results */
	int			 failed;
};

struct builder {
	const struct workflow	*wf;
	struct dag		*dag;
	struct wf_errors	 errs;
	struct call_info	*ci;
	size_t			 ncalls;
	struct strmap		 callmap;	/* call id -> call */
	struct strmap		 taskmap;	/* task id -> task */
	struct strmap		 outmap;	/* normalised output -> task */
	char		       **outkeys;	/* keys of outmap */
	size_t			 noutkeys;
	uint32_t	       **out_src;	/* per task: output template */
	uint32_t		*task_call;	/* task -> call */
	size_t			 nedges;
	size_t			 nsubst;	/* bytes substituted */
};

/* dag-expand.c */
/* "sim[seed=2]": the id of the task of combination combo. */
char		*task_id(const struct wf_call *, const size_t *);
int		 charge_literals(struct builder *, uint32_t);
void		 expand_call(struct builder *, uint32_t);
void		 record_refs(struct builder *, uint32_t);

#endif /* DAG_H */
