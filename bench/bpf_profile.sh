#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# Where the socket programs spend their time, by BPF source line: a
# system-wide perf profile while wrk drives nginx on loopback with the agent
# (hlrun, SIGNALS, default http) loaded, its samples in the programs' JIT
# code mapped to source lines (build/bench/bpf_lines), and the kernel
# functions they call (helpers, user copies) by the program that called.
# Prints both tables (TOP rows). Needs root, nginx, wrk, perf.
#   SIGNALS=http SECS=5 TOP=40 sh bench/bpf_profile.sh
set -eu
cd "$(dirname "$0")/.."
SIGNALS=${SIGNALS:-http}
SECS=${SECS:-5}
TOP=${TOP:-40}
PORT=${PORT:-18781}
T=$(mktemp -d /tmp/hl-bpfprof.XXXXXX)
NGINX=
HL=
trap '[ -n "$NGINX" ] && kill $NGINX; [ -n "$HL" ] && kill $HL 2>/dev/null && wait $HL; rm -rf $T' EXIT
for c in perf wrk nginx; do command -v $c >/dev/null || { echo "$c missing" >&2; exit 1; }; done
. bench/nginx.inc
bench_nginx
mkdir -p "$T/hl"
build/tests/helpers/hlrun "$T/hl" --signals "$SIGNALS" --summary off ${HLARGS:-} >"$T/hl.log" 2>&1 &
HL=$!
i=0; while [ ! -f "$T/hl/ready" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
wrk -c 4 -d $((SECS + 2)) "http://127.0.0.1:$PORT/index.html" >"$T/wrk.txt" &
W=$!
sleep 1
perf record -F 4000 -a -g -o "$T/perf.data" -- sleep "$SECS" >/dev/null 2>&1
# the programs this agent loaded: their line tables, while still loaded
bpftool prog show -j | python3 -c "
import json, sys
for p in json.load(sys.stdin):
    if p.get('name') in ('sock_send', 'sock_recv', 'sock_state'): print(p['id'])
" | while read -r id; do build/bench/bpf_lines "$id" >>"$T/lines.txt" 2>/dev/null || true; done
wait $W
perf script -i "$T/perf.data" -F ip,sym 2>/dev/null | python3 -c '
import bisect, collections, sys
top = int(sys.argv[2])
lines = sorted((int(a, 16), rest) for a, rest in
               (l.rstrip("\n").split(" ", 1) for l in open(sys.argv[1]) if " " in l))
addrs = [a for a, _ in lines]
by_line, by_fn = collections.Counter(), collections.Counter()
jit = inbpf = 0
chain = []
def sample():
    global jit, inbpf
    progs = [s for _, s in chain if s.startswith("bpf_prog_")]
    if not progs:
        return
    inbpf += 1
    ip, leaf = chain[0]
    if leaf.startswith("bpf_prog_"):
        jit += 1
        i = bisect.bisect_right(addrs, ip) - 1
        if i >= 0:
            loc, _, src = lines[i][1].partition("\t")
            by_line[loc + "  " + src.strip()[:70]] += 1
    else:
        by_fn[leaf + "  (in " + progs[0].split("_", 3)[-1] + ")"] += 1
for l in sys.stdin:
    l = l.strip()
    if not l:
        sample(); chain = []
        continue
    f = l.split(None, 1)
    chain.append((int(f[0], 16), f[1] if len(f) > 1 else "?"))
sample()
print("samples in BPF programs or what they call: %d, in their JIT code: %d" % (inbpf, jit))
print("\n| share of BPF samples | BPF source line |\n|---|---|")
for k, c in by_line.most_common(top):
    print("| %.1f %% | %s |" % (100.0 * c / max(1, inbpf), k.replace("|", "/")))
print("\n| share of BPF samples | kernel function called (program) |\n|---|---|")
for k, c in by_fn.most_common(top):
    print("| %.1f %% | %s |" % (100.0 * c / max(1, inbpf), k))
' "$T/lines.txt" "$TOP"
grep -E "Requests/sec" "$T/wrk.txt"
