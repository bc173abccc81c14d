// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Processor module of the database signal. Each struct ev_db is either an
 * operation (a request paired with its response's first bytes: parsed into
 * an operation name and an error flag, user/db/db_parse.h, and accounted per
 * (process, role, system, server address:port, operation)), or a
 * connection's open / close, which keep the open-connections gauge per
 * server and per client process. Once a second: topic "databases", series,
 * /metrics (db_client_operation_duration_seconds after OpenTelemetry's
 * db.client.operation.duration, one series per system, operation and
 * server: processes summed); each flush: one database-metrics record.
 *
 * DESIGN: processor thread only, no locks. Every table is bounded: series
 * beyond MAX_SERIES, connections beyond MAX_CONNS and operation names beyond
 * the intern table are counted, not kept. What cannot be paired (pipelines)
 * or parsed is counted and shown, never guessed into a latency.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf/db/db.h"
#include "user/db/db_intern.h"
#include "user/db/db_parse.h"
#include "user/db/pm_db.h"
#include "user/lib/hist.h"
#include "user/lib/table.h"
#include "user/lib/utf8.h"
#include "user/pipeline/loader.h"
#include "user/pipeline/rollup.h"
#include "user/sock/sock_shared.h"
#include "sock.skel.h"

#define MAX_SERIES 512		      /* (process, role, server, operation) series */
#define MAX_CONNS 16384		      /* open database connections tracked */
#define MAX_NAMES 256		      /* interned operation names */
#define STMT_SLOTS 4096		      /* prepared statements remembered */
#define NB 14			      /* Prometheus histogram buckets (seconds) */
#define PARK_MAX 1024		      /* executions waiting for their prepare's event */
#define PARK_NS (500ull * 1000000ull) /* how long one waits */

static const double le_s[NB] = { 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
				 0.1,	 0.25,	0.5,	1,     2.5,  5,	    10 };
static const char *const le_str[NB] = { "0.0005", "0.001", "0.0025", "0.005", "0.01",
					"0.025",  "0.05",  "0.1",    "0.25",  "0.5",
					"1",	  "2.5",   "5",	     "10" };

struct srv_key {
	uint8_t addr[16];
	uint16_t port;
	uint8_t family;
	uint8_t system;
};

struct series_key {
	uint32_t tgid;
	uint32_t op; /* db_intern id */
	uint8_t role;
	uint8_t pad[3];
	struct srv_key srv;
};

struct series {
	struct series_key k;
	char comm[UTF8_COMM_SIZE];
	uint64_t count, errors, t_count; /* since start; this tick */
	double sum_ms;
	uint64_t le[NB];	    /* cumulative Prometheus buckets */
	struct hist all;	    /* since start: the topic's quantiles */
	uint64_t f_count, f_errors; /* since the last flush */
	struct hist f;
	struct hist t; /* this tick: the alert metric's p95 */
};

struct conn {
	uint64_t id;	    /* key: ev_db.conn_id */
	uint64_t closed_ns; /* a close seen before its open (another CPU's ring
				 * drained first): waits for the open, not counted */
	uint32_t tgid;
	uint8_t role;
	struct srv_key srv;
	char comm[UTF8_COMM_SIZE];
};

enum { C_OPS, C_PIPELINED, C_UNPARSED, C_SKIPPED, C_SERIES_DROPPED, C_CONNS_DROPPED, C_N };
static const char *const c_names[C_N] = { "operations_total",	  "pipelined_total",
					  "unparsed_total",	  "session_messages_total",
					  "series_dropped_total", "connections_dropped_total" };
static const char *const bpf_names[HL_DB_ST_MAX] = {
	"bpf_operations_total",	      "bpf_connections_total",
	"unclassified_sockets_total", "orphan_responses_total",
	"unanswered_total",	      "tls_connections_total",
	"no_storage_total",	      NULL
};

struct db_priv {
	struct db_intern *names;
	struct db_stmts *stmts;
	struct table *series; /* struct series */
	struct table *conns;  /* struct conn */
	uint64_t c[C_N];
	int stats_fd, ncpu;
	__u64 *cvals;
	uint64_t bpf[HL_DB_ST_MAX];
	uint64_t f_ops, f_errors;
	/* executions of a statement whose prepare was not folded yet: the
	 * prepare's event may be in another CPU's ring, folded later */
	struct ev_db *park;
	uint32_t npark;
	bool shared; /* holds a reference on sock_shared.h */
};

