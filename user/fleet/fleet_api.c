// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* The fleet view's own API paths (fleet_api.h). Runs on the web thread. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "user/fleet/fleet_api.h"
#include "user/fleet/fleet_read.h"

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' :
	       c >= 'a' && c <= 'f' ? c - 'a' + 10 :
	       c >= 'A' && c <= 'F' ? c - 'A' + 10 :
				      -1;
}

/* in[0..n) with %XX decoded into out; false when malformed, empty or too long. */
static bool unescape(const char *in, size_t n, char *out, size_t outlen)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		char c = in[i];

		if (o + 1 >= outlen)
			return false;
		if (c == '%') {
			int hi = i + 2 < n ? hexval(in[i + 1]) : -1;
			int lo = hi >= 0 ? hexval(in[i + 2]) : -1;

			if (lo < 0 || !(hi | lo))
				return false;
			c = (char)(hi * 16 + lo);
			i += 2;
		}
		out[o++] = c;
	}
	out[o] = '\0';
	return o > 0;
}

/* The value of key in a query string ("a=1&metric=x"), decoded. */
static bool query_get(const char *query, const char *key, char *out, size_t outlen)
{
	size_t klen = strlen(key);

	for (const char *p = query; p && *p;) {
		const char *amp = strchr(p, '&');
		size_t len = amp ? (size_t)(amp - p) : strlen(p);

		if (len > klen && !strncmp(p, key, klen) && p[klen] == '=')
			return unescape(p + klen + 1, len - klen - 1, out, outlen);
		p = amp ? amp + 1 : NULL;
	}
	return false;
}

int fleet_api_get(struct fleet_series *s, int64_t now_ms, const char *path, const char *query,
		  json_t **doc)
{
	static const char pre[] = "/api/v1/fleet/hosts/", suf[] = "/series";
	char source[256], metric[64] = "";
	size_t plen = strlen(path), n;

	if (strncmp(path, pre, sizeof(pre) - 1) || plen < sizeof(pre) - 1 + sizeof(suf) ||
	    strcmp(path + plen - (sizeof(suf) - 1), suf))
		return 0;
	n = plen - (sizeof(pre) - 1) - (sizeof(suf) - 1);
	if (!unescape(path + sizeof(pre) - 1, n, source, sizeof(source))) {
		*doc = json_pack("{s:s}", "error", "bad source name in the path");
		return 400;
	}
	if (!query_get(query, "metric", metric, sizeof(metric)) || !fleet_metric_of(metric)) {
		*doc = json_pack("{s:s, s:o}", "error", "metric=NAME is needed; one of these",
				 "metrics", fleet_metric_names());
		return 400;
	}
	return fleet_series_ask(s, source, metric, now_ms, doc);
}
