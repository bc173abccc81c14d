// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The floor of the agent's hot-path cost (bench/floor.sh): programs that do
 * nothing, attached to the hooks the agent's per-request work runs on, with
 * the same attach types. What a round with these loaded costs over a round
 * without is the price of being called at all (tracepoint dispatch, the
 * indirect call into the program and back, bpf_stats when on), before any
 * work; no event, no map. Not loaded by the agent.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

/* a program named name on hook sec that returns at once */
#define EMPTY_PROG(sec, name)       \
	SEC(sec) int BPF_PROG(name) \
	{                           \
		return 0;           \
	}

/* the socket hooks: one program each, shared by the net and HTTP signals
 * (bpf/sock/sock.bpf.c) */
EMPTY_PROG("tp_btf/sock_send_length", floor_sock_send)
EMPTY_PROG("tp_btf/sock_recv_length", floor_sock_recv)
/* the CPU signal's hooks */
EMPTY_PROG("tp_btf/sched_switch", floor_cpu_switch)
EMPTY_PROG("tp_btf/sched_wakeup", floor_cpu_wakeup)

char LICENSE[] SEC("license") = "Dual BSD/GPL";
