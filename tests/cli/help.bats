#!/usr/bin/env bats
# help.bats: the command line as a shell user meets it.  For every
# command that "weft --help" lists: each option of "weft CMD --help" is
# in its usage line, in weft(1) and in both completion files; "weft help
# CMD" prints what "weft CMD --help" prints; a mistyped option or command
# gets a did-you-mean and a one-line hint; every error starts with
# "weft CMD:".  Then the bash completion is run for real (sourced, its
# function called with COMP_WORDS set) and the zsh one with zsh.

load setup

srcdir=${WEFT_SRCDIR:-/work/main}
man1=$srcdir/man/weft.1
bashcomp=$srcdir/share/completion/weft.bash
zshcomp=$srcdir/share/completion/_weft

# commands: the commands that weft --help lists, one a line.
commands()
{
	weft --help | sed -n '/^commands:/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p'
}

# help_options CMD: the options the option lines of "weft CMD --help"
# name ("-j, --jobs N" gives -j and --jobs), one a line.
help_options()
{
	weft "$1" --help | grep -E '^ +-' |
	    sed -E 's/^ +//; s/  .*//' | grep -oE -- '(^|[ ,])--?[a-zA-Z0-9][a-z0-9-]*' |
	    sed -E 's/^[ ,]//' | sort -u
}

# comp_options FILE CMD: the option list of CMD in a completion file.
comp_options()
{
	sed -n -e "s/^_weft_opts_$2='\\(.*\\)'\$/\\1/p" \
	    -e "s/^_weft_opts\\[$2\\]='\\(.*\\)'\$/\\1/p" "$1" | tr ' ' '\n'
}

# comp_commands FILE: the command list of a completion file.
comp_commands()
{
	sed -n -e "s/^_weft_commands='\\(.*\\)'\$/\\1/p" \
	    -e "s/^_weft_commands=(\\(.*\\))\$/\\1/p" "$1" | tr ' ' '\n'
}

@test "every command has options in its --help, and the lists are found" {
	local cmd n=0

	for cmd in $(commands); do
		run help_options "$cmd"
		assert_success
		assert_line -- --help
		n=$((n + 1))
	done
	[ "$n" -ge 6 ] || fail "only $n commands"
	run comp_options "$bashcomp" run
	assert_line -- --retries
	run comp_options "$zshcomp" run
	assert_line -- --retries
}

@test "every option of every --help is in its usage line" {
	local cmd opt usage tokens shorts s missing=

	for cmd in $(commands); do
		# A command with subcommands has a usage line for each.
		usage=$(weft "$cmd" --help |
		    sed -nE 's/^(usage: |       weft )//p')
		tokens=$(printf '%s\n' "$usage" |
		    grep -oE -- '--?[a-zA-Z][a-zA-Z0-9-]*')
		# Short options, bundled or not: "[-qv]" lists -q and -v.
		shorts=$(printf '%s\n' "$tokens" | grep -E '^-[a-zA-Z]+$' |
		    tr -d '\n-')
		for opt in $(help_options "$cmd"); do
			case $opt in -h|--help) continue ;; esac
			printf '%s\n' "$tokens" | grep -qxF -- "$opt" && continue
			case $opt in
			--*)	# Or its short form: "-j, --jobs N".
				s=$(weft "$cmd" --help | sed -nE \
				    "s/^ +-([a-zA-Z]), $opt( .*)?\$/\\1/p") ;;
			*)	s=${opt#-} ;;
			esac
			[ -n "$s" ] && [[ $shorts == *"$s"* ]] && continue
			missing="$missing weft $cmd $opt;"
		done
	done
	[ -z "$missing" ] || fail "not in the usage line:$missing"
}

@test "every option of every --help is in weft(1)" {
	local cmd opt missing=

	for cmd in $(commands); do
		grep -qE "^\\.Cm $cmd( |\$)" "$man1" ||
		    missing="$missing command $cmd;"
		for opt in $(help_options "$cmd"); do
			grep -qE -- "Fl ${opt#-}( |\$)" "$man1" ||
			    missing="$missing weft $cmd $opt;"
		done
	done
	[ -z "$missing" ] || fail "not in man/weft.1:$missing"
}

