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

#include "user/http/traffic.h"

#define HTTP_METHOD_MAX 16
#define HTTP_PATH_MAX 256
#define HTTP_HOST_MAX 128
#define HTTP_REFERER_MAX 256
#define HTTP_ROUTE_MAX 256

struct http_request {
	char method[HTTP_METHOD_MAX];
	char path[HTTP_PATH_MAX]; /* query removed unless keep_query */
	int version_minor;	  /* HTTP/1.x */
	char host[HTTP_HOST_MAX]; /* "" when absent or cut off */
	char referer[HTTP_REFERER_MAX];
	int64_t content_length; /* -1 when absent */
	enum ua_class ua;	/* traffic_ua_class() of User-Agent; UA_UNKNOWN when absent */
	bool path_truncated;	/* the target was longer than HTTP_PATH_MAX */
	bool head_complete;	/* the empty line ending the head was captured */
};

struct http_response {
	int version_minor;
	int status;
	int64_t content_length; /* -1 when absent or cut off */
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

/*
 * Writes the route of path into out: each segment that looks like an id
 * becomes ":id" (digits), ":uuid", ":hex" (long hex) or ":token" (long
 * base64-ish). Redaction of configured segments happens before, on the
 * path (user/http/redact.h).
 * Returns the length written (out is always NUL-terminated).
 */
size_t http_route_template(const char *path, char *out, size_t outlen);

#endif
