// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Processor module for the HTTP signal: turns ev_http events (one per
 * completed request, paired in BPF) into the live request feed ("requests"),
 * RED metrics per process + route + direction ("routes"), summary fields and
 * series, Prometheus lines, and a webapp-metrics record each flush.
 * This file: event intake, the tick, the ops. Its parts: pm_http_routes.c
 * (route table, Prometheus rows), pm_http_bd.c (latency breakdown),
 * pm_http_clients.c (active users), pm_http_flush.c (records); the state
 * they share is pm_http_priv.h.
 * Also owns the OpenSSL uprobe attacher (rescans /proc every 2 ticks) and
 * the filter control (http_ctl.c). Processor thread only; the filter
 * control has its own lock for the web thread.
 *
 * Per event: parse the captured head, template the route, one hash lookup,
 * histogram add, copy into a ring: no JSON, no allocation. JSON is built once
 * a second in tick().
 *
 * Latency breakdown (served requests): the event's thread counter deltas
 * become parts (breakdown.c); per route their p50/p99 (a fixed pool of
 * part histograms, BD_ROUTES routes), the 20 slowest recent requests, the
 * "breakdown" topic, the requests feed, webapp-metrics and /metrics.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "user/lib/counters.h"
#include "user/http/http_tls.h"
#include "user/runtime/log.h"
#include "user/http/pm_http_bd.h"
#include "user/http/pm_http_clients.h"
#include "user/http/pm_http_flush.h"
#include "user/http/pm_http_priv.h"
#include "user/http/pm_http_routes.h"
#include "user/http/redact.h"
#include "user/sock/sock_shared.h"
#include "bpf/http/http.h"

static void peer_str(const struct req_rec *r, char *out, size_t len)
{
	char a[INET6_ADDRSTRLEN] = "";

	if (r->family == 2)
		inet_ntop(AF_INET, r->peer_addr, a, sizeof(a));
	else if (r->family == 10)
		inet_ntop(AF_INET6, r->peer_addr, a, sizeof(a));
	if (!a[0])
		out[0] = '\0';
	else if (r->family == 10)
		snprintf(out, len, "[%s]:%u", a, r->peer_port);
	else
		snprintf(out, len, "%s:%u", a, r->peer_port);
}

static struct win_slot *win_get(struct http_priv *hp, int64_t now_ms)
{
	int64_t sec = now_ms / 1000;
	struct win_slot *w = &hp->win[sec % WIN_S];

	if (w->sec != sec) {
		memset(w, 0, sizeof(*w));
		w->sec = sec;
	}
	return w;
}

static int http_init(struct pmod *m)
{
	struct http_priv *hp = m->priv;
	struct loader *ld = processor__loader(m->p);

	/* no loader (unit tests): request events only, no map, filter or uprobe */
	if (ld && !loader__signal_on(ld, "http"))
		return -ENOENT;
	hp->cfg = processor__cfg(m->p);
	hp->ncpu = libbpf_num_possible_cpus();
	hp->skel = loader__skel(ld, "http");
	hp->stats_fd = hp->skel ? bpf_map__fd(hp->skel->maps.http_stats) : -ENOENT;
	hp->pending_fd = hp->skel ? bpf_map__fd(hp->skel->maps.http_pending) : -ENOENT;
	/* its slots x CPUs, read in one batch every IDLE_SCAN_MS (pending_old) */
	if (hp->pending_fd >= 0 && hp->ncpu > 0)
		hp->pending_vals = calloc((size_t)HL_HTTP_PENDING_SLOTS * (size_t)hp->ncpu,
					  sizeof(*hp->pending_vals));
	/* up to ~12 MiB (two histograms a row): resident as rows are live */
	hp->routes = table__new(&http_route_type, ROUTE_SLOTS);
	hp->routes_gen = 1; /* a zeroed memo is not valid */
	hp->procs = table__new(&http_proc_routes_type, PROC_SLOTS);
	hp->clients = table__new(&http_client_type, CLIENT_SLOTS);
	hp->bd = calloc(BD_ROUTES, sizeof(*hp->bd)); /* pages touched only when used */
	if (!hp->routes || !hp->procs || !hp->clients || !hp->bd) {
		table__free(hp->routes);
		table__free(hp->procs);
		table__free(hp->clients);
		free(hp->bd);
		return -ENOMEM;
	}
	hp->redact = redact__new(hp->cfg);
	hp->intern = http_intern__new(INTERN_SLOTS);
	if (!hp->redact || !hp->intern)
		return -ENOMEM;
	hp->flush_start_ms = record_now_ms();
	if (ld) /* the process filter and the OpenSSL uprobes, shared with db */
		sock_shared__get(hp->skel, processor__state(m->p), hp->cfg);
	hp->shared = ld != NULL;
	return 0;
}

