#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# MySQL protocol from the host (issue 20), against a MariaDB server this test
# starts (mariadb-install-db into a temporary directory, mariadbd on a
# loopback port): a PyMySQL client makes 40 INSERTs and 151 SELECTs (one on
# a missing table) in one connection; they are seen by statement kind from
# its pid and as served by mariadbd, each within 1 %, and the missing table
# is an error (ERR packet). The server reads a packet's header and payload
# apart: the request head is gathered over both reads. Then 11 SELECTs over
# TLS (the SSL request in plaintext, then the OpenSSL uprobes) from the
# client's side.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/db_lib.inc"
need_root db_mysql || finish
command -v mariadbd >/dev/null && command -v mariadb-install-db >/dev/null &&
	/usr/bin/python3 -c 'import pymysql' 2>/dev/null ||
	{ skip db_mysql "mariadb-server / python3-pymysql not installed (scripts/setup.sh test)"; finish; }
id mysql >/dev/null 2>&1 || { skip db_mysql "no mysql user to run the server as"; finish; }
PORT=$((23000 + $$ % 1000))
MD=$(mktemp -d /tmp/hostlens-my.XXXXXX)
chown mysql "$MD"
on_exit "rm -rf $MD"
mariadb-install-db --user=mysql --datadir="$MD/data" --auth-root-authentication-method=normal \
	--skip-test-db >"$TMPD/install.log" 2>&1 ||
	{ fail db_mysql_install "mariadb-install-db failed: $(tail -3 "$TMPD/install.log")"; finish; }
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$MD/k.pem" -out "$MD/c.pem" -days 2 \
	-subj /CN=localhost 2>/dev/null && chown mysql "$MD/k.pem" "$MD/c.pem"
mariadbd --no-defaults --user=mysql --datadir="$MD/data" --port="$PORT" --bind-address=127.0.0.1 \
	--socket="$MD/sock" --pid-file="$MD/pid" --skip-grant-tables --skip-log-bin \
	--ssl-cert="$MD/c.pem" --ssl-key="$MD/k.pem" \
	--innodb-buffer-pool-size=16M >"$TMPD/mariadb.log" 2>&1 &
MY=$!
on_exit "kill $MY 2>/dev/null; sleep 1"
wait_for 30 /usr/bin/python3 -c "import pymysql; pymysql.connect(host='127.0.0.1', port=$PORT, user='root')" 2>/dev/null ||
	{ fail db_mysql_start "mariadbd did not start: $(tail -3 "$TMPD/mariadb.log")"; finish; }

start_agent --signals http,db --flush-interval 1 || { fail db_mysql_agent "agent did not start"; finish; }
wait_for 10 sh -c "curl -sf http://127.0.0.1:$AGENT_PORT/readyz >/dev/null"

/usr/bin/python3 - "$PORT" <<'PY' &
import pymysql, sys
c = pymysql.connect(host="127.0.0.1", port=int(sys.argv[1]), user="root", autocommit=True)
cur = c.cursor()
cur.execute("CREATE DATABASE IF NOT EXISTS hl")
cur.execute("CREATE TABLE hl.t (a INT)")
for i in range(40):
    cur.execute("INSERT INTO hl.t VALUES (%s)", (i,))
for i in range(150):
    cur.execute("SELECT a FROM hl.t WHERE a = %s", (i % 40,))
    cur.fetchall()
try:
    cur.execute("SELECT * FROM hl.missing")
except pymysql.err.ProgrammingError:
    pass
c.close()
PY
C=$!; wait $C
sleep 2.2
sel=$(db_ops $C mysql SELECT); ins=$(db_ops $C mysql INSERT)
if within 151 "$sel" 1 && within 40 "$ins" 1; then ok db_mysql_statement_kinds
else fail db_mysql_statement_kinds "expected 151 SELECTs and 40 INSERTs from the PyMySQL client (pid $C), got SELECT $sel INSERT $ins"; fi
err=$(DB_FIELD=errors db_ops $C mysql SELECT)
if [ "$err" = 1 ]; then ok db_mysql_error_counted
else fail db_mysql_error_counted "expected 1 error (ERR packet for a missing table), got '$err'"; fi
# over TLS (the http signal's OpenSSL uprobes carry the plaintext): 12 SELECTs
/usr/bin/python3 - "$PORT" "$TMPD" <<'PY' &
import pymysql, sys
c = pymysql.connect(host="127.0.0.1", port=int(sys.argv[1]), user="root",
                    ssl={"check_hostname": False, "verify_mode": 0})
cur = c.cursor()
cur.execute("SHOW STATUS LIKE 'Ssl_cipher'")
open(sys.argv[2] + "/cipher", "w").write(str(cur.fetchall()[0][1]))
for i in range(11):
    cur.execute("SELECT %s", (i,))
c.close()
PY
T=$!; wait $T
sleep 2.2
tsel=$(db_ops $T mysql SELECT); cipher=$(cat "$TMPD/cipher" 2>/dev/null)
if [ -n "$cipher" ] && [ "$tsel" = 11 ]; then ok db_mysql_tls_client
else fail db_mysql_tls_client "expected 11 SELECTs over TLS (cipher '$cipher') from pid $T, got $tsel"; fi
ssel=$(db_ops $MY mysql SELECT server)
if within 162 "$ssel" 1; then ok db_mysql_server_side
else fail db_mysql_server_side "expected 151 SELECTs served by mariadbd in plaintext and 11 over TLS (pid $MY), got $ssel"; fi
stop_agent
finish
