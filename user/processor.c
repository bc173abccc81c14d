// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* DESIGN: see processor.h. Threads: the processor thread only; the stats it
 * publishes are read by the web thread through struct state. */
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "processor.h"
#include "clock.h"
#include "counters.h"
#include "thread.h"
#include "drain.h"
#include "log.h"
#include "pmods.h"
#include "alerts.h"
#include "notify.h"
#include "k8s.h"
#include "rollup.h"
#include "table.h"
#include "utf8.h"

#define COMM_SLOTS 16384	/* power of 2; direct-mapped: a collision replaces */
#define FOLD_MS 20		/* the log is folded this often; 1000 / FOLD_MS folds per tick */

struct comm_slot {
	uint32_t tgid;		/* the key */
	uint32_t miss;		/* /proc lookups that failed */
	char comm[UTF8_COMM_SIZE];	/* sanitized once, here (utf8.h) */
	struct proc_io io;
};

struct processor {
	struct processor_deps d;
	struct eventlog_reader *reader;
	struct pmod *mods;
	int nmods;
	int8_t dispatch[HL_EV_MAX];	/* event type -> module index, -1 none */
	struct table *comms;	/* struct comm_slot by tgid */
	char source[UTF8_SAFE_SIZE(256)];	/* deps->source, sanitized */
	pthread_t thread;
	bool running;
	int stop;
	pthread_mutex_t stop_lock;
	pthread_cond_t stop_cond;
	uint64_t last_tick_ns;
	uint64_t last_flush_ns;
	unsigned int ticks_since_flush;	/* ticks come on a 1 s grid */
	uint64_t start_ns;
	int64_t mono_offset_ms;	/* wall ms - mono ms */
	uint64_t ticks;
	uint64_t events_prev;
	uint64_t unknown_events;
	uint64_t records_total;	/* records handed to the sinks (flushes + alerts) */
	bool print_summary;
	double last_delay_ms, max_delay_ms;	/* event age when drained */
	json_t *last_vm;	/* newest vm-metrics fields from the collectors */
	struct alerts *alerts;
	struct metrics *metrics;	/* the tick's values for alert rules */
	uint64_t prev_kdrops, prev_mapfull, prev_overwritten;	/* for per-tick deltas */
	struct {
		char name[16];
		uint64_t dropped;
	} prev_sink[CFG_MAX_SINKS];
	struct k8s *k8s;
	struct rollups *rollups;
	struct notify *notify;	/* delivers alert records: e-mail, SNS, webhook */
	json_t *host;		/* static host facts, published once */
	pthread_mutex_t reload_lock;
	struct config *pending;	/* a reloaded config waiting for the next tick */
	uint64_t reloads, reload_failures;
	uint64_t full_warned[HL_DROP_MAX];	/* full-map count at the last warning */
};

const struct config *processor__cfg(const struct processor *p) { return p->d.cfg; }
struct loader *processor__loader(const struct processor *p) { return p->d.ld; }
struct state *processor__state(const struct processor *p) { return p->d.st; }
const char *processor__source(const struct processor *p) { return p->d.source; }

int64_t processor__mono_to_ms(const struct processor *p, uint64_t ns)
{
	return (int64_t)(ns / 1000000) + p->mono_offset_ms;
}

/* One slot per tgid's home: a cache, the newest process wins. */
static const struct table_type comm_type = {
	.entry_size = sizeof(struct comm_slot),
	.key_offset = offsetof(struct comm_slot, tgid),
	.key_size = sizeof(uint32_t),
	.probe = 1,
	.hash = table_hash_id32,
	.evict = true,
};

struct proc_io *processor__proc_io(struct processor *p, uint32_t tgid, bool create)
{
	struct comm_slot *s;

	s = create ? table__insert(p->comms, &tgid, NULL) : table__find(p->comms, &tgid);
	return s ? &s->io : NULL;
}

void processor__set_comm(struct processor *p, uint32_t tgid, const char *comm)
{
	struct comm_slot *s = table__insert(p->comms, &tgid, NULL);

	s->miss = 0;
	/* the kernel's bytes become text here, once per process */
	utf8_sanitize(comm, sizeof(s->comm) - 1, s->comm, sizeof(s->comm));
}

const char *processor__comm(struct processor *p, uint32_t tgid)
{
	struct comm_slot *s = table__insert(p->comms, &tgid, NULL);
	char path[64], raw[HL_COMM_LEN + 2] = "";
	FILE *f;

	if (s->comm[0])
		return s->comm;
	if (s->miss)
		return "";
	/* first sight of a process started before us: ask /proc once */
	snprintf(path, sizeof(path), "/proc/%u/comm", tgid);
	f = fopen(path, "r");
	if (f) {
		if (fgets(raw, sizeof(raw), f))
			raw[strcspn(raw, "\n")] = '\0';
		fclose(f);
	}
	utf8_sanitize(raw, sizeof(raw), s->comm, sizeof(s->comm));
	s->miss = s->comm[0] ? 0 : 1;
	return s->comm;
}

