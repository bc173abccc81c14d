# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# Sequential client of tests/helpers/bd_server: one connection per request;
# writes [{path, status, cost_ms, wait_ms, cpu_ms, wall_ms}] (from X-Cost-Ms,
# X-Wait-Ms, X-Cpu-Ms).
#   bd_client.py PORT OUT.json PATH...
import json
import socket
import sys
import time

port, out, paths = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
res = []
for p in paths:
    t0 = time.monotonic()
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(("GET %s HTTP/1.1\r\nHost: bd\r\nUser-Agent: bd-client\r\nConnection: close\r\n\r\n" % p).encode())
    data = b""
    while True:
        b = s.recv(4096)
        if not b:
            break
        data += b
    s.close()
    head = data.split(b"\r\n\r\n", 1)[0].decode()
    lines = head.split("\r\n")
    cost = None
    wait = 0.0
    cpu = 0.0
    for ln in lines[1:]:
        k, _, v = ln.partition(":")
        if k.lower() == "x-cost-ms":
            cost = float(v)
        if k.lower() == "x-wait-ms":
            wait = float(v)
        if k.lower() == "x-cpu-ms":
            cpu = float(v)
    res.append({"path": p, "status": int(lines[0].split()[1]), "cost_ms": cost, "wait_ms": wait, "cpu_ms": cpu,
                "wall_ms": (time.monotonic() - t0) * 1e3})
    time.sleep(0.05)
json.dump(res, open(out, "w"))
