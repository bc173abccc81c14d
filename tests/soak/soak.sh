#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# Soak: the real agent (file sink, all signals, --flush-interval 5) for a set
# time under mixed load — HTTP to a small server through a curl loop (a new
# TCP connection per request), O_DIRECT disk writes, a CPU burner — sampling
# its RSS, heap and open fds every few seconds. Checks: RSS growth after
# warm-up bounded (< 10 % or < 8 MiB) and the heap's (< 4 MiB), both less
# what the live feed's bounded update ring grew by, fd count stable, no drops (kernel rings, event
# log, readers) at this rate, and after a clean stop every record the agent
# produced (records_total) is a line in the file sink, once.
# Warm-up ends when the in-memory event log (a bounded ring, filled as events
# arrive) is full, and not before a quarter of the run (at most 60 s): growth
# after that is what a leak looks like. The log is 2 MiB here (SOAK_LOG_SIZE):
# when it does not fill at this rate, filling it adds at most that much.
#   sh tests/soak/soak.sh [--duration SECONDS]   (default 600; the suite: 60)
. "$(dirname "$0")/../lib.sh"
DUR=600
while [ $# -gt 0 ]; do
	case $1 in
	--duration) DUR=$2; shift 2 ;;
	--duration=*) DUR=${1#*=}; shift ;;
	--warm-up) WARM_ARG=$2; shift 2 ;;
	*) echo "usage: soak.sh [--duration SECONDS] [--warm-up SECONDS]" >&2; exit 2 ;;
	esac
done
need_root soak || finish
WARM=$((DUR / 4)); [ $WARM -gt 60 ] && WARM=60; [ $WARM -lt 15 ] && WARM=15
[ -n "${WARM_ARG:-}" ] && WARM=$WARM_ARG
STEP=3

# HTTP capture limited to this load's processes (the machine may run other
# HTTP floods); cpu, disk and net see the whole host
start_agent --flush-interval 5 --sink file --log-size "${SOAK_LOG_SIZE:-2M}" --comm python3 --comm curl || { fail soak-agent-start "agent did not start"; finish; }
PID=$AGENT_PID

# the load
mkdir -p "$TMPD/www"; head -c 2048 /dev/urandom | base64 >"$TMPD/www/index.html"
HP=$((AGENT_PORT + 1000))
python3 -m http.server "$HP" --bind 127.0.0.1 --directory "$TMPD/www" >/dev/null 2>&1 &
SRV=$!
LOAD="$SRV"
wait_for 10 curl -sf -o /dev/null "http://127.0.0.1:$HP/index.html" || fail soak-load "http server did not start"
(while :; do curl -s -o /dev/null "http://127.0.0.1:$HP/index.html"; curl -s -o /dev/null "http://127.0.0.1:$HP/missing"; sleep 0.02; done) &
LOAD="$LOAD $!"
(while :; do dd if=/dev/zero of="$TMPD/dd.img" bs=64k count=32 oflag=direct 2>/dev/null; sleep 0.2; done) &
LOAD="$LOAD $!"
(while :; do i=0; while [ $i -lt 20000 ]; do i=$((i + 1)); done; sleep 0.1; done) &
LOAD="$LOAD $!"
stop_load() { for p in $LOAD; do kill "$p" 2>/dev/null; done; for p in $LOAD; do wait "$p" 2>/dev/null; done; LOAD=; }
on_exit stop_load

# sampling: "t rss_kb fds log_full(0|1) heap_kb live_updates_kb"
: >"$TMPD/samples"
t=0
while [ $t -lt "$DUR" ]; do
	kill -0 "$PID" 2>/dev/null || break
	rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$PID/status")
	fds=$(ls "/proc/$PID/fd" | wc -l)
	mem=$(api /api/v1/stats | python3 -c 'import json,sys; d=json.load(sys.stdin); l=d["log"]; m=d["memory"]; print(int(l["used_bytes"] >= 0.9 * l["size_bytes"] or l["overwritten_total"] > 0), m["heap_bytes"] // 1024, m["live_updates_bytes"] // 1024)' 2>/dev/null)
	echo "$t $rss $fds ${mem:-0 0 0}" >>"$TMPD/samples"
	sleep $STEP; t=$((t + STEP))
done
if kill -0 "$PID" 2>/dev/null; then ok soak-agent-alive-${DUR}s
else fail soak-agent-alive-${DUR}s "the agent running for ${DUR} s, it exited after $t s: $(tail -3 "$TMPD/agent.log" | tr '\n' ' ')"; finish; fi
api /api/v1/stats >"$TMPD/stats.json"
stop_load
sleep 1
stop_agent

# warm-up: until the log is full and at least WARM seconds
WEND=$(awk -v w="$WARM" '$1 >= w && $4 == 1 { print $1; exit }' "$TMPD/samples")
WEND=${WEND:-$(awk -v w="$WARM" '$1 >= w { print $1; exit }' "$TMPD/samples")}
# RSS: the sample at the end of warm-up vs the largest after it, less what
# the live feed's update ring (bounded: 4 MiB, filled over up to 10 min at
# one update a second) grew by in between; the heap likewise
read -r base max last ubase umax hgrowth <<EOF2
$(awk -v w="$WEND" '$1 >= w {
	if (b == "") { b = $2; ub = $6; hb = $5 - $6; um = $6; hg = 0 }
	if ($2 - $6 > m - um) { m = $2; um = $6 }
	if ($5 - $6 - hb > hg) hg = $5 - $6 - hb
	l = $2 } END { print b, m, l, ub, um, hg }' "$TMPD/samples")
