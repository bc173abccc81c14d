// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * HTTP/1.x head parsing for captured bytes, and route templating. Pure
 * functions over (buf, len): safe on any input, used by the processor thread.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "user/http/httpparse.h"

static const char *const methods[] = {
	"GET", "POST", "PUT", "HEAD", "DELETE", "PATCH", "OPTIONS", "CONNECT", "TRACE", NULL,
};

/* RFC 9110 token characters */
static const unsigned char tchar[256] = {
	['!'] = 1, ['#'] = 1, ['$'] = 1, ['%'] = 1,	    ['&'] = 1,	       ['\''] = 1,
	['*'] = 1, ['+'] = 1, ['-'] = 1, ['.'] = 1,	    ['^'] = 1,	       ['_'] = 1,
	['`'] = 1, ['|'] = 1, ['~'] = 1, ['0' ... '9'] = 1, ['A' ... 'Z'] = 1, ['a' ... 'z'] = 1,
};

static bool is_tchar(char c)
{
	return tchar[(unsigned char)c];
}

/* Finds "\r\n" in [p, end); NULL when absent. */
static const char *find_crlf(const char *p, const char *end)
{
	while (p + 1 < end) {
		const char *cr = memchr(p, '\r', (size_t)(end - p - 1));

		if (!cr)
			return NULL;
		if (cr[1] == '\n')
			return cr;
		p = cr + 1;
	}
	return NULL;
}

static void copy_bounded(char *dst, size_t dstlen, const char *src, size_t n)
{
	if (n >= dstlen)
		n = dstlen - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* "1.x" after "HTTP/": 0 and the minor digit, or -1. */
static int parse_version(const char *p, const char *end)
{
	if (end - p < 8 || memcmp(p, "HTTP/1.", 7) || p[7] < '0' || p[7] > '9')
		return -1;
	return p[7] - '0';
}

static int64_t parse_length(const char *v, size_t n)
{
	int64_t x = 0;

	if (!n || n > 18)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -1;
		x = x * 10 + (v[i] - '0');
	}
	return x;
}

/*
 * Walks header lines from p. Calls fn for each complete "name: value" line
 * (value trimmed). Returns true when the empty line ending the head was seen.
 */
static bool walk_headers(const char *p, const char *end,
			 void (*fn)(void *ctx, const char *name, size_t nlen, const char *val,
				    size_t vlen),
			 void *ctx)
{
	while (p < end) {
		const char *eol = find_crlf(p, end), *colon, *v, *ve;

		if (!eol)
			return false; /* cut off: ignore the partial line */
		if (eol == p)
			return true;
		colon = memchr(p, ':', (size_t)(eol - p));
		if (!colon || colon == p)
			return false; /* not a header line: stop, keep what we have */
		for (const char *q = p; q < colon; q++)
			if (!is_tchar(*q))
				return false;
		v = colon + 1;
		ve = eol;
		while (v < ve && (*v == ' ' || *v == '\t'))
			v++;
		while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
			ve--;
		for (const char *q = v; q < ve; q++)
			if ((unsigned char)*q < 0x20 && *q != '\t')
				return false;
		fn(ctx, p, (size_t)(colon - p), v, (size_t)(ve - v));
		p = eol + 2;
	}
	return false;
}

static void req_header(void *ctx, const char *name, size_t nlen, const char *val, size_t vlen)
{
	struct http_request *r = ctx;

	/* Authorization and Cookie are never looked at, let alone kept */
	if (nlen == 4 && !strncasecmp(name, "host", 4))
		copy_bounded(r->host, sizeof(r->host), val, vlen);
	else if (nlen == 7 && !strncasecmp(name, "referer", 7))
		copy_bounded(r->referer, sizeof(r->referer), val, vlen);
	else if (nlen == 14 && !strncasecmp(name, "content-length", 14))
		r->content_length = parse_length(val, vlen);
	else if (nlen == 10 && !strncasecmp(name, "user-agent", 10))
		r->ua = traffic_ua_class(val, vlen);
}

