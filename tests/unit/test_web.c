// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * DESIGN: unit tests of the web server in-process: this thread is the
 * client (blocking sockets on loopback), the server runs its own thread as
 * in the agent. Checks start-up errors, serving published blobs exactly,
 * readiness, the live stream's ids, the filters hook behind the read and
 * admin roles (Host, Origin and Content-Type rules too), refusals decided
 * from the headers before a body is read, the body budget, the incremental
 * HTTP/1.1 head search, a bounded stop.
 */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "tests/unit/check.h"
#include "web/web.h"
#include "web/web_int.h"

static int port;

static void cfg_for(struct config *cfg, int p)
{
	config_defaults(cfg);
	snprintf(cfg->listen, sizeof(cfg->listen), "127.0.0.1:%d", p);
}

static int connect_port(int p)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)p) };
	struct timeval tv = { 3, 0 };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Sends raw bytes, reads until close, timeout or max; NUL-terminated. */
static size_t roundtrip(const char *req, char *out, size_t max)
{
	int fd = connect_port(port);
	size_t n = 0;
	ssize_t r;

	out[0] = '\0';
	if (fd < 0)
		return 0;
	if (write(fd, req, strlen(req)) < 0) {
		close(fd);
		return 0;
	}
	while (n + 1 < max && (r = read(fd, out + n, max - 1 - n)) > 0)
		n += (size_t)r;
	out[n] = '\0';
	close(fd);
	return n;
}

static int status_of(const char *resp)
{
	int st = 0;

	sscanf(resp, "HTTP/1.1 %d", &st);
	return st;
}

static const char *body_of(const char *resp)
{
	const char *p = strstr(resp, "\r\n\r\n");

	return p ? p + 4 : "";
}

static struct web *start_cfg(struct state *st, const struct web_hooks *hooks, const char *token,
			     const char *admin, uint64_t body_budget)
{
	struct config cfg;
	char err[256];
	struct web *w = NULL;

	for (int i = 0; i < 20 && !w; i++) {
		port = 20000 + (getpid() * 7 + i * 131) % 30000;
		cfg_for(&cfg, port);
		if (token)
			snprintf(cfg.auth_token, sizeof(cfg.auth_token), "%s", token);
		if (admin)
			snprintf(cfg.admin_token, sizeof(cfg.admin_token), "%s", admin);
		if (body_budget)
			cfg.web_body_budget = cfg.web_conn_body_budget = body_budget;
		w = web__new(&cfg, st, hooks, err, sizeof(err));
	}
	if (w && web__start(w)) {
		web__free(w);
		return NULL;
	}
	return w;
}

static struct web *start(struct state *st, const struct web_hooks *hooks, const char *token)
{
	return start_cfg(st, hooks, token, NULL, 0);
}

static void test_busy_port_fails_at_new(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t al = sizeof(a);
	struct config cfg;
	char err[256] = "";
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct state *st = state__new();
	struct web *w;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK(!bind(fd, (struct sockaddr *)&a, sizeof(a)) && !listen(fd, 1), "bind a port");
	getsockname(fd, (struct sockaddr *)&a, &al);
	cfg_for(&cfg, ntohs(a.sin_port));
	errno = 0;
	w = web__new(&cfg, st, NULL, err, sizeof(err));
	CHECK(w == NULL, "web__new on a busy port should fail");
	CHECK(errno == EADDRINUSE, "errno %d, want EADDRINUSE", errno);
	CHECK(strstr(err, "Address already in use") != NULL, "err: '%s'", err);
	web__free(w);
	close(fd);
	state__free(st);
}

static void test_bad_listen_spec(void)
{
	struct config cfg;
	char err[256] = "";
	struct state *st = state__new();

	config_defaults(&cfg);
	snprintf(cfg.listen, sizeof(cfg.listen), "no-port-here");
	CHECK(web__new(&cfg, st, NULL, err, sizeof(err)) == NULL && errno == EINVAL,
	      "no port: errno %d", errno);
	CHECK(strstr(err, "no-port-here") != NULL, "err names the value: '%s'", err);
	snprintf(cfg.listen, sizeof(cfg.listen), "256.1.1.1:80");
	CHECK(web__new(&cfg, st, NULL, err, sizeof(err)) == NULL, "bad address accepted");
	web__free(NULL);
	state__free(st);
}

