#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# Disk signal against a real workload: O_DIRECT writes then reads of a known
# count and size on a loop device over a file in $TMPD; the agent's ops and
# bytes for that device must match within 5%, latencies be > 0 and < 1 s, and
# the dd processes be among the top processes by disk I/O.
. "$(dirname "$0")/../lib.sh"

COUNT=200
BS=65536
BYTES=$((COUNT * BS))
HLRUN=$BUILD/tests/helpers/hlrun
OUT=$TMPD/out

need_root disk_signal || finish
for t in losetup dd python3; do
	command -v $t >/dev/null || { skip disk_signal "$t is not installed (scripts/setup.sh test)"; finish; }
done

img=$TMPD/disk.img
truncate -s 32M "$img"
LOOP=$(losetup --show -f "$img") || { fail disk_setup "losetup -f $img failed"; finish; }
on_exit "losetup -d $LOOP"
DEV=$(basename "$LOOP")
sleep 0.3	# let udev's probe of the new device pass before we count

mkdir -p "$OUT"
"$HLRUN" "$OUT" --signals disk --flush-interval 1 --data-dir "$OUT" --log-level warn >"$TMPD/hlrun.log" 2>&1 &
AGENT_PID=$!
wait_for 15 test -f "$OUT/ready" || { fail disk_start "hlrun not ready in 15 s: $(tail -3 "$TMPD/hlrun.log")"; finish; }

dd if=/dev/zero of="$LOOP" bs=$BS count=$COUNT oflag=direct 2>"$TMPD/ddw.log" &
DDW=$!
wait $DDW || fail disk_dd_write "dd write failed: $(cat "$TMPD/ddw.log")"
dd if="$LOOP" of=/dev/null bs=$BS count=$COUNT iflag=direct 2>"$TMPD/ddr.log" &
DDR=$!
wait $DDR || fail disk_dd_read "dd read failed: $(cat "$TMPD/ddr.log")"

# the processor reads the maps once a second: wait until both show up
seen() {
	python3 - "$OUT/disks.json" "$DEV" "$COUNT" <<'PY'
import json, sys
try:
    d = [x for x in json.load(open(sys.argv[1])) if x["device"] == sys.argv[2]]
except Exception:
    sys.exit(1)
sys.exit(0 if d and d[0]["reads_total"] >= int(sys.argv[3]) * 0.95 and d[0]["writes_total"] >= int(sys.argv[3]) * 0.95 else 1)
PY
}
wait_for 10 seen
stop_agent

python3 - "$OUT" "$DEV" "$COUNT" "$BYTES" "$DDW" "$DDR" <<'PY'
import json, re, sys
out, dev, count, nbytes, ddw, ddr = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])

failed = []
def ok(name): print("ok " + name)
def fail(name, why):
    failed.append(name)
    print("FAIL %s: %s" % (name, why))
def check(name, cond, why):
    ok(name) if cond else fail(name, why)
def near(v, want, tol): return abs(v - want) <= want * tol

disks = json.load(open(out + "/disks.json"))
d = [x for x in disks if x["device"] == dev]
check("disk_device_named", len(d) == 1,
      "expected one entry named %s, got devices %s" % (dev, [x["device"] for x in disks]))
if not d:
    sys.exit(1)
d = d[0]
check("disk_write_ops", near(d["writes_total"], count, 0.05), "expected %d writes, got %d" % (count, d["writes_total"]))
check("disk_write_bytes", near(d["write_bytes_total"], nbytes, 0.05),
      "expected %d bytes written, got %d" % (nbytes, d["write_bytes_total"]))
check("disk_read_ops", near(d["reads_total"], count, 0.05), "expected %d reads, got %d" % (count, d["reads_total"]))
check("disk_read_bytes", near(d["read_bytes_total"], nbytes, 0.05),
      "expected %d bytes read, got %d" % (nbytes, d["read_bytes_total"]))
for op in ("read", "write"):
    o = d[op]
    lat = [o["latency_p50_ms"], o["latency_p95_ms"], o["latency_p99_ms"], o["latency_avg_ms"]]
    check("disk_%s_latency_plausible" % op,
          o["timed_total"] >= count * 0.95 and all(0 < x < 1000 for x in lat) and lat[0] <= lat[1] <= lat[2],
          "expected %d timed requests with 0 < p50 <= p95 <= p99 < 1000 ms, got timed %d, p50/p95/p99/avg %s"
          % (count, o["timed_total"], lat))
win = [d["latency_p50_ms"], d["latency_p95_ms"], d["latency_p99_ms"]]
check("disk_window_latency", all(0 < x < 1000 for x in win), "expected window p50/p95/p99 in (0, 1000) ms, got %s" % win)

top = {p["pid"]: p for p in d["top_processes"]}
w, r = top.get(ddw), top.get(ddr)
check("disk_top_process_writer", w is not None and w["comm"] == "dd" and near(w["write_bytes"], nbytes, 0.05)
      and near(w["writes"], count, 0.05),
      "expected dd pid %d with ~%d bytes in %d writes on %s, got %s" % (ddw, nbytes, count, dev, w or list(top)))
check("disk_top_process_reader", r is not None and r["comm"] == "dd" and near(r["read_bytes"], nbytes, 0.05),
      "expected dd pid %d with ~%d bytes read on %s, got %s" % (ddr, nbytes, dev, r or list(top)))
procs = {p["pid"]: p for p in json.load(open(out + "/disk_processes.json"))}
check("disk_processes_topic", ddw in procs and ddr in procs and procs[ddw]["write_bytes"] >= nbytes * 0.95,
      "expected dd pids %d and %d in disk_processes, got %s" % (ddw, ddr, sorted(procs)))

