/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Inside the AWS folder: the transport steps (aws_http.c) the signed client
 * (aws_client.c) runs on its own libcurl handle. Everything else of the
 * transport is in aws.h.
 */
#ifndef HOSTLENS_AWS_HTTP_H
#define HOSTLENS_AWS_HTTP_H

#include <curl/curl.h>

#include "sinks/aws/aws.h"

/* libcurl's global init, once per process. */
void aws_http_init(void);

/* Runs one prepared request on handle c: url, headers hl, the response into
 * resp (cleared first). 0 with *status set, -EAGAIN on transport failure
 * (err names the URL and the cause). The caller set the rest of c (signing,
 * timeouts, body). */
int aws_http_perform(CURL *c, const char *url, struct curl_slist *hl, long *status,
		     struct aws_buf *resp, char *err, size_t errlen);

#endif
