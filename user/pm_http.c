// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Processor module for the HTTP signal: turns ev_http events (one per
 * completed request, paired in BPF) into the live request feed ("requests"),
 * RED metrics per process + route + direction ("routes"), summary fields and
 * series, Prometheus lines, and a webapp-metrics record each flush.
 * Also owns the OpenSSL uprobe attacher (rescans /proc every 2 ticks) and
 * the filter control (http_filter.c). Processor thread only; the filter
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
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "breakdown.h"
#include "counters.h"
#include "hist.h"
#include "http_intern.h"
#include "redact.h"
#include "rollup.h"
#include "traffic.h"
#include "http_ctl.h"
#include "http_tls.h"
#include "httpparse.h"
#include "log.h"
#include "pm_http.h"
#include "pmods.h"
#include "table.h"
#include "utf8.h"

#define RECENT_MAX 200		/* "requests" topic */
#define ROUTE_SLOTS 2048	/* route table (power of 2) */
#define PROC_SLOTS 4096		/* per-process route counts (power of 2) */
#define CLIENT_SLOTS 8192	/* distinct client addresses (power of 2) */
#define INTERN_SLOTS 1024	/* distinct request heads kept parsed (http_intern.h) */
#define WIN_S 10		/* summary window, seconds */
#define ACTIVE_WINDOW_MS 60000	/* a client is "active" this long after a request */
#define ROUTE_IDLE_MS (10 * 60 * 1000)
#define PROM_TOP 50		/* routes with their own Prometheus labels */
#define ROUTES_TOP 100		/* rows in the "routes" topic */
#define BD_ROUTES 128		/* inbound routes with part histograms */
#define BD_SLOWEST 20		/* "slowest" rows of the breakdown topic */
#define BD_SLOW_WINDOW_MS (5 * 60 * 1000)	/* "recent" for the slowest list */
#define BD_PROM_TOP 20		/* routes in hostlens_http_request_part_seconds */

/* ---- state ---- */
/* A quantile in ms, 0 for an empty histogram (records carry numbers). */
static double hist_q(const struct hist *h, double q)
{
	return hist__count(h) ? hist__quantile(h, q) : 0;
}

static const double prom_le[] = { 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10 };
#define N_LE (sizeof(prom_le) / sizeof(prom_le[0]))

struct route_acc {
	uint8_t dir;			/* the key: dir, tgid, method, route */
	uint32_t tgid;
	char method[HTTP_METHOD_MAX];
	char route[HTTP_ROUTE_MAX];
	uint64_t total, errors, client_errors;
	uint64_t by_class[6];		/* [status / 100], 0 = no status */
	uint64_t tick_n, last_tick_n;	/* requests in the current / previous tick */
	uint64_t tick_err5, tick_err4;	/* of them 5xx, 4xx (alert metrics) */
	double tick_lat_ms;		/* their latency, summed */
	uint64_t prom_le[N_LE];
	double prom_sum_s;
	struct hist all;
	struct hist flush;
	uint64_t flush_errors, flush_errors4;
	int64_t last_ms;
	uint16_t bd;			/* 1 + index into http_priv.bd, 0: none */
};

/* Part histograms of one inbound route (ms), since start and since the flush. */
struct bd_acc {
	bool used;
	uint64_t n, approx;		/* requests with a breakdown, of them approximate */
	uint64_t flush_n, flush_approx;
	struct hist all[BD_NPARTS];
	struct hist flush[BD_NPARTS];
};

struct proc_routes {
	uint32_t tgid;			/* the key */
	uint32_t n;			/* distinct routes kept for this process */
};

struct req_rec {
	int64_t ts_ms;
	uint32_t tgid;
	uint8_t dir, tls;
	uint16_t status;
	double latency_ms;
	uint64_t bytes_in, bytes_out;
	char method[HTTP_METHOD_MAX];
	char path[HTTP_PATH_MAX];
	char route[HTTP_ROUTE_MAX];
	uint8_t peer_addr[16];		/* formatted at tick time, not per event */
	uint16_t peer_port;
	uint8_t family;
	uint8_t ua;			/* enum ua_class */
	uint8_t end_by;
	bool has_bd;
	uint32_t tid;
	uint64_t io_bytes;
	struct breakdown bd;
};

struct win_slot {
	int64_t sec;
	uint64_t n, err5, err4;
	struct hist h;
};

struct client {
	uint8_t addr[16];		/* the key: addr, family (struct client_key) */
	uint8_t family;
	int64_t last_ms;
};

struct client_key {
	uint8_t addr[16];
	uint8_t family;
};

struct http_priv {
	const struct config *cfg;
	struct redact *redact;		/* path minimization (user/redact.h) */
	struct http_intern *intern;	/* heads parsed before (http_intern.h) */
	struct http_intern_stats head_cache;	/* its counters, as of the last tick */
	struct http_tls *tls;
	int stats_fd;
	int ncpu;
	uint64_t bpf_stats[HL_HTTP_ST_MAX];
	struct table *routes;		/* struct route_acc, ROUTE_SLOTS */
	struct table *procs;		/* struct proc_routes by tgid, PROC_SLOTS */
	uint64_t routes_dropped;
	struct req_rec recent[RECENT_MAX];
	uint32_t recent_head, recent_n;
	uint32_t recent_new;		/* added since the last tick */
	struct win_slot win[WIN_S];
	struct table *clients;		/* struct client, CLIENT_SLOTS, oldest evicted */
	/* totals */
	uint64_t requests_total, inbound_total, outbound_total, tls_total, unparsed_total;
	uint64_t tick_inbound, tick_err5, tick_err4;	/* served this tick */
	double tick_lat_ms;
	/* since the last flush (inbound: the served app) */
	struct hist flush_h;
	uint64_t flush_n, flush_err5, flush_err4;
	uint64_t flush_bytes_in, flush_bytes_out;
	uint64_t flush_sources[TRAFFIC__N];
	uint64_t flush_ua[UA__N];
	int64_t flush_start_ms;
	unsigned int ticks;
	/* latency breakdown */
	struct bd_acc *bd;		/* BD_ROUTES */
	struct req_rec slowest[BD_SLOWEST];
	uint32_t slowest_n;
	uint64_t bd_total, bd_approx_total, bd_routes_full;
};

