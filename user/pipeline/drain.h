/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The drain thread: epoll over every per-CPU ring (read in place), each
 * event validated and copied into the event log shard of its CPU.
 *
 * DESIGN
 * - One thread owns every log shard it writes (cpu % shards): single writer.
 * - BPF submits without a wake-up until a ring holds --wakeup-bytes, so the
 *   drain wakes on that or on its --drain-poll-ms timer, then consumes every
 *   ring: latency stays under the timer at low rates, wake-ups stay rare at
 *   high rates.
 * - Per event: a bounds check and one memcpy into the log. No malloc, no lock,
 *   no syscall, no formatting.
 * - Malformed events (size or type out of range) are counted, never trusted.
 */
#ifndef HOSTLENS_DRAIN_H
#define HOSTLENS_DRAIN_H

#include <stdint.h>

#include "user/pipeline/eventlog.h"
#include "user/pipeline/loader.h"

struct drain;

struct drain_stats {
	uint64_t events; /* events copied into the log */
	uint64_t bytes;
	uint64_t malformed;    /* events rejected by validation */
	uint64_t wakeups;      /* poll returns */
	uint64_t max_delay_ns; /* oldest event's age when a batch began (reset by drain__reset_max) */
	uint64_t by_type[HL_EV_MAX];
};

/* NULL and errno on failure. */
struct drain *drain__new(struct loader *ld, struct eventlog *log, int poll_ms);

/* Starts the thread. 0 or -errno. */
int drain__start(struct drain *d);

/* Stops the thread after a last full consume of every ring. */
void drain__stop(struct drain *d);

/* fn(arg, n) is called on the drain thread after each poll round, with the
 * number of events it moved into the log (the processor folds the log then
 * instead of on a timer; every round, with or without events, it also
 * checks that the processor keeps up). Set once, from any thread, while the
 * drain runs. */
void drain__on_round(struct drain *d, void (*fn)(void *, int), void *arg);

/* Consumes every ring once on the calling thread (tests, shutdown). */
int drain__consume(struct drain *d);

void drain__stats(const struct drain *d, struct drain_stats *st);

/* Returns the largest event delay seen since the last call and resets it. */
uint64_t drain__take_max_delay(struct drain *d);
void drain__free(struct drain *d);

#endif
