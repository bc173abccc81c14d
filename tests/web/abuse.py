# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# Abusive clients against a running server (tests/web/abuse.sh starts it).
# Each case prints ok/FAIL; after each the server must still answer others.
# Usage: abuse.py CASE PORT PID
import os, random, re, socket, struct, subprocess, sys, time

case, port, pid = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
# The server answers only to its own address (DNS rebinding): raw requests
# name it, or they would be refused with a small 421 instead of the answers
# (large assets) these cases are about.
HOST = b"127.0.0.1:%d" % port
failed = False


def ok(n):
    print("ok " + n, flush=True)


def fail(n, why):
    global failed
    failed = True
    print("FAIL %s: %s" % (n, why), flush=True)


def get(path, timeout=3.0, http2=False):
    """Status of a fresh request by curl, '000' when no answer in time."""
    args = ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", str(timeout)]
    if http2:
        args.append("--http2-prior-knowledge")
    r = subprocess.run(args + ["http://127.0.0.1:%d%s" % (port, path)], capture_output=True, text=True)
    return r.stdout


def others_answered(name):
    t = time.time()
    a, b = get("/api/v1/summary"), get("/api/v1/summary", http2=True)
    took = time.time() - t
    if a == "200" and b == "200" and took < 3:
        ok(name + "-others-answered")
    else:
        fail(name + "-others-answered", "h1 %s h2 %s in %.1fs" % (a, b, took))


def rss_kb():
    with open("/proc/%d/status" % pid) as f:
        return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))


def metric(name):
    out = subprocess.run(["curl", "-s", "http://127.0.0.1:%d/metrics" % port], capture_output=True, text=True).stdout
    for line in out.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return None


def metric_until(name, pred, limit=5.0):
    """Polls /metrics (formatted once a second) until pred(value) or limit."""
    t, v = time.time(), None
    while time.time() - t < limit:
        v = metric(name)
        if v is not None and pred(v):
            break
        time.sleep(0.25)
    return v


def conn():
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    return s


def read_all(s, limit=5.0):
    s.settimeout(limit)
    buf = b""
    try:
        while True:
            d = s.recv(65536)
            if not d:
                return buf, True
            buf += d
    except socket.timeout:
        return buf, False
    except ConnectionResetError:
        # The server closed with our unread bytes in its buffer: a close.
        return buf, True


# --- HTTP/2 framing by hand (no h2 library needed) -------------------------
PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"


def frame(ftype, flags, sid, payload):
    return struct.pack(">I", len(payload))[1:] + bytes([ftype, flags]) + struct.pack(">I", sid) + payload


def frames(buf):
    """(type, flags, stream, payload) of every whole frame in buf."""
    out, i = [], 0
    while i + 9 <= len(buf):
        n = int.from_bytes(buf[i:i + 3], "big")
        out.append((buf[i + 3], buf[i + 4], int.from_bytes(buf[i + 5:i + 9], "big") & 0x7fffffff,
                    buf[i + 9:i + 9 + n]))
        i += 9 + n
    return out


def hpack_int(v, prefix=7, first=0):
    lim = (1 << prefix) - 1
    if v < lim:
        return bytes([first | v])
    out = [first | lim]
    v -= lim
    while v >= 128:
        out.append((v & 127) | 128)
        v >>= 7
    out.append(v)
    return bytes(out)


def hpack_lit(name, value):
    return b"\x00" + hpack_int(len(name)) + name + hpack_int(len(value)) + value


def h2_get(sid, path, extra=b""):
    block = (hpack_lit(b":method", b"GET") + hpack_lit(b":scheme", b"http") +
             hpack_lit(b":authority", HOST) + hpack_lit(b":path", path) + extra)
    return frame(1, 0x5, sid, block)   # HEADERS, END_STREAM|END_HEADERS


def h2_open(window=True):
    s = conn()
    settings = struct.pack(">HI", 4, 0x7fffffff) if window else b""
    s.sendall(PREFACE + frame(4, 0, 0, settings) +
              (frame(8, 0, 0, struct.pack(">I", 0x7fffffff - 65535)) if window else b""))
    return s


# --- cases ------------------------------------------------------------------
if case == "idle":
    socks = []
    for i in range(1000):
        s = conn()
        if i % 2:
            s.sendall(b"GET /api/v1/summary HTTP/1.1\r\nHost:")   # a header that never ends
        elif i % 4 == 0:
            s.sendall(PREFACE)                                   # h2, then silence
        socks.append(s)
    ok("idle-1000-connections-opened")
    others_answered("idle-1000")
    n = metric_until("hostlens_web_connections", lambda v: v >= 1000)
    if n is not None and n >= 1000:
        ok("idle-1000-all-held")
    else:
        fail("idle-1000-all-held", "server counts %s connections" % n)
    for s in socks:
        s.close()

