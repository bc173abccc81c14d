# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# HTTP/1.1 request bodies that arrive in a later read than the head (a
# client that writes headers and body separately, or a slow link) get the
# same answer as a request sent in one write. Found by tests/fuzz/fuzz_webreq.c:
# the head used to be parsed in place, so the second read saw a mangled head
# and the request was never answered.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/webtest.inc"
start_agent || { fail web-start "webdemo did not become ready"; finish; }
post() { # SPLIT(0|1) -> status code or "none"
	python3 - "$AGENT_PORT" "$1" <<'PY'
import socket, sys, time
port, split = int(sys.argv[1]), sys.argv[2] == "1"
body = b'{"pids":[1]}'
# A state change: the listen address as Host, a JSON body (the gate's rules).
head = (b"POST /api/v1/filters HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\n\r\n" % (port, len(body)))
s = socket.create_connection(("127.0.0.1", port), timeout=3)
if split:
    s.sendall(head); time.sleep(0.3); s.sendall(body[:5]); time.sleep(0.2); s.sendall(body[5:])
else:
    s.sendall(head + body)
try:
    r = s.recv(4096)
    print(r.split(b" ")[1].decode() if r.startswith(b"HTTP/1.1 ") else "none")
except socket.timeout:
    print("none")
PY
}
one=$(post 0)
split=$(post 1)
if [ "$one" != none ] && [ "$split" = "$one" ]; then ok h1-body-in-later-read-answered
else fail h1-body-in-later-read-answered "the same status as one write ($one), got $split"; fi
web_done
