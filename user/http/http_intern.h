/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Request heads by the hash BPF gave them, with what parsing them gave:
 * BPF sends a head's bytes once (ev_http_head) and then names it in each
 * request's ev_http (head_hash), so a head is parsed, redacted, templated
 * and classified once. Bounded: a fixed set-associative table; a flood of
 * distinct heads evicts (counted). What parsing gives depends on the bytes
 * alone (redaction and query options are fixed for the agent's life).
 */
#ifndef HOSTLENS_HTTP_INTERN_H
#define HOSTLENS_HTTP_INTERN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bpf/common/events.h"
#include "bpf/http/http.h"
#include "user/http/httpparse.h"

struct route_acc;

/* The route row a head resolved to for one process and direction
 * (pm_http_routes.c): good while the route table's generation is gen. */
struct http_route_memo {
	uint32_t tgid, gen;
	uint8_t dir;
	struct route_acc *r;
};
#define HTTP_ROUTE_MEMO 4

/* What the HTTP module needs from a request head. */
struct http_interned {
	bool ok;	/* a valid request line (else: unparsed) */
	uint8_t ua;	/* enum ua_class */
	uint8_t source; /* enum traffic_source */
	char method[HTTP_METHOD_MAX];
	char path[HTTP_PATH_MAX]; /* minimized (redact.h) */
	char route[HTTP_ROUTE_MAX];
	uint32_t route_hash; /* of method and route (http_route_key_hash) */
	/* the route rows of the last processes and directions seen with it:
	 * a request finds its row without hashing and comparing strings */
	uint8_t memo_next;
	struct http_route_memo memo[HTTP_ROUTE_MEMO];
};

struct http_intern_stats {
	uint64_t heads;	 /* ev_http_head received */
	uint64_t hits;	 /* requests whose head was held */
	uint64_t misses; /* requests whose head was not (evicted): lost */
	uint64_t evictions;
};

struct http_intern;

/* slots: rounded up to a power of two, at least one set */
struct http_intern *http_intern__new(unsigned int slots);
void http_intern__free(struct http_intern *t);

/* The entry for the head of this hash (an ev_http_head): *fresh when it
 * was just (re)claimed and the caller parses the head into it. Never NULL. */
struct http_interned *http_intern__put(struct http_intern *t, uint64_t hash, bool *fresh);

/* The parse of the head of this hash, or NULL when it is not held. */
struct http_interned *http_intern__get(struct http_intern *t, uint64_t hash);

void http_intern__stats(const struct http_intern *t, struct http_intern_stats *out);

#endif
