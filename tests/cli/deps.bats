#!/usr/bin/env bats
#
# deps.bats: the three kinds of dependency (needs, {ID.outputs}, an input
# that is another task's output) order tasks; ready tasks run in parallel.
# needs may be templates over the entry's own values, with globs: each
# task then waits for its own items only (proved by timing), and a
# template that matches no task is an error.
# Order is checked with marker files: a dependent task fails unless the
# marker of what it depends on exists when it starts, and the task it
# depends on sleeps first so that a wrong order shows up.

load setup

@test "needs: a task starts only after the one it needs has finished" {
	write_flow <<'EOF'
weft: 1
config: {jobs: 4}
apps:
  slow: {command: "sleep 0.5; touch a.done; echo a >> order.log"}
  check: {command: "test -f a.done && echo b >> order.log"}
main:
  - id: b
    app: check
    needs: [a]
  - id: a
    app: slow
EOF
	run weft run flow.yaml
	assert_success
	run cat order.log
	assert_output "a
b"
}

@test "needs as a string waits for every task of a fan-out" {
	write_flow <<'EOF'
weft: 1
config: {jobs: 4}
apps:
  sim: {command: "sleep 0.{n}; touch sim-{n}.done"}
  all: {command: "test -f sim-1.done && test -f sim-2.done && test -f sim-3.done"}
main:
  - id: sim
    app: sim
    foreach: {n: "1..3"}
  - id: all
    app: all
    needs: sim
EOF
	run weft run flow.yaml
	assert_success
	assert_line --regexp '^summary: 4 tasks: 4 done in '
}

@test "{ID.outputs} makes a dependency on every task of ID" {
	write_flow <<'EOF'
weft: 1
config: {jobs: 4}
apps:
  produce: {command: "sleep 0.{n}; echo {n} > p-{n}.txt"}
  consume: {command: "cat {inputs} > joined.txt"}
main:
  - id: consumer
    app: consume
    inputs: "{prod.outputs}"
  - id: prod
    app: produce
    foreach: {n: [3, 1, 2]}
    outputs: ["p-{n}.txt"]
EOF
	run weft check flow.yaml
	assert_success
	assert_line 'edges: 3'
	assert_line 'roots: 3'
	run weft run flow.yaml
	assert_success
	run cat joined.txt
	assert_output "3
1
2"
}

@test "an input equal to another task's output is a dependency (normalised)" {
	write_flow <<'EOF'
weft: 1
config: {jobs: 4}
apps:
  produce: {command: "mkdir -p data && sleep 0.5 && echo hi > {outputs}"}
  consume: {command: "cat {inputs} > got.txt"}
main:
  - id: c1
    app: consume
    inputs: data/x.txt
  - id: c2
    app: consume
    inputs: ./data//x.txt
  - id: p
    app: produce
    outputs: ./data/x.txt
EOF
	run weft check flow.yaml
	assert_success
	assert_line 'edges: 2'
	assert_line 'roots: 1'
	run weft run flow.yaml
	assert_success
	assert_line --regexp '^summary: 3 tasks: 3 done in '
	run cat got.txt
	assert_output hi
}

@test "an input directory with a trailing slash matches the output" {
	write_flow <<'EOF'
weft: 1
config: {jobs: 4}
apps:
  produce: {command: "sleep 0.5 && mkdir -p outdir && touch outdir/f"}
  consume: {command: "ls outdir > listing.txt"}
main:
  - id: c
    app: consume
    inputs: outdir/
  - id: p
    app: produce
    outputs: outdir
EOF
	run weft run flow.yaml
	assert_success
	run cat listing.txt
	assert_output f
}

@test "a diamond runs in dependency order" {
	write_flow <<'EOF'
weft: 1
config: {jobs: 4}
apps:
  top: {command: "sleep 0.3; touch top.done"}
  mid: {command: "test -f top.done && sleep 0.{d} && touch {name}.done"}
  bottom: {command: "test -f left.done && test -f right.done && touch bottom.done"}
main:
  - id: bottom
    app: bottom
    needs: [left, right]
  - id: left
    app: mid
    args: {name: left, d: 1}
    needs: top
  - id: right
    app: mid
    args: {name: right, d: 4}
    needs: [top]
  - id: top
    app: top
EOF
	run weft run flow.yaml
	assert_success
	[ -f bottom.done ]
}

@test "a long chain completes with -j 1" {
	write_flow <<'EOF'
weft: 1
apps:
  step: {command: "echo {n} >> chain.log"}
main:
  - {id: s1, app: step, args: {n: 1}}
  - {id: s2, app: step, args: {n: 2}, needs: s1}
  - {id: s3, app: step, args: {n: 3}, needs: s2}
  - {id: s4, app: step, args: {n: 4}, needs: s3}
  - {id: s5, app: step, args: {n: 5}, needs: s4}
EOF
	run weft run -j 1 flow.yaml
	assert_success
	run cat chain.log
	assert_output "1
2
3
4
5"
}

