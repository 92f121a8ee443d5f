#!/usr/bin/env bats
#
# isolation.bats: a function app runs in a worker, and what it does to
# its process is done to that worker only.  A segfault, an abort and an
# exit() each kill their worker, with the exact reasons in the output and
# the database, while the other tasks run and a new worker takes each
# dead one's place; a function that crashes on its first try succeeds on
# its retry, on a new worker; a returned failure (its message, or its
# code) keeps the worker; walltime stops a spinning function, a sleeping
# one and commands (one that ignores SIGTERM too), recorded as 'timeout',
# on every run, a retried try and calls behind a crashed worker included;
# a result over WEFT_RESULT_MAX fails its task while one of exactly that
# size passes; weft status shows the workers after their pool, busy or
# idle, and weft stop ends them; a worker killed from outside (SIGKILL,
# SIGTERM) has its call run again as a new try without spending a retry,
# 3 times at most, while one that segfaults still fails its try; no
# worker outlives a SIGKILLed weft run.
# Running function apps is in functions.bats, loading them in
# plugins.bats; the test plugins are in tests/plugins/.

load setup
load monitoring
load plugins

setup_file()
{
	build_plugins
}

setup()
{
	plugin_setup
	# Built with --enable-asan, a segfault must still be one.
	export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}handle_segv=0
}

# two_fresh_workers PID...: exactly two workers run and neither is one of
# PID...; sets FRESH to their pids.
two_fresh_workers()
{
	local p

	FRESH=$(worker_pids | tr '\n' ' ')
	[ "$(wc -w <<<"$FRESH")" -eq 2 ] || return 1
	for p in $FRESH; do
		in_list "$p" "$*" && return 1
	done
	return 0
}

# crashes_and_counts_ended: stdout says the 3 crashing tasks failed and the
# 4 counts are done.
crashes_and_counts_ended()
{
	[ "$(out_count '^..:..:.. failed   ')" -eq 3 ] &&
	    [ "$(out_count '^..:..:.. done +p\[')" -eq 4 ]
}

# deaths_recorded N: N tries are recorded as failed by a worker's death.
deaths_recorded()
{
	[ -f "$WEFT_WORK/$MON_DB" ] &&
	    [ "$(q "SELECT count(*) FROM try
	    WHERE weft_fail_reason LIKE 'worker %';" 2>/dev/null)" = "$1" ]
}

