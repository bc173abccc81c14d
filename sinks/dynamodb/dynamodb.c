// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * DynamoDB sink: BatchWriteItem to one table. The engine cuts batches to 25
 * items and rejects items over 400 KB (measured as DynamoDB does); this file
 * sends one call and reports per record what was written, so only
 * UnprocessedItems are retried. A batch refused as invalid is tried item by
 * item so one bad record does not cost its 24 neighbours. With
 * --dynamodb-create-table the table (id S hash, timestamp N range,
 * PAY_PER_REQUEST) is created when missing, and TTL is turned on for
 * expires_at. After each delivered batch the host's registry item
 * (dynamodb_api.h, docs/sinks.md) is put when a newer record of a type came
 * (at most every DDB_REG_MIN_MS) or DDB_REG_HEARTBEAT_MS passed: one small
 * PutItem a flush, which lets `hostlens fleet` find hosts and their newest
 * items without a Scan. A failed registry put is logged and retried with
 * the next batch; it never holds records back. Runs on its own sink thread
 * only.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <jansson.h>

#include "sinks/sink.h"
#include "sinks/sink_util.h"
#include "sinks/aws/aws.h"
#include "sinks/dynamodb/dynamodb_api.h"

/* Messages are cut to their buffers on purpose. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wformat-truncation"
#endif

#define DDB_CT "application/x-amz-json-1.0"

#define DDB_REG_SOURCES 4 /* sources one agent writes (one, in practice) */
#define DDB_REG_TYPES 12  /* record types remembered per source */
#define DDB_REG_MIN_MS 5000
#define DDB_REG_HEARTBEAT_MS 60000

/* The newest record of each type a source delivered: its registry item. */
struct ddb_reg {
	char source[256];
	int n;
	char type[DDB_REG_TYPES][32];
	char sk[DDB_REG_TYPES][64];
	int64_t ts[DDB_REG_TYPES];
	bool dirty;	/* newer than what was put */
	int64_t put_ms; /* last put (CLOCK_MONOTONIC ms), 0: never */
};

struct ddb_sink {
	struct aws_client *aws;
	char table[CFG_STR];
	int ttl_days;
	bool create;
	bool ready;	       /* table known to exist (or creation not asked) */
	bool registry;	       /* keep the host registry item fresh */
	char address[CFG_STR]; /* --public-url, in the registry item */
	struct ddb_reg reg[DDB_REG_SOURCES];
	int nreg;
	uint64_t reg_puts, reg_errors;
	struct aws_buf resp;
};

/* One call; 0 with status and error type, or -EAGAIN (transport). */
static int ddb_call(struct sink *s, const char *op, const char *body, long *status, char *type,
		    size_t typelen)
{
	struct ddb_sink *d = s->priv;
	char target[96], err[512];
	int ret;

	snprintf(target, sizeof(target), "DynamoDB_20120810.%s", op);
	type[0] = '\0';
	ret = aws_client__call(d->aws, target, DDB_CT, body, strlen(body), status, &d->resp, err,
			       sizeof(err));
	if (ret) {
		snprintf(s->errmsg, sizeof(s->errmsg), "%s: %s", op, err);
		return -EAGAIN;
	}
	if (*status != 200)
		aws_error_type(d->resp.data, d->resp.len, type, typelen);
	return 0;
}

static int ddb_table_status(struct sink *s, char *st, size_t len)
{
	struct ddb_sink *d = s->priv;
	char body[400], type[128];
	long status;
	json_t *o;
	int ret;

	snprintf(body, sizeof(body), "{\"TableName\":\"%s\"}", d->table);
	ret = ddb_call(s, "DescribeTable", body, &status, type, sizeof(type));
	if (ret)
		return ret;
	if (status != 200) {
		if (!strcmp(type, "ResourceNotFoundException"))
			return -ENOENT;
		snprintf(s->errmsg, sizeof(s->errmsg), "DescribeTable %s: HTTP %ld %s", d->table,
			 status, type);
		return -EAGAIN;
	}
	o = json_loadb(d->resp.data, d->resp.len, 0, NULL);
	snprintf(st, len, "%s",
		 json_string_value(json_object_get(json_object_get(o, "Table"), "TableStatus")) ?:
												  "");
	json_decref(o);
	return 0;
}

