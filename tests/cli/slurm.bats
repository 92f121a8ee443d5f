#!/usr/bin/env bats
#
# slurm.bats: the slurm provider on a real one-node Slurm cluster
# (tests/cluster/slurm-up.sh; if it cannot start, every test fails with
# the reason).  Blocks are sbatch jobs whose scripts stay in the run
# directory; their pools connect back over tcp:// with CURVE; tasks run
# inside the jobs (SLURM_JOB_ID); job ids and Slurm states reach the
# block table and the event lines; weft scales out from 1 to 2 blocks
# under load and cancels a block idle for max_idletime; a block
# cancelled with scancel mid-run has its try run again on another
# block; sbatch's refusal and a block whose pool never connects end the
# run cleanly with the reason and the output file; and no job of weft's
# is ever left in the queue, at the end or after SIGINT.

# A block's walltime is a minute at least: that test takes two.
BATS_TEST_TIMEOUT=300
load setup
load monitoring
load plugins
load cluster

setup_file()
{
	cluster_slurm_up
}

setup()
{
	weft_setup
	export WEFT_HEARTBEAT_MS=500
	export WEFT_HEARTBEAT_THRESHOLD_MS=5000
}

teardown()
{
	# Nothing of this test may stay queued, whatever failed.
	local ids

	ids=$(squeue -h -o %i -n "$(job_names)" 2>/dev/null)
	[ -n "$ids" ] && scancel $ids
	weft_teardown
}

# job_names: the names of this test's jobs (runs 0001 to 0003).
job_names()
{
	local r b names=

	for r in 0001 0002 0003; do
		for b in 0 1 2 3 4 5; do
			names+="weft-$r-slurm-$b,"
		done
	done
	echo "${names%,}"
}

# slurm_flow BLOCKS... : a flow for the slurm provider, one core a
# block, with the given extra provider lines, then the main body.
slurm_flow()
{
	local extra=$1

	shift
	write_flow <<EOF
weft: 1
config:
  provider:
    kind: slurm
    partition: weft
    cores_per_node: 1
    poll_interval: 300ms
    connect_timeout: 60s
$extra
apps:
  job: {command: 'echo "\$SLURM_JOB_ID" > out-{n}.txt; @SLEEP@ {secs}'}
$(printf '%s\n' "$@")
EOF
}

# jobs_of_run: the Slurm job ids weft recorded for run 0001.
jobs_of_run()
{
	q "select distinct job_id from block order by job_id"
}

# jobs_running N: N jobs of run 0001 run.
jobs_running()
{
	[ "$(slurm_running -n weft-0001-slurm-0,weft-0001-slurm-1)" = "$1" ]
}

# none_queued: no job of run 0001 is pending or running.
none_queued()
{
	local ids

	ids=$(jobs_of_run | paste -sd,)
	[ -n "$ids" ] || return 0
	[ -z "$(squeue -h -j "$ids" -t PD,R,CG,CF 2>/dev/null)" ]
}

@test "tasks run inside a Slurm job whose pool connected over CURVE" {
	slurm_flow '    max_blocks: 1
    mem_per_node: 512M' 'main:' \
	    '  - {id: t, app: job, foreach: {n: "1..3"}, args: {secs: 0.2},' \
	    '     outputs: ["out-{n}.txt"]}'
	run --separate-stderr weft run --json flow.yaml
	assert_success
	echo "$output" > result.json
	output=$stderr
	lines=()
	mapfile -t lines <<<"$stderr"
	assert_line --regexp '^[0-9:]+ block    slurm-0 PENDING \(job [0-9]+\)$'
	assert_line --regexp '^[0-9:]+ block    slurm-0 RUNNING \(job [0-9]+\)$'
	job=$(jobs_of_run)
	[[ $job =~ ^[0-9]+$ ]]
	for n in 1 2 3; do
		[ "$(cat out-$n.txt)" = "$job" ]
	done
	# The script stays, with what the provider asked for.
	script=.weft/runs/0001/blocks/slurm-0.sh
	grep -qx '#SBATCH --partition=weft' "$script"
	grep -qx '#SBATCH --cpus-per-task=1' "$script"
	grep -qx '#SBATCH --mem=512M' "$script"
	# The pool said what its job was given, not the whole node.
	[ "$(q "select cpu_count || ' ' || total_memory from node")" = \
	    "1 536870912" ]
	grep -q "pool --connect tcp://.* --certs .*/certs/pool.cred --block slurm-0" \
	    "$script"
	[ -s .weft/runs/0001/blocks/slurm-0.out ]
	[ "$(q "select distinct executor_label from block")" = slurm ]
	# --json has the blocks too.
	# Ended by itself once told, or cancelled if it was slower.
	run jq -r '.provider + " " + (.blocks[0] | .block + " " + .job +
	    " " + .state + " " + (.pools | tostring))' result.json
	assert_output --regexp "^slurm slurm-0 $job (COMPLETED|CANCELLED) 1$"
	run q "select status from block where block_id = 'slurm-0'
	    order by timestamp"
	assert_line PENDING
	assert_line RUNNING
	assert_line --regexp '^(COMPLETED|CANCELLED)$'
	[ "$(q "select distinct task_executor || ' ' || block_id from try")" \
	    = "slurm slurm-0" ]
	grep -q "pool 0 joined from $(hostname): .*block slurm-0" \
	    .weft/runs/0001/interchange.log
	none_queued
}

