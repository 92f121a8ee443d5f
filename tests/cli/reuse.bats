#!/usr/bin/env bats
#
# reuse.bats: YAML merge keys ("<<: *defaults" and "<<: [*a, *b]") work
# in apps, in config and in main's entries, the mapping's own keys
# winning, then the first mapping merged; top-level keys starting with
# "x-" are a place for anchors and are ignored; a quoted "<<" is a plain
# key, and a merge of anything but mappings is an error.

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