@test "every command and option is in the bash and the zsh completion" {
	local f cmd opt opts comp missing=

	for cmd in $(commands); do
		opts=$(help_options "$cmd")
		for f in "$bashcomp" "$zshcomp"; do
			comp_commands "$f" | grep -qxF -- "$cmd" ||
			    missing="$missing ${f##*/}: command $cmd;"
			comp=$(comp_options "$f" "$cmd")
			for opt in $opts; do
				printf '%s\n' "$comp" | grep -qxF -- "$opt" ||
				    missing="$missing ${f##*/}: $cmd $opt;"
			done
		done
	done
	[ -z "$missing" ] || fail "not completed:$missing"
}

@test "weft help CMD prints what weft CMD --help prints" {
	local cmd want

	for cmd in $(commands); do
		want=$(weft "$cmd" --help)
		run --separate-stderr weft help "$cmd"
		assert_success
		assert_output "$want"
		[ -z "$stderr" ] || fail "help $cmd: stderr: $stderr"
	done
	want=$(weft --help)
	run weft help
	assert_success
	assert_output "$want"
	assert_line --index 1 '       weft help [COMMAND]'
	run weft help --help
	assert_success
	assert_output "$want"
}

@test "an unknown command: did you mean, a hint, exit 2" {
	run -2 --separate-stderr weft rnu flow.yaml
	assert_output ''
	assert_equal "$stderr" "weft: unknown command 'rnu'; did you mean 'run'?
Try 'weft --help'."
	run -2 --separate-stderr weft chekc
	assert_equal "$stderr" "weft: unknown command 'chekc'; did you mean 'check'?
Try 'weft --help'."
	# Far from every command: no guess.
	run -2 --separate-stderr weft frobnicate
	assert_equal "$stderr" "weft: unknown command 'frobnicate'
Try 'weft --help'."
	run -2 --separate-stderr weft help tsaks
	assert_output ''
	assert_equal "$stderr" "weft help: unknown command 'tsaks'; did you mean 'tasks'?
Try 'weft --help'."
	# The helper roles are no commands for the user.
	run -2 --separate-stderr weft help pool
	assert_equal "$stderr" "weft help: unknown command 'pool'
Try 'weft --help'."
	[ ! -e .weft ]
}

@test "an unknown option: did you mean, a hint instead of the usage, exit 2" {
	run -2 --separate-stderr weft tasks --jsno
	assert_output ''
	assert_equal "$stderr" "weft tasks: unknown option '--jsno'; did you mean '--json'?
Try 'weft tasks --help'."
	run -2 --separate-stderr weft status --intreval=2
	assert_equal "$stderr" "weft status: unknown option '--intreval=2'; did you mean '--interval'?
Try 'weft status --help'."
	run -2 --separate-stderr weft run --rundir x flow.yaml
	assert_equal "$stderr" "weft run: unknown option '--rundir'; did you mean '--run-dir'?
Try 'weft run --help'."
	run -2 --separate-stderr weft stop --bogus
	assert_equal "$stderr" "weft stop: unknown option '--bogus'
Try 'weft stop --help'."
	run -2 --separate-stderr weft check -z flow.yaml
	assert_equal "$stderr" "weft check: unknown option '-z'
Try 'weft check --help'."
	# A prefix of two options, an argument where none is taken, none
	# where one is needed.
	run -2 --separate-stderr weft run --re flow.yaml
	assert_equal "$stderr" "weft run: option '--re' is ambiguous; possibilities: '--retries' '--resume' '--report'
Try 'weft run --help'."
	run -2 --separate-stderr weft runs --json=yes
	assert_equal "$stderr" "weft runs: option '--json' takes no argument
Try 'weft runs --help'."
	run -2 --separate-stderr weft tasks --state
	assert_equal "$stderr" "weft tasks: option '--state' needs an argument
Try 'weft tasks --help'."
	[ ! -e .weft ]
}

@test "every command guesses each of its long options from a slip" {
	local cmd opt typo

	for cmd in $(commands); do
		for opt in $(help_options "$cmd" | grep -- '^--'); do
			# Two neighbouring letters swapped: "--json" -> "--josn".
			typo=${opt:0:3}${opt:4:1}${opt:3:1}${opt:5}
			[ "$typo" != "$opt" ] || continue
			run -2 --separate-stderr weft "$cmd" "$typo"
			[[ ${stderr_lines[0]} == "weft $cmd: "*"did you mean '$opt'?" ]] ||
			    fail "weft $cmd $typo: $stderr"
			assert_equal "${stderr_lines[1]}" "Try 'weft $cmd --help'."
		done
	done
}