static const struct table_type proc_routes_type = {
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
};

static uint32_t route_hash(const void *key)
{
	const struct route_key *k = key;
	uint32_t h = hash_bytes(HASH_FNV_INIT, &k->tgid, sizeof(k->tgid));

	h = hash_bytes(h, &k->dir, 1);
	h = hash_bytes(h, k->method, strlen(k->method));
	return hash_bytes(h, k->route, strlen(k->route));
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

static const struct table_type route_type = {
	.entry_size = sizeof(struct route_acc),
	.probe = 128,
	.hash = route_hash,
	.match = route_match,
	.set_key = route_set_key,
};

static struct route_acc *route_find(struct http_priv *hp, uint32_t tgid, uint8_t dir,
				    const char *method, const char *route, bool create)
{
	struct route_key k = { .tgid = tgid, .dir = dir, .method = method, .route = route };

	return create ? table__insert(hp->routes, &k, NULL) : table__find(hp->routes, &k);
}

/* The route row for a request, folding past the per-process cap into "other". */
static struct route_acc *route_get(struct http_priv *hp, uint32_t tgid, uint8_t dir,
				   const char *method, const char *route)
{
	struct route_acc *r = route_find(hp, tgid, dir, method, route, false);
	struct proc_routes *p;

	if (r)
		return r;
	p = proc_get(hp, tgid);
	if (!p || p->n >= (uint32_t)hp->cfg->http_max_routes) {
		r = route_find(hp, tgid, dir, method, "other", true);
		if (!r)
			hp->routes_dropped++;
		return r;
	}
	r = route_find(hp, tgid, dir, method, route, true);
	if (r)
		p->n++;
	else
		hp->routes_dropped++;
	return r;
}

static uint32_t client_hash(const void *key)
{
	return hash_bytes(HASH_FNV_INIT, ((const struct client_key *)key)->addr, 16);
}

static bool client_older(const void *a, const void *b)
{
	return ((const struct client *)a)->last_ms < ((const struct client *)b)->last_ms;
}

/* A full window replaces its least recently seen client. */
static const struct table_type client_type = {
	.entry_size = sizeof(struct client),
	.key_offset = offsetof(struct client, addr),
	.key_size = sizeof(struct client_key),
	.probe = 16,
	.hash = client_hash,
	.evict = true,
	.evict_before = client_older,
};

static void clients_touch(struct http_priv *hp, const struct ev_http *e, int64_t now_ms)
{
	struct client_key k = { .family = e->family };
	struct client *c;

	memcpy(k.addr, e->peer_addr, sizeof(k.addr));
	c = table__insert(hp->clients, &k, NULL);
	c->last_ms = now_ms;
}

static uint64_t clients_active(const struct http_priv *hp, int64_t since_ms)
{
	uint64_t n = 0;

	for (const struct client *c = NULL; (c = table__next(hp->clients, c));)
		n += c->last_ms >= since_ms;
	return n;
}

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
	char err[256] = "";
	int ret;

	if (!ld || !loader__signal_on(ld, "http"))
		return -ENOENT;
	hp->cfg = processor__cfg(m->p);
	hp->ncpu = libbpf_num_possible_cpus();
	hp->stats_fd = loader__map_fd(ld, "http", "http_stats");
	hp->routes = table__new(&route_type, ROUTE_SLOTS);	/* pages touched only when used */
	hp->procs = table__new(&proc_routes_type, PROC_SLOTS);
	hp->clients = table__new(&client_type, CLIENT_SLOTS);
	hp->bd = calloc(BD_ROUTES, sizeof(*hp->bd));	/* pages touched only when used */
	if (!hp->routes || !hp->procs || !hp->clients || !hp->bd) {
		table__free(hp->routes);
		table__free(hp->procs);
		table__free(hp->clients);
		free(hp->bd);
		return -ENOMEM;
	}
	/* the config loader already rejected bad expressions */
	hp->redact = redact__new(hp->cfg);
	hp->intern = http_intern__new(INTERN_SLOTS);
	if (!hp->redact || !hp->intern)
		return -ENOMEM;
	ret = http_ctl__init(ld, processor__state(m->p), hp->cfg, err, sizeof(err));
	if (ret)
		pr_warn("http: %s: capturing nothing until the filters are fixed", err);
	hp->tls = http_tls__new(loader__object(ld, "http"), NULL);
	if (hp->tls) {
		static const char *const sys_libs[] = {
			"/usr/lib/x86_64-linux-gnu/libssl.so.3", "/usr/lib/aarch64-linux-gnu/libssl.so.3",
			"/usr/lib64/libssl.so.3", "/usr/lib/libssl.so.3", "/lib/libssl.so.3", NULL,
		};

		/* the system's libssl first: processes started later are covered at once */
		for (int i = 0; sys_libs[i]; i++)
			http_tls__attach_path(hp->tls, sys_libs[i]);
		http_tls__scan(hp->tls);
		http_ctl__set_tls_active(http_tls__nlibs(hp->tls) > 0);
	}
	hp->flush_start_ms = record_now_ms();
	return 0;
}

