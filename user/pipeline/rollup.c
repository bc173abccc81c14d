// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Five-minute rollups of records (rollup.h). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "user/runtime/log.h"
#include "user/pipeline/record.h"
#include "user/pipeline/rollup.h"

struct rstat {
	char name[64];
	double min, max, sum, last;
	uint64_t n;
	struct hist *h; /* top-level fields only */
};

struct rgroup {
	char array[32]; /* "disks" */
	char key[96];	/* "vda" */
	struct rstat *f;
	int nf, cap;	  /* cap grows to ROLLUP_MAX_GROUP_FIELDS */
	uint64_t samples; /* records of the window it was in */
	uint64_t seen;	  /* the window's sample count when it was last in one */
};

struct rhist {
	char name[64];
	struct hist h;
};

struct rollup {
	char of[32];
	char source[256];
	int64_t window_ms;
	bool open; /* a window is open: slot [start, start + window_ms) */
	int64_t start;
	uint64_t samples; /* records folded into it */
	int64_t first_ms; /* start of its first sample's window */
	int64_t last_ms;  /* end (timestamp) of its latest sample */
	bool head;	  /* its samples reach back to the slot start */
	bool has_prev;	  /* prev_ms holds the end of this run's latest sample */
	int64_t prev_ms;  /* kept across slots, forgotten after a gap */
	json_t *ready;	  /* finished rollup-5m records, array */
	uint64_t dropped;
	uint64_t evicted; /* groups that made room for a newer one */
	struct rstat *f;
	int nf;
	struct rgroup *g;
	int ng, gcap;
	struct rhist *hs[ROLLUP_MAX_HISTS];
	int nh;
};

static const char *const id_fields[] = { "pid",	   "direction", "method",     "route",
					 "device", "interface", "mountpoint", "cpu",
					 "addr",   "port",	NULL };

struct rollup *rollup__new(const char *of_type, const char *source, int64_t window_ms)
{
	struct rollup *r;

	if (!of_type || window_ms <= 0) {
		errno = EINVAL;
		return NULL;
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	snprintf(r->of, sizeof(r->of), "%s", of_type);
	snprintf(r->source, sizeof(r->source), "%s", source ? source : "");
	r->window_ms = window_ms;
	r->f = calloc(ROLLUP_MAX_FIELDS, sizeof(*r->f));
	r->ready = json_array();
	if (!r->f || !r->ready) {
		free(r->f);
		json_decref(r->ready);
		free(r);
		errno = ENOMEM;
		return NULL;
	}
	return r;
}

static void rollup_clear(struct rollup *r)
{
	for (int i = 0; i < r->nf; i++)
		free(r->f[i].h);
	memset(r->f, 0, (size_t)r->nf * sizeof(*r->f));
	r->nf = 0;
	for (int i = 0; i < r->ng; i++)
		free(r->g[i].f);
	free(r->g);
	r->g = NULL;
	r->ng = r->gcap = 0;
	for (int i = 0; i < r->nh; i++)
		free(r->hs[i]);
	r->nh = 0;
	r->samples = 0;
	r->dropped = r->evicted = 0;
	r->head = false;
	r->open = false;
}

void rollup__free(struct rollup *r)
{
	if (!r)
		return;
	rollup_clear(r);
	json_decref(r->ready);
	free(r->f);
	free(r);
}

static void rstat_add(struct rstat *s, double v)
{
	if (!s->n || v < s->min)
		s->min = v;
	if (!s->n || v > s->max)
		s->max = v;
	s->sum += v;
	s->last = v;
	s->n++;
	if (s->h)
		hist__add(s->h, v);
}

/* Finds or makes the stat `name` among f[0..*n) (capacity cap). */
static struct rstat *rstat_get(struct rstat *f, int *n, int cap, const char *name, bool with_hist,
			       uint64_t *dropped)
{
	struct rstat *s;

	for (int i = 0; i < *n; i++)
		if (!strcmp(f[i].name, name))
			return &f[i];
	if (*n == cap || strlen(name) >= sizeof(f->name)) {
		(*dropped)++;
		return NULL;
	}
	s = &f[*n];
	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "%s", name);
	if (with_hist) {
		s->h = calloc(1, sizeof(*s->h));
		if (!s->h) {
			(*dropped)++;
			return NULL;
		}
	}
	(*n)++;
	return s;
}

