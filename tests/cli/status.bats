#!/usr/bin/env bats
#
# status.bats: "weft status" from another shell, on a live run: the table
# (run, task counts, one row per process: main, router, dbwriter,
# interchange, pool-0) and the --json object (shape, counts, each reply,
# role statistics, heartbeats), the pids being the real processes; the
# verdicts "not responding" (SIGSTOP of a pool or of main, with main's task
# counts unknown), "dead" (a pool killed while main cannot reap it) and
# "restarting" (a pool in its restart backoff); exit 0 / 1 / 2; no such
# run, a finished run, a bad RUN and a run of another user; the run
# directory and sock/ private (0700); --run-dir; --watch on a short run;
# bad --timeout and --interval values.  Supervision itself (restarts,
# requeues) is in supervise.bats.

load setup

# The table with every column: what most tests here read.  The test of
# the 80-column table unsets it.
setup()
{
	weft_setup
	export COLUMNS=120
}

# teardown: also removes the work directory of the unprivileged-user test.
teardown()
{
	weft_teardown
	if [ -n "${NOBODY_DIR-}" ]; then
		rm -rf "$NOBODY_DIR"
	fi
}

# long_flow JOBS [TASKS]: TASKS (default 3) tasks that sleep for 300 s,
# JOBS slots in one pool.
long_flow()
{
	write_flow <<EOF
weft: 1
config:
  jobs: $1
apps:
  nap: {command: "@SLEEP@ 300"}
main:
  - id: t
    app: nap
    foreach: {n: "1..${2:-3}"}
EOF
}

# status_ok [ARGS...]: weft status ARGS exits 0.
status_ok()
{
	weft status "$@" >/dev/null 2>&1
}

# start_naps JOBS [TASKS]: starts the long run, waits until JOBS tasks
# sleep and every process of the run answers (status exit 0).
start_naps()
{
	long_flow "$@"
	weft_start run flow.yaml
	wait_for 30 count_sleepers "$1" ||
	    fail "tasks did not start; stderr: $(cat "$WEFT_ERR")"
	wait_for 10 status_ok || fail "the run never looked healthy:" \
	    "$(weft status 2>&1); procs: $(show_test_procs)"
	RUN_DIR=$WEFT_WORK/.weft/runs/0001
}

# stopped_clean: weft run has exited and nothing of the test is left.
stopped_clean()
{
	weft_exited && no_test_procs
}

# stop_run: stops the run with weft stop; nothing may be left.
stop_run()
{
	run weft stop
	assert_success
	wait_for 3 stopped_clean || fail "left behind: $(show_test_procs)"
	weft_reap
}

# status_table [ARGS...]: weft status ARGS; ST_OUT its output (stdout and
# stderr), ST_RC its exit status.
status_table()
{
	ST_RC=0
	ST_OUT=$(weft status "$@" 2>&1) || ST_RC=$?
}

# status_json [ARGS...]: weft status --json ARGS; the object in $ST_JSON,
# stderr in $ST_ERR, ST_RC the exit status.
status_json()
{
	ST_JSON=$WEFT_WORK/status.json
	ST_ERR=$WEFT_WORK/status.err
	ST_RC=0
	weft status --json "$@" >"$ST_JSON" 2>"$ST_ERR" || ST_RC=$?
}

# jcheck FILTER [JQ-ARGS...]: FILTER is true of the last status_json.
jcheck()
{
	local f=$1
	shift
	jq -e "$@" "$f" "$ST_JSON" >/dev/null ||
	    fail "not true of status --json: $f" \
	    "$(printf '\nexit %s; stderr: %s\n' "$ST_RC" "$(cat "$ST_ERR")")" \
	    "$(jq . "$ST_JSON" 2>&1 || cat "$ST_JSON")"
}

# proc_has NAME FILTER [JQ-ARGS...]: weft status --json --timeout 300;
# process NAME is there and FILTER is true of it.
proc_has()
{
	local name=$1 f=$2
	shift 2
	status_json --timeout 300
	jq -e --arg n "$name" "$@" \
	    "[.processes[] | select(.name == \$n) | $f] == [true]" \
	    "$ST_JSON" >/dev/null 2>&1
}

