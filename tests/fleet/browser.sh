#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# The fleet page in headless Chromium (playwright-core, Debian's chromium)
# over a real dynalite fed by the dynamodb sink's code: three host rows with
# the written values, a host's rollup chart drawn from its 5-minute rollups,
# the agent link, the throttling notice while the fault proxy throttles and
# its going away, desktop and phone widths (screenshots in build/test-results).
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/sinks/sinks.lib"
FEED=$BUILD/tests/helpers/ddb_feed
OUT=${TEST_OUT:-$TOP/build/test-results}
mkdir -p "$OUT"
if [ ! -x /usr/bin/chromium ]; then skip fleet_browser "no /usr/bin/chromium (scripts/setup.sh test installs it)"; finish; fi
if [ ! -d "$TOP/tests/js/node_modules/playwright-core" ]; then
	skip fleet_browser "tests/js/node_modules missing (cd tests/js && npm ci)"; finish
fi
[ -x "$FEED" ] || { fail fleet_browser "$FEED not built (make)"; finish; }
sinks_prereq fleet_browser || finish
aws_test_env
DP=$(free_port); PP=$(free_port); WP=$(free_port)
start_dynalite "$DP" "$TMPD/ddb" || { fail fleet_browser "dynalite did not start"; finish; }
start_proxy "$PP" "$DP" || { fail fleet_browser "fault proxy did not start"; finish; }
$AWS_TOOL create-table "http://127.0.0.1:$DP" fleet-web >/dev/null 2>&1
NOW=$(node -e 'console.log(Date.now())')
for n in 1 2 3; do
	ex=; [ $n = 1 ] && ex=rollups; [ $n = 2 ] && ex=alerts
	node "$TOP/tests/fleet/fixtures.js" "web-$n" $n "$NOW" $ex >"$TMPD/w$n.ndjson"
	AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:$DP "$FEED" "$TMPD/w$n.ndjson" --set dynamodb-table=fleet-web \
		--set public-url="http://web-$n.example:9090" >>"$TMPD/feed.log" 2>&1 || fail fleet_browser_feed "$(tail -2 "$TMPD/feed.log")"
done
AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:$PP "$HOSTLENS" fleet --listen "127.0.0.1:$WP" \
	--dynamodb-table fleet-web --fleet-refresh 1 >"$TMPD/fleet.log" 2>&1 &
FLEET=$!; bg_track $FLEET
wait_for 10 curl -sf "http://127.0.0.1:$WP/readyz" -o /dev/null || fail fleet_browser "the fleet view did not get ready: $(tail -3 "$TMPD/fleet.log")"
TOP=$TOP node "$TOP/tests/fleet/browser.js" "$WP" "$PP" "$OUT" "$TMPD/chromium-profile" || tl_failed=1
finish
