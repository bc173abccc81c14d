// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Validates every line of NDJSON files (plain or .gz) against
 * docs/records.schema.json with the project's validator.
 *   schemacheck SCHEMA FILE...   prints "TYPE count" per type, and each
 *   failure as "invalid TYPE: reason"; exits 1 on any invalid record.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "user/pipeline/schema.h"

int main(int argc, char **argv)
{
	char err[512], types[32][32];
	int counts[32] = { 0 }, ntypes = 0, bad = 0, lines = 0;
	static char line[4 << 20];
	json_t *schema;

	if (argc < 3) {
		fprintf(stderr, "usage: schemacheck SCHEMA FILE...\n");
		return 2;
	}
	schema = schema_load(argv[1], err, sizeof(err));
	if (!schema) {
		fprintf(stderr, "schemacheck: %s\n", err);
		return 2;
	}
	for (int f = 2; f < argc; f++) {
		gzFile in = gzopen(argv[f], "r");

		if (!in) {
			fprintf(stderr, "schemacheck: cannot open %s\n", argv[f]);
			return 2;
		}
		while (gzgets(in, line, sizeof(line))) {
			json_error_t jerr;
			json_t *rec = json_loads(line, 0, &jerr);
			const char *type;
			int k;

			lines++;
			if (!rec) {
				printf("invalid line %d of %s: %s\n", lines, argv[f], jerr.text);
				bad++;
				continue;
			}
			type = json_string_value(json_object_get(rec, "type"));
			if (!type)
				type = "(none)";
			for (k = 0; k < ntypes && strcmp(types[k], type); k++)
				;
			if (k == ntypes && ntypes < 32)
				snprintf(types[ntypes++], sizeof(types[0]), "%s", type);
			if (k < 32)
				counts[k]++;
			if (schema_validate(schema, rec, err, sizeof(err))) {
				printf("invalid %s: %s\n", type, err);
				bad++;
			}
			json_decref(rec);
		}
		gzclose(in);
	}
	for (int k = 0; k < ntypes; k++)
		printf("%s %d\n", types[k], counts[k]);
	json_decref(schema);
	return bad ? 1 : 0;
}