# row_says NAME VERDICT: the last status_table has a row for NAME with
# that verdict.
row_says()
{
	grep -qE "^$1 +[0-9]+ +$2( |\$)" <<<"$ST_OUT"
}

# table_says NAME VERDICT [ARGS...]: status_table ARGS, then row_says.
table_says()
{
	local name=$1 verdict=$2
	shift 2
	status_table "$@"
	row_says "$name" "$verdict"
}

# helper ROLE: weft_helper_pid ROLE, failing the test if there is none.
helper()
{
	weft_helper_pid "$1" || fail "no $1: $(show_test_procs)"
}

# is_zombie PID: PID is a zombie (exited, not yet reaped).
is_zombie()
{
	proc_stat "$1" && [ "$PS_STATE" = Z ]
}

# count_programs PROG N: exactly N live processes run PROG (their first
# argument), as sleeper_pids does for this test's marked sleep.
count_programs()
{
	[ "$(ps -eww -o pid=,stat=,args= | P="$1" awk '
	    $2 !~ /^Z/ && $3 == ENVIRON["P"]' | wc -l)" -eq "$2" ]
}

# new_pool_pid OLD: pool 0 runs with a pid other than OLD; sets NEW_PID.
new_pool_pid()
{
	local p

	p=$(weft_helper_pid "pool 0") && [ "$p" != "$1" ] && NEW_PID=$p
}

@test "status: a live run's table has every process ok, 2 running, exit 0" {
	start_naps 2
	local router dbwriter ich pool
	router=$(helper router) && dbwriter=$(helper dbwriter) &&
	    ich=$(helper interchange) && pool=$(helper "pool 0")
	run weft status
	assert_success
	assert_line --index 0 "run 0001 ($RUN_DIR)"
	assert_line --index 1 \
	    "tasks: 3 total: 1 pending, 2 running, 0 done, 0 failed, 0 dep_fail"
	assert_line --index 2 \
	    --regexp '^NAME +PID +VERDICT +UPTIME +RSS +CPU +FDS +RST +DETAIL$'
	[ "${#lines[@]}" -eq 8 ] || fail "not 5 process rows: $output"
	# uptime, rss, cpu, fds, restarts
	local m='[0-9]+\.[0-9]s +[0-9.]+[KMG] +[0-9]+\.[0-9]{2}s +[0-9]+ +0'
	assert_line --index 3 --regexp "^main +$WEFT_PID +ok +$m +running$"
	assert_line --index 4 --regexp \
	    "^router +$router +ok +$m +events [0-9]+, backlog [0-9]+ bytes$"
	assert_line --index 5 --regexp \
	    "^dbwriter +$dbwriter +ok +$m +rows [0-9]+, commits [0-9]+$"
	assert_line --index 6 --regexp \
	    "^interchange +$ich +ok +$m +queued 1, dispatched 2, done 0$"
	local busy='2/2 busy, done 0, heartbeat [0-9]+\.[0-9]s ago'
	assert_line --index 7 --regexp "^pool-0 +$pool +ok +$m +$busy$"
	stop_run
}

@test "status fits 80 columns without a terminal or COLUMNS; wider only when wider" {
	start_naps 2
	local pool line
	pool=$(helper "pool 0")
	unset COLUMNS
	run weft status
	assert_success
	assert_line --index 2 --regexp '^NAME +PID +VERDICT +RST +DETAIL$'
	assert_line --index 7 --regexp \
	    "^pool-0 +$pool +ok +0 +2/2 busy, done 0, heartbeat [0-9]+\.[0-9]s ago$"
	assert_line --index 6 --regexp \
	    '^interchange +[0-9]+ +ok +0 +queued 1, dispatched 2, done 0$'
	[ "${#lines[@]}" -eq 8 ] || fail "not 5 process rows: $output"
	for line in "${lines[@]}"; do
		[ "${#line}" -le 80 ] || fail "wider than 80: '$line'"
	done
	# Up to 119 columns the same; from 120 the resource columns too.
	COLUMNS=119 run weft status
	assert_line --index 2 --regexp '^NAME +PID +VERDICT +RST +DETAIL$'
	COLUMNS=120 run weft status
	assert_line --index 2 \
	    --regexp '^NAME +PID +VERDICT +UPTIME +RSS +CPU +FDS +RST +DETAIL$'
	# A narrow one cuts the rows, never past its width.
	COLUMNS=43 run weft status
	assert_line --index 2 'NAME            PID VERDICT        RST  DET'
	assert_line --index 7 --regexp "^pool-0 +$pool +ok +0  2/2$"
	stop_run
}

@test "status --json: shape, task counts, replies and role statistics" {
	start_naps 2
	status_json
	[ "$ST_RC" -eq 0 ] ||
	    fail "exit $ST_RC; stderr: $(cat "$ST_ERR"); $(cat "$ST_JSON")"
	jcheck '.version == 1 and .run == "0001" and .live and .healthy'
	jcheck '.path == $p' --arg p "$RUN_DIR"
	jcheck '.tasks | .total == 3 and .running == 2 and .pending == 1 and
	    .waiting + .queued == .pending and .done == 0 and .failed == 0 and
	    .dep_fail == 0 and .retried == 0 and .requeued == 0'
	jcheck '[.processes[] | .name] ==
	    ["main", "router", "dbwriter", "interchange", "pool-0"]'
	jcheck '[.processes[] | .role] ==
	    ["main", "router", "dbwriter", "interchange", "pool"]'
	jcheck 'all(.processes[]; .verdict == "ok" and .state == "running" and
	    .restarts == 0 and .reply != null and .reply.pid == .pid and
	    .reply.name == .name and .reply.role == .role and
	    .reply.state == "running" and .reply.rss_kb > 0 and
	    .reply.fds > 0 and .reply.uptime > 0 and .reply.cpu >= 0 and
	    .reply.started > 1e9 and
	    (.reply.stats | type) == "object" and
	    (.reply.heartbeats | type) == "object")'
	jcheck '.processes[0].pid == $m' --argjson m "$WEFT_PID"
	jcheck 'all(.processes[1:][]; .reply.ppid == $m)' \
	    --argjson m "$WEFT_PID"
	# main: its own view of the run and of the helpers.
	jcheck '.processes[0].reply.stats as $s | . as $top |
	    $s.run == "0001" and $s.workflow == "flow.yaml" and
	    $s.tasks == $top.tasks and
	    [$s.helpers[] | .name] ==
	    ["router", "dbwriter", "interchange", "pool-0"] and
	    [$s.helpers[] | .pid] == [$top.processes[1:][] | .pid] and
	    all($s.helpers[]; .state == "running" and .restarts == 0)'
	# router
	jcheck '.processes[1].reply | .stats.writer_known == true and
	    .stats.events > 0 and .stats.batches > 0 and
	    .stats.acknowledged <= .stats.batches and
	    .stats.backlog_bytes >= 0 and
	    .stats.committed_bytes <= .stats.spooled_bytes and
	    (.heartbeats.dbwriter | type) == "number"'
	# dbwriter
	jcheck '.processes[2].reply | .stats.rows > 0 and
	    .stats.commits >= 0 and .stats.failing == false and
	    .stats.duplicates == 0 and
	    (.stats.in_transaction | type) == "boolean" and
	    (.heartbeats.router | type) == "number"'
	# interchange: it knows the pool and both heartbeats are recent.
	jcheck '.processes as $p | $p[3].reply | .stats.dispatched >= 2 and
	    .stats.received == 3 and .stats.queued == 1 and .stats.done == 0 and
	    .stats.requeued == 0 and .stats.pools_lost == 0 and
	    (.stats.pools | length) == 1 and
	    (.stats.pools[0] | .name == "pool-0" and .pid == $p[4].pid and
	    .slots == 2 and .outstanding == 2 and .done == 0 and
	    .silent == false) and
	    .heartbeats["pool-0"] < 10 and .heartbeats.main < 10'
	# pool: two busy slots running two of the tasks, first tries.
	jcheck '.processes[4].reply | .stats.pool == 0 and .stats.slots == 2 and
	    .stats.busy == 2 and .stats.free == 0 and .stats.started == 2 and
	    .stats.finished == 0 and (.stats.running | length) == 2 and
	    all(.stats.running[]; (.task | test("^t\\[n=[123]\\]$")) and
	    .try == 0 and .pid > 0 and .seconds >= 0) and
	    .heartbeats.interchange < 10'
	local p
	for p in $(jq '.processes[4].reply.stats.running[].pid' "$ST_JSON"); do
		pid_alive "$p" ||
		    fail "running task pid $p is not alive: $(show_test_procs)"
		grep -qsaF "WEFT_TASK_ID=t[n=" "/proc/$p/environ" ||
		    fail "pid $p is not a task: $(proc_cmdline "$p")"
	done
	stop_run
}

