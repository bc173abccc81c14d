// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Alert notifications (notify.h, notify_fmt.h). What a notification says:
 * subject, readable body, e-mail headers, SNS subject rules, the Publish
 * form, the Slack body, and the option checks (addresses, recipient lists,
 * topic ARNs). How it travels, against real servers on loopback: a Python
 * webhook receiver, Debian's aiosmtpd, and an SNS stand-in that checks
 * every SigV4 signature with botocore (the scripts in tests/alerts/): one delivery per
 * transition per rule and scope, retries, bounded queues that never block,
 * refusals counted as failed.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "tests/unit/check.h"
#include "user/runtime/config.h"
#include "user/notify/notify.h"
#include "user/notify/notify_fmt.h"
#include "user/notify/notify_int.h"
#include "user/lib/prom.h"

/* Messages are cut to their buffers on purpose. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wformat-truncation"
#endif

#define T0 1732200000000LL	  /* Thu, 21 Nov 2024 14:40:00 UTC */
#define SYS_PY "/usr/bin/python3" /* Debian's, with python3-aiosmtpd and python3-botocore */

static struct config cfg;
static int id_seq;

/* An alert record as the rule engine makes it. scope: JSON text or NULL. */
static json_t *alert_rec(const char *rule, const char *state, const char *scope, double value,
			 int64_t ts)
{
	char id[40];
	json_t *r;

	snprintf(id, sizeof(id), "00000000-0000-4000-8000-%012d", ++id_seq);
	r = json_pack("{s:s,s:I,s:s,s:s,s:s,s:s,s:f,s:f,s:s,s:s,s:s,s:I,s:i,s:s}", "id", id,
		      "timestamp", (json_int_t)ts, "type", "alert", "source", "web-1", "rule", rule,
		      "metric", "cpu_usage_pct", "value", value, "threshold", 80.0, "comparator",
		      ">", "state", state, "severity", "warning", "started_at",
		      (json_int_t)(T0 - 120000), "for_s", 120, "message",
		      "cpu_high: cpu_usage_pct > 80");
	if (scope)
		json_object_set_new(r, "scope", json_loads(scope, JSON_DECODE_ANY, NULL));
	if (!strcmp(state, "resolved")) {
		json_object_set_new(r, "resolved_at", json_integer(ts));
		json_object_set_new(r, "duration_s",
				    json_real((double)(ts - (T0 - 120000)) / 1000.0));
	}
	return r;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- what a notification says ----------------------------------------- */

static void subject_names_rule_state_host_scope(void)
{
	json_t *f = alert_rec("cpu_high", "firing", NULL, 93.4, T0);
	json_t *r = alert_rec("api_latency_high", "resolved",
			      "{\"route\":\"/api/users\",\"method\":\"GET\"}", 12, T0 + 60000);
	char s[512];

	notify_subject(f, s, sizeof(s));
	CHECK(!strcmp(s, "[hostlens] FIRING: cpu_high on web-1"), "firing subject, got '%s'", s);
	notify_subject(r, s, sizeof(s));
	CHECK(!strcmp(s,
		      "[hostlens] RESOLVED: api_latency_high on web-1 (method=GET, route=/api/users)"),
	      "resolved subject with the scope in key order, got '%s'", s);
	json_decref(f);
	json_decref(r);
}

static void text_is_readable(void)
{
	json_t *f = alert_rec("cpu_high", "firing", "\"core=3\"", 93.4, T0);
	json_t *r = alert_rec("cpu_high", "resolved", NULL, 41, T0 + 180000);
	char *t = notify_text(f, "https://hl.example.com/");
	char *t2 = notify_text(r, NULL);

	CHECK(t && strstr(t, "cpu_high is firing on web-1.\n"), "first line says what happened: %s",
	      t);
	CHECK(t && strstr(t, "Rule:       cpu_high (severity: warning)\n"), "rule and severity: %s",
	      t);
	CHECK(t && strstr(t, "Condition:  cpu_usage_pct > 80 % for 120 s\n"), "condition: %s", t);
	CHECK(t && strstr(t, "Scope:      core=3\n"), "scope: %s", t);
	CHECK(t && strstr(t, "Value:      93.4 % (threshold 80 %)\n"),
	      "value and threshold with units: %s", t);
	CHECK(t && strstr(t, "Host:       web-1\n"), "host: %s", t);
	CHECK(t && strstr(t, "Since:      2024-11-21 14:38:00 UTC\n"), "start time in UTC: %s", t);
	CHECK(t && strstr(t, "Firing at:  2024-11-21 14:40:00 UTC\n"), "firing time in UTC: %s", t);
	CHECK(t && strstr(t, "Dashboard:  https://hl.example.com/\n"), "dashboard link: %s", t);
	CHECK(t2 && strstr(t2, "cpu_high has resolved on web-1: the condition no longer holds.\n"),
	      "resolved first line: %s", t2);
	CHECK(t2 && strstr(t2, "Resolved:   2024-11-21 14:43:00 UTC, after 5 min\n"),
	      "resolve time and duration: %s", t2);
	CHECK(t2 && !strstr(t2, "Dashboard:") && !strstr(t2, "Scope:"),
	      "no dashboard line without public_url, no scope line without scope: %s", t2);
	free(t);
	free(t2);
	json_decref(f);
	json_decref(r);
}

/* A rule name or scope value with CR/LF (a scope can come from a URL path)
 * must not add a header or a line of its own. */
static void control_characters_cannot_inject(void)
{
	json_t *f = alert_rec("evil\r\nBcc: victim@example.com", "firing",
			      "{\"route\":\"/x\\r\\nX-Injected: 1\"}", 99, T0);
	const char *to[] = { "a@example.com" };
	struct notify_email_hdrs h = { "hl@example.com", to, 1, T0, "id1", NULL };
	char s[512], *text = notify_text(f, NULL), *mail;

	notify_subject(f, s, sizeof(s));
	CHECK(!strpbrk(s, "\r\n"), "subject is one line: '%s'", s);
	mail = notify_email(&h, s, text ? text : "");
	CHECK(mail && !strstr(mail, "\r\nBcc:") && !strstr(mail, "\nBcc:") &&
		      !strstr(mail, "\r\nX-Injected:") && !strstr(mail, "\nX-Injected:"),
	      "no injected header or line in: %s", mail);
	free(text);
	free(mail);
	json_decref(f);
}

static void sns_subject_fits(void)
{
	char long_scope[400], in[600], out[NOTIFY_SNS_SUBJECT_MAX + 1];
	json_t *f;

	memset(long_scope, 'a', 300);
	long_scope[300] = '\0';
	snprintf(in, sizeof(in), "\"%s\"", long_scope);
	f = alert_rec("cpu_high", "firing", in, 95, T0);
	notify_subject(f, in, sizeof(in));
	notify_sns_subject(in, out, sizeof(out));
	CHECK(strlen(out) == NOTIFY_SNS_SUBJECT_MAX && strlen(out) < 100,
	      "a long subject is cut under 100 characters: %zu", strlen(out));
	CHECK(!strncmp(out, "[hostlens] FIRING: cpu_high on web-1 (aaa", 41) &&
		      !strcmp(out + strlen(out) - 3, "..."),
	      "keeps its start, ends in '...': '%s'", out);
	notify_sns_subject("[hostlens] FIRING: r\xc3\xa9gle on h\xc3\xb4te", out, sizeof(out));
	CHECK(!strcmp(out, "[hostlens] FIRING: r?gle on h?te"), "non-ASCII as '?', got '%s'", out);
	notify_sns_subject("short", out, sizeof(out));
	CHECK(!strcmp(out, "short"), "a short subject unchanged, got '%s'", out);
	json_decref(f);
}

/* Decodes RFC 2047 B words of a folded Subject: value. */
static void decode_subject(const char *v, char *out, size_t len)
{
	size_t o = 0;
	const char *p = v;

	while ((p = strstr(p, "=?UTF-8?B?"))) {
		const char *e = strstr(p + 10, "?=");
		unsigned char buf[256];
		int n;

		if (!e)
			break;
		n = EVP_DecodeBlock(buf, (const unsigned char *)p + 10, (int)(e - p - 10));
		/* EVP_DecodeBlock counts the padding's zero bytes */
		for (const char *q = e - 1; *q == '=' && n > 0; q--)
			n--;
		for (int i = 0; i < n && o + 1 < len; i++)
			out[o++] = (char)buf[i];
		p = e + 2;
	}
	out[o] = '\0';
}

static void email_has_proper_headers(void)
{
	const char *to[] = { "a@example.com", "Ops <ops@example.com>" };
	struct notify_email_hdrs h = {
		"hostlens <alerts@example.com>", to, 2, T0 + 5000, "rec-2", "rec-1"
	};
	const char *subj = "[hostlens] FIRING: d\xc3\xa9j\xc3\xa0 vu on web-1";
	char *mail = notify_email(&h, subj, "line one\nline two\n");
	char got[256] = "";
	const char *s, *body;
	bool bare_lf = false;

	CHECK(mail, "message built");
	if (!mail)
		return;
	CHECK(!strncmp(mail, "Date: Thu, 21 Nov 2024 14:40:05 +0000\r\n", 39),
	      "Date (RFC 5322, UTC): %.60s", mail);
	CHECK(strstr(mail, "\r\nFrom: hostlens <alerts@example.com>\r\n"), "From: %s", mail);
	CHECK(strstr(mail, "\r\nTo: a@example.com,\r\n Ops <ops@example.com>\r\n"),
	      "To lists both: %s", mail);
	CHECK(strstr(mail, "\r\nMessage-ID: <rec-2@example.com>\r\n"),
	      "Message-ID at the From domain: %s", mail);
	CHECK(strstr(mail,
		     "\r\nIn-Reply-To: <rec-1@example.com>\r\nReferences: <rec-1@example.com>\r\n"),
	      "a resolve threads under its fire: %s", mail);
	CHECK(strstr(mail, "\r\nContent-Type: text/plain; charset=utf-8\r\n") &&
		      strstr(mail, "\r\nMIME-Version: 1.0\r\n"),
	      "MIME headers: %s", mail);
	s = strstr(mail, "\r\nSubject: ");
	CHECK(s && !strncmp(s + 11, "=?UTF-8?B?", 10),
	      "a non-ASCII subject is RFC 2047 encoded: %.80s", s);
	if (s) {
		char val[512];

		snprintf(val, sizeof(val), "%.*s", (int)(strstr(s + 2, "\r\nMessage-ID") - s - 11),
			 s + 11);
		decode_subject(val, got, sizeof(got));
	}
	CHECK(!strcmp(got, subj), "the subject decodes back: '%s'", got);
	body = strstr(mail, "\r\n\r\n");
	CHECK(body && !strcmp(body, "\r\n\r\nline one\r\nline two\r\n"),
	      "body after a blank line, CRLF: %s", body);
	for (const char *p = mail; *p; p++)
		if (*p == '\n' && (p == mail || p[-1] != '\r'))
			bare_lf = true;
	CHECK(!bare_lf, "no bare LF anywhere");
	free(mail);
}

static void email_addresses_checked(void)
{
	static const char *const good[][2] = {
		{ "a@example.com", "a@example.com" },
		{ "Ops Team <ops@example.com>", "ops@example.com" },
		{ "  b.c+tag@sub.example.org ", "b.c+tag@sub.example.org" },
		{ "<x@y.z>", "x@y.z" },
	};
	static const char *const bad[] = { "",
					   "a",
					   "@b",
					   "a@",
					   "a@b@c",
					   "Name <a@b",
					   "a b@c",
					   "a@b\r\nBcc: x@y",
					   "\xc3\xa9@b.c",
					   "<a@b> trailing",
					   "a,b@c" };
	char out[256];

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		CHECK(!notify_email_addr(good[i][0], out, sizeof(out)) && !strcmp(out, good[i][1]),
		      "'%s' is address '%s', got '%s'", good[i][0], good[i][1], out);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(notify_email_addr(bad[i], out, sizeof(out)) == -EINVAL, "'%s' refused",
		      bad[i]);
}

static int load(int argc, char **argv, char *err, size_t len)
{
	err[0] = '\0';
	return config_load(&cfg, argc, argv, err, len);
}

static void recipient_lists_from_every_source(void)
{
	char err[512];
	char *argv1[] = { "hostlens", NULL };
	char *argv2[] = { "hostlens",	      "--alert-email-to", "c@z.io",
			  "--alert-email-to", "d@z.io",		  NULL };
	int ret;

	setenv("HOSTLENS_ALERT_SMTP_URL", "smtp://127.0.0.1:25", 1);
	setenv("HOSTLENS_ALERT_EMAIL_FROM", "hl@x.io", 1);
	setenv("HOSTLENS_ALERT_EMAIL_TO", "a@x.io,Ops <b@y.io>", 1);
	ret = load(1, argv1, err, sizeof(err));
	CHECK(!ret && cfg.n_alert_email_to == 2 && !strcmp(cfg.alert_email_to[0], "a@x.io") &&
		      !strcmp(cfg.alert_email_to[1], "Ops <b@y.io>"),
	      "env list: 2 recipients, got %d (%s)", cfg.n_alert_email_to, err);
	ret = load(5, argv2, err, sizeof(err));
	CHECK(!ret && cfg.n_alert_email_to == 2 && !strcmp(cfg.alert_email_to[0], "c@z.io") &&
		      !strcmp(cfg.alert_email_to[1], "d@z.io"),
	      "repeated flags replace the env list, got %d (%s)", cfg.n_alert_email_to, err);
	setenv("HOSTLENS_ALERT_EMAIL_TO", "a@x.io,not-an-address", 1);
	ret = load(1, argv1, err, sizeof(err));
	CHECK(ret == -EINVAL && strstr(err, "HOSTLENS_ALERT_EMAIL_TO") &&
		      strstr(err, "not-an-address"),
	      "a bad address is refused, naming the variable and value: %s", err);
	unsetenv("HOSTLENS_ALERT_EMAIL_TO");
	ret = load(1, argv1, err, sizeof(err));
	CHECK(ret == -EINVAL && strstr(err, "--alert-email-to"),
	      "an SMTP URL without recipients is refused: %s", err);
	setenv("HOSTLENS_ALERT_EMAIL_TO", "a@x.io", 1);
	setenv("HOSTLENS_ALERT_SMTP_URL", "smtp://user:secret@mail.x.io", 1);
	ret = load(1, argv1, err, sizeof(err));
	CHECK(ret == -EINVAL && strstr(err, "HOSTLENS_SMTP_USER") && !strstr(err, "secret"),
	      "credentials in the URL are refused, without echoing them: %s", err);
	setenv("HOSTLENS_ALERT_SMTP_URL", "http://mail.x.io", 1);
	ret = load(1, argv1, err, sizeof(err));
	CHECK(ret == -EINVAL && strstr(err, "--alert-smtp-url"), "a non-SMTP URL is refused: %s",
	      err);
	unsetenv("HOSTLENS_ALERT_SMTP_URL");
	ret = load(1, argv1, err, sizeof(err));
	CHECK(ret == -EINVAL && strstr(err, "need --alert-smtp-url"),
	      "recipients without an SMTP URL are refused: %s", err);
	unsetenv("HOSTLENS_ALERT_EMAIL_TO");
	unsetenv("HOSTLENS_ALERT_EMAIL_FROM");
}

static void sns_topic_arn_parsed(void)
{
	static const char *const bad[] = {
		"not-an-arn",
		"arn:aws:sqs:eu-west-1:123456789012:q",
		"arn:aws:sns:eu-west-1:12345:t",
		"arn:aws:sns::123456789012:t",
		"arn:aws:sns:eu-west-1:123456789012:",
		"arn:aws:sns:eu-west-1:123456789012:a/b",
		"arn:aws:sns:eu-west-1:123456789012:t:extra",
		"arn:aws:sns:EU-WEST-1:123456789012:t",
		"arn:gcp:sns:eu-west-1:123456789012:t",
	};
	char region[64], err[512], *argv[] = { "hostlens", NULL };
	int ret;

	ret = notify_sns_arn_region("arn:aws:sns:eu-west-1:123456789012:ops-alerts", region,
				    sizeof(region), err, sizeof(err));
	CHECK(!ret && !strcmp(region, "eu-west-1"), "region from the ARN: got '%s' (%s)", region,
	      err);
	ret = notify_sns_arn_region("arn:aws-us-gov:sns:us-gov-west-1:123456789012:ops.fifo",
				    region, sizeof(region), err, sizeof(err));
	CHECK(!ret && !strcmp(region, "us-gov-west-1"), "GovCloud FIFO topic: got '%s' (%s)",
	      region, err);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(notify_sns_arn_region(bad[i], region, sizeof(region), err, sizeof(err)) ==
				      -EINVAL &&
			      strstr(err, "is not an SNS topic ARN"),
		      "'%s' refused: %s", bad[i], err);
	setenv("HOSTLENS_ALERT_SNS_TOPIC_ARN", "arn:aws:sns:eu-west-1:123456789012", 1);
	ret = load(1, argv, err, sizeof(err));
	CHECK(ret == -EINVAL && strstr(err, "--alert-sns-topic-arn"),
	      "config load refuses a bad ARN, naming the option: %s", err);
	unsetenv("HOSTLENS_ALERT_SNS_TOPIC_ARN");
}

/* Decodes one form-encoded value in place. */
static void form_decode(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (*s == '%' && s[1] && s[2]) {
			char hex[3] = { s[1], s[2], 0 };

			*o++ = (char)strtol(hex, NULL, 16);
			s += 2;
		} else {
			*o++ = *s == '+' ? ' ' : *s;
		}
	}
	*o = '\0';
}

