/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * DESIGN: internals shared by the web server's files. Everything here lives
 * on the web thread (server.c starts it); nothing is locked except what
 * user/pipeline/state.h locks itself. One struct web_conn per TCP connection, one
 * struct web_stream per HTTP/2 stream (HTTP/1.1 keeps its one request in the
 * connection).
 *
 * - server.c: listener, TLS, the thread, the 250 ms tick (SSE push, request
 *   deadlines, idle sweep, the server's own /metrics lines), per-client and
 *   global limits, the probe reserve; it drives each connection's protocol
 *   through struct web_proto_ops.
 * - http1.c / h2.c: the two wire protocols (web_h1_ops, web_h2_ops), both
 *   calling gate.c when a request's headers are complete and routes.c when
 *   it is answered.
 * - conn.c: what the protocols share below them: the clock, the connection
 *   list, backpressure, body budgets, closing.
 * - gate.c: who may ask what (Host, Origin, Content-Type, bearer roles),
 *   decided from the headers alone, before any body byte is kept.
 * - routes.c: request -> response (status, type, body segments that point
 *   into refcounted blobs or the embedded assets; no copy, no formatting).
 * - sse.c: the event framing of the live stream.
 * - util.c: number and query-string helpers.
 * Calls go one way: server -> http1, h2 -> routes -> gate, sse -> conn, util
 * (a protocol also calls gate and sse directly); no file calls back into a
 * file that calls it.
 *
 * Overload and abuse:
 * - Output: a connection whose output holds more than WEB_OUT_HIGH bytes is
 *   not read from (and an HTTP/2 session is not asked for more frames) until
 *   the socket drains below WEB_OUT_LOW.
 * - Progress: only an admitted request moving (headers accepted, body bytes,
 *   response bytes leaving, live-stream events) counts. PING, SETTINGS,
 *   WINDOW_UPDATE, empty frames and refused requests do not. The connection
 *   list is kept in order of last progress (least recent first).
 * - Idle: no progress for web_idle_timeout closes the connection, open
 *   streams or not. A request whose headers and body are not all in within
 *   web_request_timeout gets 408 (HTTP/1.1: and a close; HTTP/2: the stream
 *   is reset, or the session ends when its header block is unfinished).
 * - Bodies: only a request that needs one (POST /api/v1/filters) and passed
 *   the gate has its body kept, within budgets reserved when its headers
 *   arrive: web_conn_body_budget per connection, web_body_budget in all.
 * - Limits: web_max_conns_per_client per client address and web_max_conns in
 *   all. At the global limit the least recently progressing connection that
 *   is not working (no live stream, no admitted request that moved in the
 *   last WEB_EVICT_GRACE_MS) is closed to admit the new one. A connection
 *   over any limit is still admitted into a small probe reserve
 *   (WEB_PROBE_RESERVE, one per client address): it may ask /healthz,
 *   /livez or /readyz once within WEB_PROBE_DEADLINE_MS, then closes.
 */
#ifndef HOSTLENS_WEB_INT_H
#define HOSTLENS_WEB_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <pthread.h>
#include <sys/socket.h>
#include <openssl/ssl.h>
#include <event2/event.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/listener.h>
#include <nghttp2/nghttp2.h>

#include "user/lib/clock.h"
#include "web/web.h"

#define WEB_OUT_HIGH (256 * 1024)  /* stop reading / producing above this */
#define WEB_OUT_LOW (64 * 1024)	   /* resume below this */
#define WEB_MAX_HEADER (32 * 1024) /* request line + headers, either protocol */
#define WEB_MAX_BODY (64 * 1024)   /* request bodies (POST /api/v1/filters) */
#define WEB_MAX_PATH 2048
#define WEB_MAX_FIELD 256     /* Host, Origin: longer is refused */
#define WEB_H2_STREAMS 128    /* SETTINGS_MAX_CONCURRENT_STREAMS, authenticated */
#define WEB_H2_STREAMS_ANON 8 /* ... until a request authenticates */
#define WEB_SSE_BATCH 32      /* updates copied per stream per tick */
#define WEB_TICK_MS 250
#define WEB_STREAM_POOL 512	   /* stream structs kept for reuse */
#define WEB_PROBE_RESERVE 8	   /* connections kept for probes over the limits */
#define WEB_PROBE_DEADLINE_MS 2000 /* a reserve connection asks within this */
#define WEB_EVICT_GRACE_MS 1000	   /* an admitted request that moved this recently is work */
#define WEB_CLIENT_BUCKETS 256
#define WEB_RST_GRACE_BODY (16 * 1024) /* a small declared body may finish after our answer */
#define WEB_RST_GRACE_MS 500	       /* ... for this long, dropped, before the reset */

enum web_method { WEB_M_OTHER, WEB_M_GET, WEB_M_HEAD, WEB_M_POST };
enum web_proto { WEB_P_UNKNOWN, WEB_P_H1, WEB_P_H2 };

/* What a bearer token grants. Admin includes read. */
enum web_role { WEB_ROLE_NONE, WEB_ROLE_READ, WEB_ROLE_ADMIN };

/* Why a request was refused at the gate (index into web_stats.refused). */
enum web_refusal {
	WEB_REF_HOST,
	WEB_REF_AUTH,
	WEB_REF_ROLE,
	WEB_REF_ORIGIN,
	WEB_REF_CTYPE,
	WEB_REF_SIZE,
	WEB_REF_BUSY,
	WEB_REF_PROBE_ONLY,
	WEB_REF_DEADLINE,
	WEB_REF_N
};

struct web_conn;

/* What a protocol parsed; strings NUL-terminated, owned by the protocol. */
struct web_req {
	struct web_conn *c; /* who asks (address, listener); NULL in tests */
	enum web_method method;
	const char *path;	   /* without the query */
	const char *query;	   /* after '?', or "" */
	const char *host;	   /* Host or :authority, "" when absent */
	const char *origin;	   /* Origin, "" when absent */
	const char *last_event_id; /* Last-Event-ID header or "" */
	enum web_role role;	   /* granted by the Authorization header (or open read) */
	bool has_auth;		   /* an Authorization header came */
	bool json;		   /* Content-Type is application/json */
	bool has_body;		   /* a body follows the headers */
	int64_t content_length;	   /* -1: not given */
	const unsigned char *body;
	size_t body_len;
	bool header_too_big;
	bool bad; /* malformed: 400 */
};

#define WEB_SEGS 2

/* A response: up to WEB_SEGS body segments, each pointing into a blob the
 * response holds a reference to, or into static memory (blob NULL). */
struct web_resp {
	int status;
	const char *ctype;
	const char *cache;   /* Cache-Control value */
	bool auth_challenge; /* add WWW-Authenticate: Bearer */
	bool allow_post;     /* 405 on a POST-only resource: Allow: POST */
	bool sse;	     /* body is the live stream */
	bool head;	     /* HEAD: headers only */
	bool close;	     /* end the connection after this answer */
	uint64_t sse_after;  /* first update to send is the one after this */
	int nseg;
	struct blob *blob[WEB_SEGS];
	const char *data[WEB_SEGS];
	size_t len[WEB_SEGS];
};

struct web_stats {
	uint64_t accepted, rejected, client_rejected, evicted, idle_closed, deadline_closed;
	uint64_t probe_reserve;	     /* connections admitted into the probe reserve */
	uint64_t requests[3];	     /* by enum web_proto (index 0 unused) */
	uint64_t by_class[6];	     /* 1xx..5xx by status / 100 */
	uint64_t refused[WEB_REF_N]; /* requests refused at the gate, by reason */
	uint64_t state_changes;
	uint64_t tls_handshakes, tls_failures;
	uint64_t protocol_errors;
	uint64_t sse_events;
	uint64_t h1_scan_bytes;		/* bytes searched for the end of HTTP/1.1 heads */
	uint64_t body_bytes, body_peak; /* request body bytes reserved now / at most */
	int conns, probe_conns, sse_clients;
};

/* Connections from one client address (IPv4 as v4-mapped IPv6). */
struct web_client {
	struct web_client *next;
	uint8_t addr[16];
	int conns;
	struct web_conn *probe; /* its one connection in the probe reserve */
};

struct web_stream;

struct web_conn {
	struct web *w;
	struct bufferevent *bev;
	struct web_conn *prev, *next; /* w->conns, least recent progress first */
	struct web_client *client;    /* NULL when not from the listener (fuzzer) */
	enum web_proto proto;
	const struct web_proto_ops *ops; /* NULL until the first bytes decide */
	bool tls;
	bool tls_done;	     /* handshake completed */
	bool closing;	     /* close once the output is written */
	bool read_paused;    /* backpressure */
	bool probe_only;     /* in the probe reserve: one probe, then close */
	bool local_loopback; /* reached the server on a loopback address */
	char peer[64];	     /* "10.0.0.5:41234", for logs */
	char local[64];	     /* "10.0.0.1:9090": the address it reached */
	int64_t accepted_ms;
	int64_t progress_ms;  /* last progress of an admitted request */
	int inflight;	      /* requests being answered (incl. SSE) */
	int working;	      /* admitted requests not finished (h2 streams) */
	size_t body_reserved; /* request body bytes reserved on this connection */
	int64_t sse_sent_ms;  /* live streams: last event or keep-alive */

	/* HTTP/2 */
	nghttp2_session *h2;
	struct web_stream *streams;
	bool h2_authed; /* SETTINGS raised the stream limit */

	/* HTTP/1.1: the request being received or answered */
	bool h1_sse;	   /* this connection became a live stream */
	bool h1_answering; /* an admitted answer is in the output */
	uint64_t h1_sse_last;
	size_t h1_scanned;   /* bytes of the head searched for CRLFCRLF */
	int64_t h1_start_ms; /* first byte of the request in progress; 0: none */
	char *h1_head;	     /* parsed head (NULs inside) once complete */
	size_t h1_hlen, h1_clen, h1_body_seen;
	bool h1_keep_alive;
	struct web_req h1_req; /* points into h1_head */
};

struct web_stream {
	struct web_conn *c;
	struct web_stream *prev, *next;
	int32_t id;
	enum web_method method;
	enum web_role role;
	bool has_auth, json, header_too_big, bad;
	bool headers_done;  /* the whole header block is in */
	bool remote_closed; /* the client sent END_STREAM */
	bool admitted;	    /* passed the gate */
	bool answered;	    /* a response was submitted */
	size_t header_bytes;
	int64_t start_ms;
	int64_t rst_at_ms; /* answered, client still sending: reset then */
	int64_t clen;	   /* content-length, -1 unknown */
	size_t body_reserved;
	char *path, *host, *origin; /* malloc'd; NULL when absent */
	const char *query;	    /* inside path, after the '?' */
	char leid[32];
	struct evbuffer *body;	  /* request body, lazily */
	struct web_resp resp;	  /* the response body being sent */
	int seg;		  /* current segment */
	size_t off;		  /* offset in it */
	struct evbuffer *sse_out; /* SSE: framed events not yet sent */
	uint64_t sse_last;	  /* SSE: last id framed */
	char clen_str[24];	  /* content-length header value */
};

struct web {
	struct config cfg;
	struct state *st;
	struct web_hooks hooks;
	struct event_base *base;
	struct evconnlistener *listener;
	struct event *tick;
	struct event *relisten; /* re-enables accept after EMFILE */
	SSL_CTX *ssl_ctx;
	pthread_t thread;
	bool started;
	struct web_conn *conns, *conns_tail;
	struct web_client *clients[WEB_CLIENT_BUCKETS];
	struct web_stats stats;
	struct blob *self_metrics; /* the server's own /metrics lines */
	unsigned ticks;
	bool published;		   /* every topic and /metrics were published once */
	char listen_name[300];	   /* --listen host:port unless a wildcard */
	int64_t refusal_logged_ms; /* refused state changes: one log line a while */
	unsigned refusal_unlogged;
	struct web_stream *stream_pool; /* freed streams kept for reuse */
	int stream_pool_n;
	nghttp2_session_callbacks *h2_cbs;
	nghttp2_option *h2_opt;
};

/*
 * One wire protocol (http1.c: web_h1_ops, h2.c: web_h2_ops), as server.c
 * drives it. A connection gets its ops once its first bytes say which
 * protocol it speaks. The protocols call down into conn.c, never back into
 * server.c. Optional members may be NULL.
 */
struct web_proto_ops {
	enum web_proto proto;
	int (*start)(struct web_conn *c);   /* optional: set up; 0 | -1: close now */
	int (*on_read)(struct web_conn *c); /* input arrived; 0 | -1: close now */
	int (*flush)(struct web_conn *c);   /* optional: the output drained, produce
						 * more; 0 | -1: close now */
	void (*tick)(struct web_conn *c);   /* every WEB_TICK_MS: live streams; may close c */
	int (*deadline)(struct web_conn *c, int64_t now); /* once a second: requests
								 * not all in; 0 | -1: close now */
	bool (*goodbye)(struct web_conn *c);		  /* optional: idle, tell the peer; true
						 * while that is being written */
	void (*free)(struct web_conn *c);		  /* the protocol's state, at close */
};

extern const struct web_proto_ops web_h1_ops, web_h2_ops;

/* conn.c: what the protocols and the listener share */
/* Puts a new connection (c->w, c->bev set) on the server's list, progressing now. */
void web_conn_add(struct web *w, struct web_conn *c);
/* Frees c: the protocol's state (c->ops->free), budgets, counts, the bufferevent. */
void web_conn_close(struct web_conn *c);
/* An admitted request moved: the connection is not idle. */
void web_conn_progress(struct web_conn *c);
/* After producing output: pause reading when the output is over the mark. */
void web_conn_backpressure(struct web_conn *c);
/* Stop reading and close once the output is written. */
void web_conn_finish(struct web_conn *c);
/* Reserves n request body bytes on c and in the server: 0 or -EBUSY. */
int web_body_reserve(struct web_conn *c, size_t n);
void web_body_release(struct web_conn *c, size_t n);
/* The entry of sa's address (created with no connections); NULL: no memory. */
struct web_client *web_client_get(struct web *w, const struct sockaddr *sa);
/* Frees the entry once no connection of that address is left. */
void web_client_put(struct web *w, struct web_client *cl);

/* server.c */
/* Input on c: picks the protocol from the first bytes (HTTP/2 preface or
 * not), then hands the bytes to it. 0 | -1: close now. */
int web_conn_dispatch(struct web_conn *c);

/* gate.c */
/* The role an Authorization header value grants (constant-time compare). */
enum web_role web_auth_role(const struct web *w, const char *authz, size_t len);
/* Decides from the headers alone. true: admitted (r untouched); false: r is
 * the refusal to send (its body is never read). */
bool web_gate(struct web *w, const struct web_req *req, struct web_resp *r);
/* Is a Content-Type value application/json (with or without parameters)? */
bool web_ctype_is_json(const char *v, size_t len);
/* Does the request's answer need its body (a state change)? */
bool web_gate_takes_body(const struct web_req *req);
/* Is the path one of the probes (/healthz, /livez, /readyz)? */
bool web_is_probe(const char *path);
/* Host and Origin matching, exposed for the unit tests. */
bool web_host_allowed(const struct web *w, const struct web_conn *c, const char *host);
bool web_origin_allowed(const struct web *w, const struct web_conn *c, const char *host,
			const char *origin);

/* routes.c: fills resp for an admitted req. Never fails: errors are responses. */
void web_route(struct web *w, const struct web_req *req, struct web_resp *resp);
/* A canned JSON error for status (400, 408, 411, 413, 414, 431, 503, 505...). */
void web_resp_error(struct web_resp *r, int status);
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
/* Milliseconds between keep-alive comments on a quiet stream. */
int64_t web_sse_keepalive_ms(const struct web *w);

/* h2.c: the server's nghttp2 callbacks and options (w->h2_cbs, w->h2_opt),
 * set up by web__new, freed by web__free. */
int web_h2_init(struct web *w);
void web_h2_fini(struct web *w);

/* util.c: small helpers */
size_t web_u64_str(char *buf, uint64_t v); /* decimal, NUL-terminated; length */
bool web_query_get(const char *query, const char *key, char *out, size_t outlen);

#endif
