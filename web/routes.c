// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Routes: one admitted request in (web/gate.c decided who may ask), one
 * response out. Published topics are served by reference (the response
 * holds a blob reference; nothing is formatted or copied); embedded assets
 * point into the binary. Only the series endpoint, POST /api/v1/filters and
 * error paths build a body. Runs on the web thread.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "web/web_int.h"
#include "web/assets.h"
#include "user/pipeline/signal.h"
#include "user/runtime/log.h"

#define CT_JSON "application/json"
#define CT_PROM "text/plain; version=0.0.4; charset=utf-8"
#define CT_SSE "text/event-stream"
#define CT_TEXT "text/plain; charset=utf-8"
#define NO_CACHE "no-cache"
#define NO_STORE "no-store"

/* URL under /api/v1/ -> topic published by the processor (docs/topics.md):
 * the processor's own, and each signal's (signal.h); another mode (fleet)
 * brings its own list (web.h hooks.topics). */
static const char *const core_topics[] = { "summary", "host", "alerts", "stats", NULL };

/* The topic named name (a static string), or NULL when there is none. */
static const char *api_topic(const struct web *w, const char *name)
{
	for (const char *const *t = w->hooks.topics ? w->hooks.topics : core_topics; *t; t++)
		if (!strcmp(name, *t))
			return *t;
	if (w->hooks.topics)
		return NULL;
	for (const struct signal *const *s = signals; *s; s++)
		for (const struct signal_topic *t = (*s)->topics; t && t->name; t++)
			if (!strcmp(name, t->name))
				return t->name;
	return NULL;
}

static bool topic_published(struct web *w, const char *topic)
{
	struct blob *b = state__get(w->st, topic);

	if (b)
		blob__put(b);
	return b != NULL;
}

static const char J_HEALTH[] = "{\"status\":\"ok\"}\n";
static const char J_READY[] = "{\"status\":\"ready\"}\n";
static const char J_NOT_READY[] =
	"{\"status\":\"not ready\",\"error\":\"the agent is starting: BPF programs are not attached yet\"}\n";
static const char J_NOT_PUBLISHED[] =
	"{\"status\":\"not ready\",\"error\":\"the agent is starting: the first metrics are not published yet\"}\n";
static const char J_NOT_FOUND[] = "{\"error\":\"not found\"}\n";
static const char J_METHOD[] = "{\"error\":\"method not allowed\"}\n";
static const char J_AUTH[] = "{\"error\":\"missing or wrong bearer token\"}\n";
static const char J_BAD[] = "{\"error\":\"malformed request\"}\n";
static const char J_HEADERS[] = "{\"error\":\"request headers too large\"}\n";
static const char T_NO_METRICS[] = "# metrics not published yet: the agent is starting\n";
static const char J_NO_SERIES[] = "{\"error\":\"unknown metric; GET /api/v1/series lists them\"}\n";
static const char J_BAD_SINCE[] = "{\"error\":\"since must be a number of milliseconds\"}\n";
static const char J_NO_HOOK[] =
	"{\"error\":\"capture filters cannot be changed in this process\"}\n";
static const char J_BAD_JSON[] = "{\"error\":\"body must be a JSON object\"}\n";
static const char J_NOMEM[] = "{\"error\":\"out of memory\"}\n";
static const char J_TIMEOUT[] = "{\"error\":\"the request did not arrive in time\"}\n";
static const char J_LENGTH[] = "{\"error\":\"a request body needs Content-Length\"}\n";
static const char J_TOO_BIG[] = "{\"error\":\"request body larger than 64 KiB\"}\n";
static const char J_URI[] = "{\"error\":\"request path longer than 2 KiB\"}\n";
static const char J_BUSY[] =
	"{\"error\":\"server busy: too many request bodies in progress; retry\"}\n";
static const char J_VERSION[] = "{\"error\":\"HTTP version not supported\"}\n";
static const char J_ERROR[] = "{\"error\":\"request refused\"}\n";

