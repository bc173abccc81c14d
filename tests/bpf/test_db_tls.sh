#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# PostgreSQL over TLS (issue 20): a server with ssl=on and a self-signed
# certificate, psql "sslmode=require" making 20 SELECTs and 5 INSERTs in one
# session; the OpenSSL uprobes (the http signal's, shared) hand the
# plaintext to the database part, which reports them like plaintext ones:
# by kind, from psql's pid and as served by the backend, the connection
# counted open while it lasts; then again with the database signal alone.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/db_lib.inc"
need_root db_tls || finish
PGBIN=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | tail -1)}
[ -x "$PGBIN/initdb" ] && command -v psql >/dev/null && command -v openssl >/dev/null ||
	{ skip db_tls "PostgreSQL / openssl not installed (scripts/setup.sh test)"; finish; }
id postgres >/dev/null 2>&1 || { skip db_tls "no postgres user to run the server as"; finish; }
PORT=$((25000 + $$ % 1000))
PGD=$(mktemp -d /tmp/hostlens-pgtls.XXXXXX)
chown postgres "$PGD"
on_exit "rm -rf $PGD"
runuser -u postgres -- "$PGBIN/initdb" -D "$PGD/data" -A trust -U postgres >"$TMPD/initdb.log" 2>&1 ||
	{ fail db_tls_initdb "initdb failed"; finish; }
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$PGD/data/server.key" -out "$PGD/data/server.crt" \
	-days 2 -subj /CN=localhost 2>/dev/null || { fail db_tls_cert "openssl req failed"; finish; }
chown postgres "$PGD/data/server.key" "$PGD/data/server.crt"
chmod 600 "$PGD/data/server.key"
runuser -u postgres -- "$PGBIN/postgres" -D "$PGD/data" -p "$PORT" -k "$PGD" \
	-c listen_addresses=127.0.0.1 -c fsync=off -c ssl=on >"$TMPD/pg.log" 2>&1 &
PGRUN=$!
on_exit "kill $PGRUN 2>/dev/null; sleep 0.5; kill \$(head -1 $PGD/data/postmaster.pid 2>/dev/null) 2>/dev/null"
export PGHOST=127.0.0.1 PGPORT=$PORT PGUSER=postgres PGDATABASE=postgres
wait_for 15 "$PGBIN/pg_isready" -q || { fail db_tls_start "postgres did not start: $(tail -3 "$TMPD/pg.log")"; finish; }

# http: its OpenSSL uprobes carry the plaintext
start_agent --signals http,db --flush-interval 1 || { fail db_tls_agent "agent did not start"; finish; }
wait_for 10 sh -c "curl -sf http://127.0.0.1:$AGENT_PORT/readyz >/dev/null"
sleep 1	# libssl of running processes attached, new ones as they map it
{
	echo 'CREATE TABLE IF NOT EXISTS t (a int);'
	i=0; while [ $i -lt 5 ]; do echo "INSERT INTO t VALUES ($i);"; i=$((i + 1)); done
	i=0; while [ $i -lt 20 ]; do echo "SELECT count(*) FROM t WHERE a < $i;"; i=$((i + 1)); done
	echo "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid();"
} >"$TMPD/q.sql"
psql "host=127.0.0.1 port=$PORT user=postgres dbname=postgres sslmode=require" -q -t -A -f "$TMPD/q.sql" \
	>"$TMPD/psql.out" 2>&1 &
P=$!; wait $P
sleep 2.2
tls=$(tail -1 "$TMPD/psql.out")
sel=$(db_ops $P postgresql SELECT); ins=$(db_ops $P postgresql INSERT)
if [ "$tls" = t ] && [ "$sel" = 21 ] && [ "$ins" = 5 ]; then ok db_tls_psql_statements
else fail db_tls_psql_statements "expected psql over TLS (pg_stat_ssl: '$tls') to show 21 SELECTs and 5 INSERTs from pid $P, got SELECT $sel INSERT $ins; stats $(api /api/v1/databases | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["stats"])')"; fi
srv=$(api /api/v1/databases | /usr/bin/python3 -c '
import json, sys
d = json.load(sys.stdin)
print(sum(o["count"] for o in d["operations"] if o["role"] == "server" and o["operation"] == "SELECT"
          and o["server_port"] == int(sys.argv[1])))' "$PORT")
if [ "$srv" = 21 ]; then ok db_tls_server_side
else fail db_tls_server_side "expected 21 SELECTs served over TLS on port $PORT, got $srv"; fi
stop_agent

# the database signal alone: the OpenSSL uprobes are loaded and attached for
# it (user/sock/sock_shared.c), with HTTP capture off
start_agent --signals db --flush-interval 1 || { fail db_tls_agent_db_only "agent did not start"; finish; }
wait_for 10 sh -c "curl -sf http://127.0.0.1:$AGENT_PORT/readyz >/dev/null"
sleep 1
psql "host=127.0.0.1 port=$PORT user=postgres dbname=postgres sslmode=require" -q -t -A -f "$TMPD/q.sql" \
	>"$TMPD/psql2.out" 2>&1 &
P=$!; wait $P
sleep 2.2
sel=$(db_ops $P postgresql SELECT); ins=$(db_ops $P postgresql INSERT)
if [ "$(tail -1 "$TMPD/psql2.out")" = t ] && [ "$sel" = 21 ] && [ "$ins" = 5 ]; then ok db_tls_db_signal_alone
else fail db_tls_db_signal_alone "expected psql over TLS to show 21 SELECTs and 5 INSERTs from pid $P with --signals db, got SELECT $sel INSERT $ins ($(tail -1 "$TMPD/psql2.out"))"; fi
stop_agent
finish
