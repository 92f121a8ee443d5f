#!/usr/bin/env bats
#
# outlock.bats: two runs that make the same output would undo each other
# (each removes a task's outputs before its try and after a failed one),
# so a run that would make an output of a run that is running is refused
# before it starts: exit 2, a message naming the other run, its workflow
# file and the output, no run directory; the running run is untouched.
# Runs whose outputs do not meet run side by side, and so do runs
# without outputs.  The claim is .weft/locks/PID.outputs under an flock:
# a run that died (SIGKILL) leaves a file that the next run removes.  The
# pools hold the flock too, so the claim lasts until the tasks are gone
# even when main is killed first.

load setup
load robust

teardown()
{
	robust_teardown
}

# hold_flow [FILE] [PREFIX]: tasks h[i=1..3] writing PREFIX-i.txt (default
# out), each recording its start in effects; h[i=1] waits for the file go.
hold_flow()
{
	local file=${1:-flow.yaml} prefix=${2:-out}

	write_flow "$file" <<EOF
weft: 1
config: {jobs: 2}
apps:
  h: {command: 'echo "\$WEFT_TASK_ID" >>@DIR@/effects; if [ {i} = 1 ]; then while [ ! -e @DIR@/go ]; do sleep 0.05; done; fi; echo {i} >{outputs}'}
main:
  - {id: h, app: h, foreach: {i: 1..3}, outputs: "$prefix-{i}.txt"}
EOF
}

# lock_files: the claims in .weft/locks, one per line.
lock_files()
{
	find .weft/locks -name '*.outputs' 2>/dev/null | sort
}

@test "a second run of the same outputs is refused while the first runs" {
	hold_flow
	weft_start run flow.yaml
	wait_for 20 grep -qxF 'h[i=1]' effects
	run -2 --separate-stderr weft run flow.yaml
	assert_output ''
	[ "$stderr" = "weft run: run 0001 of '$WEFT_WORK/flow.yaml' is running and makes 'out-1.txt' too: two runs would undo each other's outputs; wait for it to end, or stop it with 'weft stop 0001'" ] ||
	    fail "stderr: $stderr"
	# Nothing of the refused run exists.
	run ls .weft/runs
	assert_output '0001'
	touch go
	wait_for 30 weft_exited || fail "the run did not end: $(cat "$WEFT_ERR")"
	weft_reap
	[ "$WEFT_STATUS" -eq 0 ] || fail "the first run: exit $WEFT_STATUS: $(cat "$WEFT_ERR")"
	# Its outputs are whole and each task ran once.
	run cat out-1.txt out-2.txt out-3.txt
	assert_output $'1\n2\n3'
	ran_exactly 'h[i=1]' 'h[i=2]' 'h[i=3]'
	# Once it has ended, the claim is gone and a new run goes ahead.
	run lock_files
	assert_output ''
	run weft run -q flow.yaml
	assert_success
}

