// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * HTTP/1.1 on the shared listener (browsers and plain curl). Runs on the web
 * thread. The end of the head is searched for incrementally (each byte is
 * looked at about once however slowly it comes; at most WEB_MAX_HEADER
 * bytes, else 431 and close), then the head is copied and parsed once and
 * the gate decides from it: a refused request is answered without reading
 * its body, and only a state change that passed has its body (Content-Length,
 * at most WEB_MAX_BODY, reserved in the body budget) read. A request must be
 * all in within web_request_timeout (408 and close). Pipelined requests are
 * answered in order; response headers are assembled with memcpy and the body
 * is added by reference. A request to /api/v1/stream turns the connection
 * into a close-delimited event stream fed by the server tick.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <event2/buffer.h>

#include "web/web_int.h"

struct hbuf {
	char b[768];
	size_t n;
};

static void put(struct hbuf *h, const char *s)
{
	size_t l = strlen(s);

	if (h->n + l < sizeof(h->b)) {
		memcpy(h->b + h->n, s, l);
		h->n += l;
	}
}

static void put_u64(struct hbuf *h, uint64_t v)
{
	if (h->n + 24 < sizeof(h->b))
		h->n += web_u64_str(h->b + h->n, v);
}

static void blob_unref(const void *data, size_t len, void *arg)
{
	blob__put(arg);
}

static void h1_respond(struct web_conn *c, struct web_resp *r, bool keep_alive, bool admitted)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);
	struct hbuf h = { .n = 0 };

	c->w->stats.requests[WEB_P_H1]++;
	web_count_status(c->w, r->status);
	if (admitted)
		c->h1_answering = true;
	put(&h, "HTTP/1.1 ");
	put_u64(&h, (uint64_t)r->status);
	put(&h, " ");
	put(&h, web_status_text(r->status));
	put(&h, "\r\nContent-Type: ");
	put(&h, r->ctype);
	put(&h, "\r\nCache-Control: ");
	put(&h, r->cache ? r->cache : "no-store");
	put(&h, "\r\nX-Content-Type-Options: nosniff\r\n");
	if (r->auth_challenge)
		put(&h, "WWW-Authenticate: Bearer realm=\"hostlens\"\r\n");
	if (r->status == 405)
		put(&h, r->allow_post ? "Allow: POST\r\n" : "Allow: GET, HEAD\r\n");
	if (r->status == 503)
		put(&h, "Retry-After: 1\r\n");
	if (r->sse) {
		put(&h, "Connection: close\r\n\r\n");
		evbuffer_add(out, h.b, h.n);
		return;
	}
	put(&h, "Content-Length: ");
	put_u64(&h, web_resp_len(r));
	put(&h, keep_alive ? "\r\n\r\n" : "\r\nConnection: close\r\n\r\n");
	evbuffer_add(out, h.b, h.n);
	for (int i = 0; i < r->nseg && !r->head; i++) {
		if (!r->len[i])
			continue;
		if (r->blob[i])
			evbuffer_add_reference(out, r->data[i], r->len[i], blob_unref,
					       blob__get(r->blob[i]));
		else
			evbuffer_add_reference(out, r->data[i], r->len[i], NULL, NULL);
	}
	web_resp_release(r);
}

/* The request is over (answered or failed): forget it and its body budget. */
static void h1_request_done(struct web_conn *c)
{
	free(c->h1_head);
	c->h1_head = NULL;
	web_body_release(c, c->body_reserved);
	c->h1_scanned = c->h1_hlen = c->h1_clen = c->h1_body_seen = 0;
	c->h1_start_ms = 0;
	memset(&c->h1_req, 0, sizeof(c->h1_req));
}

/* A response decided by the parser itself; the connection closes after it. */
static void h1_fail(struct web_conn *c, int status)
{
	struct web_resp r;

	if (status != 408)
		c->w->stats.protocol_errors++;
	web_resp_error(&r, status);
	h1_respond(c, &r, false, false);
	h1_request_done(c);
	web_conn_finish(c);
}

