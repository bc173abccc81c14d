// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Alert rules under a fake clock (no sleeping), fed through the real metric
 * set (user/pipeline/metrics.h): pending -> firing after `for`, firing -> resolved,
 * pending reset, no-data handling, the built-in rules; windows (count, sum,
 * rate, avg, max, min) moving with the clock; a fixed scope and a fan-out
 * with its bound of 64 series; a fan-out series that goes away; a reload
 * that keeps windows and state. (Delivery of the records: test_notify.c.)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "user/pipeline/alert_rules.h"
#include "user/pipeline/alerts.h"
#include "tests/unit/check.h"
#include "user/runtime/config.h"
#include "user/pipeline/metrics.h"

#define T0 1732200000000LL /* fake epoch ms (a multiple of 5 s) */

static struct config cfg;
static struct metrics *mx; /* the tick's set, as the processor reuses it */

/* Feeds host-wide value v of id for `secs` seconds from *t (1 s steps); returns records. */
static json_t *feed(struct alerts *a, enum metric_id id, double v, int secs, int64_t *t)
{
	json_t *out = json_array();

	for (int i = 0; i < secs; i++) {
		metrics__reset(mx);
		metrics__set(mx, id, SCOPE_NONE, NULL, v);
		alerts__eval(a, mx, *t, out);
		*t += 1000;
	}
	return out;
}

/* One tick at *t with what is in mx already; returns its records. */
static json_t *tick(struct alerts *a, int64_t *t)
{
	json_t *out = json_array();

	alerts__eval(a, mx, *t, out);
	*t += 1000;
	return out;
}

/* A tick of an HTTP counter: host-wide n (always: the signal reports) plus
 * n for route `route` when given. */
static json_t *tick_errors(struct alerts *a, const char *route, double n, int64_t *t)
{
	metrics__reset(mx);
	metrics__add(mx, METRIC_HTTP_ERRORS_5XX, SCOPE_NONE, NULL, n);
	if (route && n)
		metrics__add(mx, METRIC_HTTP_ERRORS_5XX, SCOPE_ROUTE, route, n);
	return tick(a, t);
}

static const char *str(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k)) ?: "";
}

static double num(const json_t *o, const char *k)
{
	return json_number_value(json_object_get(o, k));
}

/* One rule as the config file gives it. */
static void one_rule(struct alert_rule r)
{
	config_defaults(&cfg);
	cfg.alerts_set = true;
	cfg.n_alerts = 1;
	cfg.alerts[0] = r;
}

static void defaults_fire_and_resolve(void)
{
	struct alerts *a;
	json_t *r, *st;
	int64_t t = T0;

	config_defaults(&cfg);
	a = alerts__new(&cfg, "host-a");
	CHECK(a, "alerts__new: %s", strerror(errno));
	if (!a)
		return;
	r = feed(a, METRIC_CPU_USAGE_PCT, 95, 120, &t); /* t0 .. t0+119 s */
	CHECK(json_array_size(r) == 0, "cpu > 80 held 119 s (< for 120 s): no record, got %zu",
	      json_array_size(r));
	json_decref(r);
	st = alerts__state_json(a);
	CHECK(!strcmp(str(json_array_get(json_object_get(st, "active"), 0), "state"), "pending"),
	      "state topic shows the pending rule");
	json_decref(st);
	r = feed(a, METRIC_CPU_USAGE_PCT, 95, 1, &t); /* t0 + 120 s */
	CHECK(json_array_size(r) == 1, "firing at for = 120 s: one record, got %zu",
	      json_array_size(r));
	if (json_array_size(r) == 1) {
		json_t *f = json_array_get(r, 0);

		CHECK(!strcmp(str(f, "type"), "alert") && !strcmp(str(f, "state"), "firing") &&
			      !strcmp(str(f, "rule"), "cpu_high") &&
			      !strcmp(str(f, "metric"), "cpu_usage_pct") &&
			      !strcmp(str(f, "severity"), "warning") &&
			      !strcmp(str(f, "comparator"), ">") &&
			      !strcmp(str(f, "source"), "host-a") && strlen(str(f, "id")) == 36 &&
			      num(f, "value") == 95 && num(f, "threshold") == 80 &&
			      json_integer_value(json_object_get(f, "started_at")) == T0 &&
			      json_integer_value(json_object_get(f, "timestamp")) == T0 + 120000 &&
			      !json_object_get(f, "scope") && !json_object_get(f, "aggregate") &&
			      !strcmp(str(f, "message"), "cpu_high: cpu_usage_pct 95 > 80"),
		      "firing record fields (no scope, no aggregate), got %s", str(f, "message"));
	}
	json_decref(r);
	r = feed(a, METRIC_CPU_USAGE_PCT, 90, 30, &t);
	CHECK(json_array_size(r) == 0, "still firing: no new record, got %zu", json_array_size(r));
	json_decref(r);
	r = feed(a, METRIC_CPU_USAGE_PCT, 40, 1, &t); /* t0 + 151 s */
	CHECK(json_array_size(r) == 1 && !strcmp(str(json_array_get(r, 0), "state"), "resolved") &&
		      json_integer_value(json_object_get(json_array_get(r, 0), "resolved_at")) ==
			      T0 + 151000 &&
		      num(json_array_get(r, 0), "duration_s") == 151 &&
		      num(json_array_get(r, 0), "value") == 40,
	      "resolved record at t0+151 s with value 40 and duration 151 s");
	json_decref(r);
	st = alerts__state_json(a);
	CHECK(json_array_size(json_object_get(st, "active")) == 0 &&
		      json_array_size(json_object_get(st, "recent")) == 2,
	      "state: nothing active, 2 recent records");
	json_decref(st);
	alerts__free(a);
}

