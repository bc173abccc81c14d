#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# SIGHUP reloads the fleet view: from its config file, the read budget, the
# stale age, the window and the configured sources take effect without a
# restart (a source added shows up); a changed table is named in the log as
# needing a restart and the table read stays; a bad file is refused whole and
# the view keeps running on what it had.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/fleet.lib"
[ -x "$FEED" ] || { fail fleet_reload_setup "$FEED not built (make)"; finish; }
fleet_dynalite fleet_reload_setup fleet-rl
NOW=$(node -e 'console.log(Date.now())')
# two hosts written without registry items: seen only as configured sources
for n in 1 2; do
	$FIX "old-$n" "$n" "$NOW" >"$TMPD/old-$n.ndjson"
	AWS_ENDPOINT_URL_DYNAMODB=$DDB "$FEED" "$TMPD/old-$n.ndjson" --set dynamodb-table=fleet-rl \
		--set dynamodb-registry=false >>"$TMPD/feed.log" 2>&1 ||
		fail fleet_reload_feed "old-$n: $(tail -2 "$TMPD/feed.log")"
done

cat >"$TMPD/fleet.yaml" <<YAML
dynamodb_table: fleet-rl
fleet_refresh: 1
fleet_read_units: 50
fleet_sources: old-1
YAML
AWS_ENDPOINT_URL_DYNAMODB=$DDB "$HOSTLENS" fleet --listen "127.0.0.1:$WP" --config "$TMPD/fleet.yaml" \
	>"$TMPD/fleet.log" 2>&1 &
FLEET=$!; bg_track $FLEET
hosts_is() { curl -sf "http://127.0.0.1:$WP/api/v1/fleet/hosts" >"$TMPD/h.json" && [ "$(jqn "$1" "$TMPD/h.json")" = true ]; }
if wait_for 15 hosts_is 'j.hosts.map(h=>h.source).join()==="old-1" && j.status.read_units.budget_per_s===50 && j.status.stale_after_s===180 && j.status.config_reloads_total===0'; then
	ok fleet_reload_before
else fail fleet_reload_before "$(head -c 600 "$TMPD/h.json"; tail -3 "$TMPD/fleet.log")"; fi

cat >"$TMPD/fleet.yaml" <<YAML
dynamodb_table: fleet-other
fleet_refresh: 1
fleet_read_units: 80
fleet_stale: 5
fleet_window: 30
fleet_sources: old-1,old-2
YAML
kill -HUP $FLEET
if wait_for 10 hosts_is 'j.hosts.map(h=>h.source).sort().join()==="old-1,old-2" && j.hosts.every(h=>h.vm&&h.configured) && j.status.read_units.budget_per_s===80 && j.status.stale_after_s===300 && j.status.window_s===1800 && j.status.config_reloads_total===1 && j.status.table==="fleet-rl"'; then
	ok fleet_reload_applied
else fail fleet_reload_applied "$(head -c 800 "$TMPD/h.json"; tail -3 "$TMPD/fleet.log")"; fi
check fleet_reload_logged grep -q "SIGHUP: configuration reloaded" "$TMPD/fleet.log"
check fleet_reload_restart_only_named grep -q "reload: dynamodb_table changed: it takes effect at the next restart" "$TMPD/fleet.log"

printf 'fleet_refresh: often\n' >"$TMPD/fleet.yaml"
kill -HUP $FLEET
wait_for 5 grep -q "config not reloaded" "$TMPD/fleet.log"
check fleet_reload_bad_file_refused grep -q "config not reloaded: .*fleet.yaml:1: key 'fleet_refresh'" "$TMPD/fleet.log"
sleep 1.5
if hosts_is 'j.hosts.length===2 && j.status.read_units.budget_per_s===80 && j.status.config_reloads_total===1 && j.status.state==="ok"'; then
	ok fleet_reload_bad_file_keeps_running
else fail fleet_reload_bad_file_keeps_running "$(head -c 600 "$TMPD/h.json")"; fi
kill $FLEET; wait $FLEET; rc=$?
check fleet_reload_clean_exit [ "$rc" = 0 ]
finish
