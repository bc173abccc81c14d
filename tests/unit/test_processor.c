// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The processor's metric set reaches the alert rules (user/pipeline/processor.c, no
 * BPF, no root): host values from the collectors' vm-metrics object (per
 * mount point and per whole disk, partitions left out) and the agent's own
 * health from the sinks' stats (a failing sink, its spool over 80 %, records
 * it dropped this tick), each firing a scoped rule whose record names the
 * scope value; and the alerts topic lists every rule.
 */
#include <string.h>

#include "tests/unit/check.h"
#include "user/runtime/config.h"
#include "user/pipeline/eventlog.h"
#include "user/pipeline/processor.h"
#include "user/pipeline/state.h"

static json_t *submitted; /* every record handed to the sinks */
static json_int_t sink_dropped;

static void submit(void *ctx, struct record_batch *b)
{
	for (size_t i = 0; i < b->n; i++)
		json_array_append(submitted, b->recs[i].obj);
}

/* One sink that is failing (last error after the last success), its spool at
 * 900 of 1000 bytes, and sink_dropped records given up so far. */
static json_t *sink_stats(void *ctx)
{
	return json_pack("[{s:s,s:I,s:I,s:I,s:I},{s:s,s:I,s:I,s:I,s:I}]", "name", "kinesis",
			 "last_error_ms", (json_int_t)2000, "last_ok_ms", (json_int_t)1000,
			 "spool_bytes", (json_int_t)900, "dropped", sink_dropped, "name", "file",
			 "last_error_ms", (json_int_t)0, "last_ok_ms", (json_int_t)5000,
			 "spool_bytes", (json_int_t)0, "dropped", (json_int_t)0);
}

static int collect(void *ctx, json_t *out, uint64_t now_ns)
{
	json_t *vm = json_pack("{s:f,s:[{s:s,s:f},{s:s,s:f}],s:[{s:s,s:b,s:f},{s:s,s:b,s:f}]}",
			       "cpu_usage_pct", 12.5, "filesystems", "mountpoint", "/", "used_pct",
			       40.0, "mountpoint", "/data", "used_pct", 95.0, "disks", "device",
			       "sda", "partition", 0, "busy_pct", 99.0, "device", "sda1",
			       "partition", 1, "busy_pct", 99.0);

	json_object_update(out, vm);
	json_decref(vm);
	return 0;
}

/* The firing records of rule, as "scope-key=value" words; *value: the last one's. */
static void fired(const char *rule, char *out, size_t len, double *value)
{
	json_t *r;
	size_t i, off = 0;

	out[0] = '\0';
	json_array_foreach(submitted, i, r) {
		const char *k;
		json_t *v;

		if (strcmp(json_string_value(json_object_get(r, "type")) ?: "", "alert") ||
		    strcmp(json_string_value(json_object_get(r, "rule")) ?: "", rule) ||
		    strcmp(json_string_value(json_object_get(r, "state")) ?: "", "firing"))
			continue;
		*value = json_number_value(json_object_get(r, "value"));
		json_object_foreach(json_object_get(r, "scope"), k, v)
			off += (size_t)snprintf(out + off, len - off, "%s%s=%s", off ? " " : "", k,
						json_string_value(v));
	}
}