static void sse_begin(struct web_conn *c, struct web_resp *r)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);

	c->h1_sse = true;
	c->h1_sse_last = r->sse_after;
	c->inflight = 1;
	c->w->stats.sse_clients++;
	web_sse_open(out);
	web_sse_fill(c->w, out, &c->h1_sse_last, WEB_OUT_HIGH);
	c->sse_sent_ms = clock_mono_ms();
}

/* A live stream: frame new updates, or a keep-alive comment when quiet. */
static void h1_tick(struct web_conn *c)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);
	size_t len = evbuffer_get_length(out);
	int64_t now;

	if (!c->h1_sse)
		return; /* nothing runs on a timer for a plain request */
	if (len >= WEB_OUT_HIGH)
		return; /* a slow reader: it catches up from the ring later */
	now = clock_mono_ms();
	if (web_sse_fill(c->w, out, &c->h1_sse_last, WEB_OUT_HIGH - len)) {
		c->sse_sent_ms = now;
	} else if (now - c->sse_sent_ms >= web_sse_keepalive_ms(c->w)) {
		evbuffer_add(out, ":\n\n", 3);
		c->sse_sent_ms = now;
	}
}

static int h1_deadline(struct web_conn *c, int64_t now)
{
	if (c->h1_sse || !c->h1_start_ms ||
	    now - c->h1_start_ms <= (int64_t)c->w->cfg.web_request_timeout_s * 1000)
		return 0;
	c->w->stats.deadline_closed++;
	c->w->stats.refused[WEB_REF_DEADLINE]++;
	h1_fail(c, 408);
	return 0;
}

/*
 * The request line "METHOD TARGET VERSION" (NUL-terminated, cut in place):
 * the method into c->h1_req, keep-alive from the version, *target to the
 * checked target. 0, or the status to answer.
 */
static int h1_request_line(struct web_conn *c, char *line, char **target_out)
{
	struct web_req *req = &c->h1_req;
	char *method = line, *target, *version, *q;

	target = strchr(method, ' ');
	if (!target)
		return 400;
	*target++ = '\0';
	version = strchr(target, ' ');
	if (!version)
		return 400;
	*version++ = '\0';
	if (!strcmp(version, "HTTP/1.1"))
		c->h1_keep_alive = true;
	else if (!strcmp(version, "HTTP/1.0"))
		c->h1_keep_alive = false;
	else if (!strncmp(version, "HTTP/", 5))
		return 505;
	else
		return 400;
	if (!strcmp(method, "GET"))
		req->method = WEB_M_GET;
	else if (!strcmp(method, "HEAD"))
		req->method = WEB_M_HEAD;
	else if (!strcmp(method, "POST"))
		req->method = WEB_M_POST;
	else if (!*method)
		return 400;
	else
		req->method = WEB_M_OTHER;
	if (target[0] != '/')
		return 400;
	for (char *t = target; *t; t++)
		if ((unsigned char)*t <= ' ' || *t == 0x7f)
			return 400;
	q = strchr(target, '?');
	if ((q ? (size_t)(q - target) : strlen(target)) >= WEB_MAX_PATH)
		return 414;
	*target_out = target;
	return 0;
}

/*
 * Parses a complete head (request line, fields, final CRLF; NUL-terminated
 * at hlen) in place into c->h1_req. 0, or the status to fail with.
 */
