/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * One open-addressing hash table for the agent's bounded per-process,
 * per-route and per-peer state, configured once by a type (redis's dict.h
 * idea): entry size, where the key is, how it hashes and compares, how far a
 * key may land from its home slot, and what happens when those slots are all
 * taken.
 *
 * Capacity is fixed at creation (a power of two) and nothing grows: a key
 * lives in one of the `probe` slots from its home slot (hash & (cap - 1)),
 * linear. An insert takes the first free one; when there is none it either
 * fails (TABLE_FULL, which the caller counts as a drop) or, for a cache,
 * replaces one (TABLE_EVICTED). A delete frees the slot in place, so a
 * lookup cannot stop at a hole: it looks as far from the home slot as any
 * insert has put a key (at most the window; few tables ever fill theirs, a
 * route table's 128), and the table keeps each slot's hash so most of those
 * are one compare.
 *
 * Entries stay where they were put (no rehash, no moving on delete):
 * pointers to entries are good until that entry is deleted or evicted, and
 * deleting during iteration is fine (inserting is not: a reused entry moves
 * the cursor). Iteration is in slot order.
 *
 * The slots hold entry indexes; entries are taken from a dense array, a
 * deleted one reused first: the memory a table touches follows the most
 * entries it held at once, not how many keys came and went (a pid table
 * under process churn stays small although its pids hash all over).
 * Not thread-safe; one owner.
 */
#ifndef HOSTLENS_TABLE_H
#define HOSTLENS_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The one hash for 32-bit ids (pids, tgids): Knuth's multiplicative hash. */
static inline uint32_t hash_u32(uint32_t x)
{
	return x * 2654435761u;
}

/* Spreads a 64-bit key over all bits (MurmurHash3's finalizer, half). */
static inline uint64_t hash_mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	return x;
}

/* FNV-1a over n bytes, continuing from h (start with HASH_FNV_INIT). */
#define HASH_FNV_INIT 2166136261u
static inline uint32_t hash_bytes(uint32_t h, const void *p, size_t n)
{
	const unsigned char *s = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ s[i]) * 16777619u;
	return h;
}

struct table_type {
	size_t entry_size;	     /* bytes of an entry; the entry holds its key */
	size_t key_offset, key_size; /* the key inside an entry */
	uint32_t probe;		     /* slots a key may use from its home slot */
	uint32_t (*hash)(const void *key);
	/* optional: key equality (default: memcmp of key_size bytes), and
	 * writing the key into a new, zeroed entry (default: memcpy) */
	bool (*match)(const void *entry, const void *key);
	void (*set_key)(void *entry, const void *key);
	/* when a key's slots are all taken: false, the insert fails; true, it
	 * replaces the first of them, or the one evict_before prefers (true
	 * when entry a should go before entry b) */
	bool evict;
	bool (*evict_before)(const void *a, const void *b);
};

/* The hash of a key that is one uint32_t. */
uint32_t table_hash_id32(const void *key);

enum table_result {
	TABLE_FOUND,   /* the key was there */
	TABLE_ADDED,   /* a new, zeroed entry with the key */
	TABLE_EVICTED, /* a new entry in place of another key's (evicting types) */
	TABLE_FULL,    /* no room: NULL returned */
};

struct table;

/* A table of cap slots (a power of two, >= type->probe); NULL with errno
 * set (EINVAL, ENOMEM). type must outlive the table. */
struct table *table__new(const struct table_type *type, uint32_t cap);
void table__free(struct table *t);

/* The entry of key or NULL. */
void *table__find(const struct table *t, const void *key);

/* The entry of key, added when absent; *res (may be NULL) says which
 * enum table_result happened. NULL only for TABLE_FULL. */
void *table__insert(struct table *t, const void *key, enum table_result *res);

/* Frees an entry's slot (entry from find/insert/next). */
void table__delete(struct table *t, void *entry);

/* Empties the table. */
void table__clear(struct table *t);

/* Iteration in slot order: the entry after prev (NULL: the first), NULL at
 * the end. Deleting prev before the next call is fine. */
void *table__next(const struct table *t, const void *prev);

uint32_t table__count(const struct table *t); /* entries */
/* Entries ever in use at once since creation or the last clear: the part of
 * the entry array that memory holds. */
uint32_t table__touched(const struct table *t);
uint32_t table__cap(const struct table *t); /* slots */

#endif