static bool is_id_field(const char *k)
{
	for (int i = 0; id_fields[i]; i++)
		if (!strcmp(id_fields[i], k))
			return true;
	return false;
}

/* Identity of an array item: its id fields joined by spaces; false if none. */
static bool item_key(const json_t *o, char *key, size_t cap)
{
	size_t len = 0;

	key[0] = '\0';
	for (int i = 0; id_fields[i]; i++) {
		json_t *v = json_object_get(o, id_fields[i]);
		int n;

		if (json_is_string(v))
			n = snprintf(key + len, cap - len, "%s%s", len ? " " : "",
				     json_string_value(v));
		else if (json_is_integer(v))
			n = snprintf(key + len, cap - len, "%s%lld", len ? " " : "",
				     (long long)json_integer_value(v));
		else
			continue;
		if (n < 0 || (size_t)n >= cap - len)
			return false;
		len += (size_t)n;
	}
	return len > 0;
}

/* When the groups are all taken: the one with the fewest samples among those
 * the current record has not named (a process that exited, a route gone
 * quiet), or -1. */
static int group_victim(const struct rollup *r)
{
	int v = -1;

	for (int i = 0; i < r->ng; i++)
		if (r->g[i].seen < r->samples && (v < 0 || r->g[i].samples < r->g[v].samples))
			v = i;
	return v;
}

static struct rgroup *group_get(struct rollup *r, const char *array, const char *key)
{
	struct rstat *f;
	struct rgroup *g;
	int i;

	for (i = 0; i < r->ng; i++)
		if (!strcmp(r->g[i].array, array) && !strcmp(r->g[i].key, key))
			goto found;
	if (strlen(array) >= sizeof(g->array) || strlen(key) >= sizeof(g->key)) {
		r->dropped++;
		return NULL;
	}
	f = calloc(8, sizeof(*f));
	if (!f) {
		r->dropped++;
		return NULL;
	}
	if (r->ng == ROLLUP_MAX_GROUPS) {
		i = group_victim(r);
		if (i < 0) {
			free(f);
			r->dropped++;
			return NULL;
		}
		r->evicted++;
		free(r->g[i].f);
	} else {
		if (r->ng == r->gcap) {
			int cap = r->gcap ? r->gcap * 2 : 8;
			struct rgroup *n = realloc(r->g, (size_t)cap * sizeof(*n));

			if (!n) {
				free(f);
				return NULL;
			}
			r->g = n;
			r->gcap = cap;
		}
		i = r->ng++;
	}
	g = &r->g[i];
	memset(g, 0, sizeof(*g));
	g->cap = 8;
	g->f = f;
	snprintf(g->array, sizeof(g->array), "%s", array);
	snprintf(g->key, sizeof(g->key), "%s", key);
found:
	g = &r->g[i];
	if (g->seen != r->samples) {
		g->seen = r->samples;
		g->samples++;
	}
	return g;
}

static void fold_item(struct rollup *r, const char *array, const json_t *o)
{
	char key[96];
	struct rgroup *g;
	const char *k;
	json_t *v;

	if (!item_key(o, key, sizeof(key)))
		return;
	g = group_get(r, array, key);
	if (!g)
		return;
	json_object_foreach((json_t *)o, k, v) {
		struct rstat *s;

		if (!json_is_number(v) || is_id_field(k))
			continue;
		if (g->nf == g->cap && g->cap < ROLLUP_MAX_GROUP_FIELDS) {
			int cap = g->cap * 2 > ROLLUP_MAX_GROUP_FIELDS ? ROLLUP_MAX_GROUP_FIELDS :
									 g->cap * 2;
			struct rstat *n = realloc(g->f, (size_t)cap * sizeof(*n));

			if (n) {
				g->f = n;
				g->cap = cap;
			}
		}
		s = rstat_get(g->f, &g->nf, g->cap, k, false, &r->dropped);
		if (s)
			rstat_add(s, json_number_value(v));
	}
}