/* every /api/v1 topic (web/routes.c) but summary, published by the test itself */
static const char *const all_topics[] = { "host",	 "cpu",	    "processes", "disks",
					  "connections", "routes",  "requests",	 "alerts",
					  "stats",	 "filters", "breakdown", "databases" };

static void test_topic_503_then_exact_blob(void)
{
	struct state *st = state__new();
	struct web *w = start(st, NULL, NULL);
	char resp[8192];

	CHECK(w != NULL, "server start");
	if (!w)
		goto out;
	roundtrip("GET /api/v1/summary HTTP/1.1\r\nConnection: close\r\n\r\n", resp, sizeof(resp));
	CHECK(status_of(resp) == 503, "before publish: %d", status_of(resp));
	CHECK(strstr(body_of(resp), "\"error\"") != NULL, "503 body: %s", body_of(resp));
	state__publish(st, "summary", json_pack("{s:f,s:s}", "cpu_pct", 12.5, "hostname", "h"));
	roundtrip("GET /api/v1/summary HTTP/1.1\r\nConnection: close\r\n\r\n", resp, sizeof(resp));
	CHECK(status_of(resp) == 200, "after publish: %d", status_of(resp));
	CHECK(!strcmp(body_of(resp), "{\"cpu_pct\":12.5,\"hostname\":\"h\"}"), "body '%s'",
	      body_of(resp));
	CHECK(strstr(resp, "Content-Length: 31\r\n") != NULL, "length header: %s", resp);
	roundtrip("GET /readyz HTTP/1.1\r\nConnection: close\r\n\r\n", resp, sizeof(resp));
	CHECK(status_of(resp) == 503, "readyz before ready: %d", status_of(resp));
	state__set_ready(st, true);
	/* attached is not ready: every topic and /metrics must answer first */
	roundtrip("GET /readyz HTTP/1.1\r\nConnection: close\r\n\r\n", resp, sizeof(resp));
	CHECK(status_of(resp) == 503 && strstr(body_of(resp), "not published"),
	      "readyz attached, nothing published: %s", resp);
	state__publish_text(st, "metrics", "# TYPE x gauge\nx 1\n", 19);
	for (size_t i = 0; i < sizeof(all_topics) / sizeof(all_topics[0]); i++) {
		roundtrip("GET /readyz HTTP/1.1\r\nConnection: close\r\n\r\n", resp, sizeof(resp));
		CHECK(status_of(resp) == 503, "readyz with %zu of %zu topics: %d", i,
		      sizeof(all_topics) / sizeof(all_topics[0]), status_of(resp));
		state__publish(st, all_topics[i], json_object());
	}
	roundtrip("GET /readyz HTTP/1.1\r\nConnection: close\r\n\r\n", resp, sizeof(resp));
	CHECK(status_of(resp) == 200, "readyz when ready: %d", status_of(resp));
	roundtrip("GET /metrics HTTP/1.0\r\n\r\n", resp, sizeof(resp));
	CHECK(status_of(resp) == 200 && !strncmp(body_of(resp), "# TYPE x gauge\nx 1\n", 19),
	      "metrics: %s", resp);
	CHECK(strstr(body_of(resp), "hostlens_web_connections ") != NULL, "own lines: %s",
	      body_of(resp));
out:
	web__free(w);
	state__free(st);
}