@test "status: the pids shown are the real processes of the run" {
	start_naps 2
	status_json
	[ "$ST_RC" -eq 0 ] || fail "exit $ST_RC; stderr: $(cat "$ST_ERR")"
	run weft status
	assert_success
	local name pid cmd want
	while read -r name pid; do
		case $name in
		main)	want="^${WEFT//./\\.} run flow\.yaml\$" ;;
		pool-0)	want='^weft: pool 0 run 0001 \(2/2 busy\) *$' ;;
		*)	want="^weft: $name run 0001 *\$" ;;
		esac
		cmd=$(proc_cmdline "$pid") || fail "$name: pid $pid is gone"
		[[ $cmd =~ $want ]] ||
		    fail "$name: pid $pid runs '$cmd', not /$want/"
		# the table shows the same pid
		assert_line --regexp "^$name +$pid +ok "
		# A helper's title leaves its environment readable (main
		# sets the variable after it started, so only for it).
		[ "$name" = main ] ||
		grep -qsaxF "WEFT_RUN_DIR=$WEFT_WORK/.weft/runs/0001" \
		    <(tr '\0' '\n' <"/proc/$pid/environ") ||
		    fail "$name: no WEFT_RUN_DIR in /proc/$pid/environ"
		if [ "$name" != main ]; then
			proc_stat "$pid"
			[ "$PS_PPID" -eq "$WEFT_PID" ] ||
			    fail "$name: pid $pid has parent $PS_PPID," \
			    "not main $WEFT_PID"
		fi
	done < <(jq -r '.processes[] | "\(.name) \(.pid)"' "$ST_JSON")
	[ "$WEFT_PID" = "$(jq '.processes[0].pid' "$ST_JSON")" ] ||
	    fail "main is not $WEFT_PID: $(cat "$ST_JSON")"
	stop_run
}

