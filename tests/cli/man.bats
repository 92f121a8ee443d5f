#!/usr/bin/env bats
#
# man.bats: the manual pages and examples agree with the program.  The
# example workflows in weft-workflow(5) are checked and run, the shipped
# examples in share/examples are checked and run, every long option that
# "weft CMD --help" prints is documented in weft(1), and the SYNOPSIS of
# weft(1) matches the usage lines (like git's t0450).

load setup

srcdir=${WEFT_SRCDIR:-/work/main}
man1=$srcdir/man/weft.1
man5=$srcdir/man/weft-workflow.5

# example_names: the names of the examples marked in weft-workflow(5).
example_names()
{
	sed -n 's/^\.\\" example-begin \([A-Za-z0-9_-]*\)$/\1/p' "$man5"
}

# example NAME: prints that example, without the .Bd/.Ed lines and with
# the roff escapes \e and \& undone.
example()
{
	awk -v name="$1" '
	    $0 == ".\\\" example-begin " name { on = 1; next }
	    on && $0 == ".\\\" example-end" { exit }
	    on && /^\.(Bd|Ed)([ \t]|$)/ { next }
	    on {
		gsub(/\\&/, "")
		gsub(/\\e/, "\\")
		print
	    }' "$man5"
}

# workdir NAME: a fresh directory for one workflow, inside this test's
# work directory, printed.
workdir()
{
	local d="$WEFT_WORK/$1"

	mkdir -p "$d"
	echo "$d"
}

# commands: the commands "weft --help" lists (the internal roles are
# hidden), one per line.
commands()
{
	weft --help | sed -n '/^commands:/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p'
}

# render PAGE: the page as plain text, or status 1 without a formatter.
render()
{
	if command -v mandoc >/dev/null 2>&1; then
		mandoc -T ascii -O width=400 "$1"
	elif command -v man >/dev/null 2>&1; then
		LC_ALL=C MANWIDTH=400 man -l "$1" 2>/dev/null
	else
		return 1
	fi | sed 's/.\x08//g'
}

@test "weft-workflow(5) marks its examples" {
	run example_names
	assert_success
	assert_line full
	assert_line quoting
}

@test "every example in weft-workflow(5) passes weft check" {
	local name d

	for name in $(example_names); do
		d=$(workdir "$name")
		example "$name" >"$d/flow.yaml"
		[ -s "$d/flow.yaml" ] || fail "example '$name' is empty"
		# A plugin's example needs the plugin built: examples.bats.
		grep -q '^plugins:' "$d/flow.yaml" && continue
		run weft check "$d/flow.yaml"
		[ "$status" -eq 0 ] ||
		    fail "example '$name' fails weft check: $output"
	done
}

@test "the full example in weft-workflow(5) has the counts it states" {
	local d

	d=$(workdir full)
	example full >"$d/flow.yaml"
	cd "$d"
	run weft check flow.yaml
	assert_success
	assert_line 'flow.yaml: ok'
	assert_line 'name: sweep'
	assert_line 'tasks: 8'
	assert_line 'edges: 7'
	assert_line 'roots: 6'
}

@test "the full example in weft-workflow(5) runs as described" {
	local d

	d=$(workdir full)
	example full >"$d/flow.yaml"
	cd "$d"
	run weft run -q flow.yaml
	assert_success
	assert_line --partial 'summary: 8 tasks: 8 done'
	run cat out/mean.txt
	assert_output 110
	run cat .weft/runs/0001/tasks/show/try-0/stdout
	assert_output 'show: mean is 110'
	[ -f 'out/sim-3-100.txt' ]
	run weft logs --json 'sim[seed=3,scale=100]'
	assert_success
	assert_output --partial '/.weft/runs/0001/tasks/sim[seed=3,scale=100]/try-0/stdout"'
}

@test "the quoting example in weft-workflow(5) keeps values as text" {
	local d

	d=$(workdir quoting)
	example quoting >"$d/flow.yaml"
	cd "$d"
	run weft run -q flow.yaml
	assert_success
	[ ! -e pwned ] || fail "a value was run as shell code"
	run cat .weft/runs/0001/tasks/quote/try-0/stdout
	assert_output "'; touch pwned; echo '"
	run cat .weft/runs/0001/tasks/subst/try-0/stdout
	assert_output '$(echo injected)'
}