static void http_destroy(struct pmod *m)
{
	struct http_priv *hp = m->priv;

	http_ctl__fini();
	http_tls__free(hp->tls);
	redact__free(hp->redact);
	http_intern__free(hp->intern);
	table__free(hp->routes);
	table__free(hp->procs);
	table__free(hp->clients);
	free(hp->bd);
}

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
			hist__reset(&b->all[k]);
			hist__reset(&b->flush[k]);
		}
		r->bd = i + 1;
		return b;
	}
	hp->bd_routes_full++;
	return NULL;
}

static void bd_put(struct http_priv *hp, struct route_acc *r)
{
	if (r->bd)
		hp->bd[r->bd - 1].used = false;
	r->bd = 0;
}

/* Keeps the BD_SLOWEST slowest requests of the last BD_SLOW_WINDOW_MS. */
static void slowest_offer(struct http_priv *hp, const struct req_rec *rec, int64_t now_ms)
{
	struct req_rec *victim = NULL;

	if (hp->slowest_n < BD_SLOWEST) {
		hp->slowest[hp->slowest_n++] = *rec;
		return;
	}
	for (uint32_t i = 0; i < hp->slowest_n; i++) {
		struct req_rec *s = &hp->slowest[i];

		if (now_ms - s->ts_ms > BD_SLOW_WINDOW_MS) {
			victim = s;		/* too old to be "recent" */
			break;
		}
		if (!victim || s->latency_ms < victim->latency_ms)
			victim = s;
	}
	if (now_ms - victim->ts_ms > BD_SLOW_WINDOW_MS || victim->latency_ms < rec->latency_ms)
		*victim = *rec;
}

/* What a request head gives, the first time these bytes are seen. */
static void head_parse(const struct http_priv *hp, const char *head, size_t len,
		       struct http_interned *iv)
{
	struct http_request rq;

	if (http_parse_request(head, len, hp->cfg->http_keep_query, &rq))
		return;		/* iv->ok stays false: counted as unparsed */
	iv->ok = true;
	memcpy(iv->method, rq.method, sizeof(iv->method));
	/* minimize first (userinfo, ;params, configured segments), then fold ids */
	if (redact__path(hp->redact, rq.path, strlen(rq.path), iv->path, sizeof(iv->path)) < 0)
		snprintf(iv->path, sizeof(iv->path), "/");
	http_route_template(iv->path, iv->route, sizeof(iv->route));
	iv->ua = (uint8_t)rq.ua;
	iv->source = (uint8_t)traffic_classify(rq.referer, strlen(rq.referer), rq.host, strlen(rq.host));
}