static const char *form_get(json_t *form, const char *k)
{
	return json_string_value(json_object_get(form, k)) ?: "";
}

static json_t *form_parse(const char *body)
{
	char *copy = strdup(body), *save = NULL;
	json_t *o = json_object();

	for (char *kv = strtok_r(copy, "&", &save); kv; kv = strtok_r(NULL, "&", &save)) {
		char *eq = strchr(kv, '=');

		if (!eq)
			continue;
		*eq = '\0';
		form_decode(kv);
		form_decode(eq + 1);
		json_object_set_new(o, kv, json_string(eq + 1));
	}
	free(copy);
	return o;
}

static void sns_publish_form(void)
{
	char *b = notify_sns_form("arn:aws:sns:eu-west-1:123456789012:ops",
				  "[hostlens] FIRING: a&b=c on h", "line 1\nline 2 100% ok", NULL,
				  NULL);
	char *b2 = notify_sns_form("arn:aws:sns:eu-west-1:123456789012:ops.fifo", "s", "m",
				   "cpu_high", "rec-9");
	json_t *f = b ? form_parse(b) : NULL, *f2 = b2 ? form_parse(b2) : NULL;

	CHECK(b && !strncmp(b, "Action=Publish&Version=2010-03-31&", 34),
	      "Action and Version first: %s", b);
	CHECK(!strcmp(form_get(f, "TopicArn"), "arn:aws:sns:eu-west-1:123456789012:ops") &&
		      !strcmp(form_get(f, "Subject"), "[hostlens] FIRING: a&b=c on h") &&
		      !strcmp(form_get(f, "Message"), "line 1\nline 2 100% ok") &&
		      !json_object_get(f, "MessageGroupId"),
	      "parameters decode back to what went in: %s", b);
	CHECK(b && !strpbrk(b, " \n+"), "every special character percent-encoded: %s", b);
	CHECK(!strcmp(form_get(f2, "MessageGroupId"), "cpu_high") &&
		      !strcmp(form_get(f2, "MessageDeduplicationId"), "rec-9"),
	      "a FIFO topic gets a group and a deduplication id: %s", b2);
	free(b);
	free(b2);
	json_decref(f);
	json_decref(f2);
}

