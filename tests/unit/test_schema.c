// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The records schema holds: a vm-metrics record built from the live /proc
 * by the real collectors validates; every JSON example in docs/records.md
 * validates, and every field of one is required unless the doc says when it
 * is absent; alert records from the alerts module validate; broken records
 * fail with a message naming the path; and each supported keyword works.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "user/pipeline/alert_rules.h"
#include "user/pipeline/alerts.h"
#include "tests/unit/check.h"
#include "collectors/collector.h"
#include "user/runtime/config.h"
#include "user/pipeline/record.h"
#include "user/pipeline/schema.h"

static json_t *schema;
static char err[512];
static const char *top = ".";

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static json_t *live_vm_record(void)
{
	static const struct collector_env env = { "/proc", "/sys", "/etc" };
	struct collectors *cs = collectors__new(&env);
	json_t *a = json_object(), *rec;
	char host[256] = "";

	gethostname(host, sizeof(host));
	rec = record_new("vm-metrics", host, record_now_ms());
	collectors__collect(cs, a, mono_ns());
	usleep(250000);
	collectors__collect(cs, rec, mono_ns());
	json_object_set_new(rec, "window_s", json_real(0.25)); /* the processor's part */
	collectors__free(cs);
	json_decref(a);
	return rec;
}

static void live_vm_metrics_valid(void)
{
	json_t *rec = live_vm_record();

	CHECK(schema_validate(schema, rec, err, sizeof(err)) == 0, "live vm-metrics: %s", err);
	CHECK(schema_definition(schema, "vm-metrics") && !schema_definition(schema, "nope"),
	      "schema_definition finds vm-metrics only");
	json_decref(rec);
}

static void live_vm_metrics_broken(void)
{
	json_t *rec = live_vm_record(), *c;

	json_object_del(rec, "memory_total_bytes");
	CHECK(schema_validate(schema, rec, err, sizeof(err)) == -EINVAL &&
		      strstr(err, "memory_total_bytes"),
	      "missing memory_total_bytes named, got '%s'", err);
	json_decref(rec);

	rec = live_vm_record();
	c = json_array_get(json_object_get(rec, "cpu_cores"), 0);
	json_object_set_new(c, "usage_pct", json_real(120));
	CHECK(schema_validate(schema, rec, err, sizeof(err)) == -EINVAL &&
		      strstr(err, "$.cpu_cores[0].usage_pct") && strstr(err, "above maximum 100"),
	      "usage_pct 120 rejected with its path, got '%s'", err);
	json_decref(rec);

	rec = live_vm_record();
	json_object_set_new(rec, "hostname", json_integer(7));
	CHECK(schema_validate(schema, rec, err, sizeof(err)) == -EINVAL &&
		      strstr(err, "$.hostname: expected string, got integer"),
	      "hostname type, got '%s'", err);
	json_object_set_new(rec, "type", json_string("vm-metricz"));
	CHECK(schema_validate(schema, rec, err, sizeof(err)) == -EINVAL &&
		      strstr(err, "unknown record type 'vm-metricz'"),
	      "unknown type named, got '%s'", err);
	json_decref(rec);
}

/* Every ```json block of docs/records.md. */
/* docs/records.md as one string (caller frees), or NULL (a failed check). */
static char *records_doc(void)
{
	char path[512], *text = NULL;
	size_t len = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/docs/records.md", top);
	f = fopen(path, "r");
	CHECK(f, "open %s", path);
	if (!f)
		return NULL;
	if (getdelim(&text, &len, '\0', f) < 0) {
		free(text);
		text = NULL;
	}
	fclose(f);
	return text;
}

