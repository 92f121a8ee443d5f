#!/usr/bin/env bats
#
# resume.bats: the cache of successful tasks (.weft/cache/cache.db) and
# "weft run --resume".  Every run records its successful tasks, with
# --resume or not; --resume (or config.resume: true, which --no-resume
# overrides) skips a task whose key is cached and whose outputs are
# unchanged: "cached   ID" on stdout, "N cached" in the summary, state
# 'cached' with one status 'memo_done' after 'pending' and no try in the
# database, task_memoize 1, STATE cached in "weft tasks" (and --state
# cached); a cached function's result reaches {ID.result}.  After SIGINT,
# SIGKILL of weft run or SIGKILL of every process of the run, --resume
# runs only what had not finished, and a task the monitoring record shows
# done is cached however main is killed.  Editing an input file, an app, the
# env, a function's arguments or its plugin re-runs exactly the tasks
# concerned and their dependents; touching, replacing or deleting an
# output re-runs its task.  A corrupt entry is reported once and not
# trusted; a damaged cache file is set aside as cache.db.damaged.  --dry-run
# says what would run and what is cached (with --resume, why each task
# runs; dryrun.bats has the rest), and writes nothing.  Tasks count
# their starts in the file "effects" (robust.bash), so that "ran exactly
# once across runs" is a fact, not a claim of weft's.

load setup
load monitoring
load plugins
load robust

setup_file()
{
	build_plugins
}

setup()
{
	plugin_setup
}

teardown()
{
	robust_teardown
}

@test "a run without --resume records its tasks; --resume then runs none" {
	dag_flow
	run --separate-stderr weft run flow.yaml
	assert_success
	expect_outcomes a1=done a2=done b1=done c1=done m=done
	ran_exactly $DAG_IDS
	[ -f .weft/cache/cache.db ] || fail "no .weft/cache/cache.db: $(ls -R .weft)"
	run q "SELECT DISTINCT task_memoize FROM task WHERE run_id = '0001';"
	assert_output 0
	local before
	before=$(stat_of a1.out a2.out b1.out c1.out m.out)

	resume_again
	expect_outcomes a1=cached a2=cached b1=cached c1=cached m=cached
	assert_line --regexp '^summary: 5 tasks: 5 cached in [0-9.]+s$'
	[ -z "$stderr" ] || fail "stderr: $stderr"
	[ "$(stat_of a1.out a2.out b1.out c1.out m.out)" = "$before" ] ||
	    fail "a cached task's output changed"
	local id
	for id in $DAG_IDS; do
		run status_seq "$id" 0002
		assert_output 'pending memo_done'
		run try_count 0002 "$id"
		assert_output 0
	done
	run q "SELECT weft_state, task_memoize, count(*) FROM task
	    WHERE run_id = '0002' GROUP BY 1, 2;"
	assert_output 'cached|1|5'
}

@test "--resume again: still cached; a plain run runs everything, recorded again" {
	dag_flow
	run weft run flow.yaml
	assert_success
	resume_again
	resume_again
	expect_outcomes a1=cached m=cached
	rm -f effects
	run weft run flow.yaml
	assert_success
	expect_outcomes a1=done a2=done b1=done c1=done m=done
	ran_exactly $DAG_IDS
	run q "SELECT weft_state, task_memoize, count(*) FROM task
	    WHERE run_id = '0004' GROUP BY 1, 2;"
	assert_output 'done|0|5'
	resume_again
	assert_line --regexp '^summary: 5 tasks: 5 cached in '
}

@test "config.resume: true resumes; --no-resume overrides it, --resume beats false" {
	dag_flow
	sed -i 's/^config: {jobs: 2}$/config: {jobs: 2, resume: true}/' flow.yaml
	grep -q 'resume: true' flow.yaml
	run --separate-stderr weft run flow.yaml
	assert_success
	ran_exactly $DAG_IDS
	# Resume is on even though nothing was cached yet.
	run q "SELECT DISTINCT task_memoize FROM task WHERE run_id = '0001';"
	assert_output 1
	rm effects
	run --separate-stderr weft run flow.yaml
	assert_success
	ran_exactly
	assert_line --regexp '^summary: 5 tasks: 5 cached in '
	run --separate-stderr weft run --no-resume flow.yaml
	assert_success
	ran_exactly $DAG_IDS
	expect_outcomes a1=done m=done
	run q "SELECT DISTINCT task_memoize FROM task WHERE run_id = '0003';"
	assert_output 0
	sed -i 's/resume: true/resume: false/' flow.yaml
	rm effects
	run --separate-stderr weft run flow.yaml
	assert_success
	ran_exactly $DAG_IDS
	resume_again
	assert_line --regexp '^summary: 5 tasks: 5 cached in '
}

