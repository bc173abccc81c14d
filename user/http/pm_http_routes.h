/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* The HTTP module's route table: one row per process, direction, method and
 * route, a per-process cap folding the rest into "other", the "routes" topic,
 * the routes' alert metrics and Prometheus rows (pm_http_routes.c). */
#ifndef HOSTLENS_PM_HTTP_ROUTES_H
#define HOSTLENS_PM_HTTP_ROUTES_H

#include "user/http/pm_http_priv.h"
#include "user/lib/prom.h"
#include "user/lib/utf8.h"

/* Table types of http_priv.routes (struct route_acc) and .procs (struct proc_routes). */
extern const struct table_type http_route_type, http_proc_routes_type;

/* The hash of a route row's strings, taken once per distinct request head. */
uint32_t http_route_key_hash(const char *method, const char *route);

/* The route row for a request (mr_hash: http_route_key_hash of method and
 * route), folding past the per-process cap into "other"; NULL when the
 * table is full (counted in routes_dropped). */
struct route_acc *http_route_get(struct http_priv *hp, uint32_t tgid, uint8_t dir,
				 const char *method, const char *route, uint32_t mr_hash);

/* http_route_get for a request of head rq, remembered in rq per process and
 * direction until a route row leaves the table (routes_gen). */
struct route_acc *http_route_of(struct http_priv *hp, struct http_interned *rq, uint32_t tgid,
				uint8_t dir);

/* Route r's latency histogram since start: before and flush merged, in
 * hp->route_merged until the next call (read once a tick, not per request). */
const struct hist *http_route_all(struct http_priv *hp, const struct route_acc *r);

/* A flush: route r's latencies since the last one join what came before. */
void http_route_flush_reset(struct route_acc *r);

/* One request on route r: counts, status classes, latency histograms. */
void http_route_count(struct route_acc *r, uint16_t status, uint64_t latency_ns, int64_t ts_ms);

/* Once a second: forgets idle routes, gives the served ones' requests to the
 * alert rules, publishes the "routes" topic and writes the Prometheus rows. */
void http_routes_tick(struct http_priv *hp, struct processor *p, struct tick_ctx *t);

/* qsort order of struct route_acc pointers: most requests first. */
int http_route_cmp_total(const void *a, const void *b);

/*
 * Prometheus series are per process name, not per pid: the workers of one
 * server (nginx's) serve the same routes, and two rows with the same labels
 * would make the whole scrape invalid. A group is the rows of one process
 * name, direction, method and route among the first `top` of order.
 */
struct http_prom_group {
	struct route_acc *r[PROM_TOP]; /* its rows (all within the top rows) */
	int n;
	char comm[UTF8_COMM_SIZE]; /* the process name, sanitized (processor__comm) */
	/* its rows summed */
	uint64_t by_class[6], le[HTTP_PROM_N_LE], total;
	double sum_s;
};

/* Groups the first top (<= PROM_TOP) rows of order into g; returns how many. */
int http_prom_groups(struct processor *p, struct route_acc **order, int n, int top,
		     struct http_prom_group *g);
/* A group's labels: process, direction (with_dir), method, route. */
void http_prom_group_labels(struct prom_labels *l, const struct http_prom_group *x, bool with_dir);

#endif