/* The seed's thresholds, the agent's health, and each one valid. */
static void builtin_rule_set(void)
{
	static const struct {
		const char *name, *metric, *scope;
		double thr;
		enum alert_agg agg;
		int window;
	} want[] = {
		{ "api_latency_high", "api_latency_avg_ms", "", 1000, ALERT_AGG_LAST, 0 },
		{ "error_rate_high", "error_rate_pct", "", 5, ALERT_AGG_LAST, 0 },
		{ "http_errors_high", "http_errors_5xx", "", 10, ALERT_AGG_COUNT, 300 },
		{ "api_latency_p99_high", "api_latency_p99_ms", "", 3000, ALERT_AGG_LAST, 0 },
		{ "cpu_high", "cpu_usage_pct", "", 80, ALERT_AGG_LAST, 0 },
		{ "db_connections_high", "db_connections_active", "server", 100, ALERT_AGG_LAST,
		  0 },
		{ "db_latency_p95_high", "db_client_p95_ms", "server", 1000, ALERT_AGG_LAST, 0 },
		{ "disk_latency_high", "disk_latency_p99_ms", "", 100, ALERT_AGG_LAST, 0 },
		{ "memory_high", "memory_used_pct", "", 90, ALERT_AGG_LAST, 0 },
		{ "agent_kernel_drops", "agent_kernel_drops", "", 0, ALERT_AGG_COUNT, 60 },
		{ "agent_map_full", "agent_map_full", "", 0, ALERT_AGG_COUNT, 60 },
		{ "agent_sink_failing", "agent_sink_failing", "sink", 0, ALERT_AGG_LAST, 0 },
		{ "agent_spool_high", "agent_spool_used_pct", "sink", 80, ALERT_AGG_LAST, 0 },
	};
	struct alert_rule r[CFG_MAX_ALERTS];
	int n = alert_rules_builtin(r, CFG_MAX_ALERTS), nw = (int)(sizeof(want) / sizeof(want[0]));
	const char *field;
	char err[512];

	CHECK(n == nw, "%d built-in rules, got %d", nw, n);
	for (int i = 0; i < n && i < nw; i++) {
		CHECK(!strcmp(r[i].name, want[i].name) && !strcmp(r[i].metric, want[i].metric) &&
			      r[i].threshold == want[i].thr && r[i].cmp == ALERT_GT &&
			      !strcmp(r[i].scope, want[i].scope) && !r[i].scope_value[0] &&
			      r[i].agg == want[i].agg && r[i].window_s == want[i].window,
		      "built-in %d: %s: %s > %g, got %s: %s > %g", i, want[i].name, want[i].metric,
		      want[i].thr, r[i].name, r[i].metric, r[i].threshold);
		CHECK(alert_rule_check(&r[i], &field, err, sizeof(err)) == 0, "built-in %s: %s",
		      r[i].name, err);
	}
	CHECK(r[11].for_s == 300, "a sink failing for 5 minutes: for 300, got %d", r[9].for_s);
}

