// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The metric catalog and the tick's metric set (metrics.h).
 *
 * DESIGN: see metrics.h. The set is an array of values chained two ways: a
 * hash chain per bucket for put/get, and one list per (metric, scope) for
 * metrics__next. Keys live in one arena. Reset clears the heads and the
 * buckets (a few tens of KB once a second), never frees.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "user/pipeline/metrics.h"
#include "user/lib/table.h"

#define S(x) (1u << SCOPE_##x)

const struct metric_def metric_defs[METRIC__COUNT] = {
	[METRIC_CPU_USAGE_PCT] = { "cpu_usage_pct", METRIC_GAUGE, "%", "host", 0,
				   "Host CPU busy, all cores, over the last second" },
	[METRIC_CPU_IOWAIT_PCT] = { "cpu_iowait_pct", METRIC_GAUGE, "%", "host", 0,
				    "Host CPU time waiting for I/O, all cores" },
	[METRIC_CPU_STEAL_PCT] = { "cpu_steal_pct", METRIC_GAUGE, "%", "host", 0,
				   "Host CPU time taken by the hypervisor, all cores" },
	[METRIC_MEMORY_USED_PCT] = { "memory_used_pct", METRIC_GAUGE, "%", "host", 0,
				     "Memory in use (total minus available)" },
	[METRIC_SWAP_USED_PCT] = { "swap_used_pct", METRIC_GAUGE, "%", "host", 0,
				   "Swap in use; 0 without swap" },
	[METRIC_LOAD1] = { "load1", METRIC_GAUGE, "", "host", 0, "One-minute load average" },
	[METRIC_FILESYSTEM_USED_PCT] = { "filesystem_used_pct", METRIC_GAUGE, "%", "host", S(MOUNT),
					 "Space used on a filesystem; host-wide: the fullest" },
	[METRIC_DISK_BUSY_PCT] = { "disk_busy_pct", METRIC_GAUGE, "%", "host", S(DEVICE),
				   "Time a whole disk was busy (/proc/diskstats); host-wide: the busiest" },
	[METRIC_NET_RX_BYTES_PER_S] = { "net_rx_bytes_per_s", METRIC_GAUGE, "bytes/s", "host", 0,
					"Bytes received by the network interfaces, loopback excluded" },
	[METRIC_NET_TX_BYTES_PER_S] = { "net_tx_bytes_per_s", METRIC_GAUGE, "bytes/s", "host", 0,
					"Bytes sent by the network interfaces, loopback excluded" },

	[METRIC_PROCESS_CPU_PCT] = { "process_cpu_pct", METRIC_GAUGE, "%", "cpu", S(PROCESS),
				     "On-CPU time of the processes of a command, 100 = one core; host-wide: the busiest command" },
	[METRIC_RUNQ_P99_MS] = { "runq_p99_ms", METRIC_GAUGE, "ms", "cpu", 0,
				 "Run-queue latency p99 over the last second" },
	[METRIC_PROCESS_EXITS] = { "process_exits", METRIC_COUNTER, "processes", "cpu", S(PROCESS),
				   "Processes that exited" },
	[METRIC_PROCESS_EXITS_FAILED] = { "process_exits_failed", METRIC_COUNTER, "processes",
					  "cpu", S(PROCESS),
					  "Processes that failed: a non-zero exit status, or killed by a signal (a crash, an OOM kill)" },

	[METRIC_DISK_LATENCY_P99_MS] = { "disk_latency_p99_ms", METRIC_GAUGE, "ms", "disk",
					 S(DEVICE),
					 "Block request latency p99 over the last 10 s; host-wide: the worst device" },
	[METRIC_DISK_OPS] = { "disk_ops", METRIC_COUNTER, "requests", "disk", S(DEVICE),
			      "Completed block requests" },
	[METRIC_DISK_BYTES] = { "disk_bytes", METRIC_COUNTER, "bytes", "disk", S(DEVICE),
				"Bytes read and written by completed block requests" },

	[METRIC_TCP_CONNECTIONS_ACTIVE] = { "tcp_connections_active", METRIC_GAUGE, "connections",
					    "net", 0, "Open TCP connections" },
	[METRIC_TCP_RETRANSMITS_PER_S] = { "tcp_retransmits_per_s", METRIC_GAUGE, "segments/s",
					   "net", 0, "TCP retransmits in the last second" },
	[METRIC_TCP_RETRANSMITS] = { "tcp_retransmits", METRIC_COUNTER, "segments", "net",
				     S(PROCESS) | S(PEER),
				     "TCP retransmits; per peer, counted when the connection closes" },
	[METRIC_TCP_RESETS] = { "tcp_resets", METRIC_COUNTER, "resets", "net", S(PROCESS),
				"TCP resets sent and received" },
	[METRIC_TCP_CONNECTIONS_CLOSED] = { "tcp_connections_closed", METRIC_COUNTER, "connections",
					    "net", S(PROCESS) | S(PEER) | S(SERVER),
					    "TCP connections closed; per server: connections this host opened to it" },
	[METRIC_TCP_CONNECTIONS_FAILED] = { "tcp_connections_failed", METRIC_COUNTER, "connections",
					    "net", S(PEER) | S(SERVER),
					    "TCP connections that closed before the handshake completed (refused, timed out)" },

	[METRIC_HTTP_REQUESTS] = { "http_requests", METRIC_COUNTER, "requests", "http",
				   S(ROUTE) | S(PROCESS), "HTTP requests this host served" },
	[METRIC_HTTP_ERRORS_5XX] = { "http_errors_5xx", METRIC_COUNTER, "requests", "http",
				     S(ROUTE) | S(PROCESS),
				     "Served requests answered with a 5xx status" },
	[METRIC_HTTP_ERRORS_4XX] = { "http_errors_4xx", METRIC_COUNTER, "requests", "http",
				     S(ROUTE) | S(PROCESS),
				     "Served requests answered with a 4xx status" },
	[METRIC_HTTP_LATENCY_MS] = { "http_latency_ms", METRIC_GAUGE, "ms", "http",
				     S(ROUTE) | S(PROCESS),
				     "Mean latency of the requests served in each second; `avg` over a window weighs every request alike" },
	[METRIC_HTTP_REQUESTS_PER_S] = { "http_requests_per_s", METRIC_GAUGE, "requests/s", "http",
					 0, "Served requests in the last second" },
	[METRIC_ERROR_RATE_PCT] = { "error_rate_pct", METRIC_GAUGE, "%", "http", 0,
				    "Share of served requests answered 5xx over the last 10 s" },
	[METRIC_API_LATENCY_AVG_MS] = { "api_latency_avg_ms", METRIC_GAUGE, "ms", "http", 0,
					"Mean latency of served requests over the last 10 s; no data without requests" },
	[METRIC_API_LATENCY_P95_MS] = { "api_latency_p95_ms", METRIC_GAUGE, "ms", "http", 0,
					"Latency p95 of served requests over the last 10 s; no data without requests" },
	[METRIC_API_LATENCY_P99_MS] = { "api_latency_p99_ms", METRIC_GAUGE, "ms", "http", 0,
					"Latency p99 of served requests over the last 10 s; no data without requests" },

	[METRIC_DB_CONNECTIONS_ACTIVE] = { "db_connections_active", METRIC_GAUGE, "connections",
					   "db", S(SERVER),
					   "Open connections to a database server (the larger of what a server here holds and what processes here hold to it); host-wide: all servers" },
	[METRIC_DB_CLIENT_P95_MS] = { "db_client_p95_ms", METRIC_GAUGE, "ms", "db", S(SERVER),
				      "Latency p95 of the database operations processes here made in the last second; host-wide: all servers; no data without operations" },

	[METRIC_AGENT_KERNEL_DROPS] = { "agent_kernel_drops", METRIC_COUNTER, "events", "agent", 0,
					"Events dropped in BPF because a ring buffer was full" },
	[METRIC_AGENT_MAP_FULL] = { "agent_map_full", METRIC_COUNTER, "updates", "agent", 0,
				    "BPF map updates that failed because the map was full" },
	[METRIC_AGENT_LOG_OVERWRITTEN] = { "agent_log_overwritten", METRIC_COUNTER, "events",
					   "agent", 0,
					   "Event log entries overwritten before the processor read them" },
	[METRIC_AGENT_SINK_FAILING] = { "agent_sink_failing", METRIC_GAUGE, "0 or 1", "agent",
					S(SINK),
					"1 while a sink's last delivery attempt failed; host-wide: any sink" },
	[METRIC_AGENT_SINK_DROPPED] = { "agent_sink_dropped", METRIC_COUNTER, "records", "agent",
					S(SINK),
					"Records a sink gave up (spool full or not retryable)" },
	[METRIC_AGENT_SPOOL_USED_PCT] = { "agent_spool_used_pct", METRIC_GAUGE, "%", "agent",
					  S(SINK),
					  "A sink's on-disk spool as a share of spool_max_bytes; host-wide: the fullest" },
};