static void http_on_event(struct pmod *m, const struct event_hdr *h, const void *data, uint32_t len)
{
	struct http_priv *hp = m->priv;
	const struct ev_http *e = data;
	const struct http_interned *rq;
	struct http_interned *iv;
	struct http_response rs;
	struct req_rec *rec;
	struct route_acc *r;
	struct win_slot *w;
	struct breakdown bd = { 0 };
	bool has_bd = false;
	uint16_t status;
	int64_t ts_ms;
	size_t rl;
	bool hit;

	if (h->type != HL_EV_HTTP_REQ || len < sizeof(*e))
		return;
	rl = e->req_len < sizeof(e->req_head) ? e->req_len : sizeof(e->req_head);
	iv = http_intern__find(hp->intern, e->req_head, rl, &hit);
	if (!hit)
		head_parse(hp, e->req_head, rl, iv);
	rq = iv;
	if (!rq->ok) {
		hp->unparsed_total++;
		return;
	}
	status = e->status;
	if (http_parse_response(e->resp_head, e->resp_len < sizeof(e->resp_head) ? e->resp_len :
			       sizeof(e->resp_head), &rs) == 0)
		status = (uint16_t)rs.status;
	else if (status < 100 || status > 599)
		status = 0;
	ts_ms = processor__mono_to_ms(m->p, e->start_ns);
	if (e->comm[0] && !processor__comm(m->p, h->tgid)[0]) {
		char comm[HL_COMM_LEN + 1];

		memcpy(comm, e->comm, HL_COMM_LEN);
		comm[HL_COMM_LEN] = '\0';
		processor__set_comm(m->p, h->tgid, comm);	/* short-lived clients are gone from /proc */
	}
	hp->requests_total++;
	hp->tls_total += e->tls;

	r = route_get(hp, h->tgid, e->direction, rq->method, rq->route);
	if (r) {
		double s = (double)e->latency_ns / 1e9;

		r->total++;
		r->tick_n++;
		r->tick_err5 += status >= 500;
		r->tick_err4 += status >= 400 && status < 500;
		r->tick_lat_ms += (double)e->latency_ns / 1e6;
		r->errors += status >= 500;
		r->flush_errors += status >= 500;
		r->flush_errors4 += status >= 400 && status < 500;
		r->client_errors += status >= 400 && status < 500;
		r->by_class[status / 100 < 6 ? status / 100 : 0]++;
		for (size_t i = 0; i < N_LE; i++)
			r->prom_le[i] += s <= prom_le[i];
		r->prom_sum_s += s;
		hist__add(&r->all, (double)e->latency_ns / 1e6);
		hist__add(&r->flush, (double)e->latency_ns / 1e6);
		r->last_ms = ts_ms;
	}
	if (e->direction == HL_HTTP_INBOUND) {
		struct bd_input in = {
			.latency_ns = e->latency_ns, .oncpu_ns = e->bd_oncpu_ns,
			.runq_ns = e->bd_runq_ns, .io_ns = e->bd_io_ns, .other_ns = e->bd_other_ns,
			.downstream_ns = e->bd_downstream_ns, .flags = e->bd_flags,
		};

		has_bd = breakdown_compute(&in, &bd) == 0;
	}
	if (has_bd) {
		struct bd_acc *b = r ? bd_get(hp, r) : NULL;

		hp->bd_total++;
		hp->bd_approx_total += bd.approx != BD_EXACT;
		if (b) {
			b->n++;
			b->flush_n++;
			b->approx += bd.approx != BD_EXACT;
			b->flush_approx += bd.approx != BD_EXACT;
			for (int k = 0; k < BD_NPARTS; k++) {
				hist__add(&b->all[k], bd.ms[k]);
				hist__add(&b->flush[k], bd.ms[k]);
			}
		}
	}

	rec = &hp->recent[hp->recent_head];
	hp->recent_head = (hp->recent_head + 1) % RECENT_MAX;
	if (hp->recent_new < RECENT_MAX)
		hp->recent_new++;
	if (hp->recent_n < RECENT_MAX)
		hp->recent_n++;
	rec->ts_ms = ts_ms;
	rec->tgid = h->tgid;
	rec->dir = e->direction;
	rec->tls = e->tls;
	rec->status = status;
	rec->latency_ms = (double)e->latency_ns / 1e6;
	rec->bytes_in = e->bytes_in;
	rec->bytes_out = e->bytes_out;
	rec->end_by = e->end_by;
	memcpy(rec->method, rq->method, sizeof(rec->method));
	memcpy(rec->path, rq->path, sizeof(rec->path));
	memcpy(rec->route, r ? r->route : rq->route, sizeof(rec->route));
	memcpy(rec->peer_addr, e->peer_addr, sizeof(rec->peer_addr));
	rec->peer_port = e->peer_port;
	rec->family = e->family;
	rec->ua = rq->ua;
	rec->has_bd = has_bd;
	rec->tid = e->bd_tid ? e->bd_tid : h->pid;
	rec->io_bytes = e->bd_io_bytes;
	rec->bd = bd;
	if (has_bd)
		slowest_offer(hp, rec, ts_ms);

	if (e->direction != HL_HTTP_INBOUND) {
		hp->outbound_total++;
		return;
	}
	/* the served application: summary, active users, webapp-metrics */
	hp->inbound_total++;
	hp->tick_inbound++;
	hp->tick_err5 += status >= 500;
	hp->tick_err4 += status >= 400 && status < 500;
	hp->tick_lat_ms += (double)e->latency_ns / 1e6;
	w = win_get(hp, processor__mono_to_ms(m->p, h->ts_ns));
	w->n++;
	w->err5 += status >= 500;
	w->err4 += status >= 400 && status < 500;
	hist__add(&w->h, (double)e->latency_ns / 1e6);
	hist__add(&hp->flush_h, (double)e->latency_ns / 1e6);
	hp->flush_n++;
	hp->flush_err5 += status >= 500;
	hp->flush_err4 += status >= 400 && status < 500;
	hp->flush_bytes_in += e->bytes_in;
	hp->flush_bytes_out += e->bytes_out;
	hp->flush_sources[rq->source < TRAFFIC__N ? rq->source : TRAFFIC_DIRECT]++;
	hp->flush_ua[rq->ua < UA__N ? rq->ua : UA_UNKNOWN]++;
	if (e->family)
		clients_touch(hp, e, processor__mono_to_ms(m->p, h->ts_ns));
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

static const char *dir_name(uint8_t d)
{
	return d == HL_HTTP_INBOUND ? "inbound" : "outbound";
}

static int cmp_total(const void *a, const void *b)
{
	const struct route_acc *x = *(const struct route_acc *const *)a;
	const struct route_acc *y = *(const struct route_acc *const *)b;

	return x->total < y->total ? 1 : x->total > y->total ? -1 : 0;
}

static int cmp_flush(const void *a, const void *b)
{
	const struct route_acc *x = *(const struct route_acc *const *)a;
	const struct route_acc *y = *(const struct route_acc *const *)b;

	return x->flush.count < y->flush.count ? 1 : x->flush.count > y->flush.count ? -1 : 0;
}

/*
 * Prometheus series are per process name, not per pid: the workers of one
 * server (nginx's) serve the same routes, and two rows with the same labels
 * would make the whole scrape invalid. A group is the rows of one process
 * name, direction, method and route among the first `top` of order.
 */
struct prom_group {
	struct route_acc *r[PROM_TOP];	/* its rows (all within the top rows) */
	int n;
	char comm[UTF8_COMM_SIZE];	/* the process name, sanitized (processor__comm) */
	/* its rows summed */
	uint64_t by_class[6], le[N_LE], total;
	double sum_s;
};

static int prom_groups(struct processor *p, struct route_acc **order, int n, int top,
		       struct prom_group *g)
{
	int ng = 0;

	if (top > PROM_TOP)
		top = PROM_TOP;
	for (int i = 0; i < n && i < top; i++) {
		struct route_acc *r = order[i];
		const char *comm = processor__comm(p, r->tgid);
		struct prom_group *x;
		int k;

		for (k = 0; k < ng; k++) {
			const struct route_acc *f = g[k].r[0];

			if (f->dir == r->dir && !strcmp(g[k].comm, comm) && !strcmp(f->method, r->method) &&
			    !strcmp(f->route, r->route))
				break;
		}
		x = &g[k];
		if (k == ng) {	/* a new group */
			ng++;
			memset(x, 0, sizeof(*x));
			snprintf(x->comm, sizeof(x->comm), "%s", comm);
		}
		x->r[x->n++] = r;	/* top <= PROM_TOP: there is room */
		for (int c = 0; c < 6; c++)
			x->by_class[c] += r->by_class[c];
		for (size_t b = 0; b < N_LE; b++)
			x->le[b] += r->prom_le[b];
		x->total += r->total;
		x->sum_s += r->prom_sum_s;
	}
	return ng;
}

/* A group's labels: process, direction (with_dir), method, route. */
static void group_labels(struct prom_labels *l, const struct prom_group *x, bool with_dir)
{
	prom_labels_init(l);
	prom_label(l, "process", x->comm);
	if (with_dir)
		prom_label(l, "direction", dir_name(x->r[0]->dir));
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
	struct prom_group g[PROM_TOP];
	int ng = prom_groups(p, order, n, PROM_TOP, g);
	char le_text[N_LE][24];
	const char *le[N_LE];
	struct prom_labels l;

	prom_family(t->prom, "hostlens_http_requests_total", PROM_COUNTER,
		    "HTTP requests seen, per process name (top %d routes; the rest as route=\"other\").", PROM_TOP);
	for (int i = PROM_TOP; i < n; i++)
		for (int c = 0; c < 6; c++)
			rest[order[i]->dir][c] += order[i]->by_class[c];
	for (int i = 0; i < ng; i++) {
		group_labels(&l, &g[i], true);
		prom_by_class(t->prom, &l, g[i].by_class);
	}
	for (int d = 1; d <= 2; d++) {
		prom_labels_init(&l);
		prom_label(&l, "process", "other");
		prom_label(&l, "direction", dir_name((uint8_t)d));
		prom_label(&l, "method", "other");
		prom_label(&l, "route", "other");
		prom_by_class(t->prom, &l, rest[d]);
	}

	prom_family(t->prom, "hostlens_http_request_duration_seconds", PROM_HISTOGRAM,
		    "HTTP request latency, per process name (top %d routes).", PROM_TOP);
	for (size_t k = 0; k < N_LE; k++) {
		snprintf(le_text[k], sizeof(le_text[k]), "%g", prom_le[k]);
		le[k] = le_text[k];
	}
	for (int i = 0; i < ng; i++) {
		group_labels(&l, &g[i], true);
		prom_histogram(t->prom, "hostlens_http_request_duration_seconds", &l, le, g[i].le, N_LE,
			       g[i].total, g[i].sum_s);
	}
}

static const char *end_name(uint8_t e)
{
	static const char *const names[] = { "?", "length", "chunked", "nobody", "next", "close" };

	return e < sizeof(names) / sizeof(names[0]) ? names[e] : "?";
}

/* A request's parts in ms, its block I/O bytes, thread, and the approximate mark. */
static json_t *bd_req_json(const struct req_rec *r)
{
	const char *why = breakdown_approx_reason(r->bd.approx);
	json_t *o;

	if (!r->has_bd)
		return json_null();
	o = json_pack("{s:f,s:f,s:f,s:f,s:f,s:f,s:I,s:i,s:b,s:s}",
		"cpu_ms", r->bd.ms[BD_CPU], "runq_ms", r->bd.ms[BD_RUNQ], "io_ms", r->bd.ms[BD_IO],
		"downstream_ms", r->bd.ms[BD_DOWNSTREAM], "other_ms", r->bd.ms[BD_OTHER],
		"unattributed_ms", r->bd.ms[BD_UNATTRIBUTED], "io_bytes", (json_int_t)r->io_bytes,
		"tid", (int)r->tid, "approximate", r->bd.approx != BD_EXACT, "reason", why ? why : "");
	return o ? o : json_null();
}

/* {cpu_ms, runq_ms, ...} at quantile q of a route's part histograms */
static json_t *bd_parts_json(const struct hist *parts, double q)
{
	json_t *o = json_object();
	char key[32];

	for (int k = 0; k < BD_NPARTS; k++) {
		snprintf(key, sizeof(key), "%s_ms", breakdown_part_name(k));
		json_object_set_new(o, key, json_real(hist_q(&parts[k], q)));
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
static void bd_prom(struct http_priv *hp, struct processor *p, struct prom *w, struct route_acc **order,
		    int n)
{
	static const char *const q[] = { "0.5", "0.99" };
	struct prom_group g[BD_PROM_TOP];
	struct hist *merged = NULL;
	struct prom_labels l;
	int ng;

	prom_family(w, "hostlens_http_request_part_seconds", PROM_SUMMARY,
		    "Where served requests' time went (cpu, runq, io, downstream, other, unattributed), per process name and route (top %d).",
		    BD_PROM_TOP);
	ng = prom_groups(p, order, n, BD_PROM_TOP, g);
	for (int i = 0; i < ng; i++) {
		const struct prom_group *x = &g[i];
		const struct hist *parts = hp->bd[x->r[0]->bd - 1].all;
		uint64_t cnt = 0;
		size_t mark;

		for (int j = 0; j < x->n; j++)
			cnt += hp->bd[x->r[j]->bd - 1].n;
		/* several pids: their histograms merged */
		if (x->n > 1 && (merged || (merged = malloc(BD_NPARTS * sizeof(*merged))))) {
			for (int k = 0; k < BD_NPARTS; k++) {
				hist__reset(&merged[k]);
				for (int j = 0; j < x->n; j++)
					hist__merge(&merged[k], &hp->bd[x->r[j]->bd - 1].all[k]);
			}
			parts = merged;
		}
		group_labels(&l, x, false);
		mark = l.len;
		for (int k = 0; k < BD_NPARTS; k++) {
			const double v[] = { hist_q(&parts[k], 0.5) / 1e3, hist_q(&parts[k], 0.99) / 1e3 };

			prom_labels_cut(&l, mark);
			prom_label(&l, "part", breakdown_part_name(k));
			prom_summary(w, "hostlens_http_request_part_seconds", &l, q, v, 2, cnt, parts[k].sum / 1e3);
		}
	}
	free(merged);
}

/* The "breakdown" topic (docs/topics.md) and its Prometheus summary. */
static void bd_publish(struct http_priv *hp, struct processor *p, struct tick_ctx *t)
{
	struct route_acc *order[BD_ROUTES];
	const struct req_rec *slow[BD_SLOWEST];
	json_t *routes = json_array(), *slowest = json_array(), *top;
	int n = 0, ns = 0;

	for (struct route_acc *r = NULL; n < BD_ROUTES && (r = table__next(hp->routes, r));)
		if (r->bd && hp->bd[r->bd - 1].n)
			order[n++] = r;
	qsort(order, (size_t)n, sizeof(order[0]), cmp_total);
	for (int i = 0; i < n; i++) {
		struct route_acc *r = order[i];
		struct bd_acc *b = &hp->bd[r->bd - 1];

		json_array_append_new(routes, json_pack("{s:i,s:s,s:s,s:s,s:I,s:f,s:f,s:f,s:o,s:o}",
			"pid", (int)r->tgid, "comm", processor__comm(p, r->tgid), "method", r->method,
			"route", r->route, "requests_total", (json_int_t)b->n,
			"approximate_pct", 100.0 * (double)b->approx / (double)b->n,
			"latency_p50_ms", hist_q(&r->all, 0.5), "latency_p99_ms", hist_q(&r->all, 0.99),
			"p50", bd_parts_json(b->all, 0.5), "p99", bd_parts_json(b->all, 0.99)));
	}
	for (uint32_t i = 0; i < hp->slowest_n; i++)
		if (t->now_ms - hp->slowest[i].ts_ms <= BD_SLOW_WINDOW_MS)
			slow[ns++] = &hp->slowest[i];
	qsort(slow, (size_t)ns, sizeof(slow[0]), cmp_slow);
	for (int i = 0; i < ns; i++) {
		const struct req_rec *r = slow[i];

		json_array_append_new(slowest, json_pack("{s:I,s:i,s:s,s:s,s:s,s:s,s:i,s:f,s:o}",
			"ts", (json_int_t)r->ts_ms, "pid", (int)r->tgid, "comm", processor__comm(p, r->tgid),
			"method", r->method, "path", r->path, "route", r->route, "status", r->status,
			"latency_ms", r->latency_ms, "breakdown", bd_req_json(r)));
	}
	top = json_pack("{s:b,s:I,s:I,s:I,s:o,s:o}",
		"enabled", hp->cfg->http_breakdown && config_signal_on(hp->cfg, "cpu"),
		"requests_total", (json_int_t)hp->bd_total,
		"approximate_total", (json_int_t)hp->bd_approx_total,
		"routes_dropped_total", (json_int_t)hp->bd_routes_full,
		"routes", routes, "slowest", slowest);
	state__publish(t->st, "breakdown", top);

	bd_prom(hp, p, t->prom, order, n);
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
		json_array_append_new(a, json_pack("{s:I,s:i,s:s,s:s,s:b,s:s,s:s,s:s,s:i,s:f,s:I,s:I,s:s,s:s,s:s,s:o}",
			"ts", (json_int_t)r->ts_ms, "pid", (int)r->tgid, "comm", processor__comm(p, r->tgid),
			"direction", dir_name(r->dir), "tls", r->tls, "method", r->method, "path", r->path,
			"route", r->route, "status", r->status, "latency_ms", r->latency_ms,
			"bytes_in", (json_int_t)r->bytes_in, "bytes_out", (json_int_t)r->bytes_out,
			"peer", peer, "user_agent", traffic_ua_name((enum ua_class)r->ua),
			"end", end_name(r->end_by), "breakdown", bd_req_json(r)));
	}
	return a;
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
			metrics__add(mx, METRIC_HTTP_ERRORS_5XX, sc[i], keys[i], (double)r->tick_err5);
		if (r->tick_err4)
			metrics__add(mx, METRIC_HTTP_ERRORS_4XX, sc[i], keys[i], (double)r->tick_err4);
		metrics__add_mean(mx, METRIC_HTTP_LATENCY_MS, sc[i], keys[i], r->tick_lat_ms,
				  (double)r->tick_n);
	}
}

/* The module's own counters: the "http" topic's, and /metrics' where named. */
#define HP struct http_priv
#define UNSUPPORTED(k, i, reason)                                                                  \
	{ .key = (k), .name = "hostlens_http_unsupported_total", .type = PROM_COUNTER,                \
	  .help = "Connections given up: pipelined requests or HTTP/2.",                            \
	  .off = offsetof(HP, bpf_stats[i]), .label = "reason", .label_value = (reason) }
/* request heads parsed once (http_intern.h): hits, misses, evictions */
#define HEAD_CACHE(k, res, field)                                                          \
	{ .key = "head_cache." k, .name = "hostlens_http_head_cache_total",              \
	  .type = PROM_COUNTER, .kind = COUNTER_UINT, .label = "result", .label_value = res, \
	  .help = "Request heads looked up in the parse-once cache: hits were not parsed again.", \
	  .off = offsetof(struct http_priv, head_cache.field) }
static const struct counter_row http_rows[] = {
	COUNTER_ROW_UINT("requests_total", NULL, 0, NULL, HP, requests_total),
	COUNTER_ROW_UINT("inbound_total", NULL, 0, NULL, HP, inbound_total),
	COUNTER_ROW_UINT("outbound_total", NULL, 0, NULL, HP, outbound_total),
	COUNTER_ROW_UINT("tls_total", NULL, 0, NULL, HP, tls_total),
	COUNTER_ROW_UINT("unparsed_total", "hostlens_http_unparsed_total", PROM_COUNTER,
			 "Requests whose captured head was not a valid HTTP/1.x request line.", HP, unparsed_total),
	COUNTER_ROW_UINT("bpf_requests_total", NULL, 0, NULL, HP, bpf_stats[HL_HTTP_ST_REQUESTS]),
	UNSUPPORTED("pipelined_total", HL_HTTP_ST_PIPELINED, "pipelining"),
	UNSUPPORTED("http2_total", HL_HTTP_ST_HTTP2, "http2"),
	COUNTER_ROW_UINT("orphan_responses_total", NULL, 0, NULL, HP, bpf_stats[HL_HTTP_ST_ORPHAN_RESP]),
	COUNTER_ROW_UINT("incomplete_total", NULL, 0, NULL, HP, bpf_stats[HL_HTTP_ST_INCOMPLETE]),
	COUNTER_ROW_UINT("not_http_sockets_total", NULL, 0, NULL, HP, bpf_stats[HL_HTTP_ST_NOT_HTTP]),
	COUNTER_ROW_UINT("connections_total", NULL, 0, NULL, HP, bpf_stats[HL_HTTP_ST_CONNS]),
	COUNTER_ROW_UINT("routes_dropped_total", NULL, 0, NULL, HP, routes_dropped),
	HEAD_CACHE("hits_total", "hit", hits),
	HEAD_CACHE("misses_total", "miss", misses),
	HEAD_CACHE("evictions_total", "evicted", evictions),
};
#undef HEAD_CACHE
#undef UNSUPPORTED
#undef HP

static void http_tick(struct pmod *m, struct tick_ctx *t)
{
	struct http_priv *hp = m->priv;
	struct route_acc **order = NULL;
	struct hist win = { 0 };
	uint64_t wn = 0, we5 = 0;
	double rps, p95, err_pct, avg_ms;
	json_t *routes = json_array(), *http;
	int n = 0;

	hp->ticks++;
	/* TLS: new processes with a libssl we have not attached yet */
	if (hp->tls && hp->ticks % 2 == 0 && http_tls__scan(hp->tls) > 0)
		http_ctl__set_tls_active(true);
	read_bpf_stats(hp);

	order = malloc(sizeof(*order) * (table__count(hp->routes) + 1));
	for (struct route_acc *r = NULL; order && (r = table__next(hp->routes, r));) {
		if (t->now_ms - r->last_ms > ROUTE_IDLE_MS && !r->flush.count) {
			struct proc_routes *pr = proc_get(hp, r->tgid);

			if (pr && pr->n)
				pr->n--;
			bd_put(hp, r);
			table__delete(hp->routes, r);
			continue;
		}
		if (r->dir == HL_HTTP_INBOUND && r->tick_n)
			route_metrics(m->p, t->metrics, r);
		r->last_tick_n = r->tick_n;
		r->tick_n = r->tick_err5 = r->tick_err4 = 0;
		r->tick_lat_ms = 0;
		order[n++] = r;
	}
	if (order)
		qsort(order, (size_t)n, sizeof(*order), cmp_total);
	for (int i = 0; i < n && i < ROUTES_TOP; i++) {
		struct route_acc *r = order[i];

		json_array_append_new(routes, json_pack("{s:i,s:s,s:s,s:s,s:s,s:I,s:f,s:I,s:f,s:I,s:f,s:f,s:f,s:f}",
			"pid", (int)r->tgid, "comm", processor__comm(m->p, r->tgid), "direction",
			dir_name(r->dir), "method", r->method, "route", r->route,
			"requests_total", (json_int_t)r->total,
			"requests_per_s", t->elapsed_s > 0 ? (double)r->last_tick_n / t->elapsed_s : 0.0,
			"errors_total", (json_int_t)r->errors,
			"error_rate_pct", r->total ? 100.0 * (double)r->errors / (double)r->total : 0.0,
			"client_errors_total", (json_int_t)r->client_errors,
			"latency_avg_ms", r->all.count ? r->all.sum / (double)r->all.count : 0.0,
			"latency_p50_ms", hist_q(&r->all, 0.5),
			"latency_p95_ms", hist_q(&r->all, 0.95),
			"latency_p99_ms", hist_q(&r->all, 0.99)));
	}
	state__publish(t->st, "routes", routes);
	state__publish(t->st, "requests", recent_json(hp, m->p, RECENT_MAX));
	/* the live update carries only what came since the last one */
	json_object_set_new(t->update, "requests", recent_json(hp, m->p, hp->recent_new));
	hp->recent_new = 0;
	if (order)
		prom_write(m->p, t, order, n);
	bd_publish(hp, m->p, t);
	free(order);

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
	p95 = hist_q(&win, 0.95);
	err_pct = wn ? 100.0 * (double)we5 / (double)wn : 0;
	avg_ms = win.count ? win.sum / (double)win.count : 0;
	json_object_set_new(t->summary, "http_requests_per_s", json_real(rps));
	/* no request in the window: no latency (null), not a latency of 0 */
	json_object_set_new(t->summary, "http_p95_ms", win.count ? json_real(p95) : json_null());
	json_object_set_new(t->summary, "http_error_rate_pct", json_real(err_pct));
	json_object_set_new(t->summary, "active_users",
			    json_integer((json_int_t)clients_active(hp, t->now_ms - ACTIVE_WINDOW_MS)));
	if (win.count) {	/* absent is "no data" to the alert rules */
		metrics__set(t->metrics, METRIC_API_LATENCY_AVG_MS, SCOPE_NONE, NULL, avg_ms);
		metrics__set(t->metrics, METRIC_API_LATENCY_P95_MS, SCOPE_NONE, NULL, p95);
		metrics__set(t->metrics, METRIC_API_LATENCY_P99_MS, SCOPE_NONE, NULL, hist_q(&win, 0.99));
	}
	metrics__set(t->metrics, METRIC_ERROR_RATE_PCT, SCOPE_NONE, NULL, err_pct);
	metrics__set(t->metrics, METRIC_HTTP_REQUESTS_PER_S, SCOPE_NONE, NULL, rps);
	state__series_push(t->st, "http_requests_per_s", t->now_ms, rps);
	if (win.count)	/* a gap in the chart, not a dip to 0 */
		state__series_push(t->st, "http_p95_ms", t->now_ms, p95);
	state__series_push(t->st, "http_error_rate_pct", t->now_ms, err_pct);
	state__series_push(t->st, "active_users", t->now_ms,
			   (double)clients_active(hp, t->now_ms - ACTIVE_WINDOW_MS));

	/* the module's own counters */
	http_intern__stats(hp->intern, &hp->head_cache);
	http = json_object();
	counters_json(http_rows, sizeof(http_rows) / sizeof(http_rows[0]), hp, http);
	counters_prom(t->prom, http_rows, sizeof(http_rows) / sizeof(http_rows[0]), hp);
	if (hp->tls) {	/* the libssl table: its files and counters */
		http_tls__publish(hp->tls, http, t->prom);
	} else {
		json_object_set_new(http, "tls_libraries", json_array());
	}
	state__publish(t->st, "http", http);
}

#define FLUSH_ROUTES_TOP 50	/* route rows per direction in a webapp-metrics record */

/* One routes[] row of a webapp-metrics record. */
static json_t *flush_route_json(struct http_priv *hp, struct processor *p, struct route_acc *r,
				double iv)
{
	json_t *e = json_pack("{s:i,s:s,s:s,s:s,s:s,s:I,s:f,s:I,s:I,s:f}",
		"pid", (int)r->tgid, "comm", processor__comm(p, r->tgid), "direction", dir_name(r->dir),
		"method", r->method, "route", r->route, "requests_total", (json_int_t)r->flush.count,
		"requests_per_s", (double)r->flush.count / iv,
		"errors_total", (json_int_t)r->flush_errors,
		"client_errors_total", (json_int_t)r->flush_errors4,
		"error_rate_pct", 100.0 * (double)r->flush_errors / (double)r->flush.count);

	hist__put_json(&r->flush, e, "latency", "ms");
	if (r->bd && hp->bd[r->bd - 1].flush_n) {
		struct bd_acc *b = &hp->bd[r->bd - 1];
		char key[48];

		for (int k = 0; k < BD_NPARTS; k++) {
			snprintf(key, sizeof(key), "%s_p50_ms", breakdown_part_name(k));
			json_object_set_new(e, key, json_real(hist_q(&b->flush[k], 0.5)));
			snprintf(key, sizeof(key), "%s_p99_ms", breakdown_part_name(k));
			json_object_set_new(e, key, json_real(hist_q(&b->flush[k], 0.99)));
		}
		json_object_set_new(e, "breakdown_requests_total", json_integer((json_int_t)b->flush_n));
		json_object_set_new(e, "breakdown_approximate_pct",
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
		memset(&r->flush, 0, sizeof(r->flush));
		r->flush_errors = r->flush_errors4 = 0;
		if (r->bd && hp->bd[r->bd - 1].flush_n) {
			struct bd_acc *b = &hp->bd[r->bd - 1];

			for (int k = 0; k < BD_NPARTS; k++)
				hist__reset(&b->flush[k]);
			b->flush_n = b->flush_approx = 0;
		}
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
static void http_flush(struct pmod *m, struct flush_ctx *f)
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
	json_object_set_new(rec, "active_users",
			    json_integer((json_int_t)clients_active(hp, hp->flush_start_ms)));
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
		rollups__add_hist(f->rollups, "webapp-metrics", "response_time_ms", &hp->flush_h, f->ts_ms);
	record_batch__add(f->batch, rec);
	flush_reset(hp, f->ts_ms);
}

const struct pmod_ops pm_http_ops = {
	.name = "http",
	.priv_size = sizeof(struct http_priv),
	.types = { HL_EV_HTTP_REQ },
	.init = http_init,
	.on_event = http_on_event,
	.tick = http_tick,
	.flush = http_flush,
	.destroy = http_destroy,
};