@test "share/examples pass weft check" {
	local f

	for f in "$srcdir"/share/examples/*.yaml; do
		run weft check "$f"
		[ "$status" -eq 0 ] || fail "$f fails weft check: $output"
		assert_line "$f: ok"
	done
}

@test "share/examples/hello.yaml runs and writes out/hello.txt" {
	local d

	d=$(workdir hello)
	cp "$srcdir/share/examples/hello.yaml" "$d/"
	cd "$d"
	run weft run hello.yaml
	assert_success
	assert_line --partial 'summary: 4 tasks: 4 done'
	run cat out/hello.txt
	assert_output "hello, world
hello, moon
hello, sun"
	run cat '.weft/runs/0001/tasks/greet[who=world]/try-0/stdout'
	assert_output 'hello, world'
}

@test "share/examples/pipeline.yaml runs and verifies its sum" {
	local d

	d=$(workdir pipeline)
	cp "$srcdir/share/examples/pipeline.yaml" "$d/"
	cd "$d"
	run weft run -q pipeline.yaml
	assert_success
	assert_line --partial 'summary: 10 tasks: 10 done'
	run cat out/sum.txt
	assert_output 22140
	run cat .weft/runs/0001/tasks/verify/try-0/stdout
	assert_output ok
}

@test "weft --help lists the documented commands" {
	run commands
	assert_success
	assert_line run
	assert_line check
	assert_line runs
	assert_line tasks
}

@test "every long option in --help is documented in weft(1)" {
	local cmd opt missing=

	for cmd in "" $(commands); do
		run weft $cmd --help
		assert_success
		for opt in $(printf '%s\n' "$output" |
		    grep -o -- '--[a-z][a-z0-9-]*' | sort -u); do
			grep -q -- "Fl -${opt#--}\\b" "$man1" ||
			    missing="$missing weft $cmd $opt;"
		done
	done
	[ -z "$missing" ] || fail "not in man/weft.1:$missing"
}

@test "the SYNOPSIS of weft(1) matches the usage lines" {
	local page synopsis cmd usage

	page=$(render "$man1") || skip "neither mandoc nor man is installed"
	synopsis=$(printf '%s\n' "$page" |
	    sed -n '/^SYNOPSIS/,/^[A-Z]/p' | sed 's/^ *//')
	for cmd in "" $(commands); do
		run weft $cmd --help
		assert_success
		usage=$(printf '%s\n' "$output" | sed -n 's/^usage: //p' |
		    head -n 1)
		[ -n "$usage" ] || fail "'weft $cmd --help' prints no usage line"
		printf '%s\n' "$synopsis" | grep -qxF -- "$usage" ||
		    fail "'$usage' is not in the SYNOPSIS of man/weft.1"
	done
}

@test "the manual pages have no mandoc warnings" {
	command -v mandoc >/dev/null 2>&1 || skip "mandoc is not installed"
	run mandoc -T lint -W warning "$man1" "$man5" "$srcdir/man/weft-plugin.3" \
	    "$srcdir/man/weft-internals.7"
	assert_success
	assert_output ''
}

# The map of the sources in weft-internals(7), SOURCE LAYOUT: the .c
# files it names, one a line, with "a , b" lists split.
layout_files()
{
	sed -n '/^\.Sh SOURCE LAYOUT/,/^\.Sh /p' "$srcdir/man/weft-internals.7" |
	    sed -n 's/^\.It Pa //p' | tr ',' '\n' | tr -d ' ' | grep '\.c$' |
	    sort
}

@test "weft-internals(7) maps every source file, and no file that is gone" {
	local want got

	want=$(cd "$srcdir/src" && ls *.c | sort)
	got=$(layout_files)
	[ -n "$got" ] || fail "no SOURCE LAYOUT in weft-internals(7)"
	[ "$got" = "$want" ] || fail "weft-internals(7) SOURCE LAYOUT differs from src/:
$(diff <(echo "$want") <(echo "$got"))"
}

@test "every bottom-layer file of weft-internals(7) has its own unit test" {
	local f missing=

	for f in $(sed -n '/^\.Ss The bottom layer/,/^\.S[sh] /p' \
	    "$srcdir/man/weft-internals.7" | sed -n 's/^\.It Pa //p' |
	    tr ',' '\n' | tr -d ' ' | grep '\.c$'); do
		[ -f "$srcdir/tests/unit/test-${f%.c}.c" ] || missing="$missing $f"
	done
	[ -z "$missing" ] || fail "no tests/unit/test-X.c for:$missing"
}