static void fold_field(struct rollup *r, const char *name, double v)
{
	struct rstat *s = rstat_get(r->f, &r->nf, ROLLUP_MAX_FIELDS, name, true, &r->dropped);

	if (s)
		rstat_add(s, v);
}

static json_t *stat_json(const struct rstat *s)
{
	json_t *o = json_pack("{s:f,s:f,s:f,s:f}", "min", s->min, "avg", s->sum / (double)s->n,
			      "max", s->max, "last", s->last);

	if (o && s->h)
		json_object_set_new(o, "p95", json_real(hist__quantile(s->h, 0.95)));
	return o;
}

/* Busiest first: in more of the window's records, then more recently. */
static int group_order(const void *a, const void *b)
{
	const struct rgroup *x = *(const struct rgroup *const *)a;
	const struct rgroup *y = *(const struct rgroup *const *)b;
	int c = strcmp(x->array, y->array);

	if (c)
		return c;
	if (x->samples != y->samples)
		return x->samples > y->samples ? -1 : 1;
	if (x->seen != y->seen)
		return x->seen > y->seen ? -1 : 1;
	return x < y ? -1 : x > y;
}

/* groups[array][key] for the ROLLUP_EMIT_GROUPS busiest items of each
 * array; omitted[array] counts the others. */
static void build_groups(const struct rollup *r, json_t *groups, json_t *omitted)
{
	struct rgroup **order = malloc(((size_t)r->ng + 1) * sizeof(*order));
	int run = 0;

	if (!order)
		return;
	for (int i = 0; i < r->ng; i++)
		order[i] = &r->g[i];
	qsort(order, (size_t)r->ng, sizeof(*order), group_order);
	for (int i = 0; i < r->ng; i++) {
		const struct rgroup *g = order[i];
		json_t *arr, *item;

		run = i && !strcmp(order[i - 1]->array, g->array) ? run + 1 : 0;
		if (run >= ROLLUP_EMIT_GROUPS) {
			json_object_set_new(omitted, g->array,
					    json_integer(run - ROLLUP_EMIT_GROUPS + 1));
			continue;
		}
		arr = json_object_get(groups, g->array);
		if (!arr) {
			arr = json_object();
			json_object_set_new(groups, g->array, arr);
		}
		item = json_object();
		for (int k = 0; k < g->nf; k++)
			json_object_set_new(item, g->f[k].name, stat_json(&g->f[k]));
		json_object_set_new(arr, g->key, item);
	}
	free(order);
}

/*
 * The interval the window's samples cover, inside its slot: from the slot
 * start when they reach back to it, else from the first sample's window
 * start; to the slot end when sampling went on past it (tail), else to the
 * last sample's end. Never later than a sample already seen, so never in
 * the future. Partial unless both ends are the slot's.
 */
static json_t *rollup_build(struct rollup *r, bool tail)
{
	json_t *rec, *fields, *groups, *hists, *omitted;
	int64_t slot_end = r->start + r->window_ms;
	int64_t from = r->head ? r->start : r->first_ms;
	int64_t to = tail ? slot_end : r->last_ms;

	rec = record_new("rollup-5m", r->source, to);
	if (!rec)
		return NULL;
	fields = json_object();
	groups = json_object();
	hists = json_object();
	omitted = json_object();
	json_object_set_new(rec, "of", json_string(r->of));
	json_object_set_new(rec, "window_start", json_integer(from));
	json_object_set_new(rec, "window_end", json_integer(to));
	json_object_set_new(rec, "slot_start", json_integer(r->start));
	json_object_set_new(rec, "slot_end", json_integer(slot_end));
	json_object_set_new(rec, "partial", json_boolean(!(r->head && tail)));
	json_object_set_new(rec, "samples", json_integer((json_int_t)r->samples));
	for (int i = 0; i < r->nf; i++)
		json_object_set_new(fields, r->f[i].name, stat_json(&r->f[i]));
	build_groups(r, groups, omitted);
	for (int i = 0; i < r->nh; i++) {
		const struct hist *h = &r->hs[i]->h;

		if (!hist__count(h))
			continue;
		json_object_set_new(hists, r->hs[i]->name,
				    json_pack("{s:I,s:f,s:f,s:f,s:f,s:f,s:f}", "count",
					      (json_int_t)hist__count(h), "min", hist__min(h),
					      "avg", hist__mean(h), "p50", hist__quantile(h, 0.5),
					      "p95", hist__quantile(h, 0.95), "p99",
					      hist__quantile(h, 0.99), "max", hist__max(h)));
	}
	json_object_set_new(rec, "fields", fields);
	if (json_object_size(groups))
		json_object_set_new(rec, "groups", groups);
	else
		json_decref(groups);
	if (json_object_size(hists))
		json_object_set_new(rec, "histograms", hists);
	else
		json_decref(hists);
	if (json_object_size(omitted))
		json_object_set_new(rec, "groups_omitted", omitted);
	else
		json_decref(omitted);
	if (r->evicted)
		json_object_set_new(rec, "groups_evicted", json_integer((json_int_t)r->evicted));
	if (r->dropped)
		json_object_set_new(rec, "dropped_fields", json_integer((json_int_t)r->dropped));
	return rec;
}