static void slack_body(void)
{
	char *b = notify_slack("[hostlens] FIRING: x on h", "route </a&b>\n");
	json_t *j = b ? json_loads(b, 0, NULL) : NULL;

	CHECK(j && json_object_size(j) == 1 &&
		      !strcmp(json_string_value(json_object_get(j, "text")) ?: "",
			      "[hostlens] FIRING: x on h\nroute &lt;/a&amp;b&gt;\n"),
	      "{\"text\": subject, newline, body}, & < > escaped as Slack wants: %s", b);
	free(b);
	json_decref(j);
}

/* ---- real servers on loopback ------------------------------------------ */

struct server {
	pid_t pid;
	int port;
	char dir[64];
	char out[96];
};

/* Starts tests/alerts/SCRIPT PORTFILE OUTDIR ARGS... under py; waits for its port. */
static int server_start(struct server *s, const char *py, const char *script,
			const char *const *args)
{
	char portfile[96], path[128], line[32] = "";
	const char *argv[12];
	int n = 0;
	FILE *f;

	snprintf(s->dir, sizeof(s->dir), "build/notify-test-XXXXXX");
	if (!mkdtemp(s->dir))
		return -1;
	snprintf(portfile, sizeof(portfile), "%s/port", s->dir);
	snprintf(s->out, sizeof(s->out), "%s/out", s->dir);
	snprintf(path, sizeof(path), "tests/alerts/%s", script);
	argv[n++] = py;
	argv[n++] = path;
	argv[n++] = portfile;
	argv[n++] = s->out;
	for (; args && *args && n < 11; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	s->pid = fork();
	if (s->pid == 0) {
		execv(py, (char *const *)argv);
		_exit(127);
	}
	for (int i = 0; i < 200 && s->pid > 0; i++) {
		f = fopen(portfile, "r");
		if (f) {
			if (fgets(line, sizeof(line), f))
				s->port = atoi(line);
			fclose(f);
			if (s->port > 0)
				return 0;
		}
		usleep(50000);
	}
	return -1;
}

static void server_stop(struct server *s)
{
	char cmd[160];

	if (s->pid > 0) {
		kill(s->pid, SIGTERM);
		waitpid(s->pid, NULL, 0);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", s->dir);
	if (s->dir[0] && system(cmd))
		fprintf(stderr, "could not remove %s\n", s->dir);
}

/* Files in the server's OUTDIR whose names start with prefix and end in .json. */
static int server_count(const struct server *s, const char *prefix)
{
	DIR *d = opendir(s->out);
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d))) {
		size_t l = strlen(e->d_name);

		if (!strncmp(e->d_name, prefix, strlen(prefix)) && l > 5 &&
		    !strcmp(e->d_name + l - 5, ".json") && (prefix[0] || isdigit(e->d_name[0])))
			n++;
	}
	if (d)
		closedir(d);
	return n;
}

