# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# Hostile clients against a running server (tests/web/hostile.sh starts it
# with the options each case needs). Real HTTP/2 clients: Python's h2 state
# machine (Debian's python3-h2), its hpack encoder and hyperframe frames for
# what a polite client would not send. Each check prints ok/FAIL with the
# numbers it was held to.
# Usage: hostile.py CASE PORT PID [TOKEN [ADMIN_TOKEN]]
import os, re, socket, struct, subprocess, sys, threading, time

import h2.config, h2.connection, h2.events, h2.exceptions
import hpack
from hyperframe.frame import ContinuationFrame, HeadersFrame

case, port, pid = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
TOKEN = sys.argv[4] if len(sys.argv) > 4 else ""
ADMIN = sys.argv[5] if len(sys.argv) > 5 else ""
HOSTPORT = "127.0.0.1:%d" % port
# An ASan build keeps freed memory in quarantine: its RSS says nothing.
SANITIZED = os.environ.get("HOSTILE_SANITIZED") == "1"
failed = False


def ok(n):
    print("ok " + n, flush=True)


def fail(n, why):
    global failed
    failed = True
    print("FAIL %s: %s" % (n, why), flush=True)


def expect(n, want, got):
    if want == got:
        ok(n)
    else:
        fail(n, "expected %r, got %r" % (want, got))


def rss_kb():
    with open("/proc/%d/status" % pid) as f:
        return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))


def cpu_s():
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def curl(*args, timeout=3):
    r = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", str(timeout)] +
                       list(args), capture_output=True, text=True)
    return r.stdout


def curl_body(*args, timeout=3):
    return subprocess.run(["curl", "-s", "--max-time", str(timeout)] + list(args),
                          capture_output=True, text=True).stdout


def metrics(token="", iface=None):
    hdr = ["-H", "Authorization: Bearer " + token] if token else []
    if iface:
        hdr += ["--interface", iface]
    out = curl_body(*hdr, "http://%s/metrics" % HOSTPORT)
    vals = {}
    for line in out.splitlines():
        if line and not line.startswith("#"):
            k, _, v = line.rpartition(" ")
            try:
                vals[k] = float(v)
            except ValueError:
                pass
    return vals


def metric_after_tick(name, token="", iface=None):
    time.sleep(1.2)     # the server formats its own lines once a second
    return metrics(token, iface).get(name)


def filters(token=""):
    """The published capture filters, without blanks."""
    hdr = ["-H", "Authorization: Bearer " + token] if token else []
    return curl_body(*hdr, "http://%s/api/v1/filters" % HOSTPORT).replace(" ", "").strip()


class RssPeak(threading.Thread):
    """Samples the server's RSS every 20 ms; .peak is the highest seen."""

    def __init__(self):
        super().__init__(daemon=True)
        self.peak, self.stop = rss_kb(), False

    def run(self):
        while not self.stop:
            try:
                self.peak = max(self.peak, rss_kb())
            except OSError:
                return
            time.sleep(0.02)


def h2_client(timeout=10):
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    c = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True, header_encoding="utf-8"))
    c.initiate_connection()
    s.sendall(c.data_to_send())
    return s, c


def h2_pump(s, c, wait):
    """Reads what the server sent within `wait` s; events, or None on close."""
    s.settimeout(wait)
    try:
        d = s.recv(1 << 16)
    except socket.timeout:
        return []
    except (ConnectionResetError, BrokenPipeError):
        return None
    if not d:
        return None
    try:
        ev = c.receive_data(d)
    except h2.exceptions.ProtocolError:
        return None
    out = c.data_to_send()
    if out:
        try:
            s.sendall(out)
        except (BrokenPipeError, ConnectionResetError):
            return None
    return ev


def pump_alive(s, c, wait):
    """h2_pump for clients that only wait: False once the server closed the
    connection or said GOAWAY."""
    ev = h2_pump(s, c, wait)
    return ev is not None and not any(isinstance(e, h2.events.ConnectionTerminated) for e in ev)


def req_headers(method, path, token="", extra=()):
    h = [(":method", method), (":scheme", "http"), (":authority", HOSTPORT), (":path", path)]
    if token:
        h.append(("authorization", "Bearer " + token))
    return h + list(extra)


