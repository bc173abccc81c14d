# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# Privileges: after caps__drop_after_attach() only CAP_BPF, CAP_PERFMON,
# CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH remain (plus CAP_SYS_ADMIN on a kernel
# without uprobe_multi links), in every set, with no_new_privs; what the agent
# still has to do keeps working (read /proc of other processes, BPF maps,
# uprobe and tracepoint attach with live hits) and what it must not do fails.
. "$(dirname "$0")/../lib.sh"

H=$BUILD/tests/helpers/capsdrop
[ -x "$H" ] || { fail caps-helper "no $H (run make)"; finish; }
need_root caps-drop || finish
# the tracepoint probe reads its id from tracefs
[ -d /sys/kernel/tracing/events ] || mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null

"$H" >"$TMPD/out" 2>"$TMPD/err"
rc=$?
st() { sed -n "s/^status $1:[[:space:]]*//p" "$TMPD/out"; }
pr() { sed -n "s/^probe $1 //p" "$TMPD/out"; }

# CAP_DAC_READ_SEARCH 2, CAP_SYS_PTRACE 19, CAP_PERFMON 38, CAP_BPF 39
want=000000c000080004
ex=$(pr uprobe_perf_attach)
if [ "$(pr uprobe_multi_attach)" != ok ]; then
	want=000000c000280004	# + CAP_SYS_ADMIN 21: later uprobes need the perf PMU
fi
if [ $rc = 0 ] && [ "$(st CapEff)" = $want ] && [ "$(st CapPrm)" = $want ]; then ok caps-effective-permitted-reduced
else fail caps-effective-permitted-reduced "CapEff=CapPrm=$want; got exit $rc eff $(st CapEff) prm $(st CapPrm) $(cat "$TMPD/err")"; fi
check caps-inheritable-ambient-empty [ "$(st CapInh)/$(st CapAmb)" = 0000000000000000/0000000000000000 ]
# run as root with CAP_SETPCAP: the bounding set is cut to the same set
check caps-bounding-reduced [ "$(st CapBnd)" = $want ]
check caps-no-new-privs [ "$(st NoNewPrivs)" = 1 ]

if grep -q '^describe .*"cap_effective":\["dac_read_search","sys_ptrace",' "$TMPD/out" &&
	grep -q '^describe .*"perfmon","bpf"\],"cap_permitted"' "$TMPD/out" &&
	grep -q '^describe .*"cap_effective_hex":"'$want'","no_new_privs":true' "$TMPD/out"; then
	ok caps-describe-json
else fail caps-describe-json "names and hex as in /proc; got $(grep '^describe' "$TMPD/out")"; fi

# still works
check caps-still-reads-proc1-stat [ "$(pr read_proc1_stat)" = ok ]
check caps-still-reads-privileged-proc-maps [ "$(pr read_privileged_child_maps)" = ok ]
check caps-still-reads-proc-pid-root [ "$(pr read_privileged_child_root)" = ok ]
check caps-still-creates-bpf-map [ "$(pr bpf_map_create)" = ok ]
hits=$(sed -n 's/^tracepoint_hits \([0-9]*\) .*/\1/p' "$TMPD/out")
if [ "$(pr tracepoint_attach)" = ok ] && [ "$hits" = 7 ]; then ok caps-still-attaches-tracepoint
else fail caps-still-attaches-tracepoint "attach ok and 7 hits for 7 getppid calls; got '$(pr tracepoint_attach)' hits '$hits'"; fi
hits=$(sed -n 's/^uprobe_multi_hits \([0-9]*\) .*/\1/p' "$TMPD/out")
if [ "$(pr uprobe_multi_attach)" = ok ] && [ "$hits" = 5 ]; then ok caps-still-attaches-uprobe
elif [ "$want" = 000000c000280004 ] && [ "$(pr uprobe_perf_attach)" = ok ]; then ok caps-still-attaches-uprobe
else fail caps-still-attaches-uprobe "uprobe_multi link with 5 hits for 5 calls; got '$(pr uprobe_multi_attach)' hits '$hits'"; fi
echo "# perf-PMU uprobe after the drop: $ex"

# no longer allowed
check caps-mount-denied [ "$(pr mount_tmpfs)" = "Operation not permitted" ]
check caps-chown-denied [ "$(pr chown)" = "Operation not permitted" ]
check caps-setuid-denied [ "$(pr setuid)" = "Operation not permitted" ]
check caps-raise-denied [ "$(pr raise_sys_admin)" = "Operation not permitted" ]
c=$(sed -n 's/^child CapEff:[[:space:]]*//p' "$TMPD/out")
check caps-execve-gains-nothing [ "$c" = 0000000000000000 ]

