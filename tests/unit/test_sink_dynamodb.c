// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* DynamoDB mapping: typed attributes, key layout and TTL, sort keys unique
 * and stable per record, item size as DynamoDB counts it, BatchWriteItem
 * dedupe and UnprocessedItems. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/check.h"
#include "sinks/dynamodb/dynamodb_api.h"

static char *dump(json_t *v)
{
	return json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
}

static void test_ddb_attribute_types(void)
{
	json_t *v = json_loads("{\"s\":\"x\",\"i\":-42,\"r\":0.1,\"t\":true,\"f\":false,\"n\":null,"
			       "\"m\":{\"a\":[1,\"b\",{\"c\":null}]},\"e\":\"\",\"l\":[]}",
			       0, NULL);
	json_t *a = ddb_attr(v);
	char *got = dump(a);
	const char *want =
		"{\"M\":{\"e\":{\"S\":\"\"},\"f\":{\"BOOL\":false},\"i\":{\"N\":\"-42\"},"
		"\"l\":{\"L\":[]},\"m\":{\"M\":{\"a\":{\"L\":[{\"N\":\"1\"},{\"S\":\"b\"},"
		"{\"M\":{\"c\":{\"NULL\":true}}}]}}},\"n\":{\"NULL\":true},\"r\":{\"N\":\"0.1\"},"
		"\"s\":{\"S\":\"x\"},\"t\":{\"BOOL\":true}}}";

	CHECK(got && !strcmp(got, want), "mapping\n want %s\n got  %s", want, got);
	free(got);
	json_decref(a);
	json_decref(v);
}

static void mkrec(struct record *r, const char *id, int64_t ts)
{
	json_t *o = record_new("process-metrics", "node-a", ts);
	char *line;

	json_object_set_new(o, "id", json_string(id));
	json_object_set_new(o, "pid", json_integer(7));
	line = json_dumps(o, JSON_COMPACT);
	record_from_line(r, line, strlen(line));
	free(line);
	json_decref(o);
}

static void test_ddb_item_layout_and_ttl(void)
{
	struct record r;
	json_t *item;
	const char *ts;

	mkrec(&r, "6f1c-uuid", 1732200000123);
	item = ddb_item(&r, 30, 0);
	ts = json_string_value(json_object_get(json_object_get(item, "timestamp"), "N"));
	CHECK(!strcmp(json_string_value(json_object_get(json_object_get(item, "id"), "S")) ?: "",
		      "node-a#process-metrics"),
	      "id = source#type");
	CHECK(ts && !strncmp(ts, "1732200000123", 13) && (ts[13] == '.' || !ts[13]),
	      "sort key keeps the ms as its integer part, got %s", ts);
	CHECK(ts && (strlen(ts) == 13 || ts[strlen(ts) - 1] != '0'),
	      "canonical number (no trailing 0)");
	CHECK(!strcmp(json_string_value(json_object_get(json_object_get(item, "record_id"), "S")) ?:
			      "",
		      "6f1c-uuid"),
	      "record_id = the record's uuid");
	CHECK(!strcmp(json_string_value(json_object_get(json_object_get(item, "expires_at"), "N")) ?:
			      "",
		      "1734792000"),
	      "expires_at = ts/1000 + 30 days");
	CHECK(!strcmp(json_string_value(json_object_get(json_object_get(item, "pid"), "N")) ?: "",
		      "7") &&
		      !strcmp(json_string_value(json_object_get(json_object_get(item, "type"), "S")) ?:
				      "",
			      "process-metrics"),
	      "fields kept typed");
	json_decref(item);
	item = ddb_item(&r, 0, 0);
	CHECK(!json_object_get(item, "expires_at"), "ttl 0: no expires_at");
	json_decref(item);
	record_clear(&r);
}

static void test_ddb_sort_keys_unique_and_stable(void)
{
	struct record a, b;
	char ka[64], ka2[64], kb[64], kbump[64];

	mkrec(&a, "uuid-a", 1000);
	mkrec(&b, "uuid-b", 1000);
	ddb_sort_key(&a, 0, ka, sizeof(ka));
	ddb_sort_key(&a, 0, ka2, sizeof(ka2));
	ddb_sort_key(&b, 0, kb, sizeof(kb));
	ddb_sort_key(&a, 1, kbump, sizeof(kbump));
	CHECK(!strcmp(ka, ka2), "same record, same key on every retry");
	CHECK(strcmp(ka, kb), "two records in one ms, two keys (%s, %s)", ka, kb);
	CHECK(strcmp(ka, kbump), "bump moves it");
	CHECK(!strncmp(ka, "1000.", 5) && !strncmp(kb, "1000.", 5), "both in ms 1000");
	record_clear(&a);
	record_clear(&b);
}

static void test_ddb_item_size_counts_like_dynamodb(void)
{
	json_t *item = json_loads(
		"{\"ab\":{\"S\":\"hello\"},\"n\":{\"N\":\"12345\"},\"b\":{\"BOOL\":true},"
		"\"m\":{\"M\":{\"k\":{\"NULL\":true}}},\"l\":{\"L\":[{\"S\":\"xy\"}]}}",
		0, NULL);
	/* ab:2+5  n:1+(5+1)/2+1=4  b:1+1  m:1+3+(1+1+1)  l:1+3+(2+1) */
	size_t want = 7 + 5 + 2 + 7 + 7;

	CHECK(ddb_item_size(item) == want, "size %zu, want %zu", ddb_item_size(item), want);
	json_decref(item);
}