static void explicit_empty_list_has_no_rules(void)
{
	struct alerts *a;
	json_t *r;
	int64_t t = T0;

	config_defaults(&cfg);
	cfg.alerts_set = true; /* the file said `alerts: []` */
	a = alerts__new(&cfg, "h");
	r = feed(a, METRIC_CPU_USAGE_PCT, 100, 600, &t);
	CHECK(json_array_size(r) == 0, "no rules: no records, got %zu", json_array_size(r));
	json_decref(r);
	alerts__free(a);
}

static void pending_resets_and_no_data(void)
{
	struct alerts *a;
	json_t *r;
	int64_t t = T0;

	one_rule(
		(struct alert_rule){ "slow", "api_latency_avg_ms", ALERT_GE, 500, 10, "critical" });
	a = alerts__new(&cfg, "h");
	r = feed(a, METRIC_API_LATENCY_AVG_MS, 600, 9, &t);
	json_decref(r);
	r = feed(a, METRIC_API_LATENCY_AVG_MS, 100, 1, &t); /* back under: pending ends */
	json_decref(r);
	r = feed(a, METRIC_API_LATENCY_AVG_MS, 500, 10, &t); /* >= holds again, 10 evals */
	CHECK(json_array_size(r) == 0, "pending restarted: 10 evals span 9 s < 10 s, got %zu",
	      json_array_size(r));
	json_decref(r);
	r = feed(a, METRIC_API_LATENCY_AVG_MS, 500, 1, &t);
	CHECK(json_array_size(r) == 1 &&
		      json_integer_value(json_object_get(json_array_get(r, 0), "started_at")) ==
			      T0 + 10000,
	      "fires 10 s after the restart (started_at t0+10 s)");
	json_decref(r);
	r = feed(a, METRIC_CPU_USAGE_PCT, 1, 30, &t); /* another metric only: no data */
	CHECK(json_array_size(r) == 0, "no data does not resolve, got %zu records",
	      json_array_size(r));
	json_decref(r);
	r = feed(a, METRIC_API_LATENCY_AVG_MS, 10, 1, &t);
	CHECK(json_array_size(r) == 1 && !strcmp(str(json_array_get(r, 0), "state"), "resolved"),
	      "data below the threshold resolves");
	json_decref(r);
	alerts__free(a);
}

static void lt_rule_fires_at_once(void)
{
	struct alerts *a;
	json_t *r;
	int64_t t = T0;

	one_rule((struct alert_rule){ "low_mem", "memory_used_pct", ALERT_LT, 10, 0, "info" });
	a = alerts__new(&cfg, "h");
	r = feed(a, METRIC_MEMORY_USED_PCT, 9.5, 1, &t);
	CHECK(json_array_size(r) == 1 && !strcmp(str(json_array_get(r, 0), "comparator"), "<"),
	      "for 0 and < : fires on the first eval");
	json_decref(r);
	r = feed(a, METRIC_MEMORY_USED_PCT, 10, 1, &t);
	CHECK(json_array_size(r) == 1 && !strcmp(str(json_array_get(r, 0), "state"), "resolved"),
	      "10 is not < 10: resolved");
	json_decref(r);
	alerts__free(a);
}

/* count over 300 s: 9 errors do not fire, the 11th does; it resolves when the
 * first errors leave the window, 300 s after them. */
