// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* user/fleet/fleet_api.c: the series path, its decoding and its refusals. */
#include <string.h>

#include "tests/unit/check.h"
#include "user/fleet/fleet_api.h"

static void test_fleet_api_series_path(void)
{
	struct fleet_series s;
	json_t *doc = NULL;
	int st;

	fleet_series_init(&s, 4);
	CHECK(fleet_api_get(&s, 1, "/api/v1/fleet/other", "", &doc) == 0 && !doc, "not ours: 0");
	CHECK(fleet_api_get(&s, 1, "/api/v1/fleet/hosts//series", "metric=cpu_usage_pct", &doc) ==
		      0,
	      "an empty source is no series path");
	st = fleet_api_get(&s, 1, "/api/v1/fleet/hosts/node%2F7%20a/series",
			   "x=1&metric=cpu_usage_pct", &doc);
	CHECK(st == 200 && !strcmp(json_string_value(json_object_get(doc, "source")), "node/7 a") &&
		      json_is_true(json_object_get(doc, "loading")),
	      "decoded source, asked: %d", st);
	json_decref(doc);
	CHECK(s.n == 1 && !strcmp(s.e[0].source, "node/7 a"), "the cache holds the wanted series");
	st = fleet_api_get(&s, 1, "/api/v1/fleet/hosts/a/series", "metric=rm%20-rf", &doc);
	CHECK(st == 400 && json_array_size(json_object_get(doc, "metrics")) > 5,
	      "unknown metric: 400 with the list");
	json_decref(doc);
	st = fleet_api_get(&s, 1, "/api/v1/fleet/hosts/a%00b/series", "metric=load1", &doc);
	CHECK(st == 400, "a NUL in the source: 400");
	json_decref(doc);
	st = fleet_api_get(&s, 1, "/api/v1/fleet/hosts/a%4/series", "metric=load1", &doc);
	CHECK(st == 400, "a cut escape: 400");
	json_decref(doc);
	CHECK(s.n == 1, "refused asks leave the cache alone");
	fleet_series_fini(&s);
}

int main(void)
{
	RUN(test_fleet_api_series_path);
	CHECK_DONE();
}
