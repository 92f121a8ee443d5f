#!/usr/bin/env bats
#
# rundir.bats: the run directory: numbering (0001, 0002, also for runs
# started at the same time, and after runs/ was removed by hand while
# the monitoring database kept their records), --run-dir, modes (0700),
# the files a run leaves, and the process titles of the helpers while a
# run goes.

load setup

# hold_flow: one task "h" that waits (up to 60 s) until the file "go"
# exists; the test decides when it ends.
hold_flow()
{
	write_flow <<'EOF'
weft: 1
config: {jobs: 2}
apps:
  hold: {command: "echo started; i=0; while [ ! -e go ]; do i=$((i+1)); [ $i -gt 1200 ] && exit 1; sleep 0.05; done"}
main:
  - {id: h, app: hold}
EOF
}

@test "runs are numbered 0001, 0002 under .weft/runs" {
	cp "$FIXTURES/pi.yaml" flow.yaml
	run weft run flow.yaml
	assert_success
	assert_line --index 0 --regexp "^weft: run 0001 in $WEFT_WORK/\.weft/runs/0001 "
	run weft run flow.yaml
	assert_success
	assert_line --index 0 --regexp "^weft: run 0002 in $WEFT_WORK/\.weft/runs/0002 "
	run ls .weft/runs
	assert_output "0001
0002"
}

@test "runs/ removed by hand: the next run takes a number after those the monitoring database records" {
	cp "$FIXTURES/pi.yaml" flow.yaml
	run weft run flow.yaml
	assert_success
	run weft run flow.yaml
	assert_success
	# The folders, lock file and all, go; the record of 0001 and 0002
	# stays.  A new 0001 would mix its record with the old one's.
	rm -rf .weft/runs
	run weft run flow.yaml
	assert_success
	assert_line --index 0 --regexp "^weft: run 0003 in "
	run sqlite3 -batch -readonly .weft/monitoring.db "SELECT run_id ||
	    ' ' || weft_state || ' ' || weft_monitoring_complete FROM workflow
	    ORDER BY run_id;"
	assert_output "0001 done 1
0002 done 1
0003 done 1"
	run sqlite3 -batch -readonly .weft/monitoring.db "SELECT count(*)
	    FROM task WHERE run_id = '0003' AND weft_state = 'done';"
	[ "$output" -gt 0 ] || fail "run 0003 has no done task: $output"
	# And a lock file that notes a lower number than the record holds.
	rm -rf .weft/runs
	mkdir .weft/runs
	echo 1 >.weft/runs/.lock
	run weft run flow.yaml
	assert_success
	assert_line --index 0 --regexp "^weft: run 0004 in "
}

@test "numbering reads the monitoring database only when it changed since the last run ended" {
	command -v strace >/dev/null 2>&1 || skip "strace is not installed"
	strace -f -qq -o /dev/null true 2>/dev/null ||
	    skip "ptrace is not permitted here (strace fails)"
	cp "$FIXTURES/pi.yaml" flow.yaml
	run weft run flow.yaml
	assert_success
	# The lock file notes the database as the finished run left it.
	[ "$(sed -n 1p .weft/runs/.lock)" = 1 ]
	[[ $(sed -n 2p .weft/runs/.lock) =~ ^[0-9]+\ [0-9]+\ [0-9]+\  ]] ||
	    fail "lock file: $(cat .weft/runs/.lock)"
	# Unchanged: main numbers the next run without opening it.
	# (LeakSanitizer cannot run under ptrace, in an --enable-asan build.)
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
	    run timeout 60 strace -qq -e trace=openat,open -o trace.main \
	    "$WEFT_REAL" run -q flow.yaml
	assert_success
	grep -q 'runs/0002' trace.main || fail "not traced: $(head trace.main)"
	! grep -q 'monitoring\.db' trace.main ||
	    fail "main opened the database: $(grep monitoring trace.main)"
	# A record written since by anything else: it is read again, and
	# its numbers are not given twice.
	sqlite3 -batch .weft/monitoring.db "INSERT INTO workflow (run_id,
	    workflow_name, weft_state) VALUES ('0007', 'elsewhere', 'done');"
	run weft run flow.yaml
	assert_success
	assert_line --index 0 --regexp "^weft: run 0008 in "
	[ "$(sed -n 1p .weft/runs/.lock)" = 8 ]
	# A run being numbered drops the stamp: a run killed outright
	# leaves none, and the next one reads the database.
	hold_flow
	weft_start run flow.yaml
	wait_for 20 grep -q started .weft/runs/0009/tasks/h/try-0/stdout
	[ "$(cat .weft/runs/.lock)" = 9 ]
	touch go
	wait_for 30 weft_exited
	weft_reap
	[ "$WEFT_STATUS" -eq 0 ]
	[ -n "$(sed -n 2p .weft/runs/.lock)" ]
}

@test "two weft runs at the same time get different run directories" {
	hold_flow
	WEFT_OUT=$WEFT_WORK/a.out WEFT_ERR=$WEFT_WORK/a.err weft_start run flow.yaml
	local a=$WEFT_PID b
	WEFT_OUT=$WEFT_WORK/b.out WEFT_ERR=$WEFT_WORK/b.err weft_start run flow.yaml
	b=$WEFT_PID
	# Both runs are live at once: each has started its task.
	wait_for 30 files_exist .weft/runs/0001/tasks/h/try-0/stdout \
	    .weft/runs/0002/tasks/h/try-0/stdout ||
	    fail "runs: $(ls .weft/runs); $(cat a.err b.err)"
	touch go
	wait_for 30 weft_exited "$a" || fail "run a did not finish"
	wait_for 30 weft_exited "$b" || fail "run b did not finish"
	weft_reap "$a"
	[ "$WEFT_STATUS" -eq 0 ] || fail "run a: exit $WEFT_STATUS"
	weft_reap "$b"
	[ "$WEFT_STATUS" -eq 0 ] || fail "run b: exit $WEFT_STATUS"
	run cat a.out b.out
	assert_line --regexp '^weft: run 0001 in .*/\.weft/runs/0001 '
	assert_line --regexp '^weft: run 0002 in .*/\.weft/runs/0002 '
	run ls .weft/runs
	assert_output "0001
0002"
}