static void window_count(void)
{
	struct alerts *a;
	json_t *r, *all = json_array();
	int64_t t = T0, fired_at = 0, resolved_at = 0;
	size_t i;

	one_rule((struct alert_rule){ "errors", "http_errors_5xx", ALERT_GT, 10, 0, "critical",
				      .agg = ALERT_AGG_COUNT, .window_s = 300 });
	a = alerts__new(&cfg, "h");
	for (int s = 0; s < 9; s++)
		json_array_extend(all, r = tick_errors(a, NULL, 1, &t)), json_decref(r);
	for (int s = 0; s < 200; s++) /* quiet: the counter reports 0 */
		json_array_extend(all, r = tick_errors(a, NULL, 0, &t)), json_decref(r);
	CHECK(json_array_size(all) == 0, "9 errors in 300 s (> 10 needed): no record, got %zu",
	      json_array_size(all));
	json_array_extend(all, r = tick_errors(a, NULL, 1, &t)), json_decref(r); /* t0+209: 10 */
	CHECK(json_array_size(all) == 0, "10 errors: not > 10, got %zu records",
	      json_array_size(all));
	json_array_extend(all, r = tick_errors(a, NULL, 1, &t)), json_decref(r); /* t0+210: 11 */
	CHECK(json_array_size(all) == 1 && num(json_array_get(all, 0), "value") == 11 &&
		      !strcmp(str(json_array_get(all, 0), "aggregate"), "count") &&
		      json_integer_value(json_object_get(json_array_get(all, 0), "window_s")) ==
			      300,
	      "the 11th error in the window fires with value 11, aggregate count, window_s 300");
	for (int s = 0; s < 400; s++)
		json_array_extend(all, r = tick_errors(a, NULL, 0, &t)), json_decref(r);
	json_array_foreach(all, i, r) {
		if (!strcmp(str(r, "state"), "firing"))
			fired_at = json_integer_value(json_object_get(r, "timestamp"));
		else
			resolved_at = json_integer_value(json_object_get(r, "timestamp"));
	}
	/* the first 9 errors came at t0 .. t0+8 s: at t0+300 s the window (5 s
	 * buckets) has lost t0 .. t0+4, 6 errors are left */
	CHECK(json_array_size(all) == 2 && fired_at == T0 + 210000 && resolved_at == T0 + 300000,
	      "fired at t0+210 s, resolved at t0+300 s; got %zu records, %lld / %lld",
	      json_array_size(all), (long long)(fired_at - T0), (long long)(resolved_at - T0));
	json_decref(all);
	alerts__free(a);
}

/* sum and rate of a counter over 10 s: 100 bytes a second. */
static void window_sum_and_rate(void)
{
	struct alerts *a;
	int fired_sum = 0, fired_rate = 0;
	int64_t t = T0;

	config_defaults(&cfg);
	cfg.alerts_set = true;
	cfg.n_alerts = 2;
	cfg.alerts[0] = (struct alert_rule){ "bytes", "disk_bytes",	    ALERT_GT,	   450, 0,
					     "info",  .agg = ALERT_AGG_SUM, .window_s = 10 };
	cfg.alerts[1] =
		(struct alert_rule){ "bytes_rate", "disk_bytes",	  ALERT_GE,	 100, 0,
				     "info",	   .agg = ALERT_AGG_RATE, .window_s = 10 };
	a = alerts__new(&cfg, "h");
	for (int s = 1; s <= 12; s++) {
		json_t *r, *e;
		size_t i;

		metrics__reset(mx);
		metrics__add(mx, METRIC_DISK_BYTES, SCOPE_NONE, NULL, 100);
		r = tick(a, &t);
		json_array_foreach(r, i, e) {
			if (!strcmp(str(e, "rule"), "bytes"))
				fired_sum = s;
			else if (num(e, "value") == 100)
				fired_rate = s;
		}
		json_decref(r);
	}
	CHECK(fired_sum == 5 && fired_rate == 10,
	      "sum > 450 after 5 s (500), rate >= 100/s only with the 10 s window full; got %d and %d",
	      fired_sum, fired_rate);
	alerts__free(a);
}

/* avg, max, min of a gauge over 3 s: 10, 20, 30, ... one a second. */
static void window_avg_max_min(void)
{
	static const char *const names[] = { "avg", "max", "min" };
	struct alerts *a;
	int fired[3] = { 0 };
	int64_t t = T0;

	config_defaults(&cfg);
	cfg.alerts_set = true;
	cfg.n_alerts = 3;
	cfg.alerts[0] = (struct alert_rule){ "avg",  "cpu_usage_pct",	   ALERT_GT,	 45, 0,
					     "info", .agg = ALERT_AGG_AVG, .window_s = 3 };
	cfg.alerts[1] = (struct alert_rule){ "max",  "cpu_usage_pct",	   ALERT_GT,	 45, 0,
					     "info", .agg = ALERT_AGG_MAX, .window_s = 3 };
	cfg.alerts[2] = (struct alert_rule){ "min",  "cpu_usage_pct",	   ALERT_GT,	 45, 0,
					     "info", .agg = ALERT_AGG_MIN, .window_s = 3 };
	a = alerts__new(&cfg, "h");
	for (int s = 1; s <= 8; s++) {
		json_t *r = feed(a, METRIC_CPU_USAGE_PCT, 10.0 * s, 1, &t), *e;
		size_t i;

		json_array_foreach(r, i, e)
			for (int k = 0; k < 3; k++)
				if (!strcmp(str(e, "rule"), names[k]))
					fired[k] = s;
		json_decref(r);
	}
	/* max(40,50)=50 at 5 s; avg(40,50,60)=50 at 6 s (all since start: 35);
	 * min(50,60,70)=50 at 7 s */
	CHECK(fired[0] == 6 && fired[1] == 5 && fired[2] == 7,
	      "avg fires at 6 s, max at 5 s, min at 7 s; got %d %d %d", fired[0], fired[1],
	      fired[2]);
	alerts__free(a);
}

