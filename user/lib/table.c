// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Open-addressing hash table with a bounded probe window (table.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "user/lib/table.h"

struct table {
	const struct table_type *type;
	uint32_t mask, n;
	uint32_t *slot_e; /* per slot: its entry's index + 1, 0 when free */
	uint32_t *hashes; /* per slot: the entry's hash */
	uint32_t *e_slot; /* per entry: the slot that holds it */
	uint32_t *free_e; /* entries freed by deletes, reused first (LIFO) */
	uint32_t nfree;	  /* in free_e */
	uint32_t fresh;	  /* entries [fresh, cap) never used yet */
	uint32_t reach;	  /* a key is at most reach - 1 slots from its home */
	char *e;	  /* cap * entry_size, untouched past fresh */
};

uint32_t table_hash_id32(const void *key)
{
	uint32_t id;

	memcpy(&id, key, sizeof(id));
	return hash_u32(id);
}

struct table *table__new(const struct table_type *type, uint32_t cap)
{
	struct table *t;

	if (!cap || (cap & (cap - 1)) || !type->probe || type->probe > cap || !type->hash ||
	    type->key_offset + type->key_size > type->entry_size) {
		errno = EINVAL;
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->type = type;
	t->mask = cap - 1;
	t->slot_e = calloc(cap, sizeof(*t->slot_e));
	t->hashes = calloc(cap, sizeof(*t->hashes));
	t->e_slot = calloc(cap, sizeof(*t->e_slot));
	t->free_e = calloc(cap, sizeof(*t->free_e));
	t->e = calloc(cap, type->entry_size);
	if (!t->slot_e || !t->hashes || !t->e_slot || !t->free_e || !t->e) {
		table__free(t);
		errno = ENOMEM;
		return NULL;
	}
	return t;
}

void table__free(struct table *t)
{
	if (!t)
		return;
	free(t->slot_e);
	free(t->hashes);
	free(t->e_slot);
	free(t->free_e);
	free(t->e);
	free(t);
}

static void *entry(const struct table *t, uint32_t idx)
{
	return t->e + (size_t)idx * t->type->entry_size;
}

/* The entry slot s holds (s taken). */
static void *slot(const struct table *t, uint32_t s)
{
	return entry(t, t->slot_e[s] - 1);
}

static bool key_match(const struct table *t, const void *entry, const void *key)
{
	const struct table_type *ty = t->type;
	const char *ek = (const char *)entry + ty->key_offset;

	if (ty->match)
		return ty->match(entry, key);
	if (ty->key_size == sizeof(uint32_t)) { /* pid tables: no call per lookup */
		uint32_t a, b;

		memcpy(&a, ek, sizeof(a));
		memcpy(&b, key, sizeof(b));
		return a == b;
	}
	return !memcmp(ek, key, ty->key_size);
}

/* The slot of key in its window, or -1. */
static int64_t lookup(const struct table *t, const void *key, uint32_t h)
{
	for (uint32_t i = 0; i < t->reach; i++) { /* not the whole window: few tables fill it */
		uint32_t s = (h + i) & t->mask;

		if (t->slot_e[s] && t->hashes[s] == h && key_match(t, slot(t, s), key))
			return s;
	}
	return -1;
}

void *table__find(const struct table *t, const void *key)
{
	int64_t s = lookup(t, key, t->type->hash(key));

	return s < 0 ? NULL : slot(t, (uint32_t)s);
}

/* The slot a new key takes: the first free one of its window, else (an
 * evicting type) the victim; -1 when full. */
static int64_t place(const struct table *t, uint32_t h)
{
	const struct table_type *ty = t->type;
	uint32_t victim = h & t->mask;

	for (uint32_t i = 0; i < ty->probe; i++)
		if (!t->slot_e[(h + i) & t->mask])
			return (h + i) & t->mask;
	if (!ty->evict)
		return -1;
	for (uint32_t i = 1; ty->evict_before && i < ty->probe; i++) {
		uint32_t s = (h + i) & t->mask;

		if (ty->evict_before(slot(t, s), slot(t, victim)))
			victim = s;
	}
	return victim;
}

void *table__insert(struct table *t, const void *key, enum table_result *res)
{
	const struct table_type *ty = t->type;
	uint32_t h = ty->hash(key);
	int64_t s = lookup(t, key, h);
	enum table_result r = TABLE_FOUND;
	uint32_t off;
	char *e;

	if (s < 0) {
		s = place(t, h);
		if (s < 0) {
			if (res)
				*res = TABLE_FULL;
			return NULL;
		}
		if (t->slot_e[s]) {
			r = TABLE_EVICTED; /* the victim's entry takes the new key */
		} else {
			r = TABLE_ADDED;
			t->slot_e[s] = (t->nfree ? t->free_e[--t->nfree] : t->fresh++) + 1;
			t->e_slot[t->slot_e[s] - 1] = (uint32_t)s;
			t->n++;
		}
		t->hashes[s] = h;
		off = ((uint32_t)s - h) & t->mask; /* from the key's home slot */
		if (off >= t->reach)
			t->reach = off + 1;
		e = slot(t, (uint32_t)s);
		memset(e, 0, ty->entry_size);
		if (ty->set_key)
			ty->set_key(e, key);
		else
			memcpy(e + ty->key_offset, key, ty->key_size);
	}
	if (res)
		*res = r;
	return slot(t, (uint32_t)s);
}

static uint32_t index_of(const struct table *t, const void *e)
{
	return (uint32_t)(((const char *)e - t->e) / t->type->entry_size);
}

void table__delete(struct table *t, void *e)
{
	uint32_t idx = index_of(t, e), s = t->e_slot[idx];

	if (t->slot_e[s] == idx + 1) {
		t->slot_e[s] = 0;
		t->free_e[t->nfree++] = idx;
		t->n--;
	}
}

void table__clear(struct table *t)
{
	memset(t->slot_e, 0, ((size_t)t->mask + 1) * sizeof(*t->slot_e));
	t->n = t->nfree = t->fresh = t->reach = 0;
}

void *table__next(const struct table *t, const void *prev)
{
	for (uint32_t s = prev ? t->e_slot[index_of(t, prev)] + 1 : 0; s <= t->mask; s++)
		if (t->slot_e[s])
			return slot(t, s);
	return NULL;
}

uint32_t table__count(const struct table *t)
{
	return t->n;
}

uint32_t table__touched(const struct table *t)
{
	return t->fresh;
}

uint32_t table__cap(const struct table *t)
{
	return t->mask + 1;
}
