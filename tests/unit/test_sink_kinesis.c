// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Kinesis wire format: PutRecords body (base64 data, partition keys) and
 * per-record results, so only failed records are retried. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/check.h"
#include "sinks/kinesis/kinesis_api.h"
#include "sinks/aws/aws.h"

static struct record_batch *mk(int n, const char *source)
{
	struct record_batch *b = record_batch__new((size_t)n);

	for (int i = 0; i < n; i++) {
		json_t *o = record_new("vm-metrics", source, 1732200000000 + i);

		json_object_set_new(o, "cpu_usage_pct", json_real(1.5 * i));
		json_object_set_new(o, "note", json_string("quote\" and \\ and \n"));
		record_batch__add(b, o);
	}
	return b;
}

static void test_kinesis_put_body_round_trips(void)
{
	struct record_batch *b = mk(3, "web-1");
	size_t len = 0;
	char *body = kinesis_put_body("my-stream", b, "", &len);
	json_t *o = body ? json_loadb(body, len, 0, NULL) : NULL;
	json_t *recs = json_object_get(o, "Records");

	CHECK(o, "body is JSON: %.80s", body ? body : "(null)");
	CHECK(!strcmp(json_string_value(json_object_get(o, "StreamName")) ?: "", "my-stream"),
	      "stream name");
	CHECK(json_array_size(recs) == 3, "3 records, got %zu", json_array_size(recs));
	for (size_t i = 0; i < json_array_size(recs); i++) {
		json_t *r = json_array_get(recs, i);
		const char *data = json_string_value(json_object_get(r, "Data"));
		char expect[1024];

		aws_base64((const unsigned char *)b->recs[i].line, b->recs[i].len, expect);
		CHECK(data && !strcmp(data, expect), "record %zu data is base64 of its line", i);
		CHECK(!strcmp(json_string_value(json_object_get(r, "PartitionKey")) ?: "", "web-1"),
		      "partition key = source");
	}
	json_decref(o);
	free(body);
	body = kinesis_put_body("s", b, "fixed\"key", &len);
	o = json_loadb(body, len, 0, NULL);
	CHECK(!strcmp(json_string_value(json_object_get(json_array_get(json_object_get(o, "Records"), 0), "PartitionKey")) ?:
			      "",
		      "fixed\"key"),
	      "configured key, escaped");
	json_decref(o);
	free(body);
	record_batch__put(b);
}

static void test_kinesis_partition_key_limits(void)
{
	struct record r = { 0 };
	char key[300], big[400];

	CHECK(kinesis_partition_key(&r, NULL, key, sizeof(key)) == 8 && !strcmp(key, "hostlens"),
	      "empty source falls back to 'hostlens'");
	memset(big, 'k', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	CHECK(kinesis_partition_key(&r, big, key, sizeof(key)) == KINESIS_MAX_KEY,
	      "cut to 256 bytes");
}

static void test_kinesis_partial_failure_marks_only_successes(void)
{
	const char *resp =
		"{\"FailedRecordCount\":2,\"Records\":["
		"{\"SequenceNumber\":\"1\",\"ShardId\":\"shardId-0\"},"
		"{\"ErrorCode\":\"ProvisionedThroughputExceededException\",\"ErrorMessage\":\"Rate exceeded\"},"
		"{\"SequenceNumber\":\"2\",\"ShardId\":\"shardId-0\"},"
		"{\"ErrorCode\":\"InternalFailure\",\"ErrorMessage\":\"x\"}]}";
	unsigned char mark[4] = { 0 };
	size_t failed = 0;
	char code[64];

	CHECK(kinesis_parse_put(resp, strlen(resp), 4, mark, &failed, code, sizeof(code)) == 0,
	      "parses");
	CHECK(failed == 2 && mark[0] == 1 && mark[1] == 0 && mark[2] == 1 && mark[3] == 0,
	      "records 0 and 2 delivered, 1 and 3 to retry; got %d%d%d%d", mark[0], mark[1],
	      mark[2], mark[3]);
	CHECK(!strcmp(code, "ProvisionedThroughputExceededException"), "first error code, got %s",
	      code);
	memset(mark, 0, sizeof(mark));
	CHECK(kinesis_parse_put(resp, strlen(resp), 3, mark, &failed, code, sizeof(code)) ==
			      -EPROTO &&
		      !mark[0],
	      "a count mismatch marks nothing");
	CHECK(kinesis_parse_put("<html>", 6, 1, mark, &failed, code, sizeof(code)) == -EPROTO,
	      "not JSON");
}

int main(void)
{
	RUN(test_kinesis_put_body_round_trips);
	RUN(test_kinesis_partition_key_limits);
	RUN(test_kinesis_partial_failure_marks_only_successes);
	CHECK_DONE();
}
