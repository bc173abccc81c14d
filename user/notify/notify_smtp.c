// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * E-mail channel (notify_int.h): one message per notification to every
 * alert_email_to address, over libcurl's SMTP. smtp:// upgrades with
 * STARTTLS when the server offers it, and insists on it when credentials
 * are set (a password never crosses in clear); smtps:// is TLS from the
 * first byte. Credentials come from HOSTLENS_SMTP_USER and
 * HOSTLENS_SMTP_PASSWORD, read once at start; they are never logged and are
 * wiped from the handle after each transfer.
 *
 * Refusals: a 5xx reply (recipient unknown, message refused), a denied
 * login or no STARTTLS where credentials need it gives up; anything else
 * (no connection, 4xx, timeout) is retried.
 * A recipient the server refuses does not stop the others.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "user/notify/notify_fmt.h"
#include "user/notify/notify_int.h"

#define SMTP_TIMEOUT_MS 15000

/* Messages are cut to their buffers on purpose. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wformat-truncation"
#endif

struct smtp_priv {
	char url[CFG_STR];
	char origin[CFG_STR];
	bool implicit_tls;
	char from[CFG_STR];	     /* as configured: the From: header */
	char mail_from[CFG_STR + 2]; /* <addr>: MAIL FROM */
	char to[CFG_MAX_EMAIL_TO][CFG_STR];
	const char *to_hdr[CFG_MAX_EMAIL_TO];
	struct curl_slist *rcpt; /* <addr> each: RCPT TO */
	int n_to;
	char user[256];
	char password[256];
	CURL *curl;
};

struct smtp_reader {
	const char *data;
	size_t len, off;
};

static bool smtp_wanted(const struct config *cfg)
{
	return cfg->alert_smtp_url[0] != '\0';
}

static int smtp_init(struct notify_chan *ch, const struct config *cfg)
{
	struct smtp_priv *s = ch->priv;
	const char *user = getenv("HOSTLENS_SMTP_USER");
	const char *pass = getenv("HOSTLENS_SMTP_PASSWORD");
	char addr[CFG_STR];

	snprintf(s->url, sizeof(s->url), "%s", cfg->alert_smtp_url);
	notify_url_origin(s->url, s->origin, sizeof(s->origin));
	s->implicit_tls = !strncasecmp(s->url, "smtps://", 8);
	snprintf(s->from, sizeof(s->from), "%s", cfg->alert_email_from);
	if (notify_email_addr(s->from, addr, sizeof(addr)))
		return -EINVAL;
	snprintf(s->mail_from, sizeof(s->mail_from), "<%s>", addr);
	for (int i = 0; i < cfg->n_alert_email_to && i < CFG_MAX_EMAIL_TO; i++) {
		char rcpt[CFG_STR + 2];
		struct curl_slist *t;

		if (notify_email_addr(cfg->alert_email_to[i], addr, sizeof(addr)))
			return -EINVAL;
		snprintf(s->to[i], sizeof(s->to[i]), "%s", cfg->alert_email_to[i]);
		s->to_hdr[i] = s->to[i];
		snprintf(rcpt, sizeof(rcpt), "<%s>", addr);
		t = curl_slist_append(s->rcpt, rcpt);
		if (!t)
			return -ENOMEM;
		s->rcpt = t;
		s->n_to++;
	}
	if (user && *user) {
		snprintf(s->user, sizeof(s->user), "%s", user);
		snprintf(s->password, sizeof(s->password), "%s", pass ? pass : "");
	}
	s->curl = curl_easy_init();
	return s->curl ? 0 : -ENOMEM;
}

static size_t smtp_read(char *buf, size_t size, size_t n, void *ud)
{
	struct smtp_reader *r = ud;
	size_t k = r->len - r->off;

	if (k > size * n)
		k = size * n;
	memcpy(buf, r->data + r->off, k);
	r->off += k;
	return k;
}

