// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Amazon SNS channel (notify_int.h): Publish to alert_sns_topic_arn in the
 * Query protocol (a form-encoded POST), signed SigV4 by the sinks' AWS
 * client (sinks/aws: libcurl's signing, the standard credential chain,
 * endpoint from AWS_ENDPOINT_URL_SNS / AWS_ENDPOINT_URL) in the region the
 * ARN names. The client is made on the channel's thread at the first
 * notification, so resolving credentials (IMDS, STS) never holds up the
 * agent's start; a failure there is retried like a failed call.
 *
 * Subject: the notification subject cut to SNS's rules (ASCII, under 100
 * characters); Message: the same text as the e-mail. FIFO topics also get
 * MessageGroupId (the rule) and MessageDeduplicationId (the record id).
 * Refusals: HTTP 5xx, 429, throttling and 403 other than AuthorizationError
 * (a key that may be rotated, a clock that may be fixed) are retried; the
 * other 4xx (a missing topic, a bad parameter, a policy that denies) give up.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "user/notify/notify_fmt.h"
#include "user/notify/notify_int.h"
#include "sinks/aws/aws.h"

/* Messages are cut to their buffers on purpose. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wformat-truncation"
#endif

struct sns_priv {
	char arn[CFG_STR];
	char region[64];
	bool fifo;
	struct aws_client *client;
};

static bool sns_wanted(const struct config *cfg)
{
	return cfg->alert_sns_topic_arn[0] != '\0';
}

static int sns_init(struct notify_chan *ch, const struct config *cfg)
{
	struct sns_priv *s = ch->priv;
	char why[400];
	size_t n;

	snprintf(s->arn, sizeof(s->arn), "%s", cfg->alert_sns_topic_arn);
	if (notify_sns_arn_region(s->arn, s->region, sizeof(s->region), why, sizeof(why)))
		return -EINVAL;
	n = strlen(s->arn);
	s->fifo = n > 5 && !strcmp(s->arn + n - 5, ".fifo");
	return 0;
}

/* The text of the first <tag>...</tag> in xml into out ("" when none). */
static void xml_text(const char *xml, const char *tag, char *out, size_t len)
{
	char open[32], close[32];
	const char *a, *b;

	out[0] = '\0';
	if (!xml)
		return;
	snprintf(open, sizeof(open), "<%s>", tag);
	snprintf(close, sizeof(close), "</%s>", tag);
	a = strstr(xml, open);
	b = a ? strstr(a, close) : NULL;
	if (a && b)
		snprintf(out, len, "%.*s", (int)(b - a - strlen(open)), a + strlen(open));
}

static int sns_send(struct notify_chan *ch, const struct notify_msg *m, char *err, size_t errlen)
{
	struct sns_priv *s = ch->priv;
	char subject[NOTIFY_SNS_SUBJECT_MAX + 1], code[96], msg[256], why[512];
	struct aws_buf resp = { 0 };
	long status = 0;
	char *body;
	int ret;

	if (!s->client) {
		s->client = aws_client__new_in("sns", s->region, why, sizeof(why));
		if (!s->client) {
			snprintf(err, errlen, "%s", why);
			return -EAGAIN;
		}
		aws_client__set_abort(s->client, &ch->abort_at);
	}
	notify_sns_subject(m->subject, subject, sizeof(subject));
	body = notify_sns_form(s->arn, subject, m->text, s->fifo ? m->rule : NULL, m->id);
	if (!body) {
		snprintf(err, errlen, "out of memory");
		return -EAGAIN;
	}
	ret = aws_client__call(s->client, NULL, "application/x-www-form-urlencoded; charset=utf-8",
			       body, strlen(body), &status, &resp, why, sizeof(why));
	free(body);
	if (ret) {
		snprintf(err, errlen, "Publish: %s", why);
		aws_buf_free(&resp);
		return -EAGAIN;
	}
	if (status == 200) {
		aws_buf_free(&resp);
		return 0;
	}
	xml_text(resp.data, "Code", code, sizeof(code));
	xml_text(resp.data, "Message", msg, sizeof(msg));
	aws_buf_free(&resp);
	snprintf(err, errlen, "Publish: HTTP %ld %s%s%s", status,
		 code[0] ? code : "(no error code)", msg[0] ? ": " : "", msg);
	if (status >= 500 || status == 429 || status == 408 || !strcmp(code, "Throttling") ||
	    !strcmp(code, "Throttled") || (status == 403 && strcmp(code, "AuthorizationError")))
		return -EAGAIN;
	return -EPROTO;
}

static void sns_destroy(struct notify_chan *ch)
{
	struct sns_priv *s = ch->priv;

	if (s)
		aws_client__free(s->client);
}

const struct notify_chan_ops sns_notify_ops = {
	.name = "sns",
	.priv_size = sizeof(struct sns_priv),
	.wanted = sns_wanted,
	.init = sns_init,
	.send = sns_send,
	.destroy = sns_destroy,
};
