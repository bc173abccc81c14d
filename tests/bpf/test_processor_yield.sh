#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# The processor thread yields to the host's threads (SCHED_IDLE) while it
# keeps up, and is taken back to SCHED_BATCH by the drain when the host has
# no idle CPU for it: a request made while every CPU is busy with normal
# threads (four spinning shells per CPU), while requests keep coming,
# still reaches the RED metrics (routes topic) within 2 s, the raise is
# counted (stats processor.raised_total), and the
# processor yields again once the host is idle (after the raise's hold, 5 s).
# With no events at all, a busy host's overdue tick takes it back too.
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

# idle_again SECS : waits until hl-processor is SCHED_IDLE (the start-up of
# this test's own processes may keep the CPUs busy long enough for a raise)
is_idle() { [ "$(policy hl-processor)" = SCHED_IDLE ]; }
idle_again() {
	wait_for "$1" is_idle
	sleep 1.2 # the stats topic: the next tick
}

get /yield/idle
hl_wait 5 "any(r['path']=='/yield/idle' for r in R)"
idle_again 12
hl_case processor_yields_at_rest "
if '$(policy hl-processor)' != 'SCHED_IDLE': print('hl-processor policy $(policy hl-processor), want SCHED_IDLE')
p=(T('stats') or {}).get('processor') or {}
if p.get('yielding') != 1: print('stats processor: %s'%p)
if not any(r['path']=='/yield/idle' for r in R): print('request at rest missing')
"

# the marker request in the RED metrics (the routes topic: the live feed's
# recent requests roll over under the load below)
BUSY_ROUTE="busy=[x for x in T('routes') or [] if x['route']=='/yield/busy' and x['direction']=='inbound']"
busy_seen() { [ -z "$(hl_py "$BUSY_ROUTE
if not busy: print('no')")" ]; }

# spin: every CPU busy, four normal-priority spinning shells each ($SPIN)
spin() {
	SPIN=
	for i in $(seq 1 $(($(nproc) * 4))); do
		sh -c 'while :; do :; done' &
		SPIN="$SPIN $!"
	done
	on_exit "kill $SPIN 2>/dev/null"
}

# every CPU busy
RAISED0=$(stat_py "print(p.get('raised_total', 0))")
spin
# and events coming all along (the drain kicks the processor each round)
curl -s -o /dev/null "http://127.0.0.1:$A_PORT/yield/load/[1-100000]" &
LOAD=$!
on_exit "kill $LOAD 2>/dev/null"
sleep 2
get /yield/busy
T0=$(date +%s%N)
wait_for 10 busy_seen
T1=$(date +%s%N)
POL=$(policy hl-processor)
kill $SPIN $LOAD 2>/dev/null
wait $SPIN $LOAD 2>/dev/null
ms=$(((T1 - T0) / 1000000))
echo "# request made on the busy host seen in the topic after $ms ms"
hl_case processor_raised_when_host_busy "
if '$POL' != 'SCHED_BATCH': print('hl-processor policy under load $POL, want SCHED_BATCH')
p=(T('stats') or {}).get('processor') or {}
if not p.get('raised_total', 0) > $RAISED0: print('stats processor: %s, raised_total $RAISED0 before'%p)
$BUSY_ROUTE
if not busy: print('request made while the host was busy never reached the routes topic')
elif $ms > 2000: print('request made while the host was busy took $ms ms to reach the routes topic (want <= 2000)')
"

# idle again: back to SCHED_IDLE once the hold has passed
idle_again 25
hl_case processor_yields_again_when_idle "
if '$(policy hl-processor)' != 'SCHED_IDLE': print('hl-processor policy after the load $(policy hl-processor), want SCHED_IDLE')
p=(T('stats') or {}).get('processor') or {}
if p.get('yielding') != 1: print('stats processor: %s'%p)
"

# a busy host and no events at all: the once-a-second tick (metrics, alert
# rules, the stats topic) still comes; an overdue tick is lateness too
up() { hl_py "print((T('stats') or {}).get('uptime_s', 0))"; }
RAISED1=$(stat_py "print(p.get('raised_total', 0))")
U0=$(up)
spin
sleep 4
U1=$(up)
RAISED=$(stat_py "print(p.get('raised_total', 0))")
kill $SPIN 2>/dev/null
wait $SPIN 2>/dev/null
hl_case processor_ticks_when_host_busy "
if not $U1 - $U0 >= 2.5: print('stats topic uptime went $U0 -> $U1 in 4 s of a busy host with no events (ticks late)')
if not $RAISED > $RAISED1: print('raised_total $RAISED1 -> $RAISED over a busy spell with no events')
"
finish