@test "a segfault, an abort, an exit: only their workers die, the run goes on" {
	write_flow <<'EOF'
weft: 1
config: {jobs: 2}
plugins:
  results: plugins/libresults.so
  crash: plugins/libcrash.so
apps:
  hold: {command: "while [ ! -e go ]; do sleep 0.05; done"}
  segv: {function: crash.segv}
  abrt: {function: crash.abort_now}
  exit: {function: crash.exit_now}
  count: {function: results.count}
  pid: {function: results.pid}
main:
  - {id: hold, app: hold}
  - {id: segv, app: segv}
  - {id: abrt, app: abrt}
  - {id: exit, app: exit}
  - id: p
    app: count
    foreach: {n: "1..4"}
    args: {file: effects}
  - {id: last, app: pid, needs: hold}
EOF
	weft_start run flow.yaml
	wait_for 30 crashes_and_counts_ended ||
	    fail "the crashes and counts did not end: $(run_ctx)"
	wait_for 10 deaths_recorded 3 ||
	    fail "3 worker deaths not recorded: $(run_ctx)"
	local dead
	dead=$(q "SELECT r.weft_pid FROM try r JOIN task t
	    ON t.run_id = r.run_id AND t.task_id = r.task_id
	    WHERE t.weft_task_id IN ('segv', 'abrt', 'exit');" | sort -un)
	[ "$(wc -w <<<"$dead")" -eq 3 ] ||
	    fail "not 3 distinct dead workers: $dead"
	# Each dead worker has been replaced.
	# shellcheck disable=SC2086
	wait_for 10 two_fresh_workers $dead ||
	    fail "workers $(worker_list | tr '\n' ' '); dead: $dead"
	local fresh=$FRESH
	weft_exited && fail "the run ended before the hold: $(run_ctx)"
	touch go
	finish_run
	expect_exit 1
	expect_event 'failed   segv worker killed by SIGSEGV'
	expect_event 'failed   abrt worker killed by SIGABRT'
	expect_event 'failed   exit worker exited with status 3'
	expect_out_re '^..:..:.. done +last [0-9.]+s$'
	expect_out_re '^..:..:.. done +hold [0-9.]+s$'
	expect_out_re '^summary: 9 tasks: 6 done, 3 failed in '
	expect_out_re '^failed segv: worker killed by SIGSEGV'
	expect_out_re '^failed abrt: worker killed by SIGABRT'
	expect_out_re '^failed exit: worker exited with status 3'
	run tries_of segv
	assert_output '0|failed|worker killed by SIGSEGV'
	run tries_of abrt
	assert_output '0|failed|worker killed by SIGABRT'
	run tries_of exit
	assert_output '0|failed|worker exited with status 3'
	run result_of segv
	assert_output NULL
	# The counts ran once each; the last task ran on a new worker.
	run sort effects
	assert_output "p[n=1]
p[n=2]
p[n=3]
p[n=4]"
	local last
	last=$(result_of last | tr -d "'")
	in_list "$last" "$fresh" ||
	    fail "last ran on $last; the live workers were $fresh"
}

@test "a function that crashes on its first try succeeds on its retry" {
	write_flow <<'EOF'
weft: 1
config: {jobs: 1}
plugins:
  crash: plugins/libcrash.so
apps:
  flaky: {function: crash.flaky, retries: 1}
main:
  - {id: f, app: flaky}
EOF
	run --separate-stderr weft run flow.yaml
	assert_success
	assert_event 'retry    f worker killed by SIGSEGV (retry 1 of 1)'
	assert_line --regexp '^..:..:.. done +f [0-9.]+s$'
	assert_line --regexp '^summary: 1 task: 1 done in '
	run tries_of f
	assert_output '0|failed|worker killed by SIGSEGV
1|done|-'
	run result_of f
	assert_output "'recovered on try 1'"
	run try_pids f
	[ "${#lines[@]}" -eq 2 ] && [ "${lines[0]}" != "${lines[1]}" ] ||
	    fail "the retry did not run on a new worker: $output"
}

@test "a function that returns failure: its message or its code; worker kept" {
	write_flow <<'EOF'
weft: 1
config: {jobs: 1}
plugins:
  results: plugins/libresults.so
apps:
  fail: {function: results.fail, retries: 1}
  quiet: {function: results.fail_quiet}
  pid: {function: results.pid}
  child: {command: touch child.ran}
main:
  - {id: f, app: fail, args: {msg: "the sky fell"}}
  - {id: g, app: quiet, args: {code: "7"}}
  - {id: c, app: child, needs: f}
  - {id: p, app: pid}
EOF
	run -1 --separate-stderr weft run flow.yaml
	assert_event 'retry    f function failed: the sky fell (retry 1 of 1)'
	assert_event 'failed   f function failed: the sky fell'
	assert_event 'failed   g function failed: returned 7'
	assert_line --regexp '^..:..:.. dep_fail +c \(needs f\)$'
	assert_line --regexp '^..:..:.. done +p [0-9.]+s$'
	assert_line --regexp '^summary: 4 tasks: 1 done, 2 failed, 1 dep_fail in '
	assert_line --regexp '^failed f: function failed: the sky fell'
	[ ! -e child.ran ] || fail "a dependent of a failed function ran"
	run tries_of f
	assert_output '0|failed|function failed: the sky fell
1|failed|function failed: the sky fell'
	run tries_of g
	assert_output '0|failed|function failed: returned 7'
	run result_of f
	assert_output NULL
	# No worker died: the one worker ran every try.
	run q "SELECT count(DISTINCT weft_pid), max(weft_pid) FROM try;"
	assert_output "1|$(result_of p | tr -d "'")"
}

@test "walltime: functions and commands past it time out, the rest goes on" {
	write_flow <<'EOF'
weft: 1
config: {jobs: 5}
plugins:
  results: plugins/libresults.so
  slow: plugins/libslow.so
apps:
  spin: {function: slow.spin, walltime: 1s}
  nap: {function: slow.nap, walltime: 1s}
  zzz: {command: "@SLEEP@ 30", walltime: 1s}
  stubborn: {command: "trap '' TERM; @SLEEP@ 30", walltime: 1s}
  slowok: {function: slow.nap}
  pid: {function: results.pid}
main:
  - {id: spin, app: spin}
  - {id: nap, app: nap, args: {seconds: "30"}}
  - {id: zzz, app: zzz}
  - {id: stubborn, app: stubborn}
  - {id: ok, app: slowok, args: {seconds: "1.5"}}
  - id: p
    app: pid
    foreach: {n: "1..3"}
EOF
	local t0 secs
	t0=$(now_us)
	weft_start run flow.yaml
	# Without the walltime, spin would never end and the others 30 s.
	finish_run 25
	secs=$(( ($(now_us) - t0) / 1000000 ))
	expect_exit 1
	[ "$secs" -ge 1 ] || fail "the run took less than 1 s: $(run_ctx)"
	local id
	for id in spin nap zzz stubborn; do
		expect_event "failed   $id timeout after 1s (walltime)"
		run tries_of "$id"
		assert_output '0|timeout|timeout after 1s (walltime)'
	done
	expect_out_re '^..:..:.. done +ok [0-9.]+s$'
	expect_out_re '^summary: 8 tasks: 4 done, 4 failed in '
	run q "SELECT count(*) FROM task WHERE weft_task_id LIKE 'p[%'
	    AND weft_state = 'done';"
	assert_output 3
	run result_of ok
	assert_output "'napped'"
}

@test "walltime holds on every run: after a sibling's crash, on a retry, 12 runs" {
	# Short calls (enough for the pool to send them ahead), one that
	# kills its worker, then a function past its walltime, retried once,
	# and a command past its walltime: each of 12 runs must stop both
	# tries of the function and the command after 1 s, not 20 s later.
	write_flow <<'EOF'
weft: 1
plugins:
  crash: plugins/libcrash.so
  slow: plugins/libslow.so
apps:
  val: {function: crash.which}
  seg: {function: crash.segv_at}
  nap: {function: slow.nap, walltime: 1s, retries: 1}
  zzz: {command: "@SLEEP@ 20", walltime: 1s}
main:
  - id: v
    app: val
    foreach: {k: "1..12"}
  - id: s
    app: seg
    foreach: {n: "1..6"}
    args: {at: "3"}
  - {id: z, app: nap, args: {seconds: "20"}}
  - {id: c, app: zzz}
EOF
	local i runid t0 secs
	for i in $(seq 1 12); do
		runid=$(printf '%04d' "$i")
		t0=$(now_us)
		run -1 weft run -j 2 flow.yaml
		secs=$(( ($(now_us) - t0) / 1000000 ))
		[ "$secs" -lt 12 ] || fail "run $runid took ${secs}s: $output"
		assert_event 'failed   s[n=3] worker killed by SIGSEGV'
		assert_event 'retry    z timeout after 1s (walltime) (retry 1 of 1)'
		assert_event 'failed   z timeout after 1s (walltime)'
		assert_event 'failed   c timeout after 1s (walltime)'
		assert_line --regexp '^summary: 20 tasks: 17 done, 3 failed in '
		run tries_in "$runid" z
		assert_output '0|timeout|timeout after 1s (walltime)
1|timeout|timeout after 1s (walltime)'
		run tries_in "$runid" c
		assert_output '0|timeout|timeout after 1s (walltime)'
	done
}

@test "a result larger than WEFT_RESULT_MAX fails the task; the limit passes" {
	write_flow <<'EOF'
weft: 1
config: {jobs: 2}
plugins:
  results: plugins/libresults.so
apps:
  big: {function: results.big}
  use: {command: touch used}
main:
  - {id: toobig, app: big}
  - {id: limit, app: big, args: {n: "1048576"}}
  - {id: child, app: use, needs: toobig}
EOF
	run -1 --separate-stderr weft run flow.yaml
	assert_event 'failed   toobig result too large (1048577 bytes, the limit is 1048576)'
	assert_line --regexp '^..:..:.. done +limit [0-9.]+s$'
	assert_line --regexp '^..:..:.. dep_fail +child \(needs toobig\)$'
	[ ! -e used ] || fail "the dependent ran"
	run tries_of toobig
	assert_output '0|failed|result too large (1048577 bytes, the limit is 1048576)'
	run result_of toobig
	assert_output NULL
	# 1048576 times "x": hex() of 524288 zero bytes is that many "0".
	run q "SELECT length(weft_result), weft_result = replace(hex(zeroblob(
	    524288)), '0', 'x') FROM task WHERE weft_task_id = 'limit';"
	assert_output '1048576|1'
	run weft tasks --json
	assert_success
	run jq -c '[.[] | [.task, (.result | if type == "string" then length
	    else . end)]]' <<<"$output"
	assert_output '[["toobig",null],["limit",1048576],["child",null]]'
}