static void test_ddb_batch_dedupes_and_maps_unprocessed(void)
{
	struct record_batch *b = record_batch__new(4);
	unsigned char mark[4] = { 0 };
	size_t len = 0, un = 0;
	char *body, *resp;
	json_t *o, *list;
	const char *ids[4] = { "u1", "u2", "u1", "u3" }; /* u1 twice: the same record resent */

	for (int i = 0; i < 4; i++) {
		json_t *r = record_new("alert", "h", 5000);

		json_object_set_new(r, "id", json_string(ids[i]));
		record_batch__add(b, r);
	}
	body = ddb_batch_body("tbl", b, 0, mark, &len);
	o = json_loads(body, 0, NULL);
	list = json_object_get(json_object_get(o, "RequestItems"), "tbl");
	CHECK(json_array_size(list) == 3, "3 puts (duplicate left out), got %zu",
	      json_array_size(list));
	CHECK(mark[2] == 1 && !mark[0] && !mark[1] && !mark[3], "the repeat is marked delivered");
	{
		const char *k[3];

		for (int i = 0; i < 3; i++)
			k[i] = json_string_value(json_object_get(
				json_object_get(
					json_object_get(json_object_get(json_array_get(list, i),
									"PutRequest"),
							"Item"),
					"timestamp"),
				"N"));
		CHECK(k[0] && k[1] && k[2] && strcmp(k[0], k[1]) && strcmp(k[0], k[2]) &&
			      strcmp(k[1], k[2]),
		      "keys unique within the batch");
	}
	/* DynamoDB hands back the item of u2 as unprocessed */
	char *one = json_dumps(json_array_get(list, 1), JSON_COMPACT);

	if (asprintf(&resp, "{\"UnprocessedItems\":{\"tbl\":[%s]}}", one) > 0) {
		CHECK(ddb_parse_unprocessed(resp, strlen(resp), "tbl", b, mark, &un) == 0 &&
			      un == 1,
		      "one unprocessed");
		CHECK(mark[0] == 1 && mark[1] == 0 && mark[3] == 1, "only u2 left to retry: %d%d%d",
		      mark[0], mark[1], mark[3]);
		free(resp);
	}
	{
		unsigned char m2[4] = { 0 };
		const char *stray =
			"{\"UnprocessedItems\":{\"tbl\":[{\"PutRequest\":{\"Item\":{\"record_id\":{\"S\":\"zz\"}}}}]}}";

		CHECK(ddb_parse_unprocessed(stray, strlen(stray), "tbl", b, m2, &un) == -EPROTO &&
			      !m2[0],
		      "an item matching no record marks nothing");
		CHECK(ddb_parse_unprocessed("{}", 2, "tbl", b, m2, &un) == 0 && m2[0] && m2[3] &&
			      !un,
		      "no UnprocessedItems: all delivered");
	}
	free(one);
	json_decref(o);
	free(body);
	record_batch__put(b);
}

/* The registry item has the documented layout; ddb_plain reads back what
 * ddb_attr wrote. */
static void test_ddb_registry_item_and_plain(void)
{
	json_t *latest = json_pack("{s:s,s:s}", "vm-metrics", "1732200000000.5", "alert", "17");
	json_t *it = ddb_registry_item("web-1", 1732200001234, "http://10.0.0.5:9090", "1.2.3",
				       latest, 30);
	json_t *p = ddb_plain_item(it);
	json_t *orig =
		json_loads("{\"a\":1,\"b\":2.5,\"c\":\"x\",\"d\":[true,null,{\"e\":-3}]}", 0, NULL);
	json_t *attr = ddb_attr(orig), *back = ddb_plain(attr);
	char *s = dump(p);

	CHECK(p && !strcmp(json_string_value(json_object_get(p, "id")), DDB_REGISTRY_ID),
	      "registry partition key: %s", s);
	CHECK(json_integer_value(json_object_get(p, "timestamp")) == ddb_registry_key("web-1") &&
		      ddb_registry_key("web-1") != ddb_registry_key("web-2") &&
		      ddb_registry_key("web-1") < (1ll << 53),
	      "sort key is the source's stable key: %s", s);
	CHECK(json_integer_value(json_object_get(p, "last_seen")) == 1732200001234 &&
		      !strcmp(json_string_value(json_object_get(p, "address")),
			      "http://10.0.0.5:9090") &&
		      !strcmp(json_string_value(
				      json_object_get(json_object_get(p, "latest"), "vm-metrics")),
			      "1732200000000.5") &&
		      json_integer_value(json_object_get(p, "expires_at")) ==
			      1732200001 + 30 * 86400,
	      "registry attributes: %s", s);
	CHECK(json_equal(orig, back), "ddb_plain(ddb_attr(x)) == x");
	json_t *bad1 = json_pack("{s:s}", "N", "12abc"), *bad2 = json_pack("{s:i}", "S", 1);

	CHECK(!ddb_plain(bad1) && !ddb_plain(bad2), "malformed attributes are refused");
	json_decref(bad1);
	json_decref(bad2);
	free(s);
	json_decref(latest);
	json_decref(it);
	json_decref(p);
	json_decref(orig);
	json_decref(attr);
	json_decref(back);
}

int main(void)
{
	RUN(test_ddb_registry_item_and_plain);
	RUN(test_ddb_attribute_types);
	RUN(test_ddb_item_layout_and_ttl);
	RUN(test_ddb_sort_keys_unique_and_stable);
	RUN(test_ddb_item_size_counts_like_dynamodb);
	RUN(test_ddb_batch_dedupes_and_maps_unprocessed);
	CHECK_DONE();
}
