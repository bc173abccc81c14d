/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Five-minute rollups: one struct rollup per record type folds the records
 * of each flush interval into per-field summaries, and emits one
 * `rollup-5m` record per window (docs/records.md) without keeping or
 * re-reading the records or the events:
 *   - every numeric top-level field (and one level of nested objects, as
 *     "traffic_sources.direct"): min, avg, max, last and p95 (p95 from a
 *     struct hist per field, within 1%);
 *   - arrays of objects (disks, interfaces, processes, routes, ...): the
 *     same min/avg/max/last per item, the item named by its identity
 *     fields (pid, method, route, device, interface, mountpoint, cpu,
 *     addr, port) joined by spaces;
 *   - histograms handed in with rollup__add_hist() are merged bucket by
 *     bucket, so window percentiles are exact to the histogram's 1%.
 * Slots are aligned to multiples of window_ms of epoch time; a record goes
 * to the slot its timestamp (the end of its window) falls in. A rollup
 * states the part of the slot its samples cover: window_start is the slot
 * start when they reach back to it (the first sample's window, t - window_s,
 * or this run's previous sample began at or before it), else the first
 * sample's window start; window_end (and timestamp) is the slot end when a
 * later sample carried on past it, else the last sample's timestamp (a stop,
 * or no sample since). Never in the future. "partial" unless both are the
 * slot's; slot_start/slot_end name the slot. Bounded:
 * at most ROLLUP_MAX_FIELDS fields, ROLLUP_MAX_HISTS histograms (more are
 * counted in "dropped_fields") and ROLLUP_MAX_GROUPS items of arrays (a
 * process, a route, a disk) at a time: when they are all taken, the one in
 * the fewest records among those the current record does not name makes
 * room ("groups_evicted"). The record carries the ROLLUP_EMIT_GROUPS items
 * of each array in the most records ("groups_omitted" counts the others
 * per array), so a host whose processes come and go keeps its 5-minute
 * record within a DynamoDB item (400 KB) and a Kinesis record (1 MiB).
 * One owner thread (the processor); no locking.
 */
#ifndef HOSTLENS_ROLLUP_H
#define HOSTLENS_ROLLUP_H

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>

#include "user/lib/hist.h"

#define ROLLUP_WINDOW_MS (5 * 60 * 1000)
#define ROLLUP_MAX_FIELDS 256
#define ROLLUP_MAX_GROUPS 256 /* items of arrays folded at a time, all arrays */
#define ROLLUP_EMIT_GROUPS 50 /* items per array in the record: the busiest */
#define ROLLUP_MAX_GROUP_FIELDS 48
#define ROLLUP_MAX_HISTS 64

struct rollup;
struct record_batch;

/* A rollup of records of type of_type ("vm-metrics"); its records carry
 * source. window_ms: ROLLUP_WINDOW_MS in production. NULL and errno. */
struct rollup *rollup__new(const char *of_type, const char *source, int64_t window_ms);
void rollup__free(struct rollup *r);

/*
 * Folds one record (borrowed) into the window its timestamp falls in. A
 * record at or past the end of the open window closes that window first
 * (its rollup-5m record waits in rollup__take()). 0, -EINVAL (not a record
 * of of_type), -ENOMEM.
 */
int rollup__add(struct rollup *r, const json_t *rec);

/*
 * Merges h into histogram `name` (e.g. "response_time_ms") of the window
 * ts_ms falls in, closing the open window first when ts_ms is past it.
 * Callable before or after the rollup__add() of the same flush.
 * 0, -ENOSPC (more than ROLLUP_MAX_HISTS names), -ENOMEM.
 */
int rollup__add_hist(struct rollup *r, const char *name, const struct hist *h, int64_t ts_ms);

/* Closes the open window when now_ms has reached its end, or at once with
 * force (shutdown); either way it ends at its last sample (partial). */
void rollup__flush(struct rollup *r, int64_t now_ms, bool force);

/* The finished rollup-5m records, oldest first, as a JSON array (new
 * reference; empty when none); they are handed over, not kept. NULL on
 * allocation failure. */
json_t *rollup__take(struct rollup *r);

/*
 * All record types at once, for the processor's flush: one rollup per
 * data type (vm-metrics, webapp-metrics, process-metrics, disk-metrics,
 * network-metrics), made on first sight.
 */
struct rollups;

struct rollups *rollups__new(const char *source, int64_t window_ms);
void rollups__free(struct rollups *rs);

/* rollup__add_hist() on the rollup of record type of_type. */
int rollups__add_hist(struct rollups *rs, const char *of_type, const char *name,
		      const struct hist *h, int64_t ts_ms);

/*
 * Folds every record of b whose type is rolled up (not alert, not
 * rollup-5m), closes windows that ended by now_ms (all of them with
 * force), and appends the finished rollup-5m records to b. Returns how
 * many were appended, -EINVAL (no batch) or -ENOMEM.
 */
int rollups__fold_batch(struct rollups *rs, struct record_batch *b, int64_t now_ms, bool force);

#endif