@test "cached tasks in weft tasks, --state cached and --json; dependents run" {
	dag_flow
	run weft run flow.yaml
	assert_success
	rm m.out
	resume_again m
	expect_outcomes a1=cached a2=cached b1=cached c1=cached m=done
	assert_line --regexp '^summary: 5 tasks: 1 done, 4 cached in [0-9.]+s$'
	run cat m.out
	assert_output '2:alpha
beta'
	run weft tasks
	assert_success
	assert_line --index 0 --regexp '^TASK +STATE +TRIES +DURATION +EXIT$'
	local id
	for id in a1 a2 b1 c1; do
		assert_line --regexp "^$id +cached( |\$)"
	done
	assert_line --regexp '^m +done +1 '
	run weft tasks --state cached
	assert_success
	assert_equal "${#lines[@]}" 5
	refute_line --regexp '^m '
	run weft tasks --state cached 1
	assert_success
	assert_equal "${#lines[@]}" 1
	run weft tasks --json --state cached
	assert_success
	run jq -c '[.[] | [.task, .state]]' <<<"$output"
	assert_output '[["a1","cached"],["a2","cached"],["b1","cached"],["c1","cached"]]'
}

@test "a cached function's result reaches {ID.result} and task.weft_result" {
	write_flow <<'EOF'
weft: 1
plugins: {results: plugins/libresults.so}
apps:
  val: {function: results.write_outputs}
  use: {command: 'echo "$WEFT_TASK_ID" >>@DIR@/effects; echo {v.result} >{outputs}'}
main:
  - {id: v, app: val, args: {file: effects, v: forty-two}}
  - {id: u, app: use, outputs: u.txt}
EOF
	run weft run flow.yaml
	assert_success
	ran_exactly v u
	rm u.txt
	resume_again u
	expect_outcomes v=cached u=done
	run cat u.txt
	assert_output forty-two
	run result_in 0002 v
	assert_output "'forty-two'"
	expect_states 0002 v=cached u=done
	# Its arguments are in its key...
	sed -i 's/v: forty-two/v: forty-three/' flow.yaml
	resume_again v u
	run cat u.txt
	assert_output forty-three
	# ... and so is its plugin file.
	resume_again
	printf '\n' >>plugins/libresults.so
	resume_again v u
	expect_outcomes v=done u=done
}

@test "a failed task is not cached: --resume runs it and its dependents only" {
	write_flow <<'EOF'
weft: 1
config: {jobs: 2}
apps:
  quick: {command: 'echo "$WEFT_TASK_ID" >>@DIR@/effects; echo ok >{outputs}'}
  maybe: {command: 'echo "$WEFT_TASK_ID" >>@DIR@/effects; [ -e @DIR@/fixed ] && echo ok >{outputs}'}
  use: {command: 'echo "$WEFT_TASK_ID" >>@DIR@/effects; cat {inputs} >{outputs}'}
main:
  - {id: a, app: quick, outputs: a.out}
  - {id: f, app: maybe, outputs: f.out}
  - {id: d, app: use, inputs: f.out, outputs: d.out}
  - {id: e, app: quick, outputs: e.out}
EOF
	run -1 weft run flow.yaml
	assert_event 'failed   f exit 1'
	assert_line --regexp '^..:..:.. dep_fail +d \(needs f\)$'
	touch fixed
	resume_again f d
	expect_outcomes a=cached e=cached f=done d=done
}

@test "SIGINT, then --resume: only what had not finished runs" {
	start_stop_run
	kill -INT "$WEFT_PID"
	finish_run 10
	expect_exit 130
	grep -qxF 'weft run: interrupted, stopping run 0001' "$WEFT_ERR" ||
	    fail "$(run_ctx)"
	resume_after_stop
}

@test "SIGKILL of weft run, then --resume: only what had not finished runs" {
	start_stop_run
	kill -KILL "$WEFT_PID"
	wait_for 5 no_test_procs || fail "left behind: $(show_test_procs)"
	weft_reap
	resume_after_stop
}

