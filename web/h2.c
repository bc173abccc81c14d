// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * HTTP/2 sessions on nghttp2 (h2c prior knowledge, or h2 via ALPN). Runs on
 * the web thread. Bytes in: nghttp2_session_mem_recv over the input
 * buffer's chunks (no copy); bytes out: nghttp2_session_mem_send frame by
 * frame into the output buffer, stopping at WEB_OUT_HIGH (the write callback
 * resumes it once the socket drained). nghttp2 enforces flow control: a
 * client that stops reading closes its window and only its streams wait.
 *
 * A request is decided when its header block is complete (on_frame_recv of
 * HEADERS), before any DATA: the gate refuses it (an error response, then
 * RST_STREAM(NO_ERROR) when the client had not finished), or it is answered
 * at once (everything but a state change: its DATA, if any, is dropped), or,
 * for a state change, its body is kept within a budget reserved there and
 * then (the declared Content-Length, else 64 KiB; 503 when the connection's
 * or the server's budget is spent, 413 past the reservation). Data of a
 * stream not admitted is never kept. A new session allows
 * WEB_H2_STREAMS_ANON concurrent streams; the first request that carries a
 * read or admin role raises it to WEB_H2_STREAMS (nghttp2 refuses streams
 * past the limit with REFUSED_STREAM). Streams not all in within
 * web_request_timeout get 408 and a reset; an unfinished header block ends
 * the session.
 *
 * Response bodies are DATA frames whose payload is a reference into the
 * response's blobs or the embedded assets (NGHTTP2_DATA_FLAG_NO_COPY); live
 * streams (SSE) defer until the server tick has framed new updates and
 * resumes the stream.
 *
 * Debian 12 ships nghttp2 1.52, which lacks the *2 (nghttp2_ssize) API; the
 * classic calls used here are the same functions under their older names.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "web/web_int.h"

#define MAKE_NV(n, v, vlen)                                            \
	{                                                              \
		(uint8_t *)(n), (uint8_t *)(v), sizeof(n) - 1, (vlen), \
			NGHTTP2_NV_FLAG_NO_COPY_NAME                   \
	}

/* Streams come from a small pool: no allocation per request once warm. */
static struct web_stream *stream_new(struct web *w)
{
	struct web_stream *s = w->stream_pool;

	if (!s)
		return calloc(1, sizeof(*s));
	w->stream_pool = s->next;
	w->stream_pool_n--;
	memset(s, 0, sizeof(*s));
	return s;
}

static void stream_free(struct web_conn *c, struct web_stream *s)
{
	struct web *w = c->w;

	web_resp_release(&s->resp);
	web_body_release(c, s->body_reserved);
	if (s->body)
		evbuffer_free(s->body);
	if (s->sse_out)
		evbuffer_free(s->sse_out);
	free(s->path);
	free(s->host);
	free(s->origin);
	if (w->stream_pool_n >= WEB_STREAM_POOL) {
		free(s);
		return;
	}
	s->next = w->stream_pool;
	w->stream_pool = s;
	w->stream_pool_n++;
}

/*
 * Bodies go out without a copy: the read callback only sizes the frame and
 * asks for NGHTTP2_DATA_FLAG_NO_COPY; send_data_cb then appends the frame
 * header and references to the blob/asset bytes to the output buffer (each
 * reference holds the blob until the socket took the bytes). Live streams
 * are small and copy from their pending buffer.
 */
static ssize_t body_read_cb(nghttp2_session *session, int32_t stream_id, uint8_t *buf,
			    size_t length, uint32_t *data_flags, nghttp2_data_source *source,
			    void *user_data)
{
	struct web_stream *s = source->ptr;
	struct web_resp *r = &s->resp;
	size_t n = 0, left;

	if (r->sse) {
		n = (size_t)evbuffer_remove(s->sse_out, buf, length);
		return n ? (ssize_t)n : NGHTTP2_ERR_DEFERRED;
	}
	left = r->len[s->seg] - s->off;
	for (int i = s->seg + 1; i < r->nseg; i++)
		left += r->len[i];
	n = left < length ? left : length;
	*data_flags |= NGHTTP2_DATA_FLAG_NO_COPY;
	if (n == left)
		*data_flags |= NGHTTP2_DATA_FLAG_EOF;
	return (ssize_t)n;
}

static void blob_unref(const void *data, size_t len, void *arg)
{
	blob__put(arg);
}

static int send_data_cb(nghttp2_session *session, nghttp2_frame *frame, const uint8_t *framehd,
			size_t length, nghttp2_data_source *source, void *user_data)
{
	struct web_conn *c = user_data;
	struct web_stream *s = source->ptr;
	struct web_resp *r = &s->resp;
	struct evbuffer *out = bufferevent_get_output(c->bev);

	if (frame->data.padlen || evbuffer_add(out, framehd, 9))
		return NGHTTP2_ERR_CALLBACK_FAILURE;
	while (length && s->seg < r->nseg) {
		size_t take = r->len[s->seg] - s->off;
		const char *p = r->data[s->seg] + s->off;
		struct blob *b = r->blob[s->seg];

		if (take > length)
			take = length;
		if (b ? evbuffer_add_reference(out, p, take, blob_unref, blob__get(b)) :
			evbuffer_add_reference(out, p, take, NULL, NULL)) {
			blob__put(b);
			return NGHTTP2_ERR_CALLBACK_FAILURE;
		}
		length -= take;
		s->off += take;
		if (s->off == r->len[s->seg]) {
			s->seg++;
			s->off = 0;
		}
	}
	return 0;
}

/* Sends s->resp (filled by the gate or a route). */
static void submit(struct web_conn *c, struct web_stream *s)
{
	struct web *w = c->w;
	struct web_resp *r = &s->resp;
	char status[8];
	nghttp2_nv nva[9];
	size_t nv = 0;
	nghttp2_data_provider prd = { .source.ptr = s, .read_callback = body_read_cb };

	s->answered = true;
	w->stats.requests[WEB_P_H2]++;
	web_count_status(w, r->status);

	web_u64_str(status, (uint64_t)r->status);
	nva[nv++] = (nghttp2_nv)MAKE_NV(":status", status, strlen(status));
	nva[nv++] = (nghttp2_nv)MAKE_NV("content-type", r->ctype, strlen(r->ctype));
	nva[nv++] = (nghttp2_nv)MAKE_NV("cache-control", r->cache ? r->cache : "no-store",
					strlen(r->cache ? r->cache : "no-store"));
	nva[nv++] = (nghttp2_nv)MAKE_NV("x-content-type-options", "nosniff", 7);
	if (!r->sse) {
		size_t l = web_u64_str(s->clen_str, web_resp_len(r));

		nva[nv++] = (nghttp2_nv)MAKE_NV("content-length", s->clen_str, l);
	}
	if (r->auth_challenge)
		nva[nv++] =
			(nghttp2_nv)MAKE_NV("www-authenticate", "Bearer realm=\"hostlens\"", 23);
	if (r->status == 405) {
		const char *allow = r->allow_post ? "POST" : "GET, HEAD";

		nva[nv++] = (nghttp2_nv)MAKE_NV("allow", allow, strlen(allow));
	}
	if (r->status == 503)
		nva[nv++] = (nghttp2_nv)MAKE_NV("retry-after", "1", 1);
	if (r->sse) {
		s->sse_out = evbuffer_new();
		if (!s->sse_out) {
			nghttp2_submit_rst_stream(c->h2, NGHTTP2_FLAG_NONE, s->id,
						  NGHTTP2_INTERNAL_ERROR);
			return;
		}
		s->sse_last = r->sse_after;
		web_sse_open(s->sse_out);
		web_sse_fill(w, s->sse_out, &s->sse_last, WEB_OUT_HIGH);
		c->sse_sent_ms = clock_mono_ms();
		w->stats.sse_clients++;
	}
	if (nghttp2_submit_response(c->h2, s->id, nva, nv,
				    r->head || (!r->sse && !web_resp_len(r)) ? NULL : &prd))
		nghttp2_submit_rst_stream(c->h2, NGHTTP2_FLAG_NONE, s->id, NGHTTP2_INTERNAL_ERROR);
	if (r->close || c->probe_only) /* no stream after this one */
		nghttp2_submit_goaway(c->h2, NGHTTP2_FLAG_NONE, s->id, NGHTTP2_NO_ERROR, NULL, 0);
}

static void stream_req(struct web_conn *c, struct web_stream *s, struct web_req *req)
{
	memset(req, 0, sizeof(*req));
	req->c = c;
	req->method = s->method;
	req->path = s->path ? s->path : "/";
	req->query = s->query ? s->query : "";
	req->host = s->host ? s->host : "";
	req->origin = s->origin ? s->origin : "";
	req->last_event_id = s->leid;
	req->role = s->role;
	req->has_auth = s->has_auth;
	req->json = s->json;
	req->has_body = !s->remote_closed;
	req->content_length = s->clen;
	req->header_too_big = s->header_too_big;
	req->bad = s->bad || !s->path;
}

/* Answers an admitted request, with the body received so far. */
static void answer(struct web_conn *c, struct web_stream *s)
{
	struct web_req req;

	stream_req(c, s, &req);
	if (s->body && evbuffer_get_length(s->body)) {
		req.body_len = evbuffer_get_length(s->body);
		req.body = evbuffer_pullup(s->body, -1);
	}
	web_route(c->w, &req, &s->resp);
	web_conn_progress(c);
	submit(c, s);
}

/* The header block is complete: the gate decides before any DATA. */
static void on_request_headers(struct web_conn *c, struct web_stream *s)
{
	struct web *w = c->w;
	struct web_req req;
	size_t reserve;

	if (s->path) {
		char *q = strchr(s->path, '?');

		if (q) {
			*q++ = '\0';
			s->query = q;
		}
	}
	stream_req(c, s, &req);
	if (!web_gate(w, &req, &s->resp)) {
		submit(c, s); /* then RST_STREAM(NO_ERROR) if the client goes on */
		return;
	}
	s->admitted = true;
	c->working++;
	web_conn_progress(c);
	if (s->role >= WEB_ROLE_READ && !c->h2_authed && !c->probe_only) {
		nghttp2_settings_entry iv = { NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS,
					      WEB_H2_STREAMS };

		if (!nghttp2_submit_settings(c->h2, NGHTTP2_FLAG_NONE, &iv, 1))
			c->h2_authed = true;
	}
	if (s->remote_closed || !web_gate_takes_body(&req)) {
		answer(c, s); /* a body nobody asked for is dropped as it comes */
		return;
	}
	reserve = s->clen >= 0 ? (size_t)s->clen : WEB_MAX_BODY;
	if (reserve && web_body_reserve(c, reserve)) {
		w->stats.refused[WEB_REF_BUSY]++;
		web_resp_error(&s->resp, 503);
		submit(c, s);
		return;
	}
	s->body_reserved = reserve;
}

static int on_begin_headers(nghttp2_session *session, const nghttp2_frame *frame, void *user_data)
{
	struct web_conn *c = user_data;
	struct web_stream *s;

	if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST)
		return 0;
	s = stream_new(c->w);
	if (!s)
		return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE; /* resets this stream */
	s->c = c;
	s->id = frame->hd.stream_id;
	s->start_ms = clock_mono_ms();
	s->clen = -1;
	s->role = web_auth_role(c->w, NULL, 0); /* what no Authorization header gets */
	s->next = c->streams;
	if (c->streams)
		c->streams->prev = s;
	c->streams = s;
	c->inflight++;
	nghttp2_session_set_stream_user_data(session, s->id, s);
	return 0;
}