void processor__k8s_annotate(struct processor *p, uint32_t pid, uint64_t cgroup_id, json_t *obj)
{
	struct k8s_meta m;

	if (k8s__lookup(p->k8s, (int)pid, cgroup_id, &m))
		return;
	k8s_meta_to_json(&m, obj);
	if (m.cgroup[0]) {	/* a delegated subtree's names are anyone's bytes */
		char cg[UTF8_SAFE_SIZE(sizeof(m.cgroup))];

		utf8_sanitize(m.cgroup, strnlen(m.cgroup, sizeof(m.cgroup)), cg, sizeof(cg));
		json_object_set_new(obj, "cgroup", json_string(cg));
	}
}

/* Topics of signals that are off (or not ticked yet) exist from the start,
 * empty: an honest "nothing seen" rather than an error. Modules replace them. */
static void publish_placeholders(struct processor *p)
{
	const struct config *cfg = p->d.cfg;
	json_t *pids = json_array(), *comms = json_array(), *cgroups = json_array();

	for (int i = 0; i < cfg->n_pids; i++)
		json_array_append_new(pids, json_integer(cfg->pids[i]));
	for (int i = 0; i < cfg->n_comms; i++)
		json_array_append_new(comms, json_string(cfg->comms[i]));
	for (int i = 0; i < cfg->n_cgroups; i++)
		json_array_append_new(cgroups, json_string(cfg->cgroups[i]));
	state__publish(p->d.st, "filters", json_pack("{s:o,s:o,s:o}", "pids", pids, "comms", comms,
						     "cgroups", cgroups));
	state__publish(p->d.st, "routes", json_array());
	state__publish(p->d.st, "requests", json_array());
	state__publish(p->d.st, "disks", json_array());
	state__publish(p->d.st, "processes", json_array());
	state__publish(p->d.st, "connections", json_pack("{s:[],s:i,s:i,s:i}", "recent", "retransmits_total", 0,
							 "resets_total", 0, "connections_active", 0));
	state__publish(p->d.st, "alerts", json_pack("{s:[],s:[],s:[]}", "active", "recent", "rules"));
	state__publish(p->d.st, "cpu", json_pack("{s:[],s:n,s:{s:n,s:n,s:[]},s:[],s:i,s:i}", "cores",
						 "busy_pct", "runq_latency_us", "p50", "p99", "buckets",
						 "recent_processes", "execs_total", 0, "exits_total", 0));
	state__publish(p->d.st, "host", json_pack("{s:s}", "source", p->d.source));
	state__publish(p->d.st, "breakdown", json_pack("{s:b,s:i,s:i,s:i,s:[],s:[]}", "enabled",
		cfg->http_breakdown && config_signal_on(cfg, "cpu") && config_signal_on(cfg, "http"),
		"requests_total", 0, "approximate_total", 0, "routes_dropped_total", 0, "routes", "slowest"));
}

struct processor *processor__new(const struct processor_deps *deps)
{
	struct processor *p = calloc(1, sizeof(*p));
	struct timespec rt, mt;

	if (!p)
		return NULL;
	p->d = *deps;
	/* the hostname (or --source) names every record: text from here on */
	utf8_sanitize(deps->source ? deps->source : "", 256, p->source, sizeof(p->source));
	p->d.source = p->source;
	pthread_mutex_init(&p->stop_lock, NULL);
	pthread_mutex_init(&p->reload_lock, NULL);
	pthread_cond_init(&p->stop_cond, NULL);
	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_MONOTONIC, &mt);
	p->mono_offset_ms = ((int64_t)rt.tv_sec * 1000 + rt.tv_nsec / 1000000) -
			    ((int64_t)mt.tv_sec * 1000 + mt.tv_nsec / 1000000);
	p->comms = table__new(&comm_type, COMM_SLOTS);
	p->reader = eventlog_reader__new(deps->log, true);
	if (!p->comms || !p->reader)
		goto err;
	memset(p->dispatch, -1, sizeof(p->dispatch));
	publish_placeholders(p);	/* before the modules, which replace them */
	p->nmods = (int)pmods_count;
	p->mods = calloc((size_t)p->nmods, sizeof(*p->mods));
	if (!p->mods)
		goto err;
	for (int i = 0; i < p->nmods; i++) {
		struct pmod *m = &p->mods[i];

		m->ops = pmods[i];
		m->p = p;
		m->priv = calloc(1, m->ops->priv_size ? m->ops->priv_size : 1);
		if (!m->priv)
			goto err;
		if (m->ops->init && m->ops->init(m)) {
			pr_debug("processor: module %s is off", m->ops->name);
			continue;
		}
		m->on = true;
		for (int k = 0; k < 8 && m->ops->types[k]; k++)
			if (m->ops->types[k] < HL_EV_MAX)
				p->dispatch[m->ops->types[k]] = (int8_t)i;
	}
	p->alerts = alerts__new(deps->cfg, deps->source);
	p->metrics = metrics__new();
	p->rollups = rollups__new(deps->source, ROLLUP_WINDOW_MS);
	p->k8s = k8s__new("/", 4096);
	if (!p->alerts || !p->metrics || !p->rollups || !p->k8s)
		goto err;
	p->notify = notify__new(deps->cfg);
	if (!p->notify)
		goto err;
	if (!strcmp(deps->cfg->summary, "on"))
		p->print_summary = true;
	else if (!strcmp(deps->cfg->summary, "auto"))
		p->print_summary = isatty(STDOUT_FILENO);
	p->start_ns = p->last_tick_ns = p->last_flush_ns = clock_mono_ns();
	return p;
