#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# Open connections now (connections_active): 30 idle loopback connections
# held open add 60 TCP sockets (both ends) to the gauge in the connections
# topic, /metrics and the network-metrics records; closing them takes the 60
# away again.
. "$(dirname "$0")/../lib.sh"
need_root net_active || finish
N=30

start_agent --signals net --flush-interval 1 || { fail net_active_start "agent did not start"; finish; }
wait_for 10 sh -c "curl -sf http://127.0.0.1:$AGENT_PORT/readyz >/dev/null"	# the first tick is published
active() { api /api/v1/connections | python3 -c 'import json,sys; print(json.load(sys.stdin)["connections_active"])'; }
# settle: the gauge steady for 2 s (no other test's connections closing)
stable() { a=$(active); sleep 2; [ "$a" = "$(active)" ]; }
wait_for 10 stable
before=$(active)
python3 - "$N" "$TMPD" <<'PY' &
import socket, sys, time, os
n, tmp = int(sys.argv[1]), sys.argv[2]
srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen(64)
cli = [socket.create_connection(srv.getsockname()) for _ in range(n)]
acc = [srv.accept()[0] for _ in range(n)]
open(tmp + "/held", "w").close()
while not os.path.exists(tmp + "/release"): time.sleep(0.05)
for s in cli + acc: s.close()
srv.close()
open(tmp + "/closed", "w").close()
time.sleep(30)
PY
HOLDER=$!
on_exit "kill $HOLDER 2>/dev/null"
wait_for 10 test -f "$TMPD/held"
sleep 2.2	# two ticks and a flush
held=$(active)
curl -sf "http://127.0.0.1:$AGENT_PORT/metrics" >"$TMPD/m"
prom=$(awk '$1 == "hostlens_tcp_connections_active" {print $2}' "$TMPD/m")
touch "$TMPD/release"
wait_for 10 test -f "$TMPD/closed"
sleep 2.2
after=$(active)
stop_agent
kill $HOLDER 2>/dev/null

d=$((held - before)); back=$((after - before))
# other processes on the host may open or close a connection meanwhile: +-2
if [ $d -ge $((2 * N - 2)) ] && [ $d -le $((2 * N + 2)) ]; then ok net_active_counts_held_connections
else fail net_active_counts_held_connections "expected $((2 * N)) more open connections with $N held (both ends), got $before -> $held"; fi
if [ $back -ge -2 ] && [ $back -le 2 ]; then ok net_active_drops_closed_connections
else fail net_active_drops_closed_connections "expected the gauge back at $before after closing, got $after"; fi
if [ -n "$prom" ] && [ $((prom - held)) -ge -2 ] && [ $((prom - held)) -le 2 ]; then ok net_active_prometheus_gauge
else fail net_active_prometheus_gauge "hostlens_tcp_connections_active '$prom', topic said $held"; fi
rec=$(python3 - "$TMPD/data/records.ndjson" <<'PY'
import json, sys
v = [r["connections_active"] for r in map(json.loads, open(sys.argv[1])) if r["type"] == "network-metrics"]
print(max(v) if v else -1)
PY
)
if [ "$rec" -ge $((before + 2 * N - 2)) ]; then ok net_active_in_records
else fail net_active_in_records "expected a network-metrics record with connections_active >= $((before + 2 * N - 2)), got max $rec"; fi
finish
