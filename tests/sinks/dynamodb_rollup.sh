#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# Partial rollups across a restart, end to end: the real agent (cpu signal,
# 1 s flushes, DynamoDB sink through the fault proxy to dynalite) runs
# twice, stopped by SIGTERM each time, inside one five-minute slot when the
# clock allows. Every rollup-5m item read back is partial, its window lies
# inside its slot and inside its own run, its timestamp is its window_end
# and no later than the moment it reached the proxy, both runs' rollups of
# each type are there (none overwritten) and one run's window ends before
# the next run's begins.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/sinks.lib"
need_root dynamodb_rollup || finish
sinks_prereq dynamodb_rollup || finish
aws_test_env
DP=$(free_port); PP=$(free_port)
start_dynalite "$DP" "$TMPD/ddb" || { fail dynamodb_rollup_setup "dynalite did not start"; finish; }
start_proxy "$PP" "$DP" || { fail dynamodb_rollup_setup "fault proxy did not start"; finish; }
$AWS_TOOL create-table "http://127.0.0.1:$DP" rollups >"$TMPD/create.log" 2>&1 ||
	{ fail dynamodb_rollup_setup "create-table: $(cat "$TMPD/create.log")"; finish; }
export AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:$PP
SRC=rollup-e2e-$$
RUN_S=5
now_ms() { date +%s%3N; }

# The slot is the real one (the rollup window has no knob). Both runs take
# ~12 s: with less than 30 s of the slot left, start in the next one (the
# test then lasts ~45 s). Should they still straddle a boundary, every check
# below holds per slot; only the "same slot" note changes.
left=$((300000 - $(now_ms) % 300000))
if [ "$left" -lt 30000 ]; then sleep $((left / 1000 + 1)); fi

run() { # N: one run, its launch and exit times in T<N>_0, T<N>_1
	eval "T$1_0=$(now_ms)"
	start_agent --signals cpu --sink dynamodb --dynamodb-table rollups --flush-interval 1 \
		--source "$SRC" || { fail dynamodb_rollup_run$1 "agent did not start"; return 1; }
	sleep "$RUN_S"
	stop_agent
	eval "T$1_1=$(now_ms)"
	cp "$TMPD/agent.log" "$TMPD/agent$1.log"
	check dynamodb_rollup_run$1_clean_exit [ "${AGENT_RC:-1}" = 0 ]
}
run 1 || finish
run 2 || finish

$AWS_TOOL query "http://127.0.0.1:$DP" rollups "$SRC#rollup-5m" >"$TMPD/items" 2>&1
curl -sf "http://127.0.0.1:$PP/__written" >"$TMPD/written"
node -e "
const fs=require('fs');
const items=fs.readFileSync('$TMPD/items','utf8').split('\n').filter(Boolean).map(l=>JSON.parse(l));
const written=JSON.parse(fs.readFileSync('$TMPD/written','utf8'));
const runs=[[$T1_0,$T1_1],[$T2_0,$T2_1]];
const W=300000, out={bad:[],note:[]};
const n=(a)=>a&&'N' in a?Number(a.N):NaN;
const by={};	// of -> run -> [items]
const sent=Object.values(written).filter(w=>w.key==='$SRC#rollup-5m').length;
for (const it of items) {
  const id=it.record_id.S, of=it.of.S, ts=Math.floor(Number(it.timestamp.N));
  const ws=n(it.window_start), we=n(it.window_end), ss=n(it.slot_start), se=n(it.slot_end);
  const at=(written[id]||{}).at, r=at<=runs[0][1]?0:1;
  const tag=of+' run '+(r+1)+' ['+ws+','+we+'] slot '+ss;
  if(!(it.partial&&it.partial.BOOL===true)) out.bad.push(tag+': partial '+JSON.stringify(it.partial));
  if(!(ss%W===0&&se===ss+W)) out.bad.push(tag+': slot '+ss+'..'+se);
  if(!(ss<=ws&&ws<=we&&we<=se)) out.bad.push(tag+': window not inside its slot');
  if(ts!==we) out.bad.push(tag+': timestamp '+ts+' != window_end');
  if(!(at>0)) out.bad.push(tag+': never seen at the proxy');
  else if(ts>at) out.bad.push(tag+': timestamp '+ts+' after it was written ('+at+', '+(ts-at)+' ms in the future)');
  if(!(ws>=runs[r][0]&&we<=runs[r][1])) out.bad.push(tag+': window outside its run '+runs[r].join('..'));
  ((by[of]=by[of]||[[],[]])[r]).push({ws,we,ss});
}
if(items.length!==sent) out.bad.push(sent+' rollups written, '+items.length+' read back');
for (const of of ['vm-metrics','process-metrics']) {
  const b=by[of]||[[],[]];
  if(!b[0].length||!b[1].length) { out.bad.push(of+': rollups of run 1/2: '+b[0].length+'/'+b[1].length); continue; }
  const end1=Math.max(...b[0].map(x=>x.we)), start2=Math.min(...b[1].map(x=>x.ws));
  if(end1>start2) out.bad.push(of+': run 1 ends at '+end1+' after run 2 begins at '+start2);
  const shared=b[0].filter(x=>b[1].some(y=>y.ss===x.ss)).length;
  if(shared) out.note.push(of+': both runs in slot '+b[0][0].ss);
  else out.note.push(of+': the runs straddled a slot boundary');
}
if(out.bad.length>6) out.bad=out.bad.slice(0,6).concat(['and '+(out.bad.length-6)+' more']);
console.log(JSON.stringify(out));
" >"$TMPD/verdict" 2>&1
bad=$(jqn 'j.bad.join("; ")' "$TMPD/verdict" 2>/dev/null || cat "$TMPD/verdict")
echo "# $(jqn 'j.note.join("; ")' "$TMPD/verdict" 2>/dev/null); $(wc -l <"$TMPD/items") rollup items; runs of $((T1_1 - T1_0)) and $((T2_1 - T2_0)) ms"
if [ -z "$bad" ] && [ "$(wc -l <"$TMPD/items")" -ge 4 ]; then ok dynamodb_rollup_partials_across_restart
else fail dynamodb_rollup_partials_across_restart "each rollup partial, inside its slot and run, stamped no later than written, both runs kept; got: ${bad:-$(cat "$TMPD/items" | head -3)}"; fi
finish
