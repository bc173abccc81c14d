// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The AWS credential chain (aws.h): environment, EKS web identity through STS
 * AssumeRoleWithWebIdentity, the shared credentials file, EC2 IMDSv2. Each
 * provider answers 0, -ENOENT (not configured: try the next one) or another
 * error (configured but failing: stop there, as the SDKs do). No secret ever
 * reaches a message. The middle layer: STS and IMDS are asked through the
 * transport given to aws_provider__new (aws_http_transport, or a test's
 * mock), never by calling the HTTP code directly.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <jansson.h>

#include "sinks/aws/aws.h"

/* Messages are cut to their buffers on purpose. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wformat-truncation"
#endif

struct aws_provider {
	char region[64];
	struct aws_transport http; /* STS and IMDS requests go through it */
	aws_clock_fn clock;
	void *ctx;
	struct aws_creds cur;
	bool have;
	unsigned resolves;
};

static int copy_str(char *dst, size_t len, const char *src)
{
	size_t n = strlen(src);

	if (n >= len)
		return -ENAMETOOLONG;
	memcpy(dst, src, n + 1);
	return 0;
}

static int64_t wall_ms(void *ctx)
{
	struct timespec ts;

	(void)ctx;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int aws_creds_from_env(struct aws_creds *c)
{
	const char *id = getenv("AWS_ACCESS_KEY_ID");
	const char *sec = getenv("AWS_SECRET_ACCESS_KEY");
	const char *tok = getenv("AWS_SESSION_TOKEN");

	memset(c, 0, sizeof(*c));
	if (!id || !*id || !sec || !*sec)
		return -ENOENT;
	if (copy_str(c->akid, sizeof(c->akid), id) || copy_str(c->secret, sizeof(c->secret), sec) ||
	    copy_str(c->token, sizeof(c->token), tok ? tok : ""))
		return -EINVAL;
	snprintf(c->source, sizeof(c->source), "env");
	return 0;
}

int aws_creds_from_profile(const char *path, const char *profile, struct aws_creds *c)
{
	int err;

	memset(c, 0, sizeof(*c));
	err = aws_ini_get(path, profile, "aws_access_key_id", c->akid, sizeof(c->akid));
	if (err)
		return err == -ENOENT || err == -ENOTDIR ? -ENOENT : err;
	err = aws_ini_get(path, profile, "aws_secret_access_key", c->secret, sizeof(c->secret));
	if (err)
		return err == -ENOENT ? -EINVAL : err; /* a key id alone is a broken profile */
	err = aws_ini_get(path, profile, "aws_session_token", c->token, sizeof(c->token));
	if (err && err != -ENOENT)
		return err;
	snprintf(c->source, sizeof(c->source), "profile:%.20s", profile);
	return 0;
}

int64_t aws_parse_iso8601_ms(const char *s)
{
	struct tm tm = { 0 };
	int ms = 0;
	const char *p;

	if (!s)
		return -1;
	p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!p)
		return -1;
	if (*p == '.') {
		int digits = 0;

		for (p++; isdigit((unsigned char)*p); p++, digits++)
			if (digits < 3)
				ms = ms * 10 + (*p - '0');
		for (; digits < 3; digits++)
			ms *= 10;
	}
	if (*p != 'Z' && strcmp(p, "+00:00"))
		return -1;
	return (int64_t)timegm(&tm) * 1000 + ms;
}

/* Copies the text of the first <tag>...</tag> in xml. */
static int xml_tag(const char *xml, const char *tag, char *out, size_t len)
{
	char open[64], close[64];
	const char *a, *b;

	snprintf(open, sizeof(open), "<%s>", tag);
	snprintf(close, sizeof(close), "</%s>", tag);
	a = strstr(xml, open);
	if (!a)
		return -ENOENT;
	a += strlen(open);
	b = strstr(a, close);
	if (!b || (size_t)(b - a) >= len)
		return -EINVAL;
	memcpy(out, a, b - a);
	out[b - a] = '\0';
	return 0;
}