@test "five runs started together number 0001..0005, none lost" {
	write_flow <<'EOF'
weft: 1
apps:
  hi: {command: "true"}
main:
  - {id: t, app: hi}
EOF
	local i pids=()
	for i in 1 2 3 4 5; do
		WEFT_OUT=$WEFT_WORK/o$i WEFT_ERR=$WEFT_WORK/e$i weft_start run flow.yaml
		pids+=("$WEFT_PID")
	done
	for i in "${pids[@]}"; do
		wait_for 30 weft_exited "$i" || fail "a run did not finish"
		weft_reap "$i"
		[ "$WEFT_STATUS" -eq 0 ] || fail "a run failed: $(cat e*)"
	done
	run ls .weft/runs
	assert_output "0001
0002
0003
0004
0005"
	run bash -c 'head -qn 1 o* | sed "s/ in .*//" | sort'
	assert_output "weft: run 0001
weft: run 0002
weft: run 0003
weft: run 0004
weft: run 0005"
}

@test "--run-dir DIR replaces .weft" {
	cp "$FIXTURES/pi.yaml" flow.yaml
	run weft run --run-dir "$WEFT_WORK/elsewhere" flow.yaml
	assert_success
	assert_line --index 0 --regexp "^weft: run 0001 in $WEFT_WORK/elsewhere/runs/0001 "
	[ -f elsewhere/runs/0001/workflow.yaml ]
	[ -f elsewhere/runs/0001/weft.log ]
	# mean writes nothing, so its streams have no files (made with
	# their first byte).
	[ -d elsewhere/runs/0001/tasks ]
	[ ! -e elsewhere/runs/0001/tasks/mean/try-0/stdout ]
	[ ! -e .weft ] || fail ".weft was created despite --run-dir"
	run weft run --run-dir "$WEFT_WORK/elsewhere" flow.yaml
	assert_success
	[ -d elsewhere/runs/0002 ]
}

@test "a deep run directory works (ipc socket paths are limited)" {
	local deep
	deep=$WEFT_WORK/$(printf 'a-rather-long-directory-name-%s/' 1 2 3 4 5)
	cp "$FIXTURES/pi.yaml" flow.yaml
	run weft run --run-dir "$deep" flow.yaml
	assert_success
	assert_line --regexp '^summary: 4 tasks: 4 done in '
	[ -d "$deep/runs/0001/sock" ]
}

@test "the run directory and sock/ are 0700 while the run goes" {
	hold_flow
	weft_start run flow.yaml
	wait_for 30 files_exist .weft/runs/0001/tasks/h/try-0/stdout ||
	    fail "the task did not start: $(cat "$WEFT_ERR")"
	[ "$(stat -c %a .weft/runs/0001)" = 700 ]
	[ "$(stat -c %a .weft/runs/0001/sock)" = 700 ]
	touch go
	wait_for 30 weft_exited || fail "the run did not finish"
	weft_reap
	[ "$WEFT_STATUS" -eq 0 ]
}

@test "a run leaves its snapshot, logs and task output" {
	cp "$FIXTURES/pi.yaml" flow.yaml
	run weft run flow.yaml
	assert_success
	local d=.weft/runs/0001 f
	for f in workflow.yaml weft.log interchange.log pool-0.log; do
		[ -f "$d/$f" ] || fail "$d/$f is missing"
	done
	# The tasks wrote nothing: a stream's file comes with its first
	# byte, so there is none, and weft logs reads them as empty.
	for f in tasks/mean/try-0/stdout 'tasks/sim[seed=3]/try-0/stderr'; do
		[ ! -e "$d/$f" ] || fail "$d/$f was made for an empty stream"
	done
	run weft logs --both 'sim[seed=1]'
	assert_success
	assert_output ""
	[ -d "$d/sock" ]
	[ -s "$d/interchange.log" ] && [ -s "$d/pool-0.log" ]
}

# titles_of PID: the process titles (ps -o args) of the children of PID.
titles_of()
{
	ps -eww -o ppid=,args= | awk -v p="$1" '$1 == p { sub(/^ *[0-9]+ /, ""); print }'
}

# has_title PID TITLE: a child of PID has exactly that title.
has_title()
{
	titles_of "$1" | grep -qxF -- "$2"
}

@test "helpers show their role and run in ps while the run goes" {
	hold_flow
	weft_start run flow.yaml
	wait_for 30 files_exist .weft/runs/0001/tasks/h/try-0/stdout ||
	    fail "the task did not start: $(cat "$WEFT_ERR")"
	wait_for 5 has_title "$WEFT_PID" 'weft: interchange run 0001' ||
	    fail "titles: $(titles_of "$WEFT_PID")"
	wait_for 5 has_title "$WEFT_PID" 'weft: pool 0 run 0001 (1/2 busy)' ||
	    fail "titles: $(titles_of "$WEFT_PID")"
	# The same processes are what weft_pids_of_run finds.
	[ "$(weft_pids_of_run .weft/runs/0001 | wc -l)" -eq 2 ] ||
	    fail "helpers: $(show_test_procs)"
	touch go
	wait_for 30 weft_exited || fail "the run did not finish"
	weft_reap
	[ "$WEFT_STATUS" -eq 0 ]
}
