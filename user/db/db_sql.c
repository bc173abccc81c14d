// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * SQL statement kinds and the per-connection table of prepared statements'
 * kinds (user/db/db_parse.h). The table is direct-mapped: a key hashes to
 * one slot, a newer key takes it (an eviction, counted; the evicted
 * statement's executions then count as "other", never as another kind).
 * Owned by the processor thread.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "user/db/db_parse.h"
#include "user/lib/table.h"

#define STMT_NAME_MAX 32 /* statement name bytes kept in the key */

struct stmt_slot {
	uint64_t conn;
	uint32_t hash;
	uint8_t used;
	uint8_t kind; /* index in kinds[] */
	uint16_t name_len;
	char name[STMT_NAME_MAX];
};

struct db_stmts {
	struct stmt_slot *slots;
	uint32_t mask;
	uint64_t evictions;
};

static const char *const kinds[] = { "other",  "SELECT", "INSERT", "UPDATE",
				     "DELETE", "BEGIN",	 "COMMIT", "ROLLBACK" };

struct db_stmts *db_stmts__new(unsigned int slots)
{
	struct db_stmts *t = calloc(1, sizeof(*t));
	uint32_t cap = 1;

	if (!t)
		return NULL;
	while (cap < slots && cap < (1u << 24))
		cap <<= 1;
	t->slots = calloc(cap, sizeof(*t->slots));
	if (!t->slots) {
		free(t);
		errno = ENOMEM;
		return NULL;
	}
	t->mask = cap - 1;
	return t;
}

void db_stmts__free(struct db_stmts *t)
{
	if (!t)
		return;
	free(t->slots);
	free(t);
}

uint64_t db_stmts__evictions(const struct db_stmts *t)
{
	return t ? t->evictions : 0;
}

static uint32_t stmt_hash(uint64_t conn, const char *name, size_t n)
{
	uint32_t h = hash_bytes(HASH_FNV_INIT, &conn, sizeof(conn));

	return hash_bytes(h, name, n);
}

static int kind_index(const char *kind)
{
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (kinds[i] == kind)
			return (int)i;
	return 0;
}

/* Remember that statement name[0..n) of conn is of kind (a db_sql_kind string). */
void db_stmts__put(struct db_stmts *t, uint64_t conn, const char *name, size_t n, const char *kind)
{
	struct stmt_slot *s;
	uint32_t h;

	if (!t)
		return;
	if (n > STMT_NAME_MAX)
		n = STMT_NAME_MAX;
	h = stmt_hash(conn, name, n);
	s = &t->slots[h & t->mask];
	if (s->used &&
	    !(s->conn == conn && s->hash == h && s->name_len == n && !memcmp(s->name, name, n)))
		t->evictions++;
	s->used = 1;
	s->conn = conn;
	s->hash = h;
	s->name_len = (uint16_t)n;
	memcpy(s->name, name, n);
	s->kind = (uint8_t)kind_index(kind);
}

/* The kind remembered for statement name[0..n) of conn, NULL when none. */
const char *db_stmts__get(const struct db_stmts *t, uint64_t conn, const char *name, size_t n)
{
	const struct stmt_slot *s;
	uint32_t h;

	if (!t)
		return NULL;
	if (n > STMT_NAME_MAX)
		n = STMT_NAME_MAX;
	h = stmt_hash(conn, name, n);
	s = &t->slots[h & t->mask];
	if (!s->used || s->conn != conn || s->hash != h || s->name_len != n ||
	    memcmp(s->name, name, n))
		return NULL;
	return kinds[s->kind];
}

/* s[*i..n) past whitespace, comments and '(' */
static void sql_skip(const char *s, size_t n, size_t *i)
{
	while (*i < n) {
		unsigned char c = (unsigned char)s[*i];

		if (isspace(c) || c == '(' || c == ';') {
			(*i)++;
		} else if (c == '-' && *i + 1 < n && s[*i + 1] == '-') {
			while (*i < n && s[*i] != '\n')
				(*i)++;
		} else if (c == '#') { /* MySQL's line comment */
			while (*i < n && s[*i] != '\n')
				(*i)++;
		} else if (c == '/' && *i + 1 < n && s[*i + 1] == '*') {
			*i += 2;
			while (*i + 1 < n && !(s[*i] == '*' && s[*i + 1] == '/'))
				(*i)++;
			*i = *i + 1 < n ? *i + 2 : n;
		} else {
			return;
		}
	}
}

const char *db_sql_kind(const char *s, size_t n)
{
	static const struct {
		const char *word;
		const char *kind;
	} words[] = {
		{ "SELECT", "SELECT" },	 { "INSERT", "INSERT" }, { "UPDATE", "UPDATE" },
		{ "DELETE", "DELETE" },	 { "BEGIN", "BEGIN" },	 { "START", "BEGIN" },
		{ "COMMIT", "COMMIT" },	 { "END", "COMMIT" },	 { "ROLLBACK", "ROLLBACK" },
		{ "ABORT", "ROLLBACK" }, { "VALUES", "SELECT" }, { "TABLE", "SELECT" },
	};
	char w[12];
	size_t i = 0, k = 0;

	if (!s)
		return kinds[0];
	sql_skip(s, n, &i);
	while (i < n && k < sizeof(w) - 1 && isalpha((unsigned char)s[i]))
		w[k++] = (char)toupper((unsigned char)s[i++]);
	w[k] = '\0';
	/* a word cut by the end of the capture or longer than any keyword */
	if (!k || (i < n && isalnum((unsigned char)s[i])) || (i == n && k < 3))
		return kinds[0];
	for (size_t j = 0; j < sizeof(words) / sizeof(words[0]); j++)
		if (!strcmp(w, words[j].word))
			return words[j].kind;
	return kinds[0];
}

const char *db_system_name(unsigned int system)
{
	switch (system) {
	case HL_DB_POSTGRES:
		return "postgresql";
	case HL_DB_MYSQL:
		return "mysql";
	case HL_DB_REDIS:
		return "redis";
	}
	return "unknown";
}