static json_t *server_file(const struct server *s, const char *name)
{
	char path[192];

	snprintf(path, sizeof(path), "%s/%s", s->out, name);
	return json_load_file(path, 0, NULL);
}

/* Waits until channel's sent + failed reach want (or 30 s). */
static void wait_done(struct notify *n, const char *channel, uint64_t want,
		      struct notify_chan_stats *st)
{
	double start = now_s();

	do {
		notify__chan_stats(n, channel, st);
		if (st->sent + st->failed >= want)
			return;
		usleep(20000);
	} while (now_s() - start < 30);
}

static void webhook_delivers_after_a_retry(void)
{
	const char *args[] = { "1", NULL }; /* the first POST gets a 503 */
	struct server s = { 0 };
	struct notify_chan_stats st;
	struct notify *n = NULL;
	json_t *r = alert_rec("errors", "firing", NULL, 12.5, T0), *got = NULL, *body = NULL;

	CHECK(!server_start(&s, "/usr/bin/python3", "webhook_server.py", args),
	      "webhook receiver started");
	if (!s.port)
		goto out;
	config_defaults(&cfg);
	snprintf(cfg.alert_webhook, sizeof(cfg.alert_webhook), "http://127.0.0.1:%d/hook/T0KEN",
		 s.port);
	n = notify__new(&cfg);
	CHECK(n, "notify__new: %s", strerror(errno));
	if (!n)
		goto out;
	notify__set_retry(n, 4, 50);
	CHECK(notify__submit(n, r) == 1, "queued to one channel");
	wait_done(n, "webhook", 1, &st);
	CHECK(st.queued == 1 && st.sent == 1 && st.retries >= 1 && st.failed == 0,
	      "delivered once after a 503: sent 1, retries >= 1; got sent %llu retries %llu failed %llu",
	      (unsigned long long)st.sent, (unsigned long long)st.retries,
	      (unsigned long long)st.failed);
	got = server_file(&s, "000.json");
	body = got ? json_loads(json_string_value(json_object_get(got, "body")) ?: "", 0, NULL) :
		     NULL;
	CHECK(got && !strcmp(json_string_value(json_object_get(got, "content_type")) ?: "",
			     "application/json"),
	      "Content-Type application/json");
	CHECK(body && json_equal(body, r), "the receiver got the alert record itself");
out:
	notify__free(n);
	server_stop(&s);
	json_decref(r);
	json_decref(got);
	json_decref(body);
}

