#!/usr/bin/env bats
#
# supervise.bats: how weft run looks after the processes of a run.  A pool
# SIGKILLed mid-run is restarted and its tasks run again as new tries (the
# side effects, the stdout "requeue" lines, the stderr message, the 'pool
# lost' tries and the 'lost' block in the database, the old task processes
# gone at once); with two pools only the dead one is restarted; a pool that
# stops sending heartbeats (SIGSTOP) is killed and handled the same way; a
# pool that dies six times in a row is given up and, the last one gone,
# the run aborts with exit 3; a task lost with its pool four times fails; a
# SIGKILLed router or dbwriter comes back (restarts 1 in status --json)
# and the record is complete; a dead pool never stays a zombie of main.
# (status itself is in status.bats; the restart of the monitoring helpers
# under load is in monitoring.bats.)

load setup
load monitoring

# nap_flow SECS TASKS JOBS [POOLS]: TASKS tasks that append their id to
# the file "effects" and then sleep SECS, JOBS slots in each of POOLS pools.
nap_flow()
{
	write_flow <<EOF
weft: 1
config:
  jobs: $3
  provider: {kind: local, pools: ${4:-1}}
apps:
  nap: {command: 'echo "\$WEFT_TASK_ID" >>@DIR@/effects; @SLEEP@ $1'}
main:
  - id: t
    app: nap
    foreach: {n: "1..$2"}
EOF
}

# start_naps SECS TASKS JOBS [POOLS]: starts the run of nap_flow and waits
# until JOBS x POOLS tasks sleep.
start_naps()
{
	local want=$(($3 * ${4:-1}))

	[ "$want" -gt "$2" ] && want=$2
	nap_flow "$@"
	weft_start run flow.yaml
	wait_for 30 count_sleepers "$want" ||
	    fail "tasks did not start; stderr: $(cat "$WEFT_ERR")"
}

# stopped_clean: weft run has exited and nothing of the test is left.
stopped_clean()
{
	weft_exited && no_test_procs
}

# finish [SECS]: waits (default 30 s) for weft run to end and reaps it
# (WEFT_STATUS); nothing of the test may be left.
finish()
{
	wait_for "${1:-30}" weft_exited ||
	    fail "weft run still runs: $(run_ctx); procs: $(show_test_procs)"
	weft_reap
	wait_for 3 no_test_procs || fail "left behind: $(show_test_procs)"
}

# pool_pid N: the pid of pool N (fails if there is none).
pool_pid()
{
	weft_helper_pid "pool $1"
}

# new_pool_pid N OLD: pool N runs with a pid other than OLD; sets NEW_PID.
new_pool_pid()
{
	local p

	p=$(pool_pid "$1") && [ "$p" != "$2" ] && NEW_PID=$p
}

# none_alive PID...: none of them is alive (zombies count as gone).
none_alive()
{
	local p

	for p in "$@"; do
		pid_alive "$p" && return 1
	done
	return 0
}

# gone_sampling PID...: none_alive PID..., and also notes in MAX_SLEEPERS
# the most marked sleeps seen running at once.
gone_sampling()
{
	local n

	n=$(sleeper_pids | wc -l)
	[ "$n" -gt "${MAX_SLEEPERS:-0}" ] && MAX_SLEEPERS=$n
	none_alive "$@"
}

# status_json: weft status --json (and its stderr) into $ST_JSON.
status_json()
{
	ST_JSON=$WEFT_WORK/status.json
	weft status --json --timeout 500 >"$ST_JSON" 2>&1
}

# proc_has NAME FILTER [JQ-ARGS...]: weft status --json; process NAME is
# listed once and FILTER is true of it.
proc_has()
{
	local name=$1 f=$2
	shift 2
	status_json
	jq -e --arg n "$name" "$@" \
	    "[.processes[] | select(.name == \$n) | $f] == [true]" \
	    "$ST_JSON" >/dev/null 2>&1
}

# effects_of ID: how many times task ID started (lines in "effects").
effects_of()
{
	grep -cxF -- "$1" effects
}

# err_has LINE: stderr of weft run has exactly that line.
err_has()
{
	grep -qxF -- "$1" "$WEFT_ERR"
}

