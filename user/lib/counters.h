/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Counters published once: a module that shows the same numbers in a JSON
 * topic and on /metrics describes each of them once, as a row (JSON key,
 * Prometheus family, type, help, where the value is, its label), fills a
 * snapshot struct once a tick, and renders both formats from the same rows:
 *
 *	struct my_stats { uint64_t sent; double delay_ms; };
 *	static const struct counter_row rows[] = {
 *		COUNTER_ROW_UINT("sent_total", "hostlens_x_sent_total", PROM_COUNTER,
 *				 "Things sent.", struct my_stats, sent),
 *		{ .key = "delay_ms", .name = "hostlens_x_delay_seconds", .type = PROM_GAUGE,
 *		  .help = "Delay.", .kind = COUNTER_DOUBLE,
 *		  .off = offsetof(struct my_stats, delay_ms), .scale = 1e-3 },
 *	};
 *	counters_json(rows, n, &st, obj);
 *	counters_prom(w, rows, n, &st);
 *
 * A row without a name is JSON only, one without a key Prometheus only.
 * Rows of one family (the same name, different labels) follow each other.
 * Pure functions; the caller owns everything.
 */
#ifndef HOSTLENS_COUNTERS_H
#define HOSTLENS_COUNTERS_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "user/lib/prom.h"

enum counter_kind {
	COUNTER_UINT,	/* a uint64_t */
	COUNTER_INT,	/* an int64_t (a gauge that could go below 0) */
	COUNTER_DOUBLE, /* a double */
	COUNTER_VEC,	/* a struct counter_vec: one sample per element */
};

/* A row's values per element: a JSON array (names NULL; the label is the
 * index) or a JSON object keyed by names (the label is the name). */
struct counter_vec {
	const uint64_t *v;
	size_t n;
	const char *const *names;
};

struct counter_row {
	const char *key;  /* JSON key, "obj.key" for one level down; NULL: Prometheus only */
	const char *name; /* Prometheus family; NULL: JSON only */
	enum prom_type type;
	const char *help;
	enum counter_kind kind;
	size_t off;		 /* offsetof() the value in the snapshot */
	double scale;		 /* Prometheus value = value * scale (1e-3: ms to s); 0: as is */
	const char *label;	 /* the sample's label name (COUNTER_VEC: per element), or NULL */
	const char *label_value; /* its value (not for COUNTER_VEC) */
};

#define COUNTER_ROW_UINT(k, n, t, h, st, field)                                          \
	{                                                                                \
		.key = (k), .name = (n), .type = (t), .help = (h), .kind = COUNTER_UINT, \
		.off = offsetof(st, field)                                               \
	}
#define COUNTER_ROW_DOUBLE(k, n, t, h, st, field)                                          \
	{                                                                                  \
		.key = (k), .name = (n), .type = (t), .help = (h), .kind = COUNTER_DOUBLE, \
		.off = offsetof(st, field)                                                 \
	}

/* The rows that have a key, into obj (JSON integers and reals; a
 * COUNTER_VEC as an array or an object). */
void counters_json(const struct counter_row *rows, size_t n, const void *snap, json_t *obj);

/* The rows that have a name, as Prometheus families. */
void counters_prom(struct prom *w, const struct counter_row *rows, size_t n, const void *snap);

/*
 * The same for count snapshots of one kind (snaps[i]), told apart by
 * label = values[i]: each family holds every snapshot's samples, in order
 * (e.g. hostlens_alert_notifications_total{channel, result}).
 */
void counters_prom_each(struct prom *w, const struct counter_row *rows, size_t n,
			const void *const *snaps, size_t count, const char *label,
			const char *const *values);

/*
 * The same, with the values read from a JSON array of objects by each row's
 * key (integers), each object told apart by label = its string member
 * label_key: for counters that arrive as JSON (the sinks' stats).
 */
void counters_prom_json(struct prom *w, const struct counter_row *rows, size_t n, json_t *items,
			const char *label, const char *label_key);

#endif
