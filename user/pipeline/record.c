// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Records and reference-counted record batches (record.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "user/pipeline/record.h"

void record_uuid(char *buf)
{
	unsigned char r[16];
	size_t got = 0;

	while (got < sizeof(r)) {
		ssize_t n = getrandom(r + got, sizeof(r) - got, 0);

		if (n <= 0) { /* never expected; fall back to the clock */
			struct timespec ts;

			clock_gettime(CLOCK_MONOTONIC, &ts);
			for (; got < sizeof(r); got++)
				r[got] = (unsigned char)(ts.tv_nsec >> (got % 8)) ^
					 (unsigned char)rand();
			break;
		}
		got += (size_t)n;
	}
	r[6] = (r[6] & 0x0f) | 0x40;
	r[8] = (r[8] & 0x3f) | 0x80;
	snprintf(buf, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12],
		 r[13], r[14], r[15]);
}

int64_t record_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

json_t *record_new(const char *type, const char *source, int64_t ts_ms)
{
	char id[40];

	record_uuid(id);
	return json_pack("{s:s,s:I,s:s,s:s}", "id", id, "timestamp", (json_int_t)ts_ms, "type",
			 type, "source", source);
}

struct record_batch *record_batch__new(size_t cap)
{
	struct record_batch *b = calloc(1, sizeof(*b));

	if (!b)
		return NULL;
	if (cap < 8)
		cap = 8;
	b->recs = calloc(cap, sizeof(*b->recs));
	if (!b->recs) {
		free(b);
		errno = ENOMEM;
		return NULL;
	}
	b->cap = cap;
	b->refcnt = 1;
	return b;
}

static void record_fill_common(struct record *r)
{
	const char *s;

	s = json_string_value(json_object_get(r->obj, "type"));
	snprintf(r->type, sizeof(r->type), "%s", s ? s : "");
	s = json_string_value(json_object_get(r->obj, "id"));
	snprintf(r->id, sizeof(r->id), "%s", s ? s : "");
	s = json_string_value(json_object_get(r->obj, "source"));
	snprintf(r->source, sizeof(r->source), "%s", s ? s : "");
	r->ts_ms = json_integer_value(json_object_get(r->obj, "timestamp"));
}

int record_batch__add(struct record_batch *b, json_t *obj)
{
	struct record *r;

	if (b->n == b->cap) {
		struct record *n = realloc(b->recs, b->cap * 2 * sizeof(*n));

		if (!n) {
			json_decref(obj);
			return -ENOMEM;
		}
		memset(n + b->cap, 0, b->cap * sizeof(*n));
		b->recs = n;
		b->cap *= 2;
	}
	r = &b->recs[b->n];
	r->line = json_dumps(obj, JSON_COMPACT | JSON_REAL_PRECISION(10));
	if (!r->line) {
		json_decref(obj);
		return -ENOMEM;
	}
	r->len = strlen(r->line);
	r->obj = obj;
	record_fill_common(r);
	b->n++;
	return 0;
}

struct record_batch *record_batch__get(struct record_batch *b)
{
	__atomic_add_fetch(&b->refcnt, 1, __ATOMIC_RELAXED);
	return b;
}

void record_clear(struct record *r)
{
	json_decref(r->obj);
	free(r->line);
	memset(r, 0, sizeof(*r));
}

void record_batch__put(struct record_batch *b)
{
	if (!b || __atomic_sub_fetch(&b->refcnt, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	for (size_t i = 0; i < b->n; i++)
		record_clear(&b->recs[i]);
	free(b->recs);
	free(b);
}

int record_from_line(struct record *r, const char *line, size_t len)
{
	json_error_t jerr;

	memset(r, 0, sizeof(*r));
	r->obj = json_loadb(line, len, 0, &jerr);
	if (!r->obj || !json_is_object(r->obj) || !json_object_get(r->obj, "type")) {
		json_decref(r->obj);
		r->obj = NULL;
		return -EINVAL;
	}
	r->line = json_dumps(r->obj, JSON_COMPACT | JSON_REAL_PRECISION(10));
	if (!r->line) {
		json_decref(r->obj);
		r->obj = NULL;
		return -ENOMEM;
	}
	r->len = strlen(r->line);
	record_fill_common(r);
	return 0;
}