err:
	processor__free(p);
	errno = ENOMEM;
	return NULL;
}

static void on_log_entry(void *ctx, int shard, uint64_t seq, const void *data, uint32_t len)
{
	struct processor *p = ctx;
	const struct event_hdr *h = data;
	int8_t mi;

	(void)shard;
	(void)seq;
	if (len < sizeof(*h) || h->type >= HL_EV_MAX) {
		p->unknown_events++;
		return;
	}
	mi = p->dispatch[h->type];
	if (mi < 0) {
		p->unknown_events++;
		return;
	}
	p->mods[mi].ops->on_event(&p->mods[mi], h, data, len);
}

/* Per-sink delivery counters on /metrics, read from the sinks' JSON (one
 * label value per configured sink). */
static const struct counter_row sink_rows[] = {
	{ .key = "sent", .name = "hostlens_sink_sent_records_total", .type = PROM_COUNTER,
	  .help = "Records a sink delivered." },
	{ .key = "spooled", .name = "hostlens_sink_spooled_records_total", .type = PROM_COUNTER,
	  .help = "Records put in a sink's on-disk spool." },
	{ .key = "dropped", .name = "hostlens_sink_dropped_records_total", .type = PROM_COUNTER,
	  .help = "Records a sink gave up (spool full, could not spool)." },
	{ .key = "rejected", .name = "hostlens_sink_rejected_records_total", .type = PROM_COUNTER,
	  .help = "Records a sink refused (too large, not retryable)." },
	{ .key = "spool_bytes", .name = "hostlens_sink_spool_bytes", .type = PROM_GAUGE,
	  .help = "Bytes in a sink's on-disk spool." },
};

/* Every new log entry to the module that owns its type. */
static void fold_log(struct processor *p)
{
	while (eventlog_reader__poll(p->reader, on_log_entry, p, 65536) > 0)
		;
}

/* The maps a full-map drop is counted for (hl_drop): the name reported,
 * where the map is, and what sizes it. */
static const struct {
	const char *name, *signal, *map, *sized_by;
} full_map[HL_DROP_MAX] = {
	[HL_DROP_FULL_CPU_EXITED] = { "cpu_exited", "cpu", "exited", "--max-procs" },
	[HL_DROP_FULL_DISK_RQS] = { "disk_rqs", "disk", "rqs", "fixed" },
	[HL_DROP_FULL_DISK_STATS] = { "disk_stats", "disk", "disk_stats", "fixed" },
	[HL_DROP_FULL_DISK_PROCS] = { "disk_procs", "disk", "disk_procs", "--max-procs" },
	[HL_DROP_FULL_NET_CONNS] = { "net_conns", "net", "net_socks", "sockets: kernel memory" },
	[HL_DROP_FULL_NET_PROCS] = { "net_procs", "net", "net_procs", "--max-procs" },
	[HL_DROP_FULL_HTTP_CONNS] = { "http_conns", "http", "tls_conns", "--max-procs; sockets: kernel memory" },
};

/* Says which limit to raise when full-map drop reason r has grown: once,
 * then again each time the count has doubled. The size comes from the map. */
static void full_map_warn(struct processor *p, int r, uint64_t n)
{
	if (n <= 2 * p->full_warned[r])
		return;
	p->full_warned[r] = n;
	pr_warn("BPF map %s is full: %llu updates failed so far (%u entries, size: %s)",
		full_map[r].name, (unsigned long long)n,
		loader__map_max_entries(p->d.ld, full_map[r].signal, full_map[r].map), full_map[r].sized_by);
}

/* a - b for counters that restart at 0 (a reloaded sink) */
static uint64_t counter_delta(uint64_t now, uint64_t prev)
{
	return now >= prev ? now - prev : now;
}

/* The agent's own health for the alert rules (metrics.h, signal "agent"):
 * this tick's kernel drops, full-map failures and log overwrites, and per
 * sink whether it is failing, its dropped records and how full its spool is. */
