// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The HTTP module's latency breakdown (pm_http_bd.h): the event's thread
 * counter deltas become parts (breakdown.c); per inbound route their p50/p99
 * from a fixed pool of part histograms (BD_ROUTES routes; more are counted
 * in bd_routes_full), the BD_SLOWEST slowest recent requests, the
 * "breakdown" topic and /metrics. Processor thread only.
 */
#include <stdio.h>
#include <stdlib.h>

#include "user/http/pm_http_bd.h"
#include "user/http/pm_http_routes.h"
#include "bpf/http/http.h"

/* The part histograms of inbound route r, taken from the pool on first use. */
static struct bd_acc *bd_get(struct http_priv *hp, struct route_acc *r)
{
	if (r->bd)
		return &hp->bd[r->bd - 1];
	for (uint16_t i = 0; i < BD_ROUTES; i++) {
		struct bd_acc *b = &hp->bd[i];

		if (b->used)
			continue;
		b->used = true;
		b->n = b->approx = b->flush_n = b->flush_approx = 0;
		for (int k = 0; k < BD_NPARTS; k++) {
			hist__reset(&b->before[k]);
			hist__reset(&b->flush[k]);
		}
		r->bd = i + 1;
		return b;
	}
	hp->bd_routes_full++;
	return NULL;
}

void http_bd_put(struct http_priv *hp, struct route_acc *r)
{
	if (r->bd)
		hp->bd[r->bd - 1].used = false;
	r->bd = 0;
}

void http_bd_flush_reset(struct http_priv *hp, struct route_acc *r)
{
	struct bd_acc *b;

	if (!r->bd || !hp->bd[r->bd - 1].flush_n)
		return;
	b = &hp->bd[r->bd - 1];
	for (int k = 0; k < BD_NPARTS; k++)
		hist__roll(&b->before[k], &b->flush[k]);
	b->flush_n = b->flush_approx = 0;
}

/* b's part histograms since start: before and flush merged, in
 * hp->bd_merged until the next call (read once a tick, not per request). */
static const struct hist *bd_all(struct http_priv *hp, const struct bd_acc *b)
{
	if (!b->flush_n)
		return b->before;
	for (int k = 0; k < BD_NPARTS; k++) {
		hp->bd_merged[k] = b->before[k];
		hist__merge(&hp->bd_merged[k], &b->flush[k]);
	}
	return hp->bd_merged;
}

bool http_bd_count(struct http_priv *hp, struct route_acc *r, const struct ev_http *e,
		   struct breakdown *bd)
{
	struct bd_input in = {
		.latency_ns = e->latency_ns,
		.oncpu_ns = (uint64_t)e->bd_oncpu << HL_BD_SHIFT,
		.runq_ns = (uint64_t)e->bd_runq << HL_BD_SHIFT,
		.io_ns = (uint64_t)e->bd_io << HL_BD_SHIFT,
		.other_ns = (uint64_t)e->bd_other << HL_BD_SHIFT,
		.downstream_ns = (uint64_t)e->bd_downstream << HL_BD_SHIFT,
		.flags = e->bd_flags,
	};
	struct bd_acc *b;

	if (e->direction != HL_HTTP_INBOUND || breakdown_compute(&in, bd) != 0)
		return false;
	b = r ? bd_get(hp, r) : NULL;
	hp->bd_total++;
	hp->bd_approx_total += bd->approx != BD_EXACT;
	if (b) {
		b->n++;
		b->flush_n++;
		b->approx += bd->approx != BD_EXACT;
		b->flush_approx += bd->approx != BD_EXACT;
		for (int k = 0; k < BD_NPARTS; k++)
			hist__add(&b->flush[k], bd->ms[k]);
	}
	return true;
}

/* The latency a request must beat to enter the full slowest list, and until
 * when that holds (the oldest entry's end of window): most requests are
 * turned away by two compares instead of a walk over the list. */
static void slowest_bounds(struct http_priv *hp)
{
	double floor = hp->slowest[0].latency_ms;
	int64_t oldest = hp->slowest[0].ts_ms;

	for (uint32_t i = 1; i < hp->slowest_n; i++) {
		if (hp->slowest[i].latency_ms < floor)
			floor = hp->slowest[i].latency_ms;
		if (hp->slowest[i].ts_ms < oldest)
			oldest = hp->slowest[i].ts_ms;
	}
	hp->slowest_floor_ms = floor;
	hp->slowest_until_ms = oldest + BD_SLOW_WINDOW_MS;
}

