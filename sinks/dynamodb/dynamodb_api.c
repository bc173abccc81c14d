// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* DynamoDB items, BatchWriteItem body and answer (dynamodb_api.h). */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sinks/dynamodb/dynamodb_api.h"

/* Messages are cut to their buffers on purpose. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wformat-truncation"
#endif

json_t *ddb_attr(json_t *v)
{
	char num[64];
	json_t *out, *inner;

	switch (json_typeof(v)) {
	case JSON_STRING:
		return json_pack("{s:s%}", "S", json_string_value(v), json_string_length(v));
	case JSON_INTEGER:
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return json_pack("{s:s}", "N", num);
	case JSON_REAL: {
		double d = json_real_value(v);

		if (!isfinite(d))
			return json_pack("{s:b}", "NULL", 1);
		/* the shortest form that reads back as the same double */
		snprintf(num, sizeof(num), "%.15g", d);
		if (strtod(num, NULL) != d)
			snprintf(num, sizeof(num), "%.17g", d);
		return json_pack("{s:s}", "N", num);
	}
	case JSON_TRUE:
	case JSON_FALSE:
		return json_pack("{s:b}", "BOOL", json_is_true(v));
	case JSON_NULL:
		return json_pack("{s:b}", "NULL", 1);
	case JSON_OBJECT: {
		const char *k;
		json_t *e;

		inner = json_object();
		if (!inner)
			return NULL;
		json_object_foreach(v, k, e) {
			json_t *a = ddb_attr(e);

			if (!a || json_object_set_new(inner, k, a)) {
				json_decref(inner);
				return NULL;
			}
		}
		out = json_pack("{s:o}", "M", inner);
		return out;
	}
	case JSON_ARRAY: {
		size_t i;
		json_t *e;

		inner = json_array();
		if (!inner)
			return NULL;
		json_array_foreach(v, i, e) {
			json_t *a = ddb_attr(e);

			if (!a || json_array_append_new(inner, a)) {
				json_decref(inner);
				return NULL;
			}
		}
		return json_pack("{s:o}", "L", inner);
	}
	}
	return NULL;
}