static int ddb_ensure_table(struct sink *s)
{
	struct ddb_sink *d = s->priv;
	char st[32], body[1024], type[128];
	long status;
	int ret;

	ret = ddb_table_status(s, st, sizeof(st));
	if (ret == -ENOENT) {
		snprintf(
			body, sizeof(body),
			"{\"TableName\":\"%s\",\"BillingMode\":\"PAY_PER_REQUEST\","
			"\"AttributeDefinitions\":[{\"AttributeName\":\"id\",\"AttributeType\":\"S\"},"
			"{\"AttributeName\":\"timestamp\",\"AttributeType\":\"N\"}],"
			"\"KeySchema\":[{\"AttributeName\":\"id\",\"KeyType\":\"HASH\"},"
			"{\"AttributeName\":\"timestamp\",\"KeyType\":\"RANGE\"}]}",
			d->table);
		ret = ddb_call(s, "CreateTable", body, &status, type, sizeof(type));
		if (ret)
			return ret;
		if (status != 200 && strcmp(type, "ResourceInUseException")) {
			snprintf(s->errmsg, sizeof(s->errmsg), "CreateTable %s: HTTP %ld %s",
				 d->table, status, type);
			return -EAGAIN;
		}
		sink_log("dynamodb", "created table %s (on-demand)", d->table);
		st[0] = '\0';
	} else if (ret) {
		return ret;
	}
	for (int i = 0; i < 120 && strcmp(st, "ACTIVE"); i++) {
		struct timespec ts = { 0, 250 * 1000000 };

		if (i)
			nanosleep(&ts, NULL);
		ret = ddb_table_status(s, st, sizeof(st));
		if (ret && ret != -ENOENT)
			return ret;
	}
	if (strcmp(st, "ACTIVE")) {
		snprintf(s->errmsg, sizeof(s->errmsg), "table %s is not ACTIVE yet (%s)", d->table,
			 st);
		return -EAGAIN;
	}
	if (d->ttl_days > 0) {
		snprintf(body, sizeof(body),
			 "{\"TableName\":\"%s\",\"TimeToLiveSpecification\":{\"AttributeName\":"
			 "\"expires_at\",\"Enabled\":true}}",
			 d->table);
		if (!ddb_call(s, "UpdateTimeToLive", body, &status, type, sizeof(type)) &&
		    status != 200)
			sink_log("dynamodb", "UpdateTimeToLive %s: HTTP %ld %s (TTL not enabled)",
				 d->table, status, type);
	}
	d->ready = true;
	return 0;
}

static int ddb_init(struct sink *s, const struct config *cfg)
{
	struct ddb_sink *d = s->priv;
	char err[512];

	if (!cfg->dynamodb_table[0]) {
		snprintf(s->errmsg, sizeof(s->errmsg), "--dynamodb-table is empty");
		return -EINVAL;
	}
	snprintf(d->table, sizeof(d->table), "%s", cfg->dynamodb_table);
	d->ttl_days = cfg->dynamodb_ttl_days;
	d->registry = cfg->dynamodb_registry;
	snprintf(d->address, sizeof(d->address), "%s", cfg->public_url);
	d->create = cfg->dynamodb_create_table;
	d->ready = !d->create;
	d->aws = aws_client__new("dynamodb", err, sizeof(err));
	if (!d->aws) {
		int e = errno;

		snprintf(s->errmsg, sizeof(s->errmsg), "%s", err);
		return -e;
	}
	aws_client__set_abort(d->aws, &s->abort_at_ms);
	if (d->create && ddb_ensure_table(s))
		sink_log("dynamodb", "%s; will try again before the first write", s->errmsg);
	return 0;
}

static size_t ddb_cost(const struct sink *s, const struct record *r)
{
	const struct ddb_sink *d = s->priv;
	json_t *item = ddb_item(r, d->ttl_days, 0);
	size_t n = item ? ddb_item_size(item) : r->len;

	json_decref(item);
	return n;
}

