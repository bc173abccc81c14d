# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# The live stream end to end: with the real agent, HTTP requests made while a
# client follows /api/v1/stream arrive in the stream's updates, each once,
# with the server's pid and the requested path.
. "$(dirname "$0")/../lib.sh"
need_root live_stream || finish
python3 -m http.server 0 --bind 127.0.0.1 --directory "$TMPD" >"$TMPD/srv.log" 2>&1 &
SRV=$!
on_exit "kill $SRV 2>/dev/null"
sleep 0.5
PORT=$(ss -ltnpH | grep "pid=$SRV," | sed -n 's/.*127\.0\.0\.1:\([0-9]*\) .*/\1/p' | head -1)
echo hello >"$TMPD/live-probe.txt"
start_agent || { fail live_agent_started "$(tail -3 "$TMPD/agent.log")"; finish; }
curl -sN --http2-prior-knowledge "http://127.0.0.1:$AGENT_PORT/api/v1/stream" >"$TMPD/sse.txt" 2>&1 &
C=$!
sleep 1
for i in 1 2 3; do curl -s -o /dev/null "http://127.0.0.1:$PORT/live-probe.txt?i=$i"; sleep 0.3; done
sleep 2.5
kill $C 2>/dev/null
res=$(python3 - "$TMPD/sse.txt" "$SRV" <<'PY'
import json, sys
ups = [json.loads(l[5:]) for l in open(sys.argv[1]) if l.startswith("data:")]
reqs = [r for u in ups for r in u.get("requests", []) if r["pid"] == int(sys.argv[2]) and r["path"] == "/live-probe.txt"]
print(len(ups), len(reqs), all("summary" in u for u in ups))
PY
)
set -- $res
if [ "$1" -ge 3 ] && [ "$2" = 3 ] && [ "$3" = True ]; then ok live_stream_carries_new_requests_once
else fail live_stream_carries_new_requests_once "expected >= 3 updates with the 3 requests once each (pid $SRV, query removed), got updates=$1 requests=$2 summaries=$3"; fi
finish
