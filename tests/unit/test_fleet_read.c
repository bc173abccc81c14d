// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* user/fleet/fleet_read.c: the fleet view's request bodies read by keys
 * only, with consumed capacity asked; answers and alert state read back. */
#include <string.h>

#include "tests/unit/check.h"
#include "user/fleet/fleet_read.h"

static const char *sget(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k)) ?: "";
}

static void test_fleet_registry_query_by_key(void)
{
	json_t *start = json_pack("{s:{s:s}}", "id", "S", "x");
	json_t *q = fleet_q_registry("tbl", start);
	char *s = json_dumps(q, JSON_COMPACT);

	CHECK(!strcmp(sget(q, "TableName"), "tbl") &&
		      !strcmp(sget(q, "KeyConditionExpression"), "#id = :id"),
	      "a Query on the key: %s", s);
	CHECK(!strcmp(sget(json_object_get(json_object_get(q, "ExpressionAttributeValues"), ":id"),
			   "S"),
		      "hostlens#hosts"),
	      "the registry partition: %s", s);
	CHECK(!strcmp(sget(q, "ReturnConsumedCapacity"), "TOTAL"), "capacity asked: %s", s);
	CHECK(json_equal(json_object_get(q, "ExclusiveStartKey"), start), "paged from start: %s",
	      s);
	free(s);
	json_decref(q);
	json_decref(start);
}

static void test_fleet_latest_and_batch_get(void)
{
	const char *fields[] = { "cpu_usage_pct", "routes", NULL };
	json_t *q = fleet_q_latest("tbl", "web-1", "vm-metrics", fields);
	json_t *names = json_object_get(q, "ExpressionAttributeNames");
	json_t *keys = json_array(), *b, *ks;
	char *s = json_dumps(q, JSON_COMPACT);

	CHECK(json_integer_value(json_object_get(q, "Limit")) == 1 &&
		      json_is_false(json_object_get(q, "ScanIndexForward")) &&
		      !strcmp(sget(json_object_get(json_object_get(q, "ExpressionAttributeValues"),
						   ":id"),
				   "S"),
			      "web-1#vm-metrics"),
	      "newest item of one partition: %s", s);
	CHECK(!strcmp(sget(q, "ProjectionExpression"), "#id, #ts, #f0, #f1") &&
		      !strcmp(sget(names, "#f1"), "routes") &&
		      !strcmp(sget(names, "#ts"), "timestamp"),
	      "projected on the fields: %s", s);
	free(s);
	for (int i = 0; i < 130; i++)
		json_array_append_new(keys,
				      json_pack("{s:s, s:s}", "id", "h#vm-metrics", "timestamp",
						"1732200000000.482019384756102"));
	b = fleet_q_batch_get("tbl", keys, fields);
	ks = json_object_get(json_object_get(json_object_get(b, "RequestItems"), "tbl"), "Keys");
	CHECK(json_array_size(ks) == FLEET_BATCH_KEYS, "100 keys a call, got %zu",
	      json_array_size(ks));
	CHECK(!strcmp(sget(json_object_get(json_array_get(ks, 0), "timestamp"), "N"),
		      "1732200000000.482019384756102"),
	      "the sort key goes as written (all its digits)");
	CHECK(!strcmp(sget(b, "ReturnConsumedCapacity"), "TOTAL"), "capacity asked");
	json_decref(q);
	json_decref(keys);
	json_decref(b);
}

static void test_fleet_rollup_query(void)
{
	json_t *q =
		fleet_q_rollups("tbl", "web-1", "vm-metrics", "cpu_usage_pct", 1000, 2000, NULL);
	json_t *v = json_object_get(q, "ExpressionAttributeValues");
	char *s = json_dumps(q, JSON_COMPACT);

	CHECK(!strcmp(sget(json_object_get(v, ":id"), "S"), "web-1#rollup-5m") &&
		      !strcmp(sget(json_object_get(v, ":a"), "N"), "1000") &&
		      !strcmp(sget(json_object_get(v, ":b"), "N"), "2000") &&
		      !strcmp(sget(json_object_get(v, ":of"), "S"), "vm-metrics") &&
		      !strcmp(sget(json_object_get(q, "ExpressionAttributeNames"), "#m"),
			      "cpu_usage_pct"),
	      "rollups of one host, type and time range: %s", s);
	CHECK(fleet_metric_of("requests_per_s") &&
		      !strcmp(fleet_metric_of("requests_per_s"), "webapp-metrics") &&
		      !fleet_metric_of("nope"),
	      "metric -> record type");
	free(s);
	json_decref(q);
}

static void test_fleet_answers(void)
{
	json_t *q = json_loads(
		"{\"Items\":[{}],\"ConsumedCapacity\":{\"TableName\":\"t\",\"CapacityUnits\":2.5}}",
		0, NULL);
	json_t *b = json_loads(
		"{\"Responses\":{\"t\":[{},{}]},\"ConsumedCapacity\":[{\"CapacityUnits\":1.5},{\"CapacityUnits\":3}]}",
		0, NULL);

	CHECK(fleet_read_units(q) == 2.5 && fleet_read_units(b) == 4.5, "units %g %g",
	      fleet_read_units(q), fleet_read_units(b));
	CHECK(json_array_size(fleet_read_items(q, "t")) == 1 &&
		      json_array_size(fleet_read_items(b, "t")) == 2,
	      "items of a Query and of a BatchGetItem");
	CHECK(fleet_read_throttled("ProvisionedThroughputExceededException") &&
		      fleet_read_throttled("ThrottlingException") &&
		      !fleet_read_throttled("ValidationException"),
	      "throttling types");
	json_decref(q);
	json_decref(b);
}

static void test_fleet_alerts_newest_transition_decides(void)
{
	json_t *items = json_loads(
		"[{\"rule\":\"disk_full\",\"state\":\"resolved\",\"scope\":{\"mount\":\"/\"}},"
		" {\"rule\":\"cpu_high\",\"state\":\"firing\",\"severity\":\"warning\",\"message\":\"m\"},"
		" {\"rule\":\"disk_full\",\"state\":\"firing\",\"scope\":{\"mount\":\"/data\"}},"
		" {\"rule\":\"disk_full\",\"state\":\"firing\",\"scope\":{\"mount\":\"/\"}},"
		" {\"rule\":\"cpu_high\",\"state\":\"resolved\"}]",
		0, NULL);
	json_t *f = fleet_alerts_firing(items, 10), *one = fleet_alerts_firing(items, 1);
	char *s = json_dumps(f, JSON_COMPACT);

	CHECK(json_array_size(f) == 2 && !strcmp(sget(json_array_get(f, 0), "rule"), "cpu_high") &&
		      !strcmp(sget(json_object_get(json_array_get(f, 1), "scope"), "mount"),
			      "/data"),
	      "cpu_high and disk_full on /data fire, disk_full on / resolved: %s", s);
	CHECK(json_array_size(one) == 1, "capped at max");
	free(s);
	json_decref(items);
	json_decref(f);
	json_decref(one);
}

int main(void)
{
	RUN(test_fleet_registry_query_by_key);
	RUN(test_fleet_latest_and_batch_get);
	RUN(test_fleet_rollup_query);
	RUN(test_fleet_answers);
	RUN(test_fleet_alerts_newest_transition_decides);
	CHECK_DONE();
}
