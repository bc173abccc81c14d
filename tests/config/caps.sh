# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# Privileges: after caps__drop_after_attach() only CAP_SYS_PTRACE,
# CAP_DAC_READ_SEARCH and CAP_SYS_NICE remain on a kernel >= 6.6 (uprobe_multi links, and BPF
# objects usable through their fds without CAP_BPF), in every set, with
# no_new_privs; what the agent still has to do keeps working (read /proc of
# other processes, use its BPF maps, attach uprobes with programs loaded
# before, with live hits) and what it must not do fails (make BPF objects,
# mount, chown, setuid, raise a capability).
# Then the agent with its default signals: no CAP_SYS_ADMIN on the main
# thread, no capability at all on the web thread (it parses what any client
# sends) nor on the sink and webhook threads, CAP_SYS_NICE only on the drain; TLS capture still finds
# and probes an OpenSSL process started after the drop; no core dumps and not
# dumpable; and the DaemonSet's four capabilities are enough to start.
. "$(dirname "$0")/../lib.sh"

H=$BUILD/tests/helpers/capsdrop
[ -x "$H" ] || { fail caps-helper "no $H (run make)"; finish; }
need_root caps-drop || finish
# the agent reads tracepoint ids from tracefs (the host mounts it)
[ -d /sys/kernel/tracing/events ] || mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null

