#!/usr/bin/env bats
#
# badinput.bats: the catalogue of bad input (issue 6, section 6) that
# errors.bats and failures.bats do not already cover: each gives a clear
# message and a defined exit code, quickly and in bounded memory, never a
# crash or a hang.  Tabs for indentation, unclosed quotes and binary
# garbage are malformed YAML; duplicate keys at every level; a "billion
# laughs" alias bomb and aliases that make the file contain itself; a
# 100 MB file; no main; huge fan-outs; a missing input with no producer
# (a load-time error) and one missing when its task is about to run; a
# command that is not executable (126) or not found (127); a full disk
# for the run directory (a tmpfs: skipped where mounting is not
# permitted).  Exit codes: 1 a task failed, 2 a workflow error (nothing
# ran), 3 weft itself failed.
#
# Where the rest of the catalogue is tested:
#   jobs: many                  errors.bats "config.jobs of the wrong type
#                               or out of range"
#   unknown keys, did you mean  errors.bats "unknown key at top level" and
#                               the four "unknown key in ..." tests
#   empty main                  errors.bats "empty main"
#   undefined placeholder       errors.bats "undefined placeholder in a
#                               command", "... in args and outputs"
#   needs cycles                errors.bats "dependency cycle of two",
#                               "... of three", "a task that needs itself"
#   two tasks, one output       errors.bats "two tasks declaring one
#                               output", "two fan-out members ..."
#   outputs outside the folder  outputs.bats "outputs outside the folder:
#                               one warning each ...", "... never removed"

load setup
load monitoring
load plugins
load robust

teardown()
{
	# The big files go at once, whatever the test's end.
	rm -f "$WEFT_WORK/big.yaml" "$WEFT_WORK/edge.yaml"
	robust_teardown
}

# Bounds for a refusal: well under what expanding the input would take.
MAX_MS=10000
MAX_KB=262144

@test "malformed YAML: tabs used for indentation" {
	printf 'weft: 1\napps:\n\thi: {command: touch ran}\nmain:\n  - {id: t, app: hi}\n' \
	    >flow.yaml
	expect_flow_error "flow\.yaml:3:[0-9]+: malformed YAML: .+"
	printf 'weft: 1\napps:\n  hi: {command: touch ran}\nmain:\n  - id: t\n\t  app: hi\n' \
	    >flow.yaml
	expect_flow_error "flow\.yaml:6:[0-9]+: malformed YAML: .+"
}

