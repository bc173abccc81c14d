// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * HTTP data minimization (redact.h). Works on bounded buffers the caller
 * owns; no allocation after redact__new. The regexes are compiled once;
 * regexec on a compiled POSIX regex is safe from several threads.
 *
 * Cost: redact__path runs once per captured request, on the processor
 * thread. The built-in secret detectors are a few linear passes over each
 * segment (a segment is < 256 bytes), cheaper than one regexec.
 */
#include <errno.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "user/http/redact.h"
#include "user/lib/utf8.h"

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

/* ---- built-in secret detectors ---- */

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_b64url(char c)
{
	return is_alpha(c) || is_digit(c) || c == '-' || c == '_';
}

static bool is_hex(char c)
{
	return is_digit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
}

/* Length of the base64url run at s[i..n). */
static size_t b64url_run(const char *s, size_t i, size_t n)
{
	size_t j = i;

	while (j < n && is_b64url(s[j]))
		j++;
	return j - i;
}

/* A JWT (JWS/JWE compact form): "eyJ" (base64 of '{"') and base64url, a dot,
 * base64url, a dot. The signature after the second dot may be empty. */
static bool has_jwt(const char *s, size_t n)
{
	for (size_t i = 0; i + 3 <= n; i++) {
		size_t j, k;

		if (memcmp(s + i, "eyJ", 3))
			continue;
		j = i + 3 + b64url_run(s, i + 3, n);
		if (j >= n || s[j] != '.')
			continue;
		k = j + 1 + b64url_run(s, j + 1, n);
		if (k > j + 1 && k < n && s[k] == '.')
			return true;
	}
	return false;
}

/* local@host.tld, the '@' also as "%40": a local-part character before it,
 * then dot-separated labels of letters, digits and '-' ending in a top-level
 * label of two letters or more. */
static bool has_email(const char *s, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		size_t j, label = 0, dots = 0;
		bool tld_alpha = true;
		char b = s[i - 1];

		if (s[i] == '@')
			j = i + 1;
		else if (s[i] == '%' && i + 2 < n && s[i + 1] == '4' && s[i + 2] == '0')
			j = i + 3;
		else
			continue;
		if (!is_alpha(b) && !is_digit(b) && (!b || !strchr("._%+-", b)))
			continue;
		for (; j < n; j++) {
			if (is_alpha(s[j]) || is_digit(s[j]) || s[j] == '-') {
				tld_alpha &= is_alpha(s[j]);
				label++;
			} else if (s[j] == '.' && label) {
				dots++;
				label = 0;
				tld_alpha = true;
			} else {
				break;
			}
		}
		if (dots && label >= 2 && tld_alpha)
			return true;
	}
	return false;
}

/* 32 hex digits in a row: a hash, an API secret, a session id. */
static bool has_hex_run(const char *s, size_t n)
{
	size_t run = 0;

	for (size_t i = 0; i < n; i++) {
		run = is_hex(s[i]) ? run + 1 : 0;
		if (run >= 32)
			return true;
	}
	return false;
}

/* A run of 24 base64url characters or more holding upper-case and lower-case
 * letters and digits, with at most one '-' or '_' per 8 characters (a
 * random token; a Title-Case-Slug-2024 has shorter words). s[0..n) is one
 * whole run. */
static bool is_token_run(const char *s, size_t n)
{
	size_t up = 0, lo = 0, dig = 0, sep = 0;

	if (n < 24)
		return false;
	for (size_t j = 0; j < n; j++) {
		up += s[j] >= 'A' && s[j] <= 'Z';
		lo += s[j] >= 'a' && s[j] <= 'z';
		dig += is_digit(s[j]);
		sep += s[j] == '-' || s[j] == '_';
	}
	return up && lo && dig && sep * 8 <= n;
}

/* Well-known API key shapes in s[0..n), one whole base64url run: a vendor
 * prefix and enough key characters. */
static bool has_api_key(const char *s, size_t n)
{
	static const struct {
		const char *p;
		size_t len;
	} prefixes[] = {
#define P(x) { x, sizeof(x) - 1 }
		P("sk_live_"), P("sk_test_"),	 P("rk_live_"), P("rk_test_"), /* Stripe */
		P("ghp_"),     P("gho_"),	 P("ghu_"),	P("ghs_"),
		P("ghr_"),     P("github_pat_"), /* GitHub */
		P("xoxb-"),    P("xoxp-"),	 P("xoxa-"),	P("xoxr-"),
		P("xoxs-"),  /* Slack */
		P("glpat-"), /* GitLab */
#undef P
	};

	for (size_t i = 0; i + 14 <= n; i++) {
		switch (s[i]) {
		case 's':
		case 'r':
		case 'g':
		case 'x':
			for (size_t k = 0; k < sizeof(prefixes) / sizeof(prefixes[0]); k++)
				if (prefixes[k].p[0] == s[i] && prefixes[k].len + 10 <= n - i &&
				    !memcmp(s + i, prefixes[k].p, prefixes[k].len))
					return true; /* the rest of the run is the key */
			break;
		case 'A':
			/* AWS access key ids: AKIA (long-term) or ASIA (session) + 16 */
			if (i + 20 <= n &&
			    (!memcmp(s + i, "AKIA", 4) || !memcmp(s + i, "ASIA", 4))) {
				size_t j = i + 4;

				while (j < i + 20 &&
				       (is_digit(s[j]) || (s[j] >= 'A' && s[j] <= 'Z')))
					j++;
				if (j == i + 20)
					return true;
			}
			/* Google API keys: AIza + 35 */
			if (i + 39 <= n && !memcmp(s + i, "AIza", 4))
				return true;
			break;
		}
	}
	return false;
}

