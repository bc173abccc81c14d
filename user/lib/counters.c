// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Counters published once, rendered to JSON and Prometheus (counters.h). */
#include <string.h>

#include "user/lib/counters.h"

/* Where item i's values are: snapshot structs, or the objects of a JSON
 * array; what tells the items apart on /metrics. */
struct items {
	const void *const *snaps;
	json_t *json;
	size_t count;
	const char *label;
	const char *const *values;
	const char *label_key;
};

static const void *field(const struct items *it, size_t i, const struct counter_row *r)
{
	return (const char *)it->snaps[i] + r->off;
}

/* Member key of JSON object i */
static json_t *member(const struct items *it, size_t i, const char *key)
{
	return json_object_get(json_array_get(it->json, i), key);
}

static uint64_t uint_at(const struct items *it, size_t i, const struct counter_row *r)
{
	uint64_t v;

	if (it->json)
		return (uint64_t)json_integer_value(member(it, i, r->key));
	memcpy(&v, field(it, i, r), sizeof(v));
	return v;
}

static int64_t int_at(const struct items *it, size_t i, const struct counter_row *r)
{
	int64_t v;

	if (it->json)
		return (int64_t)json_integer_value(member(it, i, r->key));
	memcpy(&v, field(it, i, r), sizeof(v));
	return v;
}

static double double_at(const struct items *it, size_t i, const struct counter_row *r)
{
	double v;

	if (it->json)
		return json_number_value(member(it, i, r->key));
	memcpy(&v, field(it, i, r), sizeof(v));
	return v;
}

static const char *item_label(const struct items *it, size_t i)
{
	if (it->json)
		return json_string_value(member(it, i, it->label_key));
	return it->values ? it->values[i] : NULL;
}

/* Row r's integer value on one line: exact, unless the row scales it. */
static void sample_uint(struct prom *w, const struct counter_row *r, const struct prom_labels *l,
			uint64_t v)
{
	if (r->scale && r->scale != 1)
		prom_sample_double(w, r->name, l, (double)v * r->scale);
	else
		prom_sample_uint(w, r->name, l, v);
}

/* Row r's samples for item i: one, or one per element of a COUNTER_VEC. */
static void row_samples(struct prom *w, const struct counter_row *r, const struct items *it,
			size_t i)
{
	const double scale = r->scale ? r->scale : 1;
	struct prom_labels l;
	struct counter_vec v;
	size_t mark;

	prom_labels_init(&l);
	if (it->label) {
		const char *iv = item_label(it, i);

		prom_label(&l, it->label, iv ? iv : "");
	}
	if (r->label && r->kind != COUNTER_VEC)
		prom_label(&l, r->label, r->label_value);
	switch (r->kind) {
	case COUNTER_UINT:
		sample_uint(w, r, &l, uint_at(it, i, r));
		break;
	case COUNTER_INT:
		if (scale == 1)
			prom_sample_int(w, r->name, &l, (long long)int_at(it, i, r));
		else
			prom_sample_double(w, r->name, &l, (double)int_at(it, i, r) * scale);
		break;
	case COUNTER_DOUBLE:
		prom_sample_double(w, r->name, &l, double_at(it, i, r) * scale);
		break;
	case COUNTER_VEC:
		if (it->json) /* a vector is a snapshot's, never a JSON source's */
			break;
		memcpy(&v, field(it, i, r), sizeof(v));
		mark = l.len;
		for (size_t e = 0; e < v.n; e++) {
			prom_labels_cut(&l, mark);
			if (v.names)
				prom_label(&l, r->label, v.names[e]);
			else
				prom_label_uint(&l, r->label, e);
			sample_uint(w, r, &l, v.v[e]);
		}
		break;
	}
}

/* Family by family (adjacent rows of one name), every item's samples. */
static void render(struct prom *w, const struct counter_row *rows, size_t n, const struct items *it)
{
	size_t a = 0;

	while (a < n) {
		size_t b = a + 1;

		if (!rows[a].name) {
			a++;
			continue;
		}
		while (b < n && rows[b].name && !strcmp(rows[b].name, rows[a].name))
			b++;
		prom_family(w, rows[a].name, rows[a].type, "%s", rows[a].help);
		for (size_t i = 0; i < it->count; i++)
			for (size_t r = a; r < b; r++)
				row_samples(w, &rows[r], it, i);
		a = b;
	}
}

void counters_prom(struct prom *w, const struct counter_row *rows, size_t n, const void *snap)
{
	const struct items it = { .snaps = &snap, .count = 1 };

	render(w, rows, n, &it);
}

void counters_prom_each(struct prom *w, const struct counter_row *rows, size_t n,
			const void *const *snaps, size_t count, const char *label,
			const char *const *values)
{
	const struct items it = {
		.snaps = snaps,
		.count = count,
		.label = label,
		.values = values,
	};

	render(w, rows, n, &it);
}

void counters_prom_json(struct prom *w, const struct counter_row *rows, size_t n, json_t *items,
			const char *label, const char *label_key)
{
	const struct items it = {
		.json = items,
		.count = json_array_size(items),
		.label = label,
		.label_key = label_key,
	};

	if (it.count)
		render(w, rows, n, &it);
}

static json_t *vec_json(const struct counter_vec *v)
{
	json_t *o = v->names ? json_object() : json_array();

	for (size_t e = 0; e < v->n; e++) {
		json_t *x = json_integer((json_int_t)v->v[e]);

		if (v->names)
			json_object_set_new(o, v->names[e], x);
		else
			json_array_append_new(o, x);
	}
	return o;
}

void counters_json(const struct counter_row *rows, size_t n, const void *snap, json_t *obj)
{
	const struct items it = { .snaps = &snap, .count = 1 };

	for (size_t r = 0; r < n; r++) {
		const char *key = rows[r].key, *dot;
		json_t *dst = obj, *v;

		if (!key)
			continue;
		dot = strchr(key, '.');
		if (dot) { /* "log.used_bytes": into object "log" */
			char parent[64];

			snprintf(parent, sizeof(parent), "%.*s", (int)(dot - key), key);
			dst = json_object_get(obj, parent);
			if (!dst) {
				dst = json_object();
				json_object_set_new(obj, parent, dst);
			}
			key = dot + 1;
		}
		if (rows[r].kind == COUNTER_VEC) {
			struct counter_vec vec;

			memcpy(&vec, field(&it, 0, &rows[r]), sizeof(vec));
			v = vec_json(&vec);
		} else if (rows[r].kind == COUNTER_DOUBLE) {
			v = json_real(double_at(&it, 0, &rows[r]));
		} else if (rows[r].kind == COUNTER_INT) {
			v = json_integer((json_int_t)int_at(&it, 0, &rows[r]));
		} else {
			v = json_integer((json_int_t)uint_at(&it, 0, &rows[r]));
		}
		json_object_set_new(dst, key, v);
	}
}
