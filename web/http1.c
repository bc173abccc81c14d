// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * HTTP/1.1 on the shared listener (browsers and plain curl). Runs on the web
 * thread. Requests are parsed in place from the input buffer once the whole
 * header section is there (at most WEB_MAX_HEADER bytes, else 431 and close);
 * bodies need Content-Length (at most WEB_MAX_BODY). Pipelined requests are
 * answered in order; response headers are assembled with memcpy and the body
 * is added by reference. A request to /api/v1/stream turns the connection
 * into a close-delimited event stream fed by the server tick.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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

static void h1_respond(struct web_conn *c, struct web_resp *r, bool keep_alive)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);
	struct hbuf h = { .n = 0 };

	c->w->stats.requests[WEB_P_H1]++;
	web_count_status(c->w, r->status);
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

/* A response decided by the parser itself; the connection closes after it. */
static void h1_fail(struct web_conn *c, int status, bool too_big)
{
	struct web_req req = { .method = WEB_M_GET, .path = "/", .query = "", .auth = "",
			       .last_event_id = "", .bad = !too_big,
			       .header_too_big = too_big };
	struct web_resp r;

	c->w->stats.protocol_errors++;
	web_route(c->w, &req, &r);
	r.status = status;
	h1_respond(c, &r, false);
	c->closing = true;
	bufferevent_disable(c->bev, EV_READ);
	bufferevent_setwatermark(c->bev, EV_WRITE, 0, 0);
}

static void copy_value(char *dst, size_t dstlen, const char *v, size_t vlen)
{
	if (vlen >= dstlen)
		vlen = dstlen - 1;
	memcpy(dst, v, vlen);
	dst[vlen] = '\0';
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
	c->sse_sent_ms = web_now_ms();
}

void web_h1_tick(struct web_conn *c)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);
	size_t len = evbuffer_get_length(out);
	int64_t now;

	if (len >= WEB_OUT_HIGH)
		return;		/* a slow reader: it catches up from the ring later */
	now = web_now_ms();
	if (web_sse_fill(c->w, out, &c->h1_sse_last, WEB_OUT_HIGH - len)) {
		c->sse_sent_ms = now;
	} else if (now - c->sse_sent_ms >= 15000) {
		evbuffer_add(out, ":\n\n", 3);
		c->sse_sent_ms = now;
	}
}