static void docs_examples_valid(void)
{
	char *text = records_doc(), *p;
	int n = 0;
	char types[256] = "";

	if (!text)
		return;
	for (p = text; (p = strstr(p, "```json\n"));) {
		char *end = strstr(p + 8, "```");
		json_error_t je;
		json_t *ex;

		if (!end)
			break;
		ex = json_loadb(p + 8, (size_t)(end - p - 8), 0, &je);
		CHECK(ex, "example %d is JSON: %s", n, je.text);
		if (ex) {
			CHECK(schema_validate(schema, ex, err, sizeof(err)) == 0,
			      "example %d (%s): %s", n,
			      json_string_value(json_object_get(ex, "type")), err);
			if (!strstr(types, json_string_value(json_object_get(ex, "type")) ?: "?")) {
				strncat(types,
					json_string_value(json_object_get(ex, "type")) ?: "?",
					sizeof(types) - strlen(types) - 2);
				strcat(types, " ");
			}
		}
		json_decref(ex);
		n++;
		p = end + 3;
	}
	free(text);
	CHECK(!strcmp(types,
		      "vm-metrics webapp-metrics process-metrics disk-metrics network-metrics database-metrics alert rollup-5m "),
	      "one example of every type, got: %s", types);
}

/* A schema node with its "$ref"s followed. */
static json_t *resolve(json_t *n)
{
	const char *ref;

	while (json_is_object(n) && (ref = json_string_value(json_object_get(n, "$ref"))))
		n = json_object_get(json_object_get(schema, "definitions"), strrchr(ref, '/') + 1);
	return n;
}

static bool listed(const json_t *arr, const char *s)
{
	size_t i;
	json_t *v;

	json_array_foreach(arr, i, v)
		if (!strcmp(json_string_value(v) ?: "", s))
			return true;
	return false;
}

/* "`path`" appears in the section's "Sometimes absent" paragraph. */
static bool may_be_absent(const char *absent, const char *path)
{
	char want[304];

	snprintf(want, sizeof(want), "`%s`", path);
	return absent && strstr(absent, want);
}

/* Fields of example ex (at path) that the schema node does not require and
 * the doc does not list as sometimes absent; each one is a failed check. */
static int walk_required(json_t *ex, json_t *node, const char *path, const char *absent,
			 const char *type)
{
	char p[300];
	int bad = 0;

	node = resolve(node);
	if (json_is_object(ex)) {
		json_t *props = json_object_get(node, "properties");
		json_t *map = json_object_get(node, "additionalProperties");
		const char *k;
		json_t *v;

		json_object_foreach(ex, k, v) {
			if (!json_object_get(props, k) &&
			    json_is_object(map)) { /* a map: keys are data */
				snprintf(p, sizeof(p), "%s.*", path);
				bad += walk_required(v, map, p, absent, type);
				continue;
			}
			snprintf(p, sizeof(p), "%s%s%s", path, *path ? "." : "", k);
			if (!may_be_absent(absent, p) &&
			    !listed(json_object_get(node, "required"), k)) {
				CHECK(0,
				      "%s: example field %s is neither required by the schema nor listed "
				      "under \"Sometimes absent\" in docs/records.md",
				      type, p);
				bad++;
			}
			bad += walk_required(v, json_object_get(props, k), p, absent, type);
		}
	} else if (json_is_array(ex)) {
		size_t i;
		json_t *v;

		snprintf(p, sizeof(p), "%s[]", path);
		json_array_foreach(ex, i, v)
			bad += walk_required(v, json_object_get(node, "items"), p, absent, type);
	}
	return bad;
}

/*
 * The doc is the contract: every field of an example is always present
 * unless the type's section says when it is absent. So the schema requires
 * each of them (a record from the code that lacks one fails schemacheck in
 * the end-to-end tests), and an example without one of them is invalid.
 */