elif case == "never-reads-h1":
    before = rss_kb()
    s = conn()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    req = b"GET /uPlot.iife.min.js HTTP/1.1\r\nHost: " + HOST + b"\r\n\r\n"
    s.setblocking(False)
    sent = 0
    t = time.time()
    while time.time() - t < 3:          # push requests until the server stops reading
        try:
            sent += s.send(req * 64)
        except BlockingIOError:
            time.sleep(0.05)
    ok("never-reads-h1-sent-%dk-of-requests" % (sent // 1024 // 100 * 100))
    others_answered("never-reads-h1")
    grew = rss_kb() - before
    if grew < 64 * 1024:
        ok("never-reads-h1-memory-bounded")
    else:
        fail("never-reads-h1-memory-bounded", "server grew %d kB" % grew)
    s.close()

elif case == "never-reads-h2":
    before = rss_kb()
    s = h2_open()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.setblocking(False)
    out = b"".join(h2_get(2 * i + 1, b"/uPlot.iife.min.js") for i in range(100))
    try:
        s.send(out)
    except BlockingIOError:
        pass
    time.sleep(1.5)
    others_answered("never-reads-h2")
    grew = rss_kb() - before
    if grew < 64 * 1024:
        ok("never-reads-h2-memory-bounded")
    else:
        fail("never-reads-h2-memory-bounded", "server grew %d kB" % grew)
    s.close()

elif case == "malformed-h1":
    cases = [
        ("garbage", b"\x16\x03\x01\x02\x00garbage\r\n\r\n", "400"),
        ("no-version", b"GET /\r\n\r\n", "400"),
        ("bad-version", b"GET / HTTP/9.9\r\n\r\n", "505"),
        ("no-colon", b"GET / HTTP/1.1\r\nHost x\r\n\r\n", "400"),
        ("obs-fold", b"GET / HTTP/1.1\r\nHost: x\r\n  folded\r\n\r\n", "400"),
        ("two-lengths", b"POST /api/v1/filters HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}", "400"),
        ("negative-length", b"POST /api/v1/filters HTTP/1.1\r\nContent-Length: -1\r\n\r\n", "400"),
        ("chunked", b"POST /api/v1/filters HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", "411"),
        ("huge-body", b"POST /api/v1/filters HTTP/1.1\r\nContent-Length: 99999999\r\n\r\n", "413"),
        ("long-uri", b"GET /" + b"a" * 5000 + b" HTTP/1.1\r\n\r\n", "414"),
        ("ctl-in-uri", b"GET /\x01 HTTP/1.1\r\n\r\n", "400"),
        ("absolute-star", b"OPTIONS * HTTP/1.1\r\n\r\n", "400"),
        ("binary-zeros", b"\x00" * 40000, "431"),
    ]
    for name, payload, want in cases:
        s = conn()
        try:
            s.sendall(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass
        buf, closed = read_all(s, 3)
        m = re.match(rb"HTTP/1\.1 (\d+)", buf)
        got = m.group(1).decode() if m else "none"
        if got == want and closed:
            ok("malformed-h1-" + name)
        else:
            fail("malformed-h1-" + name, "expected %s and close, got %s (closed %s)" % (want, got, closed))
        s.close()
    others_answered("malformed-h1")

elif case == "header-1mb":
    s = conn()
    try:
        s.sendall(b"GET /api/v1/summary HTTP/1.1\r\nHost: " + HOST + b"\r\nX-Big: " + b"a" * (1 << 20) + b"\r\n\r\n")
    except (BrokenPipeError, ConnectionResetError):
        pass
    buf, _ = read_all(s, 3)
    s.close()
    if buf.startswith(b"HTTP/1.1 431"):
        ok("header-1mb-h1-431")
    else:
        fail("header-1mb-h1-431", repr(buf[:40]))
    # HTTP/2: 1 MiB header value in HEADERS + CONTINUATION frames.
    s = h2_open(window=False)
    block = (hpack_lit(b":method", b"GET") + hpack_lit(b":scheme", b"http") +
             hpack_lit(b":authority", HOST) + hpack_lit(b":path", b"/api/v1/summary") +
             hpack_lit(b"x-big", b"a" * (1 << 20)))
    chunks = [block[i:i + 16384] for i in range(0, len(block), 16384)]
    data = frame(1, 0x1 | (0x4 if len(chunks) == 1 else 0), 1, chunks[0])
    for i, c in enumerate(chunks[1:]):
        data += frame(9, 0x4 if i == len(chunks) - 2 else 0, 1, c)
    try:
        s.sendall(data)
    except (BrokenPipeError, ConnectionResetError):
        pass
    buf, _ = read_all(s, 3)
    s.close()
    # A 431 answer, a reset of stream 1 or a GOAWAY: refused either way.
    fr = frames(buf)
    kinds = [f[0] for f in fr]
    if any(t == 1 and sid == 1 and b"431" in p for t, _, sid, p in fr) or 3 in kinds or 7 in kinds:
        ok("header-1mb-h2-refused")
    else:
        fail("header-1mb-h2-refused", "frame types back: %s" % kinds)
    others_answered("header-1mb")

elif case == "garbage-h2":
    rnd = random.Random(7)
    cases = [
        ("random-after-preface", PREFACE + bytes(rnd.getrandbits(8) for _ in range(4096))),
        ("bad-hpack", PREFACE + frame(4, 0, 0, b"") + frame(1, 0x5, 1, b"\xff\xff\xff\xff\xff\x80")),
        ("data-on-stream-0", PREFACE + frame(4, 0, 0, b"") + frame(0, 0, 0, b"hello")),
        ("settings-bad-length", PREFACE + frame(4, 0, 0, b"\x00\x01\x00")),
        ("even-stream-id", PREFACE + frame(4, 0, 0, b"") + h2_get(2, b"/healthz")),
        ("window-overflow", PREFACE + frame(4, 0, 0, b"") + frame(8, 0, 0, struct.pack(">I", 0x7fffffff)) * 2),
        ("huge-frame-length", PREFACE + frame(4, 0, 0, b"") + b"\xff\xff\xff\x00\x00\x00\x00\x00\x01" + b"x" * 1000),
    ]
    for name, payload in cases:
        s = conn()
        try:
            s.sendall(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass
        buf, closed = read_all(s, 3)
        s.close()
        if closed:
            ok("garbage-h2-%s-closed" % name)
        else:
            fail("garbage-h2-%s-closed" % name, "connection left open (%d bytes back)" % len(buf))
    # A well-formed raw request still works (the framing helper is right).
    s = h2_open()
    s.sendall(h2_get(1, b"/healthz"))
    buf, _ = read_all(s, 2)
    s.close()
    if b'{"status":"ok"}' in buf:
        ok("raw-h2-request-answered")
    else:
        fail("raw-h2-request-answered", repr(buf[:80]))
    others_answered("garbage-h2")

elif case == "idle-timeout":
    s = conn()
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: " + HOST + b"\r\n\r\n")
    t = time.time()
    buf, closed = read_all(s, 8)
    took = time.time() - t
    # timeout 2 s, swept once a second; slack for a loaded machine
    if closed and 1.5 <= took <= 7:
        ok("idle-keepalive-closed-after-timeout")
    else:
        fail("idle-keepalive-closed-after-timeout", "closed %s after %.1fs" % (closed, took))
    # HTTP/2: an idle session gets a GOAWAY (NO_ERROR), then the close.
    s = h2_open()
    t = time.time()
    buf, closed = read_all(s, 8)
    took = time.time() - t
    goaway = [f for f in frames(buf) if f[0] == 7]
    if closed and goaway and goaway[0][3][4:8] == b"\0\0\0\0" and 1.5 <= took <= 7:
        ok("idle-h2-goaway-then-close")
    else:
        fail("idle-h2-goaway-then-close", "closed %s after %.1fs, goaway %s" % (closed, took, goaway))
    # A live stream is not idle: it keeps flowing past the timeout.
    p = subprocess.run(["curl", "-sN", "--max-time", "5", "http://127.0.0.1:%d/api/v1/stream" % port],
                       capture_output=True, text=True)
    n = p.stdout.count("\ndata: {") + p.stdout.startswith("data: {")
    if n >= 4:
        ok("idle-timeout-spares-live-stream")
    else:
        fail("idle-timeout-spares-live-stream", "%d events in 5 s" % n)

elif case == "max-conns":
    socks = [conn() for _ in range(40)]
    time.sleep(0.3)
    others_answered("max-conns-20")
    ev = metric_until('hostlens_web_connections_closed_total{reason="limit_evicted"}', lambda v: v >= 20)
    if ev is not None and ev >= 20:
        ok("max-conns-evicts-oldest-idle")
    else:
        fail("max-conns-evicts-oldest-idle", "evicted %s" % ev)
    for s in socks:
        s.close()
else:
    fail("abuse-case", "unknown case " + case)

try:
    os.kill(pid, 0)
    ok("server-alive-after-" + case)
except OSError:
    fail("server-alive-after-" + case, "webdemo died")
sys.exit(1 if failed else 0)