@test "malformed YAML: an unclosed quote, double or single" {
	write_flow <<'EOF'
weft: 1
apps:
  hi: {command: "touch ran}
main:
  - {id: t, app: hi}
EOF
	expect_flow_error "flow\.yaml:[0-9]+:[0-9]+: malformed YAML: .+"
	write_flow <<'EOF'
weft: 1
name: 'unclosed
apps:
  hi: {command: touch ran}
main:
  - {id: t, app: hi}
EOF
	expect_flow_error "flow\.yaml:[0-9]+:[0-9]+: malformed YAML: .+"
}

@test "malformed YAML: binary garbage, NUL bytes, invalid UTF-8" {
	local body='apps:\n  hi: {command: touch ran}\nmain:\n  - {id: t, app: hi}\n'

	printf "weft: 1\nname: a\\000b\n$body" >flow.yaml
	expect_flow_error "flow\.yaml:2:8: malformed YAML: .+"
	printf "weft: 1\nname: a\\377\\376b\n$body" >flow.yaml
	expect_flow_error "flow\.yaml:2:8: malformed YAML: .+"
	# An executable, and random bytes (invalid from their first byte).
	printf '\177ELF\002\001\001\000\000\000\000\000' >flow.yaml
	head -c 4096 /dev/urandom >>flow.yaml
	expect_flow_error "flow\.yaml:1:[0-9]+: malformed YAML: .+"
	{ printf '\200'; head -c 65536 /dev/urandom; } >flow.yaml
	expect_flow_error "flow\.yaml:1:[0-9]+: malformed YAML: .+"
}

@test "duplicate keys at every level, each at its place" {
	write_flow <<'EOF'
weft: 1
config:
  provider: {kind: local, kind: local}
  monitoring: {enabled: true, enabled: false}
env:
  A: 1
  A: 2
apps:
  hi: {command: touch ran}
  hi: {command: touch ran2}
  ho:
    command: touch ran
    retries: 1
    retries: 2
main:
  - id: t
    app: hi
    args: {x: 1, x: 2}
    foreach:
      n: [1]
      n: [2]
    id: u
name: a
name: b
EOF
	local cmd
	for cmd in run check; do
		run -2 --separate-stderr weft "$cmd" flow.yaml
		assert_output ''
		assert_equal "$stderr" "\
flow.yaml:3:27: duplicate key 'kind' (first at line 3)
flow.yaml:4:31: duplicate key 'enabled' (first at line 4)
flow.yaml:7:3: duplicate key 'A' (first at line 6)
flow.yaml:10:3: duplicate key 'hi' (first at line 9)
flow.yaml:14:5: duplicate key 'retries' (first at line 13)
flow.yaml:18:18: duplicate key 'x' (first at line 18)
flow.yaml:21:7: duplicate key 'n' (first at line 20)
flow.yaml:22:5: duplicate key 'id' (first at line 16)
flow.yaml:24:1: duplicate key 'name' (first at line 23)"
		[ ! -e .weft ] && [ ! -e ran ]
	done
}

@test "a billion laughs: refused quickly, in bounded memory, no crash" {
	local cmd
	laughs_flow 10
	for cmd in check run; do
		measure "$cmd" flow.yaml
		expect_bounded "$MAX_MS" "$MAX_KB"
		[ "$MEAS_STATUS" -eq 2 ] ||
		    fail "$cmd: exit $MEAS_STATUS: $(head -c 2000 "$MEAS_ERR")"
		[ ! -s "$MEAS_OUT" ] || fail "$cmd: stdout: $(head -c 500 "$MEAS_OUT")"
		# A few lines at most, each at a place in the file: never one
		# per expanded node.
		[ "$(wc -l <"$MEAS_ERR")" -le 25 ] ||
		    fail "$cmd: $(wc -l <"$MEAS_ERR") stderr lines"
		grep -Ev '^flow\.yaml: too many errors' "$MEAS_ERR" |
		    grep -Evq '^flow\.yaml:[0-9]+:[0-9]+: ' &&
		    fail "$cmd: stderr: $(head -c 2000 "$MEAS_ERR")"
		[ -s "$MEAS_ERR" ] || fail "$cmd: no message"
		[ ! -e .weft/runs ] && [ ! -e ran ] || fail "$cmd ran something"
	done
}

@test "aliases that make the file contain itself are refused" {
	printf 'weft: 1\napps:\n  hi: {command: touch ran}\nmain:\n  - id: t\n    app: hi\n    foreach: {n: &a [1, *a]}\n' \
	    >flow.yaml
	expect_flow_error "flow\.yaml:7:[0-9]+: .*alias.*"
	printf 'weft: 1\napps: &x\n  hi: {command: touch ran}\n  again: *x\nmain:\n  - {id: t, app: hi}\n' \
	    >flow.yaml
	expect_flow_error "flow\.yaml:4:[0-9]+: .*alias.*"
	printf 'weft: 1\napps:\n  hi: {command: touch ran}\nmain: &m\n  - id: t\n    app: hi\n  - *m\n' \
	    >flow.yaml
	expect_flow_error "flow\.yaml:7:[0-9]+: .*alias.*"
	# A small expansion is fine.
	write_flow <<'EOF'
weft: 1
apps:
  hi: {command: 'echo "$WEFT_TASK_ID" >>@DIR@/effects'}
main:
  - id: t
    app: hi
    foreach: {n: &ns [1, 2]}
  - id: u
    app: hi
    foreach: {m: *ns}
EOF
	run weft run flow.yaml
	assert_success
	ran_exactly 't[n=1]' 't[n=2]' 'u[m=1]' 'u[m=2]'
}

@test "a 100 MB workflow file: too large, refused quickly" {
	local cmd f
	big_flow big.yaml $((100 * 1024 * 1024))
	# Just over the limit, too.
	big_flow edge.yaml $((64 * 1024 * 1024 + 1))
	for f in big.yaml edge.yaml; do
		for cmd in check run; do
			measure "$cmd" "$f"
			expect_bounded "$MAX_MS" 1000000000
			[ "$MEAS_STATUS" -eq 2 ] || fail "$cmd $f: exit $MEAS_STATUS"
			[ ! -s "$MEAS_OUT" ] || fail "$cmd $f: stdout is not empty"
			run cat "$MEAS_ERR"
			assert_output "weft $cmd: '$f' is too large (more than 64 MiB)"
		done
	done
	rm -f big.yaml edge.yaml
	[ ! -e .weft ] && [ ! -e ran ] || fail "something ran"
}

@test "no main at all: nothing to run, exit 2" {
	write_flow <<'EOF'
weft: 1
apps:
  hi: {command: touch ran}
EOF
	expect_flow_error "flow\.yaml:[0-9]+:[0-9]+: no 'main': nothing to run"
}

@test "huge fan-outs are refused quickly and in bounded memory" {
	local cmd range
	write_flow <<'EOF'
weft: 1
apps:
  hi: {command: touch ran}
main:
  - id: t
    app: hi
    foreach: {i: "1..100000000"}
EOF
	expect_flow_error "flow\.yaml:7:[0-9]+: range '1\.\.100000000' has more than 10000000 values \(config\.max_tasks sets the limit\)"
	for cmd in check run; do
		measure "$cmd" flow.yaml
		expect_bounded "$MAX_MS" "$MAX_KB"
	done
	# Under a lower config.max_tasks: a cross product just over it, and
	# one of 10^10.
	for range in '"1..1000", j: "1..1001"' '"1..100000", j: "1..100000"'; do
		write_flow <<EOF
weft: 1
config: {max_tasks: 1000000}
apps:
  hi: {command: touch ran}
main:
  - id: t
    app: hi
    foreach: {i: $range}
EOF
		expect_flow_error "flow\.yaml:8:[0-9]+: foreach gives more than 1000000 tasks \(config\.max_tasks sets the limit\)"
		for cmd in check run; do
			measure "$cmd" flow.yaml
			expect_bounded "$MAX_MS" "$MAX_KB"
		done
	done
	# Two entries, each under the limit, over it together.
	write_flow <<'EOF'
weft: 1
config: {max_tasks: 1000000}
apps:
  hi: {command: touch ran}
main:
  - id: t
    app: hi
    foreach: {i: "1..600000"}
  - id: u
    app: hi
    foreach: {i: "1..600000"}
EOF
	expect_flow_error "flow\.yaml:[0-9]+:[0-9]+: (foreach|main) gives more than 1000000 tasks \(config\.max_tasks sets the limit\)"
	for cmd in check run; do
		measure "$cmd" flow.yaml
		expect_bounded "$MAX_MS" "$MAX_KB"
	done
}

@test "config.max_tasks: raises and lowers the limit, and is checked" {
	local v
	write_flow <<'EOF'
weft: 1
config: {max_tasks: 3}
apps:
  hi: {command: touch ran}
main:
  - {id: t, app: hi, foreach: {i: "1..3"}}
  - {id: u, app: hi}
EOF
	expect_flow_error "flow\.yaml:7:5: main gives more than 3 tasks \(config\.max_tasks sets the limit\)"
	sed -i 's/max_tasks: 3/max_tasks: 4/' flow.yaml
	run weft check flow.yaml
	assert_success
	assert_line "tasks: 4"
	for v in 0 -1 2000000001 lots; do
		sed -i "s/max_tasks: [^}]*/max_tasks: $v/" flow.yaml
		expect_flow_error "flow\.yaml:2:21: .*max_tasks.*"
	done
	# Above the default, when asked for.
	write_flow <<'EOF'
weft: 1
config: {max_tasks: 12000000}
apps:
  hi: {command: touch ran}
main:
  - {id: t, app: hi, foreach: {i: "1..4000", j: "1..2501"}}
EOF
	run weft check flow.yaml
	assert_success
	assert_line "tasks: 10004000"
}

@test "a 1,500,000-task workflow with a gather checks in bounded memory" {
	write_flow <<'EOF'
weft: 1
apps:
  sim: {command: "simulate --seed {i} --out {outputs}"}
  sum: {command: "summarise {inputs} > {outputs}"}
main:
  - id: t
    app: sim
    foreach: {i: "1..1500000"}
    outputs: ["out/{i}.txt"]
  - id: total
    app: sum
    inputs: ["{t.outputs}"]
    outputs: [total.txt]
EOF
	measure check flow.yaml
	[ "$MEAS_STATUS" -eq 0 ] || fail "exit $MEAS_STATUS: $(cat "$MEAS_ERR")"
	grep -qx 'tasks: 1500001' "$MEAS_OUT" || fail "$(cat "$MEAS_OUT")"
	grep -qx 'edges: 1500000' "$MEAS_OUT" || fail "$(cat "$MEAS_OUT")"
	grep -qx 'roots: 1500000' "$MEAS_OUT" || fail "$(cat "$MEAS_OUT")"
	# At most 400 bytes a task (ASan keeps its own shadow on top).
	if ldd "$WEFT" | grep -q libasan; then
		expect_bounded 600000 3000000
	else
		expect_bounded 600000 600000
	fi
}

@test "a missing input that no task makes is a load-time error at its place" {
	write_flow <<'EOF'
weft: 1
apps:
  hi: {command: touch ran}
main:
  - id: t
    app: hi
    inputs: x.txt
EOF
	expect_flow_error "flow\.yaml:7:13: input 'x\.txt' of task 't' does not exist, and no task makes it"
	# From a template: the first task whose input is missing.
	write_flow <<'EOF'
weft: 1
apps:
  hi: {command: touch ran}
main:
  - id: t
    app: hi
    foreach: {n: "1..2"}
    inputs: "data-{n}.txt"
EOF
	echo one >data-1.txt
	expect_flow_error "flow\.yaml:8:13: input 'data-2\.txt' of task 't\[n=2\]' does not exist, and no task makes it"
	# Relative to the workflow's folder, not to the current one.
	write_flow wf/flow.yaml <<'EOF'
weft: 1
apps:
  hi: {command: touch ran}
main:
  - id: t
    app: hi
    inputs: here.txt
EOF
	echo here >here.txt
	expect_flow_error "wf/flow\.yaml:7:13: input 'here\.txt' of task 't' does not exist, and no task makes it" wf/flow.yaml
	[ ! -e wf/ran ] && [ ! -e wf/.weft ] || fail "something ran"
	# Once the file is there, it runs.
	echo here >wf/here.txt
	run weft run wf/flow.yaml
	assert_success
}

@test "an input missing when its task is about to run fails that task" {
	write_flow <<'EOF'
weft: 1
config: {jobs: 1}
apps:
  mk: {command: 'touch made.txt'}
  use: {command: 'echo "$WEFT_TASK_ID" >>@DIR@/effects; cat {inputs} >{outputs}'}
main:
  - {id: mk, app: mk}
  - {id: u1, app: use, needs: mk, inputs: made.txt, outputs: u1.txt}
  - {id: u2, app: use, needs: mk, inputs: never.txt, outputs: u2.txt}
  - {id: u3, app: use, inputs: u2.txt, outputs: u3.txt}
EOF
	# A task with dependencies: not a load-time error.
	run --separate-stderr weft check flow.yaml
	assert_success
	run -1 --separate-stderr weft run flow.yaml
	assert_line --regexp '^..:..:.. done +u1 [0-9.]+s$'
	assert_event 'failed   u2 missing input: never.txt'
	assert_line --regexp '^..:..:.. dep_fail +u3 \(needs u2\)$'
	assert_line --regexp '^summary: 4 tasks: 2 done, 1 failed, 1 dep_fail in '
	ran_exactly u1
	expect_states 0001 u2=failed u3=dep_fail
}

@test "a command that is not executable: exit 126 (command not executable)" {
	write_flow <<'EOF'
weft: 1
apps:
  nx: {command: ./script.sh}
main:
  - {id: nx, app: nx}
EOF
	printf '#!/bin/sh\ntouch ran\n' >script.sh
	chmod 644 script.sh
	run -1 --separate-stderr weft run flow.yaml
	assert_event 'failed   nx exit 126 (command not executable)'
	assert_line --regexp "^failed nx: exit 126 \(command not executable\), stderr in $(ere "$WEFT_WORK")/\.weft/runs/0001/tasks/nx/try-0/stderr$"
	[ ! -e ran ]
	run q "SELECT weft_exit_code FROM task WHERE weft_task_id = 'nx';"
	assert_output 126
}

@test "a command that is not found: exit 127 (command not found)" {
	write_flow <<'EOF'
weft: 1
apps:
  nf: {command: weft-no-such-command-xyz --flag}
main:
  - {id: nf, app: nf}
EOF
	run -1 --separate-stderr weft run flow.yaml
	assert_event 'failed   nf exit 127 (command not found)'
	assert_line --regexp '^summary: 1 task: 1 failed in '
}

@test "a full disk: a run directory that cannot be created is exit 3" {
	local disk=$WEFT_WORK/disk
	write_flow <<'EOF'
weft: 1
apps:
  hi: {command: 'echo "$WEFT_TASK_ID" >>@DIR@/effects'}
main:
  - {id: t, app: hi}
EOF
	mount_tmpfs "$disk" size=256k,nr_inodes=64
	# The run directory itself, then a run under an existing one.
	fill_fs "$disk"
	run -3 --separate-stderr weft run --run-dir "$disk/rd" flow.yaml
	[[ $stderr == *"$disk/rd"*": no space left on device"* ]] ||
	    fail "stderr: $stderr"
	rm -f "$disk"/fill-*
	mkdir -p "$disk/rd2/runs"
	fill_fs "$disk"
	run -3 --separate-stderr weft run --run-dir "$disk/rd2" flow.yaml
	[[ $stderr == *"$disk/rd2"*": no space left on device"* ]] ||
	    fail "stderr: $stderr"
	[ ! -e effects ] || fail "a task ran"
}

@test "a full disk mid-run: tasks cannot start, the run cannot be recorded, exit 3" {
	local disk=$WEFT_WORK/disk t0
	# A run held up by the full disk fails in 30 s, not 60.
	local WEFT_CALL_TIMEOUT=30
	fill_flow
	mount_tmpfs "$disk" size=4m,nr_inodes=1000
	t0=$(now_us)
	# The database is on that disk too (diskfull.bats has the rest).
	run -3 --separate-stderr weft run --run-dir "$disk/rd" flow.yaml
	[ $(( ($(now_us) - t0) / 1000000 )) -lt 30 ] ||
	    fail "a full disk held the run up for $(( ($(now_us) - t0) / 1000000 )) s"
	[[ $stderr == *"weft run: cannot record run 0001: $disk/rd/"*": no space left on device; "* ]] ||
	    fail "stderr: $stderr"
	# Three honest endings: late is tried and cannot start; or the record
	# meets the full disk first and the run stops before late is sent;
	# or it does so before fill, which filled the disk, has exited, and
	# the run stops it (a window of microseconds, under load).
	if [[ $output == *"summary: 3 tasks: 1 killed, 2 not_run in "* ]]; then
		refute_line --partial ' late '
		refute_line --partial ' later '
	elif [[ $output == *"summary: 3 tasks: 1 done, 2 not_run in "* ]]; then
		assert_line --regexp '^..:..:.. done +fill [0-9.]+s$'
		refute_line --partial ' late '
		refute_line --partial ' later '
	else
		assert_line --regexp '^..:..:.. done +fill [0-9.]+s$'
		assert_event 'failed   late could not start: tasks/late/try-0: no space left on device'
		assert_line --regexp '^..:..:.. dep_fail +later \(needs late\)$'
		assert_line --regexp '^summary: 3 tasks: 1 done, 1 failed, 1 dep_fail in '
	fi
	[ ! -e effects ] || fail "a task ran on a full disk: $(cat effects)"
	[ "$(cat count.txt)" -gt 0 ] || fail "the disk was not filled"
}

@test "a full disk: the monitoring database is left sound; weft runs reads it" {
	local disk=$WEFT_WORK/disk db
	local WEFT_CALL_TIMEOUT=30
	fill_flow
	mount_tmpfs "$disk" size=4m,nr_inodes=1000
	# (How the run ends is the test above.)
	run --separate-stderr weft run --run-dir "$disk/rd" flow.yaml
	[ "$(cat count.txt)" -gt 0 ] ||
	    fail "the disk was not filled: $output; stderr: $stderr"
	# Still full: the database as the run left it.
	for db in "$disk/rd/monitoring.db" "$disk/rd/cache/cache.db"; do
		[ -e "$db" ] || continue
		run sqlite3 -readonly "$db" 'PRAGMA integrity_check;'
		assert_output ok
	done
	run weft runs --run-dir "$disk/rd"
	assert_success
	assert_line --index 0 --regexp '^RUN +NAME +STARTED '
	# Room again: the database takes a new run, and shows it.
	rm -f "$disk"/f-*
	for db in "$disk/rd/monitoring.db" "$disk/rd/cache/cache.db"; do
		[ -e "$db" ] || continue
		run sqlite3 "$db" 'PRAGMA integrity_check;'
		assert_output ok
	done
	write_flow small.yaml <<'EOF'
weft: 1
name: small
apps:
  hi: {command: 'true'}
main:
  - {id: t, app: hi}
EOF
	run weft run --run-dir "$disk/rd" small.yaml
	assert_success
	run weft runs --run-dir "$disk/rd"
	assert_success
	assert_line --regexp '^0002 +small +.* done +1 +1 +0$'
}

# --- Issue 14: bad inputs found by the trials ---

@test "a 100 KB command template over a million tasks: never copied per task" {
	local pad seg cmd

	pad=$(head -c 102400 /dev/zero | tr '\0' x)
	write_flow <<EOF
weft: 1
apps:
  hi: {command: 'echo {i} $pad > {outputs}'}
main:
  - id: t
    app: hi
    foreach: {i: "1..1000000"}
    outputs: ["out-{i}.txt"]
EOF
	# A command is expanded only as its task runs: the graph holds no
	# copy of it.  2 GiB of address space is plenty, and keeps a weft
	# that would copy it from taking the machine's memory.
	# (AddressSanitizer reserves terabytes of address space for its
	# shadow: under it the bound is the peak resident memory.)
	local kb=524288
	if ldd "$WEFT" | grep -q libasan; then
		kb=2097152	# ASan's own memory on top
	else
		ulimit -v 2097152
	fi
	measure check flow.yaml
	[ "$MEAS_STATUS" -eq 0 ] || fail "exit $MEAS_STATUS: $(cat "$MEAS_ERR")"
	expect_bounded 60000 "$kb"
	# Over 300 tasks it runs, each task with its own value.
	sed -i 's/1\.\.1000000/1..300/' flow.yaml
	run weft run -q flow.yaml
	assert_success
	[ "$(cat out-*.txt | sort -u | wc -l)" -eq 300 ] || fail "not 300 lines"
	[ "$(wc -c <out-17.txt)" -eq $((3 + 102400 + 1)) ] ||
	    fail "out-17.txt: $(wc -c <out-17.txt) bytes"
	grep -q "^17 x" out-17.txt || fail "$(head -c 40 out-17.txt)"
	# Paths are kept per task: long ones over a big fan-out are
	# refused before any is made.
	rm -rf .weft out-*.txt
	seg=$(head -c 200 /dev/zero | tr '\0' y)
	write_flow <<EOF
weft: 1
apps:
  hi: {command: 'touch {outputs}'}
main:
  - id: t
    app: hi
    foreach: {i: "1..1000000"}
    outputs: ["o/$seg/$seg/{i}.txt"]
EOF
	expect_flow_error "flow\.yaml:5:5: the 1000000 tasks of 't' would hold more than 351 MiB of paths \(420 bytes of path templates each\)"
	for cmd in check run; do
		measure "$cmd" flow.yaml
		expect_bounded 5000 "$kb"
		[ "$MEAS_STATUS" -eq 2 ] || fail "weft $cmd: exit $MEAS_STATUS"
	done
}

@test "a task id whose folder name would pass NAME_MAX is refused by check, at its entry" {
	local id

	id=$(printf 'a%.0s' $(seq 246))
	write_flow <<EOF
weft: 1
apps:
  hi: {command: 'touch ran; echo {x}'}
main:
  - {id: $id, app: hi, foreach: {x: [b, abcdef]}}
EOF
	expect_flow_error "flow\.yaml:5:5: task id '$(printf 'a%.0s' $(seq 40))\.\.\.' is too long: its folder name in the run directory would be 256 bytes \(limit 255\)"
	# 255 bytes exactly: made and run.
	sed -i 's/abcdef/abcde/' flow.yaml
	run --separate-stderr weft run flow.yaml
	assert_success
	[ -d ".weft/runs/0001/tasks/$id[x=abcde]" ] || fail "$(ls .weft/runs/0001/tasks)"
	rm -rf .weft ran
	# '%' takes three bytes in the folder name.
	write_flow <<EOF
weft: 1
apps:
  hi: {command: 'touch ran'}
main:
  - {id: t, app: hi, foreach: {x: ["$(printf '%%%.0s' $(seq 84))"]}}
EOF
	expect_flow_error "flow\.yaml:5:5: task id 't\[x=%+\.\.\.' is too long: its folder name in the run directory would be 257 bytes \(limit 255\)"
}

@test "a task whose input is one of its own outputs is refused by check, at the input" {
	write_flow <<'EOF'
weft: 1
apps:
  hi: {command: 'touch ran; cat {inputs} >{outputs}'}
main:
  - {id: a, app: hi, outputs: a.txt}
  - {id: t, app: hi, foreach: {i: [1, 2]}, inputs: [a.txt, "t-{i}.txt"], outputs: "t-{i}.txt"}
EOF
	expect_flow_error "flow\.yaml:6:60: input 't-1\.txt' of task 't\[i=1\]' is one of its own outputs"
}

@test "a FIFO, a device: not a regular file, exit 2 at once, for check and run" {
	local cmd f

	mkfifo fifo
	for f in fifo /dev/null; do
		for cmd in check run; do
			run -2 --separate-stderr weft "$cmd" "$f"
			assert_output ''
			if [ "$f" = fifo ]; then
				assert_equal "$stderr" "weft $cmd: cannot read 'fifo': not a regular file (a FIFO)"
			else
				assert_equal "$stderr" "weft $cmd: cannot read '/dev/null': not a regular file (a character device)"
			fi
		done
	done
	[ ! -e .weft ]
}

@test "a range bound or retries out of range says so, with the range" {
	local v

	write_flow <<'EOF'
weft: 1
apps:
  hi: {command: 'touch ran; echo {i}'}
main:
  - {id: t, app: hi, foreach: {i: "1..99999999999999999999"}}
EOF
	expect_flow_error "flow\.yaml:5:35: range '1\.\.99999999999999999999' is out of range: its numbers must be from -9223372036854775808 to 9223372036854775807"
	sed -i 's/1\.\.99999999999999999999/-99999999999999999999..1/' flow.yaml
	expect_flow_error "flow\.yaml:5:35: range '-99999999999999999999\.\.1' is out of range"
	for v in 2147483648 99999999999999999999; do
		write_flow <<EOF
weft: 1
config: {retries: $v}
apps:
  hi: {command: 'touch ran', retries: $v}
main:
  - {id: t, app: hi}
EOF
		expect_flow_error "flow\.yaml:2:19: 'retries' is out of range: it must be an integer from 0 to 2147483647"
		run -2 --separate-stderr weft check flow.yaml
		[ "${stderr_lines[1]}" = "flow.yaml:4:39: 'retries' is out of range: it must be an integer from 0 to 2147483647" ] ||
		    fail "$stderr"
	done
}

@test "a duplicate id through an alias points at the alias" {
	write_flow <<'EOF'
weft: 1
apps:
  hi: {command: touch ran}
main:
  - &e {id: t, app: hi}
  - {id: u, app: hi}
  - *e
EOF
	expect_flow_error "flow\.yaml:7:5: duplicate task id 't' \(first at line 5\)"
}

@test "args that refer to other args: said so, naming the arg" {
	write_flow <<'EOF'
weft: 1
apps:
  hi: {command: 'touch ran; echo {p} {q}'}
main:
  - {id: t, app: hi, args: {p: one, q: "{p}-two"}}
EOF
	expect_flow_error "flow\.yaml:5:41: '\{p\}': args cannot refer to other args \('p' is an argument of task 't'\)"
	run -2 --separate-stderr weft check flow.yaml
	[ "${#stderr_lines[@]}" -eq 1 ] || fail "$stderr"
}

@test "more than a million tasks over many entries: the message comes once" {
	local i

	{
		printf 'weft: 1\napps:\n  hi: {command: touch ran}\nmain:\n'
		printf '  - {id: big, app: hi, foreach: {i: "1..1000000"}}\n'
		for i in 1 2 3 4 5; do
			printf '  - {id: x%d, app: hi}\n' "$i"
		done
		for i in 1 2 3; do
			printf '  - {id: f%d, app: hi, foreach: {i: "1..600000"}}\n' "$i"
		done
	} >flow.yaml
	sed -i 's/^weft: 1$/weft: 1\nconfig: {max_tasks: 1000000}/' flow.yaml
	expect_flow_error "flow\.yaml:7:5: main gives more than 1000000 tasks"
	run -2 --separate-stderr weft check flow.yaml
	assert_equal "$stderr" "flow.yaml:7:5: main gives more than 1000000 tasks (config.max_tasks sets the limit)"
}

@test "unknown YAML tags are errors at their place; the core schema's are accepted" {
	write_flow <<'EOF'
weft: 1
apps:
  hi: {command: !foo 'touch ran'}
main:
  - {id: t, app: !!binary aGk=}
EOF
	expect_flow_error "flow\.yaml:3:17: unsupported YAML tag '!foo' \(weft accepts only the tags of the core schema: !!str, !!int, !!float, !!bool, !!null, !!seq, !!map\)"
	run -2 --separate-stderr weft check flow.yaml
	[ "${stderr_lines[1]}" = "flow.yaml:5:18: unsupported YAML tag '!!binary' (weft accepts only the tags of the core schema: !!str, !!int, !!float, !!bool, !!null, !!seq, !!map)" ] ||
	    fail "$stderr"
	write_flow <<'EOF'
weft: 1
config: !!map {jobs: !!int 2}
apps: {hi: {command: !!str 'touch ran'}}
main: !!seq
  - {id: t, app: hi, args: !!set {a, b}}
EOF
	expect_flow_error "flow\.yaml:5:28: unsupported YAML tag '!!set'"
	sed -i 's/, args: !!set {a, b}//' flow.yaml
	run weft check flow.yaml
	assert_success
}

@test "--run-dir naming a file: exit 2, said so" {
	write_flow <<'EOF'
weft: 1
apps:
  hi: {command: touch ran}
main:
  - {id: t, app: hi}
EOF
	touch afile
	run -2 --separate-stderr weft run --run-dir afile flow.yaml
	assert_output ''
	assert_equal "$stderr" "weft run: --run-dir 'afile' is not a directory"
	run -2 --separate-stderr weft run --run-dir afile/sub flow.yaml
	assert_equal "$stderr" "weft run: --run-dir 'afile/sub' is not a directory"
	[ ! -e ran ] && [ ! -e .weft ]
}
