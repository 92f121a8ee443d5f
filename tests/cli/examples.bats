#!/usr/bin/env bats
# examples.bats: every example a user may copy works.  The workflows of
# weft-workflow(5) EXAMPLES (the blocks between "example-begin" and
# "example-end") pass weft check and run, each in a directory of its own
# (the plugin of the "functions" example built from weft-plugin(3)); the
# command lines of weft(1) EXAMPLES run on a copy of share/examples and
# print what the page shows; every share/examples/*.yaml passes weft
# check and runs in a copy, leaving the source tree as it was.

load setup

srcdir=${WEFT_SRCDIR:-/work/main}

# block PAGE NAME: the example NAME of PAGE, without its .Bd and .Ed
# lines and with the roff escapes \e and \& undone.
block()
{
	awk -v name="$2" '
	    $0 == ".\\\" example-begin " name { on = 1; next }
	    on && $0 == ".\\\" example-end" { exit }
	    on && /^\.(Bd|Ed)([ \t]|$)/ { next }
	    on {
		gsub(/\\&/, "")
		gsub(/\\e/, "\\")
		print
	    }' "$1"
}

# names PAGE: the names of the examples marked in PAGE.
names()
{
	sed -n 's/^\.\\" example-begin \([A-Za-z0-9_.-]*\)$/\1/p' "$1"
}

# weft1_examples: the literal blocks of weft(1) EXAMPLES, "$ " lines and
# the output under them, a line "--" between blocks.
weft1_examples()
{
	sed -n '/^\.Sh EXAMPLES/,/^\.Sh /p' "$srcdir/man/weft.1" |
	    awk '/^\.Bd/ { on = 1; next }
		/^\.Ed/ { on = 0; print "--"; next }
		on { gsub(/\\&/, ""); gsub(/\\e/, "\\"); print }'
}

@test "every workflow example of weft-workflow(5) checks and runs" {
	local name d n=0

	for name in $(names "$srcdir/man/weft-workflow.5"); do
		d=$WEFT_WORK/$name
		mkdir "$d"
		block "$srcdir/man/weft-workflow.5" "$name" >"$d/flow.yaml"
		[ -s "$d/flow.yaml" ] || fail "example '$name' is empty"
		if grep -q '^plugins:' "$d/flow.yaml"; then
			block "$srcdir/man/weft-plugin.3" stats.c >"$d/stats.c"
			# shellcheck disable=SC2086
			run ${CC:-cc} -shared -fPIC -Wall -Wextra \
			    -I"$srcdir/include" -o "$d/libstats.so" "$d/stats.c"
			assert_success
		fi
		run weft check "$d/flow.yaml"
		[ "$status" -eq 0 ] || fail "$name: weft check: $output"
		run weft run -q "$d/flow.yaml"
		[ "$status" -eq 0 ] || fail "$name: weft run: $output"
		assert_line --regexp '^summary: [0-9]+ tasks: [0-9]+ done in '
		n=$((n + 1))
	done
	[ "$n" -ge 3 ] || fail "only $n examples"
	# What the text around them says they do.
	run cat "$WEFT_WORK/functions/squares.txt"
	assert_output '4 9 16'
	[ ! -e "$WEFT_WORK/quoting/pwned" ] || fail "the quoting example ran code"
	run cat "$WEFT_WORK/full/.weft/runs/0001/tasks/show/try-0/stdout"
	assert_output 'show: mean is 110'
}

@test "the command lines of weft(1) EXAMPLES run and print what it shows" {
	local line cmd want= got n=0

	mkdir -p tree/share
	cp -R "$srcdir/share/examples" tree/share/
	rm -rf tree/share/examples/.weft tree/share/examples/out
	cd tree
	# Each "$ command" runs; the lines under it, up to the next command
	# or the block's end, are what it prints (when there are any).
	while IFS= read -r line; do
		if [[ $line == '$ '* || $line == -- ]]; then
			if [ -n "$cmd" ]; then
				# Graphviz is no dependency: the graph is checked,
				# not drawn.
				cmd=${cmd%% | dot *}
				# Runs kept out of the tree go to this test's
				# own folder, not to a shared /tmp.
				cmd=${cmd//\/tmp\/weft-runs/$WEFT_WORK/weft-runs}
				# "See the failed tasks of the newest run": where
				# the runs are.
				case $cmd in
				"weft tasks "*)	cmd="cd share/examples && $cmd" ;;
				esac
				got=$(eval "$cmd" 2>&1) ||
				    fail "'$cmd' failed: $got"
				[ -z "$want" ] || [ "$got" = "${want%$'\n'}" ] ||
				    fail "'$cmd' printed: $got; weft(1) shows: $want"
				n=$((n + 1))
			fi
			cmd=
			want=
			[[ $line == '$ '* ]] && cmd=${line#\$ }
		elif [ -n "$cmd" ]; then
			want+=$line$'\n'
		fi
	done < <(weft1_examples)
	[ "$n" -ge 7 ] || fail "only $n command lines in weft(1) EXAMPLES"
	[ -d "$WEFT_WORK/weft-runs/runs/0001" ] ||
	    fail "--run-dir /tmp/weft-runs made no run there"
	run cat share/examples/out/hello.txt
	assert_line 'hello, world'
}

@test "every share/examples/*.yaml checks and runs in a copy" {
	local f name n=0 before after

	before=$(cd "$srcdir/share/examples" && ls -A | sort)
	for f in "$srcdir"/share/examples/*.yaml; do
		name=${f##*/}
		mkdir "${name%.yaml}"
		# With the data files it reads (sweep.csv), not other runs'.
		(cd "$srcdir/share/examples" && find . -maxdepth 1 -type f \
		    ! -name '*.yaml' -exec cp {} "$OLDPWD/${name%.yaml}/" \;)
		cp "$f" "${name%.yaml}/"
		run weft check "${name%.yaml}/$name"
		[ "$status" -eq 0 ] || fail "$name: weft check: $output"
		run weft run -q "${name%.yaml}/$name"
		[ "$status" -eq 0 ] || fail "$name: weft run: $output"
		# The CI matrix has a failure it allows, and a step it skips.
		assert_line --regexp '^summary: [0-9]+ tasks: [0-9]+ done(, 1 failed, 1 skipped in .* \(1 allowed to fail\)$| in )'
		[ -d "${name%.yaml}/.weft/runs/0001" ] ||
		    fail "$name: no run directory next to the copy"
		n=$((n + 1))
	done
	[ "$n" -ge 5 ] || fail "only $n examples"
	run cat samples/out/report.txt
	assert_output "A kept=1080 min_len=30 aligned=yes
B kept=720 min_len=30 aligned=yes
C kept=1350 min_len=30 aligned=yes"
	run cat matrix/out/report.txt
	assert_line test-macos-clang.txt
	refute_line test-alpine-clang.txt
	[ ! -e matrix/out/deployed.txt ]
	after=$(cd "$srcdir/share/examples" && ls -A | sort)
	assert_equal "$after" "$before"
}
