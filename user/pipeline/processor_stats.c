// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* What the processor publishes about the agent and the host once a second
 * (processor_stats.h). Processor thread only; the web thread reads the
 * results through struct state. */
#include <malloc.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "user/lib/counters.h"
#include "user/pipeline/drain.h"
#include "user/runtime/log.h"
#include "user/notify/notify.h"
#include "user/pipeline/processor_priv.h"
#include "user/pipeline/processor_stats.h"
#include "user/pipeline/signal.h"

/* Per-sink delivery counters on /metrics, read from the sinks' JSON (one
 * label value per configured sink). */
static const struct counter_row sink_rows[] = {
	{ .key = "sent",
	  .name = "hostlens_sink_sent_records_total",
	  .type = PROM_COUNTER,
	  .help = "Records a sink delivered." },
	{ .key = "spooled",
	  .name = "hostlens_sink_spooled_records_total",
	  .type = PROM_COUNTER,
	  .help = "Records put in a sink's on-disk spool." },
	{ .key = "dropped",
	  .name = "hostlens_sink_dropped_records_total",
	  .type = PROM_COUNTER,
	  .help = "Records a sink gave up (spool full, could not spool)." },
	{ .key = "rejected",
	  .name = "hostlens_sink_rejected_records_total",
	  .type = PROM_COUNTER,
	  .help = "Records a sink refused (too large, not retryable)." },
	{ .key = "spool_bytes",
	  .name = "hostlens_sink_spool_bytes",
	  .type = PROM_GAUGE,
	  .help = "Bytes in a sink's on-disk spool." },
};

/* Says which limit to raise when full-map drop reason r has grown: once,
 * then again each time the count has doubled. The size comes from the map. */