/* A copy of a header value; NULL (and *bad) when longer than max. */
static char *dup_nv(const uint8_t *v, size_t vlen, size_t max, bool *bad)
{
	char *d;

	if (vlen >= max) {
		*bad = true;
		return NULL;
	}
	d = malloc(vlen + 1);
	if (!d) {
		*bad = true;
		return NULL;
	}
	memcpy(d, v, vlen);
	d[vlen] = '\0';
	return d;
}

static int on_header(nghttp2_session *session, const nghttp2_frame *frame, const uint8_t *name,
		     size_t namelen, const uint8_t *value, size_t valuelen, uint8_t flags,
		     void *user_data)
{
	struct web_conn *c = user_data;
	struct web_stream *s;

	if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST)
		return 0;
	s = nghttp2_session_get_stream_user_data(session, frame->hd.stream_id);
	if (!s)
		return 0;
	s->header_bytes += namelen + valuelen + 32; /* RFC 9113 6.5.2 accounting */
	if (s->header_bytes > WEB_MAX_HEADER) {
		s->header_too_big = true;
		return 0;
	}
#define IS(lit) (namelen == sizeof(lit) - 1 && !memcmp(name, lit, sizeof(lit) - 1))
	if (IS(":method")) {
		if (valuelen == 3 && !memcmp(value, "GET", 3))
			s->method = WEB_M_GET;
		else if (valuelen == 4 && !memcmp(value, "HEAD", 4))
			s->method = WEB_M_HEAD;
		else if (valuelen == 4 && !memcmp(value, "POST", 4))
			s->method = WEB_M_POST;
		else
			s->method = WEB_M_OTHER;
	} else if (IS(":path")) {
		free(s->path);
		s->path = dup_nv(value, valuelen, WEB_MAX_PATH, &s->bad);
	} else if (IS(":authority") || (IS("host") && !s->host)) {
		free(s->host);
		s->host = dup_nv(value, valuelen, WEB_MAX_FIELD, &s->bad);
	} else if (IS("origin")) {
		free(s->origin);
		s->origin = dup_nv(value, valuelen, WEB_MAX_FIELD, &s->bad);
	} else if (IS("authorization")) {
		/* the token is checked here and never kept */
		s->role = web_auth_role(c->w, (const char *)value, valuelen);
		s->has_auth = true;
	} else if (IS("content-type")) {
		s->json = web_ctype_is_json((const char *)value, valuelen);
	} else if (IS("content-length")) {
		int64_t v = 0;

		for (size_t i = 0; i < valuelen; i++) {
			if (value[i] < '0' || value[i] > '9' || v > WEB_MAX_BODY) {
				v = value[i] < '0' || value[i] > '9' ? -2 : v;
				break;
			}
			v = v * 10 + (value[i] - '0');
		}
		if (v == -2 || !valuelen)
			s->bad = true;
		else
			s->clen = v;
	} else if (IS("last-event-id")) {
		size_t n = valuelen < sizeof(s->leid) - 1 ? valuelen : sizeof(s->leid) - 1;

		memcpy(s->leid, value, n);
		s->leid[n] = '\0';
	}
