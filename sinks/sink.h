/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Sink interface: one ops table per destination (file/, kinesis/, dynamodb/),
 * each with its options, registered in registry.c. The engine (sink.c) owns
 * threads, batching to each sink's limits, retry with backoff and jitter,
 * and the on-disk spool; a sink only knows how to deliver one batch.
 *
 * write() returns 0 delivered, -EAGAIN retry later (the engine backs off and
 * spools), other negative = give up on this batch (counted, logged once).
 * The batch given to write() is a view the engine made for this call (already
 * cut to the sink's limits): valid only during the call, never get/put it.
 * For partial delivery a sink sets s->mark[i] (one byte per record of that
 * view, zeroed by the engine) to SINK_MARK_DONE for records it delivered and
 * SINK_MARK_REJECTED for records it refuses for good, then returns -EAGAIN:
 * the engine retries only the unmarked ones. s->errmsg holds the reason of
 * the last failure (never a secret).
 */
#ifndef HOSTLENS_SINK_H
#define HOSTLENS_SINK_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "user/runtime/config.h"
#include "user/pipeline/record.h"

struct sink;

struct sink_ops {
	const char *name;
	size_t priv_size;
	int (*init)(struct sink *s, const struct config *cfg);
	int (*write)(struct sink *s, const struct record_batch *b);
	int (*flush)(struct sink *s);	 /* at stop; write() already made data durable */
	void (*destroy)(struct sink *s); /* accepts a half-built sink */
	size_t max_batch_records, max_batch_bytes, max_record_bytes;
	/* Bytes a record counts for against the limits; NULL: line length + 1. */
	size_t (*record_cost)(const struct sink *s, const struct record *r);
	/* Its rows of the option table ({ NULL }-ended; NULL: none), merged
	 * into it at start-up (user/runtime/config.c). */
	const struct config_opt *options;
};

enum sink_mark {
	SINK_MARK_PENDING = 0,
	SINK_MARK_DONE = 1,
	SINK_MARK_REJECTED = 2,
	SINK_MARK_GIVEN_UP = 3
};

struct sink_stats {
	uint64_t sent;	   /* records delivered */
	uint64_t failed;   /* write attempts that failed */
	uint64_t retried;  /* records sent again after a failure */
	uint64_t spooled;  /* records put in the spool */
	uint64_t dropped;  /* records given up (spool full, rejected) */
	uint64_t rejected; /* records the sink refused (too large) */
	uint64_t spool_bytes;
	char last_error[256];
	int64_t last_error_ms;
	int64_t last_ok_ms;
};

struct sink {
	const struct sink_ops *ops;
	void *priv;
	struct sink_stats stats; /* updated by the engine; read via sinks__stats_json */
	unsigned char *mark;	 /* per record of the batch in write(); see above */
	char errmsg[256];	 /* set by the sink when write() fails */
	int64_t abort_at_ms;	 /* CLOCK_MONOTONIC ms after which a write in progress
					 * should give up (-EAGAIN); 0: never. Set by the engine
					 * at stop, read atomically by the sink. */
};

struct sinks; /* the engine: every configured sink with its thread and spool */

/* Builds the sinks named in cfg->sinks. NULL and errno on failure, with a
 * one-line reason in err. */
struct sinks *sinks__new(const struct config *cfg, char *err, size_t errlen);

/* Hands a batch to every sink (takes its own references). Never blocks on a
 * slow sink: a full queue spools. */
void sinks__submit(struct sinks *ss, struct record_batch *b);

/* Stats of every sink as a JSON array (new reference). Thread-safe. */
json_t *sinks__stats_json(struct sinks *ss);

/* Records not yet delivered by any sink: in memory queues plus spools. */
uint64_t sinks__backlog(struct sinks *ss);

/* Delivers or spools what is queued (bounded wait), stops threads, frees. */
void sinks__free(struct sinks *ss);

/* The sinks (registry.c lists them), for the engine and tests. */
extern const struct sink_ops file_sink_ops, kinesis_sink_ops, dynamodb_sink_ops;

#endif
