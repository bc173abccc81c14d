// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Alert rule evaluation (alerts.h).
 *
 * DESIGN
 * - Rule state is owned by the caller's thread (the processor): eval and
 *   state_json touch it without locks; call them from one thread.
 * - Cost of one eval: per rule, the values of its (metric, scope) in the set
 *   (at most METRICS_MAX_PER_SCOPE), each matched among at most
 *   ALERTS_MAX_SCOPES series by hash, then per series at most
 *   ALERTS_WINDOW_SLOTS buckets. Nothing per event. A series and its buckets
 *   are allocated when its scope value first appears, freed when it expires.
 * - Windows: a window of W seconds is ceil(W / bw) buckets of bw =
 *   ceil(W / ALERTS_WINDOW_SLOTS) seconds; up to 60 s it is exact to the
 *   tick, a longer one moves in steps of bw (300 s: 5 s).
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

#include "user/pipeline/alert_rules.h"
#include "user/pipeline/alerts.h"
#include "user/runtime/log.h"
#include "user/pipeline/record.h"
#include "user/lib/table.h"

#define ALERTS_RECENT 50

enum alert_state { ST_INACTIVE, ST_PENDING, ST_FIRING };

/* One slot of a window: the samples of bw seconds. */
struct alert_bucket {
	int64_t idx;	    /* second / bw; a stale bucket is reset on use */
	double sum, weight; /* weight: samples, or the mean's weight (requests) */
	double max, min;
	uint32_t n; /* samples */
};

/* What one rule sees for one scope value ("" host-wide). */
struct alert_series {
	char key[METRIC_KEY_MAX];
	uint32_t hash;
	enum alert_state st;
	int64_t started_at;	/* ms: when the condition began to hold */
	double value;		/* last value evaluated */
	double last;		/* this tick's sample (no aggregate) */
	bool fresh;		/* a sample came this tick */
	int64_t seen_s;		/* second of the last sample */
	struct alert_bucket *b; /* nb buckets; NULL without an aggregate */
};

struct alert_slot {
	struct alert_rule rule;
	int metric; /* enum metric_id; -1: not in the catalog (never data) */
	enum metric_scope scope;
	bool fan_out; /* a scope without a value: one series per value */
	int nb, bw;   /* window buckets and their width (s) */
	struct alert_series *series;
	int nseries, cap;
	uint64_t dropped_total; /* fan-out values beyond ALERTS_MAX_SCOPES, per tick */
	bool dropped_logged;
};

struct alerts {
	struct alert_slot *slots;
	int n;
	char source[CFG_STR];
	json_t *recent; /* array, oldest first, at most ALERTS_RECENT */
};

/* ---- rules ------------------------------------------------------------- */

static uint32_t key_hash(const char *key)
{
	return hash_bytes(HASH_FNV_INIT, key, strlen(key));
}

static void slot_init(struct alert_slot *s, const struct alert_rule *r)
{
	int sc = r->scope[0] ? metric_scope_find(r->scope) : SCOPE_NONE;

	memset(s, 0, sizeof(*s));
	s->rule = *r;
	s->metric = metric_find(r->metric);
	s->scope = sc < 0 ? SCOPE_NONE : (enum metric_scope)sc;
	if (sc < 0 || (s->metric >= 0 && !metric_has_scope((enum metric_id)s->metric, s->scope)))
		s->metric = -1;
	if (s->metric < 0) /* the config loader refuses such rules: only a hand-made config */
		pr_warn("alerts: rule %s: %s%s%s is not a metric of the catalog: never any data",
			r->name, r->metric, r->scope[0] ? " by " : "", r->scope);
	s->fan_out = r->scope[0] && !r->scope_value[0];
	if (r->agg != ALERT_AGG_LAST && r->window_s > 0) {
		s->bw = (r->window_s + ALERTS_WINDOW_SLOTS - 1) / ALERTS_WINDOW_SLOTS;
		s->nb = (r->window_s + s->bw - 1) / s->bw;
	}
}

static void series_free(struct alert_series *se)
{
	free(se->b);
	se->b = NULL;
}

static void slots_free(struct alert_slot *slots, int n)
{
	for (int i = 0; slots && i < n; i++) {
		for (int k = 0; k < slots[i].nseries; k++)
			series_free(&slots[i].series[k]);
		free(slots[i].series);
	}
	free(slots);
}

/* cfg's rules (or the built-in ones) as fresh slots; NULL on ENOMEM. */
static struct alert_slot *slots_new(const struct config *cfg, int *n)
{
	struct alert_rule defs[CFG_MAX_ALERTS];
	const struct alert_rule *rules = cfg->alerts;
	struct alert_slot *slots;