static void test_sse_resume_ids(void)
{
	struct state *st = state__new();
	struct web *w = start(st, NULL, NULL);
	char resp[8192] = "";
	size_t n = 0;
	ssize_t r;
	int fd;

	CHECK(w != NULL, "server start");
	if (!w)
		goto out;
	for (int i = 0; i < 3; i++)
		state__push_update(st, json_pack("{s:i}", "n", i));
	fd = connect_port(port);
	const char *req = "GET /api/v1/stream HTTP/1.1\r\nLast-Event-ID: 1\r\n\r\n";

	CHECK(write(fd, req, strlen(req)) > 0, "send");
	/* The two updates after id 1 arrive at once; then the stream waits. */
	while (n < sizeof(resp) - 1 && !strstr(resp, "id: 3\n")) {
		r = read(fd, resp + n, sizeof(resp) - 1 - n);
		if (r <= 0)
			break;
		n += (size_t)r;
		resp[n] = '\0';
	}
	close(fd);
	CHECK(strstr(resp, "Content-Type: text/event-stream") != NULL, "type: %s", resp);
	CHECK(!strstr(resp, "id: 1\n"), "id 1 resent: %s", resp);
	CHECK(strstr(resp, "id: 2\ndata: {\"n\":1}\n\n") &&
		      strstr(resp, "id: 3\ndata: {\"n\":2}\n\n"),
	      "events: %s", body_of(resp));
out:
	web__free(w);
	state__free(st);
}

/* The SSE update ring keeps at most 600 updates and 4 MiB: under heavy
 * HTTP load each second's update is large, and 600 of them once held 48 MB. */
static void test_update_ring_bounded(void)
{
	struct state *st = state__new();
	struct blob *out[700];
	uint64_t ids[700];
	char *big = malloc(100001);
	size_t n;

	CHECK(st && big, "alloc");
	if (!st || !big)
		goto out;
	memset(big, 'x', 100000);
	big[100000] = '\0';
	for (int i = 0; i < 100; i++)
		state__push_update(st, json_pack("{s:i,s:s}", "n", i, "pad", big));
	n = state__updates_after(st, 0, out, ids, 700);
	/* 4 MiB / ~100 KB: the newest 41, in order, ending with the last */
	CHECK(n >= 40 && n <= 42, "kept %zu updates of 100 KB, want about 41", n);
	CHECK(n && ids[n - 1] == 100, "newest id %llu, want 100",
	      n ? (unsigned long long)ids[n - 1] : 0ull);
	for (size_t i = 1; i < n; i++)
		CHECK(ids[i] == ids[i - 1] + 1, "ids not contiguous at %zu", i);
	for (size_t i = 0; i < n; i++)
		blob__put(out[i]);
	for (int i = 0; i < 700; i++)
		state__push_update(st, json_pack("{s:i}", "n", i));
	n = state__updates_after(st, 0, out, ids, 700);
	CHECK(n == 600, "kept %zu small updates, want 600", n);
	CHECK(n && ids[0] == 201 && ids[n - 1] == 800, "ids %llu..%llu, want 201..800",
	      n ? (unsigned long long)ids[0] : 0ull, n ? (unsigned long long)ids[n - 1] : 0ull);
	for (size_t i = 0; i < n; i++)
		blob__put(out[i]);
out:
	free(big);
	state__free(st);
}

static int hook_calls;

static int fake_filters(void *ctx, json_t *body, char *err, size_t errlen)
{
	hook_calls++;
	if (!json_is_array(json_object_get(body, "pids"))) {
		snprintf(err, errlen, "pids must be an array");
		return -EINVAL;
	}
	*(int *)ctx = (int)json_array_size(json_object_get(body, "pids"));
	return 0;
}

/* POST /api/v1/filters with a JSON body; extra header lines in `extra`. */
static int post_filters(const char *extra, const char *body, char *resp, size_t max)
{
	char req[1024];

	snprintf(req, sizeof(req),
		 "POST /api/v1/filters HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n%sContent-Length: %zu\r\n"
		 "Connection: close\r\n\r\n%s",
		 port, extra, strlen(body), body);
	roundtrip(req, resp, max);
	return status_of(resp);
}

