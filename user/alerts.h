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
 * With a webhook URL (config alert_webhook), every record is also POSTed
 * as JSON by a thread of its own with retries; the caller never waits
 * (see the DESIGN comment in alerts.c).
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
 * source. Starts the webhook thread when cfg->alert_webhook is set.
 * NULL and errno on failure.
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

/* Stops the webhook thread (aborting a transfer in progress) and frees. */
void alerts__free(struct alerts *a);

/*
 * Evaluates every rule against metrics at now_ms (epoch ms; tests pass a
 * fake clock). Appends one new `alert` record per transition to out (a
 * JSON array; the caller owns the array and its records) and queues them
 * for the webhook. Returns the number of records appended or -ENOMEM.
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

struct alerts_webhook_stats {
	uint64_t queued;	/* records handed to the webhook thread */
	uint64_t sent;		/* delivered (HTTP 2xx) */
	uint64_t retries;	/* attempts after a failed one */
	uint64_t failed;	/* given up after the last retry or a 4xx */
	uint64_t dropped;	/* queue full: oldest dropped, or left at shutdown */
};

/* Webhook counters (all 0 without a webhook). Thread-safe. */
void alerts__webhook_stats(struct alerts *a, struct alerts_webhook_stats *st);

#endif
