// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The histogram's stated guarantee: every quantile within HIST_REL_ERR (2%)
 * of the exact sample of rank floor(q * (n - 1)), for uniform, exponential,
 * bimodal and duplicate-heavy samples, before and after merging; exact
 * count/sum/min/max; and the log2 (BPF) conversion within its slot.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/check.h"
#include "user/lib/hist.h"

static uint64_t rng = 88172645463325252ull;

static double urand(void) /* xorshift64*, (0,1) */
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return ((double)((rng * 2685821657736338717ull) >> 11) + 0.5) / 9007199254740992.0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static const double qs[] = { 0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999 };

/* Worst relative error over qs of h against the sorted sample s[n]. */
static double worst_err(const struct hist *h, double *s, size_t n, double *at_q)
{
	double worst = 0;

	qsort(s, n, sizeof(*s), cmp_double);
	for (size_t i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
		double exact = s[(size_t)floor(qs[i] * (double)(n - 1))];
		double est = hist__quantile(h, qs[i]);
		double err = exact ? fabs(est - exact) / fabs(exact) : fabs(est);

		if (err > worst) {
			worst = err;
			*at_q = qs[i];
		}
	}
	return worst;
}

#define N 200000
static double sample[N];
static struct hist h, parts[8];

static void check_sample(const char *what, size_t n)
{
	double q = 0, err, sum = 0, mn = INFINITY, mx = -INFINITY;

	hist__reset(&h);
	for (size_t i = 0; i < n; i++) {
		hist__add(&h, sample[i]);
		sum += sample[i];
		mn = fmin(mn, sample[i]);
		mx = fmax(mx, sample[i]);
	}
	CHECK(hist__count(&h) == n, "%s: count %zu, got %llu", what, n,
	      (unsigned long long)hist__count(&h));
	CHECK(fabs(hist__sum(&h) - sum) <= 1e-9 * fabs(sum), "%s: sum %f, got %f", what, sum,
	      hist__sum(&h));
	CHECK(hist__min(&h) == mn && hist__max(&h) == mx, "%s: min/max %g/%g, got %g/%g", what, mn,
	      mx, hist__min(&h), hist__max(&h));
	err = worst_err(&h, sample, n, &q);
	CHECK(err <= HIST_REL_ERR + 1e-9, "%s: relative error <= %.3f, got %.5f at q=%g", what,
	      HIST_REL_ERR, err, q);
}

static void uniform_within_1pct(void)
{
	for (size_t i = 0; i < N; i++)
		sample[i] = 1 + 999 * urand();
	check_sample("uniform[1,1000]", N);
}

static void exponential_within_1pct(void)
{
	for (size_t i = 0; i < N; i++)
		sample[i] = -50.0 * log(urand());
	check_sample("exponential(mean 50)", N);
}

static void bimodal_within_1pct(void)
{
	for (size_t i = 0; i < N; i++)
		sample[i] = (i % 3 ? 2.0 : 800.0) * (1 + 0.2 * (urand() - 0.5));
	check_sample("bimodal 2 ms / 800 ms", N);
	/* the modes: p50 in the low one, p95 in the high one */
	CHECK(hist__quantile(&h, 0.5) < 3 && hist__quantile(&h, 0.95) > 700,
	      "bimodal p50 < 3 and p95 > 700, got %f and %f", hist__quantile(&h, 0.5),
	      hist__quantile(&h, 0.95));
}

static void duplicates_within_1pct(void)
{
	size_t n = 0;

	for (int i = 0; i < 1000; i++)
		sample[n++] = 42;
	for (int i = 0; i < 10; i++)
		sample[n++] = 7;
	for (int i = 0; i < 5; i++)
		sample[n++] = 0; /* zero bucket */
	sample[n++] = 5e9;	 /* past HIST_MAX: clamped to the exact max */
	check_sample("duplicates", n);
	CHECK(hist__quantile(&h, 0) == 0 && hist__quantile(&h, 1) == 5e9,
	      "q=0 and q=1 are the exact min and max, got %f and %f", hist__quantile(&h, 0),
	      hist__quantile(&h, 1));
	CHECK(h.overflow == 1 && h.zero == 5, "overflow 1 and zero 5, got %llu and %llu",
	      (unsigned long long)h.overflow, (unsigned long long)h.zero);
}

