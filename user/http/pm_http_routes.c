// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The HTTP module's route table (pm_http_routes.h): rows per process,
 * direction, method and route in a bounded table (ROUTE_SLOTS, 128-slot
 * windows; a full window drops the request's route row and counts it), at
 * most http_max_routes per process (the rest fold into "other"). Prometheus
 * series are grouped per process name. Processor thread only.
 */
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "user/http/pm_http_bd.h"
#include "user/http/pm_http_routes.h"
#include "bpf/http/http.h"

/* the le bounds of hostlens_http_request_duration_seconds, in s */
static const double http_prom_le[HTTP_PROM_N_LE] = { 0.001, 0.005, 0.01, 0.025, 0.05, 0.1,
						     0.25,  0.5,   1,	 2.5,	5,    10 };

const struct table_type http_proc_routes_type = {
	.entry_size = sizeof(struct proc_routes),
	.key_offset = offsetof(struct proc_routes, tgid),
	.key_size = sizeof(uint32_t),
	.probe = 64,
	.hash = table_hash_id32,
};

static struct proc_routes *proc_get(struct http_priv *hp, uint32_t tgid)
{
	return table__insert(hp->procs, &tgid, NULL);
}

struct route_key {
	uint32_t tgid;
	uint8_t dir;
	const char *method, *route;
	uint32_t mr_hash; /* http_route_key_hash(method, route) */
};

uint32_t http_route_key_hash(const char *method, const char *route)
{
	return hash_bytes(hash_bytes(HASH_FNV_INIT, method, strlen(method)), route, strlen(route));
}

/* The strings' hash was taken once, when the head was parsed. */
static uint32_t route_hash(const void *key)
{
	const struct route_key *k = key;

	return (uint32_t)hash_mix64(((uint64_t)k->tgid << 33 | (uint64_t)k->dir << 32) ^
				    k->mr_hash);
}

static bool route_match(const void *entry, const void *key)
{
	const struct route_acc *r = entry;
	const struct route_key *k = key;

	return r->tgid == k->tgid && r->dir == k->dir && !strcmp(r->method, k->method) &&
	       !strcmp(r->route, k->route);
}

static void route_set_key(void *entry, const void *key)
{
	struct route_acc *r = entry;
	const struct route_key *k = key;

	r->tgid = k->tgid;
	r->dir = k->dir;
	snprintf(r->method, sizeof(r->method), "%s", k->method);
	snprintf(r->route, sizeof(r->route), "%s", k->route);
}

const struct table_type http_route_type = {
	.entry_size = sizeof(struct route_acc),
	.probe = 128,
	.hash = route_hash,
	.match = route_match,
	.set_key = route_set_key,
};

static struct route_acc *route_find(struct http_priv *hp, uint32_t tgid, uint8_t dir,
				    const char *method, const char *route, uint32_t mr_hash,
				    bool create)
{
	struct route_key k = {
		.tgid = tgid, .dir = dir, .method = method, .route = route, .mr_hash = mr_hash
	};

	return create ? table__insert(hp->routes, &k, NULL) : table__find(hp->routes, &k);
}

/* The route row for a request, folding past the per-process cap into "other". */
struct route_acc *http_route_get(struct http_priv *hp, uint32_t tgid, uint8_t dir,
				 const char *method, const char *route, uint32_t mr_hash)
{
	struct route_acc *r = route_find(hp, tgid, dir, method, route, mr_hash, false);
	struct proc_routes *p;

	if (r)
		return r;
	p = proc_get(hp, tgid);
	if (!p || p->n >= (uint32_t)hp->cfg->http_max_routes) {
		r = route_find(hp, tgid, dir, method, "other", http_route_key_hash(method, "other"),
			       true);
		if (!r)
			hp->routes_dropped++;
		return r;
	}
	r = route_find(hp, tgid, dir, method, route, mr_hash, true);
	if (r)
		p->n++;
	else
		hp->routes_dropped++;
	return r;
}

struct route_acc *http_route_of(struct http_priv *hp, struct http_interned *rq, uint32_t tgid,
				uint8_t dir)
{
	struct http_route_memo *m = rq->memo;
	struct route_acc *r;

	for (int i = 0; i < HTTP_ROUTE_MEMO; i++, m++)
		if (m->gen == hp->routes_gen && m->tgid == tgid && m->dir == dir)
			return m->r;
	r = http_route_get(hp, tgid, dir, rq->method, rq->route, rq->route_hash);
	if (r) /* a full table is tried again (and counted) next time */
		rq->memo[rq->memo_next++ % HTTP_ROUTE_MEMO] = (struct http_route_memo){
			.tgid = tgid, .gen = hp->routes_gen, .dir = dir, .r = r
		};
	return r;
}

const struct hist *http_route_all(struct http_priv *hp, const struct route_acc *r)
{
	return hist__whole(&r->before, &r->flush, &hp->route_merged);
}

void http_route_flush_reset(struct route_acc *r)
{
	hist__roll(&r->before, &r->flush);
	r->flush_errors = r->flush_errors4 = 0;
}

/* One request on route r: counts, status classes, latency histograms. */
void http_route_count(struct route_acc *r, uint16_t status, uint64_t latency_ns, int64_t ts_ms)
{
	double s = (double)latency_ns / 1e9;
	size_t le = 0;

	r->total++;
	r->tick_n++;
	r->tick_err5 += status >= 500;
	r->tick_err4 += status >= 400 && status < 500;
	r->tick_lat_ms += (double)latency_ns / 1e6;
	r->errors += status >= 500;
	r->flush_errors += status >= 500;
	r->flush_errors4 += status >= 400 && status < 500;
	r->client_errors += status >= 400 && status < 500;
	r->by_class[status / 100 < 6 ? status / 100 : 0]++;
	while (le < HTTP_PROM_N_LE && s > http_prom_le[le])
		le++;
	if (le < HTTP_PROM_N_LE) /* above the last bound: +Inf only (total) */
		r->prom_le[le]++;
	r->prom_sum_s += s;
	hist__add(&r->flush, (double)latency_ns / 1e6);
	r->last_ms = ts_ms;
}

int http_route_cmp_total(const void *a, const void *b)
{
	const struct route_acc *x = *(const struct route_acc *const *)a;
	const struct route_acc *y = *(const struct route_acc *const *)b;

	return x->total < y->total ? 1 : x->total > y->total ? -1 : 0;
}

int http_prom_groups(struct processor *p, struct route_acc **order, int n, int top,
		     struct http_prom_group *g)
{
	int ng = 0;

	if (top > PROM_TOP)
		top = PROM_TOP;
	for (int i = 0; i < n && i < top; i++) {
		struct route_acc *r = order[i];
		const char *comm = processor__comm(p, r->tgid);
		struct http_prom_group *x;
		uint64_t cum;
		int k;

		for (k = 0; k < ng; k++) {
			const struct route_acc *f = g[k].r[0];

			if (f->dir == r->dir && !strcmp(g[k].comm, comm) &&
			    !strcmp(f->method, r->method) && !strcmp(f->route, r->route))
				break;
		}
		x = &g[k];
		if (k == ng) { /* a new group */
			ng++;
			memset(x, 0, sizeof(*x));
			snprintf(x->comm, sizeof(x->comm), "%s", comm);
		}
		x->r[x->n++] = r; /* top <= PROM_TOP: there is room */
		for (int c = 0; c < 6; c++)
			x->by_class[c] += r->by_class[c];
		cum = 0;
		for (size_t b = 0; b < HTTP_PROM_N_LE; b++) {
			cum += r->prom_le[b];
			x->le[b] += cum; /* Prometheus buckets count everything <= le */
		}
		x->total += r->total;
		x->sum_s += r->prom_sum_s;
	}
	return ng;
}

/* A group's labels: process, direction (with_dir), method, route. */
void http_prom_group_labels(struct prom_labels *l, const struct http_prom_group *x, bool with_dir)
{
	prom_labels_init(l);
	prom_label(l, "process", x->comm);
	if (with_dir)
		prom_label(l, "direction", http_dir_name(x->r[0]->dir));
	prom_label(l, "method", x->r[0]->method);
	prom_label(l, "route", x->r[0]->route);
}

/* hostlens_http_requests_total per status class under l */
static void prom_by_class(struct prom *w, struct prom_labels *l, const uint64_t *by_class)
{
	static const char *const cls[6] = { "none", "1xx", "2xx", "3xx", "4xx", "5xx" };
	size_t mark = l->len;

	for (int c = 0; c < 6; c++) {
		if (!by_class[c])
			continue;
		prom_labels_cut(l, mark);
		prom_label(l, "status_class", cls[c]);
		prom_sample_uint(w, "hostlens_http_requests_total", l, by_class[c]);
	}
}

static void prom_write(struct processor *p, struct tick_ctx *t, struct route_acc **order, int n)
{
	/* the rest folded per direction: [dir][class] */
	uint64_t rest[3][6] = { { 0 } };
	struct http_prom_group g[PROM_TOP];
	int ng = http_prom_groups(p, order, n, PROM_TOP, g);
	char le_text[HTTP_PROM_N_LE][24];
	const char *le[HTTP_PROM_N_LE];
	struct prom_labels l;

	prom_family(
		t->prom, "hostlens_http_requests_total", PROM_COUNTER,
		"HTTP requests seen, per process name (top %d routes; the rest as route=\"other\").",
		PROM_TOP);
	for (int i = PROM_TOP; i < n; i++)
		for (int c = 0; c < 6; c++)
			rest[order[i]->dir][c] += order[i]->by_class[c];
	for (int i = 0; i < ng; i++) {
		http_prom_group_labels(&l, &g[i], true);
		prom_by_class(t->prom, &l, g[i].by_class);
	}
	for (int d = 1; d <= 2; d++) {
		prom_labels_init(&l);
		prom_label(&l, "process", "other");
		prom_label(&l, "direction", http_dir_name((uint8_t)d));
		prom_label(&l, "method", "other");
		prom_label(&l, "route", "other");
		prom_by_class(t->prom, &l, rest[d]);
	}

	prom_family(t->prom, "hostlens_http_request_duration_seconds", PROM_HISTOGRAM,
		    "HTTP request latency, per process name (top %d routes).", PROM_TOP);
	for (size_t k = 0; k < HTTP_PROM_N_LE; k++) {
		snprintf(le_text[k], sizeof(le_text[k]), "%g", http_prom_le[k]);
		le[k] = le_text[k];
	}
	for (int i = 0; i < ng; i++) {
		http_prom_group_labels(&l, &g[i], true);
		prom_histogram(t->prom, "hostlens_http_request_duration_seconds", &l, le, g[i].le,
			       HTTP_PROM_N_LE, g[i].total, g[i].sum_s);
	}
}

/* A served route's requests of this tick for the alert rules, by route
 * ("GET /api/orders") and by command. Errors only when there were some: an
 * absent counter reads 0, and a fan-out rule keeps its series for routes
 * that fail. */
static void route_metrics(struct processor *p, struct metrics *mx, const struct route_acc *r)
{
	const char *comm = processor__comm(p, r->tgid);
	const char *keys[2];
	enum metric_scope sc[2] = { SCOPE_ROUTE, SCOPE_PROCESS };
	char route[METRIC_KEY_MAX];

	snprintf(route, sizeof(route), "%s %s", r->method, r->route);
	keys[0] = route;
	keys[1] = comm;
	for (int i = 0; i < 2; i++) {
		if (!keys[i][0])
			continue;
		metrics__add(mx, METRIC_HTTP_REQUESTS, sc[i], keys[i], (double)r->tick_n);
		if (r->tick_err5)
			metrics__add(mx, METRIC_HTTP_ERRORS_5XX, sc[i], keys[i],
				     (double)r->tick_err5);
		if (r->tick_err4)
			metrics__add(mx, METRIC_HTTP_ERRORS_4XX, sc[i], keys[i],
				     (double)r->tick_err4);
		metrics__add_mean(mx, METRIC_HTTP_LATENCY_MS, sc[i], keys[i], r->tick_lat_ms,
				  (double)r->tick_n);
	}
}

/* A route idle ROUTE_GONE_MS whose process has exited (one kill(pid, 0) per
 * such route every ROUTE_GONE_MS). */
static bool route_process_gone(struct route_acc *r, int64_t now_ms)
{
	int64_t since = r->gone_check_ms > r->last_ms ? r->gone_check_ms : r->last_ms;

	if (now_ms - since < ROUTE_GONE_MS)
		return false;
	if (kill((pid_t)r->tgid, 0) < 0 && errno == ESRCH)
		return true;
	r->gone_check_ms = now_ms;
	return false;
}

/* Once a second: idle routes and those of exited processes leave, served
 * ones' requests go to the alert rules, then the "routes" topic and the
 * Prometheus rows. */
void http_routes_tick(struct http_priv *hp, struct processor *p, struct tick_ctx *t)
{
	struct route_acc **order = malloc(sizeof(*order) * (table__count(hp->routes) + 1));
	json_t *routes = json_array();
	int n = 0;

	for (struct route_acc *r = NULL; order && (r = table__next(hp->routes, r));) {
		if (!r->flush.count &&
		    (t->now_ms - r->last_ms > ROUTE_IDLE_MS || route_process_gone(r, t->now_ms))) {
			struct proc_routes *pr = table__find(hp->procs, &r->tgid);

			/* a process without routes leaves: under churn the
			 * table would fill with exited pids, and every new
			 * process's routes would go to "other" */
			if (!pr || !strcmp(r->route, "other"))
				; /* "other" is not one of the n */
			else if (pr->n > 1)
				pr->n--;
			else
				table__delete(hp->procs, pr);
			http_bd_put(hp, r);
			table__delete(hp->routes, r);
			hp->routes_gen++;
			continue;
		}
		if (r->dir == HL_HTTP_INBOUND && r->tick_n)
			route_metrics(p, t->metrics, r);
		r->last_tick_n = r->tick_n;
		r->tick_n = r->tick_err5 = r->tick_err4 = 0;
		r->tick_lat_ms = 0;
		order[n++] = r;
	}
	if (order)
		qsort(order, (size_t)n, sizeof(*order), http_route_cmp_total);
	for (int i = 0; i < n && i < ROUTES_TOP; i++) {
		struct route_acc *r = order[i];
		const struct hist *all = http_route_all(hp, r);

		json_array_append_new(
			routes,
			json_pack(
				"{s:i,s:s,s:s,s:s,s:s,s:I,s:f,s:I,s:f,s:I,s:f,s:f,s:f,s:f}", "pid",
				(int)r->tgid, "comm", processor__comm(p, r->tgid), "direction",
				http_dir_name(r->dir), "method", r->method, "route", r->route,
				"requests_total", (json_int_t)r->total, "requests_per_s",
				t->elapsed_s > 0 ? (double)r->last_tick_n / t->elapsed_s : 0.0,
				"errors_total", (json_int_t)r->errors, "error_rate_pct",
				r->total ? 100.0 * (double)r->errors / (double)r->total : 0.0,
				"client_errors_total", (json_int_t)r->client_errors,
				"latency_avg_ms", all->count ? all->sum / (double)all->count : 0.0,
				"latency_p50_ms", http_hist_q(all, 0.5), "latency_p95_ms",
				http_hist_q(all, 0.95), "latency_p99_ms", http_hist_q(all, 0.99)));
	}
	state__publish(t->st, "routes", routes);
	if (order)
		prom_write(p, t, order, n);
	free(order);
}
