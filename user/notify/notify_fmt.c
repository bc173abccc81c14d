// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Alert notification text (notify_fmt.h). Strings from a record (rule
 * names, scope values that may come from URL paths) reach e-mail headers
 * and chat messages: control characters become spaces everywhere, so no
 * value can start a header or a line of its own.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "user/notify/notify_fmt.h"

/* Messages are cut to their buffers on purpose. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wformat-truncation"
#endif

static const char *str(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

static int64_t int_ms(const json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	return json_is_number(v) ? (int64_t)json_number_value(v) : 0;
}

/* Length of the UTF-8 sequence that starts with byte c (1 for a stray byte). */
static size_t utf8_len(unsigned char c)
{
	if (c >= 0xf0 && c < 0xf8)
		return 4;
	if (c >= 0xe0)
		return c < 0xf0 ? 3 : 1;
	if (c >= 0xc0)
		return 2;
	return 1;
}

/* Appends s at out[*pos] with control characters as spaces, whole UTF-8
 * characters only, always NUL-terminated; stops when full. */
static void put_clean(char *out, size_t len, size_t *pos, const char *s)
{
	while (*s && *pos + 1 < len) {
		size_t n = utf8_len((unsigned char)*s);

		if (*pos + n >= len)
			break;
		for (size_t i = 0; i < n && s[i]; i++) {
			unsigned char c = (unsigned char)s[i];

			out[(*pos)++] = (n == 1 && (c < 0x20 || c == 0x7f)) ? ' ' : (char)c;
		}
		s += strnlen(s, n);
	}
	out[*pos < len ? *pos : len - 1] = '\0';
}