static void merge_equals_single(void)
{
	struct hist *m = calloc(1, sizeof(*m));
	double q = 0, err;

	for (int p = 0; p < 8; p++)
		hist__reset(&parts[p]);
	hist__reset(&h);
	for (size_t i = 0; i < N; i++) {
		sample[i] = (i & 1) ? -20.0 * log(urand()) : 100 + 900 * urand();
		hist__add(&h, sample[i]);
		hist__add(&parts[i % 8], sample[i]);
	}
	for (int p = 0; p < 8; p++)
		hist__merge(m, &parts[p]);
	CHECK(!memcmp(m->b, h.b, sizeof(h.b)) && m->count == h.count && m->lo == h.lo &&
		      m->hi == h.hi && m->min == h.min && m->max == h.max,
	      "8 merged parts equal one histogram of everything");
	err = worst_err(m, sample, N, &q);
	CHECK(err <= HIST_REL_ERR + 1e-9, "merged: relative error <= 2%%, got %.5f at q=%g", err,
	      q);
	free(m);
}

static void empty_and_reset(void)
{
	hist__reset(&h);
	CHECK(isnan(hist__quantile(&h, 0.5)) && isnan(hist__mean(&h)) && hist__count(&h) == 0,
	      "empty histogram: NAN quantile and mean, count 0");
	hist__add(&h, 10);
	hist__reset(&h);
	hist__add(&h, 3);
	CHECK(hist__quantile(&h, 0.99) == 3 && hist__count(&h) == 1,
	      "after reset only the new value");
	CHECK((double)HIST_BUCKETS >= ceil(log(HIST_MAX / HIST_MIN) /
					   log((1 + HIST_REL_ERR) / (1 - HIST_REL_ERR))) +
					      1,
	      "HIST_BUCKETS covers [HIST_MIN, HIST_MAX]");
	CHECK(sizeof(struct hist) < 12 * 1024, "fixed memory under 12 KiB, is %zu",
	      sizeof(struct hist));
}

/* BCC-style log2 slots of microsecond latencies into a millisecond histogram. */
static void log2_conversion(void)
{
	uint64_t slots[32] = { 0 };
	double q = 0;
	size_t n = 0;

	hist__reset(&h);
	for (int i = 0; i < 10000; i++) {
		uint64_t us = (uint64_t)(-300.0 * log(urand())) + 1;
		int k = 63 - __builtin_clzll(us);

		slots[k]++;
		sample[n++] = (double)us / 1000.0;
	}
	CHECK(hist__add_log2(&h, slots, 32, 1e-3) == 0, "add_log2 ok");
	CHECK(hist__count(&h) == n, "count %zu, got %llu", n, (unsigned long long)hist__count(&h));
	qsort(sample, n, sizeof(double), cmp_double);
	for (size_t i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
		double exact = sample[(size_t)floor(qs[i] * (double)(n - 1))];
		double est = hist__quantile(&h, qs[i]);

		if (est < exact / 2 || est > exact * 2)
			q = qs[i];
	}
	CHECK(q == 0, "log2: every quantile within its power-of-two slot; off at q=%g", q);
	memset(slots, 0, sizeof(slots));
	slots[10] = 1000; /* 1024..2047 us */
	hist__reset(&h);
	hist__add_log2(&h, slots, 32, 1e-3);
	CHECK(hist__quantile(&h, 0.5) > 1.40 && hist__quantile(&h, 0.5) < 1.50 &&
		      hist__quantile(&h, 0.01) >= 1.024 && hist__quantile(&h, 0.99) < 2.048,
	      "one slot [1.024, 2.048) ms: p50 ~ 1.448 (log middle), got %f; p1 %f, p99 %f",
	      hist__quantile(&h, 0.5), hist__quantile(&h, 0.01), hist__quantile(&h, 0.99));
	CHECK(hist__add_log2(&h, slots, 65, 1) == -EINVAL, "more than 64 slots is -EINVAL");
}

static void json_fields(void)
{
	json_t *o = json_object();

	hist__reset(&h);
	for (int i = 1; i <= 100; i++)
		hist__add(&h, i);
	hist__put_json(&h, o, "response_time", "ms");
	CHECK(fabs(json_real_value(json_object_get(o, "response_time_p95_ms")) - 95) <= 0.95 &&
		      json_real_value(json_object_get(o, "response_time_avg_ms")) == 50.5 &&
		      json_real_value(json_object_get(o, "response_time_max_ms")) == 100 &&
		      json_object_get(o, "response_time_p50_ms") &&
		      json_object_get(o, "response_time_p99_ms"),
	      "NAME_{avg,p50,p95,p99,max}_UNIT written");
	json_decref(o);

	/* no value is no latency: null, never a measured 0 */
	o = json_object();
	hist__reset(&h);
	hist__put_json(&h, o, "response_time", "ms");
	CHECK(json_object_size(o) == 5 &&
		      json_is_null(json_object_get(o, "response_time_avg_ms")) &&
		      json_is_null(json_object_get(o, "response_time_p50_ms")) &&
		      json_is_null(json_object_get(o, "response_time_p95_ms")) &&
		      json_is_null(json_object_get(o, "response_time_p99_ms")) &&
		      json_is_null(json_object_get(o, "response_time_max_ms")),
	      "an empty histogram writes the five fields as null");
	json_decref(o);
}

