#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# The agent's own CPU per request at saturation: wrk drives nginx on
# loopback (bench/nginx.inc) as hard as it goes while build/hostlens (all
# signals, defaults: nginx and wrk both traced, two HTTP events a request)
# drains and processes what its programs send. Per thread, the run time
# (/proc/PID/task/*/schedstat) over the requests answered. BPF run time is
# not in it (it runs in nginx's and wrk's threads: bench/bpf_cost.sh).
# BASE=path/to/hostlens alternates rounds with another build (before/after
# in one run). Medians of ROUNDS rounds of SECS seconds.
# Writes bench/results/agent-cpu.md.
#   ROUNDS=5 SECS=5 [BASE=/tmp/old/build/hostlens] sh bench/agent_cpu.sh
set -eu
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-5}
SECS=${SECS:-5}
SIGNALS=${SIGNALS:-cpu,disk,net,http}
PORT=${PORT:-18781}
APORT=${APORT:-19781}
T=$(mktemp -d /tmp/hl-agentcpu.XXXXXX)
NGINX=
AGENT=
trap '[ -n "$AGENT" ] && kill $AGENT 2>/dev/null; [ -n "$NGINX" ] && kill $NGINX; rm -rf $T' EXIT
[ "$(id -u)" = 0 ] || { echo "needs root" >&2; exit 1; }
for c in nginx wrk; do command -v $c >/dev/null || { echo "$c missing: sh scripts/setup.sh bench" >&2; exit 1; }; done
[ -x build/hostlens ] || { echo "build first: make" >&2; exit 1; }
mkdir -p bench/results
. bench/nginx.inc
bench_nginx

# threads TID: "comm run_ns" per thread of $AGENT
threads() {
	for t in /proc/$AGENT/task/*; do
		printf '%s %s\n' "$(cat "$t/comm")" "$(cut -d' ' -f1 "$t/schedstat")"
	done
}

round() { # MODE BIN
	rm -rf "$T/hl" && mkdir -p "$T/hl"
	"$2" --signals "$SIGNALS" --data-dir "$T/hl" --listen "127.0.0.1:$APORT" --summary off \
		--log-level warn >"$T/agent.log" 2>&1 &
	AGENT=$!
	sleep 3
	wrk -t 2 -c 10 -d 2s "http://127.0.0.1:$PORT/index.html" >/dev/null # warm the caches
	threads >"$T/t0"
	wrk -t 2 -c 10 -d "${SECS}s" "http://127.0.0.1:$PORT/index.html" >"$T/wrk.txt"
	threads >"$T/t1"
	n=$(sed -n 's/^ *\([0-9]*\) requests in .*/\1/p' "$T/wrk.txt")
	rps=$(awk '/^Requests\/sec:/ { print $2 }' "$T/wrk.txt")
	paste "$T/t0" "$T/t1" | awk -v m="$1" -v n="$n" -v rps="$rps" '
		{ d[$1] += $4 - $2; tot += $4 - $2 }
		END { printf "%s %.0f %.1f %.1f %.1f\n", m, rps, tot / n, d["hl-drain"] / n, d["hl-processor"] / n }' \
		>>"$T/rounds"
	kill "$AGENT"; wait "$AGENT" || true; AGENT=
}

r=1
while [ $r -le "$ROUNDS" ]; do
	round agent build/hostlens
	[ -n "${BASE:-}" ] && round base "$BASE"
	r=$((r + 1))
done

{
	echo "## The agent's own CPU per request at saturation"
	echo
	echo "\`${BASE:+BASE=$BASE }ROUNDS=$ROUNDS SECS=$SECS sh bench/agent_cpu.sh\` ($(date -u +%Y-%m-%dT%H:%M:%SZ)): \`wrk -t 2 -c 10 -d ${SECS}s\` against nginx serving 4 KiB on loopback; the agent with \`--signals $SIGNALS\` (every process traced: nginx's and wrk's sides, two HTTP events a request). ns per request = run time of the agent's threads (schedstat) over the requests answered; medians of $ROUNDS rounds${BASE:+, alternating with the build $BASE}."
	echo
	echo "| mode | rounds | wrk requests/s | agent ns/request: median (rounds) | drain | processor |"
	echo "|---|---|---|---|---|---|"
	python3 -c "
import statistics, sys
modes = {}
for line in open(sys.argv[1]):
    m, rps, tot, dr, pr = line.split()
    modes.setdefault(m, []).append((float(rps), float(tot), float(dr), float(pr)))
for m, r in modes.items():
    med = lambda i: statistics.median(x[i] for x in r)
    print('| %s | %d | %.0f | %.0f (%s) | %.0f | %.0f |' % (m, len(r), med(0), med(1),
          ' '.join('%.0f' % x[1] for x in r), med(2), med(3)))
" "$T/rounds"
	echo
} >bench/results/agent-cpu.md
cat bench/results/agent-cpu.md
