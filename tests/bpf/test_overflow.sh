# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# Ring buffers overflowed on purpose: with a 4 KiB ring and a producer making
# ~1M events/s, most events cannot fit. Every event must be either drained or
# counted as a kernel drop, exactly; with a large ring nothing is dropped.
. "$(dirname "$0")/../lib.sh"
need_root ring_overflow || finish
B=$BUILD/bench/drain_bench

j=$("$B" 1 1 4096)
res=$(echo "$j" | python3 -c "import json,sys; d=json.load(sys.stdin); print(d['produced'], d['drained'], d['kernel_drops'])")
set -- $res
if [ "$3" -gt 0 ] && [ $(( $2 + $3 )) = "$1" ]; then ok ring_overflow_drops_counted_exactly
else fail ring_overflow_drops_counted_exactly "expected drops > 0 and produced = drained + drops, got produced=$1 drained=$2 drops=$3"; fi

j=$("$B" 1 1 64M)
res=$(echo "$j" | python3 -c "import json,sys; d=json.load(sys.stdin); print(d['produced'], d['drained'], d['kernel_drops'])")
set -- $res
if [ "$3" = 0 ] && [ "$2" = "$1" ]; then ok ring_large_no_drops
else fail ring_large_no_drops "expected every event drained with a 64 MiB ring, got produced=$1 drained=$2 drops=$3"; fi

# the agent shows drops: tiny rings and a burst of short-lived processes
D=$TMPD/state; mkdir -p "$D"
"$BUILD/tests/helpers/hlrun" "$D" --summary off --signals cpu --ring-size 4K --wakeup-bytes 4000 \
	--drain-poll-ms 1000 >"$TMPD/hlrun.log" 2>&1 &
HL=$!
on_exit "kill $HL 2>/dev/null"
wait_for 10 test -f "$D/ready" || fail ring_overflow_visible "hlrun did not start: $(tail -2 "$TMPD/hlrun.log")"
(i=0; while [ $i -lt 400 ]; do /bin/true & i=$((i + 1)); done; wait)
sleep 2.5
kill -TERM $HL; wait $HL
res=$(python3 -c "import json; d=json.load(open('$D/stats.json')); print(d['kernel_drops_total'], sum(d['kernel_drops_per_cpu']))")
m=$(grep -c '^hostlens_kernel_drops_total{cpu=' "$D/metrics.json" 2>/dev/null || echo 0)
set -- $res
if [ "$1" -gt 0 ] && [ "$1" = "$2" ] && [ "$m" -ge 1 ]; then ok ring_overflow_visible_in_stats_and_metrics
else fail ring_overflow_visible_in_stats_and_metrics "expected kernel drops > 0 in stats (per CPU summing to the total) and in /metrics, got '$res', metrics lines $m"; fi
finish