static void test_filters_need_admin_role(void)
{
	struct state *st = state__new();
	int npids = -1, st_code;
	struct web_hooks hooks = { .ctx = &npids, .set_filters = fake_filters };
	struct web *w = start_cfg(st, &hooks, "tok", "adm", 0);
	char resp[8192], hdr[256];

	CHECK(w != NULL, "server start");
	if (!w)
		goto out;
	hook_calls = 0;
	st_code = post_filters("Content-Type: application/json\r\n", "{\"pids\":[1]}", resp,
			       sizeof(resp));
	CHECK(st_code == 401 && hook_calls == 0, "no token: want 401 and no call, got %d, %d calls",
	      st_code, hook_calls);
	st_code = post_filters("Authorization: Bearer tok\r\nContent-Type: application/json\r\n",
			       "{\"pids\":[1]}", resp, sizeof(resp));
	CHECK(st_code == 403 && hook_calls == 0, "read token: want 403, got %d, %d calls", st_code,
	      hook_calls);
	st_code = post_filters("Authorization: Bearer adm\r\nContent-Type: text/plain\r\n",
			       "{\"pids\":[1]}", resp, sizeof(resp));
	CHECK(st_code == 415 && hook_calls == 0, "text/plain: want 415, got %d, %d calls", st_code,
	      hook_calls);
	st_code = post_filters("Authorization: Bearer adm\r\nContent-Type: application/json\r\n"
			       "Origin: http://evil.example\r\n",
			       "{\"pids\":[1]}", resp, sizeof(resp));
	CHECK(st_code == 403 && hook_calls == 0, "foreign Origin: want 403, got %d, %d calls",
	      st_code, hook_calls);
	snprintf(hdr, sizeof(hdr),
		 "Authorization: Bearer adm\r\nContent-Type: application/json; charset=utf-8\r\n"
		 "Origin: http://127.0.0.1:%d\r\n",
		 port);
	st_code = post_filters(hdr, "{\"pids\":[1,2,3]}", resp, sizeof(resp));
	CHECK(st_code == 200 && npids == 3 && hook_calls == 1,
	      "admin, same Origin: want 200 and 3 pids, got %d, %d pids", st_code, npids);
	/* the URL is no place for a token */
	snprintf(
		hdr, sizeof(hdr),
		"POST /api/v1/filters?access_token=adm HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
		"Content-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}",
		port);
	roundtrip(hdr, resp, sizeof(resp));
	CHECK(status_of(resp) == 401 && hook_calls == 1, "query token: want 401, got %d",
	      status_of(resp));
	roundtrip("GET /api/v1/summary?access_token=tok HTTP/1.1\r\nConnection: close\r\n\r\n",
		  resp, sizeof(resp));
	CHECK(status_of(resp) == 401, "query token on a read: want 401, got %d", status_of(resp));
	st_code = post_filters("Authorization: Bearer adm\r\nContent-Type: application/json\r\n",
			       "{\"pids\":1}", resp, sizeof(resp));
	CHECK(st_code == 400 && strstr(body_of(resp), "pids must be an array"),
	      "invalid: want 400 with the hook's message, got %s", resp);
	roundtrip("GET /healthz HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n", resp,
		  sizeof(resp));
	CHECK(status_of(resp) == 200, "healthz, no token, any Host: want 200, got %d",
	      status_of(resp));
	roundtrip(
		"GET /api/v1/filters HTTP/1.1\r\nHost: evil.example:80\r\nAuthorization: Bearer tok\r\n"
		"Connection: close\r\n\r\n",
		resp, sizeof(resp));
	CHECK(status_of(resp) == 421, "foreign Host on a read: want 421, got %d", status_of(resp));
	snprintf(hdr, sizeof(hdr),
		 "GET /api/v1/filters HTTP/1.1\r\nHost: localhost:%d\r\n"
		 "Authorization: Bearer adm\r\nConnection: close\r\n\r\n",
		 port);
	roundtrip(hdr, resp, sizeof(resp));
	CHECK(status_of(resp) != 421 && status_of(resp) != 401,
	      "localhost:PORT on loopback, admin token reads: got %d", status_of(resp));
out:
	web__free(w);
	state__free(st);
}

/* Without an admin token a loopback listener lets local, same-site callers
 * change state (the old behaviour for `curl 127.0.0.1`), never another site. */