static void webhook_slack_format(void)
{
	struct server s = { 0 };
	struct notify_chan_stats st;
	struct notify *n = NULL;
	json_t *r = alert_rec("cpu_high", "firing", NULL, 99, T0), *got = NULL, *body = NULL;
	const char *text,
		*want = "[hostlens] FIRING: cpu_high on web-1\ncpu_high is firing on web-1.\n";

	CHECK(!server_start(&s, "/usr/bin/python3", "webhook_server.py", NULL),
	      "webhook receiver started");
	if (!s.port)
		goto out;
	config_defaults(&cfg);
	snprintf(cfg.alert_webhook, sizeof(cfg.alert_webhook), "http://127.0.0.1:%d/services/X",
		 s.port);
	snprintf(cfg.alert_webhook_format, sizeof(cfg.alert_webhook_format), "slack");
	n = notify__new(&cfg);
	if (!n)
		goto out;
	notify__submit(n, r);
	wait_done(n, "webhook", 1, &st);
	got = server_file(&s, "000.json");
	body = got ? json_loads(json_string_value(json_object_get(got, "body")) ?: "", 0, NULL) :
		     NULL;
	text = json_string_value(json_object_get(body, "text"));
	CHECK(st.sent == 1 && body && json_object_size(body) == 1 && text &&
		      !strncmp(text, want, strlen(want)),
	      "Slack gets {\"text\": subject and body} only: %s",
	      json_string_value(json_object_get(got, "body")));
out:
	notify__free(n);
	server_stop(&s);
	json_decref(r);
	json_decref(got);
	json_decref(body);
}

static void one_notification_per_transition_per_scope(void)
{
	struct server s = { 0 };
	struct notify_chan_stats st;
	struct notify *n = NULL;
	json_t *recs[] = {
		alert_rec("lat", "firing", "{\"route\":\"/a\"}", 2000, T0),
		alert_rec("lat", "firing", "{\"route\":\"/a\"}", 2100, T0 + 1000), /* repeat */
		alert_rec("lat", "firing", "{\"route\":\"/b\"}", 3000, T0 + 1000), /* other scope */
		alert_rec("lat", "resolved", "{\"route\":\"/a\"}", 10, T0 + 2000),
		alert_rec("lat", "resolved", "{\"route\":\"/a\"}", 10, T0 + 3000), /* repeat */
		alert_rec("lat", "pending", "{\"route\":\"/c\"}", 10, T0 + 3000), /* not notified */
		alert_rec("lat", "resolved", "{\"route\":\"/b\"}", 10, T0 + 4000),
	};
	const char *want[] = { "firing /a", "firing /b", "resolved /a", "resolved /b" };
	size_t nrec = sizeof(recs) / sizeof(recs[0]);
	int queued = 0;

	CHECK(!server_start(&s, "/usr/bin/python3", "webhook_server.py", NULL),
	      "webhook receiver started");
	if (!s.port)
		goto out;
	config_defaults(&cfg);
	snprintf(cfg.alert_webhook, sizeof(cfg.alert_webhook), "http://127.0.0.1:%d/", s.port);
	n = notify__new(&cfg);
	if (!n)
		goto out;
	for (size_t i = 0; i < nrec; i++)
		queued += notify__submit(n, recs[i]);
	wait_done(n, "webhook", 4, &st);
	CHECK(queued == 4 && st.sent == 4 && notify__deduplicated(n) == 2,
	      "4 transitions sent, 2 repeats deduplicated: queued %d sent %llu dedup %llu", queued,
	      (unsigned long long)st.sent, (unsigned long long)notify__deduplicated(n));
	for (int i = 0; i < 4; i++) {
		char name[16], seen[64] = "";
		json_t *f, *b;

		snprintf(name, sizeof(name), "%03d.json", i);
		f = server_file(&s, name);
		b = f ? json_loads(json_string_value(json_object_get(f, "body")) ?: "", 0, NULL) :
			NULL;
		snprintf(seen, sizeof(seen), "%s %s",
			 json_string_value(json_object_get(b, "state")) ?: "?",
			 json_string_value(json_object_get(json_object_get(b, "scope"), "route")) ?:
				 "?");
		CHECK(!strcmp(seen, want[i]), "delivery %d in order: want '%s', got '%s'", i,
		      want[i], seen);
		json_decref(f);
		json_decref(b);
	}
out:
	notify__free(n);
	server_stop(&s);
	for (size_t i = 0; i < nrec; i++)
		json_decref(recs[i]);
}

