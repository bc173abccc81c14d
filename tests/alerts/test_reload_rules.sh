# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# SIGHUP checks alert rules as a start does: a file whose rule names an
# unknown metric is refused, the log says why (with the closest name), and
# the running rules stay and keep firing; a good file then replaces them
# and an unchanged firing rule neither fires again nor resolves.
. "$(dirname "$0")/../lib.sh"
need_root alerts_reload_rules || finish
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3

cat >"$TMPD/hl.yaml" <<'YAML'
signals: cpu
flush_interval: 1
alerts:
  - {name: always_on, metric: cpu_usage_pct, op: ">=", threshold: 0, severity: info}
YAML
start_agent --config "$TMPD/hl.yaml" || { fail alerts_reload_agent_started "$(tail -5 "$TMPD/agent.log")"; finish; }
rules() { api /api/v1/alerts | "$PY" -c "
import json, sys
d = json.load(sys.stdin)
print(' '.join(r['rule'] for r in d.get('rules', [])), '|', ' '.join(a['rule'] + ':' + a['state'] for a in d['active']))"; }
firing() { rules | grep -q "| .*always_on:firing"; }
wait_for 10 firing || { fail alerts_reload_first_rule_fires "always_on should fire: $(rules)"; finish; }

cat >"$TMPD/hl.yaml" <<'YAML'
signals: cpu
flush_interval: 1
alerts:
  - {name: always_on, metric: cpu_usage_pct, op: ">=", threshold: 0, severity: info}
  - {name: typo, metric: cpu_usge_pct, op: ">", threshold: 90}
YAML
kill -HUP "$AGENT_PID"
logged() { grep -qF "SIGHUP: config not reloaded: $TMPD/hl.yaml:5: key 'alerts.metric': rule 'typo': unknown metric 'cpu_usge_pct' (closest: cpu_usage_pct" "$TMPD/agent.log"; }
if wait_for 5 logged; then ok alerts_reload_unknown_metric_refused_and_logged
else fail alerts_reload_unknown_metric_refused_and_logged "the log names the file, line, rule and closest metric; got: $(grep SIGHUP "$TMPD/agent.log")"; fi
sleep 1.5
got=$(rules)
if [ "$got" = "always_on | always_on:firing" ]; then ok alerts_reload_refused_keeps_rules
else fail alerts_reload_refused_keeps_rules "the running rule stays and keeps firing; got '$got'"; fi

cat >"$TMPD/hl.yaml" <<'YAML'
signals: cpu
flush_interval: 1
alerts:
  - {name: always_on, metric: cpu_usage_pct, op: ">=", threshold: 0, severity: info}
  - {name: failed_jobs, metric: process_exits_failed, scope: process, aggregate: count, window: 60, op: ">", threshold: 1000}
YAML
kill -HUP "$AGENT_PID"
reloaded() { grep -q "SIGHUP: configuration reloaded" "$TMPD/agent.log"; }
wait_for 5 reloaded
sleep 1.5
got=$(rules)
stop_agent
n=$("$PY" -c "
import json, sys
print(sum(1 for l in open('$TMPD/data/records.ndjson') for r in [json.loads(l)] if r['type'] == 'alert' and r['rule'] == 'always_on'))")
if [ "$got" = "always_on failed_jobs | always_on:firing" ] && [ "$n" = 1 ]; then ok alerts_reload_good_file_keeps_state
else fail alerts_reload_good_file_keeps_state "both rules, always_on still firing, one always_on record in all; got '$got', $n records"; fi
finish
