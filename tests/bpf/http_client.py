# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
"""Raw HTTP/1.1 keep-alive client for tests/bpf/test_http*.sh: sends each
request on ONE connection and records the exact bytes sent and received, so
the agent's byte counts can be checked exactly.

  python3 http_client.py PORT OUT.json [--tls] [--hold S] [METHOD:]PATH ...

--hold S: after the last response, write OUT.json and keep the connection
open, idle, for S seconds before closing it.

OUT.json: [{"method","path","status","sent","received"}]
"""
import json
import socket
import time
import ssl
import sys


def read_response(sock, method):
    buf = b""
    while b"\r\n\r\n" not in buf:
        d = sock.recv(65536)
        if not d:
            raise EOFError("closed in head")
        buf += d
    head, _, rest = buf.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split()[1])
    hdrs = {}
    for l in lines[1:]:
        k, _, v = l.partition(b":")
        hdrs[k.strip().lower()] = v.strip()
    total = len(head) + 4
    if method == "HEAD":
        return status, total, rest
    if b"content-length" in hdrs:
        n = int(hdrs[b"content-length"])
        while len(rest) < n:
            d = sock.recv(65536)
            if not d:
                raise EOFError("closed in body")
            rest += d
        return status, total + n, rest[n:]
    if hdrs.get(b"connection") == b"close" and b"transfer-encoding" not in hdrs:
        while True:
            d = sock.recv(65536)
            if not d:
                break
            rest += d
        return status, total + len(rest), b""
    # chunked: read until the last chunk
    while not rest.endswith(b"0\r\n\r\n"):
        d = sock.recv(65536)
        if not d:
            raise EOFError("closed in chunks")
        rest += d
    return status, total + len(rest), b""


def main():
    port = int(sys.argv[1])
    out = sys.argv[2]
    args = sys.argv[3:]
    tls = "--tls" in args
    args = [a for a in args if a != "--tls"]
    hold = 0.0
    if "--hold" in args:
        i = args.index("--hold")
        hold = float(args[i + 1])
        del args[i:i + 2]
    sock = socket.create_connection(("127.0.0.1", port))
    if tls:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        sock = ctx.wrap_socket(sock)
    res = []
    for a in args:
        method, path = a.split(":", 1) if ":" in a else ("GET", a)
        body = b"b" * 300 if method == "POST" else b""
        req = ("%s %s HTTP/1.1\r\nHost: test.local\r\nUser-Agent: hl-test/1.0\r\n"
               "Referer: https://www.google.com/search\r\n"
               "Content-Length: %d\r\n\r\n" % (method, path, len(body))).encode() + body
        if method in ("GET", "HEAD"):
            req = ("%s %s HTTP/1.1\r\nHost: test.local\r\nUser-Agent: hl-test/1.0\r\n\r\n"
                   % (method, path)).encode()
        t0 = time.monotonic()
        sock.sendall(req)
        status, received, extra = read_response(sock, method)
        rtt_ms = (time.monotonic() - t0) * 1000
        assert not extra, "unexpected extra bytes"
        res.append({"method": method, "path": path, "status": status,
                    "sent": len(req), "received": received, "rtt_ms": rtt_ms})
    if hold:
        with open(out + ".tmp", "w") as f:
            json.dump(res, f)
        import os
        os.rename(out + ".tmp", out)
        time.sleep(hold)
    sock.close()
    with open(out, "w") as f:
        json.dump(res, f)


if __name__ == "__main__":
    main()