static int h1_parse_head(struct web_conn *c, char *head, size_t hlen)
{
	struct web_req *req = &c->h1_req;
	char *p = head, *end = head + hlen - 2; /* at the final CRLF */
	char *line, *target, *q;
	bool have_clen = false, chunked = false, conn_close = false, conn_keep = false;
	const char *auth = NULL;
	size_t authlen = 0, clen = 0;
	int status;

	memset(req, 0, sizeof(*req));
	req->c = c;
	req->query = req->host = req->origin = req->last_event_id = "";
	req->content_length = -1;

	/* request line */
	line = p;
	p = memchr(line, '\r', (size_t)(end - line));
	if (!p || p[1] != '\n')
		return 400;
	*p = '\0';
	p += 2;
	status = h1_request_line(c, line, &target);
	if (status)
		return status;
	q = strchr(target, '?');

	/* header fields */
	while (p < end) {
		char *eol = memchr(p, '\r', (size_t)(end - p) + 1), *colon, *v, *ve;

		if (!eol || eol[1] != '\n')
			return 400;
		if (*p == ' ' || *p == '\t')
			return 400; /* obsolete line folding */
		colon = memchr(p, ':', (size_t)(eol - p));
		if (!colon || colon == p)
			return 400;
		for (char *n = p; n < colon; n++)
			if (*n == ' ' || *n == '\t')
				return 400;
		v = colon + 1;
		while (v < eol && (*v == ' ' || *v == '\t'))
			v++;
		ve = eol;
		while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
			ve--;
		*colon = '\0';
		*ve = '\0';
		if (!strcasecmp(p, "content-length")) {
			char *e;
			unsigned long long n = strtoull(v, &e, 10);

			if (have_clen || *e || !*v || *v == '-')
				return 400;
			have_clen = true;
			clen = n > (unsigned long long)WEB_MAX_BODY ? WEB_MAX_BODY + 1 : (size_t)n;
		} else if (!strcasecmp(p, "transfer-encoding")) {
			chunked = true;
		} else if (!strcasecmp(p, "connection")) {
			if (strcasestr(v, "close"))
				conn_close = true;
			if (strcasestr(v, "keep-alive"))
				conn_keep = true;
		} else if (!strcasecmp(p, "authorization")) {
			auth = v;
			authlen = (size_t)(ve - v);
		} else if (!strcasecmp(p, "host")) {
			if (req->host[0] || (size_t)(ve - v) >= WEB_MAX_FIELD)
				return 400; /* two Hosts, or one no server has */
			req->host = v;
		} else if (!strcasecmp(p, "origin")) {
			req->origin = v;
		} else if (!strcasecmp(p, "content-type")) {
			req->json = web_ctype_is_json(v, (size_t)(ve - v));
		} else if (!strcasecmp(p, "last-event-id")) {
			req->last_event_id = v;
		}
		p = eol + 2;
	}
	if (chunked)
		return have_clen ? 400 : 411;
	if (clen > WEB_MAX_BODY)
		return 413;
	if (conn_close)
		c->h1_keep_alive = false;
	else if (conn_keep)
		c->h1_keep_alive = true;
	if (q)
		*q = '\0';
	req->path = target;
	req->query = q ? q + 1 : "";
	req->role = web_auth_role(c->w, auth, authlen);
	req->has_auth = auth != NULL;
	req->has_body = clen > 0;
	req->content_length = have_clen ? (int64_t)clen : -1;
	c->h1_clen = clen;
	return 0;
}

/*
 * Looks for the end of the head from where the last look stopped (less the
 * three bytes a CRLFCRLF split across reads may have left). 1: c->h1_head
 * holds the parsed head; 0: wait (or failed, and the connection finishes).
 */
static int h1_head(struct web_conn *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	size_t len = evbuffer_get_length(in), start, hlen;
	struct evbuffer_ptr pos;
	int status;

	if (!c->h1_scanned) {
		/* Blank lines before a request are allowed (RFC 9112 2.2). */
		while (len >= 2) {
			unsigned char *b = evbuffer_pullup(in, 2);

			if (b[0] != '\r' || b[1] != '\n')
				break;
			evbuffer_drain(in, 2);
			len -= 2;
		}
		if (len < 2)
			return 0;
	}
	if (!c->h1_start_ms)
		c->h1_start_ms = clock_mono_ms();
	start = c->h1_scanned > 3 ? c->h1_scanned - 3 : 0;
	if (evbuffer_ptr_set(in, &pos, start, EVBUFFER_PTR_SET))
		return 0;
	pos = evbuffer_search(in, "\r\n\r\n", 4, &pos);
	if (pos.pos < 0) {
		c->w->stats.h1_scan_bytes += len - start;
		c->h1_scanned = len;
		if (len > WEB_MAX_HEADER)
			h1_fail(c, 431);
		return 0;
	}
	hlen = (size_t)pos.pos + 4;
	c->w->stats.h1_scan_bytes += hlen - start;
	if (hlen > WEB_MAX_HEADER) {
		h1_fail(c, 431);
		return 0;
	}
	/* Parse a copy: parsing writes NULs, and the body may still be coming. */
	c->h1_head = malloc(hlen + 1);
	if (!c->h1_head)
		return -1;
	if (evbuffer_copyout(in, c->h1_head, hlen) != (ev_ssize_t)hlen)
		return -1;
	c->h1_head[hlen] = '\0';
	c->h1_hlen = hlen;
	status = h1_parse_head(c, c->h1_head, hlen);
	if (status) {
		h1_fail(c, status);
		return 0;
	}
	return 1;
}