static const struct {
	int code;
	const char *text;
} status_text[] = {
	{ 200, "OK" },
	{ 204, "No Content" },
	{ 400, "Bad Request" },
	{ 401, "Unauthorized" },
	{ 403, "Forbidden" },
	{ 404, "Not Found" },
	{ 405, "Method Not Allowed" },
	{ 408, "Request Timeout" },
	{ 411, "Length Required" },
	{ 413, "Content Too Large" },
	{ 414, "URI Too Long" },
	{ 415, "Unsupported Media Type" },
	{ 421, "Misdirected Request" },
	{ 431, "Request Header Fields Too Large" },
	{ 500, "Internal Server Error" },
	{ 501, "Not Implemented" },
	{ 503, "Service Unavailable" },
	{ 505, "HTTP Version Not Supported" },
};

const char *web_status_text(int status)
{
	for (size_t i = 0; i < sizeof(status_text) / sizeof(status_text[0]); i++)
		if (status_text[i].code == status)
			return status_text[i].text;
	return "Unknown";
}

void web_count_status(struct web *w, int status)
{
	int cls = status / 100;

	if (cls >= 1 && cls <= 5)
		w->stats.by_class[cls]++;
}

static void resp_static(struct web_resp *r, int status, const char *ctype, const char *data,
			size_t len)
{
	r->status = status;
	r->ctype = ctype;
	r->cache = NO_STORE;
	r->nseg = 1;
	r->blob[0] = NULL;
	r->data[0] = data;
	r->len[0] = len;
}

#define RESP_JSON(r, status, lit) resp_static(r, status, CT_JSON, lit, sizeof(lit) - 1)

static void resp_blob(struct web_resp *r, int status, const char *ctype, struct blob *b)
{
	r->status = status;
	r->ctype = ctype;
	r->cache = NO_STORE;
	r->blob[r->nseg] = b;
	r->data[r->nseg] = b->data;
	r->len[r->nseg] = b->len;
	r->nseg++;
}

/* A body built on an error or dynamic path (not the hot path). */
static void resp_json_doc(struct web_resp *r, int status, json_t *doc)
{
	char *s = doc ? json_dumps(doc, JSON_COMPACT | JSON_REAL_PRECISION(10)) : NULL;
	struct blob *b = NULL;

	json_decref(doc);
	if (s) {
		size_t n = strlen(s);

		b = blob__new(s, n);
		free(s);
	}
	if (!b) {
		RESP_JSON(r, 500, J_NOMEM);
		return;
	}
	resp_blob(r, status, CT_JSON, b);
}

static void resp_error(struct web_resp *r, int status, const char *msg)
{
	resp_json_doc(r, status, json_pack("{s:s}", "error", msg));
}

void web_resp_release(struct web_resp *r)
{
	for (int i = 0; i < r->nseg; i++) {
		blob__put(r->blob[i]);
		r->blob[i] = NULL;
	}
	r->nseg = 0;
}

size_t web_resp_len(const struct web_resp *r)
{
	size_t n = 0;

	for (int i = 0; i < r->nseg; i++)
		n += r->len[i];
	return n;
}

static bool serve_asset(const struct web *w, const char *path, struct web_resp *r)
{
	if (!strcmp(path, "/"))
		path = w->hooks.index ? w->hooks.index : "/index.html";
	for (const struct web_asset *a = web_assets; a->path; a++) {
		if (strcmp(a->path, path))
			continue;
		resp_static(r, 200, a->content_type, (const char *)a->data, a->size);
		r->cache = NO_CACHE;
		return true;
	}
	return false;
}

static void serve_metrics(struct web *w, struct web_resp *r)
{
	struct blob *b = state__get(w->st, "metrics");

	if (!b) { /* Prometheus text, not JSON: a scraper logs the body */
		resp_static(r, 503, CT_TEXT, T_NO_METRICS, sizeof(T_NO_METRICS) - 1);
		return;
	}
	r->nseg = 0;
	resp_blob(r, 200, CT_PROM, b);
	if (w->self_metrics)
		resp_blob(r, 200, CT_PROM, blob__get(w->self_metrics));
}