static void test_filters_loopback_without_admin_token(void)
{
	struct state *st = state__new();
	int npids = -1, st_code;
	struct web_hooks hooks = { .ctx = &npids, .set_filters = fake_filters };
	struct web *w = start(st, &hooks, NULL);
	char resp[8192];

	CHECK(w != NULL, "server start");
	if (!w)
		goto out;
	hook_calls = 0;
	st_code = post_filters("Content-Type: application/json\r\n", "{\"pids\":[7]}", resp,
			       sizeof(resp));
	CHECK(st_code == 200 && npids == 1, "loopback, no Origin: want 200, got %d", st_code);
	st_code = post_filters("Content-Type: text/plain\r\nOrigin: http://evil.example\r\n",
			       "{\"pids\":[]}", resp, sizeof(resp));
	CHECK(st_code == 403 && hook_calls == 1, "text/plain from evil.example: want 403, got %d",
	      st_code);
	st_code = post_filters("Content-Type: application/json\r\nOrigin: null\r\n",
			       "{\"pids\":[]}", resp, sizeof(resp));
	CHECK(st_code == 403 && hook_calls == 1, "Origin null: want 403, got %d", st_code);
out:
	web__free(w);
	state__free(st);
}

/* A refusal is decided from the head: the answer comes before the body is
 * sent (the client has sent only the head of a 60 KB POST). */
static void test_refused_before_body(void)
{
	struct state *st = state__new();
	struct web_hooks hooks = { .ctx = NULL, .set_filters = fake_filters };
	struct web *w = start(st, &hooks, "tok");
	const char *head = "POST /api/v1/filters HTTP/1.1\r\nContent-Type: application/json\r\n"
			   "Content-Length: 60000\r\n\r\n";
	char resp[4096] = "";
	ssize_t r;
	int fd;

	CHECK(w != NULL, "server start");
	if (!w)
		goto out;
	fd = connect_port(port);
	CHECK(fd >= 0 && write(fd, head, strlen(head)) > 0, "send the head");
	r = read(fd, resp, sizeof(resp) - 1); /* 3 s receive timeout */
	resp[r > 0 ? r : 0] = '\0';
	CHECK(r > 0 && status_of(resp) == 401, "want 401 before any body byte, got '%.40s'", resp);
	close(fd);
out:
	web__free(w);
	state__free(st);
}

/* Bodies are reserved when their heads pass: past the budget, 503 at once. */
static void test_body_budget(void)
{
	struct state *st = state__new();
	struct web_hooks hooks = { .ctx = NULL, .set_filters = fake_filters };
	struct web *w = start_cfg(st, &hooks, NULL, "adm", 64 * 1024);
	const char *head = "POST /api/v1/filters HTTP/1.1\r\nAuthorization: Bearer adm\r\n"
			   "Content-Type: application/json\r\nContent-Length: 40000\r\n\r\n";
	char resp[4096] = "";
	ssize_t r;
	int a, b;

	CHECK(w != NULL, "server start");
	if (!w)
		goto out;
	a = connect_port(port);
	CHECK(a >= 0 && write(a, head, strlen(head)) > 0, "first head");
	usleep(200 * 1000); /* the first reservation is made */
	b = connect_port(port);
	CHECK(b >= 0 && write(b, head, strlen(head)) > 0, "second head");
	r = read(b, resp, sizeof(resp) - 1);
	resp[r > 0 ? r : 0] = '\0';
	CHECK(status_of(resp) == 503, "40 KB + 40 KB over a 64 KiB budget: want 503, got '%.40s'",
	      resp);
	CHECK(strstr(resp, "Retry-After: 1\r\n") != NULL, "503 says when to retry: %s", resp);
	close(a);
	close(b);
out:
	web__free(w);
	state__free(st);
}

/* The end of an HTTP/1.1 head is searched for from where the last search
 * stopped (less the 3 bytes a split CRLFCRLF needs), however the head
 * arrives: a 16 KB head sent one byte per write costs at most 4 looks per
 * byte, where searching from the start at every read costs ~n^2/2. */
