// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Counters published once (user/lib/counters.c): one table of rows rendered to
 * JSON and to Prometheus text, with the same values in both. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "tests/unit/check.h"
#include "user/lib/counters.h"

struct snap {
	uint64_t sent, used, pipelined, http2;
	double delay_ms;
	uint64_t per_cpu[3], full[2];
	struct counter_vec cpus, maps;
};

static const char *const map_names[] = { "conns", "procs" };

static const struct counter_row rows[] = {
	COUNTER_ROW_UINT("sent_total", "x_sent_total", PROM_COUNTER, "Sent.", struct snap, sent),
	COUNTER_ROW_UINT("log.used_bytes", "x_used_bytes", PROM_GAUGE, "Used.", struct snap, used),
	COUNTER_ROW_UINT("json_only_total", NULL, 0, NULL, struct snap, sent),
	{ .key = "pipelined_total",
	  .name = "x_unsupported_total",
	  .type = PROM_COUNTER,
	  .help = "Given up.",
	  .off = offsetof(struct snap, pipelined),
	  .label = "reason",
	  .label_value = "pipelining" },
	{ .key = "http2_total",
	  .name = "x_unsupported_total",
	  .type = PROM_COUNTER,
	  .help = "Given up.",
	  .off = offsetof(struct snap, http2),
	  .label = "reason",
	  .label_value = "http2" },
	{ .key = "delay_ms",
	  .name = "x_delay_seconds",
	  .type = PROM_GAUGE,
	  .help = "Delay.",
	  .kind = COUNTER_DOUBLE,
	  .off = offsetof(struct snap, delay_ms),
	  .scale = 1e-3 },
	{ .key = "drops_per_cpu",
	  .name = "x_drops_total",
	  .type = PROM_COUNTER,
	  .help = "Drops.",
	  .kind = COUNTER_VEC,
	  .off = offsetof(struct snap, cpus),
	  .label = "cpu" },
	{ .key = "map_full",
	  .name = "x_map_full_total",
	  .type = PROM_COUNTER,
	  .help = "Full.",
	  .kind = COUNTER_VEC,
	  .off = offsetof(struct snap, maps),
	  .label = "map" },
};
#define NROWS (sizeof(rows) / sizeof(rows[0]))

static struct snap sample_snap(void)
{
	struct snap s = { .sent = 5,
			  .used = 4096,
			  .pipelined = 2,
			  .http2 = 3,
			  .delay_ms = 1.5,
			  .per_cpu = { 7, 0, 9 },
			  .full = { 1, 0 } };

	s.cpus = (struct counter_vec){ .v = s.per_cpu, .n = 3 };
	s.maps = (struct counter_vec){ .v = s.full, .n = 2, .names = map_names };
	return s;
}

static char *prom_text(void (*fn)(struct prom *w, const void *arg), const void *arg)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct prom w;

	prom_init(&w, f);
	fn(&w, arg);
	fclose(f);
	return buf;
}

static void write_rows(struct prom *w, const void *arg)
{
	counters_prom(w, rows, NROWS, arg);
}

static void json_from_rows(void)
{
	struct snap s = sample_snap();
	json_t *o = json_object();
	char *text;

	s.cpus.v = s.per_cpu;
	s.maps.v = s.full;
	counters_json(rows, NROWS, &s, o);
	text = json_dumps(o, JSON_COMPACT);
	CHECK(text && !strcmp(text,
			      "{\"sent_total\":5,\"log\":{\"used_bytes\":4096},\"json_only_total\":5,"
			      "\"pipelined_total\":2,\"http2_total\":3,\"delay_ms\":1.5,"
			      "\"drops_per_cpu\":[7,0,9],\"map_full\":{\"conns\":1,\"procs\":0}}"),
	      "every keyed row, nested and vectors: %s", text);
	free(text);
	json_decref(o);
}

static void prom_from_the_same_rows(void)
{
	struct snap s = sample_snap();
	char *t;

	s.cpus.v = s.per_cpu;
	s.maps.v = s.full;
	t = prom_text(write_rows, &s);
	CHECK(t && !strcmp(t,
			   "# HELP x_sent_total Sent.\n# TYPE x_sent_total counter\nx_sent_total 5\n"
			   "# HELP x_used_bytes Used.\n# TYPE x_used_bytes gauge\nx_used_bytes 4096\n"
			   "# HELP x_unsupported_total Given up.\n# TYPE x_unsupported_total counter\n"
			   "x_unsupported_total{reason=\"pipelining\"} 2\n"
			   "x_unsupported_total{reason=\"http2\"} 3\n"
			   "# HELP x_delay_seconds Delay.\n# TYPE x_delay_seconds gauge\n"
			   "x_delay_seconds 0.0015\n"
			   "# HELP x_drops_total Drops.\n# TYPE x_drops_total counter\n"
			   "x_drops_total{cpu=\"0\"} 7\nx_drops_total{cpu=\"1\"} 0\nx_drops_total{cpu=\"2\"} 9\n"
			   "# HELP x_map_full_total Full.\n# TYPE x_map_full_total counter\n"
			   "x_map_full_total{map=\"conns\"} 1\nx_map_full_total{map=\"procs\"} 0\n"),
	      "named rows, one family per name, labels, scale: %s", t);
	free(t);
}

