// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* libFuzzer target: the HTTP/1.x capture parser (user/httpparse.c), fed the
 * bytes BPF would capture from a socket. The first byte picks what the bytes
 * are parsed as; every parse must stay inside len, NUL-terminate its strings
 * within their fields, and a route built from a parsed path must fit. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "user/httpparse.h"

static void check_str(const char *s, size_t cap)
{
	if (!memchr(s, '\0', cap))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct http_route_rules *rules;
	struct http_request rq;
	struct http_response rs;
	char route[HTTP_ROUTE_MAX];
	const char *buf;
	size_t len, n;
	char *copy;

	if (!rules) {
		char redact[2][64] = { "^secret-[a-z]+$", "^[0-9]{3}-[0-9]{4}$" };
		char err[128];

		rules = http_route_rules__new(redact, 2, err, sizeof(err));
		if (!rules)
			abort();
	}
	if (size < 1)
		return 0;
	/* an exact-size heap copy so ASan sees any read past len */
	len = size - 1;
	copy = malloc(len ? len : 1);
	if (!copy)
		return 0;
	memcpy(copy, data + 1, len);
	buf = copy;
	switch (data[0] % 3) {
	case 0:
	case 1:
		memset(&rq, 0x5a, sizeof(rq));
		if (http_parse_request(buf, len, data[0] & 4, &rq) == 0) {
			check_str(rq.method, sizeof(rq.method));
			check_str(rq.path, sizeof(rq.path));
			check_str(rq.host, sizeof(rq.host));
			check_str(rq.referer, sizeof(rq.referer));
			if (rq.method[0] == '\0' || rq.version_minor < 0 || rq.version_minor > 9)
				abort();
			n = http_route_template(data[0] & 8 ? rules : NULL, rq.path, route, sizeof(route));
			if (n >= sizeof(route) || strlen(route) != n)
				abort();
			(void)http_ua_name(rq.ua);
		}
		break;
	default:
		memset(&rs, 0x5a, sizeof(rs));
		if (http_parse_response(buf, len, &rs) == 0 && (rs.status < 100 || rs.status > 999))
			abort();
		(void)http_ua_name(http_ua_classify(buf, len));
		break;
	}
	free(copy);
	return 0;
}
