// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Five-minute rollups: 30 records of 10 s fold into one rollup-5m record
 * with exact min/avg/max/last, p95 within 1%, per-item groups, histograms
 * merged bucket-wise equal to one histogram of every value, window
 * alignment and closing, the batch-level helper the processor calls at
 * flush, and the result valid against the records schema. Coverage: a slot
 * sampled throughout is not partial and spans the slot; a run started or
 * stopped mid-slot gives a partial spanning only its samples, never ending
 * after the time it is made, and two runs in one slot do not overlap.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tests/unit/check.h"
#include "collectors/collector.h"
#include "user/lib/hist.h"
#include "user/pipeline/record.h"
#include "user/pipeline/rollup.h"
#include "user/pipeline/schema.h"

#define W0 1732200000000LL /* a multiple of 5 min */

static json_t *schema;
static char err[256];

static double stat(const json_t *rec, const char *field, const char *what)
{
	return json_number_value(
		json_object_get(json_object_get(json_object_get(rec, "fields"), field), what));
}

static int64_t ival(const json_t *rec, const char *key)
{
	return json_integer_value(json_object_get(rec, key));
}

/* A record of the BPF kind: it says its window (the flush interval). */
static json_t *pm_record(int64_t ts, double window_s, double v)
{
	json_t *r = record_new("process-metrics", "host-p", ts);

	json_object_set_new(r, "window_s", json_real(window_s));
	json_object_set_new(r, "oncpu_total_ms", json_real(v));
	return r;
}

static json_t *vm_record(int64_t ts, int i)
{
	json_t *r = record_new("vm-metrics", "host-r", ts);

	json_object_update_new(r, json_pack("{s:f,s:I,s:s,s:[{s:s,s:f},{s:s,s:f}],s:{s:i,s:i}}",
					    "cpu_usage_pct", (double)(i + 1), "memory_used_bytes",
					    (json_int_t)(1000 + i), "hostname", "host-r", "disks",
					    "device", "vda", "write_bytes_per_s", 100.0 * i,
					    "device", "sdb", "write_bytes_per_s", 5.0,
					    "traffic_sources", "direct", i, "organic", 2 * i));
	return r;
}

/* One latency set per 10 s window; all[] gets every value. */
static void window_hist(struct hist *part, struct hist *all, int i)
{
	hist__reset(part);
	for (int k = 0; k < 100; k++) {
		double v = 1 + i * 10 + k * 0.37;

		hist__add(part, v);
		hist__add(all, v);
	}
}

