// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* libFuzzer target: the record encoder/decoder (spool replay reads records
 * back from disk): a line parses to a record or is rejected, and a record
 * that parses serializes to a line that parses to the same record. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "user/pipeline/record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct record r, again;
	struct record_batch *b;

	if (record_from_line(&r, (const char *)data, size))
		return 0;
	if (record_from_line(&again, r.line, r.len) || strcmp(again.line, r.line) ||
	    strcmp(again.id, r.id) || strcmp(again.type, r.type) || again.ts_ms != r.ts_ms)
		abort();
	b = record_batch__new(1);
	if (b) {
		json_incref(r.obj);
		if (record_batch__add(b, r.obj) == 0 && strcmp(b->recs[0].line, r.line))
			abort();
		record_batch__put(b);
	}
	record_clear(&again);
	record_clear(&r);
	return 0;
}
