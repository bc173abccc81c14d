/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Threshold alerts over the processor's current metric values.
 *
 * Each rule (struct alert_rule, user/config.h) is inactive, pending (the
 * condition holds, not yet for `for_s`) or firing. alerts__eval() runs once a
 * second with a flat JSON object of current values and the time:
 *   inactive -> pending    condition true (no record)
 *   pending  -> firing     held for for_s seconds: an `alert` record, state "firing"
 *   pending  -> inactive   condition false before that (no record)
 *   firing   -> inactive   condition false: an `alert` record, state "resolved"
 * A metric absent from the object (or not a finite number) is "no data":
 * a pending rule starts over, a firing rule stays firing.
 *
 * The caller hands each record to notify.h for e-mail, SNS and webhook
 * notifications; nothing here does I/O or has a thread.
 */
#ifndef HOSTLENS_ALERTS_H
#define HOSTLENS_ALERTS_H

#include <stdint.h>
#include <jansson.h>

#include "config.h"

struct alerts;

/*
 * Rules from cfg (cfg->alerts); when the config file gave no `alerts` list
 * (!cfg->alerts_set), the defaults of alerts_default_rules(). Records carry
 * source. NULL and errno on failure.
 */
struct alerts *alerts__new(const struct config *cfg, const char *source);

/*
 * Replaces the rules with cfg's (defaults when cfg gives none), on the
 * thread that calls alerts__eval. A rule that keeps its name and condition
 * keeps its state, so a firing alert neither fires twice nor resolves
 * silently; a removed firing rule emits nothing more. 0 or -ENOMEM
 * (the old rules stay).
 */
int alerts__set_rules(struct alerts *a, const struct config *cfg);

/* Frees a (NULL is fine). */
void alerts__free(struct alerts *a);

/*
 * Evaluates every rule against metrics at now_ms (epoch ms; tests pass a
 * fake clock). Appends one new `alert` record per transition to out (a
 * JSON array; the caller owns the array and its records). Returns the
 * number of records appended or -ENOMEM.
 */
int alerts__eval(struct alerts *a, const json_t *metrics, int64_t now_ms, json_t *out);

/*
 * The "alerts" state topic: {"active":[...], "recent":[...]}: active holds
 * one object per pending or firing rule (rule, metric, value, threshold,
 * comparator, state, severity, started_at), recent the last 50 records.
 * New reference, NULL on allocation failure.
 */
json_t *alerts__state_json(const struct alerts *a);

/* The built-in rules (the old pipeline's alarms plus disk and memory);
 * writes up to max into out, returns how many. */
int alerts_default_rules(struct alert_rule *out, int max);

#endif
