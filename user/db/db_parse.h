/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Database request/response heads, as the socket programs capture them
 * (struct ev_db: the request's first HL_DB_REQ_HEAD bytes, the response's
 * first HL_DB_RESP_HEAD), turned into an operation name and an error flag.
 * PostgreSQL and MySQL give the statement kind (SELECT, INSERT, UPDATE,
 * DELETE, BEGIN, COMMIT, ROLLBACK, other); prepared statements take the kind
 * of their Parse / COM_STMT_PREPARE, remembered per connection in a bounded
 * table (struct db_stmts). Redis gives the command name, uppercased. Nothing
 * else of the text is kept: no literals, keys or values.
 * Pure functions over bytes plus the statement table; no locks (the
 * processor thread owns the table).
 */
#ifndef HOSTLENS_DB_PARSE_H
#define HOSTLENS_DB_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bpf/db/db.h"

#define DB_OP_MAX 24 /* operation names: "SELECT", "HGETALL", "other" */

enum db_parse_status {
	DB_OP = 0,	 /* an operation: count it */
	DB_SKIP = 1,	 /* part of the session, no operation: startup, auth,
				 * a prepare alone, quit */
	DB_PIPELINE = 2, /* several operations in one exchange: not paired (counted) */
	DB_UNPARSED = 3, /* not this protocol's bytes */
};

struct db_parsed {
	uint8_t status;	   /* enum db_parse_status */
	bool error;	   /* ErrorResponse 'E', ERR packet 0xff, RESP '-' */
	bool stmt_unknown; /* executes a prepared statement not (yet) remembered:
				 * op is "other"; its prepare may still come */
	char op[DB_OP_MAX];
};

struct db_stmts;

/* A table of statement kinds by (connection, statement): slots rounded up to
 * a power of two; one slot per key, a newer key takes the slot (counted). */
struct db_stmts *db_stmts__new(unsigned int slots);
void db_stmts__free(struct db_stmts *t);
uint64_t db_stmts__evictions(const struct db_stmts *t);

/* Used by the parsers: remember that statement name[0..n) of conn is of kind
 * (a db_sql_kind string); the kind remembered, NULL when none. */
void db_stmts__put(struct db_stmts *t, uint64_t conn, const char *name, size_t n, const char *kind);
const char *db_stmts__get(const struct db_stmts *t, uint64_t conn, const char *name, size_t n);

/* The kind of the SQL text s[0..n) ("SELECT", ..., "other"): comments,
 * whitespace and opening parentheses skipped, keywords case-insensitive.
 * Returns a static string. */
const char *db_sql_kind(const char *s, size_t n);

/* Per protocol: req[0..req_len) of a request that moved req_total bytes, the
 * response's first resp[0..resp_len); conn names the connection for
 * prepared statements (st may be NULL: none remembered). Fills *out. */
void db_pg_parse(struct db_stmts *st, uint64_t conn, const uint8_t *req, size_t req_len,
		 uint64_t req_total, const uint8_t *resp, size_t resp_len, struct db_parsed *out);
void db_mysql_parse(struct db_stmts *st, uint64_t conn, const uint8_t *req, size_t req_len,
		    uint64_t req_total, const uint8_t *resp, size_t resp_len,
		    struct db_parsed *out);
void db_redis_parse(const uint8_t *req, size_t req_len, uint64_t req_total, const uint8_t *resp,
		    size_t resp_len, struct db_parsed *out);

/* Dispatch on system (enum hl_db_system); an unknown system is DB_UNPARSED. */
void db_parse(struct db_stmts *st, unsigned int system, uint64_t conn, const uint8_t *req,
	      size_t req_len, uint64_t req_total, const uint8_t *resp, size_t resp_len,
	      struct db_parsed *out);

/* "postgresql", "mysql", "redis" (OpenTelemetry's db.system names), or "unknown" */
const char *db_system_name(unsigned int system);

#endif