static void metrics_from_stats(struct processor *p, struct metrics *m, uint64_t kdrops,
			       uint64_t mapfull, uint64_t overwritten, json_t *sinks)
{
	uint64_t spool_max = p->d.cfg->spool_max_bytes;
	json_t *e;
	size_t i;

	metrics__add(m, METRIC_AGENT_KERNEL_DROPS, SCOPE_NONE, NULL,
		     (double)counter_delta(kdrops, p->prev_kdrops));
	metrics__add(m, METRIC_AGENT_MAP_FULL, SCOPE_NONE, NULL, (double)counter_delta(mapfull, p->prev_mapfull));
	metrics__add(m, METRIC_AGENT_LOG_OVERWRITTEN, SCOPE_NONE, NULL,
		     (double)counter_delta(overwritten, p->prev_overwritten));
	p->prev_kdrops = kdrops;
	p->prev_mapfull = mapfull;
	p->prev_overwritten = overwritten;
	metrics__add(m, METRIC_AGENT_SINK_DROPPED, SCOPE_NONE, NULL, 0);
	json_array_foreach(sinks, i, e) {
		const char *name = json_string_value(json_object_get(e, "name"));
		json_int_t err_ms = json_integer_value(json_object_get(e, "last_error_ms"));
		json_int_t ok_ms = json_integer_value(json_object_get(e, "last_ok_ms"));
		uint64_t dropped = (uint64_t)json_integer_value(json_object_get(e, "dropped"));
		double failing = err_ms > ok_ms ? 1 : 0, spool_pct;

		if (!name || i >= CFG_MAX_SINKS)
			continue;
		spool_pct = spool_max ? 100.0 * (double)json_integer_value(json_object_get(e, "spool_bytes")) /
					(double)spool_max : 0;
		metrics__set(m, METRIC_AGENT_SINK_FAILING, SCOPE_SINK, name, failing);
		metrics__max(m, METRIC_AGENT_SINK_FAILING, SCOPE_NONE, NULL, failing);
		metrics__set(m, METRIC_AGENT_SPOOL_USED_PCT, SCOPE_SINK, name, spool_pct);
		metrics__max(m, METRIC_AGENT_SPOOL_USED_PCT, SCOPE_NONE, NULL, spool_pct);
		if (strcmp(p->prev_sink[i].name, name)) {	/* sinks changed on reload */
			snprintf(p->prev_sink[i].name, sizeof(p->prev_sink[i].name), "%s", name);
			p->prev_sink[i].dropped = 0;
		}
		metrics__add(m, METRIC_AGENT_SINK_DROPPED, SCOPE_SINK, name,
			     (double)counter_delta(dropped, p->prev_sink[i].dropped));
		metrics__add(m, METRIC_AGENT_SINK_DROPPED, SCOPE_NONE, NULL,
			     (double)counter_delta(dropped, p->prev_sink[i].dropped));
		p->prev_sink[i].dropped = dropped;
	}
}

#define N_FULL (HL_DROP_FULL_LAST - HL_DROP_FULL_FIRST + 1)

/* The agent's own counters, one tick's snapshot: stats_rows[] says where
 * each one goes in the "stats" topic and on /metrics. */
struct agent_stats {
	double uptime_s, events_per_s, delay_ms, delay_max_ms;
	uint64_t events, kdrops, mapfull, malformed, reader_lost, threads;
	uint64_t log_size, log_used, log_shards, log_overwritten, log_rejected;
	uint64_t reloads, reload_failures, polls, records;
	uint64_t per_cpu[HL_MAX_CPUS], full_n[N_FULL];
	const char *full_names[N_FULL];
	struct counter_vec drops_cpu, map_full;	/* over per_cpu, and full_n by full_names */
};

#define AS struct agent_stats
static const struct counter_row stats_rows[] = {
	COUNTER_ROW_DOUBLE("uptime_s", NULL, 0, NULL, AS, uptime_s),
	COUNTER_ROW_UINT("events_total", "hostlens_events_total", PROM_COUNTER,
			 "Events drained from the kernel into the log.", AS, events),
	COUNTER_ROW_DOUBLE("events_per_s", NULL, 0, NULL, AS, events_per_s),
	{ .key = "kernel_drops_per_cpu", .name = "hostlens_kernel_drops_total", .type = PROM_COUNTER,
	  .help = "Events dropped in BPF because a ring was full.", .kind = COUNTER_VEC,
	  .off = offsetof(AS, drops_cpu), .label = "cpu" },
	COUNTER_ROW_UINT("kernel_drops_total", NULL, 0, NULL, AS, kdrops),
	COUNTER_ROW_UINT("map_full_total", NULL, 0, NULL, AS, mapfull),
	COUNTER_ROW_UINT("malformed_events_total", "hostlens_malformed_events_total", PROM_COUNTER,
			 "Events from the kernel that failed validation.", AS, malformed),
	COUNTER_ROW_UINT("reader_lost_total", NULL, 0, NULL, AS, reader_lost),
	COUNTER_ROW_UINT("log.size_bytes", NULL, 0, NULL, AS, log_size),
	COUNTER_ROW_UINT("log.used_bytes", "hostlens_log_used_bytes", PROM_GAUGE,
			 "Bytes held by the in-memory event log.", AS, log_used),
	COUNTER_ROW_UINT("log.shards", NULL, 0, NULL, AS, log_shards),
	COUNTER_ROW_UINT("log.overwritten_total", "hostlens_log_overwritten_total", PROM_COUNTER,
			 "Log entries overwritten before every reader saw them.", AS, log_overwritten),
	COUNTER_ROW_UINT("log.rejected_total", NULL, 0, NULL, AS, log_rejected),
	{ .key = "map_full", .name = "hostlens_map_full_total", .type = PROM_COUNTER,
	  .help = "BPF map updates that failed because the map was full, per map.",
	  .kind = COUNTER_VEC, .off = offsetof(AS, map_full), .label = "map" },
	COUNTER_ROW_UINT("thread_storage_misses_total", "hostlens_thread_storage_misses_total",
			 PROM_COUNTER, "Times a thread's BPF task storage could not be had (no memory, or the kernel's recursion guard).",
			 AS, threads),
	{ .key = "drain_delay_ms", .name = "hostlens_drain_delay_seconds", .type = PROM_GAUGE,
	  .help = "Age of the oldest event when the drain picked it up, last second.",
	  .kind = COUNTER_DOUBLE, .off = offsetof(AS, delay_ms), .scale = 1e-3 },
	COUNTER_ROW_UINT("config_reloads_total", NULL, 0, NULL, AS, reloads),
	COUNTER_ROW_UINT("config_reload_failures_total", NULL, 0, NULL, AS, reload_failures),
	COUNTER_ROW_DOUBLE("drain_delay_max_ms", NULL, 0, NULL, AS, delay_max_ms),
	COUNTER_ROW_UINT("drain_polls_total", NULL, 0, NULL, AS, polls),
	COUNTER_ROW_UINT("records_total", "hostlens_records_total", PROM_COUNTER,
			 "Records the processor handed to the sinks.", AS, records),
};
#undef AS

