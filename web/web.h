/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The web server: dashboard, /api/v1, SSE stream, /metrics, /healthz,
 * /readyz over HTTP/2 (h2c prior knowledge or TLS+ALPN) and HTTP/1.1 on one
 * listener. It runs its own thread with its own event loop and reads only the
 * published state (user/pipeline/state.h); changes (capture filters) go through hooks.
 */
#ifndef HOSTLENS_WEB_H
#define HOSTLENS_WEB_H

#include <stddef.h>
#include <jansson.h>

#include "user/runtime/config.h"
#include "user/pipeline/state.h"

struct web_hooks {
	void *ctx;
	/* POST /api/v1/filters with body {"pids":[...],"comms":[...],"cgroups":[...]},
	 * once the gate admitted it (admin role, JSON, same-site). Called on the
	 * web thread; republishes the "filters" topic before it returns (the
	 * server logs the topic before -> after); 0 or -EINVAL with err set
	 * (sent back as 400). */
	int (*set_filters)(void *ctx, json_t *body, char *err, size_t errlen);

	/* A mode other than the agent (hostlens fleet) serves its own view
	 * through the same server; each member is optional (NULL/0: the
	 * agent's). */
	/* Topics served as GET /api/v1/<topic> (NULL-ended); /readyz waits
	 * until each one and "metrics" were published once. */
	const char *const *topics;
	/* The asset served at "/" ("/fleet.html"). */
	const char *index;
	/* Any other GET /api/v1/... path, once the read role was checked.
	 * Called on the web thread; must not block. Returns the HTTP status
	 * with *doc set (a new reference, the JSON body), or 0: not mine (404). */
	int (*get)(void *ctx, const char *path, const char *query, json_t **doc);
};

struct web;

/* Binds the listener (so a busy port fails at start-up, with err set) and
 * prepares TLS when configured. NULL and errno on failure. */
struct web *web__new(const struct config *cfg, struct state *st, const struct web_hooks *hooks,
		     char *err, size_t errlen);

/* Starts the server thread. 0 or -errno. */
int web__start(struct web *w);

/* Stops the thread (bounded wait), closes every connection, frees. NULL ok. */
void web__free(struct web *w);

#endif
