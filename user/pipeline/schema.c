// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* JSON Schema draft-07 subset validator (schema.h). */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "user/pipeline/schema.h"

#define SCHEMA_MAX_DEPTH 64

struct vctx {
	const json_t *root;
	char *err;
	size_t errlen;
	char path[512];
	int depth;
};

static int fail(struct vctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct vctx *c, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!c->errlen)
		return -EINVAL;
	n = snprintf(c->err, c->errlen, "%s: ", c->path[0] ? c->path : "$");
	if (n < 0 || (size_t)n >= c->errlen)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static const char *jtype(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "object";
	case JSON_ARRAY:
		return "array";
	case JSON_STRING:
		return "string";
	case JSON_INTEGER:
		return "integer";
	case JSON_REAL:
		return "number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "boolean";
	default:
		return "null";
	}
}

static bool type_is(const json_t *v, const char *t)
{
	if (!strcmp(t, "number"))
		return json_is_number(v);
	if (!strcmp(t, "integer"))
		return json_is_integer(v) ||
		       (json_is_real(v) && json_real_value(v) == floor(json_real_value(v)));
	if (!strcmp(t, "boolean"))
		return json_is_boolean(v);
	return !strcmp(jtype(v), t);
}

const json_t *schema_definition(const json_t *schema, const char *name)
{
	return json_object_get(json_object_get(schema, "definitions"), name);
}

static const json_t *resolve(struct vctx *c, const json_t *s)
{
	for (int hops = 0; hops < 16; hops++) {
		const char *ref = json_string_value(json_object_get(s, "$ref"));

		if (!ref)
			return s;
		if (strncmp(ref, "#/definitions/", 14))
			return NULL;
		s = schema_definition(c->root, ref + 14);
		if (!s)
			return NULL;
	}
	return NULL;
}

static int validate(struct vctx *c, const json_t *s, const json_t *v);

/* Validates v under a path extended by a key or an index. */
static int validate_at(struct vctx *c, const json_t *s, const json_t *v, const char *key, long idx)
{
	size_t len = strlen(c->path);
	int err;

	if (key)
		snprintf(c->path + len, sizeof(c->path) - len, "%s.%s", len ? "" : "$", key);
	else
		snprintf(c->path + len, sizeof(c->path) - len, "%s[%ld]", len ? "" : "$", idx);
	err = validate(c, s, v);
	c->path[len] = '\0';
	return err;
}

static int num_text(const json_t *v, char *buf, size_t cap)
{
	return snprintf(buf, cap, "%.10g", json_number_value(v));
}

/* The record type a oneOf branch stands for (properties.type.const), if any. */
static const char *branch_type(struct vctx *c, const json_t *b)
{
	const json_t *t;

	b = resolve(c, b);
	t = json_object_get(json_object_get(b, "properties"), "type");
	return json_string_value(json_object_get(t, "const"));
}

static int validate_of(struct vctx *c, const json_t *s, const json_t *v)
{
	const json_t *arr;
	size_t i;
	json_t *b;
	int err;

	arr = json_object_get(s, "allOf");
	json_array_foreach(arr, i, b)
		if ((err = validate(c, b, v)))
			return err;

	arr = json_object_get(s, "anyOf");
	if (arr) {
		bool ok = false;

		json_array_foreach(arr, i, b)
			if (!validate(c, b, v)) {
				ok = true;
				break;
			}
		if (!ok)
			return fail(c, "matches none of anyOf (%s)", jtype(v));
	}

	arr = json_object_get(s, "oneOf");
	if (arr) {
		const char *rt = json_string_value(json_object_get(v, "type"));
		int matched = 0, tried = 0;
		char first[256] = "";

		json_array_foreach(arr, i, b) {
			const char *bt = json_is_object(v) ? branch_type(c, b) : NULL;

			if (bt && rt && strcmp(bt, rt))
				continue; /* discriminated by "type" */
			tried++;
			if (!validate(c, b, v))
				matched++;
			else if (!first[0])
				snprintf(first, sizeof(first), "%s", c->err);
		}
		if (matched != 1) {
			if (!tried)
				return fail(c, "unknown record type '%s'", rt ? rt : "(none)");
			if (matched == 0 && tried == 1) {
				snprintf(c->err, c->errlen, "%s", first);
				return -EINVAL;
			}
			return fail(c, "matches %d of oneOf, expected exactly 1%s%s", matched,
				    first[0] ? "; first error: " : "", first);
		}
	}
	return 0;
}

/* "type": one name or a list of them. */
static int check_type(struct vctx *c, const json_t *s, const json_t *v)
{
	const json_t *t = json_object_get(s, "type");

	if (json_is_string(t) && !type_is(v, json_string_value(t)))
		return fail(c, "expected %s, got %s", json_string_value(t), jtype(v));
	if (json_is_array(t)) {
		size_t i;
		json_t *e;
		bool ok = false;
		int err;

		json_array_foreach(t, i, e)
			if (json_is_string(e) && type_is(v, json_string_value(e)))
				ok = true;
		if (!ok) {
			char *d = json_dumps(t, JSON_COMPACT);

			err = fail(c, "expected one of %s, got %s", d ? d : "?", jtype(v));
			free(d);
			return err;
		}
	}
	return 0;
}

