#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# DynamoDB sink against a real dynalite on loopback: the sink creates the
# table when asked; items read back with Query on id match the records, with
# typed attributes (N, S, BOOL, NULL, M, L), the key layout and TTL; batches
# over 25 items are split; records sharing source, type and millisecond all
# arrive (unique sort keys); an item over 400 KB is rejected and counted;
# UnprocessedItems and 5xx from the fault proxy are retried until every
# record is there.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/sinks.lib"
sinks_prereq dynamodb_setup || finish
aws_test_env
DP=$(free_port); PP=$(free_port)
start_dynalite "$DP" "$TMPD/ddb" || { fail dynamodb_setup "dynalite did not start"; finish; }
start_proxy "$PP" "$DP" || { fail dynamodb_setup "fault proxy did not start"; finish; }

# 1. CreateTable by the sink, 60 records in one ms (> 25 items, same key prefix).
D=$TMPD/d1
AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:$PP "$DRIVER" --set sink=file --set sink=dynamodb \
	--set data-dir="$D" --set dynamodb-table=analytics-test --set dynamodb-create-table=true --same-ts \
	--batches 1 --records 60 --ids "$D.ids" --stats "$D.stats" >"$D.out" 2>"$D.err"
$AWS_TOOL describe-table "http://127.0.0.1:$DP" analytics-test >"$D.table" 2>&1
check dynamodb_create_table grep -q '"KeySchema":\[{"AttributeName":"id","KeyType":"HASH"},{"AttributeName":"timestamp","KeyType":"RANGE"}\]' "$D.table"
$AWS_TOOL query "http://127.0.0.1:$DP" analytics-test 'test-host#vm-metrics' >"$D.items"
got=$(jqn_lines() { :; }; node -e "
for (const l of require('fs').readFileSync(0,'utf8').split('\n').filter(Boolean)) console.log(JSON.parse(l).record_id.S)" <"$D.items" | sort | tr '\n' ' ')
want=$(sort "$D.ids" | tr '\n' ' ')
check dynamodb_same_ms_records_all_arrive [ "$got" = "$want" ]
# 60 items: 3 BatchWriteItem calls (25 + 25 + 10).
nbw=$(proxy_stat "$PP" j.by_target.BatchWriteItem)
check dynamodb_over_25_split [ "$nbw" = 3 ]
# Compare every item with the record the file sink wrote: types and values.
node -e "
const fs=require('fs');
const recs=new Map(fs.readFileSync('$D/records.ndjson','utf8').split('\n').filter(Boolean).map(l=>{const r=JSON.parse(l);return [r.id,r];}));
const items=fs.readFileSync('$D.items','utf8').split('\n').filter(Boolean).map(l=>JSON.parse(l));
const conv=(a)=>{const [t,v]=Object.entries(a)[0];
  if(t==='S')return v; if(t==='N')return Number(v); if(t==='BOOL')return v; if(t==='NULL')return null;
  if(t==='M'){const o={};for(const k in v)o[k]=conv(v[k]);return o;} if(t==='L')return v.map(conv);
  throw new Error('unexpected type '+t);};
let bad=[]; const keys=new Set();
for (const it of items) {
  const r=recs.get(it.record_id.S); if(!r){bad.push('no record '+it.record_id.S);continue;}
  if(it.id.S!==r.source+'#'+r.type) bad.push('id '+it.id.S);
  if(Math.floor(Number(it.timestamp.N))!==r.timestamp) bad.push('timestamp '+it.timestamp.N+' vs '+r.timestamp);
  keys.add(it.timestamp.N);
  if(Number(it.expires_at.N)!==Math.floor(r.timestamp/1000)+30*86400) bad.push('expires_at '+it.expires_at.N);
  if(!('N' in it.cpu_usage_pct)||!('BOOL' in it.healthy)||!('NULL' in it.note)||!('M' in it.disk)||!('L' in it.disk.M.list)||!('S' in it.pad)||!('N' in it.seq)) bad.push('types '+JSON.stringify(it).slice(0,200));
  for (const k of Object.keys(r)) { if(k==='id'||k==='timestamp')continue;
    if(JSON.stringify(conv(it[k]))!==JSON.stringify(r[k])) bad.push(k+': '+JSON.stringify(conv(it[k]))+' vs '+JSON.stringify(r[k])); }
}
if(keys.size!==items.length) bad.push('sort keys not unique: '+keys.size+' of '+items.length);
if(items.length!==60) bad.push('items '+items.length);
if(bad.length){console.log(bad.slice(0,5).join('; '));process.exit(1);}
" >"$D.cmp" 2>&1 && ok dynamodb_items_match_records_typed || fail dynamodb_items_match_records_typed "$(cat "$D.cmp")"

# 2. An item over 400 KB is rejected, its neighbours go.
D=$TMPD/d2
AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:$DP "$DRIVER" --set sink=dynamodb --set data-dir="$D" \
	--set dynamodb-table=analytics-test --type disk-metrics --batches 1 --records 5 --big-every 5 \
	--big-pad 420000 --ids "$D.ids" --stats "$D.stats" >"$D.out" 2>"$D.err"
$AWS_TOOL query "http://127.0.0.1:$DP" analytics-test 'test-host#disk-metrics' >"$D.items"
check dynamodb_oversized_rejected [ "$(stat_of "$D.stats" dynamodb rejected)/$(wc -l <"$D.items")" = 1/4 ]
check dynamodb_oversized_logged grep -q "r-0-4 (disk-metrics) is .* over the 409600-byte limit: rejected" "$D.err"

# 3. UnprocessedItems, 5xx and a dropped connection from the proxy.
D=$TMPD/d3
proxy_fault "$PP" '{"ddb_unprocessed_every":2,"ddb_unprocessed_requests":4,"status":500,"status_requests":1,"drop_requests":1}'
AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:$PP "$DRIVER" --set sink=dynamodb --set data-dir="$D" \
	--set dynamodb-table=analytics-test --type process-metrics --same-ts --batches 2 --records 40 \
	--ids "$D.ids" --stats "$D.stats" --drain-s 20 >"$D.out" 2>"$D.err"
$AWS_TOOL query "http://127.0.0.1:$DP" analytics-test 'test-host#process-metrics' >"$D.items"
got=$(node -e "
for (const l of require('fs').readFileSync(0,'utf8').split('\n').filter(Boolean)) console.log(JSON.parse(l).record_id.S)" <"$D.items" | sort | tr '\n' ' ')
want=$(sort "$D.ids" | tr '\n' ' ')
un=$(proxy_stat "$PP" j.unprocessed_items)
if [ "$got" = "$want" ] && [ "$un" -gt 0 ]; then ok dynamodb_unprocessed_items_retried
else fail dynamodb_unprocessed_items_retried "80 items after $un UnprocessedItems, got $(echo "$got" | wc -w)"; fi
check dynamodb_unprocessed_logged grep -q "BatchWriteItem: [0-9]*/[0-9]* UnprocessedItems" "$D.err"
check dynamodb_retried_counted [ "$(stat_of "$D.stats" dynamodb retried)" -gt 0 ]
check dynamodb_5xx_and_drop_injected [ "$(proxy_stat "$PP" '[j.status_injected,j.dropped].join()')" = "1,1" ]
finish