/* Parses and answers one request; 1 when one was answered, 0 to wait. */
static int h1_one(struct web_conn *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	struct evbuffer_ptr pos;
	size_t len = evbuffer_get_length(in), hlen, clen = 0;
	char *p, *end, *line, *method, *target, *version, *q;
	bool keep_alive, have_clen = false, chunked = false, conn_close = false,
	     conn_keep = false;
	struct web_req req = { .query = "", .auth = "", .last_event_id = "" };
	struct web_resp r;
	char head[WEB_MAX_HEADER + 4];

	/* Blank lines before a request are allowed (RFC 9112 2.2). */
	while (len >= 2) {
		unsigned char *b = evbuffer_pullup(in, 2);

		if (b[0] == '\r' && b[1] == '\n') {
			evbuffer_drain(in, 2);
			len -= 2;
		} else {
			break;
		}
	}
	pos = evbuffer_search(in, "\r\n\r\n", 4, NULL);
	if (pos.pos < 0) {
		if (len > WEB_MAX_HEADER) {
			h1_fail(c, 431, true);
			return 0;
		}
		return 0;
	}
	hlen = (size_t)pos.pos + 4;
	if (hlen > WEB_MAX_HEADER) {
		h1_fail(c, 431, true);
		return 0;
	}
	/* Parse a copy: parsing writes NULs into the head, and when the body
	 * is still coming the input must stay as it came for the next round. */
	if (evbuffer_copyout(in, head, hlen) != (ev_ssize_t)hlen)
		return -1;
	p = head;
	end = p + hlen - 2;	/* at the final CRLF */

	/* request line */
	line = p;
	p = memchr(line, '\r', (size_t)(end - line));
	if (!p || p[1] != '\n')
		goto bad;
	*p = '\0';
	p += 2;
	method = line;
	target = strchr(method, ' ');
	if (!target)
		goto bad;
	*target++ = '\0';
	version = strchr(target, ' ');
	if (!version)
		goto bad;
	*version++ = '\0';
	if (!strcmp(version, "HTTP/1.1"))
		keep_alive = true;
	else if (!strcmp(version, "HTTP/1.0"))
		keep_alive = false;
	else if (!strncmp(version, "HTTP/", 5)) {
		h1_fail(c, 505, false);
		return 0;
	} else
		goto bad;
	if (!strcmp(method, "GET"))
		req.method = WEB_M_GET;
	else if (!strcmp(method, "HEAD"))
		req.method = WEB_M_HEAD;
	else if (!strcmp(method, "POST"))
		req.method = WEB_M_POST;
	else if (!*method)
		goto bad;
	else
		req.method = WEB_M_OTHER;
	if (target[0] != '/')
		goto bad;
	for (char *t = target; *t; t++)
		if ((unsigned char)*t <= ' ' || *t == 0x7f)
			goto bad;
	q = strchr(target, '?');
	if ((q ? (size_t)(q - target) : strlen(target)) >= WEB_MAX_PATH) {
		h1_fail(c, 414, false);
		return 0;
	}
	c->h1_auth[0] = c->h1_leid[0] = '\0';

	/* header fields */
	while (p < end) {
		char *eol = memchr(p, '\r', (size_t)(end - p) + 1), *colon, *v, *ve;

		if (!eol || eol[1] != '\n')
			goto bad;
		if (*p == ' ' || *p == '\t')
			goto bad;	/* obsolete line folding */
		colon = memchr(p, ':', (size_t)(eol - p));
		if (!colon || colon == p)
			goto bad;
		for (char *n = p; n < colon; n++)
			if (*n == ' ' || *n == '\t')
				goto bad;
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
				goto bad;
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
			copy_value(c->h1_auth, sizeof(c->h1_auth), v, (size_t)(ve - v));
		} else if (!strcasecmp(p, "last-event-id")) {
			copy_value(c->h1_leid, sizeof(c->h1_leid), v, (size_t)(ve - v));
		}
		p = eol + 2;
	}
	if (chunked) {
		h1_fail(c, have_clen ? 400 : 411, false);
		return 0;
	}
	if (clen > WEB_MAX_BODY) {
		h1_fail(c, 413, false);
		return 0;
	}
	if (len < hlen + clen)
		return 0;	/* the body is still coming */
	if (conn_close)
		keep_alive = false;
	else if (conn_keep)
		keep_alive = true;

	copy_value(c->h1_path, sizeof(c->h1_path), target, q ? (size_t)(q - target) : strlen(target));
	req.path = c->h1_path;
	req.query = q ? q + 1 : "";	/* inside head */
	req.auth = c->h1_auth;
	req.last_event_id = c->h1_leid;
	if (clen) {
		req.body = evbuffer_pullup(in, (ev_ssize_t)(hlen + clen));
		if (!req.body)
			return -1;
		req.body += hlen;
		req.body_len = clen;
	}
	web_route(c->w, &req, &r);
	h1_respond(c, &r, keep_alive && !r.sse);
	evbuffer_drain(in, hlen + clen);
	if (r.sse) {
		bufferevent_setwatermark(c->bev, EV_WRITE, WEB_OUT_LOW, 0);
		sse_begin(c, &r);
		return 0;
	}
	if (!keep_alive) {
		c->closing = true;
		bufferevent_disable(c->bev, EV_READ);
		bufferevent_setwatermark(c->bev, EV_WRITE, 0, 0);
		return 0;
	}
	return 1;
bad:
	h1_fail(c, 400, false);
	return 0;
}

int web_h1_on_read(struct web_conn *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	int rc;

	if (c->h1_sse) {	/* nothing more is read from a live stream */
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
