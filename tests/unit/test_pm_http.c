// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The HTTP processor module (user/http/pm_http.c) without BPF: 100 served
 * requests GET /api/orders/1 .. /api/orders/100 with latencies 1 .. 100 ms,
 * 5 of them answered 500 and the rest 200, go through the event log into
 * the processor; one tick and a flush later the "routes", "requests",
 * "summary" and "http" topics, the webapp-metrics record and the /metrics
 * rows hold the exact counts and sums, percentiles within the histogram's
 * 2 % (hist.h), one templated route (/api/orders/:id) and a 5 % error rate.
 * An outbound request and an unparseable head are kept apart; a route alert
 * rule fires for the failing route; past --http-max-routes a process's new
 * routes fold into "other".
 */
#include <math.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/unit/check.h"
#include "tests/unit/pmharness.h"
#include "bpf/http/http.h"

#define N_REQ 100
#define N_5XX 5

/* What BPF sends: a request names its head by hash; the head's bytes come
 * once before (ev_http_head), as does the process's name (ev_http_proc). */
static uint64_t fnv(const char *p)
{
	uint64_t h = 0xcbf29ce484222325ull;

	while (*p)
		h = (h ^ (uint8_t)*p++) * 0x100000001b3ull;
	return h;
}

static void send_req(struct pmh *h, struct ev_http *e, const char *head)
{
	struct ev_http_head hd;

	memset(&hd, 0, sizeof(hd));
	hd.h = e->h;
	hd.h.type = HL_EV_HTTP_HEAD;
	hd.h.size = sizeof(hd);
	hd.head_hash = fnv(head);
	hd.len = (uint16_t)snprintf(hd.head, sizeof(hd.head), "%s", head);
	pmh_event(h, &hd, sizeof(hd));
	e->head_hash = hd.head_hash;
	e->req_len = hd.len;
	pmh_event(h, e, sizeof(*e));
}

static void send_proc(struct pmh *h, const char *comm)
{
	struct ev_http_proc pr;

	memset(&pr, 0, sizeof(pr));
	pr.h.type = HL_EV_HTTP_PROC;
	pr.h.size = sizeof(pr);
	pr.h.ts_ns = pmh_now_ns();
	pr.h.pid = pr.h.tgid = PMH_TGID;
	snprintf(pr.comm, sizeof(pr.comm), "%s", comm);
	pmh_event(h, &pr, sizeof(pr));
}

/* Served request i (1 .. N_REQ): latency i ms; every 20th answered 500. */
static char order_head[HL_HTTP_REQ_HEAD];

static void order_event(struct ev_http *e, int i, uint64_t now)
{
	int st = i % (N_REQ / N_5XX) == 0 ? 500 : 200;

	memset(e, 0, sizeof(*e));
	e->h.type = HL_EV_HTTP_REQ;
	e->h.size = sizeof(*e);
	e->h.ts_ns = now;
	e->h.pid = e->h.tgid = PMH_TGID;
	e->latency_ns = (uint64_t)i * 1000000ull;
	e->start_ns = now - e->latency_ns;
	e->bytes_in = 100;
	e->bytes_out = 1000;
	e->direction = HL_HTTP_INBOUND;
	e->family = 2; /* AF_INET */
	e->end_by = HL_HTTP_END_LENGTH;
	e->status = (uint16_t)st;
	e->peer_port = 40000;
	e->peer_addr[0] = 10;
	e->peer_addr[3] = (uint8_t)(1 + i % 4); /* 4 clients */
	snprintf(order_head, sizeof(order_head),
		 "GET /api/orders/%d HTTP/1.1\r\nHost: shop.example\r\n\r\n", i);
}

/* The 100 orders, one outbound call and one head that is not HTTP; a tick and a flush. */
static void feed(struct pmh *h)
{
	uint64_t now = pmh_now_ns();
	struct ev_http e;

	send_proc(h, "orders-api");
	for (int i = 1; i <= N_REQ; i++) {
		order_event(&e, i, now);
		send_req(h, &e, order_head);
	}
	order_event(&e, 3, now); /* this process calling a payment service */
	e.direction = HL_HTTP_OUTBOUND;
	send_req(h, &e, "POST /v1/charges HTTP/1.1\r\nHost: pay\r\n\r\n");
	order_event(&e, 4, now);
	send_req(h, &e, "\x16\x03\x01 not http");
	/* a request naming a head that was never sent: lost, counted */
	order_event(&e, 5, now);
	e.head_hash = 12345;
	pmh_event(h, &e, sizeof(e));
	pmh_tick(h);
}

