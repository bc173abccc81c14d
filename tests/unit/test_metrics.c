// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The metric catalog and the tick's metric set (user/pipeline/metrics.h): every
 * catalog row is complete and findable by name; values add up, means weigh,
 * max keeps the worst; a (metric, scope) list walks in put order; the bounds
 * (values per scope, key length) hold and what does not fit is counted;
 * reset empties the set.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tests/unit/check.h"
#include "user/pipeline/metrics.h"

static void catalog_rows_complete(void)
{
	static const char *const signals[] = { "host", "agent", "cpu", "disk", "net", "http", "db" };

	for (int i = 0; i < METRIC__COUNT; i++) {
		const struct metric_def *d = &metric_defs[i];
		bool sig = false, snake = d->name && d->name[0];

		for (const char *c = d->name; snake && *c; c++)
			snake = islower((unsigned char)*c) || isdigit((unsigned char)*c) ||
				*c == '_';
		for (size_t k = 0; d->signal && k < sizeof(signals) / sizeof(signals[0]); k++)
			sig |= !strcmp(d->signal, signals[k]);
		CHECK(snake && d->unit && d->help && d->help[0] && sig && metric_find(d->name) == i,
		      "row %d (%s): snake_case name found by metric_find, a unit, help and a known signal",
		      i, d->name ? d->name : "(null)");
		CHECK(!(d->scopes & 1u), "row %s: SCOPE_NONE is implied, not a bit", d->name);
	}
	CHECK(metric_find("response_time_p95_ms") == -ENOENT, "an unknown name is -ENOENT");
	CHECK(metric_scope_find("route") == SCOPE_ROUTE && metric_scope_find("") == -ENOENT &&
		      !strcmp(metric_scope_name(SCOPE_SINK), "sink"),
	      "scope names both ways");
	CHECK(metric_has_scope(METRIC_HTTP_ERRORS_5XX, SCOPE_ROUTE) &&
		      metric_has_scope(METRIC_CPU_USAGE_PCT, SCOPE_NONE) &&
		      !metric_has_scope(METRIC_CPU_USAGE_PCT, SCOPE_ROUTE),
	      "metric_has_scope");
}

static void values_add_mean_max(void)
{
	struct metrics *m = metrics__new();
	struct metric_sample s;
	int pos = -1, n = 0;
	const char *key, *order[3];

	metrics__add(m, METRIC_HTTP_ERRORS_5XX, SCOPE_ROUTE, "GET /b", 2);
	metrics__add(m, METRIC_HTTP_ERRORS_5XX, SCOPE_ROUTE, "GET /a", 1);
	metrics__add(m, METRIC_HTTP_ERRORS_5XX, SCOPE_ROUTE, "GET /b", 3); /* two processes */
	metrics__add(m, METRIC_HTTP_ERRORS_5XX, SCOPE_PROCESS, "GET /b",
		     7); /* same key, other scope */
	metrics__add_mean(m, METRIC_HTTP_LATENCY_MS, SCOPE_NONE, NULL, 100, 1);
	metrics__add_mean(m, METRIC_HTTP_LATENCY_MS, SCOPE_NONE, NULL, 90, 9);
	metrics__add_mean(m, METRIC_API_LATENCY_AVG_MS, SCOPE_NONE, NULL, 0, 0);
	metrics__max(m, METRIC_DISK_LATENCY_P99_MS, SCOPE_NONE, NULL, -1);
	metrics__max(m, METRIC_DISK_LATENCY_P99_MS, SCOPE_NONE, NULL, 7);
	metrics__max(m, METRIC_DISK_LATENCY_P99_MS, SCOPE_NONE, NULL, 3);
	CHECK(!metrics__get(m, METRIC_HTTP_ERRORS_5XX, SCOPE_ROUTE, "GET /b", &s) && s.sum == 5 &&
		      metric_sample_value(&s) == 5,
	      "add sums one key: 5, got %g", s.sum);
	CHECK(!metrics__get(m, METRIC_HTTP_ERRORS_5XX, SCOPE_PROCESS, "GET /b", &s) && s.sum == 7,
	      "scopes are apart");
	CHECK(!metrics__get(m, METRIC_HTTP_LATENCY_MS, SCOPE_NONE, "ignored", &s) &&
		      metric_sample_value(&s) == 19 && s.weight == 10,
	      "mean of 10 requests: 19, got %g", metric_sample_value(&s));
	CHECK(!metrics__has(m, METRIC_API_LATENCY_AVG_MS) &&
		      metrics__get(m, METRIC_API_LATENCY_AVG_MS, SCOPE_NONE, NULL, &s) == -ENOENT,
	      "a mean of no requests is no value (not 0)");
	CHECK(!metrics__get(m, METRIC_DISK_LATENCY_P99_MS, SCOPE_NONE, NULL, &s) && s.sum == 7,
	      "max keeps the worst (the first value counts even below 0): 7, got %g", s.sum);
	while ((key = metrics__next(m, METRIC_HTTP_ERRORS_5XX, SCOPE_ROUTE, &pos, &s)) && n < 3)
		order[n++] = key;
	CHECK(n == 2 && !strcmp(order[0], "GET /b") && !strcmp(order[1], "GET /a"),
	      "next walks the route values in put order, got %d", n);
	CHECK(metrics__has(m, METRIC_HTTP_ERRORS_5XX) && !metrics__has(m, METRIC_CPU_USAGE_PCT),
	      "has: what was put");
	metrics__reset(m);
	pos = -1;
	CHECK(!metrics__has(m, METRIC_HTTP_ERRORS_5XX) &&
		      !metrics__next(m, METRIC_HTTP_ERRORS_5XX, SCOPE_ROUTE, &pos, &s) &&
		      metrics__get(m, METRIC_HTTP_ERRORS_5XX, SCOPE_ROUTE, "GET /b", &s) == -ENOENT,
	      "reset empties the set");
	metrics__free(m);
}