int aws_parse_sts_xml(const char *xml, struct aws_creds *c)
{
	char exp[64];
	const char *cr;

	memset(c, 0, sizeof(*c));
	cr = strstr(xml, "<Credentials>");
	if (!cr)
		return -EINVAL;
	if (xml_tag(cr, "AccessKeyId", c->akid, sizeof(c->akid)) ||
	    xml_tag(cr, "SecretAccessKey", c->secret, sizeof(c->secret)) ||
	    xml_tag(cr, "SessionToken", c->token, sizeof(c->token)) ||
	    xml_tag(cr, "Expiration", exp, sizeof(exp)))
		return -EINVAL;
	c->expires_ms = aws_parse_iso8601_ms(exp);
	if (c->expires_ms < 0)
		return -EINVAL;
	snprintf(c->source, sizeof(c->source), "web-identity");
	return 0;
}

int aws_parse_imds_json(const char *js, struct aws_creds *c)
{
	json_t *o = json_loads(js, 0, NULL);
	const char *code, *id, *sec, *tok, *exp;
	int ret = -EINVAL;

	memset(c, 0, sizeof(*c));
	if (!o)
		return -EINVAL;
	code = json_string_value(json_object_get(o, "Code"));
	id = json_string_value(json_object_get(o, "AccessKeyId"));
	sec = json_string_value(json_object_get(o, "SecretAccessKey"));
	tok = json_string_value(json_object_get(o, "Token"));
	exp = json_string_value(json_object_get(o, "Expiration"));
	if ((code && strcmp(code, "Success")) || !id || !sec)
		goto out;
	if (copy_str(c->akid, sizeof(c->akid), id) || copy_str(c->secret, sizeof(c->secret), sec) ||
	    copy_str(c->token, sizeof(c->token), tok ? tok : ""))
		goto out;
	c->expires_ms = exp ? aws_parse_iso8601_ms(exp) : 0;
	if (c->expires_ms < 0)
		goto out;
	snprintf(c->source, sizeof(c->source), "imds");
	ret = 0;
out:
	json_decref(o);
	return ret;
}

bool aws_creds_need_refresh(const struct aws_creds *c, int64_t now_ms)
{
	return c->expires_ms && now_ms >= c->expires_ms - AWS_REFRESH_BEFORE_MS;
}

/* Percent-encodes s for a form body. */
static void form_escape(const char *s, char *out, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (; *s && o + 4 < len; s++) {
		unsigned char ch = (unsigned char)*s;

		if (isalnum(ch) || ch == '-' || ch == '_' || ch == '.' || ch == '~') {
			out[o++] = (char)ch;
		} else {
			out[o++] = '%';
			out[o++] = hex[ch >> 4];
			out[o++] = hex[ch & 15];
		}
	}
	out[o] = '\0';
}

static int creds_web_identity(struct aws_provider *p, struct aws_creds *c, char *err, size_t errlen)
{
	const char *file = getenv("AWS_WEB_IDENTITY_TOKEN_FILE");
	const char *role = getenv("AWS_ROLE_ARN");
	const char *sess = getenv("AWS_ROLE_SESSION_NAME");
	static const char *const hdrs[] = { "Content-Type: application/x-www-form-urlencoded",
					    "Accept: application/xml", NULL };
	char url[512], *tok = NULL, *body = NULL, *etok = NULL, erole[1024], esess[256];
	struct aws_buf resp = { 0 };
	long status = 0;
	size_t toklen = 0, cap;
	FILE *f;
	int ret;

	if (!file || !*file || !role || !*role)
		return -ENOENT;
	f = fopen(file, "re");
	if (!f) {
		ret = -errno;
		snprintf(err, errlen,
			 "web identity: cannot read AWS_WEB_IDENTITY_TOKEN_FILE %s: %s", file,
			 strerror(-ret));
		return -EAGAIN; /* the kubelet may not have projected it yet */
	}
	tok = calloc(1, 16384);
	if (tok)
		toklen = fread(tok, 1, 16383, f);
	fclose(f);
	if (!tok)
		return -ENOMEM;
	while (toklen && isspace((unsigned char)tok[toklen - 1]))
		tok[--toklen] = '\0';
	if (!toklen) {
		snprintf(err, errlen, "web identity: token file %s is empty", file);
		ret = -EAGAIN;
		goto out;
	}
	cap = toklen * 3 + 1;
	etok = malloc(cap);
	body = malloc(cap + 2048);
	if (!etok || !body) {
		ret = -ENOMEM;
		goto out;
	}
	form_escape(tok, etok, cap);
	form_escape(role, erole, sizeof(erole));
	form_escape(sess && *sess ? sess : "hostlens", esess, sizeof(esess));
	snprintf(
		body, cap + 2048,
		"Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=%s&RoleSessionName=%s&WebIdentityToken=%s",
		erole, esess, etok);
	ret = aws_endpoint("sts", p->region[0] ? p->region : "us-east-1", url, sizeof(url));
	if (ret)
		goto out;
	if (!p->region[0] && !getenv("AWS_ENDPOINT_URL_STS") && !getenv("AWS_ENDPOINT_URL"))
		snprintf(url, sizeof(url), "https://sts.amazonaws.com");
	strncat(url, "/", sizeof(url) - strlen(url) - 1);
	ret = p->http.request(p->http.ctx, "POST", url, hdrs, body, strlen(body), 5000, &status,
			      &resp, err, errlen);
	if (ret) {
		snprintf(err + strlen(err), errlen - strlen(err), " (STS for web identity)");
		goto out;
	}
	if (status != 200) {
		char code[128] = "";

		if (resp.data)
			xml_tag(resp.data, "Code", code, sizeof(code));
		snprintf(err, errlen,
			 "web identity: STS AssumeRoleWithWebIdentity answered HTTP %ld %s", status,
			 code);
		ret = -EAGAIN;
		goto out;
	}
	ret = aws_parse_sts_xml(resp.data ? resp.data : "", c);
	if (ret) {
		snprintf(err, errlen, "web identity: STS answer has no credentials");
		ret = -EAGAIN;
	}
out:
	if (tok)
		explicit_bzero(tok, 16384);
	if (etok)
		explicit_bzero(etok, cap);
	if (body)
		explicit_bzero(body, strlen(body));
	free(tok);
	free(etok);
	free(body);
	aws_buf_free(&resp);
	return ret;
}

