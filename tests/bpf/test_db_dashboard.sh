#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# The Databases panel in headless Chromium against the real agent (issue 20):
# redis-benchmark makes 500 GETs and 500 SETs to a redis-server on loopback
# and holds one idle connection open (redis-cli on a pipe); the panel lists
# the server with its open connections and p95, and redis-benchmark's GET and
# SET rows with the counts the agent measured (tests/bpf/db_dashboard.js).
. "$(dirname "$0")/../lib.sh"
need_root db_dashboard || finish
command -v redis-server >/dev/null && command -v redis-benchmark >/dev/null ||
	{ skip db_dashboard "redis-server / redis-benchmark not installed (scripts/setup.sh test)"; finish; }
[ -x /usr/bin/chromium ] && [ -d "$TOP/tests/js/node_modules/playwright-core" ] ||
	{ skip db_dashboard "no chromium or tests/js/node_modules (scripts/setup.sh test)"; finish; }
N=500
PORT=$((24000 + $$ % 1000))
OUT=${TEST_OUT:-$TOP/build/test-results}
mkdir -p "$OUT"
redis-server --port "$PORT" --bind 127.0.0.1 --save '' --appendonly no --dir "$TMPD" >"$TMPD/redis.log" 2>&1 &
REDIS=$!
on_exit "kill $REDIS 2>/dev/null"
wait_for 10 sh -c "redis-cli -p $PORT ping 2>/dev/null | grep -q PONG" ||
	{ fail db_dashboard_redis "redis-server did not answer on $PORT"; finish; }
start_agent --signals db || { fail db_dashboard_agent "agent did not start"; finish; }
wait_for 10 sh -c "curl -sf http://127.0.0.1:$AGENT_PORT/readyz >/dev/null"
# one idle connection held open while the page looks
(sleep 30 | redis-cli -p "$PORT" >/dev/null 2>&1) &
HOLD=$!
on_exit "kill $HOLD 2>/dev/null"
sleep 0.3
redis-cli -p "$PORT" ping >/dev/null
redis-benchmark -p "$PORT" -n $N -t set,get -c 2 -q >"$TMPD/bench.log" 2>&1 &
BENCH=$!
wait $BENCH
sleep 1.2
TOP=$TOP node "$TOP/tests/bpf/db_dashboard.js" "$AGENT_PORT" "$PORT" "$BENCH" "$N" "$OUT" "$TMPD/profile" || tl_failed=1
stop_agent
finish