/* hist__add2 (the bucket found once for two histograms) leaves both as
 * hist__add would: values across the range, below HIST_MIN, above HIST_MAX,
 * zero and NaN. */
static void add2_equals_two_adds(void)
{
	static struct hist a, b, x, y;
	const double edge[] = { 0, 1e-4, HIST_MIN, 2e9, -3, NAN };

	hist__reset(&a);
	hist__reset(&b);
	hist__reset(&x);
	hist__add(&x, 7.5); /* the second pair already holds a value */
	hist__add(&b, 7.5);
	hist__reset(&y);
	for (int i = 0; i < 5000; i++) {
		double v = i < 6 ? edge[i] : exp(urand() * 30 - 10);

		hist__add2(&a, &b, v);
		hist__add(&x, v);
		hist__add(&y, v);
	}
	CHECK(!memcmp(&a, &y, sizeof(a)) && !memcmp(&b, &x, sizeof(b)),
	      "hist__add2 leaves both histograms as two hist__add calls do");
}

/* Three windows rolled into before, a fourth current: the whole is what
 * one histogram fed every value holds (count, sum, min, max, quantiles). */
static void windows_roll_into_the_whole(void)
{
	static struct hist before, cur, one, scratch;
	const struct hist *w;

	hist__reset(&before);
	hist__reset(&cur);
	hist__reset(&one);
	CHECK(hist__whole(&before, &cur, &scratch) == &before, "an empty window: before itself");
	for (int win = 0; win < 4; win++) {
		for (int i = 0; i < 1000; i++) {
			double v = exp(urand() * 12 - 4) * (win + 1);

			hist__add(&cur, v);
			hist__add(&one, v);
		}
		if (win < 3)
			hist__roll(&before, &cur);
	}
	CHECK(cur.count == 1000 && before.count == 3000,
	      "3000 values rolled, 1000 current: got %llu, %llu", (unsigned long long)before.count,
	      (unsigned long long)cur.count);
	w = hist__whole(&before, &cur, &scratch);
	CHECK(w == &scratch && w->count == one.count && w->min == one.min && w->max == one.max &&
		      fabs(w->sum - one.sum) < 1e-6 * one.sum &&
		      hist__quantile(w, 0.5) == hist__quantile(&one, 0.5) &&
		      hist__quantile(w, 0.99) == hist__quantile(&one, 0.99),
	      "before + current holds what one histogram of every value holds");
}

/* Every value lands in its bucket, the first whose bound reaches it: at
 * each bound and one ulp either side, between bounds, and across the range
 * at random (the index is found from the double's bits, then checked). */
static int bucket_ok(double v)
{
	uint32_t b = hist__bucket(v);

	if (b >= HIST_BUCKETS)
		return 0;
	return (b == HIST_BUCKETS - 1 || hist__bound(b) >= v) && (b == 0 || hist__bound(b - 1) < v);
}

static void each_value_in_its_bucket(void)
{
	int bad = 0;
	double worst = 0;

	for (uint32_t i = 0; i < HIST_BUCKETS; i++) {
		double e = hist__bound(i),
		       vs[] = { e, nextafter(e, 0), nextafter(e, INFINITY), e * 1.02, e * 0.99 };

		for (size_t j = 0; j < sizeof(vs) / sizeof(vs[0]); j++)
			if (vs[j] >= HIST_MIN && !bucket_ok(vs[j]) && !bad++)
				worst = vs[j];
	}
	for (int i = 0; i < 200000; i++) {
		double v = HIST_MIN * exp(urand() * 30);

		if (!bucket_ok(v) && !bad++)
			worst = v;
	}
	CHECK(!bad, "%d values outside their bucket, the first %.17g in %u", bad, worst,
	      hist__bucket(worst));
	CHECK(hist__bucket(HIST_MIN / 2) == HIST_BUCKETS && hist__bucket(1e15) == HIST_BUCKETS - 1,
	      "below HIST_MIN: the zero bucket; far above the last bound: the last bucket");
}

int main(void)
{
	RUN(uniform_within_1pct);
	RUN(exponential_within_1pct);
	RUN(bimodal_within_1pct);
	RUN(duplicates_within_1pct);
	RUN(merge_equals_single);
	RUN(empty_and_reset);
	RUN(log2_conversion);
	RUN(json_fields);
	RUN(add2_equals_two_adds);
	RUN(windows_roll_into_the_whole);
	RUN(each_value_in_its_bucket);
	CHECK_DONE();
}
