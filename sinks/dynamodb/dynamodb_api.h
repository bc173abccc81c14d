/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * DynamoDB wire protocol: records as typed items, the BatchWriteItem body,
 * UnprocessedItems, the item size as DynamoDB counts it. Apart from the sink
 * glue (dynamodb.c) so unit tests check it without a network.
 *
 * Item layout: id (S) = "<source>#<type>" (partition key), timestamp (N) =
 * the record's time in ms (sort key), record_id (S) = the record's uuid,
 * expires_at (N, epoch seconds) = timestamp + ttl days when ttl > 0, then
 * every other field of the record as a typed attribute (S, N, BOOL, NULL, M,
 * L). Many records share source, type and ms (one process-metrics record per
 * process each flush), so the sort key carries a fraction derived from the
 * record's uuid: "1732200000000.48213..." keeps the ms as its integer part,
 * sorts and queries by time as before, and is the same for a record on every
 * retry and replay, so a record sent twice overwrites itself instead of
 * adding a copy or overwriting a neighbour.
 */
#ifndef HOSTLENS_DYNAMODB_API_H
#define HOSTLENS_DYNAMODB_API_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "user/pipeline/record.h"

#define DDB_MAX_ITEMS 25
#define DDB_MAX_ITEM_BYTES (400u * 1024)
#define DDB_MAX_REQUEST (16u << 20)

/* A JSON value as a DynamoDB attribute value (new reference, NULL on ENOMEM). */
json_t *ddb_attr(json_t *v);

/* The sort key of r: "<ms>" or "<ms>.<fraction>", canonical (no trailing zeros).
 * bump > 0 moves the fraction on (used only when two uuids collide). */
void ddb_sort_key(const struct record *r, unsigned bump, char *out, size_t len);

/* The item of r (new reference, NULL on ENOMEM). ttl_days 0: no expires_at. */
json_t *ddb_item(const struct record *r, int ttl_days, unsigned bump);

/* Item size as DynamoDB counts it (names + values, nesting overhead). */
size_t ddb_item_size(json_t *item);

/*
 * BatchWriteItem body for the records of b (malloc'd string, caller frees),
 * NULL on ENOMEM. A record whose uuid repeats one already in the body is left
 * out and its mark set to 1 (the same record: one copy is enough); keys that
 * collide for different uuids are moved apart.
 */
char *ddb_batch_body(const char *table, const struct record_batch *b, int ttl_days,
		     unsigned char *mark, size_t *len);

/*
 * Reads a BatchWriteItem answer: records whose item is in UnprocessedItems
 * stay 0, the others (not already marked) become 1. *unprocessed counts the
 * first. 0, or -EPROTO when an unprocessed item matches no record (then
 * nothing is marked).
 */
int ddb_parse_unprocessed(const char *resp, size_t len, const char *table,
			  const struct record_batch *b, unsigned char *mark, size_t *unprocessed);

/*
 * The host registry (docs/sinks.md, "Host registry"): one small item per
 * source under the partition DDB_REGISTRY_ID, so `hostlens fleet` finds every
 * host with one Query instead of a Scan. Sort key: ddb_registry_key(source);
 * attributes: source (S), last_seen (N, ms), address (S, the agent's
 * --public-url, may be ""), version (S), latest (M: record type -> the sort
 * key of the newest item of that type, as S), expires_at (N) with a TTL.
 */
#define DDB_REGISTRY_ID "hostlens#hosts"

/* A stable integer sort key for source (< 2^53, exact in a double). */
int64_t ddb_registry_key(const char *source);

/* The registry item of source (new reference, NULL on ENOMEM). latest:
 * object of type -> sort key strings (borrowed, copied in). */
json_t *ddb_registry_item(const char *source, int64_t now_ms, const char *address,
			  const char *version, json_t *latest, int ttl_days);

/* A DynamoDB attribute value back as plain JSON (the inverse of ddb_attr;
 * N as an integer when it is one, else a real; SS/NS/BS as arrays). New
 * reference, NULL when malformed. */
json_t *ddb_plain(json_t *attr);

/* A whole item (name -> attribute value) as a plain object; NULL when malformed. */
json_t *ddb_plain_item(json_t *item);

#endif
