#!/usr/bin/env bats
#
# cioutput.bats: what weft run prints when stdout is not a terminal, as
# in CI: every task line starts with the time (HH:MM:SS), a failure's
# last --tail lines of stderr (20 by default) come indented right under
# its failed line, a progress line comes every period (WEFT_PROGRESS_MS
# here, 10 s by default) or when another tenth of the tasks finished;
# under GitHub Actions ::error annotations with their escapes and
# ::group:: blocks, under GitLab CI collapsed sections.

load setup

# A task "bad" that writes "line 1" to "line N" on stderr and fails.
flow_lines()
{
	write_flow <<EOF
weft: 1
config: {jobs: 2}
apps:
  noisy: {command: "for i in \$(seq 1 $1); do echo line \$i >&2; done; exit 3"}
  ok: {command: "true"}
main:
  - {id: bad, app: noisy}
  - {id: good, app: ok}
EOF
}

# under_failed ID: sets UNDER to the lines right after ID's failed line
# that are indented (the tail), one a line.
under_failed()
{
	UNDER=$(awk -v id="$1" '
	    $0 ~ /^[0-2][0-9]:[0-5][0-9]:[0-6][0-9] failed   / &&
	    $3 == id { on = 1; next }
	    on && /^    / { print; next }
	    { on = 0 }' <<<"$output")
}

@test "--tail 3: the last 3 lines of stderr right under the failed line" {
	flow_lines 25
	run -1 weft run --tail 3 flow.yaml
	assert_event 'failed   bad exit 3'
	under_failed bad
	[ "$UNDER" = "$(printf '    line %s\n' 23 24 25)" ] ||
	    fail "tail under the failed line: '$UNDER' in: $output"
	# Right under it: the next line after the failed line is the first.
	run grep -A1 -E '^..:..:.. failed   bad ' <<<"$output"
	assert_line --index 1 '    line 23'
}

@test "the default tail is 20 lines; --tail 0 prints none" {
	flow_lines 25
	run -1 weft run flow.yaml
	under_failed bad
	[ "$UNDER" = "$(printf '    line %s\n' $(seq 6 25))" ] ||
	    fail "default tail: '$UNDER' in: $output"
	rm -rf .weft
	run -1 weft run --tail 0 flow.yaml
	assert_event 'failed   bad exit 3'
	refute_line --regexp '^    '
	refute_line --partial 'line 25'
	# The summary still says where the whole stderr is.
	assert_line --regexp '^failed bad: exit 3, stderr in .*/tasks/bad/try-0/stderr$'
}

@test "a stderr shorter than the tail is shown whole; an empty one not at all" {
	write_flow <<'EOF'
weft: 1
apps:
  two: {command: "echo first >&2; echo second >&2; exit 4"}
  mute: {command: "exit 5"}
main:
  - {id: a, app: two}
  - {id: b, app: mute}
EOF
	run -1 weft run flow.yaml
	under_failed a
	[ "$UNDER" = "$(printf '    %s\n' first second)" ] ||
	    fail "tail of a: '$UNDER' in: $output"
	under_failed b
	[ -z "$UNDER" ] || fail "tail of b: '$UNDER' in: $output"
	assert_event 'failed   b exit 5'
}

@test "--tail takes 0 to 10000; anything else is a usage error" {
	flow_lines 1
	for bad in -1 x 10001 ''; do
		run -2 weft run --tail "$bad" flow.yaml
		assert_line --index 0 "weft run: invalid --tail value '$bad': expected an integer from 0 to 10000"
	done
	[ ! -d .weft ] || fail "a refused run left .weft"
}

@test "every task line starts with the time of day, HH:MM:SS" {
	write_flow <<'EOF'
weft: 1
config: {jobs: 2}
apps:
  ok: {command: "true"}
  bad: {command: "exit 2"}
main:
  - {id: a, app: ok, foreach: {i: "1..4"}}
  - {id: b, app: bad}
  - {id: c, app: ok, needs: b}
EOF
	local t0 t1
	export TZ=UTC
	t0=$(date +%s)
	run -1 weft run flow.yaml
	t1=$(date +%s)
	local n=0 l hms s
	for l in "${lines[@]}"; do
		case $l in
		'weft: run '*|'summary: '*|'failed b: '*) continue ;;
		esac
		[[ $l =~ ^([0-2][0-9]):([0-5][0-9]):([0-6][0-9])\ (done|failed|dep_fail)\  ]] ||
		    fail "a line without its time: '$l' in: $output"
		# Within the run, by the clock of the test (UTC).
		hms=$((10#${BASH_REMATCH[1]} * 3600 + 10#${BASH_REMATCH[2]} * 60 + 10#${BASH_REMATCH[3]}))
		s=$((t0 % 86400))
		[ "$hms" -ge "$s" ] && [ "$hms" -le $((t1 % 86400 + (t1 / 86400 - t0 / 86400) * 86400)) ] ||
		    fail "time of '$l' not between $t0 and $t1"
		n=$((n + 1))
	done
	[ "$n" -eq 6 ] || fail "$n task lines, not 6: $output"
	assert_line --regexp '^..:..:.. dep_fail c \(needs b\)$'
}

@test "a progress line every period while nothing finishes" {
	write_flow <<'EOF'
weft: 1
apps:
  nap: {command: "sleep 2.5"}
main:
  - {id: nap, app: nap}
EOF
	WEFT_PROGRESS_MS=500 run -0 weft run flow.yaml
	local re='^[0-2][0-9]:[0-5][0-9]:[0-6][0-9] progress 0/1 \(0%\): 1 running, 0 queued, 0 failed, 0 retried, 0 cached; 0\.0 tasks/s, [0-9]+s elapsed, ETA \?$'
	local n
	n=$(grep -cE "$re" <<<"$output")
	# 2.5 s at one every 0.5 s, the first once the pool runs the task.
	[ "$n" -ge 3 ] && [ "$n" -le 6 ] ||
	    fail "$n progress lines, not 3 to 6: $output"
	# None after everything finished.
	run grep -A10 -E '^..:..:.. done +nap ' <<<"$output"
	refute_line --partial ' progress '
}

@test "a progress line whenever another tenth of the tasks finished" {
	# A period far longer than the run: only the tenths make lines.
	write_flow <<'EOF'
weft: 1
config: {jobs: 1}
apps:
  nap: {command: "sleep 0.6"}
main:
  - {id: t, app: nap, foreach: {i: "1..8"}}
EOF
	WEFT_PROGRESS_MS=600000 run -0 weft run flow.yaml
	local re='^..:..:.. progress ([0-9])/8 \(([0-9]+)%\): [01] running, [0-9] queued, 0 failed, 0 retried, 0 cached; [0-9.]+ tasks/s, [0-9]+s elapsed, ETA [0-9]+s$'
	local l last=0 n=0
	for l in "${lines[@]}"; do
		[[ $l == *' progress '* ]] || continue
		[[ $l =~ $re ]] || fail "progress line '$l'"
		# More done each time, and at least one more (an eighth).
		[ "${BASH_REMATCH[1]}" -gt "$last" ] || fail "no progress: $output"
		[ "${BASH_REMATCH[2]}" -eq $((BASH_REMATCH[1] * 100 / 8)) ] ||
		    fail "percentage of '$l'"
		last=${BASH_REMATCH[1]}
		n=$((n + 1))
	done
	# 4.8 s of tasks: a line at most every second.
	[ "$n" -ge 2 ] && [ "$n" -le 6 ] || fail "$n progress lines: $output"
}

@test "--quiet prints no task, tail or progress line" {
	flow_lines 3
	WEFT_PROGRESS_MS=10 run -1 weft run -q flow.yaml
	refute_line --regexp '^..:..:.. '
	refute_line --regexp '^    '
	assert_line --regexp '^summary: 2 tasks: 1 done, 1 failed in '
}

# The flow for the CI services: two failures, stderr with %, colons,
# commas and several lines; one id with a colon and a comma.
flow_ci()
{
	write_flow <<'EOF'
weft: 1
config: {jobs: 2}
apps:
  bad: {command: "printf '50%% done\\na: b, c\\n%%0A stays\\n' >&2; exit 3"}
  ok: {command: "true"}
main:
  - {id: t, app: bad, foreach: {v: ["a:b,c"]}}
  - {id: u, app: bad}
  - {id: fine, app: ok}
EOF
}

@test "GITHUB_ACTIONS=true: ::error annotations, escaped as GitHub wants" {
	flow_ci
	GITHUB_ACTIONS=true run -1 weft run flow.yaml
	# Properties escape % CR LF : and ,; the message % CR LF.
	assert_line '::error title=t[v=a%3Ab%2Cc]::t[v=a:b,c] failed: exit 3%0A50%25 done%0Aa: b, c%0A%250A stays'
	assert_line '::error title=u::u failed: exit 3%0A50%25 done%0Aa: b, c%0A%250A stays'
	[ "$(grep -c '^::error ' <<<"$output")" -eq 2 ] ||
	    fail "not two annotations: $output"
	# Without GITHUB_ACTIONS (or another value), none.
	rm -rf .weft
	GITHUB_ACTIONS=false run -1 weft run flow.yaml
	refute_line --regexp '^::'
}

@test "GITHUB_ACTIONS=true: each stderr tail in a balanced ::group:: block" {
	flow_ci
	GITHUB_ACTIONS=true run -1 weft run flow.yaml
	local out=$output id
	# After each failed line: the group, the indented tail, its end.
	for id in 't[v=a:b,c]' u; do
		run -0 awk -v id="$id" '
		    / failed   / && $3 == id { n = 6 }
		    n > 0 { print; n-- }' <<<"$out"
		[[ ${lines[0]} =~ ^[0-2][0-9]:[0-5][0-9]:[0-6][0-9]\ (.*)$ ]] &&
		    [ "${BASH_REMATCH[1]}" = "failed   $id exit 3" ] ||
		    fail "not the failed line of $id: $output"
		assert_line --index 1 "::group::stderr of $id (last 3 lines)"
		assert_line --index 2 '    50% done'
		assert_line --index 3 '    a: b, c'
		assert_line --index 4 '    %0A stays'
		assert_line --index 5 '::endgroup::'
	done
	# Balanced: group, endgroup, group, endgroup; nothing nested.
	run -0 bash -c 'grep -E "^::(group|endgroup)::" | cut -c1-12' <<<"$out"
	assert_output "$(printf '%s\n' ::group::std ::endgroup:: ::group::std ::endgroup::)"
}

@test "GITLAB_CI=true: each stderr tail in a balanced collapsed section" {
	flow_ci
	GITLAB_CI=true run -1 weft run flow.yaml
	local e=$'\e' cr=$'\r' l name open='' n=0
	for l in "${lines[@]}"; do
		if [[ $l =~ ^${e}\[0Ksection_start:([0-9]+):(weft_stderr_[0-9]+_0)\[collapsed=true\]${cr}${e}\[0Kstderr\ of\ (t\[v=a:b,c\]|u)\ \(last\ 3\ lines\)$ ]]; then
			[ -z "$open" ] || fail "nested section: $output"
			open=${BASH_REMATCH[2]}
			[ $((BASH_REMATCH[1] - $(date +%s))) -le 0 ] ||
			    fail "start time ${BASH_REMATCH[1]} in the future"
		elif [[ $l =~ ^${e}\[0Ksection_end:[0-9]+:(weft_stderr_[0-9]+_0)${cr}${e}\[0K$ ]]; then
			[ "${BASH_REMATCH[1]}" = "$open" ] ||
			    fail "section_end ${BASH_REMATCH[1]} closes '$open'"
			open=
			n=$((n + 1))
		elif [ -n "$open" ]; then
			[[ $l == '    '* ]] || fail "'$l' inside section $open"
		fi
	done
	[ -z "$open" ] || fail "section $open not closed: $output"
	[ "$n" -eq 2 ] || fail "$n sections, not 2: $output"
	refute_line --regexp '^::'
	assert_line '    50% done'
}
