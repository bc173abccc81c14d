# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# CPU signal against real workloads: on-CPU time attributed to the right pid
# and command, run-queue latency when two burners share one CPU, exec/exit of
# a short-lived process. Runs the real pipeline (tests/helpers/hlrun).
. "$(dirname "$0")/../lib.sh"
need_root cpu_signal || finish
BURN=$BUILD/tests/helpers/burn
HLRUN=$BUILD/tests/helpers/hlrun
D=$TMPD/state
mkdir -p "$D"

"$HLRUN" "$D" --summary off --signals cpu --data-dir "$D" --flush-interval 1 >"$TMPD/hlrun.log" 2>&1 &
HL=$!
on_exit "kill $HL 2>/dev/null"
wait_for 10 test -f "$D/ready" || { fail cpu_agent_ready "hlrun did not attach: $(tail -3 "$TMPD/hlrun.log")"; finish; }

jq_py() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); $2" "$@"; }

# 1. a burner named hl_burner burns 500 ms of CPU, then holds for 2.5 s
cp "$BURN" "$TMPD/hl_burner"
"$TMPD/hl_burner" 500 2500 >"$TMPD/burn.out" &
BP=$!
sleep 2
pid=$(sed -n 's/^pid //p' "$TMPD/burn.out")
burned=$(sed -n 's/^burned //p' "$TMPD/burn.out")
res=$(python3 - "$D/processes.json" "$pid" <<'PY'
import json, sys
procs = json.load(open(sys.argv[1]))
p = [x for x in procs if x["pid"] == int(sys.argv[2])]
print("%s %.1f" % (p[0]["comm"], p[0]["oncpu_ms"]) if p else "missing 0")
PY
)
wait $BP
comm=${res% *}; oncpu=${res#* }
[ "$comm" = missing ] && echo "processes.json head: $(head -c 400 "$D/processes.json")"
if [ "$comm" = hl_burner ] && python3 -c "import sys; sys.exit(0 if float('$oncpu') >= 0.8*500 and float('$oncpu') <= 1.3*500 else 1)"; then
	ok cpu_oncpu_attributed_to_pid
else
	fail cpu_oncpu_attributed_to_pid "expected hl_burner (pid $pid) with 400..650 ms on-CPU (burned ${burned} ns), got comm=$comm oncpu_ms=$oncpu"
fi

# 1b. a process whose CPU time is all in threads that have exited: 3 threads
# burn 200 ms each and are joined, then the process holds
cp "$BURN" "$TMPD/hl_threads"
"$TMPD/hl_threads" 200 2500 0 3 >"$TMPD/threads.out" &
TP=$!
wait_for 5 grep -q '^burned' "$TMPD/threads.out"
sleep 1.5
tpid=$(sed -n 's/^pid //p' "$TMPD/threads.out")
tburned=$(sed -n 's/^burned //p' "$TMPD/threads.out")
res=$(python3 - "$D/processes.json" "$tpid" <<'PY'
import json, sys
p = [x for x in json.load(open(sys.argv[1])) if x["pid"] == int(sys.argv[2])]
print("%.1f" % p[0]["oncpu_ms"] if p else "missing")
PY
)
wait $TP
if [ "$res" != missing ] && python3 -c "import sys; b = $tburned / 1e6; sys.exit(0 if 0.8 * b <= float('$res') <= 1.2 * b + 20 else 1)"; then
	ok cpu_exited_threads_counted
else
	fail cpu_exited_threads_counted "expected hl_threads (pid $tpid) with its exited threads' $((tburned / 1000000)) ms on-CPU, got $res"
fi

# 1c. a process that burns 300 ms and exits at once: its whole time reaches
# the records (flushed each second), marked exited
cp "$BURN" "$TMPD/hl_quick"
"$TMPD/hl_quick" 300 0 >"$TMPD/quick.out"
qpid=$(sed -n 's/^pid //p' "$TMPD/quick.out")
qburned=$(sed -n 's/^burned //p' "$TMPD/quick.out")
sleep 2.5
res=$(python3 - "$D" "$qpid" <<'PY'
import glob, json, sys
ms, exited = 0.0, False
for f in glob.glob(sys.argv[1] + "/records*.ndjson"):
    for l in open(f):
        r = json.loads(l)
        if r.get("type") != "process-metrics":
            continue
        for p in r.get("processes", []):
            if p["pid"] == int(sys.argv[2]):
                ms += p["oncpu_ms"]; exited = exited or p["exited"]
print("%.1f %s" % (ms, exited))
PY
)
set -- $res
if [ "$2" = True ] && python3 -c "import sys; b = $qburned / 1e6; sys.exit(0 if 0.8 * b <= float('$1') <= 1.2 * b + 20 else 1)"; then
	ok cpu_short_process_in_records
else
	fail cpu_short_process_in_records "expected hl_quick (pid $qpid) in process-metrics records with $((qburned / 1000000)) ms on-CPU in all and exited, got '$res'"
fi

# 2. two burners pinned to CPU 0 wait for each other: run-queue latency shows it
before=$(python3 -c "import json; d=json.load(open('$D/cpu.json')); print(sum(b['count'] for b in d['runq_latency_us']['buckets']))")
taskset -c 0 "$TMPD/hl_burner" 400 1500 >"$TMPD/b1.out" &
B1=$!
taskset -c 0 "$TMPD/hl_burner" 400 1500 >"$TMPD/b2.out" &
B2=$!
sleep 1.6
p1=$(sed -n 's/^pid //p' "$TMPD/b1.out")
res=$(python3 - "$D/cpu.json" "$D/processes.json" "$p1" "$before" <<'PY'
import json, sys
cpu = json.load(open(sys.argv[1])); procs = json.load(open(sys.argv[2]))
total = sum(b["count"] for b in cpu["runq_latency_us"]["buckets"])
slow = sum(b["count"] for b in cpu["runq_latency_us"]["buckets"] if b["le_us"] >= 1024)
print(total - int(sys.argv[4]), slow)
PY
)
wait $B1 $B2
new=${res% *}; slow=${res#* }
if [ "$new" -gt 0 ] && [ "$slow" -gt 0 ]; then ok cpu_runq_histogram_when_sharing_a_core
else fail cpu_runq_histogram_when_sharing_a_core "expected new run-queue samples incl. waits >= 1 ms, got new=$new slow=$slow"; fi

# 3. exec and exit of a short-lived process, with its command name and exit code
cp "$BURN" "$TMPD/hl_shortlived"
"$TMPD/hl_shortlived" 1 1 7 >"$TMPD/short.out"
spid=$(sed -n 's/^pid //p' "$TMPD/short.out")
# the topic is written once a tick; poll it often: on a host that starts
# hundreds of processes a second the last 256 execs and exits span ~1 s
for i in $(seq 20); do
	sleep 0.2
	res=$(python3 - "$D/cpu.json" "$spid" <<'PY'
import json, sys
cpu = json.load(open(sys.argv[1])); pid = int(sys.argv[2])
ev = [e for e in cpu["recent_processes"] if e["pid"] == pid]
ex = [e for e in ev if e["event"] == "exec"]; xt = [e for e in ev if e["event"] == "exit"]
print("%d %d %s %s" % (len(ex), len(xt), ex[0]["comm"] if ex else "-", xt[0]["exit_code"] if xt else "-"))
PY
)
	[ "$res" = "1 1 hl_shortlived 7" ] && break
done
set -- $res
if [ "$1" = 1 ] && [ "$2" = 1 ] && [ "$3" = hl_shortlived ] && [ "$4" = 7 ]; then ok cpu_exec_exit_events
else fail cpu_exec_exit_events "expected 1 exec + 1 exit of hl_shortlived (pid $spid) with code 7, got '$res'"; fi

# 3b. a process killed by a signal: exit status 0, the signal named, and a
# failed exit for the alert metric (process_exits_failed)
# (a plain program: an ASan-built helper would catch the signal itself)
cp /bin/sleep "$TMPD/hl_killed"
"$TMPD/hl_killed" 30 &
KPID=$!
sleep 0.3
kill -SEGV $KPID 2>/dev/null
wait $KPID 2>/dev/null
for i in $(seq 20); do
	sleep 0.2
	res=$(python3 - "$D/cpu.json" "$KPID" <<'PY'
import json, sys
cpu = json.load(open(sys.argv[1])); pid = int(sys.argv[2])
xt = [e for e in cpu["recent_processes"] if e["pid"] == pid and e["event"] == "exit"]
print("%s %s" % (xt[0]["exit_code"], xt[0].get("signal")) if xt else "- -")
PY
)
	[ "$res" = "0 11" ] && break
done
if [ "$res" = "0 11" ]; then ok cpu_exit_by_signal_named
else fail cpu_exit_by_signal_named "expected hl_killed (pid $KPID) to exit with status 0 and signal 11 (SIGSEGV), got '$res'"; fi

# 4. per-core busy %: a burner pinned to CPU 1 shows that core busy
taskset -c 1 "$TMPD/hl_burner" 2500 200 >/dev/null &
B3=$!
sleep 2.2
busy=$(python3 -c "import json; d=json.load(open('$D/cpu.json')); print(int(max([c['busy_pct'] for c in d['cores'] if c['cpu']==1] or [0])))")
wait $B3
if [ "$busy" -ge 80 ]; then ok cpu_core_busy_pct; else fail cpu_core_busy_pct "expected CPU 1 >= 80% busy, got $busy%"; fi

# 5. stats: no kernel drops at this rate, events flowed, signal on
res=$(python3 -c "import json; d=json.load(open('$D/stats.json')); print(d['signals']['cpu'], d['kernel_drops_total'], d['events_total'])")
set -- $res
if [ "$1" = on ] && [ "$2" = 0 ] && [ "$3" -gt 0 ]; then ok cpu_stats_no_drops; else fail cpu_stats_no_drops "got '$res'"; fi

# 6. exited threads' entries do not outlive their processes, even when
# exits outrun the exit events the processor handles per second: 2000 forked
# children exit within about a second; within 8 s none of them is left in
# the agent's `exited` map (other processes' entries, for threads that
# exited in processes still running, are not counted)
python3 -c '
import os, sys
pids = []
for i in range(2000):
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
    pids.append(pid)
open(sys.argv[1], "w").write("\n".join(map(str, pids)))
' "$TMPD/children"
# storm_left: how many of the children still have an entry
storm_left() {
	python3 - "$HL" "$TMPD/children" <<'PY'
import json, os, subprocess, sys
pid, children = sys.argv[1], set(int(x) for x in open(sys.argv[2]).read().split())
ids = set()
for fd in os.listdir("/proc/%s/fdinfo" % pid):
    try:
        info = open("/proc/%s/fdinfo/%s" % (pid, fd)).read()
    except OSError:
        continue
    if "map_id:" in info:
        ids.add(int(info.split("map_id:")[1].split()[0]))
for i in ids:
    m = json.loads(subprocess.check_output(["bpftool", "-j", "map", "show", "id", str(i)]))
    if m.get("name") == "exited":
        keys = set()
        for e in json.loads(subprocess.check_output(["bpftool", "-j", "map", "dump", "id", str(i)])):
            k = e.get("formatted", {}).get("key")
            if k is None:
                k = int.from_bytes(bytes(int(x, 16) for x in e["key"]), "little")
            keys.add(int(k))
        print(len(keys & children))
        break
else:
    print("nomap")
PY
}
wait_for 8 [ "$(storm_left)" = 0 ]
left=$(storm_left)
if [ "$left" = 0 ]; then ok cpu_exited_entries_reclaimed
else fail cpu_exited_entries_reclaimed "expected no entries left in the exited map for 2000 exited children, got $left"; fi

kill -TERM $HL; wait $HL; rc=$?
if [ $rc = 0 ]; then ok cpu_clean_stop; else fail cpu_clean_stop "hlrun exit $rc"; fi
finish
