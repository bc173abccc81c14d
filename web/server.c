// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * DESIGN: the web server's listener, thread and connection lifetime.
 *
 * Threads: web__new and web__free run on the caller's thread; everything
 * between web__start and web__free runs on the one web thread, which owns
 * the event base, every connection and every stream. The only shared data
 * is struct state (locked inside state.c) and the hooks (called on the web
 * thread). web__free breaks the loop (libevent's thread notification) and
 * joins the thread with a bounded wait.
 *
 * One listener serves every protocol: a connection is HTTP/2 when its first
 * bytes are the client preface (h2c prior knowledge, or h2 chosen by ALPN
 * under TLS), HTTP/1.1 otherwise.
 *
 * Overload and abuse (see web_int.h for the whole list): output above
 * WEB_OUT_HIGH pauses reading; only an admitted request's progress keeps a
 * connection from the idle sweep; request deadlines are checked once a
 * second; per-client and global connection limits, with eviction of the
 * least recently progressing connection that is not working, and a probe
 * reserve past both; accept errors (EMFILE) pause the listener for 100 ms
 * instead of spinning.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <openssl/err.h>
#include <event2/thread.h>
#include <event2/bufferevent_ssl.h>

#include "web/web_int.h"
#include "user/lib/counters.h"
#include "user/runtime/thread.h"

static const char H2_PREFACE[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
#define H2_PREFACE_LEN 24

int web_conn_dispatch(struct web_conn *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);

	if (!c->ops) {
		size_t n = evbuffer_get_length(in);
		size_t m = n < H2_PREFACE_LEN ? n : H2_PREFACE_LEN;
		unsigned char *p = evbuffer_pullup(in, (ev_ssize_t)m);

		if (!p)
			return n ? -1 : 0;
		if (memcmp(p, H2_PREFACE, m))
			c->ops = &web_h1_ops;
		else if (m == H2_PREFACE_LEN)
			c->ops = &web_h2_ops;
		else
			return 0; /* a prefix of the preface: wait for more */
		c->proto = c->ops->proto;
		if (c->ops->start && c->ops->start(c))
			return -1;
	}
	return c->ops->on_read(c);
}

static void conn_read_cb(struct bufferevent *bev, void *arg)
{
	struct web_conn *c = arg;

	/* Bytes alone are not progress: the protocols say when a request moved. */
	if (c->closing) { /* draining a final response: ignore the rest */
		evbuffer_drain(bufferevent_get_input(bev),
			       evbuffer_get_length(bufferevent_get_input(bev)));
		return;
	}
	if (web_conn_dispatch(c))
		web_conn_close(c);
}

static void conn_write_cb(struct bufferevent *bev, void *arg)
{
	struct web_conn *c = arg;
	struct evbuffer *out = bufferevent_get_output(bev);

	/* An admitted HTTP/1.1 answer leaving is progress (HTTP/2 says so per
	 * DATA frame: its output also carries PING acks and SETTINGS). */
	if (c->h1_answering || c->h1_sse)
		web_conn_progress(c);
	if (!evbuffer_get_length(out))
		c->h1_answering = false;
	if (c->closing) {
		if (!evbuffer_get_length(out))
			web_conn_close(c);
		return;
	}
	if (c->ops && c->ops->flush && c->ops->flush(c)) {
		web_conn_close(c);
		return;
	}
	if (c->read_paused && evbuffer_get_length(out) < WEB_OUT_HIGH) {
		c->read_paused = false;
		bufferevent_enable(bev, EV_READ);
		/* Requests that arrived while paused are already buffered. */
		if (evbuffer_get_length(bufferevent_get_input(bev)) && web_conn_dispatch(c))
			web_conn_close(c);
	}
}

static void conn_event_cb(struct bufferevent *bev, short events, void *arg)
{
	struct web_conn *c = arg;

	if (events & BEV_EVENT_CONNECTED) {
		c->w->stats.tls_handshakes++;
		c->tls_done = true;
		return;
	}
	if (events & BEV_EVENT_ERROR) {
		if (c->tls && !c->tls_done)
			c->w->stats.tls_failures++;
		while (bufferevent_get_openssl_error(bev))
			;
		web_conn_close(c);
		return;
	}
	if ((events & BEV_EVENT_EOF) && !c->closing &&
	    evbuffer_get_length(bufferevent_get_output(bev))) {
		/* The client half-closed after its request: finish writing. */
		web_conn_finish(c);
		return;
	}
	web_conn_close(c);
}

/* A live stream, or an admitted request that moved in the last
 * WEB_EVICT_GRACE_MS: not closed to make room. */
static bool conn_working(const struct web_conn *c, int64_t now)
{
	if (c->h1_sse)
		return true;
	for (const struct web_stream *s = c->streams; s; s = s->next)
		if (s->resp.sse)
			return true;
	return (c->working > 0 || c->h1_start_ms || c->h1_answering) &&
	       now - c->progress_ms < WEB_EVICT_GRACE_MS;
}

/*
 * At the limit: close the least recently progressing connection that is not
 * working. The list is in order of progress, so the first one found is it.
 */
static bool evict_one(struct web *w, int64_t now)
{
	for (struct web_conn *c = w->conns; c; c = c->next) {
		if (c->probe_only || conn_working(c, now))
			continue;
		w->stats.evicted++;
		web_conn_close(c);
		return true;
	}
	return false;
}

/* "10.0.0.5:41234" / "[fd00::5]:41234"; IPv4-mapped addresses as IPv4. */
static void addr_format(const struct sockaddr *sa, char *out, size_t outlen, bool *loopback)
{
	char ip[INET6_ADDRSTRLEN] = "?";
	int port = 0;

	*loopback = false;
	out[0] = '\0';
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)sa;

		inet_ntop(AF_INET, &a->sin_addr, ip, sizeof(ip));
		port = ntohs(a->sin_port);
		*loopback = (ntohl(a->sin_addr.s_addr) >> 24) == 127;
		snprintf(out, outlen, "%s:%d", ip, port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)sa;

		port = ntohs(a->sin6_port);
		if (IN6_IS_ADDR_V4MAPPED(&a->sin6_addr)) {
			inet_ntop(AF_INET, &a->sin6_addr.s6_addr[12], ip, sizeof(ip));
			*loopback = a->sin6_addr.s6_addr[12] == 127;
			snprintf(out, outlen, "%s:%d", ip, port);
		} else {
			inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof(ip));
			*loopback = IN6_IS_ADDR_LOOPBACK(&a->sin6_addr);
			snprintf(out, outlen, "[%s]:%d", ip, port);
		}
	}
}