static uint32_t series_hash(const void *key)
{
	return hash_bytes(HASH_FNV_INIT, key, sizeof(struct series_key));
}

static uint32_t conn_hash(const void *key)
{
	return hash_bytes(HASH_FNV_INIT, key, sizeof(uint64_t));
}

static const struct table_type series_type = {
	.entry_size = sizeof(struct series),
	.key_offset = offsetof(struct series, k),
	.key_size = sizeof(struct series_key),
	.probe = 16,
	.hash = series_hash,
};

static const struct table_type conn_type = {
	.entry_size = sizeof(struct conn),
	.key_offset = offsetof(struct conn, id),
	.key_size = sizeof(uint64_t),
	.probe = 32,
	.hash = conn_hash,
};

static int db_init(struct pmod *m)
{
	struct db_priv *d = m->priv;
	struct loader *ld = processor__loader(m->p);

	d->stats_fd = -ENOENT;
	if (ld && !loader__signal_on(ld, "db"))
		return -ENOENT;
	if (ld) {
		struct sock_bpf *skel = loader__skel(ld, "db");

		d->stats_fd = skel ? bpf_map__fd(skel->maps.db_stats) : -ENOENT;
		/* the process filter and the OpenSSL uprobes (TLS databases), shared with http */
		sock_shared__get(skel, processor__state(m->p), processor__cfg(m->p));
		d->shared = true;
	}
	d->ncpu = libbpf_num_possible_cpus();
	if (d->ncpu <= 0)
		d->ncpu = 1;
	d->cvals = calloc((size_t)d->ncpu, sizeof(__u64));
	d->names = db_intern__new(MAX_NAMES);
	d->stmts = db_stmts__new(STMT_SLOTS);
	d->series = table__new(&series_type, MAX_SERIES);
	d->conns = table__new(&conn_type, MAX_CONNS);
	d->park = calloc(PARK_MAX, sizeof(*d->park));
	if (!d->cvals || !d->names || !d->stmts || !d->series || !d->conns || !d->park) {
		free(d->cvals);
		free(d->park);
		db_intern__free(d->names);
		db_stmts__free(d->stmts);
		table__free(d->series);
		table__free(d->conns);
		return -ENOMEM;
	}
	return 0;
}

static void db_destroy(struct pmod *m)
{
	struct db_priv *d = m->priv;

	free(d->cvals);
	free(d->park);
	db_intern__free(d->names);
	db_stmts__free(d->stmts);
	table__free(d->series);
	table__free(d->conns);
	if (d->shared)
		sock_shared__put();
}

/* The server of a connection: the peer for a client, this end for a server. */
static void srv_of(const struct ev_db *e, struct srv_key *s)
{
	bool client = e->role == HL_DB_CLIENT;

	memset(s, 0, sizeof(*s));
	memcpy(s->addr, client ? e->peer_addr : e->local_addr, e->family == AF_INET ? 4 : 16);
	s->port = client ? e->peer_port : e->local_port;
	s->family = e->family;
	s->system = e->system;
}

/*
 * Open and close of a connection come from the rings of the CPUs they
 * happened on, and the processor folds the rings' events in no global
 * order: a close may come first. It then waits as a tombstone (closed_ns)
 * that its open cancels; one whose open never comes goes after
 * TOMBSTONE_NS.
 */
#define TOMBSTONE_NS (10ull * 1000000000ull)

static void conn_event(struct db_priv *d, const struct ev_db *e)
{
	enum table_result res;
	struct conn *c;

	c = table__insert(d->conns, &e->conn_id, &res);
	if (!c) {
		d->c[C_CONNS_DROPPED]++;
		return;
	}
	if (res == TABLE_FOUND) {
		if ((e->flags & HL_DB_F_CLOSE) || c->closed_ns)
			table__delete(d->conns, c); /* closed, or opened after its close */
		return;
	}
	if (e->flags & HL_DB_F_CLOSE) {
		c->closed_ns = e->h.ts_ns ? e->h.ts_ns : 1;
		return;
	}
	c->tgid = e->h.tgid;
	c->role = e->role;
	srv_of(e, &c->srv);
	utf8_sanitize(e->comm, strnlen(e->comm, HL_COMM_LEN), c->comm, sizeof(c->comm));
}