# What should stay, from the kernel's version alone (caps.h):
# CAP_DAC_READ_SEARCH 2, CAP_SYS_PTRACE 19, CAP_SYS_ADMIN 21, CAP_SYS_NICE 23,
# CAP_PERFMON 38, CAP_BPF 39.
kv=$(uname -r | sed 's/^\([0-9]*\)\.\([0-9]*\).*/\1 \2/')
kmaj=${kv% *} kmin=${kv#* }
if [ "$kmaj" -gt 6 ] || { [ "$kmaj" = 6 ] && [ "$kmin" -ge 6 ]; }; then
	want=0000000000880004	# uprobe_multi links; bpf() on fds needs no CAP_BPF (6.5)
elif [ "$kmaj" -gt 5 ] || { [ "$kmaj" = 5 ] && [ "$kmin" -ge 8 ]; }; then
	want=000000c000a80004	# later uprobes through the perf PMU: SYS_ADMIN, BPF, PERFMON
else
	want=0000000000a80004	# no CAP_BPF/CAP_PERFMON yet: SYS_ADMIN does it all
fi

"$H" >"$TMPD/out" 2>"$TMPD/err"
rc=$?
st() { sed -n "s/^status $1:[[:space:]]*//p" "$TMPD/out"; }
pr() { sed -n "s/^probe $1 //p" "$TMPD/out"; }

if [ $rc = 0 ] && [ "$(st CapEff)" = $want ] && [ "$(st CapPrm)" = $want ]; then ok caps-effective-permitted-reduced
else fail caps-effective-permitted-reduced "CapEff=CapPrm=$want (kernel $(uname -r)); got exit $rc eff $(st CapEff) prm $(st CapPrm) $(cat "$TMPD/err")"; fi
check caps-inheritable-ambient-empty [ "$(st CapInh)/$(st CapAmb)" = 0000000000000000/0000000000000000 ]
# run as root with CAP_SETPCAP: the bounding set is cut to the same set
check caps-bounding-reduced [ "$(st CapBnd)" = $want ]
check caps-no-new-privs [ "$(st NoNewPrivs)" = 1 ]

names='"dac_read_search","sys_ptrace","sys_nice"'
[ $want = 0000000000880004 ] || names='"dac_read_search","sys_ptrace","sys_admin","sys_nice"'
if grep -q '^describe .*"cap_effective":\['"$names"'\],"cap_permitted":\['"$names"'\]' "$TMPD/out" &&
	grep -q '^describe .*"cap_effective_hex":"'$want'","no_new_privs":true' "$TMPD/out"; then
	ok caps-describe-json
else fail caps-describe-json "names [$names...] and hex $want as in /proc; got $(grep '^describe' "$TMPD/out")"; fi

# still works
check caps-still-reads-proc1-stat [ "$(pr read_proc1_stat)" = ok ]
check caps-still-reads-privileged-proc-maps [ "$(pr read_privileged_child_maps)" = ok ]
check caps-still-reads-proc-pid-root [ "$(pr read_privileged_child_root)" = ok ]
check caps-still-uses-bpf-map-fd [ "$(pr bpf_map_update_by_fd)/$(pr bpf_map_lookup_by_fd)" = ok/ok ]
hits=$(sed -n 's/^uprobe_multi_hits \([0-9]*\) .*/\1/p' "$TMPD/out")
if [ "$(pr uprobe_multi_attach)" = ok ] && [ "$hits" = 5 ]; then ok caps-still-attaches-uprobe
elif [ $want != 0000000000080004 ] && [ "$(pr uprobe_perf_attach)" = ok ]; then ok caps-still-attaches-uprobe
else fail caps-still-attaches-uprobe "uprobe_multi link with 5 hits for 5 calls; got '$(pr uprobe_multi_attach)' hits '$hits'"; fi
echo "# perf-PMU uprobe after the drop: $(pr uprobe_perf_attach)"

# no longer allowed
if [ $want = 0000000000080004 ]; then
	check caps-bpf-map-create-denied [ "$(pr bpf_map_create)" = "Operation not permitted" ]
	check caps-bpf-prog-load-denied [ "$(pr bpf_prog_load)" = "Operation not permitted" ]
fi
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

# Capability names capsh drops to leave a container the DaemonSet's set:
# BPF, PERFMON, SYS_PTRACE, DAC_READ_SEARCH, SYS_NICE (no SYS_ADMIN, no
# CAP_SETPCAP).
DS_DROP=
for n in chown dac_override fowner fsetid kill setgid setuid setpcap linux_immutable \
	net_bind_service net_broadcast net_admin net_raw ipc_lock ipc_owner sys_module \
	sys_rawio sys_chroot sys_pacct sys_admin sys_boot sys_resource sys_time \
	sys_tty_config mknod lease audit_write audit_control setfcap mac_override mac_admin \
	syslog wake_alarm block_suspend audit_read checkpoint_restore; do
	DS_DROP="$DS_DROP${DS_DROP:+,}cap_$n"
done
DS_SET=000000c000880004
DSWANT=$(printf '%016x' $((0x$want & 0x$DS_SET)))

# The DaemonSet's shape: without CAP_SETPCAP the bounding set cannot shrink;
# the drop still leaves only the kept set, and no_new_privs keeps an execve'd
# child from getting more from the bounding set.
if command -v capsh >/dev/null; then
	capsh --drop="$DS_DROP" -- -c "exec '$H'" >"$TMPD/c" 2>&1
	rc=$?
	ce() { sed -n "s/^$1:[[:space:]]*//p" "$TMPD/c"; }
	got="$rc $(ce 'status CapEff') $(ce 'status CapBnd') $(ce 'status NoNewPrivs') $(ce 'child CapEff')"
	if [ "$got" = "0 $DSWANT $DS_SET 1 $DSWANT" ]; then ok caps-container-shaped
	else fail caps-container-shaped "exit 0, CapEff $DSWANT, bounding unchanged $DS_SET, NoNewPrivs 1, child CapEff $DSWANT; got $got"; fi
	check caps-container-shaped-uprobe-still-attaches [ "$(sed -n 's/^probe uprobe_multi_attach //p' "$TMPD/c")" = ok ]
else
	skip caps-container-shaped "no capsh (libcap2-bin)"
fi

# The agent itself with the default signals (HTTP capture on, so TLS uprobes
# keep being attached to new processes after the drop).
if [ ! -x "$HOSTLENS" ]; then
	fail agent-main-thread-no-sys-admin "no $HOSTLENS (run make)"
	finish
fi
capeff() { sed -n 's/^CapEff:[[:space:]]*//p' "$1/status"; }
capprm() { sed -n 's/^CapPrm:[[:space:]]*//p' "$1/status"; }
ZERO=0000000000000000

# An OpenSSL user the agent has never seen, started after the drop: its own
# copy of libssl (a file no probe is on yet), run as nobody from a directory
# only nobody may enter, so finding and probing it needs CAP_SYS_PTRACE
# (/proc/PID/maps and /proc/PID/root of another uid) and CAP_DAC_READ_SEARCH
# (the 0700 directory and the 0600 library).
PY=/usr/bin/python3
SSLMOD=$($PY -c 'import _ssl; print(_ssl.__file__)' 2>/dev/null)
SYSSSL=$(ldd "$SSLMOD" 2>/dev/null | awk '/libssl\.so/ {print $3; exit}')
NB=$TMPD/nb
chmod 711 "$TMPD"
mkdir -p "$NB/lib"
cp "$SYSSSL" "$NB/lib/libssl.so.3" 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$NB/k.pem" -out "$NB/c.pem" -days 2 \
	-subj /CN=localhost 2>/dev/null
chown -R nobody:nogroup "$NB"
chmod 700 "$NB" "$NB/lib"
chmod 600 "$NB/lib/libssl.so.3"

if start_agent --alert-webhook http://127.0.0.1:9/hook; then
	P=$AGENT_PID
	eff=$(capeff /proc/$P)
	nnp=$(sed -n 's/^NoNewPrivs:[[:space:]]*//p' "/proc/$P/status")
	if [ "$eff" = $want ] && [ "$nnp" = 1 ]; then ok agent-main-thread-no-sys-admin
	else fail agent-main-thread-no-sys-admin "main thread CapEff $want (no sys_admin, bit 21, where the kernel has uprobe_multi links; kernel $(uname -r)), NoNewPrivs 1; got $eff $nnp"; fi

	# per thread: hl-web none; the other workers none; hl-processor the kept set
	web=0 webbad= proc= drain= other= seen=
	for t in /proc/$P/task/*; do
		c=$(cat "$t/comm") e=$(capeff "$t") p=$(capprm "$t")
		seen="$seen $c"
		case $c in
		hl-web) web=$((web + 1)); [ "$e/$p" = $ZERO/$ZERO ] || webbad="$webbad $c:$e/$p" ;;
		hl-processor) proc="$e/$p" ;;
		hl-drain) drain="$e/$p" ;;
		hostlens) ;;
		*) [ "$e/$p" = $ZERO/$ZERO ] || other="$other $c:$e/$p" ;;
		esac
	done
	if [ $web -ge 1 ] && [ -z "$webbad" ]; then ok agent-web-thread-no-caps
	else fail agent-web-thread-no-caps "every hl-web thread CapEff and CapPrm $ZERO; got $web hl-web threads,${webbad:- all empty} (threads:$seen)"; fi
	case "$seen" in
	*hl-drain*hl-sink*|*hl-sink*hl-drain*) ;;
	*) other="$other (hl-drain and hl-sink expected)" ;;
	esac
	case "$seen" in *hl-ntf-webhook*) ;; *) other="$other (hl-ntf-webhook, the webhook notifier, expected)" ;; esac
	if [ -z "$other" ]; then ok agent-worker-threads-no-caps
	else fail agent-worker-threads-no-caps "sink and webhook threads CapEff/CapPrm $ZERO; got$other"; fi
	check agent-processor-keeps-kept-set [ "$proc" = "$want/$want" ]
	# the drain: CAP_SYS_NICE only (it takes a lagging processor back from SCHED_IDLE)
	check agent-drain-keeps-sys-nice-only [ "$drain" = 0000000000800000/0000000000800000 ]

	# core dumps: none, whatever the core_pattern
	core=$(awk '/^Max core file size/ {print $5 "/" $6}' "/proc/$P/limits")
	if [ "$core" = 0/0 ]; then ok agent-no-core-dumps
	else fail agent-no-core-dumps "RLIMIT_CORE 0/0 in /proc/PID/limits; got $core"; fi
	# non-dumpable: a root process without CAP_SYS_PTRACE may not read the
	# agent's memory through procfs, even of the thread with no capabilities
	# (a dumpable one it could: same uid, no capability it lacks)
	wt=
	for t in /proc/$P/task/*; do [ "$(cat "$t/comm")" = hl-web ] && wt=$t && break; done
	r=$("$H" --read-capless "$wt/environ" 2>&1)
	if [ "$r" = "probe read Permission denied" ]; then ok agent-not-dumpable
	else fail agent-not-dumpable "a capless uid-0 read of $wt/environ: Permission denied; got '$r'"; fi

	# TLS: the least set is enough to find and probe a new OpenSSL process
	if [ -z "$SYSSSL" ] || [ ! -s "$NB/c.pem" ]; then
		fail agent-tls-attach-after-drop "need python3's ssl module and openssl (libssl '$SYSSSL')"
	else
		rm -f "$NB/port"
		LD_PRELOAD=$NB/lib/libssl.so.3 setpriv --reuid=nobody --regid=nogroup --clear-groups \
			$PY "$TOP/tests/bpf/http_delay_server.py" "$NB/port" --tls "$NB/c.pem" "$NB/k.pem" \
			>"$TMPD/srv.log" 2>&1 &
		SRV=$!
		on_exit "kill $SRV 2>/dev/null"
		wait_for 10 test -s "$NB/port"
		SPORT=$(cat "$NB/port" 2>/dev/null)
		lib=$NB/lib/libssl.so.3	# the path in the process's root (http_tls.c opens it there)
		if grep -q " $NB/lib/libssl.so.3" "/proc/$SRV/maps" 2>/dev/null &&
			wait_for 15 grep -qF "TLS capture attached to $lib (8 probes)" "$TMPD/agent.log"; then
			ok agent-tls-attach-after-drop
		else
			fail agent-tls-attach-after-drop "'TLS capture attached to $lib (8 probes)' logged within 15 s; got: $(grep -i 'tls\|ssl\|uprobe' "$TMPD/agent.log" | tail -3)"
		fi
		# and it captures: an inbound TLS request record of that process
		tls_seen() {
			curl -sk -o /dev/null "https://127.0.0.1:$SPORT/api/users/7"
			curl -s "http://127.0.0.1:$AGENT_PORT/api/v1/requests" | $PY -c "
import json, sys
r = json.load(sys.stdin)
sys.exit(0 if [x for x in r if x['pid'] == $SRV and x['tls'] and x['direction'] == 'inbound' and x['path'] == '/api/users/7'] else 1)"
		}
		if wait_for 15 tls_seen; then ok agent-tls-captured-after-drop
		else fail agent-tls-captured-after-drop "an inbound TLS record of pid $SRV for /api/users/7 within 15 s; got $(curl -s "http://127.0.0.1:$AGENT_PORT/api/v1/requests" | head -c 400)"; fi
		kill $SRV 2>/dev/null
	fi

	# the web thread's one BPF job, with no capabilities: the filter maps
	# (through fds; a kernel before 6.5 would want CAP_BPF, see caps.h)
	if [ $want = 0000000000080004 ]; then
		r=$(curl -s -X POST -H 'Content-Type: application/json' -d '{"pids":[1],"comms":["capstest"],"cgroups":[]}' \
			-w ' %{http_code}' "http://127.0.0.1:$AGENT_PORT/api/v1/filters")
		f=$(curl -s "http://127.0.0.1:$AGENT_PORT/api/v1/filters")
		if [ "$r" = '{"ok":true} 200' ] && [ "$f" = '{"pids":[1],"comms":["capstest"],"cgroups":[]}' ]; then
			ok agent-web-thread-still-sets-filters
		else fail agent-web-thread-still-sets-filters "POST /api/v1/filters 200 {\"ok\":true} and GET shows it; got '$r', '$f'"; fi
		curl -s -X POST -H 'Content-Type: application/json' -d '{"pids":[],"comms":[],"cgroups":[]}' \
			-o /dev/null "http://127.0.0.1:$AGENT_PORT/api/v1/filters"
	fi

	# it keeps working: /readyz, and a clean stop without what it dropped
	code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$AGENT_PORT/readyz")
	check agent-still-ready-after-drop [ "$code" = 200 ]
	alive=no
	kill -0 "$P" 2>/dev/null && alive=yes
	# closing each TLS uprobe link waits for an RCU grace period: with many
	# libssl files on a busy host the stop takes seconds, so wait up to 60 s
	kill -TERM "$P" 2>/dev/null
	wait_for 60 sh -c "! kill -0 $P 2>/dev/null"
	kill -0 "$P" 2>/dev/null && kill -KILL "$P"
	wait "$P" 2>/dev/null
	rc=$?
	AGENT_PID=
	if [ $alive = yes ] && [ "$rc" = 0 ]; then ok agent-clean-stop-after-drop
	else fail agent-clean-stop-after-drop "running and exit 0 on SIGTERM; alive=$alive rc=$rc: $(tail -3 "$TMPD/agent.log")"; fi
else
	fail agent-main-thread-no-sys-admin "agent did not start: $(tail -3 "$TMPD/agent.log")"
fi

# The DaemonSet's capabilities are enough: the agent starts every signal with
# only BPF, PERFMON, SYS_PTRACE, DAC_READ_SEARCH and SYS_NICE (tracefs is
# mounted by the host, as the DaemonSet expects); its processor yields.
if ! command -v capsh >/dev/null; then
	skip agent-container-shaped-all-signals "no capsh (libcap2-bin)"
elif [ "$want" != 0000000000880004 ]; then
	SKIP_OK_IN_CI=1 skip agent-container-shaped-all-signals "no uprobe_multi links on this kernel: the DaemonSet needs SYS_ADMIN here"
else
	capsh --drop="$DS_DROP" -- -c "exec '$HOSTLENS' --listen 127.0.0.1:$AGENT_PORT --data-dir '$TMPD/data2' --summary off" \
		>"$TMPD/ds.log" 2>&1 &
	DS=$!
	on_exit "kill $DS 2>/dev/null"
	wait_for 15 grep -q 'hostlens: ready' "$TMPD/ds.log" 2>/dev/null
	eff=$(capeff /proc/$DS 2>/dev/null)
	pol=$(for t in /proc/$DS/task/*; do [ "$(cat "$t/comm")" = hl-processor ] && chrt -p "${t##*/}" | sed -n '1s/.*: //p'; done 2>/dev/null)
	if grep -q 'ready: signals cpu=on disk=on net=on http=on' "$TMPD/ds.log" && [ "$eff" = $DSWANT ] &&
		[ "$pol" = SCHED_IDLE ]; then
		ok agent-container-shaped-all-signals
	else
		fail agent-container-shaped-all-signals "ready with cpu, disk, net and http on, CapEff $DSWANT, hl-processor SCHED_IDLE; got CapEff '$eff', '$pol': $(grep -v 'cpufreq' "$TMPD/ds.log" | tail -4)"
	fi
	kill -TERM $DS 2>/dev/null
	wait $DS 2>/dev/null
fi
finish
