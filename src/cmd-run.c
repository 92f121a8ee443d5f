/*
 * cmd-run.c: "weft run", the supervisor of a run.
 *
 * This is the only process that loads the main body of a workflow.  It
 * builds the task graph, creates the run directory, starts the helpers
 * (interchange and pools) by spawning its own binary, sends ready tasks to
 * the interchange in batches, and follows results until every task is
 * done, failed or could not run.  It reaps every child in its event loop
 * (signalfd), and is a child subreaper so that tasks orphaned by a dead
 * pool come back to it to be killed.
 *
 * This file holds the command: the setup and end of a run, and the event
 * loop with the one switch over the interchange's messages.  Its
 * companions share run.h: run-options.c (the options, and the workflow
 * loaded), run-sched.c (the state of every task), run-dispatch.c (tasks
 * sent to the interchange), run-supervise.c (the helpers: spawn, reap,
 * restart, stop), run-events.c (main's monitoring events), run-output.c
 * (the terminal) and run-dry.c (--dry-run).
 *
 * Helpers hold the read end of a lifeline pipe whose write end only main
 * holds.  Closing it is how main tells them to stop, and the kernel closes
 * it for us when main dies, even by SIGKILL.  There are two: one for the
 * interchange and pools, one for the monitoring helpers (router and
 * database writer), which must outlive the others to record their end.
 *
 * Every state change of a task is also sent as a monitoring event (see
 * monitor.c).
 *
 * Main supervises its helpers.  A router, dbwriter or pool that dies is
 * restarted after a pause that doubles with each death in a row (a helper
 * that ran HELPER_STABLE_MS before dying starts a new row); after
 * HELPER_MAX_RESTARTS in a row it is given up on.  Giving up monitoring
 * leaves the run going with an incomplete record; giving up the last pool
 * ends the run (exit 3), as does the death of the interchange.  The tries
 * that were on a dead pool come back from the interchange and run again
 * as new tries, recorded as failed with reason "pool lost"; a pool that
 * stops sending heartbeats is killed and takes the same path.  A try
 * whose worker was killed from outside (OUT_WORKER_LOST) runs again the
 * same way, the pool having recorded it 'lost' with reason "worker lost".
 *
 * Main answers "weft status" on ipc://sock/ctl-main, and keeps the list
 * of the run's processes in helpers.json (see control.c).
 *
 * A task whose dependencies are done goes through resume.c before it is
 * sent: with --resume, one that is in the task cache is cached instead of
 * run (and its dependents move on at once); a task with an input that is
 * missing fails there.  Every task that succeeds is recorded in the cache.
 * With --fail-fast, the first task to fail for good stops the run.
 */

#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <zmq.h>

#include "weft.h"
#include "proto.h"
#include "run.h"

static void
read_results(struct run *r)
{
	struct msg_in		 m;
	struct msg_result	 res;
	const msgpack_object	*list;
	zmq_msg_t		 zm;
	uint32_t		 i;
	int			 rc;

	while ((rc = msg_recv(r->sock, &zm, &m, "the interchange")) != 0) {
		if (rc == -1)
			continue;
		heartbeat_heard(&r->ix_hb, mono_ms());
		if (m.type == MSG_HEARTBEAT)
			remote_load(r, &m);
		else if (m.type == MSG_RESULTS && m.nfields == 2 &&
		    m.fields[0].type == MSGPACK_OBJECT_ARRAY &&
		    m.fields[1].type == MSGPACK_OBJECT_ARRAY) {
			list = &m.fields[1];
			for (i = 0; i < list->via.array.size; i++)
				handle_started(r, &list->via.array.ptr[i]);
			list = &m.fields[0];
			for (i = 0; i < list->via.array.size; i++) {
				if (msg_get_result(&list->via.array.ptr[i],
				    &res) == 0)
					handle_result(r, &res);
				else
					log_warnx("malformed result ignored");
			}
		} else if (m.type == MSG_REQUEUE)
			handle_requeue(r, &m);
		else if (m.type == MSG_POOL_SILENT)
			pool_silent(r, &m);
		else if (m.type == MSG_LISTENING)
			remote_listening(r, &m);
		else if (m.type == MSG_POOL_JOINED)
			remote_joined(r, &m);
		else
			log_warnx("unexpected message type %d", m.type);
		msg_in_free(&m);
		zmq_msg_close(&zm);
	}
}

