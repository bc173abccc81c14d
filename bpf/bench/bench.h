/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* Shared by bpf/bench/ and user space (fixed-width types only):
 * the drain benchmark source. */
#ifndef HOSTLENS_BENCH_H
#define HOSTLENS_BENCH_H

#include "bpf/common/events.h"

struct ev_bench {
	struct event_hdr h;
	__u64 seq;
	__u64 payload[2];
};

#endif
