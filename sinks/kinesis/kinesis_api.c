// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Kinesis PutRecords body and answer (kinesis_api.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "sinks/kinesis/kinesis_api.h"
#include "sinks/aws/aws.h"

/* Messages are cut to their buffers on purpose. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wformat-truncation"
#endif

size_t kinesis_partition_key(const struct record *r, const char *fixed, char *out, size_t len)
{
	const char *k = fixed && *fixed ? fixed : (r->source[0] ? r->source : "hostlens");
	size_t n = strlen(k);

	if (n > KINESIS_MAX_KEY)
		n = KINESIS_MAX_KEY;
	if (n >= len)
		n = len - 1;
	memcpy(out, k, n);
	out[n] = '\0';
	return n;
}

/* Appends s as a JSON string body (without quotes), escaped. */
static size_t json_esc(const char *s, char *out)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\') {
			out[o++] = '\\';
			out[o++] = (char)ch;
		} else if (ch < 0x20) {
			memcpy(out + o, "\\u00", 4);
			out[o + 4] = hex[ch >> 4];
			out[o + 5] = hex[ch & 15];
			o += 6;
		} else {
			out[o++] = (char)ch;
		}
	}
	return o;
}

char *kinesis_put_body(const char *stream, const struct record_batch *b, const char *fixed_key,
		       size_t *len)
{
	size_t cap = 64 + strlen(stream) * 6, o = 0;
	char key[KINESIS_MAX_KEY + 1], *buf;

	for (size_t i = 0; i < b->n; i++)
		cap += 4 * ((b->recs[i].len + 2) / 3) + KINESIS_MAX_KEY * 6 + 40;
	buf = malloc(cap);
	if (!buf)
		return NULL;
	o += (size_t)sprintf(buf, "{\"StreamName\":\"");
	o += json_esc(stream, buf + o);
	o += (size_t)sprintf(buf + o, "\",\"Records\":[");
	for (size_t i = 0; i < b->n; i++) {
		const struct record *r = &b->recs[i];

		kinesis_partition_key(r, fixed_key, key, sizeof(key));
		o += (size_t)sprintf(buf + o, "%s{\"Data\":\"", i ? "," : "");
		o += aws_base64((const unsigned char *)r->line, r->len, buf + o);
		o += (size_t)sprintf(buf + o, "\",\"PartitionKey\":\"");
		o += json_esc(key, buf + o);
		buf[o++] = '"';
		buf[o++] = '}';
	}
	buf[o++] = ']';
	buf[o++] = '}';
	buf[o] = '\0';
	*len = o;
	return buf;
}

int kinesis_parse_put(const char *resp, size_t len, size_t n, unsigned char *mark, size_t *failed,
		      char *code, size_t codelen)
{
	json_t *o = json_loadb(resp, len, 0, NULL);
	json_t *recs = json_object_get(o, "Records");
	int ret = -EPROTO;

	*failed = 0;
	if (code && codelen)
		code[0] = '\0';
	if (!json_is_array(recs) || json_array_size(recs) != n)
		goto out;
	for (size_t i = 0; i < n; i++) {
		json_t *r = json_array_get(recs, i);
		const char *ec = json_string_value(json_object_get(r, "ErrorCode"));

		if (ec && *ec) {
			(*failed)++;
			if (code && codelen && !code[0])
				snprintf(code, codelen, "%s", ec);
		} else if (json_object_get(r, "SequenceNumber")) {
			mark[i] = 1;
		} else {
			(*failed)++;
		}
	}
	ret = 0;
out:
	json_decref(o);
	return ret;
}