static uint64_t fnv1a(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

void ddb_sort_key(const struct record *r, unsigned bump, char *out, size_t len)
{
	uint64_t h = r->id[0] ? fnv1a(r->id, strlen(r->id)) : fnv1a(r->line, r->len);
	uint64_t frac = (h + bump) % 1000000000000000ull; /* 15 digits */
	int n = snprintf(out, len, "%" PRId64 ".%015" PRIu64, r->ts_ms, frac);

	while (n > 0 && out[n - 1] == '0')
		out[--n] = '\0';
	if (n > 0 && out[n - 1] == '.')
		out[--n] = '\0';
}

json_t *ddb_item(const struct record *r, int ttl_days, unsigned bump)
{
	json_t *item = json_object(), *v;
	char key[600], sk[64], num[32];
	const char *k;

	if (!item)
		return NULL;
	json_object_foreach(r->obj, k, v) {
		json_t *a;

		if (!strcmp(k, "id") || !strcmp(k, "timestamp"))
			continue;
		a = ddb_attr(v);
		if (!a || json_object_set_new(item, k, a))
			goto fail;
	}
	snprintf(key, sizeof(key), "%s#%s", r->source, r->type);
	ddb_sort_key(r, bump, sk, sizeof(sk));
	if (json_object_set_new(item, "id", json_pack("{s:s}", "S", key)) ||
	    json_object_set_new(item, "timestamp", json_pack("{s:s}", "N", sk)) ||
	    json_object_set_new(item, "record_id", json_pack("{s:s}", "S", r->id)))
		goto fail;
	if (ttl_days > 0) {
		snprintf(num, sizeof(num), "%" PRId64, r->ts_ms / 1000 + (int64_t)ttl_days * 86400);
		if (json_object_set_new(item, "expires_at", json_pack("{s:s}", "N", num)))
			goto fail;
	}
	return item;
fail:
	json_decref(item);
	return NULL;
}

static size_t num_size(const char *s)
{
	size_t digits = 0;

	for (; *s && *s != 'e' && *s != 'E'; s++)
		digits += *s >= '0' && *s <= '9';
	return (digits + 1) / 2 + 1;
}

static size_t attr_size(json_t *a)
{
	const char *t;
	json_t *v;

	json_object_foreach(a, t, v) {
		if (!strcmp(t, "S"))
			return json_string_length(v);
		if (!strcmp(t, "N"))
			return num_size(json_string_value(v));
		if (!strcmp(t, "BOOL") || !strcmp(t, "NULL"))
			return 1;
		if (!strcmp(t, "M")) {
			const char *k;
			json_t *e;
			size_t n = 3;

			json_object_foreach(v, k, e)
				n += strlen(k) + attr_size(e) + 1;
			return n;
		}
		if (!strcmp(t, "L")) {
			size_t i, n = 3;
			json_t *e;

			json_array_foreach(v, i, e)
				n += attr_size(e) + 1;
			return n;
		}
	}
	return 0;
}

size_t ddb_item_size(json_t *item)
{
	const char *k;
	json_t *v;
	size_t n = 0;

	json_object_foreach(item, k, v)
		n += strlen(k) + attr_size(v);
	return n;
}

char *ddb_batch_body(const char *table, const struct record_batch *b, int ttl_days,
		     unsigned char *mark, size_t *len)
{
	json_t *reqs = json_array(), *body = NULL;
	char **keys = calloc(b->n + 1, sizeof(*keys));
	char *out = NULL;

	if (!reqs || !keys)
		goto out;
	for (size_t i = 0; i < b->n; i++) {
		const struct record *r = &b->recs[i];
		unsigned bump = 0;
		bool dup = false;
		json_t *item;
		char sk[64];

		if (mark[i])
			continue;
		for (size_t j = 0; j < i && !dup; j++)
			dup = keys[j] && !mark[j] && !strcmp(b->recs[j].id, r->id) &&
			      !strcmp(b->recs[j].source, r->source) &&
			      !strcmp(b->recs[j].type, r->type);
		if (dup) {
			mark[i] = 1; /* the same record twice: one copy goes */
			continue;
		}
		for (;;) {
			bool clash = false;

			ddb_sort_key(r, bump, sk, sizeof(sk));
			for (size_t j = 0; j < i && !clash; j++)
				clash = keys[j] && !strcmp(keys[j], sk) &&
					!strcmp(b->recs[j].source, r->source) &&
					!strcmp(b->recs[j].type, r->type);
			if (!clash)
				break;
			bump++;
		}
		keys[i] = strdup(sk);
		item = ddb_item(r, ttl_days, bump);
		if (!keys[i] || !item ||
		    json_array_append_new(reqs, json_pack("{s:{s:o}}", "PutRequest", "Item", item)))
			goto out;
	}
	body = json_pack("{s:{s:O}}", "RequestItems", table, reqs);
	if (!body)
		goto out;
	out = json_dumps(body, JSON_COMPACT | JSON_REAL_PRECISION(17));
	if (out)
		*len = strlen(out);
out:
	for (size_t i = 0; keys && i < b->n; i++)
		free(keys[i]);
	free(keys);
	json_decref(reqs);
	json_decref(body);
	return out;
}

int ddb_parse_unprocessed(const char *resp, size_t len, const char *table,
			  const struct record_batch *b, unsigned char *mark, size_t *unprocessed)
{
	json_t *o = json_loadb(resp, len, 0, NULL);
	json_t *list = json_object_get(json_object_get(o, "UnprocessedItems"), table);
	unsigned char *keep = calloc(b->n + 1, 1);
	json_t *e;
	size_t i;
	int ret = -EPROTO;

	*unprocessed = 0;
	if (!o || !keep)
		goto out;
	json_array_foreach(list, i, e) {
		const char *rid = json_string_value(json_object_get(
			json_object_get(json_object_get(json_object_get(e, "PutRequest"), "Item"),
					"record_id"),
			"S"));
		bool found = false;

		for (size_t k = 0; rid && k < b->n; k++) {
			if (!mark[k] && !strcmp(b->recs[k].id, rid)) {
				keep[k] = 1;
				found = true;
			}
		}
		if (!found)
			goto out;
		(*unprocessed)++;
	}
	for (i = 0; i < b->n; i++)
		if (!mark[i] && !keep[i])
			mark[i] = 1;
	ret = 0;
out:
	free(keep);
	json_decref(o);
	return ret;
}

int64_t ddb_registry_key(const char *source)
{
	return (int64_t)(fnv1a(source, strlen(source)) & ((1ull << 53) - 1));
}

json_t *ddb_registry_item(const char *source, int64_t now_ms, const char *address,
			  const char *version, json_t *latest, int ttl_days)
{
	json_t *item = json_object(), *m = json_object(), *v;
	char num[32];
	const char *k;

	if (!item || !m)
		goto fail;
	json_object_foreach(latest, k, v) {
		if (json_is_string(v) &&
		    json_object_set_new(m, k, json_pack("{s:s}", "S", json_string_value(v))))
			goto fail;
	}
	snprintf(num, sizeof(num), "%" PRId64, ddb_registry_key(source));
	if (json_object_set_new(item, "id", json_pack("{s:s}", "S", DDB_REGISTRY_ID)) ||
	    json_object_set_new(item, "timestamp", json_pack("{s:s}", "N", num)))
		goto fail;
	/* "o" steals m, on failure too */
	if (json_object_set_new(item, "latest", json_pack("{s:o}", "M", m)))
		goto fail_item;
	snprintf(num, sizeof(num), "%" PRId64, now_ms);
	if (json_object_set_new(item, "source", json_pack("{s:s}", "S", source)) ||
	    json_object_set_new(item, "last_seen", json_pack("{s:s}", "N", num)) ||
	    json_object_set_new(item, "address", json_pack("{s:s}", "S", address ? address : "")) ||
	    json_object_set_new(item, "version", json_pack("{s:s}", "S", version ? version : "")))
		goto fail_item;
	if (ttl_days > 0) {
		snprintf(num, sizeof(num), "%" PRId64, now_ms / 1000 + (int64_t)ttl_days * 86400);
		if (json_object_set_new(item, "expires_at", json_pack("{s:s}", "N", num)))
			goto fail_item;
	}
	return item;
fail:
	json_decref(m);
fail_item:
	json_decref(item);
	return NULL;
}

static json_t *plain_number(const char *s)
{
	char *end;
	long long ll;

	if (!s || !*s)
		return NULL;
	errno = 0;
	ll = strtoll(s, &end, 10);
	if (!*end && !errno)
		return json_integer(ll);
	double d = strtod(s, &end);

	if (*end || !isfinite(d))
		return NULL;
	return json_real(d);
}

static json_t *plain_list(json_t *v, bool numbers)
{
	json_t *out = json_array(), *e;
	size_t i;

	if (!out || !json_is_array(v))
		goto fail;
	json_array_foreach(v, i, e) {
		json_t *p = numbers ? plain_number(json_string_value(e)) : ddb_plain(e);

		if (!p || json_array_append_new(out, p))
			goto fail;
	}
	return out;
fail:
	json_decref(out);
	return NULL;
}

json_t *ddb_plain(json_t *attr)
{
	const char *t;
	json_t *v;

	if (!json_is_object(attr) || json_object_size(attr) != 1)
		return NULL;
	json_object_foreach(attr, t, v) {
		if (!strcmp(t, "S") && json_is_string(v))
			return json_stringn(json_string_value(v), json_string_length(v));
		if (!strcmp(t, "N"))
			return plain_number(json_string_value(v));
		if (!strcmp(t, "BOOL") && json_is_boolean(v))
			return json_boolean(json_is_true(v));
		if (!strcmp(t, "NULL"))
			return json_null();
		if (!strcmp(t, "M"))
			return ddb_plain_item(v);
		if (!strcmp(t, "L"))
			return plain_list(v, false);
		if (!strcmp(t, "NS"))
			return plain_list(v, true);
		if (!strcmp(t, "SS") && json_is_array(v))
			return json_deep_copy(v);
	}
	return NULL;
}

json_t *ddb_plain_item(json_t *item)
{
	json_t *out = json_object(), *v;
	const char *k;

	if (!out || !json_is_object(item))
		goto fail;
	json_object_foreach(item, k, v) {
		json_t *p = ddb_plain(v);

		if (!p || json_object_set_new(out, k, p))
			goto fail;
	}
	return out;
fail:
	json_decref(out);
	return NULL;
}
