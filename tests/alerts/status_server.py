# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
"""Test server for tests/alerts/: answers a fixed status per route on
keep-alive HTTP/1.1 connections (python's send_error would close them).

  python3 status_server.py PORTFILE

Routes: /api/orders 500, /api/payments 503, /api/cart 500, anything else 200.
"""
import http.server
import socketserver
import sys

STATUS = {"/api/orders": 500, "/api/payments": 503, "/api/cart": 500}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def do_GET(self):
        status = STATUS.get(self.path.split("?")[0], 200)
        body = b"status %d\n" % status
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    srv = Server(("127.0.0.1", 0), Handler)
    with open(sys.argv[1] + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    import os
    os.rename(sys.argv[1] + ".tmp", sys.argv[1])
    srv.serve_forever()


if __name__ == "__main__":
    main()
