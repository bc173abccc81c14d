// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The top layer of the AWS glue (aws.h): the SigV4-signed JSON-RPC client
 * the Kinesis and DynamoDB sinks and the SNS notifier use, over the
 * credentials (aws_creds.c, given aws_http_transport for STS and IMDS) and
 * the transport (aws_http.c). Signing is libcurl's (CURLOPT_AWS_SIGV4) with
 * region and service given explicitly, because an emulator endpoint is an
 * IP address libcurl cannot derive them from; the body goes in as
 * POSTFIELDS so libcurl hashes it; a session token is added as the
 * x-amz-security-token header. One client per sink thread: no locking.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <curl/curl.h>
#include <jansson.h>

#include "sinks/aws/aws_http.h"
#include "user/lib/clock.h"

/* Messages are cut to their buffers on purpose. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wformat-truncation"
#endif

struct aws_client {
	char service[32];
	char region[64];
	char endpoint[512];
	char sigv4[160];
	struct aws_provider *creds;
	CURL *curl;
	const int64_t *abort_at;
};

static int abort_check(void *ud, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	const int64_t *at = ud;
	int64_t v = __atomic_load_n(at, __ATOMIC_RELAXED);

	(void)dt, (void)dn, (void)ut, (void)un;
	return v && clock_mono_ms() >= v; /* non-zero aborts the transfer */
}

void aws_client__set_abort(struct aws_client *c, const int64_t *at_ms)
{
	c->abort_at = at_ms;
}

struct aws_client *aws_client__new(const char *service, char *err, size_t errlen)
{
	return aws_client__new_in(service, NULL, err, errlen);
}

struct aws_client *aws_client__new_in(const char *service, const char *region, char *err,
				      size_t errlen)
{
	struct aws_client *c = calloc(1, sizeof(*c));
	struct aws_creds cr;
	int ret = 0;

	if (!c) {
		snprintf(err, errlen, "%s: out of memory", service);
		return NULL;
	}
	aws_http_init();
	snprintf(c->service, sizeof(c->service), "%s", service);
	if (region)
		snprintf(c->region, sizeof(c->region), "%s", region);
	else
		ret = aws_region(c->region, sizeof(c->region), err, errlen);
	if (ret)
		goto fail;
	ret = aws_endpoint(service, c->region, c->endpoint, sizeof(c->endpoint));
	if (ret) {
		snprintf(err, errlen, "%s: endpoint URL too long", service);
		goto fail;
	}
	snprintf(c->sigv4, sizeof(c->sigv4), "aws:amz:%s:%s", c->region, service);
	c->creds = aws_provider__new(c->region, &aws_http_transport, NULL, NULL);
	c->curl = curl_easy_init();
	if (!c->creds || !c->curl) {
		ret = -ENOMEM;
		snprintf(err, errlen, "%s: out of memory", service);
		goto fail;
	}
	/* Resolve once now so a missing credential is a clear start-up error;
	 * a configured source failing for now is retried at each call. */
	ret = aws_provider__get(c->creds, &cr, err, errlen);
	explicit_bzero(&cr, sizeof(cr));
	if (ret == -ENOENT || ret == -EINVAL || ret == -ENOMEM)
		goto fail;
	return c;
fail:
	aws_client__free(c);
	errno = -ret;
	return NULL;
}

