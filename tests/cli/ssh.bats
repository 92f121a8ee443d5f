#!/usr/bin/env bats
#
# ssh.bats: the ssh provider against a real sshd on 127.0.0.1 with a
# generated key (tests/cluster/sshd-up.sh: hosts weft-ssh-a and
# weft-ssh-b).  A pool is started on each host with the system's ssh in
# batch mode, its credentials given on the session's stdin; the tasks
# run there; the blocks are in the block table; at the end every pool
# and every ssh session is gone, also after SIGINT; a host that cannot
# be reached is reported with its output, and the run goes on with the
# others, or ends cleanly when no host is left.

load setup
load monitoring
load cluster

setup_file()
{
	cluster_sshd_up
}

setup()
{
	weft_setup
	cluster_sshd_up
	export WEFT_HEARTBEAT_MS=500
	export WEFT_HEARTBEAT_THRESHOLD_MS=5000
}

# ssh_flow HOSTS BODY...: the ssh provider on HOSTS (a YAML list),
# looked at every $SSH_POLL (default 300ms).
ssh_flow()
{
	local hosts=$1

	shift
	write_flow <<EOF
weft: 1
config:
  provider:
    kind: ssh
    hosts: $hosts
    ssh_options: [-F, $CLUSTER_SSH_CONFIG]
    poll_interval: ${SSH_POLL:-300ms}
apps:
  job: {command: 'echo "\$WEFT_TASK_ID \$SSH_CONNECTION" > out-{n}.txt; @SLEEP@ {secs}'}
$(printf '%s\n' "$@")
EOF
}

# pools_of_run: the pool processes of this test's run, by their title.
pools_of_run()
{
	pgrep -f "weft: pool [0-9]+ run 0001" | while read -r p; do
		[ "$(readlink "/proc/$p/cwd")" = "$WEFT_WORK/.weft/runs/0001" ] &&
		    echo "$p"
	done
}

no_pools()
{
	[ -z "$(pools_of_run)" ]
}

@test "a pool on each ssh host runs the tasks; all is gone at the end" {
	ssh_flow '[weft-ssh-a, weft-ssh-b]' 'main:' \
	    '  - {id: t, app: job, foreach: {n: "1..6"}, args: {secs: 0.3},' \
	    '     outputs: ["out-{n}.txt"]}'
	run weft run flow.yaml
	assert_success
	assert_line --regexp '^[0-9:]+ block    ssh-0 RUNNING \(job [0-9]+\)$'
	assert_line --regexp '^[0-9:]+ block    ssh-1 RUNNING \(job [0-9]+\)$'
	# Every task ran in an ssh session.
	for n in 1 2 3 4 5 6; do
		grep -q "^t\[n=$n\] 127.0.0.1 [0-9]* 127.0.0.1 2222$" \
		    out-$n.txt || fail "out-$n.txt: $(cat out-$n.txt)"
	done
	[ "$(q "select count(distinct block_id) from try")" = 2 ]
	[ "$(q "select distinct task_executor from try")" = ssh ]
	run q "select block_id || ' ' || status from block order by timestamp"
	assert_line "ssh-0 STARTING"
	assert_line "ssh-1 RUNNING"
	assert_line "ssh-0 COMPLETED"
	assert_line "ssh-1 COMPLETED"
	grep -q "weft pool: joined run 0001 at tcp://" \
	    .weft/runs/0001/blocks/ssh-0.out
	grep -q "left run 0001: told to stop: the run is over" \
	    .weft/runs/0001/blocks/ssh-1.out
	# The key went through stdin: the pool was given no file.
	grep -q "block ssh-0: ssh weft-ssh-a (pid [0-9]*): exec .*weft pool --connect tcp://[^ ]* --certs - --block ssh-0$" \
	    .weft/runs/0001/weft.log
	wait_for 10 no_pools
}

@test "SIGINT ends the ssh sessions and their pools" {
	ssh_flow '[weft-ssh-a, weft-ssh-b]' 'main:' \
	    '  - {id: t, app: job, foreach: {n: "1..4"}, args: {secs: 60}}'
	weft_start run flow.yaml
	wait_for 30 count_sleepers 4 || fail "$(cat "$WEFT_OUT" "$WEFT_ERR")"
	[ "$(pools_of_run | wc -l)" -eq 2 ]
	kill -INT "$WEFT_PID"
	wait_for 30 weft_exited || fail "$(cat "$WEFT_OUT" "$WEFT_ERR")"
	weft_reap
	[ "$WEFT_STATUS" -eq 130 ]
	wait_for 10 no_pools
	wait_for 10 test -z "$(sleeper_pids)"
	[ "$(q "select count(*) from block where status in ('COMPLETED',
	    'FAILED')")" = 2 ]
}

@test "an unreachable host is reported; the run goes on with the other" {
	ssh_flow '[weft-ssh-a, nosuchhost.invalid]' 'main:' \
	    '  - {id: t, app: job, foreach: {n: "1..3"}, args: {secs: 0}}'
	run weft run flow.yaml
	assert_success
	out=$PWD/.weft/runs/0001/blocks/ssh-1.out
	assert_output --regexp "weft run: block ssh-1 \(job [0-9]+\) FAILED before any pool connected from it; its output is $out:"
	assert_output --partial "nosuchhost.invalid"
	[ "$(q "select distinct block_id from try")" = ssh-0 ]
}

@test "an unreachable host is reported as its session ends, not at the provider's next look" {
	local SSH_POLL=60s t0
	# The run is over long before a look at the blocks would come.
	ssh_flow '[weft-ssh-a, nosuchhost.invalid]' 'main:' \
	    '  - {id: t, app: job, foreach: {n: "1..3"}, args: {secs: 0}}'
	t0=$(now_us)
	run weft run flow.yaml
	assert_success
	[ $(( ($(now_us) - t0) / 1000000 )) -lt 30 ] || fail "$output"
	assert_output --regexp "weft run: block ssh-1 \(job [0-9]+\) FAILED before any pool connected from it; its output is $PWD/.weft/runs/0001/blocks/ssh-1.out:"
	assert_output --partial "nosuchhost.invalid"
	assert_line --regexp '^summary: 3 tasks: 3 done in '
}

@test "no host reachable: the run ends with the reason" {
	ssh_flow '[nosuchhost.invalid]' 'main:' \
	    '  - {id: t, app: job, args: {n: 1, secs: 0}}'
	run weft run flow.yaml
	[ "$status" -eq 3 ]
	assert_output --partial "weft run: no block could start a pool (1 failed); stopping run 0001"
	assert_output --partial "weft run: run 0001 aborted"
}