/*
 * SIGINT, SIGTERM and SIGHUP.  The first stops the run; a second (a CI
 * runner's cancel often sends SIGINT, then SIGTERM at once) only says
 * that the run is stopping, since the end of the record is still being
 * written; a third gives that up: the next weft command that opens the
 * database finishes the record from what is left in the run directory.
 */
static void
handle_signals(struct run *r, int running)
{
	struct signalfd_siginfo	 si;

	while (read(r->sigfd, &si, sizeof si) == sizeof si) {
		if (si.ssi_signo == SIGCHLD) {
			reap_children(r, running);
			continue;
		}
		if (si.ssi_signo == SIGWINCH) {
			progress_resized(r);
			continue;
		}
		r->nsignals++;
		log_info("signal %d (%d so far)", si.ssi_signo, r->nsignals);
		progress_clear(r);
		fflush(stdout);
		if (r->nsignals == 1 && !running)
			fprintf(stderr, "weft run: run %s is writing its "
			    "record; "
			    "signal twice more to leave at once\n",
			    r->rd.name);
		else if (r->nsignals == 2)
			fprintf(stderr, "weft run: still stopping run %s and "
			    "writing its record; signal once more to leave "
			    "at once\n", r->rd.name);
		else if (r->nsignals == 3) {
			fprintf(stderr, "weft run: leaving run %s at once; the "
			    "next weft command that opens %s finishes its "
			    "record\n", r->rd.name, r->dbpath != NULL ?
			    r->dbpath : "the database");
			r->hurry = 1;
		}
		if (r->interrupted || !running)
			continue;
		fprintf(stderr, "weft run: interrupted, stopping run %s\n",
		    r->rd.name);
		log_info("interrupted by signal %d", si.ssi_signo);
		r->interrupted = 1;
	}
}

/* Before a batch of main's events goes: the tasks it says are done are
 * cached. */
static void
commit_cache(void *rs)
{
	resume_commit(rs);
}

static void
run_loop(struct run *r)
{
	zmq_pollitem_t	 items[6];
	uint64_t	 ticks;
	int		 nitems, timeout, mon, tick, ctl, hash, fd;

	while (r->nfinished < r->dag->ntasks && !r->aborted &&
	    !r->interrupted && !r->failed_fast) {
		send_ready(r);
		resume_tick(r->rs);
		progress_flush(r);
		memset(items, 0, sizeof items);
		items[0] = (zmq_pollitem_t){ r->sock, 0, ZMQ_POLLIN, 0 };
		items[1] = (zmq_pollitem_t){ NULL, r->sigfd, ZMQ_POLLIN, 0 };
		nitems = 2;
		ctl = mon = tick = hash = -1;
		if (r->ctl != NULL) {
			ctl = nitems++;
			items[ctl] = (zmq_pollitem_t){ ctl_socket(r->ctl), 0,
			    ZMQ_POLLIN, 0 };
		}
		if (r->mon != NULL) {
			mon = nitems++;
			items[mon] = (zmq_pollitem_t){ monitor_socket(r->mon),
			    0, ZMQ_POLLIN, 0 };
		}
		if (r->timerfd != -1) {
			tick = nitems++;
			items[tick] = (zmq_pollitem_t){ NULL, r->timerfd,
			    ZMQ_POLLIN, 0 };
		}
		/* The hasher starts when there is something to hash. */
		if ((fd = resume_fd(r->rs)) != -1) {
			hash = nitems++;
			items[hash] = (zmq_pollitem_t){ NULL, fd, ZMQ_POLLIN,
			    0 };
		}
		timeout = timeout_min(restart_due(r), main_heartbeat(r));
		timeout = timeout_min(timeout, monitor_timeout(r->mon));
		timeout = timeout_min(timeout, resume_due(r->rs));
		timeout = timeout_min(timeout, provider_tick(r));
		publish_helpers(r);
		if (zmq_poll(items, nitems, timeout) == -1) {
			if (errno == EINTR)
				continue;
			fatal("zmq_poll");
		}
		if (items[1].revents != 0)
			handle_signals(r, 1);
		if (hash != -1 && items[hash].revents != 0)
			resume_read(r->rs);
		if (items[0].revents != 0)
			read_results(r);
		apply_verdicts(r);
		if (r->sweep_orphans)
			sweep_orphans(r);
		if (ctl != -1 && items[ctl].revents != 0)
			ctl_answer(r->ctl);
		if (mon != -1 && items[mon].revents != 0) {
			monitor_recv(r->mon);
			restart_silent_writer(r);
		}
		monitor_tick(r->mon);
		if (tick != -1 && items[tick].revents != 0) {
			if (read(r->timerfd, &ticks, sizeof ticks) > 0)
				progress_show(r);
		}
	}
}

