// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Five-minute rollups: 30 records of 10 s fold into one rollup-5m record
 * with exact min/avg/max/last, p95 within 1%, per-item groups, histograms
 * merged bucket-wise equal to one histogram of every value, window
 * alignment and closing, and the result valid against the records schema.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "hist.h"
#include "record.h"
#include "rollup.h"
#include "schema.h"

#define W0 1732200000000LL	/* a multiple of 5 min: 5774000 windows */

static json_t *schema;

static double stat(const json_t *rec, const char *field, const char *what)
{
	return json_number_value(json_object_get(json_object_get(json_object_get(rec, "fields"), field), what));
}

static json_t *vm_record(int64_t ts, int i)
{
	json_t *r = record_new("vm-metrics", "host-r", ts);

	json_object_update_new(r, json_pack("{s:f,s:I,s:s,s:[{s:s,s:f},{s:s,s:f}],s:{s:i,s:i}}",
					    "cpu_usage_pct", (double)(i + 1), "memory_used_bytes",
					    (json_int_t)(1000 + i), "hostname", "host-r", "disks",
					    "device", "vda", "write_bytes_per_s", 100.0 * i, "device",
					    "sdb", "write_bytes_per_s", 5.0, "traffic_sources",
					    "direct", i, "organic", 2 * i));
	return r;
}

static void thirty_records_one_rollup(void)
{
	struct rollup *ru = rollup__new("vm-metrics", "host-r", ROLLUP_WINDOW_MS);
	struct hist *all = calloc(1, sizeof(*all)), *part = calloc(1, sizeof(*part));
	json_t *done = NULL, *out = NULL, *h;
	char err[256];
	int early = 0;

	for (int i = 0; i < 30; i++) {
		json_t *rec = vm_record(W0 + 10000LL * i, i);

		CHECK(rollup__add(ru, rec, &done) == 0, "add record %d", i);
		if (done) {
			early++;
			json_decref(done);
		}
		hist__reset(part);
		for (int k = 0; k < 100; k++) {	/* 100 latencies a window */
			double v = 1 + i * 10 + k * 0.37;

			hist__add(part, v);
			hist__add(all, v);
		}
		rollup__add_hist(ru, "response_time_ms", part);
		json_decref(rec);
	}
	CHECK(early == 0, "30 records of one window: nothing closed early, %d closed", early);
	CHECK(!rollup__flush(ru, W0 + 299999, false), "window open until its end");
	{	/* the first record of the next window closes this one */
		json_t *next = vm_record(W0 + 300000, 99);

		rollup__add(ru, next, &out);
		json_decref(next);
	}
	CHECK(out, "record at window end closes the window");
	if (!out)
		goto done;
	CHECK(!strcmp(json_string_value(json_object_get(out, "type")), "rollup-5m") &&
		      !strcmp(json_string_value(json_object_get(out, "of")), "vm-metrics") &&
		      json_integer_value(json_object_get(out, "window_start")) == W0 &&
		      json_integer_value(json_object_get(out, "window_end")) == W0 + 300000 &&
		      json_integer_value(json_object_get(out, "samples")) == 30,
	      "rollup header: of vm-metrics, [W0, W0+5min), 30 samples");
	CHECK(stat(out, "cpu_usage_pct", "min") == 1 && stat(out, "cpu_usage_pct", "max") == 30 &&
		      stat(out, "cpu_usage_pct", "avg") == 15.5 && stat(out, "cpu_usage_pct", "last") == 30,
	      "cpu_usage_pct 1..30: min 1 avg 15.5 max 30 last 30, got %g %g %g %g",
	      stat(out, "cpu_usage_pct", "min"), stat(out, "cpu_usage_pct", "avg"),
	      stat(out, "cpu_usage_pct", "max"), stat(out, "cpu_usage_pct", "last"));
	CHECK(fabs(stat(out, "cpu_usage_pct", "p95") - 28) <= 0.28,
	      "p95 of 1..30 (rank floor(0.95*29)=27 -> 28) within 1%%, got %g",
	      stat(out, "cpu_usage_pct", "p95"));
	CHECK(stat(out, "traffic_sources.organic", "max") == 58, "nested object field folded, got %g",
	      stat(out, "traffic_sources.organic", "max"));
	CHECK(!json_object_get(json_object_get(out, "fields"), "timestamp"), "timestamp not folded");
	{
		json_t *vda = json_object_get(json_object_get(json_object_get(out, "groups"), "disks"), "vda");
		json_t *w = json_object_get(vda, "write_bytes_per_s");

		CHECK(w && json_number_value(json_object_get(w, "max")) == 2900 &&
			      json_number_value(json_object_get(w, "avg")) == 1450,
		      "groups.disks.vda.write_bytes_per_s max 2900 avg 1450");
	}
	h = json_object_get(json_object_get(out, "histograms"), "response_time_ms");
	CHECK(h && json_integer_value(json_object_get(h, "count")) == 3000 &&
		      json_number_value(json_object_get(h, "p99")) == hist__quantile(all, 0.99) &&
		      json_number_value(json_object_get(h, "p50")) == hist__quantile(all, 0.5),
	      "merged histogram equals one histogram of all 3000 values");
	CHECK(schema_validate(schema, out, err, sizeof(err)) == 0, "rollup-5m valid: %s", err);
done:
	json_decref(out);
	out = rollup__flush(ru, 0, true);	/* shutdown: the open window with 1 record */
	CHECK(out && json_integer_value(json_object_get(out, "samples")) == 1 &&
		      json_integer_value(json_object_get(out, "window_start")) == W0 + 300000,
	      "forced flush emits the open window");
	json_decref(out);
	CHECK(!rollup__flush(ru, 0, true), "nothing left after the flush");
	rollup__free(ru);
	free(all);
	free(part);
}

static void time_flush_and_misuse(void)
{
	struct rollup *ru = rollup__new("webapp-metrics", "h", 60000);
	json_t *r = record_new("webapp-metrics", "h", W0 + 5000), *other, *done, *out;
	struct hist h = { 0 };

	CHECK(rollup__add_hist(ru, "x", &h) == -EINVAL, "histogram before any record: -EINVAL");
	json_object_set_new(r, "requests_per_s", json_real(12.5));
	rollup__add(ru, r, &done);
	out = rollup__flush(ru, W0 + 59999, false);
	CHECK(!out, "not closed before the 60 s window ends");
	out = rollup__flush(ru, W0 + 60000, false);
	CHECK(out && stat(out, "requests_per_s", "avg") == 12.5, "closed by time at the window end");
	json_decref(out);
	other = record_new("vm-metrics", "h", W0);
	CHECK(rollup__add(ru, other, &done) == -EINVAL && !done, "a record of another type: -EINVAL");
	json_decref(other);
	json_decref(r);
	rollup__free(ru);
}

int main(void)
{
	char err[256];
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
	json_decref(schema);
	CHECK_DONE();
}
