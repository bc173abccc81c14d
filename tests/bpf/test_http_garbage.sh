#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# Garbage on HTTP sockets: random bytes, a half request, a 10 KB request
# line, pipelined requests, an HTTP/2 preface. The agent must not crash,
# must ignore or count what it cannot pair (unparsed / unsupported), and the valid
# requests around the garbage must keep their own path and status.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/http_lib.inc"

need_root http_garbage || finish
py_server SRV || { fail http_garbage "server did not start"; finish; }
hl_start --pid "$SRV_PID" || { fail http_garbage "hlrun did not start"; finish; }

"$PY" - "$SRV_PORT" <<'PYEOF'
import os, socket, sys, time
port = int(sys.argv[1])
def conn():
    return socket.create_connection(("127.0.0.1", port))
def drain(s):
    s.settimeout(1.0)
    try:
        while s.recv(65536):
            pass
    except Exception:
        pass
    s.close()
def valid(path):
    s = conn()
    s.sendall(b"GET " + path.encode() + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    drain(s)
valid("/api/users/100")
# 1. random bytes (python answers 400 to what it cannot parse)
s = conn(); s.sendall(os.urandom(4096) + b"\r\n\r\n"); drain(s)
valid("/api/users/101")
# 2. half a request line, then close
s = conn(); s.sendall(b"GET /half-req HTT"); time.sleep(0.1); s.close()
# 3. a 10 KB request line (valid HTTP, beyond the captured bytes)
s = conn(); s.sendall(b"GET /" + b"a" * 10240 + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"); drain(s)
valid("/api/users/102")
# 4. pipelining: two requests in one write (the server reads both at once)
s = conn()
s.sendall(b"GET /api/slow HTTP/1.1\r\nHost: x\r\n\r\nGET /api/fast HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
drain(s)
# 5. an HTTP/2 preface on an HTTP/1 server
s = conn(); s.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + os.urandom(64)); drain(s)
# 6. binary junk that starts like a method
s = conn(); s.sendall(b"GET \x00\x01\x02\xff\xfe" + os.urandom(300)); drain(s)
valid("/api/users/103")
PYEOF
hl_wait 10 "len([r for r in R if r['path']=='/api/users/103'])>=1"
sleep 1.5
hl_case http_garbage_valid_requests_intact "
got=[r for r in R if r['pid']==$SRV_PID]
ok=['/api/users/100','/api/users/101','/api/users/102','/api/users/103']
for p in ok:
    m=[r for r in got if r['path']==p]
    if len(m)!=1 or m[0]['status']!=200 or m[0]['method']!='GET' or m[0]['route']!='/api/users/:id': print('%s: %s'%(p,m))
# the first of the pipelined pair is paired right; the second must not be
slow=[r for r in got if r['path']=='/api/slow']
if len(slow)!=1 or not (200<=slow[0]['latency_ms']<=212): print('pipelined first request: %s'%slow)
other=[r for r in got if r['path'] not in ok+['/api/slow']]
# a record for the 10 KB line or the second pipelined request would be made up
if other: print('records beyond the valid requests: %s'%[(r['method'],r['path'][:40],r['status']) for r in other])
"
hl_case http_garbage_counted "
h=T('http')
if h['unparsed_total']<1: print('10 KB request line not counted as unparsed: %s'%h)
if h['pipelined_total']<1: print('pipelining not counted: %s'%h)
if h['http2_total']<1: print('HTTP/2 preface not counted: %s'%h)
"
kill -0 "$HL_PID" 2>/dev/null && ok http_garbage_agent_alive || fail http_garbage_agent_alive "hlrun died"
hl_stop
check http_garbage_clean_exit [ "$HL_RC" = 0 ]
finish
