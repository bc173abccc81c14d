/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Strict, bounded HTTP/1.x parsing of the head bytes captured in BPF, and
 * route templating. Never reads past len, never allocates (except
 * http_route_rules__new), never keeps Authorization or Cookie values.
 */
#ifndef HOSTLENS_HTTPPARSE_H
#define HOSTLENS_HTTPPARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HTTP_METHOD_MAX 16
#define HTTP_PATH_MAX 256
#define HTTP_HOST_MAX 128
#define HTTP_REFERER_MAX 256
#define HTTP_ROUTE_MAX 256

enum http_ua_class {
	HTTP_UA_NONE = 0,	/* no User-Agent header (or not captured) */
	HTTP_UA_BROWSER,
	HTTP_UA_BOT,		/* crawlers, spiders, monitors */
	HTTP_UA_CLI,		/* curl, wget, httpie */
	HTTP_UA_LIBRARY,	/* language HTTP clients (python-requests, Go-http-client, ...) */
	HTTP_UA_OTHER,
};

struct http_request {
	char method[HTTP_METHOD_MAX];
	char path[HTTP_PATH_MAX];	/* query removed unless keep_query */
	int version_minor;		/* HTTP/1.x */
	char host[HTTP_HOST_MAX];	/* "" when absent or cut off */
	char referer[HTTP_REFERER_MAX];
	int64_t content_length;		/* -1 when absent */
	enum http_ua_class ua;
	bool path_truncated;		/* the target was longer than HTTP_PATH_MAX */
	bool head_complete;		/* the empty line ending the head was captured */
};

struct http_response {
	int version_minor;
	int status;
	int64_t content_length;		/* -1 when absent or cut off */
};

/*
 * Parses a request head. 0 when at least a valid request line was found;
 * -EINVAL when the bytes are not an HTTP/1.x request line (garbage, a line
 * cut off before " HTTP/1.x\r\n", an unknown method, control characters).
 */
int http_parse_request(const char *buf, size_t len, bool keep_query, struct http_request *out);

/* Parses a response head; 0, or -EINVAL when the status line is not valid. */
int http_parse_response(const char *buf, size_t len, struct http_response *out);

/* Classifies a User-Agent value. */
enum http_ua_class http_ua_classify(const char *ua, size_t len);
const char *http_ua_name(enum http_ua_class c);

/* Route templating rules: built-in id/uuid/hex/token folding plus the
 * user's --redact-segment regular expressions. */
struct http_route_rules;

/* NULL + errno (EINVAL with a message in err for a bad expression). */
struct http_route_rules *http_route_rules__new(char (*redact)[64], int n, char *err, size_t errlen);
void http_route_rules__free(struct http_route_rules *r);

/*
 * Writes the route of path into out: each segment that looks like an id
 * becomes ":id" (digits), ":uuid", ":hex" (long hex) or ":token" (long
 * base64-ish), or ":redacted" when a redact rule matches. r may be NULL.
 * Returns the length written (out is always NUL-terminated).
 */
size_t http_route_template(const struct http_route_rules *r, const char *path, char *out,
			   size_t outlen);

#endif
