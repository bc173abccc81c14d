// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The bottom layer of the AWS glue (aws.h): HTTP over libcurl. Plain
 * requests for STS and IMDS (aws_http, handed to the credential providers as
 * aws_http_transport) and the one perform step the signed client
 * (aws_client.c) runs on its own handle. Knows nothing of credentials or
 * signing. Thread-safe: nothing shared but libcurl's global init, done once.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <curl/curl.h>

#include "sinks/aws/aws_http.h"

/* Messages are cut to their buffers on purpose. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wformat-truncation"
#endif

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_init_once(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

void aws_http_init(void)
{
	pthread_once(&curl_once, curl_init_once);
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

	/* what a peer sends is bounded: AWS answers at most 16 MB (BatchGetItem) */
	if (b->len + add + 1 > AWS_MAX_RESPONSE)
		return 0;
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

int aws_http_perform(CURL *c, const char *url, struct curl_slist *hl, long *status,
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
	     size_t len, long timeout_ms, long *status, struct aws_buf *resp, char *err,
	     size_t errlen)
{
	struct curl_slist *hl = NULL, *t;
	CURL *c;
	int ret;

	aws_http_init();
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
	ret = aws_http_perform(c, url, hl, status, resp, err, errlen);
out:
	curl_slist_free_all(hl);
	curl_easy_cleanup(c);
	return ret;
}

static int transport_request(void *ctx, const char *method, const char *url,
			     const char *const *headers, const char *body, size_t len,
			     long timeout_ms, long *status, struct aws_buf *resp, char *err,
			     size_t errlen)
{
	(void)ctx;
	return aws_http(method, url, headers, body, len, timeout_ms, status, resp, err, errlen);
}

const struct aws_transport aws_http_transport = { .request = transport_request };
