// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * DESIGN: sets of WAYS entries in a table.h table; a head hashes (8 bytes at
 * a time, seeded per process so nobody can aim heads at one set) to a set,
 * an entry matches on hash, length and bytes. A miss takes a free entry of
 * the set, else the one used least recently (a stamp per lookup). Owned by
 * the processor thread: no locks.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "user/http/http_intern.h"
#include "user/lib/table.h"
#include "bpf/http/http.h"

#define WAYS 4

struct slot {
	uint64_t used;			/* lookup stamp: least recent goes first */
	uint16_t len;			/* the key: head[0..len) */
	char head[HL_HTTP_REQ_HEAD];
	struct http_interned v;
};

struct http_intern {
	struct table *slots;		/* struct slot, sets of WAYS (slot_type) */
	uint64_t seed, clock;
	struct http_intern_stats st;
};

/* The bytes looked up, and the table's seed they hash with. */
struct head_key {
	uint64_t seed;
	const char *head;
	size_t len;
};

static uint32_t slot_hash(const void *key);
static bool slot_match(const void *entry, const void *key);
static void slot_set_key(void *entry, const void *key);

static bool slot_older(const void *a, const void *b)
{
	return ((const struct slot *)a)->used < ((const struct slot *)b)->used;
}

/* A head's home is the first slot of its set of WAYS, so its window is the
 * set; a full set gives up its least recently used slot. */
static const struct table_type slot_type = {
	.entry_size = sizeof(struct slot),
	.probe = WAYS,
	.hash = slot_hash,
	.match = slot_match,
	.set_key = slot_set_key,
	.evict = true,
	.evict_before = slot_older,
};

struct http_intern *http_intern__new(unsigned int slots)
{
	struct http_intern *t = calloc(1, sizeof(*t));
	uint64_t sets = 1;

	if (!t)
		return NULL;
	while (sets * WAYS < slots)
		sets <<= 1;
	t->slots = table__new(&slot_type, (uint32_t)(sets * WAYS));
	if (!t->slots) {
		free(t);
		return NULL;
	}
	if (getrandom(&t->seed, sizeof(t->seed), GRND_NONBLOCK) != sizeof(t->seed))
		t->seed = (uint64_t)(uintptr_t)t ^ 0x9e3779b97f4a7c15ull;
	return t;
}

void http_intern__free(struct http_intern *t)
{
	if (!t)
		return;
	table__free(t->slots);
	free(t);
}

static uint64_t mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return h;
}

static uint64_t head_hash(uint64_t seed, const char *p, size_t len)
{
	uint64_t h = seed ^ (len * 0x9e3779b97f4a7c15ull), w;
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		memcpy(&w, p + i, 8);
		h = (h ^ w) * 0x100000001b3ull;
		h ^= h >> 29;
	}
	w = 0;
	memcpy(&w, p + i, len - i);
	return mix(h ^ w);
}

static uint32_t slot_hash(const void *key)
{
	const struct head_key *k = key;

	return (uint32_t)head_hash(k->seed, k->head, k->len) * WAYS;
}

static bool slot_match(const void *entry, const void *key)
{
	const struct slot *s = entry;
	const struct head_key *k = key;

	return s->len == k->len && !memcmp(s->head, k->head, k->len);
}

static void slot_set_key(void *entry, const void *key)
{
	struct slot *s = entry;
	const struct head_key *k = key;

	s->len = (uint16_t)k->len;
	memcpy(s->head, k->head, k->len);
}

struct http_interned *http_intern__find(struct http_intern *t, const char *head, size_t len,
					bool *hit)
{
	struct head_key k = { .seed = t->seed, .head = head, .len = len };
	enum table_result r;
	struct slot *s;

	if (k.len > HL_HTTP_REQ_HEAD)
		k.len = HL_HTTP_REQ_HEAD;
	t->clock++;
	s = table__insert(t->slots, &k, &r);	/* never full: the set evicts */
	s->used = t->clock;
	*hit = r == TABLE_FOUND;
	if (*hit)
		t->st.hits++;
	else
		t->st.misses++;
	t->st.evictions += r == TABLE_EVICTED;
	return &s->v;
}

void http_intern__stats(const struct http_intern *t, struct http_intern_stats *out)
{
	*out = t->st;
}