static void accept_cb(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int salen,
		      void *arg)
{
	struct web *w = arg;
	struct web_client *cl;
	struct web_conn *c;
	struct sockaddr_storage local;
	socklen_t ll = sizeof(local);
	int64_t now = clock_mono_ms();
	bool probe_only = false, dummy;
	int one = 1;

	cl = web_client_get(w, sa);
	if (!cl) {
		close(fd);
		return;
	}
	cl->conns++; /* counted now: closing others below cannot free cl */
	if (cl->conns > w->cfg.web_max_conns_per_client)
		probe_only = true;
	else if (w->stats.conns - w->stats.probe_conns >= w->cfg.web_max_conns &&
		 !evict_one(w, now))
		probe_only = true;
	if (probe_only) {
		/* Over a limit: one probe may still be asked. A client's newer
		 * reserve connection replaces its older one. */
		if (cl->probe) {
			w->stats.evicted++;
			web_conn_close(cl->probe);
		} else if (w->stats.probe_conns >= WEB_PROBE_RESERVE) {
			if (cl->conns > w->cfg.web_max_conns_per_client)
				w->stats.client_rejected++;
			else
				w->stats.rejected++;
			goto refuse;
		}
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		goto refuse;
	c->w = w;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (w->ssl_ctx) {
		SSL *ssl = SSL_new(w->ssl_ctx);

		if (!ssl) {
			free(c);
			goto refuse;
		}
		c->tls = true;
		c->bev = bufferevent_openssl_socket_new(w->base, fd, ssl, BUFFEREVENT_SSL_ACCEPTING,
							BEV_OPT_CLOSE_ON_FREE);
		if (c->bev)
			bufferevent_openssl_set_allow_dirty_shutdown(c->bev, 1);
		else
			SSL_free(ssl);
	} else {
		c->bev = bufferevent_socket_new(w->base, fd, BEV_OPT_CLOSE_ON_FREE);
	}
	if (!c->bev) {
		free(c);
		goto refuse;
	}
	w->stats.accepted++;
	addr_format(sa, c->peer, sizeof(c->peer), &dummy);
	if (!getsockname(fd, (struct sockaddr *)&local, &ll))
		addr_format((struct sockaddr *)&local, c->local, sizeof(c->local),
			    &c->local_loopback);
	c->client = cl;
	if (probe_only) {
		c->probe_only = true;
		cl->probe = c;
		w->stats.probe_conns++;
		w->stats.probe_reserve++;
	}
	web_conn_add(w, c);
	bufferevent_setcb(c->bev, conn_read_cb, conn_write_cb, conn_event_cb, c);
	bufferevent_setwatermark(c->bev, EV_WRITE, WEB_OUT_LOW, 0);
	/* libevent's default is 16 KiB per read/write call: one syscall per
	 * asset frame. Let a write take what the socket takes. */
	bufferevent_set_max_single_write(c->bev, WEB_OUT_HIGH);
	bufferevent_set_max_single_read(c->bev, 64 * 1024);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	return;
refuse:
	cl->conns--;
	web_client_put(w, cl);
	close(fd);
}

static void accept_error_cb(struct evconnlistener *l, void *arg)
{
	struct web *w = arg;
	struct timeval tv = { 0, 100 * 1000 };

	/* EMFILE/ENFILE leave the socket readable: pause instead of spinning. */
	evconnlistener_disable(l);
	evtimer_add(w->relisten, &tv);
}

static void relisten_cb(evutil_socket_t fd, short what, void *arg)
{
	struct web *w = arg;

	evconnlistener_enable(w->listener);
}

/* The server's own counters on /metrics (after the processor's text). */
#define WS struct web_stats
#define ROW(n, t, h, f)                                                       \
	{                                                                     \
		.name = (n), .type = (t), .help = (h), .off = offsetof(WS, f) \
	}
#define BY(n, h, f, l, v)                                                               \
	{                                                                               \
		.name = (n), .type = PROM_COUNTER, .help = (h), .off = offsetof(WS, f), \
		.label = (l), .label_value = (v)                                        \
	}
#define CLOSED(f, v)                                \
	BY("hostlens_web_connections_closed_total", \
	   "Connections the server closed or refused, by reason.", f, "reason", v)
static const struct counter_row web_rows[] = {
	ROW("hostlens_web_connections_accepted_total", PROM_COUNTER, "Connections accepted.",
	    accepted),
	ROW("hostlens_web_probe_reserve_total", PROM_COUNTER,
	    "Connections over a limit admitted for one probe.", probe_reserve),
	CLOSED(rejected, "limit_refused"),
	CLOSED(client_rejected, "client_limit"),
	CLOSED(evicted, "limit_evicted"),
	CLOSED(idle_closed, "idle"),
	CLOSED(deadline_closed, "deadline"),
	CLOSED(protocol_errors, "protocol_error"),
	BY("hostlens_web_requests_total", "HTTP requests answered, by protocol.",
	   requests[WEB_P_H1], "protocol", "http1.1"),
	BY("hostlens_web_requests_total", "HTTP requests answered, by protocol.",
	   requests[WEB_P_H2], "protocol", "h2"),
	BY("hostlens_web_responses_total", "HTTP responses, by status class.", by_class[2], "code",
	   "2xx"),
	BY("hostlens_web_responses_total", "HTTP responses, by status class.", by_class[4], "code",
	   "4xx"),
	BY("hostlens_web_responses_total", "HTTP responses, by status class.", by_class[5], "code",
	   "5xx"),
	ROW("hostlens_web_state_changes_total", PROM_COUNTER,
	    "State changes applied (POST /api/v1/filters).", state_changes),
	ROW("hostlens_web_request_body_bytes", PROM_GAUGE, "Request body bytes held now.",
	    body_bytes),
	ROW("hostlens_web_request_body_peak_bytes", PROM_GAUGE,
	    "Most request body bytes held at once.", body_peak),
	ROW("hostlens_web_h1_header_scan_bytes_total", PROM_COUNTER,
	    "Bytes searched for the end of HTTP/1.1 request heads.", h1_scan_bytes),
	ROW("hostlens_web_sse_events_total", PROM_COUNTER, "Live-stream events sent.", sse_events),
	ROW("hostlens_web_tls_handshakes_total", PROM_COUNTER, "Completed TLS handshakes.",
	    tls_handshakes),
};
#undef CLOSED
#undef BY
#undef ROW
#undef WS

static void gauge(struct prom *w, const char *name, const char *help, int v)
{
	prom_family(w, name, PROM_GAUGE, "%s", help);
	prom_sample_int(w, name, NULL, v);
}

static void self_metrics_format(struct web *w)
{
	static const char *const reasons[WEB_REF_N] = {
		"host",	     "auth", "role",	   "origin",   "content_type",
		"too_large", "busy", "probe_only", "deadline",
	};
	const struct web_stats *s = &w->stats;
	char *buf = NULL;
	size_t len = 0;
	struct prom pw;
	struct blob *b;

	prom_init(&pw, open_memstream(&buf, &len));
	if (!pw.f)
		return;
	gauge(&pw, "hostlens_web_connections", "Open web connections.", s->conns);
	gauge(&pw, "hostlens_web_probe_connections", "Open connections in the probe reserve.",
	      s->probe_conns);
	gauge(&pw, "hostlens_web_sse_clients", "Open live streams.", s->sse_clients);
	counters_prom(&pw, web_rows, sizeof(web_rows) / sizeof(web_rows[0]), s);
	prom_family(&pw, "hostlens_web_requests_refused_total", PROM_COUNTER,
		    "Requests refused from their headers, by reason.");
	for (int k = 0; k < WEB_REF_N; k++) {
		struct prom_labels l;

		prom_labels_init(&l);
		prom_label(&l, "reason", reasons[k]);
		prom_sample_uint(&pw, "hostlens_web_requests_refused_total", &l, s->refused[k]);
	}
	fclose(pw.f);
	b = buf ? blob__new(buf, len) : NULL;
	free(buf);
	if (!b)
		return;
	blob__put(w->self_metrics);
	w->self_metrics = b;
}

/* Once a second: deadlines, the probe reserve, idle connections. */
static void sweep(struct web *w, int64_t now)
{
	int64_t idle_ms = (int64_t)w->cfg.web_idle_timeout_s * 1000;
	struct web_conn *c, *next;

	for (c = w->conns; c; c = next) {
		next = c->next;
		if (c->closing) {
			/* nothing left to write (or stuck for the idle time): go */
			if (!evbuffer_get_length(bufferevent_get_output(c->bev)) ||
			    now - c->progress_ms > idle_ms)
				web_conn_close(c);
			continue;
		}
		if (c->probe_only && now - c->accepted_ms > WEB_PROBE_DEADLINE_MS) {
			w->stats.deadline_closed++;
			web_conn_close(c);
			continue;
		}
		if (c->ops && c->ops->deadline(c, now)) {
			web_conn_close(c);
			continue;
		}
		if (c->closing || now - c->progress_ms <= idle_ms)
			continue;
		w->stats.idle_closed++;
		/* Say goodbye properly: close once the goodbye left, or at the
		 * next sweep when even that cannot be written. */
		if (c->ops && c->ops->goodbye && c->ops->goodbye(c)) {
			web_conn_finish(c);
			continue;
		}
		web_conn_close(c);
	}
}

static void tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct web *w = arg;
	struct web_conn *c, *next;
	bool second = (++w->ticks % (1000 / WEB_TICK_MS)) == 0;

	for (c = w->conns; c; c = next) {
		next = c->next;
		if (c->closing)
			continue;
		if (c->ops)
			c->ops->tick(c);
	}
	if (!second)
		return;
	/* The h2 tick may have closed connections: walk the list afresh. */
	sweep(w, clock_mono_ms());
	self_metrics_format(w);
}

