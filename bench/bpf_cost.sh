#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# Per-program BPF cost under nginx + wrk: the kernel's own bpf_stats (run
# time and count of every program the agent loaded), for each signal set.
# Writes bench/results/bpf-cost.md. Needs root, nginx, wrk.
#   SECS=4 sh bench/bpf_cost.sh            (every signal, one at a time)
#   SETS='http cpu,disk,net,http' sh bench/bpf_cost.sh   (chosen signal sets)
#   BASE=/tmp/old-hlrun SETS='base:http http base:http http' sh bench/bpf_cost.sh
#       (base:SET runs another build's hlrun: alternating rounds, medians at the end)
#   NGINX_WORKERS=1 WRK_T=1 WRK_C=16 ...  (the steadier one-worker load)
set -eu
cd "$(dirname "$0")/.."
SECS=${SECS:-4}
SETS=${SETS:-cpu disk net http}
PORT=${PORT:-18779}
HLRUN=${HLRUN:-build/tests/helpers/hlrun}
T=$(mktemp -d /tmp/hl-bpfcost.XXXXXX)
STATS0=$(sysctl -n kernel.bpf_stats_enabled)
NGINX=
trap '[ -n "$NGINX" ] && kill $NGINX; sysctl -qw kernel.bpf_stats_enabled=$STATS0; rm -rf $T' EXIT
mkdir -p bench/results
. bench/nginx.inc
bench_nginx
sysctl -qw kernel.bpf_stats_enabled=1
out=bench/results/bpf-cost.md
{
	echo "## BPF cost per program call"
	echo
	echo "\`SECS=$SECS sh bench/bpf_cost.sh\` — kernel bpf_stats (run_time_ns / run_cnt) of the programs the"
	echo "agent loaded, while wrk (4 connections, ${SECS} s) drives nginx (bench/nginx.inc) on loopback; one agent per row group."
	echo
	echo "| signals | program | calls | avg ns per call | ns per request |"
	echo "|---|---|---|---|---|"
} >"$out"
for sig in $SETS; do
	bin=$HLRUN; set=$sig
	case $sig in base:*) bin=${BASE:?BASE=hlrun of the build to compare with}; set=${sig#base:} ;; esac
	maxid=$(bpftool prog show -j | python3 -c "import json,sys; print(max([p['id'] for p in json.load(sys.stdin)] or [0]))")
	rm -rf "$T/hl" && mkdir -p "$T/hl"
	"$bin" "$T/hl" --signals "$set" --summary off ${HLARGS:-} >"$T/hl.log" 2>&1 &
	hl=$!
	i=0; while [ ! -f "$T/hl/ready" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	wrk -t "${WRK_T:-2}" -c "${WRK_C:-4}" -d "$SECS" "http://127.0.0.1:$PORT/index.html" >"$T/wrk.txt"
	reqs=$(awk '/requests in/ {print $1}' "$T/wrk.txt")
	bpftool prog show -j | python3 -c "
import json, sys
for p in sorted(json.load(sys.stdin), key=lambda p: -p.get('run_cnt', 0)):
    if p['id'] > $maxid and p.get('run_cnt'):
        print('| $sig | %s | %d | %d | %d |' % (p['name'], p['run_cnt'], p['run_time_ns'] // p['run_cnt'], p['run_time_ns'] // max(1, ${reqs:-0})))
" | tee -a "$out" | awk -F'|' -v sig="$sig" -v rps="$(awk '/^Requests\/sec/ {print $2}' "$T/wrk.txt")" \
		'{ ns += $6 } END { print sig, ns, rps }' >>"$T/rounds"
	kill "$hl"; wait "$hl" || true
done
# a set named more than once (SETS='a b a b ...': alternating rounds): medians
{
	echo
	echo "| signals | rounds | BPF ns per request, all programs: median (rounds) | wrk requests/s: median (rounds) |"
	echo "|---|---|---|---|"
	python3 -c "
import statistics, sys
sets = {}
for line in open(sys.argv[1]):
    sig, ns, rps = line.split()
    sets.setdefault(sig, []).append((int(ns), float(rps)))
for sig, r in sets.items():
    print('| %s | %d | %d (%s) | %.0f (%s) |' % (sig, len(r), statistics.median(x[0] for x in r),
          ' '.join(str(x[0]) for x in r), statistics.median(x[1] for x in r),
          ' '.join('%.0f' % x[1] for x in r)))
" "$T/rounds"
	echo
} >>"$out"
cat "$out"
