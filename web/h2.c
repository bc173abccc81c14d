// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * HTTP/2 sessions on nghttp2 (h2c prior knowledge, or h2 via ALPN). Runs on
 * the web thread. Bytes in: nghttp2_session_mem_recv over the input
 * buffer's chunks (no copy); bytes out: nghttp2_session_mem_send frame by
 * frame into the output buffer, stopping at WEB_OUT_HIGH (the write callback
 * resumes it once the socket drained). nghttp2 enforces flow control: a
 * client that stops reading closes its window and only its streams wait.
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

#define MAKE_NV(n, v, vlen)                                                      \
	{ (uint8_t *)(n), (uint8_t *)(v), sizeof(n) - 1, (vlen),                 \
	  NGHTTP2_NV_FLAG_NO_COPY_NAME }

/* Streams come from a small pool: no allocation per request once warm. */
static struct web_stream *stream_new(struct web *w)
{
	struct web_stream *s = w->stream_pool;

	if (!s)
		return calloc(1, sizeof(*s));
	w->stream_pool = s->next;
	w->stream_pool_n--;
	memset(s, 0, offsetof(struct web_stream, path));
	s->path[0] = s->auth[0] = s->leid[0] = '\0';
	memset(&s->body, 0, sizeof(*s) - offsetof(struct web_stream, body));
	return s;
}

static void stream_free(struct web *w, struct web_stream *s)
{
	web_resp_release(&s->resp);
	if (s->body)
		evbuffer_free(s->body);
	if (s->sse_out)
		evbuffer_free(s->sse_out);
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
		if (b ? evbuffer_add_reference(out, p, take, blob_unref, blob__get(b))
		      : evbuffer_add_reference(out, p, take, NULL, NULL)) {
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

static void respond(struct web_conn *c, struct web_stream *s)
{
	struct web *w = c->w;
	struct web_req req = { 0 };
	struct web_resp *r = &s->resp;
	char *q, status[8];
	nghttp2_nv nva[8];
	size_t nv = 0;
	nghttp2_data_provider prd = { .source.ptr = s, .read_callback = body_read_cb };
	unsigned char *body = NULL;

	s->answered = true;
	q = strchr(s->path, '?');
	if (q)
		*q++ = '\0';
	req.method = s->method;
	req.path = s->path[0] ? s->path : "/";
	req.query = q ? q : "";
	req.auth = s->auth;
	req.last_event_id = s->leid;
	req.header_too_big = s->header_too_big;
	req.bad = s->bad || !s->path[0];
	if (s->body && evbuffer_get_length(s->body)) {
		req.body_len = evbuffer_get_length(s->body);
		body = evbuffer_pullup(s->body, -1);
		req.body = body;
	}
	web_route(w, &req, r);
	if (s->body && req.body_len > WEB_MAX_BODY) {
		web_resp_release(r);
		r->status = 413;
	}
	w->stats.requests[WEB_P_H2]++;
	web_count_status(w, r->status);

	web_u64_str(status, (uint64_t)r->status);
	nva[nv++] = (nghttp2_nv)MAKE_NV(":status", status, strlen(status));
	nva[nv++] = (nghttp2_nv)MAKE_NV("content-type", r->ctype, strlen(r->ctype));
	nva[nv++] = (nghttp2_nv)MAKE_NV("cache-control", r->cache ? r->cache : "no-store",
					strlen(r->cache ? r->cache : "no-store"));
	nva[nv++] = (nghttp2_nv)MAKE_NV("x-content-type-options", "nosniff", 7);
	if (!r->sse) {
		size_t l = web_u64_str(s->clen, web_resp_len(r));

		nva[nv++] = (nghttp2_nv)MAKE_NV("content-length", s->clen, l);
	}
	if (r->auth_challenge)
		nva[nv++] = (nghttp2_nv)MAKE_NV("www-authenticate", "Bearer realm=\"hostlens\"", 23);
	if (r->status == 405) {
		const char *allow = r->allow_post ? "POST" : "GET, HEAD";

		nva[nv++] = (nghttp2_nv)MAKE_NV("allow", allow, strlen(allow));
	}
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
		c->sse_sent_ms = web_now_ms();
		w->stats.sse_clients++;
	}
	if (nghttp2_submit_response(c->h2, s->id, nva, nv,
				    r->head || (!r->sse && !web_resp_len(r)) ? NULL : &prd))
		nghttp2_submit_rst_stream(c->h2, NGHTTP2_FLAG_NONE, s->id, NGHTTP2_INTERNAL_ERROR);
}

static int on_begin_headers(nghttp2_session *session, const nghttp2_frame *frame,
			    void *user_data)
{
	struct web_conn *c = user_data;
	struct web_stream *s;

	if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST)
		return 0;
	s = stream_new(c->w);
	if (!s)
		return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;	/* resets this stream */
	s->c = c;
	s->id = frame->hd.stream_id;
	s->next = c->streams;
	if (c->streams)
		c->streams->prev = s;
	c->streams = s;
	c->inflight++;
	nghttp2_session_set_stream_user_data(session, s->id, s);
	return 0;
}

static void copy_nv(char *dst, size_t dstlen, const uint8_t *v, size_t vlen, bool *toolong)
{
	if (vlen >= dstlen) {
		if (toolong)
			*toolong = true;
		vlen = dstlen - 1;
	}
	memcpy(dst, v, vlen);
	dst[vlen] = '\0';
}