static void test_h1_head_search_is_linear(void)
{
	struct state *st = state__new();
	struct web *w = start(st, NULL, NULL);
	char head[17000], resp[4096] = "";
	size_t n = 0;
	uint64_t before, scanned;
	ssize_t r;
	int fd, one = 1;

	CHECK(w != NULL, "server start");
	if (!w)
		goto out;
	n += (size_t)snprintf(head, sizeof(head), "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n",
			      port);
	while (n < 16 * 1024)
		n += (size_t)snprintf(head + n, sizeof(head) - n, "X-%05zu: v\r\n", n);
	n += (size_t)snprintf(head + n, sizeof(head) - n, "Connection: close\r\n\r\n");
	before = w->stats.h1_scan_bytes;
	fd = connect_port(port);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	for (size_t i = 0; i < n; i++) {
		if (write(fd, head + i, 1) != 1)
			break;
		if (i % 64 == 0)
			usleep(50); /* let the server read small pieces */
	}
	r = read(fd, resp, sizeof(resp) - 1);
	resp[r > 0 ? r : 0] = '\0';
	close(fd);
	scanned = w->stats.h1_scan_bytes - before; /* the answer came: the server is done */
	CHECK(status_of(resp) == 200, "16 KB head byte by byte: want 200, got '%.40s'", resp);
	CHECK(scanned <= 4 * n,
	      "searched %llu bytes for a %zu-byte head, want at most %zu (4 per byte)",
	      (unsigned long long)scanned, n, 4 * n);
out:
	web__free(w);
	state__free(st);
}

static struct web *fake_web(void)
{
	struct web *w = calloc(1, sizeof(*w));

	if (w)
		config_defaults(&w->cfg);
	return w;
}

static void test_host_and_origin_rules(void)
{
	struct web *w = fake_web();
	struct web_conn lo = { .local = "127.0.0.1:9090", .local_loopback = true };
	struct web_conn lan = { .local = "10.1.2.3:9090" };

	CHECK(w != NULL, "alloc");
	if (!w)
		return;
	CHECK(web_host_allowed(w, &lo, "127.0.0.1:9090"), "own address");
	CHECK(web_host_allowed(w, &lo, "localhost:9090") &&
		      web_host_allowed(w, &lo, "LocalHost:9090"),
	      "localhost on loopback");
	CHECK(web_host_allowed(w, &lo, "[::1]:9090"), "[::1] on loopback");
	CHECK(web_host_allowed(w, &lo, ""), "no Host at all (not a browser)");
	CHECK(!web_host_allowed(w, &lo, "127.0.0.1:9091"), "other port");
	CHECK(!web_host_allowed(w, &lo, "127.0.0.1"), "no port means 80");
	CHECK(!web_host_allowed(w, &lo, "evil.example:9090"), "rebinding name");
	CHECK(!web_host_allowed(w, &lo, "evil.example"), "rebinding name, port 80");
	CHECK(!web_host_allowed(w, &lo, "127.0.0.1:9090@evil"), "junk");
	CHECK(web_host_allowed(w, &lan, "10.1.2.3:9090"), "LAN address");
	CHECK(!web_host_allowed(w, &lan, "localhost:9090"), "localhost on a LAN listener");
	snprintf(w->cfg.web_allowed_hosts[0], CFG_STR, "hostlens.example");
	snprintf(w->cfg.web_allowed_hosts[1], CFG_STR, "node-1.example:8443");
	w->cfg.n_web_allowed_hosts = 2;
	CHECK(web_host_allowed(w, &lan, "HOSTLENS.example") &&
		      web_host_allowed(w, &lan, "hostlens.example:1"),
	      "allowed name, any port");
	CHECK(web_host_allowed(w, &lan, "node-1.example:8443") &&
		      !web_host_allowed(w, &lan, "node-1.example:9090"),
	      "allowed name:port, that port only");

	CHECK(web_origin_allowed(w, &lo, "127.0.0.1:9090", ""), "no Origin");
	CHECK(web_origin_allowed(w, &lo, "127.0.0.1:9090", "http://127.0.0.1:9090"), "same origin");
	CHECK(web_origin_allowed(w, &lo, "localhost:9090", "http://localhost:9090"),
	      "same origin by name");
	CHECK(!web_origin_allowed(w, &lo, "127.0.0.1:9090", "http://evil.example"), "other site");
	CHECK(!web_origin_allowed(w, &lo, "127.0.0.1:9090", "http://127.0.0.1:9091"), "other port");
	CHECK(!web_origin_allowed(w, &lo, "127.0.0.1:9090", "null"), "opaque origin");
	CHECK(!web_origin_allowed(w, &lo, "127.0.0.1:9090", "http://127.0.0.1:9090/x"),
	      "path in Origin");
	CHECK(web_origin_allowed(w, &lan, "10.1.2.3:9090", "https://hostlens.example"),
	      "allowed name");
	snprintf(w->cfg.web_allowed_hosts[2], CFG_STR, "*");
	w->cfg.n_web_allowed_hosts = 3;
	CHECK(web_host_allowed(w, &lan, "anything.example"), "'*' allows any Host");
	CHECK(!web_origin_allowed(w, &lan, "anything.example", "http://evil.example"),
	      "'*' never allows another site's Origin");
	free(w);
}

