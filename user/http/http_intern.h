/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Request heads seen before, with what parsing them gave: a request whose
 * captured head bytes equal an earlier one's (a client repeating a request,
 * a browser resending its headers) is not parsed, redacted, templated or
 * classified again. Bounded: a fixed set-associative table; a flood of
 * distinct heads evicts (counted) and costs what parsing costs anyway.
 * Keyed by the bytes alone: what parsing gives depends on nothing else
 * (redaction and query options are fixed for the agent's life).
 */
#ifndef HOSTLENS_HTTP_INTERN_H
#define HOSTLENS_HTTP_INTERN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bpf/common/events.h"
#include "bpf/http/http.h"
#include "user/http/httpparse.h"

/* What the HTTP module needs from a request head. */
struct http_interned {
	bool ok;			/* a valid request line (else: unparsed) */
	uint8_t ua;			/* enum ua_class */
	uint8_t source;			/* enum traffic_source */
	char method[HTTP_METHOD_MAX];
	char path[HTTP_PATH_MAX];	/* minimized (redact.h) */
	char route[HTTP_ROUTE_MAX];
};

struct http_intern_stats {
	uint64_t hits, misses, evictions;
};

struct http_intern;

/* slots: rounded up to a power of two, at least one set */
struct http_intern *http_intern__new(unsigned int slots);
void http_intern__free(struct http_intern *t);

/*
 * The entry for head[0..len) (len <= HL_HTTP_REQ_HEAD). *hit: it holds the
 * parse of these same bytes; else it was just (re)claimed for them and the
 * caller fills it. Never NULL.
 */
struct http_interned *http_intern__find(struct http_intern *t, const char *head, size_t len,
					bool *hit);

void http_intern__stats(const struct http_intern *t, struct http_intern_stats *out);

#endif
