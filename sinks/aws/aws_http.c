// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * HTTP side of the AWS glue (aws.h): region and endpoint resolution, plain
 * requests for STS and IMDS, and the SigV4-signed JSON-RPC client that the
 * Kinesis and DynamoDB sinks use. Signing is libcurl's (CURLOPT_AWS_SIGV4)
 * with region and service given explicitly, because an emulator endpoint is
 * an IP address libcurl cannot derive them from; the body goes in as
 * POSTFIELDS so libcurl hashes it; a session token is added as the
 * x-amz-security-token header. One client per sink thread: no locking.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <pthread.h>
#include <curl/curl.h>
#include <jansson.h>

#include "aws.h"

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

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int abort_check(void *ud, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	const int64_t *at = ud;
	int64_t v = __atomic_load_n(at, __ATOMIC_RELAXED);

	(void)dt, (void)dn, (void)ut, (void)un;
	return v && mono_ms() >= v;	/* non-zero aborts the transfer */
}

void aws_client__set_abort(struct aws_client *c, const int64_t *at_ms)
{
	c->abort_at = at_ms;
}

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_init_once(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

void aws_buf_free(struct aws_buf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

static size_t buf_write(char *ptr, size_t size, size_t n, void *ud)
{
	struct aws_buf *b = ud;
	size_t add = size * n;

	if (b->len + add + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		char *d;

		while (cap < b->len + add + 1)
			cap *= 2;
		d = realloc(b->data, cap);
		if (!d)
			return 0;
		b->data = d;
		b->cap = cap;
	}
	memcpy(b->data + b->len, ptr, add);
	b->len += add;
	b->data[b->len] = '\0';
	return add;
}

int aws_region(char *out, size_t len, char *err, size_t errlen)
{
	const char *v = getenv("AWS_REGION");
	const char *prof = getenv("AWS_PROFILE");
	const char *path = getenv("AWS_CONFIG_FILE");
	const char *home = getenv("HOME");
	char buf[4096], sect[256];

	if (!v || !*v)
		v = getenv("AWS_DEFAULT_REGION");
	if (v && *v) {
		snprintf(out, len, "%s", v);
		return 0;
	}
	if ((!path || !*path) && home && *home) {
		snprintf(buf, sizeof(buf), "%s/.aws/config", home);
		path = buf;
	}
	if (path && *path) {
		if (prof && *prof && strcmp(prof, "default"))
			snprintf(sect, sizeof(sect), "profile %s", prof);
		else
			snprintf(sect, sizeof(sect), "default");
		if (!aws_ini_get(path, sect, "region", out, len) && *out)
			return 0;
	}
	snprintf(err, errlen, "no AWS region: set AWS_REGION (or AWS_DEFAULT_REGION, or region in the "
			      "profile of ~/.aws/config)");
	return -ENOENT;
}

int aws_endpoint(const char *service, const char *region, char *out, size_t len)
{
	char name[96] = "AWS_ENDPOINT_URL_";
	size_t o = strlen(name);
	const char *v;
	int n;

	for (const char *s = service; *s && o + 1 < sizeof(name); s++)
		name[o++] = (*s == ' ' || *s == '-') ? '_' : (char)toupper((unsigned char)*s);
	name[o] = '\0';
	v = getenv(name);
	if (!v || !*v)
		v = getenv("AWS_ENDPOINT_URL");
	if (v && *v)
		n = snprintf(out, len, "%s", v);
	else
		n = snprintf(out, len, "https://%s.%s.amazonaws.com", service, region);
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	while (n > 0 && out[n - 1] == '/')
		out[--n] = '\0';
	return 0;
}

static int perform(CURL *c, const char *url, struct curl_slist *hl, long *status,
		   struct aws_buf *resp, char *err, size_t errlen)
{
	char ebuf[CURL_ERROR_SIZE] = "";
	CURLcode rc;

	resp->len = 0;
	if (resp->data)
		resp->data[0] = '\0';
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, buf_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, resp);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, ebuf);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	rc = curl_easy_perform(c);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, NULL);
	if (rc != CURLE_OK) {
		snprintf(err, errlen, "%s: %s", url, ebuf[0] ? ebuf : curl_easy_strerror(rc));
		return -EAGAIN;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
	return 0;
}

int aws_http(const char *method, const char *url, const char *const *headers, const char *body,
	     size_t len, long timeout_ms, long *status, struct aws_buf *resp, char *err, size_t errlen)
{
	struct curl_slist *hl = NULL, *t;
	CURL *c;
	int ret;

	pthread_once(&curl_once, curl_init_once);
	c = curl_easy_init();
	if (!c)
		return -ENOMEM;
	for (size_t i = 0; headers && headers[i]; i++) {
		t = curl_slist_append(hl, headers[i]);
		if (!t) {
			ret = -ENOMEM;
			goto out;
		}
		hl = t;
	}
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms < 1000 ? timeout_ms : 1000L);
	if (!strcmp(method, "POST")) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body ? body : "");
	} else if (!strcmp(method, "PUT")) {
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, "PUT");
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body ? body : "");
	}
	ret = perform(c, url, hl, status, resp, err, errlen);
out:
	curl_slist_free_all(hl);
	curl_easy_cleanup(c);
	return ret;
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
	pthread_once(&curl_once, curl_init_once);
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
	c->creds = aws_provider__new(c->region, NULL, NULL);
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
	ret = perform(c->curl, c->endpoint, hl, status, resp, err, errlen);
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
	return true;	/* throttling, missing stream/table, credentials: may recover */
}

size_t aws_base64(const unsigned char *in, size_t n, char *out)
{
	static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
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
