// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Mergeable log-bucketed histogram with 2% relative error (hist.h). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "user/lib/hist.h"

#define HIST_GAMMA ((1.0 + HIST_REL_ERR) / (1.0 - HIST_REL_ERR))

/* bound[i] = HIST_MIN * g^i: bucket i holds (bound[i - 1], bound[i]]. */
static double bound[HIST_BUCKETS];

/*
 * The bucket of v comes from the top bits of x = v / HIST_MIN as a double:
 * its exponent and first IDX_MBITS mantissa bits name a span [L, L * 2^(1/32))
 * narrower than a bucket (g = 1.041), so at most one bound falls inside it:
 * idx_first[span] is the first bucket whose bound reaches L, and v is in
 * that bucket or the next. No log(), no loop (a request adds to up to nine
 * histograms). x < 2^IDX_EXPS covers every bound (bound[699] / HIST_MIN is
 * ~1.4e12 < 2^41).
 */
#define IDX_MBITS 5
#define IDX_EXPS 42
static uint16_t idx_first[IDX_EXPS << IDX_MBITS];

__attribute__((constructor)) static void hist_bounds_init(void)
{
	uint32_t i = 0;

	for (uint32_t b = 0; b < HIST_BUCKETS; b++)
		bound[b] = HIST_MIN * pow(HIST_GAMMA, (double)b);
	for (uint32_t k = 0; k < IDX_EXPS << IDX_MBITS; k++) {
		double lo = HIST_MIN * ldexp(1.0 + (double)(k & ((1u << IDX_MBITS) - 1)) /
							     (double)(1u << IDX_MBITS),
					     (int)(k >> IDX_MBITS));

		while (i < HIST_BUCKETS - 1 && bound[i] < lo)
			i++;
		idx_first[k] = (uint16_t)i;
	}
}

/* Bucket of v >= HIST_MIN: the first i with bound[i] >= v (the last bucket
 * for anything above). The span is found in x's bits, which rounding in
 * v / HIST_MIN may move by one: a step down is checked too. */
static inline uint32_t hist_index(double v)
{
	union {
		double d;
		uint64_t u;
	} x = { .d = v * (1.0 / HIST_MIN) };
	int64_t k = (int64_t)(x.u >> (52 - IDX_MBITS)) - ((int64_t)1023 << IDX_MBITS);
	uint32_t i;

	if (k < 0)
		i = 0;
	else if (k >= IDX_EXPS << IDX_MBITS)
		return HIST_BUCKETS - 1;
	else
		i = idx_first[k];
	if (i > 0 && bound[i - 1] >= v)
		i--;
	else if (i < HIST_BUCKETS - 1 && bound[i] < v)
		i++;
	return i;
}

double hist__bound(uint32_t i)
{
	return i < HIST_BUCKETS ? bound[i] : NAN;
}

static inline double hist_value(uint32_t i)
{
	return 2.0 * HIST_MIN * pow(HIST_GAMMA, (double)i) / (HIST_GAMMA + 1.0);
}

void hist__reset(struct hist *h)
{
	memset(h, 0, sizeof(*h));
}

static inline void hist_minmax(struct hist *h, double lo, double hi)
{
	if (!h->count || lo < h->min)
		h->min = lo;
	if (!h->count || hi > h->max)
		h->max = hi;
}

/* Widens the non-empty range to [lo, hi]; empty: there was none before. */
static inline void hist_range(struct hist *h, uint32_t lo, uint32_t hi, bool empty)
{
	if (empty) {
		h->lo = lo;
		h->hi = hi;
		return;
	}
	if (lo < h->lo)
		h->lo = lo;
	if (hi > h->hi)
		h->hi = hi;
}

/* b += n, saturating: a bucket of 4 billion values is only ever approximate */
static inline void bucket_add(uint32_t *b, uint64_t n)
{
	*b = n >= (uint64_t)(UINT32_MAX - *b) ? UINT32_MAX : *b + (uint32_t)n;
}

/* The bucket of v, HIST_BUCKETS for the zero bucket (below HIST_MIN). */
static inline uint32_t hist_bucket(double v)
{
	return v < HIST_MIN ? HIST_BUCKETS : hist_index(v);
}

uint32_t hist__bucket(double v)
{
	return hist_bucket(v);
}

/* n copies of v into h, whose bucket i is known (hist_bucket). */
static inline void hist_add_at(struct hist *h, double v, uint32_t i, uint64_t n)
{
	hist_minmax(h, v, v);
	if (i == HIST_BUCKETS) {
		h->zero += n;
	} else {
		if (v > HIST_MAX)
			h->overflow += n;
		hist_range(h, i, i, h->count == h->zero);
		bucket_add(&h->b[i], n);
	}
	h->count += n;
	h->sum += v * (double)n;
}

void hist__add_n(struct hist *h, double v, uint64_t n)
{
	if (!n || isnan(v))
		return;
	hist_add_at(h, v, hist_bucket(v), n);
}