static const char *const scope_names[SCOPE__COUNT] = {
	[SCOPE_NONE] = "",	   [SCOPE_ROUTE] = "route", [SCOPE_PROCESS] = "process",
	[SCOPE_DEVICE] = "device", [SCOPE_MOUNT] = "mount", [SCOPE_PEER] = "peer",
	[SCOPE_SERVER] = "server", [SCOPE_SINK] = "sink",
};

int metric_find(const char *name)
{
	for (int i = 0; i < METRIC__COUNT; i++)
		if (!strcmp(metric_defs[i].name, name))
			return i;
	return -ENOENT;
}

int metric_scope_find(const char *name)
{
	for (int i = 1; i < SCOPE__COUNT; i++)
		if (!strcmp(scope_names[i], name))
			return i;
	return -ENOENT;
}

const char *metric_scope_name(enum metric_scope sc)
{
	return (unsigned int)sc < SCOPE__COUNT ? scope_names[sc] : "";
}

bool metric_has_scope(enum metric_id id, enum metric_scope sc)
{
	if ((unsigned int)id >= METRIC__COUNT || (unsigned int)sc >= SCOPE__COUNT)
		return false;
	return sc == SCOPE_NONE || (metric_defs[id].scopes & (1u << sc));
}

void metric_defs_print(FILE *f)
{
	fprintf(f, "| metric | kind | unit | scopes | signal | meaning |\n"
		   "|---|---|---|---|---|---|\n");
	for (int i = 0; i < METRIC__COUNT; i++) {
		const struct metric_def *d = &metric_defs[i];
		bool first = true;

		fprintf(f, "| `%s` | %s | %s | ", d->name,
			d->kind == METRIC_COUNTER ? "counter" : "gauge", d->unit);
		for (int s = 1; s < SCOPE__COUNT; s++) {
			if (!(d->scopes & (1u << s)))
				continue;
			fprintf(f, "%s`%s`", first ? "" : ", ", scope_names[s]);
			first = false;
		}
		fprintf(f, "%s | %s | %s |\n", first ? "host-wide only" : "", d->signal, d->help);
	}
}

