#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# A reused pid does not keep the old process's name: a server named
# hlreuse-a at pid N serves a request and exits; a process that gets pid N
# again (fork without exec, the driver's own name) serves another: its
# request is shown with its own name, not hlreuse-a. BPF names a process
# once per CPU (ev_http_proc) and forgets the pid when the process exits;
# the processor replaces the name it held. Pid N is had again through
# kernel.ns_last_pid (tests/bpf/pid_reuse.py).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/http_lib.inc"

need_root http_pid_reuse_name || finish
[ -w /proc/sys/kernel/ns_last_pid ] || { skip http_pid_reuse_name "kernel.ns_last_pid not writable"; finish; }
hl_start || { fail http_pid_reuse_name "hlrun did not start"; finish; }

"$PY" "$HTTP_TESTS/pid_reuse.py" hlreuse-a "$TMPD/go" >"$TMPD/reuse.out" 2>"$TMPD/reuse.err" &
DRV=$!
on_exit "kill $DRV 2>/dev/null"
wait_for 10 grep -q '^first ' "$TMPD/reuse.out"
N=$(sed -n 's/^first //p' "$TMPD/reuse.out")
hl_wait 10 "any(r['path']=='/reuse/first' for r in R)"
touch "$TMPD/go"
wait_for 30 grep -q '^third ' "$TMPD/reuse.out"
wait "$DRV"
hl_wait 10 "any(r['path']=='/reuse/second' for r in R)"
if grep -q '^second-missed' "$TMPD/reuse.out"; then
	skip http_pid_reuse_name "pid $N was not had again in 500 forks (a busy host)"
elif ! grep -q "^second $N\$" "$TMPD/reuse.out"; then
	fail http_pid_reuse_name "driver did not run: $(cat "$TMPD/reuse.out" "$TMPD/reuse.err" | tr '\n' '|')"
else
	hl_case http_pid_reuse_name "
first=[r for r in R if r['path']=='/reuse/first' and r['direction']=='inbound']
second=[r for r in R if r['path']=='/reuse/second' and r['direction']=='inbound']
if len(first)!=1 or first[0]['pid']!=$N or first[0]['comm']!='hlreuse-a': print('the hlreuse-a server at pid $N: want 1 record named hlreuse-a, got %s'%first)
if len(second)!=1 or second[0]['pid']!=$N or second[0]['comm'] in ('hlreuse-a', ''): print('the next process at pid $N (the driver\\'s name): want 1 record with its own name, got %s'%second)
"
fi
hl_stop
finish
