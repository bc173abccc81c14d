// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* AWS glue: credential sources parsed as the SDKs do, refresh timing on a
 * fixed clock, region and endpoint resolution, error classes, base64. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "tests/unit/check.h"
#include "sinks/aws/aws.h"

static char tmpd[128];

static void clear_env(void)
{
	static const char *const vars[] = { "AWS_ACCESS_KEY_ID",
					    "AWS_SECRET_ACCESS_KEY",
					    "AWS_SESSION_TOKEN",
					    "AWS_PROFILE",
					    "AWS_WEB_IDENTITY_TOKEN_FILE",
					    "AWS_ROLE_ARN",
					    "AWS_SHARED_CREDENTIALS_FILE",
					    "AWS_CONFIG_FILE",
					    "AWS_REGION",
					    "AWS_DEFAULT_REGION",
					    "AWS_ENDPOINT_URL",
					    "AWS_ENDPOINT_URL_KINESIS",
					    "AWS_ENDPOINT_URL_DYNAMODB",
					    "AWS_ENDPOINT_URL_STS",
					    "AWS_EC2_METADATA_SERVICE_ENDPOINT",
					    NULL };

	for (int i = 0; vars[i]; i++)
		unsetenv(vars[i]);
	setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
	setenv("HOME", tmpd, 1);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static void test_aws_env_credentials(void)
{
	struct aws_creds c;

	clear_env();
	CHECK(aws_creds_from_env(&c) == -ENOENT, "no env: not configured");
	setenv("AWS_ACCESS_KEY_ID", "AKID1", 1);
	CHECK(aws_creds_from_env(&c) == -ENOENT, "a key id alone is not a credential");
	setenv("AWS_SECRET_ACCESS_KEY", "s3cr3t", 1);
	setenv("AWS_SESSION_TOKEN", "tok", 1);
	CHECK(aws_creds_from_env(&c) == 0 && !strcmp(c.akid, "AKID1") &&
		      !strcmp(c.secret, "s3cr3t") && !strcmp(c.token, "tok") && c.expires_ms == 0 &&
		      !strcmp(c.source, "env"),
	      "env credentials, got %s/%s", c.akid, c.source);
	clear_env();
}

static void test_aws_shared_file_profiles(void)
{
	char path[256];
	struct aws_creds c;

	snprintf(path, sizeof(path), "%s/credentials", tmpd);
	write_file(path, "; comment\n[default]\naws_access_key_id = AKIDDEF \n"
			 "aws_secret_access_key=defsecret\n\n# other\n[  prod ]\n"
			 "aws_access_key_id=AKIDPROD\naws_secret_access_key = prod = secret\n"
			 "aws_session_token = prodtok\n[broken]\naws_access_key_id=AKIDB\n");
	CHECK(aws_creds_from_profile(path, "default", &c) == 0 && !strcmp(c.akid, "AKIDDEF") &&
		      !strcmp(c.secret, "defsecret") && !c.token[0],
	      "default profile, got '%s'", c.akid);
	CHECK(aws_creds_from_profile(path, "prod", &c) == 0 && !strcmp(c.akid, "AKIDPROD") &&
		      !strcmp(c.secret, "prod = secret") && !strcmp(c.token, "prodtok") &&
		      !strcmp(c.source, "profile:prod"),
	      "prod profile (value keeps its '='), got '%s'", c.secret);
	CHECK(aws_creds_from_profile(path, "broken", &c) == -EINVAL,
	      "key id without secret: -EINVAL");
	CHECK(aws_creds_from_profile(path, "missing", &c) == -ENOENT, "absent profile: -ENOENT");
	CHECK(aws_creds_from_profile("/nonexistent/credentials", "default", &c) == -ENOENT,
	      "absent file: -ENOENT");
}

static void test_aws_sts_and_imds_answers(void)
{
	struct aws_creds c;
	const char *xml =
		"<AssumeRoleWithWebIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
		"<AssumeRoleWithWebIdentityResult><SubjectFromWebIdentityToken>x</SubjectFromWebIdentityToken>"
		"<Credentials><SessionToken>FwoGZX</SessionToken><SecretAccessKey>wJalr</SecretAccessKey>"
		"<Expiration>2026-11-21T22:00:00Z</Expiration><AccessKeyId>ASIAXYZ</AccessKeyId>"
		"</Credentials></AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>";

	CHECK(aws_parse_sts_xml(xml, &c) == 0 && !strcmp(c.akid, "ASIAXYZ") &&
		      !strcmp(c.secret, "wJalr") && !strcmp(c.token, "FwoGZX") &&
		      c.expires_ms == 1795298400000LL,
	      "STS credentials, got %s exp %lld", c.akid, (long long)c.expires_ms);
	CHECK(aws_parse_sts_xml(
		      "<ErrorResponse><Error><Code>AccessDenied</Code></Error></ErrorResponse>",
		      &c) == -EINVAL,
	      "an STS error has no credentials");
	CHECK(aws_parse_imds_json(
		      "{\"Code\":\"Success\",\"LastUpdated\":\"2026-11-21T21:00:00Z\",\"Type\":\"AWS-HMAC\","
		      "\"AccessKeyId\":\"ASIAIMDS\",\"SecretAccessKey\":\"sec\",\"Token\":\"tok\","
		      "\"Expiration\":\"2026-11-21T22:00:00.500Z\"}",
		      &c) == 0 &&
		      !strcmp(c.akid, "ASIAIMDS") && !strcmp(c.token, "tok") &&
		      c.expires_ms == 1795298400500LL,
	      "IMDS credentials, got %s exp %lld", c.akid, (long long)c.expires_ms);
	CHECK(aws_parse_imds_json("{\"Code\":\"AssumeRoleUnauthorizedAccess\"}", &c) == -EINVAL,
	      "IMDS failure code");
	CHECK(aws_parse_iso8601_ms("2026-11-21T22:00:00+00:00") == 1795298400000LL,
	      "+00:00 offset");
	CHECK(aws_parse_iso8601_ms("yesterday") == -1, "garbage");
}

static int64_t fixed_now;
static int64_t fixed_clock(void *ctx)
{
	(void)ctx;
	return fixed_now;
}

static void test_aws_refresh_window_fixed_clock(void)
{
	struct aws_creds c = { .expires_ms = 1000000 };
	struct aws_provider *p;
	char err[512];

	CHECK(!aws_creds_need_refresh(&c, 1000000 - AWS_REFRESH_BEFORE_MS - 1), "fresh");
	CHECK(aws_creds_need_refresh(&c, 1000000 - AWS_REFRESH_BEFORE_MS), "inside the window");
	c.expires_ms = 0;
	CHECK(!aws_creds_need_refresh(&c, INT64_MAX / 2), "static credentials never expire");

	clear_env();
	setenv("AWS_ACCESS_KEY_ID", "AKIDCLOCK", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "x", 1);
	fixed_now = 5000;
	p = aws_provider__new("us-east-1", &aws_http_transport, fixed_clock, NULL);
	CHECK(aws_provider__get(p, &c, err, sizeof(err)) == 0 && !strcmp(c.akid, "AKIDCLOCK"),
	      "resolves");
	fixed_now += 86400000;
	CHECK(aws_provider__get(p, &c, err, sizeof(err)) == 0 && aws_provider__resolves(p) == 1,
	      "cached a day later (no expiry), resolves=%u", aws_provider__resolves(p));
	aws_provider__free(p);

	clear_env();
	p = aws_provider__new("us-east-1", &aws_http_transport, fixed_clock, NULL);
	CHECK(aws_provider__get(p, &c, err, sizeof(err)) == -ENOENT &&
		      strstr(err, "no AWS credentials"),
	      "nothing configured: -ENOENT with a clear message, got '%s'", err);
	aws_provider__free(p);
}

/* A transport that answers as IMDSv2 does, recording what was asked. */
struct imds_mock {
	int calls;
	char asked[4][160];
};

static int imds_answer(void *ctx, const char *method, const char *url, const char *const *headers,
		       const char *body, size_t len, long timeout_ms, long *status,
		       struct aws_buf *resp, char *err, size_t errlen)
{
	struct imds_mock *m = ctx;
	const char *text = "";

	if (m->calls < 4)
		snprintf(m->asked[m->calls], sizeof(m->asked[0]), "%s %s", method, url);
	m->calls++;
	*status = 200;
	if (strstr(url, "/latest/api/token"))
		text = "TOKEN";
	else if (strstr(url, "/security-credentials/web-role"))
		text = "{\"Code\":\"Success\",\"AccessKeyId\":\"ASIAMOCK\",\"SecretAccessKey\":\"s\","
		       "\"Token\":\"t\",\"Expiration\":\"2026-11-21T22:00:00Z\"}";
	else if (strstr(url, "/security-credentials/"))
		text = "web-role\n";
	else
		*status = 404;
	free(resp->data);
	resp->data = strdup(text);
	resp->len = strlen(text);
	resp->cap = resp->len + 1;
	return resp->data ? 0 : -ENOMEM;
}

static void test_aws_imds_through_injected_transport(void)
{
	struct imds_mock m = { 0 };
	struct aws_transport t = { .request = imds_answer, .ctx = &m };
	struct aws_provider *p;
	struct aws_creds c;
	char err[512] = "";

	clear_env();
	unsetenv("AWS_EC2_METADATA_DISABLED");
	setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://imds.test/", 1);
	fixed_now = 1795298400000LL - 3600 * 1000;
	p = aws_provider__new("us-east-1", &t, fixed_clock, NULL);
	CHECK(aws_provider__get(p, &c, err, sizeof(err)) == 0 && !strcmp(c.akid, "ASIAMOCK") &&
		      !strcmp(c.source, "imds"),
	      "credentials from the mock IMDS, got %d '%s' (%s)", m.calls, c.akid, err);
	CHECK(m.calls == 3 && !strcmp(m.asked[0], "PUT http://imds.test/latest/api/token") &&
		      !strcmp(m.asked[2],
			      "GET http://imds.test/latest/meta-data/iam/security-credentials/web-role"),
	      "token, role list, role: %d calls, first '%s', last '%s'", m.calls, m.asked[0],
	      m.asked[2]);
	aws_provider__free(p);
	clear_env();
}

static void test_aws_region_and_endpoints(void)
{
	char out[256], err[256], path[256];

	clear_env();
	CHECK(aws_region(out, sizeof(out), err, sizeof(err)) == -ENOENT &&
		      strstr(err, "AWS_REGION"),
	      "no region: says to set AWS_REGION");
	snprintf(path, sizeof(path), "%s/config", tmpd);
	write_file(path, "[default]\nregion = eu-north-1\n[profile dev]\nregion=ca-central-1\n");
	setenv("AWS_CONFIG_FILE", path, 1);
	CHECK(aws_region(out, sizeof(out), err, sizeof(err)) == 0 && !strcmp(out, "eu-north-1"),
	      "default profile region, got %s", out);
	setenv("AWS_PROFILE", "dev", 1);
	CHECK(aws_region(out, sizeof(out), err, sizeof(err)) == 0 && !strcmp(out, "ca-central-1"),
	      "named profile region, got %s", out);
	setenv("AWS_DEFAULT_REGION", "us-west-1", 1);
	CHECK(aws_region(out, sizeof(out), err, sizeof(err)) == 0 && !strcmp(out, "us-west-1"),
	      "default env");
	setenv("AWS_REGION", "us-east-2", 1);
	CHECK(aws_region(out, sizeof(out), err, sizeof(err)) == 0 && !strcmp(out, "us-east-2"),
	      "AWS_REGION wins");

	aws_endpoint("kinesis", "us-east-2", out, sizeof(out));
	CHECK(!strcmp(out, "https://kinesis.us-east-2.amazonaws.com"), "default, got %s", out);
	setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:4566/", 1);
	aws_endpoint("kinesis", "us-east-2", out, sizeof(out));
	CHECK(!strcmp(out, "http://127.0.0.1:4566"), "global override, slash trimmed, got %s", out);
	setenv("AWS_ENDPOINT_URL_DYNAMODB", "http://[::1]:8000", 1);
	aws_endpoint("dynamodb", "us-east-2", out, sizeof(out));
	CHECK(!strcmp(out, "http://[::1]:8000"), "service override wins, got %s", out);
	aws_endpoint("kinesis", "us-east-2", out, sizeof(out));
	CHECK(!strcmp(out, "http://127.0.0.1:4566"), "other service keeps the global one, got %s",
	      out);
	clear_env();
}

static void test_aws_errors_and_base64(void)
{
	char t[128], b[64];
	const char *body =
		"{\"__type\":\"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException\",\"message\":\"x\"}";

	aws_error_type(body, strlen(body), t, sizeof(t));
	CHECK(!strcmp(t, "ProvisionedThroughputExceededException"), "type after '#', got %s", t);
	aws_error_type("<html>", 6, t, sizeof(t));
	CHECK(!t[0], "no type in a non-JSON body");
	CHECK(aws_error_retryable(400, "ProvisionedThroughputExceededException"),
	      "throttling retried");
	CHECK(aws_error_retryable(400, "ResourceNotFoundException"),
	      "missing stream retried (may appear)");
	CHECK(aws_error_retryable(503, ""), "5xx retried");
	CHECK(!aws_error_retryable(400, "ValidationException"), "validation not retried");
	CHECK(aws_base64((const unsigned char *)"", 0, b) == 0 && !strcmp(b, ""), "empty");
	aws_base64((const unsigned char *)"f", 1, b);
	CHECK(!strcmp(b, "Zg=="), "f, got %s", b);
	aws_base64((const unsigned char *)"fo", 2, b);
	CHECK(!strcmp(b, "Zm8="), "fo, got %s", b);
	aws_base64((const unsigned char *)"foobar", 6, b);
	CHECK(!strcmp(b, "Zm9vYmFy"), "foobar, got %s", b);
	aws_base64((const unsigned char *)"\xff\xfe\x00", 3, b);
	CHECK(!strcmp(b, "//4A"), "binary, got %s", b);
}

int main(void)
{
	snprintf(tmpd, sizeof(tmpd), "/tmp/hostlens-test-aws.%d", getpid());
	mkdir(tmpd, 0700);
	RUN(test_aws_env_credentials);
	RUN(test_aws_shared_file_profiles);
	RUN(test_aws_sts_and_imds_answers);
	RUN(test_aws_refresh_window_fixed_clock);
	RUN(test_aws_imds_through_injected_transport);
	RUN(test_aws_region_and_endpoints);
	RUN(test_aws_errors_and_base64);
	{
		char cmd[200];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpd);
		if (system(cmd)) {
		}
	}
	CHECK_DONE();
}
