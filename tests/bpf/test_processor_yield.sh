#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# The processor thread yields to the host's threads (SCHED_IDLE) while it
# keeps up, and is taken back to SCHED_BATCH by the drain when the host has
# no idle CPU for it: a request made while every CPU is busy with normal
# threads (four spinning shells per CPU), while requests keep coming,
# still reaches the requests topic
# within 2 s, the raise is counted (stats processor.raised_total), and the
# processor yields again once the host is idle (after the raise's hold, 5 s).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/http_lib.inc"

need_root processor_yield || finish
py_server A || { fail processor_yield "server A did not start"; finish; }
hl_start || { fail processor_yield "hlrun did not start"; finish; }

# policy NAME : the scheduling policy of hlrun's thread NAME (chrt's word)
policy() {
	for t in /proc/"$HL_PID"/task/*; do
		[ "$(cat "$t/comm" 2>/dev/null)" = "$1" ] || continue
		chrt -p "${t##*/}" | sed -n '1s/.*: //p'
	done
}
stat_py() { hl_py "s=T('stats') or {}; p=s.get('processor') or {}; $1"; }
get() { "$PY" "$HTTP_TESTS/http_client.py" "$A_PORT" "$TMPD/c.json" "$@"; }

get /yield/idle
hl_wait 5 "any(r['path']=='/yield/idle' for r in R)"
sleep 0.5
hl_case processor_yields_at_rest "
import subprocess
if '$(policy hl-processor)' != 'SCHED_IDLE': print('hl-processor policy $(policy hl-processor), want SCHED_IDLE')
p=(T('stats') or {}).get('processor') or {}
if p.get('yielding') != 1 or p.get('raised_total') != 0: print('stats processor: %s'%p)
if not any(r['path']=='/yield/idle' for r in R): print('request at rest missing')
"

# every CPU busy: four normal-priority spinners each
N=$(($(nproc) * 4))
SPIN=
for i in $(seq 1 "$N"); do
	sh -c 'while :; do :; done' &
	SPIN="$SPIN $!"
done
on_exit "kill $SPIN 2>/dev/null"
# and events coming all along (the drain kicks the processor each round)
curl -s -o /dev/null "http://127.0.0.1:$A_PORT/yield/load/[1-100000]" &
LOAD=$!
on_exit "kill $LOAD 2>/dev/null"
sleep 2
get /yield/busy
T0=$(date +%s%N)
hl_wait 10 "any(r['path']=='/yield/busy' for r in R)"
T1=$(date +%s%N)
POL=$(policy hl-processor)
kill $SPIN $LOAD 2>/dev/null
wait $SPIN $LOAD 2>/dev/null
ms=$(((T1 - T0) / 1000000))
echo "# request made on the busy host seen in the topic after $ms ms"
hl_case processor_raised_when_host_busy "
if '$POL' != 'SCHED_BATCH': print('hl-processor policy under load $POL, want SCHED_BATCH')
p=(T('stats') or {}).get('processor') or {}
if not p.get('raised_total', 0) >= 1: print('stats processor: %s'%p)
if not any(r['path']=='/yield/busy' for r in R): print('request made while the host was busy never reached the requests topic')
elif $ms > 2000: print('request made while the host was busy took $ms ms to reach the requests topic (want <= 2000)')
"

# idle again: back to SCHED_IDLE once the hold has passed
wait_for 12 sh -c "[ \"\$(for t in /proc/$HL_PID/task/*; do [ \"\$(cat \$t/comm)\" = hl-processor ] && chrt -p \${t##*/} | sed -n '1s/.*: //p'; done)\" = SCHED_IDLE ]"
sleep 1.2
hl_case processor_yields_again_when_idle "
if '$(policy hl-processor)' != 'SCHED_IDLE': print('hl-processor policy after the load $(policy hl-processor), want SCHED_IDLE')
p=(T('stats') or {}).get('processor') or {}
if p.get('yielding') != 1: print('stats processor: %s'%p)
"
finish
