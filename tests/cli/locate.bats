#!/usr/bin/env bats
#
# locate.bats: the inspection commands find the runs the user means.
# "weft run ci/flow.yaml" keeps its runs in ci/.weft; from the
# repository's root, and from any folder below it, runs, tasks, status,
# stop and logs find them with -f FILE, -C DIR, or by looking for .weft
# upwards as git looks for .git.  With none found, the message says
# where runs exist nearby.

load setup

ci_flow()
{
	write_flow ci/flow.yaml <<'EOF'
weft: 1
apps:
  hello: {command: "echo hello from {n}"}
  wait: {command: "while [ ! -e @DIR@/open ]; do @SLEEP@ 0.05; done"}
main:
  - {id: hello, app: hello, foreach: {n: [1, 2]}}
EOF
}

@test "from the repository's root, -f FILE and -C DIR find the workflow's runs" {
	ci_flow
	run weft run -q ci/flow.yaml
	assert_success
	for how in "-f ci/flow.yaml" "-C ci" "--run-dir ci/.weft"; do
		run --separate-stderr weft tasks $how
		assert_success
		assert_line --partial "hello[n=1]"
		run --separate-stderr weft runs $how
		assert_success
		assert_line --partial "0001"
		run --separate-stderr weft logs $how 'hello[n=2]'
		assert_success
		assert_output "hello from 2"
	done
}

@test "below the workflow, the commands find .weft upwards" {
	ci_flow
	run weft run -q ci/flow.yaml
	mkdir -p ci/deep/er
	cd ci/deep/er
	run --separate-stderr weft tasks
	assert_success
	assert_line --partial "hello[n=2]"
	run --separate-stderr weft logs 'hello[n=1]'
	assert_output "hello from 1"
	# -C names where to start looking, upwards from there too.
	cd "$WEFT_WORK"
	run --separate-stderr weft tasks -C ci/deep/er
	assert_success
	assert_line --partial "hello[n=1]"
}

@test "with no .weft found, the message names the runs that exist below" {
	ci_flow
	run weft run -q ci/flow.yaml
	for cmd in runs tasks status stop "logs hello"; do
		run --separate-stderr weft $cmd
		[ "$status" -eq 2 ]
		[[ $stderr == *"weft ${cmd%% *}: no runs found: no .weft in $WEFT_WORK or any folder above it"* ]]
		[[ $stderr == *"runs exist in ci/.weft (use -C ci"* ]]
	done
	# Nowhere near: a hint to start one.
	mkdir empty && cd empty
	run --separate-stderr weft tasks
	[ "$status" -eq 2 ]
	[[ $stderr == *"start a run with 'weft run FILE'"* ]]
}

@test "status and stop find a live run with -f and from below" {
	ci_flow
	cat >>ci/flow.yaml <<'EOF'
  - {id: wait, app: wait}
EOF
	weft_start run ci/flow.yaml
	wait_for 20 test -e ci/.weft/runs/0001/helpers.json
	run --separate-stderr weft status -f ci/flow.yaml
	assert_success
	assert_output --partial "interchange"
	mkdir -p ci/sub && cd ci/sub
	run --separate-stderr weft status --json
	assert_success
	run --separate-stderr weft stop
	assert_success
	cd "$WEFT_WORK"
	weft_reap
	[ "$WEFT_STATUS" -ne 0 ]
}

@test "locating options: bad and conflicting ones are usage errors" {
	ci_flow
	run weft run -q ci/flow.yaml
	run --separate-stderr weft tasks -f ci/missing.yaml
	[ "$status" -eq 2 ]
	[[ $stderr == "weft tasks: ci/missing.yaml: No such file or directory" ]]
	run --separate-stderr weft tasks -f ci
	[ "$status" -eq 2 ]
	[[ $stderr == "weft tasks: ci: a folder, not a workflow file" ]]
	run --separate-stderr weft runs -C nowhere
	[ "$status" -eq 2 ]
	[[ $stderr == "weft runs: -C nowhere: No such file or directory" ]]
	run --separate-stderr weft tasks -C ci -f ci/flow.yaml
	[ "$status" -eq 2 ]
	[[ $stderr == "weft tasks: give only one of --run-dir, -f and -C" ]]
	run --separate-stderr weft logs -C ci -C ci hello
	[ "$status" -eq 2 ]
	[[ $stderr == "weft logs: option '-C' given twice" ]]
}