/* A run of base64url characters [s, s+n) long enough to hold a secret. */
static bool run_is_secret(const char *s, size_t n)
{
	return n >= 14 &&
	       (has_api_key(s, n) || is_token_run(s, n) || (n >= 32 && has_hex_run(s, n)));
}

/*
 * The detectors over s[0..len) in one pass; *clean tells whether every byte
 * is printable ASCII (what an HTTP parser lets through), so the caller can
 * copy the piece as it is.
 */
static bool secret_scan(const char *s, size_t len, bool *clean)
{
	static const bool b64[256] = {
		['0' ... '9'] = 1, ['A' ... 'Z'] = 1, ['a' ... 'z'] = 1, ['-'] = 1, ['_'] = 1,
	};
	size_t dots = 0, run = 0;
	bool at = false, all = true;

	/* keys, hex and tokens live inside one run of base64url characters;
	 * JWTs need two dots, addresses an '@' (or %40) */
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (b64[c]) {
			run++;
			continue;
		}
		if (run >= 14 && run_is_secret(s + i - run, run))
			goto secret;
		run = 0;
		all &= c > 0x20 && c < 0x7f;
		dots += c == '.';
		at |= c == '@' || c == '%';
	}
	*clean = all;
	if (run >= 14 && run_is_secret(s + len - run, run))
		return true;
	return (dots >= 2 && has_jwt(s, len)) || (at && has_email(s, len));
secret:
	*clean = false; /* not looked at to the end */
	return true;
}

bool redact_is_secret(const char *s, size_t len)
{
	bool clean;

	return secret_scan(s, len, &clean);
}

/* True when segment s[0..len) is to be replaced; *clean as secret_scan says. */
static bool seg_redacted(const struct redact *r, const char *s, size_t len, bool *clean)
{
	char buf[REDACT_SEG_MAX];

	*clean = false;
	if (len >= sizeof(buf))
		return true;
	if (secret_scan(s, len, clean))
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
	while (i < len &&
	       (((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
		s[i] == '+' || s[i] == '-' || s[i] == '.'))
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

/* Appends a kept piece of the target (n < REDACT_SEG_MAX) as text: unless
 * clean (all printable ASCII), bytes an HTTP parser would have refused come
 * out as utf8.h says. Whole or not at all. */
static bool put_text(char *out, size_t outlen, size_t *w, const char *s, size_t n, bool clean)
{
	char buf[UTF8_SAFE_SIZE(REDACT_SEG_MAX)];

	if (clean)
		return put(out, outlen, w, s, n);
	n = utf8_sanitize(s, n, buf, sizeof(buf));
	return put(out, outlen, w, buf, n);
}

/* Appends the query [q, end) (q at '?'): a value the secret detectors match
 * becomes REDACT_MARK (a piece of 256 bytes or more, name and all); a piece
 * that does not fit is cut (a mark never is). */
static void put_query(char *out, size_t outlen, size_t *w, const char *q, const char *end)
{
	if (!put(out, outlen, w, "?", 1))
		return;
	for (const char *p = q + 1; p < end;) {
		const char *e = memchr(p, '&', (size_t)(end - p)), *eq, *v;

		if (!e)
			e = end;
		eq = memchr(p, '=', (size_t)(e - p));
		v = eq ? eq + 1 : p;
		if ((size_t)(e - p) >= REDACT_SEG_MAX) {
			if (!put(out, outlen, w, REDACT_MARK, sizeof(REDACT_MARK) - 1))
				return;
		} else if (redact_is_secret(v, (size_t)(e - v))) {
			if (!put_text(out, outlen, w, p, (size_t)(v - p), false) ||
			    !put(out, outlen, w, REDACT_MARK, sizeof(REDACT_MARK) - 1))
				return;
		} else if (!put_text(out, outlen, w, p, (size_t)(e - p), false)) {
			/* what fits of a piece that holds no secret */
			*w += utf8_sanitize(p, (size_t)(e - p), out + *w, outlen - *w);
			return;
		}
		if (e < end && !put(out, outlen, w, "&", 1))
			return;
		p = e + 1;
	}
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
		bool clean;

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
		if (seg_redacted(r, s, (size_t)(e - s), &clean)) {
			if (!put(out, outlen, &w, REDACT_MARK, sizeof(REDACT_MARK) - 1))
				goto done;
		} else if (!put_text(out, outlen, &w, s, (size_t)(e - s), clean)) {
			goto done;
		}
	}
	if (q && r && r->keep_query) {
		const char *qe = memchr(q, '#', (size_t)(end - q));

		put_query(out, outlen, &w, q, qe ? qe : end);
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
		"authorization", "proxy-authorization",	 "cookie", "set-cookie", "x-api-key",
		"x-auth-token",	 "x-amz-security-token", NULL,
	};

	return in_list(secret, name, len);
}

bool redact_header_kept(const char *name, size_t len)
{
	static const char *const kept[] = {
		"host",		  "referer", "user-agent", "content-type",
		"content-length", ":method", ":path",	   ":status",
		":authority",	  ":scheme", NULL,
	};

	return !redact_header_is_secret(name, len) && in_list(kept, name, len);
}