struct chan {
	uint64_t queued, sent, failed;
};

static const struct counter_row chan_rows[] = {
	COUNTER_ROW_UINT("queued", NULL, 0, NULL, struct chan, queued),
	{ .key = "sent",
	  .name = "n_total",
	  .type = PROM_COUNTER,
	  .help = "N.",
	  .off = offsetof(struct chan, sent),
	  .label = "result",
	  .label_value = "sent" },
	{ .key = "failed",
	  .name = "n_total",
	  .type = PROM_COUNTER,
	  .help = "N.",
	  .off = offsetof(struct chan, failed),
	  .label = "result",
	  .label_value = "failed" },
	COUNTER_ROW_UINT("failed", "n_failed_total", PROM_COUNTER, "F.", struct chan, failed),
};

static void write_each(struct prom *w, const void *arg)
{
	static const char *const names[] = { "webhook", "sm\"tp" };

	const struct chan *c = arg;
	const void *snaps[] = { &c[0], &c[1] };

	counters_prom_each(w, chan_rows, sizeof(chan_rows) / sizeof(chan_rows[0]), snaps, 2,
			   "channel", names);
}

static void each_snapshot_within_one_family(void)
{
	static const struct chan c[2] = { { 1, 2, 3 }, { 4, 5, 6 } };
	char *t = prom_text(write_each, c);

	CHECK(t && !strcmp(t, "# HELP n_total N.\n# TYPE n_total counter\n"
			      "n_total{channel=\"webhook\",result=\"sent\"} 2\n"
			      "n_total{channel=\"webhook\",result=\"failed\"} 3\n"
			      "n_total{channel=\"sm\\\"tp\",result=\"sent\"} 5\n"
			      "n_total{channel=\"sm\\\"tp\",result=\"failed\"} 6\n"
			      "# HELP n_failed_total F.\n# TYPE n_failed_total counter\n"
			      "n_failed_total{channel=\"webhook\"} 3\n"
			      "n_failed_total{channel=\"sm\\\"tp\"} 6\n"),
	      "family by family, the item label first, escaped: %s", t);
	free(t);
}

static void write_json(struct prom *w, const void *arg)
{
	counters_prom_json(w, chan_rows, sizeof(chan_rows) / sizeof(chan_rows[0]), (json_t *)arg,
			   "sink", "name");
}

static void values_read_from_json(void)
{
	json_t *a = json_pack("[{s:s,s:i,s:i},{s:s,s:i,s:i}]", "name", "file", "sent", 10, "failed",
			      1, "name", "kinesis", "sent", 20, "failed", 2);
	json_t *none = json_array();
	char *t = prom_text(write_json, a), *e = prom_text(write_json, none);

	CHECK(t &&
		      strstr(t, "n_total{sink=\"file\",result=\"sent\"} 10\n"
				"n_total{sink=\"file\",result=\"failed\"} 1\n"
				"n_total{sink=\"kinesis\",result=\"sent\"} 20\n") &&
		      strstr(t, "n_failed_total{sink=\"kinesis\"} 2\n"),
	      "values by key from each object: %s", t);
	CHECK(!e || !*e, "no objects, no families: '%s'", e ? e : "");
	free(t);
	free(e);
	json_decref(a);
	json_decref(none);
}

struct gauge {
	int64_t active;
};

static const struct counter_row int_rows[] = {
	{ .key = "active",
	  .name = "g_active",
	  .type = PROM_GAUGE,
	  .help = "Active.",
	  .kind = COUNTER_INT,
	  .off = offsetof(struct gauge, active) },
};

static void write_int(struct prom *w, const void *arg)
{
	counters_prom(w, int_rows, 1, arg);
}

static void signed_values_stay_signed(void)
{
	const struct gauge g = { -2 };
	json_t *o = json_object();
	char *t = prom_text(write_int, &g);

	counters_json(int_rows, 1, &g, o);
	CHECK(json_integer_value(json_object_get(o, "active")) == -2, "JSON: -2");
	CHECK(t && strstr(t, "\ng_active -2\n"), "Prometheus: -2 in %s", t);
	free(t);
	json_decref(o);
}

int main(void)
{
	RUN(json_from_rows);
	RUN(prom_from_the_same_rows);
	RUN(each_snapshot_within_one_family);
	RUN(values_read_from_json);
	RUN(signed_values_stay_signed);
	CHECK_DONE();
}