/* Fills s from the log, the drain and the loader's drop counters. */
static void stats_snapshot(struct processor *p, struct tick_ctx *t, struct agent_stats *s)
{
	struct eventlog_stats ls;
	struct drain_stats ds = { 0 };
	int nr = 0;

	eventlog__stats(p->d.log, &ls);
	if (p->d.drain)
		drain__stats(p->d.drain, &ds);
	if (p->d.ld) {
		nr = loader__nrings(p->d.ld);
		s->kdrops = loader__drops(p->d.ld, HL_DROP_RINGBUF, s->per_cpu);
		s->threads = loader__drops(p->d.ld, HL_DROP_THREADS, NULL);
		for (int r = HL_DROP_FULL_FIRST; r <= HL_DROP_FULL_LAST; r++) {
			uint64_t n = loader__drops(p->d.ld, (enum hl_drop)r, NULL);

			s->full_n[r - HL_DROP_FULL_FIRST] = n;
			s->mapfull += n;
			full_map_warn(p, r, n);
		}
	}
	for (int r = HL_DROP_FULL_FIRST; r <= HL_DROP_FULL_LAST; r++)
		s->full_names[r - HL_DROP_FULL_FIRST] = full_map[r].name;
	s->drops_cpu = (struct counter_vec){ .v = s->per_cpu, .n = (size_t)(nr > 0 ? nr : 0) };
	s->map_full = (struct counter_vec){ .v = s->full_n, .n = N_FULL, .names = s->full_names };
	if (p->d.drain) {
		double delay_ms = (double)drain__take_max_delay(p->d.drain) / 1e6;

		if (delay_ms > p->max_delay_ms)
			p->max_delay_ms = delay_ms;
		p->last_delay_ms = delay_ms;
	}
	s->uptime_s = (double)(t->now_ns - p->start_ns) / 1e9;
	s->events = ls.appended;
	s->events_per_s = t->elapsed_s > 0 ? (double)(ls.appended - p->events_prev) / t->elapsed_s : 0;
	p->events_prev = ls.appended;
	s->malformed = ds.malformed;
	s->reader_lost = eventlog_reader__lost(p->reader);
	s->log_size = ls.size_bytes;
	s->log_used = ls.used_bytes;
	s->log_shards = (uint64_t)ls.shards;
	s->log_overwritten = ls.overwritten;
	s->log_rejected = ls.rejected;
	s->delay_ms = p->last_delay_ms;
	s->delay_max_ms = p->max_delay_ms;
	s->reloads = p->reloads;
	s->reload_failures = p->reload_failures;
	s->polls = ds.wakeups;
	s->records = p->records_total;
}

/* Agent's own counters: "stats" topic, summary, /metrics. */
static void publish_stats(struct processor *p, struct tick_ctx *t)
{
	struct agent_stats s = { 0 };
	json_t *stats, *sig, *sinks;

	stats_snapshot(p, t, &s);
	stats = json_pack("{s:s}", "version", HOSTLENS_VERSION);
	counters_json(stats_rows, sizeof(stats_rows) / sizeof(stats_rows[0]), &s, stats);
	sig = json_object();
	if (p->d.ld)
		for (const char *const *n = loader__signal_names(); *n; n++)
			json_object_set_new(sig, *n, json_string(loader__signal_status(p->d.ld, *n)));
	json_object_set_new(stats, "signals", sig);
	sinks = p->d.sink_stats ? p->d.sink_stats(p->d.sink_ctx) : json_array();
	json_object_set_new(stats, "sinks", sinks);
	counters_prom_json(t->prom, sink_rows, sizeof(sink_rows) / sizeof(sink_rows[0]), sinks, "sink", "name");
	metrics_from_stats(p, t->metrics, s.kdrops, s.mapfull, s.log_overwritten, sinks);
	json_object_set_new(t->summary, "events_per_s", json_real(s.events_per_s));
	json_object_set_new(t->summary, "drops_total", json_integer((json_int_t)(s.kdrops + s.log_overwritten)));
	state__series_push(p->d.st, "events_per_s", t->now_ms, s.events_per_s);
	counters_prom(t->prom, stats_rows, sizeof(stats_rows) / sizeof(stats_rows[0]), &s);
	notify__stats(p->notify, stats, t->prom);
	state__publish(p->d.st, "stats", stats);
}

