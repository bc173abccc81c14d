#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# HTTP signal over TLS (OpenSSL uprobes): a python TLS server with the raw
# keep-alive client, and nginx with a self-signed certificate under curl -k.
# Same records as plaintext, marked tls.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/http_lib.inc"

need_root http_tls || finish
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TMPD/k.pem" -out "$TMPD/c.pem" -days 2 \
	-subj /CN=localhost 2>/dev/null || { fail http_tls "openssl req failed"; finish; }
py_server SRV --tls "$TMPD/c.pem" "$TMPD/k.pem" || { fail http_tls "TLS server did not start"; finish; }
cp "$(command -v curl)" "$TMPD/hlcurl"
PORT=$((18600 + $$ % 300))
NGX=1
command -v nginx >/dev/null && nginx_start $PORT tls || NGX=
hl_start --pid "$SRV_PID" --comm hlcurl ${NGX:+--pid "$NGINX_PID"} ||
	{ fail http_tls "hlrun did not start"; finish; }

"$PY" "$HTTP_TESTS/http_client.py" "$SRV_PORT" "$TMPD/ka.json" --tls /api/fast /api/users/7 \
	/api/slow POST:/api/post /api/chunked
"$TMPD/hlcurl" -sk -o /dev/null "https://127.0.0.1:$SRV_PORT/api/users/9" &
CURL1=$!
wait $CURL1
hl_wait 10 "len([r for r in R if r['pid']==$SRV_PID])>=6"

DELAYS="{'/api/fast':0,'/api/users/7':50,'/api/users/9':50,'/api/slow':200,'/api/post':50,'/api/chunked':50}"
hl_case http_tls_server_records "
import json
want=json.load(open('$TMPD/ka.json'))
got=[r for r in R if r['pid']==$SRV_PID and r['direction']=='inbound']
D=$DELAYS
if len(got)!=len(want)+1: print('want %d inbound TLS records, got %d'%(len(want)+1,len(got)))
for w in want:
    m=[r for r in got if r['path']==w['path'] and r['method']==w['method']]
    if len(m)!=1: print('%s %s: want 1 record, got %d'%(w['method'],w['path'],len(m))); continue
    r=m[0]
    d=D[w['path']]
    if not r['tls']: print(w['path']+': not marked tls')
    if r['status']!=w['status']: print('%s: status %d want %d'%(w['path'],r['status'],w['status']))
    if r['bytes_in']!=w['sent'] or r['bytes_out']!=w['received']: print('%s: bytes %d/%d, client %d/%d'%(w['path'],r['bytes_in'],r['bytes_out'],w['sent'],w['received']))
    if not (d <= r['latency_ms'] <= max(d + 2 + 0.05*d, w['rtt_ms'])): print('%s: latency %.3f ms, truth %d (+2 ms +5%%, or within the client\'s round trip %.3f ms)'%(w['path'],r['latency_ms'],d,w['rtt_ms']))
    if not r['peer'].startswith('127.0.0.1:'): print('%s: peer %s (socket fd not found)'%(w['path'],r['peer']))
"
hl_case http_tls_curl_client "
c=[r for r in R if r['pid']==$CURL1]
if len(c)!=1: print('want 1 record from curl, got %d'%len(c))
elif not c[0]['tls'] or c[0]['direction']!='outbound' or c[0]['route']!='/api/users/:id' or c[0]['status']!=200: print('curl record %s'%c[0])
elif not (50<=c[0]['latency_ms']<=60): print('curl latency %.3f'%c[0]['latency_ms'])
"

if [ -n "$NGX" ]; then
	for i in 1 2 3; do "$TMPD/hlcurl" -sk -o /dev/null "https://127.0.0.1:$PORT/index.html"; done
	"$TMPD/hlcurl" -sk -o /dev/null "https://127.0.0.1:$PORT/nope"
	hl_wait 10 "len([r for r in R if r['comm']=='nginx'])>=4"
	hl_case http_tls_nginx "
n=[r for r in R if r['comm']=='nginx']
ok=[r for r in n if r['path']=='/index.html' and r['status']==200 and r['tls'] and 4096<r['bytes_out']<4096+400]
nf=[r for r in n if r['path']=='/nope' and r['status']==404 and r['tls']]
if len(ok)!=3 or len(nf)!=1: print('nginx TLS records: %s'%n)
cl=[r for r in R if r['comm']=='hlcurl' and r['direction']=='outbound' and r['tls'] and r['peer']=='127.0.0.1:$PORT']
if len(cl)!=4: print('want 4 outbound TLS records from curl to nginx, got %d'%len(cl))
"
else
	skip http_tls_nginx "nginx missing"
fi
hl_case http_tls_library_attached "
h=T('http')
if not h['tls_libraries']: print('no libssl attached')
if h['tls_total']<10: print('tls_total %d'%h['tls_total'])
"
hl_stop
finish