int http_parse_request(const char *buf, size_t len, bool keep_query, struct http_request *out)
{
	const char *end = buf + len, *p = buf, *sp1, *sp2, *eol, *t, *te, *cut;
	int i;

	memset(out, 0, sizeof(*out));
	out->content_length = -1;
	out->ua = UA_UNKNOWN;
	eol = find_crlf(buf, end);
	if (!eol)
		return -EINVAL;
	sp1 = memchr(p, ' ', (size_t)(eol - p));
	if (!sp1 || sp1 == p || sp1 - p >= HTTP_METHOD_MAX)
		return -EINVAL;
	for (i = 0; methods[i]; i++)
		if ((size_t)(sp1 - p) == strlen(methods[i]) &&
		    !memcmp(p, methods[i], (size_t)(sp1 - p)))
			break;
	if (!methods[i])
		return -EINVAL;
	t = sp1 + 1;
	sp2 = memchr(t, ' ', (size_t)(eol - t));
	if (!sp2 || sp2 == t)
		return -EINVAL;
	out->version_minor = parse_version(sp2 + 1, eol);
	if (out->version_minor < 0 || sp2 + 9 != eol)
		return -EINVAL;
	for (const char *q = t; q < sp2; q++)
		if ((unsigned char)*q <= 0x20 || (unsigned char)*q >= 0x7f)
			return -EINVAL;
	memcpy(out->method, p, (size_t)(sp1 - p));
	te = sp2;
	/* absolute-form (proxies): keep the path only */
	if (te - t > 7 &&
	    (!strncasecmp(t, "http://", 7) || (te - t > 8 && !strncasecmp(t, "https://", 8)))) {
		const char *host = t + (t[4] == ':' ? 7 : 8);
		const char *slash = memchr(host, '/', (size_t)(te - host));

		t = slash ? slash : te;
	}
	cut = memchr(t, '#', (size_t)(te - t));
	if (cut)
		te = cut;
	if (!keep_query) {
		cut = memchr(t, '?', (size_t)(te - t));
		if (cut)
			te = cut;
	}
	if (t == te) {
		out->path[0] = t < sp2 && *t == '*' ? '*' : '/';
		out->path[1] = '\0';
	} else {
		out->path_truncated = (size_t)(te - t) >= sizeof(out->path);
		copy_bounded(out->path, sizeof(out->path), t, (size_t)(te - t));
	}
	out->head_complete = walk_headers(eol + 2, end, req_header, out);
	return 0;
}

static void resp_header(void *ctx, const char *name, size_t nlen, const char *val, size_t vlen)
{
	struct http_response *r = ctx;

	if (nlen == 14 && !strncasecmp(name, "content-length", 14))
		r->content_length = parse_length(val, vlen);
}

int http_parse_response(const char *buf, size_t len, struct http_response *out)
{
	const char *end = buf + len;
	const char *eol = find_crlf(buf, end);

	memset(out, 0, sizeof(*out));
	out->content_length = -1;
	/* the status line may be cut off after the code: "HTTP/1.1 200" is enough */
	if (len < 12)
		return -EINVAL;
	out->version_minor = parse_version(buf, end);
	if (out->version_minor < 0 || buf[8] != ' ')
		return -EINVAL;
	for (int i = 9; i < 12; i++)
		if (buf[i] < '0' || buf[i] > '9')
			return -EINVAL;
	out->status = (buf[9] - '0') * 100 + (buf[10] - '0') * 10 + (buf[11] - '0');
	if (out->status < 100 || out->status > 599)
		return -EINVAL;
	if (len > 12 && buf[12] != ' ' && buf[12] != '\r')
		return -EINVAL;
	if (eol)
		walk_headers(eol + 2, end, resp_header, out);
	return 0;
}

/* ---- route templating ---- */

static bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool is_uuid(const char *s, size_t n)
{
	if (n != 36)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return false;
		} else if (!is_hex(s[i])) {
			return false;
		}
	}
	return true;
}

/* The placeholder for one segment, or NULL to keep it as it is. */
static const char *segment_kind(const char *s, size_t n)
{
	size_t digits = 0, hex = 0, upper = 0, lower = 0, tok = 0;

	if (!n)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		digits += c >= '0' && c <= '9';
		hex += is_hex(c);
		upper += c >= 'A' && c <= 'Z';
		lower += c >= 'a' && c <= 'z';
		tok += (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		       c == '-' || c == '_' || c == '=' || c == '+' || c == '.' || c == '~';
	}
	if (digits == n)
		return ":id";
	if (is_uuid(s, n))
		return ":uuid";
	if (hex == n && (n >= 16 || (n >= 8 && digits && digits < n)))
		return ":hex";
	if (tok == n && digits && (upper || lower) && ((n >= 20 && upper && lower) || n >= 32))
		return ":token";
	return NULL;
}

size_t http_route_template(const char *path, char *out, size_t outlen)
{
	size_t o = 0;
	const char *p = path;

	if (!outlen)
		return 0;
	out[0] = '\0';
	while (*p && o + 1 < outlen) {
		const char *seg, *kind;
		size_t n;

		if (*p == '/') {
			out[o++] = '/';
			p++;
			continue;
		}
		seg = p;
		while (*p && *p != '/')
			p++;
		n = (size_t)(p - seg);
		kind = segment_kind(seg, n);
		if (kind) {
			seg = kind;
			n = strlen(kind);
		}
		if (o + n >= outlen)
			n = outlen - 1 - o;
		memcpy(out + o, seg, n);
		o += n;
	}
	out[o] = '\0';
	return o;
}
