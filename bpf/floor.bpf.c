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

/* the HTTP signal's hooks (raw tracepoints) */
SEC("raw_tp/sock_send_length")
int BPF_PROG(floor_http_send)
{
	return 0;
}

SEC("raw_tp/sock_recv_length")
int BPF_PROG(floor_http_recv)
{
	return 0;
}

/* the net signal's hooks (BTF tracepoints) */
SEC("tp_btf/sock_send_length")
int BPF_PROG(floor_net_send)
{
	return 0;
}

SEC("tp_btf/sock_recv_length")
int BPF_PROG(floor_net_recv)
{
	return 0;
}

/* the CPU signal's hooks */
SEC("tp_btf/sched_switch")
int BPF_PROG(floor_cpu_switch)
{
	return 0;
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(floor_cpu_wakeup)
{
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