static void thirty_records_one_rollup(void)
{
	struct rollup *ru = rollup__new("vm-metrics", "host-r", ROLLUP_WINDOW_MS);
	struct hist *all = calloc(1, sizeof(*all)), *part = calloc(1, sizeof(*part));
	json_t *done, *out = NULL, *h;
	int early = 0;

	for (int i = 0; i < 30; i++) {
		json_t *rec = vm_record(W0 + 10000LL * i, i);

		window_hist(part, all, i);
		/* odd windows: histogram first, even: record first */
		if (i & 1)
			rollup__add_hist(ru, "response_time_ms", part, W0 + 10000LL * i);
		CHECK(rollup__add(ru, rec) == 0, "add record %d", i);
		if (!(i & 1))
			rollup__add_hist(ru, "response_time_ms", part, W0 + 10000LL * i);
		rollup__flush(ru, W0 + 10000LL * i, false);
		done = rollup__take(ru);
		early += (int)json_array_size(done);
		json_decref(done);
		json_decref(rec);
	}
	CHECK(early == 0, "30 records of one window: nothing closed early, %d closed", early);
	rollup__flush(ru, W0 + 299999, false);
	done = rollup__take(ru);
	CHECK(json_array_size(done) == 0, "window open until its end");
	json_decref(done);
	{ /* the first record of the next window closes this one */
		json_t *next = vm_record(W0 + 300000, 99);

		rollup__add(ru, next);
		json_decref(next);
	}
	done = rollup__take(ru);
	CHECK(json_array_size(done) == 1, "a record at the window end closes the window");
	out = json_incref(json_array_get(done, 0));
	json_decref(done);
	if (!out)
		goto finish;
	CHECK(!strcmp(json_string_value(json_object_get(out, "type")), "rollup-5m") &&
		      !strcmp(json_string_value(json_object_get(out, "of")), "vm-metrics") &&
		      json_integer_value(json_object_get(out, "window_start")) == W0 &&
		      json_integer_value(json_object_get(out, "window_end")) == W0 + 300000 &&
		      json_integer_value(json_object_get(out, "timestamp")) == W0 + 300000 &&
		      json_integer_value(json_object_get(out, "samples")) == 30,
	      "rollup header: of vm-metrics, [W0, W0+5min), 30 samples");
	CHECK(json_is_false(json_object_get(out, "partial")) && ival(out, "slot_start") == W0 &&
		      ival(out, "slot_end") == W0 + 300000,
	      "readings through the slot and past it: partial false, slot [W0, W0+5min)");
	CHECK(stat(out, "cpu_usage_pct", "min") == 1 && stat(out, "cpu_usage_pct", "max") == 30 &&
		      stat(out, "cpu_usage_pct", "avg") == 15.5 &&
		      stat(out, "cpu_usage_pct", "last") == 30,
	      "cpu_usage_pct 1..30: min 1 avg 15.5 max 30 last 30, got %g %g %g %g",
	      stat(out, "cpu_usage_pct", "min"), stat(out, "cpu_usage_pct", "avg"),
	      stat(out, "cpu_usage_pct", "max"), stat(out, "cpu_usage_pct", "last"));
	CHECK(fabs(stat(out, "cpu_usage_pct", "p95") - 28) <= 0.56,
	      "p95 of 1..30 (rank floor(0.95*29)=27 -> 28) within 2%%, got %g",
	      stat(out, "cpu_usage_pct", "p95"));
	CHECK(stat(out, "traffic_sources.organic", "max") == 58,
	      "nested object field folded, got %g", stat(out, "traffic_sources.organic", "max"));
	CHECK(!json_object_get(json_object_get(out, "fields"), "timestamp"),
	      "timestamp not folded");
	{
		json_t *vda = json_object_get(
			json_object_get(json_object_get(out, "groups"), "disks"), "vda");
		json_t *w = json_object_get(vda, "write_bytes_per_s");

		CHECK(w && json_number_value(json_object_get(w, "max")) == 2900 &&
			      json_number_value(json_object_get(w, "avg")) == 1450,
		      "groups.disks.vda.write_bytes_per_s max 2900 avg 1450");
	}
	h = json_object_get(json_object_get(out, "histograms"), "response_time_ms");
	CHECK(h && json_integer_value(json_object_get(h, "count")) == 3000 &&
		      json_number_value(json_object_get(h, "p99")) == hist__quantile(all, 0.99) &&
		      json_number_value(json_object_get(h, "p50")) == hist__quantile(all, 0.5) &&
		      json_number_value(json_object_get(h, "max")) == hist__max(all),
	      "merged histogram equals one histogram of all 3000 values");
	CHECK(schema_validate(schema, out, err, sizeof(err)) == 0, "rollup-5m valid: %s", err);
	json_decref(out);
finish:
	rollup__flush(ru, 0, true); /* shutdown: the open window with 1 record */
	done = rollup__take(ru);
	out = json_array_get(done, 0);
	CHECK(json_array_size(done) == 1 &&
		      json_integer_value(json_object_get(out, "samples")) == 1 &&
		      json_integer_value(json_object_get(out, "window_start")) == W0 + 300000,
	      "forced flush emits the open window");
	CHECK(ival(out, "window_end") == W0 + 300000 && ival(out, "timestamp") == W0 + 300000 &&
		      json_is_true(json_object_get(out, "partial")),
	      "forced flush: ends at its one sample (W0+300000), partial; got end %lld ts %lld",
	      (long long)ival(out, "window_end"), (long long)ival(out, "timestamp"));
	json_decref(done);
	rollup__flush(ru, 0, true);
	done = rollup__take(ru);
	CHECK(json_array_size(done) == 0, "nothing left after the flush");
	json_decref(done);
	rollup__free(ru);
	free(all);
	free(part);
}