static void full_map_warn(struct processor *p, int r, uint64_t n)
{
	const struct signal_drop *d = signal_drop_find((enum hl_drop)r, NULL);

	if (n <= 2 * p->full_warned[r] || !d)
		return;
	p->full_warned[r] = n;
	pr_warn("BPF map %s is full: %llu updates failed so far (%u entries, size: %s)", d->name,
		(unsigned long long)n, loader__drop_map_size(p->d.ld, (enum hl_drop)r),
		d->sized_by);
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
	metrics__add(m, METRIC_AGENT_MAP_FULL, SCOPE_NONE, NULL,
		     (double)counter_delta(mapfull, p->prev_mapfull));
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
		spool_pct = spool_max ? 100.0 *
						(double)json_integer_value(
							json_object_get(e, "spool_bytes")) /
						(double)spool_max :
					0;
		metrics__set(m, METRIC_AGENT_SINK_FAILING, SCOPE_SINK, name, failing);
		metrics__max(m, METRIC_AGENT_SINK_FAILING, SCOPE_NONE, NULL, failing);
		metrics__set(m, METRIC_AGENT_SPOOL_USED_PCT, SCOPE_SINK, name, spool_pct);
		metrics__max(m, METRIC_AGENT_SPOOL_USED_PCT, SCOPE_NONE, NULL, spool_pct);
		if (strcmp(p->prev_sink[i].name, name)) { /* sinks changed on reload */
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
	uint64_t events, kdrops, mapfull, malformed, reader_lost, threads, prog_misses;
	uint64_t log_size, log_used, log_shards, log_overwritten, log_rejected;
	uint64_t rss, heap, updates_bytes, updates;
	uint64_t reloads, reload_failures, polls, records, raises, yielding;
	uint64_t per_cpu[HL_MAX_CPUS], full_n[N_FULL];
	const char *full_names[N_FULL];
	struct counter_vec drops_cpu, map_full; /* over per_cpu, and full_n by full_names */
};

#define AS struct agent_stats
static const struct counter_row stats_rows[] = {
	COUNTER_ROW_DOUBLE("uptime_s", NULL, 0, NULL, AS, uptime_s),
	COUNTER_ROW_UINT("events_total", "hostlens_events_total", PROM_COUNTER,
			 "Events drained from the kernel into the log.", AS, events),
	COUNTER_ROW_DOUBLE("events_per_s", NULL, 0, NULL, AS, events_per_s),
	{ .key = "kernel_drops_per_cpu",
	  .name = "hostlens_kernel_drops_total",
	  .type = PROM_COUNTER,
	  .help = "Events dropped in BPF because a ring was full.",
	  .kind = COUNTER_VEC,
	  .off = offsetof(AS, drops_cpu),
	  .label = "cpu" },
	COUNTER_ROW_UINT("kernel_drops_total", NULL, 0, NULL, AS, kdrops),
	COUNTER_ROW_UINT("map_full_total", NULL, 0, NULL, AS, mapfull),
	COUNTER_ROW_UINT("malformed_events_total", "hostlens_malformed_events_total", PROM_COUNTER,
			 "Events from the kernel that failed validation.", AS, malformed),
	COUNTER_ROW_UINT("reader_lost_total", NULL, 0, NULL, AS, reader_lost),
	COUNTER_ROW_UINT("processor.yielding", "hostlens_processor_yielding", PROM_GAUGE,
			 "1 while the processor thread yields to every other thread (SCHED_IDLE).",
			 AS, yielding),
	COUNTER_ROW_UINT(
		"processor.raised_total", "hostlens_processor_raised_total", PROM_COUNTER,
		"Times the yielding processor fell behind (no idle CPU) and was given its normal share back.",
		AS, raises),
	COUNTER_ROW_UINT("log.size_bytes", NULL, 0, NULL, AS, log_size),
	COUNTER_ROW_UINT("log.used_bytes", "hostlens_log_used_bytes", PROM_GAUGE,
			 "Bytes held by the in-memory event log.", AS, log_used),
	COUNTER_ROW_UINT("log.shards", NULL, 0, NULL, AS, log_shards),
	COUNTER_ROW_UINT("log.overwritten_total", "hostlens_log_overwritten_total", PROM_COUNTER,
			 "Log entries overwritten before every reader saw them.", AS,
			 log_overwritten),
	COUNTER_ROW_UINT("log.rejected_total", NULL, 0, NULL, AS, log_rejected),
	COUNTER_ROW_UINT("memory.rss_bytes", "hostlens_resident_memory_bytes", PROM_GAUGE,
			 "The agent's resident memory.", AS, rss),
	COUNTER_ROW_UINT("memory.heap_bytes", "hostlens_heap_bytes", PROM_GAUGE,
			 "Bytes the agent has allocated and not freed (malloc).", AS, heap),
	COUNTER_ROW_UINT("memory.live_updates_bytes", "hostlens_live_updates_bytes", PROM_GAUGE,
			 "Bytes of the live feed's recent updates kept for clients that reconnect.",
			 AS, updates_bytes),
	COUNTER_ROW_UINT("memory.live_updates", NULL, 0, NULL, AS, updates),
	{ .key = "map_full",
	  .name = "hostlens_map_full_total",
	  .type = PROM_COUNTER,
	  .help = "BPF map updates that failed because the map was full, per map.",
	  .kind = COUNTER_VEC,
	  .off = offsetof(AS, map_full),
	  .label = "map" },
	COUNTER_ROW_UINT(
		"thread_storage_misses_total", "hostlens_thread_storage_misses_total", PROM_COUNTER,
		"Times a thread's BPF task storage could not be had (no memory, or the kernel's recursion guard).",
		AS, threads),
	COUNTER_ROW_UINT(
		"bpf_runs_skipped_total", "hostlens_bpf_runs_skipped_total", PROM_COUNTER,
		"Runs of the agent's BPF programs the kernel skipped because the same program was already running on that CPU (recursion_misses).",
		AS, prog_misses),
	{ .key = "drain_delay_ms",
	  .name = "hostlens_drain_delay_seconds",
	  .type = PROM_GAUGE,
	  .help = "Age of the oldest event when the drain picked it up, last second.",
	  .kind = COUNTER_DOUBLE,
	  .off = offsetof(AS, delay_ms),
	  .scale = 1e-3 },
	COUNTER_ROW_UINT("config_reloads_total", NULL, 0, NULL, AS, reloads),
	COUNTER_ROW_UINT("config_reload_failures_total", NULL, 0, NULL, AS, reload_failures),
	COUNTER_ROW_DOUBLE("drain_delay_max_ms", NULL, 0, NULL, AS, delay_max_ms),
	COUNTER_ROW_UINT("drain_polls_total", NULL, 0, NULL, AS, polls),
	COUNTER_ROW_UINT("records_total", "hostlens_records_total", PROM_COUNTER,
			 "Records the processor handed to the sinks.", AS, records),
};
#undef AS

/* Resident memory (/proc/self/statm), what malloc holds for the agent, and
 * the live feed's update ring: a leak is growth none of the bounded parts
 * accounts for. */
static void memory_snapshot(struct processor *p, struct agent_stats *s)
{
	struct mallinfo2 mi = mallinfo2();
	unsigned long long pages = 0, res = 0;
	size_t n = 0;
	FILE *f = fopen("/proc/self/statm", "re");

	if (f) {
		if (fscanf(f, "%llu %llu", &pages, &res) != 2)
			res = 0;
		fclose(f);
	}
	s->rss = res * (uint64_t)sysconf(_SC_PAGESIZE);
	s->heap = (uint64_t)mi.uordblks + (uint64_t)mi.hblkhd;
	s->updates_bytes = state__updates_bytes(p->d.st, &n);
	s->updates = n;
}

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
		s->prog_misses = loader__prog_misses(p->d.ld);
		for (int r = HL_DROP_FULL_FIRST; r <= HL_DROP_FULL_LAST; r++) {
			uint64_t n = loader__drops(p->d.ld, (enum hl_drop)r, NULL);

			s->full_n[r - HL_DROP_FULL_FIRST] = n;
			s->mapfull += n;
			full_map_warn(p, r, n);
		}
	}
	for (int r = HL_DROP_FULL_FIRST; r <= HL_DROP_FULL_LAST; r++) {
		const struct signal_drop *d = signal_drop_find((enum hl_drop)r, NULL);

		s->full_names[r - HL_DROP_FULL_FIRST] = d ? d->name : "unknown";
	}
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
	s->events_per_s = t->elapsed_s > 0 ? (double)(ls.appended - p->events_prev) / t->elapsed_s :
					     0;
	p->events_prev = ls.appended;
	s->malformed = ds.malformed;
	s->reader_lost = eventlog_reader__lost(p->reader);
	s->log_size = ls.size_bytes;
	s->log_used = ls.used_bytes;
	s->log_shards = (uint64_t)ls.shards;
	s->log_overwritten = ls.overwritten;
	s->log_rejected = ls.rejected;
	memory_snapshot(p, s);
	s->delay_ms = p->last_delay_ms;
	s->delay_max_ms = p->max_delay_ms;
	s->reloads = p->reloads;
	s->reload_failures = p->reload_failures;
	s->polls = ds.wakeups;
	s->records = p->records_total;
	pthread_mutex_lock(&p->stop_lock);
	s->raises = p->raises;
	s->yielding = p->yielding;
	pthread_mutex_unlock(&p->stop_lock);
}

