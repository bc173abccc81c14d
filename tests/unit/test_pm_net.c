// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The network processor module (user/net/pm_net.c) without BPF: 13 TCP closes
 * with known bytes, retransmits and durations go through the event log into
 * the processor. One tick and a flush later the "connections" topic, the
 * network-metrics record and /metrics count them by role, peer (the client's
 * ephemeral port folded away) and process, the 2 failed connects apart; the
 * duration percentiles lie in the slot of the true value (bpf/common/lathist.h) and
 * an alert rule scoped per server fires for the refusing one only.
 * (Byte and reset totals come from BPF maps, absent here: not checked.)
 */
#include <math.h>
#include <string.h>

#include "tests/unit/check.h"
#include "tests/unit/pmharness.h"
#include "bpf/common/lathist.h"
#include "bpf/net/net.h"

#define FETCHER PMH_TGID
#define NGINX (PMH_TGID + 1)
#define MS 1000000ull

/* One close: tgid's connection from 10.0.0.5:sport to daddr:dport. */
static void close_event(struct ev_tcp_close *e, uint32_t tgid, const char *comm, uint8_t role,
			const uint8_t daddr[4], uint16_t sport, uint16_t dport, uint64_t dur_ns)
{
	uint64_t now = pmh_now_ns();

	memset(e, 0, sizeof(*e));
	e->h.type = HL_EV_TCP_CLOSE;
	e->h.size = sizeof(*e);
	e->h.ts_ns = now;
	e->h.pid = e->h.tgid = tgid;
	e->start_ns = dur_ns ? now - dur_ns : 0;
	e->duration_ns = dur_ns;
	e->family = 2; /* AF_INET */
	e->sport = sport;
	e->dport = dport;
	e->role = role;
	e->oldstate = 4; /* FIN_WAIT1: established before */
	e->saddr[0] = 10;
	e->saddr[3] = 5;
	memcpy(e->daddr, daddr, 4);
	snprintf(e->comm, sizeof(e->comm), "%s", comm);
}

/*
 * fetcher: 10 closes to 192.0.2.10:443 (tx 1000 i, rx 10000 i bytes, i * 10
 * ms, 1 retransmit each for i <= 2) and 2 refused connects to
 * 192.0.2.20:5432 (SYN_SENT, 5 ms); nginx: one served connection from
 * 198.51.100.7 older than the agent (no duration). Then a tick and a flush.
 */
static void feed(struct pmh *h)
{
	static const uint8_t web[4] = { 192, 0, 2, 10 }, db[4] = { 192, 0, 2, 20 },
			     visitor[4] = { 198, 51, 100, 7 };
	struct ev_tcp_close e;

	for (int i = 1; i <= 10; i++) {
		close_event(&e, FETCHER, "fetcher", HL_ROLE_CLIENT, web, (uint16_t)(50000 + i), 443,
			    (uint64_t)i * 10 * MS);
		e.tx_bytes = 1000ull * (uint64_t)i;
		e.rx_bytes = 10000ull * (uint64_t)i;
		e.retransmits = i <= 2;
		pmh_event(h, &e, sizeof(e));
	}
	for (int i = 0; i < 2; i++) {
		close_event(&e, FETCHER, "fetcher", HL_ROLE_CLIENT, db, (uint16_t)(51000 + i), 5432,
			    5 * MS);
		e.oldstate = 2; /* SYN_SENT: refused */
		pmh_event(h, &e, sizeof(e));
	}
	close_event(&e, NGINX, "nginx", HL_ROLE_SERVER, visitor, 80, 61000, 0);
	e.tx_bytes = 777;
	pmh_event(h, &e, sizeof(e));
	pmh_tick(h);
}

/* The element of arr whose key is the string or number want. */
static json_t *find(json_t *arr, const char *key, const char *want)
{
	json_t *e, *v;
	size_t i;
	char num[32];

	json_array_foreach(arr, i, e) {
		v = json_object_get(e, key);
		snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
		if (!strcmp(json_is_string(v) ? json_string_value(v) : num, want))
			return e;
	}
	return NULL;
}

/* got lies in the lathist slot of true value ns (in ms). */
static bool in_slot(double got_ms, uint64_t ns)
{
	__u32 s = lathist_slot(ns);

	return got_ms * 1e6 >= (double)lathist_lo(s) && got_ms * 1e6 <= (double)lathist_hi(s);
}

static void refused_rule(struct config *cfg)
{
	cfg->alerts_set = true;
	cfg->n_alerts = 1;
	cfg->alerts[0] = (struct alert_rule){
		"refused",	   "tcp_connections_failed", ALERT_GT,	    1, 0, "warning",
		.scope = "server", .agg = ALERT_AGG_COUNT,   .window_s = 60
	};
}

