/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The fleet view's DynamoDB requests and answers, apart from the network so
 * unit tests check them: Query bodies on keys (the registry partition, the
 * newest item of a record partition, recent alerts, a host's 5-minute
 * rollups), BatchGetItem bodies, ConsumedCapacity and throttling. Every
 * request asks ReturnConsumedCapacity TOTAL; every body is a new reference.
 */
#ifndef HOSTLENS_FLEET_READ_H
#define HOSTLENS_FLEET_READ_H

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>

#include "sinks/dynamodb/dynamodb_api.h"

#define FLEET_BATCH_KEYS 100 /* BatchGetItem: keys a call */
#define FLEET_ALERTS_READ 50 /* newest alert items read per host */

/* Fields of the newest vm-metrics and webapp-metrics items the hosts table
 * shows (NULL-ended); the projection of the reads. */
extern const char *const fleet_vm_fields[];
extern const char *const fleet_web_fields[];

/* The record type whose rollups carry metric ("vm-metrics",
 * "webapp-metrics"), NULL when the series endpoint does not serve it. */
const char *fleet_metric_of(const char *metric);

/* Names of the metrics fleet_metric_of knows (new reference, array). */
json_t *fleet_metric_names(void);

/* Query of the registry partition, one page from start_key (NULL: first). */
json_t *fleet_q_registry(const char *table, json_t *start_key);

/* Query of the newest item of "<source>#<type>" (Limit 1, newest first),
 * projected on fields (NULL-ended; NULL: the whole item). */
json_t *fleet_q_latest(const char *table, const char *source, const char *type,
		       const char *const *fields);

/* Query of the newest FLEET_ALERTS_READ alert items of source since since_ms. */
json_t *fleet_q_alerts(const char *table, const char *source, int64_t since_ms);

/* Query of source's rollup-5m items of record type `of` in [from_ms, to_ms],
 * projected on slot_start, samples and fields.<metric>; one page. */
json_t *fleet_q_rollups(const char *table, const char *source, const char *of, const char *metric,
			int64_t from_ms, int64_t to_ms, json_t *start_key);

/* BatchGetItem of keys (array of {"id": S, "timestamp": N-as-string}, at
 * most FLEET_BATCH_KEYS), projected on fields (NULL-ended). */
json_t *fleet_q_batch_get(const char *table, json_t *keys, const char *const *fields);

/* The read capacity units an answer says it consumed (Query: an object,
 * BatchGetItem: an array), 0 when absent. */
double fleet_read_units(json_t *resp);

/* The items of an answer (Query: Items; BatchGetItem: Responses.<table>),
 * borrowed; NULL when absent. */
json_t *fleet_read_items(json_t *resp, const char *table);

/* A time in epoch ms from an answer: the number when it is one from 0 to
 * 10^15 (year 33658), else 0. What a peer sends is never cast unchecked. */
int64_t fleet_ms(json_t *v);

/* Is this AWS error type throttling (back off)? */
bool fleet_read_throttled(const char *type);

/*
 * Firing alerts from alert items (plain JSON, newest first): per rule and
 * scope the newest transition decides. Returns a new array of {rule,
 * severity, scope, message, started_at} for the firing ones, at most max.
 */
json_t *fleet_alerts_firing(json_t *items, size_t max);

#endif