static void time_flush_and_misuse(void)
{
	struct rollup *ru = rollup__new("webapp-metrics", "h", 60000);
	json_t *r = record_new("webapp-metrics", "h", W0 + 5000), *other, *done;

	json_object_set_new(r, "requests_per_s", json_real(12.5));
	rollup__add(ru, r);
	rollup__flush(ru, W0 + 59999, false);
	done = rollup__take(ru);
	CHECK(json_array_size(done) == 0, "not closed before the 60 s window ends");
	json_decref(done);
	rollup__flush(ru, W0 + 60000, false);
	done = rollup__take(ru);
	CHECK(json_array_size(done) == 1 &&
		      stat(json_array_get(done, 0), "requests_per_s", "avg") == 12.5,
	      "closed by time at the window end");
	CHECK(ival(json_array_get(done, 0), "window_end") == W0 + 5000 &&
		      ival(json_array_get(done, 0), "window_start") == W0 + 5000 &&
		      json_is_true(json_object_get(json_array_get(done, 0), "partial")),
	      "closed by time with one reading at W0+5s: [W0+5s, W0+5s], partial; got [%lld, %lld]",
	      (long long)(ival(json_array_get(done, 0), "window_start") - W0),
	      (long long)(ival(json_array_get(done, 0), "window_end") - W0));
	json_decref(done);
	other = record_new("vm-metrics", "h", W0);
	CHECK(rollup__add(ru, other) == -EINVAL, "a record of another type: -EINVAL");
	json_decref(other);
	json_decref(r);
	rollup__free(ru);
}

/* The processor's view: one call per flush on the batch it is about to ship. */
static void batch_helper(void)
{
	struct rollups *rs = rollups__new("host-b", ROLLUP_WINDOW_MS);
	struct hist *lat = calloc(1, sizeof(*lat));
	int appended = 0, rollups_seen = 0;

	for (int i = 0; i <= 30; i++) { /* 31 flushes: the last opens the next window */
		int64_t ts = W0 + 10000LL * i;
		struct record_batch *b = record_batch__new(8);
		json_t *web = record_new("webapp-metrics", "host-b", ts);
		int n;

		json_object_set_new(web, "requests_per_s", json_real(10.0 * (i + 1)));
		hist__reset(lat);
		hist__add_n(lat, 20.0, 10);
		rollups__add_hist(rs, "webapp-metrics", "response_time_ms", lat, ts);
		record_batch__add(b, vm_record(ts, i));
		record_batch__add(b, web);
		record_batch__add(b, record_new("alert", "host-b", ts));
		n = rollups__fold_batch(rs, b, ts, false);
		appended += n;
		for (size_t k = 0; k < b->n; k++)
			if (!strcmp(b->recs[k].type, "rollup-5m")) {
				rollups_seen++;
				CHECK(schema_validate(schema, b->recs[k].obj, err, sizeof(err)) ==
					      0,
				      "batch rollup valid: %s", err);
				if (!strcmp(json_string_value(json_object_get(b->recs[k].obj, "of")),
					    "webapp-metrics")) {
					json_t *h = json_object_get(json_object_get(b->recs[k].obj,
										    "histograms"),
								    "response_time_ms");

					CHECK(json_integer_value(json_object_get(h, "count")) ==
							      300 &&
						      stat(b->recs[k].obj, "requests_per_s",
							   "max") == 300,
					      "webapp rollup: 300 latencies, max 300 req/s");
				}
			}
		record_batch__put(b);
	}
	CHECK(appended == 2 && rollups_seen == 2,
	      "one rollup for vm-metrics and one for webapp-metrics (none for alert), got %d/%d",
	      appended, rollups_seen);
	{
		struct record_batch *b = record_batch__new(8);

		CHECK(rollups__fold_batch(rs, b, 0, true) == 2,
		      "shutdown flush: the 2 open windows");
		CHECK(rollups__fold_batch(rs, NULL, 0, true) == -EINVAL, "no batch: -EINVAL");
		record_batch__put(b);
	}
	rollups__free(rs);
	free(lat);
}