# run_ctx: the exit status, stdout and stderr of weft run, for messages.
run_ctx()
{
	printf 'exit %s\nstdout:\n%s\nstderr:\n%s\n' "${WEFT_STATUS:-?}" \
	    "$(cat "$WEFT_OUT")" "$(cat "$WEFT_ERR")"
}

# expect_exit N: weft run exited N.
expect_exit()
{
	[ "$WEFT_STATUS" -eq "$1" ] || fail "not exit $1: $(run_ctx)"
}

# expect_err LINE: stderr of weft run has exactly that line.
expect_err()
{
	err_has "$1" || fail "no line '$1': $(run_ctx)"
}

# expect_out LINE: stdout of weft run has exactly that line.
expect_out()
{
	grep -qxF -- "$1" "$WEFT_OUT" || fail "no line '$1': $(run_ctx)"
}

# expect_out_re ERE: stdout of weft run has a line matching ERE.
expect_out_re()
{
	grep -qE -- "$1" "$WEFT_OUT" || fail "no line /$1/: $(run_ctx)"
}

# died_line NAME PID: what main says of pool NAME killed by SIGKILL.
died_line()
{
	printf 'weft run: %s (pid %s) died: killed by SIGKILL; %s (see %s)\n' \
	    "$1" "$2" "its tasks run again" \
	    "$WEFT_WORK/.weft/runs/0001/$1.log"
}

# deaths NAME: how many "died" lines main wrote for pool NAME.
deaths()
{
	grep -c "^weft run: $1 (pid [0-9]*) died: killed by SIGKILL" "$WEFT_ERR"
}

@test "a SIGKILLed pool: restarted, its two tasks run again, the run succeeds" {
	start_naps 2 4 2
	wait_for 5 eval '[ "$(grep -c . effects)" -eq 2 ]' ||
	    fail "effects: $(cat effects)"
	local killed old pool id
	killed=$(sort effects)
	old=$(sleeper_pids)
	pool=$(pool_pid 0) || fail "no pool 0: $(show_test_procs)"
	kill -KILL "$pool"
	# The lost tasks' processes go at once: never twice at the same time.
	MAX_SLEEPERS=0
	# shellcheck disable=SC2086
	wait_for 1 gone_sampling $old ||
	    fail "1 s after the kill, the lost tasks still run:" \
	    "$(show_test_procs)"
	[ "$MAX_SLEEPERS" -le 2 ] ||
	    fail "$MAX_SLEEPERS tasks ran at once in 2 slots"
	finish
	expect_exit 0
	expect_err "$(died_line pool-0 "$pool")"
	expect_out_re '^summary: 4 tasks: 4 done in [0-9.]+s'
	for id in 't[n=1]' 't[n=2]' 't[n=3]' 't[n=4]'; do
		if grep -qxF -- "$id" <<<"$killed"; then
			[ "$(effects_of "$id")" -eq 2 ] ||
			    fail "$id was lost, ran $(effects_of "$id")" \
			    "times: $(cat effects)"
			expect_event "requeue  $id (try 1: its pool was lost)"
			run q "SELECT try_id, coalesce(weft_fail_reason, '-')
			    FROM try JOIN task USING (run_id, task_id)
			    WHERE weft_task_id = '$id' ORDER BY try_id;"
			assert_output "$(printf '0|pool lost\n1|-')"
			run q "SELECT try_id, task_status_name FROM status
			    JOIN task USING (run_id, task_id)
			    WHERE weft_task_id = '$id' AND task_status_name IN
			    ('fail_retryable', 'exec_done', 'failed')
			    ORDER BY status.timestamp, status.rowid;"
			assert_output "$(printf '%s\n' 0\|fail_retryable \
			    1\|exec_done)"
		else
			[ "$(effects_of "$id")" -eq 1 ] ||
			    fail "$id ran $(effects_of "$id") times:" \
			    "$(cat effects)"
			run q "SELECT count(*), max(try_id),
			    coalesce(max(weft_fail_reason), '-')
			    FROM try JOIN task USING (run_id, task_id)
			    WHERE weft_task_id = '$id';"
			assert_output '1|0|-'
			grep -qF "requeue  $id " "$WEFT_OUT" &&
			    fail "$id requeued: $(cat "$WEFT_OUT")"
		fi
	done
	run q "SELECT count(*) FROM task WHERE weft_state = 'done';"
	assert_output 4
	run q "SELECT status FROM block WHERE job_id = '$pool'
	    ORDER BY timestamp;"
	assert_line 'lost'
	run q "SELECT count(*) FROM block WHERE status = 'lost';"
	assert_output 1
}

