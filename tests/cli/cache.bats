#!/usr/bin/env bats
#
# cache.bats: "weft cache list|prune|clear", the entries of the task cache
# (.weft/cache/cache.db) after real runs.  list shows each entry's task,
# app, age, size and key, in 80 columns and as JSON; clear removes every
# entry, so "weft run --resume" runs every task again; prune
# --older-than removes exactly the entries older than that (their time
# is set back in cache.db with sqlite3), and only those tasks run again;
# prune --max-size removes the oldest until the rest fit.  While a live
# run holds the cache (a task of it waits for a file), prune and clear
# remove nothing and exit 1, and succeed once it has ended; a run that
# starts while the cache is held exclusive waits for it.  Bad input gets
# "weft cache: ..." and exit 2.  Tasks count their starts in "effects".
# A function task's entry counts its result's bytes and its outputs'.
# A cache of schema 1 (entries in the order of their keys) is moved to
# schema 2's order by the next run, every entry kept byte for byte.  A run
# that finds every task cached writes nothing to the cache.

load setup
load monitoring
load plugins
load robust

setup_file()
{
	build_plugins
}

setup()
{
	plugin_setup
}

# sized_flow: four independent tasks; s1, s2 and s3 write 100, 200 and
# 300 bytes, t writes "hi" (3 bytes).  Each notes its start in effects.
sized_flow()
{
	write_flow <<'EOF'
weft: 1
name: sized
config: {jobs: 2}
apps:
  fill: {command: 'echo "$WEFT_TASK_ID" >>@DIR@/effects; head -c {n} /dev/zero >{outputs}'}
  say: {command: 'echo "$WEFT_TASK_ID" >>@DIR@/effects; echo hi >{outputs}'}
main:
  - {id: s1, app: fill, args: {n: 100}, outputs: s1.out}
  - {id: s2, app: fill, args: {n: 200}, outputs: s2.out}
  - {id: s3, app: fill, args: {n: 300}, outputs: s3.out}
  - {id: t, app: say, outputs: t.out}
EOF
}

# cache_sql SQL: runs SQL on the cache database.
cache_sql()
{
	sqlite3 -batch -cmd '.timeout 10000' "$WEFT_WORK/.weft/cache/cache.db" "$@"
}

# age_entry TASK SECONDS: the entry of TASK was recorded SECONDS earlier.
age_entry()
{
	cache_sql "UPDATE entry SET recorded = recorded - $2 WHERE task = '$1';"
}

# cached_tasks: the tasks of the entries, as "weft cache list --json"
# says, sorted, one a line.
cached_tasks()
{
	weft cache list --json | jq -r '.[].task' | sort
}

# jqc EXPR: the last output (JSON) through jq -c EXPR.
jqc()
{
	printf '%s\n' "$output" | jq -c "$1"
}

first_run()
{
	sized_flow
	run weft run -q flow.yaml
	assert_success
	ran_exactly s1 s2 s3 t
}

@test "cache list: one row per entry with task, app, age, size and key, in 80 columns" {
	first_run
	run weft cache list
	assert_success
	assert_line --index 0 --regexp '^TASK +APP +AGE +SIZE +KEY$'
	[ "${#lines[@]}" -eq 5 ] || fail "expected 4 entries: $output"
	assert_line --regexp '^s1 +fill +[0-9]s +100  [0-9a-f]{12}$'
	assert_line --regexp '^s2 +fill +[0-9]s +200  [0-9a-f]{12}$'
	assert_line --regexp '^s3 +fill +[0-9]s +300  [0-9a-f]{12}$'
	assert_line --regexp '^t +say +[0-9]s +3  [0-9a-f]{12}$'
	# Oldest first: an entry made old comes first, its age in days.
	age_entry s3 $((3 * 86400 + 60))
	run weft cache list
	assert_success
	assert_line --index 1 --regexp '^s3 +fill +3d +300  [0-9a-f]{12}$'
	local l
	for l in "${lines[@]}"; do
		[ "${#l}" -le 80 ] || fail "wider than 80 columns: '$l'"
	done
}

@test "cache list: a long task id is cut to fit 80 columns" {
	local id
	id=$(printf 'x%.0s' {1..120})
	write_flow <<EOF
weft: 1
apps:
  a_rather_long_app_name: {command: 'true'}
main:
  - {id: $id, app: a_rather_long_app_name}
EOF
	run weft run -q flow.yaml
	assert_success
	run weft cache list
	assert_success
	assert_line --index 1 --regexp '^x+\.\.\. +a_rather_...  +[0-9]s +0  [0-9a-f]{12}$'
	[ "${#lines[1]}" -le 80 ] || fail "wider than 80: ${lines[1]}"
	run weft cache list --json
	assert_success
	assert_output --partial "\"task\": \"$id\""
	assert_output --partial '"app": "a_rather_long_app_name"'
}

