# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# Abuse: 1,000 idle connections, clients that never read, malformed HTTP/1.1
# and HTTP/2, a 1 MB header, idle timeout, connection limit. After each the
# server answers other clients (tests/web/abuse.py does the talking).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/webtest.inc"
PY="python3 $TOP/tests/web/abuse.py"

# 1,000 connections come from one address here: lift the per-client cap
# (32 by default; tests/web/hostile.sh holds the server to it).
start_agent --web-max-conns-per-client 1100 || { fail web-start "webdemo did not become ready"; finish; }
for c in idle never-reads-h1 never-reads-h2 malformed-h1 header-1mb garbage-h2; do
	$PY $c "$AGENT_PORT" "$AGENT_PID" || tl_failed=1
done
stop_agent

start_agent --web-idle-timeout 2 || { fail web-start-idle "webdemo did not start"; finish; }
$PY idle-timeout "$AGENT_PORT" "$AGENT_PID" || tl_failed=1
stop_agent

start_agent --web-max-conns 20 || { fail web-start-max "webdemo did not start"; finish; }
$PY max-conns "$AGENT_PORT" "$AGENT_PID" || tl_failed=1
stop_agent
if [ "${AGENT_RC:-0}" = 0 ]; then ok clean-exit-after-abuse; else fail clean-exit-after-abuse "webdemo exited $AGENT_RC"; fi
finish