/* "const" and "enum". */
static int check_value(struct vctx *c, const json_t *s, const json_t *v)
{
	const json_t *x;
	int err;

	if ((x = json_object_get(s, "const")) && !json_equal(x, (json_t *)v)) {
		char *d = json_dumps(x, JSON_COMPACT | JSON_ENCODE_ANY);
		char *g = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

		err = fail(c, "expected %s, got %.80s", d ? d : "?", g ? g : "?");
		free(d);
		free(g);
		return err;
	}
	if ((x = json_object_get(s, "enum"))) {
		size_t i;
		json_t *e;
		bool ok = false;

		json_array_foreach(x, i, e)
			if (json_equal(e, (json_t *)v))
				ok = true;
		if (!ok) {
			char *d = json_dumps(x, JSON_COMPACT);
			char *g = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

			err = fail(c, "%.80s is not one of %s", g ? g : "?", d ? d : "?");
			free(d);
			free(g);
			return err;
		}
	}
	return 0;
}

/* "minimum", "maximum" and "minLength". */
static int check_bounds(struct vctx *c, const json_t *s, const json_t *v)
{
	const json_t *x;
	char a[64], b[64];

	if (json_is_number(v)) {
		x = json_object_get(s, "minimum");
		if (json_is_number(x) && json_number_value(v) < json_number_value(x)) {
			num_text(v, a, sizeof(a));
			num_text(x, b, sizeof(b));
			return fail(c, "%s is below minimum %s", a, b);
		}
		x = json_object_get(s, "maximum");
		if (json_is_number(x) && json_number_value(v) > json_number_value(x)) {
			num_text(v, a, sizeof(a));
			num_text(x, b, sizeof(b));
			return fail(c, "%s is above maximum %s", a, b);
		}
	}
	if (json_is_string(v) && json_is_integer(x = json_object_get(s, "minLength")) &&
	    json_string_length(v) < (size_t)json_integer_value(x))
		return fail(c, "string shorter than %lld", (long long)json_integer_value(x));
	return 0;
}

/* An object's "required", "properties" and "additionalProperties". */
static int check_object(struct vctx *c, const json_t *s, const json_t *v)
{
	const json_t *props = json_object_get(s, "properties");
	const json_t *addl = json_object_get(s, "additionalProperties");
	const char *k;
	json_t *e;
	size_t i;
	int err = 0;

	json_array_foreach(json_object_get(s, "required"), i, e) {
		const char *name = json_string_value(e);

		if (name && !json_object_get(v, name))
			return fail(c, "required field '%s' is missing", name);
	}
	json_object_foreach((json_t *)v, k, e) {
		const json_t *ps = json_object_get(props, k);

		if (ps)
			err = validate_at(c, ps, e, k, 0);
		else if (addl)
			err = validate_at(c, addl, e, k, 0);
		if (err) {
			if (!ps && json_is_false(addl))
				fail(c, "unexpected field '%s'", k);
			return err;
		}
	}
	return 0;
}

/* An array's "minItems" and "items". */
static int check_array(struct vctx *c, const json_t *s, const json_t *v)
{
	const json_t *items = json_object_get(s, "items");
	const json_t *x = json_object_get(s, "minItems");
	json_t *e;
	size_t i;
	int err;

	if (json_is_integer(x) && json_array_size(v) < (size_t)json_integer_value(x))
		return fail(c, "expected at least %lld items, got %zu",
			    (long long)json_integer_value(x), json_array_size(v));
	if (items)
		json_array_foreach(v, i, e)
			if ((err = validate_at(c, items, e, NULL, (long)i)))
				return err;
	return 0;
}

static int validate(struct vctx *c, const json_t *s, const json_t *v)
{
	int err = 0;

	if (++c->depth > SCHEMA_MAX_DEPTH) {
		err = fail(c, "schema nested too deeply");
		goto out;
	}
	if (json_is_true(s))
		goto out;
	if (json_is_false(s)) {
		err = fail(c, "not allowed here");
		goto out;
	}
	s = resolve(c, s);
	if (!s || !json_is_object(s)) {
		err = fail(c, "bad schema ($ref not found or not an object)");
		goto out;
	}
	err = check_type(c, s, v);
	if (!err)
		err = check_value(c, s, v);
	if (!err)
		err = check_bounds(c, s, v);
	if (!err && json_is_object(v))
		err = check_object(c, s, v);
	if (!err && json_is_array(v))
		err = check_array(c, s, v);
	if (!err)
		err = validate_of(c, s, v);
out:
	c->depth--;
	return err;
}

int schema_validate(const json_t *schema, const json_t *record, char *err, size_t errlen)
{
	struct vctx c = { .root = schema, .err = err, .errlen = errlen };

	if (errlen)
		err[0] = '\0';
	return validate(&c, schema, record);
}

json_t *schema_load(const char *path, char *err, size_t errlen)
{
	json_error_t je;
	json_t *s = json_load_file(path, 0, &je);

	if (!s)
		snprintf(err, errlen, "%s:%d: %s", path, je.line, je.text);
	return s;
}
