// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Holds emitted records to the contract: validates every record of the
 * given types in an NDJSON file against docs/records.schema.json.
 *   nd_schemacheck SCHEMA FILE TYPE...
 * Prints "ok schema_TYPE" or "FAIL schema_TYPE: why" per type; a type with
 * no record fails (the test meant to produce one).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "user/schema.h"

int main(int argc, char **argv)
{
	char err[512], line[1 << 16];
	json_t *schema;
	int failed = 0;

	if (argc < 4) {
		fprintf(stderr, "usage: nd_schemacheck SCHEMA FILE TYPE...\n");
		return 2;
	}
	schema = schema_load(argv[1], err, sizeof(err));
	if (!schema) {
		fprintf(stderr, "nd_schemacheck: %s\n", err);
		return 2;
	}
	for (int t = 3; t < argc; t++) {
		FILE *f = fopen(argv[2], "r");
		int n = 0, bad = 0, lineno = 0;
		char first[600] = "";

		while (f && fgets(line, sizeof(line), f)) {
			json_t *rec = json_loads(line, 0, NULL);
			const char *type;

			lineno++;
			type = json_string_value(json_object_get(rec, "type"));
			if (type && !strcmp(type, argv[t])) {
				n++;
				if (schema_validate(schema, rec, err, sizeof(err))) {
					if (!bad++)
						snprintf(first, sizeof(first), "line %d: %s", lineno, err);
				}
			}
			json_decref(rec);
		}
		if (f)
			fclose(f);
		if (!n || bad) {
			printf("FAIL schema_%s: expected valid %s records in %s, got %d of %d invalid%s%s\n",
			       argv[t], argv[t], argv[2], bad, n, first[0] ? ", first: " : "", first);
			failed = 1;
		} else {
			printf("ok schema_%s\n", argv[t]);
		}
	}
	json_decref(schema);
	return failed;
}