@test "weft scales out to a second block under load, and in when idle" {
	slurm_flow '    max_blocks: 2
    max_idletime: 1s' 'main:' \
	    '  - {id: a, app: job, foreach: {n: "1..4"}, args: {secs: 2}}' \
	    '  - {id: b, app: job, needs: [a], args: {n: 9, secs: 6}}'
	run weft run flow.yaml
	assert_success
	assert_line --regexp '^[0-9:]+ block    slurm-1 RUNNING \(job [0-9]+\)$'
	# Both blocks ran tasks of a, at once.
	[ "$(q "select count(distinct block_id) from try where task_id < 4")" \
	    = 2 ]
	# While b ran on one block, the other was cancelled.
	assert_line --regexp '^[0-9:]+ block    slurm-[01] idle: cancelled$'
	idle=$(grep -o 'slurm-[01] idle' <<<"$output" | cut -d' ' -f1)
	[ "$(q "select status from block where block_id = '$idle'
	    order by timestamp desc limit 1")" = CANCELLED ]
	[ "$(q "select block_id from try where task_id = 4")" != "$idle" ]
	none_queued
}

@test "a block cancelled mid-run: its try runs again on another block" {
	slurm_flow '    init_blocks: 2
    max_blocks: 2' 'main:' \
	    '  - {id: t, app: job, foreach: {n: "1..2"}, args: {secs: 5}}'
	weft_start run flow.yaml
	wait_for 60 jobs_running 2
	wait_for 30 count_sleepers 2 || fail "$(cat "$WEFT_OUT")"
	victim=$(squeue -h -o %i -n weft-0001-slurm-0)
	run weft status
	assert_line "block slurm-0: RUNNING (job $victim), 1 pool, 1 slots"
	assert_line --regexp "^block slurm-1: RUNNING \(job [0-9]+\), 1 pool, 1 slots$"
	scancel "$victim"
	wait_for 90 weft_exited || fail "$(cat "$WEFT_OUT" "$WEFT_ERR")"
	weft_reap
	[ "$WEFT_STATUS" -eq 0 ] || fail "$(cat "$WEFT_OUT" "$WEFT_ERR")"
	# The try that was in the cancelled job is lost, and done after.
	lost=$(q "select task_id from try where block_id = 'slurm-0' and
	    weft_state = 'lost'")
	[ -n "$lost" ] || fail "no lost try: $(q "select * from try")"
	[ "$(q "select weft_fail_reason from try where task_id = $lost and
	    try_id = 0")" = "pool lost" ]
	[ "$(q "select block_id from try where task_id = $lost and
	    try_id = 1 and weft_state = 'done'")" != slurm-0 ]
	[ "$(q "select status from block where block_id = 'slurm-0'
	    order by timestamp desc limit 1")" = CANCELLED ]
	none_queued
}

@test "a block that hits its Slurm walltime: its try runs on another block" {
	# The first try sleeps past the block's minute; the second, on a
	# new block, finds the mark and ends at once.  The pool leaves when
	# Slurm ends the job: the default heartbeats are enough.
	unset WEFT_HEARTBEAT_MS WEFT_HEARTBEAT_THRESHOLD_MS
	slurm_flow '    walltime: 1m
    max_blocks: 1' \
	    "  once: {command: 'if [ -e mark ]; then exit 0; fi; touch mark; @SLEEP@ 300'}" \
	    'main:' '  - {id: t, app: once}'
	WEFT_CALL_TIMEOUT=240 run weft run flow.yaml
	assert_success
	grep -qx '#SBATCH --time=1' .weft/runs/0001/blocks/slurm-0.sh
	[ "$(q "select status from block where block_id = 'slurm-0'
	    order by timestamp desc limit 1")" = TIMEOUT ]
	[ "$(tries_of t)" = "$(printf '0|lost|pool lost\n1|done|-')" ]
	[ "$(q "select block_id from try where try_id = 1")" = slurm-1 ]
	none_queued
}

@test "every job is cancelled when the run is interrupted" {
	slurm_flow '    init_blocks: 2
    max_blocks: 2' 'main:' \
	    '  - {id: t, app: job, foreach: {n: "1..4"}, args: {secs: 60}}'
	weft_start run flow.yaml
	wait_for 60 count_sleepers 2 || fail "$(cat "$WEFT_OUT")"
	[ "$(jobs_of_run | wc -l)" -eq 2 ]
	kill -INT "$WEFT_PID"
	wait_for 60 weft_exited || fail "$(cat "$WEFT_OUT" "$WEFT_ERR")"
	weft_reap
	[ "$WEFT_STATUS" -eq 130 ]
	# weft waited: nothing of the run is queued when it returns.
	none_queued
	# Cancelled, or ended by the stop the pool was told first.
	[ "$(q "select count(*) from block where status in ('CANCELLED',
	    'COMPLETED')")" = 2 ] || fail "$(q "select * from block")"
	wait_for 10 test -z "$(sleeper_pids)"
}

@test "sbatch's refusal ends the run with its reason, nothing left" {
	slurm_flow '    max_blocks: 1' 'main:' \
	    '  - {id: t, app: job, args: {n: 1, secs: 0}}'
	sed -i 's/partition: weft/partition: nosuchpartition/' flow.yaml
	run weft run flow.yaml
	[ "$status" -eq 3 ]
	assert_output --partial "weft run: sbatch refused block slurm-0 ("
	assert_output --partial "invalid partition"
	assert_output --partial "weft run: run 0001 aborted"
}

@test "a block whose pool never connects is reported with its output" {
	slurm_flow '    max_blocks: 1
    weft: /nonexistent/weft' 'main:' \
	    '  - {id: t, app: job, args: {n: 1, secs: 0}}'
	run weft run flow.yaml
	[ "$status" -eq 3 ]
	out=$PWD/.weft/runs/0001/blocks/slurm-0.out
	assert_output --regexp "weft run: block slurm-0 \(job [0-9]+\) (COMPLETED|FAILED) before any pool connected from it; its output is $out:"
	assert_output --partial "/nonexistent/weft"
	assert_output --partial "weft run: no block could start a pool (1 failed); stopping run 0001"
	none_queued
}

@test "provider keys are checked by kind" {
	write_flow <<'EOF'
weft: 1
config:
  provider: {kind: slurm, hosts: [a], parallelism: 2, launcher: mpirun}
apps: {hi: {command: 'true'}}
main: [{id: t, app: hi}]
EOF
	run -2 weft check flow.yaml
	assert_line --regexp "^flow.yaml:3:[0-9]+: 'hosts' is not a key of provider kind 'slurm' \(it is for ssh\)$"
	assert_line --regexp "^flow.yaml:3:[0-9]+: 'parallelism' must be a number above 0, at most 1$"
	assert_line --regexp "^flow.yaml:3:[0-9]+: 'launcher' must be srun or none, not 'mpirun'$"
	write_flow <<'EOF'
weft: 1
config:
  provider: {kind: pbs}
apps: {hi: {command: 'true'}}
main: [{id: t, app: hi}]
EOF
	expect_flow_error "flow.yaml:3:[0-9]+: unsupported provider kind 'pbs' \(supported: local, slurm, ssh\)"
	write_flow <<'EOF'
weft: 1
config:
  provider: {kind: ssh}
apps: {hi: {command: 'true'}}
main: [{id: t, app: hi}]
EOF
	expect_flow_error "flow.yaml:3:[0-9]+: provider kind 'ssh' needs 'hosts', a list of at least one host"
	write_flow <<'EOF'
weft: 1
config:
  provider: {kind: slurm, min_blocks: 3, max_blocks: 2}
apps: {hi: {command: 'true'}}
main: [{id: t, app: hi}]
EOF
	expect_flow_error "flow.yaml:3:[0-9]+: blocks: min_blocks \(3\) and init_blocks \(1\) must not be above max_blocks \(2\)"
}
