// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Kinesis sink: PutRecords to one stream. The engine cuts batches to 500
 * records / 5 MiB and rejects records over 1 MiB (data + partition key);
 * this file sends one call and reports per record what was delivered, so
 * only the records that failed (FailedRecordCount, ErrorCode such as
 * ProvisionedThroughputExceededException) are retried. Runs on its own sink
 * thread only.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sinks/sink.h"
#include "sinks/aws/aws.h"
#include "sinks/kinesis/kinesis_api.h"

/* Messages are cut to their buffers on purpose. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wformat-truncation"
#endif

struct kinesis_sink {
	struct aws_client *aws;
	char stream[CFG_STR];
	char key[CFG_STR];
	struct aws_buf resp;
};

static int kinesis_init(struct sink *s, const struct config *cfg)
{
	struct kinesis_sink *k = s->priv;
	char err[512];

	if (!cfg->kinesis_stream[0]) {
		snprintf(s->errmsg, sizeof(s->errmsg), "--kinesis-stream is empty");
		return -EINVAL;
	}
	snprintf(k->stream, sizeof(k->stream), "%s", cfg->kinesis_stream);
	snprintf(k->key, sizeof(k->key), "%s", cfg->kinesis_partition_key);
	k->aws = aws_client__new("kinesis", err, sizeof(err));
	if (!k->aws) {
		int e = errno;

		snprintf(s->errmsg, sizeof(s->errmsg), "%s", err);
		return -e;
	}
	aws_client__set_abort(k->aws, &s->abort_at_ms);
	return 0;
}

static size_t kinesis_cost(const struct sink *s, const struct record *r)
{
	const struct kinesis_sink *k = s->priv;
	char key[KINESIS_MAX_KEY + 1];

	return r->len + kinesis_partition_key(r, k->key, key, sizeof(key));
}

static int kinesis_write(struct sink *s, const struct record_batch *b)
{
	struct kinesis_sink *k = s->priv;
	char err[512], type[128], code[128];
	size_t len, failed = 0;
	long status = 0;
	char *body;
	int ret;

	body = kinesis_put_body(k->stream, b, k->key, &len);
	if (!body) {
		snprintf(s->errmsg, sizeof(s->errmsg), "PutRecords: out of memory");
		return -EAGAIN;
	}
	ret = aws_client__call(k->aws, "Kinesis_20131202.PutRecords", "application/x-amz-json-1.1",
			       body, len, &status, &k->resp, err, sizeof(err));
	free(body);
	if (ret) {
		snprintf(s->errmsg, sizeof(s->errmsg), "PutRecords: %s", err);
		return -EAGAIN;
	}
	if (status != 200) {
		aws_error_type(k->resp.data, k->resp.len, type, sizeof(type));
		snprintf(s->errmsg, sizeof(s->errmsg), "PutRecords to stream %s: HTTP %ld %s",
			 k->stream, status, type);
		return aws_error_retryable(status, type) ? -EAGAIN : -EINVAL;
	}
	if (kinesis_parse_put(k->resp.data, k->resp.len, b->n, s->mark, &failed, code,
			      sizeof(code))) {
		snprintf(s->errmsg, sizeof(s->errmsg), "PutRecords: unexpected answer");
		memset(s->mark, 0, b->n);
		return -EAGAIN;
	}
	if (failed) {
		snprintf(s->errmsg, sizeof(s->errmsg), "PutRecords: %zu/%zu failed (%s)", failed,
			 b->n, code[0] ? code : "no error code");
		return -EAGAIN;
	}
	return 0;
}

static void kinesis_destroy(struct sink *s)
{
	struct kinesis_sink *k = s->priv;

	if (!k)
		return;
	aws_client__free(k->aws);
	aws_buf_free(&k->resp);
	k->aws = NULL;
}

/* Its rows of the option table (user/runtime/config.c merges them in). */
static const struct config_opt kinesis_options[] = {
	{ "kinesis-stream", CONFIG_OPT_STR, CONFIG_FIELD(kinesis_stream),
	  "real-time-analytics-stream", "NAME", "Kinesis stream" },
	{ "kinesis-partition-key", CONFIG_OPT_STR, CONFIG_FIELD(kinesis_partition_key), "", "KEY",
	  "Kinesis partition key (default: source)" },
	{ NULL },
};

const struct sink_ops kinesis_sink_ops = {
	.options = kinesis_options,
	.name = "kinesis",
	.priv_size = sizeof(struct kinesis_sink),
	.init = kinesis_init,
	.write = kinesis_write,
	.destroy = kinesis_destroy,
	.max_batch_records = KINESIS_MAX_RECORDS,
	.max_batch_bytes = KINESIS_MAX_BYTES,
	.max_record_bytes = KINESIS_MAX_RECORD,
	.record_cost = kinesis_cost,
};
