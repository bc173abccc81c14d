#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
"""Keep-alive HTTP/1.1 server whose main thread reads every request and
either answers it itself (/self/...) or has another thread answer it
(/handoff/...), waiting for that thread before reading on. Each answer
comes after 20 ms of sleep. Writes its port to argv[1]."""
import os
import socket
import sys
import threading
import time

RESP = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok"


def answer(conn):
    time.sleep(0.02)
    conn.sendall(RESP)


def main():
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", 0))
    ls.listen(8)
    with open(sys.argv[1] + ".tmp", "w") as f:
        f.write(str(ls.getsockname()[1]))
    os.rename(sys.argv[1] + ".tmp", sys.argv[1])
    while True:
        conn, _ = ls.accept()
        buf = b""
        while True:
            data = conn.recv(4096)
            if not data:
                break
            buf += data
            while b"\r\n\r\n" in buf:
                head, buf = buf.split(b"\r\n\r\n", 1)
                if head.split(b" ")[1].startswith(b"/handoff/"):
                    t = threading.Thread(target=answer, args=(conn,))
                    t.start()
                    t.join()
                else:
                    answer(conn)
        conn.close()


main()