/* Host-level cards and series from the collectors' vm-metrics fields. */
static void summary_from_vm(struct processor *p, struct tick_ctx *t)
{
	static const struct { const char *vm, *card; } map[] = {
		{ "cpu_usage_pct", "cpu_pct" },
		{ "memory_used_pct", "mem_used_pct" },
		{ "memory_used_bytes", "mem_used_bytes" },
		{ "memory_total_bytes", "mem_total_bytes" },
		{ "swap_used_pct", "swap_used_pct" },
		{ "disk_read_bytes_per_s", "disk_read_bytes_per_s" },
		{ "disk_write_bytes_per_s", "disk_write_bytes_per_s" },
		{ "net_rx_bytes_per_s", "net_rx_bytes_per_s" },
		{ "net_tx_bytes_per_s", "net_tx_bytes_per_s" },
		{ "load1", "load1" },
		{ "uptime_s", "uptime_s" },
	};
	static const char *const host_keys[] = { "hostname", "kernel_release", "os_name", "os_version_id",
						 "arch", "platform", "uptime_s", "boot_time_s", "cpu_count",
						 "memory_total_bytes", "cpu_freq_mhz", NULL };
	json_t *host;

	if (!p->last_vm)
		return;
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		json_t *v = json_object_get(p->last_vm, map[i].vm);

		if (!json_is_number(v))
			continue;
		json_object_set(t->summary, map[i].card, v);
		if (strcmp(map[i].card, "uptime_s") && strcmp(map[i].card, "mem_total_bytes"))
			state__series_push(t->st, map[i].card, t->now_ms, json_number_value(v));
	}
	host = json_object();
	for (int i = 0; host_keys[i]; i++) {
		json_t *v = json_object_get(p->last_vm, host_keys[i]);

		if (v)
			json_object_set(host, host_keys[i], v);
	}
	json_object_set_new(host, "source", json_string(p->d.source));
	/* the short names of docs/topics.md */
	json_object_set(host, "os", json_object_get(p->last_vm, "os_name"));
	json_object_set(host, "kernel", json_object_get(p->last_vm, "kernel_release"));
	json_object_set(host, "cpus", json_object_get(p->last_vm, "cpu_count"));
	json_object_set(host, "cores", json_object_get(p->last_vm, "cpu_cores"));
	json_object_set(host, "filesystems", json_object_get(p->last_vm, "filesystems"));
	json_object_set(host, "interfaces", json_object_get(p->last_vm, "interfaces"));
	json_object_set(host, "disks", json_object_get(p->last_vm, "disks"));
	state__publish(t->st, "host", host);
}

/* The collectors' vm-metrics fields that alert rules can name (metrics.h,
 * signal "host"): host-wide values, per mount point and per whole disk. */
static void metrics_from_vm(struct metrics *m, const json_t *vm)
{
	static const struct { const char *field; enum metric_id id; } map[] = {
		{ "cpu_usage_pct", METRIC_CPU_USAGE_PCT },
		{ "cpu_iowait_pct", METRIC_CPU_IOWAIT_PCT },
		{ "cpu_steal_pct", METRIC_CPU_STEAL_PCT },
		{ "memory_used_pct", METRIC_MEMORY_USED_PCT },
		{ "swap_used_pct", METRIC_SWAP_USED_PCT },
		{ "load1", METRIC_LOAD1 },
		{ "net_rx_bytes_per_s", METRIC_NET_RX_BYTES_PER_S },
		{ "net_tx_bytes_per_s", METRIC_NET_TX_BYTES_PER_S },
	};
	json_t *e, *v;
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		v = json_object_get(vm, map[i].field);
		if (json_is_number(v))
			metrics__set(m, map[i].id, SCOPE_NONE, NULL, json_number_value(v));
	}
	json_array_foreach(json_object_get(vm, "filesystems"), i, e) {
		const char *mnt = json_string_value(json_object_get(e, "mountpoint"));

		v = json_object_get(e, "used_pct");
		if (!mnt || !json_is_number(v))
			continue;
		metrics__set(m, METRIC_FILESYSTEM_USED_PCT, SCOPE_MOUNT, mnt, json_number_value(v));
		metrics__max(m, METRIC_FILESYSTEM_USED_PCT, SCOPE_NONE, NULL, json_number_value(v));
	}
	json_array_foreach(json_object_get(vm, "disks"), i, e) {
		const char *dev = json_string_value(json_object_get(e, "device"));

		v = json_object_get(e, "busy_pct");
		if (!dev || !json_is_number(v) || json_is_true(json_object_get(e, "partition")))
			continue;
		metrics__set(m, METRIC_DISK_BUSY_PCT, SCOPE_DEVICE, dev, json_number_value(v));
		metrics__max(m, METRIC_DISK_BUSY_PCT, SCOPE_NONE, NULL, json_number_value(v));
	}
}

