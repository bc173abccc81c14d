/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The in-memory event log: N shards, each a byte ring of fixed capacity with
 * one writer (the drain thread that owns it) and any number of readers that
 * follow by position without ever blocking the writer.
 *
 * DESIGN
 * - Positions are 64-bit byte offsets that only rise; an entry is
 *   [u32 len][u32 flags][u64 seq][payload padded to 8]. An entry never
 *   straddles the end of the buffer: a pad marker fills the rest instead.
 * - The writer makes room by advancing `tail` past the oldest entries
 *   (overwrite-oldest), publishing the new tail before it writes over them,
 *   and publishes `head` after the entry is complete. It finds where to move
 *   the tail from a mark per 1/128 of the shard (where its first entry
 *   starts, and that entry's seq), not by reading the oldest headers, which
 *   are cold: a full shard frees up to 1/128 more than an entry needs.
 * - A reader copies an entry out, then re-reads tail: if the writer moved past
 *   the entry meanwhile the copy is discarded and the reader jumps to tail,
 *   counting what it lost (seqlock-style validation, no lock).
 * - Counters: appended and overwritten per shard (exact), lost per reader.
 */
#ifndef HOSTLENS_EVENTLOG_H
#define HOSTLENS_EVENTLOG_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

struct eventlog;

struct eventlog_stats {
	uint64_t appended;    /* entries written, all shards */
	uint64_t overwritten; /* entries overwritten before... anyone: oldest dropped */
	uint64_t rejected;    /* entries larger than a shard allows */
	uint64_t used_bytes;  /* bytes between tail and head, all shards */
	uint64_t size_bytes;  /* capacity, all shards */
	int shards;
};

/* A log of total_bytes split into nshards shards (each rounded down to a
 * power of two, at least 64 KiB). NULL and errno on failure. */
struct eventlog *eventlog__new(size_t total_bytes, int nshards);
void eventlog__free(struct eventlog *log);

int eventlog__shards(const struct eventlog *log);

/*
 * Appends one entry to shard (writer side: one thread per shard). Never
 * blocks, never allocates; overwrites the oldest entries when full. Returns
 * the entry's sequence number, or UINT64_MAX when len is too large.
 */
uint64_t eventlog__append(struct eventlog *log, int shard, const void *data, uint32_t len);

void eventlog__stats(const struct eventlog *log, struct eventlog_stats *st);

/* Per-shard sequence of the next entry (how many were ever appended). */
uint64_t eventlog__shard_next_seq(const struct eventlog *log, int shard);

struct eventlog_reader;

/* A reader positioned at the oldest kept entry (from_oldest) or at the end. */
struct eventlog_reader *eventlog_reader__new(struct eventlog *log, bool from_oldest);
void eventlog_reader__free(struct eventlog_reader *r);

typedef void (*eventlog_cb)(void *ctx, int shard, uint64_t seq, const void *data, uint32_t len);

/*
 * Delivers up to max new entries of every shard, in order within a shard, to
 * cb (data valid only during the call). Returns how many were delivered.
 */
size_t eventlog_reader__poll(struct eventlog_reader *r, eventlog_cb cb, void *ctx, size_t max);

/* Entries this reader missed because the writer overwrote them first. */
uint64_t eventlog_reader__lost(const struct eventlog_reader *r);

#endif
