// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Alert rules under a fake clock (no sleeping): pending -> firing after
 * `for`, firing -> resolved, pending reset, no-data handling, defaults.
 * Notification delivery (webhook, e-mail, SNS) is test_notify.c's.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alerts.h"
#include "check.h"
#include "config.h"

#define T0 1732200000000LL	/* fake epoch ms */

static struct config cfg;

static json_t *metric(const char *k, double v)
{
	return json_pack("{s:f}", k, v);
}

/* Feeds value v for `secs` seconds from *t (1 s steps); returns records. */
static json_t *feed(struct alerts *a, const char *k, double v, int secs, int64_t *t)
{
	json_t *out = json_array(), *m = metric(k, v);

	for (int i = 0; i < secs; i++) {
		alerts__eval(a, m, *t, out);
		*t += 1000;
	}
	json_decref(m);
	return out;
}

static const char *str(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k)) ?: "";
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
	r = feed(a, "cpu_usage_pct", 95, 120, &t);	/* t0 .. t0+119 s */
	CHECK(json_array_size(r) == 0, "cpu > 80 held 119 s (< for 120 s): no record, got %zu",
	      json_array_size(r));
	json_decref(r);
	st = alerts__state_json(a);
	CHECK(!strcmp(str(json_array_get(json_object_get(st, "active"), 0), "state"), "pending"),
	      "state topic shows the pending rule");
	json_decref(st);
	r = feed(a, "cpu_usage_pct", 95, 1, &t);	/* t0 + 120 s */
	CHECK(json_array_size(r) == 1, "firing at for = 120 s: one record, got %zu", json_array_size(r));
	if (json_array_size(r) == 1) {
		json_t *f = json_array_get(r, 0);

		CHECK(!strcmp(str(f, "type"), "alert") && !strcmp(str(f, "state"), "firing") &&
			      !strcmp(str(f, "rule"), "cpu_high") &&
			      !strcmp(str(f, "metric"), "cpu_usage_pct") &&
			      !strcmp(str(f, "severity"), "warning") &&
			      !strcmp(str(f, "comparator"), ">") && !strcmp(str(f, "source"), "host-a") &&
			      strlen(str(f, "id")) == 36 &&
			      json_number_value(json_object_get(f, "value")) == 95 &&
			      json_number_value(json_object_get(f, "threshold")) == 80 &&
			      json_integer_value(json_object_get(f, "started_at")) == T0 &&
			      json_integer_value(json_object_get(f, "timestamp")) == T0 + 120000,
		      "firing record fields");
	}
	json_decref(r);
	r = feed(a, "cpu_usage_pct", 90, 30, &t);
	CHECK(json_array_size(r) == 0, "still firing: no new record, got %zu", json_array_size(r));
	json_decref(r);
	r = feed(a, "cpu_usage_pct", 40, 1, &t);	/* t0 + 151 s */
	CHECK(json_array_size(r) == 1 && !strcmp(str(json_array_get(r, 0), "state"), "resolved") &&
		      json_integer_value(json_object_get(json_array_get(r, 0), "resolved_at")) ==
			      T0 + 151000 &&
		      json_number_value(json_object_get(json_array_get(r, 0), "duration_s")) == 151 &&
		      json_number_value(json_object_get(json_array_get(r, 0), "value")) == 40,
	      "resolved record at t0+151 s with value 40 and duration 151 s");
	json_decref(r);
	st = alerts__state_json(a);
	CHECK(json_array_size(json_object_get(st, "active")) == 0 &&
		      json_array_size(json_object_get(st, "recent")) == 2,
	      "state: nothing active, 2 recent records");
	json_decref(st);
	alerts__free(a);
}

