// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * DESIGN: names in an array in the order they came (the id is the index),
 * found through an open-addressing index of twice the capacity (linear
 * probing, no deletes: names live as long as the table). The "other" name
 * of every system is added first, so a full table always has somewhere to
 * send a new name. Owned by the processor thread.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "user/db/db_intern.h"
#include "user/lib/table.h"

struct db_name {
	uint8_t system;
	char name[DB_OP_MAX];
};

struct db_intern {
	struct db_name *names;
	uint32_t *index; /* id + 1, 0 = empty; 2 * cap slots */
	uint32_t cap, n, mask;
	uint64_t overflows;
};

static uint32_t name_hash(unsigned int system, const char *name)
{
	uint8_t s = (uint8_t)system;

	return hash_bytes(hash_bytes(HASH_FNV_INIT, &s, 1), name, strlen(name));
}

struct db_intern *db_intern__new(unsigned int cap)
{
	struct db_intern *t = calloc(1, sizeof(*t));
	uint32_t c = 16;

	if (!t)
		return NULL;
	while (c < cap && c < (1u << 20))
		c <<= 1;
	t->cap = c;
	t->mask = 2 * c - 1;
	t->names = calloc(c, sizeof(*t->names));
	t->index = calloc(2 * (size_t)c, sizeof(*t->index));
	if (!t->names || !t->index) {
		db_intern__free(t);
		errno = ENOMEM;
		return NULL;
	}
	for (unsigned int s = 0; s < HL_DB_SYSTEMS; s++)
		db_intern__id(t, s, "other");
	return t;
}

void db_intern__free(struct db_intern *t)
{
	if (!t)
		return;
	free(t->names);
	free(t->index);
	free(t);
}

uint32_t db_intern__id(struct db_intern *t, unsigned int system, const char *name)
{
	uint32_t h = name_hash(system, name), i;
	struct db_name *e;

	for (i = h & t->mask;; i = (i + 1) & t->mask) {
		uint32_t v = t->index[i];

		if (!v)
			break;
		e = &t->names[v - 1];
		if (e->system == system && !strcmp(e->name, name))
			return v - 1;
	}
	if (t->n == t->cap) {
		t->overflows++;
		return system < HL_DB_SYSTEMS ? system : 0; /* "other" ids are 0..HL_DB_SYSTEMS-1 */
	}
	e = &t->names[t->n];
	e->system = (uint8_t)system;
	strncpy(e->name, name, sizeof(e->name) - 1);
	t->index[i] = ++t->n;
	return t->n - 1;
}

const char *db_intern__name(const struct db_intern *t, uint32_t id, unsigned int *system)
{
	if (!t || id >= t->n)
		return NULL;
	if (system)
		*system = t->names[id].system;
	return t->names[id].name;
}

uint64_t db_intern__overflows(const struct db_intern *t)
{
	return t ? t->overflows : 0;
}

uint32_t db_intern__count(const struct db_intern *t)
{
	return t ? t->n : 0;
}
