/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * DESIGN: per-host rollup series of the fleet view, shared by two threads.
 * The web thread asks (fleet_series_ask) and never waits for DynamoDB: a
 * series not in the cache is entered as wanted and answered as loading; the
 * reader thread takes wanted and expired entries (fleet_series_next), reads
 * the host's 5-minute rollups and stores the points (fleet_series_put). At
 * most max entries (host x metric) are kept: the least recently asked one
 * makes room and is counted. One mutex, held for copies only.
 */
#ifndef HOSTLENS_FLEET_SERIES_H
#define HOSTLENS_FLEET_SERIES_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>

struct fleet_series_entry {
	char source[256];
	char metric[64];
	int64_t used_ms;    /* last asked (least recent goes first) */
	int64_t fetched_ms; /* 0: wanted, not read yet */
	bool unknown;	    /* the host is not in the table */
	json_t *points;	    /* [[slot_start_ms, avg], ...] */
};

struct fleet_series {
	pthread_mutex_t mu;
	struct fleet_series_entry *e;
	size_t n, max;
	uint64_t evicted_total;
	void (*wake)(void *ctx); /* tells the reader something is wanted */
	void *wake_ctx;
};

int fleet_series_init(struct fleet_series *s, size_t max);
void fleet_series_fini(struct fleet_series *s);

/* Web thread: the HTTP status and *doc (new reference): 200 with
 * {source, metric, points, loading, fetched_ms}, or 404 for a host the
 * table does not hold. */
int fleet_series_ask(struct fleet_series *s, const char *source, const char *metric, int64_t now_ms,
		     json_t **doc);

/* Reader thread: a wanted entry, or one fetched more than ttl_ms ago and
 * asked since; copies its names out. false when none. */
bool fleet_series_next(struct fleet_series *s, int64_t now_ms, int64_t ttl_ms, char *source,
		       size_t slen, char *metric, size_t mlen);

/* Series kept now and evicted so far, read under the lock (any thread). */
void fleet_series_counts(struct fleet_series *s, size_t *kept, uint64_t *evicted);

/* Reader thread: stores points (stolen; NULL: the host is unknown). */
void fleet_series_put(struct fleet_series *s, const char *source, const char *metric,
		      json_t *points, int64_t now_ms);

/* Folds one page of rollup items (plain JSON: slot_start, samples,
 * fields.<metric>.avg) into acc (object: slot -> [weighted sum, weight]). */
void fleet_series_fold(json_t *acc, json_t *items, const char *metric);

/* acc as points sorted by time (new reference). */
json_t *fleet_series_points(json_t *acc);

#endif