static uint64_t conns_open(const struct db_priv *d)
{
	uint64_t n = 0;

	for (const struct conn *c = NULL; (c = table__next(d->conns, c));)
		n += !c->closed_ns;
	return n;
}

/* Tombstones whose open never came (its event lost) go after a while. */
static void conns_expire(struct db_priv *d, uint64_t now_ns)
{
	for (struct conn *c = NULL; (c = table__next(d->conns, c));)
		if (c->closed_ns && c->closed_ns + TOMBSTONE_NS < now_ns)
			table__delete(d->conns, c);
}

/* Parses e and accounts it; parks an execution of a statement not known yet
 * (returns without accounting) unless final. */
static void op_event(struct db_priv *d, const struct ev_db *e, bool final)
{
	struct series_key k;
	struct db_parsed p;
	enum table_result res;
	struct series *s;
	double ms;

	db_parse(d->stmts, e->system, e->conn_id, e->req_head,
		 e->req_len < HL_DB_REQ_HEAD ? e->req_len : HL_DB_REQ_HEAD, e->req_bytes,
		 e->resp_head, e->resp_len < HL_DB_RESP_HEAD ? e->resp_len : HL_DB_RESP_HEAD, &p);
	if (p.status == DB_OP && p.stmt_unknown && !final && d->npark < PARK_MAX) {
		d->park[d->npark++] = *e;
		return;
	}
	switch (p.status) {
	case DB_OP:
		break;
	case DB_PIPELINE:
		d->c[C_PIPELINED]++;
		return;
	case DB_SKIP:
		d->c[C_SKIPPED]++;
		return;
	default:
		d->c[C_UNPARSED]++;
		return;
	}
	memset(&k, 0, sizeof(k));
	k.tgid = e->h.tgid;
	k.role = e->role;
	k.op = db_intern__id(d->names, e->system, p.op);
	srv_of(e, &k.srv);
	s = table__insert(d->series, &k, &res);
	if (!s) {
		d->c[C_SERIES_DROPPED]++;
		return;
	}
	if (res != TABLE_FOUND)
		utf8_sanitize(e->comm, strnlen(e->comm, HL_COMM_LEN), s->comm, sizeof(s->comm));
	ms = (double)e->latency_ns / 1e6;
	d->c[C_OPS]++;
	s->count++;
	s->t_count++;
	s->f_count++;
	s->sum_ms += ms;
	for (int i = 0; i < NB; i++)
		if (ms / 1e3 <= le_s[i])
			s->le[i]++;
	hist__add2(&s->all, &s->f, ms);
	hist__add(&s->t, ms);
	if (p.error) {
		s->errors++;
		s->f_errors++;
	}
}

static void db_on_event(struct pmod *m, const struct event_hdr *h, const void *data, uint32_t len)
{
	struct db_priv *d = m->priv;
	const struct ev_db *e = data;

	if (len < sizeof(*e) || h->type != HL_EV_DB_OP)
		return;
	if (e->flags & (HL_DB_F_OPEN | HL_DB_F_CLOSE))
		conn_event(d, e);
	else
		op_event(d, e, false);
}

/* After each fold: parked executions whose prepare has come are accounted
 * with its kind; those that waited PARK_NS as they are ("other"). all: every
 * one now (the last tick). */
static void park_retry(struct db_priv *d, uint64_t now_ns, bool all)
{
	uint32_t n = d->npark, keep = 0;

	/* compacts in place: what parks again lands at keep <= i */
	for (uint32_t i = 0; i < n; i++) {
		const struct ev_db *e = &d->park[i];

		d->npark = keep;
		op_event(d, e, all || e->h.ts_ns + PARK_NS < now_ns);
		keep = d->npark;
	}
	d->npark = keep;
}

static uint64_t db_fold(struct pmod *m, uint64_t now_ns)
{
	struct db_priv *d = m->priv;

	if (d->npark)
		park_retry(d, now_ns, false);
	/* parked executions wait PARK_NS for their prepare: looked at again */
	return d->npark ? now_ns + PARK_NS / 10 : 0;
}

static void addr_str(const struct srv_key *s, char *out, size_t n)
{
	if (!inet_ntop(s->family == AF_INET6 ? AF_INET6 : AF_INET, s->addr, out, (socklen_t)n))
		snprintf(out, n, "?");
}

