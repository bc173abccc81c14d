// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Alert rule evaluation (alerts.h).
 *
 * DESIGN
 * - Rule state is owned by the caller's thread (the processor): eval and
 *   state_json touch it without locks; call them from one thread.
 * - Notifications (e-mail, SNS, webhook) are not made here: the caller
 *   hands each record to notify.h, which has the threads.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alerts.h"
#include "log.h"
#include "record.h"

#define ALERTS_RECENT 50

enum alert_state { ST_INACTIVE, ST_PENDING, ST_FIRING };

struct alert_slot {
	struct alert_rule rule;
	enum alert_state st;
	int64_t started_at;	/* ms: when the condition began to hold */
	double value;		/* last value seen */
};

struct alerts {
	struct alert_slot *slots;
	int n;
	char source[CFG_STR];
	json_t *recent;		/* array, oldest first, at most ALERTS_RECENT */
};

static const char *const cmp_names[] = { ">", ">=", "<", "<=" };

int alerts_default_rules(struct alert_rule *out, int max)
{
	static const struct alert_rule defs[] = {
		{ "api_latency_high", "api_latency_avg_ms", ALERT_GT, 1000, 60, "warning" },
		{ "error_rate_high", "error_rate_pct", ALERT_GT, 5, 60, "critical" },
		{ "cpu_high", "cpu_usage_pct", ALERT_GT, 80, 120, "warning" },
		{ "disk_latency_high", "disk_latency_p99_ms", ALERT_GT, 100, 60, "warning" },
		{ "memory_high", "memory_used_pct", ALERT_GT, 90, 120, "warning" },
	};
	int n = (int)(sizeof(defs) / sizeof(defs[0]));

	if (n > max)
		n = max;
	memcpy(out, defs, (size_t)n * sizeof(*out));
	return n;
}

/* ---- rules ------------------------------------------------------------- */

struct alerts *alerts__new(const struct config *cfg, const char *source)
{
	struct alerts *a = calloc(1, sizeof(*a));
	struct alert_rule defs[CFG_MAX_ALERTS];
	const struct alert_rule *rules = cfg->alerts;
	int n = cfg->n_alerts, err;

	if (!a)
		return NULL;
	if (!cfg->alerts_set && !n) {
		n = alerts_default_rules(defs, CFG_MAX_ALERTS);
		rules = defs;
	}
	snprintf(a->source, sizeof(a->source), "%s", source ? source : "");
	a->recent = json_array();
	a->slots = calloc(n ? (size_t)n : 1, sizeof(*a->slots));
	if (!a->recent || !a->slots) {
		err = ENOMEM;
		goto err_free;
	}
	for (int i = 0; i < n; i++)
		a->slots[i].rule = rules[i];
	a->n = n;
	return a;

err_free:
	alerts__free(a);
	errno = err;
	return NULL;
}