/*
 * Folds rec (consumed) at time now (the record is made then, as the
 * processor does) and appends what closed to got; each closed rollup must
 * not end after now.
 */
static void fold_at(struct rollup *ru, json_t *rec, int64_t now, json_t *got)
{
	json_t *done, *e;
	size_t i;

	CHECK(rollup__add(ru, rec) == 0, "add at W0%+lld", (long long)(now - W0));
	json_decref(rec);
	rollup__flush(ru, now, false);
	done = rollup__take(ru);
	json_array_foreach(done, i, e) {
		CHECK(ival(e, "timestamp") <= now && ival(e, "window_end") <= now,
		      "rollup closed at W0%+lld ends no later: timestamp W0%+lld "
		      "window_end W0%+lld",
		      (long long)(now - W0), (long long)(ival(e, "timestamp") - W0),
		      (long long)(ival(e, "window_end") - W0));
		CHECK(schema_validate(schema, e, err, sizeof(err)) == 0, "valid: %s", err);
		json_array_append(got, e);
	}
	json_decref(done);
}

/* Agent started at W0-37s, flushing every 10 s (window_s 10), on past W0+5min. */
static void full_slot_not_partial(void)
{
	struct rollup *ru = rollup__new("process-metrics", "host-p", ROLLUP_WINDOW_MS);
	json_t *got = json_array(), *a, *b;

	for (int64_t t = W0 - 27000; t <= W0 + 303000; t += 10000)
		fold_at(ru, pm_record(t, 10.0, 1.0), t, got);
	CHECK(json_array_size(got) == 2, "two slots closed, got %zu", json_array_size(got));
	a = json_array_get(got, 0);
	b = json_array_get(got, 1);
	CHECK(a && ival(a, "window_start") == W0 - 37000 && ival(a, "window_end") == W0 &&
		      ival(a, "slot_start") == W0 - 300000 && ival(a, "slot_end") == W0 &&
		      json_is_true(json_object_get(a, "partial")) && ival(a, "samples") == 3,
	      "slot started in: [start of the first flush interval W0-37s, slot end W0], "
	      "partial, 3 samples; got [W0%+lld, W0%+lld] partial %d samples %lld",
	      (long long)(ival(a, "window_start") - W0), (long long)(ival(a, "window_end") - W0),
	      json_is_true(json_object_get(a, "partial")), (long long)ival(a, "samples"));
	CHECK(b && ival(b, "window_start") == W0 && ival(b, "window_end") == W0 + 300000 &&
		      ival(b, "timestamp") == W0 + 300000 && ival(b, "slot_start") == W0 &&
		      ival(b, "slot_end") == W0 + 300000 &&
		      json_is_false(json_object_get(b, "partial")) && ival(b, "samples") == 30,
	      "slot sampled throughout: window = slot [W0, W0+5min], partial false, 30 samples; "
	      "got [W0%+lld, W0%+lld] partial false %d samples %lld",
	      (long long)(ival(b, "window_start") - W0), (long long)(ival(b, "window_end") - W0),
	      json_is_false(json_object_get(b, "partial")), (long long)ival(b, "samples"));
	json_decref(got);
	rollup__free(ru);
}

/*
 * One slot, two runs: the first flushes from W0+3s, stopped at W0+147.5s
 * (its last flush 4.5 s long); the second starts at W0+149s and flushes
 * every 10 s past the slot end. Each rollup states its own part, partial,
 * and they do not overlap. vm-metrics readings (no window_s) likewise.
 */
