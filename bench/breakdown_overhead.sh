#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# Latency breakdown overhead: nginx (Debian's, one worker, sendfile,
# keep-alive) serving a 4 KiB file to wrk (one thread, 16 connections: the
# steady load of bench/http_overhead.sh) on loopback, with the agent
# (--signals cpu,http) running with --http-breakdown false and true,
# alternating, ROUNDS rounds of SECS seconds. 'true' adds the per-thread
# accounting at every context switch (cpu.bpf.c) and the snapshots at each
# request start and response write (bpf/http/http.bpf.h). Medians and the ratio of
# throughput go to bench/results/breakdown.md.
#   sh bench/breakdown_overhead.sh [ROUNDS] [SECS] [extra agent flags...]
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
PORT=${PORT:-18960}
OUT=${OUT:-$TOP/bench/results/breakdown.md}
T=$(mktemp -d /tmp/hl-bench-bd.XXXXXX)
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
[ -x build/tests/helpers/hlrun ] || { echo "build first: make" >&2; exit 1; }

. bench/lib.inc
. bench/nginx.inc
bench_nginx

# agent_start BOOL : the real pipeline with the CPU and HTTP signals, breakdown BOOL
agent_start() {
	rm -rf "$T/hl"; mkdir -p "$T/hl"
	build/tests/helpers/hlrun "$T/hl" --signals cpu,http --http-breakdown "$1" --log-level warn \
		$EXTRA >"$T/agent.log" 2>&1 &
	AGENT=$!
	i=0; until [ -f "$T/hl/ready" ]; do
		i=$((i + 1)); [ $i -gt 100 ] && { echo "agent did not start" >&2; cat "$T/agent.log" >&2; exit 1; }; sleep 0.1
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
	agent_start false
	run_wrk off "$r"
	agent_stop
	agent_start true
	run_wrk on "$r"
	cp "$T/hl/breakdown.json" "$T/bd-last.json" 2>/dev/null
	agent_stop
done

# bpf_cost MODE BOOL : kernel bpf_stats of the agent's programs under wrk;
# appends "MODE prog calls run_ns" lines to $T/cost and "MODE req N" (requests)
bpf_cost() {
	maxid=$(bpftool prog show -j | python3 -c "import json,sys; print(max([p['id'] for p in json.load(sys.stdin)] or [0]))")
	agent_start "$2"
	# the agent's programs: loaded between the two reads (other agents on the host are left out)
	maxid1=$(bpftool prog show -j | python3 -c "import json,sys; print(max([p['id'] for p in json.load(sys.stdin)] or [0]))")
	wrk -t "$THREADS" -c "$CONNS" -d "${SECS}s" "http://127.0.0.1:$PORT/index.html" >"$T/wrk.out" 2>&1
	n=$(sed -n 's/^ *\([0-9]*\) requests in .*/\1/p' "$T/wrk.out")
	echo "$1 req $n" >>"$T/cost"
	bpftool prog show -j | python3 -c "
import json, sys
for p in json.load(sys.stdin):
    if $maxid < p['id'] <= $maxid1 and p.get('run_cnt'):
        print('$1 %s %d %d' % (p['name'], p['run_cnt'], p['run_time_ns']))
" >>"$T/cost"
	agent_stop
}
STATS0=$(sysctl -n kernel.bpf_stats_enabled)
sysctl -qw kernel.bpf_stats_enabled=1
: >"$T/cost"
for r in 1 2 3; do bpf_cost off false; bpf_cost on true; done
sysctl -qw kernel.bpf_stats_enabled="$STATS0"

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
	echo "# Latency breakdown overhead (bench/breakdown_overhead.sh)"
	echo
	echo "Command: \`sh bench/breakdown_overhead.sh $ROUNDS $SECS $EXTRA\` (WRK_CONNS=$CONNS WRK_THREADS=$THREADS)"
	echo
	echo "Load average before/after: $LOAD0 / $(cut -d" " -f1-3 /proc/loadavg)."
	echo
	echo "Host: $(nproc) CPUs, $(uname -r), $(date -u +%Y-%m-%dT%H:%MZ). nginx $(nginx -v 2>&1 | sed 's/.*\///') ($NGINX_WORKERS worker(s), sendfile, keep-alive) serving a 4 KiB file;"
	echo "wrk -t $THREADS -c $CONNS -d ${SECS}s on loopback. Both modes run hlrun (loader + drain + event log + processor)"
	echo "with --signals cpu,http (every process traced); 'off' = --http-breakdown false, 'on' = --http-breakdown true. Rounds alternate off/on."
	echo
	echo "| round | mode | req/s | p99 ms | CPU us/request |"
	echo "|---|---|---|---|---|"
	awk '{ n[$1]++; printf "| %d | %s | %s | %s | %s |\n", n[$1], $1, $2, $3, $4 }' "$T/results"
	echo
	echo "| | breakdown off (median) | breakdown on (median) | change |"
	echo "|---|---|---|---|"
	echo "| throughput req/s | $off_rps | $on_rps | $tput_chg % (ratio on/off $(awk -v a="$off_rps" -v b="$on_rps" 'BEGIN { printf "%.4f", b / a }')) |"
	echo "| p99 latency ms | $off_p99 | $on_p99 | $p99_inc % |"
	echo "| CPU per request us (nginx workers + wrk + agent) | $off_cpu | $on_cpu | $cpu_inc % |"
	echo
	echo "Target: <= 1 % extra throughput loss with the breakdown on."
	echo
	echo "Kernel-side cost (kernel.bpf_stats_enabled, 3 alternating rounds per mode, same wrk load): BPF run time of the"
	echo "agent's programs per HTTP request served, and per call of the programs the breakdown touches."
	echo
	echo "| program | off: calls/request | off: ns/call | on: calls/request | on: ns/call |"
	echo "|---|---|---|---|---|"
	awk '$2 == "req" { req[$1] += $3; next } { c[$1 "|" $2] += $3; t[$1 "|" $2] += $4; names[$2] = 1 }
	     END { for (n in names) printf "| %s | %.2f | %.0f | %.2f | %.0f |\n", n, c["off|" n] / req["off"], c["off|" n] ? t["off|" n] / c["off|" n] : 0,
	             c["on|" n] / req["on"], c["on|" n] ? t["on|" n] / c["on|" n] : 0 }' "$T/cost" | sort
	awk '$2 == "req" { req[$1] += $3; next } { t[$1] += $4 }
	     END { printf "\nBPF ns per request: off %.0f, on %.0f, extra %.0f ns = %.2f %% of the median CPU per request with the breakdown off (%s us).\n",
	             t["off"] / req["off"], t["on"] / req["on"], t["on"] / req["on"] - t["off"] / req["off"],
	             (t["on"] / req["on"] - t["off"] / req["off"]) / ('"$off_cpu"' * 1000) * 100, "'"$off_cpu"'" }' "$T/cost"
	echo
	echo "Breakdown topic, last 'on' round (first 400 bytes): \`$(cut -c1-400 "$T/bd-last.json" 2>/dev/null)\`"
} >"$OUT.new"
mv "$OUT.new" "$OUT"
cat "$OUT"