# --- body floods --------------------------------------------------------------
def flood_one(token, streams, body_len, result):
    """One connection opening `streams` POST /api/v1/filters streams with a
    body of body_len bytes each, as fast as SETTINGS and flow control allow."""
    statuses, resets = {}, {}
    try:
        s, c = h2_client()
        while h2_pump(s, c, 0.5) == []:     # the server's SETTINGS first
            pass
        hdrs = req_headers("POST", "/api/v1/filters", token,
                           [("content-type", "application/json"), ("content-length", str(body_len))])
        opened, left, t0 = 0, {}, time.time()
        while (opened < streams or left) and time.time() - t0 < 30:
            while opened < streams:
                try:
                    sid = c.get_next_available_stream_id()
                    c.send_headers(sid, hdrs)
                except h2.exceptions.TooManyStreamsError:
                    break           # honest: the server's limit
                opened += 1
                left[sid] = body_len
            for sid in list(left):
                try:
                    n = min(c.local_flow_control_window(sid), left[sid], c.max_outbound_frame_size)
                    if n > 0:
                        left[sid] -= n
                        c.send_data(sid, b"x" * n, end_stream=left[sid] == 0)
                    if left[sid] == 0:
                        del left[sid]
                except (h2.exceptions.StreamClosedError, h2.exceptions.NoSuchStreamError, KeyError):
                    left.pop(sid, None)
                except h2.exceptions.FlowControlError:
                    pass
            s.sendall(c.data_to_send())
            ev = h2_pump(s, c, 0.05)
            if ev is None:
                break
            for e in ev:
                if isinstance(e, h2.events.ResponseReceived):
                    statuses[e.stream_id] = dict(e.headers).get(":status")
                    left.pop(e.stream_id, None)
                elif isinstance(e, h2.events.StreamReset):
                    resets[e.stream_id] = e.error_code
                    left.pop(e.stream_id, None)
        # collect the answers still on their way
        t1 = time.time()
        while len(statuses) + len([r for r in resets if r not in statuses]) < opened and time.time() - t1 < 5:
            ev = h2_pump(s, c, 0.2)
            if ev is None:
                break
            for e in ev:
                if isinstance(e, h2.events.ResponseReceived):
                    statuses[e.stream_id] = dict(e.headers).get(":status")
                elif isinstance(e, h2.events.StreamReset):
                    resets[e.stream_id] = e.error_code
        s.close()
    except OSError as e:
        result.append(("error", str(e)))
        return
    result.append((statuses, resets))


def flood(name, token, conns=16, streams=128, body_len=60 * 1024, rss_bound_kb=4096, want_status=None,
          body_peak_max=0.0):
    time.sleep(0.5)
    before = rss_kb()
    mon = RssPeak()
    mon.start()
    t = time.time()
    results, ths = [], []
    for _ in range(conns):
        th = threading.Thread(target=flood_one, args=(token, streams, body_len, results))
        th.start()
        ths.append(th)
    for th in ths:
        th.join()
    took = time.time() - t
    time.sleep(0.3)
    mon.stop = True
    mon.join()
    grew = mon.peak - before
    errors = [r[1] for r in results if r[0] == "error"]
    codes = {}
    answered = 0
    for r in results:
        if r[0] == "error":
            continue
        statuses, resets = r
        answered += len(statuses)
        for v in statuses.values():
            codes[v] = codes.get(v, 0) + 1
    total = conns * streams
    print("# %s: %d connections x %d streams x %d-byte bodies in %.1f s: %s; server RSS +%d kB (peak)"
          % (name, conns, streams, body_len, took, codes, grew), flush=True)
    if errors:
        fail(name + "-clients-ran", "; ".join(errors[:3]))
    if answered == total and (want_status is None or set(codes) <= set(want_status)):
        ok("%s-every-stream-answered-%s" % (name, "/".join(sorted(codes))))
    else:
        fail(name + "-every-stream-answered", "%d of %d streams answered, codes %s (want only %s)"
             % (answered, total, codes, want_status))
    if SANITIZED:
        print("skip %s-rss-growth-under-%dk: sanitizer build (ASan's quarantine holds freed memory);"
              " the body-bytes-held check below still applies" % (name, rss_bound_kb), flush=True)
    elif grew < rss_bound_kb:
        ok("%s-rss-growth-under-%dk" % (name, rss_bound_kb))
    else:
        fail(name + "-rss-growth-under-%dk" % rss_bound_kb, "server RSS grew %d kB (peak)" % grew)
    peak = metric_after_tick("hostlens_web_request_body_peak_bytes", ADMIN or TOKEN)
    print("# %s: at most %s request body bytes held at once" % (name, peak), flush=True)
    if peak is not None and peak <= body_peak_max:
        ok("%s-body-bytes-held-at-most-%d" % (name, body_peak_max))
    else:
        fail(name + "-body-bytes-held", "peak %s bytes held, want at most %d" % (peak, body_peak_max))


