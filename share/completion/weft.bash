# weft.bash: bash completion for weft(1), installed by "make install" as
# $(datadir)/bash-completion/completions/weft, where bash-completion
# loads it the first time "weft" is completed (or source it from
# ~/.bashrc).  It completes the commands, the options of each command,
# workflow files (*.yaml, *.yml) for run and check, run numbers from the
# run directory, and task ids for logs from "weft tasks --json".
#
# The option lists below are those "weft CMD --help" prints, one line a
# command; tests/cli/help.bats checks that every option of every --help
# is in them, so a new option fails that test until it is added here and
# in share/completion/_weft.

_weft_commands='run check status stop runs tasks logs report cache clean help'
_weft_opts_run='-j --jobs --retries --fail-fast --keep-going --resume --no-resume --dry-run -n -p --print --plugin --set --run-dir --json --junit --report --tail -q --quiet -v --verbose -h --help'
_weft_opts_check='--dot --json --plugin --set -h --help'
_weft_opts_status='--json --watch --interval --timeout --run-dir -f -C -h --help'
_weft_opts_stop='--kill --json --run-dir -f -C -h --help'
_weft_opts_runs='--json --run-dir -f -C -h --help'
_weft_opts_tasks='--tries --json --state --run-dir -f -C -h --help'
_weft_opts_logs='--stderr --both --try --follow --json --run-dir -f -C -h --help'
_weft_opts_report='-o --output --junit --run-dir -f -C -h --help'
_weft_opts_cache='--json --older-than --max-size --run-dir -f -C -h --help'
_weft_opts_clean='--keep --older-than --dry-run --run-dir -f -C -h --help'
_weft_opts_help='-h --help'
# The options that take an argument: the next word is theirs.
_weft_opts_arg='-j --jobs --retries --plugin --set --run-dir --junit --report --tail --interval --timeout --state --try -o --older-than --max-size --keep -f -C'

# _weft_rundir: the folder that holds runs/ and monitoring.db for the
# command line being completed: --run-dir DIR, else DIR/.weft for -C DIR,
# else .weft next to the workflow of -f FILE, else ./.weft.
_weft_rundir()
{
	local i w dir=.weft

	for ((i = 2; i < ${#_weft_words[@]} - 1; i++)); do
		w=${_weft_words[i - 1]}
		case $w in
		--run-dir)	dir=${_weft_words[i]} ;;
		-C)		dir=${_weft_words[i]}/.weft ;;
		-f)		dir=$(dirname -- "${_weft_words[i]}")/.weft ;;
		esac
	done
	printf '%s\n' "$dir"
}

# _weft_runs: the run numbers of that folder, one a line.
_weft_runs()
{
	local d r

	d=$(_weft_rundir)
	for r in "$d"/runs/[0-9][0-9][0-9][0-9]*; do
		[ -d "$r" ] && printf '%s\n' "${r##*/}"
	done
}

# _weft_tasks: the task ids of the newest run there, as weft tasks --json
# prints them (one "task" key a line); no jq needed.
_weft_tasks()
{
	weft tasks --json --run-dir "$(_weft_rundir)" 2>/dev/null |
	    sed -n 's/^    "task": "\(.*\)",$/\1/p' |
	    sed 's/\\"/"/g; s/\\\\/\\/g'
}

# _weft_reply WORD...: COMPREPLY gets the words that start with the word
# under the cursor.  That word is taken from the line itself, as bash
# splits "part[n=1" at the "=" into three words; each reply is cut to
# the part bash replaces and quoted for the shell.
_weft_reply()
{
	local full cw keep w

	full=${_weft_words[${#_weft_words[@]} - 1]}
	cw=${COMP_WORDS[COMP_CWORD]}
	cw=${cw//\\/}
	keep=${full%"$cw"}
	COMPREPLY=()
	for w in "$@"; do
		[[ $w == "$full"* ]] || continue
		w=${w#"$keep"}
		if [[ $w == [=:]* ]]; then
			COMPREPLY+=("${w:0:1}$(printf '%q' "${w:1}")")
		else
			COMPREPLY+=("$(printf '%q' "$w")")
		fi
	done
}

_weft()
{
	local cur prev cmd opts var i n line npos=0

	# The words up to the cursor, split at blanks only (bash's own
	# COMP_WORDS are split at "=" and ":" too); the last is the word
	# being completed, without backslashes and an opening quote.
	line=${COMP_LINE:0:COMP_POINT}
	read -ra _weft_words <<<"$line"
	[[ $line == *[[:space:]] || -z $line ]] && _weft_words+=("")
	n=$((${#_weft_words[@]} - 1))
	cur=${_weft_words[n]//\\/}
	cur=${cur#[\'\"]}
	_weft_words[n]=$cur
	prev=${_weft_words[n - 1]}
	if [ "$n" -eq 1 ]; then
		# shellcheck disable=SC2207
		COMPREPLY=($(compgen -W "$_weft_commands --help --version" \
		    -- "$cur"))
		return
	fi
	cmd=${_weft_words[1]}
	var=_weft_opts_$cmd
	opts=${!var-}
	[ -n "$opts" ] || return

	# The argument of an option.
	case " $_weft_opts_arg " in
	*" $prev "*)
		case $prev in
		--run-dir|-C)
			# shellcheck disable=SC2207
			COMPREPLY=($(compgen -d -- "$cur")) ;;
		-f|--plugin|--junit|--report|-o)
			# shellcheck disable=SC2207
			COMPREPLY=($(compgen -f -- "$cur")) ;;
		--state)
			# shellcheck disable=SC2207
			COMPREPLY=($(compgen -W "done cached failed dep_fail skipped \
			    killed not_run pending running timeout lost" \
			    -- "$cur")) ;;
		esac
		return ;;
	esac
	if [[ $cur == -* ]]; then
		# shellcheck disable=SC2207
		COMPREPLY=($(compgen -W "$opts" -- "$cur"))
		return
	fi

	# Which operand is this: count the words before it that are neither
	# options nor their arguments.
	for ((i = 2; i < n; i++)); do
		case ${_weft_words[i]} in
		-*)	case " $_weft_opts_arg " in
			*" ${_weft_words[i]} "*) ((i++)) ;;
			esac ;;
		*)	((npos++)) ;;
		esac
	done
	case $cmd in
	run|check)
		compopt -o filenames 2>/dev/null
		# shellcheck disable=SC2207
		COMPREPLY=($(compgen -f -X '!*.yaml' -- "$cur") \
		    $(compgen -f -X '!*.yml' -- "$cur") \
		    $(compgen -d -- "$cur")) ;;
	status|stop|tasks|report)
		# shellcheck disable=SC2046
		[ "$npos" -eq 0 ] && _weft_reply $(_weft_runs) ;;
	logs)
		if [ "$npos" -eq 0 ]; then
			local -a tasks
			mapfile -t tasks < <(_weft_tasks)
			_weft_reply "${tasks[@]}"
		elif [ "$npos" -eq 1 ]; then
			# shellcheck disable=SC2046
			_weft_reply $(_weft_runs)
		fi ;;
	cache)
		# shellcheck disable=SC2207
		[ "$npos" -eq 0 ] &&
		    COMPREPLY=($(compgen -W "list prune clear" -- "$cur")) ;;
	help)
		# shellcheck disable=SC2207
		[ "$npos" -eq 0 ] &&
		    COMPREPLY=($(compgen -W "$_weft_commands" -- "$cur")) ;;
	esac
}

complete -F _weft weft