#undef IS
	return 0;
}

static int on_data_chunk(nghttp2_session *session, uint8_t flags, int32_t stream_id,
			 const uint8_t *data, size_t len, void *user_data)
{
	struct web_conn *c = user_data;
	struct web_stream *s = nghttp2_session_get_stream_user_data(session, stream_id);
	size_t have;

	/* Not admitted, or answered already: dropped (flow control still
	 * counts it, and nghttp2 gives the window back). */
	if (!s || !s->admitted || s->answered || !len)
		return 0;
	have = s->body ? evbuffer_get_length(s->body) : 0;
	if (have + len > s->body_reserved) {
		web_resp_error(&s->resp, 413);
		submit(c, s);
		return 0;
	}
	if (!s->body) {
		s->body = evbuffer_new();
		if (!s->body)
			return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
	}
	if (evbuffer_add(s->body, data, len))
		return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
	web_conn_progress(c);
	return 0;
}

static int on_frame_recv(nghttp2_session *session, const nghttp2_frame *frame, void *user_data)
{
	struct web_conn *c = user_data;
	struct web_stream *s;
	bool end = frame->hd.flags & NGHTTP2_FLAG_END_STREAM;

	if (frame->hd.type != NGHTTP2_HEADERS && frame->hd.type != NGHTTP2_DATA)
		return 0;
	s = nghttp2_session_get_stream_user_data(session, frame->hd.stream_id);
	if (!s)
		return 0;
	if (end)
		s->remote_closed = true;
	if (frame->hd.type == NGHTTP2_HEADERS && !s->headers_done) {
		s->headers_done = true;
		on_request_headers(c, s);
		return 0;
	}
	if (end && !s->answered) /* the body (or trailers) ended */
		answer(c, s);
	return 0;
}

