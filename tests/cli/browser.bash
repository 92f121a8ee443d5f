# browser.bash: a report as a real browser shows it ("load browser" after
# "load setup"), for report.bats and the suites whose runs the report
# draws (remote pools, resources).
#
#   page_dom FILE [SHOT]    the DOM of FILE after its script ran, read by
#                           headless Chromium; with SHOT, a screenshot

page_dom()
{
	local url="file://$(readlink -f "$1")"

	timeout 120 chromium --headless --no-sandbox --disable-gpu \
	    --user-data-dir="$BATS_TEST_TMPDIR/chromium" \
	    --virtual-time-budget=20000 --dump-dom "$url" 2>/dev/null
	if [ -n "${2:-}" ]; then
		timeout 120 chromium --headless --no-sandbox --disable-gpu \
		    --user-data-dir="$BATS_TEST_TMPDIR/chromium" \
		    --virtual-time-budget=20000 --window-size=1300,1600 \
		    --screenshot="$2" "$url" >/dev/null 2>&1
	fi
}

