# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# SIGHUP reloads what can change safely: the HTTP capture filter moves from
# one server to another, a new alert rule fires, the file sink is rebuilt with
# new rotation settings, and no record is lost across the reload.
. "$(dirname "$0")/../lib.sh"
need_root config_reload || finish

python3 -m http.server 0 --bind 127.0.0.1 >"$TMPD/a.log" 2>&1 &
SA=$!
python3 -m http.server 0 --bind 127.0.0.1 >"$TMPD/b.log" 2>&1 &
SB=$!
on_exit "kill $SA $SB 2>/dev/null"
PA=$(listen_port $SA); PB=$(listen_port $SB)

cat >"$TMPD/hl.yaml" <<YAML
pid: [$SA]
flush_interval: 1
file_keep: 3
alerts: []
YAML
start_agent --config "$TMPD/hl.yaml" || { fail reload_agent_started "$(tail -5 "$TMPD/agent.log")"; finish; }

hits() { # pid: requests the agent shows for that server pid
	api /api/v1/requests | python3 -c "import json,sys; print(sum(1 for r in json.load(sys.stdin) if r['pid']==$1))"
}
for i in 1 2 3; do curl -s -o /dev/null "http://127.0.0.1:$PA/"; curl -s -o /dev/null "http://127.0.0.1:$PB/"; done
sleep 1.5
a1=$(hits $SA); b1=$(hits $SB)
if [ "$a1" -ge 3 ] && [ "$b1" = 0 ]; then ok reload_filter_before; else fail reload_filter_before "pid filter on A: A=$a1 (>=3) B=$b1 (0)"; fi

cat >"$TMPD/hl.yaml" <<YAML
pid: [$SB]
flush_interval: 1
file_keep: 5
alerts:
  - {name: always_on, metric: cpu_usage_pct, op: ">=", threshold: 0, for: 0, severity: info}
YAML
kill -HUP "$AGENT_PID"
sleep 1.5
for i in 1 2 3; do curl -s -o /dev/null "http://127.0.0.1:$PA/"; curl -s -o /dev/null "http://127.0.0.1:$PB/"; done
sleep 1.5
a2=$(hits $SA); b2=$(hits $SB)
if [ "$b2" -ge 3 ] && [ "$a2" = "$a1" ]; then ok reload_filter_moved; else fail reload_filter_moved "after SIGHUP the filter is on B: A stays $a1 (got $a2), B >= 3 (got $b2)"; fi
check reload_logged grep -q "SIGHUP: configuration reloaded" "$TMPD/agent.log"
check reload_sinks_rebuilt grep -q "reload: sinks rebuilt" "$TMPD/agent.log"
fired=$(api /api/v1/alerts | python3 -c "import json,sys; d=json.load(sys.stdin); print(sum(1 for r in d['active'] if r['rule']=='always_on'))")
check reload_new_alert_rule_fires [ "$fired" = 1 ]
n=$(api /api/v1/stats | python3 -c "import json,sys; print(json.load(sys.stdin)['config_reloads_total'])")
check reload_counted [ "$n" = 1 ]

# a bad file is refused whole; the agent keeps running on the old config
printf 'flush_interval: often\n' >"$TMPD/hl.yaml"
kill -HUP "$AGENT_PID"; sleep 0.5
check reload_bad_file_refused grep -q "config not reloaded: .*hl.yaml:1: key 'flush_interval'" "$TMPD/agent.log"
check reload_agent_still_ready api /readyz

stop_agent
check reload_clean_exit [ "$AGENT_RC" = 0 ]
# no record lost: every flush second has its records, before and after the reload
res=$(python3 - "$TMPD/data" <<'PY'
import glob, gzip, json, sys
ts = []
for f in sorted(glob.glob(sys.argv[1] + "/records.ndjson*")):
    op = gzip.open if f.endswith(".gz") else open
    for line in op(f, "rt"):
        r = json.loads(line)
        if r["type"] == "process-metrics": ts.append(r["timestamp"])
ts.sort()
gaps = [b - a for a, b in zip(ts, ts[1:])]
print(len(ts), max(gaps) if gaps else 0)
PY
)
n=${res% *}; gap=${res#* }
if [ "$n" -ge 5 ] && [ "$gap" -le 2600 ]; then ok reload_no_records_lost
else fail reload_no_records_lost "expected a process-metrics record every ~1 s across the reload, got $n records, largest gap $gap ms"; fi
finish
