/*
 * dag.h: what the task graph's two files share, dag.c (the plan, the
 * edges, the order and the public dag_ functions) and dag-expand.c (the
 * tasks of each entry of main, and a task's text when it is about to
 * run).  Private to those two.
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

/* One entry of main: where its tasks are, and what others take of it. */
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
	const char	       **arg_names;	/* foreach keys, then args */
	size_t			 nargs;
	uint32_t		*params;	/* {params.X} its templates */
	size_t			 nparams;
	int			 referenced;	/* another entry names it */
	int			 late;		/* its text holds results */
	int			 failed;
	uint32_t		*irefs;		/* entries it names per item */
	size_t			 nirefs;
	int			 itemwise;	/* ITEMWISE_*: per task */
	int			 in_itemmap;	/* its tasks are in itemmap */
};
/*
 * Templates that name tasks per item ({qc[s={s}].outputs}) differ from
 * task to task, so they are checked for each task, not the first only.
 */
#define ITEMWISE_ARGS	0x1
#define ITEMWISE_CMD	0x2
#define ITEMWISE_SETTINGS 0x4	/* env, when: all that the first checks */

/*
 * What the graph keeps beyond its tasks: a task's command and arguments
 * are not stored but expanded from the entry's templates when the task
 * is about to run (dag_task_text), so the entries stay; ids and paths
 * live in one arena; the edges in two flat arrays.
 */
struct dag_private {
	const struct workflow	*wf;
	struct arena		 arena;
	struct call_info	*ci;
	size_t			 ncalls;
	struct strmap		 callmap;	/* call id -> call */
	struct strmap		 outmap;	/* normalised output -> task */
	uint32_t		*edges;		/* every task's deps */
	uint32_t		*back;		/* every task's dependents */
	struct dag		*dag;
	struct strmap		 itemmap;	/* task id -> task, if named */
	int			 have_itemmap;
	const char	       **wordbuf;	/* a pattern's words, reused */
	size_t			 cwordbuf;
};

struct builder {
	const struct workflow	*wf;
	struct dag		*dag;
	struct dag_private	*d;
	struct wf_errors	 errs;
	struct strmap		 taskmap;	/* task id -> task, if needed */
	int			 have_taskmap;
	size_t			 max_edges;
	size_t			 nsubst;	/* bytes of paths stored */
	size_t			 max_subst;	/* and at most */
	char		       **pathbuf;	/* one task's paths, reused */
	size_t			 npathbuf;
	size_t			 cpathbuf;
	uint32_t		*srcbuf;
	uint64_t		*itemdeps;	/* task << 32 | task it names */
	size_t			 nitemdeps;
	size_t			 citemdeps;
	size_t			 itemdep_at;	/* add_deps's place in them */
	struct said		*said;		/* template errors reported */
	size_t			 nsaid;
	int			 partial;	/* no checks after expansion */
	int			 edges_full;
};

/*
 * The bytes of paths a graph may hold: {ID.outputs} puts a whole list
 * into each task that names it, so without a bound two short entries
 * could ask for the square of their task count in memory.  The bound
 * grows with the number of tasks, so a big graph of short paths fits.
 */
#define DAG_MAX_SUBST		((size_t)256 * 1024 * 1024)
#define DAG_SUBST_PER_TASK	((size_t)100)

/* dag-expand.c */
/* "sim[seed=2]": the id of the task of combination combo; caller frees. */
char		*task_id(const struct wf_call *, const size_t *);
int		 charge_literals(struct builder *, uint32_t);
void		 expand_call(struct builder *, uint32_t);
void		 record_refs(struct builder *, uint32_t);
/* The call of a task: its index in the workflow's entries. */
#define TASK_CALL(d, t)	((uint32_t)((t)->call - (d)->ci[0].c))

/*
 * What a template may name while one task is being expanded: at build
 * time (b set: errors are reported, paths are charged) or when the task
 * is about to run (b NULL: the build has checked everything).
 */
struct scope {
	struct dag_private	*d;
	struct builder		*b;
	const struct wf_call	*c;
	uint32_t		 call;
	const size_t		*combo;		/* foreach value indices */
	char		       **argv;		/* expanded args; NULL: none */
	size_t			 nargv;
	const struct task	*t;
	int			 inputs_ok;
	int			 outputs_ok;
	int			 results_ok;	/* in args and commands only */
	int			 record;	/* only note {ID.outputs} */
	int			 charge;	/* count what is stored */
	int			 shared;	/* the words are the arena's */
	int			 late;		/* a result was named */
	int			 item;		/* record: names a task */
	int			 silent;	/* the fault is reported */
	char			 why[1536];	/* a lookup's own complaint */
};

/* dag.c */
int		 dep_add(struct builder *, uint32_t **, size_t *, size_t *,
		     uint32_t *, uint32_t, uint32_t);
/* After a failed task (NERR errors before it): go on to the next? */
int		 keep_going(struct builder *, size_t, unsigned *);
/*
 * Whether fault KEY of template TPL (at byte OFF) of entry CALL was
 * reported already, for another task; notes it if not.
 */
int		 said_before(struct builder *, uint32_t, const void *, size_t,
		     const char *);

/* dag-expand.c */
void		 call_combo(const struct wf_call *, uint64_t, size_t *);
/* An entry's args into s->argv (reported at build); then freed. */
int		 expand_args(struct scope *);
void		 free_args(struct scope *);

/*
 * Entries with more foreach keys than this keep their combination on the
 * heap while a task's text is expanded (dag-text.c).
 */
#define COMBO_ON_STACK	16
char		*need_expand(struct builder *, const struct task *,
		     const struct wf_str *);

/* dag-needs.c: the edges of needs, for dag.c */
void		 needs_check(struct builder *);
int		 needs_add(struct builder *, struct task *, uint32_t *,
		     uint32_t **, size_t *, size_t *);
/*
 * And of tasks named per item: item_dep notes that task T names task P
 * (dag-scope.c), item_deps_done ends a task's notes from index FROM,
 * item_deps_sort puts them in task order, item_deps_add adds T's.
 */
int		 item_dep(struct builder *, uint32_t, uint32_t);
void		 item_deps_done(struct builder *, size_t);
void		 item_deps_sort(struct builder *);
int		 item_deps_add(struct builder *, struct task *, uint32_t *,
		     uint32_t **, size_t *, size_t *);

/* dag-scope.c: what a template names, for dag-expand.c */
int		 scope_lookup(void *, const char *, const char *const **,
		     size_t *);

#endif /* DAG_H */