@test "cache list --json: the documented keys, with the entry's own values" {
	first_run
	age_entry s2 7200
	run weft cache list --json
	assert_success
	assert_equal "$(jqc length)" 4
	assert_equal "$(jqc '[.[] | keys_unsorted] | unique')" \
	    '[["key","task","app","run","recorded","age","size","result_size","outputs","outputs_size"]]'
	assert_equal "$(jqc '[.[].key | test("^[0-9a-f]{64}$")] | all')" true
	assert_equal "$(jqc '[.[].key] | unique | length')" 4
	assert_equal "$(jqc '[.[].run] | unique')" '["0001"]'
	assert_equal "$(jqc '[.[].recorded |
	    test("^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8}\\.[0-9]{6}$")] | all')" true
	assert_equal "$(jqc '[.[] | .result_size == 0 and .outputs == 1 and
	    .size == .outputs_size] | all')" true
	assert_equal "$(jqc '[.[] | [.task, .app, .size]] | sort')" \
	    '[["s1","fill",100],["s2","fill",200],["s3","fill",300],["t","say",3]]'
	# Oldest first, its age as set.
	assert_equal "$(jqc '.[0].task')" '"s2"'
	assert_equal "$(jqc '.[0].age >= 7200 and .[0].age < 7300')" true
	assert_equal "$(jqc '[.[1:][].age < 100] | all')" true
	# The key is the one in cache.db.
	run cache_sql "SELECT lower(hex(key)) FROM entry WHERE task = 's2';"
	assert_success
	weft cache list --json | grep -qF "\"key\": \"$output\"" ||
	    fail "key $output not listed"
}

@test "cache list: a function task's entry counts its result and its outputs" {
	write_flow <<'EOF'
weft: 1
plugins: {results: plugins/libresults.so}
apps:
  val: {function: results.write_outputs}
main:
  - {id: v, app: val, args: {file: effects, v: forty-two}, outputs: [v1.txt, v2.txt]}
EOF
	run weft run -q flow.yaml
	assert_success
	# Each output holds "v try 0" and a newline: 8 bytes.
	run weft cache list --json
	assert_success
	assert_output --partial '"app": "val"'
	assert_output --partial '"size": 25'
	assert_output --partial '"result_size": 9'
	assert_output --partial '"outputs": 2'
	assert_output --partial '"outputs_size": 16'
	run weft cache list
	assert_line --regexp '^v +val +[0-9]s +25  [0-9a-f]{12}$'
}

@test "cache list: a run directory without a cache lists nothing; no .weft is exit 2" {
	run weft cache list
	assert_failure 2
	assert_output --partial 'weft cache: no runs found: no .weft in'
	mkdir .weft
	run weft cache list --json
	assert_success
	assert_output '[]'
	run weft cache list
	assert_success
	assert_output --regexp '^TASK +APP +AGE +SIZE +KEY$'
	run weft cache clear
	assert_success
	assert_output 'removed 0 entries (0 bytes); 0 left (0 bytes)'
}

@test "a cache of schema 1, in the order of its keys, is moved to the order of tasks once, every entry kept" {
	local before
	first_run
	# The cache as a weft of schema 1 made it.
	cache_sql "BEGIN; CREATE TABLE old (key BLOB PRIMARY KEY,
	    task TEXT NOT NULL, outputs TEXT NOT NULL, result TEXT, run TEXT,
	    recorded REAL, checksum BLOB NOT NULL, parts TEXT) WITHOUT ROWID;
	    INSERT INTO old SELECT key, task, outputs, result, run, recorded,
	    checksum, parts FROM entry; DROP TABLE entry;
	    ALTER TABLE old RENAME TO entry;
	    CREATE INDEX entry_task ON entry (task, recorded);
	    UPDATE meta SET value = '1' WHERE key = 'schema_version'; COMMIT;"
	run cache_sql "SELECT group_concat(name) FROM (SELECT name FROM
	    pragma_table_info('entry') WHERE pk > 0 ORDER BY pk)"
	assert_output key
	before=$(cache_sql "SELECT task, hex(key), outputs, result, run,
	    recorded, hex(checksum), parts FROM entry ORDER BY task")
	# A listing reads it as it is.
	run cached_tasks
	assert_output "s1
s2
s3
t"
	rm -f effects
	run weft run --resume -q flow.yaml
	assert_success
	ran_exactly
	run cache_sql "SELECT group_concat(name) FROM (SELECT name FROM
	    pragma_table_info('entry') WHERE pk > 0 ORDER BY pk)"
	assert_output task,key
	run cache_sql "SELECT value FROM meta WHERE key = 'schema_version'"
	assert_output 2
	# The older index by (task, recorded) is gone: the table's own
	# order finds a task's entries.
	run cache_sql "SELECT count(*) FROM sqlite_master WHERE
	    name = 'entry_task'"
	assert_output 0
	# The entries themselves, byte for byte (the run above replaced
	# none: every task was cached).
	run cache_sql "SELECT task, hex(key), outputs, result, run,
	    recorded, hex(checksum), parts FROM entry ORDER BY task"
	assert_output "$before"
	# And they are trusted: a change re-runs only its task.
	echo changed >s2.out
	run weft run --resume -q flow.yaml
	assert_success
	ran_exactly s2
}