@test "two pools: SIGKILL of pool 1 restarts pool 1 only; the run succeeds" {
	start_naps 3 4 1 2
	local p0 p1
	p0=$(pool_pid 0) || fail "no pool 0: $(show_test_procs)"
	p1=$(pool_pid 1) || fail "no pool 1: $(show_test_procs)"
	kill -KILL "$p1"
	wait_for 10 new_pool_pid 1 "$p1" ||
	    fail "pool 1 not restarted: $(run_ctx); $(show_test_procs)"
	[[ $(proc_cmdline "$NEW_PID") =~ ^weft:\ pool\ 1\ run\ 0001 ]] ||
	    fail "new pool 1 is '$(proc_cmdline "$NEW_PID")'"
	wait_for 10 proc_has pool-1 \
	    '.verdict == "ok" and .pid == $p and .restarts == 1' \
	    --argjson p "$NEW_PID" || fail "status: $(cat "$ST_JSON")"
	proc_has pool-0 '.verdict == "ok" and .pid == $p and .restarts == 0' \
	    --argjson p "$p0" || fail "pool-0 changed: $(cat "$ST_JSON")"
	[ "$(pool_pid 0)" = "$p0" ] ||
	    fail "pool 0 is not $p0 any more: $(show_test_procs)"
	finish
	expect_exit 0
	expect_err "$(died_line pool-1 "$p1")"
	grep -q "pool-0" "$WEFT_ERR" && fail "pool-0 named: $(run_ctx)"
	expect_out_re '^summary: 4 tasks: 4 done in '
	[ "$(grep -c '^..:..:.. requeue  ' "$WEFT_OUT")" -eq 1 ] ||
	    fail "not one task requeued: $(run_ctx)"
}

@test "a stopped pool (no heartbeat for 10 periods) is killed; run succeeds" {
	export WEFT_HEARTBEAT_MS=100
	start_naps 2 4 2
	local pool
	pool=$(pool_pid 0) || fail "no pool 0: $(show_test_procs)"
	kill -STOP "$pool"
	# 10 periods of 100 ms, and some slack for a loaded machine.
	local silent="weft run: pool-0 (pid $pool) sent no heartbeat for 10"
	silent+=" periods; killing it"
	wait_for 5 err_has "$silent" || fail "$(run_ctx)"
	wait_for 3 none_alive "$pool" ||
	    fail "pool $pool still there: $(show_test_procs)"
	finish
	expect_exit 0
	expect_err "$(died_line pool-0 "$pool")"
	expect_out_re '^summary: 4 tasks: 4 done in '
	run q "SELECT count(*) FROM task WHERE weft_state = 'done';"
	assert_output 4
	run q "SELECT count(*) FROM try WHERE weft_fail_reason = 'pool lost';"
	assert_output 2
	run q "SELECT status FROM block WHERE job_id = '$pool'
	    AND status = 'lost';"
	assert_output lost
}

@test "a pool that dies 6 times in a row is given up: exit 3, nothing left" {
	# Many tasks: none is lost four times (and fails) meanwhile.
	start_naps 300 12 2
	local pid i
	pid=$(pool_pid 0) || fail "no pool 0: $(show_test_procs)"
	for i in 1 2 3 4 5; do
		kill -KILL "$pid"
		wait_for 10 new_pool_pid 0 "$pid" ||
		    fail "no new pool after kill $i: $(run_ctx)"
		pid=$NEW_PID
		weft_exited && fail "weft run ended after $i kills: $(run_ctx)"
	done
	local gave_up="weft run: pool-0 died 6 times in a row; giving up on it"
	err_has "$gave_up" && fail "gave up after 5 deaths: $(run_ctx)"
	kill -KILL "$pid"
	finish 10
	expect_exit 3
	expect_err "$gave_up"
	expect_err "weft run: no pool left to run tasks; stopping run 0001"
	expect_err "weft run: run 0001 aborted"
	[ "$(deaths pool-0)" -eq 6 ] || fail "not 6 deaths: $(run_ctx)"
	# The last death does not promise that its tasks run again.
	[ "$(grep -c '^weft run: pool-0 (pid [0-9]*) died: killed by SIGKILL; its tasks run again' "$WEFT_ERR")" -eq 5 ] ||
	    fail "not 5 promises: $(run_ctx)"
	[ -z "$(marker_pids "$SLEEPER")" ] ||
	    fail "tasks left: $(show_test_procs)"
}

