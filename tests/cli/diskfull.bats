#!/usr/bin/env bats
#
# diskfull.bats: a full disk is named (issue 14, item 7).  The workflow's
# folder, and so its .weft, is a small tmpfs (skipped where mounting is
# not permitted) that fills up: before a run, or in the middle of one by
# a task.  Where weft's own write fails, the terminal, and "weft tasks
# --tries" for a try, say "no space left on device"; when the run cannot
# be recorded (the monitoring spool or database cannot be written) it
# stops, its tasks killed, with exit 3 and the path; the cache is never
# taken for a damaged one (no cache.db.damaged), and what was committed
# stays.  Every call has a timeout, so that a hang fails the test.

load setup
load monitoring
load plugins
load robust

teardown()
{
	robust_teardown
}

# flow_on_disk: the tmpfs "disk" of size $1, with disk/flow.yaml from
# stdin (@DISK@ is the folder).
flow_on_disk()
{
	mount_tmpfs "$WEFT_WORK/disk" "size=$1,nr_inodes=2000"
	sed -e "s|@DISK@|$WEFT_WORK/disk|g" -e "s|@DIR@|$WEFT_WORK|g" \
	    >"$WEFT_WORK/disk/flow.yaml"
}

@test "a full disk mid-run: weft cannot record, the run stops with exit 3 and says so" {
	local db=disk/.weft/monitoring.db t0 secs
	local WEFT_CALL_TIMEOUT=40
	# a is recorded, then fill fills the disk while long runs.
	flow_on_disk 2m <<'EOF'
weft: 1
name: full
config: {jobs: 2}
apps:
  hi: {command: 'echo "$WEFT_TASK_ID"'}
  fill: {command: 'sleep 1; dd if=/dev/zero of=@DISK@/big bs=64k 2>/dev/null; true'}
  long: {command: 'sleep 30; echo "$WEFT_TASK_ID" >>@DIR@/effects'}
main:
  - {id: a, app: hi}
  - {id: fill, app: fill, needs: [a]}
  - {id: long, app: long, needs: [a]}
  - {id: late, app: hi, needs: [fill]}
EOF
	t0=$(now_us)
	run -3 --separate-stderr weft run disk/flow.yaml
	secs=$(( ($(now_us) - t0) / 1000000 ))
	[ "$secs" -lt 25 ] || fail "the run went on for $secs s"
	[ -e disk/big ] || fail "the disk was not filled"
	# The terminal names the full disk and the file weft could not write.
	[[ $stderr =~ weft\ run:\ cannot\ record\ run\ 0001:\ $WEFT_WORK/disk/\.weft/(monitoring\.db|runs/0001/monitor\.spool):\ no\ space\ left\ on\ device ]] ||
	    fail "stderr: $stderr"
	[ "$(err_count 'weft run: cannot record run .*')" -eq 1 ] ||
	    fail "said more than once: $stderr"
	# helpers.json, written at each helper's end, is named once.
	[ "$(err_count "weft run: warning: cannot write $(ere "$WEFT_WORK")/disk/\.weft/runs/0001/helpers\.json: no space left on device; weft status cannot list the run's processes")" -eq 1 ] ||
	    fail "helpers.json: $stderr"
	# long was killed, not waited for.
	[ ! -e effects ] || fail "long ran to its end: $(cat effects)"
	# What was committed stays, and is sound.
	run sqlite3 -readonly "$db" 'PRAGMA integrity_check;'
	assert_output ok
	run sqlite3 -readonly "$db" "SELECT run_id FROM workflow;"
	assert_output 0001
	run sqlite3 -readonly "$db" "SELECT weft_state FROM task
	    WHERE weft_task_id = 'a';"
	assert_output done
	# The cache is not taken for a damaged one.
	[ ! -e disk/.weft/cache/cache.db.damaged ] ||
	    fail "the cache was set aside"
	run sqlite3 -readonly disk/.weft/cache/cache.db \
	    'PRAGMA integrity_check;'
	assert_output ok
}

# full_disk_resume: in the current folder, a run on the tmpfs "disk" puts
# two tasks in the cache; then, with room for the next run's directory
# only, "weft run --resume" (under the command in FULL_DISK_WRAP) must
# find both cached and exit 3 for the record, and the cache stays as it
# was.
full_disk_resume()
{
	local n

	mount_tmpfs "$PWD/disk" size=1m,nr_inodes=2000
	cat >disk/flow.yaml <<'EOF'
weft: 1
apps:
  hi: {command: 'echo "hi {who}"'}
main:
  - {id: t, app: hi, args: {who: t}}
  - {id: u, app: hi, args: {who: u}}
EOF
	run weft run --resume disk/flow.yaml
	assert_success
	n=$(sqlite3 -readonly disk/.weft/cache/cache.db \
	    'SELECT count(*) FROM entry;')
	[ "$n" -eq 2 ] || fail "$n cache entries"
	# Room for the run directory's first files, not for the cache.
	dd if=/dev/zero of=disk/big bs=4k 2>/dev/null || true
	truncate -s -12k disk/big
	# (LeakSanitizer cannot run under strace.)
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
	    run -3 --separate-stderr timeout -k 5 "$WEFT_CALL_TIMEOUT" \
	    "${FULL_DISK_WRAP[@]}" "$WEFT" run --resume disk/flow.yaml
	# Opening the cache writes nothing: it is read, full disk or not.
	assert_event 'cached   t'
	assert_event 'cached   u'
	[[ $stderr == *"weft run: cannot record run 0002: "*": no space left on device; "* ]] ||
	    fail "stderr: $stderr"
	[ ! -e disk/.weft/cache/cache.db.damaged ] ||
	    fail "the cache was set aside"
	# Room again: the cache is the one of the first run.
	rm -f disk/big
	run sqlite3 -readonly disk/.weft/cache/cache.db \
	    'SELECT count(*) FROM entry;'
	assert_output 2
	run weft run --resume disk/flow.yaml
	assert_success
	assert_event 'cached   t'
	assert_event 'cached   u'
}

@test "a full disk before a run: exit 3, the cache is kept, not set aside as damaged (4 rounds)" {
	local WEFT_CALL_TIMEOUT=30 round
	# SQLite gives back the pages of the cache's shared memory and takes
	# them again as it opens the cache: a helper writing meanwhile took
	# them.  The window is narrow, so four rounds.
	for round in 1 2 3 4; do
		mkdir "$WEFT_WORK/round-$round"
		cd "$WEFT_WORK/round-$round"
		full_disk_resume
	done
}

@test "a full disk before a run, each ftruncate held 20 ms (strace): the helpers leave the cache its room" {
	local WEFT_CALL_TIMEOUT=30
	local FULL_DISK_WRAP=(strace -f -qq -o /dev/null -e trace=ftruncate
	    -e inject=ftruncate:delay_exit=20000)
	need_strace
	# SQLite's truncation of the shared memory, then the 20 ms before it
	# takes the pages again: every helper that logs or writes meanwhile
	# would take them.
	full_disk_resume
}

# capture_flow: prep links the folder of task late's tries to the full
# tmpfs "full"; late (app hi, or the app $1) and other need prep.
capture_flow()
{
	write_flow <<'EOF'
weft: 1
name: capture
config: {jobs: 1}
apps:
  prep: {command: 'ln -s @DIR@/full .weft/runs/0001/tasks/late'}
  hi: {command: 'echo "hello from $WEFT_TASK_ID"'}
  big: {command: 'head -c 200000 /dev/zero'}
main:
  - {id: prep, app: prep}
  - {id: late, app: @LATE@, needs: [prep]}
  - {id: other, app: hi, needs: [prep]}
EOF
	sed -i "s/@LATE@/${1:-hi}/" flow.yaml
}

@test "a full disk under a try's stdout and stderr: the reason says so, in weft tasks too" {
	# Two blocks left: the task starts and its files are made, but
	# what it writes cannot be kept, so it fails though it exits 0.
	capture_flow big
	mount_tmpfs "$WEFT_WORK/full" size=64k,nr_inodes=100
	dd if=/dev/zero of=full/fill bs=4k count=14 2>/dev/null || true
	run -1 --separate-stderr weft run flow.yaml
	assert_event 'failed   late exit 0; no space left on device for its stdout and stderr'
	assert_line --regexp '^..:..:.. done +other [0-9.]+s$'
	run weft tasks --tries
	assert_success
	assert_line --regexp '^late +0 +failed +[0-9.]+s +0 +exit 0; no space left on device for its stdout and stderr$'
	# The database was never full: the run is recorded as ended.
	run weft runs
	assert_line --regexp '^0001 +capture +.* failed +3 +2 +1$'
}

@test "a try whose folder cannot be made on a full disk: could not start, no space left on device" {
	capture_flow
	mount_tmpfs "$WEFT_WORK/full" size=64k,nr_inodes=100
	fill_fs "$WEFT_WORK/full"
	run -1 --separate-stderr weft run flow.yaml
	assert_event 'failed   late could not start: tasks/late/try-0: no space left on device'
	run weft tasks --tries
	assert_success
	assert_line --regexp '^late +0 +failed +.* could not start: tasks/late/try-0: no space left on device$'
	run weft runs
	assert_line --regexp '^0001 +capture +.* failed +3 +2 +1$'
}

@test "a disk that fills while a command waits in its pool: asked again at its start, could not start" {
	local WEFT_CALL_TIMEOUT=30
	# Ten quick tasks first, so that the pool is given fill and late
	# together: late waits behind fill, and the pool makes its start
	# ready (its pipes, and room on the disk) while fill runs.  fill
	# fills the disk after that, and ends after POOL_READY_MS.
	mount_tmpfs "$WEFT_WORK/full" size=64k,nr_inodes=100
	write_flow <<'EOF'
weft: 1
name: stale
config: {jobs: 1}
apps:
  quick: {command: "true"}
  prep: {command: 'ln -s @DIR@/full .weft/runs/0001/tasks/late'}
  fill: {command: 'sleep 0.3; i=0; while {{ true >@DIR@/full/f-$i; }} 2>/dev/null; do i=$((i+1)); done; dd if=/dev/zero of=@DIR@/full/f-0 bs=4k 2>/dev/null; sleep 0.3; true'}
  hi: {command: 'echo "$WEFT_TASK_ID" >>@DIR@/effects'}
main:
  - {id: q, app: quick, foreach: {n: "1..10"}}
  - {id: prep, app: prep, needs: [q]}
  - {id: fill, app: fill, needs: [prep]}
  - {id: late, app: hi, needs: [prep]}
EOF
	run -1 --separate-stderr weft run flow.yaml
	assert_event 'failed   late could not start: tasks/late/try-0: no space left on device'
	assert_line --regexp '^..:..:.. done +fill [0-9.]+s$'
	[ ! -e effects ] || fail "late ran on a full disk: $(cat effects)"
}

@test "a full disk that frees up as the run stops: the run's end is recorded, not left running" {
	local WEFT_CALL_TIMEOUT=45 t0 secs
	# fill fills the disk, and frees it when it is killed.
	flow_on_disk 2m <<'EOF2'
weft: 1
name: frees
config: {jobs: 2}
apps:
  hi: {command: 'echo "$WEFT_TASK_ID"'}
  fill: {command: 'trap "rm -f @DISK@/big; exit 1" TERM; dd if=/dev/zero of=@DISK@/big bs=64k 2>/dev/null; sleep 30 & wait'}
  slow: {command: 'sleep 1.5; echo done'}
main:
  - {id: a, app: hi}
  - {id: fill, app: fill, needs: [a]}
  - {id: slow, app: slow, needs: [a]}
EOF2
	t0=$(now_us)
	run -3 --separate-stderr weft run disk/flow.yaml
	secs=$(( ($(now_us) - t0) / 1000000 ))
	[ "$secs" -lt 20 ] || fail "the run went on for $secs s"
	[[ $stderr == *"weft run: cannot record run 0001: "*": no space left on device; stopping the run"* ]] ||
	    fail "stderr: $stderr"
	[ ! -e disk/big ] || fail "fill was not stopped"
	cd disk
	run weft runs
	assert_success
	assert_line --regexp '^0001 +frees +.* aborted +3 +'
	run weft tasks
	assert_line --regexp '^a +done +1 '
	assert_line --regexp '^fill +killed +1 '
}

@test "the spool on a full disk: exit 3 naming monitor.spool; the run's end is recorded once there is room" {
	local WEFT_CALL_TIMEOUT=45 t0 secs i
	# The run directories are on the tmpfs, the database is not.
	mount_tmpfs "$WEFT_WORK/disk" size=2m,nr_inodes=2000
	mkdir -p .weft disk/runs
	ln -s "$WEFT_WORK/disk/runs" .weft/runs
	# fill fills the disk, and frees it when it is killed; the tries
	# after gate have more events than the spool's last page holds.
	{
		cat <<'EOF2'
weft: 1
name: spool
config: {jobs: 4}
apps:
  hi: {command: 'echo "$WEFT_TASK_ID"'}
  fill: {command: 'trap "rm -f @DIR@/disk/big; exit 1" TERM; dd if=/dev/zero of=@DIR@/disk/big bs=64k 2>/dev/null; sleep 30 & wait'}
  gate: {command: 'sleep 1'}
main:
  - {id: a, app: hi}
  - {id: fill, app: fill, needs: [a]}
  - {id: gate, app: gate, needs: [a]}
EOF2
		for i in $(seq 23); do
			echo "  - {id: t$i, app: hi, needs: [gate]}"
		done
	} | write_flow
	t0=$(now_us)
	run -3 --separate-stderr weft run flow.yaml
	secs=$(( ($(now_us) - t0) / 1000000 ))
	[ "$secs" -lt 20 ] || fail "the run went on for $secs s"
	expect_err_line "weft run: cannot record run 0001: $WEFT_WORK/.weft/runs/0001/monitor.spool: no space left on device; stopping the run"
	[ ! -e disk/big ] || fail "fill was not stopped"
	run weft runs
	assert_success
	assert_line --regexp '^0001 +spool +.* aborted +26 +'
	run weft tasks
	assert_line --regexp '^a +done +1 '
	assert_line --regexp '^fill +killed +1 '
}

@test "a full database disk stops the run: the tasks that ran are killed in the summary, as in the record" {
	local WEFT_CALL_TIMEOUT=45 i summary killed
	# The database is on the tmpfs, the run directories are not.
	mount_tmpfs "$WEFT_WORK/disk" size=2m,nr_inodes=2000
	mkdir -p disk/.weft runs
	ln -s "$WEFT_WORK/runs" disk/.weft/runs
	# fill fills the disk and frees it when it is killed; the 60 w tasks
	# run until the run stops, most before main hears that they started.
	{
		cat <<'EOF2'
weft: 1
name: dbfull
config: {jobs: 64}
apps:
  hi: {command: 'echo "$WEFT_TASK_ID"'}
  fill: {command: 'trap "rm -f @DIR@/disk/big; exit 1" TERM; dd if=/dev/zero of=@DIR@/disk/big bs=64k 2>/dev/null; sleep 30 & wait'}
  wait: {command: 'sleep 30'}
main:
  - {id: a, app: hi}
  - {id: fill, app: fill, needs: [a]}
EOF2
		for i in $(seq 60); do
			echo "  - {id: w$i, app: wait, needs: [a]}"
		done
	} | write_flow disk/flow.yaml
	run -3 --separate-stderr weft run disk/flow.yaml
	expect_err_line "weft run: cannot record run 0001: $WEFT_WORK/disk/.weft/monitoring.db: no space left on device; stopping the run"
	[ ! -e disk/big ] || fail "fill was not stopped"
	summary=$(grep '^summary: ' <<<"$output") || fail "no summary: $output"
	# The record was finished once fill freed the disk ...
	[[ $output != *"record incomplete"* ]] || fail "$output"
	cd disk
	run weft tasks
	assert_line --regexp '^a +done +1 '
	assert_line --regexp '^fill +killed +1 '
	for i in 1 30 60; do
		assert_line --regexp "^w$i +killed( \(SIGTERM\))? +1 "
	done
	# ... and the summary says the same: the w tasks ran, and were
	# killed, not left not_run.
	killed=$(grep -c '^[a-z0-9]* *killed ' <<<"$output")
	[[ $summary == *", $killed killed in "* ]] ||
	    fail "summary: '$summary'; the record: $output"
	[[ $summary != *not_run* ]] || fail "summary: $summary"
}
