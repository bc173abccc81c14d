/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Captured HTTP data minimization. What the HTTP path keeps of a request is
 * the method, a route, the status, byte counts, timings and the origin of the
 * Referer; never bodies, never query strings (unless --http-keep-query),
 * never credentials (Authorization, Cookie, Set-Cookie, userinfo in URLs,
 * ;jsessionid-style path parameters). Path segments that hold a secret
 * (redact_is_secret: always on) or match the --redact-segment regexes become
 * ":redacted", before route templating; so do the values of a kept query
 * that hold a secret. What is kept is text: other bytes that are not
 * printable ASCII come out as utf8.h says (valid UTF-8 kept, the rest \xHH).
 *
 * A struct redact is built once from the config (regexes compiled once) and
 * then only read: several threads may use one concurrently.
 */
#ifndef HOSTLENS_REDACT_H
#define HOSTLENS_REDACT_H

#include <stdbool.h>
#include <stddef.h>

#include "user/runtime/config.h"

#define REDACT_MARK ":redacted"

struct redact;

/* Compiles cfg->redact_segments (POSIX extended, matched against one path
 * segment) and takes cfg->http_keep_query. NULL and errno (EINVAL for a bad
 * regex, ENOMEM) on failure. */
struct redact *redact__new(const struct config *cfg);
void redact__free(struct redact *r);

/*
 * The built-in secret detectors, on s[0..len): true when it contains a JWT
 * ("eyJ" base64url "." base64url "."), an e-mail address (local@host.tld,
 * '@' also as %40), an API key (sk_live_/sk_test_/rk_live_/rk_test_, ghp_/
 * gho_/ghu_/ghs_/ghr_/github_pat_, xoxb-/xoxp-/xoxa-/xoxr-/xoxs-, glpat-
 * followed by 10 or more key characters; AKIA/ASIA + 16 [0-9A-Z]; AIza +
 * 35), 32 or more hex digits in a row, or a run of 24 or more base64url
 * characters mixing upper case, lower case and digits (at most one '-' or
 * '_' per 8 characters).
 */
bool redact_is_secret(const char *s, size_t len);

/*
 * Minimizes a request target (origin form "/a/b?q", absolute form
 * "http://user:pw@host/a/b?q", or "*") into out as a path: scheme, authority
 * and userinfo removed, query and fragment removed unless keep_query, every
 * ";param" removed from segments, segments holding a secret or matching a
 * regex replaced by ":redacted" (secret query values too), the rest made
 * valid UTF-8 (utf8.h).
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
