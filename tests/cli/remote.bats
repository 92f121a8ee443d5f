#!/usr/bin/env bats
#
# remote.bats: pools that connect by themselves over tcp:// with CURVE
# ("weft pool --connect URL --certs PATH"), as providers start them on
# other hosts.  A run with config.interchange makes its keys (0700/0600),
# listens at the port (or range) given and writes where in
# interchange.url; a joined pool runs commands and function calls, its
# node and tries are in the database, and its events come through the
# interchange; a pool with another run's credentials is refused at once,
# logged and counted in weft status; a remote pool that stops answering
# is declared lost after the heartbeat threshold, its try recorded "pool
# lost" and run again on another pool, and when it comes back it is told
# to exit and gets nothing; a task whose shell exits 143 as its pool is
# ended is lost with the pool, and one that exits so by itself fails; a
# pool whose interchange is gone kills its tasks and exits by itself; bad
# settings and options are refused.

load setup
load monitoring
load plugins
load browser

setup_file()
{
	build_plugins
}

setup()
{
	plugin_setup
	# Quick heartbeats: losses are seen in about a second.
	export WEFT_HEARTBEAT_MS=100
	export WEFT_HEARTBEAT_THRESHOLD_MS=1000
	export REMOTE_TEST_TOKEN=unused
	PORTS="$((40000 + RANDOM % 20000))"
	PORTS="$PORTS-$((PORTS + 20))"
}

# remote_flow POOLS BODY...: a flow listening on 127.0.0.1 with POOLS
# local pools and the given main body (apps come first).
remote_flow()
{
	local pools=$1

	shift
	write_flow <<EOF
weft: 1
config:
  jobs: 1
  provider: {kind: local, pools: $pools}
  interchange: {address: 127.0.0.1, port: "$PORTS"}
env: {TOKEN: {from_env: REMOTE_TEST_TOKEN}}
plugins:
  results: plugins/libresults.so
apps:
  hi: {command: 'echo "hi {n} \$WEFT_TASK_ID \$TOKEN" > out-{n}.txt'}
  nap: {command: 'echo "\$WEFT_TASK_ID" >> @DIR@/effects; @SLEEP@ {secs}'}
  add: {function: results.add}
$(printf '%s\n' "$@")
EOF
}

# url: where this test's run 0001 listens, once it does.
url()
{
	cat .weft/runs/0001/interchange.url 2>/dev/null
}

# join [ARGS...]: a pool for run 0001 in the background, in its own
# session; JOIN_PID, its stderr in join.err.
join()
{
	wait_for 20 url || fail "no interchange.url: $(cat "$WEFT_ERR")"
	setsid "$WEFT" pool --connect "$(url)" \
	    --certs .weft/runs/0001/certs "$@" 2>>join.err &
	JOIN_PID=$!
	WEFT_BG_PIDS+=("$JOIN_PID")
}

# lose_a_pool: starts run 0001, a pool that takes its task and is then
# stopped (SIGSTOP), and a second pool: their pids in FIRST and SECOND.
lose_a_pool()
{
	weft_start run flow.yaml
	join --jobs 1
	FIRST=$JOIN_PID
	wait_for 20 count_sleepers 1
	kill -STOP "$FIRST"
	join --jobs 1
	SECOND=$JOIN_PID
}

