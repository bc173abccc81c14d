// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * MySQL / MariaDB client/server protocol heads (user/db/db_parse.h).
 * Packets: 3-byte little-endian length, sequence id, payload; a command is
 * a packet of sequence 0 whose first byte says which (COM_QUERY carries the
 * text; COM_STMT_PREPARE too, and its OK answer the statement id, which
 * COM_STMT_EXECUTE names). Packets of another sequence are the handshake
 * and authentication: part of the session. COM_STMT_CLOSE has no answer, so
 * it shares an exchange with the next command and is stepped over. A
 * command followed by another in the same exchange is a pipeline.
 * Errors: the answer's first payload byte 0xff (ERR packet).
 */
#include <string.h>

#include "user/db/db_parse.h"

#define COM_QUIT 0x01
#define COM_QUERY 0x03
#define COM_STMT_PREPARE 0x16
#define COM_STMT_EXECUTE 0x17
#define COM_STMT_SEND_LONG_DATA 0x18
#define COM_STMT_CLOSE 0x19

static uint32_t le24(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16;
}

static void set_op(struct db_parsed *out, uint8_t status, const char *op)
{
	out->status = status;
	strncpy(out->op, op, sizeof(out->op) - 1);
	out->op[sizeof(out->op) - 1] = '\0';
}

void db_mysql_parse(struct db_stmts *st, uint64_t conn, const uint8_t *req, size_t req_len,
		    uint64_t req_total, const uint8_t *resp, size_t resp_len, struct db_parsed *out)
{
	uint64_t i = 0, end;
	const uint8_t *p;
	size_t avail;
	uint32_t len;

	memset(out, 0, sizeof(*out));
	set_op(out, DB_UNPARSED, "other");
	if (!req)
		return;
	if (req_total < req_len)
		req_total = req_len;
	out->error = resp && resp_len >= 5 && resp[4] == 0xff;
	for (;;) {
		if (i + 5 > req_len)
			return;
		len = le24(req + i);
		if (!len)
			return;
		if (req[i + 3] != 0) {
			set_op(out, DB_SKIP, "auth"); /* handshake response, auth switch */
			return;
		}
		/* answerless commands share the exchange with the next one */
		if ((req[i + 4] == COM_STMT_CLOSE || req[i + 4] == COM_STMT_SEND_LONG_DATA) &&
		    i + 4 + len < req_total) {
			i += 4 + (uint64_t)len;
			continue;
		}
		break;
	}
	p = req + i + 5;
	avail = req_len - (size_t)(i + 5);
	if (avail > len - 1)
		avail = len - 1;
	end = i + 4 + (uint64_t)len;
	switch (req[i + 4]) {
	case COM_QUIT:
		set_op(out, DB_SKIP, "quit");
		return;
	case COM_QUERY:
		set_op(out, DB_OP, db_sql_kind((const char *)p, avail));
		break;
	case COM_STMT_PREPARE: {
		const char *k = db_sql_kind((const char *)p, avail);

		/* OK answer: 0x00, statement id (4 bytes, little-endian) */
		if (resp && resp_len >= 9 && resp[4] == 0x00)
			db_stmts__put(st, conn, (const char *)resp + 5, 4, k);
		set_op(out, DB_SKIP, "prepare");
		return;
	}
	case COM_STMT_EXECUTE: {
		const char *k = avail >= 4 ? db_stmts__get(st, conn, (const char *)p, 4) : NULL;

		set_op(out, DB_OP, k ? k : "other");
		out->stmt_unknown = !k;
		break;
	}
	default:
		set_op(out, DB_OP, "other");
		break;
	}
	if (end < req_total)
		out->status = DB_PIPELINE;
}