# one_new_sleeper OLD: one marked sleep runs, and its pid is not OLD.
one_new_sleeper()
{
	[ "$(sleeper_pids | wc -l)" -eq 1 ] && [ "$(sleeper_pids)" != "$1" ]
}

@test "a task whose pool dies under it 4 times fails: exit 1" {
	start_naps 300 1 1
	local pid last_sleep='' i
	for i in 1 2 3 4; do
		# The task runs (again): a new sleep, not the one killed before.
		wait_for 10 one_new_sleeper "$last_sleep" ||
		    fail "try $i did not start: $(run_ctx); $(show_test_procs)"
		last_sleep=$(sleeper_pids)
		pid=$(pool_pid 0) || fail "no pool 0: $(show_test_procs)"
		kill -KILL "$pid"
	done
	finish 10
	expect_exit 1
	expect_event 'failed   t[n=1] its pool died under it 4 times'
	for i in 1 2 3; do
		expect_event "requeue  t[n=1] (try $i: its pool was lost)"
	done
	grep -qF "(try 4: its pool was lost)" "$WEFT_OUT" &&
	    fail "a fifth try: $(run_ctx)"
	expect_out_re '^summary: 1 task: 1 failed in '
	[ "$(effects_of 't[n=1]')" -eq 4 ] || fail "effects: $(cat effects)"
	# Four deaths in a row: not given up.
	[ "$(deaths pool-0)" -eq 4 ] || fail "not 4 deaths: $(run_ctx)"
	grep -q 'giving up' "$WEFT_ERR" && fail "gave up: $(run_ctx)"
	# The four tries, each lost with its pool.  (A try's pid and running
	# time may be missing: the pool can die before it tells main.)
	run q "SELECT group_concat(try_id || ':' || weft_fail_reason, ' ')
	    FROM (SELECT * FROM try WHERE try_id < 4 ORDER BY try_id);"
	assert_output '0:pool lost 1:pool lost 2:pool lost 3:pool lost'
	# Nothing after them: the fourth try is the task's last, failed.
	run q "SELECT count(*) FROM try WHERE try_id >= 4;"
	assert_output 0
	run q "SELECT group_concat(task_status_name, ' ') FROM
	    (SELECT * FROM status WHERE try_id = 3 ORDER BY timestamp);"
	assert_output --partial 'failed'
	refute_output --partial 'fail_retryable'
	run q "SELECT weft_state FROM task;"
	assert_output failed
}

@test "retries of a failing task do not count the tries lost with a pool" {
	# A task that fails twice, then succeeds; it may retry twice.
	write_flow <<'EOF'
weft: 1
config: {jobs: 1}
apps:
  flaky:
    command: >-
      echo "$WEFT_TASK_ID" >>@DIR@/effects;
      n=$(grep -c . @DIR@/effects);
      if [ "$n" -eq 2 ]; then @SLEEP@ 300; fi;
      [ "$n" -ge 4 ] || exit 7
    retries: 2
main:
  - {id: t, app: flaky}
EOF
	weft_start run flow.yaml
	# Start 2 sleeps; it is lost with its pool, and runs again.
	wait_for 30 count_sleepers 1 ||
	    fail "the second start did not sleep: $(run_ctx)"
	local pool
	pool=$(pool_pid 0) || fail "no pool 0: $(show_test_procs)"
	kill -KILL "$pool"
	finish
	# Starts: 1 fails, 2 is lost, 3 fails, 4 succeeds: 2 failures and
	# 3 tries that count, as its 2 retries allow; 4 if the lost one
	# counted.
	expect_exit 0
	[ "$(effects_of t)" -eq 4 ] || fail "effects: $(cat effects)"
	expect_out_re '^summary: 1 task: 1 done in '
	expect_event 'requeue  t (try 2: its pool was lost)'
	run q "SELECT group_concat(try_id || ':' || coalesce(weft_fail_reason,
	    'exit ' || weft_exit_code), ' ')
	    FROM (SELECT * FROM try ORDER BY try_id);"
	assert_output --regexp '^0:[^ ].* 1:pool lost 2:[^ ].* 3:exit 0$'
}

