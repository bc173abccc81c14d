/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * On-disk spool of one sink: batches the sink could not deliver, kept in
 * submission order (by sequence number) under one directory, one file per
 * batch (`<seq as 16 hex digits>.batch`, NDJSON lines of the records),
 * written to a temporary name, fsynced and renamed so a crash never leaves a
 * half batch. Bounded by max_bytes: a new batch is written and synced first,
 * then the oldest batches are dropped (their records counted) to get back
 * under the bound, so a write that fails loses nothing already spooled.
 * Survives restarts: spool__open() finds what an earlier run left.
 * Thread-safe; the mutex is never held across a write or an fsync (see
 * spool.c), so a slow disk stalls only the thread writing to it.
 */
#ifndef HOSTLENS_SPOOL_H
#define HOSTLENS_SPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "user/pipeline/record.h"

struct spool;

/* Opens (creating) dir and indexes what is there. NULL and errno. */
struct spool *spool__open(const char *dir, uint64_t max_bytes);

/*
 * Appends the records of b whose mark is 0 (mark NULL: all) as batch seq,
 * durable (fsynced) when it returns 0. Then drops the oldest batches to get
 * back within max_bytes, adding their records to *dropped; a batch larger
 * than max_bytes by itself is dropped whole (counted) and -EFBIG returned.
 * Any other -errno (disk full: -ENOSPC) means this batch was not kept and
 * nothing else was dropped.
 */
int spool__append(struct spool *sp, uint64_t seq, const struct record_batch *b,
		  const unsigned char *mark, uint64_t *dropped);

/* Sequence number of the oldest batch; false when empty. */
bool spool__head(struct spool *sp, uint64_t *seq);

/* Reads batch seq into a new batch (caller owns). 0, -ENOENT (dropped
 * meanwhile) or -errno. Lines that are not records are skipped, counted in
 * *bad. */
int spool__read(struct spool *sp, uint64_t seq, struct record_batch **out, uint64_t *bad);

/* Replaces batch seq with the records of b whose mark is 0; removes it when
 * none are left. A batch dropped meanwhile stays dropped. 0 or -errno. */
int spool__replace(struct spool *sp, uint64_t seq, const struct record_batch *b,
		   const unsigned char *mark);

/* Removes batch seq (no-op when absent). */
void spool__remove(struct spool *sp, uint64_t seq);

uint64_t spool__bytes(struct spool *sp);
size_t spool__count(struct spool *sp);
uint64_t spool__records(struct spool *sp);
uint64_t spool__max_seq(struct spool *sp); /* 0 when empty */
void spool__close(struct spool *sp);

#endif
