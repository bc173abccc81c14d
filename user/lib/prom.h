/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The one writer of Prometheus text (exposition format 0.0.4) for /metrics.
 * Every module writes its families through it into the FILE the processor
 * opens each tick (open_memstream); the web server writes its own lines the
 * same way.
 *
 * What it owns:
 * - "# HELP" and "# TYPE" once per family: a second prom_family() for a name
 *   already written writes nothing (a scrape with two TYPE lines for one name
 *   is refused whole). The samples of one family must still follow its header
 *   together: write a family in one go.
 * - Label values escaped by one function, prom_escape_label(): the text is
 *   first made safe by utf8.h's rule (every byte that does not begin a
 *   well-formed UTF-8 character, and every control character, newline
 *   included, becomes the text "\xHH"), then '\' and '"' get a backslash.
 *   A raw newline therefore never reaches a label value: it reads "\x0A", as
 *   everywhere else the agent shows kernel strings. HELP text escapes '\'
 *   and newline as the format asks.
 * - Values: integers exactly (%llu / %lld); floating point in fixed notation
 *   to 9 decimals (nanoseconds: the finest unit any second value here comes
 *   from), trailing zeros cut; NaN and infinities as "NaN", "+Inf", "-Inf".
 *   Base units are the caller's: seconds, bytes, ratios, as the name says.
 *
 * Plain functions over caller-owned structs: no allocation, one writer per
 * thread.
 */
#ifndef HOSTLENS_PROM_H
#define HOSTLENS_PROM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum prom_type { PROM_COUNTER, PROM_GAUGE, PROM_HISTOGRAM, PROM_SUMMARY };

#define PROM_MAX_FAMILIES 256 /* more than this many: headers are no longer deduplicated */

struct prom {
	FILE *f;
	int nfam;
	uint64_t fam[PROM_MAX_FAMILIES]; /* hashes of the family names written */
};

/* A label set being built: `name="value",...` (no braces), escaped. */
#define PROM_LABELS_SIZE 2048

struct prom_labels {
	size_t len;
	char s[PROM_LABELS_SIZE];
};

/* Starts a writer over f (not owned; NULL: everything is a no-op). */
void prom_init(struct prom *w, FILE *f);

/*
 * "# HELP NAME help" and "# TYPE NAME type", the first time NAME is seen by
 * this writer; help is a printf format. Returns true when it wrote them.
 */
bool prom_family(struct prom *w, const char *name, enum prom_type type, const char *help, ...)
	__attribute__((format(printf, 4, 5)));

/*
 * Writes s as a label value (what goes between the quotes), escaped as said
 * above, into out (always NUL-terminated when outlen > 0). When out is too
 * small the copy stops before a character or an escape that does not fit
 * whole. Returns the length written.
 */
size_t prom_escape_label(const char *s, char *out, size_t outlen);

/* Empties l. */
void prom_labels_init(struct prom_labels *l);

/* Cuts l back to its first len bytes (a length l had: l->len before a prom_label()). */
void prom_labels_cut(struct prom_labels *l, size_t len);

/*
 * Appends NAME="value" to l, value escaped with prom_escape_label(). A value
 * that does not fit is cut (never inside an escape); a name that does not
 * fit is left out.
 */
void prom_label(struct prom_labels *l, const char *name, const char *value);
void prom_label_uint(struct prom_labels *l, const char *name, unsigned long long v);

/* One sample line: NAME{labels} value (no braces when l is NULL or empty). */
void prom_sample_uint(struct prom *w, const char *name, const struct prom_labels *l,
		      unsigned long long v);
void prom_sample_int(struct prom *w, const char *name, const struct prom_labels *l, long long v);
void prom_sample_double(struct prom *w, const char *name, const struct prom_labels *l, double v);

/*
 * A histogram's samples under l: NAME_bucket{...,le="le[i]"} cum[i] for
 * i < n (le as the caller formats its bounds; cum cumulative), the "+Inf"
 * bucket holding count, NAME_sum and NAME_count.
 */
void prom_histogram(struct prom *w, const char *name, const struct prom_labels *l,
		    const char *const *le, const uint64_t *cum, size_t n, uint64_t count,
		    double sum);

/* A summary's samples under l: NAME{...,quantile="q[i]"} v[i], NAME_sum, NAME_count. */
void prom_summary(struct prom *w, const char *name, const struct prom_labels *l,
		  const char *const *q, const double *v, size_t n, uint64_t count, double sum);

#endif