	*n = cfg->n_alerts;
	if (!cfg->alerts_set && !*n) {
		*n = alert_rules_builtin(defs, CFG_MAX_ALERTS);
		rules = defs;
	}
	slots = calloc(*n ? (size_t)*n : 1, sizeof(*slots));
	if (!slots)
		return NULL;
	for (int i = 0; i < *n; i++)
		slot_init(&slots[i], &rules[i]);
	return slots;
}

/* The series of key, created when absent and there is room; NULL otherwise. */
static struct alert_series *series_get(struct alert_slot *s, const char *key)
{
	uint32_t h = key_hash(key);
	int max = s->fan_out ? ALERTS_MAX_SCOPES : 1;
	struct alert_series *se;

	for (int i = 0; i < s->nseries; i++)
		if (s->series[i].hash == h && !strcmp(s->series[i].key, key))
			return &s->series[i];
	if (s->nseries == max)
		return NULL;
	if (s->nseries == s->cap) {
		int cap = s->cap ? s->cap * 2 : (s->fan_out ? 4 : 1);
		struct alert_series *ns;

		if (cap > max)
			cap = max;
		ns = realloc(s->series, (size_t)cap * sizeof(*ns));
		if (!ns)
			return NULL;
		s->series = ns;
		s->cap = cap;
	}
	se = &s->series[s->nseries];
	memset(se, 0, sizeof(*se));
	snprintf(se->key, sizeof(se->key), "%s", key);
	se->hash = h;
	if (s->nb) {
		se->b = calloc((size_t)s->nb, sizeof(*se->b));
		if (!se->b)
			return NULL;
	}
	s->nseries++;
	return se;
}

static void series_del(struct alert_slot *s, int i)
{
	series_free(&s->series[i]);
	s->series[i] = s->series[--s->nseries];
}

/* One tick's sample into the series (and its window). */
static void series_add(const struct alert_slot *s, struct alert_series *se,
		       const struct metric_sample *x, int64_t now_s)
{
	double v = metric_sample_value(x);
	struct alert_bucket *b;
	int64_t idx;

	if (!isfinite(v) || !isfinite(x->sum))
		return; /* not data */
	se->fresh = true;
	se->seen_s = now_s;
	se->last = v;
	if (!se->b)
		return;
	idx = now_s / s->bw;
	b = &se->b[idx % s->nb];
	if (b->idx != idx || !b->n) {
		memset(b, 0, sizeof(*b));
		b->idx = idx;
		b->max = -INFINITY;
		b->min = INFINITY;
	}
	b->sum += x->sum;
	b->weight += x->weight > 0 ? x->weight : 1;
	if (v > b->max)
		b->max = v;
	if (v < b->min)
		b->min = v;
	b->n++;
}

/*
 * The value the rule compares: this tick's sample, or the aggregate of the
 * window's buckets (the last nb * bw seconds, this one included). A counter
 * whose metric reported this tick (present) reads 0 without samples.
 * false: no data.
 */
static bool series_value(const struct alert_slot *s, const struct alert_series *se, bool present,
			 int64_t now_s, double *out)
{
	const struct alert_rule *r = &s->rule;
	double sum = 0, w = 0, mx = -INFINITY, mn = INFINITY;
	uint32_t n = 0;
	int64_t cur;

	if (r->agg == ALERT_AGG_LAST) {
		*out = se->last;
		return se->fresh;
	}
	if (!se->b)
		return false;
	cur = now_s / s->bw;
	for (int k = 0; k < s->nb; k++) {
		const struct alert_bucket *b = &se->b[k];

		if (!b->n || b->idx <= cur - s->nb || b->idx > cur)
			continue;
		sum += b->sum;
		w += b->weight;
		n += b->n;
		if (b->max > mx)
			mx = b->max;
		if (b->min < mn)
			mn = b->min;
	}
	switch (r->agg) {
	case ALERT_AGG_COUNT:
	case ALERT_AGG_SUM:
		*out = sum;
		return present;
	case ALERT_AGG_RATE:
		*out = sum / r->window_s;
		return present;
	case ALERT_AGG_AVG:
		*out = w > 0 ? sum / w : 0;
		return n && w > 0;
	case ALERT_AGG_MAX:
		*out = mx;
		return n;
	case ALERT_AGG_MIN:
		*out = mn;
		return n;
	default:
		return false;
	}
}

/* A fan-out series without data this long is dropped. */
static int64_t expire_s(const struct alert_slot *s)
{
	return s->rule.window_s > 60 ? s->rule.window_s : 60;
}

struct alerts *alerts__new(const struct config *cfg, const char *source)
{
	struct alerts *a = calloc(1, sizeof(*a));
	int err;