static void bounds_counted(void)
{
	struct metrics *m = metrics__new();
	struct metric_sample s;
	char key[METRIC_KEY_MAX + 64];
	int pos = -1, n = 0;

	for (int i = 0; i < METRICS_MAX_PER_SCOPE + 10; i++) {
		snprintf(key, sizeof(key), "/route/%d", i);
		metrics__add(m, METRIC_HTTP_REQUESTS, SCOPE_ROUTE, key, 1);
	}
	while (metrics__next(m, METRIC_HTTP_REQUESTS, SCOPE_ROUTE, &pos, &s))
		n++;
	CHECK(n == METRICS_MAX_PER_SCOPE && metrics__dropped(m) == 10,
	      "%d values kept, 10 counted as dropped; got %d and %llu", METRICS_MAX_PER_SCOPE, n,
	      (unsigned long long)metrics__dropped(m));
	metrics__add(m, METRIC_HTTP_REQUESTS, SCOPE_PROCESS, "nginx", 1);
	CHECK(!metrics__get(m, METRIC_HTTP_REQUESTS, SCOPE_PROCESS, "nginx", &s),
	      "another scope of the same metric still has room");
	memset(key, 'x', sizeof(key) - 1);
	key[sizeof(key) - 1] = '\0';
	metrics__add(m, METRIC_HTTP_REQUESTS, SCOPE_PROCESS, key, 1);
	key[METRIC_KEY_MAX - 1] = '\0';
	CHECK(!metrics__get(m, METRIC_HTTP_REQUESTS, SCOPE_PROCESS, key, &s) && s.sum == 1,
	      "a key longer than METRIC_KEY_MAX - 1 is cut to it");
	metrics__reset(m);
	for (int i = 0; i < METRICS_MAX_VALUES + 5; i++) {
		snprintf(key, sizeof(key), "%d", i);
		metrics__add(m, (enum metric_id)(i % METRIC__COUNT), SCOPE_ROUTE + i % 7, key, 1);
	}
	CHECK(metrics__dropped(m) == 10 + 5, "past %d values a tick: counted, got %llu dropped",
	      METRICS_MAX_VALUES, (unsigned long long)metrics__dropped(m));
	metrics__free(m);
}

int main(void)
{
	RUN(catalog_rows_complete);
	RUN(values_add_mean_max);
	RUN(bounds_counted);
	CHECK_DONE();
}
