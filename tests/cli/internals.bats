#!/usr/bin/env bats
#
# internals.bats: weft-internals(7) agrees with the program.  Every table
# and column of the schema in src/db.c is documented, nothing else is, and
# every example query (marked query-begin NAME ... query-end) runs, on the
# fixture database with the answers it should give, and on the database
# of real runs.

load setup
load dbfixture

srcdir=${WEFT_SRCDIR:-/work/main}
man7=$srcdir/man/weft-internals.7

# query_names: the names of the queries marked in weft-internals(7).
query_names()
{
	sed -n 's/^\.\\" query-begin \([A-Za-z0-9_-]*\)$/\1/p' "$man7"
}

# query NAME: that query, without the .Bd/.Ed lines and with the roff
# escapes \e and \& undone.
query()
{
	awk -v name="$1" '
	    $0 == ".\\\" query-begin " name { on = 1; next }
	    on && $0 == ".\\\" query-end" { exit }
	    on && /^\.(Bd|Ed)([ \t]|$)/ { next }
	    on {
		gsub(/\\&/, "")
		gsub(/\\e/, "\\")
		print
	    }' "$man7"
}

# run_query NAME: runs it on .weft/monitoring.db, "|" between columns.
run_query()
{
	query "$1" | sqlite3 -bail -batch .weft/monitoring.db
}

# documented_columns TABLE: the ".It Va" names of TABLE's subsection
# (one item may name several: ".It Va a , b").
documented_columns()
{
	awk -v t="$1" '
	    /^\.S[sh] / { on = ($0 == ".Ss " t) }
	    on && /^\.It Va / {
		print $3
		for (i = 4; i < NF && $i == ","; i += 2)
			print $(i + 1)
	    }' "$man7"
}

# documented_tables: the subsections of THE DATABASE.
documented_tables()
{
	awk '
	    /^\.Sh / { on = ($0 == ".Sh THE DATABASE") }
	    on && /^\.Ss / { print $2 }' "$man7"
}

@test "weft-internals(7) has no mandoc warnings" {
	command -v mandoc >/dev/null 2>&1 || skip "mandoc is not installed"
	run mandoc -T lint -W warning "$man7"
	assert_success
	assert_output ''
}

@test "weft-internals(7) marks at least six example queries" {
	run query_names
	assert_success
	[ "${#lines[@]}" -ge 6 ] || fail "only ${#lines[@]} queries"
	local name

	for name in $(query_names); do
		[ -n "$(query "$name")" ] || fail "query '$name' is empty"
	done
}

@test "every table and column of src/db.c is documented, and no other" {
	local t cols doc missing= extra=

	make_db
	for t in $(sql "SELECT name FROM sqlite_master WHERE type = 'table'
	    AND name NOT LIKE 'sqlite_%' ORDER BY name"); do
		cols=$(sql "SELECT name FROM pragma_table_info('$t')" | sort)
		doc=$(documented_columns "$t" | sort)
		[ -n "$doc" ] || { missing="$missing table $t;"; continue; }
		missing="$missing$(comm -23 <(echo "$cols") <(echo "$doc") |
		    sed "s/^/ $t./; s/\$/;/" | tr -d '\n')"
		extra="$extra$(comm -13 <(echo "$cols") <(echo "$doc") |
		    sed "s/^/ $t./; s/\$/;/" | tr -d '\n')"
	done
	for t in $(documented_tables); do
		[ "$(sql "SELECT count(*) FROM sqlite_master
		    WHERE type = 'table' AND name = '$t'")" = 1 ] ||
		    extra="$extra table $t;"
	done
	[ -z "$missing" ] || fail "not in weft-internals(7):$missing"
	[ -z "$extra" ] || fail "in weft-internals(7) but not in src/db.c:$extra"
}

@test "every example query runs on the fixture database" {
	local name

	make_db
	for name in $(query_names); do
		run run_query "$name"
		[ "$status" -eq 0 ] || fail "query '$name': $output"
		[ -n "$output" ] || fail "query '$name' printed nothing"
	done
}

@test "the example queries give the fixture's answers" {
	make_db
	run run_query states
	assert_output "pending|2
done|1"
	run run_query mean-duration
	assert_line --index 0 'hang|1|2.0'
	run run_query failed
	assert_output "0002|sim[seed=2]|2|3||/w/.weft/runs/0002/tasks/sim[seed=2]/stderr
0002|t|1||9|/w/.weft/runs/0002/tasks/t/stderr"
	run run_query failed-tries
	assert_output "sim[seed=2]|0|exit 3
sim[seed=2]|1|exit 3
t|0|killed by SIGKILL"
	run run_query timeline
	assert_output "2026-11-23 10:00:00.050000|0|pending
2026-11-23 10:00:00.100000|0|launched
2026-11-23 10:00:00.110000|0|running
2026-11-23 10:00:00.610000|0|running_ended
2026-11-23 10:00:00.610000|0|fail_retryable
2026-11-23 10:00:01.000000|1|launched
2026-11-23 10:00:01.010000|1|running
2026-11-23 10:00:01.260000|1|running_ended
2026-11-23 10:00:01.260000|1|failed"
	run run_query peak-rss
	assert_output "t|32.0|1.95
sim[seed=2]|8.0|0.62
sim[seed=1]|1.0|0.0"
	run run_query incomplete
	assert_output '0003|live|running|2026-11-24 09:00:00.000000'
	run run_query retried
	assert_output '0002|sim[seed=2]|2|failed'
}

@test "every example query runs on the database of real runs" {
	local name

	write_flow <<'EOF'
weft: 1
name: real
config: {retries: 1}
apps:
  sim: {command: "test {seed} != 2"}
  mean: {command: "true"}
main:
  - id: sim
    app: sim
    foreach: {seed: "1..3"}
  - id: mean
    app: mean
    needs: [sim]
EOF
	run weft run -q flow.yaml
	assert_failure 1
	[ -f .weft/monitoring.db ] ||
	    skip "weft run wrote no monitoring database"
	run weft run -q flow.yaml
	assert_failure 1
	for name in $(query_names); do
		run run_query "$name"
		[ "$status" -eq 0 ] || fail "query '$name': $output"
	done
	run run_query failed-tries
	assert_output "sim[seed=2]|0|exit 1
sim[seed=2]|1|exit 1"
	run run_query retried
	assert_output "0001|sim[seed=2]|2|failed
0002|sim[seed=2]|2|failed"
	# The statuses of a task are recorded in the order they happened.
	run run_query timeline
	assert_success
	run cut -d'|' -f2- <<<"$output"
	assert_output "0|pending
0|launched
0|running
0|running_ended
0|fail_retryable
1|launched
1|running
1|running_ended
1|failed"
	run run_query states
	assert_output "done|2
dep_fail|1
failed|1"
	run run_query peak-rss
	assert_equal "${#lines[@]}" 3
}