/* Closes the open window: its record (when it saw any record) goes to ready.
 * tail: a later sample continues from at or before the slot end. */
static void rollup_close(struct rollup *r, bool tail)
{
	if (r->open && r->samples) {
		json_t *rec = rollup_build(r, tail);

		if (rec)
			json_array_append_new(r->ready, rec);
		else
			pr_warn("rollup %s: out of memory, window of %lld lost", r->of,
				(long long)r->start);
	}
	rollup_clear(r);
}

/* Makes sure the window holding t is the open one; from: the start of the
 * window of the sample at t. */
static void rollup_window(struct rollup *r, int64_t t, int64_t from)
{
	if (r->open && t >= r->start + r->window_ms)
		rollup_close(r, from <= r->start + r->window_ms);
	if (!r->open) {
		r->start = t - (((t % r->window_ms) + r->window_ms) % r->window_ms);
		r->open = true;
	}
}

void rollup__flush(struct rollup *r, int64_t now_ms, bool force)
{
	if (r->open && (force || now_ms >= r->start + r->window_ms)) {
		/* no sample carried the window to its end: a gap or a stop */
		rollup_close(r, false);
		r->has_prev = false;
	}
}

json_t *rollup__take(struct rollup *r)
{
	json_t *out = r->ready, *fresh = json_array();

	if (!fresh)
		return NULL;
	r->ready = fresh;
	return out;
}

/*
 * Start of the window a record at t stands for: t - window_s when it says
 * (the flush interval of the BPF records); else it is a reading (vm-metrics)
 * standing for the time since this run's previous reading, or for t alone
 * when it is the first.
 */
static int64_t sample_from(const struct rollup *r, const json_t *rec, int64_t t)
{
	json_t *w = json_object_get(rec, "window_s");
	double s = json_number_value(w);

	if (json_is_number(w) && s >= 0 && s < 1e9)
		return t - llround(s * 1000);
	return r->has_prev && r->prev_ms <= t ? r->prev_ms : t;
}

int rollup__add(struct rollup *r, const json_t *rec)
{
	const char *type = json_string_value(json_object_get(rec, "type"));
	json_t *ts = json_object_get(rec, "timestamp");
	int64_t t, from;
	const char *k;
	json_t *v;

	if (!json_is_object(rec) || !type || strcmp(type, r->of) || !json_is_integer(ts))
		return -EINVAL;
	t = json_integer_value(ts);
	from = sample_from(r, rec, t);
	rollup_window(r, t, from);
	if (!r->samples) {
		r->first_ms = from;
		r->head = from <= r->start;
	}
	if (!r->samples || t > r->last_ms)
		r->last_ms = t;
	r->samples++;
	r->prev_ms = t;
	r->has_prev = true;

	json_object_foreach((json_t *)rec, k, v) {
		if (!strcmp(k, "timestamp"))
			continue;
		if (json_is_number(v)) {
			fold_field(r, k, json_number_value(v));
		} else if (json_is_object(v)) {
			const char *k2;
			json_t *v2;

			json_object_foreach(v, k2, v2) {
				char name[64];

				if (!json_is_number(v2))
					continue;
				if (snprintf(name, sizeof(name), "%s.%s", k, k2) >=
				    (int)sizeof(name)) {
					r->dropped++;
					continue;
				}
				fold_field(r, name, json_number_value(v2));
			}
		} else if (json_is_array(v)) {
			size_t i;
			json_t *o;

			json_array_foreach(v, i, o)
				if (json_is_object(o))
					fold_item(r, k, o);
		}
	}
	return 0;
}