static int creds_shared_file(struct aws_creds *c, char *err, size_t errlen)
{
	const char *path = getenv("AWS_SHARED_CREDENTIALS_FILE");
	const char *profile = getenv("AWS_PROFILE");
	const char *home = getenv("HOME");
	char buf[4096];
	int ret;

	if (!profile || !*profile)
		profile = "default";
	if (!path || !*path) {
		if (!home || !*home)
			return -ENOENT;
		snprintf(buf, sizeof(buf), "%s/.aws/credentials", home);
		path = buf;
	}
	ret = aws_creds_from_profile(path, profile, c);
	if (ret == -ENOENT && getenv("AWS_PROFILE") && *getenv("AWS_PROFILE")) {
		/* The user named a profile that is not there: say so, do not fall through. */
		snprintf(err, errlen, "AWS_PROFILE=%s: no aws_access_key_id in %s", profile, path);
		return -EINVAL;
	}
	if (ret && ret != -ENOENT)
		snprintf(err, errlen, "shared credentials file %s, profile %s: %s", path, profile,
			 ret == -EINVAL ?
				 "incomplete (needs aws_access_key_id and aws_secret_access_key)" :
				 strerror(-ret));
	return ret;
}

static bool env_true(const char *name)
{
	const char *v = getenv(name);

	return v && (!strcasecmp(v, "true") || !strcmp(v, "1"));
}