/* The row of the routes topic for method and route, NULL when absent. */
static json_t *route_row(json_t *routes, const char *method, const char *route)
{
	json_t *r;
	size_t i;

	json_array_foreach(routes, i, r)
		if (!strcmp(json_string_value(json_object_get(r, "method")) ?: "", method) &&
		    !strcmp(json_string_value(json_object_get(r, "route")) ?: "", route))
			return r;
	return NULL;
}

/* More than 4 errors a minute on one route fires, scoped to that route. */
static void route_errors_rule(struct config *cfg)
{
	cfg->alerts_set = true;
	cfg->n_alerts = 1;
	cfg->alerts[0] = (struct alert_rule){
		"route_errors",	  "http_errors_5xx",	  ALERT_GT,	 4, 0, "critical",
		.scope = "route", .agg = ALERT_AGG_COUNT, .window_s = 60
	};
}

static void routes_topic_templates_and_counts(void)
{
	static struct pmh h;
	json_t *routes, *r, *out, *http;
	char fired[256];

	PMH_START(&h, route_errors_rule);
	feed(&h);
	routes = pmh_topic(&h, "routes");
	CHECK(json_array_size(routes) == 2,
	      "one served route for 100 ids and one outbound: got %zu rows",
	      json_array_size(routes));
	r = route_row(routes, "GET", "/api/orders/:id");
	CHECK(r, "/api/orders/1 .. /100 templated as GET /api/orders/:id");
	CHECK(pmh_num(r, "requests_total") == N_REQ && pmh_num(r, "errors_total") == N_5XX,
	      "100 requests, 5 errors: got %g, %g", pmh_num(r, "requests_total"),
	      pmh_num(r, "errors_total"));
	CHECK(pmh_num(r, "error_rate_pct") == 5.0 && pmh_num(r, "client_errors_total") == 0,
	      "error rate 5 %%, no 4xx: got %g %%, %g", pmh_num(r, "error_rate_pct"),
	      pmh_num(r, "client_errors_total"));
	CHECK(fabs(pmh_num(r, "latency_avg_ms") - 50.5) < 1e-9,
	      "mean of 1..100 ms is 50.5: got %.12g", pmh_num(r, "latency_avg_ms"));
	CHECK(pmh_near(pmh_num(r, "latency_p50_ms"), 50, 0.02) &&
		      pmh_near(pmh_num(r, "latency_p95_ms"), 95, 0.02) &&
		      pmh_near(pmh_num(r, "latency_p99_ms"), 99, 0.02),
	      "p50/p95/p99 within 2 %% of 50/95/99 ms: got %g/%g/%g", pmh_num(r, "latency_p50_ms"),
	      pmh_num(r, "latency_p95_ms"), pmh_num(r, "latency_p99_ms"));
	CHECK(!strcmp(json_string_value(json_object_get(r, "comm")) ?: "", "orders-api") &&
		      !strcmp(json_string_value(json_object_get(r, "direction")) ?: "", "inbound"),
	      "the serving process by the name BPF sent (ev_http_proc), inbound");
	out = route_row(routes, "POST", "/v1/charges");
	CHECK(out && pmh_num(out, "requests_total") == 1 &&
		      !strcmp(json_string_value(json_object_get(out, "direction")) ?: "",
			      "outbound"),
	      "the outbound call is its own row");
	http = pmh_topic(&h, "http");
	CHECK(pmh_num(http, "requests_total") == N_REQ + 1 &&
		      pmh_num(http, "inbound_total") == N_REQ &&
		      pmh_num(http, "outbound_total") == 1 && pmh_num(http, "unparsed_total") == 1,
	      "http counters 101 parsed (100 in, 1 out), 1 unparsed: got %g (%g, %g), %g",
	      pmh_num(http, "requests_total"), pmh_num(http, "inbound_total"),
	      pmh_num(http, "outbound_total"), pmh_num(http, "unparsed_total"));
	pmh_fired(&h, "route_errors", fired, sizeof(fired));
	CHECK(!strcmp(fired, "route=GET /api/orders/:id"),
	      "5 errors on the served route fire for it: got '%s'", fired);
	json_decref(http);
	json_decref(routes);
	pmh_stop(&h);
}