# workers_in_status N S I: weft status --json (in $ST_JSON) lists pool-0
# and then its three workers, verdict ok, with the pids N (busy with task
# n), S (busy with s) and I (idle), also in the pool's stats.workers.
workers_in_status()
{
	ST_JSON=$WEFT_WORK/status.json
	weft status --json --timeout 1000 >"$ST_JSON" 2>&1
	jq -e --argjson n "$1" --argjson s "$2" --argjson i "$3" '
	    [.processes[] | .name] == ["main", "router", "dbwriter",
	      "interchange", "pool-0", "worker-0.0", "worker-0.1",
	      "worker-0.2"] and
	    ([.processes[] | select(.role == "worker")] | length == 3 and
	      all(.verdict == "ok") and
	      ([.[].pid] | sort) == ([$n, $s, $i] | sort)) and
	    (.processes[] | select(.name == "pool-0") | .reply.stats.workers |
	      length == 3 and
	      all(.restarts == 0 and .done == 0 and .rss_kb > 0) and
	      ([.[].name] | sort) == ["worker-0.0", "worker-0.1",
	        "worker-0.2"] and
	      ([.[] | select(.pid == $n)][0] | .state == "busy" and
	        .task == "n") and
	      ([.[] | select(.pid == $s)][0] | .state == "busy" and
	        .task == "s") and
	      ([.[] | select(.pid == $i)][0] | .state == "idle" and
	        .task == null))' "$ST_JSON" >/dev/null 2>&1
}