@test "status: a stopped pool is 'not responding', exit 1; after SIGCONT ok" {
	# A long heartbeat period: main must not kill the stopped pool.
	export WEFT_HEARTBEAT_MS=60000
	start_naps 2
	local pool t0 t1
	pool=$(helper "pool 0")
	kill -STOP "$pool"
	t0=$(now_us)
	status_table --timeout 300
	t1=$(now_us)
	[ "$ST_RC" -eq 1 ] || fail "exit $ST_RC, not 1: $ST_OUT"
	grep -qE "^pool-0 +$pool +not responding +- +- +- +- +0 *\$" \
	    <<<"$ST_OUT" || fail "pool-0 is not 'not responding': $ST_OUT"
	for name in main router dbwriter interchange; do
		row_says "$name" ok || fail "$name is not ok: $ST_OUT"
	done
	local tasks='tasks: 3 total: 1 pending, 2 running, 0 done, 0 failed,'
	tasks+=' 0 dep_fail'
	grep -qxF "$tasks" <<<"$ST_OUT" || fail "tasks line: $ST_OUT"
	# The timeout is what status waits for the stopped pool: 300 ms is
	# well under 2 s, and --timeout 2000 waits the 2 s.
	[ $((t1 - t0)) -lt 1800000 ] ||
	    fail "status --timeout 300 took $(((t1 - t0) / 1000)) ms"
	t0=$(now_us)
	status_table --timeout 2000
	t1=$(now_us)
	[ "$ST_RC" -eq 1 ] || fail "exit $ST_RC, not 1: $ST_OUT"
	[ $((t1 - t0)) -ge 2000000 ] ||
	    fail "status --timeout 2000 took only $(((t1 - t0) / 1000)) ms"
	row_says pool-0 'not responding' || fail "pool-0: $ST_OUT"
	status_json --timeout 300
	[ "$ST_RC" -eq 1 ] || fail "json: exit $ST_RC, not 1"
	jcheck '.healthy == false and .live == true and .tasks.running == 2'
	jcheck '.processes[4] | .name == "pool-0" and .pid == $p and
	    .verdict == "not responding" and .reply == null' \
	    --argjson p "$pool"
	jcheck 'all(.processes[:4][]; .verdict == "ok")'
	kill -CONT "$pool"
	wait_for 5 status_ok --timeout 300 ||
	    fail "not ok after SIGCONT: $(weft status 2>&1)"
	run weft status
	assert_success
	assert_line --regexp "^pool-0 +$pool +ok "
	stop_run
}