/*
 * One turn of the loop used while stopping: signals (reaping, restarts)
 * and monitoring acknowledgements, for at most TIMEOUT ms.
 */
void
pump_once(struct run *r, int64_t timeout)
{
	zmq_pollitem_t	 items[3];
	int		 n = 1, t, mon = -1, ctl = -1;

	memset(items, 0, sizeof items);
	items[0] = (zmq_pollitem_t){ NULL, r->sigfd, ZMQ_POLLIN, 0 };
	if (r->mon != NULL) {
		mon = n++;
		items[mon] = (zmq_pollitem_t){ monitor_socket(r->mon), 0,
		    ZMQ_POLLIN, 0 };
	}
	if (r->ctl != NULL) {
		ctl = n++;
		items[ctl] = (zmq_pollitem_t){ ctl_socket(r->ctl), 0,
		    ZMQ_POLLIN, 0 };
	}
	t = restart_due(r);
	if (t != -1 && t < timeout)
		timeout = t;
	t = monitor_timeout(r->mon);
	if (t != -1 && t < timeout)
		timeout = t;
	publish_helpers(r);
	if (zmq_poll(items, n, timeout) > 0) {
		if (items[0].revents != 0)
			handle_signals(r, 0);
		if (mon != -1 && items[mon].revents != 0) {
			monitor_recv(r->mon);
			restart_silent_writer(r);
		}
		if (ctl != -1 && items[ctl].revents != 0)
			ctl_answer(r->ctl);
	}
	reap_children(r, 0);
	monitor_tick(r->mon);
}