static void docs_fields_required(void)
{
	char *text = records_doc(), *sec;
	int examples = 0, bad = 0, dropped = 0;

	if (!text)
		return;
	for (sec = strstr(text, "\n## `"); sec;) {
		char *next = strstr(sec + 1, "\n## `"), *end = next ? next : sec + strlen(sec);
		char *absent = NULL, *p, *q;

		if ((p = strstr(sec, "**Sometimes absent:**")) && p < end) {
			q = strstr(p, "\n\n");
			absent = strndup(p, (size_t)((q && q < end ? q : end) - p));
		}
		for (p = sec; (p = strstr(p, "```json\n")) && p < end; p = q + 3) {
			json_t *ex, *copy;
			const char *type, *k;
			json_t *v;

			q = strstr(p + 8, "```");
			if (!q)
				break;
			ex = json_loadb(p + 8, (size_t)(q - p - 8), 0, NULL);
			type = json_string_value(json_object_get(ex, "type"));
			if (!type) {
				json_decref(ex);
				continue;
			}
			examples++;
			bad += walk_required(ex, (json_t *)schema_definition(schema, type), "",
					     absent, type);
			/* and the schema refuses a record without one of them */
			json_object_foreach(ex, k, v) {
				if (may_be_absent(absent, k))
					continue;
				copy = json_deep_copy(ex);
				json_object_del(copy, k);
				CHECK(schema_validate(schema, copy, err, sizeof(err)) == -EINVAL &&
					      strstr(err, k),
				      "%s without %s must be invalid, got '%s'", type, k, err);
				json_decref(copy);
				dropped++;
			}
			json_decref(ex);
		}
		free(absent);
		sec = next;
	}
	free(text);
	CHECK(examples >= 8 && dropped > 100 && !bad,
	      "%d examples, %d fields dropped one by one, %d not required", examples, dropped, bad);
}

/* Records of the built-in rules, and of a scoped rule over a window (scope,
 * aggregate and window_s present), all validate. */
static void alert_records_valid(void)
{
	struct config cfg;
	struct alerts *a;
	struct metrics *m = metrics__new();
	json_t *out = json_array();
	size_t i;
	json_t *r;

	config_defaults(&cfg);
	cfg.n_alerts = alert_rules_builtin(cfg.alerts, CFG_MAX_ALERTS);
	cfg.alerts[cfg.n_alerts++] = (struct alert_rule){
		"orders_5xx",	  "http_errors_5xx",	  ALERT_GT,	 1, 0, "critical",
		.scope = "route", .agg = ALERT_AGG_COUNT, .window_s = 60
	};
	a = alerts__new(&cfg, "host-s");
	metrics__set(m, METRIC_ERROR_RATE_PCT, SCOPE_NONE, NULL, 9.0);
	metrics__set(m, METRIC_MEMORY_USED_PCT, SCOPE_NONE, NULL, 95.0);
	metrics__add(m, METRIC_HTTP_ERRORS_5XX, SCOPE_NONE, NULL, 2);
	metrics__add(m, METRIC_HTTP_ERRORS_5XX, SCOPE_ROUTE, "GET /api/orders", 2);
	for (int s = 0; s <= 120; s++)
		alerts__eval(a, m, 1732200000000LL + s * 1000LL, out);
	metrics__reset(m);
	metrics__set(m, METRIC_ERROR_RATE_PCT, SCOPE_NONE, NULL, 1.0);
	metrics__set(m, METRIC_MEMORY_USED_PCT, SCOPE_NONE, NULL, 10.0);
	metrics__add(m, METRIC_HTTP_ERRORS_5XX, SCOPE_NONE, NULL, 0);
	alerts__eval(a, m, 1732200500000LL, out); /* the errors have left their windows */
	metrics__free(m);
	CHECK(json_array_size(out) == 8, "4 firing + 4 resolved records, got %zu",
	      json_array_size(out));
	json_array_foreach(out, i, r)
		CHECK(schema_validate(schema, r, err, sizeof(err)) == 0, "alert record %zu: %s", i,
		      err);
	CHECK(json_object_get(json_array_get(out, json_array_size(out) - 1), "scope") &&
		      json_object_get(json_array_get(out, json_array_size(out) - 1), "window_s"),
	      "the scoped rule's record has scope and window_s");
	json_decref(out);
	alerts__free(a);
}