/* Parses and answers one request; 1 when one was answered, 0 to wait. */
static int h1_one(struct web_conn *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	struct web_req *req = &c->h1_req;
	struct web_resp r;
	size_t len, want;
	bool keep_alive;

	if (!c->h1_head) {
		int rc = h1_head(c);

		if (rc <= 0)
			return rc;
		/* The headers decide; a refused request's body is never read. */
		if (!web_gate(c->w, req, &r)) {
			keep_alive = c->h1_keep_alive && !req->has_body && !r.close;
			h1_respond(c, &r, keep_alive, false);
			if (!keep_alive) {
				h1_request_done(c);
				web_conn_finish(c);
				return 0;
			}
			evbuffer_drain(in, c->h1_hlen);
			h1_request_done(c);
			return 1;
		}
		web_conn_progress(c);
		if (req->has_body && !web_gate_takes_body(req)) {
			/* answered from the head; the body is not wanted */
			web_route(c->w, req, &r);
			h1_respond(c, &r, false, true);
			h1_request_done(c);
			web_conn_finish(c);
			return 0;
		}
		if (req->has_body && web_body_reserve(c, c->h1_clen)) {
			c->w->stats.refused[WEB_REF_BUSY]++;
			web_resp_error(&r, 503);
			h1_respond(c, &r, false, false);
			h1_request_done(c);
			web_conn_finish(c);
			return 0;
		}
	}
	len = evbuffer_get_length(in);
	want = c->h1_hlen + c->h1_clen;
	if (len < want) {
		if (len - c->h1_hlen > c->h1_body_seen) { /* the body moves */
			c->h1_body_seen = len - c->h1_hlen;
			web_conn_progress(c);
		}
		return 0;
	}
	if (c->h1_clen) {
		unsigned char *b = evbuffer_pullup(in, (ev_ssize_t)want);

		if (!b)
			return -1;
		req->body = b + c->h1_hlen;
		req->body_len = c->h1_clen;
	}
	keep_alive = c->h1_keep_alive && !c->probe_only;
	web_route(c->w, req, &r);
	if (r.close)
		keep_alive = false;
	h1_respond(c, &r, keep_alive && !r.sse, true);
	evbuffer_drain(in, want);
	h1_request_done(c);
	web_conn_progress(c);
	if (r.sse) {
		bufferevent_setwatermark(c->bev, EV_WRITE, WEB_OUT_LOW, 0);
		sse_begin(c, &r);
		return 0;
	}
	if (!keep_alive) {
		web_conn_finish(c);
		return 0;
	}
	return 1;
}

static int h1_on_read(struct web_conn *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	int rc;

	if (c->h1_sse) { /* nothing more is read from a live stream */
		evbuffer_drain(in, evbuffer_get_length(in));
		return 0;
	}
	while (!c->closing && !c->read_paused && evbuffer_get_length(in)) {
		rc = h1_one(c);
		if (rc < 0)
			return -1;
		web_conn_backpressure(c);
		if (rc == 0)
			break;
	}
	/* Unread input above the header limit while paused is the client's
	 * problem, not ours: bufferevent reading is off, so it stays bounded. */
	return 0;
}

/* At close: the live stream's count and the parsed head. */
static void h1_free(struct web_conn *c)
{
	if (c->h1_sse)
		c->w->stats.sse_clients--;
	free(c->h1_head);
	c->h1_head = NULL;
}

const struct web_proto_ops web_h1_ops = {
	.proto = WEB_P_H1,
	.on_read = h1_on_read,
	.tick = h1_tick,
	.deadline = h1_deadline,
	.free = h1_free,
};