@test "SIGKILL of every process of the run, then --resume: the same" {
	start_stop_run
	kill_everything
	weft_reap
	resume_after_stop
}

@test "editing one input file re-runs exactly its readers and their dependents" {
	dag_flow
	run weft run flow.yaml
	assert_success
	echo changed >a.txt
	resume_again a1 a2 m
	expect_outcomes a1=done a2=done b1=cached c1=cached m=done
	run cat m.out
	assert_output '2:changed
beta'
	echo beta2 >b.txt
	resume_again b1 m
	resume_again
	# The content counts, not the time.
	touch -d '2001-02-03 04:05:06' a.txt b.txt
	resume_again
}

@test "editing one app re-runs exactly its tasks and their dependents" {
	dag_flow
	run weft run flow.yaml
	assert_success
	sed -i 's/second-v1/second-v2/' flow.yaml
	resume_again a2 m
	expect_outcomes a1=cached a2=done b1=cached c1=cached m=done
	sed -i 's/solo-v1/solo-v2/' flow.yaml
	resume_again c1
	sed -i 's/first-v1/first-v2/' flow.yaml
	resume_again a1 a2 b1 m
	resume_again
	# The workflow's env is part of every task's key.
	sed -i 's/STAGE: one/STAGE: two/' flow.yaml
	resume_again $DAG_IDS
	run cat c1.out
	assert_output two
}

@test "touching, replacing or deleting a cached task's output re-runs it" {
	dag_flow
	run weft run flow.yaml
	assert_success
	touch -d '2000-01-01 00:00:00' b1.out
	# The dry run says so, and the run does it: b1, then its dependent.
	run --separate-stderr weft run --dry-run --resume flow.yaml
	assert_success
	assert_line 'run      b1 (output changed: b1.out)'
	assert_line 'run      m (dependency re-runs: b1)'
	assert_line 'dry run: 5 tasks: 2 to run, 3 cached'
	resume_again b1 m
	expect_outcomes a1=cached b1=done m=done
	# Same content, size and time, another inode.
	local ino
	ino=$(stat -c %i c1.out)
	cp -p c1.out c1.tmp && mv c1.tmp c1.out
	[ "$(stat -c %i c1.out)" != "$ino" ] || skip "cp and mv kept the inode"
	resume_again c1
	rm a1.out
	resume_again a1 a2 m
	[ -f a1.out ] || fail "a1.out was not made again"
	resume_again
}

@test "a corrupt cache entry is reported once, not trusted, and its task runs" {
	local how line id ids n
	many_flow_out 5
	run weft run flow.yaml
	assert_success
	for how in garble truncate; do
		corrupt_rows "$WEFT_WORK/.weft/cache/cache.db" 5 "$how"
		rm -f effects
		run --separate-stderr weft run --resume flow.yaml
		assert_success
		# Only such warnings, at least one, one per task.
		[ "${#stderr_lines[@]}" -ge 1 ] ||
		    fail "$how: no warning; stdout: $output"
		ids=()
		for line in "${stderr_lines[@]}"; do
			[[ $line =~ ^$CORRUPT_RE$ ]] ||
			    fail "$how: not a corrupt-entry warning: '$line'"
			id=${BASH_REMATCH[1]}
			word_in "$id" "${ids[@]}" &&
			    fail "$how: $id reported twice: $stderr"
			ids+=("$id")
		done
		ran_exactly "${ids[@]}"
		for n in 1 2 3 4 5; do
			if word_in "t[n=$n]" "${ids[@]}"; then
				expect_outcomes "t[n=$n]=done"
			else
				expect_outcomes "t[n=$n]=cached"
			fi
		done
		[ ! -e .weft/cache/cache.db.damaged ] ||
		    fail "$how: the whole cache was set aside"
		# The entry was made again: the next run trusts it.
		resume_again
		[ -z "$stderr" ] || fail "$how: warned again: $stderr"
	done
}