static int alpn_select_cb(SSL *ssl, const unsigned char **out, unsigned char *outlen,
			  const unsigned char *in, unsigned int inlen, void *arg)
{
	static const unsigned char protos[] = "\x02h2\x08http/1.1";
	unsigned char *sel;

	if (SSL_select_next_proto(&sel, outlen, protos, sizeof(protos) - 1, in, inlen) !=
	    OPENSSL_NPN_NEGOTIATED)
		return SSL_TLSEXT_ERR_NOACK;
	*out = sel;
	return SSL_TLSEXT_ERR_OK;
}

static SSL_CTX *tls_new(const struct config *cfg, char *err, size_t errlen)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	unsigned long e;

	if (!ctx)
		goto fail;
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
					 SSL_OP_CIPHER_SERVER_PREFERENCE);
	if (SSL_CTX_use_certificate_chain_file(ctx, cfg->tls_cert) != 1) {
		e = ERR_get_error();
		snprintf(err, errlen, "web: TLS certificate %s: %s", cfg->tls_cert,
			 ERR_reason_error_string(e) ? ERR_reason_error_string(e) : "unreadable");
		goto free_ctx;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, cfg->tls_key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		e = ERR_get_error();
		snprintf(err, errlen, "web: TLS key %s: %s", cfg->tls_key,
			 ERR_reason_error_string(e) ? ERR_reason_error_string(e) : "unreadable");
		goto free_ctx;
	}
	SSL_CTX_set_alpn_select_cb(ctx, alpn_select_cb, NULL);
	return ctx;
