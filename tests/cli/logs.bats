#!/usr/bin/env bats
#
# logs.bats: "weft logs TASK [RUN]" prints what a task wrote, from the
# files the monitoring database names, for real runs: the last try or
# --try N, stdout, --stderr or --both, a task named by its id, a unique
# prefix or a glob, --json, and --follow on a task that is running.

load setup

# A fan-out whose tasks write both streams, a task with no final
# newline, and a task that fails twice, then passes on its third try.
logs_flow()
{
	write_flow <<'EOF'
weft: 1
apps:
  greet:
    command: echo "out {who}"; echo "err {who}" >&2
  plain:
    command: printf 'first\nno newline'
  flaky:
    command: n=$(cat count 2>/dev/null || echo 0); echo $((n+1)) > count; echo "try $n"; echo "trouble $n" >&2; test $n -ge 2
    retries: 2
main:
  - id: greet
    app: greet
    foreach:
      who: [alpine, alpha, debian, x-y]
  - {id: plain, app: plain}
  - {id: flaky, app: flaky}
EOF
}

@test "logs prints a task's stdout, --stderr its stderr, --both both marked" {
	logs_flow
	run weft run -q flow.yaml
	assert_success
	run --separate-stderr weft logs 'greet[who=debian]'
	assert_success
	assert_output "out debian"
	run --separate-stderr weft logs --stderr 'greet[who=debian]'
	assert_success
	assert_output "err debian"
	run --separate-stderr weft logs --both 'greet[who=x-y]'
	assert_success
	assert_line --index 0 "out| out x-y"
	assert_line --index 1 "err| err x-y"
	[ "${#lines[@]}" -eq 2 ]
	# Output is printed as it was written: no newline is added...
	weft logs plain > plain.out
	printf 'first\nno newline' | cmp - plain.out
	# ...except to end a marked line under --both.
	run weft logs --both plain
	assert_line --index 1 "out| no newline"
}

@test "logs finds a task by a unique prefix or glob, and names the candidates otherwise" {
	logs_flow
	run weft run -q flow.yaml
	assert_success
	# '[' is not special: the glob has only '*' and '?'.
	run --separate-stderr weft logs 'greet[who=alp*e]'
	assert_success
	assert_output "out alpine"
	run --separate-stderr weft logs 'greet[who=deb'
	assert_success
	assert_output "out debian"
	run --separate-stderr weft logs 'gr?et[who=x*'
	assert_success
	assert_output "out x-y"
	run --separate-stderr weft logs 'greet[who=alp'
	[ "$status" -eq 2 ]
	[[ $stderr == *"'greet[who=alp' matches 2 tasks"* ]]
	[[ $stderr == *"greet[who=alpine]"* ]]
	[[ $stderr == *"greet[who=alpha]"* ]]
	run --separate-stderr weft logs 'nothing*'
	[ "$status" -eq 2 ]
	[[ $stderr == "weft logs: no task matches 'nothing*' in run 0001"* ]]
	# Case matters, as in the ids.
	run --separate-stderr weft logs 'GREET[who=deb'
	[ "$status" -eq 2 ]
}

@test "logs shows the last try by default and any try with --try N" {
	logs_flow
	run weft run -q flow.yaml
	assert_success
	run --separate-stderr weft logs flaky
	assert_success
	assert_output "try 2"
	for n in 0 1 2; do
		run --separate-stderr weft logs --try "$n" --stderr flaky
		assert_success
		assert_output "trouble $n"
	done
	run --separate-stderr weft logs --try 3 flaky
	[ "$status" -eq 2 ]
	[[ $stderr == *"flaky has no try 3 in run 0001"* ]]
	run --separate-stderr weft logs --try x flaky
	[ "$status" -eq 2 ]
	[[ $stderr == *"invalid --try 'x'"* ]]
}

@test "logs picks the run: the newest by default, or the one named" {
	write_flow <<'EOF'
weft: 1
apps:
  a: {command: "echo run $(cat n 2>/dev/null || echo 1); echo 2 > n"}
main:
  - {id: a, app: a}
EOF
	run weft run -q flow.yaml
	run weft run -q flow.yaml
	run --separate-stderr weft logs a
	assert_output "run 2"
	run --separate-stderr weft logs a 1
	assert_output "run 1"
	run --separate-stderr weft logs a 0001
	assert_output "run 1"
	run --separate-stderr weft logs a 9
	[ "$status" -eq 2 ]
	[[ $stderr == *"no run 0009"* ]]
}

