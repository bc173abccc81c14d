#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# Outage: both emulators are killed in the middle of a run while records keep
# coming; the driver (the agent's sink engine) is stopped during the outage
# (its backlog goes to the spool) and started again; the emulators come back.
# Every record produced must arrive: Kinesis at most twice (a call whose answer
# was lost is sent again), DynamoDB exactly once (a resent record overwrites
# its own item), the file sink exactly once.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/sinks.lib"
sinks_prereq outage_setup || finish
aws_test_env
KP=$(free_port); DP=$(free_port)
start_kinesalite "$KP" "$TMPD/kdb" && start_dynalite "$DP" "$TMPD/ddb" \
	|| { fail outage_setup "emulators did not start"; finish; }
$AWS_TOOL create-stream "http://127.0.0.1:$KP" outage 1 && \
	$AWS_TOOL create-table "http://127.0.0.1:$DP" outage-table || { fail outage_setup "create"; finish; }
export AWS_ENDPOINT_URL_KINESIS=http://127.0.0.1:$KP AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:$DP
D=$TMPD/data
run_driver() { # PREFIX BATCHES DRAIN_S
	"$DRIVER" --set sink=file --set sink=kinesis --set sink=dynamodb --set data-dir="$D" \
		--set kinesis-stream=outage --set dynamodb-table=outage-table --set spool-max-bytes=64M \
		--batches "$2" --records 20 --interval-ms 150 --prefix "$1" --ids "$TMPD/ids" \
		--stats "$TMPD/stats.$1" --drain-s "$3" >>"$TMPD/driver.out" 2>>"$TMPD/driver.err"
}

# Run A: 30 batches over ~4.5 s; the emulators die after ~1.5 s.
run_driver a 30 1 &
dpid=$!
sleep 1.5
kill9_pid "$KINESIS_PID"; kill9_pid "$DYNAMO_PID"
wait $dpid
nspool_k=$(ls "$D/spool/kinesis" 2>/dev/null | grep -c '\.batch$')
nspool_d=$(ls "$D/spool/dynamodb" 2>/dev/null | grep -c '\.batch$')
if [ "$nspool_k" -gt 0 ] && [ "$nspool_d" -gt 0 ]; then ok outage_backlog_spooled_at_stop
else fail outage_backlog_spooled_at_stop "spool batches on disk after the stop, got kinesis=$nspool_k dynamodb=$nspool_d"; fi
check outage_failure_logged grep -q "kinesis: PutRecords: .*retrying in" "$TMPD/driver.err"

# Run B starts during the outage; the emulators come back after 1.5 s.
run_driver b 10 40 &
dpid=$!
sleep 1.5
start_kinesalite "$KP" "$TMPD/kdb" && start_dynalite "$DP" "$TMPD/ddb" || fail outage_restart "emulators"
wait $dpid
check outage_replay_logged grep -q "kinesis: replaying [0-9]* spooled batches" "$TMPD/driver.err"

sort "$TMPD/ids" >"$TMPD/want"
nwant=$(wc -l <"$TMPD/want")
$AWS_TOOL read-stream "http://127.0.0.1:$KP" outage | cut -f2- | ids_of >"$TMPD/k.ids"
missing=$(sort -u "$TMPD/k.ids" | comm -13 - "$TMPD/want" | wc -l)
maxdup=$(uniq -c "$TMPD/k.ids" | awk 'BEGIN{m=0} $1>m{m=$1} END{print m}')
if [ "$nwant" = 800 ] && [ "$missing" = 0 ] && [ "$maxdup" -le 2 ]; then ok outage_kinesis_every_record_arrives
else fail outage_kinesis_every_record_arrives "800 ids, none missing, none more than twice; got $nwant produced, $missing missing, max copies $maxdup"; fi
# (the sink's host registry item, docs/sinks.md, is no record: left out)
$AWS_TOOL scan "http://127.0.0.1:$DP" outage-table | node -e "
for (const l of require('fs').readFileSync(0,'utf8').split('\n').filter(Boolean)) { const it=JSON.parse(l); if (it.record_id) console.log(it.record_id.S); }" | sort >"$TMPD/d.ids"
if cmp -s "$TMPD/d.ids" "$TMPD/want"; then ok outage_dynamodb_every_record_once
else fail outage_dynamodb_every_record_once "800 items, one per record; got $(wc -l <"$TMPD/d.ids") ($(comm -3 "$TMPD/d.ids" "$TMPD/want" | head -3 | tr '\n' ' '))"; fi
ids_of <"$D/records.ndjson" >"$TMPD/f.ids"
check outage_file_every_record_once cmp -s "$TMPD/f.ids" "$TMPD/want"
left=$(ls "$D/spool/kinesis" "$D/spool/dynamodb" | grep -c '\.batch$')
check outage_spool_empty_after_recovery [ "$left" = 0 ]
check outage_stats_show_retries [ "$(stat_of "$TMPD/stats.b" kinesis retried)" -gt 0 ]

# Crash: the engine is SIGKILLed during an outage (no orderly stop). What it
# was handed after the first failure was already on disk: all of it arrives.
kill9_pid "$KINESIS_PID"
: >"$TMPD/ids"
"$DRIVER" --set sink=kinesis --set data-dir="$D" --set kinesis-stream=outage --batches 20 \
	--records 10 --interval-ms 100 --prefix c --ids "$TMPD/ids" >>"$TMPD/driver.out" 2>>"$TMPD/driver.err" &
dpid=$!
sleep 1.2
kill9_pid $dpid
start_kinesalite "$KP" "$TMPD/kdb" || fail outage_restart "kinesalite"
"$DRIVER" --set sink=kinesis --set data-dir="$D" --set kinesis-stream=outage --batches 0 \
	--drain-s 30 >>"$TMPD/driver.out" 2>>"$TMPD/driver.err"
$AWS_TOOL read-stream "http://127.0.0.1:$KP" outage | cut -f2- | ids_of | grep '^c-' | sort -u >"$TMPD/kc.ids"
sort "$TMPD/ids" >"$TMPD/wantc"
n=$(wc -l <"$TMPD/wantc")
missing=$(comm -13 "$TMPD/kc.ids" "$TMPD/wantc" | wc -l)
if [ "$n" -ge 50 ] && [ "$missing" = 0 ]; then ok outage_engine_crash_loses_nothing_handed_over
else fail outage_engine_crash_loses_nothing_handed_over "all of >= 50 records submitted before the SIGKILL, got $n submitted, $missing missing"; fi
finish