int rollup__add_hist(struct rollup *r, const char *name, const struct hist *h, int64_t ts_ms)
{
	struct rhist *rh = NULL;

	/* not a sample: it moves the window on but says nothing of coverage */
	rollup_window(r, ts_ms, r->has_prev && r->prev_ms <= ts_ms ? r->prev_ms : ts_ms);
	for (int i = 0; i < r->nh; i++)
		if (!strcmp(r->hs[i]->name, name))
			rh = r->hs[i];
	if (!rh) {
		if (r->nh == ROLLUP_MAX_HISTS) {
			r->dropped++;
			return -ENOSPC;
		}
		rh = calloc(1, sizeof(*rh));
		if (!rh)
			return -ENOMEM;
		snprintf(rh->name, sizeof(rh->name), "%s", name);
		r->hs[r->nh++] = rh;
	}
	hist__merge(&rh->h, h);
	return 0;
}

/* ---- every type ----------------------------------------------------------- */

static const char *const rolled_types[] = { "vm-metrics",   "webapp-metrics",  "process-metrics",
					    "disk-metrics", "network-metrics", "database-metrics" };

#define N_ROLLED (sizeof(rolled_types) / sizeof(rolled_types[0]))

struct rollups {
	char source[256];
	int64_t window_ms;
	struct rollup *r[N_ROLLED];
};

struct rollups *rollups__new(const char *source, int64_t window_ms)
{
	struct rollups *rs;

	if (window_ms <= 0) {
		errno = EINVAL;
		return NULL;
	}
	rs = calloc(1, sizeof(*rs));
	if (!rs)
		return NULL;
	snprintf(rs->source, sizeof(rs->source), "%s", source ? source : "");
	rs->window_ms = window_ms;
	return rs;
}

void rollups__free(struct rollups *rs)
{
	if (!rs)
		return;
	for (size_t i = 0; i < N_ROLLED; i++)
		rollup__free(rs->r[i]);
	free(rs);
}

/* The rollup of type, made on first use; NULL for types not rolled up. */
static struct rollup *rollups_get(struct rollups *rs, const char *type)
{
	for (size_t i = 0; type && i < N_ROLLED; i++) {
		if (strcmp(rolled_types[i], type))
			continue;
		if (!rs->r[i])
			rs->r[i] = rollup__new(rolled_types[i], rs->source, rs->window_ms);
		return rs->r[i];
	}
	return NULL;
}

int rollups__add_hist(struct rollups *rs, const char *of_type, const char *name,
		      const struct hist *h, int64_t ts_ms)
{
	struct rollup *r = rollups_get(rs, of_type);

	return r ? rollup__add_hist(r, name, h, ts_ms) : -EINVAL;
}

int rollups__fold_batch(struct rollups *rs, struct record_batch *b, int64_t now_ms, bool force)
{
	size_t n;
	int added = 0;

	if (!b)
		return -EINVAL;
	n = b->n;
	for (size_t i = 0; i < n; i++) {
		struct rollup *r = rollups_get(rs, b->recs[i].type);

		if (r)
			rollup__add(r, b->recs[i].obj);
	}
	for (size_t i = 0; i < N_ROLLED; i++) {
		json_t *done, *rec;
		size_t k;

		if (!rs->r[i])
			continue;
		rollup__flush(rs->r[i], now_ms, force);
		done = rollup__take(rs->r[i]);
		if (!done)
			return -ENOMEM;
		json_array_foreach(done, k, rec) {
			if (record_batch__add(b, json_incref(rec))) {
				json_decref(done);
				return -ENOMEM;
			}
			added++;
		}
		json_decref(done);
	}
	return added;
}
