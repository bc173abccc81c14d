// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * `hostlens fleet` (fleet.h, docs/fleet.md).
 *
 * DESIGN: two threads. hl-fleet (here) owns the DynamoDB client, the host
 * table and the read budget; every --fleet-refresh seconds it reads:
 *   1. the registry partition (Query, paged): the hosts and the sort keys of
 *      their newest vm-metrics, webapp-metrics and alert items;
 *   2. the newest items whose sort key changed (BatchGetItem, 100 keys a call);
 *   3. the recent alert items of hosts whose newest alert changed (Query);
 *   4. for --fleet-sources without a registry item: the newest items by Query
 *      (Limit 1, newest first) and their alerts, every refresh;
 *   5. rollup series the web thread asked for (fleet_series.h);
 * then publishes "fleet/hosts", "fleet/routes" and "metrics" into the state
 * the web thread (hl-web, web/) serves. The web thread never waits on AWS.
 *
 * Overload: each call asks ReturnConsumedCapacity and is charged to a token
 * bucket of --fleet-read-units a second (one refresh's worth at most); when
 * it is empty the rest waits for the next refresh (counted as deferred), so
 * consumed read capacity stays bounded whatever the fleet size. Throttling
 * (ProvisionedThroughputExceededException and kin) or another failure ends
 * the refresh: the last values stay published with the error shown, and the
 * next refresh waits an exponential backoff with jitter (1 s doubling to
 * 60 s) until a refresh succeeds. Hosts (--fleet-max-hosts) and series
 * (--fleet-max-series) are capped and what the caps leave out is counted.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "user/fleet/fleet.h"
#include "user/fleet/fleet_api.h"
#include "user/fleet/fleet_hosts.h"
#include "user/fleet/fleet_read.h"
#include "user/fleet/fleet_series.h"
#include "user/runtime/log.h"
#include "user/pipeline/state.h"
#include "user/runtime/thread.h"
#include "sinks/aws/aws.h"
#include "web/web.h"

/* Messages are cut to their buffers on purpose. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wformat-truncation"
#endif

#define F(f) CONFIG_FIELD(f)
#define FLEET_CT "application/x-amz-json-1.0"
#define FLEET_BACKOFF_MIN_MS 1000
#define FLEET_BACKOFF_MAX_MS 60000
#define FLEET_ROUTES 20		  /* slowest routes across hosts shown */
#define FLEET_SERIES_TTL_MS 60000 /* a series is read again when asked after this */
#define FLEET_SERIES_SPAN_MS (24 * 3600 * 1000LL)
#define FLEET_PAGES 40 /* pages of one Query in one refresh, at most */

const struct config_opt fleet_options[] = {
	{ "fleet-refresh", CONFIG_OPT_INT, F(fleet_refresh_s), "5", "SECONDS",
	  "fleet: read the table this often", 1, 3600 },
	{ "fleet-window", CONFIG_OPT_INT, F(fleet_window_min), "60", "MINUTES",
	  "fleet: list hosts seen within this", 1, 10080 },
	{ "fleet-stale", CONFIG_OPT_INT, F(fleet_stale_min), "3", "MINUTES",
	  "fleet: mark a host stale when not seen for this", 1, 10080 },
	{ "fleet-max-hosts", CONFIG_OPT_INT, F(fleet_max_hosts), "1000", "N",
	  "fleet: most hosts kept (the freshest)", 1, 100000 },
	{ "fleet-max-series", CONFIG_OPT_INT, F(fleet_max_series), "200", "N",
	  "fleet: most per-host rollup series kept", 1, 100000 },
	{ "fleet-read-units", CONFIG_OPT_INT, F(fleet_read_units), "50", "N",
	  "fleet: DynamoDB read capacity units a second, at most", 1, 1000000 },
	{ "fleet-sources", CONFIG_OPT_STR, F(fleet_sources), "", "LIST",
	  "fleet: sources read without a registry item (comma list; tables of older agents)" },
	{ NULL },
};

static const char *const fleet_topics[] = { "fleet/hosts", "fleet/routes", NULL };

struct fleet {
	struct config cfg;
	struct state *st;
	struct web *web;
	struct aws_client *aws;
	struct aws_buf resp;
	struct fleet_hosts hosts;
	struct fleet_series series;
	pthread_t thread;
	bool started;
	pthread_mutex_t mu; /* stop, wake */
	pthread_cond_t cond;
	bool stop, wake;
	bool reload;		 /* pending holds a reloaded configuration */
	struct config pending;	 /* (under mu) */
	uint64_t reloads_total;	 /* reader thread */
	int64_t abort_at_ms;	 /* CLOCK_MONOTONIC: a call in progress gives up (stop) */
	int64_t clock_offset_ms; /* tests: HOSTLENS_FLEET_CLOCK_FILE */

	/* read budget and status (reader thread) */
	double tokens;
	int64_t tokens_ms;
	double units_total, units_refresh;
	uint64_t deferred_total, throttled_total, errors_total, calls_total, refreshes;
	bool deferred, throttled, failed, registry_seen;
	int64_t backoff_ms, next_ms, last_ok_ms, last_refresh_ms;
	char error[512];
};

static int64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The fleet's clock: wall time, moved by the milliseconds in the file
 * HOSTLENS_FLEET_CLOCK_FILE names (tests make hosts stale without waiting). */
static int64_t fleet_now(const struct fleet *f)
{
	/* the web thread reads it too (series requests) */
	return wall_ms() + __atomic_load_n(&f->clock_offset_ms, __ATOMIC_RELAXED);
}

static void clock_reload(struct fleet *f)
{
	const char *path = getenv("HOSTLENS_FLEET_CLOCK_FILE");
	char buf[32] = "";
	FILE *fp;

	if (!path || !(fp = fopen(path, "r")))
		return;
	if (fgets(buf, sizeof(buf), fp))
		__atomic_store_n(&f->clock_offset_ms, (int64_t)strtoll(buf, NULL, 10),
				 __ATOMIC_RELAXED);
	fclose(fp);
}

/* Charges the budget; false when it is empty (the call waits). */
static bool budget_ok(struct fleet *f)
{
	if (f->tokens > 0)
		return true;
	if (!f->deferred)
		f->deferred_total++;
	f->deferred = true;
	return false;
}

static void budget_refill(struct fleet *f)
{
	double rate = f->cfg.fleet_read_units, cap = rate * f->cfg.fleet_refresh_s;
	int64_t now = wall_ms();

	f->tokens += rate * (double)(now - f->tokens_ms) / 1000.0;
	if (f->tokens > cap)
		f->tokens = cap;
	f->tokens_ms = now;
}

/*
 * One DynamoDB call (body stolen). 0 with *out (new reference); -EBUSY
 * throttled; -EIO an AWS error; -EAGAIN transport or credentials. f->error
 * says which.
 */
static int ddb(struct fleet *f, const char *op, json_t *body, json_t **out)
{
	char target[64], type[128] = "", err[400];
	char *txt = body ? json_dumps(body, JSON_COMPACT) : NULL;
	double units;
	long status;
	int ret;

	json_decref(body);
	*out = NULL;
	if (!txt) {
		snprintf(f->error, sizeof(f->error), "%s: out of memory", op);
		return -EAGAIN;
	}
	snprintf(target, sizeof(target), "DynamoDB_20120810.%s", op);
	ret = aws_client__call(f->aws, target, FLEET_CT, txt, strlen(txt), &status, &f->resp, err,
			       sizeof(err));
	free(txt);
	f->calls_total++;
	if (ret) {
		snprintf(f->error, sizeof(f->error), "%s: %s", op, err);
		return -EAGAIN;
	}
	*out = json_loadb(f->resp.data, f->resp.len, 0, NULL);
	units = fleet_read_units(*out);
	f->units_total += units;
	f->units_refresh += units;
	f->tokens -= units > 0 ? units : 0.5; /* an answer without the figure costs the least */
	if (status == 200 && *out)
		return 0;
	json_decref(*out);
	*out = NULL;
	aws_error_type(f->resp.data, f->resp.len, type, sizeof(type));
	snprintf(f->error, sizeof(f->error), "%s on table %s: HTTP %ld %s", op,
		 f->cfg.dynamodb_table, status, type[0] ? type : "(no error type)");
	if (fleet_read_throttled(type)) {
		f->throttled_total++;
		return -EBUSY;
	}
	return -EIO;
}

/* 1. The registry partition, every page (or as many as the budget allows). */
static int read_registry(struct fleet *f, int64_t now)
{
	json_t *start = NULL;
	int64_t window = (int64_t)f->cfg.fleet_window_min * 60000;
	int ret = 0;

	f->hosts.dropped_now = 0;
	for (size_t i = 0; i < f->hosts.n; i++)
		f->hosts.h[i].listed = false;
	for (int page = 0; page < FLEET_PAGES && budget_ok(f); page++) {
		json_t *resp, *it;
		size_t i;

		ret = ddb(f, "Query", fleet_q_registry(f->cfg.dynamodb_table, start), &resp);
		json_decref(start);
		start = NULL;
		if (ret)
			break;
		json_array_foreach(fleet_read_items(resp, f->cfg.dynamodb_table), i, it) {
			json_t *p = ddb_plain_item(it);

			f->registry_seen = true;
			fleet_hosts_registry(&f->hosts, p, now, window);
			json_decref(p);
		}
		start = json_incref(json_object_get(resp, "LastEvaluatedKey"));
		json_decref(resp);
		if (!start)
			break;
	}
	json_decref(start);
	return ret;
}

/* Was "<source>#<type>" left in the answer's UnprocessedKeys? */
static bool unprocessed(json_t *resp, const char *table, const char *id)
{
	json_t *keys = json_object_get(
		       json_object_get(json_object_get(resp, "UnprocessedKeys"), table), "Keys"),
	       *k;
	size_t i;

	json_array_foreach(keys, i, k)
		if (!strcmp(json_string_value(json_object_get(json_object_get(k, "id"), "S")) ?: "",
			    id))
			return true;
	return false;
}

/* One BatchGetItem answer: the items onto their hosts. A key asked and not
 * left unprocessed counts as read even when no item came (it expired):
 * asking again would not bring it. Unprocessed keys wait for the next
 * refresh. */
static void take_batch(struct fleet *f, enum fleet_kind k, json_t *resp, json_t *keys)
{
	const char *table = f->cfg.dynamodb_table;
	json_t *it;
	size_t j;

	json_array_foreach(fleet_read_items(resp, table), j, it) {
		json_t *p = ddb_plain_item(it);
		const char *id = json_string_value(json_object_get(p, "id"));
		const char *hash = id ? strrchr(id, '#') : NULL;
		struct fleet_host *h;
		char src[256];

		if (hash && (size_t)(hash - id) < sizeof(src)) {
			snprintf(src, sizeof(src), "%.*s", (int)(hash - id), id);
			h = fleet_hosts_find(&f->hosts, src);
			if (h)
				fleet_host_set(h, k, p, h->want[k]);
		}
		json_decref(p);
	}
	json_array_foreach(keys, j, it) {
		const char *id = json_string_value(json_object_get(it, "id"));
		const char *src = json_string_value(json_object_get(it, "source"));
		struct fleet_host *h = src ? fleet_hosts_find(&f->hosts, src) : NULL;

		if (h && id && !unprocessed(resp, table, id))
			memcpy(h->have[k], h->want[k], sizeof(h->have[k])); /* same size */
	}
}

/* 2. The newest vm-metrics and webapp-metrics items whose sort key changed. */
static int read_latest(struct fleet *f)
{
	static const char *const *fields[] = { fleet_vm_fields, fleet_web_fields };
	int ret = 0;

	for (int k = FLEET_VM; k <= FLEET_WEB && !ret; k++) {
		size_t i = 0;

		while (i < f->hosts.n && !ret && budget_ok(f)) {
			json_t *keys = json_array(), *resp;

			for (; i < f->hosts.n && json_array_size(keys) < FLEET_BATCH_KEYS; i++) {
				struct fleet_host *h = &f->hosts.h[i];
				char id[600];

				if (!h->want[k][0] || !strcmp(h->want[k], h->have[k]))
					continue;
				snprintf(id, sizeof(id), "%s#%s", h->source, fleet_kind_type[k]);
				json_array_append_new(keys, json_pack("{s:s, s:s, s:s}", "id", id,
								      "timestamp", h->want[k],
								      "source", h->source));
			}
			if (!json_array_size(keys)) {
				json_decref(keys);
				break;
			}
			ret = ddb(f, "BatchGetItem",
				  fleet_q_batch_get(f->cfg.dynamodb_table, keys, fields[k]), &resp);
			if (!ret)
				take_batch(f, k, resp, keys);
			json_decref(resp);
			json_decref(keys);
		}
	}
	return ret;
}

/* The firing alerts of one host from its recent alert items. */
static int read_alerts(struct fleet *f, struct fleet_host *h, int64_t now)
{
	json_t *resp, *items, *plain, *it;
	size_t i;
	int ret;

	ret = ddb(f, "Query", fleet_q_alerts(f->cfg.dynamodb_table, h->source, now - 86400000LL),
		  &resp);
	if (ret)
		return ret;
	items = fleet_read_items(resp, f->cfg.dynamodb_table);
	plain = json_array();
	json_array_foreach(items, i, it)
		json_array_append_new(plain, ddb_plain_item(it));
	fleet_host_set_alerts(h, fleet_alerts_firing(plain, FLEET_HOST_ALERTS));
	json_decref(plain);
	json_decref(resp);
	snprintf(h->have[FLEET_ALERT], sizeof(h->have[0]), "%s", h->want[FLEET_ALERT]);
	return 0;
}

/* The newest item of one kind by Query (hosts without a registry item). */
static int read_newest(struct fleet *f, struct fleet_host *h, enum fleet_kind k)
{
	const char *const *fields = k == FLEET_VM ? fleet_vm_fields : fleet_web_fields;
	json_t *resp, *items;
	int ret;

	ret = ddb(f, "Query",
		  fleet_q_latest(f->cfg.dynamodb_table, h->source, fleet_kind_type[k], fields),
		  &resp);
	if (ret)
		return ret;
	items = fleet_read_items(resp, f->cfg.dynamodb_table);
	if (json_array_size(items)) {
		json_t *p = ddb_plain_item(json_array_get(items, 0));

		if (p)
			fleet_host_set(h, k, p, "");
		json_decref(p);
	}
	json_decref(resp);
	return 0;
}

/* 3 and 4: alerts that changed; hosts known only by --fleet-sources. */
static int read_hosts(struct fleet *f, int64_t now)
{
	int ret = 0;

	for (size_t i = 0; i < f->hosts.n && !ret && budget_ok(f); i++) {
		struct fleet_host *h = &f->hosts.h[i];

		if (h->registry) {
			if (h->want[FLEET_ALERT][0] &&
			    strcmp(h->want[FLEET_ALERT], h->have[FLEET_ALERT]))
				ret = read_alerts(f, h, now);
			continue;
		}
		ret = read_newest(f, h, FLEET_VM);
		if (!ret)
			ret = read_newest(f, h, FLEET_WEB);
		if (!ret)
			ret = read_alerts(f, h, now);
	}
	return ret;
}

/* One page of rollup items (DynamoDB JSON) into acc. */
static void fold_page(json_t *acc, json_t *items, const char *metric)
{
	json_t *plain = json_array(), *it;
	size_t i;

	json_array_foreach(items, i, it)
		json_array_append_new(plain, ddb_plain_item(it));
	fleet_series_fold(acc, plain, metric);
	json_decref(plain);
}

/* 5. Rollup series the web thread asked for. */
static int read_series(struct fleet *f, int64_t now)
{
	char source[256], metric[64];
	int ret = 0;

	while (!ret && budget_ok(f) &&
	       fleet_series_next(&f->series, now, FLEET_SERIES_TTL_MS, source, sizeof(source),
				 metric, sizeof(metric))) {
		const char *of = fleet_metric_of(metric);
		json_t *acc = json_object(), *start = NULL;

		if (!of || !fleet_hosts_find(&f->hosts, source)) {
			json_decref(acc);
			fleet_series_put(&f->series, source, metric, NULL, now);
			continue;
		}
		for (int page = 0; page < FLEET_PAGES; page++) {
			json_t *resp;

			ret = ddb(f, "Query",
				  fleet_q_rollups(f->cfg.dynamodb_table, source, of, metric,
						  now - FLEET_SERIES_SPAN_MS, now + 3600000LL,
						  start),
				  &resp);
			json_decref(start);
			start = NULL;
			if (ret)
				break;
			fold_page(acc, fleet_read_items(resp, f->cfg.dynamodb_table), metric);
			start = json_incref(json_object_get(resp, "LastEvaluatedKey"));
			json_decref(resp);
			if (!start)
				break;
		}
		json_decref(start);
		if (!ret)
			fleet_series_put(&f->series, source, metric, fleet_series_points(acc), now);
		json_decref(acc);
	}
	return ret;
}

static json_t *status_doc(struct fleet *f, int64_t now)
{
	const char *st = f->throttled  ? "throttled" :
			 f->failed     ? "error" :
			 !f->refreshes ? "starting" :
					 "ok";
	double per_s = f->units_refresh / (f->cfg.fleet_refresh_s > 0 ? f->cfg.fleet_refresh_s : 1);
	uint64_t evicted;
	size_t kept;

	fleet_series_counts(&f->series, &kept, &evicted);
	return json_pack(
		"{s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:{s:f, s:f, s:i, s:f, s:I, s:b}, "
		"s:{s:I, s:b, s:I}, s:{s:i, s:I, s:I, s:i, s:I, s:I}, s:b, s:i, s:i, s:i, s:I}",
		"state", st, "message", (f->throttled || f->failed) ? f->error : "", "table",
		f->cfg.dynamodb_table, "now_ms", (json_int_t)now, "last_ok_ms",
		(json_int_t)f->last_ok_ms, "backoff_ms", (json_int_t)f->backoff_ms,
		"next_refresh_ms", (json_int_t)(f->next_ms + f->clock_offset_ms), "read_units",
		"last_refresh", f->units_refresh, "per_s", per_s, "budget_per_s",
		f->cfg.fleet_read_units, "total", f->units_total, "deferred_total",
		(json_int_t)f->deferred_total, "deferred", f->deferred, "throttling",
		"throttled_total", (json_int_t)f->throttled_total, "now", f->throttled,
		"errors_total", (json_int_t)f->errors_total, "limits", "max_hosts",
		f->cfg.fleet_max_hosts, "hosts_dropped", (json_int_t)f->hosts.dropped_now,
		"hosts_dropped_total", (json_int_t)f->hosts.dropped_total, "max_series",
		f->cfg.fleet_max_series, "series_kept", (json_int_t)kept, "series_evicted_total",
		(json_int_t)evicted, "registry", f->registry_seen, "refresh_s",
		f->cfg.fleet_refresh_s, "stale_after_s", f->cfg.fleet_stale_min * 60, "window_s",
		f->cfg.fleet_window_min * 60, "config_reloads_total", (json_int_t)f->reloads_total);
}

static void publish_metrics(struct fleet *f, int64_t now, int64_t stale_ms)
{
	char *text = NULL;
	size_t len = 0, kept;
	FILE *m = open_memstream(&text, &len);
	uint64_t evicted;

	if (!m)
		return;
	fleet_series_counts(&f->series, &kept, &evicted);
	fleet_hosts_prom(&f->hosts, m, now, stale_ms);
	fprintf(m,
		"# HELP hostlens_fleet_read_units_total DynamoDB read capacity units consumed\n"
		"# TYPE hostlens_fleet_read_units_total counter\n"
		"hostlens_fleet_read_units_total %.1f\n",
		f->units_total);
	fprintf(m,
		"# HELP hostlens_fleet_read_units_budget read capacity units a second, at most\n"
		"# TYPE hostlens_fleet_read_units_budget gauge\n"
		"hostlens_fleet_read_units_budget %d\n",
		f->cfg.fleet_read_units);
	fprintf(m,
		"# HELP hostlens_fleet_throttled_total DynamoDB calls answered with throttling\n"
		"# TYPE hostlens_fleet_throttled_total counter\n"
		"hostlens_fleet_throttled_total %" PRIu64 "\n",
		f->throttled_total);
	fprintf(m,
		"# HELP hostlens_fleet_refresh_errors_total refreshes ended by an error\n"
		"# TYPE hostlens_fleet_refresh_errors_total counter\n"
		"hostlens_fleet_refresh_errors_total %" PRIu64 "\n",
		f->errors_total);
	fprintf(m,
		"# HELP hostlens_fleet_deferred_total refreshes that left reads for later (budget)\n"
		"# TYPE hostlens_fleet_deferred_total counter\n"
		"hostlens_fleet_deferred_total %" PRIu64 "\n",
		f->deferred_total);
	fprintf(m,
		"# HELP hostlens_fleet_hosts_dropped_total hosts left out for --fleet-max-hosts\n"
		"# TYPE hostlens_fleet_hosts_dropped_total counter\n"
		"hostlens_fleet_hosts_dropped_total %" PRIu64 "\n",
		f->hosts.dropped_total);
	fprintf(m,
		"# HELP hostlens_fleet_series_evicted_total series dropped for --fleet-max-series\n"
		"# TYPE hostlens_fleet_series_evicted_total counter\n"
		"hostlens_fleet_series_evicted_total %" PRIu64 "\n",
		evicted);
	fclose(m);
	state__publish_text(f->st, "metrics", text, len);
	free(text);
}

static void publish(struct fleet *f, int64_t now)
{
	int64_t stale_ms = (int64_t)f->cfg.fleet_stale_min * 60000;
	json_t *status = status_doc(f, now);

	state__publish(f->st, "fleet/hosts", fleet_hosts_doc(&f->hosts, now, stale_ms, status));
	json_decref(status);
	state__publish(f->st, "fleet/routes", fleet_routes_doc(&f->hosts, FLEET_ROUTES));
	publish_metrics(f, now, stale_ms);
}

/* One refresh; sets the time of the next. */
static void refresh(struct fleet *f)
{
	int64_t now, window;
	int ret;

	clock_reload(f);
	budget_refill(f);
	now = fleet_now(f);
	window = (int64_t)f->cfg.fleet_window_min * 60000;
	f->units_refresh = 0;
	f->deferred = false;
	ret = read_registry(f, now);
	if (!ret)
		ret = read_latest(f);
	if (!ret)
		ret = read_hosts(f, now);
	if (!ret)
		ret = read_series(f, now);
	fleet_hosts_expire(&f->hosts, now, window);
	f->refreshes++;
	f->last_refresh_ms = wall_ms();
	f->throttled = ret == -EBUSY;
	f->failed = ret && ret != -EBUSY;
	if (!ret) {
		f->backoff_ms = 0;
		f->last_ok_ms = now;
		f->next_ms = f->last_refresh_ms + (int64_t)f->cfg.fleet_refresh_s * 1000;
	} else {
		int64_t b = f->backoff_ms ? f->backoff_ms * 2 : FLEET_BACKOFF_MIN_MS;

		if (b > FLEET_BACKOFF_MAX_MS)
			b = FLEET_BACKOFF_MAX_MS;
		f->backoff_ms = b;
		f->errors_total += ret != -EBUSY;
		/* jitter: 75..125 % so many fleet views do not retry in step */
		f->next_ms = f->last_refresh_ms + b * (75 + rand() % 51) / 100;
		pr_warn("fleet: %s; next read in %" PRId64 " ms", f->error,
			f->next_ms - f->last_refresh_ms);
	}
	publish(f, now);
}

/* A reloaded configuration, on the reader thread (under mu: the pending
 * copy is not written meanwhile). */
static void apply_reload(struct fleet *f)
{
	const struct config *n = &f->pending;

	f->cfg.fleet_refresh_s = n->fleet_refresh_s;
	f->cfg.fleet_window_min = n->fleet_window_min;
	f->cfg.fleet_stale_min = n->fleet_stale_min;
	f->cfg.fleet_read_units = n->fleet_read_units;
	if (strcmp(f->cfg.fleet_sources, n->fleet_sources)) {
		memcpy(f->cfg.fleet_sources, n->fleet_sources, sizeof(f->cfg.fleet_sources));
		/* fits: fleet__reload checked */
		fleet_hosts_configure(&f->hosts, f->cfg.fleet_sources, NULL, 0);
	}
	budget_refill(f); /* capped by the new budget */
	f->next_ms = 0;	  /* read again now, with the new settings */
	f->reloads_total++;
	pr_info("fleet: every %d s, at most %d read units/s, window %d min, stale after %d min",
		n->fleet_refresh_s, n->fleet_read_units, n->fleet_window_min, n->fleet_stale_min);
}

static void *fleet_thread(void *arg)
{
	struct fleet *f = arg;

	thread__setup("hl-fleet", true);
	pthread_mutex_lock(&f->mu);
	while (!f->stop) {
		int64_t now;

		if (f->reload) {
			f->reload = false;
			apply_reload(f);
		}
		now = wall_ms();
		if (now >= f->next_ms || f->wake) {
			bool only_series = now < f->next_ms;

			f->wake = false;
			pthread_mutex_unlock(&f->mu);
			if (only_series) { /* a page asked for a series: read it now;
						 * a failure waits for the next refresh */
				budget_refill(f);
				read_series(f, fleet_now(f));
			} else {
				refresh(f);
			}
			pthread_mutex_lock(&f->mu);
			continue;
		}
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += (f->next_ms - now) / 1000;
		ts.tv_nsec += ((f->next_ms - now) % 1000) * 1000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&f->cond, &f->mu, &ts);
	}
	pthread_mutex_unlock(&f->mu);
	return NULL;
}