static void two_routes_per_process(struct config *cfg)
{
	cfg->http_max_routes = 2;
}

/* Past --http-max-routes a process's new routes count as route "other". */
static void routes_past_the_cap_fold_into_other(void)
{
	static const char *const paths[] = { "/a", "/b", "/c", "/d/7", "/c" };
	static struct pmh h;
	uint64_t now = pmh_now_ns();
	json_t *routes, *other;
	struct ev_http e;

	PMH_START(&h, two_routes_per_process);
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		char head[64];

		order_event(&e, 1, now);
		snprintf(head, sizeof(head), "GET %s HTTP/1.1\r\n\r\n", paths[i]);
		send_req(&h, &e, head);
	}
	pmh_tick(&h);
	routes = pmh_topic(&h, "routes");
	other = route_row(routes, "GET", "other");
	CHECK(json_array_size(routes) == 3 && route_row(routes, "GET", "/a") &&
		      route_row(routes, "GET", "/b") && other &&
		      pmh_num(other, "requests_total") == 3,
	      "/a, /b kept; /c, /d/:id, /c again as GET other (3): got %s", pmh_dump(routes));
	json_decref(routes);
	pmh_stop(&h);
}

/* A short-lived client's routes leave once flushed and idle ROUTE_GONE_MS
 * (30 s) when its process has exited; a live process's stay (until
 * ROUTE_IDLE_MS). Both requests started 40 s ago. */
static void exited_process_routes_leave(void)
{
	static struct pmh h;
	uint64_t then = pmh_now_ns() - 40000000000ull;
	json_t *routes;
	struct ev_http e;
	pid_t gone = fork();

	if (gone == 0)
		_exit(0);
	waitpid(gone, NULL, 0);
	PMH_START(&h, NULL);
	order_event(&e, 1, then);
	e.direction = HL_HTTP_OUTBOUND;
	e.h.pid = e.h.tgid = (uint32_t)gone;
	send_req(&h, &e, "GET /gone HTTP/1.1\r\n\r\n");
	order_event(&e, 1, then);
	e.direction = HL_HTTP_OUTBOUND;
	e.h.pid = e.h.tgid = (uint32_t)getpid();
	send_req(&h, &e, "GET /alive HTTP/1.1\r\n\r\n");
	pmh_tick(&h); /* counted, then flushed */
	routes = pmh_topic(&h, "routes");
	CHECK(route_row(routes, "GET", "/gone") && route_row(routes, "GET", "/alive"),
	      "both routes after their requests: got %s", pmh_dump(routes));
	json_decref(routes);
	pmh_tick(&h);
	routes = pmh_topic(&h, "routes");
	CHECK(!route_row(routes, "GET", "/gone") && route_row(routes, "GET", "/alive"),
	      "the exited client's route gone, the live one's kept: got %s", pmh_dump(routes));
	json_decref(routes);
	/* the same head from that pid again (a reused pid): a new row, not the
	 * freed one the head remembered (routes_gen) */
	order_event(&e, 1, pmh_now_ns());
	e.direction = HL_HTTP_OUTBOUND;
	e.h.pid = e.h.tgid = (uint32_t)gone;
	send_req(&h, &e, "GET /gone HTTP/1.1\r\n\r\n");
	pmh_tick(&h);
	routes = pmh_topic(&h, "routes");
	CHECK(route_row(routes, "GET", "/gone") &&
		      pmh_num(route_row(routes, "GET", "/gone"), "requests_total") == 1,
	      "the route back with its one new request: got %s", pmh_dump(routes));
	json_decref(routes);
	pmh_stop(&h);
}

/* The requests in the newest live update (its "requests" array's size,
 * -1 when there is none), and that array's last path into path. */
static int update_requests(struct pmh *h, char *path, size_t len)
{
	struct blob *b = NULL;
	uint64_t id;
	json_t *u, *a;
	int n = -1;

	if (state__updates_after(h->st, state__last_update_id(h->st) - 1, &b, &id, 1) != 1)
		return -1;
	u = json_loadb(b->data, b->len, 0, NULL);
	a = json_object_get(u, "requests");
	if (json_is_array(a)) {
		n = (int)json_array_size(a);
		snprintf(
			path, len, "%s",
			json_string_value(json_object_get(json_array_get(a, json_array_size(a) - 1), "path")) ?:
				"");
	}
	json_decref(u);
	blob__put(b);
	return n;
}

