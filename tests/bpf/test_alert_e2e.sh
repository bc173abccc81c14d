# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# An alert fires and resolves under a real workload: a CPU rule with a 1 s
# hold, two burners (one per core) for 4 s, then quiet. Checked in the
# records (firing, then resolved) and in /api/v1/alerts while it fires.
. "$(dirname "$0")/../lib.sh"
need_root alert_e2e || finish
cat >"$TMPD/hl.yaml" <<'YAML'
flush_interval: 1
alerts:
  - {name: cpu_hot, metric: cpu_usage_pct, op: ">", threshold: 90, for: 1, severity: critical}
YAML
start_agent --config "$TMPD/hl.yaml" || { fail alert_agent_started "$(tail -3 "$TMPD/agent.log")"; finish; }
sleep 2
B=$BUILD/tests/helpers/burn
taskset -c 0 "$B" 4000 0 >/dev/null &
B1=$!
taskset -c 1 "$B" 4000 0 >/dev/null &
B2=$!
sleep 3.5
active=$(api /api/v1/alerts | python3 -c "import json,sys; print(sum(1 for a in json.load(sys.stdin)['active'] if a['rule']=='cpu_hot' and a['state']=='firing'))")
wait $B1 $B2
sleep 6
stop_agent
res=$(python3 - "$TMPD/data/records.ndjson" <<'PY'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
al = [(r["state"], r["timestamp"], r["value"]) for r in ev if r["type"] == "alert" and r["rule"] == "cpu_hot"]
states = [a[0] for a in al]
ok = states[:2] == ["firing", "resolved"] and al[0][2] > 90 and al[1][1] > al[0][1]
print("yes" if ok else "no", states)
PY
)
check alert_firing_visible_in_api [ "$active" = 1 ]
case $res in yes*) ok alert_fires_then_resolves_in_records ;; *) fail alert_fires_then_resolves_in_records "expected firing (value > 90) then resolved records, got $res" ;; esac
finish