static const char *role_name(uint8_t role)
{
	return role == HL_DB_SERVER ? "server" : "client";
}

static double q_or_zero(const struct hist *h, double q)
{
	double v = hist__quantile(h, q);

	return isnan(v) ? 0 : v;
}

static json_t *series_json(struct db_priv *d, const struct series *s, bool flush, double el)
{
	const struct hist *h = flush ? &s->f : &s->all;
	uint64_t n = flush ? s->f_count : s->count;
	char a[INET6_ADDRSTRLEN];
	json_t *o;

	addr_str(&s->k.srv, a, sizeof(a));
	o = json_pack("{s:i,s:s,s:s,s:s,s:s,s:i,s:s,s:I,s:I,s:f,s:f,s:f,s:f}", "pid",
		      (int)s->k.tgid, "comm", s->comm, "role", role_name(s->k.role), "db_system",
		      db_system_name(s->k.srv.system), "server_address", a, "server_port",
		      (int)s->k.srv.port, "operation", db_intern__name(d->names, s->k.op, NULL),
		      "count", (json_int_t)n, "errors",
		      (json_int_t)(flush ? s->f_errors : s->errors), "latency_avg_ms",
		      n ? h->sum / (double)n : 0.0, "latency_p50_ms", q_or_zero(h, 0.50),
		      "latency_p95_ms", q_or_zero(h, 0.95), "latency_p99_ms", q_or_zero(h, 0.99));
	if (o && !flush)
		json_object_set_new(o, "rate_per_s",
				    json_real(el > 0 ? (double)s->t_count / el : 0));
	return o;
}

static json_t *find_entry(json_t *arr, const char *a, uint16_t port, int64_t pid)
{
	json_t *o;
	size_t i;

	json_array_foreach(arr, i, o)
		if (!strcmp(json_string_value(json_object_get(o, "server_address")), a) &&
		    json_integer_value(json_object_get(o, "server_port")) == port &&
		    (pid < 0 || json_integer_value(json_object_get(o, "pid")) == pid))
			return o;
	return NULL;
}

static void field_add(json_t *o, const char *k, json_int_t v)
{
	json_object_set_new(o, k, json_integer(json_integer_value(json_object_get(o, k)) + v));
}

/*
 * Open connections per server and per client process. A server on this host
 * sees its connections as served (server role); processes here see theirs
 * to it (client role); both ends here are the same connections, so a
 * server's connections_active is the larger of the two counts.
 */
static void conns_json(struct db_priv *d, json_t *servers, json_t *clients)
{
	json_t *o;
	size_t i;

	for (struct conn *c = NULL; (c = table__next(d->conns, c));) {
		char a[INET6_ADDRSTRLEN];
		bool client = c->role == HL_DB_CLIENT;

		if (c->closed_ns)
			continue;
		addr_str(&c->srv, a, sizeof(a));
		o = find_entry(servers, a, c->srv.port, -1);
		if (!o) {
			o = json_pack("{s:s,s:s,s:i,s:i,s:i,s:i}", "db_system",
				      db_system_name(c->srv.system), "server_address", a,
				      "server_port", (int)c->srv.port, "connections_active", 0,
				      "connections_served", 0, "connections_from_clients", 0);
			json_array_append_new(servers, o);
		}
		field_add(o, client ? "connections_from_clients" : "connections_served", 1);
		if (!client || !clients)
			continue;
		o = find_entry(clients, a, c->srv.port, c->tgid);
		if (!o) {
			o = json_pack("{s:i,s:s,s:s,s:s,s:i,s:i}", "pid", (int)c->tgid, "comm",
				      c->comm, "db_system", db_system_name(c->srv.system),
				      "server_address", a, "server_port", (int)c->srv.port,
				      "connections_active", 0);
			json_array_append_new(clients, o);
		}
		field_add(o, "connections_active", 1);
	}
	json_array_foreach(servers, i, o) {
		json_int_t s = json_integer_value(json_object_get(o, "connections_served"));
		json_int_t c = json_integer_value(json_object_get(o, "connections_from_clients"));

		json_object_set_new(o, "connections_active", json_integer(s > c ? s : c));
	}
}