/* The live update carries the requests since the last one, the topic the
 * newest 200; a tick without requests carries none and keeps the topic. */
static void live_update_carries_new_requests(void)
{
	static struct pmh h;
	struct ev_http e;
	char path[64];
	json_t *reqs;
	int n;

	PMH_START(&h, NULL);
	feed(&h);
	n = update_requests(&h, path, sizeof(path));
	CHECK(n == N_REQ + 1, "the first update: all %d parsed requests, got %d", N_REQ + 1, n);
	order_event(&e, 7, pmh_now_ns());
	send_req(&h, &e, "GET /api/orders/7 HTTP/1.1\r\n\r\n");
	pmh_tick(&h);
	n = update_requests(&h, path, sizeof(path));
	CHECK(n == 1 && !strcmp(path, "/api/orders/7"),
	      "the next update: the one new request, got %d (%s)", n, path);
	pmh_tick(&h);
	n = update_requests(&h, path, sizeof(path));
	reqs = pmh_topic(&h, "requests");
	CHECK(n == 0 && json_array_size(reqs) == N_REQ + 2,
	      "a tick without requests: none in its update (got %d), the topic kept (%zu)", n,
	      json_array_size(reqs));
	json_decref(reqs);
	pmh_stop(&h);
}

/* The live feed and the summary cards over the last 10 s. */
static void requests_and_summary(void)
{
	static struct pmh h;
	json_t *reqs, *last, *sum;
	int n500 = 0;
	size_t i;

	PMH_START(&h, NULL);
	feed(&h);
	reqs = pmh_topic(&h, "requests");
	CHECK(json_array_size(reqs) == N_REQ + 1, "101 parsed requests in the feed: got %zu",
	      json_array_size(reqs));
	json_array_foreach(reqs, i, last)
		n500 += pmh_num(last, "status") == 500;
	CHECK(n500 == N_5XX, "5 requests with status 500 in the feed: got %d", n500);
	last = json_array_get(reqs, N_REQ - 1); /* oldest first: the 100th order */
	CHECK(!strcmp(json_string_value(json_object_get(last, "path")) ?: "", "/api/orders/100") &&
		      !strcmp(json_string_value(json_object_get(last, "route")) ?: "",
			      "/api/orders/:id") &&
		      pmh_num(last, "latency_ms") == 100 && pmh_num(last, "status") == 500 &&
		      !strcmp(json_string_value(json_object_get(last, "peer")) ?: "",
			      "10.0.0.1:40000"),
	      "request 100: its path, route, 100 ms, 500, peer 10.0.0.1:40000: got %s",
	      pmh_dump(last));
	sum = pmh_topic(&h, "summary");
	CHECK(pmh_num(sum, "http_error_rate_pct") == 5.0, "summary error rate 5 %%: got %g",
	      pmh_num(sum, "http_error_rate_pct"));
	CHECK(pmh_near(pmh_num(sum, "http_p95_ms"), 95, 0.02),
	      "summary p95 within 2 %% of 95 ms: got %g", pmh_num(sum, "http_p95_ms"));
	CHECK(pmh_num(sum, "active_users") == 4, "4 client addresses: got %g",
	      pmh_num(sum, "active_users"));
	json_decref(sum);
	json_decref(reqs);
	pmh_stop(&h);
}

