# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
"""GET a path N times on one keep-alive connection; prints the statuses.

  python3 get.py PORT PATH N
"""
import http.client
import sys

port, path, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
got = []
for _ in range(n):
    c.request("GET", path, headers={"User-Agent": "hl-alerts-test"})
    r = c.getresponse()
    r.read()
    got.append(r.status)
c.close()
print(" ".join(str(s) for s in got))
