#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# HTTP capture filters: --pid at start, then changed at run time through
# http_filters_set() (hlrun's set_filters.json hook): another pid, a command
# name matched by a process started later or by one that execs into it, a
# cgroup (by path and by a container-style id), and a bad body that must
# change nothing.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/http_lib.inc"

need_root http_filters || finish
py_server A || { fail http_filters "server A did not start"; finish; }
py_server B || { fail http_filters "server B did not start"; finish; }
hl_start --pid "$A_PID" || { fail http_filters "hlrun did not start"; finish; }

# get PORT PATH... : one keep-alive connection
get() { p=$1; shift; "$PY" "$HTTP_TESTS/http_client.py" "$p" "$TMPD/c.json" "$@"; }
# set_filters JSON : calls the hook, echoes its answer
set_filters() {
	rm -f "$HLDIR/set_filters.result"
	echo "$1" >"$HLDIR/set_filters.json.tmp" && mv "$HLDIR/set_filters.json.tmp" "$HLDIR/set_filters.json"
	wait_for 5 test -s "$HLDIR/set_filters.result"
	cat "$HLDIR/set_filters.result" 2>/dev/null
}
count() { hl_py "print(len([r for r in R if r['pid']==$1 and r['direction']=='inbound']))"; }

get "$A_PORT" /api/fast /api/users/1
get "$B_PORT" /api/fast /api/users/2
hl_wait 5 "len([r for r in R if r['pid']==$A_PID])>=2"
sleep 1.2
hl_case http_filter_pid "
a=[r for r in R if r['pid']==$A_PID]; b=[r for r in R if r['pid']==$B_PID]
if len(a)!=2: print('want 2 records of server A, got %d'%len(a))
if b: print('server B (not selected) has %d records'%len(b))
if [x for x in R if x['pid'] not in ($A_PID,)]: print('records of other processes: %s'%set(x['comm'] for x in R if x['pid']!=$A_PID))
f=T('filters')
if f!={'pids':[$A_PID],'comms':[],'cgroups':[]}: print('filters topic: %s'%f)
"

# run time: switch to B
res=$(set_filters "{\"pids\":[$B_PID]}")
A_BEFORE=$(count "$A_PID")
get "$A_PORT" /api/slow
get "$B_PORT" /api/users/3 /api/users/4
hl_wait 5 "len([r for r in R if r['pid']==$B_PID])>=2"
sleep 1.2
hl_case http_filter_runtime_pid "
if '''$res'''.strip()!='ok': print('set_filters answered: $res')
a=[r for r in R if r['pid']==$A_PID]; b=[r for r in R if r['pid']==$B_PID]
if len(a)!=$A_BEFORE: print('server A got new records after it was deselected: %d -> %d'%($A_BEFORE,len(a)))
if len(b)!=2 or set(r['path'] for r in b)!={'/api/users/3','/api/users/4'}: print('server B records: %s'%[r['path'] for r in b])
if T('filters')['pids']!=[$B_PID]: print('filters topic %s'%T('filters'))
"

# a bad body changes nothing
res=$(set_filters '{"pids":["not-a-pid"]}')
hl_case http_filter_bad_body "
if '''$res'''.strip()=='ok' or 'pids' not in '''$res''': print('bad body accepted: $res')
if T('filters')['pids']!=[$B_PID]: print('filters changed by a bad body: %s'%T('filters'))
"

# by command name: a server started after the change is picked up
res=$(set_filters '{"comms":["hlsrv"]}')
ln -s "$PY" "$TMPD/hlsrv"
PY_SAVE=$PY; PY=$TMPD/hlsrv; py_server C; PY=$PY_SAVE
get "$C_PORT" /api/users/5
get "$B_PORT" /api/users/6
hl_wait 5 "any(r['pid']==$C_PID for r in R)"
sleep 1.2
hl_case http_filter_comm_later_process "
if '''$res'''.strip()!='ok': print('set_filters: $res')
c=[r for r in R if r['pid']==$C_PID]
if len(c)!=1 or c[0]['comm']!='hlsrv' or c[0]['path']!='/api/users/5': print('late hlsrv records: %s'%c)
if any(r['path']=='/api/users/6' for r in R): print('server B recorded under a comm filter for hlsrv')
"

