/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* The processor's state, shared by processor.c (the loop) and
 * processor_stats.c (the agent's counters, host cards). Processor thread
 * only, but for the reload lock and the stop lock. */
#ifndef HOSTLENS_PROCESSOR_PRIV_H
#define HOSTLENS_PROCESSOR_PRIV_H

#include <pthread.h>
#include <sys/types.h>

#include "user/pipeline/processor.h"
#include "user/lib/utf8.h"

struct processor {
	struct processor_deps d;
	struct eventlog_reader *reader;
	struct pmod *mods;
	int nmods;
	int8_t dispatch[HL_EV_MAX];	  /* event type -> module index, -1 none */
	struct table *comms;		  /* struct comm_slot by tgid */
	char source[UTF8_SAFE_SIZE(256)]; /* deps->source, sanitized */
	pthread_t thread;
	bool running;
	int stop;
	pthread_mutex_t stop_lock; /* guards stop and the wake-up state below */
	pthread_cond_t stop_cond;
	bool kicked;	       /* new events in the log (processor__drained) */
	bool waiting;	       /* the thread sleeps (a kick may wake it) */
	pid_t tid;	       /* the thread's, for the drain to raise it */
	bool yielding;	       /* at SCHED_IDLE (thread.h) */
	uint64_t raised_ns;    /* the last time it was taken back to SCHED_BATCH */
	uint64_t lowered_ns;   /* ... and back to SCHED_IDLE */
	unsigned int hold_s;   /* how long a raise lasts, doubling while raises repeat */
	uint64_t raises;       /* times it fell behind while yielding */
	uint64_t last_fold_ns; /* the last fold (or tick) began */
	uint64_t next_tick_ns;
	uint64_t mods_next_ns; /* the earliest time a module's fold asked for, 0 none */
	uint64_t folds;	       /* folds and ticks run (wake-ups that did work) */
	uint64_t last_tick_ns;
	uint64_t last_flush_ns;
	unsigned int ticks_since_flush; /* ticks come on a 1 s grid */
	uint64_t start_ns;
	int64_t mono_offset_ms; /* wall ms - mono ms */
	uint64_t ticks;
	uint64_t events_prev;
	uint64_t unknown_events;
	uint64_t records_total; /* records handed to the sinks (flushes + alerts) */
	bool print_summary;
	double last_delay_ms, max_delay_ms; /* event age when drained */
	json_t *last_vm;		    /* newest vm-metrics fields from the collectors */
	struct alerts *alerts;
	struct metrics *metrics; /* the tick's values for alert rules */
	uint64_t prev_kdrops, prev_mapfull, prev_overwritten; /* for per-tick deltas */
	struct {
		char name[16];
		uint64_t dropped;
	} prev_sink[CFG_MAX_SINKS];
	struct k8s *k8s;
	struct rollups *rollups;
	struct notify *notify; /* delivers alert records: e-mail, SNS, webhook */
	json_t *host;	       /* static host facts, published once */
	pthread_mutex_t reload_lock;
	struct config *pending; /* a reloaded config waiting for the next tick */
	uint64_t reloads, reload_failures;
	uint64_t full_warned[HL_DROP_MAX]; /* full-map count at the last warning */
};

#endif