static void restart_mid_slot_partials(void)
{
	struct rollup *r1 = rollup__new("process-metrics", "host-p", ROLLUP_WINDOW_MS);
	struct rollup *r2 = rollup__new("process-metrics", "host-p", ROLLUP_WINDOW_MS);
	struct rollup *v2 = rollup__new("vm-metrics", "host-r", ROLLUP_WINDOW_MS);
	json_t *got1 = json_array(), *got2 = json_array(), *gotv = json_array(), *a, *b, *v, *done;
	int64_t now = W0 + 147600;

	for (int64_t t = W0 + 3000; t <= W0 + 143000; t += 10000)
		fold_at(r1, pm_record(t, 10.0, 1.0), t, got1);
	fold_at(r1, pm_record(W0 + 147500, 4.5, 1.0), W0 + 147500, got1);
	rollup__flush(r1, now, true); /* SIGTERM */
	done = rollup__take(r1);
	CHECK(json_array_size(got1) == 0 && json_array_size(done) == 1,
	      "run 1: nothing closed before the stop, one rollup at it");
	a = json_array_get(done, 0);
	CHECK(a && ival(a, "window_start") == W0 && ival(a, "window_end") == W0 + 147500 &&
		      ival(a, "timestamp") == W0 + 147500 && ival(a, "slot_end") == W0 + 300000 &&
		      json_is_true(json_object_get(a, "partial")) && ival(a, "samples") == 16,
	      "stopped mid-slot: [W0 (first window W0-7s reaches the slot start), last sample "
	      "W0+147.5s], partial; got [W0%+lld, W0%+lld] ts W0%+lld partial %d",
	      (long long)(ival(a, "window_start") - W0), (long long)(ival(a, "window_end") - W0),
	      (long long)(ival(a, "timestamp") - W0), json_is_true(json_object_get(a, "partial")));
	CHECK(a && ival(a, "timestamp") <= now && ival(a, "window_end") <= now,
	      "stop at W0+147.6s: nothing stamped later, got timestamp W0%+lld",
	      (long long)(ival(a, "timestamp") - W0));

	for (int64_t t = W0 + 159000; t <= W0 + 309000; t += 10000) {
		fold_at(r2, pm_record(t, 10.0, 2.0), t, got2);
		fold_at(v2, vm_record(t, 1), t, gotv);
	}
	b = json_array_get(got2, 0);
	CHECK(json_array_size(got2) == 1 && ival(b, "window_start") == W0 + 149000 &&
		      ival(b, "window_end") == W0 + 300000 && ival(b, "slot_start") == W0 &&
		      json_is_true(json_object_get(b, "partial")) && ival(b, "samples") == 15,
	      "started mid-slot: [first flush interval's start W0+149s, slot end], partial, "
	      "15 samples; got [W0%+lld, W0%+lld] partial %d samples %lld",
	      (long long)(ival(b, "window_start") - W0), (long long)(ival(b, "window_end") - W0),
	      json_is_true(json_object_get(b, "partial")), (long long)ival(b, "samples"));
	v = json_array_get(gotv, 0);
	CHECK(json_array_size(gotv) == 1 && ival(v, "window_start") == W0 + 159000 &&
		      ival(v, "window_end") == W0 + 300000 &&
		      json_is_true(json_object_get(v, "partial")),
	      "vm-metrics started mid-slot: from its first reading W0+159s, partial; "
	      "got [W0%+lld, W0%+lld]",
	      (long long)(ival(v, "window_start") - W0), (long long)(ival(v, "window_end") - W0));
	CHECK(a && b && ival(a, "slot_start") == ival(b, "slot_start") &&
		      ival(a, "window_end") <= ival(b, "window_start") &&
		      ival(a, "timestamp") != ival(b, "timestamp"),
	      "the two runs' partials of one slot: same slot, no overlap, different timestamps");
	json_decref(done);
	json_decref(got1);
	json_decref(got2);
	json_decref(gotv);
	rollup__free(r1);
	rollup__free(r2);
	rollup__free(v2);
}

