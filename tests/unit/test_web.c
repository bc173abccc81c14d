// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * DESIGN: unit tests of the web server in-process: this thread is the
 * client (blocking sockets on loopback), the server runs its own thread as
 * in the agent. Checks start-up errors, serving published blobs exactly,
 * readiness, the live stream's ids, the filters hook, auth, a bounded stop.
 */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "check.h"
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

static struct web *start(struct state *st, const struct web_hooks *hooks, const char *token)
{
	struct config cfg;
	char err[256];
	struct web *w = NULL;

	for (int i = 0; i < 20 && !w; i++) {
		port = 20000 + (getpid() * 7 + i * 131) % 30000;
		cfg_for(&cfg, port);
		if (token)
			snprintf(cfg.auth_token, sizeof(cfg.auth_token), "%s", token);
		w = web__new(&cfg, st, hooks, err, sizeof(err));
	}
	if (w && web__start(w)) {
		web__free(w);
		return NULL;
	}
	return w;
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
static const char *const all_topics[] = { "host", "cpu", "processes", "disks", "connections",
	"routes", "requests", "alerts", "stats", "filters", "breakdown" };

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
	CHECK(strstr(resp, "id: 2\ndata: {\"n\":1}\n\n") && strstr(resp, "id: 3\ndata: {\"n\":2}\n\n"),
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
	CHECK(n && ids[n - 1] == 100, "newest id %llu, want 100", n ? (unsigned long long)ids[n - 1] : 0ull);
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

static void test_filters_hook_and_auth(void)
{
	struct state *st = state__new();
	int npids = -1;
	struct web_hooks hooks = { .ctx = &npids, .set_filters = fake_filters };
	struct web *w = start(st, &hooks, "tok");
	char resp[8192];

	CHECK(w != NULL, "server start");
	if (!w)
		goto out;
	roundtrip("POST /api/v1/filters HTTP/1.1\r\nContent-Length: 12\r\nConnection: close\r\n\r\n{\"pids\":[1]}",
		  resp, sizeof(resp));
	CHECK(status_of(resp) == 401 && hook_calls == 0, "no token: %d, %d calls", status_of(resp),
	      hook_calls);
	roundtrip("POST /api/v1/filters HTTP/1.1\r\nAuthorization: Bearer tok\r\nContent-Length: 16\r\n"
		  "Connection: close\r\n\r\n{\"pids\":[1,2,3]}", resp, sizeof(resp));
	CHECK(status_of(resp) == 200 && npids == 3, "valid: %d, npids %d", status_of(resp), npids);
	roundtrip("POST /api/v1/filters?access_token=tok HTTP/1.1\r\nContent-Length: 10\r\n"
		  "Connection: close\r\n\r\n{\"pids\":1}", resp, sizeof(resp));
	CHECK(status_of(resp) == 400 && strstr(body_of(resp), "pids must be an array"),
	      "invalid: %s", resp);
	roundtrip("GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n", resp, sizeof(resp));
	CHECK(status_of(resp) == 200, "healthz without token: %d", status_of(resp));
out:
	web__free(w);
	state__free(st);
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
	      !strcmp(v, "a/b c"), "decoded: %s", v);
	CHECK(!web_query_get("metric=1", "since", v, sizeof(v)), "absent key found");
	CHECK(!web_query_get("", "x", v, sizeof(v)), "empty query");
	CHECK(web_query_get("x=%zz", "x", v, sizeof(v)) && !strcmp(v, "%zz"), "bad escape: %s", v);
	CHECK(web_query_get("x=123456789", "x", v, 4) && !strcmp(v, "123"), "truncated: %s", v);
}

int main(void)
{
	RUN(test_busy_port_fails_at_new);
	RUN(test_bad_listen_spec);
	RUN(test_topic_503_then_exact_blob);
	RUN(test_sse_resume_ids);
	RUN(test_update_ring_bounded);
	RUN(test_filters_hook_and_auth);
	RUN(test_stop_is_bounded);
	RUN(test_query_get);
	CHECK_DONE();
}
