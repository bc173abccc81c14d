/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * DESIGN: the published view of the agent, written by the processor thread
 * once a second and read by the web server thread per request.
 *
 * - Topics ("summary", "processes", "disks", "connections", "routes",
 *   "requests", "alerts", "stats", "host", "filters", ...) hold the latest JSON
 *   document, serialized once at publish time into a refcounted blob, so a
 *   request costs a mutex hold of a few instructions and no formatting.
 * - Time series: one bounded ring (3600 points) per metric name.
 * - Updates: a bounded ring of per-second compact updates with rising ids,
 *   for the Server-Sent-Events stream and Last-Event-ID resume.
 * One mutex guards each part; it is never held while formatting or writing.
 */
#ifndef HOSTLENS_STATE_H
#define HOSTLENS_STATE_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <jansson.h>

struct blob {
	int refcnt; /* atomic */
	size_t len;
	char data[]; /* NUL-terminated */
};

struct blob *blob__new(const char *data, size_t len);
struct blob *blob__get(struct blob *b);
void blob__put(struct blob *b);

struct state;

struct state *state__new(void);
void state__free(struct state *st);

/* Replaces a topic's document (steals doc's reference). 0 or -ENOMEM. */
int state__publish(struct state *st, const char *topic, json_t *doc);

/* Replaces a topic with raw text (e.g. "metrics", Prometheus format). */
int state__publish_text(struct state *st, const char *topic, const char *text, size_t len);

/* The topic's serialized document (caller owns one reference; blob__put it),
 * or NULL when nothing was published yet. */
struct blob *state__get(struct state *st, const char *topic);

/* Appends one point to a metric's series. */
void state__series_push(struct state *st, const char *metric, int64_t ts_ms, double value);

/* {"metric":..., "points":[[ts_ms, value], ...]} for points with ts > since_ms;
 * NULL when the metric is unknown. New reference. */
json_t *state__series_json(struct state *st, const char *metric, int64_t since_ms);

/* Names of every known metric (new reference, JSON array). */
json_t *state__series_names(struct state *st);

/* Appends a per-second update (steals doc); returns its id (> 0). */
uint64_t state__push_update(struct state *st, json_t *doc);

/* Copies up to max updates with id > after_id into out[] (references the
 * caller must blob__put) with their ids; returns how many. When after_id
 * is older than the ring holds, starts from the oldest kept. */
size_t state__updates_after(struct state *st, uint64_t after_id, struct blob **out, uint64_t *ids,
			    size_t max);

/* The newest update id (0 when none). */
uint64_t state__last_update_id(struct state *st);

/* Bytes the update ring holds (at most STATE_UPDATE_BYTES, or its newest
 * update alone), and the updates in it. */
size_t state__updates_bytes(struct state *st, size_t *count);

/* Readiness: set once BPF programs are attached. */
void state__set_ready(struct state *st, bool ready);
bool state__ready(struct state *st);

#endif
