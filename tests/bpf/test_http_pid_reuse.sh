#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# The HTTP capture filter's verdict (kept in the thread's task storage)
# must not outlive the process: with --comm hlreuse-ok, a server named
# hlreuse-ok at pid N is captured; after it exits, a process that gets pid N
# again by fork without exec (a pre-fork server's worker), named otherwise,
# must not be captured. Pid N is had again through kernel.ns_last_pid in the
# initial pid namespace (the pids BPF sees), driven by tests/bpf/pid_reuse.py.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/http_lib.inc"

need_root http_filter_pid_reuse || finish
[ -w /proc/sys/kernel/ns_last_pid ] || { skip http_filter_pid_reuse "kernel.ns_last_pid not writable"; finish; }
hl_start --comm hlreuse-ok || { fail http_filter_pid_reuse "hlrun did not start"; finish; }

"$PY" "$HTTP_TESTS/pid_reuse.py" hlreuse-ok "$TMPD/go" >"$TMPD/reuse.out" 2>"$TMPD/reuse.err" &
DRV=$!
on_exit "kill $DRV 2>/dev/null"
wait_for 10 grep -q '^first ' "$TMPD/reuse.out"
N=$(sed -n 's/^first //p' "$TMPD/reuse.out")
hl_wait 10 "any(r['path']=='/reuse/first' for r in R)"
touch "$TMPD/go"
wait_for 30 grep -q '^third ' "$TMPD/reuse.out"
wait "$DRV"
hl_wait 10 "any(r['path']=='/reuse/third' for r in R)"
sleep 1.2
cat "$TMPD/reuse.out" | sed 's/^/# /'
if grep -q '^second-missed' "$TMPD/reuse.out"; then
	skip http_filter_pid_reuse "pid $N was not had again in 500 forks (a busy host)"
elif ! grep -q "^second $N\$" "$TMPD/reuse.out"; then
	fail http_filter_pid_reuse "driver did not run: $(cat "$TMPD/reuse.out" "$TMPD/reuse.err" | tr '\n' '|')"
else
	hl_case http_filter_pid_reuse "
first=[r for r in R if r['path']=='/reuse/first']
second=[r for r in R if r['path']=='/reuse/second']
third=[r for r in R if r['path']=='/reuse/third']
if len(first)!=1 or first[0]['pid']!=$N or first[0]['comm']!='hlreuse-ok': print('the hlreuse-ok server at pid $N: want 1 record, got %s'%first)
if second: print('a process that reused pid $N without being hlreuse-ok was captured (the verdict of the exited one): %s'%second)
if len(third)!=1: print('capture still on afterwards: want 1 record of /reuse/third, got %s'%third)
"
fi
hl_stop
finish
