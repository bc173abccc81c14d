// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Quantiles and means over the latency histogram (bpf/common/lathist.h). No state. */
#include "bpf/common/lathist.h"
#include "user/lib/quantile.h"

static void lathist_bounds(unsigned int s, double *lo, double *hi)
{
	*lo = (double)lathist_lo(s);
	*hi = (double)lathist_hi(s);
}

double lathist_quantile(const __u64 *h, __u32 n, double q)
{
	return quantile_slots(h, n, q, lathist_bounds);
}

double lathist_mean(const __u64 *h, __u32 n)
{
	double sum = 0;
	__u64 total = 0;

	for (__u32 i = 0; i < n; i++) {
		total += h[i];
		sum += (double)h[i] * ((double)lathist_lo(i) + (double)lathist_hi(i)) / 2;
	}
	return total ? sum / (double)total : 0;
}