@test "status: a stopped main is 'not responding', tasks unknown, exit 1" {
	start_naps 2
	kill -STOP "$WEFT_PID"
	status_table --timeout 300
	[ "$ST_RC" -eq 1 ] || fail "exit $ST_RC, not 1: $ST_OUT"
	[ "$(sed -n 1p <<<"$ST_OUT")" = "run 0001 ($RUN_DIR)" ] ||
	    fail "line 1: $ST_OUT"
	[ "$(sed -n 2p <<<"$ST_OUT")" = \
	    "tasks: unknown (main did not answer)" ] || fail "line 2: $ST_OUT"
	grep -qE "^main +$WEFT_PID +not responding " <<<"$ST_OUT" ||
	    fail "main is not 'not responding': $ST_OUT"
	for name in router dbwriter interchange pool-0; do
		row_says "$name" ok || fail "$name is not ok: $ST_OUT"
	done
	status_json --timeout 300
	[ "$ST_RC" -eq 1 ] || fail "json: exit $ST_RC, not 1"
	jcheck '.tasks == null and .healthy == false and .live == true'
	jcheck '.processes[0] | .name == "main" and .pid == $m and
	    .verdict == "not responding" and .reply == null' \
	    --argjson m "$WEFT_PID"
	jcheck 'all(.processes[1:][]; .verdict == "ok" and .reply.ppid == $m)' \
	    --argjson m "$WEFT_PID"
	kill -CONT "$WEFT_PID"
	wait_for 5 status_ok --timeout 300 ||
	    fail "not ok after SIGCONT: $(weft status 2>&1)"
	stop_run
}

@test "status: a killed pool main cannot reap is 'dead'; main restarts it" {
	start_naps 2
	local pool
	pool=$(helper "pool 0")
	kill -STOP "$WEFT_PID"
	kill -KILL "$pool"
	wait_for 3 is_zombie "$pool" ||
	    fail "pool $pool is not a zombie: $(show_test_procs)"
	status_table --timeout 300
	[ "$ST_RC" -eq 1 ] || fail "exit $ST_RC, not 1: $ST_OUT"
	grep -qE "^pool-0 +$pool +dead " <<<"$ST_OUT" ||
	    fail "pool-0 is not dead: $ST_OUT"
	row_says main 'not responding' || fail "main: $ST_OUT"
	status_json --timeout 300
	jcheck '.healthy == false and
	    (.processes[] | select(.name == "pool-0") | .verdict == "dead" and
	    .pid == $p and .reply == null)' --argjson p "$pool"
	kill -CONT "$WEFT_PID"
	wait_for 10 proc_has pool-0 '.verdict == "ok" and .pid != $p and
	    .restarts == 1 and .reply.ppid == $m' \
	    --argjson p "$pool" --argjson m "$WEFT_PID" ||
	    fail "pool-0 not back: $(weft status 2>&1);" \
	    "stderr: $(cat "$WEFT_ERR")"
	run weft status
	assert_success
	assert_line --regexp "^pool-0 +[0-9]+ +ok +.* 1 +2/2 busy, "
	refute_line --regexp "^pool-0 +$pool "
	stop_run
}