@test "every error of every command starts with weft CMD:" {
	local cmd line

	# A sample that every command has: a bad option, too many operands.
	for cmd in $(commands); do
		[ "$cmd" = help ] && continue
		for args in "--no-such-option" "a b c d e f"; do
			# shellcheck disable=SC2086
			run --separate-stderr weft "$cmd" $args
			[ "$status" -eq 2 ] || fail "weft $cmd $args: exit $status"
			[[ $stderr == "weft $cmd: "* ]] ||
			    fail "weft $cmd $args: stderr: $stderr"
		done
	done
	# And one more of each: a missing workflow, no run, no database.
	run -2 --separate-stderr weft run nope.yaml
	assert_equal "$stderr" "weft run: cannot read 'nope.yaml': No such file or directory"
	run -2 --separate-stderr weft check nope.yaml
	assert_equal "$stderr" "weft check: cannot read 'nope.yaml': No such file or directory"
	run -2 --separate-stderr weft run
	assert_equal "${stderr_lines[0]}" "weft run: missing FILE"
	run -2 --separate-stderr weft run --run-dir '' flow.yaml
	assert_equal "$stderr" "weft run: --run-dir needs a directory name"
	run -2 --separate-stderr weft run -j 0 flow.yaml
	assert_equal "$stderr" "weft run: invalid -j value '0': expected an integer from 1 to 4096"
	run -2 --separate-stderr weft status
	assert_equal "${stderr_lines[0]}" "weft status: no runs found: no .weft in $PWD or any folder above it"
	mkdir -p .weft/runs
	run -2 --separate-stderr weft status
	assert_equal "$stderr" "weft status: no live run in .weft/runs"
	run -2 --separate-stderr weft status --interval 0
	assert_equal "$stderr" "weft status: invalid --interval '0': expected seconds from 0.05 to 3600"
	run -2 --separate-stderr weft stop 7
	assert_equal "$stderr" "weft stop: no run 0007 in .weft"
	run -2 --separate-stderr weft stop x
	assert_equal "$stderr" "weft stop: invalid run 'x': expected a run number such as 7 or 0007"
	run -2 --separate-stderr weft runs
	assert_equal "$stderr" "weft runs: no monitoring database at .weft/monitoring.db"
	run -2 --separate-stderr weft tasks
	assert_equal "$stderr" "weft tasks: no monitoring database at .weft/monitoring.db"
	rm -r .weft
	run -2 --separate-stderr weft tasks --state nope
	[[ $stderr == "weft tasks: invalid --state value 'nope': "* ]] ||
	    fail "stderr: $stderr"
	# A workflow error names the file, as compilers do; a plugin given
	# on the command line names the command.
	printf 'weft: 1\nmain: []\nbogus: 1\n' >flow.yaml
	run -2 --separate-stderr weft check flow.yaml
	[[ ${stderr_lines[0]} == "flow.yaml:"* ]] || fail "stderr: $stderr"
	printf 'weft: 1\napps:\n  t: {command: "true"}\nmain:\n  - {id: t, app: t}\n' >flow.yaml
	run -2 --separate-stderr weft check --plugin x flow.yaml
	[[ $stderr == "weft check: invalid --plugin 'x': "* ]] ||
	    fail "stderr: $stderr"
	[ ! -e .weft ]
}

