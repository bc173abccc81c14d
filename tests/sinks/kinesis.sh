#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# Kinesis sink against a real kinesalite on loopback: what the agent sends is
# read back with GetRecords and equals what the file sink wrote in the same
# run; batches over 500 records and over 5 MiB are split; a record over 1 MiB
# is rejected and counted; partial failures (FailedRecordCount with
# ProvisionedThroughputExceededException), 5xx, delays and dropped
# connections from the fault proxy are retried until every record is there.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/sinks.lib"
sinks_prereq kinesis_setup || finish
aws_test_env
KP=$(free_port); PP=$(free_port)
start_kinesalite "$KP" "$TMPD/kdb" || { fail kinesis_setup "kinesalite did not start"; finish; }
start_proxy "$PP" "$KP" || { fail kinesis_setup "fault proxy did not start"; finish; }
$AWS_TOOL create-stream "http://127.0.0.1:$KP" s1 2 && $AWS_TOOL create-stream "http://127.0.0.1:$KP" s2 1 \
	&& $AWS_TOOL create-stream "http://127.0.0.1:$KP" s3 1 || { fail kinesis_setup "create streams"; finish; }

# 1. > 500 records a batch: same lines in the stream as in the file.
D=$TMPD/d1
r0=$(proxy_stat "$PP" j.requests)
AWS_ENDPOINT_URL_KINESIS=http://127.0.0.1:$PP "$DRIVER" --set sink=file --set sink=kinesis \
	--set data-dir="$D" --set kinesis-stream=s1 --batches 3 --records 700 --pad 50 \
	--ids "$D.ids" --stats "$D.stats" >"$D.out" 2>"$D.err"
$AWS_TOOL read-stream "http://127.0.0.1:$KP" s1 >"$D.stream"
cut -f2- "$D.stream" | sort >"$D.stream.sorted"
sort "$D/records.ndjson" >"$D.file.sorted"
n=$(wc -l <"$D.stream.sorted")
if [ "$n" = 2100 ] && cmp -s "$D.stream.sorted" "$D.file.sorted"; then ok kinesis_readback_equals_file
else fail kinesis_readback_equals_file "2100 records equal to the file sink's lines, got $n in the stream ($(diff "$D.stream.sorted" "$D.file.sorted" | head -c 300))"; fi
r1=$(proxy_stat "$PP" j.requests)
check kinesis_500_record_calls [ $((r1 - r0)) = 6 ]	# 3 batches of 700 = 3 x (500 + 200)
keys=$(cut -f1 "$D.stream" | sort -u | tr '\n' ' ')
check kinesis_partition_key_is_source [ "$keys" = "test-host " ]
sent=$(stat_of "$D.stats" kinesis sent)
check kinesis_stats_sent [ "$sent" = 2100 ]
grep -q "\"secret\|$SECRET" "$D.err" "$D.out" && fail kinesis_no_secret_in_logs "secret appeared in output" || ok kinesis_no_secret_in_logs

# 2. > 5 MiB in one batch (60 x 100 KB) and one record over 1 MiB: split, rejected, counted.
D=$TMPD/d2
r0=$(proxy_stat "$PP" j.requests)
AWS_ENDPOINT_URL=http://127.0.0.1:$PP "$DRIVER" --set sink=kinesis --set data-dir="$D" \
	--set kinesis-stream=s2 --set kinesis-partition-key=pk-fixed --batches 1 --records 61 \
	--pad 100000 --big-every 61 --big-pad 1100000 --ids "$D.ids" --stats "$D.stats" >"$D.out" 2>"$D.err"
$AWS_TOOL read-stream "http://127.0.0.1:$KP" s2 >"$D.stream"
got=$(cut -f2- "$D.stream" | ids_of | tr '\n' ' ')
want=$(head -60 "$D.ids" | sort | tr '\n' ' ')
r1=$(proxy_stat "$PP" j.requests)
if [ "$got" = "$want" ] && [ $((r1 - r0)) = 2 ]; then ok kinesis_over_5mib_split
else fail kinesis_over_5mib_split "60 records of 100 KB in 2 PutRecords calls, got $(echo "$got" | wc -w) records in $((r1 - r0)) calls"; fi
check kinesis_oversized_rejected [ "$(stat_of "$D.stats" kinesis rejected)" = 1 ]
check kinesis_oversized_logged grep -q "r-0-60 (vm-metrics) is .* over the 1048576-byte limit: rejected" "$D.err"
check kinesis_partition_key_configured [ "$(cut -f1 "$D.stream" | sort -u)" = pk-fixed ]