/* Real collector output (arrays of items with many fields) rolls up and validates. */
static void live_vm_rollup(void)
{
	static const struct collector_env env = { "/proc", "/sys", "/etc" };
	struct collectors *cs = collectors__new(&env);
	struct rollup *ru = rollup__new("vm-metrics", "host-l", ROLLUP_WINDOW_MS);
	json_t *done, *out, *groups, *item;
	const char *key;

	for (int i = 0; i < 4; i++) {
		json_t *rec = record_new("vm-metrics", "host-l", W0 + 10000LL * i);
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		collectors__collect(cs, rec,
				    (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec);
		if (i) /* the first tick is the collectors' baseline */
			rollup__add(ru, rec);
		json_decref(rec);
		usleep(100000);
	}
	rollup__flush(ru, 0, true);
	done = rollup__take(ru);
	out = json_array_get(done, 0);
	CHECK(out && json_integer_value(json_object_get(out, "samples")) == 3,
	      "3 samples rolled up");
	CHECK(schema_validate(schema, out, err, sizeof(err)) == 0, "live vm rollup valid: %s", err);
	groups = json_object_get(out, "groups");
	CHECK(json_object_get(json_object_get(json_object_get(groups, "cpu_cores"), "0"),
			      "usage_pct"),
	      "groups.cpu_cores.0.usage_pct present");
	CHECK(stat(out, "memory_total_bytes", "min") > 0 &&
		      stat(out, "cpu_usage_pct", "max") >= 0 &&
		      json_object_get(json_object_get(out, "fields"), "uptime_s"),
	      "top-level host fields rolled up");
	json_object_foreach(json_object_get(groups, "disks"), key, item)
		CHECK(json_object_size(item) >= 12, "disk %s: >= 12 fields rolled up, got %zu", key,
		      json_object_size(item));
	json_decref(done);
	rollup__free(ru);
	collectors__free(cs);
}

/*
 * A window without requests has null latency: no data for the rollup, which
 * must not pull the averages and minimums towards 0. Routes of the two
 * directions with the same pid, method and route stay two items.
 */
static void null_latency_and_directions(void)
{
	struct rollup *ru = rollup__new("webapp-metrics", "host-w", ROLLUP_WINDOW_MS);
	json_t *done, *out, *g;

	for (int i = 0; i < 3; i++) {
		json_t *r = record_new("webapp-metrics", "host-w", W0 + 10000LL * (i + 1));

		json_object_set_new(r, "window_s", json_real(10));
		json_object_set_new(r, "requests_total", json_integer(i == 1 ? 0 : 4));
		json_object_set_new(r, "response_time_avg_ms",
				    i == 1 ? json_null() : json_real(10.0 * (i + 1)));
		json_object_set_new(r, "routes",
				    json_pack("[{s:i,s:s,s:s,s:s,s:i},{s:i,s:s,s:s,s:s,s:i}]",
					      "pid", 7, "direction", "inbound", "method", "GET",
					      "route", "/a", "requests_total", 4, "pid", 7,
					      "direction", "outbound", "method", "GET", "route",
					      "/a", "requests_total", 1));
		rollup__add(ru, r);
		json_decref(r);
	}
	rollup__flush(ru, W0 + 40000, true);
	done = rollup__take(ru);
	out = json_array_get(done, 0);
	CHECK(out && stat(out, "response_time_avg_ms", "min") == 10 &&
		      stat(out, "response_time_avg_ms", "avg") == 20 &&
		      stat(out, "response_time_avg_ms", "max") == 30 &&
		      stat(out, "requests_total", "min") == 0,
	      "null latency is no data: min 10 avg 20 max 30, got %g %g %g",
	      stat(out, "response_time_avg_ms", "min"), stat(out, "response_time_avg_ms", "avg"),
	      stat(out, "response_time_avg_ms", "max"));
	g = json_object_get(json_object_get(out, "groups"), "routes");
	CHECK(json_object_get(g, "7 inbound GET /a") && json_object_get(g, "7 outbound GET /a") &&
		      json_object_size(g) == 2,
	      "one item per direction, got %s", g ? json_dumps(g, JSON_COMPACT) : "no groups");
	json_decref(done);
	rollup__free(ru);
}

/*
 * A host whose processes come and go: 3 long-lived processes in every
 * record, 40 short-lived ones per record (each in one record only), 30
 * records. The folded items stay within ROLLUP_MAX_GROUPS (the exited ones
 * make room), the record carries the ROLLUP_EMIT_GROUPS busiest with the
 * long-lived ones among them and their values whole, and says how many it
 * left out and evicted.
 */
static void churning_processes(void)
{
	struct rollup *ru = rollup__new("process-metrics", "host-c", ROLLUP_WINDOW_MS);
	json_t *done, *out, *g, *om;
	char *text;
	int pid = 1000;

	for (int i = 0; i < 30; i++) {
		json_t *r = record_new("process-metrics", "host-c", W0 + 5000LL * (i + 1));
		json_t *procs = json_array();

		json_object_set_new(r, "window_s", json_real(5));
		for (int k = 1; k <= 3; k++)
			json_array_append_new(procs, json_pack("{s:i,s:i}", "pid", k, "cpu_pct",
							       10 * k + i));
		for (int k = 0; k < 40; k++)
			json_array_append_new(procs,
					      json_pack("{s:i,s:i}", "pid", pid++, "cpu_pct", 1));
		json_object_set_new(r, "processes", procs);
		rollup__add(ru, r);
		json_decref(r);
	}
	rollup__flush(ru, W0 + 400000, true);
	done = rollup__take(ru);
	out = json_array_get(done, 0);
	g = json_object_get(json_object_get(out, "groups"), "processes");
	om = json_object_get(out, "groups_omitted");
	CHECK(json_object_size(g) == ROLLUP_EMIT_GROUPS, "%d items in the record, got %zu",
	      ROLLUP_EMIT_GROUPS, json_object_size(g));
	for (int k = 1; k <= 3; k++) {
		char key[16];
		json_t *c;

		snprintf(key, sizeof(key), "%d", k);
		c = json_object_get(json_object_get(g, key), "cpu_pct");
		CHECK(json_number_value(json_object_get(c, "min")) == 10 * k &&
			      json_number_value(json_object_get(c, "max")) == 10 * k + 29,
		      "long-lived pid %d whole over 30 records: min %d max %d", k, 10 * k,
		      10 * k + 29);
	}
	/* 1203 items seen; 256 held at the end (3 + 253 of the short-lived),
	 * 50 in the record */
	CHECK(json_integer_value(json_object_get(om, "processes")) == ROLLUP_MAX_GROUPS - 50,
	      "groups_omitted.processes %d, got %lld", ROLLUP_MAX_GROUPS - 50,
	      (long long)json_integer_value(json_object_get(om, "processes")));
	CHECK(json_integer_value(json_object_get(out, "groups_evicted")) ==
		      3 + 30 * 40 - ROLLUP_MAX_GROUPS,
	      "groups_evicted %d, got %lld", 3 + 30 * 40 - ROLLUP_MAX_GROUPS,
	      (long long)json_integer_value(json_object_get(out, "groups_evicted")));
	CHECK(schema_validate(schema, out, err, sizeof(err)) == 0, "churn rollup valid: %s", err);
	text = json_dumps(out, JSON_COMPACT);
	CHECK(text && strlen(text) < 64 * 1024, "record under 64 KB, got %zu",
	      text ? strlen(text) : 0);
	free(text);
	json_decref(done);
	rollup__free(ru);
}

int main(void)
{
	const char *top = getenv("TOP") ? getenv("TOP") : ".";
	char path[512];

	snprintf(path, sizeof(path), "%s/docs/records.schema.json", top);
	schema = schema_load(path, err, sizeof(err));
	if (!schema) {
		printf("FAIL load_schema: %s\n", err);
		return 1;
	}
	RUN(thirty_records_one_rollup);
	RUN(time_flush_and_misuse);
	RUN(batch_helper);
	RUN(full_slot_not_partial);
	RUN(restart_mid_slot_partials);
	RUN(live_vm_rollup);
	RUN(null_latency_and_directions);
	RUN(churning_processes);
	json_decref(schema);
	CHECK_DONE();
}
