// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Database heads to operations (user/db/db_*.c): bytes as the socket
 * programs capture them, built here message by message. */
#include <stdio.h>
#include <string.h>

#include "tests/unit/check.h"
#include "user/db/db_parse.h"
#include "user/db/db_intern.h"

struct buf {
	uint8_t b[512];
	size_t n;
};

static void put(struct buf *b, const void *p, size_t n)
{
	if (n)
		memcpy(b->b + b->n, p, n);
	b->n += n;
}

/* a PostgreSQL message: type, length, body */
static void pg_msg(struct buf *b, char type, const void *body, size_t n)
{
	uint32_t len = (uint32_t)n + 4;
	uint8_t h[5] = { (uint8_t)type, len >> 24, len >> 16, len >> 8, len };

	put(b, h, 5);
	put(b, body, n);
}

/* Parse: name, query, 0 parameter types */
static void pg_parse_msg(struct buf *b, const char *name, const char *q)
{
	uint8_t body[256];
	size_t n = 0;

	memcpy(body, name, strlen(name) + 1), n += strlen(name) + 1;
	memcpy(body + n, q, strlen(q) + 1), n += strlen(q) + 1;
	body[n++] = 0, body[n++] = 0;
	pg_msg(b, 'P', body, n);
}

static void pg_bind_msg(struct buf *b, const char *stmt)
{
	uint8_t body[64] = { 0 }; /* portal "" */
	size_t n = 1;

	memcpy(body + n, stmt, strlen(stmt) + 1), n += strlen(stmt) + 1;
	n += 6; /* no formats, no params, no result formats */
	pg_msg(b, 'B', body, n);
}

static void pg_exec_sync(struct buf *b)
{
	static const uint8_t exec[5] = { 0, 0, 0, 0, 0 };

	pg_msg(b, 'E', exec, 5);
	pg_msg(b, 'S', NULL, 0);
}

/* what BPF would carry: at most HL_DB_REQ_HEAD bytes, and the total */
static void pg(struct db_stmts *st, uint64_t conn, const struct buf *req, const char *resp,
	       size_t resp_n, struct db_parsed *out)
{
	size_t n = req->n < HL_DB_REQ_HEAD ? req->n : HL_DB_REQ_HEAD;

	db_parse(st, HL_DB_POSTGRES, conn, req->b, n, req->n, (const uint8_t *)resp, resp_n, out);
}

