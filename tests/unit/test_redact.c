// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* HTTP data minimization: what a captured request target and headers become. */
#include <errno.h>
#include <string.h>

#include "tests/unit/check.h"
#include "user/runtime/config.h"
#include "user/http/redact.h"

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
	CHECK(!strcmp(path(r, "/api/users/12345/orders/987?x=1"),
		      "/api/users/:redacted/orders/:redacted"),
	      "got %s", path(r, "/api/users/12345/orders/987?x=1"));
	CHECK(!strcmp(path(r, "/v1/items/0f8fad5b-d9cb-469f-a165-70867728950e"),
		      "/v1/items/:redacted"),
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
	CHECK(!strcmp(path(r, "http://alice:s3cret@proxy.example:8080/api/42?k=v"),
		      "/api/:redacted?k=v"),
	      "absolute form keeps the path only; got %s",
	      path(r, "http://alice:s3cret@proxy.example:8080/api/42?k=v"));
	CHECK(!strcmp(path(r, "https://example.com"), "/"), "got %s",
	      path(r, "https://example.com"));
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

#define JWT                                                                                 \
	"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4g" \
	"RG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"

/* Each path must come out as want with no regex configured: the built-in
 * detectors are on by default. */
static void expect_paths(struct redact *r, const char *const (*c)[2], size_t n)
{
	for (size_t i = 0; i < n; i++)
		CHECK(!strcmp(path(r, c[i][0]), c[i][1]), "'%s': want '%s', got '%s'", c[i][0],
		      c[i][1], path(r, c[i][0]));
}

static void jwt_in_path_redacted_by_default(void)
{
	static const char *const c[][2] = {
		{ "/api/session/" JWT "/info", "/api/session/:redacted/info" },
		/* "alg":"none": the signature after the second dot is empty */
		{ "/t/eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZG1pbiJ9./x", "/t/:redacted/x" },
		/* inside a segment, not the whole of it */
		{ "/auth/token=eyJhbGciOiJub25lIn0.eyJ1IjoiYiJ9.c2ln", "/auth/:redacted" },
		/* a dotted name that is no JWT */
		{ "/static/app.min.js", "/static/app.min.js" },
		{ "/eyJ/only.one", "/eyJ/only.one" },
	};
	struct redact *r = make(false, NULL);

	expect_paths(r, c, sizeof(c) / sizeof(c[0]));
	redact__free(r);
}

static void email_in_path_redacted_by_default(void)
{
	static const char *const c[][2] = {
		{ "/users/alice@example.com/orders", "/users/:redacted/orders" },
		{ "/users/bob.smith%40mail.example.co.uk", "/users/:redacted" },
		{ "/u/x+tag@sub.example.org", "/u/:redacted" },
		/* handles and local names are not addresses */
		{ "/@alice/posts", "/@alice/posts" },
		{ "/users/bob@localhost", "/users/bob@localhost" },
		{ "/v/a@b.c", "/v/a@b.c" },
	};
	struct redact *r = make(false, NULL);

	expect_paths(r, c, sizeof(c) / sizeof(c[0]));
	redact__free(r);
}

static void long_hex_and_base64_tokens_redacted_by_default(void)
{
	static const char *const c[][2] = {
		{ "/reset/0123456789abcdef0123456789ABCDEF", "/reset/:redacted" }, /* 32 hex */
		{ "/dl/file-da39a3ee5e6b4b0d3255bfef95601890afd80709.tar.gz", "/dl/:redacted" },
		{ "/c/0123456789abcdef0123456789abcde",
		  "/c/0123456789abcdef0123456789abcde" }, /* 31 */
		{ "/s/Qm9iJ3MgcmFuZG9tIHRva2Vu1X9z", "/s/:redacted" },
		{ "/s/aB3dE6gH9jK2mN5pQ8sT1vW4", "/s/:redacted" },		/* 24, mixed */
		{ "/s/aB3dE6gH9jK2mN5pQ8sT1vW", "/s/aB3dE6gH9jK2mN5pQ8sT1vW" }, /* 23 */
		/* words: no digits, no upper case, or short words between dashes */
		{ "/api/v1/listAllUserAccountsByRegion", "/api/v1/listAllUserAccountsByRegion" },
		{ "/blog/getting-started-with-ebpf-in-2024",
		  "/blog/getting-started-with-ebpf-in-2024" },
		{ "/blog/How-To-Configure-Nginx-Proxy-In-2024",
		  "/blog/How-To-Configure-Nginx-Proxy-In-2024" },
		{ "/v2/abc123/x", "/v2/abc123/x" },
	};
	struct redact *r = make(false, NULL);

	expect_paths(r, c, sizeof(c) / sizeof(c[0]));
	redact__free(r);
}

static void api_keys_redacted_by_default(void)
{
	static const char *const c[][2] = {
		{ "/hook/sk_live_4eC39HqLyjWDarjtT1zdp7dc", "/hook/:redacted" },
		{ "/hook/sk_test_abcdefghij", "/hook/:redacted" },
		{ "/aws/AKIAIOSFODNN7EXAMPLE/x", "/aws/:redacted/x" },
		{ "/aws/ASIAY34FZKBOKMUTVV7A", "/aws/:redacted" },
		{ "/gh/ghp_abcdefghijklmnopqrstuvwxyz0123456789", "/gh/:redacted" },
		{ "/slack/xoxb-123456789012-abcdefghij", "/slack/:redacted" },
		{ "/slack/xoxp-1234567890", "/slack/:redacted" },
		{ "/maps/AIzaSyA-abcdefghijklmnopqrstuvwxyz01234", "/maps/:redacted" },
		/* a prefix without a key after it is a word */
		{ "/docs/sk_live_keys", "/docs/sk_live_keys" },
		{ "/docs/AKIA-format", "/docs/AKIA-format" },
	};
	struct redact *r = make(false, NULL);

	expect_paths(r, c, sizeof(c) / sizeof(c[0]));
	redact__free(r);
}

static void secret_query_values_redacted_when_query_kept(void)
{
	struct redact *r = make(true, NULL);
	const char *t = "/cb?code=ok&token=" JWT "&email=bob%40example.com&page=2";

	CHECK(!strcmp(path(r, t), "/cb?code=ok&token=:redacted&email=:redacted&page=2"), "got %s",
	      path(r, t));
	CHECK(!strcmp(path(r, "/q?" JWT), "/q?:redacted"), "a bare value: got %s",
	      path(r, "/q?" JWT));
	CHECK(!strcmp(path(r, "/q?a&&b=&"), "/q?a&&b=&"), "empty pieces kept: got %s",
	      path(r, "/q?a&&b=&"));
	redact__free(r);
}

static void non_ascii_path_bytes_made_utf8(void)
{
	struct redact *r = make(false, NULL);
	const char t[] = "/caf\xc3\xa9/x\xffy/\x01";

	CHECK(!strcmp(path(r, t), "/caf\xc3\xa9/x\\xFFy/\\x01"), "got %s", path(r, t));
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
	RUN(jwt_in_path_redacted_by_default);
	RUN(email_in_path_redacted_by_default);
	RUN(long_hex_and_base64_tokens_redacted_by_default);
	RUN(api_keys_redacted_by_default);
	RUN(secret_query_values_redacted_when_query_kept);
	RUN(non_ascii_path_bytes_made_utf8);
	RUN(bad_regex_refused);
	RUN(referer_reduced_to_origin);
	RUN(credential_headers_never_kept);
	CHECK_DONE();
}