static int
run_setup(struct run *r, const char *base)
{
	struct itimerspec	 its;
	sigset_t		 mask;
	char			*err = NULL, *path;
	size_t			 i;

	if (rundir_create(base, &r->rd, &err) == -1) {
		fprintf(stderr, "%s\n", err);
		free(err);
		return -1;
	}
	path = xprintf("%s/workflow.yaml", r->rd.path);
	if (copy_file(r->wf->path, path) == -1) {
		fprintf(stderr, "weft run: cannot write '%s': %s\n", path,
		    weft_strerror(errno));
		free(path);
		return -1;
	}
	free(path);
	if (rundir_keep_includes(&r->rd, r->wf->includes, r->wf->nincludes,
	    &err) == -1) {
		fprintf(stderr, "weft run: %s\n", err);
		free(err);
		return -1;
	}
	/* For "weft stop", and so that every process of the run knows it. */
	if (rundir_mark_live(&r->rd) == -1 ||
	    setenv("WEFT_RUN_DIR", r->rd.path, 1) == -1) {
		fprintf(stderr, "weft run: cannot mark run %s as live: %s\n",
		    r->rd.name, weft_strerror(errno));
		return -1;
	}
	path = xprintf("%s/weft.log", r->rd.path);
	log_init(path, r->verbose);
	free(path);
	log_set_role("main");
	log_info("weft %s: run %s of %s: %zu tasks, %d pool(s) x %d jobs",
	    PACKAGE_VERSION, r->rd.name, r->wf->path, r->dag->ntasks,
	    r->pools, r->jobs);
	if (chdir(r->rd.path) == -1) {
		fprintf(stderr, "weft run: cannot enter '%s': %s\n", r->rd.path,
		    strerror(errno));
		return -1;
	}
	prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);

	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	if (r->live != NULL)
		sigaddset(&mask, SIGWINCH);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	if ((r->sigfd = signalfd(-1, &mask, SFD_NONBLOCK|SFD_CLOEXEC)) == -1 ||
	    pipe2(r->lifeline, O_CLOEXEC) == -1 ||
	    pipe2(r->mon_lifeline, O_CLOEXEC) == -1) {
		fprintf(stderr, "weft run: %s\n", strerror(errno));
		return -1;
	}
	r->timerfd = -1;
	if (r->tick_ms > 0) {
		r->timerfd = timerfd_create(CLOCK_MONOTONIC,
		    TFD_NONBLOCK|TFD_CLOEXEC);
		its.it_interval.tv_sec = r->tick_ms / 1000;
		its.it_interval.tv_nsec = r->tick_ms % 1000 * 1000000L;
		its.it_value = its.it_interval;
		if (r->timerfd != -1)
			timerfd_settime(r->timerfd, 0, &its, NULL);
	}

	if ((r->ctx = zmq_ctx_new()) == NULL ||
	    (r->sock = zsock_open(r->ctx, ZMQ_DEALER, NULL)) == NULL ||
	    zsock_bind(r->sock, "ipc://sock/main") == -1) {
		fprintf(stderr, "weft run: cannot bind ipc://sock/main: %s\n",
		    zmq_strerror(errno));
		return -1;
	}
	if ((r->bound_pools = ipc_listen("ipc://sock/pools")) == -1 ||
	    (r->wf->monitoring && ((r->bound_router[0] =
	    ipc_listen("ipc://sock/router")) == -1 ||
	    (r->bound_router[1] = ipc_listen("ipc://sock/dbwriter")) == -1))) {
		fprintf(stderr, "weft run: cannot bind the helpers' endpoints "
		    "in %s/sock: %s\n", r->rd.path, weft_strerror(errno));
		return -1;
	}
	r->ctl = ctl_open(r->ctx, "main", "main", main_status_fill, r);
	r->registry = xprintf("%s/helpers.json", r->rd.path);

	r->helpers = xcalloc(r->pools + 3, sizeof *r->helpers);
	helpers_changed(r);
	r->began = db_now();
	if (gethostname(r->hostname, sizeof r->hostname - 1) == -1)
		snprintf(r->hostname, sizeof r->hostname, "localhost");
	/* The router's endpoint is bound: events wait there until it runs. */
	if (r->wf->monitoring) {
		r->dbpath = xprintf("%s/monitoring.db", r->rd.base);
		if ((r->mon = monitor_open(r->ctx, "main")) == NULL)
			give_up_monitoring(r, "cannot reach the router");
	}

	r->tasks = xcalloc(r->dag->ntasks, sizeof *r->tasks);
	r->ready = xcalloc(r->dag->ntasks, sizeof *r->ready);
	r->counts[TS_WAITING] = r->dag->ntasks;
	for (i = 0; i < r->dag->ntasks; i++)
		r->tasks[i].waiting = r->dag->tasks[i].ndeps;
	return 0;
}

static void
run_free(struct run *r)
{
	size_t	 i;

	ctl_close(&r->ctl);
	monitor_close(&r->mon);
	if (r->json_fd != -1)
		close(r->json_fd);
	if (r->bound_pools != -1)
		close(r->bound_pools);
	for (i = 0; i < 2; i++) {
		if (r->bound_router[i] != -1)
			close(r->bound_router[i]);
	}
	if (r->sock != NULL)
		zmq_close(r->sock);
	if (r->ctx != NULL)
		zmq_ctx_term(r->ctx);
	for (i = 0; i < r->nhelpers; i++)
		roleargs_argv_free(r->helpers[i].argv);
	resume_close(&r->rs);
	for (i = 0; r->tasks != NULL && i < r->dag->ntasks; i++) {
		free(r->tasks[i].why);
		task_result_set(&r->tasks[i], NULL);
	}
	for (i = 0; i < r->nplugin_args; i++)
		free(r->plugin_args[i]);
	free(r->plugin_args);
	free(r->registry);
	free(r->listen);
	free(r->ix_url);
	free(r->remotes);
	provider_close(r);
	free(r->dbpath);
	free(r->report_path);
	free(r->junit_path);
	free(r->tasks);
	free(r->ready);
	free(r->selected);
	free(r->ends);
	free(r->end_hows);
	free(r->helpers);
	output_free(r);
	rundir_free(&r->rd);
	dag_free(&r->dag);
	workflow_free(&r->wf);
}

