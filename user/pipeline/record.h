/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Metric records: what the processor produces and the sinks ship. A record is
 * a Jansson object with the common fields {id, timestamp, type, source} plus
 * its type's fields (docs/records.md), and its compact one-line serialization,
 * made once. Batches are reference counted so several sinks can hold one.
 */
#ifndef HOSTLENS_RECORD_H
#define HOSTLENS_RECORD_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

struct record {
	json_t *obj; /* owned reference */
	char *line;  /* compact JSON, NUL-terminated, no newline; owned */
	size_t len;  /* strlen(line) */
	char type[32];
	char id[40];
	char source[256];
	int64_t ts_ms;
};

struct record_batch {
	struct record *recs;
	size_t n, cap;
	int refcnt; /* atomic */
};

/* Fills buf (>= 37 bytes) with a random (version 4) UUID string. */
void record_uuid(char *buf);

/* Wall-clock time in epoch milliseconds. */
int64_t record_now_ms(void);

/*
 * Starts a record object with the common fields. Returns a new reference
 * (caller owns) or NULL on allocation failure.
 */
json_t *record_new(const char *type, const char *source, int64_t ts_ms);

/* New empty batch with refcount 1; NULL and errno on failure. */
struct record_batch *record_batch__new(size_t cap);

/*
 * Appends obj (steals the reference) to the batch, serializing it once.
 * 0, or -ENOMEM (obj released).
 */
int record_batch__add(struct record_batch *b, json_t *obj);

/* Reference counting; __put frees at zero. Thread-safe. */
struct record_batch *record_batch__get(struct record_batch *b);
void record_batch__put(struct record_batch *b);

/*
 * Rebuilds a record from one serialized line (spool replay, tests).
 * 0 or -EINVAL when the line is not a record object.
 */
int record_from_line(struct record *r, const char *line, size_t len);
void record_clear(struct record *r);

#endif