static void http_destroy(struct pmod *m)
{
	struct http_priv *hp = m->priv;

	if (hp->shared)
		sock_shared__put();
	free(hp->pending_vals);
	redact__free(hp->redact);
	http_intern__free(hp->intern);
	table__free(hp->routes);
	table__free(hp->procs);
	table__free(hp->clients);
	free(hp->bd);
}

/* What a request head gives, the first time these bytes are seen. */
static void head_parse(const struct http_priv *hp, const char *head, size_t len,
		       struct http_interned *iv)
{
	struct http_request rq;

	if (http_parse_request(head, len, hp->cfg->http_keep_query, &rq))
		return; /* iv->ok stays false: counted as unparsed */
	iv->ok = true;
	memcpy(iv->method, rq.method, sizeof(iv->method));
	/* minimize first (userinfo, ;params, configured segments), then fold ids */
	if (redact__path(hp->redact, rq.path, strlen(rq.path), iv->path, sizeof(iv->path)) < 0)
		snprintf(iv->path, sizeof(iv->path), "/");
	http_route_template(iv->path, iv->route, sizeof(iv->route));
	iv->route_hash = http_route_key_hash(iv->method, iv->route);
	iv->ua = (uint8_t)rq.ua;
	iv->source =
		(uint8_t)traffic_classify(rq.referer, strlen(rq.referer), rq.host, strlen(rq.host));
}

/* The next slot of the live request feed. */
static struct req_rec *recent_next(struct http_priv *hp)
{
	struct req_rec *rec = &hp->recent[hp->recent_head];

	hp->recent_head = (hp->recent_head + 1) % RECENT_MAX;
	if (hp->recent_new < RECENT_MAX)
		hp->recent_new++;
	if (hp->recent_n < RECENT_MAX)
		hp->recent_n++;
	return rec;
}

/* src into dst, both arrays of size bytes (a multiple of 16), up to src's
 * end in 16-byte moves: the strings are short, their arrays are not (a
 * whole-array copy per request touched ~9 cache lines; a copy of exactly
 * their length became `rep movs`, slower still for a few bytes) */
static void str_put(char *dst, const char *src, size_t size)
{
	size_t n = strnlen(src, size - 1);

	for (size_t i = 0; i <= n; i += 16)
		memcpy(dst + i, src + i, 16);
	dst[n] = '\0';
}

_Static_assert(HTTP_METHOD_MAX % 16 == 0 && HTTP_PATH_MAX % 16 == 0 && HTTP_ROUTE_MAX % 16 == 0,
	       "str_put copies 16 bytes at a time");

/* A request into the live feed (formatted at tick time, not here). */
static void recent_fill(struct req_rec *rec, const char *comm, const struct event_hdr *h,
			const struct ev_http *e, const struct http_interned *rq,
			const struct route_acc *r, uint16_t status, int64_t ts_ms)
{
	size_t n = strnlen(comm, sizeof(rec->comm) - 1);

	rec->ts_ms = ts_ms;
	rec->tgid = h->tgid;
	memcpy(rec->comm, comm, n);
	rec->comm[n] = '\0';
	rec->dir = e->direction;
	rec->tls = e->tls;
	rec->status = status;
	rec->latency_ms = (double)e->latency_ns / 1e6;
	rec->bytes_in = e->bytes_in;
	rec->bytes_out = e->bytes_out;
	rec->end_by = e->end_by;
	str_put(rec->method, rq->method, sizeof(rec->method));
	str_put(rec->path, rq->path, sizeof(rec->path));
	str_put(rec->route, r ? r->route : rq->route, sizeof(rec->route));
	memcpy(rec->peer_addr, e->peer_addr, sizeof(rec->peer_addr));
	rec->peer_port = e->peer_port;
	rec->family = e->family;
	rec->ua = rq->ua;
	rec->tid = e->bd_tid ? e->bd_tid : h->pid;
	rec->io_bytes = e->bd_io_bytes;
}