# a thread decided on under one name, then exec'ing into a selected one: its
# verdict goes at exec (tests/bpf/exec_into.py serves on the exec'ing thread)
rm -f "$TMPD/ex.port"
"$PY" "$HTTP_TESTS/exec_into.py" "$B_PORT" "$TMPD/hlsrv" "$TMPD/ex.port" >"$TMPD/ex.log" 2>&1 &
EX_PID=$!
on_exit "kill $EX_PID 2>/dev/null"
wait_for 10 test -s "$TMPD/ex.port"
get "$(cat "$TMPD/ex.port" 2>/dev/null)" /exec/after
hl_wait 5 "any(r['path']=='/exec/after' for r in R)"
sleep 1.2
hl_case http_filter_comm_after_exec "
e=[r for r in R if r['pid']==$EX_PID]
if [r['path'] for r in e]!=['/exec/after'] or e[0]['comm']!='hlsrv': print('records of the process that exec\'d into hlsrv: %s'%[(r['path'],r['comm']) for r in e])
"

# by cgroup (v2): path, and a container-style id found by search
CGROOT=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
CID=$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')
CG="$CGROOT/hltest-$CID"
if [ -n "$CGROOT" ] && mkdir "$CG" 2>/dev/null; then
	on_exit "cat '$CG/cgroup.procs' 2>/dev/null | while read p; do echo \$p > '$CGROOT/cgroup.procs'; done; rmdir '$CG' 2>/dev/null"
	echo "$B_PID" >"$CG/cgroup.procs"
	res=$(set_filters "{\"cgroups\":[\"$CG\"]}")
	get "$B_PORT" /api/users/10
	get "$A_PORT" /api/users/11
	hl_wait 5 "any(r['path']=='/api/users/10' for r in R)"
	res2=$(set_filters "{\"cgroups\":[\"$CID\"]}")
	get "$B_PORT" /api/users/12
	hl_wait 5 "any(r['path']=='/api/users/12' for r in R)"
	sleep 1.2
	hl_case http_filter_cgroup "
if '''$res'''.strip()!='ok' or '''$res2'''.strip()!='ok': print('set_filters: $res / $res2')
if not any(r['path']=='/api/users/10' and r['pid']==$B_PID for r in R): print('request in the cgroup (by path) missing')
if not any(r['path']=='/api/users/12' and r['pid']==$B_PID for r in R): print('request in the cgroup (by id) missing')
if any(r['path']=='/api/users/11' for r in R): print('server A (outside the cgroup) recorded')
"
	echo "$B_PID" >"$CGROOT/cgroup.procs"
else
	skip http_filter_cgroup "no writable cgroup v2 hierarchy"
fi
res=$(set_filters '{"cgroups":["no-such-container-0123456789"]}')
hl_case http_filter_unknown_cgroup "
if '''$res'''.strip()=='ok': print('unknown cgroup accepted')
"
hl_stop

# a filter that cannot be applied at start captures nothing (not everything),
# also not in the moment between attach and the filter's first write: traffic
# already flowing when the agent starts must not slip through
if command -v wrk >/dev/null; then
	wrk -c 4 -d 5 "http://127.0.0.1:$A_PORT/api/users/20" >/dev/null 2>&1 &
	WRK=$!
	on_exit "kill $WRK 2>/dev/null"
	sleep 1
fi
hl_start --cgroup /no-such-cgroup-hltest || { fail http_filter_bad_start "hlrun did not start"; finish; }
get "$A_PORT" /api/users/20
sleep 1.5
hl_case http_filter_bad_start "
if R: print('captured %d requests with an unusable filter'%len(R))
f=T('filters')
if not f or 'error' not in f: print('filters topic does not say why: %s'%f)
"
hl_stop
finish
