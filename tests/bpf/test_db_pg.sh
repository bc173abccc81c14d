#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# PostgreSQL from the host (issue 20), against a server this test starts
# (initdb into a temporary directory, postgres on a loopback port):
# - pgbench -S -t 200 -c 2: 400 SELECTs within 1 % from pgbench's pid
#   (pgbench adds a couple of its own at start);
# - pgbench -M prepared: Bind/Execute by statement name attributed to SELECT;
# - a query on a missing table: counted as an error;
# - SELECT pg_sleep(0.05): latency within 2 ms + 5 % of 50 ms;
# - 30 idle connections held open: 30 in the connection gauge (per client
#   process and per server), gone when they close;
# - garbage after a PostgreSQL StartupMessage: no crash, counted unparsed.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/db_lib.inc"
need_root db_pg || finish
PGBIN=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | tail -1)}
[ -x "$PGBIN/initdb" ] && [ -x "$PGBIN/pgbench" ] ||
	{ skip db_pg "PostgreSQL server binaries not installed (scripts/setup.sh test)"; finish; }
id postgres >/dev/null 2>&1 || { skip db_pg "no postgres user to run the server as"; finish; }
PORT=$((22000 + $$ % 1000))
PGD=$(mktemp -d /tmp/hostlens-pg.XXXXXX)
chown postgres "$PGD"
on_exit "rm -rf $PGD"
runuser -u postgres -- "$PGBIN/initdb" -D "$PGD/data" -A trust -U postgres >"$TMPD/initdb.log" 2>&1 ||
	{ fail db_pg_initdb "initdb failed: $(tail -3 "$TMPD/initdb.log")"; finish; }
runuser -u postgres -- "$PGBIN/postgres" -D "$PGD/data" -p "$PORT" -k "$PGD" \
	-c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100 >"$TMPD/pg.log" 2>&1 &
PGRUN=$!
on_exit "kill $PGRUN 2>/dev/null; sleep 0.5; kill \$(head -1 $PGD/data/postmaster.pid 2>/dev/null) 2>/dev/null"
export PGHOST=127.0.0.1 PGPORT=$PORT PGUSER=postgres PGDATABASE=postgres
wait_for 15 "$PGBIN/pg_isready" -q || { fail db_pg_start "postgres did not start: $(tail -3 "$TMPD/pg.log")"; finish; }
"$PGBIN/pgbench" -i -s 1 >"$TMPD/pgi.log" 2>&1 || { fail db_pg_init "pgbench -i failed"; finish; }

# the built-in rule's shape (db_connections_high: > 100 per server) at 25
cat >"$TMPD/hl.yaml" <<'YAML'
alerts:
  - {name: db_conns, metric: db_connections_active, scope: server, op: ">", threshold: 25, for: 1}
YAML
start_agent --config "$TMPD/hl.yaml" --signals db --flush-interval 1 || { fail db_pg_agent "agent did not start"; finish; }
wait_for 10 sh -c "curl -sf http://127.0.0.1:$AGENT_PORT/readyz >/dev/null"

"$PGBIN/pgbench" -n -S -t 200 -c 2 >"$TMPD/pgb.log" 2>&1 &
B=$!; wait $B
"$PGBIN/pgbench" -n -S -M prepared -t 200 -c 2 >"$TMPD/pgbp.log" 2>&1 &
BP=$!; wait $BP
psql -q -c 'select * from hostlens_missing_table' >/dev/null 2>&1 &
E=$!; wait $E
# a pipeline (libpq pipeline mode: two Bind/Execute/Sync rounds before any
# answer), 50 times: counted as pipelined, never paired as one SELECT
printf '\\startpipeline\nSELECT 1;\nSELECT 2;\n\\endpipeline\n' >"$TMPD/pipe.sql"
pipe0=$(db_stat pipelined_total)
"$PGBIN/pgbench" -n -M extended -f "$TMPD/pipe.sql" -t 50 -c 1 >"$TMPD/pgpipe.log" 2>&1 &
PP=$!; wait $PP
# five sleeps in one session, psql timing each (a loaded machine adds to both)
psql -q -c '\timing on' -c 'SELECT pg_sleep(0.05)' -c 'SELECT pg_sleep(0.05)' \
	-c 'SELECT pg_sleep(0.05)' -c 'SELECT pg_sleep(0.05)' -c 'SELECT pg_sleep(0.05)' >"$TMPD/sleep.out" 2>&1 &
S=$!; wait $S
sleep 2.2