# complete LINE: runs the bash completion of LINE, the cursor at its end,
# in a bash that has sourced the completion file, with COMP_WORDS split
# as bash splits them (at blanks, and "=" and ":" as words of their
# own); prints COMPREPLY one a line, sorted.
complete()
{
	bash -c '
	    source "$1" || exit 99
	    line=$2
	    COMP_LINE=$line
	    COMP_POINT=${#line}
	    read -ra COMP_WORDS <<<"$(printf "%s" "$line" |
	        sed "s/\([=:]\)/ \1 /g")"
	    case $line in *" ") COMP_WORDS+=("") ;; esac
	    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	    COMPREPLY=()
	    _weft
	    [ ${#COMPREPLY[@]} -eq 0 ] || printf "%s\n" "${COMPREPLY[@]}" |
	        sort' bash "$bashcomp" "$1"
}

# A "weft" on PATH for the completion to call.
weft_on_path()
{
	mkdir -p "$WEFT_WORK/bin"
	ln -sf "$WEFT" "$WEFT_WORK/bin/weft"
	PATH=$WEFT_WORK/bin:$PATH
}

@test "bash completion: commands, options, option values" {
	run bash -n "$bashcomp"
	assert_success
	run complete 'weft ru'
	assert_output 'run
runs'
	run complete 'weft run --re'
	assert_line -- --retries
	assert_line -- --resume
	refute_line -- --run-dir
	run complete 'weft tasks --st'
	assert_output -- '--state'
	run complete 'weft tasks --state fa'
	assert_output 'failed'
	run complete 'weft help st'
	assert_output 'status
stop'
	run complete 'weft --he'
	assert_output -- '--help'
	# An option's value is not an option: -j takes a number.
	run complete 'weft run -j '
	assert_output ''
}

@test "bash completion: workflow files for run and check, folders for --run-dir" {
	mkdir sub elsewhere
	touch a.yaml b.yml c.txt sub/d.yaml
	run complete 'weft run '
	assert_output 'a.yaml
b.yml
elsewhere
sub'
	run complete 'weft check -'
	assert_line -- --dot
	run complete 'weft check a'
	assert_output 'a.yaml'
	run complete 'weft run --run-dir e'
	assert_output 'elsewhere'
}

@test "bash completion: run numbers and task ids of real runs" {
	weft_on_path
	write_flow <<'EOF'
weft: 1
apps:
  t: {command: "true"}
main:
  - {id: part, app: t, foreach: {n: "1..3"}}
  - {id: sum, app: t, needs: part}
EOF
	run weft run -q flow.yaml
	assert_success
	run weft run -q flow.yaml
	assert_success
	run weft run -q --run-dir other flow.yaml
	assert_success
	run complete 'weft tasks '
	assert_output '0001
0002'
	run complete 'weft stop 000'
	assert_output '0001
0002'
	run complete 'weft status --run-dir other '
	assert_output '0001'
	# Nothing after the one RUN operand.
	run complete 'weft tasks 0001 '
	assert_output ''
	# "weft logs TASK [RUN]": task ids of the newest run, then runs.
	run complete 'weft logs '
	assert_output 'part\[n=1\]
part\[n=2\]
part\[n=3\]
sum'
	run complete 'weft logs su'
	assert_output 'sum'
	run complete 'weft logs part[n'
	assert_output 'part\[n=1\]
part\[n=2\]
part\[n=3\]'
	# bash splits "part[n=2" at the "=": the reply is the rest of the id.
	run complete 'weft logs part[n=2'
	assert_output '2\]'
	run complete 'weft logs part[n='
	assert_output '=1\]
=2\]
=3\]'
	run complete 'weft logs sum 000'
	assert_output '0001
0002'
	# No weft on PATH, no database: no task ids, and no error.
	run complete 'weft logs --run-dir nowhere '
	assert_success
	assert_output ''
}

# zcomplete WORD...: runs the zsh completion for the words (the last is
# the one under the cursor), with compadd and _files replaced by
# functions that print what they were given.
zcomplete()
{
	zsh -f -c '
	    compadd() { [[ $1 == -- ]] && shift; print -rl -- "$@"; }
	    _files() { print -r -- "_files $*"; }
	    words=("${@:2}")
	    CURRENT=$#words
	    PREFIX=${words[CURRENT]}
	    comp() { source "$1"; }
	    comp "$1"' zsh "$zshcomp" "$@"
}

@test "zsh completion: commands, options, files, runs and task ids" {
	weft_on_path
	run zsh -n "$zshcomp"
	assert_success
	run zcomplete weft ''
	assert_line run
	assert_line tasks
	run zcomplete weft run --re
	assert_line -- --retries
	assert_line -- --resume
	run zcomplete weft check ''
	assert_output '_files -g *.(yaml|yml)(-.)'
	run zcomplete weft tasks --state ''
	assert_line failed
	write_flow <<'EOF'
weft: 1
apps:
  t: {command: "true"}
main:
  - {id: part, app: t, foreach: {n: "1..2"}}
EOF
	run weft run -q flow.yaml
	assert_success
	run zcomplete weft status ''
	assert_output '0001'
	run zcomplete weft logs ''
	assert_output 'part[n=1]
part[n=2]'
	run zcomplete weft logs 'part[n=1]' ''
	assert_output '0001'
}