static void test_auth_roles(void)
{
	struct web *w = fake_web();
	const char *h;

	CHECK(w != NULL, "alloc");
	if (!w)
		return;
	h = "Bearer x";
	CHECK(web_auth_role(w, h, strlen(h)) == WEB_ROLE_READ, "no tokens: open read");
	CHECK(web_auth_role(w, NULL, 0) == WEB_ROLE_READ, "no tokens, no header: open read");
	snprintf(w->cfg.auth_token, CFG_STR, "tok");
	snprintf(w->cfg.admin_token, CFG_STR, "adm");
	h = "Bearer tok";
	CHECK(web_auth_role(w, h, strlen(h)) == WEB_ROLE_READ, "read token");
	h = "bearer   adm ";
	CHECK(web_auth_role(w, h, strlen(h)) == WEB_ROLE_ADMIN, "admin token (scheme any case)");
	h = "Bearer tokx";
	CHECK(web_auth_role(w, h, strlen(h)) == WEB_ROLE_NONE, "longer token");
	h = "Bearer to";
	CHECK(web_auth_role(w, h, strlen(h)) == WEB_ROLE_NONE, "prefix of the token");
	h = "Basic dG9r";
	CHECK(web_auth_role(w, h, strlen(h)) == WEB_ROLE_NONE, "other scheme");
	CHECK(web_auth_role(w, NULL, 0) == WEB_ROLE_NONE, "no header");
	free(w);
}

static void test_stop_is_bounded(void)
{
	struct state *st = state__new();
	struct web *w = start(st, NULL, NULL);
	struct timespec a, b;
	int idle[8];

	CHECK(w != NULL, "server start");
	if (!w)
		goto out;
	for (int i = 0; i < 8; i++)
		idle[i] = connect_port(port);
	usleep(100 * 1000);
	clock_gettime(CLOCK_MONOTONIC, &a);
	web__free(w);
	clock_gettime(CLOCK_MONOTONIC, &b);
	double took = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;

	CHECK(took < 1.0, "web__free took %.2f s with idle clients", took);
	char c;

	CHECK(read(idle[0], &c, 1) == 0, "client sees the close");
	for (int i = 0; i < 8; i++)
		close(idle[i]);
out:
	state__free(st);
}

static void test_query_get(void)
{
	char v[32];

	CHECK(web_query_get("metric=cpu_pct&since=5", "since", v, sizeof(v)) && !strcmp(v, "5"),
	      "since: %s", v);
	CHECK(web_query_get("metricx=1&metric=a%2Fb+c", "metric", v, sizeof(v)) &&
		      !strcmp(v, "a/b c"),
	      "decoded: %s", v);
	CHECK(!web_query_get("metric=1", "since", v, sizeof(v)), "absent key found");
	CHECK(!web_query_get("", "x", v, sizeof(v)), "empty query");
	CHECK(web_query_get("x=%zz", "x", v, sizeof(v)) && !strcmp(v, "%zz"), "bad escape: %s", v);
	CHECK(web_query_get("x=123456789", "x", v, 4) && !strcmp(v, "123"), "truncated: %s", v);
}

