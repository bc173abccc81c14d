// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * DESIGN: sets of WAYS entries in a table.h table, keyed by the hash BPF
 * gave the head (seeded at load with a random value, targ_head_seed, so a
 * peer cannot aim two heads at one hash); the set is chosen by that hash
 * mixed with a seed of our own. A new head takes a free entry of its set,
 * else the one used least recently (a stamp per lookup): the request that
 * names an evicted head is counted as lost and BPF is told to send the
 * head again (http_heads, heads_gen). Owned by the processor thread: no
 * locks.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "user/http/http_intern.h"
#include "user/lib/table.h"
#include "bpf/http/http.h"

#define WAYS 4

struct slot {
	uint64_t used; /* lookup stamp: least recent goes first */
	uint64_t hash; /* the key: the head's hash from BPF */
	struct http_interned v;
};

struct http_intern {
	struct table *slots; /* struct slot, sets of WAYS (slot_type) */
	uint64_t seed, clock;
	struct http_intern_stats st;
};

struct hash_key {
	uint64_t seed, hash;
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

static uint32_t slot_hash(const void *key)
{
	const struct hash_key *k = key;

	return (uint32_t)hash_mix64(k->seed ^ k->hash) * WAYS;
}

static bool slot_match(const void *entry, const void *key)
{
	return ((const struct slot *)entry)->hash == ((const struct hash_key *)key)->hash;
}

static void slot_set_key(void *entry, const void *key)
{
	((struct slot *)entry)->hash = ((const struct hash_key *)key)->hash;
}

struct http_interned *http_intern__put(struct http_intern *t, uint64_t hash, bool *fresh)
{
	struct hash_key k = { .seed = t->seed, .hash = hash };
	enum table_result r;
	struct slot *s;

	t->clock++;
	s = table__insert(t->slots, &k, &r); /* never full: the set evicts */
	s->used = t->clock;
	*fresh = r != TABLE_FOUND;
	if (*fresh)
		memset(&s->v, 0, sizeof(s->v));
	t->st.heads++;
	t->st.evictions += r == TABLE_EVICTED;
	return &s->v;
}

struct http_interned *http_intern__get(struct http_intern *t, uint64_t hash)
{
	struct hash_key k = { .seed = t->seed, .hash = hash };
	struct slot *s = table__find(t->slots, &k);

	if (!s) {
		t->st.misses++;
		return NULL;
	}
	s->used = ++t->clock;
	t->st.hits++;
	return &s->v;
}

void http_intern__stats(const struct http_intern *t, struct http_intern_stats *out)
{
	*out = t->st;
}
