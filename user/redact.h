/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Captured HTTP data minimization. What the HTTP path keeps of a request is
 * the method, a route, the status, byte counts, timings and the origin of the
 * Referer; never bodies, never query strings (unless --http-keep-query),
 * never credentials (Authorization, Cookie, Set-Cookie, userinfo in URLs,
 * ;jsessionid-style path parameters), and path segments matching the
 * --redact-segment regexes become ":redacted".
 *
 * A struct redact is built once from the config (regexes compiled once) and
 * then only read: several threads may use one concurrently.
 */
#ifndef HOSTLENS_REDACT_H
#define HOSTLENS_REDACT_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"

#define REDACT_MARK ":redacted"

struct redact;

/* Compiles cfg->redact_segments (POSIX extended, matched against one path
 * segment) and takes cfg->http_keep_query. NULL and errno (EINVAL for a bad
 * regex, ENOMEM) on failure. */
struct redact *redact__new(const struct config *cfg);
void redact__free(struct redact *r);

/*
 * Minimizes a request target (origin form "/a/b?q", absolute form
 * "http://user:pw@host/a/b?q", or "*") into out as a path: scheme, authority
 * and userinfo removed, query and fragment removed unless keep_query, every
 * ";param" removed from segments, matching segments replaced by ":redacted".
 * len is the target's length (need not be NUL-terminated). Returns the length
 * written (out NUL-terminated; truncated at outlen-1 when out is too small,
 * never inside a replaced segment), or -EINVAL for an empty target.
 */
int redact__path(const struct redact *r, const char *target, size_t len, char *out, size_t outlen);

/*
 * Reduces a URL (a Referer) to its origin "scheme://host[:port]", dropping
 * userinfo, path, query and fragment. Returns the length written or -EINVAL
 * when url has no scheme://host.
 */
int redact_url_origin(const char *url, size_t len, char *out, size_t outlen);

/* True for headers whose values are credentials and are never kept
 * (Authorization, Proxy-Authorization, Cookie, Set-Cookie, X-Api-Key,
 * X-Auth-Token, X-Amz-Security-Token). Case-blind; name need not be NUL-terminated. */
bool redact_header_is_secret(const char *name, size_t len);

/* True for the few headers the HTTP path may read at all (Host, Referer,
 * User-Agent, Content-Type, Content-Length, and the HTTP/2 pseudo-headers);
 * everything else is dropped unread. */
bool redact_header_kept(const char *name, size_t len);

#endif