def refused_at_headers(name, token, want_status):
    """HEADERS without END_STREAM and no DATA ever: the answer (and a reset)
    must come from the headers alone, for every stream the client may open."""
    s, c = h2_client()
    while h2_pump(s, c, 0.5) == []:
        pass
    limit = c.remote_settings.max_concurrent_streams
    hdrs = req_headers("POST", "/api/v1/filters", token,
                       [("content-type", "application/json"), ("content-length", "60000")])
    sids = []
    for _ in range(min(limit, 8)):
        sid = c.get_next_available_stream_id()
        c.send_headers(sid, hdrs)
        sids.append(sid)
    s.sendall(c.data_to_send())
    got, reset, t = {}, {}, time.time()
    while time.time() - t < 3 and (len(got) < len(sids) or len(reset) < len(sids)):
        ev = h2_pump(s, c, 0.2)
        if ev is None:
            break
        for e in ev:
            if isinstance(e, h2.events.ResponseReceived):
                got[e.stream_id] = dict(e.headers).get(":status")
            elif isinstance(e, h2.events.StreamReset):
                reset[e.stream_id] = e.error_code
    s.close()
    statuses = sorted(set(got.values()))
    if len(got) == len(sids) and statuses == [want_status] and len(reset) == len(sids):
        ok("%s-%d-streams-answered-%s-and-reset-before-any-data" % (name, len(sids), want_status))
    else:
        fail(name + "-answered-before-data", "of %d streams with only HEADERS sent: %d answered %s, %d reset"
             % (len(sids), len(got), statuses, len(reset)))
    return limit


if case == "flood-anonymous":
    limit = refused_at_headers("flood-anonymous", "", "401")
    expect("anonymous-h2-streams-limited-to-8", 8, limit)
    flood("flood-anonymous", "", want_status={"401"})

elif case == "flood-read-token":
    refused_at_headers("flood-read-token", TOKEN, "403")
    flood("flood-read-token", TOKEN, want_status={"403"})

elif case == "flood-admin-token":
    # Admitted bodies: the budgets hold them (256 KiB a connection, 4 MiB in
    # all by default); the rest are told 503 at their headers.
    s, c = h2_client()
    while h2_pump(s, c, 0.5) == []:
        pass
    sid = c.get_next_available_stream_id()
    c.send_headers(sid, req_headers("GET", "/api/v1/filters", ADMIN), end_stream=True)
    s.sendall(c.data_to_send())
    t = time.time()
    while time.time() - t < 2 and c.remote_settings.max_concurrent_streams == 8:
        if h2_pump(s, c, 0.2) is None:
            break
    s.close()
    expect("authenticated-h2-streams-raised-to-128", 128, c.remote_settings.max_concurrent_streams)
    flood("flood-admin-token", ADMIN, want_status={"400", "503"}, rss_bound_kb=6 * 1024,
          body_peak_max=4 * 1024 * 1024)

