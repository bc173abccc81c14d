# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# Shared helpers for shell tests. Every case prints "ok NAME", "FAIL NAME: why"
# or "skip NAME: why"; tests/run counts them. Source this file.
TOP=$(cd "$(dirname "$0")/../.." 2>/dev/null && pwd)
[ -f "$TOP/Makefile" ] || TOP=$(pwd)
HOSTLENS=${HOSTLENS_BIN:-$TOP/build/hostlens}
BUILD=${HOSTLENS_BUILD:-$TOP/build}
TMPD=$(mktemp -d /tmp/hostlens-test.XXXXXX)
AGENT_PID=
_cleanup_hooks=
tl_failed=0

ok() { echo "ok $1"; }
fail() { echo "FAIL $1: $2"; tl_failed=1; }
# Under CI a test that needs root or BPF may not skip: the machine has both.
skip() {
	if [ "${CI:-}" = true ] && [ "${SKIP_OK_IN_CI:-0}" != 1 ]; then
		echo "FAIL $1: skipped under CI: $2"; tl_failed=1
	else
		echo "skip $1: $2"
	fi
}
# check NAME CONDITION-COMMAND... : ok when the command succeeds
check() { name=$1; shift; if "$@"; then ok "$name"; else fail "$name" "$*"; fi; }

on_exit() { _cleanup_hooks="$1; $_cleanup_hooks"; }
_run_cleanup() {
	eval "$_cleanup_hooks"
	stop_agent
	rm -rf "$TMPD"
}
trap _run_cleanup EXIT

need_root() {
	[ "$(id -u)" = 0 ] || { skip "$1" "needs root"; return 1; }
	[ -r /sys/kernel/btf/vmlinux ] || { skip "$1" "no BTF"; return 1; }
	return 0
}

# start_agent ARGS... : runs the agent in the background, output in $TMPD/agent.log,
# waits until /readyz answers (or the agent exits). Sets AGENT_PID.
AGENT_PORT=${AGENT_PORT:-$((19000 + $$ % 1000))}
start_agent() {
	"$HOSTLENS" --listen "127.0.0.1:$AGENT_PORT" --data-dir "$TMPD/data" --summary off "$@" \
		>"$TMPD/agent.log" 2>&1 &
	AGENT_PID=$!
	i=0
	while [ $i -lt 100 ]; do
		if ! kill -0 "$AGENT_PID" 2>/dev/null; then
			echo "agent exited early:" >&2; tail -20 "$TMPD/agent.log" >&2
			AGENT_PID=; return 1
		fi
		if curl -sf "http://127.0.0.1:$AGENT_PORT/readyz" >/dev/null 2>&1; then return 0; fi
		if grep -q "hostlens: ready" "$TMPD/agent.log" 2>/dev/null; then return 0; fi
		sleep 0.1; i=$((i + 1))
	done
	echo "agent not ready after 10 s" >&2; tail -20 "$TMPD/agent.log" >&2
	return 1
}

# stop_agent: SIGTERM, wait up to 5 s; sets AGENT_RC.
stop_agent() {
	[ -n "$AGENT_PID" ] || return 0
	kill -TERM "$AGENT_PID" 2>/dev/null
	i=0
	while kill -0 "$AGENT_PID" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	if kill -0 "$AGENT_PID" 2>/dev/null; then kill -KILL "$AGENT_PID"; fi
	wait "$AGENT_PID" 2>/dev/null; AGENT_RC=$?
	AGENT_PID=
}

api() { curl -sf "http://127.0.0.1:$AGENT_PORT$1"; }

# wait_for SECONDS COMMAND... : polls until the command succeeds.
wait_for() {
	t=$1; shift; i=0
	while [ $i -lt $((t * 10)) ]; do "$@" && return 0; sleep 0.1; i=$((i + 1)); done
	return 1
}

# listen_port PID : the TCP port PID listens on at 127.0.0.1, once it does
# (polled up to 10 s: a cold python3 takes a while to bind); empty if never.
listen_port() {
	i=0; while [ $i -lt 100 ]; do
		p=$(ss -ltnpH 2>/dev/null | grep "pid=$1," | sed -n 's/.*127\.0\.0\.1:\([0-9]*\) .*/\1/p' | head -1)
		[ -n "$p" ] && { echo "$p"; return 0; }
		sleep 0.1; i=$((i + 1))
	done
	return 1
}

finish() { exit $tl_failed; }