/*
 * Sent frames: an admitted stream's DATA is progress. Our answer ended the
 * stream before the client ended its side: tell it to
 * stop sending (RFC 9113 8.1: a complete response, then RST_STREAM with
 * NO_ERROR). A small declared body (<= 16 KiB) gets WEB_RST_GRACE_MS to
 * finish first, dropped as it comes: some clients (curl 7.88) report a reset
 * that overtakes their own upload as an error instead of the answer.
 */
static int on_frame_send(nghttp2_session *session, const nghttp2_frame *frame, void *user_data)
{
	struct web_conn *c = user_data;
	struct web_stream *s;

	if (frame->hd.type != NGHTTP2_HEADERS && frame->hd.type != NGHTTP2_DATA)
		return 0;
	s = nghttp2_session_get_stream_user_data(session, frame->hd.stream_id);
	if (!s)
		return 0;
	/* An admitted answer going out is progress (the output is bounded,
	 * so for a slow reader this is its reading); a PING's ack is not. */
	if (s->admitted && frame->hd.type == NGHTTP2_DATA)
		web_conn_progress(c);
	if (!(frame->hd.flags & NGHTTP2_FLAG_END_STREAM) || s->remote_closed)
		return 0;
	if (s->clen >= 0 && s->clen <= WEB_RST_GRACE_BODY && !s->rst_at_ms) {
		s->rst_at_ms = clock_mono_ms() + WEB_RST_GRACE_MS;
		return 0;
	}
	nghttp2_submit_rst_stream(session, NGHTTP2_FLAG_NONE, frame->hd.stream_id,
				  NGHTTP2_NO_ERROR);
	return 0;
}

