#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# Redis from the host (issue 20): a redis-server on loopback, redis-benchmark
# -n 2000 -t set,get makes 2000 SETs and 2000 GETs, each seen within 1 % from
# redis-benchmark's pid (client) and served by redis-server (server); a -P 16
# pipeline is counted as pipelined, never paired into GET/SET latencies; an
# error reply is counted as an error; /metrics has the OpenTelemetry-style
# histogram.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/db_lib.inc"
need_root db_redis || finish
command -v redis-server >/dev/null && command -v redis-benchmark >/dev/null ||
	{ skip db_redis "redis-server / redis-benchmark not installed (scripts/setup.sh test)"; finish; }
N=2000
PORT=$((21000 + $$ % 1000))

redis-server --port "$PORT" --bind 127.0.0.1 --save '' --appendonly no --dir "$TMPD" \
	>"$TMPD/redis.log" 2>&1 &
REDIS=$!
on_exit "kill $REDIS 2>/dev/null"
wait_for 10 sh -c "redis-cli -p $PORT ping 2>/dev/null | grep -q PONG" ||
	{ fail db_redis_start "redis-server did not answer on $PORT"; finish; }

start_agent --signals db --flush-interval 1 || { fail db_redis_agent "agent did not start"; finish; }
wait_for 10 sh -c "curl -sf http://127.0.0.1:$AGENT_PORT/readyz >/dev/null"

redis-benchmark -p "$PORT" -n $N -t set,get -c 4 -q >"$TMPD/bench.log" 2>&1 &
BENCH=$!
wait $BENCH
sleep 2.2	# two ticks
get=$(db_ops $BENCH redis GET); set=$(db_ops $BENCH redis SET)
sget=$(db_ops $REDIS redis GET server); sset=$(db_ops $REDIS redis SET server)
if within $N "$get" 1 && within $N "$set" 1; then ok db_redis_client_get_set_counts
else fail db_redis_client_get_set_counts "expected $N GET and $N SET from redis-benchmark (pid $BENCH), got GET $get SET $set"; fi
if within $N "$sget" 1 && within $N "$sset" 1; then ok db_redis_server_get_set_counts
else fail db_redis_server_get_set_counts "expected $N GET and $N SET served by redis-server (pid $REDIS), got GET $sget SET $sset"; fi

# -P 16: sixteen commands per write; pairing them as one would be wrong
pipe0=$(db_stat pipelined_total)
redis-benchmark -p "$PORT" -n 1600 -t set -P 16 -c 1 -q >"$TMPD/pipe.log" 2>&1 &
PIPE=$!
wait $PIPE
sleep 2.2
pipe1=$(db_stat pipelined_total); pset=$(db_ops $PIPE redis SET)
# 100 batches, seen from both ends (client and server): 200 pipelined exchanges
if [ "$pset" -eq 0 ] && [ $((pipe1 - pipe0)) -ge 190 ]; then ok db_redis_pipeline_counted_not_paired
else fail db_redis_pipeline_counted_not_paired "expected 0 SET paired from the -P 16 run and >= 190 more pipelined exchanges, got SET $pset, pipelined $pipe0 -> $pipe1"; fi

# an error reply
CLI=$( (redis-cli -p "$PORT" set k v >/dev/null; redis-cli -p "$PORT" lpush k x >/dev/null 2>&1) & echo $!)
sleep 0.5
errs=0
for i in 1 2 3 4 5 6; do
	errs=$(api /api/v1/databases | /usr/bin/python3 -c '
import json, sys
d = json.load(sys.stdin)
print(sum(o["errors"] for o in d["operations"] if o["operation"] == "LPUSH" and o["role"] == "client"))')
	[ "$errs" -ge 1 ] && break
	sleep 0.5
done
if [ "$errs" -ge 1 ]; then ok db_redis_error_reply_counted
else fail db_redis_error_reply_counted "expected the WRONGTYPE reply to LPUSH counted as an error, got $errs (cli $CLI)"; fi

curl -sf "http://127.0.0.1:$AGENT_PORT/metrics" >"$TMPD/m"
pc=$(awk -v p="$PORT" '$1 ~ /^db_client_operation_duration_seconds_count\{db_system="redis",db_operation_name="GET",server_address="127.0.0.1",server_port="/ && index($1, "\"" p "\"") {print $2}' "$TMPD/m")
if [ -n "$pc" ] && within $N "$pc" 1; then ok db_redis_prometheus_histogram
else fail db_redis_prometheus_histogram "expected db_client_operation_duration_seconds_count for GET ~ $N, got '$pc'"; fi
stop_agent
rec=$(/usr/bin/python3 - "$TMPD/data/records.ndjson" "$PORT" <<'PY'
import json, sys
n = 0
for r in map(json.loads, open(sys.argv[1])):
    if r["type"] == "database-metrics":
        n += sum(o["count"] for o in r["operations"] if o["operation"] == "GET"
                 and o["role"] == "client" and o["server_port"] == int(sys.argv[2]))
print(n)
PY
)
if within $N "$rec" 1; then ok db_redis_records
else fail db_redis_records "expected database-metrics records to add up to $N client GETs, got $rec"; fi
if "$BUILD/tests/helpers/schemacheck" "$TOP/docs/records.schema.json" "$TMPD/data/records.ndjson" >"$TMPD/schema.out" 2>&1 &&
	grep -q "^database-metrics " "$TMPD/schema.out"; then ok db_redis_records_match_schema
else fail db_redis_records_match_schema "expected valid database-metrics records (docs/records.schema.json): $(grep -m3 -i invalid "$TMPD/schema.out")"; fi
finish