@test "ready tasks run in parallel (-j 2: two tasks meet at a barrier)" {
	# Each task announces itself and waits (up to 15 s) for the other;
	# run one after the other, the first one would time out and fail.
	write_flow <<'EOF'
weft: 1
apps:
  meet:
    command: touch here-{me}; i=0; while [ ! -e here-{other} ]; do i=$((i+1)); [ $i -gt 300 ] && exit 1; sleep 0.05; done
main:
  - {id: a, app: meet, args: {me: a, other: b}}
  - {id: b, app: meet, args: {me: b, other: a}}
EOF
	run weft run -j 2 flow.yaml
	assert_success
	assert_line --regexp '^summary: 2 tasks: 2 done in '
}

@test "two 1 s sleeps with -j 2 overlap in time" {
	write_flow <<'EOF'
weft: 1
apps:
  nap: {command: "date +%s.%N > start-{n}; sleep 1; date +%s.%N > end-{n}"}
main:
  - id: nap
    app: nap
    foreach: {n: [1, 2]}
EOF
	run weft run -j 2 flow.yaml
	assert_success
	# Each started before the other ended.
	awk -v s1="$(cat start-1)" -v e1="$(cat end-1)" \
	    -v s2="$(cat start-2)" -v e2="$(cat end-2)" \
	    'BEGIN { exit !(s1 < e2 && s2 < e1) }' ||
	    fail "the two tasks did not overlap"
}

@test "per-item needs: trim of A finishes while qc of C still runs" {
	write_flow <<'EOF'
weft: 1
config: {jobs: 4}
apps:
  qc: {command: "if [ {s} = C ]; then while [ ! -e go ]; do @SLEEP@ 0.05; done; fi; touch qc-{s}.done"}
  trim: {command: "test -e qc-{s}.done && touch trim-{s}.done"}
main:
  - {id: qc, app: qc, foreach: {s: [A, B, C], lane: [1]}}
  - {id: trim, app: trim, foreach: {s: [A, B, C]}, needs: ["qc[s={s},*]"]}
EOF
	weft_start run flow.yaml
	# The trims of the samples whose qc is done end; C's qc still waits.
	wait_for 30 test -e trim-A.done || fail "trim of A did not run"
	wait_for 30 test -e trim-B.done || fail "trim of B did not run"
	[ ! -e qc-C.done ] && [ ! -e trim-C.done ] || fail "C went on"
	touch go
	weft_reap
	[ "$WEFT_STATUS" -eq 0 ]
	[ -e trim-C.done ]
	# Each trim has one dependency, its own sample's qc.
	run sqlite3 .weft/monitoring.db "SELECT weft_task_id, task_depends
	    FROM task WHERE weft_task_id LIKE 'trim%' ORDER BY task_id"
	assert_output "trim[s=A]|0
trim[s=B]|1
trim[s=C]|2"
}

@test "per-item needs with a glob: a test waits for every build of its os" {
	write_flow <<'EOF'
weft: 1
config: {jobs: 2}
apps:
  build: {command: "@SLEEP@ 0.2; touch b-{os}-{cc}"}
  test: {command: "test -e b-{os}-gcc && test -e b-{os}-clang && touch t-{os}"}
main:
  - {id: build, app: build, foreach: {os: [alpine, debian], cc: [gcc, clang]}}
  - {id: test, app: test, foreach: {os: [alpine, debian]}, needs: ["build[os={os},*]"]}
EOF
	run weft run -q flow.yaml
	assert_success
	[ -e t-alpine ] && [ -e t-debian ]
	run sqlite3 .weft/monitoring.db "SELECT weft_task_id, task_depends
	    FROM task WHERE weft_task_id LIKE 'test%' ORDER BY task_id"
	assert_output "test[os=alpine]|0,1
test[os=debian]|2,3"
}

@test "a needs template that matches no task, or names an unknown value, is an error" {
	local second need want
	while IFS='|' read -r second need want; do
		write_flow <<EOF
weft: 1
apps:
  a: {command: "true"}
main:
  - {id: qc, app: a, foreach: {s: [A, B]}}
  - {id: trim, app: a, foreach: {s: [A, $second]}, needs: ["$need"]}
EOF
		expect_flow_error "flow.yaml:6:$want"
	done <<'EOF'
C|qc[s={s}]|54: needs 'qc\[s=\{s\}\]' matches no task for 'trim\[s=C\]' \('qc\[s=C\]'\)
B|qc[s={x}]|60: undefined placeholder '\{x\}' in task 'trim\[s=A\]'
B|nope[*|54: needs 'nope\[\*' matches no task for 'trim\[s=A\]'
EOF
}
