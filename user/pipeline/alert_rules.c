// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* The alert rule language (alert_rules.h). Pure functions over the catalog. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "user/pipeline/alert_rules.h"
#include "user/pipeline/metrics.h"
#include "user/runtime/yaml_quote.h"

static const char *const agg_names[] = {
	[ALERT_AGG_LAST] = "",	   [ALERT_AGG_COUNT] = "count", [ALERT_AGG_SUM] = "sum",
	[ALERT_AGG_RATE] = "rate", [ALERT_AGG_AVG] = "avg",	[ALERT_AGG_MAX] = "max",
	[ALERT_AGG_MIN] = "min",
};
#define N_AGG ((int)(sizeof(agg_names) / sizeof(agg_names[0])))

static const char *const cmp_names[] = { ">", ">=", "<", "<=" };

const char *alert_agg_name(enum alert_agg a)
{
	return (unsigned int)a < (unsigned int)N_AGG ? agg_names[a] : "";
}

int alert_agg_parse(const char *name, enum alert_agg *out, char *err, size_t errlen)
{
	static const char *const known[] = { "count", "sum", "rate", "avg", "max", "min", "last" };
	char close[64];

	if (!strcmp(name, "last")) {
		*out = ALERT_AGG_LAST;
		return 0;
	}
	for (int i = 1; i < N_AGG; i++)
		if (!strcmp(agg_names[i], name)) {
			*out = (enum alert_agg)i;
			return 0;
		}
	alert_closest(name, known, 7, 1, close, sizeof(close));
	snprintf(
		err, errlen,
		"unknown aggregate '%s' (closest: %s; aggregates: count, sum, rate for counters; avg, max, min for gauges)",
		name, close);
	return -EINVAL;
}

const char *alert_cmp_name(enum alert_cmp c)
{
	return (unsigned int)c < 4 ? cmp_names[c] : "?";
}

int alert_rules_builtin(struct alert_rule *out, int max)
{
	static const struct alert_rule defs[] = {
		/* the old system's CloudWatch alarms */
		{ "api_latency_high", "api_latency_avg_ms", ALERT_GT, 1000, 60, "warning" },
		{ "error_rate_high", "error_rate_pct", ALERT_GT, 5, 60, "critical" },
		{ "http_errors_high", "http_errors_5xx", ALERT_GT, 10, 0, "warning",
		  .agg = ALERT_AGG_COUNT, .window_s = 300 },
		{ "api_latency_p99_high", "api_latency_p99_ms", ALERT_GT, 3000, 60, "warning" },
		{ "cpu_high", "cpu_usage_pct", ALERT_GT, 80, 120, "warning" },
		/* the old system's "connections > 100" database alarm, and client-side
		 * database latency; one alert per database server */
		{ "db_connections_high", "db_connections_active", ALERT_GT, 100, 60, "warning",
		  .scope = "server" },
		{ "db_latency_p95_high", "db_client_p95_ms", ALERT_GT, 1000, 60, "warning",
		  .scope = "server" },
		{ "disk_latency_high", "disk_latency_p99_ms", ALERT_GT, 100, 60, "warning" },
		{ "memory_high", "memory_used_pct", ALERT_GT, 90, 120, "warning" },
		/* the agent's own health */
		{ "agent_kernel_drops", "agent_kernel_drops", ALERT_GT, 0, 0, "warning",
		  .agg = ALERT_AGG_COUNT, .window_s = 60 },
		{ "agent_map_full", "agent_map_full", ALERT_GT, 0, 0, "warning",
		  .agg = ALERT_AGG_COUNT, .window_s = 60 },
		{ "agent_sink_failing", "agent_sink_failing", ALERT_GT, 0, 300, "critical",
		  .scope = "sink" },
		{ "agent_spool_high", "agent_spool_used_pct", ALERT_GT, 80, 0, "warning",
		  .scope = "sink" },
	};
	int n = (int)(sizeof(defs) / sizeof(defs[0]));

	if (n > max)
		n = max;
	memcpy(out, defs, (size_t)n * sizeof(*out));
	return n;
}

