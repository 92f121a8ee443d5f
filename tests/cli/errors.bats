#!/usr/bin/env bats
#
# errors.bats: every workflow error of the spec.  Each is printed to stderr
# as "FILE:LINE:COL: message" (FILE as given, 1-based), by both "weft run"
# and "weft check", with exit 2; nothing runs (the workflows below have a
# task that would create a file named "ran") and no .weft/runs is created.

load setup

@test "malformed YAML: libyaml's problem at its position" {
	write_flow <<'EOF'
weft: 1
name: a: b
EOF
	expect_flow_error "flow\.yaml:2:8: malformed YAML: mapping values are not allowed in this context.*"
}

@test "malformed YAML: an unclosed flow sequence" {
	write_flow <<'EOF'
weft: 1
apps:
  hi: {command: touch ran}
main:
  - id: t
    app: hi
    needs: [a, b
EOF
	expect_flow_error "flow\.yaml:[0-9]+:[0-9]+: malformed YAML: .*"
}

@test "unknown key at top level" {
	write_flow <<'EOF'
weft: 1
nmae: x
apps:
  hi: {command: touch ran}
main:
  - {id: t, app: hi}
EOF
	expect_flow_error "flow\.yaml:2:1: unknown key 'nmae' at top level \(did you mean 'name'\?\)"
}

@test "unknown key in config, with a did-you-mean" {
	write_flow <<'EOF'
weft: 1
config:
  jobz: 4
apps:
  hi: {command: touch ran}
main:
  - {id: t, app: hi}
EOF
	expect_flow_error "flow\.yaml:3:3: unknown key 'jobz' in config \(did you mean 'jobs'\?\)"
}

@test "unknown key in config.provider" {
	write_flow <<'EOF'
weft: 1
config:
  provider: {kind: local, pool: 2}
apps:
  hi: {command: touch ran}
main:
  - {id: t, app: hi}
EOF
	expect_flow_error "flow\.yaml:3:27: unknown key 'pool' in config\.provider \(did you mean 'pools'\?\)"
}

@test "unknown key in an app" {
	write_flow <<'EOF'
weft: 1
apps:
  hi:
    command: touch ran
    retrys: 2
main:
  - {id: t, app: hi}
EOF
	expect_flow_error "flow\.yaml:5:5: unknown key 'retrys' in app 'hi' \(did you mean 'retries'\?\)"
}

@test "unknown key in a task" {
	write_flow <<'EOF'
weft: 1
apps:
  hi: {command: touch ran}
main:
  - id: t
    app: hi
    nedds: [t]
EOF
	expect_flow_error "flow\.yaml:7:5: unknown key 'nedds' in task 't' \(did you mean 'needs'\?\)"
}

@test "did-you-mean: a swap counts as one typo; a name far from all gets none" {
	write_flow <<'EOF'
weft: 1
apps:
  hi: {command: touch ran, retires: 2}
mian:
  - {id: t, app: hi}
EOF
	expect_flow_error "flow\.yaml:3:28: unknown key 'retires' in app 'hi' \(did you mean 'retries'\?\)"
	grep -Fxq "flow.yaml:4:1: unknown key 'mian' at top level (did you mean 'main'?)" <<<"$stderr" ||
	    fail "no hint for 'mian': $stderr"
	write_flow <<'EOF'
weft: 1
defs: {a: 1}
apps:
  hi: {command: touch ran}
main:
  - {id: t, app: ih}
  - {id: u, app: xy}
EOF
	expect_flow_error "flow\.yaml:2:1: unknown key 'defs' at top level$"
	grep -Fxq "flow.yaml:6:18: unknown app 'ih' (did you mean 'hi'?)" <<<"$stderr" ||
	    fail "no hint for 'ih': $stderr"
	grep -Fxq "flow.yaml:7:18: unknown app 'xy'" <<<"$stderr" ||
	    fail "not the plain message for 'xy': $stderr"
}

@test "config.jobs of the wrong type or out of range" {
	local v

	for v in many 0 4097 -1 2.5 99999999999999999999 '[4]' '{n: 4}' \
	    '""' true; do
		write_flow <<EOF
weft: 1
config:
  jobs: $v
apps:
  hi: {command: touch ran}
main:
  - {id: t, app: hi}
EOF
		expect_flow_error "flow\.yaml:3:9: 'jobs' must be an integer from 1 to 4096"
	done
}

@test "config.provider.pools out of range" {
	local v

	for v in -1 257 x; do
		write_flow <<EOF
weft: 1
config:
  provider:
    kind: local
    pools: $v
apps:
  hi: {command: touch ran}
main:
  - {id: t, app: hi}
EOF
		expect_flow_error "flow\.yaml:5:12: 'pools' must be an integer from 0 to 256"
	done
	# None here: only for pools that connect by themselves.
	write_flow <<'EOF'
weft: 1
config:
  provider:
    kind: local
    pools: 0
apps:
  hi: {command: touch ran}
main:
  - {id: t, app: hi}
EOF
	expect_flow_error "flow\.yaml:5:12: 'pools: 0' needs config\.interchange, for pools that connect by themselves \(weft pool --connect\)"
}

@test "config.retries below zero" {
	write_flow <<'EOF'
weft: 1
config:
  retries: -1
apps:
  hi: {command: touch ran}
main:
  - {id: t, app: hi}
EOF
	expect_flow_error "flow\.yaml:3:12: 'retries' must be .*"
}

@test "missing 'weft: 1'" {
	write_flow <<'EOF'
name: x
apps:
  hi: {command: touch ran}
main:
  - {id: t, app: hi}
EOF
	expect_flow_error "flow\.yaml:[0-9]+:[0-9]+: missing 'weft: 1'"
}

@test "an empty file is an error, not an empty run" {
	: >flow.yaml
	expect_flow_error "flow\.yaml:[0-9]+:[0-9]+: .+"
}

@test "unsupported format version" {
	write_flow <<'EOF'
weft: 2
apps:
  hi: {command: touch ran}
main:
  - {id: t, app: hi}
EOF
	expect_flow_error "flow\.yaml:1:7: unsupported format version 2 \(this weft reads version 1\)"
}

@test "unknown app" {
	write_flow <<'EOF'
weft: 1
apps:
  hi: {command: touch ran}
main:
  - id: t
    app: nope
EOF
	expect_flow_error "flow\.yaml:6:10: unknown app 'nope'"
}

@test "duplicate task id" {
	write_flow <<'EOF'
weft: 1
apps:
  hi: {command: touch ran}
main:
  - id: a
    app: hi
  - id: b
    app: hi
  - id: a
    app: hi
EOF
	# Column 5 (the entry) or 9 (the id's value): both point at it.
	expect_flow_error "flow\.yaml:9:(5|9): duplicate task id 'a'"
}

@test "undefined placeholder in a command" {
	write_flow <<'EOF'
weft: 1
apps:
  hi:
    command: touch ran {nope}
main:
  - id: t
    app: hi
    args: {other: x}
EOF
	# The command's line or the task's line.
	expect_flow_error "flow\.yaml:(4|6):[0-9]+: .*undefined placeholder '\{nope\}'.*"
}

@test "undefined placeholder in args and outputs" {
	write_flow <<'EOF'
weft: 1
apps:
  hi: {command: touch ran}
main:
  - id: t
    app: hi
    args: {out: "r-{seed}.txt"}
EOF
	expect_flow_error "flow\.yaml:7:[0-9]+: .*undefined placeholder '\{seed\}'.*"
	write_flow <<'EOF'
weft: 1
apps:
  hi: {command: touch ran}
main:
  - id: t
    app: hi
    outputs: ["r-{n}.txt"]
EOF
	expect_flow_error "flow\.yaml:7:[0-9]+: .*undefined placeholder '\{n\}'.*"
}

@test "dependency cycle of two" {
	write_flow <<'EOF'
weft: 1
apps:
  hi: {command: touch ran}
main:
  - id: a
    app: hi
    needs: b
  - id: b
    app: hi
    needs: a
  - id: c
    app: hi
EOF
	expect_flow_error "flow\.yaml:[0-9]+:[0-9]+: dependency cycle: (a -> b -> a|b -> a -> b)"
}

@test "dependency cycle of three, through outputs and inputs" {
	write_flow <<'EOF'
weft: 1
apps:
  hi: {command: touch ran}
main:
  - id: a
    app: hi
    inputs: c.txt
    outputs: a.txt
  - id: b
    app: hi
    inputs: a.txt
    outputs: b.txt
  - id: c
    app: hi
    needs: [b]
    outputs: c.txt
EOF
	# Any rotation, in either direction.
	expect_flow_error "flow\.yaml:[0-9]+:[0-9]+: dependency cycle: (a -> b -> c -> a|b -> c -> a -> b|c -> a -> b -> c|a -> c -> b -> a|c -> b -> a -> c|b -> a -> c -> b)"
}

@test "a task that needs itself is a cycle" {
	write_flow <<'EOF'
weft: 1
apps:
  hi: {command: touch ran}
main:
  - id: a
    app: hi
    needs: [a]
EOF
	expect_flow_error "flow\.yaml:[0-9]+:[0-9]+: dependency cycle: a -> a"
}

@test "needs an unknown task" {
	write_flow <<'EOF'
weft: 1
apps:
  hi: {command: touch ran}
main:
  - id: a
    app: hi
    needs: [ghost]
EOF
	expect_flow_error "flow\.yaml:7:13: needs unknown task 'ghost'"
}

@test "a function app naming a plugin the workflow does not have" {
	write_flow <<'EOF'
weft: 1
apps:
  mean:
    function: stats.mean
  hi: {command: touch ran}
main:
  - {id: t, app: hi}
  - {id: m, app: mean}
EOF
	expect_flow_error "flow\.yaml:4:15: app 'mean': unknown plugin 'stats'"
	[ ! -e ran ] || fail "a task ran"
}

@test "unsupported provider kind" {
	write_flow <<'EOF'
weft: 1
config:
  provider: {kind: pbs}
apps:
  hi: {command: touch ran}
main:
  - {id: t, app: hi}
EOF
	expect_flow_error "flow\.yaml:3:20: unsupported provider kind 'pbs' \(supported: local, slurm, ssh\)"
}

@test "two tasks declaring one output" {
	write_flow <<'EOF'
weft: 1
apps:
  hi: {command: touch ran}
main:
  - id: a
    app: hi
    outputs: x.txt
  - id: b
    app: hi
    outputs: [y.txt, x.txt]
EOF
	expect_flow_error "flow\.yaml:[0-9]+:[0-9]+: output 'x\.txt' is declared by both 'a' and 'b'"
}

@test "two fan-out members declaring one output" {
	write_flow <<'EOF'
weft: 1
apps:
  hi: {command: touch ran}
main:
  - id: s
    app: hi
    foreach: {n: [1, 2]}
    outputs: same.txt
EOF
	expect_flow_error "flow\.yaml:[0-9]+:[0-9]+: output 'same\.txt' is declared by both 's\[n=1\]' and 's\[n=2\]'"
}

@test "empty main" {
	write_flow <<'EOF'
weft: 1
apps:
  hi: {command: touch ran}
main: []
EOF
	expect_flow_error "flow\.yaml:4:[0-9]+: 'main' is empty: nothing to run"
}

@test "a task without id or app, or with a bad id" {
	write_flow <<'EOF'
weft: 1
apps:
  hi: {command: touch ran}
main:
  - app: hi
EOF
	expect_flow_error "flow\.yaml:5:[0-9]+: .+"
	write_flow <<'EOF'
weft: 1
apps:
  hi: {command: touch ran}
main:
  - id: t
EOF
	expect_flow_error "flow\.yaml:5:[0-9]+: .+"
	for id in 9lives 'a b' 'x.y' '-t' 'a[1]'; do
		write_flow <<EOF
weft: 1
apps:
  hi: {command: touch ran}
main:
  - id: "$id"
    app: hi
EOF
		expect_flow_error "flow\.yaml:5:[0-9]+: .+"
	done
}

@test "a bad foreach range or value" {
	local v

	for v in '"5..1"' '"a..b"' '"1..x"' '"1..2..3"' '[[1, 2]]' '{a: 1}' \
	    '[]'; do
		write_flow <<EOF
weft: 1
apps:
  hi: {command: touch ran}
main:
  - id: t
    app: hi
    foreach: {n: $v}
EOF
		expect_flow_error "flow\.yaml:7:[0-9]+: .+"
	done
}

@test "FILE in messages is the name the user gave" {
	mkdir sub
	write_flow sub/flow.yaml <<'EOF'
weft: 1
apps:
  hi: {command: touch ran}
main:
  - id: t
    app: nope
EOF
	expect_flow_error "sub/flow\.yaml:6:10: unknown app 'nope'" sub/flow.yaml
	[ ! -e sub/.weft/runs ]
	expect_flow_error "\./sub/\.\./sub/flow\.yaml:6:10: unknown app 'nope'" \
	    ./sub/../sub/flow.yaml
}

@test "a file that cannot be read: weft CMD: cannot read, exit 2" {
	local cmd

	for cmd in run check; do
		run -2 --separate-stderr weft "$cmd" nope.yaml
		assert_output ''
		assert_equal "$stderr" "weft $cmd: cannot read 'nope.yaml': No such file or directory"
	done
	mkdir adir
	run -2 --separate-stderr weft run adir
	[[ $stderr == "weft run: cannot read 'adir': "* ]] ||
	    fail "a directory: stderr is: $stderr"
	[ ! -e .weft ] && [ ! -e adir/.weft ]
}
