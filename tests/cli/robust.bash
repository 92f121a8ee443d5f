# robust.bash: helpers for the suites of robust execution (retries.bats,
# outputs.bats, failpolicy.bats, resume.bats, badinput.bats), loaded after
# setup.bash, monitoring.bash and plugins.bash (for q, ere, run_ctx...).
# Tasks of these suites count their own starts by appending
# "$WEFT_TASK_ID" to the file "effects" of the test's work directory (a
# function does it with results.count or results.write_outputs and the
# argument file: effects), so that "ran exactly once" is a fact.
#
# Counting and the monitoring database (run 0001 is the first run):
#   word_in WORD WORD...    WORD is exactly one of the others
#   effects_of ID           how many lines of "effects" are exactly ID: how
#                           many times task ID started
#   ran_exactly ID...       "effects" holds each ID exactly once and
#                           nothing else (no ID: it is empty or absent)
#   state_in RUN ID         task.weft_state of task ID in run RUN
#   expect_states RUN ID=STATE...
#                           each task ID of RUN has weft_state STATE
#   tries_in RUN ID         (monitoring.bash)
#   try_count RUN ID        how many try rows task ID has in RUN
#   result_in RUN ID        task.weft_result of ID in RUN, quoted by SQL
#   task_dir ID             the folder of task ID under tasks/ (% as %25,
#                           / as %2F, a leading . as %2E)
#   try_log RUN ID N FILE   the absolute path of FILE (stdout or stderr)
#                           of try N of task ID in RUN
#
# The cache and "unchanged":
#   cq SQL                  one read-only query on .weft/cache/cache.db
#   db_dump DB              the logical content of SQLite file DB (its
#                           .dump), or "absent"
#   stat_of FILE...         "FILE size mtime inode" of each ("FILE -" for
#                           a missing one)
#   corrupt_rows DB MIN HOW in every table of DB with at least MIN rows,
#                           changes the text and blob fields of its first
#                           row that are neither in its primary key nor in
#                           an index (so that lookups still find the row):
#                           HOW "garble" writes as many '~' (text) or
#                           random bytes (blob), "truncate" keeps the first
#                           half; fails if it changed nothing.  Sets
#                           CORRUPTED to the number of rows changed
#
# Messages, limits, disks:
#   err_count ERE           how many lines of $stderr (from run
#                           --separate-stderr) match ERE, whole line
#   expect_err_line LINE    $stderr has exactly that line
#   expect_flow_error ERE [FILE]  (setup.bash)
#   gnu_time                /usr/bin/time is GNU time
#   measure ARGS...         "weft ARGS" under GNU time (when there is one)
#                           and a timeout: MEAS_STATUS, MEAS_MS (wall
#                           time), MEAS_KB (peak resident memory, empty
#                           without GNU time), output in $MEAS_OUT and
#                           $MEAS_ERR
#   expect_bounded MS KB    the last measure took at most MS ms and KB kB
#                           (KB unchecked without GNU time), and did not
#                           crash or time out (status below 124)
#   mount_tmpfs DIR OPTS    mounts a tmpfs with OPTS (such as size=256k)
#                           on DIR, or skips the test when mounting is not
#                           permitted; robust_teardown unmounts it
#   fill_fs DIR             fills the file system of DIR: every inode, then
#                           every block (files DIR/fill-N)
#   robust_teardown         weft_teardown, then unmounts what mount_tmpfs
#                           mounted (the suites' teardown)
#
# Workflows and steps, by suite:
#   flaky_flow R F [CR]     retries: one task t that fails its first F
#                           tries (exit 10 + n), R retries, config CR
#   warn_re FILE LINE O T   outputs: the ERE of the warning about output O
#                           of task T outside the folder, at LINE
#   expect_warnings ERE...  $stderr is exactly one line per ERE
#   out_done ID             weft_start's stdout says ID is done
#   going_flow              failpolicy: a failure, independent work after
#                           it, and dependents of it
#   expect_kept_going       the run of going_flow kept going
#   ff_flow                 failpolicy: two tasks that run until killed (one
#                           ignores SIGTERM), one that fails when the file
#                           "go" exists, and four that must never start
#   three_started           ff_flow's three running tasks have started
#   dag_flow, DAG_IDS       resume: five tasks over a.txt and b.txt, four
#                           apps with version marks, an env
#   expect_outcomes ID=STATE...
#                           stdout of the last run: "done     ID 0.01s" or
#                           "cached   ID" for each
#   resume_again [ID...]    "weft run --resume flow.yaml" succeeds and
#                           starts exactly those tasks
#   stop_flow               resume: quick tasks, two that wait for "go",
#                           one queued behind them
#   start_stop_run          starts stop_flow and waits until it is midway
#   resume_after_stop       --resume after a stop runs only what had not
#                           finished
#   kill_everything         SIGKILL of every process of the test (a power
#                           cut), until none is left
#   many_flow_out N         N independent tasks, one slot, one output each
#   CORRUPT_RE, damaged_re  the warnings about a corrupt entry (the task id
#                           in group 1) and a damaged cache file
#   laughs_flow [LEVELS]    badinput: a "billion laughs" in a foreach
#   big_flow FILE BYTES     a valid workflow padded by a comment to BYTES
#   fill_flow               a task that fills the disk "disk", then two
#                           that need it

