#!/usr/bin/env bats
#
# clean.bats: "weft clean" removes old run directories of real runs under
# .weft/runs: all but the newest N (--keep), those last written before
# DURATION (--older-than; ages are set with touch -d on the folder and
# its weft.log), or those both name; --dry-run removes nothing.  A live
# run (a task of it waits for a file) is never removed, nor a folder
# being set up; removed runs keep their records in the monitoring
# database ("weft runs" lists them, "weft tasks" shows them) and their
# numbers are never given again.  A run killed outright has its record
# finished (lost) before its folder goes.  Bad input gets "weft clean:
# ..." and exit 2.

load setup
load monitoring
load robust

quick_flow()
{
	write_flow <<'EOF'
weft: 1
name: quick
apps:
  say: {command: 'echo hi >{outputs}'}
main:
  - {id: t, app: say, outputs: t.out}
EOF
}

# runs_made N: N runs of quick_flow, 0001 to 000N.
runs_made()
{
	local i

	quick_flow
	for ((i = 1; i <= $1; i++)); do
		run weft run -q flow.yaml
		assert_success
	done
}

# make_old RUN WHEN: run RUN was last written at WHEN (touch -d).
make_old()
{
	touch -d "$2" ".weft/runs/$1/weft.log" ".weft/runs/$1"
}

# run_dirs: the run folders left, one a line.
run_dirs()
{
	ls .weft/runs
}

@test "clean --keep N: all but the newest N go; their records stay" {
	runs_made 4
	run weft clean --keep 2
	assert_success
	assert_line --index 0 --regexp '^removed run 0001 \([0-9]+ bytes\)$'
	assert_line --index 1 --regexp '^removed run 0002 \([0-9]+ bytes\)$'
	assert_line --index 2 --regexp '^removed 2 runs \([0-9]+ bytes\); 2 left$'
	[ "${#lines[@]}" -eq 3 ] || fail "$output"
	run run_dirs
	assert_output "0003
0004"
	# The bytes are those of the files that were there.
	local b
	b=$(find .weft/runs/0003 -type f -printf '%s\n' |
	    awk '{ s += $1 } END { print s + 0 }')
	run weft clean --keep 1 --dry-run
	assert_output "would remove run 0003 ($b bytes)
would remove 1 run ($b bytes); 1 left"
	# The monitoring database still has every run.
	run weft runs --json
	assert_success
	assert_output --partial '"run": "0001"'
	assert_output --partial '"run": "0002"'
	run weft tasks 1
	assert_success
	assert_line --regexp '^t +done '
	run weft clean --keep 4
	assert_success
	assert_output 'removed 0 runs (0 bytes); 2 left'
}

@test "clean --keep 0 removes every run, and run numbers are never given again" {
	runs_made 2
	run weft clean --keep 0
	assert_success
	assert_line --partial 'removed 2 runs'
	run run_dirs
	assert_output ''
	run weft run -q flow.yaml
	assert_success
	assert_line --index 0 --partial 'weft: run 0003 in'
	run q "SELECT run_id FROM workflow ORDER BY run_id;"
	assert_output "0001
0002
0003"
	run q "SELECT count(*) FROM task WHERE run_id = '0003';"
	assert_output 1
}

@test "clean --older-than: exactly the runs last written before that" {
	runs_made 4
	make_old 0001 '3 days ago'
	make_old 0003 '2 days ago'
	make_old 0002 '5 hours ago'
	run weft clean --older-than 1d
	assert_success
	assert_output --regexp '^removed run 0001 \([0-9]+ bytes\)
removed run 0003 \([0-9]+ bytes\)
removed 2 runs \([0-9]+ bytes\); 2 left$'
	run run_dirs
	assert_output "0002
0004"
	run weft clean --older-than 4h
	assert_success
	assert_line --index 0 --partial 'removed run 0002 ('
	run run_dirs
	assert_output 0004
}

@test "clean --keep and --older-than together: only runs both name" {
	runs_made 3
	make_old 0001 '3 days ago'
	make_old 0002 '3 days ago'
	make_old 0003 '3 days ago'
	run weft clean --keep 1 --older-than 2d
	assert_success
	assert_line --index 2 --regexp '^removed 2 runs \([0-9]+ bytes\); 1 left$'
	run run_dirs
	assert_output 0003
}

@test "clean --dry-run removes nothing" {
	runs_made 2
	run weft clean --keep 0 --dry-run
	assert_success
	assert_line --index 0 --regexp '^would remove run 0001 \([0-9]+ bytes\)$'
	assert_line --index 2 --regexp '^would remove 2 runs \([0-9]+ bytes\); 0 left$'
	run run_dirs
	assert_output "0001
0002"
}

