#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# Readiness means every endpoint answers: from the agent's start, /readyz is
# polled every few ms; the moment it first says 200, /metrics (Prometheus text)
# and every /api/v1 topic must answer 200 too. Before that, /metrics answers
# 503 in plain text, never a JSON body a scraper cannot read.
. "$(dirname "$0")/../lib.sh"
need_root agent_readiness || finish

"$HOSTLENS" --listen "127.0.0.1:$AGENT_PORT" --data-dir "$TMPD/data" --summary off --signals cpu,net \
	>"$TMPD/agent.log" 2>&1 &
AGENT_PID=$!
python3 - "$AGENT_PORT" <<'PY'
import http.client, sys, time
port = int(sys.argv[1])
topics = ["summary", "host", "cpu", "processes", "disks", "connections", "routes", "requests",
          "alerts", "stats", "filters", "breakdown", "databases"]
def get(path):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        c.request("GET", path)
        r = c.getresponse()
        return r.status, r.getheader("Content-Type") or "", r.read()
    finally:
        c.close()
early_metrics = []   # (status, content type) of /metrics while not ready
deadline = time.time() + 30
ready = False
while time.time() < deadline:
    try:
        st, _, _ = get("/readyz")
    except OSError:
        time.sleep(0.005)
        continue
    if st == 200:
        ready = True
        break
    early_metrics.append(get("/metrics")[:2])
    time.sleep(0.005)
if not ready:
    print("FAIL agent_readyz_200: /readyz never answered 200 in 30 s")
    sys.exit(1)
print("ok agent_readyz_200")
# right after: everything answers
st, ct, body = get("/metrics")
if st == 200 and ct.startswith("text/plain") and b"hostlens_" in body:
    print("ok agent_ready_metrics_200")
else:
    print("FAIL agent_ready_metrics_200: /readyz said ready, then /metrics answered %d %s %r" % (st, ct, body[:80]))
bad = [(t, s) for t, s in ((t, get("/api/v1/" + t)[0]) for t in topics) if s != 200]
if bad:
    print("FAIL agent_ready_topics_200: /readyz said ready, then these topics answered: %s" % bad)
else:
    print("ok agent_ready_topics_200")
json_early = [e for e in early_metrics if e[0] != 200 and "json" in e[1]]
if json_early:
    print("FAIL agent_unready_metrics_plain_text: %d early /metrics answers were JSON (%s)" % (len(json_early), json_early[0]))
elif not early_metrics:
    print("FAIL agent_unready_metrics_plain_text: /readyz was 200 at its first answer: the window was not observed")
else:
    print("ok agent_unready_metrics_plain_text (%d answers before ready: %s)" % (len(early_metrics), sorted(set(early_metrics))))
PY
stop_agent
[ "${AGENT_RC:-1}" = 0 ] && ok agent_ready_clean_stop || fail agent_ready_clean_stop "exit $AGENT_RC: $(tail -3 "$TMPD/agent.log")"
finish