/* ---- the set ------------------------------------------------------------ */

#define METRICS_BUCKETS 8192 /* power of 2, twice METRICS_MAX_VALUES */
#define METRICS_KEY_ARENA (256 * 1024)

struct metric_value {
	struct metric_sample s;
	uint32_t hash;
	int32_t next_hash; /* next value in the bucket, -1: none */
	int32_t next;	   /* next value of the same (metric, scope), -1: none */
	uint32_t key;	   /* offset in keys */
	uint16_t id;
	uint8_t scope;
};

struct metrics {
	struct metric_value *v;
	int n;
	int32_t *buckets;
	char *keys;
	size_t keys_used;
	int32_t head[METRIC__COUNT][SCOPE__COUNT];
	int32_t tail[METRIC__COUNT][SCOPE__COUNT];
	uint16_t count[METRIC__COUNT][SCOPE__COUNT];
	bool has[METRIC__COUNT];
	uint64_t dropped;
};

struct metrics *metrics__new(void)
{
	struct metrics *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->v = calloc(METRICS_MAX_VALUES, sizeof(*m->v));
	m->buckets = malloc(METRICS_BUCKETS * sizeof(*m->buckets));
	m->keys = malloc(METRICS_KEY_ARENA);
	if (!m->v || !m->buckets || !m->keys) {
		metrics__free(m);
		errno = ENOMEM;
		return NULL;
	}
	metrics__reset(m);
	return m;
}

void metrics__free(struct metrics *m)
{
	if (!m)
		return;
	free(m->v);
	free(m->buckets);
	free(m->keys);
	free(m);
}

void metrics__reset(struct metrics *m)
{
	m->n = 0;
	m->keys_used = 0;
	memset(m->buckets, 0xff, METRICS_BUCKETS * sizeof(*m->buckets));
	memset(m->head, 0xff, sizeof(m->head));
	memset(m->tail, 0xff, sizeof(m->tail));
	memset(m->count, 0, sizeof(m->count));
	memset(m->has, 0, sizeof(m->has));
}

static uint32_t key_hash(enum metric_id id, enum metric_scope sc, const char *key, size_t len)
{
	uint32_t h = HASH_FNV_INIT;

	h = (h ^ (uint32_t)id) * 16777619u;
	h = (h ^ (uint32_t)sc) * 16777619u;
	return hash_bytes(h, key, len);
}

static size_t key_len(const char *key)
{
	size_t n = key ? strnlen(key, METRIC_KEY_MAX) : 0;

	return n < METRIC_KEY_MAX ? n : METRIC_KEY_MAX - 1;
}

static int32_t lookup(const struct metrics *m, enum metric_id id, enum metric_scope sc,
		      const char *key, size_t len, uint32_t h)
{
	for (int32_t i = m->buckets[h & (METRICS_BUCKETS - 1)]; i >= 0; i = m->v[i].next_hash) {
		const struct metric_value *v = &m->v[i];

		if (v->hash == h && v->id == id && v->scope == sc &&
		    !strncmp(m->keys + v->key, key, len) && m->keys[v->key + len] == '\0')
			return i;
	}
	return -1;
}

