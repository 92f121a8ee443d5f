#!/usr/bin/env bats
#
# failures.bats: a failing task does not stop independent tasks; its
# dependents are dep_fail and never run; the summary counts and the
# "failed ID: exit N, stderr in PATH" lines; exit 1; death by a signal and
# a missing command are reported.

load setup

@test "a failure: independent tasks go on, dependents are dep_fail, exit 1" {
	# "ok2" starts only after "bad" has failed (ok1 sleeps first), so
	# the run must keep going after a failure.
	write_flow <<'EOF'
weft: 1
config: {jobs: 2}
apps:
  fail: {command: "echo boom >&2; exit 3"}
  touch: {command: "sleep {d}; touch {name}.ran"}
main:
  - {id: bad, app: fail}
  - {id: ok1, app: touch, args: {name: ok1, d: "0.5"}}
  - {id: ok2, app: touch, args: {name: ok2, d: 0}, needs: ok1}
  - {id: child, app: touch, args: {name: child, d: 0}, needs: bad}
  - {id: grandchild, app: touch, args: {name: grandchild, d: 0}, needs: child}
EOF
	run -1 --separate-stderr weft run flow.yaml
	assert_line --regexp '^..:..:.. failed +bad exit 3$'
	assert_line --regexp '^..:..:.. done +ok1 [0-9.]+s$'
	assert_line --regexp '^..:..:.. done +ok2 [0-9.]+s$'
	assert_line --regexp '^..:..:.. dep_fail +child \(needs bad\)$'
	assert_line --regexp '^..:..:.. dep_fail +grandchild \(needs (child|bad)\)$'
	assert_line --regexp '^summary: 5 tasks: 2 done, 1 failed, 2 dep_fail in [0-9]+\.[0-9]+s$'
	assert_line "failed bad: exit 3, stderr in $WEFT_WORK/.weft/runs/0001/tasks/bad/try-0/stderr"
	[ -f ok1.ran ] && [ -f ok2.ran ] || fail "independent tasks did not run"
	[ ! -e child.ran ] && [ ! -e grandchild.ran ] || fail "a dependent ran"
	run cat .weft/runs/0001/tasks/bad/try-0/stderr
	assert_output boom
}

@test "the summary lists every failed task with its stderr path" {
	write_flow <<'EOF'
weft: 1
config: {jobs: 3}
apps:
  code: {command: "exit {c}"}
main:
  - id: sim
    app: code
    foreach: {c: [0, 3, 5]}
EOF
	run -1 weft run flow.yaml
	assert_line --regexp '^..:..:.. done +sim\[c=0\] '
	assert_line --regexp '^..:..:.. failed +sim\[c=3\] exit 3$'
	assert_line --regexp '^..:..:.. failed +sim\[c=5\] exit 5$'
	assert_line --regexp '^summary: 3 tasks: 1 done, 2 failed in '
	assert_line "failed sim[c=3]: exit 3, stderr in $WEFT_WORK/.weft/runs/0001/tasks/sim[c=3]/try-0/stderr"
	assert_line "failed sim[c=5]: exit 5, stderr in $WEFT_WORK/.weft/runs/0001/tasks/sim[c=5]/try-0/stderr"
}

@test "a dep_fail on a fan-out member names it" {
	write_flow <<'EOF'
weft: 1
apps:
  code: {command: "exit {c}"}
  mean: {command: "touch mean.ran"}
main:
  - id: sim
    app: code
    foreach: {c: [0, 7]}
  - id: mean
    app: mean
    needs: sim
EOF
	run -1 weft run flow.yaml
	assert_line --regexp '^..:..:.. done +sim\[c=0\] '
	assert_line --regexp '^..:..:.. failed +sim\[c=7\] exit 7$'
	assert_line --regexp '^..:..:.. dep_fail +mean \(needs sim\[c=7\]\)$'
	assert_line --regexp '^summary: 3 tasks: 1 done, 1 failed, 1 dep_fail in '
	[ ! -e mean.ran ]
}

@test "a task killed by a signal: killed by SIGKILL" {
	write_flow <<'EOF'
weft: 1
apps:
  die: {command: "kill -KILL $$"}
  term: {command: "kill -TERM $$"}
main:
  - {id: t, app: die}
  - {id: u, app: term}
EOF
	run -1 weft run flow.yaml
	assert_line --regexp '^..:..:.. failed +t killed by SIGKILL$'
	assert_line --regexp '^..:..:.. failed +u killed by SIGTERM$'
	assert_line --regexp '^summary: 2 tasks: 2 failed in '
	assert_line "failed t: killed by SIGKILL, stderr in $WEFT_WORK/.weft/runs/0001/tasks/t/try-0/stderr"
}

@test "a missing command: exit 127" {
	write_flow <<'EOF'
weft: 1
apps:
  nope: {command: "weft-no-such-command-xyz --flag"}
main:
  - {id: n, app: nope}
EOF
	run -1 weft run flow.yaml
	# A note such as "(command not found)" may follow.
	assert_line --regexp '^..:..:.. failed +n exit 127( \(.*\))?$'
	assert_line --regexp "^failed n: exit 127( \(.*\))?, stderr in $WEFT_WORK/\.weft/runs/0001/tasks/n/try-0/stderr$"
	run cat .weft/runs/0001/tasks/n/try-0/stderr
	assert_output --partial weft-no-such-command-xyz
}

@test "a failure in a long run does not stop the other 20 tasks" {
	write_flow <<'EOF'
weft: 1
config: {jobs: 3}
apps:
  work: {command: "test {i} -ne 1 && touch done-{i}"}
main:
  - id: w
    app: work
    foreach: {i: "1..21"}
EOF
	run -1 weft run flow.yaml
	assert_line --regexp '^..:..:.. failed +w\[i=1\] exit 1$'
	assert_line --regexp '^summary: 21 tasks: 20 done, 1 failed in '
	[ "$(ls done-* | wc -l)" -eq 20 ]
}
