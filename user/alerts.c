// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Alert rule evaluation and webhook notification (alerts.h).
 *
 * DESIGN
 * - Rule state is owned by the caller's thread (the processor): eval and
 *   state_json touch it without locks; call them from one thread.
 * - The webhook thread owns its libcurl handle. The two threads share only
 *   the queue and the counters, under one mutex that is never held during
 *   I/O. The queue is a bounded ring of serialized records
 *   (ALERTS_QUEUE_MAX); when full, the oldest record is dropped and
 *   counted, so eval never waits.
 * - Delivery: POST application/json; 2xx is done; a connection error, a
 *   timeout, 408, 429 or 5xx is retried up to ALERTS_ATTEMPTS times with
 *   exponential backoff and jitter (250 ms, 500 ms, 1 s ...); any other
 *   status gives up. Each attempt has a 5 s timeout.
 * - The URL is a secret (a Slack webhook's path is its token): logs show
 *   only its origin (config_url_for_log).
 * - Shutdown: alerts__free sets `stop` and signals; a transfer in progress
 *   is aborted by curl's progress callback, a backoff wait ends at once,
 *   the thread exits, and what is left in the queue is counted as dropped.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "alerts.h"
#include "log.h"
#include "thread.h"
#include "record.h"

#define ALERTS_RECENT 50
#define ALERTS_QUEUE_MAX 64
#define ALERTS_ATTEMPTS 4
#define ALERTS_BACKOFF_MS 250
#define ALERTS_TIMEOUT_MS 5000

enum alert_state { ST_INACTIVE, ST_PENDING, ST_FIRING };

struct alert_slot {
	struct alert_rule rule;
	enum alert_state st;
	int64_t started_at;	/* ms: when the condition began to hold */
	double value;		/* last value seen */
};

struct webhook {
	char url[CFG_STR];
	char url_log[CFG_STR];	/* url as logs show it: the path may hold a token */
	pthread_t thread;
	bool started;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop;		/* under mu; also read by the progress callback */
	char *q[ALERTS_QUEUE_MAX];
	size_t head, n;
	struct alerts_webhook_stats st;
};

struct alerts {
	struct alert_slot *slots;
	int n;
	char source[CFG_STR];
	json_t *recent;		/* array, oldest first, at most ALERTS_RECENT */
	struct webhook *wh;
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

/* ---- webhook thread ---------------------------------------------------- */

static int wh_progress(void *ud, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	struct webhook *w = ud;

	return __atomic_load_n(&w->stop, __ATOMIC_RELAXED) ? 1 : 0;
}

static size_t wh_discard(char *p, size_t sz, size_t n, void *ud)
{
	return sz * n;
}

/* One POST: 0 delivered, -EAGAIN retry, -EPROTO give up. */
static int wh_post(struct webhook *w, CURL *c, const char *body)
{
	struct curl_slist *hdr = curl_slist_append(NULL, "Content-Type: application/json");
	long status = 0;
	CURLcode rc;

	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, w->url);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "hostlens/" HOSTLENS_VERSION);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)ALERTS_TIMEOUT_MS);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)ALERTS_TIMEOUT_MS);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, wh_progress);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, w);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, wh_discard);
	rc = curl_easy_perform(c);
	curl_slist_free_all(hdr);
	if (rc != CURLE_OK) {
		if (rc != CURLE_ABORTED_BY_CALLBACK)
			pr_warn("alerts: webhook %s: %s", w->url_log, curl_easy_strerror(rc));
		return -EAGAIN;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	if (status >= 200 && status < 300)
		return 0;
	pr_warn("alerts: webhook %s: HTTP %ld", w->url_log, status);
	if (status == 408 || status == 429 || status >= 500)
		return -EAGAIN;
	return -EPROTO;
}

/* Waits ms or until stop; returns stop. Called with mu held. */
static bool wh_wait_locked(struct webhook *w, long ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	while (!w->stop && pthread_cond_timedwait(&w->cv, &w->mu, &ts) != ETIMEDOUT)
		;
	return w->stop;
}