sel=$(db_ops $B postgresql SELECT)
if within 400 "$sel" 1; then ok db_pg_pgbench_selects
else fail db_pg_pgbench_selects "expected 400 SELECTs from pgbench -S -t 200 -c 2 (pid $B) within 1 %, got $sel"; fi
psel=$(db_ops $BP postgresql SELECT); poth=$(db_ops $BP postgresql other)
if within 400 "$psel" 1; then ok db_pg_prepared_attributed_to_select
else fail db_pg_prepared_attributed_to_select "expected 400 SELECTs from pgbench -M prepared (pid $BP), got $psel (other: $poth)"; fi
pipe1=$(db_stat pipelined_total); psel=$(db_ops $PP postgresql SELECT)
if [ $((pipe1 - pipe0)) -ge 50 ] && [ "$psel" -le 2 ]; then ok db_pg_pipeline_counted_not_paired
else fail db_pg_pipeline_counted_not_paired "expected >= 50 more pipelined exchanges (pgbench pipeline, pid $PP) and its SELECTs not paired (<= 2 of its own setup), got pipelined $pipe0 -> $pipe1, SELECT $psel: $(tail -2 "$TMPD/pgpipe.log")"; fi
err=$(DB_FIELD=errors db_ops $E postgresql SELECT)
if [ "$err" = 1 ]; then ok db_pg_error_counted
else fail db_pg_error_counted "expected 1 error for a SELECT on a missing table (psql pid $E), got '$err'"; fi
lat=$(DB_FIELD=latency_p50_ms db_ops $S postgresql SELECT); n=$(db_ops $S postgresql SELECT)
psqlms=$(awk '/^Time:/ {print $2}' "$TMPD/sleep.out" | sort -n | sed -n 3p)
# the median of five within 2 ms + 5 % of 50 ms; on a loaded machine (psql
# itself saw more), within that of what psql measured, and never under 50
if [ "$n" = 5 ] && awk -v l="$lat" -v p="${psqlms:-0}" 'BEGIN { d = l - 50; if (d < 0) d = -d; e = l - p; if (e < 0) e = -e
	exit !(d <= 4.5 || (l >= 50 && e <= 4.5)) }'; then ok db_pg_sleep_latency
else fail db_pg_sleep_latency "expected 5 SELECT pg_sleep(0.05) with a p50 within 2 ms + 5 % of 50 ms (psql's median: $psqlms ms), got $n with p50 '$lat' ms"; fi

# 30 idle connections: startup, authentication (trust), ReadyForQuery, then held
/usr/bin/python3 - "$PORT" "$TMPD" <<'PY' &
import socket, struct, sys, os, time
port, tmp = int(sys.argv[1]), sys.argv[2]
def startup():
    s = socket.create_connection(("127.0.0.1", port))
    body = struct.pack("!I", 196608) + b"user\0postgres\0database\0postgres\0\0"
    s.sendall(struct.pack("!I", len(body) + 4) + body)
    buf = b""
    while b"Z\0\0\0\x05" not in buf:
        d = s.recv(4096)
        if not d: raise SystemExit("closed")
        buf += d
    return s
conns = [startup() for _ in range(30)]
open(tmp + "/held", "w").close()
while not os.path.exists(tmp + "/release"): time.sleep(0.05)
for s in conns: s.close()
open(tmp + "/closed", "w").close()
time.sleep(30)
PY
H=$!
on_exit "kill $H 2>/dev/null"
wait_for 15 test -f "$TMPD/held"
sleep 2.2
gauge() {
	api /api/v1/databases | /usr/bin/python3 -c '
import json, sys
d = json.load(sys.stdin); pid, port = int(sys.argv[1]), int(sys.argv[2])
c = sum(o["connections_active"] for o in d["clients"] if o["pid"] == pid)
s = sum(o["connections_active"] for o in d["servers"] if o["server_port"] == port)
print(c, s)' "$H" "$PORT"
}
set -- $(gauge)
firing() {
	api /api/v1/alerts | /usr/bin/python3 -c '
import json, sys
print(sum(1 for a in json.load(sys.stdin)["active"] if a["rule"] == "db_conns" and a["state"] == "firing"
          and a.get("scope", {}).get("server") == "127.0.0.1:" + sys.argv[1]))' "$PORT"
}
i=0; firing=$(firing)
while [ "$firing" != 1 ] && [ $i -lt 40 ]; do sleep 0.2; firing=$(firing); i=$((i + 1)); done
if [ "$firing" = 1 ]; then ok db_pg_connections_alert_per_server
else fail db_pg_connections_alert_per_server "expected db_connections_active > 25 firing for server 127.0.0.1:$PORT with 30 held, got $firing: $(api /api/v1/alerts | head -c 600)"; fi
if [ "$1" = 30 ] && [ "$2" -ge 30 ] && [ "$2" -le 31 ]; then ok db_pg_idle_connections_gauge
else fail db_pg_idle_connections_gauge "expected 30 open connections for the holder (pid $H) and the server, got client $1 server $2"; fi
touch "$TMPD/release"
wait_for 10 test -f "$TMPD/closed"
sleep 2.2
set -- $(gauge)
if [ "$1" = 0 ] && [ "$2" -le 1 ]; then ok db_pg_closed_connections_leave_gauge
else fail db_pg_closed_connections_leave_gauge "expected 0 after closing, got client $1 server $2"; fi

# garbage: a StartupMessage, then random bytes both ways, against a listener
# of this test (postgres would hang up)
u0=$(db_stat unparsed_total)
/usr/bin/python3 - <<'PY' &
import os, socket, struct, threading
srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen(1)
def serve():
    c, _ = srv.accept()
    for _ in range(50):
        if not c.recv(4096): break
        c.sendall(os.urandom(200))
    c.close()
t = threading.Thread(target=serve); t.start()
s = socket.create_connection(srv.getsockname())
body = struct.pack("!I", 196608) + b"user\0x\0\0"
s.sendall(struct.pack("!I", len(body) + 4) + body); s.recv(4096)
for _ in range(49):
    s.sendall(bytes([0x41 + (os.urandom(1)[0] % 20)]) + os.urandom(150)); s.recv(4096)
s.close(); t.join()
PY
G=$!; wait $G
sleep 2.2
u1=$(db_stat unparsed_total)
if kill -0 "$AGENT_PID" 2>/dev/null && [ $((u1 - u0)) -ge 40 ]; then ok db_pg_garbage_counted
else fail db_pg_garbage_counted "expected the agent alive and >= 40 more unparsed exchanges (49 garbage requests x 2 ends, some may parse), got $u0 -> $u1"; fi
stop_agent
finish
