// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The records schema holds: a vm-metrics record built from the live /proc
 * by the real collectors validates; every JSON example in docs/records.md
 * validates; alert records from the alerts module validate; broken records
 * fail with a message naming the path; and each supported keyword works.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alerts.h"
#include "check.h"
#include "collectors/collector.h"
#include "config.h"
#include "record.h"
#include "schema.h"

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
static void docs_examples_valid(void)
{
	char path[512], *text = NULL, *p;
	size_t len = 0;
	FILE *f;
	int n = 0;
	char types[256] = "";

	snprintf(path, sizeof(path), "%s/docs/records.md", top);
	f = fopen(path, "r");
	CHECK(f, "open %s", path);
	if (!f)
		return;
	getdelim(&text, &len, '\0', f);
	fclose(f);
	for (p = text; (p = strstr(p, "```json\n")); ) {
		char *end = strstr(p + 8, "```");
		json_error_t je;
		json_t *ex;

		if (!end)
			break;
		ex = json_loadb(p + 8, (size_t)(end - p - 8), 0, &je);
		CHECK(ex, "example %d is JSON: %s", n, je.text);
		if (ex) {
			CHECK(schema_validate(schema, ex, err, sizeof(err)) == 0, "example %d (%s): %s", n,
			      json_string_value(json_object_get(ex, "type")), err);
			if (!strstr(types, json_string_value(json_object_get(ex, "type")) ?: "?")) {
				strncat(types, json_string_value(json_object_get(ex, "type")) ?: "?",
					sizeof(types) - strlen(types) - 2);
				strcat(types, " ");
			}
		}
		json_decref(ex);
		n++;
		p = end + 3;
	}
	free(text);
	CHECK(!strcmp(types, "vm-metrics webapp-metrics process-metrics disk-metrics network-metrics alert rollup-5m "),
	      "one example of every type, got: %s", types);
}

static void alert_records_valid(void)
{
	struct config cfg;
	struct alerts *a;
	json_t *out = json_array(), *m;
	size_t i;
	json_t *r;

	config_defaults(&cfg);
	a = alerts__new(&cfg, "host-s");
	m = json_pack("{s:f,s:f}", "error_rate_pct", 9.0, "memory_used_pct", 95.0);
	for (int s = 0; s <= 120; s++)
		alerts__eval(a, m, 1732200000000LL + s * 1000LL, out);
	json_decref(m);
	m = json_pack("{s:f,s:f}", "error_rate_pct", 1.0, "memory_used_pct", 10.0);
	alerts__eval(a, m, 1732200200000LL, out);
	json_decref(m);
	CHECK(json_array_size(out) == 4, "2 firing + 2 resolved records, got %zu", json_array_size(out));
	json_array_foreach(out, i, r)
		CHECK(schema_validate(schema, r, err, sizeof(err)) == 0, "alert record %zu: %s", i, err);
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
		{ "{\"additionalProperties\":false,\"properties\":{\"a\":{}}}", "{\"a\":1,\"b\":2}", 0 },
		{ "{\"additionalProperties\":{\"type\":\"integer\"}}", "{\"x\":1,\"y\":2}", 1 },
		{ "{\"additionalProperties\":{\"type\":\"integer\"}}", "{\"x\":1,\"y\":\"2\"}", 0 },
		{ "{\"items\":{\"type\":\"integer\"}}", "[1,2,3]", 1 },
		{ "{\"items\":{\"type\":\"integer\"}}", "[1,\"2\"]", 0 },
		{ "{\"minItems\":1}", "[]", 0 },
		{ "{\"definitions\":{\"p\":{\"minimum\":0}},\"$ref\":\"#/definitions/p\"}", "-1", 0 },
		{ "{\"definitions\":{\"p\":{\"minimum\":0}},\"$ref\":\"#/definitions/p\"}", "1", 1 },
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
	RUN(alert_records_valid);
	RUN(keywords);
	json_decref(schema);
	CHECK_DONE();
}
