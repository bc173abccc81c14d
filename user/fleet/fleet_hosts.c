// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* The fleet view's host table and its documents (fleet_hosts.h). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "user/fleet/fleet_hosts.h"
#include "user/fleet/fleet_read.h"
#include "user/lib/prom.h"

/* Messages are cut to their buffers on purpose. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wformat-truncation"
#endif

const char *const fleet_kind_type[FLEET_KINDS] = { "vm-metrics", "webapp-metrics", "alert" };

int fleet_hosts_init(struct fleet_hosts *hs, size_t max)
{
	memset(hs, 0, sizeof(*hs));
	hs->h = calloc(max ? max : 1, sizeof(*hs->h));
	if (!hs->h)
		return -ENOMEM;
	hs->max = max;
	return 0;
}

static void host_clear(struct fleet_host *h)
{
	json_decref(h->vm);
	json_decref(h->web);
	json_decref(h->alerts);
	memset(h, 0, sizeof(*h));
}

void fleet_hosts_fini(struct fleet_hosts *hs)
{
	for (size_t i = 0; i < hs->n; i++)
		host_clear(&hs->h[i]);
	free(hs->h);
	memset(hs, 0, sizeof(*hs));
}

struct fleet_host *fleet_hosts_find(struct fleet_hosts *hs, const char *source)
{
	for (size_t i = 0; i < hs->n; i++)
		if (!strcmp(hs->h[i].source, source))
			return &hs->h[i];
	return NULL;
}

static struct fleet_host *host_new(struct fleet_hosts *hs, const char *source)
{
	struct fleet_host *h;

	if (hs->n >= hs->max)
		return NULL;
	h = &hs->h[hs->n++];
	memset(h, 0, sizeof(*h));
	snprintf(h->source, sizeof(h->source), "%s", source);
	return h;
}

/* At the cap: the host seen longest ago that is not configured, if it is
 * older than seen_ms. */
static struct fleet_host *evictable(struct fleet_hosts *hs, int64_t seen_ms)
{
	struct fleet_host *old = NULL;

	for (size_t i = 0; i < hs->n; i++) {
		struct fleet_host *h = &hs->h[i];

		if (!h->configured && h->last_seen_ms < seen_ms &&
		    (!old || h->last_seen_ms < old->last_seen_ms))
			old = h;
	}
	return old;
}

/* calls fn on each name of a --fleet-sources list; stops at a nonzero return */
static int sources_each(const char *list, int (*fn)(void *, const char *), void *ctx)
{
	char name[sizeof(((struct fleet_host *)0)->source)];
	int ret;

	while (*list) {
		size_t len = strcspn(list, ",");
		size_t lead = strspn(list, " ");

		if (lead < len) {
			snprintf(name, sizeof(name), "%.*s", (int)(len - lead), list + lead);
			ret = fn(ctx, name);
			if (ret)
				return ret;
		}
		list += len + (list[len] == ',');
	}
	return 0;
}

static int count_one(void *n, const char *name)
{
	(void)name;
	++*(size_t *)n;
	return 0;
}

int fleet_sources_check(const char *list, size_t max, char *err, size_t errlen)
{
	size_t n = 0;

	sources_each(list, count_one, &n);
	if (n <= max)
		return 0;
	snprintf(err, errlen, "--fleet-sources: %zu sources, more than --fleet-max-hosts %zu", n,
		 max);
	return -EINVAL;
}

static int configure_one(void *hs, const char *name)
{
	return fleet_hosts_add_configured(hs, name) ? 0 : -ENOSPC;
}

int fleet_hosts_configure(struct fleet_hosts *hs, const char *list, char *err, size_t errlen)
{
	if (fleet_sources_check(list, hs->max, err, errlen))
		return -EINVAL;
	for (size_t i = 0; i < hs->n; i++)
		hs->h[i].configured = false;
	return sources_each(list, configure_one, hs);
}

struct fleet_host *fleet_hosts_add_configured(struct fleet_hosts *hs, const char *source)
{
	struct fleet_host *h = fleet_hosts_find(hs, source);