/* A mean gauge's window weighs every request: 1 request of 100 ms, then 9 of 10 ms. */
static void window_avg_weighs_requests(void)
{
	struct alerts *a;
	json_t *r1, *r2;
	int64_t t = T0;

	config_defaults(&cfg);
	cfg.alerts_set = true;
	cfg.n_alerts = 2;
	cfg.alerts[0] = (struct alert_rule){ "slow", "http_latency_ms",	   ALERT_GT,	  30, 0,
					     "info", .agg = ALERT_AGG_AVG, .window_s = 10 };
	cfg.alerts[1] = (struct alert_rule){ "slowest", "http_latency_ms",    ALERT_GT,	     50, 0,
					     "info",	.agg = ALERT_AGG_MAX, .window_s = 10 };
	a = alerts__new(&cfg, "h");
	metrics__reset(mx);
	metrics__add_mean(mx, METRIC_HTTP_LATENCY_MS, SCOPE_NONE, NULL, 100, 1);
	r1 = tick(a, &t);
	metrics__reset(mx);
	metrics__add_mean(mx, METRIC_HTTP_LATENCY_MS, SCOPE_NONE, NULL, 90, 9);
	metrics__add_mean(mx, METRIC_HTTP_LATENCY_MS, SCOPE_NONE, NULL, 0,
			  0); /* no requests: nothing */
	r2 = tick(a, &t);
	CHECK(json_array_size(r1) == 2 && json_array_size(r2) == 1 &&
		      !strcmp(str(json_array_get(r2, 0), "rule"), "slow") &&
		      !strcmp(str(json_array_get(r2, 0), "state"), "resolved") &&
		      num(json_array_get(r2, 0), "value") == 19,
	      "avg over 10 requests is 19 ms (not 55, the mean of the seconds): resolves; max stays 100");
	json_decref(r1);
	json_decref(r2);
	alerts__free(a);
}

/* A counter reads 0 while its signal reports; without the signal: no data. */
static void counter_zero_vs_no_data(void)
{
	struct alerts *a;
	json_t *r;
	int64_t t = T0;

	one_rule((struct alert_rule){ "idle", "http_requests", ALERT_LT, 1, 0, "info",
				      .agg = ALERT_AGG_COUNT, .window_s = 10 });
	a = alerts__new(&cfg, "h");
	r = feed(a, METRIC_CPU_USAGE_PCT, 5, 30, &t); /* no http signal */
	CHECK(json_array_size(r) == 0, "no http metric at all: no data, no record; got %zu",
	      json_array_size(r));
	json_decref(r);
	metrics__reset(mx);
	metrics__add(mx, METRIC_HTTP_REQUESTS, SCOPE_NONE, NULL, 0);
	r = tick(a, &t);
	CHECK(json_array_size(r) == 1 && num(json_array_get(r, 0), "value") == 0,
	      "the signal reports 0 requests: count 0 < 1 fires");
	json_decref(r);
	alerts__free(a);
}

/* scope {route: "GET /api/orders"}: only that route's errors count. */
static void scope_fixed_route(void)
{
	struct alerts *a;
	json_t *all = json_array(), *r, *sc;
	int64_t t = T0;

	one_rule((struct alert_rule){ "orders_5xx", "http_errors_5xx", ALERT_GT, 10, 0, "critical",
				      .scope = "route", .scope_value = "GET /api/orders",
				      .agg = ALERT_AGG_COUNT, .window_s = 300 });
	a = alerts__new(&cfg, "h");
	for (int s = 0; s < 11; s++) {
		metrics__reset(mx);
		metrics__add(mx, METRIC_HTTP_ERRORS_5XX, SCOPE_NONE, NULL, 6);
		metrics__add(mx, METRIC_HTTP_ERRORS_5XX, SCOPE_ROUTE, "GET /api/pay", 5);
		metrics__add(mx, METRIC_HTTP_ERRORS_5XX, SCOPE_ROUTE, "GET /api/orders", 1);
		r = tick(a, &t);
		CHECK(json_array_size(r) == (s == 10 ? 1u : 0u), "second %d: %zu records", s,
		      json_array_size(r));
		json_array_extend(all, r);
		json_decref(r);
	}
	r = json_array_get(all, 0);
	sc = json_object_get(r, "scope");
	CHECK(json_array_size(all) == 1 && num(r, "value") == 11 && json_object_size(sc) == 1 &&
		      !strcmp(str(sc, "route"), "GET /api/orders") &&
		      !strcmp(str(r, "message"),
			      "orders_5xx: count(http_errors_5xx{route=GET /api/orders}, 300 s) 11 > 10"),
	      "one alert at the route's 11th error (not at 3 s when the host had 18), scope names the route; got '%s'",
	      str(r, "message"));
	json_decref(all);
	alerts__free(a);
}