static void connections_topic(void)
{
	static struct pmh h;
	json_t *doc, *recent, *first, *peers, *p, *procs;
	char id[16], fired[256];

	PMH_START(&h, refused_rule);
	feed(&h);
	doc = pmh_topic(&h, "connections");
	recent = json_object_get(doc, "recent");
	first = json_array_get(recent, 0);
	CHECK(json_array_size(recent) == 13, "13 closes in recent: got %zu",
	      json_array_size(recent));
	CHECK(!strcmp(json_string_value(json_object_get(first, "comm")) ?: "", "nginx") &&
		      !strcmp(json_string_value(json_object_get(first, "role")) ?: "", "server") &&
		      json_is_null(json_object_get(first, "duration_ms")) &&
		      pmh_num(first, "tx_bytes") == 777,
	      "newest first: nginx's served close, no duration, 777 bytes sent");
	first = json_array_get(recent, 1);
	CHECK(!strcmp(json_string_value(json_object_get(first, "state")) ?: "", "failed") &&
		      !strcmp(json_string_value(json_object_get(first, "daddr")) ?: "",
			      "192.0.2.20") &&
		      pmh_num(first, "duration_ms") == 5,
	      "then a refused connect to 192.0.2.20 of 5 ms");
	CHECK(pmh_num(doc, "failed_total") == 2 && pmh_num(doc, "unknown_duration_total") == 1,
	      "2 failed, 1 of unknown duration: got %g, %g", pmh_num(doc, "failed_total"),
	      pmh_num(doc, "unknown_duration_total"));
	/* 12 known: 5, 5, 10, 20 .. 100 ms; the median rank is the 6th (40 ms) */
	CHECK(in_slot(pmh_num(doc, "duration_p50_ms"), 40 * MS) &&
		      in_slot(pmh_num(doc, "duration_p99_ms"), 100 * MS),
	      "duration p50 in 40 ms's slot, p99 in 100 ms's: got %g, %g",
	      pmh_num(doc, "duration_p50_ms"), pmh_num(doc, "duration_p99_ms"));
	peers = json_object_get(doc, "peers");
	p = find(peers, "addr", "192.0.2.10");
	CHECK(json_array_size(peers) == 3 && p && pmh_num(p, "port") == 443 &&
		      pmh_num(p, "connections") == 10 && pmh_num(p, "tx_bytes") == 55000 &&
		      pmh_num(p, "rx_bytes") == 550000 && pmh_num(p, "retransmits") == 2,
	      "192.0.2.10:443: 10 connections (ports folded), 55000/550000 bytes, 2 retransmits: got %s",
	      pmh_dump(p));
	p = find(peers, "addr", "198.51.100.7");
	CHECK(p && pmh_num(p, "port") == 80, "a served peer keyed by this host's service port 80");
	procs = json_object_get(doc, "processes");
	snprintf(id, sizeof(id), "%u", FETCHER);
	p = find(procs, "pid", id);
	CHECK(p && pmh_num(p, "connections_closed") == 12 &&
		      !strcmp(json_string_value(json_object_get(p, "comm")) ?: "", "fetcher"),
	      "fetcher owned 12 closed connections");
	pmh_fired(&h, "refused", fired, sizeof(fired));
	CHECK(!strcmp(fired, "server=192.0.2.20:5432"),
	      "2 refused connects fire for that server only: got '%s'", fired);
	json_decref(doc);
	pmh_stop(&h);
}

static void network_record_at_flush(void)
{
	static struct pmh h;
	json_t *rec, *p;
	char id[16];

	PMH_START(&h, NULL);
	feed(&h);
	rec = pmh_record(&h, "network-metrics");
	CHECK(rec, "a network-metrics record at the flush");
	CHECK(pmh_num(rec, "connections_closed") == 13 && pmh_num(rec, "connections_failed") == 2,
	      "13 closed, 2 failed: got %g, %g", pmh_num(rec, "connections_closed"),
	      pmh_num(rec, "connections_failed"));
	CHECK(fabs(pmh_num(rec, "connection_duration_avg_ms") - 560.0 / 12) < 1e-9,
	      "mean of the 12 known durations 560/12 ms: got %.12g",
	      pmh_num(rec, "connection_duration_avg_ms"));
	CHECK(in_slot(pmh_num(rec, "connection_duration_p50_ms"), 40 * MS) &&
		      in_slot(pmh_num(rec, "connection_duration_p99_ms"), 100 * MS) &&
		      in_slot(pmh_num(rec, "connection_duration_max_ms"), 100 * MS),
	      "p50 in 40 ms's slot, p99 and max in 100 ms's: got %g, %g, %g",
	      pmh_num(rec, "connection_duration_p50_ms"),
	      pmh_num(rec, "connection_duration_p99_ms"),
	      pmh_num(rec, "connection_duration_max_ms"));
	CHECK(json_array_size(json_object_get(rec, "recent_closes")) == 13,
	      "the 13 closes in the record");
	p = find(json_object_get(rec, "peers"), "addr", "192.0.2.20");
	CHECK(p && pmh_num(p, "port") == 5432 && pmh_num(p, "connections") == 2,
	      "192.0.2.20:5432: 2 connections");
	snprintf(id, sizeof(id), "%u", NGINX);
	p = find(json_object_get(rec, "processes"), "pid", id);
	CHECK(p && pmh_num(p, "connections_closed") == 1, "nginx: 1 closed connection");
	pmh_stop(&h);
}

static void prometheus_rows(void)
{
	static const struct pmh_series want[] = {
		{ "hostlens_tcp_connections_closed_total{role=\"client\"}", "12" },
		{ "hostlens_tcp_connections_closed_total{role=\"server\"}", "1" },
		{ "hostlens_tcp_connections_closed_total{role=\"unknown\"}", "0" },
		{ "hostlens_tcp_connections_failed_total", "2" },
		{ "hostlens_tcp_connections_active", "0" },
	};
	static struct pmh h;

	PMH_START(&h, NULL);
	feed(&h);
	pmh_check_prom(&h, want, sizeof(want) / sizeof(want[0]));
	pmh_stop(&h);
}

int main(void)
{
	RUN(connections_topic);
	RUN(network_record_at_flush);
	RUN(prometheus_rows);
	CHECK_DONE();
}
