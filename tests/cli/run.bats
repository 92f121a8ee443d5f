#!/usr/bin/env bats
#
# run.bats: "weft run" of real workflows: exit status, the header, task
# and summary lines, captured stdout/stderr, the task environment
# (exported variables, env:, WEFT_TASK_ID), working directory, stdin,
# process groups, -j, -q, -v and several pools.

load setup

@test "a run of the pi fixture: header, one line per task, summary, exit 0" {
	cp "$FIXTURES/pi.yaml" flow.yaml
	run --separate-stderr weft run flow.yaml
	assert_success
	[ -z "$stderr" ] || fail "stderr is not empty: $stderr"
	assert_line --index 0 "weft: run 0001 in $WEFT_WORK/.weft/runs/0001 (4 tasks, 1 pool x 2 jobs)"
	assert_line --regexp '^..:..:.. done +sim\[seed=1\] [0-9]+\.[0-9]+s$'
	assert_line --regexp '^..:..:.. done +sim\[seed=2\] [0-9]+\.[0-9]+s$'
	assert_line --regexp '^..:..:.. done +sim\[seed=3\] [0-9]+\.[0-9]+s$'
	assert_line --regexp '^..:..:.. done +mean [0-9]+\.[0-9]+s$'
	assert_line --index 5 --regexp '^summary: 4 tasks: 4 done in [0-9]+\.[0-9]+s$'
	[ "${#lines[@]}" -eq 6 ] || fail "expected 6 lines"
	run cat mean.txt
	assert_output "1
2
3"
}

@test "task stdout and stderr are captured in tasks/<id>/" {
	write_flow <<'EOF'
weft: 1
apps:
  talk: {command: "echo to-out; echo to-err >&2; echo more-out"}
main:
  - {id: t, app: talk}
EOF
	run --separate-stderr weft run flow.yaml
	assert_success
	refute_output --partial to-out
	[[ $stderr != *to-err* ]] || fail "task stderr leaked: $stderr"
	run cat .weft/runs/0001/tasks/t/try-0/stdout
	assert_output "to-out
more-out"
	run cat .weft/runs/0001/tasks/t/try-0/stderr
	assert_output to-err
}

@test "tasks see the exported environment, env:, and WEFT_TASK_ID" {
	write_flow <<'EOF'
weft: 1
env:
  FROM_FILE: "file value"
  SHARED: inner
  NUM: 1
apps:
  show: {command: 'printf "%s|%s|%s|%s|%s\n" "$OUTER" "$FROM_FILE" "$SHARED" "$NUM" "$WEFT_TASK_ID" > env-{n}.txt'}
main:
  - id: e
    app: show
    foreach: {n: [1, 2]}
EOF
	OUTER='outer value' SHARED=outer run weft run flow.yaml
	assert_success
	run cat env-1.txt env-2.txt
	assert_output "outer value|file value|inner|1|e[n=1]
outer value|file value|inner|1|e[n=2]"
}

@test "tasks run in the workflow file's directory, .weft goes next to it" {
	mkdir proj elsewhere
	write_flow proj/flow.yaml <<'EOF'
weft: 1
apps:
  where: {command: "pwd > where.txt"}
main:
  - {id: w, app: where}
EOF
	cd elsewhere
	run weft run ../proj/flow.yaml
	assert_success
	assert_line --index 0 --partial "in $WEFT_WORK/proj/.weft/runs/0001 "
	cd ..
	run cat proj/where.txt
	assert_output "$WEFT_WORK/proj"
	[ -d proj/.weft/runs/0001 ]
	[ ! -e elsewhere/.weft ] && [ ! -e elsewhere/where.txt ]
}

@test "task stdin is /dev/null, not weft's stdin" {
	write_flow <<'EOF'
weft: 1
apps:
  in: {command: "readlink /proc/self/fd/0 > stdin.txt; cat > got.txt"}
main:
  - {id: t, app: in}
EOF
	echo 'this must not reach the task' >input.txt
	run weft run flow.yaml <input.txt
	assert_success
	run cat stdin.txt
	assert_output /dev/null
	[ ! -s got.txt ] || fail "the task read weft's stdin"
}

@test "tasks run by /bin/sh -c, each in its own process group" {
	write_flow <<'EOF'
weft: 1
apps:
  pg: {command: 'echo $$ $(cut -d" " -f5 /proc/$$/stat) $(readlink /proc/$$/exe) > pg-{n}.txt'}
main:
  - id: p
    app: pg
    foreach: {n: "1..3"}
EOF
	run weft run flow.yaml
	assert_success
	local sh n pid pgid exe
	sh=$(readlink -f /bin/sh)
	for n in 1 2 3; do
		read -r pid pgid exe <"pg-$n.txt"
		[ "$pid" = "$pgid" ] ||
		    fail "task $n: pid $pid is not its group leader ($pgid)"
		[ "$exe" = "$sh" ] || fail "task $n ran $exe, not /bin/sh"
	done
}

