#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# The dynamodb sink's host registry item (docs/sinks.md, "Host registry"),
# through the real sink engine against dynalite: one item under
# "hostlens#hosts" per source, whose `latest` names the sort key of the
# newest item of each type the sink delivered (written again at stop), with
# the agent's --public-url and a recent last_seen; none with
# --dynamodb-registry false; a registry PutItem that fails is logged and
# never holds records back.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/sinks.lib"
sinks_prereq dynamodb_registry_setup || finish
aws_test_env
DP=$(free_port); PP=$(free_port)
start_dynalite "$DP" "$TMPD/ddb" || { fail dynamodb_registry_setup "dynalite did not start"; finish; }
start_proxy "$PP" "$DP" || { fail dynamodb_registry_setup "fault proxy did not start"; finish; }
DDB=http://127.0.0.1:$DP
$AWS_TOOL create-table "$DDB" registry-test >/dev/null 2>&1
$AWS_TOOL create-table "$DDB" registry-off >/dev/null 2>&1

# 1. Three batches a second apart: the registry points at the newest item.
D=$TMPD/d1
T0=$(node -e 'console.log(Date.now())')
AWS_ENDPOINT_URL_DYNAMODB=$DDB "$DRIVER" --set sink=dynamodb --set data-dir="$D" \
	--set dynamodb-table=registry-test --set source=node-7 --set public-url=http://10.0.0.7:9090 \
	--batches 3 --records 4 --interval-ms 1000 --ids "$D.ids" --stats "$D.stats" >"$D.out" 2>"$D.err"
$AWS_TOOL query "$DDB" registry-test 'hostlens#hosts' >"$D.reg"
$AWS_TOOL query "$DDB" registry-test 'node-7#vm-metrics' >"$D.items"
node -e "
const fs=require('fs');
const reg=fs.readFileSync('$D.reg','utf8').split('\n').filter(Boolean).map(JSON.parse);
const items=fs.readFileSync('$D.items','utf8').split('\n').filter(Boolean).map(JSON.parse);
const newest=items.map(i=>i.timestamp.N).sort((a,b)=>Number(a)-Number(b)||(a<b?-1:1)).pop();
const bad=[];
if (reg.length!==1) bad.push(reg.length+' registry items');
const r=reg[0]||{};
if ((r.source||{}).S!=='node-7') bad.push('source '+JSON.stringify(r.source));
if ((r.address||{}).S!=='http://10.0.0.7:9090') bad.push('address '+JSON.stringify(r.address));
const ls=Number((r.last_seen||{}).N);
if (!(ls>=$T0 && ls<=Date.now())) bad.push('last_seen '+ls);
const lt=(((r.latest||{}).M||{})['vm-metrics']||{}).S;
if (items.length!==12 || lt!==newest) bad.push('latest '+lt+' newest '+newest+' of '+items.length);
if (Number(r.expires_at.N)!==Math.floor(ls/1000)+30*86400) bad.push('expires_at '+r.expires_at.N);
if (bad.length){console.log(bad.join('; '));process.exit(1);}" >"$D.cmp" 2>&1 &&
	ok dynamodb_registry_points_at_newest || fail dynamodb_registry_points_at_newest "$(cat "$D.cmp")"

# 2. Turned off: no registry item.
D=$TMPD/d2
AWS_ENDPOINT_URL_DYNAMODB=$DDB "$DRIVER" --set sink=dynamodb --set data-dir="$D" \
	--set dynamodb-table=registry-off --set dynamodb-registry=false --batches 1 --records 3 \
	--ids "$D.ids" --stats "$D.stats" >"$D.out" 2>"$D.err"
check dynamodb_registry_off [ "$($AWS_TOOL query "$DDB" registry-off 'hostlens#hosts' | wc -l)/$($AWS_TOOL query "$DDB" registry-off 'test-host#vm-metrics' | wc -l)" = 0/3 ]

# 3. Registry writes fail: records are all delivered, the failure is logged.
D=$TMPD/d3
proxy_fault "$PP" '{"status":500,"status_requests":100,"status_target":"PutItem"}'
AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:$PP "$DRIVER" --set sink=dynamodb --set data-dir="$D" \
	--set dynamodb-table=registry-test --set source=node-8 --batches 2 --records 5 \
	--ids "$D.ids" --stats "$D.stats" >"$D.out" 2>"$D.err"
n=$($AWS_TOOL query "$DDB" registry-test 'node-8#vm-metrics' | wc -l)
check dynamodb_registry_failure_holds_nothing [ "$n/$(proxy_stat "$PP" 'j.injected_by_target.PutItem>0')" = "10/true" ]
check dynamodb_registry_failure_logged grep -q "registry item of node-8 not written" "$D.err"
finish
