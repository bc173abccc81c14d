// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Test helper: writes records from an NDJSON file to a DynamoDB table with
 * the dynamodb sink's own code (dynamodb_sink_ops: items, key scheme and
 * the host registry item), as an agent with that --source would, then
 * flushes (the registry item points at the newest records). Each line is a
 * record object ({"id", "timestamp", "type", "source", ...}); they go in
 * batches of the sink's size, retried while the sink says -EAGAIN.
 *   ddb_feed FILE [--set KEY=VALUE]...   (config_set: dynamodb-table, public-url, ...)
 * Exit 0 when every record was delivered.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sinks/sink.h"
#include "sinks/registry.h"
#include "user/runtime/config.h"
#include "user/pipeline/record.h"

extern const struct sink_ops dynamodb_sink_ops;

static int deliver(struct sink *s, struct record_batch *b)
{
	unsigned char *mark = calloc(b->n + 1, 1);
	int ret = -EAGAIN;

	if (!mark)
		return -ENOMEM;
	s->mark = mark;
	for (int tries = 0; tries < 50 && ret == -EAGAIN; tries++) {
		struct timespec ts = { 0, 200 * 1000000 };

		ret = s->ops->write(s, b);
		if (ret == -EAGAIN) {
			fprintf(stderr, "ddb_feed: %s; again\n", s->errmsg);
			nanosleep(&ts, NULL);
		}
	}
	for (size_t i = 0; !ret && i < b->n; i++)
		if (mark[i] == SINK_MARK_REJECTED)
			ret = -EINVAL;
	free(mark);
	return ret;
}

int main(int argc, char **argv)
{
	struct sink s = { .ops = &dynamodb_sink_ops };
	struct record_batch *b = NULL;
	char err[512], line[1 << 16];
	struct config cfg;
	size_t total = 0;
	FILE *in;
	int ret = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: ddb_feed FILE [--set KEY=VALUE]...\n");
		return 2;
	}
	config_defaults(&cfg);
	for (int i = 2; i + 1 < argc; i += 2) {
		char key[128], *eq = strchr(argv[i + 1], '=');

		if (strcmp(argv[i], "--set") || !eq) {
			fprintf(stderr, "ddb_feed: bad argument %s\n", argv[i]);
			return 2;
		}
		snprintf(key, sizeof(key), "%.*s", (int)(eq - argv[i + 1]), argv[i + 1]);
		if (config_set(&cfg, key, eq + 1, false, err, sizeof(err))) {
			fprintf(stderr, "ddb_feed: %s\n", err);
			return 2;
		}
	}
	in = fopen(argv[1], "r");
	s.priv = calloc(1, s.ops->priv_size);
	if (!in || !s.priv || s.ops->init(&s, &cfg)) {
		fprintf(stderr, "ddb_feed: cannot start: %s\n", in ? s.errmsg : argv[1]);
		return 1;
	}
	while (!ret && fgets(line, sizeof(line), in)) {
		json_t *o = json_loads(line, 0, NULL);

		if (!o)
			continue;
		if (!b)
			b = record_batch__new(s.ops->max_batch_records);
		if (!b || record_batch__add(b, o)) {
			ret = -ENOMEM;
			break;
		}
		if (b->n == s.ops->max_batch_records) {
			total += b->n;
			ret = deliver(&s, b);
			record_batch__put(b);
			b = NULL;
		}
	}
	if (!ret && b && b->n) {
		total += b->n;
		ret = deliver(&s, b);
	}
	if (b)
		record_batch__put(b);
	if (!ret && s.ops->flush)
		s.ops->flush(&s);
	s.ops->destroy(&s);
	free(s.priv);
	fclose(in);
	if (ret) {
		fprintf(stderr, "ddb_feed: not delivered (%s): %s\n", strerror(-ret), s.errmsg);
		return 1;
	}
	printf("ddb_feed: %zu records delivered\n", total);
	return 0;
}
