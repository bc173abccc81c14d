/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Alert rules over the processor's metric set (user/pipeline/metrics.h).
 *
 * A rule (struct alert_rule, user/runtime/config.h) reads one metric, host-wide or
 * for one scope value, either as this second's value or aggregated over a
 * window (count, sum, rate, avg, max, min); with a scope but no value it
 * fans out into one series per scope value (at most ALERTS_MAX_SCOPES; more
 * values are counted, not evaluated). Each series is inactive, pending (the
 * condition holds, not yet for `for_s`) or firing. alerts__eval() runs once a
 * second with the tick's metric set and the time:
 *   inactive -> pending    condition true (no record)
 *   pending  -> firing     held for for_s seconds: an `alert` record, state "firing"
 *   pending  -> inactive   condition false before that (no record)
 *   firing   -> inactive   condition false: an `alert` record, state "resolved"
 * A value absent from the set (or not a finite number) is "no data": a
 * pending series starts over, a firing one stays firing. A counter reads 0
 * when its signal reported this tick and the scope value did not. A fan-out
 * series without data for max(window, 60 s) is dropped (resolved first if
 * it was firing). Records of a scoped series carry `scope`.
 *
 * The caller hands each record to notify.h for e-mail, SNS and webhook
 * notifications; nothing here does I/O or has a thread.
 */
#ifndef HOSTLENS_ALERTS_H
#define HOSTLENS_ALERTS_H

#include <stdint.h>
#include <jansson.h>

#include "user/runtime/config.h"
#include "user/pipeline/metrics.h"

#define ALERTS_MAX_SCOPES 64   /* series of one fan-out rule */
#define ALERTS_WINDOW_SLOTS 60 /* buckets of a window; longer windows move in steps */

struct alerts;

/*
 * Rules from cfg (cfg->alerts); when it has none and the config file gave no
 * `alerts` list (!cfg->alerts_set), alert_rules_builtin(). Records carry
 * source. NULL and errno on failure.
 */
struct alerts *alerts__new(const struct config *cfg, const char *source);

/*
 * Replaces the rules with cfg's (built-in ones when cfg gives none), on the
 * thread that calls alerts__eval. A rule that keeps its name and condition
 * (metric, scope, aggregate, window, comparator, threshold) keeps its
 * series, their state and their windows, so a firing alert neither fires
 * twice nor resolves silently; a removed firing rule emits nothing more.
 * 0 or -ENOMEM (the old rules stay).
 */
int alerts__set_rules(struct alerts *a, const struct config *cfg);

/* Frees a (NULL is fine). */
void alerts__free(struct alerts *a);

/*
 * Evaluates every rule against the tick's metric set m at now_ms (epoch ms,
 * called once a second; tests pass a fake clock). Appends one new `alert`
 * record per transition to out (a JSON array; the caller owns the array and
 * its records). Returns the number of
 * records appended or -ENOMEM. Cost: bounded by the rules, their series
 * (ALERTS_MAX_SCOPES) and window slots (ALERTS_WINDOW_SLOTS).
 */
int alerts__eval(struct alerts *a, const struct metrics *m, int64_t now_ms, json_t *out);

/*
 * The "alerts" state topic: {"active":[...], "recent":[...], "rules":[...]}:
 * active holds one object per pending or firing series (the fields of an
 * alert record), recent the last 50 records, rules one object per rule
 * (rule, metric, series, scope_values_dropped_total). New reference, NULL on
 * allocation failure.
 */
json_t *alerts__state_json(const struct alerts *a);

#endif
