# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
"""Test server for tests/bpf/test_http*.sh: known delay, status and body size
per route, so the agent's numbers can be checked against the truth.

  python3 http_delay_server.py PORTFILE [--http10] [--tls CERT KEY]

Routes (delay ms, status, body bytes):
  /api/fast          0   200  100
  /api/users/<n>     50  200  1000
  /api/slow          200 200  5000
  /api/missing       0   404  (python's error page)
  /api/error         50  500  (python's error page)
  /api/chunked       50  200  chunked, 3 chunks of 1000 bytes
  /api/noclen        50  200  2000 bytes, no Content-Length: ends at close
  /api/corked        150 200  300, written behind TCP_CORK and held by the
                              kernel 100 ms more (uncorked at 250 ms)
"""
import http.server
import socket
import socketserver
import ssl
import sys
import time


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def body(self, delay_ms, status, size):
        time.sleep(delay_ms / 1000.0)
        data = b"x" * size
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def do_GET(self):
        p = self.path.split("?")[0]
        if p == "/api/fast":
            self.body(0, 200, 100)
        elif p.startswith("/api/users/"):
            self.body(50, 200, 1000)
        elif p == "/api/slow":
            self.body(200, 200, 5000)
        elif p == "/api/error":
            time.sleep(0.05)
            self.send_error(500)
        elif p == "/api/chunked":
            time.sleep(0.05)
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for _ in range(3):
                self.wfile.write(b"3e8\r\n" + b"y" * 1000 + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")
        elif p == "/api/corked":
            time.sleep(0.15)
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, 1)
            self.send_response(200)
            self.send_header("Content-Length", "300")
            self.end_headers()
            self.wfile.write(b"c" * 300)
            time.sleep(0.1)
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, 0)
        elif p == "/api/noclen":
            time.sleep(0.05)
            self.send_response(200)
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(b"z" * 2000)
            self.close_connection = True
        else:
            self.send_error(404)

    do_HEAD = do_GET

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        self.rfile.read(n)
        self.body(50, 200, 10)


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    if "--http10" in sys.argv:
        Handler.protocol_version = "HTTP/1.0"
    srv = Server(("127.0.0.1", 0), Handler)
    if "--tls" in sys.argv:
        i = sys.argv.index("--tls")
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(sys.argv[i + 1], sys.argv[i + 2])
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    with open(sys.argv[1] + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    import os
    os.rename(sys.argv[1] + ".tmp", sys.argv[1])
    srv.serve_forever()


if __name__ == "__main__":
    main()