/* A receiver that accepts connections and never answers. */
static void never_blocks_and_queue_is_bounded(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof(sa);
	int ls = socket(AF_INET, SOCK_STREAM, 0);
	struct notify_chan_stats st;
	struct notify *n;
	double start, submit_s, free_s;

	bind(ls, (struct sockaddr *)&sa, sizeof(sa));
	listen(ls, 512);
	getsockname(ls, (struct sockaddr *)&sa, &sl);
	config_defaults(&cfg);
	snprintf(cfg.alert_webhook, sizeof(cfg.alert_webhook), "http://127.0.0.1:%d/",
		 ntohs(sa.sin_port));
	n = notify__new(&cfg);
	CHECK(n, "notify__new");
	if (!n)
		return;
	start = now_s();
	for (int i = 0; i < 100; i++) {
		json_t *r =
			alert_rec("cpu", i % 2 ? "resolved" : "firing", NULL, 90, T0 + i * 1000);

		notify__submit(n, r);
		json_decref(r);
	}
	submit_s = now_s() - start;
	notify__chan_stats(n, "webhook", &st);
	CHECK(submit_s < 0.5, "100 submits with a stuck receiver took %.3f s (must not wait)",
	      submit_s);
	CHECK(st.queued == 100 && st.dropped >= 100 - NOTIFY_QUEUE_MAX - 1,
	      "bounded queue: queued 100, oldest dropped >= 35, got queued %llu dropped %llu",
	      (unsigned long long)st.queued, (unsigned long long)st.dropped);
	start = now_s();
	notify__free(n);
	free_s = now_s() - start;
	CHECK(free_s < 2, "shutdown aborts the stuck transfer: took %.3f s", free_s);
	close(ls);
}

static bool file_has(const char *path, const char *needle)
{
	char buf[8192] = "";
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return strstr(buf, needle) != NULL;
}

static void smtp_mails_every_recipient(void)
{
	struct server s = { 0 };
	struct notify_chan_stats st;
	struct notify *n = NULL;
	json_t *f = alert_rec("cpu_high", "firing", NULL, 97, T0);
	json_t *r = alert_rec("cpu_high", "resolved", NULL, 20, T0 + 60000);
	json_t *m0 = NULL, *m1 = NULL;
	const char *d0, *d1;
	char want[128], cmds[160];

	CHECK(!server_start(&s, SYS_PY, "smtp_server.py", NULL),
	      "aiosmtpd started (python3-aiosmtpd)");
	if (!s.port)
		goto out;
	config_defaults(&cfg);
	snprintf(cfg.alert_smtp_url, sizeof(cfg.alert_smtp_url), "smtp://127.0.0.1:%d", s.port);
	snprintf(cfg.alert_email_from, sizeof(cfg.alert_email_from),
		 "hostlens <alerts@example.com>");
	snprintf(cfg.alert_email_to[0], CFG_STR, "oncall@example.com");
	snprintf(cfg.alert_email_to[1], CFG_STR, "Ops <ops@example.org>");
	cfg.n_alert_email_to = 2;
	snprintf(cfg.public_url, sizeof(cfg.public_url), "https://hl.example.com");
	n = notify__new(&cfg);
	CHECK(n, "notify__new: %s", strerror(errno));
	if (!n)
		goto out;
	notify__submit(n, f);
	notify__submit(n, r);
	wait_done(n, "smtp", 2, &st);
	CHECK(st.sent == 2 && st.failed == 0 && server_count(&s, "") == 2,
	      "one message per transition: sent %llu failed %llu, server got %d",
	      (unsigned long long)st.sent, (unsigned long long)st.failed, server_count(&s, ""));
	m0 = server_file(&s, "000.json");
	m1 = server_file(&s, "001.json");
	d0 = json_string_value(json_object_get(m0, "data")) ?: "";
	d1 = json_string_value(json_object_get(m1, "data")) ?: "";
	CHECK(m0 && !strcmp(json_string_value(json_object_get(m0, "mail_from")) ?: "",
			    "alerts@example.com"),
	      "MAIL FROM is the bare From address");
	CHECK(json_array_size(json_object_get(m0, "rcpt_tos")) == 2 &&
		      !strcmp(json_string_value(json_array_get(json_object_get(m0, "rcpt_tos"), 0)) ?:
				      "",
			      "oncall@example.com") &&
		      !strcmp(json_string_value(json_array_get(json_object_get(m0, "rcpt_tos"), 1)) ?:
				      "",
			      "ops@example.org"),
	      "RCPT TO every recipient");
	CHECK(strstr(d0, "\r\nSubject: [hostlens] FIRING: cpu_high on web-1\r\n") &&
		      strstr(d1, "\r\nSubject: [hostlens] RESOLVED: cpu_high on web-1\r\n"),
	      "subjects name rule, state and host: %.300s", d0);
	snprintf(want, sizeof(want), "\r\nIn-Reply-To: <%s@example.com>",
		 json_string_value(json_object_get(f, "id")));
	CHECK(strstr(d1, want), "the resolve replies to the fire's Message-ID: %.600s", d1);
	CHECK(strstr(d0, "Dashboard:  https://hl.example.com/\r\n") &&
		      strstr(d0, "Firing at:  2024-11-21 14:40:00 UTC\r\n"),
	      "readable body with UTC time and dashboard link: %s", d0);
	snprintf(cmds, sizeof(cmds), "%s/commands.log", s.out);
	CHECK(!file_has(cmds, "AUTH"), "no AUTH without credentials");
out:
	notify__free(n);
	server_stop(&s);
	json_decref(f);
	json_decref(r);
	json_decref(m0);
	json_decref(m1);
}

