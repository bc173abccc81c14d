// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* The generic open-addressing table (user/lib/table.h): keys found where they
 * were put, a full window refused or evicted as the type says, deletes
 * leaving holes that lookups see past, iteration in slot order. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "tests/unit/check.h"
#include "user/lib/table.h"

struct ent {
	uint32_t id;
	int64_t age;
};

static const struct table_type bounded = {
	.entry_size = sizeof(struct ent),
	.key_offset = offsetof(struct ent, id),
	.key_size = sizeof(uint32_t),
	.probe = 4,
	.hash = table_hash_id32,
};

static uint32_t hash_zero(const void *key)
{
	(void)key;
	return 0; /* every key in one window: collisions on purpose */
}

static bool older(const void *a, const void *b)
{
	return ((const struct ent *)a)->age < ((const struct ent *)b)->age;
}

static const struct table_type crowded = {
	.entry_size = sizeof(struct ent),
	.key_offset = offsetof(struct ent, id),
	.key_size = sizeof(uint32_t),
	.probe = 4,
	.hash = hash_zero,
};

static const struct table_type lru = {
	.entry_size = sizeof(struct ent),
	.key_offset = offsetof(struct ent, id),
	.key_size = sizeof(uint32_t),
	.probe = 4,
	.hash = hash_zero,
	.evict = true,
	.evict_before = older,
};

static const struct table_type home = {
	.entry_size = sizeof(struct ent),
	.key_offset = offsetof(struct ent, id),
	.key_size = sizeof(uint32_t),
	.probe = 4,
	.hash = hash_zero,
	.evict = true,
};

static void insert_find(void)
{
	struct table *t = table__new(&bounded, 1024);
	enum table_result r;
	struct ent *e;

	CHECK(t, "table__new");
	if (!t)
		return;
	for (uint32_t id = 1; id <= 500; id++) {
		e = table__insert(t, &id, &r);
		CHECK(e && r == TABLE_ADDED && e->id == id, "insert %u: result %d", id, (int)r);
		if (e)
			e->age = id;
	}
	for (uint32_t id = 1; id <= 500; id++) {
		uint32_t k = id;

		e = table__find(t, &k);
		CHECK(e && e->age == id, "find %u", id);
		e = table__insert(t, &k, &r);
		CHECK(e && r == TABLE_FOUND, "insert again %u: result %d", id, (int)r);
	}
	CHECK(table__count(t) == 500, "count %u, want 500", table__count(t));
	CHECK(table__cap(t) == 1024, "cap %u", table__cap(t));
	table__free(t);
}

static void full_window(void)
{
	struct table *t = table__new(&crowded, 16);
	enum table_result r;
	uint32_t id;

	for (id = 1; id <= 4; id++)
		CHECK(table__insert(t, &id, &r) && r == TABLE_ADDED, "insert %u", id);
	id = 5;
	CHECK(!table__insert(t, &id, &r) && r == TABLE_FULL, "a fifth key in a window of 4: %d",
	      (int)r);
	/* a hole in the middle: keys past it are still found, a new key takes it */
	id = 2;
	table__delete(t, table__find(t, &id));
	id = 4;
	CHECK(table__find(t, &id), "key 4 past the hole");
	id = 2;
	CHECK(!table__find(t, &id), "deleted key 2 found");
	id = 5;
	CHECK(table__insert(t, &id, &r) && r == TABLE_ADDED, "key 5 into the hole: %d", (int)r);
	CHECK(table__count(t) == 4, "count %u, want 4", table__count(t));
	table__free(t);
}

static void evict_oldest(void)
{
	struct table *t = table__new(&lru, 16);
	enum table_result r;
	struct ent *e;
	uint32_t id;

	for (id = 1; id <= 4; id++) {
		e = table__insert(t, &id, NULL);
		e->age = id == 3 ? 0 : 10; /* key 3 is the oldest */
	}
	id = 9;
	e = table__insert(t, &id, &r);
	CHECK(e && r == TABLE_EVICTED && e->id == 9 && e->age == 0, "evicted insert: %d", (int)r);
	id = 3;
	CHECK(!table__find(t, &id), "the oldest (3) still there");
	table__free(t);

	t = table__new(&home, 16);
	for (id = 1; id <= 4; id++)
		table__insert(t, &id, NULL);
	id = 9;
	table__insert(t, &id, &r);
	id = 1;
	CHECK(r == TABLE_EVICTED && !table__find(t, &id), "home slot (key 1) not replaced");
	table__free(t);
}

static void iterate(void)
{
	struct table *t = table__new(&bounded, 64);
	uint32_t seen = 0, n = 0;

	for (uint32_t id = 1; id <= 20; id++)
		table__insert(t, &id, NULL);
	for (struct ent *e = NULL; (e = table__next(t, e));) {
		n++;
		seen += e->id;
		if (e->id % 2)
			table__delete(t, e); /* deleting while iterating */
	}
	CHECK(n == 20 && seen == 210, "iterated %u entries, id sum %u", n, seen);
	CHECK(table__count(t) == 10, "count %u after deleting the odd ids", table__count(t));
	table__clear(t);
	CHECK(table__count(t) == 0 && !table__next(t, NULL), "clear left entries");
	table__free(t);
}

/* Processes come and go: 20000 pids, at most 8 alive at once, in a table of
 * 4096. The table uses 8 entries of memory, finds every live key, none
 * gone; evicting keeps the victim's entry. */
static void churn_stays_dense(void)
{
	struct table *t = table__new(&bounded, 4096);
	uint32_t live[8] = { 0 }, misses = 0, ghosts = 0;

	for (uint32_t pid = 1; pid <= 20000; pid++) {
		uint32_t *old = &live[pid % 8];
		struct ent *e;

		if (*old) {
			e = table__find(t, old);
			if (e)
				table__delete(t, e);
			else
				misses++;
			if (table__find(t, old))
				ghosts++;
		}
		e = table__insert(t, &pid, NULL);
		if (e)
			e->age = pid;
		*old = e ? pid : 0;
	}
	for (int i = 0; i < 8; i++) {
		struct ent *e = table__find(t, &live[i]);

		if (!e || e->age != (int64_t)live[i])
			misses++;
	}
	CHECK(!misses && !ghosts, "live keys found, deleted ones gone: %u missed, %u ghosts",
	      misses, ghosts);
	CHECK(table__count(t) == 8 && table__touched(t) == 8,
	      "8 entries held, 8 touched, got %u and %u", table__count(t), table__touched(t));
	table__free(t);

	t = table__new(&lru, 8);
	for (uint32_t id = 1; id <= 100; id++) {
		struct ent *e = table__insert(t, &id, NULL);

		e->age = id;
	}
	CHECK(table__count(t) == 4 && table__touched(t) == 4,
	      "evictions reuse entries: 4 held, 4 touched, got %u and %u", table__count(t),
	      table__touched(t));
	table__free(t);
}

static void bad_sizes(void)
{
	CHECK(!table__new(&bounded, 1000), "capacity not a power of two accepted");
	CHECK(!table__new(&bounded, 2), "capacity below the probe window accepted");
}

int main(void)
{
	RUN(insert_find);
	RUN(full_window);
	RUN(evict_oldest);
	RUN(iterate);
	RUN(churn_stays_dense);
	RUN(bad_sizes);
	CHECK_DONE();
}