@test "status: a pool in its restart backoff is 'restarting', exit 1" {
	# Enough tasks that none is lost four times (and fails) meanwhile.
	start_naps 2 12
	local pid i
	pid=$(helper "pool 0")
	# Four deaths in a row: restarts after 50, 100, 200, 400 ms.
	for i in 1 2 3 4; do
		kill -KILL "$pid"
		wait_for 10 new_pool_pid "$pid" ||
		    fail "no new pool after kill $i; stderr: $(cat "$WEFT_ERR")"
		pid=$NEW_PID
	done
	# The fifth: the next start is 800 ms away.
	kill -KILL "$pid"
	wait_for 3 table_says pool-0 restarting ||
	    fail "pool-0 never 'restarting': $ST_OUT;" \
	    "stderr: $(cat "$WEFT_ERR")"
	[ "$ST_RC" -eq 1 ] || fail "exit $ST_RC, not 1: $ST_OUT"
	# Four restarts so far, the fifth due.
	local row="^pool-0 +$pid +restarting +- +- +- +- +4"
	row+=" +died; restart 5 due$"
	grep -qE "$row" <<<"$ST_OUT" || fail "pool-0 row: $ST_OUT"
	for name in main router dbwriter interchange; do
		row_says "$name" ok || fail "$name is not ok: $ST_OUT"
	done
	# And then it is back.
	wait_for 10 proc_has pool-0 '.verdict == "ok" and .restarts == 5' ||
	    fail "pool-0 not back: $(weft status 2>&1);" \
	    "stderr: $(cat "$WEFT_ERR")"
	stop_run
}

@test "status: no live run, no such run, a bad RUN, a finished run: exit 2" {
	run -2 weft status
	assert_line --index 0 "weft status: no runs found: no .weft in $WEFT_WORK or any folder above it"
	run -2 weft status --json
	assert_line --index 0 "weft status: no runs found: no .weft in $WEFT_WORK or any folder above it"
	run -2 weft status 99
	assert_line --index 0 "weft status: no runs found: no .weft in $WEFT_WORK or any folder above it"
	mkdir -p .weft/runs
	run -2 weft status 99
	assert_output "weft status: no run 0099 in .weft"
	local why="expected a run number such as 7 or 0007"
	run -2 weft status x
	assert_output "weft status: invalid run 'x': $why"
	for bad in 0 -1 1x '' abc 99999999999999999999; do
		run -2 weft status -- "$bad"
		assert_output "weft status: invalid run '$bad': $why"
	done
	write_flow <<'EOF'
weft: 1
apps:
  t: {command: "true"}
main:
  - {id: t, app: t}
EOF
	run weft run -q flow.yaml
	assert_success
	# The run is over: helpers.json is gone, status refuses it.
	[ ! -e .weft/runs/0001/helpers.json ] ||
	    fail "helpers.json left: $(cat .weft/runs/0001/helpers.json)"
	for r in 1 0001; do
		run -2 weft status "$r"
		assert_output "weft status: run 0001 is not running"
	done
	run -2 --separate-stderr weft status --json 1
	[ -z "$output" ] || fail "stdout of --json: $output"
	# shellcheck disable=SC2154
	[ "$stderr" = "weft status: run 0001 is not running" ] ||
	    fail "stderr: $stderr"
	run -2 weft status
	assert_output "weft status: no live run in .weft/runs"
	run -2 weft status 2
	assert_output "weft status: no run 0002 in .weft"
	run -2 weft status --run-dir "$WEFT_WORK/elsewhere" 1
	assert_output "weft status: no run 0001 in $WEFT_WORK/elsewhere"
	run -2 weft status 1 2
	assert_line --index 0 "weft status: too many arguments"
	assert_line --index 1 \
	    "usage: weft status [--json] [--watch] [--interval S] [--timeout MS] [-f FILE | -C DIR | --run-dir DIR] [RUN]"
}