/* Keeps the BD_SLOWEST slowest requests of the last BD_SLOW_WINDOW_MS. */
void http_bd_slowest_offer(struct http_priv *hp, const struct req_rec *rec, int64_t now_ms)
{
	struct req_rec *victim = NULL;

	if (hp->slowest_n < BD_SLOWEST) {
		hp->slowest[hp->slowest_n++] = *rec;
		if (hp->slowest_n == BD_SLOWEST)
			slowest_bounds(hp);
		return;
	}
	if (rec->latency_ms <= hp->slowest_floor_ms && now_ms <= hp->slowest_until_ms)
		return; /* no entry is older than the window, none is faster */
	for (uint32_t i = 0; i < hp->slowest_n; i++) {
		struct req_rec *s = &hp->slowest[i];

		if (now_ms - s->ts_ms > BD_SLOW_WINDOW_MS) {
			victim = s; /* too old to be "recent" */
			break;
		}
		if (!victim || s->latency_ms < victim->latency_ms)
			victim = s;
	}
	if (now_ms - victim->ts_ms > BD_SLOW_WINDOW_MS || victim->latency_ms < rec->latency_ms)
		*victim = *rec;
	slowest_bounds(hp);
}

/* A request's parts in ms, its block I/O bytes, thread, and the approximate mark. */
json_t *http_bd_req_json(const struct req_rec *r)
{
	const char *why = breakdown_approx_reason(r->bd.approx);
	json_t *o;

	if (!r->has_bd)
		return json_null();
	o = json_pack("{s:f,s:f,s:f,s:f,s:f,s:f,s:I,s:i,s:b,s:s}", "cpu_ms", r->bd.ms[BD_CPU],
		      "runq_ms", r->bd.ms[BD_RUNQ], "io_ms", r->bd.ms[BD_IO], "downstream_ms",
		      r->bd.ms[BD_DOWNSTREAM], "other_ms", r->bd.ms[BD_OTHER], "unattributed_ms",
		      r->bd.ms[BD_UNATTRIBUTED], "io_bytes", (json_int_t)r->io_bytes, "tid",
		      (int)r->tid, "approximate", r->bd.approx != BD_EXACT, "reason",
		      why ? why : "");
	return o ? o : json_null();
}

/* {cpu_ms, runq_ms, ...} at quantile q of a route's part histograms */
static json_t *bd_parts_json(const struct hist *parts, double q)
{
	json_t *o = json_object();
	char key[32];

	for (int k = 0; k < BD_NPARTS; k++) {
		snprintf(key, sizeof(key), "%s_ms", breakdown_part_name(k));
		json_object_set_new(o, key, json_real(http_hist_q(&parts[k], q)));
	}
	return o;
}

static int cmp_slow(const void *a, const void *b)
{
	const struct req_rec *x = *(const struct req_rec *const *)a;
	const struct req_rec *y = *(const struct req_rec *const *)b;

	return x->latency_ms < y->latency_ms ? 1 : x->latency_ms > y->latency_ms ? -1 : 0;
}

/* hostlens_http_request_part_seconds: each part's p50, p99, sum and count per
 * process name, method and route, over the first BD_PROM_TOP of order. */
static void bd_prom(struct http_priv *hp, struct processor *p, struct prom *w,
		    struct route_acc **order, int n)
{
	static const char *const q[] = { "0.5", "0.99" };
	struct http_prom_group g[BD_PROM_TOP];
	struct hist *merged = NULL;
	struct prom_labels l;
	int ng;

