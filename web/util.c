// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Small helpers the web files share (routes.c, sse.c and both protocols):
 * decimal numbers without printf, query-string values. Below everything
 * else in web/: calls nothing of it.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "web/web_int.h"

size_t web_u64_str(char *buf, uint64_t v)
{
	char tmp[24];
	size_t n = 0, i;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	buf[n] = '\0';
	return n;
}

static int hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* Finds key=value in an application/x-www-form-urlencoded query, decoded. */
bool web_query_get(const char *query, const char *key, char *out, size_t outlen)
{
	size_t klen = strlen(key);
	const char *p = query;

	while (p && *p) {
		const char *amp = strchr(p, '&');
		const char *end = amp ? amp : p + strlen(p);

		if ((size_t)(end - p) > klen && !strncmp(p, key, klen) && p[klen] == '=') {
			size_t n = 0;

			for (const char *s = p + klen + 1; s < end && n + 1 < outlen; s++) {
				if (*s == '%' && s + 2 < end && hexval(s[1]) >= 0 &&
				    hexval(s[2]) >= 0) {
					out[n++] = (char)(hexval(s[1]) * 16 + hexval(s[2]));
					s += 2;
				} else {
					out[n++] = *s == '+' ? ' ' : *s;
				}
			}
			out[n] = '\0';
			return true;
		}
		p = amp ? amp + 1 : NULL;
	}
	return false;
}