/* An inbound request: the served application's summary, active users and
 * webapp-metrics. */
static void served_count(struct http_priv *hp, struct processor *p, const struct event_hdr *h,
			 const struct ev_http *e, const struct http_interned *rq, uint16_t status)
{
	struct win_slot *w;

	hp->inbound_total++;
	hp->tick_inbound++;
	hp->tick_err5 += status >= 500;
	hp->tick_err4 += status >= 400 && status < 500;
	hp->tick_lat_ms += (double)e->latency_ns / 1e6;
	w = win_get(hp, processor__mono_to_ms(p, h->ts_ns));
	w->n++;
	w->err5 += status >= 500;
	w->err4 += status >= 400 && status < 500;
	hist__add2(&w->h, &hp->flush_h, (double)e->latency_ns / 1e6);
	hp->flush_n++;
	hp->flush_err5 += status >= 500;
	hp->flush_err4 += status >= 400 && status < 500;
	hp->flush_bytes_in += e->bytes_in;
	hp->flush_bytes_out += e->bytes_out;
	hp->flush_sources[rq->source < TRAFFIC__N ? rq->source : TRAFFIC_DIRECT]++;
	hp->flush_ua[rq->ua < UA__N ? rq->ua : UA_UNKNOWN]++;
	if (e->family)
		http_clients_touch(hp->clients, e, processor__mono_to_ms(p, h->ts_ns));
}

/* A request head's bytes (sent once per CPU by BPF): parsed if new. */
static void head_event(struct http_priv *hp, const void *data, uint32_t len)
{
	const struct ev_http_head *hd = data;
	struct http_interned *iv;
	bool fresh;

	if (len < sizeof(*hd) || hd->len > sizeof(hd->head)) {
		hp->bad_events++;
		return;
	}
	iv = http_intern__put(hp->intern, hd->head_hash, &fresh);
	if (fresh)
		head_parse(hp, hd->head, hd->len, iv);
}

/* A traced process's name: short-lived clients are gone from /proc by the
 * time the processor would look. It replaces what the processor held for
 * the pid: BPF names a process again once a process of that pid exited
 * (http_exit), so a reused pid does not keep the old name. */
static void proc_event(struct processor *p, const struct event_hdr *h, const void *data,
		       uint32_t len)
{
	const struct ev_http_proc *pr = data;
	char comm[HL_COMM_LEN + 1];

	if (len < sizeof(*pr) || !pr->comm[0])
		return;
	memcpy(comm, pr->comm, HL_COMM_LEN);
	comm[HL_COMM_LEN] = '\0';
	processor__set_comm(p, h->tgid, comm);
}

/* A request named a head this table no longer holds (evicted by a flood of
 * others): the request is lost (counted as a head cache miss) and BPF is
 * told to send the head again: out of its per-CPU set, and every
 * connection's own record of having sent it (heads_gen). */
static void head_forget(struct http_priv *hp, uint64_t hash)
{
	if (!hp->skel)
		return; /* unit tests */
	bpf_map_delete_elem(bpf_map__fd(hp->skel->maps.http_heads), &hash);
	hp->skel->bss->heads_gen++;
}