@test "cache clear: every entry goes, and --resume runs every task again" {
	first_run
	resume_again
	run weft cache clear
	assert_success
	assert_output 'removed 4 entries (603 bytes); 0 left (0 bytes)'
	run cache_sql 'SELECT count(*) FROM entry;'
	assert_output 0
	run weft cache list --json
	assert_output '[]'
	resume_again s1 s2 s3 t
	run cached_tasks
	assert_output "s1
s2
s3
t"
}

@test "cache prune --older-than: exactly the older entries go and run again" {
	first_run
	age_entry s1 $((2 * 86400))
	age_entry t $((3 * 3600))
	run weft cache prune --older-than 1d
	assert_success
	assert_output 'removed 1 entry (100 bytes); 3 left (503 bytes)'
	run cached_tasks
	assert_output "s2
s3
t"
	run weft cache prune --older-than 2h
	assert_success
	assert_output 'removed 1 entry (3 bytes); 2 left (500 bytes)'
	run weft cache prune --older-than 1h
	assert_success
	assert_output 'removed 0 entries (0 bytes); 2 left (500 bytes)'
	resume_again s1 t
	resume_again
}

@test "cache prune --max-size: the oldest go until the rest fit" {
	first_run
	# Oldest to newest: s1, s3, t, s2.
	age_entry s1 400
	age_entry s3 300
	age_entry t 200
	age_entry s2 100
	run weft cache prune --max-size 503
	assert_success
	assert_output 'removed 1 entry (100 bytes); 3 left (503 bytes)'
	run weft cache prune --max-size 500
	assert_success
	assert_output 'removed 1 entry (300 bytes); 2 left (203 bytes)'
	run cached_tasks
	assert_output "s2
t"
	run weft cache prune --max-size 1K
	assert_success
	assert_output 'removed 0 entries (0 bytes); 2 left (203 bytes)'
	run weft cache prune --max-size 0
	assert_success
	assert_output 'removed 2 entries (203 bytes); 0 left (0 bytes)'
	resume_again s1 s2 s3 t
}

@test "cache prune --older-than and --max-size together" {
	first_run
	age_entry s3 $((10 * 86400))
	age_entry s1 600
	run weft cache prune --older-than 7d --max-size 203
	assert_success
	# s3 is too old; of the rest (303 bytes) s1 is the oldest.
	assert_output 'removed 2 entries (400 bytes); 2 left (203 bytes)'
	run cached_tasks
	assert_output "s2
t"
	resume_again s1 s3
}

# hold_flow: "hold" notes its start in hold.started and waits for the
# file "go"; "quick" is done at once.
hold_flow()
{
	write_flow <<'EOF'
weft: 1
apps:
  hold: {command: 'touch @DIR@/hold.started; while [ ! -e @DIR@/go ]; do @SLEEP@ 0.05; done'}
  quick: {command: 'echo "$WEFT_TASK_ID" >>@DIR@/effects'}
main:
  - {id: hold, app: hold}
  - {id: quick, app: quick}
EOF
}

@test "prune and clear remove nothing while a live run holds the cache; after it, they do" {
	hold_flow
	touch go
	run weft run -q flow.yaml
	assert_success
	rm -f go hold.started
	weft_start run flow.yaml
	wait_for 30 test -e hold.started
	# The first run's entries; the live one, run 0002, holds the cache.
	run weft cache clear
	assert_failure 1
	assert_output 'weft cache: the cache is in use by run 0002; nothing was removed'
	run weft cache prune --older-than 1s
	assert_failure 1
	assert_output 'weft cache: the cache is in use by run 0002; nothing was removed'
	run weft cache prune --max-size 0
	assert_failure 1
	run cached_tasks
	assert_output "hold
quick"
	# Listing only reads.
	run weft cache list
	assert_success
	touch go
	weft_reap
	[ "$WEFT_STATUS" -eq 0 ] || fail "run: $WEFT_STATUS: $(cat "$WEFT_ERR")"
	run weft cache clear
	assert_success
	assert_output --regexp '^removed 2 entries \([0-9]+ bytes\); 0 left \(0 bytes\)$'
}

