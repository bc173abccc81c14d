// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* HTTP data minimization: what a captured request target and headers become. */
#include <errno.h>
#include <string.h>

#include "check.h"
#include "user/config.h"
#include "user/redact.h"

static struct redact *make(bool keep_query, const char *const *res)
{
	static struct config cfg;

	config_defaults(&cfg);
	cfg.http_keep_query = keep_query;
	for (; res && *res; res++)
		strcpy(cfg.redact_segments[cfg.n_redact++], *res);
	return redact__new(&cfg);
}

static const char *path(struct redact *r, const char *t)
{
	static char out[256];
	int n = redact__path(r, t, strlen(t), out, sizeof(out));

	return n < 0 ? "(error)" : out;
}

static const char *const ids[] = { "^[0-9]+$", "^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$",
				   "^tok_", NULL };

static void query_string_removed_by_default(void)
{
	struct redact *r = make(false, NULL);

	CHECK(r, "redact__new: %s", strerror(errno));
	CHECK(!strcmp(path(r, "/login?user=bob&password=hunter2"), "/login"), "got %s",
	      path(r, "/login?user=bob&password=hunter2"));
	CHECK(!strcmp(path(r, "/a/b?"), "/a/b"), "got %s", path(r, "/a/b?"));
	CHECK(!strcmp(path(r, "/a#frag"), "/a"), "got %s", path(r, "/a#frag"));
	CHECK(!strcmp(path(r, "/?q=1"), "/"), "got %s", path(r, "/?q=1"));
	CHECK(!strcmp(path(r, "?q=1"), "/"), "got %s", path(r, "?q=1"));
	redact__free(r);
}

static void query_kept_when_asked_but_not_fragment(void)
{
	struct redact *r = make(true, NULL);

	CHECK(!strcmp(path(r, "/search?q=ebpf&page=2#top"), "/search?q=ebpf&page=2"), "got %s",
	      path(r, "/search?q=ebpf&page=2#top"));
	redact__free(r);
}

static void matching_segments_redacted(void)
{
	struct redact *r = make(false, ids);

	CHECK(r, "three valid regexes compile");
	CHECK(!strcmp(path(r, "/api/users/12345/orders/987?x=1"), "/api/users/:redacted/orders/:redacted"),
	      "got %s", path(r, "/api/users/12345/orders/987?x=1"));
	CHECK(!strcmp(path(r, "/v1/items/0f8fad5b-d9cb-469f-a165-70867728950e"), "/v1/items/:redacted"),
	      "got %s", path(r, "/v1/items/0f8fad5b-d9cb-469f-a165-70867728950e"));
	CHECK(!strcmp(path(r, "/reset/tok_abc123/confirm"), "/reset/:redacted/confirm"), "got %s",
	      path(r, "/reset/tok_abc123/confirm"));
	/* anchored regexes: a segment that only contains digits is kept */
	CHECK(!strcmp(path(r, "/v2/abc123/x"), "/v2/abc123/x"), "got %s", path(r, "/v2/abc123/x"));
	CHECK(!strcmp(path(r, "/"), "/"), "got %s", path(r, "/"));
	CHECK(!strcmp(path(r, "/a/"), "/a/"), "got %s", path(r, "/a/"));
	redact__free(r);
}

static void no_regexes_keep_segments(void)
{
	struct redact *r = make(false, NULL);

	CHECK(!strcmp(path(r, "/api/users/12345"), "/api/users/12345"), "got %s",
	      path(r, "/api/users/12345"));
	redact__free(r);
}

static void matrix_params_and_userinfo_dropped(void)
{
	struct redact *r = make(true, ids);

	CHECK(!strcmp(path(r, "/shop;jsessionid=ABCDEF/cart;v=2?x=1"), "/shop/cart?x=1"), "got %s",
	      path(r, "/shop;jsessionid=ABCDEF/cart;v=2?x=1"));
	CHECK(!strcmp(path(r, "http://alice:s3cret@proxy.example:8080/api/42?k=v"), "/api/:redacted?k=v"),
	      "absolute form keeps the path only; got %s",
	      path(r, "http://alice:s3cret@proxy.example:8080/api/42?k=v"));
	CHECK(!strcmp(path(r, "https://example.com"), "/"), "got %s", path(r, "https://example.com"));
	CHECK(!strcmp(path(r, "*"), "*"), "OPTIONS * kept; got %s", path(r, "*"));
	redact__free(r);
}

