// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Kernel byte strings made safe to show (utf8.h). */
#include <stdint.h>

#include "user/lib/utf8.h"

/* Length (1-4) of the well-formed character at s (n bytes available, no
 * NUL among them), or 0 when s[0] does not begin one (RFC 3629 table 3-7). */
static size_t char_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t need;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		need = 2;
	else if (c >= 0xe0 && c <= 0xef)
		need = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		need = 4;
	else
		return 0; /* a continuation byte, an overlong lead, or above U+10FFFF */
	if (n < need)
		return 0;
	/* the second byte's range excludes overlongs, surrogates, > U+10FFFF */
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < need; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return need;
}

static bool is_control(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

/* Bytes before the first NUL, at most len. */
static size_t bounded_len(const char *s, size_t len)
{
	size_t n = 0;

	while (n < len && s[n])
		n++;
	return n;
}

/* The one walker: copies in[0..n) into out, escaping. */
static size_t escape(const char *in, size_t n, char *out, size_t outlen)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *s = (const unsigned char *)in;
	size_t i = 0, w = 0;

	if (!outlen)
		return 0;
	while (i < n) {
		size_t k = is_control(s[i]) ? 0 : char_len(s + i, n - i);
		char buf[4];
		size_t m = 0;

		if (!k) {
			buf[m++] = '\\';
			buf[m++] = 'x';
			buf[m++] = hex[s[i] >> 4];
			buf[m++] = hex[s[i] & 15];
			k = 1;
		} else {
			for (size_t j = 0; j < k; j++)
				buf[m++] = (char)s[i + j];
		}
		if (w + m >= outlen)
			break;
		for (size_t j = 0; j < m; j++)
			out[w++] = buf[j];
		i += k;
	}
	out[w] = '\0';
	return w;
}

size_t utf8_sanitize(const char *in, size_t len, char *out, size_t outlen)
{
	return escape(in, bounded_len(in, len), out, outlen);
}

bool utf8_is_clean(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n = bounded_len(s, len), i = 0;

	while (i < n) {
		size_t k = is_control(u[i]) ? 0 : char_len(u + i, n - i);

		if (!k)
			return false;
		i += k;
	}
	return true;
}

size_t utf8_char_len(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;

	return !n || is_control(u[0]) ? 0 : char_len(u, n);
}