@test "status shows each worker after its pool: role worker, verdict ok" {
	write_flow <<'EOF'
weft: 1
config: {jobs: 3}
plugins:
  slow: plugins/libslow.so
apps:
  nap: {function: slow.nap}
  spin: {function: slow.spin}
main:
  - {id: n, app: nap, args: {seconds: "300", pidfile: n.pid}}
  - {id: s, app: spin, args: {pidfile: s.pid}}
EOF
	weft_start run flow.yaml
	wait_for 30 files_exist n.pid s.pid ||
	    fail "the functions did not start: $(run_ctx)"
	wait_for 5 count_workers 3 || fail "workers: $(worker_list)"
	local np sp idle
	np=$(cat n.pid) && sp=$(cat s.pid)
	idle=$(worker_pids | grep -vxF -e "$np" -e "$sp")
	[ -n "$idle" ] && [ "$(wc -l <<<"$idle")" -eq 1 ] ||
	    fail "workers $(worker_pids | tr '\n' ' '); busy $np $sp"
	# wait_for: a worker may still be "starting" at first.
	wait_for 10 workers_in_status "$np" "$sp" "$idle" ||
	    fail "busy $np $sp, idle $idle; status --json: $(jq -c '
	    [.processes[] | {name, role, pid, verdict,
	    workers: .reply.stats.workers}]' "$ST_JSON" 2>&1 ||
	    cat "$ST_JSON")"
	local k
	run weft status
	for k in 0 1 2; do
		assert_line --regexp "^worker-0\.$k +$(worker_pid "0.$k") +ok( |\$)"
	done
	# A stop ends the functions too, the spinning one included.
	run weft stop
	assert_success
	finish_run 10
	expect_exit 130
	run weft tasks --json
	run jq -c '[.[] | [.task, .state]]' <<<"$output"
	assert_output '[["n","killed"],["s","killed"]]'
}

