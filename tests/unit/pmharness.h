/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * A processor without BPF (processor_deps.ld NULL, no drain) for the tests of
 * the processor modules (test_pm_*.c): synthetic events go into its event
 * log as the drain would put them, pmh_tick() runs one tick and a forced
 * flush on the calling thread, and the test reads back what the modules
 * published: topics (state__get), the /metrics text of that tick (topic
 * "metrics") and the records handed to the sinks.
 * With no loader the modules start with no map to read (processor.h), so
 * what they show comes from the events alone.
 */
#ifndef HOSTLENS_PMHARNESS_H
#define HOSTLENS_PMHARNESS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <jansson.h>

#include "user/runtime/config.h"
#include "user/pipeline/eventlog.h"
#include "user/pipeline/processor.h"
#include "user/pipeline/record.h"
#include "user/pipeline/state.h"

/* tgids above the kernel's pid_max (2^22): never a live process, so
 * processor__comm() finds nothing in /proc and the events' comm stands */
#define PMH_TGID 5000001u

struct pmh {
	struct config cfg;
	struct processor *p;
	struct eventlog *log;
	struct state *st;
	json_t *records; /* every record handed to the sinks, in order */
};

static void pmh_submit(void *ctx, struct record_batch *b)
{
	struct pmh *h = ctx;

	for (size_t i = 0; i < b->n; i++)
		json_array_append(h->records, b->recs[i].obj);
}

/* CLOCK_MONOTONIC in ns: the events' clock. */
static inline uint64_t pmh_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Builds the processor with the default configuration (no summary line on
 * stdout) that setup (NULL: none) may change. 0, or -1 when something could
 * not be built. */
static inline int pmh_start(struct pmh *h, void (*setup)(struct config *cfg))
{
	struct processor_deps d = {
		.cfg = &h->cfg, .source = "host-pm", .submit = pmh_submit, .sink_ctx = h
	};

	config_defaults(&h->cfg);
	h->cfg.summary[0] = '\0';
	if (setup)
		setup(&h->cfg);
	h->records = json_array();
	h->log = eventlog__new(4 << 20, 1);
	h->st = state__new();
	if (!h->records || !h->log || !h->st)
		return -1;
	d.log = h->log;
	d.st = h->st;
	h->p = processor__new(&d);
	return h->p ? 0 : -1;
}

static inline void pmh_stop(struct pmh *h)
{
	processor__free(h->p);
	state__free(h->st);
	eventlog__free(h->log);
	json_decref(h->records);
	h->p = NULL;
}

/* Appends one event (it starts with struct event_hdr) as the drain would. */
static inline void pmh_event(struct pmh *h, const void *ev, uint32_t len)
{
	eventlog__append(h->log, 0, ev, len);
}

/* One tick, then a flush: the modules' on_event, tick and flush. */
static inline void pmh_tick(struct pmh *h)
{
	processor__tick(h->p, true);
}

/* The topic's document (new reference), NULL when never published. */
static inline json_t *pmh_topic(struct pmh *h, const char *topic)
{
	struct blob *b = state__get(h->st, topic);
	json_t *doc = b ? json_loadb(b->data, b->len, 0, NULL) : NULL;

	blob__put(b);
	return doc;
}

/* The newest record of type (borrowed: valid until pmh_stop), or NULL. */
static inline json_t *pmh_record(struct pmh *h, const char *type)
{
	json_t *found = NULL, *r;
	size_t i;

	json_array_foreach(h->records, i, r)
		if (!strcmp(json_string_value(json_object_get(r, "type")) ?: "", type))
			found = r;
	return found;
}

/*
 * The value of the series written as exactly `series` (name and labels as the
 * Prometheus writer prints them) in the text, into out; false when absent.
 */
static inline bool pmh_prom_in(const char *text, const char *series, char *out, size_t len)
{
	size_t sl = strlen(series);

	out[0] = '\0';
	for (const char *line = text; line && *line;
	     line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		if (!strncmp(line, series, sl) && line[sl] == ' ') {
			snprintf(out, len, "%.*s", (int)strcspn(line + sl + 1, "\n"),
				 line + sl + 1);
			return true;
		}
	}
	return false;
}

