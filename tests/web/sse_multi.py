# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# Two live streams and a normal request on one HTTP/2 connection (python3-h2:
# curl 7.88 holds a transfer back until a multiplexed one ends, so it never
# has two endless streams open at once). Prints
# "STREAM1_EVENTS STREAM2_EVENTS SUMMARY_STATUS SUMMARY_HAS_HOSTNAME".
# Usage: sse_multi.py PORT SECONDS
import socket, sys, time

import h2.config, h2.connection, h2.events

port, secs = int(sys.argv[1]), float(sys.argv[2])
sock = socket.create_connection(("127.0.0.1", port), timeout=1)
conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
conn.initiate_connection()
streams = {}
for path in ("/api/v1/stream", "/api/v1/stream", "/api/v1/summary"):
    sid = conn.get_next_available_stream_id()
    conn.send_headers(sid, [(":method", "GET"), (":path", path), (":scheme", "http"),
                            (":authority", "127.0.0.1:%d" % port)], end_stream=True)
    streams[sid] = {"status": "", "body": b""}
sock.sendall(conn.data_to_send())
end = time.monotonic() + secs
while time.monotonic() < end:
    try:
        data = sock.recv(65536)
    except socket.timeout:
        continue
    if not data:
        break
    for ev in conn.receive_data(data):
        if isinstance(ev, h2.events.ResponseReceived):
            streams[ev.stream_id]["status"] = dict(ev.headers).get(b":status", b"").decode()
        elif isinstance(ev, h2.events.DataReceived):
            streams[ev.stream_id]["body"] += ev.data
            conn.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
    sock.sendall(conn.data_to_send())
s1, s2, s3 = (streams[k] for k in sorted(streams))
print(s1["body"].count(b"\ndata: {") + s1["body"].startswith(b"data: {"),
      s2["body"].count(b"\ndata: {") + s2["body"].startswith(b"data: {"),
      s3["status"] or "none", int(b'"hostname"' in s3["body"]))
