#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# The floor under the HTTP overhead target: nginx (one worker) + wrk (one
# thread, 16 connections), as section 1 of make bench, rounds alternating
#   off        - nothing loaded,
#   floor-http - build/bench/floor_load sock: programs that return at once
#                on the HTTP signal's hooks (tp_btf sock_send_length /
#                sock_recv_length),
#   agent-http - build/hostlens --signals http,
#   floor      - the same on every hook the agent's per-request work runs
#                on (HTTP and net: sock_send_length / sock_recv_length; CPU:
#                sched_switch / sched_wakeup), the agent's attach types,
#   agent      - build/hostlens, all signals, defaults,
# ROUNDS rounds of SECS seconds; medians of req/s, p99 and host CPU per
# request. Then the same per call, steadier: build/bench/callcost (socket
# send/recv pairs and thread ping-pongs) with and without the floor
# programs, and how many calls a request makes. What 'floor' costs is paid
# before any of the agent's work: if it alone is near the target, the
# target is out of reach for any program on those hooks.
# Writes bench/results/floor.md.
#   ROUNDS=5 SECS=8 sh bench/floor.sh
set -u
cd "$(dirname "$0")/.." || exit 1
ROUNDS=${ROUNDS:-5}
SECS=${SECS:-8}
PORT=${PORT:-18963}
APORT=${APORT:-18964}
OUT=${OUT:-bench/results/floor.md}
MODES="off floor-http agent-http floor agent"
T=$(mktemp -d /tmp/hl-floor.XXXXXX)
NGINX=
P=
STATS0=
cleanup() {
	[ -n "$P" ] && kill "$P" 2>/dev/null && wait "$P" 2>/dev/null
	[ -n "$NGINX" ] && kill "$NGINX" 2>/dev/null && wait "$NGINX" 2>/dev/null
	[ -n "$STATS0" ] && sysctl -qw kernel.bpf_stats_enabled="$STATS0"
	rm -rf "$T"
}
trap cleanup EXIT INT TERM

[ "$(id -u)" = 0 ] || { echo "floor: needs root" >&2; exit 1; }
for c in nginx wrk curl; do command -v $c >/dev/null || { echo "floor: $c missing: sh scripts/setup.sh bench" >&2; exit 1; }; done
for b in build/hostlens build/bench/floor_load build/bench/callcost; do [ -x $b ] || { echo "floor: build first: make" >&2; exit 1; }; done
mountpoint -q /sys/kernel/tracing || mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null

NGINX_WORKERS=1 # identical rounds within ~2 % (bench/http_overhead.sh)
. bench/lib.inc
. bench/nginx.inc
bench_nginx
URL=http://127.0.0.1:$PORT/index.html

# start MODE: loads what the round measures; returns once it is attached
start() {
	rm -f "$T/ready"; rm -rf "$T/data"
	case $1 in
	off) return 0 ;;
	floor) build/bench/floor_load "$T/ready" >"$T/p.log" 2>&1 & P=$! ;;
	floor-http) build/bench/floor_load "$T/ready" sock >"$T/p.log" 2>&1 & P=$! ;;
	agent*) build/hostlens --listen "127.0.0.1:$APORT" --data-dir "$T/data" --summary off \
		--log-level warn $([ "$1" = agent-http ] && echo --signals http) >"$T/p.log" 2>&1 & P=$! ;;
	esac
	i=0; until [ -f "$T/ready" ] || curl -sf -o /dev/null "http://127.0.0.1:$APORT/readyz"; do
		i=$((i + 1))
		if [ $i -gt 150 ] || ! kill -0 "$P" 2>/dev/null; then
			echo "floor: $1 did not start:" >&2; cat "$T/p.log" >&2; exit 1
		fi
		sleep 0.1
	done
	sleep 1
}
finish() { [ -n "$P" ] && kill "$P" && wait "$P"; P=; }

wrk -t 1 -c 16 -d 2s "$URL" >/dev/null 2>&1	# warm-up
: >"$T/res"
for r in $(seq 1 "$ROUNDS"); do
	for m in $MODES; do
		start $m
		echo "$m $(wrk_run "$SECS" 16 1)" >>"$T/res"
		finish
	done
done

# Per call, without wrk's noise: build/bench/callcost (one thread, 0.5 s
# rounds) with nothing and with the floor programs loaded, alternating
: >"$T/calls"
for r in $(seq 1 7); do
	for m in off floor; do
		start $m
		echo "$m $(build/bench/callcost sock 0.5) $(build/bench/callcost switch 0.5)" >>"$T/calls"
		finish
	done