static void smtp_dead_server_retried_then_failed(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct notify_chan_stats st;
	struct notify *n;
	json_t *r = alert_rec("cpu_high", "firing", NULL, 97, T0);

	/* a port nobody listens on: bound, then closed */
	bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	getsockname(fd, (struct sockaddr *)&sa, &sl);
	close(fd);
	config_defaults(&cfg);
	snprintf(cfg.alert_smtp_url, sizeof(cfg.alert_smtp_url), "smtp://127.0.0.1:%d",
		 ntohs(sa.sin_port));
	snprintf(cfg.alert_email_from, sizeof(cfg.alert_email_from), "alerts@example.com");
	snprintf(cfg.alert_email_to[0], CFG_STR, "oncall@example.com");
	cfg.n_alert_email_to = 1;
	n = notify__new(&cfg);
	CHECK(n, "notify__new");
	if (!n)
		goto out;
	notify__set_retry(n, 3, 20);
	notify__submit(n, r);
	wait_done(n, "smtp", 1, &st);
	CHECK(st.sent == 0 && st.failed == 1 && st.retries == 2,
	      "3 attempts then failed: got sent %llu failed %llu retries %llu",
	      (unsigned long long)st.sent, (unsigned long long)st.failed,
	      (unsigned long long)st.retries);
out:
	notify__free(n);
	json_decref(r);
}

/* A server that offers AUTH without TLS must never see the password. */
static void smtp_password_never_in_clear(void)
{
	const char *args[] = { "--auth", NULL };
	struct server s = { 0 };
	struct notify_chan_stats st;
	struct notify *n = NULL;
	json_t *r = alert_rec("cpu_high", "firing", NULL, 97, T0);
	char cmds[160];

	CHECK(!server_start(&s, SYS_PY, "smtp_server.py", args), "aiosmtpd started");
	if (!s.port)
		goto out;
	setenv("HOSTLENS_SMTP_USER", "hl", 1);
	setenv("HOSTLENS_SMTP_PASSWORD", "s3cret", 1);
	config_defaults(&cfg);
	snprintf(cfg.alert_smtp_url, sizeof(cfg.alert_smtp_url), "smtp://127.0.0.1:%d", s.port);
	snprintf(cfg.alert_email_from, sizeof(cfg.alert_email_from), "alerts@example.com");
	snprintf(cfg.alert_email_to[0], CFG_STR, "oncall@example.com");
	cfg.n_alert_email_to = 1;
	n = notify__new(&cfg);
	if (!n)
		goto out;
	notify__set_retry(n, 3, 20);
	notify__submit(n, r);
	wait_done(n, "smtp", 1, &st);
	snprintf(cmds, sizeof(cmds), "%s/commands.log", s.out);
	CHECK(st.failed == 1 && st.retries == 0 && !file_has(cmds, "AUTH") &&
		      server_count(&s, "") == 0,
	      "no STARTTLS offered: refused at once, no AUTH sent, no mail: failed %llu retries %llu",
	      (unsigned long long)st.failed, (unsigned long long)st.retries);
out:
	notify__free(n);
	unsetenv("HOSTLENS_SMTP_USER");
	unsetenv("HOSTLENS_SMTP_PASSWORD");
	server_stop(&s);
	json_decref(r);
}

static void sns_env(const char *secret, int port)
{
	char url[64];

	snprintf(url, sizeof(url), "http://127.0.0.1:%d", port);
	setenv("AWS_ACCESS_KEY_ID", "AKIDNOTIFYTEST", 1);
	setenv("AWS_SECRET_ACCESS_KEY", secret, 1);
	setenv("AWS_ENDPOINT_URL_SNS", url, 1);
	setenv("AWS_REGION", "us-east-1", 1); /* the ARN's region must win */
	setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
	unsetenv("AWS_SESSION_TOKEN");
	unsetenv("AWS_PROFILE");
}

static void sns_unenv(void)
{
	unsetenv("AWS_ACCESS_KEY_ID");
	unsetenv("AWS_SECRET_ACCESS_KEY");
	unsetenv("AWS_ENDPOINT_URL_SNS");
	unsetenv("AWS_REGION");
	unsetenv("AWS_EC2_METADATA_DISABLED");
}