@test "a damaged cache file is set aside as cache.db.damaged, with a warning" {
	local kind db=.weft/cache/cache.db
	many_flow_out 3
	run weft run flow.yaml
	assert_success
	for kind in garbage malformed; do
		rm -f "$db-wal" "$db-shm" "$db-journal" "$db.damaged"
		case $kind in
		garbage)
			# Not a database at all.
			{ printf 'not sqlite\n'; head -c 16384 /dev/urandom; } >"$db" ;;
		malformed)
			# A database whose first page is destroyed.
			[ "$(head -c 15 "$db")" = 'SQLite format 3' ] ||
			    fail "the cache is not a database after a run"
			dd if=/dev/urandom of="$db" bs=1 seek=100 count=3996 \
			    conv=notrunc 2>/dev/null ;;
		esac
		cp "$db" damaged.copy
		rm -f effects
		run --separate-stderr weft run --resume flow.yaml
		assert_success
		[ "${#stderr_lines[@]}" -eq 1 ] ||
		    fail "$kind: not one stderr line: $stderr"
		[[ ${stderr_lines[0]} =~ ^$(damaged_re)$ ]] ||
		    fail "$kind: stderr: $stderr"
		ran_exactly 't[n=1]' 't[n=2]' 't[n=3]'
		cmp damaged.copy "$db.damaged" ||
		    fail "$kind: cache.db.damaged is not the damaged file"
		run sqlite3 "$db" 'PRAGMA integrity_check;'
		assert_output ok
		# The new cache works.
		resume_again
		[ -z "$stderr" ] || fail "$kind: warned again: $stderr"
		assert_line --regexp '^summary: 3 tasks: 3 cached in '
	done
}

@test "--dry-run on a fresh folder: every task would run; nothing is created" {
	dag_flow
	local opt
	for opt in '' --resume; do
		run --separate-stderr weft run --dry-run $opt flow.yaml
		assert_success
		if [ -z "$opt" ]; then
			assert_output 'run      a1
run      a2
run      b1
run      c1
run      m
dry run: 5 tasks: 5 to run, 0 cached'
		else
			assert_output 'run      a1 (new)
run      a2 (dependency re-runs: a1)
run      b1 (new)
run      c1 (new)
run      m (dependency re-runs: a2)
dry run: 5 tasks: 5 to run, 0 cached'
		fi
		[ -z "$stderr" ] || fail "stderr: $stderr"
		[ -z "$(find .weft -type f 2>/dev/null)" ] ||
		    fail "--dry-run $opt created $(find .weft -type f)"
		[ ! -e .weft/runs ] || fail "--dry-run $opt made .weft/runs"
		[ ! -e effects ] && [ ! -e a1.out ] || fail "a task ran"
	done
}

@test "--dry-run --resume after a run: cached and run lines, nothing written" {
	dag_flow
	run weft run flow.yaml
	assert_success
	rm effects
	local mon cache runs outs
	mon=$(db_dump .weft/monitoring.db)
	cache=$(db_dump .weft/cache/cache.db)
	runs=$(ls -R .weft/runs)
	outs=$(stat_of a1.out a2.out b1.out c1.out m.out)
	run --separate-stderr weft run --dry-run --resume flow.yaml
	assert_success
	assert_output 'cached   a1
cached   a2
cached   b1
cached   c1
cached   m
dry run: 5 tasks: 0 to run, 5 cached'
	[ "$(stat_of a1.out a2.out b1.out c1.out m.out)" = "$outs" ] ||
	    fail "--dry-run touched an output"
	# A task downstream of one that would run would run too.
	echo changed >a.txt
	run --separate-stderr weft run --dry-run --resume flow.yaml
	assert_success
	assert_output 'run      a1 (input changed: a.txt)
run      a2 (dependency re-runs: a1)
cached   b1
cached   c1
run      m (dependency re-runs: a2)
dry run: 5 tasks: 3 to run, 2 cached'
	touch -d '2000-01-01 00:00:00' b1.out
	outs=$(stat_of a1.out a2.out b1.out c1.out m.out)
	run --separate-stderr weft run --dry-run --resume flow.yaml
	assert_success
	assert_output 'run      a1 (input changed: a.txt)
run      a2 (dependency re-runs: a1)
run      b1 (output changed: b1.out)
cached   c1
run      m (dependency re-runs: a2)
dry run: 5 tasks: 4 to run, 1 cached'
	# Without --resume, everything would run.
	run --separate-stderr weft run --dry-run flow.yaml
	assert_success
	assert_output --partial 'dry run: 5 tasks: 5 to run, 0 cached'
	[ "$(db_dump .weft/monitoring.db)" = "$mon" ] ||
	    fail "--dry-run changed the monitoring database"
	[ "$(db_dump .weft/cache/cache.db)" = "$cache" ] ||
	    fail "--dry-run changed the cache"
	[ "$(ls -R .weft/runs)" = "$runs" ] || fail "--dry-run made a run"
	[ "$(stat_of a1.out a2.out b1.out c1.out m.out)" = "$outs" ] ||
	    fail "--dry-run touched an output"
	[ ! -e effects ] || fail "--dry-run ran $(cat effects)"
	# What the dry run said is what a run does.
	resume_again a1 a2 b1 m
}