static int creds_imds(struct aws_provider *p, struct aws_creds *c, char *err, size_t errlen)
{
	const char *ep = getenv("AWS_EC2_METADATA_SERVICE_ENDPOINT");
	char base[256], url[512], tokhdr[256 + 64], role[256];
	const char *h_put[] = { "X-aws-ec2-metadata-token-ttl-seconds: 21600", NULL };
	const char *h_get[] = { tokhdr, NULL };
	struct aws_buf r = { 0 };
	long status = 0;
	int ret;

	if (env_true("AWS_EC2_METADATA_DISABLED"))
		return -ENOENT;
	snprintf(base, sizeof(base), "%s", ep && *ep ? ep : "http://169.254.169.254");
	if (base[0] && base[strlen(base) - 1] == '/')
		base[strlen(base) - 1] = '\0';
	snprintf(url, sizeof(url), "%s/latest/api/token", base);
	ret = p->http.request(p->http.ctx, "PUT", url, h_put, "", 0, 1500, &status, &r, err,
			      errlen);
	if (ret) {
		/* Nothing answers: not on EC2, so this source is not configured. */
		aws_buf_free(&r);
		return -ENOENT;
	}
	if (status != 200 || !r.data || r.len >= 256) {
		snprintf(err, errlen, "IMDSv2: token request answered HTTP %ld", status);
		ret = -EAGAIN;
		goto out;
	}
	snprintf(tokhdr, sizeof(tokhdr), "X-aws-ec2-metadata-token: %s", r.data);
	snprintf(url, sizeof(url), "%s/latest/meta-data/iam/security-credentials/", base);
	ret = p->http.request(p->http.ctx, "GET", url, h_get, NULL, 0, 1500, &status, &r, err,
			      errlen);
	if (ret || status != 200 || !r.data) {
		if (!ret && status == 404) {
			snprintf(err, errlen, "IMDSv2: this instance has no IAM role");
			ret = -ENOENT;
		} else if (!ret) {
			snprintf(err, errlen, "IMDSv2: role list answered HTTP %ld", status);
			ret = -EAGAIN;
		}
		goto out;
	}
	/* the first role of the list (a role name has no blanks) */
	snprintf(role, sizeof(role), "%s", r.data + strspn(r.data, " \t\r\n"));
	role[strcspn(role, " \t\r\n")] = '\0';
	snprintf(url, sizeof(url), "%s/latest/meta-data/iam/security-credentials/%s", base, role);
	ret = p->http.request(p->http.ctx, "GET", url, h_get, NULL, 0, 1500, &status, &r, err,
			      errlen);
	if (ret || status != 200 || !r.data) {
		if (!ret)
			snprintf(err, errlen, "IMDSv2: credentials of role %s answered HTTP %ld",
				 role, status);
		ret = -EAGAIN;
		goto out;
	}
	ret = aws_parse_imds_json(r.data, c);
	if (ret) {
		snprintf(err, errlen, "IMDSv2: credentials of role %s unreadable", role);
		ret = -EAGAIN;
	}
out:
	explicit_bzero(tokhdr, sizeof(tokhdr));
	if (r.data)
		explicit_bzero(r.data, r.len);
	aws_buf_free(&r);
	return ret;
}

struct aws_provider *aws_provider__new(const char *region, const struct aws_transport *http,
				       aws_clock_fn clock, void *ctx)
{
	struct aws_provider *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	snprintf(p->region, sizeof(p->region), "%s", region ? region : "");
	p->http = *http;
	p->clock = clock ? clock : wall_ms;
	p->ctx = ctx;
	return p;
}

static int provider_resolve(struct aws_provider *p, struct aws_creds *c, char *err, size_t errlen)
{
	int ret;

	err[0] = '\0';
	p->resolves++;
	ret = aws_creds_from_env(c);
	if (ret != -ENOENT)
		return ret;
	ret = creds_web_identity(p, c, err, errlen);
	if (ret != -ENOENT)
		return ret;
	ret = creds_shared_file(c, err, errlen);
	if (ret != -ENOENT)
		return ret;
	ret = creds_imds(p, c, err, errlen);
	if (ret != -ENOENT)
		return ret;
	snprintf(err, errlen,
		 "no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or "
		 "AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN, or a profile in the shared "
		 "credentials file (AWS_PROFILE), or run with an EC2 instance role");
	return -ENOENT;
}

int aws_provider__get(struct aws_provider *p, struct aws_creds *out, char *err, size_t errlen)
{
	int64_t now = p->clock(p->ctx);
	struct aws_creds c;
	int ret;

	if (p->have && !aws_creds_need_refresh(&p->cur, now)) {
		*out = p->cur;
		return 0;
	}
	ret = provider_resolve(p, &c, err, errlen);
	if (!ret) {
		p->cur = c;
		p->have = true;
		*out = c;
		explicit_bzero(&c, sizeof(c));
		return 0;
	}
	explicit_bzero(&c, sizeof(c));
	if (p->have && now < p->cur.expires_ms) {
		*out = p->cur; /* refresh failed, the old ones still work */
		return 0;
	}
	if (ret == -ENOMEM)
		return ret;
	return ret == -ENOENT || ret == -EINVAL ? ret : -EAGAIN;
}

unsigned aws_provider__resolves(const struct aws_provider *p)
{
	return p->resolves;
}

void aws_provider__free(struct aws_provider *p)
{
	if (!p)
		return;
	explicit_bzero(&p->cur, sizeof(p->cur));
	free(p);
}
