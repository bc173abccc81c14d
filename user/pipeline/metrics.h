/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The metrics alert rules can name, and the set of their values the processor
 * builds once a second.
 *
 * One catalog (metric_defs[], metrics.c) gives each metric its name, kind,
 * unit, the signal that produces it and the scopes it can be split by. The
 * processor's modules put values into a struct metrics by id, never by name,
 * so a rule can only name what the code produces; the config loader checks
 * rule names against the same table, and `hostlens --list-metrics` prints it
 * as the markdown table of docs/configuration.md.
 *
 * DESIGN
 * - A struct metrics is owned by the processor thread: reset at the start of
 *   a tick, filled by the modules and the processor, read by alerts__eval.
 *   No locks.
 * - Bounded: at most METRICS_MAX_VALUES values a tick, METRICS_MAX_PER_SCOPE
 *   of them for one (metric, scope), keys of up to METRIC_KEY_MAX - 1 bytes.
 *   What does not fit is counted (metrics__dropped), never stored. All memory
 *   is allocated by metrics__new.
 * - A value is a (sum, weight) pair: counters and additive gauges add to sum
 *   (weight 0, value = sum); mean gauges add a sum and a weight (value =
 *   sum / weight), so a window can weigh every request equally.
 */
#ifndef HOSTLENS_METRICS_H
#define HOSTLENS_METRICS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define METRIC_KEY_MAX 288	  /* "METHOD /route" and a NUL */
#define METRICS_MAX_VALUES 4096	  /* values per tick, all metrics */
#define METRICS_MAX_PER_SCOPE 512 /* values per tick of one (metric, scope) */

enum metric_id {
	/* host: the collectors' vm-metrics fields */
	METRIC_CPU_USAGE_PCT,
	METRIC_CPU_IOWAIT_PCT,
	METRIC_CPU_STEAL_PCT,
	METRIC_MEMORY_USED_PCT,
	METRIC_SWAP_USED_PCT,
	METRIC_LOAD1,
	METRIC_FILESYSTEM_USED_PCT,
	METRIC_DISK_BUSY_PCT,
	METRIC_NET_RX_BYTES_PER_S,
	METRIC_NET_TX_BYTES_PER_S,
	/* cpu signal */
	METRIC_PROCESS_CPU_PCT,
	METRIC_RUNQ_P99_MS,
	METRIC_PROCESS_EXITS,
	METRIC_PROCESS_EXITS_FAILED,
	/* disk signal */
	METRIC_DISK_LATENCY_P99_MS,
	METRIC_DISK_OPS,
	METRIC_DISK_BYTES,
	/* net signal */
	METRIC_TCP_CONNECTIONS_ACTIVE,
	METRIC_TCP_RETRANSMITS_PER_S,
	METRIC_TCP_RETRANSMITS,
	METRIC_TCP_RESETS,
	METRIC_TCP_CONNECTIONS_CLOSED,
	METRIC_TCP_CONNECTIONS_FAILED,
	/* http signal: requests this host served */
	METRIC_HTTP_REQUESTS,
	METRIC_HTTP_ERRORS_5XX,
	METRIC_HTTP_ERRORS_4XX,
	METRIC_HTTP_LATENCY_MS,
	METRIC_HTTP_REQUESTS_PER_S,
	METRIC_ERROR_RATE_PCT,
	METRIC_API_LATENCY_AVG_MS,
	METRIC_API_LATENCY_P95_MS,
	METRIC_API_LATENCY_P99_MS,
	/* the agent's own health */
	METRIC_AGENT_KERNEL_DROPS,
	METRIC_AGENT_MAP_FULL,
	METRIC_AGENT_LOG_OVERWRITTEN,
	METRIC_AGENT_SINK_FAILING,
	METRIC_AGENT_SINK_DROPPED,
	METRIC_AGENT_SPOOL_USED_PCT,
	/* db signal: per database server ("10.0.0.7:5432") */
	METRIC_DB_CONNECTIONS_ACTIVE,
	METRIC_DB_CLIENT_P95_MS,
	METRIC__COUNT
};