@test "--dry-run honours config.resume and --no-resume; a bad workflow is exit 2" {
	dag_flow
	sed -i 's/^config: {jobs: 2}$/config: {jobs: 2, resume: true}/' flow.yaml
	run weft run flow.yaml
	assert_success
	run --separate-stderr weft run --dry-run flow.yaml
	assert_success
	assert_line 'dry run: 5 tasks: 0 to run, 5 cached'
	run --separate-stderr weft run --dry-run --no-resume flow.yaml
	assert_success
	assert_line 'run      c1'
	assert_line 'dry run: 5 tasks: 5 to run, 0 cached'
	write_flow bad.yaml <<'EOF'
weft: 1
apps:
  hi: {command: touch ran}
main:
  - id: t
    app: nope
EOF
	run -2 --separate-stderr weft run --dry-run --resume bad.yaml
	assert_output ''
	assert_equal "$stderr" "bad.yaml:6:10: unknown app 'nope'"
	[ ! -e ran ]
}

@test "--run-dir: the cache is DIR/cache/cache.db, shared by the runs there" {
	dag_flow
	run weft run --run-dir "$WEFT_WORK/rd" flow.yaml
	assert_success
	[ -f rd/cache/cache.db ] || fail "no rd/cache/cache.db: $(ls -R rd)"
	[ ! -e .weft ] || fail ".weft was created despite --run-dir"
	rm effects
	run --separate-stderr weft run --run-dir "$WEFT_WORK/rd" --resume flow.yaml
	assert_success
	ran_exactly
	assert_line --regexp '^summary: 5 tasks: 5 cached in '
	# .weft has a cache of its own, empty.
	resume_again $DAG_IDS
}

@test "the cache is shared by every workflow file run in the same folder" {
	write_flow one.yaml <<'EOF'
weft: 1
name: one
apps:
  make: {command: 'echo "$WEFT_TASK_ID" >>@DIR@/effects; echo shared >{outputs}'}
  other: {command: 'echo "$WEFT_TASK_ID" >>@DIR@/effects; echo one >{outputs}'}
main:
  - {id: s, app: make, outputs: shared.out}
  - {id: o, app: other, outputs: one.out}
EOF
	write_flow two.yaml <<'EOF'
weft: 1
name: two
apps:
  make: {command: 'echo "$WEFT_TASK_ID" >>@DIR@/effects; echo shared >{outputs}'}
  other: {command: 'echo "$WEFT_TASK_ID" >>@DIR@/effects; echo two >{outputs}'}
main:
  - {id: s, app: make, outputs: shared.out}
  - {id: o, app: other, outputs: two.out}
EOF
	run weft run one.yaml
	assert_success
	rm effects
	run --separate-stderr weft run --resume two.yaml
	assert_success
	ran_exactly o
	expect_outcomes s=cached o=done
}

@test "tasks with the same command text: --resume reruns the ones that failed" {
	write_flow <<'EOF2'
weft: 1
apps:
  t: {command: 'echo "$WEFT_TASK_ID" >>@DIR@/effects; test "$WEFT_TASK_ID" = "t[i=1]"'}
main:
  - {id: t, app: t, foreach: {i: "1..3"}}
EOF2
	run --separate-stderr weft run flow.yaml
	assert_failure 1
	expect_outcomes 't[i=1]=done'
	run cq 'SELECT task FROM entry;'
	assert_output 't[i=1]'
	rm effects
	run --separate-stderr weft run --resume flow.yaml
	assert_failure 1
	ran_exactly 't[i=2]' 't[i=3]'
	assert_event 'cached   t[i=1]'
	assert_event 'failed   t[i=2] exit 1'
	assert_event 'failed   t[i=3] exit 1'
	[ "$(grep -c '^..:..:.. cached ' <<<"$output")" -eq 1 ] || fail "$output"
	expect_states 0002 't[i=1]=cached' 't[i=2]=failed' 't[i=3]=failed'
}