/* scope: route: one alert per route over the threshold. */
static void scope_fan_out(void)
{
	struct alerts *a;
	json_t *all = json_array(), *r, *e;
	bool orders = false, pay = false, cart = false;
	int64_t t = T0;
	size_t i;

	one_rule((struct alert_rule){ "route_5xx", "http_errors_5xx", ALERT_GT, 10, 0, "critical",
				      .scope = "route", .agg = ALERT_AGG_COUNT, .window_s = 300 });
	a = alerts__new(&cfg, "h");
	for (int s = 0; s < 11; s++) {
		metrics__reset(mx);
		metrics__add(mx, METRIC_HTTP_ERRORS_5XX, SCOPE_NONE, NULL, 3);
		metrics__add(mx, METRIC_HTTP_ERRORS_5XX, SCOPE_ROUTE, "GET /api/orders", 1);
		metrics__add(mx, METRIC_HTTP_ERRORS_5XX, SCOPE_ROUTE, "POST /api/pay", 1);
		if (s < 9)
			metrics__add(mx, METRIC_HTTP_ERRORS_5XX, SCOPE_ROUTE, "GET /api/cart", 1);
		json_array_extend(all, r = tick(a, &t));
		json_decref(r);
	}
	json_array_foreach(all, i, e) {
		const char *route = str(json_object_get(e, "scope"), "route");

		orders |= !strcmp(route, "GET /api/orders");
		pay |= !strcmp(route, "POST /api/pay");
		cart |= !strcmp(route, "GET /api/cart");
	}
	CHECK(json_array_size(all) == 2 && orders && pay && !cart,
	      "two routes with 11 errors: two alerts naming them; 9 errors: none; got %zu records",
	      json_array_size(all));
	json_decref(all);
	alerts__free(a);
}

/* 100 commands over the threshold: 64 alerts, the other 36 counted each tick. */
static void fan_out_bound(void)
{
	struct alerts *a;
	json_t *r, *st, *rule;
	int64_t t = T0;
	char comm[32];

	one_rule((struct alert_rule){ "hot", "process_cpu_pct", ALERT_GT, 50, 0, "warning",
				      .scope = "process" });
	a = alerts__new(&cfg, "h");
	metrics__reset(mx);
	for (int i = 0; i < 100; i++) {
		snprintf(comm, sizeof(comm), "worker%d", i);
		metrics__add(mx, METRIC_PROCESS_CPU_PCT, SCOPE_PROCESS, comm, 90);
	}
	r = tick(a, &t);
	json_decref(tick(a, &t));
	st = alerts__state_json(a);
	rule = json_array_get(json_object_get(st, "rules"), 0);
	CHECK(json_array_size(r) == ALERTS_MAX_SCOPES &&
		      json_array_size(json_object_get(st, "active")) == ALERTS_MAX_SCOPES &&
		      json_integer_value(json_object_get(rule, "series")) == ALERTS_MAX_SCOPES &&
		      json_integer_value(json_object_get(rule, "scope_values_dropped_total")) ==
			      2 * 36,
	      "64 alerts, 64 series, 36 values dropped in each of 2 ticks; got %zu alerts, %lld series, %lld dropped",
	      json_array_size(r), (long long)json_integer_value(json_object_get(rule, "series")),
	      (long long)json_integer_value(json_object_get(rule, "scope_values_dropped_total")));
	json_decref(r);
	json_decref(st);
	alerts__free(a);
}

