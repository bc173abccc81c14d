// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* user/fleet/fleet_hosts.c: the bounded host table (window, cap, staleness)
 * and the documents made from it. */
#include <errno.h>
#include <string.h>

#include "tests/unit/check.h"
#include "user/fleet/fleet_hosts.h"

static json_t *reg(const char *source, int64_t seen)
{
	return json_pack("{s:s, s:I, s:s, s:{s:s, s:s}}", "source", source, "last_seen",
			 (json_int_t)seen, "address", "http://x:9090", "latest", "vm-metrics",
			 "100.5", "alert", "90");
}

static void add(struct fleet_hosts *hs, const char *source, int64_t seen, int64_t now)
{
	json_t *r = reg(source, seen);

	fleet_hosts_registry(hs, r, now, 3600000);
	json_decref(r);
}

static void test_fleet_hosts_window_and_cap(void)
{
	struct fleet_hosts hs;
	int64_t now = 10000000;
	char err[128] = "";

	fleet_hosts_init(&hs, 2);
	add(&hs, "a", now - 1000, now);
	add(&hs, "old", now - 3600001, now);
	CHECK(hs.n == 1 && !strcmp(hs.h[0].source, "a") &&
		      !strcmp(hs.h[0].want[FLEET_VM], "100.5") &&
		      !strcmp(hs.h[0].address, "http://x:9090"),
	      "seen within the window: listed with its pointers; older: not (%zu hosts)", hs.n);
	add(&hs, "b", now - 5000, now);
	add(&hs, "c", now - 100, now);	/* fresher than b: b makes room */
	add(&hs, "d", now - 9000, now); /* older than both: left out */
	CHECK(hs.n == 2 && fleet_hosts_find(&hs, "a") && fleet_hosts_find(&hs, "c") &&
		      !fleet_hosts_find(&hs, "b") && !fleet_hosts_find(&hs, "d"),
	      "the freshest two kept");
	CHECK(hs.dropped_total == 2 && hs.dropped_now == 2, "left out counted: %llu",
	      (unsigned long long)hs.dropped_total);
	fleet_hosts_expire(&hs, now + 3600000 - 500, 3600000);
	CHECK(hs.n == 1 && !strcmp(hs.h[0].source, "c"), "expired past the window: %zu left", hs.n);
	CHECK(fleet_hosts_add_configured(&hs, "cfg") && hs.n == 2, "a configured source added");
	fleet_hosts_expire(&hs, now + 99999999, 3600000);
	CHECK(hs.n == 1 && hs.h[0].configured, "configured sources stay");
	/* a reload that drops the source: an ordinary host, gone past the window */
	CHECK(fleet_hosts_configure(&hs, " x, ,", err, sizeof(err)) == 0 && hs.n == 2 &&
		      !fleet_hosts_find(&hs, "cfg")->configured &&
		      fleet_hosts_find(&hs, "x")->configured,
	      "a new list: the old source an ordinary host, the new one configured");
	CHECK(fleet_sources_check(" x, ,y,", 2, err, sizeof(err)) == 0 &&
		      fleet_sources_check(" x, ,y,z", 2, err, sizeof(err)) == -EINVAL &&
		      strstr(err, "3 sources"),
	      "blank names not counted; too many named: %s", err);
	CHECK(fleet_hosts_configure(&hs, "a,b,c", err, sizeof(err)) == -EINVAL &&
		      fleet_hosts_find(&hs, "x")->configured,
	      "more sources than the table holds: refused, nothing changed");
	CHECK(fleet_hosts_configure(&hs, "y", err, sizeof(err)) == 0 &&
		      fleet_hosts_find(&hs, "y")->configured && hs.n == 2 && hs.dropped_total == 3,
	      "a full table: a configured source goes before the host seen longest ago");
	CHECK(fleet_hosts_configure(&hs, "", err, sizeof(err)) == 0, "no sources");
	fleet_hosts_expire(&hs, now + 99999999, 3600000);
	CHECK(hs.n == 0, "unconfigured sources expire: %zu left", hs.n);
	fleet_hosts_fini(&hs);
}

static void test_fleet_host_values_and_docs(void)
{
	struct fleet_hosts hs;
	int64_t now = 10000000;
	json_t *vm = json_pack("{s:s, s:f, s:f}", "id", "a#vm-metrics", "timestamp", 9999000.25,
			       "cpu_usage_pct", 40.0);
	json_t *routes = json_array(), *web, *doc, *rdoc,
	       *status = json_pack("{s:s}", "state", "ok");
	char *s;

	for (int i = 0; i < 14; i++)
		json_array_append_new(routes, json_pack("{s:s, s:s, s:s, s:f, s:f}", "direction",
							i == 13 ? "outbound" : "inbound", "method",
							"GET", "route", "/r", "latency_p95_ms",
							(double)i, "requests_per_s", 1.0));
	web = json_pack("{s:I, s:f, s:f, s:o}", "timestamp", (json_int_t)9999000, "requests_per_s",
			10.0, "error_rate_pct", 2.0, "routes", routes);
	fleet_hosts_init(&hs, 10);
	add(&hs, "a", now - 1000, now);
	add(&hs, "b", now - 600000, now);
	fleet_host_set(&hs.h[0], FLEET_VM, vm, "100.5");
	fleet_host_set(&hs.h[0], FLEET_WEB, web, "7");
	CHECK(!strcmp(hs.h[0].have[FLEET_VM], "100.5") && hs.h[0].last_seen_ms == 9999000,
	      "the item read is remembered; last seen from the newest");
	CHECK(json_array_size(json_object_get(hs.h[0].web, "routes")) == FLEET_HOST_ROUTES &&
		      json_number_value(json_object_get(
			      json_array_get(json_object_get(hs.h[0].web, "routes"), 0),
			      "latency_p95_ms")) == 12.0,
	      "10 slowest served routes kept, outbound left out");
	fleet_host_set(&hs.h[1], FLEET_WEB, web, "8");
	hs.h[1].last_seen_ms = now - 600000; /* its item is old too */
	doc = fleet_hosts_doc(&hs, now, 180000, status);
	s = json_dumps(doc, JSON_COMPACT);
	CHECK(json_is_false(
		      json_object_get(json_array_get(json_object_get(doc, "hosts"), 0), "stale")) &&
		      json_is_true(json_object_get(json_array_get(json_object_get(doc, "hosts"), 1),
						   "stale")),
	      "a seen 1 s ago fresh, b 10 min ago stale: %s", s);
	CHECK(json_number_value(
		      json_object_get(json_object_get(doc, "totals"), "requests_per_s")) == 10.0 &&
		      json_integer_value(
			      json_object_get(json_object_get(doc, "totals"), "stale")) == 1 &&
		      json_object_get(doc, "status"),
	      "totals count fresh hosts only: %s", s);
	free(s);
	rdoc = fleet_routes_doc(&hs, 3);
	CHECK(json_array_size(json_object_get(rdoc, "routes")) == 3 &&
		      json_number_value(
			      json_object_get(json_array_get(json_object_get(rdoc, "routes"), 0),
					      "latency_p95_ms")) == 12.0,
	      "slowest routes across hosts");
	json_decref(doc);
	json_decref(rdoc);
	json_decref(status);
	json_decref(vm);
	json_decref(web);
	fleet_hosts_fini(&hs);
}

int main(void)
{
	RUN(test_fleet_hosts_window_and_cap);
	RUN(test_fleet_host_values_and_docs);
	CHECK_DONE();
}
