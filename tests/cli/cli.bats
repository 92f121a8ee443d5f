#!/usr/bin/env bats
#
# cli.bats: the command line itself: --help, --version, unknown commands,
# CMD --help, bad options, a missing FILE, and the validation of -j.

load setup

# good_flow: a valid one-task workflow in flow.yaml.
good_flow()
{
	write_flow <<'EOF'
weft: 1
apps:
  hi: {command: echo hi}
main:
  - id: t
    app: hi
EOF
}

@test "weft --help prints usage and the user commands to stdout" {
	run --separate-stderr weft --help
	assert_success
	assert_line --index 0 --regexp '^usage: weft '
	assert_line --regexp '^ +run +'
	assert_line --regexp '^ +check +'
	refute_line --regexp '^ +(interchange|pool) '
	[ -z "$stderr" ]
}

@test "weft --version prints 'weft 0.1.0'" {
	run --separate-stderr weft --version
	assert_success
	assert_output 'weft 0.1.0'
	[ -z "$stderr" ]
}

@test "weft without a command prints usage to stderr and exits 2" {
	run -2 --separate-stderr weft
	assert_output ''
	[[ $stderr == *'usage: weft '* ]] || fail "no usage on stderr: $stderr"
}

@test "an unknown command is reported, exit 2" {
	run -2 --separate-stderr weft foo
	assert_output ''
	[[ $stderr == *"weft: unknown command 'foo'"* ]] ||
	    fail "stderr: $stderr"
	[ ! -e .weft ]
}

@test "weft run --help prints its usage and options, exit 0" {
	run --separate-stderr weft run --help
	assert_success
	assert_line --index 0 --regexp '^usage: weft run '
	assert_output --partial -- '-j'
	assert_output --partial -- '--run-dir'
	assert_output --partial -- '-q'
	assert_output --partial -- '-v'
	[ -z "$stderr" ]
}

@test "weft check --help prints its usage and options, exit 0" {
	run --separate-stderr weft check --help
	assert_success
	assert_line --index 0 --regexp '^usage: weft check '
	assert_output --partial -- '--dot'
	[ -z "$stderr" ]
}

@test "a bad option to run: message and a hint on stderr, exit 2" {
	good_flow
	run -2 --separate-stderr weft run --bogus flow.yaml
	assert_output ''
	assert_equal "$stderr" "weft run: unknown option '--bogus'
Try 'weft run --help'."
	[ ! -e .weft ]
	run -2 --separate-stderr weft run -x flow.yaml
	assert_equal "$stderr" "weft run: unknown option '-x'
Try 'weft run --help'."
	[ ! -e .weft ]
}

@test "a bad option to check: message and a hint on stderr, exit 2" {
	good_flow
	run -2 --separate-stderr weft check --bogus flow.yaml
	assert_output ''
	assert_equal "$stderr" "weft check: unknown option '--bogus'
Try 'weft check --help'."
}

@test "run and check without FILE: usage on stderr, exit 2" {
	run -2 --separate-stderr weft run
	assert_output ''
	[[ $stderr == *'usage: weft run '* ]] || fail "stderr: $stderr"
	run -2 --separate-stderr weft check
	assert_output ''
	[[ $stderr == *'usage: weft check '* ]] || fail "stderr: $stderr"
	[ ! -e .weft ]
}

@test "run -j rejects values outside 1..4096 and non-integers, exit 2" {
	local v

	good_flow
	for v in 0 -1 4097 99999999999999999999 -99999999999999999999 \
	    abc '' 1x 2.5 0x10 ' ' '1 2' '+'; do
		run -2 --separate-stderr weft run -j "$v" flow.yaml
		[ "$stderr" = "weft run: invalid -j value '$v': expected an integer from 1 to 4096" ] ||
		    fail "-j '$v': stderr is: $stderr"
		assert_output ''
		[ ! -e .weft ] || fail "-j '$v' created .weft"
	done
}

@test "run --jobs and --jobs= are validated like -j" {
	good_flow
	run -2 --separate-stderr weft run --jobs 0 flow.yaml
	assert_equal "$stderr" "weft run: invalid -j value '0': expected an integer from 1 to 4096"
	run -2 --separate-stderr weft run --jobs=5000 flow.yaml
	assert_equal "$stderr" "weft run: invalid -j value '5000': expected an integer from 1 to 4096"
	[ ! -e .weft ]
}

@test "run accepts -j 1, -j4096, --jobs 3 and --jobs=2" {
	good_flow
	run weft run -j 1 flow.yaml
	assert_success
	assert_line --index 0 --regexp '^weft: run 0001 in .*\(1 tasks?, 1 pool x 1 jobs?\)$'
	run weft run -j4096 flow.yaml
	assert_success
	assert_line --index 0 --regexp '\(1 tasks?, 1 pool x 4096 jobs\)$'
	run weft run --jobs 3 flow.yaml
	assert_success
	assert_line --index 0 --regexp '\(1 tasks?, 1 pool x 3 jobs\)$'
	run weft run --jobs=2 flow.yaml
	assert_success
	assert_line --index 0 --regexp '\(1 tasks?, 1 pool x 2 jobs\)$'
}

@test "run takes options after the workflow file too" {
	good_flow
	run weft run flow.yaml -q -j 1
	assert_success
	assert_line --index 0 --regexp '\(1 tasks?, 1 pool x 1 jobs?\)$'
	refute_line --regexp '^..:..:.. done '
}

@test "an empty --run-dir is a usage error, and nothing is created" {
	good_flow
	run -2 --separate-stderr weft run --run-dir '' flow.yaml
	assert_equal "$stderr" "weft run: --run-dir needs a directory name"
	[ ! -e .weft ]
	run -2 --separate-stderr weft runs --run-dir ''
	assert_equal "${stderr_lines[0]}" \
	    "weft runs: option '--run-dir' needs an argument"
}