static void http_on_event(struct pmod *m, const struct event_hdr *h, const void *data, uint32_t len)
{
	struct http_priv *hp = m->priv;
	const struct ev_http *e = data;
	struct http_interned *rq;
	struct req_rec *rec;
	struct route_acc *r;
	struct breakdown bd = { 0 };
	bool has_bd;
	uint16_t status;
	int64_t ts_ms;

	if (h->type == HL_EV_HTTP_HEAD) {
		head_event(hp, data, len);
		return;
	}
	if (h->type == HL_EV_HTTP_PROC) {
		proc_event(m->p, h, data, len);
		return;
	}
	if (h->type != HL_EV_HTTP_REQ || len < sizeof(*e)) {
		hp->bad_events++;
		return;
	}
	rq = http_intern__get(hp->intern, e->head_hash);
	if (!rq) {
		head_forget(hp, e->head_hash); /* evicted here: BPF sends it again */
		return;
	}
	if (!rq->ok) {
		hp->unparsed_total++;
		return;
	}
	status = e->status < 100 || e->status > 599 ? 0 : e->status;
	ts_ms = processor__mono_to_ms(m->p, e->start_ns);
	hp->requests_total++;
	hp->tls_total += e->tls;

	r = http_route_of(hp, rq, h->tgid, e->direction);
	if (r)
		http_route_count(r, status, e->latency_ns, ts_ms);
	has_bd = http_bd_count(hp, r, e, &bd);

	rec = recent_next(hp);
	recent_fill(rec, processor__comm(m->p, h->tgid), h, e, rq, r, status, ts_ms);
	rec->has_bd = has_bd;
	rec->bd = bd;
	if (has_bd)
		http_bd_slowest_offer(hp, rec, ts_ms);

	if (e->direction != HL_HTTP_INBOUND) {
		hp->outbound_total++;
		return;
	}
	/* the served application: summary, active users, webapp-metrics */
	served_count(hp, m->p, h, e, rq, status);
}

static void read_bpf_stats(struct http_priv *hp)
{
	uint64_t vals[HL_MAX_CPUS];

	if (hp->stats_fd < 0)
		return;
	for (__u32 k = 0; k < HL_HTTP_ST_MAX; k++) {
		uint64_t sum = 0;

		if (bpf_map_lookup_elem(hp->stats_fd, &k, vals))
			continue;
		for (int i = 0; i < hp->ncpu; i++)
			sum += vals[i];
		hp->bpf_stats[k] = sum;
	}
}

static const char *end_name(uint8_t e)
{
	static const char *const names[] = { "?",    "length", "chunked", "nobody",
					     "next", "close",  "idle" };

	return e < sizeof(names) / sizeof(names[0]) ? names[e] : "?";
}

/* The newest `last` requests of the feed, oldest first. */
static json_t *recent_json(struct http_priv *hp, struct processor *p, uint32_t last)
{
	json_t *a = json_array();

	if (last > hp->recent_n)
		last = hp->recent_n;
	for (uint32_t i = hp->recent_n - last; i < hp->recent_n; i++) {
		uint32_t idx = (hp->recent_head + RECENT_MAX - hp->recent_n + i) % RECENT_MAX;
		const struct req_rec *r = &hp->recent[idx];
		char peer[64];

		peer_str(r, peer, sizeof(peer));
		json_array_append_new(
			a,
			json_pack(
				"{s:I,s:i,s:s,s:s,s:b,s:s,s:s,s:s,s:i,s:f,s:I,s:I,s:s,s:s,s:s,s:o}",
				"ts", (json_int_t)r->ts_ms, "pid", (int)r->tgid, "comm", r->comm,
				"direction", http_dir_name(r->dir), "tls", r->tls, "method",
				r->method, "path", r->path, "route", r->route, "status", r->status,
				"latency_ms", r->latency_ms, "bytes_in", (json_int_t)r->bytes_in,
				"bytes_out", (json_int_t)r->bytes_out, "peer", peer, "user_agent",
				traffic_ua_name((enum ua_class)r->ua), "end", end_name(r->end_by),
				"breakdown", http_bd_req_json(r)));
	}
	return a;
}

/* The feed's topic and, in the live update, only what came since the last
 * one: each request rendered once, and nothing on a tick without new ones
 * (the topic stays as it was published). */