static void read_bpf_stats(struct db_priv *d)
{
	if (d->stats_fd < 0)
		return;
	for (__u32 k = 0; k < HL_DB_ST_MAX; k++) {
		uint64_t sum = 0;

		if (bpf_map_lookup_elem(d->stats_fd, &k, d->cvals))
			continue;
		for (int c = 0; c < d->ncpu; c++)
			sum += d->cvals[c];
		d->bpf[k] = sum;
	}
}

static json_t *stats_json(const struct db_priv *d)
{
	json_t *o = json_object();

	for (int i = 0; i < C_N; i++)
		json_object_set_new(o, c_names[i], json_integer((json_int_t)d->c[i]));
	for (int i = 0; i < HL_DB_ST_MAX; i++)
		if (bpf_names[i])
			json_object_set_new(o, bpf_names[i], json_integer((json_int_t)d->bpf[i]));
	json_object_set_new(o, "operation_names_overflow_total",
			    json_integer((json_int_t)db_intern__overflows(d->names)));
	json_object_set_new(o, "statements_evicted_total",
			    json_integer((json_int_t)db_stmts__evictions(d->stmts)));
	return o;
}

static int cmp_series_prom(const void *x, const void *y)
{
	const struct series *a = *(struct series *const *)x, *b = *(struct series *const *)y;
	int c = (int)a->k.role - (int)b->k.role;

	if (c)
		return c;
	c = memcmp(&a->k.srv, &b->k.srv, sizeof(a->k.srv));
	if (c)
		return c;
	return (int)a->k.op - (int)b->k.op;
}

static bool same_prom(const struct series *a, const struct series *b)
{
	return a->k.role == b->k.role && a->k.op == b->k.op &&
	       !memcmp(&a->k.srv, &b->k.srv, sizeof(a->k.srv));
}

/* order: sorted by cmp_series_prom (series of one label set are adjacent) */
static void prom_write(struct db_priv *d, struct prom *w, struct series **order, int n,
		       json_t *servers)
{
	static const char *const fam[3] = { NULL, "db_client_operation_duration_seconds",
					    "db_server_operation_duration_seconds" };
	static const char *const help[3] = {
		NULL, "Database operations made by processes on this host, request to response.",
		"Database operations served on this host, request to response."
	};
	size_t i;
	json_t *o;

	for (int role = HL_DB_CLIENT; role <= HL_DB_SERVER; role++) {
		bool head = false;

		for (int i0 = 0; i0 < n;) {
			uint64_t cum[NB] = { 0 }, count = 0;
			double sum = 0;
			struct prom_labels l;
			char a[INET6_ADDRSTRLEN];
			int j = i0;

			for (; j < n && same_prom(order[i0], order[j]); j++) {
				for (int b = 0; b < NB; b++)
					cum[b] += order[j]->le[b];
				count += order[j]->count;
				sum += order[j]->sum_ms / 1e3;
			}
			if (order[i0]->k.role == role) {
				if (!head)
					prom_family(w, fam[role], PROM_HISTOGRAM, "%s", help[role]);
				head = true;
				addr_str(&order[i0]->k.srv, a, sizeof(a));
				prom_labels_init(&l);
				prom_label(&l, "db_system",
					   db_system_name(order[i0]->k.srv.system));
				prom_label(&l, "db_operation_name",
					   db_intern__name(d->names, order[i0]->k.op, NULL));
				prom_label(&l, "server_address", a);
				prom_label_uint(&l, "server_port", order[i0]->k.srv.port);
				prom_histogram(w, fam[role], &l, le_str, cum, NB, count, sum);
			}
			i0 = j;
		}
	}
	prom_family(w, "hostlens_db_connections_active", PROM_GAUGE,
		    "Database connections open now, per server.");
	json_array_foreach(servers, i, o) {
		struct prom_labels l;

		prom_labels_init(&l);
		prom_label(&l, "db_system", json_string_value(json_object_get(o, "db_system")));
		prom_label(&l, "server_address",
			   json_string_value(json_object_get(o, "server_address")));
		prom_label_uint(
			&l, "server_port",
			(unsigned long long)json_integer_value(json_object_get(o, "server_port")));
		prom_sample_uint(w, "hostlens_db_connections_active", &l,
				 (unsigned long long)json_integer_value(
					 json_object_get(o, "connections_active")));
	}
	for (int c = 0; c < C_N; c++) {
		char name[96];

		snprintf(name, sizeof(name), "hostlens_db_%s", c_names[c]);
		prom_family(w, name, PROM_COUNTER, "Database signal: %s.", c_names[c]);
		prom_sample_uint(w, name, NULL, d->c[c]);
	}
	for (int c = 0; c < HL_DB_ST_MAX; c++) {
		char name[96];

		if (!bpf_names[c])
			continue;
		snprintf(name, sizeof(name), "hostlens_db_%s", bpf_names[c]);
		prom_family(w, name, PROM_COUNTER, "Database signal (kernel): %s.", bpf_names[c]);
		prom_sample_uint(w, name, NULL, d->bpf[c]);
	}
}

