#!/usr/bin/env bats
#
# liveview.bats: weft run's live view in a real pseudo-terminal (tmux, on
# a private server), read back from the screen and its history: one
# status area redrawn in place at 50, 80 and 200 columns, no line twice,
# no line wider than the pane, UTF-8 task ids cut whole, the summary
# once; a resize (SIGWINCH) while it runs; colour only without NO_COLOR.

load setup

setup()
{
	weft_setup
	TMUX_SOCK=weft-test-$$-${BATS_TEST_NUMBER}
	LIVE_OPTS=
}

teardown()
{
	tmux -L "$TMUX_SOCK" kill-server 2>/dev/null
	weft_teardown
}

tm()
{
	tmux -L "$TMUX_SOCK" "$@"
}

# A run of about 4 s: a failure and its dependent first, 24 short tasks
# 3 at a time, and tasks with long UTF-8 ids (some characters two
# columns wide) that run longest.
flow_live()
{
	write_flow <<'EOF'
weft: 1
config: {jobs: 3}
apps:
  nap: {command: "sleep 0.25"}
  long: {command: "sleep 2"}
  bad: {command: "echo oops >&2; exit 3"}
main:
  - {id: bad, app: bad}
  - {id: worse, app: bad, needs: bad}
  - id: wide
    app: long
    foreach: {city: [東京都東京都東京都東京都東京都東京都東京都東京都, Zürich-Zürich-Zürich-Zürich-Zürich-Zürich-Zürich]}
  - {id: t, app: nap, foreach: {i: "1..24"}}
EOF
}

# start_live W [ENV...]: weft run $LIVE_OPTS in a W x 20 pane; "EXIT=N"
# once done.
# The pane is full first, as a terminal in use is: the area is drawn at
# its bottom.  (A terminal that rewraps lines when it narrows pushes
# the top rows into its scrollback, out of the cursor's reach: an area
# at the top of a fresh screen may leave a part there on a resize.)
start_live()
{
	local w=$1

	shift
	tm new-session -d -s live -x "$w" -y 20 \
	    "cd '$WEFT_WORK' && seq -f 'line %g' 1 25 && env $* '$WEFT' run $LIVE_OPTS flow.yaml; echo EXIT=\$?; sleep 300"
}

# screen [ARGS]: the pane with its history, wrapped lines joined.
screen()
{
	tm capture-pane -p -J -S - -t live "$@"
}

live_done()
{
	screen | grep -q '^EXIT='
}

# check_screen W FILE: valid UTF-8; no line (but the run's header and
# the summary, ordinary lines) wider than W-1 columns; no line twice.
check_screen()
{
	/usr/bin/python3 - "$1" "$2" <<'EOF'
import sys, unicodedata
w = int(sys.argv[1])
text = open(sys.argv[2], 'rb').read().decode('utf-8')
def cols(s):
	n = 0
	for c in s:
		if unicodedata.combining(c):
			continue
		n += 2 if unicodedata.east_asian_width(c) in 'WF' else 1
	return n
seen = set()
bad = []
for l in text.split('\n'):
	l = l.rstrip()
	if not l:
		continue
	if l in seen:
		bad.append('twice: %r' % l)
	seen.add(l)
	if l.startswith(('weft: run ', 'summary: ')) or ', stderr in ' in l:
		continue
	if cols(l) > w - 1:
		bad.append('%d columns: %r' % (cols(l), l))
if bad:
	print('\n'.join(bad))
	sys.exit(1)
EOF
}

# watch_live W: snapshots every 0.2 s until the run ends, each checked;
# sets SNAPS (how many showed the area) and LAST_AREA (the last one).
watch_live()
{
	local w=$1 i snap n

	SNAPS=0
	for ((i = 0; i < 100; i++)); do
		screen >"snap.$i" || fail "capture-pane failed"
		grep -q '^EXIT=' "snap.$i" && break
		check_screen "$w" "snap.$i" ||
		    fail "snapshot $i at $w columns: $(cat "snap.$i")"
		n=$(grep -c ' tasks/s, ' "snap.$i" || true)
		[ "$n" -le 1 ] || fail "$n areas at once: $(cat "snap.$i")"
		if [ "$n" -eq 1 ]; then
			SNAPS=$((SNAPS + 1))
			LAST_AREA=$i
			grep -qE '^[0-9]+ running, [0-9]+ queued, [0-9]+ failed' "snap.$i" ||
			    fail "no counts line: $(cat "snap.$i")"
		fi
		sleep 0.2
	done
}

# check_end W: the final screen: the summary once, no area left, exit 1.
check_end()
{
	wait_for 20 live_done || fail "the run did not end: $(screen)"
	screen >final
	check_screen "$1" final || fail "final screen at $1: $(cat final)"
	[ "$(grep -c '^summary: ' final)" -eq 1 ] ||
	    fail "not one summary: $(cat final)"
	grep -qE '^summary: 28 tasks: 26 done, 1 failed, 1 dep_fail in ' final ||
	    fail "summary: $(cat final)"
	grep -q '^EXIT=1$' final || fail "exit: $(cat final)"
	! grep -qE ' tasks/s, |^[0-9]+ running, |^longest running: |^newest failure: ' final ||
	    fail "the area was left behind: $(cat final)"
	# The failure was printed above the area, once.
	[ "$(grep -c '^failed   bad exit 3$' final)" -eq 1 ] ||
	    fail "failed line: $(cat final)"
}