@test "logs --json gives the text, its file and its try" {
	logs_flow
	run weft run -q flow.yaml
	run --separate-stderr weft logs --json --both 'greet[who=alpha]'
	assert_success
	/usr/bin/python3 - "$output" "$WEFT_WORK" <<'EOF'
import json, sys
d = json.loads(sys.argv[1])
assert d["format_version"] == 1, d
assert d["run"] == "0001" and d["task"] == "greet[who=alpha]", d
assert d["try"] == 0 and d["state"] == "done" and d["kind"] == "command"
assert d["stdout"]["text"] == "out alpha\n", d
assert d["stderr"]["text"] == "err alpha\n", d
assert d["stdout"]["path"].startswith(sys.argv[2] + "/.weft/runs/0001/")
EOF
	run --separate-stderr weft logs --json --follow plain
	[ "$status" -eq 2 ]
}

@test "logs --json keeps output that is not UTF-8 as replacement characters" {
	write_flow <<'EOF'
weft: 1
apps:
  bin: {command: "printf 'a\\377b\\303(c\\342\\202\\254'"}
main:
  - {id: bin, app: bin}
EOF
	run weft run -q flow.yaml
	assert_success
	run --separate-stderr weft logs --json bin
	assert_success
	/usr/bin/python3 -c '
import json, sys
t = json.loads(sys.argv[1])["stdout"]["text"]
assert t == "a\ufffdb\ufffd(c\u20ac", repr(t)' "$output"
}

@test "logs says why a task has no output: cached, did not run, logs gone" {
	write_flow <<'EOF'
weft: 1
apps:
  ok: {command: "echo made > {outputs}"}
  bad: {command: "exit 1"}
  after: {command: "echo never"}
main:
  - {id: ok, app: ok, outputs: out.txt}
  - {id: bad, app: bad}
  - {id: after, app: after, needs: [bad]}
EOF
	run weft run -q flow.yaml
	run --separate-stderr weft logs after
	[ "$status" -eq 1 ]
	[[ $stderr == "weft logs: after did not run in run 0001 (dep_fail)" ]]
	run weft run -q --resume flow.yaml
	run --separate-stderr weft logs ok
	[ "$status" -eq 1 ]
	[[ $stderr == *"ok was cached in run 0002"* ]]
	rm -rf .weft/runs/0001/tasks
	run --separate-stderr weft logs bad 1
	[ "$status" -eq 1 ]
	[[ $stderr == *"the stdout of bad (try 0) cannot be read"* ]]
}

@test "logs --follow prints a running task's output as it comes and ends with it" {
	write_flow <<'EOF'
weft: 1
apps:
  ticker:
    command: for k in 1 2 3 4; do echo "tick $k"; while [ ! -e go$k ]; do @SLEEP@ 0.05; done; done; echo "end" >&2
main:
  - {id: ticker, app: ticker}
EOF
	weft_start run flow.yaml
	wait_for 20 test -e .weft/runs/0001/main.pid
	weft logs --follow --both ticker > follow.out 2> follow.err &
	local fpid=$!
	# Each line shows up while the task still waits for the next go.
	for k in 1 2 3 4; do
		wait_for 20 grep -qx "out| tick $k" follow.out
		kill -0 "$fpid"
		touch "go$k"
	done
	wait "$fpid"
	run cat follow.out
	assert_output "out| tick 1
out| tick 2
out| tick 3
out| tick 4
err| end"
	weft_reap
	[ "$WEFT_STATUS" -eq 0 ]
}

@test "logs --follow waits for a task that has not started and follows its retries" {
	write_flow <<'EOF'
weft: 1
apps:
  gate: {command: "while [ ! -e open ]; do @SLEEP@ 0.05; done"}
  twice:
    command: n=$(cat n 2>/dev/null || echo 0); echo $((n+1)) > n; echo "attempt $n"; test $n -ge 1
    retries: 1
main:
  - {id: gate, app: gate}
  - {id: twice, app: twice, needs: [gate]}
EOF
	weft_start run flow.yaml
	wait_for 20 test -e .weft/monitoring.db
	weft logs --follow twice > follow.out 2> follow.err &
	local fpid=$!
	wait_for 20 grep -q "has not started yet" follow.err
	touch open
	wait "$fpid"
	run cat follow.out
	assert_output "attempt 0
attempt 1"
	grep -q "twice: try 1" follow.err
	weft_reap
	[ "$WEFT_STATUS" -eq 0 ]
}

@test "logs rejects bad options and arguments" {
	logs_flow
	run weft run -q flow.yaml
	run --separate-stderr weft logs
	[ "$status" -eq 2 ]
	[[ $stderr == "weft logs: which task? give its id"* ]]
	run --separate-stderr weft logs a 1 2
	[ "$status" -eq 2 ]
	run --separate-stderr weft logs plain x7
	[ "$status" -eq 2 ]
	[[ $stderr == *"invalid run 'x7'"* ]]
	run --separate-stderr weft logs --nope plain
	[ "$status" -eq 2 ]
}
