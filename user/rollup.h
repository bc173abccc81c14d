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
 * Windows are aligned to multiples of window_ms of epoch time. Bounded:
 * at most ROLLUP_MAX_FIELDS fields, ROLLUP_MAX_GROUPS items,
 * ROLLUP_MAX_HISTS histograms; more are counted in "dropped_fields".
 * One owner thread (the processor); no locking.
 */
#ifndef HOSTLENS_ROLLUP_H
#define HOSTLENS_ROLLUP_H

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>

#include "hist.h"

#define ROLLUP_WINDOW_MS (5 * 60 * 1000)
#define ROLLUP_MAX_FIELDS 256
#define ROLLUP_MAX_GROUPS 2048
#define ROLLUP_MAX_GROUP_FIELDS 48
#define ROLLUP_MAX_HISTS 64

struct rollup;

/* A rollup of records of type of_type ("vm-metrics"); its records carry
 * source. window_ms: ROLLUP_WINDOW_MS in production. NULL and errno. */
struct rollup *rollup__new(const char *of_type, const char *source, int64_t window_ms);
void rollup__free(struct rollup *r);

/*
 * Folds one record (borrowed). When its timestamp is at or past the end
 * of the open window, that window is closed first and its rollup-5m
 * record is stored in *done (new reference, the caller owns it), else
 * *done is NULL. 0, -EINVAL (not a record of of_type), -ENOMEM.
 */
int rollup__add(struct rollup *r, const json_t *rec, json_t **done);

/*
 * Merges h into the open window's histogram `name` (e.g.
 * "response_time_ms"). Call it after rollup__add() of the record it
 * belongs to. 0, -ENOSPC (too many histograms), -ENOMEM, -EINVAL (no open window).
 */
int rollup__add_hist(struct rollup *r, const char *name, const struct hist *h);

/*
 * Closes the open window when now_ms has reached its end, or at once with
 * force (shutdown). Returns the rollup-5m record (new reference), or NULL
 * when there is nothing to emit yet.
 */
json_t *rollup__flush(struct rollup *r, int64_t now_ms, bool force);

#endif