static void fleet_wake(void *ctx)
{
	struct fleet *f = ctx;

	pthread_mutex_lock(&f->mu);
	f->wake = true;
	pthread_cond_signal(&f->cond);
	pthread_mutex_unlock(&f->mu);
}

/* GET /api/v1/fleet/... paths the state does not hold (web thread). */
static int fleet_web_get(void *ctx, const char *path, const char *query, json_t **doc)
{
	struct fleet *f = ctx;

	return fleet_api_get(&f->series, fleet_now(f), path, query, doc);
}

/* the fleet view's settings that only a restart changes */
static const struct config_restart_only fleet_restart_only[] = {
	CONFIG_RESTART_ONLY_WEB,
	CONFIG_RESTART_ONLY("dynamodb_table", dynamodb_table),
	CONFIG_RESTART_ONLY("fleet_max_hosts", fleet_max_hosts),
	CONFIG_RESTART_ONLY("fleet_max_series", fleet_max_series),
};

int fleet__reload(struct fleet *f, const struct config *cfg, char *err, size_t errlen)
{
	if (fleet_sources_check(cfg->fleet_sources, f->hosts.max, err, errlen))
		return -EINVAL;
	config_warn_restart_only(&f->cfg, cfg, fleet_restart_only,
				 sizeof(fleet_restart_only) / sizeof(fleet_restart_only[0]));
	pthread_mutex_lock(&f->mu);
	f->pending = *cfg;
	f->reload = true;
	pthread_cond_signal(&f->cond);
	pthread_mutex_unlock(&f->mu);
	return 0;
}

