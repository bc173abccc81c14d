/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * DESIGN: internals shared by the web server's files. Everything here lives
 * on the web thread (server.c starts it); nothing is locked except what
 * user/state.h locks itself. One struct web_conn per TCP connection, one
 * struct web_stream per HTTP/2 stream (HTTP/1.1 uses one embedded request).
 *
 * - server.c: listener, TLS, the thread, the 250 ms tick (SSE push, idle
 *   sweep, the server's own /metrics lines), connection lifetime, limits.
 * - http1.c / h2.c: the two wire protocols, both calling routes.c.
 * - routes.c: request -> response (status, type, body segments that point
 *   into refcounted blobs or the embedded assets; no copy, no formatting).
 * - sse.c: the event framing of the live stream.
 *
 * Overload: a connection whose output holds more than WEB_OUT_HIGH bytes is
 * not read from (and an HTTP/2 session is not asked for more frames) until
 * the socket drains below WEB_OUT_LOW; a connection that makes no progress
 * either way for the idle timeout is closed; at the connection limit the
 * oldest connection with no request in flight is closed to make room.
 */
#ifndef HOSTLENS_WEB_INT_H
#define HOSTLENS_WEB_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <pthread.h>
#include <openssl/ssl.h>
#include <event2/event.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/listener.h>
#include <nghttp2/nghttp2.h>

#include "web/web.h"

#define WEB_OUT_HIGH (256 * 1024)	/* stop reading / producing above this */
#define WEB_OUT_LOW (64 * 1024)		/* resume below this */
#define WEB_MAX_HEADER (32 * 1024)	/* request line + headers, either protocol */
#define WEB_MAX_BODY (64 * 1024)	/* request bodies (POST /api/v1/filters) */
#define WEB_MAX_PATH 2048
#define WEB_MAX_AUTH 512
#define WEB_H2_STREAMS 128		/* SETTINGS_MAX_CONCURRENT_STREAMS */
#define WEB_SSE_BATCH 32		/* updates copied per stream per tick */
#define WEB_TICK_MS 250
#define WEB_STREAM_POOL 512		/* stream structs kept for reuse */

enum web_method { WEB_M_OTHER, WEB_M_GET, WEB_M_HEAD, WEB_M_POST };
enum web_proto { WEB_P_UNKNOWN, WEB_P_H1, WEB_P_H2 };

/* What a protocol parsed; strings NUL-terminated, owned by the protocol. */
struct web_req {
	enum web_method method;
	const char *path;	/* without the query */
	const char *query;	/* after '?', or "" */
	const char *auth;	/* Authorization header value or "" */
	const char *last_event_id; /* Last-Event-ID header or "" */
	const unsigned char *body;
	size_t body_len;
	bool header_too_big;
	bool bad;		/* malformed: 400 */
};

#define WEB_SEGS 2

/* A response: up to WEB_SEGS body segments, each pointing into a blob the
 * response holds a reference to, or into static memory (blob NULL). */
struct web_resp {
	int status;
	const char *ctype;
	const char *cache;	/* Cache-Control value */
	bool auth_challenge;	/* add WWW-Authenticate: Bearer */
	bool allow_post;	/* 405 on a POST-only resource: Allow: POST */
	bool sse;		/* body is the live stream */
	bool head;		/* HEAD: headers only */
	uint64_t sse_after;	/* first update to send is the one after this */
	int nseg;
	struct blob *blob[WEB_SEGS];
	const char *data[WEB_SEGS];
	size_t len[WEB_SEGS];
};

struct web_stats {
	uint64_t accepted, rejected, evicted, idle_closed;
	uint64_t requests[3];		/* by enum web_proto (index 0 unused) */
	uint64_t by_class[6];		/* 1xx..5xx by status / 100 */
	uint64_t tls_handshakes, tls_failures;
	uint64_t protocol_errors;
	uint64_t sse_events;
	int conns, sse_clients;
};

struct web_stream;

struct web_conn {
	struct web *w;
	struct bufferevent *bev;
	struct web_conn *prev, *next;	/* w->conns, oldest first */
	enum web_proto proto;
	bool tls;
	bool tls_done;			/* handshake completed */
	bool closing;			/* close once the output is written */
	bool read_paused;		/* backpressure */
	int64_t last_active_ms;
	int inflight;			/* requests being answered (incl. SSE) */

	/* HTTP/2 */
	nghttp2_session *h2;
	struct web_stream *streams;

	/* HTTP/1.1: the request being parsed/answered */
	bool h1_sse;			/* this connection became a live stream */
	int64_t sse_sent_ms;		/* live streams: last event or keep-alive */
	uint64_t h1_sse_last;
	char h1_path[WEB_MAX_PATH];
	char h1_auth[WEB_MAX_AUTH];
	char h1_leid[32];
};

struct web_stream {
	struct web_conn *c;
	struct web_stream *prev, *next;
	int32_t id;
	enum web_method method;
	bool header_too_big, bad, answered;
	size_t header_bytes;
	char path[WEB_MAX_PATH];
	char auth[WEB_MAX_AUTH];
	char leid[32];
	struct evbuffer *body;		/* request body, lazily */
	struct web_resp resp;		/* the response body being sent */
	int seg;			/* current segment */
	size_t off;			/* offset in it */
	struct evbuffer *sse_out;	/* SSE: framed events not yet sent */
	uint64_t sse_last;		/* SSE: last id framed */
	char clen[24];			/* content-length header value */
};

struct web {
	struct config cfg;
	struct state *st;
	struct web_hooks hooks;
	struct event_base *base;
	struct evconnlistener *listener;
	struct event *tick;
	struct event *relisten;		/* re-enables accept after EMFILE */
	SSL_CTX *ssl_ctx;
	pthread_t thread;
	bool started;
	struct web_conn *conns, *conns_tail;
	struct web_stats stats;
	struct blob *self_metrics;	/* the server's own /metrics lines */
	unsigned ticks;
	bool published;			/* every topic and /metrics were published once */
	struct web_stream *stream_pool;	/* freed streams kept for reuse */
	int stream_pool_n;
	nghttp2_session_callbacks *h2_cbs;
	nghttp2_option *h2_opt;
};

int64_t web_now_ms(void);

/* server.c */
/* Puts a new connection (c->w, c->bev set) on the server's list, active now. */
void web_conn_add(struct web *w, struct web_conn *c);
void web_conn_close(struct web_conn *c);
void web_conn_touch(struct web_conn *c);
/* After producing output: pause reading when the output is over the mark. */
void web_conn_backpressure(struct web_conn *c);

/* routes.c: fills resp for req. Never fails: errors are responses. */
void web_route(struct web *w, const struct web_req *req, struct web_resp *resp);
void web_resp_release(struct web_resp *resp);
size_t web_resp_len(const struct web_resp *resp);
const char *web_status_text(int status);
void web_count_status(struct web *w, int status);

/* sse.c: frames updates newer than *last into out; returns bytes added.
 * Stops at max_bytes of output. */
size_t web_sse_fill(struct web *w, struct evbuffer *out, uint64_t *last, size_t max_bytes);
/* The stream's first bytes (retry hint). */
void web_sse_open(struct evbuffer *out);
/* Parses a Last-Event-ID value or the last_event_id query parameter. */
uint64_t web_sse_start_id(struct web *w, const char *leid, const char *query);

/* http1.c */
int web_h1_on_read(struct web_conn *c);	/* 0 | -1: close now */
void web_h1_tick(struct web_conn *c);
/* h2.c */
int web_h2_init(struct web *w);
void web_h2_fini(struct web *w);
int web_h2_start(struct web_conn *c);
int web_h2_on_read(struct web_conn *c);
int web_h2_flush(struct web_conn *c);	/* 0 | -1: close now */
void web_h2_tick(struct web_conn *c);
void web_h2_free(struct web_conn *c);

/* small helpers */
size_t web_u64_str(char *buf, uint64_t v);	/* decimal, NUL-terminated; length */
bool web_query_get(const char *query, const char *key, char *out, size_t outlen);

#endif
