// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* The parsers' entry (user/db/db_parse.h): the system picks the protocol
 * (db_pg.c, db_mysql.c, db_redis.c), which use the statement kinds and the
 * prepared-statement table below them (db_sql.c). */
#include <string.h>

#include "user/db/db_parse.h"

void db_parse(struct db_stmts *st, unsigned int system, uint64_t conn, const uint8_t *req,
	      size_t req_len, uint64_t req_total, const uint8_t *resp, size_t resp_len,
	      struct db_parsed *out)
{
	switch (system) {
	case HL_DB_POSTGRES:
		db_pg_parse(st, conn, req, req_len, req_total, resp, resp_len, out);
		return;
	case HL_DB_MYSQL:
		db_mysql_parse(st, conn, req, req_len, req_total, resp, resp_len, out);
		return;
	case HL_DB_REDIS:
		db_redis_parse(req, req_len, req_total, resp, resp_len, out);
		return;
	}
	memset(out, 0, sizeof(*out));
	out->status = DB_UNPARSED;
	strcpy(out->op, "other");
}