# kill_next_nap N FILE SIG: N times, waits for the nap to write its pid
# to FILE and kills that worker with SIG; sets KILLED to the pids.
kill_next_nap()
{
	local n=$1 file=$2 sig=$3 k pid

	KILLED=
	for k in $(seq 1 "$n"); do
		wait_for 30 files_exist "$file" ||
		    fail "try $k of the nap did not start: $(run_ctx)"
		pid=$(cat "$file")
		rm -f "$file"
		kill "-$sig" "$pid"
		KILLED="$KILLED $pid"
	done
}

@test "a worker killed from outside: its call runs again, no retry spent" {
	write_flow <<'EOF'
weft: 1
config: {jobs: 3}
plugins:
  crash: plugins/libcrash.so
  results: plugins/libresults.so
  slow: plugins/libslow.so
apps:
  nap: {function: slow.nap}
  segv: {function: crash.segv}
  pid: {function: results.pid}
main:
  - {id: k, app: nap, args: {seconds: "300", then: "0", pidfile: k.pid}}
  - {id: t, app: nap, args: {seconds: "300", then: "0", pidfile: t.pid}}
  - id: p
    app: pid
    foreach: {n: "1..3"}
  - {id: g, app: segv, needs: p}
EOF
	weft_start run flow.yaml
	# As the OOM killer would, and as an administrator's kill would.
	kill_next_nap 1 k.pid KILL
	local kp=$KILLED
	kill_next_nap 1 t.pid TERM
	local tp=$KILLED
	finish_run 30
	expect_exit 1
	expect_event 'requeue  k (try 1: its worker was lost)'
	expect_event 'requeue  t (try 1: its worker was lost)'
	expect_out_re '^..:..:.. done +k [0-9.]+s$'
	expect_out_re '^..:..:.. done +t [0-9.]+s$'
	# A function that kills its worker itself still fails its try.
	expect_event 'failed   g worker killed by SIGSEGV'
	expect_out_re '^summary: 6 tasks: 5 done, 1 failed in [0-9.]+s$'
	run tries_of k
	assert_output '0|lost|worker lost
1|done|-'
	run tries_of t
	assert_output '0|lost|worker lost
1|done|-'
	run tries_of g
	assert_output '0|failed|worker killed by SIGSEGV'
	run try_pids k
	assert_line --index 0 $kp
	[ "${lines[1]}" != $kp ] || fail "the new try ran on the dead worker"
	run q "SELECT t.weft_task_id, r.weft_signal FROM try r JOIN task t
	    ON t.run_id = r.run_id AND t.task_id = r.task_id
	    WHERE r.weft_state = 'lost' ORDER BY 1;"
	assert_output 'k|9
t|15'
	# No retry was spent: the tasks count no failure.
	run weft tasks --json
	run jq -c '[.[] | select(.task == "k" or .task == "t") |
	    [.task, .state]]' <<<"$output"
	assert_output '[["k","done"],["t","done"]]'
	run q "SELECT weft_task_id, task_fail_count FROM task WHERE weft_task_id
	    IN ('k', 't') ORDER BY 1;"
	assert_output 'k|0
t|0'
}