@test "another workflow with one output in common is refused too" {
	hold_flow
	write_flow other.yaml <<'EOF'
weft: 1
apps:
  w: {command: 'echo other >{outputs}'}
main:
  - {id: mine, app: w, outputs: mine.txt}
  - {id: shared, app: w, outputs: @DIR@//out-3.txt}
EOF
	weft_start run flow.yaml
	wait_for 20 grep -qxF 'h[i=1]' effects
	run -2 --separate-stderr weft run other.yaml
	[[ $stderr == "weft run: run 0001 of '$WEFT_WORK/flow.yaml' is running and makes 'out-3.txt' too: "* ]] ||
	    fail "stderr: $stderr"
	[ ! -e mine.txt ] || fail "the refused run made mine.txt"
	touch go
	wait_for 30 weft_exited || fail "the run did not end: $(cat "$WEFT_ERR")"
	weft_reap
	[ "$WEFT_STATUS" -eq 0 ] || fail "the first run: exit $WEFT_STATUS"
}

@test "runs whose outputs do not meet, and runs without outputs, run side by side" {
	hold_flow flow.yaml out
	hold_flow second.yaml second
	write_flow plain.yaml <<'EOF'
weft: 1
apps:
  p: {command: 'echo "$WEFT_TASK_ID" >>@DIR@/effects'}
main:
  - {id: p, app: p}
EOF
	weft_start run flow.yaml
	wait_for 20 grep -qxF 'h[i=1]' effects
	# A run without outputs claims nothing.
	run weft run -q plain.yaml
	assert_success
	run weft run -q plain.yaml
	assert_success
	(sleep 0.5; touch go) &
	run weft run -q second.yaml
	assert_success
	wait_for 30 weft_exited || fail "the run did not end: $(cat "$WEFT_ERR")"
	weft_reap
	[ "$WEFT_STATUS" -eq 0 ] || fail "the first run: exit $WEFT_STATUS"
	run cat out-1.txt second-1.txt
	assert_output $'1\n1'
	[ "$(effects_of p)" -eq 2 ] || fail "p ran $(effects_of p) times"
}

@test "runs that start together: one runs, the others are refused, exit 2" {
	hold_flow
	touch go
	local pids=() i n0=0 n2=0 st
	for i in 1 2 3 4; do
		timeout -k 5 60 "$WEFT" run -q flow.yaml >"out.$i" 2>"err.$i" &
		pids+=($!)
	done
	for i in 0 1 2 3; do
		st=0
		wait "${pids[$i]}" || st=$?
		case $st in
		0)	n0=$((n0 + 1)) ;;
		2)	n2=$((n2 + 1))
			grep -q "makes 'out-1.txt' too" "err.$((i + 1))" ||
			    fail "refusal $((i + 1)): $(cat "err.$((i + 1))")" ;;
		*)	fail "run $((i + 1)): exit $st: $(cat "err.$((i + 1))")" ;;
		esac
	done
	# At least one ran (two may run one after the other); none of them
	# made another's task fail.
	[ "$n0" -ge 1 ] && [ $((n0 + n2)) -eq 4 ] ||
	    fail "$n0 ran, $n2 refused"
	run ls .weft/runs
	assert_equal "${#lines[@]}" "$n0"
	run cat out-1.txt out-2.txt out-3.txt
	assert_output $'1\n2\n3'
}

@test "the claim of a run killed with SIGKILL does not stop the next run" {
	hold_flow
	weft_start run flow.yaml
	wait_for 20 grep -qxF 'h[i=1]' effects
	run lock_files
	assert_output ".weft/locks/$WEFT_PID.outputs"
	kill_everything
	# The file is left behind, but nobody holds it.
	[ -e ".weft/locks/$WEFT_PID.outputs" ] || fail "no claim left behind"
	touch go
	run weft run -q flow.yaml
	assert_success
	[ ! -e ".weft/locks/$WEFT_PID.outputs" ] ||
	    fail "the dead run's claim is still there"
	run cat out-1.txt
	assert_output 1
}

@test "--dry-run and check are not refused while a run goes on" {
	hold_flow
	weft_start run flow.yaml
	wait_for 20 grep -qxF 'h[i=1]' effects
	run weft check flow.yaml
	assert_success
	run weft run --dry-run flow.yaml
	assert_success
	touch go
	wait_for 30 weft_exited || fail "the run did not end: $(cat "$WEFT_ERR")"
	weft_reap
	[ "$WEFT_STATUS" -eq 0 ] || fail "the run: exit $WEFT_STATUS"
}

@test "after SIGKILL of main, the claim lasts while its pool and tasks do" {
	# The task ignores SIGTERM, so its pool, told by the lifeline that
	# main is gone, needs its 2 s grace before the SIGKILL.
	write_flow <<'EOF'
weft: 1
apps:
  h: {command: 'if [ ! -e @DIR@/go ]; then trap "" TERM; echo h >>@DIR@/effects; sleep 30; fi; echo x >{outputs}'}
main:
  - {id: h, app: h, outputs: h.txt}
EOF
	weft_start run flow.yaml
	wait_for 20 grep -qxF h effects
	local pool
	pool=$(weft_helper_pid "pool 0") || fail "no pool"
	kill -KILL "$WEFT_PID"
	run -2 --separate-stderr weft run flow.yaml
	[[ $stderr == "weft run: run 0001 of '$WEFT_WORK/flow.yaml' is running and makes 'h.txt' too: "* ]] ||
	    fail "not refused while pool $pool lives: $stderr"
	wait_for 10 weft_exited "$pool" || fail "pool $pool outlived its grace"
	touch go
	run weft run -q flow.yaml
	assert_success
	run cat h.txt
	assert_output x
}
