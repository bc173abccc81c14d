/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Maps every BPF object shares: the per-CPU rings and the per-CPU drop
 * counters. Each skeleton declares them; the loader creates them once and
 * hands the same fds to every skeleton (bpf_map__reuse_fd), so all signals
 * write into one ring per CPU.
 */
#ifndef HOSTLENS_MAPS_BPF_H
#define HOSTLENS_MAPS_BPF_H

#include "bpf/common/events.h"

struct ringbuf_map {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20); /* overwritten by the loader */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1); /* set to the CPU count by the loader */
	__type(key, __u32);
	__array(values, struct ringbuf_map);
} rings SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, HL_DROP_MAX);
	__type(key, __u32);
	__type(value, __u64);
} drops SEC(".maps");

#endif
