// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* HTTP aggregation helpers: latency histogram accuracy and merge, traffic
 * source classification (user/http_agg.c). */
#include <math.h>
#include <string.h>

#include "check.h"
#include "http_agg.h"

static void hist_quantiles_within_error(void)
{
	static struct lat_hist h;
	/* 1 us .. 20 s, log-uniform: every bucket range gets exercised */
	const int n = 200000;
	static double v[200000];

	memset(&h, 0, sizeof(h));
	for (int i = 0; i < n; i++) {
		v[i] = pow(10, 3 + 7.3 * i / n);	/* ns */
		lh_add(&h, (uint64_t)v[i]);
	}
	CHECK(h.n == (uint64_t)n, "count %llu", (unsigned long long)h.n);
	for (double q = 0.05; q < 1; q += 0.05) {
		double truth = v[(int)ceil(q * n) - 1] / 1e6, got = lh_quantile_ms(&h, q);

		if (truth >= 0.016)	/* exact buckets below 16 us: +-0.5 us */
			CHECK(fabs(got - truth) <= 0.0325 * truth, "q%.2f: %.6f ms, truth %.6f (> 3.25%%)", q,
			      got, truth);
		else
			CHECK(fabs(got - truth) <= 0.0006, "q%.2f: %.6f ms, truth %.6f", q, got, truth);
	}
}

static void hist_known_values(void)
{
	struct lat_hist h = { 0 };

	CHECK(lh_quantile_ms(&h, 0.99) == 0, "empty histogram: 0");
	for (int i = 0; i < 99; i++)
		lh_add(&h, 50 * 1000000ull);	/* 50 ms */
	lh_add(&h, 200 * 1000000ull);		/* one at 200 ms */
	CHECK(fabs(lh_quantile_ms(&h, 0.5) - 50) <= 50 * 0.0325, "p50 %.3f", lh_quantile_ms(&h, 0.5));
	CHECK(fabs(lh_quantile_ms(&h, 0.99) - 50) <= 50 * 0.0325, "p99 (99th of 100 is 50 ms) %.3f",
	      lh_quantile_ms(&h, 0.99));
	CHECK(fabs(lh_quantile_ms(&h, 1.0) - 200) <= 200 * 0.0325, "max %.3f", lh_quantile_ms(&h, 1.0));
	CHECK(fabs(h.sum_ms - (99 * 50 + 200)) < 1e-6, "sum %.3f", h.sum_ms);
	lh_add(&h, 10000ull * 1000000000ull);	/* 10000 s: the last bucket */
	CHECK(lh_quantile_ms(&h, 1.0) > 100000, "huge value kept in the last bucket");
}

static void hist_merge_is_addition(void)
{
	static struct lat_hist a, b, all;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	memset(&all, 0, sizeof(all));
	for (uint64_t i = 1; i < 5000; i++) {
		lh_add(i % 3 ? &a : &b, i * 7919);
		lh_add(&all, i * 7919);
	}
	lh_merge(&a, &b);
	CHECK(!memcmp(a.b, all.b, sizeof(a.b)) && a.n == all.n, "merged buckets differ");
	CHECK(fabs(a.sum_ms - all.sum_ms) < 1e-6, "merged sums differ");
}

static void traffic_sources(void)
{
	static const struct {
		const char *ref, *host;
		enum traffic_src want;
	} cases[] = {
		{ "", "shop.example", TS_DIRECT },
		{ "https://shop.example/cart", "shop.example", TS_DIRECT },
		{ "https://shop.example:8443/x", "shop.example:8443", TS_DIRECT },
		{ "https://www.google.com/search?q=x", "shop.example", TS_ORGANIC },
		{ "https://duckduckgo.com/", "shop.example", TS_ORGANIC },
		{ "https://www.bing.com/", "shop.example", TS_ORGANIC },
		{ "https://t.co/abc", "shop.example", TS_SOCIAL },
		{ "https://www.facebook.com/", "shop.example", TS_SOCIAL },
		{ "https://old.reddit.com/r/x", "shop.example", TS_SOCIAL },
		{ "https://blog.partner.io/post", "shop.example", TS_REFERRAL },
		{ "https://notgoogle.com/", "shop.example", TS_REFERRAL },
		{ "https://box.com/", "shop.example", TS_REFERRAL },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum traffic_src got = http_traffic_source(cases[i].ref, cases[i].host);

		CHECK(got == cases[i].want, "'%s': %s, want %s", cases[i].ref, http_traffic_names[got],
		      http_traffic_names[cases[i].want]);
	}
}

int main(void)
{
	RUN(hist_quantiles_within_error);
	RUN(hist_known_values);
	RUN(hist_merge_is_addition);
	RUN(traffic_sources);
	CHECK_DONE();
}