live_at()
{
	local w=$1

	flow_live
	start_live "$w"
	watch_live "$w"
	[ "$SNAPS" -ge 3 ] || fail "the area was seen $SNAPS times"
	check_end "$w"
}

@test "live view at 80 columns: a bar, counts, longest running, newest failure" {
	live_at 80
	# The bar, done/total, percentage, rate, elapsed and ETA.
	local snaps=(snap.*) bar=0 longest=0 newest=0 f
	for f in "${snaps[@]}"; do
		grep -qE '^\[#*\.*\] [0-9]+/28 [0-9]+%  [0-9]+\.[0-9] tasks/s, [0-9]+s elapsed, ETA ([0-9]+s|\?)$' "$f" && bar=$((bar + 1))
		grep -qE '^longest running: wide\[city=' "$f" && longest=$((longest + 1))
		grep -qx 'newest failure: bad exit 3' "$f" && newest=$((newest + 1))
	done
	[ "$bar" -ge 3 ] || fail "bar seen $bar times: $(cat snap.0)"
	[ "$longest" -ge 1 ] || fail "no longest running tasks"
	[ "$newest" -ge 1 ] || fail "no newest failure"
}

@test "live view at 50 columns: every line cut to 49, UTF-8 ids whole" {
	live_at 50
	# The long ids were cut: some snapshot names one, none wraps.
	grep -hE '^longest running: ' snap.* | grep -q 'wide\[city=' ||
	    fail "no running task named: $(cat "snap.$LAST_AREA")"
}

@test "live view at 200 columns: the bar, the whole names" {
	live_at 200
	grep -hqE '^\[[#.]{40}\] [0-9]+/28 ' snap.* ||
	    fail "no 40-column bar: $(cat "snap.$LAST_AREA")"
	grep -hqF 'wide[city=東京都東京都東京都東京都東京都東京都東京都東京都] ' snap.* ||
	    fail "the whole wide id never shown: $(cat "snap.$LAST_AREA")"
}

@test "live view follows a resize from 80 to 50 columns while it runs (SIGWINCH)" {
	flow_live
	start_live 80
	local i
	# Wait for a counts line wider than 50 columns.
	for ((i = 0; i < 50; i++)); do
		screen | grep -qE '^[0-9]+ running, .{40,}' && break
		sleep 0.1
	done
	[ "$i" -lt 50 ] || fail "no wide counts line: $(screen)"
	tm resize-window -t live -x 50 -y 20
	sleep 0.5
	screen >resized
	! live_done || fail "the run ended before the resize was seen"
	check_screen 50 resized || fail "after the resize: $(cat resized)"
	[ "$(grep -c ' tasks/s, ' resized)" -eq 1 ] &&
	    [ "$(grep -cE '^[0-9]+ running, ' resized)" -eq 1 ] ||
	    fail "not one area after the resize: $(cat resized)"
	check_end 50
}

@test "NO_COLOR: no colour at all; without it the failure is red" {
	flow_live
	start_live 80 NO_COLOR=1
	wait_for 20 live_done || fail "the run did not end: $(screen)"
	screen -e >plain
	! grep -q $'\e\\[' plain || fail "escapes with NO_COLOR: $(cat -v plain)"
	grep -q '^failed   bad exit 3$' plain || fail "$(cat plain)"
	tm kill-server
	rm -rf .weft
	start_live 80
	wait_for 20 live_done || fail "the run did not end: $(screen)"
	screen -e >colour
	grep -q $'^\e\\[31mfailed\e\\[39m   bad exit 3' colour ||
	    fail "no red failed line: $(cat -v colour)"
}

@test "--quiet: no live view on a terminal, only the summary" {
	flow_live
	LIVE_OPTS=-q start_live 80
	local i
	for ((i = 0; i < 30; i++)); do
		screen >snap
		grep -q ' tasks/s, ' snap && fail "an area with -q: $(cat snap)"
		grep -q '^EXIT=' snap && break
		sleep 0.2
	done
	wait_for 20 live_done || fail "the run did not end: $(screen)"
	screen >final
	grep -q '^summary: 28 tasks: ' final || fail "$(cat final)"
	! grep -q '^failed   ' final || fail "a task line with -q: $(cat final)"
}

@test "-v on a terminal: every task's line above the area" {
	flow_live
	LIVE_OPTS=-v start_live 80
	watch_live 80
	check_end 80
	[ "$(grep -cE '^done +t\[i=[0-9]+\] [0-9.]+s$' final)" -eq 24 ] ||
	    fail "not 24 done lines: $(cat final)"
	grep -qx 'dep_fail worse (needs bad)' final || fail "$(cat final)"
}
