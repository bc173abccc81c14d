// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Server-Sent Events framing for /api/v1/stream, shared by HTTP/1.1 and
 * HTTP/2. Each update the processor pushed (state__push_update) becomes
 *   id: <update id>\ndata: <compact JSON>\n\n
 * with the JSON added to the output by reference (the blob is released when
 * the bytes have left). A stream remembers the last id it framed, so a slow
 * client simply falls behind and catches up from the ring; one that falls
 * out of the ring resumes at the oldest update kept. Runs on the web thread.
 */
#include <stdlib.h>
#include <string.h>

#include "web/web_int.h"

static void blob_unref(const void *data, size_t len, void *arg)
{
	blob__put(arg);
}

void web_sse_open(struct evbuffer *out)
{
	static const char hello[] = "retry: 2000\n\n";

	evbuffer_add(out, hello, sizeof(hello) - 1);
}

static bool parse_id(const char *s, uint64_t *id)
{
	uint64_t v = 0;

	if (!s || !*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > UINT64_MAX / 10 - 10)
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*id = v;
	return true;
}

uint64_t web_sse_start_id(struct web *w, const char *leid, const char *query)
{
	uint64_t last = state__last_update_id(w->st), id;
	char q[32];

	if (parse_id(leid, &id) ||
	    (web_query_get(query, "last_event_id", q, sizeof(q)) && parse_id(q, &id))) {
		/* An id from the future: the agent restarted; start fresh. */
		if (id <= last)
			return id;
	}
	/* A new client gets the newest update at once, then the next ones. */
	return last ? last - 1 : 0;
}

int64_t web_sse_keepalive_ms(const struct web *w)
{
	int64_t half_idle = (int64_t)w->cfg.web_idle_timeout_s * 500;

	/* a quiet stream is not idle: comment well before the idle sweep */
	return half_idle < 15000 ? half_idle : 15000;
}

size_t web_sse_fill(struct web *w, struct evbuffer *out, uint64_t *last, size_t max_bytes)
{
	struct blob *blobs[WEB_SSE_BATCH];
	uint64_t ids[WEB_SSE_BATCH];
	size_t n, i, added = 0;

	if (state__last_update_id(w->st) <= *last)
		return 0;
	n = state__updates_after(w->st, *last, blobs, ids, WEB_SSE_BATCH);
	for (i = 0; i < n; i++) {
		char head[48] = "id: ";
		size_t hl = 4;

		if (added >= max_bytes)
			break;
		hl += web_u64_str(head + hl, ids[i]);
		memcpy(head + hl, "\ndata: ", 7);
		hl += 7;
		if (evbuffer_add(out, head, hl) ||
		    evbuffer_add_reference(out, blobs[i]->data, blobs[i]->len, blob_unref,
					   blobs[i]))
			break; /* out of memory: the reference was not taken */
		if (evbuffer_add(out, "\n\n", 2)) {
			i++;
			break;
		}
		added += hl + blobs[i]->len + 2;
		*last = ids[i];
		w->stats.sse_events++;
	}
	for (; i < n; i++)
		blob__put(blobs[i]);
	return added;
}