/* The value of (id, sc, key), created empty (*created) when absent; NULL when
 * it does not fit. */
static struct metric_sample *value_get(struct metrics *m, enum metric_id id, enum metric_scope sc,
				       const char *key, bool *created)
{
	size_t len = sc == SCOPE_NONE ? 0 : key_len(key);
	uint32_t h;
	int32_t i;
	struct metric_value *v;

	if ((unsigned int)id >= METRIC__COUNT || (unsigned int)sc >= SCOPE__COUNT)
		return NULL;
	if (!key)
		key = "";
	h = key_hash(id, sc, key, len);
	m->has[id] = true;
	*created = false;
	i = lookup(m, id, sc, key, len, h);
	if (i >= 0)
		return &m->v[i].s;
	if (m->n == METRICS_MAX_VALUES || m->count[id][sc] == METRICS_MAX_PER_SCOPE ||
	    m->keys_used + len + 1 > METRICS_KEY_ARENA) {
		m->dropped++;
		return NULL;
	}
	i = m->n++;
	v = &m->v[i];
	memset(v, 0, sizeof(*v));
	v->hash = h;
	v->id = (uint16_t)id;
	v->scope = (uint8_t)sc;
	v->key = (uint32_t)m->keys_used;
	memcpy(m->keys + m->keys_used, key, len);
	m->keys[m->keys_used + len] = '\0';
	m->keys_used += len + 1;
	v->next_hash = m->buckets[h & (METRICS_BUCKETS - 1)];
	m->buckets[h & (METRICS_BUCKETS - 1)] = i;
	v->next = -1; /* appended: metrics__next walks in put order */
	if (m->tail[id][sc] >= 0)
		m->v[m->tail[id][sc]].next = i;
	else
		m->head[id][sc] = i;
	m->tail[id][sc] = i;
	m->count[id][sc]++;
	*created = true;
	return &v->s;
}

void metrics__add(struct metrics *m, enum metric_id id, enum metric_scope sc, const char *key,
		  double v)
{
	bool created;
	struct metric_sample *s = value_get(m, id, sc, key, &created);

	if (s)
		s->sum += v;
}

void metrics__add_mean(struct metrics *m, enum metric_id id, enum metric_scope sc, const char *key,
		       double sum, double n)
{
	bool created;
	struct metric_sample *s;

	if (!(n > 0))
		return; /* no requests: no mean, not a mean of 0 */
	s = value_get(m, id, sc, key, &created);
	if (s) {
		s->sum += sum;
		s->weight += n;
	}
}

void metrics__set(struct metrics *m, enum metric_id id, enum metric_scope sc, const char *key,
		  double v)
{
	bool created;
	struct metric_sample *s = value_get(m, id, sc, key, &created);

	if (s) {
		s->sum = v;
		s->weight = 0;
	}
}

void metrics__max(struct metrics *m, enum metric_id id, enum metric_scope sc, const char *key,
		  double v)
{
	bool created;
	struct metric_sample *s = value_get(m, id, sc, key, &created);

	if (s && (created || v > s->sum)) {
		s->sum = v;
		s->weight = 0;
	}
}

bool metrics__has(const struct metrics *m, enum metric_id id)
{
	return (unsigned int)id < METRIC__COUNT && m->has[id];
}

int metrics__get(const struct metrics *m, enum metric_id id, enum metric_scope sc, const char *key,
		 struct metric_sample *out)
{
	size_t len;
	int32_t i;

	if ((unsigned int)id >= METRIC__COUNT || (unsigned int)sc >= SCOPE__COUNT)
		return -ENOENT;
	if (!key || sc == SCOPE_NONE)
		key = "";
	len = key_len(key);
	i = lookup(m, id, sc, key, len, key_hash(id, sc, key, len));
	if (i < 0)
		return -ENOENT;
	*out = m->v[i].s;
	return 0;
}

const char *metrics__next(const struct metrics *m, enum metric_id id, enum metric_scope sc,
			  int *pos, struct metric_sample *out)
{
	int32_t i;

	if ((unsigned int)id >= METRIC__COUNT || (unsigned int)sc >= SCOPE__COUNT)
		return NULL;
	i = *pos < 0 ? m->head[id][sc] : m->v[*pos].next;
	if (i < 0)
		return NULL;
	*pos = i;
	if (out)
		*out = m->v[i].s;
	return m->keys + m->v[i].key;
}

uint64_t metrics__dropped(const struct metrics *m)
{
	return m->dropped;
}