/* Agent's own counters: "stats" topic, summary, /metrics. */
void processor_stats_publish(struct processor *p, struct tick_ctx *t)
{
	struct agent_stats s = { 0 };
	json_t *stats, *sig, *sinks;

	stats_snapshot(p, t, &s);
	stats = json_pack("{s:s}", "version", HOSTLENS_VERSION);
	counters_json(stats_rows, sizeof(stats_rows) / sizeof(stats_rows[0]), &s, stats);
	sig = json_object();
	if (p->d.ld)
		for (const struct signal *const *n = signals; *n; n++)
			json_object_set_new(
				sig, (*n)->name,
				json_string(loader__signal_status(p->d.ld, (*n)->name)));
	json_object_set_new(stats, "signals", sig);
	sinks = p->d.sink_stats ? p->d.sink_stats(p->d.sink_ctx) : json_array();
	json_object_set_new(stats, "sinks", sinks);
	counters_prom_json(t->prom, sink_rows, sizeof(sink_rows) / sizeof(sink_rows[0]), sinks,
			   "sink", "name");
	metrics_from_stats(p, t->metrics, s.kdrops, s.mapfull, s.log_overwritten, sinks);
	json_object_set_new(t->summary, "events_per_s", json_real(s.events_per_s));
	json_object_set_new(t->summary, "drops_total",
			    json_integer((json_int_t)(s.kdrops + s.log_overwritten)));
	state__series_push(p->d.st, "events_per_s", t->now_ms, s.events_per_s);
	counters_prom(t->prom, stats_rows, sizeof(stats_rows) / sizeof(stats_rows[0]), &s);
	notify__stats(p->notify, stats, t->prom);
	state__publish(p->d.st, "stats", stats);
}

/* Host-level cards and series from the collectors' vm-metrics fields. */
void processor_vm_publish(struct processor *p, struct tick_ctx *t)
{
	static const struct {
		const char *vm, *card;
	} map[] = {
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
	static const char *const host_keys[] = {
		"hostname",  "kernel_release",	   "os_name",	   "os_version_id",
		"arch",	     "platform",	   "uptime_s",	   "boot_time_s",
		"cpu_count", "memory_total_bytes", "cpu_freq_mhz", NULL
	};
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
void processor_vm_metrics(struct metrics *m, const json_t *vm)
{
	static const struct {
		const char *field;
		enum metric_id id;
	} map[] = {
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

void processor_print_summary(struct processor *p, struct tick_ctx *t)
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
		printf("  %8lld %-16s %7.1f\n",
		       (long long)json_integer_value(json_object_get(e, "pid")),
		       json_string_value(json_object_get(e, "comm")),
		       json_number_value(json_object_get(e, "cpu_pct")));
	}
	fflush(stdout);
	json_decref(procs);
}