/* Alert rules over this second's metrics; transitions ship at once. */
static json_t *eval_alerts(struct processor *p, struct tick_ctx *t)
{
	json_t *tr = json_array();
	size_t i;
	json_t *rec;

	if (alerts__eval(p->alerts, t->metrics, t->now_ms, tr) > 0 && p->d.submit) {
		struct record_batch *b = record_batch__new(json_array_size(tr));

		if (b) {
			json_array_foreach(tr, i, rec)
				record_batch__add(b, json_incref(rec));
			p->records_total += b->n;
			p->d.submit(p->d.sink_ctx, b);
			record_batch__put(b);
		}
	}
	json_array_foreach(tr, i, rec) {
		pr_info("alert: %s %s: %s", json_string_value(json_object_get(rec, "rule")),
			json_string_value(json_object_get(rec, "state")),
			json_string_value(json_object_get(rec, "message")));
		notify__submit(p->notify, rec);
	}
	state__publish(t->st, "alerts", alerts__state_json(p->alerts));
	return tr;
}

static void print_summary(struct processor *p, struct tick_ctx *t)
{
	struct blob *b = state__get(p->d.st, "processes");
	json_t *procs = b ? json_loads(b->data, 0, NULL) : NULL, *e;
	size_t i;

	blob__put(b);
	printf("\n[hostlens] %s  events/s %.0f  drops %lld  runq p50 %.3f ms p99 %.3f ms\n",
	       p->d.source, json_real_value(json_object_get(t->summary, "events_per_s")),
	       (long long)json_integer_value(json_object_get(t->summary, "drops_total")),
	       json_number_value(json_object_get(t->summary, "runq_p50_ms")),
	       json_number_value(json_object_get(t->summary, "runq_p99_ms")));
	printf("  %8s %-16s %7s\n", "PID", "COMM", "CPU%");
	json_array_foreach(procs, i, e) {
		if (i == 5)
			break;
		printf("  %8lld %-16s %7.1f\n", (long long)json_integer_value(json_object_get(e, "pid")),
		       json_string_value(json_object_get(e, "comm")),
		       json_number_value(json_object_get(e, "cpu_pct")));
	}
	fflush(stdout);
	json_decref(procs);
}

static void flush(struct processor *p, uint64_t now, int64_t now_ms, bool final)
{
	struct flush_ctx f = {
		.source = p->d.source,
		.ts_ms = now_ms,
		.interval_s = (double)(now - p->last_flush_ns) / 1e9,
		.rollups = p->rollups,
	};

	f.batch = record_batch__new(64);
	if (!f.batch)
		return;
	/* rates need two collections: the first tick only sets baselines */
	if (p->last_vm && p->ticks >= 2) {
		json_t *vm = record_new("vm-metrics", p->d.source, now_ms);

		json_object_update(vm, p->last_vm);
		json_object_set_new(vm, "window_s", json_real(f.interval_s));
		record_batch__add(f.batch, vm);
	}
	for (int i = 0; i < p->nmods; i++)
		if (p->mods[i].on && p->mods[i].ops->flush)
			p->mods[i].ops->flush(&p->mods[i], &f);
	/* 5-minute rollups of what this flush produced (finished windows appended) */
	rollups__fold_batch(p->rollups, f.batch, now_ms, final);
	if (p->d.submit && f.batch->n) {
		p->records_total += f.batch->n;
		p->d.submit(p->d.sink_ctx, f.batch);
	}
	record_batch__put(f.batch);
	p->last_flush_ns = now;
	p->ticks_since_flush = 0;
}

int processor__reload(struct processor *p, const struct config *cfg)
{
	struct config *c = malloc(sizeof(*c)), *old;

	if (!c)
		return -ENOMEM;
	*c = *cfg;
	pthread_mutex_lock(&p->reload_lock);
	old = p->pending;
	p->pending = c;
	pthread_mutex_unlock(&p->reload_lock);
	free(old);
	return 0;
}

/*
 * On the processor thread, between flushes: sinks are rebuilt (the old engine
 * delivers or spools what it holds, the new one replays the spool), alert
 * rules replaced keeping the state of unchanged rules, and the settings the
 * modules read each tick copied into the live config.
 */
static void apply_reload(struct processor *p)
{
	struct config *next, *live = (struct config *)p->d.cfg;
	char err[512];
	bool ok = true;

	pthread_mutex_lock(&p->reload_lock);
	next = p->pending;
	p->pending = NULL;
	pthread_mutex_unlock(&p->reload_lock);
	if (!next)
		return;
	if (alerts__set_rules(p->alerts, next)) {
		pr_err("reload: alert rules not changed: out of memory");
		ok = false;
	} else {
		memcpy(live->alerts, next->alerts, sizeof(live->alerts));
		live->n_alerts = next->n_alerts;
		live->alerts_set = next->alerts_set;
	}
	if (p->d.reconfigure_sinks && p->d.reconfigure_sinks(p->d.sink_ctx, next, err, sizeof(err))) {
		pr_err("reload: sinks not changed: %s", err);
		ok = false;
	}
	live->http_keep_query = next->http_keep_query;
	live->http_max_routes = next->http_max_routes;
	live->flush_interval_s = next->flush_interval_s;
	if (ok)
		p->reloads++;
	else
		p->reload_failures++;
	free(next);
}

