# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# The agent process as a user runs it: starts, mounts tracefs when it is
# missing, stops cleanly within 2 s on SIGTERM and SIGINT, drains at low rates
# with bounded delay.
. "$(dirname "$0")/../lib.sh"
need_root agent_lifecycle || finish

stop_within() { # name signal max_ms
	t0=$(date +%s%N)
	kill -"$2" "$AGENT_PID"
	wait "$AGENT_PID"; rc=$?
	t1=$(date +%s%N)
	AGENT_PID=
	ms=$(( (t1 - t0) / 1000000 ))
	if [ $rc = 0 ] && [ $ms -le "$3" ]; then ok "$1"; else fail "$1" "expected exit 0 within $3 ms, got rc=$rc after $ms ms"; fi
}

if start_agent --signals cpu; then
	sleep 1.5
	stop_within agent_sigterm_clean_stop TERM 2000
else
	fail agent_sigterm_clean_stop "agent did not start"
fi

if start_agent --signals cpu; then
	sleep 1
	stop_within agent_sigint_clean_stop INT 2000
else
	fail agent_sigint_clean_stop "agent did not start"
fi

# tracefs not mounted: in a private mount namespace without it, the agent mounts it
if command -v unshare >/dev/null; then
	out=$(unshare -m --propagation private sh -c "
		umount /sys/kernel/tracing 2>/dev/null; umount /sys/kernel/debug/tracing 2>/dev/null
		if [ -d /sys/kernel/tracing/events ]; then echo STILL_MOUNTED; exit 0; fi
		timeout --preserve-status -s TERM 3 '$HOSTLENS' --signals cpu --summary off --data-dir '$TMPD/d2' --listen 127.0.0.1:$((AGENT_PORT + 1)) 2>&1
		echo rc=\$?" 2>&1)
	if echo "$out" | grep -q STILL_MOUNTED; then
		skip agent_mounts_tracefs "tracefs could not be unmounted in a private namespace"
	elif echo "$out" | grep -q "mounted tracefs at /sys/kernel/tracing" && echo "$out" | grep -q "hostlens: ready" \
		&& echo "$out" | grep -q "rc=0"; then
		ok agent_mounts_tracefs
	else
		fail agent_mounts_tracefs "expected the agent to mount tracefs, start and stop cleanly: $out"
	fi
fi

# a tracepoint missing on this kernel: that signal is off with a warning, the
# rest runs (a tracefs copy without sock/inet_sock_set_state)
FAKE=$TMPD/tracefs
for d in /sys/kernel/tracing/events/*/*/; do
	d=${d%/}; rel=${d#/sys/kernel/tracing/}
	case $rel in events/sock/inet_sock_set_state) continue ;; esac
	mkdir -p "$FAKE/$rel"
done
HOSTLENS_TRACEFS=$FAKE start_agent --signals cpu,disk,net
wait_for 5 api /api/v1/stats >/dev/null
st=$(api /api/v1/stats | python3 -c "import json,sys; s=json.load(sys.stdin)['signals']; print(s['cpu'] + '|' + s['disk'] + '|' + s['net'])")
stop_agent
case $st in
"on|on|off: tracepoint inet_sock_set_state is missing on this kernel")
	if grep -q "warning: signal net: tracepoint inet_sock_set_state is missing" "$TMPD/agent.log"; then
		ok agent_missing_tracepoint_turns_signal_off
	else fail agent_missing_tracepoint_turns_signal_off "no warning in the log: $(head -3 "$TMPD/agent.log")"; fi ;;
*) fail agent_missing_tracepoint_turns_signal_off "expected cpu and disk on, net off naming the tracepoint; got '$st'" ;;
esac

# no syscall tracepoint: one of them puts every syscall of every process on
# the slow path, a host-wide cost no signal is worth
if start_agent; then
	sc=$(bpftool perf show -j 2>/dev/null | python3 -c "
import json, sys
print(' '.join(e.get('tracepoint', '') for e in json.load(sys.stdin)
               if e.get('pid') == $AGENT_PID and e.get('tracepoint', '').startswith(('sys_enter', 'sys_exit'))))")
	n=$(bpftool perf show -j 2>/dev/null | python3 -c "import json,sys; print(sum(1 for e in json.load(sys.stdin) if e.get('pid') == $AGENT_PID))")
	stop_agent
	if [ -z "$sc" ] && [ "$n" -gt 10 ]; then ok agent_attaches_no_syscall_tracepoint
	else fail agent_attaches_no_syscall_tracepoint "expected >10 attachments and none on syscalls, got $n with '$sc'"; fi
fi

# low event rate: the drain's timer bounds the delay (no wake-up per event)
HLRUN=$BUILD/tests/helpers/hlrun
D=$TMPD/state; mkdir -p "$D"
"$HLRUN" "$D" --summary off --signals cpu >"$TMPD/hlrun.log" 2>&1 &
HL=$!
on_exit "kill $HL 2>/dev/null"
wait_for 10 test -f "$D/ready" || fail drain_delay_bounded "hlrun did not start"
sleep 1.5
maxd=0
for i in 1 2 3 4; do
	/bin/true; sleep 0.3; /bin/true
	sleep 0.7
	d=$(python3 -c "import json; print(json.load(open('$D/stats.json'))['drain_delay_ms'])")
	maxd=$(python3 -c "print(max($maxd, $d))")
done
kill -TERM $HL; wait $HL
# the default --drain-poll-ms is 100: that, plus 50 ms of scheduling slack
if python3 -c "import sys; sys.exit(0 if $maxd <= 150 else 1)"; then ok drain_delay_bounded
else fail drain_delay_bounded "expected events drained within 150 ms at a low rate (100 ms drain timer), worst second saw $maxd ms"; fi
finish
