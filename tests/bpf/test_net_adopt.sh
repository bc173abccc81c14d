#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# Connections open before the agent started (bpf/net/net.bpf.h net_adopt,
# one walk of the host's TCP sockets at start): 20 idle loopback pairs (40
# sockets) that move no byte while the agent runs are in the open count
# from its first ticks, and leave it when they close. Without the walk they
# would be in neither: nothing about them passes a hook until their close.
. "$(dirname "$0")/../lib.sh"

K=20
HLRUN=$BUILD/tests/helpers/hlrun
OUT=$TMPD/out

need_root net_adopt || finish
command -v python3 >/dev/null || { skip net_adopt "python3 is not installed (scripts/setup.sh test)"; finish; }

# K connected pairs on loopback, held until $TMPD/close appears, then closed
python3 - "$K" "$TMPD" >"$TMPD/holder.log" 2>&1 <<'PY' &
import os, socket, sys, time
k, d = int(sys.argv[1]), sys.argv[2]
ls = socket.socket(); ls.bind(("127.0.0.1", 0)); ls.listen(k)
cs = [socket.create_connection(ls.getsockname()) for _ in range(k)]
ss = [ls.accept()[0] for _ in range(k)]
ls.close()
open(d + "/held", "w").close()
while not os.path.exists(d + "/close"):
    time.sleep(0.05)
for s in cs + ss:
    s.close()
open(d + "/closed", "w").close()
time.sleep(30)
PY
HOLDER=$!
on_exit "kill $HOLDER 2>/dev/null"
wait_for 10 test -f "$TMPD/held" || { fail net_adopt_setup "the holder did not connect: $(cat "$TMPD/holder.log")"; finish; }

mkdir -p "$OUT"
"$HLRUN" "$OUT" --signals net --data-dir "$OUT" --log-level warn >"$TMPD/hlrun.log" 2>&1 &
AGENT_PID=$!
on_exit "kill $AGENT_PID 2>/dev/null"
wait_for 15 test -f "$OUT/ready" || { fail net_adopt_start "hlrun not ready in 15 s: $(tail -3 "$TMPD/hlrun.log")"; finish; }
active() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["connections_active"])' "$OUT/connections.json" 2>/dev/null; }
sleep 2.2 # two ticks
A1=$(active)
touch "$TMPD/close"
wait_for 10 test -f "$TMPD/closed" || fail net_adopt_close "the holder did not close its sockets"
sleep 2.2
A2=$(active)
# established TCP sockets on the host now (the 40 are gone): the open count
# covers them too, adopted or seen opening
E2=$(ss -tnH state established 2>/dev/null | wc -l)
stop_agent
echo "# open count with the $K pairs held: $A1; after they closed: $A2; established now (ss): $E2"
if [ -n "$A1" ] && [ "$A1" -ge $((2 * K)) ]; then
	ok net_adopt_counted
else
	fail net_adopt_counted "expected the open count to hold the $((2 * K)) sockets open before the start, got ${A1:-none}"
fi
# the host's other sockets may come and go meanwhile: a margin of 6
if [ -n "$A2" ] && [ $((A1 - A2)) -ge $((2 * K - 6)) ] && [ $((A1 - A2)) -le $((2 * K + 6)) ]; then
	ok net_adopt_left_at_close
else
	fail net_adopt_left_at_close "expected the open count to fall by $((2 * K)) (+-6) when they closed, got $A1 -> ${A2:-none}"
fi
check net_adopt_agent_clean_exit [ "$AGENT_RC" = 0 ]
finish