@test "clean never removes a live run, old as it looks; it does once it has ended" {
	write_flow <<'EOF'
weft: 1
apps:
  hold: {command: 'touch @DIR@/hold.started; while [ ! -e @DIR@/go ]; do @SLEEP@ 0.05; done'}
main:
  - {id: hold, app: hold}
EOF
	touch go
	run weft run -q flow.yaml
	assert_success
	rm -f go hold.started
	weft_start run flow.yaml
	wait_for 30 test -e hold.started
	make_old 0001 '3 days ago'
	make_old 0002 '3 days ago'
	run weft clean --keep 0
	assert_success
	assert_output --regexp "^removed run 0001 \\([0-9]+ bytes\\)
kept run 0002: live \\(pid $WEFT_PID\\)
removed 1 run \\([0-9]+ bytes\\); 1 left\$"
	run weft clean --older-than 1d
	assert_success
	assert_line --index 0 "kept run 0002: live (pid $WEFT_PID)"
	[ -f .weft/runs/0002/main.pid ] || fail "the live run's folder was touched"
	touch go
	weft_reap
	[ "$WEFT_STATUS" -eq 0 ] || fail "run: $WEFT_STATUS: $(cat "$WEFT_ERR")"
	run weft tasks 2
	assert_line --regexp '^hold +done '
	run weft clean --keep 0
	assert_success
	assert_line --index 0 --regexp '^removed run 0002 \([0-9]+ bytes\)$'
	run run_dirs
	assert_output ''
}

# workflow_open: run 0001 is in the database and has not ended.
workflow_open()
{
	[ "$(q "SELECT count(*) FROM workflow WHERE run_id = '0001'
	    AND time_completed IS NULL;" 2>/dev/null)" = 1 ]
}

@test "clean finishes the record of a run killed outright before removing it" {
	write_flow <<'EOF'
weft: 1
apps:
  hold: {command: 'touch @DIR@/hold.started; @SLEEP@ 300'}
main:
  - {id: hold, app: hold}
EOF
	weft_start run flow.yaml
	wait_for 30 test -e hold.started
	# The writer commits within a few hundred ms: the run is then in
	# the database, unfinished.
	wait_for 10 workflow_open || fail "run 0001 never reached the database"
	kill_everything
	run q "SELECT count(*) FROM workflow WHERE run_id = '0001'
	    AND time_completed IS NULL;"
	assert_output 1
	run weft clean --keep 0
	assert_success
	assert_line --index 0 --regexp '^removed run 0001 \([0-9]+ bytes\)$'
	run q "SELECT weft_state FROM workflow WHERE run_id = '0001';"
	assert_output lost
	run q "SELECT weft_state FROM task WHERE run_id = '0001';"
	assert_output killed
}

@test "clean keeps a folder being set up, and removes what a cut-short removal left" {
	runs_made 1
	mkdir .weft/runs/0002 .weft/runs/.removing-0007
	touch .weft/runs/.removing-0007/stdout
	run weft clean --keep 0
	assert_success
	assert_output --regexp '^removed run 0001 \([0-9]+ bytes\)
kept run 0002: starting
removed 1 run \([0-9]+ bytes\); 1 left$'
	[ ! -e .weft/runs/.removing-0007 ] || fail "the leftover stays"
	touch -d '2 minutes ago' .weft/runs/0002
	run weft clean --keep 0
	assert_success
	assert_line --index 0 'removed run 0002 (0 bytes)'
}

@test "clean: bad options and a missing run directory are usage errors" {
	run weft clean --keep 1
	assert_failure 2
	assert_output --partial 'weft clean: no runs found: no .weft in'
	runs_made 1
	local k
	for k in -1 x 1.5 '' 99999999999; do
		run weft clean --keep "$k"
		assert_failure 2
		assert_line --index 0 "weft clean: invalid --keep value '$k': expected a number of runs, 0 or more"
	done
	for k in 0 1x -1d ''; do
		run weft clean --older-than "$k"
		assert_failure 2
		assert_line --index 0 --partial "weft clean: invalid duration '$k'"
	done
	run weft clean
	assert_failure 2
	assert_line --index 0 'weft clean: say which runs to remove: --keep N, --older-than DURATION or both'
	run weft clean --keep 0 extra
	assert_failure 2
	assert_line --index 0 'weft clean: too many arguments'
	run weft clean --kep 0
	assert_failure 2
	assert_line --index 0 "weft clean: unknown option '--kep'; did you mean '--keep'?"
	run weft clean --keep 0 --run-dir nowhere
	assert_failure 2
	assert_line --index 0 --partial 'weft clean: no run directory at nowhere'
	run run_dirs
	assert_output 0001
}

@test "clean --run-dir: the runs of another folder" {
	quick_flow
	run weft run -q --run-dir rd flow.yaml
	assert_success
	run weft run -q --run-dir rd flow.yaml
	assert_success
	run weft clean --run-dir rd --keep 1
	assert_success
	assert_line --index 0 --regexp '^removed run 0001 '
	run ls rd/runs
	assert_output 0002
}
