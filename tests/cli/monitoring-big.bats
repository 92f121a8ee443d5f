#!/usr/bin/env bats
#
# monitoring-big.bats: a run of 20,000 quick tasks, 2 at a time, is
# recorded exactly in .weft/monitoring.db: 20,000 task rows, 20,000 try
# rows, 100,000 status rows (five per task, in order), 20,000 final
# resource rows, and the workflow row completed.  It takes a while
# (30-60 s on a small machine); it is the only test of that size.

load setup
load monitoring

BATS_TEST_TIMEOUT=900
WEFT_CALL_TIMEOUT=800

@test "20,000 tasks: every row is in the database, exactly" {
	many_flow 20000
	run --separate-stderr weft run -q flow.yaml
	assert_success
	assert_line --regexp '^summary: 20000 tasks: 20000 done in [0-9]+\.[0-9]+s$'
	refute_line --partial 'record incomplete'
	check_exact_run 20000
}
