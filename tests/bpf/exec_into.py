#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
"""A process whose filter verdict was made under one name, then execs into
another: exec_into.py PORT NEWPATH PORTFILE sends one request to PORT (its
socket calls make the capture filter decide on this thread, as python3),
then execs NEWPATH (a link named what the filter selects) running this file
with 'serve PORTFILE': on the same thread it answers one request on a
loopback port written to PORTFILE."""
import os
import socket
import sys


def before(port, newpath, portfile):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"GET /exec/before HTTP/1.1\r\nHost: t\r\n\r\n")
    s.recv(65536)
    s.close()
    os.execv(newpath, [newpath, os.path.abspath(__file__), "serve", portfile])


def serve(portfile):
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(1)
    with open(portfile + ".tmp", "w") as f:
        f.write(str(ls.getsockname()[1]))
    os.rename(portfile + ".tmp", portfile)
    c, _ = ls.accept()
    data = b""
    while b"\r\n\r\n" not in data:
        d = c.recv(65536)
        if not d:
            return
        data += d
    c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
    while c.recv(65536):
        pass
    c.close()


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        serve(sys.argv[2])
    else:
        before(int(sys.argv[1]), sys.argv[2], sys.argv[3])