int aws_client__call(struct aws_client *c, const char *target, const char *content_type,
		     const char *body, size_t len, long *status, struct aws_buf *resp, char *err,
		     size_t errlen)
{
	char h_target[160], h_ctype[96], *h_tok = NULL, cerr[512];
	struct curl_slist *hl = NULL, *t;
	struct aws_creds cr;
	int ret;

	ret = aws_provider__get(c->creds, &cr, cerr, sizeof(cerr));
	if (ret) {
		snprintf(err, errlen, "credentials: %s", cerr);
		explicit_bzero(&cr, sizeof(cr));
		return -EAGAIN;
	}
	snprintf(h_target, sizeof(h_target), "X-Amz-Target: %s", target ? target : "");
	snprintf(h_ctype, sizeof(h_ctype), "Content-Type: %s", content_type);
	t = curl_slist_append(hl, h_ctype);
	if (t && target)
		t = curl_slist_append(hl = t, h_target);
	if (t)
		hl = t;
	if (t && cr.token[0]) {
		if (asprintf(&h_tok, "x-amz-security-token: %s", cr.token) < 0)
			h_tok = NULL;
		t = h_tok ? curl_slist_append(hl, h_tok) : NULL;
		if (t)
			hl = t;
	}
	if (!t) {
		ret = -ENOMEM;
		goto out;
	}
	curl_easy_reset(c->curl);
	curl_easy_setopt(c->curl, CURLOPT_AWS_SIGV4, c->sigv4);
	curl_easy_setopt(c->curl, CURLOPT_USERNAME, cr.akid);
	curl_easy_setopt(c->curl, CURLOPT_PASSWORD, cr.secret);
	curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c->curl, CURLOPT_TIMEOUT_MS, 15000L);
	curl_easy_setopt(c->curl, CURLOPT_CONNECTTIMEOUT_MS, 3000L);
	curl_easy_setopt(c->curl, CURLOPT_ACCEPT_ENCODING, "");
	if (c->abort_at) {
		curl_easy_setopt(c->curl, CURLOPT_XFERINFOFUNCTION, abort_check);
		curl_easy_setopt(c->curl, CURLOPT_XFERINFODATA, (void *)c->abort_at);
		curl_easy_setopt(c->curl, CURLOPT_NOPROGRESS, 0L);
	}
	ret = aws_http_perform(c->curl, c->endpoint, hl, status, resp, err, errlen);
	/* Do not leave secrets in the handle between calls. */
	curl_easy_setopt(c->curl, CURLOPT_USERNAME, NULL);
	curl_easy_setopt(c->curl, CURLOPT_PASSWORD, NULL);
out:
	curl_slist_free_all(hl);
	if (h_tok) {
		explicit_bzero(h_tok, strlen(h_tok));
		free(h_tok);
	}
	explicit_bzero(&cr, sizeof(cr));
	return ret;
}

const char *aws_client__endpoint(const struct aws_client *c)
{
	return c->endpoint;
}

const char *aws_client__region(const struct aws_client *c)
{
	return c->region;
}

void aws_client__free(struct aws_client *c)
{
	if (!c)
		return;
	if (c->curl)
		curl_easy_cleanup(c->curl);
	aws_provider__free(c->creds);
	free(c);
}

void aws_error_type(const char *body, size_t len, char *out, size_t outlen)
{
	json_t *o = body && len ? json_loadb(body, len, 0, NULL) : NULL;
	const char *t = json_string_value(json_object_get(o, "__type"));
	const char *h;

	out[0] = '\0';
	if (t) {
		h = strrchr(t, '#');
		snprintf(out, outlen, "%s", h ? h + 1 : t);
	}
	json_decref(o);
}

bool aws_error_retryable(long status, const char *type)
{
	static const char *const fatal[] = { "ValidationException", "SerializationException",
					     "InvalidArgumentException", "KMSInvalidStateException",
					     NULL };

	if (status >= 500 || status == 429 || status == 0)
		return true;
	for (size_t i = 0; fatal[i]; i++)
		if (!strcmp(type, fatal[i]))
			return false;
	if (status == 413)
		return false;
	return true; /* throttling, missing stream/table, credentials: may recover */
}

size_t aws_base64(const unsigned char *in, size_t n, char *out)
{
	static const char tbl[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t o = 0, i;

	for (i = 0; i + 2 < n; i += 3) {
		unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8 | in[i + 2];

		out[o++] = tbl[v >> 18];
		out[o++] = tbl[(v >> 12) & 63];
		out[o++] = tbl[(v >> 6) & 63];
		out[o++] = tbl[v & 63];
	}
	if (i < n) {
		unsigned v = (unsigned)in[i] << 16 | (i + 1 < n ? (unsigned)in[i + 1] << 8 : 0);

		out[o++] = tbl[v >> 18];
		out[o++] = tbl[(v >> 12) & 63];
		out[o++] = i + 1 < n ? tbl[(v >> 6) & 63] : '=';
		out[o++] = '=';
	}
	out[o] = '\0';
	return o;
}
