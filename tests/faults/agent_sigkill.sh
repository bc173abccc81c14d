# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# Fault: the agent is SIGKILLed while its Kinesis endpoint is down, then
# started again (same data dir) with the endpoint back. What it had spooled
# is replayed: every record older than two flushes at the kill (the file
# sink has them) arrives in Kinesis; at most the last flushes, still in
# memory at the kill, are lost.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../sinks/sinks.lib"
. "$(dirname "$0")/faults.lib"
need_root fault_sigkill || finish
sinks_prereq fault_sigkill || finish
aws_test_env
KP=$(free_port)
export AWS_ENDPOINT_URL_KINESIS=http://127.0.0.1:$KP	# nothing listens yet
D=$TMPD/data
start_agent --sink file --sink kinesis --kinesis-stream faults --flush-interval 1 || { fail fault_sigkill "agent did not start"; finish; }
sleep 10
nspool=$(ls "$D/spool/kinesis" 2>/dev/null | grep -c '\.batch$')
if [ "$nspool" -gt 0 ]; then ok fault_sigkill_spooled_before_kill
else fail fault_sigkill_spooled_before_kill "spooled batches in $D/spool/kinesis, got $nspool ($(ls "$D/spool" 2>&1 | head -3))"; fi
ls -l "$D/spool/kinesis" | sed 's/^/# spool at kill: /'
kill_ms=$(($(date +%s%N) / 1000000))
kill -KILL "$AGENT_PID"; wait "$AGENT_PID" 2>/dev/null; AGENT_PID=
# what the file sink had before the kill, and which of it is old enough to
# have been handed to the spool
cat "$D"/records*.ndjson >"$TMPD/run1.ndjson" 2>/dev/null
python3 -c '
import json, sys
for l in open(sys.argv[1]):
    try: r = json.loads(l)
    except ValueError: continue	# a line cut by the kill
    if r["timestamp"] < int(sys.argv[2]) - 2000: print(r["id"])' "$TMPD/run1.ndjson" "$kill_ms" | sort -u >"$TMPD/want"

start_kinesalite "$KP" "$TMPD/kdb" || { fail fault_sigkill "kinesalite did not start"; finish; }
$AWS_TOOL create-stream "http://127.0.0.1:$KP" faults 1 || { fail fault_sigkill "create-stream"; finish; }
start_agent --sink file --sink kinesis --kinesis-stream faults --flush-interval 1 || { fail fault_sigkill_restart "agent did not restart"; finish; }
drained() { stats_json && [ "$(sstat kinesis spool_records)" = 0 ] && [ "$(sstat kinesis sent)" -gt 0 ]; }
if wait_for 40 drained; then ok fault_sigkill_restart_replays_spool
else fail fault_sigkill_restart_replays_spool "the spool empty within 40 s, $(live_sstat kinesis spool_records) left"; fi
check fault_sigkill_replay_logged grep -q "kinesis: replaying [0-9]* spooled batches" "$TMPD/agent.log"
stats_json
stop_agent
left=$(ls "$D/spool/kinesis" 2>/dev/null | grep -c '\.batch$')
check fault_sigkill_spool_empty_after_replay [ "$left" = 0 ]
kinesis_ids "http://127.0.0.1:$KP" faults >"$TMPD/k.ids"
nw=$(wc -l <"$TMPD/want"); missing=$(comm -23 "$TMPD/want" "$TMPD/k.ids" | wc -l)
if [ "$nw" -gt 10 ] && [ "$missing" = 0 ]; then ok fault_sigkill_spooled_records_arrive
else
	comm -23 "$TMPD/want" "$TMPD/k.ids" >"$TMPD/miss"
	python3 -c '
import json, sys
miss = set(open(sys.argv[2]).read().split())
for l in open(sys.argv[1]):
    try: r = json.loads(l)
    except ValueError: continue
    if r["id"] in miss: print("# missing:", r["type"], r["timestamp"] - int(sys.argv[3]), "ms before the kill")' "$TMPD/run1.ndjson" "$TMPD/miss" "$kill_ms"
	grep -i 'kinesis\|spool' "$TMPD/agent.log" | head -5 | sed 's/^/# log: /'
	fail fault_sigkill_spooled_records_arrive "every record > 2 s old at the kill (> 10) in Kinesis; got $nw, $missing missing"; fi
check fault_sigkill_nothing_dropped_after_restart [ "$(sstat kinesis dropped)" = 0 ]
finish