static int smtp_send(struct notify_chan *ch, const struct notify_msg *m, char *err, size_t errlen)
{
	struct smtp_priv *s = ch->priv;
	struct notify_email_hdrs h = {
		.from = s->from,
		.to = s->to_hdr,
		.n_to = s->n_to,
		.date_ms = m->ts_ms,
		.msg_id = m->id,
		.in_reply_to = m->reply_to,
	};
	struct smtp_reader r = { 0 };
	char ebuf[CURL_ERROR_SIZE] = "";
	char *mail = notify_email(&h, m->subject, m->text);
	long code = 0;
	CURLcode rc;

	if (!mail) {
		snprintf(err, errlen, "out of memory");
		return -EAGAIN;
	}
	r.data = mail;
	r.len = strlen(mail);
	curl_easy_reset(s->curl);
	notify_curl_setup(ch, s->curl, SMTP_TIMEOUT_MS);
	curl_easy_setopt(s->curl, CURLOPT_URL, s->url);
	curl_easy_setopt(s->curl, CURLOPT_MAIL_FROM, s->mail_from);
	curl_easy_setopt(s->curl, CURLOPT_MAIL_RCPT, s->rcpt);
#if LIBCURL_VERSION_NUM >= 0x080200
	curl_easy_setopt(s->curl, CURLOPT_MAIL_RCPT_ALLOWFAILS, 1L);
#else /* 7.69 to 8.1 spelt it so */
	curl_easy_setopt(s->curl, CURLOPT_MAIL_RCPT_ALLLOWFAILS, 1L);
#endif
	curl_easy_setopt(s->curl, CURLOPT_READFUNCTION, smtp_read);
	curl_easy_setopt(s->curl, CURLOPT_READDATA, &r);
	curl_easy_setopt(s->curl, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(s->curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t)r.len);
	curl_easy_setopt(s->curl, CURLOPT_ERRORBUFFER, ebuf);
	if (!s->implicit_tls)
		curl_easy_setopt(s->curl, CURLOPT_USE_SSL,
				 (long)(s->user[0] ? CURLUSESSL_ALL : CURLUSESSL_TRY));
	if (s->user[0]) {
		curl_easy_setopt(s->curl, CURLOPT_USERNAME, s->user);
		curl_easy_setopt(s->curl, CURLOPT_PASSWORD, s->password);
	}
	rc = curl_easy_perform(s->curl);
	curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &code);
	/* no secret left in the handle between transfers */
	curl_easy_setopt(s->curl, CURLOPT_USERNAME, NULL);
	curl_easy_setopt(s->curl, CURLOPT_PASSWORD, NULL);
	curl_easy_setopt(s->curl, CURLOPT_ERRORBUFFER, NULL);
	free(mail);
	if (rc == CURLE_OK)
		return 0;
	if (code)
		snprintf(err, errlen, "%s: %s (SMTP %ld)", s->origin,
			 ebuf[0] ? ebuf : curl_easy_strerror(rc), code);
	else
		snprintf(err, errlen, "%s: %s", s->origin, ebuf[0] ? ebuf : curl_easy_strerror(rc));
	if (rc == CURLE_LOGIN_DENIED || rc == CURLE_USE_SSL_FAILED || (code >= 500 && code < 600))
		return -EPROTO;
	return -EAGAIN;
}

static void smtp_destroy(struct notify_chan *ch)
{
	struct smtp_priv *s = ch->priv;

	if (!s)
		return;
	if (s->curl)
		curl_easy_cleanup(s->curl);
	curl_slist_free_all(s->rcpt);
	explicit_bzero(s->password, sizeof(s->password));
}

const struct notify_chan_ops smtp_notify_ops = {
	.name = "smtp",
	.priv_size = sizeof(struct smtp_priv),
	.wanted = smtp_wanted,
	.init = smtp_init,
	.send = smtp_send,
	.destroy = smtp_destroy,
};