@test "a worker killed from outside 4 times fails its task, saying so" {
	write_flow <<'EOF'
weft: 1
config: {jobs: 2}
plugins:
  results: plugins/libresults.so
  slow: plugins/libslow.so
apps:
  nap: {function: slow.nap, retries: 5}
  pid: {function: results.pid}
main:
  - {id: k, app: nap, args: {seconds: "300", pidfile: k.pid}}
  - id: p
    app: pid
    foreach: {n: "1..3"}
EOF
	weft_start run flow.yaml
	kill_next_nap 4 k.pid KILL
	finish_run 30
	expect_exit 1
	expect_event 'requeue  k (try 1: its worker was lost)'
	expect_event 'requeue  k (try 3: its worker was lost)'
	expect_event 'failed   k its worker was killed from outside 4 times'
	expect_out_re '^summary: 4 tasks: 3 done, 1 failed in [0-9.]+s$'
	[ "$(out_count '^..:..:.. requeue  k ')" -eq 3 ] || fail "$(run_ctx)"
	run tries_of k
	assert_output '0|lost|worker lost
1|lost|worker lost
2|lost|worker lost
3|lost|worker lost'
	run try_pids k
	assert_output "$(tr ' ' '\n' <<<"${KILLED# }")"
}

@test "SIGKILL of weft run: no worker is left after 3 s, busy or not" {
	write_flow <<'EOF'
weft: 1
config: {jobs: 3}
plugins:
  slow: plugins/libslow.so
apps:
  nap: {function: slow.nap}
  spin: {function: slow.spin}
main:
  - {id: n, app: nap, args: {seconds: "300", pidfile: n.pid}}
  - {id: s, app: spin, args: {pidfile: s.pid}}
EOF
	weft_start run flow.yaml
	wait_for 30 files_exist n.pid s.pid ||
	    fail "the functions did not start: $(run_ctx)"
	wait_for 5 count_workers 3 || fail "workers: $(worker_list)"
	local workers
	workers=$(worker_pids)
	kill -KILL "$WEFT_PID"
	# shellcheck disable=SC2086
	wait_for 3 none_alive $workers ||
	    fail "3 s after the kill: $(show_test_procs)"
	wait_for 3 no_test_procs || fail "left behind: $(show_test_procs)"
	weft_reap
}

@test "a worker that can no longer start is given up: its calls fail, commands go on" {
	write_flow <<'EOF2'
weft: 1
config: {jobs: 1}
plugins:
  results: plugins/libresults.so
  slow: plugins/libslow.so
apps:
  nap: {function: slow.nap}
  pid: {function: results.pid}
  cmd: {command: "touch after"}
main:
  - {id: n, app: nap, args: {seconds: "300", pidfile: n.pid}}
  - {id: p, app: pid}
  - {id: c, app: cmd}
EOF2
	weft_start run flow.yaml
	wait_for 30 files_exist n.pid || fail "the nap did not start: $(run_ctx)"
	# Every new worker loads the plugins again: now one is gone.
	rm plugins/libslow.so
	kill -KILL "$(cat n.pid)"
	finish_run 30
	expect_exit 1
	# Killed from outside, n runs again: on a worker that cannot start.
	expect_event 'requeue  n (try 1: its worker was lost)'
	expect_out_re "^..:..:.. failed   n no worker could start: .*plugin 'slow': cannot load 'plugins/libslow\\.so': .*No such file or directory$"
	expect_out_re "^..:..:.. failed   p no worker could start: .*plugin 'slow': cannot load 'plugins/libslow\\.so': .*No such file or directory$"
	expect_out_re '^..:..:.. done +c [0-9.]+s$'
	[ -e after ] || fail "the command did not run"
	grep -q 'worker-0.0 given up after 6 failed starts' \
	    .weft/runs/0001/pool-0.log ||
	    fail "pool log: $(cat .weft/runs/0001/pool-0.log)"
	run tries_of p
	assert_output --regexp "^0\|failed\|no worker could start: "
}

@test "a worker whose init hook never returns is killed, then given up" {
	write_flow <<'EOF2'
weft: 1
config: {jobs: 1}
plugins:
  hang: plugins/libinithang.so
apps:
  ok: {function: hang.ok}
  cmd: {command: "touch after"}
main:
  - {id: f, app: ok}
  - {id: c, app: cmd}
EOF2
	WEFT_TEST_INIT_HANG=workers WEFT_PLUGIN_TIMEOUT_S=1 weft_start run flow.yaml
	# Six starts of 1 s each, and the pauses between them.
	finish_run 60
	expect_exit 1
	expect_event 'failed   f no worker could start: worker-0.0 did not get ready in time (its plugins still loading)'
	expect_out_re '^..:..:.. done +c [0-9.]+s$'
	[ "$(grep -c 'not ready after 1000 ms; killing it' \
	    .weft/runs/0001/pool-0.log)" -eq 6 ] ||
	    fail "pool log: $(cat .weft/runs/0001/pool-0.log)"
}

@test "a result with a NUL byte in it is refused and fails its task" {
	write_flow <<'EOF2'
weft: 1
plugins: {results: plugins/libresults.so}
apps:
  nul: {function: results.nul}
  echo: {function: results.echo}
main:
  - {id: n, app: nul}
  - {id: e, app: echo, args: {v: fine}}
EOF2
	run weft run flow.yaml
	assert_failure 1
	assert_event 'failed   n result refused: it holds a NUL byte'
	assert_line --regexp '^..:..:.. done +e '
	run result_of n
	assert_output NULL
	run result_of e
	assert_output "'fine'"
}