static void health_and_host_metrics_fire(void)
{
	static struct config cfg;
	struct processor_deps d = { .cfg = &cfg,
				    .source = "host-p",
				    .submit = submit,
				    .sink_stats = sink_stats,
				    .collect = collect };
	struct processor *p;
	struct blob *b;
	json_t *topic;
	char got[512];
	double value = 0;

	config_defaults(&cfg);
	cfg.summary[0] = '\0';
	cfg.spool_max_bytes = 1000;
	cfg.alerts_set = true;
	cfg.n_alerts = 5;
	cfg.alerts[0] = (struct alert_rule){ "failing", "agent_sink_failing", ALERT_GT,	      0,
					     0,		"critical",	      .scope = "sink" };
	cfg.alerts[1] = (struct alert_rule){ "spool",	"agent_spool_used_pct", ALERT_GT, 80, 0,
					     "warning", .scope = "sink" };
	cfg.alerts[2] = (struct alert_rule){
		"dropped",	 "agent_sink_dropped",	 ALERT_GT,	104, 0, "warning",
		.scope = "sink", .agg = ALERT_AGG_COUNT, .window_s = 60
	};
	cfg.alerts[3] = (struct alert_rule){ "full",	"filesystem_used_pct", ALERT_GT, 90, 0,
					     "warning", .scope = "mount" };
	cfg.alerts[4] = (struct alert_rule){ "busy", "disk_busy_pct", ALERT_GT,		90,
					     0,	     "warning",	      .scope = "device" };
	submitted = json_array();
	d.log = eventlog__new(1 << 20, 1);
	d.st = state__new();
	p = processor__new(&d);
	CHECK(p, "processor__new without BPF");
	if (!p)
		goto out;
	sink_dropped = 100; /* before the first tick: counted once */
	processor__tick(p, false);
	sink_dropped = 105; /* 5 more this tick */
	processor__tick(p, false);
	fired("failing", got, sizeof(got), &value);
	CHECK(!strcmp(got, "sink=kinesis"), "the failing sink fires, the healthy one not: got '%s'",
	      got);
	fired("spool", got, sizeof(got), &value);
	CHECK(!strcmp(got, "sink=kinesis"), "spool 900 of 1000 bytes > 80 %%: got '%s'", got);
	fired("dropped", got, sizeof(got), &value);
	CHECK(!strcmp(got, "sink=kinesis") && value == 105,
	      "100 then 5 more records dropped: fires at 105 in 60 s (per-tick deltas, not the total each tick): got '%s' at %g",
	      got, value);
	fired("full", got, sizeof(got), &value);
	CHECK(!strcmp(got, "mount=/data"), "the 95 %% filesystem, not the 40 %% one: got '%s'",
	      got);
	fired("busy", got, sizeof(got), &value);
	CHECK(!strcmp(got, "device=sda"), "the busy whole disk, not its partition: got '%s'", got);
	b = state__get(d.st, "alerts");
	topic = b ? json_loadb(b->data, b->len, 0, NULL) : NULL;
	blob__put(b);
	CHECK(json_array_size(json_object_get(topic, "rules")) == 5 &&
		      json_array_size(json_object_get(topic, "active")) == 5,
	      "the alerts topic: 5 rules, 5 active alerts");
	json_decref(topic);
	processor__free(p);
out:
	state__free(d.st);
	eventlog__free(d.log);
	json_decref(submitted);
}

/* A topic's document (new reference), NULL when never published. */
static json_t *topic_json(struct state *st, const char *topic)
{
	struct blob *b = state__get(st, topic);
	json_t *doc = b ? json_loadb(b->data, b->len, 0, NULL) : NULL;

	blob__put(b);
	return doc;
}

/* With no loader (unit tests) every module starts, with no map to read: each
 * publishes what only it publishes, and each adds its record at the flush. */
static void modules_start_without_a_loader(void)
{
	static const char *const topics[] = { "http", "disk_processes" };
	static const char *const types[] = { "process-metrics", "disk-metrics", "network-metrics",
					     "webapp-metrics" };
	static struct config cfg;
	struct processor_deps d = { .cfg = &cfg, .source = "host-p", .submit = submit };
	struct processor *p;
	json_t *conn, *r;
	size_t i;

	config_defaults(&cfg);
	cfg.summary[0] = '\0';
	submitted = json_array();
	d.log = eventlog__new(1 << 20, 1);
	d.st = state__new();
	p = processor__new(&d);
	CHECK(p, "processor__new without BPF");
	if (!p)
		goto out;
	processor__tick(p, true);
	for (i = 0; i < sizeof(topics) / sizeof(topics[0]); i++) {
		struct blob *b = state__get(d.st, topics[i]);

		CHECK(b, "topic %s published by its module", topics[i]);
		blob__put(b);
	}
	conn = topic_json(d.st, "connections");
	CHECK(json_is_array(json_object_get(conn, "processes")),
	      "connections is the net module's (with processes), not the placeholder");
	json_decref(conn);
	for (size_t k = 0; k < sizeof(types) / sizeof(types[0]); k++) {
		int n = 0;

		json_array_foreach(submitted, i, r)
			n += !strcmp(json_string_value(json_object_get(r, "type")) ?: "", types[k]);
		CHECK(n == 1, "one %s record at the flush: got %d", types[k], n);
	}
	processor__free(p);
out:
	state__free(d.st);
	eventlog__free(d.log);
	json_decref(submitted);
}

int main(void)
{
	RUN(health_and_host_metrics_fire);
	RUN(modules_start_without_a_loader);
	CHECK_DONE();
}