# --- slot hogging ---------------------------------------------------------------
elif case == "slot-hog":
    # 24 hogs against --web-max-conns 20 --web-idle-timeout 5: each holds one
    # admitted stream open (POST headers, never a body byte) and PINGs every
    # 0.5 s; a hog that is closed comes back 0.2 s later.
    stop = threading.Event()
    closed_after = []       # (born, lived) of each hog connection the server closed
    lock = threading.Lock()
    t_attack = time.time()

    def hog():
        while not stop.is_set():
            try:
                s, c = h2_client(timeout=2)
                born = time.time()
                sid = c.get_next_available_stream_id()
                c.send_headers(sid, req_headers("POST", "/api/v1/filters", ADMIN,
                                                [("content-type", "application/json")]))
                s.sendall(c.data_to_send())
                while not stop.is_set():
                    c.ping(b"12345678")
                    s.sendall(c.data_to_send())
                    if not pump_alive(s, c, 0.5):
                        with lock:
                            closed_after.append((born - t_attack, time.time() - born))
                        break
                s.close()
            except (OSError, h2.exceptions.ProtocolError):
                pass
            time.sleep(0.2)

    hogs = [threading.Thread(target=hog, daemon=True) for _ in range(24)]
    for h in hogs:
        h.start()
    answers = []
    for _ in range(3):      # at 1.5, 3 and 4.5 s into the attack
        time.sleep(1.5)
        answers.append(curl("http://%s/healthz" % HOSTPORT, timeout=2))
    time.sleep(4.0)     # past the 5 s idle timeout
    stop.set()
    for h in hogs:
        h.join(timeout=3)
    n200 = answers.count("200")
    if n200 == 3:
        ok("slot-hog-healthz-answers-3-of-3")
    else:
        fail("slot-hog-healthz-answers-3-of-3", "%d of 3 (%s)" % (n200, answers))
    m = metrics(ADMIN)
    ev = m.get('hostlens_web_connections_closed_total{reason="limit_evicted"}', 0)
    idle = m.get('hostlens_web_connections_closed_total{reason="idle"}', 0)
    first = [lv for born, lv in closed_after if born < 1.0]     # the 24 opening hogs
    print("# slot-hog: %d hog connections closed by the server (%d of the first 24), longest-lived %.1f s;"
          " evicted %d, idle %d" % (len(closed_after), len(first), max(first or [0]), ev, idle), flush=True)
    if len(first) >= 24 and max(first) <= 7.0 and ev + idle >= 24:
        ok("slot-hog-hogs-evicted-or-idle-closed-within-7s")
    else:
        fail("slot-hog-hogs-evicted-or-idle-closed-within-7s",
             "of the first 24 hogs %d closed by the server, longest-lived %.1f s (want all, within idle 5 s"
             " + 2 s); evicted %d, idle %d" % (len(first), max(first or [0]), ev, idle))

elif case == "slot-hog-idle":
    # The same 24 hogs, not coming back, nobody else asking: PINGs and an
    # open stream with no progress do not keep a connection; the 20 admitted
    # are closed by the idle sweep (5 s, swept once a second).
    lived, lock = [], threading.Lock()

    def idle_hog():
        try:
            s, c = h2_client(timeout=2)
            born = time.time()
            c.send_headers(1, req_headers("POST", "/api/v1/filters", "", [("content-type", "application/json")]))
            s.sendall(c.data_to_send())
            while time.time() - born < 12:
                c.ping(b"12345678")
                s.sendall(c.data_to_send())
                if not pump_alive(s, c, 0.5):
                    with lock:
                        lived.append(time.time() - born)
                    return
        except (OSError, h2.exceptions.ProtocolError):
            with lock:
                lived.append(-1)

    hogs = [threading.Thread(target=idle_hog, daemon=True) for _ in range(24)]
    for h in hogs:
        h.start()
    for h in hogs:
        h.join(timeout=15)
    idle = metrics().get('hostlens_web_connections_closed_total{reason="idle"}', 0)
    long_lived = sorted(x for x in lived if x > 3)
    print("# slot-hog-idle: %d of 24 hogs closed by the server; the admitted lived %s s; idle-closed %d"
          % (len(lived), ["%.1f" % x for x in long_lived[:1] + long_lived[-1:]], idle), flush=True)
    if len(lived) == 24 and len(long_lived) == 20 and max(long_lived) <= 6.5 and min(long_lived) >= 4.5 \
            and idle >= 20:
        ok("slot-hog-idle-20-pinging-hogs-closed-after-5s-idle")
    else:
        fail("slot-hog-idle-pinging-hogs-closed", "want all 24 closed, the 20 admitted after 4.5..6.5 s and"
             " 20 idle closes; got %d closed, lived %s, idle %d" % (len(lived), ["%.1f" % x for x in lived], idle))