int alerts__set_rules(struct alerts *a, const struct config *cfg)
{
	struct alert_rule defs[CFG_MAX_ALERTS];
	const struct alert_rule *rules = cfg->alerts;
	struct alert_slot *slots;
	int n = cfg->n_alerts;

	if (!cfg->alerts_set && !n) {
		n = alerts_default_rules(defs, CFG_MAX_ALERTS);
		rules = defs;
	}
	slots = calloc(n ? (size_t)n : 1, sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	for (int i = 0; i < n; i++) {
		slots[i].rule = rules[i];
		for (int k = 0; k < a->n; k++) {
			const struct alert_rule *o = &a->slots[k].rule;

			if (!strcmp(o->name, rules[i].name) && !strcmp(o->metric, rules[i].metric) &&
			    o->cmp == rules[i].cmp && o->threshold == rules[i].threshold) {
				slots[i].st = a->slots[k].st;
				slots[i].started_at = a->slots[k].started_at;
				slots[i].value = a->slots[k].value;
				break;
			}
		}
	}
	free(a->slots);
	a->slots = slots;
	a->n = n;
	return 0;
}

void alerts__free(struct alerts *a)
{
	if (!a)
		return;
	json_decref(a->recent);
	free(a->slots);
	free(a);
}

static bool holds(const struct alert_rule *r, double v)
{
	switch (r->cmp) {
	case ALERT_GT:
		return v > r->threshold;
	case ALERT_GE:
		return v >= r->threshold;
	case ALERT_LT:
		return v < r->threshold;
	case ALERT_LE:
		return v <= r->threshold;
	}
	return false;
}

static json_t *alert_json(const struct alerts *a, const struct alert_slot *s, const char *state,
			  int64_t now_ms, bool record)
{
	const struct alert_rule *r = &s->rule;
	json_t *o = record ? record_new("alert", a->source, now_ms) : json_object();
	json_t *f;
	char msg[256];

	if (!o)
		return NULL;
	snprintf(msg, sizeof(msg), "%s: %s %g %s %g%s", r->name, r->metric, s->value,
		 cmp_names[r->cmp], r->threshold,
		 !strcmp(state, "resolved") ? " no longer holds" : "");
	f = json_pack("{s:s,s:s,s:f,s:f,s:s,s:s,s:s,s:I,s:i,s:s}", "rule", r->name, "metric",
		      r->metric, "value", s->value, "threshold", r->threshold, "comparator",
		      cmp_names[r->cmp], "state", state, "severity", r->severity, "started_at",
		      (json_int_t)s->started_at, "for_s", r->for_s, "message", msg);
	if (!f || json_object_update(o, f)) {
		json_decref(f);
		json_decref(o);
		return NULL;
	}
	json_decref(f);
	if (!strcmp(state, "resolved")) {
		json_object_set_new(o, "resolved_at", json_integer(now_ms));
		json_object_set_new(o, "duration_s",
				    json_real((double)(now_ms - s->started_at) / 1000.0));
	}
	return o;
}

static int alerts_emit(struct alerts *a, struct alert_slot *s, const char *state, int64_t now_ms,
		       json_t *out)
{
	json_t *rec = alert_json(a, s, state, now_ms, true);

	if (!rec)
		return -ENOMEM;
	json_array_append(a->recent, rec);
	while (json_array_size(a->recent) > ALERTS_RECENT)
		json_array_remove(a->recent, 0);
	if (json_array_append_new(out, rec))
		return -ENOMEM;
	return 0;
}

int alerts__eval(struct alerts *a, const json_t *metrics, int64_t now_ms, json_t *out)
{
	int emitted = 0;

	for (int i = 0; i < a->n; i++) {
		struct alert_slot *s = &a->slots[i];
		json_t *jv = json_object_get(metrics, s->rule.metric);
		double v = json_is_number(jv) ? json_number_value(jv) : NAN;
		int err = 0;

		if (!isfinite(v)) {	/* no data */
			if (s->st == ST_PENDING)
				s->st = ST_INACTIVE;
			continue;
		}
		s->value = v;
		if (holds(&s->rule, v)) {
			if (s->st == ST_INACTIVE) {
				s->st = ST_PENDING;
				s->started_at = now_ms;
			}
			if (s->st == ST_PENDING &&
			    now_ms - s->started_at >= (int64_t)s->rule.for_s * 1000) {
				s->st = ST_FIRING;
				err = alerts_emit(a, s, "firing", now_ms, out);
				emitted++;
			}
		} else if (s->st == ST_FIRING) {
			s->st = ST_INACTIVE;
			err = alerts_emit(a, s, "resolved", now_ms, out);
			emitted++;
		} else {
			s->st = ST_INACTIVE;
		}
		if (err)
			return err;
	}
	return emitted;
}

json_t *alerts__state_json(const struct alerts *a)
{
	json_t *active = json_array();

	if (!active)
		return NULL;
	for (int i = 0; i < a->n; i++) {
		const struct alert_slot *s = &a->slots[i];

		if (s->st == ST_INACTIVE)
			continue;
		json_array_append_new(active, alert_json(a, s, s->st == ST_FIRING ? "firing" : "pending",
							 s->started_at, false));
	}
	return json_pack("{s:o,s:O}", "active", active, "recent", a->recent);
}
