#!/usr/bin/env bats
#
# reuse.bats: YAML merge keys ("<<: *defaults" and "<<: [*a, *b]") work
# in apps, in config and in main's entries, the mapping's own keys
# winning, then the first mapping merged; top-level keys starting with
# "x-" are a place for anchors and are ignored; a quoted "<<" is a plain
# key, and a merge of anything but mappings is an error.  include: pulls
# in apps, params, env and plugins from other files, relative to the
# including file, nested; a run's children read the run's own copies;
# a name defined twice names both places, a cycle is reported, and an
# error in an included file points into it.

load setup

@test "merge keys in apps, config and main entries: own keys win, then the first merged" {
	write_flow <<'EOF'
weft: 1
x-defaults: &defaults
  command: "echo default {n} >> @DIR@/got"
x-more: &more
  command: "echo more {n} >> @DIR@/got"
x-config: &config
  jobs: 1
config:
  <<: *config
apps:
  a: {<<: *defaults}
  b:
    <<: [*more, *defaults]
  c:
    <<: *defaults
    command: "echo own {n} >> @DIR@/got"
main:
  - &entry
    id: ta
    app: a
    foreach: {n: [1, 2]}
  - <<: *entry
    id: tb
    app: b
  - {<<: *entry, id: tc, app: c}
EOF
	run weft run -q flow.yaml
	assert_success
	run sort got
	assert_output "default 1
default 2
more 1
more 2
own 1
own 2"
	run weft check flow.yaml
	assert_success
	assert_line 'tasks: 6'
}

@test "x- keys are ignored at the top level only; a quoted '<<' is a key" {
	write_flow <<'EOF'
weft: 1
x-anything: {whatever: [1, 2]}
x-: ignored too
apps:
  a: {command: "true", x-note: no}
main:
  - {id: t, app: a}
EOF
	expect_flow_error "flow.yaml:5:24: unknown key 'x-note' in app 'a'"
	write_flow <<'EOF'
weft: 1
x-d: &d {command: "true"}
apps:
  a: {"<<": *d}
main:
  - {id: t, app: a}
EOF
	expect_flow_error "flow.yaml:4:7: unknown key '<<' in app 'a'"
}

@test "a merge of anything but mappings is an error" {
	local v
	for v in '5' '[*d, x]' '[[1]]'; do
		write_flow <<EOF
weft: 1
x-d: &d {command: "true"}
apps:
  a: {<<: $v}
main:
  - {id: t, app: a}
EOF
		run weft check flow.yaml
		assert_failure 2
		assert_output --partial "the merge key '<<' takes a mapping or a list of mappings, such as '<<: *defaults'"
	done
}

# A library of two files, lib/common.yaml including lib/more.yaml, and a
# workflow in sub/ that includes the library.
include_lib()
{
	write_flow lib/common.yaml <<'EOF'
include: [more.yaml]
x-retry: &retry {retries: 0}
params:
  who: world
env:
  SHARED: shared
plugins:
  results: ../plugins/libresults.so
apps:
  hello:
    <<: *retry
    command: echo "hello {params.who} $SHARED $MORE" > {outputs}
  add: {function: results.add}
EOF
	write_flow lib/more.yaml <<'EOF'
weft: 1
env:
  MORE: more
apps:
  bye: {command: "echo bye {params.who} > {outputs}"}
EOF
	write_flow sub/flow.yaml <<'EOF'
weft: 1
include: ../lib/common.yaml
main:
  - {id: h, app: hello, outputs: [h.txt]}
  - {id: b, app: bye, outputs: [b.txt]}
  - {id: sum, app: add, args: {x: 1, y: 2}}
EOF
}

