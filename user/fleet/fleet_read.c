// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* The fleet view's DynamoDB requests and answers (fleet_read.h). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "user/fleet/fleet_read.h"

const char *const fleet_vm_fields[] = {
	"cpu_usage_pct",
	"memory_used_pct",
	"memory_total_bytes",
	"cpu_count",
	"load1",
	"disk_read_bytes_per_s",
	"disk_write_bytes_per_s",
	"net_rx_bytes_per_s",
	"net_tx_bytes_per_s",
	"hostname",
	"platform",
	NULL,
};

const char *const fleet_web_fields[] = {
	"requests_per_s", "response_time_p95_ms", "error_rate_pct", "active_users", "routes", NULL,
};

static const struct {
	const char *metric, *of;
} series_metrics[] = {
	{ "cpu_usage_pct", "vm-metrics" },
	{ "memory_used_pct", "vm-metrics" },
	{ "load1", "vm-metrics" },
	{ "disk_read_bytes_per_s", "vm-metrics" },
	{ "disk_write_bytes_per_s", "vm-metrics" },
	{ "net_rx_bytes_per_s", "vm-metrics" },
	{ "net_tx_bytes_per_s", "vm-metrics" },
	{ "requests_per_s", "webapp-metrics" },
	{ "response_time_p95_ms", "webapp-metrics" },
	{ "error_rate_pct", "webapp-metrics" },
	{ "active_users", "webapp-metrics" },
};

#define N_SERIES (sizeof(series_metrics) / sizeof(series_metrics[0]))

const char *fleet_metric_of(const char *metric)
{
	for (size_t i = 0; i < N_SERIES; i++)
		if (!strcmp(series_metrics[i].metric, metric))
			return series_metrics[i].of;
	return NULL;
}

json_t *fleet_metric_names(void)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < N_SERIES; i++)
		json_array_append_new(a, json_string(series_metrics[i].metric));
	return a;
}

/* "#f0, #f1, ..." over id, timestamp and fields; names into names. */
static json_t *projection(const char *const *fields, json_t *names)
{
	char expr[1024] = "#id, #ts";
	size_t n = strlen(expr);

	json_object_set_new(names, "#id", json_string("id"));
	json_object_set_new(names, "#ts", json_string("timestamp"));
	for (int i = 0; fields && fields[i]; i++) {
		char ph[16];

		snprintf(ph, sizeof(ph), "#f%d", i);
		json_object_set_new(names, ph, json_string(fields[i]));
		n += (size_t)snprintf(expr + n, sizeof(expr) - n, ", %s", ph);
		if (n >= sizeof(expr))
			return NULL;
	}
	return json_string(expr);
}

static json_t *query_base(const char *table, const char *id)
{
	return json_pack("{s:s, s:s, s:s, s:{s:s}, s:{s:{s:s}}}", "TableName", table,
			 "ReturnConsumedCapacity", "TOTAL", "KeyConditionExpression", "#id = :id",
			 "ExpressionAttributeNames", "#id", "id", "ExpressionAttributeValues",
			 ":id", "S", id);
}

json_t *fleet_q_registry(const char *table, json_t *start_key)
{
	json_t *q = query_base(table, DDB_REGISTRY_ID);

	if (q && start_key)
		json_object_set(q, "ExclusiveStartKey", start_key);
	return q;
}

json_t *fleet_q_latest(const char *table, const char *source, const char *type,
		       const char *const *fields)
{
	char id[600];
	json_t *q, *names, *proj;

	snprintf(id, sizeof(id), "%s#%s", source, type);
	q = query_base(table, id);
	if (!q)
		return NULL;
	json_object_set_new(q, "ScanIndexForward", json_false());
	json_object_set_new(q, "Limit", json_integer(1));
	if (fields) {
		names = json_object_get(q, "ExpressionAttributeNames");
		proj = projection(fields, names);
		if (!proj) {
			json_decref(q);
			return NULL;
		}
		json_object_set_new(q, "ProjectionExpression", proj);
	}
	return q;
}

json_t *fleet_q_alerts(const char *table, const char *source, int64_t since_ms)
{
	char id[600], num[32];
	json_t *q;

	snprintf(id, sizeof(id), "%s#alert", source);
	q = query_base(table, id);
	if (!q)
		return NULL;
	snprintf(num, sizeof(num), "%" PRId64, since_ms);
	json_object_set_new(q, "KeyConditionExpression",
			    json_string("#id = :id AND #ts >= :since"));
	json_object_set_new(json_object_get(q, "ExpressionAttributeNames"), "#ts",
			    json_string("timestamp"));
	json_object_set_new(json_object_get(q, "ExpressionAttributeValues"), ":since",
			    json_pack("{s:s}", "N", num));
	json_object_set_new(q, "ScanIndexForward", json_false());
	json_object_set_new(q, "Limit", json_integer(FLEET_ALERTS_READ));
	return q;
}