/* pmh_prom_in() over the /metrics text of the last tick. */
static inline bool pmh_prom(struct pmh *h, const char *series, char *out, size_t len)
{
	struct blob *b = state__get(h->st, "metrics");
	bool found = pmh_prom_in(b ? b->data : NULL, series, out, len);

	blob__put(b);
	return found;
}

/* A Prometheus series, written as the writer prints it, and its value. */
struct pmh_series {
	const char *series, *value;
};

/* Every series of want (n of them) has its value in text: one CHECK each. */
static inline void pmh_check_series(const char *text, const struct pmh_series *want, size_t n)
{
	char got[64];

	for (size_t i = 0; i < n; i++) {
		bool found = pmh_prom_in(text, want[i].series, got, sizeof(got));

		CHECK(found && !strcmp(got, want[i].value), "%s %s: got %s", want[i].series,
		      want[i].value, found ? got : "no such series");
	}
}

/* pmh_check_series() over the /metrics text of the last tick. */
static inline void pmh_check_prom(struct pmh *h, const struct pmh_series *want, size_t n)
{
	struct blob *b = state__get(h->st, "metrics");

	pmh_check_series(b ? b->data : NULL, want, n);
	blob__put(b);
}

/* pmh_start(), or the case fails here and returns. */
#define PMH_START(h, setup)                                                    \
	do {                                                                   \
		if (pmh_start((h), (setup))) {                                 \
			CHECK(0, "processor without BPF: could not be built"); \
			pmh_stop(h);                                           \
			return;                                                \
		}                                                              \
	} while (0)

/* Whether the last tick's /metrics text has the exact line. */
static inline bool pmh_prom_line(struct pmh *h, const char *want_line)
{
	struct blob *b = state__get(h->st, "metrics");
	size_t wl = strlen(want_line);
	bool found = false;

	for (const char *s = b ? b->data : NULL; s && (s = strstr(s, want_line)); s += wl)
		if ((s == b->data || s[-1] == '\n') && (s[wl] == '\n' || !s[wl])) {
			found = true;
			break;
		}
	blob__put(b);
	return found;
}

/* The scope values ("key=value", space-separated) of the firing records of
 * alert rule `rule` handed to the sinks, into out. */
static inline void pmh_fired(struct pmh *h, const char *rule, char *out, size_t len)
{
	json_t *r;
	size_t i, off = 0;

	out[0] = '\0';
	json_array_foreach(h->records, i, r) {
		const char *k;
		json_t *v;

		if (strcmp(json_string_value(json_object_get(r, "type")) ?: "", "alert") ||
		    strcmp(json_string_value(json_object_get(r, "rule")) ?: "", rule) ||
		    strcmp(json_string_value(json_object_get(r, "state")) ?: "", "firing"))
			continue;
		json_object_foreach(json_object_get(r, "scope"), k, v)
			if (off < len)
				off += (size_t)snprintf(out + off, len - off, "%s%s=%s",
							off ? " " : "", k, json_string_value(v));
	}
}

/* obj as compact JSON for a failure message (a static buffer: one per message). */
static inline const char *pmh_dump(const json_t *obj)
{
	static char buf[1024];
	size_t n = obj ? json_dumpb(obj, buf, sizeof(buf) - 1, JSON_COMPACT) : 0;

	if (!obj)
		return "(none)";
	buf[n < sizeof(buf) ? n : sizeof(buf) - 1] = '\0';
	return buf;
}

/* A number field of obj, NAN when absent or not a number. */
static inline double pmh_num(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);

	return json_is_number(v) ? json_number_value(v) : __builtin_nan("");
}

/* |got - want| <= rel * want */
static inline bool pmh_near(double got, double want, double rel)
{
	double d = got > want ? got - want : want - got;

	return d <= rel * (want > 0 ? want : -want);
}

#endif
