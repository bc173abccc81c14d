# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# Fault: the data dir (file sink output and spools) fills up while the
# Kinesis endpoint is down. The data dir is a small tmpfs, nearly filled by
# a ballast file. The agent keeps running and serving; what no spool can
# take is counted as dropped in /api/v1/stats and on /metrics; when the
# ballast is removed (space returns) and the endpoint comes back, records
# flow again to both sinks and the spool drains.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../sinks/sinks.lib"
. "$(dirname "$0")/faults.lib"
need_root fault_spool_full || finish
sinks_prereq fault_spool_full || finish
aws_test_env
D=$TMPD/data
mkdir -p "$D"
mount -t tmpfs -o size=2m hltest-spool "$D" || { skip fault_spool_full "cannot mount a tmpfs"; finish; }
on_exit "umount -l '$D' 2>/dev/null"
# leave ~48 KiB free
avail=$(df -k --output=avail "$D" | tail -1)
dd if=/dev/zero of="$D/ballast" bs=1k count=$((avail - 48)) 2>/dev/null
KP=$(free_port)
export AWS_ENDPOINT_URL_KINESIS=http://127.0.0.1:$KP	# down for now
start_agent --sink file --sink kinesis --kinesis-stream faults --flush-interval 1 || { fail fault_spool_full "agent did not start"; finish; }

full_dropping() { stats_json && [ "$(sstat kinesis dropped)" -gt 0 ]; }
if wait_for 40 full_dropping; then ok fault_spool_full_drops_counted
else fail fault_spool_full_drops_counted "kinesis dropped > 0 in /api/v1/stats within 40 s of a full disk, got $(sstat kinesis dropped) (free: $(df -k --output=avail "$D" | tail -1) KiB, last error: $(sstat kinesis last_error))"; fi
sleep 3
stats_json
kd=$(sstat kinesis dropped); fd=$(sstat file dropped)
mk=$(metric "hostlens_sink_dropped_records_total{sink=\"kinesis\"}")
if [ -n "$mk" ] && [ "$mk" -ge "$kd" ] && [ "$mk" -gt 0 ]; then ok fault_spool_full_drops_on_metrics
else fail fault_spool_full_drops_on_metrics "hostlens_sink_dropped_records_total{sink=\"kinesis\"} >= $kd on /metrics, got '$mk'"; fi
echo "# full disk: kinesis dropped $kd, file dropped $fd; log: $(grep -m1 'spool' "$TMPD/agent.log")"
check fault_spool_full_agent_keeps_running curl -sf -o /dev/null "http://127.0.0.1:$AGENT_PORT/healthz"
check fault_spool_full_logged grep -q 'spool' "$TMPD/agent.log"

# space returns, the endpoint comes back
rm -f "$D/ballast"
lines0=$(cat "$D"/records*.ndjson 2>/dev/null | wc -l)
start_kinesalite "$KP" "$TMPD/kdb" && $AWS_TOOL create-stream "http://127.0.0.1:$KP" faults 1 \
	|| { fail fault_spool_full_recovers "kinesalite did not start"; finish; }
drained() { stats_json && [ "$(sstat kinesis spool_records)" = 0 ] && [ "$(sstat kinesis sent)" -gt 0 ]; }
if wait_for 40 drained; then ok fault_spool_full_recovers_kinesis
else fail fault_spool_full_recovers_kinesis "kinesis sends and its spool empties within 40 s, got sent $(sstat kinesis sent), in spool $(sstat kinesis spool_records)"; fi
kd1=$(sstat kinesis dropped)
sleep 4
stats_json
kd2=$(sstat kinesis dropped)
lines1=$(cat "$D"/records*.ndjson 2>/dev/null | wc -l)
if [ "$kd2" = "$kd1" ] && [ "$lines1" -gt "$lines0" ]; then ok fault_spool_full_no_drops_after_space_returns
else fail fault_spool_full_no_drops_after_space_returns "no new drops and the file sink writing again; dropped $kd1 -> $kd2, file lines $lines0 -> $lines1"; fi
stop_agent
check fault_spool_full_clean_exit [ "${AGENT_RC:-1}" = 0 ]
n=$($AWS_TOOL read-stream "http://127.0.0.1:$KP" faults | wc -l)
if [ "$n" -gt 0 ]; then ok fault_spool_full_records_in_kinesis; else fail fault_spool_full_records_in_kinesis "records in Kinesis after recovery, got 0"; fi
finish
