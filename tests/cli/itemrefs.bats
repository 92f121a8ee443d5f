#!/usr/bin/env bats
#
# itemrefs.bats: references to the outputs or results of single tasks,
# {qc[s={s}].outputs} and {fit[x={x}].result}, whose names hold
# placeholders filled in from each task's own values, and patterns of
# task ids, {build[os={os},*].outputs}.  Each task reads what its own
# items made and waits for those tasks alone (proved by timing and by
# the recorded dependencies); a name that names no task, and nested
# placeholders that are wrong, are file:line:col errors; and an error
# that every task of a fan-out would make is reported once.

load setup
load monitoring
load plugins

setup_file()
{
	PLUGIN_NAMES=results build_plugins
}

setup()
{
	plugin_setup
}

# deps_of LIKE: "task|its dependencies" of run 0001's tasks whose id is
# LIKE, in task order.
deps_of()
{
	sqlite3 .weft/monitoring.db "SELECT weft_task_id, task_depends
	    FROM task WHERE weft_task_id LIKE '$1' ORDER BY task_id"
}

# lit TEXT: TEXT as an ERE that matches just it.
lit()
{
	printf '%s' "$1" | sed 's/[.[\*^$()+?{}|]/\\&/g'
}

@test "per-item outputs: a task reads its own item's file, waiting for no other" {
	write_flow <<'EOF'
weft: 1
config: {jobs: 4}
apps:
  qc: {command: "if [ {s} = C ]; then while [ ! -e go ]; do @SLEEP@ 0.05; done; fi; echo qc of {s} > {outputs}"}
  trim: {command: "awk '{{ print \"got\", $0 }}' {qc[s={s}].outputs} > {outputs}"}
main:
  - {id: qc, app: qc, foreach: {s: [A, B, C]}, outputs: "qc-{s}.txt"}
  - {id: trim, app: trim, foreach: {s: [A, B, C]}, outputs: "trim-{s}.txt"}
EOF
	run weft check flow.yaml
	assert_success
	assert_line 'edges: 3'
	weft_start run flow.yaml
	# The trims whose qc is done end; C's qc still waits, and its trim.
	wait_for 30 test -s trim-A.txt || fail "trim of A did not run"
	wait_for 30 test -s trim-B.txt || fail "trim of B did not run"
	[ ! -e qc-C.txt ] && [ ! -e trim-C.txt ] || fail "C went on"
	touch go
	weft_reap
	[ "$WEFT_STATUS" -eq 0 ] || fail "weft run exited $WEFT_STATUS"
	run cat trim-A.txt trim-B.txt trim-C.txt
	assert_output "got qc of A
got qc of B
got qc of C"
	run deps_of 'trim%'
	assert_output "trim[s=A]|0
trim[s=B]|1
trim[s=C]|2"
}

@test "patterns of task ids give every match in task order, in commands and inputs" {
	write_flow <<'EOF'
weft: 1
apps:
  build: {command: "echo {os}-{cc} > {outputs}"}
  test: {command: "cat {build[os={os},*].outputs} > {outputs}"}
  pack: {command: "cat {inputs} > {outputs}"}
main:
  - {id: build, app: build, foreach: {os: [alpine, debian], cc: [gcc, clang]}, outputs: "b-{os}-{cc}"}
  - {id: test, app: test, foreach: {os: [alpine, debian]}, outputs: "t-{os}"}
  - {id: pack, app: pack, foreach: {cc: [clang]}, inputs: ["{build[*,cc={cc}].outputs}", "t-debian"], outputs: "p-{cc}"}
EOF
	run weft run -q flow.yaml
	assert_success
	run cat t-alpine t-debian
	assert_output "alpine-gcc
alpine-clang
debian-gcc
debian-clang"
	# One input per output named: an item of inputs that is one
	# placeholder becomes a list.
	run cat p-clang
	assert_output "alpine-clang
debian-clang
debian-gcc
debian-clang"
	run deps_of 'test%'
	assert_output "test[os=alpine]|0,1
test[os=debian]|2,3"
	run deps_of 'pack%'
	assert_output "pack[cc=clang]|1,3,5"
}

@test "per-item results of a function app reach the task of the same item" {
	write_flow <<'EOF'
weft: 1
plugins: {results: plugins/libresults.so}
apps:
  add: {function: results.add}
  show: {command: "echo {seed}={fit[x={seed}].result} > out-{seed}.txt"}
  echo: {function: results.echo}
main:
  - {id: fit, app: add, foreach: {x: "1..3"}, args: {y: "10"}}
  - {id: show, app: show, foreach: {seed: [1, 3]}}
  - {id: wrap, app: echo, foreach: {seed: [2]}, args: {v: "<{fit[x={seed}].result}>"}}
EOF
	run weft run -q flow.yaml
	assert_success
	run cat out-1.txt out-3.txt
	assert_output "1=11
3=13"
	run deps_of 'show%'
	assert_output "show[seed=1]|0
show[seed=3]|2"
	run deps_of 'wrap%'
	assert_output "wrap[seed=2]|1"
	run sqlite3 .weft/monitoring.db "SELECT weft_result FROM task
	    WHERE weft_task_id = 'wrap[seed=2]'"
	assert_output "<12>"
}