static void *wh_main(void *arg)
{
	struct webhook *w = arg;
	CURL *c = curl_easy_init();
	unsigned int seed = (unsigned int)(uintptr_t)w ^ (unsigned int)time(NULL);

	thread__setup("hl-webhook", true);
	pthread_mutex_lock(&w->mu);
	for (;;) {
		char *body;
		int err = -EAGAIN;

		while (!w->stop && !w->n)
			pthread_cond_wait(&w->cv, &w->mu);
		if (w->stop)
			break;
		body = w->q[w->head];
		w->head = (w->head + 1) % ALERTS_QUEUE_MAX;
		w->n--;
		for (int attempt = 0; attempt < ALERTS_ATTEMPTS; attempt++) {
			if (attempt) {
				long ms = ALERTS_BACKOFF_MS << (attempt - 1);

				ms += rand_r(&seed) % (ms / 4 + 1);	/* jitter */
				w->st.retries++;
				if (wh_wait_locked(w, ms))
					break;
			}
			pthread_mutex_unlock(&w->mu);
			err = c ? wh_post(w, c, body) : -ENOMEM;
			pthread_mutex_lock(&w->mu);
			if (err != -EAGAIN || w->stop)
				break;
		}
		if (!err)
			w->st.sent++;
		else if (w->stop)
			w->st.dropped++;
		else
			w->st.failed++;
		free(body);
	}
	pthread_mutex_unlock(&w->mu);
	curl_easy_cleanup(c);
	return NULL;
}

static void wh_push(struct webhook *w, const json_t *rec)
{
	char *body = json_dumps(rec, JSON_COMPACT | JSON_REAL_PRECISION(10));

	if (!body)
		return;
	pthread_mutex_lock(&w->mu);
	if (w->n == ALERTS_QUEUE_MAX) {	/* drop the oldest */
		free(w->q[w->head]);
		w->head = (w->head + 1) % ALERTS_QUEUE_MAX;
		w->n--;
		w->st.dropped++;
	}
	w->q[(w->head + w->n) % ALERTS_QUEUE_MAX] = body;
	w->n++;
	w->st.queued++;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

static void wh_free(struct webhook *w)
{
	if (!w)
		return;
	if (w->started) {
		pthread_mutex_lock(&w->mu);
		__atomic_store_n(&w->stop, true, __ATOMIC_RELAXED);
		pthread_cond_broadcast(&w->cv);
		pthread_mutex_unlock(&w->mu);
		pthread_join(w->thread, NULL);
		curl_global_cleanup();
	}
	while (w->n) {
		free(w->q[w->head]);
		w->head = (w->head + 1) % ALERTS_QUEUE_MAX;
		w->n--;
		w->st.dropped++;
	}
	if (w->st.dropped)
		pr_warn("alerts: webhook: %llu notifications dropped",
			(unsigned long long)w->st.dropped);
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	free(w);
}

static struct webhook *wh_new(const char *url)
{
	struct webhook *w = calloc(1, sizeof(*w));
	pthread_condattr_t ca;
	int err;

	if (!w)
		return NULL;
	snprintf(w->url, sizeof(w->url), "%s", url);
	config_url_for_log(url, w->url_log, sizeof(w->url_log));
	pthread_mutex_init(&w->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->cv, &ca);
	pthread_condattr_destroy(&ca);
	if (curl_global_init(CURL_GLOBAL_DEFAULT)) {
		err = EIO;
		goto err_free;
	}
	err = pthread_create(&w->thread, NULL, wh_main, w);
	if (err) {
		curl_global_cleanup();
		goto err_free;
	}
	w->started = true;
	return w;

err_free:
	wh_free(w);
	errno = err;
	return NULL;
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
	if (cfg->alert_webhook[0]) {
		a->wh = wh_new(cfg->alert_webhook);
		if (!a->wh) {
			err = errno;
			goto err_free;
		}
	}
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
	wh_free(a->wh);
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
	if (a->wh)
		wh_push(a->wh, rec);
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

void alerts__webhook_stats(struct alerts *a, struct alerts_webhook_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (!a->wh)
		return;
	pthread_mutex_lock(&a->wh->mu);
	*st = a->wh->st;
	pthread_mutex_unlock(&a->wh->mu);
}
