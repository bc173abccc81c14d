/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * A small JSON Schema (draft-07 subset) validator, enough to hold records
 * to docs/records.schema.json: type (name or list), required, properties,
 * additionalProperties (bool or schema), items, enum, const, minimum,
 * maximum, minLength, minItems, $ref ("#/definitions/NAME" within the
 * schema passed in), allOf, anyOf and oneOf. For oneOf over record types,
 * branches whose properties.type.const differs from the instance's "type"
 * are skipped, so the error names the record's own definition. Unknown
 * keywords are ignored. Not for hot paths (tests, --check tooling).
 */
#ifndef HOSTLENS_SCHEMA_H
#define HOSTLENS_SCHEMA_H

#include <stddef.h>
#include <jansson.h>

/*
 * Validates record against schema (the root: $refs resolve in it).
 * 0 when valid; -EINVAL with one line in err naming the JSON path, what
 * was expected and what came, e.g.
 *   "$.cpu_cores[1].usage_pct: 120 is above maximum 100".
 */
int schema_validate(const json_t *schema, const json_t *record, char *err, size_t errlen);

/* The definition for a record type ("vm-metrics") in a records schema, or NULL. Borrowed. */
const json_t *schema_definition(const json_t *schema, const char *name);

/* Loads docs/records.schema.json (or path). New reference or NULL with err set. */
json_t *schema_load(const char *path, char *err, size_t errlen);

#endif
