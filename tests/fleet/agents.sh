#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# Three real agents (root: cpu signal, 1 s flushes, dynamodb sink) with
# different --source names write to one dynalite table; `hostlens fleet`
# lists the three while they run, with the link to each agent's dashboard
# (--public-url, through the sink's registry item); once they have stopped
# (each writes its last records and registry item at SIGTERM) the fleet
# shows for each host exactly the newest vm-metrics item of its partition.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/fleet.lib"
need_root fleet_agents || finish
fleet_dynalite fleet_agents fleet-agents
pids=
for s in a b c; do
	p=$(free_port)
	mkdir -p "$TMPD/$s"
	AWS_ENDPOINT_URL_DYNAMODB=$DDB "$HOSTLENS" --listen "127.0.0.1:$p" --data-dir "$TMPD/$s" --summary off \
		--signals cpu --flush-interval 1 --sink dynamodb --dynamodb-table fleet-agents \
		--source "agent-$s" --public-url "http://127.0.0.1:$p" >"$TMPD/agent-$s.log" 2>&1 &
	pids="$pids $!"; bg_track $!
	echo "$p" >"$TMPD/$s.port"
done
AWS_ENDPOINT_URL_DYNAMODB=$DDB "$HOSTLENS" fleet --listen "127.0.0.1:$WP" --dynamodb-table fleet-agents \
	--fleet-refresh 1 >"$TMPD/fleet.log" 2>&1 &
FLEET=$!; bg_track $FLEET
hosts_is() { curl -sf "http://127.0.0.1:$WP/api/v1/fleet/hosts" >"$TMPD/h.json" && [ "$(jqn "$1" "$TMPD/h.json")" = true ]; }
want_links="$(for s in a b c; do printf 'agent-%s http://127.0.0.1:%s,' $s "$(cat "$TMPD/$s.port")"; done)"
if wait_for 30 hosts_is "j.hosts.length===3 && j.hosts.every(h=>h.vm && typeof h.vm.cpu_usage_pct==='number' && !h.stale)"; then
	ok fleet_three_real_agents_listed
else fail fleet_three_real_agents_listed "$(head -c 600 "$TMPD/h.json"; tail -2 "$TMPD"/agent-*.log)"; fi
check fleet_agent_links [ "$(jqn 'j.hosts.map(h=>h.source+" "+h.address).join(",")+","' "$TMPD/h.json")" = "$want_links" ]
for p in $pids; do kill "$p" 2>/dev/null; done
for p in $pids; do wait "$p" 2>/dev/null; done
sleep 3	# two refreshes after the last registry items
curl -sf "http://127.0.0.1:$WP/api/v1/fleet/hosts" >"$TMPD/h.json"
bad=
for s in a b c; do
	$AWS_TOOL query "$DDB" fleet-agents "agent-$s#vm-metrics" >"$TMPD/$s.items"
	got=$(jqn "(h=>h&&h.vm?h.vm.timestamp+' '+h.vm.cpu_usage_pct+' '+h.vm.memory_used_pct:'none')(j.hosts.find(h=>h.source==='agent-$s'))" "$TMPD/h.json")
	want=$(node -e "
const items=require('fs').readFileSync('$TMPD/$s.items','utf8').split('\n').filter(Boolean).map(JSON.parse);
items.sort((x,y)=>Number(x.timestamp.N)-Number(y.timestamp.N));
const n=items.pop(); console.log(Math.floor(Number(n.timestamp.N))+' '+Number(n.cpu_usage_pct.N)+' '+Number(n.memory_used_pct.N));")
	[ "$got" = "$want" ] || bad="$bad agent-$s: fleet '$got', table '$want';"
done
if [ -z "$bad" ]; then ok fleet_real_agents_newest_values
else fail fleet_real_agents_newest_values "$bad"; fi
finish
