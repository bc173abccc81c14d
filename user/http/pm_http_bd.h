/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* The HTTP module's latency breakdown of served requests (pm_http_bd.c):
 * per-route part histograms from a fixed pool, the slowest recent requests,
 * the "breakdown" topic and hostlens_http_request_part_seconds. */
#ifndef HOSTLENS_PM_HTTP_BD_H
#define HOSTLENS_PM_HTTP_BD_H

#include <jansson.h>

#include "user/http/pm_http_priv.h"
#include "bpf/http/http.h"

/* The breakdown of an inbound request into *bd, added to route r's part
 * histograms (r may be NULL); false when it has none. */
bool http_bd_count(struct http_priv *hp, struct route_acc *r, const struct ev_http *e,
		   struct breakdown *bd);

/* Gives route r's part histograms back to the pool. */
void http_bd_put(struct http_priv *hp, struct route_acc *r);

/* A flush: route r's breakdown since the last one joins what came before. */
void http_bd_flush_reset(struct http_priv *hp, struct route_acc *r);

/* Keeps the BD_SLOWEST slowest requests of the last BD_SLOW_WINDOW_MS. */
void http_bd_slowest_offer(struct http_priv *hp, const struct req_rec *rec, int64_t now_ms);

/* A request's parts in ms, its block I/O bytes, thread and the approximate
 * mark; JSON null without a breakdown. New reference. */
json_t *http_bd_req_json(const struct req_rec *r);

/* The "breakdown" topic (docs/topics.md) and its Prometheus summary. */
void http_bd_publish(struct http_priv *hp, struct processor *p, struct tick_ctx *t);

#endif
