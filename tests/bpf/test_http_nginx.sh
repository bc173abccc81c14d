#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# HTTP signal under load: Debian's nginx (sendfile on, keep-alive) serving
# static files under wrk. The agent must count what wrk counted (within 1%),
# with headers + sendfile bodies in bytes_out.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/http_lib.inc"

need_root http_nginx || finish
command -v nginx >/dev/null && command -v wrk >/dev/null ||
	{ skip http_nginx "nginx or wrk missing (scripts/setup.sh test)"; finish; }
PORT=$((18100 + $$ % 500))
nginx_start $PORT || { fail http_nginx "nginx did not start: $(tail -3 "$TMPD/nginx-error.log")"; finish; }
hl_start --pid "$NGINX_PID" || { fail http_nginx "hlrun did not start"; finish; }

wrk_count() { sed -n 's/^ *\([0-9]*\) requests in .*/\1/p' "$1"; }

wrk -c 16 -t 2 -d 3s "http://127.0.0.1:$PORT/index.html" >"$TMPD/wrk1.out" 2>&1
N1=$(wrk_count "$TMPD/wrk1.out")

sleep 2
hl_case http_nginx_wrk_count "
n=sum(x['requests_total'] for x in T('routes') if x['route']=='/index.html' and x['direction']=='inbound')
w=int('${N1:-0}')
if w<1000: print('wrk made only %d requests: %s'%(w, open('$TMPD/wrk1.out').read()[-300:]))
elif abs(n-w)>0.01*w: print('agent counted %d requests, wrk %d (more than 1%% apart)'%(n,w))
s=T('stats')
if s['kernel_drops_total'] or s['reader_lost_total']: print('drops: kernel %d, processor lost %d'%(s['kernel_drops_total'],s['reader_lost_total']))
"
hl_case http_nginx_record_fields "
r=[x for x in R if x['path']=='/index.html']
if not r: print('no /index.html records')
else:
    x=r[-1]
    if x['comm']!='nginx' or x['status']!=200 or x['method']!='GET' or x['direction']!='inbound': print('record: %s'%x)
    if not (4096+100 <= x['bytes_out'] <= 4096+400): print('bytes_out %d: want the 4096-byte sendfile body + head'%x['bytes_out'])
    if x['latency_ms']<=0 or x['latency_ms']>50: print('latency %.3f ms'%x['latency_ms'])
"

# large bodies: several sendfile calls per response, keep-alive
wrk -c 4 -t 1 -d 2s "http://127.0.0.1:$PORT/big.bin" >"$TMPD/wrk2.out" 2>&1
N2=$(wrk_count "$TMPD/wrk2.out")
sleep 2
hl_case http_nginx_big_bodies "
rt=[x for x in T('routes') if x['route']=='/big.bin']
n=sum(x['requests_total'] for x in rt)
w=int('${N2:-0}')
if w<100: print('wrk made only %d requests'%w)
elif abs(n-w)>0.01*w+1: print('agent counted %d big responses, wrk %d'%(n,w))
b=[x for x in R if x['path']=='/big.bin']
# a response followed by the next request on its connection carried the
# whole body; one ended by close may have been cut off when wrk stopped
# (closed or reset mid-body), with less
full=[x for x in b if x['end']=='next']
if not full: print('no /big.bin response ended by the next request: %s'%b[-3:])
bad=[x['bytes_out'] for x in full if not (262144 < x['bytes_out'] < 262144+400)]
if bad: print('bytes_out %s for a 256 KiB body'%bad[:5])
cut=[x['bytes_out'] for x in b if x['end']!='next' and not (0 < x['bytes_out'] <= 262144+400)]
if cut: print('responses ended otherwise with bytes_out %s'%cut[:5])
"
# steady keep-alive traffic ends each response at the next request: the
# idle walk over the host's TCP sockets (a fixed cost) is not needed
hl_case http_nginx_no_idle_walks_under_load "
h=T('http')
if h.get('idle_walks_total', 99) > 6: print('idle iterator walked %s times over two short wrk runs: %s'%(h.get('idle_walks_total'), {k: h[k] for k in ('requests_total', 'idle_walks_total') if k in h}))
"
hl_stop
check http_nginx_agent_clean_exit [ "$HL_RC" = 0 ]
# nginx's two workers (two pids, one process name) serve the same routes: one
# series per label set, the workers' counts summed (a duplicate series would
# make Prometheus reject the whole scrape)
hl_case http_nginx_prometheus_one_series "
import collections, re
m = open('$HLDIR/metrics.json').read()
seen = collections.Counter(l.rsplit(' ', 1)[0] for l in m.splitlines() if l and not l.startswith('#'))
dup = [k for k, c in seen.items() if c > 1]
if dup: print('duplicate series: %s' % dup[:3])
r = re.search(r'hostlens_http_requests_total\\{process=\"nginx\",direction=\"inbound\",method=\"GET\",route=\"/index.html\",status_class=\"2xx\"\\} (\\d+)', m)
n = sum(x['requests_total'] for x in T('routes') if x['route']=='/index.html' and x['direction']=='inbound')
pids = set(x['pid'] for x in T('routes') if x['route']=='/index.html' and x['direction']=='inbound')
if not r: print('no nginx /index.html line')
elif int(r.group(1)) != n: print('/metrics says %s requests, routes topic %d (pids %s)' % (r.group(1), n, sorted(pids)))
if len(pids) < 2: print('only %d nginx worker served /index.html: the test needs both' % len(pids))
"
finish
