// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* libFuzzer target: the HTTP/1.x capture parser (user/http/httpparse.c) and what
 * pm_http does next with its output (redact.c, traffic.c), fed the bytes BPF
 * would capture from a socket. The first byte picks what the bytes are
 * parsed as. Every parse must stay inside len (the input is an exact-size
 * heap copy, so ASan sees an overread), NUL-terminate its strings inside
 * their fields, and routes built from a parsed path must fit. Raw bytes
 * through redact__path and utf8_sanitize must come out as strings Jansson
 * takes (valid UTF-8), and a sanitized string must not change again. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "user/runtime/config.h"
#include "user/http/httpparse.h"
#include "user/http/redact.h"
#include "user/http/traffic.h"
#include "user/lib/utf8.h"

static void check_json(const char *s)
{
	json_t *j = json_string(s);

	if (!j)
		abort();
	json_decref(j);
}

static void check_str(const char *s, size_t cap)
{
	if (!memchr(s, '\0', cap))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct redact *red;
	struct http_request rq;
	struct http_response rs;
	char route[HTTP_ROUTE_MAX], min[HTTP_PATH_MAX];
	size_t len, n;
	char *buf;
	int m;

	if (!red) {
		static struct config cfg;

		config_defaults(&cfg);
		snprintf(cfg.redact_segments[0], sizeof(cfg.redact_segments[0]), "^secret-[a-z]+$");
		snprintf(cfg.redact_segments[1], sizeof(cfg.redact_segments[1]),
			 "^[0-9]{3}-[0-9]{4}$");
		cfg.n_redact = 2;
		red = redact__new(&cfg);
		if (!red)
			abort();
	}
	if (size < 1)
		return 0;
	len = size - 1;
	buf = malloc(len ? len : 1);
	if (!buf)
		return 0;
	memcpy(buf, data + 1, len);
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
			m = redact__path(red, rq.path, strlen(rq.path), min, sizeof(min));
			if (m >= (int)sizeof(min) || (m >= 0 && strlen(min) != (size_t)m))
				abort();
			n = http_route_template(m >= 0 ? min : rq.path, route, sizeof(route));
			if (n >= sizeof(route) || strlen(route) != n)
				abort();
			(void)traffic_source_name(traffic_classify(rq.referer, strlen(rq.referer),
								   rq.host, strlen(rq.host)));
			(void)traffic_ua_name(rq.ua);
		}
		break;
	default:
		/* any bytes as a target: what is kept is text */
		m = redact__path(red, buf, len, min, sizeof(min));
		if (m >= (int)sizeof(min) || (m >= 0 && strlen(min) != (size_t)m))
			abort();
		check_json(min);
		{
			char a[UTF8_SAFE_SIZE(64)], b[UTF8_SAFE_SIZE(64) * 4];

			utf8_sanitize(buf, len < 64 ? len : 64, a, sizeof(a));
			check_json(a);
			utf8_sanitize(a, sizeof(a), b, sizeof(b));
			if (strcmp(a, b) || !utf8_is_clean(a, sizeof(a)))
				abort();
		}
		memset(&rs, 0x5a, sizeof(rs));
		if (http_parse_response(buf, len, &rs) == 0 && (rs.status < 100 || rs.status > 999))
			abort();
		(void)traffic_ua_name(traffic_ua_class(buf, len));
		break;
	}
	free(buf);
	return 0;
}
