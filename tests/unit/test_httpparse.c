// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* HTTP/1.x head parser and route templating (user/http/httpparse.c). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/check.h"
#include "user/http/httpparse.h"

#define S(x) x, sizeof(x) - 1

static void request_line_and_headers(void)
{
	struct http_request r;
	const char req[] =
		"GET /users/42?token=secret HTTP/1.1\r\nHost: shop.example\r\n"
		"User-Agent: Mozilla/5.0 (X11; Linux x86_64)\r\nReferer: https://www.google.com/\r\n"
		"Authorization: Bearer abc\r\nCookie: sid=xyz\r\nContent-Length: 17\r\n\r\n";

	CHECK(http_parse_request(S(req), false, &r) == 0, "valid request rejected");
	CHECK(!strcmp(r.method, "GET"), "method GET, got '%s'", r.method);
	CHECK(!strcmp(r.path, "/users/42"), "query removed: '/users/42', got '%s'", r.path);
	CHECK(r.version_minor == 1, "HTTP/1.1, got minor %d", r.version_minor);
	CHECK(!strcmp(r.host, "shop.example"), "host, got '%s'", r.host);
	CHECK(!strcmp(r.referer, "https://www.google.com/"), "referer, got '%s'", r.referer);
	CHECK(r.content_length == 17, "content-length 17, got %lld", (long long)r.content_length);
	CHECK(r.ua == UA_BROWSER, "browser UA, got %s", traffic_ua_name(r.ua));
	CHECK(r.head_complete, "head end seen");
	/* nothing of the credentials may be anywhere in the parsed struct */
	CHECK(!memmem(&r, sizeof(r), "Bearer", 6) && !memmem(&r, sizeof(r), "sid=xyz", 7) &&
		      !memmem(&r, sizeof(r), "secret", 6),
	      "credentials or query kept");
}

static void keep_query_flag(void)
{
	struct http_request r;

	CHECK(http_parse_request(S("GET /a/b?x=1#frag HTTP/1.0\r\n\r\n"), true, &r) == 0,
	      "rejected");
	CHECK(!strcmp(r.path, "/a/b?x=1"), "query kept, fragment dropped: got '%s'", r.path);
	CHECK(r.version_minor == 0, "HTTP/1.0");
	CHECK(http_parse_request(S("GET /?x=1 HTTP/1.1\r\n\r\n"), false, &r) == 0 &&
		      !strcmp(r.path, "/"),
	      "'/?x=1' -> '/', got '%s'", r.path);
}

static void methods_and_forms(void)
{
	static const char *const ok[] = {
		"POST", "PUT", "HEAD", "DELETE", "PATCH", "OPTIONS", NULL
	};
	struct http_request r;
	char buf[128];

	for (int i = 0; ok[i]; i++) {
		int n = snprintf(buf, sizeof(buf), "%s /x HTTP/1.1\r\nHost: h\r\n\r\n", ok[i]);

		CHECK(http_parse_request(buf, (size_t)n, false, &r) == 0 &&
			      !strcmp(r.method, ok[i]),
		      "method %s", ok[i]);
	}
	CHECK(http_parse_request(S("GET http://example.com/p/q?z HTTP/1.1\r\n\r\n"), false, &r) ==
			      0 &&
		      !strcmp(r.path, "/p/q"),
	      "absolute-form -> path '/p/q', got '%s'", r.path);
	CHECK(http_parse_request(S("GET https://example.com HTTP/1.1\r\n\r\n"), false, &r) == 0 &&
		      !strcmp(r.path, "/"),
	      "absolute-form without path -> '/', got '%s'", r.path);
	CHECK(http_parse_request(S("OPTIONS * HTTP/1.1\r\n\r\n"), false, &r) == 0 &&
		      !strcmp(r.path, "*"),
	      "asterisk-form, got '%s'", r.path);
}

static void garbage_rejected(void)
{
	static const char *const bad[] = {
		"",
		"GET",
		"GET / HTTP/1.1", /* no CRLF: cut off */
		"GET /half-request HTT",
		"get / HTTP/1.1\r\n\r\n", /* methods are case-sensitive */
		"FOO / HTTP/1.1\r\n\r\n",
		"GET  / HTTP/1.1\r\n\r\n", /* empty target */
		"GET / HTTP/2.0\r\n\r\n",
		"GET / HTTP/1.1 x\r\n\r\n",
		"GET /a\x01b HTTP/1.1\r\n\r\n",
		"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
		"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",
		NULL,
	};
	struct http_request r;
	char line[300];

	for (int i = 0; bad[i]; i++)
		CHECK(http_parse_request(bad[i], strlen(bad[i]), false, &r) == -EINVAL,
		      "accepted bad[%d]", i);
	/* a 10 KB request line cut at the 256 captured bytes */
	memcpy(line, "GET /", 5);
	memset(line + 5, 'a', sizeof(line) - 5);
	CHECK(http_parse_request(line, 256, false, &r) == -EINVAL, "cut request line accepted");
	/* random bytes: never a crash, never a request */
	srand(42);
	for (int k = 0; k < 2000; k++) {
		size_t n = (size_t)(rand() % 256);

		for (size_t i = 0; i < n; i++)
			line[i] = (char)rand();
		if (http_parse_request(line, n, false, &r) == 0)
			CHECK(r.method[0] && r.path[0],
			      "random bytes parsed into an empty request");
	}
}