# 3. Partial failures, 5xx, a delay and a dropped connection through the proxy.
D=$TMPD/d3
proxy_fault "$PP" '{"kinesis_fail_every":3,"kinesis_fail_requests":3,"status":503,"status_requests":0}'
AWS_ENDPOINT_URL_KINESIS=http://127.0.0.1:$PP "$DRIVER" --set sink=kinesis --set data-dir="$D" \
	--set kinesis-stream=s3 --batches 2 --records 300 --ids "$D.ids" --stats "$D.stats" \
	--drain-s 20 >"$D.out" 2>"$D.err" &
dp=$!
sleep 0.2
wait $dp
proxy_fault "$PP" '{"status":503,"status_requests":2,"drop_requests":1,"delay_ms":800,"delay_requests":1}'
AWS_ENDPOINT_URL_KINESIS=http://127.0.0.1:$PP "$DRIVER" --set sink=kinesis --set data-dir="$D" \
	--set kinesis-stream=s3 --prefix q --batches 3 --records 50 --ids "$D.ids" --stats "$D.stats2" \
	--drain-s 20 >>"$D.out" 2>>"$D.err"
$AWS_TOOL read-stream "http://127.0.0.1:$KP" s3 >"$D.stream"
got=$(cut -f2- "$D.stream" | ids_of)
want=$(sort "$D.ids")
failed_injected=$(proxy_stat "$PP" j.failed_records)
if [ "$got" = "$want" ] && [ "$failed_injected" -gt 0 ]; then ok kinesis_partial_failure_retried_only_failed
else fail kinesis_partial_failure_retried_only_failed "all $(echo "$want" | wc -l) ids once after $failed_injected injected record failures, got $(echo "$got" | wc -l) ($(echo "$got" | uniq -d | head -3 | tr '\n' ' '))"; fi
check kinesis_partial_failure_counted [ "$(stat_of "$D.stats" kinesis retried)" -gt 0 ]
check kinesis_partial_failure_logged grep -q "PutRecords: [0-9]*/[0-9]* failed (ProvisionedThroughputExceededException)" "$D.err"
st=$(proxy_stat "$PP" '[j.status_injected,j.dropped,j.delayed].join(",")')
check kinesis_5xx_drop_delay_recovered [ "$st" = "2,1,1" ] 
check kinesis_5xx_counted [ "$(stat_of "$D.stats2" kinesis failed)" -ge 3 ]

# 4. Stopping while a call hangs: cut at the 5 s stop deadline, batch spooled,
#    delivered by the next run.
D=$TMPD/d4
$AWS_TOOL create-stream "http://127.0.0.1:$KP" s4 1
proxy_fault "$PP" '{"delay_ms":30000,"delay_requests":1}'
t0=$(date +%s)
AWS_ENDPOINT_URL_KINESIS=http://127.0.0.1:$PP "$DRIVER" --set sink=kinesis --set data-dir="$D" \
	--set kinesis-stream=s4 --batches 1 --records 10 --ids "$D.ids" --drain-s 0.5 >"$D.out" 2>"$D.err"
t1=$(date +%s)
n=$(ls "$D/spool/kinesis" | grep -c '\.batch$')
if [ $((t1 - t0)) -le 9 ] && [ "$n" = 1 ]; then ok kinesis_stop_cuts_hung_call_and_spools
else fail kinesis_stop_cuts_hung_call_and_spools "stop within ~6 s with the batch spooled, took $((t1 - t0)) s, $n spooled"; fi
AWS_ENDPOINT_URL_KINESIS=http://127.0.0.1:$KP "$DRIVER" --set sink=kinesis --set data-dir="$D" \
	--set kinesis-stream=s4 --batches 0 --drain-s 10 >>"$D.out" 2>>"$D.err"
got=$($AWS_TOOL read-stream "http://127.0.0.1:$KP" s4 | cut -f2- | ids_of | sort -u | tr '\n' ' ')
check kinesis_spooled_batch_delivered_next_run [ "$got" = "$(sort "$D.ids" | tr '\n' ' ')" ]
finish
