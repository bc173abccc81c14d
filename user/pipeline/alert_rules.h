/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The alert rule language (docs/configuration.md, "Alert rules"): the names
 * of the aggregates, the built-in rules, the check of a rule against the
 * metric catalog (user/pipeline/metrics.h) that names the closest known names of a
 * misspelt one, and the YAML line --check-config prints for a rule.
 * No state: any thread.
 */
#ifndef HOSTLENS_ALERT_RULES_H
#define HOSTLENS_ALERT_RULES_H

#include <stddef.h>
#include <stdio.h>

#include "user/runtime/config.h"

/* "count", "sum", ...; "" for ALERT_AGG_LAST. Static string. */
const char *alert_agg_name(enum alert_agg a);

/*
 * The aggregate called name ("last" is ALERT_AGG_LAST) into *out: 0, or
 * -EINVAL with one line in err naming the closest known aggregate.
 */
int alert_agg_parse(const char *name, enum alert_agg *out, char *err, size_t errlen);

/* ">", ">=", "<" or "<=". Static string. */
const char *alert_cmp_name(enum alert_cmp c);

/*
 * The built-in rules: the old system's alarms (latency, error rate, errors
 * per 5 minutes, p99, CPU), disk and memory, and the agent's own health
 * (kernel drops, full maps, a failing sink, a filling spool). Writes up to
 * max into out, returns how many.
 */
int alert_rules_builtin(struct alert_rule *out, int max);

/*
 * Checks a parsed rule against the metric catalog: the metric, scope and
 * aggregate exist and fit together, a window is given exactly when an
 * aggregate is. On a problem writes one line into err (an unknown name comes
 * with the closest known ones), sets *field to the rule field at fault
 * ("metric", "scope", "aggregate" or "window") and returns -EINVAL; else 0.
 */
int alert_rule_check(const struct alert_rule *r, const char **field, char *err, size_t errlen);

/* The signal that produces r's metric ("cpu", "http", ..., "host" for the
 * collectors, "agent"); NULL for a metric not in the catalog. */
const char *alert_rule_signal(const struct alert_rule *r);

/* Prints r as one line "  - {name: ..., ...}" that loads back unchanged. */
void alert_rule_print(const struct alert_rule *r, FILE *f);

/*
 * Writes the (up to max) names closest to word by edit distance into out as
 * "a, b, c", the closest first. Returns how many were written.
 */
int alert_closest(const char *word, const char *const *names, int n, int max, char *out,
		  size_t outlen);

#endif
