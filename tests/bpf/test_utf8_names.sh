#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# Process names that are not UTF-8, under the real agent: any user can exec a
# file named "hl\377\376x". The name must reach /api/v1/processes and the
# process-metrics records escaped as the text hl\xFF\xFEx (docs/http.md), and
# /metrics must stay a scrape promtool accepts. Three intakes: a burner
# exec'd after the agent started (the exec event's comm and filename), an
# HTTP server that renamed itself before it (/proc/PID/comm; routes and
# HTTP/socket labels), a dd writing to disk (the disk signal's comm).
. "$(dirname "$0")/../lib.sh"

need_root utf8_names || finish
PY=/usr/bin/python3
BURN_NAME=$(printf 'hl\377\376x')
DD_NAME=$(printf 'hl\377dd')
WANT_BURN='hl\xFF\xFEx'
WANT_SRV='hl\xFF\xFEsrv'
WANT_DD='hl\xFFdd'

# the server renames itself (prctl PR_SET_NAME) and then runs the delay server
pf=$TMPD/srv.port
"$PY" -c "
import ctypes, runpy, sys
ctypes.CDLL(None).prctl(15, b'hl\xff\xfesrv', 0, 0, 0)
sys.argv = ['http_delay_server.py', '$pf']
runpy.run_path('$TOP/tests/bpf/http_delay_server.py', run_name='__main__')
" >"$TMPD/srv.log" 2>&1 &
SRV_PID=$!
on_exit "kill $SRV_PID 2>/dev/null"
wait_for 5 test -s "$pf" || { fail utf8_names "server did not start: $(cat "$TMPD/srv.log")"; finish; }
SRV_PORT=$(cat "$pf")

start_agent --flush-interval 1 --pid "$SRV_PID" || { fail utf8_names "agent did not start"; finish; }

cp "$BUILD/tests/helpers/burn" "$TMPD/$BURN_NAME"
"$TMPD/$BURN_NAME" 1500 8000 >"$TMPD/burn.out" &
BURN_PID=$!
on_exit "kill $BURN_PID 2>/dev/null"
# the exec event, while it is among the 256 recent ones (a busy host execs a lot)
has_exec() {
	api /api/v1/cpu >"$TMPD/cpu.json" &&
		"$PY" -c "
import json, sys
ex = [e for e in json.load(open('$TMPD/cpu.json'))['recent_processes'] if e['event'] == 'exec' and e['pid'] == $BURN_PID]
json.dump(ex, open('$TMPD/exec.json', 'w'))
sys.exit(0 if ex else 1)"
}
wait_for 5 has_exec
cp "$(command -v dd)" "$TMPD/$DD_NAME"
"$TMPD/$DD_NAME" if=/dev/zero of="$TMPD/dd.out" bs=1M count=16 conv=fsync 2>/dev/null
for i in 1 2 3; do
	"$PY" "$TOP/tests/bpf/http_client.py" "$SRV_PORT" "$TMPD/c$i.json" /api/users/$i /api/fast
done

# the burner burns 1.5 s: it is among the top processes for a few seconds
has_burner() {
	api /api/v1/processes >"$TMPD/procs.json" &&
		"$PY" -c "
import json, sys
sys.exit(0 if any(p['pid'] == $BURN_PID for p in json.load(open('$TMPD/procs.json'))) else 1)"
}
wait_for 10 has_burner
sleep 2.5	# a flush or two after the burn: records and routes
api /api/v1/processes >"$TMPD/procs.json"
api /api/v1/routes >"$TMPD/routes.json"
curl -s "http://127.0.0.1:$AGENT_PORT/metrics" >"$TMPD/metrics.txt"
stop_agent

v=$("$PY" - "$TMPD" "$BURN_PID" "$WANT_BURN" <<'PY'
import json, sys
d, pid, want = sys.argv[1], int(sys.argv[2]), sys.argv[3]
p = [x for x in json.load(open(d + "/procs.json")) if x["pid"] == pid]
if not p:
    print("pid %d missing from /api/v1/processes" % pid)
elif p[0]["comm"] != want:
    print("comm %r, want %r" % (p[0]["comm"], want))
PY
)
[ -z "$v" ] && ok utf8_names_api_processes_escaped || fail utf8_names_api_processes_escaped "$v"