/* Servers seen (open connections, or operations to them), with their totals. */
/* Servers seen (open connections, or calls to them), with the client-side
 * totals and p95 since the start; order sorted by role, server, operation. */
static json_t *servers_json(struct db_priv *d, struct series **order, int n, double el)
{
	json_t *servers = json_array(), *o;
	struct hist h;

	conns_json(d, servers, NULL);
	for (int i0 = 0, j; i0 < n; i0 = j) {
		char a[INET6_ADDRSTRLEN];
		double rate = 0;

		hist__reset(&h);
		o = NULL;
		for (j = i0; j < n && order[j]->k.role == order[i0]->k.role &&
			     !memcmp(&order[j]->k.srv, &order[i0]->k.srv, sizeof(order[j]->k.srv));
		     j++) {
			if (order[j]->k.role != HL_DB_CLIENT)
				continue;
			if (!o) {
				addr_str(&order[j]->k.srv, a, sizeof(a));
				o = find_entry(servers, a, order[j]->k.srv.port, -1);
			}
			if (!o) {
				o = json_pack("{s:s,s:s,s:i,s:i,s:i,s:i}", "db_system",
					      db_system_name(order[j]->k.srv.system),
					      "server_address", a, "server_port",
					      (int)order[j]->k.srv.port, "connections_active", 0,
					      "connections_served", 0, "connections_from_clients",
					      0);
				json_array_append_new(servers, o);
			}
			field_add(o, "operations", (json_int_t)order[j]->count);
			field_add(o, "errors", (json_int_t)order[j]->errors);
			rate += el > 0 ? (double)order[j]->t_count / el : 0;
			hist__merge(&h, &order[j]->all);
		}
		if (o) {
			json_object_set_new(o, "rate_per_s", json_real(rate));
			json_object_set_new(o, "latency_p95_ms", json_real(q_or_zero(&h, 0.95)));
		}
	}
	return servers;
}

/* The alert metrics (user/pipeline/metrics.h): open connections and the
 * client-side p95 of the last second, per server ("addr:port") and host-wide. */
static void metrics_put(struct db_priv *d, struct metrics *mx, struct series **order, int n,
			json_t *servers)
{
	struct hist all, srv;
	json_t *o;
	size_t i;

	if (!mx)
		return;
	metrics__set(mx, METRIC_DB_CONNECTIONS_ACTIVE, SCOPE_NONE, NULL, (double)conns_open(d));
	json_array_foreach(servers, i, o) {
		char key[INET6_ADDRSTRLEN + 8];

		snprintf(key, sizeof(key), "%s:%lld",
			 json_string_value(json_object_get(o, "server_address")),
			 (long long)json_integer_value(json_object_get(o, "server_port")));
		metrics__set(mx, METRIC_DB_CONNECTIONS_ACTIVE, SCOPE_SERVER, key,
			     (double)json_integer_value(json_object_get(o, "connections_active")));
	}
	/* order is sorted by role, server, operation (prom_write) */
	hist__reset(&all);
	for (int i0 = 0; i0 < n;) {
		char a[INET6_ADDRSTRLEN], key[INET6_ADDRSTRLEN + 8];
		int j = i0;

		hist__reset(&srv);
		for (; j < n && order[j]->k.role == order[i0]->k.role &&
		       !memcmp(&order[j]->k.srv, &order[i0]->k.srv, sizeof(order[j]->k.srv));
		     j++)
			hist__merge(&srv, &order[j]->t);
		if (order[i0]->k.role == HL_DB_CLIENT && srv.count) {
			addr_str(&order[i0]->k.srv, a, sizeof(a));
			snprintf(key, sizeof(key), "%s:%u", a, order[i0]->k.srv.port);
			metrics__set(mx, METRIC_DB_CLIENT_P95_MS, SCOPE_SERVER, key,
				     hist__quantile(&srv, 0.95));
			hist__merge(&all, &srv);
		}
		i0 = j;
	}
	if (all.count)
		metrics__set(mx, METRIC_DB_CLIENT_P95_MS, SCOPE_NONE, NULL,
			     hist__quantile(&all, 0.95));
}