enum metric_scope {
	SCOPE_NONE,    /* the host-wide value */
	SCOPE_ROUTE,   /* "GET /api/orders": method and route template */
	SCOPE_PROCESS, /* command name (comm): every process of that name */
	SCOPE_DEVICE,  /* block device: "sda", "nvme0n1" */
	SCOPE_MOUNT,   /* filesystem mount point: "/", "/var" */
	SCOPE_PEER,    /* remote host address: "10.0.0.7" */
	SCOPE_SERVER,  /* a server this host connects to: "10.0.0.7:5432" */
	SCOPE_SINK,    /* record sink: "file", "kinesis", "dynamodb" */
	SCOPE__COUNT
};

enum metric_kind {
	METRIC_GAUGE,	/* a level, read once a second */
	METRIC_COUNTER, /* events (or amounts) in each second */
};

struct metric_def {
	const char *name;
	enum metric_kind kind;
	const char *unit;
	const char *signal;  /* a --signals name, "host" (collectors) or "agent" */
	unsigned int scopes; /* bit (1 << enum metric_scope) per scope besides the
				 * host-wide value, which every metric has */
	const char *help;
};

/* The catalog, indexed by enum metric_id. */
extern const struct metric_def metric_defs[METRIC__COUNT];

/* The id of metric `name`, or -ENOENT. */
int metric_find(const char *name);

/* The scope called `name` ("route", ...), or -ENOENT. */
int metric_scope_find(const char *name);

/* A scope's name ("" for SCOPE_NONE). Static string. */
const char *metric_scope_name(enum metric_scope sc);

/* Does metric id have scope sc? (SCOPE_NONE: always.) */
bool metric_has_scope(enum metric_id id, enum metric_scope sc);

/* Prints the catalog as a markdown table (`hostlens --list-metrics`). */
void metric_defs_print(FILE *f);

/* One value of the set: value = weight > 0 ? sum / weight : sum. */
struct metric_sample {
	double sum;
	double weight;
};

static inline double metric_sample_value(const struct metric_sample *s)
{
	return s->weight > 0 ? s->sum / s->weight : s->sum;
}

struct metrics;

/* An empty set with all its memory. NULL and errno on failure. */
struct metrics *metrics__new(void);

/* Frees m and its memory (NULL is fine). */
void metrics__free(struct metrics *m);

/* Empties the set (start of a tick); the dropped count stays. */
void metrics__reset(struct metrics *m);

/*
 * Puts a value. key is the scope value ("" or NULL with SCOPE_NONE); a key
 * that is too long is cut. A full set counts the value as dropped.
 *   add:      sum += v (counters, and gauges that add up: CPU % of a command)
 *   add_mean: sum += sum, weight += n (means: latency of n requests)
 *   set:      sum = v
 *   max:      sum = max(sum, v) (the worst device)
 */
void metrics__add(struct metrics *m, enum metric_id id, enum metric_scope sc, const char *key,
		  double v);
void metrics__add_mean(struct metrics *m, enum metric_id id, enum metric_scope sc, const char *key,
		       double sum, double n);
void metrics__set(struct metrics *m, enum metric_id id, enum metric_scope sc, const char *key,
		  double v);
void metrics__max(struct metrics *m, enum metric_id id, enum metric_scope sc, const char *key,
		  double v);

/* Was any value of metric id put this tick? (Its producer is running.) */
bool metrics__has(const struct metrics *m, enum metric_id id);

/* The value of (id, sc, key): 0, or -ENOENT when absent. */
int metrics__get(const struct metrics *m, enum metric_id id, enum metric_scope sc, const char *key,
		 struct metric_sample *out);

/*
 * Walks the values of (id, sc): start with *pos = -1; each call returns the
 * next key (owned by the set, valid until the next reset) and its value, or
 * NULL at the end.
 */
const char *metrics__next(const struct metrics *m, enum metric_id id, enum metric_scope sc,
			  int *pos, struct metric_sample *out);

/* Values that did not fit, since metrics__new. */
uint64_t metrics__dropped(const struct metrics *m);

#endif