int notify_sns_arn_region(const char *arn, char *region, size_t len, char *err, size_t errlen)
{
	const char *part[6], *why = NULL, *p;
	size_t plen[6], n = 0, k;

	for (p = arn; n < 6; n++) {
		const char *c = strchr(p, ':');

		part[n] = p;
		plen[n] = c && n < 5 ? (size_t)(c - p) : strlen(p);
		if (!c || n == 5)
			break;
		p = c + 1;
	}
	if (n != 5 || plen[0] != 3 || strncmp(part[0], "arn", 3)) {
		why = "not six ':'-separated parts starting with arn";
		goto bad;
	}
	if (plen[1] < 3 || strncmp(part[1], "aws", 3)) {
		why = "partition is not aws, aws-cn, aws-us-gov ...";
		goto bad;
	}
	if (plen[2] != 3 || strncmp(part[2], "sns", 3)) {
		why = "service is not sns";
		goto bad;
	}
	if (!plen[3] || !islower((unsigned char)part[3][0]) ||
	    !isdigit((unsigned char)part[3][plen[3] - 1]) || !memchr(part[3], '-', plen[3]) ||
	    plen[3] >= len) {
		why = "no region such as us-east-1";
		goto bad;
	}
	for (k = 0; k < plen[3]; k++)
		if (!islower((unsigned char)part[3][k]) && !isdigit((unsigned char)part[3][k]) &&
		    part[3][k] != '-') {
			why = "no region such as us-east-1";
			goto bad;
		}
	if (plen[4] != 12 || strspn(part[4], "0123456789") < 12) {
		why = "account is not 12 digits";
		goto bad;
	}
	k = plen[5];
	if (k > 5 && !strcmp(part[5] + k - 5, ".fifo"))
		k -= 5;
	if (!k || k > 256 ||
	    strspn(part[5], "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			    "0123456789_-") != k) {
		why = "topic name is not 1 to 256 of A-Z a-z 0-9 _ -";
		goto bad;
	}
	memcpy(region, part[3], plen[3]);
	region[plen[3]] = '\0';
	return 0;
bad:
	snprintf(err, errlen,
		 "'%.300s' is not an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:TOPIC): %s", arn,
		 why);
	return -EINVAL;
}

int notify_email_addr(const char *in, char *out, size_t len)
{
	const char *a = in, *e, *at;
	size_t n;

	for (const char *s = in; *s; s++)
		if (*s < 0x20 || *s > 0x7e)
			return -EINVAL;
	if (strchr(in, '<')) {
		a = strchr(in, '<') + 1;
		e = strchr(a, '>');
		if (!e || e[1 + strspn(e + 1, " ")])
			return -EINVAL;
	} else {
		a += strspn(a, " ");
		e = a + strcspn(a, " ");
		if (e[strspn(e, " ")])
			return -EINVAL;
	}
	n = (size_t)(e - a);
	if (!n || n >= len)
		return -EINVAL;
	for (const char *s = a; s < e; s++)
		if (strchr(" <>\",;()[]\\:", *s))
			return -EINVAL;
	at = memchr(a, '@', n);
	if (!at || at == a || at == e - 1 || memchr(at + 1, '@', (size_t)(e - at - 1)))
		return -EINVAL;
	memcpy(out, a, n);
	out[n] = '\0';
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

void notify_scope(const json_t *rec, char *out, size_t len)
{
	json_t *sc = json_object_get(rec, "scope");
	size_t pos = 0;

	out[0] = '\0';
	if (json_is_string(sc)) {
		put_clean(out, len, &pos, json_string_value(sc));
	} else if (json_is_object(sc)) {
		/* in key order, so the same scope always reads the same */
		size_t n = json_object_size(sc), i = 0;
		const char **keys = calloc(n ? n : 1, sizeof(*keys));
		const char *k;
		json_t *v;

		if (!keys)
			return;
		json_object_foreach((json_t *)sc, k, v)
			keys[i++] = k;
		qsort(keys, n, sizeof(*keys), cmp_str);
		for (i = 0; i < n; i++) {
			json_t *kv = json_object_get(sc, keys[i]);
			char *vs = json_is_string(kv) ?
					   NULL :
					   json_dumps(kv, JSON_ENCODE_ANY | JSON_COMPACT);

			if (i)
				put_clean(out, len, &pos, ", ");
			put_clean(out, len, &pos, keys[i]);
			put_clean(out, len, &pos, "=");
			put_clean(out, len, &pos, vs ? vs : json_string_value(kv));
			free(vs);
		}
		free(keys);
	}
}

static const char *state_word(const char *state)
{
	if (!strcmp(state, "firing"))
		return "FIRING";
	if (!strcmp(state, "resolved"))
		return "RESOLVED";
	return state;
}

void notify_subject(const json_t *rec, char *out, size_t len)
{
	char scope[256];
	size_t pos = 0;

	if (!len)
		return;
	out[0] = '\0';
	notify_scope(rec, scope, sizeof(scope));
	put_clean(out, len, &pos, "[hostlens] ");
	put_clean(out, len, &pos, state_word(str(rec, "state")));
	put_clean(out, len, &pos, ": ");
	put_clean(out, len, &pos, str(rec, "rule"));
	put_clean(out, len, &pos, " on ");
	put_clean(out, len, &pos, str(rec, "source"));
	if (scope[0]) {
		put_clean(out, len, &pos, " (");
		put_clean(out, len, &pos, scope);
		put_clean(out, len, &pos, ")");
	}
}

void notify_sns_subject(const char *subject, char *out, size_t len)
{
	size_t o = 0, max = len - 1 < NOTIFY_SNS_SUBJECT_MAX ? len - 1 : NOTIFY_SNS_SUBJECT_MAX;
	bool cut = false;

	for (const char *s = subject; *s;) {
		unsigned char c = (unsigned char)*s;
		size_t n = utf8_len(c);

		if (o == max) {
			cut = true;
			break;
		}
		out[o++] = c >= 0x80 ? '?' : (c < 0x20 || c == 0x7f) ? ' ' : (char)c;
		s += strnlen(s, n);
	}
	if (cut && max >= 3)
		memcpy(out + max - 3, "...", 3);
	out[o] = '\0';
}

/* "2024-11-21 14:42:10 UTC" */
static void fmt_utc(int64_t ms, char *out, size_t len)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(out, len, "%04d-%02d-%02d %02d:%02d:%02d UTC", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* A number as people write it, with the unit its metric name carries. */
static void fmt_value(double v, const char *metric, char *out, size_t len)
{
	static const struct {
		const char *suffix, *unit;
	} units[] = {
		{ "_pct", " %" },	{ "_per_s", "/s" }, { "_ms", " ms" },
		{ "_bytes", " bytes" }, { "_s", " s" },
	};
	const char *unit = "";
	size_t ml = strlen(metric);
	char num[48];

	if (v == floor(v) && fabs(v) < 1e15)
		snprintf(num, sizeof(num), "%.0f", v);
	else {
		snprintf(num, sizeof(num), "%.6g", v);
		if (strchr(num, 'e') && fabs(v) >= 1)
			snprintf(num, sizeof(num), "%.2f", v);
	}
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		size_t sl = strlen(units[i].suffix);

		if (ml > sl && !strcmp(metric + ml - sl, units[i].suffix)) {
			unit = units[i].unit;
			break;
		}
	}
	snprintf(out, len, "%s%s", num, unit);
}

/* "45 s", "3 min", "2 h 5 min" */
static void fmt_duration(double s, char *out, size_t len)
{
	long v = s > 0 ? (long)(s + 0.5) : 0;

	if (v < 60)
		snprintf(out, len, "%ld s", v);
	else if (v < 3600)
		snprintf(out, len, v % 60 ? "%ld min %ld s" : "%ld min", v / 60, v % 60);
	else
		snprintf(out, len, "%ld h %ld min", v / 3600, (v % 3600) / 60);
}

char *notify_text(const json_t *rec, const char *public_url)
{
	char rule[128], host[272], sev[40], metric[128], cmp[8], scope[256], val[64], thr[64];
	char t_start[32], t_now[32], dur[32];
	const char *state = str(rec, "state");
	bool resolved = !strcmp(state, "resolved");
	int for_s = (int)json_integer_value(json_object_get(rec, "for_s"));
	char *buf = NULL;
	size_t blen = 0, pos;
	FILE *f;

#define CLEAN(dst, key) (pos = 0, put_clean(dst, sizeof(dst), &pos, str(rec, key)))
	CLEAN(rule, "rule");
	CLEAN(host, "source");
	CLEAN(sev, "severity");
	CLEAN(metric, "metric");
	CLEAN(cmp, "comparator");
#undef CLEAN
	notify_scope(rec, scope, sizeof(scope));
	fmt_value(json_number_value(json_object_get(rec, "value")), metric, val, sizeof(val));
	fmt_value(json_number_value(json_object_get(rec, "threshold")), metric, thr, sizeof(thr));
	fmt_utc(int_ms(rec, "started_at"), t_start, sizeof(t_start));
	fmt_utc(resolved && json_object_get(rec, "resolved_at") ? int_ms(rec, "resolved_at") :
								  int_ms(rec, "timestamp"),
		t_now, sizeof(t_now));
	fmt_duration(json_number_value(json_object_get(rec, "duration_s")), dur, sizeof(dur));

	f = open_memstream(&buf, &blen);
	if (!f)
		return NULL;
	if (resolved)
		fprintf(f, "%s has resolved on %s: the condition no longer holds.\n\n", rule, host);
	else
		fprintf(f, "%s is %s on %s.\n\n", rule, !strcmp(state, "firing") ? "firing" : state,
			host);
	fprintf(f, "Rule:       %s (severity: %s)\n", rule, sev[0] ? sev : "none");
	fprintf(f, "Condition:  %s %s %s", metric, cmp, thr);
	if (for_s > 0)
		fprintf(f, " for %d s", for_s);
	fprintf(f, "\n");
	if (scope[0])
		fprintf(f, "Scope:      %s\n", scope);
	fprintf(f, "Value:      %s (threshold %s)\n", val, thr);
	fprintf(f, "Host:       %s\n", host);
	fprintf(f, "Since:      %s\n", t_start);
	if (resolved)
		fprintf(f, "Resolved:   %s, after %s\n", t_now, dur);
	else
		fprintf(f, "Firing at:  %s\n", t_now);
	if (public_url && *public_url) {
		size_t ul = strlen(public_url);
		char url[512];

		while (ul && public_url[ul - 1] == '/')
			ul--;
		snprintf(url, sizeof(url), "%.*s/", (int)ul, public_url);
		fprintf(f, "Dashboard:  %s\n", url);
	}
	fprintf(f, "\n-- \nhostlens %s\n", HOSTLENS_VERSION);
	if (fclose(f)) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* The domain of the From address, for Message-ID. */
static void from_domain(const char *from, char *out, size_t len)
{
	char addr[256];
	const char *at;

	if (!notify_email_addr(from, addr, sizeof(addr)) && (at = strchr(addr, '@')))
		snprintf(out, len, "%s", at + 1);
	else
		snprintf(out, len, "hostlens.invalid");
}

/* Subject: as is when printable ASCII, else RFC 2047 encoded words of at
 * most 45 bytes of UTF-8 each (75 characters encoded), folded. */
static void put_subject(FILE *f, const char *subject)
{
	const char *s = subject;
	bool ascii = true;

	for (const char *p = subject; *p; p++)
		if ((unsigned char)*p >= 0x80)
			ascii = false;
	fputs("Subject: ", f);
	if (ascii) {
		fputs(subject, f);
		fputs("\r\n", f);
		return;
	}
	while (*s) {
		unsigned char b64[64 + 1];
		size_t n = 0;

		while (s[n] && n + utf8_len((unsigned char)s[n]) <= 45)
			n += strnlen(s + n, utf8_len((unsigned char)s[n]));
		if (!n) /* cannot happen with valid UTF-8; never loop forever */
			n = 1;
		EVP_EncodeBlock(b64, (const unsigned char *)s, (int)n);
		fprintf(f, "%s=?UTF-8?B?%s?=", s == subject ? "" : "\r\n ", b64);
		s += n;
	}
	fputs("\r\n", f);
}

char *notify_email(const struct notify_email_hdrs *h, const char *subject, const char *text)
{
	static const char *const wday[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const mon[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t t = (time_t)(h->date_ms / 1000);
	char domain[256], *buf = NULL;
	size_t blen = 0;
	struct tm tm;
	FILE *f;

	gmtime_r(&t, &tm);
	from_domain(h->from, domain, sizeof(domain));
	f = open_memstream(&buf, &blen);
	if (!f)
		return NULL;
	fprintf(f, "Date: %s, %02d %s %04d %02d:%02d:%02d +0000\r\n", wday[tm.tm_wday], tm.tm_mday,
		mon[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
	fprintf(f, "From: %s\r\n", h->from);
	fputs("To: ", f);
	for (int i = 0; i < h->n_to; i++)
		fprintf(f, "%s%s", i ? ",\r\n " : "", h->to[i]);
	fputs("\r\n", f);
	put_subject(f, subject);
	fprintf(f, "Message-ID: <%s@%s>\r\n", h->msg_id, domain);
	if (h->in_reply_to && *h->in_reply_to)
		fprintf(f, "In-Reply-To: <%s@%s>\r\nReferences: <%s@%s>\r\n", h->in_reply_to,
			domain, h->in_reply_to, domain);
	fprintf(f,
		"MIME-Version: 1.0\r\n"
		"Content-Type: text/plain; charset=utf-8\r\n"
		"Content-Transfer-Encoding: 8bit\r\n"
		"Auto-Submitted: auto-generated\r\n"
		"X-Mailer: hostlens/%s\r\n\r\n",
		HOSTLENS_VERSION);
	for (const char *p = text; *p; p++) {
		if (*p == '\n')
			fputc('\r', f);
		if (*p != '\r')
			fputc(*p, f);
	}
	if (fclose(f)) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* Form-encodes s onto f: RFC 3986 unreserved characters kept, the rest %XX. */
static void put_form(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~')
			fputc(c, f);
		else
			fprintf(f, "%%%02X", c);
	}
}

char *notify_sns_form(const char *arn, const char *subject, const char *message,
		      const char *group_id, const char *dedup_id)
{
	char *buf = NULL;
	size_t blen = 0;
	FILE *f = open_memstream(&buf, &blen);

	if (!f)
		return NULL;
	fputs("Action=Publish&Version=2010-03-31&TopicArn=", f);
	put_form(f, arn);
	if (subject && *subject) {
		fputs("&Subject=", f);
		put_form(f, subject);
	}
	fputs("&Message=", f);
	put_form(f, message);
	if (group_id && *group_id) {
		fputs("&MessageGroupId=", f);
		put_form(f, group_id);
		fputs("&MessageDeduplicationId=", f);
		put_form(f, dedup_id ? dedup_id : "");
	}
	if (fclose(f)) {
		free(buf);
		return NULL;
	}
	return buf;
}

char *notify_slack(const char *subject, const char *text)
{
	char *raw = NULL, *esc, *out = NULL;
	size_t o = 0;
	json_t *j;

	if (asprintf(&raw, "%s\n%s", subject, text) < 0)
		return NULL;
	/* Slack's three control characters in message text */
	esc = malloc(strlen(raw) * 5 + 1);
	if (!esc)
		goto out;
	for (const char *p = raw; *p; p++) {
		const char *rep = *p == '&' ? "&amp;" :
				  *p == '<' ? "&lt;" :
				  *p == '>' ? "&gt;" :
					      NULL;

		if (rep) {
			memcpy(esc + o, rep, strlen(rep));
			o += strlen(rep);
		} else {
			esc[o++] = *p;
		}
	}
	esc[o] = '\0';
	j = json_pack("{s:s}", "text", esc);
	if (j)
		out = json_dumps(j, JSON_COMPACT);
	json_decref(j);
out:
	free(esc);
	free(raw);
	return out;
}
