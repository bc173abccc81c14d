// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Latency histogram and traffic-source classification (see http_agg.h). */
#include <math.h>
#include <string.h>
#include <strings.h>

#include "http_agg.h"

static int lh_index(uint64_t us)
{
	int e, idx;

	if (us < LH_SUB)
		return (int)us;
	e = 63 - __builtin_clzll(us);	/* >= 4 */
	idx = LH_SUB + (e - 4) * LH_SUB + (int)((us >> (e - 4)) & (LH_SUB - 1));
	return idx < LH_BUCKETS ? idx : LH_BUCKETS - 1;
}

/* [lo, hi) of bucket i in microseconds */
static void lh_bounds(int i, double *lo, double *hi)
{
	int e, sub;

	if (i < LH_SUB) {
		*lo = i;
		*hi = i + 1;
		return;
	}
	e = (i - LH_SUB) / LH_SUB + 4;
	sub = (i - LH_SUB) % LH_SUB;
	*lo = (double)((uint64_t)(LH_SUB + sub) << (e - 4));
	*hi = *lo + (double)(1ull << (e - 4));
}

void lh_add(struct lat_hist *h, uint64_t ns)
{
	h->b[lh_index(ns / 1000)]++;
	h->n++;
	h->sum_ms += (double)ns / 1e6;
}

void lh_merge(struct lat_hist *dst, const struct lat_hist *src)
{
	for (int i = 0; i < LH_BUCKETS; i++)
		dst->b[i] += src->b[i];
	dst->n += src->n;
	dst->sum_ms += src->sum_ms;
}

double lh_quantile_ms(const struct lat_hist *h, double q)
{
	uint64_t rank, acc = 0;
	double lo, hi;

	if (!h->n)
		return 0;
	rank = (uint64_t)ceil(q * (double)h->n);
	if (rank < 1)
		rank = 1;
	for (int i = 0; i < LH_BUCKETS; i++) {
		acc += h->b[i];
		if (acc >= rank) {
			lh_bounds(i, &lo, &hi);
			return (lo + hi) / 2 / 1000.0;
		}
	}
	return 0;
}

const char *const http_traffic_names[TS_N] = { "direct", "organic", "referral", "social" };

/* Does host[0..n) end in one of the domains (at a label boundary)? */
static int host_has(const char *host, size_t n, const char *const *list)
{
	for (int i = 0; list[i]; i++) {
		size_t m = strlen(list[i]);

		for (size_t k = 0; k + m <= n; k++)
			if (!strncasecmp(host + k, list[i], m) && (k == 0 || host[k - 1] == '.'))
				return 1;
	}
	return 0;
}

enum traffic_src http_traffic_source(const char *referer, const char *host)
{
	static const char *const search[] = { "google.", "bing.", "duckduckgo.", "yahoo.", "baidu.",
					      "yandex.", "ecosia.", "startpage.", "search.brave.", NULL };
	static const char *const social[] = { "facebook.", "fb.", "t.co", "twitter.", "x.com",
					      "linkedin.", "lnkd.in", "reddit.", "instagram.",
					      "youtube.", "pinterest.", "tiktok.", "news.ycombinator.",
					      "mastodon.", NULL };
	const char *h, *he;
	size_t hl;

	if (!referer[0])
		return TS_DIRECT;
	h = strstr(referer, "://");
	h = h ? h + 3 : referer;
	he = h + strcspn(h, "/:?#");
	hl = (size_t)(he - h);
	if (host[0] && hl == strcspn(host, ":") && !strncasecmp(h, host, hl))
		return TS_DIRECT;	/* navigation inside the site */
	if (host_has(h, hl, search))
		return TS_ORGANIC;
	if (host_has(h, hl, social))
		return TS_SOCIAL;
	return TS_REFERRAL;
}