free_ctx:
	SSL_CTX_free(ctx);
	ERR_clear_error();
	errno = EINVAL;
	return NULL;
fail:
	snprintf(err, errlen, "web: TLS: cannot create a context");
	errno = ENOMEM;
	return NULL;
}

/* "127.0.0.1:9090", "[::1]:9090", "localhost:9090", ":9090" -> listening fd. */
static int listen_on(const char *spec, char *err, size_t errlen)
{
	char host[CFG_STR];
	const char *colon = strrchr(spec, ':');
	struct addrinfo hints = { 0 }, *ai = NULL;
	int fd = -1, one = 1, rc;
	size_t hl;

	if (!colon) {
		snprintf(err, errlen, "web: --listen '%s' is not ADDR:PORT", spec);
		return -EINVAL;
	}
	hl = (size_t)(colon - spec);
	if (hl >= sizeof(host))
		hl = sizeof(host) - 1;
	memcpy(host, spec, hl);
	host[hl] = '\0';
	if (host[0] == '[' && hl >= 2 && host[hl - 1] == ']') {
		memmove(host, host + 1, hl - 2);
		host[hl - 2] = '\0';
	}
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	rc = getaddrinfo(host[0] ? host : NULL, colon + 1, &hints, &ai);
	if (rc) {
		snprintf(err, errlen, "web: --listen '%s': %s", spec, gai_strerror(rc));
		return -EINVAL;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "web: socket: %s", strerror(errno));
		goto out;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) || listen(fd, 1024)) {
		rc = -errno;
		snprintf(err, errlen, "web: cannot listen on %s: %s", spec, strerror(errno));
		close(fd);
		fd = -1;
		goto out;
	}
	rc = fd;