static void webapp_record_at_flush(void)
{
	static struct pmh h;
	json_t *rec, *routes, *r;

	PMH_START(&h, NULL);
	feed(&h);
	rec = pmh_record(&h, "webapp-metrics");
	CHECK(rec, "a webapp-metrics record at the flush");
	CHECK(!strcmp(json_string_value(json_object_get(rec, "source")) ?: "", "host-pm"),
	      "the record names its source");
	CHECK(pmh_num(rec, "requests_total") == N_REQ && pmh_num(rec, "errors_total") == N_5XX &&
		      pmh_num(rec, "client_errors_total") == 0 &&
		      pmh_num(rec, "error_rate_pct") == 5.0,
	      "served: 100 requests, 5 errors, 5 %%: got %g, %g, %g %%",
	      pmh_num(rec, "requests_total"), pmh_num(rec, "errors_total"),
	      pmh_num(rec, "error_rate_pct"));
	CHECK(pmh_num(rec, "bytes_in") == N_REQ * 100 && pmh_num(rec, "bytes_out") == N_REQ * 1000,
	      "bytes of the served requests only: got %g in, %g out", pmh_num(rec, "bytes_in"),
	      pmh_num(rec, "bytes_out"));
	CHECK(pmh_num(rec, "response_time_avg_ms") == 50.5 &&
		      pmh_num(rec, "response_time_max_ms") == 100,
	      "mean 50.5 ms, max 100 ms: got %g, %g", pmh_num(rec, "response_time_avg_ms"),
	      pmh_num(rec, "response_time_max_ms"));
	CHECK(pmh_near(pmh_num(rec, "response_time_p50_ms"), 50, 0.02) &&
		      pmh_near(pmh_num(rec, "response_time_p99_ms"), 99, 0.02),
	      "p50, p99 within 2 %% of 50, 99 ms: got %g, %g", pmh_num(rec, "response_time_p50_ms"),
	      pmh_num(rec, "response_time_p99_ms"));
	CHECK(pmh_num(rec, "active_users") == 4, "4 clients: got %g", pmh_num(rec, "active_users"));
	routes = json_object_get(rec, "routes");
	r = route_row(routes, "GET", "/api/orders/:id");
	CHECK(json_array_size(routes) == 2 && r && pmh_num(r, "requests_total") == N_REQ &&
		      pmh_num(r, "errors_total") == N_5XX && pmh_num(r, "error_rate_pct") == 5.0,
	      "route rows: GET /api/orders/:id 100 requests, 5 errors: got %s", pmh_dump(r));
	CHECK(r && pmh_near(pmh_num(r, "latency_p99_ms"), 99, 0.02),
	      "route p99 within 2 %% of 99 ms: got %g", pmh_num(r, "latency_p99_ms"));
	pmh_stop(&h);
}

#define SERIES_LABELS \
	"process=\"orders-api\",direction=\"inbound\",method=\"GET\",route=\"/api/orders/:id\""

static void prometheus_rows(void)
{
	static const struct pmh_series want[] = {
		{ "hostlens_http_requests_total{" SERIES_LABELS ",status_class=\"2xx\"}", "95" },
		{ "hostlens_http_requests_total{" SERIES_LABELS ",status_class=\"5xx\"}", "5" },
		{ "hostlens_http_request_duration_seconds_bucket{" SERIES_LABELS ",le=\"0.005\"}",
		  "5" },
		{ "hostlens_http_request_duration_seconds_bucket{" SERIES_LABELS ",le=\"0.01\"}",
		  "10" },
		{ "hostlens_http_request_duration_seconds_bucket{" SERIES_LABELS ",le=\"0.05\"}",
		  "50" },
		{ "hostlens_http_request_duration_seconds_bucket{" SERIES_LABELS ",le=\"0.1\"}",
		  "100" },
		{ "hostlens_http_request_duration_seconds_bucket{" SERIES_LABELS ",le=\"+Inf\"}",
		  "100" },
		{ "hostlens_http_request_duration_seconds_sum{" SERIES_LABELS "}", "5.05" },
		{ "hostlens_http_request_duration_seconds_count{" SERIES_LABELS "}", "100" },
		{ "hostlens_http_unparsed_total", "1" },
		/* 102 heads sent, 102 requests found theirs, one named a head never sent */
		{ "hostlens_http_head_cache_total{result=\"head\"}", "102" },
		{ "hostlens_http_head_cache_total{result=\"hit\"}", "102" },
		{ "hostlens_http_head_cache_total{result=\"miss\"}", "1" },
	};
	static struct pmh h;
	char got[64];

	PMH_START(&h, NULL);
	feed(&h);
	pmh_check_prom(&h, want, sizeof(want) / sizeof(want[0]));
	CHECK(!pmh_prom(&h, "hostlens_http_requests_total{" SERIES_LABELS ",status_class=\"4xx\"}",
			got, sizeof(got)),
	      "no 4xx series when there was no 4xx");
	CHECK(pmh_prom_line(&h, "# TYPE hostlens_http_request_duration_seconds histogram"),
	      "the duration family typed histogram");
	pmh_stop(&h);
}