static void recent_publish(struct http_priv *hp, struct processor *p, struct tick_ctx *t)
{
	json_t *upd = json_array();

	if (hp->recent_new || !hp->recent_published) {
		json_t *all = recent_json(hp, p, RECENT_MAX);
		size_t n = json_array_size(all);

		for (size_t i = n - (hp->recent_new < n ? hp->recent_new : n); i < n; i++)
			json_array_append(upd, json_array_get(all, i));
		state__publish(t->st, "requests", all);
		hp->recent_published = true;
	}
	json_object_set_new(t->update, "requests", upd);
	hp->recent_new = 0;
}

/* The module's own counters: the "http" topic's, and /metrics' where named. */
#define HP struct http_priv
#define UNSUPPORTED(k, i, reason)                                                             \
	{                                                                                     \
		.key = (k), .name = "hostlens_http_unsupported_total", .type = PROM_COUNTER,  \
		.help = "Connections given up: pipelined requests or HTTP/2.",                \
		.off = offsetof(HP, bpf_stats[i]), .label = "reason", .label_value = (reason) \
	}
/* request heads parsed once (http_intern.h): hits, misses, evictions */
#define HEAD_CACHE(k, res, field)                                                                       \
	{                                                                                               \
		.key = "head_cache." k, .name = "hostlens_http_head_cache_total",                       \
		.type = PROM_COUNTER, .kind = COUNTER_UINT, .label = "result", .label_value = res,      \
		.help = "Request heads: received once from BPF (head) and parsed; requests that found " \
			"theirs (hit) or not (miss: evicted, the request is lost); heads evicted.",     \
		.off = offsetof(struct http_priv, head_cache.field)                                     \
	}
static const struct counter_row http_rows[] = {
	COUNTER_ROW_UINT("requests_total", NULL, 0, NULL, HP, requests_total),
	COUNTER_ROW_UINT("inbound_total", NULL, 0, NULL, HP, inbound_total),
	COUNTER_ROW_UINT("outbound_total", NULL, 0, NULL, HP, outbound_total),
	COUNTER_ROW_UINT("tls_total", NULL, 0, NULL, HP, tls_total),
	COUNTER_ROW_UINT("unparsed_total", "hostlens_http_unparsed_total", PROM_COUNTER,
			 "Requests whose captured head was not a valid HTTP/1.x request line.", HP,
			 unparsed_total),
	COUNTER_ROW_UINT("bpf_requests_total", NULL, 0, NULL, HP, bpf_stats[HL_HTTP_ST_REQUESTS]),
	UNSUPPORTED("pipelined_total", HL_HTTP_ST_PIPELINED, "pipelining"),
	UNSUPPORTED("http2_total", HL_HTTP_ST_HTTP2, "http2"),
	COUNTER_ROW_UINT("orphan_responses_total", NULL, 0, NULL, HP,
			 bpf_stats[HL_HTTP_ST_ORPHAN_RESP]),
	COUNTER_ROW_UINT("incomplete_total", NULL, 0, NULL, HP, bpf_stats[HL_HTTP_ST_INCOMPLETE]),
	COUNTER_ROW_UINT("not_http_sockets_total", NULL, 0, NULL, HP,
			 bpf_stats[HL_HTTP_ST_NOT_HTTP]),
	COUNTER_ROW_UINT("connections_total", NULL, 0, NULL, HP, bpf_stats[HL_HTTP_ST_CONNS]),
	COUNTER_ROW_UINT("routes_dropped_total", NULL, 0, NULL, HP, routes_dropped),
	COUNTER_ROW_UINT("idle_walks_total", "hostlens_http_idle_walks_total", PROM_COUNTER,
			 "Walks of the host's TCP sockets to end responses that went idle.", HP,
			 idle_walks),
	HEAD_CACHE("heads_total", "head", heads),
	HEAD_CACHE("hits_total", "hit", hits),
	HEAD_CACHE("misses_total", "miss", misses),
	HEAD_CACHE("evictions_total", "evicted", evictions),
	COUNTER_ROW_UINT("bad_events_total", "hostlens_http_bad_events_total", PROM_COUNTER,
			 "HTTP events dropped for failing validation (size, head length).", HP,
			 bad_events),
};
#undef HEAD_CACHE
#undef UNSUPPORTED
#undef HP

