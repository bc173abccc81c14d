#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# `hostlens fleet` against a real dynalite on loopback (through the fault
# proxy), fed by the dynamodb sink's own code (ddb_feed) as three agents with
# different --source would: the fleet lists the three hosts with the newest
# values that were written (not older ones), their firing alerts, agent
# links, fleet totals, the slowest routes across hosts, a host's rollup
# series and the fleet series in /metrics; with the clock moved 4 minutes
# (HOSTLENS_FLEET_CLOCK_FILE) the host that stopped writing shows stale and
# a fourth host appears without a restart; reads are Query and BatchGetItem
# only (never Scan); a table written without registry items is read through
# --fleet-sources; --fleet-max-hosts caps and counts; throttling from the
# proxy backs off, is shown, and recovers.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/fleet.lib"
[ -x "$FEED" ] || { fail fleet_setup "$FEED not built (make)"; finish; }
fleet_dynalite fleet_setup fleet-test fleet-old
PP=$(free_port)
start_proxy "$PP" "$DP" || { fail fleet_setup "fault proxy did not start"; finish; }
NOW=$(node -e 'console.log(Date.now())')

feed() { # TABLE SOURCE N NOW [extra...] [-- --set k=v...]
	t=$1 s=$2 n=$3 now=$4; shift 4
	ex=; while [ $# -gt 0 ] && [ "$1" != -- ]; do ex="$ex $1"; shift; done
	[ "$1" = -- ] && shift
	$FIX "$s" "$n" "$now" $ex >"$TMPD/$s.$now.ndjson"
	AWS_ENDPOINT_URL_DYNAMODB=$DDB "$FEED" "$TMPD/$s.$now.ndjson" --set dynamodb-table="$t" \
		--set public-url="http://$s.example:9090" "$@" >>"$TMPD/feed.log" 2>&1
}
feed fleet-test web-1 1 "$NOW" rollups || fail fleet_feed "web-1: $(tail -2 "$TMPD/feed.log")"
feed fleet-test web-2 2 "$NOW" alerts || fail fleet_feed "web-2: $(tail -2 "$TMPD/feed.log")"
feed fleet-test web-3 3 "$NOW" || fail fleet_feed "web-3: $(tail -2 "$TMPD/feed.log")"

echo 0 >"$TMPD/clock"
HOSTLENS_FLEET_CLOCK_FILE=$TMPD/clock AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:$PP \
	"$HOSTLENS" fleet --listen "127.0.0.1:$WP" --dynamodb-table fleet-test --fleet-refresh 1 \
	--fleet-stale 3 --log-level debug >"$TMPD/fleet.log" 2>&1 &
FLEET=$!; bg_track $FLEET
fapi() { curl -sf "http://127.0.0.1:$WP$1"; }
hosts_is() { fapi /api/v1/fleet/hosts >"$TMPD/h.json" && [ "$(jqn "$1" "$TMPD/h.json")" = true ]; }

# 1. Three hosts with the newest values written.
if wait_for 15 hosts_is 'j.hosts.length===3 && j.hosts.every(h=>h.vm&&h.webapp)'; then ok fleet_lists_three_hosts
else fail fleet_lists_three_hosts "wanted web-1..3 with values: $(head -c 600 "$TMPD/h.json"; tail -3 "$TMPD/fleet.log")"; fi
node -e "
const j=JSON.parse(require('fs').readFileSync('$TMPD/h.json','utf8')); const bad=[];
for (const n of [1,2,3]) { const h=j.hosts.find(x=>x.source==='web-'+n);
  if(!h){bad.push('no web-'+n);continue;}
  const want={cpu_usage_pct:10*n+1.5, memory_used_pct:20*n+0.25, disk_read_bytes_per_s:1000*n,
    net_tx_bytes_per_s:4000*n, cpu_count:4};
  for (const k in want) if (h.vm[k]!==want[k]) bad.push(h.source+' vm.'+k+' '+h.vm[k]+' != '+want[k]);
  const ww={requests_per_s:100*n+0.5, response_time_p95_ms:12.5*n, error_rate_pct:0.5*n, active_users:7*n};
  for (const k in ww) if (h.webapp[k]!==ww[k]) bad.push(h.source+' webapp.'+k+' '+h.webapp[k]+' != '+ww[k]);
  if (h.vm.timestamp!==$NOW-10000) bad.push(h.source+' vm.timestamp '+h.vm.timestamp);
  if (h.address!=='http://web-'+n+'.example:9090') bad.push(h.source+' address '+h.address);
  if (h.stale!==false) bad.push(h.source+' stale');
  if (!h.registry) bad.push(h.source+' not from the registry');
  if (h.webapp.routes[0].route!=='/api/h'+n || h.webapp.routes.some(r=>r.route==='/upstream')) bad.push(h.source+' routes '+JSON.stringify(h.webapp.routes));
  const fire=h.alerts.map(a=>a.rule).join(',');
  if (fire!==(n===2?'cpu_high':'')) bad.push(h.source+' alerts firing '+fire);
}
if (j.totals.requests_per_s!==601.5||j.totals.fresh!==3||j.totals.alerts_firing!==1) bad.push('totals '+JSON.stringify(j.totals));
if (!(j.status.read_units.total>0) || j.status.read_units.budget_per_s!==50 || j.status.state!=='ok') bad.push('status '+JSON.stringify(j.status));
if (bad.length){console.log(bad.join('; '));process.exit(1);}" >"$TMPD/cmp" 2>&1 &&
	ok fleet_latest_values_equal_written || fail fleet_latest_values_equal_written "$(cat "$TMPD/cmp")"

fapi /api/v1/fleet/routes >"$TMPD/r.json"
check fleet_slowest_routes_across_hosts [ "$(jqn 'j.routes.slice(0,3).map(r=>r.source+" "+r.route+" "+r.latency_p95_ms).join(",")' "$TMPD/r.json")" = "web-3 /api/h3 150.5,web-2 /api/h2 100.5,web-1 /api/h1 50.5" ]

fapi /metrics >"$TMPD/m.txt"
check fleet_metrics_series grep -qx 'hostlens_fleet_host_cpu_usage_pct{source="web-2"} 21.5' "$TMPD/m.txt"
check fleet_metrics_read_units grep -q '^hostlens_fleet_read_units_total [1-9]' "$TMPD/m.txt"

# 2. A host's rollup series: cpu_usage_pct averages of six slots, oldest first.
series_done() { fapi "/api/v1/fleet/hosts/web-1/series?metric=cpu_usage_pct" >"$TMPD/s.json" && [ "$(jqn 'j.loading' "$TMPD/s.json")" = false ]; }
wait_for 10 series_done
check fleet_host_rollup_series [ "$(jqn 'j.points.map(p=>p[1]).join(",")' "$TMPD/s.json")" = "16,15,14,13,12,11" ] || cat "$TMPD/s.json"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$WP/api/v1/fleet/hosts/web-1/series?metric=nope")
check fleet_series_unknown_metric_400 [ "$code" = 400 ]
fapi "/api/v1/fleet/hosts/nobody/series?metric=cpu_usage_pct" >/dev/null
sleep 1.5
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$WP/api/v1/fleet/hosts/nobody/series?metric=cpu_usage_pct")
check fleet_series_unknown_host_404 [ "$code" = 404 ]

# 3. Four minutes later web-3 has stopped writing: stale. web-4 appears.
LATER=$((NOW + 240000))
echo 240000 >"$TMPD/clock"
feed fleet-test web-1 1 "$LATER"; feed fleet-test web-2 2 "$LATER"
if wait_for 10 hosts_is 'j.hosts.filter(h=>h.stale).map(h=>h.source).join()==="web-3" && j.totals.stale===1'; then
	ok fleet_stopped_host_stale
else fail fleet_stopped_host_stale "wanted web-3 alone stale: $(jqn 'j.hosts.map(h=>h.source+":"+h.stale+":"+h.age_s)' "$TMPD/h.json")"; fi
check fleet_stale_host_keeps_values [ "$(jqn 'j.hosts.find(h=>h.source==="web-3").vm.cpu_usage_pct' "$TMPD/h.json")" = 31.5 ]
feed fleet-test web-4 4 "$LATER"
if wait_for 10 hosts_is 'j.hosts.length===4 && (j.hosts.find(h=>h.source==="web-4")||{}).vm?.cpu_usage_pct===41.5'; then
	ok fleet_fourth_host_without_restart
else fail fleet_fourth_host_without_restart "$(jqn 'j.hosts.map(h=>h.source)' "$TMPD/h.json")"; fi
check fleet_never_scans [ "$(proxy_stat "$PP" 'j.by_target.Scan||0')" = 0 ]
check fleet_reads_query_and_batchget [ "$(proxy_stat "$PP" '(j.by_target.Query>0)&&(j.by_target.BatchGetItem>0)')" = true ]

# 4. Throttling: backoff, the notice, recovery with the values kept.
proxy_fault "$PP" '{"status":400,"type":"ProvisionedThroughputExceededException","status_requests":4,"status_target":"Query"}'
if wait_for 10 hosts_is 'j.status.state==="throttled" && /ProvisionedThroughputExceeded/.test(j.status.message) && j.status.backoff_ms>=1000 && j.hosts.length===4'; then
	ok fleet_throttled_shown_values_kept
else fail fleet_throttled_shown_values_kept "$(jqn 'j.status' "$TMPD/h.json")"; fi
maxb=0
i=0; while [ $i -lt 300 ]; do
	fapi /api/v1/fleet/hosts >"$TMPD/h.json" 2>/dev/null || true
	b=$(jqn 'j.status.backoff_ms' "$TMPD/h.json" 2>/dev/null || echo 0)
	[ "$b" -gt "$maxb" ] 2>/dev/null && maxb=$b
	[ "$(jqn 'j.status.state' "$TMPD/h.json" 2>/dev/null)" = ok ] && break
	sleep 0.1; i=$((i + 1))
done
check fleet_throttle_backoff_grows [ "$maxb" -ge 4000 ]
check fleet_throttle_recovers [ "$(jqn 'j.status.state+" "+j.status.throttling.throttled_total+" "+j.hosts.length' "$TMPD/h.json")" = "ok 4 4" ]
check fleet_throttle_logged grep -q 'fleet: Query on table fleet-test: HTTP 400 ProvisionedThroughputExceededException; next read in' "$TMPD/fleet.log"

# 5. A read hanging in the table's endpoint does not hold the stop.
proxy_fault "$PP" '{"delay_requests":50,"delay_ms":20000}'
sleep 2
t0=$(date +%s%N)
stop_pid $FLEET
t1=$(date +%s%N)
proxy_fault "$PP" '{"delay_requests":0}'
check fleet_stops_during_a_hung_read [ $(( (t1 - t0) / 1000000 )) -lt 3000 ]

# 6. A table written by older agents (no registry item): --fleet-sources.
feed fleet-old old-1 5 "$NOW" alerts -- --set dynamodb-registry=false
feed fleet-old old-2 6 "$NOW" -- --set dynamodb-registry=false
check fleet_old_table_has_no_registry [ -z "$($AWS_TOOL query "$DDB" fleet-old 'hostlens#hosts')" ]
WP2=$(free_port)
AWS_ENDPOINT_URL_DYNAMODB=$DDB HOSTLENS_AUTH_TOKEN=fleet-read-token "$HOSTLENS" fleet --listen "127.0.0.1:$WP2" \
	--dynamodb-table fleet-old --fleet-refresh 1 --fleet-sources old-1,old-2 >"$TMPD/fleet2.log" 2>&1 &
F2=$!; bg_track $F2
WP_SAVE=$WP; WP=$WP2
wait_for 10 curl -sf -o /dev/null "http://127.0.0.1:$WP2/readyz"
c1=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$WP2/api/v1/fleet/hosts")
c2=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$WP2/api/v1/fleet/hosts/old-1/series?metric=cpu_usage_pct")
c3=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$WP2/")
check fleet_auth_token_same_roles [ "$c1 $c2 $c3" = "401 401 200" ]
fapi() { curl -sf -H 'Authorization: Bearer fleet-read-token' "http://127.0.0.1:$WP$1"; }
if wait_for 15 hosts_is 'j.hosts.length===2 && j.hosts.every(h=>h.vm&&h.webapp&&!h.stale&&!h.registry) && j.hosts[0].vm.cpu_usage_pct===51.5 && j.hosts[1].webapp.requests_per_s===600.5 && j.hosts[0].alerts.map(a=>a.rule).join()==="cpu_high" && j.status.registry===false'; then
	ok fleet_old_table_read_by_sources
else fail fleet_old_table_read_by_sources "$(head -c 800 "$TMPD/h.json")"; fi
stop_pid $F2
fapi() { curl -sf "http://127.0.0.1:$WP$1"; }

# 7. The host cap: two of four kept (the freshest), the rest counted.
AWS_ENDPOINT_URL_DYNAMODB=$DDB HOSTLENS_FLEET_CLOCK_FILE=$TMPD/clock "$HOSTLENS" fleet \
	--listen "127.0.0.1:$WP2" --dynamodb-table fleet-test --fleet-refresh 1 --fleet-max-hosts 2 \
	>"$TMPD/fleet3.log" 2>&1 &
F3=$!; bg_track $F3
if wait_for 15 hosts_is 'j.hosts.length===2 && j.status.limits.hosts_dropped>=1 && j.status.limits.max_hosts===2 && !j.hosts.some(h=>h.source==="web-3")'; then
	ok fleet_max_hosts_capped_counted
else fail fleet_max_hosts_capped_counted "$(jqn '[j.hosts.map(h=>h.source), j.status.limits]' "$TMPD/h.json")"; fi
stop_pid $F3
WP=$WP_SAVE

# 8. The read budget: with 1 read unit a second the reads spread over
# refreshes (deferred, shown) and what was consumed stays near the budget,
# yet every host is read in the end.
T0=$(date +%s)
AWS_ENDPOINT_URL_DYNAMODB=$DDB HOSTLENS_FLEET_CLOCK_FILE=$TMPD/clock "$HOSTLENS" fleet \
	--listen "127.0.0.1:$WP2" --dynamodb-table fleet-test --fleet-refresh 1 --fleet-read-units 1 \
	>"$TMPD/fleet4.log" 2>&1 &
F4=$!; bg_track $F4
WP=$WP2
if wait_for 20 hosts_is 'j.hosts.length===4 && j.hosts.every(h=>h.vm&&h.webapp) && j.status.read_units.deferred_total>0'; then
	el=$(( $(date +%s) - T0 + 1 ))
	# bucket: one refresh's worth (1) at start, 1 a second, one call's overshoot (< 4 units here)
	check fleet_read_budget_bounds_consumption [ "$(jqn "j.status.read_units.total <= 1 + $el + 4 && j.status.read_units.budget_per_s===1" "$TMPD/h.json")" = true ]
else fail fleet_read_budget_bounds_consumption "$(jqn 'j.status.read_units' "$TMPD/h.json")"; fi
stop_pid $F4
WP=$WP_SAVE

# 9. Bad flags name the problem and exit 2.
"$HOSTLENS" fleet --fleet-max-hosts 0 >/dev/null 2>"$TMPD/bad.err"; rc=$?
check fleet_bad_flag_exit_2 [ "$rc" = 2 ]
check fleet_bad_flag_named grep -q -- '--fleet-max-hosts' "$TMPD/bad.err"
env -u AWS_REGION AWS_CONFIG_FILE=/nonexistent "$HOSTLENS" fleet --listen "127.0.0.1:$WP2" >/dev/null 2>"$TMPD/noregion.err"; rc=$?
check fleet_no_region_exit_2 [ "$rc" = 2 ]
check fleet_no_region_named grep -q 'no AWS region: set AWS_REGION' "$TMPD/noregion.err"
finish