@test "status: a run of another user is refused with exit 2 (root only)" {
	[ "$(id -u)" -eq 0 ] || skip "needs root to give a run to another user"
	id nobody >/dev/null 2>&1 || skip "no user nobody"
	getent group nogroup >/dev/null || skip "no group nogroup"
	local as_nobody=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
	"${as_nobody[@]}" test -x "$WEFT" -a -r "$WEFT" ||
	    skip "$WEFT is not readable and executable by nobody"
	# Root's run, its directory given to nobody.
	start_naps 2
	chown nobody .weft/runs/0001
	run -2 weft status
	assert_output "weft status: run 0001 belongs to another user"
	run -2 weft status --json 1
	assert_output "weft status: run 0001 belongs to another user"
	chown root .weft/runs/0001
	run weft status
	assert_success
	stop_run
	# nobody's run in a directory of nobody's, outside the test's own.
	NOBODY_DIR=$(mktemp -d /tmp/weft-status-nobody.XXXXXX)
	chmod 755 "$NOBODY_DIR"
	ln -s "$(command -v sleep)" "$NOBODY_DIR/nsleep"
	cat >"$NOBODY_DIR/flow.yaml" <<EOF
weft: 1
config: {jobs: 2}
apps:
  nap: {command: "$NOBODY_DIR/nsleep 300"}
main:
  - id: t
    app: nap
    foreach: {n: "1..3"}
EOF
	chown -R nobody:nogroup "$NOBODY_DIR"
	cd "$NOBODY_DIR"
	env --default-signal=INT,TERM,QUIT,HUP setsid "${as_nobody[@]}" \
	    "$WEFT" run flow.yaml >"$WEFT_OUT" 2>"$WEFT_ERR" </dev/null 3>&- &
	WEFT_PID=$!
	WEFT_BG_PIDS+=("$WEFT_PID")
	wait_for 30 count_programs "$NOBODY_DIR/nsleep" 2 ||
	    fail "nobody's tasks did not start; stderr: $(cat "$WEFT_ERR");" \
	    "procs: $(show_test_procs)"
	wait_for 10 "${as_nobody[@]}" "$WEFT" status >/dev/null 2>&1 ||
	    fail "nobody's run never looked healthy to nobody:" \
	    "$("${as_nobody[@]}" "$WEFT" status 2>&1)"
	run "${as_nobody[@]}" "$WEFT" status
	assert_success
	assert_line --index 0 "run 0001 ($NOBODY_DIR/.weft/runs/0001)"
	assert_line --regexp "^pool-0 +[0-9]+ +ok "
	[ "$(stat -c %U .weft/runs/0001)" = nobody ] ||
	    fail "run dir owned by $(stat -c %U .weft/runs/0001)"
	# root is refused it.
	run -2 weft status
	assert_output "weft status: run 0001 belongs to another user"
	run -2 weft status 1
	assert_output "weft status: run 0001 belongs to another user"
	run "${as_nobody[@]}" "$WEFT" stop
	assert_success
	wait_for 3 stopped_clean || fail "left behind: $(show_test_procs)"
}

@test "status: the run directory and sock/ are 0700; --run-dir" {
	long_flow 2
	weft_start run --run-dir "$WEFT_WORK/rd" flow.yaml
	wait_for 30 count_sleepers 2 ||
	    fail "tasks did not start; stderr: $(cat "$WEFT_ERR")"
	RUN_DIR=$WEFT_WORK/rd/runs/0001
	[ "$(stat -c %a "$RUN_DIR")" = 700 ] ||
	    fail "run dir mode $(stat -c %a "$RUN_DIR")"
	[ "$(stat -c %a "$RUN_DIR/sock")" = 700 ] ||
	    fail "sock/ mode $(stat -c %a "$RUN_DIR/sock")"
	local s
	for s in main router dbwriter interchange pool-0; do
		[ -S "$RUN_DIR/sock/ctl-$s" ] ||
		    fail "no socket sock/ctl-$s: $(ls -l "$RUN_DIR/sock")"
	done
	# Not under ./.weft: status needs --run-dir.
	run -2 weft status
	assert_line --index 0 "weft status: no runs found: no .weft in $WEFT_WORK or any folder above it"
	wait_for 10 status_ok --run-dir "$WEFT_WORK/rd" ||
	    fail "not ok: $(weft status --run-dir "$WEFT_WORK/rd" 2>&1)"
	run weft status --run-dir "$WEFT_WORK/rd" 1
	assert_success
	assert_line --index 0 "run 0001 ($RUN_DIR)"
	run weft stop --run-dir "$WEFT_WORK/rd"
	assert_success
	wait_for 3 stopped_clean || fail "left behind: $(show_test_procs)"
}