static void default_rule_set(void)
{
	struct alert_rule r[CFG_MAX_ALERTS];
	int n = alerts_default_rules(r, CFG_MAX_ALERTS);
	const char *want[] = { "api_latency_avg_ms", "error_rate_pct", "cpu_usage_pct",
			       "disk_latency_p99_ms", "memory_used_pct" };
	double thr[] = { 1000, 5, 80, 100, 90 };

	CHECK(n == 5, "5 default rules, got %d", n);
	for (int i = 0; i < n && i < 5; i++)
		CHECK(!strcmp(r[i].metric, want[i]) && r[i].threshold == thr[i] && r[i].cmp == ALERT_GT,
		      "default rule %d: %s > %g, got %s > %g", i, want[i], thr[i], r[i].metric,
		      r[i].threshold);
}

static void explicit_empty_list_has_no_rules(void)
{
	struct alerts *a;
	json_t *r;
	int64_t t = T0;

	config_defaults(&cfg);
	cfg.alerts_set = true;	/* the file said `alerts: []` */
	a = alerts__new(&cfg, "h");
	r = feed(a, "cpu_usage_pct", 100, 600, &t);
	CHECK(json_array_size(r) == 0, "no rules: no records, got %zu", json_array_size(r));
	json_decref(r);
	alerts__free(a);
}

static void pending_resets_and_no_data(void)
{
	struct alerts *a;
	json_t *r, *none = json_object();
	int64_t t = T0;

	config_defaults(&cfg);
	cfg.alerts_set = true;
	cfg.n_alerts = 1;
	cfg.alerts[0] = (struct alert_rule){ "slow", "api_latency_avg_ms", ALERT_GE, 500, 10,
					     "critical" };
	a = alerts__new(&cfg, "h");
	r = feed(a, "api_latency_avg_ms", 600, 9, &t);
	json_decref(r);
	r = feed(a, "api_latency_avg_ms", 100, 1, &t);	/* back under: pending ends */
	json_decref(r);
	r = feed(a, "api_latency_avg_ms", 500, 10, &t);	/* >= holds again, 10 evals */
	CHECK(json_array_size(r) == 0, "pending restarted: 10 evals span 9 s < 10 s, got %zu",
	      json_array_size(r));
	json_decref(r);
	r = feed(a, "api_latency_avg_ms", 500, 1, &t);
	CHECK(json_array_size(r) == 1 &&
		      json_integer_value(json_object_get(json_array_get(r, 0), "started_at")) ==
			      T0 + 10000,
	      "fires 10 s after the restart (started_at t0+10 s)");
	json_decref(r);
	r = json_array();
	for (int i = 0; i < 30; i++, t += 1000)
		alerts__eval(a, none, t, r);	/* no data: stays firing */
	CHECK(json_array_size(r) == 0, "no data does not resolve, got %zu records", json_array_size(r));
	json_decref(r);
	r = feed(a, "api_latency_avg_ms", 10, 1, &t);
	CHECK(json_array_size(r) == 1 && !strcmp(str(json_array_get(r, 0), "state"), "resolved"),
	      "data below the threshold resolves");
	json_decref(r);
	json_decref(none);
	alerts__free(a);
}

static void lt_rule_fires_at_once(void)
{
	struct alerts *a;
	json_t *r;
	int64_t t = T0;

	config_defaults(&cfg);
	cfg.alerts_set = true;
	cfg.n_alerts = 1;
	cfg.alerts[0] = (struct alert_rule){ "low_mem", "memory_available_pct", ALERT_LT, 10, 0,
					     "info" };
	a = alerts__new(&cfg, "h");
	r = feed(a, "memory_available_pct", 9.5, 1, &t);
	CHECK(json_array_size(r) == 1 && !strcmp(str(json_array_get(r, 0), "comparator"), "<"),
	      "for 0 and < : fires on the first eval");
	json_decref(r);
	r = feed(a, "memory_available_pct", 10, 1, &t);
	CHECK(json_array_size(r) == 1 && !strcmp(str(json_array_get(r, 0), "state"), "resolved"),
	      "10 is not < 10: resolved");
	json_decref(r);
	alerts__free(a);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	RUN(defaults_fire_and_resolve);
	RUN(default_rule_set);
	RUN(explicit_empty_list_has_no_rules);
	RUN(pending_resets_and_no_data);
	RUN(lt_rule_fires_at_once);
	CHECK_DONE();
}