	if (!a)
		return NULL;
	snprintf(a->source, sizeof(a->source), "%s", source ? source : "");
	a->recent = json_array();
	a->slots = slots_new(cfg, &a->n);
	if (!a->recent || !a->slots) {
		err = ENOMEM;
		goto err_free;
	}
	return a;

err_free:
	alerts__free(a);
	errno = err;
	return NULL;
}

/* Same rule, same condition: its series (state and windows) carry over. */
static bool same_condition(const struct alert_rule *x, const struct alert_rule *y)
{
	return !strcmp(x->name, y->name) && !strcmp(x->metric, y->metric) && x->cmp == y->cmp &&
	       x->threshold == y->threshold && !strcmp(x->scope, y->scope) &&
	       !strcmp(x->scope_value, y->scope_value) && x->agg == y->agg &&
	       x->window_s == y->window_s;
}

int alerts__set_rules(struct alerts *a, const struct config *cfg)
{
	struct alert_slot *slots;
	int n;

	slots = slots_new(cfg, &n);
	if (!slots)
		return -ENOMEM;
	for (int i = 0; i < n; i++)
		for (int k = 0; k < a->n; k++) {
			struct alert_slot *o = &a->slots[k];

			if (!o->series || !same_condition(&o->rule, &slots[i].rule))
				continue;
			slots[i].series = o->series;
			slots[i].nseries = o->nseries;
			slots[i].cap = o->cap;
			slots[i].dropped_total = o->dropped_total;
			slots[i].dropped_logged = o->dropped_logged;
			o->series = NULL;
			o->nseries = o->cap = 0;
			break;
		}
	slots_free(a->slots, a->n);
	a->slots = slots;
	a->n = n;
	return 0;
}

