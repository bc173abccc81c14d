// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * DESIGN: see state.h. Writers: the processor thread. Readers: the web
 * thread (and tests). Topic and series tables are small fixed arrays found
 * by linear scan (a few dozen names); the update ring keeps STATE_UPDATES.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "user/pipeline/state.h"

#define STATE_TOPICS 64
#define STATE_SERIES 128
#define STATE_POINTS 3600
#define STATE_UPDATES 600
/* bytes the update ring may hold: at 40k requests/s each second's update
 * carries ~200 requests (60-80 KB), and 600 of them would be 48 MB */
#define STATE_UPDATE_BYTES (4u << 20)

struct topic {
	char name[48];
	struct blob *blob;
};

struct series {
	char name[64];
	int64_t ts[STATE_POINTS];
	double v[STATE_POINTS];
	size_t head, n;
};

struct state {
	pthread_mutex_t lock; /* topics and updates */
	struct topic topics[STATE_TOPICS];
	pthread_mutex_t series_lock;
	struct series *series[STATE_SERIES];
	/* updates first_kept .. next_update_id - 1, update id at [id % STATE_UPDATES] */
	struct blob *updates[STATE_UPDATES];
	uint64_t first_kept, next_update_id;
	size_t update_bytes; /* theirs: at most STATE_UPDATE_BYTES, or the newest alone */
	int ready;
};

struct blob *blob__new(const char *data, size_t len)
{
	struct blob *b = malloc(sizeof(*b) + len + 1);

	if (!b)
		return NULL;
	b->refcnt = 1;
	b->len = len;
	memcpy(b->data, data, len);
	b->data[len] = '\0';
	return b;
}

struct blob *blob__get(struct blob *b)
{
	if (b)
		__atomic_add_fetch(&b->refcnt, 1, __ATOMIC_RELAXED);
	return b;
}

void blob__put(struct blob *b)
{
	if (b && __atomic_sub_fetch(&b->refcnt, 1, __ATOMIC_ACQ_REL) == 0)
		free(b);
}

struct state *state__new(void)
{
	struct state *st = calloc(1, sizeof(*st));

	if (!st)
		return NULL;
	pthread_mutex_init(&st->lock, NULL);
	pthread_mutex_init(&st->series_lock, NULL);
	st->first_kept = st->next_update_id = 1;
	return st;
}

void state__free(struct state *st)
{
	if (!st)
		return;
	for (int i = 0; i < STATE_TOPICS; i++)
		blob__put(st->topics[i].blob);
	for (int i = 0; i < STATE_SERIES; i++)
		free(st->series[i]);
	for (int i = 0; i < STATE_UPDATES; i++)
		blob__put(st->updates[i]);
	pthread_mutex_destroy(&st->lock);
	pthread_mutex_destroy(&st->series_lock);
	free(st);
}

static struct blob *blob_from_json(json_t *doc)
{
	char *s = json_dumps(doc, JSON_COMPACT | JSON_REAL_PRECISION(10));
	struct blob *b;

	if (!s)
		return NULL;
	b = blob__new(s, strlen(s));
	free(s);
	return b;
}

static int publish_blob(struct state *st, const char *topic, struct blob *b)
{
	struct blob *old = NULL;
	int i, free_slot = -1;

	if (!b)
		return -ENOMEM;
	pthread_mutex_lock(&st->lock);
	for (i = 0; i < STATE_TOPICS; i++) {
		if (st->topics[i].name[0] && !strcmp(st->topics[i].name, topic))
			break;
		if (!st->topics[i].name[0] && free_slot < 0)
			free_slot = i;
	}
	if (i == STATE_TOPICS) {
		if (free_slot < 0) {
			pthread_mutex_unlock(&st->lock);
			blob__put(b);
			return -ENOSPC;
		}
		i = free_slot;
		strncpy(st->topics[i].name, topic, sizeof(st->topics[i].name) - 1);
	}
	old = st->topics[i].blob;
	st->topics[i].blob = b;
	pthread_mutex_unlock(&st->lock);
	blob__put(old);
	return 0;
}

int state__publish(struct state *st, const char *topic, json_t *doc)
{
	struct blob *b = blob_from_json(doc);

	json_decref(doc);
	return publish_blob(st, topic, b);
}

int state__publish_text(struct state *st, const char *topic, const char *text, size_t len)
{
	return publish_blob(st, topic, blob__new(text, len));
}

struct blob *state__get(struct state *st, const char *topic)
{
	struct blob *b = NULL;

