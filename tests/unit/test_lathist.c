// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* The disk/connection latency histogram (bpf/common/lathist.h): slots tile the
 * value range without gaps, values land inside their slot's bounds, and
 * quantiles of known distributions come out within a slot's width. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "tests/unit/check.h"
#include "bpf/common/lathist.h"

static void slots_tile(void)
{
	for (__u32 s = 0; s + 1 < HL_LAT_SLOTS; s++) {
		CHECK(lathist_hi(s) == lathist_lo(s + 1),
		      "slot %u ends at %llu, slot %u starts at %llu", s,
		      (unsigned long long)lathist_hi(s), s + 1,
		      (unsigned long long)lathist_lo(s + 1));
		CHECK(lathist_lo(s) < lathist_hi(s), "slot %u is empty", s);
	}
}

static void values_in_slot(void)
{
	__u64 v[] = {
		0,  1,	  3,	4,    5,     7,	      8,	 9,	     15,
		16, 1000, 1023, 1024, 65535, 1000000, 123456789, 1ull << 40, (1ull << 41) - 1
	};

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		__u32 s = lathist_slot(v[i]);

		CHECK(s < HL_LAT_SLOTS, "slot of %llu out of range", (unsigned long long)v[i]);
		CHECK(lathist_lo(s) <= v[i] && v[i] < lathist_hi(s), "%llu in slot %u [%llu, %llu)",
		      (unsigned long long)v[i], s, (unsigned long long)lathist_lo(s),
		      (unsigned long long)lathist_hi(s));
	}
	/* every value up to 2^16 */
	for (__u64 x = 0; x < 65536; x++) {
		__u32 s = lathist_slot(x);

		if (!(lathist_lo(s) <= x && x < lathist_hi(s))) {
			CHECK(0, "%llu not in slot %u", (unsigned long long)x, s);
			break;
		}
	}
	CHECK(lathist_slot(~0ull) == HL_LAT_SLOTS - 1, "huge values clamp to the last slot");
}

static void slot_width(void)
{
	/* 4 sub-buckets per power of two: relative width <= 25% from 4 up */
	for (__u32 s = 4; s < HL_LAT_SLOTS; s++) {
		double w = (double)(lathist_hi(s) - lathist_lo(s)) / (double)lathist_lo(s);

		CHECK(w <= 0.25 + 1e-9, "slot %u relative width %.3f", s, w);
	}
}

static void quantiles(void)
{
	__u64 h[HL_LAT_SLOTS];
	double p50, p99;

	memset(h, 0, sizeof(h));
	CHECK(lathist_quantile(h, HL_LAT_SLOTS, 0.5) == 0, "empty histogram: 0");
	/* 1000 samples of 100 us, 10 of 50 ms */
	h[lathist_slot(100000)] = 1000;
	h[lathist_slot(50000000)] = 10;
	p50 = lathist_quantile(h, HL_LAT_SLOTS, 0.5);
	p99 = lathist_quantile(h, HL_LAT_SLOTS, 0.995);
	CHECK(fabs(p50 - 100000) <= 100000 * 0.25, "p50 near 100 us, got %.0f ns", p50);
	CHECK(fabs(p99 - 50000000) <= 50000000 * 0.25, "p99.5 near 50 ms, got %.0f ns", p99);
	CHECK(lathist_quantile(h, HL_LAT_SLOTS, 1.0) <= (double)lathist_hi(lathist_slot(50000000)),
	      "p100 inside the top slot");
	CHECK(fabs(lathist_mean(h, HL_LAT_SLOTS) - (1000 * 100000.0 + 10 * 50000000.0) / 1010) <=
		      0.15 * (1000 * 100000.0 + 10 * 50000000.0) / 1010,
	      "mean within a slot's error");
}

static void quantile_monotone(void)
{
	__u64 h[HL_LAT_SLOTS];
	double prev = 0;

	for (__u32 s = 0; s < HL_LAT_SLOTS; s++)
		h[s] = (s * 7919u) % 13;
	for (int i = 0; i <= 100; i++) {
		double q = lathist_quantile(h, HL_LAT_SLOTS, i / 100.0);

		CHECK(q >= prev, "quantile %d%% (%.0f) below the previous (%.0f)", i, q, prev);
		prev = q;
	}
}

int main(void)
{
	RUN(slots_tile);
	RUN(values_in_slot);
	RUN(slot_width);
	RUN(quantiles);
	RUN(quantile_monotone);
	CHECK_DONE();
}