static int on_stream_close(nghttp2_session *session, int32_t stream_id, uint32_t error_code,
			   void *user_data)
{
	struct web_conn *c = user_data;
	struct web_stream *s = nghttp2_session_get_stream_user_data(session, stream_id);

	if (!s)
		return 0;
	nghttp2_session_set_stream_user_data(session, stream_id, NULL);
	if (s->prev)
		s->prev->next = s->next;
	else
		c->streams = s->next;
	if (s->next)
		s->next->prev = s->prev;
	if (s->resp.sse)
		c->w->stats.sse_clients--;
	if (s->admitted)
		c->working--;
	c->inflight--;
	stream_free(c, s);
	return 0;
}

int web_h2_init(struct web *w)
{
	nghttp2_session_callbacks *cb;

	if (nghttp2_session_callbacks_new(&cb))
		return -ENOMEM;
	nghttp2_session_callbacks_set_on_begin_headers_callback(cb, on_begin_headers);
	nghttp2_session_callbacks_set_on_header_callback(cb, on_header);
	nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, on_data_chunk);
	nghttp2_session_callbacks_set_on_frame_recv_callback(cb, on_frame_recv);
	nghttp2_session_callbacks_set_on_frame_send_callback(cb, on_frame_send);
	nghttp2_session_callbacks_set_on_stream_close_callback(cb, on_stream_close);
	nghttp2_session_callbacks_set_send_data_callback(cb, send_data_cb);
	w->h2_cbs = cb;
	if (nghttp2_option_new(&w->h2_opt))
		return -ENOMEM;
	/* Reset-flood and header-size protection come from the library; we
	 * only bound what we accept ourselves. */
	nghttp2_option_set_max_deflate_dynamic_table_size(w->h2_opt, 4096);
	return 0;
}

void web_h2_fini(struct web *w)
{
	while (w->stream_pool) {
		struct web_stream *s = w->stream_pool;

		w->stream_pool = s->next;
		free(s);
	}
	w->stream_pool_n = 0;
	if (w->h2_cbs)
		nghttp2_session_callbacks_del(w->h2_cbs);
	if (w->h2_opt)
		nghttp2_option_del(w->h2_opt);
	w->h2_cbs = NULL;
	w->h2_opt = NULL;
}

static int h2_start(struct web_conn *c)
{
	nghttp2_settings_entry iv[] = {
		{ NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS,
		  c->probe_only ? 1 : WEB_H2_STREAMS_ANON },
		{ NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, WEB_MAX_HEADER },
		{ NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, WEB_MAX_BODY * 2 },
	};

	if (nghttp2_session_server_new2(&c->h2, c->w->h2_cbs, c, c->w->h2_opt))
		return -ENOMEM;
	if (nghttp2_submit_settings(c->h2, NGHTTP2_FLAG_NONE, iv, sizeof(iv) / sizeof(iv[0])))
		return -ENOMEM;
	return 0;
}

static int h2_flush(struct web_conn *c)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);

	while (evbuffer_get_length(out) < WEB_OUT_HIGH) {
		const uint8_t *data;
		ssize_t n = nghttp2_session_mem_send(c->h2, &data);

		if (n < 0)
			return -1;
		if (n == 0)
			break;
		if (evbuffer_add(out, data, (size_t)n))
			return -1;
	}
	if (!nghttp2_session_want_read(c->h2) && !nghttp2_session_want_write(c->h2)) {
		if (!evbuffer_get_length(out))
			return -1;
		/* GOAWAY queued: close once it is written. */
		c->closing = true;
		bufferevent_disable(c->bev, EV_READ);
		bufferevent_setwatermark(c->bev, EV_WRITE, 0, 0);
		return 0;
	}
	web_conn_backpressure(c);
	return 0;
}

