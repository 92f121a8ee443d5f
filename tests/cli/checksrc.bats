#!/usr/bin/env bats
#
# checksrc.bats: the sources follow the project's style (scripts/checksrc.sh).

load setup

@test "scripts/checksrc.sh passes" {
	cd "$WEFT_SRCDIR"
	run "$WEFT_SRCDIR/scripts/checksrc.sh"
	assert_success
}
