# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# Hostile clients from the pod network, each against a fresh server with the
# options its attack was measured with (tests/web/hostile.py does the talking,
# with real HTTP/2 clients: Python h2, hpack, hyperframe):
#   body floods      16 connections x 128 streams x 60 KB POST bodies, with no
#                    token, the read token and the admin token: every stream
#                    answered, server RSS growth < 4 MiB (< 6 MiB when the
#                    bodies are admitted), body bytes held 0 (<= 4 MiB budget),
#                    refusals answered from HEADERS before any DATA, 8 streams
#                    until a request authenticates, 128 after
#   slot hogging     24 connections holding an open stream and PINGing every
#                    0.5 s against --web-max-conns 20 --web-idle-timeout 5:
#                    /healthz answers 3 of 3, every hog closed within 7 s;
#                    hogs that do not come back: closed by the idle sweep at 5 s
#   slowloris        --web-request-timeout 3: a head trickling 1 byte per 0.5 s
#                    (408, close), an HTTP/2 header block in 1-byte
#                    CONTINUATION frames, one a second (session closed), a
#                    trickling body (408)
#   CSRF/rebinding   text/plain, form and foreign-Origin POSTs refused, filters
#                    unchanged; Host: evil.example refused for reads and writes
#   roles            read token reads but cannot POST (403), admin can; no token
#                    in the query is accepted; the change is logged with the
#                    client address and the filters before -> after
#   HTTP/1.1 head    a 16 KB head sent 1 byte at a time: searched at most 4
#                    times a byte, < 250 ms of server CPU
#   client cap       --web-max-conns-per-client 4: another address is served,
#                    the capped one still gets its probes
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/webtest.inc"

# Debian's python3-h2 lives in the system interpreter (a pyenv shim may come
# first in PATH).
PY=
for p in python3 /usr/bin/python3; do
	if "$p" -c 'import h2, hpack, hyperframe' 2>/dev/null; then PY=$p; break; fi
done
if [ -z "$PY" ]; then
	fail hostile-setup "python3-h2 missing (scripts/setup.sh test installs it)"; finish
fi
H="$PY $TOP/tests/web/hostile.py"
# Under ASan (tests/run asan-e2e) RSS is not judged, the rest is.
if ldd "$HOSTLENS" 2>/dev/null | grep -q libasan; then export HOSTILE_SANITIZED=1; fi
RT=read-t0ken-$$
AT=admin-t0ken-$$

run() { # CASE TOKEN ADMIN -- server options...
	c=$1 t=$2 a=$3; shift 4
	start_agent "$@" || { fail "hostile-start-$c" "webdemo did not start with $*"; return; }
	$H "$c" "$AGENT_PORT" "$AGENT_PID" "$t" "$a" || tl_failed=1
	stop_agent
	if [ "${AGENT_RC:-1}" = 0 ] && ! grep -q Sanitizer "$TMPD/agent.log"; then ok "hostile-$c-server-clean-exit"
	else fail "hostile-$c-server-clean-exit" "exit $AGENT_RC: $(grep -m1 Sanitizer "$TMPD/agent.log")"; fi
	cp "$TMPD/agent.log" "$TMPD/agent-$c.log"
}

run flood-anonymous "$RT" "$AT" -- --auth-token "$RT" --admin-token "$AT"
run flood-read-token "$RT" "$AT" -- --auth-token "$RT" --admin-token "$AT"
run flood-admin-token "$RT" "$AT" -- --auth-token "$RT" --admin-token "$AT"
run slot-hog "" "" -- --web-max-conns 20 --web-idle-timeout 5
run slot-hog-idle "" "" -- --web-max-conns 20 --web-idle-timeout 5
run slowloris "" "" -- --web-request-timeout 3
run csrf "" "" --
run roles "$RT" "$AT" -- --auth-token "$RT" --admin-token "$AT"
# The change was logged: who (address:port), how (admin token), before -> after.
line=$(grep 'capture filters changed by' "$TMPD/agent-roles.log" | tail -1)
case $line in
*"changed by 127.0.0.1:"*"(admin token): "*'"pids":[]'*" -> "*'"pids":[2]'*) ok roles-change-logged-with-client-and-diff ;;
*) fail roles-change-logged-with-client-and-diff "a line 'capture filters changed by 127.0.0.1:PORT (admin token): {before} -> {after}'; got '$line'" ;;
esac
if grep -q "$AT\|$RT" "$TMPD/agent-roles.log"; then fail roles-tokens-not-logged "a token appears in the log"
else ok roles-tokens-not-logged; fi
run h1-incremental "" "" --
run client-cap "" "" -- --web-max-conns-per-client 4
finish
