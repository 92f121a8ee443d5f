#!/usr/bin/env bats
#
# check.bats: "weft check" validates a workflow and summarises its task
# graph (apps, tasks, edges, roots), or prints it as DOT with --dot.  It
# never runs anything and never creates a run directory.

load setup

@test "check summarises the pi fixture: 2 apps, 4 tasks, 3 edges, 3 roots" {
	cp "$FIXTURES/pi.yaml" flow.yaml
	run --separate-stderr weft check flow.yaml
	assert_success
	assert_output "flow.yaml: ok
name: pi
apps: 2
tasks: 4
edges: 3
roots: 3"
	[ -z "$stderr" ]
	[ ! -e .weft ]
	[ ! -e sim-1.txt ] || fail "check ran a task"
}

@test "check names FILE as the user gave it" {
	cp "$FIXTURES/pi.yaml" flow.yaml
	mkdir sub
	cp "$FIXTURES/pi.yaml" sub/other.yaml
	run weft check sub/other.yaml
	assert_success
	assert_line --index 0 'sub/other.yaml: ok'
	run weft check ./flow.yaml
	assert_success
	assert_line --index 0 './flow.yaml: ok'
	run weft check "$FIXTURES/pi.yaml"
	assert_success
	assert_line --index 0 "$FIXTURES/pi.yaml: ok"
	[ ! -e "$FIXTURES/.weft" ] || fail "check created $FIXTURES/.weft"
}

@test "check counts each edge once, however many ways it is declared" {
	write_flow <<'EOF'
weft: 1
name: twice
apps:
  make: {command: "echo a > {outputs}"}
  use: {command: "cat {inputs}"}
main:
  - id: a
    app: make
    outputs: a.txt
  - id: b
    app: use
    needs: [a]
    inputs: ["./a.txt", "{a.outputs}"]
EOF
	run weft check flow.yaml
	assert_success
	assert_output "flow.yaml: ok
name: twice
apps: 2
tasks: 2
edges: 1
roots: 1"
}

@test "check counts a diamond, ranges and cross products" {
	write_flow <<'EOF'
weft: 1
name: shapes
apps:
  x: {command: "true"}
main:
  - id: top
    app: x
  - id: left
    app: x
    needs: top
  - id: right
    app: x
    needs: [top]
  - id: bottom
    app: x
    needs: [left, right]
  - id: grid
    app: x
    foreach: {a: [p, q, r], b: "1..4"}
  - id: sweep
    app: x
    foreach: {n: "10..19"}
    needs: grid
EOF
	run weft check flow.yaml
	assert_success
	# 4 + 12 + 10 tasks; 4 diamond edges + 10 x 12 sweep edges.
	assert_output "flow.yaml: ok
name: shapes
apps: 1
tasks: 26
edges: 124
roots: 13"
}

@test "check --dot prints only the graph" {
	cp "$FIXTURES/pi.yaml" flow.yaml
	run --separate-stderr weft check --dot flow.yaml
	assert_success
	[ -z "$stderr" ]
	assert_line --index 0 'digraph "pi" {'
	assert_line --index $((${#lines[@]} - 1)) '}'
	[ "${#lines[@]}" -eq 9 ] || fail "expected 9 lines (4 nodes, 3 edges)"
	assert_line '  "sim[seed=1]";'
	assert_line '  "sim[seed=2]";'
	assert_line '  "sim[seed=3]";'
	assert_line '  "mean";'
	assert_line '  "sim[seed=1]" -> "mean";'
	assert_line '  "sim[seed=2]" -> "mean";'
	assert_line '  "sim[seed=3]" -> "mean";'
	refute_output --partial 'ok'
	[ ! -e .weft ]
}

@test "check --dot lists every task and edge of a chain, edges point forward" {
	write_flow <<'EOF'
weft: 1
name: chain
apps:
  x: {command: "true"}
main:
  - id: c
    app: x
    needs: b
  - id: b
    app: x
    needs: a
  - id: a
    app: x
EOF
	run weft check --dot flow.yaml
	assert_success
	assert_output --partial '  "a" -> "b";'
	assert_output --partial '  "b" -> "c";'
	refute_output --partial '"b" -> "a"'
	[ "$(grep -c -- '->' <<<"$output")" -eq 2 ]
	[ "$(grep -c '^  "[abc]";$' <<<"$output")" -eq 3 ]
}

@test "check of a broken workflow: file:line:col on stderr, exit 2" {
	write_flow <<'EOF'
weft: 1
apps:
  x: {command: "true"}
main:
  - id: a
    app: y
EOF
	run -2 --separate-stderr weft check flow.yaml
	assert_output ''
	assert_equal "$stderr" "flow.yaml:6:10: unknown app 'y'"
	[ ! -e .weft ]
}

@test "check of an unreadable file: cannot read, exit 2" {
	run -2 --separate-stderr weft check nope.yaml
	assert_output ''
	assert_equal "$stderr" "weft check: cannot read 'nope.yaml': No such file or directory"
}