static void http_tick(struct pmod *m, struct tick_ctx *t)
{
	struct http_priv *hp = m->priv;
	struct hist win = { 0 };
	uint64_t wn = 0, we5 = 0;
	double rps, p95, err_pct, avg_ms;
	json_t *http;

	hp->ticks++;
	/* TLS: new processes with a libssl we have not attached yet */
	if (hp->shared)
		sock_shared__tick(t->now_ns);
	read_bpf_stats(hp);

	http_routes_tick(hp, m->p, t);
	recent_publish(hp, m->p, t);
	http_bd_publish(hp, m->p, t);

	/* summary: inbound requests over the last WIN_S seconds */
	for (int i = 0; i < WIN_S; i++) {
		const struct win_slot *w = &hp->win[i];

		if (w->sec > t->now_ms / 1000 - WIN_S && w->sec <= t->now_ms / 1000) {
			wn += w->n;
			we5 += w->err5;
			hist__merge(&win, &w->h);
		}
	}
	rps = t->elapsed_s > 0 ? (double)hp->tick_inbound / t->elapsed_s : 0;
	/* counters every tick, 0 too: the signal is reporting */
	metrics__add(t->metrics, METRIC_HTTP_REQUESTS, SCOPE_NONE, NULL, (double)hp->tick_inbound);
	metrics__add(t->metrics, METRIC_HTTP_ERRORS_5XX, SCOPE_NONE, NULL, (double)hp->tick_err5);
	metrics__add(t->metrics, METRIC_HTTP_ERRORS_4XX, SCOPE_NONE, NULL, (double)hp->tick_err4);
	metrics__add_mean(t->metrics, METRIC_HTTP_LATENCY_MS, SCOPE_NONE, NULL, hp->tick_lat_ms,
			  (double)hp->tick_inbound);
	hp->tick_inbound = hp->tick_err5 = hp->tick_err4 = 0;
	hp->tick_lat_ms = 0;
	p95 = http_hist_q(&win, 0.95);
	err_pct = wn ? 100.0 * (double)we5 / (double)wn : 0;
	avg_ms = win.count ? win.sum / (double)win.count : 0;
	json_object_set_new(t->summary, "http_requests_per_s", json_real(rps));
	/* no request in the window: no latency (null), not a latency of 0 */
	json_object_set_new(t->summary, "http_p95_ms", win.count ? json_real(p95) : json_null());
	json_object_set_new(t->summary, "http_error_rate_pct", json_real(err_pct));
	json_object_set_new(t->summary, "active_users",
			    json_integer((json_int_t)http_clients_active(
				    hp->clients, t->now_ms - ACTIVE_WINDOW_MS)));
	if (win.count) { /* absent is "no data" to the alert rules */
		metrics__set(t->metrics, METRIC_API_LATENCY_AVG_MS, SCOPE_NONE, NULL, avg_ms);
		metrics__set(t->metrics, METRIC_API_LATENCY_P95_MS, SCOPE_NONE, NULL, p95);
		metrics__set(t->metrics, METRIC_API_LATENCY_P99_MS, SCOPE_NONE, NULL,
			     http_hist_q(&win, 0.99));
	}
	metrics__set(t->metrics, METRIC_ERROR_RATE_PCT, SCOPE_NONE, NULL, err_pct);
	metrics__set(t->metrics, METRIC_HTTP_REQUESTS_PER_S, SCOPE_NONE, NULL, rps);
	state__series_push(t->st, "http_requests_per_s", t->now_ms, rps);
	if (win.count) /* a gap in the chart, not a dip to 0 */
		state__series_push(t->st, "http_p95_ms", t->now_ms, p95);
	state__series_push(t->st, "http_error_rate_pct", t->now_ms, err_pct);
	state__series_push(t->st, "active_users", t->now_ms,
			   (double)http_clients_active(hp->clients, t->now_ms - ACTIVE_WINDOW_MS));

	/* the module's own counters */
	http_intern__stats(hp->intern, &hp->head_cache);
	http = json_object();
	counters_json(http_rows, sizeof(http_rows) / sizeof(http_rows[0]), hp, http);
	counters_prom(t->prom, http_rows, sizeof(http_rows) / sizeof(http_rows[0]), hp);
	if (sock_shared__tls()) { /* the libssl table: its files and counters */
		http_tls__publish(sock_shared__tls(), http, t->prom);
	} else {
		json_object_set_new(http, "tls_libraries", json_array());
	}
	state__publish(t->st, "http", http);
}