int
cmd_run(int argc, char **argv)
{
	struct run	 r;
	struct rusage	 ru;
	const char	*rundir_opt = NULL;
	char		*base, **plugins, **sets, *log;
	const char	*state;
	int		 jobs = 0, rc, dry = 0, resume = -1, print = 0;
	size_t		 i, nplugins = 0, nsets = 0;
	long		 ncpu;

	memset(&r, 0, sizeof r);
	r.lifeline[0] = r.lifeline[1] = -1;
	r.mon_lifeline[0] = r.mon_lifeline[1] = -1;
	r.bound_pools = r.bound_router[0] = r.bound_router[1] = -1;
	r.retries = -1;
	r.tail = -1;
	r.json_fd = -1;
	plugins = xcalloc(argc + 1, sizeof *plugins);
	sets = xcalloc(argc + 1, sizeof *sets);
	if ((rc = run_options(&r, argc, argv, plugins, &nplugins, sets,
	    &nsets, &rundir_opt, &jobs, &dry, &resume, &print)) != 0) {
		free(plugins);
		free(sets);
		free(r.report_path);
		free(r.junit_path);
		return rc == 1 ? 0 : EXIT_USAGE;
	}
	rc = load_workflow(&r, argv[optind], plugins, nplugins, sets, nsets,
	    dry);
	free(plugins);
	free(sets);
	/* FILE TARGET...: the targets and what they need. */
	if (rc == 0 && run_select(&r, argv + optind + 1,
	    (size_t)(argc - optind - 1)) == -1) {
		run_free(&r);
		return EXIT_USAGE;
	}
	if (rc == -1 || run_report_check(&r) == -1) {
		if (rc != -1)
			run_free(&r);
		else {
			free(r.report_path);
			free(r.junit_path);
		}
		return EXIT_USAGE;
	}
	r.resume = resume != -1 ? resume : r.wf->resume;
	ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	r.jobs = jobs != 0 ? jobs : r.wf->jobs != 0 ? r.wf->jobs :
	    (ncpu > 0 ? (int)ncpu : 1);
	r.pools = r.wf->pools;
	remote_heartbeats(r.wf);
	provider_open(&r);
	resources_setup(&r);
	if (r.json && dry) {
		fprintf(stderr, "weft run: --json does not go with "
		    "--dry-run\n");
		run_free(&r);
		return EXIT_USAGE;
	}
	if (r.json && run_json_begin(&r) == -1) {
		run_free(&r);
		return EXIT_INTERNAL;
	}
	r.tty = isatty(STDOUT_FILENO);
	output_setup(&r);
	clock_gettime(CLOCK_MONOTONIC, &r.t0);

	base = rundir_opt != NULL ? xstrdup(rundir_opt) :
	    xprintf("%s/.weft", r.wf->dir);
	if (dry) {
		rc = dry_run(&r, base, print);
		free(base);
		run_free(&r);
		return rc;
	}
	/* Before the run directory: a refused run leaves nothing behind. */
	if ((rc = outlock_take(base, r.wf, r.dag, &r.outlock)) != 0) {
		free(base);
		run_free(&r);
		return rc == 1 ? EXIT_USAGE : EXIT_INTERNAL;
	}
	rc = run_setup(&r, base);
	free(base);
	if (rc == -1) {
		outlock_release(r.outlock);
		run_free(&r);
		return EXIT_INTERNAL;
	}
	outlock_name(r.outlock, r.rd.name);
	if (r.prov != NULL)
		printf("weft: run %s in %s (%zu task%s, provider %s)\n",
		    r.rd.name, r.rd.path, r.dag->ntasks, r.dag->ntasks == 1 ?
		    "" : "s", r.wf->provider);
	else
		printf("weft: run %s in %s (%zu task%s, %d pool%s x %d "
		    "jobs)\n", r.rd.name, r.rd.path, r.dag->ntasks,
		    r.dag->ntasks == 1 ? "" : "s", r.pools,
		    r.pools == 1 ? "" : "s", r.jobs);

	/*
	 * The cache is opened before any helper writes to the disk: SQLite
	 * frees its shared-memory file's pages and takes them again as it
	 * opens, and on a full disk a helper writing meanwhile would take
	 * them, leaving a resume without its cached tasks.
	 */
	log = xprintf("%s/weft.log", r.rd.path);
	r.rs = resume_open(r.wf, r.dag, r.rd.base, r.resume, 0, r.rd.name,
	    log);
	free(log);
	/*
	 * The helpers load while main sends the run's first events and ends
	 * the records of earlier runs that ended without (record.c): nothing
	 * of that is on their way.  The task side starts first, as the
	 * first task needs it; the router and the writer are needed once
	 * events are to be written, and nothing sent to their endpoints,
	 * bound already, is lost meanwhile.
	 */
	if (start_helpers(&r) == -1)
		r.aborted = 1;
	if (r.mon != NULL && start_monitoring(&r) == -1)
		r.aborted = 1;
	if (r.mon != NULL) {
		ev_workflow(&r);
		ev_tasks(&r);
	}
	if (r.wf->monitoring)
		record_recover(r.rd.base, 1, r.rd.record_known);
	if (r.mon != NULL && r.rs != NULL)
		monitor_before_flush(r.mon, commit_cache, r.rs);
	if (!r.aborted) {
		for (i = 0; i < r.dag->ntasks; i++) {
			if (!run_selected(&r, i))
				not_selected(&r, i);
			else if (run_ready_at_start(&r, i))
				task_ready(&r, i);
			/*
			 * A wide fan-out's verdicts are taken as they come (a
			 * cached task's dependents are made ready then, so
			 * the test of the state above).
			 */
			if (i % RUN_BATCH_MAX == RUN_BATCH_MAX - 1)
				apply_verdicts(&r);
		}
		apply_verdicts(&r);
		heartbeat_init(&r.ix_hb, heartbeat_period(), mono_ms());
		run_loop(&r);
	}
	ctl_set_state(r.ctl, "stopping");
	stop_helpers(&r);
	/* No job of the run is left in a queue. */
	provider_stop(&r);
	settle_unfinished(&r);
	/* Tasks that succeeded while their keys were being worked out. */
	resume_finish(r.rs, !r.interrupted && !r.aborted && !r.hurry);
	/* No task of the run can touch its outputs any more. */
	outlock_release(r.outlock);
	r.outlock = NULL;
	if (r.aborted) {
		rc = EXIT_INTERNAL;
		state = "aborted";
	} else if (r.interrupted) {
		rc = EXIT_INTERRUPTED;
		state = "interrupted";
	} else if (r.counts[TS_FAILED] - r.nallowed +
	    r.counts[TS_DEP_FAIL] > 0 || r.failed_fast) {
		rc = EXIT_TASK_FAILED;
		state = "failed";
	} else {
		rc = 0;
		state = "done";
	}
	ev_workflow_end(&r, state, rc);
	fflush(stdout);
	ctl_set_state(r.ctl, "finishing");
	retry_record(&r);
	finish_monitoring(&r);
	reconcile_with_record(&r);
	/* A run that could not be recorded says so by its exit status. */
	if (r.nospace)
		rc = EXIT_INTERNAL;
	/* The next run numbers itself without reading the database. */
	else if (!r.wf->monitoring || (r.mon != NULL && !r.mon_incomplete))
		rundir_note_record(&r.rd);
	/* Nothing of the run is left to look at. */
	if (r.registry != NULL)
		unlink(r.registry);
	print_summary(&r);
	fflush(stdout);
	/* The reports, from the finished record. */
	if (run_report_write(&r) != 0 && rc == 0)
		rc = EXIT_INTERNAL;
	if (r.aborted)
		fprintf(stderr, "weft run: run %s aborted\n", r.rd.name);
	/* Last: the document gives the exit status weft exits with. */
	if (run_json_write(&r, state, rc) == -1 && rc == 0)
		rc = EXIT_INTERNAL;
	/* bench/compare.sh reads this: memory per task is a goal. */
	if (getrusage(RUSAGE_SELF, &ru) == 0)
		log_info("main's peak memory: %ld KiB", ru.ru_maxrss);
	log_info("run %s finished: exit %d", r.rd.name, rc);
	run_free(&r);
	return rc;
}