@test "a name that names no task, and wrong nested placeholders, are errors at their column" {
	local tpl want
	while IFS='|' read -r tpl want; do
		write_flow <<EOF
weft: 1
apps:
  a: {command: "touch ran"}
  t: {command: "cat $tpl"}
main:
  - {id: qc, app: a, foreach: {s: [A, B]}}
  - {id: trim, app: t, foreach: {s: [A, Z]}}
EOF
		expect_flow_error "$(lit "flow.yaml:4:$want")"
	done <<'EOF'
{qc[s={s}].outputs}|21: '{qc[s=Z].outputs}': no task 'qc[s=Z]' (did you mean 'qc[s=A]'?)
{qcc[s={s}].outputs}|21: '{qcc[s=A].outputs}': no entry 'qcc' (did you mean 'qc'?)
{qc[x={s},*].outputs}|21: '{qc[x=A,*].outputs}': no task matches 'qc[x=A,*]'
{qc[s={s}].result}|21: '{qc[...].result}': 'qc' runs a command, and only function apps have a result
{qc[s={nope}].outputs}|27: undefined placeholder '{nope}' in task 'trim[s=A]'
{qc[s={s].outputs}|21: unclosed '{' (write '{{' for a literal brace)
{qc[s={}].outputs}|27: empty placeholder '{}'
{qc[s={a b}].outputs}|27: invalid placeholder '{a b}'
{qc{s}.outputs}|21: invalid placeholder '{qc{s}.outputs}'
{qc[s={s}]}|21: invalid placeholder '{qc[s={s}]}'
EOF
}

@test "each item that names no task is one error; the other items are fine" {
	write_flow <<'EOF'
weft: 1
apps:
  a: {command: "touch ran"}
main:
  - {id: qc, app: a, foreach: {s: [A, B]}, outputs: "qc-{s}"}
  - {id: trim, app: a, foreach: {s: [A, Y, B, Z]}, inputs: "{qc[s={s}].outputs}"}
EOF
	run -2 --separate-stderr weft check flow.yaml
	assert_equal "$stderr" "flow.yaml:6:61: '{qc[s=Y].outputs}': no task 'qc[s=Y]' (did you mean 'qc[s=A]'?)
flow.yaml:6:61: '{qc[s=Z].outputs}': no task 'qc[s=Z]' (did you mean 'qc[s=A]'?)"
}

@test "an error every task of a fan-out makes is reported once" {
	write_flow <<'EOF'
weft: 1
apps:
  a: {command: "echo {nope} > {outputs}"}
main:
  - {id: t, app: a, foreach: {i: "1..50"}, outputs: "o-{i}"}
EOF
	local cmd
	for cmd in check run; do
		run -2 --separate-stderr weft "$cmd" flow.yaml
		assert_equal "$stderr" "flow.yaml:3:22: undefined placeholder '{nope}' in task 't[i=1]'"
	done
	[ ! -e .weft/runs ]
}

@test "every error of a fan-out's templates and needs comes out in one pass, each once" {
	write_flow <<'EOF'
weft: 1
apps:
  a: {command: "echo {nope} > {outputs}"}
main:
  - {id: t, app: a, foreach: {i: "1..50"}, outputs: "o-{i}", inputs: "in-{x}"}
  - {id: u, app: a, foreach: {i: "1..50"}, outputs: "p-{i}", needs: ["v[i={i}]"]}
  - {id: w, app: a, foreach: {i: "1..50"}, outputs: ["{t[i={i}].outputs}", "{j}"]}
EOF
	run -2 --separate-stderr weft check flow.yaml
	assert_equal "$stderr" "flow.yaml:3:22: undefined placeholder '{nope}' in task 't[i=1]'
flow.yaml:3:22: undefined placeholder '{nope}' in task 'u[i=1]'
flow.yaml:3:22: undefined placeholder '{nope}' in task 'w[i=1]'
flow.yaml:5:74: undefined placeholder '{x}' in task 't[i=1]'
flow.yaml:6:70: needs 'v[i={i}]' matches no task for 'u[i=1]' ('v[i=1]')
flow.yaml:7:77: undefined placeholder '{j}' in task 'w[i=1]'"
}