out:
	freeaddrinfo(ai);
	return rc;
}

/* The --listen host, when it names one address (not a wildcard), is a Host
 * the server answers to; the address a client reached always is. */
static void listen_name_set(struct web *w)
{
	const char *spec = w->cfg.listen, *colon = strrchr(spec, ':');
	size_t hl = colon ? (size_t)(colon - spec) : 0;

	if (!colon || !hl || hl >= sizeof(w->listen_name))
		return;
	if ((hl == 7 && !strncmp(spec, "0.0.0.0", 7)) || (hl == 4 && !strncmp(spec, "[::]", 4)) ||
	    (hl == 2 && !strncmp(spec, "::", 2)))
		return;
	snprintf(w->listen_name, sizeof(w->listen_name), "%s", spec);
}

static pthread_once_t evthread_once = PTHREAD_ONCE_INIT;
static int evthread_rc;

static void evthread_init(void)
{
	evthread_rc = evthread_use_pthreads();
}

struct web *web__new(const struct config *cfg, struct state *st, const struct web_hooks *hooks,
		     char *err, size_t errlen)
{
	struct web *w;
	int fd, rc = -ENOMEM;

	snprintf(err, errlen, "web: out of memory");
	pthread_once(&evthread_once, evthread_init);
	if (evthread_rc) {
		snprintf(err, errlen, "web: libevent without thread support");
		errno = ENOSYS;
		return NULL;
	}
	w = calloc(1, sizeof(*w));
	if (!w)
		goto fail;
	w->cfg = *cfg;
	if (w->cfg.web_max_conns <= 0)
		w->cfg.web_max_conns = 1024;
	if (w->cfg.web_max_conns_per_client <= 0)
		w->cfg.web_max_conns_per_client = 32;
	if (w->cfg.web_idle_timeout_s <= 0)
		w->cfg.web_idle_timeout_s = 60;
	if (w->cfg.web_request_timeout_s <= 0)
		w->cfg.web_request_timeout_s = 10;
	if (w->cfg.web_conn_body_budget < WEB_MAX_BODY)
		w->cfg.web_conn_body_budget = 256 * 1024;
	if (w->cfg.web_body_budget < w->cfg.web_conn_body_budget)
		w->cfg.web_body_budget = w->cfg.web_conn_body_budget * 16;
	listen_name_set(w);
	w->st = st;
	if (hooks)
		w->hooks = *hooks;
	w->base = event_base_new();
	if (!w->base)
		goto free_w;
	if (cfg->tls_cert[0]) {
		w->ssl_ctx = tls_new(cfg, err, errlen);
		if (!w->ssl_ctx) {
			rc = -errno;
			goto free_w;
		}
	}
	if (web_h2_init(w))
		goto free_w;
	fd = listen_on(cfg->listen, err, errlen);
	if (fd < 0) {
		rc = fd;
		goto free_w;
	}
	w->listener = evconnlistener_new(w->base, accept_cb, w,
					 LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 0, fd);
	if (!w->listener) {
		close(fd);
		goto free_w;
	}
	evconnlistener_set_error_cb(w->listener, accept_error_cb);
	w->relisten = evtimer_new(w->base, relisten_cb, w);
	w->tick = event_new(w->base, -1, EV_PERSIST, tick_cb, w);
	if (!w->relisten || !w->tick)
		goto free_w;
	self_metrics_format(w);
	err[0] = '\0';
	return w;
free_w:
	web__free(w);
fail:
	errno = -rc;
	return NULL;
}

