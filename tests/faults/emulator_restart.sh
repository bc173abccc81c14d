# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# Fault: the Kinesis endpoint dies mid-run and comes back. The real agent
# (file + kinesis sinks, all signals, 1 s flushes) keeps producing while
# kinesalite is SIGKILLed; what it cannot send is spooled and counted, and
# after the restart every record id the file sink has also arrives in
# Kinesis, with nothing dropped.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../sinks/sinks.lib"
. "$(dirname "$0")/faults.lib"
need_root fault_emulator || finish
sinks_prereq fault_emulator || finish
aws_test_env
KP=$(free_port)
start_kinesalite "$KP" "$TMPD/kdb" || { fail fault_emulator "kinesalite did not start"; finish; }
$AWS_TOOL create-stream "http://127.0.0.1:$KP" faults 1 || { fail fault_emulator "create-stream"; finish; }
export AWS_ENDPOINT_URL_KINESIS=http://127.0.0.1:$KP
start_agent --sink file --sink kinesis --kinesis-stream faults --flush-interval 1 || { fail fault_emulator "agent did not start"; finish; }
D=$TMPD/data

sleep 4
sent0=$(live_sstat kinesis sent)
kill9_pid "$KINESIS_PID"
sleep 6		# records keep coming while the endpoint is gone
stats_json
failed=$(sstat kinesis failed); spooled=$(sstat kinesis spooled); pending=$(sstat kinesis spool_records)
if [ "$sent0" -gt 0 ] && [ "$failed" -gt 0 ] && [ "$pending" -gt 0 ]; then ok fault_emulator_outage_spooled
else fail fault_emulator_outage_spooled "records sent before the kill, failed calls and spooled records during the outage; got sent $sent0, failed $failed, spooled $spooled, in spool $pending"; fi
check fault_emulator_agent_alive_during_outage curl -sf -o /dev/null "http://127.0.0.1:$AGENT_PORT/healthz"
mspool=$(metric "hostlens_sink_spool_bytes{sink=\"kinesis\"}")
if [ "${mspool:-0}" -gt 0 ]; then ok fault_emulator_spool_on_metrics
else fail fault_emulator_spool_on_metrics "hostlens_sink_spool_bytes{sink=\"kinesis\"} > 0 on /metrics, got '${mspool}'"; fi

start_kinesalite "$KP" "$TMPD/kdb" || fail fault_emulator_restart "kinesalite did not come back"
drained() { [ "$(live_sstat kinesis spool_records)" = 0 ]; }
if wait_for 40 drained; then ok fault_emulator_spool_replayed
else fail fault_emulator_spool_replayed "the spool empty within 40 s of the restart, $(live_sstat kinesis spool_records) records left"; fi
sleep 2
stop_agent
check fault_emulator_clean_exit [ "${AGENT_RC:-1}" = 0 ]

file_ids "$D" >"$TMPD/f.ids"
kinesis_ids "http://127.0.0.1:$KP" faults >"$TMPD/k.ids"
nf=$(wc -l <"$TMPD/f.ids"); missing=$(comm -23 "$TMPD/f.ids" "$TMPD/k.ids" | wc -l)
if [ "$nf" -gt 50 ] && [ "$missing" = 0 ]; then ok fault_emulator_every_record_arrives
else fail fault_emulator_every_record_arrives "every one of the file sink's records (> 50) in Kinesis; got $nf, $missing missing ($(comm -23 "$TMPD/f.ids" "$TMPD/k.ids" | head -3 | tr '\n' ' '))"; fi
dropped=$(sstat kinesis dropped)
check fault_emulator_nothing_dropped [ "$dropped" = 0 ]
finish