void alerts__free(struct alerts *a)
{
	if (!a)
		return;
	json_decref(a->recent);
	slots_free(a->slots, a->n);
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

/* "count(http_errors_5xx{route=GET /api/orders}, 300 s)" */
static void describe(const struct alert_slot *s, const struct alert_series *se, char *out,
		     size_t len)
{
	const struct alert_rule *r = &s->rule;
	char sel[METRIC_KEY_MAX + 96];

	if (se->key[0])
		snprintf(sel, sizeof(sel), "%s{%s=%s}", r->metric, r->scope, se->key);
	else
		snprintf(sel, sizeof(sel), "%s", r->metric);
	if (r->agg != ALERT_AGG_LAST)
		snprintf(out, len, "%s(%s, %d s)", alert_agg_name(r->agg), sel, r->window_s);
	else
		snprintf(out, len, "%s", sel);
}

/* The fields of an alert record (record) or of an "active" entry. note ends
 * the message of a resolved record: why it resolved. */
static json_t *alert_json(const struct alerts *a, const struct alert_slot *s,
			  const struct alert_series *se, const char *state, const char *note,
			  int64_t now_ms, bool record)
{
	const struct alert_rule *r = &s->rule;
	json_t *o = record ? record_new("alert", a->source, now_ms) : json_object();
	json_t *f;
	char msg[METRIC_KEY_MAX + 256], what[METRIC_KEY_MAX + 128];

	if (!o)
		return NULL;
	describe(s, se, what, sizeof(what));
	snprintf(msg, sizeof(msg), "%s: %s %g %s %g%s", r->name, what, se->value,
		 alert_cmp_name(r->cmp), r->threshold, note);
	f = json_pack("{s:s,s:s,s:f,s:f,s:s,s:s,s:s,s:I,s:i,s:s}", "rule", r->name, "metric",
		      r->metric, "value", se->value, "threshold", r->threshold, "comparator",
		      alert_cmp_name(r->cmp), "state", state, "severity", r->severity, "started_at",
		      (json_int_t)se->started_at, "for_s", r->for_s, "message", msg);
	if (!f || json_object_update(o, f)) {
		json_decref(f);
		json_decref(o);
		return NULL;
	}
	json_decref(f);
	if (se->key[0])
		json_object_set_new(o, "scope", json_pack("{s:s}", r->scope, se->key));
	if (r->agg != ALERT_AGG_LAST) {
		json_object_set_new(o, "aggregate", json_string(alert_agg_name(r->agg)));
		json_object_set_new(o, "window_s", json_integer(r->window_s));
	}
	if (!strcmp(state, "resolved")) {
		json_object_set_new(o, "resolved_at", json_integer(now_ms));
		json_object_set_new(o, "duration_s",
				    json_real((double)(now_ms - se->started_at) / 1000.0));
	}
	return o;
}

static int alerts_emit(struct alerts *a, const struct alert_slot *s, const struct alert_series *se,
		       const char *state, const char *note, int64_t now_ms, json_t *out)
{
	json_t *rec = alert_json(a, s, se, state, note, now_ms, true);

	if (!rec)
		return -ENOMEM;
	json_array_append(a->recent, rec);
	while (json_array_size(a->recent) > ALERTS_RECENT)
		json_array_remove(a->recent, 0);
	if (json_array_append_new(out, rec))
		return -ENOMEM;
	return 0;
}

/* One series' state machine for this tick: records emitted (0 or 1) or -ENOMEM. */
static int series_step(struct alerts *a, const struct alert_slot *s, struct alert_series *se,
		       bool have, double v, int64_t now_ms, json_t *out)
{
	if (!have) { /* no data */
		if (se->st == ST_PENDING)
			se->st = ST_INACTIVE;
		return 0;
	}
	se->value = v;
	if (holds(&s->rule, v)) {
		if (se->st == ST_INACTIVE) {
			se->st = ST_PENDING;
			se->started_at = now_ms;
		}
		if (se->st == ST_PENDING &&
		    now_ms - se->started_at >= (int64_t)s->rule.for_s * 1000) {
			se->st = ST_FIRING;
			return alerts_emit(a, s, se, "firing", "", now_ms, out) ?: 1;
		}
	} else if (se->st == ST_FIRING) {
		se->st = ST_INACTIVE;
		return alerts_emit(a, s, se, "resolved", " no longer holds", now_ms, out) ?: 1;
	} else {
		se->st = ST_INACTIVE;
	}
	return 0;
}

/* One rule for this tick: samples into its series, then each series' step. */
static int slot_eval(struct alerts *a, struct alert_slot *s, const struct metrics *m,
		     int64_t now_ms, json_t *out)
{
	int64_t now_s = now_ms / 1000;
	bool present = s->metric >= 0 && metrics__has(m, (enum metric_id)s->metric);
	struct metric_sample x;
	struct alert_series *se;
	int emitted = 0, ret;

	if (s->metric >= 0 && s->fan_out) {
		uint64_t dropped = 0;
		const char *key;
		int pos = -1;

		while ((key = metrics__next(m, (enum metric_id)s->metric, s->scope, &pos, &x))) {
			se = series_get(s, key);
			if (se)
				series_add(s, se, &x, now_s);
			else
				dropped++;
		}
		if (dropped && !s->dropped_logged)
			pr_warn("alerts: rule %s: more than %d %s values; the rest are counted, not evaluated",
				s->rule.name, ALERTS_MAX_SCOPES, s->rule.scope);
		s->dropped_logged |= dropped != 0;
		s->dropped_total += dropped;
	} else {
		se = series_get(s, s->rule.scope_value);
		if (se && s->metric >= 0 &&
		    !metrics__get(m, (enum metric_id)s->metric, s->scope, s->rule.scope_value, &x))
			series_add(s, se, &x, now_s);
	}
	for (int i = 0; i < s->nseries;) {
		double v = NAN;
		bool have;

		se = &s->series[i];
		have = series_value(s, se, present, now_s, &v) && isfinite(v);
		ret = series_step(a, s, se, have, v, now_ms, out);
		se->fresh = false;
		if (ret < 0)
			return ret;
		emitted += ret;
		if (s->fan_out && now_s - se->seen_s >= expire_s(s)) {
			/* the scope value is gone (process exited, route idle) */
			if (se->st == ST_FIRING) {
				ret = alerts_emit(a, s, se, "resolved", " no longer reported",
						  now_ms, out);
				if (ret < 0)
					return ret;
				emitted++;
			}
			series_del(s, i);
			continue;
		}
		i++;
	}
	return emitted;
}

int alerts__eval(struct alerts *a, const struct metrics *m, int64_t now_ms, json_t *out)
{
	int emitted = 0;

	for (int i = 0; i < a->n; i++) {
		int ret = slot_eval(a, &a->slots[i], m, now_ms, out);

		if (ret < 0)
			return ret;
		emitted += ret;
	}
	return emitted;
}

json_t *alerts__state_json(const struct alerts *a)
{
	json_t *active = json_array(), *rules = json_array();

	if (!active || !rules) {
		json_decref(active);
		json_decref(rules);
		return NULL;
	}
	for (int i = 0; i < a->n; i++) {
		const struct alert_slot *s = &a->slots[i];

		for (int k = 0; k < s->nseries; k++) {
			const struct alert_series *se = &s->series[k];
			const char *state = se->st == ST_FIRING ? "firing" : "pending";

			if (se->st == ST_INACTIVE)
				continue;
			json_array_append_new(active, alert_json(a, s, se, state, "",
								 se->started_at, false));
		}
		json_array_append_new(rules, json_pack("{s:s,s:s,s:i,s:I}", "rule", s->rule.name,
						       "metric", s->rule.metric, "series",
						       s->nseries, "scope_values_dropped_total",
						       (json_int_t)s->dropped_total));
	}
	return json_pack("{s:o,s:O,s:o}", "active", active, "recent", a->recent, "rules", rules);
}