prom = open(out + "/metrics.json").read()
m = re.search(r'^hostlens_disk_bytes_total\{device="%s",op="write"\} (\d+)$' % re.escape(dev), prom, re.M)
c = re.search(r'^hostlens_disk_io_latency_seconds_count\{device="%s",op="read"\} (\d+)$' % re.escape(dev), prom, re.M)
check("disk_prometheus", m and near(int(m.group(1)), nbytes, 0.05) and c and near(int(c.group(1)), count, 0.05)
      and '# TYPE hostlens_disk_io_latency_seconds histogram' in prom,
      "expected hostlens_disk_bytes_total and a latency histogram for %s, got %s / %s" % (dev, m and m.group(0), c and c.group(0)))
# buckets must be cumulative and end at the count
b = [int(x) for x in re.findall(r'^hostlens_disk_io_latency_seconds_bucket\{device="%s",op="write",le="[^"]+"\} (\d+)$' % re.escape(dev), prom, re.M)]
check("disk_prometheus_buckets", len(b) > 2 and b == sorted(b) and b[-1] >= count * 0.95,
      "expected rising buckets ending at ~%d, got %s" % (count, b))
s = json.load(open(out + "/summary.json"))
check("disk_summary_fields", all(k in s for k in ("disk_read_bytes_per_s", "disk_write_bytes_per_s", "disk_latency_p99_ms")),
      "expected disk_* fields in the summary, got %s" % sorted(s))
recs = [json.loads(l) for l in open(out + "/records.ndjson") if l.strip()]
dm = [r for r in recs if r.get("type") == "disk-metrics"]
devs = [x for r in dm for x in r["disks"] if x["device"] == dev]
tw, tr = sum(x["writes"] for x in devs), sum(x["read_bytes"] for x in devs)
check("disk_records", dm and all(r["source"] and r["window_s"] > 0 for r in dm)
      and near(tw, count, 0.05) and near(tr, nbytes, 0.05)
      and any(0 < x["latency_p99_ms"] <= x["latency_max_ms"] < 1000 for x in devs)
      and any(r["disk_latency_p99_ms"] > 0 for r in dm),
      "expected disk-metrics records adding up to %d writes and %d bytes read on %s, got %d records, %d writes, %d bytes"
      % (count, nbytes, dev, len(dm), tw, tr))
pw = sum(p["write_bytes"] for r in dm for p in r["top_processes"] if p["pid"] == ddw)
check("disk_records_top_processes", near(pw, nbytes, 0.05),
      "expected dd pid %d with %d bytes written across records, got %d" % (ddw, nbytes, pw))
sys.exit(1 if failed else 0)
PY
[ $? = 0 ] || tl_failed=1
# the file sink's records hold to docs/records.schema.json
sc=$("$BUILD/tests/helpers/schemacheck" "$TOP/docs/records.schema.json" "$OUT/records.ndjson" 2>&1)
if [ $? = 0 ] && echo "$sc" | grep -q "^disk-metrics [1-9]"; then ok schema_disk-metrics; else fail schema_disk-metrics "expected valid disk-metrics records, got: $(echo "$sc" | tr '\n' ' ')"; fi

# Kernels before 6.5 have no block_io_start: hide it behind a tracefs view
# (the loader reads HOSTLENS_TRACEFS to see which tracepoints exist) and the
# submitter must still be found, from block_rq_insert or the issuing task.
FAKE=$TMPD/tracefs
for tp in block_rq_insert block_rq_issue block_rq_complete; do mkdir -p "$FAKE/events/block/$tp"; done
OUT2=$TMPD/out2
mkdir -p "$OUT2"
HOSTLENS_TRACEFS=$FAKE "$HLRUN" "$OUT2" --signals disk --data-dir "$OUT2" --log-level warn >"$TMPD/hlrun2.log" 2>&1 &
AGENT_PID=$!
wait_for 15 test -f "$OUT2/ready" || { fail disk_start_no_io_start "hlrun not ready: $(tail -3 "$TMPD/hlrun2.log")"; finish; }
dd if=/dev/zero of="$LOOP" bs=$BS count=100 oflag=direct 2>"$TMPD/ddw2.log" &
DDW2=$!
wait $DDW2 || fail disk_dd_write2 "dd failed: $(cat "$TMPD/ddw2.log")"
seen2() {
	python3 -c 'import json,sys; d=[x for x in json.load(open(sys.argv[1])) if x["device"]==sys.argv[2]]; sys.exit(0 if d and d[0]["writes_total"]>=95 else 1)' \
		"$OUT2/disks.json" "$DEV" 2>/dev/null
}
wait_for 10 seen2
stop_agent
python3 - "$OUT2" "$DEV" "$DDW2" $((100 * BS)) <<'PY'
import json, sys
out, dev, pid, nbytes = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
d = [x for x in json.load(open(out + "/disks.json")) if x["device"] == dev]
top = {p["pid"]: p for p in d[0]["top_processes"]} if d else {}
p = top.get(pid)
if d and d[0]["writes_total"] == 100 and p and abs(p["write_bytes"] - nbytes) <= nbytes * 0.05:
    print("ok disk_submitter_without_block_io_start")
else:
    print("FAIL disk_submitter_without_block_io_start: expected 100 writes by dd pid %d on %s, got %s / %s"
          % (pid, dev, d and d[0]["writes_total"], p or list(top)))
    sys.exit(1)
PY
[ $? = 0 ] || tl_failed=1
finish
