#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# A plaintext response ends at the next request, at close, or when its
# connection has been quiet for a moment (the BPF idle iterator, bpf/http/http.bpf.h
# http_idle): a keep-alive connection that stays open after its last
# response must still get that request into the live feed within 2 s, with
# the latency of the response itself and all its bytes; the others on the
# connection end at the next request.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/http_lib.inc"

need_root http_idle || finish
py_server SRV || { fail http_idle "delay server did not start"; finish; }
hl_start --pid "$SRV_PID" || { fail http_idle "hlrun did not start"; finish; }

# three requests, then the connection stays open, idle, for 6 s
"$PY" "$HTTP_TESTS/http_client.py" "$SRV_PORT" "$TMPD/ka.json" --hold 6 /api/users/7 /api/corked /api/slow &
CL=$!
on_exit "kill $CL 2>/dev/null"
wait_for 5 test -s "$TMPD/ka.json" || { fail http_idle "client did not finish its requests"; finish; }
T0=$(date +%s.%N)
hl_wait 4 "any(r['path']=='/api/slow' for r in R)"
T1=$(date +%s.%N)
hl_case http_idle_reaches_feed_in_2s "
el = $T1 - $T0
if el > 2.0: print('the last request on an idle keep-alive connection reached the feed %.2f s after its response (want <= 2 s)'%el)
"
hl_case http_idle_record_exact "
want = {w['path']: w for w in json.load(open('$TMPD/ka.json'))}
got = {r['path']: r for r in R if r['pid']==$SRV_PID and r['direction']=='inbound'}
ends = {'/api/users/7': 'next', '/api/corked': 'next', '/api/slow': 'idle'}
delay = {'/api/users/7': 50, '/api/corked': 150, '/api/slow': 200}
for p, w in want.items():
    r = got.get(p)
    if not r: print('%s: no record'%p); continue
    if r['end'] != ends[p]: print('%s: ended by %s, want %s'%(p, r['end'], ends[p]))
    if r['bytes_out'] != w['received']: print('%s: bytes_out %d, client received %d'%(p, r['bytes_out'], w['received']))
    if r['bytes_in'] != w['sent']: print('%s: bytes_in %d, client sent %d'%(p, r['bytes_in'], w['sent']))
    if not (delay[p] <= r['latency_ms'] <= max(delay[p] + 2 + 0.05 * delay[p], w['rtt_ms'])):
        print('%s: latency %.3f ms, truth %d ms (the idle wait must not count)'%(p, r['latency_ms'], delay[p]))
    if p == '/api/corked' and r['latency_ms'] >= 240:
        print('%s: latency %.3f ms: ended when the kernel sent it (250 ms), not when written (150 ms)'%(p, r['latency_ms']))
    if r['status'] != 200: print('%s: status %d'%(p, r['status']))
"
kill $CL 2>/dev/null
hl_stop
check http_idle_agent_clean_exit [ "$HL_RC" = 0 ]
finish