static void sns_publish_signed(void)
{
	const char *args[] = { "AKIDNOTIFYTEST", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
			       "eu-west-1", NULL };
	const char *arn = "arn:aws:sns:eu-west-1:123456789012:ops-alerts";
	struct server s = { 0 };
	struct notify_chan_stats st;
	struct notify *n = NULL;
	json_t *r = alert_rec("cpu_high", "firing", NULL, 97, T0), *got = NULL, *p;
	char subject[512], *text = notify_text(r, NULL);

	CHECK(!server_start(&s, SYS_PY, "sns_server.py", args),
	      "SNS stand-in started (python3-botocore)");
	if (!s.port)
		goto out;
	sns_env(args[1], s.port);
	config_defaults(&cfg);
	snprintf(cfg.alert_sns_topic_arn, sizeof(cfg.alert_sns_topic_arn), "%s", arn);
	n = notify__new(&cfg);
	if (!n)
		goto out;
	notify__submit(n, r);
	wait_done(n, "sns", 1, &st);
	CHECK(st.sent == 1 && st.failed == 0 && st.retries == 0 &&
		      server_count(&s, "rejected-") == 0,
	      "signature verified by botocore, published at once: sent %llu failed %llu rejected %d",
	      (unsigned long long)st.sent, (unsigned long long)st.failed,
	      server_count(&s, "rejected-"));
	got = server_file(&s, "000.json");
	p = json_object_get(got, "params");
	notify_subject(r, subject, sizeof(subject));
	CHECK(!strcmp(form_get(p, "TopicArn"), arn) && !strcmp(form_get(p, "Subject"), subject) &&
		      text && !strcmp(form_get(p, "Message"), text),
	      "TopicArn, Subject and the readable Message: %s", json_dumps(p, 0));
out:
	notify__free(n);
	sns_unenv();
	server_stop(&s);
	free(text);
	json_decref(r);
	json_decref(got);
}

static void sns_wrong_secret_rejected_then_failed(void)
{
	const char *args[] = { "AKIDNOTIFYTEST", "the-right-secret", "eu-west-1", NULL };
	struct server s = { 0 };
	struct notify_chan_stats st;
	struct notify *n = NULL;
	json_t *r = alert_rec("cpu_high", "firing", NULL, 97, T0), *rej = NULL;

	CHECK(!server_start(&s, SYS_PY, "sns_server.py", args), "SNS stand-in started");
	if (!s.port)
		goto out;
	sns_env("a-wrong-secret", s.port);
	config_defaults(&cfg);
	snprintf(cfg.alert_sns_topic_arn, sizeof(cfg.alert_sns_topic_arn),
		 "arn:aws:sns:eu-west-1:123456789012:ops-alerts");
	n = notify__new(&cfg);
	if (!n)
		goto out;
	notify__set_retry(n, 3, 20);
	notify__submit(n, r);
	wait_done(n, "sns", 1, &st);
	rej = server_file(&s, "rejected-000.json");
	CHECK(st.sent == 0 && st.failed == 1 && st.retries == 2 &&
		      server_count(&s, "rejected-") == 3 && server_count(&s, "") == 0 &&
		      !strcmp(json_string_value(json_object_get(rej, "code")) ?: "",
			      "SignatureDoesNotMatch"),
	      "403 SignatureDoesNotMatch, retried, then failed: sent %llu failed %llu retries %llu rejected %d",
	      (unsigned long long)st.sent, (unsigned long long)st.failed,
	      (unsigned long long)st.retries, server_count(&s, "rejected-"));
out:
	notify__free(n);
	sns_unenv();
	server_stop(&s);
	json_decref(r);
	json_decref(rej);
}

static void stats_and_metrics(void)
{
	struct notify *n;
	json_t *stats = json_object(), *r = alert_rec("x", "firing", NULL, 1, T0);
	char *prom = NULL;
	size_t plen = 0;
	FILE *f = open_memstream(&prom, &plen);
	struct prom w;

	prom_init(&w, f);
	config_defaults(&cfg);
	snprintf(cfg.alert_webhook, sizeof(cfg.alert_webhook),
		 "http://127.0.0.1:9/"); /* discard port */
	n = notify__new(&cfg);
	if (!n)
		goto out;
	notify__set_retry(n, 1, 1);
	notify__submit(n, r);
	notify__submit(n, r); /* deduplicated */
	notify__stats(n, stats, &w);
	fclose(f);
	f = NULL;
	CHECK(json_is_object(json_object_get(json_object_get(stats, "notifications"), "webhook")) &&
		      json_integer_value(json_object_get(
			      json_object_get(json_object_get(stats, "notifications"), "webhook"),
			      "queued")) == 1 &&
		      json_integer_value(
			      json_object_get(stats, "notifications_deduplicated_total")) == 1,
	      "stats: notifications.webhook.queued 1, deduplicated 1");
	CHECK(prom && strstr(prom, "# TYPE hostlens_alert_notifications_total counter\n") &&
		      strstr(prom,
			     "hostlens_alert_notifications_total{channel=\"webhook\",result=\"sent\"} ") &&
		      strstr(prom,
			     "hostlens_alert_notifications_total{channel=\"webhook\",result=\"failed\"} ") &&
		      strstr(prom,
			     "hostlens_alert_notifications_total{channel=\"webhook\",result=\"retries\"} ") &&
		      strstr(prom,
			     "hostlens_alert_notifications_total{channel=\"webhook\",result=\"dropped\"} ") &&
		      strstr(prom, "hostlens_alert_notifications_deduplicated_total 1\n") &&
		      !strstr(prom, "channel=\"smtp\""),
	      "/metrics: one series per configured channel and result: %s", prom);
out:
	if (f)
		fclose(f);
	notify__free(n);
	free(prom);
	json_decref(stats);
	json_decref(r);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	mkdir("build", 0755);
	RUN(subject_names_rule_state_host_scope);
	RUN(text_is_readable);
	RUN(control_characters_cannot_inject);
	RUN(sns_subject_fits);
	RUN(email_has_proper_headers);
	RUN(email_addresses_checked);
	RUN(recipient_lists_from_every_source);
	RUN(sns_topic_arn_parsed);
	RUN(sns_publish_form);
	RUN(slack_body);
	RUN(webhook_delivers_after_a_retry);
	RUN(webhook_slack_format);
	RUN(one_notification_per_transition_per_scope);
	RUN(never_blocks_and_queue_is_bounded);
	RUN(smtp_mails_every_recipient);
	RUN(smtp_dead_server_retried_then_failed);
	RUN(smtp_password_never_in_clear);
	RUN(sns_publish_signed);
	RUN(sns_wrong_secret_rejected_then_failed);
	RUN(stats_and_metrics);
	CHECK_DONE();
}