# helper_restart ROLE: SIGKILL of the router or the dbwriter mid-run; it
# comes back (status --json says restarts 1 while the run goes on), the
# run succeeds and the record is complete.
helper_restart()
{
	local role=$1 pid
	start_naps 3 4 2
	pid=$(monitor_pid "$role") || fail "no $role: $(show_test_procs)"
	kill -KILL "$pid"
	wait_for 10 new_monitor_pid "$role" "$pid" ||
	    fail "$role not restarted: $(run_ctx)"
	wait_for 5 proc_has "$role" '.verdict == "ok" and .pid == $p and
	    .restarts == 1 and .reply.ppid == $m' \
	    --argjson p "$NEW_PID" --argjson m "$WEFT_PID" ||
	    fail "status: $(cat "$ST_JSON")"
	weft_exited && fail "the run ended before status saw the restart"
	jq -e '.healthy and .processes[0].reply.stats.tasks.running == 2' \
	    "$ST_JSON" >/dev/null || fail "status: $(cat "$ST_JSON")"
	finish
	expect_exit 0
	expect_out_re '^summary: 4 tasks: 4 done in '
	! grep -q 'record incomplete' "$WEFT_OUT" "$WEFT_ERR" ||
	    fail "$(run_ctx)"
	check_exact_run 4
}

@test "SIGKILL of the router mid-run: restarted (restarts 1), all recorded" {
	helper_restart router
}

@test "SIGKILL of the dbwriter mid-run: restarted (restarts 1), all recorded" {
	helper_restart dbwriter
}

# zombie_children: the zombie children of main.
zombie_children()
{
	ps -o pid=,stat= --ppid "$WEFT_PID" | awk '$2 ~ /^Z/ { print $1 }'
}

# sample_zombies SAMPLES: samples main's children every 50 ms; fails if a
# zombie is there in 3 samples in a row.
sample_zombies()
{
	local i z p
	local -A seen=()

	for ((i = 0; i < $1; i++)); do
		z=" $(zombie_children | tr '\n' ' ')"
		for p in "${!seen[@]}"; do
			[[ $z == *" $p "* ]] || unset "seen[$p]"
		done
		for p in $z; do
			seen[$p]=$((${seen[$p]:-0} + 1))
			[ "${seen[$p]}" -lt 3 ] ||
			    fail "pid $p a zombie of main in 3 samples in a" \
			    "row: $(show_test_procs)"
		done
		sleep 0.05
	done
}

@test "no zombie stays under main while a pool is killed and restarted" {
	start_naps 300 3 2
	local pool
	pool=$(pool_pid 0) || fail "no pool 0: $(show_test_procs)"
	# The sampling sees a zombie that main cannot reap (main stopped).
	kill -STOP "$WEFT_PID"
	kill -KILL "$pool"
	wait_for 3 eval '[ "$(zombie_children)" = "$pool" ]' ||
	    fail "the killed pool is no zombie of a stopped main:" \
	    "$(show_test_procs)"
	kill -CONT "$WEFT_PID"
	wait_for 10 new_pool_pid 0 "$pool" || fail "no new pool: $(run_ctx)"
	sample_zombies 20
	# Now the real thing, main running.
	wait_for 30 count_sleepers 2 || fail "tasks did not start again"
	pool=$(pool_pid 0) || fail "no pool 0: $(show_test_procs)"
	kill -KILL "$pool"
	sample_zombies 20
	wait_for 10 new_pool_pid 0 "$pool" || fail "no new pool: $(run_ctx)"
	[ -z "$(zombie_children)" ] || fail "zombies: $(zombie_children)"
	run weft stop
	assert_success
	wait_for 3 stopped_clean || fail "left behind: $(show_test_procs)"
}