	prom_family(
		w, "hostlens_http_request_part_seconds", PROM_SUMMARY,
		"Where served requests' time went (cpu, runq, io, downstream, other, unattributed), per process name and route (top %d).",
		BD_PROM_TOP);
	ng = http_prom_groups(p, order, n, BD_PROM_TOP, g);
	for (int i = 0; i < ng; i++) {
		const struct http_prom_group *x = &g[i];
		const struct hist *parts = bd_all(hp, &hp->bd[x->r[0]->bd - 1]);
		uint64_t cnt = 0;
		size_t mark;

		for (int j = 0; j < x->n; j++)
			cnt += hp->bd[x->r[j]->bd - 1].n;
		/* several pids: their histograms merged */
		if (x->n > 1 && (merged || (merged = malloc(BD_NPARTS * sizeof(*merged))))) {
			for (int k = 0; k < BD_NPARTS; k++) {
				hist__reset(&merged[k]);
				for (int j = 0; j < x->n; j++) {
					const struct bd_acc *b = &hp->bd[x->r[j]->bd - 1];

					hist__merge(&merged[k], &b->before[k]);
					hist__merge(&merged[k], &b->flush[k]);
				}
			}
			parts = merged;
		}
		http_prom_group_labels(&l, x, false);
		mark = l.len;
		for (int k = 0; k < BD_NPARTS; k++) {
			const double v[] = { http_hist_q(&parts[k], 0.5) / 1e3,
					     http_hist_q(&parts[k], 0.99) / 1e3 };

			prom_labels_cut(&l, mark);
			prom_label(&l, "part", breakdown_part_name(k));
			prom_summary(w, "hostlens_http_request_part_seconds", &l, q, v, 2, cnt,
				     parts[k].sum / 1e3);
		}
	}
	free(merged);
}

/* The "breakdown" topic (docs/topics.md) and its Prometheus summary. */
void http_bd_publish(struct http_priv *hp, struct processor *p, struct tick_ctx *t)
{
	struct route_acc *order[BD_ROUTES];
	const struct req_rec *slow[BD_SLOWEST];
	json_t *routes = json_array(), *slowest = json_array(), *top;
	int n = 0, ns = 0;

	for (struct route_acc *r = NULL; n < BD_ROUTES && (r = table__next(hp->routes, r));)
		if (r->bd && hp->bd[r->bd - 1].n)
			order[n++] = r;
	qsort(order, (size_t)n, sizeof(order[0]), http_route_cmp_total);
	for (int i = 0; i < n; i++) {
		struct route_acc *r = order[i];
		struct bd_acc *b = &hp->bd[r->bd - 1];
		const struct hist *all = bd_all(hp, b), *lat = http_route_all(hp, r);

		json_array_append_new(
			routes,
			json_pack("{s:i,s:s,s:s,s:s,s:I,s:f,s:f,s:f,s:o,s:o}", "pid", (int)r->tgid,
				  "comm", processor__comm(p, r->tgid), "method", r->method, "route",
				  r->route, "requests_total", (json_int_t)b->n, "approximate_pct",
				  100.0 * (double)b->approx / (double)b->n, "latency_p50_ms",
				  http_hist_q(lat, 0.5), "latency_p99_ms", http_hist_q(lat, 0.99),
				  "p50", bd_parts_json(all, 0.5), "p99", bd_parts_json(all, 0.99)));
	}
	for (uint32_t i = 0; i < hp->slowest_n; i++)
		if (t->now_ms - hp->slowest[i].ts_ms <= BD_SLOW_WINDOW_MS)
			slow[ns++] = &hp->slowest[i];
	qsort(slow, (size_t)ns, sizeof(slow[0]), cmp_slow);
	for (int i = 0; i < ns; i++) {
		const struct req_rec *r = slow[i];

		json_array_append_new(
			slowest, json_pack("{s:I,s:i,s:s,s:s,s:s,s:s,s:i,s:f,s:o}", "ts",
					   (json_int_t)r->ts_ms, "pid", (int)r->tgid, "comm",
					   r->comm, "method", r->method, "path", r->path, "route",
					   r->route, "status", r->status, "latency_ms",
					   r->latency_ms, "breakdown", http_bd_req_json(r)));
	}
	top = json_pack("{s:b,s:I,s:I,s:I,s:o,s:o}", "enabled",
			hp->cfg->http_breakdown && config_signal_on(hp->cfg, "cpu"),
			"requests_total", (json_int_t)hp->bd_total, "approximate_total",
			(json_int_t)hp->bd_approx_total, "routes_dropped_total",
			(json_int_t)hp->bd_routes_full, "routes", routes, "slowest", slowest);
	state__publish(t->st, "breakdown", top);

	bd_prom(hp, p, t->prom, order, n);
}