EOF2
growth=$((max - base - (umax - ubase)))
echo "# soak ${DUR}s: warm-up ended at ${WEND}s (log full: $(awk '$4 == 1' "$TMPD/samples" | wc -l) of $(wc -l <"$TMPD/samples") samples); RSS at start $(head -1 "$TMPD/samples" | cut -d' ' -f2) kB, after warm-up ${base} kB, max ${max} kB (live updates ${ubase} -> ${umax} kB then), last ${last} kB; heap growth less the live updates' ${hgrowth} kB; samples: $(wc -l <"$TMPD/samples")"
if [ -n "$base" ] && { [ $growth -lt 8192 ] || [ $((growth * 10)) -lt "$base" ]; }; then ok soak-rss-growth-bounded
else fail soak-rss-growth-bounded "RSS growth after warm-up (${WEND}s), less the live update ring's, < 8 MiB or < 10 %, got ${base} -> ${max} kB (updates ${ubase} -> ${umax} kB)"; fi
# what malloc holds, less the update ring: the 5-minute rollups (at most
# 256 items each) and the bounded tables fill as pids come and go, a few
# hundred kB; a leak of one block per request or per process would not stay
# under 4 MiB at this rate (~50 requests and processes a second)
if [ -n "$hgrowth" ] && [ "$hgrowth" -lt 4096 ]; then ok soak-heap-growth-bounded
else fail soak-heap-growth-bounded "heap growth after warm-up (${WEND}s), less the live update ring's, < 4 MiB, got ${hgrowth:-?} kB"; fi

read -r fmin fmax <<EOF2
$(awk -v w="$WEND" '$1 >= w { if (mn == "" || $3 < mn) mn = $3; if ($3 > mx) mx = $3 } END { print mn, mx }' "$TMPD/samples")
EOF2
echo "# open fds after warm-up: min $fmin max $fmax"
if [ -n "$fmin" ] && [ $((fmax - fmin)) -le 4 ]; then ok soak-fds-stable
else fail soak-fds-stable "open fds after warm-up within 4 of each other, got $fmin..$fmax"; fi

js() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$TMPD/stats.json" "$1"; }
# overwritten log entries are the ring's normal retention (the processor had
# read them: reader_lost counts what it missed)
# map-full drops name their maps: mapfull=N(map:n,...)
drops="kernel=$(js 'd["kernel_drops_total"]') mapfull=$(js 'str(d["map_full_total"]) + ("(" + ",".join("%s:%d" % kv for kv in d["map_full"].items() if kv[1]) + ")" if d["map_full_total"] else "")') threads=$(js 'd["thread_storage_misses_total"]') log_rejected=$(js 'd["log"]["rejected_total"]') reader_lost=$(js 'd["reader_lost_total"]')"
events=$(js 'd["events_total"]')
echo "# events drained: $events ($((events / DUR))/s host-wide); $drops; log entries aged out: $(js 'd["log"]["overwritten_total"]')"
if [ "$events" -gt 10000 ] && [ "$drops" = "kernel=0 mapfull=0 threads=0 log_rejected=0 reader_lost=0" ]; then ok soak-no-drops
else fail soak-no-drops "> 10000 events, no drops anywhere, got $events events, $drops"; fi

produced=$(sed -n 's/.*processor: \([0-9]*\) records handed to the sinks.*/\1/p' "$TMPD/agent.log" | tail -1)
cat "$TMPD"/data/records*.ndjson >"$TMPD/all.ndjson" 2>/dev/null
written=$(wc -l <"$TMPD/all.ndjson")
dups=$(python3 -c 'import json,sys,collections; c=collections.Counter(json.loads(l)["id"] for l in open(sys.argv[1])); print(sum(1 for v in c.values() if v > 1))' "$TMPD/all.ndjson")
types=$(python3 -c 'import json,sys,collections; c=collections.Counter(json.loads(l)["type"] for l in open(sys.argv[1])); print(" ".join("%s=%d" % kv for kv in sorted(c.items())))' "$TMPD/all.ndjson")
echo "# records produced $produced, written $written ($types)"
if [ "${AGENT_RC:-1}" = 0 ] && [ -n "$produced" ] && [ "$produced" -gt 0 ] && [ "$produced" = "$written" ] && [ "$dups" = 0 ]; then
	ok soak-every-record-reached-file-sink
else
	fail soak-every-record-reached-file-sink "clean exit and records produced == lines written, no id twice; got exit ${AGENT_RC:-?}, produced ${produced:-?}, written $written, duplicate ids $dups"
fi
missing=
for ty in vm-metrics process-metrics disk-metrics network-metrics webapp-metrics; do
	case " $types" in *" $ty="*) ;; *) missing="$missing $ty" ;; esac
done
if [ -z "$missing" ]; then ok soak-record-types; else fail soak-record-types "every signal's records in the file, missing:$missing (got $types)"; fi
if grep -q 'Sanitizer\|runtime error' "$TMPD/agent.log"; then fail soak-no-sanitizer-report "$(grep -m1 'Sanitizer\|runtime error' "$TMPD/agent.log")"; fi
finish