static void *web_thread(void *arg)
{
	struct web *w = arg;

	thread__setup("hl-web", false); /* dashboard users wait on it */
	event_base_dispatch(w->base);
	return NULL;
}

int web__start(struct web *w)
{
	struct timeval tv = { 0, WEB_TICK_MS * 1000 };
	sigset_t all, old;
	int rc;

	if (!w || w->started)
		return -EINVAL;
	if (event_add(w->tick, &tv))
		return -ENOMEM;
	/* The thread inherits a mask with every signal blocked: SIGPIPE from a
	 * peer that went away stays pending here, SIGTERM goes to main. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&w->thread, NULL, web_thread, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc)
		return -rc;
	w->started = true;
	return 0;
}

void web__free(struct web *w)
{
	if (!w)
		return;
	if (w->started) {
		struct timespec ts;

		event_base_loopbreak(w->base);
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 5;
		if (pthread_timedjoin_np(w->thread, NULL, &ts)) {
			/* Not reachable in practice: the loop has no blocking work.
			 * Leaking is the only safe choice while it still runs. */
			fprintf(stderr, "web: server thread did not stop within 5 s\n");
			return;
		}
	}
	while (w->conns)
		web_conn_close(w->conns);
	for (int i = 0; i < WEB_CLIENT_BUCKETS; i++) {
		while (w->clients[i]) { /* none left once every connection closed */
			struct web_client *cl = w->clients[i];

			w->clients[i] = cl->next;
			free(cl);
		}
	}
	if (w->listener)
		evconnlistener_free(w->listener);
	if (w->tick)
		event_free(w->tick);
	if (w->relisten)
		event_free(w->relisten);
	web_h2_fini(w);
	blob__put(w->self_metrics);
	if (w->base)
		event_base_free(w->base);
	if (w->ssl_ctx)
		SSL_CTX_free(w->ssl_ctx);
	free(w);
}
