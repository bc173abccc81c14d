// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * HTTP data minimization (redact.h). Works on bounded buffers the caller
 * owns; no allocation after redact__new. The regexes are compiled once;
 * regexec on a compiled POSIX regex is safe from several threads.
 */
#include <errno.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "redact.h"

/* A segment at least this long is replaced whatever the regexes say: paths
 * carry ids and tokens, not 256-character words. */
#define REDACT_SEG_MAX 256

struct redact {
	bool keep_query;
	int n;
	regex_t re[CFG_MAX_REDACT];
};

struct redact *redact__new(const struct config *cfg)
{
	struct redact *r = calloc(1, sizeof(*r));
	int i;

	if (!r)
		return NULL;
	r->keep_query = cfg->http_keep_query;
	for (i = 0; i < cfg->n_redact && i < CFG_MAX_REDACT; i++) {
		if (regcomp(&r->re[i], cfg->redact_segments[i], REG_EXTENDED | REG_NOSUB)) {
			r->n = i;
			redact__free(r);
			errno = EINVAL;
			return NULL;
		}
	}
	r->n = i;
	return r;
}

void redact__free(struct redact *r)
{
	if (!r)
		return;
	for (int i = 0; i < r->n; i++)
		regfree(&r->re[i]);
	free(r);
}

static bool seg_redacted(const struct redact *r, const char *s, size_t len)
{
	char buf[REDACT_SEG_MAX];

	if (len >= sizeof(buf))
		return true;
	if (!r || !r->n || !len)
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	for (int i = 0; i < r->n; i++)
		if (regexec(&r->re[i], buf, 0, NULL, 0) == 0)
			return true;
	return false;
}

/* Length of "scheme://" at the start of s, or 0. */
static size_t scheme_len(const char *s, size_t len)
{
	size_t i = 0;

	if (!len || !((s[0] | 0x20) >= 'a' && (s[0] | 0x20) <= 'z'))
		return 0;
	while (i < len && (((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'z') ||
			   (s[i] >= '0' && s[i] <= '9') || s[i] == '+' || s[i] == '-' || s[i] == '.'))
		i++;
	if (i + 3 <= len && s[i] == ':' && s[i + 1] == '/' && s[i + 2] == '/')
		return i + 3;
	return 0;
}

/* Appends [s, s+n) if it fits whole. */
static bool put(char *out, size_t outlen, size_t *w, const char *s, size_t n)
{
	if (*w + n >= outlen)
		return false;
	memcpy(out + *w, s, n);
	*w += n;
	return true;
}

int redact__path(const struct redact *r, const char *target, size_t len, char *out, size_t outlen)
{
	const char *p = target, *end = target + len, *path_end, *q = NULL;
	size_t w = 0, sl;

	if (!outlen)
		return -EINVAL;
	out[0] = '\0';
	if (!len)
		return -EINVAL;
	if (len == 1 && *p == '*') {
		put(out, outlen, &w, "*", 1);
		out[w] = '\0';
		return (int)w;
	}
	/* absolute form: drop scheme, userinfo and host; the path remains */
	sl = scheme_len(p, len);
	if (sl) {
		p += sl;
		while (p < end && *p != '/' && *p != '?' && *p != '#')
			p++;
	}
	for (path_end = p; path_end < end && *path_end != '?' && *path_end != '#'; path_end++)
		;
	if (path_end < end && *path_end == '?')
		q = path_end;

	if (p == path_end || *p != '/')
		put(out, outlen, &w, "/", 1);
	while (p < path_end) {
		const char *s, *e, *semi;

		if (*p == '/') {
			if (!put(out, outlen, &w, "/", 1))
				goto done;
			p++;
		}
		s = p;
		for (e = s; e < path_end && *e != '/'; e++)
			;
		p = e;
		/* ";jsessionid=..." and other matrix parameters never kept */
		semi = memchr(s, ';', (size_t)(e - s));
		if (semi)
			e = semi;
		if (seg_redacted(r, s, (size_t)(e - s))) {
			if (!put(out, outlen, &w, REDACT_MARK, sizeof(REDACT_MARK) - 1))
				goto done;
		} else if (!put(out, outlen, &w, s, (size_t)(e - s))) {
			goto done;
		}
	}
	if (q && r && r->keep_query) {
		const char *qe = memchr(q, '#', (size_t)(end - q));
		size_t n = (size_t)((qe ? qe : end) - q);

		if (w + n >= outlen)
			n = outlen - 1 - w;
		put(out, outlen, &w, q, n);
	}
done:
	out[w] = '\0';
	return (int)w;
}

int redact_url_origin(const char *url, size_t len, char *out, size_t outlen)
{
	size_t sl = scheme_len(url, len), w = 0;
	const char *h, *he, *at;

	if (!outlen)
		return -EINVAL;
	out[0] = '\0';
	if (!sl)
		return -EINVAL;
	h = url + sl;
	for (he = h; he < url + len && *he != '/' && *he != '?' && *he != '#'; he++)
		;
	/* userinfo (user:password@) is never kept */
	at = memrchr(h, '@', (size_t)(he - h));
	if (at)
		h = at + 1;
	if (h == he)
		return -EINVAL;
	if (!put(out, outlen, &w, url, sl) || !put(out, outlen, &w, h, (size_t)(he - h))) {
		out[0] = '\0';
		return -ENOSPC;
	}
	for (size_t i = 0; i < w; i++)
		if (out[i] >= 'A' && out[i] <= 'Z')
			out[i] |= 0x20;
	out[w] = '\0';
	return (int)w;
}

static bool in_list(const char *const *list, const char *name, size_t len)
{
	for (; *list; list++)
		if (strlen(*list) == len && !strncasecmp(*list, name, len))
			return true;
	return false;
}

bool redact_header_is_secret(const char *name, size_t len)
{
	static const char *const secret[] = {
		"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key",
		"x-auth-token", "x-amz-security-token", NULL,
	};

	return in_list(secret, name, len);
}

bool redact_header_kept(const char *name, size_t len)
{
	static const char *const kept[] = {
		"host", "referer", "user-agent", "content-type", "content-length", ":method",
		":path", ":status", ":authority", ":scheme", NULL,
	};

	return !redact_header_is_secret(name, len) && in_list(kept, name, len);
}
