// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * PostgreSQL frontend/backend protocol v3 heads (user/db/db_parse.h).
 * A request is the messages a client wrote before the first response byte:
 * a simple Query ('Q'), or extended protocol Parse/Bind/Describe/Execute/
 * Sync. Messages are walked by their lengths; a message past the captured
 * head is known by its length only, so what follows it stays countable:
 * bytes left that are too few for an Execute (10 bytes at least) cannot
 * hold one. Two Syncs, two Executes or a Query followed by more messages
 * are a pipeline: several operations answered in one exchange, reported as
 * such, never as one operation's latency.
 */
#include <string.h>

#include "user/db/db_parse.h"

#define PG_EXECUTE_MIN 10 /* 'E' + len + portal "\0" + max rows */

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* a C string inside b[0..n): its length, or n when not terminated */
static size_t cstr(const uint8_t *b, size_t n)
{
	const uint8_t *z = memchr(b, 0, n);

	return z ? (size_t)(z - b) : n;
}

/* ErrorResponse among the backend messages of resp[0..n) */
static bool pg_resp_error(const uint8_t *resp, size_t n)
{
	size_t i = 0;

	while (i < n) {
		uint32_t len;

		if (resp[i] == 'E')
			return true;
		if (i + 5 > n)
			break;
		len = be32(resp + i + 1);
		if (len < 4)
			break;
		i += 1 + (size_t)len;
	}
	return false;
}

static void set_op(struct db_parsed *out, uint8_t status, const char *op)
{
	out->status = status;
	strncpy(out->op, op, sizeof(out->op) - 1);
	out->op[sizeof(out->op) - 1] = '\0';
}

void db_pg_parse(struct db_stmts *st, uint64_t conn, const uint8_t *req, size_t req_len,
		 uint64_t req_total, const uint8_t *resp, size_t resp_len, struct db_parsed *out)
{
	const char *kind = NULL, *parsed_kind = NULL;
	unsigned int syncs = 0, execs = 0, queries = 0, msgs = 0;
	uint64_t i = 0;

	memset(out, 0, sizeof(*out));
	set_op(out, DB_UNPARSED, "other");
	if (!req || !req_len)
		return;
	if (req_total < req_len)
		req_total = req_len;
	out->error = resp && pg_resp_error(resp, resp_len);
	/* StartupMessage, SSLRequest, GSSENCRequest, CancelRequest: no type byte,
	 * a length whose first byte is 0 (no message type is 0) */
	if (req[0] == 0) {
		set_op(out, DB_SKIP, "startup");
		return;
	}
	while (i < req_total) {
		const uint8_t *b;
		uint32_t len;
		size_t avail;

		if (i + 5 > req_len) {
			/* a message we cannot see: an Execute needs PG_EXECUTE_MIN bytes */
			if (req_total - i >= PG_EXECUTE_MIN)
				execs++;
			break;
		}
		len = be32(req + i + 1);
		if (len < 4 || len > (1u << 30))
			return; /* not PostgreSQL: unparsed */
		b = req + i + 5;
		avail = req_len - (size_t)(i + 5);
		if (avail > len - 4)
			avail = len - 4;
		msgs++;
		switch (req[i]) {
		case 'Q':
			queries++;
			if (!kind)
				kind = db_sql_kind((const char *)b, avail);
			break;
		case 'P': { /* statement name, query, parameter types */
			size_t n = cstr(b, avail);

			parsed_kind = n < avail ?
					      db_sql_kind((const char *)b + n + 1, avail - n - 1) :
					      "other";
			if (n < avail && n) /* a named statement: remembered */
				db_stmts__put(st, conn, (const char *)b, n, parsed_kind);
			break;
		}
		case 'B': { /* portal name, statement name, ... */
			size_t p = cstr(b, avail), n;
			const char *k = NULL;

			if (p < avail) {
				n = cstr(b + p + 1, avail - p - 1);
				if (n < avail - p - 1)
					k = n ? db_stmts__get(st, conn, (const char *)b + p + 1,
							      n) :
						parsed_kind;
			}
			if (!kind && !k && p < avail && n && n < avail - p - 1)
				out->stmt_unknown = true; /* a name no Parse was seen for */
			if (!kind)
				kind = k ? k : (parsed_kind ? parsed_kind : "other");
			break;
		}
		case 'E':
			execs++;
			break;
		case 'S':
			syncs++;
			break;
		case 'D':
		case 'C':
		case 'H':
			break;
		case 'p': /* password, SASL */
			set_op(out, DB_SKIP, "auth");
			return;
		case 'X':
			set_op(out, DB_SKIP, "terminate");
			return;
		case 'd':
		case 'c':
		case 'f': /* COPY data */
			set_op(out, DB_SKIP, "copy");
			return;
		case 'F':
			if (!kind)
				kind = "other";
			execs++;
			break;
		default:
			return; /* not a frontend message: unparsed */
		}
		i += 1 + (uint64_t)len;
	}
	if (queries > 1 || syncs > 1 || execs > 1 || (queries && (execs || syncs))) {
		set_op(out, DB_PIPELINE, kind ? kind : "other");
		return;
	}
	if (queries) {
		set_op(out, DB_OP, kind);
		return;
	}
	if (!execs) {
		/* Parse/Describe/Sync alone: a prepare, remembered, no operation */
		set_op(out, DB_SKIP, "prepare");
		return;
	}
	set_op(out, DB_OP, kind ? kind : (parsed_kind ? parsed_kind : "other"));
}
