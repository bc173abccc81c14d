#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# Bounded maps: with --max-procs 256, 400 short-lived processes that each send
# over TCP and write one O_DIRECT block overflow the per-process BPF maps. The
# overflow must be counted per map (map_full, hostlens_map_full_total{map})
# and named in the log, while the per-device and host-wide counters stay
# exact.
. "$(dirname "$0")/../lib.sh"

N=400
HLRUN=$BUILD/tests/helpers/hlrun
NDTCP=$BUILD/tests/helpers/nd_tcp
OUT=$TMPD/out

need_root bounds || finish
for t in losetup python3; do
	command -v $t >/dev/null || { skip bounds "$t is not installed (scripts/setup.sh test)"; finish; }
done
img=$TMPD/disk.img
truncate -s 8M "$img"
LOOP=$(losetup --show -f "$img") || { fail bounds_setup "losetup -f $img failed"; finish; }
on_exit "losetup -d $LOOP"
DEV=$(basename "$LOOP")
sleep 0.3

mkdir -p "$OUT"
"$HLRUN" "$OUT" --signals disk,net --max-procs 256 --data-dir "$OUT" --log-level warn >"$TMPD/hlrun.log" 2>&1 &
AGENT_PID=$!
wait_for 15 test -f "$OUT/ready" || { fail bounds_start "hlrun not ready in 15 s: $(tail -3 "$TMPD/hlrun.log")"; finish; }
# write requests the kernel completed on the device (field 5 of its stat)
kwrites() { awk '{ print $5 }' "/sys/block/$DEV/stat"; }
KW0=$(kwrites)
"$NDTCP" many $N "$LOOP" >"$TMPD/many.out" 2>&1 || fail bounds_workload "nd_tcp many failed: $(cat "$TMPD/many.out")"
seen() {
	python3 -c 'import json,sys; d=[x for x in json.load(open(sys.argv[1])) if x["device"]==sys.argv[2]]; sys.exit(0 if d and d[0]["write_bytes_total"]>=int(sys.argv[3])*4096 else 1)' \
		"$OUT/disks.json" "$DEV" $N 2>/dev/null
}
# every connection's two ends closed (a loaded machine closes the last ones late)
closed() {
	python3 -c 'import json,sys; c=json.load(open(sys.argv[1])); sys.exit(0 if c["closed_total"]>=2*int(sys.argv[2]) else 1)' \
		"$OUT/connections.json" $N 2>/dev/null
}
wait_for 10 seen
wait_for 10 closed
sleep 1.2
KW=$(( $(kwrites) - KW0 ))
echo "# $N writes of 4 KiB: $KW write requests completed on $DEV (kernel)"
stop_agent

python3 - "$OUT" "$DEV" $N $KW "$TMPD/hlrun.log" <<'PY'
import json, re, sys
out, dev, n, kw = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
failed = []
def check(name, cond, why):
    if cond:
        print("ok " + name)
    else:
        failed.append(name)
        print("FAIL %s: %s" % (name, why))

st = json.load(open(out + "/stats.json"))
full = st["map_full"]
check("bounds_map_full_counted", st["map_full_total"] > 0 and st["map_full_total"] == sum(full.values()),
      "expected map_full_total > 0, the sum of map_full %s, after %d processes with --max-procs 256, got %s"
      % (full, n, st["map_full_total"]))
# per map: the per-process tables overflowed, nothing else did
check("bounds_map_full_per_map", full["net_procs"] > 0 and full["disk_procs"] > 0
      and all(v == 0 for k, v in full.items() if k not in ("net_procs", "disk_procs")),
      "expected net_procs and disk_procs full and no other map, got %s" % full)
prom = open(out + "/metrics.json").read()
m = re.search(r'^hostlens_map_full_total\{map="net_procs"\} (\d+)$', prom, re.M)
check("bounds_map_full_metric", m and int(m.group(1)) == full["net_procs"],
      "expected hostlens_map_full_total{map=\"net_procs\"} %d, got %s" % (full["net_procs"], m and m.group(0)))
log = open(sys.argv[5]).read()
check("bounds_map_full_logged", "BPF map net_procs is full" in log and "BPF map disk_procs is full" in log,
      "expected a warning naming net_procs and disk_procs in the agent's log, got: %s" % log[-400:])
d = [x for x in json.load(open(out + "/disks.json")) if x["device"] == dev]
# bytes: exactly what was written; requests: exactly what the kernel counted
# (the block layer may merge adjacent 4 KiB writes of different processes)
# a completion whose program run the kernel skipped (recursion_misses: the
# same program already running on that CPU) is counted there, not lost:
# without skipped runs both counters are exact
skipped = st["bpf_runs_skipped_total"]
short = d and kw - d[0]["writes_total"]
lost = d and n * 4096 - d[0]["write_bytes_total"]
check("bounds_device_counters_exact", d and 0 <= short <= skipped and 0 <= lost <= 2 * 4096 * skipped,
      "expected %d bytes in %d requests (the kernel's count; %d writes) on %s, got %s (BPF runs skipped: %d)"
      % (n * 4096, kw, n, dev, d and (d[0]["writes_total"], d[0]["write_bytes_total"]), skipped))
c = json.load(open(out + "/connections.json"))
# a close whose program run was skipped (a softirq nested in it) likewise
check("bounds_connection_counters", c["closed_total"] + skipped >= 2 * n and c["opened_client_total"] >= n and c["opened_server_total"] >= n,
      "expected >= %d closes (or skipped runs) and >= %d opens each way, got closed %d (skipped runs %d) opened %d/%d"
      % (2 * n, n, c["closed_total"], skipped, c["opened_client_total"], c["opened_server_total"]))
check("bounds_published_lists_bounded", len(c["processes"]) <= 40 and len(c["recent"]) == 256
      and len(json.load(open(out + "/disk_processes.json"))) <= 20,
      "expected at most 40 processes and exactly 256 recent closes, got %d processes, %d recent" % (len(c["processes"]), len(c["recent"])))
sys.exit(1 if failed else 0)
PY
[ $? = 0 ] || tl_failed=1
finish