ROBUST_MOUNTS=()

word_in()
{
	local w=$1 x
	shift

	for x in "$@"; do
		[ "$x" = "$w" ] && return 0
	done
	return 1
}

effects_of()
{
	local n

	[ -f "$WEFT_WORK/effects" ] || { echo 0; return; }
	n=$(grep -cxF -- "$1" "$WEFT_WORK/effects") || true
	echo "${n:-0}"
}

ran_exactly()
{
	local want got

	want=$(printf '%s\n' "$@" | sed '/^$/d' | sort)
	got=$(sort "$WEFT_WORK/effects" 2>/dev/null || true)
	[ "$got" = "$want" ] ||
	    fail "tasks started: expected (once each)" \
	    "[$(tr '\n' ' ' <<<"$want")], got [$(tr '\n' ' ' <<<"$got")]"
}

state_in()
{
	q "SELECT weft_state FROM task WHERE run_id = '$1'
	    AND weft_task_id = '$2';"
}

expect_states()
{
	local run=$1 pair id want got
	shift

	for pair in "$@"; do
		id=${pair%=*}
		want=${pair##*=}
		got=$(state_in "$run" "$id")
		[ "$got" = "$want" ] ||
		    fail "run $run: task $id is '$got' in the database, not" \
		    "'$want'"
	done
}

try_count()
{
	q "SELECT count(*) FROM try r JOIN task t ON t.run_id = r.run_id
	    AND t.task_id = r.task_id WHERE t.run_id = '$1'
	    AND t.weft_task_id = '$2';"
}

result_in()
{
	q "SELECT quote(weft_result) FROM task WHERE run_id = '$1'
	    AND weft_task_id = '$2';"
}

task_dir()
{
	local s=$1

	s=${s//%/%25}
	s=${s//\//%2F}
	case $s in
	.*)	s=%2E${s#.} ;;
	esac
	printf '%s\n' "$s"
}

try_log()
{
	printf '%s\n' "$WEFT_WORK/.weft/runs/$1/tasks/$(task_dir "$2")/try-$3/$4"
}

cq()
{
	sqlite3 -batch -readonly -cmd '.timeout 10000' \
	    "$WEFT_WORK/.weft/cache/cache.db" "$@"
}

db_dump()
{
	if [ -f "$1" ]; then
		sqlite3 -batch -readonly -cmd '.timeout 10000' "$1" .dump
	else
		echo absent
	fi
}

stat_of()
{
	local f

	for f in "$@"; do
		if [ -e "$f" ] || [ -L "$f" ]; then
			stat -c '%n %s %Y %i' -- "$f"
		else
			echo "$f -"
		fi
	done
}

# sql_ident NAME: NAME as an SQL identifier.
sql_ident()
{
	printf '"%s"' "${1//\"/\"\"}"
}

# sql_text NAME: NAME as an SQL string literal.
sql_text()
{
	printf "'%s'" "${1//\'/\'\'}"
}

corrupt_rows()
{
	local db=$1 min=$2 how=$3 t tq n c cq_ where sets pk changed
	local -a tables cols

	CORRUPTED=0
	[ -f "$db" ] || fail "corrupt_rows: no $db"
	mapfile -t tables < <(sqlite3 -batch "$db" "SELECT name FROM
	    sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%';")
	for t in "${tables[@]}"; do
		tq=$(sql_ident "$t")
		n=$(sqlite3 -batch "$db" "SELECT count(*) FROM $tq;")
		[ "$n" -ge "$min" ] || continue
		# Neither in the primary key nor in an index: not what a
		# lookup goes by.
		mapfile -t cols < <(sqlite3 -batch "$db" "SELECT name FROM
		    pragma_table_info($(sql_text "$t")) WHERE pk = 0 AND
		    name NOT IN (SELECT ii.name FROM
		    pragma_index_list($(sql_text "$t")) il,
		    pragma_index_info(il.name) ii WHERE ii.name IS NOT NULL);")
		[ "${#cols[@]}" -gt 0 ] || continue
		# The first row: by rowid, or by primary key WITHOUT ROWID.
		if sqlite3 -batch "$db" "SELECT rowid FROM $tq LIMIT 1;" \
		    >/dev/null 2>&1; then
			where="rowid = (SELECT min(rowid) FROM $tq)"
		else
			pk=$(sqlite3 -batch "$db" "SELECT group_concat('\"' ||
			    replace(name, '\"', '\"\"') || '\"', ', ') FROM
			    (SELECT name FROM pragma_table_info($(sql_text "$t"))
			    WHERE pk > 0 ORDER BY pk);")
			where="($pk) = (SELECT $pk FROM $tq ORDER BY $pk LIMIT 1)"
		fi
		sets=
		for c in "${cols[@]}"; do
			cq_=$(sql_ident "$c")
			case $how in
			garble)
				sets+="${sets:+, }$cq_ = CASE typeof($cq_)
				    WHEN 'text' THEN replace(hex(zeroblob(
				    max(length($cq_), 1))), '00', '~')
				    WHEN 'blob' THEN randomblob(max(length($cq_), 1))
				    ELSE $cq_ END" ;;
			truncate)
				sets+="${sets:+, }$cq_ = CASE
				    WHEN typeof($cq_) IN ('text', 'blob') THEN
				    substr($cq_, 1, length($cq_) / 2)
				    ELSE $cq_ END" ;;
			*)
				fail "corrupt_rows: unknown way '$how'" ;;
			esac
		done
		changed=$(sqlite3 -batch "$db" "UPDATE $tq SET $sets WHERE
		    $where; SELECT changes();") ||
		    fail "corrupt_rows: cannot update table $t of $db"
		CORRUPTED=$((CORRUPTED + changed))
	done
	[ "$CORRUPTED" -gt 0 ] ||
	    fail "corrupt_rows: no row of $db could be changed: $(sqlite3 \
	    "$db" .schema)"
}

err_count()
{
	local line n=0

	for line in "${stderr_lines[@]}"; do
		[[ $line =~ ^($1)$ ]] && n=$((n + 1))
	done
	echo "$n"
}

expect_err_line()
{
	local line

	for line in "${stderr_lines[@]}"; do
		[ "$line" = "$1" ] && return 0
	done
	fail "no stderr line '$1'; stderr: $stderr"
}

# gnu_time: true when /usr/bin/time is GNU time (it knows -f and -o).
gnu_time()
{
	[ -x /usr/bin/time ] &&
	    /usr/bin/time -f %M -o /dev/null true >/dev/null 2>&1
}

measure()
{
	local t0

	MEAS_OUT=$WEFT_WORK/measure.out
	MEAS_ERR=$WEFT_WORK/measure.err
	MEAS_KB=
	MEAS_STATUS=0
	rm -f "$WEFT_WORK/measure.rss"
	t0=$(now_us)
	if gnu_time; then
		timeout -k 5 "$WEFT_CALL_TIMEOUT" /usr/bin/time -f %M \
		    -o "$WEFT_WORK/measure.rss" "$WEFT" "$@" \
		    >"$MEAS_OUT" 2>"$MEAS_ERR" || MEAS_STATUS=$?
		MEAS_KB=$(tail -n 1 "$WEFT_WORK/measure.rss" 2>/dev/null)
	else
		timeout -k 5 "$WEFT_CALL_TIMEOUT" "$WEFT" "$@" \
		    >"$MEAS_OUT" 2>"$MEAS_ERR" || MEAS_STATUS=$?
	fi
	MEAS_MS=$(( ($(now_us) - t0) / 1000 ))
}

expect_bounded()
{
	local ctx

	ctx="exit $MEAS_STATUS, ${MEAS_MS} ms, ${MEAS_KB:-?} kB; stderr:
$(head -c 2000 "$MEAS_ERR")"
	[ "$MEAS_STATUS" -lt 124 ] || fail "crashed or hung: $ctx"
	[ "$MEAS_MS" -le "$1" ] || fail "took more than $1 ms: $ctx"
	if [ -n "$MEAS_KB" ]; then
		[[ $MEAS_KB =~ ^[0-9]+$ ]] || fail "GNU time said '$MEAS_KB'"
		[ "$MEAS_KB" -le "$2" ] || fail "used more than $2 kB: $ctx"
	fi
}

mount_tmpfs()
{
	local err

	mkdir -p "$1"
	if ! err=$(mount -t tmpfs -o "$2" tmpfs "$1" 2>&1); then
		skip "cannot mount a tmpfs here (needs root with" \
		    "CAP_SYS_ADMIN): ${err:-mount failed}"
	fi
	ROBUST_MOUNTS+=("$1")
}

fill_fs()
{
	# By sh, not by this shell: bats traces every command of a loop.
	sh -c 'i=0
	while { true >"$1/fill-$i"; } 2>/dev/null; do i=$((i + 1)); done
	dd if=/dev/zero of="$1/fill-0" bs=4k 2>/dev/null
	exit 0' sh "$1"
}

robust_teardown()
{
	local d

	weft_teardown
	for d in "${ROBUST_MOUNTS[@]}"; do
		umount "$d" 2>/dev/null || umount -l "$d" 2>/dev/null || true
	done
	ROBUST_MOUNTS=()
}

# --- retries.bats ---

# flaky_flow RETRIES FAILS [CONFIG_RETRIES]: one task t of an app with
# RETRIES retries ("-": no retries key) that fails its first FAILS tries:
# try n (from 1) prints "out t n" to stdout and "err t n" to stderr, and
# fails with exit 10 + n; it counts its tries in t.count.  CONFIG_RETRIES
# sets config.retries.
flaky_flow()
{
	local r=
	[ "$1" = - ] || r="
    retries: $1"
	write_flow <<EOF
weft: 1
config: {jobs: 1${3:+, retries: $3}}
apps:
  flaky:
    command: 'n=\$((\$(cat @DIR@/{c} 2>/dev/null || echo 0) + 1)); echo \$n >@DIR@/{c}; echo "\$WEFT_TASK_ID" >>@DIR@/effects; echo "out \$WEFT_TASK_ID \$n"; echo "err \$WEFT_TASK_ID \$n" >&2; [ \$n -gt {fails} ] || exit \$((10 + n))'$r
main:
  - {id: t, app: flaky, args: {c: t.count, fails: $2}}
EOF
}

# --- outputs.bats ---

# warn_re FILE LINE OUTPUT-ERE TASK-ERE: the ERE of the warning about an
# output outside the folder, any column.
warn_re()
{
	printf '%s' "$(ere "$1"):$2:[0-9]+: warning: output '$3' of task '$4'"
	printf '%s' " is outside the workflow's folder: weft checks that it is"
	printf '%s' " made but never removes it"
}

# expect_warnings ERE...: $stderr has exactly one line per ERE, each
# matching one of them, whole line.
expect_warnings()
{
	local re n_re=$#

	[ "${#stderr_lines[@]}" -eq "$n_re" ] ||
	    fail "${#stderr_lines[@]} stderr lines, not $n_re: $stderr"
	for re in "$@"; do
		[ "$(err_count "$re")" -eq 1 ] ||
		    fail "not one stderr line matches /^$re\$/; stderr: $stderr"
	done
}

# out_done ID: stdout of weft_start's run says task ID is done.
out_done()
{
	grep -qE "^..:..:.. done +$(ere "$1") " "$WEFT_OUT"
}

# --- failpolicy.bats ---

# going_flow: bad fails at once; ok1 takes 0.5 s, so ok2 (which needs it)
# is launched after the failure; child and grandchild depend on bad.
going_flow()
{
	write_flow <<'EOF'
weft: 1
config: {jobs: 2}
apps:
  fail: {command: 'echo "$WEFT_TASK_ID" >>@DIR@/effects; exit 3'}
  touch: {command: 'sleep {d}; echo "$WEFT_TASK_ID" >>@DIR@/effects'}
main:
  - {id: bad, app: fail}
  - {id: ok1, app: touch, args: {d: "0.5"}}
  - {id: ok2, app: touch, args: {d: 0}, needs: ok1}
  - {id: child, app: touch, args: {d: 0}, needs: bad}
  - {id: grandchild, app: touch, args: {d: 0}, needs: child}
EOF
}

# expect_kept_going: the run of going_flow kept going.
expect_kept_going()
{
	assert_event 'failed   bad exit 3'
	assert_line --regexp '^..:..:.. done +ok1 [0-9.]+s$'
	assert_line --regexp '^..:..:.. done +ok2 [0-9.]+s$'
	assert_line --regexp '^..:..:.. dep_fail +child \(needs bad\)$'
	assert_line --regexp '^..:..:.. dep_fail +grandchild \(needs (child|bad)\)$'
	assert_line --regexp '^summary: 5 tasks: 2 done, 1 failed, 2 dep_fail in '
	[ "$(err_count '.*fail-fast.*')" -eq 0 ] || fail "stderr: $stderr"
	ran_exactly bad ok1 ok2
}

# ff_flow: three slots.  nap (two marked sleeps in its process group, and
# an output) and stubborn (ignores SIGTERM) run until killed; bad waits
# for the file "go", then fails; later (3 tasks, queued behind them) and
# child (needs nap) must never start.
ff_flow()
{
	write_flow <<'EOF'
weft: 1
config: {jobs: 3}
apps:
  nap: {command: 'echo "$WEFT_TASK_ID" >>@DIR@/effects; echo partial >{outputs}; @SLEEP@ 300 & @SLEEP@ 301; wait'}
  stubborn: {command: "echo \"$WEFT_TASK_ID\" >>@DIR@/effects; trap '' TERM; @SLEEP@ 302"}
  bad: {command: 'echo "$WEFT_TASK_ID" >>@DIR@/effects; while [ ! -e @DIR@/go ]; do sleep 0.05; done; echo boom >&2; exit 4'}
  quick: {command: 'echo "$WEFT_TASK_ID" >>@DIR@/effects'}
main:
  - {id: nap, app: nap, outputs: nap.txt}
  - {id: stubborn, app: stubborn}
  - {id: bad, app: bad}
  - id: later
    app: quick
    foreach: {i: "1..3"}
  - {id: child, app: quick, needs: nap}
EOF
}

# three_started: nap, stubborn and bad have started (3 marked sleeps).
three_started()
{
	count_sleepers 3 && [ "$(effects_of bad)" -eq 1 ] &&
	    [ -e "$WEFT_WORK/nap.txt" ]
}

# --- resume.bats ---

# dag_flow: five tasks over two data files, a.txt ("alpha") and b.txt
# ("beta"), four apps each with a version mark to edit ("first-v1"...):
# a1 (first) copies a.txt to a1.out, a2 (second) prefixes a1.out into
# a2.out, b1 (first) copies b.txt to b1.out, c1 (solo) writes $STAGE (env
# STAGE: one) to c1.out, m (merge) joins a2.out and b1.out into m.out.
# Every task appends its id to "effects".
DAG_IDS='a1 a2 b1 c1 m'
dag_flow()
{
	echo alpha >a.txt
	echo beta >b.txt
	write_flow <<'EOF2'
weft: 1
name: dag
config: {jobs: 2}
env: {STAGE: one}
apps:
  first: {command: 'true first-v1; echo "$WEFT_TASK_ID" >>@DIR@/effects; cat {inputs} >{outputs}'}
  second: {command: 'true second-v1; echo "$WEFT_TASK_ID" >>@DIR@/effects; sed s/^/2:/ {inputs} >{outputs}'}
  merge: {command: 'true merge-v1; echo "$WEFT_TASK_ID" >>@DIR@/effects; cat {inputs} >{outputs}'}
  solo: {command: 'true solo-v1; echo "$WEFT_TASK_ID" >>@DIR@/effects; echo "$STAGE" >{outputs}'}
main:
  - {id: a1, app: first, inputs: a.txt, outputs: a1.out}
  - {id: a2, app: second, inputs: a1.out, outputs: a2.out}
  - {id: b1, app: first, inputs: b.txt, outputs: b1.out}
  - {id: c1, app: solo, outputs: c1.out}
  - {id: m, app: merge, inputs: [a2.out, b1.out], outputs: m.out}
EOF2
}

# expect_outcomes ID=STATE...: the stdout of the last "run" says each task
# ID is STATE: "done     ID 0.01s" or "cached   ID", and not the other.
expect_outcomes()
{
	local pair id want idre

	for pair in "$@"; do
		id=${pair%=*}
		want=${pair##*=}
		idre=$(ere "$id")
		case $want in
		done)
			assert_line --regexp "^..:..:.. done +$idre [0-9.]+s\$"
			refute_line "cached   $id" ;;
		cached)
			assert_event "cached   $id"
			refute_line --regexp "^..:..:.. done +$idre " ;;
		*)
			fail "expect_outcomes: unknown state '$want'" ;;
		esac
	done
}

# resume_again [ID...]: "weft run --resume flow.yaml" succeeds and starts
# exactly the tasks ID... (once each; "effects" is emptied first).
resume_again()
{
	rm -f "$WEFT_WORK/effects"
	run --separate-stderr weft run --resume flow.yaml
	assert_success
	ran_exactly "$@"
}

# stop_flow: three quick tasks q[i=1..3]; side and hold, which write
# side.started / hold.started and then wait for the file "go" (hold
# needs the quick tasks: once it has started, they are finished); after,
# which needs hold.  Two slots: when both have started, q is done, side
# and hold run, after waits.
stop_flow()
{
	write_flow <<'EOF2'
weft: 1
name: stop
config: {jobs: 2}
apps:
  quick: {command: 'echo "$WEFT_TASK_ID" >>@DIR@/effects; echo {i} >{outputs}'}
  gate: {command: 'echo "$WEFT_TASK_ID" >>@DIR@/effects; touch @DIR@/{name}.started; while [ ! -e @DIR@/go ]; do sleep 0.05; done; echo {name} >{outputs}'}
  last: {command: 'echo "$WEFT_TASK_ID" >>@DIR@/effects; cat {inputs} >{outputs}'}
main:
  - id: q
    app: quick
    foreach: {i: "1..3"}
    outputs: "q-{i}.txt"
  - {id: side, app: gate, args: {name: side}, outputs: side.txt}
  - {id: hold, app: gate, args: {name: hold}, inputs: "{q.outputs}", outputs: hold.txt}
  - {id: after, app: last, inputs: hold.txt, outputs: after.txt}
EOF2
}

# start_stop_run: starts "weft run flow.yaml" of stop_flow (no --resume)
# and waits until side and hold run and the quick tasks are recorded done.
start_stop_run()
{
	stop_flow
	weft_start run flow.yaml
	wait_for 30 files_exist side.started hold.started ||
	    fail "side and hold did not start: $(run_ctx)"
	wait_for 20 q_done_is 3 ||
	    fail "the quick tasks were not recorded done: $(run_ctx)"
}

# resume_after_stop: "weft run --resume" of stop_flow, after a stop, runs
# exactly side, hold and after, and none of the quick tasks again.
resume_after_stop()
{
	local i

	touch go
	run --separate-stderr weft run --resume flow.yaml
	assert_success
	expect_outcomes 'q[i=1]=cached' 'q[i=2]=cached' 'q[i=3]=cached' \
	    side=done hold=done after=done
	assert_line --regexp '^summary: 6 tasks: 3 done, 3 cached in [0-9.]+s$'
	for i in 1 2 3; do
		[ "$(effects_of "q[i=$i]")" -eq 1 ] ||
		    fail "q[i=$i] ran again: $(cat effects)"
	done
	[ "$(effects_of side)" -eq 2 ] && [ "$(effects_of hold)" -eq 2 ] &&
	    [ "$(effects_of after)" -eq 1 ] || fail "starts: $(cat effects)"
	expect_states 0002 'q[i=1]=cached' 'q[i=2]=cached' 'q[i=3]=cached' \
	    side=done hold=done after=done
	run cat after.txt q-2.txt
	assert_output 'hold
2'
}

# kill_everything: SIGKILL of every process of the test at once (a power
# cut for the run), until none is left.  Each round stops them all before
# it kills any: kill(1) signals one process after another, and a helper
# still running while main is already gone would see the lifeline close
# and record the run as lost, which no power cut does.
kill_everything()
{
	local i pids

	for i in 1 2 3 4 5 6 7 8 9 10; do
		pids=$(weft_test_procs) || true
		[ -z "$pids" ] && return 0
		# shellcheck disable=SC2086
		kill -STOP $pids 2>/dev/null || true
		# shellcheck disable=SC2086
		kill -KILL $pids 2>/dev/null || true
		sleep 0.1
	done
	no_test_procs || fail "still running after 10 rounds of SIGKILL:" \
	    "$(show_test_procs)"
}

# many_flow_out N: N independent tasks t[n=1..N], one slot (they run and
# are recorded in order), each writing its output t-N.txt.
many_flow_out()
{
	write_flow <<EOF2
weft: 1
config: {jobs: 1}
apps:
  mk: {command: 'echo "\$WEFT_TASK_ID" >>@DIR@/effects; echo {n} >{outputs}'}
main:
  - id: t
    app: mk
    foreach: {n: "1..$1"}
    outputs: "t-{n}.txt"
EOF2
}

# CORRUPT_RE: the warning about a corrupt cache entry, the task id in
# group 2.
CORRUPT_RE="weft run: warning: cache entry of '([^']+)' is corrupt; not trusted, the task runs"

# damaged_re: the warning about a damaged cache file of the test.
damaged_re()
{
	printf '%s' "weft run: warning: the cache ($(ere "$WEFT_WORK/"))?\\.weft/cache/cache\\.db is damaged \\(.+\\); set aside as cache\\.db\\.damaged, starting a new one"
}

# --- badinput.bats ---

# laughs_flow [LEVELS]: a workflow whose one foreach value is a "billion
# laughs": anchor a0 is a list of 10 strings, each a(k) a list of 10
# aliases of a(k-1), LEVELS (default 10) levels in all.
laughs_flow()
{
	local levels=${1:-10} k list

	{
		printf 'weft: 1\napps:\n  hi: {command: touch ran}\nmain:\n'
		printf '  - id: t\n    app: hi\n    foreach:\n      n:\n'
		printf '        - &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n'
		for ((k = 1; k < levels; k++)); do
			list=$(printf "*a$((k - 1)), %.0s" 1 2 3 4 5 6 7 8 9 10)
			printf '        - &a%d [%s]\n' "$k" "${list%, }"
		done
	} >flow.yaml
}

# big_flow FILE BYTES: a valid workflow followed by one comment line, FILE
# exactly BYTES long.
big_flow()
{
	{
		printf 'weft: 1\napps:\n  hi: {command: touch ran}\nmain:\n'
		printf '  - {id: t, app: hi}\n# '
		head -c "$2" /dev/zero | tr '\0' x
	} | head -c "$(($2 - 1))" >"$1"
	echo >>"$1"
	[ "$(stat -c %s "$1")" -eq "$2" ] || fail "big_flow: $1 is not $2 bytes"
}

# fill_flow: fill (one slot) fills the file system of the folder "disk"
# (every inode, then every block) and succeeds; late needs fill and
# later needs late; both append their id to "effects".  count.txt, the
# files made, is written before the blocks are filled: once they are,
# the run may be stopped (the record cannot be written) and fill killed
# before its last command.
fill_flow()
{
	write_flow <<'EOF2'
weft: 1
name: fill
config: {jobs: 1}
apps:
  fill: {command: 'i=0; while {{ true >@DIR@/disk/f-$i; }} 2>/dev/null; do i=$((i+1)); done; echo $i >count.txt; dd if=/dev/zero of=@DIR@/disk/f-0 bs=4k 2>/dev/null; true'}
  after: {command: 'echo "$WEFT_TASK_ID" >>@DIR@/effects'}
main:
  - {id: fill, app: fill}
  - {id: late, app: after, needs: fill}
  - {id: later, app: after, needs: late}
EOF2
}
