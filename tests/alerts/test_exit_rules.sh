# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# Failed process exits (the old system's Lambda errors) as a metric rules can
# use, counted per command by the CPU signal from sched_process_exit: a job
# that exits 1 three times in 60 s fires a fan-out rule naming it; a job that
# exits 0 five times, and one that fails twice, do not; a job killed by a
# signal three times (a crash: exit status 0, signal 9) fires too.
. "$(dirname "$0")/../lib.sh"
need_root alerts_exit_rules || finish
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3

cat >"$TMPD/hl.yaml" <<'YAML'
signals: cpu
flush_interval: 1
alerts:
  - {name: job_failures, metric: process_exits_failed, scope: process, aggregate: count, window: 60, op: ">=", threshold: 3, severity: critical}
YAML
# commands of their own name (the kernel's comm is the file name)
# (other commands on the host fail too and get alerts of their own: only
# these three are looked at)
cp /bin/false "$TMPD/hl-failjob" && cp /bin/false "$TMPD/hl-flakyjob" && cp /bin/true "$TMPD/hl-okjob" ||
	{ fail alerts_exit_jobs "cannot copy /bin/false and /bin/true"; finish; }
start_agent --config "$TMPD/hl.yaml" || { fail alerts_exit_agent_started "$(tail -5 "$TMPD/agent.log")"; finish; }
sleep 1
for i in 1 2 3 4 5; do "$TMPD/hl-okjob"; done
for i in 1 2; do "$TMPD/hl-flakyjob"; done
for i in 1 2 3; do "$TMPD/hl-failjob"; done
cp /bin/sleep "$TMPD/hl-crashjob" || { fail alerts_exit_jobs "cannot copy /bin/sleep"; finish; }
for i in 1 2 3; do "$TMPD/hl-crashjob" 30 & k=$!; sleep 0.1; kill -KILL $k; wait $k 2>/dev/null; done

firing() { # COMM: the rule fires for that command
	api /api/v1/alerts | "$PY" -c "
import json, sys
d = json.load(sys.stdin)
sys.exit(0 if any(a['rule'] == 'job_failures' and a.get('scope') == {'process': '$1'} for a in d['active']) else 1)"
}
if wait_for 10 firing hl-failjob; then ok alerts_failed_exits_fire_per_command
else fail alerts_failed_exits_fire_per_command "3 exits with code 1 of hl-failjob in 60 s: job_failures fires with scope {process: hl-failjob}; got $(api /api/v1/alerts | head -c 500)"; fi
if wait_for 10 firing hl-crashjob; then ok alerts_killed_jobs_fire
else fail alerts_killed_jobs_fire "3 kills (SIGKILL) of hl-crashjob in 60 s: job_failures fires with scope {process: hl-crashjob}; got $(api /api/v1/alerts | head -c 500)"; fi
sleep 2
if firing hl-okjob || firing hl-flakyjob; then
	fail alerts_clean_and_rare_exits_quiet "hl-okjob (5 exits with 0) and hl-flakyjob (2 failures) must not fire: $(api /api/v1/alerts | head -c 500)"
else ok alerts_clean_and_rare_exits_quiet; fi
stop_agent
rec=$("$PY" - "$TMPD/data/records.ndjson" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
al = [r for r in recs if r["type"] == "alert" and r["rule"] == "job_failures" and r["state"] == "firing"
      and r["scope"]["process"].startswith("hl-")]
ok = sorted((a["scope"]["process"], a["value"]) for a in al) == [("hl-crashjob", 3), ("hl-failjob", 3)]
print("" if ok else "one firing record each of hl-failjob and hl-crashjob, value 3; got %s" % al)
PY
)
if [ -z "$rec" ]; then ok alerts_failed_exits_record; else fail alerts_failed_exits_record "$rec"; fi
finish
