#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# HTTP capture overhead: nginx (Debian's, one worker, sendfile, keep-alive)
# serving a 4 KiB file to wrk (one thread, 16 connections) on loopback,
# without the agent and with the agent's HTTP capture on (every process:
# nginx and wrk are both traced), alternating, ROUNDS rounds of SECS seconds.
# Medians and ratios of throughput and p99 go to bench/results/http.md.
# One worker: with two, which worker each of a round's new connections lands
# on changes between rounds, and the throughput with it (110k-190k
# requests/s between identical 1 s rounds on the session-12 VM); with one,
# identical rounds stay within ~2 %. NGINX_WORKERS, WRK_THREADS, WRK_CONNS
# override.
#   sh bench/http_overhead.sh [ROUNDS] [SECS] [extra agent flags...]
set -u
cd "$(dirname "$0")/.." || exit 1
TOP=$(pwd)
ROUNDS=${1:-5}
SECS=${2:-5}
shift 2 2>/dev/null
EXTRA="$*"
CONNS=${WRK_CONNS:-16}
THREADS=${WRK_THREADS:-1}
NGINX_WORKERS=${NGINX_WORKERS:-1}
PORT=${PORT:-18950}
OUT=${OUT:-$TOP/bench/results/http.md}
T=$(mktemp -d /tmp/hl-bench-http.XXXXXX)
AGENT=
NGINX=
cleanup() {
	[ -n "$AGENT" ] && kill "$AGENT" 2>/dev/null && wait "$AGENT" 2>/dev/null
	[ -n "$NGINX" ] && kill "$NGINX" 2>/dev/null && wait "$NGINX" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT INT TERM

[ "$(id -u)" = 0 ] || { echo "needs root" >&2; exit 1; }
for c in nginx wrk; do command -v $c >/dev/null || { echo "$c missing: sh scripts/setup.sh bench" >&2; exit 1; }; done
[ -x build/hostlens ] || { echo "build first: make" >&2; exit 1; }
APORT=${APORT:-$((PORT + 1))}

. bench/lib.inc
. bench/nginx.inc
bench_nginx

agent_start() {
	rm -rf "$T/hl"; mkdir -p "$T/hl"
	# the agent itself (not tests/helpers/hlrun, which also writes every
	# topic to files five times a second), HTTP only unless EXTRA says
	build/hostlens --listen "127.0.0.1:$APORT" --data-dir "$T/hl" --summary off --signals http \
		--log-level warn $EXTRA >"$T/agent.log" 2>&1 &
	AGENT=$!
	i=0; until curl -sf -o /dev/null "http://127.0.0.1:$APORT/readyz"; do
		i=$((i + 1)); [ $i -gt 150 ] && { echo "agent did not start" >&2; cat "$T/agent.log" >&2; exit 1; }; sleep 0.1
	done
	sleep 1
}
agent_stop() {
	kill "$AGENT"; wait "$AGENT"; AGENT=
}
# CPU ticks (user + system) of nginx's workers and, when on, the agent
cpu_ticks() {
	t=0
	for p in $(pgrep -P "$NGINX") $AGENT; do
		t=$((t + $(awk '{ print $14 + $15 }' /proc/$p/stat 2>/dev/null || echo 0)))
	done
	echo $t
}
# run_wrk MODE ROUND : appends "MODE rps p99_ms cpu_us_per_request" to $T/results
run_wrk() {
	c0=$(cpu_ticks)
	/usr/bin/time -f "%U %S" -o "$T/wrk.time" \
		wrk -t "$THREADS" -c "$CONNS" -d "${SECS}s" --latency "http://127.0.0.1:$PORT/index.html" >"$T/wrk.out" 2>&1
	c1=$(cpu_ticks)
	rps=$(awk '/^Requests\/sec:/ { print $2 }' "$T/wrk.out")
	n=$(sed -n 's/^ *\([0-9]*\) requests in .*/\1/p' "$T/wrk.out")
	hz=$(getconf CLK_TCK)
	cpu=$(awk -v a="$c0" -v b="$c1" -v hz="$hz" -v n="$n" '{ printf "%.2f", (($1 + $2) + (b - a) / hz) * 1e6 / n }' "$T/wrk.time")
	p99=$(awk '$1 == "99%" { v = $2; if (v ~ /us$/) { sub(/us$/, "", v); v /= 1000 } else if (v ~ /ms$/) { sub(/ms$/, "", v) } else if (v ~ /s$/) { sub(/s$/, "", v); v *= 1000 }; print v }' "$T/wrk.out")
	echo "$1 $rps $p99 $cpu" >>"$T/results"
	echo "round $2 $1: $rps req/s, p99 $p99 ms, $cpu CPU-us/request" >&2
}

: >"$T/results"
LOAD0=$(cut -d" " -f1-3 /proc/loadavg)
wrk -t "$THREADS" -c "$CONNS" -d 2s "http://127.0.0.1:$PORT/index.html" >/dev/null 2>&1	# warm-up
for r in $(seq 1 "$ROUNDS"); do
	run_wrk off "$r"
	agent_start
	run_wrk on "$r"
	curl -sf "http://127.0.0.1:$APORT/api/v1/stats" | python3 -c 'import json, sys; d = json.load(sys.stdin); print(json.dumps({k: d[k] for k in ("events_total", "kernel_drops_total", "map_full_total", "malformed_events_total", "bpf_runs_skipped_total", "signals")}))' >"$T/http-last.json" 2>/dev/null
	agent_stop
done

off_rps=$(awk '$1 == "off" { print $2 }' "$T/results" | median)
on_rps=$(awk '$1 == "on" { print $2 }' "$T/results" | median)
off_p99=$(awk '$1 == "off" { print $3 }' "$T/results" | median)
on_p99=$(awk '$1 == "on" { print $3 }' "$T/results" | median)
tput_chg=$(awk -v a="$off_rps" -v b="$on_rps" 'BEGIN { printf "%+.2f", (b - a) / a * 100 }')
off_cpu=$(awk '$1 == "off" { print $4 }' "$T/results" | median)
on_cpu=$(awk '$1 == "on" { print $4 }' "$T/results" | median)
cpu_inc=$(awk -v a="$off_cpu" -v b="$on_cpu" 'BEGIN { printf "%+.2f", (b - a) / a * 100 }')
p99_inc=$(awk -v a="$off_p99" -v b="$on_p99" 'BEGIN { printf "%+.2f", (b - a) / a * 100 }')

{
	echo "# HTTP capture overhead (bench/http_overhead.sh)"
	echo
	echo "Command: \`sh bench/http_overhead.sh $ROUNDS $SECS $EXTRA\` (WRK_CONNS=$CONNS WRK_THREADS=$THREADS)"
	echo
	echo "Load average before/after: $LOAD0 / $(cut -d" " -f1-3 /proc/loadavg)."
	echo
	echo "Host: $(nproc) CPUs, $(uname -r), $(date -u +%Y-%m-%dT%H:%MZ). nginx $(nginx -v 2>&1 | sed 's/.*\///') ($NGINX_WORKERS worker(s), sendfile, keep-alive) serving a 4 KiB file;"
	echo "wrk -t $THREADS -c $CONNS -d ${SECS}s on loopback. 'on' = build/hostlens (file sink, dashboard, summary off) with"
	echo "--signals http ${EXTRA:-(every process traced: nginx and wrk both produce records)}. Rounds alternate off/on."
	echo
	echo "| round | mode | req/s | p99 ms | CPU us/request |"
	echo "|---|---|---|---|---|"
	awk '{ n[$1]++; printf "| %d | %s | %s | %s | %s |\n", n[$1], $1, $2, $3, $4 }' "$T/results"
	echo
	echo "| | off (median) | on (median) | change |"
	echo "|---|---|---|---|"
	echo "| throughput req/s | $off_rps | $on_rps | $tput_chg % (ratio $(ratio "$off_rps" "$on_rps")) |"
	echo "| p99 latency ms | $off_p99 | $on_p99 | $p99_inc % |"
	echo "| CPU per request us (nginx workers + wrk + agent) | $off_cpu | $on_cpu | $cpu_inc % |"
	echo
	echo "Targets (issue 17): throughput ratio >= 0.93 with all signals, >= 0.97 with HTTP of nginx only (\`--comm nginx\`)."
	echo
	echo "Agent counters, last 'on' round (/api/v1/stats): \`$(cut -c1-600 "$T/http-last.json" 2>/dev/null)\`"
} >"$OUT.new"
mv "$OUT.new" "$OUT"
cat "$OUT"