struct fleet *fleet__new(const struct config *cfg, char *err, size_t errlen)
{
	struct fleet *f = calloc(1, sizeof(*f));
	struct web_hooks hooks = { .topics = fleet_topics,
				   .index = "/fleet.html",
				   .get = fleet_web_get };
	int e = ENOMEM;

	if (!f) {
		snprintf(err, errlen, "out of memory");
		goto fail_errno;
	}
	f->cfg = *cfg;
	hooks.ctx = f;
	pthread_mutex_init(&f->mu, NULL);
	pthread_cond_init(&f->cond, NULL);
	if (!f->cfg.dynamodb_table[0]) {
		snprintf(err, errlen, "--dynamodb-table is empty: the fleet view reads that table");
		e = EINVAL;
		goto fail;
	}
	if (fleet_hosts_init(&f->hosts, (size_t)cfg->fleet_max_hosts) ||
	    fleet_series_init(&f->series, (size_t)cfg->fleet_max_series)) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	f->series.wake = fleet_wake;
	f->series.wake_ctx = f;
	if (fleet_hosts_configure(&f->hosts, f->cfg.fleet_sources, err, errlen)) {
		e = EINVAL;
		goto fail;
	}
	f->aws = aws_client__new("dynamodb", err, errlen);
	if (!f->aws) {
		e = errno == ENOENT ? EINVAL : errno; /* no region or credentials: exit 2 */
		goto fail;
	}
	aws_client__set_abort(f->aws, &f->abort_at_ms);
	f->st = state__new();
	if (!f->st) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	f->web = web__new(&f->cfg, f->st, &hooks, err, errlen);
	if (!f->web) {
		e = errno;
		goto fail;
	}
	f->tokens = (double)cfg->fleet_read_units * cfg->fleet_refresh_s;
	f->tokens_ms = wall_ms();
	state__set_ready(f->st, true);
	if (pthread_create(&f->thread, NULL, fleet_thread, f)) {
		e = EAGAIN;
		snprintf(err, errlen, "cannot start the fleet reader thread");
		goto fail;
	}
	f->started = true;
	if (web__start(f->web)) {
		e = EAGAIN;
		snprintf(err, errlen, "cannot start the web server thread");
		goto fail;
	}
	pr_info("fleet: reading table %s at %s every %d s (at most %d read units/s); dashboard on %s",
		f->cfg.dynamodb_table, aws_client__endpoint(f->aws), f->cfg.fleet_refresh_s,
		f->cfg.fleet_read_units, f->cfg.listen);
	return f;
fail:
	fleet__free(f);
fail_errno:
	errno = e;
	return NULL;
}

void fleet__free(struct fleet *f)
{
	if (!f)
		return;
	web__free(f->web); /* first: the web thread asks the series cache */
	f->web = NULL;
	if (f->started) {
		struct timespec ts;

		/* a read in progress gives up now rather than at its timeout */
		clock_gettime(CLOCK_MONOTONIC, &ts);
		__atomic_store_n(&f->abort_at_ms,
				 (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + 1,
				 __ATOMIC_RELAXED);
		pthread_mutex_lock(&f->mu);
		f->stop = true;
		pthread_cond_signal(&f->cond);
		pthread_mutex_unlock(&f->mu);
		pthread_join(f->thread, NULL);
	}
	aws_client__free(f->aws);
	aws_buf_free(&f->resp);
	fleet_hosts_fini(&f->hosts);
	fleet_series_fini(&f->series);
	state__free(f->st);
	pthread_mutex_destroy(&f->mu);
	pthread_cond_destroy(&f->cond);
	free(f);
}
