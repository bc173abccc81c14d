# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# Alert rules are checked at load against the agent's metric catalog: an
# unknown metric, scope or aggregate is refused with exit 2, the file, line
# and key, and the closest known names; so are an aggregate that does not fit
# its metric, a counter without one, and a metric whose signal is off. Good
# rules print back (--check-config) in a form that loads unchanged, and
# without an alerts list --check-config prints the built-in rules in force.
. "$(dirname "$0")/../lib.sh"
[ -x "$HOSTLENS" ] || { fail alerts_rule_check "no $HOSTLENS (run make)"; finish; }
for v in $(env | sed -n 's/^\(HOSTLENS_[A-Z_]*\)=.*/\1/p'); do unset "$v"; done

# refused NAME WANT RULE-LINES... : exit 2, nothing on stdout, WANT in the message
refused() {
	name=$1; want=$2; shift 2
	printf 'signals: cpu,disk,net,http\nalerts:\n' >"$TMPD/$name.yaml"
	for l in "$@"; do printf '%s\n' "$l" >>"$TMPD/$name.yaml"; done
	"$HOSTLENS" --check-config "$TMPD/$name.yaml" >"$TMPD/out" 2>"$TMPD/err"
	rc=$?
	if [ $rc = 2 ] && [ ! -s "$TMPD/out" ] && grep -qF -- "$want" "$TMPD/err"; then ok "$name"
	else fail "$name" "exit 2 and '$want'; got exit $rc: $(cat "$TMPD/err")"; fi
}

refused alerts_unknown_metric_named_with_closest \
	"$TMPD/alerts_unknown_metric_named_with_closest.yaml:4: key 'alerts.metric': rule 'slow': unknown metric 'response_time_p95_ms' (closest: " \
	'  - name: slow' '    metric: response_time_p95_ms' '    op: ">"' '    threshold: 500'
# the API latency the old ConfigMap meant is among the closest names
if sed -n 's/.*(closest: \([^;)]*\).*/\1/p' "$TMPD/err" | grep -q 'api_latency_p95_ms'; then ok alerts_unknown_metric_closest_names_it
else fail alerts_unknown_metric_closest_names_it "api_latency_p95_ms among the closest names: $(cat "$TMPD/err")"; fi
refused alerts_misspelt_metric_closest_first \
	"unknown metric 'http_error_5xx' (closest: http_errors_5xx, " \
	'  - {name: e, metric: http_error_5xx, aggregate: count, window: 60, op: ">", threshold: 10}'
refused alerts_unknown_scope_named_with_closest \
	":4: key 'alerts.scope': rule 'e': unknown scope 'rout' (closest: route; scopes: route, process, device, mount, peer, server, sink)" \
	'  - {name: e, metric: http_errors_5xx,' '     scope: rout, aggregate: count, window: 60, op: ">", threshold: 10}'
refused alerts_unknown_aggregate_named_with_closest \
	":3: key 'alerts.aggregate': unknown aggregate 'cnt' (closest: count;" \
	'  - {name: e, metric: http_errors_5xx, aggregate: cnt, window: 60, op: ">", threshold: 10}'
refused alerts_scope_the_metric_lacks \
	"key 'alerts.scope': rule 'c': metric 'cpu_usage_pct' has no scope 'route' (it is host-wide only)" \
	'  - {name: c, metric: cpu_usage_pct, scope: {route: "GET /x"}, op: ">", threshold: 90}'
refused alerts_counter_needs_aggregate \
	"key 'alerts.aggregate': rule 'e': metric 'http_errors_5xx' is a counter (requests per second): give an aggregate (count, sum or rate) and a window" \
	'  - {name: e, metric: http_errors_5xx, op: ">", threshold: 10}'
refused alerts_gauge_refuses_count \
	"aggregate 'count' does not fit metric 'cpu_usage_pct', a gauge (use avg, max, min, or none)" \
	'  - {name: c, metric: cpu_usage_pct, aggregate: count, window: 60, op: ">", threshold: 90}'
refused alerts_aggregate_needs_window \
	"key 'alerts.window': rule 'c': aggregate 'avg' needs a window of 1 to 86400 seconds" \
	'  - {name: c, metric: cpu_usage_pct, aggregate: avg, op: ">", threshold: 90}'
refused alerts_duplicate_rule_name \
	"key 'alerts.name': rule 'c' given twice" \
	'  - {name: c, metric: cpu_usage_pct, op: ">", threshold: 90}' \
	'  - {name: c, metric: memory_used_pct, op: ">", threshold: 90}'

# a metric of a signal that is off could never fire
printf 'signals: cpu,disk\nalerts:\n  - {name: e, metric: http_errors_5xx, aggregate: count, window: 60, op: ">", threshold: 1}\n' >"$TMPD/off.yaml"
"$HOSTLENS" --check-config "$TMPD/off.yaml" >/dev/null 2>"$TMPD/err"
rc=$?
if [ $rc = 2 ] && grep -qF "alerts: rule 'e': metric 'http_errors_5xx' comes from the http signal, which is off (signals: cpu,disk)" "$TMPD/err"; then
	ok alerts_signal_off_refused
