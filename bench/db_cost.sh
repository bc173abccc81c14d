#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# BPF cost of the database signal per query (issue 20): a PostgreSQL server
# in a temporary directory on loopback, pgbench -S (one SELECT per
# transaction, simple protocol) with the agent running the chosen signal
# sets; the kernel's bpf_stats of the agent's programs divided by the
# queries (each query is a send and a receive on the client and on the
# server: the socket programs run on both ends). Needs root, PostgreSQL.
#   SETS='net,http net,http,db' TX=4000 sh bench/db_cost.sh
set -eu
cd "$(dirname "$0")/.."
SETS=${SETS:-net,http net,http,db}
TX=${TX:-4000}
PORT=${PORT:-18780}
HLRUN=${HLRUN:-build/tests/helpers/hlrun}
PGBIN=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin | tail -1)}
T=$(mktemp -d /tmp/hl-dbcost.XXXXXX)
chown postgres "$T"
STATS0=$(sysctl -n kernel.bpf_stats_enabled)
PG=
trap '[ -n "$PG" ] && kill $PG; sysctl -qw kernel.bpf_stats_enabled=$STATS0; sleep 1; rm -rf $T' EXIT
runuser -u postgres -- "$PGBIN/initdb" -D "$T/data" -A trust -U postgres >/dev/null
runuser -u postgres -- "$PGBIN/postgres" -D "$T/data" -p "$PORT" -k "$T" \
	-c listen_addresses=127.0.0.1 -c fsync=off >"$T/pg.log" 2>&1 &
PG=$!
export PGHOST=127.0.0.1 PGPORT=$PORT PGUSER=postgres PGDATABASE=postgres
i=0; until "$PGBIN/pg_isready" -q; do sleep 0.2; i=$((i + 1)); [ $i -lt 75 ]; done
"$PGBIN/pgbench" -i -s 1 >/dev/null 2>&1
sysctl -qw kernel.bpf_stats_enabled=1
echo "| signals | program | calls | avg ns per call | ns per query | queries/s |"
echo "|---|---|---|---|---|---|"
for sig in $SETS; do
	maxid=$(bpftool prog show -j | python3 -c "import json,sys; print(max([p['id'] for p in json.load(sys.stdin)] or [0]))")
	rm -rf "$T/hl" && mkdir -p "$T/hl"
	"$HLRUN" "$T/hl" --signals "$sig" --summary off >"$T/hl.log" 2>&1 &
	hl=$!
	i=0; while [ ! -f "$T/hl/ready" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	"$PGBIN/pgbench" -n -S -t "$TX" -c 2 >"$T/pgb.txt" 2>&1
	q=$((TX * 2))
	tps=$(awk '/^tps/ {print int($3)}' "$T/pgb.txt" | head -1)
	bpftool prog show -j | python3 -c "
import json, sys
for p in sorted(json.load(sys.stdin), key=lambda p: -p.get('run_cnt', 0)):
    if p['id'] > $maxid and p.get('run_cnt') and p['name'].startswith('sock_'):
        print('| $sig | %s | %d | %d | %d | $tps |' % (p['name'], p['run_cnt'], p['run_time_ns'] // p['run_cnt'], p['run_time_ns'] // $q))
"
	kill "$hl"; wait "$hl" || true
done
