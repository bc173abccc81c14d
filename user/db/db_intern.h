/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Operation names interned per database system, like HTTP routes: a bounded
 * table gives each (system, name) a small id; once it is full, new names go
 * to the system's "other" id, counted. Ids are stable for the table's life.
 * Owned by the processor thread: no locks.
 */
#ifndef HOSTLENS_DB_INTERN_H
#define HOSTLENS_DB_INTERN_H

#include <stdint.h>

#include "user/db/db_parse.h"

struct db_intern;

/* cap names at most (rounded up to a power of two, at least 16) */
struct db_intern *db_intern__new(unsigned int cap);
void db_intern__free(struct db_intern *t);

/* The id of (system, name): found, added, or the system's "other" id when
 * the table is full (counted in overflows). */
uint32_t db_intern__id(struct db_intern *t, unsigned int system, const char *name);

/* the name and system of id; NULL for an unknown id */
const char *db_intern__name(const struct db_intern *t, uint32_t id, unsigned int *system);

uint64_t db_intern__overflows(const struct db_intern *t);
uint32_t db_intern__count(const struct db_intern *t);

#endif