# cached_ids: the task ids of the rows of the cache, one a line, sorted.
cached_ids()
{
	cq 'SELECT task FROM entry ORDER BY task;'
}

@test "a fan-out of one command text, SIGKILLed part-way: --resume runs exactly what is not cached" {
	write_flow <<'EOF2'
weft: 1
config: {jobs: 2}
apps:
  t: {command: 'echo "$WEFT_TASK_ID" >>@DIR@/effects; sleep 0.05; echo "$WEFT_TASK_ID" >>@DIR@/finished'}
main:
  - {id: t, app: t, foreach: {n: "1..60"}}
EOF2
	local n all cached rest c
	local -a torun
	weft_start run flow.yaml
	# Part-way: a dozen tasks finished, most not started.
	wait_for 30 eval '[ "$(cat finished 2>/dev/null | wc -l)" -ge 12 ]' ||
	    fail "the tasks did not finish: $(run_ctx)"
	kill -KILL "$WEFT_PID"
	wait_for 10 no_test_procs || fail "left behind: $(show_test_procs)"
	weft_reap
	cached=$(cached_ids)
	n=$(wc -l <<<"$cached")
	[ -n "$cached" ] && [ "$n" -lt 60 ] ||
	    fail "$n tasks cached after the kill, not part of the run"
	# Each row records its own task, and only tasks that finished.
	[ "$(sort -u <<<"$cached" | wc -l)" -eq "$n" ] || fail "$cached"
	comm -23 <(echo "$cached") <(sort finished) | grep -q . &&
	    fail "cached but never finished: $(comm -23 <(echo "$cached") <(sort finished))"
	all=$(for n in $(seq 1 60); do echo "t[n=$n]"; done | sort)
	rest=$(comm -23 <(echo "$all") <(echo "$cached"))
	mapfile -t torun <<<"$rest"
	rm effects
	run --separate-stderr weft run --resume flow.yaml
	assert_success
	ran_exactly "${torun[@]}"
	c=$(grep '^..:..:.. cached ' <<<"$output" | awk '{print $3}' | sort)
	[ "$c" = "$cached" ] || fail "cached lines: $c"
	assert_line --regexp "^summary: 60 tasks: $((60 - n)) done, $n cached in [0-9.]+s\$"
	run cached_ids
	assert_output "$all"
}

# done_ids: the tasks of run 0001 that the monitoring record shows done.
done_ids()
{
	q "SELECT weft_task_id FROM task WHERE run_id = '0001' AND
	    weft_state = 'done' ORDER BY weft_task_id;"
}

# done_count: how many, 0 while there is no record yet.
done_count()
{
	q "SELECT count(*) FROM task WHERE run_id = '0001' AND
	    weft_state = 'done';" 2>/dev/null || echo 0
}

@test "main SIGKILLed amid a stream of results, 6 times: every task the record shows done is cached" {
	write_flow <<'EOF2'
weft: 1
config: {jobs: 2}
apps:
  t: {command: 'true'}
main:
  - {id: t, app: t, foreach: {n: "1..4000"}}
EOF2
	local round done cached missing
	for round in 1 2 3 4 5 6; do
		rm -rf .weft
		weft_start run flow.yaml
		wait_for 60 eval '[ "$(done_count)" -ge 20 ]' ||
		    fail "round $round: no task recorded done: $(run_ctx)"
		# Anywhere in the cache's 100 ms transactions.
		sleep "0.$((RANDOM % 10))$((RANDOM % 10))"
		kill -KILL "$WEFT_PID"
		wait_for 10 no_test_procs ||
		    fail "round $round: left behind: $(show_test_procs)"
		weft_reap
		# What the spool holds is recorded by the next weft command.
		run weft runs
		assert_success
		done=$(done_ids)
		cached=$(cached_ids)
		[ -n "$done" ] || fail "round $round: nothing recorded done"
		missing=$(comm -23 <(echo "$done") <(echo "$cached"))
		[ -z "$missing" ] || fail "round $round: recorded done," \
		    "not cached: $(wc -l <<<"$missing") of" \
		    "$(wc -l <<<"$done"): $(head -3 <<<"$missing")"
	done
}
