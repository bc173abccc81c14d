/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Mergeable log-bucketed histogram (the DDSketch idea with a fixed range):
 * bucket i holds values in (HIST_MIN * g^(i-1), HIST_MIN * g^i] with
 * g = (1 + a) / (1 - a), a = HIST_REL_ERR, and a quantile is answered with
 * the bucket's representative 2 * HIST_MIN * g^i / (g + 1), which is within
 * a relative HIST_REL_ERR (2%) of every value in the bucket. So the
 * q-quantile is within 2% of the exact sample of rank floor(q * (n - 1)),
 * for any distribution, after any number of merges.
 *
 * Values in [HIST_MIN, HIST_MAX] get that guarantee; smaller ones (and 0 and
 * negatives) are counted in a zero bucket answered with the exact minimum
 * (so within HIST_MIN absolute for non-negative values), larger ones in the
 * top bucket (counted in `overflow`). Answers are clamped to the exact min
 * and max.
 * With milliseconds that is 1 us .. 11.5 days; with bytes, 1 B .. 1 GB
 * scaled as the caller likes.
 *
 * Fixed memory (about 2.8 KiB: 32-bit buckets, saturating), no allocation at
 * all: embed it (one per route per window is affordable), memcpy it, merge
 * it. Not thread-safe; one owner.
 */
#ifndef HOSTLENS_HIST_H
#define HOSTLENS_HIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#define HIST_REL_ERR 0.02
#define HIST_MIN 1e-3
#define HIST_MAX 1e9
#define HIST_BUCKETS 700 /* >= ceil(ln(HIST_MAX / HIST_MIN) / ln(g)) + 1 = 692 */

struct hist {
	uint64_t count;	   /* every value added */
	uint64_t zero;	   /* values below HIST_MIN */
	uint64_t overflow; /* values above HIST_MAX (kept in the top bucket) */
	double sum, min, max;
	uint32_t lo, hi;	  /* non-empty bucket range, valid when count > zero */
	uint32_t b[HIST_BUCKETS]; /* saturate at UINT32_MAX */
};

/* The bucket layout: bucket i holds (hist__bound(i - 1), hist__bound(i)],
 * hist__bucket(v) is v's (HIST_BUCKETS: the zero bucket, below HIST_MIN;
 * the last bucket also takes everything above its bound). */
uint32_t hist__bucket(double v);
double hist__bound(uint32_t i);

/* Empties h (also the initializer: a zeroed struct hist is empty too). */
void hist__reset(struct hist *h);

/* Adds one value / n copies of a value. */
void hist__add(struct hist *h, double v);
void hist__add_n(struct hist *h, double v, uint64_t n);
/* Adds one value to two histograms (a running and a per-interval one, on
 * every request): its bucket is found once. */
void hist__add2(struct hist *a, struct hist *b, double v);

/* dst += src, as if every value of src had been added to dst. */
void hist__merge(struct hist *dst, const struct hist *src);

/* A histogram kept as earlier windows (before) plus the current one (cur),
 * so a value is added once: hist__roll ends the window (cur merged into
 * before, then emptied); hist__whole gives both together, before itself when
 * cur is empty, else their merge written to scratch. */
void hist__roll(struct hist *before, struct hist *cur);
const struct hist *hist__whole(const struct hist *before, const struct hist *cur,
			       struct hist *scratch);

/*
 * The q-quantile (0 <= q <= 1) within HIST_REL_ERR of the sample of rank
 * floor(q * (count - 1)); NAN when empty.
 */
double hist__quantile(const struct hist *h, double q);

uint64_t hist__count(const struct hist *h);
double hist__sum(const struct hist *h);
double hist__mean(const struct hist *h); /* NAN when empty */
double hist__min(const struct hist *h);	 /* NAN when empty */
double hist__max(const struct hist *h);	 /* NAN when empty */

/*
 * Adds a power-of-two histogram as BPF programs keep it (BCC's log2
 * slots): slots[k] counts values v with floor(log2(v)) == k, slot 0 also
 * holding v == 0; unit scales a slot value into this histogram's unit
 * (e.g. 1e-3 for microseconds into milliseconds). Inside a slot the
 * values are spread evenly over its log range, so quantiles are good to
 * the slot's resolution (a factor of 2), not to HIST_REL_ERR.
 * 0, or -EINVAL (n > 64 or unit <= 0).
 */
int hist__add_log2(struct hist *h, const uint64_t *slots, unsigned int n, double unit);

/*
 * Writes NAME_avg_UNIT, NAME_p50_UNIT, NAME_p95_UNIT, NAME_p99_UNIT and
 * NAME_max_UNIT into obj (e.g. "response_time", "ms" gives
 * response_time_p95_ms), rounded to 3 decimals; null for an empty histogram
 * (no value is not a value of 0).
 * 0 or -ENOMEM.
 */
int hist__put_json(const struct hist *h, json_t *obj, const char *name, const char *unit);

#endif