@test "include: apps, params, env and plugins from other files, nested, for every process" {
	load plugins
	build_plugins
	plugin_setup
	include_lib
	run weft run -q sub/flow.yaml --set who=you
	assert_success
	run cat sub/h.txt sub/b.txt
	assert_output "hello you shared more
bye you"
	run weft tasks -C sub --json
	run jq -r '.[] | select(.task == "sum") | .result' <<<"$output"
	assert_output 3
	# The run keeps copies; its children read them, not the originals.
	run cat sub/.weft/runs/0001/include/index
	assert_output "$PWD/lib/common.yaml
$PWD/lib/more.yaml"
	cmp lib/more.yaml sub/.weft/runs/0001/include/1.yaml
	run weft check sub/flow.yaml
	assert_success
	assert_line "apps: 3"
}

@test "include: the children of a run read its copies even when the originals change" {
	write_flow lib/env.yaml <<'EOF'
env: {COLOR: blue}
EOF
	write_flow <<'EOF'
weft: 1
include: [lib/env.yaml]
apps:
  first: {command: 'echo $COLOR > first; while [ ! -e go ]; do sleep 0.05; done'}
  then: {command: 'echo $COLOR > then'}
main:
  - {id: first, app: first}
  - {id: then, app: then, needs: [first]}
EOF
	weft_start run -q flow.yaml
	wait_for 10 test -e first
	echo 'env: {COLOR: red}' >lib/env.yaml
	touch go
	wait_for 20 weft_exited
	weft_reap
	assert_equal "$WEFT_STATUS" 0
	run cat first then
	assert_output "blue
blue"
}

@test "include: a name defined twice names both places; cycles; errors point into the file" {
	write_flow lib/a.yaml <<'EOF'
params: {p: 1}
apps:
  x: {command: "true"}
EOF
	write_flow <<'EOF'
weft: 1
include: [lib/a.yaml]
params: {p: 2}
apps:
  x: {command: "true"}
main:
  - {id: t, app: x}
EOF
	expect_flow_error "flow.yaml:3:10: param 'p' is defined twice \(first at lib/a.yaml:1:10\)"
	run -2 weft check flow.yaml
	assert_line --index 1 "flow.yaml:5:3: app 'x' is defined twice (first at lib/a.yaml:3:3)"
	write_flow lib/a.yaml <<'EOF'
include: b.yaml
EOF
	write_flow lib/b.yaml <<'EOF'
include: [./c.yaml]
EOF
	write_flow lib/c.yaml <<'EOF'
include: [../lib/a.yaml]
EOF
	write_flow <<'EOF'
weft: 1
include: [lib/a.yaml]
apps:
  x: {command: "true"}
main:
  - {id: t, app: x}
EOF
	for cmd in run check; do
		run -2 --separate-stderr weft "$cmd" flow.yaml
		assert_equal "$stderr" "lib/c.yaml:1:11: include cycle: lib/a.yaml -> lib/b.yaml -> lib/c.yaml -> lib/a.yaml"
	done
	[ ! -e .weft ]
	write_flow <<'EOF'
weft: 1
include: flow.yaml
apps:
  x: {command: "true"}
main:
  - {id: t, app: x}
EOF
	expect_flow_error "flow.yaml:2:10: include cycle: 'flow.yaml' includes itself"
	write_flow lib/bad.yaml <<'EOF'
apps:
  y: {command: "echo {", retries: -2}
main: []
EOF
	write_flow <<'EOF'
weft: 1
include: [lib/bad.yaml, lib/missing.yaml]
apps:
  x: {command: "true"}
main:
  - {id: t, app: x}
EOF
	run -2 --separate-stderr weft check flow.yaml
	assert_equal "$stderr" "flow.yaml:2:25: cannot include 'lib/missing.yaml': No such file or directory
lib/bad.yaml:2:22: unclosed '{' (write '{{' for a literal brace)
lib/bad.yaml:2:35: 'retries' must be an integer >= 0
lib/bad.yaml:3:1: unknown key 'main' in an included file (it may hold include, apps, params, env and plugins)"
	[ ! -e .weft ]
	write_flow <<'EOF'
weft: 1
include: {file: x}
apps:
  x: {command: "true"}
main:
  - {id: t, app: x}
EOF
	expect_flow_error "flow.yaml:2:10: 'include' must be a file name or a list of them, not a mapping"
}