/* A fan-out series whose scope value is gone resolves after 60 s and is dropped. */
static void fan_out_value_gone(void)
{
	struct alerts *a;
	json_t *r, *all = json_array(), *st;
	int64_t t = T0;

	one_rule((struct alert_rule){ "hot", "process_cpu_pct", ALERT_GT, 50, 0, "warning",
				      .scope = "process" });
	a = alerts__new(&cfg, "h");
	metrics__reset(mx);
	metrics__add(mx, METRIC_PROCESS_CPU_PCT, SCOPE_PROCESS, "burner", 99);
	metrics__add(mx, METRIC_PROCESS_CPU_PCT, SCOPE_PROCESS, "idle", 1);
	r = tick(a, &t);
	CHECK(json_array_size(r) == 1, "burner fires, got %zu", json_array_size(r));
	json_decref(r);
	for (int s = 0; s < 60; s++) { /* burner exited: only idle reports */
		metrics__reset(mx);
		metrics__add(mx, METRIC_PROCESS_CPU_PCT, SCOPE_PROCESS, "idle", 1);
		json_array_extend(all, r = tick(a, &t));
		json_decref(r);
	}
	st = alerts__state_json(a);
	r = json_array_get(all, 0);
	CHECK(json_array_size(all) == 1 && !strcmp(str(r, "state"), "resolved") &&
		      json_integer_value(json_object_get(r, "timestamp")) == T0 + 60000 &&
		      strstr(str(r, "message"), "no longer reported") &&
		      json_integer_value(json_object_get(
			      json_array_get(json_object_get(st, "rules"), 0), "series")) == 1,
	      "resolved 'no longer reported' 60 s after its last value, its series gone; got %zu records",
	      json_array_size(all));
	json_decref(st);
	json_decref(all);
	alerts__free(a);
}

/* A reload keeps the window and state of an unchanged rule; a changed window starts over. */
static void reload_keeps_state(void)
{
	struct alerts *a;
	json_t *r, *all = json_array();
	int64_t t = T0;
	struct alert_rule rule = { "orders_5xx",
				   "http_errors_5xx",
				   ALERT_GT,
				   10,
				   0,
				   "critical",
				   .scope = "route",
				   .scope_value = "GET /api/orders",
				   .agg = ALERT_AGG_COUNT,
				   .window_s = 300 };

	one_rule(rule);
	a = alerts__new(&cfg, "h");
	for (int s = 0; s < 10; s++)
		json_array_extend(all, r = tick_errors(a, "GET /api/orders", 1, &t)),
			json_decref(r);
	/* reload: the same rule and a new one */
	cfg.n_alerts = 2;
	cfg.alerts[1] = (struct alert_rule){ "cpu", "cpu_usage_pct", ALERT_GT, 99, 0, "info" };
	CHECK(alerts__set_rules(a, &cfg) == 0, "set_rules");
	json_array_extend(all, r = tick_errors(a, "GET /api/orders", 1, &t)), json_decref(r);
	CHECK(json_array_size(all) == 1 && num(json_array_get(all, 0), "value") == 11,
	      "10 errors before the reload + 1 after: fires with 11; got %zu records",
	      json_array_size(all));
	CHECK(alerts__set_rules(a, &cfg) == 0, "set_rules again");
	json_array_extend(all, r = tick_errors(a, "GET /api/orders", 1, &t)), json_decref(r);
	CHECK(json_array_size(all) == 1, "still firing across a reload: no second record, got %zu",
	      json_array_size(all));
	/* a changed window is another condition: state and window start over */
	cfg.alerts[0].window_s = 600;
	CHECK(alerts__set_rules(a, &cfg) == 0, "set_rules with a new window");
	for (int s = 0; s < 10; s++)
		json_array_extend(all, r = tick_errors(a, "GET /api/orders", 1, &t)),
			json_decref(r);
	CHECK(json_array_size(all) == 1, "new window: 10 errors do not fire, got %zu records",
	      json_array_size(all));
	json_array_extend(all, r = tick_errors(a, "GET /api/orders", 1, &t)), json_decref(r);
	CHECK(json_array_size(all) == 2 && !strcmp(str(json_array_get(all, 1), "state"), "firing"),
	      "the new rule fires at its own 11th error");
	json_decref(all);
	alerts__free(a);
}

