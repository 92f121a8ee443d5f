/*
 * workflow.h: what the loader's two files share, workflow.c (the
 * definitions, which every process loads) and workflow-main.c (the main
 * body, which only the full mode reaches).  Private to those two.
 */

#ifndef WORKFLOW_H
#define WORKFLOW_H

struct loader {
	struct workflow	*wf;
	struct wf_errors errs;
	struct ytree	 t;		/* reports into errs */
	size_t		 total_tasks;
	int		 too_many_told;	/* the task limit: said once */
	/* While an included file is read (workflow-include.c): */
	const char	*dir;		/* its directory, for its plugins */
	const struct ynode *inc_root;	/* its top level */
	int		 snapshot;	/* a run's copy: includes are too */
	size_t		*chain;		/* the files being included, nested:
					   indices into wf->includes */
	size_t		 nchain;
};

/* workflow.c */
void		 check_keys(struct loader *, const struct ynode *,
		     const char *const *, const char *);
int		 get_string(struct loader *, const struct ynode *, const char *,
		     char **);
int		 is_name(const char *, int);
int		 check_name(struct loader *, const struct ynode *,
		     const char *);
int		 has_control(const char *);
int		 check_template(struct loader *, const struct ynode *);
int		 want_map(struct loader *, const struct ynode *, const char *);
void		 defined_twice(struct loader *, const char *, const char *,
		     const struct wf_mark *, const struct wf_mark *);
void		 load_definitions(struct loader *, const struct ynode *);

/* workflow-include.c */
void		 load_includes(struct loader *, const struct ynode *);
void		 load_provider(struct loader *, const struct ynode *);
void		 get_resources(struct loader *, const struct ynode *,
		     struct wf_resources *);
int		 get_int(struct loader *, const struct ynode *, const char *,
		     long long, long long, int *);
int		 get_bool(struct loader *, const struct ynode *, const char *,
		     int *);
int		 get_walltime(struct loader *, const struct ynode *, char **,
		     int64_t *);

/* workflow-config.c */
void		 load_config(struct loader *, const struct ynode *);

/* workflow-env.c */
void		 load_env(struct loader *, const struct ynode *, const char *,
		     int, struct wf_kv **, size_t *);
void		 load_params(struct loader *, const struct ynode *);

/* workflow-data.c: for workflow-main.c only */
long		 foreach_data(struct loader *, const struct ynode *,
		     const struct ynode *, struct wf_foreach *);

/* workflow-table.c: for workflow-data.c only */
long		 foreach_table(struct loader *, const struct ynode *,
		     const char *, char *, size_t, struct wf_foreach *);

/* workflow-matrix.c: for workflow-main.c only */
void		 matrix_diagonal(struct wf_call *, size_t);
void		 matrix_list(struct loader *, struct wf_call *,
		     const struct ynode *);
void		 matrix_edit(struct loader *, struct wf_call *,
		     const struct ynode *, const struct ynode *);

/* workflow-main.c */
void		 load_main(struct loader *, const struct ynode *,
		     const struct ynode *);
void		 check_call_apps(struct loader *);

#endif /* WORKFLOW_H */