static const char *const mode_topics[] = { "fleet/hosts", NULL };

static int mode_get(void *ctx, const char *path, const char *query, json_t **doc)
{
	(void)ctx;
	if (strcmp(path, "/api/v1/fleet/hosts/a/series"))
		return 0;
	*doc = json_pack("{s:s}", "query", query);
	return 200;
}

/* Another mode (hostlens fleet) through the same server: its topics instead
 * of the agent's (served, and what /readyz waits for), its page at "/", its
 * GET hook for other /api/v1 paths behind the same read role. */
static void test_mode_hooks(void)
{
	struct web_hooks hooks = { .topics = mode_topics, .index = "/fleet.html", .get = mode_get };
	struct state *st = state__new();
	struct web *w = start(st, &hooks, "tok");
	char resp[65536];

	CHECK(w != NULL, "server start");
	if (!w)
		goto out;
	state__set_ready(st, true);
	state__publish_text(st, "metrics", "x 1\n", 4);
	roundtrip("GET /readyz HTTP/1.1\r\nConnection: close\r\n\r\n", resp, sizeof(resp));
	CHECK(status_of(resp) == 503, "readyz before the mode's topic: %d", status_of(resp));
	state__publish(st, "fleet/hosts", json_pack("{s:i}", "n", 3));
	roundtrip("GET /readyz HTTP/1.1\r\nConnection: close\r\n\r\n", resp, sizeof(resp));
	CHECK(status_of(resp) == 200, "readyz with the mode's topics only: %d", status_of(resp));
	roundtrip("GET / HTTP/1.1\r\nConnection: close\r\n\r\n", resp, sizeof(resp));
	CHECK(status_of(resp) == 200 && strstr(body_of(resp), "hostlens fleet"),
	      "the mode's page at /");
	roundtrip(
		"GET /api/v1/fleet/hosts HTTP/1.1\r\nAuthorization: Bearer tok\r\nConnection: close\r\n\r\n",
		resp, sizeof(resp));
	CHECK(status_of(resp) == 200 && !strcmp(body_of(resp), "{\"n\":3}"), "topic: %s", resp);
	roundtrip(
		"GET /api/v1/summary HTTP/1.1\r\nAuthorization: Bearer tok\r\nConnection: close\r\n\r\n",
		resp, sizeof(resp));
	CHECK(status_of(resp) == 404, "the agent's topics are not served: %d", status_of(resp));
	roundtrip(
		"GET /api/v1/fleet/hosts/a/series?metric=m HTTP/1.1\r\nAuthorization: Bearer tok\r\n"
		"Connection: close\r\n\r\n",
		resp, sizeof(resp));
	CHECK(status_of(resp) == 200 && !strcmp(body_of(resp), "{\"query\":\"metric=m\"}"),
	      "hook: %s", resp);
	roundtrip(
		"GET /api/v1/fleet/hosts/b/series HTTP/1.1\r\nAuthorization: Bearer tok\r\nConnection: close\r\n\r\n",
		resp, sizeof(resp));
	CHECK(status_of(resp) == 404, "not the hook's: %d", status_of(resp));
	roundtrip("GET /api/v1/fleet/hosts/a/series HTTP/1.1\r\nConnection: close\r\n\r\n", resp,
		  sizeof(resp));
	CHECK(status_of(resp) == 401, "the hook behind the read role: %d", status_of(resp));
out:
	web__free(w);
	state__free(st);
}

int main(void)
{
	RUN(test_mode_hooks);
	RUN(test_busy_port_fails_at_new);
	RUN(test_bad_listen_spec);
	RUN(test_topic_503_then_exact_blob);
	RUN(test_sse_resume_ids);
	RUN(test_update_ring_bounded);
	RUN(test_filters_need_admin_role);
	RUN(test_filters_loopback_without_admin_token);
	RUN(test_refused_before_body);
	RUN(test_body_budget);
	RUN(test_h1_head_search_is_linear);
	RUN(test_host_and_origin_rules);
	RUN(test_auth_roles);
	RUN(test_stop_is_bounded);
	RUN(test_query_get);
	CHECK_DONE();
}