# --- slow requests ------------------------------------------------------------------
elif case == "slowloris":
    # --web-request-timeout 3: a head that never ends, one byte every 0.5 s.
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(b"GET /api/v1/summary HTTP/1.1\r\nHost: " + HOSTPORT.encode() + b"\r\n")
    t, got, closed = time.time(), b"", False
    s.settimeout(0.5)
    while time.time() - t < 12:
        try:
            s.sendall(b"X")
        except (BrokenPipeError, ConnectionResetError):
            closed = True
            break
        try:
            d = s.recv(4096)
            if not d:
                closed = True
                break
            got += d
        except socket.timeout:
            pass
        except ConnectionResetError:
            closed = True
            break
    took = time.time() - t
    if closed and got.startswith(b"HTTP/1.1 408") and 2.5 <= took <= 5.5:
        ok("slowloris-h1-head-408-and-closed-after-%.1fs" % took)
    else:
        fail("slowloris-h1-head-closed-by-deadline", "408 and close after 3..5.5 s; got %r, closed %s after %.1f s"
             % (got[:20], closed, took))

    # HTTP/2: a header block in 1-byte CONTINUATION frames, one a second
    # (fewer than the 8 in a row after which nghttp2 itself gives up).
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    c = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
    c.initiate_connection()
    s.sendall(c.data_to_send())
    block = hpack.Encoder().encode(req_headers("GET", "/api/v1/summary") + [("x-pad", "p" * 400)])
    hf = HeadersFrame(1)
    hf.data = block[:10]
    hf.flags.add("END_STREAM")
    s.sendall(hf.serialize())
    t, closed, goaway, i = time.time(), False, False, 10
    s.settimeout(1.0)
    while time.time() - t < 12 and i < len(block):
        cf = ContinuationFrame(1)
        cf.data = block[i:i + 1]
        i += 1
        try:
            s.sendall(cf.serialize())
            d = s.recv(4096)
            if not d:
                closed = True
                break
            goaway = goaway or b"\x07" in d     # a GOAWAY frame type byte; close follows
        except socket.timeout:
            pass
        except (BrokenPipeError, ConnectionResetError):
            closed = True
            break
    took = time.time() - t
    if closed and 2.5 <= took <= 5.5:
        ok("slowloris-h2-header-block-session-closed-after-%.1fs" % took)
    else:
        fail("slowloris-h2-header-block-closed-by-deadline", "closed after 3..5.5 s; closed %s after %.1f s"
             % (closed, took))

    # HTTP/2: an admitted POST whose body trickles: 408 on the stream.
    s, c = h2_client()
    while h2_pump(s, c, 0.5) == []:
        pass
    c.send_headers(1, req_headers("POST", "/api/v1/filters", ADMIN,
                                  [("content-type", "application/json"), ("content-length", "100")]))
    s.sendall(c.data_to_send())
    t, status, reset = time.time(), None, None
    while time.time() - t < 12 and status is None:
        try:
            c.send_data(1, b"{")
            s.sendall(c.data_to_send())
        except h2.exceptions.StreamClosedError:
            pass
        ev = h2_pump(s, c, 0.5)
        if ev is None:
            break
        for e in ev:
            if isinstance(e, h2.events.ResponseReceived):
                status = dict(e.headers).get(":status")
            elif isinstance(e, h2.events.StreamReset):
                reset = e.error_code
    took = time.time() - t
    s.close()
    if status == "408" and 2.5 <= took <= 5.5:
        ok("slowloris-h2-body-408-after-%.1fs" % took)
    else:
        fail("slowloris-h2-body-408", "408 after 3..5.5 s; got %r (reset %r) after %.1f s" % (status, reset, took))

