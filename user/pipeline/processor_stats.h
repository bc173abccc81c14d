/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* What the processor publishes about the agent and the host once a second
 * (processor_stats.c): the "stats" topic and its /metrics rows, the per-sink
 * counters, the agent's health for the alert rules, the host cards from the
 * collectors' vm-metrics fields, and the terminal summary. Processor thread. */
#ifndef HOSTLENS_PROCESSOR_STATS_H
#define HOSTLENS_PROCESSOR_STATS_H

#include <jansson.h>

#include "user/pipeline/processor.h"

/* The agent's own counters: "stats" topic, summary fields, /metrics, and
 * its health for the alert rules (metrics.h, signal "agent"). Warns once
 * per doubling when a BPF map is full. */
void processor_stats_publish(struct processor *p, struct tick_ctx *t);

/* Host-level cards, series and the "host" topic from the newest
 * vm-metrics fields. */
void processor_vm_publish(struct processor *p, struct tick_ctx *t);

/* The collectors' vm-metrics fields that alert rules can name (signal
 * "host"): host-wide values, per mount point and per whole disk. */
void processor_vm_metrics(struct metrics *m, const json_t *vm);

/* The one-screen summary on stdout (--summary). */
void processor_print_summary(struct processor *p, struct tick_ctx *t);

#endif
