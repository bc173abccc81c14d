#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# Drain throughput, 1 and 2 producer CPUs: events/s reaching the log, kernel
# drops, and the syscall loop's own rate without BPF as the baseline, in the
# same run, alternating, ROUNDS rounds of SECS seconds. Appends a markdown
# section to bench/results/drain.md.
set -eu
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-5}; SECS=${SECS:-3}
B=build/bench/drain_bench
mkdir -p bench/results
out=bench/results/drain.md
tmp=$(mktemp)
for p in 1 2; do
	r=1
	while [ $r -le "$ROUNDS" ]; do
		DRAIN_BENCH_NOBPF=1 $B $p "$SECS" | sed "s/^/base $p /" >>"$tmp"
		$B $p "$SECS" | sed "s/^/agent $p /" >>"$tmp"
		DRAIN_BENCH_BURST=1 $B $p "$SECS" 64M | sed "s/^/burst $p /" >>"$tmp"
		r=$((r + 1))
	done
done
python3 - "$tmp" "$ROUNDS" "$SECS" >"$out" <<'PY'
import json, statistics, sys
rows = [l.split(" ", 2) for l in open(sys.argv[1])]
def med(kind, p, key):
    return statistics.median(json.loads(j)[key] for k, pp, j in rows if k == kind and pp == str(p))
def tot(kind, p, key):
    return sum(json.loads(j)[key] for k, pp, j in rows if k == kind and pp == str(p))
print("## Drain throughput\n")
print("`ROUNDS=%s SECS=%s sh bench/drain.sh` — one BPF event per getppid() of the producer threads "
      "(bench/drain_bench.c), drained by the real drain thread into the real event log. "
      "Baseline: the same syscall loop with nothing loaded, alternated with the agent runs.\n" % (sys.argv[2], sys.argv[3]))
print("Live: producers and drain run together (2 cores shared by producers and the drain thread).\n")
print("| producers | syscalls/s without BPF (median) | events/s drained (median) | ratio | kernel drops (all rounds) | events lost in user space |")
print("|---|---|---|---|---|---|")
for p in (1, 2):
    base = med("base", p, "produced_per_s"); agent = med("agent", p, "drained_per_s")
    lost = tot("agent", p, "produced") - tot("agent", p, "drained") - tot("agent", p, "kernel_drops")
    print("| %d | %.0f | %.0f | %.2f | %d | %d |" % (p, base, agent, agent / base, tot("agent", p, "kernel_drops"), lost))
print()
print("Drain capacity: producers fill 64 MiB rings with the drain stopped, then the drain consumes the backlog alone "
      "(DRAIN_BENCH_BURST=1): the rate the drain itself sustains, independent of how fast a syscall loop can produce.\n")
print("| producers filling | events in backlog (median) | drain capacity events/s (median) | kernel drops |")
print("|---|---|---|---|")
for p in (1, 2):
    print("| %d | %.0f | %.0f | %d |" % (p, med("burst", p, "drained"), med("burst", p, "drain_capacity_per_s"), tot("burst", p, "kernel_drops")))
print()
PY
rm -f "$tmp"
cat "$out"