static void long_segment_always_redacted(void)
{
	struct redact *r = make(false, NULL);
	char t[400];

	strcpy(t, "/files/");
	memset(t + 7, 'a', 300);
	strcpy(t + 307, "/meta");
	CHECK(!strcmp(path(r, t), "/files/:redacted/meta"), "got %.40s", path(r, t));
	redact__free(r);
}

static void truncation_never_splits_the_mark(void)
{
	struct redact *r = make(false, ids);
	char out[16];
	int n;

	n = redact__path(r, "/abcdef/12345/xyz", 17, out, sizeof(out));
	/* "/abcdef/" fits, ":redacted" (9) would need 17 bytes: stop before it */
	CHECK(n == 8 && !strcmp(out, "/abcdef/"), "got %d '%s'", n, out);
	n = redact__path(r, "", 0, out, sizeof(out));
	CHECK(n == -EINVAL && out[0] == '\0', "empty target: got %d", n);
	/* not NUL-terminated input: only len bytes are read */
	n = redact__path(r, "/abc/999XXXX", 8, out, sizeof(out));
	CHECK(n == 14 && !strcmp(out, "/abc/:redacted"), "got %d '%s'", n, out);
	redact__free(r);
}

static void bad_regex_refused(void)
{
	static const char *const bad[] = { "^[0-9+$", NULL };
	struct redact *r = make(false, bad);

	CHECK(!r && errno == EINVAL, "NULL and EINVAL, got %p errno %d", (void *)r, errno);
}

static void referer_reduced_to_origin(void)
{
	char out[128];
	int n;

	n = redact_url_origin("https://www.Google.com/search?q=secret+thing", 44, out, sizeof(out));
	CHECK(n > 0 && !strcmp(out, "https://www.google.com"), "got %d '%s'", n, out);
	n = redact_url_origin("http://bob:pw@intranet:8080/x", 29, out, sizeof(out));
	CHECK(n > 0 && !strcmp(out, "http://intranet:8080"), "got %d '%s'", n, out);
	n = redact_url_origin("android-app://com.example.app", 29, out, sizeof(out));
	CHECK(n > 0 && !strcmp(out, "android-app://com.example.app"), "got %d '%s'", n, out);
	n = redact_url_origin("/relative/path", 14, out, sizeof(out));
	CHECK(n == -EINVAL, "relative is not an origin; got %d", n);
	n = redact_url_origin("https://", 8, out, sizeof(out));
	CHECK(n == -EINVAL, "no host; got %d", n);
	n = redact_url_origin("https://very-long-host.example.com/", 35, out, 12);
	CHECK(n == -ENOSPC && out[0] == '\0', "too small: got %d '%s'", n, out);
}

static void credential_headers_never_kept(void)
{
	CHECK(redact_header_is_secret("Authorization", 13), "Authorization");
	CHECK(redact_header_is_secret("COOKIE", 6), "Cookie, any case");
	CHECK(redact_header_is_secret("set-cookie", 10), "Set-Cookie");
	CHECK(redact_header_is_secret("Proxy-Authorization: x", 19), "length-bounded name");
	CHECK(!redact_header_kept("Authorization", 13), "Authorization never kept");
	CHECK(!redact_header_kept("Cookie", 6), "Cookie never kept");
	CHECK(!redact_header_kept("X-Forwarded-For", 15), "unlisted headers are not read");
	CHECK(redact_header_kept("Referer", 7), "Referer is read (origin only)");
	CHECK(redact_header_kept(":path", 5), "h2 :path");
	CHECK(redact_header_kept("HOST", 4), "Host");
	CHECK(!redact_header_kept("Hos", 3), "prefix of a kept name is not kept");
}

int main(void)
{
	RUN(query_string_removed_by_default);
	RUN(query_kept_when_asked_but_not_fragment);
	RUN(matching_segments_redacted);
	RUN(no_regexes_keep_segments);
	RUN(matrix_params_and_userinfo_dropped);
	RUN(long_segment_always_redacted);
	RUN(truncation_never_splits_the_mark);
	RUN(bad_regex_refused);
	RUN(referer_reduced_to_origin);
	RUN(credential_headers_never_kept);
	CHECK_DONE();
}
