# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
"""A webhook receiver on loopback for the notification tests. Each POST it
accepts goes to OUTDIR/NNN.json as {"path", "content_type", "body"}; the
first FAIL requests (default 0) are answered 503, to be retried.

  python3 webhook_server.py PORTFILE OUTDIR [FAIL]
"""
import http.server
import json
import os
import sys

portfile, outdir = sys.argv[1], sys.argv[2]
fail_first = int(sys.argv[3]) if len(sys.argv) > 3 else 0
os.makedirs(outdir, exist_ok=True)


class Handler(http.server.BaseHTTPRequestHandler):
    seen = 0

    def log_message(self, *a):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        Handler.seen += 1
        if Handler.seen <= fail_first:
            self.send_response(503)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        n = len([f for f in os.listdir(outdir) if f.endswith(".json")])
        path = os.path.join(outdir, "%03d.json" % n)
        with open(path + ".tmp", "w") as f:
            json.dump({"path": self.path, "content_type": self.headers.get("Content-Type", ""),
                       "body": body.decode("utf-8", "replace")}, f)
        os.rename(path + ".tmp", path)
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()


srv = http.server.HTTPServer(("127.0.0.1", 0), Handler)
with open(portfile + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(portfile + ".tmp", portfile)
srv.serve_forever()