static void sql_kinds(void)
{
	static const struct {
		const char *sql, *kind;
	} cases[] = {
		{ "SELECT 1", "SELECT" },
		{ "  select abalance from t", "SELECT" },
		{ "/* app:orders */ INSERT INTO t VALUES (1)", "INSERT" },
		{ "-- note\n\tUpDaTe t SET a = 1", "UPDATE" },
		{ "delete from t", "DELETE" },
		{ "BEGIN", "BEGIN" },
		{ "start transaction", "BEGIN" },
		{ "COMMIT;", "COMMIT" },
		{ "end", "COMMIT" },
		{ "ROLLBACK", "ROLLBACK" },
		{ "((SELECT 1))", "SELECT" },
		{ "# mysql comment\nselect 1", "SELECT" },
		{ "SELECTED", "other" },
		{ "CREATE TABLE t (a int)", "other" },
		{ "/* never closed", "other" },
		{ "", "other" },
		{ "   ", "other" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *k = db_sql_kind(cases[i].sql, strlen(cases[i].sql));

		CHECK(!strcmp(k, cases[i].kind), "'%s': expected %s, got %s", cases[i].sql,
		      cases[i].kind, k);
	}
}

static void pg_simple_query(void)
{
	struct buf q = { .n = 0 };
	struct db_parsed p;
	static const char ok[] = "T\0\0\0\x1e";
	static const char err[] = "E\0\0\0\x50SERROR";

	pg_msg(&q, 'Q', "select * from missing\0", 22);
	pg(NULL, 1, &q, ok, sizeof(ok) - 1, &p);
	CHECK(p.status == DB_OP && !strcmp(p.op, "SELECT") && !p.error,
	      "expected SELECT ok, got status %d op %s error %d", p.status, p.op, p.error);
	pg(NULL, 1, &q, err, sizeof(err) - 1, &p);
	CHECK(p.status == DB_OP && p.error, "ErrorResponse: expected an error, got %d", p.error);
}

static void pg_extended_prepared(void)
{
	struct db_stmts *st = db_stmts__new(64);
	struct buf prep = { .n = 0 }, exec = { .n = 0 }, other = { .n = 0 }, ext = { .n = 0 };
	struct db_parsed p;
	static const char pc[] = "1\0\0\0\x04Z\0\0\0\x05I";
	static const char bc[] = "2\0\0\0\x04T\0\0\0\x1e";
	static const char bad[] = "1\0\0\0\x04"
				  "E\0\0\0\x20";

	CHECK(st, "table");
	if (!st)
		return;
	/* pgbench -M prepared: Parse + Sync first (longer than the head) */
	pg_parse_msg(&prep, "P0_1", "SELECT abalance FROM pgbench_accounts WHERE aid = $1;");
	pg_msg(&prep, 'S', NULL, 0);
	pg(st, 7, &prep, pc, sizeof(pc) - 1, &p);
	CHECK(p.status == DB_SKIP, "a prepare alone is no operation: status %d op %s", p.status,
	      p.op);
	/* then Bind + Execute + Sync by name */
	pg_bind_msg(&exec, "P0_1");
	pg_exec_sync(&exec);
	pg(st, 7, &exec, bc, sizeof(bc) - 1, &p);
	CHECK(p.status == DB_OP && !strcmp(p.op, "SELECT"), "execute by name: got %d %s", p.status,
	      p.op);
	/* the same name on another connection is another statement */
	pg(st, 8, &exec, bc, sizeof(bc) - 1, &p);
	CHECK(p.status == DB_OP && !strcmp(p.op, "other"), "other connection: got %d %s", p.status,
	      p.op);
	/* unnamed: Parse + Bind + Execute + Sync in one write (-M extended) */
	pg_parse_msg(&ext, "",
		     "UPDATE pgbench_accounts SET abalance = abalance + $1 WHERE aid = $2");
	pg_bind_msg(&ext, "");
	pg_exec_sync(&ext);
	pg(st, 7, &ext, bad, sizeof(bad) - 1, &p);
	CHECK(p.status == DB_OP && !strcmp(p.op, "UPDATE") && p.error,
	      "extended unnamed: got %d %s error %d", p.status, p.op, p.error);
	/* pipelined: two Bind/Execute/Sync rounds */
	pg_bind_msg(&other, "P0_1");
	pg_exec_sync(&other);
	pg_bind_msg(&other, "P0_1");
	pg_exec_sync(&other);
	pg(st, 7, &other, bc, sizeof(bc) - 1, &p);
	CHECK(p.status == DB_PIPELINE, "two syncs: a pipeline, got %d", p.status);
	db_stmts__free(st);
}

static void pg_session_and_garbage(void)
{
	static const uint8_t startup[] = { 0, 0, 0, 8, 0, 3, 0, 0 };
	static const uint8_t ssl[] = { 0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f };
	struct buf b = { .n = 0 };
	struct db_parsed p;

	memcpy(b.b, startup, 8), b.n = 8;
	pg(NULL, 1, &b, "R", 1, &p);
	CHECK(p.status == DB_SKIP, "startup: got %d", p.status);
	memcpy(b.b, ssl, 8), b.n = 8;
	pg(NULL, 1, &b, "N", 1, &p);
	CHECK(p.status == DB_SKIP, "SSLRequest: got %d", p.status);
	b.n = 0;
	pg_msg(&b, 'X', NULL, 0);
	pg(NULL, 1, &b, NULL, 0, &p);
	CHECK(p.status == DB_SKIP, "terminate: got %d", p.status);
	/* garbage: never an operation, never a read past the bytes given */
	for (unsigned int seed = 1; seed < 2000; seed++) {
		uint32_t x = seed * 2654435761u;

		b.n = 1 + seed % 64;
		for (size_t i = 0; i < b.n; i++) {
			x = x * 1103515245u + 12345u;
			b.b[i] = (uint8_t)(x >> 16);
		}
		pg(NULL, 1, &b, (const char *)b.b, b.n % 32, &p);
		CHECK(p.status <= DB_UNPARSED && memchr(p.op, 0, sizeof(p.op)),
		      "garbage seed %u: status %d", seed, p.status);
	}
}

static void mysql_commands(void)
{
	struct db_stmts *st = db_stmts__new(64);
	struct db_parsed p;
	static const uint8_t q[] = "\x12\0\0\0\x03SELECT * FROM t1";
	static const uint8_t ok[] = "\x01\0\0\x01\x01";
	static const uint8_t err[] = "\x17\0\0\x01\xff\x7a\x04#42S02Table";
	static const uint8_t prep[] = "\x1b\0\0\0\x16insert into t values (?)";
	static const uint8_t prep_ok[] = "\x0c\0\0\x01\x00\x05\0\0\0\x00\x00";
	static const uint8_t exec[] = "\x0b\0\0\0\x17\x05\0\0\0\0\x01\0\0\0\0";
	static const uint8_t close_then_q[] = "\x05\0\0\0\x19\x05\0\0\0"
					      "\x09\0\0\0\x03"
					      "COMMIT  ";
	static const uint8_t auth[] = "\x20\0\0\x01\x85\xa6\x3f\x20";
	static const uint8_t two[] = "\x09\0\0\0\x03select 1"
				     "\x09\0\0\0\x03select 2";

	if (!st)
		return;
	db_parse(st, HL_DB_MYSQL, 3, q, sizeof(q) - 1, sizeof(q) - 1, ok, 5, &p);
	CHECK(p.status == DB_OP && !strcmp(p.op, "SELECT") && !p.error, "COM_QUERY: %d %s %d",
	      p.status, p.op, p.error);
	db_parse(st, HL_DB_MYSQL, 3, q, sizeof(q) - 1, sizeof(q) - 1, err, sizeof(err) - 1, &p);
	CHECK(p.error, "ERR packet: expected an error");
	db_parse(st, HL_DB_MYSQL, 3, prep, sizeof(prep) - 1, sizeof(prep) - 1, prep_ok,
		 sizeof(prep_ok) - 1, &p);
	CHECK(p.status == DB_SKIP, "COM_STMT_PREPARE: no operation, got %d", p.status);
	db_parse(st, HL_DB_MYSQL, 3, exec, sizeof(exec) - 1, sizeof(exec) - 1, ok, 5, &p);
	CHECK(p.status == DB_OP && !strcmp(p.op, "INSERT"), "COM_STMT_EXECUTE: %d %s", p.status,
	      p.op);
	db_parse(st, HL_DB_MYSQL, 3, close_then_q, sizeof(close_then_q) - 1,
		 sizeof(close_then_q) - 1, ok, 5, &p);
	CHECK(p.status == DB_OP && !strcmp(p.op, "COMMIT"), "STMT_CLOSE then COMMIT: %d %s",
	      p.status, p.op);
	db_parse(st, HL_DB_MYSQL, 3, auth, sizeof(auth) - 1, 36, ok, 5, &p);
	CHECK(p.status == DB_SKIP, "handshake response: got %d", p.status);
	db_parse(st, HL_DB_MYSQL, 3, two, sizeof(two) - 1, sizeof(two) - 1, ok, 5, &p);
	CHECK(p.status == DB_PIPELINE, "two queries: got %d", p.status);
	db_stmts__free(st);
}

static void redis_commands(void)
{
	static const char get[] = "*2\r\n$3\r\nget\r\n$16\r\nkey:__rand_int__\r\n";
	static const char set[] = "*3\r\n$3\r\nSET\r\n$16\r\nkey:__rand_int__\r\n$3\r\nxxx\r\n";
	static const char odd[] = "*1\r\n$9\r\nHG\x01TALL!!\r\n";
	static const char bulk[] = "$3\r\nxxx\r\n";
	struct db_parsed p;
	char pipe[1024];
	size_t n = 0;

	db_parse(NULL, HL_DB_REDIS, 1, (const uint8_t *)get, sizeof(get) - 1, sizeof(get) - 1,
		 (const uint8_t *)bulk, sizeof(bulk) - 1, &p);
	CHECK(p.status == DB_OP && !strcmp(p.op, "GET") && !p.error, "GET: %d %s", p.status, p.op);
	CHECK(!strstr(p.op, "key"), "no key kept");
	db_parse(NULL, HL_DB_REDIS, 1, (const uint8_t *)set, sizeof(set) - 1, sizeof(set) - 1,
		 (const uint8_t *)"-ERR wrong\r\n", 12, &p);
	CHECK(p.status == DB_OP && !strcmp(p.op, "SET") && p.error, "SET error: %d %s %d", p.status,
	      p.op, p.error);
	db_parse(NULL, HL_DB_REDIS, 1, (const uint8_t *)odd, sizeof(odd) - 1, sizeof(odd) - 1,
		 (const uint8_t *)"+OK\r\n", 5, &p);
	CHECK(p.status == DB_OP && !strcmp(p.op, "other"), "odd name: %d %s", p.status, p.op);
	/* -P 16: sixteen SETs in one write, sixteen replies in one read */
	for (int i = 0; i < 16; i++)
		memcpy(pipe + n, set, sizeof(set) - 1), n += sizeof(set) - 1;
	db_parse(NULL, HL_DB_REDIS, 1, (const uint8_t *)pipe, HL_DB_REQ_HEAD, n,
		 (const uint8_t *)"+OK\r\n+OK\r\n+OK\r\n", 15, &p);
	CHECK(p.status == DB_PIPELINE, "pipeline: got %d", p.status);
	/* a SET with a large value: longer than the head, still one command */
	db_parse(NULL, HL_DB_REDIS, 1, (const uint8_t *)set, 20, 5000, (const uint8_t *)"+OK\r\n",
		 5, &p);
	CHECK(p.status == DB_OP && !strcmp(p.op, "SET"), "cut head: %d %s", p.status, p.op);
	db_parse(NULL, HL_DB_REDIS, 1, (const uint8_t *)"PING\r\n", 6, 6,
		 (const uint8_t *)"+PONG\r\n", 7, &p);
	CHECK(p.status == DB_OP && !strcmp(p.op, "PING"), "inline: %d %s", p.status, p.op);
	db_parse(NULL, HL_DB_REDIS, 1, (const uint8_t *)"\x16\x03\x01", 3, 3, NULL, 0, &p);
	CHECK(p.status == DB_UNPARSED, "TLS bytes: unparsed, got %d", p.status);
}

static void intern_bounded(void)
{
	struct db_intern *t = db_intern__new(16);
	char name[16];
	unsigned int sys;
	uint32_t a, b, o;

	CHECK(t, "table");
	if (!t)
		return;
	a = db_intern__id(t, HL_DB_REDIS, "GET");
	b = db_intern__id(t, HL_DB_POSTGRES, "GET");
	CHECK(a != b && a == db_intern__id(t, HL_DB_REDIS, "GET"), "per system, stable: %u %u", a,
	      b);
	CHECK(!strcmp(db_intern__name(t, a, &sys), "GET") && sys == HL_DB_REDIS, "name back");
	for (int i = 0; i < 40; i++) {
		snprintf(name, sizeof(name), "CMD%d", i);
		o = db_intern__id(t, HL_DB_REDIS, name);
	}
	CHECK(!strcmp(db_intern__name(t, o, &sys), "other") && sys == HL_DB_REDIS,
	      "overflow goes to redis's other: %s", db_intern__name(t, o, NULL));
	CHECK(db_intern__count(t) == 16 && db_intern__overflows(t) == 40 - 10,
	      "16 names, 30 overflows: %u %llu", db_intern__count(t),
	      (unsigned long long)db_intern__overflows(t));
	db_intern__free(t);
}

int main(void)
{
	RUN(sql_kinds);
	RUN(pg_simple_query);
	RUN(pg_extended_prepared);
	RUN(pg_session_and_garbage);
	RUN(mysql_commands);
	RUN(redis_commands);
	RUN(intern_bounded);
	CHECK_DONE();
}
