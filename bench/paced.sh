#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# Paced load, the way peers publish their overhead: build/bench/paced sends a
# fixed rate of requests (RATES, default 5000 and 10000 per second) over 16
# keep-alive connections to nginx (bench/nginx.inc) for SECS seconds, rounds
# alternating
#   off        - no agent,
#   agent      - build/hostlens, all signals, defaults (every process traced),
#   agent-http - build/hostlens --signals http --comm nginx (HTTP capture of
#                the application only).
# Per round: nginx's CPU time per request (the run time of its workers'
# threads, /proc/PID/task/*/schedstat, which includes the BPF programs that
# run in them), the agent's own CPU per request (its threads' schedstat),
# and the client's p50/p99 latency (measured from when each request was due,
# so a slower server is charged for the queue it makes). Medians of ROUNDS
# rounds; ratios against off from the same run. The p99 also pooled: every
# latency of a mode's rounds in one distribution (a multi-millisecond stall
# of the VM, charged to every request due during it, decides one round's
# p99; pooled, it weighs by how long it lasted).
# Placement is fixed (two or more CPUs): nginx's one worker on CPU 0, the
# client on the last CPU, the agent where the scheduler puts it; the client
# sleeps until each request is due (it does not spin).
# Writes bench/results/paced.md.
#   ROUNDS=5 SECS=8 RATES="5000 10000" sh bench/paced.sh
set -u
cd "$(dirname "$0")/.." || exit 1
ROUNDS=${ROUNDS:-5}
SECS=${SECS:-8}
RATES=${RATES:-5000 10000}
PORT=${PORT:-18966}
APORT=${APORT:-18967}
OUT=${OUT:-bench/results/paced.md}
# BASE=path/to/hostlens adds a mode "base": that build, all signals (a
# before/after comparison in one run); BROWSER=1 adds "agent-browser": all
# signals while the client sends a browser's headers (User-Agent, Referer)
MODES="off agent agent-http${BASE:+ base}${BROWSER:+ agent-browser}"
T=$(mktemp -d /tmp/hl-paced.XXXXXX)
NGINX=
P=
cleanup() {
	[ -n "$P" ] && kill "$P" 2>/dev/null && wait "$P" 2>/dev/null
	[ -n "$NGINX" ] && kill "$NGINX" 2>/dev/null && wait "$NGINX" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT INT TERM

[ "$(id -u)" = 0 ] || { echo "paced: needs root" >&2; exit 1; }
for c in nginx curl python3; do command -v $c >/dev/null || { echo "paced: $c missing: sh scripts/setup.sh bench" >&2; exit 1; }; done
for b in build/hostlens build/bench/paced; do [ -x $b ] || { echo "paced: build first: make" >&2; exit 1; }; done
mountpoint -q /sys/kernel/tracing || mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null

. bench/lib.inc
. bench/nginx.inc
NGINX_WORKERS=${NGINX_WORKERS:-1}
bench_nginx
CLIENT=
LAST=$(($(nproc) - 1))
if [ "$LAST" -gt 0 ]; then
	for w in $(pgrep -P "$NGINX"); do taskset -pc 0 "$w" >/dev/null; done
	CLIENT="taskset -c $LAST"
fi

# run_ns PID...: nanoseconds on CPU of every thread of these processes
run_ns() {
	for p in "$@"; do cat /proc/"$p"/task/*/schedstat 2>/dev/null; done | awk '{ s += $1 } END { printf "%.0f", s }'
}
workers() { pgrep -P "$NGINX" | tr '\n' ' '; }

start() {
	rm -rf "$T/data"
	case $1 in
	off) return 0 ;;
	agent) build/hostlens --listen "127.0.0.1:$APORT" --data-dir "$T/data" --summary off \
		--log-level warn >"$T/p.log" 2>&1 & P=$! ;;
	base) "$BASE" --listen "127.0.0.1:$APORT" --data-dir "$T/data" --summary off \
		--log-level warn >"$T/p.log" 2>&1 & P=$! ;;
	agent-browser) build/hostlens --listen "127.0.0.1:$APORT" --data-dir "$T/data" --summary off \
		--log-level warn >"$T/p.log" 2>&1 & P=$! ;;
	agent-http) build/hostlens --listen "127.0.0.1:$APORT" --data-dir "$T/data" --summary off \
		--log-level warn --signals http --comm nginx >"$T/p.log" 2>&1 & P=$! ;;
	esac
	i=0; until curl -sf -o /dev/null "http://127.0.0.1:$APORT/readyz"; do
		i=$((i + 1))
		if [ $i -gt 150 ] || ! kill -0 "$P" 2>/dev/null; then
			echo "paced: $1 did not start:" >&2; cat "$T/p.log" >&2; exit 1
		fi
		sleep 0.1
	done
	sleep 1
}
finish() { [ -n "$P" ] && kill "$P" && wait "$P"; P=; }

# round MODE RATE -> "mode rate nginx_ns_per_req agent_ns_per_req p50_us p99_us done"
round() {
	start "$1"
	w=$(workers)
	n0=$(run_ns $w); a0=$([ -n "$P" ] && run_ns "$P" || echo 0)
	k=$((k + 1))
	PACED_LAT="$T/lat.$1.$2.$k" $CLIENT build/bench/paced 127.0.0.1 "$PORT" /index.html "$2" "$SECS" 16 \
		"$([ "$1" = agent-browser ] && echo 1 || echo 0)" >"$T/paced.json" 2>"$T/paced.err"
	n1=$(run_ns $w); a1=$([ -n "$P" ] && run_ns "$P" || echo 0)
	finish
	python3 - "$1" "$2" "$n0" "$n1" "$a0" "$a1" "$T/paced.json" <<'PY'
import json, sys
m, rate, n0, n1, a0, a1, f = sys.argv[1], sys.argv[2], *map(int, sys.argv[3:7]), sys.argv[7]
try:
    r = json.load(open(f))
except ValueError:
    r = {"done": 0, "p50_us": 0, "p99_us": 0}
d = max(r["done"], 1)
print(m, rate, "%.0f" % ((n1 - n0) / d), "%.0f" % ((a1 - a0) / d), r["p50_us"], r["p99_us"], r["done"])
PY
}

$CLIENT build/bench/paced 127.0.0.1 "$PORT" /index.html 2000 2 >/dev/null 2>&1	# warm-up
: >"$T/res"
k=0
for rate in $RATES; do
	for r in $(seq 1 "$ROUNDS"); do
		for m in $MODES; do
			round $m "$rate" >>"$T/res"
		done
	done
done

col() { awk -v m="$1" -v r="$2" -v c="$3" '$1 == m && $2 == r { print $c }' "$T/res" | median; }
# pooled MODE RATE: "p50 p99" (us) of every latency of MODE's rounds at RATE
pooled() {
	python3 - "$T"/lat."$1"."$2".* <<'PY'
import array, sys
a = array.array("Q")
for f in sys.argv[1:]:
    with open(f, "rb") as fh:
        a.frombytes(fh.read())
v = sorted(a)
q = lambda x: "%.1f" % (v[int((len(v) - 1) * x)] / 1e3 if v else 0)
print(q(0.5), q(0.99))
PY
}
{
	echo "## Paced load: nginx CPU and latency per request at a fixed rate"
	echo
	echo "\`${BASE:+BASE=$BASE }${BROWSER:+BROWSER=$BROWSER }ROUNDS=$ROUNDS SECS=$SECS RATES=\"$RATES\" sh bench/paced.sh\` ($(date -u +%Y-%m-%dT%H:%M:%SZ)) — \`build/bench/paced 127.0.0.1 PORT /index.html RATE $SECS\` (bench/paced.c: open loop, 16 keep-alive connections, latency from when each request was due) against nginx serving 4 KiB (bench/nginx.inc, $NGINX_WORKERS worker(s)${CLIENT:+ on CPU 0, the client on CPU $LAST}), rounds alternating: no agent (off); the agent with all signals, every process traced (agent); the agent with \`--signals http --comm nginx\` (agent-http)${BASE:+; the build $BASE with all signals (base)}${BROWSER:+; all signals while the client sends a browser's User-Agent, Accept, Accept-Language and Referer (agent-browser)}. nginx CPU per request is the run time of its workers' threads (schedstat, including the BPF programs that run in them) over the requests answered; agent CPU per request is the run time of the agent's threads over the same count."
	echo
	echo "| round | mode | rate/s | nginx ns/request | agent ns/request | p50 us | p99 us | answered |"
	echo "|---|---|---|---|---|---|---|---|"
	awk '{ k = $1 " " $2; n[k]++; printf "| %d | %s | %s | %s | %s | %s | %s | %s |\n", n[k], $1, $2, $3, $4, $5, $6, $7 }' "$T/res"
	echo
	echo "| median | rate/s | nginx ns/request | ratio to off | agent ns/request | p50 us | p99 us | p99 ratio to off | pooled p50 us | pooled p99 us | pooled p99 ratio |"
	echo "|---|---|---|---|---|---|---|---|---|---|---|"
	for rate in $RATES; do
		on=$(col off "$rate" 3); op=$(col off "$rate" 6); pp=$(pooled off "$rate" | cut -d' ' -f2)
		for m in $MODES; do
			set -- $(pooled $m "$rate")
			echo "| $m | $rate | $(col $m "$rate" 3) | $(ratio "$on" "$(col $m "$rate" 3)") | $(col $m "$rate" 4) | $(col $m "$rate" 5) | $(col $m "$rate" 6) | $(ratio "$op" "$(col $m "$rate" 6)") | $1 | $2 | $(ratio "$pp" "$2") |"
		done
	done
	echo
	echo "Targets (issue 17): at 10k requests/s, nginx CPU per request with the agent / without <= 1.05 and p99 ratio <= 1.10."
	echo
} >"$OUT"
cat "$OUT"
