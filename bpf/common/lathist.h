/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Latency histogram buckets shared by BPF and user space: log2 of the value
 * in nanoseconds with 4 linear sub-buckets per power of two. Values 0..3 get
 * slots 0..3; a value v >= 4 with l = floor(log2(v)) lands in slot
 * 4 * (l - 1) + the two bits after its leading one. Slot s >= 4 covers
 * [(4 + s % 4) << (s / 4 - 1), (5 + s % 4) << (s / 4 - 1)).
 */
#ifndef HOSTLENS_LATHIST_H
#define HOSTLENS_LATHIST_H

#include "bpf/common/events.h"

/* Slots of a latency histogram (disk I/O, connection durations): log2
 * buckets of nanoseconds, each split in 4 linear sub-buckets (error <= 12.5%). */
#define HL_LAT_SLOTS 160 /* covers up to 2^41 ns (~36 min) */

/* floor(log2(v)) for v > 0, branch-free (the verifier sees no loop). */
static inline __u32 lathist_log2(__u64 v)
{
	__u32 r = 0, shift;

	shift = (v > 0xFFFFFFFFULL) << 5;
	v >>= shift;
	r |= shift;
	shift = (v > 0xFFFF) << 4;
	v >>= shift;
	r |= shift;
	shift = (v > 0xFF) << 3;
	v >>= shift;
	r |= shift;
	shift = (v > 0xF) << 2;
	v >>= shift;
	r |= shift;
	shift = (v > 0x3) << 1;
	v >>= shift;
	r |= shift;
	r |= (__u32)(v >> 1);
	return r;
}

static inline __u32 lathist_slot(__u64 ns)
{
	__u32 l, s;

	if (ns < 4)
		return (__u32)ns;
	l = lathist_log2(ns);
	s = 4 * (l - 1) + (__u32)((ns >> (l - 2)) & 3);
	return s < HL_LAT_SLOTS ? s : HL_LAT_SLOTS - 1;
}

/* Lower bound (inclusive) of slot s, in ns. */
static inline __u64 lathist_lo(__u32 s)
{
	if (s < 4)
		return s;
	return (__u64)(4 + s % 4) << (s / 4 - 1);
}

/* Upper bound (exclusive) of slot s, in ns. */
static inline __u64 lathist_hi(__u32 s)
{
	if (s < 4)
		return s + 1;
	return (__u64)(5 + s % 4) << (s / 4 - 1);
}

#ifndef __bpf__
/* User space (user/lib/lathist.c): the q-quantile (0..1) of a histogram of n
 * slots in ns, interpolated linearly inside its slot; 0 when empty. */
double lathist_quantile(const __u64 *h, __u32 n, double q);
/* Mean of a histogram from slot midpoints, in ns; 0 when empty. */
double lathist_mean(const __u64 *h, __u32 n);
#endif

#endif
