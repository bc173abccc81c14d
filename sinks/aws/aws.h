/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * AWS glue shared by the Kinesis and DynamoDB sinks: region and endpoint
 * resolution as the AWS SDKs do it, the standard credential chain with
 * refresh before expiry, and one JSON-RPC call signed with libcurl's SigV4.
 * Secrets (secret key, session token, web identity token) are never logged:
 * error messages name the source, never a value.
 *
 * Layers, each calling only the ones below it:
 *   aws_client.c  the signed client
 *   aws_creds.c   the credential chain, given a transport (struct aws_transport)
 *   aws_env.c     region, endpoints, the INI reader
 *   aws_http.c    the transport: plain HTTP over libcurl
 */
#ifndef HOSTLENS_AWS_H
#define HOSTLENS_AWS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct aws_creds {
	char akid[128];
	char secret[128];
	char token[4096];   /* session token, "" when none */
	int64_t expires_ms; /* 0: never */
	char source[32];    /* env | profile:NAME | web-identity | imds */
};

/* Refresh this long before expiry (the SDKs use a few minutes). */
#define AWS_REFRESH_BEFORE_MS (5 * 60 * 1000)

/* A response larger than this fails as a transport error (aws_http.c). */
#define AWS_MAX_RESPONSE (32u << 20)

/* A growable response buffer (aws_http.c). */
struct aws_buf {
	char *data;
	size_t len, cap;
};
void aws_buf_free(struct aws_buf *b);

/*
 * Plain HTTP request (no signing), used for STS and IMDS. headers: NULL-ended
 * list of "Name: value". 0 with *status set when a response came, -EAGAIN on
 * transport failure (err says why).
 */
int aws_http(const char *method, const char *url, const char *const *headers, const char *body,
	     size_t len, long timeout_ms, long *status, struct aws_buf *resp, char *err,
	     size_t errlen);

/* The HTTP the credential providers ask STS and IMDS through: injected, so
 * credentials sit above the transport and tests can answer for AWS. request
 * has aws_http's contract. */
struct aws_transport {
	int (*request)(void *ctx, const char *method, const char *url, const char *const *headers,
		       const char *body, size_t len, long timeout_ms, long *status,
		       struct aws_buf *resp, char *err, size_t errlen);
	void *ctx;
};

/* aws_http over libcurl. */
extern const struct aws_transport aws_http_transport;

/* Region (aws_env.c): AWS_REGION, AWS_DEFAULT_REGION, then `region` of the profile in
 * AWS_CONFIG_FILE (~/.aws/config). 0 or -ENOENT (err says what to set). */
int aws_region(char *out, size_t len, char *err, size_t errlen);

/* Endpoint for a service: AWS_ENDPOINT_URL_<SERVICE> (service upper-cased,
 * spaces/dashes as '_'), then AWS_ENDPOINT_URL, then
 * https://<service>.<region>.amazonaws.com. Trailing '/' removed. 0 or -ENAMETOOLONG. */
int aws_endpoint(const char *service, const char *region, char *out, size_t len);

/* Chain pieces, each 0, -ENOENT (source not configured) or another -errno
 * with err set. Exposed for unit tests. */
int aws_creds_from_env(struct aws_creds *c);
int aws_creds_from_profile(const char *path, const char *profile, struct aws_creds *c);
int aws_ini_get(const char *path, const char *section, const char *key, char *out, size_t len);
int aws_parse_sts_xml(const char *xml, struct aws_creds *c);
int aws_parse_imds_json(const char *json, struct aws_creds *c);
int64_t aws_parse_iso8601_ms(const char *s); /* -1 when malformed */
bool aws_creds_need_refresh(const struct aws_creds *c, int64_t now_ms);

/* The credential chain with a cache (aws_creds.c). Order: environment, web identity
 * (AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN via STS), shared credentials
 * file (AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials, AWS_PROFILE), EC2
 * IMDSv2 (AWS_EC2_METADATA_SERVICE_ENDPOINT, off with
 * AWS_EC2_METADATA_DISABLED=true). Not thread-safe: one per sink thread. */
struct aws_provider;

typedef int64_t (*aws_clock_fn)(void *ctx);

/* NULL and errno on allocation failure. http: what STS and IMDS are asked
 * through (copied; aws_http_transport in the agent). clock NULL: the wall
 * clock. */
struct aws_provider *aws_provider__new(const char *region, const struct aws_transport *http,
				       aws_clock_fn clock, void *ctx);

/*
 * Current credentials, resolved again when missing or within
 * AWS_REFRESH_BEFORE_MS of expiry (old ones kept while still valid if the
 * refresh fails). 0; -ENOENT when no source is configured (err lists what
 * was tried); -EAGAIN when a configured source failed for now.
 */
int aws_provider__get(struct aws_provider *p, struct aws_creds *out, char *err, size_t errlen);

/* How many times the chain was resolved (tests). */
unsigned aws_provider__resolves(const struct aws_provider *p);
void aws_provider__free(struct aws_provider *p);

/* A signed JSON-RPC client for one service (aws_client.c: kinesis, dynamodb, sns). */
struct aws_client;

/* NULL and errno, with err set: -ENOENT no region or no credentials configured. */
struct aws_client *aws_client__new(const char *service, char *err, size_t errlen);

/* The same in a given region (an SNS topic's, from its ARN); region NULL:
 * aws_region()'s. */
struct aws_client *aws_client__new_in(const char *service, const char *region, char *err,
				      size_t errlen);

/*
 * POSTs body with X-Amz-Target: target (none when NULL: the Query
 * protocol), signed SigV4. 0 with *status and the response in resp
 * (cleared first); -EAGAIN on transport or credential failure (err set).
 * Never logs.
 */
int aws_client__call(struct aws_client *c, const char *target, const char *content_type,
		     const char *body, size_t len, long *status, struct aws_buf *resp, char *err,
		     size_t errlen);
/* Calls give up (-EAGAIN) once CLOCK_MONOTONIC passes *at_ms (ms, 0: never);
 * *at_ms is read atomically and may be set from another thread. */
void aws_client__set_abort(struct aws_client *c, const int64_t *at_ms);
const char *aws_client__endpoint(const struct aws_client *c);
const char *aws_client__region(const struct aws_client *c);
void aws_client__free(struct aws_client *c);

/* The error name of an AWS JSON error body ("__type" after '#'), "" if none. */
void aws_error_type(const char *body, size_t len, char *out, size_t outlen);

/* Is this AWS error worth retrying (throttling, server side, missing
 * resource that may appear, credentials that may refresh)? */
bool aws_error_retryable(long status, const char *type);

/* Standard base64 of in into out (>= 4*((n+2)/3)+1 bytes); returns length. */
size_t aws_base64(const unsigned char *in, size_t n, char *out);

#endif