# the drop refuses a process that already runs threads (caps are per thread)
"$H" --threads >"$TMPD/t" 2>&1
rc=$?
if [ $rc = 1 ] && grep -q '^drop -16 caps: 2 threads run' "$TMPD/t"; then ok caps-refuses-when-threads-run
else fail caps-refuses-when-threads-run "exit 1 with -EBUSY; got $rc $(head -2 "$TMPD/t")"; fi

# The DaemonSet's shape: the container gets only BPF, PERFMON, SYS_ADMIN,
# SYS_PTRACE and DAC_READ_SEARCH (no CAP_SETPCAP, so the bounding set cannot
# shrink): the drop still removes SYS_ADMIN, and no_new_privs keeps an
# execve'd child from getting it back from the bounding set.
if command -v capsh >/dev/null; then
	drop=
	for n in chown dac_override fowner fsetid kill setgid setuid setpcap linux_immutable \
		net_bind_service net_broadcast net_admin net_raw ipc_lock ipc_owner sys_module \
		sys_rawio sys_chroot sys_pacct sys_boot sys_nice sys_resource sys_time sys_tty_config \
		mknod lease audit_write audit_control setfcap mac_override mac_admin syslog wake_alarm \
		block_suspend audit_read checkpoint_restore; do
		drop="$drop${drop:+,}cap_$n"
	done
	capsh --drop="$drop" -- -c "exec '$H'" >"$TMPD/c" 2>&1
	rc=$?
	ce() { sed -n "s/^$1:[[:space:]]*//p" "$TMPD/c"; }
	got="$rc $(ce 'status CapEff') $(ce 'status CapBnd') $(ce 'status NoNewPrivs') $(ce 'child CapEff')"
	if [ "$got" = "0 $want 000000c000280004 1 $want" ]; then ok caps-container-shaped
	else fail caps-container-shaped "exit 0, CapEff $want, bounding unchanged 000000c000280004, NoNewPrivs 1, child CapEff $want; got $got"; fi
	check caps-container-shaped-uprobe-still-attaches [ "$(sed -n 's/^probe uprobe_multi_attach //p' "$TMPD/c")" = ok ]
else
	skip caps-container-shaped "no capsh (libcap2-bin)"
fi

# the agent itself, once it exists: reduced set after start, and it still serves
if [ -x "$HOSTLENS" ]; then
	if start_agent --signals cpu; then
		eff=$(sed -n 's/^CapEff:[[:space:]]*//p' "/proc/$AGENT_PID/status")
		nnp=$(sed -n 's/^NoNewPrivs:[[:space:]]*//p' "/proc/$AGENT_PID/status")
		if [ "$eff" = $want ] && [ "$nnp" = 1 ]; then ok agent-runs-with-reduced-caps
		else fail agent-runs-with-reduced-caps "CapEff $want, NoNewPrivs 1; got $eff $nnp"; fi
		# every thread, not only the main one
		bad=0
		for t in /proc/$AGENT_PID/task/*; do
			[ "$(sed -n 's/^CapEff:[[:space:]]*//p' "$t/status")" = $want ] || bad=$((bad + 1))
		done
		check agent-every-thread-reduced [ $bad = 0 ]
		# it keeps working: still running after its threads have been busy a
		# while, /readyz answers (once the web server is in the build), and it
		# detaches and stops cleanly without the capabilities it dropped
		sleep 2
		code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$AGENT_PORT/readyz")
		if [ "$code" = 200 ]; then ok agent-still-ready-after-drop
		elif [ "$code" = 000 ] && kill -0 "$AGENT_PID" 2>/dev/null; then
			SKIP_OK_IN_CI=1 skip agent-still-ready-after-drop "no web server in this build yet"
		else fail agent-still-ready-after-drop "/readyz 200 from a running agent, got $code"; fi
		alive=no
		kill -0 "$AGENT_PID" 2>/dev/null && alive=yes
		stop_agent
		if [ $alive = yes ] && [ "$AGENT_RC" = 0 ]; then ok agent-clean-stop-after-drop
		else fail agent-clean-stop-after-drop "running after 2 s and exit 0 on SIGTERM; alive=$alive rc=$AGENT_RC: $(tail -3 "$TMPD/agent.log")"; fi
	else
		fail agent-runs-with-reduced-caps "agent did not start: $(tail -3 "$TMPD/agent.log")"
	fi
else
	SKIP_OK_IN_CI=1 skip agent-runs-with-reduced-caps "build/hostlens not built yet (main.c lands with the foundation)"
fi
finish