	if (!h)
		h = host_new(hs, source);
	if (!h) { /* a configured source goes before a host only seen */
		h = evictable(hs, INT64_MAX);
		if (!h)
			return NULL;
		hs->dropped_total++;
		host_clear(h);
		snprintf(h->source, sizeof(h->source), "%s", source);
	}
	h->configured = true;
	return h;
}

struct fleet_host *fleet_hosts_registry(struct fleet_hosts *hs, json_t *item, int64_t now_ms,
					int64_t window_ms)
{
	const char *source = json_string_value(json_object_get(item, "source"));
	int64_t seen = fleet_ms(json_object_get(item, "last_seen"));
	json_t *latest = json_object_get(item, "latest");
	struct fleet_host *h;

	if (!source || !*source || seen <= 0)
		return NULL;
	if (seen < now_ms - window_ms)
		return NULL; /* gone longer than the window: not listed */
	h = fleet_hosts_find(hs, source);
	if (!h)
		h = host_new(hs, source);
	if (!h) {
		h = evictable(hs, seen);
		hs->dropped_now++;
		hs->dropped_total++;
		if (!h)
			return NULL;
		host_clear(h);
		snprintf(h->source, sizeof(h->source), "%s", source);
	}
	h->registry = true;
	h->listed = true;
	if (seen > h->last_seen_ms)
		h->last_seen_ms = seen;
	snprintf(h->address, sizeof(h->address), "%s",
		 json_string_value(json_object_get(item, "address")) ?: "");
	for (int k = 0; k < FLEET_KINDS; k++)
		snprintf(h->want[k], sizeof(h->want[k]), "%s",
			 json_string_value(json_object_get(latest, fleet_kind_type[k])) ?: "");
	return h;
}

void fleet_hosts_expire(struct fleet_hosts *hs, int64_t now_ms, int64_t window_ms)
{
	for (size_t i = 0; i < hs->n;) {
		struct fleet_host *h = &hs->h[i];

		if (h->configured || h->last_seen_ms >= now_ms - window_ms) {
			i++;
			continue;
		}
		host_clear(h);
		if (i != hs->n - 1)
			*h = hs->h[hs->n - 1];
		memset(&hs->h[--hs->n], 0, sizeof(*h));
	}
}

static double num(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	return json_is_number(v) ? json_number_value(v) : NAN;
}

static int route_cmp(const void *a, const void *b)
{
	double x = num(*(json_t *const *)a, "latency_p95_ms");
	double y = num(*(json_t *const *)b, "latency_p95_ms");

	if (isnan(x))
		x = -1;
	if (isnan(y))
		y = -1;
	return x < y ? 1 : x > y ? -1 : 0;
}

/* The slowest FLEET_HOST_ROUTES served routes, cut to the fields shown. */
static json_t *cut_routes(json_t *routes)
{
	static const char *const keep[] = { "comm",	      "method",		"route",
					    "latency_p95_ms", "requests_per_s", "error_rate_pct" };
	json_t *in[256], *out = json_array(), *r;
	size_t i, n = 0;

	json_array_foreach(routes, i, r) {
		const char *dir = json_string_value(json_object_get(r, "direction"));

		if (n < 256 && json_is_object(r) && (!dir || !strcmp(dir, "inbound")))
			in[n++] = r;
	}
	qsort(in, n, sizeof(in[0]), route_cmp);
	for (i = 0; out && i < n && i < FLEET_HOST_ROUTES; i++) {
		json_t *o = json_object();

		for (size_t k = 0; o && k < sizeof(keep) / sizeof(keep[0]); k++) {
			json_t *v = json_object_get(in[i], keep[k]);

			if (v && (json_is_string(v) || json_is_number(v)))
				json_object_set(o, keep[k], v);
		}
		json_array_append_new(out, o);
	}
	return out;
}

void fleet_host_set(struct fleet_host *h, enum fleet_kind k, json_t *item, const char *sk)
{
	json_t **slot = k == FLEET_VM ? &h->vm : &h->web;
	int64_t ts = fleet_ms(json_object_get(item, "timestamp"));
	json_t *copy;

	if (k == FLEET_ALERT)
		return;
	copy = json_deep_copy(item);
	if (!copy)
		return;
	json_object_del(copy, "id");
	if (json_object_get(copy, "routes"))
		json_object_set_new(copy, "routes", cut_routes(json_object_get(copy, "routes")));
	json_object_set_new(copy, "timestamp", json_integer(ts));
	json_decref(*slot);
	*slot = copy;
	if (ts > h->last_seen_ms)
		h->last_seen_ms = ts;
	snprintf(h->have[k], sizeof(h->have[k]), "%s", sk ? sk : "");
}