v=$("$PY" - "$TMPD" "$BURN_PID" "$WANT_BURN" "$BURN_NAME" <<'PY'
import json, sys
d, pid, want = sys.argv[1], int(sys.argv[2]), sys.argv[3]
ex = json.load(open(d + "/exec.json"))
if not ex:
    print("no exec event of pid %d in /api/v1/cpu recent_processes" % pid)
elif ex[0]["comm"] != want or not ex[0]["filename"].endswith("/" + want):
    print("exec event comm %r filename %r, want %r and .../%s" % (ex[0]["comm"], ex[0]["filename"], want, want))
PY
)
[ -z "$v" ] && ok utf8_names_exec_event_escaped || fail utf8_names_exec_event_escaped "$v"

v=$("$PY" - "$TMPD" "$BURN_PID" "$WANT_BURN" "$SRV_PID" "$WANT_SRV" <<'PY'
import json, sys
d, pid, want, spid, swant = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), sys.argv[5]
recs, bad = [], 0
for line in open(d + "/data/records.ndjson", "rb"):
    try:
        recs.append(json.loads(line.decode("utf-8")))
    except Exception:
        bad += 1
if bad:
    print("%d record lines are not UTF-8 JSON" % bad)
pm = [p for r in recs if r.get("type") == "process-metrics" for p in r["processes"] if p["pid"] == pid]
if not pm:
    print("pid %d in no process-metrics record (%d records)" % (pid, len(recs)))
elif any(p["comm"] != want for p in pm):
    print("process-metrics comm %r, want %r" % (sorted({p["comm"] for p in pm}), want))
wr = [x for r in recs if r.get("type") == "webapp-metrics" for x in r["routes"] if x["pid"] == spid]
if not wr:
    print("server pid %d in no webapp-metrics route row" % spid)
elif any(x["comm"] != swant for x in wr):
    print("webapp-metrics comm %r, want %r" % (sorted({x["comm"] for x in wr}), swant))
PY
)
[ -z "$v" ] && ok utf8_names_records_escaped || fail utf8_names_records_escaped "$v"

v=$("$PY" - "$TMPD" "$SRV_PID" "$WANT_SRV" <<'PY'
import json, sys
d, spid, want = sys.argv[1], int(sys.argv[2]), sys.argv[3]
r = [x for x in json.load(open(d + "/routes.json")) if x["pid"] == spid]
if not r or any(x["comm"] != want for x in r):
    print("routes of the server: %s, want comm %r" % ([(x["comm"], x["route"]) for x in r], want))
PY
)
[ -z "$v" ] && ok utf8_names_routes_escaped || fail utf8_names_routes_escaped "$v"

if ! command -v promtool >/dev/null; then
	skip utf8_names_metrics_promtool "promtool missing (Debian package prometheus)"
elif promtool check metrics <"$TMPD/metrics.txt" >"$TMPD/lint" 2>&1; then
	ok utf8_names_metrics_promtool
else
	fail utf8_names_metrics_promtool "$(head -3 "$TMPD/lint" | tr '\n' ' ')"
fi
# each label escaped once more for Prometheus: hl\\xFF\\xFEx
v=
for want in "hostlens_process_cpu_seconds_total{pid=\"$BURN_PID\",comm=\"hl\\\\xFF\\\\xFEx\"}" \
	"hostlens_http_requests_total{process=\"hl\\\\xFF\\\\xFEsrv\",direction=\"inbound\",method=\"GET\",route=\"/api/users/:id\",status_class=\"2xx\"} 3" \
	"comm=\"$(printf '%s' "$WANT_DD" | sed 's/\\/\\\\/g')\",op=\"write\"}"; do
	grep -qF "$want" "$TMPD/metrics.txt" || v="$v missing: $want;"
done
# socket bytes: top 20 only (a busy host may push the server out), but named right if there
if grep -F "hostlens_process_net_bytes_total{pid=\"$SRV_PID\"," "$TMPD/metrics.txt" |
	grep -vqF 'comm="hl\\xFF\\xFEsrv"'; then
	v="$v socket bytes of the server not labelled hl\\\\xFF\\\\xFEsrv;"
fi
if LC_ALL=C grep -q "$(printf '[\200-\377]')" "$TMPD/metrics.txt" &&
	! iconv -f UTF-8 -t UTF-8 "$TMPD/metrics.txt" >/dev/null 2>&1; then
	v="$v /metrics is not UTF-8;"
fi
[ -z "$v" ] && ok utf8_names_metrics_labels_escaped || fail utf8_names_metrics_labels_escaped "$v"
finish