@test "a run that starts while the cache is held exclusive waits for it" {
	sized_flow
	mkdir -p .weft/cache
	flock -x .weft/cache/cache.lock sleep 2 &
	local holder=$! t0
	wait_for 10 sh -c '! flock -n -s .weft/cache/cache.lock true'
	t0=$(now_us)
	run --separate-stderr weft run -q flow.yaml
	assert_success
	assert_equal "$stderr" "weft run: waiting for the cache $WEFT_WORK/.weft/cache: weft cache is removing entries"
	[ $(( $(now_us) - t0 )) -ge 500000 ] || fail "it did not wait"
	wait "$holder"
	run cached_tasks
	assert_output "s1
s2
s3
t"
}

@test "cache: bad subcommands, options, durations and sizes are usage errors" {
	first_run
	run weft cache lsit
	assert_failure 2
	assert_line --index 0 "weft cache: unknown subcommand 'lsit' (did you mean 'list'?)"
	run weft cache frobnicate
	assert_failure 2
	assert_line --index 0 "weft cache: unknown subcommand 'frobnicate': expected list, prune or clear"
	run weft cache
	assert_failure 2
	assert_line --index 0 'weft cache: missing subcommand: list, prune or clear'
	run weft cache prune
	assert_failure 2
	assert_line --index 0 'weft cache: prune needs --older-than DURATION, --max-size SIZE or both'
	local d
	for d in 0 -1d 1x 7days 1.5d '' 36501d; do
		run weft cache prune --older-than "$d"
		assert_failure 2
		assert_line --index 0 --partial "weft cache: invalid duration '$d'"
	done
	for d in -1 10MB 1.5G K '' 10X; do
		run weft cache prune --max-size "$d"
		assert_failure 2
		assert_line --index 0 --partial "weft cache: invalid size '$d'"
	done
	run weft cache prune --json --older-than 1d
	assert_failure 2
	assert_line --index 0 "weft cache: --json is not an option of 'weft cache prune'"
	run weft cache list --max-size 1K
	assert_failure 2
	run weft cache clear --bogus
	assert_failure 2
	assert_line --index 0 "weft cache: unknown option '--bogus'"
	run weft cache clear extra
	assert_failure 2
	assert_line --index 0 'weft cache: too many arguments'
	run weft cache clear --run-dir nowhere
	assert_failure 2
	assert_line --index 0 --partial 'weft cache: no run directory at nowhere'
	run weft cache list --run-dir
	assert_failure 2
	# Nothing was removed by any of them.
	run cached_tasks
	assert_output "s1
s2
s3
t"
}

@test "cache --run-dir: the cache of another folder" {
	mkdir sub
	sized_flow
	run weft run -q --run-dir sub/rd flow.yaml
	assert_success
	run weft cache list --run-dir sub/rd --json
	assert_success
	assert_output --partial '"task": "s1"'
	run weft cache clear --run-dir sub/rd
	assert_success
	assert_output 'removed 4 entries (603 bytes); 0 left (0 bytes)'
}

@test "a run that finds every task cached writes nothing to the cache" {
	local c=.weft/cache before
	first_run
	before=$(cat "$c/cache.db" "$c/cache.db-wal" | cksum)
	rm -f effects
	run weft run --resume -q flow.yaml
	assert_success
	ran_exactly
	assert_output --partial 'summary: 4 tasks: 4 cached in '
	[ "$(cat "$c/cache.db" "$c/cache.db-wal" | cksum)" = "$before" ] ||
	    fail "the cache was written to"
	# An older weft's index by (task, recorded) is dropped by the next
	# run, which finds every task cached all the same; after that, runs
	# write nothing again.
	cache_sql 'CREATE INDEX entry_task ON entry (task, recorded)'
	run weft run --resume -q flow.yaml
	assert_success
	assert_output --partial 'summary: 4 tasks: 4 cached in '
	run cache_sql "SELECT count(*) FROM sqlite_master WHERE
	    name = 'entry_task'"
	assert_output 0
	before=$(cat "$c/cache.db" "$c/cache.db-wal" | cksum)
	run weft run --resume -q flow.yaml
	assert_success
	ran_exactly
	[ "$(cat "$c/cache.db" "$c/cache.db-wal" | cksum)" = "$before" ] ||
	    fail "the cache was written to"
}
