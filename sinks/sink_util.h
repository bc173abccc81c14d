/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Engine helpers shared by sink.c, the sinks and the unit tests: retry
 * backoff, cutting a batch to a sink's limits, and logging.
 */
#ifndef HOSTLENS_SINK_UTIL_H
#define HOSTLENS_SINK_UTIL_H

#include <stddef.h>
#include <stdint.h>

#define SINK_BACKOFF_BASE_MS 200
#define SINK_BACKOFF_MAX_MS 5000

/*
 * Delay before retry number `attempt` (1 = first retry): exponential from
 * base_ms, capped at max_ms, with "equal jitter": half fixed, half drawn from
 * rnd, so many agents failing together do not retry in step.
 */
int64_t sink_backoff_ms(unsigned attempt, int64_t base_ms, int64_t max_ms, uint32_t rnd);

/*
 * Given the costs of n records, returns the end (exclusive) of the chunk that
 * starts at `start` and respects max_records and max_bytes (0: no limit).
 * A chunk always holds at least one record.
 */
size_t sink_chunk_end(const size_t *cost, size_t n, size_t start, size_t max_records,
		      size_t max_bytes);

/* One line on stderr: "hostlens: <sink>: <message>". Never pass secrets. */
void sink_log(const char *sink, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Wall clock in ms (the monotonic one: clock_mono_ms(), user/lib/clock.h). */
int64_t sink_wall_ms(void);

#endif
