/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The processor thread: when the drain brought events (processor__drained, at
 * most every 20 ms) it reads the new entries of the event log and hands each
 * to the module that owns its type (so the log only needs to hold a fraction
 * of a second); an idle agent sleeps until the next tick or what a module's
 * fold asks for (no timer wake-ups: each cost ~55 us in this VM); once a
 * second it lets every module read its BPF maps, publish its part of the state and add to the summary;
 * every flush interval the modules add their records to a batch that goes to
 * the sinks.
 *
 * DESIGN
 * - One thread. Modules (pm_*.c, one per signal) keep their state in priv and
 *   are only ever called from this thread, so they need no locks.
 * - Event dispatch is a table from event type to module, built at start.
 * - The log reader never blocks the drain; if the processor falls behind far
 *   enough that entries are overwritten, the loss is counted and shown.
 */
#ifndef HOSTLENS_PROCESSOR_H
#define HOSTLENS_PROCESSOR_H

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>

#include "bpf/common/events.h"
#include "user/runtime/config.h"
#include "user/pipeline/eventlog.h"
#include "user/pipeline/loader.h"
#include "user/pipeline/metrics.h"
#include "user/pipeline/record.h"
#include "user/lib/prom.h"
#include "user/pipeline/state.h"

struct processor;
struct drain;

/* What a module sees once a second. */
struct tick_ctx {
	uint64_t now_ns;	 /* CLOCK_MONOTONIC (same clock as event ts) */
	int64_t now_ms;		 /* wall clock, epoch ms */
	double elapsed_s;	 /* since the previous tick */
	json_t *summary;	 /* add card values here ("summary" topic) */
	struct metrics *metrics; /* this tick's values for alert rules (metrics.h) */
	struct state *st;
	struct prom *prom; /* /metrics being written (prom.h) */
	json_t *update;	   /* this second's live update (SSE): modules add what is new */
};

struct rollups;

/* What a module sees each flush interval. */
struct flush_ctx {
	struct record_batch *batch;
	const char *source;
	int64_t ts_ms;
	double interval_s;
	struct rollups *rollups; /* rollups__add_hist() a window's histograms */
};

struct pmod;

struct pmod_ops {
	const char *name;
	size_t priv_size;
	uint16_t types[8]; /* event types it consumes (0-terminated) */
	int (*init)(struct pmod *m);
	void (*on_event)(struct pmod *m, const struct event_hdr *h, const void *data, uint32_t len);
	void (*tick)(struct pmod *m, struct tick_ctx *t);
	void (*flush)(struct pmod *m, struct flush_ctx *f);
	void (*destroy)(struct pmod *m);
	/* optional: every fold of the log (when the drain brought events, at
	 * most every FOLD_MS, and at every tick: processor.c), for work that
	 * must happen sooner than a tick; keep it cheap. Returns the latest
	 * time (CLOCK_MONOTONIC ns) it wants to run again, 0 when a tick is
	 * soon enough: an idle processor sleeps until then. */
	uint64_t (*fold)(struct pmod *m, uint64_t now_ns);
};

struct pmod {
	const struct pmod_ops *ops;
	void *priv;
	struct processor *p;
	bool on;
};

struct processor_deps {
	const struct config *cfg;
	struct loader *ld; /* NULL in unit tests: the modules start with no map to read */
	struct eventlog *log;
	struct drain *drain; /* NULL in unit tests */
	struct state *st;
	const char *source; /* record source (hostname or --source) */
	/* Where records go (main.c wires the sinks); NULL: dropped (tests). */
	void (*submit)(void *ctx, struct record_batch *b);
	json_t *(*sink_stats)(void *ctx); /* new reference, JSON array */
	void *sink_ctx;
	/* Applies a reloaded config's sink settings, on the processor thread
	 * (between flushes, so no batch is in flight); NULL: not supported. */
	int (*reconfigure_sinks)(void *ctx, const struct config *cfg, char *err, size_t errlen);
	/* Host collectors into a vm-metrics object; NULL: none. */
	int (*collect)(void *ctx, json_t *out, uint64_t now_ns);
	void *collect_ctx;
};

struct processor *processor__new(const struct processor_deps *deps);
int processor__start(struct processor *p);
/* A drain round put events in the log (drain__on_round): the
 * processor folds them, at most every FOLD_MS; with no events it sleeps
 * until the next tick or a module's fold deadline. Every round, also one
 * with no events, a yielding processor that is late (a fold or its tick
 * overdue: the host has no idle CPU for it) is taken back to SCHED_BATCH
 * (thread.h). The drain thread; arg: processor. */
void processor__drained(void *p, int events);
/* Stops the thread after a last tick and a final flush. */
void processor__stop(struct processor *p);
void processor__free(struct processor *p);

/* Queues a reloaded configuration; the processor thread applies what can
 * change safely (alert rules, sink settings, HTTP record options) at its next
 * tick. Thread-safe. 0 or -ENOMEM. */
int processor__reload(struct processor *p, const struct config *cfg);

/* Runs one tick (and a flush when due or forced) on the calling thread. */
void processor__tick(struct processor *p, bool force_flush);

/* For modules. */
const struct config *processor__cfg(const struct processor *p);
struct loader *processor__loader(const struct processor *p);
struct state *processor__state(const struct processor *p);
const char *processor__source(const struct processor *p);
/* Process name of tgid (from exec events, BPF maps, or /proc once); "" when
 * unknown. Always valid UTF-8 without control characters (utf8.h): at most
 * UTF8_COMM_SIZE bytes with the NUL. */
const char *processor__comm(struct processor *p, uint32_t tgid);
/* Caches the kernel's comm bytes of tgid (NUL-terminated), sanitized. */
void processor__set_comm(struct processor *p, uint32_t tgid, const char *comm);
/* Cumulative per-process I/O that the disk and net modules add to and the
 * process table shows. A small direct-mapped table: display only. */
struct proc_io {
	uint64_t disk_read_bytes, disk_write_bytes;
	uint64_t net_tx_bytes, net_rx_bytes;
};

/* The counters of tgid; with create, a slot is (re)claimed for it. NULL when
 * absent (or taken by another process) and !create. */
struct proc_io *processor__proc_io(struct processor *p, uint32_t tgid, bool create);

/* Adds process pid's cgroup path (sanitized, utf8.h) and container/pod fields
 * (those outside containers: none) to obj.
 * Reads /proc once per process per cache period: call per flush, not per event. */
void processor__k8s_annotate(struct processor *p, uint32_t pid, uint64_t cgroup_id, json_t *obj);

/* Monotonic ns -> epoch ms. */
int64_t processor__mono_to_ms(const struct processor *p, uint64_t mono_ns);

#endif