void fleet_host_set_alerts(struct fleet_host *h, json_t *arr)
{
	json_decref(h->alerts);
	h->alerts = arr;
}

static int host_cmp(const void *a, const void *b)
{
	return strcmp(((const struct fleet_host *)a)->source,
		      ((const struct fleet_host *)b)->source);
}

static json_t *host_doc(const struct fleet_host *h, int64_t now_ms, int64_t stale_ms)
{
	bool stale = !h->last_seen_ms || now_ms - h->last_seen_ms > stale_ms;
	json_t *o = json_pack("{s:s, s:s, s:b, s:b, s:b}", "source", h->source, "address",
			      h->address, "stale", stale, "registry", h->registry, "configured",
			      h->configured);

	if (!o)
		return NULL;
	json_object_set_new(o, "last_seen_ms",
			    h->last_seen_ms ? json_integer(h->last_seen_ms) : json_null());
	json_object_set_new(o, "age_s",
			    h->last_seen_ms ?
				    json_real((double)(now_ms - h->last_seen_ms) / 1000.0) :
				    json_null());
	json_object_set(o, "vm", h->vm ?: json_null());
	json_object_set(o, "webapp", h->web ?: json_null());
	json_object_set_new(o, "alerts", h->alerts ? json_incref(h->alerts) : json_array());
	json_object_set_new(o, "alerts_firing",
			    json_integer((json_int_t)json_array_size(h->alerts)));
	return o;
}

json_t *fleet_hosts_doc(const struct fleet_hosts *hs, int64_t now_ms, int64_t stale_ms,
			json_t *status)
{
	struct fleet_host *sorted = malloc((hs->n ? hs->n : 1) * sizeof(*sorted));
	json_t *hosts = json_array(), *doc;
	double rps = 0, err_w = 0, cpu = 0, users = 0;
	size_t stale = 0, ncpu = 0, alerts = 0;

	if (!sorted || !hosts) {
		free(sorted);
		json_decref(hosts);
		return NULL;
	}
	memcpy(sorted, hs->h, hs->n * sizeof(*sorted)); /* shallow: docs take references */
	qsort(sorted, hs->n, sizeof(*sorted), host_cmp);
	for (size_t i = 0; i < hs->n; i++) {
		const struct fleet_host *h = &sorted[i];
		bool is_stale = !h->last_seen_ms || now_ms - h->last_seen_ms > stale_ms;
		double r = num(h->web, "requests_per_s"), e = num(h->web, "error_rate_pct");

		json_array_append_new(hosts, host_doc(h, now_ms, stale_ms));
		stale += is_stale;
		alerts += json_array_size(h->alerts);
		if (is_stale)
			continue; /* totals are of the hosts reporting now */
		if (!isnan(r)) {
			rps += r;
			if (!isnan(e))
				err_w += r * e;
		}
		if (!isnan(num(h->vm, "cpu_usage_pct"))) {
			cpu += num(h->vm, "cpu_usage_pct");
			ncpu++;
		}
		if (!isnan(num(h->web, "active_users")))
			users += num(h->web, "active_users");
	}
	free(sorted);
	doc = json_pack("{s:o, s:I, s:{s:I, s:I, s:I, s:f, s:o, s:o, s:f, s:I}}", "hosts", hosts,
			"now_ms", (json_int_t)now_ms, "totals", "hosts", (json_int_t)hs->n, "fresh",
			(json_int_t)(hs->n - stale), "stale", (json_int_t)stale, "requests_per_s",
			rps, "error_rate_pct", rps > 0 ? json_real(err_w / rps) : json_null(),
			"cpu_usage_pct_avg", ncpu ? json_real(cpu / (double)ncpu) : json_null(),
			"active_users", users, "alerts_firing", (json_int_t)alerts);
	if (doc && status)
		json_object_set(doc, "status", status);
	return doc;
}

