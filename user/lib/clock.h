/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The agent's one monotonic clock (CLOCK_MONOTONIC, the clock BPF's
 * bpf_ktime_get_ns() reads, so event timestamps and these compare).
 * Inline: the drain calls it per event; the vDSO answers without a syscall.
 */
#ifndef HOSTLENS_CLOCK_H
#define HOSTLENS_CLOCK_H

#include <stdint.h>
#include <time.h>

/* Monotonic time in ns. */
static inline uint64_t clock_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Monotonic time in ms. */
static inline int64_t clock_mono_ms(void)
{
	return (int64_t)(clock_mono_ns() / 1000000);
}

#endif
