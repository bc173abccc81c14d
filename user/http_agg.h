/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Aggregation helpers of the HTTP module: a fixed log-linear latency
 * histogram (mergeable by addition) and the traffic-source classification
 * of a request. Both sit behind these few calls so a shared histogram
 * (user/hist.c) and classifier (user/traffic.c) can replace them.
 */
#ifndef HOSTLENS_HTTP_AGG_H
#define HOSTLENS_HTTP_AGG_H

#include <stdint.h>

/* Exact below 16 us, then 16 sub-buckets per power of two (midpoint error
 * <= 1/32), up to 2^28 us (~268 s); larger values land in the last bucket. */
#define LH_SUB 16
#define LH_MAXEXP 28
#define LH_BUCKETS (LH_SUB + (LH_MAXEXP - 4) * LH_SUB)

struct lat_hist {
	uint32_t b[LH_BUCKETS];
	uint64_t n;
	double sum_ms;
};

void lh_add(struct lat_hist *h, uint64_t ns);
void lh_merge(struct lat_hist *dst, const struct lat_hist *src);
/* q-quantile in milliseconds (0 when empty): the containing bucket's midpoint. */
double lh_quantile_ms(const struct lat_hist *h, double q);

enum traffic_src { TS_DIRECT, TS_ORGANIC, TS_REFERRAL, TS_SOCIAL, TS_N };
extern const char *const http_traffic_names[TS_N];

/* Where a request came from, by its Referer (host: the request's Host):
 * none or the same site = direct, a search engine = organic, a social
 * network = social, anything else = referral. */
enum traffic_src http_traffic_source(const char *referer, const char *host);

#endif