@test "-j limits the number of concurrent tasks (and overrides config.jobs)" {
	write_flow <<'EOF'
weft: 1
config: {jobs: 8}
apps:
  count:
    command: mkdir -p running && touch running/{n} && ls running | wc -l >> counts.txt && sleep 0.3 && rm running/{n}
main:
  - id: c
    app: count
    foreach: {n: "1..8"}
EOF
	run weft run -j 2 flow.yaml
	assert_success
	assert_line --index 0 --regexp '\(8 tasks, 1 pool x 2 jobs\)$'
	[ "$(wc -l <counts.txt)" -eq 8 ]
	[ "$(sort -n counts.txt | tail -n 1)" -le 2 ] ||
	    fail "more than 2 tasks ran at once: $(tr '\n' ' ' <counts.txt)"
	rm counts.txt
	run weft run -j 1 flow.yaml
	assert_success
	[ "$(sort -n counts.txt | tail -n 1)" -eq 1 ] ||
	    fail "more than 1 task ran at once: $(tr '\n' ' ' <counts.txt)"
}

@test "config.jobs limits concurrency when -j is not given" {
	write_flow <<'EOF'
weft: 1
config: {jobs: 1}
apps:
  count:
    command: mkdir -p running && touch running/{n} && ls running | wc -l >> counts.txt && sleep 0.2 && rm running/{n}
main:
  - id: c
    app: count
    foreach: {n: "1..4"}
EOF
	run weft run flow.yaml
	assert_success
	assert_line --index 0 --regexp '\(4 tasks, 1 pool x 1 jobs?\)$'
	[ "$(sort -n counts.txt | tail -n 1)" -eq 1 ]
}

@test "several pools (config.provider.pools) all run tasks" {
	# Three tasks that wait for each other, one slot per pool: they can
	# only all finish if the three pools run one each.
	write_flow <<'EOF'
weft: 1
config:
  jobs: 1
  provider: {kind: local, pools: 3}
apps:
  meet:
    command: echo $PPID > ppid-{me}; i=0; while [ ! -e ppid-a ] || [ ! -e ppid-b ] || [ ! -e ppid-c ]; do i=$((i+1)); [ $i -gt 300 ] && exit 1; sleep 0.05; done
main:
  - id: m
    app: meet
    foreach: {me: [a, b, c]}
EOF
	run weft run flow.yaml
	assert_success
	assert_line --index 0 --regexp '\(3 tasks, 3 pools x 1 jobs?\)$'
	assert_line --regexp '^summary: 3 tasks: 3 done in '
	[ "$(cat ppid-a ppid-b ppid-c | sort -u | wc -l)" -eq 3 ] ||
	    fail "tasks did not run in three pools: $(cat ppid-a ppid-b ppid-c)"
	[ -s .weft/runs/0001/pool-0.log ]
	[ -s .weft/runs/0001/pool-1.log ]
	[ -s .weft/runs/0001/pool-2.log ]
	[ ! -e .weft/runs/0001/pool-3.log ]
}

@test "-q prints only the header and the summary" {
	cp "$FIXTURES/pi.yaml" flow.yaml
	run weft run -q flow.yaml
	assert_success
	assert_line --index 0 --regexp '^weft: run 0001 in '
	assert_line --index 1 --regexp '^summary: 4 tasks: 4 done in '
	[ "${#lines[@]}" -eq 2 ] || fail "expected 2 lines"
}

@test "-q still reports failures" {
	write_flow <<'EOF'
weft: 1
apps:
  bad: {command: "exit 4"}
main:
  - {id: b, app: bad}
EOF
	run -1 weft run -q flow.yaml
	refute_line --regexp '^..:..:.. failed +b exit 4$'
	assert_line --regexp '^summary: 1 tasks?: 1 failed in '
	assert_line "failed b: exit 4, stderr in $WEFT_WORK/.weft/runs/0001/tasks/b/try-0/stderr"
}

@test "-v makes the logs verbose" {
	cp "$FIXTURES/pi.yaml" flow.yaml
	run weft run flow.yaml
	assert_success
	run weft run -v flow.yaml
	assert_success
	local f
	for f in weft.log interchange.log pool-0.log; do
		[ "$(wc -l <.weft/runs/0002/$f)" -gt \
		    "$(wc -l <.weft/runs/0001/$f)" ] ||
		    fail "$f is not longer with -v"
	done
}
