#!/usr/bin/env bats
#
# netcut.bats: a pool on "another host" (a network namespace with a veth
# pair, tests/cluster/netns.sh) whose link is cut mid-run, silently, as
# a real network cut is.  The interchange declares it lost after the
# heartbeat threshold and its try runs again on a pool that can still
# be reached; the cut-off pool, hearing nothing, kills its task and
# exits by itself; when the link comes back before it gave up, it is
# told to exit and given nothing; and nothing hangs.

load setup
load monitoring
load cluster
load plugins

setup()
{
	weft_setup
	NS=weftcut$$
	netns_up "$NS" || fail "cannot make namespace $NS"
	export WEFT_HEARTBEAT_MS=200
	export WEFT_HEARTBEAT_THRESHOLD_MS=2000
	PORT=$((40000 + RANDOM % 20000))
	write_flow <<EOF
weft: 1
config:
  provider: {kind: local, pools: 0}
  interchange: {address: $NETNS_HOST, port: "$PORT-$((PORT + 20))"}
apps:
  nap: {command: 'echo "\$WEFT_TASK_ID" >> @DIR@/effects; @SLEEP@ {secs}'}
main:
  - {id: t, app: nap, args: {secs: 4}}
EOF
}

teardown()
{
	cluster_netns down "$NS" 2>/dev/null
	weft_teardown
}

url()
{
	cat .weft/runs/0001/interchange.url 2>/dev/null
}

# join_from NS|"" : a pool in namespace NS (or on this side); JOIN_PID.
join_from()
{
	ns_prefix "$1"
	setsid "${NS_PREFIX[@]}" "$WEFT" pool --connect "$(url)" \
	    --certs .weft/runs/0001/certs --jobs 1 2>>"join-${1:-host}.err" &
	JOIN_PID=$!
	WEFT_BG_PIDS+=("$JOIN_PID")
}

@test "a cut link: the pool is lost, its try runs elsewhere, it gives up" {
	weft_start run flow.yaml
	wait_for 20 url || fail "$(cat "$WEFT_ERR")"
	[[ $(url) == tcp://$NETNS_HOST:* ]]
	join_from "$NS"
	far=$JOIN_PID
	wait_for 20 count_sleepers 1 || fail "$(cat join-$NS.err)"
	sleeper=$(sleeper_pids)
	start=$(now_us)
	cluster_netns cut "$NS"
	join_from ""
	near=$JOIN_PID
	# Lost after the threshold; run again on the near pool; done.
	wait_for 30 weft_exited || fail "$(cat "$WEFT_OUT" "$WEFT_ERR")"
	weft_reap
	[ "$WEFT_STATUS" -eq 0 ] || fail "$(cat "$WEFT_OUT" "$WEFT_ERR")"
	[ "$(tries_of t)" = "$(printf '0|lost|pool lost\n1|done|-')" ]
	grep -q "pool 0 on .* lost: no heartbeat; 1 tries back to main" \
	    .weft/runs/0001/interchange.log
	# The far pool heard nothing for the threshold: it killed its task
	# and left, without the link ever coming back.
	wait_for 15 none_alive "$far" ||
	    fail "the cut-off pool stayed: $(tail .weft/runs/0001/pool-0.log)"
	rc=0
	wait "$far" || rc=$?
	[ "$rc" -eq 3 ]
	none_alive $sleeper
	grep -q "the interchange has not answered for" \
	    .weft/runs/0001/pool-0.log
	# Nothing waited for longer than the thresholds and the task.
	[ $(( ($(now_us) - start) / 1000000 )) -lt 25 ]
	wait_for 10 none_alive "$near"
}

@test "a link back after the pool was given up: it is told to go" {
	sed -i 's/secs: 4/secs: 6/' flow.yaml
	weft_start run flow.yaml
	wait_for 20 url || fail "$(cat "$WEFT_ERR")"
	join_from "$NS"
	far=$JOIN_PID
	wait_for 20 count_sleepers 1 || fail "$(cat join-$NS.err)"
	# Cut for longer than the interchange waits, shorter than the pool
	# does (it also waits for the threshold, but counts from its last
	# answer, which came a heartbeat later): then back.
	export WEFT_HEARTBEAT_THRESHOLD_MS=2000
	cluster_netns cut "$NS"
	join_from ""
	wait_for 10 grep -q "lost: no heartbeat" .weft/runs/0001/interchange.log
	cluster_netns restore "$NS"
	wait_for 30 weft_exited || fail "$(cat "$WEFT_OUT" "$WEFT_ERR")"
	weft_reap
	[ "$WEFT_STATUS" -eq 0 ]
	wait_for 15 none_alive "$far"
	# However it ended, it ran nothing more: one try there, one here.
	[ "$(wc -l < effects)" -eq 2 ]
	[ "$(tries_of t)" = "$(printf '0|lost|pool lost\n1|done|-')" ]
}
