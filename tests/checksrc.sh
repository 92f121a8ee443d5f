#!/bin/sh
# checksrc.sh: runs scripts/checksrc.sh, the style checker, as a TAP test,
# so that "make check" checks the style whether or not bats is installed.
srcdir=${WEFT_SRCDIR:-$(dirname "$0")/..}
echo "1..1"
if out=$("$srcdir/scripts/checksrc.sh" "$srcdir" 2>&1); then
	echo "ok 1 - scripts/checksrc.sh passes"
else
	echo "not ok 1 - scripts/checksrc.sh passes"
	printf '%s\n' "$out" | sed 's/^/# /'
fi