static void db_tick(struct pmod *m, struct tick_ctx *t)
{
	struct db_priv *d = m->priv;
	json_t *doc, *ops = json_array(), *servers, *clients = json_array(), *tmp = json_array();
	struct series **order;
	int n = 0;

	if (d->shared) /* TLS: new processes' libssl (also with http off) */
		sock_shared__tick(t->now_ns);
	read_bpf_stats(d);
	conns_expire(d, t->now_ns);
	if (d->npark)
		park_retry(d, t->now_ns, false);
	order = calloc(table__count(d->series) + 1, sizeof(*order));
	if (!order) {
		json_decref(ops);
		json_decref(clients);
		json_decref(tmp);
		return;
	}
	for (struct series *s = NULL; (s = table__next(d->series, s));) {
		order[n++] = s;
		json_array_append_new(ops, series_json(d, s, false, t->elapsed_s));
	}
	qsort(order, (size_t)n, sizeof(order[0]), cmp_series_prom); /* role, server, op */
	servers = servers_json(d, order, n, t->elapsed_s);
	conns_json(d, tmp, clients);
	json_decref(tmp); /* the servers again: only the clients wanted here */
	doc = json_pack("{s:o,s:o,s:o,s:o,s:I}", "operations", ops, "servers", servers, "clients",
			clients, "stats", stats_json(d), "connections_active",
			(json_int_t)conns_open(d));
	prom_write(d, t->prom, order, n, servers);
	metrics_put(d, t->metrics, order, n, servers);
	state__series_push(t->st, "db_connections_active", t->now_ms, (double)conns_open(d));
	state__publish(t->st, "databases", doc);
	for (int k = 0; k < n; k++) {
		order[k]->t_count = 0;
		hist__reset(&order[k]->t);
	}
	free(order);
}

static void db_flush(struct pmod *m, struct flush_ctx *f)
{
	struct db_priv *d = m->priv;
	json_t *rec, *ops = json_array(), *servers = json_array(), *clients = json_array();
	struct hist all;
	uint64_t count = 0, errors = 0;

	hist__reset(&all);
	for (struct series *s = NULL; (s = table__next(d->series, s));) {
		if (s->f_count) {
			json_array_append_new(ops, series_json(d, s, true, f->interval_s));
			hist__merge(&all, &s->f);
			count += s->f_count;
			errors += s->f_errors;
		}
		s->f_count = s->f_errors = 0;
		hist__reset(&s->f);
	}
	conns_json(d, servers, clients);
	rec = record_new("database-metrics", f->source, f->ts_ms);
	if (!rec) {
		json_decref(ops);
		json_decref(servers);
		json_decref(clients);
		return;
	}
	/* docs/records.md: database-metrics */
	json_object_set_new(rec, "window_s", json_real(f->interval_s));
	json_object_set_new(rec, "operations_total", json_integer((json_int_t)count));
	json_object_set_new(rec, "errors_total", json_integer((json_int_t)errors));
	json_object_set_new(rec, "latency_p95_ms", json_real(q_or_zero(&all, 0.95)));
	json_object_set_new(rec, "latency_p99_ms", json_real(q_or_zero(&all, 0.99)));
	json_object_set_new(rec, "connections_active", json_integer((json_int_t)conns_open(d)));
	json_object_set_new(rec, "operations", ops);
	json_object_set_new(rec, "servers", servers);
	json_object_set_new(rec, "clients", clients);
	if (count && f->rollups)
		rollups__add_hist(f->rollups, "database-metrics", "latency_ms", &all, f->ts_ms);
	record_batch__add(f->batch, rec);
}

const struct pmod_ops pm_db_ops = {
	.name = "db",
	.priv_size = sizeof(struct db_priv),
	.types = { HL_EV_DB_OP, 0 },
	.init = db_init,
	.on_event = db_on_event,
	.tick = db_tick,
	.flush = db_flush,
	.destroy = db_destroy,
	.fold = db_fold,
};