/* One BatchWriteItem for the unmarked records of b. 0, -EAGAIN, -EINVAL. */
static int ddb_batch(struct sink *s, const struct record_batch *b, unsigned char *mark)
{
	struct ddb_sink *d = s->priv;
	char type[128];
	size_t len, unprocessed = 0;
	long status;
	char *body;
	int ret;

	body = ddb_batch_body(d->table, b, d->ttl_days, mark, &len);
	if (!body) {
		snprintf(s->errmsg, sizeof(s->errmsg), "BatchWriteItem: out of memory");
		return -EAGAIN;
	}
	ret = ddb_call(s, "BatchWriteItem", body, &status, type, sizeof(type));
	free(body);
	if (ret)
		return ret;
	if (status != 200) {
		snprintf(s->errmsg, sizeof(s->errmsg), "BatchWriteItem to table %s: HTTP %ld %s",
			 d->table, status, type);
		if (!strcmp(type, "ResourceNotFoundException") && d->create)
			d->ready = false;
		return aws_error_retryable(status, type) ? -EAGAIN : -EINVAL;
	}
	if (ddb_parse_unprocessed(d->resp.data, d->resp.len, d->table, b, mark, &unprocessed)) {
		snprintf(s->errmsg, sizeof(s->errmsg), "BatchWriteItem: unexpected answer");
		return -EAGAIN;
	}
	if (unprocessed) {
		size_t n = 0;

		for (size_t i = 0; i < b->n; i++)
			n += !mark[i];
		snprintf(s->errmsg, sizeof(s->errmsg), "BatchWriteItem: %zu/%zu UnprocessedItems",
			 unprocessed, n + 0);
		return -EAGAIN;
	}
	return 0;
}

static int ddb_write_items(struct sink *s, const struct record_batch *b);

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Remembers the newest delivered record of each type per source. */
static void reg_note(struct ddb_sink *d, const struct record_batch *b, const unsigned char *mark)
{
	for (size_t i = 0; i < b->n; i++) {
		const struct record *r = &b->recs[i];
		struct ddb_reg *g = NULL;
		int k;

		if (mark[i] == SINK_MARK_REJECTED)
			continue;
		for (int j = 0; j < d->nreg && !g; j++)
			if (!strcmp(d->reg[j].source, r->source))
				g = &d->reg[j];
		if (!g && d->nreg < DDB_REG_SOURCES) {
			g = &d->reg[d->nreg++];
			snprintf(g->source, sizeof(g->source), "%s", r->source);
		}
		if (!g)
			continue;
		for (k = 0; k < g->n && strcmp(g->type[k], r->type); k++)
			;
		if (k == g->n) {
			if (g->n == DDB_REG_TYPES)
				continue;
			snprintf(g->type[g->n++], sizeof(g->type[0]), "%s", r->type);
			g->ts[k] = -1;
		}
		if (r->ts_ms < g->ts[k])
			continue;
		g->ts[k] = r->ts_ms;
		ddb_sort_key(r, 0, g->sk[k], sizeof(g->sk[k]));
		g->dirty = true;
	}
}

/* PutItem of each registry item that is due (all that are dirty when
 * `now`). Failures are logged, never returned: the records are delivered
 * either way. */
static void reg_put(struct sink *s, bool now_all)
{
	struct ddb_sink *d = s->priv;
	int64_t now = mono_ms();

	for (int j = 0; j < d->nreg; j++) {
		struct ddb_reg *g = &d->reg[j];
		json_t *latest, *item, *body;
		char type[128], *txt;
		long status;
		int ret;

		if (now_all ? !g->dirty :
			      g->put_ms && !(g->dirty && now - g->put_ms >= DDB_REG_MIN_MS) &&
				      now - g->put_ms < DDB_REG_HEARTBEAT_MS)
			continue;
		latest = json_object();
		for (int k = 0; latest && k < g->n; k++)
			json_object_set_new(latest, g->type[k], json_string(g->sk[k]));
		item = ddb_registry_item(g->source, record_now_ms(), d->address, HOSTLENS_VERSION,
					 latest, d->ttl_days);
		json_decref(latest);
		body = item ? json_pack("{s:s,s:o}", "TableName", d->table, "Item", item) : NULL;
		txt = body ? json_dumps(body, JSON_COMPACT) : NULL;
		json_decref(body);
		if (!txt)
			return;
		ret = ddb_call(s, "PutItem", txt, &status, type, sizeof(type));
		free(txt);
		g->put_ms = now; /* tried: the next try waits DDB_REG_MIN_MS */
		if (!ret && status == 200) {
			g->dirty = false;
			d->reg_puts++;
			continue;
		}
		if (!d->reg_errors++ || !(d->reg_errors % 100))
			sink_log("dynamodb",
				 "registry item of %s not written (%s; %llu so far): "
				 "`hostlens fleet` sees this host late",
				 g->source, ret ? s->errmsg : type,
				 (unsigned long long)d->reg_errors);
		g->dirty = true;
	}
}

