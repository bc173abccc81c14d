// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Per-host rollup series of the fleet view (fleet_series.h). */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "user/fleet/fleet_series.h"
#include "user/fleet/fleet_read.h"

int fleet_series_init(struct fleet_series *s, size_t max)
{
	memset(s, 0, sizeof(*s));
	s->e = calloc(max ? max : 1, sizeof(*s->e));
	if (!s->e)
		return -ENOMEM;
	s->max = max ? max : 1;
	pthread_mutex_init(&s->mu, NULL);
	return 0;
}

void fleet_series_fini(struct fleet_series *s)
{
	if (!s->e)
		return;
	for (size_t i = 0; i < s->n; i++)
		json_decref(s->e[i].points);
	free(s->e);
	pthread_mutex_destroy(&s->mu);
	memset(s, 0, sizeof(*s));
}

static struct fleet_series_entry *find(struct fleet_series *s, const char *source,
				       const char *metric)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->e[i].source, source) && !strcmp(s->e[i].metric, metric))
			return &s->e[i];
	return NULL;
}

/* A fresh entry: a free one, else the least recently asked (counted). */
static struct fleet_series_entry *make_room(struct fleet_series *s)
{
	struct fleet_series_entry *old = &s->e[0];

	if (s->n < s->max)
		return &s->e[s->n++];
	for (size_t i = 1; i < s->n; i++)
		if (s->e[i].used_ms < old->used_ms)
			old = &s->e[i];
	json_decref(old->points);
	s->evicted_total++;
	return old;
}

int fleet_series_ask(struct fleet_series *s, const char *source, const char *metric, int64_t now_ms,
		     json_t **doc)
{
	struct fleet_series_entry *e;
	bool wanted = false;
	int status = 200;

	pthread_mutex_lock(&s->mu);
	e = find(s, source, metric);
	if (!e) {
		e = make_room(s);
		memset(e, 0, sizeof(*e));
		snprintf(e->source, sizeof(e->source), "%s", source);
		snprintf(e->metric, sizeof(e->metric), "%s", metric);
		wanted = true;
	}
	e->used_ms = now_ms;
	if (e->unknown) {
		status = 404;
		*doc = json_pack("{s:s, s:s}", "error", "no such host in the fleet", "source",
				 source);
	} else {
		*doc = json_pack("{s:s, s:s, s:O, s:b, s:I}", "source", source, "metric", metric,
				 "points", e->points ?: json_array(), "loading", !e->fetched_ms,
				 "fetched_ms", (json_int_t)e->fetched_ms);
		if (!e->points) /* the json_array() above was only borrowed */
			json_decref(json_object_get(*doc, "points"));
	}
	pthread_mutex_unlock(&s->mu);
	if (wanted && s->wake)
		s->wake(s->wake_ctx);
	return status;
}

bool fleet_series_next(struct fleet_series *s, int64_t now_ms, int64_t ttl_ms, char *source,
		       size_t slen, char *metric, size_t mlen)
{
	struct fleet_series_entry *pick = NULL;

	pthread_mutex_lock(&s->mu);
	for (size_t i = 0; i < s->n; i++) {
		struct fleet_series_entry *e = &s->e[i];

		if (!e->fetched_ms) {
			pick = e;
			break;
		}
		if (!pick && now_ms - e->fetched_ms > ttl_ms && e->used_ms > e->fetched_ms)
			pick = e;
	}
	if (pick) {
		snprintf(source, slen, "%s", pick->source);
		snprintf(metric, mlen, "%s", pick->metric);
	}
	pthread_mutex_unlock(&s->mu);
	return pick != NULL;
}

void fleet_series_counts(struct fleet_series *s, size_t *kept, uint64_t *evicted)
{
	pthread_mutex_lock(&s->mu);
	*kept = s->n;
	*evicted = s->evicted_total;
	pthread_mutex_unlock(&s->mu);
}

void fleet_series_put(struct fleet_series *s, const char *source, const char *metric,
		      json_t *points, int64_t now_ms)
{
	struct fleet_series_entry *e;

	pthread_mutex_lock(&s->mu);
	e = find(s, source, metric);
	if (e) {
		json_decref(e->points);
		e->points = points;
		e->unknown = !points;
		e->fetched_ms = now_ms > 0 ? now_ms : 1;
		points = NULL;
	}
	pthread_mutex_unlock(&s->mu);
	json_decref(points); /* evicted while it was read */
}

void fleet_series_fold(json_t *acc, json_t *items, const char *metric)
{
	json_t *it;
	size_t i;

	json_array_foreach(items, i, it) {
		json_t *f = json_object_get(json_object_get(json_object_get(it, "fields"), metric),
					    "avg");
		int64_t slot = fleet_ms(json_object_get(it, "slot_start"));
		double n = json_number_value(json_object_get(it, "samples"));
		double sum, weight;
		char key[32];
		json_t *cell;

		if (!json_is_number(f) || slot <= 0)
			continue;
		if (!(n > 0 && n < 1e9)) /* absent or absurd: one sample */
			n = 1;
		snprintf(key, sizeof(key), "%" PRId64, slot);
		cell = json_object_get(acc, key);
		if (!cell) {
			cell = json_pack("[f, f]", 0.0, 0.0);
			json_object_set_new(acc, key, cell);
		}
		if (!cell)
			continue;
		/* partials of one slot: their averages weighted by samples */
		sum = json_number_value(json_array_get(cell, 0)) + json_number_value(f) * n;
		weight = json_number_value(json_array_get(cell, 1)) + n;
		if (!isfinite(sum) || !isfinite(weight))
			continue;
		json_array_set_new(cell, 0, json_real(sum));
		json_array_set_new(cell, 1, json_real(weight));
	}
}

static int point_cmp(const void *a, const void *b)
{
	double x = json_number_value(json_array_get(*(json_t *const *)a, 0));
	double y = json_number_value(json_array_get(*(json_t *const *)b, 0));

	return x < y ? -1 : x > y;
}

json_t *fleet_series_points(json_t *acc)
{
	size_t n = json_object_size(acc), k = 0;
	json_t **pts = malloc((n ? n : 1) * sizeof(*pts)), *out = json_array(), *cell;
	const char *key;

	if (!pts || !out) {
		free(pts);
		json_decref(out);
		return NULL;
	}
	json_object_foreach(acc, key, cell) {
		double w = json_number_value(json_array_get(cell, 1));

		if (w > 0 && k < n)
			pts[k++] = json_pack("[I, f]", (json_int_t)strtoll(key, NULL, 10),
					     json_number_value(json_array_get(cell, 0)) / w);
	}
	qsort(pts, k, sizeof(*pts), point_cmp);
	for (size_t i = 0; i < k; i++)
		json_array_append_new(out, pts[i]);
	free(pts);
	return out;
}