/* Each keyword of the subset, on small schemas. */
static void keywords(void)
{
	static const struct {
		const char *schema, *doc;
		int valid;
	} cases[] = {
		{ "{\"type\":\"integer\"}", "3", 1 },
		{ "{\"type\":\"integer\"}", "3.5", 0 },
		{ "{\"type\":\"integer\"}", "3.0", 1 },
		{ "{\"type\":\"number\"}", "\"3\"", 0 },
		{ "{\"type\":[\"string\",\"null\"]}", "null", 1 },
		{ "{\"type\":[\"string\",\"null\"]}", "1", 0 },
		{ "{\"enum\":[\"a\",\"b\"]}", "\"b\"", 1 },
		{ "{\"enum\":[\"a\",\"b\"]}", "\"c\"", 0 },
		{ "{\"const\":5}", "5", 1 },
		{ "{\"const\":5}", "6", 0 },
		{ "{\"minimum\":0,\"maximum\":10}", "-1", 0 },
		{ "{\"minimum\":0,\"maximum\":10}", "10", 1 },
		{ "{\"minimum\":0}", "\"not a number\"", 1 },
		{ "{\"minLength\":2}", "\"a\"", 0 },
		{ "{\"required\":[\"a\"]}", "{\"b\":1}", 0 },
		{ "{\"properties\":{\"a\":{\"type\":\"string\"}}}", "{\"a\":1}", 0 },
		{ "{\"properties\":{\"a\":{\"type\":\"string\"}}}", "{\"b\":1}", 1 },
		{ "{\"additionalProperties\":false,\"properties\":{\"a\":{}}}", "{\"a\":1,\"b\":2}",
		  0 },
		{ "{\"additionalProperties\":{\"type\":\"integer\"}}", "{\"x\":1,\"y\":2}", 1 },
		{ "{\"additionalProperties\":{\"type\":\"integer\"}}", "{\"x\":1,\"y\":\"2\"}", 0 },
		{ "{\"items\":{\"type\":\"integer\"}}", "[1,2,3]", 1 },
		{ "{\"items\":{\"type\":\"integer\"}}", "[1,\"2\"]", 0 },
		{ "{\"minItems\":1}", "[]", 0 },
		{ "{\"definitions\":{\"p\":{\"minimum\":0}},\"$ref\":\"#/definitions/p\"}", "-1",
		  0 },
		{ "{\"definitions\":{\"p\":{\"minimum\":0}},\"$ref\":\"#/definitions/p\"}", "1",
		  1 },
		{ "{\"$ref\":\"#/definitions/nope\"}", "1", 0 },
		{ "{\"allOf\":[{\"minimum\":0},{\"maximum\":1}]}", "2", 0 },
		{ "{\"anyOf\":[{\"type\":\"string\"},{\"minimum\":5}]}", "7", 1 },
		{ "{\"anyOf\":[{\"type\":\"string\"},{\"minimum\":5}]}", "4", 0 },
		{ "{\"oneOf\":[{\"minimum\":0},{\"maximum\":10}]}", "5", 0 },
		{ "{\"oneOf\":[{\"minimum\":0},{\"maximum\":10}]}", "50", 1 },
		{ "true", "{}", 1 },
		{ "false", "{}", 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *s = json_loads(cases[i].schema, JSON_DECODE_ANY, NULL);
		json_t *d = json_loads(cases[i].doc, JSON_DECODE_ANY, NULL);
		int rc = schema_validate(s, d, err, sizeof(err));

		CHECK((rc == 0) == cases[i].valid, "schema %s on %s: expected %s, got %s (%s)",
		      cases[i].schema, cases[i].doc, cases[i].valid ? "valid" : "invalid",
		      rc ? "invalid" : "valid", err);
		json_decref(s);
		json_decref(d);
	}
}

int main(void)
{
	char path[512];

	if (getenv("TOP"))
		top = getenv("TOP");
	snprintf(path, sizeof(path), "%s/docs/records.schema.json", top);
	schema = schema_load(path, err, sizeof(err));
	if (!schema) {
		printf("FAIL load_schema: %s\n", err);
		return 1;
	}
	RUN(live_vm_metrics_valid);
	RUN(live_vm_metrics_broken);
	RUN(docs_examples_valid);
	RUN(docs_fields_required);
	RUN(alert_records_valid);
	RUN(keywords);
	json_decref(schema);
	CHECK_DONE();
}
