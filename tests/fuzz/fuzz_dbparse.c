// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* libFuzzer target: the database head parsers (user/db/db_*.c), fed what
 * the socket programs would carry. Byte 0 picks the system, byte 1 how the
 * rest splits into request and response heads, byte 2 how many request
 * bytes moved in all. Every parse stays inside the bytes given (exact-size
 * heap copies: ASan sees an overread) and leaves a NUL-terminated name. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "user/db/db_parse.h"
#include "user/db/db_intern.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct db_stmts *st;
	static struct db_intern *in;
	struct db_parsed p;
	uint8_t *req, *resp;
	size_t rn, pn;

	if (size < 3)
		return 0;
	if (!st)
		st = db_stmts__new(64);
	if (!in)
		in = db_intern__new(32);
	rn = data[1] % (size - 2 + 1);
	if (rn > HL_DB_REQ_HEAD)
		rn = HL_DB_REQ_HEAD;
	pn = size - 3 - (rn < size - 3 ? rn : size - 3);
	if (rn > size - 3)
		rn = size - 3;
	if (pn > HL_DB_RESP_HEAD)
		pn = HL_DB_RESP_HEAD;
	req = malloc(rn ? rn : 1);
	resp = malloc(pn ? pn : 1);
	if (!req || !resp)
		abort();
	memcpy(req, data + 3, rn);
	memcpy(resp, data + 3 + rn, pn);
	db_parse(st, data[0] % (HL_DB_SYSTEMS + 1), data[0] >> 4, req, rn, rn + data[2], resp, pn,
		 &p);
	if (!memchr(p.op, 0, sizeof(p.op)) || p.status > DB_UNPARSED)
		abort();
	db_intern__id(in, data[0] % HL_DB_SYSTEMS, p.op);
	free(req);
	free(resp);
	return 0;
}