static int on_header(nghttp2_session *session, const nghttp2_frame *frame, const uint8_t *name,
		     size_t namelen, const uint8_t *value, size_t valuelen, uint8_t flags,
		     void *user_data)
{
	struct web_stream *s;

	if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST)
		return 0;
	s = nghttp2_session_get_stream_user_data(session, frame->hd.stream_id);
	if (!s)
		return 0;
	s->header_bytes += namelen + valuelen + 32;	/* RFC 9113 6.5.2 accounting */
	if (s->header_bytes > WEB_MAX_HEADER) {
		s->header_too_big = true;
		return 0;
	}
	if (namelen == 7 && !memcmp(name, ":method", 7)) {
		if (valuelen == 3 && !memcmp(value, "GET", 3))
			s->method = WEB_M_GET;
		else if (valuelen == 4 && !memcmp(value, "HEAD", 4))
			s->method = WEB_M_HEAD;
		else if (valuelen == 4 && !memcmp(value, "POST", 4))
			s->method = WEB_M_POST;
		else
			s->method = WEB_M_OTHER;
	} else if (namelen == 5 && !memcmp(name, ":path", 5)) {
		copy_nv(s->path, sizeof(s->path), value, valuelen, &s->bad);
	} else if (namelen == 13 && !memcmp(name, "authorization", 13)) {
		copy_nv(s->auth, sizeof(s->auth), value, valuelen, NULL);
	} else if (namelen == 13 && !memcmp(name, "last-event-id", 13)) {
		copy_nv(s->leid, sizeof(s->leid), value, valuelen, NULL);
	}
	return 0;
}

static int on_data_chunk(nghttp2_session *session, uint8_t flags, int32_t stream_id,
			 const uint8_t *data, size_t len, void *user_data)
{
	struct web_stream *s = nghttp2_session_get_stream_user_data(session, stream_id);

	if (!s)
		return 0;
	if (!s->body) {
		s->body = evbuffer_new();
		if (!s->body)
			return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
	}
	/* Keep at most one byte past the limit: enough to answer 413. */
	if (evbuffer_get_length(s->body) <= WEB_MAX_BODY) {
		size_t room = WEB_MAX_BODY + 1 - evbuffer_get_length(s->body);

		evbuffer_add(s->body, data, len < room ? len : room);
	}
	return 0;
}

static int on_frame_recv(nghttp2_session *session, const nghttp2_frame *frame, void *user_data)
{
	struct web_conn *c = user_data;
	struct web_stream *s;

	if (frame->hd.type != NGHTTP2_HEADERS && frame->hd.type != NGHTTP2_DATA)
		return 0;
	if (!(frame->hd.flags & NGHTTP2_FLAG_END_STREAM))
		return 0;
	s = nghttp2_session_get_stream_user_data(session, frame->hd.stream_id);
	if (s && !s->answered)
		respond(c, s);
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
	c->inflight--;
	stream_free(c->w, s);
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

int web_h2_start(struct web_conn *c)
{
	nghttp2_settings_entry iv[] = {
		{ NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, WEB_H2_STREAMS },
		{ NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, WEB_MAX_HEADER },
		{ NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, WEB_MAX_BODY * 2 },
	};

	if (nghttp2_session_server_new2(&c->h2, c->w->h2_cbs, c, c->w->h2_opt))
		return -ENOMEM;
	if (nghttp2_submit_settings(c->h2, NGHTTP2_FLAG_NONE, iv, sizeof(iv) / sizeof(iv[0])))
		return -ENOMEM;
	return 0;
}

int web_h2_flush(struct web_conn *c)
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

int web_h2_on_read(struct web_conn *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	struct evbuffer_iovec v[16];
	size_t total = 0;
	int n;

	n = evbuffer_peek(in, -1, NULL, v, 16);
	if (n > 16)
		n = 16;		/* the rest on the next read callback round */
	for (int i = 0; i < n; i++) {
		ssize_t rv = nghttp2_session_mem_recv(c->h2, v[i].iov_base, v[i].iov_len);

		if (rv < 0) {
			c->w->stats.protocol_errors++;
			/* Try to tell the peer why before closing. */
			web_h2_flush(c);
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
	if (web_h2_flush(c))
		return -1;
	if (evbuffer_get_length(in) && !c->read_paused && !c->closing)
		return web_h2_on_read(c);
	return 0;
}

void web_h2_tick(struct web_conn *c)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);
	int64_t now = 0;
	bool any = false;

	if (!c->h2)
		return;
	for (struct web_stream *s = c->streams; s; s = s->next) {
		size_t pending;

		if (!s->resp.sse || !s->sse_out)
			continue;
		pending = evbuffer_get_length(s->sse_out) + evbuffer_get_length(out);
		if (pending >= WEB_OUT_HIGH)
			continue;	/* flow control or a slow socket: catch up later */
		if (!now)
			now = web_now_ms();
		if (web_sse_fill(c->w, s->sse_out, &s->sse_last, WEB_OUT_HIGH - pending)) {
			c->sse_sent_ms = now;
		} else if (now - c->sse_sent_ms >= 15000) {
			evbuffer_add(s->sse_out, ":\n\n", 3);
			c->sse_sent_ms = now;
		} else {
			continue;
		}
		nghttp2_session_resume_data(c->h2, s->id);
		any = true;
	}
	if (any && web_h2_flush(c))
		web_conn_close(c);
}

void web_h2_free(struct web_conn *c)
{
	struct web_stream *s, *next;

	if (!c->h2)
		return;
	/* Deleting the session does not call on_stream_close. */
	for (s = c->streams; s; s = next) {
		next = s->next;
		if (s->resp.sse)
			c->w->stats.sse_clients--;
		stream_free(c->w, s);
	}
	c->streams = NULL;
	nghttp2_session_del(c->h2);
	c->h2 = NULL;
}