static int h2_on_read(struct web_conn *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	struct evbuffer_iovec v[16];
	size_t total = 0;
	int n;

	n = evbuffer_peek(in, -1, NULL, v, 16);
	if (n > 16)
		n = 16; /* the rest on the next read callback round */
	for (int i = 0; i < n; i++) {
		ssize_t rv = nghttp2_session_mem_recv(c->h2, v[i].iov_base, v[i].iov_len);

		if (rv < 0) {
			c->w->stats.protocol_errors++;
			/* Try to tell the peer why before closing. */
			h2_flush(c);
			if (evbuffer_get_length(bufferevent_get_output(c->bev))) {
				c->closing = true;
				bufferevent_disable(c->bev, EV_READ);
				bufferevent_setwatermark(c->bev, EV_WRITE, 0, 0);
				evbuffer_drain(in, evbuffer_get_length(in));
				return 0;
			}
			return -1;
		}
		total += (size_t)rv;
	}
	evbuffer_drain(in, total);
	if (h2_flush(c))
		return -1;
	if (evbuffer_get_length(in) && !c->read_paused && !c->closing)
		return h2_on_read(c);
	return 0;
}

static void h2_tick(struct web_conn *c)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);
	int64_t now = 0;
	bool any = false;

	if (!c->h2)
		return;
	for (struct web_stream *s = c->streams; s; s = s->next) {
		size_t pending;

		if (s->rst_at_ms && !s->remote_closed) {
			if (!now)
				now = clock_mono_ms();
			if (now >= s->rst_at_ms) { /* its grace is over */
				s->rst_at_ms = 0;
				nghttp2_submit_rst_stream(c->h2, NGHTTP2_FLAG_NONE, s->id,
							  NGHTTP2_NO_ERROR);
				any = true;
			}
			continue;
		}
		if (!s->resp.sse || !s->sse_out)
			continue;
		pending = evbuffer_get_length(s->sse_out) + evbuffer_get_length(out);
		if (pending >= WEB_OUT_HIGH)
			continue; /* flow control or a slow socket: catch up later */
		if (!now)
			now = clock_mono_ms();
		if (web_sse_fill(c->w, s->sse_out, &s->sse_last, WEB_OUT_HIGH - pending)) {
			c->sse_sent_ms = now;
		} else if (now - c->sse_sent_ms >= web_sse_keepalive_ms(c->w)) {
			evbuffer_add(s->sse_out, ":\n\n", 3);
			c->sse_sent_ms = now;
		} else {
			continue;
		}
		nghttp2_session_resume_data(c->h2, s->id);
		any = true;
	}
	if (any && h2_flush(c))
		web_conn_close(c);
}

static int h2_deadline(struct web_conn *c, int64_t now)
{
	int64_t limit = (int64_t)c->w->cfg.web_request_timeout_s * 1000;
	bool any = false;

	if (!c->h2)
		return 0; /* still reading the preface: the idle sweep's */
	for (struct web_stream *s = c->streams; s; s = s->next) {
		if (s->answered || now - s->start_ms <= limit)
			continue;
		c->w->stats.refused[WEB_REF_DEADLINE]++;
		if (!s->headers_done) {
			/* a header block trickling in: the session cannot go on */
			c->w->stats.deadline_closed++;
			nghttp2_session_terminate_session(c->h2, NGHTTP2_ENHANCE_YOUR_CALM);
			return h2_flush(c);
		}
		web_resp_error(&s->resp, 408);
		submit(c, s);
		any = true;
	}
	return any ? h2_flush(c) : 0;
}

static void h2_free(struct web_conn *c)
{
	struct web_stream *s, *next;

	if (!c->h2)
		return;
	/* Deleting the session does not call on_stream_close. */
	for (s = c->streams; s; s = next) {
		next = s->next;
		if (s->resp.sse)
			c->w->stats.sse_clients--;
		stream_free(c, s);
	}
	c->streams = NULL;
	c->working = 0;
	nghttp2_session_del(c->h2);
	c->h2 = NULL;
}

/* Idle: a GOAWAY, so the client knows it was not a failure. true while it is
 * being written (close once it left), false to close now. */
static bool h2_goodbye(struct web_conn *c)
{
	if (!c->h2)
		return false;
	nghttp2_session_terminate_session(c->h2, NGHTTP2_NO_ERROR);
	return !h2_flush(c) && evbuffer_get_length(bufferevent_get_output(c->bev));
}

const struct web_proto_ops web_h2_ops = {
	.proto = WEB_P_H2,
	.start = h2_start,
	.on_read = h2_on_read,
	.flush = h2_flush,
	.tick = h2_tick,
	.deadline = h2_deadline,
	.goodbye = h2_goodbye,
	.free = h2_free,
};