done
# How many calls a request makes: the floor programs' run counts
# (kernel.bpf_stats_enabled for this one round) over wrk's request count
STATS0=$(sysctl -n kernel.bpf_stats_enabled)
sysctl -qw kernel.bpf_stats_enabled=1
start floor
wrk -t 1 -c 16 -d 4s "$URL" >"$T/wrk.cnt" 2>&1
counts=$(bpftool prog show -j | python3 -c "
import json, sys
n = {p['name']: p.get('run_cnt', 0) for p in json.load(sys.stdin) if p.get('name', '').startswith('floor_')}
print(n.get('floor_sock_send', 0) + n.get('floor_sock_recv', 0), n.get('floor_cpu_switch', 0), n.get('floor_cpu_wakeup', 0))")
finish
sysctl -qw kernel.bpf_stats_enabled="$STATS0"
reqs=$(awk '/ requests in / { print $1 }' "$T/wrk.cnt")
set -- $counts
sock_per_req=$(awk -v c="$1" -v n="$reqs" 'BEGIN { printf "%.2f", c / n }')
sw_per_req=$(awk -v c="$2" -v n="$reqs" 'BEGIN { printf "%.2f", c / n }')
wk_per_req=$(awk -v c="$3" -v n="$reqs" 'BEGIN { printf "%.2f", c / n }')

col() { awk -v m="$1" -v c="$2" '$1 == m { print $c }' "$T/res" | median; }
ccol() { awk -v m="$1" -v c="$2" '$1 == m { print $c }' "$T/calls" | median; }
{
	echo "## The floor: programs that do nothing, on the agent's hooks"
	echo
	echo "\`ROUNDS=$ROUNDS SECS=$SECS sh bench/floor.sh\` ($(date -u +%Y-%m-%dT%H:%M:%SZ), kernel.bpf_stats_enabled=$(sysctl -n kernel.bpf_stats_enabled)) — \`wrk -t 1 -c 16 -d ${SECS}s --latency\` against nginx (bench/nginx.inc, one worker), rounds alternating: nothing loaded (off); \`build/bench/floor_load sock\` (floor-http: two programs that return 0 at once, bpf/bench/floor.bpf.c, on the socket hooks, tp_btf sock_send_length / sock_recv_length); the agent with \`--signals http\` (agent-http, every process traced); \`build/bench/floor_load\` (floor: four such programs, on tp_btf sock_send_length / sock_recv_length (one program each, shared by the HTTP and net signals) and tp_btf sched_switch / sched_wakeup); the agent with all signals (agent)."
	echo
	echo "| round | mode | req/s | p99 ms | host CPU us per request |"
	echo "|---|---|---|---|---|"
	awk '{ n[$1]++; printf "| %d | %s | %s | %s | %s |\n", n[$1], $1, $2, $3, $4 }' "$T/res"
	echo
	echo "| median | req/s | change | p99 ms | change | host CPU us per request | change |"
	echo "|---|---|---|---|---|---|---|"
	o1=$(col off 2); o2=$(col off 3); o3=$(col off 4)
	for m in $MODES; do
		a=$(col $m 2); b=$(col $m 3); c=$(col $m 4)
		echo "| $m | $a | $(pct "$o1" "$a") % | $b | $(pct "$o2" "$b") % | $c | $(pct "$o3" "$c") % |"
	done
	echo
	add() { awk -v a="$o3" -v b="$(col "$1" 4)" 'BEGIN { printf "%.2f", b - a }'; }
	so=$(ccol off 2); sf=$(ccol floor 2); wo=$(ccol off 3); wf=$(ccol floor 3)
	per_sock=$(awk -v a="$so" -v b="$sf" 'BEGIN { printf "%.0f", (b - a) / 2 }')
	per_sw=$(awk -v a="$wo" -v b="$wf" 'BEGIN { printf "%.0f", (b - a) / 2 }')
	echo "Per call, \`build/bench/callcost\` (one thread pinned to CPU 0, 7 alternating rounds of 0.5 s, medians): a 1-byte send + recv on a unix socketpair takes $so ns without and $sf ns with the floor programs (two on each socket call: the HTTP and the net signal's), **$per_sock ns added per socket call**; a ping-pong of two threads on one CPU over pipes takes $wo vs $wf ns (two switches and two wake-ups), **$per_sw ns added per switch and wake-up**."
	echo
	echo "Calls per request (run counts of the floor programs over one 4 s wrk round): $sock_per_req socket calls (nginx and wrk), $sw_per_req switches, $wk_per_req wake-ups. So the floor is $(awk -v a="$sock_per_req" -v b="$per_sock" -v c="$wk_per_req" -v d="$per_sw" 'BEGIN { printf "%.2f", (a * b + c * d) / 1000 }')-$(awk -v a="$sock_per_req" -v b="$per_sock" -v c="$sw_per_req" -v d="$per_sw" 'BEGIN { printf "%.2f", (a * b + c * d) / 1000 }') us per request before any work (the ping-pong prices a switch and a wake-up together: the low end counts only as many pairs as there are wake-ups, the high end one per switch), of $(col off 4) us a request costs without the agent (median of the off rounds above); HTTP capture alone, taken as half the socket floor (one of the two programs on each call): $(awk -v a="$sock_per_req" -v b="$per_sock" 'BEGIN { printf "%.2f", a * b / 2 / 1000 }') us."
	echo
	echo "Added host CPU per request over off (wrk rounds, noisier): floor-http $(add floor-http) us, agent-http $(add agent-http) us, floor $(add floor) us, agent $(add agent) us."
	echo
	echo "Issue 17's floor ratio, the agent's added host CPU over the floor's (target <= 1.5): all signals $(awk -v a="$(add agent)" -v b="$(add floor)" 'BEGIN { if (b > 0.05) printf "%.1f", a / b; else print "n/a (the floor adds less than the rounds resolve)" }'), HTTP $(awk -v a="$(add agent-http)" -v b="$(add floor-http)" 'BEGIN { if (b > 0.05) printf "%.1f", a / b; else print "n/a (the floor adds less than the rounds resolve)" }'). A quotient of two small differences: it moves a lot between runs."
	echo
} >"$OUT"
cat "$OUT"
