# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
"""Pid reuse driver for tests/bpf/test_http_pid_reuse.sh.

  python3 pid_reuse.py COMM GOFILE

1. A forked child named COMM (prctl, no exec) serves GET /reuse/first on
   loopback and exits; its pid N is printed ("first N").
2. Waits for GOFILE (the test has seen /reuse/first captured).
3. Forks until a child gets pid N again (kernel.ns_last_pid = N - 1 in the
   initial pid namespace: the pid BPF sees), without exec or a new name, so
   it keeps this driver's command name; it serves GET /reuse/second
   ("second PID", or "second-missed PID" when pid N could not be had).
4. A child named COMM serves GET /reuse/third: proof the capture still ran
   after the second one ("third PID").
Requests come from this driver, whose name is not COMM.
"""
import ctypes
import http.client
import http.server
import os
import sys
import time

libc = ctypes.CDLL(None, use_errno=True)
PR_SET_NAME = 15


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def do_GET(self):
        data = b"x" * 100
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def serve_once(name, path, want_pid=None):
    """Forks a server child; returns its pid (the child exits after one
    request). With want_pid, a child that got another pid exits at once and
    -pid is returned."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        if want_pid is not None and os.getpid() != want_pid:
            os._exit(3)
        if name:
            libc.prctl(PR_SET_NAME, name.encode(), 0, 0, 0)
        srv = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        os.write(w, b"%d\n" % srv.server_address[1])
        os.close(w)
        srv.handle_request()
        srv.server_close()
        os._exit(0)
    os.close(w)
    port = os.read(r, 32).strip()
    os.close(r)
    if not port:
        os.waitpid(pid, 0)
        return -pid
    c = http.client.HTTPConnection("127.0.0.1", int(port), timeout=10)
    c.request("GET", path)
    c.getresponse().read()
    c.close()
    os.waitpid(pid, 0)
    return pid


def main():
    comm, gofile = sys.argv[1], sys.argv[2]
    n = serve_once(comm, "/reuse/first")
    print("first %d" % n, flush=True)
    t = time.time()
    while not os.path.exists(gofile) and time.time() - t < 15:
        time.sleep(0.05)
    got = -1
    for _ in range(500):
        with open("/proc/sys/kernel/ns_last_pid", "w") as f:
            f.write(str(n - 1))
        got = serve_once(None, "/reuse/second", want_pid=n)
        if got == n:
            break
    print("%s %d" % ("second" if got == n else "second-missed", abs(got)), flush=True)
    print("third %d" % serve_once(comm, "/reuse/third"), flush=True)


main()