void hist__add(struct hist *h, double v)
{
	hist__add_n(h, v, 1);
}

void hist__add2(struct hist *a, struct hist *b, double v)
{
	uint32_t i;

	if (isnan(v))
		return;
	i = hist_bucket(v); /* found once for both */
	hist_add_at(a, v, i, 1);
	hist_add_at(b, v, i, 1);
}

void hist__merge(struct hist *dst, const struct hist *src)
{
	if (!src->count)
		return;
	if (src->count > src->zero) {
		bool dst_empty = dst->count == dst->zero;

		for (uint32_t i = src->lo; i <= src->hi; i++)
			bucket_add(&dst->b[i], src->b[i]);
		if (dst_empty || src->lo < dst->lo)
			dst->lo = src->lo;
		if (dst_empty || src->hi > dst->hi)
			dst->hi = src->hi;
	}
	hist_minmax(dst, src->min, src->max);
	dst->count += src->count;
	dst->zero += src->zero;
	dst->overflow += src->overflow;
	dst->sum += src->sum;
}

void hist__roll(struct hist *before, struct hist *cur)
{
	hist__merge(before, cur);
	hist__reset(cur);
}

const struct hist *hist__whole(const struct hist *before, const struct hist *cur,
			       struct hist *scratch)
{
	if (!cur->count)
		return before;
	*scratch = *before;
	hist__merge(scratch, cur);
	return scratch;
}

double hist__quantile(const struct hist *h, double q)
{
	uint64_t rank, seen;
	double v;

	if (!h->count)
		return NAN;
	if (q <= 0)
		return h->min;
	if (q >= 1)
		return h->max;
	rank = (uint64_t)floor(q * (double)(h->count - 1));
	if (rank < h->zero) /* below HIST_MIN: the exact min is within HIST_MIN */
		return h->min;
	seen = h->zero;
	v = h->max;
	for (uint32_t i = h->lo; i <= h->hi; i++) {
		seen += h->b[i];
		if (seen > rank) {
			v = hist_value(i);
			break;
		}
	}
	if (v < h->min)
		v = h->min;
	if (v > h->max)
		v = h->max;
	return v;
}

uint64_t hist__count(const struct hist *h)
{
	return h->count;
}

double hist__sum(const struct hist *h)
{
	return h->sum;
}

double hist__mean(const struct hist *h)
{
	return h->count ? h->sum / (double)h->count : NAN;
}

double hist__min(const struct hist *h)
{
	return h->count ? h->min : NAN;
}

double hist__max(const struct hist *h)
{
	return h->count ? h->max : NAN;
}

int hist__add_log2(struct hist *h, const uint64_t *slots, unsigned int n, double unit)
{
	if (n > 64 || !(unit > 0))
		return -EINVAL;
	for (unsigned int k = 0; k < n; k++) {
		uint64_t c = slots[k];
		double a, b;
		uint32_t ia, ib, m, rem, start;
		bool empty = h->count == h->zero;

		if (!c)
			continue;
		if (k == 0) { /* values 0 and 1: count them as 1 */
			hist__add_n(h, unit, c);
			continue;
		}
		a = ldexp(1.0, (int)k) * unit; /* slot holds [a, b) */
		b = 2.0 * a;
		hist_minmax(h, a, b);
		h->sum += (double)c * (a / M_LN2); /* mean of a log-uniform [a, 2a) */
		if (b <= HIST_MIN) {
			h->zero += c;
			h->count += c;
			continue;
		}
		if (a > HIST_MAX)
			h->overflow += c;
		ia = hist_index(a < HIST_MIN ? HIST_MIN : a);
		ib = hist_index(b);
		if (ib > ia)
			ib--; /* b itself belongs to the next slot */
		m = ib - ia + 1;
		/* spread evenly; the remainder goes to the middle buckets */
		rem = (uint32_t)(c % m);
		start = (m - rem) / 2;
		for (uint32_t i = 0; i < m; i++)
			bucket_add(&h->b[ia + i], c / m + (i >= start && i < start + rem ? 1 : 0));
		hist_range(h, ia, ib, empty);
		h->count += c;
	}
	return 0;
}

int hist__put_json(const struct hist *h, json_t *obj, const char *name, const char *unit)
{
	static const struct {
		const char *tag;
		double q; /* < 0: mean, > 1: max */
	} f[] = { { "avg", -1 }, { "p50", 0.50 }, { "p95", 0.95 }, { "p99", 0.99 }, { "max", 2 } };
	char key[128];

	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		double v = f[i].q < 0 ? hist__mean(h) :
			   f[i].q > 1 ? hist__max(h) :
					hist__quantile(h, f[i].q);

		snprintf(key, sizeof(key), "%s_%s_%s", name, f[i].tag, unit);
		if (json_object_set_new(obj, key,
					isfinite(v) ? json_real(round(v * 1000.0) / 1000.0) :
						      json_null()))
			return -ENOMEM;
	}
	return 0;
}