json_t *fleet_routes_doc(const struct fleet_hosts *hs, size_t max)
{
	size_t cap = hs->n * FLEET_HOST_ROUTES, n = 0;
	json_t **all = malloc((cap ? cap : 1) * sizeof(*all)), *out = json_array();

	if (!all || !out) {
		free(all);
		json_decref(out);
		return NULL;
	}
	for (size_t i = 0; i < hs->n; i++) {
		json_t *r;
		size_t k;

		json_array_foreach(json_object_get(hs->h[i].web, "routes"), k, r) {
			json_t *c = json_copy(r);

			if (!c || n >= cap) {
				json_decref(c);
				continue;
			}
			json_object_set_new(c, "source", json_string(hs->h[i].source));
			all[n++] = c;
		}
	}
	qsort(all, n, sizeof(*all), route_cmp);
	for (size_t i = 0; i < n; i++) {
		if (i < max)
			json_array_append(out, all[i]);
		json_decref(all[i]);
	}
	free(all);
	return json_pack("{s:o}", "routes", out);
}

void fleet_hosts_prom(const struct fleet_hosts *hs, FILE *f, int64_t now_ms, int64_t stale_ms)
{
	static const struct {
		const char *name, *field, *help;
		bool web;
	} g[] = {
		{ "hostlens_fleet_host_cpu_usage_pct", "cpu_usage_pct",
		  "newest CPU use of the host", false },
		{ "hostlens_fleet_host_memory_used_pct", "memory_used_pct", "newest memory use",
		  false },
		{ "hostlens_fleet_host_requests_per_s", "requests_per_s",
		  "newest requests a second", true },
		{ "hostlens_fleet_host_response_time_p95_ms", "response_time_p95_ms",
		  "newest p95 latency", true },
		{ "hostlens_fleet_host_error_rate_pct", "error_rate_pct", "newest 5xx rate", true },
		{ "hostlens_fleet_host_active_users", "active_users", "newest distinct clients",
		  true },
	};
	struct prom w;
	struct prom_labels l;
	size_t stale = 0;

	prom_init(&w, f);
	for (size_t i = 0; i < hs->n; i++)
		stale += !hs->h[i].last_seen_ms || now_ms - hs->h[i].last_seen_ms > stale_ms;
	prom_family(&w, "hostlens_fleet_hosts", PROM_GAUGE, "hosts listed, by state");
	prom_labels_init(&l);
	prom_label(&l, "state", "fresh");
	prom_sample_uint(&w, "hostlens_fleet_hosts", &l, hs->n - stale);
	prom_labels_init(&l);
	prom_label(&l, "state", "stale");
	prom_sample_uint(&w, "hostlens_fleet_hosts", &l, stale);
	prom_family(&w, "hostlens_fleet_host_last_seen_age_seconds", PROM_GAUGE,
		    "seconds since the host was last seen");
	for (size_t i = 0; i < hs->n; i++) {
		if (!hs->h[i].last_seen_ms)
			continue;
		prom_labels_init(&l);
		prom_label(&l, "source", hs->h[i].source);
		prom_sample_double(&w, "hostlens_fleet_host_last_seen_age_seconds", &l,
				   (double)(now_ms - hs->h[i].last_seen_ms) / 1000.0);
	}
	for (size_t j = 0; j < sizeof(g) / sizeof(g[0]); j++) {
		prom_family(&w, g[j].name, PROM_GAUGE, "%s", g[j].help);
		for (size_t i = 0; i < hs->n; i++) {
			double v = num(g[j].web ? hs->h[i].web : hs->h[i].vm, g[j].field);

			if (isnan(v))
				continue;
			prom_labels_init(&l);
			prom_label(&l, "source", hs->h[i].source);
			prom_sample_double(&w, g[j].name, &l, v);
		}
	}
	prom_family(&w, "hostlens_fleet_host_alerts_firing", PROM_GAUGE,
		    "alerts firing on the host");
	for (size_t i = 0; i < hs->n; i++) {
		prom_labels_init(&l);
		prom_label(&l, "source", hs->h[i].source);
		prom_sample_uint(&w, "hostlens_fleet_host_alerts_firing", &l,
				 json_array_size(hs->h[i].alerts));
	}
}