static void partial_headers(void)
{
	struct http_request r;

	/* the capture ends inside the Referer line: keep what is complete */
	CHECK(http_parse_request(S("GET / HTTP/1.1\r\nHost: a.b\r\nReferer: https://x"), false,
				 &r) == 0,
	      "rejected");
	CHECK(!strcmp(r.host, "a.b") && !r.referer[0] && !r.head_complete,
	      "host kept, partial referer dropped: host '%s' referer '%s'", r.host, r.referer);
	CHECK(http_parse_request(S("GET / HTTP/1.1\r\nno colon here\r\nHost: a\r\n\r\n"), false,
				 &r) == 0 &&
		      !r.host[0],
	      "headers after a bad line are not trusted");
}

static void responses(void)
{
	struct http_response s;

	CHECK(http_parse_response(S("HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\n"), &s) ==
			      0 &&
		      s.status == 404 && s.content_length == 9,
	      "404 with length, got %d %lld", s.status, (long long)s.content_length);
	CHECK(http_parse_response(S("HTTP/1.0 500"), &s) == 0 && s.status == 500,
	      "cut after the code");
	CHECK(http_parse_response(S("HTTP/1.1 20 OK\r\n"), &s) == -EINVAL,
	      "2-digit status accepted");
	CHECK(http_parse_response(S("HTTP/1.1 700 X\r\n"), &s) == -EINVAL, "status 700 accepted");
	CHECK(http_parse_response(S("HTTP/2 200\r\n"), &s) == -EINVAL, "HTTP/2 accepted");
	CHECK(http_parse_response(S("HTTP/1.1 2000\r\n"), &s) == -EINVAL,
	      "4-digit status accepted");
}

static void user_agent_class(void)
{
	struct http_request r;

	CHECK(http_parse_request(S("GET / HTTP/1.1\r\nUser-Agent: curl/7.88.1\r\n\r\n"), false,
				 &r) == 0 &&
		      r.ua == UA_CLI,
	      "curl is a command-line client, got %s", traffic_ua_name(r.ua));
	CHECK(http_parse_request(S("GET / HTTP/1.1\r\nHost: a\r\n\r\n"), false, &r) == 0 &&
		      r.ua == UA_UNKNOWN,
	      "no User-Agent: unknown, got %s", traffic_ua_name(r.ua));
}

static void route(const char *path, const char *want)
{
	char out[HTTP_ROUTE_MAX];

	http_route_template(path, out, sizeof(out));
	CHECK(!strcmp(out, want), "route of '%s': want '%s', got '%s'", path, want, out);
}

static void routes_template(void)
{
	route("/users/123", "/users/:id");
	route("/users/456", "/users/:id");
	route("/users/123/orders/9", "/users/:id/orders/:id");
	route("/o/550e8400-e29b-41d4-a716-446655440000", "/o/:uuid");
	route("/blob/deadbeefcafebabe0011", "/blob/:hex");
	route("/c/a1b2c3d4", "/c/:hex");
	route("/t/eyJhbGciOiJIUzI1NiJ9aBcD", "/t/:token");
	route("/static/app.js", "/static/app.js");
	route("/about-us/", "/about-us/");
	route("/", "/");
	route("/api/v1/items", "/api/v1/items");
	route("/accessibility", "/accessibility"); /* words are not hex */
}

static void routes_bounds(void)
{
	char out[16], big[600];

	http_route_template("/abcdefghijklmnopqrstuvwxyz", out, sizeof(out));
	CHECK(strlen(out) == sizeof(out) - 1, "bounded output, got %zu", strlen(out));
	memset(big, 'x', sizeof(big) - 1);
	big[0] = '/';
	big[sizeof(big) - 1] = '\0';
	http_route_template(big, out, sizeof(out));
	CHECK(strlen(out) == sizeof(out) - 1, "bounded output for a long path");
}

int main(void)
{
	RUN(request_line_and_headers);
	RUN(keep_query_flag);
	RUN(methods_and_forms);
	RUN(garbage_rejected);
	RUN(partial_headers);
	RUN(responses);
	RUN(user_agent_class);
	RUN(routes_template);
	RUN(routes_bounds);
	CHECK_DONE();
}