static void serve_series(struct web *w, const struct web_req *req, struct web_resp *r)
{
	char metric[128], since[32];
	int64_t since_ms = 0;

	if (!web_query_get(req->query, "metric", metric, sizeof(metric))) {
		resp_json_doc(r, 200, json_pack("{s:o}", "metrics", state__series_names(w->st)));
		return;
	}
	if (web_query_get(req->query, "since", since, sizeof(since)) && since[0]) {
		char *end;

		errno = 0;
		since_ms = strtoll(since, &end, 10);
		if (errno || *end) {
			RESP_JSON(r, 400, J_BAD_SINCE);
			return;
		}
	}
	json_t *doc = state__series_json(w->st, metric, since_ms);

	if (!doc) {
		RESP_JSON(r, 404, J_NO_SERIES);
		return;
	}
	resp_json_doc(r, 200, doc);
}

void web_resp_error(struct web_resp *r, int status)
{
	const char *lit;
	size_t len;

#define PICK(l) (lit = l, len = sizeof(l) - 1)
	switch (status) {
	case 400:
		PICK(J_BAD);
		break;
	case 408:
		PICK(J_TIMEOUT);
		break;
	case 411:
		PICK(J_LENGTH);
		break;
	case 413:
		PICK(J_TOO_BIG);
		break;
	case 414:
		PICK(J_URI);
		break;
	case 431:
		PICK(J_HEADERS);
		break;
	case 503:
		PICK(J_BUSY);
		break;
	case 505:
		PICK(J_VERSION);
		break;
	default:
		PICK(J_ERROR);
		break;
	}
#undef PICK
	memset(r, 0, sizeof(*r));
	resp_static(r, status, CT_JSON, lit, len);
}

/* The published filters document, for the log: at most 400 characters. */
static void filters_text(struct web *w, char *out, size_t outlen)
{
	struct blob *b = state__get(w->st, "filters");
	size_t n;

	if (!b) {
		snprintf(out, outlen, "(none published)");
		return;
	}
	n = b->len;
	while (n && (b->data[n - 1] == '\n' || b->data[n - 1] == ' '))
		n--;
	if (n > 400)
		snprintf(out, outlen, "%.400s...", b->data);
	else
		snprintf(out, outlen, "%.*s", (int)n, b->data);
	blob__put(b);
}

static void post_filters(struct web *w, const struct web_req *req, struct web_resp *r)
{
	const char *who = req->c && req->c->peer[0] ? req->c->peer : "?";
	const char *how = req->role == WEB_ROLE_ADMIN ? "admin token" :
							"loopback, no admin_token set";
	char err[256] = "", before[420], after[420];
	json_error_t jerr;
	json_t *body;
	int rc;

	if (!w->hooks.set_filters) {
		RESP_JSON(r, 503, J_NO_HOOK);
		return;
	}
	body = json_loadb((const char *)req->body, req->body_len, 0, &jerr);
	if (!json_is_object(body)) {
		json_decref(body);
		RESP_JSON(r, 400, J_BAD_JSON);
		return;
	}
	filters_text(w, before, sizeof(before));
	rc = w->hooks.set_filters(w->hooks.ctx, body, err, sizeof(err));
	json_decref(body);
	if (rc) {
		pr_warn("web: capture filter change from %s (%s) not applied: %s", who, how,
			err[0] ? err : strerror(-rc));
		resp_error(r, rc == -EINVAL ? 400 : 500, err[0] ? err : strerror(-rc));
		return;
	}
	/* the hook republished the topic before returning (web.h) */
	filters_text(w, after, sizeof(after));
	w->stats.state_changes++;
	pr_info("web: capture filters changed by %s (%s): %s -> %s", who, how, before, after);
	resp_json_doc(r, 200, json_pack("{s:b}", "ok", 1));
}

/* Ready once BPF programs are attached and the processor has published every
 * topic and /metrics once: a probe that passes means every endpoint answers.
 * Topics are never withdrawn, so the answer is kept once it is yes. */
