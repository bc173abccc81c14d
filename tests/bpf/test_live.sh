# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# The live stream end to end: with the real agent, HTTP requests made while a
# client follows /api/v1/stream arrive in the stream's updates, each once,
# with the server's pid and the requested path.
. "$(dirname "$0")/../lib.sh"
need_root live_stream || finish
python3 -m http.server 0 --bind 127.0.0.1 --directory "$TMPD" >"$TMPD/srv.log" 2>&1 &
SRV=$!
on_exit "kill $SRV 2>/dev/null"
PORT=$(listen_port $SRV) || { fail live_server_listening "python3 -m http.server did not bind in 10 s"; finish; }
echo hello >"$TMPD/live-probe.txt"
start_agent || { fail live_agent_started "$(tail -3 "$TMPD/agent.log")"; finish; }
curl -sN --http2-prior-knowledge "http://127.0.0.1:$AGENT_PORT/api/v1/stream" >"$TMPD/sse.txt" 2>&1 &
C=$!
sleep 1
codes=
for i in 1 2 3; do
	codes="$codes $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/live-probe.txt?i=$i")"
	sleep 0.3
done
count() { # updates, probe requests of the server, whether every update has a summary
	python3 - "$TMPD/sse.txt" "$SRV" <<'PY'
import json, sys
ups = []
for l in open(sys.argv[1]):
    if l.startswith("data:"):
        try: ups.append(json.loads(l[5:]))
        except ValueError: pass  # a line still being written
reqs = [r for u in ups for r in u.get("requests", []) if r["pid"] == int(sys.argv[2]) and r["path"] == "/live-probe.txt"]
print(len(ups), len(reqs), all("summary" in u for u in ups))
PY
}
# the three requests reach the stream within 8 s (ASan: slower)
i=0; while [ $i -lt 40 ]; do set -- $(count); [ "$2" -ge 3 ] 2>/dev/null && [ "$1" -ge 3 ] && break; sleep 0.2; i=$((i + 1)); done
sleep 1.2	# one more update: a request sent twice would show now
kill $C 2>/dev/null
res=$(count)
set -- $res
if [ "$1" -ge 3 ] && [ "$2" = 3 ] && [ "$3" = True ]; then ok live_stream_carries_new_requests_once
else
	seen=$(api /api/v1/requests | python3 -c 'import json,sys; print(sum(1 for r in json.load(sys.stdin) if r["pid"] == int(sys.argv[1]) and r["path"] == "/live-probe.txt"))' "$SRV" 2>&1)
	fail live_stream_carries_new_requests_once "expected >= 3 updates with the 3 requests once each (pid $SRV, query removed), got updates=$1 requests=$2 summaries=$3 (the server answered:$codes; /api/v1/requests shows $seen of them)"
fi
finish