# --- cross-site requests and DNS rebinding ----------------------------------------
elif case == "csrf":
    url = "http://%s/api/v1/filters" % HOSTPORT
    before = filters()
    for proto in ("--http1.1", "--http2-prior-knowledge"):
        p = proto.strip("-")
        expect("csrf-text-plain-foreign-origin-403-" + p, "403",
               curl(proto, "-X", "POST", "-H", "Content-Type: text/plain", "-H", "Origin: http://evil.example",
                    "--data-binary", '{"pids":[1]}', url))
        expect("csrf-json-foreign-origin-403-" + p, "403",
               curl(proto, "-X", "POST", "-H", "Content-Type: application/json", "-H",
                    "Origin: http://evil.example", "--data-binary", '{"pids":[1]}', url))
        expect("csrf-text-plain-no-origin-415-" + p, "415",
               curl(proto, "-X", "POST", "-H", "Content-Type: text/plain", "--data-binary", '{"pids":[1]}', url))
        expect("csrf-form-post-415-" + p, "415", curl(proto, "-X", "POST", "-d", "pids=1", url))
        expect("csrf-null-origin-403-" + p, "403",
               curl(proto, "-X", "POST", "-H", "Content-Type: application/json", "-H", "Origin: null",
                    "--data-binary", '{"pids":[1]}', url))
    expect("csrf-filters-unchanged", before, filters())
    expect("csrf-same-origin-json-200", "200",
           curl("-X", "POST", "-H", "Content-Type: application/json", "-H", "Origin: http://" + HOSTPORT,
                "--data-binary", '{"pids":[1]}', url))
    if '"pids":[1]' in filters():
        ok("csrf-control-change-applied")
    else:
        fail("csrf-control-change-applied", filters())
    # DNS rebinding: the page's name resolves to 127.0.0.1; the Host says so.
    for proto in ("--http1.1", "--http2-prior-knowledge"):
        p = proto.strip("-")
        for path in ("/api/v1/requests", "/metrics", "/", "/api/v1/stream"):
            expect("rebinding-host-evil-421-%s%s" % (p, path), "421",
                   curl(proto, "-H", "Host: evil.example:%d" % port, "http://%s%s" % (HOSTPORT, path)))
        expect("rebinding-post-421-" + p, "421",
               curl(proto, "-X", "POST", "-H", "Host: evil.example:%d" % port, "-H",
                    "Content-Type: application/json", "--data-binary", '{"pids":[]}', url))
        expect("rebinding-localhost-name-allowed-" + p, "200",
               curl(proto, "-H", "Host: localhost:%d" % port, "http://%s/api/v1/requests" % HOSTPORT))
        expect("rebinding-healthz-any-host-" + p, "200",
               curl(proto, "-H", "Host: evil.example:%d" % port, "http://%s/healthz" % HOSTPORT))
    if '"pids":[1]' in filters():
        ok("rebinding-filters-unchanged")
    else:
        fail("rebinding-filters-unchanged", filters())

# --- roles ------------------------------------------------------------------------
elif case == "roles":
    url = "http://%s/api/v1/filters" % HOSTPORT
    rd, ad = ["-H", "Authorization: Bearer " + TOKEN], ["-H", "Authorization: Bearer " + ADMIN]
    js = ["-H", "Content-Type: application/json"]
    for proto in ("--http1.1", "--http2-prior-knowledge"):
        p = proto.strip("-")
        expect("roles-read-token-reads-" + p, "200", curl(proto, *rd, url))
        expect("roles-read-token-metrics-" + p, "200", curl(proto, *rd, "http://%s/metrics" % HOSTPORT))
        expect("roles-admin-token-reads-" + p, "200", curl(proto, *ad, "http://%s/api/v1/summary" % HOSTPORT))
        expect("roles-read-token-cannot-post-403-" + p, "403",
               curl(proto, *rd, *js, "--data-binary", '{"pids":[2]}', url))
        expect("roles-no-token-post-401-" + p, "401", curl(proto, *js, "--data-binary", '{"pids":[2]}', url))
        expect("roles-query-token-read-401-" + p, "401", curl(proto, "http://%s/api/v1/summary?access_token=%s"
                                                             % (HOSTPORT, TOKEN)))
        expect("roles-query-admin-token-post-401-" + p, "401",
               curl(proto, *js, "--data-binary", '{"pids":[2]}', url + "?access_token=" + ADMIN))
        expect("roles-query-stream-401-" + p, "401",
               curl(proto, "http://%s/api/v1/stream?access_token=%s" % (HOSTPORT, TOKEN), timeout=2))
    if '"pids":[2]' in filters(TOKEN):
        fail("roles-refused-posts-changed-nothing", filters(TOKEN))
    else:
        ok("roles-refused-posts-changed-nothing")
    expect("roles-admin-token-posts-200", "200", curl(*ad, *js, "--data-binary", '{"pids":[2],"comms":["x"]}', url))
    got = filters(TOKEN)
    if '"pids":[2]' in got:
        ok("roles-admin-change-applied")
    else:
        fail("roles-admin-change-applied", got)