static int ddb_write(struct sink *s, const struct record_batch *b)
{
	struct ddb_sink *d = s->priv;
	int ret;

	if (!d->ready && (ret = ddb_ensure_table(s)))
		return -EAGAIN;
	ret = ddb_write_items(s, b);
	if (!ret && d->registry) {
		reg_note(d, b, s->mark);
		reg_put(s, false);
	}
	return ret;
}

static int ddb_write_items(struct sink *s, const struct record_batch *b)
{
	int ret;

	ret = ddb_batch(s, b, s->mark);
	if (ret != -EINVAL || b->n == 1)
		return ret;
	/* Invalid batch: find the record(s) at fault, one item a call. */
	for (size_t i = 0; i < b->n; i++) {
		struct record_batch one = { .recs = b->recs + i, .n = 1, .cap = 1, .refcnt = 1 };
		unsigned char m = s->mark[i];

		if (m)
			continue;
		ret = ddb_batch(s, &one, &m);
		if (ret == -EAGAIN)
			return ret;
		if (ret == -EINVAL) {
			sink_log("dynamodb", "record %s (%s) refused: %s", b->recs[i].id,
				 b->recs[i].type, s->errmsg);
			m = SINK_MARK_REJECTED;
		}
		s->mark[i] = m ? m : SINK_MARK_DONE;
	}
	return 0;
}

/* At stop: the registry item points at the last records delivered. */
static int ddb_flush(struct sink *s)
{
	struct ddb_sink *d = s->priv;

	if (d->registry && d->ready)
		reg_put(s, true);
	return 0;
}

static void ddb_destroy(struct sink *s)
{
	struct ddb_sink *d = s->priv;

	if (!d)
		return;
	aws_client__free(d->aws);
	aws_buf_free(&d->resp);
	d->aws = NULL;
}

/* Its rows of the option table (user/runtime/config.c merges them in). */
static const struct config_opt dynamodb_options[] = {
	{ "dynamodb-table", CONFIG_OPT_STR, CONFIG_FIELD(dynamodb_table), "analytics-data", "NAME",
	  "DynamoDB table" },
	{ "dynamodb-ttl-days", CONFIG_OPT_INT, CONFIG_FIELD(dynamodb_ttl_days), "30", "DAYS",
	  "expires_at = timestamp + DAYS (0: no TTL)", 0, 36500 },
	{ "dynamodb-create-table", CONFIG_OPT_BOOL, CONFIG_FIELD(dynamodb_create_table), "false",
	  "BOOL", "create the table if missing (on-demand)" },
	{ "dynamodb-registry", CONFIG_OPT_BOOL, CONFIG_FIELD(dynamodb_registry), "true", "BOOL",
	  "keep this host's registry item fresh (for `hostlens fleet`)" },
	{ NULL },
};

const struct sink_ops dynamodb_sink_ops = {
	.options = dynamodb_options,
	.name = "dynamodb",
	.priv_size = sizeof(struct ddb_sink),
	.init = ddb_init,
	.write = ddb_write,
	.flush = ddb_flush,
	.destroy = ddb_destroy,
	.max_batch_records = DDB_MAX_ITEMS,
	.max_batch_bytes = DDB_MAX_REQUEST,
	.max_record_bytes = DDB_MAX_ITEM_BYTES,
	.record_cost = ddb_cost,
};
