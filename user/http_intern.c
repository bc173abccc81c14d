// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * DESIGN: sets of WAYS entries; a head hashes (8 bytes at a time, seeded
 * per process so nobody can aim heads at one set) to a set, an entry
 * matches on hash, length and bytes. A miss takes the set's entry used
 * least recently (a stamp per lookup). Owned by the processor thread: no
 * locks.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "http_intern.h"

#define WAYS 4

struct slot {
	uint64_t hash;
	uint64_t used;			/* lookup stamp: least recent goes first */
	uint16_t len;
	bool live;
	char head[HL_HTTP_REQ_HEAD];
	struct http_interned v;
};

struct http_intern {
	struct slot *slots;
	uint64_t mask;			/* sets - 1 */
	uint64_t seed, clock;
	struct http_intern_stats st;
};

struct http_intern *http_intern__new(unsigned int slots)
{
	struct http_intern *t = calloc(1, sizeof(*t));
	uint64_t sets = 1;

	if (!t)
		return NULL;
	while (sets * WAYS < slots)
		sets <<= 1;
	t->slots = calloc(sets * WAYS, sizeof(*t->slots));
	if (!t->slots) {
		free(t);
		return NULL;
	}
	t->mask = sets - 1;
	if (getrandom(&t->seed, sizeof(t->seed), GRND_NONBLOCK) != sizeof(t->seed))
		t->seed = (uint64_t)(uintptr_t)t ^ 0x9e3779b97f4a7c15ull;
	return t;
}

void http_intern__free(struct http_intern *t)
{
	if (!t)
		return;
	free(t->slots);
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

struct http_interned *http_intern__find(struct http_intern *t, const char *head, size_t len,
					bool *hit)
{
	struct slot *set, *victim;
	uint64_t h;

	if (len > HL_HTTP_REQ_HEAD)
		len = HL_HTTP_REQ_HEAD;
	h = head_hash(t->seed, head, len);
	set = &t->slots[(h & t->mask) * WAYS];
	victim = set;
	t->clock++;
	for (int i = 0; i < WAYS; i++) {
		struct slot *s = &set[i];

		if (s->live && s->hash == h && s->len == len && !memcmp(s->head, head, len)) {
			s->used = t->clock;
			t->st.hits++;
			*hit = true;
			return &s->v;
		}
		if (!s->live || (victim->live && s->used < victim->used))
			victim = s;
	}
	t->st.misses++;
	t->st.evictions += victim->live;
	victim->live = true;
	victim->hash = h;
	victim->len = (uint16_t)len;
	victim->used = t->clock;
	memcpy(victim->head, head, len);
	memset(&victim->v, 0, sizeof(victim->v));
	*hit = false;
	return &victim->v;
}

void http_intern__stats(const struct http_intern *t, struct http_intern_stats *out)
{
	*out = t->st;
}
