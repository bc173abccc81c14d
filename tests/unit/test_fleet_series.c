// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* user/fleet/fleet_series.c: the series cache the web thread asks without
 * waiting (wanted -> read -> points), its cap, and the merge of partials. */
#include <string.h>

#include "tests/unit/check.h"
#include "user/fleet/fleet_series.h"

static int wakes;
static void wake(void *ctx)
{
	(void)ctx;
	wakes++;
}

static void test_fleet_series_ask_read_answer(void)
{
	struct fleet_series s;
	char src[256], m[64];
	json_t *doc;
	int st;

	fleet_series_init(&s, 2);
	s.wake = wake;
	st = fleet_series_ask(&s, "a", "cpu_usage_pct", 100, &doc);
	CHECK(st == 200 && json_is_true(json_object_get(doc, "loading")) && wakes == 1,
	      "first ask: loading, the reader woken");
	json_decref(doc);
	CHECK(fleet_series_next(&s, 100, 60000, src, sizeof(src), m, sizeof(m)) &&
		      !strcmp(src, "a") && !strcmp(m, "cpu_usage_pct"),
	      "the reader gets the wanted series");
	fleet_series_put(&s, "a", "cpu_usage_pct", json_pack("[[i, f]]", 1, 2.5), 200);
	CHECK(!fleet_series_next(&s, 300, 60000, src, sizeof(src), m, sizeof(m)),
	      "nothing left to read");
	st = fleet_series_ask(&s, "a", "cpu_usage_pct", 400, &doc);
	CHECK(st == 200 && json_is_false(json_object_get(doc, "loading")) &&
		      json_real_value(json_array_get(
			      json_array_get(json_object_get(doc, "points"), 0), 1)) == 2.5,
	      "then the points");
	json_decref(doc);
	CHECK(fleet_series_next(&s, 200 + 60001, 60000, src, sizeof(src), m, sizeof(m)),
	      "read again when asked after the ttl");
	fleet_series_ask(&s, "nobody", "cpu_usage_pct", 500, &doc);
	json_decref(doc);
	fleet_series_put(&s, "nobody", "cpu_usage_pct", NULL, 600);
	CHECK(fleet_series_ask(&s, "nobody", "cpu_usage_pct", 700, &doc) == 404,
	      "unknown host: 404");
	json_decref(doc);
	fleet_series_ask(&s, "c", "load1", 800, &doc); /* evicts the least recently asked: a */
	json_decref(doc);
	CHECK(s.n == 2 && s.evicted_total == 1, "capped at 2, one evicted (%zu, %llu)", s.n,
	      (unsigned long long)s.evicted_total);
	fleet_series_put(&s, "a", "cpu_usage_pct", json_array(),
			 900); /* evicted meanwhile: dropped */
	fleet_series_fini(&s);
}

static void test_fleet_series_partials_weighted(void)
{
	json_t *acc = json_object(), *pts;
	json_t *page = json_loads(
		"[{\"slot_start\":600000,\"samples\":10,\"fields\":{\"m\":{\"avg\":4}}},"
		" {\"slot_start\":300000,\"samples\":30,\"fields\":{\"m\":{\"avg\":1}}},"
		" {\"slot_start\":600000,\"samples\":30,\"fields\":{\"m\":{\"avg\":8}}},"
		" {\"slot_start\":900000,\"samples\":5,\"fields\":{\"other\":{\"avg\":9}}}]",
		0, NULL);
	char *s;

	fleet_series_fold(acc, page, "m");
	pts = fleet_series_points(acc);
	s = json_dumps(pts, JSON_COMPACT);
	CHECK(json_array_size(pts) == 2 &&
		      json_integer_value(json_array_get(json_array_get(pts, 0), 0)) == 300000 &&
		      json_real_value(json_array_get(json_array_get(pts, 1), 1)) == 7.0,
	      "sorted by time; partials merged by samples ((4*10+8*30)/40 = 7): %s", s);
	free(s);
	json_decref(acc);
	json_decref(pts);
	json_decref(page);
}

int main(void)
{
	RUN(test_fleet_series_ask_read_answer);
	RUN(test_fleet_series_partials_weighted);
	CHECK_DONE();
}