void processor__tick(struct processor *p, bool force_flush)
{
	uint64_t now = clock_mono_ns();
	struct tick_ctx t = {
		.now_ns = now,
		.now_ms = record_now_ms(),
		.elapsed_s = (double)(now - p->last_tick_ns) / 1e9,
		.st = p->d.st,
	};
	char *prom_buf = NULL;
	size_t prom_len = 0;
	struct prom prom;
	json_t *alerts_tr;

	apply_reload(p);
	/* every new log entry, then every module's view of its maps */
	fold_log(p);
	t.summary = json_pack("{s:I,s:s}", "ts", (json_int_t)t.now_ms, "hostname", p->d.source);
	t.update = json_pack("{s:I}", "ts", (json_int_t)t.now_ms);
	metrics__reset(p->metrics);
	t.metrics = p->metrics;
	prom_init(&prom, open_memstream(&prom_buf, &prom_len));
	t.prom = &prom;
	if (p->d.collect) {
		json_t *vm = json_object();

		p->d.collect(p->d.collect_ctx, vm, now);
		json_decref(p->last_vm);
		p->last_vm = vm;
		metrics_from_vm(t.metrics, vm);
	}
	for (int i = 0; i < p->nmods; i++)
		if (p->mods[i].on && p->mods[i].ops->tick)
			p->mods[i].ops->tick(&p->mods[i], &t);
	summary_from_vm(p, &t);
	publish_stats(p, &t);	/* before the rules: it puts the agent's health */
	alerts_tr = eval_alerts(p, &t);
	if (prom.f) {
		fclose(prom.f);
		state__publish_text(p->d.st, "metrics", prom_buf, prom_len);
		free(prom_buf);
	}
	if (p->print_summary)
		print_summary(p, &t);
	json_object_set(t.update, "summary", t.summary);
	json_object_set_new(t.update, "alerts", alerts_tr);
	if (!json_object_get(t.update, "requests"))
		json_object_set_new(t.update, "requests", json_array());
	state__push_update(p->d.st, t.update);
	state__publish(p->d.st, "summary", t.summary);
	p->last_tick_ns = now;
	p->ticks++;
	/* counted in ticks, not measured: a tick that runs a few ms late (the
	 * thread is SCHED_BATCH) must not push the next flush a tick further */
	if (force_flush || ++p->ticks_since_flush >= (unsigned int)p->d.cfg->flush_interval_s)
		flush(p, now, t.now_ms, force_flush);
}

static void *processor_main(void *arg)
{
	struct processor *p = arg;
	struct timespec deadline;
	unsigned int step = 0;

	/* TLS uprobes on new processes, other processes' /proc files (caps.h) */
	thread__setup_privileged("hl-processor", true);
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	pthread_mutex_lock(&p->stop_lock);
	while (!p->stop) {
		/* every FOLD_MS: fold new log entries into the modules (short
		 * bursts of work rather than long ones that delay the application),
		 * so the log only has to hold a fraction of a second; every second:
		 * a tick */
		deadline.tv_nsec += FOLD_MS * 1000000L;
		if (deadline.tv_nsec >= 1000000000L) {
			deadline.tv_sec++;
			deadline.tv_nsec -= 1000000000L;
		}
		while (!p->stop &&
		       pthread_cond_timedwait(&p->stop_cond, &p->stop_lock, &deadline) != ETIMEDOUT)
			;
		pthread_mutex_unlock(&p->stop_lock);
		if (++step % (1000 / FOLD_MS) == 0)
			processor__tick(p, false);
		else
			fold_log(p);
		pthread_mutex_lock(&p->stop_lock);
	}
	pthread_mutex_unlock(&p->stop_lock);
	return NULL;
}

int processor__start(struct processor *p)
{
	pthread_condattr_t ca;
	int err;

	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_destroy(&p->stop_cond);
	pthread_cond_init(&p->stop_cond, &ca);
	pthread_condattr_destroy(&ca);
	err = pthread_create(&p->thread, NULL, processor_main, p);
	if (err)
		return -err;
	p->running = true;
	return 0;
}

void processor__stop(struct processor *p)
{
	if (!p || !p->running)
		return;
	pthread_mutex_lock(&p->stop_lock);
	p->stop = 1;
	pthread_cond_signal(&p->stop_cond);
	pthread_mutex_unlock(&p->stop_lock);
	pthread_join(p->thread, NULL);
	p->running = false;
	processor__tick(p, true);	/* what the drain left, and a final flush */
	pr_info("processor: %llu records handed to the sinks", (unsigned long long)p->records_total);
}

void processor__free(struct processor *p)
{
	if (!p)
		return;
	if (p->mods)
		for (int i = 0; i < p->nmods; i++) {
			if (p->mods[i].on && p->mods[i].ops->destroy)
				p->mods[i].ops->destroy(&p->mods[i]);
			free(p->mods[i].priv);
		}
	free(p->mods);
	json_decref(p->last_vm);
	alerts__free(p->alerts);
	metrics__free(p->metrics);
	k8s__free(p->k8s);
	rollups__free(p->rollups);
	notify__free(p->notify);
	eventlog_reader__free(p->reader);
	table__free(p->comms);
	free(p->pending);
	pthread_mutex_destroy(&p->reload_lock);
	pthread_mutex_destroy(&p->stop_lock);
	pthread_cond_destroy(&p->stop_cond);
	free(p);
}
