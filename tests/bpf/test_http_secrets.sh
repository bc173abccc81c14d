#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# Secrets in URL paths, end to end: requests whose paths carry a JWT, an
# e-mail address and an API key reach the real pipeline (hlrun) from the
# socket hooks; none of them may be in the requests feed, the routes topic,
# the records or /metrics, where their segments are :redacted
# (docs/http.md, Privacy and cardinality). The cpu signal is on for the
# latency breakdown, whose "slowest" list shows paths too.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/http_lib.inc"

JWT=eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c
MAIL=alice.smith@example.com
KEY=sk_live_4eC39HqLyjWDarjtT1zdp7dc

need_root http_secrets || finish
py_server SRV || { fail http_secrets "delay server did not start"; finish; }
hl_start --signals cpu,http --pid "$SRV_PID" || { fail http_secrets "hlrun did not start"; finish; }

"$PY" "$HTTP_TESTS/http_client.py" "$SRV_PORT" "$TMPD/c.json" "/api/users/$JWT" "/api/users/$MAIL" \
	"/api/users/$KEY/profile" /api/users/7
hl_wait 10 "len([r for r in R if r['pid']==$SRV_PID])>=4" ||
	echo "(timed out waiting for 4 server records)" >&2
hl_stop

# the three secrets and their distinctive parts, as the files hold them
SECRETS="['$JWT', 'eyJhbGciOiJIUzI1NiIs', 'SflKxwRJSMeKKF2QT4fw', '$MAIL', 'alice.smith', '$KEY', '4eC39HqLyjWDarjt']"
hl_case http_secrets_paths_redacted "
got=sorted((r['path'], r['route']) for r in R if r['pid']==$SRV_PID)
want=sorted([('/api/users/:redacted','/api/users/:redacted'), ('/api/users/:redacted','/api/users/:redacted'),
             ('/api/users/:redacted/profile','/api/users/:redacted/profile'), ('/api/users/7','/api/users/:id')])
if got!=want: print('requests (path, route): %s, want %s'%(got,want))
"
for f in requests.json routes.json breakdown.json records.ndjson metrics.json; do
	hl_case "http_secrets_absent_from_${f%%.*}" "
import os
p='$HLDIR/$f'
if not os.path.exists(p) or not os.path.getsize(p): print('$f missing or empty')
else:
    s=open(p, encoding='utf-8').read()
    for x in $SECRETS:
        if x in s: print('$f holds %s'%x)
"
done
hl_case http_secrets_redacted_route_counted "
m=open('$HLDIR/metrics.json').read()
want='hostlens_http_requests_total{process=\"python3\",direction=\"inbound\",method=\"GET\",route=\"/api/users/:redacted\",status_class=\"2xx\"} 2'
if want not in m: print('metrics lack: '+want)
rt=[x for x in T('routes') or [] if x['pid']==$SRV_PID and x['route']=='/api/users/:redacted']
if len(rt)!=1 or rt[0]['requests_total']!=2: print('routes topic: want /api/users/:redacted x2, got %s'%rt)
"
finish