@test "a pool joins over tcp with CURVE and runs commands and calls" {
	remote_flow 0 'main:' \
	    '  - {id: t, app: hi, foreach: {n: "1..4"},' \
	    '     outputs: ["out-{n}.txt"]}' \
	    '  - {id: sum, app: add, args: {x: 2, y: 3}}'
	# The secret is main's: the pool, elsewhere, does not have it.
	REMOTE_TEST_TOKEN=s3cret weft_start run flow.yaml
	wait_for 20 url
	# The keys: a folder 0700, files 0600, made for this run.
	[ "$(stat -c %a .weft/runs/0001/certs)" = 700 ]
	for f in server.key client.key pool.cred; do
		[ "$(stat -c %a ".weft/runs/0001/certs/$f")" = 600 ]
	done
	# At a port of the range given.
	[[ $(url) =~ ^tcp://127\.0\.0\.1:([0-9]+)$ ]]
	[ "${BASH_REMATCH[1]}" -ge "${PORTS%-*}" ]
	[ "${BASH_REMATCH[1]}" -le "${PORTS#*-}" ]
	grep -qF "weft: waiting for pools: weft pool --connect $(url)" \
	    "$WEFT_OUT"
	REMOTE_TEST_TOKEN= join --cores 3 --memory 2G
	wait_for 30 weft_exited || fail "$(cat "$WEFT_OUT" "$WEFT_ERR")"
	weft_reap
	[ "$WEFT_STATUS" -eq 0 ] || fail "$(cat "$WEFT_OUT" "$WEFT_ERR")"
	[ "$(cat out-3.txt)" = "hi 3 t[n=3] s3cret" ]
	[ "$(q "select distinct task_executor from try")" = remote ]
	# The report's timeline has its lane by host and block.
	weft report -o report.html
	page_dom report.html > dom.html
	# (As many rows as tries ran at once: packed by their times.)
	grep -Eq ">$(hostname) 0 \([1-3]\)</text>" dom.html ||
	    fail "lanes: $(grep -o '<text class="label"[^<]*' dom.html)"
	[ "$(result_of sum)" = "'5'" ]
	# The pool said what it has; it ran every try; it is gone.
	[ "$(q "select hostname, cpu_count, total_memory, worker_count
	    from node")" = "$(hostname)|3|2147483648|3" ]
	[ "$(q "select count(*) from try where block_id = '0'")" = 5 ]
	[ "$(q "select status from block order by timestamp")" = \
	    "$(printf 'running\nexited')" ]
	wait_for 10 none_alive "$JOIN_PID"
	wait "$JOIN_PID"
	grep -qx "weft pool: joined run 0001 at $(url) as pool-0 (3 slots);.*" \
	    join.err
	grep -q "left run 0001: told to stop: the run is over" join.err
	grep -q "pool 0 joined from $(hostname): pid $JOIN_PID, 3 slots" \
	    .weft/runs/0001/interchange.log
}

@test "a pool with another run's keys is refused, logged and counted" {
	remote_flow 1 'main:' \
	    '  - {id: t, app: nap, args: {secs: 30}}'
	weft_start run flow.yaml
	wait_for 20 count_sleepers 1
	# The server's pair given as the client's: not the client key.
	keys=.weft/runs/0001/certs
	mkdir mine
	awk '/^server-public-key/ { print }
	    /^server-public-key/ { sub("server", "client"); print }
	    /^server-secret-key/ { sub("server", "client"); print }' \
	    "$keys/server.key" > mine/pool.cred
	run -3 "$WEFT" pool --connect "$(url)" --certs mine/pool.cred
	assert_output "weft pool: the interchange at $(url) refused these\
 credentials (mine/pool.cred): they are not this run's"
	# A client that does not know the server's key is refused as well.
	awk '/^client-public-key/ { print; sub("client", "server"); print }
	    /^client-secret-key/ { print }' "$keys/client.key" > mine/pool.cred
	run -3 "$WEFT" pool --connect "$(url)" --certs mine
	assert_output --partial "refused these credentials"
	grep -q "refused a connection from 127.0.0.1: not this run's key" \
	    .weft/runs/0001/interchange.log
	run weft status
	assert_line --regexp "^pools connect to $(url): 0 joined, [2-9] refused$"
	run weft stop
	wait_for 20 weft_exited
}

@test "a remote pool shows in weft status with its host" {
	remote_flow 0 'main:' \
	    '  - {id: t, app: nap, args: {secs: 30}}'
	weft_start run flow.yaml
	join --jobs 2
	wait_for 20 count_sleepers 1
	COLUMNS=200 run weft status
	assert_success
	assert_line --regexp "^pools connect to $(url): 1 joined, 0 refused$"
	assert_line --regexp "^pool-0 +$JOIN_PID +remote .* on $(hostname): 1 of 2 slots busy, done 0, heard [0-9.]+s ago$"
	run weft stop
	wait_for 20 weft_exited
	wait_for 10 none_alive "$JOIN_PID"
}

@test "a silent remote pool is lost, its try runs elsewhere, it never comes back" {
	remote_flow 0 'main:' \
	    '  - {id: t, app: nap, args: {secs: 3}}'
	lose_a_pool
	# Lost after the threshold (1 s); the try runs on the second pool.
	wait_for 30 weft_exited || fail "$(cat "$WEFT_OUT" "$WEFT_ERR")"
	weft_reap
	[ "$WEFT_STATUS" -eq 0 ] || fail "$(cat "$WEFT_OUT" "$WEFT_ERR")"
	expect_event "requeue  t (try 1: its pool was lost)"
	[ "$(tries_of t)" = "$(printf '0|lost|pool lost\n1|done|-')" ]
	[ "$(q "select block_id from try where try_id = 1")" = 1 ]
	grep -q "pool 0 on $(hostname) (pid $FIRST) lost: no heartbeat; 1 tries back to main" \
	    .weft/runs/0001/interchange.log
	# Back, it is told to go, and starts nothing.
	kill -CONT "$FIRST"
	wait_for 15 none_alive "$FIRST" ||
	    fail "the lost pool stayed: $(cat join.err)"
	run grep -c "told to stop" .weft/runs/0001/pool-0.log
	[ "$output" -ge 1 ]
	# Once by the first pool (whose result was never taken), once by
	# the second: nothing more.
	[ "$(wc -l < effects)" -eq 2 ]
	wait_for 10 none_alive "$SECOND"
}

# The pool and its tasks get a scheduler's SIGTERM together (scancel, a
# job's walltime); a task's shell may outlive the child killed so and say
# it, exit 143, before the pool's own signal is read.  Such a result waits
# a moment on a remote pool: the try is lost with its pool, not failed.
@test "a remote pool's task that exits 143 as its pool is ended is lost with it, and run again" {
	remote_flow 0 \
	    "  term: {command: 'echo \"\$WEFT_TASK_ID\" >> @DIR@/effects; [ -e @DIR@/mark ] && exit 0; touch @DIR@/mark; trap \"kill \\\$!; exit 143\" TERM; @SLEEP@ 60 & wait \$!'}" \
	    'main:' '  - {id: t, app: term}'
	weft_start run flow.yaml
	join --jobs 1
	FIRST=$JOIN_PID
	wait_for 20 count_sleepers 1
	# The task's shell first, then its pool.
	kill -TERM "$(ps -o ppid= -p "$(sleeper_pids)")"
	sleep 0.1
	kill -TERM "$FIRST"
	wait_for 15 none_alive "$FIRST" || fail "$(cat join.err)"
	join --jobs 1
	wait_for 30 weft_exited || fail "$(cat "$WEFT_OUT" "$WEFT_ERR")"
	weft_reap
	[ "$WEFT_STATUS" -eq 0 ] || fail "$(cat "$WEFT_OUT" "$WEFT_ERR")"
	[ "$(tries_of t)" = "$(printf '0|lost|pool lost\n1|done|-')" ] ||
	    fail "tries: $(tries_of t)"
	[ "$(wc -l < effects)" -eq 2 ]
}

# The same exit with no signal to the pool is the task's own failure: it
# is only held back a moment.
@test "a remote pool's task that exits 143 by itself fails, with its exit code" {
	remote_flow 0 "  own: {command: 'exit 143'}" \
	    'main:' '  - {id: t, app: own}'
	weft_start run flow.yaml
	join --jobs 1
	wait_for 30 weft_exited || fail "$(cat "$WEFT_OUT" "$WEFT_ERR")"
	weft_reap
	[ "$WEFT_STATUS" -eq 1 ] || fail "$(cat "$WEFT_OUT" "$WEFT_ERR")"
	[ "$(tries_of t)" = "0|failed|exit 143" ] || fail "tries: $(tries_of t)"
	expect_event "failed   t exit 143"
	wait_for 10 none_alive "$JOIN_PID"
}

@test "a remote pool whose interchange is gone kills its tasks and exits" {
	remote_flow 0 'main:' \
	    '  - {id: t, app: nap, args: {secs: 60}}'
	weft_start run flow.yaml
	join --jobs 1
	wait_for 20 count_sleepers 1
	sleeper=$(sleeper_pids)
	# The run vanishes at once, the interchange first (a main killed
	# first would have it tell the pool, on its way out, that the run
	# is over): router, writer, main, all of it.
	kill -KILL $(weft_pids_of_run .weft/runs/0001 |
	    grep -v "^$JOIN_PID$") 2>/dev/null
	kill -KILL "$WEFT_PID"
	wait_for 15 none_alive "$JOIN_PID" ||
	    fail "the pool did not give up: $(tail .weft/runs/0001/pool-0.log)"
	wait_for 5 none_alive $sleeper
	rc=0
	wait "$JOIN_PID" || rc=$?
	[ "$rc" -eq 3 ]
	grep -q "the interchange has not answered for" \
	    .weft/runs/0001/pool-0.log
}

@test "interchange, heartbeat and pool settings are checked" {
	write_flow <<'EOF'
weft: 1
config:
  provider: {kind: local, pools: 0}
apps: {hi: {command: 'true'}}
main: [{id: t, app: hi}]
EOF
	expect_flow_error "flow.yaml:3:[0-9]+: 'pools: 0' needs config.interchange, for pools that connect by themselves \(weft pool --connect\)"
	for port in 0 70000 '"9-5"' abc; do
		write_flow <<EOF
weft: 1
config:
  interchange: {port: $port}
apps: {hi: {command: 'true'}}
main: [{id: t, app: hi}]
EOF
		expect_flow_error "flow.yaml:3:[0-9]+: 'port' must be a port from 1 to 65535, or a range such as 54000-54100"
	done
	write_flow <<'EOF'
weft: 1
config:
  interchange: {address: "tcp://x:1"}
apps: {hi: {command: 'true'}}
main: [{id: t, app: hi}]
EOF
	expect_flow_error "flow.yaml:3:[0-9]+: 'address' must be a host name or an IPv4 address, not 'tcp://x:1'"
	write_flow <<'EOF'
weft: 1
config:
  heartbeat_period: 2s
  heartbeat_threshold: 3s
apps: {hi: {command: 'true'}}
main: [{id: t, app: hi}]
EOF
	expect_flow_error "flow.yaml:4:[0-9]+: 'heartbeat_threshold' must be two heartbeat periods at least"
	write_flow <<'EOF'
weft: 1
config:
  heartbeat_period: soon
apps: {hi: {command: 'true'}}
main: [{id: t, app: hi}]
EOF
	expect_flow_error "flow.yaml:3:[0-9]+: invalid 'heartbeat_period' 'soon' \(write a duration such as 30s, 2m or 500ms, at least 10 ms\)"
	# The pool's own options.
	run -2 "$WEFT" pool --connect tcp://127.0.0.1:1
	assert_output --partial "--certs is required"
	run -2 "$WEFT" pool --connect http://x --certs /nonexistent
	assert_output "weft pool: --connect: 'http://x' is not tcp://HOST:PORT"
	run -2 "$WEFT" pool --connect tcp://127.0.0.1:1 --certs /nonexistent
	assert_output "weft pool: cannot read credentials /nonexistent: No such file or directory"
	mkdir keys && echo "client-public-key = short" > keys/pool.cred
	run -2 "$WEFT" pool --connect tcp://127.0.0.1:1 --certs keys
	assert_output "weft pool: bad credentials keys/pool.cred: 'client-public-key' is not a 40-character Z85 key"
}

@test "a run's heartbeats come from its config" {
	unset WEFT_HEARTBEAT_MS WEFT_HEARTBEAT_THRESHOLD_MS
	remote_flow 0 'main:' \
	    '  - {id: t, app: nap, args: {secs: 3}}'
	sed -i 's/^  jobs: 1$/  jobs: 1\n  heartbeat_period: 100ms\n  heartbeat_threshold: 800ms/' flow.yaml
	lose_a_pool
	wait_for 20 weft_exited || fail "$(cat "$WEFT_OUT" "$WEFT_ERR")"
	weft_reap
	[ "$WEFT_STATUS" -eq 0 ]
	grep -q "lost: no heartbeat" .weft/runs/0001/interchange.log
	kill -CONT "$FIRST"
	wait_for 10 none_alive "$FIRST"
}
