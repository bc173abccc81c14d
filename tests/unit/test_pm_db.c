// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The database processor module (user/db/pm_db.c) without BPF: synthetic
 * ev_db events through the event log. A client (redis GETs with known
 * latencies, one error reply, one pipeline), a PostgreSQL connection whose
 * close is folded before its open (two CPUs' rings), three more held open;
 * one tick and a flush later the "databases" topic, the database-metrics
 * record and /metrics count them per process, server and operation, and the
 * gauge holds the open connections only.
 */
#include <string.h>

#include "tests/unit/check.h"
#include "tests/unit/pmharness.h"
#include "bpf/db/db.h"

#define APP PMH_TGID
#define MS 1000000ull

static void ev(struct ev_db *e, uint8_t system, uint64_t conn, uint8_t flags, uint16_t port)
{
	memset(e, 0, sizeof(*e));
	e->h.type = HL_EV_DB_OP;
	e->h.size = sizeof(*e);
	e->h.ts_ns = pmh_now_ns();
	e->h.pid = e->h.tgid = APP;
	e->conn_id = conn;
	e->system = system;
	e->role = HL_DB_CLIENT;
	e->family = 2;
	e->flags = flags;
	e->peer_port = port;
	e->local_port = 40000;
	e->peer_addr[0] = 127;
	e->peer_addr[3] = 1;
	e->local_addr[0] = 127;
	e->local_addr[3] = 1;
	e->nwrites = 1;
	snprintf(e->comm, sizeof(e->comm), "app");
}

static void op(struct ev_db *e, const char *req, size_t req_n, uint64_t total, const char *resp,
	       uint64_t lat_ns)
{
	memcpy(e->req_head, req, req_n < HL_DB_REQ_HEAD ? req_n : HL_DB_REQ_HEAD);
	e->req_len = (uint16_t)(req_n < HL_DB_REQ_HEAD ? req_n : HL_DB_REQ_HEAD);
	e->req_bytes = total;
	e->resp_len = (uint16_t)strlen(resp);
	memcpy(e->resp_head, resp, e->resp_len);
	e->latency_ns = lat_ns;
	e->start_ns = e->h.ts_ns - lat_ns;
}

static void feed(struct pmh *h)
{
	static const char get[] = "*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n";
	static const char lpush[] = "*3\r\n$5\r\nLPUSH\r\n$1\r\nk\r\n$1\r\nx\r\n";
	char pipe[4 * sizeof(get)];
	struct ev_db e;

	ev(&e, HL_DB_REDIS, 1, HL_DB_F_OPEN, 6379);
	pmh_event(h, &e, sizeof(e));
	for (int i = 1; i <= 100; i++) {
		ev(&e, HL_DB_REDIS, 1, 0, 6379);
		op(&e, get, sizeof(get) - 1, sizeof(get) - 1, "$1\r\nv\r\n", (uint64_t)i * MS);
		pmh_event(h, &e, sizeof(e));
	}
	ev(&e, HL_DB_REDIS, 1, 0, 6379);
	op(&e, lpush, sizeof(lpush) - 1, sizeof(lpush) - 1, "-WRONGTYPE Operation\r\n", MS);
	pmh_event(h, &e, sizeof(e));
	for (int i = 0; i < 4; i++)
		memcpy(pipe + i * (sizeof(get) - 1), get, sizeof(get) - 1);
	ev(&e, HL_DB_REDIS, 1, 0, 6379);
	op(&e, pipe, 4 * (sizeof(get) - 1), 4 * (sizeof(get) - 1), "$1\r\nv\r\n$1\r\nv\r\n", MS);
	pmh_event(h, &e, sizeof(e));
	/* PostgreSQL: connection 7's close comes before its open */
	ev(&e, HL_DB_POSTGRES, 7, HL_DB_F_CLOSE, 5432);
	pmh_event(h, &e, sizeof(e));
	ev(&e, HL_DB_POSTGRES, 7, HL_DB_F_OPEN, 5432);
	pmh_event(h, &e, sizeof(e));
	for (uint64_t c = 8; c < 11; c++) {
		ev(&e, HL_DB_POSTGRES, c, HL_DB_F_OPEN, 5432);
		pmh_event(h, &e, sizeof(e));
	}
	/* PostgreSQL prepared: 3 executions of "s1" folded before its Parse
	 * (another CPU's ring), then the Parse */
	{
		static const char bind[] = "B\0\0\0\x0e\0s1\0\0\0\0\0\0\0"
					   "E\0\0\0\x09\0\0\0\0\0"
					   "S\0\0\0\x04";
		static const char parse[] = "P\0\0\0\x12s1\0SELECT 1\0\0\0"
					    "S\0\0\0\x04";

		for (int i = 0; i < 3; i++) {
			ev(&e, HL_DB_POSTGRES, 8, 0, 5432);
			op(&e, bind, sizeof(bind) - 1, sizeof(bind) - 1, "2\0\0\0\x04", MS);
			pmh_event(h, &e, sizeof(e));
		}
		ev(&e, HL_DB_POSTGRES, 8, 0, 5432);
		op(&e, parse, sizeof(parse) - 1, sizeof(parse) - 1, "1\0\0\0\x04", MS);
		pmh_event(h, &e, sizeof(e));
	}
	pmh_tick(h);
}

static json_t *find_op(json_t *ops, const char *name)
{
	json_t *o;
	size_t i;

	json_array_foreach(ops, i, o)
		if (!strcmp(json_string_value(json_object_get(o, "operation")), name))
			return o;
	return NULL;
}

static void pm_db_topic_record_metrics(void)
{
	struct pmh h;
	json_t *t, *g, *r, *rg, *servers, *stats;
	char v[64];

	PMH_START(&h, NULL);
	feed(&h);
	t = pmh_topic(&h, "databases");
	CHECK(t, "databases topic published");
	if (!t)
		goto out;
	g = find_op(json_object_get(t, "operations"), "GET");
	CHECK(g && json_integer_value(json_object_get(g, "count")) == 100 &&
		      json_integer_value(json_object_get(g, "pid")) == APP &&
		      !strcmp(json_string_value(json_object_get(g, "db_system")), "redis"),
	      "expected 100 GETs from the app to redis");
	if (g) {
		double p50 = json_real_value(json_object_get(g, "latency_p50_ms"));
		double p99 = json_real_value(json_object_get(g, "latency_p99_ms"));

		CHECK(p50 > 49 && p50 < 52 && p99 > 97 && p99 < 101,
		      "latencies 1..100 ms: expected p50 ~50, p99 ~99, got %.2f %.2f", p50, p99);
	}
	g = find_op(json_object_get(t, "operations"), "LPUSH");
	CHECK(g && json_integer_value(json_object_get(g, "errors")) == 1,
	      "LPUSH's error reply counted");
	g = find_op(json_object_get(t, "operations"), "SELECT");
	CHECK(g && json_integer_value(json_object_get(g, "count")) == 3 &&
		      !find_op(json_object_get(t, "operations"), "other"),
	      "3 executions of a statement whose Parse came after them: SELECT, not other");
	stats = json_object_get(t, "stats");
	CHECK(json_integer_value(json_object_get(stats, "pipelined_total")) == 1,
	      "one pipelined exchange, got %lld",
	      (long long)json_integer_value(json_object_get(stats, "pipelined_total")));
	CHECK(json_integer_value(json_object_get(t, "connections_active")) == 4,
	      "4 open (redis 1 + postgres 3: the one closed before its open folded gone), got %lld",
	      (long long)json_integer_value(json_object_get(t, "connections_active")));
	servers = json_object_get(t, "servers");
	CHECK(json_array_size(servers) == 2, "two servers, got %zu", json_array_size(servers));
	r = pmh_record(&h, "database-metrics");
	CHECK(r, "database-metrics record");
	if (r) {
		CHECK(json_integer_value(json_object_get(r, "operations_total")) == 104 &&
			      json_integer_value(json_object_get(r, "errors_total")) == 1,
		      "record: 104 operations, 1 error");
		rg = find_op(json_object_get(r, "operations"), "GET");
		CHECK(rg && json_integer_value(json_object_get(rg, "count")) == 100, "record GETs");
	}
	CHECK(pmh_prom(
		      &h,
		      "db_client_operation_duration_seconds_count{db_system=\"redis\",db_operation_name=\"GET\",server_address=\"127.0.0.1\",server_port=\"6379\"}",
		      v, sizeof(v)) &&
		      !strcmp(v, "100"),
	      "Prometheus GET count: '%s'", v);
	CHECK(pmh_prom(
		      &h,
		      "db_client_operation_duration_seconds_bucket{db_system=\"redis\",db_operation_name=\"GET\",server_address=\"127.0.0.1\",server_port=\"6379\",le=\"0.05\"}",
		      v, sizeof(v)) &&
		      !strcmp(v, "50"),
	      "50 GETs at or under 50 ms: '%s'", v);
	CHECK(pmh_prom(
		      &h,
		      "hostlens_db_connections_active{db_system=\"postgresql\",server_address=\"127.0.0.1\",server_port=\"5432\"}",
		      v, sizeof(v)) &&
		      !strcmp(v, "3"),
	      "postgres gauge 3: '%s'", v);
	json_decref(t);
out:
	pmh_stop(&h);
}

int main(void)
{
	RUN(pm_db_topic_record_metrics);
	CHECK_DONE();
}