/* alert_rule_check: what the config loader refuses, with the closest names. */
static void rule_check_names(void)
{
	static const struct {
		struct alert_rule r;
		const char *field, *want;
	} bad[] = {
		{ { "a", "http_error_5xx", ALERT_GT, 1, 0, "info", .agg = ALERT_AGG_COUNT,
		    .window_s = 60 },
		  "metric",
		  "unknown metric 'http_error_5xx' (closest: http_errors_5xx, " },
		{ { "a", "response_time_p95_ms", ALERT_GT, 1, 0, "info" },
		  "metric",
		  "unknown metric 'response_time_p95_ms' (closest: " },
		{ { "a", "http_errors_5xx", ALERT_GT, 1, 0, "info", .scope = "rout",
		    .agg = ALERT_AGG_COUNT, .window_s = 60 },
		  "scope",
		  "unknown scope 'rout' (closest: route; scopes: route, process, device, mount, peer, server, sink)" },
		{ { "a", "cpu_usage_pct", ALERT_GT, 1, 0, "info", .scope = "route" },
		  "scope",
		  "metric 'cpu_usage_pct' has no scope 'route' (it is host-wide only)" },
		{ { "a", "disk_ops", ALERT_GT, 1, 0, "info", .scope = "route",
		    .agg = ALERT_AGG_COUNT, .window_s = 9 },
		  "scope",
		  "metric 'disk_ops' has no scope 'route' (its scopes: device)" },
		{ { "a", "http_errors_5xx", ALERT_GT, 1, 0, "info" },
		  "aggregate",
		  "metric 'http_errors_5xx' is a counter (requests per second): give an aggregate" },
		{ { "a", "cpu_usage_pct", ALERT_GT, 1, 0, "info", .agg = ALERT_AGG_COUNT,
		    .window_s = 9 },
		  "aggregate",
		  "aggregate 'count' does not fit metric 'cpu_usage_pct', a gauge" },
		{ { "a", "http_requests", ALERT_GT, 1, 0, "info", .agg = ALERT_AGG_AVG,
		    .window_s = 9 },
		  "aggregate",
		  "aggregate 'avg' does not fit metric 'http_requests', a counter" },
		{ { "a", "http_requests", ALERT_GT, 1, 0, "info", .agg = ALERT_AGG_RATE },
		  "window",
		  "aggregate 'rate' needs a window of 1 to 86400 seconds" },
		{ { "a", "cpu_usage_pct", ALERT_GT, 1, 0, "info", .window_s = 9 },
		  "window",
		  "a window needs an aggregate" },
	};
	enum alert_agg agg;
	const char *field;
	char err[512];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		field = "";
		err[0] = '\0';
		CHECK(alert_rule_check(&bad[i].r, &field, err, sizeof(err)) == -EINVAL &&
			      !strcmp(field, bad[i].field) && strstr(err, bad[i].want),
		      "case %zu: field %s, '%s...'; got field %s: '%s'", i, bad[i].field,
		      bad[i].want, field, err);
	}
	CHECK(alert_agg_parse("cnt", &agg, err, sizeof(err)) == -EINVAL &&
		      strstr(err, "unknown aggregate 'cnt' (closest: count;"),
	      "unknown aggregate names the closest; got '%s'", err);
	CHECK(alert_agg_parse("rate", &agg, err, sizeof(err)) == 0 && agg == ALERT_AGG_RATE,
	      "rate parses");
}

/* A hand-made rule outside the catalog is never data, never a crash. */
static void unknown_metric_never_fires(void)
{
	struct alerts *a;
	json_t *r;
	int64_t t = T0;

	one_rule((struct alert_rule){ "x", "no_such_metric", ALERT_GE, 0, 0, "info" });
	a = alerts__new(&cfg, "h");
	r = feed(a, METRIC_CPU_USAGE_PCT, 1, 5, &t);
	CHECK(a && json_array_size(r) == 0, "no record, got %zu", json_array_size(r));
	json_decref(r);
	alerts__free(a);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	mx = metrics__new();
	RUN(defaults_fire_and_resolve);
	RUN(builtin_rule_set);
	RUN(explicit_empty_list_has_no_rules);
	RUN(pending_resets_and_no_data);
	RUN(lt_rule_fires_at_once);
	RUN(window_count);
	RUN(window_sum_and_rate);
	RUN(window_avg_max_min);
	RUN(window_avg_weighs_requests);
	RUN(counter_zero_vs_no_data);
	RUN(scope_fixed_route);
	RUN(scope_fan_out);
	RUN(fan_out_bound);
	RUN(fan_out_value_gone);
	RUN(reload_keeps_state);
	RUN(rule_check_names);
	RUN(unknown_metric_never_fires);
	metrics__free(mx);
	CHECK_DONE();
}