/* Levenshtein distance of two short names (longer ones are cut at 63). */
static int edit_distance(const char *a, const char *b)
{
	int la = (int)strnlen(a, 63), lb = (int)strnlen(b, 63);
	int row[64];

	for (int j = 0; j <= lb; j++)
		row[j] = j;
	for (int i = 1; i <= la; i++) {
		int diag = row[0];

		row[0] = i;
		for (int j = 1; j <= lb; j++) {
			int up = row[j], best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			diag = up;
			row[j] = best;
		}
	}
	return row[lb];
}

/* Length of the common ending: ties go to the name that ends alike (_p95_ms). */
static int common_suffix(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), n = 0;

	while (n < la && n < lb && a[la - 1 - n] == b[lb - 1 - n])
		n++;
	return (int)n;
}

int alert_closest(const char *word, const char *const *names, int n, int max, char *out,
		  size_t outlen)
{
	bool used[METRIC__COUNT + 16] = { false };
	int written = 0;
	size_t off = 0;

	if (outlen)
		out[0] = '\0';
	if (n > (int)(sizeof(used) / sizeof(used[0])))
		n = (int)(sizeof(used) / sizeof(used[0]));
	for (; written < max && written < n; written++) {
		int best = -1, best_d = 0, best_s = 0;

		for (int i = 0; i < n; i++) {
			int d, s;

			if (used[i] || !names[i][0])
				continue;
			d = edit_distance(word, names[i]);
			s = common_suffix(word, names[i]);
			if (best < 0 || d < best_d || (d == best_d && s > best_s)) {
				best = i;
				best_d = d;
				best_s = s;
			}
		}
		if (best < 0)
			break;
		used[best] = true;
		if (off < outlen)
			off += (size_t)snprintf(out + off, outlen - off, "%s%s",
						written ? ", " : "", names[best]);
	}
	return written;
}

/* "route, process" (or "none") into out. */
static void scope_list(unsigned int scopes, char *out, size_t outlen)
{
	size_t off = 0;

	out[0] = '\0';
	for (int s = 1; s < SCOPE__COUNT; s++)
		if ((scopes & (1u << s)) && off < outlen)
			off += (size_t)snprintf(out + off, outlen - off, "%s%s", off ? ", " : "",
						metric_scope_name((enum metric_scope)s));
}