/*
 * Plaintext responses whose connection went quiet: the BPF iterator over
 * TCP sockets (http_idle) ends them, every IDLE_SCAN_MS, so a request on a
 * keep-alive connection that then idles reaches the feed within 2 s: its
 * slot is old after at most 3 slots (402 ms), the next scan comes within
 * 250 ms, the processor folds within 100 ms and publishes at its next tick.
 * A walk visits every bucket of the host's TCP hash (262144 here: ~2 ms),
 * so it runs only when a response may be idle: one that started three or
 * more slots ago, past the 250 ms idle threshold, so that the walk it costs
 * finds it (with two slots, 134-268 ms, most walks came too early and a
 * second one ended the response).
 */
/* Has a plaintext response been open since three or more clock slots ago
 * (http_pending)? The slots of every CPU in one batch read: one syscall
 * every IDLE_SCAN_MS, not one per slot (14 were ~12 % of an idle
 * processor's CPU). */
static bool pending_old(struct http_priv *hp, uint64_t now)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	uint64_t cur = now >> HL_HTTP_PENDING_SHIFT;
	__u32 keys[HL_HTTP_PENDING_SLOTS], count = HL_HTTP_PENDING_SLOTS, out;
	int ncpu = hp->ncpu;

	if (!hp->pending_vals)
		return true; /* cannot tell: walk */
	if (bpf_map_lookup_batch(hp->pending_fd, NULL, &out, keys, hp->pending_vals, &count,
				 &opts) &&
	    errno != ENOENT) /* ENOENT: the last batch, count says how many */
		return true;
	for (__u32 i = 0; i < count && i < HL_HTTP_PENDING_SLOTS; i++) {
		const int64_t *v = hp->pending_vals + (size_t)i * (size_t)ncpu;
		int64_t sum = 0;

		if (keys[i] == cur % HL_HTTP_PENDING_SLOTS ||
		    keys[i] == (cur - 1) % HL_HTTP_PENDING_SLOTS ||
		    keys[i] == (cur - 2) % HL_HTTP_PENDING_SLOTS)
			continue;
		for (int c = 0; c < ncpu; c++)
			sum += v[c];
		if (sum > 0)
			return true;
	}
	return false;
}

static uint64_t http_fold(struct pmod *m, uint64_t now)
{
	struct http_priv *hp = m->priv;
	char buf[64];
	int fd;

	if (hp->pending_fd < 0)
		return 0;
	if (now < hp->idle_scan_ns)
		return hp->idle_scan_ns;
	hp->idle_scan_ns = now + IDLE_SCAN_MS * 1000000ull;
	/* the walk visits every TCP hash bucket of the host (a fixed cost):
	 * only when a response may have gone idle */
	if (!pending_old(hp, now))
		return hp->idle_scan_ns;
	hp->idle_walks++;
	fd = loader__iter_create(processor__loader(m->p), hp->skel->progs.http_idle);
	if (fd < 0)
		return 0; /* no loader (unit tests) */
	while (read(fd, buf, sizeof(buf)) > 0)
		; /* the program writes nothing: a read runs it */
	close(fd);
	return hp->idle_scan_ns;
}

const struct pmod_ops pm_http_ops = {
	.name = "http",
	.priv_size = sizeof(struct http_priv),
	.types = { HL_EV_HTTP_REQ, HL_EV_HTTP_HEAD, HL_EV_HTTP_PROC },
	.init = http_init,
	.on_event = http_on_event,
	.tick = http_tick,
	.flush = http_flush,
	.destroy = http_destroy,
	.fold = http_fold,
};