/* The breakdown topic's slowest list: the 20 slowest requests of the last 5
 * minutes, whatever order they came in; an older one makes way even for a
 * fast one. 1 old 500 ms request and 19 fast ones fill the list, then 100
 * requests of 1 .. 100 ms come shuffled: 81 .. 100 ms are what is left. */
static void slowest_breakdowns(void)
{
	static struct pmh h;
	uint64_t now = pmh_now_ns();
	json_t *bd, *slow, *row;
	struct ev_http e;
	size_t i;
	int want = 100;
	bool ok = true;

	PMH_START(&h, NULL);
	send_proc(&h, "orders-api");
	for (int k = 0; k < 120; k++) {
		int ms = k == 0 ? 500 : k < 20 ? k : 1 + (k - 20) * 37 % 100;

		order_event(&e, ms, k == 0 ? now - 360000000000ull : now);
		e.bd_flags = HL_BD_VALID;
		e.bd_oncpu = (uint32_t)((e.latency_ns / 2) >> HL_BD_SHIFT);
		send_req(&h, &e, order_head);
	}
	pmh_tick(&h);
	bd = pmh_topic(&h, "breakdown");
	slow = json_object_get(bd, "slowest");
	json_array_foreach(slow, i, row)
		ok = ok && pmh_num(row, "latency_ms") == want--;
	CHECK(json_array_size(slow) == 20 && ok,
	      "the slowest list: 100 .. 81 ms, the 6-minute-old 500 ms one gone: got %s",
	      pmh_dump(slow));
	json_decref(bd);
	pmh_stop(&h);
}

/* The breakdown and routes topics are since start, across flushes: 100
 * requests of 2 .. 200 ms, 1 .. 100 ms of it on CPU, a flush, 100 of 202 ..
 * 400 ms: the route's CPU p50 is ~100 ms and p99 ~198 ms (the second window
 * alone: 150 and 199), its latency p50 ~200 ms, p99 ~396, mean 201. */
static void breakdown_spans_flushes(void)
{
	static struct pmh h;
	uint64_t now = pmh_now_ns();
	json_t *bd, *row;
	struct ev_http e;

	PMH_START(&h, NULL);
	send_proc(&h, "orders-api");
	for (int w = 0; w < 2; w++) {
		for (int i = 1; i <= N_REQ; i++) {
			order_event(&e, 2 * (w * N_REQ + i), now);
			e.status = 200;
			e.bd_flags = HL_BD_VALID;
			e.bd_oncpu = (uint32_t)((e.latency_ns / 2) >> HL_BD_SHIFT);
			send_req(&h, &e, "GET /api/cart HTTP/1.1\r\n\r\n");
		}
		pmh_tick(&h);
	}
	bd = pmh_topic(&h, "breakdown");
	row = json_array_get(json_object_get(bd, "routes"), 0);
	CHECK(row && pmh_num(row, "requests_total") == 2 * N_REQ &&
		      pmh_near(pmh_num(json_object_get(row, "p50"), "cpu_ms"), 100, 0.03) &&
		      pmh_near(pmh_num(json_object_get(row, "p99"), "cpu_ms"), 198, 0.03),
	      "200 requests, CPU p50 ~100 ms and p99 ~198 ms over both flush windows: got %s",
	      pmh_dump(row));
	json_decref(bd);
	bd = pmh_topic(&h, "routes");
	row = route_row(bd, "GET", "/api/cart");
	CHECK(row && pmh_num(row, "latency_avg_ms") == 201 &&
		      pmh_near(pmh_num(row, "latency_p50_ms"), 200, 0.03) &&
		      pmh_near(pmh_num(row, "latency_p99_ms"), 396, 0.03),
	      "the route's latency over both windows: avg 201 ms, p50 ~200, p99 ~396: got %s",
	      pmh_dump(row));
	json_decref(bd);
	pmh_stop(&h);
}

int main(void)
{
	RUN(routes_topic_templates_and_counts);
	RUN(requests_and_summary);
	RUN(webapp_record_at_flush);
	RUN(prometheus_rows);
	RUN(routes_past_the_cap_fold_into_other);
	RUN(exited_process_routes_leave);
	RUN(live_update_carries_new_requests);
	RUN(slowest_breakdowns);
	RUN(breakdown_spans_flushes);
	CHECK_DONE();
}