	pthread_mutex_lock(&st->lock);
	for (int i = 0; i < STATE_TOPICS; i++) {
		if (st->topics[i].name[0] && !strcmp(st->topics[i].name, topic)) {
			b = blob__get(st->topics[i].blob);
			break;
		}
	}
	pthread_mutex_unlock(&st->lock);
	return b;
}

static struct series *series_find(struct state *st, const char *metric, bool create)
{
	for (int i = 0; i < STATE_SERIES; i++) {
		if (!st->series[i]) {
			if (!create)
				return NULL;
			st->series[i] = calloc(1, sizeof(struct series));
			if (!st->series[i])
				return NULL;
			strncpy(st->series[i]->name, metric, sizeof(st->series[i]->name) - 1);
			return st->series[i];
		}
		if (!strcmp(st->series[i]->name, metric))
			return st->series[i];
	}
	return NULL;
}

void state__series_push(struct state *st, const char *metric, int64_t ts_ms, double value)
{
	struct series *s;

	pthread_mutex_lock(&st->series_lock);
	s = series_find(st, metric, true);
	if (s) {
		s->ts[s->head] = ts_ms;
		s->v[s->head] = value;
		s->head = (s->head + 1) % STATE_POINTS;
		if (s->n < STATE_POINTS)
			s->n++;
	}
	pthread_mutex_unlock(&st->series_lock);
}

json_t *state__series_json(struct state *st, const char *metric, int64_t since_ms)
{
	json_t *doc = NULL, *pts;
	struct series *s;

	pthread_mutex_lock(&st->series_lock);
	s = series_find(st, metric, false);
	if (!s)
		goto out;
	pts = json_array();
	for (size_t k = 0; k < s->n; k++) {
		size_t i = (s->head + STATE_POINTS - s->n + k) % STATE_POINTS;

		if (s->ts[i] <= since_ms)
			continue;
		json_array_append_new(pts, json_pack("[I,f]", (json_int_t)s->ts[i], s->v[i]));
	}
	doc = json_pack("{s:s,s:o}", "metric", metric, "points", pts);
out:
	pthread_mutex_unlock(&st->series_lock);
	return doc;
}

json_t *state__series_names(struct state *st)
{
	json_t *arr = json_array();

	pthread_mutex_lock(&st->series_lock);
	for (int i = 0; i < STATE_SERIES && st->series[i]; i++)
		json_array_append_new(arr, json_string(st->series[i]->name));
	pthread_mutex_unlock(&st->series_lock);
	return arr;
}

uint64_t state__push_update(struct state *st, json_t *doc)
{
	struct blob *b = blob_from_json(doc);
	uint64_t id;

	json_decref(doc);
	if (!b)
		return 0;
	pthread_mutex_lock(&st->lock);
	id = st->next_update_id++;
	/* the oldest go first: past the ring's length or over its byte budget */
	while (st->first_kept < id && (id - st->first_kept >= STATE_UPDATES ||
				       st->update_bytes + b->len > STATE_UPDATE_BYTES)) {
		struct blob **old = &st->updates[st->first_kept++ % STATE_UPDATES];

		st->update_bytes -= (*old)->len;
		blob__put(*old); /* readers hold their own references */
		*old = NULL;
	}
	st->updates[id % STATE_UPDATES] = b;
	st->update_bytes += b->len;
	pthread_mutex_unlock(&st->lock);
	return id;
}

size_t state__updates_after(struct state *st, uint64_t after_id, struct blob **out, uint64_t *ids,
			    size_t max)
{
	size_t n = 0;

	pthread_mutex_lock(&st->lock);
	for (uint64_t id = after_id + 1 > st->first_kept ? after_id + 1 : st->first_kept;
	     id < st->next_update_id && n < max; id++) {
		out[n] = blob__get(st->updates[id % STATE_UPDATES]);
		ids[n++] = id;
	}
	pthread_mutex_unlock(&st->lock);
	return n;
}

uint64_t state__last_update_id(struct state *st)
{
	uint64_t id;

	pthread_mutex_lock(&st->lock);
	id = st->next_update_id - 1;
	pthread_mutex_unlock(&st->lock);
	return id;
}

size_t state__updates_bytes(struct state *st, size_t *count)
{
	size_t bytes;

	pthread_mutex_lock(&st->lock);
	bytes = st->update_bytes;
	if (count)
		*count = (size_t)(st->next_update_id - st->first_kept);
	pthread_mutex_unlock(&st->lock);
	return bytes;
}

void state__set_ready(struct state *st, bool ready)
{
	__atomic_store_n(&st->ready, ready ? 1 : 0, __ATOMIC_RELEASE);
}

bool state__ready(struct state *st)
{
	return __atomic_load_n(&st->ready, __ATOMIC_ACQUIRE);
}
