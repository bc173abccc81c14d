#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# The libssl table of the OpenSSL attacher (32 files) under churn, for real:
# 75 copies of the system libssl, each a distinct file, preloaded into
# `sleep` holders (LD_PRELOAD).
#  A. 40 copies, 8 at a time, each batch gone before the next: every copy is
#     probed, files no process maps are detached, the table never refuses.
#  B. a client started after that, through a fresh copy, is captured (TLS).
#  C. 33 copies alive at once (more than the free slots): the refusals are
#     counted (topic and /metrics) and logged.
#  D. once they are gone, a new copy is probed again.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/http_lib.inc"

need_root http_tls_table || finish
LIBSSL=$(ldconfig -p | awk '$1 == "libssl.so.3" && /x86-64|AArch64/ {print $NF; exit}')
[ -r "$LIBSSL" ] || { skip http_tls_table "no libssl.so.3"; finish; }
mkdir -p "$TMPD/tls"
for i in $(seq 1 75); do cp "$LIBSSL" "$TMPD/tls/libssl.so.3.$i"; done
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TMPD/k.pem" -out "$TMPD/c.pem" -days 2 \
	-subj /CN=localhost 2>/dev/null || { fail http_tls_table "openssl req failed"; finish; }
py_server SRV --tls "$TMPD/c.pem" "$TMPD/k.pem" || { fail http_tls_table "TLS server did not start"; finish; }
cp "$(command -v curl)" "$TMPD/hltls"
hl_start --comm hltls || { fail http_tls_table "hlrun did not start"; finish; }

HOLDERS=
# holders FIRST LAST: a sleep per copy FIRST..LAST, each with its copy preloaded
holders() {
	for i in $(seq "$1" "$2"); do
		LD_PRELOAD=$TMPD/tls/libssl.so.3.$i sleep 300 &
		HOLDERS="$HOLDERS $!"
	done
}
# drop_holders: kills them and waits until they are gone (unmapped)
drop_holders() {
	[ -n "$HOLDERS" ] && kill $HOLDERS 2>/dev/null
	for p in $HOLDERS; do wait "$p" 2>/dev/null; done
	HOLDERS=
}
on_exit 'drop_holders'

# tls_state: prints "nlibs full evicted copies-probed" from the http topic and
# keeps the largest table seen in $TMPD/max
tls_state() {
	"$PY" - "$HLDIR/http.json" "$TMPD/max" <<'PY'
import json, re, sys
try:
    h = json.load(open(sys.argv[1]))
except Exception:
    print("0 0 0 -"); sys.exit(0)
libs = h.get("tls_libraries", [])
copies = sorted(int(m.group(1)) for l in libs for m in [re.search(r"/tls/libssl\.so\.3\.(\d+)$", l["path"])] if m)
try:
    mx = int(open(sys.argv[2]).read())
except Exception:
    mx = 0
open(sys.argv[2], "w").write(str(max(mx, len(libs))))
print(len(libs), h.get("tls_libraries_full_total", -1), h.get("tls_libraries_evicted_total", -1),
      ",".join(map(str, copies)) or "-")
PY
}
# probed FIRST LAST: every copy FIRST..LAST is in the table now
probed() {
	s=$(tls_state)
	"$PY" -c "
import sys
have = set(int(x) for x in '${s##* }'.split(',') if x != '-')
sys.exit(0 if set(range($1, $2 + 1)) <= have else 1)"
}

# A. churn: 5 batches of 8 copies, one after another
missed=
for b in 0 1 2 3 4; do
	first=$((b * 8 + 1)); last=$((b * 8 + 8))
	holders $first $last
	wait_for 25 probed $first $last || missed="$missed $first-$last($(tls_state))"
	drop_holders
done
set -- $(tls_state)
if [ -z "$missed" ] && [ "$2" = 0 ] && [ "$3" -ge 8 ] && [ "$(cat "$TMPD/max")" -le 32 ]; then
	ok http_tls_table_churn_evicts
else
	fail http_tls_table_churn_evicts "want copies 1-40 probed batch by batch, no refusal, evictions, <= 32 files; not probed:${missed:- none}; now $1 files, full_total $2, evicted_total $3, largest table $(cat "$TMPD/max")"
fi

# B. a client started after the churn, through copy 41, is captured
holders 41 41
wait_for 25 probed 41 41
for i in 1 2 3 4 5 6 7 8 9 10; do
	LD_PRELOAD=$TMPD/tls/libssl.so.3.41 "$TMPD/hltls" -sk -o /dev/null \
		"https://127.0.0.1:$SRV_PORT/api/users/$i"
	hl_wait 2 "any(r['comm']=='hltls' and r['tls'] for r in R)" && break
done
hl_case http_tls_table_later_process_captured "
c=[r for r in R if r['comm']=='hltls']
if not any(r['tls'] and r['direction']=='outbound' and r['route']=='/api/users/:id' and r['status']==200 for r in c):
    print('no outbound TLS record of hltls through copy 41: %s; table: $(tls_state)'%c)
"
drop_holders

# C. more copies alive at once than the table has free slots
holders 42 74
full_seen() { set -- $(tls_state); [ "$2" -gt 0 ] 2>/dev/null; }
wait_for 30 full_seen
set -- $(tls_state)
if [ "$2" -ge 2 ] && [ "$1" = 32 ]; then
	ok http_tls_table_full_counted
else
	fail http_tls_table_full_counted "33 copies alive: want 32 files probed and tls_libraries_full_total >= 2, got $1 files, full_total $2"
fi
if grep -q "http: TLS library table full: 31 libssl files\|http: TLS library table full: 32 libssl files" "$TMPD/hlrun.log"; then
	ok http_tls_table_full_logged
else
	fail http_tls_table_full_logged "no 'TLS library table full' line in the log: $(tail -3 "$TMPD/hlrun.log")"
fi
hl_case http_tls_table_full_in_metrics "
import re
m=open('$HLDIR/metrics.json').read()
f=re.search(r'^hostlens_http_tls_libraries_full_total (\d+)$', m, re.M)
n=re.search(r'^hostlens_http_tls_libraries (\d+)$', m, re.M)
if not f or int(f.group(1)) < 2 or not n or int(n.group(1)) != 32: print('metrics: %s %s'%(f and f.group(0), n and n.group(0)))
"

# D. once they are gone, a new copy is probed (a sweep within 10 s)
drop_holders
holders 75 75
if wait_for 30 probed 75 75; then
	ok http_tls_table_recovers
else
	fail http_tls_table_recovers "copy 75 not probed after the 33 holders left: $(tls_state)"
fi
drop_holders
hl_stop
finish
