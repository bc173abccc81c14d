// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Quantiles over the disk latency histogram (bpf/lathist.h). No state. */
#include "bpf/lathist.h"

double lathist_quantile(const __u64 *h, __u32 n, double q)
{
	__u64 total = 0, acc = 0;
	double want;

	for (__u32 i = 0; i < n; i++)
		total += h[i];
	if (!total)
		return 0;
	if (q < 0)
		q = 0;
	if (q > 1)
		q = 1;
	want = q * (double)total;
	for (__u32 i = 0; i < n; i++) {
		double before = (double)acc, lo, hi;

		acc += h[i];
		if (!h[i] || (double)acc < want)
			continue;
		lo = (double)lathist_lo(i);
		hi = (double)lathist_hi(i);
		return lo + (hi - lo) * ((want - before) / (double)h[i]);
	}
	/* q == 1 with rounding: the top of the highest used slot */
	for (__u32 i = n; i-- > 0;)
		if (h[i])
			return (double)lathist_hi(i);
	return 0;
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