json_t *fleet_q_rollups(const char *table, const char *source, const char *of, const char *metric,
			int64_t from_ms, int64_t to_ms, json_t *start_key)
{
	char id[600], a[32], b[32];
	json_t *q, *names, *values;

	snprintf(id, sizeof(id), "%s#rollup-5m", source);
	q = query_base(table, id);
	if (!q)
		return NULL;
	snprintf(a, sizeof(a), "%" PRId64, from_ms);
	snprintf(b, sizeof(b), "%" PRId64, to_ms);
	names = json_object_get(q, "ExpressionAttributeNames");
	values = json_object_get(q, "ExpressionAttributeValues");
	json_object_set_new(q, "KeyConditionExpression",
			    json_string("#id = :id AND #ts BETWEEN :a AND :b"));
	json_object_set_new(names, "#ts", json_string("timestamp"));
	json_object_set_new(names, "#of", json_string("of"));
	json_object_set_new(names, "#fields", json_string("fields"));
	json_object_set_new(names, "#m", json_string(metric));
	json_object_set_new(names, "#slot", json_string("slot_start"));
	json_object_set_new(names, "#n", json_string("samples"));
	json_object_set_new(values, ":a", json_pack("{s:s}", "N", a));
	json_object_set_new(values, ":b", json_pack("{s:s}", "N", b));
	json_object_set_new(values, ":of", json_pack("{s:s}", "S", of));
	json_object_set_new(q, "FilterExpression", json_string("#of = :of"));
	json_object_set_new(q, "ProjectionExpression", json_string("#slot, #n, #fields.#m"));
	if (start_key)
		json_object_set(q, "ExclusiveStartKey", start_key);
	return q;
}

json_t *fleet_q_batch_get(const char *table, json_t *keys, const char *const *fields)
{
	json_t *names = json_object(), *ks = json_array(), *k, *proj, *req;
	size_t i;

	if (!names || !ks)
		goto fail;
	json_array_foreach(keys, i, k) {
		if (i >= FLEET_BATCH_KEYS)
			break;
		json_array_append_new(
			ks,
			json_pack("{s:{s:s}, s:{s:s}}", "id", "S",
				  json_string_value(json_object_get(k, "id")) ?: "", "timestamp",
				  "N", json_string_value(json_object_get(k, "timestamp")) ?: "0"));
	}
	proj = projection(fields, names);
	if (!proj)
		goto fail;
	req = json_pack("{s:o, s:o, s:o}", "Keys", ks, "ProjectionExpression", proj,
			"ExpressionAttributeNames", names);
	return json_pack("{s:{s:o}, s:s}", "RequestItems", table, req, "ReturnConsumedCapacity",
			 "TOTAL");
fail:
	json_decref(names);
	json_decref(ks);
	return NULL;
}

double fleet_read_units(json_t *resp)
{
	json_t *cc = json_object_get(resp, "ConsumedCapacity"), *e;
	double sum = 0;
	size_t i;

	if (json_is_object(cc))
		return json_number_value(json_object_get(cc, "CapacityUnits"));
	json_array_foreach(cc, i, e)
		sum += json_number_value(json_object_get(e, "CapacityUnits"));
	return sum;
}

json_t *fleet_read_items(json_t *resp, const char *table)
{
	json_t *items = json_object_get(resp, "Items");

	if (json_is_array(items))
		return items;
	items = json_object_get(json_object_get(resp, "Responses"), table);
	return json_is_array(items) ? items : NULL;
}

int64_t fleet_ms(json_t *v)
{
	double d = json_number_value(v);

	return json_is_number(v) && d >= 0 && d <= 1e15 ? (int64_t)d : 0;
}

bool fleet_read_throttled(const char *type)
{
	return !strcmp(type, "ProvisionedThroughputExceededException") ||
	       !strcmp(type, "ThrottlingException") || !strcmp(type, "RequestLimitExceeded");
}

json_t *fleet_alerts_firing(json_t *items, size_t max)
{
	json_t *seen = json_object(), *out = json_array(), *it;
	size_t i;

	if (!seen || !out)
		goto fail;
	json_array_foreach(items, i, it) {
		const char *rule = json_string_value(json_object_get(it, "rule"));
		const char *state = json_string_value(json_object_get(it, "state"));
		char *scope = json_dumps(json_object_get(it, "scope") ?: json_null(),
					 JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
		char key[512];

		if (!rule || !state || !scope) {
			free(scope);
			continue;
		}
		snprintf(key, sizeof(key), "%s %s", rule, scope);
		free(scope);
		if (json_object_get(seen, key))
			continue; /* an older transition of the same alert */
		json_object_set_new(seen, key, json_true());
		if (strcmp(state, "firing") || json_array_size(out) >= max)
			continue;
		json_array_append_new(
			out,
			json_pack("{s:s, s:s, s:O, s:s, s:O}", "rule", rule, "severity",
				  json_string_value(json_object_get(it, "severity")) ?: "", "scope",
				  json_object_get(it, "scope") ?: json_null(), "message",
				  json_string_value(json_object_get(it, "message")) ?: "",
				  "started_at", json_object_get(it, "started_at") ?: json_null()));
	}
	json_decref(seen);
	return out;
fail:
	json_decref(seen);
	json_decref(out);
	return NULL;
}
