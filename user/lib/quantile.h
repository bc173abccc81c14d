/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Quantiles of a slotted histogram as BPF programs keep them (an array of
 * counts, slot s holding values in [lo(s), hi(s))): the disk and connection
 * latency histograms (bpf/common/lathist.h) and the run-queue log2 histogram. The
 * mergeable sketch of hist.h answers its own (hist__quantile). No state.
 */
#ifndef HOSTLENS_QUANTILE_H
#define HOSTLENS_QUANTILE_H

#include <linux/types.h>

/* Writes the bounds of slot s: its values are in [*lo, *hi). */
typedef void quantile_bounds_fn(unsigned int s, double *lo, double *hi);

/*
 * The q-quantile (q clamped to 0..1) of the n slots of h, interpolated
 * linearly inside the slot that holds it; 0 when h is empty.
 */
double quantile_slots(const __u64 *h, unsigned int n, double q, quantile_bounds_fn *bounds);

#endif