@test "status --watch (not a tty): refreshes, blank lines, 'has ended'" {
	write_flow <<'EOF'
weft: 1
config: {jobs: 2}
apps:
  nap: {command: "@SLEEP@ 1.5"}
main:
  - id: t
    app: nap
    foreach: {n: "1..2"}
EOF
	weft_start run flow.yaml
	wait_for 30 count_sleepers 2 ||
	    fail "tasks did not start; stderr: $(cat "$WEFT_ERR")"
	local rc=0 out=$WEFT_WORK/watch.out err=$WEFT_WORK/watch.err
	weft status --watch --interval 0.2 >"$out" 2>"$err" || rc=$?
	[ "$rc" -eq 0 ] ||
	    fail "exit $rc; stderr: $(cat "$err"); out: $(cat "$out")"
	[ ! -s "$err" ] || fail "stderr: $(cat "$err")"
	[ "$(tail -n 1 "$out")" = "run 0001 has ended" ] ||
	    fail "last line: $(tail -n 3 "$out")"
	local blocks blanks
	blocks=$(grep -c "^run 0001 (" "$out")
	blanks=$(grep -c '^$' "$out")
	[ "$blocks" -ge 3 ] ||
	    fail "$blocks refreshes in a 1.5 s run: $(cat "$out")"
	# Each refresh is a whole table, followed by one blank line.
	[ "$blanks" -eq "$blocks" ] ||
	    fail "$blanks blank lines for $blocks refreshes: $(cat -A "$out")"
	awk -v W="$WEFT_WORK/.weft/runs/0001" '
		prev == "" && NR > 1 && $0 != "run 0001 (" W ")" &&
		    $0 != "run 0001 has ended" { bad = 1 }
		/^run 0001 \(/ { head = NR }
		head && NR == head + 1 && !/^tasks: / { bad = 1 }
		head && NR == head + 2 && !/^NAME +PID +VERDICT/ { bad = 1 }
		{ prev = $0 }
		END { exit bad }' "$out" ||
	    fail "not tables apart by blank lines: $(cat -A "$out")"
	# The run has ended indeed.
	wait_for 3 stopped_clean || fail "left behind: $(show_test_procs)"
	weft_reap
	[ "$WEFT_STATUS" -eq 0 ] ||
	    fail "weft run exit $WEFT_STATUS: $(cat "$WEFT_ERR")"
}

@test "status: bad --timeout and --interval values: exit 2, the message" {
	local v ms="expected milliseconds from 1 to 600000"
	local secs="expected seconds from 0.05 to 3600"
	for v in 0 600001 -5 1.5 '' 1x abc 99999999999999999999; do
		run -2 weft status --timeout "$v"
		assert_output "weft status: invalid --timeout '$v': $ms"
	done
	for v in 0 0.049 3601 -1 '' abc nan inf 1,5 0x1 1e1 . 1.2.3; do
		run -2 weft status --interval "$v"
		assert_output "weft status: invalid --interval '$v': $secs"
	done
	# The bounds themselves are good values (no run here: exit 2 for that).
	for v in 1 600000; do
		run -2 weft status --timeout "$v"
		assert_line --index 0 "weft status: no runs found: no .weft in $WEFT_WORK or any folder above it"
	done
	for v in 0.05 3600; do
		run -2 weft status --interval "$v"
		assert_line --index 0 "weft status: no runs found: no .weft in $WEFT_WORK or any folder above it"
	done
	run -2 weft status --timeout
	assert_line --index 0 "weft status: option '--timeout' needs an argument"
}
