// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* The HTTP module's webapp-metrics record (pm_http_flush.h): the served
 * application over the flush window and the busiest routes of both
 * directions. Processor thread only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "user/http/pm_http_bd.h"
#include "user/http/pm_http_clients.h"
#include "user/http/pm_http_flush.h"
#include "user/http/pm_http_routes.h"
#include "user/pipeline/rollup.h"
#include "bpf/http/http.h"

#define FLUSH_ROUTES_TOP 50 /* route rows per direction in a webapp-metrics record */

static int cmp_flush(const void *a, const void *b)
{
	const struct route_acc *x = *(const struct route_acc *const *)a;
	const struct route_acc *y = *(const struct route_acc *const *)b;

	return x->flush.count < y->flush.count ? 1 : x->flush.count > y->flush.count ? -1 : 0;
}

/* One routes[] row of a webapp-metrics record. */
static json_t *flush_route_json(struct http_priv *hp, struct processor *p, struct route_acc *r,
				double iv)
{
	json_t *e = json_pack("{s:i,s:s,s:s,s:s,s:s,s:I,s:f,s:I,s:I,s:f}", "pid", (int)r->tgid,
			      "comm", processor__comm(p, r->tgid), "direction",
			      http_dir_name(r->dir), "method", r->method, "route", r->route,
			      "requests_total", (json_int_t)r->flush.count, "requests_per_s",
			      (double)r->flush.count / iv, "errors_total",
			      (json_int_t)r->flush_errors, "client_errors_total",
			      (json_int_t)r->flush_errors4, "error_rate_pct",
			      100.0 * (double)r->flush_errors / (double)r->flush.count);

	hist__put_json(&r->flush, e, "latency", "ms");
	if (r->bd && hp->bd[r->bd - 1].flush_n) {
		struct bd_acc *b = &hp->bd[r->bd - 1];
		char key[48];

		for (int k = 0; k < BD_NPARTS; k++) {
			snprintf(key, sizeof(key), "%s_p50_ms", breakdown_part_name(k));
			json_object_set_new(e, key, json_real(http_hist_q(&b->flush[k], 0.5)));
			snprintf(key, sizeof(key), "%s_p99_ms", breakdown_part_name(k));
			json_object_set_new(e, key, json_real(http_hist_q(&b->flush[k], 0.99)));
		}
		json_object_set_new(e, "breakdown_requests_total",
				    json_integer((json_int_t)b->flush_n));
		json_object_set_new(
			e, "breakdown_approximate_pct",
			json_real(100.0 * (double)b->flush_approx / (double)b->flush_n));
	}
	return e;
}

/* The busiest routes of each direction since the last flush, served first. */
static json_t *flush_routes_json(struct http_priv *hp, struct processor *p, double iv)
{
	static const uint8_t dirs[] = { HL_HTTP_INBOUND, HL_HTTP_OUTBOUND };
	struct route_acc **order = malloc(sizeof(*order) * (table__count(hp->routes) + 1));
	json_t *routes = json_array();

	for (size_t d = 0; order && d < sizeof(dirs) / sizeof(dirs[0]); d++) {
		int n = 0;

		for (struct route_acc *r = NULL; (r = table__next(hp->routes, r));)
			if (r->dir == dirs[d] && r->flush.count)
				order[n++] = r;
		qsort(order, (size_t)n, sizeof(*order), cmp_flush);
		for (int i = 0; i < n && i < FLUSH_ROUTES_TOP; i++)
			json_array_append_new(routes, flush_route_json(hp, p, order[i], iv));
	}
	free(order);
	return routes;
}

/* Starts the next flush window of every route and of the served totals. */
static void flush_reset(struct http_priv *hp, int64_t ts_ms)
{
	for (struct route_acc *r = NULL; (r = table__next(hp->routes, r));) {
		if (!r->flush.count)
			continue;
		http_route_flush_reset(r);
		http_bd_flush_reset(hp, r);
	}
	memset(&hp->flush_h, 0, sizeof(hp->flush_h));
	hp->flush_n = hp->flush_err5 = hp->flush_err4 = 0;
	hp->flush_bytes_in = hp->flush_bytes_out = 0;
	memset(hp->flush_sources, 0, sizeof(hp->flush_sources));
	memset(hp->flush_ua, 0, sizeof(hp->flush_ua));
	hp->flush_start_ms = ts_ms;
}

/*
 * webapp-metrics: the served application (inbound requests) over the flush
 * window, and the route rows of both directions. A window without requests
 * has no latency: the response_time fields are null, not 0.
 */
void http_flush(struct pmod *m, struct flush_ctx *f)
{
	struct http_priv *hp = m->priv;
	json_t *rec = record_new("webapp-metrics", f->source, f->ts_ms);
	json_t *src = json_object(), *ua = json_object();
	double iv = f->interval_s > 0 ? f->interval_s : 1;
	double n = (double)hp->flush_n;

	for (int i = 0; i < TRAFFIC__N; i++)
		json_object_set_new(src, traffic_source_name((enum traffic_source)i),
				    json_integer((json_int_t)hp->flush_sources[i]));
	for (int i = 0; i < UA__N; i++)
		json_object_set_new(ua, traffic_ua_name((enum ua_class)i),
				    json_integer((json_int_t)hp->flush_ua[i]));
	json_object_set_new(rec, "window_s", json_real(f->interval_s));
	json_object_set_new(rec, "requests_total", json_integer((json_int_t)hp->flush_n));
	json_object_set_new(rec, "errors_total", json_integer((json_int_t)hp->flush_err5));
	json_object_set_new(rec, "client_errors_total", json_integer((json_int_t)hp->flush_err4));
	json_object_set_new(
		rec, "active_users",
		json_integer((json_int_t)http_clients_active(hp->clients, hp->flush_start_ms)));
	json_object_set_new(rec, "requests_per_s", json_real(n / iv));
	hist__put_json(&hp->flush_h, rec, "response_time", "ms");
	json_object_set_new(rec, "error_rate_pct",
			    json_real(hp->flush_n ? 100.0 * (double)hp->flush_err5 / n : 0));
	json_object_set_new(rec, "client_error_rate_pct",
			    json_real(hp->flush_n ? 100.0 * (double)hp->flush_err4 / n : 0));
	json_object_set_new(rec, "bytes_in", json_integer((json_int_t)hp->flush_bytes_in));
	json_object_set_new(rec, "bytes_out", json_integer((json_int_t)hp->flush_bytes_out));
	json_object_set_new(rec, "traffic_sources", src);
	json_object_set_new(rec, "user_agents", ua);
	json_object_set_new(rec, "routes", flush_routes_json(hp, m->p, iv));
	/* the rollup merges the window's latencies, not their percentiles */
	if (f->rollups && hist__count(&hp->flush_h))
		rollups__add_hist(f->rollups, "webapp-metrics", "response_time_ms", &hp->flush_h,
				  f->ts_ms);
	record_batch__add(f->batch, rec);
	flush_reset(hp, f->ts_ms);
}