static bool published(struct web *w)
{
	static const char *const extra[] = { "metrics" };
	struct blob *b;

	if (w->published)
		return true;
	for (size_t i = 0; i < sizeof(extra) / sizeof(extra[0]); i++) {
		b = state__get(w->st, extra[i]);
		if (!b)
			return false;
		blob__put(b);
	}
	for (const char *const *t = w->hooks.topics ? w->hooks.topics : core_topics; *t; t++)
		if (!topic_published(w, *t))
			return false;
	for (const struct signal *const *s = signals; !w->hooks.topics && *s; s++)
		for (const struct signal_topic *t = (*s)->topics; t && t->name; t++)
			if (!topic_published(w, t->name))
				return false;
	w->published = true;
	return true;
}

static void serve_topic(struct web *w, const char *topic, struct web_resp *r)
{
	struct blob *b = state__get(w->st, topic);
	char msg[96];

	if (!b) {
		snprintf(msg, sizeof(msg), "'%s' is not published yet; the agent is starting",
			 topic);
		resp_error(r, 503, msg);
		return;
	}
	resp_blob(r, 200, CT_JSON, b);
}

void web_route(struct web *w, const struct web_req *req, struct web_resp *r)
{
	const char *p = req->path;
	bool get = req->method == WEB_M_GET || req->method == WEB_M_HEAD;

	memset(r, 0, sizeof(*r));
	r->head = req->method == WEB_M_HEAD;
	if (req->header_too_big) {
		RESP_JSON(r, 431, J_HEADERS);
		return;
	}
	if (req->bad || p[0] != '/') {
		RESP_JSON(r, 400, J_BAD);
		return;
	}
	/* Probes answer without the token: orchestrators don't carry one. */
	if (!strcmp(p, "/healthz") || !strcmp(p, "/livez")) {
		if (!get)
			goto method;
		RESP_JSON(r, 200, J_HEALTH);
		return;
	}
	if (!strcmp(p, "/readyz")) {
		if (!get)
			goto method;
		if (!state__ready(w->st))
			RESP_JSON(r, 503, J_NOT_READY);
		else if (!published(w))
			RESP_JSON(r, 503, J_NOT_PUBLISHED);
		else
			RESP_JSON(r, 200, J_READY);
		return;
	}
	/* The dashboard's files are public (they hold no data); the rest needs
	 * the read role, which the gate checked: this is the second lock. */
	if (get && serve_asset(w, p, r))
		return;
	if (req->role == WEB_ROLE_NONE) {
		RESP_JSON(r, 401, J_AUTH);
		r->auth_challenge = true;
		return;
	}
	if (web_gate_takes_body(req)) {
		/* the protocols gate at the headers; a second look costs nothing */
		if (!web_gate(w, req, r))
			return;
		post_filters(w, req, r);
		return;
	}
	if (!get)
		goto method;
	if (!strcmp(p, "/metrics")) {
		serve_metrics(w, r);
		return;
	}
	if (!strncmp(p, "/api/v1/", 8)) {
		const char *name = p + 8, *topic;

		if (!strcmp(name, "stream")) {
			if (r->head) { /* headers only: no stream to keep open */
				resp_static(r, 200, CT_SSE, "", 0);
				return;
			}
			r->status = 200;
			r->ctype = CT_SSE;
			r->cache = NO_CACHE;
			r->sse = true;
			r->sse_after = web_sse_start_id(w, req->last_event_id, req->query);
			return;
		}
		if (!strcmp(name, "series")) {
			serve_series(w, req, r);
			return;
		}
		topic = api_topic(w, name);
		if (topic) {
			serve_topic(w, topic, r);
			return;
		}
		if (w->hooks.get) {
			json_t *doc = NULL;
			int status = w->hooks.get(w->hooks.ctx, p, req->query, &doc);

			if (status) {
				resp_json_doc(r, status, doc);
				return;
			}
			json_decref(doc);
		}
		RESP_JSON(r, 404, J_NOT_FOUND);
		return;
	}
	RESP_JSON(r, 404, J_NOT_FOUND);
	return;
method:
	RESP_JSON(r, 405, J_METHOD);
	r->allow_post = !strcmp(p, "/api/v1/filters");
}