# --- the HTTP/1.1 head search -----------------------------------------------------------
elif case == "h1-incremental":
    head = b"GET /healthz HTTP/1.1\r\nHost: " + HOSTPORT.encode() + b"\r\n"
    i = 0
    while len(head) < 16 * 1024:
        head += b"X-%05d: v\r\n" % i
        i += 1
    head += b"Connection: close\r\n\r\n"
    m0 = metrics().get("hostlens_web_h1_header_scan_bytes_total")
    c0 = cpu_s()
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    t = time.time()
    for k in range(len(head)):
        s.send(head[k:k + 1])
        if k % 32 == 0:
            time.sleep(0.0001)      # small reads on the server's side
    s.settimeout(10)
    resp = s.recv(4096)
    s.close()
    took = time.time() - t
    cpu = cpu_s() - c0
    m1 = metric_after_tick("hostlens_web_h1_header_scan_bytes_total")
    print("# h1-incremental: %d-byte head, 1 byte per send, in %.1f s; server CPU %.3f s; scanned %s bytes"
          % (len(head), took, cpu, None if m0 is None or m1 is None else m1 - m0), flush=True)
    expect("h1-16k-head-byte-by-byte-answered", True, resp.startswith(b"HTTP/1.1 200"))
    # from where the last search stopped, less 3 bytes: at most 4 looks a byte
    if m0 is not None and m1 is not None and m1 - m0 <= 4 * len(head) + 4096:
        ok("h1-16k-head-searched-once-%d-bytes" % (m1 - m0))
    else:
        fail("h1-16k-head-searched-once", "scanned %s bytes for a %d-byte head (want <= 4x); counter %s -> %s"
             % (None if m0 is None or m1 is None else m1 - m0, len(head), m0, m1))
    if cpu < 0.25:
        ok("h1-16k-head-server-cpu-under-250ms")
    else:
        fail("h1-16k-head-server-cpu-under-250ms", "server used %.3f s of CPU" % cpu)

# --- per-client cap and the probe reserve ----------------------------------------------
elif case == "client-cap":
    # --web-max-conns-per-client 4: six silent connections from 127.0.0.1.
    socks = [socket.create_connection(("127.0.0.1", port)) for _ in range(6)]
    time.sleep(0.3)
    other = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "3",
                            "--interface", "127.0.0.2", "http://%s/api/v1/summary" % HOSTPORT],
                           capture_output=True, text=True).stdout
    expect("client-cap-other-address-served", "200", other)
    expect("client-cap-same-address-api-503", "503", curl("http://%s/api/v1/summary" % HOSTPORT))
    expect("client-cap-same-address-healthz-200", "200", curl("http://%s/healthz" % HOSTPORT))
    expect("client-cap-same-address-readyz-h2-200", "200",
           curl("--http2-prior-knowledge", "http://%s/readyz" % HOSTPORT))
    n = metric_after_tick("hostlens_web_connections", iface="127.0.0.2")
    for s in socks:
        s.close()
    if n is not None and n <= 6:
        ok("client-cap-held-at-most-4-plus-reserve")
    else:
        fail("client-cap-held-at-most-4-plus-reserve", "server holds %s connections" % n)
else:
    fail("hostile-case", "unknown case " + case)

try:
    os.kill(pid, 0)
    ok("server-alive-after-" + case)
except OSError:
    fail("server-alive-after-" + case, "webdemo died")
sys.exit(1 if failed else 0)