int alert_rule_check(const struct alert_rule *r, const char **field, char *err, size_t errlen)
{
	const char *names[(int)METRIC__COUNT + (int)SCOPE__COUNT];
	const struct metric_def *d;
	char close[256], known[256];
	int id, sc = SCOPE_NONE;

	id = metric_find(r->metric);
	if (id < 0) {
		for (int i = 0; i < METRIC__COUNT; i++)
			names[i] = metric_defs[i].name;
		alert_closest(r->metric, names, METRIC__COUNT, 3, close, sizeof(close));
		snprintf(
			err, errlen,
			"unknown metric '%s' (closest: %s; `hostlens --list-metrics` lists all %d)",
			r->metric, close, METRIC__COUNT);
		*field = "metric";
		return -EINVAL;
	}
	d = &metric_defs[id];
	if (r->scope[0]) {
		sc = metric_scope_find(r->scope);
		if (sc < 0) {
			for (int i = 0; i < SCOPE__COUNT; i++)
				names[i] = metric_scope_name((enum metric_scope)i);
			alert_closest(r->scope, names, SCOPE__COUNT, 1, close, sizeof(close));
			scope_list(~0u, known, sizeof(known));
			snprintf(err, errlen, "unknown scope '%s' (closest: %s; scopes: %s)",
				 r->scope, close, known);
			*field = "scope";
			return -EINVAL;
		}
		if (!metric_has_scope((enum metric_id)id, (enum metric_scope)sc)) {
			scope_list(d->scopes, known, sizeof(known));
			if (known[0])
				snprintf(err, errlen,
					 "metric '%s' has no scope '%s' (its scopes: %s)",
					 r->metric, r->scope, known);
			else
				snprintf(err, errlen,
					 "metric '%s' has no scope '%s' (it is host-wide only)",
					 r->metric, r->scope);
			*field = "scope";
			return -EINVAL;
		}
	} else if (r->scope_value[0]) {
		snprintf(err, errlen, "a scope value ('%s') needs a scope", r->scope_value);
		*field = "scope";
		return -EINVAL;
	}
	if ((unsigned int)r->agg >= (unsigned int)N_AGG) {
		snprintf(err, errlen, "unknown aggregate");
		*field = "aggregate";
		return -EINVAL;
	}
	if (d->kind == METRIC_COUNTER && r->agg != ALERT_AGG_COUNT && r->agg != ALERT_AGG_SUM &&
	    r->agg != ALERT_AGG_RATE) {
		if (r->agg == ALERT_AGG_LAST)
			snprintf(
				err, errlen,
				"metric '%s' is a counter (%s per second): give an aggregate (count, sum or rate) and a window",
				r->metric, d->unit);
		else
			snprintf(
				err, errlen,
				"aggregate '%s' does not fit metric '%s', a counter (use count, sum or rate)",
				agg_names[r->agg], r->metric);
		*field = "aggregate";
		return -EINVAL;
	}
	if (d->kind == METRIC_GAUGE &&
	    (r->agg == ALERT_AGG_COUNT || r->agg == ALERT_AGG_SUM || r->agg == ALERT_AGG_RATE)) {
		snprintf(
			err, errlen,
			"aggregate '%s' does not fit metric '%s', a gauge (use avg, max, min, or none)",
			agg_names[r->agg], r->metric);
		*field = "aggregate";
		return -EINVAL;
	}
	if (r->agg != ALERT_AGG_LAST && (r->window_s < 1 || r->window_s > 86400)) {
		snprintf(err, errlen, "aggregate '%s' needs a window of 1 to 86400 seconds",
			 agg_names[r->agg]);
		*field = "window";
		return -EINVAL;
	}
	if (r->agg == ALERT_AGG_LAST && r->window_s) {
		snprintf(err, errlen,
			 "a window needs an aggregate (count, sum, rate, avg, max or min)");
		*field = "window";
		return -EINVAL;
	}
	return 0;
}

const char *alert_rule_signal(const struct alert_rule *r)
{
	int id = metric_find(r->metric);

	return id < 0 ? NULL : metric_defs[id].signal;
}

void alert_rule_print(const struct alert_rule *r, FILE *f)
{
	char num[32];

	/* the shortest text that reads back as the same double */
	for (int prec = 6; prec <= 17; prec++) {
		snprintf(num, sizeof(num), "%.*g", prec, r->threshold);
		if (strtod(num, NULL) == r->threshold)
			break;
	}
	fprintf(f, "  - {name: ");
	yaml_print_quoted(f, r->name);
	fprintf(f, ", metric: ");
	yaml_print_quoted(f, r->metric);
	fprintf(f, ", op: \"%s\", threshold: %s, for: %d, severity: ", alert_cmp_name(r->cmp), num,
		r->for_s);
	yaml_print_quoted(f, r->severity);
	if (r->scope[0] && r->scope_value[0]) {
		fprintf(f, ", scope: {%s: ", r->scope);
		yaml_print_quoted(f, r->scope_value);
		fputc('}', f);
	} else if (r->scope[0]) {
		fprintf(f, ", scope: ");
		yaml_print_quoted(f, r->scope);
	}
	if (r->agg != ALERT_AGG_LAST)
		fprintf(f, ", aggregate: \"%s\", window: %d", alert_agg_name(r->agg), r->window_s);
	fprintf(f, "}\n");
}
