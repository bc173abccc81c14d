# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# Fault: a traced HTTP server is SIGKILLed while a request is in flight.
# No record of that request is made up (no status, no latency for its
# route), the agent stays up, and requests to a new server are captured.
. "$(dirname "$0")/../lib.sh"
need_root fault_traced_kill || finish
cat >"$TMPD/srv.py" <<'PY'
import http.server, socketserver, sys, time
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def do_GET(self):
        if self.path.startswith("/hang"):
            time.sleep(30)
        body = b"ok\n"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
class S(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
S(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY
SP=$((AGENT_PORT + 1500))
# the server runs under its own command name so that only it is captured
# (the machine may carry other HTTP traffic that would crowd the feed)
ln -s "$(python3 -c "import os, sys; print(os.path.realpath(sys.executable))")" "$TMPD/hlfsrv"
start_agent --signals cpu,net,http --flush-interval 1 --comm hlfsrv || { fail fault_traced_kill "agent did not start"; finish; }
"$TMPD/hlfsrv" "$TMPD/srv.py" $SP &
SRV=$!
on_exit "kill $SRV 2>/dev/null"
wait_for 10 curl -sf -o /dev/null "http://127.0.0.1:$SP/before" || { fail fault_traced_kill "server did not start"; finish; }
curl -s -o /dev/null --max-time 20 "http://127.0.0.1:$SP/hang/inflight" >/dev/null 2>&1 &
CURL=$!
sleep 1.5
kill -KILL $SRV; wait $SRV 2>/dev/null
wait $CURL; crc=$?
echo "# curl of the in-flight request exited $crc"
sleep 3
check fault_traced_kill_agent_alive curl -sf -o /dev/null "http://127.0.0.1:$AGENT_PORT/healthz"

"$TMPD/hlfsrv" "$TMPD/srv.py" $SP &
SRV=$!
on_exit "kill $SRV 2>/dev/null"
wait_for 10 curl -sf -o /dev/null "http://127.0.0.1:$SP/after/0" || fail fault_traced_kill "second server did not start"
for i in 1 2 3 4 5 6 7 8 9; do curl -sf -o /dev/null "http://127.0.0.1:$SP/after/$i"; done
sleep 3
api /api/v1/requests >"$TMPD/req.json"
py() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); d=d.get('requests', d) if isinstance(d, dict) else d; print($2)" "$1"; }
bogus=$(py "$TMPD/req.json" "sum(1 for r in d if r.get('path','').startswith('/hang') and (r.get('status') or 0) > 0)")
after=$(py "$TMPD/req.json" "sum(1 for r in d if r.get('path','').startswith('/after/') and r.get('direction')=='inbound' and r.get('status')==200)")
echo "# $(api /metrics | grep -E "^hostlens_http_(unparsed|unsupported)" | tr "\n" " ")"
api /api/v1/routes >"$TMPD/routes.json"
hang_routes=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d=d.get("routes", d) if isinstance(d, dict) else d; print(sum(1 for r in d if r.get("route","").startswith("/hang")))' "$TMPD/routes.json")
if [ "$bogus" = 0 ] && [ "$hang_routes" = 0 ]; then ok fault_traced_kill_no_bogus_record
else fail fault_traced_kill_no_bogus_record "no request or route for the killed /hang request, got $bogus requests with a status, $hang_routes routes"; fi
if [ "$after" -ge 10 ]; then ok fault_traced_kill_later_requests_captured
else fail fault_traced_kill_later_requests_captured "10 inbound /after/N requests with status 200 in /api/v1/requests, got $after"; fi
stop_agent
check fault_traced_kill_clean_exit [ "${AGENT_RC:-1}" = 0 ]
finish