else fail alerts_signal_off_refused "exit 2 naming the signal; got $rc: $(cat "$TMPD/err")"; fi
HOSTLENS_SIGNALS=cpu,disk,http "$HOSTLENS" --check-config "$TMPD/off.yaml" >/dev/null 2>&1
check alerts_signal_on_from_env_accepted [ $? = 0 ]

# good rules: every shape, printed back, and the print loads to the same print
cat >"$TMPD/good.yaml" <<'YAML'
alerts:
  - name: orders_5xx
    metric: http_errors_5xx
    scope: {route: "GET /api/orders"}
    aggregate: count
    window: 300
    op: ">"
    threshold: 10
    for: 0
    severity: critical
  - {name: route_5xx, metric: http_errors_5xx, scope: route, aggregate: rate, window: 60, op: ">=", threshold: 0.5}
  - {name: hot_disk, metric: disk_latency_p99_ms, scope: device, aggregate: max, window: 120, op: ">", threshold: 50, for: 30s}
  - {name: jobs, metric: process_exits_failed, scope: process, aggregate: sum, window: 3600, op: ">=", threshold: 3}
  - {name: cpu, metric: cpu_usage_pct, op: ">", threshold: 90}
YAML
"$HOSTLENS" --check-config "$TMPD/good.yaml" >"$TMPD/good.out" 2>"$TMPD/good.err"
rc=$?
want='  - {name: "orders_5xx", metric: "http_errors_5xx", op: ">", threshold: 10, for: 0, severity: "critical", scope: {route: "GET /api/orders"}, aggregate: "count", window: 300}
  - {name: "route_5xx", metric: "http_errors_5xx", op: ">=", threshold: 0.5, for: 0, severity: "warning", scope: "route", aggregate: "rate", window: 60}
  - {name: "hot_disk", metric: "disk_latency_p99_ms", op: ">", threshold: 50, for: 30, severity: "warning", scope: "device", aggregate: "max", window: 120}
  - {name: "jobs", metric: "process_exits_failed", op: ">=", threshold: 3, for: 0, severity: "warning", scope: "process", aggregate: "sum", window: 3600}
  - {name: "cpu", metric: "cpu_usage_pct", op: ">", threshold: 90, for: 0, severity: "warning"}'
got=$(sed -n '/^alerts:/,$p' "$TMPD/good.out" | tail -n +2)
if [ $rc = 0 ] && [ "$got" = "$want" ]; then ok alerts_good_rules_printed
else fail alerts_good_rules_printed "exit 0 and the rules as written; got exit $rc $(cat "$TMPD/good.err"): $got"; fi
"$HOSTLENS" --check-config "$TMPD/good.out" >"$TMPD/good2.out" 2>/dev/null
if cmp -s "$TMPD/good.out" "$TMPD/good2.out"; then ok alerts_printed_rules_round_trip
else fail alerts_printed_rules_round_trip "$(diff "$TMPD/good.out" "$TMPD/good2.out" | head -6 | tr '\n' '|')"; fi

# no alerts list: the built-in rules in force are printed (not "alerts: []")
: >"$TMPD/empty.yaml"
"$HOSTLENS" --check-config "$TMPD/empty.yaml" >"$TMPD/empty.out" 2>/dev/null
n=$(grep -c '^  - {name: ' "$TMPD/empty.out")
if [ "$n" -ge 11 ] && ! grep -qx 'alerts: \[\]' "$TMPD/empty.out" &&
	grep -qxF '  - {name: "http_errors_high", metric: "http_errors_5xx", op: ">", threshold: 10, for: 0, severity: "warning", aggregate: "count", window: 300}' "$TMPD/empty.out" &&
	grep -qxF '  - {name: "agent_sink_failing", metric: "agent_sink_failing", op: ">", threshold: 0, for: 300, severity: "critical", scope: "sink"}' "$TMPD/empty.out"; then
	ok alerts_builtin_rules_printed
else fail alerts_builtin_rules_printed "the 11 built-in rules under alerts:; got $n: $(sed -n '/alerts/,$p' "$TMPD/empty.out" | head -4)"; fi
# built-in rules of a signal that is off are not in force, and say so by their absence
"$HOSTLENS" --check-config "$TMPD/empty.yaml" --signals cpu >"$TMPD/cpu.out" 2>/dev/null
if grep -q 'cpu_high' "$TMPD/cpu.out" && ! grep -q 'http_errors_5xx\|disk_latency_p99_ms\|api_latency' "$TMPD/cpu.out"; then
	ok alerts_builtin_rules_follow_signals
else fail alerts_builtin_rules_follow_signals "--signals cpu: cpu_high in force, no http or disk rule; got $(grep -c '^  - ' "$TMPD/cpu.out") rules"; fi
printf 'alerts: []\n' >"$TMPD/none.yaml"
"$HOSTLENS" --check-config "$TMPD/none.yaml" 2>/dev/null | grep -qx 'alerts: \[\]'
check alerts_empty_list_means_none [ $? = 0 ]
finish
