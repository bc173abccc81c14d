// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Quantiles of slotted histograms (quantile.h). No state. */
#include "user/lib/quantile.h"

double quantile_slots(const __u64 *h, unsigned int n, double q, quantile_bounds_fn *bounds)
{
	__u64 total = 0, acc = 0;
	double want, lo, hi;

	for (unsigned int i = 0; i < n; i++)
		total += h[i];
	if (!total)
		return 0;
	if (q < 0)
		q = 0;
	if (q > 1)
		q = 1;
	want = q * (double)total;
	for (unsigned int i = 0; i < n; i++) {
		double before = (double)acc;

		acc += h[i];
		if (!h[i] || (double)acc < want)
			continue;
		bounds(i, &lo, &hi);
		return lo + (hi - lo) * ((want - before) / (double)h[i]);
	}
	/* q == 1 with rounding: the top of the highest used slot */
	for (unsigned int i = n; i-- > 0;)
		if (h[i]) {
			bounds(i, &lo, &hi);
			return hi;
		}
	return 0;
}
