// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Drain benchmark source: one event per getppid() call of the target process,
 * so a user-space loop can push events as fast as a syscall allows.
 * Off unless the benchmark asks for it (targ_tgid != 0 and attached).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "bpf/common/helpers.bpf.h"
#include "bpf/bench/bench.h"

const volatile __u32 targ_tgid = 0;

SEC("tp/syscalls/sys_enter_getppid")
int bench_getppid(void *ctx)
{
	struct ev_bench *e;
	__u64 wake;

	if ((bpf_get_current_pid_tgid() >> 32) != targ_tgid)
		return 0;
	e = rb__reserve(sizeof(*e), &wake);
	if (!e)
		return 0;
	hdr__fill(&e->h, HL_EV_BENCH, sizeof(*e));
	e->seq = 0;
	e->payload[0] = e->payload[1] = 0;
	rb__submit(e, wake);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
